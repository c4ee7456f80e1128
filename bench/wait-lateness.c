/* SPDX-License-Identifier: Apache-2.0 */
/*
 * wait-lateness.c - how late wake-ups on a timeline are, through libqot
 * (qot_waituntil) and through the timer file (a blocking pread), next to
 * plain clock_nanosleep(CLOCK_REALTIME, TIMER_ABSTIME) measured in the same
 * run. The three are interleaved, so they share the machine's noise.
 * Lateness is what the clock itself reports right after the wake-up minus
 * the instant asked for (timeline time for the timeline, CLOCK_REALTIME for
 * the anchor). Nothing is asserted: this is a report.
 *
 * Usage: wait-lateness [--samples N] [--interval-us US] MOUNTPOINT
 * (bench/wait.sh mounts a scratch qotfs and runs it).
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "qot.h"
#include "stats.h"

#define GOAL_C_RATIO	 1.2
#define GOAL_FILE_P99_US 200.0
#define TL		 "qotbench-wait"

static int64_t realtime(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int64_t tl_now(const qot_clock *clk)
{
	struct qot_time t;

	if (qot_clock_read(clk, &t) != 0) {
		fprintf(stderr, "wait-lateness: cannot read the clock\n");
		exit(1);
	}
	return t.estimate;
}

static void die(const char *what, int err)
{
	fprintf(stderr, "wait-lateness: %s: %s\n", what, qot_strerror(err));
	exit(1);
}

static void report(const char *name, double *v, size_t n, struct bench_stats *out)
{
	*out = bench_stats_of(v, n);
	printf("%-34s p50 %8.1f us   p99 %8.1f us   max %9.1f us   (n=%zu)\n", name, out->p50 / 1e3,
	       out->p99 / 1e3, out->max / 1e3, out->n);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {{"samples", required_argument, NULL, 's'},
					     {"interval-us", required_argument, NULL, 'i'},
					     {NULL, 0, NULL, 0}};
	size_t samples = 3000;
	long interval_us = 2000;
	char path[512], line[512], buf[256];
	double *anchor, *capi, *file;
	struct bench_stats sa, sc, sf;
	qot_clock *clk;
	int c, fd, err;
	int64_t now;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == 's')
			samples = strtoul(optarg, NULL, 10);
		else if (c == 'i')
			interval_us = strtol(optarg, NULL, 10);
		else
			return 2;
	}
	if (optind + 1 != argc || samples == 0 || interval_us <= 0) {
		fprintf(stderr,
			"usage: wait-lateness [--samples N] [--interval-us US] MOUNTPOINT\n");
		return 2;
	}
	snprintf(path, sizeof(path), "%s/" TL, argv[optind]);
	if (mkdir(path, 0755) < 0 && errno != EEXIST)
		die(path, -errno);
	/* A disciplined timeline, 10 ppm fast: the conversion is exercised. */
	now = realtime();
	snprintf(path, sizeof(path), "%s/" TL "/ctl", argv[optind]);
	snprintf(line, sizeof(line),
		 "status=synced anchor=%" PRId64 " timeline=%" PRId64
		 " freq=184467440737095 offset_below=50000 offset_above=50000 "
		 "drift_below=18446744073 drift_above=18446744073 stale_after=never\n",
		 now, now);
	fd = open(path, O_WRONLY);
	if (fd < 0 || write(fd, line, strlen(line)) != (ssize_t)strlen(line))
		die(path, -errno);
	close(fd);
	snprintf(path, sizeof(path), "%s/" TL "/clock", argv[optind]);
	err = qot_clock_open_path(path, &clk);
	if (err)
		die(path, err);
	for (int i = 0; i < 5000; i++) { /* the page follows within milliseconds */
		struct qot_clock_params p;
		int64_t base;
		if (qot_clock_params_read(clk, &p, &base) == 0 && p.anchor == now)
			break;
		usleep(1000);
	}
	snprintf(path, sizeof(path), "%s/" TL "/timer", argv[optind]);
	fd = open(path, O_RDWR);
	if (fd < 0)
		die(path, -errno);

	anchor = calloc(samples, sizeof(double));
	capi = calloc(samples, sizeof(double));
	file = calloc(samples, sizeof(double));
	if (!anchor || !capi || !file)
		die("memory", -ENOMEM);
	srandom(1);
	for (size_t i = 0; i < samples; i++) {
		int64_t gap = (interval_us + random() % interval_us) * 1000, T;
		struct timespec ts;
		ssize_t n;

		/* Anchor: the base clock, clock_nanosleep. */
		T = realtime() + gap;
		ts.tv_sec = (time_t)(T / 1000000000);
		ts.tv_nsec = (long)(T % 1000000000);
		while (clock_nanosleep(CLOCK_REALTIME, TIMER_ABSTIME, &ts, NULL) == EINTR)
			;
		anchor[i] = (double)(realtime() - T);

		/* libqot. */
		T = tl_now(clk) + gap;
		err = qot_waituntil(clk, T, NULL);
		if (err)
			die("qot_waituntil", err);
		capi[i] = (double)(tl_now(clk) - T);

		/* The timer file. */
		T = tl_now(clk) + gap;
		n = snprintf(line, sizeof(line), "at=%" PRId64 ".%09" PRId64 "\n", T / 1000000000,
			     T % 1000000000);
		if (pwrite(fd, line, (size_t)n, 0) != n)
			die("timer write", -errno);
		n = pread(fd, buf, sizeof(buf), 0);
		if (n <= 0)
			die("timer read", n < 0 ? -errno : -EIO);
		file[i] = (double)(tl_now(clk) - T);
	}
	printf("wake-up lateness, %zu wake-ups each, %ld-%ld us ahead, interleaved\n", samples,
	       interval_us, 2 * interval_us - 1);
	report("clock_nanosleep (anchor)", anchor, samples, &sa);
	report("libqot qot_waituntil", capi, samples, &sc);
	report("timer file (pread)", file, samples, &sf);
	printf("libqot / clock_nanosleep: p50 %.2fx, p99 %.2fx (goal p99 <= %.1fx: %s)\n",
	       sc.p50 / sa.p50, sc.p99 / sa.p99, GOAL_C_RATIO,
	       sc.p99 <= GOAL_C_RATIO * sa.p99 ? "met" : "missed");
	printf("timer file / clock_nanosleep: p50 %.2fx, p99 %.2fx; file p99 %.1f us (goal <= %.0f "
	       "us: %s)\n",
	       sf.p50 / sa.p50, sf.p99 / sa.p99, sf.p99 / 1e3, GOAL_FILE_P99_US,
	       sf.p99 / 1e3 <= GOAL_FILE_P99_US ? "met" : "missed");
	close(fd);
	qot_clock_close(clk);
	free(anchor);
	free(capi);
	free(file);
	return 0;
}
