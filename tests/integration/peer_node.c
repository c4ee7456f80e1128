/* SPDX-License-Identifier: Apache-2.0 */
/*
 * peer_node.c - a stand-in for one node's syncd serving one peer timeline,
 * for the namespace test (test_peer_netns.sh) until syncd's loop subscribes
 * the peer modules: the endpoint, the peer timeline, syncd's discipline, and
 * the timeline's clock page as a file (qot-clock(5) layout) that the judge
 * maps. Every node shares CLOCK_REALTIME, so truth is the base clock.
 *
 *   peer_node run NAME DIR ADDR PORT KEYFILE ORDER OFFSET_NS REFERENCE INTERVAL_MS
 *       ORDER: NODE@ADDR:PORT,... (election order, leader first, self included)
 *       REFERENCE 1: while root, this node has a reference (its page is the
 *       truth within 1 us, as a synced chrony or ptp4l would make it).
 *       Writes DIR/NAME.page each interval, and DIR/NAME.state (the peer
 *       state line, then "at=NS" of the base clock) atomically. While
 *       DIR/NAME.stale exists its lease counts as stale (what qotfs's cluster
 *       file says when coordd lost ZooKeeper). Runs until
 *       SIGTERM or SIGKILL; at most one hour.
 *   peer_node judge SECONDS PAGE...
 *       Samples every page at one base instant, every 2 ms: counts intervals
 *       that miss the truth (unbounded ones hold it trivially) and pairs of
 *       bounded intervals that do not overlap; prints the largest error of a
 *       synced page, the widest bound and the largest disagreement of two
 *       bounded pages; an estimate that goes back from one sample to the
 *       next is a failure too. Exit status 1 if any sample failed.
 *   peer_node agree SECONDS PAGE...
 *       The same without the truth: for timelines whose bounds are relative
 *       to an ensemble's time (Berkeley averaging), every pair overlaps.
 *
 * The judge serves syncd's own test (test_peer_syncd.sh) too, on the
 * clock pages of real qotfs mounts.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include "discipline.h"
#include "peer_timeline.h"
#include "rate.h"

static volatile sig_atomic_t stopping;

static void on_term(int sig)
{
	(void)sig;
	stopping = 1;
}

static int64_t ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void die(const char *what, int err)
{
	fprintf(stderr, "peer_node: %s: %s\n", what, strerror(err < 0 ? -err : err));
	exit(2);
}

/* Write params to the page file (one pwrite; seq even, increasing). */
static void publish(const char *path, const struct qot_clock_params *p)
{
	static uint64_t seq = 2;
	struct qot_clock_page pg;
	int fd = open(path, O_WRONLY | O_CLOEXEC);

	if (fd < 0)
		die(path, errno);
	memset(&pg, 0, sizeof(pg));
	memcpy(pg.magic, QOT_CLOCK_MAGIC, 8);
	pg.version = QOT_CLOCK_VERSION;
	pg.size = 128;
	pg.seq = seq += 2;
	pg.params = *p;
	if (pwrite(fd, &pg, sizeof(pg), 0) != (ssize_t)sizeof(pg))
		die(path, errno);
	close(fd);
}

static int parse_order(char *text, struct peer_addr *out, size_t max)
{
	size_t n = 0;

	for (char *item = strtok(text, ","); item; item = strtok(NULL, ",")) {
		char *at = strchr(item, '@'), *colon = strrchr(item, ':');
		struct sockaddr_in *a = (struct sockaddr_in *)&out[n].addr;

		if (n == max || !at || !colon || colon < at)
			return -EINVAL;
		*at = *colon = '\0';
		memset(&out[n], 0, sizeof(out[n]));
		snprintf(out[n].node, sizeof(out[n].node), "%s", item);
		a->sin_family = AF_INET;
		a->sin_port = htons((uint16_t)atoi(colon + 1));
		if (inet_pton(AF_INET, at + 1, &a->sin_addr) != 1)
			return -EINVAL;
		out[n++].len = sizeof(*a);
	}
	return (int)n;
}

static int page_params(void *ctx, struct qot_clock_params *p, int64_t *base_now)
{
	return qot_clock_params_read(ctx, p, base_now);
}

static int run(char **argv)
{
	const char *name = argv[0], *dir = argv[1], *addr = argv[2], *keyfile = argv[4];
	unsigned port = (unsigned)atoi(argv[3]);
	int64_t offset = atoll(argv[6]), interval = atoll(argv[8]) * 1000000;
	int reference = atoi(argv[7]);
	char page[512], state[512], tmp[520], err[256], line[512], stale[512];
	struct peer_addr order[16];
	struct peer_keys *keys;
	struct peer_sock *sock;
	struct peer_timeline *pt;
	struct peer_sock_config sc = {.timeout = interval / 2,
				      .rate = 1000,
				      .burst = 64,
				      .batch = 64,
				      .freshness = 10000000000};
	struct peer_timeline_config tc = {.up = {.missed = 2, .join = 2},
					  .ex = {.drift = 100e-6},
					  .bk = {.threshold = 5000000},
					  .window = 8,
					  .max_age = 10 * interval,
					  .params = page_params};
	struct discipline_config dc = {.interval = interval,
				       .margin = discipline_margin(interval),
				       .holdover = 60000000000,
				       .stale = 4 * interval,
				       .maxslew = 0.01};
	struct discipline d;
	struct qot_clock_params p;
	qot_clock *clk;
	int n, res;
	int64_t next, deadline = ns(CLOCK_MONOTONIC) + 3600000000000;
	FILE *f;

	snprintf(page, sizeof(page), "%s/%s.page", dir, name);
	snprintf(state, sizeof(state), "%s/%s.state", dir, name);
	snprintf(tmp, sizeof(tmp), "%s.tmp", state);
	snprintf(stale, sizeof(stale), "%s/%s.stale", dir, name);
	n = parse_order(argv[5], order, 16);
	if (n <= 0 || interval <= 0)
		die("order or interval", EINVAL);
	res = peer_keys_load(&keys, keyfile, err, sizeof(err));
	if (res)
		die(err, res);

	/* The page: synced at the given offset, honestly (bound |offset| + 1 ms). */
	{
		int64_t now = ns(CLOCK_REALTIME);
		uint64_t b = (uint64_t)llabs(offset) + 1000000;
		uint8_t zero[QOT_CLOCK_PAGE_SIZE] = {0};

		f = fopen(page, "wb");
		if (!f || fwrite(zero, 1, sizeof(zero), f) != sizeof(zero) || fclose(f))
			die(page, errno);
		p = (struct qot_clock_params){.status = QOT_STATUS_SYNCED,
					      .anchor = now,
					      .anchor_tl = now + offset,
					      .offset_below = b,
					      .offset_above = b,
					      .drift_below = bound_rate_from_frac(100e-6),
					      .drift_above = bound_rate_from_frac(100e-6),
					      .stale_after = now + dc.stale};
		publish(page, &p);
	}
	res = qot_clock_open_path(page, &clk);
	if (res)
		die(page, res);
	discipline_init(&d);
	discipline_resume(&d, &p);
	tc.params_ctx = clk;
	snprintf(sc.node, sizeof(sc.node), "%s", name);
	res = peer_sock_open(&sock, &sc, keys, addr, port);
	if (res)
		die("peer_sock_open", res);
	res = peer_timeline_new(&pt, sock, "tl", name, &tc);
	if (!res)
		res = peer_timeline_set_peers(pt, order, (size_t)n);
	if (res)
		die("peer_timeline", res);
	peer_timeline_set_reference(pt, reference);
	signal(SIGTERM, on_term);
	next = ns(CLOCK_MONOTONIC);
	while (!stopping && ns(CLOCK_MONOTONIC) < deadline) {
		int64_t mono = ns(CLOCK_MONOTONIC), wait = next - mono, dl;
		struct pollfd pfd = {peer_sock_fd(sock), POLLIN, 0};

		dl = peer_sock_next_deadline(sock);
		if (dl - mono < wait)
			wait = dl - mono;
		if (wait > 0)
			poll(&pfd, 1, (int)(wait / 1000000) + 1);
		peer_sock_readable(sock);
		peer_sock_expire(sock, ns(CLOCK_MONOTONIC));
		if (ns(CLOCK_MONOTONIC) < next)
			continue;
		next += interval;

		int64_t now = ns(CLOCK_REALTIME);
		struct reading r;
		struct peer_timeline_state st;

		/* DIR/NAME.stale stands for qotfs's cluster file saying the lease is stale. */
		peer_timeline_set_stale(pt, access(stale, F_OK) == 0);
		peer_timeline_state(pt, &st);
		if (st.role == PEER_ROLE_ROOT && reference) {
			/* Its reference: the truth within 1 us. */
			r = (struct reading){.at = now,
					     .below = 1000,
					     .above = 1000,
					     .drift = bound_rate_from_frac(100e-6)};
			discipline_update(&d, &dc, &r, now, &p);
		} else {
			int got = peer_timeline_reading(pt, now, &r);
			discipline_update(&d, &dc, got == 0 ? &r : NULL, now, &p);
		}
		publish(page, &p);
		peer_timeline_tick(pt, now);
		peer_timeline_describe(pt, now, line, sizeof(line));
		f = fopen(tmp, "w");
		if (f) {
			fprintf(f, "%s\nat=%lld\n", line, (long long)now);
			fclose(f);
			rename(tmp, state);
		}
	}
	peer_timeline_free(pt);
	peer_sock_close(sock);
	peer_keys_free(keys);
	qot_clock_close(clk);
	return 0;
}

static int judge(int seconds, char **paths, int n, bool truth)
{
	qot_clock *clk[16];
	long samples = 0, missed = 0, apart = 0, backward = 0;
	int64_t worst = 0, spread = 0, prev[16],
		end = ns(CLOCK_MONOTONIC) + (int64_t)seconds * 1000000000;
	uint64_t widest = 0;

	if (n < 1 || n > 16)
		die("judge: 1 to 16 pages", EINVAL);
	for (int i = 0; i < n; i++) {
		int res = qot_clock_open_path(paths[i], &clk[i]);
		if (res)
			die(paths[i], res);
		prev[i] = INT64_MIN;
	}
	while (ns(CLOCK_MONOTONIC) < end) {
		struct qot_time q[16];
		int64_t t = ns(CLOCK_REALTIME);

		for (int i = 0; i < n; i++) {
			struct qot_clock_params p;
			int64_t base;

			if (qot_clock_params_read(clk[i], &p, &base) != 0)
				die("read", EIO);
			qot_project(&p, t, &q[i]);
			/* A reader never sees time go back (one base instant after another). */
			if (q[i].estimate < prev[i] && backward++ < 5)
				fprintf(stderr, "judge: %s: backward by %lld ns\n", paths[i],
					(long long)(prev[i] - q[i].estimate));
			prev[i] = q[i].estimate;
			if (p.stale_after < t) /* a dead node's page: distrusted by readers */
				q[i].below = q[i].above = QOT_UNBOUNDED;
			samples++;
			if (q[i].below == QOT_UNBOUNDED || q[i].above == QOT_UNBOUNDED)
				continue;
			if (q[i].below + q[i].above > widest)
				widest = q[i].below + q[i].above;
			if (truth && (q[i].estimate - (int64_t)q[i].below > t ||
				      q[i].estimate + (int64_t)q[i].above < t)) {
				if (missed++ < 5)
					fprintf(stderr, "judge: %s: %lld -%llu +%llu misses %lld\n",
						paths[i], (long long)q[i].estimate,
						(unsigned long long)q[i].below,
						(unsigned long long)q[i].above, (long long)t);
			}
			if (q[i].status == QOT_STATUS_SYNCED && llabs(q[i].estimate - t) > worst)
				worst = llabs(q[i].estimate - t);
			for (int j = 0; j < i; j++) {
				if (q[j].below == QOT_UNBOUNDED || q[j].above == QOT_UNBOUNDED)
					continue;
				if (llabs(q[i].estimate - q[j].estimate) > spread)
					spread = llabs(q[i].estimate - q[j].estimate);
				if (q[i].estimate + (int64_t)q[i].above <
					    q[j].estimate - (int64_t)q[j].below ||
				    q[j].estimate + (int64_t)q[j].above <
					    q[i].estimate - (int64_t)q[i].below) {
					if (apart++ < 5)
						fprintf(stderr, "judge: %s and %s apart\n",
							paths[i], paths[j]);
				}
			}
		}
		usleep(2000);
	}
	printf("samples=%ld missed=%ld apart=%ld backward=%ld worst_ns=%lld spread_ns=%lld "
	       "widest_ns=%llu\n",
	       samples, missed, apart, backward, (long long)worst, (long long)spread,
	       (unsigned long long)widest);
	for (int i = 0; i < n; i++)
		qot_clock_close(clk[i]);
	return missed || apart || backward ? 1 : 0;
}

int main(int argc, char **argv)
{
	if (argc == 11 && strcmp(argv[1], "run") == 0)
		return run(argv + 2);
	if (argc >= 4 && strcmp(argv[1], "judge") == 0)
		return judge(atoi(argv[2]), argv + 3, argc - 3, true);
	if (argc >= 4 && strcmp(argv[1], "agree") == 0)
		return judge(atoi(argv[2]), argv + 3, argc - 3, false);
	fprintf(stderr, "usage: peer_node run NAME DIR ADDR PORT KEYFILE ORDER OFFSET_NS "
			"REFERENCE INTERVAL_MS\n       peer_node judge|agree SECONDS PAGE...\n");
	return 2;
}
