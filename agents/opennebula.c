/* ocf:vmguard:opennebula — the OpenNebula frontend (oned, and the scheduler
 * mm_sched where it is a separate process) under Pacemaker.
 *
 * The frontend decides where guests run: if it is dead nobody can start or
 * recover anything, and if it runs twice two schedulers fight over the same
 * hosts.  Pacemaker keeps exactly one alive; this agent tells it the truth
 * about that one, through OpenNebula's own XML-RPC API (xmlrpc-c, in a child
 * under a deadline: a SIGSTOPped oned accepts TCP connections and never
 * answers).
 *
 * oned runs as operators run it: "oned -f" as the oneadmin user, with
 * ONE_LOCATION when it is a self-contained install, its stdio on /dev/null
 * (it logs to oned.log itself).  The session for the API comes from the
 * ONE_AUTH file, read by this agent (as root) and kept in memory: it never
 * reaches an argv, the environment of a child, a log line or an exit reason.
 *
 * Facts about oned 6.10 this is built on:
 *  - the XML-RPC API is the last thing it brings up (~5 s after exec):
 *    start waits for the API, not for the process;
 *  - it creates its lock file with O_EXCL (/var/lock/one/one, or
 *    $ONE_LOCATION/var/lock/.lock) and refuses to start while it exists; a
 *    SIGKILLed oned leaves it behind, so start removes it, but only once no
 *    oned process is left (the recorded PID is gone and none runs here);
 *  - SIGTERM closes the API port at once but the process takes ~6 s to exit.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <dirent.h>

#include "log.h"
#include "ocf.h"
#include "one.h"
#include "proc.h"

enum {
	P_BINARY,
	P_LOCATION,
	P_CONFIG,
	P_USER,
	P_ENDPOINT,
	P_ONE_AUTH,
	P_PIDFILE,
	P_SCHEDULER,
	P_SCHEDULER_PIDFILE,
	P_MONITOR_TIMEOUT,
	P_SLOW_THRESHOLD,
	P_STOP_GRACE,
	P_RAFT_ROLES,
	P_CHECK_URL,
};

static const struct ocf_param params[] = {
	[P_BINARY] = { "binary", OCF_PARAM_STRING, "/usr/bin/oned", 0, 0, 0,
		"oned binary",
		"Full path of the OpenNebula daemon. The agent runs it as \"binary -f\" "
		"(in the foreground, as OpenNebula's systemd unit does) and records its "
		"PID in pidfile." },
	[P_LOCATION] = { "location", OCF_PARAM_STRING, "", 0, 0, 0,
		"ONE_LOCATION of a self-contained install",
		"Empty for a system-wide install (configuration in /etc/one, lock file "
		"/var/lock/one/one). For a self-contained install, the directory oned "
		"gets as ONE_LOCATION: its configuration is then location/etc/oned.conf "
		"and its lock file location/var/lock/.lock." },
	[P_CONFIG] = { "config", OCF_PARAM_STRING, "/etc/one/oned.conf", 0, 0, 0,
		"oned configuration file",
		"The oned.conf oned reads (oned has no option to choose it: it follows "
		"location). It must exist and be readable. When location is set and "
		"config is not, location/etc/oned.conf is used." },
	[P_USER] = { "user", OCF_PARAM_STRING, "oneadmin", 0, 0, 0,
		"User oned runs as",
		"oned and the scheduler are started as this user (with its groups and "
		"home directory), never as root unless this says root." },
	[P_ENDPOINT] = { "endpoint", OCF_PARAM_STRING, "http://localhost:2633/RPC2", 0, 0, 0,
		"XML-RPC endpoint",
		"The URL of oned's XML-RPC API on this node (PORT and LISTEN_ADDRESS in "
		"oned.conf). Use a local address, not the cluster's virtual IP: the "
		"monitor must talk to this node's oned." },
	[P_ONE_AUTH] = { "one_auth", OCF_PARAM_STRING, "/var/lib/one/.one/one_auth", 0, 0, 0,
		"ONE_AUTH file",
		"File with the session \"user:password\" on its first line, as the "
		"OpenNebula CLI reads it. It must be a regular file that neither its "
		"group nor others can read (mode 0600 or 0400): the agent refuses "
		"anything else. The credentials stay in the agent's memory." },
	[P_PIDFILE] = { "pidfile", OCF_PARAM_STRING, "/run/one/oned.pid", OCF_P_UNIQUE, 0, 0,
		"oned PID file",
		"Where the agent records the PID of the oned it started. The PID is "
		"trusted only while that process really runs binary." },
	[P_SCHEDULER] = { "scheduler", OCF_PARAM_STRING, "/usr/bin/mm_sched", 0, 0, 0,
		"Scheduler binary, or none",
		"OpenNebula 6 schedules VMs in a separate process, mm_sched, that talks "
		"to oned's API. The agent starts it once oned answers, stops it before "
		"oned, and the monitor fails when it is not running. Set to none where "
		"the scheduler is part of oned (OpenNebula 7) or runs elsewhere." },
	[P_SCHEDULER_PIDFILE] = { "scheduler_pidfile", OCF_PARAM_STRING, "/run/one/sched.pid", 0, 0, 0,
		"Scheduler PID file", "Where the agent records the scheduler's PID." },
	[P_MONITOR_TIMEOUT] = { "monitor_timeout", OCF_PARAM_INTEGER, "5000", 0, 100, 3600000,
		"API deadline in milliseconds",
		"How long one monitor waits for oned's answers (all calls of its depth "
		"together). An oned that has not answered by then is treated as hung. "
		"The operation's own timeout caps it." },
	[P_SLOW_THRESHOLD] = { "slow_threshold", OCF_PARAM_INTEGER, "2000", 0, 0, 3600000,
		"Degraded threshold in milliseconds",
		"A monitor whose calls took longer than this returns 190 (degraded) "
		"instead of success. 0 disables the check. Must be lower than "
		"monitor_timeout." },
	[P_STOP_GRACE] = { "stop_grace", OCF_PARAM_INTEGER, "30000", 0, 0, 3600000,
		"SIGTERM grace in milliseconds",
		"How long stop waits after SIGTERM before it sends SIGKILL (oned needs "
		"about 6 s to exit after closing its port). Stop always leaves itself "
		"time for SIGKILL within the operation timeout." },
	[P_RAFT_ROLES] = { "raft_roles", OCF_PARAM_STRING, "solo leader", 0, 0, 0,
		"Acceptable raft roles",
		"At OCF_CHECK_LEVEL 10 the monitor asks one.zone.raftstatus and fails "
		"unless this node's oned is in one of these roles (solo, candidate, "
		"follower, leader; separated by spaces). Where Pacemaker keeps the only "
		"active frontend that is solo, or leader of a zone." },
	[P_CHECK_URL] = { "check_url", OCF_PARAM_STRING, "", 0, 0, 0,
		"Sunstone/FireEdge URL for OCF_CHECK_LEVEL 20",
		"At OCF_CHECK_LEVEL 20 the monitor also fetches this URL (for example "
		"http://localhost:2616/ for FireEdge) and fails unless it answers with "
		"HTTP 2xx or 3xx. Empty: no web check." },
	{ NULL, 0, NULL, 0, 0, 0, NULL, NULL },
};

/* The session read in validate: a secret, wiped at exit. */
static char session[ONE_SESSION_MAX + 1];

static void session_wipe(void)
{
	explicit_bzero(session, sizeof(session));
}

/* ---- paths derived from the parameters ---------------------------------- */

static bool has_location(const struct ocf_ctx *ctx)
{
	return ocf_str(ctx, P_LOCATION)[0] != '\0';
}

static void config_path(const struct ocf_ctx *ctx, char *buf, size_t len)
{
	if (has_location(ctx) && !ctx->value[P_CONFIG].set)
		snprintf(buf, len, "%s/etc/oned.conf", ocf_str(ctx, P_LOCATION));
	else
		snprintf(buf, len, "%s", ocf_str(ctx, P_CONFIG));
}

/* Where oned creates its lock (src/nebula/oned.cc). */
static void lock_path(const struct ocf_ctx *ctx, char *buf, size_t len)
{
	if (has_location(ctx))
		snprintf(buf, len, "%s/var/lock/.lock", ocf_str(ctx, P_LOCATION));
	else
		snprintf(buf, len, "/var/lock/one/one");
}

static bool scheduler_managed(const struct ocf_ctx *ctx)
{
	return strcmp(ocf_str(ctx, P_SCHEDULER), "none") != 0;
}

/* ---- processes ------------------------------------------------------------ */

/* oned, or a wrapper script standing in for it (the tests' stand-in is
 * one): the binary may be the script an interpreter runs. */
static int daemon_find(const char *binary, const char *pidfile, pid_t *pid,
		       enum vg_proc_state *state)
{
	return vg_daemon_find_flags(binary, pidfile, VG_FIND_SCRIPT, pid, state);
}

enum daemon_state {
	D_ABSENT,		/* no process */
	D_HUNG,			/* stopped by a signal or traced */
	D_ALIVE,
};

struct daemon {
	enum daemon_state state;
	pid_t pid;
};

static struct daemon inspect(const char *binary, const char *pidfile)
{
	struct daemon d = { .state = D_ABSENT };
	enum vg_proc_state st;
	pid_t pid;

	if (daemon_find(binary, pidfile, &pid, &st) == 0) {
		d.pid = pid;
		d.state = st == VG_PROC_STOPPED ? D_HUNG : D_ALIVE;
	}
	return d;
}

static struct daemon oned_inspect(const struct ocf_ctx *ctx)
{
	return inspect(ocf_str(ctx, P_BINARY), ocf_str(ctx, P_PIDFILE));
}

static struct daemon sched_inspect(const struct ocf_ctx *ctx)
{
	return inspect(ocf_str(ctx, P_SCHEDULER), ocf_str(ctx, P_SCHEDULER_PIDFILE));
}

static int mkdir_p(const char *dir, mode_t mode)
{
	char buf[PATH_MAX];

	if (snprintf(buf, sizeof(buf), "%s", dir) >= (int)sizeof(buf))
		return -ENAMETOOLONG;
	for (char *p = buf + 1; *p != '\0'; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, mode) != 0 && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(buf, mode) != 0 && errno != EEXIST)
		return -errno;
	return 0;
}

static int pidfile_write(const char *path, pid_t pid)
{
	char dir[PATH_MAX], tmp[PATH_MAX + 8], *slash;
	FILE *f;
	int rc;

	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	if (slash != NULL && slash != dir) {
		*slash = '\0';
		rc = mkdir_p(dir, 0755);
		if (rc != 0)
			return rc;
	}
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	f = fopen(tmp, "we");
	if (f == NULL)
		return -errno;
	rc = fprintf(f, "%d\n", (int)pid) < 0 ? -EIO : 0;
	if (fclose(f) != 0 && rc == 0)
		rc = -errno;
	if (rc == 0 && rename(tmp, path) != 0)
		rc = -errno;
	if (rc != 0)
		unlink(tmp);
	return rc;
}

/* Start argv[0] as user, detached: own session, stdio on /dev/null, no fd
 * of ours, default signals, a small fixed environment (no credentials).
 * 0 and *pid once exec succeeded; -errno of the failed step otherwise. */
static int spawn_as(const struct ocf_ctx *ctx, const struct passwd *pw, char *const argv[],
		    pid_t *pid)
{
	char home[PATH_MAX + 8], user[128], logname[128], location[PATH_MAX + 16];
	char *envp[8];
	int n = 0, fds[2], err = 0;
	pid_t child;
	ssize_t r;

	snprintf(home, sizeof(home), "HOME=%s", pw->pw_dir);
	snprintf(user, sizeof(user), "USER=%s", pw->pw_name);
	snprintf(logname, sizeof(logname), "LOGNAME=%s", pw->pw_name);
	envp[n++] = (char *)"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
	envp[n++] = home;
	envp[n++] = user;
	envp[n++] = logname;
	if (has_location(ctx)) {
		snprintf(location, sizeof(location), "ONE_LOCATION=%s", ocf_str(ctx, P_LOCATION));
		envp[n++] = location;
	}
	envp[n] = NULL;

	if (pipe2(fds, O_CLOEXEC) != 0)
		return -errno;
	child = fork();
	if (child < 0) {
		err = -errno;
		close(fds[0]);
		close(fds[1]);
		return err;
	}
	if (child == 0) {
		sigset_t none;
		int null = open("/dev/null", O_RDWR);

		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		for (int s = 1; s < NSIG; s++)
			signal(s, SIG_DFL);
		if (null < 0 || dup2(null, 0) < 0 || dup2(null, 1) < 0 || dup2(null, 2) < 0 ||
		    setsid() < 0)
			goto fail;
		if (pw->pw_uid != geteuid() || getuid() != pw->pw_uid) {
			if (initgroups(pw->pw_name, pw->pw_gid) != 0 ||
			    setgid(pw->pw_gid) != 0 || setuid(pw->pw_uid) != 0)
				goto fail;
		}
		if (chdir(pw->pw_dir) != 0 && chdir("/") != 0)
			goto fail;
		/* Keep only stdio and the exec-status pipe. */
		for (int fd = 3; fd < 1024; fd++) {
			if (fd != fds[1])
				close(fd);
		}
		execve(argv[0], argv, envp);
fail:
		err = errno;
		(void)!write(fds[1], &err, sizeof(err));
		_exit(127);
	}
	close(fds[1]);
	do {
		r = read(fds[0], &err, sizeof(err));
	} while (r < 0 && errno == EINTR);
	close(fds[0]);
	if (r == (ssize_t)sizeof(err)) {
		(void)waitpid(child, NULL, 0);
		return -(err != 0 ? err : EIO);
	}
	*pid = child;
	return 0;
}

/* ---- API ------------------------------------------------------------------ */

static struct vg_deadline api_deadline(const struct ocf_ctx *ctx)
{
	struct vg_deadline d;

	vg_deadline_in_ms(&d, ocf_int(ctx, P_MONITOR_TIMEOUT));
	return vg_deadline_min(&d, &ctx->deadline);
}

static int api_probe(const struct ocf_ctx *ctx, enum one_depth depth, struct one_probe *p,
		     long long *elapsed)
{
	struct one_target t = {
		.endpoint = ocf_str(ctx, P_ENDPOINT),
		.session = session,
		.web_url = ocf_str(ctx, P_CHECK_URL),
	};
	struct vg_deadline d = api_deadline(ctx);

	return one_probe_bounded(&t, depth, p, &d, elapsed);
}

static enum ocf_exitcode auth_failed(struct ocf_ctx *ctx, const struct one_probe *p)
{
	char user[128];

	one_session_user(session, user, sizeof(user));
	ocf_exit_reason(ctx, "oned refused the credentials of user '%s' from %s "
			"(OpenNebula error %d: %s): this is a configuration error, "
			"fix the ONE_AUTH file", user, ocf_str(ctx, P_ONE_AUTH),
			p->errcode, p->error);
	return PCMK_OCF_NOT_CONFIGURED;
}

/* The exit code and reason for a failed probe of a running oned. */
static enum ocf_exitcode probe_failed(struct ocf_ctx *ctx, pid_t pid, int rc,
				      const struct one_probe *p, long long elapsed)
{
	const char *call = one_stage_call(p->stage);

	if (p->failure == ONE_FAIL_AUTH)
		return auth_failed(ctx, p);
	if (rc == -ETIMEDOUT || p->failure == ONE_FAIL_TIMEOUT) {
		ocf_exit_reason(ctx, "oned (PID %d) did not answer %s at %s within %lld ms: "
				"it is hung", (int)pid, call, ocf_str(ctx, P_ENDPOINT), elapsed);
		return PCMK_OCF_UNKNOWN_ERROR;
	}
	switch (p->failure) {
	case ONE_FAIL_TRANSPORT:
		ocf_exit_reason(ctx, "oned (PID %d) runs but its API does not answer: %s",
				(int)pid, p->error);
		break;
	case ONE_FAIL_FAULT:
		ocf_exit_reason(ctx, "oned (PID %d) answered %s with XML-RPC fault %d%s: %s",
				(int)pid, call, p->fault_code,
				p->fault_code == ONE_FAULT_NO_SUCH_METHOD ?
				" (unknown method: an OpenNebula older than 5.4?)" : "", p->error);
		break;
	case ONE_FAIL_API:
		ocf_exit_reason(ctx, "oned (PID %d): %s failed with OpenNebula error %d: %s",
				(int)pid, call, p->errcode, p->error);
		break;
	case ONE_FAIL_HTTP:
		ocf_exit_reason(ctx, "the web UI does not work: %s", p->error);
		break;
	default:
		ocf_exit_reason(ctx, "oned (PID %d): %s", (int)pid, p->error);
		break;
	}
	return PCMK_OCF_UNKNOWN_ERROR;
}

/* ---- monitor ------------------------------------------------------------- */

static enum ocf_exitcode scheduler_check(struct ocf_ctx *ctx)
{
	struct daemon s;

	if (!scheduler_managed(ctx))
		return PCMK_OCF_OK;
	s = sched_inspect(ctx);
	if (s.state == D_ABSENT) {
		ocf_exit_reason(ctx, "the scheduler %s is not running: no VM will be "
				"placed", ocf_str(ctx, P_SCHEDULER));
		return PCMK_OCF_UNKNOWN_ERROR;
	}
	if (s.state == D_HUNG) {
		ocf_exit_reason(ctx, "the scheduler (PID %d) is stopped (SIGSTOP or traced)",
				(int)s.pid);
		return PCMK_OCF_UNKNOWN_ERROR;
	}
	return PCMK_OCF_OK;
}

static enum ocf_exitcode raft_check(struct ocf_ctx *ctx, const struct one_probe *p)
{
	unsigned mask = 0;

	(void)one_raft_roles_parse(ocf_str(ctx, P_RAFT_ROLES), &mask);	/* validated */
	if (p->raft_state >= 0 && p->raft_state < 32 && (mask & (1u << p->raft_state)))
		return PCMK_OCF_OK;
	ocf_exit_reason(ctx, "oned is raft %s (state %d, server id %d), not one of "
			"\"%s\": another frontend may lead this zone",
			one_raft_state_name(p->raft_state), p->raft_state, p->raft_server_id,
			ocf_str(ctx, P_RAFT_ROLES));
	return PCMK_OCF_UNKNOWN_ERROR;
}

static enum ocf_exitcode monitor_running(struct ocf_ctx *ctx, pid_t pid)
{
	enum one_depth depth = ctx->check_level >= 20 ? ONE_DEPTH_WEB :
			       ctx->check_level >= 10 ? ONE_DEPTH_DB : ONE_DEPTH_API;
	long long elapsed = 0, slow = ocf_int(ctx, P_SLOW_THRESHOLD);
	struct one_probe p;
	enum ocf_exitcode rc;
	int r;

	r = api_probe(ctx, depth, &p, &elapsed);
	if (r != 0)
		return probe_failed(ctx, pid, r, &p, elapsed);
	rc = depth >= ONE_DEPTH_DB ? raft_check(ctx, &p) : PCMK_OCF_OK;
	if (rc == PCMK_OCF_OK)
		rc = scheduler_check(ctx);
	if (rc == PCMK_OCF_OK && slow > 0 && elapsed > slow) {
		ocf_exit_reason(ctx, "oned answered in %lld ms, slower than slow_threshold "
				"(%lld ms)", elapsed, slow);
		rc = PCMK_OCF_DEGRADED;
	}
	if (rc == PCMK_OCF_OK)
		vg_debug("oned %s (PID %d) answered in %lld ms" QB_XS " hosts=%d "
			 "in_error=%d raft=%s", p.version, (int)pid, elapsed, p.nhosts,
			 p.nhosts_error, one_raft_state_name(p.raft_state));
	return rc;
}

static enum ocf_exitcode one_monitor(struct ocf_ctx *ctx)
{
	struct daemon d = oned_inspect(ctx);
	char lock[PATH_MAX];

	switch (d.state) {
	case D_ABSENT:
		lock_path(ctx, lock, sizeof(lock));
		if (access(lock, F_OK) == 0)
			vg_warn("oned is not running but left its lock %s: it crashed "
				"(start removes the lock)", lock);
		return PCMK_OCF_NOT_RUNNING;
	case D_HUNG:
		ocf_exit_reason(ctx, "oned (PID %d) is stopped (SIGSTOP or traced) and "
				"cannot answer", (int)d.pid);
		return PCMK_OCF_UNKNOWN_ERROR;
	case D_ALIVE:
		break;
	}
	return monitor_running(ctx, d.pid);
}

/* ---- start ------------------------------------------------------------------ */

/* Wait until oned's API answers one.system.version with our session. */
static enum ocf_exitcode wait_answering(struct ocf_ctx *ctx, pid_t pid, bool ours)
{
	struct one_probe p;
	long long elapsed = 0, t0 = vg_now_ms();
	int r = -ETIMEDOUT, status;

	memset(&p, 0, sizeof(p));
	while (!vg_deadline_expired(&ctx->deadline)) {
		if (ours && waitpid(pid, &status, WNOHANG) == pid) {
			ocf_exit_reason(ctx, "oned (PID %d) exited during start (%s %d); see "
					"its oned.log", (int)pid,
					WIFEXITED(status) ? "status" : "signal",
					WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
			return PCMK_OCF_UNKNOWN_ERROR;
		}
		/* Also when SIGCHLD is ignored and the kernel reaped it. */
		if (vg_proc_state(pid) == VG_PROC_GONE || vg_proc_state(pid) == VG_PROC_ZOMBIE) {
			ocf_exit_reason(ctx, "oned (PID %d) went away during start; see its "
					"oned.log", (int)pid);
			return PCMK_OCF_UNKNOWN_ERROR;
		}
		r = api_probe(ctx, ONE_DEPTH_API, &p, &elapsed);
		if (r == 0) {
			vg_info("oned %s (PID %d) answers on %s, %lld ms after start", p.version,
				(int)pid, ocf_str(ctx, P_ENDPOINT), vg_now_ms() - t0);
			return PCMK_OCF_OK;
		}
		if (p.failure == ONE_FAIL_AUTH)
			return auth_failed(ctx, &p);
		/* Refused while it is coming up; anything else is an answer. */
		if (r != -ETIMEDOUT && p.failure != ONE_FAIL_TRANSPORT &&
		    p.failure != ONE_FAIL_TIMEOUT)
			return probe_failed(ctx, pid, r, &p, elapsed);
		vg_deadline_sleep_ms(&ctx->deadline, 200);
	}
	ocf_exit_reason(ctx, "oned (PID %d) did not answer on %s within the start "
			"timeout (%lld ms)%s%s", (int)pid, ocf_str(ctx, P_ENDPOINT),
			ctx->timeout_ms, p.error[0] ? ": " : "", p.error);
	return PCMK_OCF_UNKNOWN_ERROR;
}

/* A lock with no oned behind it is a crash's leftover. */
static enum ocf_exitcode lock_clear_stale(struct ocf_ctx *ctx)
{
	char lock[PATH_MAX];
	pid_t recorded = 0;

	lock_path(ctx, lock, sizeof(lock));
	if (access(lock, F_OK) != 0)
		return PCMK_OCF_OK;
	/* Called only when no oned runs here: the recorded PID, if any, is
	 * gone or belongs to another program now. */
	(void)vg_pidfile_read(ocf_str(ctx, P_PIDFILE), &recorded);
	if (unlink(lock) != 0 && errno != ENOENT) {
		ocf_exit_reason(ctx, "cannot remove oned's stale lock %s: %s", lock,
				strerror(errno));
		return PCMK_OCF_UNKNOWN_ERROR;
	}
	vg_notice("removed oned's stale lock %s (recorded PID %d is gone, no oned runs)",
		  lock, (int)recorded);
	return PCMK_OCF_OK;
}

/* oned creates its lock in a directory that a tmpfs /var/lock loses at boot. */
static enum ocf_exitcode lock_dir_ensure(struct ocf_ctx *ctx, const struct passwd *pw)
{
	char lock[PATH_MAX], *slash;
	struct stat st;
	int rc;

	lock_path(ctx, lock, sizeof(lock));
	slash = strrchr(lock, '/');
	*slash = '\0';
	if (stat(lock, &st) == 0)
		return PCMK_OCF_OK;
	rc = mkdir_p(lock, 0755);
	if (rc == 0 && chown(lock, pw->pw_uid, pw->pw_gid) != 0)
		rc = -errno;
	if (rc != 0) {
		ocf_exit_reason(ctx, "cannot create oned's lock directory %s: %s", lock,
				strerror(-rc));
		return PCMK_OCF_UNKNOWN_ERROR;
	}
	return PCMK_OCF_OK;
}

static enum ocf_exitcode scheduler_start(struct ocf_ctx *ctx, const struct passwd *pw)
{
	char *argv[] = { (char *)ocf_str(ctx, P_SCHEDULER), NULL };
	struct daemon s;
	pid_t pid = 0;
	int rc;

	if (!scheduler_managed(ctx))
		return PCMK_OCF_OK;
	s = sched_inspect(ctx);
	if (s.state == D_ALIVE)
		return PCMK_OCF_OK;
	if (s.state == D_HUNG && vg_proc_terminate(s.pid, 1000, &ctx->deadline) != 0) {
		ocf_exit_reason(ctx, "the stopped scheduler (PID %d) did not exit", (int)s.pid);
		return PCMK_OCF_UNKNOWN_ERROR;
	}
	rc = spawn_as(ctx, pw, argv, &pid);
	if (rc == 0)
		rc = pidfile_write(ocf_str(ctx, P_SCHEDULER_PIDFILE), pid);
	if (rc != 0) {
		ocf_exit_reason(ctx, "cannot start the scheduler %s as %s: %s",
				ocf_str(ctx, P_SCHEDULER), pw->pw_name, strerror(-rc));
		return PCMK_OCF_UNKNOWN_ERROR;
	}
	vg_info("started the scheduler (PID %d)", (int)pid);
	return PCMK_OCF_OK;
}

static enum ocf_exitcode one_start(struct ocf_ctx *ctx)
{
	struct daemon d = oned_inspect(ctx);
	char *argv[] = { (char *)ocf_str(ctx, P_BINARY), (char *)"-f", NULL };
	const struct passwd *pw = getpwnam(ocf_str(ctx, P_USER));
	enum ocf_exitcode rc;
	pid_t pid = 0;
	int r;

	if (pw == NULL) {
		ocf_exit_reason(ctx, "user '%s' does not exist", ocf_str(ctx, P_USER));
		return PCMK_OCF_NOT_CONFIGURED;
	}
	if (d.state == D_HUNG) {
		ocf_exit_reason(ctx, "oned (PID %d) is already running but stopped; it must "
				"be stopped before it can be started", (int)d.pid);
		return PCMK_OCF_UNKNOWN_ERROR;
	}
	if (d.state == D_ALIVE) {
		vg_info("oned is already running (PID %d)", (int)d.pid);
		r = pidfile_write(ocf_str(ctx, P_PIDFILE), d.pid);
		if (r != 0)
			vg_warn("cannot record oned's PID in %s: %s", ocf_str(ctx, P_PIDFILE),
				strerror(-r));
		rc = wait_answering(ctx, d.pid, false);
		return rc == PCMK_OCF_OK ? scheduler_start(ctx, pw) : rc;
	}
	rc = lock_clear_stale(ctx);
	if (rc == PCMK_OCF_OK)
		rc = lock_dir_ensure(ctx, pw);
	if (rc != PCMK_OCF_OK)
		return rc;

	r = spawn_as(ctx, pw, argv, &pid);
	if (r != 0) {
		ocf_exit_reason(ctx, "cannot start %s as %s: %s", argv[0], pw->pw_name,
				strerror(-r));
		return PCMK_OCF_UNKNOWN_ERROR;
	}
	r = pidfile_write(ocf_str(ctx, P_PIDFILE), pid);
	if (r != 0) {
		ocf_exit_reason(ctx, "cannot write %s: %s", ocf_str(ctx, P_PIDFILE),
				strerror(-r));
		return PCMK_OCF_UNKNOWN_ERROR;
	}
	vg_info("started oned (PID %d) as %s; waiting for its API", (int)pid, pw->pw_name);
	rc = wait_answering(ctx, pid, true);
	return rc == PCMK_OCF_OK ? scheduler_start(ctx, pw) : rc;
}

/* ---- stop ----------------------------------------------------------------- */

static long long stop_grace(const struct ocf_ctx *ctx)
{
	/* Leave a third of what remains (at least 1 s) for SIGKILL. */
	long long left = vg_deadline_remaining_ms(&ctx->deadline);
	long long grace = ocf_int(ctx, P_STOP_GRACE);
	long long cap = left - (left / 3 > 1000 ? left / 3 : 1000);

	return grace < cap ? grace : (cap > 0 ? cap : 0);
}

static enum ocf_exitcode terminate(struct ocf_ctx *ctx, const char *what, struct daemon d,
				   const char *pidfile)
{
	long long t0 = vg_now_ms();

	if (d.state != D_ABSENT) {
		if (vg_proc_terminate(d.pid, stop_grace(ctx), &ctx->deadline) != 0) {
			ocf_exit_reason(ctx, "%s (PID %d) did not exit after SIGTERM and "
					"SIGKILL within %lld ms", what, (int)d.pid, ctx->timeout_ms);
			return PCMK_OCF_UNKNOWN_ERROR;
		}
		vg_info("stopped %s (PID %d) in %lld ms", what, (int)d.pid, vg_now_ms() - t0);
	}
	if (unlink(pidfile) != 0 && errno != ENOENT)
		vg_warn("cannot remove %s: %s", pidfile, strerror(errno));
	return PCMK_OCF_OK;
}

static enum ocf_exitcode one_stop(struct ocf_ctx *ctx)
{
	enum ocf_exitcode rc = PCMK_OCF_OK;
	char lock[PATH_MAX];

	/* The scheduler first: without oned it would only log errors. */
	if (scheduler_managed(ctx))
		rc = terminate(ctx, "the scheduler", sched_inspect(ctx),
			       ocf_str(ctx, P_SCHEDULER_PIDFILE));
	if (rc == PCMK_OCF_OK)
		rc = terminate(ctx, "oned", oned_inspect(ctx), ocf_str(ctx, P_PIDFILE));
	if (rc != PCMK_OCF_OK)
		return rc;
	/* A graceful oned removes its lock; a SIGKILLed one cannot. */
	lock_path(ctx, lock, sizeof(lock));
	if (oned_inspect(ctx).state == D_ABSENT && unlink(lock) == 0)
		vg_info("removed oned's lock %s", lock);
	return PCMK_OCF_OK;
}

/* ---- validation ------------------------------------------------------------ */

static enum ocf_exitcode auth_load(struct ocf_ctx *ctx)
{
	const char *path = ocf_str(ctx, P_ONE_AUTH);
	int rc = one_auth_read(path, session, sizeof(session));

	switch (rc) {
	case 0:
		vg_log_add_secret(session);
		vg_log_add_secret(one_session_password(session));
		return PCMK_OCF_OK;
	case -ENOENT:
		ocf_exit_reason(ctx, "ONE_AUTH file %s does not exist", path);
		return ctx->probe ? PCMK_OCF_NOT_INSTALLED : PCMK_OCF_NOT_CONFIGURED;
	case -EPERM:
		ocf_exit_reason(ctx, "ONE_AUTH file %s is readable by its group or others "
				"(or is not a regular file): refusing credentials that are not "
				"private; chmod 600 it", path);
		return PCMK_OCF_NOT_CONFIGURED;
	case -EINVAL:
		ocf_exit_reason(ctx, "ONE_AUTH file %s does not start with a line "
				"\"user:password\"", path);
		return PCMK_OCF_NOT_CONFIGURED;
	default:
		ocf_exit_reason(ctx, "cannot read ONE_AUTH file %s: %s", path, strerror(-rc));
		return PCMK_OCF_NOT_CONFIGURED;
	}
}

static bool is_http_url(const char *s)
{
	return strncmp(s, "http://", 7) == 0 || strncmp(s, "https://", 8) == 0;
}

static enum ocf_exitcode one_validate(struct ocf_ctx *ctx)
{
	long long slow = ocf_int(ctx, P_SLOW_THRESHOLD);
	const char *action = ctx->action->name;
	char config[PATH_MAX];
	unsigned mask;
	const struct passwd *pw;

	atexit(session_wipe);
	if (one_raft_roles_parse(ocf_str(ctx, P_RAFT_ROLES), &mask) != 0) {
		ocf_exit_reason(ctx, "raft_roles must list solo, candidate, follower or "
				"leader, not '%s'", ocf_str(ctx, P_RAFT_ROLES));
		return PCMK_OCF_NOT_CONFIGURED;
	}
	if (slow >= ocf_int(ctx, P_MONITOR_TIMEOUT)) {
		ocf_exit_reason(ctx, "slow_threshold (%lld ms) must be lower than "
				"monitor_timeout (%lld ms)", slow, ocf_int(ctx, P_MONITOR_TIMEOUT));
		return PCMK_OCF_NOT_CONFIGURED;
	}
	if (!is_http_url(ocf_str(ctx, P_ENDPOINT))) {
		ocf_exit_reason(ctx, "endpoint must be an http:// or https:// URL, not '%s'",
				ocf_str(ctx, P_ENDPOINT));
		return PCMK_OCF_NOT_CONFIGURED;
	}
	if (ocf_str(ctx, P_CHECK_URL)[0] != '\0' && !is_http_url(ocf_str(ctx, P_CHECK_URL))) {
		ocf_exit_reason(ctx, "check_url must be an http:// or https:// URL, not '%s'",
				ocf_str(ctx, P_CHECK_URL));
		return PCMK_OCF_NOT_CONFIGURED;
	}
	/* Stop must work (and succeed) on a node where OpenNebula is gone. */
	if (strcmp(action, "stop") == 0)
		return PCMK_OCF_OK;
	if (access(ocf_str(ctx, P_BINARY), X_OK) != 0) {
		ocf_exit_reason(ctx, "oned binary %s is not installed or not executable",
				ocf_str(ctx, P_BINARY));
		return PCMK_OCF_NOT_INSTALLED;
	}
	if (scheduler_managed(ctx) && access(ocf_str(ctx, P_SCHEDULER), X_OK) != 0) {
		ocf_exit_reason(ctx, "scheduler %s is not installed or not executable "
				"(scheduler=none if it is not a separate process)",
				ocf_str(ctx, P_SCHEDULER));
		return PCMK_OCF_NOT_INSTALLED;
	}
	pw = getpwnam(ocf_str(ctx, P_USER));
	if (pw == NULL) {
		ocf_exit_reason(ctx, "user '%s' does not exist", ocf_str(ctx, P_USER));
		return PCMK_OCF_NOT_INSTALLED;
	}
	config_path(ctx, config, sizeof(config));
	if (access(config, R_OK) != 0) {
		ocf_exit_reason(ctx, "oned configuration %s is not readable: %s", config,
				strerror(errno));
		return ctx->probe ? PCMK_OCF_NOT_INSTALLED : PCMK_OCF_NOT_CONFIGURED;
	}
	if (strcmp(action, "start") == 0 && geteuid() != 0 && geteuid() != pw->pw_uid) {
		ocf_exit_reason(ctx, "starting oned as %s needs root", pw->pw_name);
		return PCMK_OCF_INSUFFICIENT_PRIV;
	}
	return auth_load(ctx);
}

static const struct ocf_action actions[] = {
	{ "start", one_start, 60, 0, -1, 0 },
	{ "stop", one_stop, 60, 0, -1, 0 },
	{ "monitor", one_monitor, 30, 20, 0, 0 },
	{ "monitor", one_monitor, 30, 60, 10, 0 },
	{ "validate-all", NULL, 30, 0, -1, 0 },
	{ "meta-data", NULL, 5, 0, -1, OCF_A_NO_VALIDATE },
	{ NULL, NULL, 0, 0, 0, 0 },
};

static const struct ocf_agent agent = {
	.name = "opennebula",
	.version = PACKAGE_VERSION,
	.shortdesc = "OpenNebula frontend (oned), watched through its XML-RPC API",
	.longdesc =
		"Manages the OpenNebula frontend: oned, and the scheduler mm_sched "
		"where it is a separate process, run as the oneadmin user. Usually in "
		"a group after the frontend's virtual IP, so that exactly one frontend "
		"runs in the cluster. Start returns when oned's XML-RPC API answers, "
		"not when the process exists; a lock file left by a crashed oned is "
		"removed once no oned is left. The monitor is a real XML-RPC round "
		"trip with the session from the ONE_AUTH file and its own deadline: "
		"one.system.version (level 0); also one.hostpool.info and "
		"one.zone.raftstatus, whose role must be solo or leader (level 10); "
		"also the Sunstone/FireEdge URL (level 20). A hung oned fails before "
		"the deadline, slow answers give 190 (degraded), and refused "
		"credentials are a configuration error.",
	.params = params,
	.actions = actions,
	.validate = one_validate,
};

int main(int argc, char **argv)
{
	return ocf_main(&agent, argc, argv);
}
