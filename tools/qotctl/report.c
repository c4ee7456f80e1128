/* SPDX-License-Identifier: Apache-2.0 */
/* report.c - the status table, show, and the JSON objects. */
#include <inttypes.h>
#include <string.h>

#include "duration.h"
#include "report.h"
#include "textfmt.h"

#define COLS 11

static const char *const headers[COLS] = {"TIMELINE", "STATUS", "OFFSET",   "BELOW",
					  "ABOVE",    "SOURCE", "ACCURACY", "MET",
					  "BIND",     "LEADER", "MEMBERS"};

static void row_of(const struct tlstate *st, char cells[COLS][TEXTFMT_MAX + QOT_NAME_MAX])
{
	char b[TEXTFMT_MAX];

	snprintf(cells[0], sizeof(cells[0]), "%s", st->name);
	snprintf(cells[1], sizeof(cells[1]), "%s", st->status);
	snprintf(cells[2], sizeof(cells[2]), "%s", textfmt_offset(st->offset_ns, b));
	snprintf(cells[3], sizeof(cells[3]), "%s", textfmt_bound(st->below, b));
	snprintf(cells[4], sizeof(cells[4]), "%s", textfmt_bound(st->above, b));
	snprintf(cells[5], sizeof(cells[5]), "%s", st->source[0] ? st->source : "-");
	snprintf(cells[6], sizeof(cells[6]), "%s", textfmt_accuracy(&st->req, b));
	snprintf(cells[7], sizeof(cells[7]), "%s", st->met ? "yes" : "no");
	snprintf(cells[8], sizeof(cells[8]), "%zu", st->nbindings);
	if (strcmp(st->cl_state, "none") == 0) {
		snprintf(cells[9], sizeof(cells[9]), "-");
		snprintf(cells[10], sizeof(cells[10]), "-");
	} else {
		snprintf(cells[9], sizeof(cells[9]), "%s%s",
			 st->cl_leader[0] ? st->cl_leader : "none", st->cl_leading ? "*" : "");
		snprintf(cells[10], sizeof(cells[10]), "%" PRIu64, st->cl_members);
	}
}

static void put_cell(FILE *f, const char *cell, size_t width, bool last)
{
	if (last)
		fprintf(f, "%s\n", cell);
	else
		fprintf(f, "%-*s  ", (int)width, cell);
}

void report_table(FILE *f, const struct tlstate *sts, size_t n)
{
	char cells[COLS][TEXTFMT_MAX + QOT_NAME_MAX];
	size_t width[COLS];

	for (int c = 0; c < COLS; c++)
		width[c] = strlen(headers[c]);
	for (size_t i = 0; i < n; i++) {
		row_of(&sts[i], cells);
		for (int c = 0; c < COLS; c++)
			if (strlen(cells[c]) > width[c])
				width[c] = strlen(cells[c]);
	}
	for (int c = 0; c < COLS; c++)
		put_cell(f, headers[c], width[c], c + 1 == COLS);
	for (size_t i = 0; i < n; i++) {
		row_of(&sts[i], cells);
		for (int c = 0; c < COLS; c++)
			put_cell(f, cells[c], width[c], c + 1 == COLS);
	}
}

static const char *explain_status(const char *status)
{
	if (strcmp(status, "synced") == 0)
		return "a source disciplines it now";
	if (strcmp(status, "holdover") == 0)
		return "its source went silent; the bounds grow at the drift bound";
	if (strcmp(status, "stale") == 0)
		return "its parameters are past their stale_after: nothing vouches for it";
	return "nobody disciplines it: the host clock, unbounded";
}

void report_show(FILE *f, const struct tlstate *st, const struct tlstate_coord *coord)
{
	const struct qot_clock_params *p = &st->params;
	char b[TEXTFMT_MAX], a[TEXTFMT_MAX], line[QOT_REQ_TEXT_MAX];
	int64_t now = textfmt_now();

	fprintf(f, "%-12s %s\n", "timeline", st->name);
	fprintf(f, "%-12s %s: %s\n", "status", st->status, explain_status(st->status));
	fprintf(f, "%-12s %s\n", "source", st->source[0] ? st->source : "none");
	fprintf(f, "%-12s %s from the system clock (estimate - CLOCK_REALTIME)\n", "offset",
		textfmt_offset(st->offset_ns, b));
	fprintf(f,
		"%-12s below %s, above %s: the true time lies in [estimate - below, "
		"estimate + above]\n",
		"bounds", textfmt_bound(st->below, b), textfmt_bound(st->above, a));
	if (st->has_parts) {
		fprintf(f,
			"%-12s asym %s: the path allowance, what no two-way exchange can observe "
			"(half the round trip, or the stated maximum asymmetry)\n",
			"made of", textfmt_bound(st->asym, b));
		fprintf(f,
			"%-12s stat %s: the statistical part, what the measurements show (noise, "
			"outliers, wander, the reference's stated uncertainty), at the source's "
			"confidence\n",
			"", textfmt_bound(st->stat, b));
		fprintf(f,
			"%-12s (as stated at the last update; the bounds grow from their sum "
			"since)\n",
			"");
	} else {
		fprintf(f, "%-12s not stated by the publisher\n", "made of");
	}
	fprintf(f, "%-12s %s%" PRId64 ".%03" PRId64 " ppb\n", "frequency",
		st->freq_mppb < 0 ? "-" : "",
		(st->freq_mppb < 0 ? -st->freq_mppb : st->freq_mppb) / 1000,
		(st->freq_mppb < 0 ? -st->freq_mppb : st->freq_mppb) % 1000);
	if (st->has_age)
		fprintf(f, "%-12s %s ago\n", "updated", textfmt_bound((uint64_t)st->age_ns, b));
	else
		fprintf(f, "%-12s never: no parameters were written since it was created\n",
			"updated");
	if (p->stale_after == QOT_NEVER)
		fprintf(f, "%-12s never\n", "stale after");
	else
		fprintf(f, "%-12s %s (%s %s)\n", "stale after", textfmt_utc(p->stale_after, b),
			p->stale_after >= now ? "in" : "passed",
			textfmt_bound(p->stale_after >= now ? (uint64_t)(p->stale_after - now)
							    : (uint64_t)(now - p->stale_after),
				      a));
	qot_req_format(&st->req, line, sizeof(line));
	fprintf(f, "%-12s %s: %s\n", "requirement", line,
		st->met ? "met (the bounds fit the accuracy)"
			: "NOT met (the bounds do not fit the accuracy)");
	if (st->note[0])
		fprintf(f, "%-12s %s\n", "publisher", st->note);
	fprintf(f, "%-12s %zu\n", "bindings", st->nbindings);
	for (size_t i = 0; i < st->nbindings; i++) {
		const struct tlstate_binding *bd = &st->bindings[i];
		qot_req_format(&bd->req, line, sizeof(line));
		fprintf(f, "  id=%" PRIu64 " pid=%" PRId64 " uid=%" PRIu64 " name=%s %s\n", bd->id,
			bd->pid, bd->uid, bd->name, line);
	}
	if (strcmp(st->cl_state, "none") == 0) {
		fprintf(f, "%-12s none (no coordinator)\n", "cluster");
	} else {
		qot_req_format(&st->cl_req, line, sizeof(line));
		fprintf(f, "%-12s %s, node %s, leader %s%s, %" PRIu64 " members, %s\n", "cluster",
			st->cl_state, st->cl_node[0] ? st->cl_node : "none",
			st->cl_leader[0] ? st->cl_leader : "none",
			st->cl_leading ? " (this node)" : "", st->cl_members, line);
		if (st->cl_order[0])
			fprintf(f, "%-12s %s\n", "backups", st->cl_order);
		for (size_t i = 0; i < st->nmembers; i++) {
			const struct tlstate_member *m = &st->members[i];

			qot_req_format(&m->req, line, sizeof(line));
			fprintf(f, "  node=%s leader=%s %s", m->node, m->leader, line);
			if (m->peer[0])
				fprintf(f, " peer=%s", m->peer);
			if (m->rank >= 0)
				fprintf(f, " rank=%" PRId64, m->rank);
			fprintf(f, "\n");
		}
	}
	if (coord != NULL && strcmp(coord->state, "none") != 0)
		fprintf(f, "%-12s node %s, lease %s, %s left\n", "coordinator",
			coord->node[0] ? coord->node : "none", coord->state,
			textfmt_bound(coord->lease_ns > 0 ? (uint64_t)coord->lease_ns : 0, b));
	qot_dur_format(st->hlc_ahead_max, b, sizeof(b));
	qot_dur_format(st->hlc_max_offset, a, sizeof(a));
	fprintf(f,
		"%-12s last %s, %" PRIu64 " events, %" PRIu64 " received, %" PRIu64
		" refused, %" PRIu64 " malformed, ahead at most %s (limit %s)\n",
		"hlc", st->hlc_last, st->hlc_events, st->hlc_received, st->hlc_refused,
		st->hlc_malformed, b, a);
	fprintf(f,
		"%-12s status=%s anchor=%" PRId64 " timeline=%" PRId64 " freq=%" PRId64
		" offset_below=%s",
		"parameters",
		p->status == QOT_STATUS_SYNCED	   ? "synced"
		: p->status == QOT_STATUS_HOLDOVER ? "holdover"
						   : "unsynced",
		p->anchor, p->anchor_tl, p->freq,
		p->offset_below == QOT_UNBOUNDED ? "unbounded" : "");
	if (p->offset_below != QOT_UNBOUNDED)
		fprintf(f, "%" PRIu64, p->offset_below);
	fprintf(f, " offset_above=");
	if (p->offset_above == QOT_UNBOUNDED)
		fprintf(f, "unbounded");
	else
		fprintf(f, "%" PRIu64, p->offset_above);
	fprintf(f, " drift_below=%" PRIu64 " drift_above=%" PRIu64, p->drift_below, p->drift_above);
	if (p->stale_after == QOT_NEVER)
		fprintf(f, " stale_after=never\n");
	else
		fprintf(f, " stale_after=%" PRId64 "\n", p->stale_after);
}

void report_json_req(jsonw *w, const char *key, const struct qot_req *req)
{
	jsonw_obj_begin(w, key);
	jsonw_bound(w, "accuracy_below_ns", req->acc_below);
	jsonw_bound(w, "accuracy_above_ns", req->acc_above);
	jsonw_bound(w, "resolution_ns", req->resolution);
	jsonw_obj_end(w);
}

static const char *param_status(uint32_t s)
{
	return s == QOT_STATUS_SYNCED	  ? "synced"
	       : s == QOT_STATUS_HOLDOVER ? "holdover"
					  : "unsynced";
}

void report_json_timeline(jsonw *w, const char *key, const struct tlstate *st)
{
	const struct qot_clock_params *p = &st->params;

	jsonw_obj_begin(w, key);
	jsonw_str(w, "name", st->name);
	jsonw_str(w, "status", st->status);
	jsonw_name(w, "source", st->source);
	jsonw_i64(w, "offset_ns", st->offset_ns);
	jsonw_bound(w, "below_ns", st->below);
	jsonw_bound(w, "above_ns", st->above);
	if (st->has_parts) {
		jsonw_bound(w, "asym_ns", st->asym);
		jsonw_bound(w, "stat_ns", st->stat);
	} else {
		jsonw_null(w, "asym_ns");
		jsonw_null(w, "stat_ns");
	}
	if (st->has_age)
		jsonw_i64(w, "age_ns", st->age_ns);
	else
		jsonw_null(w, "age_ns");
	jsonw_fixed(w, "freq_ppb", st->freq_mppb, 3);
	report_json_req(w, "requirement", &st->req);
	jsonw_bool(w, "met", st->met);
	jsonw_arr_begin(w, "bindings");
	for (size_t i = 0; i < st->nbindings; i++) {
		const struct tlstate_binding *b = &st->bindings[i];
		jsonw_obj_begin(w, NULL);
		jsonw_u64(w, "id", b->id);
		jsonw_i64(w, "pid", b->pid);
		jsonw_u64(w, "uid", b->uid);
		jsonw_str(w, "name", b->name);
		report_json_req(w, "requirement", &b->req);
		jsonw_obj_end(w);
	}
	jsonw_arr_end(w);
	jsonw_obj_begin(w, "cluster");
	jsonw_str(w, "state", st->cl_state);
	jsonw_name(w, "node", st->cl_node);
	jsonw_name(w, "leader", st->cl_leader);
	jsonw_bool(w, "leading", st->cl_leading);
	jsonw_u64(w, "members", st->cl_members);
	report_json_req(w, "requirement", &st->cl_req);
	jsonw_obj_end(w);
	jsonw_arr_begin(w, "members");
	for (size_t i = 0; i < st->nmembers; i++) {
		jsonw_obj_begin(w, NULL);
		jsonw_str(w, "node", st->members[i].node);
		jsonw_str(w, "leader", st->members[i].leader);
		report_json_req(w, "requirement", &st->members[i].req);
		jsonw_obj_end(w);
	}
	jsonw_arr_end(w);
	jsonw_obj_begin(w, "params");
	jsonw_str(w, "status", param_status(p->status));
	jsonw_i64(w, "anchor_ns", p->anchor);
	jsonw_i64(w, "timeline_ns", p->anchor_tl);
	jsonw_i64(w, "freq", p->freq);
	jsonw_bound(w, "offset_below_ns", p->offset_below);
	jsonw_bound(w, "offset_above_ns", p->offset_above);
	jsonw_u64(w, "drift_below", p->drift_below);
	jsonw_u64(w, "drift_above", p->drift_above);
	if (p->stale_after == QOT_NEVER)
		jsonw_null(w, "stale_after_ns");
	else
		jsonw_i64(w, "stale_after_ns", p->stale_after);
	jsonw_name(w, "source", st->ctl_source);
	jsonw_obj_end(w);
	jsonw_obj_begin(w, "hlc");
	jsonw_str(w, "last", st->hlc_last);
	jsonw_u64(w, "events", st->hlc_events);
	jsonw_u64(w, "received", st->hlc_received);
	jsonw_u64(w, "refused", st->hlc_refused);
	jsonw_u64(w, "malformed", st->hlc_malformed);
	jsonw_u64(w, "ahead_max_ns", st->hlc_ahead_max);
	jsonw_bound(w, "max_offset_ns", st->hlc_max_offset);
	jsonw_obj_end(w);
	jsonw_obj_end(w);
}

void report_json_coord(jsonw *w, const char *key, const struct tlstate_coord *coord)
{
	jsonw_obj_begin(w, key);
	jsonw_name(w, "node", coord->node);
	jsonw_str(w, "state", coord->state);
	jsonw_i64(w, "lease_ns", coord->lease_ns);
	jsonw_obj_end(w);
}

int report_healthy(const struct tlstate *st)
{
	return (strcmp(st->status, "synced") == 0 || strcmp(st->status, "holdover") == 0) &&
	       st->met;
}
