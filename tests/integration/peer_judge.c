/* SPDX-License-Identifier: Apache-2.0 */
/*
 * peer_judge.c - the judge of the peer synchronization tests
 * (test_peer_syncd.sh, test_peer_berkeley.sh): every node's clock page
 * (through its qotfs mount) sampled at one base instant. All nodes share
 * CLOCK_REALTIME, so the truth is the base clock.
 *
 *   peer_judge judge SECONDS PAGE...
 *       Samples every page at one base instant, every 2 ms: counts intervals
 *       that miss the truth (unbounded ones hold it trivially), pairs of
 *       bounded intervals that do not overlap, and estimates of a bounded
 *       page that go back from one sample to the next; prints the largest
 *       error of a synced page, the widest bound and the largest
 *       disagreement of two bounded pages, then the medians and 99th
 *       percentiles of the disagreements (every pair of bounded pages at
 *       every sample), of the bound widths (below + above) and of the errors
 *       of synced pages. Exit status 1 if any sample failed.
 *   peer_judge agree SECONDS PAGE...
 *       The same without the truth: for timelines whose bounds are relative
 *       to an ensemble's time (Berkeley averaging), every pair overlaps.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "qot.h"

static int64_t ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void die(const char *what, int err)
{
	fprintf(stderr, "peer_judge: %s: %s\n", what, strerror(err < 0 ? -err : err));
	exit(2);
}

/* Values for percentiles: a growing array. */
struct series {
	uint64_t *v;
	size_t n, cap;
};

static void series_add(struct series *s, uint64_t x)
{
	if (s->n == s->cap) {
		size_t cap = s->cap ? 2 * s->cap : 4096;
		uint64_t *v = realloc(s->v, cap * sizeof(*v));

		if (v == NULL)
			die("percentiles", ENOMEM);
		s->v = v;
		s->cap = cap;
	}
	s->v[s->n++] = x;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* The p-th percentile (nearest rank) of s, sorted here; 0 if empty. */
static uint64_t series_pct(struct series *s, unsigned p)
{
	size_t rank;

	if (s->n == 0)
		return 0;
	qsort(s->v, s->n, sizeof(s->v[0]), cmp_u64);
	rank = (s->n * p + 99) / 100;
	return s->v[rank ? rank - 1 : 0];
}

static int judge(int seconds, char **paths, int n, bool truth)
{
	qot_clock *clk[16];
	long samples = 0, missed = 0, apart = 0, backward = 0;
	int64_t worst = 0, spread = 0, prev[16],
		end = ns(CLOCK_MONOTONIC) + (int64_t)seconds * 1000000000;
	uint64_t widest = 0;
	struct series agree = {0}, width = {0}, error = {0};

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
			if (p.stale_after < t) /* a dead node's page: distrusted by readers */
				q[i].below = q[i].above = QOT_UNBOUNDED;
			/* A reader never sees time go back (one base instant after
			 * another); an unbounded page promised nothing, and the
			 * first synchronisation after it may step anywhere. */
			if (q[i].below == QOT_UNBOUNDED || q[i].above == QOT_UNBOUNDED) {
				prev[i] = INT64_MIN;
			} else {
				if (q[i].estimate < prev[i] && backward++ < 5)
					fprintf(stderr, "judge: %s: backward by %lld ns\n",
						paths[i], (long long)(prev[i] - q[i].estimate));
				prev[i] = q[i].estimate;
			}
			samples++;
			if (q[i].below == QOT_UNBOUNDED || q[i].above == QOT_UNBOUNDED)
				continue;
			if (q[i].below + q[i].above > widest)
				widest = q[i].below + q[i].above;
			series_add(&width, q[i].below + q[i].above);
			if (truth && (q[i].estimate - (int64_t)q[i].below > t ||
				      q[i].estimate + (int64_t)q[i].above < t)) {
				if (missed++ < 5)
					fprintf(stderr, "judge: %s: %lld -%llu +%llu misses %lld\n",
						paths[i], (long long)q[i].estimate,
						(unsigned long long)q[i].below,
						(unsigned long long)q[i].above, (long long)t);
			}
			if (q[i].status == QOT_STATUS_SYNCED) {
				if (llabs(q[i].estimate - t) > worst)
					worst = llabs(q[i].estimate - t);
				series_add(&error, (uint64_t)llabs(q[i].estimate - t));
			}
			for (int j = 0; j < i; j++) {
				if (q[j].below == QOT_UNBOUNDED || q[j].above == QOT_UNBOUNDED)
					continue;
				if (llabs(q[i].estimate - q[j].estimate) > spread)
					spread = llabs(q[i].estimate - q[j].estimate);
				series_add(&agree, (uint64_t)llabs(q[i].estimate - q[j].estimate));
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
	       "widest_ns=%llu",
	       samples, missed, apart, backward, (long long)worst, (long long)spread,
	       (unsigned long long)widest);
	printf(" agree_p50_ns=%llu agree_p99_ns=%llu width_p50_ns=%llu width_p99_ns=%llu",
	       (unsigned long long)series_pct(&agree, 50),
	       (unsigned long long)series_pct(&agree, 99),
	       (unsigned long long)series_pct(&width, 50),
	       (unsigned long long)series_pct(&width, 99));
	printf(" err_p50_ns=%llu err_p99_ns=%llu\n", (unsigned long long)series_pct(&error, 50),
	       (unsigned long long)series_pct(&error, 99));
	free(agree.v);
	free(width.v);
	free(error.v);
	for (int i = 0; i < n; i++)
		qot_clock_close(clk[i]);
	return missed || apart || backward ? 1 : 0;
}

int main(int argc, char **argv)
{
	if (argc >= 4 && strcmp(argv[1], "judge") == 0)
		return judge(atoi(argv[2]), argv + 3, argc - 3, true);
	if (argc >= 4 && strcmp(argv[1], "agree") == 0)
		return judge(atoi(argv[2]), argv + 3, argc - 3, false);
	fprintf(stderr, "usage: peer_judge judge|agree SECONDS PAGE...\n");
	return 2;
}
