/* The guard: vmguardd's safety decisions as a pure state machine.
 *
 * Events and the time in, actions out.  No threads, no I/O, no clock of its
 * own: the daemon around it (fence/vmguardd.c) turns libvirt callbacks,
 * fence results, quorum changes, the planned-stop file and the guest scan
 * into events, calls vg_guard_step() with its clock, and carries out the
 * actions: request a fence, stop feeding the watchdog, persist the state,
 * log the reason, call again with a TICK no later than wake_ms.  This is
 * what lets tests/unit/check_guard.c drive it through every ordering of
 * events (issue 12).
 *
 * Time.  One clock for every time given to or kept by the guard, chosen by
 * the caller and milliseconds.  vmguardd uses CLOCK_BOOTTIME: it is
 * system-wide, so a restarted process reads the persisted times the same
 * way, and it keeps running while the host is suspended, as the frontend's
 * recovery clock does.  The planned-stop file's expiry is CLOCK_MONOTONIC
 * (common/maintenance.h): the caller converts it (expiry - monotonic now +
 * boottime now) before it hands it over.  A time that runs backwards is
 * taken as the latest time already seen (a deadline is never postponed).
 *
 * The promises, checked on every path by the exhaustive exploration in
 * tests/unit/check_guard.c (G = grace_ms, P = planned_max_ms, F =
 * fence_timeout_ms, B = bound_ms, S = stable_ms, C = connect_ms):
 *
 *  P1  libvirtd lost (and guests not known to be absent) with no valid
 *      planned stop: a fence is requested, or feeding stops, G after the
 *      loss (the event); with a planned stop covering the loss, G after
 *      the planned stop ended, and never later than B after the loss
 *      (while waiting: B after the start + C).  Every fence request ends
 *      in "feeding stops" within F, whatever the fencer does.
 *  P2  Once a fence was requested, nothing feeds the watchdog again after
 *      the request was answered or F passed: not a confirmation (a
 *      confirmed fence of a host that still runs is the most dangerous
 *      outcome), not libvirtd coming back, not a restart of vmguardd (the
 *      persisted state carries the request), not quorum.  This is stricter
 *      than issue 12's P2 ("unless the fencer confirmed"): the fence a
 *      confirmation refers to is the reboot that clears /run, and the
 *      persisted state names its boot, so only a new boot feeds again.
 *  P3  A planned stop that ends with libvirtd answering on vmguardd's own
 *      connection never fences: the announcement covers the loss until
 *      libvirtd answers (UP) or the announcement's own expiry -- the agent
 *      withdrawing it (its start, its probe) does not end the cover.  More
 *      generally no fence is requested before the deadline P1 states.
 *  P4  Flapping cannot stretch the time to fence: a loss series starts at
 *      its first loss and ends only after libvirtd answered for S without
 *      interruption; every deadline counts from the series' first loss, so
 *      a fence is requested at most B after it.
 *
 * The timing rule (common/timing.h) gives B and requires P + G <= B: a
 * planned stop is part of the rule, not an exception to it (issue 12 item
 * 4).  vmguardd fills in:
 *   B = frontend recovery - detect - fence_timeout - watchdog_timeout - 1 ms
 *   S = frontend_monitoring_interval: a libvirtd that answered for a whole
 *       monitoring cycle was seen healthy by the frontend, whose recovery
 *       clock starts again; a shorter "up" is part of the same loss.
 *
 * States (vg_guard_state_name()).  The state is derived from the facts the
 * guard keeps, after every step:
 *
 *   waiting      not answering on this process's connection, and no loss
 *                seen by it: just started, or restarted while libvirtd was
 *                up.  The grace window starts C after the start (after the
 *                restart, or after guests appear when there were none): a
 *                vmguardd that starts while libvirtd ought to run but does
 *                not answer fences rather than wait (item 1).  C is the
 *                time libvirt's own detection may take (vmguardd: the
 *                timing rule's "detect"), so that grace 0 does not fence
 *                every restart before its first connection.
 *   up           libvirtd answered on vmguardd's own connection.
 *   lost         libvirtd was lost (EOF, close, keepalive, or an API round
 *                trip to a worker timed out: hung); grace window running.
 *   maintenance  lost (or waiting) under a verified planned stop.
 *   fencing      the fence request is running.
 *   fenced       the fencer confirmed the fence, yet we run: not fed.
 *   self-fence   the request failed, timed out or was never answered in
 *                time: not fed.
 *
 * Events, and what each does (fence = a fence was requested, in any state
 * from fencing on):
 *
 *   event          effect                                        why
 *   -------------  --------------------------------------------  -------------------------
 *   UP             answering; ends the planned stop's cover and  vmguardd's own evidence
 *                  consumes the announcement (a later loss needs  ends a planned stop
 *                  a new one).  After fence: logged, ignored.     (items 2, 4); nothing
 *                  Up-since counts from here (from before a       cancels a fence (P2)
 *                  restart when libvirtd was up then).
 *   LOST / HUNG    from up (or waiting after a restart from up):  flapping cannot restart
 *                  a loss.  New series at now unless the last     the clock (P4); a hung
 *                  series' libvirtd answered < S: then the grace  worker is a failed check
 *                  keeps counting from the series' first loss.    (item 3)
 *                  A valid announcement covers it until its
 *                  expiry, at most P after the series' start.
 *                  Otherwise (already lost, waiting from a fresh
 *                  start, fence): ignored.
 *   ANNOUNCED(e)   refused when e <= now, e > now + P, e is the   an announcement cannot
 *                  one UP consumed or one withdrawn (a stale     postpone fencing forever
 *                  re-read), or after fence.  Otherwise           (item 4)
 *                  remembered; while not answering it covers the
 *                  current loss up to min(e, origin + P).
 *   WITHDRAWN      forgotten for future losses; a cover already   the agent's probe is not
 *                  running stays until UP or its expiry.          vmguardd's evidence
 *                                                                 (item 2)
 *   EXPIRED        forgotten; a running cover ends now.           the file says its time
 *                                                                 is up
 *   FENCE_CONFIRMED  fencing -> fenced; feeding stops.            host runs although the
 *   FENCE_FAILED     fencing -> self-fence; feeding stops.        cluster thinks it off /
 *   FENCE_TIMEDOUT   fencing -> self-fence; feeding stops.        nothing else will kill it
 *                  Any of them when not fencing: ignored.
 *   QUORUM_YES/NO/UNKNOWN  remembered.  Only a fence cares: while  a partition without
 *                  fencing without quorum, feeding stops at once. quorum cannot make its
 *                  Quorum alone never fences, never stops feeding fence count; the quorate
 *                  a host whose libvirtd answers.                 side fences us anyway
 *   GUESTS_PRESENT / GUESTS_NONE  the guest scan (qemu processes). no guest => nothing can
 *                  A host with no guest is not fenced when        run twice (item 7)
 *                  libvirtd is lost; the deadline is only noted.
 *                  Guests appearing while lost past the deadline:
 *                  fence at once; while waiting: the grace window
 *                  starts C from now.  Unknown (fresh start)
 *                  counts as present.  The last report survives a
 *                  restart (a restart must not fence an evacuated
 *                  host before its first scan).
 *   TICK           only the deadlines below.
 *
 * Deadlines (checked after every event, TICK included):
 *   not answering, no fence, guests not none, now >= due
 *       where due = max(origin, cover end) + G        (origin: series start,
 *                                                       or waiting's start + C)
 *     -> fence requested (budget F); without quorum feeding stops at once.
 *   fencing, now >= request + F  -> self-fence, feeding stops.
 *
 * Decisions issue 12 asked for:
 *   - No guest process left (item 7, evacuated hosts): not fenced.  A clean
 *     local stop of the cluster stack needs no input of its own: on an
 *     evacuated host it is harmless (no guests: no fence, feeding goes on,
 *     quorum is irrelevant until a fence); on a host that still runs guests
 *     it leaves them unguarded while the frontend may recover them, so it
 *     must end in a fence or a reset -- evacuate first (vmguard drain).
 *   - A restart (item 1) resumes lost / maintenance / fencing / fenced /
 *     self-fence from the persisted state; the grace window and the fence
 *     deadline keep their original times.  A pending fence is requested
 *     again with what is left of F (the old request may have died with the
 *     process); quorum is unknown until reported, so feeding stops at once
 *     when quorum is required.  Restarted from up: waiting, the grace
 *     window starts C from the restart; up-since and the loss series stay,
 *     so a flap across the restart still counts from its first loss.
 *   - Persisting: out->persist is set whenever a persisted fact changed;
 *     the caller writes vg_guard_serialize(&g->s) (atomically, on /run)
 *     BEFORE it requests the fence or stops feeding, so that no crash can
 *     fall between an action and its record.
 *   - vg_guard_clean_stop(): a stop of vmguardd may disarm the watchdog only
 *     when no fence was requested and no loss with guests is running.
 */
#ifndef VG_GUARD_H
#define VG_GUARD_H

#include <stdbool.h>
#include <stddef.h>

enum vg_guard_state {
	VG_GUARD_WAITING,
	VG_GUARD_UP,
	VG_GUARD_LOST,
	VG_GUARD_MAINTENANCE,
	VG_GUARD_FENCING,
	VG_GUARD_FENCED,
	VG_GUARD_SELF_FENCE,
};

enum vg_guard_ev {
	VG_GUARD_EV_TICK,
	VG_GUARD_EV_UP,			/* answered on vmguardd's own connection */
	VG_GUARD_EV_LOST,		/* EOF, close callback, keepalive */
	VG_GUARD_EV_HUNG,		/* an API round trip to a worker timed out */
	VG_GUARD_EV_ANNOUNCED,		/* a verified planned stop; expires_ms */
	VG_GUARD_EV_WITHDRAWN,		/* the announcement file is gone */
	VG_GUARD_EV_EXPIRED,		/* the announcement's time is up (or invalid) */
	VG_GUARD_EV_FENCE_CONFIRMED,	/* ok, and the fencer's history shows us off */
	VG_GUARD_EV_FENCE_FAILED,	/* an error, or ok without history */
	VG_GUARD_EV_FENCE_TIMEDOUT,	/* the requester gave up */
	VG_GUARD_EV_QUORUM_YES,
	VG_GUARD_EV_QUORUM_NO,
	VG_GUARD_EV_QUORUM_UNKNOWN,
	VG_GUARD_EV_GUESTS_PRESENT,
	VG_GUARD_EV_GUESTS_NONE,
	VG_GUARD_EV_COUNT
};

enum vg_guard_tri { VG_GUARD_UNKNOWN, VG_GUARD_YES, VG_GUARD_NO };

enum vg_guard_fence {
	VG_GUARD_FENCE_NONE,		/* never requested (in this boot) */
	VG_GUARD_FENCE_PENDING,
	VG_GUARD_FENCE_CONFIRMED,
	VG_GUARD_FENCE_FAILED,
	VG_GUARD_FENCE_TIMEDOUT,	/* the requester's or our own deadline */
};

/* Why something happened: what the caller logs (vg_guard_why_str()). */
/* Why something happened: what the caller logs (vg_guard_why_str()).  In
 * order of importance: when one step has several, the last one listed wins. */
enum vg_guard_why {
	VG_GUARD_WHY_NONE,
	VG_GUARD_WHY_RESUMED,
	VG_GUARD_WHY_CONNECTED,
	VG_GUARD_WHY_BACK,
	VG_GUARD_WHY_PLANNED_END,
	VG_GUARD_WHY_LOST,
	VG_GUARD_WHY_HUNG,
	VG_GUARD_WHY_FLAP,
	VG_GUARD_WHY_COVERED,
	VG_GUARD_WHY_ANN_REFUSED,
	VG_GUARD_WHY_ANN_KEPT,
	VG_GUARD_WHY_COVER_ENDED,
	VG_GUARD_WHY_GUESTS_APPEARED,
	VG_GUARD_WHY_NO_GUESTS,
	VG_GUARD_WHY_TOO_LATE,
	VG_GUARD_WHY_NO_QUORUM,
	VG_GUARD_WHY_GRACE_EXPIRED,
	VG_GUARD_WHY_NEVER_ANSWERED,
	VG_GUARD_WHY_FENCE_CONFIRMED,
	VG_GUARD_WHY_FENCE_FAILED,
	VG_GUARD_WHY_FENCE_TIMEDOUT,
	VG_GUARD_WHY_FENCE_DEADLINE,
	VG_GUARD_WHY_COUNT
};

struct vg_guard_conf {
	long long grace_ms;		/* G: libvirtd_grace */
	long long fence_timeout_ms;	/* F: fence_timeout, > 0 */
	long long planned_max_ms;	/* P: maintenance_max, the longest cover */
	long long stable_ms;		/* S: answering this long ends a loss series */
	long long bound_ms;		/* B: loss -> fence requested, from the timing rule */
	long long connect_ms;		/* C: a (re)started vmguardd's time to reach libvirtd */
	bool quorum;			/* quorum = yes: a fence needs quorum */
};

/* What survives a restart (persisted on /run); also the guard's core. */
struct vg_guard_saved {
	enum vg_guard_state state;	/* for readers; re-derived on restore */
	bool feeding;
	bool answering;
	bool waiting;			/* not answering, no loss seen by this process */
	bool up_assumed;		/* waiting after a restart from up */
	enum vg_guard_tri guests;
	enum vg_guard_fence fence;
	long long fence_at_ms;		/* -1: none */
	long long fence_deadline_ms;
	long long origin_ms;		/* the grace window counts from here */
	long long series_ms;		/* first loss of the loss series, -1 none */
	long long up_since_ms;		/* answering since, -1 never */
	long long cover_end_ms;		/* planned stop covers until, -1 none */
	long long ann_expiry_ms;	/* the announcement as reported, -1 none */
	long long ann_used_ms;		/* the one UP consumed, -1 none */
	long long saved_ms;		/* the time of the step that produced it */
};

struct vg_guard {
	struct vg_guard_conf conf;
	struct vg_guard_saved s;
	enum vg_guard_tri quorum;	/* YES when the configuration needs none */
	bool noguest_noted;		/* WHY_NO_GUESTS said for this deadline */
};

struct vg_guard_event {
	enum vg_guard_ev type;
	long long expires_ms;		/* ANNOUNCED only: same clock as now */
};

struct vg_guard_actions {
	bool request_fence;		/* start one fence request now ... */
	long long fence_budget_ms;	/* ... that must end within this */
	bool stop_feeding;		/* feeding ends with this step (log it) */
	bool feed;			/* the watchdog may be fed after this step */
	bool persist;			/* write the state before acting on the rest */
	enum vg_guard_why why;		/* what happened (NONE: nothing to log) */
	enum vg_guard_why stop_why;	/* why feeding stopped */
	enum vg_guard_state state;	/* after the step */
	long long wake_ms;		/* TICK no later than this; VG_GUARD_NEVER */
};

#define VG_GUARD_NEVER (1LL << 62)
#define VG_GUARD_BOOT_ID_MAX 64
/* Big enough for vg_guard_serialize() */
#define VG_GUARD_BUF 1024

/* 0 when the configuration keeps the promises; -EINVAL with the reason
 * (naming vmguardd.conf's keys) in why otherwise. */
int vg_guard_conf_check(const struct vg_guard_conf *c, char *why, size_t whylen);

/* A fresh start at now: waiting, feeding, guests and quorum unknown.
 * -EINVAL (g untouched) when the configuration is refused. */
int vg_guard_init(struct vg_guard *g, const struct vg_guard_conf *c, long long now_ms);

/* A restart: resume from a parsed state at now and take the first step
 * (a TICK) into *out, which may request the fence again.  -EINVAL (g
 * untouched) for a refused configuration or an inconsistent state; -ERANGE
 * when the state's times lie ahead of now (another clock, or corruption). */
int vg_guard_restore(struct vg_guard *g, const struct vg_guard_conf *c,
		     const struct vg_guard_saved *saved, long long now_ms,
		     struct vg_guard_actions *out);

/* One event at now.  0; -EINVAL for an unknown event (nothing changes, *out
 * says so: the current feed and state, no action). */
int vg_guard_step(struct vg_guard *g, const struct vg_guard_event *ev, long long now_ms,
		  struct vg_guard_actions *out);

/* What a stop of vmguardd may do: true when the watchdog may be disarmed
 * (no fence requested; libvirtd answering, not yet heard since the start,
 * covered by a planned stop, or no guest).  Lost with guests: the watchdog
 * stays armed and resets the host, as vmguardd does today. */
bool vg_guard_clean_stop(const struct vg_guard *g, long long now_ms);

/* The persisted format: "key=value" lines, version 1, the boot id (the
 * caller's /proc/sys/kernel/random/boot_id) and every vg_guard_saved field.
 * vg_guard_serialize returns the length written (< len, NUL-terminated) or
 * -ENOSPC / -EINVAL.  vg_guard_parse takes exactly that: every key once, no
 * other key, strict numbers, a consistent state; 0 with *out written, else
 * *out untouched and -EINVAL (garbage), -ESTALE (another boot's state). */
int vg_guard_serialize(const struct vg_guard_saved *s, const char *boot_id,
		       char *buf, size_t len);
int vg_guard_parse(const char *buf, size_t len, const char *boot_id,
		   struct vg_guard_saved *out);

const char *vg_guard_state_name(enum vg_guard_state s);
const char *vg_guard_event_name(enum vg_guard_ev e);
const char *vg_guard_why_str(enum vg_guard_why w);

#endif
