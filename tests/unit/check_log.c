/* Unit tests for common/log.c: secret masking. */
#include "config.h"

#include <check.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"

/* Secrets live in a process-wide table: start every test from an empty one
 * (CK_FORK=no runs all tests in one process). */
static void clear(void)
{
	vg_log_clear_secrets();
}

static const char *mask(const char *in)
{
	static char out[1024];
	size_t n = vg_log_mask(in, out, sizeof(out));

	ck_assert_uint_eq(n, strlen(out));
	return out;
}

START_TEST(mask_no_secret)
{
	ck_assert_str_eq(mask("password=hunter2 user=root"), "password=hunter2 user=root");
	ck_assert_str_eq(mask(""), "");
}
END_TEST

START_TEST(mask_one_secret)
{
	vg_log_add_secret("hunter2");
	ck_assert_str_eq(mask("password=hunter2 user=root"), "password=**** user=root");
	ck_assert_str_eq(mask("hunter2"), "****");
	ck_assert_str_eq(mask("hunter2hunter2"), "********");
	ck_assert_str_eq(mask("xhunter2x hunter2"), "x****x ****");
	/* Near misses stay. */
	ck_assert_str_eq(mask("hunter hunter3 HUNTER2"), "hunter hunter3 HUNTER2");
}
END_TEST

START_TEST(mask_several_secrets)
{
	vg_log_add_secret("alpha-pass");
	vg_log_add_secret("bravo-key");
	vg_log_add_secret("charlie");
	ck_assert_str_eq(mask("a=alpha-pass b=bravo-key c=charlie d=delta"),
			 "a=**** b=**** c=**** d=delta");
	ck_assert_str_eq(mask("charliebravo-keyalpha-pass"), "************");
}
END_TEST

START_TEST(mask_overlapping_longest_wins)
{
	/* Registration order must not matter: the longest match at a position
	 * wins, so no tail of the longer secret is left in clear. */
	vg_log_add_secret("pass");
	vg_log_add_secret("password123");
	ck_assert_str_eq(mask("x=password123!"), "x=****!");
	ck_assert_str_eq(mask("x=pass!"), "x=****!");
	clear();
	vg_log_add_secret("password123");
	vg_log_add_secret("pass");
	ck_assert_str_eq(mask("x=password123!"), "x=****!");
	ck_assert_str_eq(mask("x=password12!"), "x=****word12!");

	/* Secrets overlapping at different offsets: the first match is
	 * consumed whole, then scanning resumes after it. */
	clear();
	vg_log_add_secret("abcd");
	vg_log_add_secret("cdef");
	ck_assert_str_eq(mask("abcdef"), "****ef");
	ck_assert_str_eq(mask("xcdefx"), "x****x");
}
END_TEST

START_TEST(mask_short_secrets_ignored)
{
	vg_log_add_secret("");
	vg_log_add_secret("a");
	vg_log_add_secret(NULL);
	ck_assert_str_eq(mask("a banana"), "a banana");
	vg_log_add_secret("an");
	ck_assert_str_eq(mask("a banana"), "a b********a");
}
END_TEST

START_TEST(mask_secret_copied)
{
	char buf[] = "volatile-secret";

	vg_log_add_secret(buf);
	memset(buf, 'z', sizeof(buf) - 1);
	ck_assert_str_eq(mask("pw volatile-secret"), "pw ****");
}
END_TEST

START_TEST(mask_truncation)
{
	char out[64];
	size_t n;

	/* Every size from 1 up: always terminated, never past outlen. */
	vg_log_add_secret("topsecret");
	for (size_t len = 1; len <= 40; len++) {
		memset(out, 'Z', sizeof(out));
		n = vg_log_mask("user=admin pass=topsecret end", out, len);
		ck_assert_uint_lt(n, len);
		ck_assert_uint_eq(strlen(out), n);
		for (size_t i = len; i < sizeof(out); i++)
			ck_assert_msg(out[i] == 'Z', "wrote byte %zu with outlen %zu", i, len);
		ck_assert_msg(strstr(out, "top") == NULL, "secret prefix at len %zu: %s",
			      len, out);
	}
	n = vg_log_mask("user=admin pass=topsecret end", out, sizeof(out));
	ck_assert_str_eq(out, "user=admin pass=**** end");
	ck_assert_uint_eq(n, strlen("user=admin pass=**** end"));

	/* A mask cut short by the output size. */
	n = vg_log_mask("topsecret", out, 3);
	ck_assert_str_eq(out, "**");
	ck_assert_uint_eq(n, 2);
	n = vg_log_mask("abc", out, 1);
	ck_assert_str_eq(out, "");
	ck_assert_uint_eq(n, 0);
}
END_TEST

START_TEST(mask_zero_outlen)
{
	char out[4] = "ZZZ";

	ck_assert_uint_eq(vg_log_mask("anything", out, 0), 0);
	ck_assert_str_eq(out, "ZZZ");
}
END_TEST

START_TEST(clear_secrets)
{
	vg_log_add_secret("forgetme");
	ck_assert_str_eq(mask("x forgetme"), "x ****");
	vg_log_clear_secrets();
	ck_assert_str_eq(mask("x forgetme"), "x forgetme");
	vg_log_clear_secrets();	/* twice is harmless */
	vg_log_add_secret("again!");
	ck_assert_str_eq(mask("again! forgetme"), "**** forgetme");
}
END_TEST

/* vg_log before vg_log_init writes to stderr: capture it in a file. */
static char *capture_stderr(void (*fn)(void))
{
	FILE *f = tmpfile();
	int saved;
	long len;
	char *buf;

	ck_assert_ptr_nonnull(f);
	fflush(stderr);
	saved = dup(STDERR_FILENO);
	ck_assert_int_ge(saved, 0);
	ck_assert_int_ge(dup2(fileno(f), STDERR_FILENO), 0);
	fn();
	fflush(stderr);
	ck_assert_int_ge(dup2(saved, STDERR_FILENO), 0);
	close(saved);
	len = ftell(f);
	ck_assert_int_ge(len, 0);
	buf = calloc(1, (size_t)len + 1);
	ck_assert_ptr_nonnull(buf);
	rewind(f);
	ck_assert_uint_eq(fread(buf, 1, (size_t)len, f), (size_t)len);
	fclose(f);
	return buf;
}

static void log_with_secret(void)
{
	vg_log_add_secret("s3cr3t-pw");
	vg_err("login as %s with %s failed", "admin", "s3cr3t-pw");
}

START_TEST(log_masks_secret)
{
	char *out = capture_stderr(log_with_secret);

	ck_assert_msg(strstr(out, "login as admin with **** failed") != NULL, "got '%s'", out);
	ck_assert_ptr_null(strstr(out, "s3cr3t"));
	free(out);
}
END_TEST

/* A message longer than the log line, with a secret across the cut. */
static void log_long_with_secret(void)
{
	char pad[2041];

	memset(pad, 'x', sizeof(pad) - 1);
	pad[sizeof(pad) - 1] = '\0';
	vg_log_add_secret("Sup3rS3cretPassw0rd");
	vg_err("%sSup3rS3cretPassw0rd", pad);
}

START_TEST(log_secret_across_truncation)
{
	char *out = capture_stderr(log_long_with_secret);
	char tail[32] = "";
	bool clean = true;

	/* Whatever is cut, no character of the secret may be left. */
	for (const char *p = out; *p != '\0' && *p != '\n'; p++)
		clean = clean && (*p == 'x' || *p == '*');
	if (!clean) {
		snprintf(tail, sizeof(tail), "%s", strlen(out) > 20 ? out + strlen(out) - 20 : out);
		tail[strcspn(tail, "\n")] = '\0';
	}
	free(out);
	ck_assert_msg(clean, "secret prefix left in a truncated line: '...%s'", tail);
}
END_TEST

static Suite *log_suite(void)
{
	Suite *s = suite_create("log");
	TCase *tc;

	tc = tcase_create("mask");
	tcase_add_checked_fixture(tc, clear, clear);
	tcase_add_test(tc, mask_no_secret);
	tcase_add_test(tc, mask_one_secret);
	tcase_add_test(tc, mask_several_secrets);
	tcase_add_test(tc, mask_overlapping_longest_wins);
	tcase_add_test(tc, mask_short_secrets_ignored);
	tcase_add_test(tc, mask_secret_copied);
	tcase_add_test(tc, mask_truncation);
	tcase_add_test(tc, mask_zero_outlen);
	tcase_add_test(tc, clear_secrets);
	suite_add_tcase(s, tc);

	tc = tcase_create("log");
	tcase_add_checked_fixture(tc, clear, clear);
	tcase_add_test(tc, log_masks_secret);
	tcase_add_test(tc, log_secret_across_truncation);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(log_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
