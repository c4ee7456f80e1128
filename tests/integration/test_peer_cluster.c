/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_peer_cluster.c - several nodes' peer modules (syncd/peer_timeline.c)
 * in one process, each with its own endpoint on loopback and its own clock
 * page at a known offset from CLOCK_REALTIME, driven tick by tick as syncd's
 * loop would: following a leader with a reference, failing over when it goes
 * silent, the old leader coming back as a follower, and Berkeley averaging
 * with a clock 10 s off left out. Readings are judged against exact truth;
 * in the closed loop, the members' readings go through syncd's discipline
 * into their pages, and every sample of every page is judged.
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include "peer_timeline.h"
#include "discipline.h"
#include "peer_testlib.h"
#include "run_suite.h"

#define MAXN	     5
#define K	     3
#define TIMEOUT_NS   30000000 /* an answer may take 30 ms */
#define TICK_MS	     40	      /* one sync interval */
#define PAGE_BOUND   1000
#define BK_THRESHOLD 5000000

static const uint8_t SECRET[32] = "cluster-test-secret-0123456789ab";

struct node {
	char name[8];
	char path[128];
	qot_clock *clk;
	struct peer_sock *sock;
	struct peer_timeline *pt;
	int64_t offset; /* its timeline - base clock */
	bool up;
};

static char dir[64];
static struct peer_keys *keys;
static struct node nodes[MAXN];
static size_t nn;

/* The asymmetric relay (relay_start, below). */
static struct {
	bool on;
	int fd;
	struct sockaddr_in leader, member, self;
	int64_t delay;
	struct {
		uint8_t buf[PEER_WIRE_LEN];
		size_t len;
		int64_t due;
	} q[64];
	size_t nq;
} relay;

static int params(void *ctx, struct qot_clock_params *p, int64_t *base_now)
{
	return qot_clock_params_read(ctx, p, base_now);
}

static void start(struct node *n)
{
	struct peer_sock_config sc = {.freshness = 10000000000,
				      .timeout = TIMEOUT_NS,
				      .rate = 1000,
				      .burst = 64,
				      .batch = 64};
	struct peer_timeline_config tc = {
		.up = {.missed = K, .join = 2},
		.ex = {.drift = 1e-4, .noise = 0},
		.bk = {.threshold = BK_THRESHOLD},
		.window = 4,
		.max_age = 10LL * TICK_MS * 1000000,
		.params = params,
		.params_ctx = n->clk,
	};

	snprintf(sc.node, sizeof(sc.node), "%s", n->name);
	ck_assert_int_eq(peer_sock_open(&n->sock, &sc, keys, "127.0.0.1", 0), 0);
	ck_assert_int_eq(peer_timeline_new(&n->pt, n->sock, "swarm", n->name, &tc), 0);
	n->up = true;
}

static void stop(struct node *n)
{
	peer_timeline_free(n->pt);
	peer_sock_close(n->sock);
	n->up = false;
}

/* A stopped node's address: on loopback nobody answers (port 9), or, when
 * unroutable, an IPv6 address the IPv4 endpoints cannot even send to. */
static bool unroutable;

/* Everyone learns the order (as listed) and every running node's address. */
static void publish_order(void)
{
	struct peer_addr addr[MAXN];

	for (size_t i = 0; i < nn; i++) {
		struct sockaddr_in *a = (struct sockaddr_in *)&addr[i].addr;
		memset(&addr[i], 0, sizeof(addr[i]));
		snprintf(addr[i].node, sizeof(addr[i].node), "%.7s", nodes[i].name);
		a->sin_family = AF_INET;
		a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		/* A stopped node keeps an address nobody answers on (port 9, discard). */
		a->sin_port = htons(nodes[i].up ? (uint16_t)peer_sock_port(nodes[i].sock) : 9);
		addr[i].len = sizeof(*a);
		if (!nodes[i].up && unroutable) {
			struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)&addr[i].addr;
			memset(a6, 0, sizeof(*a6));
			a6->sin6_family = AF_INET6;
			a6->sin6_port = htons(9);
			a6->sin6_addr = in6addr_loopback;
			addr[i].len = sizeof(*a6);
		}
	}
	for (size_t i = 0; i < nn; i++)
		if (nodes[i].up)
			ck_assert_int_eq(peer_timeline_set_peers(nodes[i].pt, addr, nn), 0);
}

static void setup_nodes(size_t n, const int64_t *offsets)
{
	snprintf(dir, sizeof(dir), "/tmp/qot-cluster-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	ck_assert_int_eq(peer_keys_single(&keys, 1, SECRET, sizeof(SECRET)), 0);
	nn = n;
	for (size_t i = 0; i < n; i++) {
		struct node *nd = &nodes[i];
		snprintf(nd->name, sizeof(nd->name), "%c", (char)('a' + i));
		snprintf(nd->path, sizeof(nd->path), "%.63s/%c", dir, (char)('a' + i));
		nd->offset = offsets[i];
		nd->clk = peer_test_page(nd->path, offsets[i], PAGE_BOUND);
		start(nd);
	}
	publish_order();
}

static void teardown(void)
{
	for (size_t i = 0; i < nn; i++) {
		if (nodes[i].up)
			stop(&nodes[i]);
		qot_clock_close(nodes[i].clk);
		unlink(nodes[i].path);
	}
	peer_keys_free(keys);
	rmdir(dir);
	if (relay.on)
		close(relay.fd);
	relay.on = false;
}

/*
 * An asymmetric path: a relay on loopback that forwards one member's
 * requests to the leader at once and holds the leader's answers for `delay`
 * (the member lists the relay as the leader's address). What no exchange can
 * see: only the bound covers it.
 */

static void relay_start(size_t leader, int64_t delay)
{
	socklen_t len = sizeof(relay.self);

	relay.fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	ck_assert_int_ge(relay.fd, 0);
	relay.self = (struct sockaddr_in){.sin_family = AF_INET};
	relay.self.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(bind(relay.fd, (struct sockaddr *)&relay.self, sizeof(relay.self)), 0);
	ck_assert_int_eq(getsockname(relay.fd, (struct sockaddr *)&relay.self, &len), 0);
	relay.leader = relay.self;
	relay.leader.sin_port = htons((uint16_t)peer_sock_port(nodes[leader].sock));
	relay.delay = delay;
	relay.nq = 0;
	relay.on = true;
}

static void relay_run(void)
{
	int64_t now = peer_test_ns(CLOCK_MONOTONIC);
	size_t k = 0;

	if (!relay.on)
		return;
	for (;;) {
		struct sockaddr_in from;
		socklen_t len = sizeof(from);
		uint8_t buf[PEER_WIRE_LEN];
		ssize_t n = recvfrom(relay.fd, buf, sizeof(buf), 0, (struct sockaddr *)&from, &len);

		if (n <= 0)
			break;
		if (from.sin_port != relay.leader.sin_port) {
			relay.member = from; /* a request: on at once */
			sendto(relay.fd, buf, (size_t)n, 0, (struct sockaddr *)&relay.leader,
			       sizeof(relay.leader));
		} else if (relay.nq < 64) { /* an answer: held */
			memcpy(relay.q[relay.nq].buf, buf, (size_t)n);
			relay.q[relay.nq].len = (size_t)n;
			relay.q[relay.nq++].due = now + relay.delay;
		}
	}
	for (size_t i = 0; i < relay.nq; i++) {
		if (relay.q[i].due <= now)
			sendto(relay.fd, relay.q[i].buf, relay.q[i].len, 0,
			       (struct sockaddr *)&relay.member, sizeof(relay.member));
		else
			relay.q[k++] = relay.q[i];
	}
	relay.nq = k;
}

/* One sync interval: every running node ticks, then all endpoints run for TICK_MS. */
static void tick(void)
{
	int64_t end;

	for (size_t i = 0; i < nn; i++)
		if (nodes[i].up)
			peer_timeline_tick(nodes[i].pt, peer_test_ns(CLOCK_REALTIME));
	end = peer_test_ns(CLOCK_MONOTONIC) + (int64_t)TICK_MS * 1000000;
	for (int64_t now; (now = peer_test_ns(CLOCK_MONOTONIC)) < end;) {
		struct pollfd pfd[MAXN + 1];
		int64_t next = end;

		for (size_t i = 0; i < nn; i++) {
			pfd[i] = (struct pollfd){nodes[i].up ? peer_sock_fd(nodes[i].sock) : -1,
						 POLLIN, 0};
			if (nodes[i].up && peer_sock_next_deadline(nodes[i].sock) < next)
				next = peer_sock_next_deadline(nodes[i].sock);
		}
		if (relay.on && relay.nq && next > now + 1000000)
			next = now + 1000000; /* release held answers in time */
		pfd[nn] = (struct pollfd){relay.on ? relay.fd : -1, POLLIN, 0};
		poll(pfd, nn + 1, next > now ? (int)((next - now) / 1000000) + 1 : 0);
		relay_run();
		for (size_t i = 0; i < nn; i++) {
			if (!nodes[i].up)
				continue;
			peer_sock_readable(nodes[i].sock);
			peer_sock_expire(nodes[i].sock, peer_test_ns(CLOCK_MONOTONIC));
		}
	}
}

static struct peer_timeline_state state(size_t i)
{
	struct peer_timeline_state st;

	peer_timeline_state(nodes[i].pt, &st);
	return st;
}

/* Node i's reading contains `truth` (true time - base clock). */
static void reading_contains(size_t i, int64_t truth)
{
	struct reading r;
	int64_t now = peer_test_ns(CLOCK_REALTIME);

	ck_assert_msg(peer_timeline_reading(nodes[i].pt, now, &r) == 0, "%s: no reading",
		      nodes[i].name);
	ck_assert_msg(r.offset - (int64_t)r.below <= truth && truth <= r.offset + (int64_t)r.above,
		      "%s: %lld -%llu +%llu does not contain %lld", nodes[i].name,
		      (long long)r.offset, (unsigned long long)r.below, (unsigned long long)r.above,
		      (long long)truth);
	ck_assert_uint_lt(r.below, 2000000); /* and means something */
}

/* A leader with a reference: members read its time; it fails; the backup takes over. */
START_TEST(follow_fail_over_and_return)
{
	static const int64_t off[] = {5000000, 0, -3000000};
	int ticks = 0;

	setup_nodes(3, off);
	peer_timeline_set_reference(nodes[0].pt, true);
	for (int i = 0; i < 6; i++)
		tick();
	ck_assert_int_eq(state(0).role, PEER_ROLE_ROOT);
	ck_assert_str_eq(state(1).upstream, "a");
	ck_assert_str_eq(state(2).upstream, "a");
	reading_contains(1, off[0]);
	reading_contains(2, off[0]);
	{
		char line[256];
		ck_assert_int_gt(peer_timeline_describe(nodes[2].pt, peer_test_ns(CLOCK_REALTIME),
							line, sizeof(line)),
				 0);
		printf("c: %s\n", line);
		ck_assert_ptr_nonnull(strstr(line, "peer=follow upstream=a epoch=0 age=0."));
		ck_assert_ptr_nonnull(strstr(line, " backups=b,c"));
		ck_assert_int_eq(peer_timeline_describe(nodes[0].pt, 0, line, sizeof(line)), 17);
		ck_assert_str_eq(line, "peer=root epoch=0");
		ck_assert_int_eq(peer_timeline_describe(nodes[2].pt, 0, line, 10), -ENOSPC);
	}
	ck_assert_int_eq(peer_timeline_reading(nodes[0].pt, peer_test_ns(CLOCK_REALTIME),
					       &(struct reading){0}),
			 -EAGAIN); /* the root reads its own sources */

	/* The leader dies. Within K intervals both follow the backup b. */
	stop(&nodes[0]);
	while (ticks < 2 * K && !(state(2).upstream && strcmp(state(2).upstream, "b") == 0)) {
		tick();
		ticks++;
	}
	printf("failover: c follows b after %d intervals (K = %d)\n", ticks, K);
	ck_assert_int_le(ticks, K + 1);
	ck_assert_int_eq(state(1).role, PEER_ROLE_ROOT);
	ck_assert_uint_eq(state(1).epoch, 1);
	/* b has no reference: it runs the average; c reads it through corrections. */
	for (int i = 0; i < 3; i++)
		tick();
	ck_assert(state(1).berkeley);
	reading_contains(2, (0 + -3000000) / 2); /* the ensemble: the average of b and c */

	/* a comes back (same place in the order): it follows b, never competes. */
	start(&nodes[0]);
	publish_order();
	for (int i = 0; i < 4; i++)
		tick();
	ck_assert_int_eq(state(0).role, PEER_ROLE_FOLLOW);
	ck_assert_str_eq(state(0).upstream, "b");
	ck_assert_int_eq(state(1).role, PEER_ROLE_ROOT);
	ck_assert_str_eq(state(2).upstream, "b");
}
END_TEST

/* The leader's address becomes unroutable (sending fails at once): a missed
 * exchange all the same, and the members fail over within K intervals. */
START_TEST(unroutable_leader_fails_over)
{
	static const int64_t off[] = {5000000, 0, -3000000};
	int ticks = 0;

	setup_nodes(3, off);
	peer_timeline_set_reference(nodes[0].pt, true);
	for (int i = 0; i < 4; i++)
		tick();
	ck_assert_str_eq(state(2).upstream, "a");
	stop(&nodes[0]);
	unroutable = true;
	publish_order();
	while (ticks < 2 * K && !(state(2).upstream && strcmp(state(2).upstream, "b") == 0)) {
		tick();
		ticks++;
	}
	ck_assert_int_le(ticks, K);
	ck_assert_int_eq(state(1).role, PEER_ROLE_ROOT);
}
END_TEST

/* No reference anywhere: the root averages; a clock 10 s off is left out,
 * reported, and still brought to the ensemble's time. */
START_TEST(berkeley_excludes_far_clock)
{
	static const int64_t off[] = {0, 2000000, -1000000, 10000000000};
	const int64_t avg = (0 + 2000000 - 1000000) / 3;
	struct peer_timeline_state st;

	setup_nodes(4, off);
	for (int i = 0; i < 6; i++)
		tick();
	st = state(0);
	ck_assert_int_eq(st.role, PEER_ROLE_ROOT);
	ck_assert(st.berkeley);
	ck_assert_uint_eq(st.left_out, 1);
	ck_assert_str_eq(st.left_out_nodes[0], "d");
	{
		char line[256];
		ck_assert_int_gt(peer_timeline_describe(nodes[0].pt, 0, line, sizeof(line)), 0);
		ck_assert_str_eq(line, "peer=root epoch=0 mode=berkeley excluded=d");
	}
	for (size_t i = 0; i < 4; i++)
		reading_contains(i, avg);
}
END_TEST

/* --- closed loop ------------------------------------------------------------ */

/* Publish params on node i's page as syncd would (seqlock: odd, params, even). */
static void publish(size_t i, const struct qot_clock_params *p)
{
	static uint64_t seq[MAXN];
	struct qot_clock_page pg;
	int fd = open(nodes[i].path, O_WRONLY | O_CLOEXEC);

	ck_assert_int_ge(fd, 0);
	memset(&pg, 0, sizeof(pg));
	memcpy(pg.magic, QOT_CLOCK_MAGIC, 8);
	pg.version = QOT_CLOCK_VERSION;
	pg.size = 128;
	seq[i] = (seq[i] | 1) + 1; /* even, increasing; the write is one pwrite */
	pg.seq = seq[i] + 2;
	pg.params = *p;
	ck_assert_int_eq(pwrite(fd, &pg, sizeof(pg), 0), (ssize_t)sizeof(pg));
	close(fd);
}

/* Nodes from..to-1 publish what their discipline makes of their peer
 * reading at base instant now (none: holdover). */
static void discipline_nodes(struct discipline d[], const struct discipline_config *dc, size_t from,
			     size_t to, int64_t now)
{
	for (size_t i = from; i < to; i++) {
		struct reading r;
		struct qot_clock_params p;
		int got = peer_timeline_reading(nodes[i].pt, now, &r);

		discipline_update(&d[i], dc, got == 0 ? &r : NULL, now, &p);
		publish(i, &p);
	}
}

/* Every member's page at one base instant against the truth: the leader's
 * timeline, base + off0 exactly. The number of violations. */
static int judge(int64_t off0, int64_t worst[MAXN])
{
	int bad = 0;
	int64_t t = peer_test_ns(CLOCK_REALTIME);

	for (size_t i = 1; i < nn; i++) {
		struct qot_clock_params p;
		struct qot_time q;
		int64_t base, truth = t + off0;

		ck_assert_int_eq(qot_clock_params_read(nodes[i].clk, &p, &base), 0);
		qot_project(&p, t, &q);
		if (q.below != QOT_UNBOUNDED && (q.estimate - (int64_t)q.below > truth ||
						 q.estimate + (int64_t)q.above < truth))
			bad++;
		if (q.status == QOT_STATUS_SYNCED && llabs(q.estimate - truth) > worst[i])
			worst[i] = llabs(q.estimate - truth);
	}
	return bad;
}

/*
 * The members discipline their pages from the peer readings (syncd's
 * discipline, slewing back at most 1%): b starts unsynced on the base
 * clock, 5 ms behind the leader (its first synchronisation steps); c starts
 * 300 us ahead, synced within 1 ms, and reaches the leader through a path
 * whose way back is 2 ms longer than the way there. Every sample of every
 * member's interval holds the truth; b ends within 100 us of it, c within
 * what the asymmetry hides (half of 2 ms and the relay's own lateness,
 * asserted generously: 2.5 ms).
 */
START_TEST(closed_loop_converges_honestly)
{
	static const int64_t off[] = {5000000, 0, 5300000};
	const int64_t interval = (int64_t)TICK_MS * 1000000;
	struct discipline_config dc = {.interval = interval,
				       .margin = discipline_margin(interval),
				       .holdover = 10000000000,
				       .stale = 4000000000,
				       .maxslew = 0.01};
	struct discipline d[3];
	int samples = 0, bad = 0;
	int64_t worst[MAXN] = {0};

	setup_nodes(3, off);
	peer_timeline_set_reference(nodes[0].pt, true);
	relay_start(0, 2000000);
	{
		struct peer_addr addr[3];
		for (size_t i = 0; i < 3; i++) {
			struct sockaddr_in *a = (struct sockaddr_in *)&addr[i].addr;
			memset(&addr[i], 0, sizeof(addr[i]));
			snprintf(addr[i].node, sizeof(addr[i].node), "%c", (char)('a' + i));
			*a = relay.self;
			a->sin_port = i == 0 ? relay.self.sin_port
					     : htons((uint16_t)peer_sock_port(nodes[i].sock));
			addr[i].len = sizeof(*a);
		}
		ck_assert_int_eq(peer_timeline_set_peers(nodes[2].pt, addr, 3), 0);
	}
	/* b knows nothing yet; c is synced 300 us ahead, honestly: within 1 ms. */
	discipline_init(&d[1]);
	for (size_t i = 2; i < 3; i++) {
		struct qot_clock_params p;
		int64_t base;

		ck_assert_int_eq(qot_clock_params_read(nodes[i].clk, &p, &base), 0);
		p.offset_below = p.offset_above = 1000000;
		publish(i, &p);
		discipline_init(&d[i]);
		discipline_resume(&d[i], &p);
	}
	for (int k = 0; k < 40; k++) {
		int64_t now = peer_test_ns(CLOCK_REALTIME), end;

		discipline_nodes(d, &dc, 1, 3, now);
		/* Sample while the interval runs (the endpoints answer in between). */
		end = peer_test_ns(CLOCK_MONOTONIC) + interval;
		tick();
		while (peer_test_ns(CLOCK_MONOTONIC) < end + interval / 2) {
			bad += judge(off[0], worst);
			samples += 2;
			relay_run();
			usleep(500);
		}
		if (k == 20)
			memset(worst, 0, sizeof(worst)); /* converged from here on */
	}
	printf("closed loop: %d samples, %d outside their interval, worst error after "
	       "convergence b %lld ns, c (asymmetric path) %lld ns\n",
	       samples, bad, (long long)worst[1], (long long)worst[2]);
	ck_assert_int_eq(bad, 0);
	ck_assert_int_ge(samples, 1000);
	ck_assert_int_le(worst[1], 100000);
	ck_assert_int_le(worst[2], 2500000); /* half of 2 ms and the relay's lateness */
}
END_TEST

/* Every pair of bounded pages at one base instant: intervals that do not
 * overlap, and the widest spread of the synced estimates. */
static int overlap(int64_t *spread)
{
	struct qot_time q[MAXN];
	int64_t t = peer_test_ns(CLOCK_REALTIME), lo = INT64_MAX, hi = INT64_MIN;
	int apart = 0;

	for (size_t i = 0; i < nn; i++) {
		struct qot_clock_params p;
		int64_t base;

		ck_assert_int_eq(qot_clock_params_read(nodes[i].clk, &p, &base), 0);
		qot_project(&p, t, &q[i]);
		if (q[i].below == QOT_UNBOUNDED || q[i].above == QOT_UNBOUNDED)
			continue;
		if (q[i].estimate < lo)
			lo = q[i].estimate;
		if (q[i].estimate > hi)
			hi = q[i].estimate;
		for (size_t j = 0; j < i; j++)
			if (q[j].below != QOT_UNBOUNDED && q[j].above != QOT_UNBOUNDED &&
			    (q[i].estimate + (int64_t)q[i].above <
				     q[j].estimate - (int64_t)q[j].below ||
			     q[j].estimate + (int64_t)q[j].above <
				     q[i].estimate - (int64_t)q[i].below))
				apart++;
	}
	*spread = hi >= lo ? hi - lo : 0;
	return apart;
}

/*
 * Berkeley, closed: no reference anywhere; every node (the root too)
 * disciplines its page from its peer reading. a, b, c start within 2 ms of
 * one another, synced within 3 ms; d starts 10 s behind (synced within its
 * 10 s). d is left out of the average and reported, and brought to the
 * ensemble's time (a step forward); at every sample every two bounded
 * intervals overlap, and at the end the four agree within 100 us.
 */
START_TEST(berkeley_closed_loop)
{
	static const int64_t off[] = {0, 2000000, -1000000, -10000000000};
	const int64_t interval = (int64_t)TICK_MS * 1000000;
	struct discipline_config dc = {.interval = interval,
				       .margin = discipline_margin(interval),
				       .holdover = 10000000000,
				       .stale = 4000000000,
				       .maxslew = 0.01};
	struct discipline d[4];
	int samples = 0, apart = 0;
	bool reported = false;
	int64_t spread = 0;

	setup_nodes(4, off);
	for (size_t i = 0; i < 4; i++) {
		struct qot_clock_params p;
		int64_t base;

		discipline_init(&d[i]);
		ck_assert_int_eq(qot_clock_params_read(nodes[i].clk, &p, &base), 0);
		/* Synced, honestly: within 3 ms of the others (d: of its 10 s). */
		p.offset_below = p.offset_above = i == 3 ? 10003000000 : 3000000;
		publish(i, &p);
		discipline_resume(&d[i], &p);
	}
	for (int k = 0; k < 30; k++) {
		int64_t now = peer_test_ns(CLOCK_REALTIME), end;
		struct peer_timeline_state st;

		discipline_nodes(d, &dc, 0, 4, now);
		end = peer_test_ns(CLOCK_MONOTONIC) + interval;
		tick();
		peer_timeline_state(nodes[0].pt, &st);
		if (st.left_out == 1 && strcmp(st.left_out_nodes[0], "d") == 0)
			reported = true;
		while (peer_test_ns(CLOCK_MONOTONIC) < end + interval / 2) {
			apart += overlap(&spread);
			samples += 6;
			usleep(500);
		}
	}
	printf("berkeley closed loop: %d pairs sampled, %d apart, spread at the end %lld ns\n",
	       samples, apart, (long long)spread);
	ck_assert(reported);
	ck_assert_int_eq(apart, 0);
	ck_assert_int_ge(samples, 1000);
	ck_assert_int_le(spread, 100000);
	ck_assert_int_eq(state(0).role, PEER_ROLE_ROOT);
	ck_assert(state(0).berkeley);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("peer_cluster");
	TCase *tc = tcase_create("loopback");

	tcase_add_checked_fixture(tc, NULL, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, follow_fail_over_and_return);
	tcase_add_test(tc, berkeley_excludes_far_clock);
	tcase_add_test(tc, unroutable_leader_fails_over);
	tcase_add_test(tc, closed_loop_converges_honestly);
	tcase_add_test(tc, berkeley_closed_loop);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
