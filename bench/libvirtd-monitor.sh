#!/bin/bash
# One monitor of ocf:vmguard:libvirtd (levels 0 and 10) against what
# operators run today, in the same run, against the same libvirtd with one
# running guest:
#   ocf:heartbeat:anything      watching libvirtd's pidfile (a pid check only)
#   ocf:heartbeat:VirtualDomain monitor of the guest
# Prints wall time (hyperfine), CPU time (/usr/bin/time over a loop),
# processes forked and programs executed (strace), and ratios.
#   bench/libvirtd-monitor.sh [RUNS]      (as root; default 50 runs)
. "$(dirname "$0")/../tests/lib/tap.sh"; . "$(dirname "$0")/../tests/lib/env.sh"
vg_ns_enter "$0" "$@"
. "$VG_TOP/tests/lib/libvirt.sh"
RUNS=${1:-50}
HB=/usr/lib/ocf/resource.d/heartbeat

lv_start >/dev/null 2>&1 || { echo "libvirtd did not start"; exit 1; }
lv_guest vm1 || { echo "guest did not start"; exit 1; }
virsh -q -c "$LV_URI" dumpxml vm1 >"$VG_TMP/vm1.xml"
export OCF_ROOT=/usr/lib/ocf OCF_RESKEY_CRM_meta_interval=10000 OCF_RESKEY_CRM_meta_timeout=30000

wrapper() {	# name command...: a tiny sh wrapper (the same cost for every agent)
	printf '#!/bin/sh\nexec %s 2>/dev/null\n' "$2" >"$VG_TMP/$1"
	chmod +x "$VG_TMP/$1"
}
wrapper ours0 "env OCF_RESOURCE_INSTANCE=b OCF_CHECK_LEVEL=0 $VG_BUILD/agents/libvirtd monitor"
wrapper ours10 "env OCF_RESOURCE_INSTANCE=b OCF_CHECK_LEVEL=10 $VG_BUILD/agents/libvirtd monitor"
wrapper anything "env OCF_RESOURCE_INSTANCE=a OCF_RESKEY_binfile=/usr/sbin/libvirtd OCF_RESKEY_pidfile=/run/libvirtd.pid $HB/anything monitor"
wrapper virtualdomain "env OCF_RESOURCE_INSTANCE=v OCF_RESKEY_config=$VG_TMP/vm1.xml OCF_RESKEY_hypervisor=$LV_URI $HB/VirtualDomain monitor"

names=(ours0 ours10 anything virtualdomain)
label=("vmguard libvirtd, level 0" "vmguard libvirtd, level 10" "heartbeat anything (pid check)" "heartbeat VirtualDomain")
for n in "${names[@]}"; do
	"$VG_TMP/$n"; rc=$?
	[ $rc -eq 0 ] || { echo "$n monitor failed (rc=$rc): not comparable"; exit 1; }
done

declare -A WALL CPU FORKS EXECS
for n in "${names[@]}"; do
	hyperfine -N --warmup 3 --runs "$RUNS" --export-json "$VG_TMP/$n.json" "$VG_TMP/$n" >/dev/null 2>&1
	WALL[$n]=$(python3 -c "import json;print('%.2f'%(json.load(open('$VG_TMP/$n.json'))['results'][0]['mean']*1000))")
	# CPU of the whole process tree (children included), per run.
	CPU[$n]=$( { /usr/bin/time -f '%U %S' bash -c "for i in \$(seq $RUNS); do $VG_TMP/$n; done" ; } 2>&1 >/dev/null |
		tail -1 | awk -v r="$RUNS" '{printf "%.2f", ($1 + $2) * 1000 / r}')
	# Programs executed: successful execve() only (env tries every PATH
	# entry), less the wrapper's own three (sh, env, the agent itself).
	strace -f -qq -e trace=execve,fork,vfork,clone,clone3 -o "$VG_TMP/$n.strace" "$VG_TMP/$n"
	EXECS[$n]=$(( $(grep -c 'execve(.*= 0$' "$VG_TMP/$n.strace") - 3 ))
	FORKS[$n]=$(grep -E '(fork|vfork|clone|clone3)\(' "$VG_TMP/$n.strace" | grep -vc 'CLONE_THREAD')
done

printf '\n%-34s %10s %10s %7s %7s\n' "one monitor ($RUNS runs)" "wall ms" "CPU ms" "forks" "execs"
for i in "${!names[@]}"; do
	n=${names[$i]}
	printf '%-34s %10s %10s %7s %7s\n' "${label[$i]}" "${WALL[$n]}" "${CPU[$n]}" "${FORKS[$n]}" "${EXECS[$n]}"
done
ratio() { python3 -c "print('%.1f' % ($1 / max($2, 0.001)))"; }
echo
echo "ratios (>1: vmguard level 0 is cheaper)"
echo "  CPU   anything / ours0         $(ratio "${CPU[anything]}" "${CPU[ours0]}")   (target >= 1)"
echo "  CPU   VirtualDomain / ours0    $(ratio "${CPU[virtualdomain]}" "${CPU[ours0]}")   (target >= 20)"
echo "  wall  VirtualDomain / ours0    $(ratio "${WALL[virtualdomain]}" "${WALL[ours0]}")"
echo "  CPU   VirtualDomain / ours10   $(ratio "${CPU[virtualdomain]}" "${CPU[ours10]}")"
echo "  programs executed by our level-0 monitor: ${EXECS[ours0]} (target 0)"

# The floor under any monitor that uses the libvirt API: loading Debian's
# libvirt.so (and its ~60 dependencies) into an empty program.
printf 'int main(void) { return 0; }\n' >"$VG_TMP/empty.c"
cc -o "$VG_TMP/empty-virt" "$VG_TMP/empty.c" -Wl,--no-as-needed -lvirt
cc -o "$VG_TMP/empty" "$VG_TMP/empty.c"
floor=$( { /usr/bin/time -f '%U %S' bash -c "for i in \$(seq $RUNS); do $VG_TMP/empty-virt; done" ; } 2>&1 >/dev/null |
	tail -1 | awk -v r="$RUNS" '{printf "%.2f", ($1 + $2) * 1000 / r}')
base=$( { /usr/bin/time -f '%U %S' bash -c "for i in \$(seq $RUNS); do $VG_TMP/empty; done" ; } 2>&1 >/dev/null |
	tail -1 | awk -v r="$RUNS" '{printf "%.2f", ($1 + $2) * 1000 / r}')
echo
echo "floor: an empty program linked with -lvirt costs $floor ms CPU (without: $base ms);"
echo "       our level-0 monitor spends $(python3 -c "print('%.2f' % (${CPU[ours0]} - $floor))") ms beyond loading libvirt"
