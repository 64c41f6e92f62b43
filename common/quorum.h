/* Corosync quorum and this node's identity (libquorum, libcmap).
 *
 * vmguardd keeps one tracking connection: quorum changes arrive as events on
 * a file descriptor, so knowing whether this partition is quorate costs no
 * IPC at the moment of a fence decision (when corosync itself may be the
 * thing that hangs).  A lost connection means "quorum unknown", which the
 * daemon treats like "not quorate".
 */
#ifndef VG_QUORUM_H
#define VG_QUORUM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <corosync/quorum.h>

struct vg_quorum {
	quorum_handle_t handle;
	int fd;			/* -1 when not connected */
	bool quorate;		/* valid while fd >= 0 */
	uint32_t nodeid;	/* this node, 0 if unknown */
	uint32_t members;	/* size of the last membership view */
	void (*changed)(void *arg, bool quorate, uint32_t members);
	void *arg;
};

/* Connect and start tracking; the current state arrives with the first
 * vg_quorum_dispatch().  changed (may be NULL) is called from dispatch.
 * 0, or -ENOTCONN when corosync does not answer. */
int vg_quorum_connect(struct vg_quorum *q,
		      void (*changed)(void *arg, bool quorate, uint32_t members), void *arg);

/* Process pending notifications.  0, or -ENOTCONN when the connection is
 * gone (then q->fd is -1 and the caller reconnects later). */
int vg_quorum_dispatch(struct vg_quorum *q);

void vg_quorum_disconnect(struct vg_quorum *q);

/* This node's id and corosync name ("nodelist.node.N.name" of the local
 * node).  0 and both written; -ENOTCONN or -ENOENT (no name in corosync's
 * nodelist: Pacemaker then uses uname -n too). */
int vg_quorum_local_node(uint32_t *nodeid, char *name, size_t len);

#endif
