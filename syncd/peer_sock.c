/* SPDX-License-Identifier: Apache-2.0 */
/* peer_sock.c - the peer endpoint: UDP, answers, matching, drops. */
#include <errno.h>
#include <time.h> /* before linux/errqueue.h: struct timespec */

#include <linux/errqueue.h>
#include <linux/net_tstamp.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "now.h"
#include "page.h"
#include "peer_sock.h"

#define RATE_SLOTS    64
#define FOLLOWUP_WAIT 20000000 /* ns (monotonic) an answer waits for its follow-up */

struct peer_tl {
	bool used;
	char name[QOT_NAME_MAX + 1];
	const struct peer_tl_ops *ops;
	void *ctx;
	int64_t timeout; /* ns its answers may take; 0: the endpoint's */
};

struct outstanding {
	struct peer_tl *tl; /* NULL: free */
	char node[QOT_NAME_MAX + 1];
	uint64_t seq;
	int64_t t1, b1;	  /* what the request carries (t1 echoed), read before sending */
	int64_t tx;	  /* the kernel's transmit timestamp of the request, 0: none yet */
	int64_t deadline; /* monotonic ns */
	/* Answered, the follow-up awaited (until deadline): the answer as measured. */
	bool pending;
	struct peer_msg resp;
	struct peer_stamps st;
	/* A follow-up that overtook its answer (a path that reorders): kept
	 * for the answer, which delivers at once with it. */
	bool early;
	struct peer_msg fu;
};

struct answered {
	struct peer_tl *tl; /* NULL: free or used */
	char node[QOT_NAME_MAX + 1];
	uint64_t seq;
	int64_t t3, b3; /* our timeline and base clock when we answered */
	int64_t t1;	/* the request's, echoed */
	bool follow;	/* a follow-up is owed once the transmit timestamp comes */
	struct sockaddr_storage to;
	socklen_t tolen;
};

struct bucket {
	struct sockaddr_storage addr; /* ss_family 0: free */
	double tokens;
	int64_t last; /* monotonic ns */
};

#define RECV_BATCH 32 /* datagrams per recvmmsg() */

struct rx_slot {
	uint8_t buf[PEER_WIRE_LEN + 1]; /* one more: an oversized datagram shows */
	struct {
		/* CMSG_SPACE(timespec) + CMSG_SPACE(uint32_t) +
		 * CMSG_SPACE(scm_timestamping) is 120 on 64-bit Linux; a literal,
		 * since clang does not fold CMSG_SPACE in a struct. */
		_Alignas(struct cmsghdr) char buf[192];
	} ctl;
	struct sockaddr_storage from;
	struct iovec iov;
};

struct peer_sock {
	int fd;
	unsigned port;
	struct peer_sock_config cfg;
	const struct peer_keys *keys;
	struct peer_guard *guard;
	uint64_t seq;
	struct peer_tl tl[PEER_SOCK_TIMELINES];
	struct outstanding out[PEER_SOCK_OUTSTANDING];
	struct answered ans[PEER_SOCK_ANSWERED];
	size_t ans_next;
	struct bucket bucket[RATE_SLOTS];
	struct peer_sock_stats stats;
	bool tx_stamps; /* SO_TIMESTAMPING transmit timestamps enabled */
	struct rx_slot slot[RECV_BATCH];
	struct mmsghdr mm[RECV_BATCH];
};

int peer_sock_open(struct peer_sock **out, const struct peer_sock_config *cfg,
		   const struct peer_keys *keys, const char *addr, unsigned port)
{
	struct addrinfo hints = {.ai_socktype = SOCK_DGRAM,
				 .ai_flags = AI_PASSIVE | AI_NUMERICHOST | AI_NUMERICSERV};
	struct sockaddr_storage bound;
	socklen_t blen = sizeof(bound);
	struct addrinfo *ai;
	struct peer_sock *s;
	char service[16];
	int one = 1, err;

	if (port > 65535 || !qot_name_valid(cfg->node, strnlen(cfg->node, QOT_NAME_MAX + 1)) ||
	    cfg->timeout <= 0 || cfg->batch == 0)
		return -EINVAL;
	snprintf(service, sizeof(service), "%u", port);
	err = getaddrinfo(addr, service, &hints, &ai);
	if (err)
		return err == EAI_MEMORY ? -ENOMEM : -EINVAL;
	s = calloc(1, sizeof(*s));
	if (s == NULL) {
		freeaddrinfo(ai);
		return -ENOMEM;
	}
	s->cfg = *cfg;
	s->keys = keys;
	/* Never 0, and above anything sent before a restart (unless the clock went back). */
	s->seq = (uint64_t)qot_now_ns(CLOCK_REALTIME);
	s->fd = socket(ai->ai_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	err = s->fd < 0 ? -errno : 0;
	if (!err && setsockopt(s->fd, SOL_SOCKET, SO_TIMESTAMPNS, &one, sizeof(one)) < 0)
		err = -errno;
	/* Kernel software transmit timestamps, on the error queue with the packet
	 * (no OPT_TSONLY: the packet names the request it stamps). Best effort:
	 * without them t1 is read before sendto, wider but as honest. */
	if (!err) {
		int ts = SOF_TIMESTAMPING_TX_SOFTWARE | SOF_TIMESTAMPING_SOFTWARE;

		s->tx_stamps = setsockopt(s->fd, SOL_SOCKET, SO_TIMESTAMPING, &ts, sizeof(ts)) == 0;
	}
	/* The kernel's count of datagrams dropped for a full buffer (best effort). */
	if (!err)
		(void)setsockopt(s->fd, SOL_SOCKET, SO_RXQ_OVFL, &one, sizeof(one));
	if (!err && bind(s->fd, ai->ai_addr, ai->ai_addrlen) < 0)
		err = -errno;
	if (!err && getsockname(s->fd, (struct sockaddr *)&bound, &blen) < 0)
		err = -errno;
	freeaddrinfo(ai);
	if (!err)
		err = peer_guard_new(&s->guard, cfg->freshness);
	if (err) {
		if (s->fd >= 0)
			close(s->fd);
		free(s);
		return err;
	}
	s->port = ntohs(bound.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&bound)->sin6_port
						    : ((struct sockaddr_in *)&bound)->sin_port);
	*out = s;
	return 0;
}

void peer_sock_close(struct peer_sock *s)
{
	if (s == NULL)
		return;
	close(s->fd);
	peer_guard_free(s->guard);
	free(s);
}

int peer_sock_fd(const struct peer_sock *s)
{
	return s->fd;
}

unsigned peer_sock_port(const struct peer_sock *s)
{
	return s->port;
}

const struct peer_sock_stats *peer_sock_stats(const struct peer_sock *s)
{
	return &s->stats;
}

int peer_sock_add(struct peer_sock *s, const char *timeline, const struct peer_tl_ops *ops,
		  void *ctx, struct peer_tl **out)
{
	struct peer_tl *free_slot = NULL;

	if (!qot_name_valid(timeline, strlen(timeline)))
		return -EINVAL;
	for (size_t i = 0; i < PEER_SOCK_TIMELINES; i++) {
		if (s->tl[i].used && strcmp(s->tl[i].name, timeline) == 0)
			return -EEXIST;
		if (!s->tl[i].used && free_slot == NULL)
			free_slot = &s->tl[i];
	}
	if (free_slot == NULL)
		return -ENOSPC;
	free_slot->used = true;
	snprintf(free_slot->name, sizeof(free_slot->name), "%s", timeline);
	free_slot->ops = ops;
	free_slot->ctx = ctx;
	free_slot->timeout = 0;
	*out = free_slot;
	return 0;
}

void peer_sock_remove(struct peer_sock *s, struct peer_tl *tl)
{
	for (size_t i = 0; i < PEER_SOCK_OUTSTANDING; i++)
		if (s->out[i].tl == tl)
			s->out[i].tl = NULL;
	for (size_t i = 0; i < PEER_SOCK_ANSWERED; i++)
		if (s->ans[i].tl == tl)
			s->ans[i].tl = NULL;
	memset(tl, 0, sizeof(*tl));
}

static struct peer_tl *tl_find(struct peer_sock *s, const char *name)
{
	for (size_t i = 0; i < PEER_SOCK_TIMELINES; i++)
		if (s->tl[i].used && strcmp(s->tl[i].name, name) == 0)
			return &s->tl[i];
	return NULL;
}

static int64_t timeout_of(const struct peer_sock *s, const struct peer_tl *tl)
{
	return tl->timeout > 0 ? tl->timeout : s->cfg.timeout;
}

int peer_sock_set_timeout(struct peer_sock *s, const char *timeline, int64_t timeout)
{
	struct peer_tl *tl;

	if (timeout < 0)
		return -EINVAL;
	tl = tl_find(s, timeline);
	if (tl == NULL)
		return -ENOENT;
	tl->timeout = timeout;
	return 0;
}

/* The message this end sends for tl, with its self-description. */
static void msg_init(struct peer_sock *s, struct peer_tl *tl, uint8_t type, struct peer_msg *m)
{
	struct peer_self self = {0};

	tl->ops->self(tl->ctx, &self);
	memset(m, 0, sizeof(*m));
	m->type = type;
	m->flags = self.flags;
	m->epoch = self.epoch;
	m->depth = self.depth;
	snprintf(m->timeline, sizeof(m->timeline), "%s", tl->name);
	snprintf(m->node, sizeof(m->node), "%s", s->cfg.node);
	m->seq = ++s->seq;
}

static int send_msg(struct peer_sock *s, const struct peer_msg *m, const struct sockaddr *addr,
		    socklen_t addrlen)
{
	uint8_t buf[PEER_WIRE_LEN];
	int err = peer_wire_encode(s->keys, m, buf);
	ssize_t n;

	if (err)
		return err;
	n = sendto(s->fd, buf, sizeof(buf), 0, addr, addrlen);
	if (n != (ssize_t)sizeof(buf)) {
		s->stats.send_errors++;
		return n < 0 ? -errno : -EIO;
	}
	s->stats.sent++;
	return 0;
}

int peer_sock_request(struct peer_sock *s, struct peer_tl *tl, const char *node,
		      const struct sockaddr *addr, socklen_t addrlen, uint64_t *seq)
{
	struct outstanding *o = NULL;
	struct qot_clock_params p;
	struct qot_time t;
	struct peer_msg m;
	int64_t base;
	int err;

	for (size_t i = 0; i < PEER_SOCK_OUTSTANDING && o == NULL; i++)
		if (s->out[i].tl == NULL)
			o = &s->out[i];
	if (o == NULL)
		return -EBUSY;
	if (!qot_name_valid(node, strlen(node)))
		return -EINVAL;
	msg_init(s, tl, PEER_MSG_REQUEST, &m);
	err = tl->ops->params(tl->ctx, &p, &base);
	if (err)
		return err;
	qot_project(&p, base, &t);
	m.status = p.status;
	m.sent = base;
	m.t1 = t.estimate;
	err = send_msg(s, &m, addr, addrlen);
	if (err)
		return err;
	o->tl = tl;
	snprintf(o->node, sizeof(o->node), "%s", node);
	o->seq = m.seq;
	o->t1 = m.t1;
	o->b1 = base;
	o->tx = 0;
	o->pending = false;
	o->early = false;
	o->deadline = qot_now_ns(CLOCK_MONOTONIC) + timeout_of(s, tl);
	if (seq)
		*seq = m.seq;
	return 0;
}

int peer_sock_correct(struct peer_sock *s, struct peer_tl *tl, const struct sockaddr *addr,
		      socklen_t addrlen, uint64_t echo, int64_t correction, uint64_t below,
		      uint64_t above)
{
	struct qot_clock_params p;
	struct peer_msg m;
	int64_t base;
	int err = tl->ops->params(tl->ctx, &p, &base);

	if (err)
		return err;
	msg_init(s, tl, PEER_MSG_CORRECTION, &m);
	m.status = p.status;
	m.sent = base;
	m.echo = echo;
	m.correction = correction;
	m.below = below;
	m.above = above;
	return send_msg(s, &m, addr, addrlen);
}

/* A token for an answer to addr? One bucket per hash slot of the address. */
static bool rate_ok(struct peer_sock *s, const struct sockaddr_storage *from, socklen_t len)
{
	unsigned rate = s->cfg.rate ? s->cfg.rate : 100, burst = s->cfg.burst ? s->cfg.burst : 16;
	const uint8_t *b = (const uint8_t *)from;
	uint32_t h = 2166136261u;
	struct bucket *k;
	int64_t now = qot_now_ns(CLOCK_MONOTONIC);

	for (socklen_t i = 0; i < len; i++)
		h = (h ^ b[i]) * 16777619u;
	k = &s->bucket[h % RATE_SLOTS];
	if (k->addr.ss_family == 0 || memcmp(&k->addr, from, len) != 0) {
		memset(&k->addr, 0, sizeof(k->addr));
		memcpy(&k->addr, from, len);
		k->tokens = burst;
		k->last = now;
	}
	k->tokens += (double)(now - k->last) * rate / 1e9;
	if (k->tokens > burst)
		k->tokens = burst;
	k->last = now;
	if (k->tokens < 1)
		return false;
	k->tokens -= 1;
	return true;
}

static void drop(struct peer_sock *s, enum peer_drop why)
{
	s->stats.drop[why]++;
}

static void answer(struct peer_sock *s, struct peer_tl *tl, const struct peer_msg *req, int64_t rx,
		   const struct sockaddr_storage *from, socklen_t fromlen)
{
	struct peer_self self = {0};
	struct qot_clock_params p;
	struct qot_time at_rx, at_tx;
	struct answered *a;
	struct peer_msg m;
	int64_t base;

	tl->ops->self(tl->ctx, &self);
	if (!self.serve) {
		drop(s, PEER_DROP_TIMELINE);
		return;
	}
	if (!rate_ok(s, from, fromlen)) {
		drop(s, PEER_DROP_RATE);
		return;
	}
	if (tl->ops->params(tl->ctx, &p, &base) != 0)
		return;
	if (rx > base || rx == 0)
		rx = base; /* no kernel timestamp: now is not earlier than the arrival */
	qot_project(&p, rx, &at_rx);
	qot_project(&p, base, &at_tx);
	msg_init(s, tl, PEER_MSG_RESPONSE, &m);
	m.status = p.status;
	m.sent = base;
	m.echo = req->seq;
	m.t1 = req->t1;
	m.t2 = at_rx.estimate;
	m.t3 = at_tx.estimate;
	m.below = at_rx.below > at_tx.below ? at_rx.below : at_tx.below;
	m.above = at_rx.above > at_tx.above ? at_rx.above : at_tx.above;
	if (s->tx_stamps)
		m.flags |= PEER_FLAG_FOLLOWUP;
	if (send_msg(s, &m, (const struct sockaddr *)from, fromlen) != 0)
		return;
	s->stats.answered++;
	a = &s->ans[s->ans_next++ % PEER_SOCK_ANSWERED];
	a->tl = tl;
	snprintf(a->node, sizeof(a->node), "%s", req->node);
	a->seq = m.seq;
	a->t3 = m.t3;
	a->b3 = base;
	a->t1 = m.t1;
	a->follow = s->tx_stamps;
	memset(&a->to, 0, sizeof(a->to));
	memcpy(&a->to, from, fromlen);
	a->tolen = fromlen;
	if (tl->ops->request)
		tl->ops->request(tl->ctx, req);
}

/* Hand an answer, as measured, to its timeline; the slot is free again. */
static void deliver(struct peer_sock *s, struct outstanding *o)
{
	struct peer_tl *tl = o->tl;
	struct peer_msg m = o->resp;
	struct peer_stamps st = o->st;

	o->tl = NULL; /* first: the timeline may send a request from its callback */
	o->pending = false;
	m.flags &= (uint16_t)~PEER_FLAG_FOLLOWUP;
	s->stats.responses++;
	tl->ops->response(tl->ctx, &m, &st);
}

/* The precise t3 of a follow-up into the answer it follows: taken when it
 * keeps the exchange possible (t3 not earlier than the answer's, t2 - b1 >=
 * t3 - b4: no negative delay, checked without overflow), the bounds the
 * wider of the two. */
static void apply_followup(struct peer_sock *s, struct outstanding *o, const struct peer_msg *m)
{
	if (m->echo != o->resp.seq)
		return; /* (an early one) it follows another answer of the upstream's */
	if (m->t3 >= o->st.t3 && (__int128)o->st.t2 - o->st.b1 >= (__int128)m->t3 - o->st.b4) {
		o->st.t3 = m->t3;
		if (m->below > o->st.up_below)
			o->st.up_below = m->below;
		if (m->above > o->st.up_above)
			o->st.up_above = m->above;
		s->stats.followups++;
	}
}

static void response(struct peer_sock *s, struct peer_tl *tl, const struct peer_msg *m, int64_t rx)
{
	struct outstanding *o = NULL;
	struct qot_clock_params p;
	struct peer_stamps st;
	struct qot_time t;
	int64_t base;

	for (size_t i = 0; i < PEER_SOCK_OUTSTANDING && o == NULL; i++)
		if (s->out[i].tl == tl && !s->out[i].pending && s->out[i].seq == m->echo &&
		    s->out[i].t1 == m->t1 && strcmp(s->out[i].node, m->node) == 0)
			o = &s->out[i];
	if (o == NULL) {
		drop(s, PEER_DROP_UNEXPECTED);
		return;
	}
	if (tl->ops->params(tl->ctx, &p, &base) != 0) {
		o->tl = NULL;
		return;
	}
	if (rx > base || rx == 0)
		rx = base;
	qot_project(&p, rx, &t);
	st.t1 = o->t1;
	st.b1 = o->b1;
	/* The kernel's transmit timestamp: taken by the driver after sendto's
	 * read and before the packet can reach the upstream, so still not later
	 * than the real sending; the timeline at it, with the parameters now. */
	if (o->tx >= o->b1 && o->tx <= rx && o->tx != 0) {
		struct qot_time at_tx;

		qot_project(&p, o->tx, &at_tx);
		if (at_tx.estimate >= o->t1 && at_tx.estimate <= t.estimate) {
			st.t1 = at_tx.estimate;
			st.b1 = o->tx;
			s->stats.tx_stamped++;
		}
	}
	st.t2 = m->t2;
	st.t3 = m->t3;
	st.t4 = t.estimate;
	st.b4 = rx;
	st.up_below = m->below;
	st.up_above = m->above;
	o->resp = *m;
	o->st = st;
	if ((m->flags & PEER_FLAG_FOLLOWUP) && o->early) {
		apply_followup(s, o, &o->fu);
		deliver(s, o);
		return;
	}
	if (m->flags & PEER_FLAG_FOLLOWUP) {
		/* Its precise t3 comes next: wait for it a little (a second answer
		 * is still unexpected). */
		int64_t timeout = timeout_of(s, o->tl);
		int64_t wait = timeout < FOLLOWUP_WAIT ? timeout : FOLLOWUP_WAIT;

		o->pending = true;
		o->deadline = qot_now_ns(CLOCK_MONOTONIC) + wait;
		return;
	}
	deliver(s, o);
}

/* A follow-up: the t3 of an answer awaiting it, from the upstream's kernel
 * transmit timestamp (not earlier than the read before its sendto, not
 * later than our receipt, which its own honesty needs). */
static void followup(struct peer_sock *s, struct peer_tl *tl, const struct peer_msg *m)
{
	struct outstanding *o = NULL;

	for (size_t i = 0; i < PEER_SOCK_OUTSTANDING && o == NULL; i++)
		if (s->out[i].tl == tl && s->out[i].pending && s->out[i].resp.seq == m->echo &&
		    s->out[i].resp.t1 == m->t1 && strcmp(s->out[i].node, m->node) == 0)
			o = &s->out[i];
	if (o != NULL) {
		apply_followup(s, o, m);
		deliver(s, o);
		return;
	}
	/* Ahead of its answer? The request it answers is still outstanding:
	 * which answer it follows is known only when that comes (its seq), so
	 * it waits there, once (a second one is unexpected). */
	for (size_t i = 0; i < PEER_SOCK_OUTSTANDING && o == NULL; i++)
		if (s->out[i].tl == tl && !s->out[i].pending && !s->out[i].early &&
		    s->out[i].t1 == m->t1 && strcmp(s->out[i].node, m->node) == 0)
			o = &s->out[i];
	if (o == NULL) {
		drop(s, PEER_DROP_UNEXPECTED);
		return;
	}
	o->early = true;
	o->fu = *m;
}

static void correction(struct peer_sock *s, struct peer_tl *tl, const struct peer_msg *m)
{
	for (size_t i = 0; i < PEER_SOCK_ANSWERED; i++) {
		struct answered *a = &s->ans[i];
		if (a->tl == tl && a->seq == m->echo && strcmp(a->node, m->node) == 0) {
			a->tl = NULL; /* once */
			s->stats.corrections++;
			if (tl->ops->correction)
				tl->ops->correction(tl->ctx, m, a->t3, a->b3);
			return;
		}
	}
	drop(s, PEER_DROP_UNEXPECTED);
}

static void handle(struct peer_sock *s, const uint8_t *buf, size_t len, int64_t rx,
		   const struct sockaddr_storage *from, socklen_t fromlen)
{
	struct peer_tl *tl;
	struct peer_msg m;
	enum peer_drop why = peer_wire_decode(s->keys, buf, len, &m);

	if (why == PEER_DROP_OK && strcmp(m.node, s->cfg.node) == 0)
		why = PEER_DROP_UNEXPECTED; /* our own packet reflected back */
	if (why != PEER_DROP_OK) {
		drop(s, why);
		return;
	}
	tl = tl_find(s, m.timeline);
	if (tl == NULL) {
		drop(s, PEER_DROP_TIMELINE);
		return;
	}
	why = peer_guard_accept(s->guard, &m, qot_now_ns(CLOCK_REALTIME));
	if (why != PEER_DROP_OK) {
		drop(s, why);
		return;
	}
	switch (m.type) {
	case PEER_MSG_REQUEST:
		answer(s, tl, &m, rx, from, fromlen);
		break;
	case PEER_MSG_RESPONSE:
		response(s, tl, &m, rx);
		break;
	case PEER_MSG_CORRECTION:
		correction(s, tl, &m);
		break;
	case PEER_MSG_FOLLOWUP:
		followup(s, tl, &m);
		break;
	}
}

/* The kernel's receive timestamp (0: none), and its overflow count. */
static int64_t rx_meta(struct peer_sock *s, struct msghdr *mh)
{
	int64_t rx = 0;

	for (struct cmsghdr *c = CMSG_FIRSTHDR(mh); c; c = CMSG_NXTHDR(mh, c)) {
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_TIMESTAMPNS) {
			struct timespec ts;
			memcpy(&ts, CMSG_DATA(c), sizeof(ts));
			rx = qot_timespec_ns(&ts);
		} else if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SO_RXQ_OVFL) {
			uint32_t dropped;
			memcpy(&dropped, CMSG_DATA(c), sizeof(dropped));
			s->stats.overflow = dropped; /* cumulative since the socket opened */
		}
	}
	return rx;
}

/* The follow-up to answer a: its t3 at the kernel's transmit timestamp tx. */
static void send_followup(struct peer_sock *s, struct answered *a, int64_t tx)
{
	struct peer_tl *tl = a->tl;
	struct qot_clock_params p;
	struct qot_time t;
	struct peer_msg f;
	int64_t base;

	a->follow = false; /* once */
	if (tl->ops->params(tl->ctx, &p, &base) != 0)
		return;
	if (tx > base || tx < a->b3)
		return; /* not the stamp of that answer: the member measures without */
	qot_project(&p, tx, &t);
	msg_init(s, tl, PEER_MSG_FOLLOWUP, &f);
	f.status = p.status;
	f.sent = base;
	f.echo = a->seq;
	f.t1 = a->t1;
	f.t3 = t.estimate;
	f.below = t.below;
	f.above = t.above;
	if (send_msg(s, &f, (const struct sockaddr *)&a->to, a->tolen) == 0)
		s->stats.followups_sent++;
}

/* One transmit timestamp from the error queue: the stamped packet is the
 * tail of what comes back (link, IP and UDP headers precede it). */
static void tx_stamp(struct peer_sock *s, const uint8_t *buf, size_t len, struct msghdr *mh)
{
	const struct sock_extended_err *ee = NULL;
	int64_t tx = 0;
	struct peer_msg m;

	for (struct cmsghdr *c = CMSG_FIRSTHDR(mh); c; c = CMSG_NXTHDR(mh, c)) {
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_TIMESTAMPING) {
			struct scm_timestamping ts;
			memcpy(&ts, CMSG_DATA(c), sizeof(ts));
			tx = qot_timespec_ns(&ts.ts[0]);
		} else if ((c->cmsg_level == SOL_IP && c->cmsg_type == IP_RECVERR) ||
			   (c->cmsg_level == SOL_IPV6 && c->cmsg_type == IPV6_RECVERR)) {
			ee = (const struct sock_extended_err *)CMSG_DATA(c);
		}
	}
	if (tx == 0 || ee == NULL || ee->ee_origin != SO_EE_ORIGIN_TIMESTAMPING ||
	    ee->ee_info != SCM_TSTAMP_SND || len < PEER_WIRE_LEN || (mh->msg_flags & MSG_TRUNC))
		return;
	if (peer_wire_decode(s->keys, buf + len - PEER_WIRE_LEN, PEER_WIRE_LEN, &m) !=
		    PEER_DROP_OK ||
	    strcmp(m.node, s->cfg.node) != 0)
		return;
	if (m.type == PEER_MSG_REQUEST) {
		for (size_t i = 0; i < PEER_SOCK_OUTSTANDING; i++)
			if (s->out[i].tl && !s->out[i].pending && s->out[i].seq == m.seq &&
			    s->out[i].t1 == m.t1)
				s->out[i].tx = tx;
	} else if (m.type == PEER_MSG_RESPONSE) {
		for (size_t i = 0; i < PEER_SOCK_ANSWERED; i++)
			if (s->ans[i].tl && s->ans[i].follow && s->ans[i].seq == m.seq)
				send_followup(s, &s->ans[i], tx);
	}
}

/* Drain the error queue (transmit timestamps), at most `limit` entries. */
static void tx_drain(struct peer_sock *s, unsigned limit)
{
	uint8_t buf[PEER_WIRE_LEN + 128]; /* headers up to IPv6 + UDP + link */
	_Alignas(struct cmsghdr) char ctl[256];

	if (!s->tx_stamps)
		return;
	for (unsigned i = 0; i < limit; i++) {
		struct iovec iov = {.iov_base = buf, .iov_len = sizeof(buf)};
		struct msghdr mh = {.msg_iov = &iov,
				    .msg_iovlen = 1,
				    .msg_control = ctl,
				    .msg_controllen = sizeof(ctl)};
		ssize_t n = recvmsg(s->fd, &mh, MSG_ERRQUEUE | MSG_DONTWAIT);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return; /* EAGAIN: empty */
		}
		tx_stamp(s, buf, (size_t)n, &mh);
	}
}

int peer_sock_readable(struct peer_sock *s)
{
	struct rx_slot *slot = s->slot;
	struct mmsghdr *mm = s->mm;
	int handled = 0;

	/* First the transmit timestamps: a request's is queued before its
	 * answer can arrive. */
	tx_drain(s, s->cfg.batch);
	while ((unsigned)handled < s->cfg.batch) {
		unsigned want = s->cfg.batch - (unsigned)handled;
		int got;

		if (want > RECV_BATCH)
			want = RECV_BATCH;
		for (unsigned i = 0; i < want; i++) {
			slot[i].iov = (struct iovec){.iov_base = slot[i].buf,
						     .iov_len = sizeof(slot[i].buf)};
			mm[i].msg_hdr = (struct msghdr){.msg_name = &slot[i].from,
							.msg_namelen = sizeof(slot[i].from),
							.msg_iov = &slot[i].iov,
							.msg_iovlen = 1,
							.msg_control = slot[i].ctl.buf,
							.msg_controllen = sizeof(slot[i].ctl.buf)};
			mm[i].msg_len = 0;
		}
		got = recvmmsg(s->fd, mm, want, MSG_DONTWAIT, NULL);
		if (got < 0) {
			if (errno == EINTR)
				continue;
			break; /* EAGAIN, or an error queued by ICMP: nothing more now */
		}
		for (int i = 0; i < got; i++) {
			struct msghdr *mh = &mm[i].msg_hdr;
			int64_t rx = rx_meta(s, mh);

			s->stats.received++;
			if (mm[i].msg_len > PEER_WIRE_LEN || (mh->msg_flags & MSG_TRUNC))
				drop(s, PEER_DROP_LONG);
			else
				handle(s, slot[i].buf, mm[i].msg_len, rx, &slot[i].from,
				       mh->msg_namelen);
		}
		handled += got;
		if ((unsigned)got < want)
			break; /* drained */
	}
	tx_drain(s, s->cfg.batch); /* what our answers just queued */
	return handled;
}

void peer_sock_expire(struct peer_sock *s, int64_t now_mono)
{
	for (size_t i = 0; i < PEER_SOCK_OUTSTANDING; i++) {
		struct outstanding *o = &s->out[i];
		struct peer_tl *tl = o->tl;

		if (tl == NULL || o->deadline > now_mono)
			continue;
		if (o->pending) {
			deliver(s, o); /* no follow-up: measured with the t3 it carried */
			continue;
		}
		o->tl = NULL;
		s->stats.timeouts++;
		tl->ops->timeout(tl->ctx, o->node, o->seq);
	}
}

int64_t peer_sock_next_deadline(const struct peer_sock *s)
{
	int64_t next = INT64_MAX;

	for (size_t i = 0; i < PEER_SOCK_OUTSTANDING; i++)
		if (s->out[i].tl && s->out[i].deadline < next)
			next = s->out[i].deadline;
	return next;
}
