#!/bin/bash
# fence_vmguard's stdin/option parser under libFuzzer (ASan + UBSan), for a
# bounded time (VG_FUZZ_SECONDS, default 60): one TAP test.
. "$(dirname "$0")/../lib/tap.sh"; . "$(dirname "$0")/../lib/env.sh"; vg_ns_enter "$0" "$@"

if ! command -v clang >/dev/null; then
	tap_skip "fuzz fence_vmguard's parser" "clang not installed"
	tap_done; exit
fi
vg_tmpdir
out=$(VG_FUZZ_DIR="$VG_TMP/fuzz" bash "$VG_TOP/tests/fuzz/run.sh" "${VG_FUZZ_SECONDS:-60}" 2>&1)
rc=$?
while IFS= read -r l; do tap_diag "$l"; done <<<"$out"
tap_is "$rc" 0 "libFuzzer finds no crash, sanitizer error or leak in the stdin/option parser"
tap_done
