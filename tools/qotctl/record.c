/* SPDX-License-Identifier: Apache-2.0 */
/* record.c - sample a timeline's clock page into CSV. */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <string.h>
#include <time.h>

#include "qot.h"
#include "now.h"
#include "record.h"

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static void row(FILE *f, int64_t base, const struct qot_time *t)
{
	fprintf(f, "%" PRId64 ",%" PRId64 ",", base, t->estimate - base);
	if (t->below != QOT_UNBOUNDED)
		fprintf(f, "%" PRIu64, t->below);
	fputc(',', f);
	if (t->above != QOT_UNBOUNDED)
		fprintf(f, "%" PRIu64, t->above);
	fprintf(f, ",%s\n", qot_status_name(t->status));
	fflush(f);
}

int record_run(const struct record_opts *o)
{
	struct sigaction sa, old_int, old_term;
	qot_clock *clk;
	int64_t start, next;
	int err = qot_clock_open_path(o->clock_path, &clk);

	if (err)
		return err;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal; /* no SA_RESTART: the sleep returns at once */
	sigaction(SIGINT, &sa, &old_int);
	sigaction(SIGTERM, &sa, &old_term);

	fprintf(o->out, "%s\n", RECORD_HEADER);
	start = next = qot_now_ns(CLOCK_MONOTONIC);
	while (!stop) {
		struct qot_clock_params p;
		struct qot_time t;
		int64_t base;
		struct timespec ts;

		err = qot_clock_params_read(clk, &p, &base);
		if (err)
			break;
		qot_project(&p, base, &t);
		row(o->out, base, &t);
		if (ferror(o->out)) {
			err = -EIO;
			break;
		}
		next += o->every_ns;
		if (o->for_ns > 0 && next - start > o->for_ns)
			break;
		ts.tv_sec = next / 1000000000;
		ts.tv_nsec = next % 1000000000;
		while (!stop && clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
			;
	}
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGTERM, &old_term, NULL);
	qot_clock_close(clk);
	return err;
}
