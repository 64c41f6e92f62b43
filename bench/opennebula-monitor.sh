#!/bin/bash
# One monitor of ocf:vmguard:opennebula against its shell equivalent (curl +
# grep, the way a shell resource agent would do it), both against the same
# stand-in oned (tests/lib/fake-oned, answering at once), side by side:
# wall time and CPU (user + system, children included) per monitor, and our
# figures as ratios of the shell's.
#
#   VG_BUILD=/work/build-x bench/opennebula-monitor.sh [RUNS]
#
# Needs hyperfine, curl, python3.  Runs as any user: oned is started directly
# (not through the agent) as the current user, with scheduler=none.
set -eu
TOP=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${VG_BUILD:-$TOP}
AGENT=$BUILD/agents/opennebula
FAKE=$TOP/tests/lib/fake-oned
RUNS=${1:-200}
[ -x "$AGENT" ] || { echo "build first: $AGENT missing" >&2; exit 1; }

T=$(mktemp -d /tmp/vmguard-bench.XXXXXX)
PID=
cleanup() { [ -z "$PID" ] || kill "$PID" 2>/dev/null; sleep 0.2; rm -rf "$T"; }
trap cleanup EXIT
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
L=$T/one
mkdir -p "$L/etc" "$L/var/lock"
SECRET=bench-$$-$RANDOM
printf 'PORT = %s\nLISTEN_ADDRESS = "127.0.0.1"\nFAKE_AUTH = "oneadmin:%s"\nFAKE_API_DELAY = 0\nFAKE_EXIT_DELAY = 0\n' \
	"$PORT" "$SECRET" >"$L/etc/oned.conf"
(umask 077; echo "oneadmin:$SECRET" >"$T/one_auth")
ONE_LOCATION=$L "$FAKE" -f >/dev/null 2>&1 &
PID=$!
echo "$PID" >"$T/oned.pid"
URL=http://127.0.0.1:$PORT/RPC2
for _ in $(seq 50); do curl -s -o /dev/null "$URL" 2>/dev/null && break; sleep 0.1; done

cat >"$T/env" <<EOF
export OCF_ROOT=/usr/lib/ocf OCF_RESOURCE_INSTANCE=bench
export OCF_RESKEY_binary=$FAKE OCF_RESKEY_location=$L OCF_RESKEY_user=$(id -un)
export OCF_RESKEY_endpoint=$URL OCF_RESKEY_one_auth=$T/one_auth
export OCF_RESKEY_pidfile=$T/oned.pid OCF_RESKEY_scheduler=none
EOF
. "$T/env"

# The shell equivalent: process check, session from the file (printf is a
# builtin: the password stays out of argv), one curl per XML-RPC call.
cat >"$T/shell-monitor" <<'EOF'
#!/bin/sh
# usage: shell-monitor DEPTH   (same environment as the agent)
pid=$(cat "$OCF_RESKEY_pidfile" 2>/dev/null) && kill -0 "$pid" 2>/dev/null || exit 7
auth=$(cat "$OCF_RESKEY_one_auth") || exit 6
call() {
	printf '<?xml version="1.0"?><methodCall><methodName>%s</methodName><params><param><value><string>%s</string></value></param></params></methodCall>' "$1" "$auth" |
		curl -sS --max-time 5 -H 'Content-Type: text/xml' --data-binary @- "$OCF_RESKEY_endpoint"
}
call one.system.version | grep -q '<boolean>1</boolean>' || exit 1
[ "$1" -ge 10 ] || exit 0
call one.hostpool.info | grep -q '&lt;HOST_POOL&gt;' || exit 1
call one.zone.raftstatus | grep -Eq '&lt;STATE&gt;(0|3)&lt;/STATE&gt;' || exit 1
EOF
chmod +x "$T/shell-monitor"

for depth in 0 10; do
	"$AGENT" monitor >/dev/null 2>&1 && OCF_CHECK_LEVEL=$depth "$AGENT" monitor ||
		{ echo "agent monitor failed at depth $depth" >&2; exit 1; }
	"$T/shell-monitor" $depth || { echo "shell monitor failed at depth $depth" >&2; exit 1; }
	OCF_CHECK_LEVEL=$depth hyperfine -N --warmup 10 --runs "$RUNS" --style none \
		--export-json "$T/h$depth.json" \
		-n "vmguard agent (depth $depth)" "$AGENT monitor" \
		-n "curl shell (depth $depth)" "$T/shell-monitor $depth" >/dev/null 2>&1
done

python3 - "$T/h0.json" "$T/h10.json" <<'EOF'
import json, sys
print("%-28s %10s %10s %10s %10s" % ("one monitor", "wall ms", "+-", "CPU ms", "(u+s)"))
for f in sys.argv[1:]:
    r = json.load(open(f))["results"]
    for x in r:
        print("%-28s %10.2f %10.2f %10.2f" % (x["command"], x["mean"] * 1e3,
              x["stddev"] * 1e3, (x["user"] + x["system"]) * 1e3))
    a, s = r
    print("%-28s %10.2f %21.2f" % ("  ratio agent/shell", a["mean"] / s["mean"],
          (a["user"] + a["system"]) / (s["user"] + s["system"])))
EOF
