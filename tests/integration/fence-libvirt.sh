#!/bin/bash
# fence_vmguard's libvirt backend (nodes that are VMs): against a real
# libvirtd with a real qemu domain.  off must destroy the domain and the
# agent must see it shut off; the qemu process must be gone.
. "$(dirname "$0")/../lib/tap.sh"; . "$(dirname "$0")/../lib/env.sh"; vg_ns_enter "$0" "$@"
. "$VG_TOP/tests/lib/libvirt.sh"

F=$VG_BUILD/fence/fence_vmguard
[ -x "$F" ] || tap_bail "$F not built"
lv_start || tap_bail "libvirtd did not start"
lv_guest node1 || tap_bail "cannot start the guest"
qpid=$(lv_qemu_pid node1)
tap_ok "the guest's qemu runs" lv_qemu_alive "$qpid"

agent() {	# action [lines...]
	local a=$1 t0
	shift
	t0=$(vg_ms)
	OUT=$({ printf 'action=%s\nbackend=libvirt\nuri=%s\n' "$a" "$LV_URI"; printf '%s\n' "$@"; } |
		"$F" 2>"$VG_TMP/err"); RC=$?
	MS=$(( $(vg_ms) - t0 ))
	ERR=$(cat "$VG_TMP/err")
}

agent monitor
tap_is "$RC" 0 "monitor: libvirtd answers"
agent list
tap_like "$OUT" '^node1,[0-9a-f-]{36}$' "list prints the domain and its UUID"
agent list-status
tap_like "$OUT" '^node1,[0-9a-f-]{36},on$' "list-status: a paused domain counts as on"
agent status plug=node1
tap_is "$RC:$OUT" "0:Status: ON" "status of the running domain exits 0"
agent status port=nosuchnode
tap_is "$RC" 1 "status of an unknown domain exits 1"
tap_like "$ERR" 'nosuchnode' "and names it"

agent off plug=node1 nodename=node1
tap_is "$RC:$OUT" "0:Success: Powered OFF" "off exits 0"
tap_diag "off + verify took $MS ms"
tap_is "$(virsh -c "$LV_URI" domstate node1 2>/dev/null)" "shut off" "libvirt reports the domain shut off"
tap_ok "the qemu process is gone" vg_wait 5 sh -c "! [ -d /proc/$qpid ] || grep -q '^State:.*Z' /proc/$qpid/status"
agent status plug=node1
tap_is "$RC:$OUT" "2:Status: OFF" "status of the destroyed domain exits 2"

agent on plug=node1
tap_is "$RC:$OUT" "0:Success: Powered ON" "on starts the shut-off domain"
qpid=$(lv_qemu_pid node1)
domid=$(virsh -c "$LV_URI" domid node1 2>/dev/null)
tap_ok "its qemu runs" lv_qemu_alive "$qpid"

# reboot of a running domain: the off half must really shut it off.  A
# running domain keeps its qemu process and its domain ID; only a domain
# that was shut off and started again gets new ones.
agent reboot plug=node1
tap_is "$RC:$OUT" "0:Success: Rebooted" "reboot of the running domain exits 0"
tap_diag "reboot took $MS ms"
tap_is "$(virsh -c "$LV_URI" domstate node1 2>/dev/null)" "running" "the domain runs again"
qpid2=$(lv_qemu_pid node1)
domid2=$(virsh -c "$LV_URI" domid node1 2>/dev/null)
tap_fail "the old qemu process is gone (the domain was off in between)" lv_qemu_alive "$qpid"
tap_ok "a new qemu process runs" sh -c "[ -n '$qpid2' ] && [ '$qpid2' != '$qpid' ] && [ -d /proc/$qpid2 ]"
tap_ok "libvirt gave the domain a new ID ($domid -> $domid2): it was shut off and started" \
	sh -c "[ '$domid' -ge 1 ] && [ '$domid2' -gt '$domid' ]"
agent on plug=node1
tap_is "$RC" 0 "on of a running domain succeeds"
tap_is "$(lv_qemu_pid node1)" "$qpid2" "  and leaves its qemu alone"

# A hung libvirtd: the agent answers by power_timeout, with "timed out".
kill -STOP "$(cat "$LV_PIDFILE")"
agent status plug=node1 power_timeout=2
kill -CONT "$(cat "$LV_PIDFILE")"
tap_is "$RC" 1 "status against a SIGSTOPped libvirtd exits 1"
tap_like "$ERR" 'timed out' "stderr says timed out"
tap_cmp "$MS" -lt 5000 "within power_timeout (2 s) plus slack"
tap_diag "stopped libvirtd: exit after $MS ms"
agent off
tap_is "$RC" 1 "off without plug exits 1"
tap_like "$ERR" 'needs plug' "and says plug is needed"
tap_done
