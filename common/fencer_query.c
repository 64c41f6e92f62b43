#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <crm/common/results.h>
#include <crm/stonith-ng.h>

#include "fencer_query.h"

struct vg_fq {
	stonith_t *st;
	bool connected;
};

int vg_fq_connect(struct vg_fq **out, const char *name)
{
	struct vg_fq *fq = calloc(1, sizeof(*fq));
	int rc;

	if (fq == NULL)
		return -ENOMEM;
	fq->st = stonith_api_new();
	if (fq->st == NULL) {
		free(fq);
		return -ENOMEM;
	}
	rc = fq->st->cmds->connect(fq->st, name, NULL);
	if (rc != pcmk_ok) {
		vg_fq_close(fq);
		return rc < 0 ? rc : -ENOTCONN;
	}
	fq->connected = true;
	*out = fq;
	return 0;
}

void vg_fq_close(struct vg_fq *fq)
{
	if (fq == NULL)
		return;
	if (fq->connected)
		fq->st->cmds->disconnect(fq->st);
	stonith_api_delete(fq->st);
	free(fq);
}

int vg_fq_registered(struct vg_fq *fq, void (*fn)(void *arg, const char *id), void *arg,
		     int timeout_s)
{
	stonith_key_value_t *devs = NULL;
	int n = fq->st->cmds->query(fq->st, st_opt_sync_call, NULL, &devs, timeout_s);

	if (n >= 0)
		for (stonith_key_value_t *d = devs; d != NULL; d = d->next)
			if (d->value != NULL)
				fn(arg, d->value);
	stonith_key_value_freeall(devs, 1, 1);
	return n;
}

int vg_fq_monitor(struct vg_fq *fq, const char *id, int timeout_s)
{
	return fq->st->cmds->monitor(fq->st, st_opt_sync_call, id, timeout_s);
}

int vg_fq_status(struct vg_fq *fq, const char *id, const char *target, int timeout_s)
{
	return fq->st->cmds->status(fq->st, st_opt_sync_call, id, target, timeout_s);
}

bool vg_fq_status_is_off(int rc)
{
	return rc == -ENODATA;
}

int vg_fq_list(struct vg_fq *fq, const char *id, char **out, int timeout_s)
{
	*out = NULL;
	return fq->st->cmds->list(fq->st, st_opt_sync_call, id, out, timeout_s);
}

int vg_fq_metadata(struct vg_fq *fq, const char *agent, char **out, int timeout_s)
{
	*out = NULL;
	return fq->st->cmds->metadata(fq->st, st_opt_sync_call, agent, NULL, out, timeout_s);
}

int vg_fq_validate(struct vg_fq *fq, const char *rsc_id, const char *agent,
		   const struct vg_cib_param *params, size_t nparams, int timeout_s,
		   char **out, char **err)
{
	stonith_key_value_t *kv = NULL;
	int rc;

	for (size_t i = 0; i < nparams; i++)
		kv = stonith_key_value_add(kv, params[i].name, params[i].value);
	rc = fq->st->cmds->validate(fq->st, st_opt_sync_call, rsc_id, NULL, agent, kv,
				    timeout_s, out, err);
	stonith_key_value_freeall(kv, 1, 1);
	return rc;
}

const char *vg_fq_strerror(int rc)
{
	return pcmk_strerror(rc);
}
