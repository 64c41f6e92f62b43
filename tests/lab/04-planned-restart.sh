#!/bin/bash
# Lab scenario 4: a planned restart of libvirtd through the cluster
# (crm_resource --restart of the libvirtd clone, every node).
# Expected: every node runs a new libvirtd, no node is fenced, and no guest
# is touched: the same qemu processes run every guest throughout (the
# libvirtd agent's stop leaves qemu alone; the guests' order after the clone
# is Optional and their colocation finite, so they are not restarted with it).
. "$(dirname "$0")/../lib/tap.sh"; . "$(dirname "$0")/../lib/env.sh"; vg_ns_enter "$0" "$@"
. "$VG_TOP/tests/lab/scenario.sh"

sc_begin 04-planned-restart
declare -A before
for n in $(lab_nodes); do before[$n]=$(lab_libvirtd_pid "$n"); done
sc_inject "planned restart of libvirtd through the cluster: crm_resource --restart -r libvirtd-clone"
lab_cluster timeout 200 crm_resource --restart -r libvirtd-clone --timeout=180s >"$SC/restart.out" 2>&1
rc=$?
sc_mark "crm_resource --restart returned $rc"
tap_is "$rc" 0 "crm_resource --restart of the libvirtd clone succeeds" || tap_diag "$(cat "$SC/restart.out")"
# crm_resource --restart of a clone may return before every instance has
# started again.
new_libvirtd() { local p; p=$(lab_libvirtd_pid "$1"); [ -n "$p" ] && [ "$p" != "${before[$1]}" ]; }
for n in $(lab_nodes); do
	tap_ok "$n runs a new libvirtd" vg_wait 60 new_libvirtd "$n"
done
knows_guests() {
	[ "$(lab_exec "$SC_VICTIM" virsh -q list --state-running 2>/dev/null | wc -l)" = "$LAB_GUESTS" ]
}
tap_ok "libvirtd on $SC_VICTIM knows the running guests again" vg_wait 30 knows_guests
# Past a whole monitor interval of every resource: a late failure or fence
# would show now.
sleep 15
lab_cluster timeout 70 crm_resource --wait --timeout=60s >/dev/null 2>&1
sc_finish
# A degraded monitor (libvirtd slower than slow_threshold on a loaded
# machine) is listed among failed actions too, but fails nothing: ignore it.
mon=$(lab_cluster timeout 10 crm_mon -1 2>&1)
tap_unlike "$mon" "Failed Fencing Actions" "crm_mon reports no failed fencing action"
tap_unlike "$(sed -n '/Failed Resource Actions/,$p' <<<"$mon" | grep '^ *\*' | grep -v OCF_DEGRADED)" . \
	"crm_mon reports no failed resource action (degraded monitors aside)"
sc_assert_untouched
[ "$TAP_FAILED" = 0 ] || _sc_save_logs
tap_done
