/* The timing rule: why a host whose libvirtd died is dead before anything
 * recovers its guests elsewhere.
 *
 * Written the way sanlock's timeouts.h writes out why other hosts wait
 * longer than the watchdog.  Every deadline vmguardd uses derives from the
 * values of one configuration file (vmguardd.conf); this is the only place
 * that combines them.  All figures are milliseconds on CLOCK_MONOTONIC.
 *
 * What happens to a host, worst case, from the moment libvirtd stops
 * answering (t = 0):
 *
 *   term                 value (config keys)                    what bounds it
 *   -------------------  -------------------------------------  ------------------------------
 *   detect               keepalive_interval x                   a crash (EOF on the socket) is
 *                        (keepalive_count + 1)                  seen at once; a hung libvirtd
 *                                                               when libvirt's keepalive gives
 *                                                               up: keepalive_count unanswered
 *                                                               pings, one per interval, after
 *                                                               one idle interval.  A hung
 *                                                               check is a failed check.
 *   grace                libvirtd_grace                         libvirtd may come back (agent
 *                                                               restart); not back and
 *                                                               answering by then: fence.
 *   fence request        fence_timeout                          stonith_api_kick(off) runs in
 *                                                               its own thread; the daemon
 *                                                               stops waiting at this deadline
 *                                                               whatever the thread does.
 *   hardware watchdog    watchdog_timeout                       the request failed, timed out
 *                                                               or was confirmed while we still
 *                                                               run: nobody pets the watchdog
 *                                                               any more; the last pet was at
 *                                                               most this long before reset.
 *
 *   self-fence deadline  = detect + grace + fence request + hardware watchdog
 *
 * (DESIGN.md writes the rule without "detect" because it counts from the
 * moment the loss is known; we count from the moment libvirtd stops
 * answering, which is the later-noticed, safe reading.)
 *
 * What the frontend does, at the earliest, with the same t = 0:
 *
 *   frontend recovery   >= frontend_time_to_error
 *                          + frontend_p x frontend_monitoring_interval
 *
 *   frontend_time_to_error: until the frontend declares the host ERROR
 *   (OpenNebula: failed host monitoring); frontend_p: the -p argument of
 *   OpenNebula's host_error hook (monitoring cycles it waits before it
 *   resubmits the guests); frontend_monitoring_interval: the frontend's host
 *   monitoring interval (oned.conf MONITORING_INTERVAL_HOST).
 *
 * The rule, checked before the watchdog is armed (refused otherwise):
 *
 *   self-fence deadline  <  frontend recovery
 *
 * The planned-stop window is part of the rule, not an exception to it
 * (issue 12 item 4): a loss covered by an announced stop must still end in a
 * fence request in time, so with
 *
 *   bound B  =  frontend recovery - detect - fence_timeout - watchdog_timeout - 1 ms
 *
 * (the longest a loss may last before the fence request; vg_conf_guard())
 * vmguardd also requires, and the guard (common/guard.h) checks:
 *
 *   maintenance_max + libvirtd_grace  <=  B
 *
 * Shipped values: 480 s + 10 s <= 540 - 4 - 30 - 10 s - 1 ms = 495.999 s.
 *
 * Supporting rules, each refused with the key to change:
 *   watchdog_interval <= watchdog_timeout / 3   a late or skipped pet (load,
 *                                               page faults) never resets a
 *                                               healthy host
 *   fence_timeout, watchdog_timeout whole seconds (the kernel and
 *                                               stonith_api_kick count seconds)
 *
 * With the watchdog disabled the "hardware watchdog" term is 0 and the
 * deadline holds only if the fencer works: there is no last line.
 *
 * Worked example (the shipped vmguardd.conf):
 *   detect 1 s x (3 + 1) = 4 s, grace 10 s, fence 30 s, watchdog 10 s
 *     -> self-fence deadline 54 s
 *   time-to-ERROR 180 s + 2 x 180 s -> frontend recovery 540 s
 *   54 s < 540 s: armed, 486 s of slack.
 */
#ifndef VG_TIMING_H
#define VG_TIMING_H

#include <stdbool.h>
#include <stddef.h>

struct vg_timing {
	/* inputs */
	long long keepalive_interval_ms;	/* libvirt keepalive, whole seconds */
	int keepalive_count;
	long long grace_ms;
	long long fence_timeout_ms;
	bool watchdog;				/* false: no last line */
	long long watchdog_timeout_ms;
	long long watchdog_interval_ms;		/* how often the watchdog is fed */
	long long frontend_time_to_error_ms;
	long long frontend_interval_ms;
	int frontend_p;
	/* outputs of vg_timing_compute() */
	long long detect_ms;
	long long self_fence_ms;
	long long frontend_recovery_ms;
};

/* Compute the outputs and check every rule.  0 when the configuration is
 * safe; -EINVAL with a message naming the key to change in why otherwise.
 * The outputs are filled in either case (for printing). */
int vg_timing_compute(struct vg_timing *t, char *why, size_t whylen);

/* The table above with this configuration's figures, one line per call of
 * emit (no newline), for the start-up log and vmguardd --check-config. */
void vg_timing_describe(const struct vg_timing *t,
			void (*emit)(void *arg, const char *line), void *arg);

/* "54 s", "1.5 s", "250 ms" */
void vg_timing_fmt(long long ms, char *buf, size_t len);

#endif
