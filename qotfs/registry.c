/* SPDX-License-Identifier: Apache-2.0 */
/* registry.c - timelines by name and id, creation, removal and caps. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "nodes.h"
#include "page.h"
#include "params.h"
#include "registry.h"

/* What one user holds; the entry goes when it holds nothing. */
struct uidcount {
	struct hnode node;
	uid_t uid;
	size_t bindings;
	size_t timelines;
	size_t read_bytes;
	size_t files, timers; /* open files, and timer files among them */
};

static int match_name(const struct hnode *n, const void *key)
{
	const struct timeline *tl = container_of(n, struct timeline, by_name);
	return strcmp(tl->name, key) == 0;
}

static int match_id(const struct hnode *n, const void *key)
{
	return container_of(n, struct timeline, by_id)->id == *(const uint64_t *)key;
}

static int match_uid(const struct hnode *n, const void *key)
{
	return container_of(n, struct uidcount, node)->uid == *(const uid_t *)key;
}

int registry_init(struct registry *reg, const struct registry_limits *limits, struct pusher *pusher)
{
	memset(reg, 0, sizeof(*reg));
	if (hashtab_init(&reg->by_name) || hashtab_init(&reg->by_id) || hashtab_init(&reg->uids)) {
		hashtab_free(&reg->by_name);
		hashtab_free(&reg->by_id);
		hashtab_free(&reg->uids);
		return -ENOMEM;
	}
	reg->limits = *limits;
	if (reg->limits.max_timers_per_uid == 0)
		reg->limits.max_timers_per_uid = REGISTRY_DEFAULT_MAX_TIMERS_PER_UID;
	if (reg->limits.max_open_per_uid == 0)
		reg->limits.max_open_per_uid = REGISTRY_DEFAULT_MAX_OPEN_PER_UID;
	reg->pusher = pusher;
	reg->next_timeline_id = 1;
	reg->next_binding_id = 1;
	watchlist_init(&reg->timelines_watch);
	watchlist_init(&reg->active_watch);
	watchlist_init(&reg->coord_watch);
	return 0;
}

static struct uidcount *uid_entry(struct registry *reg, uid_t uid, bool create);
static void uid_release_if_idle(struct registry *reg, struct uidcount *u);

/* Out of the name table and the live list; the id table keeps it while open. */
static void unlink_timeline(struct registry *reg, struct timeline *tl)
{
	struct uidcount *u = uid_entry(reg, tl->owner, false);

	hashtab_remove(&reg->by_name, &tl->by_name);
	list_remove(&reg->timelines, &tl->link);
	tl->removed = true;
	reg->ntimelines--;
	if (u) {
		u->timelines--;
		uid_release_if_idle(reg, u);
	}
	if (tl->owner_userns_fd >= 0) {
		close(tl->owner_userns_fd);
		tl->owner_userns_fd = -1;
	}
}

void registry_free(struct registry *reg)
{
	/* Open files were released first (fs_free), so no one holds these
	 * bindings; nothing is published any more, the pusher has stopped. */
	while (reg->timelines.first) {
		struct timeline *tl = container_of(reg->timelines.first, struct timeline, link);
		while (tl->bindings.first)
			timeline_unbind(reg, tl,
					container_of(tl->bindings.first, struct binding, link));
		unlink_timeline(reg, tl);
		timeline_put(reg, tl);
	}
	watchlist_free(&reg->timelines_watch);
	watchlist_free(&reg->active_watch);
	watchlist_free(&reg->coord_watch);
	for (size_t i = 0; i < reg->uids.nbuckets; i++) {
		struct hnode *n = reg->uids.buckets[i], *next;
		for (; n != NULL; n = next) {
			next = n->next;
			free(container_of(n, struct uidcount, node));
		}
	}
	hashtab_free(&reg->by_name);
	hashtab_free(&reg->by_id);
	hashtab_free(&reg->uids);
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
	return n ? container_of(n, struct timeline, by_name) : NULL;
}

struct timeline *registry_find_id(struct registry *reg, uint64_t id)
{
	struct hnode *n = hashtab_find(&reg->by_id, hash_u64(id), match_id, &id);
	return n ? container_of(n, struct timeline, by_id) : NULL;
}

int registry_create(struct registry *reg, const char *name, size_t len, uid_t owner, gid_t group,
		    bool privileged, struct timeline **out)
{
	struct qot_clock_params params;
	struct timeline *tl;
	struct uidcount *u;

	if (!qot_name_valid(name, len))
		return -EINVAL;
	if (registry_find_name(reg, name, len))
		return -EEXIST;
	if (reg->ntimelines >= reg->limits.max_timelines)
		return -ENOSPC;
	u = uid_entry(reg, owner, true);
	if (u == NULL)
		return -ENOMEM;
	if (!privileged && u->timelines >= reg->limits.max_timelines_per_uid) {
		uid_release_if_idle(reg, u);
		return -EDQUOT;
	}
	tl = calloc(1, sizeof(*tl));
	if (tl == NULL) {
		uid_release_if_idle(reg, u);
		return -ENOMEM;
	}
	tl->id = reg->next_timeline_id;
	clock_gettime(CLOCK_REALTIME, &tl->created);
	qot_params_unknown(&params, qot_timespec_ns(&tl->created));
	tl->clock = pusher_clock_new(reg->pusher, node_ino(tl->id, NODE_CLOCK), &params);
	if (tl->clock == NULL) {
		free(tl);
		uid_release_if_idle(reg, u);
		return -ENOMEM;
	}
	u->timelines++;
	tl->owner_userns_fd = -1;
	reg->next_timeline_id++;
	memcpy(tl->name, name, len);
	tl->name[len] = '\0';
	tl->owner = owner;
	tl->group = group;
	tl->refs = 1;
	reqset_init(&tl->reqs);
	tl->standing = qot_req_none;
	tl->effective = qot_req_none;
	for (int i = 0; i < TL_NWATCH; i++)
		watchlist_init(&tl->watch[i]);

	hashtab_insert(&reg->by_name, &tl->by_name, hash_bytes(tl->name, len));
	hashtab_insert(&reg->by_id, &tl->by_id, hash_u64(tl->id));
	list_append(&reg->timelines, &tl->link);
	reg->ntimelines++;
	watchlist_changed(&reg->timelines_watch, reg->pusher);
	*out = tl;
	return 0;
}

int registry_remove(struct registry *reg, struct timeline *tl)
{
	if (tl->removed)
		return -ENOENT;
	if (tl->nbindings > 0)
		return -EBUSY;
	if (timeline_in_use(tl))
		watchlist_changed(&reg->active_watch, reg->pusher);
	unlink_timeline(reg, tl);
	/* Whoever still maps its clock page must not keep trusting it. */
	timeline_retire(reg, tl);
	watchlist_changed(&reg->timelines_watch, reg->pusher);
	/* Whoever polls a file of this timeline learns that it is gone. */
	for (int i = 0; i < TL_NWATCH; i++)
		watchlist_changed(&tl->watch[i], reg->pusher);
	timeline_put(reg, tl);
	return 0;
}

void registry_forget(struct registry *reg, struct timeline *tl)
{
	hashtab_remove(&reg->by_id, &tl->by_id);
	pusher_clock_put(reg->pusher, tl->clock);
	reqset_free(&tl->reqs);
	qot_membership_free(&tl->members);
	for (int i = 0; i < TL_NWATCH; i++)
		watchlist_free(&tl->watch[i]);
	free(tl);
}

static struct uidcount *uid_entry(struct registry *reg, uid_t uid, bool create)
{
	struct hnode *n = hashtab_find(&reg->uids, hash_u64(uid), match_uid, &uid);
	struct uidcount *u;

	if (n != NULL || !create)
		return n ? container_of(n, struct uidcount, node) : NULL;
	u = calloc(1, sizeof(*u));
	if (u == NULL)
		return NULL;
	u->uid = uid;
	hashtab_insert(&reg->uids, &u->node, hash_u64(uid));
	return u;
}

static void uid_release_if_idle(struct registry *reg, struct uidcount *u)
{
	if (u->bindings == 0 && u->timelines == 0 && u->read_bytes == 0 && u->files == 0) {
		hashtab_remove(&reg->uids, &u->node);
		free(u);
	}
}

int registry_charge_uid(struct registry *reg, uid_t uid)
{
	struct uidcount *u = uid_entry(reg, uid, true);

	if (u == NULL)
		return -ENOMEM;
	if (u->bindings >= reg->limits.max_bindings_per_uid) {
		uid_release_if_idle(reg, u);
		return -EDQUOT;
	}
	u->bindings++;
	return 0;
}

void registry_refund_uid(struct registry *reg, uid_t uid)
{
	struct uidcount *u = uid_entry(reg, uid, false);

	if (u == NULL)
		return;
	u->bindings--;
	uid_release_if_idle(reg, u);
}

size_t registry_uid_bindings(struct registry *reg, uid_t uid)
{
	struct uidcount *u = uid_entry(reg, uid, false);
	return u ? u->bindings : 0;
}

int registry_charge_read(struct registry *reg, uid_t uid, size_t bytes, bool force)
{
	struct uidcount *u = uid_entry(reg, uid, true);

	if (u == NULL)
		return -ENOMEM;
	if (!force && u->read_bytes + bytes > reg->limits.max_read_bytes_per_uid) {
		uid_release_if_idle(reg, u);
		return -ENOBUFS;
	}
	u->read_bytes += bytes;
	return 0;
}

void registry_refund_read(struct registry *reg, uid_t uid, size_t bytes)
{
	struct uidcount *u = uid_entry(reg, uid, false);

	if (u == NULL)
		return;
	u->read_bytes -= bytes;
	uid_release_if_idle(reg, u);
}

int registry_charge_open(struct registry *reg, uid_t uid, bool timer, bool force)
{
	struct uidcount *u = uid_entry(reg, uid, true);

	if (u == NULL)
		return -ENOMEM;
	if (!force && (u->files >= reg->limits.max_open_per_uid ||
		       (timer && u->timers >= reg->limits.max_timers_per_uid))) {
		uid_release_if_idle(reg, u);
		return -EDQUOT;
	}
	u->files++;
	u->timers += timer;
	return 0;
}

void registry_refund_open(struct registry *reg, uid_t uid, bool timer)
{
	struct uidcount *u = uid_entry(reg, uid, false);

	if (u == NULL)
		return;
	u->files--;
	u->timers -= timer;
	uid_release_if_idle(reg, u);
}
