#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <freeipmi/freeipmi.h>

#include "ipmi.h"
#include "log.h"

struct vg_ipmi {
	ipmi_ctx_t ctx;
};

/* FreeIPMI's own default is 20 s per session; ours comes from the deadline. */
#define IPMI_MIN_SESSION_MS	200
#define IPMI_RETRY_GAP_MS	100

static void set_err(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void set_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/* FreeIPMI's error number to our errno classes. */
static int errnum_to_errno(int e)
{
	switch (e) {
	case IPMI_ERR_USERNAME_INVALID:
	case IPMI_ERR_PASSWORD_INVALID:
	case IPMI_ERR_K_G_INVALID:
		return -EACCES;
	case IPMI_ERR_PRIVILEGE_LEVEL_INSUFFICIENT:
	case IPMI_ERR_PRIVILEGE_LEVEL_CANNOT_BE_OBTAINED:
		return -EPERM;
	case IPMI_ERR_AUTHENTICATION_TYPE_UNAVAILABLE:
	case IPMI_ERR_CIPHER_SUITE_ID_UNAVAILABLE:
	case IPMI_ERR_IPMI_2_0_UNAVAILABLE:
		return -ENOTSUP;
	case IPMI_ERR_SESSION_TIMEOUT:
	case IPMI_ERR_MESSAGE_TIMEOUT:
		return -ETIMEDOUT;
	case IPMI_ERR_BMC_BUSY:
	case IPMI_ERR_DRIVER_BUSY:
		return -EBUSY;
	case IPMI_ERR_CONNECTION_TIMEOUT:
		return -ETIMEDOUT;
	case IPMI_ERR_HOSTNAME_INVALID:
		return -EHOSTUNREACH;
	default:
		return -EIO;
	}
}

static bool transient(int rc)
{
	return rc == -ETIMEDOUT || rc == -EBUSY || rc == -EIO;
}

static int open_once(ipmi_ctx_t ctx, const struct vg_ipmi_conf *c, const char *host,
		     long long session_ms)
{
	/* FreeIPMI gives up only after the retransmission that crosses the
	 * session timeout: leave room for one so the total stays in budget. */
	long long retrans = session_ms / 6;

	if (retrans < 50)
		retrans = 50;
	if (retrans > 1000)
		retrans = 1000;
	session_ms -= retrans;
	if (c->lanplus)
		return ipmi_ctx_open_outofband_2_0(ctx, host, c->username, c->password,
						   c->k_g, c->k_g_len, c->privilege,
						   c->cipher, (unsigned)session_ms,
						   (unsigned)retrans, c->workarounds,
						   IPMI_FLAGS_DEFAULT);
	return ipmi_ctx_open_outofband(ctx, host, c->username, c->password,
				       c->auth_type, c->privilege,
				       (unsigned)session_ms, (unsigned)retrans,
				       c->workarounds, IPMI_FLAGS_DEFAULT);
}

int vg_ipmi_open(struct vg_ipmi **out, const struct vg_ipmi_conf *c,
		 const struct vg_deadline *d, char *err, size_t errlen)
{
	long long budget = vg_deadline_remaining_ms(d);
	char host[300];
	unsigned attempt = 0;
	int rc = -ETIMEDOUT;

	set_err(err, errlen, "no time left to open an IPMI session");
	if (c->password != NULL &&
	    strlen(c->password) > (c->lanplus ? IPMI_2_0_MAX_PASSWORD_LENGTH
				   : IPMI_1_5_MAX_PASSWORD_LENGTH)) {
		set_err(err, errlen, "the password is longer than IPMI %s allows (%d characters)",
			c->lanplus ? "2.0" : "1.5",
			c->lanplus ? IPMI_2_0_MAX_PASSWORD_LENGTH : IPMI_1_5_MAX_PASSWORD_LENGTH);
		return -EINVAL;
	}
	/* libfreeipmi takes a port as "host:port". */
	if (c->port != 0 && c->port != 623)
		snprintf(host, sizeof(host), "%s:%u", c->host, c->port);
	else
		snprintf(host, sizeof(host), "%s", c->host);

	while (!vg_deadline_expired(d)) {
		long long left = vg_deadline_remaining_ms(d);
		long long session_ms = c->attempt_ms > 0 && c->attempt_ms < left ? c->attempt_ms : left;
		long long t0 = vg_now_ms();
		ipmi_ctx_t ctx;

		if (session_ms < IPMI_MIN_SESSION_MS)
			session_ms = IPMI_MIN_SESSION_MS;
		ctx = ipmi_ctx_create();
		if (ctx == NULL) {
			set_err(err, errlen, "out of memory");
			return -ENOMEM;
		}
		attempt++;
		if (open_once(ctx, c, host, session_ms) == 0) {
			struct vg_ipmi *s = calloc(1, sizeof(*s));

			if (s == NULL) {
				ipmi_ctx_close(ctx);
				ipmi_ctx_destroy(ctx);
				set_err(err, errlen, "out of memory");
				return -ENOMEM;
			}
			s->ctx = ctx;
			vg_debug("IPMI session to %s open after %lld ms (attempt %u) "
				 QB_XS " lanplus=%d cipher=%u privilege=%u timeout=%lld",
				 host, vg_now_ms() - t0, attempt, c->lanplus, c->cipher,
				 c->privilege, session_ms);
			*out = s;
			return 0;
		}
		rc = errnum_to_errno(ipmi_ctx_errnum(ctx));
		if (c->lanplus)
			set_err(err, errlen, "cannot open an IPMI 2.0 session (cipher suite %u, "
				"privilege %s) to %s as %s: %s", c->cipher,
				vg_ipmi_privilege_name(c->privilege), host, c->username,
				ipmi_ctx_errormsg(ctx));
		else
			set_err(err, errlen, "cannot open an IPMI 1.5 session (privilege %s) "
				"to %s as %s: %s", vg_ipmi_privilege_name(c->privilege), host,
				c->username, ipmi_ctx_errormsg(ctx));
		vg_debug("attempt %u: %s (after %lld ms)", attempt, err != NULL ? err : "",
			 vg_now_ms() - t0);
		ipmi_ctx_destroy(ctx);
		/* Retry only what may pass a second time, and only while a
		 * useful share (30 %) of the budget is left. */
		if (!transient(rc) || vg_deadline_remaining_ms(d) * 10 < budget * 3)
			break;
		vg_deadline_sleep_ms(d, IPMI_RETRY_GAP_MS);
	}
	if (rc == -ETIMEDOUT || vg_deadline_expired(d))
		set_err(err, errlen, "IPMI session to %s timed out (no answer within %lld ms, "
			"%u attempt%s)", host, budget, attempt, attempt == 1 ? "" : "s");
	return rc;
}

void vg_ipmi_close(struct vg_ipmi *s)
{
	if (s == NULL)
		return;
	ipmi_ctx_close(s->ctx);
	ipmi_ctx_destroy(s->ctx);
	free(s);
}

static int cmd_failed(struct vg_ipmi *s, const char *what, char *err, size_t errlen)
{
	int rc = errnum_to_errno(ipmi_ctx_errnum(s->ctx));

	set_err(err, errlen, "%s %s: %s", what,
		rc == -ETIMEDOUT ? "timed out" : "failed", ipmi_ctx_errormsg(s->ctx));
	return rc;
}

int vg_ipmi_power_get(struct vg_ipmi *s, enum vg_ipmi_power *state, char *err, size_t errlen)
{
	fiid_obj_t rs = fiid_obj_create(tmpl_cmd_get_chassis_status_rs);
	uint64_t on = 0;
	int rc = 0;

	if (rs == NULL) {
		set_err(err, errlen, "out of memory");
		return -ENOMEM;
	}
	if (ipmi_cmd_get_chassis_status(s->ctx, rs) < 0) {
		rc = cmd_failed(s, "Get Chassis Status", err, errlen);
		goto out;
	}
	if (FIID_OBJ_GET(rs, "current_power_state.power_is_on", &on) < 0) {
		set_err(err, errlen, "Get Chassis Status: no power state in the reply: %s",
			fiid_obj_errormsg(rs));
		rc = -EIO;
		goto out;
	}
	*state = on ? VG_IPMI_ON : VG_IPMI_OFF;
out:
	fiid_obj_destroy(rs);
	return rc;
}

int vg_ipmi_control(struct vg_ipmi *s, enum vg_ipmi_control cmd, char *err, size_t errlen)
{
	static const uint8_t code[] = {
		[VG_IPMI_POWER_DOWN] = IPMI_CHASSIS_CONTROL_POWER_DOWN,
		[VG_IPMI_POWER_UP] = IPMI_CHASSIS_CONTROL_POWER_UP,
		[VG_IPMI_POWER_CYCLE] = IPMI_CHASSIS_CONTROL_POWER_CYCLE,
	};
	fiid_obj_t rs = fiid_obj_create(tmpl_cmd_chassis_control_rs);
	int rc = 0;

	if (rs == NULL) {
		set_err(err, errlen, "out of memory");
		return -ENOMEM;
	}
	if (ipmi_cmd_chassis_control(s->ctx, code[cmd], rs) < 0)
		rc = cmd_failed(s, "Chassis Control", err, errlen);
	fiid_obj_destroy(rs);
	return rc;
}

/* FreeIPMI has no wrapper for Get Session Info (App netfn, 0x3D); the
 * request is one byte, session index 0 = "this session". */
int vg_ipmi_session_privilege(struct vg_ipmi *s, uint8_t *level, char *err, size_t errlen)
{
	const uint8_t rq[] = { 0x3D, 0x00 };
	uint8_t rs[64];
	int n = ipmi_cmd_raw(s->ctx, IPMI_BMC_IPMB_LUN_BMC, IPMI_NET_FN_APP_RQ,
			     rq, sizeof(rq), rs, sizeof(rs));

	if (n < 0)
		return cmd_failed(s, "Get Session Info", err, errlen);
	/* cmd, completion code, handle, slots, active, user id, privilege */
	if (n < 7 || rs[0] != 0x3D) {
		set_err(err, errlen, "Get Session Info: short reply (%d bytes)", n);
		return -EIO;
	}
	if (rs[1] != 0) {
		set_err(err, errlen, "Get Session Info: completion code 0x%02x", rs[1]);
		return -EIO;
	}
	*level = rs[6] & 0x0F;
	return 0;
}

int vg_ipmi_power_wait(struct vg_ipmi *s, enum vg_ipmi_power want,
		       const struct vg_deadline *d, unsigned *polls,
		       char *err, size_t errlen)
{
	long long gap = 20;
	enum vg_ipmi_power now = !want;
	int rc;

	for (;;) {
		rc = vg_ipmi_power_get(s, &now, err, errlen);
		if (polls != NULL)
			(*polls)++;
		if (rc < 0)
			return rc;
		if (now == want)
			return 0;
		if (vg_deadline_expired(d))
			break;
		vg_deadline_sleep_ms(d, gap);
		if (gap < 250)
			gap *= 2;
	}
	set_err(err, errlen, "timed out: the BMC still reports power %s",
		now == VG_IPMI_ON ? "on" : "off");
	return -ETIMEDOUT;
}

static const struct {
	const char *name;
	uint8_t level;
} privileges[] = {
	{ "callback", IPMI_PRIVILEGE_LEVEL_CALLBACK },
	{ "user", IPMI_PRIVILEGE_LEVEL_USER },
	{ "operator", IPMI_PRIVILEGE_LEVEL_OPERATOR },
	{ "administrator", IPMI_PRIVILEGE_LEVEL_ADMIN },
};

int vg_ipmi_privilege_parse(const char *name, uint8_t *out)
{
	for (size_t i = 0; i < sizeof(privileges) / sizeof(privileges[0]); i++)
		if (strcasecmp(name, privileges[i].name) == 0) {
			*out = privileges[i].level;
			return 0;
		}
	return -EINVAL;
}

const char *vg_ipmi_privilege_name(uint8_t level)
{
	for (size_t i = 0; i < sizeof(privileges) / sizeof(privileges[0]); i++)
		if (privileges[i].level == level)
			return privileges[i].name;
	return level == IPMI_PRIVILEGE_LEVEL_OEM ? "oem" : "unknown";
}

int vg_ipmi_auth_parse(const char *name, uint8_t *out)
{
	if (strcasecmp(name, "md5") == 0)
		*out = IPMI_AUTHENTICATION_TYPE_MD5;
	else if (strcasecmp(name, "password") == 0)
		*out = IPMI_AUTHENTICATION_TYPE_STRAIGHT_PASSWORD_KEY;
	else if (strcasecmp(name, "none") == 0)
		*out = IPMI_AUTHENTICATION_TYPE_NONE;
	else
		return -EINVAL;
	return 0;
}

bool vg_ipmi_cipher_valid(long long id)
{
	return id >= 0 && id <= 17 && IPMI_CIPHER_SUITE_ID_SUPPORTED(id);
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = (char)tolower((unsigned char)c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

int vg_ipmi_kg_parse(const char *hex, unsigned char *out, unsigned *len)
{
	unsigned char buf[IPMI_MAX_K_G_LENGTH];
	size_t n;
	unsigned i;

	if (strncasecmp(hex, "0x", 2) == 0)
		hex += 2;
	n = strlen(hex);
	if (n == 0 || n % 2 != 0 || n / 2 > sizeof(buf))
		return -EINVAL;
	for (i = 0; i < n / 2; i++) {
		int hi = hexval(hex[2 * i]), lo = hexval(hex[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return -EINVAL;
		buf[i] = (unsigned char)(hi << 4 | lo);
	}
	memcpy(out, buf, i);
	explicit_bzero(buf, sizeof(buf));
	*len = i;
	return 0;
}
