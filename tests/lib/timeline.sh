# A timeline of what happened in a scenario, in seconds since tl_start.
#   tl_start                 t=0
#   tl_mark TEXT             one event
#   tl_watch_pid PID LABEL   background sampler (every 100 ms): marks when
#                            PID stops running; "$TL_DIR/LABEL.dead" then exists
#   tl_print                 the timeline, one event a line
# VG_TIMELINE (optional): a file that gets a copy, for the demo to print.

tl_start() {
	vg_tmpdir
	TL_DIR="$VG_TMP/timeline.d"
	mkdir -p "$TL_DIR"
	TL_FILE="$TL_DIR/events"
	: >"$TL_FILE"
	TL_T0=$(vg_ms)
}

tl_mark() {
	local ms=$(( $(vg_ms) - TL_T0 ))
	printf '%4d.%03d s  %s\n' $((ms / 1000)) $((ms % 1000)) "$*" >>"$TL_FILE"
}

tl_watch_pid() {	# pid label
	(
		while [ -d "/proc/$1" ] && ! grep -q '^State:.*Z' "/proc/$1/status" 2>/dev/null; do
			sleep 0.1
		done
		touch "$TL_DIR/$2.dead"
		tl_mark "$2 (PID $1) stopped running"
	) &
	vg_at_exit "kill $! 2>/dev/null"
}

tl_print() {
	sort -n "$TL_FILE"
	if [ -n "${VG_TIMELINE:-}" ]; then sort -n "$TL_FILE" >"$VG_TIMELINE"; fi
}
