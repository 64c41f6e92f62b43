/* fence_vmguard — power a host off over IPMI, and prove it is off.
 *
 * A fence agent in the fence-agents API (stdin key=value or getopt, the
 * actions and exit codes Pacemaker expects), mostly a table: the options
 * below drive stdin parsing, getopt, --help, the meta-data and validation
 * (common/fenceagent.c).  Option names and defaults are fence_ipmilan's
 * wherever the meaning is the same, so swapping the agent's name is all a
 * configuration needs.
 *
 * Two backends:
 *   ipmi     libfreeipmi, IPMI 2.0 (RMCP+) by default.  off = hard chassis
 *            power-down, then Get Chassis Status until the BMC reads off.
 *   libvirt  for clusters whose nodes are VMs: virDomainDestroy of the
 *            node's domain on a hypervisor URI, then until it is shut off.
 *
 * Time (one budget per power change, all retries inside it):
 *
 *   delay            before off/reboot only (spreads fencing races)
 *   power_timeout    the whole of one power change: opening the session
 *                    (with retries), the command, and polling until the
 *                    BMC reports the new state.  No answer by then:
 *                    failure, "timed out" on stderr.
 *   login_timeout    one session attempt at most (FreeIPMI's session
 *                    timeout); a new attempt only while >= 30 % of the
 *                    budget is left
 *   power_wait       extra wait *after* the new state was verified (0 by
 *                    default: off returns as soon as the BMC reports off)
 *
 * Deviations from fence_ipmilan, on purpose: lanplus defaults to 1 (IPMI
 * 1.5 authentication is broken); cipher defaults to 3 (no slow probing)
 * and 0 is refused unless force_cipher_zero=1; power_wait defaults to 0
 * because off is verified, not waited for; target (IPMB bridging) is
 * refused, since powering off the BMC's own chassis instead would be
 * wrong silently.
 */
#include "config.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <freeipmi/freeipmi.h>
#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>

#include "bounded.h"
#include "deadline.h"
#include "fenceagent.h"
#include "ipmi.h"
#include "log.h"
#include "proc.h"

#define PASSWORD_MAX 256

enum {
	O_ACTION,
	O_AUTH,
	O_BACKEND,
	O_CIPHER,
	O_FORCE_CIPHER_ZERO,
	O_HEXKG,
	O_IP,
	O_IPADDR,
	O_IPPORT,
	O_LANPLUS,
	O_LOGIN,
	O_METHOD,
	O_PASSWD,
	O_PASSWD_SCRIPT,
	O_PASSWORD,
	O_PASSWORD_FILE,
	O_PASSWORD_SCRIPT,
	O_PLUG,
	O_PORT,
	O_PRIVLVL,
	O_TARGET,
	O_URI,
	O_USERNAME,
	O_QUIET,
	O_VERBOSE,
	O_VERBOSE_LEVEL,
	O_DEBUG,
	O_DEBUG_FILE,
	O_VERSION,
	O_HELP,
	O_DELAY,
	O_LOGIN_TIMEOUT,
	O_PORT_AS_IP,
	O_POWER_TIMEOUT,
	O_POWER_WAIT,
	O_RETRY_ON,
	O_DISABLE_TIMEOUT,
	O_IPMITOOL_PATH,
	O_IPMITOOL_TIMEOUT,
	O_SHELL_TIMEOUT,
	O_STONITH_STATUS_SLEEP,
	O_SUDO,
	O_USE_SUDO,
	O_SUDO_PATH,
	O_NODENAME,
};

static const char *const auths[] = { "md5", "password", "none", NULL };
static const char *const backends[] = { "ipmi", "libvirt", NULL };
static const char *const methods[] = { "onoff", "cycle", NULL };
static const char *const privlvls[] = { "callback", "user", "operator", "administrator", NULL };

enum { BACKEND_IPMI, BACKEND_LIBVIRT };
enum { METHOD_ONOFF, METHOD_CYCLE };

#define MS(s) ((long long)((s) * 1000))
#define ALIAS(name, of) { name, of, 0, NULL, NULL, FA_STRING, NULL, 0, 0, 0, NULL, NULL }
#define SEC(name, shortopt, longopt, def, lo, hi, desc) \
	{ name, NULL, shortopt, longopt, "seconds", FA_SECOND, def, 0, MS(lo), MS(hi), NULL, desc }

static const struct fa_opt opts[] = {
	[O_ACTION] = { "action", NULL, 'o', "action", "action", FA_STRING, "reboot", FA_REQUIRED,
		0, 0, NULL, "Fencing action" },
	[O_AUTH] = { "auth", NULL, 'A', "auth", "auth", FA_SELECT, NULL, 0, 0, 0, auths,
		"IPMI Lan Auth type (IPMI 1.5 only, with lanplus=0)" },
	[O_BACKEND] = { "backend", NULL, 0, "backend", "backend", FA_SELECT, "ipmi", 0, 0, 0,
		backends, "Power control: ipmi (a BMC) or libvirt (the node is a domain on uri)" },
	[O_CIPHER] = { "cipher", NULL, 'C', "cipher", "cipher", FA_INTEGER, "3", 0, 0, 17, NULL,
		"Ciphersuite to use (same as ipmitool -C parameter); 0 only with force_cipher_zero" },
	[O_FORCE_CIPHER_ZERO] = { "force_cipher_zero", NULL, 0, "force-cipher-zero", NULL,
		FA_BOOLEAN, "0", 0, 0, 0, NULL,
		"Allow cipher suite 0 (no authentication: anyone on the network can power the host off)" },
	[O_HEXKG] = { "hexadecimal_kg", NULL, 0, "hexadecimal-kg", "key", FA_STRING, NULL,
		FA_SECRET | FA_ARGV_WARN, 0, 0, NULL,
		"Hexadecimal-encoded Kg key for IPMIv2 authentication" },
	[O_IP] = { "ip", NULL, 'a', "ip", "ip", FA_STRING, NULL, 0, 0, 0, NULL,
		"IP address or hostname of fencing device" },
	[O_IPADDR] = ALIAS("ipaddr", "ip"),
	[O_IPPORT] = { "ipport", NULL, 'u', "ipport", "port", FA_INTEGER, "623", 0, 1, 65535, NULL,
		"TCP/UDP port to use for connection with device" },
	[O_LANPLUS] = { "lanplus", NULL, 'P', "lanplus", NULL, FA_BOOLEAN, "1", 0, 0, 0, NULL,
		"Use Lanplus (IPMI 2.0) to improve security of connection; 0 selects IPMI 1.5" },
	[O_LOGIN] = ALIAS("login", "username"),
	[O_METHOD] = { "method", NULL, 'm', "method", "method", FA_SELECT, "onoff", 0, 0, 0, methods,
		"Method to fence: onoff verifies power-off before powering on; cycle cannot" },
	[O_PASSWD] = ALIAS("passwd", "password"),
	[O_PASSWD_SCRIPT] = ALIAS("passwd_script", "password_script"),
	[O_PASSWORD] = { "password", NULL, 'p', "password", "password", FA_STRING, NULL,
		FA_SECRET | FA_ARGV_WARN, 0, 0, NULL,
		"Login password or passphrase (on the command line every user can read it: "
		"prefer stdin, password_script or password_file)" },
	[O_PASSWORD_FILE] = { "password_file", NULL, 0, "password-file", "file", FA_STRING, NULL, 0,
		0, 0, NULL,
		"File whose first line is the password; refused unless only its owner "
		"(root or the agent's user) can read or write it (mode 0600 or 0400)" },
	[O_PASSWORD_SCRIPT] = { "password_script", NULL, 'S', "password-script", "script",
		FA_STRING, NULL, 0, 0, 0, NULL,
		"Script to run to retrieve password (its first line of output, within power_timeout)" },
	[O_PLUG] = { "plug", NULL, 'n', "plug", "id", FA_STRING, NULL, 0, 0, 0, NULL,
		"Target: the domain name with backend=libvirt; the BMC address with port_as_ip" },
	[O_PORT] = ALIAS("port", "plug"),
	[O_PRIVLVL] = { "privlvl", NULL, 'L', "privlvl", "level", FA_SELECT, "administrator", 0, 0, 0,
		privlvls, "Privilege level on IPMI device (chassis control needs operator)" },
	[O_TARGET] = { "target", NULL, 0, "target", "targetaddress", FA_STRING, NULL, 0, 0, 0, NULL,
		"Bridge IPMI requests to the remote target address (not supported: refused when set)" },
	[O_URI] = { "uri", NULL, 0, "uri", "uri", FA_STRING, NULL, 0, 0, 0, NULL,
		"libvirt URI of the hypervisor running the node's domain (backend=libvirt)" },
	[O_USERNAME] = { "username", NULL, 'l', "username", "name", FA_STRING, NULL, 0, 0, 0, NULL,
		"Login name" },
	[O_QUIET] = { "quiet", NULL, 'q', "quiet", NULL, FA_BOOLEAN, NULL, 0, 0, 0, NULL,
		"Disable logging to stderr. Does not affect --verbose or --debug-file or logging to syslog." },
	[O_VERBOSE] = { "verbose", NULL, 'v', "verbose", NULL, FA_BOOLEAN, NULL, FA_COUNT, 0, 0, NULL,
		"Verbose mode" },
	[O_VERBOSE_LEVEL] = { "verbose_level", NULL, 0, "verbose-level", "level", FA_INTEGER, NULL, 0,
		0, 10, NULL, "Level of debugging detail in output" },
	[O_DEBUG] = ALIAS("debug", "debug_file"),
	[O_DEBUG_FILE] = { "debug_file", NULL, 'D', "debug-file", "debugfile", FA_STRING, NULL, 0,
		0, 0, NULL, "Write debug information to given file" },
	[O_VERSION] = { "version", NULL, 'V', "version", NULL, FA_BOOLEAN, NULL, 0, 0, 0, NULL,
		"Display version information and exit" },
	[O_HELP] = { "help", NULL, 'h', "help", NULL, FA_BOOLEAN, NULL, 0, 0, 0, NULL,
		"Display help and exit" },
	[O_DELAY] = SEC("delay", 0, "delay", "0", 0, 3600,
		"Wait X seconds before fencing is started"),
	[O_LOGIN_TIMEOUT] = SEC("login_timeout", 0, "login-timeout", "5", 0.2, 600,
		"Wait X seconds for the BMC to answer one session attempt"),
	[O_PORT_AS_IP] = { "port_as_ip", NULL, 0, "port-as-ip", NULL, FA_BOOLEAN, NULL, 0, 0, 0, NULL,
		"Make \"port/plug\" to be an alias to IP address" },
	[O_POWER_TIMEOUT] = SEC("power_timeout", 0, "power-timeout", "20", 0.2, 3600,
		"Test X seconds for status change after ON/OFF (the whole budget of one power change)"),
	[O_POWER_WAIT] = SEC("power_wait", 0, "power-wait", "0", 0, 600,
		"Wait X seconds after the BMC reports the new power state"),
	[O_RETRY_ON] = { "retry_on", NULL, 0, "retry-on", "attempts", FA_INTEGER, "1", 0, 1, 100,
		NULL, "Count of attempts to retry power on" },
	[O_DISABLE_TIMEOUT] = { "disable_timeout", NULL, 0, "disable-timeout", "true/false",
		FA_STRING, NULL, FA_IGNORED, 0, 0, NULL, "Ignored (fence_ipmilan compatibility)" },
	[O_IPMITOOL_PATH] = { "ipmitool_path", NULL, 0, "ipmitool-path", "path", FA_STRING, NULL,
		FA_IGNORED, 0, 0, NULL, "Ignored: no ipmitool is run (fence_ipmilan compatibility)" },
	[O_IPMITOOL_TIMEOUT] = { "ipmitool_timeout", NULL, 0, "ipmitool-timeout", "timeout",
		FA_STRING, NULL, FA_IGNORED, 0, 0, NULL,
		"Ignored: see login_timeout (fence_ipmilan compatibility)" },
	[O_SHELL_TIMEOUT] = { "shell_timeout", NULL, 0, "shell-timeout", "seconds", FA_SECOND, NULL,
		FA_IGNORED, 0, MS(3600), NULL, "Ignored (fence_ipmilan compatibility)" },
	[O_STONITH_STATUS_SLEEP] = { "stonith_status_sleep", NULL, 0, "stonith-status-sleep",
		"seconds", FA_SECOND, NULL, FA_IGNORED, 0, MS(3600), NULL,
		"Ignored: status is polled from 20 ms up to every 250 ms (fence_ipmilan compatibility)" },
	[O_SUDO] = ALIAS("sudo", "use_sudo"),
	[O_USE_SUDO] = { "use_sudo", NULL, 0, "use-sudo", NULL, FA_BOOLEAN, NULL, FA_IGNORED, 0, 0,
		NULL, "Ignored: no third-party program is run (fence_ipmilan compatibility)" },
	[O_SUDO_PATH] = { "sudo_path", NULL, 0, "sudo-path", "path", FA_STRING, NULL, FA_IGNORED, 0,
		0, NULL, "Ignored (fence_ipmilan compatibility)" },
	[O_NODENAME] = { "nodename", NULL, 0, NULL, NULL, FA_STRING, NULL, FA_HIDDEN, 0, 0, NULL,
		"Node being fenced (sent by Pacemaker)" },
	{ NULL, NULL, 0, NULL, NULL, 0, NULL, 0, 0, 0, NULL, NULL },
};

/* ---- configuration -------------------------------------------------------- */

struct agent {
	struct vg_ipmi_conf ipmi;
	char password[PASSWORD_MAX];
	unsigned char k_g[IPMI_MAX_K_G_LENGTH];
	bool password_loaded;
};

static struct agent *agent_of(struct fa_ctx *ctx)
{
	return ctx->priv;
}

static bool is_backend(const struct fa_ctx *ctx, int b)
{
	return fa_int(ctx, O_BACKEND) == b;
}

static const char *target_name(const struct fa_ctx *ctx)
{
	if (is_backend(ctx, BACKEND_LIBVIRT))
		return fa_str(ctx, O_PLUG);
	return fa_str(ctx, O_IP);
}

static int count_password_sources(const struct fa_ctx *ctx)
{
	return (fa_isset(ctx, O_PASSWORD) && *fa_str(ctx, O_PASSWORD) != '\0') +
	       (fa_isset(ctx, O_PASSWORD_SCRIPT) && *fa_str(ctx, O_PASSWORD_SCRIPT) != '\0') +
	       (fa_isset(ctx, O_PASSWORD_FILE) && *fa_str(ctx, O_PASSWORD_FILE) != '\0');
}

/* Open and check the password file: regular, owned by us or root, no
 * access for group or others.  Returns the fd or a negative errno. */
static int password_file_open(struct fa_ctx *ctx, const char *path)
{
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);

	if (fd < 0) {
		fa_error(ctx, "cannot open password_file %s: %s", path, strerror(errno));
		return -errno;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		fa_error(ctx, "password_file %s is not a regular file", path);
		close(fd);
		return -EINVAL;
	}
	if ((st.st_mode & 077) != 0) {
		fa_error(ctx, "password_file %s has mode %04o: group and others must have "
			 "no access (chmod 600 %s)", path, (unsigned)(st.st_mode & 07777), path);
		close(fd);
		return -EPERM;
	}
	if (st.st_uid != 0 && st.st_uid != geteuid()) {
		fa_error(ctx, "password_file %s belongs to uid %u, not to root or uid %u",
			 path, (unsigned)st.st_uid, (unsigned)geteuid());
		close(fd);
		return -EPERM;
	}
	return fd;
}

static int agent_validate(struct fa_ctx *ctx)
{
	struct agent *a = agent_of(ctx);
	uint8_t priv = 0;

	if (fa_bool(ctx, O_PORT_AS_IP) && fa_isset(ctx, O_PLUG) &&
	    fa_set(ctx, O_IP, fa_str(ctx, O_PLUG)) < 0) {
		fa_error(ctx, "out of memory");
		return -ENOMEM;
	}
	if (is_backend(ctx, BACKEND_LIBVIRT)) {
		if (*fa_str(ctx, O_URI) == '\0') {
			fa_error(ctx, "backend=libvirt needs uri (the hypervisor's libvirt URI)");
			return -EINVAL;
		}
		return 0;
	}
	if (*fa_str(ctx, O_IP) == '\0') {
		fa_error(ctx, "missing required option ip (the BMC's address)");
		return -EINVAL;
	}
	if (fa_isset(ctx, O_TARGET) && *fa_str(ctx, O_TARGET) != '\0') {
		fa_error(ctx, "target (IPMB bridging) is not supported by fence_vmguard");
		return -EINVAL;
	}
	if (!vg_ipmi_cipher_valid(fa_int(ctx, O_CIPHER))) {
		fa_error(ctx, "cipher suite %lld is not one FreeIPMI implements "
			 "(0-3, 6-8, 11, 12, 15-17)", fa_int(ctx, O_CIPHER));
		return -EINVAL;
	}
	if (fa_bool(ctx, O_LANPLUS) && fa_int(ctx, O_CIPHER) == 0 &&
	    !fa_bool(ctx, O_FORCE_CIPHER_ZERO)) {
		fa_error(ctx, "cipher suite 0 has no authentication: anyone who can reach "
			 "the BMC can power the host off; refused unless force_cipher_zero=1");
		return -EINVAL;
	}
	if (count_password_sources(ctx) > 1) {
		fa_error(ctx, "give only one of password, password_script and password_file");
		return -EINVAL;
	}
	if (*fa_str(ctx, O_PASSWORD_FILE) != '\0') {
		int fd = password_file_open(ctx, fa_str(ctx, O_PASSWORD_FILE));

		if (fd < 0)
			return fd;
		close(fd);
	}
	a->ipmi.host = fa_str(ctx, O_IP);
	a->ipmi.port = (unsigned)fa_int(ctx, O_IPPORT);
	a->ipmi.username = fa_str(ctx, O_USERNAME);
	a->ipmi.lanplus = fa_bool(ctx, O_LANPLUS);
	a->ipmi.cipher = (uint8_t)fa_int(ctx, O_CIPHER);
	(void)vg_ipmi_privilege_parse(fa_str(ctx, O_PRIVLVL), &priv);
	a->ipmi.privilege = priv;
	a->ipmi.auth_type = IPMI_AUTHENTICATION_TYPE_MD5;
	if (fa_isset(ctx, O_AUTH))
		(void)vg_ipmi_auth_parse(fa_str(ctx, O_AUTH), &a->ipmi.auth_type);
	/* ipmi_sim, like several real BMCs, needs this; it only relaxes
	 * which privilege the Open Session reply may carry. */
	a->ipmi.workarounds = a->ipmi.lanplus ? IPMI_WORKAROUND_FLAGS_OUTOFBAND_2_0_OPEN_SESSION_PRIVILEGE : 0;
	a->ipmi.attempt_ms = fa_int(ctx, O_LOGIN_TIMEOUT);
	if (*fa_str(ctx, O_HEXKG) != '\0') {
		if (vg_ipmi_kg_parse(fa_str(ctx, O_HEXKG), a->k_g, &a->ipmi.k_g_len) < 0) {
			fa_error(ctx, "hexadecimal_kg must be up to 40 hexadecimal digits");
			return -EINVAL;
		}
		a->ipmi.k_g = a->k_g;
	}
	return 0;
}

/* ---- passwords ------------------------------------------------------------ */

static void first_line(char *buf)
{
	buf[strcspn(buf, "\r\n")] = '\0';
}

static int read_bounded(int fd, char *buf, size_t len, const struct vg_deadline *d)
{
	size_t got = 0;

	while (got + 1 < len) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		long long left = vg_deadline_remaining_ms(d);
		ssize_t n;
		int r;

		if (left <= 0)
			return -ETIMEDOUT;
		r = poll(&pfd, 1, (int)(left > 60000 ? 60000 : left));
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -errno;
		if (r == 0)
			continue;
		n = read(fd, buf + got, len - 1 - got);
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			break;
		got += (size_t)n;
	}
	buf[got] = '\0';
	return 0;
}

/* Run password_script through the shell as fence-agents do; its stdout's
 * first line is the password.  The script runs under the same deadline and
 * must exit 0; output beyond the buffer breaks its pipe (an endless or
 * huge output fails at once).  The output is a secret: wiped on failure. */
static int password_from_script(const char *script, char *out, size_t outlen,
				const struct vg_deadline *d)
{
	char *const argv[] = { (char *)"sh", (char *)"-c", (char *)script, NULL };
	int status = 0, rc;

	rc = vg_proc_capture("/bin/sh", argv, VG_CAPTURE_STOP_WHEN_FULL, out, outlen, NULL, d,
			     &status);
	if (rc == 0 && !(WIFEXITED(status) && WEXITSTATUS(status) == 0))
		rc = -ENOEXEC;
	if (rc < 0)
		explicit_bzero(out, outlen);
	return rc;
}

static int password_load(struct fa_ctx *ctx, const struct vg_deadline *d)
{
	struct agent *a = agent_of(ctx);
	const char *file = fa_str(ctx, O_PASSWORD_FILE);
	const char *script = fa_str(ctx, O_PASSWORD_SCRIPT);
	int rc = 0;

	if (a->password_loaded)
		return 0;
	if (*file != '\0') {
		int fd = password_file_open(ctx, file);

		if (fd < 0) {
			vg_err("%s", ctx->error);
			return fd;
		}
		rc = read_bounded(fd, a->password, sizeof(a->password), d);
		close(fd);
		if (rc < 0)
			vg_err("cannot read password_file %s: %s", file, strerror(-rc));
	} else if (*script != '\0') {
		rc = password_from_script(script, a->password, sizeof(a->password), d);
		if (rc == -ETIMEDOUT)
			vg_err("password_script timed out");
		else if (rc < 0)
			vg_err("password_script failed (it must exit 0 and print the password)");
	} else {
		snprintf(a->password, sizeof(a->password), "%s", fa_str(ctx, O_PASSWORD));
	}
	if (rc < 0)
		return rc;
	first_line(a->password);
	vg_log_add_secret(a->password);
	a->ipmi.password = a->password;
	a->password_loaded = true;
	return 0;
}

/* ---- IPMI backend ---------------------------------------------------------- */

static enum fa_result failed(int rc)
{
	return rc == -ETIMEDOUT ? FA_RES_TIMEOUT : FA_RES_FAIL;
}

static int session_open(struct fa_ctx *ctx, struct vg_ipmi **s, const struct vg_deadline *d)
{
	struct agent *a = agent_of(ctx);
	char err[512];
	int rc = password_load(ctx, d);

	if (rc < 0)
		return rc;
	rc = vg_ipmi_open(s, &a->ipmi, d, err, sizeof(err));
	if (rc == -EACCES)
		vg_err("%s (check username, password and K_g)", err);
	else if (rc == -EPERM)
		vg_err("%s (the user may not have privilege level %s)", err,
		       fa_str(ctx, O_PRIVLVL));
	else if (rc < 0)
		vg_err("%s", err);
	return rc;
}

static const char *power_name(enum vg_ipmi_power p)
{
	return p == VG_IPMI_ON ? "on" : "off";
}

/* Set the power state and verify it within one budget.  The session is
 * reopened if the BMC stops answering in the middle (a BMC reset). */
static int ipmi_set_power(struct fa_ctx *ctx, enum vg_ipmi_power want,
			  enum vg_ipmi_control how)
{
	struct vg_deadline d;
	struct vg_ipmi *s = NULL;
	enum vg_ipmi_power now;
	char err[512];
	unsigned polls = 0;
	long long t0 = vg_now_ms();
	bool sent = false;
	int rc;

	vg_deadline_in_ms(&d, fa_int(ctx, O_POWER_TIMEOUT));
	for (;;) {
		rc = session_open(ctx, &s, &d);
		if (rc < 0)
			break;
		if (!sent) {
			rc = vg_ipmi_power_get(s, &now, err, sizeof(err));
			if (rc == 0 && now == want) {
				vg_info("%s is already %s", target_name(ctx), power_name(want));
				break;
			}
			if (rc == 0)
				rc = vg_ipmi_control(s, how, err, sizeof(err));
			if (rc == 0) {
				sent = true;
				vg_debug("power %s sent after %lld ms", power_name(want),
					 vg_now_ms() - t0);
			}
		}
		if (sent)
			rc = vg_ipmi_power_wait(s, want, &d, &polls, err, sizeof(err));
		if (rc == 0 || rc == -ETIMEDOUT || vg_deadline_expired(&d)) {
			if (rc < 0)
				vg_err("power %s of %s %s", power_name(want), target_name(ctx), err);
			break;
		}
		vg_warn("%s; retrying within the time left", err);
		vg_ipmi_close(s);
		s = NULL;
	}
	vg_ipmi_close(s);
	if (rc == 0) {
		vg_info("%s verified power %s after %lld ms (%u status polls)",
			target_name(ctx), power_name(want), vg_now_ms() - t0, polls);
		if (fa_int(ctx, O_POWER_WAIT) > 0)
			usleep((useconds_t)(fa_int(ctx, O_POWER_WAIT) * 1000));
	}
	return rc;
}

static int ipmi_status(struct fa_ctx *ctx, enum vg_ipmi_power *state)
{
	struct vg_deadline d;
	struct vg_ipmi *s = NULL;
	char err[512];
	int rc;

	vg_deadline_in_ms(&d, fa_int(ctx, O_POWER_TIMEOUT));
	rc = session_open(ctx, &s, &d);
	if (rc < 0)
		return rc;
	rc = vg_ipmi_power_get(s, state, err, sizeof(err));
	if (rc < 0)
		vg_err("status of %s: %s", target_name(ctx), err);
	vg_ipmi_close(s);
	return rc;
}

/* The BMC answers, the credentials work, and the session really has the
 * privilege chassis control needs: Get Session Info reports the operating
 * privilege the BMC granted to this session (a BMC may grant less than
 * asked), Get Chassis Status proves commands go through.  Nothing changes
 * state. */
static int ipmi_monitor(struct fa_ctx *ctx)
{
	struct vg_deadline d;
	struct vg_ipmi *s = NULL;
	enum vg_ipmi_power state = VG_IPMI_ON;	/* never read unless the BMC answered */
	uint8_t level = 0;
	char err[512];
	int rc;

	vg_deadline_in_ms(&d, fa_int(ctx, O_POWER_TIMEOUT));
	rc = session_open(ctx, &s, &d);
	if (rc < 0)
		return rc;
	rc = vg_ipmi_session_privilege(s, &level, err, sizeof(err));
	if (rc < 0) {
		vg_err("BMC %s: %s", target_name(ctx), err);
	} else if (level < IPMI_PRIVILEGE_LEVEL_OPERATOR || level > IPMI_PRIVILEGE_LEVEL_OEM) {
		vg_err("BMC %s granted privilege %s to user %s: chassis control needs operator",
		       target_name(ctx), vg_ipmi_privilege_name(level), fa_str(ctx, O_USERNAME));
		rc = -EPERM;
	} else {
		rc = vg_ipmi_power_get(s, &state, err, sizeof(err));
		if (rc < 0)
			vg_err("BMC %s: %s", target_name(ctx), err);
		else
			vg_debug("BMC %s: session privilege %s, power %s", target_name(ctx),
				 vg_ipmi_privilege_name(level), power_name(state));
	}
	vg_ipmi_close(s);
	return rc;
}

/* ---- libvirt backend --------------------------------------------------------- */

enum lv_op { LV_STATUS, LV_OFF, LV_ON, LV_MONITOR, LV_LIST };

#define LV_LIST_MAX 8192

struct lv_args {
	const char *uri;
	const char *domain;
	enum lv_op op;
	long long budget_ms;	/* for polling inside the child */
};

struct lv_result {
	int on;			/* 1 running/paused/..., 0 shut off */
	char error[512];
	char list[LV_LIST_MAX];	/* list: "name,uuid,on|off\n"... */
};

/* libvirt is loaded with dlopen() in the child that needs it: linked in,
 * its ~55 libraries would cost every IPMI invocation ~20 ms of start-up. */
static struct {
	virConnectPtr (*connect_open_auth)(const char *, virConnectAuthPtr, unsigned int);
	virConnectAuthPtr *auth_default;
	int (*connect_close)(virConnectPtr);
	int (*get_lib_version)(virConnectPtr, unsigned long *);
	int (*list_all_domains)(virConnectPtr, virDomainPtr **, unsigned int);
	virDomainPtr (*lookup_by_name)(virConnectPtr, const char *);
	int (*get_state)(virDomainPtr, int *, int *, unsigned int);
	int (*get_uuid_string)(virDomainPtr, char *);
	const char *(*get_name)(virDomainPtr);
	int (*destroy)(virDomainPtr);
	int (*create)(virDomainPtr);
	int (*domain_free)(virDomainPtr);
	virErrorPtr (*last_error)(void);
	void (*set_error_func)(void *, virErrorFunc);
} lv;

static int lv_load(char *err, size_t errlen)
{
	void *h = dlopen("libvirt.so.0", RTLD_NOW | RTLD_LOCAL);

	if (h == NULL) {
		snprintf(err, errlen, "cannot load libvirt.so.0: %s", dlerror());
		return -ENOENT;
	}
#define LV_SYM(field, name) \
	do { \
		*(void **)&lv.field = dlsym(h, name); \
		if (lv.field == NULL) { \
			snprintf(err, errlen, "libvirt.so.0 has no %s", name); \
			return -ENOENT; \
		} \
	} while (0)
	LV_SYM(connect_open_auth, "virConnectOpenAuth");
	LV_SYM(auth_default, "virConnectAuthPtrDefault");
	LV_SYM(connect_close, "virConnectClose");
	LV_SYM(get_lib_version, "virConnectGetLibVersion");
	LV_SYM(list_all_domains, "virConnectListAllDomains");
	LV_SYM(lookup_by_name, "virDomainLookupByName");
	LV_SYM(get_state, "virDomainGetState");
	LV_SYM(get_uuid_string, "virDomainGetUUIDString");
	LV_SYM(get_name, "virDomainGetName");
	LV_SYM(destroy, "virDomainDestroy");
	LV_SYM(create, "virDomainCreate");
	LV_SYM(domain_free, "virDomainFree");
	LV_SYM(last_error, "virGetLastError");
	LV_SYM(set_error_func, "virSetErrorFunc");
#undef LV_SYM
	return 0;
}

static void lv_silent(void *opaque, virErrorPtr err)
{
	(void)opaque;
	(void)err;
}

static void lv_error(struct lv_result *r, const char *what)
{
	virErrorPtr e = lv.last_error();

	snprintf(r->error, sizeof(r->error), "%s: %s", what,
		 e != NULL && e->message != NULL ? e->message : "unknown libvirt error");
}

static int lv_domain_on(virDomainPtr dom, int *on)
{
	int state = 0, reason = 0;

	if (lv.get_state(dom, &state, &reason, 0) < 0)
		return -1;
	*on = state != VIR_DOMAIN_SHUTOFF && state != VIR_DOMAIN_CRASHED;
	return 0;
}

static int lv_list(virConnectPtr conn, struct lv_result *r)
{
	virDomainPtr *doms = NULL;
	int n = lv.list_all_domains(conn, &doms, 0);
	size_t o = 0;

	if (n < 0) {
		lv_error(r, "virConnectListAllDomains");
		return -EIO;
	}
	for (int i = 0; i < n; i++) {
		char uuid[VIR_UUID_STRING_BUFLEN] = "";
		int on = 0;

		(void)lv.get_uuid_string(doms[i], uuid);
		(void)lv_domain_on(doms[i], &on);
		if (o < sizeof(r->list))
			o += (size_t)snprintf(r->list + o, sizeof(r->list) - o, "%s,%s,%s\n",
					      lv.get_name(doms[i]), uuid, on ? "on" : "off");
		lv.domain_free(doms[i]);
	}
	free(doms);
	return 0;
}

/* Runs in a child (common/bounded.c): a hung libvirtd cannot hang us. */
static int lv_child(void *arg, void *result, size_t len)
{
	const struct lv_args *a = arg;
	struct lv_result *r = result;
	struct vg_deadline d;
	virConnectPtr conn;
	virDomainPtr dom = NULL;
	unsigned long ver = 0;
	int rc = 0, on = 0;

	(void)len;
	vg_deadline_in_ms(&d, a->budget_ms);
	rc = lv_load(r->error, sizeof(r->error));
	if (rc < 0)
		return rc;
	lv.set_error_func(NULL, lv_silent);
	conn = lv.connect_open_auth(a->uri, *lv.auth_default, 0);
	if (conn == NULL) {
		lv_error(r, "virConnectOpen");
		return -EHOSTUNREACH;
	}
	if (a->op == LV_MONITOR) {
		if (lv.get_lib_version(conn, &ver) < 0) {
			lv_error(r, "virConnectGetLibVersion");
			rc = -EIO;
		}
		goto out;
	}
	if (a->op == LV_LIST) {
		rc = lv_list(conn, r);
		goto out;
	}
	dom = lv.lookup_by_name(conn, a->domain);
	if (dom == NULL) {
		lv_error(r, "virDomainLookupByName");
		rc = -ENOENT;
		goto out;
	}
	if (lv_domain_on(dom, &on) < 0) {
		lv_error(r, "virDomainGetState");
		rc = -EIO;
		goto out;
	}
	if (a->op == LV_OFF && on && lv.destroy(dom) < 0) {
		lv_error(r, "virDomainDestroy");
		rc = -EIO;
		goto out;
	}
	if (a->op == LV_ON && !on && lv.create(dom) < 0) {
		lv_error(r, "virDomainCreate");
		rc = -EIO;
		goto out;
	}
	/* Verify: read the state back until it is what we asked for. */
	while (a->op == LV_OFF || a->op == LV_ON) {
		if (lv_domain_on(dom, &on) < 0) {
			virErrorPtr e = lv.last_error();

			/* A transient domain is gone once destroyed: off. */
			if (a->op == LV_OFF && e != NULL && e->code == VIR_ERR_NO_DOMAIN) {
				on = 0;
				break;
			}
			lv_error(r, "virDomainGetState");
			rc = -EIO;
			goto out;
		}
		if (on == (a->op == LV_ON))
			break;
		if (vg_deadline_expired(&d)) {
			snprintf(r->error, sizeof(r->error), "timed out: domain %s is still %s",
				 a->domain, on ? "running" : "shut off");
			rc = -ETIMEDOUT;
			goto out;
		}
		vg_deadline_sleep_ms(&d, 20);
	}
	r->on = on;
out:
	if (dom != NULL)
		lv.domain_free(dom);
	lv.connect_close(conn);
	return rc;
}

static int lv_run(struct fa_ctx *ctx, enum lv_op op, struct lv_result *r)
{
	struct lv_args a = {
		.uri = fa_str(ctx, O_URI),
		.domain = fa_str(ctx, O_PLUG),
		.op = op,
		.budget_ms = fa_int(ctx, O_POWER_TIMEOUT),
	};
	struct vg_deadline d;
	int rc;

	if ((op == LV_STATUS || op == LV_OFF || op == LV_ON) && *a.domain == '\0') {
		vg_err("backend=libvirt needs plug (the domain to fence)");
		return -EINVAL;
	}
	memset(r, 0, sizeof(*r));
	/* The child polls within the budget; the parent allows a little
	 * more so that a child's own "timed out" can arrive first. */
	vg_deadline_in_ms(&d, a.budget_ms + 500);
	rc = vg_bounded_run(lv_child, &a, r, sizeof(*r), &d, NULL);
	if (rc == -ETIMEDOUT && r->error[0] == '\0')
		snprintf(r->error, sizeof(r->error), "libvirt at %s timed out (no answer within %lld ms)",
			 a.uri, a.budget_ms);
	else if (rc == -ECHILD)
		snprintf(r->error, sizeof(r->error), "libvirt child died without answering");
	if (rc < 0)
		vg_err("%s%s%s", *a.domain != '\0' ? a.domain : a.uri, ": ", r->error);
	return rc;
}

/* ---- actions ----------------------------------------------------------------- */

static int power_state(struct fa_ctx *ctx, enum vg_ipmi_power *state)
{
	struct lv_result *r;
	int rc;

	if (is_backend(ctx, BACKEND_IPMI))
		return ipmi_status(ctx, state);
	r = calloc(1, sizeof(*r));
	if (r == NULL)
		return -ENOMEM;
	rc = lv_run(ctx, LV_STATUS, r);
	if (rc == 0)
		*state = r->on ? VG_IPMI_ON : VG_IPMI_OFF;
	free(r);
	return rc;
}

static int power_set(struct fa_ctx *ctx, enum vg_ipmi_power want)
{
	struct lv_result *r;
	int rc;

	if (is_backend(ctx, BACKEND_IPMI))
		return ipmi_set_power(ctx, want,
				      want == VG_IPMI_OFF ? VG_IPMI_POWER_DOWN : VG_IPMI_POWER_UP);
	r = calloc(1, sizeof(*r));
	if (r == NULL)
		return -ENOMEM;
	rc = lv_run(ctx, want == VG_IPMI_OFF ? LV_OFF : LV_ON, r);
	if (rc == 0)
		vg_info("domain %s verified %s", fa_str(ctx, O_PLUG), power_name(want));
	free(r);
	return rc;
}

static void fence_delay(struct fa_ctx *ctx)
{
	long long ms = fa_int(ctx, O_DELAY);
	struct vg_deadline d;

	if (ms <= 0)
		return;
	vg_info("delay: waiting %lld ms before fencing", ms);
	vg_deadline_in_ms(&d, ms);
	while (!vg_deadline_expired(&d))
		vg_deadline_sleep_ms(&d, 1000);
}

static enum fa_result act_off(struct fa_ctx *ctx)
{
	int rc;

	fence_delay(ctx);
	rc = power_set(ctx, VG_IPMI_OFF);
	if (rc < 0)
		return failed(rc);
	printf("Success: Powered OFF\n");
	return FA_RES_OK;
}

static int power_on_tries(struct fa_ctx *ctx)
{
	int rc = -EIO;

	for (long long i = 0; i < fa_int(ctx, O_RETRY_ON) && rc < 0; i++)
		rc = power_set(ctx, VG_IPMI_ON);
	return rc;
}

static enum fa_result act_on(struct fa_ctx *ctx)
{
	int rc = power_on_tries(ctx);

	if (rc < 0)
		return failed(rc);
	printf("Success: Powered ON\n");
	return FA_RES_OK;
}

/* method=cycle: one Chassis Control power cycle.  The off in between is
 * not observable, which is why onoff is the default. */
static int ipmi_cycle(struct fa_ctx *ctx)
{
	enum vg_ipmi_power state = VG_IPMI_ON;	/* never read unless the BMC answered */
	int rc = ipmi_status(ctx, &state);

	if (rc < 0)
		return rc;
	if (state == VG_IPMI_OFF)	/* a cycle does nothing when off */
		return ipmi_set_power(ctx, VG_IPMI_ON, VG_IPMI_POWER_UP);
	return ipmi_set_power(ctx, VG_IPMI_ON, VG_IPMI_POWER_CYCLE);
}

static enum fa_result act_reboot(struct fa_ctx *ctx)
{
	int rc;

	fence_delay(ctx);
	if (is_backend(ctx, BACKEND_IPMI) && fa_int(ctx, O_METHOD) == METHOD_CYCLE) {
		vg_warn("method=cycle: the power-off cannot be verified");
		rc = ipmi_cycle(ctx);
		if (rc < 0)
			return failed(rc);
		printf("Success: Rebooted\n");
		return FA_RES_OK;
	}
	rc = power_set(ctx, VG_IPMI_OFF);
	if (rc < 0)
		return failed(rc);
	/* The host is fenced once it is off; a failed power-on is worth a
	 * warning, not a failed fence (fence-agents do the same). */
	rc = power_on_tries(ctx);
	if (rc < 0)
		vg_warn("%s was powered off but did not come back on", target_name(ctx));
	printf("Success: Rebooted\n");
	return FA_RES_OK;
}

static enum fa_result act_status(struct fa_ctx *ctx)
{
	enum vg_ipmi_power state = VG_IPMI_ON;	/* never read unless the BMC answered */
	int rc = power_state(ctx, &state);

	if (rc < 0)
		return failed(rc);
	printf("Status: %s\n", state == VG_IPMI_ON ? "ON" : "OFF");
	return state == VG_IPMI_ON ? FA_RES_OK : FA_RES_OFF;
}

static enum fa_result act_monitor(struct fa_ctx *ctx)
{
	struct lv_result *r;
	int rc;

	if (is_backend(ctx, BACKEND_IPMI))
		return ipmi_monitor(ctx) < 0 ? FA_RES_FAIL : FA_RES_OK;
	r = calloc(1, sizeof(*r));
	if (r == NULL)
		return FA_RES_FAIL;
	rc = lv_run(ctx, LV_MONITOR, r);
	free(r);
	return rc < 0 ? failed(rc) : FA_RES_OK;
}

/* One BMC controls one host: list shows that host by the BMC address.
 * Pacemaker needs pcmk_host_list (or pcmk_host_map) to know which node it
 * is.  With libvirt, every domain on the hypervisor. */
static enum fa_result list_common(struct fa_ctx *ctx, bool with_status)
{
	struct lv_result *r;
	int rc;

	if (is_backend(ctx, BACKEND_IPMI)) {
		enum vg_ipmi_power state = VG_IPMI_ON;	/* never read unless the BMC answered */

		if (!with_status) {
			if (ipmi_monitor(ctx) < 0)
				return FA_RES_FAIL;
			printf("%s,\n", fa_str(ctx, O_IP));
			return FA_RES_OK;
		}
		rc = ipmi_status(ctx, &state);
		if (rc < 0)
			return failed(rc);
		printf("%s,,%s\n", fa_str(ctx, O_IP), power_name(state));
		return FA_RES_OK;
	}
	r = calloc(1, sizeof(*r));
	if (r == NULL)
		return FA_RES_FAIL;
	rc = lv_run(ctx, LV_LIST, r);
	if (rc == 0) {
		for (char *line = strtok(r->list, "\n"); line != NULL; line = strtok(NULL, "\n")) {
			char *last = strrchr(line, ',');

			if (!with_status && last != NULL)
				*last = '\0';
			printf("%s\n", line);
		}
	}
	free(r);
	return rc < 0 ? failed(rc) : FA_RES_OK;
}

static enum fa_result act_list(struct fa_ctx *ctx)
{
	return list_common(ctx, false);
}

static enum fa_result act_list_status(struct fa_ctx *ctx)
{
	return list_common(ctx, true);
}

static const struct fa_agent fence_vmguard;

static enum fa_result act_metadata(struct fa_ctx *ctx)
{
	(void)ctx;
	fa_metadata_write(&fence_vmguard, stdout);
	return FA_RES_OK;
}

static enum fa_result act_validate(struct fa_ctx *ctx)
{
	(void)ctx;	/* fa_main() validated before calling us */
	return FA_RES_OK;
}

static const struct fa_action actions[] = {
	{ "on", act_on, FA_A_NOT_AUTOMATIC, "power on, verified" },
	{ "off", act_off, 0, "hard power-off, verified off (after delay)" },
	{ "reboot", act_reboot, 0, "off (verified), then on; success once off" },
	{ "status", act_status, 0, "exit 0 on, 2 off, 1 unknown" },
	{ "monitor", act_monitor, 0, "BMC answers, credentials and privilege fit" },
	{ "list", act_list, 0, "the host(s) this device controls" },
	{ "list-status", act_list_status, 0, "the same with power state" },
	{ "metadata", act_metadata, FA_A_NO_VALIDATE, "XML meta-data" },
	{ "meta-data", act_metadata, FA_A_NO_VALIDATE | FA_A_HIDDEN, NULL },
	{ "validate-all", act_validate, 0, "check the options and exit" },
	{ NULL, NULL, 0, NULL },
};

static const struct fa_agent fence_vmguard = {
	.name = "fence_vmguard",
	.version = PACKAGE_VERSION,
	.shortdesc = "Fence agent for IPMI with verified power-off (vmguard)",
	.longdesc =
		"fence_vmguard powers a host off over IPMI and proves it is off: a hard "
		"chassis power-down, then Get Chassis Status until the BMC reports off. "
		"off succeeds only when the power-off was verified; if the BMC does not "
		"report off within power_timeout the action fails and stderr says "
		"\"timed out\". It talks IPMI 2.0 (lanplus) through FreeIPMI's libfreeipmi "
		"and runs no ipmitool, so the password never appears in any process's "
		"argument list or in a log. Passwords come from stdin (password), a "
		"script (password_script) or a file only its owner can read "
		"(password_file). Option names and defaults follow fence_ipmilan, with "
		"these differences: lanplus defaults to 1, cipher defaults to 3 and 0 is "
		"refused unless force_cipher_zero=1, power_wait defaults to 0 because "
		"power changes are verified, target is refused. Timing: delay (off and "
		"reboot only) is waited first; then each power change has one budget, "
		"power_timeout, shared by session attempts (each at most login_timeout, "
		"retried while 30% of the budget is left), the command and the "
		"verification. status exits 0 (on), 2 (off) or 1 (BMC unreachable); "
		"monitor checks that the BMC answers, the credentials work and the "
		"session holds at least operator privilege, without changing power. "
		"list prints the BMC address: set pcmk_host_list or pcmk_host_map. "
		"With backend=libvirt the node is a domain (plug) on the hypervisor at "
		"uri: off destroys it and verifies it is shut off.",
	.vendor_url = "https://www.freeipmi.org",
	.opts = opts,
	.actions = actions,
	.validate = agent_validate,
};

int main(int argc, char **argv)
{
	struct agent a;
	int rc;

	memset(&a, 0, sizeof(a));
	rc = fa_main(&fence_vmguard, argc, argv, &a);
	explicit_bzero(&a, sizeof(a));
	return rc;
}
