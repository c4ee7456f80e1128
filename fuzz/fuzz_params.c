/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_params.c - the privileged "ctl" line of clock parameters
 * (qot_params_parse), with and without its source name. A refused line leaves
 * the outputs as they were; an accepted one is within the documented limits,
 * formats and parses back to itself, and the arithmetic that consumes it
 * (projection's fast and wide paths, the waiter's base-instant search) stays
 * defined and agrees with itself at the edges of the int64 range.
 */
#include <errno.h>
#include <string.h>

#include "fuzz.h"
#include "params.h"
#include "projection.h"
#include "waitcalc.h"

static int same_time(const struct qot_time *a, const struct qot_time *b)
{
	return a->estimate == b->estimate && a->below == b->below && a->above == b->above &&
	       a->status == b->status;
}

static void check_projection(const struct qot_clock_params *p)
{
	const int64_t at[] = {INT64_MIN,
			      INT64_MIN + 1,
			      -1,
			      0,
			      p->anchor,
			      p->anchor == INT64_MIN ? p->anchor : p->anchor - 1,
			      p->anchor == INT64_MAX ? p->anchor : p->anchor + 1,
			      p->stale_after,
			      INT64_MAX};
	struct qot_clock_params retired;

	for (size_t i = 0; i < sizeof(at) / sizeof(at[0]); i++) {
		struct qot_time fast, wide;

		qot_project_inline(p, at[i], &fast);
		qot_project_wide(p, at[i], &wide);
		FUZZ_CHECK(same_time(&fast, &wide));
	}
	qot_params_retire(p, p->anchor, &retired);
	FUZZ_CHECK(retired.status == QOT_STATUS_UNSYNCED && retired.freq == p->freq);
}

/* What a waiter's wake-up instant promises: the condition holds there, not one ns before. */
static void check_waits(const struct qot_clock_params *p)
{
	const int64_t targets[] = {p->anchor_tl, p->anchor, INT64_MIN, INT64_MAX, 0};

	for (size_t i = 0; i < sizeof(targets) / sizeof(targets[0]); i++) {
		int64_t T = targets[i], r;
		struct qot_time q;

		r = qot_base_reaching(p, T);
		if (r != QOT_BASE_NEVER) {
			qot_project_inline(p, r, &q);
			FUZZ_CHECK(qot_time_reached(&q, T));
			if (r != INT64_MIN) {
				qot_project_inline(p, r - 1, &q);
				FUZZ_CHECK(!qot_time_reached(&q, T));
			}
		}
		r = qot_base_committing(p, T);
		if (r != QOT_BASE_NEVER) {
			qot_project_inline(p, r, &q);
			FUZZ_CHECK(qot_time_certainly_past(&q, T));
			if (r != INT64_MIN) {
				qot_project_inline(p, r - 1, &q);
				FUZZ_CHECK(!qot_time_certainly_past(&q, T));
			}
		}
	}
}

static void check_params(const struct qot_clock_params *p, const char *source)
{
	char text[QOT_PARAMS_TEXT_MAX], src[QOT_NAME_MAX + 1];
	struct qot_clock_params again;
	size_t n;

	FUZZ_CHECK(p->clock_id == 0 && p->status <= QOT_STATUS_HOLDOVER);
	FUZZ_CHECK(p->freq <= QOT_FREQ_LIMIT && p->freq >= -QOT_FREQ_LIMIT);
	FUZZ_CHECK(p->drift_below <= (uint64_t)QOT_FREQ_LIMIT);
	FUZZ_CHECK(p->drift_above <= (uint64_t)QOT_FREQ_LIMIT);
	FUZZ_CHECK(p->stale_after > p->anchor);
	n = qot_params_format(p, source, text, sizeof(text));
	FUZZ_CHECK(n > 0 && text[n - 1] == '\n');
	FUZZ_CHECK(qot_params_parse(text, n, &again, src) == 0);
	FUZZ_CHECK(memcmp(&again, p, sizeof(*p)) == 0);
	FUZZ_CHECK(strcmp(src, source ? source : "") == 0);
	check_projection(p);
	check_waits(p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *buf = (const char *)data;
	struct qot_clock_params p, q, poison;
	char source[QOT_NAME_MAX + 1], poison_src[QOT_NAME_MAX + 1];
	int err, err_nosrc;

	memset(&p, FUZZ_POISON, sizeof(p));
	poison = q = p;
	memset(source, FUZZ_POISON, sizeof(source));
	memcpy(poison_src, source, sizeof(source));
	err = qot_params_parse(buf, size, &p, source);
	FUZZ_CHECK(err == 0 || err == -EINVAL || err == -ERANGE);
	err_nosrc = qot_params_parse(buf, size, &q, NULL);
	FUZZ_CHECK(err_nosrc == 0 || err_nosrc == -EINVAL || err_nosrc == -ERANGE);
	if (err) {
		FUZZ_CHECK(memcmp(&p, &poison, sizeof(p)) == 0);
		FUZZ_CHECK(memcmp(source, poison_src, sizeof(source)) == 0);
		FUZZ_CHECK(err_nosrc != 0);
		return 0;
	}
	FUZZ_CHECK(strnlen(source, sizeof(source)) < sizeof(source));
	FUZZ_CHECK(source[0] == '\0' || qot_name_valid(source, strlen(source)));
	/* Without room for a source, a line that names one is refused; others read the same. */
	if (source[0]) {
		FUZZ_CHECK(err_nosrc == -EINVAL && memcmp(&q, &poison, sizeof(q)) == 0);
	} else {
		FUZZ_CHECK(err_nosrc == 0 && memcmp(&q, &p, sizeof(p)) == 0);
	}
	check_params(&p, source);
	return 0;
}
