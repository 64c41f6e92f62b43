/* vmguardd -- the fencing watchdog.
 *
 * libvirtd dies: this host is fenced before the frontend can start its
 * guests a second time elsewhere.  The chain, and the thread that owns each
 * link (no thread ever waits on a link it does not own):
 *
 *   event thread    virEventRunDefaultImpl(): libvirt's keepalive and the
 *                   connection's close callback.  A crashed libvirtd closes
 *                   the socket (seen at once); a hung one stops answering
 *                   keepalives (seen after keepalive_interval x
 *                   (keepalive_count + 1)).  The callback only posts an
 *                   event.
 *   connector       virConnectOpen + keepalive + close callback +
 *                   virConnectGetLibVersion ("answering"), again after every
 *                   loss, every reconnect_interval.  Any of these calls can
 *                   block forever against a stopped libvirtd: nothing waits
 *                   for this thread, its result is an event like any other.
 *   fence thread    one stonith_api_kick(off) + stonith_api_time() in a child
 *                   process under fence_timeout (common/bounded.c), so that
 *                   neither a hung fencer nor libstonithd's own logging and
 *                   syslog ident can reach the daemon.
 *   quorum thread   libquorum tracking (common/quorum.c).
 *   guest scan      qemu processes in /proc (common/proc.c), every 2 s.
 *   signal thread   sigwait(): SIGTERM/SIGINT are a clean-shutdown request.
 *   main thread     the only logger, and the watchdog: it turns what the
 *                   other threads post (and the planned-stop file, re-read
 *                   on every loss and every second while libvirtd does not
 *                   answer) into events for the guard, carries out the
 *                   guard's actions, and sleeps on a CLOCK_MONOTONIC
 *                   condition variable until the next pet or the guard's
 *                   wake time.  It makes no call that can block (files on
 *                   /run only), so no hung libvirt call can starve the
 *                   watchdog.
 *
 * The decisions -- lost, planned, fence, stop feeding -- are the guard's
 * (common/guard.h: a pure state machine, its states and events tabled
 * there).  Its state is written atomically to state_file on /run before
 * every fence request and before feeding stops, and resumed at start-up, so
 * a restarted vmguardd keeps a loss's grace window, asks again for a
 * pending fence, and never feeds the watchdog again once a fence was
 * requested in this boot.  The guard's clock is CLOCK_BOOTTIME (persisted
 * times read the same in the next process); the status file keeps
 * CLOCK_MONOTONIC for its readers.
 *
 * The timing rule these deadlines obey is written out in common/timing.h.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <poll.h>
#include <time.h>
#include <unistd.h>

#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>

#include "bounded.h"
#include "conf.h"
#include "deadline.h"
#include "fencer.h"
#include "guard.h"
#include "log.h"
#include "maintenance.h"
#include "proc.h"
#include "quorum.h"
#include "timing.h"
#include "watchdog.h"

#define vg_crit(...) vg_log(LOG_CRIT, __VA_ARGS__)

/* Exit codes, decided here only. */
enum {
	EXIT_OK = 0,
	EXIT_FAILURE_RUNTIME = 1,	/* watchdog or threads could not be set up */
	EXIT_USAGE = 2,
	EXIT_CONFIG = 6,		/* configuration refused (as OCF "not configured") */
};

/* What the other threads tell the main thread (under d.lock).  Widest
 * members first: no padding. */
struct events {
	unsigned long up_gen;		/* connection generation that answers */
	unsigned long libver;
	unsigned long lost_gen;		/* generation whose connection closed */
	time_t fence_time;		/* stonith_api_time() after the kick */
	long long fence_done_ms;
	int stop_signal;
	int lost_reason;		/* virConnectCloseReason */
	int fence_rc;
	int quorum;			/* -1 unknown, 0 no, 1 yes */
	uint32_t members;
	int guests;			/* -1 not scanned yet, else qemu processes > 0 */
	bool stop;
	bool hup;
	bool up_pending;
	bool lost_pending;
	bool fence_done;
	bool quorum_changed;
	bool guests_changed;
	bool conn_error_new;
	char conn_error[256];		/* last failed (re)connection attempt */
	char conn_error_prev[256];
};

struct daemon {
	struct vg_conf conf;
	struct vg_timing timing;
	struct vg_guard_conf gconf;
	struct vg_watchdog wd;
	char node[256];
	uint32_t nodeid;
	char boot_id[VG_GUARD_BOOT_ID_MAX];

	pthread_mutex_t lock;
	pthread_cond_t main_cond;	/* CLOCK_MONOTONIC */
	pthread_cond_t conn_cond;
	struct events ev;
	atomic_bool stopping;

	/* main thread only.  The guard (common/guard.h) decides; times given
	 * to it are CLOCK_BOOTTIME.  Everything below it is CLOCK_MONOTONIC
	 * and only for the log, the status file and the watchdog. */
	struct vg_guard guard;
	enum vg_guard_state state;	/* as last published */
	long long state_since;
	unsigned long up_gen;		/* newest generation that answered */
	bool connected;			/* up_gen is answering (UP given to the guard) */
	int quorum;			/* -1 unknown, 0 no, 1 yes; 1 when disabled */
	int guests;			/* -1 unknown, 0 none, 1 present */
	bool feeding;			/* the watchdog is fed */
	long long next_pet, last_pet;
	long long lost_at;		/* last loss seen by this process, -1 none */
	long long fence_at;		/* this process's request, -1 none */
	long long fence_budget_ms;
	int fence_rc;
	bool fence_running, fence_answered;
	long long wake_boot;		/* the guard's wake time (CLOCK_BOOTTIME) */
	int ann_rc;			/* last vg_maint_check() result; 1: not read yet */
	long long ann_expiry;		/* its expiry (CLOCK_MONOTONIC) when valid */
	long long next_ann_check;
	unsigned long libver;
	char reason[256];
	char conn_error_logged[256];
};

static struct daemon d;

/* ---- small helpers ------------------------------------------------------ */

static void log_line(void *arg, const char *line)
{
	(void)arg;
	vg_notice("%s", line);
}

static void print_line(void *arg, const char *line)
{
	fprintf((FILE *)arg, "%s\n", line);
}

static const char *close_reason(int r)
{
	switch (r) {
	case VIR_CONNECT_CLOSE_REASON_ERROR: return "connection error";
	case VIR_CONNECT_CLOSE_REASON_EOF: return "socket closed (libvirtd exited)";
	case VIR_CONNECT_CLOSE_REASON_KEEPALIVE: return "keepalive timeout (libvirtd hung)";
	case VIR_CONNECT_CLOSE_REASON_CLIENT: return "closed by client";
	}
	return "unknown reason";
}

static void quiet_errors(void *data, virErrorPtr err)
{
	(void)data;
	(void)err;	/* reported by the caller, through the main thread */
}

static void wake_main_locked(void)
{
	pthread_cond_broadcast(&d.main_cond);
}

/* Sleep on cond until ms (monotonic) or a signal; d.lock held. */
static void cond_wait_until(pthread_cond_t *c, long long until_ms)
{
	struct timespec ts;

	ts.tv_sec = (time_t)(until_ms / 1000);
	ts.tv_nsec = (long)(until_ms % 1000) * 1000000L;
	pthread_cond_timedwait(c, &d.lock, &ts);
}

/* ---- event thread ------------------------------------------------------- */

static void *event_main(void *arg)
{
	(void)arg;
	while (!atomic_load(&d.stopping))
		if (virEventRunDefaultImpl() < 0)
			break;
	return NULL;
}

static void close_cb(virConnectPtr conn, int reason, void *opaque)
{
	(void)conn;
	pthread_mutex_lock(&d.lock);
	d.ev.lost_gen = (unsigned long)(uintptr_t)opaque;
	d.ev.lost_reason = reason;
	d.ev.lost_pending = true;
	wake_main_locked();
	pthread_cond_broadcast(&d.conn_cond);
	pthread_mutex_unlock(&d.lock);
}

/* ---- connector thread --------------------------------------------------- */

static void conn_failed(const char *call)
{
	const char *msg = virGetLastErrorMessage();

	pthread_mutex_lock(&d.lock);
	snprintf(d.ev.conn_error, sizeof(d.ev.conn_error), "%s: %.200s", call,
		 msg != NULL ? msg : "unknown error");
	if (strcmp(d.ev.conn_error, d.ev.conn_error_prev) != 0) {
		snprintf(d.ev.conn_error_prev, sizeof(d.ev.conn_error_prev), "%s",
			 d.ev.conn_error);
		d.ev.conn_error_new = true;
		wake_main_locked();	/* a new reason: the main thread logs it */
	}
	pthread_mutex_unlock(&d.lock);
}

static void conn_pause(void)
{
	pthread_mutex_lock(&d.lock);
	if (!atomic_load(&d.stopping))
		cond_wait_until(&d.conn_cond, vg_now_ms() + d.conf.reconnect_interval_ms);
	pthread_mutex_unlock(&d.lock);
}

static void *connector_main(void *arg)
{
	unsigned long gen = 0;

	(void)arg;
	while (!atomic_load(&d.stopping)) {
		virConnectPtr conn = virConnectOpen(d.conf.uri);
		unsigned long v = 0;

		if (conn == NULL) {
			conn_failed("virConnectOpen");
			conn_pause();
			continue;
		}
		gen++;
		if (virConnectSetKeepAlive(conn, (int)(d.conf.keepalive_interval_ms / 1000),
					   (unsigned)d.conf.keepalive_count) < 0) {
			conn_failed("virConnectSetKeepAlive");
			virConnectClose(conn);
			conn_pause();
			continue;
		}
		if (virConnectRegisterCloseCallback(conn, close_cb, (void *)(uintptr_t)gen,
						    NULL) != 0) {
			conn_failed("virConnectRegisterCloseCallback");
			virConnectClose(conn);
			conn_pause();
			continue;
		}
		if (virConnectGetLibVersion(conn, &v) != 0) {
			conn_failed("virConnectGetLibVersion");
			virConnectUnregisterCloseCallback(conn, close_cb);
			virConnectClose(conn);
			conn_pause();
			continue;
		}
		pthread_mutex_lock(&d.lock);
		d.ev.up_gen = gen;
		d.ev.libver = v;
		d.ev.up_pending = true;
		wake_main_locked();
		while (d.ev.lost_gen != gen && !atomic_load(&d.stopping))
			pthread_cond_wait(&d.conn_cond, &d.lock);
		pthread_mutex_unlock(&d.lock);
		virConnectUnregisterCloseCallback(conn, close_cb);
		virConnectClose(conn);
	}
	return NULL;
}

/* ---- fence thread ------------------------------------------------------- */

struct fence_result {
	int rc;
	time_t fenced_at;
};

static int fence_child(void *arg, void *result, size_t len)
{
	struct fence_result *r = result;

	(void)arg;
	(void)len;
	/* What is left of fence_timeout (all of it, unless a restarted
	 * vmguardd asks again for a request its predecessor made). */
	r->rc = vg_fencer_kick_off(d.nodeid, d.node, d.fence_budget_ms >= 2000 ?
				   (int)(d.fence_budget_ms / 1000) : 1);
	r->fenced_at = r->rc == 0 ? vg_fencer_last_fenced(d.nodeid, d.node, false) : 0;
	return 0;
}

static void *fence_main(void *arg)
{
	struct fence_result r = { .rc = -ETIME };
	struct vg_deadline dl;
	int rc;

	(void)arg;
	/* The fencer gets the whole fence_timeout; a little more for the
	 * child to report -- the main thread's own deadline is the one that
	 * counts for the timing rule. */
	vg_deadline_in_ms(&dl, d.fence_budget_ms + 500);
	rc = vg_bounded_run(fence_child, NULL, &r, sizeof(r), &dl, NULL);
	pthread_mutex_lock(&d.lock);
	d.ev.fence_done = true;
	d.ev.fence_rc = rc != 0 ? rc : r.rc;
	d.ev.fence_time = rc != 0 ? 0 : r.fenced_at;
	d.ev.fence_done_ms = vg_now_ms();
	wake_main_locked();
	pthread_mutex_unlock(&d.lock);
	return NULL;
}

/* ---- quorum thread ------------------------------------------------------ */

static void quorum_post(int q, uint32_t members)
{
	pthread_mutex_lock(&d.lock);
	if (d.ev.quorum != q || d.ev.members != members) {
		d.ev.quorum = q;
		d.ev.members = members;
		d.ev.quorum_changed = true;
		wake_main_locked();
	}
	pthread_mutex_unlock(&d.lock);
}

static void quorum_changed(void *arg, bool quorate, uint32_t members)
{
	(void)arg;
	quorum_post(quorate ? 1 : 0, members);
}

static void *quorum_main(void *arg)
{
	struct vg_quorum q = { .fd = -1 };

	(void)arg;
	while (!atomic_load(&d.stopping)) {
		if (q.fd < 0 && vg_quorum_connect(&q, quorum_changed, NULL) != 0) {
			quorum_post(-1, 0);
			sleep(2);
			continue;
		}
		struct pollfd p = { .fd = q.fd, .events = POLLIN };

		if (poll(&p, 1, 5000) > 0 && vg_quorum_dispatch(&q) != 0)
			quorum_post(-1, 0);
	}
	vg_quorum_disconnect(&q);
	return NULL;
}

/* ---- guest scan thread -------------------------------------------------- */

/* The qemu processes of this host, the way the libvirtd agent counts them
 * (common/proc.c): no guest means nothing can run twice (common/guard.h).
 * A /proc walk is cheap but touches every process, so it runs here, not in
 * the main thread, and only every SCAN_INTERVAL_MS. */
#define SCAN_INTERVAL_MS 2000

static void *scan_main(void *arg)
{
	(void)arg;
	while (!atomic_load(&d.stopping)) {
		struct vg_qemu_proc unused[1];
		int g = vg_qemu_scan(unused, 0) > 0 ? 1 : 0;	/* counted, not read */

		pthread_mutex_lock(&d.lock);
		if (d.ev.guests != g) {
			d.ev.guests = g;
			d.ev.guests_changed = true;
			wake_main_locked();
		}
		if (!atomic_load(&d.stopping))
			cond_wait_until(&d.conn_cond, vg_now_ms() + SCAN_INTERVAL_MS);
		pthread_mutex_unlock(&d.lock);
	}
	return NULL;
}

/* ---- signal thread ------------------------------------------------------ */

static void *signal_main(void *arg)
{
	sigset_t *set = arg;
	int sig;

	for (;;) {
		if (sigwait(set, &sig) != 0)
			continue;
		pthread_mutex_lock(&d.lock);
		if (sig == SIGHUP) {
			d.ev.hup = true;
		} else {
			d.ev.stop = true;
			d.ev.stop_signal = sig;
		}
		wake_main_locked();
		pthread_mutex_unlock(&d.lock);
	}
	return NULL;
}

/* ---- guard state on /run (survives a restart of vmguardd) ---------------- */

/* /proc/sys/kernel/random/boot_id: the persisted state names its boot, so
 * that another boot's state is never resumed (/run is a tmpfs anyway). */
static void read_boot_id(void)
{
	FILE *f = fopen("/proc/sys/kernel/random/boot_id", "re");
	char buf[VG_GUARD_BOOT_ID_MAX] = "";

	if (f != NULL) {
		if (fgets(buf, sizeof(buf), f) == NULL)
			buf[0] = '\0';
		fclose(f);
	}
	buf[strcspn(buf, "\n")] = '\0';
	if (buf[0] == '\0') {
		vg_warn("cannot read /proc/sys/kernel/random/boot_id: the persisted guard "
			"state is tied to /run's lifetime only");
		snprintf(buf, sizeof(buf), "unknown");
	}
	snprintf(d.boot_id, sizeof(d.boot_id), "%s", buf);
}

/* Written atomically (temporary file, fsync, rename): a reader sees the old
 * state or the new one, never a mix.  0 or a negative errno. */
static int state_persist(void)
{
	char buf[VG_GUARD_BUF], tmp[VG_CONF_STR + 16];
	int n = vg_guard_serialize(&d.guard.s, d.boot_id, buf, sizeof(buf));
	int fd, rc = 0;

	if (n < 0)
		return n;
	snprintf(tmp, sizeof(tmp), "%s.tmp", d.conf.state_file);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	if (write(fd, buf, (size_t)n) != n)
		rc = errno != 0 ? -errno : -EIO;
	if (rc == 0 && fsync(fd) != 0)
		rc = -errno;
	if (close(fd) != 0 && rc == 0)
		rc = -errno;
	if (rc == 0 && rename(tmp, d.conf.state_file) != 0)
		rc = -errno;
	if (rc != 0)
		unlink(tmp);
	return rc;
}

/* The persisted state: 0 with *s; -ENOENT none; -ESTALE another boot's;
 * -EINVAL garbled (or unreadable). */
static int state_load(struct vg_guard_saved *s)
{
	char buf[VG_GUARD_BUF * 2];
	ssize_t n;
	int fd = open(d.conf.state_file, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);

	if (fd < 0)
		return errno == ENOENT ? -ENOENT : -EINVAL;
	n = read(fd, buf, sizeof(buf));
	close(fd);
	if (n < 0 || (size_t)n >= sizeof(buf))
		return -EINVAL;
	return vg_guard_parse(buf, (size_t)n, d.boot_id, s);
}

/* ---- status file (for vmguard status) ----------------------------------- */

/* A guard time (CLOCK_BOOTTIME) as CLOCK_MONOTONIC, which the status file's
 * readers use; -1 stays -1. */
static long long boot_to_mono(long long t)
{
	if (t < 0)
		return -1;
	return vg_now_ms() - (vg_boottime_ms() - t);
}

static void status_write(void)
{
	const struct vg_guard_saved *s = &d.guard.s;
	char tmp[VG_CONF_STR + 16];
	FILE *f;

	if (d.conf.status_file[0] == '\0')
		return;
	snprintf(tmp, sizeof(tmp), "%s.tmp", d.conf.status_file);
	f = fopen(tmp, "we");
	if (f == NULL)
		return;
	fprintf(f, "pid=%d\nstate=%s\nstate_since_ms=%lld\nupdated_ms=%lld\n"
		"node=%s\nnodeid=%u\nuri=%s\n",
		(int)getpid(), vg_guard_state_name(d.state), d.state_since, vg_now_ms(),
		d.node, d.nodeid, d.conf.uri);
	fprintf(f, "quorum=%s\n", !d.conf.quorum ? "disabled" :
		d.quorum < 0 ? "unknown" : d.quorum ? "yes" : "no");
	fprintf(f, "guests=%s\nconnect_window_ms=%lld\n",
		s->guests == VG_GUARD_YES ? "present" : s->guests == VG_GUARD_NO ? "none" :
		"unknown", d.gconf.connect_ms);
	fprintf(f, "watchdog=%s\nwatchdog_device=%s\nwatchdog_timeout_ms=%lld\n"
		"watchdog_interval_ms=%lld\nlast_pet_ms=%lld\n",
		!d.conf.watchdog ? "disabled" : d.feeding ? "armed" : "not-fed",
		d.conf.watchdog ? d.wd.path : "", d.conf.watchdog_timeout_ms,
		d.conf.watchdog_interval_ms, d.last_pet);
	fprintf(f, "grace_ms=%lld\nfence_timeout_ms=%lld\nself_fence_deadline_ms=%lld\n"
		"frontend_recovery_ms=%lld\n", d.conf.grace_ms, d.conf.fence_timeout_ms,
		d.timing.self_fence_ms, d.timing.frontend_recovery_ms);
	if (s->series_ms >= 0)
		fprintf(f, "lost_at_ms=%lld\n", boot_to_mono(s->series_ms));
	if ((d.state == VG_GUARD_LOST || d.state == VG_GUARD_WAITING) &&
	    d.wake_boot < VG_GUARD_NEVER)
		fprintf(f, "grace_end_ms=%lld\n", boot_to_mono(d.wake_boot));
	if (d.state == VG_GUARD_MAINTENANCE)
		fprintf(f, "maintenance_until_ms=%lld\n", boot_to_mono(s->cover_end_ms));
	if (s->fence != VG_GUARD_FENCE_NONE)
		fprintf(f, "fence_requested_ms=%lld\nfence_rc=%s\n", boot_to_mono(s->fence_at_ms),
			s->fence == VG_GUARD_FENCE_CONFIRMED ? "0" :
			s->fence == VG_GUARD_FENCE_PENDING ? "pending" :
			d.fence_answered && d.fence_rc != 0 ? vg_fencer_strerror(d.fence_rc) :
			s->fence == VG_GUARD_FENCE_TIMEDOUT ? "timed out" : "failed");
	if (d.reason[0] != '\0')
		fprintf(f, "reason=%s\n", d.reason);
	if (fclose(f) != 0 || rename(tmp, d.conf.status_file) != 0)
		unlink(tmp);
}

/* ---- carrying out the guard's actions (main thread) ---------------------- */

static void fence_start(long long budget_ms);

static const char *stop_reason(enum vg_guard_why w)
{
	switch (w) {
	case VG_GUARD_WHY_NO_QUORUM:
		return d.quorum < 0 ? "quorum is unknown (corosync unreachable), so the fence "
				      "request cannot be relied on" :
				      "this partition has no quorum, so the fence request "
				      "cannot be relied on";
	case VG_GUARD_WHY_FENCE_CONFIRMED:
		return "the fence was confirmed but this host still runs (the fence device "
		       "did not cut its power)";
	case VG_GUARD_WHY_FENCE_FAILED:
		return "the fence request failed";
	default:
		return "the fence request did not complete in time";
	}
}

static void stop_feeding(enum vg_guard_why w)
{
	if (!d.feeding)
		return;
	d.feeding = false;
	if (vg_watchdog_is_open(&d.wd))
		vg_crit("watchdog stopped: %s; %s resets within %d s " QB_XS " last pet %lld ms ago",
			stop_reason(w), d.node, d.wd.timeout_s, vg_now_ms() - d.last_pet);
	else
		vg_crit("%s, and NO hardware watchdog is configured (watchdog = no): "
			"this host will NOT reset by itself", stop_reason(w));
}

static long long since_loss_ms(void)
{
	long long from = d.guard.s.series_ms >= 0 ? d.guard.s.series_ms : d.guard.s.origin_ms;

	return from >= 0 ? vg_boottime_ms() - from : -1;
}

/* The log line for what the step decided (fence results and losses are
 * logged with their details where they arrive). */
static void log_why(const struct vg_guard_actions *a)
{
	const char *w = vg_guard_why_str(a->why);
	char buf[32], v[32];

	switch (a->why) {
	case VG_GUARD_WHY_NONE:
	case VG_GUARD_WHY_RESUMED:
	case VG_GUARD_WHY_FENCE_CONFIRMED:
	case VG_GUARD_WHY_FENCE_FAILED:
	case VG_GUARD_WHY_FENCE_TIMEDOUT:
	case VG_GUARD_WHY_NO_QUORUM:
		break;
	case VG_GUARD_WHY_CONNECTED:
		snprintf(v, sizeof(v), "%lu.%lu.%lu", d.libver / 1000000, (d.libver / 1000) % 1000,
			 d.libver % 1000);
		vg_notice("libvirtd connected on %s (libvirt %s): guarding it", d.conf.uri, v);
		break;
	case VG_GUARD_WHY_BACK:
		vg_notice("libvirtd back and answering after %lld ms: no fence",
			  d.lost_at >= 0 ? vg_now_ms() - d.lost_at : -1);
		break;
	case VG_GUARD_WHY_PLANNED_END:
		vg_notice("libvirtd back and answering after %lld ms: the planned stop ended, "
			  "no fence", d.lost_at >= 0 ? vg_now_ms() - d.lost_at : -1);
		break;
	case VG_GUARD_WHY_LOST:
	case VG_GUARD_WHY_HUNG:
	case VG_GUARD_WHY_COVER_ENDED:
	case VG_GUARD_WHY_GUESTS_APPEARED:
		vg_timing_fmt(d.conf.grace_ms, buf, sizeof(buf));
		vg_warn("%s (grace window %s)", w, buf);
		break;
	case VG_GUARD_WHY_COVERED:
		vg_notice("libvirtd stop is announced as planned (until %lld ms from now): "
			  "not fencing while it lasts", d.guard.s.cover_end_ms - vg_boottime_ms());
		break;
	case VG_GUARD_WHY_GRACE_EXPIRED:
	case VG_GUARD_WHY_NEVER_ANSWERED:
		vg_crit("%s " QB_XS " %lld ms after the loss", w, since_loss_ms());
		break;
	case VG_GUARD_WHY_FENCE_DEADLINE:
		vg_crit("fence request did not complete within fence_timeout (%lld ms)",
			d.conf.fence_timeout_ms);
		break;
	case VG_GUARD_WHY_FLAP:
	case VG_GUARD_WHY_ANN_REFUSED:
	case VG_GUARD_WHY_NO_GUESTS:
	case VG_GUARD_WHY_TOO_LATE:
		vg_warn("%s", w);
		break;
	default:
		vg_notice("%s", w);
		break;
	}
}

/* Carry out one step's actions: the record first -- no crash may fall
 * between an action and its record -- then the fence, then the watchdog. */
static void carry_out(const struct vg_guard_actions *a)
{
	int rc;

	if (a->persist || a->request_fence || a->stop_feeding) {
		rc = state_persist();
		if (rc != 0)
			vg_crit("cannot persist the guard state to %s: %s (a restart of vmguardd "
				"would forget it)", d.conf.state_file, strerror(-rc));
	}
	log_why(a);
	if (a->request_fence)
		fence_start(a->fence_budget_ms);
	if (a->stop_feeding || !a->feed)
		stop_feeding(a->stop_why);
	d.wake_boot = a->wake_ms;
	if (a->state != d.state) {
		d.state = a->state;
		d.state_since = vg_now_ms();
		snprintf(d.reason, sizeof(d.reason), "%.200s",
			 a->why != VG_GUARD_WHY_NONE ? vg_guard_why_str(a->why) : "");
	}
}

static void guard_step(enum vg_guard_ev type, long long expires_ms)
{
	struct vg_guard_event ev = { .type = type, .expires_ms = expires_ms };
	struct vg_guard_actions a;

	vg_debug("guard event %s", vg_guard_event_name(type));
	if (vg_guard_step(&d.guard, &ev, vg_boottime_ms(), &a) == 0)
		carry_out(&a);
}

static void pet(long long now)
{
	int rc;

	if (!d.feeding || !vg_watchdog_is_open(&d.wd) || now < d.next_pet)
		return;
	rc = vg_watchdog_pet(&d.wd);
	if (rc != 0)
		vg_err("feeding the watchdog %s failed: %s (it will reset this host)",
		       d.wd.path, strerror(-rc));
	d.last_pet = now;
	d.next_pet = now + d.conf.watchdog_interval_ms;
}

/* The planned-stop announcement as the guard's events: ANNOUNCED on every
 * valid read, WITHDRAWN / EXPIRED when that is news. */
static void announcement_check(void)
{
	struct vg_maint m;
	char why[512];
	long long mono = vg_now_ms();
	int rc = vg_maint_check(d.conf.maintenance_file, d.conf.maintenance_max_ms, &m,
				why, sizeof(why));

	d.next_ann_check = mono + 1000;
	if (rc == 0) {
		if (d.ann_rc != 0 || d.ann_expiry != m.expires_ms)
			vg_info("planned libvirtd stop announced for %lld ms more: %s (%s)",
				m.expires_ms - mono, m.reason, m.by);
		d.ann_rc = 0;
		d.ann_expiry = m.expires_ms;
		/* its expiry on the guard's clock */
		guard_step(VG_GUARD_EV_ANNOUNCED, m.expires_ms - mono + vg_boottime_ms());
		return;
	}
	if (rc == d.ann_rc)
		return;
	d.ann_rc = rc;
	if (rc == -ENOENT) {
		guard_step(VG_GUARD_EV_WITHDRAWN, 0);
		return;
	}
	if (rc != -ETIME)
		vg_warn("planned-stop announcement not accepted: %s", why);
	guard_step(VG_GUARD_EV_EXPIRED, 0);
}

static bool announcement_matters(void)
{
	return d.guard.s.fence == VG_GUARD_FENCE_NONE && !d.guard.s.answering;
}

static void on_lost(int reason)
{
	d.lost_at = vg_now_ms();
	d.connected = false;
	vg_crit("libvirtd lost: %s", close_reason(reason));
	/* The announcement as it is now, before the loss is judged. */
	announcement_check();
	guard_step(VG_GUARD_EV_LOST, 0);
}

static void on_fence_done(int rc, time_t fenced_at, long long done_ms)
{
	d.fence_answered = true;
	d.fence_running = false;
	d.fence_rc = rc;
	if (rc == 0 && fenced_at > 0) {
		struct tm tm;
		char when[32];

		localtime_r(&fenced_at, &tm);
		strftime(when, sizeof(when), "%F %T", &tm);
		vg_crit("fence confirmed: the fencer reports %s off (history: %s) "
			QB_XS " %lld ms after the request", d.node, when, done_ms - d.fence_at);
		guard_step(VG_GUARD_EV_FENCE_CONFIRMED, 0);
		return;
	}
	if (rc == 0)
		vg_crit("fencer answered success but its history shows no fence of %s", d.node);
	else
		vg_crit("fence request failed: %s " QB_XS " rc=%d after %lld ms",
			rc == -ETIMEDOUT ? "no answer within fence_timeout" : vg_fencer_strerror(rc),
			rc, done_ms - d.fence_at);
	guard_step(rc == -ETIMEDOUT || rc == -ETIME ? VG_GUARD_EV_FENCE_TIMEDOUT :
		   VG_GUARD_EV_FENCE_FAILED, 0);
}

static void fence_start(long long budget_ms)
{
	pthread_t t;
	char buf[64];

	vg_timing_fmt(budget_ms, buf, sizeof(buf));
	vg_crit("fence requested: power off %s (nodeid %u) through Pacemaker's fencer, "
		"timeout %s " QB_XS " libvirtd lost %lld ms ago", d.node, d.nodeid, buf,
		since_loss_ms());
	if (d.fence_running) {
		vg_warn("the earlier fence request of this process still runs: not asking twice");
		return;
	}
	d.fence_at = vg_now_ms();
	d.fence_budget_ms = budget_ms;
	d.fence_answered = false;
	if (pthread_create(&t, NULL, fence_main, NULL) != 0) {
		vg_crit("cannot start the fence thread");
		pthread_mutex_lock(&d.lock);
		d.ev.fence_done = true;
		d.ev.fence_rc = -EAGAIN;
		d.ev.fence_time = 0;
		d.ev.fence_done_ms = vg_now_ms();
		pthread_mutex_unlock(&d.lock);
		return;
	}
	d.fence_running = true;
	pthread_detach(t);
}

static long long next_wake(long long now)
{
	long long w = now + 5000;	/* the status file is a heartbeat too */
	long long g = d.wake_boot;

	if (d.feeding && vg_watchdog_is_open(&d.wd) && d.next_pet < w)
		w = d.next_pet;
	if (g < VG_GUARD_NEVER) {
		g = now + (g - vg_boottime_ms());
		if (g < w)
			w = g;
	}
	if (announcement_matters() && d.next_ann_check < w)
		w = d.next_ann_check;
	return w;
}

/* The watchdog is disarmed only when the guard says a stop may (nothing
 * guarded right now, no fence requested). */
static int shutdown_daemon(int sig)
{
	bool clean = vg_guard_clean_stop(&d.guard, vg_boottime_ms());
	int rc;

	atomic_store(&d.stopping, true);
	(void)state_persist();
	if (!vg_watchdog_is_open(&d.wd)) {
		vg_notice("shutting down on signal %d (state %s)", sig,
			  vg_guard_state_name(d.state));
	} else if (clean) {
		rc = vg_watchdog_disarm(&d.wd);
		if (rc == 0)
			vg_notice("shutting down on signal %d: watchdog disarmed (magic close)", sig);
		else
			vg_crit("shutting down on signal %d: disarming the watchdog failed (%s); "
				"it may reset this host", sig, strerror(-rc));
	} else {
		vg_watchdog_abandon(&d.wd);
		vg_crit("shutdown requested (signal %d) while %s: the watchdog stays armed "
			"and resets this host", sig, vg_guard_state_name(d.state));
	}
	if (d.conf.status_file[0] != '\0')
		unlink(d.conf.status_file);
	return EXIT_OK;
}

static int run(void)
{
	for (;;) {
		struct events ev;
		long long now = vg_now_ms();
		long long wake;

		pet(now);
		if (d.wake_boot <= vg_boottime_ms())
			guard_step(VG_GUARD_EV_TICK, 0);
		if (announcement_matters() && now >= d.next_ann_check)
			announcement_check();
		pet(vg_now_ms());
		status_write();
		wake = next_wake(vg_now_ms());
		pthread_mutex_lock(&d.lock);
		while (!d.ev.stop && !d.ev.hup && !d.ev.conn_error_new && !d.ev.up_pending &&
		       !d.ev.lost_pending && !d.ev.fence_done && !d.ev.quorum_changed &&
		       !d.ev.guests_changed && vg_now_ms() < wake)
			cond_wait_until(&d.main_cond, wake);
		ev = d.ev;
		d.ev.up_pending = d.ev.lost_pending = false;
		d.ev.fence_done = d.ev.quorum_changed = d.ev.hup = false;
		d.ev.conn_error_new = d.ev.guests_changed = false;
		pthread_mutex_unlock(&d.lock);

		/* Why (re)connecting fails: once per distinct reason. */
		if (ev.conn_error[0] != '\0' && !d.connected &&
		    strcmp(ev.conn_error, d.conn_error_logged) != 0) {
			if (d.state == VG_GUARD_WAITING)
				vg_warn("cannot guard libvirtd yet: %s", ev.conn_error);
			else
				vg_debug("reconnect failed: %s", ev.conn_error);
			snprintf(d.conn_error_logged, sizeof(d.conn_error_logged), "%s",
				 ev.conn_error);
		}
		if (ev.hup)
			vg_notice("SIGHUP: the configuration is read at start-up only (it is "
				  "validated before the watchdog is armed); restart vmguardd "
				  "in a quiet state to apply changes");
		if (ev.quorum_changed && d.conf.quorum && ev.quorum != d.quorum) {
			if (ev.quorum < 0)
				vg_warn("quorum unknown: no connection to corosync");
			else
				vg_notice("quorum %s (%u members)",
					  ev.quorum ? "held" : "LOST", ev.members);
			d.quorum = ev.quorum;
			guard_step(ev.quorum < 0 ? VG_GUARD_EV_QUORUM_UNKNOWN :
				   ev.quorum ? VG_GUARD_EV_QUORUM_YES : VG_GUARD_EV_QUORUM_NO, 0);
		}
		if (ev.guests_changed && ev.guests != d.guests) {
			d.guests = ev.guests;
			vg_info("guest scan: %s", ev.guests ? "qemu processes run on this host" :
				"no qemu process on this host");
			guard_step(ev.guests ? VG_GUARD_EV_GUESTS_PRESENT :
				   VG_GUARD_EV_GUESTS_NONE, 0);
		}
		/* The connector opens generation N+1 only after N closed, so a
		 * newer generation also means the guarded one was lost (both may
		 * arrive in one wake-up). */
		if (d.connected &&
		    ((ev.lost_pending && ev.lost_gen >= d.up_gen) ||
		     (ev.up_pending && ev.up_gen > d.up_gen)))
			on_lost(ev.lost_reason);
		if (ev.up_pending && ev.up_gen > d.up_gen) {
			d.up_gen = ev.up_gen;
			if (ev.lost_gen < ev.up_gen) {	/* not closed again already */
				d.connected = true;
				d.libver = ev.libver;
				d.conn_error_logged[0] = '\0';
				guard_step(VG_GUARD_EV_UP, 0);
			}
		}
		if (ev.fence_done)
			on_fence_done(ev.fence_rc, ev.fence_time, ev.fence_done_ms);
		if (ev.stop)
			return shutdown_daemon(ev.stop_signal);
	}
}

/* ---- start-up ------------------------------------------------------------ */

static void resolve_node(void)
{
	struct utsname u;
	uint32_t id = 0;
	char name[256];
	int rc;

	if (d.conf.quorum) {
		rc = vg_quorum_local_node(&id, name, sizeof(name));
		d.nodeid = id;
		if (rc == 0 && d.conf.node_name[0] == '\0') {
			snprintf(d.node, sizeof(d.node), "%s", name);
			return;
		}
		if (rc == -ENOTCONN)
			vg_warn("corosync does not answer: node id unknown, fencing by name only");
	}
	if (d.conf.node_name[0] != '\0') {
		snprintf(d.node, sizeof(d.node), "%s", d.conf.node_name);
		return;
	}
	if (uname(&u) == 0)
		snprintf(d.node, sizeof(d.node), "%s", u.nodename);
}

/* The planned-stop window's line of the timing rule. */
static void planned_line(void (*emit)(void *arg, const char *line), void *arg)
{
	char line[256], p[32], g[32], b[32];

	vg_timing_fmt(d.gconf.planned_max_ms, p, sizeof(p));
	vg_timing_fmt(d.gconf.grace_ms, g, sizeof(g));
	vg_timing_fmt(d.gconf.bound_ms, b, sizeof(b));
	snprintf(line, sizeof(line), "  planned stop + grace      %10s + %s <= %s (maintenance_max + "
		 "libvirtd_grace <= frontend recovery - detect - fence_timeout - "
		 "watchdog_timeout)", p, g, b);
	emit(arg, line);
}

static int load_config(const char *path, bool quiet)
{
	char err[512];
	int rc;

	vg_conf_defaults(&d.conf);
	rc = vg_conf_load(path, &d.conf, err, sizeof(err));
	if (rc != 0) {
		vg_err("configuration refused: %s", err);
		return EXIT_CONFIG;
	}
	vg_conf_timing(&d.conf, &d.timing);
	rc = vg_timing_compute(&d.timing, err, sizeof(err));
	if (!quiet) {
		vg_notice("timing rule (from %s):", path);
		vg_timing_describe(&d.timing, log_line, NULL);
	}
	if (rc != 0) {
		vg_err("configuration refused: %s", err);
		return EXIT_CONFIG;
	}
	/* The planned-stop window is part of the rule (issue 12 item 4). */
	vg_conf_guard(&d.conf, &d.timing, &d.gconf);
	rc = vg_guard_conf_check(&d.gconf, err, sizeof(err));
	if (rc != 0) {
		vg_err("configuration refused: %s", err);
		return EXIT_CONFIG;
	}
	if (!quiet)
		planned_line(log_line, NULL);
	if (!d.conf.watchdog)
		vg_warn("watchdog = no: THE LAST LINE IS MISSING -- if the fencer cannot "
			"power this host off, nothing will, and its guests can run twice");
	return EXIT_OK;
}

static int test_watchdog(bool destructive, bool confirmed)
{
	char err[512], answer[16];
	int rc;

	if (!d.conf.watchdog) {
		vg_err("watchdog = no in the configuration: nothing to test");
		return EXIT_CONFIG;
	}
	if (destructive && !confirmed) {
		if (!isatty(STDIN_FILENO)) {
			vg_err("the destructive watchdog test resets this host: confirm with "
			       "--yes-reset-this-host or run it on a terminal");
			return EXIT_USAGE;
		}
		fprintf(stderr, "This stops feeding %s and RESETS THIS HOST within %lld s.\n"
			"Type 'reset' to continue: ", d.conf.watchdog_device,
			d.conf.watchdog_timeout_ms / 1000);
		if (fgets(answer, sizeof(answer), stdin) == NULL ||
		    strcmp(answer, "reset\n") != 0) {
			vg_err("not confirmed: nothing done");
			return EXIT_USAGE;
		}
	}
	rc = vg_watchdog_open(&d.wd, d.conf.watchdog_device,
			      (int)(d.conf.watchdog_timeout_ms / 1000), err, sizeof(err));
	if (rc != 0) {
		vg_err("watchdog test failed: %s", err);
		return EXIT_FAILURE_RUNTIME;
	}
	vg_notice("watchdog %s (%s) accepted timeout %d s (verified with WDIOC_GETTIMEOUT)",
		  d.wd.path, d.wd.identity[0] ? d.wd.identity : "no identity", d.wd.timeout_s);
	if (!destructive) {
		rc = vg_watchdog_pet(&d.wd);
		if (rc != 0) {
			vg_err("watchdog test failed: WDIOC_KEEPALIVE: %s", strerror(-rc));
			vg_watchdog_disarm(&d.wd);
			return EXIT_FAILURE_RUNTIME;
		}
		rc = vg_watchdog_disarm(&d.wd);
		if (rc != 0) {
			vg_err("watchdog test: magic close failed (%s): it may still reset "
			       "this host", strerror(-rc));
			return EXIT_FAILURE_RUNTIME;
		}
		vg_notice("watchdog test passed: fed once and disarmed with the magic close");
		return EXIT_OK;
	}
	vg_crit("destructive watchdog test: no longer feeding %s; this host must reset "
		"within %d s", d.wd.path, d.wd.timeout_s);
	sleep((unsigned)d.wd.timeout_s + 10);
	vg_crit("destructive watchdog test FAILED: the host is still running %d s after "
		"the watchdog was last fed; disarming", d.wd.timeout_s + 10);
	vg_watchdog_disarm(&d.wd);
	return EXIT_FAILURE_RUNTIME;
}

static void make_parent(const char *path)
{
	struct stat st;
	char dir[VG_CONF_STR];
	char *slash;

	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	if (slash != NULL && slash != dir) {
		*slash = '\0';
		if (stat(dir, &st) != 0)
			(void)mkdir(dir, 0755);
	}
}

/* Resume the persisted guard state, or start fresh: absent or another
 * boot's = fresh; garbled = fresh, loudly (the file is written atomically,
 * so garbage means someone else wrote it). *a: the first step's actions. */
static void guard_start(struct vg_guard_actions *a)
{
	struct vg_guard_event tick = { .type = VG_GUARD_EV_TICK };
	struct vg_guard_saved saved;
	long long now = vg_boottime_ms();
	int rc;

	read_boot_id();
	rc = state_load(&saved);
	if (rc == 0) {
		rc = vg_guard_restore(&d.guard, &d.gconf, &saved, now, a);
		if (rc == 0) {
			vg_notice("resumed the persisted state after a restart: %s (fence %s, "
				  "watchdog %s) " QB_XS " %s saved %lld ms ago",
				  vg_guard_state_name(a->state),
				  saved.fence == VG_GUARD_FENCE_NONE ? "none" : "requested",
				  a->feed ? "fed" : "NOT fed", d.conf.state_file,
				  now - saved.saved_ms);
			return;
		}
	}
	if (rc == -ESTALE)
		vg_notice("%s holds another boot's guard state: fresh start", d.conf.state_file);
	else if (rc != -ENOENT)
		vg_crit("%s is garbled (%s): FRESH START -- a loss, fence or self-fence it "
			"recorded is forgotten", d.conf.state_file,
			rc == -ERANGE ? "its times lie ahead of this boot's clock" :
			"not a state vmguardd wrote");
	/* The configuration was checked by load_config(). */
	(void)vg_guard_init(&d.guard, &d.gconf, now);
	(void)vg_guard_step(&d.guard, &tick, now, a);
	a->persist = true;
}

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: vmguardd [options]\n"
		"  -c, --config FILE         configuration (default %s)\n"
		"      --check-config        validate, print the timing rule, exit\n"
		"      --dump-config         print the effective configuration\n"
		"      --test-watchdog       open, set and verify the timeout, feed, disarm\n"
		"      --test-watchdog-reset stop feeding: RESETS THE HOST (asks first)\n"
		"      --yes-reset-this-host confirm --test-watchdog-reset without asking\n"
		"  -v, --verbose             debug messages on stderr\n"
		"  -h, --help\n"
		"  -V, --version\n"
		"Runs in the foreground (systemd: Type=simple).\n", VG_CONF_DEFAULT_PATH);
}

static int start_thread(void *(*fn)(void *), void *arg, const char *what)
{
	pthread_t t;

	if (pthread_create(&t, NULL, fn, arg) != 0) {
		vg_err("cannot start the %s thread", what);
		return -EAGAIN;
	}
	pthread_detach(t);
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "check-config", no_argument, NULL, 'C' },
		{ "dump-config", no_argument, NULL, 'D' },
		{ "test-watchdog", no_argument, NULL, 'T' },
		{ "test-watchdog-reset", no_argument, NULL, 'R' },
		{ "yes-reset-this-host", no_argument, NULL, 'Y' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	const char *path = VG_CONF_DEFAULT_PATH;
	bool check = false, dump = false, wdtest = false, wdreset = false, yes = false;
	int verbose = LOG_INFO, c, rc;
	static sigset_t sigs;
	pthread_condattr_t ca;
	struct vg_guard_actions ga;
	char err[512];

	while ((c = getopt_long(argc, argv, "c:vhV", opts, NULL)) != -1) {
		switch (c) {
		case 'V': printf("vmguardd (vmguard) %s\n", PACKAGE_VERSION); return EXIT_OK;
		case 'c': path = optarg; break;
		case 'C': check = true; break;
		case 'D': dump = true; break;
		case 'T': wdtest = true; break;
		case 'R': wdreset = true; break;
		case 'Y': yes = true; break;
		case 'v': verbose = LOG_DEBUG; break;
		case 'h': usage(stdout); return EXIT_OK;
		default: usage(stderr); return EXIT_USAGE;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return EXIT_USAGE;
	}
	vg_log_init("vmguardd", NULL, verbose);
	d.wd.fd = -1;
	d.quorum = -1;
	d.guests = -1;
	d.ev.guests = -1;
	d.ann_rc = 1;
	d.lost_at = d.fence_at = -1;
	d.wake_boot = VG_GUARD_NEVER;

	/* Everything is validated before anything is armed. */
	rc = load_config(path, dump || check);
	if (dump && rc == EXIT_OK)
		vg_conf_write(&d.conf, stdout);
	if (check && rc == EXIT_OK) {
		printf("configuration %s is valid; timing rule:\n", path);
		vg_timing_describe(&d.timing, print_line, stdout);
		planned_line(print_line, stdout);
	}
	if (rc != EXIT_OK || check || dump)
		goto out;
	if (wdtest || wdreset) {
		rc = test_watchdog(wdreset, yes);
		goto out;
	}

	resolve_node();
	if (d.node[0] == '\0') {
		vg_err("cannot tell this host's cluster node name: set node_name");
		rc = EXIT_CONFIG;
		goto out;
	}
	vg_notice("guarding libvirtd at %s for node %s (nodeid %u)", d.conf.uri, d.node,
		  d.nodeid);

	pthread_mutex_init(&d.lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&d.main_cond, &ca);
	pthread_cond_init(&d.conn_cond, &ca);
	pthread_condattr_destroy(&ca);
	d.ev.quorum = -1;
	if (!d.conf.quorum)
		d.quorum = 1;

	/* Signals go to the signal thread only. */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);
	signal(SIGPIPE, SIG_IGN);

	make_parent(d.conf.status_file);
	make_parent(d.conf.state_file);
	guard_start(&ga);
	d.feeding = ga.feed;
	d.state = ga.state;
	d.state_since = vg_now_ms();
	if (d.conf.watchdog) {
		if (d.feeding)
			rc = vg_watchdog_open(&d.wd, d.conf.watchdog_device,
					      (int)(d.conf.watchdog_timeout_ms / 1000), err,
					      sizeof(err));
		else
			rc = vg_watchdog_open_unfed(&d.wd, d.conf.watchdog_device,
						    (int)(d.conf.watchdog_timeout_ms / 1000), err,
						    sizeof(err));
		if (rc != 0) {
			vg_err("refusing to run without the watchdog: %s (set watchdog = no "
			       "only if you accept that nothing resets this host when the "
			       "fencer fails)", err);
			rc = EXIT_FAILURE_RUNTIME;
			goto out;
		}
		if (d.feeding) {
			d.last_pet = vg_now_ms();
			d.next_pet = d.last_pet + d.conf.watchdog_interval_ms;
			vg_notice("watchdog %s armed: timeout %d s (verified), fed every %lld ms",
				  d.wd.path, d.wd.timeout_s, d.conf.watchdog_interval_ms);
		} else {
			vg_crit("watchdog %s held but NOT fed: a fence was requested before this "
				"restart (state %s); %s resets within %d s", d.wd.path,
				vg_guard_state_name(d.state), d.node, d.wd.timeout_s);
		}
	}
	if (ga.stop_feeding)
		vg_crit("watchdog not fed after the restart: %s", stop_reason(ga.stop_why));
	ga.stop_feeding = false;
	carry_out(&ga);

	virSetErrorFunc(NULL, quiet_errors);
	if (virEventRegisterDefaultImpl() != 0 ||
	    start_thread(signal_main, &sigs, "signal") != 0 ||
	    start_thread(event_main, NULL, "libvirt event") != 0 ||
	    start_thread(connector_main, NULL, "connector") != 0 ||
	    start_thread(scan_main, NULL, "guest scan") != 0 ||
	    (d.conf.quorum && start_thread(quorum_main, NULL, "quorum") != 0)) {
		vg_err("start-up failed");
		/* Nothing guarded yet: a clean refusal may disarm (never after a
		 * fence was requested). */
		if (d.feeding)
			vg_watchdog_disarm(&d.wd);
		else
			vg_watchdog_abandon(&d.wd);
		rc = EXIT_FAILURE_RUNTIME;
		goto out;
	}
	rc = run();
out:
	vg_log_fini();
	return rc;
}
