/* views.c - render now, bindings, requirements, ctl and .timelines. */
#include <errno.h>
#include <time.h>

#include "duration.h"
#include "page.h"
#include "params.h"
#include "projection.h"
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
	qot_params_format(&params, line, sizeof(line));
	return tb_printf(tb, "%s", line);
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
