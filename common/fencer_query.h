/* Pacemaker's fencer, asked about its devices (libstonithd's stonith_t).
 *
 * The fencer is the one component that knows how a device is really run:
 * it passes the device's configured parameters, maps nodes to plugs and
 * applies the device's timeouts.  vmguard selftest therefore asks it to
 * run monitor, status and list on its registered devices rather than
 * running agents itself.  Meta-data and validate-all run the agent
 * locally through the same library (as the fencer would).
 *
 * This is the only file of vmguard that uses stonith_t (deprecated on
 * Pacemaker's main branch; stable in the 2.1 series Debian 12 ships).
 * common/fencer.c uses only the stable stonith_api_kick()/_time() helpers;
 * the two are meant to become one topic file.
 *
 * Every call is synchronous and takes a timeout in seconds that the fencer
 * (or the library, for local runs) enforces; callers still run them in a
 * process they can abandon (vmguard selftest: one worker per device).
 * Return codes are Pacemaker's legacy ones: 0, or a negative errno or
 * pcmk_err_* value; vg_fq_strerror() names them.
 */
#ifndef VG_FENCER_QUERY_H
#define VG_FENCER_QUERY_H

#include <stdbool.h>
#include <stddef.h>

#include "cib.h"

struct vg_fq;

/* Connect to the local fencer (client name: name).  0 and *out, or
 * -ENOTCONN and friends. */
int vg_fq_connect(struct vg_fq **out, const char *name);
void vg_fq_close(struct vg_fq *fq);

/* Ids of the devices registered with this node's fencer.  Returns how many
 * (fn called for each) or a negative code. */
int vg_fq_registered(struct vg_fq *fq, void (*fn)(void *arg, const char *id), void *arg,
		     int timeout_s);

/* The device's monitor action, run by the fencer. */
int vg_fq_monitor(struct vg_fq *fq, const char *id, int timeout_s);

/* The device's status action for target (mapped to a plug by the fencer).
 * 0: on.  A fence agent reports "off" with exit status 2 and nothing on
 * stderr, which reaches us as -ENODATA (vg_fq_status_is_off()) -- but so
 * does any failure whose message the fencer does not pass back (seen with
 * 2.1.5 for a device whose start failed): trust "off" only from a device
 * that has just passed its monitor. */
int vg_fq_status(struct vg_fq *fq, const char *id, const char *target, int timeout_s);
bool vg_fq_status_is_off(int rc);

/* The device's list action: *out gets its output (free() it). */
int vg_fq_list(struct vg_fq *fq, const char *id, char **out, int timeout_s);

/* An agent's meta-data, run locally: *out (free() it). */
int vg_fq_metadata(struct vg_fq *fq, const char *agent, char **out, int timeout_s);

/* validate-all with these parameters, run locally (pcmk_* parameters are
 * Pacemaker's and are not passed).  *out and *err (optional, free() them)
 * get the agent's output. */
int vg_fq_validate(struct vg_fq *fq, const char *rsc_id, const char *agent,
		   const struct vg_cib_param *params, size_t nparams, int timeout_s,
		   char **out, char **err);

const char *vg_fq_strerror(int rc);

#endif
