/* SPDX-License-Identifier: Apache-2.0 */
/*
 * page_judge - judge the clock pages of several nodes' timelines against each
 * other, through the mapped pages, as their readers see them. All nodes
 * share one kernel clock (network namespaces on one machine), so every page
 * can be projected to the same base instant.
 *
 *   page_judge [--truth] SECONDS PAGE...
 *
 * Every 2 ms for SECONDS, projects every page (qot-clock(5)) to one base
 * instant t and counts:
 *   apart     pairs of bounded intervals [estimate - below, estimate + above]
 *             that do not overlap;
 *   backward  a page whose estimate is below its estimate at the previous
 *             sample (both bounded): a reader saw time go back;
 *   missed    with --truth only, bounded intervals that do not contain t
 *             (the timeline is meant to be true time).
 * A page past its stale_after counts as unbounded, as readers take it.
 * Prints one line of counts and figures (nanoseconds):
 *   samples= apart= backward= missed= agree_p50= agree_p99= agree_max=
 *   width_p50= width_p99= err_p50= err_p99= err_max=
 * agree: |estimate_i - estimate_j| over bounded pairs at one instant; width:
 * below + above of bounded pages; err: |estimate - t| of bounded pages.
 * Exit status 0 if nothing was apart, backward or (with --truth) missed; 1
 * if something was; 2 on a usage or page error.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "qot.h"
#include "stats.h"

#define MAX_PAGES 16
#define PERIOD_US 2000

struct series {
	double *v;
	size_t n, cap;
};

static void push(struct series *s, double x)
{
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 4096;
		double *v = realloc(s->v, cap * sizeof(*v));
		if (v == NULL)
			return; /* out of memory: fewer figures, the counts stay exact */
		s->v = v;
		s->cap = cap;
	}
	s->v[s->n++] = x;
}

static int64_t now_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static bool bounded(const struct qot_time *q)
{
	return q->below != QOT_UNBOUNDED && q->above != QOT_UNBOUNDED;
}

static void print_stats(const char *name, struct series *s, bool with_max)
{
	struct bench_stats st;

	if (s->n == 0) {
		printf(" %s_p50=- %s_p99=-", name, name);
		if (with_max)
			printf(" %s_max=-", name);
		return;
	}
	st = bench_stats_of(s->v, s->n);
	printf(" %s_p50=%.0f %s_p99=%.0f", name, st.p50, name, st.p99);
	if (with_max)
		printf(" %s_max=%.0f", name, st.max);
}

int main(int argc, char **argv)
{
	qot_clock *clk[MAX_PAGES];
	struct qot_time last[MAX_PAGES];
	bool have_last[MAX_PAGES] = {false};
	struct series agree = {0}, width = {0}, err = {0};
	long samples = 0, missed = 0, apart = 0, backward = 0;
	bool truth = false;
	int first = 1, n, seconds;
	int64_t end;

	if (argc > 1 && strcmp(argv[1], "--truth") == 0) {
		truth = true;
		first = 2;
	}
	n = argc - first - 1;
	if (n < 1 || n > MAX_PAGES || (seconds = atoi(argv[first])) <= 0) {
		fprintf(stderr, "usage: page_judge [--truth] SECONDS PAGE... (1 to %d pages)\n",
			MAX_PAGES);
		return 2;
	}
	for (int i = 0; i < n; i++) {
		int res = qot_clock_open_path(argv[first + 1 + i], &clk[i]);
		if (res) {
			fprintf(stderr, "page_judge: %s: %s\n", argv[first + 1 + i],
				qot_strerror(res));
			return 2;
		}
	}
	end = now_ns(CLOCK_MONOTONIC) + (int64_t)seconds * 1000000000;
	while (now_ns(CLOCK_MONOTONIC) < end) {
		struct qot_time q[MAX_PAGES];
		int64_t t = now_ns(CLOCK_REALTIME);

		for (int i = 0; i < n; i++) {
			struct qot_clock_params p;
			int64_t base;

			if (qot_clock_params_read(clk[i], &p, &base) != 0) {
				fprintf(stderr, "page_judge: %s: unreadable\n",
					argv[first + 1 + i]);
				return 2;
			}
			qot_project(&p, t, &q[i]);
			if (p.stale_after < t)
				q[i].below = q[i].above = QOT_UNBOUNDED;
			samples++;
			if (!bounded(&q[i])) {
				have_last[i] = false;
				continue;
			}
			if (have_last[i] && q[i].estimate < last[i].estimate && backward++ < 5)
				fprintf(stderr, "page_judge: %s: went back %lld ns at %lld\n",
					argv[first + 1 + i],
					(long long)(last[i].estimate - q[i].estimate),
					(long long)t);
			last[i] = q[i];
			have_last[i] = true;
			push(&width, (double)q[i].below + (double)q[i].above);
			push(&err, (double)llabs(q[i].estimate - t));
			if (truth &&
			    (q[i].estimate - (int64_t)q[i].below > t ||
			     q[i].estimate + (int64_t)q[i].above < t) &&
			    missed++ < 5)
				fprintf(stderr, "page_judge: %s: %lld -%llu +%llu misses %lld\n",
					argv[first + 1 + i], (long long)q[i].estimate,
					(unsigned long long)q[i].below,
					(unsigned long long)q[i].above, (long long)t);
			for (int j = 0; j < i; j++) {
				if (!bounded(&q[j]))
					continue;
				push(&agree, (double)llabs(q[i].estimate - q[j].estimate));
				if ((q[i].estimate + (int64_t)q[i].above <
				     q[j].estimate - (int64_t)q[j].below) ||
				    (q[j].estimate + (int64_t)q[j].above <
				     q[i].estimate - (int64_t)q[i].below)) {
					if (apart++ < 5)
						fprintf(stderr,
							"page_judge: %s and %s apart at %lld\n",
							argv[first + 1 + j], argv[first + 1 + i],
							(long long)t);
				}
			}
		}
		usleep(PERIOD_US);
	}
	printf("samples=%ld apart=%ld backward=%ld missed=%ld", samples, apart, backward, missed);
	print_stats("agree", &agree, true);
	print_stats("width", &width, false);
	print_stats("err", &err, true);
	printf("\n");
	for (int i = 0; i < n; i++)
		qot_clock_close(clk[i]);
	free(agree.v);
	free(width.v);
	free(err.v);
	return apart || backward || missed ? 1 : 0;
}
