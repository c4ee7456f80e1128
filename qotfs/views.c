/* SPDX-License-Identifier: Apache-2.0 */
/* views.c - render the text of every readable file. */
#include <errno.h>
#include <string.h>
#include <stdio.h>
#include <time.h>

#include "duration.h"
#include "members.h"
#include "note.h"
#include "page.h"
#include "params.h"
#include "projection.h"
#include "pusher.h"
#include "timefmt.h"
#include "views.h"

int view_now(struct pusher *p, struct timeline *tl, struct textbuf *tb)
{
	struct qot_clock_params params;
	struct qot_time t;
	char *space = textbuf_space(tb, QOT_TIME_TEXT_MAX);

	if (space == NULL)
		return -ENOMEM;
	pusher_clock_get(p, timeline_clock(tl), &params);
	qot_project_inline(&params, qot_now_ns(CLOCK_REALTIME), &t);
	tb->len += qot_time_format(&t, space, QOT_TIME_TEXT_MAX);
	return 0;
}

int view_binding(const struct binding *b, struct textbuf *tb)
{
	char req[QOT_REQ_TEXT_MAX];

	qot_req_format(&b->req, req, sizeof(req));
	return textbuf_printf(tb, "id=%llu pid=%d uid=%u name=%s %s\n", (unsigned long long)b->id,
			      (int)b->pid, (unsigned)b->uid, b->name, req);
}

int view_bindings(const struct timeline *tl, struct textbuf *tb)
{
	for (const struct binding *b = timeline_next_binding(tl, NULL); b != NULL;
	     b = timeline_next_binding(tl, b)) {
		int err = view_binding(b, tb);
		if (err)
			return err;
	}
	return 0;
}

int view_requirements(const struct timeline *tl, struct textbuf *tb)
{
	char req[QOT_REQ_TEXT_MAX];

	qot_req_format(timeline_effective(tl), req, sizeof(req));
	return textbuf_printf(tb, "%s\n", req);
}

int view_params(struct pusher *p, struct timeline *tl, struct textbuf *tb)
{
	struct qot_clock_params params;
	char line[QOT_PARAMS_TEXT_MAX];

	pusher_clock_get(p, timeline_clock(tl), &params);
	qot_params_format(&params, timeline_source(tl), line, sizeof(line));
	return textbuf_printf(tb, "%s", line);
}

/*
 * Who disciplines the timeline and how well, evaluated now: the publisher's
 * source, the status, the offset from the base clock, the frequency, the
 * bounds, the age of the parameters, the effective requirement and whether
 * the bounds meet it (a requirement of none is met); then, if the publisher
 * stated them, the parts of its bound at the anchor: the path allowance
 * (asym) and the statistical part (stat). Both zero is a timeline whose
 * parameters were restored from the state file: not stated.
 */
int view_sync(struct pusher *p, struct timeline *tl, struct textbuf *tb)
{
	struct qot_clock_params params;
	struct qot_time t;
	char offset[32], below[32], above[32], age[32], req[QOT_REQ_TEXT_MAX], parts[80] = "";
	const struct qot_req *eff = timeline_effective(tl);
	const char *source = timeline_source(tl);
	struct timespec updated = timeline_updated(tl);
	const struct qot_bound_parts *bp = timeline_parts(tl);
	char note[QOT_NOTE_MAX + 1];
	int64_t now, diff;
	int met;

	pusher_clock_get(p, timeline_clock(tl), &params);
	now = qot_now_ns(CLOCK_REALTIME);
	qot_project_inline(&params, now, &t);
	if (__builtin_sub_overflow(t.estimate, now, &diff))
		diff = t.estimate < now ? INT64_MIN : INT64_MAX;
	qot_fmt_seconds(diff, offset, sizeof(offset));
	qot_fmt_useconds(t.below, below, sizeof(below));
	qot_fmt_useconds(t.above, above, sizeof(above));
	if (updated.tv_sec == 0)
		snprintf(age, sizeof(age), "none");
	else
		qot_fmt_seconds(now - qot_timespec_ns(&updated), age, sizeof(age));
	qot_req_format(eff, req, sizeof(req));
	met = t.below <= eff->acc_below && t.above <= eff->acc_above;
	if ((bp->asym != 0 || bp->stat != 0) &&
	    (bp->asym != QOT_UNBOUNDED || bp->stat != QOT_UNBOUNDED)) {
		char asym[32], stat[32];
		qot_fmt_useconds(bp->asym, asym, sizeof(asym));
		qot_fmt_useconds(bp->stat, stat, sizeof(stat));
		snprintf(parts, sizeof(parts), " asym=%s stat=%s", asym, stat);
	}
	qot_note_render(timeline_note(tl), strlen(timeline_note(tl)), note, sizeof(note));
	return textbuf_printf(
		tb,
		"source=%s status=%s offset=%s freq_ppb=%.3f below=%s above=%s age=%s %s "
		"met=%s%s%s%s\n",
		source[0] ? source : "none", qot_status_name(t.status), offset,
		(double)params.freq * 1e9 / 18446744073709551616.0, below, above, age, req,
		met ? "yes" : "no", parts, note[0] ? " " : "", note);
}

int view_timelines(struct registry *reg, struct textbuf *tb)
{
	for (struct timeline *tl = registry_next(reg, NULL); tl != NULL;
	     tl = registry_next(reg, tl)) {
		int err = textbuf_printf(tb, "%s\n", timeline_name(tl));
		if (err)
			return err;
	}
	return 0;
}

int view_active(struct registry *reg, struct textbuf *tb)
{
	for (struct timeline *tl = registry_next(reg, NULL); tl != NULL;
	     tl = registry_next(reg, tl)) {
		char *space;

		if (!timeline_in_use(tl))
			continue;
		space = textbuf_space(tb, QOT_ACTIVELINE_MAX);
		if (space == NULL)
			return -ENOMEM;
		tb->len += (size_t)qot_activeline_format(timeline_name(tl), timeline_effective(tl),
							 space, QOT_ACTIVELINE_MAX);
	}
	return 0;
}

int view_coordination(const struct registry *reg, struct textbuf *tb)
{
	const struct coord *c = registry_coord(reg);
	int64_t now = coord_now();
	enum coord_state st = coord_state_at(c, now);
	char left[32];

	qot_fmt_seconds(st == COORD_CURRENT ? c->lease_until - now : 0, left, sizeof(left));
	return textbuf_printf(tb, "node=%s state=%s lease=%s\n", c->node[0] ? c->node : "none",
			      coord_state_name(st), left);
}

/* Who leads as this node may claim it: only while the lease runs. */
static const char *leader_now(const struct timeline *tl, enum coord_state st)
{
	const struct qot_membership *m = timeline_members(tl);

	if (st != COORD_CURRENT)
		return st == COORD_NONE ? "none" : "unknown";
	return m->leader[0] ? m->leader : "none";
}

int view_members(const struct registry *reg, const struct timeline *tl, struct textbuf *tb)
{
	enum coord_state st = coord_state_at(registry_coord(reg), coord_now());
	const struct qot_membership *ms = timeline_members(tl);
	const char *leader = leader_now(tl, st);
	char req[QOT_REQ_TEXT_MAX];

	if (st == COORD_NONE)
		return 0;
	for (size_t i = 0; i < ms->n; i++) {
		const struct qot_member *m = &ms->members[i];
		const char *leads = st != COORD_CURRENT		   ? "unknown"
				    : strcmp(m->node, leader) == 0 ? "yes"
								   : "no";
		int err;

		qot_req_format(&m->req, req, sizeof(req));
		err = textbuf_printf(tb, "node=%s leader=%s %s", m->node, leads, req);
		if (!err && m->peer[0])
			err = textbuf_printf(tb, " peer=%s", m->peer);
		if (!err && m->candidate)
			err = textbuf_printf(tb, " rank=%u", m->rank);
		if (!err)
			err = textbuf_printf(tb, "\n");
		if (err)
			return err;
	}
	return 0;
}

/* " order=B1,B2,..." : the candidates after the leader (rank 1, 2, ...), by rank. */
static int put_order(struct textbuf *tb, const struct qot_membership *ms)
{
	unsigned last = 0; /* rank 0 is the leader's */
	int err = 0;
	bool first = true;

	if (ms == NULL)
		return 0;
	for (;;) { /* ranks are unique: the next is the least above the last */
		const struct qot_member *next = NULL;

		for (size_t i = 0; i < ms->n; i++) {
			const struct qot_member *m = &ms->members[i];
			if (m->candidate && m->rank > last &&
			    (next == NULL || m->rank < next->rank))
				next = m;
		}
		if (next == NULL || err)
			return err;
		err = textbuf_printf(tb, "%s%s", first ? " order=" : ",", next->node);
		first = false;
		last = next->rank;
	}
}

int view_cluster(const struct registry *reg, const struct timeline *tl, struct textbuf *tb)
{
	int err;
	const struct coord *c = registry_coord(reg);
	enum coord_state st = coord_state_at(c, coord_now());
	const char *leader = leader_now(tl, st);
	const char *self = c->node[0] ? c->node : "none";
	struct qot_req tightest = qot_req_none;
	char req[QOT_REQ_TEXT_MAX];
	size_t n = st == COORD_NONE ? 0 : timeline_members(tl)->n;

	if (n)
		qot_membership_tightest(timeline_members(tl), &tightest);
	qot_req_format(&tightest, req, sizeof(req));
	err = textbuf_printf(tb, "state=%s node=%s leader=%s leading=%s members=%zu %s",
			     coord_state_name(st), self, leader,
			     st == COORD_CURRENT && strcmp(leader, self) == 0 ? "yes" : "no", n,
			     req);
	if (!err)
		err = put_order(tb, n ? timeline_members(tl) : NULL);
	return err ? err : textbuf_printf(tb, "\n");
}

int64_t view_coord_key(const struct registry *reg)
{
	return 1 + (int64_t)coord_state_at(registry_coord(reg), coord_now());
}
