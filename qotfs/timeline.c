/* SPDX-License-Identifier: Apache-2.0 */
/* timeline.c - bindings, requirements and clock parameters of one timeline. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "page.h"
#include "params.h"
#include "registry.h"
#include "timeline.h"

void timeline_get(struct timeline *tl)
{
	tl->refs++;
}

void timeline_put(struct registry *reg, struct timeline *tl)
{
	if (--tl->refs == 0)
		registry_forget(reg, tl);
}

bool timeline_in_use(const struct timeline *tl)
{
	return tl->nbindings > 0 || !qot_req_equal(&tl->standing, &qot_req_none);
}

/*
 * Recompute the effective requirement; wake its pollers if it moved, and the
 * pollers of /qot/.active if the timeline came into or went out of use or
 * its requirement moved while in use. was_in_use: before the change.
 */
static void requirement_changed(struct registry *reg, struct timeline *tl, bool was_in_use)
{
	struct qot_req eff;
	bool moved, in_use = timeline_in_use(tl);

	reqset_min(&tl->reqs, &eff);
	qot_req_tighten(&eff, &tl->standing);
	moved = !qot_req_equal(&eff, &tl->effective);
	if (moved) {
		tl->effective = eff;
		watchlist_changed(&tl->watch[TL_WATCH_REQUIREMENTS], reg->pusher);
	}
	if (in_use != was_in_use || (in_use && moved))
		watchlist_changed(&reg->active_watch, reg->pusher);
}

static void fill_binding(struct binding *b, const struct qot_bind_spec *spec, pid_t pid)
{
	memcpy(b->name, spec->name, sizeof(b->name));
	b->req = spec->req;
	b->pid = pid;
}

int timeline_bind(struct registry *reg, struct timeline *tl, struct binding **bp,
		  const struct qot_bind_spec *spec, pid_t pid, uid_t uid)
{
	struct binding *b = *bp;
	bool was_in_use = timeline_in_use(tl);
	int err;

	if (tl->removed)
		return -ENOENT;
	if (b != NULL) {
		fill_binding(b, spec, pid);
		reqset_update(&tl->reqs, &b->entry, &b->req);
	} else {
		if (tl->nbindings >= reg->limits.max_bindings_per_timeline)
			return -ENOSPC;
		b = calloc(1, sizeof(*b));
		if (b == NULL)
			return -ENOMEM;
		err = registry_charge_uid(reg, uid);
		if (err == 0 && (err = reqset_add(&tl->reqs, &b->entry, &spec->req)) != 0)
			registry_refund_uid(reg, uid);
		if (err) {
			free(b);
			return err;
		}
		b->id = reg->next_binding_id++;
		b->uid = uid;
		fill_binding(b, spec, pid);
		list_append(&tl->bindings, &b->link);
		tl->nbindings++;
		*bp = b;
	}
	watchlist_changed(&tl->watch[TL_WATCH_BINDINGS], reg->pusher);
	requirement_changed(reg, tl, was_in_use);
	return 0;
}

void timeline_unbind(struct registry *reg, struct timeline *tl, struct binding *b)
{
	bool was_in_use = timeline_in_use(tl);

	reqset_remove(&tl->reqs, &b->entry);
	list_remove(&tl->bindings, &b->link);
	tl->nbindings--;
	registry_refund_uid(reg, b->uid);
	free(b);
	watchlist_changed(&tl->watch[TL_WATCH_BINDINGS], reg->pusher);
	requirement_changed(reg, tl, was_in_use);
}

void timeline_retire(struct registry *reg, struct timeline *tl)
{
	struct qot_clock_params cur, retired;

	pusher_clock_get(reg->pusher, tl->clock, &cur);
	qot_params_retire(&cur, qot_now_ns(CLOCK_REALTIME), &retired);
	pusher_clock_set(reg->pusher, tl->clock, &retired);
	watchlist_changed(&tl->watch[TL_WATCH_CLOCK], reg->pusher);
}

int timeline_set_standing(struct registry *reg, struct timeline *tl, const struct qot_req *req)
{
	bool was_in_use = timeline_in_use(tl);

	if (tl->removed)
		return -ENOENT;
	tl->standing = *req;
	requirement_changed(reg, tl, was_in_use);
	return 0;
}

int timeline_set_members(struct registry *reg, struct timeline *tl, struct qot_membership *m)
{
	if (tl->removed)
		return -ENOENT;
	qot_membership_free(&tl->members);
	tl->members = *m;
	*m = (struct qot_membership){{0}, 0, NULL};
	watchlist_changed(&tl->watch[TL_WATCH_MEMBERS], reg->pusher);
	return 0;
}

int timeline_set_params(struct registry *reg, struct timeline *tl,
			const struct qot_clock_params *params, const char *source)
{
	if (tl->removed)
		return -ENOENT;
	snprintf(tl->source, sizeof(tl->source), "%s", source);
	clock_gettime(CLOCK_REALTIME, &tl->updated);
	pusher_clock_set(reg->pusher, tl->clock, params);
	watchlist_changed(&tl->watch[TL_WATCH_CLOCK], reg->pusher);
	return 0;
}
