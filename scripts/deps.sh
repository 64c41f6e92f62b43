#!/bin/sh
# Install everything vmguard needs to build, test, benchmark and run its lab on
# Debian 12.  This is the one package list: README, .ci/run and the test
# harness all call this script, so a missing package shows up everywhere.
#
#   scripts/deps.sh            install (needs root; idempotent)
#   scripts/deps.sh --list     print the package names and exit
#   scripts/deps.sh --check    exit 1 and name what is missing
set -eu

PACKAGES="
autoconf automake libtool pkg-config make gcc gettext build-essential debhelper lintian fakeroot
libqb-dev libcorosync-common-dev libquorum-dev libcmap-dev
pacemaker pacemaker-cli-utils pacemaker-dev corosync crmsh pcs
libvirt-daemon-system libvirt-daemon-driver-qemu libvirt-clients libvirt-dev
qemu-system-x86 qemu-utils
openipmi libfreeipmi-dev freeipmi-tools ipmitool
libxmlrpc-core-c3-dev libcurl4-openssl-dev
resource-agents fence-agents
check valgrind cppcheck clang-tidy libclang-rt-14-dev clang
libxml2-utils xsltproc iproute2 util-linux procps psmisc
hyperfine time python3 socat
"

case "${1:-}" in
--list)
	echo $PACKAGES | tr ' ' '\n'
	exit 0 ;;
--check)
	missing=""
	for p in $PACKAGES; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
			missing="$missing $p"
	done
	if [ -n "$missing" ]; then
		echo "missing packages:$missing (run: sh scripts/deps.sh)" >&2
		exit 1
	fi
	exit 0 ;;
esac

if [ "$(id -u)" != 0 ]; then
	echo "deps.sh: must run as root to install packages" >&2
	exit 1
fi

if "$0" --check 2>/dev/null; then
	exit 0
fi

# Package maintainer scripts would start libvirtd, corosync and pacemaker
# through init scripts; vmguard's tests start their own daemons, so keep the
# packages from starting any while they install (policy-rc.d exit 101 = deny).
created_policy=""
if [ ! -e /usr/sbin/policy-rc.d ]; then
	printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
	chmod 755 /usr/sbin/policy-rc.d
	created_policy=1
fi
cleanup() { [ -z "$created_policy" ] || rm -f /usr/sbin/policy-rc.d; }
trap cleanup EXIT

export DEBIAN_FRONTEND=noninteractive
apt-get update
# shellcheck disable=SC2086
apt-get install -y --no-install-recommends $PACKAGES
