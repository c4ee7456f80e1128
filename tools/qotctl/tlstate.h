/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tlstate.h - one timeline as its files say, read and parsed: ctl (the
 * clock parameters), sync (status, offset and bounds at the read, age,
 * requirement, met), bindings, members, cluster and hlcstat. Each file is
 * read once, at offset 0 (a fresh snapshot); qot(7) gives the formats.
 */
#ifndef QOTCTL_TLSTATE_H
#define QOTCTL_TLSTATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "members.h"
#include "names.h"
#include "note.h"
#include "qot.h"
#include "reqline.h"

#define TLSTATE_WORD_MAX 16
/* A sync note (qot(7) note) and a cluster's order= value. */
#define TLSTATE_NOTE_MAX  (QOT_NOTE_MAX + 1)
#define TLSTATE_ORDER_MAX 1024

struct tlstate_binding {
	uint64_t id;
	int64_t pid;
	uint64_t uid;
	char name[QOT_NAME_MAX + 1];
	struct qot_req req;
};

struct tlstate_member {
	char node[QOT_NAME_MAX + 1];
	char leader[TLSTATE_WORD_MAX]; /* yes, no, unknown */
	struct qot_req req;
	char peer[QOT_PEER_ADDR_MAX]; /* its syncd peer endpoint, "" for none */
	int64_t rank;		      /* place in the election order, -1: no candidate */
};

struct tlstate {
	char name[QOT_NAME_MAX + 1];

	/* ctl */
	struct qot_clock_params params;
	char ctl_source[QOT_NAME_MAX + 1]; /* "" for none */

	/* sync, evaluated by qotfs at the read */
	char source[QOT_NAME_MAX + 1]; /* "" for none */
	char status[TLSTATE_WORD_MAX];
	int64_t offset_ns;     /* estimate - CLOCK_REALTIME */
	int64_t freq_mppb;     /* parts per trillion: ppb with 3 decimals */
	uint64_t below, above; /* ns, QOT_UNBOUNDED */
	bool has_age;	       /* parameters were written */
	int64_t age_ns;	       /* how long ago */
	struct qot_req req;    /* effective requirement */
	bool met;
	char note[TLSTATE_NOTE_MAX]; /* the publisher's words after the state ("" for none) */
	bool has_parts;		     /* the publisher stated what the bound is made of: */
	uint64_t asym, stat;	     /* path allowance and statistical part, ns (QOT_UNBOUNDED) */

	size_t nbindings;
	struct tlstate_binding *bindings;
	size_t nmembers;
	struct tlstate_member *members;

	/* cluster */
	char cl_state[TLSTATE_WORD_MAX];
	char cl_node[QOT_NAME_MAX + 1];	  /* "" for none */
	char cl_leader[QOT_NAME_MAX + 1]; /* "" for none; "unknown" while stale */
	bool cl_leading;
	uint64_t cl_members;
	struct qot_req cl_req;
	char cl_order[TLSTATE_ORDER_MAX]; /* the backups, NODE,NODE...; "" for none */

	/* hlcstat */
	char hlc_last[QOT_HLC_TEXT_MAX];
	uint64_t hlc_events, hlc_received, hlc_refused, hlc_malformed;
	uint64_t hlc_ahead_max, hlc_max_offset; /* ns; max_offset QOT_UNBOUNDED: none */
};

/* The coordinator's lease, /MOUNT/.coordination. */
struct tlstate_coord {
	char node[QOT_NAME_MAX + 1]; /* "" for none */
	char state[TLSTATE_WORD_MAX];
	int64_t lease_ns;
};

/*
 * Read every file of timeline name under the mount directory (an open
 * directory fd). 0, -ENOENT (no such timeline), -EPROTO (a file's text is
 * not in the form qot(7) gives), or the -errno of the file operation.
 * On success *out owns its arrays: tlstate_free().
 */
int tlstate_read(int mountfd, const char *name, struct tlstate *out);
void tlstate_free(struct tlstate *st);

int tlstate_read_coord(int mountfd, struct tlstate_coord *out);

/* One whole text file under the mount (a fresh snapshot), NUL-terminated,
 * into *buf (grown as needed). Its length or -errno. */
long tlstate_read_file(int mountfd, const char *path, char **buf, size_t *cap);

/* The names in .timelines, oldest first: a NULL-terminated array of strings
 * (free with tlstate_names_free). 0 or -errno. */
int tlstate_names(int mountfd, char ***out, size_t *n);
void tlstate_names_free(char **names);

/* "S[.NNNNNNNNN]" with 1-9 fraction digits, unsigned, up to 18446744073.709551615
 * (QOT_UNBOUNDED), as nanoseconds. 0 or -EINVAL/-ERANGE. */
int tlstate_parse_bound(const char *s, size_t len, uint64_t *out);

#endif /* QOTCTL_TLSTATE_H */
