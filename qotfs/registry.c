/* SPDX-License-Identifier: Apache-2.0 */
/* registry.c - timelines by name and id, creation, removal, the lease, events. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "hashtab.h"
#include "quota.h"
#include "registry.h"

/* A timeline's place in the registry. */
struct entry {
	struct hnode by_name, by_id;
	struct list_node link; /* in the live timelines, while live */
	struct timeline *tl;
};

struct handler {
	event_handler fn;
	void *arg;
};

struct registry {
	struct hashtab by_name, by_id;
	struct list timelines;	 /* live timelines in creation order */
	struct entry **by_order; /* the same, an array: found by id in O(log n) */
	size_t ntimelines, cap;
	uint64_t next_timeline_id;
	struct registry_limits limits;
	struct quota *quota;
	struct timeline_context ctx;
	struct coord coord;
	struct handler handlers[REGISTRY_MAX_HANDLERS];
	size_t nhandlers;
	bool closing; /* registry_free: nobody listens any more */
};

static int match_name(const struct hnode *n, const void *key)
{
	return strcmp(timeline_name(container_of(n, struct entry, by_name)->tl), key) == 0;
}

static int match_id(const struct hnode *n, const void *key)
{
	return timeline_id(container_of(n, struct entry, by_id)->tl) == *(const uint64_t *)key;
}

static void announce(struct registry *reg, const struct event *ev)
{
	if (reg->closing)
		return;
	for (size_t i = 0; i < reg->nhandlers; i++)
		reg->handlers[i].fn(ev, reg->handlers[i].arg);
}

static void on_emit(void *owner, const struct event *ev)
{
	announce(owner, ev);
}

static struct entry *entry_of_id(const struct registry *reg, uint64_t id)
{
	struct hnode *n = hashtab_find(&reg->by_id, hash_u64(id), match_id, &id);
	return n ? container_of(n, struct entry, by_id) : NULL;
}

/* A timeline's last reference went: forget it. */
static void on_last_ref(void *owner, struct timeline *tl)
{
	struct registry *reg = owner;
	struct entry *e = entry_of_id(reg, timeline_id(tl));
	struct event ev = {.kind = EVENT_FREED, .tl = tl};

	announce(reg, &ev);
	if (e != NULL) {
		hashtab_remove(&reg->by_id, &e->by_id);
		free(e);
	}
	timeline_free(tl);
}

struct registry *registry_new(const struct registry_limits *limits, struct pusher *pusher)
{
	struct registry *reg = calloc(1, sizeof(*reg));
	struct quota_limits ql;

	if (reg == NULL)
		return NULL;
	reg->limits = *limits;
	if (reg->limits.max_timers_per_uid == 0)
		reg->limits.max_timers_per_uid = REGISTRY_DEFAULT_MAX_TIMERS_PER_UID;
	if (reg->limits.max_open_per_uid == 0)
		reg->limits.max_open_per_uid = REGISTRY_DEFAULT_MAX_OPEN_PER_UID;
	if (reg->limits.max_open == 0)
		reg->limits.max_open = REGISTRY_DEFAULT_MAX_OPEN;
	if (reg->limits.max_read_bytes == 0)
		reg->limits.max_read_bytes = REGISTRY_DEFAULT_MAX_READ;
	ql = (struct quota_limits){
		.timelines = reg->limits.max_timelines_per_uid,
		.bindings = reg->limits.max_bindings_per_uid,
		.read_bytes = reg->limits.max_read_bytes_per_uid,
		.files = reg->limits.max_open_per_uid,
		.timers = reg->limits.max_timers_per_uid,
		.total_files = reg->limits.max_open,
		.total_read_bytes = reg->limits.max_read_bytes,
	};
	reg->quota = quota_new(&ql);
	if (reg->quota == NULL || hashtab_init(&reg->by_name) || hashtab_init(&reg->by_id)) {
		quota_free(reg->quota);
		hashtab_free(&reg->by_name);
		hashtab_free(&reg->by_id);
		free(reg);
		return NULL;
	}
	reg->next_timeline_id = 1;
	reg->ctx = (struct timeline_context){
		.pusher = pusher,
		.quota = reg->quota,
		.max_bindings = reg->limits.max_bindings_per_timeline,
		.binding_share = reg->limits.max_bindings_share,
		.next_binding_id = 1,
		.owner = reg,
		.emit = on_emit,
		.last_ref = on_last_ref,
	};
	return reg;
}

int registry_subscribe(struct registry *reg, event_handler h, void *arg)
{
	if (reg->nhandlers == REGISTRY_MAX_HANDLERS)
		return -ENOSPC;
	reg->handlers[reg->nhandlers++] = (struct handler){h, arg};
	return 0;
}

const struct registry_limits *registry_limits(const struct registry *reg)
{
	return &reg->limits;
}

struct quota *registry_quota(struct registry *reg)
{
	return reg->quota;
}

size_t registry_count(const struct registry *reg)
{
	return reg->ntimelines;
}

/* The index in by_order of the first live timeline whose id is above id. */
static size_t order_after(const struct registry *reg, uint64_t id)
{
	size_t lo = 0, hi = reg->ntimelines;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (timeline_id(reg->by_order[mid]->tl) <= id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Out of the name table and the live list; the id table keeps it while open. */
static void unlink_timeline(struct registry *reg, struct entry *e)
{
	size_t i = order_after(reg, timeline_id(e->tl) - 1); /* its own place */

	hashtab_remove(&reg->by_name, &e->by_name);
	list_remove(&reg->timelines, &e->link);
	memmove(&reg->by_order[i], &reg->by_order[i + 1],
		(reg->ntimelines - i - 1) * sizeof(*reg->by_order));
	reg->ntimelines--;
	quota_refund_timeline(reg->quota, timeline_charge(e->tl));
	timeline_mark_removed(e->tl);
}

void registry_free(struct registry *reg)
{
	if (reg == NULL)
		return;
	/* Open files were released first, so no one holds these bindings;
	 * nothing is published any more, the pusher has stopped. */
	reg->closing = true;
	while (reg->timelines.first) {
		struct entry *e = container_of(reg->timelines.first, struct entry, link);
		struct timeline *tl = e->tl;
		const struct binding *b;
		while ((b = timeline_next_binding(tl, NULL)) != NULL)
			timeline_unbind(tl, (struct binding *)b);
		unlink_timeline(reg, e);
		timeline_put(tl);
	}
	quota_free(reg->quota);
	hashtab_free(&reg->by_name);
	hashtab_free(&reg->by_id);
	free(reg->by_order);
	free(reg);
}

struct timeline *registry_find_name(struct registry *reg, const char *name, size_t len)
{
	char key[QOT_NAME_MAX + 1];
	struct hnode *n;

	if (len > QOT_NAME_MAX)
		return NULL;
	memcpy(key, name, len);
	key[len] = '\0';
	n = hashtab_find(&reg->by_name, hash_bytes(key, len), match_name, key);
	return n ? container_of(n, struct entry, by_name)->tl : NULL;
}

struct timeline *registry_find_id(struct registry *reg, uint64_t id)
{
	struct entry *e = entry_of_id(reg, id);
	return e ? e->tl : NULL;
}

struct timeline *registry_next(struct registry *reg, const struct timeline *prev)
{
	const struct list_node *n;

	if (prev == NULL)
		n = reg->timelines.first;
	else
		n = entry_of_id(reg, timeline_id(prev))->link.next;
	return n ? container_of(n, struct entry, link)->tl : NULL;
}

struct timeline *registry_after_id(struct registry *reg, uint64_t id)
{
	size_t i = order_after(reg, id);

	return i < reg->ntimelines ? reg->by_order[i]->tl : NULL;
}

int registry_create(struct registry *reg, const char *name, size_t len,
		    const struct timeline_creator *cr, bool privileged, struct timeline **out)
{
	struct event ev = {.kind = EVENT_CREATED};
	struct entry *e;
	int err;

	if (!qot_name_valid(name, len))
		return -EINVAL;
	if (registry_find_name(reg, name, len))
		return -EEXIST;
	if (reg->ntimelines >=
	    reg->limits.max_timelines +
		    (privileged ? REGISTRY_RESERVE(reg->limits.max_timelines) : 0))
		return -ENOSPC;
	if (reg->ntimelines == reg->cap) {
		size_t cap = reg->cap ? 2 * reg->cap : 64;
		struct entry **o = realloc(reg->by_order, cap * sizeof(*o));
		if (o == NULL)
			return -ENOMEM;
		reg->by_order = o;
		reg->cap = cap;
	}
	err = quota_charge_timeline(reg->quota, cr->charge, privileged);
	if (err)
		return err;
	e = calloc(1, sizeof(*e));
	if (e == NULL ||
	    (e->tl = timeline_new(&reg->ctx, reg->next_timeline_id, name, len, cr)) == NULL) {
		free(e);
		quota_refund_timeline(reg->quota, cr->charge);
		return -ENOMEM;
	}
	reg->next_timeline_id++;
	hashtab_insert(&reg->by_name, &e->by_name, hash_bytes(timeline_name(e->tl), len));
	hashtab_insert(&reg->by_id, &e->by_id, hash_u64(timeline_id(e->tl)));
	list_append(&reg->timelines, &e->link);
	reg->by_order[reg->ntimelines++] = e; /* ids only grow: the order holds */
	*out = ev.tl = e->tl;
	announce(reg, &ev);
	return 0;
}

int registry_remove(struct registry *reg, struct timeline *tl, bool bound_too)
{
	struct event ev = {.kind = EVENT_REMOVED, .tl = tl};

	if (timeline_removed(tl))
		return -ENOENT;
	if (timeline_nbindings(tl) > 0 && !bound_too)
		return -EBUSY;
	ev.in_use = timeline_in_use(tl);
	unlink_timeline(reg, entry_of_id(reg, timeline_id(tl)));
	/* Whoever still maps its clock page must not keep trusting it. */
	timeline_retire(tl);
	announce(reg, &ev);
	timeline_put(tl);
	return 0;
}

/* The coordinator's name and lease. Pollers of every timeline's members and
 * cluster files must learn when the coordinator comes, goes or changes name. */
int registry_set_lease(struct registry *reg, const char *buf, size_t len)
{
	struct coord before = reg->coord;
	struct event ev = {.kind = EVENT_LEASE};
	int64_t now = coord_now();
	int err = coord_set_lease(&reg->coord, buf, len);

	if (err)
		return err;
	ev.moved = coord_state_at(&before, now) != coord_state_at(&reg->coord, now) ||
		   strcmp(before.node, reg->coord.node) != 0;
	announce(reg, &ev);
	return 0;
}

const struct coord *registry_coord(const struct registry *reg)
{
	return &reg->coord;
}
