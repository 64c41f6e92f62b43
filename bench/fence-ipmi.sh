#!/bin/bash
# Benchmark: fence_vmguard vs fence_ipmilan (lanplus, cipher 3) vs FreeIPMI's
# ipmi-power, against the same ipmi_sim BMC, in one run.
#
#   VG_BUILD=/path/to/build bench/fence-ipmi.sh [RUNS]
#
# Measures status, monitor and off+verify with hyperfine (wall time, and
# user+system CPU), prints a table and the ratios the issue asks for:
#   status: fence_ipmilan / fence_vmguard (target >= 4)
#           fence_vmguard / ipmi-power    (target <= 1.5)
#   off:    fence_vmguard returns when the BMC reports off (no fixed wait).
# Runs in private namespaces like the tests; needs root, ipmi_sim,
# fence_ipmilan, ipmi-power and hyperfine.  The BMC password goes through
# stdin or 0600 files only (fence_ipmilan itself then puts it on ipmitool's
# command line: that is one of the things being compared).
. "$(dirname "$0")/../tests/lib/tap.sh"; . "$(dirname "$0")/../tests/lib/env.sh"
vg_ns_enter "$0" "$@"
. "$VG_TOP/tests/lib/bmc.sh"

RUNS=${1:-30}
F=$VG_BUILD/fence/fence_vmguard
for t in "$F" ipmi_sim fence_ipmilan ipmi-power hyperfine python3; do
	command -v "$t" >/dev/null || { echo "bench: $t not found" >&2; exit 1; }
done
vg_tmpdir
B=$VG_TMP/bench
mkdir -p "$B"
PW=Bench-Pa55-$$
(umask 077
 echo "$PW" >"$B/pw"
 printf 'ip=127.0.10.1\nusername=admin\npassword_file=%s\n' "$B/pw" >"$B/vmguard.in"
 printf 'ip=127.0.10.1\nusername=admin\npassword=%s\nlanplus=1\ncipher=3\n' "$PW" >"$B/ipmilan.in"
 printf 'username admin\npassword %s\ndriver-type LAN_2_0\ncipher-suite-id 3\nworkaround-flags opensesspriv\n' \
	"$PW" >"$B/freeipmi.conf")
bmc_start bench 127.0.10.1 admin "$B/pw" sleep infinity || exit 1
export PYTHONWARNINGS=ignore	# fence_ipmilan's "pipes is deprecated"

# Each command reads its options from a file on stdin.
vm() { echo "{ cat $B/vmguard.in; echo action=$1; } | $F >/dev/null 2>&1"; }
il() { echo "{ cat $B/ipmilan.in; echo action=$1; } | fence_ipmilan >/dev/null 2>&1"; }
IP="ipmi-power -h 127.0.10.1 --config-file=$B/freeipmi.conf --stat >/dev/null 2>&1"

sh -c "$(vm on)"
[ "$(bmc_power_state bench)" = on ] || { echo "bench: could not power on" >&2; exit 1; }

hf() {	# name runs [hyperfine args...]
	local name=$1 runs=$2
	shift 2
	hyperfine -N --style none --runs "$runs" --export-json "$B/$name.json" "$@" >/dev/null 2>&1 ||
		hyperfine --style none --runs "$runs" --export-json "$B/$name.json" "$@" >/dev/null
}
echo "bench: status, $RUNS runs each" >&2
hf status "$RUNS" --warmup 3 -n fence_vmguard "$(vm status)" -n fence_ipmilan "$(il status)" \
	-n ipmi-power "$IP"
echo "bench: monitor, $RUNS runs each" >&2
hf monitor "$RUNS" --warmup 3 -n fence_vmguard "$(vm monitor)" -n fence_ipmilan "$(il monitor)"
OFFRUNS=$(( RUNS < 5 ? RUNS : 5 ))
echo "bench: off+verify, $OFFRUNS runs each (host powered on before each)" >&2
hf off "$OFFRUNS" --prepare "$(vm on)" -n fence_vmguard "$(vm off)" -n fence_ipmilan "$(il off)"
offstate=$(bmc_power_state bench)

python3 - "$B" "$offstate" <<'EOF'
import json, sys
d, offstate = sys.argv[1], sys.argv[2]
res = {}
for op in ("status", "monitor", "off"):
    for r in json.load(open(f"{d}/{op}.json"))["results"]:
        res[(op, r["command"])] = (r["mean"] * 1000, r["stddev"] * 1000,
                                   (r["user"] + r["system"]) * 1000)
print(f"{'operation':10} {'command':15} {'wall ms':>10} {'± ms':>7} {'CPU ms':>8}")
for (op, cmd), (w, s, c) in res.items():
    print(f"{op:10} {cmd:15} {w:10.1f} {s:7.1f} {c:8.1f}")
def ratio(a, b, what):
    r = res[a][0] / res[b][0]
    print(f"{what}: {r:.2f}")
    return r
print()
r1 = ratio(("status", "fence_ipmilan"), ("status", "fence_vmguard"),
           "status wall, fence_ipmilan / fence_vmguard (target >= 4)")
r2 = ratio(("status", "fence_vmguard"), ("status", "ipmi-power"),
           "status wall, fence_vmguard / ipmi-power (target <= 1.5)")
c1 = res[("status", "fence_ipmilan")][2] / max(res[("status", "fence_vmguard")][2], 0.01)
print(f"status CPU, fence_ipmilan / fence_vmguard: {c1:.1f}")
ratio(("monitor", "fence_ipmilan"), ("monitor", "fence_vmguard"),
      "monitor wall, fence_ipmilan / fence_vmguard")
ratio(("off", "fence_ipmilan"), ("off", "fence_vmguard"),
      "off+verify wall, fence_ipmilan / fence_vmguard")
print(f"host after the last off: {offstate}")
ok = r1 >= 4 and r2 <= 1.5 and offstate == "off"
print("targets met" if ok else "TARGETS NOT MET")
sys.exit(0 if ok else 1)
EOF
