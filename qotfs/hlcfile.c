/* SPDX-License-Identifier: Apache-2.0 */
/* hlcfile.c - the "hlc" and "hlcstat" files of a timeline. */
#include <errno.h>
#include <time.h>

#include "duration.h"
#include "hlcfile.h"
#include "page.h"
#include "projection.h"

/* The HLC's physical time: the timeline's estimate now, as "now" shows it. */
static int64_t timeline_time(struct pusher *p, struct clockpub *clock)
{
	struct qot_clock_params params;
	struct qot_time t;

	pusher_clock_get(p, clock, &params);
	qot_project_inline(&params, qot_now_ns(CLOCK_REALTIME), &t);
	return t.estimate;
}

int hlcfile_read(struct pusher *p, struct clockpub *clock, struct tl_hlc *hlc, struct textbuf *tb)
{
	struct qot_hlc_ts next, out;
	char *space = textbuf_space(tb, QOT_HLC_TEXT_MAX);
	size_t len;
	int err;

	if (space == NULL)
		return -ENOMEM;
	next = hlc->state;
	err = qot_hlc_tick(&next, timeline_time(p, clock), &out);
	if (err)
		return err;
	len = qot_hlc_format(&out, space, QOT_HLC_TEXT_MAX);
	space[len++] = '\n';
	tb->len += len;
	hlc->state = next; /* only once the text is ready: a failed read issues nothing */
	hlc->events++;
	return 0;
}

int hlcfile_write(struct pusher *p, struct clockpub *clock, struct tl_hlc *hlc, const char *buf,
		  size_t size, uint64_t max_offset)
{
	struct qot_hlc_ts msg, out;
	int64_t pt;
	int err;

	if (qot_hlc_parse(buf, size, &msg) != 0) {
		hlc->malformed++;
		return -EINVAL;
	}
	pt = timeline_time(p, clock);
	err = qot_hlc_merge(&hlc->state, &msg, pt, max_offset, &out);
	if (err == -ERANGE)
		hlc->refused++;
	if (err)
		return err;
	hlc->received++;
	if (msg.l > pt && (uint64_t)(msg.l - pt) > hlc->ahead_max)
		hlc->ahead_max = (uint64_t)(msg.l - pt);
	return 0;
}

int hlcfile_stat(const struct tl_hlc *hlc, uint64_t max_offset, struct textbuf *tb)
{
	char last[QOT_HLC_TEXT_MAX], maxoff[QOT_DUR_TEXT_MAX], ahead[QOT_DUR_TEXT_MAX];

	if (qot_hlc_format(&hlc->state, last, sizeof(last)) == 0)
		last[0] = '\0';
	qot_dur_format(max_offset, maxoff, sizeof(maxoff));
	qot_dur_format(hlc->ahead_max, ahead, sizeof(ahead));
	return textbuf_printf(tb,
			      "last=%s events=%llu received=%llu refused=%llu malformed=%llu "
			      "ahead_max=%s max_offset=%s\n",
			      last, (unsigned long long)hlc->events,
			      (unsigned long long)hlc->received, (unsigned long long)hlc->refused,
			      (unsigned long long)hlc->malformed, ahead, maxoff);
}
