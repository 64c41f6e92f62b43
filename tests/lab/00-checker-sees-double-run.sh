#!/bin/bash
# Lab scenario 0: the judges can fail.  Every other scenario ends in "no
# guest ran on two nodes at once"; that means something only if the checker
# reports a double run when there is one.  Here guest vm1's disk is started
# on a second node behind Pacemaker's back, four ways, one after the other:
#   A. virsh create of vm1's own definition on another node (same name);
#   B. virsh create of a copy named vm1-twin on another node (same disk,
#      other name: only the disk ties it to vm1);
#   C. qemu run directly through a binary named qemu-kvm (a symlink to
#      qemu-system-x86_64: comm "qemu-kvm", as the product also recognises);
#   D. qemu run directly with "-name vm1", no "guest=".
# Expected: for each, the checker reports one violation naming vm1's node
# and the other, and why (the name, the disk); nothing else is reported
# (vm2, untouched, never is).  First, without a lab: the library's own
# judgements fail when they must (a failed fence-history query is not "no
# fence", a sampling gap over the bound is not "sampled throughout",
# LAB_VMGUARDD=1 without vmguardd is not a run with vmguardd, a verdict not
# written is not "held").
. "$(dirname "$0")/../lib/tap.sh"; . "$(dirname "$0")/../lib/env.sh"; vg_ns_enter "$0" "$@"
. "$VG_TOP/tests/lab/scenario.sh"

# --- the judgements fail when they must ------------------------------------------
J=$VG_TMP/judges
mkdir -p "$J"
history_query_fails() { ( lab_cluster() { echo "no node answers" >&2; return 125; }; sc_history_none "$1" ); }
history_query_garbage() { ( lab_cluster() { echo "Error: connection refused"; return 0; }; sc_history_none "$1" ); }
tap_fail "a fence-history query that fails is not 'no fence'" history_query_fails n1
tap_fail "a fence-history query that answers no history is not 'no fence'" history_query_garbage n1
echo "1796190000000 summary samples=100 max_gap_ms=$((SC_MAX_GAP_MS + 1)) late=1 rt=yes violations=0" >"$J/slow"
echo "1796190000000 summary samples=100 max_gap_ms=40 late=0 rt=yes violations=0" >"$J/fast"
echo "1796190000000 start vm1 n1 123 disks=- after=-" >"$J/nosummary"
tap_fail "a sampling gap over $SC_MAX_GAP_MS ms is not 'sampled throughout'" _sc_sampling_ok "$J/slow"
tap_fail "a checker that wrote no summary did not 'sample throughout'" _sc_sampling_ok "$J/nosummary"
tap_ok "gaps of 40 ms are 'sampled throughout'" _sc_sampling_ok "$J/fast"
tap_fail "LAB_VMGUARDD=1 without a built vmguardd is refused" \
	eval '( LAB_VMGUARDD=1 VG_BUILD=$J; _sc_mode )'
tap_fail "a verdict that was not written does not hold" _sc_verdict_b_ok "$J/none"

# --- the checker sees a double run -------------------------------------------------
sc_begin 00-checker-sees-double-run
V=$SC_VICTIM
others=$(lab_up_nodes | grep -vx "$V")
O=$(sed -n 1p <<<"$others")
O2=$(sed -n 2p <<<"$others")
[ -n "$O2" ] || tap_bail "need two nodes besides $V"
IMG=/var/lib/libvirt/images/vm1.img
mkdir -p "$SC/bin"
ln -s /usr/bin/qemu-system-x86_64 "$SC/bin/qemu-kvm"
sed 's|<name>vm1</name>|<name>vm1-twin</name>|' "$LAB/shared/vm1.xml" >"$SC/vm1-twin.xml"
QEMU_ARGS=(-machine pc,accel=tcg -m 32 -nodefaults -display none -S -daemonize
	-drive "file=$IMG,format=raw,if=virtio,file.locking=off")
sc_inject "vm1's disk started on other nodes behind Pacemaker's back, four times"

# The first violation since T naming nodes A and B.
violation_since() {	# t a b
	awk -v t="$1" -v a="$2" -v b="$3" '$2 == "violation" && $1 >= t {
		n = "," $4 ","; if (index(n, "," a ",") && index(n, "," b ",")) { print; exit } }' "$SC/events"
}
reported() { [ -n "$(violation_since "$@")" ]; }
# Back to normal: vm1 only on V, as both the lab and the checker see it.
only_on_victim() {
	[ "$(lab_guest_nodes vm1)" = "$V" ] && [ -z "$(lab_guest_nodes vm1-twin)" ] &&
		[ "$(_sc_checker_running vm1 | cut -d' ' -f1 | sort -u)" = "$V" ] &&
		[ -z "$(_sc_checker_running vm1-twin)" ]
}
# The host PID of the qemu on NODE whose command line has UUID.
qemu_with_uuid() {	# node uuid
	local q
	for q in $(lab_node_procs "$1"); do
		tr '\0' '\n' <"/proc/$q/cmdline" 2>/dev/null | grep -qx "$2" && { echo "$q"; return 0; }
	done
	return 1
}
# CASE: one double run.  START and STOP are commands; WHY a regex the
# violation's by= must match; NAMES the guests it must name.
double_run() {	# case node names why start stop
	local c=$1 n=$2 names=$3 why=$4 start=$5 stop=$6 t line
	t=$(vg_ms)
	sc_mark "case $c: $start (on $n)"
	if ! eval "$start" >"$SC/case-$c.out" 2>&1; then
		tap_result 1 "case $c: the second copy runs on $n ($start)"
		tap_diag "$(cat "$SC/case-$c.out")"
		return
	fi
	tap_ok "case $c: the checker reports vm1 on $V and $n at once" vg_wait 10 reported "$t" "$V" "$n"
	line=$(violation_since "$t" "$V" "$n")
	tap_diag "case $c: ${line:-no violation reported}"
	tap_like "$line" " ($names) [^ ]+ by=$why" "case $c: it names $names, tied by $why"
	eval "$stop" >>"$SC/case-$c.out" 2>&1
	sc_mark "case $c: second copy stopped"
	tap_ok "case $c: the copy on $n is gone again" vg_wait 15 only_on_victim
}

double_run A "$O" vm1 'name\+disk:/var/lib/libvirt/images/vm1\.img' \
	"lab_exec $O virsh -q create /var/lib/libvirt/images/vm1.xml" \
	"lab_exec $O virsh -q destroy vm1"
double_run B "$O" 'vm1,vm1-twin|vm1-twin,vm1' 'disk:/var/lib/libvirt/images/vm1\.img' \
	"lab_exec $O virsh -q create $SC/vm1-twin.xml" \
	"lab_exec $O virsh -q destroy vm1-twin"
U_C=00000000-0000-4000-8000-0000000000c0
double_run C "$O2" vm1 'name\+disk:/var/lib/libvirt/images/vm1\.img' \
	"lab_exec $O2 $SC/bin/qemu-kvm -name guest=vm1,debug-threads=on -uuid $U_C ${QEMU_ARGS[*]} </dev/null" \
	"kill -KILL \$(qemu_with_uuid $O2 $U_C)"
U_D=00000000-0000-4000-8000-0000000000d0
double_run D "$O" vm1 'name\+disk:/var/lib/libvirt/images/vm1\.img' \
	"lab_exec $O qemu-system-x86_64 -name vm1 -uuid $U_D ${QEMU_ARGS[*]} </dev/null" \
	"kill -KILL \$(qemu_with_uuid $O $U_D)"

sc_finish
tap_is "$(grep -c ' violation ' "$SC/events")" 4 "the checker reported four double runs, no more"
tap_is "$(grep -c 'VIOLATION (a)' "$SC/verdict")" 4 "and the verdict carries all four"
tap_is "$(awk '$2 == "violation" && $3 ~ /(^|,)vm2(,|$)/' "$SC/events")" "" "vm2, untouched, was never reported"
sc_assert_sampling
tap_ok "no node was fenced" _sc_only_fenced none
[ "$TAP_FAILED" = 0 ] || _sc_save_logs
tap_done
