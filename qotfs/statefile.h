/* SPDX-License-Identifier: Apache-2.0 */
/*
 * statefile.h - the text of a qotfs state file: what survives a restart.
 *
 *   qotfs-state 1
 *   timeline NAME owner=UID group=GID creator=host|other created=NS
 *   requirement NAME accuracy=.. resolution=..      (the standing requirement)
 *   params NAME updated=NS status=.. anchor=.. ...  (the last ctl line)
 *   hlc NAME 0001795304408352279030.000000          (only after a clean stop)
 *   end running|stopped
 *
 * The records of a timeline follow its "timeline" line and name it again,
 * so a file is readable and checkable line by line. "end stopped" is only
 * written by a daemon that stopped cleanly; "end running" by the saves made
 * while it ran. Pure: no I/O, so the parser can be fuzzed and unit-tested.
 */
#ifndef QOTFS_STATEFILE_H
#define QOTFS_STATEFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "names.h"
#include "qot.h"
#include "reqline.h"

#define STATEFILE_MAGIC "qotfs-state 1"
/* A larger file is refused before it is read: 65536 timelines fit easily. */
#define STATEFILE_MAX_BYTES (64u << 20)

struct statefile_timeline {
	char name[QOT_NAME_MAX + 1];
	uid_t owner;
	gid_t group;
	bool host_creator; /* created from the daemon's own user namespace */
	int64_t created;   /* CLOCK_REALTIME ns */
	bool has_standing;
	struct qot_req standing;
	bool has_params;
	struct qot_clock_params params;
	char source[QOT_NAME_MAX + 1];
	int64_t updated; /* when the parameters were written, CLOCK_REALTIME ns */
	bool has_hlc;
	struct qot_hlc_ts hlc;
	size_t line; /* of its "timeline" record in the file read; 0 if not read */
};

struct statefile_image {
	struct statefile_timeline *tl;
	size_t n, cap;
	bool stopped; /* the daemon that wrote it stopped cleanly */
};

/*
 * Parse a whole file. 0, or -EINVAL (then *bad_line is the 1-based line at
 * fault) or -ENOMEM; on error *out is left empty. Free with statefile_image_free.
 */
int statefile_parse(const char *buf, size_t len, struct statefile_image *out, size_t *bad_line);
void statefile_image_free(struct statefile_image *img);

/* Longest text of one timeline's records. */
#define STATEFILE_TIMELINE_TEXT_MAX 1024
/* The records of one timeline, NUL-terminated; its length (0 if size is too small). */
size_t statefile_timeline_format(const struct statefile_timeline *t, char *buf, size_t size);

#endif /* QOTFS_STATEFILE_H */
