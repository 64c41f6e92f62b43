#!/bin/bash
# The lab's soak target: every scenario, many times (default 20), one after
# the other; a summary of passes, invariant violations and figures.  Not
# part of tests/run (hours, not minutes).
#
#   VG_BUILD=<build dir> tests/lab/soak.sh run [COUNT] [SCENARIO...]
#
# SCENARIO: a script name such as 01-segv (default: every tests/lab/NN-*.sh).
# LAB_VMGUARDD=1 runs the nodes with vmguardd.  Each run's TAP log goes to
# $SOAK_DIR (default /tmp/vmguard-soak.<date>); SOAK_DIR/summary is the table.
set -u
TOP=$(cd "$(dirname "$0")/../.." && pwd)
if [ "${1:-}" != run ]; then
	sed -n '2,10p' "$0" >&2
	echo "1..0 # SKIP the soak runs only as: tests/lab/soak.sh run [COUNT] [SCENARIO...]"
	exit 0
fi
shift
COUNT=${1:-20}
[ $# -gt 0 ] && shift
export VG_BUILD=${VG_BUILD:-$TOP}
SCEN=()
if [ $# -gt 0 ]; then
	for s in "$@"; do SCEN+=("$TOP/tests/lab/${s%.sh}.sh"); done
else
	for s in "$TOP"/tests/lab/[0-9][0-9]-*.sh; do SCEN+=("$s"); done
fi
SOAK_DIR=${SOAK_DIR:-/tmp/vmguard-soak.$(date +%Y%m%d-%H%M%S)}
mkdir -p "$SOAK_DIR"
echo "soak: ${#SCEN[@]} scenarios x $COUNT, logs in $SOAK_DIR"

# median and max of a column of numbers ("-" skipped)
stats() { grep -E '^[0-9]+$' | sort -n | awk '{ v[NR] = $1 } END {
	if (NR == 0) { print "-"; exit }
	printf "%d/%d", v[int((NR + 1) / 2)], v[NR] }'; }

: >"$SOAK_DIR/figures"
for s in "${SCEN[@]}"; do
	name=$(basename "$s" .sh)
	for i in $(seq 1 "$COUNT"); do
		log="$SOAK_DIR/$name.$i.log"
		t0=$(date +%s)
		timeout --kill-after=30 1200 bash "$s" >"$log" 2>&1
		rc=$?
		nok=$(grep -cE '^not ok' "$log")
		viol=$(grep -c 'VIOLATION' "$log")
		res=PASS
		[ $rc -eq 0 ] && [ "$nok" = 0 ] || res=FAIL
		echo "$name $i $res rc=$rc not_ok=$nok violations=$viol $(( $(date +%s) - t0 ))s" |
			tee -a "$SOAK_DIR/runs"
		grep -h '^# FIGURES ' "$log" | sed 's/^# //' >>"$SOAK_DIR/figures"
	done
done

{
	echo "Soak summary ($COUNT runs each; figures in ms after the injection, median/max)"
	printf '%-22s %5s %5s %5s  %-11s %-11s %-11s %-11s %-11s %-11s\n' scenario runs pass viol \
		lab-up detect request bmc-off confirmed recovered
	for s in "${SCEN[@]}"; do
		name=$(basename "$s" .sh)
		f=$(grep "scenario=$name " "$SOAK_DIR/figures")
		col() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" <<<"$f" | stats; }
		printf '%-22s %5s %5s %5s  %-11s %-11s %-11s %-11s %-11s %-11s\n' "$name" \
			"$(grep -c "^$name " "$SOAK_DIR/runs")" "$(grep -c "^$name .* PASS " "$SOAK_DIR/runs")" \
			"$(awk -v n="$name" '$1 == n { split($6, a, "="); s += a[2] } END { print s + 0 }' "$SOAK_DIR/runs")" \
			"$(col up_ms)" "$(col detect_ms)" "$(col request_ms)" "$(col bmcoff_ms)" "$(col confirm_ms)" "$(col recovered_ms)"
	done
} | tee "$SOAK_DIR/summary"
! grep -q ' FAIL ' "$SOAK_DIR/runs"
