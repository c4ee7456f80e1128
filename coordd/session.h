/* SPDX-License-Identifier: Apache-2.0 */
/*
 * session.h - coordd's ZooKeeper session, on the multi-threaded C client.
 *
 * The client's threads only enqueue: every watcher event goes to a queue
 * whose pipe wakes the main loop, which does all the work (a synchronous
 * call inside a watcher would hold up every other event). Connection loss
 * is left to the client, which reconnects and re-arms watches by itself;
 * an expired session is closed from the main loop and opened anew.
 *
 * The lease: a ping (an exists on "/") sent at instant t and answered means
 * the servers heard from this session after t, so they cannot expire it
 * before t + the session timeout. coordd claims anything (leadership above
 * all) only until t + LEASE_SHARE of that timeout, counted on CLOCK_BOOTTIME.
 */
#ifndef COORDD_SESSION_H
#define COORDD_SESSION_H

#define THREADED
#include <zookeeper/zookeeper.h>

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "zkpath.h"

/* The share of the session timeout a lease may run past its last ping. */
#define LEASE_SHARE_PERCENT 75
/* Pings per session timeout. */
#define PINGS_PER_TIMEOUT 4
/* Most events queued before the loop is told to re-read everything instead. */
#define SESSION_QUEUE_MAX 4096
/* Most paths session_delete_all takes. */
#define SESSION_MULTI_MAX 2

struct session; /* opaque */

/* CLOCK_BOOTTIME now, in ns. */
int64_t session_now(void);

/* NULL on failure (errno). The session opens its first handle at the first session_tick. */
struct session *session_new(const char *hosts, int timeout_ms, const char *auth, bool debug);
void session_free(struct session *s);
int session_wake_fd(const struct session *s);

/* Open the handle when due, send pings when due. Returns the next instant it
 * wants to run. */
int64_t session_tick(struct session *s, int64_t now);

/* What the loop is told when it takes the session's events. */
struct session_listener {
	/* A watch fired on path (one of coordd's: see zkpath.h). */
	void (*watch)(void *ctx, const char *path);
	/* Everything is to be read again: connected (a new session, or after a
	 * loss), expired, or events were lost. */
	void (*reset)(void *ctx);
};

/*
 * Take every queued event, in order: the session's own are handled here
 * (connected: the credentials; expired: a new handle at the next tick; each
 * logged), and the listener is told.
 */
void session_dispatch(struct session *s, const struct session_listener *l, void *ctx);

/* Connected, with the credentials handed over: requests may be sent. */
bool session_connected(const struct session *s);
/* Bumped at each new handle: what a node was made in belongs to one epoch. */
int session_epoch(const struct session *s);
/* The session's id (the owner of the ephemeral nodes it makes). */
int64_t session_id(const struct session *s);
/* The instant the lease runs to (0: none). */
int64_t session_lease_until(struct session *s);

/*
 * Requests, synchronous, on the current handle; each returns a ZooKeeper
 * code (ZOK...). A watch, when asked, is the session's: it fires into the
 * listener's watch. What is created carries the session's ACL.
 */
int session_create(struct session *s, const char *path, const char *data, int len, int flags,
		   char *created, int created_len);
int session_delete(struct session *s, const char *path, int version);
/* Delete every path (at most SESSION_MULTI_MAX), all or none. */
int session_delete_all(struct session *s, const char *const *paths, int n);
int session_exists(struct session *s, const char *path, bool watch, struct Stat *st);
int session_children(struct session *s, const char *path, bool watch, struct String_vector *out);
int session_get(struct session *s, const char *path, bool watch, char *buf, int *len,
		struct Stat *st);
int session_set(struct session *s, const char *path, const char *data, int len);

/* Whether a call's result means the connection (not the request) failed. */
bool session_lost(int rc);

#endif /* COORDD_SESSION_H */
