/* SPDX-License-Identifier: Apache-2.0 */
/*
 * peer_sock.h - syncd's peer endpoint: one non-blocking UDP socket for every
 * timeline served by peers (packets name their timeline).
 *
 * It answers requests by itself, with timestamps projected from the
 * timeline's clock parameters (the mapped page: qot_clock_params_read) at the
 * kernel's receive timestamp (SO_TIMESTAMPNS) and just before sending, then
 * follows the answer with its kernel transmit timestamp (SO_TIMESTAMPING,
 * read from the error queue) as a precise t3; it matches responses to its own
 * outstanding requests (by sequence number and echoed t1), takes t1/b1 from
 * the request's kernel transmit timestamp, waits briefly for the follow-up,
 * and hands the four timestamps to the timeline's module; it
 * accepts a Berkeley correction only when it echoes a response this end sent
 * that sender, once. Everything else is dropped and counted by reason
 * (peer_wire.h). Bounded: at most `batch` datagrams per readable event,
 * answers per source address by a token bucket, a fixed number of requests
 * outstanding.
 *
 * The main loop polls peer_sock_fd(), calls peer_sock_readable() when it is
 * readable and peer_sock_expire() by peer_sock_next_deadline(); a timeline's
 * module registers with peer_sock_add() and gets its events through its ops.
 */
#ifndef SYNCD_PEER_SOCK_H
#define SYNCD_PEER_SOCK_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include "peer_exchange.h"
#include "peer_wire.h"
#include "qot.h"

#define PEER_SOCK_TIMELINES   64
#define PEER_SOCK_OUTSTANDING 64  /* requests awaiting an answer */
#define PEER_SOCK_ANSWERED    256 /* responses remembered for corrections */
#define PEER_DEFAULT_PORT     3219

struct peer_sock_config {
	char node[QOT_NAME_MAX + 1]; /* this node's name, the sender of its packets */
	int64_t freshness;	     /* ns; a packet's `sent` this far from our base clock is
					stale; 0: not checked */
	int64_t timeout;	     /* ns (monotonic) an answer may take */
	unsigned rate;		     /* answers per second to one source address */
	unsigned burst;		     /* and in one burst */
	unsigned batch;		     /* datagrams per peer_sock_readable() */
};

/* What this end says of itself for a timeline in its packets. */
struct peer_self {
	bool serve;	/* answer requests for it at all */
	uint16_t flags; /* PEER_FLAG_* */
	uint32_t epoch;
	uint16_t depth;
};

struct peer_tl; /* a timeline on the endpoint (opaque) */

struct peer_tl_ops {
	/* The timeline's clock parameters and the base instant read with them
	 * (qot_clock_params_read of its mapped page). 0 or -errno. */
	int (*params)(void *ctx, struct qot_clock_params *p, int64_t *base_now);
	void (*self)(void *ctx, struct peer_self *out);
	/* An answer to our request to m->node: the exchange's timestamps. */
	void (*response)(void *ctx, const struct peer_msg *m, const struct peer_stamps *s);
	/* Our request (seq) to node went unanswered. */
	void (*timeout)(void *ctx, const char *node, uint64_t seq);
	/* A Berkeley correction from m->node for our response m->echo, which we
	 * sent at timeline t3, base instant b3: at that instant the ensemble's
	 * time was t3 + m->correction, within m->below / m->above. May be NULL. */
	void (*correction)(void *ctx, const struct peer_msg *m, int64_t t3, int64_t b3);
	/* A request from m->node was answered (for the Berkeley root's view). May be NULL. */
	void (*request)(void *ctx, const struct peer_msg *m);
};

struct peer_sock_stats {
	uint64_t received, sent, answered, responses, corrections, timeouts, send_errors;
	uint64_t overflow;	 /* datagrams the kernel dropped for a full receive buffer */
	uint64_t tx_stamped;	 /* responses measured from the request's kernel TX timestamp */
	uint64_t followups;	 /* responses measured with the t3 of the upstream's follow-up */
	uint64_t followups_sent; /* follow-ups this end sent (its answers' TX timestamps) */
	uint64_t drop[PEER_DROP_NREASONS];
};

struct peer_sock; /* opaque */

/* Bind a UDP socket on addr (numeric IPv4 or IPv6; NULL: any) and port (0: any
 * free one). keys must outlive the endpoint. 0 or -errno. */
int peer_sock_open(struct peer_sock **out, const struct peer_sock_config *cfg,
		   const struct peer_keys *keys, const char *addr, unsigned port);
void peer_sock_close(struct peer_sock *s);
int peer_sock_fd(const struct peer_sock *s);
unsigned peer_sock_port(const struct peer_sock *s);

int peer_sock_add(struct peer_sock *s, const char *timeline, const struct peer_tl_ops *ops,
		  void *ctx, struct peer_tl **out);
/* Its outstanding requests are dropped without a timeout event. */
void peer_sock_remove(struct peer_sock *s, struct peer_tl *tl);

/* The answer timeout of the timeline's requests from now on (ns; 0: the
 * endpoint's, cfg.timeout), for an exchange interval chosen per timeline.
 * 0, -EINVAL (negative), -ENOENT (no such timeline on the endpoint). */
int peer_sock_set_timeout(struct peer_sock *s, const char *timeline, int64_t timeout);
/* Send a request for tl to node at addr. 0 (*seq set), -EBUSY (too many
 * outstanding), -errno. */
int peer_sock_request(struct peer_sock *s, struct peer_tl *tl, const char *node,
		      const struct sockaddr *addr, socklen_t addrlen, uint64_t *seq);
/* Send a Berkeley correction for the peer's response echo: what it adds to its
 * timeline, and how far off that may leave it. 0 or -errno. */
int peer_sock_correct(struct peer_sock *s, struct peer_tl *tl, const struct sockaddr *addr,
		      socklen_t addrlen, uint64_t echo, int64_t correction, uint64_t below,
		      uint64_t above);

/* Handle what has arrived (at most cfg.batch datagrams). The number handled. */
int peer_sock_readable(struct peer_sock *s);
/* Report requests older than the timeout at monotonic instant now_mono (ns). */
void peer_sock_expire(struct peer_sock *s, int64_t now_mono);
/* The monotonic instant of the earliest timeout, or INT64_MAX. */
int64_t peer_sock_next_deadline(const struct peer_sock *s);
const struct peer_sock_stats *peer_sock_stats(const struct peer_sock *s);

#endif /* SYNCD_PEER_SOCK_H */
