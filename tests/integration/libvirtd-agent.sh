#!/bin/bash
# ocf:vmguard:libvirtd against a real libvirtd with a real qemu guest.
. "$(dirname "$0")/../lib/tap.sh"; . "$(dirname "$0")/../lib/env.sh"; vg_ns_enter "$0" "$@"
. "$VG_TOP/tests/lib/libvirt.sh"

lv_setup
A="$VG_BUILD/agents/libvirtd"

run() {	# action [VAR=value...]: sets RC, OUT (stderr+stdout), MS (wall time)
	local action=$1 t0
	shift
	t0=$(vg_ms)
	OUT=$(env OCF_ROOT=/usr/lib/ocf OCF_RESOURCE_INSTANCE=t-libvirtd \
		OCF_RESKEY_CRM_meta_timeout=${TIMEOUT:-60000} "$@" "$A" "$action" 2>&1)
	RC=$?
	MS=$(( $(vg_ms) - t0 ))
}
probe() { run monitor OCF_RESKEY_CRM_meta_interval=0 "$@"; }
mon() { run monitor OCF_RESKEY_CRM_meta_interval=10000 "$@"; }
libvirtd_pid() { cat /run/libvirtd.pid 2>/dev/null; }
alive() { lv_qemu_alive "$1"; }
reason() { printf '%s\n' "$OUT" | sed -n 's/^ocf-exit-reason://p' | tail -1; }
# How long the agent says its probe waited before giving up.  It waits out its
# deadline (a lower bound that holds on any machine); how much later it
# returns depends on the load, so upper bounds are far from the deadline and
# only tell a bounded probe from an unbounded one.
probe_ms() { reason | sed -nE 's/.* within ([0-9]+) ms.*/\1/p'; }

# --- bad input changes nothing --------------------------------------------
run frobnicate
tap_is "$RC" 3 "unknown action: OCF_ERR_UNIMPLEMENTED"
tap_like "$(reason)" "unknown action 'frobnicate'" "unknown action: reason names it"
run start OCF_RESKEY_monitor_timeout=soon
tap_is "$RC" 6 "non-numeric monitor_timeout: OCF_ERR_CONFIGURED"
tap_like "$(reason)" "monitor_timeout.*must be an integer" "reason names the parameter"
run start OCF_RESKEY_virtlockd=maybe
tap_is "$RC" 6 "virtlockd=maybe: OCF_ERR_CONFIGURED"
run start OCF_RESKEY_config=/nonexistent/libvirtd.conf
tap_is "$RC" 6 "unreadable config: OCF_ERR_CONFIGURED"
run start OCF_RESKEY_slow_threshold=9000 OCF_RESKEY_monitor_timeout=1000
tap_is "$RC" 6 "slow_threshold above monitor_timeout: OCF_ERR_CONFIGURED"
tap_fail "after bad input nothing was started" test -e /run/libvirtd.pid
tap_fail "  and no libvirtd process exists" pgrep -x libvirtd
probe OCF_RESKEY_binary=/nonexistent/libvirtd
tap_is "$RC" 5 "probe where libvirtd is not installed: OCF_ERR_INSTALLED"
run stop OCF_RESKEY_binary=/nonexistent/libvirtd
tap_is "$RC" 0 "stop where libvirtd is not installed: success"

# --- meta-data, validate-all, probe of a stopped node ----------------------
run meta-data
tap_is "$RC" 0 "meta-data exits 0"
tap_like "$OUT" '<parameter name="monitor_timeout"' "meta-data lists the parameters"
run validate-all
tap_is "$RC" 0 "validate-all with defaults"
probe
tap_is "$RC" 7 "probe of a node where nothing runs: OCF_NOT_RUNNING"
mon
tap_is "$RC" 7 "monitor of a stopped resource: OCF_NOT_RUNNING"

# --- start, idempotent ----------------------------------------------------
run start
tap_is "$RC" 0 "start"
tap_diag "start took $MS ms"
P1=$(libvirtd_pid)
tap_ok "libvirtd runs and answers the API" virsh -q -c "$LV_URI" version
tap_ok "virtlogd runs" test -e /run/virtlogd.pid
run start
tap_is "$RC" 0 "start when already running: success"
tap_is "$(libvirtd_pid)" "$P1" "  and it is the same libvirtd"

tap_ok "a paused TCG guest starts" lv_guest vm1
G=$(lv_qemu_pid vm1)
tap_ok "  its qemu runs" alive "$G"

for level in 0 10 20; do
	mon OCF_CHECK_LEVEL=$level
	tap_is "$RC" 0 "monitor at OCF_CHECK_LEVEL=$level"
	tap_diag "level $level monitor: $MS ms"
done
probe
tap_is "$RC" 0 "probe of a running libvirtd"
mon OCF_RESKEY_OCF_CHECK_LEVEL=20
tap_is "$RC" 0 "depth also read from OCF_RESKEY_OCF_CHECK_LEVEL"

# --- level 20: a qemu libvirtd does not know -------------------------------
qemu-system-x86_64 -name guest=rogue -uuid 6f0c8a43-0e1d-4a5b-9a6e-0f2b4c1d7e99 \
	-machine pc -m 16 -nodefaults -nographic -S -display none \
	</dev/null >/dev/null 2>&1 &
ROGUE=$!
vg_wait 10 alive $ROGUE
mon OCF_CHECK_LEVEL=20
tap_is "$RC" 1 "level 20: a qemu unknown to libvirtd fails the monitor"
tap_like "$(reason)" "qemu PID $ROGUE \(guest 'rogue'.*not know" "  reason names the lost guest"
mon OCF_CHECK_LEVEL=10
tap_is "$RC" 0 "level 10 does not look at qemu processes"
vg_kill_wait $ROGUE KILL

# --- virtlogd checked at level 10 -------------------------------------------
kill -STOP "$(cat /run/virtlogd.pid)"
mon OCF_CHECK_LEVEL=10
tap_is "$RC" 1 "level 10: a stopped virtlogd fails the monitor"
tap_like "$(reason)" "virtlogd.*stopped" "  reason names virtlogd"
kill -CONT "$(cat /run/virtlogd.pid)"

# --- stop leaves guests alone ----------------------------------------------
run stop
tap_is "$RC" 0 "stop"
tap_fail "libvirtd is gone after stop" kill -0 "$P1"
tap_ok "the guest's qemu survived the stop" alive "$G"
tap_ok "virtlogd kept running for the guest's console" test -e /run/virtlogd.pid
MAINT=/run/vmguard/maintenance
tap_like "$(cat $MAINT 2>/dev/null)" "by=ocf:vmguard:libvirtd stop \(t-libvirtd\)" \
	"stop announced the planned stop to vmguardd"
tap_is "$(stat -c '%U %a' $MAINT 2>/dev/null)" "root 644" "  in a root-owned file nobody else can write"
run stop
tap_is "$RC" 0 "stop when already stopped: success"
mon
tap_is "$RC" 7 "monitor after a clean stop with guests running: OCF_NOT_RUNNING"

run start
tap_is "$RC" 0 "start again"
tap_fail "  and start removed the announcement" test -e $MAINT
tap_like "$(virsh -q -c "$LV_URI" list --all)" "vm1 +paused" "restarted libvirtd found the running guest"
tap_is "$(lv_qemu_pid vm1)" "$G" "  it is the same qemu process"

# --- crash: SIGSEGV -----------------------------------------------------------
P=$(libvirtd_pid)
kill -SEGV "$P"
vg_wait 10 sh -c "! kill -0 $P 2>/dev/null || grep -q '^State:.*Z' /proc/$P/status"
mon
tap_is "$RC" 1 "libvirtd SIGSEGV: monitor fails (OCF_ERR_GENERIC)"
tap_like "$(reason)" "libvirtd crashed.*PID $P.*1 qemu guest is still running \(vm1\)" \
	"  reason names the crash and the guest still running"
tap_ok "the guest runs on without libvirtd" alive "$G"
probe
tap_is "$RC" 1 "a probe also reports the crash while guests run"
run start
tap_is "$RC" 0 "start after the crash recovers libvirtd"
mon OCF_CHECK_LEVEL=20
tap_is "$RC" 0 "  and level 20 finds the guest adopted again"

# --- crash: SIGKILL, then stop cleans the stale pidfile ----------------------
P=$(libvirtd_pid)
kill -KILL "$P"
vg_wait 10 sh -c "! kill -0 $P 2>/dev/null || grep -q '^State:.*Z' /proc/$P/status"
mon
tap_is "$RC" 1 "libvirtd SIGKILL: monitor fails"
rm -f /run/libvirtd.pid
mon
tap_is "$RC" 1 "crash with the pidfile gone: the stale socket still tells"
tap_like "$(reason)" "socket /run/libvirt/libvirt-sock is left behind.*1 qemu guest" \
	"  reason names the stale socket and the guest"
run stop
tap_is "$RC" 0 "stop after a crash"
tap_fail "  a crash is not announced as a planned stop" test -e $MAINT
tap_fail "  removed the stale pidfile" test -e /run/libvirtd.pid
tap_fail "  and the stale socket" test -S /run/libvirt/libvirt-sock
mon
tap_is "$RC" 7 "  after which the monitor says not running"
run start
tap_is "$RC" 0 "start"

# --- hang: SIGSTOP ---------------------------------------------------------------
P=$(libvirtd_pid)
kill -STOP "$P"
mon OCF_RESKEY_monitor_timeout=2000
tap_is "$RC" 1 "SIGSTOPped libvirtd: monitor fails"
tap_like "$(reason)" "stopped" "  reason says it is stopped"
tap_diag "  answered after $MS ms (deadline 2000 ms; a stopped process is not waited for)"
run stop
tap_is "$RC" 0 "stop of a SIGSTOPped libvirtd"
tap_fail "  a hang is not announced as a planned stop" test -e $MAINT
tap_fail "  it is gone" kill -0 "$P"
tap_ok "  the guest survived" alive "$G"
run start
tap_is "$RC" 0 "start"

# --- hang without SIGSTOP: a peer that accepts and never answers --------------
/usr/bin/python3 "$VG_TOP/tests/lib/sockproxy.py" "$VG_TMP/silent.sock" - 0 &
SILENT=$!
vg_wait 10 test -S "$VG_TMP/silent.sock"
echo $SILENT >"$VG_TMP/silent.pid"
HANG=(OCF_RESKEY_binary="$(readlink /proc/$SILENT/exe)" OCF_RESKEY_pidfile="$VG_TMP/silent.pid"
	OCF_RESKEY_uri="qemu:///system?socket=$VG_TMP/silent.sock")
mon "${HANG[@]}" OCF_RESKEY_monitor_timeout=1500
tap_is "$RC" 1 "a libvirtd that accepts and never answers: monitor fails"
tap_like "$(reason)" "did not answer .* within [0-9]+ ms" "  reason says it did not answer in time"
tap_cmp "$(probe_ms)" -ge 1500 "  its probe waited out its 1500 ms deadline ($(probe_ms) ms; wall time $MS ms)"
tap_cmp "$(probe_ms)" -lt 10000 "  and was cut there, not left to hang"
TIMEOUT=2500 mon "${HANG[@]}" OCF_RESKEY_monitor_timeout=60000
tap_is "$RC" 1 "the operation timeout caps monitor_timeout"
tap_cmp "$(probe_ms)" -lt 10000 "  the 2500 ms op timeout, not monitor_timeout=60 s, cut the probe ($(probe_ms) ms; wall time $MS ms)"
vg_kill_wait $SILENT KILL

# --- slow: degraded ------------------------------------------------------------
/usr/bin/python3 "$VG_TOP/tests/lib/sockproxy.py" "$VG_TMP/slow.sock" /run/libvirt/libvirt-sock 150 &
SLOW=$!
vg_wait 10 test -S "$VG_TMP/slow.sock"
mon OCF_RESKEY_uri="qemu:///system?socket=$VG_TMP/slow.sock" OCF_RESKEY_slow_threshold=100
tap_is "$RC" 190 "slower than slow_threshold: OCF_DEGRADED (190)"
tap_like "$(reason)" "slower than slow_threshold" "  reason says it is slow"
tap_diag "slow monitor took $MS ms"
vg_kill_wait $SLOW KILL

# --- reload ----------------------------------------------------------------------
run reload
tap_is "$RC" 0 "reload"
mon
tap_is "$RC" 0 "monitor after reload"

run stop
tap_is "$RC" 0 "final stop"
tap_ok "guest still alive at the end" alive "$G"
tap_done
