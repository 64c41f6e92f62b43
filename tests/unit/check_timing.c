/* The timing rule (common/timing.h): the inequality, the supporting rules,
 * and that every refusal names the value to change. */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "timing.h"

static struct vg_timing shipped(void)
{
	struct vg_timing t = {
		.keepalive_interval_ms = 1000, .keepalive_count = 3,
		.grace_ms = 10000, .fence_timeout_ms = 30000,
		.watchdog = true, .watchdog_timeout_ms = 10000, .watchdog_interval_ms = 2000,
		.frontend_time_to_error_ms = 180000, .frontend_interval_ms = 180000,
		.frontend_p = 2,
	};
	return t;
}

START_TEST(shipped_config_holds)
{
	struct vg_timing t = shipped();
	char why[512];

	ck_assert_int_eq(vg_timing_compute(&t, why, sizeof(why)), 0);
	ck_assert_int_eq(t.detect_ms, 4000);
	ck_assert_int_eq(t.self_fence_ms, 4000 + 10000 + 30000 + 10000);
	ck_assert_int_eq(t.frontend_recovery_ms, 180000 + 2 * 180000);
	ck_assert_str_eq(why, "");
}
END_TEST

START_TEST(equal_is_a_violation)
{
	struct vg_timing t = shipped();
	char why[512];

	/* 54 s == 54 s: "<" is required, equality is a race. */
	t.frontend_time_to_error_ms = 54000;
	t.frontend_p = 0;
	ck_assert_int_eq(vg_timing_compute(&t, why, sizeof(why)), -EINVAL);
	ck_assert_ptr_nonnull(strstr(why, "54 s"));
	t.frontend_time_to_error_ms = 54001;
	ck_assert_int_eq(vg_timing_compute(&t, why, sizeof(why)), 0);
}
END_TEST

START_TEST(violation_names_largest_term_and_target)
{
	struct vg_timing t = shipped();
	char why[512];

	t.fence_timeout_ms = 600000;		/* 4 + 10 + 600 + 10 = 624 s >= 540 s */
	ck_assert_int_eq(vg_timing_compute(&t, why, sizeof(why)), -EINVAL);
	ck_assert_ptr_nonnull(strstr(why, "self-fence deadline 624 s"));
	ck_assert_ptr_nonnull(strstr(why, "frontend recovery 540 s"));
	/* 600 - (624 - 540 + 0.001) = 515.999 -> whole seconds: 515 s */
	ck_assert_ptr_nonnull(strstr(why, "lower fence_timeout from 600 s to at most 515 s"));
	/* and the fix works */
	t.fence_timeout_ms = 515000;
	ck_assert_int_eq(vg_timing_compute(&t, why, sizeof(why)), 0);
	t.fence_timeout_ms = 516000;
	ck_assert_int_eq(vg_timing_compute(&t, why, sizeof(why)), -EINVAL);
}
END_TEST

START_TEST(violation_by_grace_keeps_milliseconds)
{
	struct vg_timing t = shipped();
	char why[512];

	t.grace_ms = 900000;
	ck_assert_int_eq(vg_timing_compute(&t, why, sizeof(why)), -EINVAL);
	ck_assert_ptr_nonnull(strstr(why, "lower libvirtd_grace from 900 s to at most 495.999 s"));
}
END_TEST

START_TEST(watchdog_disabled_has_no_watchdog_term)
{
	struct vg_timing t = shipped();

	t.watchdog = false;
	t.watchdog_interval_ms = 999999;	/* irrelevant without a watchdog */
	ck_assert_int_eq(vg_timing_compute(&t, NULL, 0), 0);
	ck_assert_int_eq(t.self_fence_ms, 44000);
}
END_TEST

START_TEST(pet_interval_well_inside_timeout)
{
	struct vg_timing t = shipped();
	char why[512];

	t.watchdog_interval_ms = 3334;		/* > 10 s / 3 */
	ck_assert_int_eq(vg_timing_compute(&t, why, sizeof(why)), -EINVAL);
	ck_assert_ptr_nonnull(strstr(why, "lower watchdog_interval to at most 3.333 s"));
	t.watchdog_interval_ms = 3333;
	ck_assert_int_eq(vg_timing_compute(&t, why, sizeof(why)), 0);
	t.watchdog_interval_ms = 0;
	ck_assert_int_eq(vg_timing_compute(&t, why, sizeof(why)), -EINVAL);
}
END_TEST

START_TEST(whole_seconds_where_the_apis_count_seconds)
{
	struct vg_timing t = shipped();
	char why[512];

	t.fence_timeout_ms = 1500;
	ck_assert_int_eq(vg_timing_compute(&t, why, sizeof(why)), -EINVAL);
	ck_assert_ptr_nonnull(strstr(why, "fence_timeout must be whole seconds"));
	t = shipped();
	t.watchdog_timeout_ms = 9500;
	ck_assert_int_eq(vg_timing_compute(&t, why, sizeof(why)), -EINVAL);
	ck_assert_ptr_nonnull(strstr(why, "watchdog_timeout must be whole seconds"));
	t = shipped();
	t.keepalive_interval_ms = 500;
	ck_assert_int_eq(vg_timing_compute(&t, why, sizeof(why)), -EINVAL);
	ck_assert_ptr_nonnull(strstr(why, "keepalive_interval"));
	t = shipped();
	t.keepalive_count = 0;
	ck_assert_int_eq(vg_timing_compute(&t, why, sizeof(why)), -EINVAL);
}
END_TEST

START_TEST(hang_detection_counts)
{
	struct vg_timing t = shipped();
	char why[512];

	/* A hung libvirtd counts as a failed check: its detection time is part
	 * of the deadline, and a long one alone can break the rule. */
	t.keepalive_interval_ms = 60000;
	t.keepalive_count = 10;			/* 660 s to notice a hang */
	ck_assert_int_eq(vg_timing_compute(&t, why, sizeof(why)), -EINVAL);
	ck_assert_ptr_nonnull(strstr(why, "keepalive_interval or keepalive_count"));
}
END_TEST

START_TEST(negative_and_overflowing_inputs_are_never_safe)
{
	struct vg_timing t = shipped();

	t.grace_ms = -1;
	ck_assert_int_eq(vg_timing_compute(&t, NULL, 0), -EINVAL);
	t = shipped();
	t.frontend_p = 2000000000;
	t.frontend_interval_ms = 1LL << 40;	/* saturates instead of wrapping */
	ck_assert_int_eq(vg_timing_compute(&t, NULL, 0), 0);
	ck_assert(t.frontend_recovery_ms > t.self_fence_ms);
	t = shipped();
	t.grace_ms = 1LL << 62;			/* saturates: a violation, not a wrap */
	ck_assert_int_eq(vg_timing_compute(&t, NULL, 0), -EINVAL);
}
END_TEST

START_TEST(every_refusal_says_which_key)
{
	/* Each supporting rule refuses on its own, with its own message (not
	 * merely because a bad value also breaks the inequality). */
	static const struct {
		const char *field, *message;
	} cases[] = {
		{ "grace=-1", "libvirtd_grace must not be negative" },
		{ "keepalive_interval=0", "keepalive_interval must be whole seconds" },
		{ "fence_timeout=0", "fence_timeout must be whole seconds" },
		{ "watchdog_timeout=0", "watchdog_timeout must be whole seconds" },
		{ "frontend_p=-1", "frontend_* values must not be negative" },
		{ "frontend_interval=-1", "frontend_* values must not be negative" },
		{ "frontend_time_to_error=-1", "frontend_* values must not be negative" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct vg_timing t = shipped();
		const char *f = cases[i].field;
		char why[512] = "";

		if (strcmp(f, "grace=-1") == 0)
			t.grace_ms = -1;
		else if (strcmp(f, "keepalive_interval=0") == 0)
			t.keepalive_interval_ms = 0;
		else if (strcmp(f, "fence_timeout=0") == 0)
			t.fence_timeout_ms = 0;
		else if (strcmp(f, "watchdog_timeout=0") == 0)
			t.watchdog_timeout_ms = 0;
		else if (strcmp(f, "frontend_p=-1") == 0)
			t.frontend_p = -1;
		else if (strcmp(f, "frontend_interval=-1") == 0)
			t.frontend_interval_ms = -1;
		else
			t.frontend_time_to_error_ms = -1;
		ck_assert_msg(vg_timing_compute(&t, why, sizeof(why)) == -EINVAL, "%s accepted", f);
		ck_assert_msg(strstr(why, cases[i].message) != NULL, "%s: %s", f, why);
	}
}
END_TEST

START_TEST(overflow_on_the_self_fence_side_is_a_violation)
{
	struct vg_timing t = shipped();

	/* Hang detection 8.6e12 ms x 2^31: wraps to 0 in 64 bits. */
	t.keepalive_interval_ms = 1000LL << 33;
	t.keepalive_count = 2147483647;
	ck_assert_int_eq(vg_timing_compute(&t, NULL, 0), -EINVAL);
	ck_assert(t.self_fence_ms >= t.frontend_recovery_ms);
	/* Two terms near 2^62 each: their sum wraps negative in 64 bits. */
	t = shipped();
	t.grace_ms = 1LL << 62;
	t.fence_timeout_ms = (1LL << 62) - (1LL << 62) % 1000;
	ck_assert_int_eq(vg_timing_compute(&t, NULL, 0), -EINVAL);
	ck_assert(t.self_fence_ms >= t.frontend_recovery_ms);
}
END_TEST

static int nlines;
static char lines[16][256];

static void collect(void *arg, const char *line)
{
	(void)arg;
	if (nlines < 16)
		snprintf(lines[nlines++], sizeof(lines[0]), "%s", line);
}

START_TEST(describe_prints_both_sides)
{
	struct vg_timing t = shipped();

	vg_timing_compute(&t, NULL, 0);
	nlines = 0;
	vg_timing_describe(&t, collect, NULL);
	ck_assert_int_eq(nlines, 7);
	ck_assert_ptr_nonnull(strstr(lines[4], "self-fence deadline") );
	ck_assert_ptr_nonnull(strstr(lines[4], "54 s"));
	ck_assert_ptr_nonnull(strstr(lines[5], "540 s"));
	ck_assert_ptr_nonnull(strstr(lines[6], "rule holds"));
	/* Equal is a violation here too. */
	t.frontend_time_to_error_ms = 54000;
	t.frontend_p = 0;
	vg_timing_compute(&t, NULL, 0);
	nlines = 0;
	vg_timing_describe(&t, collect, NULL);
	ck_assert_ptr_nonnull(strstr(lines[6], "RULE VIOLATED: 54 s >= 54 s"));
	t = shipped();
	t.watchdog = false;
	vg_timing_compute(&t, NULL, 0);
	nlines = 0;
	vg_timing_describe(&t, collect, NULL);
	ck_assert_ptr_nonnull(strstr(lines[3], "DISABLED"));
}
END_TEST

START_TEST(fmt)
{
	char b[32];

	vg_timing_fmt(54000, b, sizeof(b));
	ck_assert_str_eq(b, "54 s");
	vg_timing_fmt(1500, b, sizeof(b));
	ck_assert_str_eq(b, "1.500 s");
	vg_timing_fmt(250, b, sizeof(b));
	ck_assert_str_eq(b, "250 ms");
}
END_TEST

int main(void)
{
	Suite *s = suite_create("timing");
	TCase *tc = tcase_create("rule");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, shipped_config_holds);
	tcase_add_test(tc, equal_is_a_violation);
	tcase_add_test(tc, violation_names_largest_term_and_target);
	tcase_add_test(tc, violation_by_grace_keeps_milliseconds);
	tcase_add_test(tc, watchdog_disabled_has_no_watchdog_term);
	tcase_add_test(tc, pet_interval_well_inside_timeout);
	tcase_add_test(tc, whole_seconds_where_the_apis_count_seconds);
	tcase_add_test(tc, hang_detection_counts);
	tcase_add_test(tc, negative_and_overflowing_inputs_are_never_safe);
	tcase_add_test(tc, every_refusal_says_which_key);
	tcase_add_test(tc, overflow_on_the_self_fence_side_is_a_violation);
	tcase_add_test(tc, describe_prints_both_sides);
	tcase_add_test(tc, fmt);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
