/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_params.c - the privileged "ctl" line of clock parameters
 * (qot_params_parse), with and without its source name, against the grammar
 * of qot(7) read again in ref.h: the same bytes are accepted with the same
 * values, or refused with an errno one of their faults gives, the outputs
 * left as they were. An accepted line formats and parses back to itself;
 * the projection (fast and wide paths) gives what qot-clock(5)'s formulas,
 * computed in ref.h, give at the edges of the int64 range; the waiter's
 * base instants are the first at which those formulas meet the condition.
 */
#include <errno.h>
#include <string.h>

#include "fuzz.h"
#include "params.h"
#include "projection.h"
#include "ref.h"
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
			      p->stale_after == INT64_MAX ? p->stale_after : p->stale_after + 1,
			      INT64_MAX};
	struct qot_clock_params retired;

	for (size_t i = 0; i < sizeof(at) / sizeof(at[0]); i++) {
		struct qot_time fast, wide, want;

		ref_project(p, at[i], &want);
		qot_project_inline(p, at[i], &fast);
		qot_project_wide(p, at[i], &wide);
		FUZZ_CHECK(same_time(&fast, &want));
		FUZZ_CHECK(same_time(&wide, &want));
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
			ref_project(p, r, &q);
			FUZZ_CHECK(q.estimate >= T);
			if (r != INT64_MIN) {
				ref_project(p, r - 1, &q);
				FUZZ_CHECK(q.estimate < T);
			}
		}
		r = qot_base_committing(p, T);
		if (r != QOT_BASE_NEVER) {
			ref_project(p, r, &q);
			FUZZ_CHECK((__int128)q.estimate - q.below > T);
			if (r != INT64_MIN) {
				ref_project(p, r - 1, &q);
				FUZZ_CHECK((__int128)q.estimate - q.below <= T);
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

/* What ref.h makes of the line: its faults, or the parameters and source. */
static unsigned ref_params(const char *buf, size_t size, bool with_source,
			   struct qot_clock_params *p, struct ref_val *source)
{
	static const char *const keys[] = {
		"status",	"anchor",      "timeline",    "freq",	     "offset_below",
		"offset_above", "drift_below", "drift_above", "stale_after", "source"};
	static const char *const statuses[] = {"unsynced", "synced", "holdover"};
	struct ref_val v[10];
	unsigned f = 0, fa, fs, ff;

	memset(p, 0, sizeof(*p));
	if (!ref_words(buf, size, keys, with_source ? 10 : 9, v))
		return REF_INVAL;
	for (int k = 0; k < 9; k++)
		if (v[k].p == NULL)
			return REF_INVAL; /* every key but source */
	*source = with_source ? v[9] : (struct ref_val){NULL, 0};
	if (source->p && !ref_name(*source))
		f |= REF_INVAL;
	p->status = 3;
	for (uint32_t st = 0; st < 3; st++)
		if (ref_is(v[0], statuses[st]))
			p->status = st;
	if (p->status == 3)
		f |= REF_INVAL;
	f |= fa = ref_i64(v[1], &p->anchor);
	f |= ref_i64(v[2], &p->anchor_tl);
	ff = ref_i64(v[3], &p->freq);
	f |= ff ? ff : p->freq > REF_LIMIT || p->freq < -REF_LIMIT ? REF_RANGE : 0;
	for (int k = 4; k < 6; k++) {
		uint64_t *o = k == 4 ? &p->offset_below : &p->offset_above;
		if (ref_is(v[k], "unbounded"))
			*o = UINT64_MAX;
		else
			f |= ref_u64(v[k], o);
	}
	for (int k = 6; k < 8; k++) {
		uint64_t *d = k == 6 ? &p->drift_below : &p->drift_above;
		unsigned fd = ref_u64(v[k], d);
		f |= fd ? fd : *d > (uint64_t)REF_LIMIT ? REF_RANGE : 0;
	}
	if (ref_is(v[8], "never")) {
		p->stale_after = INT64_MAX;
		fs = 0;
	} else {
		f |= fs = ref_i64(v[8], &p->stale_after);
	}
	if (fa == 0 && fs == 0 && p->stale_after <= p->anchor)
		f |= REF_INVAL; /* stale before its own anchor */
	return f;
}

static void check_against_ref(const char *buf, size_t size, bool with_source)
{
	struct qot_clock_params p, want, poison;
	char source[QOT_NAME_MAX + 1], poison_src[QOT_NAME_MAX + 1];
	struct ref_val want_src;
	unsigned faults = ref_params(buf, size, with_source, &want, &want_src);
	int err;

	memset(&p, FUZZ_POISON, sizeof(p));
	poison = p;
	memset(source, FUZZ_POISON, sizeof(source));
	memcpy(poison_src, source, sizeof(source));
	err = qot_params_parse(buf, size, &p, with_source ? source : NULL);
	if (faults) {
		FUZZ_CHECK(ref_allows(faults, err));
		FUZZ_CHECK(memcmp(&p, &poison, sizeof(p)) == 0);
		FUZZ_CHECK(memcmp(source, poison_src, sizeof(source)) == 0);
		return;
	}
	FUZZ_CHECK(err == 0);
	FUZZ_CHECK(p.clock_id == 0 && p.status == want.status && p.anchor == want.anchor &&
		   p.anchor_tl == want.anchor_tl && p.freq == want.freq &&
		   p.offset_below == want.offset_below && p.offset_above == want.offset_above &&
		   p.drift_below == want.drift_below && p.drift_above == want.drift_above &&
		   p.stale_after == want.stale_after);
	if (with_source) {
		FUZZ_CHECK(strlen(source) == want_src.n &&
			   (want_src.n == 0 || memcmp(source, want_src.p, want_src.n) == 0));
		check_params(&p, source);
	} else {
		check_params(&p, NULL);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	check_against_ref((const char *)data, size, true);
	check_against_ref((const char *)data, size, false);
	return 0;
}
