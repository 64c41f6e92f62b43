/* Run a call that may hang, and always get an answer by a deadline.
 *
 * A libvirt call against a SIGSTOPped libvirtd never returns: the kernel
 * accepts the connection and the request, and nobody answers.  Like sbd's
 * per-check children, vg_bounded_run() runs the call in a forked child that
 * writes its result to a pipe; the parent waits for the result or the
 * deadline, whichever comes first, and kills a silent child.  A child that
 * does not answer in time is treated exactly like one that failed.
 *
 * The callee runs in a fresh child: it must not rely on threads or
 * connections of the parent, and it must not exit() (return instead).
 */
#ifndef VG_BOUNDED_H
#define VG_BOUNDED_H

#include <stddef.h>

#include "deadline.h"

/* Fill result (result_len bytes) and return 0, or return a negative errno. */
typedef int (*vg_bounded_fn)(void *arg, void *result, size_t result_len);

/* Runs fn in a child.  Returns fn's return value with result filled in;
 * -ETIMEDOUT when the deadline passed first (the child is killed);
 * -ECHILD when the child died without answering.  *elapsed_ms (optional)
 * is the wall time the call took, measured in the parent. */
int vg_bounded_run(vg_bounded_fn fn, void *arg, void *result, size_t result_len,
		   const struct vg_deadline *d, long long *elapsed_ms);

#endif
