/* Monotonic deadlines.
 *
 * Every blocking step in vmguard is bounded by a deadline on CLOCK_MONOTONIC.
 * Arithmetic saturates: an overflow or a clock oddity makes the deadline
 * expire early (a timeout), never silently late.
 */
#ifndef VG_DEADLINE_H
#define VG_DEADLINE_H

#include <stdbool.h>
#include <time.h>

struct vg_deadline {
	struct timespec end;
};

/* Milliseconds elapsed on CLOCK_MONOTONIC since an arbitrary origin. */
long long vg_now_ms(void);

/* Milliseconds on CLOCK_BOOTTIME: since boot, suspend included.  System-wide
 * like CLOCK_MONOTONIC, so a restarted process reads a time a previous one
 * persisted the same way (vmguardd's guard state, common/guard.h). */
long long vg_boottime_ms(void);

/* Difference b - a in milliseconds, clamped to [0, LLONG_MAX / 2]. */
long long vg_timespec_diff_ms(const struct timespec *a, const struct timespec *b);

/* A deadline ms milliseconds from now (ms < 0 is treated as 0). */
void vg_deadline_in_ms(struct vg_deadline *d, long long ms);

/* Remaining milliseconds, 0 once expired. */
long long vg_deadline_remaining_ms(const struct vg_deadline *d);

bool vg_deadline_expired(const struct vg_deadline *d);

/* The earlier of two deadlines. */
struct vg_deadline vg_deadline_min(const struct vg_deadline *a,
				   const struct vg_deadline *b);

/* How much of an operation timeout an agent may spend before it must answer:
 * the timeout minus a reserve (10 %, at least 200 ms, at most 2 s) for the
 * process to report and exit before Pacemaker kills it.  Never less than half
 * the timeout.  timeout_ms <= 0 yields 0. */
long long vg_deadline_budget_ms(long long timeout_ms);

/* Parse a millisecond count as Pacemaker passes it (OCF_RESKEY_CRM_meta_timeout).
 * Accepts decimal digits only; 0 on success and *out written, -EINVAL for
 * anything else, -ERANGE on overflow; *out is untouched on failure. */
int vg_parse_ms(const char *s, long long *out);

/* Sleep for min(ms, remaining) milliseconds. */
void vg_deadline_sleep_ms(const struct vg_deadline *d, long long ms);

#endif
