/* One health probe of libvirtd through the libvirt API.
 *
 * virt_probe() does the calls in the current process; call it through
 * virt_probe_bounded(), which runs it in a child under a deadline, because
 * every one of these calls can block forever against a hung daemon.
 */
#ifndef VG_VIRT_H
#define VG_VIRT_H

#include <stddef.h>

#include "deadline.h"

#define VIRT_MAX_DOMAINS 256
#define VIRT_UUID_LEN 37

enum virt_stage {
	VIRT_STAGE_CONNECT,		/* virConnectOpen */
	VIRT_STAGE_LIBVERSION,		/* virConnectGetLibVersion */
	VIRT_STAGE_HVVERSION,		/* virConnectGetVersion */
	VIRT_STAGE_CAPABILITIES,	/* virConnectGetCapabilities */
	VIRT_STAGE_DOMAINS,		/* virConnectListAllDomains */
	VIRT_STAGE_DONE,
};

/* Depth of a probe: what to ask beyond the connection round trip. */
enum virt_depth {
	VIRT_DEPTH_API = 0,		/* connect + library version */
	VIRT_DEPTH_DRIVER = 10,		/* + hypervisor version, capabilities, domains */
};

struct virt_probe {
	enum virt_stage stage;		/* the call that failed, or DONE */
	unsigned long libver;
	unsigned long hvver;
	int ndomains;			/* all defined domains */
	int nactive;			/* running or paused */
	int nuuids;			/* entries in uuid[] (active domains) */
	char uuid[VIRT_MAX_DOMAINS][VIRT_UUID_LEN];
	char error[512];		/* libvirt's message for the failed call */
};

/* Name of the libvirt call of a stage, for messages. */
const char *virt_stage_call(enum virt_stage stage);

/* Run the probe in this process.  0 when every call of the depth answered;
 * -EIO with p->stage and p->error naming the failed call otherwise. */
int virt_probe(const char *uri, enum virt_depth depth, struct virt_probe *p);

/* The same, in a child, answered by the deadline: -ETIMEDOUT when libvirtd
 * did not answer in time (p->stage is then unknown: CONNECT). */
int virt_probe_bounded(const char *uri, enum virt_depth depth,
		       struct virt_probe *p, const struct vg_deadline *d,
		       long long *elapsed_ms);

/* "9.0.0" from libvirt's 9000000 encoding. */
void virt_version_string(unsigned long v, char *buf, size_t len);

#endif
