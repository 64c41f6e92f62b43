/* common/one.c: ONE_AUTH reading, OpenNebula documents, and real xmlrpc-c
 * calls against canned oned answers served from a forked child. */
#include "config.h"

#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <xmlrpc-c/base.h>

#include "deadline.h"
#include "log.h"
#include "one.h"

static char dir[] = "/tmp/check_one.XXXXXX";

static void setup(void)
{
	ck_assert_ptr_nonnull(mkdtemp(dir));
}

static void teardown(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	ck_assert_int_eq(system(cmd), 0);
	strcpy(dir, "/tmp/check_one.XXXXXX");
}

static const char *file_with(const char *name, const char *text, mode_t mode)
{
	static char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
	ck_assert_int_eq(chmod(path, mode), 0);
	return path;
}

/* ---- ONE_AUTH ------------------------------------------------------------ */

START_TEST(auth_private_file)
{
	char s[ONE_SESSION_MAX + 1];

	ck_assert_int_eq(one_auth_read(file_with("a", "oneadmin:s3cret\n", 0600), s, sizeof(s)), 0);
	ck_assert_str_eq(s, "oneadmin:s3cret");
	ck_assert_int_eq(one_auth_read(file_with("b", "oneadmin:x y\r\nsecond line\n", 0400),
				       s, sizeof(s)), 0);
	ck_assert_str_eq(s, "oneadmin:x y");
}
END_TEST

START_TEST(auth_refuses_readable_by_others)
{
	char s[64] = "untouched";

	ck_assert_int_eq(one_auth_read(file_with("a", "oneadmin:s3cret\n", 0644), s, sizeof(s)), -EPERM);
	ck_assert_int_eq(one_auth_read(file_with("b", "oneadmin:s3cret\n", 0640), s, sizeof(s)), -EPERM);
	ck_assert_int_eq(one_auth_read(file_with("c", "oneadmin:s3cret\n", 0604), s, sizeof(s)), -EPERM);
	ck_assert_int_eq(one_auth_read(dir, s, sizeof(s)), -EPERM);
	ck_assert_str_eq(s, "untouched");
}
END_TEST

START_TEST(auth_refuses_malformed)
{
	char s[64] = "untouched", big[700];

	ck_assert_int_eq(one_auth_read(file_with("a", "oneadmin\n", 0600), s, sizeof(s)), -EINVAL);
	ck_assert_int_eq(one_auth_read(file_with("b", "oneadmin:\n", 0600), s, sizeof(s)), -EINVAL);
	ck_assert_int_eq(one_auth_read(file_with("c", ":pw\n", 0600), s, sizeof(s)), -EINVAL);
	ck_assert_int_eq(one_auth_read(file_with("d", "", 0600), s, sizeof(s)), -EINVAL);
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	big[5] = ':';
	ck_assert_int_eq(one_auth_read(file_with("e", big, 0600), s, sizeof(s)), -E2BIG);
	ck_assert_int_eq(one_auth_read(file_with("f", "user:0123456789012345678901234567890123456789"
						 "0123456789012345678901234567890123456789\n", 0600),
				       s, sizeof(s)), -E2BIG);
	ck_assert_str_eq(s, "untouched");
	snprintf(big, sizeof(big), "%s/missing", dir);
	ck_assert_int_eq(one_auth_read(big, s, sizeof(s)), -ENOENT);
}
END_TEST

START_TEST(session_parts)
{
	char user[16];

	one_session_user("oneadmin:pw:with:colons", user, sizeof(user));
	ck_assert_str_eq(user, "oneadmin");
	ck_assert_str_eq(one_session_password("oneadmin:pw:with:colons"), "pw:with:colons");
	ck_assert_str_eq(one_session_password("nocolon"), "");
}
END_TEST

/* ---- names ------------------------------------------------------------------ */

START_TEST(raft_roles)
{
	unsigned m = 77;

	ck_assert_int_eq(one_raft_roles_parse("solo leader", &m), 0);
	ck_assert_uint_eq(m, (1u << ONE_RAFT_SOLO) | (1u << ONE_RAFT_LEADER));
	ck_assert_int_eq(one_raft_roles_parse(" Follower,candidate ", &m), 0);
	ck_assert_uint_eq(m, (1u << ONE_RAFT_FOLLOWER) | (1u << ONE_RAFT_CANDIDATE));
	m = 77;
	ck_assert_int_eq(one_raft_roles_parse("solo boss", &m), -EINVAL);
	ck_assert_int_eq(one_raft_roles_parse("", &m), -EINVAL);
	ck_assert_int_eq(one_raft_roles_parse(" , ", &m), -EINVAL);
	ck_assert_int_eq(one_raft_roles_parse("sol", &m), -EINVAL);
	ck_assert_int_eq(one_raft_roles_parse(NULL, &m), -EINVAL);
	ck_assert_uint_eq(m, 77);
	ck_assert_str_eq(one_raft_state_name(0), "solo");
	ck_assert_str_eq(one_raft_state_name(3), "leader");
	ck_assert_str_eq(one_raft_state_name(4), "unknown");
	ck_assert_str_eq(one_raft_state_name(-1), "unknown");
	ck_assert_str_eq(one_stage_call(ONE_STAGE_RAFT), "one.zone.raftstatus");
}
END_TEST

/* ---- documents ----------------------------------------------------------- */

#define RAFT_SOLO "<RAFT><SERVER_ID>-1</SERVER_ID><STATE>0</STATE><TERM>0</TERM>" \
	"<VOTEDFOR>-1</VOTEDFOR><COMMIT>0</COMMIT><LOG_INDEX>-1</LOG_INDEX>" \
	"<LOG_TERM>-1</LOG_TERM><FEDLOG_INDEX>-1</FEDLOG_INDEX></RAFT>"

START_TEST(raft_documents)
{
	int st = 9, id = 9;

	ck_assert_int_eq(one_raft_parse(RAFT_SOLO, &st, &id), 0);
	ck_assert_int_eq(st, ONE_RAFT_SOLO);
	ck_assert_int_eq(id, -1);
	ck_assert_int_eq(one_raft_parse("<RAFT>\n  <SERVER_ID>2</SERVER_ID>\n  <STATE>3</STATE>\n"
					"</RAFT>\n", &st, &id), 0);
	ck_assert_int_eq(st, ONE_RAFT_LEADER);
	ck_assert_int_eq(id, 2);
	st = id = 9;
	ck_assert_int_eq(one_raft_parse("<ZONE><STATE>0</STATE></ZONE>", &st, &id), -EINVAL);
	ck_assert_int_eq(one_raft_parse("<RAFT><SERVER_ID>1</SERVER_ID></RAFT>", &st, &id), -EINVAL);
	ck_assert_int_eq(one_raft_parse("<RAFT><STATE>leader</STATE></RAFT>", &st, &id), -EINVAL);
	ck_assert_int_eq(one_raft_parse("<RAFT><STATE>0</STATE>", &st, &id), -EINVAL);
	ck_assert_int_eq(one_raft_parse("", &st, &id), -EINVAL);
	ck_assert_int_eq(one_raft_parse(NULL, &st, &id), -EINVAL);
	ck_assert_int_eq(st, 9);
	ck_assert_int_eq(id, 9);
}
END_TEST

START_TEST(hostpool_documents)
{
	int n = -7, e = -7;

	ck_assert_int_eq(one_hostpool_parse(
		"<HOST_POOL><HOST><ID>0</ID><NAME>kvm1</NAME><STATE>2</STATE>"
		"<TEMPLATE><STATE>3</STATE></TEMPLATE></HOST>"
		"<HOST><ID>1</ID><STATE>3</STATE></HOST>"
		"<HOST><ID>2</ID><STATE>5</STATE></HOST></HOST_POOL>", &n, &e), 0);
	ck_assert_int_eq(n, 3);
	ck_assert_int_eq(e, 2);
	ck_assert_int_eq(one_hostpool_parse("<HOST_POOL/>", &n, &e), 0);
	ck_assert_int_eq(n, 0);
	ck_assert_int_eq(e, 0);
	n = e = -7;
	ck_assert_int_eq(one_hostpool_parse("<VM_POOL/>", &n, &e), -EINVAL);
	ck_assert_int_eq(one_hostpool_parse("not xml", &n, &e), -EINVAL);
	ck_assert_int_eq(n, -7);
}
END_TEST

/* ---- calls against canned answers ----------------------------------------- */

/* A one-connection-at-a-time HTTP server in a child, playing oned: it
 * parses each call (xmlrpc-c's own parser) and answers only the method
 * names it was given, and only to the session SESSION as the first
 * parameter; anything else gets a fault, so a client that calls the wrong
 * method or sends the wrong session fails.  With answers NULL it never
 * answers (a stopped oned). */
#define SESSION "oneadmin:s3cret"
#define FAULT_WRONG_SESSION (-77)

struct canned {
	const char *method;	/* NULL ends the list */
	const char *body;	/* the whole XML-RPC response */
};

struct server {
	pid_t pid;
	int lfd;		/* kept open only when nobody serves it */
	int port;
	char url[64];
};

static void fault_body(char *out, size_t len, int code, const char *text)
{
	snprintf(out, len, "<?xml version=\"1.0\"?><methodResponse><fault><value><struct>"
		 "<member><name>faultCode</name><value><i4>%d</i4></value></member>"
		 "<member><name>faultString</name><value><string>%s</string></value></member>"
		 "</struct></value></fault></methodResponse>", code, text);
}

/* The answer to one request body. */
static void answer(const char *call, size_t len, const struct canned *answers,
		   char *out, size_t outlen)
{
	xmlrpc_env env;
	xmlrpc_value *params = NULL, *first = NULL;
	const char *method = NULL, *session = NULL;

	xmlrpc_env_init(&env);
	xmlrpc_parse_call(&env, call, len, &method, &params);
	if (env.fault_occurred) {
		fault_body(out, outlen, -32700, "canned oned: not an XML-RPC call");
		goto out;
	}
	if (xmlrpc_array_size(&env, params) >= 1)
		xmlrpc_array_read_item(&env, params, 0, &first);
	if (!env.fault_occurred && first != NULL)
		xmlrpc_read_string(&env, first, &session);
	if (env.fault_occurred || session == NULL || strcmp(session, SESSION) != 0) {
		fault_body(out, outlen, FAULT_WRONG_SESSION,
			   "canned oned: the first parameter is not the session");
		goto out;
	}
	for (; answers->method != NULL; answers++) {
		if (strcmp(answers->method, method) == 0) {
			snprintf(out, outlen, "%s", answers->body);
			goto out;
		}
	}
	fault_body(out, outlen, ONE_FAULT_NO_SUCH_METHOD, "canned oned: method not defined");
out:
	if (first != NULL)
		xmlrpc_DECREF(first);
	if (params != NULL)
		xmlrpc_DECREF(params);
	free((void *)session);
	free((void *)method);
	xmlrpc_env_clean(&env);
}

static void serve(int lfd, const struct canned *answers)
{
	for (;;) {
		char req[8192], body[8192], resp[8400];
		size_t got = 0;
		char *hdr_end = NULL;
		int c = accept(lfd, NULL, NULL);

		if (c < 0)
			_exit(1);
		/* Read headers and the body (xmlrpc-c sends Content-Length). */
		for (;;) {
			ssize_t n = read(c, req + got, sizeof(req) - 1 - got);
			char *cl;

			if (n <= 0)
				break;
			got += (size_t)n;
			req[got] = '\0';
			hdr_end = strstr(req, "\r\n\r\n");
			cl = strcasestr(req, "Content-Length:");
			if (hdr_end != NULL && cl != NULL &&
			    got >= (size_t)(hdr_end + 4 - req) + strtoul(cl + 15, NULL, 10))
				break;
		}
		if (hdr_end != NULL)
			answer(hdr_end + 4, got - (size_t)(hdr_end + 4 - req), answers,
			       body, sizeof(body));
		else
			fault_body(body, sizeof(body), -32700, "canned oned: no request");
		snprintf(resp, sizeof(resp), "HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\n"
			 "Content-Length: %zu\r\nConnection: close\r\n\r\n%s", strlen(body), body);
		(void)!write(c, resp, strlen(resp));
		close(c);
	}
}

static void server_start(struct server *s, const struct canned *answers)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(a);
	int lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	ck_assert_int_ge(lfd, 0);
	ck_assert_int_eq(bind(lfd, (struct sockaddr *)&a, sizeof(a)), 0);
	ck_assert_int_eq(listen(lfd, 8), 0);
	ck_assert_int_eq(getsockname(lfd, (struct sockaddr *)&a, &len), 0);
	s->port = ntohs(a.sin_port);
	snprintf(s->url, sizeof(s->url), "http://127.0.0.1:%d/RPC2", s->port);
	if (answers == NULL) {	/* a stopped oned: the kernel accepts, nobody answers */
		s->pid = 0;
		s->lfd = lfd;
		return;
	}
	s->pid = fork();
	ck_assert_int_ge(s->pid, 0);
	if (s->pid == 0)
		serve(lfd, answers);
	close(lfd);
	s->lfd = -1;
}

static void server_stop(struct server *s)
{
	if (s->pid > 0) {
		kill(s->pid, SIGKILL);
		waitpid(s->pid, NULL, 0);
	}
	if (s->lfd >= 0)
		close(s->lfd);
}

#define RESPONSE(values) "<?xml version=\"1.0\"?><methodResponse><params><param><value>" \
	"<array><data>" values "</data></array></value></param></params></methodResponse>"
#define OK_STRING(s) RESPONSE("<value><boolean>1</boolean></value><value><string>" s \
	"</string></value><value><i4>0</i4></value>")
#define VERSION_OK OK_STRING("6.10.0")

static int probe_session(const struct canned *answers, const char *session,
			 enum one_depth depth, struct one_probe *p)
{
	struct server s;
	struct one_target t = { .session = session };
	struct vg_deadline d;
	int rc;

	server_start(&s, answers);
	t.endpoint = s.url;
	vg_deadline_in_ms(&d, 5000);
	rc = one_probe_bounded(&t, depth, p, &d, NULL);
	server_stop(&s);
	return rc;
}

static int probe_calls(const struct canned *answers, enum one_depth depth, struct one_probe *p)
{
	return probe_session(answers, SESSION, depth, p);
}

/* Only one.system.version is answered, with body. */
static int probe_canned(const char *body, enum one_depth depth, struct one_probe *p)
{
	const struct canned answers[] = { { "one.system.version", body }, { NULL, NULL } };

	return probe_calls(answers, depth, p);
}

START_TEST(call_version)
{
	struct one_probe p;

	ck_assert_int_eq(probe_canned(RESPONSE("<value><boolean>1</boolean></value>"
		"<value><string>6.10.0</string></value><value><i4>0</i4></value>"),
		ONE_DEPTH_API, &p), 0);
	ck_assert_str_eq(p.version, "6.10.0");
	ck_assert_int_eq(p.stage, ONE_STAGE_DONE);
	ck_assert_int_eq(p.failure, ONE_FAIL_NONE);
}
END_TEST

START_TEST(call_auth_failure_is_not_a_fault)
{
	struct one_probe p;

	ck_assert_int_eq(probe_canned(RESPONSE("<value><boolean>0</boolean></value>"
		"<value><string>[one.system.version] User couldn't be authenticated, aborting "
		"call.</string></value><value><i4>256</i4></value><value><i4>-1</i4></value>"
		"<value><i4>-1</i4></value>"), ONE_DEPTH_API, &p), -EIO);
	ck_assert_int_eq(p.failure, ONE_FAIL_AUTH);
	ck_assert_int_eq(p.errcode, ONE_AUTHENTICATION);
	ck_assert_int_eq(p.stage, ONE_STAGE_VERSION);
	ck_assert_ptr_nonnull(strstr(p.error, "couldn't be authenticated"));
}
END_TEST

START_TEST(call_other_error_code)
{
	struct one_probe p;

	ck_assert_int_eq(probe_canned(RESPONSE("<value><boolean>0</boolean></value>"
		"<value><string>[one.system.version] Internal error</string></value>"
		"<value><i4>8192</i4></value>"), ONE_DEPTH_API, &p), -EIO);
	ck_assert_int_eq(p.failure, ONE_FAIL_API);
	ck_assert_int_eq(p.errcode, ONE_INTERNAL);
}
END_TEST

START_TEST(call_fault)
{
	struct one_probe p;

	ck_assert_int_eq(probe_canned("<?xml version=\"1.0\"?><methodResponse><fault><value><struct>"
		"<member><name>faultCode</name><value><i4>-506</i4></value></member>"
		"<member><name>faultString</name><value><string>Method 'one.system.version' "
		"not defined</string></value></member></struct></value></fault></methodResponse>",
		ONE_DEPTH_API, &p), -EIO);
	ck_assert_int_eq(p.failure, ONE_FAIL_FAULT);
	ck_assert_int_eq(p.fault_code, ONE_FAULT_NO_SUCH_METHOD);
}
END_TEST

START_TEST(call_wrong_shape)
{
	struct one_probe p;

	ck_assert_int_eq(probe_canned("<?xml version=\"1.0\"?><methodResponse><params><param>"
		"<value><string>6.10.0</string></value></param></params></methodResponse>",
		ONE_DEPTH_API, &p), -EIO);
	ck_assert_int_eq(p.failure, ONE_FAIL_REPLY);
	ck_assert_int_eq(probe_canned(RESPONSE("<value><string>true</string></value>"
		"<value><string>6.10.0</string></value>"), ONE_DEPTH_API, &p), -EIO);
	ck_assert_int_eq(p.failure, ONE_FAIL_REPLY);
}
END_TEST

START_TEST(call_depth10_reads_documents)
{
	const struct canned answers[] = {
		{ "one.system.version", VERSION_OK },
		{ "one.hostpool.info", OK_STRING("&lt;HOST_POOL&gt;&lt;HOST&gt;&lt;STATE&gt;2"
			"&lt;/STATE&gt;&lt;/HOST&gt;&lt;HOST&gt;&lt;STATE&gt;5&lt;/STATE&gt;"
			"&lt;/HOST&gt;&lt;/HOST_POOL&gt;") },
		{ "one.zone.raftstatus", OK_STRING("&lt;RAFT&gt;&lt;SERVER_ID&gt;1&lt;/SERVER_ID&gt;"
			"&lt;STATE&gt;3&lt;/STATE&gt;&lt;/RAFT&gt;") },
		{ NULL, NULL },
	};
	struct one_probe p;

	ck_assert_int_eq(probe_calls(answers, ONE_DEPTH_DB, &p), 0);
	ck_assert_int_eq(p.stage, ONE_STAGE_DONE);
	ck_assert_str_eq(p.version, "6.10.0");
	ck_assert_int_eq(p.nhosts, 2);
	ck_assert_int_eq(p.nhosts_error, 1);
	ck_assert_int_eq(p.raft_state, ONE_RAFT_LEADER);
	ck_assert_int_eq(p.raft_server_id, 1);
}
END_TEST

START_TEST(call_depth10_wrong_document)
{
	/* one.hostpool.info answers a RAFT document: not a HOST_POOL. */
	const struct canned answers[] = {
		{ "one.system.version", VERSION_OK },
		{ "one.hostpool.info", OK_STRING("&lt;RAFT&gt;&lt;STATE&gt;3&lt;/STATE&gt;"
			"&lt;/RAFT&gt;") },
		{ "one.zone.raftstatus", OK_STRING("&lt;RAFT&gt;&lt;STATE&gt;3&lt;/STATE&gt;"
			"&lt;/RAFT&gt;") },
		{ NULL, NULL },
	};
	struct one_probe p;

	ck_assert_int_eq(probe_calls(answers, ONE_DEPTH_DB, &p), -EIO);
	ck_assert_int_eq(p.stage, ONE_STAGE_HOSTPOOL);
	ck_assert_int_eq(p.failure, ONE_FAIL_REPLY);
}
END_TEST

START_TEST(canned_server_checks_the_call)
{
	const struct canned answers[] = {
		{ "one.system.version", VERSION_OK },
		{ "one.hostpool.info", OK_STRING("&lt;HOST_POOL/&gt;") },
		{ NULL, NULL },
	};
	struct one_probe p;

	/* The canned oned itself: a wrong session or an unknown method is a
	 * fault, so the probes above passed because the client sent the
	 * right method names and the session. */
	ck_assert_int_eq(probe_session(answers, "oneadmin:wrong", ONE_DEPTH_API, &p), -EIO);
	ck_assert_int_eq(p.failure, ONE_FAIL_FAULT);
	ck_assert_int_eq(p.fault_code, FAULT_WRONG_SESSION);
	ck_assert_int_eq(probe_calls(answers, ONE_DEPTH_DB, &p), -EIO);
	ck_assert_int_eq(p.stage, ONE_STAGE_RAFT);
	ck_assert_int_eq(p.failure, ONE_FAIL_FAULT);
	ck_assert_int_eq(p.fault_code, ONE_FAULT_NO_SUCH_METHOD);
	ck_assert_ptr_nonnull(strstr(p.error, "one.zone.raftstatus"));
}
END_TEST

START_TEST(call_error_text_is_masked)
{
	struct one_probe p;

	vg_log_add_secret("s3cret");
	ck_assert_int_eq(probe_canned(RESPONSE("<value><boolean>0</boolean></value>"
		"<value><string>bad session oneadmin:s3cret</string></value>"
		"<value><i4>256</i4></value>"), ONE_DEPTH_API, &p), -EIO);
	ck_assert_ptr_null(strstr(p.error, "s3cret"));
	ck_assert_ptr_nonnull(strstr(p.error, "****"));
	vg_log_clear_secrets();
}
END_TEST

START_TEST(call_refused)
{
	struct server s;
	struct one_target t = { .session = SESSION };
	struct one_probe p;
	struct vg_deadline d;
	long long ms;

	server_start(&s, (const struct canned[]){ { NULL, NULL } });
	server_stop(&s);	/* nobody listens on that port any more */
	t.endpoint = s.url;
	vg_deadline_in_ms(&d, 5000);
	ck_assert_int_eq(one_probe_bounded(&t, ONE_DEPTH_API, &p, &d, &ms), -EIO);
	ck_assert_int_eq(p.failure, ONE_FAIL_TRANSPORT);
	ck_assert_int_lt(ms, 2000);
}
END_TEST

START_TEST(call_no_answer_meets_the_deadline)
{
	struct server s;
	struct one_target t = { .session = SESSION };
	struct one_probe p;
	struct vg_deadline d;
	long long ms;
	int rc;

	server_start(&s, NULL);	/* listening, never accepting */
	t.endpoint = s.url;
	vg_deadline_in_ms(&d, 700);
	rc = one_probe_bounded(&t, ONE_DEPTH_DB, &p, &d, &ms);
	ck_assert(rc == -EIO || rc == -ETIMEDOUT);
	ck_assert_int_eq(p.failure, ONE_FAIL_TIMEOUT);
	ck_assert_int_eq(p.stage, ONE_STAGE_VERSION);
	ck_assert_int_ge(ms, 400);
	ck_assert_int_lt(ms, 1500);
	server_stop(&s);
}
END_TEST

static Suite *one_suite(void)
{
	Suite *s = suite_create("one");
	TCase *tc = tcase_create("auth");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, auth_private_file);
	tcase_add_test(tc, auth_refuses_readable_by_others);
	tcase_add_test(tc, auth_refuses_malformed);
	tcase_add_test(tc, session_parts);
	suite_add_tcase(s, tc);

	tc = tcase_create("documents");
	tcase_add_test(tc, raft_roles);
	tcase_add_test(tc, raft_documents);
	tcase_add_test(tc, hostpool_documents);
	suite_add_tcase(s, tc);

	tc = tcase_create("calls");
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, call_version);
	tcase_add_test(tc, call_auth_failure_is_not_a_fault);
	tcase_add_test(tc, call_other_error_code);
	tcase_add_test(tc, call_fault);
	tcase_add_test(tc, call_wrong_shape);
	tcase_add_test(tc, call_depth10_reads_documents);
	tcase_add_test(tc, call_depth10_wrong_document);
	tcase_add_test(tc, canned_server_checks_the_call);
	tcase_add_test(tc, call_error_text_is_masked);
	tcase_add_test(tc, call_refused);
	tcase_add_test(tc, call_no_answer_meets_the_deadline);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(one_suite());
	int failed;

	vg_log_init("check_one", NULL, LOG_CRIT);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	vg_log_fini();
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
