#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <corosync/cmap.h>
#include <corosync/corotypes.h>

#include "quorum.h"

static void notify(quorum_handle_t handle, uint32_t quorate, uint64_t ring_seq,
		   uint32_t n, uint32_t *view)
{
	struct vg_quorum *q = NULL;

	(void)ring_seq;
	(void)view;
	if (quorum_context_get(handle, (const void **)&q) != CS_OK || q == NULL)
		return;
	q->quorate = quorate != 0;
	q->members = n;
	if (q->changed != NULL)
		q->changed(q->arg, q->quorate, n);
}

int vg_quorum_connect(struct vg_quorum *q,
		      void (*changed)(void *arg, bool quorate, uint32_t members), void *arg)
{
	quorum_callbacks_t cb = { .quorum_notify_fn = notify };
	uint32_t type = 0;
	int fd = -1;
	char name[2];

	q->fd = -1;
	q->quorate = false;
	q->changed = changed;
	q->arg = arg;
	if (quorum_initialize(&q->handle, &cb, &type) != CS_OK)
		return -ENOTCONN;
	if (quorum_context_set(q->handle, q) != CS_OK ||
	    quorum_trackstart(q->handle, CS_TRACK_CHANGES | CS_TRACK_CURRENT) != CS_OK ||
	    quorum_fd_get(q->handle, &fd) != CS_OK) {
		quorum_finalize(q->handle);
		return -ENOTCONN;
	}
	q->fd = fd;
	if (q->nodeid == 0)
		(void)vg_quorum_local_node(&q->nodeid, name, sizeof(name));
	return 0;
}

int vg_quorum_dispatch(struct vg_quorum *q)
{
	if (q->fd < 0)
		return -ENOTCONN;
	if (quorum_dispatch(q->handle, CS_DISPATCH_ALL) != CS_OK) {
		vg_quorum_disconnect(q);
		return -ENOTCONN;
	}
	return 0;
}

void vg_quorum_disconnect(struct vg_quorum *q)
{
	if (q->fd >= 0)
		quorum_finalize(q->handle);
	q->fd = -1;
}

int vg_quorum_local_node(uint32_t *nodeid, char *name, size_t len)
{
	cmap_handle_t h;
	uint32_t id = 0, pos = 0;
	char key[128], *s = NULL;
	int rc = -ENOENT;

	if (cmap_initialize(&h) != CS_OK)
		return -ENOTCONN;
	if (cmap_get_uint32(h, "runtime.votequorum.this_node_id", &id) != CS_OK &&
	    cmap_get_uint32(h, "nodelist.local_node_pos", &pos) == CS_OK) {
		snprintf(key, sizeof(key), "nodelist.node.%u.nodeid", pos);
		(void)cmap_get_uint32(h, key, &id);
	}
	if (cmap_get_uint32(h, "nodelist.local_node_pos", &pos) == CS_OK) {
		snprintf(key, sizeof(key), "nodelist.node.%u.name", pos);
		if (cmap_get_string(h, key, &s) == CS_OK && s != NULL && *s != '\0' &&
		    strlen(s) < len)
			rc = 0;
	}
	if (id == 0)
		rc = -ENOENT;
	if (rc == 0) {
		*nodeid = id;
		snprintf(name, len, "%s", s);
	} else if (id != 0) {
		*nodeid = id;	/* the id alone is still worth having */
	}
	free(s);
	cmap_finalize(h);
	return rc;
}
