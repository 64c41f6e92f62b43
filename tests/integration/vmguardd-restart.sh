#!/bin/bash
# vmguardd's promise through its own restart and through a planned stop
# (issue 12, items 1 and 2), against a real libvirtd with a running guest
# and a real one-node Pacemaker cluster whose fence device
# (tests/lib/fence_vgrecord) records requests and answers "failed" -- so
# the cluster stays up and vmguardd ends each fence in self-fence.
#
#   vmguardd SIGKILLed during the grace window, started again ......... the
#       restarted one resumes the loss and still requests the fence (with
#       the grace window's original reason, not a fresh start's)
#   vmguardd SIGKILLed in self-fence, libvirtd back, started again .... it
#       never feeds the watchdog again (tests/lib/wdshim.c records every
#       WDIOC_KEEPALIVE) and vmguard status says self-fence
#   vmguardd started while guests run and libvirtd is dead ............ it
#       does not wait forever: vmguard status says so, and it fences
#   a planned stop (the agent's own announcement) that the agent's start
#       withdraws before vmguardd reconnects ........................... no
#       fence: the planned stop ends on vmguardd's own connection
#
# Nothing here depends on how fast the machine is: every wait is for an
# event (a log line, a recorded request) with a generous ceiling, and the
# windows that must not close early (grace, reconnect pause) are far longer
# than the steps inside them.
. "$(dirname "$0")/../lib/tap.sh"; . "$(dirname "$0")/../lib/env.sh"; vg_ns_enter "$0" "$@"
. "$VG_TOP/tests/lib/libvirt.sh"
. "$VG_TOP/tests/lib/cluster.sh"

D="$VG_BUILD/fence/vmguardd"
V="$VG_BUILD/fence/vmguard"
SHIM="$VG_BUILD/tests/lib/wdshim.so"
WD="$VG_TMP/watchdog"
REC="$VG_TMP/fence-requests.log"
[ -x "$D" ] && [ -f "$SHIM" ] || tap_bail "build vmguardd and tests/lib/wdshim.so first"
: >"$WD"
: >"$REC"
chmod 666 "$REC"

vg_ns_install
export CL_STONITH=true

# The frontend's figures are generous so that the timing rule leaves room
# for the agent's planned-stop announcement (its stop timeout + 2 min).
conf() {	# file key=value...
	local f=$1
	shift
	cat >"$f" <<-EOF
	uri = $LV_URI
	keepalive_interval = 1s
	keepalive_count = 2
	libvirtd_grace = 0
	reconnect_interval = 100ms
	fence_timeout = 40s
	watchdog_device = $WD
	watchdog_timeout = 5s
	watchdog_interval = 500ms
	frontend_time_to_error = 600s
	frontend_monitoring_interval = 30s
	frontend_p = 1
	quorum = yes
	maintenance_file = /run/vmguard/maintenance
	maintenance_max = 5min
	status_file = /run/vmguard/vmguardd.status
	EOF
	for kv in "$@"; do
		sed -i "/^${kv%%=*} = /d" "$f"
		echo "${kv%%=*} = ${kv#*=}" >>"$f"
	done
}

cluster_up() {
	cl_start || return 1
	cibadmin -C -o resources -X "<primitive class='stonith' id='vgrec' type='fence_vgrecord'>
	  <instance_attributes id='vgrec-ia'>
	    <nvpair id='vgrec-logfile' name='logfile' value='$REC'/>
	    <nvpair id='vgrec-hosts' name='pcmk_host_list' value='$(cl_node)'/>
	    <nvpair id='vgrec-result' name='result' value='fail'/>
	  </instance_attributes></primitive>" >/dev/null || return 1
	cl_wait_idle 60
	mkdir -p /var/log/libvirt/qemu
	vg_wait 60 sh -c "stonith_admin --list $(cl_node) 2>/dev/null | grep -q vgrec"
}

start_daemon() {	# conf log wdlog
	env WDSHIM_DEVICE="$WD" WDSHIM_LOG="$3" LD_PRELOAD="$SHIM" "$D" -c "$1" -v >"$2" 2>&1 &
	DPID=$!
	vg_at_exit "kill -KILL $DPID"
}

kill_daemon() {	# the supervisor's view of a crash: SIGKILL, no clean-up
	kill -KILL "$DPID" 2>/dev/null
	wait "$DPID" 2>/dev/null
}

requests() { grep -c " off $(cl_node)\$" "$REC" 2>/dev/null || true; }
# A fence request of an earlier scenario may still reach the device after
# its vmguardd was killed (the fencer is still carrying it out): before
# counting a scenario's requests, wait until none is pending and the count
# stands still.
fencer_settled() {
	local n
	stonith_admin --history '*' --output-as=xml 2>/dev/null | grep -q 'status="pending"' &&
		return 1
	n=$(requests)
	sleep 3
	[ "$(requests)" = "$n" ]
}
pets() { grep -c KEEPALIVE "$1" 2>/dev/null || true; }

cluster_up || tap_bail "cluster with the recording fence device did not come up"
tap_diag "cluster up in ${CL_START_MS} ms; node $(cl_node)"
lv_start || tap_bail "libvirtd did not start"
lv_guest vm1 || tap_bail "guest did not start"
QEMU=$(lv_qemu_pid vm1)
tap_ok "guest vm1 runs (qemu PID $QEMU)" lv_qemu_alive "$QEMU"

# --- 1. SIGKILL during the grace window ---------------------------------------
conf "$VG_TMP/grace.conf" libvirtd_grace=20s
start_daemon "$VG_TMP/grace.conf" "$VG_TMP/d1.log" "$VG_TMP/wd1.log"
tap_ok "vmguardd (grace 20 s) connects" vg_wait 30 grep -q "libvirtd connected" "$VG_TMP/d1.log"
vg_wait 10 grep -q "quorum held" "$VG_TMP/d1.log"
vg_wait 120 fencer_settled
BEFORE=$(requests)
kill -KILL "$(cat "$LV_PIDFILE")"
tap_ok "libvirtd SIGKILLed: loss noticed, grace window running" \
	vg_wait 10 grep -q "libvirtd lost" "$VG_TMP/d1.log"
tap_unlike "$(cat "$VG_TMP/d1.log")" "fence requested" "  no fence yet (grace 20 s)"
kill_daemon
start_daemon "$VG_TMP/grace.conf" "$VG_TMP/d2.log" "$VG_TMP/wd2.log"
tap_ok "the restarted vmguardd resumes the persisted loss" \
	vg_wait 20 grep -q "resumed the persisted state" "$VG_TMP/d2.log"
tap_ok "  and still requests the fence: the fence device records it" \
	vg_wait 90 sh -c "[ \$(grep -c ' off $(cl_node)\$' '$REC') -gt $BEFORE ]"
tap_like "$(cat "$VG_TMP/d2.log")" "did not come back within the grace window" \
	"  for the original loss (the grace window kept its start)"
tap_unlike "$(cat "$VG_TMP/d2.log")" "never answered" "  not as a fresh start that never saw libvirtd"
tap_ok "  the fence fails (the device says so): feeding stops" \
	vg_wait 60 grep -q "watchdog stopped" "$VG_TMP/d2.log"

# --- 2. SIGKILL in self-fence, libvirtd back, started again --------------------
kill_daemon
lv_start >/dev/null 2>&1 || tap_bail "libvirtd did not restart"
start_daemon "$VG_TMP/grace.conf" "$VG_TMP/d3.log" "$VG_TMP/wd3.log"
tap_ok "restarted in self-fence: resumes it" vg_wait 20 grep -q "resumed the persisted state" "$VG_TMP/d3.log"
vg_wait 30 grep -q "libvirtd is back, but a fence was already requested" "$VG_TMP/d3.log"
tap_ok "  libvirtd answers it, and nothing cancels the fence" \
	grep -q "libvirtd is back, but a fence was already requested" "$VG_TMP/d3.log"
sleep 3		# six feeding intervals
tap_is "$(pets "$VG_TMP/wd3.log")" 0 "  the restarted vmguardd never fed the watchdog"
tap_unlike "$(cat "$VG_TMP/wd3.log" 2>/dev/null)" "write 'V'" "  nor disarmed it"
"$V" -c "$VG_TMP/grace.conf" status >"$VG_TMP/status.txt"; RC=$?
tap_is "$RC" 1 "  vmguard status: alarm (exit 1)"
tap_like "$(cat "$VG_TMP/status.txt")" "state +self-fence" "  state self-fence"
tap_like "$(cat "$VG_TMP/status.txt")" "watchdog +not-fed" "  watchdog not fed"
kill -TERM "$DPID"; wait "$DPID" 2>/dev/null
tap_unlike "$(cat "$VG_TMP/wd3.log" 2>/dev/null)" "write 'V'" "  SIGTERM in self-fence: still no magic close"
tap_is "$(pets "$VG_TMP/wd3.log")" 0 "  and no feed on the way out"

# A new boot clears /run; here the persisted state is removed by hand, as a
# reboot would, for the next scenarios.
rm -f /run/vmguard/vmguardd.state /run/vmguard/vmguardd.status

# --- 3. started while guests run and libvirtd does not answer ------------------
kill -KILL "$(cat "$LV_PIDFILE")"
vg_wait 120 fencer_settled
BEFORE=$(requests)
start_daemon "$VG_TMP/grace.conf" "$VG_TMP/d5.log" "$VG_TMP/wd5.log"
tap_ok "fresh start, libvirtd dead, guests running: vmguardd waits for it" \
	vg_wait 20 grep -q "cannot guard libvirtd yet" "$VG_TMP/d5.log"
tap_ok "  vmguard status calls that an alarm (exit 1) once the connect window passed" \
	vg_wait 30 sh -c "'$V' -c '$VG_TMP/grace.conf' status >'$VG_TMP/status.txt'
		[ \$? = 1 ] && grep -q ALARM '$VG_TMP/status.txt'"
tap_like "$(cat "$VG_TMP/status.txt")" "ALARM +libvirtd does not answer vmguardd while guests run" \
	"  and says why"
tap_ok "  the grace window runs out: the fence device records the request" \
	vg_wait 90 sh -c "[ \$(grep -c ' off $(cl_node)\$' '$REC') -gt $BEFORE ]"
tap_like "$(cat "$VG_TMP/d5.log")" "never answered vmguardd within the grace window" \
	"  as a libvirtd that never answered"
kill_daemon
rm -f /run/vmguard/vmguardd.state /run/vmguard/vmguardd.status

# --- 4. planned stop withdrawn before vmguardd reconnects ----------------------
# The agent's stop announces the stop; its start clears the announcement as
# soon as its own probe answers.  vmguardd (grace 0) reconnects only every
# 20 s here, so the announcement is gone well before vmguardd sees libvirtd
# again: the planned stop must last until vmguardd's own connection answers.
lv_start >/dev/null 2>&1
conf "$VG_TMP/planned.conf" reconnect_interval=20s
vg_wait 120 fencer_settled
BEFORE=$(requests)
start_daemon "$VG_TMP/planned.conf" "$VG_TMP/d4.log" "$VG_TMP/wd4.log"
tap_ok "vmguardd (grace 0, reconnect 20 s) connects" vg_wait 30 grep -q "libvirtd connected" "$VG_TMP/d4.log"
vg_wait 10 grep -q "quorum held" "$VG_TMP/d4.log"
tap_ok "libvirtd stopped by its agent (announces the stop)" lv_agent stop
tap_ok "  loss noticed as a planned stop" vg_wait 10 grep -q "announced as planned\|planned stop covers" "$VG_TMP/d4.log"
tap_ok "libvirtd started by its agent" lv_agent start
tap_fail "  the agent's start withdrew the announcement" test -e /run/vmguard/maintenance
tap_ok "vmguardd reconnects on its own" vg_wait 60 grep -q "the planned stop ended, no fence\|libvirtd back" "$VG_TMP/d4.log"
sleep 1
tap_unlike "$(cat "$VG_TMP/d4.log")" "fence requested" "  and requested no fence"
tap_is "$(requests)" "$BEFORE" "  the fence device received no request"
grep -E "lost|planned|back|fence|announce|connected|cannot guard" "$VG_TMP/d4.log" | cut -c1-160 |
	while read -r l; do tap_diag "vmguardd: $l"; done
tap_cmp "$(pets "$VG_TMP/wd4.log")" -gt 0 "  the watchdog is still fed"
kill -TERM "$DPID"; wait "$DPID" 2>/dev/null

tap_ok "the guest's qemu ran on throughout (the recording device fences nothing)" lv_qemu_alive "$QEMU"
cl_stop
tap_done
