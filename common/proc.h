/* Processes as /proc shows them.
 *
 * A dead daemon can linger as a zombie for seconds (kill(pid, 0) still
 * succeeds), a SIGSTOPped one looks alive, and a pidfile can name a PID that
 * has since been reused by another program.  These helpers look at the
 * process state and the executable, not just at whether a PID exists.
 */
#ifndef VG_PROC_H
#define VG_PROC_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "deadline.h"

enum vg_proc_state {
	VG_PROC_GONE,		/* no such process */
	VG_PROC_ZOMBIE,		/* exited, not yet reaped (Z or X) */
	VG_PROC_STOPPED,	/* stopped by a signal or traced (T or t) */
	VG_PROC_ALIVE,		/* anything else: R, S, D, I, ... */
};

const char *vg_proc_state_name(enum vg_proc_state s);

/* State of pid from /proc/<pid>/stat. */
enum vg_proc_state vg_proc_state(pid_t pid);

/* Parse the state letter out of a /proc/<pid>/stat line (the command name
 * may itself contain spaces and parentheses).  0 and *out on success. */
int vg_proc_parse_stat_state(const char *line, char *out);

/* Read a pidfile: 0 and *pid on success, -ENOENT when absent, -EINVAL when
 * it does not hold a plausible PID. */
int vg_pidfile_read(const char *path, pid_t *pid);

/* True when /proc/<pid>/exe is binary (after resolving symlinks); a binary
 * replaced by a package upgrade (" (deleted)") still counts. */
bool vg_proc_exe_is(pid_t pid, const char *binary);

/* True when pid is alive (not gone, not a zombie) and its command name
 * (/proc/<pid>/comm, at most 15 characters) is comm. */
bool vg_proc_comm_is(pid_t pid, const char *comm);

/* True when pid shares our mount namespace (so it is "our" daemon, not one
 * of a test node's or container's with the same binary). */
bool vg_proc_same_mntns(pid_t pid);

enum vg_find_flags {
	/* Also count a script run by an interpreter ("python3 <binary>":
	 * argv[1] is binary).  Not for binaries: "cat <binary>" would match. */
	VG_FIND_SCRIPT = 1 << 0,
};

/* True when pid runs binary (see vg_proc_exe_is), or with VG_FIND_SCRIPT
 * when binary is the script its interpreter runs. */
bool vg_proc_runs(pid_t pid, const char *binary, unsigned flags);

/* The live (not zombie) process of binary: the pidfile's PID when it really
 * runs binary, else the first process of binary in our mount namespace
 * (never ourselves).  0 and *pid, -ESRCH when none.  *state gets the
 * process state. */
int vg_daemon_find_flags(const char *binary, const char *pidfile, unsigned flags,
			 pid_t *pid, enum vg_proc_state *state);
int vg_daemon_find(const char *binary, const char *pidfile, pid_t *pid,
		   enum vg_proc_state *state);

/* Wait until pid is gone or a zombie.  0 on success, -ETIMEDOUT. */
int vg_proc_wait_dead(pid_t pid, const struct vg_deadline *d);

/* Send sig, wait up to grace_ms for death; then SIGKILL and wait until the
 * deadline.  A stopped process also gets SIGCONT so SIGTERM can act.
 * 0 when dead, -ETIMEDOUT otherwise. */
int vg_proc_terminate(pid_t pid, long long grace_ms, const struct vg_deadline *d);

/* A qemu process as seen in /proc. */
struct vg_qemu_proc {
	pid_t pid;
	char name[128];		/* -name guest=NAME */
	char uuid[40];		/* -uuid UUID */
};

/* Fill up to max qemu processes (exe qemu-system-* or qemu-kvm) in our PID
 * namespace; returns how many were found in total (may exceed max). */
size_t vg_qemu_scan(struct vg_qemu_proc *out, size_t max);

/* Parse a NUL-separated qemu command line (as /proc/<pid>/cmdline) for its
 * guest name and uuid.  Exposed for unit tests. */
void vg_qemu_parse_cmdline(const char *buf, size_t len, struct vg_qemu_proc *q);

/* Start a program that daemonizes itself (libvirtd --daemon): fork, setsid,
 * stdin/stdout to /dev/null, stderr to a pipe, exec; wait for the foreground
 * process to exit.  0 when it exited 0 before the deadline.  Otherwise
 * -ETIMEDOUT (the process is killed and reaped), -ENOEXEC (exec failed) or
 * -ECHILD (it exited non-zero or died); *status (optional) holds the wait
 * status and errbuf (optional) what it wrote to stderr, so the caller can
 * say why.  SIGCHLD must not be ignored (ocf_main() resets it): an ignored
 * SIGCHLD makes waitpid() fail. */
int vg_spawn_daemon(char *const argv[], const struct vg_deadline *d, int *status,
		    char *errbuf, size_t errlen);

/* Flags of vg_proc_capture(). */
enum vg_capture_flags {
	/* stderr into the buffer too, interleaved as written (2>&1);
	 * without it the child inherits our stderr. */
	VG_CAPTURE_STDERR = 1 << 0,
	/* Stop reading once out is full and close the pipe, as
	 * "| head -c" would: a child that writes more then gets SIGPIPE
	 * (EPIPE if it ignores SIGPIPE).  *truncated is then true whenever
	 * out filled up, whether or not more would have come. */
	VG_CAPTURE_STOP_WHEN_FULL = 1 << 1,
};

/* Run path (execv: no PATH search, our environment) with argv and capture
 * its stdout -- "$(cmd)" with a deadline.  The child gets stdin from
 * /dev/null, no other descriptor of ours, its own process group, and
 * SIGKILL should the caller die first.
 *
 * out receives the first outlen - 1 bytes of the output and is always
 * NUL-terminated; the rest is read and dropped (so the child never blocks
 * on a full pipe, unless VG_CAPTURE_STOP_WHEN_FULL) and *truncated
 * (optional) says so.  Bytes that pass
 * through memory other than out are wiped, and nothing is logged, so out
 * may carry a secret (the caller wipes out itself).
 *
 * The child is done when its output reached EOF (or filled out, with
 * VG_CAPTURE_STOP_WHEN_FULL) and it exited.  Returns
 * 0 then, whatever its exit code: *status (optional) is the wait status
 * for the caller to judge.  -ETIMEDOUT when the deadline came first: the
 * whole process group is SIGKILLed and the child reaped; out holds what
 * arrived until then.  -ENOEXEC when path could not be executed (*status
 * is then an exit 127).  Other negative errnos: pipe, fork or poll
 * failed.  On return no process of the child's group is left: members
 * still running after a normal exit are SIGKILLed too.  *status is -1
 * when no child was reaped.  SIGCHLD must not be ignored. */
int vg_proc_capture(const char *path, char *const argv[], unsigned flags, char *out,
		    size_t outlen, bool *truncated, const struct vg_deadline *d, int *status);

#endif
