/* Unit tests for common/bounded.c: a call run in a child, answered by a
 * deadline whatever the callee does (returns, fails, hangs, crashes).
 *
 * Every test ends by checking that no child is left, reaped or not: the
 * fencing daemon calls this for its whole life and must not collect
 * zombies.  Works with CK_FORK=no (valgrind): callees never return into
 * Check, they run in vg_bounded_run's own child. */
#include "config.h"

#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bounded.h"
#include "deadline.h"

struct answer {
	int value;
	pid_t pid;
	char text[32];
};

static int global_mark;

static void assert_no_children(void)
{
	pid_t r = waitpid(-1, NULL, WNOHANG);

	ck_assert_msg(r == -1 && errno == ECHILD,
		      "a child is left behind (waitpid(-1, WNOHANG) = %d)", (int)r);
}

static int count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *de;
	int n = 0;

	ck_assert_ptr_nonnull(d);
	while ((de = readdir(d)) != NULL)
		n += de->d_name[0] != '.';
	closedir(d);
	return n - 1;	/* the directory's own descriptor */
}

/* --- callees (they run in the child) ------------------------------------ */

static int answer_fn(void *arg, void *result, size_t len)
{
	struct answer *a = result;

	if (len != sizeof(*a))
		return -EINVAL;
	a->value = *(int *)arg * 2;
	a->pid = getpid();
	snprintf(a->text, sizeof(a->text), "hello %d", *(int *)arg);
	global_mark = 1;	/* must not show in the parent */
	return 0;
}

static int fail_fn(void *arg, void *result, size_t len)
{
	struct answer *a = result;

	(void)arg;
	if (len == sizeof(*a))
		snprintf(a->text, sizeof(a->text), "partial");
	return -EACCES;
}

static int hang_fn(void *arg, void *result, size_t len)
{
	(void)arg;
	(void)result;
	(void)len;
	for (;;)
		pause();
	return 0;
}

static int crash_fn(void *arg, void *result, size_t len)
{
	struct rlimit no_core = { 0, 0 };

	(void)arg;
	(void)result;
	(void)len;
	(void)setrlimit(RLIMIT_CORE, &no_core);	/* no core file from a test */
	abort();
}

static int vanish_fn(void *arg, void *result, size_t len)
{
	(void)arg;
	(void)result;
	(void)len;
	_exit(0);	/* breaks the callee contract: still an answer-less death */
}

static int sigkill_self_fn(void *arg, void *result, size_t len)
{
	(void)arg;
	(void)result;
	(void)len;
	raise(SIGKILL);
	return 0;
}

#define BIG (200 * 1024)	/* larger than a pipe buffer (64 KiB) */

static int big_fn(void *arg, void *result, size_t len)
{
	unsigned char *p = result;

	(void)arg;
	for (size_t i = 0; i < len; i++)
		p[i] = (unsigned char)(i * 7 + i / 251);
	return 0;
}

static int count_fn(void *arg, void *result, size_t len)
{
	(void)arg;
	(void)result;
	(void)len;
	return 17;	/* a non-negative value is passed through */
}

/* --- tests -------------------------------------------------------------- */

START_TEST(returns_result)
{
	struct vg_deadline d;
	struct answer a;
	int arg = 21;
	long long elapsed = -1;

	memset(&a, 0, sizeof(a));
	global_mark = 0;
	vg_deadline_in_ms(&d, 10000);
	ck_assert_int_eq(vg_bounded_run(answer_fn, &arg, &a, sizeof(a), &d, &elapsed), 0);
	ck_assert_int_eq(a.value, 42);
	ck_assert_str_eq(a.text, "hello 21");
	ck_assert_msg(a.pid != getpid() && a.pid > 0, "callee ran in our process");
	ck_assert_int_eq(global_mark, 0);
	ck_assert_msg(elapsed >= 0 && elapsed < 10000, "elapsed %lld", elapsed);
	assert_no_children();
}
END_TEST

START_TEST(returns_negative_errno)
{
	struct vg_deadline d;
	struct answer a;
	long long elapsed = -1;

	memset(&a, 0, sizeof(a));
	vg_deadline_in_ms(&d, 10000);
	ck_assert_int_eq(vg_bounded_run(fail_fn, NULL, &a, sizeof(a), &d, &elapsed), -EACCES);
	/* What the callee wrote comes back with its error (virt_probe_bounded
	 * relies on it to report which call failed). */
	ck_assert_str_eq(a.text, "partial");
	ck_assert(elapsed >= 0);
	assert_no_children();
}
END_TEST

START_TEST(passes_positive_value)
{
	struct vg_deadline d;

	vg_deadline_in_ms(&d, 10000);
	ck_assert_int_eq(vg_bounded_run(count_fn, NULL, NULL, 0, &d, NULL), 17);
	assert_no_children();
}
END_TEST

START_TEST(hang_times_out)
{
	struct vg_deadline d;
	struct answer a;
	long long elapsed = -1, t0, took;

	memset(&a, 'Q', sizeof(a));
	vg_deadline_in_ms(&d, 500);
	t0 = vg_now_ms();
	ck_assert_int_eq(vg_bounded_run(hang_fn, NULL, &a, sizeof(a), &d, &elapsed),
			 -ETIMEDOUT);
	took = vg_now_ms() - t0;
	fprintf(stderr, "# hung callee: -ETIMEDOUT after %lld ms (deadline 500 ms, "
		"measured %lld)\n", elapsed, took);
	ck_assert_msg(elapsed >= 490, "gave up after %lld ms, before the deadline", elapsed);
	ck_assert_msg(elapsed < 1500, "answered %lld ms after a 500 ms deadline", elapsed);
	ck_assert(elapsed <= took);
	/* No answer: the result is left as it was. */
	for (size_t i = 0; i < sizeof(a); i++)
		ck_assert(((unsigned char *)&a)[i] == 'Q');
	assert_no_children();
}
END_TEST

START_TEST(expired_deadline)
{
	struct vg_deadline d;
	struct answer a;
	int arg = 1;
	long long elapsed = -1;

	vg_deadline_in_ms(&d, 0);
	ck_assert_int_eq(vg_bounded_run(answer_fn, &arg, &a, sizeof(a), &d, &elapsed),
			 -ETIMEDOUT);
	ck_assert_msg(elapsed < 1000, "%lld ms on an expired deadline", elapsed);
	assert_no_children();
}
END_TEST

START_TEST(crash_is_echild)
{
	struct vg_deadline d;
	struct answer a;
	long long elapsed = -1;

	memset(&a, 'Q', sizeof(a));
	vg_deadline_in_ms(&d, 30000);
	ck_assert_int_eq(vg_bounded_run(crash_fn, NULL, &a, sizeof(a), &d, &elapsed),
			 -ECHILD);
	fprintf(stderr, "# crashing callee: -ECHILD after %lld ms\n", elapsed);
	/* A crash is reported when it happens, not at the deadline. */
	ck_assert_msg(elapsed < 29000, "crash reported only after %lld ms", elapsed);
	for (size_t i = 0; i < sizeof(a); i++)
		ck_assert(((unsigned char *)&a)[i] == 'Q');
	assert_no_children();
}
END_TEST

START_TEST(silent_exit_is_echild)
{
	struct vg_deadline d;
	struct answer a;

	vg_deadline_in_ms(&d, 30000);
	ck_assert_int_eq(vg_bounded_run(vanish_fn, NULL, &a, sizeof(a), &d, NULL), -ECHILD);
	assert_no_children();
	ck_assert_int_eq(vg_bounded_run(sigkill_self_fn, NULL, &a, sizeof(a), &d, NULL),
			 -ECHILD);
	assert_no_children();
	ck_assert(!vg_deadline_expired(&d));
}
END_TEST

START_TEST(large_result)
{
	struct vg_deadline d;
	unsigned char *buf = malloc(BIG);
	long long elapsed = -1;

	ck_assert_ptr_nonnull(buf);
	memset(buf, 0, BIG);
	vg_deadline_in_ms(&d, 30000);
	ck_assert_int_eq(vg_bounded_run(big_fn, NULL, buf, BIG, &d, &elapsed), 0);
	for (size_t i = 0; i < BIG; i++)
		ck_assert_msg(buf[i] == (unsigned char)(i * 7 + i / 251), "byte %zu", i);
	fprintf(stderr, "# %d KiB result in %lld ms\n", BIG / 1024, elapsed);
	free(buf);
	assert_no_children();
}
END_TEST

START_TEST(no_leaks_over_many_runs)
{
	/* Descriptors and children stay flat over many calls of each kind. */
	int before = count_fds(), arg = 3;
	struct vg_deadline d;
	struct answer a;

	for (int i = 0; i < 20; i++) {
		vg_deadline_in_ms(&d, 10000);
		ck_assert_int_eq(vg_bounded_run(answer_fn, &arg, &a, sizeof(a), &d, NULL), 0);
		ck_assert_int_eq(vg_bounded_run(fail_fn, NULL, &a, sizeof(a), &d, NULL), -EACCES);
		ck_assert_int_eq(vg_bounded_run(vanish_fn, NULL, &a, sizeof(a), &d, NULL),
				 -ECHILD);
	}
	for (int i = 0; i < 3; i++) {
		vg_deadline_in_ms(&d, 50);
		ck_assert_int_eq(vg_bounded_run(hang_fn, NULL, &a, sizeof(a), &d, NULL),
				 -ETIMEDOUT);
	}
	ck_assert_int_eq(count_fds(), before);
	assert_no_children();
}
END_TEST

static Suite *bounded_suite(void)
{
	Suite *s = suite_create("bounded");
	TCase *tc = tcase_create("run");

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, returns_result);
	tcase_add_test(tc, returns_negative_errno);
	tcase_add_test(tc, passes_positive_value);
	tcase_add_test(tc, hang_times_out);
	tcase_add_test(tc, expired_deadline);
	tcase_add_test(tc, crash_is_echild);
	tcase_add_test(tc, silent_exit_is_echild);
	tcase_add_test(tc, large_result);
	tcase_add_test(tc, no_leaks_over_many_runs);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(bounded_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
