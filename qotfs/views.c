/* views.c - render now, bindings, requirements, ctl and .timelines. */
#include <errno.h>
#include <stdio.h>
#include <time.h>

#include "duration.h"
#include "page.h"
#include "params.h"
#include "projection.h"
#include "timefmt.h"
#include "views.h"

int view_now(struct pusher *p, struct timeline *tl, struct textbuf *tb)
{
	struct qot_clock_params params;
	struct qot_time t;
	struct timespec ts;
	char *space = tb_space(tb, QOT_TIME_TEXT_MAX);

	if (space == NULL)
		return -ENOMEM;
	clockpub_get(p, tl->clock, &params);
	clock_gettime(CLOCK_REALTIME, &ts);
	qot_project_inline(&params, qot_timespec_ns(&ts), &t);
	tb->len += qot_time_format(&t, space, QOT_TIME_TEXT_MAX);
	return 0;
}

int view_binding(const struct binding *b, struct textbuf *tb)
{
	char req[QOT_REQ_TEXT_MAX];

	qot_req_format(&b->req, req, sizeof(req));
	return tb_printf(tb, "id=%llu pid=%d uid=%u name=%s %s\n", (unsigned long long)b->id,
			 (int)b->pid, (unsigned)b->uid, b->name, req);
}

int view_bindings(const struct timeline *tl, struct textbuf *tb)
{
	for (const struct list_node *n = tl->bindings.first; n != NULL; n = n->next) {
		int err = view_binding(container_of(n, struct binding, link), tb);
		if (err)
			return err;
	}
	return 0;
}

int view_requirements(const struct timeline *tl, struct textbuf *tb)
{
	char req[QOT_REQ_TEXT_MAX];

	qot_req_format(&tl->effective, req, sizeof(req));
	return tb_printf(tb, "%s\n", req);
}

int view_params(struct pusher *p, struct timeline *tl, struct textbuf *tb)
{
	struct qot_clock_params params;
	char line[QOT_PARAMS_TEXT_MAX];

	clockpub_get(p, tl->clock, &params);
	qot_params_format(&params, tl->source, line, sizeof(line));
	return tb_printf(tb, "%s", line);
}

/*
 * Who disciplines the timeline and how well, evaluated now: the publisher's
 * source, the status, the offset from the base clock, the frequency, the
 * bounds, the age of the parameters, the effective requirement and whether
 * the bounds meet it (a requirement of none is met).
 */
int view_sync(struct pusher *p, struct timeline *tl, struct textbuf *tb)
{
	struct qot_clock_params params;
	struct qot_time t;
	struct timespec ts;
	char offset[32], below[32], above[32], age[32], req[QOT_REQ_TEXT_MAX];
	int64_t now, diff;
	int met;

	clockpub_get(p, tl->clock, &params);
	clock_gettime(CLOCK_REALTIME, &ts);
	now = qot_timespec_ns(&ts);
	qot_project_inline(&params, now, &t);
	if (__builtin_sub_overflow(t.estimate, now, &diff))
		diff = t.estimate < now ? INT64_MIN : INT64_MAX;
	qot_fmt_seconds(diff, offset, sizeof(offset));
	qot_fmt_useconds(t.below, below, sizeof(below));
	qot_fmt_useconds(t.above, above, sizeof(above));
	if (tl->updated.tv_sec == 0)
		snprintf(age, sizeof(age), "none");
	else
		qot_fmt_seconds(now - qot_timespec_ns(&tl->updated), age, sizeof(age));
	qot_req_format(&tl->effective, req, sizeof(req));
	met = t.below <= tl->effective.acc_below && t.above <= tl->effective.acc_above;
	return tb_printf(tb,
			 "source=%s status=%s offset=%s freq_ppb=%.3f below=%s above=%s age=%s %s "
			 "met=%s\n",
			 tl->source[0] ? tl->source : "none", qot_status_name(t.status), offset,
			 (double)params.freq * 1e9 / 18446744073709551616.0, below, above, age, req,
			 met ? "yes" : "no");
}

int view_timelines(const struct registry *reg, struct textbuf *tb)
{
	for (const struct list_node *n = reg->timelines.first; n != NULL; n = n->next) {
		int err = tb_printf(tb, "%s\n", container_of(n, struct timeline, link)->name);
		if (err)
			return err;
	}
	return 0;
}
