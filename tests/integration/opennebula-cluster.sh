#!/bin/bash
# The HA frontend layout in a real one-node Pacemaker: a group of a virtual IP
# (ocf:heartbeat:IPaddr2 on a veth interface) and ocf:vmguard:opennebula,
# configured with the crm snippet the README shows.  Killing or hanging the
# frontend makes Pacemaker recover it.  oned is tests/lib/fake-oned (see
# opennebula-agent.sh); "oneadmin" exists only in this mount namespace.
. "$(dirname "$0")/../lib/tap.sh"; . "$(dirname "$0")/../lib/env.sh"; vg_ns_enter "$0" "$@"
. "$VG_TOP/tests/lib/cluster.sh"

. "$VG_TOP/tests/lib/one.sh"
VIP=10.99.9.100

vg_ns_install
one_setup
PIDFILE=$VG_TMP/run/oned.pid

# The "public" network the VIP lives on: one end of a veth pair (this
# machine's kernel has no dummy interfaces).
ip link add vgfront type veth peer name vgpeer && ip addr add 10.99.9.1/24 dev vgfront &&
	ip link set vgpeer up && ip link set vgfront up ||
	tap_bail "cannot create an interface for the VIP"

cl_start || tap_bail "the cluster did not start"
vg_at_exit cl_stop
tap_diag "one-node cluster up in $CL_START_MS ms"

# The README's snippet, with this test's paths.
# README's snippets, with only what a test must change: the VIP's address and
# interface, and where this test's oned, its files and its API live.
test_paths() {
	sed -e "s|ip=192.168.100.10 cidr_netmask=24|ip=$VIP cidr_netmask=24 nic=vgfront|" \
	    -e "s|one_auth=/var/lib/one/.one/one_auth|one_auth=$VG_TMP/one_auth binary=$FAKE location=$L user=oneadmin pidfile=$PIDFILE scheduler=$VG_TMP/bin/mm_sched scheduler_pidfile=$VG_TMP/run/sched.pid endpoint=http://127.0.0.1:2633/RPC2|"
}
vg_readme_block pcs-frontend | test_paths >"$VG_TMP/frontend.pcs"
tap_ok "README's pcs frontend snippet applies" timeout 120 bash -e "$VG_TMP/frontend.pcs"
tap_ok "  and Pacemaker starts the group" vg_wait 90 sh -c \
	"crm_resource --locate -r one-oned 2>/dev/null | grep -q 'is running on'"
tap_like "$(cibadmin -Q -o resources)" '<group id="one-frontend">' "  as a group"
tap_ok "pcs resource delete" timeout 120 pcs resource delete one-frontend
tap_ok "  the group is gone" vg_wait 90 sh -c '! crm_resource --list 2>/dev/null | grep -q one-'
vg_wait 60 sh -c "! [ -s '$PIDFILE' ] || ! kill -0 \$(cat '$PIDFILE') 2>/dev/null"

vg_readme_block crm-frontend | test_paths >"$VG_TMP/frontend.crm"
timeout 120 bash -e "$VG_TMP/frontend.crm" >"$VG_TMP/crm.log" 2>&1
tap_is "$?" 0 "README's crm frontend snippet applies" || sed 's/^/# /' "$VG_TMP/crm.log"
t0=$(vg_ms)
cl_wait_idle 90
tap_diag "group started in $(( $(vg_ms) - t0 )) ms"

running() { crm_resource --locate -r "$1" 2>/dev/null | grep -q "is running on: $(cl_node)"; }
api_answers() {
	curl -s --max-time 2 -H 'Content-Type: text/xml' --data-binary @- \
		http://127.0.0.1:2633/RPC2 <<-EOF | grep -q '<string>6.10.0</string>'
	<?xml version="1.0"?><methodCall><methodName>one.system.version</methodName>
	<params><param><value><string>$(cat "$VG_TMP/one_auth")</string></value></param></params></methodCall>
	EOF
}
failcount() { crm_failcount --query -r one-oned -N "$(cl_node)" 2>/dev/null | sed -n 's/.*value=\([0-9]*\).*/\1/p'; }
pid_alive() { [ -n "$1" ] && [ -d "/proc/$1" ] && ! grep -q '^State:.*Z' "/proc/$1/status"; }

tap_ok "the VIP is running" running one-vip
tap_ok "the frontend is running" running one-oned
tap_ok "the VIP is on the interface" sh -c "ip -4 addr show dev vgfront | grep -q '$VIP/'"
PID=$(cat "$PIDFILE" 2>/dev/null)
tap_ok "oned answers its API (PID $PID)" api_answers
tap_is "$(awk '/^Uid:/ {print $2}' "/proc/$PID/status")" 9869 "oned runs as oneadmin under Pacemaker"

# ---- kill -9: the 5 s monitor sees "not running", Pacemaker restarts it ----
t0=$(vg_ms)
kill -KILL "$PID"
vg_wait 60 sh -c "p=\$(cat '$PIDFILE' 2>/dev/null); [ -n \"\$p\" ] && [ \"\$p\" != $PID ] && [ -d /proc/\$p ]"
tap_is "$?" 0 "after kill -9, Pacemaker started a new oned"
vg_wait 30 api_answers
tap_is "$?" 0 "... whose API answers"
tap_diag "recovered from kill -9 in $(( $(vg_ms) - t0 )) ms"
cl_wait_idle 60
tap_ok "the frontend is running again" running one-oned
tap_is "$(failcount)" 1 "the failure was counted once"
tap_ok "the VIP stayed up" running one-vip

# ---- SIGSTOP: the monitor fails by its deadline, stop kills, start ----------
PID=$(cat "$PIDFILE")
t0=$(vg_ms)
kill -STOP "$PID"
vg_wait 90 sh -c "p=\$(cat '$PIDFILE' 2>/dev/null); [ -n \"\$p\" ] && [ \"\$p\" != $PID ]"
tap_is "$?" 0 "after SIGSTOP, Pacemaker replaced the hung oned"
vg_wait 30 api_answers
tap_is "$?" 0 "... and the new one answers"
tap_diag "recovered from SIGSTOP in $(( $(vg_ms) - t0 )) ms"
tap_fail "the hung oned is gone" pid_alive "$PID"
cl_wait_idle 60
tap_is "$(failcount)" 2 "the failure count is 2"

# ---- stopping the group stops oned and the scheduler --------------------------
PID=$(cat "$PIDFILE")
SPID=$(cat "$VG_TMP/run/sched.pid")
crm resource stop one-frontend >/dev/null 2>&1
cl_wait_idle 90
tap_fail "oned is stopped" pid_alive "$PID"
tap_fail "the scheduler is stopped" pid_alive "$SPID"
tap_fail "oned's lock is gone" test -e "$L/var/lock/.lock"
tap_fail "the VIP is gone" sh -c "ip -4 addr show dev vgfront | grep -q '$VIP/'"
printf '%s\n' "$SECRET" >"$VG_TMP/secret.pattern"
tap_fail "the password is nowhere in Pacemaker's logs" \
	grep -rqaF -f "$VG_TMP/secret.pattern" /var/log/pacemaker /var/lib/pacemaker/cib

tap_done
