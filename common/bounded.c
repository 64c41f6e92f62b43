#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bounded.h"

struct reply_head {
	int32_t rc;
	uint32_t len;
};

static int write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len > 0) {
		ssize_t n = write(fd, p, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Read exactly len bytes before the deadline. */
static int read_all(int fd, void *buf, size_t len, const struct vg_deadline *d)
{
	char *p = buf;

	while (len > 0) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		long long left = vg_deadline_remaining_ms(d);
		int r;
		ssize_t n;

		if (left <= 0)
			return -ETIMEDOUT;
		r = poll(&pfd, 1, left > INT32_MAX ? INT32_MAX : (int)left);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (r == 0)
			return -ETIMEDOUT;
		n = read(fd, p, len);
		if (n < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			return -errno;
		}
		if (n == 0)
			return -ECHILD;	/* child died without a full answer */
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static void reap(pid_t pid, bool kill_it)
{
	if (kill_it)
		(void)kill(pid, SIGKILL);
	/* A SIGKILLed child dies at once unless it sits in an uninterruptible
	 * sleep; do not let that turn into our own hang. */
	for (int i = 0; i < 50; i++) {
		pid_t r = waitpid(pid, NULL, WNOHANG);

		if (r == pid || (r < 0 && errno != EINTR))
			return;
		usleep(2000);
	}
}

int vg_bounded_run(vg_bounded_fn fn, void *arg, void *result, size_t result_len,
		   const struct vg_deadline *d, long long *elapsed_ms)
{
	int fds[2];
	pid_t pid;
	struct reply_head head = { 0 };
	long long t0 = vg_now_ms();
	int rc;

	if (result_len > UINT32_MAX)
		return -EINVAL;
	if (pipe2(fds, O_CLOEXEC) != 0)
		return -errno;
	pid = fork();
	if (pid < 0) {
		rc = -errno;
		close(fds[0]);
		close(fds[1]);
		return rc;
	}
	if (pid == 0) {
		void *buf = calloc(1, result_len > 0 ? result_len : 1);

		close(fds[0]);
		head.rc = buf != NULL ? fn(arg, buf, result_len) : -ENOMEM;
		head.len = buf != NULL ? (uint32_t)result_len : 0;
		if (write_all(fds[1], &head, sizeof(head)) == 0 && head.len > 0)
			(void)write_all(fds[1], buf, head.len);
		free(buf);
		/* _exit: no atexit handlers or stdio flushes of the parent's state. */
		_exit(0);
	}
	close(fds[1]);
	rc = read_all(fds[0], &head, sizeof(head), d);
	if (rc == 0 && head.len != result_len)
		rc = -EPROTO;
	if (rc == 0 && head.len > 0)
		rc = read_all(fds[0], result, result_len, d);
	close(fds[0]);
	/* The child has nothing left to do once it answered: never let a slow
	 * exit leave a zombie in a long-running daemon. */
	reap(pid, true);
	if (elapsed_ms != NULL)
		*elapsed_ms = vg_now_ms() - t0;
	return rc != 0 ? rc : head.rc;
}
