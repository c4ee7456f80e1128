/* SPDX-License-Identifier: Apache-2.0 */
/* peer_berkeley.c - the fault-tolerant average of one Berkeley round. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "peer_berkeley.h"

#define MAX_MEMBERS 4096

static int cmp64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

/* Floor division toward minus infinity, for the average of signed offsets. */
static int64_t floordiv(__int128 a, __int128 b)
{
	__int128 q = a / b;

	return (int64_t)(q * b > a ? q - 1 : q);
}

const char *peer_berkeley_verdict_name(enum peer_berkeley_verdict v)
{
	switch (v) {
	case PEER_BK_USED:
		return "used";
	case PEER_BK_FAR:
		return "far";
	case PEER_BK_SLOW:
		return "slow";
	case PEER_BK_UNKNOWN:
		return "unknown";
	}
	return "?";
}

static int usable(const struct peer_berkeley_member *m)
{
	return m->measured && m->offset <= PEER_BERKELEY_MAX_OFFSET &&
	       m->offset >= -PEER_BERKELEY_MAX_OFFSET;
}

int peer_berkeley_round(const struct peer_berkeley_config *cfg,
			const struct peer_berkeley_member *m, size_t n, int64_t *correction,
			enum peer_berkeley_verdict *verdict, struct peer_berkeley_result *res)
{
	int64_t offsets[MAX_MEMBERS + 1], median;
	__int128 sum = 0;
	size_t k = 0, used = 1, left_out = 0;

	if (n > MAX_MEMBERS)
		return -EINVAL;
	offsets[k++] = 0; /* the root */
	for (size_t i = 0; i < n; i++) {
		verdict[i] = PEER_BK_UNKNOWN;
		correction[i] = 0;
		if (!usable(&m[i]))
			continue;
		if (cfg->max_delay && m[i].delay > cfg->max_delay)
			verdict[i] = PEER_BK_SLOW;
		else
			offsets[k++] = m[i].offset;
	}
	qsort(offsets, k, sizeof(offsets[0]), cmp64);
	/* The lower median: with two clocks (root and one member) it is one of them. */
	median = offsets[(k - 1) / 2];

	/* The root is trusted only when near the median too; else the members decide. */
	if ((uint64_t)(median < 0 ? -median : median) > cfg->threshold)
		used = 0;
	for (size_t i = 0; i < n; i++) {
		int64_t d;

		if (!usable(&m[i]) || verdict[i] == PEER_BK_SLOW)
			continue;
		d = m[i].offset - median; /* both within 2^60 */
		if ((uint64_t)(d < 0 ? -d : d) > cfg->threshold) {
			verdict[i] = PEER_BK_FAR;
			continue;
		}
		verdict[i] = PEER_BK_USED;
		sum += m[i].offset;
		used++;
	}
	res->median = median;
	res->average = used ? floordiv(sum, (__int128)used) : median;
	res->root_correction = res->average;
	for (size_t i = 0; i < n; i++) {
		if (verdict[i] == PEER_BK_UNKNOWN)
			continue;
		correction[i] = res->average - m[i].offset; /* both within 2^60 */
		if (verdict[i] != PEER_BK_USED)
			left_out++;
	}
	res->used = used;
	res->left_out = left_out;
	return 0;
}
