#!/bin/bash
# Build the libFuzzer target for everything fence_vmguard does before its
# action (option parsing, secret registration, checks, agent_validate) with
# clang (-fsanitize=fuzzer,address,undefined) and run it for a bounded time.
# The target aborts on a broken invariant too (tests/fuzz/fuzz_fenceagent.c).
#
#   tests/fuzz/run.sh [SECONDS]      (default 60; VG_FUZZ_SECONDS too)
#
# Exits non-zero when the fuzzer finds a crash, a sanitizer error or a leak;
# the reproducer is left in $VG_FUZZ_DIR (default: a directory in /tmp).
set -u
TOP=$(cd "$(dirname "$0")/../.." && pwd)
SECS=${1:-${VG_FUZZ_SECONDS:-60}}
OUT=${VG_FUZZ_DIR:-$(mktemp -d /tmp/vmguard-fuzz.XXXXXX)}
CC=${VG_FUZZ_CC:-clang}
mkdir -p "$OUT/corpus" "$OUT/inc"

command -v "$CC" >/dev/null || { echo "fuzz: $CC not found" >&2; exit 77; }
# fenceagent.c and friends include config.h; the fuzz build needs none of it.
if [ -n "${VG_BUILD:-}" ] && [ -f "$VG_BUILD/config.h" ]; then
	cp "$VG_BUILD/config.h" "$OUT/inc/config.h"
else
	printf '#define _GNU_SOURCE 1\n#define PACKAGE_VERSION "fuzz"\n' >"$OUT/inc/config.h"
fi

# Seeds: what Pacemaker sends, and the command lines operators type.
printf '\0action=off\nip=10.0.0.1\nusername=admin\npassword=secret\nplug=node1\nnodename=node1\n' \
	>"$OUT/corpus/stdin-pacemaker"
printf '\0# comment\n\nipaddr="10.0.0.1"\r\nlanplus=1\npower_wait=1.5\nmethod=cycle\nprivlvl=operator\n' \
	>"$OUT/corpus/stdin-aliases"
printf '\001-o\0status\0-a\0h\0-l\0u\0-p\0x\0-P\0-vvv\0--power-timeout=3\0--cipher\0003' \
	>"$OUT/corpus/argv-basic"
# ... and what reaches agent_validate(): K_g, port_as_ip, libvirt, cipher
# 0, password_file, a secret that is also another option's bad value.
printf '\0action=reboot\nip=bmc\nhexadecimal_kg=0x0123456789abcdefABCDEF0123456789abcdef01\npasswd=pw\n' \
	>"$OUT/corpus/stdin-kg"
printf '\0action=off\nport_as_ip=1\nport=10.0.0.9\nlogin=admin\npassword_script=cat /x\n' \
	>"$OUT/corpus/stdin-port-as-ip"
printf '\0action=status\nip=h\ntarget=0x20\npassword_file=/etc/vmguard/x\n' \
	>"$OUT/corpus/stdin-target-file"
printf '\0action=status\nbackend=libvirt\nuri=qemu+ssh://h/system\nplug=vm1\n' \
	>"$OUT/corpus/stdin-libvirt"
printf '\0action=monitor\nip=h\ncipher=0\nforce_cipher_zero=1\npassword=hunter2\nipport=hunter2\n' \
	>"$OUT/corpus/stdin-secret-echo"
printf '\001-o\0validate-all\0-a\0h\0--hexadecimal-kg=abcd\0-pPa55word\0--port-as-ip\0-n\0x' \
	>"$OUT/corpus/argv-secrets"

SRC=(tests/fuzz/fuzz_fenceagent.c common/fenceagent.c common/ipmi.c common/log.c
	common/deadline.c common/bounded.c common/proc.c)
# shellcheck disable=SC2046
if ! (cd "$TOP" && "$CC" -g -O1 -std=gnu11 -fsanitize=fuzzer,address,undefined \
	-fno-sanitize-recover=undefined -I"$OUT/inc" -Icommon \
	$(pkg-config --cflags libqb libfreeipmi libvirt) "${SRC[@]}" \
	$(pkg-config --libs libqb libfreeipmi libvirt) -o "$OUT/fuzz_fenceagent") \
	>"$OUT/build.log" 2>&1; then
	cat "$OUT/build.log" >&2
	echo "fuzz: build failed" >&2
	exit 1
fi

echo "fuzz: running for $SECS s in $OUT"
cd "$OUT" || exit 1
UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
ASAN_OPTIONS=detect_leaks=1 \
	./fuzz_fenceagent -max_total_time="$SECS" -max_len=4096 -timeout=10 \
	-artifact_prefix="$OUT/" -print_final_stats=1 -close_fd_mask=1 corpus >"$OUT/fuzz.log" 2>&1
rc=$?
grep -E '^(#[0-9]+.*DONE|stat::number_of_executed_units|==[0-9]+==ERROR|SUMMARY)' "$OUT/fuzz.log"
if [ $rc -ne 0 ]; then
	tail -40 "$OUT/fuzz.log" >&2
	echo "fuzz: FAILED (exit $rc); artifacts in $OUT" >&2
	exit 1
fi
echo "fuzz: no crash in $SECS s"
