#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "timing.h"

#define SAT_MAX (1LL << 52)	/* far beyond any sane timeout, far from overflow */

static long long sat_add(long long a, long long b)
{
	if (a < 0 || b < 0)
		return SAT_MAX;	/* a negative input is a configuration bug: never "safe" */
	return a > SAT_MAX - b ? SAT_MAX : a + b;
}

static long long sat_mul(long long a, long long b)
{
	if (a < 0 || b < 0)
		return SAT_MAX;
	if (a != 0 && b > SAT_MAX / a)
		return SAT_MAX;
	return a * b;
}

void vg_timing_fmt(long long ms, char *buf, size_t len)
{
	if (ms >= SAT_MAX)
		snprintf(buf, len, "(overflow)");
	else if (ms % 1000 == 0)
		snprintf(buf, len, "%lld s", ms / 1000);
	else if (ms >= 1000)
		snprintf(buf, len, "%lld.%03lld s", ms / 1000, ms % 1000);
	else
		snprintf(buf, len, "%lld ms", ms);
}

static void compute(struct vg_timing *t)
{
	long long wd = t->watchdog ? t->watchdog_timeout_ms : 0;

	t->detect_ms = sat_mul(t->keepalive_interval_ms, (long long)t->keepalive_count + 1);
	t->self_fence_ms = sat_add(sat_add(sat_add(t->detect_ms, t->grace_ms),
					   t->fence_timeout_ms), wd);
	t->frontend_recovery_ms = sat_add(t->frontend_time_to_error_ms,
					  sat_mul(t->frontend_p, t->frontend_interval_ms));
}

/* The self-fence term the operator can most easily give up: the largest. */
static void advise(const struct vg_timing *t, char *why, size_t whylen)
{
	struct { const char *key; long long v; bool whole_s; } term[] = {
		{ "libvirtd_grace", t->grace_ms, false },
		{ "fence_timeout", t->fence_timeout_ms, true },
		{ "watchdog_timeout", t->watchdog ? t->watchdog_timeout_ms : 0, true },
		{ "keepalive_interval", t->detect_ms, true },
	};
	size_t best = 0;
	long long excess = t->self_fence_ms - t->frontend_recovery_ms + 1;
	long long target;
	char a[32], b[32], sf[32], fr[32];

	for (size_t i = 1; i < sizeof(term) / sizeof(term[0]); i++)
		if (term[i].v > term[best].v)
			best = i;
	target = term[best].v - excess;
	if (term[best].whole_s && target > 0)
		target -= target % 1000;
	vg_timing_fmt(t->self_fence_ms, sf, sizeof(sf));
	vg_timing_fmt(t->frontend_recovery_ms, fr, sizeof(fr));
	vg_timing_fmt(term[best].v, a, sizeof(a));
	if (best == 3) {
		/* detect = interval x (count + 1): say it in the keys' own terms */
		snprintf(why, whylen, "self-fence deadline %s is not shorter than frontend "
			 "recovery %s: lower keepalive_interval or keepalive_count (hang "
			 "detection is now %s), or raise frontend_p / "
			 "frontend_monitoring_interval if the frontend really waits longer",
			 sf, fr, a);
		return;
	}
	if (target <= 0) {
		snprintf(why, whylen, "self-fence deadline %s is not shorter than frontend "
			 "recovery %s, and no single value can fix it: lower libvirtd_grace, "
			 "fence_timeout and watchdog_timeout together, or raise frontend_p / "
			 "frontend_monitoring_interval if the frontend really waits longer",
			 sf, fr);
		return;
	}
	vg_timing_fmt(target, b, sizeof(b));
	snprintf(why, whylen, "self-fence deadline %s is not shorter than frontend recovery "
		 "%s: lower %s from %s to at most %s (or raise frontend_p / "
		 "frontend_monitoring_interval if the frontend really waits longer)",
		 sf, fr, term[best].key, a, b);
}

int vg_timing_compute(struct vg_timing *t, char *why, size_t whylen)
{
	char a[32], b[32];

	compute(t);
	if (why != NULL && whylen > 0)
		why[0] = '\0';
	if (t->keepalive_interval_ms < 1000 || t->keepalive_interval_ms % 1000 != 0 ||
	    t->keepalive_count < 1) {
		snprintf(why, whylen, "keepalive_interval must be whole seconds >= 1 s and "
			 "keepalive_count >= 1 (libvirt cannot detect a hung libvirtd otherwise)");
		return -EINVAL;
	}
	if (t->grace_ms < 0) {
		snprintf(why, whylen, "libvirtd_grace must not be negative");
		return -EINVAL;
	}
	if (t->fence_timeout_ms < 1000 || t->fence_timeout_ms % 1000 != 0) {
		snprintf(why, whylen, "fence_timeout must be whole seconds, at least 1 s "
			 "(stonith_api_kick counts seconds)");
		return -EINVAL;
	}
	if (t->watchdog) {
		if (t->watchdog_timeout_ms < 1000 || t->watchdog_timeout_ms % 1000 != 0) {
			snprintf(why, whylen, "watchdog_timeout must be whole seconds, at "
				 "least 1 s (the kernel's watchdog API counts seconds)");
			return -EINVAL;
		}
		if (t->watchdog_interval_ms <= 0 ||
		    t->watchdog_interval_ms > t->watchdog_timeout_ms / 3) {
			vg_timing_fmt(t->watchdog_interval_ms, a, sizeof(a));
			vg_timing_fmt(t->watchdog_timeout_ms / 3, b, sizeof(b));
			snprintf(why, whylen, "watchdog_interval %s is not well inside "
				 "watchdog_timeout: lower watchdog_interval to at most %s "
				 "(a third of watchdog_timeout) or raise watchdog_timeout", a, b);
			return -EINVAL;
		}
	}
	if (t->frontend_p < 0 || t->frontend_interval_ms < 0 ||
	    t->frontend_time_to_error_ms < 0) {
		snprintf(why, whylen, "frontend_* values must not be negative");
		return -EINVAL;
	}
	if (t->self_fence_ms >= t->frontend_recovery_ms) {
		advise(t, why, whylen);
		return -EINVAL;
	}
	return 0;
}

void vg_timing_describe(const struct vg_timing *t,
			void (*emit)(void *arg, const char *line), void *arg)
{
	char line[256], v[5][32];

	vg_timing_fmt(t->detect_ms, v[0], sizeof(v[0]));
	vg_timing_fmt(t->keepalive_interval_ms, v[1], sizeof(v[1]));
	snprintf(line, sizeof(line), "  detect (hung libvirtd)    %10s  = keepalive_interval %s x "
		 "(keepalive_count %d + 1)", v[0], v[1], t->keepalive_count);
	emit(arg, line);
	vg_timing_fmt(t->grace_ms, v[0], sizeof(v[0]));
	snprintf(line, sizeof(line), "+ libvirtd grace           %10s  = libvirtd_grace", v[0]);
	emit(arg, line);
	vg_timing_fmt(t->fence_timeout_ms, v[0], sizeof(v[0]));
	snprintf(line, sizeof(line), "+ fence request timeout    %10s  = fence_timeout", v[0]);
	emit(arg, line);
	vg_timing_fmt(t->watchdog ? t->watchdog_timeout_ms : 0, v[0], sizeof(v[0]));
	snprintf(line, sizeof(line), "+ hardware watchdog        %10s  = %s", v[0],
		 t->watchdog ? "watchdog_timeout" : "watchdog DISABLED: no last line");
	emit(arg, line);
	vg_timing_fmt(t->self_fence_ms, v[0], sizeof(v[0]));
	snprintf(line, sizeof(line), "= self-fence deadline      %10s", v[0]);
	emit(arg, line);
	vg_timing_fmt(t->frontend_time_to_error_ms, v[1], sizeof(v[1]));
	vg_timing_fmt(t->frontend_interval_ms, v[2], sizeof(v[2]));
	vg_timing_fmt(t->frontend_recovery_ms, v[3], sizeof(v[3]));
	snprintf(line, sizeof(line), "  frontend recovery      >= %10s  = frontend_time_to_error %s + "
		 "frontend_p %d x frontend_monitoring_interval %s", v[3], v[1], t->frontend_p, v[2]);
	emit(arg, line);
	if (t->self_fence_ms < t->frontend_recovery_ms) {
		vg_timing_fmt(t->frontend_recovery_ms - t->self_fence_ms, v[4], sizeof(v[4]));
		snprintf(line, sizeof(line), "  rule holds: %s < %s (slack %s)", v[0], v[3], v[4]);
	} else {
		snprintf(line, sizeof(line), "  RULE VIOLATED: %s >= %s", v[0], v[3]);
	}
	emit(arg, line);
}
