#!/bin/bash
# The lab's figures: libvirtd death -> detection -> fence request -> BMC off
# -> fence confirmed -> guests running again, with vmguardd on every node
# versus Pacemaker's libvirtd monitor alone (README's 10 s interval).
# Runs lab scenarios 1-3 COUNT times in each mode (tests/lab/soak.sh) and
# prints both summaries.  Root; about 40 s per run.
#
#   VG_BUILD=<build dir> bench/lab-figures.sh [COUNT]      (default 3)
set -u
TOP=$(cd "$(dirname "$0")/.." && pwd)
COUNT=${1:-3}
OUT=${BENCH_DIR:-/tmp/vmguard-lab-figures.$(date +%Y%m%d-%H%M%S)}
mkdir -p "$OUT"
rc=0
for mode in monitor vmguardd; do
	v=0; [ $mode = vmguardd ] && v=1
	if [ $v = 1 ] && [ ! -x "${VG_BUILD:-$TOP}/fence/vmguardd" ]; then
		echo "vmguardd not built: skipping that mode"
		continue
	fi
	LAB_VMGUARDD=$v SOAK_DIR="$OUT/$mode" bash "$TOP/tests/lab/soak.sh" run "$COUNT" \
		01-segv 02-sigkill 03-sigstop >"$OUT/$mode.out" 2>&1 || rc=1
done
for mode in monitor vmguardd; do
	[ -s "$OUT/$mode/summary" ] || continue
	echo "== $mode"
	cat "$OUT/$mode/summary"
	echo
done
echo "target: libvirtd death -> BMC reports off < 2000 ms with vmguardd (column bmc-off)"
echo "logs: $OUT"
exit $rc
