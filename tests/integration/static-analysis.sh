#!/bin/bash
# cppcheck and clang-tidy (checks in .clang-tidy) over every C source of the
# product: both must be clean.  Runs on the compile commands of a fresh
# build recorded with bear.  A missing tool, or one that crashes or cannot
# compile a source, fails: an analyzer that did not run found nothing.
. "$(dirname "$0")/../lib/tap.sh"; . "$(dirname "$0")/../lib/env.sh"
vg_tmpdir
cd "$VG_TOP" || exit 1
SOURCES=$(ls common/*.c agents/*.c fence/*.c 2>/dev/null)

installed() { command -v "$1" >/dev/null; }
for tool in cppcheck bear clang-tidy; do
	tap_ok "$tool is installed (scripts/deps.sh)" installed "$tool"
done

out=$(cppcheck -q --std=c11 --enable=warning,performance,portability --inline-suppr \
	--error-exitcode=1 -I common -I "$VG_BUILD" --suppress=missingIncludeSystem $SOURCES 2>&1)
tap_is "$?" 0 "cppcheck finds nothing ($(echo "$SOURCES" | wc -l) files)"
[ -z "$out" ] || printf '%s\n' "$out" | head -20 | sed 's/^/# /'

B="$VG_TMP/tidy"
mkdir -p "$B"
if (cd "$B" && "$VG_TOP/configure" -q && bear -- make -j2) >"$VG_TMP/bear.log" 2>&1 &&
	[ -s "$B/compile_commands.json" ]; then
	tap_result 0 "compile commands recorded"
	# Status and findings apart: through a pipe, a clang-tidy that is
	# missing, crashes or fails to compile a file would pass.
	out=$(clang-tidy -p "$B" --quiet $SOURCES 2>&1)
	rc=$?
	if ! tap_is "$rc" 0 "clang-tidy ran over every source (exit 0)"; then
		[ "$rc" -le 128 ] || tap_diag "clang-tidy died of signal $((rc - 128))"
		printf '%s\n' "$out" | grep -vE '^$|^[0-9]+ warnings? generated' | tail -20 | sed 's/^/# /'
	fi
	tap_is "$(printf '%s\n' "$out" | grep -E '(warning|error):')" "" "clang-tidy finds nothing"
else
	tap_result 1 "compile commands recorded"
	tail -20 "$VG_TMP/bear.log" | sed 's/^/# /'
fi
tap_done
