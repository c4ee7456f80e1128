/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_peer_sock.c - two peer endpoints on loopback (syncd/peer_sock.c), each
 * serving a timeline whose clock page (a file in the qot-clock(5) layout,
 * mapped through libqot) says it is a known offset from CLOCK_REALTIME, so
 * every measurement is judged against exact truth. An attacker socket sends
 * captured, forged, truncated, oversized and foreign packets, and a flood.
 */
#include <check.h>
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include "now.h"
#include "peer_sock.h"
#include "peer_testlib.h"
#include "run_suite.h"

#define UP_OFFSET     5000000	 /* the upstream's timeline: 5 ms ahead of CLOCK_REALTIME */
#define MEMBER_OFFSET (-2000000) /* the member's: 2 ms behind */
#define UP_BOUND      1000	 /* the upstream's published bounds, ns */

static const uint8_t SECRET[32] = "peer-test-secret-0123456789abcde";

struct tlctx {
	qot_clock *clk;
	struct peer_self self;
	int responses, timeouts, corrections, requests;
	int events; /* responses + timeouts */
	struct peer_stamps last;
	struct peer_msg last_msg;
};

static int ctx_params(void *ctx, struct qot_clock_params *p, int64_t *base_now)
{
	return qot_clock_params_read(((struct tlctx *)ctx)->clk, p, base_now);
}

static void ctx_self(void *ctx, struct peer_self *out)
{
	*out = ((struct tlctx *)ctx)->self;
}

static void ctx_response(void *ctx, const struct peer_msg *m, const struct peer_stamps *s)
{
	struct tlctx *c = ctx;

	c->responses++;
	c->events++;
	c->last = *s;
	c->last_msg = *m;
}

static void ctx_timeout(void *ctx, const char *node, uint64_t seq)
{
	(void)node;
	(void)seq;
	((struct tlctx *)ctx)->timeouts++;
	((struct tlctx *)ctx)->events++;
}

static void ctx_correction(void *ctx, const struct peer_msg *m, int64_t t3, int64_t b3)
{
	struct tlctx *c = ctx;

	/* The instant answered: the member's timeline then, 2 ms behind base. */
	ck_assert_int_eq(t3 - b3, MEMBER_OFFSET);
	c->corrections++;
	c->last_msg = *m;
}

static void ctx_request(void *ctx, const struct peer_msg *m)
{
	(void)m;
	((struct tlctx *)ctx)->requests++;
}

static const struct peer_tl_ops OPS = {ctx_params,  ctx_self,	    ctx_response,
				       ctx_timeout, ctx_correction, ctx_request};

struct world {
	char dir[64];
	struct peer_keys *keys;
	struct peer_sock *up, *member;
	struct peer_tl *up_tl, *member_tl;
	struct tlctx up_ctx, member_ctx;
	struct sockaddr_in up_addr, member_addr;
	int attacker;
};

static struct world W;

static struct sockaddr_in loopback(unsigned port)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	return a;
}

static void setup(void)
{
	char path[256];
	struct peer_sock_config cfg = {.freshness = 10000000000,
				       .timeout = 200000000,
				       .rate = 1000,
				       .burst = 64,
				       .batch = 64};

	snprintf(W.dir, sizeof(W.dir), "/tmp/qot-peer-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(W.dir));
	ck_assert_int_eq(peer_keys_single(&W.keys, 4, SECRET, sizeof(SECRET)), 0);
	snprintf(path, sizeof(path), "%s/up", W.dir);
	W.up_ctx = (struct tlctx){.clk = peer_test_page(path, UP_OFFSET, UP_BOUND)};
	W.up_ctx.self = (struct peer_self){true, PEER_FLAG_ROOT | PEER_FLAG_SYNCED, 0, 0};
	snprintf(path, sizeof(path), "%s/member", W.dir);
	W.member_ctx = (struct tlctx){.clk = peer_test_page(path, MEMBER_OFFSET, 0)};
	W.member_ctx.self = (struct peer_self){true, PEER_FLAG_SYNCED, 0, 1};
	strcpy(cfg.node, "up");
	ck_assert_int_eq(peer_sock_open(&W.up, &cfg, W.keys, "127.0.0.1", 0), 0);
	strcpy(cfg.node, "member");
	ck_assert_int_eq(peer_sock_open(&W.member, &cfg, W.keys, "127.0.0.1", 0), 0);
	ck_assert_int_eq(peer_sock_add(W.up, "swarm", &OPS, &W.up_ctx, &W.up_tl), 0);
	ck_assert_int_eq(peer_sock_add(W.member, "swarm", &OPS, &W.member_ctx, &W.member_tl), 0);
	ck_assert_int_eq(peer_sock_add(W.member, "swarm", &OPS, &W.member_ctx, &W.member_tl),
			 -EEXIST);
	W.up_addr = loopback(peer_sock_port(W.up));
	W.member_addr = loopback(peer_sock_port(W.member));
	W.attacker = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	ck_assert_int_ge(W.attacker, 0);
}

static void teardown(void)
{
	char path[256];

	peer_sock_close(W.up);
	peer_sock_close(W.member);
	peer_keys_free(W.keys);
	qot_clock_close(W.up_ctx.clk);
	qot_clock_close(W.member_ctx.clk);
	close(W.attacker);
	snprintf(path, sizeof(path), "%s/up", W.dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/member", W.dir);
	unlink(path);
	rmdir(W.dir);
}

/* Run both endpoints until *count changes or timeout_ms passes. 1 if it changed. */
static int pump_until(const int *count, int timeout_ms)
{
	int start = *count;
	int64_t end = peer_test_ns(CLOCK_MONOTONIC) + (int64_t)timeout_ms * 1000000;

	while (*count == start) {
		struct pollfd pfd[2] = {{peer_sock_fd(W.up), POLLIN, 0},
					{peer_sock_fd(W.member), POLLIN, 0}};
		int64_t now = peer_test_ns(CLOCK_MONOTONIC);

		if (now >= end)
			return 0;
		poll(pfd, 2, (int)((end - now) / 1000000) + 1);
		peer_sock_readable(W.up);
		peer_sock_readable(W.member);
		peer_sock_expire(W.member, peer_test_ns(CLOCK_MONOTONIC));
		peer_sock_expire(W.up, peer_test_ns(CLOCK_MONOTONIC)); /* its answers' follow-ups */
	}
	return 1;
}

/* Serve for ms milliseconds whatever comes. */
static void pump_for(int ms)
{
	int never = 0;

	pump_until(&never, ms);
}

static void send_raw(const void *buf, size_t len, const struct sockaddr_in *to)
{
	ck_assert_int_eq(sendto(W.attacker, buf, len, 0, (const struct sockaddr *)to, sizeof(*to)),
			 (ssize_t)len);
}

/* A request as the member would send it, signed with keys. */
static void forge_request(const struct peer_keys *k, const char *timeline, uint64_t seq,
			  uint8_t buf[PEER_WIRE_LEN])
{
	struct peer_msg m = {.type = PEER_MSG_REQUEST, .seq = seq};

	strcpy(m.timeline, timeline);
	strcpy(m.node, "attacker");
	m.sent = peer_test_ns(CLOCK_REALTIME);
	m.t1 = m.sent;
	ck_assert_int_eq(peer_wire_encode(k, &m, buf), 0);
}

/* Did the attacker get an answer within ms? */
static int attacker_answered(int ms)
{
	uint8_t buf[PEER_WIRE_LEN + 1];
	struct pollfd pfd = {W.attacker, POLLIN, 0};

	struct peer_msg m;
	int answered = 0;

	pump_for(ms);
	/* Every datagram that came: an answer, and maybe its follow-up. */
	while (poll(&pfd, 1, 0) == 1 && recv(W.attacker, buf, sizeof(buf), 0) == PEER_WIRE_LEN)
		if (peer_wire_decode(W.keys, buf, PEER_WIRE_LEN, &m) == PEER_DROP_OK &&
		    m.type == PEER_MSG_RESPONSE)
			answered = 1;
	return answered;
}

static struct peer_measurement exchange(void)
{
	struct peer_exchange_config cfg = {.drift = 1e-4};
	struct peer_measurement m;
	uint64_t seq;

	ck_assert_int_eq(peer_sock_request(W.member, W.member_tl, "up",
					   (struct sockaddr *)&W.up_addr, sizeof(W.up_addr), &seq),
			 0);
	ck_assert_msg(pump_until(&W.member_ctx.responses, 2000), "no answer");
	ck_assert_uint_eq(W.member_ctx.last_msg.echo, seq);
	ck_assert_int_eq(peer_exchange_measure(&cfg, &W.member_ctx.last, &m), 0);
	return m;
}

/* An authenticated exchange measures the known offsets, the truth inside its bounds. */
START_TEST(exchange_measures_truth)
{
	for (int i = 0; i < 20; i++) {
		struct peer_measurement m = exchange();
		int64_t theta_true = UP_OFFSET - MEMBER_OFFSET;

		ck_assert_int_le(m.base_offset - (int64_t)m.below, UP_OFFSET);
		ck_assert_int_ge(m.base_offset + (int64_t)m.above, UP_OFFSET);
		ck_assert_int_le(m.offset - (int64_t)m.half, theta_true + 1);
		ck_assert_int_ge(m.offset + (int64_t)m.half, theta_true - 1);
		/* The upstream's own bounds are carried on both sides. */
		ck_assert_uint_ge(m.below, m.half + UP_BOUND);
		ck_assert_uint_ge(m.above, m.half + UP_BOUND);
		ck_assert_int_eq(W.member_ctx.last_msg.flags, PEER_FLAG_ROOT | PEER_FLAG_SYNCED);
	}
	ck_assert_int_eq(peer_sock_stats(W.up)->answered, 20);
	ck_assert_int_eq(W.up_ctx.requests, 20);
	/* t1 came from the kernel's transmit timestamp (loopback stamps in software). */
	ck_assert_uint_eq(peer_sock_stats(W.member)->tx_stamped, 20);
	/* and t3 from the upstream's, in its follow-up. */
	ck_assert_uint_eq(peer_sock_stats(W.up)->followups_sent, 20);
	ck_assert_uint_eq(peer_sock_stats(W.member)->followups, 20);
	for (int r = 0; r < PEER_DROP_NREASONS; r++) {
		ck_assert_uint_eq(peer_sock_stats(W.up)->drop[r], 0);
		ck_assert_uint_eq(peer_sock_stats(W.member)->drop[r], 0);
	}
}
END_TEST

/* A captured request sent again is refused; so is an answer nobody asked for. */
/* A path that reorders: the follow-up overtakes its answer. It waits for
 * the answer, which is then measured with the follow-up's precise t3 at
 * once; nothing is dropped. (A relay socket between them, in this test.) */
START_TEST(followup_before_its_answer)
{
	int relay = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	struct sockaddr_in at = loopback(0), from;
	socklen_t alen = sizeof(at), flen = sizeof(from);
	uint8_t req[PEER_WIRE_LEN + 1], got[2][PEER_WIRE_LEN + 1];
	struct pollfd pfd = {relay, POLLIN, 0};
	ssize_t n, len[2];
	uint64_t seq;
	int k = 0;

	ck_assert_int_ge(relay, 0);
	ck_assert_int_eq(bind(relay, (struct sockaddr *)&at, sizeof(at)), 0);
	ck_assert_int_eq(getsockname(relay, (struct sockaddr *)&at, &alen), 0);
	ck_assert_int_eq(peer_sock_request(W.member, W.member_tl, "up", (struct sockaddr *)&at,
					   sizeof(at), &seq),
			 0);
	ck_assert_int_eq(poll(&pfd, 1, 2000), 1);
	n = recvfrom(relay, req, sizeof(req), 0, (struct sockaddr *)&from, &flen);
	ck_assert_int_eq(n, PEER_WIRE_LEN);
	ck_assert_int_eq(
		sendto(relay, req, (size_t)n, 0, (struct sockaddr *)&W.up_addr, sizeof(W.up_addr)),
		n);
	/* The upstream answers the relay: the answer, then its follow-up. */
	for (int64_t end = peer_test_ns(CLOCK_MONOTONIC) + 2000000000LL;
	     k < 2 && peer_test_ns(CLOCK_MONOTONIC) < end;) {
		struct pollfd both[2] = {{peer_sock_fd(W.up), POLLIN, 0}, {relay, POLLIN, 0}};

		poll(both, 2, 10);
		peer_sock_readable(W.up);
		peer_sock_expire(W.up, peer_test_ns(CLOCK_MONOTONIC));
		while (k < 2 && (n = recv(relay, got[k], sizeof(got[k]), MSG_DONTWAIT)) > 0)
			len[k++] = n;
	}
	ck_assert_int_eq(k, 2);
	/* The member gets them the other way round. */
	ck_assert_int_eq(sendto(relay, got[1], (size_t)len[1], 0, (struct sockaddr *)&from, flen),
			 len[1]);
	ck_assert_int_eq(sendto(relay, got[0], (size_t)len[0], 0, (struct sockaddr *)&from, flen),
			 len[0]);
	ck_assert_msg(pump_until(&W.member_ctx.responses, 2000), "no answer");
	ck_assert_uint_eq(W.member_ctx.last_msg.echo, seq);
	ck_assert_uint_eq(peer_sock_stats(W.member)->followups, 1);
	for (int r = 0; r < PEER_DROP_NREASONS; r++)
		ck_assert_uint_eq(peer_sock_stats(W.member)->drop[r], 0);
	/* measured with the follow-up's t3: the truth inside, as ever */
	{
		struct peer_exchange_config cfg = {.drift = 1e-4};
		struct peer_measurement m;

		ck_assert_int_eq(peer_exchange_measure(&cfg, &W.member_ctx.last, &m), 0);
		ck_assert_int_le(m.base_offset - (int64_t)m.below, UP_OFFSET);
		ck_assert_int_ge(m.base_offset + (int64_t)m.above, UP_OFFSET);
	}
	close(relay);
}
END_TEST

START_TEST(replay_refused)
{
	uint8_t req[PEER_WIRE_LEN];

	forge_request(W.keys, "swarm", 1000, req);
	send_raw(req, sizeof(req), &W.up_addr);
	ck_assert(attacker_answered(300));
	send_raw(req, sizeof(req), &W.up_addr);
	ck_assert(!attacker_answered(300));
	ck_assert_uint_eq(peer_sock_stats(W.up)->drop[PEER_DROP_REPLAY], 1);

	/* A response replayed to the member: refused whatever its sequence. */
	exchange();
	forge_request(W.keys, "swarm", 1001, req); /* any authenticated non-answer */
	struct peer_msg m;
	ck_assert_int_eq(peer_wire_decode(W.keys, req, sizeof(req), &m), PEER_DROP_OK);
	m.type = PEER_MSG_RESPONSE;
	m.echo = W.member_ctx.last_msg.echo;
	m.t1 = W.member_ctx.last.t1;
	m.seq = UINT64_MAX - 10; /* above the window: not refused as a replay, but unasked */
	strcpy(m.node, "up");
	ck_assert_int_eq(peer_wire_encode(W.keys, &m, req), 0);
	send_raw(req, sizeof(req), &W.member_addr);
	pump_for(200);
	ck_assert_uint_eq(peer_sock_stats(W.member)->drop[PEER_DROP_UNEXPECTED], 1);
	ck_assert_int_eq(W.member_ctx.responses, 1);
}
END_TEST

START_TEST(wrong_key_and_bad_packets_refused)
{
	uint8_t other[32], req[PEER_WIRE_LEN], big[PEER_WIRE_LEN + 40];
	struct peer_keys *wrong, *unknown;
	const struct peer_sock_stats *st = peer_sock_stats(W.up);

	memcpy(other, SECRET, 32);
	other[0] ^= 0x80;
	ck_assert_int_eq(peer_keys_single(&wrong, 4, other, 32), 0);
	ck_assert_int_eq(peer_keys_single(&unknown, 5, SECRET, 32), 0);
	forge_request(wrong, "swarm", 2000, req);
	send_raw(req, sizeof(req), &W.up_addr);
	forge_request(unknown, "swarm", 2001, req);
	send_raw(req, sizeof(req), &W.up_addr);
	forge_request(W.keys, "elsewhere", 2002, req); /* a timeline not served here */
	send_raw(req, sizeof(req), &W.up_addr);
	forge_request(W.keys, "swarm", 2003, req);
	send_raw(req, 100, &W.up_addr); /* truncated */
	memset(big, 0, sizeof(big));
	memcpy(big, req, sizeof(req));
	send_raw(big, sizeof(big), &W.up_addr); /* oversized */
	ck_assert(!attacker_answered(300));
	ck_assert_uint_eq(st->drop[PEER_DROP_MAC], 1);
	ck_assert_uint_eq(st->drop[PEER_DROP_KEY], 1);
	ck_assert_uint_eq(st->drop[PEER_DROP_TIMELINE], 1);
	ck_assert_uint_eq(st->drop[PEER_DROP_SHORT], 1);
	ck_assert_uint_eq(st->drop[PEER_DROP_LONG], 1);
	ck_assert_uint_eq(st->answered, 0);
	/* Stale: sent 20 s ago (the window is 10 s). */
	struct peer_msg m = {.type = PEER_MSG_REQUEST, .seq = 2004};
	strcpy(m.timeline, "swarm");
	strcpy(m.node, "attacker");
	m.sent = peer_test_ns(CLOCK_REALTIME) - 20000000000;
	ck_assert_int_eq(peer_wire_encode(W.keys, &m, req), 0);
	send_raw(req, sizeof(req), &W.up_addr);
	ck_assert(!attacker_answered(300));
	ck_assert_uint_eq(st->drop[PEER_DROP_STALE], 1);
	/* And the real member is still answered. */
	exchange();
	peer_keys_free(wrong);
	peer_keys_free(unknown);
}
END_TEST

/* Berkeley: the root measures the member, sends a correction echoing the
 * member's answer; the member takes it once. */
START_TEST(correction_once)
{
	struct peer_exchange_config cfg = {.drift = 1e-4};
	struct peer_measurement m;
	uint8_t copy[PEER_WIRE_LEN];
	uint64_t seq;

	ck_assert_int_eq(peer_sock_request(W.up, W.up_tl, "member",
					   (struct sockaddr *)&W.member_addr, sizeof(W.member_addr),
					   &seq),
			 0);
	ck_assert(pump_until(&W.up_ctx.responses, 2000));
	ck_assert_int_eq(peer_exchange_measure(&cfg, &W.up_ctx.last, &m), 0);
	/* member - root = -7 ms */
	ck_assert_int_le(m.offset - (int64_t)m.half, MEMBER_OFFSET - UP_OFFSET + 1);
	ck_assert_int_ge(m.offset + (int64_t)m.half, MEMBER_OFFSET - UP_OFFSET - 1);
	ck_assert_int_eq(peer_sock_correct(W.up, W.up_tl, (struct sockaddr *)&W.member_addr,
					   sizeof(W.member_addr), W.up_ctx.last_msg.seq, -m.offset,
					   m.half, m.half),
			 0);
	ck_assert(pump_until(&W.member_ctx.corrections, 2000));
	ck_assert_int_eq(W.member_ctx.last_msg.correction, -m.offset);
	/* The same correction again (new sequence, same echo): unexpected. */
	struct peer_msg c = W.member_ctx.last_msg;
	c.seq += 1;
	ck_assert_int_eq(peer_wire_encode(W.keys, &c, copy), 0);
	send_raw(copy, sizeof(copy), &W.member_addr);
	pump_for(200);
	ck_assert_int_eq(W.member_ctx.corrections, 1);
	ck_assert_uint_eq(peer_sock_stats(W.member)->drop[PEER_DROP_UNEXPECTED], 1);
}
END_TEST

START_TEST(silence_times_out)
{
	struct sockaddr_in nobody = loopback(peer_sock_port(W.up));
	uint64_t seq;

	peer_sock_remove(W.up, W.up_tl); /* up no longer serves the timeline */
	ck_assert_int_eq(peer_sock_request(W.member, W.member_tl, "up", (struct sockaddr *)&nobody,
					   sizeof(nobody), &seq),
			 0);
	ck_assert(pump_until(&W.member_ctx.timeouts, 2000));
	ck_assert_int_eq(W.member_ctx.responses, 0);
	ck_assert_uint_eq(peer_sock_stats(W.up)->drop[PEER_DROP_TIMELINE], 1);
	ck_assert_int_eq(peer_sock_next_deadline(W.member), INT64_MAX);
}
END_TEST

/* The timeline's own timeout sets its requests' deadlines (the controller's
 * exchange interval, peerset.c); 0 gives back the endpoint's. */
START_TEST(timeline_timeout)
{
	struct sockaddr_in nobody = loopback(peer_sock_port(W.up));
	int64_t before, deadline;
	uint64_t seq;

	peer_sock_remove(W.up, W.up_tl); /* nobody answers: the deadline stays */
	ck_assert_int_eq(peer_sock_set_timeout(W.member, "nosuch", 1000000), -ENOENT);
	ck_assert_int_eq(peer_sock_set_timeout(W.member, "swarm", -1), -EINVAL);
	ck_assert_int_eq(peer_sock_set_timeout(W.member, "swarm", 3000000000), 0);
	before = qot_now_ns(CLOCK_MONOTONIC);
	ck_assert_int_eq(peer_sock_request(W.member, W.member_tl, "up", (struct sockaddr *)&nobody,
					   sizeof(nobody), &seq),
			 0);
	deadline = peer_sock_next_deadline(W.member);
	/* 3 s from the request, not the endpoint's 200 ms */
	ck_assert_int_ge(deadline, before + 3000000000);
	ck_assert_int_le(deadline, qot_now_ns(CLOCK_MONOTONIC) + 3000000000);
	peer_sock_expire(W.member, before + 2000000000);
	ck_assert_int_eq(W.member_ctx.timeouts, 0);
	peer_sock_expire(W.member, deadline);
	ck_assert_int_eq(W.member_ctx.timeouts, 1);

	ck_assert_int_eq(peer_sock_set_timeout(W.member, "swarm", 0), 0);
	before = qot_now_ns(CLOCK_MONOTONIC);
	ck_assert_int_eq(peer_sock_request(W.member, W.member_tl, "up", (struct sockaddr *)&nobody,
					   sizeof(nobody), &seq),
			 0);
	deadline = peer_sock_next_deadline(W.member);
	ck_assert_int_ge(deadline, before + 200000000);
	ck_assert_int_le(deadline, qot_now_ns(CLOCK_MONOTONIC) + 200000000);
}
END_TEST

/* --- flood ------------------------------------------------------------------ */

static atomic_int flood_stop;
static atomic_long flood_sent;

static void *flood(void *arg)
{
	struct peer_keys *wrong = arg;
	uint8_t pkt[4][PEER_WIRE_LEN];
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	long n = 0;

	forge_request(wrong, "swarm", 1, pkt[0]); /* forged MAC: costs an HMAC */
	forge_request(W.keys, "swarm", 5, pkt[1]);
	forge_request(W.keys, "swarm", 5, pkt[2]); /* replays after the first */
	memset(pkt[3], 0xee, sizeof(pkt[3]));	   /* garbage */
	/* Bounded: 3 s or 2 million packets, whichever first. */
	int64_t end = peer_test_ns(CLOCK_MONOTONIC) + 3000000000;
	while (!atomic_load(&flood_stop) && n < 2000000 && peer_test_ns(CLOCK_MONOTONIC) < end) {
		sendto(fd, pkt[n % 4], PEER_WIRE_LEN, 0, (struct sockaddr *)&W.up_addr,
		       sizeof(W.up_addr));
		n++;
	}
	atomic_store(&flood_sent, n);
	close(fd);
	return NULL;
}

static int cmp64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

/* Exchanges of the member: how long each took (ns, monotonic), and the delay measured. */
static void run_exchanges(int n, int64_t *took, int64_t *delay, int *lost)
{
	*lost = 0;
	for (int i = 0; i < n; i++) {
		int64_t t0;
		uint64_t seq;
		struct peer_exchange_config cfg = {.drift = 1e-4};
		struct peer_measurement m;

		t0 = peer_test_ns(CLOCK_MONOTONIC);
		ck_assert_int_eq(peer_sock_request(W.member, W.member_tl, "up",
						   (struct sockaddr *)&W.up_addr, sizeof(W.up_addr),
						   &seq),
				 0);
		int responses = W.member_ctx.responses;
		ck_assert(pump_until(&W.member_ctx.events, 5000)); /* an answer or the timeout */
		took[i] = peer_test_ns(CLOCK_MONOTONIC) - t0;
		pump_for(3); /* spread over a while: the flood goes on between exchanges */
		delay[i] = -1;
		if (W.member_ctx.responses == responses) {
			(*lost)++;
			continue;
		}
		ck_assert_int_eq(peer_exchange_measure(&cfg, &W.member_ctx.last, &m), 0);
		/* Honest under the flood too. */
		ck_assert_int_le(m.base_offset - (int64_t)m.below, UP_OFFSET);
		ck_assert_int_ge(m.base_offset + (int64_t)m.above, UP_OFFSET);
		delay[i] = (int64_t)m.delay;
	}
	qsort(took, (size_t)n, sizeof(*took), cmp64);
	qsort(delay, (size_t)n, sizeof(*delay), cmp64);
}

/*
 * The bound stated in docs/peer-protocol.md: under a flood of bad packets at
 * whatever rate one sender thread reaches (several times what the endpoint
 * can take in: the kernel drops most of it for a full buffer, and a good
 * request now and then with it), at least 75% of exchanges are answered
 * within the timeout (200 ms: a miss, not a stall) and their median
 * completion time stays within 20 x the median measured without the flood in
 * this run + 2 ms. Every answered exchange stays honest.
 */
START_TEST(flood_does_not_stall_exchanges)
{
	enum { N = 60 };
	int64_t took0[N], delay0[N], took1[N], delay1[N];
	struct peer_keys *wrong;
	uint8_t other[32];
	pthread_t th;
	int lost0, lost1;

	memcpy(other, SECRET, 32);
	other[5] ^= 1;
	ck_assert_int_eq(peer_keys_single(&wrong, 4, other, 32), 0);
	run_exchanges(N, took0, delay0, &lost0);
	atomic_store(&flood_stop, 0);
	ck_assert_int_eq(pthread_create(&th, NULL, flood, wrong), 0);
	pump_for(100); /* the flood under way */
	run_exchanges(N, took1, delay1, &lost1);
	atomic_store(&flood_stop, 1);
	pthread_join(th, NULL);
	pump_for(100);

	const struct peer_sock_stats *st = peer_sock_stats(W.up);
	uint64_t dropped = 0;
	for (int r = 1; r < PEER_DROP_NREASONS; r++)
		dropped += st->drop[r];
	printf("flood: %ld bad packets sent, %llu dropped and counted, %llu by the kernel (full "
	       "buffer) (mac %llu, replay %llu, magic %llu)\n",
	       (long)atomic_load(&flood_sent), (unsigned long long)dropped,
	       (unsigned long long)st->overflow, (unsigned long long)st->drop[PEER_DROP_MAC],
	       (unsigned long long)st->drop[PEER_DROP_REPLAY],
	       (unsigned long long)st->drop[PEER_DROP_MAGIC]);
	printf("exchange completion p50/max: quiet %.0f/%.0f us, flood %.0f/%.0f us "
	       "(ratio p50 %.1f); lost quiet %d flood %d of %d\n",
	       took0[N / 2] / 1e3, took0[N - 1] / 1e3, took1[N / 2] / 1e3, took1[N - 1] / 1e3,
	       (double)took1[N / 2] / (double)took0[N / 2], lost0, lost1, N);
	printf("measured delay p50: quiet %.0f us, flood %.0f us\n", delay0[N / 2] / 1e3,
	       delay1[N / 2] / 1e3);
	fflush(stdout);
	ck_assert_int_eq(lost0, 0);
	ck_assert_int_le(lost1, N / 4);
	ck_assert_int_le(took1[N / 2], 20 * took0[N / 2] + 2000000);
	ck_assert_uint_gt(dropped, 1000);
	peer_keys_free(wrong);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("peer_sock");
	TCase *tc = tcase_create("loopback");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, exchange_measures_truth);
	tcase_add_test(tc, followup_before_its_answer);
	tcase_add_test(tc, replay_refused);
	tcase_add_test(tc, wrong_key_and_bad_packets_refused);
	tcase_add_test(tc, correction_once);
	tcase_add_test(tc, silence_times_out);
	tcase_add_test(tc, timeline_timeout);
	tcase_add_test(tc, flood_does_not_stall_exchanges);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
