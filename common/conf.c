#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "guard.h"
#include "log.h"

enum key_type { K_STRING, K_DURATION, K_INT, K_BOOL };

struct key {
	const char *name;
	enum key_type type;
	size_t off;
	const char *def;
	long long min, max;		/* durations in ms, integers as is */
	const char *desc;
};

#define OFF(f) offsetof(struct vg_conf, f)
#define HOUR (3600LL * 1000)

/* One row per key: the parser, the defaults and --dump-config come from here. */
static const struct key keys[] = {
	{ "uri", K_STRING, OFF(uri), "qemu:///system", 0, 0,
	  "libvirt URI of the libvirtd to guard" },
	{ "node_name", K_STRING, OFF(node_name), "", 0, 0,
	  "cluster name of this host; empty: corosync's name for the local node, else uname -n" },
	{ "keepalive_interval", K_DURATION, OFF(keepalive_interval_ms), "1s", 1000, 60000,
	  "libvirt keepalive interval (whole seconds)" },
	{ "keepalive_count", K_INT, OFF(keepalive_count), "3", 1, 100,
	  "unanswered keepalives after which libvirtd counts as hung" },
	{ "libvirtd_grace", K_DURATION, OFF(grace_ms), "10s", 0, HOUR,
	  "how long libvirtd may be gone before this host is fenced" },
	{ "reconnect_interval", K_DURATION, OFF(reconnect_interval_ms), "200ms", 10, 60000,
	  "pause between reconnection attempts while libvirtd is gone" },
	{ "fence_timeout", K_DURATION, OFF(fence_timeout_ms), "30s", 1000, HOUR,
	  "how long the fence request may take (whole seconds)" },
	{ "watchdog", K_BOOL, OFF(watchdog), "yes", 0, 0,
	  "use the hardware watchdog as the last line (no: NO self-fence when the fencer fails)" },
	{ "watchdog_device", K_STRING, OFF(watchdog_device), "/dev/watchdog", 0, 0,
	  "watchdog device" },
	{ "watchdog_timeout", K_DURATION, OFF(watchdog_timeout_ms), "10s", 1000, 3600000,
	  "hardware watchdog timeout (whole seconds)" },
	{ "watchdog_interval", K_DURATION, OFF(watchdog_interval_ms), "2s", 10, 1200000,
	  "how often the watchdog is fed" },
	{ "frontend_time_to_error", K_DURATION, OFF(frontend_time_to_error_ms), "180s", 0, 24 * HOUR,
	  "earliest time until the frontend declares a failed host ERROR" },
	{ "frontend_monitoring_interval", K_DURATION, OFF(frontend_interval_ms), "180s", 0, 24 * HOUR,
	  "the frontend's host monitoring interval" },
	{ "frontend_p", K_INT, OFF(frontend_p), "2", 0, 1000,
	  "monitoring cycles the frontend's host-error hook waits before recovery (-p)" },
	{ "quorum", K_BOOL, OFF(quorum), "yes", 0, 0,
	  "track corosync quorum (libquorum); no: treat this host as always quorate" },
	{ "maintenance_file", K_STRING, OFF(maintenance_file), RUNSTATEDIR "/vmguard/maintenance", 0, 0,
	  "announces a planned libvirtd stop (vmguard maintenance on)" },
	{ "maintenance_max", K_DURATION, OFF(maintenance_max_ms), "8min", 0, 24 * HOUR,
	  "longest planned stop vmguardd accepts (with libvirtd_grace within the timing rule)" },
	{ "status_file", K_STRING, OFF(status_file), RUNSTATEDIR "/vmguard/vmguardd.status", 0, 0,
	  "where vmguardd publishes its state for vmguard status" },
	{ "state_file", K_STRING, OFF(state_file), RUNSTATEDIR "/vmguard/vmguardd.state", 0, 0,
	  "where vmguardd keeps the guard's state across its own restarts (on /run)" },
};
#define NKEYS (sizeof(keys) / sizeof(keys[0]))

int vg_conf_parse_duration(const char *s, long long *ms)
{
	static const struct { const char *unit; long long mul; } units[] = {
		{ "", 1000 }, { "ms", 1 }, { "s", 1000 }, { "sec", 1000 },
		{ "m", 60000 }, { "min", 60000 }, { "h", 3600000 },
	};
	long long v = 0;
	const char *p = s;

	if (s == NULL || !isdigit((unsigned char)*p))
		return -EINVAL;
	for (; isdigit((unsigned char)*p); p++) {
		if (v > (LLONG_MAX / 3600000 - 9) / 10)
			return -ERANGE;
		v = v * 10 + (*p - '0');
	}
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (strcmp(p, units[i].unit) == 0) {
			*ms = v * units[i].mul;
			return 0;
		}
	}
	return -EINVAL;
}

static int parse_bool(const char *s, bool *out)
{
	static const char *yes[] = { "yes", "true", "on", "1", "y" };
	static const char *no[] = { "no", "false", "off", "0", "n" };

	for (size_t i = 0; i < 5; i++) {
		if (strcasecmp(s, yes[i]) == 0) {
			*out = true;
			return 0;
		}
		if (strcasecmp(s, no[i]) == 0) {
			*out = false;
			return 0;
		}
	}
	return -EINVAL;
}

static int parse_int(const char *s, long long *out)
{
	char *end;
	long long v;

	if (!isdigit((unsigned char)*s))
		return -EINVAL;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno != 0 || *end != '\0')
		return errno == ERANGE ? -ERANGE : -EINVAL;
	*out = v;
	return 0;
}

static int set_value(struct vg_conf *c, const struct key *k, const char *v,
		     char *err, size_t errlen)
{
	char *field = (char *)c + k->off;
	long long n = 0;
	bool b;
	int rc;

	switch (k->type) {
	case K_STRING:
		if (strlen(v) >= VG_CONF_STR) {
			snprintf(err, errlen, "%s: value longer than %d characters", k->name,
				 VG_CONF_STR - 1);
			return -ERANGE;
		}
		snprintf(field, VG_CONF_STR, "%s", v);
		return 0;
	case K_BOOL:
		if (parse_bool(v, &b) != 0) {
			snprintf(err, errlen, "%s: '%s' is not yes or no", k->name, v);
			return -EINVAL;
		}
		*(bool *)field = b;
		return 0;
	case K_DURATION:
		rc = vg_conf_parse_duration(v, &n);
		if (rc != 0) {
			snprintf(err, errlen, "%s: '%s' is not a duration (write e.g. 500ms, "
				 "10s, 3min)", k->name, v);
			return rc;
		}
		break;
	case K_INT:
		rc = parse_int(v, &n);
		if (rc != 0) {
			snprintf(err, errlen, "%s: '%s' is not a whole number", k->name, v);
			return rc;
		}
		break;
	}
	if (n < k->min || n > k->max) {
		if (k->type == K_DURATION) {
			char a[32], b2[32];

			vg_timing_fmt(k->min, a, sizeof(a));
			vg_timing_fmt(k->max, b2, sizeof(b2));
			snprintf(err, errlen, "%s: '%s' is outside %s .. %s", k->name, v, a, b2);
		} else {
			snprintf(err, errlen, "%s: '%s' is outside %lld .. %lld", k->name, v,
				 k->min, k->max);
		}
		return -ERANGE;
	}
	*(long long *)field = n;
	return 0;
}

void vg_conf_defaults(struct vg_conf *c)
{
	char err[128];

	memset(c, 0, sizeof(*c));
	for (size_t i = 0; i < NKEYS; i++)
		(void)set_value(c, &keys[i], keys[i].def, err, sizeof(err));
}

static char *trim(char *s)
{
	char *e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

int vg_conf_apply_line(struct vg_conf *c, const char *line, char *err, size_t errlen)
{
	char buf[1024];
	char *p, *eq, *key, *val;

	if (strlen(line) >= sizeof(buf)) {
		snprintf(err, errlen, "line too long");
		return -EINVAL;
	}
	snprintf(buf, sizeof(buf), "%s", line);
	p = strchr(buf, '#');
	if (p != NULL)
		*p = '\0';
	p = trim(buf);
	if (*p == '\0')
		return 0;
	eq = strchr(p, '=');
	if (eq == NULL) {
		snprintf(err, errlen, "expected 'key = value', got '%s'", p);
		return -EINVAL;
	}
	*eq = '\0';
	key = trim(p);
	val = trim(eq + 1);
	/* Allow "value" in quotes, as people write in shell-style files. */
	if (val[0] == '"' && strlen(val) >= 2 && val[strlen(val) - 1] == '"') {
		val[strlen(val) - 1] = '\0';
		val++;
	}
	for (size_t i = 0; i < NKEYS; i++)
		if (strcmp(key, keys[i].name) == 0)
			return set_value(c, &keys[i], val, err, errlen);
	snprintf(err, errlen, "unknown key '%s'", key);
	return -ENOENT;
}

int vg_conf_load(const char *path, struct vg_conf *c, char *err, size_t errlen)
{
	struct vg_conf tmp = *c;
	char line[1100], why[256];
	unsigned lineno = 0;
	int rc = 0;
	FILE *f = fopen(path, "re");

	if (f == NULL) {
		rc = -errno;
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return rc;
	}
	while (fgets(line, sizeof(line), f) != NULL) {
		lineno++;
		if (strchr(line, '\n') == NULL && !feof(f)) {
			snprintf(err, errlen, "%s:%u: line too long", path, lineno);
			rc = -EINVAL;
			goto out;
		}
		rc = vg_conf_apply_line(&tmp, line, why, sizeof(why));
		if (rc != 0) {
			snprintf(err, errlen, "%s:%u: %s", path, lineno, why);
			goto out;
		}
	}
	if (ferror(f)) {
		rc = -EIO;
		snprintf(err, errlen, "%s: read error", path);
		goto out;
	}
	*c = tmp;
out:
	fclose(f);
	return rc;
}

void vg_conf_write(const struct vg_conf *c, FILE *out)
{
	for (size_t i = 0; i < NKEYS; i++) {
		const struct key *k = &keys[i];
		const char *field = (const char *)c + k->off;
		char v[64];

		fprintf(out, "# %s\n", k->desc);
		switch (k->type) {
		case K_STRING:
			fprintf(out, "%s = %s\n", k->name, field);
			break;
		case K_BOOL:
			fprintf(out, "%s = %s\n", k->name, *(const bool *)field ? "yes" : "no");
			break;
		case K_INT:
			fprintf(out, "%s = %lld\n", k->name, *(const long long *)field);
			break;
		case K_DURATION: {
			long long ms = *(const long long *)field;

			if (ms % 1000 == 0)
				snprintf(v, sizeof(v), "%llds", ms / 1000);
			else
				snprintf(v, sizeof(v), "%lldms", ms);
			fprintf(out, "%s = %s\n", k->name, v);
			break;
		}
		}
	}
}

void vg_conf_timing(const struct vg_conf *c, struct vg_timing *t)
{
	memset(t, 0, sizeof(*t));
	t->keepalive_interval_ms = c->keepalive_interval_ms;
	t->keepalive_count = (int)c->keepalive_count;
	t->grace_ms = c->grace_ms;
	t->fence_timeout_ms = c->fence_timeout_ms;
	t->watchdog = c->watchdog;
	t->watchdog_timeout_ms = c->watchdog_timeout_ms;
	t->watchdog_interval_ms = c->watchdog_interval_ms;
	t->frontend_time_to_error_ms = c->frontend_time_to_error_ms;
	t->frontend_interval_ms = c->frontend_interval_ms;
	t->frontend_p = (int)c->frontend_p;
}

void vg_conf_guard(const struct vg_conf *c, const struct vg_timing *t,
		   struct vg_guard_conf *g)
{
	long long wd = c->watchdog ? c->watchdog_timeout_ms : 0;

	memset(g, 0, sizeof(*g));
	g->grace_ms = c->grace_ms;
	g->fence_timeout_ms = c->fence_timeout_ms;
	g->planned_max_ms = c->maintenance_max_ms;
	g->stable_ms = c->frontend_interval_ms;
	/* The loss-to-request budget the timing rule leaves: whatever the
	 * frontend's recovery allows beyond detection, the request and the
	 * watchdog (strictly less: the rule is "<"). */
	g->bound_ms = t->frontend_recovery_ms - t->detect_ms - c->fence_timeout_ms - wd - 1;
	g->connect_ms = t->detect_ms;
	g->quorum = c->quorum;
}
