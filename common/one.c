#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <strings.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <curl/curl.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <xmlrpc-c/base.h>
#include <xmlrpc-c/client.h>

#include "bounded.h"
#include "log.h"
#include "one.h"

/* The curl transport's timeout is set from the deadline, less this margin.
 * It is not what holds the deadline: xmlrpc-c 1.33 notices the expiry only
 * when its own select() wakes up, which was measured here at ~3 s whatever
 * the timeout (400 ms, 1.4 s, 2.4 s all returned after ~3.0 s).  The hard
 * deadline of one_probe_bounded() (a child that is killed) is what makes a
 * hung oned fail in time; the child tells which call it was waiting for
 * through a shared page. */
#define ONE_TRANSPORT_MARGIN_MS 150

const char *one_stage_call(enum one_stage stage)
{
	switch (stage) {
	case ONE_STAGE_VERSION: return "one.system.version";
	case ONE_STAGE_HOSTPOOL: return "one.hostpool.info";
	case ONE_STAGE_RAFT: return "one.zone.raftstatus";
	case ONE_STAGE_HTTP: return "the web UI check";
	case ONE_STAGE_DONE: break;
	}
	return "the API calls";
}

static const char *const raft_names[] = {
	[ONE_RAFT_SOLO] = "solo",
	[ONE_RAFT_CANDIDATE] = "candidate",
	[ONE_RAFT_FOLLOWER] = "follower",
	[ONE_RAFT_LEADER] = "leader",
};

const char *one_raft_state_name(int state)
{
	if (state < 0 || state > ONE_RAFT_LEADER)
		return "unknown";
	return raft_names[state];
}

int one_raft_roles_parse(const char *s, unsigned *mask)
{
	unsigned m = 0;

	if (s == NULL)
		return -EINVAL;
	while (*s != '\0') {
		size_t n;
		bool known = false;

		s += strspn(s, " ,\t");
		n = strcspn(s, " ,\t");
		if (n == 0)
			break;
		for (int i = 0; i <= ONE_RAFT_LEADER; i++) {
			if (strlen(raft_names[i]) == n && strncasecmp(s, raft_names[i], n) == 0) {
				m |= 1u << i;
				known = true;
			}
		}
		if (!known)
			return -EINVAL;
		s += n;
	}
	if (m == 0)
		return -EINVAL;
	*mask = m;
	return 0;
}

/* ---- ONE_AUTH ----------------------------------------------------------- */

int one_auth_read(const char *path, char *session, size_t len)
{
	char buf[ONE_SESSION_MAX + 2];
	struct stat st;
	ssize_t n, total = 0;
	size_t line;
	int fd, rc = 0;
	const char *colon;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) != 0) {
		rc = -errno;
		goto out;
	}
	if (!S_ISREG(st.st_mode) || (st.st_mode & (S_IRGRP | S_IROTH)) != 0) {
		rc = -EPERM;
		goto out;
	}
	while ((size_t)total < sizeof(buf) - 1) {
		n = read(fd, buf + total, sizeof(buf) - 1 - (size_t)total);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			rc = -errno;
			goto out;
		}
		if (n == 0)
			break;
		total += n;
	}
	buf[total] = '\0';
	line = strcspn(buf, "\r\n");
	buf[line] = '\0';
	while (line > 0 && isspace((unsigned char)buf[line - 1]))
		buf[--line] = '\0';
	colon = strchr(buf, ':');
	if (colon == NULL || colon == buf || colon[1] == '\0') {
		rc = -EINVAL;
		goto out;
	}
	if (line >= len || line > ONE_SESSION_MAX) {
		rc = -E2BIG;
		goto out;
	}
	memcpy(session, buf, line + 1);
out:
	explicit_bzero(buf, sizeof(buf));
	close(fd);
	return rc;
}

void one_session_user(const char *session, char *user, size_t len)
{
	size_t n = strcspn(session, ":");

	snprintf(user, len, "%.*s", (int)n, session);
}

const char *one_session_password(const char *session)
{
	const char *colon = strchr(session, ':');

	return colon != NULL ? colon + 1 : "";
}

/* ---- documents ------------------------------------------------------------ */

static xmlDocPtr doc_read(const char *xml, const char *root)
{
	xmlDocPtr doc;
	xmlNodePtr r;

	if (xml == NULL)
		return NULL;
	doc = xmlReadMemory(xml, (int)strnlen(xml, 64 << 20), "one.xml", NULL,
			    XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	if (doc == NULL)
		return NULL;
	r = xmlDocGetRootElement(doc);
	if (r == NULL || xmlStrcmp(r->name, (const xmlChar *)root) != 0) {
		xmlFreeDoc(doc);
		return NULL;
	}
	return doc;
}

/* The integer text of child element name of parent; -EINVAL if absent. */
static int child_int(xmlNodePtr parent, const char *name, int *out)
{
	for (xmlNodePtr c = parent->children; c != NULL; c = c->next) {
		xmlChar *text;
		char *end;
		long v;

		if (c->type != XML_ELEMENT_NODE || xmlStrcmp(c->name, (const xmlChar *)name) != 0)
			continue;
		text = xmlNodeGetContent(c);
		if (text == NULL)
			return -EINVAL;
		errno = 0;
		v = strtol((const char *)text, &end, 10);
		if (errno != 0 || end == (char *)text || *end != '\0' || v < -1000000 || v > 1000000) {
			xmlFree(text);
			return -EINVAL;
		}
		xmlFree(text);
		*out = (int)v;
		return 0;
	}
	return -EINVAL;
}

int one_raft_parse(const char *xml, int *state, int *server_id)
{
	xmlDocPtr doc = doc_read(xml, "RAFT");
	int st, id = -1, rc;

	if (doc == NULL)
		return -EINVAL;
	rc = child_int(xmlDocGetRootElement(doc), "STATE", &st);
	if (rc == 0)
		(void)child_int(xmlDocGetRootElement(doc), "SERVER_ID", &id);
	xmlFreeDoc(doc);
	if (rc != 0)
		return rc;
	*state = st;
	*server_id = id;
	return 0;
}

int one_hostpool_parse(const char *xml, int *nhosts, int *nerror)
{
	xmlDocPtr doc = doc_read(xml, "HOST_POOL");
	int n = 0, nerr = 0;

	if (doc == NULL)
		return -EINVAL;
	for (xmlNodePtr h = xmlDocGetRootElement(doc)->children; h != NULL; h = h->next) {
		int st;

		if (h->type != XML_ELEMENT_NODE || xmlStrcmp(h->name, (const xmlChar *)"HOST") != 0)
			continue;
		n++;
		/* Host states 3 (ERROR) and 5 (MONITORING_ERROR). */
		if (child_int(h, "STATE", &st) == 0 && (st == 3 || st == 5))
			nerr++;
	}
	xmlFreeDoc(doc);
	*nhosts = n;
	*nerror = nerr;
	return 0;
}

/* ---- calls ------------------------------------------------------------- */

static void set_error(struct one_probe *p, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void set_error(struct one_probe *p, const char *fmt, ...)
{
	char raw[sizeof(p->error)];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(raw, sizeof(raw), fmt, ap);
	va_end(ap);
	vg_log_mask(raw, p->error, sizeof(p->error));
	explicit_bzero(raw, sizeof(raw));
}

static long long transport_ms(const struct vg_deadline *d)
{
	long long left = vg_deadline_remaining_ms(d) - ONE_TRANSPORT_MARGIN_MS;

	return left > 1 ? left : 1;
}

/* Read [ok, value, errcode, ...] into p (stage already set); on success
 * *value is the malloc'd string. */
static int reply_read(xmlrpc_env *env, xmlrpc_value *res, struct one_probe *p,
		      const char *method, char **value)
{
	xmlrpc_value *item = NULL;
	xmlrpc_bool ok = 0;
	const char *text = NULL;
	int code = -1;

	if (xmlrpc_value_type(res) != XMLRPC_TYPE_ARRAY || xmlrpc_array_size(env, res) < 2) {
		p->failure = ONE_FAIL_REPLY;
		set_error(p, "%s answered something other than [ok, value, errcode]", method);
		return -EIO;
	}
	xmlrpc_array_read_item(env, res, 0, &item);
	if (!env->fault_occurred)
		xmlrpc_read_bool(env, item, &ok);
	if (item != NULL)
		xmlrpc_DECREF(item);
	item = NULL;
	if (!env->fault_occurred)
		xmlrpc_array_read_item(env, res, 1, &item);
	if (!env->fault_occurred)
		xmlrpc_read_string(env, item, &text);
	if (item != NULL)
		xmlrpc_DECREF(item);
	item = NULL;
	if (!env->fault_occurred && xmlrpc_array_size(env, res) >= 3) {
		xmlrpc_array_read_item(env, res, 2, &item);
		if (!env->fault_occurred)
			xmlrpc_read_int(env, item, &code);
		if (item != NULL)
			xmlrpc_DECREF(item);
	}
	if (env->fault_occurred) {
		p->failure = ONE_FAIL_REPLY;
		set_error(p, "%s answered an array of unexpected types: %s", method,
			  env->fault_string);
		free((void *)text);
		return -EIO;
	}
	if (!ok) {
		p->errcode = code;
		p->failure = code == ONE_AUTHENTICATION ? ONE_FAIL_AUTH : ONE_FAIL_API;
		set_error(p, "%s", text);
		free((void *)text);
		return -EIO;
	}
	*value = (char *)text;
	return 0;
}

/* One call method(session); *value gets the answer's string. */
static int one_call(const struct one_target *t, const char *method,
		    const struct vg_deadline *d, struct one_probe *p, char **value)
{
	struct xmlrpc_curl_xportparms cp;
	struct xmlrpc_clientparms parms;
	xmlrpc_client *client = NULL;
	xmlrpc_value *res = NULL;
	xmlrpc_env env;
	long long limit = transport_ms(d), t0 = vg_now_ms(), took;
	int rc = -EIO;

	memset(&cp, 0, sizeof(cp));
	memset(&parms, 0, sizeof(parms));
	cp.user_agent = "vmguard/" PACKAGE_VERSION;
	cp.timeout = (unsigned)limit;
	parms.transport = "curl";
	parms.transportparmsP = &cp;
	parms.transportparm_size = XMLRPC_CXPSIZE(timeout);

	xmlrpc_env_init(&env);
	xmlrpc_client_create(&env, XMLRPC_CLIENT_NO_FLAGS, "vmguard", PACKAGE_VERSION,
			     &parms, XMLRPC_CPSIZE(transportparm_size), &client);
	if (env.fault_occurred) {
		p->failure = ONE_FAIL_TRANSPORT;
		set_error(p, "cannot create an XML-RPC client: %s", env.fault_string);
		goto out;
	}
	xmlrpc_client_call2f(&env, client, t->endpoint, method, &res, "(s)", t->session);
	took = vg_now_ms() - t0;
	p->call_ms[p->stage] = took;
	if (env.fault_occurred) {
		p->fault_code = env.fault_code;
		if (env.fault_code == XMLRPC_NETWORK_ERROR && took + 50 >= limit) {
			p->failure = ONE_FAIL_TIMEOUT;
			set_error(p, "%s got no answer from %s within %lld ms", method,
				  t->endpoint, took);
		} else if (env.fault_code == XMLRPC_NETWORK_ERROR) {
			p->failure = ONE_FAIL_TRANSPORT;
			set_error(p, "%s: %s", method, env.fault_string);
		} else if (env.fault_code == XMLRPC_PARSE_ERROR) {
			p->failure = ONE_FAIL_REPLY;
			set_error(p, "%s: unreadable answer: %s", method, env.fault_string);
		} else {
			p->failure = ONE_FAIL_FAULT;
			set_error(p, "%s: XML-RPC fault %d: %s", method, env.fault_code,
				  env.fault_string);
		}
		goto out;
	}
	rc = reply_read(&env, res, p, method, value);
out:
	if (res != NULL)
		xmlrpc_DECREF(res);
	if (client != NULL)
		xmlrpc_client_destroy(client);
	xmlrpc_env_clean(&env);
	return rc;
}

static size_t discard(char *ptr, size_t size, size_t nmemb, void *userdata)
{
	(void)ptr;
	(void)userdata;
	return size * nmemb;
}

static int web_check(const char *url, const struct vg_deadline *d, struct one_probe *p)
{
	CURL *c = curl_easy_init();
	long long limit = transport_ms(d), t0 = vg_now_ms();
	long status = 0;
	CURLcode cc;

	if (c == NULL) {
		p->failure = ONE_FAIL_TRANSPORT;
		set_error(p, "cannot create a curl handle");
		return -EIO;
	}
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, (long)limit);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, discard);
	curl_easy_setopt(c, CURLOPT_USERAGENT, "vmguard/" PACKAGE_VERSION);
	cc = curl_easy_perform(c);
	p->call_ms[ONE_STAGE_HTTP] = vg_now_ms() - t0;
	if (cc == CURLE_OK)
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_cleanup(c);
	p->http_status = status;
	if (cc == CURLE_OPERATION_TIMEDOUT) {
		p->failure = ONE_FAIL_TIMEOUT;
		set_error(p, "%s did not answer within %lld ms", url, p->call_ms[ONE_STAGE_HTTP]);
		return -EIO;
	}
	if (cc != CURLE_OK) {
		p->failure = ONE_FAIL_TRANSPORT;
		set_error(p, "%s: %s", url, curl_easy_strerror(cc));
		return -EIO;
	}
	/* Sunstone and FireEdge answer 200, or redirect to their login page. */
	if (status < 200 || status >= 400) {
		p->failure = ONE_FAIL_HTTP;
		set_error(p, "%s answered HTTP %ld", url, status);
		return -EIO;
	}
	return 0;
}

/* Each stage is also written to *progress (shared with the parent when the
 * probe runs in a child) so that a probe killed at the hard deadline still
 * tells which call got no answer. */
static void stage_set(struct one_probe *p, volatile int *progress, enum one_stage s)
{
	p->stage = s;
	if (progress != NULL)
		*progress = (int)s;
}

static int probe_run(const struct one_target *t, enum one_depth depth,
		     const struct vg_deadline *d, struct one_probe *p,
		     volatile int *progress)
{
	xmlrpc_env env;
	char *value = NULL;
	int rc;

	memset(p, 0, sizeof(*p));
	p->raft_state = -1;
	p->raft_server_id = -1;
	xmlrpc_env_init(&env);
	xmlrpc_client_setup_global_const(&env);
	if (env.fault_occurred) {
		p->failure = ONE_FAIL_TRANSPORT;
		set_error(p, "xmlrpc-c initialisation failed: %s", env.fault_string);
		xmlrpc_env_clean(&env);
		return -EIO;
	}
	xmlrpc_env_clean(&env);

	stage_set(p, progress, ONE_STAGE_VERSION);
	rc = one_call(t, "one.system.version", d, p, &value);
	if (rc != 0)
		goto out;
	snprintf(p->version, sizeof(p->version), "%s", value);
	free(value);
	value = NULL;
	if (depth < ONE_DEPTH_DB)
		goto done;

	stage_set(p, progress, ONE_STAGE_HOSTPOOL);
	rc = one_call(t, "one.hostpool.info", d, p, &value);
	if (rc != 0)
		goto out;
	if (one_hostpool_parse(value, &p->nhosts, &p->nhosts_error) != 0) {
		p->failure = ONE_FAIL_REPLY;
		set_error(p, "one.hostpool.info answered a document that is not a HOST_POOL");
		rc = -EIO;
		goto out;
	}
	free(value);
	value = NULL;

	stage_set(p, progress, ONE_STAGE_RAFT);
	rc = one_call(t, "one.zone.raftstatus", d, p, &value);
	if (rc != 0)
		goto out;
	if (one_raft_parse(value, &p->raft_state, &p->raft_server_id) != 0) {
		p->failure = ONE_FAIL_REPLY;
		set_error(p, "one.zone.raftstatus answered a document without RAFT/STATE");
		rc = -EIO;
		goto out;
	}
	free(value);
	value = NULL;

	if (depth >= ONE_DEPTH_WEB && t->web_url != NULL && t->web_url[0] != '\0') {
		stage_set(p, progress, ONE_STAGE_HTTP);
		rc = web_check(t->web_url, d, p);
		if (rc != 0)
			goto out;
	}
done:
	stage_set(p, progress, ONE_STAGE_DONE);
	p->failure = ONE_FAIL_NONE;
	rc = 0;
out:
	free(value);
	return rc;
}

int one_probe(const struct one_target *t, enum one_depth depth,
	      const struct vg_deadline *d, struct one_probe *p)
{
	return probe_run(t, depth, d, p, NULL);
}

struct bounded_args {
	const struct one_target *t;
	enum one_depth depth;
	const struct vg_deadline *d;
	volatile int *progress;		/* a MAP_SHARED page, or NULL */
};

static int probe_in_child(void *arg, void *result, size_t len)
{
	const struct bounded_args *a = arg;

	if (len != sizeof(struct one_probe))
		return -EINVAL;
	return probe_run(a->t, a->depth, a->d, result, a->progress);
}

int one_probe_bounded(const struct one_target *t, enum one_depth depth,
		      struct one_probe *p, const struct vg_deadline *d,
		      long long *elapsed_ms)
{
	struct bounded_args a = { .t = t, .depth = depth, .d = d };
	void *page = mmap(NULL, sizeof(int), PROT_READ | PROT_WRITE,
			  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	int rc, reached = ONE_STAGE_DONE;

	if (page != MAP_FAILED) {
		a.progress = page;
		*a.progress = ONE_STAGE_DONE;
	}
	memset(p, 0, sizeof(*p));
	rc = vg_bounded_run(probe_in_child, &a, p, sizeof(*p), d, elapsed_ms);
	if (page != MAP_FAILED) {
		reached = *a.progress;
		munmap(page, sizeof(int));
	}
	if (rc == -ETIMEDOUT || rc == -ECHILD || rc == -EPROTO) {
		memset(p, 0, sizeof(*p));
		p->stage = reached >= 0 && reached <= ONE_STAGE_DONE ?
			   (enum one_stage)reached : ONE_STAGE_DONE;
		p->raft_state = -1;
		p->raft_server_id = -1;
		p->failure = rc == -ETIMEDOUT ? ONE_FAIL_TIMEOUT : ONE_FAIL_TRANSPORT;
		set_error(p, rc == -ETIMEDOUT ? "no answer before the deadline" :
			  "the probing process died without an answer");
	}
	return rc;
}
