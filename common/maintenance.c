#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "deadline.h"
#include "maintenance.h"

static void one_line(char *dst, size_t len, const char *src)
{
	size_t i;

	for (i = 0; src != NULL && src[i] != '\0' && i + 1 < len; i++)
		dst[i] = (src[i] == '\n' || src[i] == '\r') ? ' ' : src[i];
	dst[i] = '\0';
}

static int mkdir_parent(const char *path)
{
	char dir[512];
	char *slash;

	if (strlen(path) >= sizeof(dir))
		return -ENAMETOOLONG;
	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	if (slash == NULL || slash == dir)
		return 0;
	*slash = '\0';
	if (mkdir(dir, 0755) != 0 && errno != EEXIST)
		return -errno;
	return 0;
}

int vg_maint_write(const char *path, long long duration_ms, const char *reason,
		   const char *by)
{
	char tmp[600], r[128], b[128];
	int fd, rc;
	FILE *f;

	if (duration_ms <= 0)
		return -EINVAL;
	rc = mkdir_parent(path);
	if (rc != 0)
		return rc;
	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp.%d", path, (int)getpid()) >= sizeof(tmp))
		return -ENAMETOOLONG;
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	(void)fchmod(fd, 0644);		/* umask must not matter */
	f = fdopen(fd, "w");
	if (f == NULL) {
		rc = -errno;
		close(fd);
		unlink(tmp);
		return rc;
	}
	one_line(r, sizeof(r), reason != NULL ? reason : "");
	one_line(b, sizeof(b), by != NULL ? by : "");
	fprintf(f, "# vmguard maintenance: a planned libvirtd stop\n"
		"expires_monotonic_ms=%lld\nreason=%s\nby=%s\n",
		vg_now_ms() + duration_ms, r, b);
	if (fflush(f) != 0 || fsync(fd) != 0) {
		rc = -errno;
		fclose(f);
		unlink(tmp);
		return rc;
	}
	if (fclose(f) != 0) {
		rc = -errno;
		unlink(tmp);
		return rc;
	}
	if (rename(tmp, path) != 0) {
		rc = -errno;
		unlink(tmp);
		return rc;
	}
	return 0;
}

int vg_maint_clear(const char *path)
{
	if (unlink(path) != 0 && errno != ENOENT)
		return -errno;
	return 0;
}

int vg_maint_check(const char *path, long long max_ms, struct vg_maint *m,
		   char *why, size_t whylen)
{
	struct vg_maint tmp = { .expires_ms = -1 };
	struct stat st;
	char line[300], dummy[1];
	long long now;
	int fd, rc = 0;
	FILE *f;

	if (why == NULL || whylen == 0) {
		why = dummy;
		whylen = sizeof(dummy);
	}
	why[0] = '\0';
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	if (fd < 0) {
		rc = -errno;
		if (rc != -ENOENT)
			snprintf(why, whylen, "%s: %s", path, strerror(errno));
		return rc == -ELOOP ? -EPERM : rc;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		snprintf(why, whylen, "%s is not a regular file", path);
		close(fd);
		return -EPERM;
	}
	if ((st.st_uid != 0 && st.st_uid != geteuid()) || (st.st_mode & 022) != 0) {
		snprintf(why, whylen, "%s is owned by uid %u with mode %04o: only root may "
			 "announce a planned stop (owner root, no group/other write)", path,
			 (unsigned)st.st_uid, (unsigned)(st.st_mode & 07777));
		close(fd);
		return -EPERM;
	}
	f = fdopen(fd, "r");
	if (f == NULL) {
		rc = -errno;
		close(fd);
		return rc;
	}
	while (fgets(line, sizeof(line), f) != NULL) {
		char *nl = strchr(line, '\n');

		if (nl != NULL)
			*nl = '\0';
		if (strncmp(line, "expires_monotonic_ms=", 21) == 0) {
			char *end;

			errno = 0;
			tmp.expires_ms = strtoll(line + 21, &end, 10);
			if (errno != 0 || *end != '\0' || end == line + 21)
				tmp.expires_ms = -1;
		} else if (strncmp(line, "reason=", 7) == 0) {
			one_line(tmp.reason, sizeof(tmp.reason), line + 7);
		} else if (strncmp(line, "by=", 3) == 0) {
			one_line(tmp.by, sizeof(tmp.by), line + 3);
		}
	}
	fclose(f);
	if (tmp.expires_ms < 0) {
		snprintf(why, whylen, "%s has no valid expires_monotonic_ms line", path);
		return -EINVAL;
	}
	now = vg_now_ms();
	if (tmp.expires_ms <= now) {
		snprintf(why, whylen, "planned stop announced in %s expired %lld ms ago",
			 path, now - tmp.expires_ms);
		return -ETIME;
	}
	if (tmp.expires_ms - now > max_ms) {
		snprintf(why, whylen, "planned stop in %s runs %lld s more, longer than "
			 "maintenance_max (%lld s): not believed", path,
			 (tmp.expires_ms - now) / 1000, max_ms / 1000);
		return -ERANGE;
	}
	*m = tmp;
	return 0;
}
