/* Reading vmguardd's status file.
 *
 * vmguardd (fence/vmguardd.c) rewrites its status atomically as
 * "key=value" lines; `vmguard status` and `vmguard selftest` read it here.
 * The reader is deliberately plain and fixed-size:
 *
 *   - a line is split at its first '=' (the value may contain more '=');
 *     a line without '=' is skipped and does not count;
 *   - the '\n' ends the line and is dropped; nothing else is stripped
 *     (no '\r', no blanks, no '#' comments: "#a=b" is the key "#a");
 *   - keys longer than VG_STATUS_KEY_MAX - 1 and values longer than
 *     VG_STATUS_VAL_MAX - 1 characters are cut to that length;
 *   - lines are read in pieces of at most VG_STATUS_LINE_MAX - 1 bytes: the
 *     rest of a longer line is taken as a line of its own (vmguardd's
 *     lines are far shorter);
 *   - the first VG_STATUS_MAX_KEYS lines with '=' are kept, the rest of the
 *     file is ignored;
 *   - a key that appears twice: the first one wins.
 */
#ifndef VG_STATUSFILE_H
#define VG_STATUSFILE_H

#include <stdbool.h>

#define VG_STATUS_MAX_KEYS 40
#define VG_STATUS_KEY_MAX 40
#define VG_STATUS_VAL_MAX 300
#define VG_STATUS_LINE_MAX 400

struct vg_status {
	int n;				/* entries in key[] / val[] */
	char key[VG_STATUS_MAX_KEYS][VG_STATUS_KEY_MAX];
	char val[VG_STATUS_MAX_KEYS][VG_STATUS_VAL_MAX];
};

/* Read path into *s.  0, or the negative errno of opening it (-ENOENT when
 * vmguardd has not written one).  s->n is 0 before anything can fail, so
 * *s is an empty status on every error; a read error ends the file early
 * (what was read so far is kept). */
int vg_status_read(const char *path, struct vg_status *s);

/* The value of key, or NULL when the file has no such key. */
const char *vg_status_get(const struct vg_status *s, const char *key);

/* The one judgement of "waiting" (issue 12 item 1): true when vmguardd has
 * been waiting for libvirtd longer than its connect window
 * (connect_window_ms) while its guest scan sees qemu processes
 * (guests=present) -- libvirtd does not answer vmguardd although guests
 * need it, and the guard fences when the grace window ends.  False when the
 * status says otherwise or is too old to tell (no guests= key).  now_ms is
 * CLOCK_MONOTONIC, like the file's times. */
bool vg_status_waiting_with_guests(const struct vg_status *s, long long now_ms);

#endif
