/* SPDX-License-Identifier: Apache-2.0 */
/* timeline.c - bindings, requirements and clock parameters of one timeline. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "nodes.h"
#include "note.h"
#include "page.h"
#include "params.h"
#include "pusher.h"
#include "quota.h"
#include "timeline.h"

struct timeline {
	struct timeline_context *ctx;
	uint64_t id;
	char name[QOT_NAME_MAX + 1];
	uid_t owner;
	gid_t group;
	uid_t charge;	     /* whom it is charged to */
	ino_t owner_userns;  /* for the daemon's own uid: the creator's user namespace */
	int owner_userns_fd; /* holds that namespace, so its number is not reused; or -1 */
	struct timespec created;
	unsigned refs; /* the registry's while live, one per open file */
	bool removed;

	struct list bindings; /* in creation order */
	size_t nbindings;
	struct reqset reqs;
	struct qot_req standing;
	struct qot_req effective;

	struct clockpub *clock;
	char source[QOT_NAME_MAX + 1]; /* who published the parameters, "" if nobody */
	struct timespec updated;       /* when they were published (CLOCK_REALTIME) */
	struct qot_bound_parts parts;  /* what the publisher said its bound is made of */
	char note[QOT_NOTE_MAX + 1];   /* the sync daemon's words for sync, "" if none */

	struct qot_membership members; /* as the coordinator last wrote it */
	struct tl_hlc hlc;	       /* the node-wide HLC (hlcfile.h) */
};

static struct timespec ns_timespec(int64_t ns)
{
	int64_t sec = ns / 1000000000, rem = ns % 1000000000;

	if (rem < 0) {
		sec--;
		rem += 1000000000;
	}
	return (struct timespec){(time_t)sec, (long)rem};
}

static void emit(struct timeline *tl, enum event_kind kind)
{
	struct event ev = {.kind = kind, .tl = tl};

	tl->ctx->emit(tl->ctx->owner, &ev);
}

struct timeline *timeline_new(struct timeline_context *ctx, uint64_t id, const char *name,
			      size_t len, const struct timeline_creator *cr)
{
	struct qot_clock_params params;
	struct timeline *tl = calloc(1, sizeof(*tl));

	if (tl == NULL)
		return NULL;
	if (cr->created != 0)
		tl->created = ns_timespec(cr->created);
	else
		clock_gettime(CLOCK_REALTIME, &tl->created);
	qot_params_unknown(&params, qot_timespec_ns(&tl->created));
	tl->clock = pusher_clock_new(ctx->pusher, node_ino(id, NODE_CLOCK), &params);
	if (tl->clock == NULL) {
		free(tl);
		return NULL;
	}
	tl->ctx = ctx;
	tl->id = id;
	memcpy(tl->name, name, len);
	tl->name[len] = '\0';
	tl->owner = cr->owner;
	tl->charge = cr->charge;
	tl->group = cr->group;
	tl->owner_userns = cr->userns;
	tl->owner_userns_fd = cr->userns_fd;
	tl->refs = 1;
	reqset_init(&tl->reqs);
	tl->standing = qot_req_none;
	tl->effective = qot_req_none;
	return tl;
}

void timeline_mark_removed(struct timeline *tl)
{
	tl->removed = true;
	if (tl->owner_userns_fd >= 0) {
		close(tl->owner_userns_fd);
		tl->owner_userns_fd = -1;
	}
}

void timeline_free(struct timeline *tl)
{
	pusher_clock_put(tl->ctx->pusher, tl->clock);
	reqset_free(&tl->reqs);
	qot_membership_free(&tl->members);
	if (tl->owner_userns_fd >= 0)
		close(tl->owner_userns_fd);
	free(tl);
}

void timeline_get(struct timeline *tl)
{
	tl->refs++;
}

void timeline_put(struct timeline *tl)
{
	if (--tl->refs == 0)
		tl->ctx->last_ref(tl->ctx->owner, tl);
}

uint64_t timeline_id(const struct timeline *tl)
{
	return tl->id;
}

const char *timeline_name(const struct timeline *tl)
{
	return tl->name;
}

uid_t timeline_owner(const struct timeline *tl)
{
	return tl->owner;
}

gid_t timeline_group(const struct timeline *tl)
{
	return tl->group;
}

uid_t timeline_charge(const struct timeline *tl)
{
	return tl->charge;
}

ino_t timeline_owner_userns(const struct timeline *tl)
{
	return tl->owner_userns;
}

struct timespec timeline_created(const struct timeline *tl)
{
	return tl->created;
}

bool timeline_removed(const struct timeline *tl)
{
	return tl->removed;
}

const struct qot_req *timeline_standing(const struct timeline *tl)
{
	return &tl->standing;
}

const struct qot_req *timeline_effective(const struct timeline *tl)
{
	return &tl->effective;
}

size_t timeline_nbindings(const struct timeline *tl)
{
	return tl->nbindings;
}

const struct binding *timeline_next_binding(const struct timeline *tl, const struct binding *prev)
{
	const struct list_node *n = prev ? prev->link.next : tl->bindings.first;
	return n ? container_of(n, struct binding, link) : NULL;
}

struct clockpub *timeline_clock(const struct timeline *tl)
{
	return tl->clock;
}

const char *timeline_source(const struct timeline *tl)
{
	return tl->source;
}

struct timespec timeline_updated(const struct timeline *tl)
{
	return tl->updated;
}

const struct qot_bound_parts *timeline_parts(const struct timeline *tl)
{
	return &tl->parts;
}

void timeline_set_parts(struct timeline *tl, const struct qot_bound_parts *parts)
{
	tl->parts = *parts;
}

const char *timeline_note(const struct timeline *tl)
{
	return tl->note;
}

int timeline_set_note(struct timeline *tl, const char *text, size_t len)
{
	int n = qot_note_check(text, len);
	bool news;

	if (n < 0)
		return n;
	if (tl->removed)
		return -ENOENT;
	news = !qot_note_same_news(tl->note, strlen(tl->note), text, (size_t)n);
	memcpy(tl->note, text, (size_t)n);
	tl->note[n] = '\0';
	if (news)
		emit(tl, EVENT_NOTE); /* an age that moved alone wakes nobody */
	return 0;
}

const struct qot_membership *timeline_members(const struct timeline *tl)
{
	return &tl->members;
}

const struct tl_hlc *timeline_hlc(const struct timeline *tl)
{
	return &tl->hlc;
}

bool timeline_in_use(const struct timeline *tl)
{
	return tl->nbindings > 0 || !qot_req_equal(&tl->standing, &qot_req_none);
}

/*
 * Recompute the effective requirement; announce it if it moved, and announce
 * EVENT_ACTIVE if the timeline came into or went out of use or its
 * requirement moved while in use. was_in_use: before the change.
 */
static void requirement_changed(struct timeline *tl, bool was_in_use)
{
	struct qot_req eff;
	bool moved, in_use = timeline_in_use(tl);

	reqset_min(&tl->reqs, &eff);
	qot_req_tighten(&eff, &tl->standing);
	moved = !qot_req_equal(&eff, &tl->effective);
	if (moved) {
		tl->effective = eff;
		emit(tl, EVENT_REQUIREMENT);
	}
	/* A removed timeline is in nobody's list any more (a privileged rmdir
	 * may remove one that is bound). */
	if (!tl->removed && (in_use != was_in_use || (in_use && moved)))
		emit(tl, EVENT_ACTIVE);
}

static void fill_binding(struct binding *b, const struct qot_bind_spec *spec, pid_t pid)
{
	memcpy(b->name, spec->name, sizeof(b->name));
	b->req = spec->req;
	b->pid = pid;
}

int timeline_bind(struct timeline *tl, struct binding **bp, const struct qot_bind_spec *spec,
		  pid_t pid, uid_t uid, uid_t charge, bool privileged)
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
		struct quota *q = tl->ctx->quota;

		if (tl->nbindings >= tl->ctx->max_bindings)
			return -ENOSPC;
		b = calloc(1, sizeof(*b));
		if (b == NULL)
			return -ENOMEM;
		err = quota_charge_binding(q, charge);
		if (err == 0 && (err = quota_charge_share(q, charge, tl->id, tl->ctx->binding_share,
							  privileged)))
			quota_refund_binding(q, charge);
		if (err == 0 && (err = reqset_add(&tl->reqs, &b->entry, &spec->req)) != 0) {
			quota_refund_share(q, charge, tl->id);
			quota_refund_binding(q, charge);
		}
		if (err) {
			free(b);
			return err;
		}
		b->id = tl->ctx->next_binding_id++;
		b->uid = uid;
		b->charge = charge;
		fill_binding(b, spec, pid);
		list_append(&tl->bindings, &b->link);
		tl->nbindings++;
		*bp = b;
	}
	emit(tl, EVENT_BINDINGS);
	requirement_changed(tl, was_in_use);
	return 0;
}

void timeline_unbind(struct timeline *tl, struct binding *b)
{
	bool was_in_use = timeline_in_use(tl);

	reqset_remove(&tl->reqs, &b->entry);
	list_remove(&tl->bindings, &b->link);
	tl->nbindings--;
	quota_refund_binding(tl->ctx->quota, b->charge);
	quota_refund_share(tl->ctx->quota, b->charge, tl->id);
	free(b);
	emit(tl, EVENT_BINDINGS);
	requirement_changed(tl, was_in_use);
}

void timeline_retire(struct timeline *tl)
{
	struct qot_clock_params cur, retired;

	pusher_clock_get(tl->ctx->pusher, tl->clock, &cur);
	qot_params_retire(&cur, qot_now_ns(CLOCK_REALTIME), &retired);
	pusher_clock_set(tl->ctx->pusher, tl->clock, &retired);
	emit(tl, EVENT_RETIRED);
}

int timeline_set_standing(struct timeline *tl, const struct qot_req *req)
{
	bool was_in_use = timeline_in_use(tl);

	if (tl->removed)
		return -ENOENT;
	tl->standing = *req;
	emit(tl, EVENT_STANDING);
	requirement_changed(tl, was_in_use);
	return 0;
}

int timeline_set_members(struct timeline *tl, struct qot_membership *m)
{
	if (tl->removed)
		return -ENOENT;
	qot_membership_free(&tl->members);
	tl->members = *m;
	*m = (struct qot_membership){{0}, 0, NULL};
	emit(tl, EVENT_MEMBERS);
	return 0;
}

int timeline_set_params(struct timeline *tl, const struct qot_clock_params *params,
			const char *source, int64_t updated)
{
	struct event ev = {.kind = EVENT_PARAMS, .tl = tl, .params = params};

	if (tl->removed)
		return -ENOENT;
	snprintf(tl->source, sizeof(tl->source), "%s", source);
	if (updated != 0)
		tl->updated = ns_timespec(updated);
	else
		clock_gettime(CLOCK_REALTIME, &tl->updated);
	pusher_clock_set(tl->ctx->pusher, tl->clock, params);
	tl->ctx->emit(tl->ctx->owner, &ev);
	return 0;
}

int timeline_hlc_read(struct timeline *tl, struct textbuf *tb)
{
	return hlcfile_read(tl->ctx->pusher, tl->clock, &tl->hlc, tb);
}

int timeline_hlc_write(struct timeline *tl, const char *buf, size_t size, uint64_t max_offset)
{
	return hlcfile_write(tl->ctx->pusher, tl->clock, &tl->hlc, buf, size, max_offset);
}

void timeline_restore_hlc(struct timeline *tl, const struct qot_hlc_ts *state)
{
	tl->hlc.state = *state;
}
