#!/bin/bash
# Benchmark: wall time of vmguard selftest over 1, 10 and 40 fence devices
# (fence_vmguard, each against its own ipmi_sim BMC) in a real one-node
# Pacemaker cluster.
#
#   VG_BUILD=/path/to/build bench/selftest.sh [RUNS]
#
# Each device fences its own (never joining) cluster node and gets every
# check: agent, metadata, validate-all, registered, the IPMI session and
# its privilege, monitor and status through the fencer.  For each size the
# self-test runs RUNS times (default 3); the table shows the median and the
# worst wall time.  The targets of the issue: the time grows sublinearly
# (t40 / t1 well under 40) and 40 devices finish in under 10 s.
# Runs in private namespaces like the tests; needs root and ipmi_sim.
. "$(dirname "$0")/../tests/lib/tap.sh"; . "$(dirname "$0")/../tests/lib/env.sh"
vg_ns_enter "$0" "$@"
. "$VG_TOP/tests/lib/bmc.sh"
. "$VG_TOP/tests/lib/cluster.sh"

RUNS=${1:-3}
ST=("$VG_BUILD/fence/vmguard" selftest)
[ -x "${ST[0]}" ] || { echo "bench: ${ST[0]} not built" >&2; exit 1; }
vg_ns_install
PW=Bench-Pa55-$$
(umask 077; echo "$PW" >"$VG_TMP/pw")

CL_STONITH=true cl_start || { echo "bench: the cluster did not start" >&2; exit 1; }
vg_at_exit cl_stop
crm_attribute -n startup-fencing -v false >/dev/null

have=0
grow_to() {	# n: BMCs, nodes and devices 1..n
	local i xml=''
	for i in $(seq $((have + 1)) "$1"); do
		bmc_start "b$i" "127.0.20.$i" admin "$VG_TMP/pw" sleep infinity >/dev/null ||
			{ echo "bench: BMC b$i did not start" >&2; exit 1; }
		cibadmin -C -o nodes -X "<node id='$((100 + i))' uname='bn$i'/>" ||
			exit 1
		xml+="<primitive id='fence-b$i' class='stonith' type='fence_vmguard'>
		  <instance_attributes id='fence-b$i-ia'>
		    <nvpair id='fence-b$i-1' name='ip' value='127.0.20.$i'/>
		    <nvpair id='fence-b$i-2' name='username' value='admin'/>
		    <nvpair id='fence-b$i-3' name='password_file' value='$VG_TMP/pw'/>
		    <nvpair id='fence-b$i-4' name='pcmk_host_list' value='bn$i'/>
		    <nvpair id='fence-b$i-5' name='login_timeout' value='3'/>
		  </instance_attributes>
		  <operations><op id='fence-b$i-m' name='monitor' interval='600s' timeout='20s'/></operations>
		</primitive>"
	done
	# One CIB change for the lot: one scheduler run starts them all.
	cibadmin -M -o resources --allow-create -X "<resources>$xml</resources>" ||
		cibadmin -C -o resources -X "<resources>$xml</resources>" >/dev/null 2>&1 || true
	have=$1
	vg_wait 120 sh -c "[ \$(stonith_admin --list-registered 2>/dev/null | grep -c '^fence-b') -ge $1 ]" ||
		echo "bench: only $(stonith_admin --list-registered | grep -c '^fence-b') devices registered" >&2
	cl_wait_idle 120
}

declare -A MED WORST
for n in 1 10 40; do
	grow_to "$n"
	times=()
	for r in $(seq "$RUNS"); do
		t0=$(vg_ms)
		"${ST[@]}" --json --no-attribute >"$VG_TMP/run.json" 2>/dev/null
		rc=$?
		times+=($(( $(vg_ms) - t0 )))
		python3 - "$VG_TMP/run.json" "$n" <<'PY' || { echo "bench: a device failed (exit $rc)" >&2; }
import json, sys
j = json.load(open(sys.argv[1])); n = int(sys.argv[2])
bad = [d["id"] for d in j["devices"] if d["status"] not in ("OK",)]
assert len(j["devices"]) == n and not bad, bad
slow = max((c["duration_ms"], d["id"], c["check"]) for d in j["devices"] for c in d["checks"])
print("#   slowest check: %s %s %d ms" % (slow[1], slow[2], slow[0]))
PY
	done
	sorted=($(printf '%s\n' "${times[@]}" | sort -n))
	MED[$n]=${sorted[$(( ${#sorted[@]} / 2 ))]}
	WORST[$n]=${sorted[-1]}
	printf 'devices=%-3d runs: %s ms\n' "$n" "${times[*]}"
done

printf '\n%-8s %10s %10s %14s\n' devices median_ms worst_ms ms_per_device
for n in 1 10 40; do
	printf '%-8d %10d %10d %14.1f\n' "$n" "${MED[$n]}" "${WORST[$n]}" "$(echo "${MED[$n]} / $n" | bc -l)"
done
printf '\nt10/t1 = %.2f (linear: 10)   t40/t1 = %.2f (linear: 40)   40 devices: %d ms (target < 10000)\n' \
	"$(echo "${MED[10]} / ${MED[1]}" | bc -l)" "$(echo "${MED[40]} / ${MED[1]}" | bc -l)" "${WORST[40]}"
[ "${WORST[40]}" -lt 10000 ] && [ $(( MED[40] * 4 )) -lt $(( MED[1] * 40 )) ]
