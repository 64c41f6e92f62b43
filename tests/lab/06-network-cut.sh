#!/bin/bash
# Lab scenario 6: the node running the guests is cut off from the cluster
# network (its cable pulled: the veth on the switch goes down).
# Expected: the quorate rest of the cluster fences it through its BMC and
# starts every guest again exactly once, only after the fence is confirmed.
. "$(dirname "$0")/../lib/tap.sh"; . "$(dirname "$0")/../lib/env.sh"; vg_ns_enter "$0" "$@"
. "$VG_TOP/tests/lab/scenario.sh"

sc_begin 06-network-cut
V=$SC_VICTIM
sc_inject "$V cut off from the cluster network (cable pulled)"
lab_cut "$V"
tap_ok "$V is fenced (BMC off, confirmed in the history)" vg_wait 180 sc_fenced "$V"
tap_ok "every guest runs again, on another node" vg_wait 180 sc_recovered "$V"
sleep 5
sc_finish
sc_assert_fenced_recovered "$V"
[ "$TAP_FAILED" = 0 ] || _sc_save_logs
tap_done
