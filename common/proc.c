#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
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

bool vg_proc_comm_is(pid_t pid, const char *comm)
{
	char path[64], buf[32];
	enum vg_proc_state s = vg_proc_state(pid);

	if (s == VG_PROC_GONE || s == VG_PROC_ZOMBIE)
		return false;
	snprintf(path, sizeof(path), "/proc/%d/comm", (int)pid);
	if (read_small_file(path, buf, sizeof(buf)) <= 0)
		return false;
	buf[strcspn(buf, "\n")] = '\0';
	return strcmp(buf, comm) == 0;
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

/* The child of vg_proc_capture(), between fork and exec: async-signal-safe
 * calls only.  An exec failure is reported as its errno on errw (closed on
 * a successful exec). */
static _Noreturn void capture_child(const char *path, char *const argv[], unsigned flags,
				    int outw, int errw, pid_t parent)
{
	int out, err = -1, null, e;

	(void)setpgid(0, 0);
	/* Our own group is out of reach of a kill of the caller's group (the
	 * fencer kills a timed-out agent's group): die with the caller. */
	(void)prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)
		_exit(127);
	/* Everything above 2 first, so that dup2() cannot clobber a pipe
	 * that happened to get descriptor 0, 1 or 2. */
	out = fcntl(outw, F_DUPFD, 3);
	err = fcntl(errw, F_DUPFD_CLOEXEC, 3);
	null = open("/dev/null", O_RDONLY);
	if (out < 0 || err < 0 || null < 0)
		goto fail;
	if (dup2(null, STDIN_FILENO) < 0 || dup2(out, STDOUT_FILENO) < 0 ||
	    ((flags & VG_CAPTURE_STDERR) && dup2(out, STDERR_FILENO) < 0))
		goto fail;
	if (err != 3) {
		if (dup3(err, 3, O_CLOEXEC) < 0)
			goto fail;
		err = 3;
	}
	closefrom(4);
	execv(path, argv);
fail:
	e = errno;
	(void)!write(err >= 0 ? err : errw, &e, sizeof(e));
	_exit(127);
}

/* The child's output until EOF (or a full buffer, with
 * VG_CAPTURE_STOP_WHEN_FULL): 0, -ETIMEDOUT or a negative errno. */
static int capture_read(int fd, unsigned flags, char *out, size_t outlen, bool *truncated,
			const struct vg_deadline *d)
{
	char scratch[512];
	size_t got = 0;
	int rc;

	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		long long left = vg_deadline_remaining_ms(d);
		bool last = left == 0;	/* expired: take what is there, once */
		ssize_t n;
		int pr;

		if (got + 1 >= outlen && (flags & VG_CAPTURE_STOP_WHEN_FULL)) {
			*truncated = true;
			rc = 0;
			break;
		}
		pr = poll(&p, 1, last ? 0 : (int)(left > 60000 ? 60000 : left));
		if (pr < 0 && errno == EINTR)
			continue;
		if (pr < 0) {
			rc = -errno;
			break;
		}
		if (pr == 0) {
			if (last) {
				rc = -ETIMEDOUT;
				break;
			}
			continue;
		}
		if (got + 1 < outlen)
			n = read(fd, out + got, outlen - 1 - got);
		else
			n = read(fd, scratch, sizeof(scratch));
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n < 0) {
			rc = -errno;
			break;
		}
		if (n == 0) {
			rc = 0;
			break;
		}
		if (got + 1 < outlen) {
			got += (size_t)n;
			out[got] = '\0';
		} else {
			*truncated = true;
		}
		if (last) {	/* output still flowing at the deadline */
			rc = -ETIMEDOUT;
			break;
		}
	}
	/* The output may be a secret (a password script's). */
	explicit_bzero(scratch, sizeof(scratch));
	return rc;
}

/* Wait until the child has exited, without reaping it: while it is an
 * unreaped zombie its PID, and so its process group ID, cannot be reused.
 * 0, -ETIMEDOUT, or a negative errno (-ECHILD: it was reaped elsewhere). */
static int capture_wait_exit(pid_t pid, const struct vg_deadline *d)
{
	long long nap = 1;

	for (;;) {
		siginfo_t si;

		memset(&si, 0, sizeof(si));
		if (waitid(P_PID, (id_t)pid, &si, WEXITED | WNOHANG | WNOWAIT) < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (si.si_pid == pid)
			return 0;
		if (vg_deadline_expired(d))
			return -ETIMEDOUT;
		vg_deadline_sleep_ms(d, nap);
		nap = nap < 16 ? nap * 2 : 16;
	}
}

int vg_proc_capture(const char *path, char *const argv[], unsigned flags, char *out,
		    size_t outlen, bool *truncated, const struct vg_deadline *d, int *status)
{
	int outp[2], errp[2], st = -1, rc, e;
	bool trunc = false;
	pid_t pid, self = getpid();

	if (truncated != NULL)
		*truncated = false;
	if (status != NULL)
		*status = -1;
	if (path == NULL || argv == NULL || out == NULL || outlen == 0)
		return -EINVAL;
	out[0] = '\0';
	if (pipe2(outp, O_CLOEXEC) != 0)
		return -errno;
	if (pipe2(errp, O_CLOEXEC | O_NONBLOCK) != 0) {
		rc = -errno;
		goto close_out;
	}
	pid = fork();
	if (pid < 0) {
		rc = -errno;
		close(errp[0]);
		close(errp[1]);
		goto close_out;
	}
	if (pid == 0)
		capture_child(path, argv, flags, outp[1], errp[1], self);
	/* Both sides set the group, so that a kill of it from here on
	 * reaches the child (the call fails harmlessly once it has exec'd). */
	(void)setpgid(pid, pid);
	close(outp[1]);
	close(errp[1]);
	outp[1] = -1;

	rc = capture_read(outp[0], flags, out, outlen, &trunc, d);
	if (rc == 0) {
		/* With VG_CAPTURE_STOP_WHEN_FULL a child still writing must
		 * find its pipe broken, not block on it.  (On a timeout it is
		 * closed only after the kill: the child dies of SIGKILL.) */
		close(outp[0]);
		outp[0] = -1;
		rc = capture_wait_exit(pid, d);
	}
	if (rc != -ECHILD) {
		/* The group: what is left of a hung child, or what a child
		 * that exited left running.  The unreaped leader keeps the
		 * group ID ours. */
		(void)kill(-pid, SIGKILL);
		if (rc != 0)
			(void)kill(pid, SIGKILL);
		while (waitpid(pid, &st, 0) < 0) {
			if (errno != EINTR) {
				st = -1;
				break;
			}
		}
	}
	if (rc == 0 && read(errp[0], &e, sizeof(e)) == (ssize_t)sizeof(e))
		rc = -ENOEXEC;
	close(errp[0]);
	if (truncated != NULL)
		*truncated = trunc;
	if (status != NULL)
		*status = st;
close_out:
	if (outp[0] >= 0)
		close(outp[0]);
	if (outp[1] >= 0)
		close(outp[1]);
	return rc;
}
