/* SPDX-License-Identifier: Apache-2.0 */
/*
 * hlc.c - hybrid logical clocks (Kulkarni, Demirbas et al., "Logical
 * Physical Clocks", 2014): the pure state machine and the text form. The
 * qotfs "hlc" file, the process-local clock and qot-align all use these.
 */
#include <errno.h>
#include <stdio.h>

#include "qot.h"
#include "reason.h"

static int hlc_valid(const struct qot_hlc_ts *ts)
{
	return ts->l >= 0 && ts->c <= QOT_HLC_COUNTER_MAX;
}

/*
 * Store (l, c), carrying a counter that would pass its six digits into l:
 * (l + 1, 0) is still after (l, QOT_HLC_COUNTER_MAX), so order and causality
 * hold and nothing wraps; l leads physical time by one more nanosecond.
 */
static int hlc_store(struct qot_hlc_ts *state, int64_t l, uint64_t c, struct qot_hlc_ts *out)
{
	if (c > QOT_HLC_COUNTER_MAX) {
		if (l == INT64_MAX)
			return -EOVERFLOW;
		l++;
		c = 0;
	}
	state->l = l;
	state->c = (uint32_t)c;
	*out = *state;
	return 0;
}

int qot_hlc_tick(struct qot_hlc_ts *state, int64_t pt, struct qot_hlc_ts *out)
{
	if (pt < 0)
		pt = 0;
	if (pt > state->l)
		return hlc_store(state, pt, 0, out);
	return hlc_store(state, state->l, (uint64_t)state->c + 1, out);
}

int qot_hlc_merge(struct qot_hlc_ts *state, const struct qot_hlc_ts *msg, int64_t pt,
		  uint64_t max_offset, struct qot_hlc_ts *out)
{
	int64_t l;
	uint64_t c;

	if (!hlc_valid(msg))
		return qot_refuse(-EINVAL, "the counter is beyond %u", QOT_HLC_COUNTER_MAX);
	if (pt < 0)
		pt = 0;
	/* msg->l - pt > max_offset, without overflow (both are >= 0). */
	if (max_offset != QOT_UNBOUNDED && msg->l > pt && (uint64_t)(msg->l - pt) > max_offset)
		return qot_refuse(-ERANGE,
				  "its physical part leads the timeline's time by %llu ns, more "
				  "than the maximum offset %llu ns (qotfs --hlc-max-offset)",
				  (unsigned long long)(msg->l - pt),
				  (unsigned long long)max_offset);
	l = state->l > msg->l ? state->l : msg->l;
	if (pt > l)
		return hlc_store(state, pt, 0, out);
	if (state->l == msg->l)
		c = (state->c > msg->c ? state->c : msg->c) + 1ull;
	else if (l == state->l)
		c = state->c + 1ull;
	else
		c = msg->c + 1ull;
	return hlc_store(state, l, c, out);
}

int qot_hlc_compare(const struct qot_hlc_ts *a, const struct qot_hlc_ts *b)
{
	if (a->l != b->l)
		return a->l < b->l ? -1 : 1;
	if (a->c != b->c)
		return a->c < b->c ? -1 : 1;
	return 0;
}

size_t qot_hlc_format(const struct qot_hlc_ts *ts, char *buf, size_t size)
{
	int n;

	if (!hlc_valid(ts) || size <= QOT_HLC_TEXT_LEN)
		return 0;
	n = snprintf(buf, size, "%019lld.%06u", (long long)ts->l, (unsigned)ts->c);
	return n == QOT_HLC_TEXT_LEN ? (size_t)n : 0;
}

int qot_hlc_parse(const char *buf, size_t len, struct qot_hlc_ts *out)
{
	uint64_t l = 0;
	uint32_t c = 0;

	if (len == QOT_HLC_TEXT_LEN + 1 && buf[QOT_HLC_TEXT_LEN] == '\n')
		len--;
	if (len != QOT_HLC_TEXT_LEN || buf[19] != '.')
		return qot_refuse(-EINVAL,
				  "expected a timestamp as hlc prints it: 19 digits, '.', "
				  "6 digits (%d bytes, and a newline at most)",
				  QOT_HLC_TEXT_LEN);
	for (int i = 0; i < 19; i++) {
		if (buf[i] < '0' || buf[i] > '9')
			return qot_refuse(-EINVAL, "byte %d is not a digit", i + 1);
		l = l * 10 + (uint64_t)(buf[i] - '0'); /* 19 digits < 2^64 */
	}
	for (int i = 20; i < QOT_HLC_TEXT_LEN; i++) {
		if (buf[i] < '0' || buf[i] > '9')
			return qot_refuse(-EINVAL, "byte %d is not a digit", i + 1);
		c = c * 10 + (uint32_t)(buf[i] - '0');
	}
	if (l > INT64_MAX)
		return qot_refuse(-EINVAL, "the physical part is beyond 2^63 - 1 ns");
	out->l = (int64_t)l;
	out->c = c;
	return 0;
}
