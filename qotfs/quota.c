/* SPDX-License-Identifier: Apache-2.0 */
/* quota.c - per-user counts and caps. */
#include <errno.h>
#include <stdlib.h>

#include "hashtab.h"
#include "quota.h"

/* What one user holds; the entry goes when it holds nothing. */
struct uidcount {
	struct hnode node;
	uid_t uid;
	size_t bindings;
	size_t timelines;
	size_t read_bytes;
	size_t files, timers; /* open files, and timer files among them */
};

/* The bindings one user holds on one timeline; the entry goes at 0. */
struct share {
	struct hnode node;
	uid_t uid;
	uint64_t id;
	size_t bindings;
};

struct quota {
	struct hashtab uids;
	struct hashtab shares;
	struct quota_limits limits;
	size_t files, read_bytes; /* of everybody */
};

/* A global cap as it holds a caller: privileged ones have a reserve beyond it. */
static size_t global_cap(size_t cap, bool privileged)
{
	return privileged ? cap + cap / 16 : cap;
}

struct share_key {
	uid_t uid;
	uint64_t id;
};

static int match_share(const struct hnode *n, const void *key)
{
	const struct share *s = container_of(n, struct share, node);
	const struct share_key *k = key;

	return s->uid == k->uid && s->id == k->id;
}

static uint64_t share_hash(uid_t uid, uint64_t id)
{
	return hash_u64(id * 0x9e3779b97f4a7c15ull ^ uid);
}

static int match_uid(const struct hnode *n, const void *key)
{
	return container_of(n, struct uidcount, node)->uid == *(const uid_t *)key;
}

struct quota *quota_new(const struct quota_limits *limits)
{
	struct quota *q = calloc(1, sizeof(*q));

	if (q == NULL)
		return NULL;
	if (hashtab_init(&q->uids) != 0 || hashtab_init(&q->shares) != 0) {
		hashtab_free(&q->uids);
		free(q);
		return NULL;
	}
	q->limits = *limits;
	return q;
}

static void drop_uid(struct hnode *n)
{
	free(container_of(n, struct uidcount, node));
}

static void drop_share(struct hnode *n)
{
	free(container_of(n, struct share, node));
}

void quota_free(struct quota *q)
{
	if (q == NULL)
		return;
	hashtab_drain(&q->uids, drop_uid);
	hashtab_drain(&q->shares, drop_share);
	free(q);
}

size_t quota_users(const struct quota *q)
{
	return q->uids.count;
}

size_t quota_files(const struct quota *q)
{
	return q->files;
}

static struct uidcount *entry(const struct quota *q, uid_t uid)
{
	struct hnode *n = hashtab_find(&q->uids, hash_u64(uid), match_uid, &uid);
	return n ? container_of(n, struct uidcount, node) : NULL;
}

static struct uidcount *entry_new(struct quota *q, uid_t uid)
{
	struct uidcount *u = entry(q, uid);

	if (u != NULL)
		return u;
	u = calloc(1, sizeof(*u));
	if (u == NULL)
		return NULL;
	u->uid = uid;
	hashtab_insert(&q->uids, &u->node, hash_u64(uid));
	return u;
}

static void release_if_idle(struct quota *q, struct uidcount *u)
{
	if (u->bindings == 0 && u->timelines == 0 && u->read_bytes == 0 && u->files == 0) {
		hashtab_remove(&q->uids, &u->node);
		free(u);
	}
}

int quota_charge_timeline(struct quota *q, uid_t uid, bool privileged)
{
	struct uidcount *u = entry_new(q, uid);

	if (u == NULL)
		return -ENOMEM;
	if (!privileged && u->timelines >= q->limits.timelines) {
		release_if_idle(q, u);
		return -EDQUOT;
	}
	u->timelines++;
	return 0;
}

void quota_refund_timeline(struct quota *q, uid_t uid)
{
	struct uidcount *u = entry(q, uid);

	if (u == NULL)
		return;
	u->timelines--;
	release_if_idle(q, u);
}

int quota_charge_binding(struct quota *q, uid_t uid)
{
	struct uidcount *u = entry_new(q, uid);

	if (u == NULL)
		return -ENOMEM;
	if (u->bindings >= q->limits.bindings) {
		release_if_idle(q, u);
		return -EDQUOT;
	}
	u->bindings++;
	return 0;
}

void quota_refund_binding(struct quota *q, uid_t uid)
{
	struct uidcount *u = entry(q, uid);

	if (u == NULL)
		return;
	u->bindings--;
	release_if_idle(q, u);
}

size_t quota_bindings(const struct quota *q, uid_t uid)
{
	struct uidcount *u = entry(q, uid);
	return u ? u->bindings : 0;
}

int quota_charge_read(struct quota *q, uid_t uid, size_t bytes, bool force)
{
	struct uidcount *u = entry_new(q, uid);

	if (u == NULL)
		return -ENOMEM;
	if ((!force && u->read_bytes + bytes > q->limits.read_bytes) ||
	    q->read_bytes + bytes > global_cap(q->limits.total_read_bytes, force)) {
		release_if_idle(q, u);
		return -ENOBUFS;
	}
	u->read_bytes += bytes;
	q->read_bytes += bytes;
	return 0;
}

void quota_refund_read(struct quota *q, uid_t uid, size_t bytes)
{
	struct uidcount *u = entry(q, uid);

	if (u == NULL)
		return;
	u->read_bytes -= bytes;
	q->read_bytes -= bytes;
	release_if_idle(q, u);
}

int quota_charge_open(struct quota *q, uid_t uid, bool timer, bool force)
{
	struct uidcount *u = entry_new(q, uid);

	if (u == NULL)
		return -ENOMEM;
	if (!force && (u->files >= q->limits.files || (timer && u->timers >= q->limits.timers))) {
		release_if_idle(q, u);
		return -EDQUOT;
	}
	if (q->files >= global_cap(q->limits.total_files, force)) {
		release_if_idle(q, u);
		return -ENFILE;
	}
	q->files++;
	u->files++;
	u->timers += timer;
	return 0;
}

void quota_refund_open(struct quota *q, uid_t uid, bool timer)
{
	struct uidcount *u = entry(q, uid);

	if (u == NULL)
		return;
	u->files--;
	q->files--;
	u->timers -= timer;
	release_if_idle(q, u);
}

int quota_charge_share(struct quota *q, uid_t uid, uint64_t id, size_t share, bool force)
{
	struct share_key key = {uid, id};
	uint64_t hash = share_hash(uid, id);
	struct hnode *n = hashtab_find(&q->shares, hash, match_share, &key);
	struct share *s = n ? container_of(n, struct share, node) : NULL;

	if (s != NULL && !force && share != 0 && s->bindings >= share)
		return -EDQUOT;
	if (s == NULL) {
		s = calloc(1, sizeof(*s));
		if (s == NULL)
			return -ENOMEM;
		s->uid = uid;
		s->id = id;
		hashtab_insert(&q->shares, &s->node, hash);
	}
	s->bindings++;
	return 0;
}

void quota_refund_share(struct quota *q, uid_t uid, uint64_t id)
{
	struct share_key key = {uid, id};
	struct hnode *n = hashtab_find(&q->shares, share_hash(uid, id), match_share, &key);
	struct share *s = n ? container_of(n, struct share, node) : NULL;

	if (s != NULL && --s->bindings == 0) {
		hashtab_remove(&q->shares, &s->node);
		free(s);
	}
}
