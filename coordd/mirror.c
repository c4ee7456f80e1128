/* SPDX-License-Identifier: Apache-2.0 */
/* mirror.c - local timelines to ZooKeeper members and candidates, and back. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "election.h"
#include "log.h"
#include "members.h"
#include "mirror.h"
#include "session.h"
#include "zkpath.h"

/* Bounded retries of one step whose ground moves (a node that comes and goes). */
#define ATTEMPTS 4

struct tl_mirror {
	char name[QOT_NAME_MAX + 1];
	bool in_use;	    /* listed in .active */
	struct qot_req req; /* its effective requirement there */
	bool dirty;	    /* reconcile at the next pass */
	int64_t hold_until; /* a requirement change held down until then (0: none) */
	bool seen;	    /* scratch: listed by the last reading of .active */
	int epoch;	    /* the session the ZooKeeper state below belongs to */
	bool member;	    /* our member node exists, holding published */
	struct qot_req published;
	bool swept;			   /* leftovers of old sessions removed (this epoch) */
	char candidate[QOT_NAME_MAX + 16]; /* our election child, "" if none */
	char *written;			   /* the members text last written locally */
	int last_rc;			   /* the last pass's ZooKeeper error, logged once */
};

struct mirror {
	struct session *s;
	struct qot_follower *f;
	int slot; /* ours among the follower's subscribers */
	const char *node;
	const char *peer;  /* this node's syncd peer endpoint, "" for none */
	int parents_epoch; /* the session in which /qot/timelines was ensured */
	int64_t hold_ns;   /* how long a requirement change is held down */
};

/* The requirement of t (in use before and after) changed: reconcile once the
 * hold is over. The first change of a burst starts the hold, the others ride
 * along with it. Joining and leaving are never held: a candidacy must start
 * and end with the use it stands for. */
static void hold(struct mirror *m, struct tl_mirror *t)
{
	t->dirty = true;
	if (m->hold_ns > 0 && t->hold_until == 0)
		t->hold_until = session_now() + m->hold_ns;
}

/* The i-th local timeline's mirror, or NULL. */
static struct tl_mirror *at(const struct mirror *m, size_t i)
{
	return qot_follower_tl_state(qot_follower_get(m->f, i), m->slot);
}

static struct tl_mirror *find(struct mirror *m, const char *name)
{
	struct qot_follower_tl *tl = qot_follower_find(m->f, name);

	return tl ? qot_follower_tl_state(tl, m->slot) : NULL;
}

/* ---- ZooKeeper steps; each returns a ZooKeeper code ---- */

static int create_parent(struct mirror *m, const char *path, int flags)
{
	int rc = session_create(m->s, path, NULL, -1, flags, NULL, 0);
	return rc == ZNODEEXISTS ? ZOK : rc;
}

/* The timeline's containers vanish when empty; make them again when needed. */
static int ensure_parents(struct mirror *m, const char *tl)
{
	char path[ZKPATH_MAX];
	int rc;

	if (m->parents_epoch != session_epoch(m->s)) {
		if ((rc = create_parent(m, ZKPATH_BASE, ZOO_PERSISTENT)) != ZOK ||
		    (rc = create_parent(m, ZKPATH_TIMELINES, ZOO_PERSISTENT)) != ZOK)
			return rc;
		m->parents_epoch = session_epoch(m->s);
	}
	zkpath_dir(path, tl, ZKPATH_TIMELINE);
	if ((rc = create_parent(m, path, ZOO_CONTAINER)) != ZOK)
		return rc;
	zkpath_dir(path, tl, ZKPATH_NODES);
	if ((rc = create_parent(m, path, ZOO_CONTAINER)) != ZOK)
		return rc;
	zkpath_dir(path, tl, ZKPATH_ELECTION);
	return create_parent(m, path, ZOO_CONTAINER);
}

/*
 * A node of ours found in place: created by this session (the reply was
 * lost) it is adopted (1); left by an old session of this node (a restart
 * faster than the session timeout) it is deleted (0), or it would vanish
 * later, when that session expires.
 */
static int adopt_or_delete(struct mirror *m, const char *path, int *adopted)
{
	struct Stat st;
	int rc = session_exists(m->s, path, false, &st);

	*adopted = 0;
	if (rc == ZNONODE)
		return ZOK;
	if (rc != ZOK)
		return rc;
	if (st.ephemeralOwner == session_id(m->s)) {
		*adopted = 1;
		return ZOK;
	}
	qot_log(QOT_LOG_NOTICE, "removing %s, left by an old session (0x%llx)", path,
		(unsigned long long)st.ephemeralOwner);
	rc = session_delete(m->s, path, st.version);
	return rc == ZNONODE || rc == ZBADVERSION ? ZOK : rc;
}

/* Our member node, holding our effective requirement and peer endpoint. */
static int publish_member(struct mirror *m, struct tl_mirror *t)
{
	char path[ZKPATH_MAX], text[ZKPATH_DATA_MAX];
	int len = zkpath_member_data(&t->req, m->peer, text, sizeof(text));
	int rc, adopted = 0;

	if (len < 0)
		return ZBADARGUMENTS; /* cannot be: the buffer holds the longest */

	zkpath_member(path, t->name, m->node);
	for (int i = 0; !t->member && i < ATTEMPTS; i++) {
		rc = session_create(m->s, path, text, len, ZOO_EPHEMERAL, NULL, 0);
		if (rc == ZOK) {
			t->member = true;
			t->published = t->req;
			return ZOK;
		}
		if (rc == ZNONODE)
			rc = ensure_parents(m, t->name);
		else if (rc == ZNODEEXISTS && (rc = adopt_or_delete(m, path, &adopted)) == ZOK)
			t->member = adopted;
		if (rc != ZOK)
			return rc;
	}
	if (!t->member)
		return ZOPERATIONTIMEOUT; /* the ground kept moving: the next pass tries again */
	if (adopted || !qot_req_equal(&t->published, &t->req)) {
		rc = session_set(m->s, path, text, len);
		if (rc != ZOK)
			return rc;
		t->published = t->req;
	}
	return ZOK;
}

/*
 * Our candidates already in the election directory: adopt the one this
 * session made (if keep), delete the rest.
 */
static int sweep_candidates(struct mirror *m, struct tl_mirror *t, bool keep)
{
	struct String_vector ch = {0, NULL};
	char dir[ZKPATH_MAX], path[ZKPATH_MAX], node[QOT_NAME_MAX + 1];
	uint64_t seq;
	int rc, adopted;

	zkpath_dir(dir, t->name, ZKPATH_ELECTION);
	rc = session_children(m->s, dir, false, &ch);
	if (rc == ZNONODE)
		return ZOK;
	for (int i = 0; rc == ZOK && i < ch.count; i++) {
		if (zkpath_candidate_parse(ch.data[i], node, &seq) != 0 ||
		    strcmp(node, m->node) != 0)
			continue;
		if (zkpath_candidate(path, t->name, ch.data[i]) != 0)
			continue;
		rc = adopt_or_delete(m, path, &adopted);
		if (rc == ZOK && adopted && keep && t->candidate[0] == '\0')
			snprintf(t->candidate, sizeof(t->candidate), "%s", ch.data[i]);
		else if (rc == ZOK && adopted)
			rc = session_delete(m->s, path, -1);
		if (rc == ZNONODE)
			rc = ZOK;
	}
	deallocate_String_vector(&ch);
	return rc;
}

/* Our candidate in the election: found again, or made. */
static int run_for_leader(struct mirror *m, struct tl_mirror *t)
{
	char prefix[ZKPATH_MAX], created[ZKPATH_MAX];
	int rc;

	if (t->candidate[0])
		return ZOK;
	rc = sweep_candidates(m, t, true);
	if (rc != ZOK || t->candidate[0])
		return rc;
	zkpath_candidate_prefix(prefix, t->name, m->node);
	for (int i = 0; i < ATTEMPTS; i++) {
		rc = session_create(m->s, prefix, NULL, -1, ZOO_EPHEMERAL_SEQUENTIAL, created,
				    sizeof(created));
		if (rc == ZOK) {
			snprintf(t->candidate, sizeof(t->candidate), "%s",
				 strrchr(created, '/') + 1);
			return ZOK;
		}
		if (rc != ZNONODE || (rc = ensure_parents(m, t->name)) != ZOK)
			return rc;
	}
	return ZOPERATIONTIMEOUT;
}

static int delete_ignoring_absent(struct mirror *m, const char *path)
{
	int rc = session_delete(m->s, path, -1);
	return rc == ZNONODE ? ZOK : rc;
}

/* Leave: member node and candidate together, so no one sees one without the other. */
static int withdraw(struct mirror *m, struct tl_mirror *t)
{
	char member[ZKPATH_MAX], cand[ZKPATH_MAX];
	const char *paths[2];
	int n = 0, rc;

	zkpath_member(member, t->name, m->node);
	if (t->member)
		paths[n++] = member;
	if (t->candidate[0]) {
		zkpath_candidate(cand, t->name, t->candidate);
		paths[n++] = cand;
	}
	rc = session_delete_all(m->s, paths, n);
	if (rc == ZNONODE) { /* one was gone already: delete the other alone */
		rc = t->member ? delete_ignoring_absent(m, member) : ZOK;
		if (rc == ZOK && t->candidate[0])
			rc = delete_ignoring_absent(m, cand);
	}
	if (rc == ZOK) {
		t->member = false;
		t->candidate[0] = '\0';
	}
	return rc;
}

/* Not in use: nothing of ours may stay, not even what an old session left. */
static int sweep(struct mirror *m, struct tl_mirror *t)
{
	char path[ZKPATH_MAX];
	int rc, adopted;

	zkpath_member(path, t->name, m->node);
	rc = adopt_or_delete(m, path, &adopted);
	if (rc == ZOK && adopted)
		rc = delete_ignoring_absent(m, path);
	if (rc == ZOK)
		rc = sweep_candidates(m, t, false);
	return rc;
}

static int cmp_member(const void *a, const void *b)
{
	return strcmp(((const struct qot_member *)a)->node, ((const struct qot_member *)b)->node);
}

/* Every member node of the timeline, watched (children and data). */
static int read_members(struct mirror *m, struct tl_mirror *t, struct qot_membership *out)
{
	struct String_vector ch = {0, NULL};
	char dir[ZKPATH_MAX], path[ZKPATH_MAX], data[ZKPATH_DATA_MAX];
	struct Stat st;
	int rc;

	memset(out, 0, sizeof(*out));
	zkpath_dir(dir, t->name, ZKPATH_NODES);
	for (int i = 0; i < ATTEMPTS; i++) {
		rc = session_children(m->s, dir, true, &ch);
		if (rc != ZNONODE)
			break;
		/* Nobody uses it yet: watch for the directory to appear. */
		rc = session_exists(m->s, dir, true, &st);
		if (rc == ZNONODE)
			return ZOK;
		if (rc != ZOK)
			return rc;
	}
	if (rc != ZOK)
		return rc == ZNONODE ? ZOPERATIONTIMEOUT : rc;
	out->members = calloc(ch.count ? (size_t)ch.count : 1, sizeof(*out->members));
	if (out->members == NULL) {
		deallocate_String_vector(&ch);
		return ZSYSTEMERROR;
	}
	for (int i = 0; i < ch.count && out->n < QOT_MEMBERS_MAX; i++) {
		struct qot_member *mb = &out->members[out->n];
		int len = sizeof(data);

		if (!qot_name_valid(ch.data[i], strlen(ch.data[i])))
			continue;
		zkpath_member(path, t->name, ch.data[i]);
		rc = session_get(m->s, path, true, data, &len, &st);
		if (rc == ZNONODE) {
			rc = ZOK;
			continue;
		}
		if (rc != ZOK)
			break;
		memset(mb, 0, sizeof(*mb));
		snprintf(mb->node, sizeof(mb->node), "%s", ch.data[i]);
		mb->req = qot_req_none;
		if (len > 0 &&
		    zkpath_member_data_parse(data, (size_t)len, &mb->req, mb->peer) != 0) {
			qot_log(QOT_LOG_WARNING,
				"%s: unreadable requirement or peer endpoint; taken as none", path);
			mb->req = qot_req_none;
			mb->peer[0] = '\0';
		}
		out->n++;
	}
	deallocate_String_vector(&ch);
	if (rc != ZOK) {
		qot_membership_free(out);
		return rc;
	}
	qsort(out->members, out->n, sizeof(*out->members), cmp_member);
	return ZOK;
}

/*
 * Who leads, and the members' places in the election order (ms->leader and
 * ranks). Every node watches the whole election directory, candidate or
 * not: the order is every member's failover plan, so each change of
 * candidates must reach every node (not only the leader's successor, as in
 * the plain recipe). A directory that does not exist yet is watched by
 * read_members (the nodes directory is made with it, and a member always
 * comes before its candidate).
 */
static int elect(struct mirror *m, struct tl_mirror *t, struct qot_membership *ms)
{
	char dir[ZKPATH_MAX];
	struct election_view v;
	int rc;

	zkpath_dir(dir, t->name, ZKPATH_ELECTION);
	for (int i = 0; i < ATTEMPTS; i++) {
		struct String_vector ch = {0, NULL};
		int *order;

		rc = session_children(m->s, dir, true, &ch);
		if (rc != ZOK && rc != ZNONODE)
			return rc;
		election_decide(ch.data, ch.count, t->candidate[0] ? t->candidate : NULL, &v);
		order = ch.count > 0 ? malloc((size_t)ch.count * sizeof(*order)) : NULL;
		if (ch.count > 0 && order == NULL) {
			deallocate_String_vector(&ch);
			return ZSYSTEMERROR;
		}
		election_rank(ms, ch.data, order, election_order(ch.data, ch.count, order));
		free(order);
		deallocate_String_vector(&ch);
		if (t->in_use && t->candidate[0] && v.self < 0) {
			t->candidate[0] = '\0'; /* our candidate is gone: run again */
			if ((rc = run_for_leader(m, t)) != ZOK)
				return rc;
			continue;
		}
		return ZOK;
	}
	return ZOPERATIONTIMEOUT;
}

/* ---- local side ---- */

static int write_local(struct mirror *m, struct tl_mirror *t, const char *text, size_t len)
{
	char *copy;
	int err;

	if (t->written && strcmp(t->written, text) == 0)
		return 0;
	err = qot_follower_write(m->f, t->name, "members", text, len);
	if (err == -ENOENT)
		return 0; /* removed locally: the next refresh forgets it */
	if (err) {
		qot_log(QOT_LOG_WARNING, "%s/members: %s", t->name, strerror(-err));
		return err;
	}
	copy = strdup(text);
	free(t->written);
	t->written = copy; /* NULL (no memory) only means writing again next time */
	return 0;
}

/* ---- passes ---- */

static int reconcile(struct mirror *m, struct tl_mirror *t)
{
	struct qot_membership ms;
	char *text;
	size_t len;
	int rc = ZOK;

	if (t->epoch != session_epoch(m->s)) { /* a new session: nothing of ours exists in it yet */
		t->epoch = session_epoch(m->s);
		t->member = false;
		t->candidate[0] = '\0';
		t->swept = false;
	}
	if (t->in_use) {
		rc = publish_member(m, t);
		if (rc == ZOK)
			rc = run_for_leader(m, t);
	} else if (t->member || t->candidate[0]) {
		/* Stop claiming here before the cluster can see us gone. */
		if (write_local(m, t, "leader=none\n", 12) != 0)
			return ZSYSTEMERROR;
		rc = withdraw(m, t);
	} else if (!t->swept) {
		rc = sweep(m, t);
		t->swept = rc == ZOK;
	}
	if (rc == ZOK)
		rc = read_members(m, t, &ms);
	if (rc != ZOK)
		return rc;
	rc = elect(m, t, &ms);
	if (rc == ZOK) {
		text = qot_membership_format(&ms, &len);
		if (text == NULL || write_local(m, t, text, len) != 0)
			rc = ZSYSTEMERROR;
		free(text);
	}
	qot_membership_free(&ms);
	return rc;
}

size_t mirror_sync(struct mirror *m)
{
	size_t dirty = 0;

	int64_t now = session_now();

	for (size_t i = 0; i < qot_follower_count(m->f); i++) {
		struct tl_mirror *t = at(m, i);
		int rc;

		if (t == NULL || !t->dirty)
			continue;
		if (t->hold_until > now)
			continue; /* held down: mirror_next_due says when */
		t->hold_until = 0;
		if (!session_connected(m->s) || !qot_follower_attached(m->f)) {
			dirty++;
			continue;
		}
		rc = reconcile(m, t);
		if (rc != ZOK && !session_lost(rc) && rc != t->last_rc)
			qot_log(QOT_LOG_WARNING, "timeline %s: %s", t->name, zerror(rc));
		t->last_rc = rc;
		if (rc == ZOK)
			t->dirty = false;
		else
			dirty++;
	}
	return dirty;
}

void mirror_watch_fired(struct mirror *m, const char *path)
{
	char name[QOT_NAME_MAX + 1];
	struct tl_mirror *t = zkpath_timeline_of(path, name) == 0 ? find(m, name) : NULL;

	if (t)
		t->dirty = true;
}

static void touch_all(struct mirror *m, bool local_too)
{
	for (size_t i = 0; i < qot_follower_count(m->f); i++) {
		struct tl_mirror *t = at(m, i);
		if (t == NULL)
			continue;
		t->dirty = true;
		if (local_too) {
			free(t->written);
			t->written = NULL;
		}
	}
}

void mirror_touch_all(struct mirror *m)
{
	touch_all(m, false);
}

/* "NAME accuracy=.. resolution=.." lines of .active, into the tracked set. */
static void apply_active(struct mirror *m, char *text)
{
	for (char *line = text, *next; line && *line; line = next) {
		char name[QOT_NAME_MAX + 1];
		struct tl_mirror *t;
		struct qot_req req;

		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		if (qot_activeline_parse(line, strlen(line), name, &req) != 0)
			continue;
		t = find(m, name);
		if (t == NULL)
			continue; /* created after .timelines was read: the next refresh has it */
		t->seen = true;
		if (!t->in_use)
			t->dirty = true; /* joining: at once, a new candidate must not wait */
		else if (!qot_req_equal(&t->req, &req))
			hold(m, t);
		t->in_use = true;
		t->req = req;
	}
}

/* ---- the local mount's events ---- */

static void *added(void *ctx, struct qot_follower_tl *tl)
{
	struct tl_mirror *t = calloc(1, sizeof(*t));

	(void)ctx;
	if (t == NULL)
		return NULL;
	snprintf(t->name, sizeof(t->name), "%s", qot_follower_tl_name(tl));
	t->req = qot_req_none;
	t->epoch = -1;
	t->dirty = true;
	return t;
}

/* Removed locally: withdraw from it first. */
static void removed(void *ctx, struct qot_follower_tl *tl, void *state)
{
	struct mirror *m = ctx;
	struct tl_mirror *t = state;

	(void)tl;
	if (t == NULL)
		return;
	if ((t->member || t->candidate[0]) && t->epoch == session_epoch(m->s) &&
	    session_connected(m->s))
		withdraw(m, t); /* if this fails, the session's end removes them */
	free(t->written);
	free(t);
}

/* .active: the timelines in use, each with its effective requirement. */
static void file(void *ctx, const char *name, char *text, size_t len)
{
	struct mirror *m = ctx;

	(void)name;
	(void)len;
	for (size_t i = 0; i < qot_follower_count(m->f); i++)
		if (at(m, i))
			at(m, i)->seen = false;
	apply_active(m, text);
	for (size_t i = 0; i < qot_follower_count(m->f); i++) {
		struct tl_mirror *t = at(m, i);
		if (t && !t->seen && t->in_use) {
			t->in_use = false;
			t->req = qot_req_none;
			t->dirty = true; /* leaving: at once, so no claim outlives its use */
		}
	}
}

/* A new qotfs knows nothing yet: everything again, members files too. */
static void attached(void *ctx)
{
	touch_all(ctx, true);
}

static const struct qot_follower_events events = {
	.added = added,
	.removed = removed,
	.file = file,
	.attached = attached,
};

struct mirror *mirror_new(struct session *s, struct qot_follower *f, const char *node,
			  const char *peer)
{
	struct mirror *m = calloc(1, sizeof(*m));

	if (m == NULL)
		return NULL;
	m->s = s;
	m->f = f;
	m->node = node;
	m->peer = peer ? peer : "";
	m->parents_epoch = -1;
	m->slot = qot_follower_subscribe(f, &events, m);
	if (m->slot < 0) {
		free(m);
		return NULL;
	}
	return m;
}

void mirror_set_hold(struct mirror *m, int64_t hold_ns)
{
	m->hold_ns = hold_ns;
}

int64_t mirror_next_due(const struct mirror *m)
{
	int64_t due = INT64_MAX;

	for (size_t i = 0; i < qot_follower_count(m->f); i++) {
		const struct tl_mirror *t = at(m, i);
		if (t && t->dirty && t->hold_until != 0 && t->hold_until < due)
			due = t->hold_until;
	}
	return due;
}

void mirror_free(struct mirror *m)
{
	free(m);
}

void mirror_withdraw_all(struct mirror *m)
{
	for (size_t i = 0; i < qot_follower_count(m->f); i++) {
		struct tl_mirror *t = at(m, i);

		if (t == NULL)
			continue;
		if (qot_follower_attached(m->f))
			qot_follower_write(m->f, t->name, "members", "leader=none\n", 12);
		if ((t->member || t->candidate[0]) && t->epoch == session_epoch(m->s) &&
		    session_connected(m->s))
			withdraw(m, t);
	}
}
