# TAP for vmguard's shell test scripts (integration, cluster, lab).
# Source it, call the assertions, end with tap_done.  tests/run counts the
# "ok" / "not ok" / "# SKIP" lines of every script, and fails a script whose
# plan is missing or disagrees with its count.
#
#   tap_plan N                      declare N tests up front (optional: else
#                                   tap_done prints the plan at the end)
#   tap_ok   DESC CMD [ARGS...]     passes when CMD exits 0
#   tap_fail DESC CMD [ARGS...]     passes when CMD exits non-zero
#   tap_is   GOT WANT DESC          string equality
#   tap_like GOT REGEX DESC         extended regex match
#   tap_unlike GOT REGEX DESC       no match
#   tap_cmp  A OP B DESC            numeric test: OP is -lt -le -eq -ge -gt -ne
#   tap_skip DESC REASON
#   tap_skip_all REASON             "1..0 # SKIP REASON", exit 0 (before any test)
#   tap_diag MSG...                 "# MSG" comment line
#   tap_bail REASON                 abort the script (counts as a failure)
#   tap_done                        exit 0 when nothing failed and the count
#                                   matches tap_plan
#
# A script that has begun its tests (or declared a plan) and then ends
# without tap_done -- an early exit 0, a failed command, a signal -- prints
# a "not ok" line and "Bail out!" at exit and exits non-zero: its log can no
# longer look like a clean pass.  tap.sh sets an EXIT trap for that unless
# one is already set; env.sh's own trap calls _tap_at_exit first.  A script
# that sets its own EXIT trap should call "_tap_at_exit $?" in it.

TAP_N=0
TAP_FAILED=0
_TAP_PLAN=
_TAP_ENDED=0

tap_diag() { printf '# %s\n' "$*"; }

tap_result() {	# status desc
	TAP_N=$((TAP_N + 1))
	if [ "$1" -eq 0 ]; then
		printf 'ok %d - %s\n' "$TAP_N" "$2"
	else
		printf 'not ok %d - %s\n' "$TAP_N" "$2"
		TAP_FAILED=$((TAP_FAILED + 1))
	fi
	return "$1"
}

tap_ok() {
	_d=$1; shift
	if "$@"; then tap_result 0 "$_d"; else tap_result 1 "$_d"; fi
}

tap_fail() {
	_d=$1; shift
	if "$@"; then tap_result 1 "$_d"; else tap_result 0 "$_d"; fi
}

tap_is() {
	if [ "$1" = "$2" ]; then
		tap_result 0 "$3"
	else
		tap_result 1 "$3"
		tap_diag "  got: '$1'"
		tap_diag " want: '$2'"
		return 1
	fi
}

tap_like() {
	if printf '%s' "$1" | grep -Eq -- "$2"; then
		tap_result 0 "$3"
	else
		tap_result 1 "$3"
		tap_diag "  got: '$1'"
		tap_diag " want match: /$2/"
		return 1
	fi
}

tap_unlike() {
	if printf '%s' "$1" | grep -Eq -- "$2"; then
		tap_result 1 "$3"
		tap_diag "  got: '$1'"
		tap_diag " must not match: /$2/"
		return 1
	fi
	tap_result 0 "$3"
}

tap_cmp() {
	if [ "$1" "$2" "$3" ] 2>/dev/null; then
		tap_result 0 "$4"
	else
		tap_result 1 "$4"
		tap_diag " failed: $1 $2 $3"
		return 1
	fi
}

tap_skip() {
	TAP_N=$((TAP_N + 1))
	printf 'ok %d - %s # SKIP %s\n' "$TAP_N" "$1" "$2"
}

tap_bail() {
	printf 'Bail out! %s\n' "$*"
	_TAP_ENDED=1
	exit 2
}

tap_plan() {
	_TAP_PLAN=$1
	printf '1..%d\n' "$1"
}

tap_skip_all() {
	printf '1..0 # SKIP %s\n' "$*"
	_TAP_ENDED=1
	exit 0
}

tap_done() {
	_TAP_ENDED=1
	if [ -z "$_TAP_PLAN" ]; then
		printf '1..%d\n' "$TAP_N"
	elif [ "$TAP_N" -ne "$_TAP_PLAN" ]; then
		tap_diag "planned $_TAP_PLAN tests, ran $TAP_N"
		return 1
	fi
	[ "$TAP_FAILED" -eq 0 ]
}

# The script is exiting with status $1: returns the status it should exit
# with.  Silent before the first test, so libraries and tools that source
# tap.sh only for tap_bail/tap_diag (lab.sh's commands, bench/) are left
# alone; tests/run fails a log without a plan anyway.
_tap_at_exit() {	# status
	if [ "$_TAP_ENDED" = 1 ] || { [ "$TAP_N" -eq 0 ] && [ -z "$_TAP_PLAN" ]; }; then
		return "$1"
	fi
	_TAP_ENDED=1
	tap_result 1 "$(basename "$0") ended (exit $1) before tap_done"
	printf 'Bail out! %s ended before tap_done\n' "$(basename "$0")"
	[ "$1" -ne 0 ] && return "$1"
	return 1
}

_tap_exit_trap() { _tap_at_exit $?; exit; }
[ -n "$(trap -p EXIT)" ] || trap _tap_exit_trap EXIT
