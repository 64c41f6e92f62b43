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
 *   signal thread   sigwait(): SIGTERM/SIGINT are a clean-shutdown request.
 *   main thread     the state machine, the only logger, and the watchdog:
 *                   it sleeps on a CLOCK_MONOTONIC condition variable until
 *                   the next pet or deadline, and makes no call that can
 *                   block (files on /run only), so no hung libvirt call can
 *                   starve the watchdog.
 *
 * States (every transition is logged):
 *   waiting      started, libvirtd not yet seen: nothing to guard yet
 *   up           connected and answering
 *   lost         connection closed; grace window running, reconnecting
 *   maintenance  lost during a verified planned stop (common/maintenance.h)
 *   fencing      grace expired: fence request running
 *   fenced       the fencer confirmed the power-off -- yet we still run
 *   self-fence   the watchdog is no longer fed
 * Once fencing has been requested nothing cancels it: the host dies either
 * by the fence device or by the watchdog.
 *
 * The timing rule these deadlines obey is written out in common/timing.h.
 */
#include "config.h"

#include <errno.h>
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
#include "log.h"
#include "maintenance.h"
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

enum state {
	ST_WAITING,
	ST_UP,
	ST_LOST,
	ST_MAINTENANCE,
	ST_FENCING,
	ST_FENCED,
	ST_SELF_FENCE,
};

static const char *state_name(enum state s)
{
	switch (s) {
	case ST_WAITING: return "waiting";
	case ST_UP: return "up";
	case ST_LOST: return "lost";
	case ST_MAINTENANCE: return "maintenance";
	case ST_FENCING: return "fencing";
	case ST_FENCED: return "fenced";
	case ST_SELF_FENCE: return "self-fence";
	}
	return "?";
}

/* What the other threads tell the main thread (under d.lock). */
struct events {
	bool stop;
	int stop_signal;
	bool hup;
	bool up_pending;
	unsigned long up_gen;		/* connection generation that answers */
	unsigned long libver;
	bool lost_pending;
	unsigned long lost_gen;		/* generation whose connection closed */
	int lost_reason;		/* virConnectCloseReason */
	bool fence_done;
	int fence_rc;
	time_t fence_time;		/* stonith_api_time() after the kick */
	long long fence_done_ms;
	bool quorum_changed;
	int quorum;			/* -1 unknown, 0 no, 1 yes */
	uint32_t members;
	char conn_error[256];		/* last failed (re)connection attempt */
	char conn_error_prev[256];
	bool conn_error_new;
};

struct daemon {
	struct vg_conf conf;
	struct vg_timing timing;
	struct vg_watchdog wd;
	char node[256];
	uint32_t nodeid;

	pthread_mutex_t lock;
	pthread_cond_t main_cond;	/* CLOCK_MONOTONIC */
	pthread_cond_t conn_cond;
	struct events ev;
	atomic_bool stopping;

	/* main thread only */
	enum state state;
	long long state_since;
	unsigned long up_gen;
	int quorum;			/* -1 unknown, 0 no, 1 yes; 1 when disabled */
	bool feeding;			/* the watchdog is fed */
	long long next_pet, last_pet;
	long long lost_at, grace_end;
	long long fence_at, fence_deadline;
	int fence_rc;
	bool fence_started, fence_answered;
	long long maint_until;
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
	r->rc = vg_fencer_kick_off(d.nodeid, d.node, (int)(d.conf.fence_timeout_ms / 1000));
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
	vg_deadline_in_ms(&dl, d.conf.fence_timeout_ms + 500);
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

/* ---- status file (for vmguard status) ----------------------------------- */

static void status_write(void)
{
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
		(int)getpid(), state_name(d.state), d.state_since, vg_now_ms(),
		d.node, d.nodeid, d.conf.uri);
	fprintf(f, "quorum=%s\n", !d.conf.quorum ? "disabled" :
		d.quorum < 0 ? "unknown" : d.quorum ? "yes" : "no");
	fprintf(f, "watchdog=%s\nwatchdog_device=%s\nwatchdog_timeout_ms=%lld\n"
		"watchdog_interval_ms=%lld\nlast_pet_ms=%lld\n",
		!d.conf.watchdog ? "disabled" : d.feeding ? "armed" : "not-fed",
		d.conf.watchdog ? d.wd.path : "", d.conf.watchdog_timeout_ms,
		d.conf.watchdog_interval_ms, d.last_pet);
	fprintf(f, "grace_ms=%lld\nfence_timeout_ms=%lld\nself_fence_deadline_ms=%lld\n"
		"frontend_recovery_ms=%lld\n", d.conf.grace_ms, d.conf.fence_timeout_ms,
		d.timing.self_fence_ms, d.timing.frontend_recovery_ms);
	if (d.lost_at > 0)
		fprintf(f, "lost_at_ms=%lld\n", d.lost_at);
	if (d.state == ST_LOST)
		fprintf(f, "grace_end_ms=%lld\n", d.grace_end);
	if (d.state == ST_MAINTENANCE)
		fprintf(f, "maintenance_until_ms=%lld\n", d.maint_until);
	if (d.fence_started)
		fprintf(f, "fence_requested_ms=%lld\nfence_rc=%s\n", d.fence_at,
			d.fence_answered ? (d.fence_rc == 0 ? "0" : vg_fencer_strerror(d.fence_rc))
					 : "pending");
	if (d.reason[0] != '\0')
		fprintf(f, "reason=%s\n", d.reason);
	if (fclose(f) != 0 || rename(tmp, d.conf.status_file) != 0)
		unlink(tmp);
}

/* ---- state machine (main thread) ---------------------------------------- */

static void enter(enum state s, const char *why)
{
	d.state = s;
	d.state_since = vg_now_ms();
	snprintf(d.reason, sizeof(d.reason), "%.200s", why);
	status_write();
}

static void stop_feeding(const char *why)
{
	if (!d.feeding && d.conf.watchdog)
		return;
	d.feeding = false;
	if (d.conf.watchdog)
		vg_crit("watchdog stopped: %s; %s resets within %d s " QB_XS " last pet %lld ms ago",
			why, d.node, d.wd.timeout_s, vg_now_ms() - d.last_pet);
	else
		vg_crit("%s, and NO hardware watchdog is configured (watchdog = no): "
			"this host will NOT reset by itself", why);
}

static void pet(long long now)
{
	int rc;

	if (!d.feeding || !vg_watchdog_is_open(&d.wd))
		return;
	rc = vg_watchdog_pet(&d.wd);
	if (rc != 0)
		vg_err("feeding the watchdog %s failed: %s (it will reset this host)",
		       d.wd.path, strerror(-rc));
	d.last_pet = now;
	d.next_pet = now + d.conf.watchdog_interval_ms;
}

/* A verified planned stop covers now?  Logs what it found. */
static bool maintenance_now(void)
{
	struct vg_maint m;
	char why[512];
	int rc = vg_maint_check(d.conf.maintenance_file, d.conf.maintenance_max_ms, &m,
				why, sizeof(why));

	if (rc == 0) {
		d.maint_until = m.expires_ms;
		return true;
	}
	if (rc != -ENOENT)
		vg_warn("planned-stop announcement not accepted: %s", why);
	return false;
}

static void fence_start(void)
{
	pthread_t t;
	char buf[64];
	bool quorate = !d.conf.quorum || d.quorum == 1;

	d.fence_at = vg_now_ms();
	d.fence_deadline = d.fence_at + d.conf.fence_timeout_ms;
	d.fence_started = true;
	d.fence_answered = false;
	vg_timing_fmt(d.conf.fence_timeout_ms, buf, sizeof(buf));
	enter(ST_FENCING, "libvirtd did not come back within the grace window");
	vg_crit("fence requested: power off %s (nodeid %u) through Pacemaker's fencer, "
		"timeout %s " QB_XS " libvirtd lost %lld ms ago", d.node, d.nodeid, buf,
		d.fence_at - d.lost_at);
	if (pthread_create(&t, NULL, fence_main, NULL) != 0) {
		d.fence_answered = true;
		d.fence_rc = -EAGAIN;
		vg_crit("fence request failed: cannot start the fence thread");
		enter(ST_SELF_FENCE, "fence request could not be made");
		stop_feeding("the fence request could not be made");
		return;
	}
	pthread_detach(t);
	/* Without quorum the fencer's answer is worth nothing to the rest of
	 * the cluster (it cannot record the fence where the frontend's side
	 * will see it), and the quorate side will fence us anyway: do not wait
	 * for it -- the watchdog goes now, the request still runs. */
	if (!quorate)
		stop_feeding(d.quorum < 0 ? "quorum is unknown (corosync unreachable), so "
			     "the fence request cannot be relied on" :
			     "this partition has no quorum, so the fence request cannot be "
			     "relied on");
}

static void grace_start(long long now, const char *why)
{
	char buf[32];

	d.grace_end = now + d.conf.grace_ms;
	vg_timing_fmt(d.conf.grace_ms, buf, sizeof(buf));
	enter(ST_LOST, why);
	vg_warn("grace window of %s starts: %s", buf, why);
}

static void on_lost(long long now, int reason)
{
	d.lost_at = now;
	vg_crit("libvirtd lost: %s", close_reason(reason));
	if (maintenance_now()) {
		enter(ST_MAINTENANCE, "planned libvirtd stop announced");
		vg_notice("libvirtd stop is announced as planned (until %lld ms from now): "
			  "not fencing while it lasts", d.maint_until - now);
		return;
	}
	grace_start(now, "libvirtd is gone");
}

static void on_up(long long now, unsigned long libver)
{
	char v[32];

	snprintf(v, sizeof(v), "%lu.%lu.%lu", libver / 1000000, (libver / 1000) % 1000,
		 libver % 1000);
	switch (d.state) {
	case ST_WAITING:
		vg_notice("libvirtd connected on %s (libvirt %s): guarding it", d.conf.uri, v);
		enter(ST_UP, "connected");
		break;
	case ST_LOST:
	case ST_MAINTENANCE:
		vg_notice("libvirtd back and answering after %lld ms: no fence", now - d.lost_at);
		enter(ST_UP, "libvirtd came back");
		break;
	default:
		vg_warn("libvirtd back after %lld ms, but fencing was already requested: "
			"nothing cancels it", now - d.lost_at);
		break;
	}
}

static void on_fence_done(int rc, time_t fenced_at, long long done_ms)
{
	d.fence_answered = true;
	d.fence_rc = rc;
	if (rc == 0 && fenced_at > 0) {
		struct tm tm;
		char when[32];

		localtime_r(&fenced_at, &tm);
		strftime(when, sizeof(when), "%F %T", &tm);
		vg_crit("fence confirmed: the fencer reports %s off (history: %s) "
			QB_XS " %lld ms after the request", d.node, when, done_ms - d.fence_at);
		enter(ST_FENCED, "fence confirmed");
		stop_feeding("the fence was confirmed but this host still runs (the fence "
			     "device did not cut its power)");
		return;
	}
	if (rc == 0)
		vg_crit("fencer answered success but its history shows no fence of %s", d.node);
	else
		vg_crit("fence request failed: %s " QB_XS " rc=%d after %lld ms",
			rc == -ETIMEDOUT ? "no answer within fence_timeout" : vg_fencer_strerror(rc),
			rc, done_ms - d.fence_at);
	enter(ST_SELF_FENCE, "fence request failed");
	stop_feeding("the fence request failed");
}

static void on_timers(long long now)
{
	char why[512];

	if (d.state == ST_MAINTENANCE && !maintenance_now()) {
		snprintf(why, sizeof(why), "the planned stop ended but libvirtd is still gone");
		grace_start(now, why);
	}
	if (d.state == ST_LOST && now >= d.grace_end) {
		vg_crit("grace expired: libvirtd not back after %lld ms", now - d.lost_at);
		/* Re-check immediately before the irreversible step. */
		if (maintenance_now()) {
			enter(ST_MAINTENANCE, "planned libvirtd stop announced");
			vg_notice("a planned stop was announced during the grace window: "
				  "not fencing while it lasts");
			return;
		}
		fence_start();
	}
	if (d.state == ST_FENCING && !d.fence_answered && now >= d.fence_deadline) {
		vg_crit("fence request did not complete within fence_timeout (%lld ms)",
			d.conf.fence_timeout_ms);
		enter(ST_SELF_FENCE, "fence request timed out");
		stop_feeding("the fence request did not complete in time");
	}
}

static long long next_wake(long long now)
{
	long long w = now + 60000;

	if (d.feeding && vg_watchdog_is_open(&d.wd) && d.next_pet < w)
		w = d.next_pet;
	if (d.state == ST_LOST && d.grace_end < w)
		w = d.grace_end;
	if (d.state == ST_MAINTENANCE && now + 1000 < w)
		w = now + 1000;
	if (d.state == ST_FENCING && !d.fence_answered && d.fence_deadline < w)
		w = d.fence_deadline;
	/* The status file is a heartbeat too. */
	if (now + 5000 < w)
		w = now + 5000;
	return w;
}

/* Clean and intended only when nothing is being guarded against right now. */
static int shutdown_daemon(int sig)
{
	bool clean = d.state == ST_UP || d.state == ST_WAITING || d.state == ST_MAINTENANCE;
	int rc;

	atomic_store(&d.stopping, true);
	if (!vg_watchdog_is_open(&d.wd)) {
		vg_notice("shutting down on signal %d (state %s)", sig, state_name(d.state));
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
			"and resets this host", sig, state_name(d.state));
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
		on_timers(now);
		wake = next_wake(now);
		pthread_mutex_lock(&d.lock);
		while (!d.ev.stop && !d.ev.hup && !d.ev.conn_error_new && !d.ev.up_pending && !d.ev.lost_pending &&
		       !d.ev.fence_done && !d.ev.quorum_changed && vg_now_ms() < wake)
			cond_wait_until(&d.main_cond, wake);
		ev = d.ev;
		d.ev.up_pending = d.ev.lost_pending = false;
		d.ev.fence_done = d.ev.quorum_changed = d.ev.hup = false;
		d.ev.conn_error_new = false;
		pthread_mutex_unlock(&d.lock);

		/* Why (re)connecting fails: once per distinct reason. */
		if (ev.conn_error[0] != '\0' && (d.state == ST_WAITING || d.state == ST_LOST) &&
		    strcmp(ev.conn_error, d.conn_error_logged) != 0) {
			if (d.state == ST_WAITING)
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
		now = vg_now_ms();
		if (ev.quorum_changed && d.conf.quorum && ev.quorum != d.quorum) {
			if (ev.quorum < 0)
				vg_warn("quorum unknown: no connection to corosync");
			else
				vg_notice("quorum %s (%u members)",
					  ev.quorum ? "held" : "LOST", ev.members);
			d.quorum = ev.quorum;
		}
		/* The connector opens generation N+1 only after N closed, so a
		 * newer generation also means the guarded one was lost (both may
		 * arrive in one wake-up). */
		if (d.state == ST_UP &&
		    ((ev.lost_pending && ev.lost_gen >= d.up_gen) ||
		     (ev.up_pending && ev.up_gen > d.up_gen)))
			on_lost(now, ev.lost_reason);
		if (ev.up_pending && ev.up_gen > d.up_gen) {
			d.up_gen = ev.up_gen;
			if (ev.lost_gen < ev.up_gen)	/* not closed again already */
				on_up(now, ev.libver);
		}
		if (ev.fence_done)
			on_fence_done(ev.fence_rc, ev.fence_time, ev.fence_done_ms);
		if (ev.stop)
			return shutdown_daemon(ev.stop_signal);
		status_write();
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

	/* Everything is validated before anything is armed. */
	rc = load_config(path, dump || check);
	if (dump && rc == EXIT_OK)
		vg_conf_write(&d.conf, stdout);
	if (check && rc == EXIT_OK) {
		printf("configuration %s is valid; timing rule:\n", path);
		vg_timing_describe(&d.timing, print_line, stdout);
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

	if (d.conf.watchdog) {
		rc = vg_watchdog_open(&d.wd, d.conf.watchdog_device,
				      (int)(d.conf.watchdog_timeout_ms / 1000), err, sizeof(err));
		if (rc != 0) {
			vg_err("refusing to run without the watchdog: %s (set watchdog = no "
			       "only if you accept that nothing resets this host when the "
			       "fencer fails)", err);
			rc = EXIT_FAILURE_RUNTIME;
			goto out;
		}
		d.feeding = true;
		d.last_pet = vg_now_ms();
		d.next_pet = d.last_pet + d.conf.watchdog_interval_ms;
		vg_notice("watchdog %s armed: timeout %d s (verified), fed every %lld ms",
			  d.wd.path, d.wd.timeout_s, d.conf.watchdog_interval_ms);
	}
	{
		struct stat st;
		char dir[VG_CONF_STR];
		char *slash;

		snprintf(dir, sizeof(dir), "%s", d.conf.status_file);
		slash = strrchr(dir, '/');
		if (slash != NULL && slash != dir) {
			*slash = '\0';
			if (stat(dir, &st) != 0)
				(void)mkdir(dir, 0755);
		}
	}
	enter(ST_WAITING, "started");

	virSetErrorFunc(NULL, quiet_errors);
	if (virEventRegisterDefaultImpl() != 0 ||
	    start_thread(signal_main, &sigs, "signal") != 0 ||
	    start_thread(event_main, NULL, "libvirt event") != 0 ||
	    start_thread(connector_main, NULL, "connector") != 0 ||
	    (d.conf.quorum && start_thread(quorum_main, NULL, "quorum") != 0)) {
		vg_err("start-up failed");
		/* Nothing guarded yet: a clean refusal may disarm. */
		vg_watchdog_disarm(&d.wd);
		rc = EXIT_FAILURE_RUNTIME;
		goto out;
	}
	rc = run();
out:
	vg_log_fini();
	return rc;
}
