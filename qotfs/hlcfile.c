/* SPDX-License-Identifier: Apache-2.0 */
/* hlcfile.c - the "hlc" and "hlcstat" files of a timeline. */
#include <errno.h>
#include <time.h>

#include "duration.h"
#include "hlcfile.h"
#include "page.h"
#include "projection.h"
#include "timeline.h"

/* The HLC's physical time: the timeline's estimate now, as "now" shows it. */
static int64_t timeline_time(struct pusher *p, struct timeline *tl)
{
	struct qot_clock_params params;
	struct qot_time t;

	pusher_clock_get(p, tl->clock, &params);
	qot_project_inline(&params, qot_now_ns(CLOCK_REALTIME), &t);
	return t.estimate;
}

int hlcfile_read(struct pusher *p, struct timeline *tl, struct textbuf *tb)
{
	struct qot_hlc_ts next, out;
	char *space = textbuf_space(tb, QOT_HLC_TEXT_MAX);
	size_t len;
	int err;

	if (space == NULL)
		return -ENOMEM;
	next = tl->hlc.state;
	err = qot_hlc_tick(&next, timeline_time(p, tl), &out);
	if (err)
		return err;
	len = qot_hlc_format(&out, space, QOT_HLC_TEXT_MAX);
	space[len++] = '\n';
	tb->len += len;
	tl->hlc.state = next; /* only once the text is ready: a failed read issues nothing */
	tl->hlc.events++;
	return 0;
}

int hlcfile_write(struct pusher *p, struct timeline *tl, const char *buf, size_t size,
		  uint64_t max_offset)
{
	struct qot_hlc_ts msg, out;
	int64_t pt;
	int err;

	if (qot_hlc_parse(buf, size, &msg) != 0) {
		tl->hlc.malformed++;
		return -EINVAL;
	}
	pt = timeline_time(p, tl);
	err = qot_hlc_merge(&tl->hlc.state, &msg, pt, max_offset, &out);
	if (err == -ERANGE)
		tl->hlc.refused++;
	if (err)
		return err;
	tl->hlc.received++;
	if (msg.l > pt && (uint64_t)(msg.l - pt) > tl->hlc.ahead_max)
		tl->hlc.ahead_max = (uint64_t)(msg.l - pt);
	return 0;
}

int hlcfile_stat(const struct timeline *tl, uint64_t max_offset, struct textbuf *tb)
{
	char last[QOT_HLC_TEXT_MAX], maxoff[QOT_DUR_TEXT_MAX], ahead[QOT_DUR_TEXT_MAX];

	if (qot_hlc_format(&tl->hlc.state, last, sizeof(last)) == 0)
		last[0] = '\0';
	qot_dur_format(max_offset, maxoff, sizeof(maxoff));
	qot_dur_format(tl->hlc.ahead_max, ahead, sizeof(ahead));
	return textbuf_printf(tb,
			      "last=%s events=%llu received=%llu refused=%llu malformed=%llu "
			      "ahead_max=%s max_offset=%s\n",
			      last, (unsigned long long)tl->hlc.events,
			      (unsigned long long)tl->hlc.received,
			      (unsigned long long)tl->hlc.refused,
			      (unsigned long long)tl->hlc.malformed, ahead, maxoff);
}
