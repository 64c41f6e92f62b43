#!/bin/bash
# Lab scenario 9: the fenced host comes back.  stonith-action=reboot: the
# BMC cuts the power and switches it on again; the node boots (after a boot
# delay, as a server does), rejoins the cluster and runs libvirtd again.
# Expected: as scenario 1 (fenced, every guest recovered once elsewhere,
# only after the confirmed fence), and then the returning node neither runs
# a guest a second time (its qemu processes died with its power) nor pulls a
# guest back, and is not fenced again (no fence loop).
. "$(dirname "$0")/../lib/tap.sh"; . "$(dirname "$0")/../lib/env.sh"; vg_ns_enter "$0" "$@"
# The boot delay is a real server's order of magnitude: with 5 s the node
# could rejoin before the scheduler had placed every guest elsewhere, and a
# guest whose location prefers it then started there (a timing the test
# must not depend on).
export LAB_STONITH_ACTION=reboot LAB_BOOT_DELAY=${LAB_BOOT_DELAY:-30}
. "$VG_TOP/tests/lab/scenario.sh"

sc_begin 09-fence-reboot
V=$SC_VICTIM
sc_signal_libvirtd SEGV
tap_ok "$V is fenced (BMC power cycle, confirmed in the history)" vg_wait 180 sc_fenced "$V"
tap_ok "every guest runs again, on another node" vg_wait 180 sc_recovered "$V"
tap_ok "$V booted again, rejoined the cluster and runs libvirtd" vg_wait 180 sc_rejoined "$V"
sc_mark "$V is back: a member again, its libvirtd instance running"
# The returning node's probes find no guest; resource-stickiness keeps the
# guests where they were recovered.  Give anything wrong its chance.
lab_cluster timeout 70 crm_resource --wait --timeout=60s >/dev/null 2>&1
sleep 5
sc_finish
sc_assert_fenced_recovered "$V"
tap_is "$(cat "$(lab_ndir "$V")/boots")" 2 "$V booted exactly twice (power-up, then after the fence)"
tap_is "$(sc_history "$V" | grep -c 'status="success"')" 1 "$V was fenced exactly once (no fence loop)"
tap_like "$(sc_history "$V")" 'action="reboot"' "the fence was a reboot"
for g in $(lab_guests); do
	tap_unlike "$(lab_guest_nodes "$g")" "^$V\$" "guest $g does not run on the returned $V"
done
[ "$TAP_FAILED" = 0 ] || _sc_save_logs
tap_done
