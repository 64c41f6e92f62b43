#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>

#include "bounded.h"
#include "virt.h"

const char *virt_stage_call(enum virt_stage stage)
{
	switch (stage) {
	case VIRT_STAGE_CONNECT: return "virConnectOpen";
	case VIRT_STAGE_LIBVERSION: return "virConnectGetLibVersion";
	case VIRT_STAGE_HVVERSION: return "virConnectGetVersion";
	case VIRT_STAGE_CAPABILITIES: return "virConnectGetCapabilities";
	case VIRT_STAGE_DOMAINS: return "virConnectListAllDomains";
	case VIRT_STAGE_DONE: break;
	}
	return "none";
}

void virt_version_string(unsigned long v, char *buf, size_t len)
{
	snprintf(buf, len, "%lu.%lu.%lu", v / 1000000, (v / 1000) % 1000, v % 1000);
}

/* libvirt prints every error to stderr by default; we report our own. */
static void quiet_errors(void *data, virErrorPtr err)
{
	(void)data;
	(void)err;
}

static int fail(struct virt_probe *p, enum virt_stage stage)
{
	const char *msg = virGetLastErrorMessage();

	p->stage = stage;
	snprintf(p->error, sizeof(p->error), "%s", msg != NULL ? msg : "unknown error");
	return -EIO;
}

static int list_domains(virConnectPtr conn, struct virt_probe *p)
{
	virDomainPtr *doms = NULL;
	int n = virConnectListAllDomains(conn, &doms, 0);

	if (n < 0)
		return fail(p, VIRT_STAGE_DOMAINS);
	p->ndomains = n;
	for (int i = 0; i < n; i++) {
		if (virDomainIsActive(doms[i]) == 1) {
			p->nactive++;
			if (p->nuuids < VIRT_MAX_DOMAINS &&
			    virDomainGetUUIDString(doms[i], p->uuid[p->nuuids]) == 0)
				p->nuuids++;
		}
		virDomainFree(doms[i]);
	}
	free(doms);
	return 0;
}

int virt_probe(const char *uri, enum virt_depth depth, struct virt_probe *p)
{
	virConnectPtr conn;
	char *caps;
	int rc = 0;

	memset(p, 0, sizeof(*p));
	virSetErrorFunc(NULL, quiet_errors);
	conn = virConnectOpen(uri);
	if (conn == NULL)
		return fail(p, VIRT_STAGE_CONNECT);
	if (virConnectGetLibVersion(conn, &p->libver) < 0) {
		rc = fail(p, VIRT_STAGE_LIBVERSION);
		goto out;
	}
	if (depth >= VIRT_DEPTH_DRIVER) {
		if (virConnectGetVersion(conn, &p->hvver) < 0) {
			rc = fail(p, VIRT_STAGE_HVVERSION);
			goto out;
		}
		caps = virConnectGetCapabilities(conn);
		if (caps == NULL) {
			rc = fail(p, VIRT_STAGE_CAPABILITIES);
			goto out;
		}
		free(caps);
		rc = list_domains(conn, p);
		if (rc != 0)
			goto out;
	}
	p->stage = VIRT_STAGE_DONE;
out:
	virConnectClose(conn);
	return rc;
}

struct probe_args {
	const char *uri;
	enum virt_depth depth;
};

static int probe_child(void *arg, void *result, size_t len)
{
	const struct probe_args *a = arg;

	if (len != sizeof(struct virt_probe))
		return -EINVAL;
	return virt_probe(a->uri, a->depth, result);
}

int virt_probe_bounded(const char *uri, enum virt_depth depth,
		       struct virt_probe *p, const struct vg_deadline *d,
		       long long *elapsed_ms)
{
	struct probe_args a = { .uri = uri, .depth = depth };
	struct virt_probe *tmp = calloc(1, sizeof(*tmp));
	int rc;

	if (tmp == NULL)
		return -ENOMEM;
	rc = vg_bounded_run(probe_child, &a, tmp, sizeof(*tmp), d, elapsed_ms);
	if (rc == 0 || rc == -EIO)
		memcpy(p, tmp, sizeof(*p));
	free(tmp);
	return rc;
}
