/* The guard's decisions (common/guard.h has the table and the why).  No
 * threads, no I/O, no clock: everything here is arithmetic on the state and
 * the time the caller gives. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "guard.h"

/* Far beyond any sane time, far from overflow: a persisted time above it is
 * garbage, and sums of configured values stay below LLONG_MAX. */
#define T_MAX (1LL << 52)

static const char *const state_names[] = {
	[VG_GUARD_WAITING] = "waiting",
	[VG_GUARD_UP] = "up",
	[VG_GUARD_LOST] = "lost",
	[VG_GUARD_MAINTENANCE] = "maintenance",
	[VG_GUARD_FENCING] = "fencing",
	[VG_GUARD_FENCED] = "fenced",
	[VG_GUARD_SELF_FENCE] = "self-fence",
};

static const char *const event_names[] = {
	[VG_GUARD_EV_TICK] = "tick",
	[VG_GUARD_EV_UP] = "up",
	[VG_GUARD_EV_LOST] = "lost",
	[VG_GUARD_EV_HUNG] = "hung",
	[VG_GUARD_EV_ANNOUNCED] = "announced",
	[VG_GUARD_EV_WITHDRAWN] = "withdrawn",
	[VG_GUARD_EV_EXPIRED] = "expired",
	[VG_GUARD_EV_FENCE_CONFIRMED] = "fence-confirmed",
	[VG_GUARD_EV_FENCE_FAILED] = "fence-failed",
	[VG_GUARD_EV_FENCE_TIMEDOUT] = "fence-timedout",
	[VG_GUARD_EV_QUORUM_YES] = "quorum-yes",
	[VG_GUARD_EV_QUORUM_NO] = "quorum-no",
	[VG_GUARD_EV_QUORUM_UNKNOWN] = "quorum-unknown",
	[VG_GUARD_EV_GUESTS_PRESENT] = "guests-present",
	[VG_GUARD_EV_GUESTS_NONE] = "guests-none",
};

static const char *const why_strs[] = {
	[VG_GUARD_WHY_NONE] = "",
	[VG_GUARD_WHY_CONNECTED] = "libvirtd answers on vmguardd's connection: guarding it",
	[VG_GUARD_WHY_BACK] = "libvirtd is back and answering: no fence",
	[VG_GUARD_WHY_PLANNED_END] = "libvirtd answers again: the planned stop ended, no fence",
	[VG_GUARD_WHY_LOST] = "libvirtd lost: grace window starts",
	[VG_GUARD_WHY_HUNG] = "libvirtd hung (an API call to a worker timed out): grace window starts",
	[VG_GUARD_WHY_FLAP] = "libvirtd lost again before it stayed up for the stable period: "
			      "the grace window counts from the first loss",
	[VG_GUARD_WHY_COVERED] = "a planned stop covers the loss of libvirtd: not fencing "
				 "while it lasts",
	[VG_GUARD_WHY_ANN_REFUSED] = "planned-stop announcement not believed (already expired, "
				     "longer than maintenance_max, already used, or too late)",
	[VG_GUARD_WHY_ANN_KEPT] = "announcement withdrawn while libvirtd is still gone: the "
				  "planned stop lasts until libvirtd answers vmguardd or expires",
	[VG_GUARD_WHY_COVER_ENDED] = "the planned stop ended but libvirtd is still gone: grace "
				     "window starts",
	[VG_GUARD_WHY_GRACE_EXPIRED] = "libvirtd did not come back within the grace window: "
				       "fence requested",
	[VG_GUARD_WHY_NEVER_ANSWERED] = "libvirtd never answered vmguardd within the grace "
					"window while guests may run: fence requested",
	[VG_GUARD_WHY_NO_GUESTS] = "libvirtd is gone but no guest runs here: nothing can run "
				   "twice, not fencing",
	[VG_GUARD_WHY_GUESTS_APPEARED] = "guests appeared while libvirtd does not answer: "
					 "grace window starts",
	[VG_GUARD_WHY_FENCE_CONFIRMED] = "the fencer confirmed the fence but this host still "
					 "runs",
	[VG_GUARD_WHY_FENCE_FAILED] = "the fence request failed",
	[VG_GUARD_WHY_FENCE_TIMEDOUT] = "the fence request timed out",
	[VG_GUARD_WHY_FENCE_DEADLINE] = "the fence request was not answered within "
					"fence_timeout",
	[VG_GUARD_WHY_NO_QUORUM] = "fencing without quorum: the fencer's answer cannot be "
				   "relied on",
	[VG_GUARD_WHY_TOO_LATE] = "libvirtd is back, but a fence was already requested: "
				  "nothing cancels it",
	[VG_GUARD_WHY_RESUMED] = "resumed the persisted state after a restart",
};

const char *vg_guard_state_name(enum vg_guard_state s)
{
	return (unsigned)s < sizeof(state_names) / sizeof(state_names[0]) ? state_names[s] : "?";
}

const char *vg_guard_event_name(enum vg_guard_ev e)
{
	return (unsigned)e < VG_GUARD_EV_COUNT ? event_names[e] : "?";
}

const char *vg_guard_why_str(enum vg_guard_why w)
{
	return (unsigned)w < VG_GUARD_WHY_COUNT ? why_strs[w] : "?";
}

int vg_guard_conf_check(const struct vg_guard_conf *c, char *why, size_t whylen)
{
	char dummy[1];

	if (why == NULL || whylen == 0) {
		why = dummy;
		whylen = sizeof(dummy);
	}
	why[0] = '\0';
	if (c->grace_ms < 0 || c->planned_max_ms < 0 || c->stable_ms < 0 ||
	    c->connect_ms < 0 || c->connect_ms > T_MAX ||
	    c->fence_timeout_ms <= 0 || c->bound_ms <= 0 || c->grace_ms > T_MAX ||
	    c->planned_max_ms > T_MAX || c->stable_ms > T_MAX ||
	    c->fence_timeout_ms > T_MAX || c->bound_ms > T_MAX) {
		snprintf(why, whylen, "libvirtd_grace, maintenance_max, the stable period and "
			 "the connect window must not be negative, fence_timeout and the "
			 "timing rule's bound must be positive");
		return -EINVAL;
	}
	if (c->planned_max_ms + c->grace_ms > c->bound_ms) {
		snprintf(why, whylen, "maintenance_max %lld ms + libvirtd_grace %lld ms exceed "
			 "the %lld ms the timing rule leaves between a loss of libvirtd and the "
			 "fence request: lower maintenance_max to at most %lld ms (a planned "
			 "stop must not outlast the frontend's recovery)", c->planned_max_ms,
			 c->grace_ms, c->bound_ms,
			 c->bound_ms > c->grace_ms ? c->bound_ms - c->grace_ms : 0);
		return -EINVAL;
	}
	return 0;
}

int vg_guard_init(struct vg_guard *g, const struct vg_guard_conf *c, long long now_ms)
{
	struct vg_guard tmp;

	if (vg_guard_conf_check(c, NULL, 0) != 0 || now_ms < 0 || now_ms > T_MAX)
		return -EINVAL;
	memset(&tmp, 0, sizeof(tmp));
	tmp.conf = *c;
	tmp.quorum = c->quorum ? VG_GUARD_UNKNOWN : VG_GUARD_YES;
	tmp.s.state = VG_GUARD_WAITING;
	tmp.s.feeding = true;
	tmp.s.waiting = true;
	tmp.s.guests = VG_GUARD_UNKNOWN;
	tmp.s.fence = VG_GUARD_FENCE_NONE;
	tmp.s.fence_at_ms = tmp.s.fence_deadline_ms = -1;
	tmp.s.origin_ms = now_ms + c->connect_ms;
	tmp.s.series_ms = tmp.s.up_since_ms = tmp.s.cover_end_ms = -1;
	tmp.s.ann_expiry_ms = tmp.s.ann_used_ms = -1;
	tmp.s.saved_ms = now_ms;
	*g = tmp;
	return 0;
}

/* ---- facts -> state ------------------------------------------------------ */

/* When the fence falls due if nothing changes (not answering, no fence). */
static long long due_ms(const struct vg_guard *g)
{
	long long from = g->s.origin_ms;

	if (g->s.cover_end_ms > from)
		from = g->s.cover_end_ms;	/* the grace window starts when the cover ends */
	return from + g->conf.grace_ms;
}

static enum vg_guard_state derive(const struct vg_guard *g, long long now)
{
	switch (g->s.fence) {
	case VG_GUARD_FENCE_PENDING: return VG_GUARD_FENCING;
	case VG_GUARD_FENCE_CONFIRMED: return VG_GUARD_FENCED;
	case VG_GUARD_FENCE_FAILED:
	case VG_GUARD_FENCE_TIMEDOUT: return VG_GUARD_SELF_FENCE;
	case VG_GUARD_FENCE_NONE: break;
	}
	if (g->s.answering)
		return VG_GUARD_UP;
	if (g->s.cover_end_ms > now)
		return VG_GUARD_MAINTENANCE;
	return g->s.waiting ? VG_GUARD_WAITING : VG_GUARD_LOST;
}

static void set_why(struct vg_guard_actions *out, enum vg_guard_why w)
{
	if (w > out->why)
		out->why = w;
}

static void stop_feeding(struct vg_guard *g, struct vg_guard_actions *out,
			 enum vg_guard_why w)
{
	if (!g->s.feeding)
		return;
	g->s.feeding = false;
	out->stop_feeding = true;
	out->stop_why = w;
}

/* ---- events -------------------------------------------------------------- */

static void on_up(struct vg_guard *g, long long now, struct vg_guard_actions *out)
{
	if (g->s.fence != VG_GUARD_FENCE_NONE) {
		set_why(out, VG_GUARD_WHY_TOO_LATE);
		return;
	}
	if (g->s.answering)
		return;
	if (g->s.waiting)
		set_why(out, VG_GUARD_WHY_CONNECTED);
	else if (g->s.cover_end_ms > now)
		set_why(out, VG_GUARD_WHY_PLANNED_END);
	else
		set_why(out, VG_GUARD_WHY_BACK);
	/* Restarted while libvirtd was up: as far as anyone saw, it stayed up. */
	if (!g->s.up_assumed || g->s.up_since_ms < 0)
		g->s.up_since_ms = now;
	g->s.answering = true;
	g->s.waiting = g->s.up_assumed = false;
	/* vmguardd's own evidence ends the planned stop: a later loss needs a
	 * new announcement (a crash after a planned restart is not planned). */
	g->s.cover_end_ms = -1;
	if (g->s.ann_expiry_ms >= 0)
		g->s.ann_used_ms = g->s.ann_expiry_ms;
	g->s.ann_expiry_ms = -1;
}

static void on_lost(struct vg_guard *g, long long now, bool hung,
		    struct vg_guard_actions *out)
{
	if (g->s.fence != VG_GUARD_FENCE_NONE)
		return;
	/* Only a connection that answered can be lost; a fresh start has none. */
	if (!g->s.answering && !(g->s.waiting && g->s.up_assumed))
		return;
	if (g->s.series_ms < 0 || g->s.up_since_ms < 0 ||
	    now - g->s.up_since_ms >= g->conf.stable_ms) {
		g->s.series_ms = now;
		set_why(out, hung ? VG_GUARD_WHY_HUNG : VG_GUARD_WHY_LOST);
	} else {
		set_why(out, VG_GUARD_WHY_FLAP);	/* P4: the clock keeps running */
	}
	g->s.origin_ms = g->s.series_ms;
	g->s.answering = g->s.waiting = g->s.up_assumed = false;
	g->s.cover_end_ms = -1;
	g->noguest_noted = false;
}

static void on_announced(struct vg_guard *g, long long now, long long expires,
			 struct vg_guard_actions *out)
{
	if (g->s.fence != VG_GUARD_FENCE_NONE || expires <= now ||
	    expires - now > g->conf.planned_max_ms || expires == g->s.ann_used_ms) {
		/* The caller re-reads the file: say nothing about the consumed one. */
		if (expires != g->s.ann_used_ms && expires != g->s.ann_expiry_ms)
			set_why(out, VG_GUARD_WHY_ANN_REFUSED);
		return;
	}
	g->s.ann_expiry_ms = expires;
}

static void on_guests(struct vg_guard *g, long long now, bool present,
		      struct vg_guard_actions *out)
{
	if (!present) {
		g->s.guests = VG_GUARD_NO;
		return;
	}
	/* Waiting: the first sign that libvirtd ought to run starts the grace
	 * window (item 1).  Lost: the loss's own clock goes on (fence at once
	 * when it ran out). */
	if (g->s.guests == VG_GUARD_NO && g->s.waiting && !g->s.answering &&
	    g->s.fence == VG_GUARD_FENCE_NONE) {
		g->s.origin_ms = now + g->conf.connect_ms;
		set_why(out, VG_GUARD_WHY_GUESTS_APPEARED);
	}
	g->s.guests = VG_GUARD_YES;
	g->noguest_noted = false;
}

static void on_fence_result(struct vg_guard *g, enum vg_guard_ev e,
			    struct vg_guard_actions *out)
{
	static const struct { enum vg_guard_fence f; enum vg_guard_why w; } r[] = {
		[VG_GUARD_EV_FENCE_CONFIRMED] = { VG_GUARD_FENCE_CONFIRMED,
						  VG_GUARD_WHY_FENCE_CONFIRMED },
		[VG_GUARD_EV_FENCE_FAILED] = { VG_GUARD_FENCE_FAILED, VG_GUARD_WHY_FENCE_FAILED },
		[VG_GUARD_EV_FENCE_TIMEDOUT] = { VG_GUARD_FENCE_TIMEDOUT,
						 VG_GUARD_WHY_FENCE_TIMEDOUT },
	};

	if (g->s.fence != VG_GUARD_FENCE_PENDING)
		return;		/* a late or stray answer changes nothing */
	g->s.fence = r[e].f;
	set_why(out, r[e].w);
	stop_feeding(g, out, r[e].w);
}

static void apply(struct vg_guard *g, const struct vg_guard_event *ev, long long now,
		  struct vg_guard_actions *out)
{
	switch (ev->type) {
	case VG_GUARD_EV_TICK:
		break;
	case VG_GUARD_EV_UP:
		on_up(g, now, out);
		break;
	case VG_GUARD_EV_LOST:
	case VG_GUARD_EV_HUNG:
		on_lost(g, now, ev->type == VG_GUARD_EV_HUNG, out);
		break;
	case VG_GUARD_EV_ANNOUNCED:
		on_announced(g, now, ev->expires_ms, out);
		break;
	case VG_GUARD_EV_WITHDRAWN:
		/* Not the end of a running cover: the agent's probe is not
		 * vmguardd's evidence (item 2). */
		if (g->s.cover_end_ms > now && g->s.fence == VG_GUARD_FENCE_NONE)
			set_why(out, VG_GUARD_WHY_ANN_KEPT);
		/* a withdrawn announcement does not come back from a stale re-read */
		if (g->s.ann_expiry_ms >= 0)
			g->s.ann_used_ms = g->s.ann_expiry_ms;
		g->s.ann_expiry_ms = -1;
		break;
	case VG_GUARD_EV_EXPIRED:
		g->s.ann_expiry_ms = -1;
		if (g->s.cover_end_ms > now)
			g->s.cover_end_ms = now;
		break;
	case VG_GUARD_EV_FENCE_CONFIRMED:
	case VG_GUARD_EV_FENCE_FAILED:
	case VG_GUARD_EV_FENCE_TIMEDOUT:
		on_fence_result(g, ev->type, out);
		break;
	case VG_GUARD_EV_QUORUM_YES:
	case VG_GUARD_EV_QUORUM_NO:
	case VG_GUARD_EV_QUORUM_UNKNOWN:
		if (g->conf.quorum)
			g->quorum = ev->type == VG_GUARD_EV_QUORUM_YES ? VG_GUARD_YES :
				    ev->type == VG_GUARD_EV_QUORUM_NO ? VG_GUARD_NO :
				    VG_GUARD_UNKNOWN;
		break;
	case VG_GUARD_EV_GUESTS_PRESENT:
	case VG_GUARD_EV_GUESTS_NONE:
		on_guests(g, now, ev->type == VG_GUARD_EV_GUESTS_PRESENT, out);
		break;
	case VG_GUARD_EV_COUNT:
		break;
	}
}

/* ---- deadlines ----------------------------------------------------------- */

static void request_fence(struct vg_guard *g, long long now, struct vg_guard_actions *out)
{
	g->s.fence = VG_GUARD_FENCE_PENDING;
	g->s.fence_at_ms = now;
	g->s.fence_deadline_ms = now + g->conf.fence_timeout_ms;
	out->request_fence = true;
	out->fence_budget_ms = g->conf.fence_timeout_ms;
	set_why(out, g->s.waiting ? VG_GUARD_WHY_NEVER_ANSWERED : VG_GUARD_WHY_GRACE_EXPIRED);
}

/* The announcement, while valid, covers a libvirtd that does not answer --
 * at most planned_max after the loss (or the start of waiting). */
static void cover(struct vg_guard *g)
{
	long long end;

	if (g->s.answering || g->s.ann_expiry_ms < 0)
		return;
	end = g->s.origin_ms + g->conf.planned_max_ms;
	if (g->s.ann_expiry_ms < end)
		end = g->s.ann_expiry_ms;
	if (end > g->s.cover_end_ms)
		g->s.cover_end_ms = end;
}

/* An announcement past its expiry is no announcement (before any event
 * looks at it). */
static void expire(struct vg_guard *g, long long now)
{
	if (g->s.ann_expiry_ms >= 0 && g->s.ann_expiry_ms <= now)
		g->s.ann_expiry_ms = -1;
}

static void decide(struct vg_guard *g, long long now, struct vg_guard_actions *out)
{
	if (g->s.fence == VG_GUARD_FENCE_NONE && !g->s.answering) {
		cover(g);
		if (now >= due_ms(g)) {
			if (g->s.guests != VG_GUARD_NO) {
				request_fence(g, now, out);
			} else if (!g->noguest_noted) {
				g->noguest_noted = true;	/* item 7 */
				set_why(out, VG_GUARD_WHY_NO_GUESTS);
			}
		}
	}
	if (g->s.fence != VG_GUARD_FENCE_PENDING)
		return;
	if (now >= g->s.fence_deadline_ms) {
		g->s.fence = VG_GUARD_FENCE_TIMEDOUT;
		set_why(out, VG_GUARD_WHY_FENCE_DEADLINE);
		stop_feeding(g, out, VG_GUARD_WHY_FENCE_DEADLINE);
	} else if (g->quorum != VG_GUARD_YES) {
		stop_feeding(g, out, VG_GUARD_WHY_NO_QUORUM);
	}
}

static long long wake_ms(const struct vg_guard *g, long long now)
{
	long long w = VG_GUARD_NEVER;

	if (g->s.fence == VG_GUARD_FENCE_PENDING)
		return g->s.fence_deadline_ms;
	if (g->s.fence != VG_GUARD_FENCE_NONE || g->s.answering)
		return w;
	if (g->s.cover_end_ms > now)
		w = g->s.cover_end_ms;		/* maintenance -> lost: say so */
	if (due_ms(g) > now && due_ms(g) < w && !(g->s.guests == VG_GUARD_NO && g->noguest_noted))
		w = due_ms(g);
	return w;
}

/* Field by field (padding is not state); saved_ms is not a change. */
static bool saved_same(const struct vg_guard_saved *a, const struct vg_guard_saved *b)
{
	return a->state == b->state && a->feeding == b->feeding &&
	       a->answering == b->answering && a->waiting == b->waiting &&
	       a->up_assumed == b->up_assumed && a->guests == b->guests &&
	       a->fence == b->fence && a->fence_at_ms == b->fence_at_ms &&
	       a->fence_deadline_ms == b->fence_deadline_ms && a->origin_ms == b->origin_ms &&
	       a->series_ms == b->series_ms && a->up_since_ms == b->up_since_ms &&
	       a->cover_end_ms == b->cover_end_ms && a->ann_expiry_ms == b->ann_expiry_ms &&
	       a->ann_used_ms == b->ann_used_ms;
}

/* The step's end: state, wake-up, and whether the caller must persist. */
static void finish(struct vg_guard *g, const struct vg_guard_saved *before, long long now,
		   struct vg_guard_actions *out)
{
	g->s.state = derive(g, now);
	if (before->state == VG_GUARD_MAINTENANCE &&
	    (g->s.state == VG_GUARD_LOST || g->s.state == VG_GUARD_WAITING))
		set_why(out, VG_GUARD_WHY_COVER_ENDED);
	if (before->state != VG_GUARD_MAINTENANCE && g->s.state == VG_GUARD_MAINTENANCE)
		set_why(out, VG_GUARD_WHY_COVERED);
	out->persist = !saved_same(before, &g->s);
	g->s.saved_ms = now;
	out->feed = g->s.feeding;
	out->state = g->s.state;
	out->wake_ms = wake_ms(g, now);
}

int vg_guard_step(struct vg_guard *g, const struct vg_guard_event *ev, long long now_ms,
		  struct vg_guard_actions *out)
{
	struct vg_guard_saved before = g->s;
	long long now = now_ms;

	memset(out, 0, sizeof(*out));
	if (ev == NULL || (unsigned)ev->type >= VG_GUARD_EV_COUNT) {
		out->feed = g->s.feeding;
		out->state = g->s.state;
		out->wake_ms = wake_ms(g, g->s.saved_ms);
		return -EINVAL;
	}
	/* Time never runs back: a deadline cannot be postponed by the clock. */
	if (now < g->s.saved_ms)
		now = g->s.saved_ms;
	expire(g, now);
	apply(g, ev, now, out);
	decide(g, now, out);
	finish(g, &before, now, out);
	return 0;
}

bool vg_guard_clean_stop(const struct vg_guard *g, long long now_ms)
{
	if (g->s.fence != VG_GUARD_FENCE_NONE)
		return false;
	/* lost with guests that may run: the grace window is a promise too */
	return g->s.answering || g->s.waiting || g->s.guests == VG_GUARD_NO ||
	       g->s.cover_end_ms > now_ms;
}

/* ---- restart ------------------------------------------------------------- */

static bool time_ok(long long t)
{
	return t >= -1 && t <= T_MAX;
}

/* What parse and restore both refuse: a state the guard cannot be in. */
static bool saved_consistent(const struct vg_guard_saved *s)
{
	const long long *t[] = { &s->fence_at_ms, &s->fence_deadline_ms, &s->origin_ms,
				 &s->series_ms, &s->up_since_ms, &s->cover_end_ms,
				 &s->ann_expiry_ms, &s->ann_used_ms, &s->saved_ms };

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (!time_ok(*t[i]))
			return false;
	if ((unsigned)s->state > VG_GUARD_SELF_FENCE || (unsigned)s->guests > VG_GUARD_NO ||
	    (unsigned)s->fence > VG_GUARD_FENCE_TIMEDOUT || s->saved_ms < 0)
		return false;
	/* Feeding stops only after a fence request, and every answer stops it. */
	if (!s->feeding && s->fence == VG_GUARD_FENCE_NONE)
		return false;
	if (s->feeding && s->fence != VG_GUARD_FENCE_NONE && s->fence != VG_GUARD_FENCE_PENDING)
		return false;
	if (s->fence != VG_GUARD_FENCE_NONE &&
	    (s->fence_at_ms < 0 || s->fence_deadline_ms < s->fence_at_ms || s->answering))
		return false;
	if (s->fence == VG_GUARD_FENCE_NONE && (s->fence_at_ms != -1 || s->fence_deadline_ms != -1))
		return false;
	if (s->answering && (s->waiting || s->up_since_ms < 0))
		return false;
	if (!s->answering && s->origin_ms < 0)
		return false;
	if (s->up_assumed && (!s->waiting || s->up_since_ms < 0))
		return false;
	return true;
}

int vg_guard_restore(struct vg_guard *g, const struct vg_guard_conf *c,
		     const struct vg_guard_saved *saved, long long now_ms,
		     struct vg_guard_actions *out)
{
	struct vg_guard tmp;
	struct vg_guard_saved before;
	long long now = now_ms;

	if (vg_guard_init(&tmp, c, now) != 0 || !saved_consistent(saved))
		return -EINVAL;
	if (saved->saved_ms > now)
		return -ERANGE;
	tmp.s = *saved;
	before = tmp.s;
	if (tmp.s.answering) {
		/* This process has no connection yet: libvirtd must answer it
		 * within connect + grace from now (item 1); up-since stays, so a
		 * flap across the restart still counts from its first loss. */
		tmp.s.answering = false;
		tmp.s.waiting = tmp.s.up_assumed = true;
		tmp.s.origin_ms = now + c->connect_ms;
	}
	memset(out, 0, sizeof(*out));
	if (tmp.s.fence == VG_GUARD_FENCE_PENDING && now < tmp.s.fence_deadline_ms) {
		/* The request may have died with the old process: ask again,
		 * under the original deadline. */
		out->request_fence = true;
		out->fence_budget_ms = tmp.s.fence_deadline_ms - now;
	}
	set_why(out, VG_GUARD_WHY_RESUMED);
	expire(&tmp, now);
	decide(&tmp, now, out);
	finish(&tmp, &before, now, out);
	*g = tmp;
	return 0;
}

/* ---- persisted format ---------------------------------------------------- */

static const char *const tri_names[] = { "unknown", "yes", "no" };
static const char *const fence_names[] = { "none", "pending", "confirmed", "failed",
					   "timedout" };

enum field_kind { F_BOOL, F_TIME, F_STATE, F_TRI, F_FENCE };

struct field {
	const char *key;
	enum field_kind kind;
	size_t off;
};

#define FIELD(k, kind, m) { k, kind, offsetof(struct vg_guard_saved, m) }

/* One table drives writing and reading: the format's one owner. */
static const struct field fields[] = {
	FIELD("state", F_STATE, state),
	FIELD("feeding", F_BOOL, feeding),
	FIELD("answering", F_BOOL, answering),
	FIELD("waiting", F_BOOL, waiting),
	FIELD("up_assumed", F_BOOL, up_assumed),
	FIELD("guests", F_TRI, guests),
	FIELD("fence", F_FENCE, fence),
	FIELD("fence_at_ms", F_TIME, fence_at_ms),
	FIELD("fence_deadline_ms", F_TIME, fence_deadline_ms),
	FIELD("origin_ms", F_TIME, origin_ms),
	FIELD("series_ms", F_TIME, series_ms),
	FIELD("up_since_ms", F_TIME, up_since_ms),
	FIELD("cover_end_ms", F_TIME, cover_end_ms),
	FIELD("ann_expiry_ms", F_TIME, ann_expiry_ms),
	FIELD("ann_used_ms", F_TIME, ann_used_ms),
	FIELD("saved_ms", F_TIME, saved_ms),
};
#define NFIELDS (sizeof(fields) / sizeof(fields[0]))
#define HEADER "# vmguardd guard state (common/guard.h); times in ms, CLOCK_BOOTTIME\n"

static bool boot_id_ok(const char *id)
{
	size_t n = id != NULL ? strlen(id) : 0;

	if (n == 0 || n >= VG_GUARD_BOOT_ID_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		if (id[i] <= ' ' || id[i] > '~' || id[i] == '=')
			return false;
	return true;
}

static int field_value(const struct vg_guard_saved *s, const struct field *f, char *v,
		       size_t len)
{
	const char *p = (const char *)s + f->off;
	unsigned e;

	switch (f->kind) {
	case F_BOOL:
		return snprintf(v, len, "%d", *(const bool *)p ? 1 : 0);
	case F_TIME:
		return snprintf(v, len, "%lld", *(const long long *)p);
	case F_STATE:
		return snprintf(v, len, "%s", vg_guard_state_name(*(const enum vg_guard_state *)p));
	case F_TRI:
		e = *(const enum vg_guard_tri *)p;
		return snprintf(v, len, "%s", e <= VG_GUARD_NO ? tri_names[e] : "?");
	case F_FENCE:
		e = *(const enum vg_guard_fence *)p;
		return snprintf(v, len, "%s", e <= VG_GUARD_FENCE_TIMEDOUT ? fence_names[e] : "?");
	}
	return -1;
}

int vg_guard_serialize(const struct vg_guard_saved *s, const char *boot_id,
		       char *buf, size_t len)
{
	size_t used;
	int n;

	if (s == NULL || buf == NULL || !boot_id_ok(boot_id) || !saved_consistent(s))
		return -EINVAL;
	n = snprintf(buf, len, HEADER "version=1\nboot_id=%s\n", boot_id);
	if (n < 0 || (size_t)n >= len)
		return -ENOSPC;
	used = (size_t)n;
	for (size_t i = 0; i < NFIELDS; i++) {
		char v[32];

		field_value(s, &fields[i], v, sizeof(v));
		n = snprintf(buf + used, len - used, "%s=%s\n", fields[i].key, v);
		if (n < 0 || (size_t)n >= len - used)
			return -ENOSPC;
		used += (size_t)n;
	}
	return (int)used;
}

static int name_index(const char *v, const char *const *names, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(v, names[i]) == 0)
			return (int)i;
	return -1;
}

static int parse_field(struct vg_guard_saved *s, const struct field *f, const char *v)
{
	char *p = (char *)s + f->off;
	char *end;
	long long t;
	int i;

	switch (f->kind) {
	case F_BOOL:
		if (strcmp(v, "0") != 0 && strcmp(v, "1") != 0)
			return -EINVAL;
		*(bool *)p = v[0] == '1';
		return 0;
	case F_TIME:
		/* "-1" or digits; no sign, blank, or leading zero games */
		if (strcmp(v, "-1") != 0 &&
		    (v[0] < '0' || v[0] > '9' || (v[0] == '0' && v[1] != '\0')))
			return -EINVAL;
		errno = 0;
		t = strtoll(v, &end, 10);
		if (errno != 0 || *end != '\0' || !time_ok(t))
			return -EINVAL;
		*(long long *)p = t;
		return 0;
	case F_STATE:
		i = name_index(v, state_names, sizeof(state_names) / sizeof(state_names[0]));
		break;
	case F_TRI:
		i = name_index(v, tri_names, sizeof(tri_names) / sizeof(tri_names[0]));
		break;
	case F_FENCE:
		i = name_index(v, fence_names, sizeof(fence_names) / sizeof(fence_names[0]));
		break;
	default:
		return -EINVAL;
	}
	if (i < 0)
		return -EINVAL;
	if (f->kind == F_STATE)
		*(enum vg_guard_state *)p = (enum vg_guard_state)i;
	else if (f->kind == F_TRI)
		*(enum vg_guard_tri *)p = (enum vg_guard_tri)i;
	else
		*(enum vg_guard_fence *)p = (enum vg_guard_fence)i;
	return 0;
}

/* One "key=value" line; seen[] counts the keys (version, boot_id, fields). */
static int parse_line(char *line, const char *boot_id, struct vg_guard_saved *s,
		      unsigned char *seen, bool *stale)
{
	char *eq = strchr(line, '=');

	if (line[0] == '#')
		return 0;
	if (eq == NULL)
		return -EINVAL;
	*eq = '\0';
	if (strcmp(line, "version") == 0) {
		seen[NFIELDS]++;
		return strcmp(eq + 1, "1") == 0 ? 0 : -EINVAL;
	}
	if (strcmp(line, "boot_id") == 0) {
		seen[NFIELDS + 1]++;
		if (!boot_id_ok(eq + 1))
			return -EINVAL;
		if (strcmp(eq + 1, boot_id) != 0)
			*stale = true;
		return 0;
	}
	for (size_t i = 0; i < NFIELDS; i++) {
		if (strcmp(line, fields[i].key) == 0) {
			seen[i]++;
			return parse_field(s, &fields[i], eq + 1);
		}
	}
	return -EINVAL;
}

int vg_guard_parse(const char *buf, size_t len, const char *boot_id,
		   struct vg_guard_saved *out)
{
	unsigned char seen[NFIELDS + 2] = { 0 };
	struct vg_guard_saved tmp;
	char line[128];
	bool stale = false;
	size_t i = 0;

	if (buf == NULL || out == NULL || !boot_id_ok(boot_id) || len > VG_GUARD_BUF * 4)
		return -EINVAL;
	memset(&tmp, 0, sizeof(tmp));
	while (i < len) {
		size_t n = 0;
		int rc;

		while (i < len && buf[i] != '\n') {
			if (buf[i] == '\0' || n + 1 >= sizeof(line))
				return -EINVAL;
			line[n++] = buf[i++];
		}
		if (i >= len)
			return -EINVAL;		/* every line ends: a cut file is garbage */
		i++;
		line[n] = '\0';
		rc = parse_line(line, boot_id, &tmp, seen, &stale);
		if (rc != 0)
			return rc;
	}
	for (size_t k = 0; k < NFIELDS + 2; k++)
		if (seen[k] != 1)
			return -EINVAL;
	if (!saved_consistent(&tmp))
		return -EINVAL;
	if (stale)
		return -ESTALE;
	*out = tmp;
	return 0;
}
