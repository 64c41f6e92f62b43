#!/bin/bash
# Lab scenario 3: libvirtd on the node running the guests gets SIGSTOP (hung, not dead).
# Expected: Pacemaker's libvirtd monitor (or vmguardd, with LAB_VMGUARDD=1)
# notices, the cluster fences the node through its BMC (fence_vmguard over
# IPMI to ipmi_sim), and every guest is started again exactly once on
# another node, only after the fence is confirmed.  The invariant checker
# samples every node's qemu processes throughout.
. "$(dirname "$0")/../lib/tap.sh"; . "$(dirname "$0")/../lib/env.sh"; vg_ns_enter "$0" "$@"
. "$VG_TOP/tests/lab/scenario.sh"

sc_libvirtd_signal_scenario STOP 03-sigstop
tap_done
