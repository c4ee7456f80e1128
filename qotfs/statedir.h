/* SPDX-License-Identifier: Apache-2.0 */
/*
 * statedir.h - the state directory: timelines, standing requirements and
 * the last clock parameters kept across restarts of qotfs.
 *
 * The request loop tells a mirror what changed (O(1), under a mutex); a
 * saver thread of its own turns the mirror into a state file (statefile.h)
 * and replaces the file atomically (write, fsync, rename, fsync of the
 * directory), coalescing bursts: the loop never waits for a disk. Timeline
 * and requirement changes are saved within STATEDIR_URGENT_MS, parameter
 * updates (every sync interval) within STATEDIR_LAZY_MS. One file per mount
 * point, so several mounts can share a directory.
 *
 * Every function accepts a NULL statedir (no state directory) and does nothing.
 */
#ifndef QOTFS_STATEDIR_H
#define QOTFS_STATEDIR_H

#include <stdbool.h>
#include <stddef.h>

#include "statefile.h"

#define STATEDIR_URGENT_MS 20
#define STATEDIR_LAZY_MS   2000
#define STATEDIR_RETRY_MS  5000

struct statedir;
struct statedir_entry;

/* The file name for a mount point: "/qot" -> "qot.state", "/" -> "-.state". */
int statedir_file_name(const char *mountpoint, char *out, size_t size);

/* Open dir (created 0700 if missing; its parent must exist). NULL with
 * *err = -errno. */
struct statedir *statedir_open(const char *dir, const char *mountpoint, int *err);
const char *statedir_path(const struct statedir *sd);

/*
 * Read the saved state into img. A missing file is an empty state that was
 * stopped cleanly. A file that does not parse is moved aside to FILE.bad
 * (and said so in the log) and counts as empty, so a bad file never keeps
 * the daemon from starting and is never overwritten. 0 or -errno (a file
 * that exists and cannot be read).
 */
int statedir_load(struct statedir *sd, struct statefile_image *img);

/* Start the saver thread. 0 or -errno. */
int statedir_start(struct statedir *sd);

/* Mirror a timeline: NULL if out of memory (logged; it is then not saved). */
struct statedir_entry *statedir_add(struct statedir *sd, const struct statefile_timeline *t);
void statedir_remove(struct statedir *sd, struct statedir_entry *e);
void statedir_set_standing(struct statedir *sd, struct statedir_entry *e,
			   const struct qot_req *req);
void statedir_set_params(struct statedir *sd, struct statedir_entry *e,
			 const struct qot_clock_params *params, const char *source,
			 int64_t updated);
/* For the final save only: the HLC is exact only once nothing issues more. */
void statedir_set_hlc(struct statedir *sd, struct statedir_entry *e, const struct qot_hlc_ts *hlc);

/* Stop the saver thread (if running) and write the mirror now, marked
 * stopped (clean: every HLC in it is exact) or running. 0 or -errno. */
int statedir_save_now(struct statedir *sd, bool stopped);
/* Stop the saver thread (if running) and free everything; no write. */
void statedir_free(struct statedir *sd);

#endif /* QOTFS_STATEDIR_H */
