#!/bin/bash
# vmguardd against a real libvirtd with a running guest and a real one-node
# Pacemaker cluster whose fence device (tests/lib/fence_vgrecord) records
# requests instead of killing the machine.
#
#   planned stop (vmguard maintenance on) ........ no fence request
#   restart within the grace window .............. no fence request
#   SIGSEGV, SIGKILL, SIGSTOP of libvirtd ......... a fence request (off) that
#                                                   reaches the fencer
. "$(dirname "$0")/../lib/tap.sh"; . "$(dirname "$0")/../lib/env.sh"; vg_ns_enter "$0" "$@"
. "$VG_TOP/tests/lib/libvirt.sh"
. "$VG_TOP/tests/lib/cluster.sh"

D="$VG_BUILD/fence/vmguardd"
V="$VG_BUILD/fence/vmguard"
SHIM="$VG_BUILD/tests/lib/wdshim.so"
WD="$VG_TMP/watchdog"
REC="$VG_TMP/fence-requests.log"
: >"$WD"
: >"$REC"
chmod 666 "$REC"	# the fencer runs agents as root, but do not depend on it

vg_ns_install
export CL_STONITH=true

# The timing rule leaves 305 - 3 - 40 - 5 s = 257 s from a loss to the fence
# request: room for maintenance_max 4 min + libvirtd_grace; the agent's own
# announcement (its stop timeout + 2 min = 3 min) must fit maintenance_max.
# The frontend's monitoring interval (5 s) is also how long libvirtd must
# answer before a new loss is not part of the previous one (common/guard.h,
# P4).
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
	frontend_time_to_error = 300s
	frontend_monitoring_interval = 5s
	frontend_p = 1
	quorum = yes
	maintenance_file = /run/vmguard/maintenance
	maintenance_max = 4min
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
	  </instance_attributes></primitive>" >/dev/null || return 1
	cl_wait_idle 60
	# cl_start binds a fresh /var/log: libvirtd logs to /var/log/libvirt.
	mkdir -p /var/log/libvirt/qemu
	vg_wait 30 sh -c "stonith_admin --list-registered 2>/dev/null | grep -q vgrec"
}

start_daemon() {	# conf log
	env WDSHIM_DEVICE="$WD" WDSHIM_LOG="$VG_TMP/wd.log" LD_PRELOAD="$SHIM" \
		"$D" -c "$1" >"$2" 2>&1 &
	DPID=$!
	vg_at_exit "kill -KILL $DPID"
	vg_wait 20 grep -q "libvirtd connected" "$2"
}

stop_daemon() {
	kill -TERM "$DPID" 2>/dev/null
	vg_wait 10 sh -c "! kill -0 $DPID 2>/dev/null" || kill -KILL "$DPID"
	wait "$DPID" 2>/dev/null
}

requests() { grep -c " off $(cl_node)\$" "$REC" 2>/dev/null || true; }
libvirtd_pid() { cat "$LV_PIDFILE"; }

cluster_up || tap_bail "cluster with the recording fence device did not come up"
tap_diag "cluster up in ${CL_START_MS} ms; node $(cl_node)"
lv_start || tap_bail "libvirtd did not start"
lv_guest vm1 || tap_bail "guest did not start"
QEMU=$(lv_qemu_pid vm1)
tap_ok "guest vm1 runs (qemu PID $QEMU)" lv_qemu_alive "$QEMU"

# --- no fence: planned stop, restart within grace ----------------------------
conf "$VG_TMP/grace.conf" libvirtd_grace=8s
tap_ok "vmguardd (grace 8 s) connects" start_daemon "$VG_TMP/grace.conf" "$VG_TMP/d-grace.log"
tap_like "$(cat "$VG_TMP/d-grace.log")" "for node $(cl_node) \(nodeid 1\)" \
	"node name and id come from corosync"
tap_ok "quorum is tracked" vg_wait 10 grep -q "quorum held" "$VG_TMP/d-grace.log"
"$V" -c "$VG_TMP/grace.conf" status >"$VG_TMP/status.txt"; RC=$?
tap_is "$RC" 0 "vmguard status: exit 0 while guarding"
tap_like "$(cat "$VG_TMP/status.txt")" "state +up" "  shows state up"
tap_like "$(cat "$VG_TMP/status.txt")" "watchdog +armed" "  and an armed watchdog"

tap_ok "vmguard maintenance on 60s" "$V" -c "$VG_TMP/grace.conf" maintenance on 60s libvirt upgrade
tap_ok "libvirtd stopped by its agent" lv_agent stop
tap_ok "planned stop: libvirtd loss noticed" vg_wait 5 grep -q "libvirtd lost" "$VG_TMP/d-grace.log"
tap_ok "  and recognised as announced" vg_wait 5 grep -q "announced as planned" "$VG_TMP/d-grace.log"
sleep 10	# longer than the grace window
tap_unlike "$(cat "$VG_TMP/d-grace.log")" "fence requested" "  no fence request past the grace window"
"$V" -c "$VG_TMP/grace.conf" status >"$VG_TMP/status.txt"
tap_like "$(cat "$VG_TMP/status.txt")" "state +maintenance" "  vmguard status shows maintenance"
tap_ok "libvirtd started by its agent" lv_agent start
tap_ok "  libvirtd back after the planned stop" vg_wait 10 grep -q "libvirtd back" "$VG_TMP/d-grace.log"
tap_ok "vmguard maintenance off" "$V" -c "$VG_TMP/grace.conf" maintenance off
# A loss within frontend_monitoring_interval of the return counts from the
# planned stop's loss (flapping cannot stretch the time to fence): let
# libvirtd answer longer than that before the crash below.
sleep 6

backs() { grep -c "libvirtd back" "$VG_TMP/d-grace.log"; }
B0=$(backs)
T0=$(vg_ms)
kill -SEGV "$(libvirtd_pid)"
lv_agent start >/dev/null 2>&1	# what the agent's recovery does
tap_ok "crash + restart within grace: libvirtd back" vg_wait 10 sh -c "[ \$(grep -c 'libvirtd back' '$VG_TMP/d-grace.log') -gt $B0 ]"
tap_diag "crash-to-back: $(( $(vg_ms) - T0 )) ms; $(grep -o 'back and answering after [0-9]* ms' "$VG_TMP/d-grace.log" | tail -1)"
sleep 1
tap_unlike "$(cat "$VG_TMP/d-grace.log")" "fence requested" "  no fence request"
tap_is "$(requests)" 0 "the fence device received no request so far"
stop_daemon
tap_like "$(tail -1 "$VG_TMP/wd.log")" "close" "clean stop while guarding: watchdog closed"
tap_like "$(tail -2 "$VG_TMP/wd.log" | head -1)" "write 'V'" "  with the magic close"

# --- fence: SIGKILL, SIGSTOP (device answers "failed"), SIGSEGV (device "succeeds") ---
# A confirmed "off" of the only node stops its Pacemaker ("we were allegedly
# just fenced"), taking the fencer and its in-memory history with it; a
# failed one leaves both up.  So KILL and STOP run against a device that
# records the request and reports failure -- the request is then in
# stonith_admin --history and vmguardd takes the last line -- and SEGV runs
# last against the device reporting success, checked through vmguardd's own
# stonith_api_time() confirmation and the fencer's log.
conf "$VG_TMP/fence.conf"
crm_resource -r vgrec -p result -v fail >/dev/null 2>&1
cl_wait_idle 30
sleep 2
for sig in KILL STOP SEGV; do
	LOG="$VG_TMP/d-$sig.log"
	if [ "$sig" = SEGV ]; then
		crm_resource -r vgrec -p result -v ok >/dev/null 2>&1
		cl_wait_idle 30
		sleep 2
	fi
	lv_start >/dev/null 2>&1 || tap_bail "libvirtd did not (re)start"
	# A parameter change makes the fencer re-register the device; under
	# load that takes a while, and a request sent meanwhile waits for it.
	vg_wait 60 sh -c "stonith_admin --list $(cl_node) 2>/dev/null | grep -q vgrec" ||
		tap_diag "[$sig] the fencer does not list vgrec for $(cl_node) yet"
	# Each iteration stands for a host that was reset after its fence: a new
	# boot, without the previous one's guard state (vmguardd resumes it
	# otherwise, and never feeds the watchdog again).
	rm -f /run/vmguard/vmguardd.state
	tap_ok "[$sig] vmguardd (grace 0) connects" start_daemon "$VG_TMP/fence.conf" "$LOG"
	vg_wait 10 grep -q "quorum held" "$LOG"
	BEFORE=$(requests)
	LPID=$(libvirtd_pid)
	T0=$(vg_ms)
	kill -"$sig" "$LPID"
	tap_ok "[$sig] the fence request reaches the fence device" \
		vg_wait 60 sh -c "[ \$(grep -c ' off $(cl_node)\$' '$REC') -gt $BEFORE ]"
	T1=$(grep " off $(cl_node)\$" "$REC" | sed -n "$((BEFORE + 1))p" | cut -d' ' -f1)
	tap_diag "[$sig] kill -> fence agent: $((T1 - T0)) ms"
	case $sig in
	STOP) tap_like "$(cat "$LOG")" "keepalive timeout" "[$sig] detected by keepalive" ;;
	*) tap_like "$(cat "$LOG")" "socket closed" "[$sig] detected by the socket closing" ;;
	esac
	if [ "$sig" = SEGV ]; then
		tap_ok "[$sig] vmguardd logs the fence as confirmed" vg_wait 20 grep -q "fence confirmed" "$LOG"
		tap_ok "[$sig] the fencer logged the off as successful" vg_wait 10 grep -Eq \
			"Operation 'off' .*targeting $(cl_node).*: OK|off of $(cl_node).*(OK|successful)" \
			/var/log/pacemaker/pacemaker.log
	else
		tap_ok "[$sig] vmguardd logs the failed fence" vg_wait 60 grep -q "fence request failed" "$LOG"
		H=$(stonith_admin --history "$(cl_node)" --verbose 2>&1)
		tap_like "$H" "off of $(cl_node) failed" "[$sig] stonith_admin --history shows the request"
		tap_diag "history: $(echo "$H" | grep -m1 "off of")"
		tap_diag "vmguardd: $(grep -o "fence request failed.*" "$LOG")"
	fi
	tap_ok "[$sig] and feeding the watchdog stopped" grep -q "watchdog stopped" "$LOG"
	[ "$sig" = STOP ] && kill -CONT "$LPID"
	kill -KILL "$DPID"; wait "$DPID" 2>/dev/null
done
tap_ok "the guest's qemu ran on throughout (the recording device fences nothing)" lv_qemu_alive "$QEMU"
cl_stop
tap_done
