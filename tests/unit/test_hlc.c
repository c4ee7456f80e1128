/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Units: hybrid logical clocks - the state machine, the text form, the
 * far-future refusal, and randomized message exchanges between simulated
 * nodes with skewed clocks; the process-local clock under threads.
 */
#include <check.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "page.h"
#include "qot.h"
#include "run_suite.h"

static struct qot_hlc_ts ts(int64_t l, uint32_t c)
{
	return (struct qot_hlc_ts){l, c};
}

START_TEST(tick_follows_physical_time)
{
	struct qot_hlc_ts s = {0, 0}, out;

	ck_assert_int_eq(qot_hlc_tick(&s, 100, &out), 0);
	ck_assert(out.l == 100 && out.c == 0);
	ck_assert_int_eq(qot_hlc_tick(&s, 100, &out), 0); /* same instant: counter */
	ck_assert(out.l == 100 && out.c == 1);
	ck_assert_int_eq(qot_hlc_tick(&s, 90, &out), 0); /* physical time went back */
	ck_assert(out.l == 100 && out.c == 2);
	ck_assert_int_eq(qot_hlc_tick(&s, 101, &out), 0);
	ck_assert(out.l == 101 && out.c == 0);
	ck_assert(s.l == 101 && s.c == 0);
	s = ts(0, 0);
	ck_assert_int_eq(qot_hlc_tick(&s, -5, &out), 0); /* before the epoch counts as 0 */
	ck_assert(out.l == 0 && out.c == 1);
}
END_TEST

START_TEST(merge_cases)
{
	struct qot_hlc_ts s, m, out;

	s = ts(100, 3), m = ts(100, 7); /* equal l: max counter + 1 */
	ck_assert_int_eq(qot_hlc_merge(&s, &m, 50, QOT_UNBOUNDED, &out), 0);
	ck_assert(out.l == 100 && out.c == 8);
	s = ts(100, 3), m = ts(90, 7); /* local ahead */
	ck_assert_int_eq(qot_hlc_merge(&s, &m, 50, QOT_UNBOUNDED, &out), 0);
	ck_assert(out.l == 100 && out.c == 4);
	s = ts(90, 3), m = ts(100, 7); /* message ahead */
	ck_assert_int_eq(qot_hlc_merge(&s, &m, 50, QOT_UNBOUNDED, &out), 0);
	ck_assert(out.l == 100 && out.c == 8);
	s = ts(90, 3), m = ts(100, 7); /* physical time ahead of both */
	ck_assert_int_eq(qot_hlc_merge(&s, &m, 200, QOT_UNBOUNDED, &out), 0);
	ck_assert(out.l == 200 && out.c == 0);
	s = ts(90, 3), m = ts(100, 7); /* physical time equal to the largest */
	ck_assert_int_eq(qot_hlc_merge(&s, &m, 100, QOT_UNBOUNDED, &out), 0);
	ck_assert(out.l == 100 && out.c == 8);
	ck_assert(s.l == out.l && s.c == out.c);
}
END_TEST

START_TEST(merge_refuses_far_future_and_garbage)
{
	struct qot_hlc_ts s = ts(1000, 5), before = s, m, out = ts(-1, 0);

	m = ts(1000 + 600, 0); /* 600 ahead of pt 1000 with max offset 500 */
	ck_assert_int_eq(qot_hlc_merge(&s, &m, 1000, 500, &out), -ERANGE);
	ck_assert(s.l == before.l && s.c == before.c && out.l == -1);
	m = ts(1500, 0); /* exactly at the limit: accepted */
	ck_assert_int_eq(qot_hlc_merge(&s, &m, 1000, 500, &out), 0);
	ck_assert(out.l == 1500 && out.c == 1);
	s = before;
	m = ts(INT64_MAX, 0); /* no overflow in the check */
	ck_assert_int_eq(qot_hlc_merge(&s, &m, 0, QOT_HLC_DEFAULT_MAX_OFFSET, &out), -ERANGE);
	m = ts(-1, 0);
	ck_assert_int_eq(qot_hlc_merge(&s, &m, 1000, QOT_UNBOUNDED, &out), -EINVAL);
	m = ts(5, QOT_HLC_COUNTER_MAX + 1);
	ck_assert_int_eq(qot_hlc_merge(&s, &m, 1000, QOT_UNBOUNDED, &out), -EINVAL);
	ck_assert(s.l == before.l && s.c == before.c);
	m = ts(INT64_MAX, 0); /* no limit: accepted */
	ck_assert_int_eq(qot_hlc_merge(&s, &m, 0, QOT_UNBOUNDED, &out), 0);
	ck_assert(out.l == INT64_MAX && out.c == 1);
}
END_TEST

START_TEST(counter_carries_never_wraps)
{
	struct qot_hlc_ts s = ts(100, QOT_HLC_COUNTER_MAX - 1), prev = s, out;

	ck_assert_int_eq(qot_hlc_tick(&s, 0, &out), 0);
	ck_assert(out.l == 100 && out.c == QOT_HLC_COUNTER_MAX);
	prev = out;
	ck_assert_int_eq(qot_hlc_tick(&s, 0, &out), 0);
	ck_assert(out.l == 101 && out.c == 0);
	ck_assert_int_eq(qot_hlc_compare(&prev, &out), -1);
	s = ts(100, 0);
	struct qot_hlc_ts m = ts(100, QOT_HLC_COUNTER_MAX);
	ck_assert_int_eq(qot_hlc_merge(&s, &m, 0, QOT_UNBOUNDED, &out), 0);
	ck_assert(out.l == 101 && out.c == 0);
	s = ts(INT64_MAX, QOT_HLC_COUNTER_MAX);
	prev = s;
	ck_assert_int_eq(qot_hlc_tick(&s, 0, &out), -EOVERFLOW);
	ck_assert(s.l == prev.l && s.c == prev.c);
}
END_TEST

START_TEST(text_form)
{
	struct qot_hlc_ts a = ts(1795304408352279030, 42), b;
	char buf[QOT_HLC_TEXT_MAX];

	ck_assert_uint_eq(qot_hlc_format(&a, buf, sizeof(buf)), QOT_HLC_TEXT_LEN);
	ck_assert_str_eq(buf, "1795304408352279030.000042");
	ck_assert_int_eq(qot_hlc_parse(buf, strlen(buf), &b), 0);
	ck_assert(b.l == a.l && b.c == a.c);
	ck_assert_int_eq(qot_hlc_parse("1795304408352279030.000042\n", 27, &b), 0);
	a = ts(7, 0);
	qot_hlc_format(&a, buf, sizeof(buf));
	ck_assert_str_eq(buf, "0000000000000000007.000000");
	a = ts(INT64_MAX, QOT_HLC_COUNTER_MAX);
	qot_hlc_format(&a, buf, sizeof(buf));
	ck_assert_str_eq(buf, "9223372036854775807.999999");
	ck_assert_uint_eq(qot_hlc_format(&a, buf, QOT_HLC_TEXT_LEN), 0); /* no room for NUL */
	a = ts(-1, 0);
	ck_assert_uint_eq(qot_hlc_format(&a, buf, sizeof(buf)), 0);

	static const char *const bad[] = {
		"",
		"1.5",
		"1795304408352279030.42",
		"1795304408352279030.0000042",
		"179530440835227903.0000042",
		"9223372036854775808.000000", /* past INT64_MAX */
		"1795304408352279030,000042",
		"1795304408352279030.00004x",
		"-795304408352279030.000042",
		"1795304408352279030.000042\n\n",
		"1795304408352279030.000042 ",
		" 795304408352279030.000042",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(qot_hlc_parse(bad[i], strlen(bad[i]), &b) == -EINVAL, "accepted '%s'",
			      bad[i]);
}
END_TEST

/* Text order, numeric order and qot_hlc_compare agree. */
START_TEST(text_sorts_like_timestamps)
{
	unsigned seed = 7;

	for (int i = 0; i < 100000; i++) {
		struct qot_hlc_ts a, b;
		char ta[QOT_HLC_TEXT_MAX], tb[QOT_HLC_TEXT_MAX];
		int64_t base = (int64_t)rand_r(&seed) << 32 | (int64_t)rand_r(&seed);

		a = ts(base, (uint32_t)rand_r(&seed) % (QOT_HLC_COUNTER_MAX + 1));
		b = ts(rand_r(&seed) % 2 ? base : base + rand_r(&seed) % 3 - 1,
		       (uint32_t)rand_r(&seed) % (QOT_HLC_COUNTER_MAX + 1));
		if (b.l < 0)
			b.l = 0;
		qot_hlc_format(&a, ta, sizeof(ta));
		qot_hlc_format(&b, tb, sizeof(tb));
		int t = strcmp(ta, tb);
		t = t < 0 ? -1 : t > 0;
		ck_assert_int_eq(t, qot_hlc_compare(&a, &b));
		/* As a decimal number l + c / 10^6: the same order. */
		long double na = (long double)a.l * 1000000 + a.c,
			    nb = (long double)b.l * 1000000 + b.c;
		if (a.l < (1ll << 40) && b.l < (1ll << 40)) /* exact in long double */
			ck_assert_int_eq((na > nb) - (na < nb), t);
	}
}
END_TEST

/*
 * Simulated nodes with skewed clocks exchanging messages at random. True
 * time advances in random steps; node i reads pt = true + skew[i]. Checked
 * at every event: strictly increasing per node, receive after send, l never
 * below pt nor more than the largest skew difference above it, and the
 * counter no larger than the number of events in the last eps of true time.
 */
#define NODES	 8
#define MAXMSGS	 4096
#define WINDOW_N (1 << 17)

struct msg {
	struct qot_hlc_ts ts;
	int64_t deliver_at;
	int to;
};

/* eps: the largest skew difference, ns. */
static void simulate(unsigned seed, int64_t eps, int64_t step_max, int64_t latency_max, int events)
{
	struct qot_hlc_ts state[NODES], last[NODES];
	int64_t skew[NODES];
	static struct msg net[MAXMSGS];
	static int64_t window[WINDOW_N]; /* true times of recent events, a ring */
	size_t head = 0, tail = 0;	 /* events in [now - eps, now]: window[head..tail) */
	int nmsg = 0;
	int64_t now = 1000000000000; /* true time */
	uint32_t max_c = 0;

	for (int i = 0; i < NODES; i++) {
		state[i] = ts(0, 0);
		last[i] = ts(-1, 0);
		skew[i] = i == 0 ? 0 : i == 1 ? eps : rand_r(&seed) % (eps + 1);
	}
	for (int e = 0; e < events; e++) {
		struct qot_hlc_ts out;
		int node, err;
		int64_t pt;

		now += rand_r(&seed) % (step_max + 1);
		/* Deliver a due message, else a local or send event. */
		int due = -1;
		for (int m = 0; m < nmsg; m++) {
			if (net[m].deliver_at <= now) {
				due = m;
				break;
			}
		}
		if (due >= 0) {
			node = net[due].to;
			pt = now + skew[node];
			err = qot_hlc_merge(&state[node], &net[due].ts, pt, QOT_UNBOUNDED, &out);
			ck_assert_int_eq(err, 0);
			ck_assert_int_eq(qot_hlc_compare(&net[due].ts, &out), -1); /* send < recv */
			net[due] = net[--nmsg];
		} else {
			node = rand_r(&seed) % NODES;
			pt = now + skew[node];
			ck_assert_int_eq(qot_hlc_tick(&state[node], pt, &out), 0);
			if (nmsg < MAXMSGS && rand_r(&seed) % 2) {
				int to = rand_r(&seed) % (NODES - 1);
				net[nmsg++] =
					(struct msg){out, now + 1 + rand_r(&seed) % latency_max,
						     to >= node ? to + 1 : to};
			}
		}
		ck_assert_int_eq(qot_hlc_compare(&last[node], &out), -1); /* monotonic */
		last[node] = out;
		ck_assert_int_ge(out.l, pt);
		ck_assert_int_le(out.l - pt, eps);
		/* Events in the last eps of true time, this one included. */
		window[tail++ % WINDOW_N] = now;
		while (window[head % WINDOW_N] < now - eps)
			head++;
		size_t inwin = tail - head;
		ck_assert_msg(inwin < WINDOW_N, "window too small for this rate");
		ck_assert_msg(out.c <= inwin, "counter %u above %zu events in the skew window",
			      out.c, inwin);
		if (out.c > max_c)
			max_c = out.c;
	}
	/* The exchanges did make counters work. */
	ck_assert_uint_gt(max_c, 0);
}

START_TEST(random_exchanges_slow_events)
{
	/* Events ~50 us apart, latency up to 2 ms: skew dominates. */
	simulate(1, 1000000, 100000, 2000000, 200000);
}
END_TEST

START_TEST(random_exchanges_bursts)
{
	/* Many events per nanosecond-step: counters do the ordering. */
	simulate(2, 20000, 3, 5000, 200000);
}
END_TEST

START_TEST(random_exchanges_refuse_far_future)
{
	/* Node 1 is 2 s ahead; the others refuse its messages at 500 ms. */
	struct qot_hlc_ts a = ts(0, 0), b = ts(0, 0), sent, out, before;
	unsigned seed = 3;
	int refused = 0;

	for (int i = 0; i < 1000; i++) {
		int64_t now = 1000000000000 + i * 1000000ll + rand_r(&seed) % 1000;
		ck_assert_int_eq(qot_hlc_tick(&b, now + 2000000000, &sent), 0);
		before = a;
		int err = qot_hlc_merge(&a, &sent, now, QOT_HLC_DEFAULT_MAX_OFFSET, &out);
		ck_assert_int_eq(err, -ERANGE);
		ck_assert(a.l == before.l && a.c == before.c);
		refused++;
		ck_assert_int_eq(qot_hlc_tick(&a, now, &out), 0);
		ck_assert_int_eq(out.l, now); /* never dragged forward */
	}
	ck_assert_int_eq(refused, 1000);
}
END_TEST

/* The process-local clock on a real mapped page, shared by threads. */
#define LOCAL_THREADS 4
#define LOCAL_READS   50000

struct local_run {
	qot_hlc_local *h;
	struct qot_hlc_ts *got;
	int err;
};

static void *local_reader(void *arg)
{
	struct local_run *r = arg;

	for (int i = 0; i < LOCAL_READS; i++) {
		int err = qot_hlc_local_now(r->h, &r->got[i]);
		if (err) {
			r->err = err;
			break;
		}
	}
	return NULL;
}

static int ts_cmp(const void *a, const void *b)
{
	return qot_hlc_compare(a, b);
}

static qot_clock *temp_clock(char *path)
{
	struct qot_clock_page pg;
	struct qot_clock_params p;
	char page[QOT_CLOCK_PAGE_SIZE];
	qot_clock *clk = NULL;
	int fd;

	memset(&p, 0, sizeof(p)); /* identity: timeline time = CLOCK_REALTIME */
	p.stale_after = QOT_NEVER;
	qot_page_init(&pg, &p);
	memset(page, 0, sizeof(page));
	memcpy(page, &pg, sizeof(pg));
	strcpy(path, "/tmp/test_hlc.XXXXXX");
	fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, page, sizeof(page)), (int)sizeof(page));
	close(fd);
	ck_assert_int_eq(qot_clock_open_path(path, &clk), 0);
	return clk;
}

START_TEST(local_clock_threads_never_repeat)
{
	char path[64];
	qot_clock *clk = temp_clock(path);
	qot_hlc_local *h;
	struct local_run runs[LOCAL_THREADS];
	pthread_t th[LOCAL_THREADS];
	struct qot_hlc_ts *all = calloc(LOCAL_THREADS * LOCAL_READS, sizeof(*all));
	struct qot_hlc_ts m, out;
	struct qot_time now;

	ck_assert_int_eq(qot_hlc_local_new(clk, QOT_HLC_DEFAULT_MAX_OFFSET, &h), 0);
	for (int t = 0; t < LOCAL_THREADS; t++) {
		runs[t] = (struct local_run){h, all + t * LOCAL_READS, 0};
		pthread_create(&th[t], NULL, local_reader, &runs[t]);
	}
	for (int t = 0; t < LOCAL_THREADS; t++) {
		pthread_join(th[t], NULL);
		ck_assert_int_eq(runs[t].err, 0);
		for (int i = 1; i < LOCAL_READS; i++)
			ck_assert_int_eq(qot_hlc_compare(&runs[t].got[i - 1], &runs[t].got[i]), -1);
	}
	qsort(all, LOCAL_THREADS * LOCAL_READS, sizeof(*all), ts_cmp);
	for (int i = 1; i < LOCAL_THREADS * LOCAL_READS; i++)
		ck_assert_msg(qot_hlc_compare(&all[i - 1], &all[i]) < 0, "duplicate timestamp");

	/* Receive: after the message; far-future refused and counted. */
	ck_assert_int_eq(qot_clock_read(clk, &now), 0);
	m = ts(now.estimate + 100000000, 17); /* 100 ms ahead: accepted */
	ck_assert_int_eq(qot_hlc_local_recv(h, &m, &out), 0);
	ck_assert_int_eq(qot_hlc_compare(&m, &out), -1);
	ck_assert_int_eq(qot_hlc_local_now(h, &out), 0);
	ck_assert(out.l == m.l && out.c == m.c + 2);
	m = ts(now.estimate + 10000000000, 0); /* 10 s ahead */
	ck_assert_int_eq(qot_hlc_local_recv(h, &m, &out), -ERANGE);
	ck_assert_uint_eq(qot_hlc_local_refused(h), 1);
	qot_hlc_local_free(h);
	qot_clock_close(clk);
	unlink(path);
	free(all);
}
END_TEST

static Suite *hlc_suite(void)
{
	Suite *s = suite_create("hlc");
	TCase *core = tcase_create("core");
	TCase *sim = tcase_create("simulation");

	tcase_add_test(core, tick_follows_physical_time);
	tcase_add_test(core, merge_cases);
	tcase_add_test(core, merge_refuses_far_future_and_garbage);
	tcase_add_test(core, counter_carries_never_wraps);
	tcase_add_test(core, text_form);
	tcase_add_test(core, text_sorts_like_timestamps);
	tcase_add_test(core, local_clock_threads_never_repeat);
	tcase_set_timeout(core, 60);
	suite_add_tcase(s, core);
	tcase_add_test(sim, random_exchanges_slow_events);
	tcase_add_test(sim, random_exchanges_bursts);
	tcase_add_test(sim, random_exchanges_refuse_far_future);
	tcase_set_timeout(sim, 100);
	suite_add_tcase(s, sim);
	return s;
}

int main(void)
{
	return run_suite(hlc_suite());
}
