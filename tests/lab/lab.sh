#!/bin/bash
# The vmguard lab: a real Corosync + Pacemaker cluster of N nodes (default 3)
# on one machine, every node in its own network, mount, UTS, IPC and PID
# namespaces, each with a BMC (ipmi_sim) whose power-off kills the node.
#
# As a command (root):
#   tests/lab/lab.sh up [N]       bring a lab up in the background, print its
#                                 state; it runs until `down`
#   tests/lab/lab.sh status       crm_mon of the running lab, guests, BMCs
#   tests/lab/lab.sh exec NODE CMD...   run CMD inside a node (crm_mon, virsh..)
#   tests/lab/lab.sh host CMD...  run CMD (or a lab_* function: lab_cut n1,
#                                 lab_power n2 on, ...) in the lab's switch
#   tests/lab/lab.sh down         power everything off, remove all traces
# VG_BUILD names the build tree (default: the source tree).
#
# As a library (scenario scripts; source after tap.sh and env.sh, after
# vg_ns_enter: the script's own namespaces are the lab's "host" and its
# network namespace is the lab's switch, so everything dies with the script):
#   lab_up [N]              network, shared storage, node trees, BMCs; power
#                           the nodes on through their BMCs; wait for the
#                           cluster; configure it with crm; wait until the
#                           libvirtd clone and every guest run.  LAB_UP_MS.
#   lab_down                power every node off, stop the BMCs
#   lab_exec NODE CMD...    run CMD in NODE's namespaces
#   lab_nodes               n1 .. nN
#   lab_up_nodes            the nodes whose power is on
#   lab_any_node [NOT]      a powered-on node (not NOT) to ask the cluster
#   lab_node_pid NODE       host PID of the node's init (empty when off)
#   lab_guest_nodes GUEST   the nodes where GUEST's qemu runs now
#   lab_libvirtd_pid NODE   host PID of the node's libvirtd
#   lab_bmc_addr NODE       the BMC's address on the lab network
#   lab_cut NODE / lab_uncut NODE   unplug / replug the node's network cable
#   lab_bmc_unreachable NODE / lab_bmc_reachable NODE
#
# Settings (environment): LAB_N (3), LAB_GUESTS (2: vm1 vm2, placed on n1),
# LAB_TOKEN (corosync token, ms; 1000), LAB_BOOT_DELAY (10 s),
# LAB_STONITH_ACTION (off: a fenced node stays off for the rest of the
# scenario; reboot: it boots again after LAB_BOOT_DELAY), LAB_VMGUARDD (1:
# every node runs vmguardd when $VG_BUILD/fence/vmguardd exists),
# LAB_MONITOR (libvirtd monitor interval, README's 10s).
#
# Facts this relies on: /work/shared/LAB-NOTES.md.

LAB_N=${LAB_N:-3}
LAB_GUESTS=${LAB_GUESTS:-2}
LAB_TOKEN=${LAB_TOKEN:-1000}
LAB_BOOT_DELAY=${LAB_BOOT_DELAY:-10}
LAB_STONITH_ACTION=${LAB_STONITH_ACTION:-off}
LAB_VMGUARDD=${LAB_VMGUARDD:-0}
LAB_MONITOR=${LAB_MONITOR:-10s}
LAB_NET=10.99.0
LAB_BMC_USER=admin

lab_nodes() { local k; for k in $(seq 1 "$LAB_N"); do echo "n$k"; done; }
lab_guests() { local k; for k in $(seq 1 "$LAB_GUESTS"); do echo "vm$k"; done; }
lab_addr() { echo "$LAB_NET.${1#n}"; }
lab_bmc_addr() { echo "$LAB_NET.$((100 + ${1#n}))"; }
lab_ndir() { echo "$LAB/nodes/$1"; }

# Host PID of the node's init: the child of the unshare that the BMC's power
# script started (nsenter --net execs unshare, so host.pid is unshare's).
lab_node_pid() {
	local u
	u=$(bmc_host_pid "$1")
	[ -n "$u" ] || return 0
	awk '{print $1}' "/proc/$u/task/$u/children" 2>/dev/null
}

lab_up_nodes() {
	local n
	for n in $(lab_nodes); do
		[ -n "$(lab_node_pid "$n")" ] && echo "$n"
	done
	return 0
}

lab_any_node() {	# [not-this-one]
	local n
	for n in $(lab_up_nodes); do
		[ "$n" != "${1:-}" ] && { echo "$n"; return 0; }
	done
	return 1
}

lab_exec() {	# node cmd...
	local p
	p=$(lab_node_pid "$1")
	[ -n "$p" ] || { echo "lab_exec: $1 is powered off" >&2; return 125; }
	shift
	nsenter -t "$p" -m -u -i -n -p -- "$@"
}

# Run a cluster command on any powered-on node (but NOT, if given).
lab_cluster() {	# [-x NOT] cmd...
	local not= n
	if [ "$1" = -x ]; then not=$2; shift 2; fi
	n=$(lab_any_node "$not") || return 125
	lab_exec "$n" "$@"
}

# The processes of a node, found through their PID namespace (never by PID
# number: PIDs repeat across nodes).
# One stat for all of /proc: a loop of readlinks costs a fork per process,
# seconds on a loaded machine.
lab_node_procs() {	# node -> host PIDs
	local p ns
	p=$(lab_node_pid "$1")
	[ -n "$p" ] || return 0
	ns=$(stat -L -c %i "/proc/$p/ns/pid" 2>/dev/null) || return 0
	stat -L -c '%i %n' /proc/[0-9]*/ns/pid 2>/dev/null |
		awk -v ns="$ns" '$1 == ns { split($2, a, "/"); print a[3] }'
	return 0
}

_lab_comm_pid() {	# node comm -> host PID of that process (first)
	local q c
	for q in $(lab_node_procs "$1"); do
		c=
		{ read -r c <"/proc/$q/comm"; } 2>/dev/null
		if [ "$c" = "$2" ] &&
			! grep -q '^State:.*[ZX]' "/proc/$q/status" 2>/dev/null; then
			echo "$q"
			return 0
		fi
	done
	return 0
}
lab_libvirtd_pid() { _lab_comm_pid "$1" libvirtd; }

# By name, as the product finds a guest's qemu (common/proc.c): a process
# named qemu-system-* or qemu-kvm, "-name guest=GUEST,..." or "-name GUEST".
lab_guest_nodes() {	# guest -> nodes running its qemu now
	local n q c
	for n in $(lab_up_nodes); do
		for q in $(lab_node_procs "$n"); do
			c=
			{ read -r c <"/proc/$q/comm"; } 2>/dev/null
			case $c in qemu-system*|qemu-kvm*) ;; *) continue ;; esac
			grep -q '^State:.*[ZX]' "/proc/$q/status" 2>/dev/null && continue
			if tr '\0' '\n' <"/proc/$q/cmdline" 2>/dev/null |
				awk -v g="$1" 'p == "-name" && ($0 == g || index($0, g ",") == 1 ||
					$0 == "guest=" g || index($0, "guest=" g ",") == 1) { f = 1 }
					{ p = $0 } END { exit !f }'; then
				echo "$n"
				break
			fi
		done
	done
	return 0
}

# --- network: the script's own netns is the switch ------------------------
_lab_net() {
	local n k
	ip link add lab0 type bridge || return 1
	ip link set lab0 up
	ip addr add "$LAB_NET.254/24" dev lab0
	for n in $(lab_nodes); do
		k=${n#n}
		ip netns add "lab-$n" || return 1
		ip link add "v$n" type veth peer name eth0 netns "lab-$n" || return 1
		ip link set "v$n" master lab0 up
		ip -n "lab-$n" link set lo up
		ip -n "lab-$n" addr add "$(lab_addr "$n")/24" dev eth0
		ip -n "lab-$n" link set eth0 up
		# The BMC's address: on the switch, where ipmi_sim listens.
		ip addr add "$(lab_bmc_addr "$n")/24" dev lab0
	done
}

lab_cut() { ip link set "v$1" down; }
lab_uncut() { ip link set "v$1" up; }
# An unreachable BMC: its address leaves the network (ipmi_sim still runs).
lab_bmc_unreachable() { ip addr del "$(lab_bmc_addr "$1")/24" dev lab0; }
lab_bmc_reachable() { ip addr add "$(lab_bmc_addr "$1")/24" dev lab0; }

# --- shared storage: guest definitions and disks --------------------------
# Every node mounts $LAB/shared on /var/lib/libvirt/images, as hosts mount
# an NFS export.  The disks are raw and <shareable/>: all nodes share one
# kernel here, so qemu's own image lock would refuse a second writer, which
# hosts that share storage over the network (NFS without working locks,
# iSCSI or FC LUNs) do not do.  Without it, a double start really makes two
# qemu processes write one disk: the hazard the lab proves is prevented.
_lab_guest_xml() {	# name
	cat <<-XML
	<domain type='qemu'>
	  <name>$1</name>
	  <memory unit='MiB'>32</memory>
	  <vcpu>1</vcpu>
	  <os><type arch='x86_64' machine='pc'>hvm</type><boot dev='hd'/></os>
	  <on_poweroff>destroy</on_poweroff>
	  <on_reboot>restart</on_reboot>
	  <on_crash>destroy</on_crash>
	  <devices>
	    <emulator>/usr/bin/qemu-system-x86_64</emulator>
	    <disk type='file' device='disk'>
	      <driver name='qemu' type='raw'/>
	      <source file='/var/lib/libvirt/images/$1.img'/>
	      <target dev='vda' bus='virtio'/>
	      <shareable/>
	    </disk>
	    <video><model type='none'/></video>
	    <memballoon model='none'/>
	  </devices>
	</domain>
	XML
}

_lab_shared() {
	local g
	mkdir -p "$LAB/shared"
	chmod 755 "$LAB/shared"
	for g in $(lab_guests); do
		_lab_guest_xml "$g" >"$LAB/shared/$g.xml"
		qemu-img create -q -f raw "$LAB/shared/$g.img" 16M || return 1
		chmod 666 "$LAB/shared/$g.img"
	done
}

# --- node trees -------------------------------------------------------------
_lab_corosync_conf() {
	local n
	cat <<-CONF
	totem {
	    version: 2
	    cluster_name: vglab
	    transport: knet
	    crypto_cipher: none
	    crypto_hash: none
	    token: $LAB_TOKEN
	}
	nodelist {
	CONF
	for n in $(lab_nodes); do
		printf '    node {\n        ring0_addr: %s\n        name: %s\n        nodeid: %s\n    }\n' \
			"$(lab_addr "$n")" "$n" "${n#n}"
	done
	cat <<-CONF
	}
	quorum {
	    provider: corosync_votequorum
	$( [ "$LAB_N" -eq 2 ] && echo "    two_node: 1" )
	}
	logging {
	    to_logfile: yes
	    logfile: /var/log/corosync/corosync.log
	    to_syslog: no
	    to_stderr: no
	    timestamp: hires
	}
	CONF
}

_lab_node_tree() {	# node
	local n=$1 d m
	d=$(lab_ndir "$n")
	mkdir -p "$d"/{etc-corosync,var-lib-corosync,log,etc-libvirt} \
		"$d"/var-lib-pacemaker/{cib,pengine,blackbox,cores}
	cp -a /etc/corosync/. "$d/etc-corosync/"
	_lab_corosync_conf >"$d/etc-corosync/corosync.conf"
	# The installed Pacemaker's own empty CIB with a short dc-deadtime (the
	# first election otherwise waits 20 s).
	cibadmin --empty | sed 's|<crm_config/>|<crm_config><cluster_property_set id="cib-bootstrap-options"><nvpair id="cib-bootstrap-options-dc-deadtime" name="dc-deadtime" value="5s"/></cluster_property_set></crm_config>|' \
		>"$d/var-lib-pacemaker/cib/cib.xml"
	chown -R hacluster:haclient "$d/var-lib-pacemaker"
	chmod 750 "$d"/var-lib-pacemaker/*
	chmod 600 "$d/var-lib-pacemaker/cib/cib.xml"
	cp -a /etc/libvirt/. "$d/etc-libvirt/"
	cat >>"$d/etc-libvirt/qemu.conf" <<-'CONF'
	# vmguard lab node: no cgroups, no per-guest namespaces, no security driver.
	cgroup_controllers = [ ]
	namespaces = [ ]
	security_driver = "none"
	CONF
	echo 'log_outputs = "3:file:/var/log/libvirt/libvirtd.log"' >>"$d/etc-libvirt/libvirtd.conf"
	{
		echo "127.0.0.1 localhost"
		echo "::1 localhost"
		for m in $(lab_nodes); do echo "$(lab_addr "$m") $m"; done
	} >"$d/hosts"
	if [ "$LAB_VMGUARDD" = 1 ] && [ -x /usr/sbin/vmguardd ]; then
		_lab_vmguardd_conf "$n" >"$d/vmguardd.conf"
	fi
}

# vmguardd on every node: libvirtd loss -> fence request at once (no grace:
# the libvirtd agent announces its own planned stops), no hardware watchdog
# in the lab (the BMC is the fence).
_lab_vmguardd_conf() {	# node
	cat <<-EOF
	uri = qemu:///system
	node_name = $1
	keepalive_interval = 1s
	keepalive_count = 1
	libvirtd_grace = ${LAB_VMGUARDD_GRACE:-0}
	reconnect_interval = 100ms
	fence_timeout = 60s
	watchdog = no
	frontend_time_to_error = 180s
	frontend_monitoring_interval = 180s
	frontend_p = 2
	quorum = yes
	maintenance_file = /run/vmguard/maintenance
	maintenance_max = 7min
	status_file = /run/vmguard/vmguardd.status
	EOF
}

# --- BMCs ---------------------------------------------------------------------
_lab_bmcs() {
	local n
	(umask 077; printf '%s\n' "Lab-Bmc-$(od -An -N4 -tx4 /dev/urandom | tr -d ' ')" >"$LAB/bmc-password")
	for n in $(lab_nodes); do
		bmc_start "$n" "$(lab_bmc_addr "$n")" "$LAB_BMC_USER" "$LAB/bmc-password" \
			nsenter --net="/run/netns/lab-$n" \
			unshare --mount --uts --ipc --pid --fork --mount-proc \
			--propagation private --kill-child=SIGKILL \
			bash "$VG_TOP/tests/lab/node-init.sh" --node="$n" --lab="$LAB" || return 1
	done
}

# Chassis power through the BMC, over IPMI, with the product's own agent.
lab_power() {	# node on|off|status
	printf 'action=%s\nip=%s\nusername=%s\npassword_file=%s\ncipher=3\n' \
		"$2" "$(lab_bmc_addr "$1")" "$LAB_BMC_USER" "$LAB/bmc-password" |
		fence_vmguard
}

# --- the cluster's configuration: what README tells operators, with crm -------
lab_crm_config() {
	local n g
	cat <<-EOF
	property stonith-enabled=true stonith-action=$LAB_STONITH_ACTION \\
	    stonith-timeout=30s cluster-recheck-interval=30s
	rsc_defaults resource-stickiness=INFINITY
	primitive libvirtd ocf:vmguard:libvirtd \\
	    op start timeout=90s op stop timeout=90s \\
	    op monitor interval=$LAB_MONITOR timeout=30s on-fail=fence \\
	    op monitor interval=60s timeout=30s on-fail=fence OCF_CHECK_LEVEL=10
	clone libvirtd-clone libvirtd meta interleave=true
	EOF
	for n in $(lab_nodes); do
		cat <<-EOF
		primitive fence-$n stonith:fence_vmguard \\
		    params ip=$(lab_bmc_addr "$n") username=$LAB_BMC_USER \\
		    password_file=$LAB/bmc-password cipher=3 power_timeout=10 \\
		    pcmk_host_list=$n \\
		    op monitor interval=60s timeout=20s
		location fence-$n-not-on-$n fence-$n -inf: $n
		EOF
	done
	for g in $(lab_guests); do
		cat <<-EOF
		primitive $g ocf:heartbeat:VirtualDomain \\
		    params config=/var/lib/libvirt/images/$g.xml hypervisor=qemu:///system \\
		    meta allow-migrate=false \\
		    op start timeout=90s op stop timeout=90s \\
		    op monitor interval=10s timeout=30s
		order $g-after-libvirtd Optional: libvirtd-clone $g
		colocation $g-with-libvirtd 1000: $g libvirtd-clone
		location $g-prefers-n1 $g 100: n1
		EOF
	done
}

_lab_all_online() {
	local out n
	out=$(lab_exec n1 timeout 5 crm_mon -1 2>/dev/null) || return 1
	printf '%s\n' "$out" | grep -q 'Current DC: n' || return 1
	for n in $(lab_nodes); do
		printf '%s\n' "$out" | grep -Eq "Online: \[.* $n( |\])" || return 1
	done
}

# Every libvirtd instance active (a degraded one -- slow to answer on a
# loaded machine -- counts: it runs) and every guest's qemu running.
_lab_all_running() {
	local g
	[ "$(lab_exec n1 timeout 10 crm_resource --locate -r libvirtd-clone 2>/dev/null |
		grep -c 'is running on')" = "$LAB_N" ] || return 1
	for g in $(lab_guests); do
		[ -n "$(lab_guest_nodes "$g")" ] || return 1
		lab_exec n1 timeout 10 crm_resource --locate -r "$g" 2>/dev/null | grep -q 'is running on' || return 1
	done
}

lab_up() {	# [N]
	local t0 n pids=() rc
	LAB_N=${1:-$LAB_N}
	t0=$(vg_ms)
	if [ "$LAB_VMGUARDD" = 1 ] && [ ! -x /usr/sbin/vmguardd ]; then
		echo "lab: LAB_VMGUARDD=1 but /usr/sbin/vmguardd is not installed" >&2
		return 1
	fi
	vg_tmpdir
	LAB=$VG_TMP/lab
	mkdir -p "$LAB/nodes"
	echo "$LAB_BOOT_DELAY" >"$LAB/boot-delay"
	export LAB LAB_N
	# A /dev/kvm that libvirt's qemu user cannot use makes libvirt re-probe
	# qemu for seconds: hide it from every node.
	touch "$LAB/nokvm" && chmod 000 "$LAB/nokvm"
	[ ! -e /dev/kvm ] || mount --bind "$LAB/nokvm" /dev/kvm
	_lab_net || { echo "lab: network setup failed" >&2; return 1; }
	_lab_shared || { echo "lab: shared storage setup failed" >&2; return 1; }
	for n in $(lab_nodes); do _lab_node_tree "$n"; done
	_lab_bmcs || { echo "lab: BMC setup failed" >&2; return 1; }
	vg_at_exit lab_down
	LAB_T_BMCS=$(( $(vg_ms) - t0 ))
	# Power on through the BMCs, all at once.
	for n in $(lab_nodes); do
		lab_power "$n" on >"$LAB/power-on-$n.out" 2>&1 &
		pids+=($!)
	done
	rc=0
	for n in "${pids[@]}"; do wait "$n" || rc=1; done
	[ $rc = 0 ] || { echo "lab: power on failed: $(cat "$LAB"/power-on-*.out)" >&2; return 1; }
	LAB_T_POWER=$(( $(vg_ms) - t0 ))
	vg_wait 90 _lab_all_online || { echo "lab: the cluster did not form" >&2; return 1; }
	LAB_T_FORMED=$(( $(vg_ms) - t0 ))
	lab_crm_config >"$LAB/cluster.crm"
	lab_exec n1 crm configure load update "$LAB/cluster.crm" >"$LAB/crm.out" 2>&1 ||
		{ echo "lab: crm configure failed: $(cat "$LAB/crm.out")" >&2; return 1; }
	LAB_T_CONFIGURED=$(( $(vg_ms) - t0 ))
	vg_wait 120 _lab_all_running ||
		{ echo "lab: resources did not start" >&2; lab_exec n1 crm_mon -1 >&2; return 1; }
	LAB_UP_MS=$(( $(vg_ms) - t0 ))
	export LAB_UP_MS LAB_T_BMCS LAB_T_POWER LAB_T_FORMED LAB_T_CONFIGURED
}

lab_down() {
	local n
	[ -n "${LAB:-}" ] || return 0
	for n in $(lab_nodes); do bmc_stop "$n"; done
	for n in $(lab_nodes); do ip netns del "lab-$n" 2>/dev/null; done
	ip link del lab0 2>/dev/null
	return 0
}

# --- status ---------------------------------------------------------------------
lab_status() {
	local n g
	for n in $(lab_nodes); do
		printf '%-4s power %-3s  BMC %s  node %s\n' "$n" "$(bmc_power_state "$n")" \
			"$(lab_bmc_addr "$n")" "$(lab_addr "$n")"
	done
	for g in $(lab_guests); do
		printf '%-4s qemu on: %s\n' "$g" "$(lab_guest_nodes "$g" | tr '\n' ' ')"
	done
	lab_cluster timeout 10 crm_mon -1 2>&1
}

# --- command line -------------------------------------------------------------------
_lab_main() {
	local self
	self=$(readlink -f "${BASH_SOURCE[0]}")
	local state=${VG_LAB_STATE:-/tmp/vmguard-lab} u p
	case ${1:-} in
	up)
		[ "$(id -u)" = 0 ] || { echo "lab.sh: needs root" >&2; exit 1; }
		if [ -s "$state/pid" ] && kill -0 "$(cat "$state/pid")" 2>/dev/null; then
			echo "lab.sh: a lab is already up (lab.sh down first)" >&2
			exit 1
		fi
		mkdir -p "$state"
		rm -f "$state/ready" "$state/failed"
		LAB_N=${2:-$LAB_N} setsid bash "$self" __serve </dev/null >"$state/serve.log" 2>&1 &
		echo $! >"$state/pid"
		vg_wait 300 sh -c "[ -e '$state/ready' ] || [ -e '$state/failed' ] || ! kill -0 $! 2>/dev/null"
		if [ ! -e "$state/ready" ]; then
			echo "lab.sh: the lab did not come up:" >&2
			cat "$state/serve.log" >&2
			exit 1
		fi
		cat "$state/ready"
		_lab_main status
		;;
	__serve)
		vg_ns_enter "$self" __serve2
		;;
	__serve2)
		VG_HOSTNAME=vglab vg_ns_enter "$self" __serve2
		vg_ns_install
		if lab_up; then
			{
				echo "LAB=$LAB"
				echo "LAB_N=$LAB_N"
				echo "lab up in $LAB_UP_MS ms (BMCs $LAB_T_BMCS, powered on $LAB_T_POWER, cluster formed $LAB_T_FORMED, configured $LAB_T_CONFIGURED)"
			} >"$state/ready.tmp"
			mv "$state/ready.tmp" "$state/ready"
		else
			for n in $(lab_nodes); do
				mkdir -p "$state/logs/$n"
				cp -a "$(lab_ndir "$n")/log/." "$(lab_ndir "$n")/boot.log" "$state/logs/$n/" 2>/dev/null
			done
			echo "logs: $state/logs"
			touch "$state/failed"
			exit 1
		fi
		trap 'exit 0' TERM INT
		while :; do sleep 3600 & wait $!; done
		;;
	status|exec|host)
		u=$(cat "$state/pid" 2>/dev/null)
		p=$(awk '{print $1}' "/proc/$u/task/$u/children" 2>/dev/null)
		[ -n "$p" ] && [ -e "$state/ready" ] || { echo "lab.sh: no lab is up" >&2; exit 3; }
		# Into the lab's host namespaces, then on from there.
		exec nsenter -t "$p" -m -n -p -u -i -- env VG_IN_NS=1 \
			$(grep -E '^LAB(_N)?=' "$state/ready") \
			bash "$self" __in "$@"
		;;
	__in)
		shift
		VG_TMP=${LAB%/lab}
		case $1 in
		status) lab_status ;;
		exec) shift; n=$1; shift; lab_exec "$n" "$@" ;;
		host) shift; "$@" ;;
		esac
		;;
	down)
		u=$(cat "$state/pid" 2>/dev/null)
		[ -n "$u" ] && kill -0 "$u" 2>/dev/null || { echo "lab.sh: no lab is up"; rm -rf "$state"; exit 0; }
		p=$(awk '{print $1}' "/proc/$u/task/$u/children" 2>/dev/null)
		[ -n "$p" ] && kill -TERM "$p"
		vg_wait 60 sh -c "! kill -0 $u 2>/dev/null" || kill -KILL "$u"
		rm -rf "$state"
		echo "lab down"
		;;
	'')
		sed -n '2,15p' "${BASH_SOURCE[0]}" >&2
		echo "1..0 # SKIP lab.sh is the lab's command, not a test"
		;;
	*)
		sed -n '2,15p' "${BASH_SOURCE[0]}" >&2
		exit 2
		;;
	esac
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
	. "$(dirname "$0")/../lib/tap.sh"
	. "$(dirname "$0")/../lib/env.sh"
	. "$VG_TOP/tests/lib/bmc.sh"
	_lab_main "$@"
fi
