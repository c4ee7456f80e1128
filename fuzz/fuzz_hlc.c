/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_hlc.c - the HLC text form "LLLLLLLLLLLLLLLLLLL.CCCCCC" (qot_hlc_parse),
 * as written to a timeline's "hlc" file and read by libqot and qot-align, and
 * the write path behind that file: parse, then merge into the node's state.
 * A parsed stamp formats back to the very same text; a merge either refuses
 * and leaves the state alone, or issues a stamp after both the state and the
 * message.
 */
#include <errno.h>
#include <string.h>

#include "fuzz.h"
#include "qot.h"

static void check_merge(const struct qot_hlc_ts *msg)
{
	const struct qot_hlc_ts states[] = {
		{0, 0},
		{msg->l, msg->c},
		{msg->l, QOT_HLC_COUNTER_MAX},
		{msg->l > 0 ? msg->l - 1 : 0, QOT_HLC_COUNTER_MAX},
		{INT64_MAX, QOT_HLC_COUNTER_MAX},
	};
	const int64_t pts[] = {-1, 0, msg->l, msg->l > 1000 ? msg->l - 1000 : 0, INT64_MAX};
	const uint64_t offsets[] = {QOT_UNBOUNDED, 0, 1000};

	for (size_t s = 0; s < sizeof(states) / sizeof(states[0]); s++) {
		for (size_t p = 0; p < sizeof(pts) / sizeof(pts[0]); p++) {
			for (size_t o = 0; o < sizeof(offsets) / sizeof(offsets[0]); o++) {
				struct qot_hlc_ts st = states[s], out = {-1, 0};
				int err = qot_hlc_merge(&st, msg, pts[p], offsets[o], &out);

				FUZZ_CHECK(err == 0 || err == -ERANGE || err == -EOVERFLOW);
				if (err) {
					FUZZ_CHECK(qot_hlc_compare(&st, &states[s]) == 0);
					FUZZ_CHECK(out.l == -1);
					continue;
				}
				FUZZ_CHECK(qot_hlc_compare(&out, &states[s]) > 0);
				FUZZ_CHECK(qot_hlc_compare(&out, msg) > 0);
				FUZZ_CHECK(qot_hlc_compare(&out, &st) == 0);
				FUZZ_CHECK(out.l >= 0 && out.c <= QOT_HLC_COUNTER_MAX);
			}
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *buf = (const char *)data;
	struct qot_hlc_ts ts = {-7, 7};
	char text[QOT_HLC_TEXT_MAX];
	int err = qot_hlc_parse(buf, size, &ts);

	FUZZ_CHECK(err == 0 || err == -EINVAL);
	if (err) {
		FUZZ_CHECK(ts.l == -7 && ts.c == 7);
	} else {
		/* One text per stamp: it formats back to exactly what was read. */
		FUZZ_CHECK(ts.l >= 0 && ts.c <= QOT_HLC_COUNTER_MAX);
		FUZZ_CHECK(qot_hlc_format(&ts, text, sizeof(text)) == QOT_HLC_TEXT_LEN);
		FUZZ_CHECK(memcmp(text, buf, QOT_HLC_TEXT_LEN) == 0);
		FUZZ_CHECK(size == QOT_HLC_TEXT_LEN || buf[QOT_HLC_TEXT_LEN] == '\n');
		check_merge(&ts);
	}
	/* Any stamp read as raw bytes: formatted only if valid, and then read back. */
	if (size >= sizeof(ts.l) + sizeof(ts.c)) {
		struct qot_hlc_ts raw, again;
		memcpy(&raw.l, data, sizeof(raw.l));
		memcpy(&raw.c, data + sizeof(raw.l), sizeof(raw.c));
		if (qot_hlc_format(&raw, text, sizeof(text)) == QOT_HLC_TEXT_LEN) {
			FUZZ_CHECK(raw.l >= 0 && raw.c <= QOT_HLC_COUNTER_MAX);
			FUZZ_CHECK(qot_hlc_parse(text, QOT_HLC_TEXT_LEN, &again) == 0);
			FUZZ_CHECK(qot_hlc_compare(&again, &raw) == 0);
		} else {
			FUZZ_CHECK(raw.l < 0 || raw.c > QOT_HLC_COUNTER_MAX);
		}
	}
	return 0;
}
