/* Announcing a planned libvirtd stop to vmguardd.
 *
 * Whoever stops libvirtd on purpose -- an administrator with `vmguard
 * maintenance on`, or the libvirtd resource agent's stop action -- writes a
 * small file first:
 *
 *     # vmguard maintenance: a planned libvirtd stop
 *     expires_monotonic_ms=123456789
 *     reason=libvirt upgrade
 *     by=vmguard maintenance on (uid 0, pid 4242)
 *
 * vmguardd believes it only when it can verify it, both when libvirtd is lost
 * and again immediately before it would fence:
 *   - a regular file owned by root (or by vmguardd's own user), writable by
 *     nobody else (no group/other write bit);
 *   - expires_monotonic_ms is CLOCK_MONOTONIC (system-wide, per boot; the
 *     file lives on /run, a tmpfs, so it cannot survive into another boot)
 *     and lies in the future, at most maintenance_max ahead: an announcement
 *     cannot postpone fencing forever.
 * When it expires or is removed while libvirtd is still gone, the grace
 * window starts; when libvirtd comes back the file is simply left to expire.
 */
#ifndef VG_MAINTENANCE_H
#define VG_MAINTENANCE_H

#include <stddef.h>

struct vg_maint {
	long long expires_ms;		/* CLOCK_MONOTONIC */
	char reason[128];
	char by[128];
};

/* Write the announcement atomically (temporary file + rename), mode 0644,
 * creating the directory if needed.  0 or a negative errno. */
int vg_maint_write(const char *path, long long duration_ms, const char *reason,
		   const char *by);

/* Remove it.  0 (also when there was none) or a negative errno. */
int vg_maint_clear(const char *path);

/* Read and verify.  0 with *m filled when it is valid now; -ENOENT none;
 * -EPERM wrong owner or mode; -EINVAL malformed; -ETIME expired; -ERANGE
 * expires further than max_ms ahead.  why (optional) says what is wrong. */
int vg_maint_check(const char *path, long long max_ms, struct vg_maint *m,
		   char *why, size_t whylen);

#endif
