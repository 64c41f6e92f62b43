/* The guard (common/guard.h): issue 12's decisions, scenario by scenario,
 * then exhaustively -- every sequence of events, restarts and deadline
 * ticks until deeper runs find no new state, with P1-P4 checked after every
 * step against an oracle that never restarts. */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if defined(__has_include)
#if __has_include(<valgrind/valgrind.h>)
#include <valgrind/valgrind.h>
#endif
#endif
#ifndef RUNNING_ON_VALGRIND
#define RUNNING_ON_VALGRIND 0
#endif

#include "guard.h"

#define BOOT "5b9a2c1e-test-boot"
#define SEC 1000LL

/* The shipped defaults, roughly: grace 10 s, fence 30 s, maintenance 10 min,
 * frontend monitoring 180 s; bound from a frontend recovery of 540 s. */
static const struct vg_guard_conf real = {
	.grace_ms = 10 * SEC, .fence_timeout_ms = 30 * SEC, .planned_max_ms = 300 * SEC,
	.stable_ms = 180 * SEC, .bound_ms = 540 * SEC - 4 * SEC - 30 * SEC - 10 * SEC - 1,
	.connect_ms = 4 * SEC, .quorum = true,
};

static struct vg_guard_actions act;

static void ev_at(struct vg_guard *g, enum vg_guard_ev e, long long now)
{
	struct vg_guard_event ev = { .type = e };

	ck_assert_int_eq(vg_guard_step(g, &ev, now, &act), 0);
}

static void announce_at(struct vg_guard *g, long long expires, long long now)
{
	struct vg_guard_event ev = { .type = VG_GUARD_EV_ANNOUNCED, .expires_ms = expires };

	ck_assert_int_eq(vg_guard_step(g, &ev, now, &act), 0);
}

/* A host guarding a healthy libvirtd with guests, quorate, at 1000 s. */
static void healthy(struct vg_guard *g, const struct vg_guard_conf *c)
{
	ck_assert_int_eq(vg_guard_init(g, c, 1000 * SEC), 0);
	ev_at(g, VG_GUARD_EV_QUORUM_YES, 1000 * SEC);
	ev_at(g, VG_GUARD_EV_GUESTS_PRESENT, 1000 * SEC);
	ev_at(g, VG_GUARD_EV_UP, 1000 * SEC);
	ck_assert_int_eq(act.state, VG_GUARD_UP);
	ck_assert(act.feed);
}

/* A restart: what was persisted, written and read back, resumed at now. */
static void restart(struct vg_guard *g, long long now)
{
	struct vg_guard_saved s;
	char buf[VG_GUARD_BUF];
	struct vg_guard_conf c = g->conf;

	ck_assert_int_gt(vg_guard_serialize(&g->s, BOOT, buf, sizeof(buf)), 0);
	ck_assert_int_eq(vg_guard_parse(buf, strlen(buf), BOOT, &s), 0);
	memset(g, 0xa5, sizeof(*g));
	ck_assert_int_eq(vg_guard_restore(g, &c, &s, now, &act), 0);
}

/* ---- item 1: a restart forgets nothing ------------------------------------ */

START_TEST(item1_restart_during_grace_still_fences)
{
	struct vg_guard g;
	long long t = 1100 * SEC;

	healthy(&g, &real);
	ev_at(&g, VG_GUARD_EV_LOST, t);
	ck_assert_int_eq(act.state, VG_GUARD_LOST);
	ck_assert(act.persist);
	ck_assert_int_eq(act.wake_ms, t + real.grace_ms);
	restart(&g, t + 5 * SEC);	/* SIGKILL + Restart=on-failure */
	ck_assert_int_eq(act.state, VG_GUARD_LOST);
	ck_assert(act.feed && !act.request_fence);
	ck_assert_int_eq(act.wake_ms, t + real.grace_ms);	/* not restarted */
	ev_at(&g, VG_GUARD_EV_TICK, t + real.grace_ms);
	ck_assert(act.request_fence);
	ck_assert_int_eq(act.state, VG_GUARD_FENCING);
}
END_TEST

START_TEST(item1_restart_never_refeeds_after_a_fence)
{
	struct vg_guard g;
	long long t = 1100 * SEC, f = t + real.grace_ms;

	healthy(&g, &real);
	ev_at(&g, VG_GUARD_EV_LOST, t);
	ev_at(&g, VG_GUARD_EV_TICK, f);
	ck_assert(act.request_fence && act.feed);
	/* restarted while the request runs: asked again, same deadline, and
	 * quorum is unknown to the new process: the watchdog goes now */
	restart(&g, f + 3 * SEC);
	ck_assert(act.request_fence);
	ck_assert_int_eq(act.fence_budget_ms, real.fence_timeout_ms - 3 * SEC);
	ck_assert(!act.feed && act.stop_feeding);
	ck_assert_int_eq(act.stop_why, VG_GUARD_WHY_NO_QUORUM);
	ev_at(&g, VG_GUARD_EV_QUORUM_YES, f + 4 * SEC);
	ev_at(&g, VG_GUARD_EV_UP, f + 5 * SEC);
	ck_assert(!act.feed);
	ck_assert_int_eq(act.why, VG_GUARD_WHY_TOO_LATE);
	ev_at(&g, VG_GUARD_EV_FENCE_CONFIRMED, f + 6 * SEC);
	ck_assert_int_eq(act.state, VG_GUARD_FENCED);
	ck_assert(!act.feed);
	/* self-fence / fenced survive any number of restarts */
	restart(&g, f + 7 * SEC);
	ck_assert_int_eq(act.state, VG_GUARD_FENCED);
	ck_assert(!act.feed && !act.request_fence);
	ev_at(&g, VG_GUARD_EV_UP, f + 8 * SEC);
	ck_assert(!act.feed);
	ck_assert(!vg_guard_clean_stop(&g, f + 8 * SEC));
}
END_TEST

START_TEST(item1_restart_after_the_fence_deadline_self_fences)
{
	struct vg_guard g;
	long long t = 1100 * SEC, f = t + real.grace_ms;

	healthy(&g, &real);
	ev_at(&g, VG_GUARD_EV_LOST, t);
	ev_at(&g, VG_GUARD_EV_TICK, f);
	ck_assert(act.request_fence);
	restart(&g, f + real.fence_timeout_ms);
	ck_assert(!act.request_fence && !act.feed);
	ck_assert_int_eq(act.state, VG_GUARD_SELF_FENCE);
}
END_TEST

START_TEST(item1_start_while_libvirtd_silent_and_guests_run)
{
	struct vg_guard g;
	long long t = 50 * SEC;

	ck_assert_int_eq(vg_guard_init(&g, &real, t), 0);
	ck_assert_int_eq(g.s.state, VG_GUARD_WAITING);
	ev_at(&g, VG_GUARD_EV_GUESTS_PRESENT, t);
	/* the time libvirt's detection takes, then the grace window */
	t += real.connect_ms;
	ck_assert_int_eq(act.wake_ms, t + real.grace_ms);
	ev_at(&g, VG_GUARD_EV_TICK, t + real.grace_ms - 1);
	ck_assert(!act.request_fence);
	ev_at(&g, VG_GUARD_EV_TICK, t + real.grace_ms);
	ck_assert(act.request_fence);
	ck_assert_int_eq(act.why, VG_GUARD_WHY_NEVER_ANSWERED);
	ck_assert(!act.feed);	/* quorum never reported: cannot rely on the fence */
}
END_TEST

START_TEST(item1_start_without_guests_waits)
{
	struct vg_guard g;
	long long t = 50 * SEC;

	ck_assert_int_eq(vg_guard_init(&g, &real, t), 0);
	ev_at(&g, VG_GUARD_EV_GUESTS_NONE, t);
	ev_at(&g, VG_GUARD_EV_TICK, t + 3600 * SEC);
	ck_assert(!act.request_fence && act.feed);
	ck_assert_int_eq(act.state, VG_GUARD_WAITING);
	/* guests appear (libvirtd ought to run now): the grace window starts */
	ev_at(&g, VG_GUARD_EV_GUESTS_PRESENT, t + 3601 * SEC);
	ck_assert_int_eq(act.why, VG_GUARD_WHY_GUESTS_APPEARED);
	ck_assert_int_eq(act.wake_ms, t + 3601 * SEC + real.connect_ms + real.grace_ms);
	ev_at(&g, VG_GUARD_EV_UP, t + 3602 * SEC);
	ck_assert_int_eq(act.state, VG_GUARD_UP);
	ck_assert_int_eq(act.wake_ms, VG_GUARD_NEVER);
}
END_TEST

START_TEST(item1_restart_from_up_must_be_answered)
{
	struct vg_guard g;
	long long t = 1100 * SEC;

	long long due = t + real.connect_ms + real.grace_ms;

	healthy(&g, &real);
	restart(&g, t);
	ck_assert_int_eq(act.state, VG_GUARD_WAITING);
	ck_assert_int_eq(act.wake_ms, due);
	ev_at(&g, VG_GUARD_EV_QUORUM_YES, t + 1);
	ev_at(&g, VG_GUARD_EV_TICK, due);
	ck_assert(act.request_fence && act.feed);
	/* ...and a second restart does not start that window again */
	healthy(&g, &real);
	restart(&g, t);
	restart(&g, due - 1);
	ck_assert_int_eq(act.wake_ms, due);
}
END_TEST

/* ---- item 2: the agent's probe does not end a planned stop ---------------- */

/* Grace 0, as in the lab: every order of the agent clearing the
 * announcement, vmguardd's 1 s re-check and vmguardd's own reconnect. */
START_TEST(item2_planned_restart_never_fences)
{
	struct vg_guard_conf c = real;
	static const enum vg_guard_ev order[6][3] = {
		{ VG_GUARD_EV_WITHDRAWN, VG_GUARD_EV_TICK, VG_GUARD_EV_UP },
		{ VG_GUARD_EV_WITHDRAWN, VG_GUARD_EV_UP, VG_GUARD_EV_TICK },
		{ VG_GUARD_EV_TICK, VG_GUARD_EV_WITHDRAWN, VG_GUARD_EV_UP },
		{ VG_GUARD_EV_TICK, VG_GUARD_EV_UP, VG_GUARD_EV_WITHDRAWN },
		{ VG_GUARD_EV_UP, VG_GUARD_EV_WITHDRAWN, VG_GUARD_EV_TICK },
		{ VG_GUARD_EV_UP, VG_GUARD_EV_TICK, VG_GUARD_EV_WITHDRAWN },
	};

	c.grace_ms = 0;
	for (int run = 0; run < 30; run++) {
		const enum vg_guard_ev *o = order[run % 6];
		struct vg_guard g;
		long long t = 1100 * SEC + run * 7;

		healthy(&g, &c);
		announce_at(&g, t + 60 * SEC, t);	/* the agent's stop */
		ev_at(&g, VG_GUARD_EV_LOST, t + 1);
		ck_assert_int_eq(act.state, VG_GUARD_MAINTENANCE);
		ck_assert_int_eq(act.why, VG_GUARD_WHY_COVERED);
		for (int i = 0; i < 3; i++) {
			if (run >= 12 && i == 1)
				restart(&g, t + 2 + i);
			ev_at(&g, o[i], t + 2 + i);
			ck_assert_msg(!act.request_fence && g.s.fence == VG_GUARD_FENCE_NONE,
				      "run %d: fenced at %s", run, vg_guard_event_name(o[i]));
			ck_assert(act.feed);
		}
		if (act.state == VG_GUARD_WAITING)	/* restarted after UP: reconnects */
			ev_at(&g, VG_GUARD_EV_UP, t + 5);
		ck_assert_int_eq(act.state, VG_GUARD_UP);
		/* the announcement was used up by vmguardd's own evidence: a crash
		 * right after the planned restart is not planned */
		announce_at(&g, t + 60 * SEC, t + 6);	/* the agent re-read */
		ev_at(&g, VG_GUARD_EV_LOST, t + 7);
		ck_assert(act.request_fence);
	}
}
END_TEST

START_TEST(item2_planned_stop_that_never_ends_fences_at_expiry)
{
	struct vg_guard g;
	long long t = 1100 * SEC, e = t + 60 * SEC;

	healthy(&g, &real);
	announce_at(&g, e, t);
	ev_at(&g, VG_GUARD_EV_LOST, t + 1);
	ck_assert_int_eq(act.wake_ms, e);
	ev_at(&g, VG_GUARD_EV_WITHDRAWN, t + 2);
	ck_assert_int_eq(act.why, VG_GUARD_WHY_ANN_KEPT);
	ck_assert_int_eq(act.state, VG_GUARD_MAINTENANCE);
	ev_at(&g, VG_GUARD_EV_TICK, e);
	ck_assert_int_eq(act.why, VG_GUARD_WHY_COVER_ENDED);
	ck_assert_int_eq(act.state, VG_GUARD_LOST);
	ck_assert_int_eq(act.wake_ms, e + real.grace_ms);
	ev_at(&g, VG_GUARD_EV_TICK, e + real.grace_ms);
	ck_assert(act.request_fence);
}
END_TEST

/* ---- item 3: a hung libvirtd is a lost one -------------------------------- */

START_TEST(item3_hung_is_fenced)
{
	struct vg_guard g;
	long long t = 1100 * SEC;

	healthy(&g, &real);
	ev_at(&g, VG_GUARD_EV_HUNG, t);
	ck_assert_int_eq(act.why, VG_GUARD_WHY_HUNG);
	ck_assert_int_eq(act.state, VG_GUARD_LOST);
	ev_at(&g, VG_GUARD_EV_TICK, t + real.grace_ms);
	ck_assert(act.request_fence && act.feed);
	ev_at(&g, VG_GUARD_EV_FENCE_FAILED, t + real.grace_ms + 1);
	ck_assert(!act.feed && act.stop_feeding);
	ck_assert_int_eq(act.state, VG_GUARD_SELF_FENCE);
}
END_TEST

/* ---- item 4: the planned-stop window and flapping are bounded ------------- */

START_TEST(item4_config_refuses_a_window_beyond_the_rule)
{
	struct vg_guard_conf c = real;
	struct vg_guard g;
	char why[512];

	ck_assert_int_eq(vg_guard_conf_check(&real, why, sizeof(why)), 0);
	c.planned_max_ms = 600 * SEC;	/* the old maintenance_max */
	ck_assert_int_eq(vg_guard_conf_check(&c, why, sizeof(why)), -EINVAL);
	ck_assert_ptr_nonnull(strstr(why, "maintenance_max"));
	memset(&g, 0x5a, sizeof(g));
	ck_assert_int_eq(vg_guard_init(&g, &c, 0), -EINVAL);
	ck_assert_int_eq(g.s.origin_ms, 0x5a5a5a5a5a5a5a5aLL);	/* untouched */
	c = real;
	c.fence_timeout_ms = 0;
	ck_assert_int_eq(vg_guard_conf_check(&c, NULL, 0), -EINVAL);
	c = real;
	c.grace_ms = -1;
	ck_assert_int_eq(vg_guard_conf_check(&c, NULL, 0), -EINVAL);
}
END_TEST

START_TEST(item4_announcements_cannot_postpone_forever)
{
	struct vg_guard g;
	long long t = 1100 * SEC;

	healthy(&g, &real);
	/* longer than maintenance_max: not believed */
	announce_at(&g, t + real.planned_max_ms + 1, t);
	ck_assert_int_eq(act.why, VG_GUARD_WHY_ANN_REFUSED);
	ck_assert_int_eq(g.s.ann_expiry_ms, -1);
	/* a crash late in a window is covered to its end, never beyond */
	announce_at(&g, t + real.planned_max_ms, t);
	ev_at(&g, VG_GUARD_EV_LOST, t + real.planned_max_ms - SEC);
	ck_assert_int_eq(act.wake_ms, t + real.planned_max_ms);
	/* renewing it again and again: covered P after the loss at most */
	for (long long now = t + real.planned_max_ms - SEC; now < t + 3 * real.planned_max_ms;
	     now += 60 * SEC) {
		announce_at(&g, now + real.planned_max_ms, now);
		if (act.request_fence)
			break;
	}
	ck_assert(g.s.fence != VG_GUARD_FENCE_NONE);
	ck_assert_int_le(g.s.fence_at_ms, t + real.planned_max_ms - SEC + real.bound_ms);
}
END_TEST

START_TEST(item4_flapping_keeps_the_first_loss)
{
	struct vg_guard g;
	long long t = 1100 * SEC;
	long long now = t;

	healthy(&g, &real);
	/* down 9 s, up 1 s, forever: the grace window (10 s) never restarts */
	for (int i = 0; i < 10 && !act.request_fence; i++) {
		ev_at(&g, VG_GUARD_EV_LOST, now);
		ck_assert_int_eq(act.why, i == 0 ? VG_GUARD_WHY_LOST : act.request_fence ?
				 VG_GUARD_WHY_GRACE_EXPIRED : VG_GUARD_WHY_FLAP);
		if (act.request_fence)
			break;
		now += 9 * SEC;
		ev_at(&g, VG_GUARD_EV_UP, now);
		now += SEC;
	}
	ck_assert(act.request_fence);
	ck_assert_int_eq(g.s.fence_at_ms, t + 10 * SEC);
	/* up for the stable period: the next loss is a new series */
	healthy(&g, &real);
	ev_at(&g, VG_GUARD_EV_LOST, t);
	ev_at(&g, VG_GUARD_EV_UP, t + 5 * SEC);
	ev_at(&g, VG_GUARD_EV_LOST, t + 5 * SEC + real.stable_ms);
	ck_assert_int_eq(act.why, VG_GUARD_WHY_LOST);
	ck_assert_int_eq(act.wake_ms, t + 5 * SEC + real.stable_ms + real.grace_ms);
}
END_TEST

/* ---- item 7: cluster stop, evacuated hosts -------------------------------- */

/* systemctl stop pacemaker on an evacuated host: the agent's stop announces,
 * libvirtd stops, corosync goes, the announcement expires. */
START_TEST(item7_cluster_stop_on_an_evacuated_host)
{
	struct vg_guard g;
	long long t = 1100 * SEC, e = t + 120 * SEC;

	healthy(&g, &real);
	ev_at(&g, VG_GUARD_EV_GUESTS_NONE, t - 60 * SEC);	/* vmguard drain */
	announce_at(&g, e, t);
	ev_at(&g, VG_GUARD_EV_LOST, t + SEC);
	ev_at(&g, VG_GUARD_EV_QUORUM_UNKNOWN, t + 2 * SEC);
	ck_assert(act.feed);
	ev_at(&g, VG_GUARD_EV_WITHDRAWN, t + 3 * SEC);
	for (long long now = e - SEC; now < e + 3600 * SEC; now += 30 * SEC) {
		ev_at(&g, VG_GUARD_EV_TICK, now);
		ck_assert(act.feed && !act.request_fence);
	}
	ck_assert_int_eq(act.state, VG_GUARD_LOST);
	ck_assert(vg_guard_clean_stop(&g, e + 3600 * SEC));
}
END_TEST

/* The same stop with guests left: they run unguarded while the frontend may
 * recover them; fenced, and without quorum the watchdog goes at once. */
START_TEST(item7_cluster_stop_with_guests_is_fenced)
{
	struct vg_guard g;
	long long t = 1100 * SEC, e = t + 120 * SEC;

	healthy(&g, &real);
	announce_at(&g, e, t);
	ev_at(&g, VG_GUARD_EV_LOST, t + SEC);
	ev_at(&g, VG_GUARD_EV_QUORUM_UNKNOWN, t + 2 * SEC);
	ck_assert(act.feed);
	ck_assert(vg_guard_clean_stop(&g, t + 2 * SEC));	/* covered: a stop may disarm */
	ev_at(&g, VG_GUARD_EV_TICK, e);
	ck_assert(!vg_guard_clean_stop(&g, e));
	ev_at(&g, VG_GUARD_EV_TICK, e + real.grace_ms);
	ck_assert(act.request_fence && act.stop_feeding && !act.feed);
	ck_assert_int_eq(act.stop_why, VG_GUARD_WHY_NO_QUORUM);
}
END_TEST

/* Guests appearing on a host whose libvirtd is lost past its grace. */
START_TEST(item7_guests_appearing_after_the_deadline_fence_at_once)
{
	struct vg_guard g;
	long long t = 1100 * SEC;

	healthy(&g, &real);
	ev_at(&g, VG_GUARD_EV_GUESTS_NONE, t);
	ev_at(&g, VG_GUARD_EV_LOST, t);
	ev_at(&g, VG_GUARD_EV_TICK, t + real.grace_ms);
	ck_assert(!act.request_fence);
	ck_assert_int_eq(act.why, VG_GUARD_WHY_NO_GUESTS);
	ev_at(&g, VG_GUARD_EV_GUESTS_PRESENT, t + 100 * SEC);
	ck_assert(act.request_fence);
}
END_TEST

/* ---- the step's contract --------------------------------------------------- */

START_TEST(step_rejects_unknown_events_and_time_never_runs_back)
{
	struct vg_guard g, before;
	struct vg_guard_event ev = { .type = VG_GUARD_EV_COUNT };
	long long t = 1100 * SEC;

	healthy(&g, &real);
	before = g;
	ck_assert_int_eq(vg_guard_step(&g, &ev, t, &act), -EINVAL);
	ck_assert_int_eq(vg_guard_step(&g, NULL, t, &act), -EINVAL);
	ck_assert(memcmp(&before, &g, sizeof(g)) == 0);
	ck_assert(act.feed && !act.request_fence && !act.persist);
	ev_at(&g, VG_GUARD_EV_LOST, t);
	/* a clock that jumps back cannot postpone the deadline */
	ev_at(&g, VG_GUARD_EV_TICK, t - 3600 * SEC);
	ck_assert_int_eq(act.wake_ms, t + real.grace_ms);
	ev_at(&g, VG_GUARD_EV_TICK, t + real.grace_ms);
	ck_assert(act.request_fence);
	for (int e = 0; e < VG_GUARD_EV_COUNT; e++)
		ck_assert_str_ne(vg_guard_event_name((enum vg_guard_ev)e), "?");
	for (int w = 1; w < VG_GUARD_WHY_COUNT; w++)
		ck_assert_int_gt(strlen(vg_guard_why_str((enum vg_guard_why)w)), 10);
	ck_assert_str_eq(vg_guard_state_name(VG_GUARD_SELF_FENCE), "self-fence");
}
END_TEST

START_TEST(quorum_alone_never_touches_a_healthy_host)
{
	struct vg_guard g;
	long long t = 1100 * SEC;

	healthy(&g, &real);
	ev_at(&g, VG_GUARD_EV_QUORUM_NO, t);
	ev_at(&g, VG_GUARD_EV_QUORUM_UNKNOWN, t + SEC);
	ev_at(&g, VG_GUARD_EV_TICK, t + 3600 * SEC);
	ck_assert(act.feed && !act.request_fence);
	ck_assert_int_eq(act.state, VG_GUARD_UP);
	ck_assert(vg_guard_clean_stop(&g, t + 3600 * SEC));
}
END_TEST

/* ---- the persisted format ---------------------------------------------------- */

static void some_state(struct vg_guard_saved *s)
{
	struct vg_guard g;
	long long t = 1100 * SEC;

	healthy(&g, &real);
	announce_at(&g, t + 30 * SEC, t - SEC);
	ev_at(&g, VG_GUARD_EV_LOST, t);
	ev_at(&g, VG_GUARD_EV_TICK, t + 30 * SEC + real.grace_ms);
	ck_assert(act.request_fence);
	*s = g.s;
}

START_TEST(format_round_trip)
{
	struct vg_guard_saved s, back;
	char buf[VG_GUARD_BUF], again[VG_GUARD_BUF];
	int n;

	some_state(&s);
	n = vg_guard_serialize(&s, BOOT, buf, sizeof(buf));
	ck_assert_int_gt(n, 0);
	ck_assert_int_eq((size_t)n, strlen(buf));
	ck_assert_ptr_nonnull(strstr(buf, "\nstate=fencing\n"));
	ck_assert_ptr_nonnull(strstr(buf, "\nfence=pending\n"));
	ck_assert_int_eq(vg_guard_parse(buf, (size_t)n, BOOT, &back), 0);
	ck_assert_int_eq(vg_guard_serialize(&back, BOOT, again, sizeof(again)), n);
	ck_assert_str_eq(buf, again);
	/* too small a buffer */
	ck_assert_int_eq(vg_guard_serialize(&s, BOOT, buf, 100), -ENOSPC);
	ck_assert_int_eq(vg_guard_serialize(&s, "bad id", buf, sizeof(buf)), -EINVAL);
}
END_TEST

static void assert_refused(const char *text, int want)
{
	struct vg_guard_saved out, untouched;

	memset(&out, 0x77, sizeof(out));
	memset(&untouched, 0x77, sizeof(untouched));
	ck_assert_msg(vg_guard_parse(text, strlen(text), BOOT, &out) == want,
		      "not refused with %d:\n%s", want, text);
	ck_assert_msg(memcmp(&out, &untouched, sizeof(out)) == 0, "out written");
}

/* text with the line starting "key=" replaced by repl ("" drops it) */
static void edited(const char *text, const char *key, const char *repl, char *dst)
{
	const char *p = strstr(text, key);
	const char *eol;

	ck_assert_ptr_nonnull(p);
	eol = strchr(p, '\n') + 1;
	sprintf(dst, "%.*s%s%s", (int)(p - text), text, repl, eol);
}

START_TEST(format_refuses_garbage)
{
	static const struct { const char *key, *repl; } bad[] = {
		{ "version=", "version=2\n" }, { "version=", "" },
		{ "boot_id=", "" }, { "boot_id=", "boot_id=\n" },
		{ "state=", "state=dead\n" }, { "state=", "state=fencing\nstate=up\n" },
		{ "feeding=", "feeding=yes\n" }, { "feeding=", "feeding=2\n" },
		{ "feeding=", "feeding=1\n" }, /* confirmed by fence= below: see edits */
		{ "guests=", "guests=maybe\n" }, { "fence=", "fence=none\n" },
		{ "fence=", "fence=\n" }, { "fence_at_ms=", "fence_at_ms=-2\n" },
		{ "fence_at_ms=", "fence_at_ms=+5\n" }, { "fence_at_ms=", "fence_at_ms= 5\n" },
		{ "fence_at_ms=", "fence_at_ms=5 \n" }, { "fence_at_ms=", "fence_at_ms=05\n" },
		{ "fence_at_ms=", "fence_at_ms=0x10\n" },
		{ "fence_at_ms=", "fence_at_ms=99999999999999999999\n" },
		{ "fence_at_ms=", "fence_at_ms=9007199254740993\n" },
		{ "fence_at_ms=", "fence_at_ms=\n" }, { "origin_ms=", "origin_ms=-1\n" },
		{ "saved_ms=", "saved_ms=1\rx\n" }, { "saved_ms=", "saved_ms\n" },
		{ "answering=", "answering=0\nunknown_key=1\n" },
		{ "answering=", "answering=1\n" },
	};
	struct vg_guard_saved s;
	char buf[VG_GUARD_BUF], ed[VG_GUARD_BUF + 200], fed[VG_GUARD_BUF];
	int n;

	some_state(&s);
	n = vg_guard_serialize(&s, BOOT, buf, sizeof(buf));
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (i == 8) {
			/* feeding=1 is fine while pending, not once answered */
			edited(buf, "fence=", "fence=failed\n", fed);
			edited(fed, bad[i].key, bad[i].repl, ed);
		} else {
			edited(buf, bad[i].key, bad[i].repl, ed);
		}
		assert_refused(ed, -EINVAL);
	}
	/* cut anywhere, a NUL inside, an empty file */
	for (int cut = 0; cut < n; cut++) {
		snprintf(ed, sizeof(ed), "%.*s", cut, buf);
		assert_refused(ed, -EINVAL);
	}
	{
		struct vg_guard_saved out;

		memcpy(ed, buf, (size_t)n);
		ed[40] = '\0';
		memset(&out, 0x77, sizeof(out));
		ck_assert_int_eq(vg_guard_parse(ed, (size_t)n, BOOT, &out), -EINVAL);
	}
	/* another boot's state */
	edited(buf, "boot_id=", "boot_id=another-boot\n", ed);
	assert_refused(ed, -ESTALE);
}
END_TEST

/* Every single-byte change: refused with out untouched, or a state that
 * serializes back to exactly the changed text (a value that still means
 * something -- e.g. a digit of a time). */
START_TEST(format_every_byte_flip)
{
	static const char subst[] = { '0', '1', '9', '-', '=', '\n', ' ', 'x', '#', '\0' };
	struct vg_guard_saved s, out, untouched;
	char buf[VG_GUARD_BUF], ed[VG_GUARD_BUF], back[VG_GUARD_BUF];
	int n, accepted = 0;

	memset(&untouched, 0x77, sizeof(untouched));
	some_state(&s);
	n = vg_guard_serialize(&s, BOOT, buf, sizeof(buf));
	for (int i = 0; i < n; i++) {
		for (size_t k = 0; k < sizeof(subst); k++) {
			int rc;

			if (buf[i] == subst[k])
				continue;
			memcpy(ed, buf, (size_t)n);
			ed[i] = subst[k];
			memset(&out, 0x77, sizeof(out));
			rc = vg_guard_parse(ed, (size_t)n, BOOT, &out);
			if (rc != 0) {
				ck_assert(memcmp(&out, &untouched, sizeof(out)) == 0);
				continue;
			}
			accepted++;
			/* the header comment may change freely; anything else must
			 * mean exactly what it says */
			ck_assert_int_gt(vg_guard_serialize(&out, BOOT, back, sizeof(back)), 0);
			if (ed[0] == '#' && strchr(ed, '\n') - ed >= i)
				continue;
			ck_assert_msg(memcmp(back, ed, (size_t)n) == 0, "byte %d -> '%c' "
				      "accepted with another meaning", i, subst[k]);
		}
	}
	ck_assert_int_gt(accepted, 0);
}
END_TEST

START_TEST(restore_refuses_inconsistent_or_future_states)
{
	struct vg_guard_saved s, bad;
	struct vg_guard g;

	some_state(&s);
	memset(&g, 0x33, sizeof(g));
	ck_assert_int_eq(vg_guard_restore(&g, &real, &s, s.saved_ms - 1, &act), -ERANGE);
	bad = s;
	bad.feeding = false;
	bad.fence = VG_GUARD_FENCE_NONE;
	ck_assert_int_eq(vg_guard_restore(&g, &real, &bad, s.saved_ms, &act), -EINVAL);
	ck_assert_int_eq(g.s.saved_ms, 0x3333333333333333LL);
	ck_assert_int_eq(vg_guard_restore(&g, &real, &s, s.saved_ms, &act), 0);
	ck_assert_int_eq(act.state, VG_GUARD_FENCING);
}
END_TEST

/* ---- exhaustive exploration ------------------------------------------------- */

/* What a restart-free observer knows, from the same events: the promises'
 * own bookkeeping, written from issue 12's wording rather than from guard.c. */
enum { O_UP, O_LOSS, O_WAIT };

struct oracle {
	int mode;		/* what the guard should believe */
	bool up;		/* libvirtd answers (the events' truth) */
	long long up_since, series, wait_origin;
	long long ann, ann_used, cover_end;
	int guests;		/* VG_GUARD_UNKNOWN / YES / NO */
	int quorum;
	long long fence_at;	/* the first request, -1 none */
	bool answered;		/* the request got an answer */
	bool stopped;		/* feeding stopped once */
};

struct world {
	struct vg_guard g;
	struct vg_guard_saved persisted;
	struct oracle o;
	long long now, wake;
	bool advanced;		/* the last move only let time pass */
	int parent, move;	/* for printing a failing path */
};

/* Small figures: every deadline a few ticks apart (ms = ticks). */
static struct vg_guard_conf xc;
static long long horizon;	/* past times older than this behave alike */

enum {
	M_EVENT0 = 0,				/* + enum vg_guard_ev, except ANNOUNCED */
	M_ANN_SHORT = VG_GUARD_EV_COUNT,	/* expires now + 1 */
	M_ANN_MAX,				/* now + planned_max */
	M_ANN_TOO_LONG,				/* now + planned_max + 1: refused */
	M_ANN_REPLAY,				/* the one UP consumed, re-read */
	M_RESTART,
	M_ADVANCE,				/* + index into the candidate times */
};

#define MAX_TIMES 24
#define KEYLEN 18

struct explore {
	struct world *w;
	int16_t (*key)[KEYLEN];
	size_t n, cap;
	uint32_t *slot;		/* open addressing: index + 1, 0 empty */
	size_t nslots;
	unsigned long long sequences;
	int depth;
	char failure[4096];
};

static struct explore X;

static long long o_origin(const struct oracle *o)
{
	return o->mode == O_LOSS ? o->series : o->wait_origin;
}

static long long o_due(const struct oracle *o)
{
	long long from = o_origin(o);

	if (o->cover_end > from)
		from = o->cover_end;
	return from + xc.grace_ms;
}

/* The oracle's view of one event (before the guard's answer). */
static void o_event(struct oracle *o, enum vg_guard_ev e, long long exp, long long now)
{
	if (o->ann >= 0 && o->ann <= now)
		o->ann = -1;
	switch (e) {
	case VG_GUARD_EV_UP:
		if (o->fence_at >= 0 || o->mode == O_UP)
			break;
		if (!o->up)
			o->up_since = now;
		o->up = true;
		o->mode = O_UP;
		o->cover_end = -1;
		if (o->ann >= 0)
			o->ann_used = o->ann;
		o->ann = -1;
		break;
	case VG_GUARD_EV_LOST:
	case VG_GUARD_EV_HUNG:
		if (o->fence_at >= 0 || !o->up)
			break;
		if (o->series < 0 || now - o->up_since >= xc.stable_ms)
			o->series = now;
		o->up = false;
		o->mode = O_LOSS;
		o->cover_end = -1;
		break;
	case VG_GUARD_EV_ANNOUNCED:
		if (o->fence_at < 0 && exp > now && exp - now <= xc.planned_max_ms &&
		    exp != o->ann_used)
			o->ann = exp;
		break;
	case VG_GUARD_EV_WITHDRAWN:
		if (o->ann >= 0)
			o->ann_used = o->ann;	/* gone for good */
		o->ann = -1;	/* a running cover stays: item 2 */
		break;
	case VG_GUARD_EV_EXPIRED:
		o->ann = -1;
		if (o->cover_end > now)
			o->cover_end = now;
		break;
	case VG_GUARD_EV_FENCE_CONFIRMED:
	case VG_GUARD_EV_FENCE_FAILED:
	case VG_GUARD_EV_FENCE_TIMEDOUT:
		if (o->fence_at >= 0 && now < o->fence_at + xc.fence_timeout_ms)
			o->answered = true;
		break;
	case VG_GUARD_EV_QUORUM_YES: o->quorum = VG_GUARD_YES; break;
	case VG_GUARD_EV_QUORUM_NO: o->quorum = VG_GUARD_NO; break;
	case VG_GUARD_EV_QUORUM_UNKNOWN: o->quorum = VG_GUARD_UNKNOWN; break;
	case VG_GUARD_EV_GUESTS_PRESENT:
		if (o->guests == VG_GUARD_NO && o->mode == O_WAIT && o->fence_at < 0)
			o->wait_origin = now + xc.connect_ms;
		o->guests = VG_GUARD_YES;
		break;
	case VG_GUARD_EV_GUESTS_NONE:
		o->guests = VG_GUARD_NO;
		break;
	default:
		break;
	}
	/* a valid announcement covers a libvirtd the guard does not hear, at
	 * most planned_max from the loss */
	if (o->fence_at < 0 && o->mode != O_UP && o->ann > now) {
		long long end = o->ann;

		if (o_origin(o) + xc.planned_max_ms < end)
			end = o_origin(o) + xc.planned_max_ms;
		if (end > o->cover_end)
			o->cover_end = end;
	}
}

static void o_restart(struct oracle *o, long long now)
{
	if (o->ann >= 0 && o->ann <= now)
		o->ann = -1;
	if (o->mode == O_UP) {
		o->mode = O_WAIT;	/* the new process must hear it itself */
		o->wait_origin = now + xc.connect_ms;
	}
	o->quorum = VG_GUARD_UNKNOWN;
	o_event(o, VG_GUARD_EV_TICK, 0, now);
}

/* Field by field, as the format has them (saved_ms is when, not what). */
static bool saved_eq(const struct vg_guard_saved *a, const struct vg_guard_saved *b)
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

#define FAIL(...) do { snprintf(X.failure, sizeof(X.failure), __VA_ARGS__); return false; } while (0)

/* P1-P4 and the caller's contract, after one step at now.  was_fence: a
 * fence had been requested before the step; restart: the step was one. */
static bool properties(struct world *w, const struct vg_guard_actions *a, bool was_fence,
		       bool restart)
{
	struct oracle *o = &w->o;
	long long now = w->now;
	bool acted;

	if (a->request_fence && was_fence) {
		/* only a restart asks again, and only within the first deadline */
		if (!restart || a->fence_budget_ms <= 0 ||
		    now + a->fence_budget_ms != o->fence_at + xc.fence_timeout_ms)
			FAIL("a fence was requested again (budget %lld)", a->fence_budget_ms);
	}
	if (a->request_fence && !was_fence) {
		/* P3, and no fence before its time */
		if (o->mode == O_UP)
			FAIL("P3: fence requested while libvirtd answers vmguardd");
		if (o->guests == VG_GUARD_NO)
			FAIL("fence requested on a host without guests");
		if (now < o_due(o))
			FAIL("P3: fence requested at %lld, before its time %lld (cover end %lld)",
			     now, o_due(o), o->cover_end);
		if (a->fence_budget_ms != xc.fence_timeout_ms)
			FAIL("fence budget %lld", a->fence_budget_ms);
		o->fence_at = now;
	}
	acted = o->fence_at >= 0 || !a->feed;
	/* P1: lost, guests, due: acted */
	if (!o->up && o->mode != O_UP && o->guests != VG_GUARD_NO && now >= o_due(o) && !acted)
		FAIL("P1: libvirtd lost, due at %lld, nothing done at %lld", o_due(o), now);
	/* P4: never later than the bound after the first loss */
	if (!o->up && o->mode != O_UP && o->guests != VG_GUARD_NO &&
	    now >= o_origin(o) + xc.bound_ms && !acted)
		FAIL("P4: %lld after the first loss, beyond the bound %lld",
		     now - o_origin(o), xc.bound_ms);
	/* P1 (end): every request ends in "not fed" within fence_timeout */
	if (o->fence_at >= 0 && now >= o->fence_at + xc.fence_timeout_ms && a->feed)
		FAIL("P1: fence requested at %lld, still fed at %lld", o->fence_at, now);
	/* P2 */
	if (o->fence_at >= 0 && o->answered && a->feed)
		FAIL("P2: fed after the fence request was answered");
	if (o->stopped && a->feed)
		FAIL("P2: fed again after feeding stopped");
	if (!a->feed && o->fence_at < 0)
		FAIL("feeding stopped without a fence request (a healthy host resets)");
	if (a->feed && o->fence_at >= 0 && !o->answered &&
	    now < o->fence_at + xc.fence_timeout_ms && o->quorum != VG_GUARD_YES)
		FAIL("fed while fencing without quorum");
	o->stopped = !a->feed;
	/* the caller's contract: woken in time, every change persisted */
	if (o->fence_at < 0 && o->mode != O_UP && o->guests != VG_GUARD_NO &&
	    a->wake_ms > o_due(o))
		FAIL("wake at %lld, after the deadline %lld", a->wake_ms, o_due(o));
	if (o->fence_at >= 0 && a->feed && a->wake_ms > o->fence_at + xc.fence_timeout_ms)
		FAIL("wake at %lld, after the fence deadline", a->wake_ms);
	if (a->persist)
		w->persisted = w->g.s;
	if (!saved_eq(&w->persisted, &w->g.s))
		FAIL("a change of state was not persisted");
	if (a->state != w->g.s.state)
		FAIL("state in actions differs");
	return true;
}

/* One move from w into *n; false (X.failure set) on a broken promise. */
static bool move(const struct world *w, int m, long long t, struct world *n)
{
	struct vg_guard_event ev = { .type = VG_GUARD_EV_TICK };
	struct vg_guard_actions a;
	bool was_fence = w->o.fence_at >= 0;

	*n = *w;
	n->advanced = false;
	if (m == M_ADVANCE) {
		n->now = t;
		n->advanced = true;
		return true;
	}
	if (m == M_RESTART) {
		struct vg_guard_saved s;
		char buf[VG_GUARD_BUF];
		int len = vg_guard_serialize(&w->persisted, BOOT, buf, sizeof(buf));

		if (len <= 0 || vg_guard_parse(buf, (size_t)len, BOOT, &s) != 0 ||
		    !saved_eq(&s, &w->persisted) || s.saved_ms != w->persisted.saved_ms)
			FAIL("the persisted state does not read back");
		o_restart(&n->o, n->now);
		if (vg_guard_restore(&n->g, &xc, &s, n->now, &a) != 0)
			FAIL("restore refused its own state");
		n->wake = a.wake_ms;
		return properties(n, &a, was_fence, true);
	}
	if (m < M_ANN_SHORT) {
		ev.type = (enum vg_guard_ev)m;
	} else {
		ev.type = VG_GUARD_EV_ANNOUNCED;
		ev.expires_ms = m == M_ANN_SHORT ? n->now + 1 :
				m == M_ANN_MAX ? n->now + xc.planned_max_ms :
				m == M_ANN_TOO_LONG ? n->now + xc.planned_max_ms + 1 :
				n->o.ann_used;
	}
	o_event(&n->o, ev.type, ev.expires_ms, n->now);
	if (vg_guard_step(&n->g, &ev, n->now, &a) != 0)
		FAIL("step refused a valid event");
	n->wake = a.wake_ms;
	return properties(n, &a, was_fence, false);
}

/* ---- the visited set: states with times relative to now ---- */


static int16_t rel(long long t, long long now)
{
	long long d;

	if (t < 0)
		return -30001;
	d = t - now;
	if (d < -horizon)
		return (int16_t)(-horizon - 1);
	if (d > 20000)
		return 20000;
	return (int16_t)d;
}

#define GONE (-30000)	/* a time that no longer matters */

/* The state, with every time relative to now, and every fact that can no
 * longer change what happens next replaced by GONE (so that deeper runs
 * meet the same states again).  Only what the guard and the oracle can
 * still act on is kept: this is what makes "no new state" mean "done". */
static void key_of(const struct world *w, int16_t *k)
{
	const struct vg_guard_saved *s = &w->g.s;
	const struct oracle *o = &w->o;
	long long now = w->now;
	bool live = s->answering || s->up_assumed;	/* a loss can still come */
	bool flapping = live && s->up_since_ms >= 0 && now - s->up_since_ms < xc.stable_ms;
	bool o_flapping = o->up && o->up_since >= 0 && now - o->up_since < xc.stable_ms;
	int i = 0;

	memset(k, 0, KEYLEN * sizeof(*k));
	k[i++] = (int16_t)(s->fence | s->feeding << 3 | w->g.quorum << 4 | w->advanced << 6 |
			   o->answered << 7 | o->stopped << 8 | o->quorum << 9);
	if (s->fence != VG_GUARD_FENCE_NONE) {
		/* nothing but the request's deadline matters any more */
		k[i++] = s->fence == VG_GUARD_FENCE_PENDING ? rel(s->fence_deadline_ms, now) : GONE;
		k[i++] = o->fence_at + xc.fence_timeout_ms > now ? rel(o->fence_at, now) : GONE;
		return;
	}
	k[i++] = (int16_t)(s->state | s->answering << 3 | s->waiting << 4 | s->up_assumed << 5 |
			   s->guests << 6 | (!s->answering && w->g.noguest_noted) << 8);
	k[i++] = s->answering ? GONE : rel(s->origin_ms, now);
	k[i++] = flapping ? rel(s->series_ms, now) : GONE;
	k[i++] = flapping ? rel(s->up_since_ms, now) : GONE;
	k[i++] = s->answering ? GONE : rel(s->cover_end_ms, now);
	k[i++] = rel(s->ann_expiry_ms, now);
	k[i++] = s->ann_used_ms > now ? rel(s->ann_used_ms, now) : GONE;
	k[i++] = w->wake > now && w->wake < VG_GUARD_NEVER ? rel(w->wake, now) : GONE;
	k[i++] = (int16_t)(o->mode | o->up << 2 | o->guests << 3);
	k[i++] = o_flapping ? rel(o->up_since, now) : GONE;
	k[i++] = o->mode == O_LOSS || o_flapping ? rel(o->series, now) : GONE;
	k[i++] = o->mode == O_WAIT ? rel(o->wait_origin, now) : GONE;
	k[i++] = o->ann > now ? rel(o->ann, now) : GONE;
	k[i++] = o->ann_used > now ? rel(o->ann_used, now) : GONE;
	k[i++] = o->mode != O_UP ? rel(o->cover_end, now) : GONE;
}

static uint64_t hash_key(const int16_t *k)
{
	uint64_t h = 1469598103934665603ULL;

	for (int i = 0; i < KEYLEN; i++) {
		h ^= (uint16_t)k[i];
		h *= 1099511628211ULL;
	}
	return h;
}

static void grow_slots(void);

/* Insert w if its state is new; true when it was. */
static bool visit(const struct world *w)
{
	int16_t k[KEYLEN];
	size_t i;

	if (X.n * 2 >= X.nslots)
		grow_slots();
	key_of(w, k);
	for (i = hash_key(k) & (X.nslots - 1); X.slot[i] != 0; i = (i + 1) & (X.nslots - 1))
		if (memcmp(k, X.key[X.slot[i] - 1], sizeof(k)) == 0)
			return false;
	if (X.n == X.cap) {
		X.cap = X.cap ? X.cap * 2 : 4096;
		X.w = realloc(X.w, X.cap * sizeof(*X.w));
		X.key = realloc(X.key, X.cap * sizeof(*X.key));
		ck_assert(X.w != NULL && X.key != NULL);
	}
	X.w[X.n] = *w;
	memcpy(X.key[X.n], k, sizeof(k));
	X.slot[i] = (uint32_t)++X.n;
	return true;
}

static void grow_slots(void)
{
	size_t n = X.nslots ? X.nslots * 2 : 1 << 14;

	free(X.slot);
	X.slot = calloc(n, sizeof(*X.slot));
	ck_assert_ptr_nonnull(X.slot);
	X.nslots = n;
	for (size_t j = 0; j < X.n; j++) {
		size_t i;

		for (i = hash_key(X.key[j]) & (n - 1); X.slot[i] != 0; i = (i + 1) & (n - 1))
			;
		X.slot[i] = (uint32_t)(j + 1);
	}
}

/* Times worth stopping at: just after now, and at and just past each
 * deadline either side knows of. */
static int candidate_times(const struct world *w, long long *t)
{
	const struct oracle *o = &w->o;
	const struct vg_guard_saved *s = &w->g.s;
	long long d[] = {
		w->wake, o_due(o), o->cover_end, s->cover_end_ms, o->ann,
		o->fence_at >= 0 ? o->fence_at + xc.fence_timeout_ms : -1,
		o->up_since >= 0 ? o->up_since + xc.stable_ms : -1,
		o_origin(o) >= 0 ? o_origin(o) + xc.bound_ms : -1,
	};
	int n = 0;

	t[n++] = w->now + 1;
	for (size_t i = 0; i < sizeof(d) / sizeof(d[0]); i++) {
		for (int plus = 0; plus <= 1; plus++) {
			long long c = d[i] + plus;
			bool dup = false;

			if (d[i] < 0 || d[i] >= VG_GUARD_NEVER || c <= w->now)
				continue;
			for (int j = 0; j < n; j++)
				dup |= t[j] == c;
			if (!dup && n < MAX_TIMES)
				t[n++] = c;
		}
	}
	return n;
}

static void print_path(int idx, int m, long long t)
{
	char line[160];
	int path[256], len = 0;
	size_t used = strlen(X.failure);

	for (int i = idx; i >= 0 && len < 256; i = X.w[i].parent)
		path[len++] = i;
	used += (size_t)snprintf(X.failure + used, sizeof(X.failure) - used, "\npath:");
	for (int j = len - 2; j >= -1 && used < sizeof(X.failure) - 100; j--) {
		const struct world *w = j >= 0 ? &X.w[path[j]] : NULL;
		int mv = w ? w->move : m;
		long long at = w ? w->now : t;

		if (mv == M_ADVANCE)
			snprintf(line, sizeof(line), " [t=%lld]", at);
		else if (mv == M_RESTART)
			snprintf(line, sizeof(line), " restart@%lld", at);
		else if (mv >= M_ANN_SHORT)
			snprintf(line, sizeof(line), " announce%d@%lld", mv - M_ANN_SHORT, at);
		else
			snprintf(line, sizeof(line), " %s@%lld", vg_guard_event_name(mv), at);
		used += (size_t)snprintf(X.failure + used, sizeof(X.failure) - used, "%s", line);
	}
}

/* Breadth first until a level adds no state. */
static bool explore(int max_depth)
{
	struct world start;
	size_t level_begin = 0, level_end;

	memset(&X, 0, sizeof(X));
	memset(&start, 0, sizeof(start));
	ck_assert_int_eq(vg_guard_init(&start.g, &xc, 100), 0);
	start.persisted = start.g.s;
	start.now = 100;
	start.wake = 100 + xc.connect_ms + xc.grace_ms;
	start.parent = -1;
	start.o = (struct oracle){ .mode = O_WAIT, .up_since = -1, .series = -1,
				   .wait_origin = 100 + xc.connect_ms, .ann = -1, .ann_used = -1,
				   .cover_end = -1, .guests = VG_GUARD_UNKNOWN,
				   .quorum = VG_GUARD_UNKNOWN, .fence_at = -1 };
	visit(&start);
	for (X.depth = 0; X.depth < max_depth; X.depth++) {
		level_end = X.n;
		if (getenv("VG_GUARD_VERBOSE") != NULL)
			fprintf(stderr, "depth %d: %zu new states, %zu total, %llu sequences\n",
				X.depth, level_end - level_begin, X.n, X.sequences);
		if (level_begin == level_end)
			return true;
		for (size_t i = level_begin; i < level_end; i++) {
			long long t[MAX_TIMES];
			int nt = X.w[i].advanced ? 0 : candidate_times(&X.w[i], t);

			for (int m = 0; m < M_ADVANCE + nt; m++) {
				struct world n;

				if (m == VG_GUARD_EV_ANNOUNCED ||
				    (m == M_ANN_REPLAY && X.w[i].o.ann_used <= X.w[i].now))
					continue;
				X.sequences++;
				if (!move(&X.w[i], m >= M_ADVANCE ? M_ADVANCE : m,
					  m >= M_ADVANCE ? t[m - M_ADVANCE] : 0, &n)) {
					print_path((int)i, m >= M_ADVANCE ? M_ADVANCE : m,
						   m >= M_ADVANCE ? t[m - M_ADVANCE] : X.w[i].now);
					return false;
				}
				n.parent = (int)i;
				n.move = m >= M_ADVANCE ? M_ADVANCE : m;
				visit(&n);
			}
		}
		level_begin = level_end;
	}
	return level_begin == X.n;
}

static void explore_conf(const char *name, long long grace)
{
	bool quick = RUNNING_ON_VALGRIND || getenv("VG_GUARD_QUICK") != NULL;
	bool ok;

	xc = (struct vg_guard_conf){ .grace_ms = grace, .fence_timeout_ms = 2,
				     .planned_max_ms = 3, .stable_ms = 2,
				     .bound_ms = 3 + grace, .connect_ms = 1, .quorum = true };
	horizon = xc.bound_ms + xc.planned_max_ms + xc.stable_ms + xc.fence_timeout_ms +
		  xc.grace_ms + 2;
	ok = explore(quick ? 9 : 1000);
	if (X.failure[0] != '\0') {
		fprintf(stderr, "guard exploration (%s): %s\n", name, X.failure);
		free(X.w);
		free(X.key);
		free(X.slot);
		ck_abort_msg("%s", X.failure);
	}
	printf("guard exploration (%s: grace %lld, fence %lld, planned max %lld, stable %lld, "
	       "bound %lld, connect %lld ticks): depth %d%s, %llu event sequences, %zu "
	       "distinct states; P1-P4, persistence and wake-ups hold on every one\n", name,
	       grace, xc.fence_timeout_ms, xc.planned_max_ms, xc.stable_ms, xc.bound_ms,
	       xc.connect_ms, ok ? X.depth - 1 : X.depth,
	       ok ? " (sequences one move longer reach no new state)" :
	       " (cut short under valgrind or VG_GUARD_QUICK: the full run is make check's)",
	       X.sequences, X.n);
	fflush(stdout);
	free(X.w);
	free(X.key);
	free(X.slot);
}

START_TEST(exhaustive_grace)
{
	explore_conf("default", 2);
}
END_TEST

START_TEST(exhaustive_grace_zero)
{
	explore_conf("the lab's", 0);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("guard");
	TCase *tc = tcase_create("scenarios");
	TCase *fmt = tcase_create("format");
	TCase *ex = tcase_create("exhaustive");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, item1_restart_during_grace_still_fences);
	tcase_add_test(tc, item1_restart_never_refeeds_after_a_fence);
	tcase_add_test(tc, item1_restart_after_the_fence_deadline_self_fences);
	tcase_add_test(tc, item1_start_while_libvirtd_silent_and_guests_run);
	tcase_add_test(tc, item1_start_without_guests_waits);
	tcase_add_test(tc, item1_restart_from_up_must_be_answered);
	tcase_add_test(tc, item2_planned_restart_never_fences);
	tcase_add_test(tc, item2_planned_stop_that_never_ends_fences_at_expiry);
	tcase_add_test(tc, item3_hung_is_fenced);
	tcase_add_test(tc, item4_config_refuses_a_window_beyond_the_rule);
	tcase_add_test(tc, item4_announcements_cannot_postpone_forever);
	tcase_add_test(tc, item4_flapping_keeps_the_first_loss);
	tcase_add_test(tc, item7_cluster_stop_on_an_evacuated_host);
	tcase_add_test(tc, item7_cluster_stop_with_guests_is_fenced);
	tcase_add_test(tc, item7_guests_appearing_after_the_deadline_fence_at_once);
	tcase_add_test(tc, step_rejects_unknown_events_and_time_never_runs_back);
	tcase_add_test(tc, quorum_alone_never_touches_a_healthy_host);
	suite_add_tcase(s, tc);
	tcase_add_test(fmt, format_round_trip);
	tcase_add_test(fmt, format_refuses_garbage);
	tcase_add_test(fmt, format_every_byte_flip);
	tcase_add_test(fmt, restore_refuses_inconsistent_or_future_states);
	suite_add_tcase(s, fmt);
	tcase_add_test(ex, exhaustive_grace);
	tcase_add_test(ex, exhaustive_grace_zero);
	tcase_set_timeout(ex, 120);
	suite_add_tcase(s, ex);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
