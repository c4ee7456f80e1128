/* SPDX-License-Identifier: Apache-2.0 */
/*
 * members.h - the lines between qotfs and its coordinator (coordd), parsed
 * and formatted here: the membership of a timeline across nodes, as coordd
 * writes it to a timeline's privileged "members" file; the coordination
 * lease it writes to /qot/.coordination; and the timelines in use that
 * qotfs lists in /qot/.active for it:
 *
 *   members:       leader=NODE|none
 *                  node=NODE [accuracy=DUR|DUR/DUR] [resolution=DUR]
 *                            [peer=HOST:PORT] [rank=N]              (one per member)
 *   .coordination: node=NODE until=NS
 *   .active:       NAME [accuracy=DUR|DUR/DUR] [resolution=DUR]        (one per timeline)
 *
 * Node names follow the rules of timeline names. A membership is parsed
 * whole or refused whole: no member twice, a leader that is a member, no
 * rank twice. peer= is the node's syncd peer endpoint (HOST a numeric IPv4
 * address or a bracketed numeric IPv6 one, PORT 1..65535); rank= its place
 * in the timeline's election order (0 the leader, 1 the first backup, ...;
 * absent: not a candidate). Both are what peer synchronization reads
 * (docs/peer-protocol.md); the requirement is the rest of the line.
 */
#ifndef QOT_MEMBERS_H
#define QOT_MEMBERS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "names.h"
#include "reqline.h"

/* Most members one timeline may list, and the largest text accepted. */
#define QOT_MEMBERS_MAX	     1024
#define QOT_MEMBERS_TEXT_MAX 65536
/* "[" IPv6 "]:" port, NUL included. */
#define QOT_PEER_ADDR_MAX 56

struct qot_member {
	char node[QOT_NAME_MAX + 1];
	struct qot_req req;
	char peer[QOT_PEER_ADDR_MAX]; /* HOST:PORT as written; "" for none */
	bool candidate;		      /* rank given */
	unsigned rank;		      /* place in the election order: 0 leads */
};

struct qot_membership {
	char leader[QOT_NAME_MAX + 1]; /* "" for none */
	size_t n;
	struct qot_member *members; /* n of them, in the order written */
};

/*
 * Parse a membership text. 0, -EINVAL (malformed line, bad or repeated node,
 * leader not a member), -E2BIG (more than QOT_MEMBERS_MAX members), -ERANGE
 * (a duration too large), -ENOMEM. On success *out owns a new array (free it
 * with qot_membership_free); on error *out is untouched.
 */
int qot_membership_parse(const char *buf, size_t len, struct qot_membership *out);
void qot_membership_free(struct qot_membership *m);

/*
 * A peer address "HOST:PORT" (IPv4) or "[HOST]:PORT" (IPv6), numeric: 0 with
 * the host (without brackets, NUL-terminated, host[46]) and port, -EINVAL.
 */
int qot_peeraddr_parse(const char *text, size_t len, char host[46], unsigned *port);

/*
 * The text of a membership (leader=none if its leader is not a member),
 * which qot_membership_parse reads back: a new string (free it), its length
 * in *len; NULL if out of memory.
 */
char *qot_membership_format(const struct qot_membership *m, size_t *len);

/* The tightest requirement over all members (none if there are none). */
void qot_membership_tightest(const struct qot_membership *m, struct qot_req *out);

/*
 * "node=NODE until=NS": the coordinator's lease runs until NS, an instant of
 * CLOCK_BOOTTIME in nanoseconds (0 withdraws it). An absolute instant, so a
 * write that is delayed cannot stretch the lease. 0, -EINVAL, -ERANGE.
 */
int qot_leaseline_parse(const char *buf, size_t len, char node[QOT_NAME_MAX + 1],
			int64_t *until_ns);
/* The lease line, newline included, into buf; its length (snprintf's). */
int qot_leaseline_format(const char *node, int64_t until_ns, char *buf, size_t size);

/* Longest .active line, newline included. */
#define QOT_ACTIVELINE_MAX (QOT_NAME_MAX + 1 + QOT_REQ_TEXT_MAX + 1)

/*
 * One line of .active (without its newline): a timeline's name and its
 * effective requirement. 0, or -EINVAL (no name, bad name or requirement).
 */
int qot_activeline_parse(const char *line, size_t len, char name[QOT_NAME_MAX + 1],
			 struct qot_req *req);
/* The line, newline included, into buf; its length (snprintf's). */
int qot_activeline_format(const char *name, const struct qot_req *req, char *buf, size_t size);

#endif /* QOT_MEMBERS_H */
