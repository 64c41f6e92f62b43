/* Chassis power control over IPMI LAN with libfreeipmi.
 *
 * One session per operation: open (IPMI 2.0 / RMCP+ by default, 1.5 on
 * request), then Get Chassis Status, Chassis Control and Get Session Info
 * on that session, then close.  Every step is bounded by the caller's
 * deadline: the session timeout FreeIPMI uses for the open and for each
 * later command is min(attempt timeout, time left), so a silent BMC turns
 * into -ETIMEDOUT on time.  Opening retries transient failures (no answer,
 * BMC busy) while at least 30 % of the budget remains; wrong credentials,
 * a refused privilege level or cipher suite fail at once.
 *
 * No subprocess: the password goes from memory to libfreeipmi, never
 * through argv.
 */
#ifndef VG_IPMI_H
#define VG_IPMI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "deadline.h"

struct vg_ipmi_conf {
	const char *host;		/* BMC address or name */
	unsigned port;			/* UDP port, 623 usual */
	const char *username;
	const char *password;
	const unsigned char *k_g;	/* BMC key (2.0), NULL: none */
	unsigned k_g_len;
	bool lanplus;			/* IPMI 2.0 (RMCP+); false: IPMI 1.5 */
	uint8_t auth_type;		/* 1.5 only: IPMI_AUTHENTICATION_TYPE_* */
	uint8_t cipher;			/* 2.0 only: cipher suite id */
	uint8_t privilege;		/* IPMI_PRIVILEGE_LEVEL_* */
	unsigned workarounds;		/* IPMI_WORKAROUND_FLAGS_* */
	long long attempt_ms;		/* one session attempt at most */
};

enum vg_ipmi_power {
	VG_IPMI_OFF = 0,
	VG_IPMI_ON = 1,
};

enum vg_ipmi_control {
	VG_IPMI_POWER_DOWN,		/* hard power off, not ACPI soft-off */
	VG_IPMI_POWER_UP,
	VG_IPMI_POWER_CYCLE,
};

struct vg_ipmi;

/* Open a session.  0 and *out; otherwise -EACCES (user name, password or
 * K_g rejected), -EPERM (privilege level not granted), -ENOTSUP (cipher
 * suite or authentication type unavailable), -ETIMEDOUT (no answer by
 * the deadline), -EHOSTUNREACH (name or route), -EIO (anything else).
 * err gets a message (never the password). */
int vg_ipmi_open(struct vg_ipmi **out, const struct vg_ipmi_conf *conf,
		 const struct vg_deadline *d, char *err, size_t errlen);
void vg_ipmi_close(struct vg_ipmi *s);

/* Current chassis power state.  0 and *state, or a negative errno. */
int vg_ipmi_power_get(struct vg_ipmi *s, enum vg_ipmi_power *state,
		      char *err, size_t errlen);

/* Send a chassis control command. */
int vg_ipmi_control(struct vg_ipmi *s, enum vg_ipmi_control cmd,
		    char *err, size_t errlen);

/* Get Session Info for this session: the operating privilege level
 * (IPMI_PRIVILEGE_LEVEL_*) the BMC granted. */
int vg_ipmi_session_privilege(struct vg_ipmi *s, uint8_t *level,
			      char *err, size_t errlen);

/* Poll the power state until it is want or the deadline passes.  The
 * poll interval starts at 20 ms and doubles up to 250 ms, so a BMC that
 * reports quickly is seen quickly.  0 once it reads want; -ETIMEDOUT;
 * another negative errno when the BMC stops answering. *polls counts
 * the Get Chassis Status calls. */
int vg_ipmi_power_wait(struct vg_ipmi *s, enum vg_ipmi_power want,
		       const struct vg_deadline *d, unsigned *polls,
		       char *err, size_t errlen);

/* "administrator" etc. to IPMI_PRIVILEGE_LEVEL_*; -EINVAL when unknown. */
int vg_ipmi_privilege_parse(const char *name, uint8_t *out);
const char *vg_ipmi_privilege_name(uint8_t level);

/* "md5", "password", "none" to IPMI_AUTHENTICATION_TYPE_*. */
int vg_ipmi_auth_parse(const char *name, uint8_t *out);

/* Cipher suites FreeIPMI implements (0-3, 6-8, 11, 12, 15-17). */
bool vg_ipmi_cipher_valid(long long id);

/* Decode a hexadecimal K_g ("0x" optional, at most 20 bytes).
 * 0 and *len, -EINVAL. */
int vg_ipmi_kg_parse(const char *hex, unsigned char *out, unsigned *len);

#endif
