/* SPDX-License-Identifier: Apache-2.0 */
/* textfmt.c - times and durations for people. */
#include <inttypes.h>
#include <stdio.h>
#include <time.h>

#include "duration.h"
#include "now.h"
#include "qot.h"
#include "textfmt.h"

static void scaled(uint64_t ns, char *buf)
{
	static const struct {
		uint64_t div;
		const char *unit;
	} units[] = {{1000000000, "s"}, {1000000, "ms"}, {1000, "us"}, {1, "ns"}};

	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		uint64_t d = units[i].div;
		if (ns >= d || d == 1) {
			uint64_t ip = ns / d, rem = ns % d;
			/* 4 significant digits at most, trailing zeros dropped */
			int digits = ip >= 1000 ? 0 : ip >= 100 ? 1 : ip >= 10 ? 2 : 3;
			uint64_t scale = d, frac;
			int n;

			for (int k = 0; k < digits && scale > 1; k++)
				scale /= 10;
			if (d == 1 || digits == 0) {
				snprintf(buf, TEXTFMT_MAX, "%" PRIu64 "%s", ip, units[i].unit);
				return;
			}
			frac = rem / scale;
			n = digits;
			while (n > 0 && frac % 10 == 0) {
				frac /= 10;
				n--;
			}
			if (n == 0)
				snprintf(buf, TEXTFMT_MAX, "%" PRIu64 "%s", ip, units[i].unit);
			else
				snprintf(buf, TEXTFMT_MAX, "%" PRIu64 ".%0*" PRIu64 "%s", ip, n,
					 frac, units[i].unit);
			return;
		}
	}
}

const char *textfmt_bound(uint64_t ns, char buf[TEXTFMT_MAX])
{
	if (ns == QOT_UNBOUNDED)
		snprintf(buf, TEXTFMT_MAX, "unbounded");
	else
		scaled(ns, buf);
	return buf;
}

const char *textfmt_offset(int64_t ns, char buf[TEXTFMT_MAX])
{
	uint64_t mag = ns < 0 ? 0 - (uint64_t)ns : (uint64_t)ns;

	buf[0] = ns < 0 ? '-' : '+';
	scaled(mag, buf + 1);
	return buf;
}

const char *textfmt_utc(int64_t ns, char buf[TEXTFMT_MAX])
{
	time_t s = (time_t)(ns >= 0 ? ns / 1000000000 : (ns - 999999999) / 1000000000);
	int64_t sub = ns - (int64_t)s * 1000000000;
	struct tm tm;

	if (gmtime_r(&s, &tm) == NULL) {
		snprintf(buf, TEXTFMT_MAX, "%" PRId64, ns);
		return buf;
	}
	snprintf(buf, TEXTFMT_MAX, "%04d-%02d-%02dT%02d:%02d:%02d.%06dZ",
		 (tm.tm_year + 1900) % 10000, (tm.tm_mon + 1) % 100, tm.tm_mday % 100,
		 tm.tm_hour % 100, tm.tm_min % 100, tm.tm_sec % 100, (int)(sub / 1000) % 1000000);
	return buf;
}

const char *textfmt_accuracy(const struct qot_req *req, char buf[TEXTFMT_MAX])
{
	char b[QOT_DUR_TEXT_MAX], a[QOT_DUR_TEXT_MAX];

	qot_dur_format(req->acc_below, b, sizeof(b));
	qot_dur_format(req->acc_above, a, sizeof(a));
	if (req->acc_below == req->acc_above)
		snprintf(buf, TEXTFMT_MAX, "%s", b);
	else
		snprintf(buf, TEXTFMT_MAX, "%s/%s", b, a);
	return buf;
}

int64_t textfmt_now(void)
{
	return qot_now_ns(CLOCK_REALTIME);
}
