#!/bin/bash
# fence_vmguard as a stonith resource of a real one-node Pacemaker: the
# fencer runs the installed agent with stdin options and fences a simulated
# host whose BMC is an ipmi_sim; the host dies and the fence history
# records success.  The BMC is a slow one: it acknowledges the power-off at
# once but reports off only 3 s later (tests/lib/bmc.sh BMC_OFF_DELAY), so
# a fence that succeeded before the BMC reported off cannot pass.
. "$(dirname "$0")/../lib/tap.sh"; . "$(dirname "$0")/../lib/env.sh"; vg_ns_enter "$0" "$@"
. "$VG_TOP/tests/lib/bmc.sh"
. "$VG_TOP/tests/lib/cluster.sh"

vg_ns_install
tap_is "$(command -v fence_vmguard)" /usr/sbin/fence_vmguard "fence_vmguard is installed in /usr/sbin"
tap_ok "its meta-data is valid against fence-agents' metadata.rng" sh -c \
	'fence_vmguard -o metadata | xmllint --noout --relaxng /usr/share/cluster/relaxng/metadata.rng - 2>/dev/null'

PW='Pcmk-Bmc-Pa55-91'
(umask 077; echo "$PW" >"$VG_TMP/bmc-pw")
BMC_OFF_DELAY=3 bmc_start sim1 127.0.10.1 admin "$VG_TMP/bmc-pw" sleep infinity ||
	tap_bail "BMC did not start"
printf 'action=on\nip=127.0.10.1\nusername=admin\npassword_file=%s\n' "$VG_TMP/bmc-pw" |
	fence_vmguard >"$VG_TMP/on.out" 2>&1
tap_ok "the simulated host sim1 runs" bmc_wait_state sim1 on || tap_diag "$(cat "$VG_TMP/on.out")"
hpid=$(bmc_host_pid sim1)

CL_STONITH=true cl_start || tap_bail "the cluster did not start"
vg_at_exit cl_stop
tap_diag "cluster up in ${CL_START_MS} ms"

cibadmin -C -o resources -X "
<primitive id='fence-sim1' class='stonith' type='fence_vmguard'>
  <instance_attributes id='fence-sim1-ia'>
    <nvpair id='fence-sim1-ip' name='ip' value='127.0.10.1'/>
    <nvpair id='fence-sim1-user' name='username' value='admin'/>
    <nvpair id='fence-sim1-pwf' name='password_file' value='$VG_TMP/bmc-pw'/>
    <nvpair id='fence-sim1-hosts' name='pcmk_host_list' value='sim1'/>
    <nvpair id='fence-sim1-pt' name='power_timeout' value='10'/>
  </instance_attributes>
  <operations>
    <op id='fence-sim1-mon' name='monitor' interval='60s'/>
  </operations>
</primitive>" || tap_bail "cannot add the stonith resource"
tap_ok "the device is registered with the fencer" vg_wait 60 sh -c \
	'stonith_admin --list-registered 2>/dev/null | grep -q fence-sim1'
cl_wait_idle 60
tap_like "$(crm_resource --locate -r fence-sim1 2>&1)" 'is running on' "the stonith resource started (its monitor passed)"

out=$(stonith_admin --list sim1 2>&1)
tap_like "$out" 'fence-sim1' "stonith_admin --list sim1 names the device"
out=$(stonith_admin --list-targets fence-sim1 2>&1)
tap_like "$out" '127\.0\.10\.1' "stonith_admin --list-targets runs the agent's list (the BMC's host)"
stonith_admin --query fence-sim1 >"$VG_TMP/q" 2>&1
tap_is "$?" 0 "stonith_admin --query (the agent's monitor) succeeds"
tap_is "$(bmc_host_pid sim1)" "$hpid" "nothing so far touched the host's power"

n=$(wc -l <"$(bmc_dir sim1)/power.log")
t0=$(vg_ms)
stonith_admin --fence sim1 --timeout 60 >"$VG_TMP/fence.out" 2>&1
rc=$?
end=$(vg_ms)
state=$(bmc_power_state sim1)
ms=$(( end - t0 ))
tap_is "$rc" 0 "stonith_admin --fence sim1 succeeds" || tap_diag "$(cat "$VG_TMP/fence.out")"
tap_diag "fence through Pacemaker took $ms ms (the BMC reports off 3 s after the command)"
tap_is "$state" off "the host is off when the fence returns (no grace)"
tap_fail "its process is gone" sh -c "kill -0 $hpid 2>/dev/null"
# An ordering, not a timing: the BMC's power script logs "off" before the
# BMC can report off, so a fence that waited for the BMC returns after it.
bmc_wait_state sim1 off 30	# (only matters when the fence returned too early)
off_ms=$(awk -v n="$n" 'NR > n && $2 == "off" { print $1; exit }' "$(bmc_dir sim1)/power.log")
tap_ok "the fence returned only after the BMC reported off (its power log)" \
	sh -c '[ -n "$1" ] && [ "$1" -le "$2" ]' _ "$off_ms" "$end"
hist=$(stonith_admin --history sim1 --verbose 2>&1)
tap_diag "$hist"
tap_like "$hist" '(was able to|successful|succeeded).*(turn off|off|reboot)|reboot of sim1 successful|off of sim1 successful' \
	"Pacemaker's fence history records the success"
tap_unlike "$(cat /var/log/pacemaker/pacemaker.log 2>/dev/null)" "$PW" \
	"the BMC password is not in Pacemaker's log"
tap_done
