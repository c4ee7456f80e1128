/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_timerline.c - the timer file's line (at=SECONDS | commit=SECONDS |
 * period=DUR [phase=DUR]) and its SECONDS (qot_parse_seconds): a refused line
 * leaves the spec as it was; an accepted one is in range, its instant prints
 * and parses back, and its period gives boundaries strictly after any now.
 */
#include <errno.h>
#include <string.h>

#include "duration.h"
#include "fuzz.h"
#include "timefmt.h"
#include "waitcalc.h"

static int same_spec(const struct qot_timer_spec *a, const struct qot_timer_spec *b)
{
	return a->mode == b->mode && a->instant == b->instant && a->period == b->period &&
	       a->phase == b->phase;
}

static void check_seconds(int64_t ns)
{
	char text[40];
	int64_t again = 0;
	size_t n = qot_fmt_seconds(ns, text, sizeof(text));

	FUZZ_CHECK(n > 0);
	FUZZ_CHECK(qot_parse_seconds(text, n, &again) == 0 && again == ns);
}

static void check_boundaries(uint64_t period, uint64_t phase)
{
	static const int64_t nows[] = {INT64_MIN,     -1,	0, 1, 1795304408352279030,
				       INT64_MAX - 1, INT64_MAX};

	for (size_t i = 0; i < sizeof(nows) / sizeof(nows[0]); i++) {
		int64_t b = 0;
		int err = qot_next_boundary(nows[i], period, phase, &b);

		FUZZ_CHECK(err == 0 || err == -ERANGE);
		if (err)
			continue;
		/* Strictly after now, on the grid, and no boundary skipped. */
		FUZZ_CHECK(b > nows[i]);
		FUZZ_CHECK(((__int128)b - phase) % period == 0);
		FUZZ_CHECK((__int128)b - period <= nows[i]);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *buf = (const char *)data;
	struct qot_timer_spec spec, poison;
	int64_t ns = 42;
	int err;

	memset(&spec, FUZZ_POISON, sizeof(spec));
	poison = spec;
	err = qot_timerline_parse(buf, size, &spec);
	FUZZ_CHECK(err == 0 || err == -EINVAL || err == -ERANGE);
	if (err) {
		FUZZ_CHECK(memcmp(&spec, &poison, sizeof(spec)) == 0);
	} else if (spec.mode == QOT_TIMER_PERIOD) {
		char p[QOT_DUR_TEXT_MAX], ph[QOT_DUR_TEXT_MAX], line[80];
		struct qot_timer_spec again;

		FUZZ_CHECK(spec.period >= QOT_TIMER_MIN_PERIOD && spec.period != QOT_UNBOUNDED);
		FUZZ_CHECK(spec.phase < spec.period && spec.instant == 0);
		check_boundaries(spec.period, spec.phase);
		qot_dur_format(spec.period, p, sizeof(p));
		qot_dur_format(spec.phase, ph, sizeof(ph));
		snprintf(line, sizeof(line), "phase=%s period=%s\n", ph, p);
		FUZZ_CHECK(qot_timerline_parse(line, strlen(line), &again) == 0);
		FUZZ_CHECK(same_spec(&again, &spec));
	} else {
		char s[40], line[64];
		struct qot_timer_spec again;

		FUZZ_CHECK(spec.mode == QOT_TIMER_AT || spec.mode == QOT_TIMER_COMMIT);
		FUZZ_CHECK(spec.period == 0 && spec.phase == 0);
		check_seconds(spec.instant);
		qot_fmt_seconds(spec.instant, s, sizeof(s));
		snprintf(line, sizeof(line), "%s=%s", spec.mode == QOT_TIMER_AT ? "at" : "commit",
			 s);
		FUZZ_CHECK(qot_timerline_parse(line, strlen(line), &again) == 0);
		FUZZ_CHECK(same_spec(&again, &spec));
	}

	/* SECONDS alone, on the whole input. */
	err = qot_parse_seconds(buf, size, &ns);
	FUZZ_CHECK(err == 0 || err == -EINVAL || err == -ERANGE);
	if (err)
		FUZZ_CHECK(ns == 42);
	else
		check_seconds(ns);
	return 0;
}
