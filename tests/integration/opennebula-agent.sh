#!/bin/bash
# ocf:vmguard:opennebula against tests/lib/fake-oned (OpenNebula's oned is not
# packaged for Debian; the stand-in speaks its XML-RPC protocol and behaves
# like it as a process).  oned runs as a real "oneadmin" user that exists only
# in this test's mount namespace (a private /etc/passwd and /etc/group).
. "$(dirname "$0")/../lib/tap.sh"; . "$(dirname "$0")/../lib/env.sh"; vg_ns_enter "$0" "$@"

AGENT=$VG_BUILD/agents/opennebula
. "$VG_TOP/tests/lib/one.sh"
[ -x "$AGENT" ] || tap_bail "build the agent first: $AGENT"

# ---- setup ---------------------------------------------------------------
one_setup_agent() {
	one_setup
	export OCF_ROOT=/usr/lib/ocf OCF_RESOURCE_INSTANCE=frontend
	export OCF_RESKEY_binary=$FAKE OCF_RESKEY_location=$L OCF_RESKEY_user=oneadmin
	export OCF_RESKEY_endpoint=http://127.0.0.1:2633/RPC2 OCF_RESKEY_one_auth=$AUTH
	export OCF_RESKEY_pidfile=$VG_TMP/run/oned.pid
	export OCF_RESKEY_scheduler=$VG_TMP/bin/mm_sched
	export OCF_RESKEY_scheduler_pidfile=$VG_TMP/run/sched.pid
	export OCF_RESKEY_monitor_timeout=3000 OCF_RESKEY_slow_threshold=1000
	export OCF_RESKEY_stop_grace=10000
	LOCK=$L/var/lock/.lock
	OUT=$VG_TMP/all-agent-output	# everything the agent ever printed
}

# agent ACTION [VAR=value...]: sets RC, ERR (stderr), MS (wall time)
agent() {
	local a=$1 t0
	shift
	t0=$(vg_ms)
	env "$@" "$AGENT" "$a" >"$VG_TMP/out" 2>"$VG_TMP/err"
	RC=$?
	MS=$(( $(vg_ms) - t0 ))
	ERR=$(cat "$VG_TMP/err")
	cat "$VG_TMP/out" "$VG_TMP/err" >>"$OUT"
}

reason() { printf '%s\n' "$ERR" | sed -n 's/^ocf-exit-reason://p' | tail -1; }
oned_pid() { cat "$OCF_RESKEY_pidfile" 2>/dev/null; }
uid_of() { awk '/^Uid:/ {print $2}' "/proc/$1/status" 2>/dev/null; }
port_open() { (exec 3<>/dev/tcp/127.0.0.1/2633) 2>/dev/null; }
alive() { [ -d "/proc/$1" ] && ! grep -q '^State:.*Z' "/proc/$1/status" 2>/dev/null; }

one_setup_agent

# ---- meta-data, validation, probe -----------------------------------------
tap_ok "meta-data is valid against ra-api-1.dtd" \
	sh -c "cd /usr/share/resource-agents && '$AGENT' meta-data | xmllint --noout --valid -"
agent validate-all
tap_is "$RC" 0 "validate-all accepts the configuration"
agent monitor OCF_RESKEY_CRM_meta_interval=0
tap_is "$RC" 7 "probe: not running before start"
agent monitor OCF_RESKEY_binary=/nonexistent/oned OCF_RESKEY_CRM_meta_interval=0
tap_is "$RC" 5 "probe: 5 (not installed) without the oned binary"
agent validate-all OCF_RESKEY_raft_roles=boss
tap_is "$RC" 6 "validate-all refuses an unknown raft role"

# ---- start ------------------------------------------------------------------
agent start
tap_is "$RC" 0 "start succeeds"
tap_diag "start took $MS ms (the stand-in's API comes up 1000 ms after exec)"
tap_cmp "$MS" -ge 900 "start waited for the API, not just for the process"
PID=$(oned_pid)
tap_ok "oned runs (PID $PID)" alive "$PID"
tap_is "$(uid_of "$PID")" 9869 "oned runs as oneadmin"
tap_is "$(uid_of "$(cat "$OCF_RESKEY_scheduler_pidfile")")" 9869 "the scheduler runs as oneadmin"
tap_ok "oned holds its lock file" test -e "$LOCK"
tap_like "$(tr '\0' '\n' <"/proc/$PID/environ")" "ONE_LOCATION=$L" "oned got ONE_LOCATION"
agent start
tap_is "$RC/$(oned_pid)" "0/$PID" "a second start succeeds and keeps the same oned"

for lvl in 0 10 20; do
	agent monitor OCF_CHECK_LEVEL=$lvl
	tap_is "$RC" 0 "monitor depth $lvl: running ($MS ms)"
done
python3 -m http.server --bind 127.0.0.1 2616 --directory "$VG_TMP/bin" >/dev/null 2>&1 &
WEB=$!
vg_at_exit "kill $WEB"
vg_wait 10 sh -c "(exec 3<>/dev/tcp/127.0.0.1/2616) 2>/dev/null"
agent monitor OCF_CHECK_LEVEL=20 OCF_RESKEY_check_url=http://127.0.0.1:2616/
tap_is "$RC" 0 "monitor depth 20 with a web UI that answers"
agent monitor OCF_CHECK_LEVEL=20 OCF_RESKEY_check_url=http://127.0.0.1:2616/nothing-here
tap_is "$RC" 1 "monitor depth 20 fails when the web UI answers 404"
tap_like "$(reason)" "HTTP 404" "... and says so"
agent monitor OCF_CHECK_LEVEL=20 OCF_RESKEY_check_url=http://127.0.0.1:2617/
tap_is "$RC" 1 "monitor depth 20 fails when the web UI does not listen"

# ---- credentials --------------------------------------------------------------
(umask 077; echo "oneadmin:wrong-$SECRET-x" >"$AUTH.wrong")
agent monitor OCF_RESKEY_one_auth=$AUTH.wrong
tap_is "$RC" 6 "a wrong password is a configuration error (6), not 'not running'"
tap_like "$(reason)" "refused the credentials of user 'oneadmin'.*error 256.*authenticated" \
	"the reason says authentication failed"
cp -p "$AUTH" "$AUTH.open" && chmod 644 "$AUTH.open"
agent monitor OCF_RESKEY_one_auth=$AUTH.open
tap_is "$RC" 6 "a world-readable ONE_AUTH file is refused"
tap_like "$(reason)" "readable by its group or others" "... with a reason that says why"
chmod 640 "$AUTH.open"
agent validate-all OCF_RESKEY_one_auth=$AUTH.open
tap_is "$RC" 6 "a group-readable ONE_AUTH file is refused too"

# ---- raft role, slow answers --------------------------------------------------
fake_set FAKE_RAFT_STATE 2
agent monitor OCF_CHECK_LEVEL=10
tap_is "$RC" 1 "depth 10 fails when oned is a raft follower"
tap_like "$(reason)" "raft follower" "... and names the role"
agent monitor OCF_CHECK_LEVEL=0
tap_is "$RC" 0 "depth 0 does not look at the raft role"
fake_set FAKE_RAFT_STATE 3
agent monitor OCF_CHECK_LEVEL=10
tap_is "$RC" 0 "depth 10 accepts a raft leader"
fake_set FAKE_RAFT_STATE 0
fake_set FAKE_SLOW 1.2
agent monitor
tap_is "$RC" 190 "slow answers (1.2 s > slow_threshold 1 s) are degraded (190)"
tap_diag "slow monitor: $MS ms"
fake_set FAKE_SLOW 0

# ---- scheduler -------------------------------------------------------------
SPID=$(cat "$OCF_RESKEY_scheduler_pidfile")
vg_kill_wait "$SPID" KILL
agent monitor
tap_is "$RC" 1 "monitor fails when the scheduler died"
tap_like "$(reason)" "scheduler .* is not running" "... and names it"
agent start
tap_ok "start brings the scheduler back" alive "$(cat "$OCF_RESKEY_scheduler_pidfile")"

# ---- hung oned -----------------------------------------------------------------
kill -STOP "$PID"
agent monitor
tap_is "$RC" 1 "SIGSTOPped oned: monitor fails"
tap_cmp "$MS" -lt 3000 "... before the deadline ($MS ms)"
tap_like "$(reason)" "stopped" "... saying it is stopped"
kill -CONT "$PID"
fake_set FAKE_MODE hang
agent monitor OCF_RESKEY_monitor_timeout=2000
tap_is "$RC" 1 "deadlocked oned (accepts, never answers): monitor fails"
tap_diag "hung monitor took $MS ms with monitor_timeout=2000"
tap_cmp "$MS" -lt 3500 "... by its deadline"
tap_cmp "$MS" -ge 1500 "... after waiting for it"
tap_like "$(reason)" "did not answer one.system.version.*hung" "... naming the call that hung"
agent monitor OCF_RESKEY_monitor_timeout=60000 OCF_RESKEY_CRM_meta_timeout=4000
tap_is "$RC" 1 "the operation timeout caps monitor_timeout"
tap_cmp "$MS" -lt 4000 "... it answered before Pacemaker's 4 s timeout ($MS ms)"
fake_set FAKE_MODE normal

# ---- stop (of the hung one: its SIGTERM handler still runs) ----------------------
agent stop
tap_is "$RC" 0 "stop succeeds"
tap_diag "graceful stop took $MS ms (the stand-in needs 2000 ms to exit)"
tap_fail "oned is gone" alive "$PID"
tap_fail "its lock is gone" test -e "$LOCK"
tap_fail "its port is closed" port_open
agent stop
tap_is "$RC" 0 "a second stop succeeds"
agent monitor
tap_is "$RC" 7 "monitor after stop: not running"
fake_set PORT notaport
agent start
tap_is "$RC" 1 "start fails when oned exits while coming up"
tap_like "$(reason)" "exited during start \\(status 1\\)" "... and says how it exited"
fake_set PORT 2633
agent stop
tap_is "$RC/$(test -e "$LOCK" && echo lock)" "0/" "stop after it cleans up the lock the dead oned left"

# ---- crashes and the stale lock ----------------------------------------------------
agent start
tap_is "$RC" 0 "start again"
PID=$(oned_pid)
fake_set FAKE_MODE crash
agent monitor
tap_is "$RC" 1 "oned crashing under the call: monitor fails"
tap_like "$(reason)" "does not answer" "... as an API failure"
fake_set FAKE_MODE normal
vg_wait 5 sh -c "! kill -0 $PID 2>/dev/null || grep -q '^State:.*Z' /proc/$PID/status"
tap_ok "the crash left the lock file behind" test -e "$LOCK"
agent monitor
tap_is "$RC" 7 "then: no process, connection refused: not running (7)"
tap_ok "a real oned would now refuse to start" sh -c "ONE_LOCATION='$L' '$FAKE' -f 2>&1 | grep -q 'Cannot start oned, opening lock file'"
agent start
tap_is "$RC" 0 "start clears the stale lock and starts oned"
NPID=$(oned_pid)
tap_ok "a new oned runs" test "$NPID" != "$PID" -a -d "/proc/$NPID"
vg_kill_wait "$NPID" KILL
agent monitor
tap_is "$RC" 7 "SIGKILLed oned: not running"
agent start
tap_is "$RC" 0 "start after SIGKILL"
PID=$(oned_pid)

# ---- a lock of a live oned is never touched ---------------------------------------
rm -f "$OCF_RESKEY_pidfile"
agent start
tap_is "$RC/$(oned_pid)" "0/$PID" "start finds the running oned without its pidfile and records it"
tap_is "$(pgrep -c -f "^/usr/bin/python3 $FAKE")" 1 "exactly one oned process"
tap_ok "its lock is still there" test -e "$LOCK"

# ---- forced stop --------------------------------------------------------------------
fake_set FAKE_EXIT_DELAY 60
agent stop OCF_RESKEY_stop_grace=1000
tap_is "$RC" 0 "stop of an oned that does not exit: SIGKILL after stop_grace"
tap_cmp "$MS" -lt 6000 "... quickly ($MS ms)"
tap_fail "oned is gone" alive "$PID"
tap_fail "the agent removed the lock it left" test -e "$LOCK"
fake_set FAKE_EXIT_DELAY 2

# ---- secrets ----------------------------------------------------------------------
agent start
for lvl in 0 10 20; do agent monitor OCF_CHECK_LEVEL=$lvl; done
agent monitor OCF_RESKEY_one_auth=$AUTH.wrong
printf '%s\n' "$SECRET" >"$VG_TMP/secret.pattern"	# grep's own argv must not hold it
leak=$(grep -laF -f "$VG_TMP/secret.pattern" /proc/[0-9]*/cmdline /proc/[0-9]*/environ 2>/dev/null | head -3)
tap_is "$leak" "" "the password is in no process's argv or environment"
tap_fail "the password never appeared in the agent's output" grep -qaF -f "$VG_TMP/secret.pattern" "$OUT"

# ---- ocf-tester ---------------------------------------------------------------------
agent stop
OPTS=()
for v in binary location user endpoint one_auth pidfile scheduler scheduler_pidfile; do
	n=OCF_RESKEY_$v
	OPTS+=(-o "$v=${!n}")
done
ocf-tester -n frontend "${OPTS[@]}" "$AGENT" >"$VG_TMP/ocf-tester.log" 2>&1
rc=$?
tap_is "$rc" 0 "ocf-tester passes"
[ $rc -eq 0 ] || sed 's/^/#   /' "$VG_TMP/ocf-tester.log" | tail -20
tap_fail "the password is not in ocf-tester's log" grep -qaF -f "$VG_TMP/secret.pattern" "$VG_TMP/ocf-tester.log"
agent stop
agent monitor
tap_is "$RC" 7 "nothing left running"

tap_done
