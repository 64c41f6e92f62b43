/* The confirmation rule of a fence (common/fencer.h): OpenNebula's hook
 * (fence/fencehost.c) exits 0 -- and OpenNebula recovers the host's VMs --
 * only when it holds.  The fencer itself cannot be made to answer success
 * without a history entry, so the rule is tested here, exhaustively around
 * its edge. */
#include "config.h"

#include <check.h>
#include <stdlib.h>

#include "fencer.h"

START_TEST(history_since_the_request_confirms)
{
	const time_t asked = 1764650000;

	ck_assert(vg_fencer_confirmed(asked, asked));
	ck_assert(vg_fencer_confirmed(asked + 30, asked));
	/* the history counts whole seconds: the same second, rounded down */
	ck_assert(vg_fencer_confirmed(asked - 1, asked));
}
END_TEST

START_TEST(no_history_or_an_older_fence_does_not)
{
	const time_t asked = 1764650000;

	ck_assert(!vg_fencer_confirmed(0, asked));	/* success, no history */
	ck_assert(!vg_fencer_confirmed(-1, asked));
	ck_assert(!vg_fencer_confirmed(asked - 2, asked));	/* an earlier fence */
	ck_assert(!vg_fencer_confirmed(asked - 86400, asked));	/* yesterday's */
	for (time_t t = asked - 100; t <= asked + 100; t++)
		if (vg_fencer_confirmed(t, asked) != (t >= asked - 1))
			ck_abort_msg("fenced_at %lld, asked %lld", (long long)t, (long long)asked);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("fencer");
	TCase *tc = tcase_create("confirmed");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, history_since_the_request_confirms);
	tcase_add_test(tc, no_history_or_an_older_fence_does_not);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
