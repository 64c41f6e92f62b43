#include "config.h"

#include <errno.h>
#include <string.h>

#include <crm/common/results.h>
#include <crm/stonith-ng.h>

#include "fencer.h"

/* Note: stonith_api_kick() opens syslog with the ident "stonith-api" for its
 * own messages, and libstonithd logs through libqb from the calling thread.
 * vmguardd therefore calls these from a child process (common/bounded.c), so
 * neither touches the daemon's own logging. */

int vg_fencer_kick_off(uint32_t nodeid, const char *uname, int timeout_s)
{
	int rc;

	if ((uname == NULL || *uname == '\0') && nodeid == 0)
		return -EINVAL;
	if (timeout_s <= 0)
		return -EINVAL;
	rc = stonith_api_kick(nodeid, (uname != NULL && *uname != '\0') ? uname : NULL,
			      timeout_s, true);
	if (rc > 0)
		rc = -rc;	/* defensive: the API returns legacy negative codes */
	return rc;
}

time_t vg_fencer_last_fenced(uint32_t nodeid, const char *uname, bool in_progress)
{
	time_t t = stonith_api_time(nodeid, (uname != NULL && *uname != '\0') ? uname : NULL,
				    in_progress);

	return t > 0 ? t : 0;
}

const char *vg_fencer_strerror(int rc)
{
	return pcmk_strerror(rc);
}
