/* Unit tests for common/proc.c: /proc parsing, process states of real
 * children, pidfiles, executables, qemu command lines, termination and
 * daemon spawning, capturing a program's output under a deadline.
 *
 * The tests fork their own children; they must behave with CK_FORK=no (all
 * tests in one process, as under valgrind), so a child never returns into
 * Check: it only calls async-signal-safe functions and _exit(). */
#include "config.h"

#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "deadline.h"
#include "proc.h"

/* --- helpers ------------------------------------------------------------ */

/* One scratch directory per test case, made and removed outside the tests
 * (an unchecked fixture), so a failing test does not leave it behind. */
static char tmpdir[64];

static void setup_tmp(void)
{
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/check_proc_XXXXXX");
	if (mkdtemp(tmpdir) == NULL)
		snprintf(tmpdir, sizeof(tmpdir), "/nonexistent/mkdtemp-failed");
}

static void teardown_tmp(void)
{
	DIR *dir = opendir(tmpdir);
	struct dirent *de;
	char path[PATH_MAX];

	if (dir == NULL)
		return;
	/* The directory holds plain files and symlinks only. */
	while ((de = readdir(dir)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", tmpdir, de->d_name);
		(void)unlink(path);
	}
	closedir(dir);
	(void)rmdir(tmpdir);
}

/* No child of ours is left, reaped or not. */
static void assert_no_children(void)
{
	pid_t r = waitpid(-1, NULL, WNOHANG);

	ck_assert_msg(r == -1 && errno == ECHILD, "a child is left behind (waitpid: %d)",
		      (int)r);
}

static void child_pause(void)
{
	for (;;)
		pause();
}

static pid_t fork_pausing(void)
{
	pid_t pid = fork();

	ck_assert_int_ge(pid, 0);
	if (pid == 0)
		child_pause();
	return pid;
}

static void kill_reap(pid_t pid)
{
	(void)kill(pid, SIGKILL);
	ck_assert_int_eq(waitpid(pid, NULL, 0), pid);
}

/* Poll until pid is in state want (for at most ms). */
static bool wait_state(pid_t pid, enum vg_proc_state want, long long ms)
{
	struct vg_deadline d;

	vg_deadline_in_ms(&d, ms);
	while (vg_proc_state(pid) != want) {
		if (vg_deadline_expired(&d))
			return false;
		vg_deadline_sleep_ms(&d, 5);
	}
	return true;
}

static void write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	ck_assert_int_eq(close(fd), 0);
}

/* --- vg_proc_parse_stat_state ------------------------------------------- */

START_TEST(parse_stat_state)
{
	static const struct { const char *line; char want; } t[] = {
		{ "1234 (bash) S 1 1234 1234 0 -1 4194560", 'S' },
		{ "1 (systemd) S 0 1 1 0 -1", 'S' },
		{ "42 (my prog) R 1 2 3", 'R' },
		{ "42 (a) b) Z 1 2", 'Z' },
		{ "42 ()) T 1", 'T' },
		{ "42 (x (y) z) D 5", 'D' },
		{ "42 ((sd-pam)) S 1", 'S' },
		{ "42 (sp ) ) I 0", 'I' },
		{ "42 (evil) R 1 (x) ) t 3", 't' },	/* the last ')' counts */
		{ "42 () X", 'X' },
	};

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		char st = '?';

		ck_assert_msg(vg_proc_parse_stat_state(t[i].line, &st) == 0, "'%s'", t[i].line);
		ck_assert_msg(st == t[i].want, "'%s' → '%c', want '%c'", t[i].line, st,
			      t[i].want);
	}
}
END_TEST

START_TEST(parse_stat_state_rejects)
{
	static const char *const bad[] = {
		"", "1234", "1234 (bash", "1234 (bash)", "1234 (bash) ", "1234 (bash)S 1",
		"1234 (bash)\nS", "garbage",
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char st = '?';

		ck_assert_msg(vg_proc_parse_stat_state(bad[i], &st) == -EINVAL,
			      "'%s' accepted", bad[i]);
		ck_assert_msg(st == '?', "out written for '%s'", bad[i]);
	}
}
END_TEST

START_TEST(parse_stat_state_real)
{
	char line[1024], st = '?';
	FILE *f = fopen("/proc/self/stat", "r");

	ck_assert_ptr_nonnull(f);
	ck_assert_ptr_nonnull(fgets(line, sizeof(line), f));
	fclose(f);
	ck_assert_int_eq(vg_proc_parse_stat_state(line, &st), 0);
	ck_assert_msg(st == 'R', "we are running, /proc says '%c'", st);
}
END_TEST

/* --- vg_proc_state ------------------------------------------------------ */

START_TEST(state_names)
{
	ck_assert_str_eq(vg_proc_state_name(VG_PROC_GONE), "gone");
	ck_assert_str_eq(vg_proc_state_name(VG_PROC_ZOMBIE), "zombie");
	ck_assert_str_eq(vg_proc_state_name(VG_PROC_STOPPED), "stopped");
	ck_assert_str_eq(vg_proc_state_name(VG_PROC_ALIVE), "alive");
	ck_assert_str_eq(vg_proc_state_name((enum vg_proc_state)99), "unknown");
}
END_TEST

START_TEST(state_self_alive)
{
	ck_assert_int_eq(vg_proc_state(getpid()), VG_PROC_ALIVE);
	ck_assert_int_eq(vg_proc_state(getppid()), VG_PROC_ALIVE);
}
END_TEST

START_TEST(state_invalid_pids)
{
	FILE *f = fopen("/proc/sys/kernel/pid_max", "r");
	int pid_max = 0;

	ck_assert_int_eq(vg_proc_state(0), VG_PROC_GONE);
	ck_assert_int_eq(vg_proc_state(-1), VG_PROC_GONE);
	ck_assert_int_eq(vg_proc_state(INT_MIN), VG_PROC_GONE);
	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(fscanf(f, "%d", &pid_max), 1);
	fclose(f);
	ck_assert_int_eq(vg_proc_state(pid_max), VG_PROC_GONE);	/* PIDs < pid_max */
	ck_assert_int_eq(vg_proc_state(INT_MAX), VG_PROC_GONE);
}
END_TEST

START_TEST(state_stopped_child)
{
	pid_t pid = fork_pausing();
	int st;

	ck_assert(wait_state(pid, VG_PROC_ALIVE, 10000));
	ck_assert_int_eq(kill(pid, SIGSTOP), 0);
	ck_assert_int_eq(waitpid(pid, &st, WUNTRACED), pid);
	ck_assert(WIFSTOPPED(st));
	ck_assert_int_eq(vg_proc_state(pid), VG_PROC_STOPPED);
	ck_assert_int_eq(kill(pid, SIGCONT), 0);
	ck_assert_msg(wait_state(pid, VG_PROC_ALIVE, 10000), "SIGCONT did not resume it");
	kill_reap(pid);
	assert_no_children();
}
END_TEST

START_TEST(state_zombie_child)
{
	pid_t pid = fork();
	siginfo_t si;

	ck_assert_int_ge(pid, 0);
	if (pid == 0)
		_exit(3);
	/* Wait for the exit without reaping it. */
	memset(&si, 0, sizeof(si));
	ck_assert_int_eq(waitid(P_PID, (id_t)pid, &si, WEXITED | WNOWAIT), 0);
	ck_assert_int_eq(si.si_pid, pid);
	ck_assert_int_eq(vg_proc_state(pid), VG_PROC_ZOMBIE);
	ck_assert_int_eq(waitpid(pid, NULL, 0), pid);
	ck_assert_int_eq(vg_proc_state(pid), VG_PROC_GONE);
	assert_no_children();
}
END_TEST

START_TEST(state_reaped_gone)
{
	pid_t pid = fork();
	int st;

	ck_assert_int_ge(pid, 0);
	if (pid == 0)
		_exit(0);
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	ck_assert_int_eq(vg_proc_state(pid), VG_PROC_GONE);
}
END_TEST

/* --- vg_pidfile_read ---------------------------------------------------- */

START_TEST(pidfile_valid)
{
	static const struct { const char *text; pid_t want; } t[] = {
		{ "4242", 4242 }, { "4242\n", 4242 }, { "4242\n\n", 4242 },
		{ "4242 \n", 4242 }, { "2", 2 }, { "4194304\n", 4194304 },
	};
	char path[128];

	snprintf(path, sizeof(path), "%s/test.pid", tmpdir);
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		pid_t pid = -77;

		write_file(path, t[i].text);
		ck_assert_msg(vg_pidfile_read(path, &pid) == 0, "'%s' rejected", t[i].text);
		ck_assert_int_eq(pid, t[i].want);
	}
}
END_TEST

START_TEST(pidfile_invalid)
{
	static const char *const bad[] = {
		"", "\n", "1", "1\n", "0", "-5", "-5\n", "abc", "42abc", "42 43\n",
		"4.2", "0x10", "2147483648", "99999999999999999999",
	};
	char path[128];

	snprintf(path, sizeof(path), "%s/test.pid", tmpdir);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		pid_t pid = -77;

		write_file(path, bad[i]);
		ck_assert_msg(vg_pidfile_read(path, &pid) == -EINVAL, "'%s' not -EINVAL",
			      bad[i]);
		ck_assert_msg(pid == -77, "out written for '%s'", bad[i]);
	}
}
END_TEST

START_TEST(pidfile_missing_or_unreadable)
{
	char path[128];
	pid_t pid = -77;

	snprintf(path, sizeof(path), "%s/absent.pid", tmpdir);
	ck_assert_int_eq(vg_pidfile_read(path, &pid), -ENOENT);
	ck_assert_int_eq(pid, -77);
	snprintf(path, sizeof(path), "%s/nodir/absent.pid", tmpdir);
	ck_assert_int_eq(vg_pidfile_read(path, &pid), -ENOENT);
	ck_assert_int_eq(pid, -77);

	/* A directory is not a pidfile: an error, but not "absent". */
	{
		int rc = vg_pidfile_read(tmpdir, &pid);

		ck_assert_msg(rc < 0 && rc != -ENOENT, "directory gave %d", rc);
		ck_assert_int_eq(pid, -77);
	}
}
END_TEST

/* --- vg_proc_exe_is ----------------------------------------------------- */

static void self_exe(char *buf, size_t len)
{
	ssize_t n = readlink("/proc/self/exe", buf, len - 1);

	ck_assert_int_gt(n, 0);
	buf[n] = '\0';
}

START_TEST(exe_is_self)
{
	char exe[PATH_MAX], link[PATH_MAX + 64], prefix[PATH_MAX];

	self_exe(exe, sizeof(exe));
	ck_assert_msg(vg_proc_exe_is(getpid(), exe), "self is not %s", exe);
	ck_assert(vg_proc_exe_is(getpid(), "/proc/self/exe"));

	/* Through a symlink to the binary. */
	snprintf(link, sizeof(link), "%s/link-to-self", tmpdir);
	ck_assert_int_eq(symlink(exe, link), 0);
	ck_assert(vg_proc_exe_is(getpid(), link));

	/* Not a different binary, not a prefix of our own path. */
	ck_assert(!vg_proc_exe_is(getpid(), "/bin/true"));
	snprintf(prefix, sizeof(prefix), "%.*s", (int)strlen(exe) - 1, exe);
	ck_assert(!vg_proc_exe_is(getpid(), prefix));
	ck_assert(!vg_proc_exe_is(getpid(), "/"));
	ck_assert(!vg_proc_exe_is(getpid(), ""));
}
END_TEST

START_TEST(exe_is_gone)
{
	pid_t pid = fork();

	ck_assert_int_ge(pid, 0);
	if (pid == 0)
		_exit(0);
	ck_assert_int_eq(waitpid(pid, NULL, 0), pid);
	ck_assert(!vg_proc_exe_is(pid, "/bin/true"));
	ck_assert(!vg_proc_exe_is(0, "/proc/self/exe"));
	ck_assert(!vg_proc_exe_is(-1, "/proc/self/exe"));
}
END_TEST

/* Fork a child that execs path with "60" (a sleep) and wait until it did. */
static pid_t spawn_sleep(const char *path, const char *expect)
{
	struct vg_deadline d;
	pid_t pid = fork();

	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		execl(path, "sleep", "60", (char *)NULL);
		_exit(127);
	}
	vg_deadline_in_ms(&d, 10000);
	while (!vg_proc_exe_is(pid, expect)) {
		if (vg_deadline_expired(&d)) {
			kill_reap(pid);
			ck_abort_msg("child never became %s", expect);
		}
		vg_deadline_sleep_ms(&d, 5);
	}
	return pid;
}

START_TEST(exe_is_child_through_symlinks)
{
	/* /bin is a symlink to usr/bin on Debian: resolved on our side. */
	char real[PATH_MAX];
	pid_t pid;

	ck_assert_ptr_nonnull(realpath("/bin/sleep", real));
	pid = spawn_sleep("/bin/sleep", real);
	ck_assert(vg_proc_exe_is(pid, "/bin/sleep"));
	ck_assert(vg_proc_exe_is(pid, real));
	ck_assert(!vg_proc_exe_is(pid, "/bin/true"));
	ck_assert_int_eq(vg_proc_state(pid), VG_PROC_ALIVE);
	kill_reap(pid);
	assert_no_children();
}
END_TEST

START_TEST(exe_is_deleted_binary)
{
	/* A daemon whose binary was replaced by an upgrade still counts. */
	char copy[128], cmd[PATH_MAX + 256], want[160];
	pid_t pid;

	snprintf(copy, sizeof(copy), "%s/mysleep", tmpdir);
	snprintf(cmd, sizeof(cmd), "cp /bin/sleep '%s'", copy);
	ck_assert_int_eq(system(cmd), 0);
	pid = spawn_sleep(copy, copy);
	ck_assert_int_eq(unlink(copy), 0);
	snprintf(want, sizeof(want), "%s (deleted)", copy);
	{
		char exe[PATH_MAX], path[64];
		ssize_t n;

		snprintf(path, sizeof(path), "/proc/%d/exe", (int)pid);
		n = readlink(path, exe, sizeof(exe) - 1);
		ck_assert_int_gt(n, 0);
		exe[n] = '\0';
		ck_assert_str_eq(exe, want);	/* what the kernel shows */
	}
	ck_assert_msg(vg_proc_exe_is(pid, copy), "deleted binary not recognised");
	ck_assert(!vg_proc_exe_is(pid, "/bin/sleep"));
	kill_reap(pid);
	assert_no_children();
}
END_TEST

/* --- vg_qemu_parse_cmdline ---------------------------------------------- */

/* Join args NUL-separated, as /proc/<pid>/cmdline: returns the length. */
static size_t cmdline(char *buf, size_t size, const char *const *args)
{
	size_t len = 0;

	for (; *args != NULL; args++) {
		size_t l = strlen(*args) + 1;

		ck_assert_uint_le(len + l, size);
		memcpy(buf + len, *args, l);
		len += l;
	}
	return len;
}

START_TEST(qemu_libvirt_cmdline)
{
	/* As libvirt 9 starts a guest (abridged, order kept). */
	static const char *const args[] = {
		"/usr/bin/qemu-system-x86_64",
		"-name", "guest=vm1,debug-threads=on",
		"-S",
		"-object", "{\"qom-type\":\"secret\",\"id\":\"masterKey0\",\"format\":\"raw\","
			"\"file\":\"/var/lib/libvirt/qemu/domain-1-vm1/master-key.aes\"}",
		"-machine", "pc-q35-7.2,usb=off,dump-guest-core=off,memory-backend=pc.ram",
		"-accel", "kvm",
		"-cpu", "host,migratable=on",
		"-m", "512",
		"-object", "{\"qom-type\":\"memory-backend-ram\",\"id\":\"pc.ram\",\"size\":536870912}",
		"-overcommit", "mem-lock=off",
		"-smp", "1,sockets=1,cores=1,threads=1",
		"-uuid", "c7a5fdbd-cdaf-9455-926a-d65c16db1809",
		"-no-user-config", "-nodefaults",
		"-chardev", "socket,id=charmonitor,fd=30,server=on,wait=off",
		"-mon", "chardev=charmonitor,id=monitor,mode=control",
		"-rtc", "base=utc", "-no-shutdown", "-boot", "strict=on",
		"-blockdev", "{\"driver\":\"file\",\"filename\":\"/var/lib/libvirt/images/vm1.qcow2\","
			"\"node-name\":\"libvirt-1-storage\"}",
		"-sandbox", "on,obsolete=deny,elevateprivileges=deny,spawn=deny,resourcecontrol=deny",
		"-msg", "timestamp=on",
		NULL,
	};
	char buf[4096];
	size_t len = cmdline(buf, sizeof(buf), args);
	struct vg_qemu_proc q;

	memset(&q, 'Z', sizeof(q));
	q.pid = 4321;
	vg_qemu_parse_cmdline(buf, len, &q);
	ck_assert_str_eq(q.name, "vm1");
	ck_assert_str_eq(q.uuid, "c7a5fdbd-cdaf-9455-926a-d65c16db1809");
	ck_assert_int_eq(q.pid, 4321);	/* not its business */
}
END_TEST

START_TEST(qemu_plain_name)
{
	static const char *const args[] = {
		"qemu-system-x86_64", "-enable-kvm", "-name", "plain", "-m", "256",
		"-uuid", "00000000-0000-0000-0000-000000000001", NULL,
	};
	static const char *const args2[] = {
		"qemu-kvm", "-uuid", "11111111-2222-3333-4444-555555555555",
		"-name", "guest=vm2", NULL,
	};
	char buf[512];
	struct vg_qemu_proc q;

	vg_qemu_parse_cmdline(buf, cmdline(buf, sizeof(buf), args), &q);
	ck_assert_str_eq(q.name, "plain");
	ck_assert_str_eq(q.uuid, "00000000-0000-0000-0000-000000000001");
	vg_qemu_parse_cmdline(buf, cmdline(buf, sizeof(buf), args2), &q);
	ck_assert_str_eq(q.name, "vm2");
	ck_assert_str_eq(q.uuid, "11111111-2222-3333-4444-555555555555");
}
END_TEST

START_TEST(qemu_escaped_comma_in_name)
{
	/* libvirt doubles a comma in a guest name (qemu's option escaping):
	 * the domain "web,prod" is started with -name guest=web,,prod,... */
	static const char *const args[] = {
		"/usr/bin/qemu-system-x86_64", "-name", "guest=web,,prod,debug-threads=on",
		"-uuid", "c7a5fdbd-cdaf-9455-926a-d65c16db1809", NULL,
	};
	char buf[512];
	struct vg_qemu_proc q;

	vg_qemu_parse_cmdline(buf, cmdline(buf, sizeof(buf), args), &q);
	ck_assert_str_eq(q.name, "web,prod");
}
END_TEST

START_TEST(qemu_missing_and_odd)
{
	static const char *const none[] = { "qemu-system-x86_64", "-m", "256", NULL };
	static const char *const dangling[] = { "qemu-system-x86_64", "-uuid", "u", "-name", NULL };
	static const char *const dangling2[] = { "qemu-system-x86_64", "-name", "n", "-uuid", NULL };
	static const char *const empty[] = { "qemu", "-name", "", "-uuid", "", NULL };
	char buf[512];
	struct vg_qemu_proc q;

	/* Fields are reset, not left from a previous process. */
	memset(&q, 'Z', sizeof(q));
	vg_qemu_parse_cmdline(buf, cmdline(buf, sizeof(buf), none), &q);
	ck_assert_str_eq(q.name, "");
	ck_assert_str_eq(q.uuid, "");

	vg_qemu_parse_cmdline(buf, cmdline(buf, sizeof(buf), dangling), &q);
	ck_assert_str_eq(q.name, "");
	ck_assert_str_eq(q.uuid, "u");
	vg_qemu_parse_cmdline(buf, cmdline(buf, sizeof(buf), dangling2), &q);
	ck_assert_str_eq(q.name, "n");
	ck_assert_str_eq(q.uuid, "");
	vg_qemu_parse_cmdline(buf, cmdline(buf, sizeof(buf), empty), &q);
	ck_assert_str_eq(q.name, "");
	ck_assert_str_eq(q.uuid, "");

	memset(&q, 'Z', sizeof(q));
	vg_qemu_parse_cmdline(buf, 0, &q);
	ck_assert_str_eq(q.name, "");
	ck_assert_str_eq(q.uuid, "");
}
END_TEST

START_TEST(qemu_long_values_truncated)
{
	char name[400], uuid[100], buf[1024];
	const char *args[] = { "qemu-system-x86_64", "-name", name, "-uuid", uuid, NULL };
	struct vg_qemu_proc q;

	strcpy(name, "guest=");
	memset(name + 6, 'n', 300);
	name[306] = '\0';
	memset(uuid, 'u', 99);
	uuid[99] = '\0';
	vg_qemu_parse_cmdline(buf, cmdline(buf, sizeof(buf), args), &q);
	ck_assert_uint_eq(strlen(q.name), sizeof(q.name) - 1);
	ck_assert_uint_eq(strspn(q.name, "n"), sizeof(q.name) - 1);
	ck_assert_uint_eq(strlen(q.uuid), sizeof(q.uuid) - 1);
}
END_TEST

START_TEST(qemu_bounded_by_len)
{
	/* Only len bytes count: a -uuid after them is not read. */
	static const char *const args[] = { "qemu", "-name", "vm", "-uuid", "abc", NULL };
	char buf[128];
	size_t len = cmdline(buf, sizeof(buf), args);
	struct vg_qemu_proc q;

	vg_qemu_parse_cmdline(buf, len - 4, &q);	/* cut before "abc" */
	ck_assert_str_eq(q.name, "vm");
	ck_assert_str_eq(q.uuid, "");
}
END_TEST

/* --- vg_proc_terminate -------------------------------------------------- */

START_TEST(terminate_ignores_sigterm)
{
	int sync[2];
	char c;
	pid_t pid;
	struct vg_deadline d;
	long long t0, took;

	ck_assert_int_eq(pipe(sync), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		signal(SIGTERM, SIG_IGN);
		close(sync[0]);
		if (write(sync[1], "r", 1) != 1)
			_exit(1);
		child_pause();
	}
	close(sync[1]);
	ck_assert_int_eq(read(sync[0], &c, 1), 1);	/* SIGTERM is ignored now */
	close(sync[0]);

	vg_deadline_in_ms(&d, 10000);
	t0 = vg_now_ms();
	ck_assert_int_eq(vg_proc_terminate(pid, 300, &d), 0);
	took = vg_now_ms() - t0;
	fprintf(stderr, "# SIGTERM-ignoring child killed after %lld ms (grace 300)\n", took);
	ck_assert_msg(took >= 290, "SIGKILL after %lld ms, before the 300 ms grace", took);
	ck_assert_msg(took < 11000, "took %lld ms for a 10 s deadline", took);
	ck_assert_int_eq(vg_proc_state(pid), VG_PROC_GONE);
	assert_no_children();	/* terminate reaped its zombie */
}
END_TEST

static int term_fd = -1;

static void on_term(int sig)
{
	(void)sig;
	if (write(term_fd, "T", 1) != 1)
		_exit(2);
	_exit(0);
}

START_TEST(terminate_stopped_child)
{
	int sync[2], st;
	char c;
	pid_t pid;
	struct vg_deadline d;

	ck_assert_int_eq(pipe(sync), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		close(sync[0]);
		term_fd = sync[1];
		signal(SIGTERM, on_term);
		if (write(sync[1], "r", 1) != 1)
			_exit(1);
		child_pause();
	}
	close(sync[1]);
	ck_assert_int_eq(read(sync[0], &c, 1), 1);
	ck_assert_int_eq(kill(pid, SIGSTOP), 0);
	ck_assert_int_eq(waitpid(pid, &st, WUNTRACED), pid);
	ck_assert(WIFSTOPPED(st));
	ck_assert_int_eq(vg_proc_state(pid), VG_PROC_STOPPED);

	/* A long grace: if SIGTERM did not act (no SIGCONT), SIGKILL would
	 * come only after it and the child would not write 'T'. */
	vg_deadline_in_ms(&d, 60000);
	ck_assert_int_eq(vg_proc_terminate(pid, 30000, &d), 0);
	ck_assert_int_eq(read(sync[0], &c, 1), 1);
	ck_assert_msg(c == 'T', "stopped child did not get SIGTERM");
	close(sync[0]);
	ck_assert_int_eq(vg_proc_state(pid), VG_PROC_GONE);
	assert_no_children();
}
END_TEST

START_TEST(terminate_gone_and_zombie)
{
	struct vg_deadline d;
	pid_t pid = fork();
	siginfo_t si;

	ck_assert_int_ge(pid, 0);
	if (pid == 0)
		_exit(0);
	memset(&si, 0, sizeof(si));
	ck_assert_int_eq(waitid(P_PID, (id_t)pid, &si, WEXITED | WNOWAIT), 0);
	vg_deadline_in_ms(&d, 5000);
	/* A zombie counts as dead, and is reaped on the way. */
	ck_assert_int_eq(vg_proc_terminate(pid, 100, &d), 0);
	assert_no_children();
	/* Already gone. */
	ck_assert_int_eq(vg_proc_terminate(pid, 100, &d), 0);
}
END_TEST

START_TEST(terminate_refuses_pid_zero)
{
	/* kill(0, sig) signals the caller's whole process group: a PID of 0
	 * from a failed lookup must not take the agent (and its siblings)
	 * down.  Run it in a child that leads its own process group. */
	pid_t pid = fork();
	int st;

	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		struct vg_deadline d;
		int rc;

		/* Check's own SIGTERM handler (fork mode) would forward the
		 * signal to the test's process group: die plainly instead. */
		signal(SIGTERM, SIG_DFL);
		if (setpgid(0, 0) != 0)
			_exit(3);
		vg_deadline_in_ms(&d, 1000);
		rc = vg_proc_terminate(0, 100, &d);
		_exit(rc == 0 || rc == -EINVAL || rc == -ESRCH ? 0 : 1);
	}
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	ck_assert_msg(!WIFSIGNALED(st), "vg_proc_terminate(0) killed its own process "
		      "group (signal %d)", WIFSIGNALED(st) ? WTERMSIG(st) : 0);
	ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0, "status %d", st);
}
END_TEST

/* --- vg_spawn_daemon ---------------------------------------------------- */

START_TEST(spawn_true)
{
	char *argv[] = { (char *)"/bin/true", NULL };
	struct vg_deadline d;
	int st = -99;

	vg_deadline_in_ms(&d, 10000);
	ck_assert_int_eq(vg_spawn_daemon(argv, &d, &st, NULL, 0), 0);
	ck_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	ck_assert_int_eq(vg_spawn_daemon(argv, &d, NULL, NULL, 0), 0);
	assert_no_children();
}
END_TEST

START_TEST(spawn_false)
{
	char *argv[] = { (char *)"/bin/false", NULL };
	struct vg_deadline d;
	int st = -99;

	vg_deadline_in_ms(&d, 10000);
	ck_assert_int_eq(vg_spawn_daemon(argv, &d, &st, NULL, 0), -ECHILD);
	ck_assert(WIFEXITED(st) && WEXITSTATUS(st) == 1);
	assert_no_children();
}
END_TEST

START_TEST(spawn_missing_binary)
{
	char *argv[] = { (char *)"/nonexistent/vmguard-no-such-daemon", (char *)"--daemon", NULL };
	struct vg_deadline d;
	int st = -99;

	vg_deadline_in_ms(&d, 10000);
	ck_assert_int_eq(vg_spawn_daemon(argv, &d, &st, NULL, 0), -ENOEXEC);
	ck_assert(WIFEXITED(st) && WEXITSTATUS(st) == 127);
	assert_no_children();
}
END_TEST

START_TEST(spawn_detached_stdio)
{
	/* The program runs in its own session with stdin/stdout on /dev/null,
	 * stderr on the pipe the caller reads, and none of our other
	 * descriptors. */
	int fd = open("/dev/null", O_RDONLY);	/* inheritable on purpose */
	char script[512];
	char *argv[] = { (char *)"/bin/sh", (char *)"-c", script, NULL };
	struct vg_deadline d;
	int st = -99;

	ck_assert_int_ge(fd, 3);
	snprintf(script, sizeof(script),
		 "test \"$(cut -d' ' -f6 /proc/$$/stat)\" = \"$$\" || exit 10; "
		 "for i in 0 1; do test \"$(readlink /proc/$$/fd/$i)\" = /dev/null || exit 11; done; "
		 "case $(readlink /proc/$$/fd/2) in pipe:*) ;; *) exit 13;; esac; "
		 "test ! -e /proc/$$/fd/%d || exit 12; exit 0", fd);
	vg_deadline_in_ms(&d, 10000);
	ck_assert_int_eq(vg_spawn_daemon(argv, &d, &st, NULL, 0), 0);
	close(fd);
	ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0, "check %d failed",
		      WIFEXITED(st) ? WEXITSTATUS(st) : -1);
}
END_TEST

START_TEST(spawn_timeout)
{
	char *argv[] = { (char *)"/bin/sleep", (char *)"1", NULL };
	struct vg_deadline d;
	long long t0, took;
	int st = -99;
	pid_t r;

	vg_deadline_in_ms(&d, 200);
	t0 = vg_now_ms();
	ck_assert_int_eq(vg_spawn_daemon(argv, &d, &st, NULL, 0), -ETIMEDOUT);
	took = vg_now_ms() - t0;
	ck_assert_msg(took >= 190 && took < 1200, "returned after %lld ms", took);
	/* A process that did not detach in time is killed and reaped. */
	ck_assert(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
	r = waitpid(-1, NULL, WNOHANG);
	ck_assert_int_eq(r, -1);
	assert_no_children();
}
END_TEST

START_TEST(spawn_reports_stderr)
{
	/* The reason a daemon refused to start reaches the caller, on one line. */
	char *argv[] = { (char *)"/bin/sh", (char *)"-c",
			 (char *)"echo 'cannot bind socket' >&2; echo 'second line' >&2; exit 3",
			 NULL };
	struct vg_deadline d;
	char err[64];
	int st = -99;

	vg_deadline_in_ms(&d, 10000);
	ck_assert_int_eq(vg_spawn_daemon(argv, &d, &st, err, sizeof(err)), -ECHILD);
	ck_assert(WIFEXITED(st) && WEXITSTATUS(st) == 3);
	ck_assert_str_eq(err, "cannot bind socket;second line");
	assert_no_children();
}
END_TEST

/* --- vg_proc_capture ---------------------------------------------------- */

/* Run "sh -c script" through vg_proc_capture with a deadline of ms. */
static int capture_sh(const char *script, unsigned flags, char *out, size_t outlen,
		      bool *truncated, long long ms, int *status)
{
	char *argv[] = { (char *)"sh", (char *)"-c", (char *)script, NULL };
	struct vg_deadline d;

	vg_deadline_in_ms(&d, ms);
	return vg_proc_capture("/bin/sh", argv, flags, out, outlen, truncated, &d, status);
}

static bool exited_with(int st, int code)
{
	return st != -1 && WIFEXITED(st) && WEXITSTATUS(st) == code;
}

/* A process we did not start (a grandchild) is dead: gone, or a zombie
 * waiting for init.  Reaping by PID 1 can take seconds here. */
static bool dead_within(pid_t pid, long long ms)
{
	struct vg_deadline d;

	vg_deadline_in_ms(&d, ms);
	return vg_proc_wait_dead(pid, &d) == 0;
}

/* Run a script that outlives a 300 ms deadline: -ETIMEDOUT at the deadline
 * (within generous bounds), the child killed and reaped. */
static void capture_sh_times_out(const char *script, char *out, size_t outlen, bool *truncated)
{
	long long t0 = vg_now_ms(), took;
	int st = -99;

	ck_assert_int_eq(capture_sh(script, 0, out, outlen, truncated, 300, &st), -ETIMEDOUT);
	took = vg_now_ms() - t0;
	ck_assert_msg(took >= 290 && took < 10000, "'%s' returned after %lld ms", script, took);
	ck_assert_msg(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL, "status %d", st);
	assert_no_children();
}

START_TEST(capture_stdout)
{
	char out[64];
	bool trunc = true;
	int st = -99;

	memset(out, 'x', sizeof(out));
	/* argv[0] is passed as given ("sh", not the path). */
	ck_assert_int_eq(capture_sh("echo $0; printf 'two\\nlines\\n'", 0, out, sizeof(out),
				    &trunc, 10000, &st), 0);
	ck_assert_str_eq(out, "sh\ntwo\nlines\n");
	ck_assert(!trunc);
	ck_assert(exited_with(st, 0));
	/* No output: an empty, terminated string. */
	memset(out, 'x', sizeof(out));
	ck_assert_int_eq(capture_sh("exit 0", 0, out, sizeof(out), NULL, 10000, NULL), 0);
	ck_assert_str_eq(out, "");
	assert_no_children();
}
END_TEST

START_TEST(capture_exit_nonzero)
{
	/* Any exit code is the caller's to judge: 0 and the status. */
	char out[64];
	int st = -99;

	ck_assert_int_eq(capture_sh("echo partial; exit 3", 0, out, sizeof(out), NULL, 10000, &st),
			 0);
	ck_assert_str_eq(out, "partial\n");
	ck_assert(exited_with(st, 3));
	ck_assert_int_eq(capture_sh("kill -TERM $$", 0, out, sizeof(out), NULL, 10000, &st), 0);
	ck_assert(WIFSIGNALED(st) && WTERMSIG(st) == SIGTERM);
	/* A program that exits 127 by itself ran: not an exec failure. */
	ck_assert_int_eq(capture_sh("exit 127", 0, out, sizeof(out), NULL, 10000, &st), 0);
	ck_assert(exited_with(st, 127));
	assert_no_children();
}
END_TEST

START_TEST(capture_stderr_merged)
{
	char out[64];
	int st = -99;

	ck_assert_int_eq(capture_sh("echo out; echo err >&2; echo out2", VG_CAPTURE_STDERR, out,
				    sizeof(out), NULL, 10000, &st), 0);
	ck_assert_str_eq(out, "out\nerr\nout2\n");
	ck_assert(exited_with(st, 0));
	assert_no_children();
}
END_TEST

START_TEST(capture_stderr_inherited)
{
	/* Without the flag stderr is ours: catch it in a file. */
	char path[PATH_MAX], out[64], err[64] = "";
	int fd, saved, st = -99;
	ssize_t n;

	snprintf(path, sizeof(path), "%s/stderr", tmpdir);
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	ck_assert_int_ge(fd, 0);
	fflush(stderr);
	saved = dup(STDERR_FILENO);
	ck_assert_int_ge(saved, 0);
	ck_assert_int_eq(dup2(fd, STDERR_FILENO), STDERR_FILENO);
	n = capture_sh("echo out; echo err >&2", 0, out, sizeof(out), NULL, 10000, &st);
	ck_assert_int_eq(dup2(saved, STDERR_FILENO), STDERR_FILENO);
	close(saved);
	ck_assert_int_eq(n, 0);
	ck_assert_str_eq(out, "out\n");
	n = pread(fd, err, sizeof(err) - 1, 0);
	close(fd);
	ck_assert_int_ge(n, 0);
	err[n] = '\0';
	ck_assert_str_eq(err, "err\n");
	ck_assert(exited_with(st, 0));
	assert_no_children();
}
END_TEST

START_TEST(capture_truncated)
{
	char out[64], exact[11], tiny[5], one[1];
	bool trunc = false;
	int st = -99;

	ck_assert_int_eq(capture_sh("printf 0123456789", 0, tiny, sizeof(tiny), &trunc, 10000,
				    &st), 0);
	ck_assert_str_eq(tiny, "0123");
	ck_assert(trunc);
	ck_assert(exited_with(st, 0));
	/* Exactly what fits is not truncated. */
	ck_assert_int_eq(capture_sh("printf 0123456789", 0, exact, sizeof(exact), &trunc, 10000,
				    &st), 0);
	ck_assert_str_eq(exact, "0123456789");
	ck_assert(!trunc);
	/* Room for the NUL only. */
	ck_assert_int_eq(capture_sh("echo x", 0, one, sizeof(one), &trunc, 10000, &st), 0);
	ck_assert_str_eq(one, "");
	ck_assert(trunc);
	/* Far more than the pipe holds: the rest is drained, so the child
	 * neither blocks nor dies of SIGPIPE, and exits 0. */
	ck_assert_int_eq(capture_sh("yes 0123456789 | head -c 2000000; echo done >&2",
				    VG_CAPTURE_STDERR, out, sizeof(out), &trunc, 30000, &st), 0);
	ck_assert_uint_eq(strlen(out), sizeof(out) - 1);
	ck_assert(strncmp(out, "0123456789\n0123456789\n", 22) == 0);
	ck_assert(trunc);
	ck_assert(exited_with(st, 0));
	assert_no_children();
}
END_TEST

START_TEST(capture_stop_when_full)
{
	/* As under "| head -c": a full buffer closes the pipe, and a child
	 * that keeps writing fails on it at once instead of running on. */
	char out[64], exact[11];
	long long t0 = vg_now_ms(), took;
	bool trunc = false;
	int st = -99;

	ck_assert_int_eq(capture_sh("exec yes", VG_CAPTURE_STOP_WHEN_FULL, out, sizeof(out),
				    &trunc, 60000, &st), 0);
	took = vg_now_ms() - t0;
	ck_assert_msg(took < 10000, "returned after %lld ms", took);
	ck_assert_uint_eq(strlen(out), sizeof(out) - 1);
	ck_assert(strncmp(out, "y\ny\n", 4) == 0);
	ck_assert(trunc);
	/* SIGPIPE, or EPIPE and an error exit where SIGPIPE is ignored */
	ck_assert_msg(st != -1 && !exited_with(st, 0), "status %d", st);
	/* What fits is read whole; a full buffer counts as truncated. */
	ck_assert_int_eq(capture_sh("printf 0123456789", VG_CAPTURE_STOP_WHEN_FULL, exact,
				    sizeof(exact), &trunc, 10000, &st), 0);
	ck_assert_str_eq(exact, "0123456789");
	ck_assert(trunc);
	ck_assert_int_eq(capture_sh("printf 012345678", VG_CAPTURE_STOP_WHEN_FULL, exact,
				    sizeof(exact), &trunc, 10000, &st), 0);
	ck_assert_str_eq(exact, "012345678");
	ck_assert(!trunc);
	ck_assert(exited_with(st, 0));
	assert_no_children();
}
END_TEST

START_TEST(capture_child_environment)
{
	/* stdin is /dev/null, stdout a pipe, none of our other descriptors,
	 * and a process group of its own. */
	int fd = open("/dev/null", O_RDONLY);	/* inheritable on purpose */
	char script[512], out[256], want[256];
	int st = -99;

	ck_assert_int_ge(fd, 3);
	snprintf(script, sizeof(script),
		 "readlink /proc/$$/fd/0; "
		 "case $(readlink /proc/$$/fd/1) in pipe:*) echo pipe;; *) echo notpipe;; esac; "
		 "test -e /proc/$$/fd/%d && echo leaked || echo closed; "
		 "test \"$(cut -d' ' -f5 /proc/$$/stat)\" = $$ && echo leader || echo member; "
		 "cat; echo eof", fd);
	ck_assert_int_eq(capture_sh(script, 0, out, sizeof(out), NULL, 10000, &st), 0);
	close(fd);
	snprintf(want, sizeof(want), "/dev/null\npipe\nclosed\nleader\neof\n");
	ck_assert_str_eq(out, want);
	ck_assert(exited_with(st, 0));
	assert_no_children();
}
END_TEST

START_TEST(capture_exec_failure)
{
	char *argv[] = { (char *)"x", NULL };
	char path[PATH_MAX], out[64];
	struct vg_deadline d;
	int st = -99;

	vg_deadline_in_ms(&d, 10000);
	memset(out, 'x', sizeof(out));
	ck_assert_int_eq(vg_proc_capture("/nonexistent/vmguard-no-such-program", argv, 0, out,
					 sizeof(out), NULL, &d, &st), -ENOEXEC);
	ck_assert_str_eq(out, "");
	ck_assert(exited_with(st, 127));
	/* A file that is not executable, and a directory. */
	snprintf(path, sizeof(path), "%s/not-executable", tmpdir);
	write_file(path, "#!/bin/sh\necho hi\n");
	ck_assert_int_eq(vg_proc_capture(path, argv, VG_CAPTURE_STDERR, out, sizeof(out), NULL,
					 &d, &st), -ENOEXEC);
	ck_assert_int_eq(vg_proc_capture(tmpdir, argv, 0, out, sizeof(out), NULL, &d, &st),
			 -ENOEXEC);
	assert_no_children();
}
END_TEST

START_TEST(capture_bad_arguments)
{
	char *argv[] = { (char *)"true", NULL };
	char out[4];
	struct vg_deadline d;
	bool trunc = true;
	int st = -99;

	vg_deadline_in_ms(&d, 10000);
	ck_assert_int_eq(vg_proc_capture("/bin/true", argv, 0, out, 0, &trunc, &d, &st), -EINVAL);
	ck_assert(!trunc);
	ck_assert_int_eq(st, -1);
	ck_assert_int_eq(vg_proc_capture("/bin/true", argv, 0, NULL, 4, NULL, &d, NULL), -EINVAL);
	assert_no_children();
}
END_TEST

START_TEST(capture_hung_group_killed)
{
	/* A child that hangs with a grandchild: at the deadline the whole
	 * group is killed, the child reaped, and the grandchild gone. */
	char out[64];
	pid_t grandchild;

	capture_sh_times_out("sleep 100 & echo $!; sleep 100", out, sizeof(out), NULL);
	grandchild = (pid_t)atoi(out);	/* what came before the deadline */
	ck_assert_msg(grandchild > 1, "output '%s'", out);
	ck_assert_msg(dead_within(grandchild, 10000), "grandchild %d still %s",
		      (int)grandchild, vg_proc_state_name(vg_proc_state(grandchild)));
}
END_TEST

START_TEST(capture_closed_stdout_still_bounded)
{
	/* EOF is not the end: a child that closes its output and hangs is
	 * waited for only until the deadline. */
	char out[64];

	capture_sh_times_out("echo bye; exec >&-; sleep 100", out, sizeof(out), NULL);
	ck_assert_str_eq(out, "bye\n");
}
END_TEST

START_TEST(capture_endless_output_bounded)
{
	/* Output that never stops does not keep us past the deadline. */
	char out[64];
	bool trunc = false;

	capture_sh_times_out("exec yes", out, sizeof(out), &trunc);
	ck_assert(trunc);
	ck_assert(strncmp(out, "y\ny\n", 4) == 0);
}
END_TEST

START_TEST(capture_leftovers_killed)
{
	/* A child that exits 0 but leaves a process of its group behind
	 * (output elsewhere, so EOF comes): nothing outlives the call. */
	char out[64];
	long long t0 = vg_now_ms(), took;
	int st = -99;
	pid_t left;

	ck_assert_int_eq(capture_sh("sleep 100 >/dev/null 2>&1 & echo $!", 0, out, sizeof(out),
				    NULL, 30000, &st), 0);
	took = vg_now_ms() - t0;
	ck_assert_msg(took < 10000, "returned after %lld ms", took);
	ck_assert(exited_with(st, 0));
	left = (pid_t)atoi(out);
	ck_assert_msg(left > 1, "output '%s'", out);
	ck_assert_msg(dead_within(left, 10000), "left-over %d still %s", (int)left,
		      vg_proc_state_name(vg_proc_state(left)));
	assert_no_children();
}
END_TEST

START_TEST(capture_dies_with_caller)
{
	/* The child has its own process group, out of reach of a kill of
	 * the caller's: it must die when the caller is killed. */
	char path[128], script[512], buf[32] = "";
	struct vg_deadline d;
	pid_t caller, child = 0;
	int fd;

	snprintf(path, sizeof(path), "%s/child.pid", tmpdir);
	snprintf(script, sizeof(script), "echo $$ >%s.tmp && mv %s.tmp %s; exec sleep 100",
		 path, path, path);
	caller = fork();
	ck_assert_int_ge(caller, 0);
	if (caller == 0) {
		char out[16];

		signal(SIGTERM, SIG_DFL);	/* see terminate_refuses_pid_zero */
		_exit(capture_sh(script, 0, out, sizeof(out), NULL, 60000, NULL) == 0 ? 0 : 1);
	}
	vg_deadline_in_ms(&d, 10000);
	while (child <= 0 && !vg_deadline_expired(&d)) {
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd >= 0) {
			ssize_t n = read(fd, buf, sizeof(buf) - 1);

			buf[n > 0 ? n : 0] = '\0';
			close(fd);
			child = (pid_t)atoi(buf);
		}
		if (child <= 0)
			vg_deadline_sleep_ms(&d, 10);
	}
	kill_reap(caller);
	ck_assert_msg(child > 1, "the child never wrote its PID");
	ck_assert_msg(dead_within(child, 10000), "child %d outlived its caller (%s)", (int)child,
		      vg_proc_state_name(vg_proc_state(child)));
	unlink(path);
	assert_no_children();
}
END_TEST

/* --- vg_qemu_scan ------------------------------------------------------- */

/* A copy of /bin/sh under the name a distribution installs qemu as (not a
 * symlink: /proc/PID/exe names the file itself), waiting on a pipe, with a
 * qemu-like command line.  Returns its PID; *hold keeps it waiting. */
static pid_t fake_qemu(const char *as, const char *guest, int *hold)
{
	char bin[PATH_MAX], name[160], cmd[PATH_MAX + 64];
	int p[2], rc;
	pid_t pid;

	snprintf(bin, sizeof(bin), "%s/%s", tmpdir, as);
	snprintf(cmd, sizeof(cmd), "cp /bin/sh '%s'", bin);
	rc = system(cmd);
	ck_assert_int_eq(rc, 0);
	snprintf(name, sizeof(name), "guest=%s,debug-threads=on", guest);
	ck_assert_int_eq(pipe(p), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		dup2(p[0], 0);
		close(p[1]);
		execl(bin, as, "-c", "read x", as, "-name", name, "-m", "64", (char *)NULL);
		_exit(127);
	}
	close(p[0]);
	*hold = p[1];
	return pid;
}

static bool scanned(pid_t pid, const char *guest)
{
	struct vg_qemu_proc q[256];
	size_t n = vg_qemu_scan(q, 256);

	for (size_t i = 0; i < n && i < 256; i++)
		if (q[i].pid == pid)
			return strcmp(q[i].name, guest) == 0;
	return false;
}

START_TEST(scan_knows_every_qemu_name)
{
	/* RHEL's /usr/libexec/qemu-kvm as well as Debian's qemu-system-*: a
	 * guest the scan misses is a crash read as a clean stop. */
	static const char *const names[] = { "qemu-kvm", "qemu-system-x86_64" };
	int hold, rc;

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		pid_t pid = fake_qemu(names[i], "scanme", &hold);
		bool seen = false;

		/* the child has exec'd once its exe is the copy */
		for (int t = 0; t < 500 && !seen; t++) {
			seen = scanned(pid, "scanme");
			if (!seen)
				usleep(10000);
		}
		close(hold);
		waitpid(pid, &rc, 0);
		ck_assert_msg(seen, "a qemu named %s was not recognised", names[i]);
	}
}
END_TEST

START_TEST(scan_ignores_other_qemu_tools)
{
	int hold, rc;
	pid_t pid = fake_qemu("qemu-img", "notaguest", &hold);

	usleep(200000);
	ck_assert(!scanned(pid, "notaguest"));
	close(hold);
	waitpid(pid, &rc, 0);
}
END_TEST

static Suite *proc_suite(void)
{
	Suite *s = suite_create("proc");
	TCase *tc;

	tc = tcase_create("parse");
	tcase_add_test(tc, parse_stat_state);
	tcase_add_test(tc, parse_stat_state_rejects);
	tcase_add_test(tc, parse_stat_state_real);
	suite_add_tcase(s, tc);

	tc = tcase_create("state");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, state_names);
	tcase_add_test(tc, state_self_alive);
	tcase_add_test(tc, state_invalid_pids);
	tcase_add_test(tc, state_stopped_child);
	tcase_add_test(tc, state_zombie_child);
	tcase_add_test(tc, state_reaped_gone);
	suite_add_tcase(s, tc);

	tc = tcase_create("files");
	tcase_set_timeout(tc, 60);
	tcase_add_unchecked_fixture(tc, setup_tmp, teardown_tmp);
	tcase_add_test(tc, pidfile_valid);
	tcase_add_test(tc, pidfile_invalid);
	tcase_add_test(tc, pidfile_missing_or_unreadable);
	tcase_add_test(tc, exe_is_self);
	tcase_add_test(tc, exe_is_gone);
	tcase_add_test(tc, exe_is_child_through_symlinks);
	tcase_add_test(tc, exe_is_deleted_binary);
	tcase_add_test(tc, scan_knows_every_qemu_name);
	tcase_add_test(tc, scan_ignores_other_qemu_tools);
	suite_add_tcase(s, tc);

	tc = tcase_create("qemu");
	tcase_add_test(tc, qemu_libvirt_cmdline);
	tcase_add_test(tc, qemu_plain_name);
	tcase_add_test(tc, qemu_escaped_comma_in_name);
	tcase_add_test(tc, qemu_missing_and_odd);
	tcase_add_test(tc, qemu_long_values_truncated);
	tcase_add_test(tc, qemu_bounded_by_len);
	suite_add_tcase(s, tc);

	tc = tcase_create("terminate");
	tcase_set_timeout(tc, 90);
	tcase_add_test(tc, terminate_ignores_sigterm);
	tcase_add_test(tc, terminate_stopped_child);
	tcase_add_test(tc, terminate_gone_and_zombie);
	tcase_add_test(tc, terminate_refuses_pid_zero);
	suite_add_tcase(s, tc);

	tc = tcase_create("spawn");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, spawn_true);
	tcase_add_test(tc, spawn_false);
	tcase_add_test(tc, spawn_missing_binary);
	tcase_add_test(tc, spawn_detached_stdio);
	tcase_add_test(tc, spawn_timeout);
	tcase_add_test(tc, spawn_reports_stderr);
	suite_add_tcase(s, tc);

	tc = tcase_create("capture");
	tcase_set_timeout(tc, 120);
	tcase_add_unchecked_fixture(tc, setup_tmp, teardown_tmp);
	tcase_add_test(tc, capture_stdout);
	tcase_add_test(tc, capture_exit_nonzero);
	tcase_add_test(tc, capture_stderr_merged);
	tcase_add_test(tc, capture_stderr_inherited);
	tcase_add_test(tc, capture_truncated);
	tcase_add_test(tc, capture_stop_when_full);
	tcase_add_test(tc, capture_child_environment);
	tcase_add_test(tc, capture_exec_failure);
	tcase_add_test(tc, capture_bad_arguments);
	tcase_add_test(tc, capture_hung_group_killed);
	tcase_add_test(tc, capture_closed_stdout_still_bounded);
	tcase_add_test(tc, capture_endless_output_bounded);
	tcase_add_test(tc, capture_leftovers_killed);
	tcase_add_test(tc, capture_dies_with_caller);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(proc_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
