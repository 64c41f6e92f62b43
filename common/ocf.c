#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "log.h"
#include "ocf.h"

int ocf_parse_bool(const char *s, bool *out)
{
	static const char *const yes[] = { "1", "yes", "y", "true", "on", NULL };
	static const char *const no[] = { "0", "no", "n", "false", "off", NULL };

	if (s == NULL)
		return -EINVAL;
	for (int i = 0; yes[i] != NULL; i++) {
		if (strcasecmp(s, yes[i]) == 0) {
			*out = true;
			return 0;
		}
	}
	for (int i = 0; no[i] != NULL; i++) {
		if (strcasecmp(s, no[i]) == 0) {
			*out = false;
			return 0;
		}
	}
	return -EINVAL;
}

int ocf_parse_int(const char *s, long long min, long long max, long long *out)
{
	char *end = NULL;
	long long v;

	if (s == NULL || *s == '\0')
		return -EINVAL;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno == ERANGE)
		return -ERANGE;
	if (errno != 0 || end == s || *end != '\0')
		return -EINVAL;
	if (v < min || v > max)
		return -ERANGE;
	*out = v;
	return 0;
}

static const struct ocf_action *find_action(const struct ocf_agent *agent,
					    const char *name)
{
	for (const struct ocf_action *a = agent->actions; a->name != NULL; a++) {
		if (strcmp(a->name, name) == 0)
			return a;
	}
	return NULL;
}

static void set_reason(struct ocf_ctx *ctx, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void set_reason(struct ocf_ctx *ctx, const char *fmt, ...)
{
	va_list ap;

	/* Masked like every other reason: a secret can hide in any value. */
	va_start(ap, fmt);
	vg_log_vmask(fmt, ap, ctx->reason, sizeof(ctx->reason));
	va_end(ap);
}

static enum ocf_exitcode load_param(struct ocf_ctx *ctx, int i,
				    const struct ocf_param *p, ocf_getenv_fn get)
{
	char var[128];
	const char *text;
	struct ocf_value v = { 0 };

	snprintf(var, sizeof(var), "OCF_RESKEY_%s", p->name);
	text = get(var);
	/* Pacemaker exports only configured parameters; an empty value is
	 * treated as unset so that "param x=" falls back to the default. */
	if (text != NULL && *text != '\0') {
		v.str = text;
		v.set = true;
	} else if (p->flags & OCF_P_REQUIRED) {
		set_reason(ctx, "required parameter '%s' is not set", p->name);
		return PCMK_OCF_INVALID_PARAM;
	} else {
		v.str = p->def;
	}

	if (p->flags & OCF_P_SECRET && v.set)
		vg_log_add_secret(v.str);

	if (v.str != NULL) {
		switch (p->type) {
		case OCF_PARAM_INTEGER:
			if (ocf_parse_int(v.str, p->min, p->max, &v.num) != 0) {
				set_reason(ctx, "parameter '%s' must be an integer "
					   "from %lld to %lld, not '%s'",
					   p->name, p->min, p->max,
					   p->flags & OCF_P_SECRET ? "****" : v.str);
				return PCMK_OCF_NOT_CONFIGURED;
			}
			break;
		case OCF_PARAM_BOOLEAN: {
			bool b = false;

			if (ocf_parse_bool(v.str, &b) != 0) {
				set_reason(ctx, "parameter '%s' must be a boolean "
					   "(true/false, yes/no, 1/0), not '%s'",
					   p->name, p->flags & OCF_P_SECRET ? "****" : v.str);
				return PCMK_OCF_NOT_CONFIGURED;
			}
			v.num = b;
			break;
		}
		case OCF_PARAM_STRING:
			break;
		}
	}
	ctx->value[i] = v;
	return PCMK_OCF_OK;
}

static int parse_check_level(const char *s, int *out)
{
	long long v;

	if (s == NULL || *s == '\0') {
		*out = 0;
		return 0;
	}
	if (ocf_parse_int(s, 0, 1000, &v) != 0)
		return -EINVAL;
	/* OCF depths are 0, 10 and 20; round an odd value down. */
	*out = v >= 20 ? 20 : v >= 10 ? 10 : 0;
	return 0;
}

enum ocf_exitcode ocf_load(struct ocf_ctx *ctx, const struct ocf_agent *agent,
			   const char *action, ocf_getenv_fn get)
{
	struct ocf_ctx c;
	const char *s;
	long long ms;
	enum ocf_exitcode rc;
	int i;

	memset(&c, 0, sizeof(c));
	c.agent = agent;
	c.action = find_action(agent, action);
	s = get("OCF_RESOURCE_INSTANCE");
	c.instance = (s != NULL && *s != '\0') ? s : agent->name;

	for (i = 0; agent->params[i].name != NULL; i++) {
		if (i == OCF_MAX_PARAMS) {
			set_reason(ctx, "agent table has more than %d parameters",
				   OCF_MAX_PARAMS);
			return PCMK_OCF_UNKNOWN_ERROR;
		}
		rc = load_param(&c, i, &agent->params[i], get);
		if (rc != PCMK_OCF_OK) {
			memcpy(ctx->reason, c.reason, sizeof(ctx->reason));
			return rc;
		}
	}

	c.timeout_ms = c.action != NULL ? (long long)c.action->timeout_s * 1000 : 20000;
	s = get("OCF_RESKEY_CRM_meta_timeout");
	if (s != NULL && *s != '\0') {
		if (vg_parse_ms(s, &ms) != 0 || ms == 0) {
			set_reason(ctx, "OCF_RESKEY_CRM_meta_timeout must be a positive "
				   "number of milliseconds, not '%s'", s);
			return PCMK_OCF_NOT_CONFIGURED;
		}
		c.timeout_ms = ms;
	}

	s = get("OCF_RESKEY_CRM_meta_interval");
	if (s != NULL && *s != '\0') {
		if (vg_parse_ms(s, &ms) != 0) {
			set_reason(ctx, "OCF_RESKEY_CRM_meta_interval must be a number "
				   "of milliseconds, not '%s'", s);
			return PCMK_OCF_NOT_CONFIGURED;
		}
		c.interval_ms = ms;
		c.probe = ms == 0 && strcmp(action, "monitor") == 0;
	}

	s = get("OCF_CHECK_LEVEL");
	if (s == NULL || *s == '\0')
		s = get("OCF_RESKEY_OCF_CHECK_LEVEL");
	if (parse_check_level(s, &c.check_level) != 0) {
		set_reason(ctx, "OCF_CHECK_LEVEL must be 0, 10 or 20, not '%s'", s);
		return PCMK_OCF_NOT_CONFIGURED;
	}

	vg_deadline_in_ms(&c.deadline, vg_deadline_budget_ms(c.timeout_ms));
	*ctx = c;
	return PCMK_OCF_OK;
}

static void xml_escaped(FILE *out, const char *s)
{
	for (; s != NULL && *s != '\0'; s++) {
		switch (*s) {
		case '<': fputs("&lt;", out); break;
		case '>': fputs("&gt;", out); break;
		case '&': fputs("&amp;", out); break;
		case '"': fputs("&quot;", out); break;
		default: fputc(*s, out);
		}
	}
}

static const char *type_name(enum ocf_param_type t)
{
	switch (t) {
	case OCF_PARAM_INTEGER: return "integer";
	case OCF_PARAM_BOOLEAN: return "boolean";
	case OCF_PARAM_STRING: break;
	}
	return "string";
}

void ocf_metadata_write(const struct ocf_agent *agent, FILE *out)
{
	fputs("<?xml version=\"1.0\"?>\n"
	      "<!DOCTYPE resource-agent SYSTEM \"ra-api-1.dtd\">\n", out);
	fprintf(out, "<resource-agent name=\"%s\" version=\"%s\">\n",
		agent->name, agent->version);
	fputs("<version>1.0</version>\n<longdesc lang=\"en\">\n", out);
	xml_escaped(out, agent->longdesc);
	fputs("\n</longdesc>\n<shortdesc lang=\"en\">", out);
	xml_escaped(out, agent->shortdesc);
	fputs("</shortdesc>\n\n<parameters>\n", out);
	for (const struct ocf_param *p = agent->params; p->name != NULL; p++) {
		fprintf(out, "<parameter name=\"%s\" unique=\"%d\" required=\"%d\">\n",
			p->name, (p->flags & OCF_P_UNIQUE) ? 1 : 0,
			(p->flags & OCF_P_REQUIRED) ? 1 : 0);
		fputs("<longdesc lang=\"en\">\n", out);
		xml_escaped(out, p->longdesc);
		if (p->type == OCF_PARAM_INTEGER)
			fprintf(out, "\nRange: %lld to %lld.", p->min, p->max);
		if (p->flags & OCF_P_RELOADABLE)
			fputs("\nChanging it takes effect through the reload action.", out);
		fputs("\n</longdesc>\n<shortdesc lang=\"en\">", out);
		xml_escaped(out, p->shortdesc);
		fprintf(out, "</shortdesc>\n<content type=\"%s\"", type_name(p->type));
		if (p->def != NULL) {
			fputs(" default=\"", out);
			xml_escaped(out, p->def);
			fputc('"', out);
		}
		fputs(" />\n</parameter>\n", out);
	}
	fputs("</parameters>\n\n<actions>\n", out);
	for (const struct ocf_action *a = agent->actions; a->name != NULL; a++) {
		fprintf(out, "<action name=\"%s\" timeout=\"%us\"", a->name, a->timeout_s);
		if (a->interval_s > 0)
			fprintf(out, " interval=\"%us\"", a->interval_s);
		if (a->depth >= 0 && strcmp(a->name, "monitor") == 0)
			fprintf(out, " depth=\"%d\"", a->depth);
		fputs(" />\n", out);
	}
	fputs("</actions>\n</resource-agent>\n", out);
}

void ocf_usage_write(const struct ocf_agent *agent, FILE *out)
{
	const char *sep = "";

	fprintf(out, "usage: %s {", agent->name);
	for (const struct ocf_action *a = agent->actions; a->name != NULL; a++) {
		fprintf(out, "%s%s", sep, a->name);
		sep = "|";
	}
	fprintf(out, "}\n\n%s\n\nParameters (set as OCF_RESKEY_<name>):\n",
		agent->shortdesc);
	for (const struct ocf_param *p = agent->params; p->name != NULL; p++) {
		fprintf(out, "  %-20s %s%s%s%s\n", p->name, p->shortdesc,
			p->def != NULL ? " [default: " : "",
			p->def != NULL ? p->def : "",
			p->def != NULL ? "]" : (p->flags & OCF_P_REQUIRED ? " (required)" : ""));
	}
	fputs("\nOCF_CHECK_LEVEL selects the monitor depth (0, 10 or 20); see the "
	      "agent's man page.\n", out);
}

void ocf_exit_reason(struct ocf_ctx *ctx, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vg_log_vmask(fmt, ap, ctx->reason, sizeof(ctx->reason));
	va_end(ap);
}

const char *ocf_exit_name(int rc)
{
	switch (rc) {
	case PCMK_OCF_OK: return "OCF_SUCCESS";
	case PCMK_OCF_UNKNOWN_ERROR: return "OCF_ERR_GENERIC";
	case PCMK_OCF_INVALID_PARAM: return "OCF_ERR_ARGS";
	case PCMK_OCF_UNIMPLEMENT_FEATURE: return "OCF_ERR_UNIMPLEMENTED";
	case PCMK_OCF_INSUFFICIENT_PRIV: return "OCF_ERR_PERM";
	case PCMK_OCF_NOT_INSTALLED: return "OCF_ERR_INSTALLED";
	case PCMK_OCF_NOT_CONFIGURED: return "OCF_ERR_CONFIGURED";
	case PCMK_OCF_NOT_RUNNING: return "OCF_NOT_RUNNING";
	case PCMK_OCF_RUNNING_PROMOTED: return "OCF_RUNNING_PROMOTED";
	case PCMK_OCF_FAILED_PROMOTED: return "OCF_FAILED_PROMOTED";
	case PCMK_OCF_DEGRADED: return "OCF_DEGRADED";
	case PCMK_OCF_DEGRADED_PROMOTED: return "OCF_DEGRADED_PROMOTED";
	default: return "OCF_UNKNOWN";
	}
}

static const char *real_getenv(const char *name)
{
	return getenv(name);
}

static int finish(struct ocf_ctx *ctx, const char *action, enum ocf_exitcode rc)
{
	if (ctx->reason[0] != '\0') {
		if (rc != PCMK_OCF_OK)
			vg_log(rc == PCMK_OCF_NOT_RUNNING || rc == PCMK_OCF_DEGRADED ?
			       LOG_WARNING : LOG_ERR, "%s: %s", action, ctx->reason);
		if (rc != PCMK_OCF_OK && rc != PCMK_OCF_NOT_RUNNING)
			fprintf(stderr, "ocf-exit-reason:%s\n", ctx->reason);
	}
	vg_debug("%s: %s (%d)", action, ocf_exit_name(rc), rc);
	vg_log_fini();
	return rc;
}

int ocf_main(const struct ocf_agent *agent, int argc, char **argv)
{
	struct ocf_ctx *ctx;
	const char *action;
	enum ocf_exitcode rc;
	const char *instance;
	int status;

	if (argc != 2) {
		ocf_usage_write(agent, stderr);
		return PCMK_OCF_INVALID_PARAM;
	}
	action = argv[1];
	if (strcmp(action, "meta-data") == 0) {
		ocf_metadata_write(agent, stdout);
		return fflush(stdout) == 0 ? PCMK_OCF_OK : PCMK_OCF_UNKNOWN_ERROR;
	}
	if (strcmp(action, "usage") == 0 || strcmp(action, "help") == 0 ||
	    strcmp(action, "--help") == 0 || strcmp(action, "-h") == 0) {
		ocf_usage_write(agent, stdout);
		return PCMK_OCF_OK;
	}
	if (strcmp(action, "--version") == 0 || strcmp(action, "-V") == 0) {
		printf("%s (vmguard) %s\n", agent->name, agent->version);
		return PCMK_OCF_OK;
	}

	/* pacemaker-execd may hand us SIGCHLD ignored; then our children are
	 * reaped by the kernel and waitpid() cannot see how they exited. */
	signal(SIGCHLD, SIG_DFL);

	ctx = calloc(1, sizeof(*ctx));
	if (ctx == NULL) {
		fprintf(stderr, "ocf-exit-reason:out of memory\n");
		return PCMK_OCF_UNKNOWN_ERROR;
	}
	instance = getenv("OCF_RESOURCE_INSTANCE");
	vg_log_init(agent->name, instance, LOG_INFO);

	if (find_action(agent, action) == NULL) {
		ocf_usage_write(agent, stderr);
		ocf_exit_reason(ctx, "unknown action '%s'", action);
		status = finish(ctx, action, PCMK_OCF_UNIMPLEMENT_FEATURE);
		goto out;
	}

	rc = ocf_load(ctx, agent, action, real_getenv);
	if (rc != PCMK_OCF_OK) {
		status = finish(ctx, action, rc);
		goto out;
	}
	if (!(ctx->action->flags & OCF_A_NO_VALIDATE) && agent->validate != NULL) {
		rc = agent->validate(ctx);
		if (rc != PCMK_OCF_OK || ctx->action->fn == NULL) {
			status = finish(ctx, action, rc);
			goto out;
		}
	}
	rc = ctx->action->fn != NULL ? ctx->action->fn(ctx) : PCMK_OCF_OK;
	status = finish(ctx, action, rc);
out:
	free(ctx);
	return status;
}
