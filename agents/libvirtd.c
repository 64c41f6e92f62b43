/* ocf:vmguard:libvirtd — libvirtd (and virtlogd/virtlockd) under Pacemaker.
 *
 * The monitor talks to libvirtd through the libvirt API, in a child process
 * under a deadline (common/bounded.c): a hung libvirtd (SIGSTOP, deadlock)
 * turns into a timely failure, never into a monitor that Pacemaker has to
 * kill.  A crashed libvirtd whose guests still run is reported as exactly
 * that, with the guests counted: it is how double starts begin.
 *
 * Stopping libvirtd never touches guests: qemu runs on without it.
 */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "maintenance.h"
#include "ocf.h"
#include "proc.h"
#include "virt.h"

enum {
	P_URI,
	P_BINARY,
	P_CONFIG,
	P_PIDFILE,
	P_SOCKET,
	P_OPTIONS,
	P_MONITOR_TIMEOUT,
	P_SLOW_THRESHOLD,
	P_STOP_GRACE,
	P_VIRTLOGD_BINARY,
	P_VIRTLOGD_CONFIG,
	P_VIRTLOGD_PIDFILE,
	P_VIRTLOCKD,
	P_VIRTLOCKD_BINARY,
	P_VIRTLOCKD_PIDFILE,
	P_QEMU_CONFIG,
	P_MAINTENANCE_FILE,
};

static const struct ocf_param params[] = {
	[P_URI] = { "uri", OCF_PARAM_STRING, "qemu:///system", OCF_P_RELOADABLE, 0, 0,
		"libvirt connection URI",
		"The URI the monitor connects to, as for virsh -c. It must reach the "
		"libvirtd this resource starts (for a non-default socket use "
		"qemu:///system?socket=/path/to/libvirt-sock)." },
	[P_BINARY] = { "binary", OCF_PARAM_STRING, VG_LIBVIRTD_PATH, 0, 0, 0,
		"libvirtd binary",
		"Full path of the libvirtd executable." },
	[P_CONFIG] = { "config", OCF_PARAM_STRING, "/etc/libvirt/libvirtd.conf", 0, 0, 0,
		"libvirtd configuration file",
		"Passed to libvirtd as --config. It must exist and be readable." },
	[P_PIDFILE] = { "pidfile", OCF_PARAM_STRING, "/run/libvirtd.pid", OCF_P_UNIQUE, 0, 0,
		"libvirtd PID file",
		"Passed to libvirtd as --pid-file. The PID in it is trusted only when "
		"that process really runs the configured binary." },
	[P_SOCKET] = { "socket", OCF_PARAM_STRING, "/run/libvirt/libvirt-sock", 0, 0, 0,
		"libvirtd socket",
		"The UNIX socket libvirtd listens on (unix_sock_dir in its "
		"configuration). Used to tell a crash (stale socket) from a clean stop." },
	[P_OPTIONS] = { "options", OCF_PARAM_STRING, "", 0, 0, 0,
		"Extra libvirtd options",
		"Further command line options for libvirtd, separated by spaces "
		"(for example --listen for TCP migration)." },
	[P_MONITOR_TIMEOUT] = { "monitor_timeout", OCF_PARAM_INTEGER, "5000", OCF_P_RELOADABLE,
		100, 3600000,
		"API deadline in milliseconds",
		"How long one monitor waits for libvirtd to answer its API calls. "
		"A libvirtd that has not answered by then is treated as hung. The "
		"operation's own timeout caps it." },
	[P_SLOW_THRESHOLD] = { "slow_threshold", OCF_PARAM_INTEGER, "2000", OCF_P_RELOADABLE,
		0, 3600000,
		"Degraded threshold in milliseconds",
		"A monitor whose API calls took longer than this returns 190 "
		"(degraded) instead of success. 0 disables the check. Must be lower "
		"than monitor_timeout; when unset, half of monitor_timeout if that is "
		"less than 2000." },
	[P_STOP_GRACE] = { "stop_grace", OCF_PARAM_INTEGER, "15000", OCF_P_RELOADABLE,
		0, 3600000,
		"SIGTERM grace in milliseconds",
		"How long stop waits after SIGTERM before it sends SIGKILL. Stop "
		"always leaves itself time for SIGKILL within the operation timeout." },
	[P_VIRTLOGD_BINARY] = { "virtlogd_binary", OCF_PARAM_STRING, "/usr/sbin/virtlogd", 0, 0, 0,
		"virtlogd binary",
		"virtlogd holds the guests' console logs and qemu guests cannot "
		"start without it; it is started before libvirtd." },
	[P_VIRTLOGD_CONFIG] = { "virtlogd_config", OCF_PARAM_STRING, "/etc/libvirt/virtlogd.conf", 0, 0, 0,
		"virtlogd configuration file",
		"Passed to virtlogd as --config when the file exists." },
	[P_VIRTLOGD_PIDFILE] = { "virtlogd_pidfile", OCF_PARAM_STRING, "/run/virtlogd.pid", 0, 0, 0,
		"virtlogd PID file", "Passed to virtlogd as --pid-file." },
	[P_VIRTLOCKD] = { "virtlockd", OCF_PARAM_STRING, "auto", 0, 0, 0,
		"Manage virtlockd: auto, yes or no",
		"virtlockd is needed when qemu.conf sets lock_manager = \"lockd\". "
		"auto reads qemu_config to decide." },
	[P_VIRTLOCKD_BINARY] = { "virtlockd_binary", OCF_PARAM_STRING, "/usr/sbin/virtlockd", 0, 0, 0,
		"virtlockd binary", "Full path of the virtlockd executable." },
	[P_VIRTLOCKD_PIDFILE] = { "virtlockd_pidfile", OCF_PARAM_STRING, "/run/virtlockd.pid", 0, 0, 0,
		"virtlockd PID file", "Passed to virtlockd as --pid-file." },
	[P_QEMU_CONFIG] = { "qemu_config", OCF_PARAM_STRING, "/etc/libvirt/qemu.conf", 0, 0, 0,
		"qemu driver configuration",
		"Read to find out whether a lock manager (virtlockd) is configured." },
	[P_MAINTENANCE_FILE] = { "vmguard_maintenance_file", OCF_PARAM_STRING,
		"/run/vmguard/maintenance", 0, 0, 0,
		"vmguardd's planned-stop announcement",
		"Before stopping a running libvirtd, stop announces it here so that "
		"vmguardd does not fence the host for a planned stop; start removes the "
		"announcement once libvirtd answers. It expires on its own (stop timeout "
		"+ 120 s, at most 10 minutes): a libvirtd that never comes back still "
		"ends in a fence while its guests run. A crashed or hung libvirtd is "
		"never announced. Empty disables the announcement." },
	{ NULL, 0, NULL, 0, 0, 0, NULL, NULL },
};

/* ---- helper daemons --------------------------------------------------- */

struct helper {
	const char *name;
	const char *binary;
	const char *pidfile;
	const char *config;	/* NULL: none */
};

/* Read once per action: validate runs before every monitor, and the
 * monitor and start loops ask again; qemu.conf does not change meanwhile. */
static bool virtlockd_wanted(const struct ocf_ctx *ctx)
{
	static int cached = -1;
	const char *mode = ocf_str(ctx, P_VIRTLOCKD);
	char line[512];
	FILE *f;
	bool want = false;

	if (cached >= 0)
		return cached;
	if (strcmp(mode, "yes") == 0) {
		want = true;
	} else if (strcmp(mode, "no") != 0 && (f = fopen(ocf_str(ctx, P_QEMU_CONFIG), "re")) != NULL) {
		while (fgets(line, sizeof(line), f) != NULL) {
			const char *p = line + strspn(line, " \t");

			if (strncmp(p, "lock_manager", 12) == 0 && strstr(p, "\"lockd\"") != NULL)
				want = true;
		}
		fclose(f);
	}
	cached = want;
	return want;
}

static void helper_of(const struct ocf_ctx *ctx, int which, struct helper *h)
{
	if (which == 0) {
		h->name = "virtlogd";
		h->binary = ocf_str(ctx, P_VIRTLOGD_BINARY);
		h->pidfile = ocf_str(ctx, P_VIRTLOGD_PIDFILE);
		h->config = ocf_str(ctx, P_VIRTLOGD_CONFIG);
	} else {
		h->name = "virtlockd";
		h->binary = ocf_str(ctx, P_VIRTLOCKD_BINARY);
		h->pidfile = ocf_str(ctx, P_VIRTLOCKD_PIDFILE);
		h->config = NULL;
	}
}

static int helpers_count(const struct ocf_ctx *ctx)
{
	return virtlockd_wanted(ctx) ? 2 : 1;
}

static enum ocf_exitcode helper_start(struct ocf_ctx *ctx, const struct helper *h)
{
	char *argv[8];
	char err[256];
	int i = 0, rc;
	pid_t pid;
	enum vg_proc_state st;

	if (vg_daemon_find(h->binary, h->pidfile, &pid, &st) == 0)
		return PCMK_OCF_OK;
	argv[i++] = (char *)h->binary;
	argv[i++] = (char *)"--daemon";
	argv[i++] = (char *)"--pid-file";
	argv[i++] = (char *)h->pidfile;
	if (h->config != NULL && access(h->config, R_OK) == 0) {
		argv[i++] = (char *)"--config";
		argv[i++] = (char *)h->config;
	}
	argv[i] = NULL;
	rc = vg_spawn_daemon(argv, &ctx->deadline, NULL, err, sizeof(err));
	if (rc != 0) {
		ocf_exit_reason(ctx, "%s did not start: %s%s%s", h->name,
				rc == -ETIMEDOUT ? "it did not detach in time" :
				rc == -ENOEXEC ? "it could not be executed" : "it exited with an error",
				err[0] ? ": " : "", err);
		return PCMK_OCF_UNKNOWN_ERROR;
	}
	vg_info("started %s " QB_XS " %s", h->name, h->binary);
	return PCMK_OCF_OK;
}

/* ---- libvirtd state --------------------------------------------------- */

enum daemon_state {
	D_ABSENT,		/* no process, no trace: cleanly stopped */
	D_CRASHED,		/* no process, stale pidfile or socket */
	D_HUNG,			/* process stopped by a signal or traced */
	D_ALIVE,
};

struct daemon {
	enum daemon_state state;
	pid_t pid;		/* live PID, or the stale pidfile's PID (0: none) */
	enum vg_proc_state stale;	/* what became of the stale PID */
};

/* libvirtd removes its pidfile and sockets when it exits cleanly; a crash
 * leaves them behind. */
static bool stale_socket(const struct ocf_ctx *ctx)
{
	struct stat st;

	return lstat(ocf_str(ctx, P_SOCKET), &st) == 0 && S_ISSOCK(st.st_mode);
}

static struct daemon libvirtd_inspect(const struct ocf_ctx *ctx)
{
	struct daemon d = { .state = D_ABSENT };
	enum vg_proc_state st;
	pid_t pid;

	if (vg_daemon_find(ocf_str(ctx, P_BINARY), ocf_str(ctx, P_PIDFILE), &pid, &st) == 0) {
		d.pid = pid;
		d.state = st == VG_PROC_STOPPED ? D_HUNG : D_ALIVE;
		return d;
	}
	if (vg_pidfile_read(ocf_str(ctx, P_PIDFILE), &pid) == 0) {
		d.state = D_CRASHED;
		d.pid = pid;
		d.stale = vg_proc_state(pid);
	} else if (stale_socket(ctx)) {
		d.state = D_CRASHED;
	}
	return d;
}

/* "2 qemu guests still run without libvirtd (vm1, vm2)" */
static size_t guests_describe(char *buf, size_t len)
{
	struct vg_qemu_proc q[16];
	size_t n = vg_qemu_scan(q, 16), off;

	off = (size_t)snprintf(buf, len, "%zu qemu guest%s still running", n, n == 1 ? " is" : "s are");
	for (size_t i = 0; i < n && i < 16 && off < len; i++)
		off += (size_t)snprintf(buf + off, len - off, "%s%s", i == 0 ? " (" : ", ",
					q[i].name[0] != '\0' ? q[i].name : "unnamed");
	if (n > 0 && off < len)
		snprintf(buf + off, len - off, "%s)", n > 16 ? ", ..." : "");
	return n;
}

/* No live libvirtd.  A clean stop removes libvirtd's pidfile (libvirtd does
 * on exit, and our stop removes a stale one), so guests running without
 * libvirtd after a planned stop are "not running", while a pidfile left
 * behind is a crash: that is the failure that must be loud. */
static enum ocf_exitcode report_not_running(struct ocf_ctx *ctx, const struct daemon *d)
{
	char guests[384];
	size_t n = guests_describe(guests, sizeof(guests));

	if (d->state == D_ABSENT) {
		if (n > 0)
			vg_info("libvirtd is stopped; %s", guests);
		return PCMK_OCF_NOT_RUNNING;
	}
	if (n == 0 && ctx->probe) {
		vg_warn("libvirtd left %s behind and no guests run: treating as stopped",
			d->pid > 0 ? ocf_str(ctx, P_PIDFILE) : ocf_str(ctx, P_SOCKET));
		return PCMK_OCF_NOT_RUNNING;
	}
	if (d->pid > 0)
		ocf_exit_reason(ctx, "libvirtd crashed: %s names PID %d, which is %s; %s "
				"without libvirtd", ocf_str(ctx, P_PIDFILE), (int)d->pid,
				d->stale == VG_PROC_ZOMBIE ? "a zombie" :
				d->stale == VG_PROC_GONE ? "gone" : "another program", guests);
	else
		ocf_exit_reason(ctx, "libvirtd crashed: its socket %s is left behind but no "
				"libvirtd runs; %s without libvirtd", ocf_str(ctx, P_SOCKET),
				guests);
	return PCMK_OCF_UNKNOWN_ERROR;
}

/* One API probe at the given depth under min(monitor_timeout, op deadline). */
static enum ocf_exitcode api_check(struct ocf_ctx *ctx, pid_t pid, enum virt_depth depth,
				   struct virt_probe *p, long long *elapsed)
{
	struct vg_deadline d;
	long long limit = ocf_int(ctx, P_MONITOR_TIMEOUT);
	int rc;

	vg_deadline_in_ms(&d, limit);
	d = vg_deadline_min(&d, &ctx->deadline);
	rc = virt_probe_bounded(ocf_str(ctx, P_URI), depth, p, &d, elapsed);
	if (rc == -ETIMEDOUT) {
		ocf_exit_reason(ctx, "libvirtd (PID %d) did not answer %s within %lld ms: "
				"it is hung", (int)pid,
				depth == VIRT_DEPTH_API ? "connect + virConnectGetLibVersion" :
				"the hypervisor driver calls", *elapsed);
		return PCMK_OCF_UNKNOWN_ERROR;
	}
	if (rc == -EIO) {
		ocf_exit_reason(ctx, "libvirtd (PID %d): %s failed on %s: %s", (int)pid,
				virt_stage_call(p->stage), ocf_str(ctx, P_URI), p->error);
		return PCMK_OCF_UNKNOWN_ERROR;
	}
	if (rc != 0) {
		ocf_exit_reason(ctx, "libvirt probe of %s failed: %s", ocf_str(ctx, P_URI),
				strerror(-rc));
		return PCMK_OCF_UNKNOWN_ERROR;
	}
	return PCMK_OCF_OK;
}

static enum ocf_exitcode helpers_check(struct ocf_ctx *ctx)
{
	for (int i = 0; i < helpers_count(ctx); i++) {
		struct helper h;
		pid_t pid;
		enum vg_proc_state st;

		helper_of(ctx, i, &h);
		if (vg_daemon_find(h.binary, h.pidfile, &pid, &st) != 0) {
			ocf_exit_reason(ctx, "%s is not running (guests cannot start "
					"without it)", h.name);
			return PCMK_OCF_UNKNOWN_ERROR;
		}
		if (st == VG_PROC_STOPPED) {
			ocf_exit_reason(ctx, "%s (PID %d) is stopped (SIGSTOP or traced)",
					h.name, (int)pid);
			return PCMK_OCF_UNKNOWN_ERROR;
		}
	}
	return PCMK_OCF_OK;
}

/* Level 20: every qemu on this host must be a domain libvirtd knows. */
static enum ocf_exitcode guests_check(struct ocf_ctx *ctx, const struct virt_probe *p)
{
	struct vg_qemu_proc q[VIRT_MAX_DOMAINS];
	size_t n = vg_qemu_scan(q, VIRT_MAX_DOMAINS);

	for (size_t i = 0; i < n && i < VIRT_MAX_DOMAINS; i++) {
		bool known = false;

		for (int j = 0; j < p->nuuids && !known; j++)
			known = q[i].uuid[0] != '\0' && strcasecmp(q[i].uuid, p->uuid[j]) == 0;
		if (!known) {
			ocf_exit_reason(ctx, "qemu PID %d (guest '%s', uuid %s) runs but "
					"libvirtd does not know it as an active domain: "
					"a lost guest can be started twice",
					(int)q[i].pid, q[i].name[0] ? q[i].name : "?",
					q[i].uuid[0] ? q[i].uuid : "none");
			return PCMK_OCF_UNKNOWN_ERROR;
		}
	}
	return PCMK_OCF_OK;
}

/* The configured threshold, or by default the lower of 2 s and half the
 * API deadline, so a short monitor_timeout alone stays a valid setting. */
static long long slow_threshold(const struct ocf_ctx *ctx)
{
	long long slow = ocf_int(ctx, P_SLOW_THRESHOLD);
	long long half = ocf_int(ctx, P_MONITOR_TIMEOUT) / 2;

	if (!ctx->value[P_SLOW_THRESHOLD].set && slow > half)
		return half;
	return slow;
}

static enum ocf_exitcode monitor_running(struct ocf_ctx *ctx, pid_t pid)
{
	struct virt_probe *p = calloc(1, sizeof(*p));
	enum virt_depth depth = ctx->check_level >= 10 ? VIRT_DEPTH_DRIVER : VIRT_DEPTH_API;
	long long elapsed = 0, slow = slow_threshold(ctx);
	enum ocf_exitcode rc;

	if (p == NULL)
		return PCMK_OCF_UNKNOWN_ERROR;
	rc = api_check(ctx, pid, depth, p, &elapsed);
	if (rc == PCMK_OCF_OK && ctx->check_level >= 10)
		rc = helpers_check(ctx);
	if (rc == PCMK_OCF_OK && ctx->check_level >= 20)
		rc = guests_check(ctx, p);
	if (rc == PCMK_OCF_OK && slow > 0 && elapsed > slow) {
		ocf_exit_reason(ctx, "libvirtd answered in %lld ms, slower than "
				"slow_threshold (%lld ms)", elapsed, slow);
		rc = PCMK_OCF_DEGRADED;
	}
	if (rc == PCMK_OCF_OK)
		vg_debug("libvirtd PID %d answered in %lld ms " QB_XS " %s", (int)pid, elapsed,
			 ocf_str(ctx, P_URI));
	free(p);
	return rc;
}

static enum ocf_exitcode libvirtd_monitor(struct ocf_ctx *ctx)
{
	struct daemon d = libvirtd_inspect(ctx);

	switch (d.state) {
	case D_ABSENT:
	case D_CRASHED:
		return report_not_running(ctx, &d);
	case D_HUNG:
		ocf_exit_reason(ctx, "libvirtd (PID %d) is stopped (SIGSTOP or traced) "
				"and cannot answer", (int)d.pid);
		return PCMK_OCF_UNKNOWN_ERROR;
	case D_ALIVE:
		break;
	}
	return monitor_running(ctx, d.pid);
}

/* ---- start / stop / reload --------------------------------------------- */

/* A planned stop of a live libvirtd is announced to vmguardd (see
 * common/maintenance.h) so it does not fence; a crashed or hung one is a
 * failure, and vmguardd must stay free to fence for it. */
static void announce_stop(struct ocf_ctx *ctx)
{
	const char *path = ocf_str(ctx, P_MAINTENANCE_FILE);
	long long ms = ctx->timeout_ms + 120000;
	char by[128];
	int rc;

	if (path == NULL || *path == '\0')
		return;
	if (ms > 600000)
		ms = 600000;
	snprintf(by, sizeof(by), "ocf:vmguard:libvirtd stop (%s)", ctx->instance);
	rc = vg_maint_write(path, ms, "libvirtd stopped by its resource agent", by);
	if (rc != 0)
		vg_warn("could not announce the stop to vmguardd in %s: %s; vmguardd "
			"may fence this host if libvirtd stays down past its grace",
			path, strerror(-rc));
}

static void clear_announcement(struct ocf_ctx *ctx)
{
	const char *path = ocf_str(ctx, P_MAINTENANCE_FILE);

	if (path != NULL && *path != '\0' && vg_maint_clear(path) != 0)
		vg_warn("could not remove the planned-stop announcement %s", path);
}

static int split_options(char *buf, char **argv, int max)
{
	int n = 0;

	for (char *tok = strtok(buf, " \t"); tok != NULL && n < max; tok = strtok(NULL, " \t"))
		argv[n++] = tok;
	return n;
}

static enum ocf_exitcode wait_answering(struct ocf_ctx *ctx)
{
	struct virt_probe *p = calloc(1, sizeof(*p));
	enum ocf_exitcode rc = PCMK_OCF_UNKNOWN_ERROR;
	long long elapsed;

	if (p == NULL)
		return rc;
	while (!vg_deadline_expired(&ctx->deadline)) {
		struct daemon d = libvirtd_inspect(ctx);

		if (d.state == D_ALIVE &&
		    virt_probe_bounded(ocf_str(ctx, P_URI), VIRT_DEPTH_API, p,
				       &ctx->deadline, &elapsed) == 0) {
			rc = PCMK_OCF_OK;
			break;
		}
		if (d.state == D_CRASHED) {
			ocf_exit_reason(ctx, "libvirtd exited during start (PID %d); "
					"check its log and %s", (int)d.pid, ocf_str(ctx, P_CONFIG));
			goto out;
		}
		vg_deadline_sleep_ms(&ctx->deadline, 100);
	}
	if (rc != PCMK_OCF_OK)
		ocf_exit_reason(ctx, "libvirtd did not answer on %s within the start "
				"timeout (%lld ms)%s%s", ocf_str(ctx, P_URI), ctx->timeout_ms,
				p->error[0] ? ": " : "", p->error);
out:
	free(p);
	return rc;
}

static enum ocf_exitcode libvirtd_start(struct ocf_ctx *ctx)
{
	struct daemon d = libvirtd_inspect(ctx);
	char opts[1024];
	char err[256];
	char *argv[40];
	int argc = 0, rc;

	if (d.state == D_HUNG) {
		ocf_exit_reason(ctx, "libvirtd (PID %d) is already running but stopped; "
				"it must be stopped before it can be started", (int)d.pid);
		return PCMK_OCF_UNKNOWN_ERROR;
	}
	for (int i = 0; i < helpers_count(ctx); i++) {
		struct helper h;

		helper_of(ctx, i, &h);
		if (helper_start(ctx, &h) != PCMK_OCF_OK)
			return PCMK_OCF_UNKNOWN_ERROR;
	}
	if (d.state == D_ALIVE) {
		vg_info("libvirtd is already running (PID %d)", (int)d.pid);
		rc = wait_answering(ctx);
		if (rc == PCMK_OCF_OK)
			clear_announcement(ctx);
		return rc;
	}

	snprintf(opts, sizeof(opts), "%s", ocf_str(ctx, P_OPTIONS));
	argv[argc++] = (char *)ocf_str(ctx, P_BINARY);
	argv[argc++] = (char *)"--daemon";
	argv[argc++] = (char *)"--pid-file";
	argv[argc++] = (char *)ocf_str(ctx, P_PIDFILE);
	argv[argc++] = (char *)"--config";
	argv[argc++] = (char *)ocf_str(ctx, P_CONFIG);
	argc += split_options(opts, argv + argc, 32);
	argv[argc] = NULL;

	rc = vg_spawn_daemon(argv, &ctx->deadline, NULL, err, sizeof(err));
	if (rc == -ETIMEDOUT) {
		ocf_exit_reason(ctx, "libvirtd did not detach within the start timeout "
				"(%lld ms)", ctx->timeout_ms);
		return PCMK_OCF_UNKNOWN_ERROR;
	}
	if (rc != 0) {
		ocf_exit_reason(ctx, "libvirtd failed to start (%s)%s%s; check %s and "
				"libvirtd's log", rc == -ENOEXEC ? "could not execute" :
				"exited with an error", err[0] ? ": " : "", err,
				ocf_str(ctx, P_CONFIG));
		return PCMK_OCF_UNKNOWN_ERROR;
	}
	rc = wait_answering(ctx);
	if (rc == PCMK_OCF_OK) {
		vg_info("libvirtd started and answers on %s", ocf_str(ctx, P_URI));
		clear_announcement(ctx);
	}
	return rc;
}

static long long stop_grace(const struct ocf_ctx *ctx)
{
	/* Leave a third of what remains (at least 1 s) for SIGKILL. */
	long long left = vg_deadline_remaining_ms(&ctx->deadline);
	long long grace = ocf_int(ctx, P_STOP_GRACE);
	long long cap = left - (left / 3 > 1000 ? left / 3 : 1000);

	return grace < cap ? grace : (cap > 0 ? cap : 0);
}

static enum ocf_exitcode helpers_stop(struct ocf_ctx *ctx)
{
	struct vg_qemu_proc q[1];

	/* virtlogd holds the running guests' console pipes: stopping it would
	 * lose their logs.  It goes only when no guest is left. */
	if (vg_qemu_scan(q, 1) > 0) {
		vg_info("leaving virtlogd/virtlockd running: guests still run");
		return PCMK_OCF_OK;
	}
	for (int i = 0; i < 2; i++) {
		struct helper h;
		pid_t pid;
		enum vg_proc_state st;

		helper_of(ctx, i, &h);
		if (vg_daemon_find(h.binary, h.pidfile, &pid, &st) != 0)
			continue;
		if (vg_proc_terminate(pid, stop_grace(ctx), &ctx->deadline) != 0) {
			ocf_exit_reason(ctx, "%s (PID %d) did not exit", h.name, (int)pid);
			return PCMK_OCF_UNKNOWN_ERROR;
		}
		vg_info("stopped %s (PID %d)", h.name, (int)pid);
	}
	return PCMK_OCF_OK;
}

static enum ocf_exitcode libvirtd_stop(struct ocf_ctx *ctx)
{
	struct daemon d = libvirtd_inspect(ctx);

	if (d.state == D_ALIVE)
		announce_stop(ctx);
	if (d.state == D_ALIVE || d.state == D_HUNG) {
		if (vg_proc_terminate(d.pid, stop_grace(ctx), &ctx->deadline) != 0) {
			ocf_exit_reason(ctx, "libvirtd (PID %d) did not exit after SIGTERM "
					"and SIGKILL within %lld ms", (int)d.pid, ctx->timeout_ms);
			return PCMK_OCF_UNKNOWN_ERROR;
		}
		vg_info("stopped libvirtd (PID %d); running guests were left alone", (int)d.pid);
	}
	/* A crash leaves its pidfile and socket behind; once we know no
	 * libvirtd runs, they would only make the next monitor report the old
	 * crash again. */
	d = libvirtd_inspect(ctx);
	if (d.state == D_CRASHED) {
		if (unlink(ocf_str(ctx, P_PIDFILE)) == 0)
			vg_info("removed stale pidfile %s", ocf_str(ctx, P_PIDFILE));
		if (stale_socket(ctx) && unlink(ocf_str(ctx, P_SOCKET)) == 0)
			vg_info("removed stale socket %s", ocf_str(ctx, P_SOCKET));
	}
	return helpers_stop(ctx);
}

static enum ocf_exitcode libvirtd_reload(struct ocf_ctx *ctx)
{
	struct daemon d = libvirtd_inspect(ctx);

	if (d.state != D_ALIVE)
		return PCMK_OCF_OK;	/* parameters apply at the next monitor */
	/* libvirtd re-reads its drivers' configuration on SIGHUP. */
	if (kill(d.pid, SIGHUP) != 0) {
		ocf_exit_reason(ctx, "could not signal libvirtd (PID %d): %s", (int)d.pid,
				strerror(errno));
		return PCMK_OCF_UNKNOWN_ERROR;
	}
	return PCMK_OCF_OK;
}

/* ---- validation -------------------------------------------------------- */

static bool is_stop(const struct ocf_ctx *ctx)
{
	return strcmp(ctx->action->name, "stop") == 0;
}

static enum ocf_exitcode libvirtd_validate(struct ocf_ctx *ctx)
{
	const char *mode = ocf_str(ctx, P_VIRTLOCKD);
	long long slow = slow_threshold(ctx);

	if (strcmp(mode, "auto") != 0 && strcmp(mode, "yes") != 0 && strcmp(mode, "no") != 0) {
		ocf_exit_reason(ctx, "parameter 'virtlockd' must be auto, yes or no, not '%s'", mode);
		return PCMK_OCF_NOT_CONFIGURED;
	}
	if (slow >= ocf_int(ctx, P_MONITOR_TIMEOUT)) {
		ocf_exit_reason(ctx, "slow_threshold (%lld ms) must be lower than "
				"monitor_timeout (%lld ms)", slow, ocf_int(ctx, P_MONITOR_TIMEOUT));
		return PCMK_OCF_NOT_CONFIGURED;
	}
	if (ocf_str(ctx, P_URI)[0] == '\0') {
		ocf_exit_reason(ctx, "parameter 'uri' must not be empty");
		return PCMK_OCF_NOT_CONFIGURED;
	}
	/* Stop must work (and succeed) on a node where libvirt is gone. */
	if (is_stop(ctx))
		return PCMK_OCF_OK;
	if (access(ocf_str(ctx, P_BINARY), X_OK) != 0) {
		ocf_exit_reason(ctx, "libvirtd binary %s is not installed or not "
				"executable", ocf_str(ctx, P_BINARY));
		return PCMK_OCF_NOT_INSTALLED;
	}
	if (access(ocf_str(ctx, P_VIRTLOGD_BINARY), X_OK) != 0) {
		ocf_exit_reason(ctx, "virtlogd binary %s is not installed or not "
				"executable", ocf_str(ctx, P_VIRTLOGD_BINARY));
		return PCMK_OCF_NOT_INSTALLED;
	}
	if (virtlockd_wanted(ctx) && access(ocf_str(ctx, P_VIRTLOCKD_BINARY), X_OK) != 0) {
		ocf_exit_reason(ctx, "a lock manager is configured but virtlockd (%s) "
				"is not installed", ocf_str(ctx, P_VIRTLOCKD_BINARY));
		return PCMK_OCF_NOT_INSTALLED;
	}
	if (access(ocf_str(ctx, P_CONFIG), R_OK) != 0) {
		ocf_exit_reason(ctx, "libvirtd configuration %s is not readable: %s",
				ocf_str(ctx, P_CONFIG), strerror(errno));
		return ctx->probe ? PCMK_OCF_NOT_INSTALLED : PCMK_OCF_NOT_CONFIGURED;
	}
	if (strcmp(ctx->action->name, "start") == 0 && geteuid() != 0) {
		ocf_exit_reason(ctx, "starting the system libvirtd needs root");
		return PCMK_OCF_INSUFFICIENT_PRIV;
	}
	return PCMK_OCF_OK;
}

static const struct ocf_action actions[] = {
	{ "start", libvirtd_start, 90, 0, -1, 0 },
	{ "stop", libvirtd_stop, 90, 0, -1, 0 },
	{ "monitor", libvirtd_monitor, 30, 10, 0, 0 },
	{ "monitor", libvirtd_monitor, 30, 60, 10, 0 },
	{ "reload", libvirtd_reload, 30, 0, -1, 0 },
	{ "validate-all", NULL, 30, 0, -1, 0 },
	{ "meta-data", NULL, 5, 0, -1, OCF_A_NO_VALIDATE },
	{ NULL, NULL, 0, 0, 0, 0 },
};

static const struct ocf_agent agent = {
	.name = "libvirtd",
	.version = PACKAGE_VERSION,
	.shortdesc = "libvirtd, watched through the libvirt API",
	.longdesc =
		"Manages libvirtd and the helper daemons qemu guests need (virtlogd; "
		"virtlockd when a lock manager is configured), usually as a clone on "
		"every hypervisor. The monitor is a real libvirt API round trip with "
		"its own deadline: a crashed libvirtd is reported with the number of "
		"guests still running without it, and a hung one fails before the "
		"monitor's timeout. OCF_CHECK_LEVEL=10 also checks the hypervisor "
		"driver (version, capabilities, domain list) and virtlogd; level 20 "
		"also checks that every qemu process on the host is a domain libvirtd "
		"knows. Stopping libvirtd never stops running guests.",
	.params = params,
	.actions = actions,
	.validate = libvirtd_validate,
};

int main(int argc, char **argv)
{
	return ocf_main(&agent, argc, argv);
}
