/* Unit tests for common/fenceagent.c (one table drives stdin, getopt,
 * checks, usage and meta-data), the pure helpers of common/ipmi.c, and
 * fence_vmguard's own meta-data against the golden copy and metadata.rng. */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include <freeipmi/freeipmi.h>

#include "fenceagent.h"
#include "ipmi.h"
#include "log.h"

enum { T_ACTION, T_IP, T_IPADDR, T_PORT, T_PASSWORD, T_WAIT, T_FLAG, T_METHOD, T_VERBOSE,
	T_HIDDEN, T_REQ, T_PIN, T_HELP };

static const char *const methods[] = { "onoff", "cycle", NULL };

static const struct fa_opt topts[] = {
	[T_ACTION] = { "action", NULL, 'o', "action", "action", FA_STRING, "reboot", 0, 0, 0,
		NULL, "Fencing action" },
	[T_IP] = { "ip", NULL, 'a', "ip", "ip", FA_STRING, NULL, 0, 0, 0, NULL, "Address" },
	[T_IPADDR] = { "ipaddr", "ip", 0, NULL, NULL, FA_STRING, NULL, 0, 0, 0, NULL, NULL },
	[T_PORT] = { "ipport", NULL, 'u', "ipport", "port", FA_INTEGER, "623", 0, 1, 65535, NULL,
		"Port" },
	[T_PASSWORD] = { "password", NULL, 'p', "password", "password", FA_STRING, NULL,
		FA_SECRET | FA_ARGV_WARN, 0, 0, NULL, "Password" },
	[T_WAIT] = { "power_wait", NULL, 0, "power-wait", "seconds", FA_SECOND, "2", 0, 0, 60000,
		NULL, "Wait" },
	[T_FLAG] = { "lanplus", NULL, 'P', "lanplus", NULL, FA_BOOLEAN, "0", 0, 0, 0, NULL, "Lan+" },
	[T_METHOD] = { "method", NULL, 'm', "method", "method", FA_SELECT, "onoff", 0, 0, 0,
		methods, "Method" },
	[T_VERBOSE] = { "verbose", NULL, 'v', "verbose", NULL, FA_BOOLEAN, NULL, FA_COUNT, 0, 0,
		NULL, "Verbose" },
	[T_HIDDEN] = { "nodename", NULL, 0, NULL, NULL, FA_STRING, NULL, FA_HIDDEN, 0, 0, NULL,
		"Node" },
	[T_REQ] = { "username", NULL, 'l', "username", "name", FA_STRING, NULL, FA_REQUIRED, 0, 0,
		NULL, "User & <name>" },
	/* A secret that can be invalid: its value must never be quoted. */
	[T_PIN] = { "pin", NULL, 0, "pin", "pin", FA_INTEGER, NULL, FA_SECRET, 0, 9999, NULL,
		"PIN" },
	[T_HELP] = { "help", NULL, 'h', "help", NULL, FA_BOOLEAN, NULL, 0, 0, 0, NULL, "Help" },
	{ NULL, NULL, 0, NULL, NULL, 0, NULL, 0, 0, 0, NULL, NULL },
};

static enum fa_result noop(struct fa_ctx *ctx)
{
	(void)ctx;
	return FA_RES_OK;
}

static const struct fa_action tactions[] = {
	{ "on", noop, FA_A_NOT_AUTOMATIC, "on" },
	{ "off", noop, 0, "off" },
	{ "metadata", noop, FA_A_NO_VALIDATE, "md" },
	{ "meta-data", noop, FA_A_NO_VALIDATE | FA_A_HIDDEN, NULL },
	{ NULL, NULL, 0, NULL },
};

static const struct fa_agent tagent = {
	.name = "fence_test", .version = "1", .shortdesc = "Test agent",
	.longdesc = "A \"test\" <agent>", .opts = topts, .actions = tactions,
};

static struct fa_ctx ctx;

static void setup(void)
{
	ck_assert_int_eq(fa_ctx_init(&ctx, &tagent), 0);
}

static void teardown(void)
{
	fa_ctx_free(&ctx);
}

static int parse(const char *s)
{
	return fa_parse_stdin_buf(&ctx, s, strlen(s));
}

/* ---- stdin ---- */

START_TEST(stdin_basic)
{
	ck_assert_int_eq(parse("# a comment\n\naction=off\nip=10.0.0.1\n  \nipport=624\n"
			       "username=admin\n"), 0);
	ck_assert_int_eq(fa_check(&ctx), 0);
	ck_assert_str_eq(fa_str(&ctx, T_ACTION), "off");
	ck_assert_str_eq(fa_str(&ctx, T_IP), "10.0.0.1");
	ck_assert_int_eq(fa_int(&ctx, T_PORT), 624);
	ck_assert(fa_isset(&ctx, T_PORT));
	ck_assert(!fa_isset(&ctx, T_WAIT));
	ck_assert_int_eq(fa_int(&ctx, T_WAIT), 2000);	/* default, in ms */
}
END_TEST

START_TEST(stdin_last_wins_alias_quotes_crlf)
{
	ck_assert_int_eq(parse("ip=a\r\nipaddr=b\r\nip = \"c d\"\r\npower-wait=1.25\n"
			       "username=u"), 0);
	ck_assert_int_eq(fa_check(&ctx), 0);
	ck_assert_str_eq(fa_str(&ctx, T_IP), "c d");
	ck_assert_int_eq(fa_int(&ctx, T_WAIT), 1250);
	ck_assert_str_eq(fa_str(&ctx, T_REQ), "u");
}
END_TEST

START_TEST(stdin_unknown_and_hidden)
{
	ck_assert_int_eq(parse("pcmk_host_list=x\nnodename=n1\nport=3\nusername=u\n"), 0);
	ck_assert_int_eq(fa_check(&ctx), 0);
	ck_assert_str_eq(fa_str(&ctx, T_HIDDEN), "n1");
}
END_TEST

START_TEST(stdin_garbage)
{
	static const char *const bad[] = {
		"action=off\nthis is not an option\n",
		"=value\n",
		"ke y=value\n",
		"key;rm=value\n",
		"a\xff=1\n",
		"kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk=1\n",
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		fa_ctx_free(&ctx);
		ck_assert_int_eq(fa_ctx_init(&ctx, &tagent), 0);
		ck_assert_msg(parse(bad[i]) == -EINVAL, "accepted: %s", bad[i]);
		ck_assert_msg(strstr(ctx.error, "stdin line") != NULL, "message: %s", ctx.error);
	}
	/* The line number points at the bad line. */
	fa_ctx_free(&ctx);
	fa_ctx_init(&ctx, &tagent);
	ck_assert_int_eq(parse("a=1\n#\nb=2\nnonsense\n"), -EINVAL);
	ck_assert_ptr_nonnull(strstr(ctx.error, "line 4"));
}
END_TEST

START_TEST(stdin_nul_and_size)
{
	char buf[] = "ip=a\0b\n";
	char *big = malloc(FA_STDIN_MAX + 2);

	ck_assert_int_eq(fa_parse_stdin_buf(&ctx, buf, sizeof(buf) - 1), -EINVAL);
	ck_assert_ptr_nonnull(strstr(ctx.error, "NUL"));
	memset(big, '#', FA_STDIN_MAX + 1);
	ck_assert_int_eq(fa_parse_stdin_buf(&ctx, big, FA_STDIN_MAX + 1), -E2BIG);
	free(big);
}
END_TEST

START_TEST(stdin_secret_never_in_errors)
{
	/* A secret row's own invalid value is shown as ****. */
	ck_assert_int_eq(parse("password=hunter2\nusername=u\npin=hunter2\n"), 0);
	ck_assert_int_eq(fa_check(&ctx), -EINVAL);
	ck_assert_str_eq(ctx.error, "invalid value '****' for pin: expected an integer");
	fa_ctx_free(&ctx);
	fa_ctx_init(&ctx, &tagent);
	ck_assert_int_eq(parse("username=u\npin=123456789\n"), 0);
	ck_assert_int_eq(fa_check(&ctx), -EINVAL);
	ck_assert_str_eq(ctx.error, "invalid value '****' for pin: expected 0 to 9999");
	/* A non-secret row is quoted even when its text is somebody's
	 * password: the log's mask (registered by fa_read_options(), tested
	 * below) is what keeps that out of the log. */
	fa_ctx_free(&ctx);
	fa_ctx_init(&ctx, &tagent);
	ck_assert_int_eq(parse("password=hunter2\nusername=u\nipport=hunter2\n"), 0);
	ck_assert_int_eq(fa_check(&ctx), -EINVAL);
	ck_assert_str_eq(ctx.error, "invalid value 'hunter2' for ipport: expected an integer");
	fa_ctx_free(&ctx);
	fa_ctx_init(&ctx, &tagent);
	ck_assert_int_eq(parse("password=hunter2\nbogus line hunter2\n"), -EINVAL);
	ck_assert_ptr_null(strstr(ctx.error, "hunter2"));
}
END_TEST

static char *masked(const char *text)
{
	static char out[256];

	vg_log_mask(text, out, sizeof(out));
	return out;
}

START_TEST(read_options_registers_secrets)
{
	FILE *f = tmpfile();

	/* stdin (argc 1): every secret row's value, also after an error. */
	fputs("password=hunter2\npin=4711\nip=10.0.0.1\nusername=u\nipport=hunter2\n", f);
	rewind(f);
	vg_log_clear_secrets();
	ck_assert_str_eq(masked("hunter2 4711 10.0.0.1"), "hunter2 4711 10.0.0.1");
	{
		char a0[] = "fence_test";
		char *argv[] = { a0, NULL };

		ck_assert_int_eq(fa_read_options(&ctx, 1, argv, f), 0);
	}
	fclose(f);
	ck_assert_str_eq(masked("hunter2 4711 10.0.0.1"), "**** **** 10.0.0.1");
	ck_assert_int_eq(fa_check(&ctx), -EINVAL);	/* ipport */
	ck_assert_str_eq(masked(ctx.error), "invalid value '****' for ipport: expected an integer");
	vg_log_clear_secrets();

	/* argv, and a parse that fails after the secret was read. */
	fa_ctx_free(&ctx);
	fa_ctx_init(&ctx, &tagent);
	{
		char a0[] = "fence_test", a1[] = "--password=s3cr3t", a2[] = "--nope";
		char *argv[] = { a0, a1, a2, NULL };

		ck_assert_int_eq(fa_read_options(&ctx, 3, argv, NULL), -EINVAL);
	}
	ck_assert_str_eq(masked("pw s3cr3t"), "pw ****");
	vg_log_clear_secrets();
}
END_TEST

START_TEST(prepare_steps)
{
	/* help before anything else, even with bad options */
	ck_assert_int_eq(parse("help=1\nipport=x\naction=dance\n"), 0);
	ck_assert_int_eq(fa_prepare(&ctx), FA_NEXT_HELP);
	fa_ctx_free(&ctx);
	fa_ctx_init(&ctx, &tagent);
	ck_assert_int_eq(parse("action=dance\nusername=u\n"), 0);
	ck_assert_int_eq(fa_prepare(&ctx), FA_NEXT_FAIL);
	ck_assert_str_eq(ctx.error, "unknown action 'dance': see --help");
	fa_ctx_free(&ctx);
	fa_ctx_init(&ctx, &tagent);
	ck_assert_int_eq(parse("action=off\nipport=x\nusername=u\n"), 0);
	ck_assert_int_eq(fa_prepare(&ctx), FA_NEXT_FAIL);
	ck_assert_ptr_nonnull(strstr(ctx.error, "for ipport"));
	/* meta-data runs without validation */
	fa_ctx_free(&ctx);
	fa_ctx_init(&ctx, &tagent);
	ck_assert_int_eq(parse("action=metadata\nipport=x\n"), 0);
	ck_assert_int_eq(fa_prepare(&ctx), FA_NEXT_ACTION);
	ck_assert_str_eq(ctx.action->name, "metadata");
	fa_ctx_free(&ctx);
	fa_ctx_init(&ctx, &tagent);
	ck_assert_int_eq(parse("action=off\nusername=u\n"), 0);
	ck_assert_int_eq(fa_prepare(&ctx), FA_NEXT_ACTION);
	ck_assert_str_eq(ctx.action->name, "off");
	ck_assert_int_eq(fa_int(&ctx, T_PORT), 623);	/* checked */
}
END_TEST

START_TEST(stdin_file)
{
	FILE *f = tmpfile();

	fputs("action=on\nusername=x\n", f);
	rewind(f);
	ck_assert_int_eq(fa_parse_stdin(&ctx, f), 0);
	fclose(f);
	ck_assert_int_eq(fa_check(&ctx), 0);
	ck_assert_str_eq(fa_str(&ctx, T_ACTION), "on");
}
END_TEST

/* ---- argv ---- */

START_TEST(argv_short_long)
{
	char a0[] = "fence_test", a1[] = "-o", a2[] = "status", a3[] = "--ip=h",
	     a4[] = "-u", a5[] = "700", a6[] = "-P", a7[] = "-vvv", a8[] = "-l", a9[] = "me",
	     a10[] = "--power-wait", a11[] = "3";
	char *argv[] = { a0, a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11, NULL };

	ck_assert_int_eq(fa_parse_argv(&ctx, 12, argv), 0);
	ck_assert_int_eq(fa_check(&ctx), 0);
	ck_assert_str_eq(fa_str(&ctx, T_ACTION), "status");
	ck_assert_str_eq(fa_str(&ctx, T_IP), "h");
	ck_assert_int_eq(fa_int(&ctx, T_PORT), 700);
	ck_assert(fa_bool(&ctx, T_FLAG));
	ck_assert_int_eq(ctx.verbose, 3);
	ck_assert_int_eq(fa_int(&ctx, T_WAIT), 3000);
	ck_assert(ctx.value[T_IP].from_argv);
}
END_TEST

START_TEST(argv_secret_scrubbed)
{
	char a0[] = "fence_test", a1[] = "-p", a2[] = "s3cret", a3[] = "-l", a4[] = "u";
	char *argv[] = { a0, a1, a2, a3, a4, NULL };

	ck_assert_int_eq(fa_parse_argv(&ctx, 5, argv), 0);
	ck_assert_str_eq(fa_str(&ctx, T_PASSWORD), "s3cret");
	ck_assert_str_eq(a2, "xxxxxx");
}
END_TEST

START_TEST(argv_errors)
{
	char a0[] = "f", u1[] = "--nope", m1[] = "-u", p1[] = "stray", s1[] = "--password=zz9";
	char b1[] = "--ipaddr=x";
	char *unknown[] = { a0, u1, NULL };
	char *missing[] = { a0, m1, NULL };
	char *stray[] = { a0, p1, NULL };
	char *alias[] = { a0, b1, NULL };
	char *unk_long_val[] = { a0, s1, u1, NULL };

	ck_assert_int_eq(fa_parse_argv(&ctx, 2, unknown), -EINVAL);
	ck_assert_ptr_nonnull(strstr(ctx.error, "unknown option"));
	ck_assert_int_eq(fa_parse_argv(&ctx, 2, missing), -EINVAL);
	ck_assert_ptr_nonnull(strstr(ctx.error, "-u needs a value"));
	ck_assert_int_eq(fa_parse_argv(&ctx, 2, stray), -EINVAL);
	/* Aliases are stdin names only, as in fence-agents. */
	ck_assert_int_eq(fa_parse_argv(&ctx, 2, alias), -EINVAL);
	ck_assert_ptr_null(strstr(ctx.error, "x"));
	ck_assert_int_eq(fa_parse_argv(&ctx, 3, unk_long_val), -EINVAL);
	ck_assert_ptr_null(strstr(ctx.error, "zz9"));
}
END_TEST

/* ---- checking ---- */

START_TEST(check_types)
{
	static const struct {
		const char *in;
		int ok;
	} cases[] = {
		{ "ipport=0\n", 0 }, { "ipport=65536\n", 0 }, { "ipport=12x\n", 0 },
		{ "ipport= 5\n", 1 /* value is trimmed with the line only */ },
		{ "ipport=\n", 0 }, { "ipport=99999999999999999999\n", 0 },
		{ "power_wait=1.\n", 0 }, { "power_wait=-1\n", 0 }, { "power_wait=61\n", 0 },
		{ "power_wait=0.0005\n", 1 }, { "power_wait=60\n", 1 },
		{ "lanplus=maybe\n", 0 }, { "lanplus=YES\n", 1 }, { "lanplus=off\n", 1 },
		{ "lanplus=\n", 1 }, { "method=cycle\n", 1 }, { "method=Cycle\n", 0 },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int rc;

		fa_ctx_free(&ctx);
		fa_ctx_init(&ctx, &tagent);
		ck_assert_int_eq(parse("username=u\n"), 0);
		rc = parse(cases[i].in);
		if (rc == 0)
			rc = fa_check(&ctx);
		ck_assert_msg((rc == 0) == cases[i].ok, "%s: rc %d (%s)", cases[i].in, rc, ctx.error);
	}
}
END_TEST

START_TEST(check_messages)
{
	ck_assert_int_eq(parse("method=bogus\nusername=u\n"), 0);
	ck_assert_int_eq(fa_check(&ctx), -EINVAL);
	ck_assert_str_eq(ctx.error, "invalid value 'bogus' for method: expected one of onoff|cycle");
	fa_ctx_free(&ctx);
	fa_ctx_init(&ctx, &tagent);
	ck_assert_int_eq(parse("ip=x\n"), 0);
	ck_assert_int_eq(fa_check(&ctx), -EINVAL);
	ck_assert_str_eq(ctx.error, "missing required option username");
}
END_TEST

START_TEST(check_out_untouched_on_failure)
{
	ck_assert_int_eq(parse("username=u\n"), 0);
	ck_assert_int_eq(fa_check(&ctx), 0);
	ck_assert_int_eq(fa_int(&ctx, T_PORT), 623);
	ck_assert_int_eq(parse("ipport=abc\n"), 0);
	ck_assert_int_eq(fa_check(&ctx), -EINVAL);
	ck_assert_int_eq(fa_int(&ctx, T_PORT), 623);
}
END_TEST

/* ---- output ---- */

static char *capture(void (*fn)(const struct fa_agent *, FILE *))
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	fn(&tagent, f);
	fclose(f);
	return buf;
}

START_TEST(metadata_shape)
{
	char *md = capture(fa_metadata_write);

	ck_assert_ptr_nonnull(strstr(md, "<resource-agent name=\"fence_test\" shortdesc=\"Test agent\" >"));
	ck_assert_ptr_nonnull(strstr(md, "<longdesc>A &quot;test&quot; &lt;agent&gt;</longdesc>"));
	ck_assert_ptr_nonnull(strstr(md, "<parameter name=\"ip\" unique=\"0\" required=\"0\" obsoletes=\"ipaddr\">"));
	ck_assert_ptr_nonnull(strstr(md, "<parameter name=\"ipaddr\" unique=\"0\" required=\"0\" deprecated=\"1\">"));
	ck_assert_ptr_nonnull(strstr(md, "<getopt mixed=\"-a, --ip=[ip]\" />"));
	ck_assert_ptr_nonnull(strstr(md, "<content type=\"second\" default=\"2\" />"));
	ck_assert_ptr_nonnull(strstr(md, "<option value=\"cycle\" />"));
	ck_assert_ptr_nonnull(strstr(md, "<action name=\"on\" automatic=\"0\" />"));
	ck_assert_ptr_nonnull(strstr(md, "User &amp; &lt;name&gt;"));
	ck_assert_ptr_null(strstr(md, "nodename"));
	ck_assert_ptr_null(strstr(md, "meta-data"));
	free(md);
}
END_TEST

START_TEST(usage_shape)
{
	char *u = capture(fa_usage_write);

	ck_assert_ptr_nonnull(strstr(u, "-a, --ip=[ip]"));
	ck_assert_ptr_nonnull(strstr(u, "--power-wait=[seconds]"));
	ck_assert_ptr_nonnull(strstr(u, "(onoff|cycle)"));
	ck_assert_ptr_null(strstr(u, "ipaddr"));
	free(u);
}
END_TEST

START_TEST(exit_codes)
{
	ck_assert_int_eq(fa_exit_code(FA_RES_OK), 0);
	ck_assert_int_eq(fa_exit_code(FA_RES_OFF), 2);
	ck_assert_int_eq(fa_exit_code(FA_RES_FAIL), 1);
	ck_assert_int_eq(fa_exit_code(FA_RES_TIMEOUT), 1);
}
END_TEST

/* ---- ipmi helpers ---- */

START_TEST(ipmi_helpers)
{
	unsigned char kg[IPMI_MAX_K_G_LENGTH];
	unsigned len = 99;
	uint8_t lvl = 0;

	ck_assert_int_eq(vg_ipmi_privilege_parse("operator", &lvl), 0);
	ck_assert_int_eq(lvl, IPMI_PRIVILEGE_LEVEL_OPERATOR);
	ck_assert_int_eq(vg_ipmi_privilege_parse("root", &lvl), -EINVAL);
	ck_assert_int_eq(lvl, IPMI_PRIVILEGE_LEVEL_OPERATOR);
	ck_assert_str_eq(vg_ipmi_privilege_name(IPMI_PRIVILEGE_LEVEL_ADMIN), "administrator");
	ck_assert(vg_ipmi_cipher_valid(3));
	ck_assert(vg_ipmi_cipher_valid(17));
	ck_assert(!vg_ipmi_cipher_valid(4));
	ck_assert(!vg_ipmi_cipher_valid(-1));
	ck_assert(!vg_ipmi_cipher_valid(18));
	ck_assert_int_eq(vg_ipmi_kg_parse("0x0aFF", kg, &len), 0);
	ck_assert_int_eq(len, 2);
	ck_assert_int_eq(kg[0], 0x0a);
	ck_assert_int_eq(kg[1], 0xff);
	len = 7;
	ck_assert_int_eq(vg_ipmi_kg_parse("abc", kg, &len), -EINVAL);
	ck_assert_int_eq(vg_ipmi_kg_parse("zz", kg, &len), -EINVAL);
	ck_assert_int_eq(vg_ipmi_kg_parse("00112233445566778899001122334455667788990a", kg, &len),
			 -EINVAL);
	ck_assert_int_eq(len, 7);
	/* 40 digits, the longest key: all 20 bytes, nothing beyond. */
	ck_assert_int_eq(vg_ipmi_kg_parse("0X00112233445566778899aabbccddeeff0011ABCD", kg, &len), 0);
	ck_assert_int_eq(len, IPMI_MAX_K_G_LENGTH);
	ck_assert_int_eq(kg[0], 0x00);
	ck_assert_int_eq(kg[9], 0x99);
	ck_assert_int_eq(kg[19], 0xcd);
	len = 7;
	ck_assert_int_eq(vg_ipmi_auth_parse("md5", &lvl), 0);
	ck_assert_int_eq(lvl, IPMI_AUTHENTICATION_TYPE_MD5);
}
END_TEST

/* ---- the real agent ---- */

static int run_agent(const char *args, const char *in, char *out, size_t outlen)
{
	char cmd[1024];
	FILE *p;
	size_t n;
	int st;

	/* in is a printf format: "\\n" separates lines. */
	if (in != NULL)
		snprintf(cmd, sizeof(cmd), "printf '%s' | '%s/fence/fence_vmguard' %s 2>&1",
			 in, VG_BUILDDIR, args);
	else
		snprintf(cmd, sizeof(cmd), "'%s/fence/fence_vmguard' %s </dev/null 2>&1",
			 VG_BUILDDIR, args);
	p = popen(cmd, "r");
	ck_assert_ptr_nonnull(p);
	n = fread(out, 1, outlen - 1, p);
	out[n] = '\0';
	st = pclose(p);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

START_TEST(agent_metadata_golden)
{
	char cmd[2048];

	snprintf(cmd, sizeof(cmd), "'%s/fence/fence_vmguard' -o metadata | "
		 "cmp -s - '%s/tests/golden/fence_vmguard.metadata.xml'", VG_BUILDDIR, VG_SRCDIR);
	ck_assert_msg(system(cmd) == 0, "meta-data differs from tests/golden/"
		      "fence_vmguard.metadata.xml (regenerate it if the change is wanted)");
	snprintf(cmd, sizeof(cmd), "echo action=meta-data | '%s/fence/fence_vmguard' | "
		 "xmllint --noout --relaxng /usr/share/cluster/relaxng/metadata.rng - 2>/dev/null",
		 VG_BUILDDIR);
	ck_assert_msg(system(cmd) == 0, "meta-data is not valid against metadata.rng");
}
END_TEST

START_TEST(agent_usage_errors)
{
	char out[8192];

	ck_assert_int_eq(run_agent("--help", NULL, out, sizeof(out)), 0);
	ck_assert_ptr_nonnull(strstr(out, "-a, --ip=[ip]"));
	ck_assert_int_eq(run_agent("-o status", NULL, out, sizeof(out)), 1);
	ck_assert_ptr_nonnull(strstr(out, "missing required option ip"));
	ck_assert_int_eq(run_agent("", "action=off\\nthis is garbage\\n", out, sizeof(out)), 1);
	ck_assert_ptr_nonnull(strstr(out, "stdin line 2: expected key=value"));
	ck_assert_int_eq(run_agent("", "action=dance\\n", out, sizeof(out)), 1);
	ck_assert_ptr_nonnull(strstr(out, "unknown action 'dance'"));
	ck_assert_int_eq(run_agent("", "action=validate-all\\nip=h\\ncipher=0\\n", out, sizeof(out)), 1);
	ck_assert_ptr_nonnull(strstr(out, "force_cipher_zero"));
	ck_assert_int_eq(run_agent("", "action=validate-all\\nip=h\\ncipher=0\\nforce_cipher_zero=1\\n",
				   out, sizeof(out)), 0);
	ck_assert_int_eq(run_agent("", "action=validate-all\\nip=h\\npassword=a\\npassword_script=b\\n",
				   out, sizeof(out)), 1);
	ck_assert_ptr_nonnull(strstr(out, "only one of"));
	ck_assert_int_eq(run_agent("", "action=validate-all\\nip=h\\ntarget=0x20\\n", out, sizeof(out)), 1);
	ck_assert_int_eq(run_agent("", "action=validate-all\\nbackend=libvirt\\n", out, sizeof(out)), 1);
	ck_assert_ptr_nonnull(strstr(out, "uri"));
	/* Unknown keys and Pacemaker's extras are fine; a bad value is not,
	 * and a password is never echoed. */
	ck_assert_int_eq(run_agent("", "action=validate-all\\nipaddr=h\\nnodename=n\\nfoo=1\\n"
				   "passwd=Pa55word\\n", out, sizeof(out)), 0);
	ck_assert_int_eq(run_agent("", "action=validate-all\\nip=h\\nipport=Pa55word\\n"
				   "passwd=Pa55word\\n", out, sizeof(out)), 1);
	ck_assert_ptr_null(strstr(out, "Pa55word"));
	ck_assert_int_eq(run_agent("-o validate-all -a h -p Pa55word", NULL, out, sizeof(out)), 0);
	ck_assert_ptr_nonnull(strstr(out, "command line"));
	ck_assert_ptr_null(strstr(out, "Pa55word"));
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("fenceagent");
	TCase *tc = tcase_create("parse");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, stdin_basic);
	tcase_add_test(tc, stdin_last_wins_alias_quotes_crlf);
	tcase_add_test(tc, stdin_unknown_and_hidden);
	tcase_add_test(tc, stdin_garbage);
	tcase_add_test(tc, stdin_nul_and_size);
	tcase_add_test(tc, stdin_secret_never_in_errors);
	tcase_add_test(tc, read_options_registers_secrets);
	tcase_add_test(tc, prepare_steps);
	tcase_add_test(tc, stdin_file);
	tcase_add_test(tc, argv_short_long);
	tcase_add_test(tc, argv_secret_scrubbed);
	tcase_add_test(tc, argv_errors);
	tcase_add_test(tc, check_types);
	tcase_add_test(tc, check_messages);
	tcase_add_test(tc, check_out_untouched_on_failure);
	suite_add_tcase(s, tc);

	tc = tcase_create("output");
	tcase_add_test(tc, metadata_shape);
	tcase_add_test(tc, usage_shape);
	tcase_add_test(tc, exit_codes);
	tcase_add_test(tc, ipmi_helpers);
	suite_add_tcase(s, tc);

	tc = tcase_create("agent");
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, agent_metadata_golden);
	tcase_add_test(tc, agent_usage_errors);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
