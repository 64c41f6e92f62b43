/* invariant — the lab's sampler: which guest's qemu runs on which node.
 *
 *   invariant -o EVENTS [-i MS]
 *
 * Every MS milliseconds (default 50) it reads /proc of the lab's host,
 * finds every live qemu process, the guest it runs (-name guest=NAME) and
 * the node it belongs to: the node is the PID namespace, named by that
 * namespace's init (bash node-init.sh --node=NAME), never guessed from PID
 * numbers, which repeat across nodes.  A process exists only while its node
 * has power (power-off kills the node's whole PID namespace), so "runs on
 * two powered-on nodes" is "has a live qemu in two node namespaces".
 *
 * EVENTS gets one line per change, stamped with CLOCK_REALTIME in ms (the
 * clock every node's logs use: one kernel):
 *   <ms> start <guest> <node> <host-pid>
 *   <ms> stop <guest> <node> <host-pid>
 *   <ms> violation <guest> <node>,<node>[,...]   (when it begins)
 *   <ms> summary samples=<n> max_gap_ms=<n> late=<n> rt=<yes|no> violations=<n>
 *        (on SIGTERM)
 * The pace is kept on CLOCK_MONOTONIC; max_gap_ms is the longest time
 * between two complete samples and late counts gaps over 100 ms, so a
 * loaded machine shows in the figures.  The sampler asks for SCHED_FIFO
 * (priority 1, rt=yes) so that the lab's own daemons, busy on a small
 * machine, do not starve it; one sample is a short /proc scan, and the
 * kernel's real-time throttling bounds it anyway.
 *
 * Exit: 0 no violation seen, 1 violation(s), 2 usage or I/O error.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define MAX_PROCS 256
#define MAX_NODES 64
#define NAME_LEN 64

struct qproc {
	pid_t pid;
	unsigned long long start;	/* starttime from /proc/PID/stat */
	char guest[NAME_LEN];
	char node[NAME_LEN];
};

struct nodemap {
	ino_t ns;
	char name[NAME_LEN];
};

static volatile sig_atomic_t stop_requested;
static struct nodemap nodes[MAX_NODES];
static int n_nodes;

static void on_signal(int sig)
{
	(void)sig;
	stop_requested = 1;
}

static long long now_ms(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Read a small /proc file into buf (NUL-terminated); returns length or -1. */
static ssize_t read_file(const char *path, char *buf, size_t size)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n, total = 0;

	if (fd < 0)
		return -1;
	while ((size_t)total < size - 1) {
		n = read(fd, buf + total, size - 1 - (size_t)total);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		total += n;
	}
	close(fd);
	buf[total] = '\0';
	return total;
}

/* comm, state and starttime from /proc/PID/stat. */
static int read_stat(pid_t pid, char *comm, size_t comm_size, char *state,
		     unsigned long long *start)
{
	char path[64], buf[1024], *open_paren, *close_paren, *p;
	size_t len;
	int field;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if (read_file(path, buf, sizeof(buf)) <= 0)
		return -ENOENT;
	open_paren = strchr(buf, '(');
	close_paren = strrchr(buf, ')');
	if (open_paren == NULL || close_paren == NULL || close_paren < open_paren)
		return -EINVAL;
	len = (size_t)(close_paren - open_paren - 1);
	if (len >= comm_size)
		len = comm_size - 1;
	memcpy(comm, open_paren + 1, len);
	comm[len] = '\0';
	p = close_paren + 2;
	*state = *p;
	/* starttime is field 22; p points at field 3 (state). */
	for (field = 3; field < 22 && p != NULL; field++) {
		p = strchr(p, ' ');
		if (p != NULL)
			p++;
	}
	if (p == NULL)
		return -EINVAL;
	*start = strtoull(p, NULL, 10);
	return 0;
}

/* The value of "guest=NAME[,...]" in a qemu command line (argv NUL-separated). */
static int qemu_guest(pid_t pid, char *guest, size_t size)
{
	char path[64], buf[8192];
	ssize_t n;
	const char *p, *end;

	snprintf(path, sizeof(path), "/proc/%d/cmdline", (int)pid);
	n = read_file(path, buf, sizeof(buf));
	if (n <= 0)
		return -ENOENT;
	for (p = buf; p < buf + n; p += strlen(p) + 1) {
		if (strncmp(p, "guest=", 6) == 0) {
			size_t len;

			p += 6;
			end = strchr(p, ',');
			len = end != NULL ? (size_t)(end - p) : strlen(p);
			if (len == 0 || len >= size)
				return -EINVAL;
			memcpy(guest, p, len);
			guest[len] = '\0';
			return 0;
		}
	}
	return -ENOENT;
}

static int pidns_of(pid_t pid, ino_t *ns)
{
	char path[64];
	struct stat st;

	snprintf(path, sizeof(path), "/proc/%d/ns/pid", (int)pid);
	if (stat(path, &st) != 0)
		return -errno;
	*ns = st.st_ino;
	return 0;
}

/* The node name given to a node's init: "--node=NAME" in its argv. */
static int node_arg(pid_t pid, char *name, size_t size)
{
	char path[64], buf[4096];
	ssize_t n;
	const char *p;

	snprintf(path, sizeof(path), "/proc/%d/cmdline", (int)pid);
	n = read_file(path, buf, sizeof(buf));
	if (n <= 0)
		return -ENOENT;
	for (p = buf; p < buf + n; p += strlen(p) + 1) {
		if (strncmp(p, "--node=", 7) == 0 && strlen(p + 7) < size && p[7] != '\0') {
			strcpy(name, p + 7);
			return 0;
		}
	}
	return -ENOENT;
}

/* The init of a PID namespace is the process whose last NSpid is 1. */
static bool is_ns_init(pid_t pid)
{
	char path[64], buf[2048], *line, *last;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	if (read_file(path, buf, sizeof(buf)) <= 0)
		return false;
	line = strstr(buf, "\nNSpid:");
	if (line == NULL)
		return false;
	line += 7;
	last = NULL;
	for (char *tok = strtok(line, " \t\n"); tok != NULL; tok = strtok(NULL, " \t\n")) {
		if (!isdigit((unsigned char)tok[0]))
			break;
		last = tok;
		if (strchr(tok, '\n'))
			break;
	}
	return last != NULL && strcmp(last, "1") == 0;
}

/* Name of the node whose PID namespace is ns (cached; inits are found by
 * scanning /proc once per unknown namespace). */
static const char *node_of_ns(ino_t ns)
{
	DIR *d;
	struct dirent *de;
	int i;

	for (i = 0; i < n_nodes; i++)
		if (nodes[i].ns == ns)
			return nodes[i].name;
	d = opendir("/proc");
	if (d == NULL)
		return NULL;
	while ((de = readdir(d)) != NULL) {
		pid_t pid = (pid_t)atoi(de->d_name);
		ino_t pns = 0;
		char name[NAME_LEN];

		if (pid <= 0 || pidns_of(pid, &pns) != 0 || pns != ns)
			continue;
		if (!is_ns_init(pid) || node_arg(pid, name, sizeof(name)) != 0)
			continue;
		closedir(d);
		if (n_nodes == MAX_NODES)
			n_nodes = 0;	/* overwrite: old namespaces are gone */
		nodes[n_nodes].ns = ns;
		strcpy(nodes[n_nodes].name, name);
		return nodes[n_nodes++].name;
	}
	closedir(d);
	return NULL;
}

/* One sample: every live qemu with its guest and node. */
static int sample(struct qproc *out, int max)
{
	DIR *d = opendir("/proc");
	struct dirent *de;
	int n = 0;

	if (d == NULL)
		return -errno;
	while ((de = readdir(d)) != NULL && n < max) {
		pid_t pid = (pid_t)atoi(de->d_name);
		char comm[32], state;
		unsigned long long start;
		ino_t ns = 0;
		const char *node;

		if (pid <= 0 || read_stat(pid, comm, sizeof(comm), &state, &start) != 0)
			continue;
		if (strncmp(comm, "qemu-system", 11) != 0 || state == 'Z' || state == 'X')
			continue;
		if (qemu_guest(pid, out[n].guest, sizeof(out[n].guest)) != 0)
			continue;
		if (pidns_of(pid, &ns) != 0)
			continue;
		node = node_of_ns(ns);
		if (node == NULL)
			continue;	/* not a lab node's qemu */
		out[n].pid = pid;
		out[n].start = start;
		snprintf(out[n].node, sizeof(out[n].node), "%s", node);
		n++;
	}
	closedir(d);
	return n;
}

static bool same_proc(const struct qproc *a, const struct qproc *b)
{
	return a->pid == b->pid && a->start == b->start && strcmp(a->node, b->node) == 0;
}

static bool contains(const struct qproc *set, int n, const struct qproc *p)
{
	for (int i = 0; i < n; i++)
		if (same_proc(&set[i], p))
			return true;
	return false;
}

/* Guests running on two nodes now: report each once when it begins. */
static int check_double(FILE *ev, long long ms, const struct qproc *cur, int n,
			char (*flagged)[NAME_LEN], int *n_flagged)
{
	int violations = 0;

	for (int i = 0; i < n; i++) {
		char nodes_seen[512];
		int count = 1;
		bool already = false;

		/* only the first process of each guest starts the check */
		for (int j = 0; j < i; j++)
			if (strcmp(cur[j].guest, cur[i].guest) == 0)
				already = true;
		if (already)
			continue;
		snprintf(nodes_seen, sizeof(nodes_seen), "%s", cur[i].node);
		for (int j = i + 1; j < n; j++) {
			if (strcmp(cur[j].guest, cur[i].guest) != 0 ||
			    strcmp(cur[j].node, cur[i].node) == 0)
				continue;
			count++;
			strncat(nodes_seen, ",", sizeof(nodes_seen) - strlen(nodes_seen) - 1);
			strncat(nodes_seen, cur[j].node, sizeof(nodes_seen) - strlen(nodes_seen) - 1);
		}
		bool was = false;
		for (int k = 0; k < *n_flagged; k++)
			if (strcmp(flagged[k], cur[i].guest) == 0)
				was = true;
		if (count > 1 && !was) {
			fprintf(ev, "%lld violation %s %s\n", ms, cur[i].guest, nodes_seen);
			if (*n_flagged < MAX_PROCS)
				snprintf(flagged[(*n_flagged)++], NAME_LEN, "%s", cur[i].guest);
			violations++;
		} else if (count == 1 && was) {
			/* over: may be reported again if it recurs */
			for (int k = 0; k < *n_flagged; k++)
				if (strcmp(flagged[k], cur[i].guest) == 0) {
					memmove(flagged[k], flagged[*n_flagged - 1], NAME_LEN);
					(*n_flagged)--;
					break;
				}
		}
	}
	return violations;
}

int main(int argc, char **argv)
{
	static struct qproc prev[MAX_PROCS], cur[MAX_PROCS];
	static char flagged[MAX_PROCS][NAME_LEN];
	const char *out_path = NULL;
	long interval = 50;
	int n_prev = 0, n_flagged = 0, opt, violations = 0;
	long long samples = 0, max_gap = 0, last_mono = 0, late = 0;
	struct sched_param sp = { .sched_priority = 1 };
	bool rt;
	struct timespec next;
	struct sigaction sa;
	FILE *ev;

	while ((opt = getopt(argc, argv, "o:i:")) != -1) {
		switch (opt) {
		case 'o': out_path = optarg; break;
		case 'i': interval = strtol(optarg, NULL, 10); break;
		default: goto usage;
		}
	}
	if (out_path == NULL || interval < 1 || interval > 1000)
		goto usage;
	ev = fopen(out_path, "ae");
	if (ev == NULL) {
		perror(out_path);
		return 2;
	}
	setvbuf(ev, NULL, _IOLBF, 0);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);

	rt = sched_setscheduler(0, SCHED_FIFO, &sp) == 0;
	if (!rt)
		fprintf(stderr, "invariant: no real-time priority (%s): samples may be late "
			"on a loaded machine\n", strerror(errno));
	clock_gettime(CLOCK_MONOTONIC, &next);
	while (!stop_requested) {
		int n = sample(cur, MAX_PROCS);
		long long ms = now_ms(CLOCK_REALTIME), mono = now_ms(CLOCK_MONOTONIC);

		if (n < 0) {
			fprintf(stderr, "invariant: cannot read /proc: %s\n", strerror(-n));
			return 2;
		}
		if (samples > 0 && mono - last_mono > max_gap)
			max_gap = mono - last_mono;
		if (samples > 0 && mono - last_mono > 100)
			late++;
		last_mono = mono;
		samples++;
		for (int i = 0; i < n; i++)
			if (!contains(prev, n_prev, &cur[i]))
				fprintf(ev, "%lld start %s %s %d\n", ms, cur[i].guest, cur[i].node,
					(int)cur[i].pid);
		for (int i = 0; i < n_prev; i++)
			if (!contains(cur, n, &prev[i]))
				fprintf(ev, "%lld stop %s %s %d\n", ms, prev[i].guest, prev[i].node,
					(int)prev[i].pid);
		violations += check_double(ev, ms, cur, n, flagged, &n_flagged);
		memcpy(prev, cur, sizeof(cur[0]) * (size_t)n);
		n_prev = n;

		next.tv_nsec += interval * 1000000L;
		while (next.tv_nsec >= 1000000000L) {
			next.tv_nsec -= 1000000000L;
			next.tv_sec++;
		}
		/* Late (a loaded machine): sample again at once, do not catch up. */
		if (now_ms(CLOCK_MONOTONIC) > (long long)next.tv_sec * 1000 + next.tv_nsec / 1000000)
			clock_gettime(CLOCK_MONOTONIC, &next);
		else
			clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, NULL);
	}
	fprintf(ev, "%lld summary samples=%lld max_gap_ms=%lld late=%lld rt=%s violations=%d\n",
		now_ms(CLOCK_REALTIME), samples, max_gap, late, rt ? "yes" : "no", violations);
	fclose(ev);
	return violations > 0 ? 1 : 0;
usage:
	fprintf(stderr, "usage: invariant -o EVENTS [-i MS]\n");
	return 2;
}
