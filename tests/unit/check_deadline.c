/* Unit tests for common/deadline.c: parsing, budgets, clamped arithmetic and
 * sleeping that never outlives the deadline. */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>

#include "deadline.h"

/* The cap deadline.c saturates at (LLONG_MAX / 2): an overflow turns into an
 * early expiry, never a wrap-around into the past. */
#define CAP (LLONG_MAX / 2)
#define SENTINEL 4242LL

/* --- vg_parse_ms -------------------------------------------------------- */

START_TEST(parse_ms_digits)
{
	static const struct { const char *in; long long want; } ok[] = {
		{ "0", 0 }, { "1", 1 }, { "007", 7 }, { "20000", 20000 },
		{ "86400000", 86400000LL },
		{ "1000000000000000000", 1000000000000000000LL },
	};

	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		long long v = SENTINEL;

		ck_assert_msg(vg_parse_ms(ok[i].in, &v) == 0, "'%s' rejected", ok[i].in);
		ck_assert_int_eq(v, ok[i].want);
	}
}
END_TEST

START_TEST(parse_ms_rejects_non_digits)
{
	static const char *const bad[] = {
		"", "+5", "-5", "-0", " 5", "5 ", "5\n", "5ms", "0x10", "1.5", "1e3",
		"abc", "12a3", "\t1",
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		long long v = SENTINEL;

		ck_assert_msg(vg_parse_ms(bad[i], &v) == -EINVAL,
			      "'%s' not rejected with -EINVAL", bad[i]);
		ck_assert_msg(v == SENTINEL, "out written for '%s'", bad[i]);
	}
}
END_TEST

START_TEST(parse_ms_null)
{
	long long v = SENTINEL;

	ck_assert_int_eq(vg_parse_ms(NULL, &v), -EINVAL);
	ck_assert_int_eq(v, SENTINEL);
}
END_TEST

START_TEST(parse_ms_overflow)
{
	static const char *const big[] = {
		"9223372036854775807",		/* LLONG_MAX */
		"9223372036854775808",		/* LLONG_MAX + 1 */
		"18446744073709551616",		/* 2^64 */
		"99999999999999999999999999999999",
		"4611686018427387904",		/* CAP + 1 */
	};

	for (size_t i = 0; i < sizeof(big) / sizeof(big[0]); i++) {
		long long v = SENTINEL;

		ck_assert_msg(vg_parse_ms(big[i], &v) == -ERANGE,
			      "'%s' not rejected with -ERANGE", big[i]);
		ck_assert_msg(v == SENTINEL, "out written for '%s'", big[i]);
	}
}
END_TEST

START_TEST(parse_ms_never_above_cap)
{
	/* Whatever it accepts stays below the saturation cap. */
	char buf[32];

	for (long long v = CAP - 200; v <= CAP; v++) {
		long long out = SENTINEL;
		int rc;

		snprintf(buf, sizeof(buf), "%lld", v);
		rc = vg_parse_ms(buf, &out);
		ck_assert(rc == 0 || rc == -ERANGE);
		if (rc == 0)
			ck_assert_int_eq(out, v);
		else
			ck_assert_int_eq(out, SENTINEL);
	}
}
END_TEST

/* --- vg_deadline_budget_ms ---------------------------------------------- */

START_TEST(budget_table)
{
	/* timeout → budget, worked out by hand from "reserve 10 %, at least
	 * 200 ms, at most 2 s, never more than half the timeout". */
	static const struct { long long timeout, budget; } t[] = {
		{ 1, 1 },		/* half of 1 ms is 0: nothing reserved */
		{ 2, 1 },
		{ 3, 2 },
		{ 100, 50 },		/* 200 ms would be more than half */
		{ 399, 200 },
		{ 400, 200 },
		{ 1000, 800 },		/* 10 % = 100 → raised to 200 */
		{ 2000, 1800 },
		{ 2500, 2250 },		/* 10 % = 250 */
		{ 5000, 4500 },
		{ 20000, 18000 },	/* 10 % = 2000, exactly the cap */
		{ 30000, 28000 },	/* 10 % = 3000 → capped to 2000 */
		{ 3600000, 3598000 },
	};

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		ck_assert_msg(vg_deadline_budget_ms(t[i].timeout) == t[i].budget,
			      "budget(%lld) = %lld, want %lld", t[i].timeout,
			      vg_deadline_budget_ms(t[i].timeout), t[i].budget);
}
END_TEST

START_TEST(budget_invariants)
{
	/* Check is called only on a failure: each ck_assert records its
	 * location through a pipe to the parent, and half a million of them
	 * took longer than Check's 4 s timeout on a loaded machine. */
	for (long long t = 1; t <= 100000; t++) {
		long long b = vg_deadline_budget_ms(t);
		long long reserve = t - b;

		if (!(b > 0 && b <= t))
			ck_abort_msg("budget(%lld) = %lld", t, b);
		if (reserve > t / 2)
			ck_abort_msg("reserve(%lld) = %lld > half", t, reserve);
		if (reserve > 2000)
			ck_abort_msg("reserve(%lld) = %lld > 2 s", t, reserve);
		if (!(reserve >= 200 || reserve == t / 2))
			ck_abort_msg("reserve(%lld) = %lld < 200 ms", t, reserve);
		if (!(reserve >= t / 10 || reserve == 2000 || reserve == t / 2))
			ck_abort_msg("reserve(%lld) = %lld < 10 %%", t, reserve);
	}
}
END_TEST

START_TEST(budget_zero_negative_huge)
{
	ck_assert_int_eq(vg_deadline_budget_ms(0), 0);
	ck_assert_int_eq(vg_deadline_budget_ms(-1), 0);
	ck_assert_int_eq(vg_deadline_budget_ms(-20000), 0);
	ck_assert_int_eq(vg_deadline_budget_ms(LLONG_MIN), 0);
	ck_assert_int_eq(vg_deadline_budget_ms(LLONG_MAX), LLONG_MAX - 2000);
}
END_TEST

/* --- vg_timespec_diff_ms ------------------------------------------------ */

static struct timespec ts(long long sec, long nsec)
{
	struct timespec t = { .tv_sec = (time_t)sec, .tv_nsec = nsec };

	return t;
}

START_TEST(diff_basic)
{
	struct timespec a = ts(100, 0), b;

	b = ts(100, 0);
	ck_assert_int_eq(vg_timespec_diff_ms(&a, &b), 0);
	b = ts(100, 999999);
	ck_assert_int_eq(vg_timespec_diff_ms(&a, &b), 0);	/* < 1 ms */
	b = ts(100, 1000000);
	ck_assert_int_eq(vg_timespec_diff_ms(&a, &b), 1);
	b = ts(101, 500000000);
	ck_assert_int_eq(vg_timespec_diff_ms(&a, &b), 1500);
	b = ts(3700, 0);
	ck_assert_int_eq(vg_timespec_diff_ms(&a, &b), 3600000);

	/* Borrow across the second boundary. */
	a = ts(10, 900000000);
	b = ts(12, 100000000);
	ck_assert_int_eq(vg_timespec_diff_ms(&a, &b), 1200);
}
END_TEST

START_TEST(diff_negative_is_zero)
{
	struct timespec a = ts(200, 0), b = ts(100, 0);

	ck_assert_int_eq(vg_timespec_diff_ms(&a, &b), 0);
	a = ts(100, 500000000);
	b = ts(100, 400000000);
	ck_assert_int_eq(vg_timespec_diff_ms(&a, &b), 0);
	a = ts(101, 0);
	b = ts(100, 999999999);
	ck_assert_int_eq(vg_timespec_diff_ms(&a, &b), 0);
	a = ts(LLONG_MAX / 4, 0);
	b = ts(0, 0);
	ck_assert_int_eq(vg_timespec_diff_ms(&a, &b), 0);
}
END_TEST

START_TEST(diff_huge_is_clamped)
{
	struct timespec a = ts(0, 0), b;

	b = ts(LLONG_MAX / 4, 0);	/* would overflow when scaled to ms */
	ck_assert_int_eq(vg_timespec_diff_ms(&a, &b), CAP);
	b = ts(LLONG_MAX, 999999999);
	ck_assert_int_eq(vg_timespec_diff_ms(&a, &b), CAP);
	b = ts(CAP / 1000, 0);
	ck_assert_int_eq(vg_timespec_diff_ms(&a, &b), CAP);

	/* Just below the clamp: exact, and never above the cap. */
	b = ts(CAP / 1000 - 1, 999999999);
	ck_assert_int_eq(vg_timespec_diff_ms(&a, &b), (CAP / 1000 - 1) * 1000 + 999);
	ck_assert(vg_timespec_diff_ms(&a, &b) <= CAP);
}
END_TEST

/* --- deadlines ---------------------------------------------------------- */

START_TEST(deadline_in_remaining)
{
	struct vg_deadline d;
	long long left;

	vg_deadline_in_ms(&d, 10000);
	left = vg_deadline_remaining_ms(&d);
	ck_assert_msg(left > 5000 && left <= 10000, "remaining %lld of 10000", left);
	ck_assert(!vg_deadline_expired(&d));
	ck_assert(d.end.tv_nsec >= 0 && d.end.tv_nsec < 1000000000L);

	/* 999 ms pushes tv_nsec over a second most of the time: normalised. */
	for (int i = 0; i < 50; i++) {
		vg_deadline_in_ms(&d, 999);
		ck_assert(d.end.tv_nsec >= 0 && d.end.tv_nsec < 1000000000L);
		left = vg_deadline_remaining_ms(&d);
		ck_assert_msg(left > 0 && left <= 999, "remaining %lld of 999", left);
	}
}
END_TEST

START_TEST(deadline_zero_and_negative)
{
	struct vg_deadline d;

	vg_deadline_in_ms(&d, 0);
	ck_assert(vg_deadline_expired(&d));
	ck_assert_int_eq(vg_deadline_remaining_ms(&d), 0);

	vg_deadline_in_ms(&d, -5000);
	ck_assert(vg_deadline_expired(&d));
	ck_assert_int_eq(vg_deadline_remaining_ms(&d), 0);

	vg_deadline_in_ms(&d, LLONG_MIN);
	ck_assert(vg_deadline_expired(&d));
	ck_assert_int_eq(vg_deadline_remaining_ms(&d), 0);
}
END_TEST

START_TEST(deadline_huge_saturates)
{
	struct vg_deadline d;
	long long left;

	vg_deadline_in_ms(&d, LLONG_MAX);
	ck_assert(!vg_deadline_expired(&d));
	left = vg_deadline_remaining_ms(&d);
	ck_assert_msg(left > CAP - 60000 && left <= CAP, "remaining %lld", left);
	ck_assert(d.end.tv_sec > 0);	/* did not wrap into the past */
}
END_TEST

START_TEST(deadline_expires)
{
	struct vg_deadline d;
	long long t0 = vg_now_ms(), waited;

	vg_deadline_in_ms(&d, 50);
	while (!vg_deadline_expired(&d)) {
		ck_assert_msg(vg_now_ms() - t0 < 10000, "50 ms deadline never expired");
		vg_deadline_sleep_ms(&d, 5);
	}
	waited = vg_now_ms() - t0;
	ck_assert_msg(waited >= 49, "expired after %lld ms, before 50 ms", waited);
	ck_assert_int_eq(vg_deadline_remaining_ms(&d), 0);
}
END_TEST

START_TEST(deadline_min)
{
	struct vg_deadline a, b, m;

	vg_deadline_in_ms(&a, 1000);
	vg_deadline_in_ms(&b, 5000);
	m = vg_deadline_min(&a, &b);
	ck_assert(m.end.tv_sec == a.end.tv_sec && m.end.tv_nsec == a.end.tv_nsec);
	m = vg_deadline_min(&b, &a);
	ck_assert(m.end.tv_sec == a.end.tv_sec && m.end.tv_nsec == a.end.tv_nsec);

	/* Same second, different nanoseconds. */
	a.end = ts(50, 200);
	b.end = ts(50, 100);
	m = vg_deadline_min(&a, &b);
	ck_assert(m.end.tv_sec == 50 && m.end.tv_nsec == 100);
	m = vg_deadline_min(&b, &a);
	ck_assert(m.end.tv_sec == 50 && m.end.tv_nsec == 100);

	/* Equal. */
	m = vg_deadline_min(&a, &a);
	ck_assert(m.end.tv_sec == 50 && m.end.tv_nsec == 200);

	/* An expired one wins over a live one. */
	vg_deadline_in_ms(&a, 0);
	vg_deadline_in_ms(&b, 60000);
	m = vg_deadline_min(&b, &a);
	ck_assert(vg_deadline_expired(&m));
}
END_TEST

START_TEST(now_is_monotonic)
{
	long long prev = vg_now_ms(), now;

	ck_assert(prev >= 0);
	for (int i = 0; i < 10000; i++) {
		now = vg_now_ms();
		ck_assert_msg(now >= prev, "clock went back: %lld < %lld", now, prev);
		prev = now;
	}
}
END_TEST

/* CLOCK_BOOTTIME (the guard's persisted times) never runs back and is never
 * behind CLOCK_MONOTONIC: it counts the same, plus any suspend. */
START_TEST(boottime_is_monotonic_and_not_behind)
{
	long long prev = vg_boottime_ms(), now;

	ck_assert(prev >= 0);
	for (int i = 0; i < 10000; i++) {
		now = vg_boottime_ms();
		ck_assert_msg(now >= prev, "clock went back: %lld < %lld", now, prev);
		prev = now;
	}
	ck_assert(vg_boottime_ms() + 1 >= vg_now_ms());
}
END_TEST

/* --- sleeping ----------------------------------------------------------- */

START_TEST(sleep_bounded_by_deadline)
{
	struct vg_deadline d;
	long long t0, took;

	vg_deadline_in_ms(&d, 150);
	t0 = vg_now_ms();
	vg_deadline_sleep_ms(&d, 60000);
	took = vg_now_ms() - t0;
	fprintf(stderr, "# sleep(60 s) under a 150 ms deadline took %lld ms\n", took);
	ck_assert_msg(took >= 140, "woke after %lld ms, before the deadline", took);
	ck_assert_msg(took < 1150, "slept %lld ms past a 150 ms deadline", took);
}
END_TEST

START_TEST(sleep_shorter_than_deadline)
{
	struct vg_deadline d;
	long long t0, took;

	vg_deadline_in_ms(&d, 60000);
	t0 = vg_now_ms();
	vg_deadline_sleep_ms(&d, 50);
	took = vg_now_ms() - t0;
	ck_assert_msg(took >= 49 && took < 1050, "sleep(50 ms) took %lld ms", took);
	ck_assert(!vg_deadline_expired(&d));
}
END_TEST

START_TEST(sleep_expired_returns_at_once)
{
	struct vg_deadline d;
	long long t0, took;

	vg_deadline_in_ms(&d, 0);
	t0 = vg_now_ms();
	vg_deadline_sleep_ms(&d, 60000);
	vg_deadline_sleep_ms(&d, 0);
	vg_deadline_sleep_ms(&d, -100);
	took = vg_now_ms() - t0;
	ck_assert_msg(took < 500, "sleeping on an expired deadline took %lld ms", took);
}
END_TEST

static Suite *deadline_suite(void)
{
	Suite *s = suite_create("deadline");
	TCase *tc;

	tc = tcase_create("parse_ms");
	tcase_add_test(tc, parse_ms_digits);
	tcase_add_test(tc, boottime_is_monotonic_and_not_behind);
	tcase_add_test(tc, parse_ms_rejects_non_digits);
	tcase_add_test(tc, parse_ms_null);
	tcase_add_test(tc, parse_ms_overflow);
	tcase_add_test(tc, parse_ms_never_above_cap);
	suite_add_tcase(s, tc);

	tc = tcase_create("budget");
	tcase_add_test(tc, budget_table);
	tcase_add_test(tc, budget_invariants);
	tcase_add_test(tc, budget_zero_negative_huge);
	suite_add_tcase(s, tc);

	tc = tcase_create("timespec_diff");
	tcase_add_test(tc, diff_basic);
	tcase_add_test(tc, diff_negative_is_zero);
	tcase_add_test(tc, diff_huge_is_clamped);
	suite_add_tcase(s, tc);

	tc = tcase_create("deadline");
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, deadline_in_remaining);
	tcase_add_test(tc, deadline_zero_and_negative);
	tcase_add_test(tc, deadline_huge_saturates);
	tcase_add_test(tc, deadline_expires);
	tcase_add_test(tc, deadline_min);
	tcase_add_test(tc, now_is_monotonic);
	suite_add_tcase(s, tc);

	tc = tcase_create("sleep");
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, sleep_bounded_by_deadline);
	tcase_add_test(tc, sleep_shorter_than_deadline);
	tcase_add_test(tc, sleep_expired_returns_at_once);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(deadline_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
