#!/bin/bash
# cppcheck and clang-tidy (checks in .clang-tidy) over every C source of the
# product: both must be clean.  Runs on the compile commands of a fresh
# build recorded with bear.
. "$(dirname "$0")/../lib/tap.sh"; . "$(dirname "$0")/../lib/env.sh"
vg_tmpdir
cd "$VG_TOP" || exit 1
SOURCES=$(ls common/*.c agents/*.c fence/*.c 2>/dev/null)

out=$(cppcheck -q --std=c11 --enable=warning,performance,portability --inline-suppr \
	--error-exitcode=1 -I common -I "$VG_BUILD" --suppress=missingIncludeSystem $SOURCES 2>&1)
tap_is "$?" 0 "cppcheck finds nothing ($(echo "$SOURCES" | wc -l) files)"
[ -z "$out" ] || printf '%s\n' "$out" | head -20 | sed 's/^/# /'

B="$VG_TMP/tidy"
mkdir -p "$B"
if (cd "$B" && "$VG_TOP/configure" -q && bear -- make -j2) >"$VG_TMP/bear.log" 2>&1; then
	tap_result 0 "compile commands recorded"
	out=$(clang-tidy -p "$B" --quiet $SOURCES 2>&1 | grep -E '(warning|error):')
	tap_is "$out" "" "clang-tidy finds nothing"
else
	tap_result 1 "compile commands recorded (see $VG_TMP/bear.log)"
fi
tap_done
