#include "config.h"

#include <errno.h>
#include <regex.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <crm/cib.h>
#include <crm/common/util.h>
#include <crm/common/xml.h>
#include <libxml/parser.h>

#include "bounded.h"
#include "cib.h"

#define CIB_TEXT_MAX (8u << 20)	/* a CIB bigger than this is not a fencing setup */

/* ---- fetching (libcib, in a bounded child) ------------------------------- */

struct fetch_reply {
	uint32_t len;
	int32_t rc;		/* legacy Pacemaker code of the failing call */
	char what[128];		/* which call failed */
	char text[];
};

static int fetch_child(void *arg, void *result, size_t result_len)
{
	struct fetch_reply *r = result;
	size_t room = result_len - sizeof(*r);
	cib_t *cib = cib_new();
	xmlNode *out = NULL;
	char *text = NULL;
	int rc;

	(void)arg;
	if (cib == NULL) {
		snprintf(r->what, sizeof(r->what), "cib_new");
		return -ENOMEM;
	}
	rc = cib->cmds->signon(cib, "vmguard-selftest", cib_query);
	if (rc != pcmk_ok) {
		snprintf(r->what, sizeof(r->what), "connecting to the CIB");
		r->rc = rc;
		cib_delete(cib);
		return -ENOTCONN;
	}
	rc = cib->cmds->query(cib, NULL, &out, cib_scope_local | cib_sync_call);
	if (rc != pcmk_ok || out == NULL) {
		snprintf(r->what, sizeof(r->what), "querying the CIB");
		r->rc = rc;
		rc = -EIO;
		goto out;
	}
	text = dump_xml_unformatted(out);
	if (text == NULL) {
		rc = -ENOMEM;
		goto out;
	}
	if (strlen(text) >= room) {
		snprintf(r->what, sizeof(r->what), "the CIB is larger than %u bytes", CIB_TEXT_MAX);
		rc = -EFBIG;
		goto out;
	}
	r->len = (uint32_t)strlen(text);
	memcpy(r->text, text, r->len + 1);
	rc = 0;
out:
	free(text);
	if (out != NULL)
		free_xml(out);
	cib->cmds->signoff(cib);
	cib_delete(cib);
	return rc;
}

int vg_cib_fetch(char **xml, const struct vg_deadline *d, char *err, size_t errlen)
{
	size_t len = sizeof(struct fetch_reply) + CIB_TEXT_MAX;
	struct fetch_reply *r = calloc(1, len);
	int rc;

	if (r == NULL)
		return -ENOMEM;
	rc = vg_bounded_run(fetch_child, NULL, r, len, d, NULL);
	if (rc == 0) {
		char *copy = malloc((size_t)r->len + 1);

		if (copy == NULL) {
			rc = -ENOMEM;
		} else {
			memcpy(copy, r->text, (size_t)r->len + 1);
			copy[r->len] = '\0';
			*xml = copy;
		}
	} else if (rc == -ETIMEDOUT) {
		snprintf(err, errlen, "the CIB (pacemaker-based) did not answer in time");
	} else if (r->what[0] != '\0') {
		snprintf(err, errlen, "%s failed: %s", r->what,
			 r->rc != 0 ? pcmk_strerror(r->rc) : strerror(-rc));
	} else {
		snprintf(err, errlen, "reading the CIB failed: %s", strerror(-rc));
	}
	free(r);
	return rc;
}

/* ---- parsing -------------------------------------------------------------- */

static bool is_elem(const xmlNode *n, const char *name)
{
	return n != NULL && n->type == XML_ELEMENT_NODE &&
	       (name == NULL || strcmp((const char *)n->name, name) == 0);
}

static const xmlNode *child(const xmlNode *parent, const char *name)
{
	for (const xmlNode *n = parent != NULL ? parent->children : NULL; n != NULL; n = n->next)
		if (is_elem(n, name))
			return n;
	return NULL;
}

static char *dup_or_empty(const char *s)
{
	return strdup(s != NULL ? s : "");
}

/* Grow an array by one zeroed element; NULL on allocation failure. */
static void *grow(void **arr, size_t *n, size_t size)
{
	char *p = realloc(*arr, (*n + 1) * size);

	if (p == NULL)
		return NULL;
	*arr = p;
	memset(p + *n * size, 0, size);
	return p + (*n)++ * size;
}

static int add_param(struct vg_cib_device *dev, const char *name, const char *value)
{
	struct vg_cib_param *p;

	/* Later sets override earlier ones, as Pacemaker unpacks them
	 * without rules: keep one entry per name, the last value. */
	for (size_t i = 0; i < dev->nparams; i++) {
		if (strcmp(dev->params[i].name, name) == 0) {
			char *v = dup_or_empty(value);

			if (v == NULL)
				return -ENOMEM;
			free(dev->params[i].value);
			dev->params[i].value = v;
			return 0;
		}
	}
	p = grow((void **)&dev->params, &dev->nparams, sizeof(*p));
	if (p == NULL)
		return -ENOMEM;
	p->name = strdup(name);
	p->value = dup_or_empty(value);
	return p->name != NULL && p->value != NULL ? 0 : -ENOMEM;
}

static int parse_primitive(const xmlNode *prim, struct vg_cib *c)
{
	struct vg_cib_device *dev;
	const char *id = crm_element_value(prim, "id");
	const char *type = crm_element_value(prim, "type");
	int rc = 0;

	if (id == NULL || type == NULL)
		return 0;	/* not something the fencer could use either */
	dev = grow((void **)&c->devices, &c->ndevices, sizeof(*dev));
	if (dev == NULL)
		return -ENOMEM;
	dev->id = strdup(id);
	dev->agent = strdup(type);
	if (dev->id == NULL || dev->agent == NULL)
		return -ENOMEM;
	for (const xmlNode *set = prim->children; set != NULL && rc == 0; set = set->next) {
		bool meta = is_elem(set, "meta_attributes");

		if (!is_elem(set, "instance_attributes") && !meta)
			continue;
		for (const xmlNode *nv = set->children; nv != NULL && rc == 0; nv = nv->next) {
			const char *name = crm_element_value(nv, "name");
			const char *value = crm_element_value(nv, "value");

			if (!is_elem(nv, "nvpair") || name == NULL)
				continue;
			if (meta) {
				if (strcmp(name, "target-role") == 0 && value != NULL &&
				    strcasecmp(value, "Stopped") == 0)
					dev->disabled = true;
				continue;
			}
			rc = add_param(dev, name, value);
		}
	}
	if (rc != 0)
		return rc;
	for (const xmlNode *op = child(child(prim, "operations"), NULL); op != NULL; op = op->next) {
		const char *name = crm_element_value(op, "name");
		const char *timeout = crm_element_value(op, "timeout");

		if (is_elem(op, "op") && name != NULL && strcmp(name, "monitor") == 0 &&
		    timeout != NULL && crm_get_msec(timeout) > 0)
			dev->monitor_timeout_ms = crm_get_msec(timeout);
	}
	if (vg_cib_param(dev, "pcmk_monitor_timeout") != NULL &&
	    crm_get_msec(vg_cib_param(dev, "pcmk_monitor_timeout")) > 0)
		dev->monitor_timeout_ms = crm_get_msec(vg_cib_param(dev, "pcmk_monitor_timeout"));
	return 0;
}

/* Stonith primitives may sit inside groups and clones. */
static int walk_resources(const xmlNode *n, struct vg_cib *c)
{
	int rc = 0;

	for (; n != NULL && rc == 0; n = n->next) {
		const char *cls;

		if (!is_elem(n, NULL))
			continue;
		if (is_elem(n, "primitive")) {
			cls = crm_element_value(n, "class");
			if (cls != NULL && strcmp(cls, "stonith") == 0)
				rc = parse_primitive(n, c);
		} else if (is_elem(n, "group") || is_elem(n, "clone") || is_elem(n, "master") ||
			   is_elem(n, "bundle")) {
			rc = walk_resources(n->children, c);
		}
	}
	return rc;
}

static int parse_nodes(const xmlNode *nodes, const xmlNode *status, struct vg_cib *c)
{
	for (const xmlNode *n = child(nodes, "node"); n != NULL; n = n->next) {
		struct vg_cib_node *node;
		const char *uname = crm_element_value(n, "uname");
		const char *type = crm_element_value(n, "type");

		if (!is_elem(n, "node") || uname == NULL)
			continue;
		node = grow((void **)&c->nodes, &c->nnodes, sizeof(*node));
		if (node == NULL)
			return -ENOMEM;
		node->uname = strdup(uname);
		node->id = dup_or_empty(crm_element_value(n, "id"));
		if (node->uname == NULL || node->id == NULL)
			return -ENOMEM;
		node->remote = type != NULL && strcmp(type, "remote") == 0;
	}
	for (const xmlNode *s = child(status, "node_state"); s != NULL; s = s->next) {
		const char *uname = crm_element_value(s, "uname");
		const char *crmd = crm_element_value(s, "crmd");
		const char *ccm = crm_element_value(s, "in_ccm");

		if (!is_elem(s, "node_state") || uname == NULL)
			continue;
		for (size_t i = 0; i < c->nnodes; i++) {
			if (strcmp(c->nodes[i].uname, uname) != 0)
				continue;
			/* in_ccm is "true"/"false" in 2.1, a timestamp later. */
			c->nodes[i].online = crmd != NULL && strcmp(crmd, "online") == 0 &&
					     ccm != NULL && strcmp(ccm, "false") != 0;
		}
	}
	return 0;
}

static int parse_topology(const xmlNode *topo, struct vg_cib *c)
{
	for (const xmlNode *n = child(topo, "fencing-level"); n != NULL; n = n->next) {
		struct vg_cib_level *l;
		const char *target = crm_element_value(n, "target");
		const char *pattern = crm_element_value(n, "target-pattern");
		const char *attr = crm_element_value(n, "target-attribute");
		const char *index = crm_element_value(n, "index");
		const char *devices = crm_element_value(n, "devices");

		if (!is_elem(n, "fencing-level") || devices == NULL ||
		    (target == NULL && pattern == NULL && attr == NULL))
			continue;
		l = grow((void **)&c->levels, &c->nlevels, sizeof(*l));
		if (l == NULL)
			return -ENOMEM;
		l->kind = target != NULL ? VG_CIB_LEVEL_NODE :
			  pattern != NULL ? VG_CIB_LEVEL_PATTERN : VG_CIB_LEVEL_ATTRIBUTE;
		l->target = strdup(target != NULL ? target : pattern != NULL ? pattern : attr);
		l->value = dup_or_empty(crm_element_value(n, "target-value"));
		l->devices = strdup(devices);
		l->index = index != NULL ? atoi(index) : 0;
		if (l->target == NULL || l->value == NULL || l->devices == NULL)
			return -ENOMEM;
	}
	return 0;
}

static void parse_options(const xmlNode *crm_config, struct vg_cib *c)
{
	for (const xmlNode *set = child(crm_config, "cluster_property_set"); set != NULL;
	     set = set->next) {
		if (!is_elem(set, "cluster_property_set"))
			continue;
		for (const xmlNode *nv = child(set, "nvpair"); nv != NULL; nv = nv->next) {
			const char *name = crm_element_value(nv, "name");
			const char *value = crm_element_value(nv, "value");

			if (!is_elem(nv, "nvpair") || name == NULL || value == NULL)
				continue;
			if (strcmp(name, "stonith-enabled") == 0)
				c->stonith_enabled = crm_is_true(value);
			else if (strcmp(name, "stonith-timeout") == 0 && crm_get_msec(value) > 0)
				c->stonith_timeout_ms = crm_get_msec(value);
		}
	}
}

int vg_cib_parse(const char *text, struct vg_cib *out, char *err, size_t errlen)
{
	struct vg_cib c = { .stonith_enabled = true, .stonith_timeout_ms = 60000 };
	/* libxml2 directly: Pacemaker 2.1.5's string2xml() leaks the document
	 * of malformed input. */
	xmlDoc *doc = text != NULL ? xmlReadMemory(text, (int)strlen(text), "cib.xml", NULL,
						   XML_PARSE_NONET | XML_PARSE_NOERROR |
						   XML_PARSE_NOWARNING) : NULL;
	xmlNode *root = doc != NULL ? xmlDocGetRootElement(doc) : NULL;
	const xmlNode *conf;
	int rc;

	if (root == NULL || !is_elem(root, "cib") || (conf = child(root, "configuration")) == NULL) {
		snprintf(err, errlen, "not a CIB (no <cib><configuration>)");
		if (doc != NULL)
			xmlFreeDoc(doc);
		return -EINVAL;
	}
	parse_options(child(conf, "crm_config"), &c);
	rc = walk_resources(child(child(conf, "resources"), NULL), &c);
	if (rc == 0)
		rc = parse_nodes(child(conf, "nodes"), child(root, "status"), &c);
	if (rc == 0)
		rc = parse_topology(child(conf, "fencing-topology"), &c);
	xmlFreeDoc(doc);
	if (rc != 0) {
		snprintf(err, errlen, "out of memory parsing the CIB");
		vg_cib_free(&c);
		return rc;
	}
	*out = c;
	return 0;
}

void vg_cib_free(struct vg_cib *c)
{
	for (size_t i = 0; i < c->ndevices; i++) {
		for (size_t j = 0; j < c->devices[i].nparams; j++) {
			free(c->devices[i].params[j].name);
			free(c->devices[i].params[j].value);
		}
		free(c->devices[i].params);
		free(c->devices[i].id);
		free(c->devices[i].agent);
	}
	for (size_t i = 0; i < c->nnodes; i++) {
		free(c->nodes[i].uname);
		free(c->nodes[i].id);
	}
	for (size_t i = 0; i < c->nlevels; i++) {
		free(c->levels[i].target);
		free(c->levels[i].value);
		free(c->levels[i].devices);
	}
	free(c->devices);
	free(c->nodes);
	free(c->levels);
	memset(c, 0, sizeof(*c));
}

const char *vg_cib_param(const struct vg_cib_device *dev, const char *name)
{
	for (size_t i = 0; i < dev->nparams; i++)
		if (strcmp(dev->params[i].name, name) == 0)
			return dev->params[i].value;
	return NULL;
}

const struct vg_cib_node *vg_cib_node_find(const struct vg_cib *c, const char *uname)
{
	for (size_t i = 0; i < c->nnodes; i++)
		if (strcasecmp(c->nodes[i].uname, uname) == 0)
			return &c->nodes[i];
	return NULL;
}

/* ---- host lists ------------------------------------------------------------ */

static size_t split_each(const char *s, const char *seps, void (*fn)(void *, const char *),
			 void *arg)
{
	char word[256];
	size_t n = 0;

	while (s != NULL && *s != '\0') {
		size_t len;

		s += strspn(s, seps);
		len = strcspn(s, seps);
		if (len == 0)
			break;
		snprintf(word, sizeof(word), "%.*s", (int)(len < sizeof(word) ? len : sizeof(word) - 1), s);
		fn(arg, word);
		n++;
		s += len;
	}
	return n;
}

size_t vg_cib_host_list_each(const char *list, void (*fn)(void *arg, const char *name), void *arg)
{
	return split_each(list, " \t\r\n,;", fn, arg);
}

struct map_ctx {
	void (*fn)(void *arg, const char *node, const char *plug);
	void *arg;
	size_t n;
};

static void map_entry(void *arg, const char *entry)
{
	struct map_ctx *m = arg;
	char node[256];
	size_t len = strcspn(entry, ":=");

	if (len == 0)
		return;		/* ":plug" names no node */
	snprintf(node, sizeof(node), "%.*s", (int)len, entry);
	m->fn(m->arg, node, entry[len] != '\0' ? entry + len + 1 : "");
	m->n++;
}

size_t vg_cib_host_map_each(const char *map,
			    void (*fn)(void *arg, const char *node, const char *plug), void *arg)
{
	struct map_ctx m = { fn, arg, 0 };

	split_each(map, " \t\r\n;", map_entry, &m);
	return m.n;
}

struct line_ctx {
	void (*fn)(void *arg, const char *name);
	void *arg;
	size_t n;
};

static void list_line(void *arg, const char *line)
{
	struct line_ctx *l = arg;
	char word[256];
	size_t len;

	line += strspn(line, " \t");
	len = strcspn(line, " \t,");
	if (len == 0 || line[0] == '#')
		return;
	snprintf(word, sizeof(word), "%.*s", (int)len, line);
	l->fn(l->arg, word);
	l->n++;
}

size_t vg_cib_list_output_each(const char *out, void (*fn)(void *arg, const char *name),
			       void *arg)
{
	struct line_ctx l = { fn, arg, 0 };

	split_each(out, "\r\n", list_line, &l);
	return l.n;
}

bool vg_cib_level_matches(const struct vg_cib_level *l, const char *node, bool *undecided)
{
	regex_t re;
	bool m;

	*undecided = false;
	switch (l->kind) {
	case VG_CIB_LEVEL_NODE:
		return strcasecmp(l->target, node) == 0;
	case VG_CIB_LEVEL_PATTERN:
		if (regcomp(&re, l->target, REG_EXTENDED | REG_NOSUB) != 0) {
			*undecided = true;
			return false;
		}
		m = regexec(&re, node, 0, NULL, 0) == 0;
		regfree(&re);
		return m;
	case VG_CIB_LEVEL_ATTRIBUTE:
	default:
		*undecided = true;
		return false;
	}
}
