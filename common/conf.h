/* vmguardd.conf: the one file every vmguardd deadline derives from.
 *
 * "key = value" lines; '#' starts a comment; blank lines are ignored.
 * Unknown keys, malformed values and out-of-range values are errors (a
 * fencing daemon must not run on a configuration it half understood).  The
 * keys, their types, defaults, ranges and descriptions are one table in
 * config.c; the example file, --dump-config and the man page follow it.
 *
 * Durations are written with a unit: "500ms", "10s", "3min", "1h"; a bare
 * number means seconds.
 */
#ifndef VG_CONF_H
#define VG_CONF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "timing.h"

#define VG_CONF_DEFAULT_PATH SYSCONFDIR "/vmguard/vmguardd.conf"
#define VG_CONF_STR 256

struct vg_conf {
	char uri[VG_CONF_STR];
	char node_name[VG_CONF_STR];		/* "" = from corosync, else uname */
	long long keepalive_interval_ms;
	long long keepalive_count;
	long long grace_ms;
	long long reconnect_interval_ms;
	long long fence_timeout_ms;
	bool watchdog;
	char watchdog_device[VG_CONF_STR];
	long long watchdog_timeout_ms;
	long long watchdog_interval_ms;
	long long frontend_time_to_error_ms;
	long long frontend_interval_ms;
	long long frontend_p;
	bool quorum;
	char maintenance_file[VG_CONF_STR];
	long long maintenance_max_ms;
	char status_file[VG_CONF_STR];
	char state_file[VG_CONF_STR];
};

/* Every key at its default. */
void vg_conf_defaults(struct vg_conf *c);

/* Read path over the defaults.  0 on success (*c written); otherwise a
 * negative errno, *c untouched, and "path:line: what is wrong" in err. */
int vg_conf_load(const char *path, struct vg_conf *c, char *err, size_t errlen);

/* Apply one "key = value" line (comments and blanks are accepted and do
 * nothing).  0, -ENOENT (unknown key), -EINVAL (malformed), -ERANGE. */
int vg_conf_apply_line(struct vg_conf *c, const char *line, char *err, size_t errlen);

/* "10s" -> 10000; writes *ms only on success. */
int vg_conf_parse_duration(const char *s, long long *ms);

/* The effective configuration, as a valid vmguardd.conf. */
void vg_conf_write(const struct vg_conf *c, FILE *out);

/* The timing rule's inputs from a configuration. */
void vg_conf_timing(const struct vg_conf *c, struct vg_timing *t);

struct vg_guard_conf;

/* The guard's configuration (common/guard.h) from a configuration and its
 * computed timing rule (t after vg_timing_compute()):
 *   B (bound)   = frontend recovery - detect - fence_timeout - watchdog_timeout - 1 ms
 *   C (connect) = detect, S (stable) = frontend_monitoring_interval,
 *   P (planned) = maintenance_max. */
void vg_conf_guard(const struct vg_conf *c, const struct vg_timing *t,
		   struct vg_guard_conf *g);

#endif
