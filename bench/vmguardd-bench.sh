#!/bin/bash
# vmguardd benchmark: 
#   1. latency from `kill -SEGV libvirtd` to the fence request reaching the
#      fence device of a real one-node Pacemaker cluster, libvirtd_grace = 0,
#      TRIALS trials (default 20): median and maximum.  Measured to the moment
#      the fencer has run the (recording) fence agent, so it includes the
#      fencer's own work: an upper bound for "reaches the fencer".
#   2. vmguardd's RSS and CPU while idle (guarding a healthy libvirtd, watchdog
#      fed every 2 s, quorum tracked) over IDLE seconds (default 60).
#
#   VG_BUILD=/work/build-x bash bench/vmguardd-bench.sh [TRIALS] [IDLE]
#
# The fence device answers "failed" so that the one-node cluster survives
# each trial (a successful self-fence stops its Pacemaker); the request has
# reached the fencer either way.  The watchdog is the LD_PRELOAD test double.
. "$(dirname "$0")/../tests/lib/tap.sh"; . "$(dirname "$0")/../tests/lib/env.sh"; vg_ns_enter "$0" "$@"
. "$VG_TOP/tests/lib/libvirt.sh"
. "$VG_TOP/tests/lib/cluster.sh"

TRIALS=${1:-20}
IDLE=${2:-60}
D="$VG_BUILD/fence/vmguardd"
REC="$VG_TMP/fence-requests.log"
WD="$VG_TMP/watchdog"
: >"$WD"; : >"$REC"; chmod 666 "$REC"

vg_ns_install
export CL_STONITH=true
cl_start || tap_bail "cluster did not start"
cibadmin -C -o resources -X "<primitive class='stonith' id='vgrec' type='fence_vgrecord'>
  <instance_attributes id='vgrec-ia'>
    <nvpair id='vgrec-logfile' name='logfile' value='$REC'/>
    <nvpair id='vgrec-result' name='result' value='fail'/>
    <nvpair id='vgrec-retries' name='pcmk_off_retries' value='1'/>
    <nvpair id='vgrec-hosts' name='pcmk_host_list' value='$(cl_node)'/>
  </instance_attributes></primitive>" >/dev/null || tap_bail "cannot add the fence device"
cl_wait_idle 60
mkdir -p /var/log/libvirt/qemu
vg_wait 30 sh -c "stonith_admin --list-registered 2>/dev/null | grep -q vgrec" ||
	tap_bail "fence device not registered"
lv_start >/dev/null 2>&1 || tap_bail "libvirtd did not start"
lv_guest vm1 || tap_bail "guest did not start"

cat >"$VG_TMP/bench.conf" <<EOF
uri = $LV_URI
libvirtd_grace = 0
fence_timeout = 20s
watchdog_device = $WD
watchdog_timeout = 10s
watchdog_interval = 2s
quorum = yes
maintenance_file = /run/vmguard/maintenance
status_file = /run/vmguard/vmguardd.status
EOF

start_daemon() {
	env WDSHIM_DEVICE="$WD" WDSHIM_LOG="$VG_TMP/wd.log" LD_PRELOAD="$VG_BUILD/tests/lib/wdshim.so" \
		"$D" -c "$VG_TMP/bench.conf" >"$VG_TMP/d.log" 2>&1 &
	DPID=$!
	vg_wait 20 grep -q "libvirtd connected" "$VG_TMP/d.log" && vg_wait 10 grep -q "quorum held" "$VG_TMP/d.log"
}

LAT=()
for i in $(seq 1 "$TRIALS"); do
	lv_start >/dev/null 2>&1 || tap_bail "libvirtd did not restart (trial $i)"
	start_daemon || { tail -5 "$VG_TMP/d.log"; tail -5 /var/log/libvirt/libvirtd.log
		tap_bail "vmguardd did not connect (trial $i)"; }
	n=$(wc -l <"$REC")
	t0=$(date +%s%3N)
	kill -SEGV "$(cat "$LV_PIDFILE")"
	vg_wait 30 sh -c "[ \$(wc -l <'$REC') -gt $n ]" || tap_bail "no fence request (trial $i)"
	t1=$(sed -n "$((n + 1))p" "$REC" | cut -d' ' -f1)
	LAT+=($((t1 - t0)))
	vg_wait 30 grep -q "watchdog stopped" "$VG_TMP/d.log"
	kill -KILL "$DPID"; wait "$DPID" 2>/dev/null
	sleep 1		# let the fencer finish the failed operation
done
SORTED=$(printf '%s\n' "${LAT[@]}" | sort -n)
MED=$(echo "$SORTED" | awk '{ a[NR] = $1 } END { if (NR % 2) print a[(NR + 1) / 2]; else print int((a[NR / 2] + a[NR / 2 + 1]) / 2) }')
MAX=$(echo "$SORTED" | tail -1)
MIN=$(echo "$SORTED" | head -1)
echo "latency kill -SEGV libvirtd -> fence agent run by the fencer, $TRIALS trials, grace 0:"
echo "  all (ms): ${LAT[*]}"
echo "  min ${MIN} ms, median ${MED} ms, max ${MAX} ms"

# --- idle RSS and CPU ----------------------------------------------------------
lv_start >/dev/null 2>&1 || tap_bail "libvirtd did not restart"
: >"$VG_TMP/wd.log"
start_daemon || tap_bail "vmguardd did not connect"
sleep 2
ticks() { awk '{ print $14 + $15 }' "/proc/$DPID/stat"; }
HZ=$(getconf CLK_TCK)
c0=$(ticks); t0=$(date +%s%3N)
sleep "$IDLE"
c1=$(ticks); t1=$(date +%s%3N)
RSS=$(awk '/^VmRSS/ { print $2 }' "/proc/$DPID/status")
HWM=$(awk '/^VmHWM/ { print $2 }' "/proc/$DPID/status")
PETS=$(grep -c KEEPALIVE "$VG_TMP/wd.log")
CPU_MS=$(( (c1 - c0) * 1000 / HZ ))
echo "idle over $(( (t1 - t0) / 1000 )) s (libvirtd up, watchdog fed every 2 s, quorum tracked):"
echo "  RSS ${RSS} KiB (peak ${HWM} KiB): $(grep -E '^Rss(Anon|File):' "/proc/$DPID/status" | tr -s ' \t' ' ' | tr '\n' ' ')"
echo "  PSS $(awk '/^Pss:/ { print $2 }' "/proc/$DPID/smaps_rollup") KiB, private (USS) $(awk '/^Private_(Clean|Dirty):/ { s += $2 } END { print s }' "/proc/$DPID/smaps_rollup") KiB"
echo "  largest mappings (KiB resident): $(awk '/^[0-9a-f]+-/ { n = $6 } /^Rss:/ { r[n] += $2 } END { for (k in r) print r[k], k }' "/proc/$DPID/smaps" | sort -rn | head -4 | sed 's|/usr/lib/x86_64-linux-gnu/||' | tr '\n' ' ')"
echo "  CPU ${CPU_MS} ms = $(awk -v c="$CPU_MS" -v t=$((t1 - t0)) 'BEGIN { printf "%.3f", 100 * c / t }') % of one core"
echo "  watchdog pets recorded: $PETS"
kill -TERM "$DPID"; wait "$DPID"
cl_stop
