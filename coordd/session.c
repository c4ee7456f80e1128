/* SPDX-License-Identifier: Apache-2.0 */
/* session.c - the ZooKeeper handle, its event queue, pings and the lease. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "now.h"
#include "session.h"

#define BACKOFF_MIN_MS 250
#define BACKOFF_MAX_MS 30000

struct zk_event {
	int type, state;
	char path[ZKPATH_MAX];
	struct zk_event *next;
};

struct handle_ctx { /* per handle: which session, which epoch */
	struct session *s;
	int epoch;
};

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

struct ping {
	struct session *s;
	int epoch;
	int64_t sent;
};

static struct Id anyone_id, auth_id;
static struct ACL acl_with_auth[2];

int64_t session_now(void)
{
	return qot_now_ns(CLOCK_BOOTTIME);
}

static void wake_loop(struct session *s)
{
	char c = 0;
	ssize_t r = write(s->wake[1], &c, 1); /* a full pipe already wakes it */
	(void)r;
}

/* Runs on the client's threads: enqueue and wake the loop, nothing more.
 * Every watch coordd sets has it and a NULL context, so ZooKeeper keeps one
 * per path. */
static void watcher(zhandle_t *zh, int type, int state, const char *path, void *ctx)
{
	const struct handle_ctx *h = zoo_get_context(zh);
	struct session *s = h->s;
	struct zk_event *ev;

	(void)ctx;
	pthread_mutex_lock(&s->lock);
	if (h->epoch != s->cur_epoch) {
		pthread_mutex_unlock(&s->lock);
		return; /* a handle being closed */
	}
	if (s->queued >= SESSION_QUEUE_MAX || (ev = calloc(1, sizeof(*ev))) == NULL) {
		s->overflow = true;
	} else {
		ev->type = type;
		ev->state = state;
		snprintf(ev->path, sizeof(ev->path), "%s", path ? path : "");
		if (s->tail)
			s->tail->next = ev;
		else
			s->head = ev;
		s->tail = ev;
		s->queued++;
	}
	pthread_mutex_unlock(&s->lock);
	wake_loop(s);
}

static void ping_done(int rc, const struct Stat *stat, const void *data)
{
	struct ping *p = (struct ping *)data;
	struct session *s = p->s;
	bool extended = false;

	(void)stat;
	pthread_mutex_lock(&s->lock);
	if (p->epoch == s->cur_epoch) {
		s->ping_outstanding = false;
		if (rc == ZOK && p->sent > s->last_ok_ping) {
			s->last_ok_ping = p->sent;
			extended = true;
		}
	}
	pthread_mutex_unlock(&s->lock);
	if (extended)
		wake_loop(s); /* the loop writes the longer lease */
	free(p);
}

struct session *session_new(const char *hosts, int timeout_ms, const char *auth, bool debug)
{
	struct session *s = calloc(1, sizeof(*s));

	if (s == NULL)
		return NULL;
	s->hosts = hosts;
	s->timeout_ms = timeout_ms;
	s->auth = auth;
	s->backoff_ms = BACKOFF_MIN_MS;
	if (pipe2(s->wake, O_CLOEXEC | O_NONBLOCK) != 0) {
		int err = errno;
		free(s);
		errno = err;
		return NULL;
	}
	pthread_mutex_init(&s->lock, NULL);
	/* With credentials: everyone may read what coordd creates, only the
	 * same identity may change it. */
	anyone_id = ZOO_ANYONE_ID_UNSAFE;
	auth_id = ZOO_AUTH_IDS;
	acl_with_auth[0] = (struct ACL){ZOO_PERM_READ, anyone_id};
	acl_with_auth[1] = (struct ACL){ZOO_PERM_ALL, auth_id};
	s->acl = auth ? (struct ACL_vector){2, acl_with_auth} : ZOO_OPEN_ACL_UNSAFE;
	zoo_set_debug_level(debug ? ZOO_LOG_LEVEL_WARN : ZOO_LOG_LEVEL_ERROR);
	if (!debug) {
		/* The client reports every failed connection attempt: keep that off stderr. */
		FILE *null = fopen("/dev/null", "we");
		if (null)
			zoo_set_log_stream(null);
	}
	return s;
}

static void close_handle(struct session *s)
{
	if (s->zh == NULL)
		return;
	pthread_mutex_lock(&s->lock);
	s->cur_epoch = -1; /* callbacks from here on belong to no one */
	s->ping_outstanding = false;
	s->last_ok_ping = 0;
	pthread_mutex_unlock(&s->lock);
	zookeeper_close(s->zh); /* joins the client's threads */
	free(s->hctx);
	s->zh = NULL;
	s->hctx = NULL;
}

static void events_free(struct zk_event *list)
{
	while (list) {
		struct zk_event *next = list->next;
		free(list);
		list = next;
	}
}

void session_free(struct session *s)
{
	if (s == NULL)
		return;
	close_handle(s);
	events_free(s->head);
	close(s->wake[0]);
	close(s->wake[1]);
	pthread_mutex_destroy(&s->lock);
	free(s);
}

int session_wake_fd(const struct session *s)
{
	return s->wake[0];
}

/* Take every queued event (in order) and whether some were dropped. */
static struct zk_event *take(struct session *s, bool *overflow)
{
	struct zk_event *list;
	char buf[256];

	while (read(s->wake[0], buf, sizeof(buf)) > 0)
		;
	pthread_mutex_lock(&s->lock);
	list = s->head;
	*overflow = s->overflow;
	s->head = s->tail = NULL;
	s->queued = 0;
	s->overflow = false;
	pthread_mutex_unlock(&s->lock);
	return list;
}

/* An event of the current handle said the session expired: drop the handle. */
static void expired(struct session *s)
{
	qot_log(QOT_LOG_WARNING, "zookeeper session expired: opening a new one");
	close_handle(s);
	s->retry_at = 0;
	s->backoff_ms = BACKOFF_MIN_MS;
}

/* The current handle reported CONNECTED: hand it the credentials (once per
 * handle; the client re-sends them after each reconnection by itself). */
static void on_connected(struct session *s)
{
	int rc;

	if (s->zh == NULL || s->authed)
		return;
	if (s->auth == NULL) {
		s->authed = true;
		return;
	}
	/* Requests queued after this one reach the server after it. */
	rc = zoo_add_auth(s->zh, "digest", s->auth, (int)strlen(s->auth), NULL, NULL);
	if (rc != ZOK)
		qot_log(QOT_LOG_ERR, "zookeeper auth: %s", zerror(rc));
	else
		s->authed = true;
}

bool session_connected(const struct session *s)
{
	return s->zh != NULL && s->authed && zoo_state(s->zh) == ZOO_CONNECTED_STATE;
}

int64_t session_lease_until(struct session *s)
{
	int64_t last;
	int timeout_ms;

	if (s->zh == NULL)
		return 0;
	pthread_mutex_lock(&s->lock);
	last = s->last_ok_ping;
	pthread_mutex_unlock(&s->lock);
	/* The negotiated timeout, which the servers may have lowered. */
	timeout_ms = zoo_recv_timeout(s->zh);
	if (last == 0 || timeout_ms <= 0)
		return 0;
	return last + (int64_t)timeout_ms * 1000000 * LEASE_SHARE_PERCENT / 100;
}

static void open_handle(struct session *s, int64_t now)
{
	struct handle_ctx *h = malloc(sizeof(*h));

	if (h == NULL) {
		s->retry_at = now + (int64_t)s->backoff_ms * 1000000;
		return;
	}
	s->epoch++;
	h->s = s;
	h->epoch = s->epoch;
	pthread_mutex_lock(&s->lock);
	s->cur_epoch = s->epoch;
	s->last_ok_ping = 0;
	s->ping_outstanding = false;
	pthread_mutex_unlock(&s->lock);
	s->zh = zookeeper_init(s->hosts, watcher, s->timeout_ms, NULL, h, 0);
	if (s->zh == NULL) {
		qot_log(QOT_LOG_WARNING, "zookeeper %s: %s; retrying in %d ms", s->hosts,
			strerror(errno), s->backoff_ms);
		free(h);
		s->retry_at = now + (int64_t)s->backoff_ms * 1000000;
		s->backoff_ms =
			s->backoff_ms * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : s->backoff_ms * 2;
		return;
	}
	s->hctx = h;
	s->authed = false;
	s->backoff_ms = BACKOFF_MIN_MS;
	s->next_ping = now;
}

static void send_ping(struct session *s, int64_t now)
{
	struct ping *p = malloc(sizeof(*p));
	int rc;

	if (p == NULL)
		return;
	*p = (struct ping){s, s->epoch, now};
	pthread_mutex_lock(&s->lock);
	s->ping_outstanding = true;
	pthread_mutex_unlock(&s->lock);
	rc = zoo_aexists(s->zh, "/", 0, ping_done, p);
	if (rc != ZOK) {
		pthread_mutex_lock(&s->lock);
		s->ping_outstanding = false;
		pthread_mutex_unlock(&s->lock);
		free(p);
	}
}

int64_t session_tick(struct session *s, int64_t now)
{
	int64_t period = (int64_t)s->timeout_ms * 1000000 / PINGS_PER_TIMEOUT;
	bool outstanding;

	if (s->zh == NULL) {
		if (now >= s->retry_at)
			open_handle(s, now);
		if (s->zh == NULL)
			return s->retry_at;
	}
	if (!s->authed && zoo_state(s->zh) == ZOO_CONNECTED_STATE)
		on_connected(s); /* connected before its event was taken */
	if (now >= s->next_ping && session_connected(s)) {
		pthread_mutex_lock(&s->lock);
		outstanding = s->ping_outstanding;
		pthread_mutex_unlock(&s->lock);
		if (!outstanding)
			send_ping(s, now);
		s->next_ping = now + period;
	}
	return now >= s->next_ping ? now + period / 4 : s->next_ping;
}

bool session_lost(int rc)
{
	return rc == ZCONNECTIONLOSS || rc == ZOPERATIONTIMEOUT || rc == ZSESSIONEXPIRED ||
	       rc == ZINVALIDSTATE || rc == ZCLOSING || rc == ZSESSIONMOVED;
}

static void event(struct session *s, const struct zk_event *ev, const struct session_listener *l,
		  void *ctx)
{
	if (ev->type != ZOO_SESSION_EVENT) {
		if (l->watch)
			l->watch(ctx, ev->path);
		return;
	}
	if (ev->state == ZOO_CONNECTED_STATE) {
		on_connected(s);
		qot_log(QOT_LOG_INFO, "zookeeper: connected, session 0x%llx",
			(unsigned long long)session_id(s));
	} else if (ev->state == ZOO_CONNECTING_STATE) {
		qot_log(QOT_LOG_WARNING, "zookeeper: connection lost; membership may be stale");
		return;
	} else if (ev->state == ZOO_EXPIRED_SESSION_STATE || ev->state == ZOO_AUTH_FAILED_STATE) {
		if (ev->state == ZOO_AUTH_FAILED_STATE)
			qot_log(QOT_LOG_ERR, "zookeeper: authentication failed");
		expired(s);
	} else {
		return;
	}
	if (l->reset)
		l->reset(ctx);
}

void session_dispatch(struct session *s, const struct session_listener *l, void *ctx)
{
	bool overflow;
	struct zk_event *list = take(s, &overflow);

	for (struct zk_event *ev = list; ev; ev = ev->next)
		event(s, ev, l, ctx);
	events_free(list);
	if (overflow && l->reset)
		l->reset(ctx);
}

int session_epoch(const struct session *s)
{
	return s->epoch;
}

int64_t session_id(const struct session *s)
{
	return s->zh ? zoo_client_id(s->zh)->client_id : 0;
}

int session_create(struct session *s, const char *path, const char *data, int len, int flags,
		   char *created, int created_len)
{
	return zoo_create(s->zh, path, data, len, &s->acl, flags, created, created_len);
}

int session_delete(struct session *s, const char *path, int version)
{
	return zoo_delete(s->zh, path, version);
}

int session_delete_all(struct session *s, const char *const *paths, int n)
{
	zoo_op_t ops[SESSION_MULTI_MAX];
	zoo_op_result_t res[SESSION_MULTI_MAX];

	if (n <= 0)
		return ZOK;
	if (n > SESSION_MULTI_MAX)
		return ZBADARGUMENTS;
	for (int i = 0; i < n; i++)
		zoo_delete_op_init(&ops[i], paths[i], -1);
	return zoo_multi(s->zh, n, ops, res);
}

int session_exists(struct session *s, const char *path, bool watch, struct Stat *st)
{
	return watch ? zoo_wexists(s->zh, path, watcher, NULL, st) : zoo_exists(s->zh, path, 0, st);
}

int session_children(struct session *s, const char *path, bool watch, struct String_vector *out)
{
	return watch ? zoo_wget_children(s->zh, path, watcher, NULL, out)
		     : zoo_get_children(s->zh, path, 0, out);
}

int session_get(struct session *s, const char *path, bool watch, char *buf, int *len,
		struct Stat *st)
{
	return watch ? zoo_wget(s->zh, path, watcher, NULL, buf, len, st)
		     : zoo_get(s->zh, path, 0, buf, len, st);
}

int session_set(struct session *s, const char *path, const char *data, int len)
{
	return zoo_set(s->zh, path, data, len, -1);
}
