/* SPDX-License-Identifier: Apache-2.0 */
/* Units: projection arithmetic, the clock page and its seqlock, the text of "now". */
#include <check.h>
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "page.h"
#include "params.h"
#include "projection.h"
#include "qot.h"
#include "run_suite.h"

static struct qot_clock_params base_params(void)
{
	struct qot_clock_params p;

	memset(&p, 0, sizeof(p));
	p.status = QOT_STATUS_SYNCED;
	p.stale_after = QOT_NEVER;
	return p;
}

START_TEST(project_identity)
{
	struct qot_clock_params p = base_params();
	struct qot_time t;

	p.anchor = 1000;
	p.anchor_tl = 5000;
	p.offset_below = 7;
	p.offset_above = 9;
	qot_project(&p, 1500, &t);
	ck_assert_int_eq(t.estimate, 5500);
	ck_assert_uint_eq(t.below, 7);
	ck_assert_uint_eq(t.above, 9);
	ck_assert_int_eq(t.status, QOT_STATUS_SYNCED);
	qot_project(&p, 0, &t); /* before the anchor */
	ck_assert_int_eq(t.estimate, 4000);
}
END_TEST

START_TEST(project_frequency_floor)
{
	struct qot_clock_params p = base_params();
	struct qot_time t;

	p.freq = 1ll << 54; /* 2^-10 */
	qot_project(&p, 1024, &t);
	ck_assert_int_eq(t.estimate, 1025);
	qot_project(&p, 1023, &t);
	ck_assert_int_eq(t.estimate, 1023); /* floor(1023/1024) = 0 */
	qot_project(&p, -1, &t);
	ck_assert_int_eq(t.estimate, -2); /* floor(-1/1024) = -1 */
	qot_project(&p, -1024, &t);
	ck_assert_int_eq(t.estimate, -1025);

	p.freq = -(1ll << 54); /* negative frequency */
	qot_project(&p, 1024, &t);
	ck_assert_int_eq(t.estimate, 1023);
	qot_project(&p, 1, &t);
	ck_assert_int_eq(t.estimate, 0); /* 1 + floor(-1/1024) */
	qot_project(&p, -1024, &t);
	ck_assert_int_eq(t.estimate, -1023);
}
END_TEST

START_TEST(project_ppb_and_years)
{
	struct qot_clock_params p = base_params();
	struct qot_time t;
	const int64_t ten_years = 315360000ll * 1000000000ll;

	p.freq = 18446744074; /* 1 ppb, rounded up */
	qot_project(&p, 1000000000, &t);
	ck_assert_int_eq(t.estimate, 1000000001);

	/* 100 ppm for ten years: no overflow, exact to the nanosecond. */
	p.freq = 1844674407370955; /* floor(1e-4 * 2^64) */
	p.anchor = 0;
	qot_project(&p, ten_years, &t);
	ck_assert_int_eq(t.estimate, 315391535999999999ll);
	p.anchor = ten_years; /* and backwards: floor moves the correction down */
	qot_project(&p, 0, &t);
	ck_assert_int_eq(t.estimate, -315391536000000000ll);
}
END_TEST

START_TEST(project_drift_ceil)
{
	struct qot_clock_params p = base_params();
	struct qot_time t;

	p.drift_below = 1ull << 54; /* 2^-10 */
	p.drift_above = 3;	    /* any elapsed time at all widens the bound */
	p.offset_below = 100;
	p.offset_above = 100;
	qot_project(&p, 0, &t);
	ck_assert_uint_eq(t.below, 100);
	ck_assert_uint_eq(t.above, 100);
	qot_project(&p, 1, &t);
	ck_assert_uint_eq(t.below, 101);
	ck_assert_uint_eq(t.above, 101);
	qot_project(&p, 1024, &t);
	ck_assert_uint_eq(t.below, 101);
	qot_project(&p, 1025, &t);
	ck_assert_uint_eq(t.below, 102);
	/* The bound grows with distance from the anchor in both directions. */
	qot_project(&p, -1025, &t);
	ck_assert_uint_eq(t.below, 102);
	ck_assert_uint_eq(t.above, 101);
}
END_TEST

START_TEST(project_extremes)
{
	struct qot_clock_params p = base_params();
	struct qot_time t;

	/* |dt| = 2^64 - 1 with the most negative frequency: exactly INT64_MAX. */
	p.anchor = INT64_MIN;
	p.anchor_tl = 0;
	p.freq = INT64_MIN;
	qot_project(&p, INT64_MAX, &t);
	ck_assert(t.estimate == INT64_MAX);
	/* One more nanosecond of timeline time clamps instead of wrapping. */
	p.anchor_tl = 5;
	qot_project(&p, INT64_MAX, &t);
	ck_assert(t.estimate == INT64_MAX);
	p.freq = INT64_MAX;
	p.anchor = INT64_MAX;
	qot_project(&p, INT64_MIN, &t);
	ck_assert(t.estimate == INT64_MIN);

	/* Largest drift over the largest distance saturates at unbounded. */
	p = base_params();
	p.anchor = INT64_MIN;
	p.drift_below = UINT64_MAX;
	p.drift_above = UINT64_MAX;
	p.offset_above = 1;
	qot_project(&p, INT64_MAX, &t);
	ck_assert_uint_eq(t.below, UINT64_MAX);
	ck_assert_uint_eq(t.above, UINT64_MAX);
	/* An unbounded offset stays unbounded. */
	p = base_params();
	p.offset_below = QOT_UNBOUNDED;
	p.drift_below = 1;
	qot_project(&p, 5, &t);
	ck_assert_uint_eq(t.below, QOT_UNBOUNDED);
}
END_TEST

static uint64_t rand64(unsigned *seed)
{
	uint64_t v = 0;
	for (int i = 0; i < 4; i++)
		v = (v << 16) ^ (uint64_t)(rand_r(seed) & 0xffff);
	/* Favour the edges: small values, near-limits, and anything. */
	switch (rand_r(seed) % 4) {
	case 0:
		return v % 2048;
	case 1:
		return v | 0x7fffffffffff0000ull;
	default:
		return v;
	}
}

/* The 64-bit fast path and the 128-bit path give identical results everywhere. */
START_TEST(project_fast_path_matches_wide)
{
	unsigned seed = 4242;

	for (int i = 0; i < 500000; i++) {
		struct qot_clock_params p = base_params();
		struct qot_time fast, wide;
		int64_t t = (int64_t)rand64(&seed);

		p.anchor = (int64_t)rand64(&seed);
		p.anchor_tl = (int64_t)rand64(&seed);
		p.freq = (int64_t)rand64(&seed);
		p.offset_below = rand64(&seed);
		p.offset_above = rand64(&seed);
		p.drift_below = rand64(&seed);
		p.drift_above = rand64(&seed);
		p.stale_after = i % 7 ? QOT_NEVER : (int64_t)rand64(&seed);
		if (i % 3 == 0) /* realistic: near the anchor */
			t = (int64_t)((uint64_t)p.anchor + rand64(&seed) % 1000000000000ull -
				      500000000000ull); /* wraps at the edges, on purpose */
		memset(&fast, 0, sizeof(fast));		/* padding too, for memcmp */
		memset(&wide, 0, sizeof(wide));
		qot_project_inline(&p, t, &fast);
		qot_project_wide(&p, t, &wide);
		ck_assert_msg(memcmp(&fast, &wide, sizeof(fast)) == 0,
			      "case %d differs: est %lld vs %lld, below %llu vs %llu", i,
			      (long long)fast.estimate, (long long)wide.estimate,
			      (unsigned long long)fast.below, (unsigned long long)wide.below);
	}
}
END_TEST

START_TEST(project_stale)
{
	struct qot_clock_params p = base_params();
	struct qot_time t;

	p.offset_below = p.offset_above = 10;
	p.stale_after = 100;
	qot_project(&p, 100, &t);
	ck_assert_int_eq(t.status, QOT_STATUS_SYNCED);
	ck_assert_uint_eq(t.below, 10);
	qot_project(&p, 101, &t);
	ck_assert_int_eq(t.status, QOT_STATUS_STALE);
	ck_assert_uint_eq(t.below, QOT_UNBOUNDED);
	ck_assert_uint_eq(t.above, QOT_UNBOUNDED);
	ck_assert_int_eq(t.estimate, 101); /* the estimate is still the projection */
}
END_TEST

START_TEST(unknown_is_never_zero_width)
{
	struct qot_clock_params p;
	struct qot_time t;

	qot_params_unknown(&p, 123);
	qot_project(&p, 456, &t);
	ck_assert_int_eq(t.estimate, 456);
	ck_assert_uint_eq(t.below, QOT_UNBOUNDED);
	ck_assert_uint_eq(t.above, QOT_UNBOUNDED);
	ck_assert_int_eq(t.status, QOT_STATUS_UNSYNCED);
}
END_TEST

START_TEST(time_text)
{
	char buf[QOT_TIME_TEXT_MAX];
	struct qot_time t = {1700000000123456789ll, 1500, 2000000001, QOT_STATUS_SYNCED};

	qot_time_format(&t, buf, sizeof(buf));
	ck_assert_str_eq(buf, "1700000000.123456789 0.000001500 2.000000001 synced\n");
	t = (struct qot_time){-1500000000ll, QOT_UNBOUNDED, 0, QOT_STATUS_UNSYNCED};
	qot_time_format(&t, buf, sizeof(buf));
	ck_assert_str_eq(buf, "-1.500000000 18446744073.709551615 0.000000000 unsynced\n");
	t = (struct qot_time){INT64_MIN, 0, 0, QOT_STATUS_STALE};
	qot_time_format(&t, buf, sizeof(buf));
	ck_assert_str_eq(buf, "-9223372036.854775808 0.000000000 0.000000000 stale\n");
	ck_assert_uint_eq(qot_time_format(&t, buf, 10), 0);
}
END_TEST

START_TEST(page_layout_and_check)
{
	struct qot_clock_page pg;
	struct qot_clock_params p = base_params(), out;
	int64_t now;

	p.anchor = 42;
	qot_page_init(&pg, &p);
	ck_assert_int_eq(memcmp(&pg, "QOTCLOCK", 8), 0);
	ck_assert_int_eq(qot_page_check(&pg), 0);
	ck_assert_int_eq(qot_page_read(&pg, &out, &now), 0);
	ck_assert_int_eq(out.anchor, 42);
	pg.version = 2;
	ck_assert_int_eq(qot_page_check(&pg), -QOT_EVERSION);
	pg.version = 1;
	pg.magic[0] = 'X';
	ck_assert_int_eq(qot_page_check(&pg), -QOT_EPAGE);
}
END_TEST

START_TEST(page_writer_died_mid_update)
{
	struct qot_clock_page pg;
	struct qot_clock_params p = base_params(), out;
	int64_t now;

	qot_page_init(&pg, &p);
	qot_page_write_begin(&pg); /* and never ends */
	ck_assert_int_eq(qot_page_read(&pg, &out, &now), -QOT_ETORN);
}
END_TEST

/*
 * Seqlock hammer: one writer publishes parameters whose every field derives
 * from one counter; readers check each copy is internally consistent. A torn
 * read would mix two counters.
 */
struct hammer {
	struct qot_clock_page page;
	atomic_int stop;
	atomic_long reads;
};

static struct qot_clock_params derived(uint64_t k)
{
	struct qot_clock_params p;

	p.clock_id = (int32_t)(k & 0x7fffffff);
	p.status = (uint32_t)(k % 3);
	p.anchor = (int64_t)k;
	p.anchor_tl = (int64_t)(k * 3);
	p.freq = -(int64_t)k;
	p.offset_below = k ^ 0x5555555555555555ull;
	p.offset_above = k * 7;
	p.drift_below = ~k;
	p.drift_above = k << 3;
	p.stale_after = (int64_t)(k + 11);
	return p;
}

static void *hammer_writer(void *arg)
{
	struct hammer *h = arg;

	for (uint64_t k = 1; !atomic_load(&h->stop); k++) {
		struct qot_clock_params p = derived(k);
		qot_page_write_begin(&h->page);
		qot_page_write_params(&h->page, &p);
		qot_page_write_end(&h->page);
	}
	return NULL;
}

static void *hammer_reader(void *arg)
{
	struct hammer *h = arg;
	long n = 0;

	while (!atomic_load(&h->stop)) {
		struct qot_clock_params got, want;
		int64_t now;
		if (qot_page_read(&h->page, &got, &now) != 0)
			continue;
		want = derived((uint64_t)got.anchor);
		if (got.anchor != 0 && memcmp(&got, &want, sizeof(got)) != 0) {
			atomic_store(&h->stop, 2); /* a torn read */
			break;
		}
		n++;
	}
	atomic_fetch_add(&h->reads, n);
	return NULL;
}

START_TEST(seqlock_no_torn_reads)
{
	struct hammer *h = calloc(1, sizeof(*h));
	struct qot_clock_params zero;
	pthread_t writer, readers[3];
	struct timespec end;

	memset(&zero, 0, sizeof(zero));
	qot_page_init(&h->page, &zero);
	pthread_create(&writer, NULL, hammer_writer, h);
	for (int i = 0; i < 3; i++)
		pthread_create(&readers[i], NULL, hammer_reader, h);
	clock_gettime(CLOCK_MONOTONIC, &end);
	end.tv_sec += 2;
	while (atomic_load(&h->stop) == 0) {
		struct timespec now;
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (now.tv_sec > end.tv_sec ||
		    (now.tv_sec == end.tv_sec && now.tv_nsec >= end.tv_nsec))
			break;
		sched_yield();
	}
	if (atomic_load(&h->stop) == 0)
		atomic_store(&h->stop, 1);
	pthread_join(writer, NULL);
	for (int i = 0; i < 3; i++)
		pthread_join(readers[i], NULL);
	ck_assert_msg(atomic_load(&h->stop) == 1, "a reader saw a torn page");
	ck_assert_msg(atomic_load(&h->reads) > 1000, "readers made too little progress");
	ck_assert_uint_gt(h->page.seq, 1000);
	free(h);
}
END_TEST

static Suite *clock_suite(void)
{
	Suite *s = suite_create("clock");
	TCase *proj = tcase_create("projection");
	TCase *page = tcase_create("page");

	tcase_add_test(proj, project_identity);
	tcase_add_test(proj, project_frequency_floor);
	tcase_add_test(proj, project_ppb_and_years);
	tcase_add_test(proj, project_drift_ceil);
	tcase_add_test(proj, project_extremes);
	tcase_add_test(proj, project_stale);
	tcase_add_test(proj, project_fast_path_matches_wide);
	tcase_add_test(proj, unknown_is_never_zero_width);
	tcase_add_test(proj, time_text);
	tcase_set_timeout(proj, 60); /* the fast-path sweep took over Check's 4 s under load */
	suite_add_tcase(s, proj);

	tcase_add_test(page, page_layout_and_check);
	tcase_add_test(page, page_writer_died_mid_update);
	tcase_add_test(page, seqlock_no_torn_reads);
	tcase_set_timeout(page, 60);
	suite_add_tcase(s, page);
	return s;
}

int main(void)
{
	return run_suite(clock_suite());
}
