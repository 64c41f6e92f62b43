/* Unit tests for common/ocf.c: value parsing, ocf_load() against a test
 * agent table with an injected environment, meta-data, exit names and
 * exit reasons. */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "log.h"
#include "ocf.h"

#define RA_API_DTD "/usr/share/resource-agents/ra-api-1.dtd"

/* --- the test agent ----------------------------------------------------- */

enum {
	P_NAME,
	P_HOST,
	P_PORT,
	P_VERIFY,
	P_PASSWORD,
	P_PIN,
	P_RETRIES,
	P_LABEL,
};

static const struct ocf_param params[] = {
	[P_NAME] = { "name", OCF_PARAM_STRING, NULL, OCF_P_REQUIRED | OCF_P_UNIQUE, 0, 0,
		"Instance <name>",
		"Use <name> & \"quotes\" > everything else." },
	[P_HOST] = { "host", OCF_PARAM_STRING, "localhost", 0, 0, 0,
		"Host", "The host to talk to." },
	[P_PORT] = { "port", OCF_PARAM_INTEGER, "2633", 0, 1, 65535,
		"Port", "TCP port." },
	[P_VERIFY] = { "verify", OCF_PARAM_BOOLEAN, "true", OCF_P_RELOADABLE, 0, 0,
		"Verify", "Verify the peer." },
	[P_PASSWORD] = { "password", OCF_PARAM_STRING, NULL, OCF_P_SECRET, 0, 0,
		"Password", "The password." },
	[P_PIN] = { "pin", OCF_PARAM_INTEGER, NULL, OCF_P_SECRET, 0, 9999,
		"PIN", "A secret number." },
	[P_RETRIES] = { "retries", OCF_PARAM_INTEGER, NULL, 0, 0, 10,
		"Retries", "How often to retry." },
	[P_LABEL] = { "label", OCF_PARAM_STRING, "a<b&c\"d", 0, 0, 0,
		"Label", "Free text." },
	{ NULL, 0, NULL, 0, 0, 0, NULL, NULL },
};

static const struct ocf_action actions[] = {
	{ "start", NULL, 60, 0, -1, 0 },
	{ "stop", NULL, 30, 0, -1, 0 },
	{ "monitor", NULL, 20, 10, 0, 0 },
	{ "monitor", NULL, 40, 60, 10, 0 },
	{ "reload", NULL, 15, 0, 5, 0 },	/* depth ignored: not a monitor */
	{ "meta-data", NULL, 5, 0, -1, OCF_A_NO_VALIDATE },
	{ "validate-all", NULL, 10, 0, -1, 0 },
	{ NULL, NULL, 0, 0, 0, 0 },
};

static const struct ocf_agent agent = {
	.name = "testagent",
	.version = "1.2.3",
	.shortdesc = "Test <agent>",
	.longdesc = "An agent for \"unit\" tests & nothing else.",
	.params = params,
	.actions = actions,
};

/* --- an injected environment -------------------------------------------- */

#define ENV_MAX 32
static const char *env_name[ENV_MAX];
static const char *env_value[ENV_MAX];
static size_t env_n;

static void env_set(const char *name, const char *value)
{
	for (size_t i = 0; i < env_n; i++) {
		if (strcmp(env_name[i], name) == 0) {
			env_value[i] = value;
			return;
		}
	}
	ck_assert_uint_lt(env_n, ENV_MAX);
	env_name[env_n] = name;
	env_value[env_n] = value;
	env_n++;
}

static const char *fake_getenv(const char *name)
{
	for (size_t i = 0; i < env_n; i++) {
		if (strcmp(env_name[i], name) == 0)
			return env_value[i];
	}
	return NULL;
}

static void setup(void)
{
	env_n = 0;
	vg_log_clear_secrets();
}

static void teardown(void)
{
	env_n = 0;
	vg_log_clear_secrets();
}

/* A ctx full of a recognisable pattern, to see what ocf_load() wrote. */
static void poison(struct ocf_ctx *ctx)
{
	memset(ctx, 0xA5, sizeof(*ctx));
}

/* Everything before reason (the last member) is still the pattern. */
static void assert_untouched_but_reason(const struct ocf_ctx *ctx)
{
	struct ocf_ctx ref;

	poison(&ref);
	ck_assert_msg(memcmp(ctx, &ref, offsetof(struct ocf_ctx, reason)) == 0,
		      "ocf_load() wrote into ctx although it failed");
	ck_assert_msg(memchr(ctx->reason, '\0', sizeof(ctx->reason)) != NULL,
		      "reason not terminated");
}

/* A poisoned ctx on the stack: nothing to free when an assertion fails
 * under CK_FORK=no (valgrind would report it as a leak). */
#define NEW_CTX(name) \
	struct ocf_ctx name##_store; \
	struct ocf_ctx *name = (poison(&name##_store), &name##_store)

/* --- ocf_parse_bool / ocf_parse_int ------------------------------------- */

START_TEST(parse_bool_accepts)
{
	static const char *const yes[] = { "1", "yes", "YES", "Yes", "y", "Y", "true",
		"TRUE", "True", "on", "ON", "On" };
	static const char *const no[] = { "0", "no", "NO", "n", "N", "false", "FALSE",
		"False", "off", "OFF", "Off" };
	bool b;

	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		b = false;
		ck_assert_msg(ocf_parse_bool(yes[i], &b) == 0 && b, "'%s'", yes[i]);
	}
	for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++) {
		b = true;
		ck_assert_msg(ocf_parse_bool(no[i], &b) == 0 && !b, "'%s'", no[i]);
	}
}
END_TEST

START_TEST(parse_bool_rejects)
{
	static const char *const bad[] = { "", "2", "-1", "yess", "ye", "tru", " yes",
		"yes ", "no\n", "of", "onn", "maybe", "01", "t", "f" };

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		bool b = true, c = false;

		ck_assert_msg(ocf_parse_bool(bad[i], &b) == -EINVAL, "'%s' accepted", bad[i]);
		ck_assert_msg(ocf_parse_bool(bad[i], &c) == -EINVAL, "'%s' accepted", bad[i]);
		ck_assert_msg(b && !c, "out written for '%s'", bad[i]);
	}
	{
		bool b = true;

		ck_assert_int_eq(ocf_parse_bool(NULL, &b), -EINVAL);
		ck_assert(b);
	}
}
END_TEST

START_TEST(parse_int_accepts)
{
	long long v;

	ck_assert_int_eq(ocf_parse_int("0", 0, 10, &v), 0);
	ck_assert_int_eq(v, 0);
	ck_assert_int_eq(ocf_parse_int("10", 0, 10, &v), 0);
	ck_assert_int_eq(v, 10);
	ck_assert_int_eq(ocf_parse_int("-5", -10, 10, &v), 0);
	ck_assert_int_eq(v, -5);
	ck_assert_int_eq(ocf_parse_int("0042", 0, 100, &v), 0);
	ck_assert_int_eq(v, 42);
	ck_assert_int_eq(ocf_parse_int("9223372036854775807", 0, LLONG_MAX, &v), 0);
	ck_assert_int_eq(v, LLONG_MAX);
	ck_assert_int_eq(ocf_parse_int("-9223372036854775808", LLONG_MIN, 0, &v), 0);
	ck_assert_int_eq(v, LLONG_MIN);
}
END_TEST

START_TEST(parse_int_rejects)
{
	static const struct { const char *in; int rc; } bad[] = {
		{ "", -EINVAL }, { "abc", -EINVAL }, { "12abc", -EINVAL },
		{ "1.5", -EINVAL }, { "5 ", -EINVAL }, { "0x10", -EINVAL },
		{ "-", -EINVAL }, { " ", -EINVAL },
		{ "11", -ERANGE }, { "-1", -ERANGE }, { "1000", -ERANGE },
		{ "9223372036854775808", -ERANGE }, { "-9223372036854775809", -ERANGE },
		{ "99999999999999999999999", -ERANGE },
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		long long v = 777;

		ck_assert_msg(ocf_parse_int(bad[i].in, 0, 10, &v) == bad[i].rc,
			      "'%s' gave %d, want %d", bad[i].in,
			      ocf_parse_int(bad[i].in, 0, 10, &v), bad[i].rc);
		ck_assert_msg(v == 777, "out written for '%s'", bad[i].in);
	}
	{
		long long v = 777;

		ck_assert_int_eq(ocf_parse_int(NULL, 0, 10, &v), -EINVAL);
		ck_assert_int_eq(v, 777);
	}
}
END_TEST

/* --- ocf_load ----------------------------------------------------------- */

START_TEST(load_defaults)
{
	NEW_CTX(ctx);

	env_set("OCF_RESKEY_name", "vm1");
	ck_assert_int_eq(ocf_load(ctx, &agent, "start", fake_getenv), PCMK_OCF_OK);
	ck_assert_ptr_eq(ctx->agent, &agent);
	ck_assert_ptr_eq(ctx->action, &actions[0]);
	ck_assert_str_eq(ctx->instance, "testagent");
	ck_assert_str_eq(ocf_str(ctx, P_NAME), "vm1");
	ck_assert(ctx->value[P_NAME].set);

	ck_assert_str_eq(ocf_str(ctx, P_HOST), "localhost");
	ck_assert(!ctx->value[P_HOST].set);
	ck_assert_str_eq(ocf_str(ctx, P_PORT), "2633");
	ck_assert_int_eq(ocf_int(ctx, P_PORT), 2633);
	ck_assert(!ctx->value[P_PORT].set);
	ck_assert(ocf_bool(ctx, P_VERIFY));
	ck_assert(!ctx->value[P_VERIFY].set);
	ck_assert_ptr_null(ocf_str(ctx, P_PASSWORD));
	ck_assert(!ctx->value[P_PASSWORD].set);
	ck_assert_ptr_null(ocf_str(ctx, P_RETRIES));
	ck_assert_int_eq(ocf_int(ctx, P_RETRIES), 0);
	ck_assert_str_eq(ocf_str(ctx, P_LABEL), "a<b&c\"d");

	ck_assert_int_eq(ctx->timeout_ms, 60000);	/* start's advertised timeout */
	ck_assert_int_eq(ctx->interval_ms, 0);
	ck_assert_int_eq(ctx->check_level, 0);
	ck_assert(!ctx->probe);
	ck_assert_str_eq(ctx->reason, "");
}
END_TEST

START_TEST(load_given_values)
{
	NEW_CTX(ctx);

	env_set("OCF_RESOURCE_INSTANCE", "test:1");
	env_set("OCF_RESKEY_name", "vm2");
	env_set("OCF_RESKEY_host", "10.0.0.1");
	env_set("OCF_RESKEY_port", "80");
	env_set("OCF_RESKEY_verify", "No");
	env_set("OCF_RESKEY_password", "pw-Secr3t");
	env_set("OCF_RESKEY_pin", "1234");
	env_set("OCF_RESKEY_retries", "0");
	env_set("OCF_RESKEY_unknown", "ignored");
	ck_assert_int_eq(ocf_load(ctx, &agent, "stop", fake_getenv), PCMK_OCF_OK);
	ck_assert_str_eq(ctx->instance, "test:1");
	ck_assert_ptr_eq(ctx->action, &actions[1]);
	ck_assert_str_eq(ocf_str(ctx, P_HOST), "10.0.0.1");
	ck_assert(ctx->value[P_HOST].set);
	ck_assert_int_eq(ocf_int(ctx, P_PORT), 80);
	ck_assert(ctx->value[P_PORT].set);
	ck_assert(!ocf_bool(ctx, P_VERIFY));
	ck_assert(ctx->value[P_VERIFY].set);
	ck_assert_str_eq(ocf_str(ctx, P_PASSWORD), "pw-Secr3t");
	ck_assert_int_eq(ocf_int(ctx, P_PIN), 1234);
	ck_assert_int_eq(ocf_int(ctx, P_RETRIES), 0);
	ck_assert(ctx->value[P_RETRIES].set);
	ck_assert_int_eq(ctx->timeout_ms, 30000);
}
END_TEST

START_TEST(load_empty_is_unset)
{
	NEW_CTX(ctx);

	env_set("OCF_RESOURCE_INSTANCE", "");
	env_set("OCF_RESKEY_name", "vm1");
	env_set("OCF_RESKEY_host", "");
	env_set("OCF_RESKEY_port", "");
	env_set("OCF_RESKEY_verify", "");
	env_set("OCF_RESKEY_retries", "");
	env_set("OCF_RESKEY_CRM_meta_timeout", "");
	env_set("OCF_RESKEY_CRM_meta_interval", "");
	env_set("OCF_CHECK_LEVEL", "");
	ck_assert_int_eq(ocf_load(ctx, &agent, "monitor", fake_getenv), PCMK_OCF_OK);
	ck_assert_str_eq(ctx->instance, "testagent");
	ck_assert_str_eq(ocf_str(ctx, P_HOST), "localhost");
	ck_assert(!ctx->value[P_HOST].set);
	ck_assert_int_eq(ocf_int(ctx, P_PORT), 2633);
	ck_assert(!ctx->value[P_PORT].set);
	ck_assert(ocf_bool(ctx, P_VERIFY));
	ck_assert_ptr_null(ocf_str(ctx, P_RETRIES));
	ck_assert_int_eq(ctx->timeout_ms, 20000);	/* first monitor row */
	ck_assert(!ctx->probe);
	ck_assert_int_eq(ctx->check_level, 0);
}
END_TEST

START_TEST(load_required_missing)
{
	NEW_CTX(ctx);

	env_set("OCF_RESKEY_host", "h");
	ck_assert_int_eq(ocf_load(ctx, &agent, "start", fake_getenv), PCMK_OCF_INVALID_PARAM);
	ck_assert_msg(strstr(ctx->reason, "'name'") != NULL, "reason: %s", ctx->reason);
	assert_untouched_but_reason(ctx);

	/* Empty counts as missing. */
	poison(ctx);
	env_set("OCF_RESKEY_name", "");
	ck_assert_int_eq(ocf_load(ctx, &agent, "start", fake_getenv), PCMK_OCF_INVALID_PARAM);
	ck_assert_msg(strstr(ctx->reason, "'name'") != NULL, "reason: %s", ctx->reason);
	assert_untouched_but_reason(ctx);
}
END_TEST

START_TEST(load_bad_integer)
{
	static const char *const bad[] = { "abc", "0", "65536", "-1", "80x", " ",
		"1.5", "99999999999999999999" };
	NEW_CTX(ctx);

	env_set("OCF_RESKEY_name", "vm1");
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		poison(ctx);
		env_set("OCF_RESKEY_port", bad[i]);
		ck_assert_msg(ocf_load(ctx, &agent, "start", fake_getenv) ==
			      PCMK_OCF_NOT_CONFIGURED, "port '%s' accepted", bad[i]);
		ck_assert_msg(strstr(ctx->reason, "'port'") != NULL, "reason: %s", ctx->reason);
		ck_assert_msg(strstr(ctx->reason, "1 to 65535") != NULL, "reason: %s",
			      ctx->reason);
		assert_untouched_but_reason(ctx);
	}
}
END_TEST

START_TEST(load_bad_boolean)
{
	static const char *const bad[] = { "maybe", "2", "yess", "-" };
	NEW_CTX(ctx);

	env_set("OCF_RESKEY_name", "vm1");
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		poison(ctx);
		env_set("OCF_RESKEY_verify", bad[i]);
		ck_assert_msg(ocf_load(ctx, &agent, "start", fake_getenv) ==
			      PCMK_OCF_NOT_CONFIGURED, "verify '%s' accepted", bad[i]);
		ck_assert_msg(strstr(ctx->reason, "'verify'") != NULL, "reason: %s", ctx->reason);
		assert_untouched_but_reason(ctx);
	}
}
END_TEST

START_TEST(load_bad_default)
{
	/* A table whose default does not parse is refused like a bad value. */
	static const struct ocf_param p[] = {
		{ "n", OCF_PARAM_INTEGER, "ten", 0, 0, 100, "n", "n" },
		{ NULL, 0, NULL, 0, 0, 0, NULL, NULL },
	};
	static const struct ocf_agent a = { "bad", "0", "s", "l", p, actions, NULL };
	NEW_CTX(ctx);

	ck_assert_int_eq(ocf_load(ctx, &a, "start", fake_getenv), PCMK_OCF_NOT_CONFIGURED);
	ck_assert_msg(strstr(ctx->reason, "'n'") != NULL, "reason: %s", ctx->reason);
	assert_untouched_but_reason(ctx);
}
END_TEST

START_TEST(load_secret_integer_not_in_reason)
{
	NEW_CTX(ctx);

	env_set("OCF_RESKEY_name", "vm1");
	env_set("OCF_RESKEY_pin", "73519");	/* out of range */
	ck_assert_int_eq(ocf_load(ctx, &agent, "start", fake_getenv), PCMK_OCF_NOT_CONFIGURED);
	ck_assert_msg(strstr(ctx->reason, "'pin'") != NULL, "reason: %s", ctx->reason);
	ck_assert_msg(strstr(ctx->reason, "73519") == NULL, "secret in reason: %s",
		      ctx->reason);
	poison(ctx);
	env_set("OCF_RESKEY_pin", "Secr3tPin");	/* not a number */
	ck_assert_int_eq(ocf_load(ctx, &agent, "start", fake_getenv), PCMK_OCF_NOT_CONFIGURED);
	ck_assert_msg(strstr(ctx->reason, "Secr3t") == NULL, "secret in reason: %s",
		      ctx->reason);
}
END_TEST

START_TEST(load_secret_boolean_not_in_reason)
{
	static const struct ocf_param p[] = {
		{ "token_ok", OCF_PARAM_BOOLEAN, NULL, OCF_P_SECRET, 0, 0, "t", "t" },
		{ NULL, 0, NULL, 0, 0, 0, NULL, NULL },
	};
	static const struct ocf_agent a = { "sec", "0", "s", "l", p, actions, NULL };
	NEW_CTX(ctx);

	env_set("OCF_RESKEY_token_ok", "Tok3nS3cret");
	ck_assert_int_eq(ocf_load(ctx, &a, "start", fake_getenv), PCMK_OCF_NOT_CONFIGURED);
	ck_assert_msg(strstr(ctx->reason, "'token_ok'") != NULL, "reason: %s", ctx->reason);
	ck_assert_msg(strstr(ctx->reason, "Tok3nS3cret") == NULL, "secret in reason: %s",
		      ctx->reason);
}
END_TEST

START_TEST(load_secret_registered_for_masking)
{
	NEW_CTX(ctx);
	char out[128];

	env_set("OCF_RESKEY_name", "vm1");
	env_set("OCF_RESKEY_password", "pw-Secr3t");
	ck_assert_int_eq(ocf_load(ctx, &agent, "start", fake_getenv), PCMK_OCF_OK);
	vg_log_mask("login with pw-Secr3t failed", out, sizeof(out));
	ck_assert_str_eq(out, "login with **** failed");
	/* A non-secret value is not masked. */
	vg_log_mask("name vm1", out, sizeof(out));
	ck_assert_str_eq(out, "name vm1");
}
END_TEST

START_TEST(load_timeout)
{
	NEW_CTX(ctx);

	env_set("OCF_RESKEY_name", "vm1");
	env_set("OCF_RESKEY_CRM_meta_timeout", "30000");
	ck_assert_int_eq(ocf_load(ctx, &agent, "start", fake_getenv), PCMK_OCF_OK);
	ck_assert_int_eq(ctx->timeout_ms, 30000);

	/* Unknown action: a fixed default (ocf_main rejects it before). */
	env_set("OCF_RESKEY_CRM_meta_timeout", NULL);
	poison(ctx);
	ck_assert_int_eq(ocf_load(ctx, &agent, "frobnicate", fake_getenv), PCMK_OCF_OK);
	ck_assert_ptr_null(ctx->action);
	ck_assert_int_eq(ctx->timeout_ms, 20000);
}
END_TEST

START_TEST(load_bad_timeout)
{
	static const char *const bad[] = { "0", "abc", "-5", "1.5", "20s", " 100",
		"99999999999999999999" };
	NEW_CTX(ctx);

	env_set("OCF_RESKEY_name", "vm1");
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		poison(ctx);
		env_set("OCF_RESKEY_CRM_meta_timeout", bad[i]);
		ck_assert_msg(ocf_load(ctx, &agent, "start", fake_getenv) ==
			      PCMK_OCF_NOT_CONFIGURED, "timeout '%s' accepted", bad[i]);
		ck_assert_msg(strstr(ctx->reason, "CRM_meta_timeout") != NULL, "reason: %s",
			      ctx->reason);
		assert_untouched_but_reason(ctx);
	}
}
END_TEST

START_TEST(load_interval)
{
	static const char *const bad[] = { "abc", "-1", "10s", "1e4" };
	NEW_CTX(ctx);

	env_set("OCF_RESKEY_name", "vm1");
	env_set("OCF_RESKEY_CRM_meta_interval", "10000");
	ck_assert_int_eq(ocf_load(ctx, &agent, "monitor", fake_getenv), PCMK_OCF_OK);
	ck_assert_int_eq(ctx->interval_ms, 10000);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		poison(ctx);
		env_set("OCF_RESKEY_CRM_meta_interval", bad[i]);
		ck_assert_msg(ocf_load(ctx, &agent, "monitor", fake_getenv) ==
			      PCMK_OCF_NOT_CONFIGURED, "interval '%s' accepted", bad[i]);
		ck_assert_msg(strstr(ctx->reason, "CRM_meta_interval") != NULL, "reason: %s",
			      ctx->reason);
		assert_untouched_but_reason(ctx);
	}
}
END_TEST

START_TEST(load_probe)
{
	static const struct { const char *action, *interval; bool probe; } t[] = {
		{ "monitor", "0", true },
		{ "monitor", "000", true },
		{ "monitor", "10000", false },
		{ "monitor", NULL, false },	/* not said: not a probe */
		{ "monitor", "", false },
		{ "start", "0", false },
		{ "stop", "0", false },
		{ "validate-all", "0", false },
	};
	NEW_CTX(ctx);

	env_set("OCF_RESKEY_name", "vm1");
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		poison(ctx);
		env_set("OCF_RESKEY_CRM_meta_interval", t[i].interval);
		ck_assert_int_eq(ocf_load(ctx, &agent, t[i].action, fake_getenv), PCMK_OCF_OK);
		ck_assert_msg(ctx->probe == t[i].probe, "%s interval=%s: probe=%d",
			      t[i].action, t[i].interval ? t[i].interval : "(unset)",
			      ctx->probe);
	}
}
END_TEST

START_TEST(load_check_level)
{
	static const struct { const char *lvl, *reskey; int want; } t[] = {
		{ NULL, NULL, 0 }, { "", NULL, 0 }, { "0", NULL, 0 },
		{ "10", NULL, 10 }, { "20", NULL, 20 },
		{ "5", NULL, 0 }, { "15", NULL, 10 }, { "19", NULL, 10 },
		{ "25", NULL, 20 }, { "30", NULL, 20 },
		{ NULL, "10", 10 }, { NULL, "15", 10 }, { "", "20", 20 },
		{ "20", "10", 20 },		/* OCF_CHECK_LEVEL wins */
		{ "0", "20", 0 },
	};
	NEW_CTX(ctx);

	env_set("OCF_RESKEY_name", "vm1");
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		poison(ctx);
		env_set("OCF_CHECK_LEVEL", t[i].lvl);
		env_set("OCF_RESKEY_OCF_CHECK_LEVEL", t[i].reskey);
		ck_assert_int_eq(ocf_load(ctx, &agent, "monitor", fake_getenv), PCMK_OCF_OK);
		ck_assert_msg(ctx->check_level == t[i].want,
			      "OCF_CHECK_LEVEL=%s OCF_RESKEY_OCF_CHECK_LEVEL=%s → %d, want %d",
			      t[i].lvl ? t[i].lvl : "(unset)",
			      t[i].reskey ? t[i].reskey : "(unset)",
			      ctx->check_level, t[i].want);
	}
}
END_TEST

START_TEST(load_bad_check_level)
{
	static const struct { const char *lvl, *reskey; } bad[] = {
		{ "abc", NULL }, { "-10", NULL }, { "10a", NULL }, { "1e1", NULL },
		{ "99999999999999999999", NULL }, { "ten", NULL },
		{ NULL, "deep" }, { "", "-1" },
		{ "garbage", "10" },		/* the first one set is the one used */
	};
	NEW_CTX(ctx);

	env_set("OCF_RESKEY_name", "vm1");
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		poison(ctx);
		env_set("OCF_CHECK_LEVEL", bad[i].lvl);
		env_set("OCF_RESKEY_OCF_CHECK_LEVEL", bad[i].reskey);
		ck_assert_msg(ocf_load(ctx, &agent, "monitor", fake_getenv) ==
			      PCMK_OCF_NOT_CONFIGURED, "check level %s/%s accepted",
			      bad[i].lvl ? bad[i].lvl : "(unset)",
			      bad[i].reskey ? bad[i].reskey : "(unset)");
		ck_assert_msg(strstr(ctx->reason, "OCF_CHECK_LEVEL") != NULL, "reason: %s",
			      ctx->reason);
		assert_untouched_but_reason(ctx);
	}
}
END_TEST

START_TEST(load_deadline_from_timeout)
{
	NEW_CTX(ctx);
	long long left;

	env_set("OCF_RESKEY_name", "vm1");
	env_set("OCF_RESKEY_CRM_meta_timeout", "10000");
	ck_assert_int_eq(ocf_load(ctx, &agent, "monitor", fake_getenv), PCMK_OCF_OK);
	left = vg_deadline_remaining_ms(&ctx->deadline);
	/* budget(10 s) = 9 s: 1 s reserved to report and exit.  The upper
	 * bound is exact; the lower one only allows for a slow machine. */
	ck_assert_msg(left > 5000 && left <= 9000, "remaining %lld ms of 10000", left);

	env_set("OCF_RESKEY_CRM_meta_timeout", "100");
	ck_assert_int_eq(ocf_load(ctx, &agent, "monitor", fake_getenv), PCMK_OCF_OK);
	left = vg_deadline_remaining_ms(&ctx->deadline);
	ck_assert_msg(left <= 50, "remaining %lld ms of a 100 ms timeout", left);

	/* Default timeout of the action (start: 60 s → 58 s). */
	env_set("OCF_RESKEY_CRM_meta_timeout", NULL);
	ck_assert_int_eq(ocf_load(ctx, &agent, "start", fake_getenv), PCMK_OCF_OK);
	left = vg_deadline_remaining_ms(&ctx->deadline);
	ck_assert_msg(left > 50000 && left <= 58000, "remaining %lld ms of 60000", left);
}
END_TEST

START_TEST(load_too_many_params)
{
	static struct ocf_param many[OCF_MAX_PARAMS + 2];
	static char names[OCF_MAX_PARAMS + 1][16];
	struct ocf_agent a = agent;
	NEW_CTX(ctx);

	for (int i = 0; i <= OCF_MAX_PARAMS; i++) {
		snprintf(names[i], sizeof(names[i]), "p%d", i);
		many[i] = (struct ocf_param){ names[i], OCF_PARAM_STRING, "x", 0, 0, 0, "s", "l" };
	}
	a.params = many;

	/* Exactly OCF_MAX_PARAMS fit. */
	many[OCF_MAX_PARAMS].name = NULL;
	ck_assert_int_eq(ocf_load(ctx, &a, "start", fake_getenv), PCMK_OCF_OK);
	ck_assert_str_eq(ocf_str(ctx, OCF_MAX_PARAMS - 1), "x");

	/* One more is a broken table, not a user error. */
	many[OCF_MAX_PARAMS].name = names[OCF_MAX_PARAMS];
	many[OCF_MAX_PARAMS + 1].name = NULL;
	poison(ctx);
	ck_assert_int_eq(ocf_load(ctx, &a, "start", fake_getenv), PCMK_OCF_UNKNOWN_ERROR);
	ck_assert_msg(strstr(ctx->reason, "parameters") != NULL, "reason: %s", ctx->reason);
	assert_untouched_but_reason(ctx);
}
END_TEST

/* --- meta-data ---------------------------------------------------------- */

static char *metadata(const struct ocf_agent *a)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	ck_assert_ptr_nonnull(f);
	ocf_metadata_write(a, f);
	ck_assert_int_eq(fclose(f), 0);
	ck_assert_ptr_nonnull(buf);
	ck_assert_uint_eq(strlen(buf), len);
	return buf;
}

/* The text of one <parameter> element (caller frees). */
static char *param_block(const char *xml, const char *name)
{
	char head[128];
	const char *start, *end;

	snprintf(head, sizeof(head), "<parameter name=\"%s\"", name);
	start = strstr(xml, head);
	ck_assert_msg(start != NULL, "no parameter '%s' in meta-data", name);
	ck_assert_msg(strstr(start + 1, head) == NULL, "parameter '%s' twice", name);
	end = strstr(start, "</parameter>");
	ck_assert_ptr_nonnull(end);
	return strndup(start, (size_t)(end - start));
}

START_TEST(metadata_parameters)
{
	char *xml = metadata(&agent);

	ck_assert_msg(strncmp(xml, "<?xml version=\"1.0\"?>", 21) == 0, "%s", xml);
	ck_assert_ptr_nonnull(strstr(xml, "<resource-agent name=\"testagent\" version=\"1.2.3\">"));
	ck_assert_ptr_nonnull(strstr(xml, "</resource-agent>"));

	for (const struct ocf_param *p = params; p->name != NULL; p++) {
		char *b = param_block(xml, p->name);
		char want[256];

		snprintf(want, sizeof(want), "<parameter name=\"%s\" unique=\"%d\" required=\"%d\">",
			 p->name, (p->flags & OCF_P_UNIQUE) ? 1 : 0,
			 (p->flags & OCF_P_REQUIRED) ? 1 : 0);
		ck_assert_msg(strstr(b, want) == b, "'%s' not in '%s'", want, b);
		snprintf(want, sizeof(want), "<content type=\"%s\"",
			 p->type == OCF_PARAM_INTEGER ? "integer" :
			 p->type == OCF_PARAM_BOOLEAN ? "boolean" : "string");
		ck_assert_msg(strstr(b, want) != NULL, "'%s' not in '%s'", want, b);
		if (p->def == NULL)
			ck_assert_msg(strstr(b, "default=") == NULL, "default in '%s'", b);
		ck_assert_ptr_nonnull(strstr(b, "<shortdesc lang=\"en\">"));
		ck_assert_ptr_nonnull(strstr(b, "<longdesc lang=\"en\">"));
		free(b);
	}
	{
		char *b = param_block(xml, "port");

		ck_assert_ptr_nonnull(strstr(b, "default=\"2633\""));
		ck_assert_ptr_nonnull(strstr(b, "Range: 1 to 65535."));
		free(b);
		b = param_block(xml, "verify");
		ck_assert_ptr_nonnull(strstr(b, "default=\"true\""));
		ck_assert_ptr_nonnull(strstr(b, "reload"));
		free(b);
		b = param_block(xml, "host");
		ck_assert_ptr_nonnull(strstr(b, "default=\"localhost\""));
		free(b);
	}
	free(xml);
}
END_TEST

START_TEST(metadata_escapes)
{
	char *xml = metadata(&agent);
	char *b = param_block(xml, "name");

	ck_assert_msg(strstr(b, "Use &lt;name&gt; &amp; &quot;quotes&quot; &gt; everything else.")
		      != NULL, "%s", b);
	ck_assert_ptr_nonnull(strstr(b, "<shortdesc lang=\"en\">Instance &lt;name&gt;</shortdesc>"));
	free(b);
	b = param_block(xml, "label");
	ck_assert_msg(strstr(b, "default=\"a&lt;b&amp;c&quot;d\"") != NULL, "%s", b);
	free(b);
	ck_assert_ptr_nonnull(strstr(xml, "An agent for &quot;unit&quot; tests &amp; nothing else."));
	ck_assert_ptr_nonnull(strstr(xml, "<shortdesc lang=\"en\">Test &lt;agent&gt;</shortdesc>"));
	/* No raw markup characters from the table leaked through. */
	ck_assert_ptr_null(strstr(xml, "<name>"));
	ck_assert_ptr_null(strstr(xml, "<agent>"));
	ck_assert_ptr_null(strstr(xml, " & "));
	free(xml);
}
END_TEST

START_TEST(metadata_actions)
{
	char *xml = metadata(&agent);

	ck_assert_ptr_nonnull(strstr(xml, "<action name=\"start\" timeout=\"60s\" />"));
	ck_assert_ptr_nonnull(strstr(xml, "<action name=\"stop\" timeout=\"30s\" />"));
	ck_assert_ptr_nonnull(strstr(xml,
		"<action name=\"monitor\" timeout=\"20s\" interval=\"10s\" depth=\"0\" />"));
	ck_assert_ptr_nonnull(strstr(xml,
		"<action name=\"monitor\" timeout=\"40s\" interval=\"60s\" depth=\"10\" />"));
	ck_assert_ptr_nonnull(strstr(xml, "<action name=\"reload\" timeout=\"15s\" />"));
	ck_assert_ptr_nonnull(strstr(xml, "<action name=\"meta-data\" timeout=\"5s\" />"));
	ck_assert_ptr_nonnull(strstr(xml, "<action name=\"validate-all\" timeout=\"10s\" />"));
	{
		/* In table order, one element per row. */
		const char *p = xml;
		int n = 0;

		for (const struct ocf_action *a = actions; a->name != NULL; a++) {
			char want[64];

			snprintf(want, sizeof(want), "<action name=\"%s\"", a->name);
			p = strstr(p, want);
			ck_assert_msg(p != NULL, "action %s missing or out of order", a->name);
			p++;
			n++;
		}
		for (p = xml; (p = strstr(p, "<action ")) != NULL; p++)
			n--;
		ck_assert_int_eq(n, 0);
	}
	free(xml);
}
END_TEST

START_TEST(metadata_valid_against_dtd)
{
	/* xmllint --valid, as DESIGN.md asks: the document's own DOCTYPE
	 * ("ra-api-1.dtd", relative) resolved next to it. */
	char *xml = metadata(&agent);
	char dir[] = "/tmp/check_ocf_XXXXXX", dtd[64], path[64];
	int fd, st;
	pid_t pid;

	ck_assert_msg(access(RA_API_DTD, R_OK) == 0, RA_API_DTD " missing (resource-agents)");
	ck_assert_msg(access("/usr/bin/xmllint", X_OK) == 0, "xmllint missing (libxml2-utils)");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(dtd, sizeof(dtd), "%s/ra-api-1.dtd", dir);
	snprintf(path, sizeof(path), "%s/metadata.xml", dir);
	ck_assert_int_eq(symlink(RA_API_DTD, dtd), 0);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, xml, strlen(xml)), (ssize_t)strlen(xml));
	close(fd);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		execl("/usr/bin/xmllint", "xmllint", "--noout", "--nonet", "--valid",
		      path, (char *)NULL);
		_exit(127);
	}
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	unlink(path);
	unlink(dtd);
	rmdir(dir);
	ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0,
		      "xmllint --valid (ra-api-1.dtd) failed (status %d):\n%s", st, xml);
	free(xml);
}
END_TEST

START_TEST(usage_lists_table)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	ck_assert_ptr_nonnull(f);
	ocf_usage_write(&agent, f);
	ck_assert_int_eq(fclose(f), 0);
	ck_assert_msg(strstr(buf, "usage: testagent {start|stop|monitor|monitor|reload|"
			      "meta-data|validate-all}") != NULL, "%s", buf);
	ck_assert_ptr_nonnull(strstr(buf, "[default: 2633]"));
	ck_assert_ptr_nonnull(strstr(buf, "(required)"));
	for (const struct ocf_param *p = params; p->name != NULL; p++)
		ck_assert_msg(strstr(buf, p->name) != NULL, "%s not in usage", p->name);
	free(buf);
}
END_TEST

/* --- exit names and reasons --------------------------------------------- */

START_TEST(exit_names)
{
	static const struct { int rc; const char *name; } t[] = {
		{ PCMK_OCF_OK, "OCF_SUCCESS" },
		{ PCMK_OCF_UNKNOWN_ERROR, "OCF_ERR_GENERIC" },
		{ PCMK_OCF_INVALID_PARAM, "OCF_ERR_ARGS" },
		{ PCMK_OCF_UNIMPLEMENT_FEATURE, "OCF_ERR_UNIMPLEMENTED" },
		{ PCMK_OCF_INSUFFICIENT_PRIV, "OCF_ERR_PERM" },
		{ PCMK_OCF_NOT_INSTALLED, "OCF_ERR_INSTALLED" },
		{ PCMK_OCF_NOT_CONFIGURED, "OCF_ERR_CONFIGURED" },
		{ PCMK_OCF_NOT_RUNNING, "OCF_NOT_RUNNING" },
		{ PCMK_OCF_RUNNING_PROMOTED, "OCF_RUNNING_PROMOTED" },
		{ PCMK_OCF_FAILED_PROMOTED, "OCF_FAILED_PROMOTED" },
		{ PCMK_OCF_DEGRADED, "OCF_DEGRADED" },
	};

	/* The numbers are the OCF standard's, not just Pacemaker's names. */
	ck_assert_int_eq(PCMK_OCF_NOT_CONFIGURED, 6);
	ck_assert_int_eq(PCMK_OCF_NOT_RUNNING, 7);
	ck_assert_int_eq(PCMK_OCF_DEGRADED, 190);
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		ck_assert_str_eq(ocf_exit_name(t[i].rc), t[i].name);
		for (size_t j = 0; j < i; j++)
			ck_assert_str_ne(ocf_exit_name(t[i].rc), ocf_exit_name(t[j].rc));
	}
	ck_assert_str_eq(ocf_exit_name(-1), "OCF_UNKNOWN");
	ck_assert_str_eq(ocf_exit_name(10), "OCF_UNKNOWN");
	ck_assert_str_eq(ocf_exit_name(PCMK_OCF_UNKNOWN), "OCF_UNKNOWN");
	ck_assert_str_eq(ocf_exit_name(255), "OCF_UNKNOWN");
}
END_TEST

START_TEST(exit_reason_formats)
{
	NEW_CTX(ctx);

	ocf_exit_reason(ctx, "libvirtd did not answer %s within %d ms",
			"virConnectGetLibVersion", 5000);
	ck_assert_str_eq(ctx->reason,
			 "libvirtd did not answer virConnectGetLibVersion within 5000 ms");
	ocf_exit_reason(ctx, "%s", "");
	ck_assert_str_eq(ctx->reason, "");
}
END_TEST

START_TEST(exit_reason_masks_secrets)
{
	NEW_CTX(ctx);

	vg_log_add_secret("hunter2-pw");
	vg_log_add_secret("0123456789abcdef");
	ocf_exit_reason(ctx, "login admin/%s token %s refused", "hunter2-pw",
			"0123456789abcdef");
	ck_assert_str_eq(ctx->reason, "login admin/**** token **** refused");
}
END_TEST

START_TEST(exit_reason_truncated)
{
	NEW_CTX(ctx);
	char big[2000];

	memset(big, 'r', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	ocf_exit_reason(ctx, "%s", big);
	ck_assert_uint_eq(strlen(ctx->reason), sizeof(ctx->reason) - 1);
}
END_TEST

START_TEST(exit_reason_secret_across_truncation)
{
	NEW_CTX(ctx);
	char pad[505];

	memset(pad, '.', sizeof(pad) - 1);
	pad[sizeof(pad) - 1] = '\0';
	vg_log_add_secret("Sup3rS3cretPassw0rd");
	ocf_exit_reason(ctx, "%sSup3rS3cretPassw0rd", pad);
	for (const char *p = ctx->reason; *p != '\0'; p++)
		ck_assert_msg(*p == '.' || *p == '*',
			      "secret prefix left in a truncated reason: '...%s'",
			      ctx->reason + strlen(ctx->reason) - 12);
}
END_TEST

static Suite *ocf_suite(void)
{
	Suite *s = suite_create("ocf");
	TCase *tc;

	tc = tcase_create("parse");
	tcase_add_test(tc, parse_bool_accepts);
	tcase_add_test(tc, parse_bool_rejects);
	tcase_add_test(tc, parse_int_accepts);
	tcase_add_test(tc, parse_int_rejects);
	suite_add_tcase(s, tc);

	tc = tcase_create("load");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, load_defaults);
	tcase_add_test(tc, load_given_values);
	tcase_add_test(tc, load_empty_is_unset);
	tcase_add_test(tc, load_required_missing);
	tcase_add_test(tc, load_bad_integer);
	tcase_add_test(tc, load_bad_boolean);
	tcase_add_test(tc, load_bad_default);
	tcase_add_test(tc, load_secret_integer_not_in_reason);
	tcase_add_test(tc, load_secret_boolean_not_in_reason);
	tcase_add_test(tc, load_secret_registered_for_masking);
	tcase_add_test(tc, load_timeout);
	tcase_add_test(tc, load_bad_timeout);
	tcase_add_test(tc, load_interval);
	tcase_add_test(tc, load_probe);
	tcase_add_test(tc, load_check_level);
	tcase_add_test(tc, load_bad_check_level);
	tcase_add_test(tc, load_deadline_from_timeout);
	tcase_add_test(tc, load_too_many_params);
	suite_add_tcase(s, tc);

	tc = tcase_create("metadata");
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, metadata_parameters);
	tcase_add_test(tc, metadata_escapes);
	tcase_add_test(tc, metadata_actions);
	tcase_add_test(tc, metadata_valid_against_dtd);
	tcase_add_test(tc, usage_lists_table);
	suite_add_tcase(s, tc);

	tc = tcase_create("exit");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, exit_names);
	tcase_add_test(tc, exit_reason_formats);
	tcase_add_test(tc, exit_reason_masks_secrets);
	tcase_add_test(tc, exit_reason_truncated);
	tcase_add_test(tc, exit_reason_secret_across_truncation);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(ocf_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
