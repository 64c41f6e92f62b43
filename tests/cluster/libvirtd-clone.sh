#!/bin/bash
# The libvirtd clone in a real one-node Corosync + Pacemaker, configured with
# README's crm snippet (and pcs's, checked to produce the same resources):
# libvirtd SIGSEGV and SIGSTOP are detected by Pacemaker's monitor, which
# recovers libvirtd; the running guest is never touched.
. "$(dirname "$0")/../lib/tap.sh"; . "$(dirname "$0")/../lib/env.sh"; vg_ns_enter "$0" "$@"
. "$VG_TOP/tests/lib/libvirt.sh"
. "$VG_TOP/tests/lib/cluster.sh"
. "$VG_TOP/tests/lib/timeline.sh"

node=$(cl_node)
failcount() { crm_failcount --query -r libvirtd -N "$node" 2>/dev/null | sed -n 's/.*value=//p'; }
libvirtd_pid() { cat /run/libvirtd.pid 2>/dev/null; }
answers() { timeout 5 virsh -q -c "$LV_URI" version >/dev/null 2>&1; }
started() { timeout 5 crm_mon -1 2>/dev/null | grep -q "Started: \[ $node \]"; }
recovered_from() {	# old pid: a new libvirtd answers and Pacemaker says Started
	local p
	p=$(libvirtd_pid)
	[ -n "$p" ] && [ "$p" != "$1" ] && answers && started
}
exit_reasons() { cibadmin -Q -o status 2>/dev/null | grep -o 'exit-reason="[^"]*"'; }

lv_setup
vg_ns_install
tl_start
tap_ok "one-node Corosync + Pacemaker is up" cl_start
tl_mark "cluster up (corosync + pacemaker, this node DC) in $CL_START_MS ms"

# --- pcs snippet: must produce the same resources as crm's ------------------
vg_readme_block pcs-libvirtd-clone >"$VG_TMP/pcs.sh"
tap_ok "README's pcs snippet applies" timeout 120 bash -e "$VG_TMP/pcs.sh"
tap_ok "  and Pacemaker starts the clone" vg_wait 180 started
cibadmin -Q -o resources >"$VG_TMP/pcs.xml"
tap_like "$(cat "$VG_TMP/pcs.xml")" 'name="OCF_CHECK_LEVEL" value="10"' "  with the level-10 monitor"
tap_ok "pcs resource delete" timeout 120 pcs resource delete libvirtd-clone
tap_ok "  the clone stops" vg_wait 60 sh -c '! crm_resource --list 2>/dev/null | grep -q libvirtd'

# --- crm snippet: the configuration this test runs with -----------------------
vg_readme_block crm-libvirtd-clone >"$VG_TMP/crm.sh"
tap_ok "README's crm snippet applies" timeout 120 bash -e "$VG_TMP/crm.sh"
tap_ok "Pacemaker starts the libvirtd clone" vg_wait 60 started
tl_mark "libvirtd clone started by Pacemaker"
tap_ok "crm_verify -L accepts the live configuration" crm_verify -L
tap_ok "libvirtd answers the API" answers

tap_ok "guest vm1 runs (paused TCG qemu)" lv_guest vm1
G=$(lv_qemu_pid vm1)
tl_mark "guest vm1 running (qemu PID $G)"
tl_watch_pid "$G" "guest vm1 qemu"

# --- SIGSEGV ----------------------------------------------------------------------
P=$(libvirtd_pid)
kill -SEGV "$P"
tl_mark "libvirtd (PID $P) killed with SIGSEGV"
t0=$(vg_ms)
tap_ok "Pacemaker's monitor reports the failure" vg_wait 40 sh -c '[ "$(crm_failcount --query -r libvirtd -N '"$node"' 2>/dev/null | sed -n "s/.*value=//p")" -ge 1 ]'
tl_mark "Pacemaker's monitor failed: $(exit_reasons | grep -o 'libvirtd crashed[^"]*' | head -1)"
tap_diag "detected after $(( $(vg_ms) - t0 )) ms (monitor interval 10 s)"
tap_like "$(exit_reasons)" 'libvirtd crashed: .*PID '"$P"'.*1 qemu guest is still running \(vm1\)' \
	"the recorded exit reason names the crash and the running guest"
tap_ok "Pacemaker recovers libvirtd" vg_wait 60 recovered_from "$P"
tl_mark "libvirtd recovered by Pacemaker (new PID $(libvirtd_pid)), answering"
tap_diag "recovered $(( $(vg_ms) - t0 )) ms after the kill"
tap_fail "the guest never stopped running" test -e "$TL_DIR/guest vm1 qemu.dead"
tap_is "$(lv_qemu_pid vm1)" "$G" "the same qemu runs the guest"
tap_like "$(virsh -q -c "$LV_URI" list)" "vm1 +paused" "the new libvirtd knows the guest"
tap_is "$(OCF_CHECK_LEVEL=20 lv_agent monitor >/dev/null 2>&1; echo $?)" 0 \
	"level-20 monitor: no qemu unknown to libvirtd"

# --- SIGSTOP: hung, not dead ----------------------------------------------------
crm_resource --cleanup -r libvirtd >/dev/null 2>&1
vg_wait 30 sh -c '[ -z "$(crm_failcount --query -r libvirtd -N '"$node"' 2>/dev/null | sed -n "s/.*value=//p" | grep -v "^0$")" ]'
vg_wait 30 started
P=$(libvirtd_pid)
kill -STOP "$P"
tl_mark "libvirtd (PID $P) hung with SIGSTOP"
t0=$(vg_ms)
tap_ok "Pacemaker's monitor reports the hang" vg_wait 40 sh -c 'exit_reasons() { cibadmin -Q -o status 2>/dev/null | grep -o "exit-reason=\"[^\"]*\""; }; exit_reasons | grep -q "is stopped"'
tl_mark "Pacemaker's monitor failed: libvirtd is stopped and cannot answer"
tap_ok "Pacemaker recovers the hung libvirtd (stop kills it, start anew)" vg_wait 90 recovered_from "$P"
tl_mark "libvirtd recovered by Pacemaker (new PID $(libvirtd_pid)), answering"
tap_diag "recovered $(( $(vg_ms) - t0 )) ms after the SIGSTOP"
tap_fail "the hung libvirtd is gone" kill -0 "$P"
tap_fail "the guest never stopped running" test -e "$TL_DIR/guest vm1 qemu.dead"
tap_like "$(virsh -q -c "$LV_URI" list)" "vm1 +paused" "the new libvirtd knows the guest"
tap_ok "crm_verify -L still clean" crm_verify -L
tl_mark "guest vm1 ran throughout: same qemu PID $G"

tap_diag "timeline:"
tl_print | while read -r line; do tap_diag "  $line"; done
tap_done
