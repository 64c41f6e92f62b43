#!/bin/bash
# Lab scenario 8: scenario 1 with vmguardd on every node (libvirtd_grace 0).
# vmguardd sees libvirtd's socket close and asks the fencer to power the
# node off at once, instead of waiting for the next Pacemaker monitor.
# Same outcome, checked the same way, plus: it was vmguardd that asked.
. "$(dirname "$0")/../lib/tap.sh"; . "$(dirname "$0")/../lib/env.sh"; vg_ns_enter "$0" "$@"
export LAB_VMGUARDD=1
. "$VG_TOP/tests/lab/scenario.sh"
[ -x "$VG_BUILD/fence/vmguardd" ] || tap_bail "vmguardd is not built in $VG_BUILD"

sc_libvirtd_signal_scenario SEGV 08-segv-vmguardd
tap_ok "vmguardd on $SC_VICTIM asked the fencer to power it off" \
	grep -q "fence requested" "$(lab_ndir "$SC_VICTIM")/log/vmguardd.log"
tap_done
