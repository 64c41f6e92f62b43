#!/bin/bash
# tests/run's accounting, proven on throwaway TAP scripts: each case runs
# tests/run on scripts that pass, die after 3 of 13 checks (exit 1, kill -9),
# exit 0 early, skip, declare a plan their count disagrees with, bail out or
# time out, and asserts the exact closing line.  Also: a make check that fails
# before running the unit suites must not count their logs of an earlier run.
# Needs no root and no daemons.
. "$(dirname "$0")/../lib/tap.sh"; . "$(dirname "$0")/../lib/env.sh"
vg_tmpdir
T=$VG_TMP
chmod 755 "$T"	# the non-root case reads the scripts as nobody

# mk NAME: a throwaway test script (body on stdin) that sources tap.sh and
# env.sh as the real ones do.
mk() {
	{
		echo '#!/bin/bash'
		echo '. "$VG_TOP/tests/lib/tap.sh"; . "$VG_TOP/tests/lib/env.sh"'
		cat
	} >"$T/$1.sh"
}

# runs SCRIPT...: tests/run on them; its output in $T/out and $T/err, its
# closing line in LAST, its status in RC.
runs() {
	rm -rf "$T/logs"
	VG_TEST_LOGDIR="$T/logs" VG_SCRIPT_TIMEOUT=${TMO:-120} "$VG_TOP/tests/run" "$@" \
		>"$T/out" 2>"$T/err"
	RC=$?
	LAST=$(tail -1 "$T/out")
}

# case_is DESC WANT-LINE WANT-STATUS SCRIPT...
case_is() {
	local desc=$1 want=$2 wrc=$3
	shift 3
	runs "$@"
	if ! tap_is "$LAST" "$want" "$desc: $want"; then
		sed 's/^/# | /' "$T/out" "$T/err" | tail -20
	fi
	if [ "$wrc" = 0 ]; then
		tap_is "$RC" 0 "$desc: tests/run exits 0"
	else
		tap_cmp "$RC" -ne 0 "$desc: tests/run exits non-zero"
	fi
}

three='tap_ok "one" true; tap_ok "two" true; tap_ok "three" true'

mk pass <<<"$three
tap_done"
case_is "a script that passes" "3 passed, 0 failed, 0 skipped" 0 "$T/pass.sh"

mk die-exit <<<"$three
exit 1
$three; $three; tap_ok thirteen true
tap_done"
case_is "dies after 3 of 13 checks (exit 1)" "3 passed, 1 failed, 0 skipped" 1 "$T/die-exit.sh"
tap_like "$(cat "$T/logs/"*die-exit.log)" 'Bail out!' "... and its log says it ended before tap_done"

mk die-kill <<<"$three
kill -9 \$\$
$three; $three; tap_ok thirteen true
tap_done"
case_is "dies after 3 of 13 checks (kill -9)" "3 passed, 1 failed, 0 skipped" 1 "$T/die-kill.sh"

mk early <<<"vg_at_exit 'touch $T/cleaned'
$three
exit 0
tap_ok four true
tap_done"
case_is "exits 0 before tap_done" "3 passed, 1 failed, 0 skipped" 1 "$T/early.sh"
tap_ok "... and env.sh's exit commands still ran" test -e "$T/cleaned"

{
	echo '#!/bin/bash'
	echo '. "$VG_TOP/tests/lib/tap.sh"'
	echo "$three"
	echo 'exit 0'
	echo 'tap_done'
} >"$T/early-taponly.sh"
case_is "exits 0 before tap_done (sources only tap.sh)" "3 passed, 1 failed, 0 skipped" 1 \
	"$T/early-taponly.sh"

mk silent <<<'exit 0
tap_done'
case_is "exits 0 before its first test" "0 passed, 1 failed, 0 skipped" 1 "$T/silent.sh"

printf '#!/bin/bash\necho "1..0 # SKIP no widget here"\n' >"$T/skip.sh"
case_is "a skip plan" "0 passed, 0 failed, 1 skipped" 0 "$T/skip.sh"
tap_like "$(cat "$T/out")" 'no widget here' "... and the summary gives its reason"
tap_like "$(cat "$T/err")" 'SKIPPED' "... and stderr says a script was skipped"

# As non-root, vg_ns_enter skips: counted, and said on stderr.
mk needs-root <<<'vg_ns_enter "$0" "$@"
tap_ok "in the namespaces" true
tap_done'
NOBODY="setpriv --reuid=65534 --regid=65534 --clear-groups"
if [ "$(id -u)" != 0 ]; then
	runs "$T/needs-root.sh"
else
	mkdir -m 777 "$T/nobody"
	if ! $NOBODY test -x "$VG_TOP/tests/run" 2>/dev/null; then
		# A tree nobody can read (a checkout under /root): an id that
		# says "not root" drives the same code.
		tap_diag "nobody cannot read $VG_TOP: faking a non-root id -u"
		printf '#!/bin/sh\n[ "$1" = -u ] && echo 65534 || exec /usr/bin/id "$@"\n' >"$T/nobody/id"
		chmod 755 "$T/nobody/id"
		NOBODY="env PATH=$T/nobody:$PATH"
	fi
	(cd "$T/nobody" && $NOBODY env VG_TEST_LOGDIR="$T/nobody/logs" \
		"$VG_TOP/tests/run" "$T/needs-root.sh" >"$T/out" 2>"$T/err")
	LAST=$(tail -1 "$T/out")
fi
ERR=$(cat "$T/err")
tap_is "$LAST" "0 passed, 0 failed, 1 skipped" "as non-root, vg_ns_enter's skip: 0 passed, 0 failed, 1 skipped"
tap_like "$ERR" 'WARNING: 1 of 1 TAP scripts were SKIPPED.*needs root' "... and stderr says how many and why"

mk plan-short <<<"tap_plan 5
$three
tap_done"
case_is "tap_plan 5, then 3 tests" "3 passed, 2 failed, 0 skipped" 1 "$T/plan-short.sh"

mk plan-echo <<<"echo 1..5
$three
tap_done"
case_is "a plan of 5 printed up front, then 3 tests" "3 passed, 1 failed, 0 skipped" 1 "$T/plan-echo.sh"

mk plan-die <<<"tap_plan 13
$three
exit 1
tap_done"
case_is "tap_plan 13, dies after 3" "3 passed, 10 failed, 0 skipped" 1 "$T/plan-die.sh"

mk bail <<<'tap_ok one true; tap_ok two true
tap_bail "no daemon"
tap_done'
case_is "bails out after 2" "2 passed, 1 failed, 0 skipped" 1 "$T/bail.sh"

mk hang <<<'tap_ok one true
sleep 60
tap_done'
TMO=2 case_is "killed by the timeout after 1" "1 passed, 1 failed, 0 skipped" 1 "$T/hang.sh"
tap_like "$(cat "$T/out")" 'timed out' "... and the summary says it timed out"

mk fail <<<'tap_ok one true; tap_is a b "two"
tap_done'
case_is "an assertion fails" "1 passed, 1 failed, 0 skipped" 1 "$T/fail.sh"

case_is "the closing line counts every script" "6 passed, 1 failed, 1 skipped" 1 \
	"$T/pass.sh" "$T/skip.sh" "$T/early.sh"

# Output that looks like TAP must not change the count: a stray "ok 2"
# printed by a command, then a failed check glued behind output without a
# newline (found by an adversarial review: it read "2 passed, 0 failed").
mk glued <<<'tap_ok "first" true
printf "ok 2 - daemon: ready\n"
printf "progress..."
tap_ok "the safety check" false
tap_done
true	# a last cleanup command that succeeds: the script exits 0'
case_is "a stray ok line and a glued not ok" "2 passed, 1 failed, 0 skipped" 1 "$T/glued.sh"

# Check's own selection variables must not make a suite run nothing: a
# unit suite that ran no checks is a failure, not "0 passed, 0 failed".
B0="$T/build0"
mkdir -p "$B0/tests/unit"
printf 'check:\n\t@sh ./fake-check\n' >"$B0/Makefile"
n=0
for t in $(sed -n 's/^TESTS *+= *//p' "$VG_TOP"/tests/unit/*.am); do
	printf 'printf "100%%%%: Checks: 0, Failures: 0, Errors: 0\\n" >%s.log\n' "$t"
	printf 'printf ":test-result: PASS\\n" >%s.trs\n' "$t"
	n=$((n + 1))
done >"$B0/fake-check"
VG_BUILD=$B0 case_is "$n unit suites that ran no checks" "0 passed, $n failed, 0 skipped" 1 \
	--unit --no-sanitizers --no-valgrind

# A make check that fails before running the suites (a compile error):
# automake's per-suite logs, and the binaries valgrind would run, are those
# of the last build and must not count.
B="$T/build"
mkdir -p "$B/tests/unit"
printf 'check:\n\t@echo "check_x.c:1: error: a compile error"; exit 2\n' >"$B/Makefile"
n=0
for t in $(sed -n 's/^TESTS *+= *//p' "$VG_TOP"/tests/unit/*.am); do
	printf '100%%: Checks: 7, Failures: 0, Errors: 0\n' >"$B/$t.log"
	printf ':test-result: PASS\n' >"$B/$t.trs"
	printf '#!/bin/sh\necho "100%%: Checks: 7, Failures: 0, Errors: 0"\n' >"$B/$t"
	chmod 755 "$B/$t"
	n=$((n + 1))
done
VG_BUILD=$B case_is "make check fails before the $n suites: no stale log or binary counts" \
	"0 passed, $((2 * n + 1)) failed, 0 skipped" 1 --unit --no-sanitizers
tap_fail "... and the stale logs are gone" sh -c "ls '$B'/tests/unit/*.log 2>/dev/null | grep -q ."
tap_done
