/* vmguardd.conf parsing (common/conf.h). */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf.h"
#include "guard.h"

static char path[64];

static void write_file(const char *text)
{
	int fd;
	FILE *f;

	snprintf(path, sizeof(path), "/tmp/check_conf.XXXXXX");
	fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	f = fdopen(fd, "w");
	fputs(text, f);
	fclose(f);
}

START_TEST(defaults_are_the_shipped_values)
{
	struct vg_conf c;
	struct vg_timing t;
	struct vg_guard_conf g;
	char why[512];

	vg_conf_defaults(&c);
	ck_assert_str_eq(c.uri, "qemu:///system");
	ck_assert_str_eq(c.node_name, "");
	ck_assert_int_eq(c.grace_ms, 10000);
	ck_assert_int_eq(c.fence_timeout_ms, 30000);
	ck_assert(c.watchdog);
	ck_assert_str_eq(c.watchdog_device, "/dev/watchdog");
	ck_assert_int_eq(c.watchdog_timeout_ms, 10000);
	ck_assert_int_eq(c.reconnect_interval_ms, 200);
	ck_assert_int_eq(c.maintenance_max_ms, 480000);
	vg_conf_timing(&c, &t);
	ck_assert_int_eq(vg_timing_compute(&t, NULL, 0), 0);
	/* The shipped defaults keep the planned-stop window inside the timing
	 * rule (issue 12 item 4): 480 s + 10 s <= 540 - 4 - 30 - 10 s - 1 ms. */
	vg_conf_guard(&c, &t, &g);
	ck_assert_int_eq(g.bound_ms, 495999);
	ck_assert_int_eq(g.connect_ms, 4000);
	ck_assert_int_eq(g.stable_ms, 180000);
	ck_assert_int_eq(g.planned_max_ms, 480000);
	ck_assert_int_eq(vg_guard_conf_check(&g, NULL, 0), 0);
	/* The old default, 10 min, broke it. */
	c.maintenance_max_ms = 600000;
	vg_conf_guard(&c, &t, &g);
	ck_assert_int_eq(vg_guard_conf_check(&g, why, sizeof(why)), -EINVAL);
	ck_assert_ptr_nonnull(strstr(why, "maintenance_max"));
}
END_TEST

START_TEST(durations)
{
	long long ms = -1;

	ck_assert_int_eq(vg_conf_parse_duration("10", &ms), 0);
	ck_assert_int_eq(ms, 10000);
	ck_assert_int_eq(vg_conf_parse_duration("10s", &ms), 0);
	ck_assert_int_eq(ms, 10000);
	ck_assert_int_eq(vg_conf_parse_duration("250ms", &ms), 0);
	ck_assert_int_eq(ms, 250);
	ck_assert_int_eq(vg_conf_parse_duration("3min", &ms), 0);
	ck_assert_int_eq(ms, 180000);
	ck_assert_int_eq(vg_conf_parse_duration("2m", &ms), 0);
	ck_assert_int_eq(ms, 120000);
	ck_assert_int_eq(vg_conf_parse_duration("1h", &ms), 0);
	ck_assert_int_eq(ms, 3600000);
	ck_assert_int_eq(vg_conf_parse_duration("0", &ms), 0);
	ck_assert_int_eq(ms, 0);
	ms = 42;
	ck_assert_int_eq(vg_conf_parse_duration("", &ms), -EINVAL);
	ck_assert_int_eq(vg_conf_parse_duration("-1s", &ms), -EINVAL);
	ck_assert_int_eq(vg_conf_parse_duration("1.5s", &ms), -EINVAL);
	ck_assert_int_eq(vg_conf_parse_duration("10 s", &ms), -EINVAL);
	ck_assert_int_eq(vg_conf_parse_duration("5d", &ms), -EINVAL);
	ck_assert_int_eq(vg_conf_parse_duration("99999999999999999999", &ms), -ERANGE);
	ck_assert_int_eq(ms, 42);	/* untouched on failure */
}
END_TEST

START_TEST(lines)
{
	struct vg_conf c;
	char err[256];

	vg_conf_defaults(&c);
	ck_assert_int_eq(vg_conf_apply_line(&c, "", err, sizeof(err)), 0);
	ck_assert_int_eq(vg_conf_apply_line(&c, "   # comment", err, sizeof(err)), 0);
	ck_assert_int_eq(vg_conf_apply_line(&c, "libvirtd_grace = 2s # why", err, sizeof(err)), 0);
	ck_assert_int_eq(c.grace_ms, 2000);
	ck_assert_int_eq(vg_conf_apply_line(&c, "uri=\"qemu+ssh://h/system\"", err, sizeof(err)), 0);
	ck_assert_str_eq(c.uri, "qemu+ssh://h/system");
	ck_assert_int_eq(vg_conf_apply_line(&c, "watchdog = off", err, sizeof(err)), 0);
	ck_assert(!c.watchdog);
	ck_assert_int_eq(vg_conf_apply_line(&c, "node_name =", err, sizeof(err)), 0);
	ck_assert_str_eq(c.node_name, "");
	ck_assert_int_eq(vg_conf_apply_line(&c, "frontend_p = 3", err, sizeof(err)), 0);
	ck_assert_int_eq(c.frontend_p, 3);
}
END_TEST

START_TEST(bad_lines_name_the_key)
{
	struct vg_conf c, before;
	char err[256];

	vg_conf_defaults(&c);
	before = c;
	ck_assert_int_eq(vg_conf_apply_line(&c, "grace = 1s", err, sizeof(err)), -ENOENT);
	ck_assert_str_eq(err, "unknown key 'grace'");
	ck_assert_int_eq(vg_conf_apply_line(&c, "libvirtd_grace", err, sizeof(err)), -EINVAL);
	ck_assert_int_eq(vg_conf_apply_line(&c, "libvirtd_grace = soon", err, sizeof(err)), -EINVAL);
	ck_assert_ptr_nonnull(strstr(err, "libvirtd_grace: 'soon' is not a duration"));
	ck_assert_int_eq(vg_conf_apply_line(&c, "watchdog = maybe", err, sizeof(err)), -EINVAL);
	ck_assert_ptr_nonnull(strstr(err, "watchdog: 'maybe' is not yes or no"));
	ck_assert_int_eq(vg_conf_apply_line(&c, "keepalive_count = 0", err, sizeof(err)), -ERANGE);
	ck_assert_ptr_nonnull(strstr(err, "keepalive_count: '0' is outside 1 .. 100"));
	ck_assert_int_eq(vg_conf_apply_line(&c, "fence_timeout = 500ms", err, sizeof(err)), -ERANGE);
	ck_assert_ptr_nonnull(strstr(err, "fence_timeout: '500ms' is outside 1 s .. 3600 s"));
	ck_assert_int_eq(vg_conf_apply_line(&c, "frontend_p = -1", err, sizeof(err)), -EINVAL);
	ck_assert(memcmp(&c, &before, sizeof(c)) == 0);
}
END_TEST

START_TEST(load_reports_file_and_line_and_keeps_config)
{
	struct vg_conf c, before;
	char err[512];

	vg_conf_defaults(&c);
	before = c;
	write_file("# test\nlibvirtd_grace = 1s\n\nfence_timeout = soon\n");
	ck_assert_int_eq(vg_conf_load(path, &c, err, sizeof(err)), -EINVAL);
	ck_assert_ptr_nonnull(strstr(err, ":4: fence_timeout"));
	/* the good line before the bad one was not applied either */
	ck_assert(memcmp(&c, &before, sizeof(c)) == 0);
	unlink(path);

	write_file("libvirtd_grace = 1s\nwatchdog_device = /dev/watchdog1\n");
	ck_assert_int_eq(vg_conf_load(path, &c, err, sizeof(err)), 0);
	ck_assert_int_eq(c.grace_ms, 1000);
	ck_assert_str_eq(c.watchdog_device, "/dev/watchdog1");
	unlink(path);

	ck_assert_int_eq(vg_conf_load("/nonexistent/vmguardd.conf", &c, err, sizeof(err)), -ENOENT);
	ck_assert_ptr_nonnull(strstr(err, "/nonexistent/vmguardd.conf"));
}
END_TEST

START_TEST(dump_reads_back_identically)
{
	struct vg_conf c, back;
	char err[512];
	FILE *f;
	int fd;

	vg_conf_defaults(&c);
	c.grace_ms = 1500;
	c.watchdog = false;
	snprintf(c.node_name, sizeof(c.node_name), "hv1");
	snprintf(path, sizeof(path), "/tmp/check_conf.XXXXXX");
	fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	f = fdopen(fd, "w");
	vg_conf_write(&c, f);
	fclose(f);
	vg_conf_defaults(&back);
	ck_assert_int_eq(vg_conf_load(path, &back, err, sizeof(err)), 0);
	ck_assert(memcmp(&c, &back, sizeof(c)) == 0);
	unlink(path);
}
END_TEST

START_TEST(shipped_example_file_is_valid)
{
	struct vg_conf c;
	struct vg_timing t;
	char err[512], file[1024];

	snprintf(file, sizeof(file), "%s/fence/vmguardd.conf", VG_SRCDIR);
	vg_conf_defaults(&c);
	ck_assert_msg(vg_conf_load(file, &c, err, sizeof(err)) == 0, "%s", err);
	vg_conf_timing(&c, &t);
	ck_assert_int_eq(vg_timing_compute(&t, err, sizeof(err)), 0);
	ck_assert_int_eq(t.self_fence_ms, 54000);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("conf");
	TCase *tc = tcase_create("parse");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, defaults_are_the_shipped_values);
	tcase_add_test(tc, durations);
	tcase_add_test(tc, lines);
	tcase_add_test(tc, bad_lines_name_the_key);
	tcase_add_test(tc, load_reports_file_and_line_and_keeps_config);
	tcase_add_test(tc, dump_reads_back_identically);
	tcase_add_test(tc, shipped_example_file_is_valid);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
