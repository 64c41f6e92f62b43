#!/bin/sh
# README's main job: install what is needed, build, and run the demo.
#
# The lab: a 3-node Corosync + Pacemaker cluster on this machine, each node
# in its own namespaces with libvirtd, vmguardd and an IPMI BMC (ipmi_sim)
# whose power-off kills the node; two qemu guests on n1.  libvirtd on n1 is
# killed with SIGSEGV; n1 is powered off through its BMC and the guests are
# started again elsewhere only after the fence is confirmed.  An invariant
# checker watches every node's qemu processes.  Prints the timeline.
#   LAB_VMGUARDD=0 sh scripts/demo.sh    the same with the Pacemaker monitor alone
set -eu
TOP=$(cd "$(dirname "$0")/.." && pwd)
cd "$TOP"
sh scripts/deps.sh
sh scripts/build.sh
export LAB_VMGUARDD="${LAB_VMGUARDD:-1}"
VG_BUILD="$TOP/_build" exec bash tests/lab/demo.sh
