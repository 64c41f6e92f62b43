/* Pacemaker's fencer, through its stable helper API only.
 *
 * Requesting and confirming a fence uses only stonith_api_kick() and
 * stonith_api_time() -- the stable entry points Pacemaker keeps for exactly
 * this (sbd, dlm and cLVM use them).  The deprecated stonith_t, which the
 * self-test needs to query devices, is confined to common/fencer_query.c.
 *
 * Both calls are synchronous IPC to the local fencer and may block (a hung
 * fencer, an isolated node): callers run them where they can be abandoned
 * (vmguardd: a dedicated thread whose answer it stops waiting for at
 * fence_timeout).
 */
#ifndef VG_FENCER_H
#define VG_FENCER_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

/* Ask the fencer to power node (nodeid and/or uname) off, self-fencing
 * allowed, and wait up to timeout_s for the result.  0 when the fencer
 * reports the fence done; a negative errno (Pacemaker's legacy codes:
 * -ENOTCONN fencer unreachable, -ETIME timed out, -EHOSTUNREACH no device
 * can fence it, ...) otherwise. */
int vg_fencer_kick_off(uint32_t nodeid, const char *uname, int timeout_s);

/* When the node was last fenced (wall clock, from the fencer's history), 0
 * when never or unknown.  in_progress: a fence of it is running now. */
time_t vg_fencer_last_fenced(uint32_t nodeid, const char *uname, bool in_progress);

/* The fence the caller asked for at `asked` (wall clock) is confirmed: the
 * fencer's history (`fenced_at`, vg_fencer_last_fenced) records a fence of
 * the node completed since then.  A success answer alone is not enough, nor
 * is an older fence of the same node.  The history has whole seconds: one
 * second of slack.  Pure, so it is tested on its own (check_fencer). */
static inline bool vg_fencer_confirmed(time_t fenced_at, time_t asked)
{
	return fenced_at > 0 && fenced_at >= asked - 1;
}

/* Text for a return code of vg_fencer_kick_off(). */
const char *vg_fencer_strerror(int rc);

#endif
