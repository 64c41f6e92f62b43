/* OCF resource agents driven by one table per agent.
 *
 * An agent is a `struct ocf_agent`: its parameters and actions as arrays.
 * From that table this module generates the meta-data XML (valid against
 * resource-agents' ra-api-1.dtd), reads OCF_RESKEY_<name> into typed values
 * with defaults, validates types, ranges and required parameters, prints
 * usage, and dispatches the action.  Exit codes are Pacemaker's
 * enum ocf_exitcode, decided only in ocf_main().
 */
#ifndef VG_OCF_H
#define VG_OCF_H

#include <stdbool.h>
#include <stdio.h>

#include <crm/common/results.h>

#include "deadline.h"

enum ocf_param_type {
	OCF_PARAM_STRING,
	OCF_PARAM_INTEGER,
	OCF_PARAM_BOOLEAN,
};

enum ocf_param_flags {
	OCF_P_REQUIRED = 1 << 0,	/* must be set; no default */
	OCF_P_UNIQUE = 1 << 1,		/* unique="1" in meta-data */
	OCF_P_SECRET = 1 << 2,		/* never logged or echoed */
	OCF_P_RELOADABLE = 1 << 3,	/* change applied by "reload" */
};

struct ocf_param {
	const char *name;
	enum ocf_param_type type;
	const char *def;		/* default as text, NULL for none */
	unsigned flags;
	long long min, max;		/* integers: inclusive range */
	const char *shortdesc;
	const char *longdesc;
};

struct ocf_ctx;
typedef enum ocf_exitcode (*ocf_action_fn)(struct ocf_ctx *ctx);

enum ocf_action_flags {
	OCF_A_NO_VALIDATE = 1 << 0,	/* runs without parameter validation */
};

struct ocf_action {
	const char *name;
	ocf_action_fn fn;
	unsigned timeout_s;		/* advertised default timeout */
	unsigned interval_s;		/* monitor: advertised interval */
	int depth;			/* monitor: OCF_CHECK_LEVEL, -1 none */
	unsigned flags;
};

struct ocf_agent {
	const char *name;		/* as in ocf:vmguard:<name> */
	const char *version;
	const char *shortdesc;
	const char *longdesc;
	const struct ocf_param *params;	/* terminated by name == NULL */
	const struct ocf_action *actions;	/* terminated by name == NULL */
	/* Checks beyond types and ranges (files exist, values consistent).
	 * Runs before every action except meta-data and usage. */
	enum ocf_exitcode (*validate)(struct ocf_ctx *ctx);
};

#define OCF_MAX_PARAMS 32

struct ocf_value {
	const char *str;		/* text as given, or the default */
	long long num;			/* integer and boolean parameters */
	bool set;			/* given by the user (not defaulted) */
};

struct ocf_ctx {
	const struct ocf_agent *agent;
	const struct ocf_action *action;
	const char *instance;		/* OCF_RESOURCE_INSTANCE */
	struct ocf_value value[OCF_MAX_PARAMS];
	long long timeout_ms;		/* OCF_RESKEY_CRM_meta_timeout or default */
	long long interval_ms;		/* OCF_RESKEY_CRM_meta_interval */
	int check_level;		/* OCF_CHECK_LEVEL: 0, 10 or 20 */
	bool probe;			/* monitor with interval 0 */
	struct vg_deadline deadline;	/* when this action must have answered */
	char reason[512];		/* set by ocf_exit_reason() */
};

/* Look up a parameter's value; index is the row in the agent's table. */
static inline const char *ocf_str(const struct ocf_ctx *ctx, int i)
{
	return ctx->value[i].str;
}
static inline long long ocf_int(const struct ocf_ctx *ctx, int i)
{
	return ctx->value[i].num;
}
static inline bool ocf_bool(const struct ocf_ctx *ctx, int i)
{
	return ctx->value[i].num != 0;
}

/* Environment lookup, injectable for tests. */
typedef const char *(*ocf_getenv_fn)(const char *name);

/* Parse a boolean the way Pacemaker does (yes/no, true/false, on/off, 1/0,
 * y/n, case-insensitive).  Writes *out only on success; -EINVAL otherwise. */
int ocf_parse_bool(const char *s, bool *out);

/* Parse a decimal integer in [min, max].  Writes *out only on success;
 * -EINVAL (not a number) or -ERANGE. */
int ocf_parse_int(const char *s, long long min, long long max, long long *out);

/* Fill ctx from the environment: parameters (with defaults), timeout,
 * interval, check level, instance.  On a bad value returns
 * PCMK_OCF_NOT_CONFIGURED (or PCMK_OCF_INVALID_PARAM for a missing required
 * parameter) with ctx->reason set; ctx->value is complete only on success. */
enum ocf_exitcode ocf_load(struct ocf_ctx *ctx, const struct ocf_agent *agent,
			   const char *action, ocf_getenv_fn get);

/* Write the agent's meta-data. */
void ocf_metadata_write(const struct ocf_agent *agent, FILE *out);

/* Usage text for --help and unknown actions. */
void ocf_usage_write(const struct ocf_agent *agent, FILE *out);

/* Record the exit reason (printed once as "ocf-exit-reason:<text>" on
 * stderr when the action returns) and log it.  Secrets are masked. */
void ocf_exit_reason(struct ocf_ctx *ctx, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Human name of an OCF exit code: "OCF_NOT_RUNNING" etc. */
const char *ocf_exit_name(int rc);

/* The whole agent: parse argv, dispatch, print the exit reason, return the
 * process exit code. */
int ocf_main(const struct ocf_agent *agent, int argc, char **argv);

#endif
