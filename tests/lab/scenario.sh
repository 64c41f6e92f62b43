# The lab's fault scenarios: common part of tests/lab/NN-*.sh and demo.sh.
# Source after tap.sh and env.sh, after vg_ns_enter.
#
#   sc_begin NAME        overlay the build, start the invariant checker,
#                        bring the lab up (lab.sh), check that it is up and
#                        that the checker sees every guest; SC_VICTIM = the
#                        node running the guests
#   sc_inject TEXT       t=0 of the scenario (marks the timeline)
#   sc_mark TEXT         one event on the timeline
#   sc_signal_libvirtd SIG [TEXT]   t=0: SIG to libvirtd on SC_VICTIM
#   sc_fenced NODE       true once NODE's BMC has cut its power since t=0
#                        (with stonith-action=reboot it is on again) and the
#                        cluster's fence history records a success
#   sc_recovered NODE    true once every guest runs on exactly one node, and
#                        not on NODE, and Pacemaker reports it started
#   sc_rejoined NODE     NODE is a member again and runs its libvirtd
#   sc_finish            stop the checker, build the timeline from every
#                        source, check the invariant, print timeline+figures
#   sc_assert_fenced_recovered NODE   the outcome of scenarios 1-3, 6 and 9
#                        (off: NODE stays off; reboot: its BMC powered it on)
#   sc_assert_untouched               no fence, every guest's qemu unchanged
#   sc_assert_invariant  (a) never on two nodes at once, (b) no start on a
#                        new node before the old one's fence was confirmed,
#                        and sc_assert_sampling
#   sc_assert_sampling   the checker saw every guest where the lab sees it,
#                        and sampled often enough for (a) to mean something
#   sc_history NODE      the cluster's fence events for NODE; fails when the
#                        query fails
#   sc_history_none NODE [RE]   the query works and no event (matching RE)
#
# LAB_CHECKER_SRC: the checker's source (default tests/lab/invariant.c; a
# mutation run or an old version can be tried in its place).
#
# The timeline merges, on the one wall clock all nodes share: the script's
# own marks, the checker's samples (qemu started/stopped per node), the
# BMCs' power logs, every node's Pacemaker log (monitor failures, fence
# requests, fence agent results, fence confirmations, resource starts) and
# vmguardd's log.  SC_REPORT (optional): a file that receives the timeline
# and figures in plain text (demo.sh prints it).

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
	echo "1..0 # SKIP scenario.sh is the scenarios' library, not a test"
	exit 0
fi
. "$VG_TOP/tests/lib/bmc.sh"
. "$VG_TOP/tests/lab/lab.sh"

SC_CFLAGS="-std=gnu11 -O2 -Wall -Wextra -Werror -Wshadow -Wformat=2 -Wstrict-prototypes -Wmissing-prototypes"
LAB_CHECKER_SRC=${LAB_CHECKER_SRC:-$VG_TOP/tests/lab/invariant.c}

# (a) is drawn from samples: a double run that begins and ends between two
# samples goes unseen, so "no violation" holds only for double runs longer
# than the longest gap between two samples.  The bound is half the shortest
# double run a mistake leaves standing here: a second copy of a guest
# appears only when libvirt starts one, and goes away only when Pacemaker
# stops a copy -- once a start or a monitor has reported, a second or more
# after the qemu appeared -- or when a BMC cuts a node's power.  The power
# cut may follow a wrong start closely (a fence confirmed before the power
# was off): that race is (b)'s to judge, from the fencer's and the BMCs'
# logs and the checker's "after=" time, which bounds a start from below
# whatever the gap.  The sampler runs every 40 ms at SCHED_FIFO; the worst
# gap seen was ~200 ms, on two cores with a load of 10.
SC_MAX_GAP_MS=500

sc_mark() { printf '%s\tmark\t-\t%s\n' "$(vg_ms)" "$*" >>"$SC/marks"; }

sc_inject() {
	SC_T0=$(vg_ms)
	printf '%s\tinject\t%s\t%s\n' "$SC_T0" "${SC_VICTIM:--}" "INJECTED: $*" >>"$SC/marks"
}

_sc_save_logs() {
	local dest n
	dest="${VG_TEST_LOGDIR:-$VG_TOP/tests/logs}/lab-$SC_NAME"
	rm -rf "$dest"
	mkdir -p "$dest" || return 0
	for n in $(lab_nodes); do
		mkdir -p "$dest/$n"
		cp -a "$(lab_ndir "$n")/log/." "$(lab_ndir "$n")/boot.log" "$dest/$n/" 2>/dev/null
		cp -a "$(bmc_dir "$n")/power.log" "$dest/$n/bmc-power.log" 2>/dev/null
	done
	cp -a "$SC/." "$dest/" 2>/dev/null
	tap_diag "lab logs kept in $dest"
}

# What guards the nodes (SC_MODE); fails when vmguardd was asked for and
# is not built: a run without it must not pass for one with it.
_sc_mode() {
	if [ "$LAB_VMGUARDD" = 1 ]; then
		[ -x "$VG_BUILD/fence/vmguardd" ] || return 1
		SC_MODE="vmguardd + Pacemaker monitor"
	else
		SC_MODE="Pacemaker monitor only"
	fi
}

_sc_lab_ready() { _lab_all_online && _lab_all_running; }

sc_begin() {	# name
	SC_NAME=$1
	_sc_mode || tap_bail "LAB_VMGUARDD=1 but $VG_BUILD/fence/vmguardd is not built"
	vg_ns_install
	SC=$VG_TMP/scenario
	mkdir -p "$SC"
	: >"$SC/marks"
	# The checker, built from source with the project's warning flags.
	${CC:-cc} $SC_CFLAGS -o "$SC/checker" "$LAB_CHECKER_SRC" ||
		tap_bail "cannot build the invariant checker"
	"$SC/checker" -o "$SC/events" -i 40 2>"$SC/checker.err" &
	SC_CHECKER=$!
	vg_at_exit "kill -KILL $SC_CHECKER"
	sc_mark "lab power-up begins"
	if ! lab_up; then
		_sc_save_logs
		tap_bail "the lab did not come up"
	fi
	sc_mark "lab up: $LAB_N nodes, cluster formed and configured, libvirtd clone and $LAB_GUESTS guests running"
	tap_ok "lab up: $LAB_N nodes online, libvirtd clone and $LAB_GUESTS guests running ($SC_MODE)" \
		_sc_lab_ready
	tap_diag "lab start-up: $LAB_UP_MS ms (BMCs ready $LAB_T_BMCS, nodes powered on $LAB_T_POWER, cluster formed $LAB_T_FORMED, configured $LAB_T_CONFIGURED)"
	if [ "$LAB_VMGUARDD" = 1 ]; then
		local n
		for n in $(lab_nodes); do
			tap_ok "vmguardd on $n guards libvirtd" vg_wait 30 grep -q "libvirtd connected" \
				"$(lab_ndir "$n")/log/vmguardd.log" ||
				tap_diag "$(tail -3 "$(lab_ndir "$n")/log/vmguardd.log" 2>/dev/null)"
		done
	fi
	SC_VICTIM=$(lab_guest_nodes vm1 | head -1)
	[ -n "$SC_VICTIM" ] || tap_bail "vm1 runs nowhere"
	local g where
	for g in $(lab_guests); do
		where=$(lab_guest_nodes "$g")
		[ "$where" = "$SC_VICTIM" ] ||
			tap_diag "note: $g runs on $where, not on $SC_VICTIM"
		# A checker that sees nothing finds no violation: it must see
		# what the lab sees, by name and by disk.
		tap_ok "the checker sees guest $g's qemu on $where, and its disk" \
			vg_wait 10 _sc_checker_sees "$g" "$where"
	done
	# Let the first monitors settle before anything is injected.
	lab_cluster timeout 70 crm_resource --wait --timeout=60s >/dev/null 2>&1
	SC_GUEST_PIDS=$(for g in $(lab_guests); do
		echo "$g $(_lab_qemu_pid_of "$g")"; done)
}

# The checker's view of GUEST: "node pid disks=..." of each of its qemu
# processes running at the checker's last sample.
_sc_checker_running() {	# guest
	awk -v g="$1" '$3 == g && $2 == "start" { r[$4 " " $5] = $6 }
		$3 == g && $2 == "stop" { delete r[$4 " " $5] }
		END { for (k in r) print k, r[k] }' "$SC/events" 2>/dev/null | sort
}

_sc_checker_sees() {	# guest node: its qemu on node, with its disk
	_sc_checker_running "$1" |
		grep -Eq "^$2 [0-9]+ disks=(.*,)?/var/lib/libvirt/images/$1\.img(,|\$)"
}

_lab_qemu_pid_of() {	# guest -> host PID(s) of its qemu
	awk -v g="$1" '$3 == g { if ($2 == "start") p[$5] = 1; else if ($2 == "stop") delete p[$5] }
		END { for (k in p) print k }' "$SC/events" 2>/dev/null | sort | tr '\n' ' ' | sed 's/ $//'
}

# --- conditions ---------------------------------------------------------------
# The fence_event lines of the cluster's history for NODE (maybe none).  A
# query that fails fails: "no fence" is never read from a failed query.
sc_history() {	# node
	local out rc
	out=$(lab_cluster -x "$1" timeout 20 stonith_admin --history "$1" --verbose \
		--output-as=xml 2>"$VG_TMP/history.err")
	rc=$?
	if [ $rc != 0 ] || [[ $out != *"<pacemaker-result"* ]]; then
		echo "# fence history query for $1 failed (exit $rc): $(head -c 300 "$VG_TMP/history.err")" >&2
		return 1
	fi
	grep '<fence_event' <<<"$out"
	return 0
}

sc_history_none() {	# node [regex]: the query works; no event matches
	local h
	h=$(sc_history "$1") || return 1
	! grep -Eq -- "${2:-.}" <<<"$h"
}

# The BMC's power transitions since t=0, oldest first: "off on ...".  Only
# what the BMC did ("off (host exited)" is a node that died by itself).
_sc_power_since() {	# node
	awk -v t0="$SC_T0" '$1 >= t0 && ($2 == "on" || ($2 == "off" && NF == 2)) { printf "%s ", $2 }' \
		"$(bmc_dir "$1")/power.log" 2>/dev/null
}

sc_fenced() {	# node
	[[ " $(_sc_power_since "$1")" == *" off "* ]] || return 1
	sc_history "$1" | grep -q 'status="success"'
}

# NODE is a member again (as another node sees it) and runs its libvirtd
# clone instance.
sc_rejoined() {	# node
	local out
	out=$(lab_cluster -x "$1" timeout 10 crm_mon -1 2>/dev/null) || return 1
	printf '%s\n' "$out" | grep -Eq "Online: \[.* $1( |\])" || return 1
	lab_cluster -x "$1" timeout 10 crm_resource --locate -r libvirtd-clone 2>/dev/null |
		grep -q "is running on: $1\$"
}

sc_recovered() {	# old-node
	local g where out
	out=$(lab_cluster -x "$1" timeout 10 crm_mon -1 2>/dev/null) || return 1
	for g in $(lab_guests); do
		where=$(lab_guest_nodes "$g")
		[ -n "$where" ] && [ "$(echo "$where" | wc -l)" = 1 ] && [ "$where" != "$1" ] || return 1
		printf '%s\n' "$out" | grep -Eq "\* $g[[:space:]].*Started $where" || return 1
	done
}

# --- the timeline -------------------------------------------------------------
# Every source becomes lines "<ms>\t<tag>\t<node>\t<text>" in $SC/all.
_sc_pcmk_events() {
	local n f
	for n in $(lab_nodes); do
		f="$(lab_ndir "$n")/log/pacemaker/pacemaker.log"
		[ -r "$f" ] || continue
		grep -E "Result of monitor operation for libvirtd on [^:]+: |will be fenced: |wants to fence |Operation '[a-z]+' \[[0-9]+\] targeting |Operation '[a-z]+' targeting .* for |Result of (start|stop) operation for |Too many failures .* to fence|Node [^ ]+ state is now (lost|member)|Requesting fencing" "$f" |
			grep -v 'Result of monitor operation for libvirtd on [^:]*: ok' |
			grep -v 'Result of monitor operation for libvirtd on [^:]*: not running' |
			grep -v 'Result of monitor operation for .*: ok' |
			grep -v 'Result of monitor operation for .*: Cancelled'
	done >"$SC/pcmk.lines"
	[ -s "$SC/pcmk.lines" ] || return 0
	cut -c1-19 "$SC/pcmk.lines" | date -f - +%s%3N >"$SC/pcmk.ms" 2>/dev/null || return 0
	paste -d'\t' "$SC/pcmk.ms" "$SC/pcmk.lines" | while IFS=$'\t' read -r ms line; do
		local host=${line:20}
		host=${host%% *}
		local m=${line#*) }
		m=${m#*: }	# drop "notice: " etc.
		case $line in
		*"Result of monitor operation for libvirtd on "*)
			if [[ $line =~ for\ libvirtd\ on\ ([^:]+):\ (.*)\ \|\  ]]; then
				if [[ ${BASH_REMATCH[2]} == OCF_DEGRADED* ]]; then
					printf '%s\tslow\t%s\tlibvirtd monitor on %s: degraded, still running: %s\n' \
						"$ms" "${BASH_REMATCH[1]}" "${BASH_REMATCH[1]}" "${BASH_REMATCH[2]}"
				else
					printf '%s\tdetect\t%s\tDETECTED by Pacemaker'"'"'s libvirtd monitor on %s: %s\n' \
						"$ms" "${BASH_REMATCH[1]}" "${BASH_REMATCH[1]}" "${BASH_REMATCH[2]}"
				fi
			fi ;;
		*"will be fenced: "*)
			[[ $line =~ Cluster\ node\ ([^ ]+)\ will\ be\ fenced:\ (.*)$ ]] &&
				printf '%s\tsched\t%s\tscheduler on %s: %s will be fenced: %s\n' \
					"$ms" "${BASH_REMATCH[1]}" "$host" "${BASH_REMATCH[1]}" "${BASH_REMATCH[2]}" ;;
		*"wants to fence "*)
			[[ $line =~ Client\ ([^ ]+)\ wants\ to\ fence\ \(([a-z]+)\)\ ([^ ]+) ]] &&
				printf '%s\trequest\t%s\tFENCE REQUESTED: %s asks the fencer on %s to %s %s\n' \
					"$ms" "${BASH_REMATCH[3]}" "${BASH_REMATCH[1]}" "$host" "${BASH_REMATCH[2]}" "${BASH_REMATCH[3]}" ;;
		*"Requesting fencing"*) ;;
		*"Operation '"*"' ["*"] targeting "*)
			[[ $line =~ Operation\ \'([a-z]+)\'\ \[[0-9]+\]\ targeting\ ([^ ]+)\ using\ ([^ ]+)\ returned\ ([0-9-]+) ]] &&
				printf '%s\tagent\t%s\tfence agent (%s) on %s: %s %s returned %s%s\n' \
					"$ms" "${BASH_REMATCH[2]}" "${BASH_REMATCH[3]}" "$host" "${BASH_REMATCH[1]}" \
					"${BASH_REMATCH[2]}" "${BASH_REMATCH[4]}" \
					"$([ "${BASH_REMATCH[4]}" = 0 ] && case ${BASH_REMATCH[1]} in
						off) echo " (power off verified through the BMC)" ;;
						reboot) echo " (power off verified through the BMC, then on again)" ;;
						esac)" ;;
		*"Operation '"*"' targeting "*" for "*)
			if [[ $line =~ Operation\ \'([a-z]+)\'\ targeting\ ([^ ]+)\ by\ ([^ ]+)\ for\ ([^:]+):\ (.*)\ \|\ id=([0-9a-f]+) ]]; then
				if [[ ${BASH_REMATCH[5]} == OK* ]]; then
					printf '%s\tconfirm\t%s\tFENCE CONFIRMED (fencer on %s): %s of %s by %s: %s [id %s]\n' \
						"$ms" "${BASH_REMATCH[2]}" "$host" "${BASH_REMATCH[1]}" "${BASH_REMATCH[2]}" \
						"${BASH_REMATCH[3]}" "${BASH_REMATCH[5]}" "${BASH_REMATCH[6]}"
				else
					printf '%s\tfencefail\t%s\tFENCE FAILED (fencer on %s): %s of %s by %s: %s [id %s]\n' \
						"$ms" "${BASH_REMATCH[2]}" "$host" "${BASH_REMATCH[1]}" "${BASH_REMATCH[2]}" \
						"${BASH_REMATCH[3]}" "${BASH_REMATCH[5]}" "${BASH_REMATCH[6]}"
				fi
			fi ;;
		*"Result of "*" operation for "*)
			[[ $line =~ Result\ of\ (start|stop)\ operation\ for\ ([^ ]+)\ on\ ([^:]+):\ ([^|]*) ]] &&
				printf '%s\trsc\t%s\tPacemaker: %s of %s on %s: %s\n' \
					"$ms" "${BASH_REMATCH[3]}" "${BASH_REMATCH[1]}" "${BASH_REMATCH[2]}" \
					"${BASH_REMATCH[3]}" "${BASH_REMATCH[4]% }" ;;
		*"Too many failures"*)
			printf '%s\tgiveup\t-\tFENCER GAVE UP (on %s): %s\n' "$ms" "$host" "$m" ;;
		*"state is now lost"*)
			[[ $line =~ Node\ ([^ ]+)\ state\ is\ now\ lost ]] &&
				printf '%s\tlost\t%s\tmembership (seen on %s): %s left the cluster\n' \
					"$ms" "${BASH_REMATCH[1]}" "$host" "${BASH_REMATCH[1]}" ;;
		*"state is now member"*)
			# As the others see it (a node's own view of itself is not a join).
			[[ $line =~ Node\ ([^ ]+)\ state\ is\ now\ member ]] &&
				[ "${BASH_REMATCH[1]}" != "$host" ] &&
				printf '%s\tjoin\t%s\tmembership (seen on %s): %s joined the cluster\n' \
					"$ms" "${BASH_REMATCH[1]}" "$host" "${BASH_REMATCH[1]}" ;;
		esac
	done
}

_sc_other_events() {
	local n d
	# The checker's samples.
	# A start line's after=: the last sample that did not see it yet.  A
	# qemu without a name or a disk is libvirt probing its capabilities.
	awk '$2 == "start" && $3 == "?" && $6 == "disks=-" { probe[$4 " " $5] = 1; next }
	     $2 == "stop" && ($4 " " $5) in probe { next }
	     $2 == "start" { a = $1; if ($7 ~ /^after=[0-9]+$/) a = substr($7, 7)
		printf "%s\trun\t%s\tguest %s RUNNING on %s (qemu PID %s)\t%s\t%s\n", $1, $4, $3, $4, $5, $3, a }
	     $2 == "stop" { printf "%s\tgone\t%s\tguest %s stopped on %s\t%s\n", $1, $4, $3, $4, $3 }
	     $2 == "violation" { printf "%s\tviolation\t%s\tINVARIANT VIOLATED: guest %s runs on %s at once (%s)\t%s\n", $1, $4, $3, $4, $5, $3 }' \
		"$SC/events" 2>/dev/null
	# The BMCs.
	for n in $(lab_nodes); do
		d=$(bmc_dir "$n")
		awk -v n="$n" '$2 == "on" { printf "%s\tbmcon\t%s\tBMC of %s: power on (node boots)\n", $1, n, n }
			$2 == "off" { printf "%s\tbmcoff\t%s\tBMC of %s: power OFF (every process of %s killed)\n", $1, n, n, n }' \
			"$d/power.log" 2>/dev/null
	done
	# vmguardd (node-init.sh stamps its lines with the wall clock in ms as they
	# are read from its stderr: a few ms late at worst).
	for n in $(lab_nodes); do
		grep -E 'libvirtd lost|announced as planned|grace window|fence requested|fence confirmed|fence request failed|libvirtd back' \
			"$(lab_ndir "$n")/log/vmguardd.log" 2>/dev/null |
			while read -r ms rest; do
				rest=${rest#*: }	# "vmguardd[pid]: "
				rest=${rest#*: }	# "crit: "
				rest=${rest%% | *}; rest=${rest%%$'\a'*}	# machine detail (QB_XS)
				case $rest in
				"libvirtd lost: "*) printf '%s\tdetect\t%s\tDETECTED by vmguardd on %s: %s\n' "$ms" "$n" "$n" "${rest#libvirtd lost: }" ;;
				*) printf '%s\tvmguardd\t%s\tvmguardd on %s: %s\n' "$ms" "$n" "$n" "$rest" ;;
				esac
			done
	done
	cat "$SC/marks"
}

# First event of a tag (optionally for a node) at or after t0: "<ms>\t...".
_sc_first() {	# tag [node]
	awk -F'\t' -v tag="$1" -v node="${2:-}" -v t0="$SC_T0" \
		'$2 == tag && (node == "" || $3 == node) && $1 >= t0 { print; exit }' "$SC/all"
}

_sc_secs() {	# ms since SC_T0, as "+1.234 s"
	local d=$(( $1 - SC_T0 )) s=+
	[ $d -lt 0 ] && { s=-; d=$(( -d )); }
	printf '%s%d.%03d s' "$s" $((d / 1000)) $((d % 1000))
}

sc_finish() {
	local line ms tag node text
	if [ -n "${SC_CHECKER:-}" ]; then
		kill -TERM "$SC_CHECKER" 2>/dev/null
		wait "$SC_CHECKER" 2>/dev/null
		SC_CHECKER=
	fi
	SC_T0=${SC_T0:-$(vg_ms)}
	# Several nodes log the same fact: keep the first of each.
	{ _sc_pcmk_events; _sc_other_events; } | sort -t$'\t' -k1,1n -s |
		awk -F'\t' -v t0="$SC_T0" '$2 == "lost" { gone[$3] = 1 }
			$2 == "join" && ($1 < t0 || !($3 in gone)) { next }
			$2 ~ /^(sched|lost|confirm|join)$/ { if (seen[$2 FS $3]++) next }
			$2 == "rsc" && $4 ~ / of fence-/ { next }
			{ print }' >"$SC/all"
	# The timeline: relative to the injection.
	{
		echo "Timeline of scenario $SC_NAME ($SC_MODE; t=0 is the injection)"
		while IFS=$'\t' read -r ms tag node text _; do
			case $tag in
			rsc) [ "$ms" -ge "$SC_T0" ] || continue ;;
			esac
			printf '  %12s  %s\n' "$(_sc_secs "$ms")" "$text"
		done <"$SC/all"
	} >"$SC/timeline"
	_sc_figures >"$SC/figures" || tap_bail "cannot write $SC/figures"
	_sc_invariant_check >"$SC/verdict" || tap_bail "cannot write $SC/verdict"
	{ cat "$SC/timeline"; echo; cat "$SC/figures"; echo; cat "$SC/verdict"; } >"$SC/report"
	while IFS= read -r line; do tap_diag "$line"; done <"$SC/report"
	[ -z "${SC_REPORT:-}" ] || cp "$SC/report" "$SC_REPORT"
}

_sc_ms_of() { cut -f1 <<<"$1"; }

_sc_fig() {	# label event-line
	if [ -n "$2" ]; then
		printf '  %-44s %s\n' "$1" "$(_sc_secs "$(_sc_ms_of "$2")")"
	else
		printf '  %-44s %s\n' "$1" "-"
	fi
}

_sc_figures() {
	local v=$SC_VICTIM det req off agent conf g run last= join
	det=$(_sc_first detect "$v")
	[ -n "$det" ] || det=$(_sc_first lost "$v")
	req=$(_sc_first request "$v")
	off=$(_sc_first bmcoff "$v")
	agent=$(awk -F'\t' -v n="$v" -v t0="$SC_T0" '$2 == "agent" && $3 == n && $1 >= t0 && $4 ~ /returned 0/ { print; exit }' "$SC/all")
	conf=$(_sc_first confirm "$v")
	echo "Figures ($SC_MODE; victim $v)"
	printf '  %-44s %s ms\n' "lab start-up (power-on to guests running)" "$LAB_UP_MS"
	_sc_fig "detected$( [ -n "$det" ] && echo " ($(cut -f4 <<<"$det" | sed -E -e 's/^DETECTED by ([^:]*) on .*/\1/' -e 's/^membership.*/corosync membership/'))")" "$det"
	_sc_fig "fence requested" "$req"
	_sc_fig "BMC reports $v off (power script ran)" "$off"
	_sc_fig "fence agent returned (off verified)" "$agent"
	_sc_fig "fence confirmed in the cluster's history" "$conf"
	for g in $(lab_guests); do
		run=$(awk -F'\t' -v g="$g" -v n="$v" -v t0="$SC_T0" '$2 == "run" && $5 == g && $3 != n && $1 >= t0 { print; exit }' "$SC/all")
		_sc_fig "guest $g running again$( [ -n "$run" ] && echo " (on $(cut -f3 <<<"$run"))")" "$run"
		[ -n "$run" ] && { [ -z "$last" ] || [ "$(_sc_ms_of "$run")" -gt "$(_sc_ms_of "$last")" ]; } && last=$run
	done
	[ -n "$req" ] && [ -n "$off" ] &&
		printf '  %-44s %d ms\n' "fence request -> BMC off" $(( $(_sc_ms_of "$off") - $(_sc_ms_of "$req") ))
	[ -n "$off" ] && [ -n "$conf" ] &&
		printf '  %-44s %d ms\n' "BMC off -> fence confirmed" $(( $(_sc_ms_of "$conf") - $(_sc_ms_of "$off") ))
	join=$(_sc_first join "$v")
	[ -z "$join" ] || _sc_fig "$v back in the cluster (rebooted)" "$join"
	# One machine-readable line for the soak and the benchmark.
	printf 'FIGURES scenario=%s mode=%s up_ms=%s detect_ms=%s request_ms=%s bmcoff_ms=%s confirm_ms=%s recovered_ms=%s rejoin_ms=%s\n' \
		"$SC_NAME" "$( [ "$LAB_VMGUARDD" = 1 ] && echo vmguardd || echo monitor)" "$LAB_UP_MS" \
		"$(_sc_rel "$det")" "$(_sc_rel "$req")" "$(_sc_rel "$off")" "$(_sc_rel "$conf")" "$(_sc_rel "$last")" \
		"$(_sc_rel "$join")"
}

_sc_rel() { if [ -n "$1" ]; then echo $(( $(_sc_ms_of "$1") - SC_T0 )); else echo -; fi; }

# (a) from the checker's own verdicts; (b) every start of a guest on a node
# other than where it ran before must come after a confirmed fence of that
# node and after the BMC cut its power.  A start happened after the last
# sample that did not see it ($6, after=) and no earlier: that time is
# compared, so a late sample cannot make an early start look late.
_sc_invariant_check() {
	local summary
	summary=$(grep ' summary ' "$SC/events" | tail -1 | cut -d' ' -f3-)
	echo "Invariant checker (${summary:-NO SUMMARY: the checker did not finish}; sampling every 40 ms)"
	awk -F'\t' '
		$2 == "confirm" { if (!($3 in conf)) conf[$3] = $1 }
		$2 == "bmcoff" { off[$3] = $1 }
		$2 == "violation" { printf "  VIOLATION (a): %s\n", $4; bad++ }
		$2 == "run" {
			g = $5; n = $3; t = $6 != "" ? $6 : $1
			if (g == "?") next
			if (g in where && where[g] != n) {
				old = where[g]
				if (!(old in conf) || conf[old] > t) {
					printf "  VIOLATION (b): %s started on %s after %s before the fence of %s was confirmed\n", g, n, t, old
					bad++
				} else if (!(old in off) || off[old] > t) {
					printf "  VIOLATION (b): %s started on %s after %s while %s still had power\n", g, n, t, old
					bad++
				} else {
					printf "  ok: %s moved %s -> %s %d-%d ms after the fence of %s was confirmed\n", g, old, n, t - conf[old], $1 - conf[old], old
				}
			}
			where[g] = n
		}
		END { if (bad == 0) print "  held: no guest on two nodes at once; no start before the old host was confirmed off" }
	' "$SC/all"
}

# --- assertions ---------------------------------------------------------------
# The checker's summary is in EVENTS and its longest gap within the bound.
_sc_sampling_ok() {	# events-file
	local gap
	gap=$(sed -n 's/.* summary .*max_gap_ms=\([0-9]*\).*/\1/p' "$1" 2>/dev/null | tail -1)
	[ -n "$gap" ] && [ "$gap" -le "$SC_MAX_GAP_MS" ]
}

# The verdict was written, and holds no (b) violation.
_sc_verdict_b_ok() {	# verdict-file
	head -1 "$1" 2>/dev/null | grep -q '^Invariant checker (samples=' && ! grep -q 'VIOLATION (b)' "$1"
}

sc_assert_sampling() {
	local gap late rt scan g got want
	gap=$(sed -n 's/.* summary .*max_gap_ms=\([0-9]*\).*/\1/p' "$SC/events" | tail -1)
	late=$(sed -n 's/.* summary .* late=\([0-9]*\).*/\1/p' "$SC/events" | tail -1)
	rt=$(sed -n 's/.* summary .* rt=\([a-z]*\).*/\1/p' "$SC/events" | tail -1)
	scan=$(sed -n 's/.* summary .* max_scan_ms=\([0-9]*\).*/\1/p' "$SC/events" | tail -1)
	tap_ok "the checker sampled throughout: longest gap ${gap:-?} ms <= $SC_MAX_GAP_MS ms" \
		_sc_sampling_ok "$SC/events"
	tap_diag "checker: longest interval between two samples ${gap:-?} ms, ${late:-?} intervals over 100 ms, longest sample ${scan:-?} ms (every 40 ms; real-time priority: ${rt:-?})"
	for g in $(lab_guests); do
		got=$(_sc_checker_running "$g" | cut -d' ' -f1 | sort -u | tr '\n' ' ')
		want=$(lab_guest_nodes "$g" | sort -u | tr '\n' ' ')
		tap_ok "at the end the checker saw guest $g where the lab finds it: ${want:-nowhere}" \
			test -n "$want" -a "$got" = "$want"
	done
}

sc_assert_invariant() {
	tap_is "$(grep -c ' violation ' "$SC/events")" 0 "invariant (a): no guest ran on two nodes at once"
	tap_ok "invariant (b): no guest started elsewhere before its old host's fence was confirmed" \
		_sc_verdict_b_ok "$SC/verdict"
	sc_assert_sampling
}

# Starts of a guest (checker) after t0: "node node ..."
_sc_starts_after() {	# guest
	awk -F'\t' -v g="$1" -v t0="$SC_T0" '$2 == "run" && $5 == g && $1 >= t0 { printf "%s ", $3 }' "$SC/all" | sed 's/ $//'
}

sc_assert_fenced_recovered() {	# victim
	local v=$1 g starts others
	tap_ok "$v was powered off by its BMC" test -n "$(_sc_first bmcoff "$v")"
	tap_ok "the fence of $v is confirmed (fencer log)" test -n "$(_sc_first confirm "$v")"
	tap_like "$(sc_history "$v")" "target=\"$v\".*status=\"success\"" \
		"the cluster's fence history records the fence of $v as a success"
	tap_ok "no other node was fenced (the history of each says so)" _sc_only_fenced "$v"
	for g in $(lab_guests); do
		starts=$(_sc_starts_after "$g")
		tap_ok "guest $g recovered exactly once, on another node (started on: ${starts:-none})" \
			sh -c "[ \"\$(echo '$starts' | wc -w)\" = 1 ] && [ '$starts' != '$v' ]"
	done
	if [ "$LAB_STONITH_ACTION" = reboot ]; then
		tap_like "$(_sc_power_since "$v")" "off on" \
			"$v was powered on again by its BMC after the off (stonith-action=reboot)"
	else
		tap_is "$(bmc_power_state "$v")" off "$v stays off for the rest of the scenario"
	fi
	sc_assert_invariant
}

_sc_only_fenced() {	# node: no other node has a fence event
	local n
	for n in $(lab_nodes); do
		[ "$n" = "$1" ] || sc_history_none "$n" || return 1
	done
}

sc_assert_untouched() {
	local g n before now
	for n in $(lab_nodes); do
		tap_ok "no fence of $n in the cluster's history" sc_history_none "$n"
		tap_is "$(bmc_power_state "$n")" on "$n still has power"
	done
	for g in $(lab_guests); do
		before=$(awk -v g="$g" '$1 == g { print $2 }' <<<"$SC_GUEST_PIDS")
		now=$(_lab_qemu_pid_of "$g")
		tap_ok "guest $g untouched: the same qemu process runs it (${before:-none} -> ${now:-none})" \
			test -n "$before" -a "$now" = "$before"
		tap_is "$(_sc_starts_after "$g")" "" "guest $g was not started anywhere"
	done
	sc_assert_invariant
}

# t=0: libvirtd on the guests' node gets SIGNAL (TEXT: more on the timeline).
sc_signal_libvirtd() {	# signal [text]
	local p
	p=$(lab_libvirtd_pid "$SC_VICTIM")
	[ -n "$p" ] || tap_bail "no libvirtd on $SC_VICTIM"
	sc_inject "libvirtd on $SC_VICTIM (PID $(awk '/^NSpid/ { print $NF }' "/proc/$p/status")) gets SIG$1${2:+; $2}"
	kill -"$1" "$p"
}

# Scenarios 1-3: a libvirtd on the guests' node gets SIGNAL.
sc_libvirtd_signal_scenario() {	# signal name
	sc_begin "$2"
	sc_signal_libvirtd "$1"
	tap_ok "$SC_VICTIM is fenced (BMC off, confirmed in the history)" vg_wait 180 sc_fenced "$SC_VICTIM"
	tap_ok "every guest runs again, on another node" vg_wait 180 sc_recovered "$SC_VICTIM"
	sleep 5	# anything that would start a guest twice has had its chance
	sc_finish
	sc_assert_fenced_recovered "$SC_VICTIM"
	[ "$TAP_FAILED" = 0 ] || _sc_save_logs
}
