#!/bin/bash
# Lab scenario 7: the frontend path.  OpenNebula's host-failure hook
# (share/hooks/ft/host_error.rb) runs fence_host.sh from its own directory
# with no arguments and the failed host's XML, base64, on stdin, and
# recovers the host's VMs only when it exits 0.  vmguard is linked there
# under that name and called that way on another node, where the frontend
# runs:
#   a. bad input: exit 2, nothing fenced;
#   b. the host's BMC is unreachable: non-zero within --timeout, the host
#      keeps its power and its guests, no fence is confirmed.  A fence
#      request cannot be withdrawn, so the BMC stays unreachable until every
#      attempt of the fencer (its peers keep trying after the hook gave up)
#      has ended; the host must still have its power then;
#   c. BMC reachable: exit 0 only once the host is off and the cluster's
#      fence history records it; the cluster then recovers every guest
#      exactly once elsewhere.
. "$(dirname "$0")/../lib/tap.sh"; . "$(dirname "$0")/../lib/env.sh"; vg_ns_enter "$0" "$@"
. "$VG_TOP/tests/lab/scenario.sh"

sc_begin 07-fence-host
V=$SC_VICTIM
F=$(lab_any_node "$V") || tap_bail "no second node for the frontend"

# OpenNebula's hook directory, with vmguard linked in as its fencing script.
mkdir -p "$VG_TMP/ft"
ln -s /usr/sbin/vmguard "$VG_TMP/ft/fence_host.sh"
host64() {	# node: the document host_error.rb sends (Host#to_xml, base64)
	printf '<HOST><ID>%s</ID><NAME>%s</NAME><STATE>3</STATE><PREV_STATE>2</PREV_STATE>' "${1#n}" "$1"
	printf '<IM_MAD><![CDATA[kvm]]></IM_MAD><VM_MAD><![CDATA[kvm]]></VM_MAD>'
	printf '<CLUSTER_ID>0</CLUSTER_ID><CLUSTER>default</CLUSTER></HOST>'
}
hook() {	# stdin-text [args]: run on the frontend node F; sets RC, OUT, MS
	local in=$1 t0
	shift
	t0=$(vg_ms)
	OUT=$(printf '%s' "$in" | lab_exec "$F" "$VG_TMP/ft/fence_host.sh" "$@" 2>&1)
	RC=$?
	MS=$(( $(vg_ms) - t0 ))
}
guests_on() { for g in $(lab_guests); do lab_guest_nodes "$g"; done | sort -u | tr '\n' ' '; }

# --- a. bad input --------------------------------------------------------------
hook "<HOST><NAME>$V</NAME></HOST>"
tap_is "$RC" 2 "XML that is not base64: exit 2"
hook "$(printf 'garbage' | base64 -w0)"
tap_is "$RC" 2 "base64 that is not a host document: exit 2"
tap_ok "  no fence of $V was even attempted (its history says so)" sc_history_none "$V"

# --- b. the BMC cannot be reached ---------------------------------------------------
lab_bmc_unreachable "$V"
sc_mark "BMC of $V unreachable"
hook "$(host64 "$V" | base64 -w0)" --timeout 30
tap_is "$RC" 1 "hook for $V while its BMC is unreachable: exit 1 (OpenNebula must not recover)"
tap_like "$OUT" "NOT fenced" "  and it says so"
tap_cmp "$MS" -lt 60000 "  within --timeout and its margin ($MS ms)"
tap_is "$(bmc_power_state "$V")" on "  $V keeps its power"
tap_is "$(guests_on)" "$V " "  its guests still run there, and nowhere else"
tap_ok "  no fence of $V is recorded as done (its history says so)" sc_history_none "$V" 'status="success"'
agents_running() {	# any fence agent still running on any node
	local n q
	for n in $(lab_up_nodes); do
		for q in $(lab_node_procs "$n"); do
			[ "$(cat "/proc/$q/comm" 2>/dev/null)" = fence_vmguard ] && return 0
		done
	done
	return 1
}
attempts_over() { sc_history "$V" | grep -q 'status="failed"' && ! agents_running; }
tap_ok "  the fencer gives up on the request too" vg_wait 240 attempts_over
# The device's recurring monitor may run fence_vmguard against the
# unreachable BMC at any time: what must not exist is another fence
# operation of $V -- none pending, none new, after 5 s.  A failed history
# query counts as one.
fence_ops() { local h; h=$(sc_history "$V") || { echo "query failed"; return; }
	printf '%s\n' "$h" | grep -c '<fence_event'; printf '%s\n' "$h" | grep -c 'status="pending"'; }
ops=$(fence_ops)
sleep 5
tap_is "$(fence_ops)" "$ops" "  and the fencer makes no further attempt ($(echo $ops) events, pending)"
tap_is "$(printf '%s\n' "$ops" | tail -1)" 0 "  none of them pending"
tap_is "$(bmc_power_state "$V")" on "  $V still has its power when every attempt has ended"
tap_is "$(guests_on)" "$V " "  and its guests still run there only"
lab_bmc_reachable "$V"
sc_mark "BMC of $V reachable again"
sleep 2

# --- c. the real thing -----------------------------------------------------------------
sc_inject "OpenNebula's host_error hook runs fence_host.sh on $F for host $V"
hook "$(host64 "$V" | base64 -w0)" --timeout 120
sc_mark "fence_host.sh exited $RC after $MS ms"
tap_is "$RC" 0 "hook for $V: exit 0"
tap_ok "  when it returned, $V was already off and its fence in the cluster's history" sc_fenced "$V"
tap_diag "fence_host.sh took $MS ms: $(printf '%s' "$OUT" | tail -1)"
tap_ok "every guest runs again, on another node" vg_wait 180 sc_recovered "$V"
sleep 5	# anything that would start a guest twice has had its chance
sc_finish
sc_assert_fenced_recovered "$V"
[ "$TAP_FAILED" = 0 ] || _sc_save_logs
tap_done
