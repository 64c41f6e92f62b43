/* Fence agents driven by one option table, the fence-agents way.
 *
 * Like fence_virt's _arg_info[] array, one `struct fa_opt` table per agent
 * drives everything an operator or Pacemaker sees:
 *
 *   - stdin (no arguments): "key=value" lines, '#' comments and blank lines
 *     skipped, one pair of surrounding double quotes stripped, '-' in a key
 *     read as '_', the last value wins, unknown keys ignored (with a
 *     warning naming the key, never the value); a line that is not
 *     key=value, a key with characters no option can have, a NUL byte, or
 *     more than FA_STDIN_MAX bytes is rejected with the line number;
 *   - argv: getopt_long() with the short and long options of the table;
 *   - --help / usage text, and the meta-data XML (valid against
 *     fence-agents' metadata.rng; deprecated aliases such as ipaddr, login,
 *     passwd and port appear as fence-agents prints them);
 *   - validation: types (string, integer, second, boolean, select),
 *     ranges, select values, required options.
 *
 * Exit codes follow fence-agents and are decided only in fa_main():
 * 0 success (status: on), 2 status "off", 1 everything else.
 */
#ifndef VG_FENCEAGENT_H
#define VG_FENCEAGENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#define FA_MAX_OPTS	64
#define FA_STDIN_MAX	(64 * 1024)	/* Pacemaker sends well under 4 KiB */
#define FA_ERROR_LEN	256

enum fa_type {
	FA_STRING,
	FA_INTEGER,
	FA_SECOND,	/* seconds, fractions allowed; the value is kept in ms */
	FA_BOOLEAN,	/* a flag on the command line */
	FA_SELECT,	/* one of choices[] */
};

enum fa_opt_flags {
	FA_REQUIRED = 1 << 0,	/* required="1": must be set or defaulted */
	FA_SECRET = 1 << 1,	/* never logged, echoed or put in an error */
	FA_ARGV_WARN = 1 << 2,	/* warn when given on the command line */
	FA_HIDDEN = 1 << 3,	/* stdin only; not in meta-data or usage */
	FA_IGNORED = 1 << 4,	/* accepted for compatibility, no effect */
	FA_COUNT = 1 << 5,	/* boolean flag that counts repeats (-vvv) */
};

struct fa_opt {
	const char *name;		/* stdin key, meta-data name */
	const char *alias_of;		/* deprecated name of another row, or NULL */
	char short_opt;			/* 0: none */
	const char *long_opt;		/* NULL: stdin only */
	const char *arg;		/* "[ip]" placeholder in --help, NULL: none */
	enum fa_type type;
	const char *def;		/* default as text, NULL: none */
	unsigned flags;
	long long min, max;		/* integer: inclusive range (ms for seconds) */
	const char *const *choices;	/* select: NULL-terminated */
	const char *shortdesc;
};

/* How an action ended; fa_main() turns it into the exit code. */
enum fa_result {
	FA_RES_OK = 0,		/* done (status: power is on) */
	FA_RES_OFF,		/* status: power is off (exit 2) */
	FA_RES_FAIL,		/* failed (exit 1) */
	FA_RES_TIMEOUT,		/* failed because a deadline passed (exit 1) */
};

struct fa_ctx;
typedef enum fa_result (*fa_action_fn)(struct fa_ctx *ctx);

enum fa_action_flags {
	FA_A_NO_VALIDATE = 1 << 0,	/* runs without option validation */
	FA_A_NOT_AUTOMATIC = 1 << 1,	/* automatic="0" in meta-data (on) */
	FA_A_HIDDEN = 1 << 2,		/* alias, not listed in meta-data */
};

struct fa_action {
	const char *name;
	fa_action_fn fn;
	unsigned flags;
	const char *help;		/* one line for --help */
};

struct fa_agent {
	const char *name;
	const char *version;
	const char *shortdesc;
	const char *longdesc;
	const char *vendor_url;
	const struct fa_opt *opts;		/* terminated by name == NULL */
	const struct fa_action *actions;	/* terminated by name == NULL */
	/* Checks beyond types (consistency, files); 0 or -EINVAL with
	 * fa_error() called.  Runs before every action but metadata. */
	int (*validate)(struct fa_ctx *ctx);
};

struct fa_value {
	char *str;		/* as given (owned), or NULL: use the default */
	long long num;		/* integer, second (ms), boolean, select index */
	bool set;		/* given by the user */
	bool from_argv;		/* given on the command line */
};

struct fa_ctx {
	const struct fa_agent *agent;
	const struct fa_action *action;
	int nopts;
	struct fa_value value[FA_MAX_OPTS];
	int verbose;		/* -v count or verbose=1 */
	char error[FA_ERROR_LEN];
	void *priv;		/* the agent's own state */
};

/* ---- setup and parsing (exposed for unit tests and the fuzzer) ---- */

/* 0, or -E2BIG when the table has more than FA_MAX_OPTS rows. */
int fa_ctx_init(struct fa_ctx *ctx, const struct fa_agent *agent);
/* Frees every value; secrets are wiped first. */
void fa_ctx_free(struct fa_ctx *ctx);

/* Row of an option name or alias ('-' read as '_'); the row of the option
 * an alias stands for.  -1 when unknown. */
int fa_opt_find(const struct fa_agent *agent, const char *name);

/* Parse a stdin buffer.  0, or -EINVAL / -E2BIG with ctx->error set
 * (a line number and what was wrong, never the value). */
int fa_parse_stdin_buf(struct fa_ctx *ctx, const char *buf, size_t len);
/* Read all of in (at most FA_STDIN_MAX bytes) and parse it. */
int fa_parse_stdin(struct fa_ctx *ctx, FILE *in);
/* Parse the command line.  0, or -EINVAL with ctx->error set. */
int fa_parse_argv(struct fa_ctx *ctx, int argc, char **argv);

/* Apply defaults, check types, ranges, select values and required
 * options, fill value[].num.  0, or -EINVAL with ctx->error set. */
int fa_check(struct fa_ctx *ctx);

/* Set an option as if it came from stdin (for agent-side derivations
 * such as port_as_ip).  0 or -EINVAL / -ENOMEM. */
int fa_set(struct fa_ctx *ctx, int row, const char *value);

/* Values, after fa_check().  fa_str() returns "" for an unset option
 * without a default. */
const char *fa_str(const struct fa_ctx *ctx, int row);
long long fa_int(const struct fa_ctx *ctx, int row);
bool fa_bool(const struct fa_ctx *ctx, int row);
bool fa_isset(const struct fa_ctx *ctx, int row);

/* Record an error message for the user (secrets masked when printed). */
void fa_error(struct fa_ctx *ctx, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* ---- output ---- */

void fa_metadata_write(const struct fa_agent *agent, FILE *out);
void fa_usage_write(const struct fa_agent *agent, FILE *out);

/* ---- the steps before the action (fa_main() and the fuzzer) ---- */

/* Read the options the way an invocation does: from argv when there are
 * arguments (argc > 1), from in otherwise; then register every secret
 * value with the log (vg_log_add_secret()), also when parsing failed part
 * way.  0, or a negative errno with ctx->error set. */
int fa_read_options(struct fa_ctx *ctx, int argc, char **argv, FILE *in);

enum fa_next {
	FA_NEXT_FAIL,		/* ctx->error says why */
	FA_NEXT_HELP,		/* help was asked for */
	FA_NEXT_VERSION,	/* version was asked for */
	FA_NEXT_ACTION,		/* ctx->action is set; unless it is
				 * FA_A_NO_VALIDATE, fa_check() and the
				 * agent's validate passed */
};

/* After fa_read_options(): help or version, else find the action, check
 * the options and run the agent's validate.  Writes nothing. */
enum fa_next fa_prepare(struct fa_ctx *ctx);

/* The whole agent: parse stdin or argv, handle help/version/metadata,
 * validate, run the action; returns the process exit code.  priv becomes
 * ctx->priv (the agent's own state). */
int fa_main(const struct fa_agent *agent, int argc, char **argv, void *priv);

/* Exit code for a result (0, 1 or 2), the one place they are decided. */
int fa_exit_code(enum fa_result r);

#endif
