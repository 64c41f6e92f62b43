#!/bin/bash
# PID 1 of one lab node: bash node-init.sh --node=NAME --lab=DIR
#
# Started by the node's BMC (ipmi_sim power-on -> tests/lib/bmc.sh's power
# script -> nsenter --net=<node netns> unshare --mount --uts --ipc --pid ...).
# Killing it (BMC power-off) kills every process of the node, qemu included.
#
# Boots the node's private world (hostname, /run, /dev/shm, /var/tmp,
# /var/log, /etc/corosync, /var/lib/{corosync,pacemaker}, /etc/libvirt,
# /var/lib/libvirt with the shared image store on /var/lib/libvirt/images),
# then corosync -f, pacemakerd -f and, when $DIR/nodes/NAME/vmguardd.conf
# exists, vmguardd.  libvirtd and virtlogd are started by the cluster (the
# ocf:vmguard:libvirtd clone), not here.  A node that was powered on before
# waits LAB_BOOT_DELAY seconds (file boot-delay) first, as a real server
# does: a node that is back before corosync noticed it leave would find
# itself "allegedly just fenced".
set -u
for a in "$@"; do
	case $a in
	--node=*) NODE=${a#--node=} ;;
	--lab=*) LAB=${a#--lab=} ;;
	esac
done
if [ -z "${NODE:-}" ] || [ -z "${LAB:-}" ]; then
	# Run by hand or by tests/run: it is not a test.
	echo "1..0 # SKIP node-init.sh is a lab node's init (lab.sh starts it)"
	exit 0
fi
N="$LAB/nodes/$NODE"
ms() { echo $(( $(date +%s%N) / 1000000 )); }
say() { echo "$(ms) $NODE: $*" >>"$N/boot.log"; }

boots=$(cat "$N/boots" 2>/dev/null || echo 0)
echo $((boots + 1)) >"$N/boots"
say "power on (boot $((boots + 1)))"

hostname "$NODE"
mount -t sysfs sysfs /sys 2>/dev/null
mount -t tmpfs -o mode=755 tmpfs /run
mkdir -p /run/lock /run/user
mount -t tmpfs -o mode=1777 tmpfs /dev/shm
mount -t tmpfs -o mode=1777 tmpfs /var/tmp
mount --bind "$N/hosts" /etc/hosts
mount --bind "$N/etc-corosync" /etc/corosync
mount --bind "$N/var-lib-corosync" /var/lib/corosync
mount --bind "$N/var-lib-pacemaker" /var/lib/pacemaker
mount --bind "$N/log" /var/log
mount --bind "$N/etc-libvirt" /etc/libvirt
for d in /var/lib/libvirt /var/cache/libvirt; do
	mount -t tmpfs -o mode=755 tmpfs "$d"
done
mkdir -p /var/lib/libvirt/qemu /var/lib/libvirt/images
# The shared image store, as an NFS export would be mounted on every host.
mount --bind "$LAB/shared" /var/lib/libvirt/images
mkdir -p /var/log/libvirt/qemu /var/log/pacemaker /var/log/corosync /var/log/cluster /var/log/crmsh
chown hacluster:haclient /var/log/pacemaker

if [ "$boots" -gt 0 ]; then
	d=$(cat "$LAB/boot-delay" 2>/dev/null || echo 10)
	say "booting (${d} s boot delay after a power cycle)"
	sleep "$d"
fi

corosync -f >/var/log/corosync/stdout.log 2>&1 &
i=0
until corosync-cfgtool -s >/dev/null 2>&1; do
	i=$((i + 1))
	[ $i -lt 300 ] || { say "corosync did not come up"; break; }
	sleep 0.1
done
say "corosync up"
PCMK_logfile=/var/log/pacemaker/pacemaker.log PCMK_logfacility=none PCMK_stderr=no \
	pacemakerd -f >/var/log/pacemaker/stdout.log 2>&1 &
say "pacemakerd started"

if [ -s "$N/vmguardd.conf" ] && [ -x /usr/sbin/vmguardd ]; then
	mkdir -p /run/vmguard
	# Every line stamped with the wall clock in ms, for the timeline.
	/usr/sbin/vmguardd -c "$N/vmguardd.conf" 2>&1 </dev/null |
		while IFS= read -r l; do
			t=${EPOCHREALTIME/./}
			echo "${t%???} $l"
		done >>/var/log/vmguardd.log &
	say "vmguardd started"
fi

# PID 1: reap orphans (daemons, agents' children) until the power goes.
trap '' TERM INT HUP
while :; do
	sleep 3600 &
	wait
done
