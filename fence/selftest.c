/* vmguard selftest -- prove, from cron, that every fence device would work
 * today, short of pulling the plug.
 *
 * A distribution update once shipped a STONITH agent with a shell syntax
 * error, and nobody knew until a host had to be fenced and could not be.
 * This command exercises every fencing path of the cluster without fencing
 * anything, and says loudly what would fail.
 *
 * What it reads: the CIB (libcib: stonith primitives, nodes, fencing
 * topology, stonith-enabled/-timeout) and this node's fencer (libstonithd:
 * registered devices; monitor, list and status run by the fencer with the
 * device's real parameters).  No CLI output is parsed.
 *
 * The checks, one table (checks[] below), per device in this order:
 *
 *   agent       the agent file exists and is executable (Pacemaker's own
 *               fence_watchdog and fence_legacy are files in /usr/sbin too)
 *   parse       a script agent parses with the interpreter its #! line
 *               names (sh -n, bash -n, python compile(), perl -c): the
 *               incident's failure
 *   metadata    meta-data runs and is XML with <resource-agent> listing
 *               its actions, off or reboot among them
 *   validate    validate-all with the device's configured parameters
 *   registered  this node's fencer has the device
 *   session     fence_vmguard with backend ipmi only: an IPMI session to
 *               the BMC with the device's credentials, and the privilege
 *               the BMC grants it is enough for chassis control
 *   monitor     the device's monitor, run by the fencer, within the
 *               device's monitor timeout
 *   targets     which nodes the device fences: pcmk_host_list/_map, or
 *               the agent's list run by the fencer (dynamic-list)
 *   status      each target answers status through the fencer, and a
 *               node that is an online cluster member reads "on"
 *
 * then per cluster node: at least one device that passed everything fences
 * it (with a fencing topology: every device of one level); and on this
 * node: vmguardd runs, its watchdog is armed, and the timing rule holds
 * with the cluster's stonith-timeout.
 *
 * Parallel, bounded: one worker process per device (its own process
 * group).  Before each check the worker tells the parent the check's
 * deadline; the parent kills a worker whose current check overruns it,
 * reports that check as hung and the device's remaining checks as not
 * run.  One hung device (a SIGSTOPped BMC, an agent that sleeps forever)
 * never delays the report beyond its own check deadline.
 *
 * Output: a human summary (default), --nagios (plugin output, perfdata,
 * exit 0/1/2/3) or --json; always syslog (libqb) and the transient node
 * attribute "vmguard-selftest" (ok|warning|critical|unknown).  The exit
 * status is the Nagios code in every format.  Nothing here ever powers
 * anything off: the only fencer actions used are monitor, list and status.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include <freeipmi/freeipmi.h>
#include <libxml/parser.h>
#include <libxml/tree.h>

#include "cib.h"
#include "conf.h"
#include "deadline.h"
#include "fencer_query.h"
#include "guard.h"
#include "ipmi.h"
#include "log.h"
#include "proc.h"
#include "selftest.h"
#include "statusfile.h"
#include "timing.h"

/* Where Pacemaker runs RHCS-style fence agents from (its compile-time
 * PCMK__FENCE_BINDIR; /usr/sbin on Debian and every other distribution). */
#ifndef VG_FENCE_AGENT_DIR
#define VG_FENCE_AGENT_DIR "/usr/sbin"
#endif
#define VG_ATTRD_UPDATER "/usr/sbin/attrd_updater"
#define VG_ATTRIBUTE "vmguard-selftest"

/* Exit codes: Nagios's, in every output format. */
enum verdict {
	V_OK = 0,
	V_WARNING = 1,
	V_CRITICAL = 2,
	V_UNKNOWN = 3,
	V_SKIPPED = 4,	/* a check not run (shown, never worse than OK) */
};

static const char *verdict_name(int v)
{
	static const char *const names[] = { "OK", "WARNING", "CRITICAL", "UNKNOWN", "SKIPPED" };

	return v >= 0 && v <= V_SKIPPED ? names[v] : "UNKNOWN";
}

/* Severity order for "the worst of": OK = SKIPPED < WARNING < UNKNOWN < CRITICAL. */
static int severity(int v)
{
	static const int rank[] = { 0, 1, 3, 2, 0 };

	return v >= 0 && v <= V_SKIPPED ? rank[v] : 2;
}

static int worst(int a, int b)
{
	if (a == V_SKIPPED)
		a = V_OK;
	if (b == V_SKIPPED)
		b = V_OK;
	return severity(b) > severity(a) ? b : a;
}

/* ---- the checks ------------------------------------------------------------ */

enum check_id {
	CK_AGENT, CK_PARSE, CK_METADATA, CK_VALIDATE, CK_REGISTERED, CK_SESSION,
	CK_MONITOR, CK_TARGETS, CK_STATUS, CK_N,
	/* not per device */
	CK_COVERAGE = CK_N, CK_VMGUARDD, CK_WATCHDOG, CK_TIMING, CK_CLUSTER,
	CK_ALL
};

struct run;
struct device;
typedef void (*check_fn)(struct run *r, struct device *dev);

static void ck_agent(struct run *r, struct device *dev);
static void ck_parse(struct run *r, struct device *dev);
static void ck_metadata(struct run *r, struct device *dev);
static void ck_validate(struct run *r, struct device *dev);
static void ck_registered(struct run *r, struct device *dev);
static void ck_session(struct run *r, struct device *dev);
static void ck_monitor(struct run *r, struct device *dev);
static void ck_targets(struct run *r, struct device *dev);

static const struct check_info {
	const char *name;
	check_fn fn;		/* NULL: run by another check (status per target) */
	bool device_wide;	/* a failure here means the device fences nothing */
} checks[CK_ALL] = {
	[CK_AGENT] = { "agent", ck_agent, true },
	[CK_PARSE] = { "parse", ck_parse, true },
	[CK_METADATA] = { "metadata", ck_metadata, true },
	[CK_VALIDATE] = { "validate", ck_validate, true },
	[CK_REGISTERED] = { "registered", ck_registered, true },
	[CK_SESSION] = { "session", ck_session, true },
	[CK_MONITOR] = { "monitor", ck_monitor, true },
	[CK_TARGETS] = { "targets", ck_targets, true },
	[CK_STATUS] = { "status", NULL, false },
	[CK_COVERAGE] = { "coverage", NULL, false },
	[CK_VMGUARDD] = { "vmguardd", NULL, false },
	[CK_WATCHDOG] = { "watchdog", NULL, false },
	[CK_TIMING] = { "timing", NULL, false },
	[CK_CLUSTER] = { "cluster", NULL, false },
};

/* One result line.  Sent from a worker to the parent as one write() of
 * less than PIPE_BUF bytes, so it arrives whole or not at all. */
enum msg_kind { MSG_START = 1, MSG_RESULT, MSG_TARGET };

#define TEXT_MAX 1024
#define FIX_MAX 512
#define NAME_MAX_ 128

struct result {
	int32_t kind;
	int32_t check;
	int32_t verdict;
	int32_t power;			/* status: 1 on, 0 off, -1 not known */
	long long ms;			/* how long the check took */
	long long deadline_ms;		/* MSG_START: on vg_now_ms()'s clock */
	char target[NAME_MAX_];
	char text[TEXT_MAX];		/* what was found */
	char fix[FIX_MAX];		/* what to do (failures) */
};

_Static_assert(sizeof(struct result) < PIPE_BUF, "a result must be written atomically");

#define MAX_TARGETS 64

struct device {
	const struct vg_cib_device *cib;
	/* worker side */
	bool has_list, has_status, has_monitor;
	bool registered;
	bool monitor_ok;
	bool monitor_timed_out;	/* status would hang the same way: not asked */
	int ntargets;
	char targets[MAX_TARGETS][NAME_MAX_];
	/* parent side */
	pid_t pid;
	int fd;
	bool running, done;
	int cur_check;
	char cur_target[NAME_MAX_];
	long long cur_deadline;
	long long started_ms, ms;
	struct result *res;
	size_t nres;
	int verdict;
};

struct opts {
	enum { OUT_HUMAN, OUT_NAGIOS, OUT_JSON } format;
	long long check_timeout_ms;	/* cap of each check */
	long long cib_timeout_ms;
	int jobs;
	bool attribute;
	bool quiet;
	int verbose;
	const char *config;
};

struct run {
	struct opts o;
	struct vg_cib cib;
	bool cib_ok;
	char cib_err[256];
	char node[256];
	int online_nodes;
	struct device *devs;
	size_t ndevs;
	struct result *local;		/* coverage, vmguardd, watchdog, timing, cluster */
	size_t nlocal;
	long long t0;
	/* worker side */
	void (*worker)(struct run *r, struct device *dev);	/* worker_main() */
	int out_fd;
	struct vg_fq *fq;
};

/* ---- small helpers --------------------------------------------------------- */

static void set_text(char *dst, size_t len, const char *fmt, va_list ap)
	__attribute__((format(printf, 3, 0)));
static void set_text(char *dst, size_t len, const char *fmt, va_list ap)
{
	char raw[TEXT_MAX * 2];

	vsnprintf(raw, sizeof(raw), fmt, ap);
	/* Masked at the source: a password in an agent's error text never
	 * reaches a pipe, a report or syslog. */
	vg_log_mask(raw, dst, len);
	for (char *p = dst; *p != '\0'; p++)
		if (*p == '\n' || *p == '\r' || *p == '\t')
			*p = ' ';
}

/* The first non-empty line of s, trimmed, into out. */
static void first_line_of(const char *s, char *out, size_t len)
{
	size_t n;

	out[0] = '\0';
	if (s == NULL)
		return;
	while (*s == '\n' || *s == '\r' || *s == ' ')
		s++;
	n = strcspn(s, "\r\n");
	snprintf(out, len, "%.*s", (int)(n < len ? n : len - 1), s);
}

static long long clamp_ms(long long v, long long lo, long long hi)
{
	return v < lo ? lo : v > hi ? hi : v;
}

/* Seconds for the fencer API, rounded up, at least 1. */
static int to_s(long long ms)
{
	long long s = (ms + 999) / 1000;

	return (int)clamp_ms(s, 1, 3600);
}

static bool str_in(const char *s, const char *const *set)
{
	for (; *set != NULL; set++)
		if (strcmp(s, *set) == 0)
			return true;
	return false;
}

/* ---- worker: reporting ------------------------------------------------------ */

static void w_send(struct run *r, const struct result *m)
{
	ssize_t n;

	do
		n = write(r->out_fd, m, sizeof(*m));
	while (n < 0 && errno == EINTR);
}

static void w_start(struct run *r, int check, const char *target, long long budget_ms)
{
	struct result m = { .kind = MSG_START, .check = check, .power = -1 };

	/* The parent allows the check its budget plus a little for IPC and
	 * process start; past that the worker counts as hung. */
	m.deadline_ms = vg_now_ms() + budget_ms + 2000;
	snprintf(m.target, sizeof(m.target), "%s", target != NULL ? target : "");
	w_send(r, &m);
}

static void w_result(struct run *r, int check, const char *target, int verdict, int power,
		     long long ms, const char *fix, const char *fmt, ...)
	__attribute__((format(printf, 8, 9)));
static void w_result(struct run *r, int check, const char *target, int verdict, int power,
		     long long ms, const char *fix, const char *fmt, ...)
{
	struct result m = { .kind = MSG_RESULT, .check = check, .verdict = verdict,
			    .power = power, .ms = ms };
	va_list ap;

	snprintf(m.target, sizeof(m.target), "%s", target != NULL ? target : "");
	va_start(ap, fmt);
	set_text(m.text, sizeof(m.text), fmt, ap);
	va_end(ap);
	vg_log_mask(fix != NULL ? fix : "", m.fix, sizeof(m.fix));
	w_send(r, &m);
}

static void w_target(struct run *r, const char *target)
{
	struct result m = { .kind = MSG_TARGET, .check = CK_TARGETS, .power = -1 };

	snprintf(m.target, sizeof(m.target), "%s", target);
	w_send(r, &m);
}

/* ---- worker: running a program (the parse check only) ---------------------- */

/* Run argv with stdin from /dev/null, stdout and stderr captured (first
 * outlen-1 bytes), killed at the deadline.  0 and *status, -ETIMEDOUT,
 * -ENOEXEC (could not exec, or exit 127 without a word), or another
 * negative errno. */
static int run_capture(char *const argv[], long long budget_ms, int *status, char *out,
		       size_t outlen)
{
	struct vg_deadline d;
	int rc;

	vg_deadline_in_ms(&d, budget_ms);
	rc = vg_proc_capture(argv[0], argv, VG_CAPTURE_STDERR, out, outlen, NULL, &d, status);
	if (rc == 0 && WIFEXITED(*status) && WEXITSTATUS(*status) == 127 && out[0] == '\0')
		rc = -ENOEXEC;
	return rc;
}

/* ---- per-device checks (in the worker) ------------------------------------ */

static char agent_path[256];
static char interp[200];		/* from the #! line */
static char interp_arg[128];		/* its one argument, if any */

static long long budget(const struct run *r, long long device_ms)
{
	long long b = device_ms > 0 ? device_ms : r->o.check_timeout_ms;

	return b < r->o.check_timeout_ms ? b : r->o.check_timeout_ms;
}

/* Parse a "#!" line: interpreter path and its (single) argument.  0, or
 * -EINVAL when the line names no interpreter. */
static int shebang_parse(const char *line, char *path, size_t plen, char *arg, size_t alen)
{
	size_t n;

	if (strncmp(line, "#!", 2) != 0)
		return -EINVAL;
	line += 2;
	line += strspn(line, " \t");
	n = strcspn(line, " \t\r\n");
	if (n == 0 || n >= plen)
		return -EINVAL;
	snprintf(path, plen, "%.*s", (int)n, line);
	line += n;
	line += strspn(line, " \t");
	n = strcspn(line, " \t\r\n");
	snprintf(arg, alen, "%.*s", (int)(n < alen ? n : alen - 1), line);
	return 0;
}

static void ck_agent(struct run *r, struct device *dev)
{
	const char *agent = dev->cib->agent;
	long long t0 = vg_now_ms();
	char head[256] = "", fix[FIX_MAX];
	struct stat st;
	ssize_t n;
	int fd;

	if (strchr(agent, '/') != NULL || agent[0] == '.') {
		w_result(r, CK_AGENT, NULL, V_CRITICAL, -1, 0,
			 "set type= to the agent's file name (no path)",
			 "agent name \"%s\" is not a file name", agent);
		return;
	}
	snprintf(agent_path, sizeof(agent_path), "%s/%s", VG_FENCE_AGENT_DIR, agent);
	if (stat(agent_path, &st) < 0) {
		snprintf(fix, sizeof(fix), "install the package that provides %s (fence-agents?) "
			 "or correct type= of stonith resource %s", agent, dev->cib->id);
		w_result(r, CK_AGENT, NULL, V_CRITICAL, -1, vg_now_ms() - t0, fix,
			 "%s: %s", agent_path, strerror(errno));
		return;
	}
	if (!S_ISREG(st.st_mode) || access(agent_path, X_OK) < 0) {
		snprintf(fix, sizeof(fix), "chmod 755 %s (or reinstall its package)", agent_path);
		w_result(r, CK_AGENT, NULL, V_CRITICAL, -1, vg_now_ms() - t0, fix,
			 "%s is not an executable file (mode %04o)", agent_path,
			 (unsigned)(st.st_mode & 07777));
		return;
	}
	fd = open(agent_path, O_RDONLY | O_CLOEXEC);
	n = fd >= 0 ? read(fd, head, sizeof(head) - 1) : -1;
	if (fd >= 0)
		close(fd);
	if (n < 0) {
		w_result(r, CK_AGENT, NULL, V_CRITICAL, -1, vg_now_ms() - t0,
			 "check the file's permissions", "cannot read %s: %s", agent_path,
			 strerror(errno));
		return;
	}
	head[n] = '\0';
	interp[0] = '\0';
	if (n >= 4 && memcmp(head, "\177ELF", 4) == 0) {
		w_result(r, CK_AGENT, NULL, V_OK, -1, vg_now_ms() - t0, NULL,
			 "%s: ELF executable", agent_path);
	} else if (shebang_parse(head, interp, sizeof(interp), interp_arg, sizeof(interp_arg)) == 0) {
		w_result(r, CK_AGENT, NULL, V_OK, -1, vg_now_ms() - t0, NULL,
			 "%s: script for %s%s%s", agent_path, interp, interp_arg[0] ? " " : "",
			 interp_arg);
	} else {
		w_result(r, CK_AGENT, NULL, V_WARNING, -1, vg_now_ms() - t0,
			 "give the script a #! line naming its interpreter",
			 "%s is neither an ELF binary nor a #! script", agent_path);
	}
}

/* Python: what py_compile does, without writing a .pyc beside the agent
 * (which would land in /usr/sbin/__pycache__). */
static const char py_parse[] =
	"import sys; compile(open(sys.argv[1], 'rb').read(), sys.argv[1], 'exec')";

static void ck_parse(struct run *r, struct device *dev)
{
	static const char *const shells[] = { "sh", "bash", "dash", "ksh", "mksh", "zsh", "ash", NULL };
	char *argv[8], out[2048], first[600], fix[FIX_MAX], how[400];
	const char *base, *lang = interp;
	long long t0 = vg_now_ms(), b = budget(r, 10000);
	bool env = false;
	int status = 0, rc, a = 0;

	(void)dev;
	if (interp[0] == '\0') {
		w_result(r, CK_PARSE, NULL, V_SKIPPED, -1, 0, NULL, "not a script");
		return;
	}
	if (access(interp, X_OK) < 0) {
		snprintf(fix, sizeof(fix), "install %s or correct the #! line of %s", interp,
			 agent_path);
		w_result(r, CK_PARSE, NULL, V_CRITICAL, -1, 0, fix,
			 "interpreter %s of %s: %s", interp, agent_path, strerror(errno));
		return;
	}
	base = strrchr(interp, '/') != NULL ? strrchr(interp, '/') + 1 : interp;
	argv[a++] = interp;
	if (strcmp(base, "env") == 0) {
		/* "#!/usr/bin/env python3": env finds the interpreter */
		env = true;
		lang = interp_arg;
		base = interp_arg;
		argv[a++] = interp_arg;
	}
	if (str_in(base, shells)) {
		argv[a++] = (char *)"-n";
	} else if (strncmp(base, "python", 6) == 0) {
		argv[a++] = (char *)"-c";
		argv[a++] = (char *)py_parse;
	} else if (strcmp(base, "perl") == 0) {
		argv[a++] = (char *)"-c";
	} else {
		w_result(r, CK_PARSE, NULL, V_SKIPPED, -1, 0, NULL,
			 "no syntax check known for interpreter %s", lang);
		return;
	}
	argv[a++] = agent_path;
	argv[a] = NULL;
	snprintf(how, sizeof(how), "%s%s %s", env ? "env " : "", base,
		 strcmp(argv[a - 2], "-n") == 0 ? "-n" : strcmp(argv[a - 2], "-c") == 0 ? "-c" :
		 "compile()");
	if (strncmp(base, "python", 6) == 0)
		snprintf(how, sizeof(how), "%s%s compile()", env ? "env " : "", base);
	w_start(r, CK_PARSE, NULL, b);
	rc = run_capture(argv, b, &status, out, sizeof(out));
	if (rc == -ETIMEDOUT) {
		w_result(r, CK_PARSE, NULL, V_CRITICAL, -1, vg_now_ms() - t0,
			 "check the interpreter and the file system",
			 "%s %s did not finish within %lld ms", how, agent_path, b);
	} else if (rc < 0) {
		w_result(r, CK_PARSE, NULL, V_CRITICAL, -1, vg_now_ms() - t0, NULL,
			 "cannot run %s: %s", interp, strerror(-rc));
	} else if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		/* python prints a traceback: its last line says what is wrong */
		const char *last = out;

		for (char *p = out; *p != '\0'; p++)
			if (*p == '\n' && p[1] != '\0' && p[1] != '\n')
				last = p + 1;
		first_line_of(strncmp(base, "python", 6) == 0 ? last : out, first, sizeof(first));
		snprintf(fix, sizeof(fix), "the installed agent is broken (a package update?): "
			 "fencing with %s fails; reinstall or fix %s", dev->cib->id, agent_path);
		w_result(r, CK_PARSE, NULL, V_CRITICAL, -1, vg_now_ms() - t0, fix,
			 "%s %s: syntax error: %s", how, agent_path, first);
	} else {
		w_result(r, CK_PARSE, NULL, V_OK, -1, vg_now_ms() - t0, NULL,
			 "%s %s: no syntax error", how, agent_path);
	}
}

static void ck_metadata(struct run *r, struct device *dev)
{
	long long t0 = vg_now_ms(), b = budget(r, 0);
	char *md = NULL, fix[FIX_MAX];
	xmlNode *root, *actions = NULL;
	bool can_fence = false;
	xmlDoc *doc;
	int rc, nact = 0;

	w_start(r, CK_METADATA, NULL, b);
	rc = vg_fq_metadata(r->fq, dev->cib->agent, &md, to_s(b));
	snprintf(fix, sizeof(fix), "run \"%s -o metadata\" and fix the agent", dev->cib->agent);
	if (rc != 0 || md == NULL || md[0] == '\0') {
		w_result(r, CK_METADATA, NULL, V_CRITICAL, -1, vg_now_ms() - t0, fix,
			 "meta-data of %s failed: %s", dev->cib->agent,
			 rc != 0 ? vg_fq_strerror(rc) : "no output");
		free(md);
		return;
	}
	doc = xmlReadMemory(md, (int)strlen(md), "metadata.xml", NULL,
			    XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	free(md);
	root = doc != NULL ? xmlDocGetRootElement(doc) : NULL;
	if (root == NULL || strcmp((const char *)root->name, "resource-agent") != 0) {
		w_result(r, CK_METADATA, NULL, V_CRITICAL, -1, vg_now_ms() - t0, fix,
			 "meta-data of %s is %s", dev->cib->agent,
			 doc == NULL ? "not well-formed XML" : "not a <resource-agent> document");
		if (doc != NULL)
			xmlFreeDoc(doc);
		return;
	}
	for (xmlNode *n = root->children; n != NULL; n = n->next)
		if (n->type == XML_ELEMENT_NODE && strcmp((const char *)n->name, "actions") == 0)
			actions = n;
	for (xmlNode *n = actions != NULL ? actions->children : NULL; n != NULL; n = n->next) {
		xmlChar *name;

		if (n->type != XML_ELEMENT_NODE || strcmp((const char *)n->name, "action") != 0)
			continue;
		name = xmlGetProp(n, (const xmlChar *)"name");
		if (name != NULL) {
			dev->has_list |= strcmp((const char *)name, "list") == 0;
			dev->has_status |= strcmp((const char *)name, "status") == 0;
			dev->has_monitor |= strcmp((const char *)name, "monitor") == 0;
			can_fence |= strcmp((const char *)name, "off") == 0 ||
				     strcmp((const char *)name, "reboot") == 0;
			nact++;
			xmlFree(name);
		}
	}
	xmlFreeDoc(doc);
	if (nact == 0 || !can_fence)
		w_result(r, CK_METADATA, NULL, V_CRITICAL, -1, vg_now_ms() - t0, fix,
			 "meta-data of %s lists %s", dev->cib->agent,
			 nact == 0 ? "no actions" : "neither off nor reboot: it cannot fence");
	else
		w_result(r, CK_METADATA, NULL, V_OK, -1, vg_now_ms() - t0, NULL,
			 "meta-data: <resource-agent> with %d actions, off/reboot among them", nact);
}

static void ck_validate(struct run *r, struct device *dev)
{
	long long t0 = vg_now_ms(), b = budget(r, 0);
	char *out = NULL, *err = NULL, first[400], fix[FIX_MAX];
	int rc;

	w_start(r, CK_VALIDATE, NULL, b);
	rc = vg_fq_validate(r->fq, dev->cib->id, dev->cib->agent, dev->cib->params,
			    dev->cib->nparams, to_s(b), &out, &err);
	first_line_of(err != NULL && err[0] != '\0' ? err : out, first, sizeof(first));
	free(out);
	free(err);
	if (rc == 0) {
		w_result(r, CK_VALIDATE, NULL, V_OK, -1, vg_now_ms() - t0, NULL,
			 "validate-all with the configured parameters passed");
	} else if (rc == -EOPNOTSUPP) {
		w_result(r, CK_VALIDATE, NULL, V_SKIPPED, -1, vg_now_ms() - t0, NULL,
			 "%s has no validate-all action", dev->cib->agent);
	} else {
		snprintf(fix, sizeof(fix), "correct the parameters of stonith resource %s "
			 "(crm_resource --validate -r %s shows the agent's message)",
			 dev->cib->id, dev->cib->id);
		w_result(r, CK_VALIDATE, NULL, V_CRITICAL, -1, vg_now_ms() - t0, fix,
			 "validate-all failed (%s)%s%s", vg_fq_strerror(rc), first[0] ? ": " : "",
			 first);
	}
}

struct reg_ctx {
	const char *id;
	bool found;
};

static void reg_each(void *arg, const char *id)
{
	struct reg_ctx *c = arg;

	if (strcmp(c->id, id) == 0)
		c->found = true;
}

static void ck_registered(struct run *r, struct device *dev)
{
	struct reg_ctx c = { dev->cib->id, false };
	long long t0 = vg_now_ms(), b = budget(r, 0);
	char fix[FIX_MAX];
	int rc;

	if (r->fq == NULL) {
		w_result(r, CK_REGISTERED, NULL, V_CRITICAL, -1, 0,
			 "is pacemaker-fenced running on this node?",
			 "cannot connect to this node's fencer");
		return;
	}
	w_start(r, CK_REGISTERED, NULL, b);
	rc = vg_fq_registered(r->fq, reg_each, &c, to_s(b));
	if (rc < 0) {
		w_result(r, CK_REGISTERED, NULL, V_CRITICAL, -1, vg_now_ms() - t0,
			 "check pacemaker-fenced in the Pacemaker log",
			 "the fencer did not list its devices: %s", vg_fq_strerror(rc));
		return;
	}
	dev->registered = c.found;
	if (c.found) {
		w_result(r, CK_REGISTERED, NULL, V_OK, -1, vg_now_ms() - t0, NULL,
			 "registered with this node's fencer");
		return;
	}
	snprintf(fix, sizeof(fix), "see why in the Pacemaker log (a failed start, a location "
		 "constraint, a fail-count: crm_resource --refresh -r %s)", dev->cib->id);
	/* With peers, a device may be kept off this node on purpose (a device
	 * must not run on its own target); the self-test on the nodes that
	 * run it checks it. Alone, nobody can use it. */
	w_result(r, CK_REGISTERED, NULL, r->online_nodes > 1 ? V_WARNING : V_CRITICAL, -1,
		 vg_now_ms() - t0, fix, "not registered with this node's fencer%s",
		 r->online_nodes > 1 ? " (checked only where it runs)" : ": nothing can use it");
}

/* fence_vmguard (IPMI backend): open a session as the device would and read
 * the privilege the BMC granted.  The password comes from the CIB
 * (password/passwd) or the 0600 password_file; password_script is left to
 * the agent's own monitor. */
static void ck_session(struct run *r, struct device *dev)
{
	const struct vg_cib_device *c = dev->cib;
	const char *ip = vg_cib_param(c, "ip") ? vg_cib_param(c, "ip") : vg_cib_param(c, "ipaddr");
	const char *user = vg_cib_param(c, "username") ? vg_cib_param(c, "username") :
			   vg_cib_param(c, "login");
	const char *pw = vg_cib_param(c, "password") ? vg_cib_param(c, "password") :
			 vg_cib_param(c, "passwd");
	const char *pwfile = vg_cib_param(c, "password_file");
	const char *v;
	struct vg_ipmi_conf conf = {
		.port = 623, .lanplus = true, .cipher = 3,
		.privilege = IPMI_PRIVILEGE_LEVEL_ADMIN, .auth_type = IPMI_AUTHENTICATION_TYPE_MD5,
		.attempt_ms = 5000,
	};
	char password[256] = "", err[512], fix[FIX_MAX], where[300];
	unsigned char kg[IPMI_MAX_K_G_LENGTH];
	long long t0 = vg_now_ms(), b, lt;
	struct vg_deadline d;
	struct vg_ipmi *s = NULL;
	uint8_t level = 0;
	int rc;

	if (strcmp(c->agent, "fence_vmguard") != 0) {
		w_result(r, CK_SESSION, NULL, V_SKIPPED, -1, 0, NULL,
			 "not fence_vmguard: privilege is the agent's monitor's business");
		return;
	}
	v = vg_cib_param(c, "backend");
	if (v != NULL && strcmp(v, "ipmi") != 0) {
		w_result(r, CK_SESSION, NULL, V_SKIPPED, -1, 0, NULL, "backend=%s: no BMC", v);
		return;
	}
	if (ip == NULL || user == NULL || (pw == NULL && pwfile == NULL)) {
		w_result(r, CK_SESSION, NULL, V_SKIPPED, -1, 0, NULL,
			 "credentials not in the CIB (password_script?): the monitor checks them");
		return;
	}
	if (pwfile != NULL) {
		struct stat st;
		FILE *f = fopen(pwfile, "re");

		if (f == NULL || fstat(fileno(f), &st) < 0 || (st.st_mode & 077) != 0 ||
		    fgets(password, sizeof(password), f) == NULL) {
			snprintf(fix, sizeof(fix), "create %s (mode 0600, the password on its "
				 "first line) on every node that may run %s", pwfile, c->id);
			w_result(r, CK_SESSION, NULL, V_CRITICAL, -1, vg_now_ms() - t0, fix,
				 "password_file %s is missing, unreadable or readable by others",
				 pwfile);
			if (f != NULL)
				fclose(f);
			return;
		}
		fclose(f);
		password[strcspn(password, "\r\n")] = '\0';
	} else {
		snprintf(password, sizeof(password), "%s", pw);
	}
	vg_log_add_secret(password);
	conf.host = ip;
	conf.username = user;
	conf.password = password;
	if ((v = vg_cib_param(c, "ipport")) != NULL)
		conf.port = (unsigned)atoi(v);
	if ((v = vg_cib_param(c, "lanplus")) != NULL)
		conf.lanplus = !(strcmp(v, "0") == 0 || strcasecmp(v, "false") == 0 ||
				 strcasecmp(v, "off") == 0 || strcasecmp(v, "no") == 0);
	if ((v = vg_cib_param(c, "cipher")) != NULL)
		conf.cipher = (uint8_t)atoi(v);
	if ((v = vg_cib_param(c, "privlvl")) != NULL)
		(void)vg_ipmi_privilege_parse(v, &conf.privilege);
	if ((v = vg_cib_param(c, "auth")) != NULL)
		(void)vg_ipmi_auth_parse(v, &conf.auth_type);
	if ((v = vg_cib_param(c, "hexadecimal_kg")) != NULL &&
	    vg_ipmi_kg_parse(v, kg, &conf.k_g_len) == 0)
		conf.k_g = kg;
	if ((v = vg_cib_param(c, "login_timeout")) != NULL && atof(v) > 0)
		conf.attempt_ms = (long long)(atof(v) * 1000);
	conf.workarounds = conf.lanplus ?
		IPMI_WORKAROUND_FLAGS_OUTOFBAND_2_0_OPEN_SESSION_PRIVILEGE : 0;
	lt = conf.attempt_ms;
	b = budget(r, lt);
	conf.attempt_ms = b;
	snprintf(where, sizeof(where), "BMC %s:%u", ip, conf.port);
	w_start(r, CK_SESSION, NULL, b);
	vg_deadline_in_ms(&d, b);
	rc = vg_ipmi_open(&s, &conf, &d, err, sizeof(err));
	if (rc == -EACCES) {
		snprintf(fix, sizeof(fix), "set the right password for user %s in %s "
			 "(password_file or password)", user, c->id);
		w_result(r, CK_SESSION, NULL, V_CRITICAL, -1, vg_now_ms() - t0, fix,
			 "%s rejected user %s's credentials: %s", where, user, err);
	} else if (rc == -EPERM) {
		snprintf(fix, sizeof(fix), "give user %s operator or administrator privilege on "
			 "the BMC (or set privlvl of %s to a level it has)", user, c->id);
		w_result(r, CK_SESSION, NULL, V_CRITICAL, -1, vg_now_ms() - t0, fix,
			 "%s refused privilege %s to user %s: %s", where,
			 vg_ipmi_privilege_name(conf.privilege), user, err);
	} else if (rc == -ETIMEDOUT || rc == -EHOSTUNREACH) {
		w_result(r, CK_SESSION, NULL, V_CRITICAL, -1, vg_now_ms() - t0,
			 "is the BMC powered and reachable from this node (UDP 623, address, "
			 "VLAN, firewall)?", "%s did not answer: %s", where, err);
	} else if (rc < 0) {
		w_result(r, CK_SESSION, NULL, V_CRITICAL, -1, vg_now_ms() - t0,
			 "check lanplus, cipher and auth of the device against the BMC",
			 "cannot open an IPMI session to %s: %s", where, err);
	} else {
		rc = vg_ipmi_session_privilege(s, &level, err, sizeof(err));
		if (rc < 0) {
			w_result(r, CK_SESSION, NULL, V_CRITICAL, -1, vg_now_ms() - t0,
				 "check the BMC", "%s: Get Session Info failed: %s", where, err);
		} else if (level < IPMI_PRIVILEGE_LEVEL_OPERATOR || level > IPMI_PRIVILEGE_LEVEL_OEM) {
			snprintf(fix, sizeof(fix), "give user %s operator or administrator privilege "
				 "on the BMC and set privlvl of %s accordingly", user, c->id);
			w_result(r, CK_SESSION, NULL, V_CRITICAL, -1, vg_now_ms() - t0, fix,
				 "%s granted user %s privilege %s: chassis control needs operator",
				 where, user, vg_ipmi_privilege_name(level));
		} else {
			w_result(r, CK_SESSION, NULL, V_OK, -1, vg_now_ms() - t0, NULL,
				 "%s: user %s has privilege %s (chassis control needs operator)",
				 where, user, vg_ipmi_privilege_name(level));
		}
		vg_ipmi_close(s);
	}
	explicit_bzero(password, sizeof(password));
}

static void ck_monitor(struct run *r, struct device *dev)
{
	long long t0 = vg_now_ms(), dt = dev->cib->monitor_timeout_ms > 0 ?
		dev->cib->monitor_timeout_ms : 20000, b = budget(r, dt), ms;
	char fix[FIX_MAX];
	int rc;

	if (!dev->registered) {
		w_result(r, CK_MONITOR, NULL, V_SKIPPED, -1, 0, NULL,
			 "not registered here: the fencer cannot run it");
		return;
	}
	w_start(r, CK_MONITOR, NULL, b);
	rc = vg_fq_monitor(r->fq, dev->cib->id, to_s(b));
	ms = vg_now_ms() - t0;
	if (rc == 0) {
		dev->monitor_ok = true;
		w_result(r, CK_MONITOR, NULL, V_OK, -1, ms, NULL,
			 "monitor through the fencer answered in %lld ms (timeout %lld ms)", ms, dt);
		return;
	}
	if (rc == -ENODEV) {
		/* Registered from the CIB, but the fencer runs monitor only on
		 * a started device: its start (or last monitor) failed. */
		snprintf(fix, sizeof(fix), "fix what the other checks name, then "
			 "crm_resource --refresh -r %s", dev->cib->id);
		w_result(r, CK_MONITOR, NULL, V_CRITICAL, -1, ms, fix,
			 "the fencer has not started the device (its start or monitor failed: "
			 "see crm_mon's failed actions), so it cannot monitor it");
		return;
	}
	snprintf(fix, sizeof(fix), "see %s's messages in the Pacemaker log; "
		 "\"stonith_admin --query %s\" repeats the check", dev->cib->agent, dev->cib->id);
	dev->monitor_timed_out = rc == -ETIME || rc == -ETIMEDOUT;
	if (dev->monitor_timed_out)
		w_result(r, CK_MONITOR, NULL, V_CRITICAL, -1, ms, fix,
			 "monitor through the fencer timed out after %lld ms (limit %lld ms)", ms, b);
	else
		w_result(r, CK_MONITOR, NULL, V_CRITICAL, -1, ms, fix,
			 "monitor through the fencer failed after %lld ms: %s", ms,
			 vg_fq_strerror(rc));
}

static void add_target(void *arg, const char *name)
{
	struct device *dev = arg;

	for (int i = 0; i < dev->ntargets; i++)
		if (strcasecmp(dev->targets[i], name) == 0)
			return;
	if (dev->ntargets < MAX_TARGETS)
		snprintf(dev->targets[dev->ntargets++], NAME_MAX_, "%s", name);
}

static void add_map_target(void *arg, const char *node, const char *plug)
{
	(void)plug;
	add_target(arg, node);
}

struct dyn_ctx {
	struct run *r;
	struct device *dev;
	int listed;
};

static void add_dynamic(void *arg, const char *name)
{
	struct dyn_ctx *c = arg;

	c->listed++;
	/* A PDU lists every outlet: only cluster nodes are targets. */
	if (vg_cib_node_find(&c->r->cib, name) != NULL)
		add_target(c->dev, name);
}

static void add_all_nodes(struct run *r, struct device *dev)
{
	for (size_t i = 0; i < r->cib.nnodes; i++)
		if (!r->cib.nodes[i].remote)
			add_target(dev, r->cib.nodes[i].uname);
}

/* Which nodes does the device fence?  pcmk_host_check as the fencer
 * decides it: static-list when a list or map is given, else dynamic-list
 * when the agent has list, else status, else none. */
static const char *host_check_mode(const struct device *dev)
{
	const char *mode = vg_cib_param(dev->cib, "pcmk_host_check");

	if (mode != NULL && mode[0] != '\0')
		return mode;
	if (vg_cib_param(dev->cib, "pcmk_host_list") != NULL ||
	    vg_cib_param(dev->cib, "pcmk_host_map") != NULL)
		return "static-list";
	if (dev->has_list)
		return "dynamic-list";
	if (dev->has_status)
		return "status";
	return "none";
}

static void status_of(struct run *r, struct device *dev, const char *target);

static void ck_targets(struct run *r, struct device *dev)
{
	const char *mode = host_check_mode(dev);
	long long t0 = vg_now_ms();
	char list[TEXT_MAX - 200] = "";
	size_t off = 0;

	if (strcmp(mode, "static-list") == 0) {
		vg_cib_host_list_each(vg_cib_param(dev->cib, "pcmk_host_list"), add_target, dev);
		vg_cib_host_map_each(vg_cib_param(dev->cib, "pcmk_host_map"), add_map_target, dev);
	} else if (strcmp(mode, "dynamic-list") == 0) {
		struct dyn_ctx c = { r, dev, 0 };
		long long b = budget(r, 0);
		char *out = NULL;
		int rc;

		if (!dev->registered || dev->monitor_timed_out) {
			w_result(r, CK_TARGETS, NULL, V_SKIPPED, -1, 0, NULL,
				 "dynamic-list: not asked (the device is %s)",
				 dev->registered ? "timing out" : "not registered here");
			return;
		}
		w_start(r, CK_TARGETS, NULL, b);
		rc = vg_fq_list(r->fq, dev->cib->id, &out, to_s(b));
		if (rc == 0)
			vg_cib_list_output_each(out, add_dynamic, &c);
		free(out);
		if (rc != 0) {
			w_result(r, CK_TARGETS, NULL, V_CRITICAL, -1, vg_now_ms() - t0,
				 "set pcmk_host_list or pcmk_host_map, or fix the agent's list",
				 "dynamic-list: the agent's list failed: %s", vg_fq_strerror(rc));
			return;
		}
		if (dev->ntargets == 0) {
			w_result(r, CK_TARGETS, NULL, V_WARNING, -1, vg_now_ms() - t0,
				 "set pcmk_host_list or pcmk_host_map for this device",
				 "dynamic-list: the agent lists %d targets, none of them a cluster node",
				 c.listed);
			return;
		}
	} else {
		/* status/none: the fencer may use it for any node */
		add_all_nodes(r, dev);
	}
	for (int i = 0; i < dev->ntargets && off < sizeof(list) - 1; i++) {
		w_target(r, dev->targets[i]);
		off += (size_t)snprintf(list + off, sizeof(list) - off, "%s%s", i ? " " : "",
					dev->targets[i]);
	}
	if (dev->ntargets == 0)
		w_result(r, CK_TARGETS, NULL, V_WARNING, -1, vg_now_ms() - t0,
			 "set pcmk_host_list or pcmk_host_map", "%s: names no target", mode);
	else
		w_result(r, CK_TARGETS, NULL, V_OK, -1, vg_now_ms() - t0, NULL, "%s: %s", mode,
			 list);
	for (int i = 0; i < dev->ntargets; i++)
		status_of(r, dev, dev->targets[i]);
}

static void status_of(struct run *r, struct device *dev, const char *target)
{
	const struct vg_cib_node *node = vg_cib_node_find(&r->cib, target);
	const char *st = vg_cib_param(dev->cib, "pcmk_status_timeout");
	long long t0 = vg_now_ms(), b, ms;
	char fix[FIX_MAX];
	int rc;

	/* Only a started device that passed its monitor: the fencer's
	 * answer for anything else says nothing (see vg_fq_status()). */
	if (!dev->registered || !dev->monitor_ok) {
		w_result(r, CK_STATUS, target, V_SKIPPED, -1, 0, NULL,
			 "not asked: the device is %s",
			 dev->registered ? "failing its monitor" : "not registered here");
		return;
	}
	b = budget(r, st != NULL && atoi(st) > 0 ? atoi(st) * 1000LL : 0);
	w_start(r, CK_STATUS, target, b);
	rc = vg_fq_status(r->fq, dev->cib->id, target, to_s(b));
	ms = vg_now_ms() - t0;
	if (rc == 0 || vg_fq_status_is_off(rc)) {
		bool on = rc == 0;

		if (!on && node != NULL && node->online) {
			snprintf(fix, sizeof(fix), "if %s is on, %s controls another machine or "
				 "fails silently: check pcmk_host_map, plug and the address of %s",
				 target, dev->cib->id, dev->cib->id);
			w_result(r, CK_STATUS, target, V_CRITICAL, 0, ms, fix,
				 "does not read %s as on (off, or a failure without a message), but "
				 "it is an online cluster member", target);
		} else {
			w_result(r, CK_STATUS, target, V_OK, on, ms, NULL,
				 "status through the fencer: %s (%lld ms)%s", on ? "on" : "off", ms,
				 node == NULL ? "; not a cluster node" :
				 node->online ? "" : "; node offline");
		}
		return;
	}
	snprintf(fix, sizeof(fix), "see %s's messages in the Pacemaker log for target %s",
		 dev->cib->agent, target);
	w_result(r, CK_STATUS, target, V_CRITICAL, -1, ms, fix,
		 "status of %s through the fencer %s after %lld ms: %s", target,
		 rc == -ETIME ? "timed out" : "failed", ms, vg_fq_strerror(rc));
}

static void worker_main(struct run *r, struct device *dev)
{
	int rc;

	/* Secrets of this device never leave the worker unmasked. */
	for (size_t i = 0; i < dev->cib->nparams; i++)
		if (strstr(dev->cib->params[i].name, "pass") != NULL ||
		    strstr(dev->cib->params[i].name, "kg") != NULL)
			vg_log_add_secret(dev->cib->params[i].value);
	rc = vg_fq_connect(&r->fq, "vmguard-selftest");
	if (rc != 0)
		r->fq = NULL;
	for (int c = 0; c < CK_N; c++) {
		if (checks[c].fn == NULL)
			continue;
		if ((c == CK_METADATA || c == CK_VALIDATE) && r->fq == NULL) {
			w_result(r, c, NULL, V_CRITICAL, -1, 0, "is Pacemaker installed?",
				 "libstonithd unusable: %s", vg_fq_strerror(rc));
			continue;
		}
		w_start(r, c, NULL, r->o.check_timeout_ms);
		checks[c].fn(r, dev);
	}
	vg_fq_close(r->fq);
}

/* ---- parent: workers -------------------------------------------------------- */

static void dev_add(struct device *dev, const struct result *m)
{
	struct result *p = realloc(dev->res, (dev->nres + 1) * sizeof(*p));

	if (p == NULL)
		return;
	dev->res = p;
	dev->res[dev->nres++] = *m;
}

static int spawn(struct run *r, struct device *dev)
{
	int pfd[2];
	pid_t pid;

	if (pipe2(pfd, O_CLOEXEC) < 0)
		return -errno;
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		int e = errno;

		close(pfd[0]);
		close(pfd[1]);
		return -e;
	}
	if (pid == 0) {
		/* Own process group: whatever a hung check started dies
		 * with the worker.  (The parse check's interpreter runs in
		 * a group of its own, killed at that check's deadline, which
		 * comes first, or when the worker dies.) */
		setpgid(0, 0);
		close(pfd[0]);
		r->out_fd = pfd[1];
		r->worker(r, dev);
		_exit(0);
	}
	setpgid(pid, pid);
	close(pfd[1]);
	dev->pid = pid;
	dev->fd = pfd[0];
	dev->running = true;
	dev->started_ms = vg_now_ms();
	dev->cur_check = -1;
	dev->cur_deadline = vg_now_ms() + r->o.check_timeout_ms + 2000;
	return 0;
}

static bool dev_has(const struct device *dev, int check)
{
	for (size_t i = 0; i < dev->nres; i++)
		if (dev->res[i].check == check && dev->res[i].kind == MSG_RESULT)
			return true;
	return false;
}

static void finish(struct run *r, struct device *dev, bool killed)
{
	int status;

	(void)r;
	if (killed) {
		struct result m = { .kind = MSG_RESULT, .check = dev->cur_check,
				    .verdict = V_CRITICAL, .power = -1 };

		kill(-dev->pid, SIGKILL);
		kill(dev->pid, SIGKILL);
		m.check = dev->cur_check >= 0 ? dev->cur_check : CK_AGENT;
		m.ms = vg_now_ms() - dev->started_ms;
		snprintf(m.target, sizeof(m.target), "%s", dev->cur_target);
		snprintf(m.text, sizeof(m.text), "%s%s%s did not answer by its deadline: hung, "
			 "counted as failed (later checks of this device not run)",
			 checks[m.check].name, m.target[0] ? " of " : "", m.target);
		snprintf(m.fix, sizeof(m.fix), "find out why %s hangs (a stopped BMC, an agent "
			 "that never returns); \"stonith_admin --query %s\" repeats the monitor",
			 dev->cib->id, dev->cib->id);
		dev_add(dev, &m);
	}
	while (waitpid(dev->pid, &status, 0) < 0 && errno == EINTR)
		;
	close(dev->fd);
	dev->running = false;
	dev->done = true;
	dev->ms = vg_now_ms() - dev->started_ms;
	/* Checks never reported (worker died or was killed): say so. */
	for (int c = 0; c < CK_N; c++) {
		if (checks[c].fn == NULL || dev_has(dev, c))
			continue;
		{
			struct result m = { .kind = MSG_RESULT, .check = c, .verdict = V_SKIPPED,
					    .power = -1 };

			snprintf(m.text, sizeof(m.text), "not run (the device's worker %s)",
				 killed ? "was stopped at a hung check" : "ended early");
			if (!killed) {
				m.verdict = V_CRITICAL;
				snprintf(m.fix, sizeof(m.fix), "run vmguard selftest -v");
			}
			dev_add(dev, &m);
		}
	}
}

static void dev_read(struct run *r, struct device *dev)
{
	struct result m;
	ssize_t n = read(dev->fd, &m, sizeof(m));

	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	if (n != (ssize_t)sizeof(m)) {
		finish(r, dev, false);
		return;
	}
	m.target[sizeof(m.target) - 1] = '\0';
	m.text[sizeof(m.text) - 1] = '\0';
	m.fix[sizeof(m.fix) - 1] = '\0';
	if (m.check < 0 || m.check >= CK_N)
		return;
	if (m.kind == MSG_START) {
		dev->cur_check = m.check;
		dev->cur_deadline = m.deadline_ms;
		snprintf(dev->cur_target, sizeof(dev->cur_target), "%s", m.target);
		return;
	}
	dev_add(dev, &m);
}

static void run_workers(struct run *r)
{
	size_t next = 0, active = 0;
	struct pollfd *pfd = calloc(r->ndevs ? r->ndevs : 1, sizeof(*pfd));
	struct device **map = calloc(r->ndevs ? r->ndevs : 1, sizeof(struct device *));

	if (pfd == NULL || map == NULL) {
		free(pfd);
		free(map);
		return;
	}
	for (;;) {
		long long now, wait_ms = 60000;
		int n = 0;

		while (next < r->ndevs && active < (size_t)r->o.jobs) {
			struct device *dev = &r->devs[next++];

			if (dev->cib->disabled) {
				dev->done = true;
				continue;
			}
			if (spawn(r, dev) == 0) {
				active++;
			} else {
				struct result m = { .kind = MSG_RESULT, .check = CK_AGENT,
						    .verdict = V_UNKNOWN, .power = -1 };

				snprintf(m.text, sizeof(m.text), "cannot start a worker: %s",
					 strerror(errno));
				dev_add(dev, &m);
				dev->done = true;
			}
		}
		if (active == 0 && next >= r->ndevs)
			break;
		now = vg_now_ms();
		for (size_t i = 0; i < r->ndevs; i++) {
			struct device *dev = &r->devs[i];

			if (!dev->running)
				continue;
			if (dev->cur_deadline - now < wait_ms)
				wait_ms = dev->cur_deadline - now;
			pfd[n].fd = dev->fd;
			pfd[n].events = POLLIN;
			map[n++] = dev;
		}
		if (poll(pfd, (nfds_t)n, (int)clamp_ms(wait_ms, 0, 60000)) < 0 && errno != EINTR)
			break;
		for (int i = 0; i < n; i++)
			if (pfd[i].revents != 0 && map[i]->running)
				dev_read(r, map[i]);
		now = vg_now_ms();
		for (int i = 0; i < n; i++)
			if (map[i]->running && now > map[i]->cur_deadline)
				finish(r, map[i], true);
		active = 0;
		for (size_t i = 0; i < r->ndevs; i++)
			active += r->devs[i].running;
	}
	free(pfd);
	free(map);
}

/* ---- parent: verdicts ------------------------------------------------------- */

static void local_add(struct run *r, int check, const char *target, int verdict,
		      const char *fix, const char *fmt, ...) __attribute__((format(printf, 6, 7)));
static void local_add(struct run *r, int check, const char *target, int verdict,
		      const char *fix, const char *fmt, ...)
{
	struct result m = { .kind = MSG_RESULT, .check = check, .verdict = verdict, .power = -1 };
	struct result *p = realloc(r->local, (r->nlocal + 1) * sizeof(*p));
	va_list ap;

	if (p == NULL)
		return;
	r->local = p;
	snprintf(m.target, sizeof(m.target), "%s", target != NULL ? target : "");
	va_start(ap, fmt);
	set_text(m.text, sizeof(m.text), fmt, ap);
	va_end(ap);
	snprintf(m.fix, sizeof(m.fix), "%s", fix != NULL ? fix : "");
	r->local[r->nlocal++] = m;
}

/* Does the device fence node, and did everything needed for it pass?
 * 1 works, 0 fails, -1 not verified from here (not registered locally). */
static int device_works_for(const struct device *dev, const char *node)
{
	bool target = false, unverified = false, status_ok = false;

	if (dev->cib->disabled)
		return 0;
	for (size_t i = 0; i < dev->nres; i++) {
		const struct result *m = &dev->res[i];

		if (m->kind == MSG_TARGET && strcasecmp(m->target, node) == 0)
			target = true;
	}
	if (!target)
		return 0;
	for (size_t i = 0; i < dev->nres; i++) {
		const struct result *m = &dev->res[i];

		if (m->kind != MSG_RESULT)
			continue;
		if (m->check == CK_REGISTERED && m->verdict == V_WARNING)
			unverified = true;
		if (checks[m->check].device_wide && m->verdict == V_CRITICAL)
			return 0;
		if (m->check == CK_STATUS && strcasecmp(m->target, node) == 0) {
			if (m->verdict == V_CRITICAL)
				return 0;
			status_ok = m->verdict == V_OK;
		}
	}
	if (unverified)
		return -1;
	return status_ok ? 1 : 0;
}

static const struct device *dev_by_id(const struct run *r, const char *id)
{
	for (size_t i = 0; i < r->ndevs; i++)
		if (strcmp(r->devs[i].cib->id, id) == 0)
			return &r->devs[i];
	return NULL;
}

struct level_ctx {
	const struct run *r;
	const char *node;
	int works;		/* 1 all work, 0 one fails, -1 one unverified */
	char failing[200];
};

static void level_dev(void *arg, const char *id)
{
	struct level_ctx *c = arg;
	const struct device *dev = dev_by_id(c->r, id);
	int w = dev != NULL ? device_works_for(dev, c->node) : 0;

	if (w == 0 && c->failing[0] == '\0')
		snprintf(c->failing, sizeof(c->failing), "%s%s", id,
			 dev == NULL ? " (no such device)" : "");
	if (w < c->works)
		c->works = w;
}

static void coverage(struct run *r)
{
	for (size_t i = 0; i < r->cib.nnodes; i++) {
		const struct vg_cib_node *node = &r->cib.nodes[i];
		char ok[400] = "", bad[600] = "", why[400] = "";
		size_t okl = 0, badl = 0;
		bool any_level = false, unverified = false, covered = false;

		if (node->remote)
			continue;
		for (size_t l = 0; l < r->cib.nlevels; l++) {
			struct level_ctx c = { r, node->uname, 1, "" };
			bool undecided;

			if (!vg_cib_level_matches(&r->cib.levels[l], node->uname, &undecided)) {
				unverified |= undecided;
				continue;
			}
			any_level = true;
			vg_cib_host_list_each(r->cib.levels[l].devices, level_dev, &c);
			if (c.works == 1) {
				covered = true;
				okl += (size_t)snprintf(ok + okl, sizeof(ok) - okl, "%slevel %d (%s)",
							okl ? ", " : "", r->cib.levels[l].index,
							r->cib.levels[l].devices);
			} else if (c.works < 0) {
				unverified = true;
			} else if (badl < sizeof(bad)) {
				badl += (size_t)snprintf(bad + badl, sizeof(bad) - badl,
							 "%slevel %d: %s fails", badl ? "; " : "",
							 r->cib.levels[l].index, c.failing);
			}
		}
		if (!any_level) {
			for (size_t d = 0; d < r->ndevs; d++) {
				const struct device *dev = &r->devs[d];
				int w = device_works_for(dev, node->uname);
				bool targets = false;

				for (size_t k = 0; k < dev->nres; k++)
					targets |= dev->res[k].kind == MSG_TARGET &&
						   strcasecmp(dev->res[k].target, node->uname) == 0;
				if (w == 1) {
					covered = true;
					if (okl < sizeof(ok))
						okl += (size_t)snprintf(ok + okl, sizeof(ok) - okl,
									"%s%s", okl ? ", " : "",
									dev->cib->id);
				} else if (w < 0) {
					unverified = true;
				} else if (targets && badl < sizeof(bad)) {
					badl += (size_t)snprintf(bad + badl, sizeof(bad) - badl,
								 "%s%s", badl ? ", " : "",
								 dev->cib->id);
				}
			}
		}
		if (covered) {
			local_add(r, CK_COVERAGE, node->uname, V_OK, NULL, "fenced by %s", ok);
			continue;
		}
		if (unverified) {
			local_add(r, CK_COVERAGE, node->uname, V_WARNING,
				  "run vmguard selftest on the nodes that run its devices",
				  "no device verified from this node can fence %s%s%s", node->uname,
				  bad[0] ? "; failing: " : "", bad);
			continue;
		}
		if (bad[0] != '\0')
			snprintf(why, sizeof(why), "cannot be fenced: every device for it fails (%.250s)",
				 bad);
		else
			snprintf(why, sizeof(why), "cannot be fenced: no %s names it",
				 any_level ? "fencing level" : "fence device");
		local_add(r, CK_COVERAGE, node->uname, V_CRITICAL,
			  bad[0] ? "fix the failing devices listed above" :
				   "configure a fence device whose pcmk_host_list or "
				   "pcmk_host_map names this node",
			  "node %s %s", node->uname, why);
	}
}

/* ---- parent: this node (vmguardd, watchdog, timing rule) ------------------ */


/* Policy: where vmguardd is configured (its configuration file exists) a
 * vmguardd that is not running is CRITICAL -- this host would not fence
 * itself when libvirtd dies.  Where it is not configured (a frontend, a
 * storage node) that is a WARNING, so the node is still seen. */
static void local_checks(struct run *r)
{
	struct vg_conf conf;
	struct vg_timing t;
	struct vg_status s;
	const char *pidv;
	char err[512], why[512], a[32], b[32], fix[FIX_MAX];
	const char *path = r->o.config != NULL ? r->o.config : VG_CONF_DEFAULT_PATH;
	bool configured;
	int rc;

	vg_conf_defaults(&conf);
	rc = vg_conf_load(path, &conf, err, sizeof(err));
	configured = rc == 0;
	if (rc != 0 && rc != -ENOENT) {
		local_add(r, CK_VMGUARDD, NULL, V_CRITICAL, "fix the configuration file",
			  "vmguardd's configuration is broken: %s", err);
		return;
	}
	/* vmguardd's status file ("key=value" lines, see vmguard status). */
	rc = vg_status_read(conf.status_file, &s);
	pidv = vg_status_get(&s, "pid");	/* s is empty when rc != 0 */
	if (rc != 0 || pidv == NULL || !vg_proc_comm_is((pid_t)atoi(pidv), "vmguardd")) {
		local_add(r, CK_VMGUARDD, NULL, configured ? V_CRITICAL : V_WARNING,
			  configured ? "start it: systemctl start vmguardd" :
				       "configure and start vmguardd on every hypervisor",
			  "not running%s (%s)",
			  configured ? "" : " and not configured on this node",
			  rc != 0 ? "no status file" : "its status file names a dead process");
		local_add(r, CK_WATCHDOG, NULL, V_SKIPPED, NULL, "vmguardd is not running");
	} else {
		const char *state = vg_status_get(&s, "state"), *wd = vg_status_get(&s, "watchdog");
		const char *upd = vg_status_get(&s, "updated_ms");
		const char *wd_dev = vg_status_get(&s, "watchdog_device");
		long long age = upd != NULL ? vg_now_ms() - atoll(upd) : LLONG_MAX;

		if (age > 15000)
			local_add(r, CK_VMGUARDD, NULL, V_CRITICAL,
				  "vmguardd may be hung: look at its log; restart it",
				  "vmguardd (PID %s) has not refreshed its status for %lld s",
				  pidv, age / 1000);
		else if (vg_status_waiting_with_guests(&s, vg_now_ms()))
			local_add(r, CK_VMGUARDD, NULL, V_CRITICAL,
				  "make libvirtd answer (systemctl status libvirtd); vmguardd "
				  "fences this host when its grace window ends",
				  "vmguardd (PID %s) is waiting for libvirtd while guests run", pidv);
		else if (state != NULL && (strcmp(state, "up") == 0 || strcmp(state, "waiting") == 0 ||
					   strcmp(state, "maintenance") == 0))
			local_add(r, CK_VMGUARDD, NULL, V_OK, NULL, "vmguardd running (PID %s), %s",
				  pidv, state);
		else
			local_add(r, CK_VMGUARDD, NULL, V_WARNING, "see vmguard status",
				  "vmguardd running (PID %s) but %s", pidv,
				  state != NULL ? state : "in an unknown state");
		if (wd != NULL && strcmp(wd, "armed") == 0)
			local_add(r, CK_WATCHDOG, NULL, V_OK, NULL, "watchdog %s armed",
				  wd_dev != NULL ? wd_dev : "");
		else if (wd != NULL && strcmp(wd, "disabled") == 0)
			local_add(r, CK_WATCHDOG, NULL, V_WARNING,
				  "set watchdog = yes in vmguardd.conf",
				  "watchdog disabled: no self-fence if fencing fails");
		else
			local_add(r, CK_WATCHDOG, NULL, V_CRITICAL,
				  "check the watchdog driver and vmguardd's log",
				  "watchdog not armed (%s)", wd != NULL ? wd : "unknown");
	}
	/* The timing rule with the cluster's own fencing timeout: until
	 * stonith-timeout has passed the cluster may still be carrying out a
	 * fence of this host, so the fence request term is the longer of
	 * vmguardd's fence_timeout and stonith-timeout. */
	vg_conf_timing(&conf, &t);
	if (r->cib_ok && r->cib.stonith_timeout_ms > t.fence_timeout_ms) {
		vg_timing_fmt(t.fence_timeout_ms, a, sizeof(a));
		vg_timing_fmt(r->cib.stonith_timeout_ms, b, sizeof(b));
		snprintf(fix, sizeof(fix), "raise fence_timeout to %s in vmguardd.conf or lower "
			 "stonith-timeout", b);
		local_add(r, CK_TIMING, NULL, V_WARNING, fix,
			  "vmguardd gives up a fence request after %s, the cluster's stonith-timeout "
			  "is %s", a, b);
		t.fence_timeout_ms = r->cib.stonith_timeout_ms;
	}
	rc = vg_timing_compute(&t, why, sizeof(why));
	vg_timing_fmt(t.self_fence_ms, a, sizeof(a));
	vg_timing_fmt(t.frontend_recovery_ms, b, sizeof(b));
	if (rc != 0)
		local_add(r, CK_TIMING, NULL, configured ? V_CRITICAL : V_WARNING,
			  "change the key named in the message (vmguardd.conf(5))",
			  "timing rule violated with the cluster's fencing timeout: %s", why);
	else
		local_add(r, CK_TIMING, NULL, V_OK, NULL,
			  "self-fence deadline %s < frontend recovery %s", a, b);
	/* The planned-stop window is part of the rule (issue 12 item 4),
	 * judged by the guard itself, as vmguardd --check-config does. */
	if (rc == 0) {
		struct vg_guard_conf g;
		struct vg_conf with_cluster = conf;

		/* the fence term as above: the longer of the two timeouts */
		with_cluster.fence_timeout_ms = t.fence_timeout_ms;
		vg_conf_guard(&with_cluster, &t, &g);
		if (vg_guard_conf_check(&g, why, sizeof(why)) != 0)
			local_add(r, CK_TIMING, NULL, configured ? V_CRITICAL : V_WARNING,
				  "lower maintenance_max in vmguardd.conf (vmguardd.conf(5))",
				  "planned-stop window breaks the timing rule: %s", why);
	}
}

/* ---- output ---------------------------------------------------------------- */

static int device_verdict(const struct device *dev)
{
	int v = V_OK;

	if (dev->cib->disabled)
		return V_SKIPPED;
	for (size_t i = 0; i < dev->nres; i++)
		if (dev->res[i].kind == MSG_RESULT)
			v = worst(v, dev->res[i].verdict);
	return v;
}

static int overall(const struct run *r)
{
	int v = r->cib_ok ? V_OK : V_UNKNOWN;

	for (size_t i = 0; i < r->ndevs; i++)
		v = worst(v, r->devs[i].verdict);
	for (size_t i = 0; i < r->nlocal; i++)
		v = worst(v, r->local[i].verdict);
	return v;
}

/* One line per failure: severity, device/node and target, check, what,
 * what to do. */
static void failure_line(char *buf, size_t len, const struct device *dev,
			 const struct result *m)
{
	char who[400];

	if (dev != NULL)
		snprintf(who, sizeof(who), "device %s (%s)%s%s", dev->cib->id, dev->cib->agent,
			 m->target[0] ? " target " : "", m->target);
	else if (m->target[0] != '\0')
		snprintf(who, sizeof(who), "node %s", m->target);
	else
		snprintf(who, sizeof(who), "this node");
	if (snprintf(buf, len, "%s %.399s %s: %s%s%s", verdict_name(m->verdict), who,
		     checks[m->check].name, m->text, m->fix[0] ? " -> " : "", m->fix) >= (int)len)
		buf[len - 2] = '+';	/* cut: mark it */
}

static bool is_failure(int v)
{
	return v == V_WARNING || v == V_CRITICAL || v == V_UNKNOWN;
}

static void each_failure(const struct run *r, void (*fn)(void *arg, const char *line), void *arg)
{
	char line[TEXT_MAX + FIX_MAX + 400];

	if (!r->cib_ok) {
		snprintf(line, sizeof(line), "UNKNOWN cluster: %s -> is Pacemaker running on this "
			 "node?", r->cib_err);
		fn(arg, line);
	}
	for (size_t i = 0; i < r->ndevs; i++)
		for (size_t k = 0; k < r->devs[i].nres; k++)
			if (r->devs[i].res[k].kind == MSG_RESULT &&
			    is_failure(r->devs[i].res[k].verdict)) {
				failure_line(line, sizeof(line), &r->devs[i], &r->devs[i].res[k]);
				fn(arg, line);
			}
	for (size_t i = 0; i < r->nlocal; i++)
		if (is_failure(r->local[i].verdict)) {
			failure_line(line, sizeof(line), NULL, &r->local[i]);
			fn(arg, line);
		}
}

static void print_line(void *arg, const char *line)
{
	fprintf(arg, "%s\n", line);
}

static void log_line(void *arg, const char *line)
{
	(void)arg;
	if (strncmp(line, "WARNING", 7) == 0)
		vg_warn("%s", line);
	else
		vg_err("%s", line);
}

struct counts {
	int devices, failing, nodes, uncovered;
};

static struct counts count(const struct run *r)
{
	struct counts c = { 0, 0, 0, 0 };

	for (size_t i = 0; i < r->ndevs; i++) {
		if (r->devs[i].cib->disabled)
			continue;
		c.devices++;
		c.failing += r->devs[i].verdict == V_CRITICAL || r->devs[i].verdict == V_UNKNOWN;
	}
	for (size_t i = 0; i < r->nlocal; i++) {
		if (r->local[i].check != CK_COVERAGE)
			continue;
		c.nodes++;
		c.uncovered += r->local[i].verdict == V_CRITICAL;
	}
	return c;
}

static void summary(const struct run *r, int v, char *buf, size_t len)
{
	struct counts c = count(r);

	if (!r->cib_ok)
		snprintf(buf, len, "cannot read the cluster configuration: %.200s", r->cib_err);
	else
		snprintf(buf, len, "%d of %d fence devices failing, %d of %d nodes cannot be "
			 "fenced%s", c.failing, c.devices, c.uncovered, c.nodes,
			 v == V_WARNING && c.failing == 0 && c.uncovered == 0 ? " (see warnings)" : "");
}

static void out_human(const struct run *r, int v, FILE *out)
{
	char s[256];

	if (r->o.quiet && v == V_OK)
		return;	/* cron: no output, no mail */
	summary(r, v, s, sizeof(s));
	fprintf(out, "vmguard selftest on %s: %s - %s (%.1f s)\n", r->node, verdict_name(v), s,
		(double)(vg_now_ms() - r->t0) / 1000.0);
	if (r->ndevs > 0)
		fprintf(out, "\n%-24s %-20s %-9s %s\n", "DEVICE", "AGENT", "RESULT", "TIME");
	for (size_t i = 0; i < r->ndevs; i++)
		fprintf(out, "%-24s %-20s %-9s %.2f s\n", r->devs[i].cib->id, r->devs[i].cib->agent,
			r->devs[i].cib->disabled ? "DISABLED" : verdict_name(r->devs[i].verdict),
			(double)r->devs[i].ms / 1000.0);
	if (r->nlocal > 0)
		fprintf(out, "\n");
	for (size_t i = 0; i < r->nlocal; i++)
		fprintf(out, "%-9s %-9s %s%s%s\n", checks[r->local[i].check].name,
			verdict_name(r->local[i].verdict), r->local[i].target,
			r->local[i].target[0] ? ": " : "", r->local[i].text);
	if (v != V_OK) {
		fprintf(out, "\nWhat would fail, and what to do:\n");
		each_failure(r, print_line, out);
	}
	if (r->o.verbose > 0) {
		fprintf(out, "\nAll checks:\n");
		for (size_t i = 0; i < r->ndevs; i++)
			for (size_t k = 0; k < r->devs[i].nres; k++) {
				const struct result *m = &r->devs[i].res[k];

				if (m->kind == MSG_RESULT)
					fprintf(out, "  %-20s %-10s %-8s %-9s %5lld ms  %s\n",
						r->devs[i].cib->id, checks[m->check].name,
						m->target, verdict_name(m->verdict), m->ms, m->text);
			}
	}
}

/* Nagios perfdata labels: no quotes, '=' or blanks inside. */
static void perf_label(char *dst, size_t len, const char *a, const char *b)
{
	size_t o = 0;

	for (const char *s = a; *s != '\0' && o + 1 < len; s++)
		dst[o++] = (*s == '\'' || *s == '=' || *s == ' ') ? '_' : *s;
	if (b != NULL && o + 1 < len)
		dst[o++] = '_';
	for (const char *s = b; s != NULL && *s != '\0' && o + 1 < len; s++)
		dst[o++] = (*s == '\'' || *s == '=' || *s == ' ') ? '_' : *s;
	dst[o] = '\0';
}

static void out_nagios(const struct run *r, int v, FILE *out)
{
	struct counts c = count(r);
	char s[256], label[200];

	summary(r, v, s, sizeof(s));
	/* SERVICE STATUS: text | perfdata (first line); long text follows. */
	fprintf(out, "VMGUARD_SELFTEST %s: %s | devices=%d;;;0 failing=%d;;1;0 nodes=%d;;;0 "
		"uncovered=%d;;1;0 time=%.3fs;;;0", verdict_name(v), s, c.devices, c.failing,
		c.nodes, c.uncovered, (double)(vg_now_ms() - r->t0) / 1000.0);
	for (size_t i = 0; i < r->ndevs; i++) {
		if (r->devs[i].cib->disabled)
			continue;
		perf_label(label, sizeof(label), r->devs[i].cib->id, NULL);
		fprintf(out, " %s=%.3fs;;;0", label, (double)r->devs[i].ms / 1000.0);
		for (size_t k = 0; k < r->devs[i].nres; k++)
			if (r->devs[i].res[k].check == CK_MONITOR &&
			    r->devs[i].res[k].kind == MSG_RESULT &&
			    r->devs[i].res[k].verdict != V_SKIPPED) {
				perf_label(label, sizeof(label), r->devs[i].cib->id, "monitor");
				fprintf(out, " %s=%.3fs;;;0", label,
					(double)r->devs[i].res[k].ms / 1000.0);
			}
	}
	fprintf(out, "\n");
	each_failure(r, print_line, out);
}

static void json_str(FILE *out, const char *s)
{
	fputc('"', out);
	for (; s != NULL && *s != '\0'; s++) {
		unsigned char ch = (unsigned char)*s;

		if (ch == '"' || ch == '\\')
			fprintf(out, "\\%c", ch);
		else if (ch < 0x20)
			fprintf(out, "\\u%04x", ch);
		else
			fputc(ch, out);
	}
	fputc('"', out);
}

static void json_result(FILE *out, const struct result *m)
{
	fprintf(out, "{\"check\": ");
	json_str(out, checks[m->check].name);
	fprintf(out, ", \"target\": ");
	if (m->target[0] != '\0')
		json_str(out, m->target);
	else
		fprintf(out, "null");
	fprintf(out, ", \"status\": ");
	json_str(out, verdict_name(m->verdict));
	fprintf(out, ", \"duration_ms\": %lld", m->ms);
	if (m->check == CK_STATUS)
		fprintf(out, ", \"power\": %s", m->power == 1 ? "\"on\"" :
			m->power == 0 ? "\"off\"" : "null");
	fprintf(out, ", \"message\": ");
	json_str(out, m->text);
	fprintf(out, ", \"action\": ");
	if (m->fix[0] != '\0')
		json_str(out, m->fix);
	else
		fprintf(out, "null");
	fprintf(out, "}");
}

struct json_ctx {
	FILE *out;
	int n;
};

static void json_fail(void *arg, const char *line)
{
	struct json_ctx *c = arg;

	fprintf(c->out, "%s\n    ", c->n++ ? "," : "");
	json_str(c->out, line);
}

static void out_json(const struct run *r, int v, FILE *out)
{
	struct counts c = count(r);
	struct json_ctx jc = { out, 0 };
	char s[256];

	summary(r, v, s, sizeof(s));
	fprintf(out, "{\n  \"version\": 1,\n  \"node\": ");
	json_str(out, r->node);
	fprintf(out, ",\n  \"status\": ");
	json_str(out, verdict_name(v));
	fprintf(out, ",\n  \"exit_code\": %d,\n  \"summary\": ", v);
	json_str(out, s);
	fprintf(out, ",\n  \"duration_ms\": %lld,\n  \"devices_total\": %d,\n"
		"  \"devices_failing\": %d,\n  \"nodes_total\": %d,\n  \"nodes_uncovered\": %d,\n"
		"  \"stonith_enabled\": %s,\n  \"stonith_timeout_ms\": %lld,\n  \"devices\": [",
		vg_now_ms() - r->t0, c.devices, c.failing, c.nodes, c.uncovered,
		r->cib.stonith_enabled ? "true" : "false", r->cib.stonith_timeout_ms);
	for (size_t i = 0; i < r->ndevs; i++) {
		const struct device *dev = &r->devs[i];
		bool first = true;

		fprintf(out, "%s\n    {\"id\": ", i ? "," : "");
		json_str(out, dev->cib->id);
		fprintf(out, ", \"agent\": ");
		json_str(out, dev->cib->agent);
		fprintf(out, ", \"status\": ");
		json_str(out, dev->cib->disabled ? "DISABLED" : verdict_name(dev->verdict));
		fprintf(out, ", \"duration_ms\": %lld, \"targets\": [", dev->ms);
		for (size_t k = 0; k < dev->nres; k++)
			if (dev->res[k].kind == MSG_TARGET) {
				fprintf(out, "%s", first ? "" : ", ");
				json_str(out, dev->res[k].target);
				first = false;
			}
		fprintf(out, "], \"checks\": [");
		first = true;
		for (size_t k = 0; k < dev->nres; k++)
			if (dev->res[k].kind == MSG_RESULT) {
				fprintf(out, "%s\n      ", first ? "" : ",");
				json_result(out, &dev->res[k]);
				first = false;
			}
		fprintf(out, "]}");
	}
	fprintf(out, "\n  ],\n  \"nodes\": [");
	{
		bool first = true;

		for (size_t i = 0; i < r->nlocal; i++)
			if (r->local[i].check == CK_COVERAGE) {
				const struct vg_cib_node *n = vg_cib_node_find(&r->cib, r->local[i].target);

				fprintf(out, "%s\n    {\"name\": ", first ? "" : ",");
				json_str(out, r->local[i].target);
				fprintf(out, ", \"online\": %s, \"status\": ",
					n != NULL && n->online ? "true" : "false");
				json_str(out, verdict_name(r->local[i].verdict));
				fprintf(out, ", \"message\": ");
				json_str(out, r->local[i].text);
				fprintf(out, "}");
				first = false;
			}
	}
	fprintf(out, "\n  ],\n  \"local\": [");
	{
		bool first = true;

		for (size_t i = 0; i < r->nlocal; i++)
			if (r->local[i].check != CK_COVERAGE) {
				fprintf(out, "%s\n    ", first ? "" : ",");
				json_result(out, &r->local[i]);
				first = false;
			}
	}
	fprintf(out, "\n  ],\n  \"failures\": [");
	each_failure(r, json_fail, &jc);
	fprintf(out, "\n  ]\n}\n");
}

/* ---- the node attribute ----------------------------------------------------- */

/* Pacemaker 2.1.5 has no public attrd client: the only one in its headers
 * is crm/common/ipc_attrd_internal.h (pcmk__attrd_api_update(), internal
 * and changing between releases).  attrd_updater is Pacemaker's stable
 * interface to the attribute manager, so it is run as a subprocess, with
 * a deadline, no secret in its arguments. */
static int set_attribute(const struct run *r, int v)
{
	static const char *const values[] = { "ok", "warning", "critical", "unknown", "ok" };
	char *argv[] = { (char *)VG_ATTRD_UPDATER, (char *)"-n", (char *)VG_ATTRIBUTE,
			 (char *)"-U", (char *)values[v], NULL };
	char out[512];
	int status = 0, rc;

	(void)r;
	rc = run_capture(argv, 10000, &status, out, sizeof(out));
	if (rc == 0 && !(WIFEXITED(status) && WEXITSTATUS(status) == 0))
		rc = -EIO;
	if (rc != 0)
		vg_warn("cannot set node attribute %s: %s %s", VG_ATTRIBUTE,
			rc == -EIO ? "attrd_updater failed:" : strerror(-rc), rc == -EIO ? out : "");
	return rc;
}

/* ---- main -------------------------------------------------------------------- */

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: vmguard selftest [--nagios|--json] [OPTIONS]\n"
		"Checks every fence device of the cluster (nothing is powered off).\n"
		"  --nagios            Nagios/Icinga plugin output\n"
		"  --json              JSON report\n"
		"  -t, --timeout SECS  deadline of each check (default 20)\n"
		"  -j, --jobs N        devices checked at once (default 64)\n"
		"  -c, --config FILE   vmguardd.conf (default %s)\n"
		"  -q, --quiet         human output: print nothing when all is well (cron)\n"
		"  --no-attribute      do not set the node attribute " VG_ATTRIBUTE "\n"
		"  -v, --verbose       every check, and log to stderr\n"
		"Exit: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN.\n", VG_CONF_DEFAULT_PATH);
}

static int parse_opts(int argc, char **argv, struct opts *o)
{
	static const struct option lo[] = {
		{ "nagios", no_argument, NULL, 'N' },
		{ "json", no_argument, NULL, 'J' },
		{ "timeout", required_argument, NULL, 't' },
		{ "jobs", required_argument, NULL, 'j' },
		{ "config", required_argument, NULL, 'c' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "no-attribute", no_argument, NULL, 'A' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	*o = (struct opts){ .format = OUT_HUMAN, .check_timeout_ms = 20000,
			    .cib_timeout_ms = 10000, .jobs = 64, .attribute = true };
	optind = 1;
	while ((c = getopt_long(argc, argv, "t:j:c:qvh", lo, NULL)) != -1) {
		char *end;
		double d;
		long n;

		switch (c) {
		case 'N': o->format = OUT_NAGIOS; break;
		case 'J': o->format = OUT_JSON; break;
		case 't':
			d = strtod(optarg, &end);
			if (*end != '\0' || d < 1 || d > 600)
				return -EINVAL;
			o->check_timeout_ms = (long long)(d * 1000);
			break;
		case 'j':
			n = strtol(optarg, &end, 10);
			if (*end != '\0' || n < 1 || n > 1024)
				return -EINVAL;
			o->jobs = (int)n;
			break;
		case 'c': o->config = optarg; break;
		case 'q': o->quiet = true; break;
		case 'A': o->attribute = false; break;
		case 'v': o->verbose++; break;
		case 'h': return 1;
		default: return -EINVAL;
		}
	}
	return optind < argc ? -EINVAL : 0;
}

int vmguard_selftest_main(int argc, char **argv)
{
	struct run r = { .t0 = vg_now_ms(), .out_fd = -1, .worker = worker_main };
	struct vg_deadline d;
	struct utsname u;
	char *xml = NULL;
	int rc, v;

	rc = parse_opts(argc, argv, &r.o);
	if (rc != 0) {
		usage(rc > 0 ? stdout : stderr);
		return rc > 0 ? V_OK : V_UNKNOWN;
	}
	vg_log_init("vmguard-selftest", NULL, LOG_DEBUG);
	if (r.o.verbose == 0)
		qb_log_ctl(QB_LOG_STDERR, QB_LOG_CONF_ENABLED, QB_FALSE);
	/* A worker killed at its deadline must not kill us through a pipe. */
	signal(SIGPIPE, SIG_IGN);
	signal(SIGCHLD, SIG_DFL);
	snprintf(r.node, sizeof(r.node), "%s", uname(&u) == 0 ? u.nodename : "?");

	vg_deadline_in_ms(&d, r.o.cib_timeout_ms);
	rc = vg_cib_fetch(&xml, &d, r.cib_err, sizeof(r.cib_err));
	if (rc == 0) {
		rc = vg_cib_parse(xml, &r.cib, r.cib_err, sizeof(r.cib_err));
		free(xml);
	}
	r.cib_ok = rc == 0;
	if (r.cib_ok) {
		r.ndevs = r.cib.ndevices;
		r.devs = calloc(r.ndevs ? r.ndevs : 1, sizeof(*r.devs));
		if (r.devs == NULL)
			return V_UNKNOWN;
		for (size_t i = 0; i < r.ndevs; i++)
			r.devs[i].cib = &r.cib.devices[i];
		for (size_t i = 0; i < r.cib.nnodes; i++)
			r.online_nodes += r.cib.nodes[i].online;
		vg_info("checking %zu fence devices and %zu nodes", r.ndevs, r.cib.nnodes);
		run_workers(&r);
		for (size_t i = 0; i < r.ndevs; i++)
			r.devs[i].verdict = device_verdict(&r.devs[i]);
		if (!r.cib.stonith_enabled)
			local_add(&r, CK_CLUSTER, NULL, V_WARNING,
				  "crm_attribute -n stonith-enabled -v true",
				  "fencing is disabled in the cluster (stonith-enabled=false)");
		if (r.cib.ndevices == 0)
			local_add(&r, CK_CLUSTER, NULL, V_CRITICAL,
				  "configure a stonith resource for every node",
				  "the cluster has no fence device");
		coverage(&r);
	}
	local_checks(&r);
	v = overall(&r);

	switch (r.o.format) {
	case OUT_NAGIOS: out_nagios(&r, v, stdout); break;
	case OUT_JSON: out_json(&r, v, stdout); break;
	default: out_human(&r, v, stdout); break;
	}
	fflush(stdout);
	each_failure(&r, log_line, NULL);
	{
		char s[256];

		summary(&r, v, s, sizeof(s));
		vg_notice("selftest %s: %s", verdict_name(v), s);
	}
	if (r.o.attribute && r.cib_ok)
		(void)set_attribute(&r, v);

	for (size_t i = 0; i < r.ndevs; i++)
		free(r.devs[i].res);
	free(r.devs);
	free(r.local);
	if (r.cib_ok)
		vg_cib_free(&r.cib);
	vg_log_fini();
	return v;
}
