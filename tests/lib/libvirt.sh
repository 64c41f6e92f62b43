# A private libvirtd with real qemu guests, inside a test's namespaces
# (call vg_ns_enter first).  Source after env.sh.
#
#   lv_setup         private /etc/libvirt, /var/lib/libvirt, /var/cache/libvirt,
#                    /var/log/libvirt; /dev/kvm hidden (libvirt would re-probe
#                    qemu for seconds on a /dev/kvm its qemu user cannot use)
#   lv_start         lv_setup + start virtlogd and libvirtd with our own OCF
#                    agent (so every test that needs libvirtd also exercises
#                    the agent's start); exports LV_URI, LV_PIDFILE
#   lv_guest NAME    define a tiny TCG guest (32 MiB, no disk) and start it
#                    paused: a real qemu process at ~0% CPU
#   lv_qemu_pid NAME the guest's qemu PID (from libvirt's pidfile)
#   lv_agent ACTION  run agents/libvirtd with the environment lv_start used

LV_URI=qemu:///system
LV_PIDFILE=/run/libvirtd.pid
export LV_URI LV_PIDFILE

lv_setup() {
	[ -z "${_LV_SETUP:-}" ] || return 0
	_LV_SETUP=1
	vg_tmpdir
	touch "$VG_TMP/nokvm" && chmod 000 "$VG_TMP/nokvm"
	[ ! -e /dev/kvm ] || mount --bind "$VG_TMP/nokvm" /dev/kvm
	mkdir -p "$VG_TMP/etc-libvirt"
	cp -a /etc/libvirt/. "$VG_TMP/etc-libvirt/"
	cat >>"$VG_TMP/etc-libvirt/qemu.conf" <<-'CONF'
	# vmguard test namespace: no cgroups, no per-guest namespaces (the test
	# already runs in its own), no security driver.  qemu keeps libvirt's
	# unprivileged user: for root a mode-000 /dev/kvm is still "accessible",
	# which makes libvirt re-probe qemu on every version/capabilities call.
	cgroup_controllers = [ ]
	namespaces = [ ]
	security_driver = "none"
	CONF
	cat >>"$VG_TMP/etc-libvirt/libvirtd.conf" <<-'CONF'
	log_outputs = "3:file:/var/log/libvirt/libvirtd.log"
	CONF
	mount --bind "$VG_TMP/etc-libvirt" /etc/libvirt
	for d in /var/lib/libvirt /var/cache/libvirt /var/log/libvirt; do
		mkdir -p "$d"
		mount -t tmpfs -o mode=755 tmpfs "$d"
	done
	mkdir -p /var/lib/libvirt/qemu /var/lib/libvirt/images
}

lv_agent() {
	OCF_ROOT=/usr/lib/ocf OCF_RESOURCE_INSTANCE=${LV_INSTANCE:-test-libvirtd} \
	OCF_RESKEY_CRM_meta_timeout=${LV_TIMEOUT:-60000} \
		"$VG_BUILD/agents/libvirtd" "$@"
}

lv_start() {
	lv_setup
	lv_agent start || { tail -20 /var/log/libvirt/libvirtd.log 2>/dev/null; return 1; }
}

lv_domain_xml() {	# name
	cat <<-XML
	<domain type='qemu'>
	  <name>$1</name>
	  <memory unit='MiB'>32</memory>
	  <vcpu>1</vcpu>
	  <os><type arch='x86_64' machine='pc'>hvm</type><boot dev='hd'/></os>
	  <on_poweroff>destroy</on_poweroff>
	  <on_crash>destroy</on_crash>
	  <devices>
	    <emulator>/usr/bin/qemu-system-x86_64</emulator>
	    <memballoon model='none'/>
	  </devices>
	</domain>
	XML
}

lv_guest() {	# name
	lv_domain_xml "$1" >"$VG_TMP/$1.xml"
	virsh -q -c "$LV_URI" define "$VG_TMP/$1.xml" >/dev/null &&
		virsh -q -c "$LV_URI" start --paused "$1" >/dev/null
}

lv_qemu_pid() {	# name
	cat "/run/libvirt/qemu/$1.pid" 2>/dev/null
}

# True while the guest's qemu process exists (zombies count as gone).
lv_qemu_alive() {	# pid
	[ -n "$1" ] && [ -d "/proc/$1" ] && ! grep -q '^State:.*Z' "/proc/$1/status" 2>/dev/null
}
