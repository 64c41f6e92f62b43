/* Logging through libqb: syslog (daemon facility) plus stderr, the way
 * Pacemaker and sbd log.  Every line carries the program (agent) name and the
 * resource instance: "libvirtd(vm-libvirtd:0)[1234]: error: ...".
 *
 * Secrets registered with vg_log_add_secret() are replaced by "****" in every
 * message before it reaches any log target, so a password that slips into a
 * libvirt or IPMI error text is still never written out.
 */
#ifndef VG_LOG_H
#define VG_LOG_H

#include <stdarg.h>
#include <stddef.h>
#include <syslog.h>

#include <qb/qblog.h>	/* QB_XS: machine detail after it stays out of syslog */

/* name: program/agent name; instance: resource instance or NULL;
 * stderr_priority: most verbose priority written to stderr (LOG_INFO usual). */
void vg_log_init(const char *name, const char *instance, int stderr_priority);
void vg_log_fini(void);

/* Remember a secret so it is masked in every later message (copied). */
void vg_log_add_secret(const char *secret);
void vg_log_clear_secrets(void);

/* Copy in to out (size outlen, always terminated), replacing every
 * registered secret by "****".  Returns the length written. */
size_t vg_log_mask(const char *in, char *out, size_t outlen);

/* Format, then mask, then truncate to outlen (always terminated). */
void vg_log_vmask(const char *fmt, va_list ap, char *out, size_t outlen)
	__attribute__((format(printf, 1, 0)));

void vg_log(int priority, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void vg_vlog(int priority, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));

#define vg_err(...)	vg_log(LOG_ERR, __VA_ARGS__)
#define vg_warn(...)	vg_log(LOG_WARNING, __VA_ARGS__)
#define vg_notice(...)	vg_log(LOG_NOTICE, __VA_ARGS__)
#define vg_info(...)	vg_log(LOG_INFO, __VA_ARGS__)
#define vg_debug(...)	vg_log(LOG_DEBUG, __VA_ARGS__)

#endif
