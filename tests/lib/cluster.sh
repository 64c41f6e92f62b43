# A real one-node Corosync + Pacemaker cluster inside a test's namespaces
# (call vg_ns_enter first; vg_ns_install before cl_start if Pacemaker must
# find vmguard's agents).  Source after env.sh.
#
#   cl_start            private /etc/corosync, /var/lib/{corosync,pacemaker},
#                       /var/log; corosync -f, pacemakerd -f; waits until this
#                       node is DC.  The CIB is seeded with dc-deadtime=2s and
#                       stonith-enabled=false (set CL_STONITH=true to keep
#                       fencing enabled).
#   cl_stop             pacemakerd SIGTERM, then corosync-cfgtool -H --force
#   cl_node             this node's name
#   cl_wait_idle [S]    wait until the cluster has no pending actions
#   cl_logs             where the daemons log ($CL_LOGDIR)
#
# Memory ~100 MiB; up in ~5-10 s.

CL_NAME=${CL_NAME:-vgtest}
CL_LOGDIR=/var/log

cl_node() { hostname; }

_cl_private_dirs() {
	vg_tmpdir
	mkdir -p "$VG_TMP/etc-corosync"
	cp -a /etc/corosync/. "$VG_TMP/etc-corosync/"
	mount --bind "$VG_TMP/etc-corosync" /etc/corosync
	mount -t tmpfs -o mode=755 tmpfs /var/lib/corosync
	mount -t tmpfs -o mode=751 tmpfs /var/lib/pacemaker
	mkdir -p "$VG_TMP/log"
	mount --bind "$VG_TMP/log" /var/log
	for d in cib pengine blackbox cores; do
		mkdir -p /var/lib/pacemaker/$d
	done
	mkdir -p /var/log/pacemaker /var/log/corosync /var/log/cluster /var/log/crmsh \
		/var/log/libvirt/qemu
	chown -R hacluster:haclient /var/lib/pacemaker /var/log/pacemaker
	chmod 750 /var/lib/pacemaker/*
}

_cl_corosync_conf() {
	cat >/etc/corosync/corosync.conf <<-CONF
	totem {
	    version: 2
	    cluster_name: $CL_NAME
	    transport: knet
	    crypto_cipher: none
	    crypto_hash: none
	    token: ${CL_TOKEN:-1000}
	}
	nodelist {
	    node {
	        ring0_addr: 127.0.0.1
	        name: $(cl_node)
	        nodeid: 1
	    }
	}
	quorum {
	    provider: corosync_votequorum
	}
	logging {
	    to_logfile: yes
	    logfile: /var/log/corosync/corosync.log
	    to_syslog: no
	    to_stderr: no
	    timestamp: on
	}
	CONF
}

_cl_seed_cib() {
	# The installed Pacemaker's own empty CIB (its feature set and schema),
	# with the options a test cluster needs from the first election on.
	cibadmin --empty | sed 's|<crm_config/>|<crm_config>\
	  <cluster_property_set id="cib-bootstrap-options">\
	    <nvpair id="cib-bootstrap-options-dc-deadtime" name="dc-deadtime" value="2s"/>\
	    <nvpair id="cib-bootstrap-options-stonith-enabled" name="stonith-enabled" value="'"${CL_STONITH:-false}"'"/>\
	    <nvpair id="cib-bootstrap-options-cluster-recheck-interval" name="cluster-recheck-interval" value="30s"/>\
	  </cluster_property_set>\
	</crm_config>|' >/var/lib/pacemaker/cib/cib.xml
	chown hacluster:haclient /var/lib/pacemaker/cib/cib.xml
	chmod 600 /var/lib/pacemaker/cib/cib.xml
}

cl_is_dc() { timeout 5 crm_mon -1 2>/dev/null | grep -q "Current DC: $(cl_node) "; }

cl_start() {
	local t0
	t0=$(vg_ms)
	_cl_private_dirs
	_cl_corosync_conf
	_cl_seed_cib
	corosync -f >/var/log/corosync/stdout.log 2>&1 &
	CL_COROSYNC_PID=$!
	vg_wait 30 corosync-cfgtool -s >/dev/null 2>&1 || {
		tap_diag "corosync did not come up: $(tail -5 /var/log/corosync/corosync.log)"
		return 1
	}
	PCMK_logfile=/var/log/pacemaker/pacemaker.log PCMK_logfacility=none \
		PCMK_stderr=no pacemakerd -f >/var/log/pacemaker/stdout.log 2>&1 &
	CL_PACEMAKERD_PID=$!
	vg_wait 90 cl_is_dc || {
		tap_diag "pacemaker did not elect a DC: $(tail -5 /var/log/pacemaker/pacemaker.log)"
		return 1
	}
	CL_START_MS=$(( $(vg_ms) - t0 ))
	export CL_COROSYNC_PID CL_PACEMAKERD_PID CL_START_MS
}

cl_wait_idle() {
	timeout $(( ${1:-60} + 5 )) crm_resource --wait --timeout="${1:-60}s" >/dev/null 2>&1
}

cl_stop() {
	[ -n "${CL_PACEMAKERD_PID:-}" ] || return 0
	kill -TERM "$CL_PACEMAKERD_PID" 2>/dev/null
	vg_wait 90 sh -c "! kill -0 $CL_PACEMAKERD_PID 2>/dev/null" || kill -KILL "$CL_PACEMAKERD_PID"
	corosync-cfgtool -H --force >/dev/null 2>&1
	vg_wait 30 sh -c "! kill -0 $CL_COROSYNC_PID 2>/dev/null" || kill -KILL "$CL_COROSYNC_PID"
	CL_PACEMAKERD_PID=
}
