/* invariant — the lab's sampler: which guest's qemu runs on which node.
 *
 *   invariant -o EVENTS [-i MS]
 *
 * Every MS milliseconds (default 50) it reads /proc of the lab's host and
 * finds every live qemu process: every process whose comm or executable is
 * named as the product recognises a qemu (common/proc.c: qemu-system-*,
 * qemu-kvm).  Both names are read because they differ: a symlink qemu-kvm to
 * qemu-system-x86_64 runs with comm "qemu-kvm" and that executable.  Of each
 * qemu it records
 *   - the guest's name: "-name guest=NAME,..." or "-name NAME" (",," is a
 *     ',' in the name), the grammar common/proc.c reads -- written again
 *     here, so that a bug there cannot blind the checker as well;
 *   - its disks: the images its command line names (-drive file=..., the
 *     "filename" of -blockdev, -hda...) and every regular file or block
 *     device it holds open for writing (/proc/PID/fd; not its -pidfile,
 *     not a file opened to append, not stdio), each known by device
 *     and inode as the host sees it: one image is one disk whatever path or
 *     mount a node reaches it through.  Read-only drives (readonly=on,
 *     media=cdrom, "read-only":true) are not disks: two guests may share an
 *     installation image.  libvirt marks a read-only -blockdev on its format
 *     node, not on the file: such an image shared by two nodes is reported
 *     (a false alarm is loud; the lab has none);
 *   - its node: the PID namespace, named by that namespace's init (bash
 *     node-init.sh --node=NAME), never guessed from PID numbers, which
 *     repeat across nodes.
 * A process exists only while its node has power (power-off kills the node's
 * whole PID namespace), so "runs on two powered-on nodes" is "has a live
 * qemu in two node namespaces".  Two qemu processes are the same guest when
 * they have the same name or share a disk (and transitively: a chain of
 * either is one guest); a guest whose processes are on two nodes or more is
 * a violation.  Two processes of one guest on one node are not (the product
 * promises one hypervisor per VM).
 *
 * EVENTS gets one line per change, stamped with CLOCK_REALTIME in ms (the
 * clock every node's logs use: one kernel):
 *   <ms> start <guest> <node> <host-pid> disks=<path>[,<path>...]|- after=<ms>|-
 *        after: the time of the last sample that did not see it (it
 *        started in between; "-": it ran when the checker started)
 *   <ms> stop <guest> <node> <host-pid>
 *   <ms> violation <guest>[,<guest>...] <node>,<node>[,...] by=<how>
 *        when it begins (one of its names or disks is on two nodes, and
 *        was on one or none at the last sample): the names of the processes
 *        involved ("?": a qemu
 *        without a name), the nodes (sorted), and what ties them: "name",
 *        "disk:<path>" for each disk on two nodes, joined by '+'
 *   <ms> summary samples=<n> max_gap_ms=<n> late=<n> rt=<yes|no>
 *        max_scan_ms=<n> violations=<n>     (on SIGTERM)
 * Paths are as the qemu process names them (its mount namespace); bytes
 * that would split a line or a field are written as '_'.
 * The pace is kept on CLOCK_MONOTONIC; max_gap_ms is the longest time
 * between two complete samples (a double run shorter than that may fall
 * between two samples: scenario.sh judges it), late counts gaps over 100
 * ms, max_scan_ms is the longest one sample took.  The sampler asks for
 * SCHED_FIFO (priority 1, rt=yes) so that the lab's own daemons, busy on a
 * small machine, do not starve it; one sample is a short /proc scan, and the
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
#define MAX_DISKS 16
#define NAME_LEN 128
#define PATH_LEN 256

struct disk {
	dev_t dev;
	ino_t ino;
	char path[PATH_LEN];
};

struct qproc {
	pid_t pid;
	unsigned long long start;	/* starttime from /proc/PID/stat */
	char guest[NAME_LEN];		/* "" when it has no -name */
	char node[NAME_LEN];
	int n_disks;
	struct disk disks[MAX_DISKS];
};

struct nodemap {
	ino_t ns;
	pid_t init;			/* host PID of the namespace's init */
	unsigned long long start;	/* and its starttime */
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

/* Copy s into an event field: no blanks or control bytes. */
static void field_copy(char *dst, size_t size, const char *s, size_t len)
{
	size_t i;

	if (len >= size)
		len = size - 1;
	for (i = 0; i < len; i++)
		dst[i] = (unsigned char)s[i] <= ' ' ? '_' : s[i];
	dst[len] = '\0';
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

/* The names the product takes for a qemu (common/proc.c exe_is_qemu). */
static bool qemu_name(const char *base)
{
	return strncmp(base, "qemu-system", 11) == 0 || strncmp(base, "qemu-kvm", 8) == 0;
}

static bool is_qemu(pid_t pid, const char *comm)
{
	char path[64], exe[PATH_LEN];
	const char *base;
	ssize_t n;

	if (qemu_name(comm))
		return true;
	snprintf(path, sizeof(path), "/proc/%d/exe", (int)pid);
	n = readlink(path, exe, sizeof(exe) - 1);
	if (n <= 0)
		return false;
	exe[n] = '\0';
	base = strrchr(exe, '/');
	return qemu_name(base != NULL ? base + 1 : exe);
}

/* One element of a qemu option list ("a=b,c=d", ",," is a ','): copies the
 * element starting at *p into out, unescaped, and moves *p past it. */
static void opt_next(const char **p, char *out, size_t size)
{
	const char *s = *p;
	size_t o = 0;

	for (; *s != '\0'; s++) {
		if (*s == ',') {
			if (s[1] != ',')
				break;
			s++;
		}
		if (o + 1 < size)
			out[o++] = *s;
	}
	out[o] = '\0';
	*p = *s == ',' ? s + 1 : s;
}

/* "-name guest=NAME,process=...,debug-threads=on" or "-name NAME,...": the
 * guest is the "guest=" element, or the first one if it has no key. */
static void parse_name(const char *arg, char *guest, size_t size)
{
	char el[NAME_LEN];
	const char *p = arg;
	bool first = true;

	while (*p != '\0') {
		opt_next(&p, el, sizeof(el));
		if (strncmp(el, "guest=", 6) == 0 || (first && strchr(el, '=') == NULL)) {
			const char *v = strchr(el, '=') != NULL ? el + 6 : el;

			field_copy(guest, size, v, strlen(v));
			return;
		}
		first = false;
	}
}

/* Add the disk at path (as the qemu process names it) if it is a regular
 * file or a block device: stat through the process's own root and cwd. */
static void add_disk(struct qproc *q, pid_t pid, const char *path)
{
	char where[PATH_LEN + 64];
	struct stat st;

	if (path[0] == '\0' || q->n_disks == MAX_DISKS)
		return;
	snprintf(where, sizeof(where), "/proc/%d/%s/%s", (int)pid,
		 path[0] == '/' ? "root" : "cwd", path);
	if (stat(where, &st) != 0 || !(S_ISREG(st.st_mode) || S_ISBLK(st.st_mode)))
		return;
	for (int i = 0; i < q->n_disks; i++)
		if (q->disks[i].dev == st.st_dev && q->disks[i].ino == st.st_ino)
			return;
	q->disks[q->n_disks].dev = st.st_dev;
	q->disks[q->n_disks].ino = st.st_ino;
	field_copy(q->disks[q->n_disks].path, PATH_LEN, path, strlen(path));
	q->n_disks++;
}

/* -drive file=PATH,...: a disk unless read-only. */
static void parse_drive(struct qproc *q, pid_t pid, const char *arg)
{
	char el[PATH_LEN + 8], file[PATH_LEN] = "";
	const char *p = arg;
	bool ro = false;

	while (*p != '\0') {
		opt_next(&p, el, sizeof(el));
		if (strncmp(el, "file=", 5) == 0)
			snprintf(file, sizeof(file), "%.*s", (int)sizeof(file) - 1, el + 5);
		else if (strcmp(el, "readonly=on") == 0 || strcmp(el, "media=cdrom") == 0)
			ro = true;
	}
	if (!ro)
		add_disk(q, pid, file);
}

/* -blockdev '{"driver":"file","filename":"PATH",...}' or
 * -blockdev driver=file,filename=PATH,...: a disk unless read-only. */
static void parse_blockdev(struct qproc *q, pid_t pid, const char *arg)
{
	char file[PATH_LEN] = "";
	const char *p;

	if (arg[0] == '{') {
		size_t o = 0;

		if (strstr(arg, "\"read-only\":true") != NULL)
			return;
		p = strstr(arg, "\"filename\"");
		if (p == NULL)
			return;
		p += 10;
		while (*p == ' ' || *p == ':')
			p++;
		if (*p++ != '"')
			return;
		for (; *p != '\0' && *p != '"' && o + 1 < sizeof(file); p++) {
			if (*p == '\\' && p[1] != '\0')
				p++;
			file[o++] = *p;
		}
		file[o] = '\0';
		add_disk(q, pid, file);
		return;
	}
	p = arg;
	while (*p != '\0') {
		char el[PATH_LEN + 16];

		opt_next(&p, el, sizeof(el));
		if (strncmp(el, "filename=", 9) == 0)
			snprintf(file, sizeof(file), "%.*s", (int)sizeof(file) - 1, el + 9);
		else if (strcmp(el, "read-only=on") == 0)
			return;
	}
	add_disk(q, pid, file);
}

/* Name and command-line disks from /proc/PID/cmdline (argv NUL-separated);
 * pidfile gets the -pidfile argument (qemu holds it open for writing). */
static int parse_cmdline(pid_t pid, struct qproc *q, char *pidfile, size_t pidfile_size)
{
	static char buf[65536];
	char path[64];
	ssize_t n;
	const char *p, *prev = NULL;

	snprintf(path, sizeof(path), "/proc/%d/cmdline", (int)pid);
	n = read_file(path, buf, sizeof(buf));
	if (n <= 0)
		return -ENOENT;
	for (p = buf; p < buf + n; p += strlen(p) + 1) {
		if (prev != NULL) {
			if (strcmp(prev, "-name") == 0 || strcmp(prev, "--name") == 0)
				parse_name(p, q->guest, sizeof(q->guest));
			else if (strcmp(prev, "-drive") == 0 || strcmp(prev, "--drive") == 0)
				parse_drive(q, pid, p);
			else if (strcmp(prev, "-blockdev") == 0 || strcmp(prev, "--blockdev") == 0)
				parse_blockdev(q, pid, p);
			else if (strcmp(prev, "-hda") == 0 || strcmp(prev, "-hdb") == 0 ||
				 strcmp(prev, "-hdc") == 0 || strcmp(prev, "-hdd") == 0)
				add_disk(q, pid, p);
			else if (strcmp(prev, "-pidfile") == 0 || strcmp(prev, "--pidfile") == 0)
				snprintf(pidfile, pidfile_size, "%s", p);
		}
		prev = p;
	}
	return 0;
}

/* Regular files and block devices the process holds open for writing,
 * but its pidfile. */
static void fd_disks(pid_t pid, struct qproc *q, const char *pidfile)
{
	char dir[64], where[PATH_LEN + 64];
	DIR *d;
	struct dirent *de;
	struct stat pid_st = { 0 };

	if (pidfile[0] != '\0') {
		snprintf(where, sizeof(where), "/proc/%d/%s/%s", (int)pid,
			 pidfile[0] == '/' ? "root" : "cwd", pidfile);
		if (stat(where, &pid_st) != 0)
			pid_st.st_ino = 0;
	}
	snprintf(dir, sizeof(dir), "/proc/%d/fd", (int)pid);
	d = opendir(dir);
	if (d == NULL)
		return;
	while ((de = readdir(d)) != NULL && q->n_disks < MAX_DISKS) {
		char path[PATH_LEN], link[PATH_LEN], info[512], *flags;
		struct stat st;
		unsigned long fl;
		ssize_t n;
		bool known = false;

		/* Not stdin/out/err (a log file when run by hand), nor a file
		 * opened to append (a log): an image is neither. */
		if (!isdigit((unsigned char)de->d_name[0]) || atoi(de->d_name) <= 2)
			continue;
		snprintf(path, sizeof(path), "%s/%.32s", dir, de->d_name);
		if (stat(path, &st) != 0 || !(S_ISREG(st.st_mode) || S_ISBLK(st.st_mode)))
			continue;
		for (int i = 0; i < q->n_disks; i++)
			if (q->disks[i].dev == st.st_dev && q->disks[i].ino == st.st_ino)
				known = true;
		if (known || (pid_st.st_ino != 0 && pid_st.st_dev == st.st_dev &&
			      pid_st.st_ino == st.st_ino))
			continue;
		snprintf(path, sizeof(path), "/proc/%d/fdinfo/%.32s", (int)pid, de->d_name);
		if (read_file(path, info, sizeof(info)) <= 0)
			continue;
		flags = strstr(info, "flags:");
		if (flags == NULL)
			continue;
		fl = strtoul(flags + 6, NULL, 8);
		if ((fl & O_ACCMODE) == O_RDONLY || (fl & O_APPEND) != 0)
			continue;
		snprintf(path, sizeof(path), "%s/%.32s", dir, de->d_name);
		n = readlink(path, link, sizeof(link) - 1);
		if (n <= 0)
			continue;
		q->disks[q->n_disks].dev = st.st_dev;
		q->disks[q->n_disks].ino = st.st_ino;
		field_copy(q->disks[q->n_disks].path, PATH_LEN, link, (size_t)n);
		q->n_disks++;
	}
	closedir(d);
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
			field_copy(name, size, p + 7, strlen(p + 7));
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

/* A cached namespace is still the one we named: the kernel reuses the
 * inode numbers of namespaces that are gone, so a node powered on again,
 * or another one, may come back with a number seen before. */
static bool node_valid(const struct nodemap *m)
{
	char comm[32], state;
	unsigned long long start;
	ino_t ns = 0;

	return read_stat(m->init, comm, sizeof(comm), &state, &start) == 0 &&
	       start == m->start && state != 'Z' && state != 'X' &&
	       pidns_of(m->init, &ns) == 0 && ns == m->ns;
}

/* Name of the node whose PID namespace is ns (cached while its init lives;
 * inits are found by scanning /proc once per unknown namespace). */
static const char *node_of_ns(ino_t ns)
{
	DIR *d;
	struct dirent *de;
	int i, slot = -1;

	for (i = 0; i < n_nodes; i++) {
		if (nodes[i].ns != ns)
			continue;
		if (node_valid(&nodes[i]))
			return nodes[i].name;
		slot = i;	/* stale: find the new init */
		break;
	}
	d = opendir("/proc");
	if (d == NULL)
		return NULL;
	while ((de = readdir(d)) != NULL) {
		pid_t pid = (pid_t)atoi(de->d_name);
		ino_t pns = 0;
		char name[NAME_LEN];

		if (pid <= 0 || pidns_of(pid, &pns) != 0 || pns != ns)
			continue;
		char comm[32], state;
		unsigned long long start;

		if (!is_ns_init(pid) || node_arg(pid, name, sizeof(name)) != 0 ||
		    read_stat(pid, comm, sizeof(comm), &state, &start) != 0)
			continue;
		closedir(d);
		if (slot < 0) {
			if (n_nodes == MAX_NODES)
				n_nodes = 0;	/* overwrite: old namespaces are gone */
			slot = n_nodes++;
		}
		nodes[slot].ns = ns;
		nodes[slot].init = pid;
		nodes[slot].start = start;
		strcpy(nodes[slot].name, name);
		return nodes[slot].name;
	}
	closedir(d);
	return NULL;
}

/* What the last sample learnt of each process, by PID and starttime: a
 * qemu's command line and disks are read once.  Reading /proc/PID/cmdline
 * takes the process's mmap lock, which a qemu tearing down gigabytes of
 * guest memory (its node powered off) holds for seconds: re-reading it
 * every sample stalled the checker for 6.5 s. */
static struct qproc seen[MAX_PROCS];
static int n_seen;

static const struct qproc *seen_proc(pid_t pid, unsigned long long start)
{
	for (int i = 0; i < n_seen; i++)
		if (seen[i].pid == pid && seen[i].start == start)
			return &seen[i];
	return NULL;
}

/* One sample: every live qemu with its guest, disks and node. */
static int sample(struct qproc *out, int max)
{
	DIR *d = opendir("/proc");
	struct dirent *de;
	int n = 0;

	if (d == NULL)
		return -errno;
	while ((de = readdir(d)) != NULL && n < max) {
		pid_t pid = (pid_t)atoi(de->d_name);
		char comm[32], state, pidfile[PATH_LEN];
		unsigned long long start;
		ino_t ns = 0;
		const char *node;
		struct qproc *q = &out[n];

		if (pid <= 0 || read_stat(pid, comm, sizeof(comm), &state, &start) != 0)
			continue;
		if (state == 'Z' || state == 'X')
			continue;
		if (seen_proc(pid, start) != NULL) {
			*q = *seen_proc(pid, start);
			n++;
			continue;
		}
		if (!is_qemu(pid, comm))
			continue;
		if (pidns_of(pid, &ns) != 0)
			continue;
		node = node_of_ns(ns);
		if (node == NULL)
			continue;	/* not a lab node's qemu */
		q->guest[0] = '\0';
		q->n_disks = 0;
		pidfile[0] = '\0';
		if (parse_cmdline(pid, q, pidfile, sizeof(pidfile)) != 0)
			continue;	/* gone */
		fd_disks(pid, q, pidfile);
		q->pid = pid;
		q->start = start;
		snprintf(q->node, sizeof(q->node), "%s", node);
		n++;
	}
	closedir(d);
	memcpy(seen, out, (size_t)n * sizeof(*out));
	n_seen = n;
	return n;
}

static const char *guest_or_unknown(const struct qproc *q)
{
	return q->guest[0] != '\0' ? q->guest : "?";
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

static bool same_name(const struct qproc *a, const struct qproc *b)
{
	return a->guest[0] != '\0' && strcmp(a->guest, b->guest) == 0;
}

static const struct disk *shared_disk(const struct qproc *a, const struct qproc *b)
{
	for (int i = 0; i < a->n_disks; i++)
		for (int j = 0; j < b->n_disks; j++)
			if (a->disks[i].dev == b->disks[j].dev && a->disks[i].ino == b->disks[j].ino)
				return &a->disks[i];
	return NULL;
}

static int uf_find(int *parent, int i)
{
	while (parent[i] != i)
		i = parent[i] = parent[parent[i]];
	return i;
}

#define MAX_TOKENS (MAX_PROCS * (MAX_DISKS + 1))

static uint64_t fnv(uint64_t h, const void *data, size_t len)
{
	const unsigned char *p = data;

	for (size_t i = 0; i < len; i++)
		h = (h ^ p[i]) * 1099511628211ULL;
	return h;
}

/* What identifies a guest: its name, each of its disks.  A double run is
 * one as long as one of these stays on two nodes, whatever processes come
 * and go (qemu -daemonize forks twice, a restarted copy has a new PID). */
static int proc_tokens(const struct qproc *q, uint64_t *out)
{
	int n = 0;

	if (q->guest[0] != '\0')
		out[n++] = fnv(1469598103934665603ULL ^ 'n', q->guest, strlen(q->guest));
	for (int d = 0; d < q->n_disks; d++) {
		uint64_t h = fnv(1469598103934665603ULL ^ 'd', &q->disks[d].dev,
				 sizeof(q->disks[d].dev));

		out[n++] = fnv(h, &q->disks[d].ino, sizeof(q->disks[d].ino));
	}
	return n;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Append s to a ','/'+'-separated list in buf, once. */
static void list_add(char *buf, size_t size, char sep, const char *s)
{
	size_t len = strlen(s), have = strlen(buf);

	for (const char *p = buf; (p = strstr(p, s)) != NULL; p++)
		if ((p == buf || p[-1] == sep) && (p[len] == sep || p[len] == '\0'))
			return;
	if (have + len + 2 > size)
		return;
	if (have > 0)
		buf[have++] = sep;
	memcpy(buf + have, s, len + 1);
}

/* Guests running on two nodes now: processes tied by name or disk, on two
 * nodes or more.  Each is reported once when it begins: when none of its
 * names and disks was part of a double run at the previous sample; *keys
 * holds those of the double runs now. */
static int check_double(FILE *ev, long long ms, const struct qproc *cur, int n,
			uint64_t *keys, int *n_keys)
{
	static int parent[MAX_PROCS];
	static uint64_t now_keys[MAX_TOKENS];
	int n_now = 0, violations = 0;

	for (int i = 0; i < n; i++)
		parent[i] = i;
	for (int i = 0; i < n; i++)
		for (int j = i + 1; j < n; j++)
			if (same_name(&cur[i], &cur[j]) || shared_disk(&cur[i], &cur[j]) != NULL)
				parent[uf_find(parent, j)] = uf_find(parent, i);
	for (int r = 0; r < n; r++) {
		const char *node_names[MAX_PROCS];
		char guests[512] = "", node_list[512] = "", by[1024] = "";
		int n_node_names = 0, n_now0 = n_now;
		bool multi = false, was = false;

		if (uf_find(parent, r) != r)
			continue;
		for (int i = 0; i < n; i++) {
			bool known = false;

			if (uf_find(parent, i) != r)
				continue;
			n_now += proc_tokens(&cur[i], now_keys + n_now);
			for (int k = 0; k < n_node_names; k++)
				if (strcmp(node_names[k], cur[i].node) == 0)
					known = true;
			if (!known)
				node_names[n_node_names++] = cur[i].node;
			list_add(guests, sizeof(guests), ',', guest_or_unknown(&cur[i]));
			for (int j = i + 1; j < n; j++) {
				const struct disk *dk;
				char what[PATH_LEN + 8];

				if (uf_find(parent, j) != r || strcmp(cur[i].node, cur[j].node) == 0)
					continue;
				multi = true;
				if (same_name(&cur[i], &cur[j]))
					list_add(by, sizeof(by), '+', "name");
				dk = shared_disk(&cur[i], &cur[j]);
				if (dk != NULL) {
					snprintf(what, sizeof(what), "disk:%s", dk->path);
					list_add(by, sizeof(by), '+', what);
				}
			}
		}
		if (!multi) {
			n_now = n_now0;	/* not a double run: forget its tokens */
			continue;
		}
		if (by[0] == '\0')	/* tied only through a third process */
			snprintf(by, sizeof(by), "chain");
		qsort(node_names, (size_t)n_node_names, sizeof(node_names[0]), cmp_str);
		for (int k = 0; k < n_node_names; k++)
			list_add(node_list, sizeof(node_list), ',', node_names[k]);
		for (int t = n_now0; t < n_now && !was; t++)
			for (int k = 0; k < *n_keys; k++)
				if (keys[k] == now_keys[t])
					was = true;
		if (!was) {
			fprintf(ev, "%lld violation %s %s by=%s\n", ms, guests, node_list, by);
			violations++;
		}
	}
	memcpy(keys, now_keys, sizeof(now_keys[0]) * (size_t)n_now);
	*n_keys = n_now;
	return violations;
}

static void print_start(FILE *ev, long long ms, long long after, const struct qproc *q)
{
	fprintf(ev, "%lld start %s %s %d disks=", ms, guest_or_unknown(q), q->node, (int)q->pid);
	for (int d = 0; d < q->n_disks; d++)
		fprintf(ev, "%s%s", d > 0 ? "," : "", q->disks[d].path);
	if (after > 0)
		fprintf(ev, "%s after=%lld\n", q->n_disks == 0 ? "-" : "", after);
	else
		fprintf(ev, "%s after=-\n", q->n_disks == 0 ? "-" : "");
}

int main(int argc, char **argv)
{
	static struct qproc prev[MAX_PROCS], cur[MAX_PROCS];
	static uint64_t keys[MAX_TOKENS];
	const char *out_path = NULL;
	long interval = 50;
	int n_prev = 0, n_keys = 0, opt, violations = 0;
	long long samples = 0, max_gap = 0, last_mono = 0, late = 0, max_scan = 0, last_real = 0;
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
		long long scan0 = now_ms(CLOCK_MONOTONIC);
		int n = sample(cur, MAX_PROCS);
		long long ms = now_ms(CLOCK_REALTIME), mono = now_ms(CLOCK_MONOTONIC);

		if (n < 0) {
			fprintf(stderr, "invariant: cannot read /proc: %s\n", strerror(-n));
			return 2;
		}
		if (mono - scan0 > max_scan)
			max_scan = mono - scan0;
		if (samples > 0 && mono - last_mono > max_gap)
			max_gap = mono - last_mono;
		if (samples > 0 && mono - last_mono > 100)
			late++;
		last_mono = mono;
		samples++;
		for (int i = 0; i < n; i++)
			if (!contains(prev, n_prev, &cur[i]))
				print_start(ev, ms, last_real, &cur[i]);
		for (int i = 0; i < n_prev; i++)
			if (!contains(cur, n, &prev[i]))
				fprintf(ev, "%lld stop %s %s %d\n", ms, guest_or_unknown(&prev[i]),
					prev[i].node, (int)prev[i].pid);
		violations += check_double(ev, ms, cur, n, keys, &n_keys);
		last_real = ms;
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
	fprintf(ev, "%lld summary samples=%lld max_gap_ms=%lld late=%lld rt=%s max_scan_ms=%lld "
		"violations=%d\n", now_ms(CLOCK_REALTIME), samples, max_gap, late, rt ? "yes" : "no",
		max_scan, violations);
	if (fclose(ev) != 0) {
		perror(out_path);
		return 2;
	}
	return violations > 0 ? 1 : 0;
usage:
	fprintf(stderr, "usage: invariant -o EVENTS [-i MS]\n");
	return 2;
}
