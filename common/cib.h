/* The cluster's fencing configuration, as the CIB holds it (libcib).
 *
 * vmguard selftest needs what Pacemaker's fencer works from: every stonith
 * primitive with its agent and parameters, the cluster nodes and whether
 * they are online, the fencing topology and the cluster-wide fencing
 * options.  The CIB is read once with libcib (in a child, under a
 * deadline: a hung pacemaker-based must not hang a cron job) and parsed
 * here into plain structures; nothing parses cibadmin output.
 *
 * vg_cib_parse() takes the CIB as XML text so the unit tests can feed it
 * any CIB without a cluster.
 */
#ifndef VG_CIB_H
#define VG_CIB_H

#include <stdbool.h>
#include <stddef.h>

#include "deadline.h"

struct vg_cib_param {
	char *name;
	char *value;
};

struct vg_cib_device {
	char *id;
	char *agent;			/* type= of the class="stonith" primitive */
	struct vg_cib_param *params;	/* instance_attributes, in document order */
	size_t nparams;
	long long monitor_timeout_ms;	/* pcmk_monitor_timeout, else the monitor
					 * op's timeout, else 0 (unset) */
	bool disabled;			/* target-role=Stopped (fencer ignores it) */
};

struct vg_cib_node {
	char *uname;
	char *id;
	bool remote;			/* type="remote" (Pacemaker Remote) */
	bool online;			/* node_state: crmd online and in the membership */
};

enum vg_cib_level_kind {
	VG_CIB_LEVEL_NODE,		/* target="node" */
	VG_CIB_LEVEL_PATTERN,		/* target-pattern="regex" */
	VG_CIB_LEVEL_ATTRIBUTE,		/* target-attribute/target-value */
};

struct vg_cib_level {
	enum vg_cib_level_kind kind;
	char *target;			/* node name, regex or attribute name */
	char *value;			/* target-value (attribute kind only) */
	int index;
	char *devices;			/* "dev1,dev2": all must succeed */
};

struct vg_cib {
	struct vg_cib_device *devices;
	size_t ndevices;
	struct vg_cib_node *nodes;
	size_t nnodes;
	struct vg_cib_level *levels;
	size_t nlevels;
	bool stonith_enabled;		/* default true */
	long long stonith_timeout_ms;	/* default 60 s */
};

/* Fetch the whole CIB from the local pacemaker-based with libcib, in a
 * child bounded by d.  0 and *xml (malloc'd text) on success; -ENOTCONN
 * when the CIB cannot be reached, -ETIMEDOUT, -EFBIG (over 8 MiB), or
 * another negative errno, with a message in err. */
int vg_cib_fetch(char **xml, const struct vg_deadline *d, char *err, size_t errlen);

/* Parse CIB XML text.  0 and *out filled (free it with vg_cib_free());
 * -EINVAL with a message when the text is not a CIB.  *out is untouched
 * on failure. */
int vg_cib_parse(const char *xml, struct vg_cib *out, char *err, size_t errlen);

void vg_cib_free(struct vg_cib *c);

/* A device's parameter value, NULL when not set. */
const char *vg_cib_param(const struct vg_cib_device *dev, const char *name);

/* A node by name, NULL when the CIB has none. */
const struct vg_cib_node *vg_cib_node_find(const struct vg_cib *c, const char *uname);

/* Call fn for each name of a pcmk_host_list (separated by blanks, commas
 * or semicolons, as the fencer splits it).  Returns how many. */
size_t vg_cib_host_list_each(const char *list, void (*fn)(void *arg, const char *name),
			     void *arg);

/* Call fn for each node of a pcmk_host_map ("node1:plug1;node2=plug2,plug3":
 * entries separated by semicolons or blanks, node and plug by ':' or '=').
 * Returns how many entries. */
size_t vg_cib_host_map_each(const char *map,
			    void (*fn)(void *arg, const char *node, const char *plug),
			    void *arg);

/* Call fn for the target of each line of a fence agent's list output
 * (the first word of each line, up to a blank or comma).  Returns how many. */
size_t vg_cib_list_output_each(const char *out, void (*fn)(void *arg, const char *name),
			       void *arg);

/* Does the topology level apply to node?  Attribute levels cannot be
 * decided from the CIB's configuration alone (*undecided is set). */
bool vg_cib_level_matches(const struct vg_cib_level *l, const char *node, bool *undecided);

#endif
