#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include <qb/qblog.h>

#include "fenceagent.h"
#include "log.h"

#define FA_KEY_MAX 64

/* ---- table lookups ---------------------------------------------------- */

static int nrows(const struct fa_agent *agent)
{
	int n = 0;

	while (agent->opts[n].name != NULL)
		n++;
	return n;
}

static int row_by_name(const struct fa_agent *agent, const char *name)
{
	for (int i = 0; agent->opts[i].name != NULL; i++)
		if (strcmp(agent->opts[i].name, name) == 0)
			return i;
	return -1;
}

/* The row an option resolves to: aliases stand for their primary. */
static int primary_row(const struct fa_agent *agent, int row)
{
	const char *target = agent->opts[row].alias_of;

	return target == NULL ? row : row_by_name(agent, target);
}

int fa_opt_find(const struct fa_agent *agent, const char *name)
{
	char key[FA_KEY_MAX + 1];
	size_t len = strlen(name);
	int row;

	if (len == 0 || len > FA_KEY_MAX)
		return -1;
	for (size_t i = 0; i <= len; i++)
		key[i] = name[i] == '-' ? '_' : name[i];
	row = row_by_name(agent, key);
	return row < 0 ? -1 : primary_row(agent, row);
}

int fa_ctx_init(struct fa_ctx *ctx, const struct fa_agent *agent)
{
	memset(ctx, 0, sizeof(*ctx));
	ctx->agent = agent;
	ctx->nopts = nrows(agent);
	if (ctx->nopts > FA_MAX_OPTS) {
		ctx->nopts = 0;
		return -E2BIG;
	}
	return 0;
}

static void value_clear(struct fa_ctx *ctx, int row)
{
	struct fa_value *v = &ctx->value[row];

	if (v->str != NULL) {
		if (ctx->agent->opts[row].flags & FA_SECRET)
			explicit_bzero(v->str, strlen(v->str));
		free(v->str);
	}
	memset(v, 0, sizeof(*v));
}

void fa_ctx_free(struct fa_ctx *ctx)
{
	for (int i = 0; i < ctx->nopts; i++)
		value_clear(ctx, i);
}

void fa_error(struct fa_ctx *ctx, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(ctx->error, sizeof(ctx->error), fmt, ap);
	va_end(ap);
}

static int value_store(struct fa_ctx *ctx, int row, const char *s, size_t len,
		       bool from_argv)
{
	char *copy = strndup(s, len);

	if (copy == NULL) {
		fa_error(ctx, "out of memory");
		return -ENOMEM;
	}
	/* value[].num stays as it was until the next fa_check() succeeds. */
	if (ctx->value[row].str != NULL) {
		if (ctx->agent->opts[row].flags & FA_SECRET)
			explicit_bzero(ctx->value[row].str, strlen(ctx->value[row].str));
		free(ctx->value[row].str);
	}
	/* copy is owned by ctx from here on and freed by fa_ctx_free(); the
	 * analyzer loses track of it through the array. */
	/* NOLINTBEGIN(clang-analyzer-unix.Malloc) */
	ctx->value[row].str = copy;
	ctx->value[row].set = true;
	ctx->value[row].from_argv = from_argv;
	/* NOLINTEND(clang-analyzer-unix.Malloc) */
	return 0;
}

int fa_set(struct fa_ctx *ctx, int row, const char *value)
{
	if (row < 0 || row >= ctx->nopts)
		return -EINVAL;
	return value_store(ctx, primary_row(ctx->agent, row), value, strlen(value), false);
}

/* ---- stdin ------------------------------------------------------------ */

static bool key_char(char c)
{
	return isalnum((unsigned char)c) || c == '_' || c == '-';
}

static int parse_line(struct fa_ctx *ctx, const char *line, size_t len, unsigned lineno)
{
	const char *eq, *val;
	size_t klen, vlen;
	char key[FA_KEY_MAX + 1];
	int row;

	/* Surrounding white space (and the \r of CRLF input) is not data. */
	while (len > 0 && isspace((unsigned char)*line)) {
		line++;
		len--;
	}
	while (len > 0 && isspace((unsigned char)line[len - 1]))
		len--;
	if (len == 0 || line[0] == '#')
		return 0;

	eq = memchr(line, '=', len);
	if (eq == NULL) {
		fa_error(ctx, "stdin line %u: expected key=value", lineno);
		return -EINVAL;
	}
	klen = (size_t)(eq - line);
	while (klen > 0 && isspace((unsigned char)line[klen - 1]))
		klen--;
	if (klen == 0 || klen > FA_KEY_MAX) {
		fa_error(ctx, "stdin line %u: missing or overlong key before '='", lineno);
		return -EINVAL;
	}
	for (size_t i = 0; i < klen; i++) {
		if (!key_char(line[i])) {
			fa_error(ctx, "stdin line %u: invalid character in key "
				 "(keys are letters, digits, '_' and '-')", lineno);
			return -EINVAL;
		}
	}
	memcpy(key, line, klen);
	key[klen] = '\0';

	val = eq + 1;
	vlen = (size_t)(line + len - val);
	while (vlen > 0 && isspace((unsigned char)*val)) {
		val++;
		vlen--;
	}
	/* fence-agents strip one pair of surrounding double quotes. */
	if (vlen >= 2 && val[0] == '"' && val[vlen - 1] == '"') {
		val++;
		vlen -= 2;
	}

	row = fa_opt_find(ctx->agent, key);
	if (row < 0) {
		/* Pacemaker sends keys for every agent; only the key is named,
		 * a value may be somebody's secret. */
		vg_debug("stdin line %u: ignoring unknown option '%s'", lineno, key);
		return 0;
	}
	return value_store(ctx, row, val, vlen, false);
}

int fa_parse_stdin_buf(struct fa_ctx *ctx, const char *buf, size_t len)
{
	unsigned lineno = 0;
	size_t pos = 0;

	if (len > FA_STDIN_MAX) {
		fa_error(ctx, "stdin is longer than %d bytes", FA_STDIN_MAX);
		return -E2BIG;
	}
	if (memchr(buf, '\0', len) != NULL) {
		fa_error(ctx, "stdin contains a NUL byte: expected key=value lines");
		return -EINVAL;
	}
	while (pos < len) {
		const char *nl = memchr(buf + pos, '\n', len - pos);
		size_t end = nl == NULL ? len : (size_t)(nl - buf);
		int rc;

		lineno++;
		rc = parse_line(ctx, buf + pos, end - pos, lineno);
		if (rc < 0)
			return rc;
		pos = end + 1;
	}
	return 0;
}

int fa_parse_stdin(struct fa_ctx *ctx, FILE *in)
{
	char *buf = malloc(FA_STDIN_MAX + 1);
	size_t len = 0, n;
	int rc;

	if (buf == NULL) {
		fa_error(ctx, "out of memory");
		return -ENOMEM;
	}
	while ((n = fread(buf + len, 1, FA_STDIN_MAX + 1 - len, in)) > 0) {
		len += n;
		if (len > FA_STDIN_MAX)
			break;
	}
	if (ferror(in)) {
		fa_error(ctx, "cannot read stdin: %s", strerror(errno));
		rc = -EIO;
	} else {
		rc = fa_parse_stdin_buf(ctx, buf, len);
	}
	/* The buffer held the password. */
	explicit_bzero(buf, len < FA_STDIN_MAX + 1 ? len : FA_STDIN_MAX + 1);
	free(buf);
	return rc;
}

/* ---- argv ------------------------------------------------------------- */

int fa_parse_argv(struct fa_ctx *ctx, int argc, char **argv)
{
	const struct fa_opt *opts = ctx->agent->opts;
	struct option longopts[FA_MAX_OPTS + 1];
	int longrow[FA_MAX_OPTS];
	char shortopts[2 * FA_MAX_OPTS + 2];
	size_t ns = 0;
	int nl = 0, c, li;

	shortopts[ns++] = ':';	/* report a missing argument as ':' */
	for (int i = 0; i < ctx->nopts; i++) {
		bool arg = opts[i].type != FA_BOOLEAN;

		if (opts[i].alias_of != NULL || opts[i].long_opt == NULL)
			continue;
		longopts[nl] = (struct option){ opts[i].long_opt,
			arg ? required_argument : no_argument, NULL, 0 };
		longrow[nl++] = i;
		if (opts[i].short_opt != 0) {
			shortopts[ns++] = opts[i].short_opt;
			if (arg)
				shortopts[ns++] = ':';
		}
	}
	shortopts[ns] = '\0';
	longopts[nl] = (struct option){ NULL, 0, NULL, 0 };

	optind = 0;	/* GNU: full reinitialisation (tests parse repeatedly) */
	opterr = 0;
	while ((li = -1, c = getopt_long(argc, argv, shortopts, longopts, &li)) != -1) {
		int row = -1;

		if (c == '?' || c == ':') {
			const char *what = argv[optind - 1];
			char shortname[3] = { '-', (char)optopt, '\0' };

			/* Name the option, never its argument. */
			if (optopt != 0)
				what = shortname;
			else if (strchr(what, '=') != NULL)
				what = "(a long option)";
			fa_error(ctx, c == '?' ? "unknown option %s: see --help"
				 : "option %s needs a value", what);
			return -EINVAL;
		}
		if (li >= 0) {
			row = longrow[li];
		} else {
			for (int i = 0; i < ctx->nopts; i++)
				if (opts[i].alias_of == NULL && opts[i].short_opt == c)
					row = i;
		}
		if (row < 0) {
			fa_error(ctx, "unknown option -%c", c);
			return -EINVAL;
		}
		if (opts[row].type == FA_BOOLEAN) {
			if (opts[row].flags & FA_COUNT)
				ctx->verbose++;
			if (value_store(ctx, row, "1", 1, true) < 0)
				return -ENOMEM;
		} else {
			if (value_store(ctx, row, optarg, strlen(optarg), true) < 0)
				return -ENOMEM;
			/* Shorten the window in which ps shows a secret. */
			if (opts[row].flags & FA_SECRET)
				memset(optarg, 'x', strlen(optarg));
		}
	}
	if (optind < argc) {
		fa_error(ctx, "unexpected argument #%d: options only, see --help", optind);
		return -EINVAL;
	}
	return 0;
}

/* ---- checking --------------------------------------------------------- */

static int parse_ll(const char *s, long long *out)
{
	char *end;
	long long v;

	if (*s == '\0' || isspace((unsigned char)*s))
		return -EINVAL;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno != 0 || *end != '\0')
		return -EINVAL;
	*out = v;
	return 0;
}

/* "12", "1.5", "0.25" seconds into milliseconds. */
static int parse_seconds_ms(const char *s, long long *out)
{
	long long whole = 0, frac = 0;
	int digits = 0;
	const char *p = s;

	if (!isdigit((unsigned char)*p))
		return -EINVAL;
	for (; isdigit((unsigned char)*p); p++) {
		if (whole > LLONG_MAX / 10000)
			return -ERANGE;
		whole = whole * 10 + (*p - '0');
	}
	if (*p == '.') {
		p++;
		if (!isdigit((unsigned char)*p))
			return -EINVAL;
		for (; isdigit((unsigned char)*p); p++) {
			if (digits < 3) {
				frac = frac * 10 + (*p - '0');
				digits++;
			}
		}
	}
	if (*p != '\0')
		return -EINVAL;
	while (digits++ < 3)
		frac *= 10;
	*out = whole * 1000 + frac;
	return 0;
}

static int parse_boolean(const char *s, long long *out)
{
	static const char *const yes[] = { "1", "yes", "y", "on", "true", NULL };
	static const char *const no[] = { "", "0", "no", "n", "off", "false", NULL };

	for (int i = 0; yes[i] != NULL; i++)
		if (strcasecmp(s, yes[i]) == 0) {
			*out = 1;
			return 0;
		}
	for (int i = 0; no[i] != NULL; i++)
		if (strcasecmp(s, no[i]) == 0) {
			*out = 0;
			return 0;
		}
	return -EINVAL;
}

/* A value fit to be quoted back: printable, short. */
static void quote_value(const char *s, char *out, size_t outlen)
{
	size_t o = 0;

	for (; *s != '\0' && o + 4 < outlen; s++)
		out[o++] = isprint((unsigned char)*s) ? *s : '?';
	if (*s != '\0')
		out[o++] = '.', out[o++] = '.', out[o++] = '.';
	out[o] = '\0';
}

static void choices_text(const char *const *choices, char *out, size_t outlen)
{
	size_t o = 0;

	out[0] = '\0';
	for (int i = 0; choices[i] != NULL && o < outlen; i++)
		o += (size_t)snprintf(out + o, outlen - o, "%s%s", i ? "|" : "", choices[i]);
}

static int check_one(struct fa_ctx *ctx, int row, long long *out)
{
	const struct fa_opt *o = &ctx->agent->opts[row];
	struct fa_value *v = &ctx->value[row];
	const char *s = v->str != NULL ? v->str : o->def;
	char shown[48], list[160];
	long long num = 0;
	int rc = 0;

	if (s == NULL) {
		if (o->flags & FA_REQUIRED) {
			fa_error(ctx, "missing required option %s", o->name);
			return -EINVAL;
		}
		*out = 0;
		return 0;
	}
	switch (o->type) {
	case FA_STRING:
		break;
	case FA_INTEGER:
		rc = parse_ll(s, &num);
		break;
	case FA_SECOND:
		rc = parse_seconds_ms(s, &num);
		break;
	case FA_BOOLEAN:
		rc = parse_boolean(s, &num);
		break;
	case FA_SELECT:
		rc = -EINVAL;
		for (int i = 0; o->choices[i] != NULL; i++)
			if (strcmp(s, o->choices[i]) == 0) {
				num = i;
				rc = 0;
			}
		break;
	}
	if (rc == 0 && (o->type == FA_INTEGER || o->type == FA_SECOND) &&
	    (num < o->min || num > o->max))
		rc = -ERANGE;
	if (rc < 0) {
		static const char *const expect[] = {
			[FA_STRING] = "text", [FA_INTEGER] = "an integer",
			[FA_SECOND] = "seconds", [FA_BOOLEAN] = "a boolean (1/0, yes/no, on/off, true/false)",
			[FA_SELECT] = "one of",
		};

		if (o->flags & FA_SECRET)
			strcpy(shown, "****");
		else
			quote_value(s, shown, sizeof(shown));
		if (o->type == FA_SELECT) {
			choices_text(o->choices, list, sizeof(list));
			fa_error(ctx, "invalid value '%s' for %s: expected one of %s",
				 shown, o->name, list);
		} else if (rc == -ERANGE && o->type == FA_SECOND) {
			fa_error(ctx, "invalid value '%s' for %s: expected %lld.%03lld to %lld.%03lld seconds",
				 shown, o->name, o->min / 1000, o->min % 1000,
				 o->max / 1000, o->max % 1000);
		} else if (rc == -ERANGE) {
			fa_error(ctx, "invalid value '%s' for %s: expected %lld to %lld",
				 shown, o->name, o->min, o->max);
		} else {
			fa_error(ctx, "invalid value '%s' for %s: expected %s",
				 shown, o->name, expect[o->type]);
		}
		return -EINVAL;
	}
	*out = num;
	return 0;
}

int fa_check(struct fa_ctx *ctx)
{
	long long num[FA_MAX_OPTS];

	/* All or nothing: value[].num changes only when every option passed. */
	for (int i = 0; i < ctx->nopts; i++) {
		num[i] = ctx->value[i].num;
		if (ctx->agent->opts[i].alias_of != NULL)
			continue;
		if (check_one(ctx, i, &num[i]) < 0)
			return -EINVAL;
	}
	for (int i = 0; i < ctx->nopts; i++)
		ctx->value[i].num = num[i];
	return 0;
}

const char *fa_str(const struct fa_ctx *ctx, int row)
{
	const char *s = ctx->value[row].str;

	if (s == NULL)
		s = ctx->agent->opts[row].def;
	return s == NULL ? "" : s;
}

long long fa_int(const struct fa_ctx *ctx, int row)
{
	return ctx->value[row].num;
}

bool fa_bool(const struct fa_ctx *ctx, int row)
{
	return ctx->value[row].num != 0;
}

bool fa_isset(const struct fa_ctx *ctx, int row)
{
	return ctx->value[row].set;
}

/* ---- meta-data and usage ------------------------------------------------ */

static void xml_text(FILE *out, const char *s)
{
	for (; *s != '\0'; s++) {
		switch (*s) {
		case '&': fputs("&amp;", out); break;
		case '<': fputs("&lt;", out); break;
		case '>': fputs("&gt;", out); break;
		case '"': fputs("&quot;", out); break;
		default: fputc(*s, out);
		}
	}
}

static const char *type_name(enum fa_type t)
{
	switch (t) {
	case FA_INTEGER: return "integer";
	case FA_SECOND: return "second";
	case FA_BOOLEAN: return "boolean";
	case FA_SELECT: return "select";
	default: return "string";
	}
}

/* "-a, --ip=[ip]" as fence-agents print it. */
static void getopt_text(const struct fa_opt *o, char *out, size_t len)
{
	size_t n = 0;

	out[0] = '\0';
	if (o->short_opt != 0)
		n += (size_t)snprintf(out, len, "-%c, ", o->short_opt);
	if (o->long_opt != NULL && n < len)
		n += (size_t)snprintf(out + n, len - n, "--%s", o->long_opt);
	if (o->arg != NULL && n < len)
		snprintf(out + n, len - n, "=[%s]", o->arg);
}

static const char *alias_for(const struct fa_agent *agent, const char *name)
{
	for (int i = 0; agent->opts[i].name != NULL; i++)
		if (agent->opts[i].alias_of != NULL &&
		    strcmp(agent->opts[i].alias_of, name) == 0)
			return agent->opts[i].name;
	return NULL;
}

void fa_metadata_write(const struct fa_agent *agent, FILE *out)
{
	char mixed[128];

	fputs("<?xml version=\"1.0\" ?>\n<resource-agent name=\"", out);
	xml_text(out, agent->name);
	fputs("\" shortdesc=\"", out);
	xml_text(out, agent->shortdesc);
	fputs("\" >\n<longdesc>", out);
	xml_text(out, agent->longdesc);
	fputs("</longdesc>\n<vendor-url>", out);
	xml_text(out, agent->vendor_url != NULL ? agent->vendor_url : "");
	fputs("</vendor-url>\n<parameters>\n", out);
	for (int i = 0; agent->opts[i].name != NULL; i++) {
		const struct fa_opt *row = &agent->opts[i];
		int p = primary_row(agent, i);
		const struct fa_opt *o = &agent->opts[p < 0 ? i : p];
		const char *obsoletes = row->alias_of == NULL ? alias_for(agent, row->name) : NULL;

		if (row->flags & FA_HIDDEN)
			continue;
		fprintf(out, "\t<parameter name=\"%s\" unique=\"0\" required=\"%d\"",
			row->name, (o->flags & FA_REQUIRED) && row->alias_of == NULL ? 1 : 0);
		if (row->alias_of != NULL)
			fputs(" deprecated=\"1\"", out);
		if (obsoletes != NULL)
			fprintf(out, " obsoletes=\"%s\"", obsoletes);
		fputs(">\n", out);
		getopt_text(o, mixed, sizeof(mixed));
		fputs("\t\t<getopt mixed=\"", out);
		xml_text(out, mixed);
		fprintf(out, "\" />\n\t\t<content type=\"%s\"", type_name(o->type));
		if (o->def != NULL) {
			fputs(" default=\"", out);
			xml_text(out, o->def);
			fputs("\"", out);
		}
		if (o->type == FA_SELECT) {
			fputs(" >\n", out);
			for (int c = 0; o->choices[c] != NULL; c++) {
				fputs("\t\t\t<option value=\"", out);
				xml_text(out, o->choices[c]);
				fputs("\" />\n", out);
			}
			fputs("\t\t</content>\n", out);
		} else {
			fputs(" />\n", out);
		}
		fputs("\t\t<shortdesc lang=\"en\">", out);
		xml_text(out, o->shortdesc);
		fputs("</shortdesc>\n\t</parameter>\n", out);
	}
	fputs("</parameters>\n<actions>\n", out);
	for (int i = 0; agent->actions[i].name != NULL; i++) {
		const struct fa_action *a = &agent->actions[i];

		if (a->flags & FA_A_HIDDEN)
			continue;
		fprintf(out, "\t<action name=\"%s\"%s />\n", a->name,
			(a->flags & FA_A_NOT_AUTOMATIC) ? " automatic=\"0\"" : "");
	}
	fputs("</actions>\n</resource-agent>\n", out);
}

void fa_usage_write(const struct fa_agent *agent, FILE *out)
{
	char mixed[128], list[160];

	fprintf(out, "Usage:\n\t%s [options]\n\t%s < key=value lines on stdin\nOptions:\n",
		agent->name, agent->name);
	for (int i = 0; agent->opts[i].name != NULL; i++) {
		const struct fa_opt *o = &agent->opts[i];

		if (o->alias_of != NULL || (o->flags & FA_HIDDEN) || o->long_opt == NULL)
			continue;
		getopt_text(o, mixed, sizeof(mixed));
		fprintf(out, "   %-30s %s", mixed, o->shortdesc);
		if (o->type == FA_SELECT) {
			choices_text(o->choices, list, sizeof(list));
			fprintf(out, " (%s)", list);
		}
		if (o->def != NULL && *o->def != '\0')
			fprintf(out, " (default %s)", o->def);
		fputc('\n', out);
	}
	fputs("Actions (-o):\n", out);
	for (int i = 0; agent->actions[i].name != NULL; i++) {
		const struct fa_action *a = &agent->actions[i];

		if (!(a->flags & FA_A_HIDDEN))
			fprintf(out, "   %-30s %s\n", a->name, a->help != NULL ? a->help : "");
	}
	fputs("Exit codes: 0 success (status: on), 2 status off, 1 failure.\n"
	      "With no arguments, options are read from stdin as key=value lines\n"
	      "(the names in the meta-data), which is how Pacemaker runs fence agents.\n",
	      out);
}

/* ---- the agent -------------------------------------------------------- */

int fa_exit_code(enum fa_result r)
{
	switch (r) {
	case FA_RES_OK:
		return 0;
	case FA_RES_OFF:
		return 2;
	default:
		return 1;
	}
}

static const struct fa_action *action_find(const struct fa_agent *agent, const char *name)
{
	for (int i = 0; agent->actions[i].name != NULL; i++)
		if (strcmp(agent->actions[i].name, name) == 0)
			return &agent->actions[i];
	return NULL;
}

static bool flag_set(const struct fa_ctx *ctx, const char *name)
{
	int row = row_by_name(ctx->agent, name);
	long long v = 0;

	if (row < 0 || ctx->value[row].str == NULL)
		return false;
	return parse_boolean(ctx->value[row].str, &v) == 0 && v != 0;
}

static void log_setup(struct fa_ctx *ctx)
{
	int row = row_by_name(ctx->agent, "debug_file");

	if (ctx->verbose == 0 && flag_set(ctx, "verbose"))
		ctx->verbose = 1;
	qb_log_filter_ctl(QB_LOG_STDERR, QB_LOG_FILTER_CLEAR_ALL, QB_LOG_FILTER_FILE, "*", 0);
	if (!flag_set(ctx, "quiet"))
		qb_log_filter_ctl(QB_LOG_STDERR, QB_LOG_FILTER_ADD, QB_LOG_FILTER_FILE, "*",
				  ctx->verbose > 0 ? LOG_DEBUG : LOG_NOTICE);
	if (row >= 0 && ctx->value[row].str != NULL && *ctx->value[row].str != '\0') {
		int t = qb_log_file_open(ctx->value[row].str);

		if (t < 0) {
			vg_warn("cannot open debug file %s: %s", ctx->value[row].str,
				strerror(-t));
		} else {
			qb_log_filter_ctl(t, QB_LOG_FILTER_ADD, QB_LOG_FILTER_FILE, "*", LOG_DEBUG);
			qb_log_format_set(t, "%t %N[%P]: %p: %b");
			qb_log_ctl(t, QB_LOG_CONF_ENABLED, QB_TRUE);
		}
	}
}

static void register_secrets(const struct fa_ctx *ctx)
{
	for (int i = 0; i < ctx->nopts; i++) {
		const struct fa_opt *o = &ctx->agent->opts[i];

		if (!(o->flags & FA_SECRET) || ctx->value[i].str == NULL)
			continue;
		vg_log_add_secret(ctx->value[i].str);
		if (ctx->value[i].from_argv && (o->flags & FA_ARGV_WARN))
			vg_warn("%s was given on the command line, where every user "
				"can read it (ps); pass it on stdin, or use "
				"password_script or password_file", o->name);
	}
}

int fa_read_options(struct fa_ctx *ctx, int argc, char **argv, FILE *in)
{
	int rc = argc > 1 ? fa_parse_argv(ctx, argc, argv) : fa_parse_stdin(ctx, in);

	register_secrets(ctx);
	return rc;
}

enum fa_next fa_prepare(struct fa_ctx *ctx)
{
	const struct fa_agent *agent = ctx->agent;
	int row = row_by_name(agent, "action");
	const char *name;
	bool validate;
	int rc;

	if (flag_set(ctx, "help"))
		return FA_NEXT_HELP;
	if (flag_set(ctx, "version"))
		return FA_NEXT_VERSION;
	name = row >= 0 ? fa_str(ctx, row) : "";
	ctx->action = action_find(agent, name);
	if (ctx->action == NULL) {
		char shown[48];

		quote_value(name, shown, sizeof(shown));
		fa_error(ctx, "unknown action '%s': see --help", shown);
		return FA_NEXT_FAIL;
	}
	validate = !(ctx->action->flags & FA_A_NO_VALIDATE);
	rc = fa_check(ctx);
	if (rc == 0 && validate && agent->validate != NULL)
		rc = agent->validate(ctx);
	return rc < 0 && validate ? FA_NEXT_FAIL : FA_NEXT_ACTION;
}

int fa_main(const struct fa_agent *agent, int argc, char **argv, void *priv)
{
	struct fa_ctx ctx;
	enum fa_result res = FA_RES_FAIL;
	int rc;

	vg_log_init(agent->name, NULL, LOG_NOTICE);
	if (fa_ctx_init(&ctx, agent) < 0) {
		vg_err("option table too large");
		goto out;
	}
	ctx.priv = priv;
	rc = fa_read_options(&ctx, argc, argv, stdin);
	log_setup(&ctx);
	if (rc < 0) {
		vg_err("%s", ctx.error);
		goto out;
	}
	switch (fa_prepare(&ctx)) {
	case FA_NEXT_HELP:
		fa_usage_write(agent, stdout);
		res = FA_RES_OK;
		goto out;
	case FA_NEXT_VERSION:
		printf("%s %s\n", agent->name, agent->version);
		res = FA_RES_OK;
		goto out;
	case FA_NEXT_FAIL:
		vg_err("%s", ctx.error);
		goto out;
	case FA_NEXT_ACTION:
		break;
	}
	vg_debug("action %s", ctx.action->name);
	res = ctx.action->fn(&ctx);
out:
	fflush(stdout);
	fa_ctx_free(&ctx);
	vg_log_fini();
	return fa_exit_code(res);
}
