/* SPDX-License-Identifier: Apache-2.0 */
/*
 * peer-bench.c - what the peer protocol costs, next to anchors measured in
 * the same run:
 *   1. encoding and decoding one packet (HMAC-SHA256 each), next to one
 *      clock_gettime(CLOCK_REALTIME);
 *   2. a whole authenticated exchange on loopback (request, answer with
 *      kernel timestamps, matching, the four timestamps), next to a plain
 *      unauthenticated 256-byte UDP echo between the same two threads,
 *      the two alternating so they share the machine's conditions.
 * Nothing is asserted: it prints figures and ratios.
 *
 * Usage: peer-bench [ROUNDS]   (default 2000)
 */
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

#include "peer_sock.h"
#include "stats.h"

static const uint8_t SECRET[32] = "peer-bench-secret-0123456789abcd";

static int64_t now_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int params(void *ctx, struct qot_clock_params *p, int64_t *base_now)
{
	(void)ctx;
	*base_now = now_ns(CLOCK_REALTIME);
	*p = (struct qot_clock_params){.status = QOT_STATUS_SYNCED,
				       .anchor = *base_now,
				       .anchor_tl = *base_now + 1000000,
				       .offset_below = 1000,
				       .offset_above = 1000,
				       .stale_after = QOT_NEVER};
	return 0;
}

static void self(void *ctx, struct peer_self *out)
{
	(void)ctx;
	*out = (struct peer_self){true, PEER_FLAG_ROOT | PEER_FLAG_SYNCED, 0, 0};
}

static atomic_int answers;

static void response(void *ctx, const struct peer_msg *m, const struct peer_stamps *s)
{
	(void)ctx;
	(void)m;
	(void)s;
	atomic_fetch_add(&answers, 1);
}

static void timeout(void *ctx, const char *node, uint64_t seq)
{
	(void)ctx;
	(void)node;
	(void)seq;
}

static const struct peer_tl_ops OPS = {
	.params = params, .self = self, .response = response, .timeout = timeout};

static atomic_int stop;
static struct peer_sock *server;
static int echo_fd;

/* The responder: the peer endpoint and the plain echo, in one poll loop. */
static void *serve(void *arg)
{
	(void)arg;
	while (!atomic_load(&stop)) {
		struct pollfd pfd[2] = {{peer_sock_fd(server), POLLIN, 0}, {echo_fd, POLLIN, 0}};
		uint8_t buf[512];
		struct sockaddr_storage from;
		socklen_t len = sizeof(from);

		if (poll(pfd, 2, 100) <= 0)
			continue;
		if (pfd[0].revents)
			peer_sock_readable(server);
		if (pfd[1].revents) {
			ssize_t n = recvfrom(echo_fd, buf, sizeof(buf), MSG_DONTWAIT,
					     (struct sockaddr *)&from, &len);
			if (n > 0)
				sendto(echo_fd, buf, (size_t)n, 0, (struct sockaddr *)&from, len);
		}
	}
	return NULL;
}

static struct sockaddr_in bound_addr(int fd)
{
	struct sockaddr_in a;
	socklen_t len = sizeof(a);

	getsockname(fd, (struct sockaddr *)&a, &len);
	return a;
}

int main(int argc, char **argv)
{
	int rounds = argc > 1 ? atoi(argv[1]) : 2000;
	struct peer_sock_config cfg = {.freshness = 10000000000,
				       .timeout = 1000000000,
				       .rate = 1000000,
				       .burst = 1000000,
				       .batch = 64};
	struct sockaddr_in any = {.sin_family = AF_INET}, server_addr, echo_addr;
	struct peer_keys *keys;
	struct peer_sock *client;
	struct peer_tl *ctl, *stl;
	struct peer_msg m = {.type = PEER_MSG_REQUEST, .seq = 1};
	uint8_t pkt[PEER_WIRE_LEN];
	double *peer, *plain, *enc, *dec, *cg;
	pthread_t th;
	int cfd;

	if (rounds < 10) {
		fprintf(stderr, "peer-bench: ROUNDS must be at least 10\n");
		return 2;
	}
	peer = calloc((size_t)rounds, sizeof(double));
	plain = calloc((size_t)rounds, sizeof(double));
	enc = calloc((size_t)rounds, sizeof(double));
	dec = calloc((size_t)rounds, sizeof(double));
	cg = calloc((size_t)rounds, sizeof(double));
	if (!peer || !plain || !enc || !dec || !cg ||
	    peer_keys_single(&keys, 1, SECRET, sizeof(SECRET)) != 0)
		return 1;

	/* 1. per-packet costs, 100 operations per sample */
	strcpy(m.timeline, "bench");
	strcpy(m.node, "client");
	for (int i = 0; i < rounds; i++) {
		struct peer_msg out;
		int64_t t0 = now_ns(CLOCK_MONOTONIC), t1, t2, t3;
		volatile uint64_t sink = 0;

		for (int j = 0; j < 100; j++)
			sink += (uint64_t)now_ns(CLOCK_REALTIME);
		(void)sink; /* only there to be written (clang: set but not used) */
		t1 = now_ns(CLOCK_MONOTONIC);
		for (int j = 0; j < 100; j++)
			peer_wire_encode(keys, &m, pkt);
		t2 = now_ns(CLOCK_MONOTONIC);
		for (int j = 0; j < 100; j++)
			peer_wire_decode(keys, pkt, sizeof(pkt), &out);
		t3 = now_ns(CLOCK_MONOTONIC);
		cg[i] = (double)(t1 - t0) / 100;
		enc[i] = (double)(t2 - t1) / 100;
		dec[i] = (double)(t3 - t2) / 100;
	}

	/* 2. round trips */
	any.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	strcpy(cfg.node, "server");
	if (peer_sock_open(&server, &cfg, keys, "127.0.0.1", 0) != 0)
		return 1;
	strcpy(cfg.node, "client");
	if (peer_sock_open(&client, &cfg, keys, "127.0.0.1", 0) != 0)
		return 1;
	if (peer_sock_add(server, "bench", &OPS, NULL, &stl) != 0 ||
	    peer_sock_add(client, "bench", &OPS, NULL, &ctl) != 0)
		return 1;
	echo_fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	cfd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (echo_fd < 0 || cfd < 0 || bind(echo_fd, (struct sockaddr *)&any, sizeof(any)) < 0)
		return 1;
	echo_addr = bound_addr(echo_fd);
	server_addr = any;
	server_addr.sin_port = htons((uint16_t)peer_sock_port(server));
	pthread_create(&th, NULL, serve, NULL);
	for (int i = 0; i < rounds; i++) {
		int before = atomic_load(&answers);
		int64_t t0 = now_ns(CLOCK_MONOTONIC), t1;
		struct pollfd pfd = {peer_sock_fd(client), POLLIN, 0};

		peer_sock_request(client, ctl, "server", (struct sockaddr *)&server_addr,
				  sizeof(server_addr), NULL);
		while (atomic_load(&answers) == before && poll(&pfd, 1, 1000) > 0)
			peer_sock_readable(client);
		t1 = now_ns(CLOCK_MONOTONIC);
		peer[i] = (double)(t1 - t0);
		peer_sock_expire(client, now_ns(CLOCK_MONOTONIC));

		t0 = now_ns(CLOCK_MONOTONIC);
		sendto(cfd, pkt, sizeof(pkt), 0, (struct sockaddr *)&echo_addr, sizeof(echo_addr));
		recv(cfd, pkt, sizeof(pkt), 0);
		plain[i] = (double)(now_ns(CLOCK_MONOTONIC) - t0);
	}
	atomic_store(&stop, 1);
	pthread_join(th, NULL);

	struct bench_stats sp = bench_stats_of(peer, (size_t)rounds),
			   sa = bench_stats_of(plain, (size_t)rounds),
			   se = bench_stats_of(enc, (size_t)rounds),
			   sd = bench_stats_of(dec, (size_t)rounds),
			   sc = bench_stats_of(cg, (size_t)rounds);
	printf("packet: encode p50 %.0f ns, decode p50 %.0f ns; clock_gettime p50 %.0f ns "
	       "(ratio %.1f, %.1f)\n",
	       se.p50, sd.p50, sc.p50, se.p50 / sc.p50, sd.p50 / sc.p50);
	printf("round trip on loopback (%d rounds): peer exchange p50 %.1f us p99 %.1f us; "
	       "plain UDP echo p50 %.1f us p99 %.1f us; ratio p50 %.2f p99 %.2f\n",
	       rounds, sp.p50 / 1e3, sp.p99 / 1e3, sa.p50 / 1e3, sa.p99 / 1e3, sp.p50 / sa.p50,
	       sp.p99 / sa.p99);
	printf("answers %d of %d; drops at the server:", atomic_load(&answers), rounds);
	for (int r = 1; r < PEER_DROP_NREASONS; r++)
		if (peer_sock_stats(server)->drop[r])
			printf(" %s=%llu", peer_drop_name(r),
			       (unsigned long long)peer_sock_stats(server)->drop[r]);
	printf("\n");
	peer_sock_close(client);
	peer_sock_close(server);
	peer_keys_free(keys);
	close(echo_fd);
	close(cfd);
	free(peer);
	free(plain);
	free(enc);
	free(dec);
	free(cg);
	return 0;
}
