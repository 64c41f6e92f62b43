#!/bin/bash
# Every configuration snippet of the operator's guide (doc/guide.md), applied
# to a real one-node Corosync + Pacemaker whose node is hv1, as the guide's
# hv1 would: the pcs variant first, then (after the configuration is
# emptied) the crm variant, which must produce the same configuration.
# After each: crm_verify -L is clean, fence-hv2 is registered with the
# fencer and started (its monitor logged in to the BMC with the password
# file), fence-hv1 is kept off hv1, the libvirtd clone runs with on-fail=fence
# monitors, the frontend group runs.  The file snippets (vmguardd.conf,
# oned.conf, the hook template, the cron line) are checked against the
# programs that read them, and the host-failure hook is run the way
# OpenNebula runs it: as oneadmin, fencing hv2 through Pacemaker's fencer and
# hv2's (simulated) BMC.
#
# A snippet is the indented block after a "# [name]" line in the guide.  The
# test applies them unchanged except for:
#   - the frontend's binary= and scheduler=: Debian has no OpenNebula, so
#     they name the stand-in tests/lib/fake-oned (a real XML-RPC server);
#   - nothing else.  The BMCs are ipmi_sim at the guide's own addresses
#     10.0.0.101 and 10.0.0.102 (added to lo in this network namespace), the
#     VIP's network 192.168.10.0/24 is a veth here, /etc and /var/lib are
#     overlays on a tmpfs (so /etc/vmguard, /etc/one, /var/lib/one and the
#     oneadmin user exist only for this test), and the node is named hv1.
# Nothing here powers off anything but the simulated hv2 (its BMC's "host"
# is a sleep process that starts powered off).
. "$(dirname "$0")/../lib/tap.sh"; . "$(dirname "$0")/../lib/env.sh"; vg_ns_enter "$0" "$@"
. "$VG_TOP/tests/lib/libvirt.sh"
. "$VG_TOP/tests/lib/cluster.sh"
. "$VG_TOP/tests/lib/bmc.sh"

GUIDE=$VG_TOP/doc/guide.md
SNIPPETS="bmc-password-files crm-fence-devices pcs-fence-devices crm-libvirtd-clone-fenced
pcs-libvirtd-clone-fenced crm-frontend pcs-frontend vmguardd-conf cron-selftest
one-fence-host one-fence-host-map oneadmin-haclient one-host-error-hook oned-monitoring
timing-example"

guide_block() {	# name: the indented block after "    # [name]" in the guide
	sed -n "/^    # \[$1\]\$/,/^\$/p" "$GUIDE" | sed -e '1d' -e '/^$/d' -e 's/^    //'
}
run_block() {	# name [sed expression]: run the snippet with bash -e, log in $VG_TMP/<name>.log
	guide_block "$1" | sed -e "${2:-}" >"$VG_TMP/$1.sh"
	timeout 180 bash -e "$VG_TMP/$1.sh" >"$VG_TMP/$1.log" 2>&1 && return 0
	sed 's/^/#   /' "$VG_TMP/$1.log"
	return 1
}

# --- the guide's snippets are the ones this test knows ---------------------------
tap_is "$(grep -o '^    # \[[a-z0-9-]*\]$' "$GUIDE" | sed 's/.*\[\(.*\)\]/\1/' | sort | tr '\n' ' ')" \
	"$(echo $SNIPPETS | tr ' ' '\n' | sort | tr '\n' ' ')" \
	"every snippet in the guide is one this test applies (and none is missing)"
for s in $SNIPPETS; do
	[ -n "$(guide_block "$s")" ] || tap_diag "snippet [$s] is empty"
done

# --- the machine the guide's hv1 would be --------------------------------------------
OVL=$VG_TMP/ovl
mkdir -p "$OVL" && mount -t tmpfs -o mode=755 tmpfs "$OVL" || tap_bail "no tmpfs for the overlays"
vg_at_exit "umount -l '$OVL'"	# (runs last: exit commands run in reverse)
for d in /etc /var/lib; do
	n=$(echo "$d" | tr / _)
	mkdir -p "$OVL/$n/u" "$OVL/$n/w"
	mount -t overlay overlay -o "lowerdir=$d,upperdir=$OVL/$n/u,workdir=$OVL/$n/w" "$d" ||
		tap_bail "cannot overlay $d"
	vg_at_exit "umount -l $d"
done
hostname hv1
printf '127.0.0.1 localhost\n192.168.10.11 hv1\n192.168.10.12 hv2\n::1 localhost\n' >/etc/hosts
# The management network (the VIP's subnet) and the BMCs' addresses.
ip link add vgmgmt type veth peer name vgmgmt-peer && ip addr add 192.168.10.11/24 dev vgmgmt &&
	ip link set vgmgmt-peer up && ip link set vgmgmt up || tap_bail "cannot create the management interface"

vg_ns_install
lv_setup
chmod 755 "$VG_TMP"	# oneadmin runs the stand-in oned's scheduler and the hook wrapper from here

PW="bmc-$(od -An -N6 -tx1 /dev/urandom | tr -d ' ')"	# IPMI 1.5 users: 16 bytes at most
(umask 077; echo "$PW" >"$VG_TMP/bmc-pw")
bmc_start hv1 10.0.0.101 admin "$VG_TMP/bmc-pw" sleep infinity || tap_bail "BMC of hv1 did not start"
bmc_start hv2 10.0.0.102 admin "$VG_TMP/bmc-pw" sleep infinity || tap_bail "BMC of hv2 did not start"
printf 'action=on\nip=10.0.0.102\nusername=admin\npassword_file=%s\n' "$VG_TMP/bmc-pw" |
	fence_vmguard >"$VG_TMP/on.out" 2>&1
tap_ok "the simulated hv2 runs (its BMC powered it on)" bmc_wait_state hv2 on 20 ||
	tap_diag "$(cat "$VG_TMP/on.out")"

# OpenNebula as a package would leave it: the oneadmin user (home
# /var/lib/one), /etc/one/oned.conf, the ONE_AUTH file, the hooks directory.
# oned itself is tests/lib/fake-oned.
echo "oneadmin:x:9869:9869:OpenNebula:/var/lib/one:/bin/false" >>/etc/passwd
echo "oneadmin:x:9869:" >>/etc/group
SECRET="one-$(od -An -N8 -tx8 /dev/urandom | tr -d ' ')"
mkdir -p /etc/one /var/lib/one/.one /var/lib/one/remotes/hooks/ft /run/one /run/lock/one
cat >/etc/one/oned.conf <<EOF
PORT = 2633
LISTEN_ADDRESS = "127.0.0.1"
DB = [ BACKEND = "sqlite" ]
FAKE_AUTH = "oneadmin:$SECRET"
FAKE_API_DELAY = 1
FAKE_EXIT_DELAY = 1
EOF
(umask 077; echo "oneadmin:$SECRET" >/var/lib/one/.one/one_auth)
chown -R oneadmin:oneadmin /var/lib/one /run/one /run/lock/one
mkdir -p "$VG_TMP/bin" && ln -s "$VG_TOP/tests/lib/fake-oned" "$VG_TMP/bin/mm_sched"
FRONTEND_PATHS="s|user=oneadmin|binary=$VG_TOP/tests/lib/fake-oned scheduler=$VG_TMP/bin/mm_sched user=oneadmin|"

cl_start || tap_bail "the cluster did not start"
vg_at_exit cl_stop
mkdir -p /var/log/one && chown oneadmin:oneadmin /var/log/one	# on cl_start's private /var/log
tap_diag "one-node cluster (node $(cl_node)) up in $CL_START_MS ms"
# The guide's cluster has two nodes; here hv2 is a configured node that is
# offline, as after a power cut: in corosync.conf's nodelist (pcs checks
# constraint nodes against it; corosync is not reloaded, so this one-node
# cluster keeps its quorum) and in the CIB.  startup-fencing=false: this
# test's hv2 never joined, so it is not fenced for that; the fences below
# are the hook's, on request.
sed -i 's|^\( *\)nodelist {|&\n\1    node {\n\1        ring0_addr: 192.168.10.12\n\1        name: hv2\n\1        nodeid: 2\n\1    }|' \
	/etc/corosync/corosync.conf
grep -q 'name: hv2' /etc/corosync/corosync.conf || tap_bail "cannot add hv2 to corosync.conf"
cibadmin -C -o nodes -X '<node id="2" uname="hv2"/>' &&
	crm_attribute -t crm_config -n startup-fencing -v false >/dev/null ||
	tap_bail "cannot add the offline node hv2"

# --- BMC password files (section 3) -------------------------------------------------
tap_ok "[bmc-password-files] applies" run_block bmc-password-files
tap_is "$(stat -c '%a %U' /etc/vmguard/bmc-hv1.pass /etc/vmguard/bmc-hv2.pass | sort -u)" "600 root" \
	"  both files are 0600 root"
# "then write each BMC's password as the first line of its file"
cat "$VG_TMP/bmc-pw" >/etc/vmguard/bmc-hv1.pass
cat "$VG_TMP/bmc-pw" >/etc/vmguard/bmc-hv2.pass

# --- the cluster configuration, pcs then crm --------------------------------------------
running_on_hv1() { crm_resource --locate -r "$1" 2>/dev/null | grep -q "is running on: hv1"; }
started() {
	local r
	for r in fence-hv2 libvirtd-clone one-vip one-oned; do running_on_hv1 "$r" || return 1; done
}
empty_config() {	# remove every resource, constraint and the guide's properties
	cibadmin --replace -o constraints -X '<constraints/>' &&
		cibadmin --replace -o resources -X '<resources/>' &&
		crm_attribute -t crm_config -n stonith-timeout -D >/dev/null 2>&1
	crm_attribute -t crm_config -n stonith-enabled -v false >/dev/null &&
		cl_wait_idle 120 && crm_resource --cleanup >/dev/null 2>&1 && cl_wait_idle 60
}
# The configuration as a sorted list of facts, so that pcs's and crm's can be
# compared: resources (class:provider:type, parent, attributes), recurring
# operations, start/stop timeouts that differ from the agent's default (pcs
# writes the defaults out, crm leaves them implicit), constraints by
# resource/node/score, the guide's cluster properties.
summary() {
	cibadmin -Q >"$VG_TMP/cib.xml"
	python3 - "$VG_TMP/cib.xml" <<'EOF'
import re, subprocess, sys
import xml.etree.ElementTree as ET
cib = ET.parse(sys.argv[1]).getroot()
out = []
def nv(el, tag):
    return sorted("%s=%s" % (n.get("name"), n.get("value"))
                  for s in el.findall(tag) for n in s.findall("nvpair"))
defaults = {}
def agent_default(p, action):
    key = (p.get("class"), p.get("provider"), p.get("type"))
    if key not in defaults:
        spec = p.get("class") + ":" + ((p.get("provider") + ":") if p.get("provider") else "") + p.get("type")
        md = subprocess.run(["crm_resource", "--show-metadata", spec], capture_output=True, text=True).stdout
        defaults[key] = {a.get("name"): a.get("timeout") for a in ET.fromstring(md).iter("action")} if md else {}
    return defaults[key].get(action)
def secs(t):
    m = re.match(r"^(\d+)(ms|s|min|m|h)?$", t or "")
    if not m: return t
    return int(m.group(1)) * {"ms": 0.001, None: 1, "s": 1, "min": 60, "m": 60, "h": 3600}[m.group(2)]
res = cib.find("configuration/resources")
for parent in [res] + list(res.iter("clone")) + list(res.iter("group")):
    pid = parent.get("id", "-")
    if parent.tag != "resources":
        out.append("%s %s meta %s" % (parent.tag, pid, nv(parent, "meta_attributes")))
    if parent.tag == "group":
        out.append("group %s members %s" % (pid, [c.get("id") for c in parent.findall("primitive")]))
    for p in parent.findall("primitive"):
        spec = ":".join(x for x in (p.get("class"), p.get("provider"), p.get("type")) if x)
        out.append("primitive %s %s in %s params %s meta %s" % (p.get("id"), spec, pid,
                   nv(p, "instance_attributes"), nv(p, "meta_attributes")))
        for op in p.iter("op"):
            iv = op.get("interval", "0")
            extra = nv(op, "instance_attributes")
            if op.get("on-fail"):
                extra = sorted(extra + ["on-fail=" + op.get("on-fail")])
            if secs(iv) == 0:
                if secs(op.get("timeout")) == secs(agent_default(p, op.get("name"))) and not extra:
                    continue
            out.append("op %s %s interval=%s timeout=%s %s" % (p.get("id"), op.get("name"),
                       secs(iv), secs(op.get("timeout")), extra))
for c in cib.find("configuration/constraints"):
    score = c.get("score", "").upper().replace("INFINITY", "INF")
    out.append("%s %s node=%s score=%s" % (c.tag, c.get("rsc"), c.get("node"), score))
for n in cib.iter("nvpair"):
    if n.get("name") in ("stonith-enabled", "stonith-timeout") and n.get("id", "").startswith("cib-bootstrap"):
        out.append("property %s=%s" % (n.get("name"), n.get("value")))
print("\n".join(sorted(out)))
EOF
}
on_fail_fence_monitors() {	# how many of libvirtd's monitors have on-fail=fence
	cibadmin -Q -o resources | xmllint --xpath \
		'count(//primitive[@id="libvirtd"]/operations/op[@name="monitor"][@on-fail="fence"])' -
}

for tool in pcs crm; do
	t0=$(vg_ms)
	tap_ok "[$tool-fence-devices] applies" run_block "$tool-fence-devices"
	tap_ok "[$tool-libvirtd-clone-fenced] applies" run_block "$tool-libvirtd-clone-fenced"
	tap_ok "[$tool-frontend] applies (binary= and scheduler= name the stand-in oned)" \
		run_block "$tool-frontend" "$FRONTEND_PATHS"
	tap_ok "$tool: everything starts on hv1 (fence-hv2, libvirtd-clone, one-vip, one-oned)" vg_wait 120 started ||
		crm_mon -1 2>&1 | sed 's/^/#   /'
	tap_diag "$tool: configured and started in $(( $(vg_ms) - t0 )) ms"
	cl_wait_idle 60
	out=$(crm_verify -L 2>&1)
	tap_is "$?:$out" "0:" "$tool: crm_verify -L is clean"
	reg=$(stonith_admin --list-registered 2>&1)
	tap_like "$reg" 'fence-hv2' "$tool: stonith_admin --list-registered has fence-hv2 (it fences hv2)"
	tap_unlike "$reg" 'fence-hv1' "$tool:   and not fence-hv1 (kept off the host it fences)"
	tap_like "$(stonith_admin --list hv2 2>&1)" 'fence-hv2' "$tool: the fencer can fence hv2 with fence-hv2"
	tap_is "$(on_fail_fence_monitors)" 2 "$tool: both libvirtd monitors are on-fail=fence"
	tap_is "$(crm_attribute -t crm_config -n stonith-enabled -G -q 2>/dev/null) $(crm_attribute -t crm_config -n stonith-timeout -G -q 2>/dev/null)" \
		"true 30s" "$tool: stonith-enabled=true, stonith-timeout=30s"
	tap_ok "$tool: the VIP 192.168.10.100 is up" sh -c 'ip -o addr show | grep -q " inet 192.168.10.100/24 "'
	summary >"$VG_TMP/summary.$tool"
	if [ "$tool" = pcs ]; then
		tap_ok "the pcs configuration is emptied again" empty_config
		tap_ok "  and everything stopped" vg_wait 60 sh -c '! crm_resource --list 2>/dev/null | grep -q Started'
	fi
done
tap_is "$(diff "$VG_TMP/summary.pcs" "$VG_TMP/summary.crm")" "" \
	"pcs and crm snippets configure the same ($(wc -l <"$VG_TMP/summary.crm") facts: resources, operations, constraints, properties)"

# --- vmguardd.conf and the timing rule (sections 6 and 9) --------------------------------
guide_block vmguardd-conf >/etc/vmguard/vmguardd.conf
out=$(vmguardd --check-config 2>&1)
tap_is "$?" 0 "[vmguardd-conf] as /etc/vmguard/vmguardd.conf: vmguardd --check-config accepts it"
tap_is "$out" "$(guide_block timing-example)" "[timing-example] is exactly what vmguardd --check-config prints for it"
conf() { sed -n "s/^$1 *= *//p" /etc/vmguard/vmguardd.conf; }
tap_is "$(conf fence_timeout)" "$(crm_attribute -t crm_config -n stonith-timeout -G -q 2>/dev/null)" \
	"fence_timeout equals the cluster's stonith-timeout, as section 9 says"

# --- the cron line is the shipped one (section 7) ------------------------------------------
shipped=$(grep -Ev '^[[:space:]]*(#|$|[A-Z_]+=)' "$VG_TOP/fence/vmguard.cron" | tr -s ' \t' ' ')
tap_is "$(guide_block cron-selftest | tr -s ' \t' ' ')" "$shipped" "[cron-selftest] is fence/vmguard.cron's line"
tap_like "$(vmguard selftest --help 2>&1)" '--quiet' "  vmguard selftest knows --quiet"

# --- OpenNebula's side (section 8) -------------------------------------------------------------
hook() { guide_block one-host-error-hook | sed -n "s/^$1 *= *\"\(.*\)\"\$/\1/p"; }
tap_is "$(hook TYPE) $(hook RESOURCE) $(hook STATE) $(hook REMOTE) $(hook COMMAND)" \
	"state HOST ERROR no ft/host_error.rb" "[one-host-error-hook]: a state hook on HOST ERROR running ft/host_error.rb locally"
p=$(hook ARGUMENTS | sed -n 's/.*-p \([0-9]*\).*/\1/p')
tap_like "$(hook ARGUMENTS)" '^\$TEMPLATE .*-m' "  with the host template and -m"
tap_is "$p" "$(conf frontend_p)" "  its -p is vmguardd.conf's frontend_p"
guide_block oned-monitoring >>/etc/one/oned.conf
mi=$(sed -n 's/^MONITORING_INTERVAL_HOST *= *\([0-9]*\).*/\1/p' /etc/one/oned.conf)
tap_is "${mi}s" "$(conf frontend_monitoring_interval)" "[oned-monitoring]: MONITORING_INTERVAL_HOST is frontend_monitoring_interval"

as_oneadmin() { setpriv --reuid=oneadmin --regid=oneadmin --init-groups "$@"; }
tap_fail "before [oneadmin-haclient], oneadmin cannot talk to the fencer" \
	sh -c 'setpriv --reuid=oneadmin --regid=oneadmin --init-groups stonith_admin --list-registered >/dev/null 2>&1'
tap_ok "[oneadmin-haclient] applies" run_block oneadmin-haclient
tap_like "$(id -nG oneadmin)" '(^| )haclient( |$)' "  oneadmin is in haclient"
tap_like "$(as_oneadmin stonith_admin --list-registered 2>&1)" 'fence-hv2' "  and now reaches the fencer"

tap_ok "[one-fence-host] applies" run_block one-fence-host
FH=/var/lib/one/remotes/hooks/ft/fence_host.sh
tap_is "$(readlink -f "$FH")" /usr/sbin/vmguard "  $FH is vmguard"
echo 'not base64 at all' | as_oneadmin "$FH" >"$VG_TMP/fh-bad.out" 2>&1
tap_is "$?" 2 "  run with bad input it exits 2 (OpenNebula recovers nothing)"
# --verbose: without it stonith_admin shows one success per target (here:
# the oldest), so a second fence would not add to the count.
fences() {	# target [status]: fence actions in the fencer's (whole) history
	stonith_admin --history "$1" --verbose --output-as=xml 2>/dev/null |
		xmllint --xpath "count(//fence_event[@target='$1']${2:+[@status='$2']})" - 2>/dev/null
}
last_success() {	# target: the fencer's successful fences of it, as XML elements
	stonith_admin --history "$1" --verbose --output-as=xml 2>/dev/null |
		grep -o '<fence_event [^>]*>' | grep "target=\"$1\"" | grep 'status="success"'
}
tap_is "$(fences hv2)" 0 "  and no fence was requested"

host_xml() { printf '<HOST><ID>%s</ID><NAME>%s</NAME><STATE>3</STATE></HOST>' "$1" "$2" | base64 -w0; }
t0=$(vg_ms)
host_xml 1 hv2 | as_oneadmin "$FH" >"$VG_TMP/fh.out" 2>&1
rc=$?
tap_is "$rc" 0 "as OpenNebula runs it (oneadmin, hv2's XML on stdin) it fences hv2 and exits 0" ||
	sed 's/^/#   /' "$VG_TMP/fh.out"
tap_diag "fence-host took $(( $(vg_ms) - t0 )) ms"
tap_ok "  hv2 is off (its BMC cut the power)" bmc_wait_state hv2 off 10
tap_is "$(fences hv2 success)" 1 "  the fencer's history has the successful fence of hv2"

# The wrapper for other host names: hv2.example.org is the cluster's hv2.
guide_block one-fence-host-map >"$VG_TMP/fence_host_map.sh" && chmod 755 "$VG_TMP/fence_host_map.sh"
printf 'action=on\nip=10.0.0.102\nusername=admin\npassword_file=%s\n' "$VG_TMP/bmc-pw" | fence_vmguard >/dev/null 2>&1
tap_ok "hv2 powered on again" bmc_wait_state hv2 on 20
offs() { grep -c ' off$' "$(bmc_dir hv2)/power.log"; }	# power cuts hv2's BMC carried out
first=$(offs)
fenced=$(fences hv2 success)
asked=$(date +%s)
host_xml 1 hv2.example.org | as_oneadmin "$VG_TMP/fence_host_map.sh" >"$VG_TMP/fhm.out" 2>&1
tap_is "$?" 0 "[one-fence-host-map]: hv2.example.org is fenced as hv2" || sed 's/^/#   /' "$VG_TMP/fhm.out"
tap_ok "  hv2 is off again" bmc_wait_state hv2 off 10
tap_is "$(offs)" $((first + 1)) "  hv2's BMC cut the power once more"
# That power cut must be the fencer's: a hook that powered hv2 off itself,
# bypassing the fencer, would leave the fencer's history as it
# was.  One more successful fence of hv2, completed since the hook was run.
tap_is "$(fences hv2 success)" "$((fenced + 1))" "  the fencer's history has one more successful fence of hv2 (the hook went through the fencer)"
newest=$(last_success hv2 | sed -n 's/.* completed="\([^"]*\)".*/\1/p' | sort | tail -1)
tap_diag "successful fences of hv2: $(last_success hv2 | tr '\n' ' ')"
tap_ok "  and it completed after the hook was run" \
	sh -c '[ -n "$1" ] && [ "$(date -d "$1" +%s)" -ge "$2" ]' _ "$newest" "$asked"

tap_ok "crm_verify -L still clean at the end" crm_verify -L
tap_done
