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
#include "session.h"

#define BACKOFF_MIN_MS 250
#define BACKOFF_MAX_MS 30000

struct handle_ctx {
	struct session *s;
	int epoch;
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
	struct timespec ts;

	clock_gettime(CLOCK_BOOTTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void wake_loop(struct session *s)
{
	char c = 0;
	ssize_t r = write(s->wake[1], &c, 1); /* a full pipe already wakes it */
	(void)r;
}

/* Runs on the client's threads: enqueue and wake the loop, nothing more. */
void session_watch(zhandle_t *zh, int type, int state, const char *path, void *ctx)
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

int session_init(struct session *s, const char *hosts, int timeout_ms, const char *auth, bool debug)
{
	memset(s, 0, sizeof(*s));
	s->hosts = hosts;
	s->timeout_ms = timeout_ms;
	s->auth = auth;
	s->backoff_ms = BACKOFF_MIN_MS;
	if (pipe2(s->wake, O_CLOEXEC | O_NONBLOCK) != 0)
		return -errno;
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
	return 0;
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

void session_free(struct session *s)
{
	close_handle(s);
	session_events_free(s->head);
	close(s->wake[0]);
	close(s->wake[1]);
	pthread_mutex_destroy(&s->lock);
}

int session_wake_fd(const struct session *s)
{
	return s->wake[0];
}

struct zk_event *session_take(struct session *s, bool *overflow)
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

void session_events_free(struct zk_event *list)
{
	while (list) {
		struct zk_event *next = list->next;
		free(list);
		list = next;
	}
}

void session_expired(struct session *s)
{
	qot_log(QOT_LOG_WARNING, "zookeeper session expired: opening a new one");
	close_handle(s);
	s->retry_at = 0;
	s->backoff_ms = BACKOFF_MIN_MS;
}

void session_on_connected(struct session *s)
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
	s->zh = zookeeper_init(s->hosts, session_watch, s->timeout_ms, NULL, h, 0);
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
		session_on_connected(s); /* connected before its event was taken */
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
