/* SPDX-License-Identifier: Apache-2.0 */
/*
 * hlc-bench - the cost of an HLC timestamp: clock_gettime (the anchor), the
 * process-local HLC (qot_hlc_local_now, on the mapped page), the same with
 * two threads sharing one clock, and a pread of the node-wide "hlc" file,
 * next to a pread of "now". Cheap calls are timed in batches (per-call ns =
 * batch time / batch size), interleaved with the anchor so both see the same
 * conditions; file reads are timed one by one. Prints medians, p99s and the
 * ratio of medians to the anchor. See bench/hlc.sh.
 *
 * Usage: hlc-bench [--batches N] [--batch N] [--reads N] MOUNT TIMELINE
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "qot.h"
#include "stats.h"

static unsigned batches = 2000, batch = 1000, reads = 20000;

static double now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec * 1e9 + (double)t.tv_nsec;
}

static double batch_gettime(void)
{
	struct timespec t;
	double t0 = now_ns();

	for (unsigned i = 0; i < batch; i++) {
		clock_gettime(CLOCK_REALTIME, &t);
		__asm__ volatile("" : : "r"(&t) : "memory");
	}
	return (now_ns() - t0) / batch;
}

static double batch_local(qot_hlc_local *h, unsigned *errs)
{
	struct qot_hlc_ts ts;
	double t0 = now_ns();

	for (unsigned i = 0; i < batch; i++) {
		if (qot_hlc_local_now(h, &ts) != 0)
			(*errs)++;
		__asm__ volatile("" : : "r"(&ts) : "memory");
	}
	return (now_ns() - t0) / batch;
}

static double batch_clock(const qot_clock *clk, unsigned *errs)
{
	struct qot_time t;
	double t0 = now_ns();

	for (unsigned i = 0; i < batch; i++) {
		if (qot_clock_read(clk, &t) != 0)
			(*errs)++;
		__asm__ volatile("" : : "r"(&t) : "memory");
	}
	return (now_ns() - t0) / batch;
}

static void line(const char *name, struct bench_stats s, double anchor_p50)
{
	printf("%-34s p50 %9.1f ns  p99 %9.1f ns  ratio %7.2f\n", name, s.p50, s.p99,
	       s.p50 / anchor_p50);
}

struct contender {
	qot_hlc_local *h;
	atomic_int stop;
	unsigned long calls;
};

static void *contend(void *arg)
{
	struct contender *c = arg;
	struct qot_hlc_ts ts;

	while (!atomic_load_explicit(&c->stop, memory_order_relaxed)) {
		qot_hlc_local_now(c->h, &ts);
		c->calls++;
	}
	return NULL;
}

static int measure_file(const char *path, double *v, unsigned n)
{
	char buf[128];
	int fd = open(path, O_RDONLY);

	if (fd < 0) {
		fprintf(stderr, "hlc-bench: %s: %s\n", path, strerror(errno));
		return -1;
	}
	for (unsigned i = 0; i < 200; i++) /* warm up */
		if (pread(fd, buf, sizeof(buf), 0) <= 0)
			break;
	for (unsigned i = 0; i < n; i++) {
		double t0 = now_ns();
		ssize_t r = pread(fd, buf, sizeof(buf), 0);
		v[i] = now_ns() - t0;
		if (r <= 0) {
			fprintf(stderr, "hlc-bench: %s: read failed\n", path);
			close(fd);
			return -1;
		}
	}
	close(fd);
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"batches", required_argument, NULL, 'b'},
		{"batch", required_argument, NULL, 'n'},
		{"reads", required_argument, NULL, 'r'},
		{NULL, 0, NULL, 0},
	};
	char path[4096];
	qot_clock *clk;
	qot_hlc_local *h;
	unsigned errs = 0;
	int c, err;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == 'b')
			batches = (unsigned)atoi(optarg);
		else if (c == 'n')
			batch = (unsigned)atoi(optarg);
		else if (c == 'r')
			reads = (unsigned)atoi(optarg);
		else
			return 2;
	}
	if (argc - optind != 2 || batches == 0 || batch == 0 || reads == 0) {
		fprintf(stderr, "Usage: hlc-bench [--batches N] [--batch N] [--reads N] MOUNT "
				"TIMELINE\n");
		return 2;
	}
	snprintf(path, sizeof(path), "%s/%s/clock", argv[optind], argv[optind + 1]);
	err = qot_clock_open_path(path, &clk);
	if (err == 0)
		err = qot_hlc_local_new(clk, QOT_HLC_DEFAULT_MAX_OFFSET, &h);
	if (err) {
		fprintf(stderr, "hlc-bench: %s: %s\n", path, qot_strerror(err));
		return 1;
	}

	double *anc = calloc(batches, sizeof(double)), *loc = calloc(batches, sizeof(double));
	double *clkv = calloc(batches, sizeof(double));
	double *fv = calloc(reads, sizeof(double)), *nv = calloc(reads, sizeof(double));
	if (!anc || !loc || !clkv || !fv || !nv)
		return 1;

	for (unsigned b = 0; b < 20; b++) /* warm up */
		batch_gettime(), batch_local(h, &errs), batch_clock(clk, &errs);
	for (unsigned b = 0; b < batches; b++) {
		anc[b] = batch_gettime();
		clkv[b] = batch_clock(clk, &errs);
		loc[b] = batch_local(h, &errs);
	}
	struct bench_stats sa = bench_stats_of(anc, batches);
	printf("# %u batches x %u calls (per-call ns), interleaved\n", batches, batch);
	line("clock_gettime(CLOCK_REALTIME)", sa, sa.p50);
	line("qot_clock_read", bench_stats_of(clkv, batches), sa.p50);
	line("qot_hlc_local_now", bench_stats_of(loc, batches), sa.p50);

	/* Two threads on one process-local clock: the lock contended. */
	struct contender ct = {h, 0, 0};
	pthread_t th;
	pthread_create(&th, NULL, contend, &ct);
	for (unsigned b = 0; b < batches; b++) {
		anc[b] = batch_gettime();
		loc[b] = batch_local(h, &errs);
	}
	atomic_store(&ct.stop, 1);
	pthread_join(th, NULL);
	sa = bench_stats_of(anc, batches);
	printf("# the same, a second thread calling qot_hlc_local_now all along (%lu calls)\n",
	       ct.calls);
	line("clock_gettime, 2 threads", sa, sa.p50);
	line("qot_hlc_local_now, 2 threads", bench_stats_of(loc, batches), sa.p50);

	/* The files: one pread per sample; the anchor is the batch median above. */
	printf("# %u single preads at offset 0 on one open descriptor each\n", reads);
	snprintf(path, sizeof(path), "%s/%s/hlc", argv[optind], argv[optind + 1]);
	if (measure_file(path, fv, reads) < 0)
		return 1;
	snprintf(path, sizeof(path), "%s/%s/now", argv[optind], argv[optind + 1]);
	if (measure_file(path, nv, reads) < 0)
		return 1;
	line("pread hlc (node-wide HLC)", bench_stats_of(fv, reads), sa.p50);
	line("pread now", bench_stats_of(nv, reads), sa.p50);
	if (errs)
		printf("# %u errors\n", errs);
	qot_hlc_local_free(h);
	qot_clock_close(clk);
	free(anc), free(loc), free(clkv), free(fv), free(nv);
	return errs ? 1 : 0;
}
