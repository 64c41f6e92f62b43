#!/bin/bash
# vmguardd and the hardware watchdog, through an LD_PRELOAD test double of
# the device (tests/lib/wdshim.c records open/ioctl/write/close), against a
# real libvirtd with a running guest.  No fencer runs here, so every fence
# request fails: this is the "last line" path.
. "$(dirname "$0")/../lib/tap.sh"; . "$(dirname "$0")/../lib/env.sh"; vg_ns_enter "$0" "$@"
. "$VG_TOP/tests/lib/libvirt.sh"

D="$VG_BUILD/fence/vmguardd"
SHIM="$VG_BUILD/tests/lib/wdshim.so"
[ -x "$D" ] && [ -f "$SHIM" ] || tap_bail "build vmguardd and tests/lib/wdshim.so first"
WD="$VG_TMP/watchdog"	# the fake device: an ordinary file the shim claims
WLOG="$VG_TMP/wd.log"
: >"$WD"

conf() {	# file key=value...: the test configuration with overrides
	local f=$1
	shift
	cat >"$f" <<-EOF
	uri = $LV_URI
	node_name = $(hostname)
	keepalive_interval = 1s
	keepalive_count = 2
	libvirtd_grace = 1500ms
	reconnect_interval = 100ms
	fence_timeout = 5s
	watchdog = yes
	watchdog_device = $WD
	watchdog_timeout = 3s
	watchdog_interval = 300ms
	frontend_time_to_error = 85s
	frontend_monitoring_interval = 5s
	frontend_p = 1
	quorum = no
	maintenance_file = $VG_TMP/maintenance
	maintenance_max = 30s
	status_file = $VG_TMP/vmguardd.status
	state_file = $VG_TMP/vmguardd.state
	EOF
	for kv in "$@"; do
		sed -i "/^${kv%%=*} = /d" "$f"
		echo "${kv%%=*} = ${kv#*=}" >>"$f"
	done
}

# env execs the daemon: $! is the daemon's own PID.
shim() { env WDSHIM_DEVICE="$WD" WDSHIM_LOG="$WLOG" LD_PRELOAD="$SHIM" "$@"; }
count() { grep -c -- "$1" "$WLOG" 2>/dev/null || true; }

start_daemon() {	# conf log
	: >"$WLOG"
	env WDSHIM_DEVICE="$WD" WDSHIM_LOG="$WLOG" LD_PRELOAD="$SHIM" "$D" -c "$1" -v >"$2" 2>&1 &
	DPID=$!
	vg_at_exit "kill -KILL $DPID"
}

# --- configuration is validated before anything is armed -------------------
conf "$VG_TMP/bad.conf" fence_timeout=90s
: >"$WLOG"
OUT=$(shim "$D" -c "$VG_TMP/bad.conf" 2>&1); RC=$?
tap_is "$RC" 6 "timing rule violated: refused (exit 6)"
tap_like "$OUT" "lower fence_timeout from 90 s to at most" "the message names the value to change"
tap_like "$OUT" "self-fence deadline .* frontend recovery" "both sides of the rule are printed"
tap_is "$(count open)" 0 "a refused configuration never opens the watchdog"

conf "$VG_TMP/bad2.conf" watchdog_interval=2s
OUT=$(shim "$D" -c "$VG_TMP/bad2.conf" 2>&1); RC=$?
tap_is "$RC" 6 "watchdog_interval not well inside watchdog_timeout: refused"
tap_like "$OUT" "lower watchdog_interval to at most 1 s" "  and says which value to change"

conf "$VG_TMP/bad3.conf" "frobnicate=1"
OUT=$(shim "$D" -c "$VG_TMP/bad3.conf" 2>&1); RC=$?
tap_is "$RC" 6 "unknown key: refused"
tap_like "$OUT" "bad3.conf:[0-9]+: unknown key 'frobnicate'" "  with file and line"

# The planned-stop window is part of the timing rule (issue 12 item 4): the
# rule leaves 85 + 5 - 3 - 5 - 3 s = 79 s from a loss to the fence request.
conf "$VG_TMP/bad4.conf" maintenance_max=10min
: >"$WLOG"
OUT=$(shim "$D" -c "$VG_TMP/bad4.conf" --check-config 2>&1); RC=$?
tap_is "$RC" 6 "maintenance_max + libvirtd_grace beyond the timing rule: --check-config refuses"
tap_like "$OUT" "maintenance_max 600000 ms \+ libvirtd_grace 1500 ms exceed" "  and names the keys"
tap_like "$OUT" "lower maintenance_max to at most 77499 ms" "  and the value to set"
OUT=$(shim "$D" -c "$VG_TMP/bad4.conf" 2>&1); RC=$?
tap_is "$RC" 6 "  vmguardd refuses to start with it"
tap_is "$(count open)" 0 "  without opening the watchdog"
conf "$VG_TMP/ok.conf"
OUT=$(shim "$D" -c "$VG_TMP/ok.conf" --check-config 2>&1 || true)
tap_like "$OUT" "planned stop \+ grace +30 s \+ 1.500 s <= 78.999 s" "--check-config prints the planned-stop line"

# --- no device: refuse, unless the watchdog is explicitly disabled ----------
conf "$VG_TMP/nodev.conf" watchdog_device="$VG_TMP/nonexistent"
OUT=$(timeout 10 "$D" -c "$VG_TMP/nodev.conf" 2>&1); RC=$?
tap_is "$RC" 1 "no watchdog device: refuses to run"
tap_like "$OUT" "refusing to run without the watchdog" "  and says why"

# --- --test-watchdog: non-destructive ---------------------------------------
conf "$VG_TMP/t.conf"
: >"$WLOG"
OUT=$(shim "$D" -c "$VG_TMP/t.conf" --test-watchdog 2>&1); RC=$?
tap_is "$RC" 0 "--test-watchdog passes on a device that accepts the timeout"
tap_is "$(grep -oE '(open|SETTIMEOUT 3|GETTIMEOUT 3|write .V.|close)$' "$WLOG" | tr '\n' ' ')" \
	"open SETTIMEOUT 3 GETTIMEOUT 3 write 'V' close " \
	"  order: open, set timeout, read it back, magic close"
: >"$WLOG"
OUT=$(WDSHIM_CLAMP=2 shim "$D" -c "$VG_TMP/t.conf" --test-watchdog 2>&1); RC=$?
tap_is "$RC" 1 "a driver that clamps the timeout (3 s -> 2 s) fails the check"
tap_like "$OUT" "runs with 2 s, not the configured 3 s.*watchdog_timeout = 2s" \
	"  the message says which value to set"
tap_is "$(tail -2 "$WLOG" | grep -oE "write .V.|close$" | tr '\n' ' ')" "write 'V' close " \
	"  the refused device is disarmed again (nothing was promised yet)"
: >"$WLOG"
OUT=$(shim "$D" -c "$VG_TMP/t.conf" --test-watchdog-reset </dev/null 2>&1); RC=$?
tap_is "$RC" 2 "destructive test without confirmation: refused"
tap_is "$(count open)" 0 "  and the device was not even opened"

# --- a real libvirtd with a guest --------------------------------------------
lv_start || tap_bail "libvirtd did not start"
lv_guest vm1 || tap_bail "guest did not start"
QEMU=$(lv_qemu_pid vm1)
tap_ok "guest vm1 runs (qemu PID $QEMU)" lv_qemu_alive "$QEMU"

# Clean shutdown while libvirtd is up: magic close.
start_daemon "$VG_TMP/t.conf" "$VG_TMP/d1.log"
tap_ok "vmguardd connects to libvirtd" vg_wait 15 grep -q "libvirtd connected" "$VG_TMP/d1.log"
tap_like "$(cat "$VG_TMP/d1.log")" "timing rule" "the timing rule is printed at start-up"
tap_is "$(grep -oE 'SETTIMEOUT 3|GETTIMEOUT 3' "$WLOG" | tr '\n' ' ')" "SETTIMEOUT 3 GETTIMEOUT 3 " \
	"armed: timeout set, then verified"
sleep 3
N=$(count KEEPALIVE)
tap_cmp "$N" -ge 6 "fed regularly: $N pets in ~3 s at a 300 ms interval"
# Intervals between pets stay well inside the timeout.
MAXGAP=$(grep KEEPALIVE "$WLOG" | awk 'NR>1 { g = $1 - p; if (g > m) m = g } { p = $1 } END { print m + 0 }')
tap_diag "largest gap between pets: $MAXGAP ms (interval 300 ms, timeout 3000 ms)"
tap_cmp "$MAXGAP" -lt 1500 "no gap between pets reaches half the timeout"
# A hung libvirtd: keepalive notices it; the reconnection attempts then
# block inside libvirt against the stopped daemon -- the watchdog must still
# be fed, and SIGCONT within the grace window must end it without a fence.
conf "$VG_TMP/long.conf" libvirtd_grace=12s
LPID=$(cat "$LV_PIDFILE")
kill -TERM "$DPID"; wait "$DPID"
start_daemon "$VG_TMP/long.conf" "$VG_TMP/d1.log"
tap_ok "vmguardd (grace 12 s) connects" vg_wait 15 grep -q "libvirtd connected" "$VG_TMP/d1.log"
T0=$(vg_ms)
kill -STOP "$LPID"
tap_ok "SIGSTOP: hang noticed through the keepalive" vg_wait 10 grep -q "libvirtd lost: keepalive timeout" "$VG_TMP/d1.log"
tap_diag "SIGSTOP -> loss noticed: $(( $(vg_ms) - T0 )) ms (keepalive 1 s x (2 + 1))"
N0=$(count KEEPALIVE)
sleep 3
N1=$(count KEEPALIVE)
tap_cmp "$((N1 - N0))" -ge 6 "while reconnection hangs on the stopped libvirtd, the watchdog is still fed ($((N1 - N0)) pets in 3 s)"
kill -CONT "$LPID"
tap_ok "SIGCONT within the grace window: libvirtd back" vg_wait 10 grep -q "libvirtd back" "$VG_TMP/d1.log"
tap_unlike "$(cat "$VG_TMP/d1.log")" "fence requested" "  and no fence request"
kill -HUP "$DPID"
tap_ok "SIGHUP is answered with a notice" vg_wait 5 grep -q "SIGHUP: the configuration is read at start-up only" "$VG_TMP/d1.log"
tap_ok "  and does not stop the daemon" kill -0 "$DPID"
kill -TERM "$DPID"; wait "$DPID"; RC=$?
tap_is "$RC" 0 "SIGTERM while guarding a healthy libvirtd: clean exit"
tap_is "$(tail -2 "$WLOG" | grep -oE "write .V.|close$" | tr '\n' ' ')" "write 'V' close " \
	"clean, intended shutdown: magic close"

# libvirtd crashes, no fencer answers: feeding stops.
start_daemon "$VG_TMP/t.conf" "$VG_TMP/d2.log"
tap_ok "vmguardd guards libvirtd again" vg_wait 15 grep -q "libvirtd connected" "$VG_TMP/d2.log"
# The SIGSTOP above and this crash must not be one flapping loss: libvirtd
# answers longer than frontend_monitoring_interval (5 s) in between (a loss
# series survives vmguardd's restart; common/guard.h, P4).
sleep 6
LPID=$(cat "$LV_PIDFILE")
BEFORE=$(count KEEPALIVE)
kill -SEGV "$LPID"
tap_ok "crash noticed" vg_wait 5 grep -q "libvirtd lost: socket closed" "$VG_TMP/d2.log"
tap_ok "fence requested after the grace window" vg_wait 10 grep -q "fence requested" "$VG_TMP/d2.log"
tap_ok "the fence request fails (no fencer here)" vg_wait 15 grep -q "fence request failed" "$VG_TMP/d2.log"
tap_ok "feeding the watchdog stops" grep -q "watchdog stopped" "$VG_TMP/d2.log"
AT_STOP=$(count KEEPALIVE)
tap_cmp "$((AT_STOP - BEFORE))" -ge 3 "fed on through the grace window and the pending request ($((AT_STOP - BEFORE)) pets)"
sleep 1.5
tap_is "$(count KEEPALIVE)" "$AT_STOP" "no pet after the fence request failed"
tap_ok "vmguard status reports self-fence" sh -c \
	"'$VG_BUILD/fence/vmguard' -c '$VG_TMP/t.conf' status | grep -q 'state  *self-fence'"
"$VG_BUILD/fence/vmguard" -c "$VG_TMP/t.conf" status >/dev/null; RC=$?
tap_is "$RC" 1 "vmguard status exits 1 (alarm) while self-fencing"
kill -TERM "$DPID"; wait "$DPID"
tap_is "$(count "write 'V'")" 0 "shutdown while self-fencing: no magic close, the watchdog stays armed"
tap_like "$(cat "$VG_TMP/d2.log")" "watchdog stays armed" "  and the log says so"
tap_ok "the guest's qemu still ran throughout (only the host reset would end it)" lv_qemu_alive "$QEMU"

OUT=$("$VG_BUILD/fence/vmguard" -c "$VG_TMP/t.conf" status 2>&1); RC=$?
tap_is "$RC" 3 "vmguard status after the daemon exited: not running (exit 3)"

# Quorum unknown (no corosync here): the fence request is still made, but the
# watchdog stops at once instead of after the fencer's answer.  (A new boot
# after the self-fence above: without its persisted state.)
rm -f "$VG_TMP/vmguardd.state"
lv_start >/dev/null 2>&1 || tap_bail "libvirtd did not restart"
conf "$VG_TMP/q.conf" quorum=yes libvirtd_grace=0
start_daemon "$VG_TMP/q.conf" "$VG_TMP/dq.log"
tap_ok "quorum = yes without corosync: vmguardd still guards" vg_wait 15 grep -q "libvirtd connected" "$VG_TMP/dq.log"
kill -KILL "$(cat "$LV_PIDFILE")"
tap_ok "  SIGKILL of libvirtd: fence requested" vg_wait 10 grep -q "fence requested" "$VG_TMP/dq.log"
vg_wait 10 grep -q "fence request failed" "$VG_TMP/dq.log"
tap_like "$(grep -A1 'fence requested' "$VG_TMP/dq.log" | tail -1)" \
	"watchdog stopped: quorum is unknown" "  without quorum the watchdog stops with the request, not after it"
kill -TERM "$DPID"; wait "$DPID"

# A crash with the watchdog disabled: it starts, but says the last line is missing.
rm -f "$VG_TMP/vmguardd.state"
lv_start >/dev/null 2>&1 || tap_bail "libvirtd did not restart"
conf "$VG_TMP/nowd.conf" watchdog=no
start_daemon "$VG_TMP/nowd.conf" "$VG_TMP/d3.log"
tap_ok "watchdog = no: starts" vg_wait 15 grep -q "libvirtd connected" "$VG_TMP/d3.log"
tap_like "$(cat "$VG_TMP/d3.log")" "THE LAST LINE IS MISSING" "  and says loudly that the last line is missing"
tap_is "$(count open)" 0 "  and opens no watchdog"
kill -TERM "$DPID"; wait "$DPID"

# --- the persisted guard state: another boot's, or garbage: fresh start ------
tap_ok "a clean stop leaves the guard state for the next start" test -s "$VG_TMP/vmguardd.state"
sed 's/^boot_id=.*/boot_id=00000000-0000-0000-0000-000000000000/' "$VG_TMP/vmguardd.state" \
	>"$VG_TMP/state.other" && mv "$VG_TMP/state.other" "$VG_TMP/vmguardd.state"
start_daemon "$VG_TMP/nowd.conf" "$VG_TMP/d4.log"
tap_ok "another boot's state: fresh start" vg_wait 15 grep -q "another boot's guard state: fresh start" "$VG_TMP/d4.log"
tap_ok "  and libvirtd is guarded" vg_wait 15 grep -q "libvirtd connected" "$VG_TMP/d4.log"
kill -TERM "$DPID"; wait "$DPID"
printf 'state=self-fence\nfeeding=0\n' >"$VG_TMP/vmguardd.state"
start_daemon "$VG_TMP/nowd.conf" "$VG_TMP/d5.log"
tap_ok "garbled state: a loud fresh start" vg_wait 15 grep -q "vmguardd.state is garbled.*FRESH START" "$VG_TMP/d5.log"
tap_ok "  and libvirtd is guarded" vg_wait 15 grep -q "libvirtd connected" "$VG_TMP/d5.log"
kill -TERM "$DPID"; wait "$DPID"

tap_done
