#!/bin/bash
# vmguard selftest against a real one-node Pacemaker with real ipmi_sim BMCs.
# Six stonith devices, each configured to fail in its own way but one, and
# four cluster nodes of which three cannot be fenced:
#
#   device         agent            target   what is wrong
#   fence-ok       fence_vmguard    vgtest   nothing (BMC bmc1, admin)
#   fence-syntax   fence_vgbroken   node2    a copy of a shell agent with a
#                                            syntax error (the incident)
#   fence-badpw    fence_vmguard    node2    wrong password (BMC bmc2)
#   fence-down     fence_vmguard    node3    its BMC (bmc3) is down
#   fence-lowpriv  fence_vmguard    vgtest   BMC user with "user" privilege
#   fence-hang     fence_vghang     vgtest   monitor/status never return
#   (node4 has no device at all)
#
# Each failure must be caught and named, the working device must pass,
# every node without a working device must be named, nothing may be
# powered off, and the --nagios and --json outputs must parse.
. "$(dirname "$0")/../lib/tap.sh"; . "$(dirname "$0")/../lib/env.sh"; vg_ns_enter "$0" "$@"
. "$VG_TOP/tests/lib/bmc.sh"
. "$VG_TOP/tests/lib/cluster.sh"

ST=("$VG_BUILD/fence/vmguard" selftest)
[ -x "${ST[0]}" ] || tap_bail "${ST[0]} is not built"
vg_ns_install

# Site agents: a copy of a shell fence agent with a syntax error injected
# (a stray "fi" where "esac" was), and one whose monitor and status start
# to hang once $VG_TMP/hang exists (a BMC that stopped answering after the
# device had started).
mkdir -p "$VG_TMP/sbin"
sed 's/^esac$/fi/' "$VG_TOP/tests/lib/fence_vgrecord" >"$VG_TMP/sbin/fence_vgbroken"
sed -e "s#^monitor|validate-all|list) exit 0 ;;\$#validate-all|list) exit 0 ;;\nmonitor) [ -e $VG_TMP/hang ] \&\& sleep 600; exit 0 ;;#" \
	-e "s#^status) exit 0 ;;\$#status) [ -e $VG_TMP/hang ] \&\& sleep 600; exit 0 ;;#" \
	"$VG_TOP/tests/lib/fence_vgrecord" >"$VG_TMP/sbin/fence_vghang"
chmod 755 "$VG_TMP/sbin/fence_vgbroken" "$VG_TMP/sbin/fence_vghang"
tap_fail "the broken copy really has a syntax error" bash -n "$VG_TMP/sbin/fence_vgbroken"
mount -t overlay overlay -o "lowerdir=$VG_TMP/sbin:/usr/sbin" /usr/sbin ||
	tap_bail "cannot overlay the site agents onto /usr/sbin"

PW='Sel-Test-Pa55-73'
VPW='View-Only-Pa55-19'
(umask 077; echo "$PW" >"$VG_TMP/pw"; echo 'Wrong-Pa55-000' >"$VG_TMP/badpw"
 echo "$VPW" >"$VG_TMP/vpw")
BMC_EXTRA_CONF="  user 3 true \"viewer\" \"$VPW\" user 10 none md2 md5 straight" \
	bmc_start bmc1 127.0.10.1 admin "$VG_TMP/pw" sleep infinity || tap_bail "bmc1 did not start"
bmc_start bmc2 127.0.10.2 admin "$VG_TMP/pw" sleep infinity || tap_bail "bmc2 did not start"
bmc_start bmc3 127.0.10.3 admin "$VG_TMP/pw" sleep infinity || tap_bail "bmc3 did not start"
power_on() {	# n: a freshly started ipmi_sim may miss the first session
	printf 'action=on\nip=127.0.10.%s\nusername=admin\npassword_file=%s\n' "$1" "$VG_TMP/pw" |
		fence_vmguard >"$VG_TMP/on$1.out" 2>&1
	bmc_wait_state "bmc$1" on 3
}
for b in 1 2; do
	vg_wait 30 power_on $b ||
		tap_bail "the host behind bmc$b did not power on: $(cat "$VG_TMP/on$b.out")"
done
bmc_stop bmc3	# the BMC that is down
host1=$(bmc_host_pid bmc1) host2=$(bmc_host_pid bmc2)

CL_STONITH=true cl_start || tap_bail "the cluster did not start"
vg_at_exit cl_stop
tap_diag "cluster up in ${CL_START_MS} ms"
NODE=$(cl_node)
# Nodes that never join; no startup fencing of them.
crm_attribute -n startup-fencing -v false >/dev/null || tap_bail "cannot set startup-fencing"
for n in 2 3 4; do
	cibadmin -C -o nodes -X "<node id='$n' uname='node$n' type='member'/>" ||
		tap_bail "cannot add node$n"
done

dev() {	# id agent hosts extra-nvpairs...
	local id=$1 agent=$2 hosts=$3 nv='' i=0
	shift 3
	for kv in "pcmk_host_list=$hosts" "$@"; do
		i=$((i + 1))
		nv+="<nvpair id='$id-$i' name='${kv%%=*}' value='${kv#*=}'/>"
	done
	cibadmin -C -o resources -X "<primitive id='$id' class='stonith' type='$agent'>
	  <instance_attributes id='$id-ia'>$nv</instance_attributes>
	  <operations><op id='$id-mon' name='monitor' interval='120s' timeout='10s'/></operations>
	</primitive>" || tap_bail "cannot add $id"
}
IPMI="power_timeout=6 login_timeout=2"
dev fence-ok fence_vmguard "$NODE" ip=127.0.10.1 username=admin password_file="$VG_TMP/pw" $IPMI
dev fence-syntax fence_vgbroken node2 logfile="$VG_TMP/broken.log"
dev fence-badpw fence_vmguard node2 ip=127.0.10.2 username=admin password_file="$VG_TMP/badpw" $IPMI
dev fence-down fence_vmguard node3 ip=127.0.10.3 username=admin password_file="$VG_TMP/pw" $IPMI
dev fence-lowpriv fence_vmguard "$NODE" ip=127.0.10.1 username=viewer privlvl=user \
	password_file="$VG_TMP/vpw" $IPMI
dev fence-hang fence_vghang "$NODE" logfile="$VG_TMP/hang.log" pcmk_monitor_timeout=6s \
	pcmk_status_timeout=6s
vg_wait 60 sh -c 'stonith_admin --list-registered 2>/dev/null | grep -q fence-ok' ||
	tap_diag "fence-ok not registered yet"
cl_wait_idle 60
tap_diag "registered: $(stonith_admin --list-registered 2>/dev/null | tr '\n' ' ')"
tap_like "$(crm_resource --locate -r fence-hang 2>&1)" 'is running on' "fence-hang started (before it hangs)"
touch "$VG_TMP/hang"

# ---- the human report ---------------------------------------------------------
t0=$(vg_ms)
"${ST[@]}" -v >"$VG_TMP/human.out" 2>"$VG_TMP/human.err"
rc=$?
ms=$(( $(vg_ms) - t0 ))
out=$(cat "$VG_TMP/human.out")
tap_diag "selftest over 6 devices took $ms ms"
sed 's/^/#   /' "$VG_TMP/human.out"
tap_is "$rc" 2 "exit status 2 (CRITICAL)"
tap_like "$out" "^vmguard selftest on $NODE: CRITICAL - 5 of 6 fence devices failing, 3 of 4 nodes cannot be fenced" \
	"the summary counts 5 failing devices and 3 unfenceable nodes"
tap_like "$out" 'fence-ok +fence_vmguard +OK' "the working device passes"
tap_unlike "$out" 'CRITICAL device fence-ok' "no failure is reported for the working device"
tap_like "$out" 'fence-ok +monitor +OK .*monitor through the fencer answered' \
	"fence-ok: monitor through the fencer passed"
tap_like "$out" "fence-ok +status +$NODE +OK .*status through the fencer: on" \
	"fence-ok: status of $NODE reads on"
tap_like "$out" 'fence-ok +session +OK .*user admin has privilege administrator' \
	"fence-ok: the BMC session has administrator privilege"
tap_like "$out" 'CRITICAL device fence-syntax \(fence_vgbroken\) parse: sh -n /usr/sbin/fence_vgbroken: syntax error: /usr/sbin/fence_vgbroken: [0-9]+: Syntax error: .* -> the installed agent is broken' \
	"the shell syntax error is caught by sh -n (the #! interpreter), with file, line and what to do"
tap_like "$out" "CRITICAL device fence-badpw \(fence_vmguard\) session: BMC 127.0.10.2:623 rejected user admin's credentials.* -> set the right password" \
	"the wrong password is named as such"
tap_like "$out" 'CRITICAL device fence-down \(fence_vmguard\) session: BMC 127.0.10.3:623 did not answer.* -> is the BMC powered and reachable' \
	"the BMC that is down is named as unreachable"
tap_like "$out" 'CRITICAL device fence-down \(fence_vmguard\) monitor: (monitor through the fencer (failed|timed out)|the fencer has not started the device)' \
	"the down BMC also fails its monitor through the fencer"
tap_like "$out" 'CRITICAL device fence-lowpriv \(fence_vmguard\) session: BMC 127.0.10.1:623 (granted user viewer privilege user: chassis control needs operator|refused privilege)' \
	"the BMC user without chassis-control privilege is caught"
tap_like "$out" 'CRITICAL device fence-hang \(fence_vghang\) monitor: (monitor through the fencer timed out|monitor did not answer by its deadline)' \
	"the hanging agent's monitor is reported as timed out"
tap_like "$out" "CRITICAL node node2 coverage: node node2 cannot be fenced: every device for it fails \((fence-syntax, fence-badpw|fence-badpw, fence-syntax)\)" \
	"node2 (two broken devices) is named as unfenceable, with its devices"
tap_like "$out" 'CRITICAL node node3 coverage: node node3 cannot be fenced: every device for it fails \(fence-down\)' \
	"node3 (BMC down) is named as unfenceable"
tap_like "$out" 'CRITICAL node node4 coverage: node node4 cannot be fenced: no fence device names it' \
	"node4 (no device) is named as unfenceable"
tap_like "$out" "coverage +OK +$NODE: fenced by fence-ok" "$NODE is covered by fence-ok (despite fence-lowpriv and fence-hang)"
tap_like "$out" 'WARNING this node vmguardd: not running' "vmguardd not running (not configured here): warning"
tap_cmp "$ms" -lt 30000 "a hung device does not hold up the report (<30 s; measured above)"
tap_like "$(cat "$VG_TMP/human.err")" 'vmguard-selftest.*error: CRITICAL device fence-syntax' \
	"failures are logged through libqb (stderr with -v; syslog always)"

# ---- nothing was powered off ---------------------------------------------------
tap_is "$(bmc_host_pid bmc1)" "$host1" "the host behind bmc1 still runs (same process)"
tap_is "$(bmc_host_pid bmc2)" "$host2" "the host behind bmc2 still runs (same process)"
tap_unlike "$(cat "$(bmc_dir bmc1)/power.log" "$(bmc_dir bmc2)/power.log")" ' off' \
	"no BMC recorded a power-off"
tap_unlike "$(cat "$VG_TMP"/broken.log "$VG_TMP"/hang.log 2>/dev/null)" '(off|reboot)' \
	"no site agent was asked to fence"
# The history query must itself succeed: a query that fails (fencer gone,
# no permission) prints no fencing either, and must not pass for "none".
fence_events() {	# target ('*': all): the fencer's count, or why there is none
	local out rc n
	out=$(stonith_admin --history "$1" --verbose --output-as=xml 2>"$VG_TMP/history.err")
	rc=$?
	n=$(printf '%s\n' "$out" | xmllint --xpath \
		'string(/pacemaker-result[status/@code="0"]/list[@name="fencing history"]/@count)' - 2>/dev/null)
	if [ "$rc" -ne 0 ] || [ -z "$n" ]; then
		echo "history query failed (exit $rc): $(cat "$VG_TMP/history.err" - <<<"$out" | tr '\n' ' ' | cut -c1-300)"
	else
		echo "$n"
	fi
}
tap_is "$(fence_events '*')" 0 "the fencer's history has no fencing (and the query succeeded)"

# ---- node attribute -------------------------------------------------------------
attr=$(attrd_updater -Q -n vmguard-selftest 2>&1)
tap_like "$attr" 'value="critical"' "node attribute vmguard-selftest=critical"
tap_like "$(crm_mon -1 -A 2>&1)" 'vmguard-selftest[[:space:]]+: critical' "crm_mon -A shows it"

# ---- --nagios ---------------------------------------------------------------------
"${ST[@]}" --nagios --no-attribute >"$VG_TMP/nagios.out" 2>/dev/null
rc=$?
tap_is "$rc" 2 "--nagios exits 2 (CRITICAL)"
first=$(head -1 "$VG_TMP/nagios.out")
tap_diag "$first"
tap_like "$first" '^VMGUARD_SELFTEST CRITICAL: [^|]+ \| ' "--nagios: 'SERVICE STATUS: text | perfdata'"
tap_ok "--nagios perfdata parses ('label'=value[UOM];warn;crit;min;max), durations in s" python3 - "$VG_TMP/nagios.out" <<'PY'
import re, sys
first = open(sys.argv[1]).readline().rstrip("\n")
text, perf = first.split(" | ", 1)
item = re.compile(r"^'?([^'=]+)'?=(-?[0-9.]+)(s|ms|%|B|c)?(;[0-9.]*){0,4}$")
vals = {}
for p in perf.split():
    m = item.match(p)
    assert m, p
    vals[m.group(1)] = (float(m.group(2)), m.group(3))
assert vals["devices"][0] == 6 and vals["failing"][0] == 5 and vals["uncovered"][0] == 3, vals
assert vals["time"][1] == "s" and vals["fence-ok_monitor"][1] == "s", vals
PY
tap_is "$(sed -n '2,$p' "$VG_TMP/nagios.out" | grep -c '^CRITICAL ')" "$(grep -c '^CRITICAL ' "$VG_TMP/human.out")" \
	"--nagios long output: one line per failure, as many as the human report"
tap_unlike "$(cat "$VG_TMP"/*.out "$VG_TMP/human.err")" "$PW|$VPW" "no password in any output"

# ---- --json -------------------------------------------------------------------------
"${ST[@]}" --json --no-attribute >"$VG_TMP/json.out" 2>/dev/null
rc=$?
tap_is "$rc" 2 "--json exits 2"
tap_ok "--json is valid JSON" python3 -m json.tool "$VG_TMP/json.out" /dev/null
tap_ok "--json names each failure by device, check and target" python3 - "$VG_TMP/json.out" "$NODE" <<'PY'
import json, sys
j = json.load(open(sys.argv[1])); node = sys.argv[2]
assert j["status"] == "CRITICAL" and j["exit_code"] == 2
d = {x["id"]: x for x in j["devices"]}
assert set(d) == {"fence-ok", "fence-syntax", "fence-badpw", "fence-down", "fence-lowpriv", "fence-hang"}
assert d["fence-ok"]["status"] == "OK", d["fence-ok"]
def check(dev, name):
    return [c for c in d[dev]["checks"] if c["check"] == name]
assert check("fence-syntax", "parse")[0]["status"] == "CRITICAL"
assert "syntax error" in check("fence-syntax", "parse")[0]["message"]
assert "rejected" in check("fence-badpw", "session")[0]["message"]
assert check("fence-down", "session")[0]["status"] == "CRITICAL"
assert check("fence-hang", "monitor")[0]["status"] == "CRITICAL"
st = check("fence-ok", "status")[0]
assert st["target"] == node and st["power"] == "on" and st["status"] == "OK", st
assert all(c["action"] for x in d.values() for c in x["checks"] if c["status"] == "CRITICAL")
n = {x["name"]: x for x in j["nodes"]}
assert n[node]["status"] == "OK" and n[node]["online"] is True
assert all(n[k]["status"] == "CRITICAL" for k in ("node2", "node3", "node4")), n
assert j["devices_failing"] == 5 and j["nodes_uncovered"] == 3
assert len(j["failures"]) >= 8
PY

# ---- a hung check is cut at its deadline ----------------------------------------------
t0=$(vg_ms)
"${ST[@]}" --json --no-attribute --timeout 2 >"$VG_TMP/short.out" 2>/dev/null
ms=$(( $(vg_ms) - t0 ))
tap_diag "with --timeout 2: $ms ms"
tap_ok "with --timeout 2 the hanging device is still reported, as failed" python3 -c '
import json, sys
d = {x["id"]: x for x in json.load(open(sys.argv[1]))["devices"]}
assert d["fence-hang"]["status"] == "CRITICAL" and d["fence-ok"]["status"] == "OK", d' "$VG_TMP/short.out"
tap_cmp "$ms" -lt 15000 "and the report comes within a few check deadlines (<15 s; measured above)"

# ---- vmguardd configured but not running: critical -------------------------------------
printf 'watchdog = no\nstatus_file = %s/vmguardd.status\n' "$VG_TMP" >"$VG_TMP/vmguardd.conf"
"${ST[@]}" --json --no-attribute -c "$VG_TMP/vmguardd.conf" >"$VG_TMP/vg.out" 2>/dev/null
tap_ok "vmguardd configured but not running: CRITICAL 'not running'" python3 -c '
import json, sys
l = {x["check"]: x for x in json.load(open(sys.argv[1]))["local"]}
assert l["vmguardd"]["status"] == "CRITICAL" and "not running" in l["vmguardd"]["message"], l' "$VG_TMP/vg.out"
tap_done
