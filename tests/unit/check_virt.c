/* Unit tests for common/virt.c: the pure helpers.  The libvirt probes
 * themselves run against a real libvirtd in tests/integration. */
#include "config.h"

#include <check.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "virt.h"

START_TEST(version_string)
{
	static const struct { unsigned long v; const char *want; } t[] = {
		{ 9000000, "9.0.0" },		/* libvirt 9.0.0 (Debian 12) */
		{ 7002001, "7.2.1" },
		{ 1002003, "1.2.3" },
		{ 10010000, "10.10.0" },
		{ 999, "0.0.999" },
		{ 1000, "0.1.0" },
		{ 0, "0.0.0" },
		{ 123456789, "123.456.789" },
	};
	char buf[64];

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		memset(buf, 'Z', sizeof(buf));
		virt_version_string(t[i].v, buf, sizeof(buf));
		ck_assert_str_eq(buf, t[i].want);
	}
}
END_TEST

START_TEST(version_string_huge)
{
	char buf[64], want[64];

	virt_version_string(ULONG_MAX, buf, sizeof(buf));
	snprintf(want, sizeof(want), "%lu.%lu.%lu", ULONG_MAX / 1000000,
		 (ULONG_MAX / 1000) % 1000, ULONG_MAX % 1000);
	ck_assert_str_eq(buf, want);
}
END_TEST

START_TEST(version_string_truncated)
{
	char buf[8];

	memset(buf, 'Z', sizeof(buf));
	virt_version_string(123456789, buf, 4);
	ck_assert_str_eq(buf, "123");
	ck_assert(buf[4] == 'Z');	/* nothing past len */
	virt_version_string(9000000, buf, 1);
	ck_assert_str_eq(buf, "");
}
END_TEST

START_TEST(stage_calls)
{
	static const struct { enum virt_stage s; const char *call; } t[] = {
		{ VIRT_STAGE_CONNECT, "virConnectOpen" },
		{ VIRT_STAGE_LIBVERSION, "virConnectGetLibVersion" },
		{ VIRT_STAGE_HVVERSION, "virConnectGetVersion" },
		{ VIRT_STAGE_CAPABILITIES, "virConnectGetCapabilities" },
		{ VIRT_STAGE_DOMAINS, "virConnectListAllDomains" },
		{ VIRT_STAGE_DONE, "none" },
	};

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		ck_assert_str_eq(virt_stage_call(t[i].s), t[i].call);
	/* Every failing stage names a distinct call. */
	for (int a = VIRT_STAGE_CONNECT; a < VIRT_STAGE_DONE; a++)
		for (int b = VIRT_STAGE_CONNECT; b < a; b++)
			ck_assert_str_ne(virt_stage_call((enum virt_stage)a),
					 virt_stage_call((enum virt_stage)b));
	ck_assert_str_eq(virt_stage_call((enum virt_stage)99), "none");
}
END_TEST

static Suite *virt_suite(void)
{
	Suite *s = suite_create("virt");
	TCase *tc = tcase_create("helpers");

	tcase_add_test(tc, version_string);
	tcase_add_test(tc, version_string_huge);
	tcase_add_test(tc, version_string_truncated);
	tcase_add_test(tc, stage_calls);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(virt_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
