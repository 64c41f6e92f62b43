#!/bin/bash
# The lab's demo (README's main job runs it): a 3-node Corosync + Pacemaker
# cluster in namespaces, one BMC (ipmi_sim) per node, two guests on n1.
# libvirtd on n1 is killed with SIGSEGV; the cluster fences n1 through its
# BMC and starts the guests again elsewhere, while the invariant checker
# watches every node's qemu processes.  Prints the timeline and the figures.
# Exit 0 only when the scenario succeeded and the invariant held.
#
#   VG_BUILD=<build dir> tests/lab/demo.sh        (root)
#
# It is scenario 1 (tests/lab/01-segv.sh) itself, run quietly: its full TAP
# log is kept and named at the end.
set -u
TOP=$(cd "$(dirname "$0")/../.." && pwd)
export VG_BUILD=${VG_BUILD:-$TOP}
[ "$(id -u)" = 0 ] || { echo "demo.sh: needs root (namespaces, ipmi_sim, Pacemaker)" >&2; exit 1; }
[ -x "$VG_BUILD/agents/libvirtd" ] && [ -x "$VG_BUILD/fence/fence_vmguard" ] ||
	{ echo "demo.sh: no built tree in $VG_BUILD (set VG_BUILD)" >&2; exit 1; }

REPORT=$(mktemp /tmp/vmguard-lab-report.XXXXXX)
LOG=$(mktemp /tmp/vmguard-lab-demo.XXXXXX.log)
trap 'rm -f "$REPORT"' EXIT

cat <<'TXT'
vmguard lab demo
================
3 nodes, each in its own network/mount/UTS/IPC/PID namespaces, each running
corosync, pacemaker and (started by the cluster) libvirtd + virtlogd; one
IPMI BMC per node (ipmi_sim) whose power-off kills that node; guests vm1 and
vm2 (TCG qemu, raw disks on storage shared by all nodes) on n1.
Scenario: libvirtd on n1 gets SIGSEGV.  Its guests keep running without it,
so n1 must be powered off before they run anywhere else.
(about a minute)
TXT
SC_REPORT=$REPORT bash "$TOP/tests/lab/01-segv.sh" >"$LOG" 2>&1
rc=$?
echo
if [ -s "$REPORT" ]; then
	grep -v '^FIGURES ' "$REPORT"
else
	echo "(no timeline: the lab did not get that far)"
	grep -E '^Bail out|^# ' "$LOG" | tail -20
fi
echo
passed=$(grep -cE '^ok [0-9]+' "$LOG")
failed=$(grep -cE '^not ok [0-9]+' "$LOG")
grep -E '^not ok' "$LOG"
if [ $rc -eq 0 ] && [ "$failed" = 0 ]; then
	echo "Result: PASSED ($passed checks): n1 was powered off through its BMC and the"
	echo "fence confirmed before any guest ran elsewhere; each guest was started once,"
	echo "and no guest ever ran on two nodes at once."
else
	echo "Result: FAILED (exit $rc, $failed of $((passed + failed)) checks failed)"
	rc=1
fi
echo "Full log: $LOG"
exit $rc
