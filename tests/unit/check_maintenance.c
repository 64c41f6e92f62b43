/* Planned-stop announcements (common/maintenance.h): what vmguardd believes. */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "deadline.h"
#include "maintenance.h"

static char dir[64], file[128];

static void setup(void)
{
	snprintf(dir, sizeof(dir), "/tmp/check_maint.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(file, sizeof(file), "%s/sub/maintenance", dir);
}

static void teardown(void)
{
	char sub[96];

	unlink(file);
	snprintf(sub, sizeof(sub), "%s/sub", dir);
	rmdir(sub);
	rmdir(dir);
}

static void write_raw(const char *text, mode_t mode)
{
	char sub[96];
	FILE *f;

	snprintf(sub, sizeof(sub), "%s/sub", dir);
	mkdir(sub, 0755);
	f = fopen(file, "w");
	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
	chmod(file, mode);
}

START_TEST(write_then_check)
{
	struct vg_maint m;
	char why[256];
	long long now = vg_now_ms();

	ck_assert_int_eq(vg_maint_write(file, 60000, "libvirt\nupgrade", "test"), 0);
	ck_assert_int_eq(vg_maint_check(file, 600000, &m, why, sizeof(why)), 0);
	ck_assert(m.expires_ms >= now + 60000 && m.expires_ms <= vg_now_ms() + 60000);
	ck_assert_str_eq(m.reason, "libvirt upgrade");	/* one line, always */
	ck_assert_str_eq(m.by, "test");
	ck_assert_int_eq(vg_maint_clear(file), 0);
	ck_assert_int_eq(vg_maint_clear(file), 0);	/* idempotent */
	ck_assert_int_eq(vg_maint_check(file, 600000, &m, why, sizeof(why)), -ENOENT);
}
END_TEST

START_TEST(expired_and_too_long_are_refused)
{
	struct vg_maint m = { .expires_ms = 7 };
	char why[256], text[128];

	snprintf(text, sizeof(text), "expires_monotonic_ms=%lld\n", vg_now_ms() - 1);
	write_raw(text, 0644);
	ck_assert_int_eq(vg_maint_check(file, 600000, &m, why, sizeof(why)), -ETIME);
	ck_assert_ptr_nonnull(strstr(why, "expired"));
	ck_assert_int_eq(m.expires_ms, 7);	/* untouched */

	ck_assert_int_eq(vg_maint_write(file, 3600000, "long", "test"), 0);
	ck_assert_int_eq(vg_maint_check(file, 600000, &m, why, sizeof(why)), -ERANGE);
	ck_assert_ptr_nonnull(strstr(why, "maintenance_max"));
	ck_assert_int_eq(m.expires_ms, 7);
}
END_TEST

START_TEST(malformed_is_refused)
{
	struct vg_maint m;
	char why[256];

	write_raw("reason=no expiry\n", 0644);
	ck_assert_int_eq(vg_maint_check(file, 600000, &m, why, sizeof(why)), -EINVAL);
	write_raw("expires_monotonic_ms=12abc\n", 0644);
	ck_assert_int_eq(vg_maint_check(file, 600000, &m, why, sizeof(why)), -EINVAL);
	write_raw("expires_monotonic_ms=\n", 0644);
	ck_assert_int_eq(vg_maint_check(file, 600000, &m, why, sizeof(why)), -EINVAL);
}
END_TEST

START_TEST(writable_by_others_is_refused)
{
	struct vg_maint m;
	char why[256], text[128];

	snprintf(text, sizeof(text), "expires_monotonic_ms=%lld\n", vg_now_ms() + 60000);
	write_raw(text, 0666);
	ck_assert_int_eq(vg_maint_check(file, 600000, &m, why, sizeof(why)), -EPERM);
	ck_assert_ptr_nonnull(strstr(why, "only root may announce"));
	chmod(file, 0644);
	ck_assert_int_eq(vg_maint_check(file, 600000, &m, why, sizeof(why)), 0);
}
END_TEST

START_TEST(group_or_other_write_is_refused)
{
	static const mode_t bad[] = { 0664, 0646, 0620, 0602 };
	struct vg_maint m;
	char why[256], text[128];

	snprintf(text, sizeof(text), "expires_monotonic_ms=%lld\n", vg_now_ms() + 60000);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		write_raw(text, bad[i]);
		ck_assert_msg(vg_maint_check(file, 600000, &m, why, sizeof(why)) == -EPERM,
			      "mode %04o accepted", (unsigned)bad[i]);
	}
	/* Read bits are not what makes an announcement untrustworthy. */
	write_raw(text, 0600);
	ck_assert_int_eq(vg_maint_check(file, 600000, &m, why, sizeof(why)), 0);
	write_raw(text, 0444);
	ck_assert_int_eq(vg_maint_check(file, 600000, &m, why, sizeof(why)), 0);
}
END_TEST

/* Owners: root, or vmguardd's own user, and nobody else.  As root the
 * file is given away with chown; the checker's side of "vmguardd's own
 * user" runs in a child that switches to that uid. */
#define OTHER_UID 65534		/* nobody */
#define THIRD_UID 1		/* daemon */

static int check_as(uid_t uid)
{
	pid_t pid = fork();
	int st = 0;

	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		struct vg_maint m;

		if (setgroups(0, NULL) != 0 || setgid(uid) != 0 || setuid(uid) != 0)
			_exit(99);
		_exit(-vg_maint_check(file, 600000, &m, NULL, 0));
	}
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	ck_assert(WIFEXITED(st));
	ck_assert_int_ne(WEXITSTATUS(st), 99);
	return -WEXITSTATUS(st);
}

START_TEST(only_root_or_the_daemon_may_announce)
{
	struct vg_maint m;
	char why[256], text[128], sub[96];

	snprintf(text, sizeof(text), "expires_monotonic_ms=%lld\n", vg_now_ms() + 60000);
	write_raw(text, 0644);
	if (geteuid() != 0 || chown(file, OTHER_UID, OTHER_UID) != 0) {
		/* Without root (or with uid 65534 unmapped in a user namespace)
		 * no file can belong to somebody else. */
		fprintf(stderr, "only_root_or_the_daemon_may_announce: skipped, needs root\n");
		return;
	}
	ck_assert_int_eq(chown(file, 0, 0), 0);
	snprintf(sub, sizeof(sub), "%s/sub", dir);
	ck_assert_int_eq(chmod(dir, 0755), 0);
	ck_assert_int_eq(chmod(sub, 0755), 0);

	/* Owned by root: believed by root and by a daemon running as another user. */
	ck_assert_int_eq(vg_maint_check(file, 600000, &m, why, sizeof(why)), 0);
	ck_assert_int_eq(check_as(OTHER_UID), 0);

	/* Owned by an ordinary user, mode 0644: anyone who can write a file
	 * there could postpone fencing.  Refused, naming the owner. */
	ck_assert_int_eq(chown(file, OTHER_UID, OTHER_UID), 0);
	ck_assert_int_eq(vg_maint_check(file, 600000, &m, why, sizeof(why)), -EPERM);
	ck_assert_ptr_nonnull(strstr(why, "only root may announce"));
	ck_assert_ptr_nonnull(strstr(why, "uid 65534"));

	/* ... unless that user is the daemon's own. */
	ck_assert_int_eq(check_as(OTHER_UID), 0);
	ck_assert_int_eq(chown(file, THIRD_UID, THIRD_UID), 0);
	ck_assert_int_eq(check_as(OTHER_UID), -EPERM);
}
END_TEST

START_TEST(symlink_and_directory_are_refused)
{
	struct vg_maint m;
	char why[256], target[160];

	ck_assert_int_eq(vg_maint_write(file, 60000, "x", "test"), 0);
	snprintf(target, sizeof(target), "%s.real", file);
	ck_assert_int_eq(rename(file, target), 0);
	ck_assert_int_eq(symlink(target, file), 0);
	ck_assert_int_eq(vg_maint_check(file, 600000, &m, why, sizeof(why)), -EPERM);
	unlink(file);
	unlink(target);
	ck_assert_int_eq(mkdir(file, 0755), 0);
	ck_assert_int_eq(vg_maint_check(file, 600000, &m, why, sizeof(why)), -EPERM);
	rmdir(file);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("maintenance");
	TCase *tc = tcase_create("announce");
	SRunner *sr;
	int failed;

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, write_then_check);
	tcase_add_test(tc, expired_and_too_long_are_refused);
	tcase_add_test(tc, malformed_is_refused);
	tcase_add_test(tc, writable_by_others_is_refused);
	tcase_add_test(tc, group_or_other_write_is_refused);
	tcase_add_test(tc, only_root_or_the_daemon_may_announce);
	tcase_add_test(tc, symlink_and_directory_are_refused);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
