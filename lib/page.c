/* SPDX-License-Identifier: Apache-2.0 */
/* page.c - clock page setup, validation and the reader's slow path. */
#include <errno.h>
#include <sched.h>

#include "now.h"
#include "page.h"

/* A writer holds seq odd for three system calls; give up after one second. */
#define QOT_PAGE_SPIN_TRIES 256
#define QOT_PAGE_GIVE_UP_NS 1000000000LL

void qot_page_init(struct qot_clock_page *pg, const struct qot_clock_params *params)
{
	memset(pg, 0, sizeof(*pg));
	memcpy(pg->magic, QOT_CLOCK_MAGIC, sizeof(pg->magic));
	pg->version = QOT_CLOCK_VERSION;
	pg->size = QOT_PAGE_HEADER_SIZE;
	pg->seq = 0;
	pg->params = *params;
}

int qot_page_check(const struct qot_clock_page *pg)
{
	if (memcmp(pg->magic, QOT_CLOCK_MAGIC, sizeof(pg->magic)) != 0)
		return -QOT_EPAGE;
	if (pg->version != QOT_CLOCK_VERSION)
		return -QOT_EVERSION;
	if (pg->size < QOT_PAGE_HEADER_SIZE || pg->size > QOT_CLOCK_PAGE_SIZE)
		return -QOT_EPAGE;
	return 0;
}

static inline void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#elif defined(__aarch64__)
	__asm__ volatile("yield" ::: "memory");
#endif
}

int qot_page_read_slow(const struct qot_clock_page *pg, struct qot_clock_params *out,
		       int64_t *base_now)
{
	int64_t deadline = 0;

	for (unsigned tries = 0;; tries++) {
		if (qot_page_try_read(pg, out, base_now))
			return 0;
		if (tries < QOT_PAGE_SPIN_TRIES) {
			cpu_relax();
			continue;
		}
		if (deadline == 0)
			deadline = qot_now_ns(CLOCK_MONOTONIC) + QOT_PAGE_GIVE_UP_NS;
		else if (qot_now_ns(CLOCK_MONOTONIC) > deadline)
			return -QOT_ETORN;
		sched_yield();
	}
}
