/* SPDX-License-Identifier: Apache-2.0 */
/*
 * persist.h - the model's side of the state directory (statedir.h): a
 * listener of the model (event.h) that mirrors each timeline's creation,
 * standing requirement and parameters, and its removal; at start it
 * recreates the timelines of the saved state, and at a clean stop it saves
 * every HLC exactly.
 *
 * Every function accepts a NULL persist (no state directory) and does nothing.
 */
#ifndef QOTFS_PERSIST_H
#define QOTFS_PERSIST_H

#include <stdbool.h>
#include <stddef.h>

struct persist;
struct registry;
struct statedir;
struct statefile_image;

/* Mirror reg into sd (taken over) from now on. NULL if out of memory (sd is then freed). */
struct persist *persist_new(struct registry *reg, struct statedir *sd);
/* Recreate the timelines of img, then save at once as "running". Returns how
 * many were restored. */
size_t persist_restore(struct persist *ps, const struct statefile_image *img);
/* Start the saver thread. 0 or -errno. */
int persist_start(struct persist *ps);
/* Save now, with each HLC exact; stopped: the daemon stops cleanly. 0 or -errno. */
int persist_save(struct persist *ps, bool stopped);
void persist_free(struct persist *ps);

#endif /* QOTFS_PERSIST_H */
