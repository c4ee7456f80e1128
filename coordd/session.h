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

struct zk_event {
	int type, state;
	char path[ZKP_MAX];
	struct zk_event *next;
};

struct handle_ctx; /* per handle: which session, which epoch */

struct session {
	const char *hosts;
	int timeout_ms;
	const char *auth; /* "user:password" for digest, or NULL */
	struct ACL_vector acl;
	zhandle_t *zh; /* NULL while (re)opening */
	bool authed;   /* the credentials were handed to this handle */
	struct handle_ctx *hctx;
	int epoch; /* bumped at each new handle; owned by the main loop */

	int wake[2]; /* the queue's pipe: [0] polled by the loop */
	pthread_mutex_t lock;
	struct zk_event *head, *tail;
	size_t queued;
	bool overflow;	       /* events were dropped: re-read everything */
	int cur_epoch;	       /* under lock: the epoch callbacks may report for */
	int64_t last_ok_ping;  /* under lock: send instant of the newest answered ping */
	bool ping_outstanding; /* under lock */

	int64_t next_ping;
	int64_t retry_at; /* when to open a handle again, if zh is NULL */
	int backoff_ms;
};

/* The watcher for every watch coordd sets: it queues the event. Watches
 * are set with it and a NULL context, so ZooKeeper keeps one per path. */
void session_watch(zhandle_t *zh, int type, int state, const char *path, void *ctx);

/* CLOCK_BOOTTIME now, in ns. */
int64_t session_now(void);

/* 0 or -errno. The session opens its first handle at the first session_tick. */
int session_init(struct session *s, const char *hosts, int timeout_ms, const char *auth,
		 bool debug);
void session_free(struct session *s);
int session_wake_fd(const struct session *s);

/* Take every queued event (in order) and whether some were dropped. */
struct zk_event *session_take(struct session *s, bool *overflow);
void session_events_free(struct zk_event *list);

/* An event of the current handle said the session expired: drop the handle. */
void session_expired(struct session *s);
/* The current handle reported CONNECTED: hand it the credentials (once per
 * handle; the client re-sends them after each reconnection by itself). */
void session_on_connected(struct session *s);
/* Connected, with the credentials handed over: requests may be sent. */
bool session_connected(const struct session *s);
/* The instant the lease runs to (0: none). */
int64_t session_lease_until(struct session *s);

/* Open the handle when due, send pings when due. Returns the next instant it
 * wants to run. */
int64_t session_tick(struct session *s, int64_t now);

/* Whether a call's result means the connection (not the request) failed. */
bool session_lost(int rc);

#endif /* COORDD_SESSION_H */
