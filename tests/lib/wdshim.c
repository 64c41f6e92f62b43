/* wdshim.so: an LD_PRELOAD test double for a Linux watchdog device, in the
 * spirit of sbd's testbed.  It turns a plain file into "the watchdog" and
 * records what the program under test does to it, one line per call:
 *
 *   <CLOCK_MONOTONIC ms> open
 *   <ms> ioctl SETTIMEOUT 10
 *   <ms> ioctl GETTIMEOUT 10
 *   <ms> ioctl GETSUPPORT
 *   <ms> ioctl KEEPALIVE
 *   <ms> write 'V'            (any write: its first byte)
 *   <ms> close
 *
 * Environment:
 *   WDSHIM_DEVICE   path that is the watchdog (required; an ordinary file)
 *   WDSHIM_LOG      where the record goes (appended; required)
 *   WDSHIM_CLAMP    the "driver" accepts at most this timeout (seconds) and
 *                   reports that back, like hardware with a short counter
 *   WDSHIM_NOSET    "1": WDIOC_SETTIMEOUT fails with EOPNOTSUPP
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <linux/watchdog.h>

int open(const char *path, int flags, ...);
int open64(const char *path, int flags, ...);
int __open_2(const char *path, int flags);
int __open64_2(const char *path, int flags);
int openat(int dirfd, const char *path, int flags, ...);
int ioctl(int fd, unsigned long req, ...);
ssize_t write(int fd, const void *buf, size_t n);
int close(int fd);

static int wd_fd = -1;
static int wd_timeout = 60;
static pthread_mutex_t wd_lock = PTHREAD_MUTEX_INITIALIZER;

static void record(const char *fmt, ...)
{
	static ssize_t (*real_write)(int, const void *, size_t);
	const char *log = getenv("WDSHIM_LOG");
	char line[160];
	struct timespec ts;
	va_list ap;
	int n, fd;

	if (log == NULL)
		return;
	if (real_write == NULL)
		real_write = (ssize_t (*)(int, const void *, size_t))dlsym(RTLD_NEXT, "write");
	clock_gettime(CLOCK_MONOTONIC, &ts);
	n = snprintf(line, sizeof(line), "%lld ",
		     (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
	va_start(ap, fmt);
	n += vsnprintf(line + n, sizeof(line) - (size_t)n - 1, fmt, ap);
	va_end(ap);
	if (n > (int)sizeof(line) - 2)
		n = (int)sizeof(line) - 2;
	line[n++] = '\n';
	fd = (int)syscall(SYS_openat, AT_FDCWD, log, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0)
		return;
	(void)real_write(fd, line, (size_t)n);
	syscall(SYS_close, fd);
}

static int is_device(const char *path)
{
	const char *dev = getenv("WDSHIM_DEVICE");

	return dev != NULL && path != NULL && strcmp(path, dev) == 0;
}

static int after_open(const char *path, int fd)
{
	if (fd >= 0 && is_device(path)) {
		pthread_mutex_lock(&wd_lock);
		wd_fd = fd;
		pthread_mutex_unlock(&wd_lock);
		record("open");
	}
	return fd;
}

static int real_openat(int dirfd, const char *path, int flags, mode_t mode)
{
	return (int)syscall(SYS_openat, dirfd, path, flags, mode);
}

static mode_t mode_arg(int flags, va_list ap)
{
	return (flags & (O_CREAT | O_TMPFILE)) ? (mode_t)va_arg(ap, int) : 0;
}

int open(const char *path, int flags, ...)
{
	va_list ap;
	mode_t m;

	va_start(ap, flags);
	m = mode_arg(flags, ap);
	va_end(ap);
	return after_open(path, real_openat(AT_FDCWD, path, flags, m));
}

int open64(const char *path, int flags, ...)
{
	va_list ap;
	mode_t m;

	va_start(ap, flags);
	m = mode_arg(flags, ap);
	va_end(ap);
	return after_open(path, real_openat(AT_FDCWD, path, flags, m));
}

int __open_2(const char *path, int flags)
{
	return after_open(path, real_openat(AT_FDCWD, path, flags, 0));
}

int __open64_2(const char *path, int flags)
{
	return after_open(path, real_openat(AT_FDCWD, path, flags, 0));
}

int openat(int dirfd, const char *path, int flags, ...)
{
	va_list ap;
	mode_t m;

	va_start(ap, flags);
	m = mode_arg(flags, ap);
	va_end(ap);
	return after_open(path, real_openat(dirfd, path, flags, m));
}

static int ours(int fd)
{
	int r;

	pthread_mutex_lock(&wd_lock);
	r = fd >= 0 && fd == wd_fd;
	pthread_mutex_unlock(&wd_lock);
	return r;
}

int ioctl(int fd, unsigned long req, ...)
{
	static int (*real_ioctl)(int, unsigned long, ...);
	va_list ap;
	void *arg;

	va_start(ap, req);
	arg = va_arg(ap, void *);
	va_end(ap);
	if (!ours(fd)) {
		if (real_ioctl == NULL)
			real_ioctl = (int (*)(int, unsigned long, ...))dlsym(RTLD_NEXT, "ioctl");
		return real_ioctl(fd, req, arg);
	}
	switch (req) {
	case WDIOC_GETSUPPORT: {
		struct watchdog_info *wi = arg;

		memset(wi, 0, sizeof(*wi));
		wi->options = WDIOF_SETTIMEOUT | WDIOF_KEEPALIVEPING | WDIOF_MAGICCLOSE;
		snprintf((char *)wi->identity, sizeof(wi->identity), "wdshim");
		record("ioctl GETSUPPORT");
		return 0;
	}
	case WDIOC_SETTIMEOUT: {
		int *t = arg;
		const char *clamp = getenv("WDSHIM_CLAMP");
		const char *noset = getenv("WDSHIM_NOSET");

		if (noset != NULL && strcmp(noset, "1") == 0) {
			record("ioctl SETTIMEOUT %d refused", *t);
			errno = EOPNOTSUPP;
			return -1;
		}
		wd_timeout = *t;
		if (clamp != NULL && atoi(clamp) > 0 && wd_timeout > atoi(clamp))
			wd_timeout = atoi(clamp);
		*t = wd_timeout;
		record("ioctl SETTIMEOUT %d", wd_timeout);
		return 0;
	}
	case WDIOC_GETTIMEOUT:
		*(int *)arg = wd_timeout;
		record("ioctl GETTIMEOUT %d", wd_timeout);
		return 0;
	case WDIOC_KEEPALIVE:
		record("ioctl KEEPALIVE");
		return 0;
	default:
		record("ioctl other %#lx", req);
		errno = ENOTTY;
		return -1;
	}
}

ssize_t write(int fd, const void *buf, size_t n)
{
	static ssize_t (*real_write)(int, const void *, size_t);

	if (real_write == NULL)
		real_write = (ssize_t (*)(int, const void *, size_t))dlsym(RTLD_NEXT, "write");
	if (ours(fd) && n > 0) {
		char c = ((const char *)buf)[0];

		record("write '%c'", c >= 32 && c < 127 ? c : '?');
	}
	return real_write(fd, buf, n);
}

int close(int fd)
{
	static int (*real_close)(int);

	if (real_close == NULL)
		real_close = (int (*)(int))dlsym(RTLD_NEXT, "close");
	if (ours(fd)) {
		pthread_mutex_lock(&wd_lock);
		wd_fd = -1;
		pthread_mutex_unlock(&wd_lock);
		record("close");
	}
	return real_close(fd);
}
