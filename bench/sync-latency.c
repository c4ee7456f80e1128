/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sync-latency.c - from a parameter update to its visibility in a mapped
 * clock page, on a running qotfs. Each iteration writes a fresh parameter
 * line to TL/ctl as syncd does (qot_params_format, anchor_tl different each
 * time), timestamps just before write(), then spins on the mapped TL/clock
 * until the page holds the new anchor_tl. Next to it, in the same run and
 * interleaved with it: pread of TL/now (a FUSE round trip that changes
 * nothing), and, if asked, the same write to the ctl of a timeline whose
 * clock nobody mapped (no page to push). Nothing is asserted: this is a
 * report.
 *
 * Usage: sync-latency [OPTIONS] TIMELINE_DIR (bench/sync.sh runs it).
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <sched.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "kvfile.h"
#include "params.h"
#include "qot.h"
#include "stats.h"

#define GIVE_UP_NS 1000000000LL /* an update not visible after 1 s is counted lost */

struct options {
	const char *dir, *unmapped, *kv_file;
	unsigned iterations, warmup;
};

static struct options opt = {.iterations = 2000, .warmup = 100};

static inline int64_t clock_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void figure_lat(const char *key, const char *name, const struct bench_stats *s,
		       const char *extra)
{
	printf("  %-44s p50 %8.2f us  p99 %8.2f us  max %8.2f us%s\n", name, s->p50 / 1e3,
	       s->p99 / 1e3, s->max / 1e3, extra ? extra : "");
	fflush(stdout);
	kvfile_put("%s_p50_us=%.3f", key, s->p50 / 1e3);
	kvfile_put("%s_p99_us=%.3f", key, s->p99 / 1e3);
}

static int open_in(const char *dir, const char *file, int flags)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	return open(path, flags | O_CLOEXEC);
}

/* A parameter line as syncd would write it, with anchor_tl = anchor + tag. */
static size_t make_line(int64_t anchor, int64_t tag, char *buf, size_t size, int64_t *anchor_tl)
{
	struct qot_clock_params p = {
		.clock_id = 0,
		.status = QOT_STATUS_SYNCED,
		.anchor = anchor,
		.anchor_tl = anchor + tag,
		.freq = 0,
		.offset_below = 1000000,
		.offset_above = 1000000,
		.drift_below = 184467440737ull, /* 10 ppm */
		.drift_above = 184467440737ull,
		.stale_after = anchor + 60 * 1000000000LL,
	};

	*anchor_tl = p.anchor_tl;
	return qot_params_format(&p, "bench", buf, size);
}

struct sample {
	double *visible, *write, *now, *unmapped;
	unsigned n, lost, first_look, write_err;
	uint64_t spins;
};

static int iterate(qot_clock *clk, int ctl_fd, int now_fd, int um_fd, unsigned i, struct sample *s,
		   bool record)
{
	char line[QOT_PARAMS_TEXT_MAX], buf[256];
	struct qot_clock_params p;
	int64_t want, base, t0, t1, t2, deadline;
	size_t len;
	unsigned looks = 0;
	ssize_t r;

	len = make_line(clock_ns(CLOCK_REALTIME), 1000 + (int64_t)i, line, sizeof(line), &want);
	if (len == 0)
		return -EINVAL;
	t0 = clock_ns(CLOCK_MONOTONIC);
	r = write(ctl_fd, line, len);
	t1 = clock_ns(CLOCK_MONOTONIC);
	if (r != (ssize_t)len) {
		s->write_err++;
		return r < 0 ? -errno : -EIO;
	}
	deadline = t1 + GIVE_UP_NS;
	for (;;) {
		int err = qot_clock_params_read(clk, &p, &base);
		looks++;
		t2 = clock_ns(CLOCK_MONOTONIC);
		if (err == 0 && p.anchor_tl == want)
			break;
		if (t2 > deadline) {
			if (record)
				s->lost++;
			t2 = -1;
			break;
		}
	}
	/* The anchors, interleaved: same conditions as the update just timed. */
	{
		int64_t a = clock_ns(CLOCK_MONOTONIC), b;
		r = pread(now_fd, buf, sizeof(buf), 0);
		b = clock_ns(CLOCK_MONOTONIC);
		if (r <= 0)
			return r < 0 ? -errno : -ENODATA;
		if (record)
			s->now[s->n] = (double)(b - a);
	}
	if (um_fd >= 0) {
		int64_t a, b, tag;
		len = make_line(clock_ns(CLOCK_REALTIME), 1000 + (int64_t)i, line, sizeof(line),
				&tag);
		a = clock_ns(CLOCK_MONOTONIC);
		r = write(um_fd, line, len);
		b = clock_ns(CLOCK_MONOTONIC);
		if (r != (ssize_t)len)
			return r < 0 ? -errno : -EIO;
		if (record)
			s->unmapped[s->n] = (double)(b - a);
	}
	if (!record || t2 < 0)
		return 0;
	s->write[s->n] = (double)(t1 - t0);
	s->visible[s->n] = (double)(t2 - t0);
	s->first_look += looks == 1;
	s->spins += looks;
	s->n++;
	return 0;
}

static void usage(FILE *f, const char *prog)
{
	fprintf(f,
		"Usage: %s [OPTIONS] TIMELINE_DIR\n"
		"Time ctl write -> new parameters visible in the mapped clock page.\n"
		"\n"
		"  --iterations=N   timed updates (default %u)\n"
		"  --warmup=N       untimed updates first (default %u)\n"
		"  --unmapped=DIR   also time writes to DIR/ctl, whose clock nobody maps\n"
		"  --kv=FILE        append KEY=VALUE lines to FILE\n",
		prog, opt.iterations, opt.warmup);
}

static int parse_args(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"iterations", required_argument, NULL, 'i'},
		{"warmup", required_argument, NULL, 'w'},
		{"unmapped", required_argument, NULL, 'u'},
		{"kv", required_argument, NULL, 'k'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	char *end;
	int c;

	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 'i':
		case 'w': {
			unsigned long v = strtoul(optarg, &end, 10);
			if (*end != '\0' || v > 10000000 || (c == 'i' && v == 0)) {
				usage(stderr, argv[0]);
				return -1;
			}
			*(c == 'i' ? &opt.iterations : &opt.warmup) = (unsigned)v;
			break;
		}
		case 'u':
			opt.unmapped = optarg;
			break;
		case 'k':
			opt.kv_file = optarg;
			break;
		case 'h':
			usage(stdout, argv[0]);
			exit(0);
		default:
			usage(stderr, argv[0]);
			return -1;
		}
	}
	if (optind != argc - 1) {
		usage(stderr, argv[0]);
		return -1;
	}
	opt.dir = argv[optind];
	return 0;
}

int main(int argc, char **argv)
{
	char path[PATH_MAX], extra[160], cpus[64] = "";
	struct sample s = {0};
	qot_clock *clk = NULL;
	int ctl_fd = -1, now_fd = -1, um_fd = -1, err = 0, status = 1;
	size_t clen = 0;
	cpu_set_t mask;

	if (parse_args(argc, argv) < 0)
		return 2;
	if (opt.kv_file && (err = kvfile_open(opt.kv_file, "SYNCBENCH_")) < 0) {
		fprintf(stderr, "sync-latency: %s: %s\n", opt.kv_file, strerror(-err));
		return 1;
	}
	snprintf(path, sizeof(path), "%s/clock", opt.dir);
	err = qot_clock_open_path(path, &clk);
	if (err) {
		fprintf(stderr, "sync-latency: %s: %s\n", path, qot_strerror(err));
		goto out;
	}
	ctl_fd = open_in(opt.dir, "ctl", O_WRONLY);
	now_fd = open_in(opt.dir, "now", O_RDONLY);
	if (ctl_fd < 0 || now_fd < 0) {
		fprintf(stderr, "sync-latency: %s/%s: %s\n", opt.dir, ctl_fd < 0 ? "ctl" : "now",
			strerror(errno));
		goto out;
	}
	if (opt.unmapped && (um_fd = open_in(opt.unmapped, "ctl", O_WRONLY)) < 0) {
		fprintf(stderr, "sync-latency: %s/ctl: %s\n", opt.unmapped, strerror(errno));
		goto out;
	}
	s.visible = calloc(opt.iterations, sizeof(double));
	s.write = calloc(opt.iterations, sizeof(double));
	s.now = calloc(opt.iterations, sizeof(double));
	s.unmapped = calloc(opt.iterations, sizeof(double));
	if (!s.visible || !s.write || !s.now || !s.unmapped) {
		fprintf(stderr, "sync-latency: out of memory\n");
		goto out;
	}
	if (sched_getaffinity(0, sizeof(mask), &mask) == 0)
		for (int c = 0; c < CPU_SETSIZE && clen + 8 < sizeof(cpus); c++)
			if (CPU_ISSET(c, &mask))
				clen += (size_t)snprintf(cpus + clen, sizeof(cpus) - clen, "%s%d",
							 clen ? "," : "", c);

	for (unsigned i = 0; i < opt.warmup && err == 0; i++)
		err = iterate(clk, ctl_fd, now_fd, um_fd, i, &s, false);
	for (unsigned i = 0; i < opt.iterations && err == 0; i++)
		err = iterate(clk, ctl_fd, now_fd, um_fd, opt.warmup + i, &s, true);
	if (err) {
		fprintf(stderr, "sync-latency: %s\n", strerror(-err));
		goto out;
	}
	printf("  # %s: %u updates timed after %u untimed, one at a time; bench on CPUs %s\n",
	       opt.dir, opt.iterations, opt.warmup, cpus);
	{
		struct bench_stats sn = bench_stats_of(s.now, s.n),
				   sw = bench_stats_of(s.write, s.n);
		struct bench_stats sv = bench_stats_of(s.visible, s.n);

		figure_lat("now_pread", "anchor: pread(TL/now, 256), interleaved", &sn, NULL);
		if (um_fd >= 0) {
			struct bench_stats su = bench_stats_of(s.unmapped, s.n);
			snprintf(extra, sizeof(extra), "  x%.1f now pread", su.p50 / sn.p50);
			figure_lat("ctl_write_unmapped", "write(ctl), clock not mapped (no push)",
				   &su, extra);
		}
		snprintf(extra, sizeof(extra), "  x%.1f now pread", sw.p50 / sn.p50);
		figure_lat("ctl_write", "write(ctl), clock mapped", &sw, extra);
		snprintf(extra, sizeof(extra), "  x%.1f now pread", sv.p50 / sn.p50);
		figure_lat("update_visible", "write start -> visible in mapped page", &sv, extra);
	}
	printf("  # visible at the first look after write() returned: %u of %u (%.1f%%); "
	       "mean looks %.1f; not visible within 1 s: %u\n",
	       s.first_look, s.n, s.n ? 100.0 * s.first_look / s.n : 0.0,
	       s.n ? (double)s.spins / s.n : 0.0, s.lost);
	kvfile_put("update_first_look_pct=%.1f", s.n ? 100.0 * s.first_look / s.n : 0.0);
	kvfile_put("update_lost=%u", s.lost);
	status = 0;
out:
	if (um_fd >= 0)
		close(um_fd);
	if (ctl_fd >= 0)
		close(ctl_fd);
	if (now_fd >= 0)
		close(now_fd);
	qot_clock_close(clk);
	free(s.visible);
	free(s.write);
	free(s.now);
	free(s.unmapped);
	kvfile_close();
	return status;
}
