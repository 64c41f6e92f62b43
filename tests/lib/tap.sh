# TAP for vmguard's shell test scripts (integration, cluster, lab).
# Source it, call the assertions, end with tap_done.  tests/run counts the
# "ok" / "not ok" / "# SKIP" lines of every script.
#
#   tap_ok   DESC CMD [ARGS...]     passes when CMD exits 0
#   tap_fail DESC CMD [ARGS...]     passes when CMD exits non-zero
#   tap_is   GOT WANT DESC          string equality
#   tap_like GOT REGEX DESC         extended regex match
#   tap_unlike GOT REGEX DESC       no match
#   tap_cmp  A OP B DESC            numeric test: OP is -lt -le -eq -ge -gt -ne
#   tap_skip DESC REASON
#   tap_diag MSG...                 "# MSG" comment line
#   tap_bail REASON                 abort the script (counts as a failure)
#   tap_done                        exit 0 when nothing failed

TAP_N=0
TAP_FAILED=0

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
	exit 2
}

tap_done() {
	printf '1..%d\n' "$TAP_N"
	[ "$TAP_FAILED" -eq 0 ]
}
