#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "statusfile.h"

int vg_status_read(const char *path, struct vg_status *s)
{
	char line[VG_STATUS_LINE_MAX];
	FILE *f;

	s->n = 0;
	f = fopen(path, "re");
	if (f == NULL)
		return -errno;
	while (s->n < VG_STATUS_MAX_KEYS && fgets(line, sizeof(line), f) != NULL) {
		char *eq = strchr(line, '=');

		line[strcspn(line, "\n")] = '\0';
		if (eq == NULL)
			continue;
		*eq = '\0';
		snprintf(s->key[s->n], sizeof(s->key[0]), "%.*s", VG_STATUS_KEY_MAX - 1, line);
		snprintf(s->val[s->n], sizeof(s->val[0]), "%.*s", VG_STATUS_VAL_MAX - 1, eq + 1);
		s->n++;
	}
	fclose(f);
	return 0;
}

bool vg_status_waiting_with_guests(const struct vg_status *s, long long now_ms)
{
	const char *state = vg_status_get(s, "state"), *guests = vg_status_get(s, "guests");
	const char *since = vg_status_get(s, "state_since_ms");
	const char *window = vg_status_get(s, "connect_window_ms");

	if (state == NULL || guests == NULL || since == NULL ||
	    strcmp(state, "waiting") != 0 || strcmp(guests, "present") != 0)
		return false;
	return now_ms - atoll(since) > (window != NULL ? atoll(window) : 0);
}

const char *vg_status_get(const struct vg_status *s, const char *key)
{
	for (int i = 0; i < s->n; i++)
		if (strcmp(s->key[i], key) == 0)
			return s->val[i];
	return NULL;
}
