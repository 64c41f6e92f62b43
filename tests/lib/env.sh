# Common environment for vmguard's shell tests.  Source after tap.sh.
#
#   vg_ns_enter "$0" "$@"   re-exec this script as root in a private mount
#                           namespace (once); everything mounted after that is
#                           gone when the script exits
#   vg_ns_install           overlay the build (make install DESTDIR) onto
#                           /usr/sbin and /usr/lib/ocf/resource.d inside it,
#                           so Pacemaker finds ocf:vmguard:* and fence_vmguard
#   vg_at_exit CMD          run CMD (LIFO) when the script exits
#   vg_wait SECONDS CMD...  poll CMD every 0.1 s until it succeeds
#   vg_tmpdir               a scratch directory removed at exit ($VG_TMP)
#
# VG_TOP is the source tree, VG_BUILD the build tree (same unless
# VG_BUILD is set in the environment).

VG_TOP=${VG_TOP:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
VG_BUILD=${VG_BUILD:-$VG_TOP}
export VG_TOP VG_BUILD

_VG_EXIT_CMDS=()
vg_at_exit() { _VG_EXIT_CMDS=("$*" "${_VG_EXIT_CMDS[@]}"); }
_vg_run_exit() {
	local c
	for c in "${_VG_EXIT_CMDS[@]}"; do eval "$c" >/dev/null 2>&1; done
	_VG_EXIT_CMDS=()
}
# tap.sh's verdict first (a script that never reached tap_done fails), so
# it is in the log even when a cleanup hangs until tests/run's timeout.
_vg_exit_trap() {
	local rc=$?
	if declare -F _tap_at_exit >/dev/null; then _tap_at_exit "$rc"; rc=$?; fi
	_vg_run_exit
	exit "$rc"
}
trap _vg_exit_trap EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

vg_ns_enter() {
	if [ "$(id -u)" != 0 ]; then
		# tests/run counts this as one skipped script and says why.
		if declare -F tap_skip_all >/dev/null; then tap_skip_all "needs root"; fi
		echo "1..0 # SKIP needs root"
		exit 0
	fi
	if [ -z "${VG_IN_NS:-}" ]; then
		export VG_IN_NS=1
		# Own mount, network, UTS, IPC and PID namespaces: the script is
		# PID 1 there, so its daemons (and qemu) die with it, libqb's
		# abstract sockets and /dev/shm are private, and /proc shows only
		# this test's processes.
		exec unshare --mount --net --uts --ipc --pid --fork --mount-proc \
			--propagation private --kill-child=SIGKILL bash "$@"
	fi
	ip link set lo up
	hostname "${VG_HOSTNAME:-vgtest}"
	# A sysfs of our own network namespace: otherwise libvirt enumerates
	# (and ethtool-probes) the host's interfaces.
	mount -t sysfs sysfs /sys 2>/dev/null || true
	mount -t tmpfs -o mode=1777 tmpfs /dev/shm
	mount -t tmpfs -o mode=755 tmpfs /run
	mkdir -p /run/lock /run/user
	vg_tmpdir
	# libvirtd resolves the host name when a guest starts: without an
	# entry, DNS timeouts cost seconds.
	printf '127.0.0.1 localhost %s\n::1 localhost\n' "$(hostname)" >"$VG_TMP/hosts"
	mount --bind "$VG_TMP/hosts" /etc/hosts
}

vg_tmpdir() {
	if [ -z "${VG_TMP:-}" ]; then
		VG_TMP=$(mktemp -d /tmp/vmguard-test.XXXXXX)
		vg_at_exit "rm -rf '$VG_TMP'"
	fi
}

vg_wait() {	# seconds cmd...
	local end=$(( $(date +%s%N) / 1000000 + $1 * 1000 ))
	shift
	while ! "$@"; do
		[ $(( $(date +%s%N) / 1000000 )) -lt $end ] || return 1
		sleep 0.1
	done
}

vg_ms() { echo $(( $(date +%s%N) / 1000000 )); }

# The indented block after a "# [marker]" line in README (or FILE): the
# configuration snippets operators paste, applied verbatim by the tests.
vg_readme_block() {	# marker [file]
	sed -n "/# \[$1\]/,/^\$/p" "${2:-$VG_TOP/README}" | sed -e 's/^    //' -e '/^# \[/d'
}

vg_ns_install() {
	vg_tmpdir
	local d="$VG_TMP/install"
	make -s -C "$VG_BUILD" install DESTDIR="$d" prefix=/usr sysconfdir=/etc \
		localstatedir=/var >"$VG_TMP/install.log" 2>&1 ||
		tap_bail "make install failed: $(tail -5 "$VG_TMP/install.log")"
	mkdir -p "$d/usr/sbin" "$d/usr/lib/ocf/resource.d"
	# The recording test fence agent (tests/lib/fence_vgrecord) goes where
	# the fencer looks for agents, beside the real ones.
	install -m 755 "$VG_TOP/tests/lib/fence_vgrecord" "$d/usr/sbin/fence_vgrecord"
	mount -t overlay overlay -o "lowerdir=$d/usr/sbin:/usr/sbin" /usr/sbin ||
		tap_bail "cannot overlay /usr/sbin"
	mount -t overlay overlay \
		-o "lowerdir=$d/usr/lib/ocf/resource.d:/usr/lib/ocf/resource.d" \
		/usr/lib/ocf/resource.d || tap_bail "cannot overlay the OCF directory"
	if [ -d "$d/usr/share/man" ]; then export MANPATH="$d/usr/share/man:"; fi
}

# Kill a process we started, by PID, and wait for it (never by name).
vg_kill_wait() {	# pid [signal]
	kill -"${2:-TERM}" "$1" 2>/dev/null || return 0
	vg_wait 10 sh -c "! kill -0 $1 2>/dev/null || grep -q '^State:.*Z' /proc/$1/status" ||
		kill -KILL "$1" 2>/dev/null
	return 0
}
