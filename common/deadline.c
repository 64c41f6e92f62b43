#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>

#include "deadline.h"

#define MS_CAP (LLONG_MAX / 2)

long long vg_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

long long vg_boottime_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_BOOTTIME, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

long long vg_timespec_diff_ms(const struct timespec *a, const struct timespec *b)
{
	long long sec = (long long)b->tv_sec - (long long)a->tv_sec;
	long long nsec = (long long)b->tv_nsec - (long long)a->tv_nsec;

	if (sec < 0 || (sec == 0 && nsec <= 0))
		return 0;
	if (sec > MS_CAP / 1000 - 1)
		return MS_CAP;
	return sec * 1000 + nsec / 1000000;
}

void vg_deadline_in_ms(struct vg_deadline *d, long long ms)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	if (ms < 0)
		ms = 0;
	if (ms > MS_CAP)
		ms = MS_CAP;
	d->end.tv_sec = now.tv_sec + (time_t)(ms / 1000);
	d->end.tv_nsec = now.tv_nsec + (long)(ms % 1000) * 1000000L;
	if (d->end.tv_nsec >= 1000000000L) {
		d->end.tv_sec++;
		d->end.tv_nsec -= 1000000000L;
	}
}

long long vg_deadline_remaining_ms(const struct vg_deadline *d)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return vg_timespec_diff_ms(&now, &d->end);
}

bool vg_deadline_expired(const struct vg_deadline *d)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return now.tv_sec > d->end.tv_sec ||
	       (now.tv_sec == d->end.tv_sec && now.tv_nsec >= d->end.tv_nsec);
}

struct vg_deadline vg_deadline_min(const struct vg_deadline *a,
				   const struct vg_deadline *b)
{
	if (a->end.tv_sec < b->end.tv_sec ||
	    (a->end.tv_sec == b->end.tv_sec && a->end.tv_nsec <= b->end.tv_nsec))
		return *a;
	return *b;
}

long long vg_deadline_budget_ms(long long timeout_ms)
{
	long long reserve;

	if (timeout_ms <= 0)
		return 0;
	reserve = timeout_ms / 10;
	if (reserve < 200)
		reserve = 200;
	if (reserve > 2000)
		reserve = 2000;
	if (reserve > timeout_ms / 2)
		reserve = timeout_ms / 2;
	return timeout_ms - reserve;
}

int vg_parse_ms(const char *s, long long *out)
{
	long long v = 0;

	if (s == NULL || *s == '\0')
		return -EINVAL;
	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '9')
			return -EINVAL;
		if (v > (MS_CAP - 9) / 10)
			return -ERANGE;
		v = v * 10 + (*s - '0');
	}
	*out = v;
	return 0;
}

void vg_deadline_sleep_ms(const struct vg_deadline *d, long long ms)
{
	long long left = vg_deadline_remaining_ms(d);
	struct timespec ts;

	if (ms > left)
		ms = left;
	if (ms <= 0)
		return;
	ts.tv_sec = (time_t)(ms / 1000);
	ts.tv_nsec = (long)(ms % 1000) * 1000000L;
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}
