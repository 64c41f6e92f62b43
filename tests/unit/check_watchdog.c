/* common/watchdog.c against things that are not a watchdog: every failure
 * is reported with a message and leaves nothing open.  (The accepting
 * device is tested through tests/lib/wdshim.so in
 * tests/integration/vmguardd-watchdog.sh.) */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "watchdog.h"

START_TEST(missing_device)
{
	struct vg_watchdog w = { .fd = 7 };
	char err[256];

	ck_assert_int_eq(vg_watchdog_open(&w, "/nonexistent/watchdog", 10, err, sizeof(err)),
			 -ENOENT);
	ck_assert_ptr_nonnull(strstr(err, "cannot open watchdog /nonexistent/watchdog"));
	ck_assert(!vg_watchdog_is_open(&w));
	ck_assert_int_eq(vg_watchdog_pet(&w), -EBADF);
	ck_assert_int_eq(vg_watchdog_disarm(&w), 0);
}
END_TEST

START_TEST(plain_file_refuses_settimeout)
{
	struct vg_watchdog w;
	char path[] = "/tmp/check_watchdog.XXXXXX", err[256], buf[8] = "";
	int fd = mkstemp(path), probe;
	ssize_t n;

	ck_assert_int_ge(fd, 0);
	close(fd);
	ck_assert_int_lt(vg_watchdog_open(&w, path, 10, err, sizeof(err)), 0);
	ck_assert_ptr_nonnull(strstr(err, "refused WDIOC_SETTIMEOUT 10 s"));
	ck_assert(!vg_watchdog_is_open(&w));
	/* It was disarmed with the magic character before it was closed. */
	probe = open(path, O_RDONLY);
	n = read(probe, buf, sizeof(buf) - 1);
	close(probe);
	ck_assert_int_eq(n, 1);
	ck_assert_str_eq(buf, "V");
	unlink(path);
}
END_TEST

/* What was written to a file standing in for the device, after fn. */
static void after(void (*fn)(struct vg_watchdog *), char *buf, size_t len)
{
	char path[] = "/tmp/check_watchdog.XXXXXX";
	struct vg_watchdog w = { .fd = mkstemp(path) };
	int probe;
	ssize_t n;

	ck_assert_int_ge(w.fd, 0);
	fn(&w);
	ck_assert(!vg_watchdog_is_open(&w));
	probe = open(path, O_RDONLY);
	ck_assert_int_ge(probe, 0);
	n = read(probe, buf, len - 1);
	close(probe);
	ck_assert_int_ge(n, 0);
	buf[n] = '\0';
	unlink(path);
}

static void do_abandon(struct vg_watchdog *w)
{
	vg_watchdog_abandon(w);
}

static void do_disarm(struct vg_watchdog *w)
{
	ck_assert_int_eq(vg_watchdog_disarm(w), 0);
}

START_TEST(abandon_leaves_it_running_disarm_stops_it)
{
	char buf[8];

	/* The host must reset unless the daemon shuts down cleanly: abandon
	 * closes without the magic character, disarm writes it. */
	after(do_abandon, buf, sizeof(buf));
	ck_assert_str_eq(buf, "");
	after(do_disarm, buf, sizeof(buf));
	ck_assert_str_eq(buf, "V");
}
END_TEST

START_TEST(pet_reports_a_failed_keepalive)
{
	char path[] = "/tmp/check_watchdog.XXXXXX";
	struct vg_watchdog w = { .fd = mkstemp(path) };

	ck_assert_int_ge(w.fd, 0);
	/* A feed that did not reach a watchdog is not a feed. */
	ck_assert_int_eq(vg_watchdog_pet(&w), -ENOTTY);
	vg_watchdog_abandon(&w);
	unlink(path);
}
END_TEST

/* A restarted vmguardd that must not feed (common/guard.h, P2): a device
 * it cannot set up is closed WITHOUT the magic character -- it stays armed. */
START_TEST(unfed_open_never_disarms)
{
	struct vg_watchdog w;
	char path[] = "/tmp/check_watchdog.XXXXXX", err[256], buf[8] = "";
	int fd = mkstemp(path), probe;
	ssize_t n;

	ck_assert_int_ge(fd, 0);
	close(fd);
	ck_assert_int_lt(vg_watchdog_open_unfed(&w, path, 10, err, sizeof(err)), 0);
	ck_assert_ptr_nonnull(strstr(err, "left armed"));
	ck_assert(!vg_watchdog_is_open(&w));
	probe = open(path, O_RDONLY);
	n = read(probe, buf, sizeof(buf) - 1);
	close(probe);
	ck_assert_int_eq(n, 0);
	unlink(path);
}
END_TEST

START_TEST(path_too_long)
{
	struct vg_watchdog w;
	char path[400], err[256];

	memset(path, 'a', sizeof(path) - 1);
	path[0] = '/';
	path[sizeof(path) - 1] = '\0';
	ck_assert_int_eq(vg_watchdog_open(&w, path, 10, err, sizeof(err)), -ENAMETOOLONG);
	ck_assert(!vg_watchdog_is_open(&w));
}
END_TEST

int main(void)
{
	Suite *s = suite_create("watchdog");
	TCase *tc = tcase_create("refusals");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, missing_device);
	tcase_add_test(tc, plain_file_refuses_settimeout);
	tcase_add_test(tc, path_too_long);
	tcase_add_test(tc, abandon_leaves_it_running_disarm_stops_it);
	tcase_add_test(tc, pet_reports_a_failed_keepalive);
	tcase_add_test(tc, unfed_open_never_disarms);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
