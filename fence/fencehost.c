/* vmguard fence-host: the fencing script of OpenNebula's host-failure hook.
 *
 * OpenNebula's share/hooks/ft/host_error.rb runs "fence_host.sh" from its own
 * directory with no arguments, the failed host's XML, strict base64, on
 * stdin, and recovers the host's VMs only when the script exits 0.  Link
 * vmguard there under that name (or call "vmguard fence-host"):
 *
 *   ln -s /usr/sbin/vmguard /var/lib/one/remotes/hooks/ft/fence_host.sh
 *
 * We ask Pacemaker's fencer to power the host off and exit 0 only when the
 * fencer reports the fence done AND its history confirms a fence of that
 * node since we asked.  Anything else exits non-zero, so OpenNebula leaves
 * the VMs alone: a VM that stays down is recoverable, one that runs twice
 * corrupts its disks.  Bad input changes nothing: no fence is requested.
 *
 * A fence request cannot be withdrawn: when we give up (timeout), the
 * fencer's peers may still be trying their devices and can power the host
 * off later.  That is safe -- we exited non-zero, so OpenNebula recovered
 * nothing and no VM runs twice -- but the host may then be off with its VMs
 * down until the hook runs again; the message says so.
 *
 * Exit codes: 0 fenced and confirmed; 1 not fenced (or not confirmed);
 * 2 bad input or usage.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <libxml/parser.h>
#include <libxml/xpath.h>

#include "bounded.h"
#include "commands.h"
#include "deadline.h"
#include "fencer.h"
#include "log.h"

#define FH_STDIN_MAX (1024 * 1024)	/* a host document is a few KiB */
#define FH_NAME_MAX 256
#define FH_MAX_MAPS 64

enum {
	FH_OK = 0,
	FH_NOT_FENCED = 1,
	FH_BAD_INPUT = 2,
};

struct fh_opts {
	int timeout_s;
	int stdin_timeout_ms;
	int nmaps;
	const char *map[FH_MAX_MAPS];	/* "one_name=node" */
};

/* Read all of stdin, at most max bytes, before the deadline. */
static int read_stdin(char **out, size_t *outlen, size_t max, const struct vg_deadline *d)
{
	char *buf = malloc(max + 1);
	size_t len = 0;

	if (buf == NULL)
		return -ENOMEM;
	for (;;) {
		struct pollfd p = { .fd = STDIN_FILENO, .events = POLLIN };
		long long left = vg_deadline_remaining_ms(d);
		ssize_t n;

		if (left <= 0 || poll(&p, 1, (int)(left > 60000 ? 60000 : left)) == 0) {
			if (vg_deadline_expired(d)) {
				free(buf);
				return -ETIMEDOUT;
			}
			continue;
		}
		n = read(STDIN_FILENO, buf + len, max + 1 - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			n = -errno;
			free(buf);
			return (int)n;
		}
		if (n == 0)
			break;
		len += (size_t)n;
		if (len > max) {
			free(buf);
			return -EFBIG;
		}
	}
	buf[len] = '\0';
	*out = buf;
	*outlen = len;
	return 0;
}

static int b64_value(char c)
{
	if (c >= 'A' && c <= 'Z') return c - 'A';
	if (c >= 'a' && c <= 'z') return c - 'a' + 26;
	if (c >= '0' && c <= '9') return c - '0' + 52;
	if (c == '+') return 62;
	if (c == '/') return 63;
	return -1;
}

/* Decode base64 (whitespace between groups tolerated, as host_error.rb's
 * strict_encode64 output may carry a trailing newline).  Writes into out
 * (at least 3/4 of len + 1 bytes); 0 and *outlen, or -EINVAL. */
int fh_base64_decode(const char *in, size_t len, unsigned char *out, size_t *outlen);
int fh_base64_decode(const char *in, size_t len, unsigned char *out, size_t *outlen)
{
	unsigned int acc = 0;
	int bits = 0, pad = 0;
	size_t o = 0;

	for (size_t i = 0; i < len; i++) {
		char c = in[i];
		int v;

		if (c == ' ' || c == '\n' || c == '\r' || c == '\t')
			continue;
		if (c == '=') {
			pad++;
			continue;
		}
		if (pad > 0)
			return -EINVAL;	/* data after padding */
		v = b64_value(c);
		if (v < 0)
			return -EINVAL;
		acc = (acc << 6) | (unsigned int)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[o++] = (unsigned char)(acc >> bits);
			acc &= (1u << bits) - 1;
		}
	}
	if (pad > 2 || o == 0)
		return -EINVAL;
	out[o] = '\0';
	*outlen = o;
	return 0;
}

static bool name_is_sane(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n >= FH_NAME_MAX)
		return false;
	return strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") == n;
}

static void xpath_text(xmlXPathContextPtr xp, const char *expr, char *out, size_t len)
{
	xmlXPathObjectPtr r = xmlXPathEvalExpression((const xmlChar *)expr, xp);
	xmlChar *t = NULL;

	out[0] = '\0';
	if (r != NULL && r->nodesetval != NULL && r->nodesetval->nodeNr > 0)
		t = xmlNodeGetContent(r->nodesetval->nodeTab[0]);
	if (t != NULL) {
		snprintf(out, len, "%s", (const char *)t);
		xmlFree(t);
	}
	xmlXPathFreeObject(r);
}

/* The host's NAME and ID from OpenNebula's <HOST> document. */
static int host_from_xml(const unsigned char *xml, size_t len, char *name, char *id,
			 char *why, size_t whylen)
{
	xmlDocPtr doc;
	xmlXPathContextPtr xp;

	/* No network, no external entities, no DTD loading: the document is
	 * data from another process, parsed with the least it needs. */
	doc = xmlReadMemory((const char *)xml, (int)len, "host.xml", NULL,
			    XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	if (doc == NULL) {
		snprintf(why, whylen, "stdin is base64 but not an XML document");
		return -EINVAL;
	}
	xp = xmlXPathNewContext(doc);
	if (xp == NULL) {
		xmlFreeDoc(doc);
		return -ENOMEM;
	}
	xpath_text(xp, "/HOST/NAME", name, FH_NAME_MAX);
	xpath_text(xp, "/HOST/ID", id, 32);
	xmlXPathFreeContext(xp);
	xmlFreeDoc(doc);
	if (name[0] == '\0') {
		snprintf(why, whylen, "the document has no /HOST/NAME: not an OpenNebula host");
		return -EINVAL;
	}
	if (!name_is_sane(name)) {
		snprintf(why, whylen, "host name '%.64s' is not a valid node name", name);
		return -EINVAL;
	}
	return 0;
}

static const char *map_name(const struct fh_opts *o, const char *name)
{
	size_t n = strlen(name);

	for (int i = 0; i < o->nmaps; i++) {
		if (strncmp(o->map[i], name, n) == 0 && o->map[i][n] == '=')
			return o->map[i] + n + 1;
	}
	return name;
}

struct kick_args {
	const char *node;
	int timeout_s;
};

struct kick_result {
	int rc;
	time_t fenced_at;
};

/* In a child: the fencer's IPC can block (a hung fencer), and libstonithd
 * logs and opens syslog on its own. */
static int kick_child(void *arg, void *result, size_t len)
{
	const struct kick_args *a = arg;
	struct kick_result *r = result;

	if (len != sizeof(*r))
		return -EINVAL;
	r->rc = vg_fencer_kick_off(0, a->node, a->timeout_s);
	r->fenced_at = r->rc == 0 ? vg_fencer_last_fenced(0, a->node, false) : 0;
	return 0;
}

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: vmguard fence-host [--timeout SECONDS] [--map ONE_NAME=NODE]...\n"
		"  Reads OpenNebula's host XML, base64, on stdin (as ft/host_error.rb\n"
		"  sends it), asks Pacemaker's fencer to power that host off and exits 0\n"
		"  only once the fence is confirmed.  1: not fenced; 2: bad input.\n"
		"  --timeout   how long the fence may take (default 120 s)\n"
		"  --map       OpenNebula host name -> cluster node name, when they differ\n"
		"Install: ln -s /usr/sbin/vmguard /var/lib/one/remotes/hooks/ft/fence_host.sh\n");
}

static int parse_opts(int argc, char **argv, struct fh_opts *o)
{
	static const struct option opts[] = {
		{ "timeout", required_argument, NULL, 't' },
		{ "map", required_argument, NULL, 'm' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	o->timeout_s = 120;
	o->stdin_timeout_ms = 10000;
	o->nmaps = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, "t:m:h", opts, NULL)) != -1) {
		switch (c) {
		case 't': {
			char *end;
			long v = strtol(optarg, &end, 10);

			if (*optarg == '\0' || *end != '\0' || v < 1 || v > 3600) {
				fprintf(stderr, "vmguard fence-host: --timeout must be 1 to 3600 "
					"seconds, not '%s'\n", optarg);
				return FH_BAD_INPUT;
			}
			o->timeout_s = (int)v;
			break;
		}
		case 'm':
			if (strchr(optarg, '=') == NULL || o->nmaps == FH_MAX_MAPS) {
				fprintf(stderr, "vmguard fence-host: --map wants ONE_NAME=NODE, "
					"not '%s'\n", optarg);
				return FH_BAD_INPUT;
			}
			o->map[o->nmaps++] = optarg;
			break;
		case 'h':
			usage(stdout);
			exit(FH_OK);
		default:
			usage(stderr);
			return FH_BAD_INPUT;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "vmguard fence-host: unexpected argument '%s' (the host "
			"comes on stdin)\n", argv[optind]);
		return FH_BAD_INPUT;
	}
	return FH_OK;
}

int vmguard_fence_host_main(int argc, char **argv)
{
	struct fh_opts o;
	struct vg_deadline d;
	char *in = NULL, why[256] = "", name[FH_NAME_MAX], id[32];
	unsigned char *xml = NULL;
	size_t inlen = 0, xmllen = 0;
	struct kick_args ka;
	struct kick_result kr = { 0 };
	const char *node;
	time_t asked;
	long long took;
	int rc, status = FH_BAD_INPUT;

	rc = parse_opts(argc, argv, &o);
	if (rc != FH_OK)
		return rc;
	vg_log_init("vmguard-fence-host", NULL, LOG_INFO);

	vg_deadline_in_ms(&d, o.stdin_timeout_ms);
	rc = read_stdin(&in, &inlen, FH_STDIN_MAX, &d);
	if (rc != 0) {
		vg_err("cannot read the host from stdin: %s; nothing was fenced",
		       rc == -ETIMEDOUT ? "timed out after 10 s" :
		       rc == -EFBIG ? "more than 1 MiB" : strerror(-rc));
		goto out;
	}
	xml = malloc(inlen / 4 * 3 + 4);
	if (xml == NULL)
		goto out;
	if (fh_base64_decode(in, inlen, xml, &xmllen) != 0) {
		vg_err("stdin is not base64 (OpenNebula sends the host XML base64-encoded); "
		       "nothing was fenced");
		goto out;
	}
	if (host_from_xml(xml, xmllen, name, id, why, sizeof(why)) != 0) {
		vg_err("%s; nothing was fenced", why);
		goto out;
	}
	node = map_name(&o, name);

	vg_notice("fencing node %s (OpenNebula host %s, ID %s): power off through "
		  "Pacemaker's fencer, timeout %d s", node, name, id[0] ? id : "?", o.timeout_s);
	ka.node = node;
	ka.timeout_s = o.timeout_s;
	asked = time(NULL);
	/* The fencer enforces the timeout; our own deadline adds a margin for
	 * its reply and stops waiting on a fencer that never answers. */
	vg_deadline_in_ms(&d, (long long)o.timeout_s * 1000 + 5000);
	rc = vg_bounded_run(kick_child, &ka, &kr, sizeof(kr), &d, &took);
	if (rc == -ETIMEDOUT) {
		vg_err("NOT fenced: the fencer did not answer within %d s (timed out); "
		       "OpenNebula must not recover the VMs of %s. The request cannot be "
		       "withdrawn: the fencer may still power %s off later", o.timeout_s + 5,
		       name, node);
		status = FH_NOT_FENCED;
		goto out;
	}
	if (rc != 0 || kr.rc != 0) {
		vg_err("NOT fenced: %s (%d); OpenNebula must not recover the VMs of %s. "
		       "Check that a fence device covers %s (stonith_admin --list %s) and "
		       "that this node is part of a quorate partition. The request cannot "
		       "be withdrawn: the fencer may still power %s off later; check "
		       "stonith_admin --history %s before running the hook again",
		       rc != 0 ? strerror(-rc) : vg_fencer_strerror(kr.rc),
		       rc != 0 ? rc : kr.rc, name, node, node, node, node);
		status = FH_NOT_FENCED;
		goto out;
	}
	/* The wall clock is what the fencer's history records; one second of
	 * slack for its granularity. */
	if (!vg_fencer_confirmed(kr.fenced_at, asked)) {
		vg_err("NOT confirmed: the fencer reported success but its history has no "
		       "fence of %s since we asked; OpenNebula must not recover its VMs", node);
		status = FH_NOT_FENCED;
		goto out;
	}
	vg_notice("node %s is fenced (off), confirmed by the fencer's history after %lld ms; "
		  "OpenNebula may recover its VMs", node, took);
	printf("fenced %s (OpenNebula host %s)\n", node, name);
	status = FH_OK;
out:
	if (in != NULL) {
		explicit_bzero(in, inlen);
		free(in);
	}
	free(xml);
	vg_log_fini();
	return status;
}
