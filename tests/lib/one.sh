# An OpenNebula frontend's files for tests: the "oneadmin" user (only in this
# mount namespace), ONE_LOCATION with an oned.conf for tests/lib/fake-oned,
# the stand-in for oned (Debian does not package OpenNebula), and a 0600
# ONE_AUTH file with a fresh random password.  Source after env.sh.
#   one_setup          sets FAKE, L (ONE_LOCATION), SECRET, AUTH
#   fake_set KEY VAL   change a FAKE_* key (re-read on every request)

FAKE=$VG_TOP/tests/lib/fake-oned

one_setup() {
	chmod 755 "$VG_TMP"
	cp /etc/passwd "$VG_TMP/passwd"; cp /etc/group "$VG_TMP/group"
	L=$VG_TMP/one
	echo "oneadmin:x:9869:9869:OpenNebula:$L:/bin/false" >>"$VG_TMP/passwd"
	echo "oneadmin:x:9869:" >>"$VG_TMP/group"
	mount --bind "$VG_TMP/passwd" /etc/passwd
	mount --bind "$VG_TMP/group" /etc/group
	mkdir -p "$L/etc" "$L/var" "$VG_TMP/bin" "$VG_TMP/run"
	chown oneadmin:oneadmin "$L/var"
	ln -s "$FAKE" "$VG_TMP/bin/mm_sched"
	SECRET="pw-$(od -An -N8 -tx8 /dev/urandom | tr -d ' ')"
	cat >"$L/etc/oned.conf" <<-EOF
	PORT = 2633
	LISTEN_ADDRESS = "127.0.0.1"
	DB = [ BACKEND = "sqlite" ]
	FAKE_AUTH = "oneadmin:$SECRET"
	FAKE_API_DELAY = 1
	FAKE_EXIT_DELAY = 2
	FAKE_SLOW = 0
	FAKE_MODE = normal
	FAKE_RAFT_STATE = 0
	EOF
	AUTH=$VG_TMP/one_auth
	(umask 077; echo "oneadmin:$SECRET" >"$AUTH")
}

fake_set() {	# KEY VALUE: the stand-in re-reads FAKE_* keys on every request
	sed -i "s|^$1 = .*|$1 = $2|" "$L/etc/oned.conf"
}
