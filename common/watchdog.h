/* The hardware watchdog: the last line of self-fencing.
 *
 * Handled the way sbd and wdmd do it: open, set the timeout and read it back
 * (WDIOC_SETTIMEOUT then WDIOC_GETTIMEOUT: a driver may round or clamp it,
 * and the timing rule is only true for the timeout the hardware really
 * runs), feed it with WDIOC_KEEPALIVE, and disarm with the magic close ('V'
 * then close) only on a clean, intended shutdown.  Every other way out --
 * vg_watchdog_abandon(), a crash, SIGKILL -- leaves it running, and the host
 * resets when the timeout runs out.
 */
#ifndef VG_WATCHDOG_H
#define VG_WATCHDOG_H

#include <stdbool.h>
#include <stddef.h>

struct vg_watchdog {
	int fd;				/* -1 when closed */
	int timeout_s;			/* as verified with WDIOC_GETTIMEOUT */
	char identity[40];		/* WDIOC_GETSUPPORT, "" if not supported */
	char path[256];
};

/* Open (this arms it), set timeout_s and verify the driver accepted it.  On
 * any failure after the open the device is disarmed again (nothing was
 * promised yet) and a message saying what to change is left in err.
 * 0 on success; a negative errno otherwise. */
int vg_watchdog_open(struct vg_watchdog *w, const char *path, int timeout_s,
		     char *err, size_t errlen);

/* Open it for a process that must not feed it: vmguardd restarted after a
 * fence was requested (common/guard.h, P2).  No WDIOC_KEEPALIVE, and
 * WDIOC_SETTIMEOUT (which the kernel's watchdog core answers with a ping)
 * only when the driver runs another timeout than timeout_s -- a watchdog a
 * previous process left running keeps counting from its last feed; a
 * stopped one starts (arms) on the open.  Never disarmed here: on any
 * failure after the open the device is closed without the magic close.
 * 0, or a negative errno with err set. */
int vg_watchdog_open_unfed(struct vg_watchdog *w, const char *path, int timeout_s,
			   char *err, size_t errlen);

/* Feed it.  0 or a negative errno. */
int vg_watchdog_pet(struct vg_watchdog *w);

/* Clean, intended shutdown: magic close.  0 or a negative errno (the
 * watchdog may then still be running). */
int vg_watchdog_disarm(struct vg_watchdog *w);

/* Close without the magic character: the watchdog keeps running and resets
 * the host unless somebody opens and feeds it again. */
void vg_watchdog_abandon(struct vg_watchdog *w);

bool vg_watchdog_is_open(const struct vg_watchdog *w);

#endif
