#!/bin/sh
# README's main job: install what is needed, build, and run the demo.
#
# A real Pacemaker cluster runs the libvirtd clone while a qemu guest runs;
# libvirtd is killed with SIGSEGV, then hung with SIGSTOP; Pacemaker's
# monitor reports each (naming the guest that still runs without libvirtd)
# and recovers libvirtd; the guest runs throughout.  Prints the timeline.
set -eu
TOP=$(cd "$(dirname "$0")/.." && pwd)
cd "$TOP"
sh scripts/deps.sh
sh scripts/build.sh
TL=$(mktemp /tmp/vmguard-demo-timeline.XXXXXX)
LOG=$(mktemp /tmp/vmguard-demo-log.XXXXXX)
echo "vmguard demo: one-node Corosync + Pacemaker, libvirtd clone, one qemu guest"
echo "(about a minute; the full log is kept in $LOG)"
rc=0
VG_BUILD="$TOP/_build" VG_TIMELINE="$TL" bash tests/cluster/libvirtd-clone.sh >"$LOG" 2>&1 || rc=$?
echo
echo "Timeline"
echo "--------"
cat "$TL"
echo
grep -E '^not ok' "$LOG" || true
if [ $rc -eq 0 ]; then
	echo "Result: libvirtd crash and hang detected and recovered; the guest's qemu"
	echo "ran throughout ($(grep -c '^ok' "$LOG") checks passed)."
else
	echo "Result: FAILED (exit $rc); see $LOG"
fi
rm -f "$TL"
exit $rc
