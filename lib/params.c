/* SPDX-License-Identifier: Apache-2.0 */
/* params.c - parse, check and format clock parameter lines. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "kvline.h"
#include "params.h"
#include "projection.h"
#include "reason.h"

enum {
	K_STATUS,
	K_ANCHOR,
	K_TIMELINE,
	K_FREQ,
	K_OFFSET_BELOW,
	K_OFFSET_ABOVE,
	K_DRIFT_BELOW,
	K_DRIFT_ABOVE,
	K_STALE_AFTER,
	K_SOURCE,
	K_ASYM,
	K_STAT,
	NKEYS
};

static const char *const keys[NKEYS] = {
	"status",      "anchor",      "timeline",    "freq",   "offset_below", "offset_above",
	"drift_below", "drift_above", "stale_after", "source", "asym",	       "stat",
};

void qot_params_unknown(struct qot_clock_params *out, int64_t base_now)
{
	*out = (struct qot_clock_params){
		.clock_id = 0, /* CLOCK_REALTIME */
		.status = QOT_STATUS_UNSYNCED,
		.anchor = base_now,
		.anchor_tl = base_now,
		.freq = 0,
		.offset_below = QOT_UNBOUNDED,
		.offset_above = QOT_UNBOUNDED,
		.drift_below = 0,
		.drift_above = 0,
		.stale_after = QOT_NEVER,
	};
}

void qot_params_retire(const struct qot_clock_params *cur, int64_t base_now,
		       struct qot_clock_params *out)
{
	struct qot_time t;

	qot_project_inline(cur, base_now, &t);
	qot_params_unknown(out, base_now);
	out->anchor_tl = t.estimate;
	out->freq = cur->freq;
}

int qot_status_from_name(const char *s, size_t len)
{
	for (int st = QOT_STATUS_UNSYNCED; st <= QOT_STATUS_HOLDOVER; st++) {
		const char *name = qot_status_name((enum qot_status)st);
		if (strlen(name) == len && memcmp(name, s, len) == 0)
			return st;
	}
	return -1;
}

static int parse_offset(struct qot_slice v, uint64_t *out)
{
	if (qot_slice_is(v, "unbounded")) {
		*out = QOT_UNBOUNDED;
		return 0;
	}
	return qot_parse_u64(v, out);
}

static int parse_rate(struct qot_slice v, uint64_t *out)
{
	int err = qot_parse_u64(v, out);
	if (err)
		return err;
	return *out > (uint64_t)QOT_FREQ_LIMIT
		       ? qot_refuse(-ERANGE, "a drift rate beyond the limit of qot-clock(5)")
		       : 0;
}

/* err, with the key it concerns before its reason. */
static int keyed(int err, int key)
{
	return err ? qot_refuse_prefix(err, "%s: ", keys[key]) : 0;
}

int qot_params_parse(const char *buf, size_t len, struct qot_clock_params *out,
		     char source[QOT_NAME_MAX + 1])
{
	return qot_params_parse_parts(buf, len, out, source, NULL);
}

int qot_params_parse_parts(const char *buf, size_t len, struct qot_clock_params *out,
			   char source[QOT_NAME_MAX + 1], struct qot_bound_parts *parts)
{
	struct qot_slice v[NKEYS];
	struct qot_clock_params p = {0};
	struct qot_bound_parts bp = {QOT_UNBOUNDED, QOT_UNBOUNDED};
	int n = qot_kv_parse(buf, len, keys, source ? NKEYS : K_SOURCE, v);
	int status, err;

	if (n < 0)
		return n;
	if (source == NULL)
		v[K_SOURCE].ptr = v[K_ASYM].ptr = v[K_STAT].ptr = NULL;
	if (n != K_SOURCE + (v[K_SOURCE].ptr ? 1 : 0) + (v[K_ASYM].ptr ? 1 : 0) +
			 (v[K_STAT].ptr ? 1 : 0)) {
		for (int k = 0; k < K_SOURCE; k++)
			if (v[k].ptr == NULL)
				return qot_refuse(-EINVAL,
						  "%s= is missing (every key but source=, asym= "
						  "and stat= is needed)",
						  keys[k]);
		return -EINVAL;
	}
	/* Parts only from a named source, and both or neither. */
	if ((v[K_ASYM].ptr != NULL) != (v[K_STAT].ptr != NULL) ||
	    (v[K_ASYM].ptr && !v[K_SOURCE].ptr))
		return qot_refuse(-EINVAL, "asym= and stat= go together, with source=");
	if (v[K_ASYM].ptr && ((err = keyed(parse_offset(v[K_ASYM], &bp.asym), K_ASYM)) ||
			      (err = keyed(parse_offset(v[K_STAT], &bp.stat), K_STAT))))
		return err;
	if (source && v[K_SOURCE].ptr && !qot_name_valid(v[K_SOURCE].ptr, v[K_SOURCE].len))
		return qot_refuse_prefix(qot_name_refuse(v[K_SOURCE].ptr, v[K_SOURCE].len),
					 "source: ");
	status = qot_status_from_name(v[K_STATUS].ptr, v[K_STATUS].len);
	if (status < 0)
		return qot_refuse(-EINVAL, "status: not one of the statuses of qot(7)");
	p.status = (uint32_t)status;
	if ((err = keyed(qot_parse_i64(v[K_ANCHOR], &p.anchor), K_ANCHOR)) ||
	    (err = keyed(qot_parse_i64(v[K_TIMELINE], &p.anchor_tl), K_TIMELINE)) ||
	    (err = keyed(qot_parse_i64(v[K_FREQ], &p.freq), K_FREQ)) ||
	    (err = keyed(parse_offset(v[K_OFFSET_BELOW], &p.offset_below), K_OFFSET_BELOW)) ||
	    (err = keyed(parse_offset(v[K_OFFSET_ABOVE], &p.offset_above), K_OFFSET_ABOVE)) ||
	    (err = keyed(parse_rate(v[K_DRIFT_BELOW], &p.drift_below), K_DRIFT_BELOW)) ||
	    (err = keyed(parse_rate(v[K_DRIFT_ABOVE], &p.drift_above), K_DRIFT_ABOVE)))
		return err; /* the reason names the value */
	if (qot_slice_is(v[K_STALE_AFTER], "never"))
		p.stale_after = QOT_NEVER;
	else if ((err = keyed(qot_parse_i64(v[K_STALE_AFTER], &p.stale_after), K_STALE_AFTER)))
		return err;
	if (p.freq > QOT_FREQ_LIMIT || p.freq < -QOT_FREQ_LIMIT)
		return qot_refuse(-ERANGE, "freq: beyond the limit of qot-clock(5)");
	/* Parameters that are stale before their own anchor say nothing. */
	if (p.stale_after <= p.anchor)
		return qot_refuse(-EINVAL, "stale_after: must be later than anchor");
	*out = p;
	if (parts)
		*parts = bp;
	if (source) {
		size_t slen = v[K_SOURCE].ptr ? v[K_SOURCE].len : 0;
		if (slen)
			memcpy(source, v[K_SOURCE].ptr, slen);
		source[slen] = '\0';
	}
	return 0;
}

static void format_offset(uint64_t v, char *buf, size_t size)
{
	if (v == QOT_UNBOUNDED)
		snprintf(buf, size, "unbounded");
	else
		snprintf(buf, size, "%llu", (unsigned long long)v);
}

size_t qot_params_format(const struct qot_clock_params *p, const char *source, char *buf,
			 size_t size)
{
	return qot_params_format_parts(p, source, NULL, buf, size);
}

size_t qot_params_format_parts(const struct qot_clock_params *p, const char *source,
			       const struct qot_bound_parts *parts, char *buf, size_t size)
{
	char below[24], above[24], stale[24], asym[24], stat[24], tail[64] = "";
	const char *status = qot_status_name((enum qot_status)p->status);
	int n;

	format_offset(p->offset_below, below, sizeof(below));
	format_offset(p->offset_above, above, sizeof(above));
	if (p->stale_after == QOT_NEVER)
		snprintf(stale, sizeof(stale), "never");
	else
		snprintf(stale, sizeof(stale), "%lld", (long long)p->stale_after);
	if (parts && source && *source &&
	    (parts->asym != QOT_UNBOUNDED || parts->stat != QOT_UNBOUNDED)) {
		format_offset(parts->asym, asym, sizeof(asym));
		format_offset(parts->stat, stat, sizeof(stat));
		snprintf(tail, sizeof(tail), " asym=%s stat=%s", asym, stat);
	}
	n = snprintf(buf, size,
		     "status=%s anchor=%lld timeline=%lld freq=%lld offset_below=%s "
		     "offset_above=%s drift_below=%llu drift_above=%llu stale_after=%s%s%s%s\n",
		     status ? status : "unsynced", (long long)p->anchor, (long long)p->anchor_tl,
		     (long long)p->freq, below, above, (unsigned long long)p->drift_below,
		     (unsigned long long)p->drift_above, stale, source && *source ? " source=" : "",
		     source && *source ? source : "", tail);
	if (n < 0 || (size_t)n >= size)
		return 0;
	return (size_t)n;
}
