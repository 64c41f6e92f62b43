#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "proc.h"

const char *vg_proc_state_name(enum vg_proc_state s)
{
	switch (s) {
	case VG_PROC_GONE: return "gone";
	case VG_PROC_ZOMBIE: return "zombie";
	case VG_PROC_STOPPED: return "stopped";
	case VG_PROC_ALIVE: return "alive";
	}
	return "unknown";
}

int vg_proc_parse_stat_state(const char *line, char *out)
{
	/* "pid (comm) S ..." where comm may contain ") " itself: the state
	 * follows the last ')'. */
	const char *p = strrchr(line, ')');

	if (p == NULL || p[1] != ' ' || p[2] == '\0')
		return -EINVAL;
	*out = p[2];
	return 0;
}

static ssize_t read_small_file(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n, total = 0;

	if (fd < 0)
		return -errno;
	while ((size_t)total < len - 1) {
		n = read(fd, buf + total, len - 1 - (size_t)total);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			n = -errno;
			close(fd);
			return n;
		}
		if (n == 0)
			break;
		total += n;
	}
	close(fd);
	buf[total] = '\0';
	return total;
}

enum vg_proc_state vg_proc_state(pid_t pid)
{
	char path[64], line[1024], st;

	if (pid <= 0)
		return VG_PROC_GONE;
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if (read_small_file(path, line, sizeof(line)) <= 0)
		return VG_PROC_GONE;
	if (vg_proc_parse_stat_state(line, &st) != 0)
		return VG_PROC_GONE;
	switch (st) {
	case 'Z':
	case 'X':
	case 'x':
		return VG_PROC_ZOMBIE;
	case 'T':
	case 't':
		return VG_PROC_STOPPED;
	default:
		return VG_PROC_ALIVE;
	}
}

int vg_pidfile_read(const char *path, pid_t *pid)
{
	char buf[32];
	ssize_t n = read_small_file(path, buf, sizeof(buf));
	char *end;
	long v;

	if (n == -ENOENT)
		return -ENOENT;
	if (n <= 0)
		return n < 0 ? (int)n : -EINVAL;
	errno = 0;
	v = strtol(buf, &end, 10);
	while (*end == '\n' || *end == ' ')
		end++;
	if (errno != 0 || end == buf || *end != '\0' || v <= 1 || v > INT_MAX)
		return -EINVAL;
	*pid = (pid_t)v;
	return 0;
}

bool vg_proc_exe_is(pid_t pid, const char *binary)
{
	char path[64], exe[PATH_MAX + 16], want[PATH_MAX];
	ssize_t n;
	size_t wl;

	snprintf(path, sizeof(path), "/proc/%d/exe", (int)pid);
	n = readlink(path, exe, sizeof(exe) - 1);
	if (n <= 0)
		return false;
	exe[n] = '\0';
	if (realpath(binary, want) == NULL)
		snprintf(want, sizeof(want), "%s", binary);
	wl = strlen(want);
	if (strncmp(exe, want, wl) != 0)
		return false;
	return exe[wl] == '\0' || strcmp(exe + wl, " (deleted)") == 0;
}

bool vg_proc_same_mntns(pid_t pid)
{
	char path[64];
	struct stat mine, theirs;

	snprintf(path, sizeof(path), "/proc/%d/ns/mnt", (int)pid);
	if (stat("/proc/self/ns/mnt", &mine) != 0 || stat(path, &theirs) != 0)
		return false;
	return mine.st_ino == theirs.st_ino && mine.st_dev == theirs.st_dev;
}

static bool is_pid_name(const char *s)
{
	if (*s == '\0')
		return false;
	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '9')
			return false;
	}
	return true;
}

bool vg_proc_runs(pid_t pid, const char *binary, unsigned flags)
{
	char path[64], buf[2 * PATH_MAX];
	ssize_t n;
	size_t a0;

	if (vg_proc_exe_is(pid, binary))
		return true;
	if (!(flags & VG_FIND_SCRIPT))
		return false;
	snprintf(path, sizeof(path), "/proc/%d/cmdline", (int)pid);
	n = read_small_file(path, buf, sizeof(buf));
	if (n <= 0)
		return false;
	a0 = strlen(buf);
	return (ssize_t)a0 + 1 < n && strcmp(buf + a0 + 1, binary) == 0;
}

int vg_daemon_find_flags(const char *binary, const char *pidfile, unsigned flags,
			 pid_t *pid, enum vg_proc_state *state)
{
	pid_t p, self = getpid();
	enum vg_proc_state s;
	DIR *dir;
	struct dirent *de;
	int rc = -ESRCH;

	if (pidfile != NULL && vg_pidfile_read(pidfile, &p) == 0) {
		s = vg_proc_state(p);
		if (s != VG_PROC_GONE && s != VG_PROC_ZOMBIE && vg_proc_runs(p, binary, flags)) {
			*pid = p;
			*state = s;
			return 0;
		}
	}
	/* The pidfile is missing or stale: the daemon may still run (someone
	 * deleted the file).  Look for it, but only in our mount namespace. */
	dir = opendir("/proc");
	if (dir == NULL)
		return -errno;
	while ((de = readdir(dir)) != NULL) {
		if (!is_pid_name(de->d_name))
			continue;
		p = (pid_t)atoi(de->d_name);
		if (p == self || !vg_proc_runs(p, binary, flags) || !vg_proc_same_mntns(p))
			continue;
		s = vg_proc_state(p);
		if (s == VG_PROC_GONE || s == VG_PROC_ZOMBIE)
			continue;
		*pid = p;
		*state = s;
		rc = 0;
		break;
	}
	closedir(dir);
	return rc;
}

int vg_daemon_find(const char *binary, const char *pidfile, pid_t *pid,
		   enum vg_proc_state *state)
{
	return vg_daemon_find_flags(binary, pidfile, 0, pid, state);
}

int vg_proc_wait_dead(pid_t pid, const struct vg_deadline *d)
{
	for (;;) {
		enum vg_proc_state s = vg_proc_state(pid);

		if (s == VG_PROC_GONE || s == VG_PROC_ZOMBIE) {
			/* Reap it if it happens to be our child. */
			(void)waitpid(pid, NULL, WNOHANG);
			return 0;
		}
		if (vg_deadline_expired(d))
			return -ETIMEDOUT;
		vg_deadline_sleep_ms(d, 20);
	}
}

int vg_proc_terminate(pid_t pid, long long grace_ms, const struct vg_deadline *d)
{
	struct vg_deadline grace;

	if (pid <= 0)	/* kill(0 or -1, ...) would hit our group or everyone */
		return -EINVAL;
	vg_deadline_in_ms(&grace, grace_ms);
	grace = vg_deadline_min(&grace, d);
	if (kill(pid, SIGTERM) != 0)
		return errno == ESRCH ? 0 : -errno;
	(void)kill(pid, SIGCONT);
	if (vg_proc_wait_dead(pid, &grace) == 0)
		return 0;
	if (kill(pid, SIGKILL) != 0 && errno != ESRCH)
		return -errno;
	return vg_proc_wait_dead(pid, d);
}

void vg_qemu_parse_cmdline(const char *buf, size_t len, struct vg_qemu_proc *q)
{
	const char *arg = buf, *end = buf + len;
	const char *prev = NULL;

	q->name[0] = '\0';
	q->uuid[0] = '\0';
	while (arg < end) {
		size_t alen = strnlen(arg, (size_t)(end - arg));

		if (prev != NULL && strcmp(prev, "-uuid") == 0) {
			snprintf(q->uuid, sizeof(q->uuid), "%.*s", (int)alen, arg);
		} else if (prev != NULL && strcmp(prev, "-name") == 0) {
			/* "-name guest=NAME,debug-threads=on" or "-name NAME" */
			/* libvirt escapes a ',' in the name as ",,". */
			const char *n = arg;
			size_t o = 0;

			if (strncmp(n, "guest=", 6) == 0)
				n += 6;
			for (; *n != '\0' && o + 1 < sizeof(q->name); n++) {
				if (*n == ',' && n[1] != ',')
					break;
				if (*n == ',')
					n++;
				q->name[o++] = *n;
			}
			q->name[o] = '\0';
		}
		prev = arg;
		arg += alen + 1;
	}
}

static bool exe_is_qemu(pid_t pid)
{
	char path[64], exe[PATH_MAX];
	const char *base;
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%d/exe", (int)pid);
	n = readlink(path, exe, sizeof(exe) - 1);
	if (n <= 0)
		return false;
	exe[n] = '\0';
	base = strrchr(exe, '/');
	base = base != NULL ? base + 1 : exe;
	return strncmp(base, "qemu-system-", 12) == 0 || strncmp(base, "qemu-kvm", 8) == 0;
}

size_t vg_qemu_scan(struct vg_qemu_proc *out, size_t max)
{
	DIR *dir = opendir("/proc");
	struct dirent *de;
	size_t n = 0;

	if (dir == NULL)
		return 0;
	while ((de = readdir(dir)) != NULL) {
		char path[64], buf[8192];
		ssize_t len;
		pid_t pid;
		enum vg_proc_state s;

		if (!is_pid_name(de->d_name))
			continue;
		pid = (pid_t)atoi(de->d_name);
		if (!exe_is_qemu(pid))
			continue;
		s = vg_proc_state(pid);
		if (s == VG_PROC_GONE || s == VG_PROC_ZOMBIE)
			continue;
		if (n < max) {
			snprintf(path, sizeof(path), "/proc/%d/cmdline", (int)pid);
			len = read_small_file(path, buf, sizeof(buf));
			out[n].pid = pid;
			vg_qemu_parse_cmdline(buf, len > 0 ? (size_t)len : 0, &out[n]);
		}
		n++;
	}
	closedir(dir);
	return n;
}

/* Whatever the foreground process wrote to stderr, without blocking: the
 * detached daemon may still hold the pipe open. */
static void drain_stderr(int fd, char *errbuf, size_t errlen)
{
	size_t off = 0;

	if (errbuf == NULL || errlen == 0)
		return;
	errbuf[0] = '\0';
	while (off + 1 < errlen) {
		ssize_t n = read(fd, errbuf + off, errlen - 1 - off);

		if (n <= 0)
			break;
		off += (size_t)n;
	}
	errbuf[off] = '\0';
	/* One line for an exit reason: newlines become "; ". */
	for (char *p = errbuf; *p != '\0'; p++) {
		if (*p == '\n' && p[1] != '\0')
			*p = ';';
		else if (*p == '\n')
			*p = '\0';
	}
}

int vg_spawn_daemon(char *const argv[], const struct vg_deadline *d, int *status,
		    char *errbuf, size_t errlen)
{
	pid_t pid;
	int st = -1, fd, errpipe[2], rc;

	if (errbuf != NULL && errlen > 0)
		errbuf[0] = '\0';
	if (pipe2(errpipe, O_CLOEXEC | O_NONBLOCK) != 0)
		return -errno;
	pid = fork();
	if (pid < 0) {
		rc = -errno;
		close(errpipe[0]);
		close(errpipe[1]);
		return rc;
	}
	if (pid == 0) {
		setsid();
		fd = open("/dev/null", O_RDWR);
		if (fd >= 0) {
			dup2(fd, STDIN_FILENO);
			dup2(fd, STDOUT_FILENO);
		}
		dup2(errpipe[1], STDERR_FILENO);
		closefrom(STDERR_FILENO + 1);
		/* The pipe was O_NONBLOCK for our reads only. */
		fcntl(STDERR_FILENO, F_SETFL, 0);
		execv(argv[0], argv);
		_exit(127);
	}
	close(errpipe[1]);
	for (;;) {
		pid_t r = waitpid(pid, &st, WNOHANG);

		if (r == pid)
			break;
		if (r < 0 && errno != EINTR) {
			rc = -errno;
			goto out;
		}
		if (vg_deadline_expired(d)) {
			/* It did not detach in time: a daemon that hangs in its
			 * foreground is of no use, and must not linger unreaped. */
			(void)kill(pid, SIGKILL);
			(void)waitpid(pid, &st, 0);
			rc = -ETIMEDOUT;
			goto out;
		}
		vg_deadline_sleep_ms(d, 10);
	}
	if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
		rc = 0;
	else
		rc = WIFEXITED(st) && WEXITSTATUS(st) == 127 ? -ENOEXEC : -ECHILD;
out:
	drain_stderr(errpipe[0], errbuf, errlen);
	close(errpipe[0]);
	if (status != NULL)
		*status = st;
	return rc;
}
