/* vmguard -- the administrator's tool for the vmguard fencing path.
 *
 *   vmguard status                     what vmguardd is doing, from its status file
 *   vmguard maintenance on [DURATION] [REASON...]
 *                                      announce a planned libvirtd stop
 *   vmguard maintenance off            withdraw it
 *   vmguard maintenance                show it
 *   vmguard selftest             prove every fence device would work (fence/selftest.c)
 *   vmguard fence-host           OpenNebula's host-failure hook (fence/fencehost.c)
 *
 * status exit codes (LSB status style): 0 vmguardd runs and guards a
 * libvirtd that answers; 1 it runs but libvirtd is lost, a fence is pending,
 * the host is self-fencing, or it is still waiting for libvirtd while guests
 * run; 3 vmguardd is not running; 4 its status cannot be read (stale or
 * malformed).
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "commands.h"
#include "selftest.h"
#include "conf.h"
#include "deadline.h"
#include "maintenance.h"
#include "proc.h"
#include "statusfile.h"
#include "timing.h"

enum {
	EXIT_OK = 0,
	EXIT_ALARM = 1,		/* status: running, not healthy; other commands: failed */
	EXIT_USAGE = 2,
	EXIT_NOT_RUNNING = 3,	/* status: vmguardd is not running */
	EXIT_UNKNOWN = 4,
	EXIT_CONFIG = 6,
};

/* A value of the status file, "?" when absent. */
static const char *st_str(const struct vg_status *s, const char *key)
{
	const char *v = vg_status_get(s, key);

	return v != NULL ? v : "?";
}

/* A millisecond value of the status file, -1 when absent. */
static long long st_ms(const struct vg_status *s, const char *key)
{
	const char *v = vg_status_get(s, key);

	return v != NULL ? strtoll(v, NULL, 10) : -1;
}

static void ago(char *buf, size_t len, long long then_ms, long long now)
{
	char t[32];

	if (then_ms <= 0) {
		snprintf(buf, len, "never");
		return;
	}
	vg_timing_fmt(now - then_ms, t, sizeof(t));
	snprintf(buf, len, "%s ago", t);
}


static int cmd_status(const struct vg_conf *c)
{
	struct vg_status s;
	long long now = vg_now_ms(), updated;
	const char *state, *pidv, *reason, *fence_rc;
	char a[64], b[64];
	pid_t pid;
	bool waiting_alarm;
	int rc = vg_status_read(c->status_file, &s);
	enum vg_proc_state ps;

	if (rc == -ENOENT) {
		printf("vmguardd is not running (no %s)\n", c->status_file);
		return EXIT_NOT_RUNNING;
	}
	if (rc != 0) {
		printf("cannot read %s: %s\n", c->status_file, strerror(-rc));
		return EXIT_UNKNOWN;
	}
	state = vg_status_get(&s, "state");
	pidv = vg_status_get(&s, "pid");
	if (state == NULL || pidv == NULL) {
		printf("%s is malformed\n", c->status_file);
		return EXIT_UNKNOWN;
	}
	pid = (pid_t)atoi(pidv);
	ps = vg_proc_state(pid);
	if (ps == VG_PROC_GONE || ps == VG_PROC_ZOMBIE || !vg_proc_comm_is(pid, "vmguardd")) {
		/* The status file outlived its daemon (crash or SIGKILL). */
		printf("vmguardd is not running (PID %d from %s is gone; its last state "
		       "was %s)\n", (int)pid, c->status_file, state);
		return EXIT_NOT_RUNNING;
	}
	updated = st_ms(&s, "updated_ms");
	/* The daemon rewrites the file at least every 5 s. */
	if (updated < 0 || now - updated > 15000) {
		ago(a, sizeof(a), updated, now);
		printf("vmguardd (PID %d) has not updated its status since %s: hung? "
		       "(last state %s)\n", (int)pid, a, state);
		return EXIT_UNKNOWN;
	}
	ago(a, sizeof(a), st_ms(&s, "state_since_ms"), now);
	reason = vg_status_get(&s, "reason");
	printf("vmguardd     running, PID %d\n", (int)pid);
	printf("state        %s since %s%s%s%s\n", state, a, reason ? " (" : "",
	       reason ? reason : "", reason ? ")" : "");
	printf("node         %s (nodeid %s)\n", st_str(&s, "node"), st_str(&s, "nodeid"));
	printf("libvirtd     %s\n", st_str(&s, "uri"));
	if (st_ms(&s, "lost_at_ms") > 0) {
		ago(a, sizeof(a), st_ms(&s, "lost_at_ms"), now);
		printf("last loss    %s\n", a);
	}
	if (strcmp(state, "lost") == 0 && st_ms(&s, "grace_end_ms") > 0) {
		vg_timing_fmt(st_ms(&s, "grace_end_ms") - now, b, sizeof(b));
		printf("grace ends   in %s (then this host is fenced)\n", b);
	}
	if (st_ms(&s, "maintenance_until_ms") > 0) {
		vg_timing_fmt(st_ms(&s, "maintenance_until_ms") - now, b, sizeof(b));
		printf("maintenance  planned stop, %s left\n", b);
	}
	printf("quorum       %s\n", st_str(&s, "quorum"));
	if (vg_status_get(&s, "guests") != NULL)
		printf("guests       %s\n", st_str(&s, "guests"));
	waiting_alarm = vg_status_waiting_with_guests(&s, now);
	if (waiting_alarm)
		printf("ALARM        libvirtd does not answer vmguardd while guests run: "
		       "this host is fenced when the grace window ends\n");
	ago(a, sizeof(a), st_ms(&s, "last_pet_ms"), now);
	vg_timing_fmt(st_ms(&s, "watchdog_timeout_ms"), b, sizeof(b));
	if (strcmp(st_str(&s, "watchdog"), "disabled") == 0)
		printf("watchdog     DISABLED: no self-fence if the fencer fails\n");
	else
		printf("watchdog     %s %s, timeout %s, last fed %s\n", st_str(&s, "watchdog"),
		       st_str(&s, "watchdog_device"), b, a);
	fence_rc = vg_status_get(&s, "fence_rc");
	if (fence_rc != NULL) {
		ago(a, sizeof(a), st_ms(&s, "fence_requested_ms"), now);
		printf("fence        requested %s, result: %s\n", a,
		       strcmp(fence_rc, "0") == 0 ? "confirmed" : fence_rc);
	}
	vg_timing_fmt(st_ms(&s, "self_fence_deadline_ms"), a, sizeof(a));
	vg_timing_fmt(st_ms(&s, "frontend_recovery_ms"), b, sizeof(b));
	printf("timing       self-fence deadline %s < frontend recovery %s\n", a, b);
	if (waiting_alarm)
		return EXIT_ALARM;
	return strcmp(state, "up") == 0 || strcmp(state, "waiting") == 0 ||
	       strcmp(state, "maintenance") == 0 ? EXIT_OK : EXIT_ALARM;
}

static int cmd_maintenance(const struct vg_conf *c, int argc, char **argv)
{
	struct vg_maint m;
	char why[512], reason[128] = "", by[128], d[32];
	long long ms = 0;
	size_t off = 0;
	int rc;

	if (argc == 0) {
		rc = vg_maint_check(c->maintenance_file, c->maintenance_max_ms, &m, why, sizeof(why));
		if (rc == -ENOENT) {
			printf("no planned libvirtd stop announced\n");
			return EXIT_OK;
		}
		if (rc != 0) {
			printf("announcement present but NOT valid: %s\n", why);
			return EXIT_ALARM;
		}
		vg_timing_fmt(m.expires_ms - vg_now_ms(), d, sizeof(d));
		printf("planned libvirtd stop announced, %s left: %s (%s)\n", d, m.reason, m.by);
		return EXIT_OK;
	}
	if (strcmp(argv[0], "off") == 0) {
		rc = vg_maint_clear(c->maintenance_file);
		if (rc != 0) {
			fprintf(stderr, "vmguard: cannot remove %s: %s\n", c->maintenance_file,
				strerror(-rc));
			return EXIT_ALARM;
		}
		printf("planned stop withdrawn: losing libvirtd fences this host again\n");
		return EXIT_OK;
	}
	if (strcmp(argv[0], "on") != 0)
		return EXIT_USAGE;
	argc--;
	argv++;
	ms = c->maintenance_max_ms < 300000 ? c->maintenance_max_ms : 300000;
	if (argc > 0 && vg_conf_parse_duration(argv[0], &ms) == 0) {
		argc--;
		argv++;
	}
	if (ms <= 0 || ms > c->maintenance_max_ms) {
		vg_timing_fmt(c->maintenance_max_ms, d, sizeof(d));
		fprintf(stderr, "vmguard: the planned stop must last more than 0 and at most "
			"maintenance_max (%s)\n", d);
		return EXIT_USAGE;
	}
	for (int i = 0; i < argc && off < sizeof(reason) - 1; i++)
		off += (size_t)snprintf(reason + off, sizeof(reason) - off, "%s%s",
					i ? " " : "", argv[i]);
	snprintf(by, sizeof(by), "vmguard maintenance on (uid %u, pid %d)",
		 (unsigned)getuid(), (int)getpid());
	rc = vg_maint_write(c->maintenance_file, ms, reason[0] ? reason : "planned stop", by);
	if (rc != 0) {
		fprintf(stderr, "vmguard: cannot write %s: %s\n", c->maintenance_file,
			strerror(-rc));
		return EXIT_ALARM;
	}
	vg_timing_fmt(ms, d, sizeof(d));
	printf("planned libvirtd stop announced for %s: vmguardd will not fence this "
	       "host for losing libvirtd until then\n", d);
	return EXIT_OK;
}

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: vmguard [-c CONFIG] COMMAND    (vmguard --version, --help)\n"
		"  status                           vmguardd's state (exit 0 ok, 1 alarm, 3 not running)\n"
		"  maintenance on [DURATION] [REASON]  announce a planned libvirtd stop (default 5min)\n"
		"  maintenance off                  withdraw the announcement\n"
		"  maintenance                      show it\n"
		"  fence-host [--timeout S] [--map ONE=NODE]  OpenNebula's host-failure hook:\n"
		"                                   fence the host on stdin, exit 0 once confirmed\n"
		"  selftest [--nagios|--json] ...   prove every fence device would work (see vmguard-selftest(8))\n"
		"CONFIG defaults to %s.\n", VG_CONF_DEFAULT_PATH);
}

int main(int argc, char **argv)
{
	const char *base = strrchr(argv[0], '/');
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	const char *path = VG_CONF_DEFAULT_PATH;
	struct vg_conf c;
	char err[512];
	int o, rc;

	/* Linked as OpenNebula's ft/fence_host.sh, which host_error.rb runs
	 * with no arguments. */
	base = base != NULL ? base + 1 : argv[0];
	if (strcmp(base, "fence_host.sh") == 0)
		return vmguard_fence_host_main(argc, argv);

	while ((o = getopt_long(argc, argv, "+c:hV", opts, NULL)) != -1) {
		switch (o) {
		case 'V': printf("vmguard %s\n", PACKAGE_VERSION); return EXIT_OK;
		case 'c': path = optarg; break;
		case 'h': usage(stdout); return EXIT_OK;
		default: usage(stderr); return EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return EXIT_USAGE;
	}
	/* selftest reads the configuration itself and reports a broken one as
	 * one of its findings, in the format asked for. */
	if (strcmp(argv[optind], "selftest") == 0)
		return vmguard_selftest_main(argc - optind, argv + optind);
	vg_conf_defaults(&c);
	/* A missing file means the defaults, as for vmguardd; a broken one is an error. */
	rc = vg_conf_load(path, &c, err, sizeof(err));
	if (rc != 0 && rc != -ENOENT) {
		fprintf(stderr, "vmguard: %s\n", err);
		return EXIT_CONFIG;
	}
	if (strcmp(argv[optind], "status") == 0)
		return cmd_status(&c);
	if (strcmp(argv[optind], "maintenance") == 0) {
		rc = cmd_maintenance(&c, argc - optind - 1, argv + optind + 1);
		if (rc == EXIT_USAGE)
			usage(stderr);
		return rc;
	}
	if (strcmp(argv[optind], "fence-host") == 0)
		return vmguard_fence_host_main(argc - optind, argv + optind);
	usage(stderr);
	return EXIT_USAGE;
}
