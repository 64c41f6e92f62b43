/* vmguardd's status file as vmguard status and vmguard selftest read it
 * (common/statusfile.h): the reader's limits, written down as tests. */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "statusfile.h"

static char dir[64], file[128];

static void setup(void)
{
	snprintf(dir, sizeof(dir), "/tmp/check_statusfile.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(file, sizeof(file), "%s/vmguardd.status", dir);
}

static void teardown(void)
{
	unlink(file);
	rmdir(dir);
}

static void write_raw(const char *text)
{
	FILE *f = fopen(file, "w");

	ck_assert_ptr_nonnull(f);
	ck_assert_int_ge(fputs(text, f), 0);
	ck_assert_int_eq(fclose(f), 0);
}

/* A status whose every field is garbage, to see what a read resets. */
static void scribble(struct vg_status *s)
{
	memset(s, 'x', sizeof(*s));
	s->n = 12345;
}

START_TEST(missing_file)
{
	struct vg_status s;

	scribble(&s);
	ck_assert_int_eq(vg_status_read(file, &s), -ENOENT);
	/* Empty before anything can fail: lookups are safe after an error. */
	ck_assert_int_eq(s.n, 0);
	ck_assert_ptr_null(vg_status_get(&s, "pid"));
}
END_TEST

START_TEST(empty_file)
{
	struct vg_status s;

	write_raw("");
	scribble(&s);
	ck_assert_int_eq(vg_status_read(file, &s), 0);
	ck_assert_int_eq(s.n, 0);
	ck_assert_ptr_null(vg_status_get(&s, "state"));
}
END_TEST

START_TEST(directory_reads_as_empty)
{
	/* fopen() of a directory succeeds and the first read fails: the
	 * callers see a file without pid or state. */
	struct vg_status s;

	scribble(&s);
	ck_assert_int_eq(vg_status_read(dir, &s), 0);
	ck_assert_int_eq(s.n, 0);
}
END_TEST

START_TEST(as_vmguardd_writes_it)
{
	struct vg_status s;

	write_raw("pid=4242\nstate=up\nstate_since_ms=1000\nupdated_ms=2000\n"
		  "node=hv1\nuri=qemu:///system\nreason=libvirt upgrade\n");
	ck_assert_int_eq(vg_status_read(file, &s), 0);
	ck_assert_int_eq(s.n, 7);
	ck_assert_str_eq(vg_status_get(&s, "pid"), "4242");
	ck_assert_str_eq(vg_status_get(&s, "state"), "up");
	ck_assert_str_eq(vg_status_get(&s, "updated_ms"), "2000");
	ck_assert_str_eq(vg_status_get(&s, "uri"), "qemu:///system");
	ck_assert_str_eq(vg_status_get(&s, "reason"), "libvirt upgrade");	/* blanks kept */
	ck_assert_ptr_null(vg_status_get(&s, "fence_rc"));
	ck_assert_ptr_null(vg_status_get(&s, "stat"));	/* whole keys only */
	ck_assert_ptr_null(vg_status_get(&s, ""));
}
END_TEST

START_TEST(line_forms)
{
	struct vg_status s;

	write_raw("no equals sign\n"
		  "\n"
		  "a=1=2\n"		/* split at the first '=' */
		  "empty=\n"
		  "=nokey\n"
		  "# comment=not special\n"
		  "cr=dos\r\n"		/* only '\n' is dropped */
		  " spaced = x \n"
		  "last=no newline");
	ck_assert_int_eq(vg_status_read(file, &s), 0);
	ck_assert_int_eq(s.n, 7);	/* the two lines without '=' do not count */
	ck_assert_str_eq(vg_status_get(&s, "a"), "1=2");
	ck_assert_str_eq(vg_status_get(&s, "empty"), "");
	ck_assert_str_eq(vg_status_get(&s, ""), "nokey");
	ck_assert_str_eq(vg_status_get(&s, "# comment"), "not special");
	ck_assert_str_eq(vg_status_get(&s, "cr"), "dos\r");
	ck_assert_str_eq(vg_status_get(&s, " spaced "), " x ");
	ck_assert_ptr_null(vg_status_get(&s, "spaced"));
	ck_assert_str_eq(vg_status_get(&s, "last"), "no newline");
	ck_assert_ptr_null(vg_status_get(&s, "no equals sign"));
}
END_TEST

START_TEST(first_wins)
{
	struct vg_status s;

	write_raw("state=up\npid=1\nstate=lost\n");
	ck_assert_int_eq(vg_status_read(file, &s), 0);
	ck_assert_int_eq(s.n, 3);	/* both are kept; lookups find the first */
	ck_assert_str_eq(vg_status_get(&s, "state"), "up");
}
END_TEST

START_TEST(long_key_and_value_truncated)
{
	char key[60], val[400], text[512], want[VG_STATUS_VAL_MAX];
	struct vg_status s;

	memset(key, 'k', 50);
	key[50] = '\0';
	memset(val, 'v', 350);
	val[350] = '\0';
	snprintf(text, sizeof(text), "%s=short\nlong=%s\nafter=1\n", key, val);
	write_raw(text);
	ck_assert_int_eq(vg_status_read(file, &s), 0);
	ck_assert_int_eq(s.n, 3);
	/* The key keeps its first 39 characters: the full name no longer
	 * matches, its prefix does. */
	ck_assert_ptr_null(vg_status_get(&s, key));
	key[VG_STATUS_KEY_MAX - 1] = '\0';
	ck_assert_str_eq(vg_status_get(&s, key), "short");
	/* The value keeps its first 299. */
	memset(want, 'v', VG_STATUS_VAL_MAX - 1);
	want[VG_STATUS_VAL_MAX - 1] = '\0';
	ck_assert_uint_eq(strlen(vg_status_get(&s, "long")), VG_STATUS_VAL_MAX - 1);
	ck_assert_str_eq(vg_status_get(&s, "long"), want);
	ck_assert_str_eq(vg_status_get(&s, "after"), "1");
}
END_TEST

START_TEST(overlong_line_read_in_pieces)
{
	/* Lines are read in pieces of VG_STATUS_LINE_MAX - 1 bytes: the rest
	 * of a longer line counts as a line of its own (and is a key only if
	 * it holds a '=').  vmguardd writes no line that long. */
	char text[1200];
	struct vg_status s;
	size_t o = 0;

	o += (size_t)snprintf(text + o, sizeof(text) - o, "k=");
	memset(text + o, 'a', VG_STATUS_LINE_MAX - 1 - 2);	/* the first piece exactly */
	o += VG_STATUS_LINE_MAX - 1 - 2;
	o += (size_t)snprintf(text + o, sizeof(text) - o, "tail=spill\n");
	memset(text + o, 'b', 450);	/* a long line without '=' at all */
	o += 450;
	o += (size_t)snprintf(text + o, sizeof(text) - o, "\nz=last\n");
	write_raw(text);
	ck_assert_int_eq(vg_status_read(file, &s), 0);
	ck_assert_int_eq(s.n, 3);
	ck_assert_uint_eq(strlen(vg_status_get(&s, "k")), VG_STATUS_VAL_MAX - 1);
	ck_assert_str_eq(vg_status_get(&s, "tail"), "spill");
	ck_assert_str_eq(vg_status_get(&s, "z"), "last");
}
END_TEST

START_TEST(more_lines_than_capacity)
{
	char text[VG_STATUS_MAX_KEYS * 32 + 64], key[16];
	struct vg_status s;
	size_t o = 0;

	/* Lines without '=' in between do not use up capacity. */
	for (int i = 0; i < VG_STATUS_MAX_KEYS + 5; i++)
		o += (size_t)snprintf(text + o, sizeof(text) - o, "k%d=%d\n%s", i, i,
				      i % 10 == 0 ? "junk\n" : "");
	write_raw(text);
	ck_assert_int_eq(vg_status_read(file, &s), 0);
	ck_assert_int_eq(s.n, VG_STATUS_MAX_KEYS);
	snprintf(key, sizeof(key), "k%d", VG_STATUS_MAX_KEYS - 1);
	ck_assert_str_eq(vg_status_get(&s, key), key + 1);
	snprintf(key, sizeof(key), "k%d", VG_STATUS_MAX_KEYS);
	ck_assert_ptr_null(vg_status_get(&s, key));
	ck_assert_ptr_null(vg_status_get(&s, "k44"));
}
END_TEST

/* Issue 12 item 1: "waiting" while guests run is a failure once the connect
 * window has passed; without guests=, the file is too old to tell. */
START_TEST(waiting_with_guests)
{
	struct vg_status s;

	write_raw("state=waiting\nstate_since_ms=1000\nguests=present\nconnect_window_ms=4000\n");
	ck_assert_int_eq(vg_status_read(file, &s), 0);
	ck_assert(!vg_status_waiting_with_guests(&s, 5000));	/* within the window */
	ck_assert(vg_status_waiting_with_guests(&s, 5001));
	write_raw("state=waiting\nstate_since_ms=1000\nguests=none\nconnect_window_ms=4000\n");
	ck_assert_int_eq(vg_status_read(file, &s), 0);
	ck_assert(!vg_status_waiting_with_guests(&s, 99999));
	write_raw("state=waiting\nstate_since_ms=1000\nguests=unknown\n");
	ck_assert_int_eq(vg_status_read(file, &s), 0);
	ck_assert(!vg_status_waiting_with_guests(&s, 99999));
	write_raw("state=up\nstate_since_ms=1000\nguests=present\n");
	ck_assert_int_eq(vg_status_read(file, &s), 0);
	ck_assert(!vg_status_waiting_with_guests(&s, 99999));
	write_raw("state=waiting\nstate_since_ms=1000\n");
	ck_assert_int_eq(vg_status_read(file, &s), 0);
	ck_assert(!vg_status_waiting_with_guests(&s, 99999));
}
END_TEST

int main(void)
{
	Suite *s = suite_create("statusfile");
	TCase *tc = tcase_create("read");
	SRunner *sr;
	int failed;

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, missing_file);
	tcase_add_test(tc, empty_file);
	tcase_add_test(tc, directory_reads_as_empty);
	tcase_add_test(tc, as_vmguardd_writes_it);
	tcase_add_test(tc, line_forms);
	tcase_add_test(tc, first_wins);
	tcase_add_test(tc, long_key_and_value_truncated);
	tcase_add_test(tc, overlong_line_read_in_pieces);
	tcase_add_test(tc, more_lines_than_capacity);
	tcase_add_test(tc, waiting_with_guests);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
