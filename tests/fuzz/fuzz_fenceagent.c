/* libFuzzer target: everything fence_vmguard does before its action.
 *
 * The agent's source is included (its main() renamed away) so that its
 * option table, agent_validate() and struct agent are the real ones.  Each
 * input runs the steps of fa_main() up to the action:
 *
 *   fa_read_options()   argv (getopt) or stdin (fa_parse_stdin() on a
 *                       FILE), then registering the secret values with the
 *                       log;
 *   fa_prepare()        help/version, the action, fa_check(), and
 *                       agent_validate(): port_as_ip, the backend rules,
 *                       the password_file checks, the hexadecimal K_g
 *                       parser into struct agent's fixed buffer;
 *   the error line      fa_main() logs ctx->error on failure.
 *
 * Left out on purpose: log_setup() (it opens debug_file, which would let
 * the fuzzer append to any file) and the action itself.  password_file is
 * redirected to one of a few prepared files (private, owned by another
 * user, readable by others or by the group, a symlink, a directory,
 * missing), chosen by the value, so that every branch of its checks runs
 * without opening arbitrary paths (a watchdog device is armed by opening
 * it).
 *
 * Input: first byte picks the mode.  Even: the rest is stdin.  Odd: the
 * rest is split at NUL bytes into argv (at most 32 arguments).
 *
 * What is checked, beyond "no crash" (abort() with a message when not):
 *   - every secret value (password, hexadecimal_kg) is registered: the log's
 *     mask turns it into "****", and no log line written after the options
 *     were read contains it -- the error line either, which quotes other
 *     options' values (fence_vmguard's secrets are strings, which never
 *     fail fa_check(); the "****" in check_one() is tested by
 *     tests/unit/check_fenceagent.c);
 *   - a secret given on the command line was overwritten in argv;
 *   - aliases never hold a value of their own (they stand for their row);
 *   - after a successful fa_check(): integers and seconds within the
 *     table's range, booleans 0 or 1, a select's index naming its text;
 *   - agent_validate()'s verdict equals the rules recomputed here from the
 *     parsed values, and what it accepted is what it stored: the IPMI
 *     settings, port_as_ip's copy, and the K_g bytes (decoded
 *     independently, at most IPMI_MAX_K_G_LENGTH);
 *   - a failure always says why (ctx->error is not empty).
 */
#define main fence_vmguard_main
#include "../../fence/fence_vmguard.c"
#undef main

#include <ctype.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_LOG_MAX (64 * 1024)

static char logbuf[FUZZ_LOG_MAX];
static size_t loglen;
static char fixdir[64];
static bool foreign_owned;	/* the "foreign" fixture belongs to another uid */

static void bug(const char *what, const char *detail)
{
	/* A finding: name the invariant.  Secrets in detail are fuzz data. */
	fprintf(stderr, "fuzz_fenceagent: invariant broken: %s%s%s\n", what,
		detail != NULL ? ": " : "", detail != NULL ? detail : "");
	abort();
}

static void log_capture(int32_t t, struct qb_log_callsite *cs, struct timespec *ts,
			const char *msg)
{
	size_t n = strlen(msg);

	(void)t;
	(void)cs;
	(void)ts;
	if (loglen + n + 2 > sizeof(logbuf))
		return;
	/* One NUL-terminated message after another: joined by newlines, the
	 * end of one message and the start of the next could spell a secret
	 * that contains a newline ("p\n" after "--help"), which no log line
	 * holds. */
	memcpy(logbuf + loglen, msg, n);
	loglen += n;
	logbuf[loglen++] = '\0';
	logbuf[loglen] = '\0';
}

static void fixture(const char *name, mode_t mode)
{
	char path[128];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", fixdir, name);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0 || write(fd, "pw\n", 3) != 3 || fchmod(fd, mode) != 0)
		bug("cannot create a password_file fixture", path);
	close(fd);
}

static void fixtures_remove(void)
{
	static const char *const names[] = { "private", "readable", "group", "foreign", "link",
					       NULL };
	char path[128];

	for (int i = 0; names[i] != NULL; i++) {
		snprintf(path, sizeof(path), "%s/%s", fixdir, names[i]);
		unlink(path);
	}
	snprintf(path, sizeof(path), "%s/dir", fixdir);
	rmdir(path);
	rmdir(fixdir);
}

static void init_once(void)
{
	static bool done;
	char path[128];
	int32_t t;

	if (done)
		return;
	done = true;
	/* The log as fa_main() sets it up, but written to a buffer only. */
	vg_log_init("fence_vmguard", NULL, LOG_DEBUG);
	qb_log_ctl(QB_LOG_SYSLOG, QB_LOG_CONF_ENABLED, QB_FALSE);
	qb_log_ctl(QB_LOG_STDERR, QB_LOG_CONF_ENABLED, QB_FALSE);
	t = qb_log_custom_open(log_capture, NULL, NULL, NULL);
	if (t < 0)
		bug("cannot open a libqb log target", NULL);
	qb_log_filter_ctl(t, QB_LOG_FILTER_ADD, QB_LOG_FILTER_FILE, "*", LOG_DEBUG);
	qb_log_ctl(t, QB_LOG_CONF_ENABLED, QB_TRUE);
	vg_debug("fuzz_fenceagent: log captured");
	if (loglen != sizeof("fuzz_fenceagent: log captured") ||
	    strcmp(logbuf, "fuzz_fenceagent: log captured") != 0)
		bug("the log capture does not work: the log checks would be vacuous", logbuf);

	/* In the working directory: tests/fuzz/run.sh runs in its output
	 * directory, where a crash leaves the fixtures with the reproducer. */
	snprintf(fixdir, sizeof(fixdir), "fixtures.XXXXXX");
	if (mkdtemp(fixdir) == NULL)
		bug("mkdtemp", strerror(errno));
	fixture("private", 0600);
	fixture("readable", 0644);
	fixture("group", 0640);
	fixture("foreign", 0600);
	snprintf(path, sizeof(path), "%s/foreign", fixdir);
	/* Only root can give a file away; otherwise it is ours, and fine. */
	foreign_owned = chown(path, 65534, 65534) == 0;
	snprintf(path, sizeof(path), "%s/link", fixdir);
	if (symlink("private", path) != 0)
		bug("symlink", strerror(errno));
	snprintf(path, sizeof(path), "%s/dir", fixdir);
	if (mkdir(path, 0700) != 0)
		bug("mkdir", strerror(errno));
	atexit(fixtures_remove);
}

/* password_file: one of the fixtures instead of the path the input names.
 * Returns whether the chosen file passes agent_validate()'s checks. */
static bool password_file_sandbox(struct fa_ctx *ctx)
{
	static const char *const names[] = { "private", "foreign", "readable", "group", "link",
					       "dir", "missing" };
	const char *v = fa_str(ctx, O_PASSWORD_FILE);
	char path[128];
	size_t pick;

	if (*v == '\0')
		return true;
	pick = strlen(v) % (sizeof(names) / sizeof(names[0]));
	snprintf(path, sizeof(path), "%s/%s", fixdir, names[pick]);
	if (fa_set(ctx, O_PASSWORD_FILE, path) < 0)
		bug("fa_set password_file", NULL);
	return pick == 0 || (pick == 1 && !foreign_owned);
}

static bool is_secret(int row)
{
	return (opts[row].flags & FA_SECRET) != 0;
}

/* Every secret is registered with the log, and nothing logged once the
 * options were read (the error line included) contains one. */
static void check_secrets(const struct fa_ctx *ctx, size_t log_from)
{
	static char masked[8192];

	for (int i = 0; i < ctx->nopts; i++) {
		const char *v = ctx->value[i].str;

		/* The log masks nothing shorter than 2; a secret made of '*'
		 * could be spelled by the mask itself. */
		if (!is_secret(i) || v == NULL || strlen(v) < 2 || strlen(v) >= sizeof(masked) ||
		    strchr(v, '*') != NULL)
			continue;
		vg_log_mask(v, masked, sizeof(masked));
		if (strcmp(masked, "****") != 0)
			bug("a secret value was not registered with the log", opts[i].name);
		for (size_t m = log_from; m < loglen; m += strlen(logbuf + m) + 1)
			if (strstr(logbuf + m, v) != NULL)
				bug("a secret value reached the log", opts[i].name);
	}
}

/* A secret given on the command line is overwritten where it stood.
 * args[] are the argument strings in their original order (getopt may
 * permute argv), orig[] their copies taken before parsing. */
static void check_argv_scrubbed(const struct fa_ctx *ctx, int argc, char **args,
				char **orig)
{
	for (int i = 0; i < ctx->nopts; i++) {
		const char *v = ctx->value[i].str;
		size_t n;
		bool found = false;

		if (!is_secret(i) || !ctx->value[i].from_argv || v == NULL || *v == '\0')
			continue;
		n = strlen(v);
		for (int a = 1; a < argc && !found; a++) {
			size_t len = strlen(orig[a]);

			if (len < n || strcmp(orig[a] + len - n, v) != 0)
				continue;
			found = strspn(args[a] + len - n, "x") == n;
		}
		if (!found)
			bug("a secret given in argv was not overwritten", opts[i].name);
	}
}

static void check_values(const struct fa_ctx *ctx)
{
	for (int i = 0; i < ctx->nopts; i++) {
		const struct fa_opt *o = &opts[i];
		long long num = fa_int(ctx, i);
		bool has = ctx->value[i].str != NULL || o->def != NULL;
		int n = 0;

		if (o->alias_of != NULL) {
			if (ctx->value[i].str != NULL || ctx->value[i].set)
				bug("an alias holds a value of its own", o->name);
			continue;
		}
		switch (o->type) {
		case FA_INTEGER:
		case FA_SECOND:
			if (has && (num < o->min || num > o->max))
				bug("a number outside its documented range", o->name);
			if (!has && num != 0)
				bug("an unset number without a default is not 0", o->name);
			break;
		case FA_BOOLEAN:
			if (num != 0 && num != 1)
				bug("a boolean that is neither 0 nor 1", o->name);
			break;
		case FA_SELECT:
			while (o->choices[n] != NULL)
				n++;
			if (has && (num < 0 || num >= n || strcmp(o->choices[num], fa_str(ctx, i)) != 0))
				bug("a select's index does not name its value", o->name);
			break;
		case FA_STRING:
			break;
		}
	}
}

static int hexdigit(char c)
{
	const char *digits = "0123456789abcdef";
	const char *p = c != '\0' ? strchr(digits, tolower((unsigned char)c)) : NULL;

	return p == NULL ? -1 : (int)(p - digits);
}

/* The K_g rules, decoded here independently: "0x" optional, an even
 * number of hex digits, 1 to IPMI_MAX_K_G_LENGTH bytes. */
static bool kg_decode(const char *hex, unsigned char *out, unsigned *len)
{
	size_t n;

	if ((hex[0] == '0') && (hex[1] == 'x' || hex[1] == 'X'))
		hex += 2;
	n = strlen(hex);
	if (n == 0 || n % 2 != 0 || n / 2 > IPMI_MAX_K_G_LENGTH)
		return false;
	for (size_t i = 0; i < n / 2; i++) {
		int hi = hexdigit(hex[2 * i]), lo = hexdigit(hex[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return false;
		out[i] = (unsigned char)(hi * 16 + lo);
	}
	*len = (unsigned)(n / 2);
	return true;
}

/* agent_validate()'s verdict, recomputed from the checked values. */
static void check_validate(struct fa_ctx *ctx, const struct agent *a, bool accepted,
			   bool pwfile_ok)
{
	unsigned char kg[IPMI_MAX_K_G_LENGTH];
	unsigned kglen = 0;
	const char *hex = fa_str(ctx, O_HEXKG);
	bool port_as_ip = fa_bool(ctx, O_PORT_AS_IP) && fa_isset(ctx, O_PLUG);
	bool expect;

	if (accepted && port_as_ip && strcmp(fa_str(ctx, O_IP), fa_str(ctx, O_PLUG)) != 0)
		bug("port_as_ip accepted, but ip is not plug", NULL);
	if (is_backend(ctx, BACKEND_LIBVIRT)) {
		expect = *fa_str(ctx, O_URI) != '\0';
	} else {
		long long cipher = fa_int(ctx, O_CIPHER);
		const char *ip = port_as_ip ? fa_str(ctx, O_PLUG) : fa_str(ctx, O_IP);

		expect = *ip != '\0' &&
			 !(fa_isset(ctx, O_TARGET) && *fa_str(ctx, O_TARGET) != '\0') &&
			 vg_ipmi_cipher_valid(cipher) &&
			 !(fa_bool(ctx, O_LANPLUS) && cipher == 0 &&
			   !fa_bool(ctx, O_FORCE_CIPHER_ZERO)) &&
			 count_password_sources(ctx) <= 1 &&
			 pwfile_ok &&
			 (*hex == '\0' || kg_decode(hex, kg, &kglen));
	}
	if (accepted != expect)
		bug(accepted ? "validate accepted options its rules refuse"
			     : "validate refused options its rules accept", ctx->error);
	if (!accepted || is_backend(ctx, BACKEND_LIBVIRT))
		return;
	if (a->ipmi.host == NULL || strcmp(a->ipmi.host, fa_str(ctx, O_IP)) != 0 ||
	    a->ipmi.port != (unsigned)fa_int(ctx, O_IPPORT) || a->ipmi.port < 1 ||
	    a->ipmi.port > 65535 || a->ipmi.cipher != fa_int(ctx, O_CIPHER) ||
	    a->ipmi.lanplus != fa_bool(ctx, O_LANPLUS) ||
	    a->ipmi.attempt_ms != fa_int(ctx, O_LOGIN_TIMEOUT))
		bug("the IPMI settings differ from the validated options", NULL);
	if (*hex == '\0') {
		if (a->ipmi.k_g != NULL)
			bug("a K_g without hexadecimal_kg", NULL);
		return;
	}
	if (a->ipmi.k_g != a->k_g || a->ipmi.k_g_len != kglen || kglen > IPMI_MAX_K_G_LENGTH ||
	    memcmp(a->k_g, kg, kglen) != 0)
		bug("the K_g bytes differ from hexadecimal_kg", NULL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fa_ctx ctx;
	struct agent a;
	char *buf, *argv[34], *args[34], *orig[34];
	int argc = 0, rc;
	enum fa_next next = FA_NEXT_FAIL;
	bool pwfile_ok;
	size_t log_from;
	FILE *in;

	if (size < 1)
		return 0;
	init_once();
	/* NUL-terminated copy: argv strings point into it. */
	buf = calloc(1, size);
	if (buf == NULL)
		return 0;
	memcpy(buf, data + 1, size - 1);
	argv[argc] = args[argc] = orig[argc] = (char *)"fence_vmguard";
	argc++;
	if (data[0] & 1) {
		size_t pos = 0;

		while (pos < size - 1 && argc < 33) {
			argv[argc] = args[argc] = buf + pos;
			orig[argc] = strdup(buf + pos);
			if (orig[argc] == NULL)
				abort();
			argc++;
			pos += strlen(buf + pos) + 1;
		}
		in = fmemopen((char *)"", 0, "r");
	} else {
		in = fmemopen(buf, size - 1, "r");
	}
	argv[argc] = NULL;
	if (in == NULL)
		abort();

	memset(&a, 0, sizeof(a));
	loglen = 0;
	logbuf[0] = '\0';
	if (fa_ctx_init(&ctx, &fence_vmguard) < 0)
		bug("fence_vmguard's option table is too large", NULL);
	ctx.priv = &a;
	rc = fa_read_options(&ctx, argc, argv, in);
	fclose(in);
	log_from = loglen;	/* the parser names keys before secrets are known */
	pwfile_ok = password_file_sandbox(&ctx);
	if (rc == 0)
		next = fa_prepare(&ctx);
	if (rc < 0 || next == FA_NEXT_FAIL) {
		if (ctx.error[0] == '\0')
			bug("a failure without a message", NULL);
		vg_err("%s", ctx.error);	/* as fa_main() does */
	}

	check_secrets(&ctx, log_from);
	if (rc == 0 && argc > 1)
		check_argv_scrubbed(&ctx, argc, args, orig);
	if (rc == 0 && ctx.action != NULL && !(ctx.action->flags & FA_A_NO_VALIDATE)) {
		/* Whether fa_check() passed: validate ran only then. */
		bool checked = next == FA_NEXT_ACTION || fa_check(&ctx) == 0;

		if (checked) {
			check_values(&ctx);
			check_validate(&ctx, &a, next == FA_NEXT_ACTION, pwfile_ok);
		}
	}

	fa_ctx_free(&ctx);
	vg_log_clear_secrets();
	explicit_bzero(&a, sizeof(a));
	for (int i = 1; i < argc; i++)
		free(orig[i]);
	free(buf);
	return 0;
}
