/* OpenNebula's XML-RPC API, through xmlrpc-c (the library oned itself uses).
 *
 * oned answers POST <endpoint> (http://localhost:2633/RPC2) with one array
 * per call: [ok(bool), value-or-error(string), errcode(int), ...].  The first
 * argument of every call is the session "user:password", the contents of the
 * ONE_AUTH file.  A wrong password is not an XML-RPC fault: it is an ordinary
 * answer [false, "[one.system.version] User couldn't be authenticated,
 * aborting call.", 256, -1, -1].  An unknown method is fault -506.
 *
 * one_probe() makes the calls of one health check in the current process;
 * run it through one_probe_bounded(), which runs it in a child under a
 * deadline (common/bounded.h): a SIGSTOPped or deadlocked oned accepts the
 * TCP connection and never answers, and no library timeout is trusted to
 * catch every way that can hang.
 */
#ifndef VG_ONE_H
#define VG_ONE_H

#include <stdbool.h>
#include <stddef.h>

#include "deadline.h"

/* OpenNebula's error codes (include/Request.h, ErrorCode). */
enum one_errcode {
	ONE_SUCCESS = 0x0000,
	ONE_AUTHENTICATION = 0x0100,
	ONE_AUTHORIZATION = 0x0200,
	ONE_NO_EXISTS = 0x0400,
	ONE_ACTION = 0x0800,
	ONE_XML_RPC_API = 0x1000,
	ONE_INTERNAL = 0x2000,
	ONE_ALLOCATE = 0x4000,
	ONE_LOCKED = 0x8000,
	ONE_REPLICATION = 0x10000,
};

/* xmlrpc-c's fault for a method the server does not know. */
#define ONE_FAULT_NO_SUCH_METHOD (-506)

/* Raft roles as one.zone.raftstatus reports them in RAFT/STATE. */
enum one_raft_state {
	ONE_RAFT_SOLO = 0,
	ONE_RAFT_CANDIDATE = 1,
	ONE_RAFT_FOLLOWER = 2,
	ONE_RAFT_LEADER = 3,
};

/* The calls of a probe, in the order they are made. */
enum one_stage {
	ONE_STAGE_VERSION,	/* one.system.version: API + authentication */
	ONE_STAGE_HOSTPOOL,	/* one.hostpool.info: the database answers */
	ONE_STAGE_RAFT,		/* one.zone.raftstatus: HA role */
	ONE_STAGE_HTTP,		/* GET of the Sunstone/FireEdge URL */
	ONE_STAGE_DONE,
};

/* Why a call failed. */
enum one_failure {
	ONE_FAIL_NONE,
	ONE_FAIL_TRANSPORT,	/* no HTTP answer: refused, reset, closed */
	ONE_FAIL_TIMEOUT,	/* no answer within the deadline */
	ONE_FAIL_AUTH,		/* answered [false, ..., 256]: credentials refused */
	ONE_FAIL_FAULT,		/* XML-RPC fault (fault_code: -506 unknown method) */
	ONE_FAIL_API,		/* answered [false, msg, errcode] other than auth */
	ONE_FAIL_REPLY,		/* an answer that is not OpenNebula's format */
	ONE_FAIL_HTTP,		/* the web UI answered an HTTP error */
};

/* Depth of a probe, as OCF_CHECK_LEVEL. */
enum one_depth {
	ONE_DEPTH_API = 0,	/* one.system.version */
	ONE_DEPTH_DB = 10,	/* + one.hostpool.info + one.zone.raftstatus */
	ONE_DEPTH_WEB = 20,	/* + HTTP GET of the web UI, when a URL is given */
};

#define ONE_SESSION_MAX 512

struct one_target {
	const char *endpoint;	/* http://localhost:2633/RPC2 */
	const char *session;	/* "user:password" (a secret) */
	const char *web_url;	/* NULL or "": no web check */
};

/* Plain data only: it travels from the probing child through a pipe. */
struct one_probe {
	enum one_stage stage;		/* the call that failed, or DONE */
	enum one_failure failure;
	int fault_code;			/* ONE_FAIL_FAULT */
	int errcode;			/* ONE_FAIL_API / ONE_FAIL_AUTH */
	long http_status;		/* ONE_FAIL_HTTP, or the web UI's answer */
	char version[64];		/* one.system.version */
	int raft_state;			/* enum one_raft_state, -1 unknown */
	int raft_server_id;		/* -1 when not in a raft zone */
	int nhosts;			/* hosts in the pool */
	int nhosts_error;		/* in ERROR or MONITORING_ERROR */
	long long call_ms[ONE_STAGE_DONE];	/* time each call took */
	char error[512];		/* the failed call's message, masked */
};

/* Name of a stage's call, for messages: "one.system.version". */
const char *one_stage_call(enum one_stage stage);

/* "solo", "candidate", "follower", "leader", or "unknown". */
const char *one_raft_state_name(int state);

/* Parse a list of raft role names ("solo leader", separated by spaces or
 * commas) into a bit mask of (1 << state).  *mask written only on success;
 * -EINVAL on an unknown name or an empty list. */
int one_raft_roles_parse(const char *s, unsigned *mask);

/* Read the session from a ONE_AUTH file: its first line, "user:password".
 * Refuses a file that is not a regular file or that its group or others
 * can read (-EPERM), one without "user:" and a password (-EINVAL), or one
 * longer than len - 1 (-E2BIG).  session is written only on success;
 * the buffers used while reading are wiped. */
int one_auth_read(const char *path, char *session, size_t len);

/* The user part of a session, for messages ("oneadmin"). */
void one_session_user(const char *session, char *user, size_t len);

/* The password part of a session (points into session; "" when none). */
const char *one_session_password(const char *session);

/* Pull RAFT/STATE and RAFT/SERVER_ID out of one.zone.raftstatus's XML.
 * 0 on success; -EINVAL when the document is not a RAFT with a STATE. */
int one_raft_parse(const char *xml, int *state, int *server_id);

/* Count HOST_POOL/HOST elements, and those in ERROR (3) or MONITORING_ERROR
 * (5).  0 on success; -EINVAL when the document is not a HOST_POOL. */
int one_hostpool_parse(const char *xml, int *nhosts, int *nerror);

/* The calls of depth, in this process, each with a transport timeout of
 * what is left of d (less a small margin, so that a call that gets no
 * answer is reported here, with its name, before the hard deadline of
 * one_probe_bounded() has to act).  0 when everything answered; -EIO with
 * p->stage, p->failure and p->error naming the failed call otherwise. */
int one_probe(const struct one_target *t, enum one_depth depth,
	      const struct vg_deadline *d, struct one_probe *p);

/* The same in a child answered by the deadline d.  Returns what one_probe()
 * returned, or -ETIMEDOUT when the child itself had to be killed (p->stage
 * is then the call it was waiting for, read from a page it shares with the
 * parent).  *elapsed_ms (optional): wall time. */
int one_probe_bounded(const struct one_target *t, enum one_depth depth,
		      struct one_probe *p, const struct vg_deadline *d,
		      long long *elapsed_ms);

#endif
