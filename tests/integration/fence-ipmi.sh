#!/bin/bash
# fence_vmguard against real BMCs: OpenIPMI's ipmi_sim, whose chassis power
# starts and kills a real "host" process (tests/lib/bmc.sh).  Every power
# claim of the agent is checked against that process, not against the BMC.
. "$(dirname "$0")/../lib/tap.sh"; . "$(dirname "$0")/../lib/env.sh"; vg_ns_enter "$0" "$@"
. "$VG_TOP/tests/lib/bmc.sh"

F=$VG_BUILD/fence/fence_vmguard
[ -x "$F" ] || tap_bail "$F not built"
command -v ipmi_sim >/dev/null || tap_bail "ipmi_sim (openipmi) not installed"

vg_tmpdir
PW='Bmc-Pa55word-7f' # 16 characters: IPMI 1.5's limit
(umask 077; echo "$PW" >"$VG_TMP/pw")
A=127.0.10.1
BMC_EXTRA_CONF='  user 3 true "viewer" "Viewer-Pa55-e1" user 10 none md2 md5 straight' \
	bmc_start h1 $A admin "$VG_TMP/pw" sleep infinity || tap_bail "BMC h1 did not start"
ALLERR=$VG_TMP/all-stderr

# The BMC's power log after line N: "plog_since NAME N" prints the events
# ("on", "off", "off-requested") space-separated; "plog_ms NAME N EVENT"
# the time (ms) of the first EVENT after line N.
plog_lines() { wc -l <"$(bmc_dir "$1")/power.log"; }
plog_since() { awk -v n="$2" 'NR > n { printf "%s ", $2 }' "$(bmc_dir "$1")/power.log"; }
plog_ms() { awk -v n="$2" -v e="$3" 'NR > n && $2 == e { print $1; exit }' "$(bmc_dir "$1")/power.log"; }
# returned_after MS END: the agent returned (END) at or after the BMC's
# event (MS); false when the event never happened.  An ordering, not a
# timing: the power script logs "off" before the BMC can report off.
returned_after() { [ -n "$1" ] && [ -n "$2" ] && [ "$1" -le "$2" ]; }
# wait until NAME's host runs and the power log's last line is its "on"
# (the script writes host.pid first, then the log line)
_plog_on() { bmc_wait_state "$1" on 0 && tail -1 "$(bmc_dir "$1")/power.log" | grep -q ' on '; }
plog_wait_on() { vg_wait 15 _plog_on "$1"; }

# agent ACTION [extra key=value lines...]: options on stdin, as Pacemaker
# passes them.  Sets OUT, ERR, RC, MS (wall time) and END (vg_ms when it
# had exited: comparable with the BMC's power.log).
agent() {
	local action=$1 t0
	shift
	t0=$(vg_ms)
	OUT=$({ printf 'action=%s\nip=%s\nusername=admin\npassword=%s\n' "$action" "$A" "$PW"
		printf '%s\n' "$@"; } | "$F" 2>"$VG_TMP/err")
	RC=$?
	END=$(vg_ms)
	MS=$(( END - t0 ))
	ERR=$(cat "$VG_TMP/err")
	cat "$VG_TMP/err" >>"$ALLERR"
}

# --- status / on / monitor / list ------------------------------------------
agent status
tap_is "$RC" 2 "status of a powered-off host exits 2"
tap_is "$OUT" "Status: OFF" "status prints Status: OFF"
tap_is "$(bmc_power_state h1)" off "the host process is not running"

agent on
tap_is "$RC" 0 "on exits 0"
tap_ok "on started the host process" bmc_wait_state h1 on
pid1=$(bmc_host_pid h1)

agent status
tap_is "$RC" 0 "status of a running host exits 0"
tap_is "$OUT" "Status: ON" "status prints Status: ON"
tap_diag "status took $MS ms"

lines_before=$(plog_lines h1)
agent monitor
tap_is "$RC" 0 "monitor exits 0 (BMC answers, credentials and privilege fit)"
tap_is "$(bmc_host_pid h1)" "$pid1" "monitor did not touch the host"
tap_is "$(wc -l <"$(bmc_dir h1)/power.log")" "$lines_before" "monitor caused no power transition"

agent list
tap_is "$RC:$OUT" "0:$A," "list prints the host behind the BMC"
agent list-status
tap_is "$RC:$OUT" "0:$A,,on" "list-status adds the power state"

# --- off: hard, verified -------------------------------------------------
n=$(plog_lines h1)
agent off
state=$(bmc_power_state h1)
tap_is "$RC" 0 "off exits 0"
tap_is "$OUT" "Success: Powered OFF" "off reports success"
tap_is "$state" off "the host process is dead when off returns (no grace)"
tap_fail "the old host PID is gone" sh -c "kill -0 $pid1 2>/dev/null"
tap_ok "off returned after the BMC's power script cut the power" \
	returned_after "$(plog_ms h1 "$n" off)" "$END"
tap_cmp "$MS" -lt 10000 "off returned within 10 s (an upper bound; the ordering is checked above)"
tap_diag "off + verify took $MS ms (ipmi_sim's poweroff_wait is 1 s)"
tap_like "$(tail -1 "$(bmc_dir h1)/power.log")" ' off$' "the BMC's power script saw the power-off"

agent off
tap_is "$RC" 0 "off of a host that is already off succeeds"

# --- reboot ------------------------------------------------------------
agent on
plog_wait_on h1
n=$(plog_lines h1)
agent reboot
tap_is "$RC" 0 "reboot exits 0"
tap_ok "reboot returned after the BMC's power-off" returned_after "$(plog_ms h1 "$n" off)" "$END"
bmc_wait_state h1 on
pid2=$(bmc_host_pid h1)
tap_ok "reboot left the host running" test -n "$pid2"
vg_wait 5 sh -c "[ \$(wc -l <'$(bmc_dir h1)/power.log') -ge $((n + 2)) ]"
tap_is "$(plog_since h1 "$n")" "off on " "reboot went through off, then on"

# --- the off is verified: a BMC that reports off only 3 s after the command -
# ipmi_sim answers the power-off at once; its power script keeps the host
# (and so the BMC's "on") for 3 more seconds.  The agent must not report
# success before the BMC reports off.
BMC_OFF_DELAY=3 bmc_start h3 127.0.10.3 admin "$VG_TMP/pw" sleep infinity || tap_bail "BMC h3 did not start"
A=127.0.10.3 agent on
plog_wait_on h3 || tap_bail "the host behind the slow BMC h3 did not power on: $ERR"
pid3=$(bmc_host_pid h3)
n=$(plog_lines h3)
A=127.0.10.3 agent off
state=$(bmc_power_state h3)
tap_is "$RC:$OUT" "0:Success: Powered OFF" "slow BMC: off exits 0"
tap_is "$state" off "slow BMC: the host process is dead when off returns (no grace)"
bmc_wait_state h3 off 30	# (only matters when the agent returned too early)
tap_ok "slow BMC: off returned only after the BMC reported off (agent's return vs the BMC's power log)" \
	returned_after "$(plog_ms h3 "$n" off)" "$END"
tap_diag "slow BMC: power-off acted on at $(( $(plog_ms h3 "$n" off-requested) - END + MS )) ms, reported off at $(( $(plog_ms h3 "$n" off) - END + MS )) ms, agent returned at $MS ms"
tap_fail "slow BMC: the old host PID is gone" sh -c "kill -0 $pid3 2>/dev/null"

# reboot (method onoff, the default): off, verified off, on.
A=127.0.10.3 agent on
plog_wait_on h3 || tap_bail "h3 did not power on again: $ERR"
pid3=$(bmc_host_pid h3)
n=$(plog_lines h3)
A=127.0.10.3 agent reboot
tap_is "$RC:$OUT" "0:Success: Rebooted" "slow BMC: reboot exits 0"
vg_wait 30 sh -c "[ \$(wc -l <'$(bmc_dir h3)/power.log') -ge $((n + 3)) ]"
tap_is "$(plog_since h3 "$n")" "off-requested off on " "slow BMC: reboot powered off, waited for off, then on"
tap_ok "slow BMC: reboot returned after the BMC reported off" returned_after "$(plog_ms h3 "$n" off)" "$END"
tap_ok "slow BMC: the power-on came after the off" returned_after "$(plog_ms h3 "$n" off)" "$(plog_ms h3 "$n" on)"
tap_ok "slow BMC: a new host process runs" sh -c "[ -n '$(bmc_host_pid h3)' ] && [ '$(bmc_host_pid h3)' != '$pid3' ]"

# A BMC that acknowledges the power-off and never reports off: failure, with
# a clear message, within power_timeout.
BMC_OFF_DELAY=never bmc_start h4 127.0.10.4 admin "$VG_TMP/pw" sleep infinity || tap_bail "BMC h4 did not start"
A=127.0.10.4 agent on
plog_wait_on h4 || tap_bail "the host behind h4 did not power on: $ERR"
pid4=$(bmc_host_pid h4)
A=127.0.10.4 agent off power_timeout=3
tap_is "$RC" 1 "BMC stuck on: off exits 1"
tap_unlike "$OUT" 'Success' "BMC stuck on: no success on stdout"
tap_like "$ERR" 'timed out: the BMC still reports power on' "BMC stuck on: stderr says the BMC still reports on"
tap_cmp "$MS" -lt 8000 "BMC stuck on: it gave up by power_timeout (3 s) plus slack"
tap_diag "BMC stuck on: exit after $MS ms with power_timeout=3"
tap_like "$(plog_since h4 0)" 'off-requested' "BMC stuck on: the BMC did get the power-off"
tap_is "$(bmc_host_pid h4)" "$pid4" "BMC stuck on: the host still runs"
bmc_stop h4

# --- wrong password: exit 1, clear message, nothing changed -----------------
OUT=$(printf 'action=off\nip=%s\nusername=admin\npassword=not-the-password\n' $A | "$F" 2>"$VG_TMP/err")
RC=$?
ERR=$(cat "$VG_TMP/err"); cat "$VG_TMP/err" >>"$ALLERR"
tap_is "$RC" 1 "off with a wrong password exits 1"
tap_like "$ERR" 'password invalid' "stderr says the password is invalid"
tap_unlike "$ERR" 'not-the-password' "stderr does not echo the given password"
tap_is "$(bmc_host_pid h1)" "$pid2" "the host was not touched"

# --- unreachable BMC: exit 1 within power_timeout ---------------------------
t0=$(vg_ms)
ERR=$(printf 'action=status\nip=127.0.10.99\nusername=admin\npassword=%s\npower_timeout=3\n' "$PW" | "$F" 2>&1 >/dev/null)
RC=$?; ms=$(( $(vg_ms) - t0 ))
echo "$ERR" >>"$ALLERR"
tap_is "$RC" 1 "status of an unreachable BMC exits 1"
tap_like "$ERR" 'timed out' "stderr says timed out"
tap_cmp "$ms" -lt 5000 "it gave up within power_timeout (3 s) plus slack"
tap_cmp "$ms" -ge 2000 "it did try for most of power_timeout"
tap_diag "unreachable BMC: exit after $ms ms with power_timeout=3"

# --- a hung (SIGSTOPped) BMC ------------------------------------------------
kill -STOP "$(bmc_pid h1)"
agent off power_timeout=2
kill -CONT "$(bmc_pid h1)"
tap_is "$RC" 1 "off against a SIGSTOPped BMC exits 1"
tap_like "$ERR" 'timed out' "stderr says timed out"
tap_cmp "$MS" -lt 4000 "within power_timeout (2 s) plus slack"
tap_diag "stopped BMC: exit after $MS ms with power_timeout=2"
tap_is "$(bmc_host_pid h1)" "$pid2" "the host is untouched"

# --- delay, and secrets never in any argv -----------------------------------
( agent off delay=2; echo "$RC $MS" >"$VG_TMP/delayed" ) &
bg=$!
sleep 0.5
leak=0
for c in /proc/[0-9]*/cmdline; do
	tr '\0' ' ' <"$c" 2>/dev/null | grep -qF "$PW" && leak=1
done
tap_is "$leak" 0 "the password is in no process's argv while the agent runs"
tap_is "$(bmc_host_pid h1)" "$pid2" "nothing happens during the delay"
wait "$bg"
read -r rc ms <"$VG_TMP/delayed"
tap_is "$rc" 0 "off with delay=2 exits 0"
tap_cmp "$ms" -ge 2000 "delay was honoured"
tap_is "$(bmc_power_state h1)" off "the host is off when the delayed off returns"

# --- password sources -------------------------------------------------------
agent on
bmc_wait_state h1 on

# reboot is Pacemaker's default action: its delay (which keeps two nodes
# from fencing each other at once) must come before the power-off too.
t0=$(vg_ms)
agent reboot delay=2
tap_is "$RC" 0 "reboot with delay=2 exits 0"
off_at=$(awk -v t0="$t0" '$1 >= t0 && $2 == "off" { print $1; exit }' "$(bmc_dir h1)/power.log")
tap_cmp "${off_at:-0}" -ge $((t0 + 2000)) \
	"reboot waited out delay=2 before the off ($(( ${off_at:-0} - t0 )) ms after the call)"
bmc_wait_state h1 on
run_src() {	# lines...
	OUT=$(printf 'action=status\nip=%s\nusername=admin\n' $A; printf '%s\n' "$@")
	OUT=$(printf '%s\n' "$OUT" | "$F" 2>"$VG_TMP/err"); RC=$?
	ERR=$(cat "$VG_TMP/err"); cat "$VG_TMP/err" >>"$ALLERR"
}
run_src "password_file=$VG_TMP/pw"
tap_is "$RC" 0 "password_file (mode 0600) works"
cp "$VG_TMP/pw" "$VG_TMP/pw-open"; chmod 0640 "$VG_TMP/pw-open"
run_src "password_file=$VG_TMP/pw-open"
tap_is "$RC" 1 "a group-readable password_file is refused"
tap_like "$ERR" 'mode 0640' "the message names the mode"
cp "$VG_TMP/pw" "$VG_TMP/pw-foreign"; chown nobody "$VG_TMP/pw-foreign"
run_src "password_file=$VG_TMP/pw-foreign"
tap_is "$RC" 1 "a password_file another user owns is refused (it could be swapped)"
tap_like "$ERR" 'belongs to uid' "the message names the owner"
run_src "password_script=cat $VG_TMP/pw"
tap_is "$RC" 0 "password_script works"
run_src "password_script=exit 3"
tap_is "$RC" 1 "a failing password_script fails the action"
OUT=$("$F" -o status -a $A -l admin -S "cat $VG_TMP/pw" 2>>"$ALLERR"); RC=$?
tap_is "$RC:$OUT" "0:Status: ON" "command-line options (-o -a -l -S) work"

# --- privilege: monitor proves the session may control the chassis ---------
OUT=$(printf 'action=monitor\nip=%s\nlogin=viewer\npasswd=Viewer-Pa55-e1\nprivlvl=user\n' $A |
	"$F" 2>"$VG_TMP/err"); RC=$?
ERR=$(cat "$VG_TMP/err")
tap_is "$RC" 1 "monitor with a user-privilege session exits 1"
tap_like "$ERR" 'needs operator' "and says chassis control needs operator"
OUT=$(printf 'action=status\nip=%s\nlogin=viewer\npasswd=Viewer-Pa55-e1\nprivlvl=user\n' $A |
	"$F" 2>/dev/null); RC=$?
tap_is "$RC" 0 "status works at user privilege (fence_ipmilan's aliases login/passwd accepted)"

# --- cipher suites, IPMI 1.5, another port, Pacemaker's extra keys ----------
agent status cipher=1
tap_is "$RC" 0 "cipher suite 1 works"
agent status cipher=17
tap_is "$RC" 1 "cipher suite 17 (refused by ipmi_sim) fails"
tap_like "$ERR" '[Cc]ipher' "with a message about the cipher suite"
agent status cipher=0
tap_is "$RC" 1 "cipher suite 0 is refused without force_cipher_zero"
agent status lanplus=0 auth=md5
tap_is "$RC" 0 "IPMI 1.5 (lanplus=0, auth=md5) works" || tap_diag "$ERR"
agent status nodename=node1 port=node1 pcmk_host_list=node1 some_future_key=1
tap_is "$RC" 0 "Pacemaker's extra keys are ignored"

BMC_PORT=6230 bmc_start h2 127.0.10.2 admin "$VG_TMP/pw" sleep infinity || tap_bail "BMC h2"
OUT=$(printf 'action=status\nip=127.0.10.2\nipport=6230\nusername=admin\npassword_file=%s\n' \
	"$VG_TMP/pw" | "$F" 2>>"$ALLERR"); RC=$?
tap_is "$RC:$OUT" "2:Status: OFF" "ipport=6230 reaches a BMC on another port"

tap_unlike "$(cat "$ALLERR")" "$PW" "no stderr output of any run contains the password"
tap_done
