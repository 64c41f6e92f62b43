#!/bin/bash
# Lab scenario 5: libvirtd dies (SIGSEGV) on the guests' node while that
# node's BMC is unreachable.
# Expected: the cluster asks for the fence, the fence cannot be confirmed,
# and so no guest is started elsewhere (they stay where they are rather than
# run twice); the failure is loud (fence history, crm_mon, fencer log).
# Then the BMC is reachable again: the fence completes, and only then is
# every guest started once on another node.
. "$(dirname "$0")/../lib/tap.sh"; . "$(dirname "$0")/../lib/env.sh"; vg_ns_enter "$0" "$@"
. "$VG_TOP/tests/lab/scenario.sh"

sc_begin 05-bmc-unreachable
V=$SC_VICTIM
lab_bmc_unreachable "$V"
sc_mark "BMC of $V unreachable: its address left the lab network (ipmi_sim still runs)"
sc_signal_libvirtd SEGV "its BMC is unreachable"
requested() { grep -q "wants to fence ([a-z]*) $V " "$LAB"/nodes/*/log/pacemaker/pacemaker.log; }
tap_ok "the cluster asks for $V to be fenced" vg_wait 120 requested
failed() { sc_history "$V" | grep -q 'status="failed"'; }
tap_ok "the fence fails, and the cluster's fence history says so" vg_wait 150 failed
tap_diag "history: $(sc_history "$V" | head -2 | tr -s ' ')"
tap_like "$(lab_cluster -x "$V" timeout 10 crm_mon -1 2>&1)" "Failed Fencing Actions" \
	"crm_mon shows the failed fencing action"
sleep 15	# the guests must stay put, however long the fence fails
T_RESTORE=$(vg_ms)
tap_is "$(bmc_power_state "$V")" on "$V still has power (nothing cut it)"
for g in $(lab_guests); do
	tap_is "$(lab_guest_nodes "$g" | tr '\n' ' ')" "$V " "guest $g runs only on $V, not recovered elsewhere"
done
tap_ok "no fence of $V was confirmed (its history says so)" sc_history_none "$V" 'status="success"'

lab_bmc_reachable "$V"
sc_mark "BMC of $V reachable again"
tap_ok "once its BMC answers, the fence of $V completes" vg_wait 240 sc_fenced "$V"
tap_ok "and only then is every guest started again, on another node" vg_wait 180 sc_recovered "$V"
sleep 5
sc_finish
early=$(awk -F'\t' -v t0="$SC_T0" -v tr="$T_RESTORE" -v v="$V" \
	'$2 == "run" && $1 >= t0 && $1 < tr && $3 != v' "$SC/all")
tap_is "$early" "" "no guest started anywhere while the fence could not be confirmed"
tap_ok "the fencer logged the failure" test -n "$(_sc_first fencefail "$V")"
sc_assert_fenced_recovered "$V"
[ "$TAP_FAILED" = 0 ] || _sc_save_logs
tap_done
