#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <linux/watchdog.h>

#include "watchdog.h"

/* WDIOC_KEEPALIVE is declared _IOR(int): pass an int, not NULL.  The
 * kernel's watchdog core ignores it, but a driver may write it, and
 * valgrind checks it. */
static int keepalive(int fd)
{
	int unused = 0;

	return ioctl(fd, WDIOC_KEEPALIVE, &unused);
}

static void close_magic(int fd)
{
	ssize_t n;

	do {
		n = write(fd, "V", 1);
	} while (n < 0 && errno == EINTR);
	close(fd);
}

int vg_watchdog_open(struct vg_watchdog *w, const char *path, int timeout_s,
		     char *err, size_t errlen)
{
	struct watchdog_info info;
	int fd, t, got = -1, rc;

	w->fd = -1;
	if (strlen(path) >= sizeof(w->path)) {
		snprintf(err, errlen, "watchdog_device path too long");
		return -ENAMETOOLONG;
	}
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0) {
		rc = -errno;
		snprintf(err, errlen, "cannot open watchdog %s: %s", path, strerror(errno));
		return rc;
	}
	memset(&info, 0, sizeof(info));
	if (ioctl(fd, WDIOC_GETSUPPORT, &info) != 0)
		info.identity[0] = '\0';
	t = timeout_s;
	if (ioctl(fd, WDIOC_SETTIMEOUT, &t) != 0) {
		rc = -errno;
		snprintf(err, errlen, "watchdog %s refused WDIOC_SETTIMEOUT %d s: %s "
			 "(the driver cannot change its timeout; set watchdog_timeout to "
			 "the driver's fixed value)", path, timeout_s, strerror(errno));
		goto fail;
	}
	if (ioctl(fd, WDIOC_GETTIMEOUT, &got) != 0) {
		rc = -errno;
		snprintf(err, errlen, "watchdog %s: WDIOC_GETTIMEOUT failed: %s; cannot "
			 "verify the timeout", path, strerror(errno));
		goto fail;
	}
	if (got != timeout_s) {
		rc = -EINVAL;
		snprintf(err, errlen, "watchdog %s runs with %d s, not the configured %d s "
			 "(the driver rounded or clamped it): set watchdog_timeout = %ds",
			 path, got, timeout_s, got);
		goto fail;
	}
	/* A first feed right away: the new timeout counts from here. */
	if (keepalive(fd) != 0) {
		rc = -errno;
		snprintf(err, errlen, "watchdog %s: WDIOC_KEEPALIVE failed: %s", path,
			 strerror(errno));
		goto fail;
	}
	w->fd = fd;
	w->timeout_s = got;
	snprintf(w->identity, sizeof(w->identity), "%.*s", (int)sizeof(info.identity),
		 (const char *)info.identity);
	snprintf(w->path, sizeof(w->path), "%s", path);
	return 0;
fail:
	close_magic(fd);
	return rc;
}

int vg_watchdog_open_unfed(struct vg_watchdog *w, const char *path, int timeout_s,
			   char *err, size_t errlen)
{
	struct watchdog_info info;
	int fd, t, got = -1, rc;

	w->fd = -1;
	if (strlen(path) >= sizeof(w->path)) {
		snprintf(err, errlen, "watchdog_device path too long");
		return -ENAMETOOLONG;
	}
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0) {
		rc = -errno;
		snprintf(err, errlen, "cannot open watchdog %s: %s", path, strerror(errno));
		return rc;
	}
	memset(&info, 0, sizeof(info));
	if (ioctl(fd, WDIOC_GETSUPPORT, &info) != 0)
		info.identity[0] = '\0';
	if (ioctl(fd, WDIOC_GETTIMEOUT, &got) != 0 || got != timeout_s) {
		t = timeout_s;
		if (ioctl(fd, WDIOC_SETTIMEOUT, &t) != 0 || ioctl(fd, WDIOC_GETTIMEOUT, &got) != 0) {
			rc = -errno;
			snprintf(err, errlen, "watchdog %s: cannot set or read its timeout: %s "
				 "(left armed)", path, strerror(errno));
			close(fd);	/* no magic close: it keeps running */
			return rc;
		}
	}
	w->fd = fd;
	w->timeout_s = got;
	snprintf(w->identity, sizeof(w->identity), "%.*s", (int)sizeof(info.identity),
		 (const char *)info.identity);
	snprintf(w->path, sizeof(w->path), "%s", path);
	return 0;
}

int vg_watchdog_pet(struct vg_watchdog *w)
{
	if (w->fd < 0)
		return -EBADF;
	return keepalive(w->fd) == 0 ? 0 : -errno;
}

int vg_watchdog_disarm(struct vg_watchdog *w)
{
	ssize_t n;
	int rc = 0;

	if (w->fd < 0)
		return 0;
	do {
		n = write(w->fd, "V", 1);
	} while (n < 0 && errno == EINTR);
	if (n != 1)
		rc = n < 0 ? -errno : -EIO;
	if (close(w->fd) != 0 && rc == 0)
		rc = -errno;
	w->fd = -1;
	return rc;
}

void vg_watchdog_abandon(struct vg_watchdog *w)
{
	if (w->fd >= 0)
		close(w->fd);
	w->fd = -1;
}

bool vg_watchdog_is_open(const struct vg_watchdog *w)
{
	return w->fd >= 0;
}
