# Simulated BMCs: OpenIPMI's ipmi_sim, one per simulated host, whose chassis
# power control starts and kills a real process (the "host").  Source after
# tap.sh and env.sh, inside the test's namespaces (vg_ns_enter).
#
#   bmc_start NAME ADDR USER PASSFILE CMD...
#                      start a BMC for host NAME on ADDR (UDP 623, or
#                      $BMC_PORT), one admin user USER whose password is the
#                      first line of PASSFILE.  Power on runs CMD... (a
#                      "host": `sleep infinity`, or a whole node's namespace
#                      init); power off sends it SIGTERM, which the power
#                      script turns into SIGKILL of CMD, so the host dies
#                      at once.  ADDR is added to lo (as ADDR/8) when no
#                      interface has it.  The host starts powered off.
#                      Optional: BMC_EXTRA_CONF  more lan.conf lines (e.g.
#                      further "user" lines).
#                      BMC_OFF_DELAY=SECS  a slow power-down: the BMC
#                      acknowledges the power-off command at once, but the
#                      host keeps running, and the BMC keeps reporting
#                      "on", for SECS more seconds.  BMC_OFF_DELAY=never:
#                      the power-off is acknowledged and ignored, the BMC
#                      reports "on" for ever.  Either way power.log gets an
#                      "<ms> off-requested" line when the BMC acts on the
#                      command.
#   bmc_stop NAME      stop the BMC and power the host off
#   bmc_power_state NAME   print "on" or "off": whether the host process
#                      runs (not what the BMC claims)
#   bmc_wait_state NAME on|off [SECS]   wait (default 15 s) until the host
#                      process is in that state: ipmi_sim may report the new
#                      state a moment before its power script has acted
#   bmc_host_pid NAME  PID of the running host process (empty when off)
#   bmc_pid NAME       PID of ipmi_sim
#   bmc_dir NAME       the BMC's directory (lan.conf, power.log, ...)
#
# power.log in the BMC's directory gets one line per power transition
# ("<ms> on <pid>" / "<ms> off"), so tests can check what really happened.
# ipmi_sim reports the chassis on exactly while its power script runs, and
# the script writes "off" after the host is dead and before it exits: a
# client that saw the BMC report off did so after the "off" line was
# written.  Tests may compare a client's return time with it (same clock).
# Passwords never go on a command line: ipmi_sim reads them from lan.conf
# (mode 0600).

BMC_SIM=${BMC_SIM:-ipmi_sim}

bmc_dir() { echo "$VG_TMP/bmc/$1"; }
bmc_pid() { cat "$(bmc_dir "$1")/sim.pid" 2>/dev/null; }
bmc_host_pid() {
	local p
	p=$(cat "$(bmc_dir "$1")/host.pid" 2>/dev/null) || return 0
	[ -n "$p" ] && _bmc_alive "$p" && echo "$p"
	return 0
}

_bmc_alive() {	# pid: running and not a zombie
	kill -0 "$1" 2>/dev/null && ! grep -q '^State:.*[ZX]' "/proc/$1/status" 2>/dev/null
}

bmc_power_state() {
	if [ -n "$(bmc_host_pid "$1")" ]; then echo on; else echo off; fi
}

_bmc_state_is() { [ "$(bmc_power_state "$1")" = "$2" ]; }
bmc_wait_state() {	# name state [secs]: re-checks the host every 0.1 s
	vg_wait "${3:-15}" _bmc_state_is "$1" "$2"
}

_bmc_addr_up() {	# addr
	ip -o addr show | grep -q " inet $1/" && return 0
	ip addr add "$1/8" dev lo
}

bmc_start() {	# name addr user passfile cmd...
	local name=$1 addr=$2 user=$3 passfile=$4 dir pass port=${BMC_PORT:-623}
	local delay=${BMC_OFF_DELAY:-0} kill_wait=2
	shift 4
	vg_tmpdir
	dir=$(bmc_dir "$name")
	mkdir -p "$dir/state"
	chmod 700 "$dir"
	_bmc_addr_up "$addr" || { echo "bmc_start: cannot add $addr" >&2; return 1; }
	case $delay in
	never) kill_wait=100000 ;;	# ipmi_sim SIGKILLs the script after kill_wait s
	0) ;;
	*[!0-9]*) echo "bmc_start: BMC_OFF_DELAY must be seconds or 'never'" >&2; return 1 ;;
	*) kill_wait=$((delay + 30)) ;;
	esac
	IFS= read -r pass <"$passfile" || { echo "bmc_start: cannot read $passfile" >&2; return 1; }

	# The host: its PID is the power state.  ipmi_sim runs the startcmd
	# as sh -c "exec <startcmd>" and SIGTERMs it on power off (SIGKILL
	# after kill_wait): the script kills the host itself at once, since
	# a host does not shut down politely when its power goes.
	{
		echo '#!/bin/bash'
		echo "dir='$dir'"
		echo "delay='$delay'"
		printf 'cmd=('; printf '%q ' "$@"; echo ')'
		cat <<'EOF'
ms() { echo $(( $(date +%s%N) / 1000000 )); }
"${cmd[@]}" </dev/null >>"$dir/host.out" 2>&1 &
host=$!
echo "$host" >"$dir/host.pid"
echo "$(ms) on $host" >>"$dir/power.log"
off() {
	if [ "$delay" != 0 ]; then
		echo "$(ms) off-requested" >>"$dir/power.log"
		if [ "$delay" = never ]; then
			trap '' TERM INT
			wait "$host"
			exit 0
		fi
		sleep "$delay"
	fi
	kill -KILL "$host" 2>/dev/null
	wait "$host" 2>/dev/null
	: >"$dir/host.pid"
	echo "$(ms) off" >>"$dir/power.log"
	exit 0
}
trap off TERM INT
wait "$host"
: >"$dir/host.pid"
echo "$(ms) off (host exited)" >>"$dir/power.log"
EOF
	} >"$dir/power.sh"
	chmod 700 "$dir/power.sh"

	(umask 077; cat >"$dir/lan.conf" <<EOF
name "$name"
set_working_mc 0x20
  startlan 1
    addr $addr $port
    priv_limit admin
    allowed_auths_callback none md2 md5 straight
    allowed_auths_user none md2 md5 straight
    allowed_auths_operator none md2 md5 straight
    allowed_auths_admin none md2 md5 straight
    guid a123456789abcdefa123456789abcdef
  endlan
  serial 15 $addr 9002 codec VM
  startcmd "$dir/power.sh"
  startnow false
  poweroff_wait 1
  kill_wait $kill_wait
  user 2 true "$user" "$pass" admin 10 none md2 md5 straight
${BMC_EXTRA_CONF:-}
EOF
	)
	cat >"$dir/sim.emu" <<'EOF'
mc_setbmc 0x20
mc_add 0x20 0 no-device-sdrs 0x23 9 8 0x9f 0x1291 0xf02 persist_sdr
sel_enable 0x20 1000 0x0a
mc_enable 0x20
EOF
	: >"$dir/power.log"
	"$BMC_SIM" -n -p -c "$dir/lan.conf" -f "$dir/sim.emu" -s "$dir/state" \
		</dev/null >"$dir/sim.log" 2>&1 &
	echo $! >"$dir/sim.pid"
	vg_at_exit "bmc_stop '$name'"
	# Ready when the LAN port is bound.
	if ! vg_wait 10 sh -c "ss -Hlun 'sport = :$port' | grep -q '$addr:$port'"; then
		echo "bmc_start: ipmi_sim for $name did not listen on $addr:$port" >&2
		cat "$dir/sim.log" >&2
		return 1
	fi
}

bmc_stop() {	# name
	local dir pid
	dir=$(bmc_dir "$1")
	pid=$(bmc_pid "$1")
	[ -n "$pid" ] && vg_kill_wait "$pid"
	pid=$(bmc_host_pid "$1")
	[ -n "$pid" ] && vg_kill_wait "$pid" KILL
	: >"$dir/sim.pid"
	return 0
}
