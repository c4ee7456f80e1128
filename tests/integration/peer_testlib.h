/* SPDX-License-Identifier: Apache-2.0 */
/*
 * peer_testlib.h - what the peer tests share: a clock page file in the
 * qot-clock(5) layout saying timeline = CLOCK_REALTIME + offset (synced,
 * bounds `bound`), mapped through libqot, so every measurement between such
 * timelines has an exactly known truth.
 */
#ifndef QOT_PEER_TESTLIB_H
#define QOT_PEER_TESTLIB_H

#include <check.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "qot.h"

static inline int64_t peer_test_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* Write the page at path and map it. */
static inline qot_clock *peer_test_page(const char *path, int64_t offset, uint64_t bound)
{
	struct qot_clock_page pg;
	uint8_t buf[QOT_CLOCK_PAGE_SIZE] = {0};
	int64_t now = peer_test_ns(CLOCK_REALTIME);
	qot_clock *clk;
	FILE *f;

	memset(&pg, 0, sizeof(pg));
	memcpy(pg.magic, QOT_CLOCK_MAGIC, 8);
	pg.version = QOT_CLOCK_VERSION;
	pg.size = 128;
	pg.seq = 2;
	pg.params = (struct qot_clock_params){.status = QOT_STATUS_SYNCED,
					      .anchor = now,
					      .anchor_tl = now + offset,
					      .offset_below = bound,
					      .offset_above = bound,
					      .stale_after = QOT_NEVER};
	memcpy(buf, &pg, sizeof(pg));
	f = fopen(path, "wb");
	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(fwrite(buf, 1, sizeof(buf), f), sizeof(buf));
	fclose(f);
	ck_assert_int_eq(qot_clock_open_path(path, &clk), 0);
	return clk;
}

#endif /* QOT_PEER_TESTLIB_H */
