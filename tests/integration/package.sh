#!/bin/bash
# The Debian package: built with dpkg-buildpackage from a copy of the tree,
# lintian clean, holding exactly what "make install" installs plus the docs;
# installed with dpkg -i, its agents answer meta-data from their installed
# paths, man pages are there, fence_vmguard answers from /usr/sbin; upgraded
# to a second build with a higher version (an operator's edit of the
# conffile survives); removed (conffiles stay, as policy wants) and purged
# (nothing left).
#
# dpkg -i installs for real: everything dpkg writes goes to overlays on /usr,
# /etc and /var whose upper layers live on a tmpfs inside $VG_TMP, in this
# script's private mount namespace (vg_ns_enter).  /lib, /bin and /sbin are
# symlinks into /usr on Debian 12 (overlaid too if they are not).  At the
# end the overlays are unmounted and the machine's own dpkg database,
# /usr and /etc are checked to be as they were.
#
# Takes two package builds (DEB_BUILD_OPTIONS="nocheck parallel=2": the
# upstream suite runs elsewhere): 10-20 s each measured here, the whole
# script under a minute; allow a few minutes on a 2-core CI machine.
. "$(dirname "$0")/../lib/tap.sh"; . "$(dirname "$0")/../lib/env.sh"; vg_ns_enter "$0" "$@"

for t in dpkg-buildpackage dh dh_autoreconf lintian fakeroot xmllint; do
	command -v "$t" >/dev/null || tap_bail "$t is missing (sh scripts/deps.sh)"
done
if dpkg-query -W -f='${Status}' vmguard 2>/dev/null | grep -q 'ok installed'; then
	tap_bail "vmguard is installed on this machine: this test installs and purges its own"
fi

VERSION=$(sed -n 's/^AC_INIT(\[vmguard\], *\[\([^]]*\)\].*/\1/p' "$VG_TOP/configure.ac")
[ -n "$VERSION" ] || tap_bail "no version in configure.ac's AC_INIT"
ARCH=$(dpkg --print-architecture)
OCFDIR=/usr/lib/ocf/resource.d/vmguard
DTD=/usr/share/resource-agents/ra-api-1.dtd
FENCE_RNG=/usr/share/cluster/relaxng/metadata.rng
tap_diag "upstream version (configure.ac): $VERSION"

xml_ok() {	# xmllint args...: quiet; its messages become diagnostics on failure
	xmllint --noout "$@" >"$VG_TMP/xmllint.out" 2>&1 && return 0
	sed 's/^/#   /' "$VG_TMP/xmllint.out"
	return 1
}

# --- a clean copy of the tree (uncommitted files included, no build dirs) -----
SRC=$VG_TMP/src/vmguard-$VERSION
mkdir -p "$SRC"
tar -C "$VG_TOP" --exclude=./.git --exclude=./_build --exclude='./build-*' \
	--exclude=./autom4te.cache --exclude=./tests/logs --exclude=./debian/vmguard \
	--exclude=./debian/.debhelper --exclude=./debian/files -cf - . | tar -C "$SRC" -xf - ||
	tap_bail "cannot copy the source tree"
[ -f "$SRC/Makefile" ] && tap_bail "the source tree is configured in-tree; dpkg-buildpackage needs it clean"

build_deb() {	# log: dpkg-buildpackage -us -uc -b in $SRC, prints the seconds taken
	local t0 rc
	t0=$(vg_ms)
	(cd "$SRC" && DEB_BUILD_OPTIONS="nocheck parallel=2" dpkg-buildpackage -us -uc -b) >"$1" 2>&1
	rc=$?
	echo $(( ($(vg_ms) - t0) / 1000 ))
	return $rc
}

# --- 1. build -------------------------------------------------------------------
DEBVER=$(cd "$SRC" && dpkg-parsechangelog -S Version)
tap_is "$(echo "$DEBVER" | sed -e 's/^[0-9]*://' -e 's/-[^-]*$//')" "$VERSION" \
	"debian/changelog's version ($DEBVER) is configure.ac's ($VERSION)"
secs=$(build_deb "$VG_TMP/build1.log")
tap_is "$?" 0 "dpkg-buildpackage -us -uc -b builds the package" ||
	{ tail -30 "$VG_TMP/build1.log" | sed 's/^/# /'; tap_bail "no package"; }
tap_diag "first build took $secs s"
DEB=$VG_TMP/src/vmguard_${DEBVER}_$ARCH.deb
tap_ok "  vmguard_${DEBVER}_$ARCH.deb exists" test -s "$DEB"

# --- 2. lintian: clean, or every tag overridden with a reason in debian/ --------
lintian -E -I --pedantic "$VG_TMP/src/vmguard_${DEBVER}_$ARCH.changes" >"$VG_TMP/lintian.out" 2>&1
grep -v '^running with root privileges' "$VG_TMP/lintian.out" >"$VG_TMP/lintian.tags"
tap_is "$(cat "$VG_TMP/lintian.tags")" "" "lintian -E -I --pedantic: no tag (overrides justified in debian/)"
tap_diag "lintian tags overridden (reasons in debian/vmguard.lintian-overrides):"
lintian -E -I --pedantic --show-overrides "$DEB" 2>/dev/null | sed -n 's/^O: /  /p' |
	while read -r l; do tap_diag "  $l"; done

# --- 3. the package holds what make install installs ----------------------------
# The same make install the project's tests use, with Debian's systemd unit
# directory; man pages are gzipped by dh_compress, /usr/share/doc is
# debian/'s (README, the guide, changelog, copyright).
make -s -C "$VG_BUILD" install DESTDIR="$VG_TMP/mi" prefix=/usr sysconfdir=/etc \
	localstatedir=/var systemdunitdir=/lib/systemd/system >"$VG_TMP/mi.log" 2>&1 ||
	tap_bail "make install failed: $(tail -3 "$VG_TMP/mi.log")"
(cd "$VG_TMP/mi" && find . ! -type d | sed -e 's|^\.||' -e 's|\(/share/man/.*\)|\1.gz|' | sort) >"$VG_TMP/mi.list"
dpkg-deb -c "$DEB" | awk '$1 !~ /^d/ { print $6 }' | sed 's|^\.||' | sort >"$VG_TMP/deb.all"
grep -Ev '^/usr/share/(doc/vmguard|lintian/overrides)/' "$VG_TMP/deb.all" >"$VG_TMP/deb.list"
tap_is "$(diff "$VG_TMP/mi.list" "$VG_TMP/deb.list")" "" \
	"the package's files are exactly make install's ($(wc -l <"$VG_TMP/deb.list") files)"
tap_is "$(grep -cE '^/usr/share/doc/vmguard/(README|guide\.md|copyright|changelog)(\.gz)?$' "$VG_TMP/deb.all")" 4 \
	"  plus /usr/share/doc/vmguard: README, guide.md, copyright, changelog"
tap_is "$(dpkg-deb -f "$DEB" Version)" "$DEBVER" "  control Version is debian/changelog's"
tap_like "$(dpkg-deb -f "$DEB" Depends)" 'libstonithd' "  Depends from the shared libraries (libstonithd, ...)"

# --- 4. install into overlays ---------------------------------------------------------
host_status_sum=$(sha256sum </var/lib/dpkg/status)
host_had_etc_vmguard=no; [ -e /etc/vmguard ] && host_had_etc_vmguard=yes
host_had_vmguardd=no; [ -e /usr/sbin/vmguardd ] && host_had_vmguardd=yes

OVL=$VG_TMP/ovl
mkdir -p "$OVL"
mount -t tmpfs -o mode=755 tmpfs "$OVL" || tap_bail "cannot mount the overlays' tmpfs"
vg_at_exit "umount -l '$OVL'"	# after unoverlay (exit commands run in reverse)
OVERLAID=()
overlay() {	# dir: changes under dir go to $OVL/<name>/upper, vanish with the test
	local n
	n=$(echo "$1" | tr / _)
	mkdir -p "$OVL/$n/upper" "$OVL/$n/work"
	mount -t overlay overlay -o "lowerdir=$1,upperdir=$OVL/$n/upper,workdir=$OVL/$n/work" "$1" ||
		tap_bail "cannot overlay $1"
	OVERLAID=("$1" "${OVERLAID[@]}")
}
unoverlay() {
	local d
	umount /etc/hosts 2>/dev/null
	for d in "${OVERLAID[@]}"; do umount "$d" 2>/dev/null || umount -l "$d"; done
	OVERLAID=()
}
vg_at_exit unoverlay
for d in /usr /etc /var /lib /bin /sbin; do
	[ -d "$d" ] && [ ! -L "$d" ] && overlay "$d"
done
mount --bind "$VG_TMP/hosts" /etc/hosts	# vg_ns_enter's, hidden by the /etc overlay

dpkg -i "$DEB" </dev/null >"$VG_TMP/dpkg-i.log" 2>&1
tap_is "$?" 0 "dpkg -i installs the package" || tail -20 "$VG_TMP/dpkg-i.log" | sed 's/^/# /'
tap_is "$(dpkg-query -W -f='${Status} ${Version}' vmguard 2>/dev/null)" "install ok installed $DEBVER" \
	"  dpkg says vmguard $DEBVER is installed"

# --- 5. from the installed paths ----------------------------------------------------------
agents=$(cd "$OCFDIR" 2>/dev/null && ls)
tap_is "$(echo $agents)" "libvirtd opennebula" "the OCF agents are in $OCFDIR"
for a in $agents; do
	"$OCFDIR/$a" meta-data >"$VG_TMP/$a.xml" 2>"$VG_TMP/$a.err"
	tap_is "$?" 0 "$a meta-data from its installed path exits 0"
	tap_ok "  validates against ra-api-1.dtd" xml_ok --dtdvalid "$DTD" "$VG_TMP/$a.xml"
	tap_is "$(xmllint --xpath 'string(/resource-agent/@version)' "$VG_TMP/$a.xml")" "$VERSION" \
		"  meta-data's version is $VERSION"
	tap_like "$("$OCFDIR/$a" --version 2>&1)" "(^| )$VERSION\$" "  $a --version says $VERSION"
	tap_like "$(crm_resource --show-metadata "ocf:vmguard:$a" 2>&1)" "<resource-agent name=\"$a\"" \
		"  Pacemaker finds ocf:vmguard:$a (crm_resource --show-metadata)"
	tap_ok "  man page ocf_vmguard_$a(7)" sh -c "man -w 7 ocf_vmguard_$a | grep -q '^/usr/share/man/man7/ocf_vmguard_$a.7.gz\$'"
done

/usr/sbin/fence_vmguard -o metadata >"$VG_TMP/fence.xml" 2>&1
tap_is "$?" 0 "/usr/sbin/fence_vmguard -o metadata exits 0"
tap_ok "  validates against fence-agents' metadata.rng" \
	xml_ok --relaxng "$FENCE_RNG" "$VG_TMP/fence.xml"
tap_like "$(/usr/sbin/fence_vmguard --version 2>&1)" "(^| )$VERSION\$" "  fence_vmguard --version says $VERSION"

# Every binary in /usr/sbin: a man page in section 8, and --version.
for b in $(dpkg -L vmguard | grep '^/usr/sbin/' | sed 's|.*/||'); do
	tap_ok "man page $b(8)" sh -c "man -w 8 $b | grep -q '^/usr/share/man/man8/$b.8.gz\$'"
	tap_like "$(timeout 10 "/usr/sbin/$b" --version 2>&1 | head -1)" "(^| )$VERSION\$" "$b --version says $VERSION"
done
tap_ok "man page vmguardd.conf(5)" sh -c "man -w 5 vmguardd.conf | grep -q '^/usr/share/man/man5/vmguardd.conf.5.gz\$'"

tap_like "$(dpkg-query -W -f='${Conffiles}' vmguard)" '/etc/vmguard/vmguardd.conf [0-9a-f]{32}' \
	"/etc/vmguard/vmguardd.conf is a conffile"
out=$(/usr/sbin/vmguardd --check-config 2>&1)
tap_is "$?" 0 "vmguardd --check-config accepts the shipped /etc/vmguard/vmguardd.conf"
tap_like "$out" 'rule holds: 54 s < 540 s' "  and prints its timing rule (54 s < 540 s)"

U=/lib/systemd/system/vmguardd.service
tap_ok "the systemd unit is $U" test -f "$U"
if command -v systemd-analyze >/dev/null; then
	tap_is "$(systemd-analyze verify "$U" 2>&1)" "" "  systemd-analyze verify: clean (binaries and man pages found)"
fi
tap_fail "  and not enabled on install (the operator enables it, see the guide)" \
	test -e /etc/systemd/system/multi-user.target.wants/vmguardd.service

# The self-test's cron file and the package-upgrade hook: whatever make
# install puts in /etc/cron.d and /etc/apt/apt.conf.d is packaged (3. above);
# here they must be conffiles that name installed programs.
cronf=$(cd "$VG_TMP/mi" && ls etc/cron.d/* 2>/dev/null)
if [ -n "$cronf" ]; then
	for f in $cronf; do
		tap_like "$(dpkg-query -W -f='${Conffiles}' vmguard)" "/$f " "/$f is a conffile"
		# "m h dom mon dow user command": the command names installed programs
		# by absolute path ("[ ! -x /usr/sbin/vmguard ] || /usr/sbin/vmguard ...").
		bad=$(grep -Ev '^[[:space:]]*(#|$|[A-Z_]+=)' "/$f" | while read -r m h dom mon dow user cmd; do
			progs=$(echo "$cmd" | grep -Eo '/usr/s?bin/[A-Za-z0-9_.-]+' | sort -u)
			[ "$user" = root ] && [ -n "$cmd" ] && [ -n "$progs" ] || { echo "malformed: $m $h $dom $mon $dow $user $cmd"; continue; }
			for p in $progs; do [ -x "$p" ] || echo "not installed: $p"; done
		done)
		tap_is "$bad" "" "  every cron line: 5 time fields, user root, an installed program"
	done
else
	tap_skip "the self-test's cron file is packaged" "make install installs nothing in /etc/cron.d yet"
fi
aptf=$(cd "$VG_TMP/mi" && ls etc/apt/apt.conf.d/* 2>/dev/null)
if [ -n "$aptf" ]; then
	for f in $aptf; do
		tap_like "$(dpkg-query -W -f='${Conffiles}' vmguard)" "/$f " "/$f is a conffile"
		tap_ok "  apt-config parses it" sh -c "apt-config -c '/$f' dump >/dev/null"
		tap_like "$(apt-config -c "/$f" dump)" 'DPkg::Post-Invoke.*vmguard' "  it reruns vmguard after dpkg runs"
	done
else
	tap_skip "the package-upgrade hook is packaged" "make install installs nothing in /etc/apt/apt.conf.d yet"
fi

# --- 6. upgrade to a second build with a higher version -----------------------------
# An operator's edit of the conffile; the new version's file is unchanged,
# so dpkg keeps the edit without asking.
sed -i 's/^libvirtd_grace = .*/libvirtd_grace = 12s/' /etc/vmguard/vmguardd.conf
NEWVER=$DEBVER+pkgtest1
{
	printf 'vmguard (%s) unstable; urgency=medium\n\n' "$NEWVER"
	printf '  * Test build by tests/integration/package.sh: an upgrade.\n\n'
	printf ' -- vmguard developers <vmguard@lists.example.org>  %s\n\n' "$(date -R)"
	cat "$SRC/debian/changelog"
} >"$VG_TMP/changelog" && cp "$VG_TMP/changelog" "$SRC/debian/changelog"
secs=$(build_deb "$VG_TMP/build2.log")
tap_is "$?" 0 "a second build as $NEWVER" || tail -30 "$VG_TMP/build2.log" | sed 's/^/# /'
tap_diag "second build took $secs s"
DEB2=$VG_TMP/src/vmguard_${NEWVER}_$ARCH.deb
tap_ok "  dpkg --compare-versions $NEWVER gt $DEBVER" dpkg --compare-versions "$NEWVER" gt "$DEBVER"

dpkg -i "$DEB2" </dev/null >"$VG_TMP/dpkg-up.log" 2>&1
tap_is "$?" 0 "dpkg -i upgrades to $NEWVER" || tail -20 "$VG_TMP/dpkg-up.log" | sed 's/^/# /'
tap_ok "  as an upgrade: \"Unpacking vmguard ($NEWVER) over ($DEBVER)\"" \
	grep -qF "Unpacking vmguard ($NEWVER) over ($DEBVER)" "$VG_TMP/dpkg-up.log"
tap_is "$(dpkg-query -W -f='${Status} ${Version}' vmguard 2>/dev/null)" "install ok installed $NEWVER" \
	"  dpkg says $NEWVER is installed"
tap_ok "  the operator's edit of vmguardd.conf survived" grep -qx 'libvirtd_grace = 12s' /etc/vmguard/vmguardd.conf
tap_fail "  no .dpkg-new/.dpkg-dist/.dpkg-old left beside it" \
	sh -c 'ls /etc/vmguard | grep -q "\.dpkg-"'
tap_is "$(dpkg -V vmguard 2>&1 | sed 's/^[^ ]* *//')" "c /etc/vmguard/vmguardd.conf" \
	"  dpkg -V: only the edited conffile differs"
tap_is "$("$OCFDIR/libvirtd" meta-data 2>/dev/null | xmllint --xpath 'string(/resource-agent/@version)' -)" "$VERSION" \
	"  the upgraded libvirtd agent answers meta-data"

# --- 7. remove: programs gone, conffiles kept (policy) ----------------------------
files=$(dpkg -L vmguard | while read -r f; do [ -f "$f" ] && echo "$f"; done)
conffiles=$(dpkg-query -W -f='${Conffiles}\n' vmguard | awk 'NF { print $1 }' | sort)
dpkg -r vmguard </dev/null >"$VG_TMP/dpkg-r.log" 2>&1
tap_is "$?" 0 "dpkg -r removes the package" || tail -20 "$VG_TMP/dpkg-r.log" | sed 's/^/# /'
tap_is "$(dpkg-query -W -f='${Status}' vmguard 2>/dev/null)" "deinstall ok config-files" "  config-files state"
left=$(for f in $files; do [ -e "$f" ] && echo "$f"; done | sort)
tap_is "$left" "$conffiles" "  every file gone but the $(echo "$conffiles" | wc -l) conffiles ($(echo "$files" | wc -l) files were installed)"
tap_fail "  $OCFDIR is gone" test -e "$OCFDIR"
# Policy: a removed package's cron job and apt hook stay (conffiles) and
# must then do nothing, quietly.
quiet_noop() {	# commands, one a line: prints what is wrong with them
	local cmd out
	[ -n "$1" ] || { echo "no command found"; return; }
	while IFS= read -r cmd; do
		out=$(sh -c "$cmd" 2>&1) && [ -z "$out" ] || echo "$cmd: exit $?, output '$out'"
	done <<<"$1"
}
for f in $cronf; do
	cmds=$(grep -Ev '^[[:space:]]*(#|$|[A-Z_]+=)' "/$f" | awk '{ $1 = $2 = $3 = $4 = $5 = $6 = ""; sub(/^ +/, ""); print }')
	tap_is "$(quiet_noop "$cmds")" "" "  the kept /$f does nothing, quietly, without the package"
done
for f in $aptf; do
	cmds=$(sed -n 's/^[[:space:]]*"\(.*\)";[[:space:]]*$/\1/p' "/$f")
	tap_is "$(quiet_noop "$cmds")" "" "  the kept /$f does nothing, quietly, without the package"
done

# --- 8. purge: nothing left ---------------------------------------------------------
dpkg -P vmguard </dev/null >"$VG_TMP/dpkg-p.log" 2>&1
tap_is "$?" 0 "dpkg -P purges the package" || tail -20 "$VG_TMP/dpkg-p.log" | sed 's/^/# /'
tap_is "$(dpkg-query -W -f='${Status}' vmguard 2>/dev/null)" "" "  dpkg no longer knows vmguard"
tap_fail "  /etc/vmguard is gone" test -e /etc/vmguard
# Everything the package changed is in the overlays' upper layers.  After
# the purge they may hold only dpkg's own records (its database and log,
# man-db's cache, deb-systemd-helper's state directories) and directories
# the machine has too: no file, no symlink, no deleted file (whiteout).
uppers=("${OVERLAID[@]}")
unoverlay
tap_diag "overlays unmounted"
residue() {
	local d n p rel
	for d in "${uppers[@]}"; do
		n=$(echo "$d" | tr / _)
		(cd "$OVL/$n/upper" && find . -mindepth 1 | sed 's|^\./||') | while read -r rel; do
			p=$d/$rel
			case $p in
			/var/lib/dpkg|/var/lib/dpkg/*|/var/log|/var/log/*|/var/cache/man|/var/cache/man/*) continue ;;
			/var/lib/systemd/deb-systemd-helper-enabled|/var/lib/systemd/deb-systemd-helper-masked) continue ;;
			esac
			if [ -d "$OVL/$n/upper/$rel" ] && [ ! -L "$OVL/$n/upper/$rel" ]; then
				[ -d "$p" ] && continue
				echo "$p/ (a new directory)"
			elif [ -c "$OVL/$n/upper/$rel" ]; then
				echo "$p (deleted from the machine)"
			else
				echo "$p"
			fi
		done
	done
}
res=$(residue)
tap_is "$res" "" "nothing left behind after purge but dpkg's own records"

# --- 9. the machine itself is untouched ---------------------------------------------------
tap_is "$(sha256sum </var/lib/dpkg/status)" "$host_status_sum" "the machine's dpkg database is unchanged"
tap_fail "dpkg on the machine does not know vmguard as installed" \
	sh -c "dpkg-query -W -f='\${Status}' vmguard 2>/dev/null | grep -q 'ok installed'"
tap_is "$([ -e /usr/sbin/vmguardd ] && echo yes || echo no)" "$host_had_vmguardd" "the machine's /usr/sbin is as it was"
tap_is "$([ -e /etc/vmguard ] && echo yes || echo no)" "$host_had_etc_vmguard" "the machine's /etc is as it was"
tap_done
