/* SPDX-License-Identifier: Apache-2.0 */
/*
 * page.h - the clock page and its seqlock.
 *
 * One writer, any number of readers, no locks. The writer makes seq odd,
 * stores the parameters, then makes seq even; a reader copies the parameters
 * between two loads of seq and retries if they differ or are odd. Fences
 * follow the C11 seqlock recipe (Boehm, "Can seqlocks get along with
 * programming language memory models?"), so it is correct on weakly ordered
 * CPUs, not only on x86.
 */
#ifndef QOT_PAGE_H
#define QOT_PAGE_H

#include <stdint.h>
#include <string.h>
#include <time.h>

#include "now.h"
#include "qot.h"

#define QOT_PAGE_HEADER_SIZE 128u
#define QOT_PARAMS_WORDS     (sizeof(struct qot_clock_params) / sizeof(uint64_t))

_Static_assert(sizeof(struct qot_clock_params) == 72, "params layout");
_Static_assert(sizeof(struct qot_clock_page) == QOT_PAGE_HEADER_SIZE, "page layout");
_Static_assert(__builtin_offsetof(struct qot_clock_page, seq) == 16, "seq offset");
_Static_assert(__builtin_offsetof(struct qot_clock_page, params) == 24, "params offset");

/* Fill a fresh page (seq 0) holding params. */
void qot_page_init(struct qot_clock_page *pg, const struct qot_clock_params *params);
/* 0 if pg looks like a clock page this library reads, else -QOT_EPAGE / -QOT_EVERSION. */
int qot_page_check(const struct qot_clock_page *pg);

/* Writer side: begin (seq odd), store, end (seq even). Single writer only. */
static inline void qot_page_write_begin(struct qot_clock_page *pg)
{
	uint64_t s = __atomic_load_n(&pg->seq, __ATOMIC_RELAXED);
	__atomic_store_n(&pg->seq, s + 1, __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_RELEASE);
}

static inline void qot_page_write_params(struct qot_clock_page *pg,
					 const struct qot_clock_params *params)
{
	uint64_t words[QOT_PARAMS_WORDS];
	uint64_t *dst = (uint64_t *)(void *)&pg->params;

	memcpy(words, params, sizeof(words));
	for (size_t i = 0; i < QOT_PARAMS_WORDS; i++)
		__atomic_store_n(&dst[i], words[i], __ATOMIC_RELAXED);
}

static inline void qot_page_write_end(struct qot_clock_page *pg)
{
	uint64_t s = __atomic_load_n(&pg->seq, __ATOMIC_RELAXED);
	__atomic_store_n(&pg->seq, s + 1, __ATOMIC_RELEASE);
}

/* Slow path of qot_page_read: waits (bounded) for a writer to finish. */
int qot_page_read_slow(const struct qot_clock_page *pg, struct qot_clock_params *out,
		       int64_t *base_now);

static inline int64_t qot_timespec_ns(const struct timespec *ts)
{
	return (int64_t)ts->tv_sec * 1000000000 + ts->tv_nsec;
}

/*
 * One attempt: copy the parameters and sample the base clock inside the same
 * seqlock section, so the pair (params, now) is one that existed. Returns 1 on
 * success, 0 if a writer got in the way.
 */
static inline int qot_page_try_read(const struct qot_clock_page *pg, struct qot_clock_params *out,
				    int64_t *base_now)
{
	const uint64_t *src = (const uint64_t *)(const void *)&pg->params;
	uint64_t *dst = (uint64_t *)(void *)out;
	struct timespec ts;
	uint64_t s1, s2;

	s1 = __atomic_load_n(&pg->seq, __ATOMIC_ACQUIRE);
	if (s1 & 1)
		return 0;
	clock_gettime(CLOCK_REALTIME, &ts);
	/* Straight into out: a bounce buffer re-read with wider loads would stall
	 * store forwarding, which costs more than the whole projection. */
	for (size_t i = 0; i < QOT_PARAMS_WORDS; i++)
		dst[i] = __atomic_load_n(&src[i], __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	s2 = __atomic_load_n(&pg->seq, __ATOMIC_RELAXED);
	if (s1 != s2)
		return 0;
	*base_now = qot_timespec_ns(&ts);
	return 1;
}

static inline int qot_page_read(const struct qot_clock_page *pg, struct qot_clock_params *out,
				int64_t *base_now)
{
	if (__builtin_expect(qot_page_try_read(pg, out, base_now), 1))
		return 0;
	return qot_page_read_slow(pg, out, base_now);
}

#endif /* QOT_PAGE_H */
