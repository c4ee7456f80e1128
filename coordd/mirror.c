/* SPDX-License-Identifier: Apache-2.0 */
/* mirror.c - local timelines to ZooKeeper members and candidates, and back. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "election.h"
#include "log.h"
#include "members.h"
#include "mirror.h"
#include "zkpath.h"

/* Bounded retries of one step whose ground moves (a node that comes and goes). */
#define ATTEMPTS 4

void mirror_init(struct mirror *m, struct session *s, struct local *local, const char *node)
{
	memset(m, 0, sizeof(*m));
	m->s = s;
	m->local = local;
	m->node = node;
	m->parents_epoch = -1;
}

void mirror_free(struct mirror *m)
{
	for (size_t i = 0; i < m->n; i++)
		free(m->tls[i].written);
	free(m->tls);
	m->tls = NULL;
	m->n = m->cap = 0;
}

static int cmp_tl(const void *key, const void *elem)
{
	return strcmp(key, ((const struct tl_mirror *)elem)->name);
}

static struct tl_mirror *find(struct mirror *m, const char *name)
{
	return m->n ? bsearch(name, m->tls, m->n, sizeof(*m->tls), cmp_tl) : NULL;
}

static struct tl_mirror *add(struct mirror *m, const char *name)
{
	size_t i = 0;

	if (m->n == m->cap) {
		size_t cap = m->cap ? m->cap * 2 : 16;
		struct tl_mirror *t = realloc(m->tls, cap * sizeof(*t));
		if (t == NULL)
			return NULL;
		m->tls = t;
		m->cap = cap;
	}
	while (i < m->n && strcmp(m->tls[i].name, name) < 0)
		i++;
	memmove(&m->tls[i + 1], &m->tls[i], (m->n - i) * sizeof(*m->tls));
	memset(&m->tls[i], 0, sizeof(*m->tls));
	snprintf(m->tls[i].name, sizeof(m->tls[i].name), "%s", name);
	m->tls[i].req = qot_req_none;
	m->tls[i].epoch = -1;
	m->tls[i].dirty = true;
	m->n++;
	return &m->tls[i];
}

static int64_t my_session(struct mirror *m)
{
	return zoo_client_id(m->s->zh)->client_id;
}

/* ---- ZooKeeper steps; each returns a ZooKeeper code ---- */

static int create_parent(struct mirror *m, const char *path, int flags)
{
	int rc = zoo_create(m->s->zh, path, NULL, -1, &m->s->acl, flags, NULL, 0);
	return rc == ZNODEEXISTS ? ZOK : rc;
}

/* The timeline's containers vanish when empty; make them again when needed. */
static int ensure_parents(struct mirror *m, const char *tl)
{
	char path[ZKP_MAX];
	int rc;

	if (m->parents_epoch != m->s->epoch) {
		if ((rc = create_parent(m, ZKP_BASE, ZOO_PERSISTENT)) != ZOK ||
		    (rc = create_parent(m, ZKP_TIMELINES, ZOO_PERSISTENT)) != ZOK)
			return rc;
		m->parents_epoch = m->s->epoch;
	}
	zkp_dir(path, tl, ZKP_TIMELINE);
	if ((rc = create_parent(m, path, ZOO_CONTAINER)) != ZOK)
		return rc;
	zkp_dir(path, tl, ZKP_NODES);
	if ((rc = create_parent(m, path, ZOO_CONTAINER)) != ZOK)
		return rc;
	zkp_dir(path, tl, ZKP_ELECTION);
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
	int rc = zoo_exists(m->s->zh, path, 0, &st);

	*adopted = 0;
	if (rc == ZNONODE)
		return ZOK;
	if (rc != ZOK)
		return rc;
	if (st.ephemeralOwner == my_session(m)) {
		*adopted = 1;
		return ZOK;
	}
	qot_log(QOT_LOG_NOTICE, "removing %s, left by an old session (0x%llx)", path,
		(unsigned long long)st.ephemeralOwner);
	rc = zoo_delete(m->s->zh, path, st.version);
	return rc == ZNONODE || rc == ZBADVERSION ? ZOK : rc;
}

/* Our member node, holding our effective requirement. */
static int publish_member(struct mirror *m, struct tl_mirror *t)
{
	char path[ZKP_MAX], text[QOT_REQ_TEXT_MAX];
	int len = (int)qot_req_format(&t->req, text, sizeof(text));
	int rc, adopted = 0;

	zkp_member(path, t->name, m->node);
	for (int i = 0; !t->member && i < ATTEMPTS; i++) {
		rc = zoo_create(m->s->zh, path, text, len, &m->s->acl, ZOO_EPHEMERAL, NULL, 0);
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
		rc = zoo_set(m->s->zh, path, text, len, -1);
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
	char dir[ZKP_MAX], path[ZKP_MAX], node[QOT_NAME_MAX + 1];
	uint64_t seq;
	int rc, adopted;

	zkp_dir(dir, t->name, ZKP_ELECTION);
	rc = zoo_get_children(m->s->zh, dir, 0, &ch);
	if (rc == ZNONODE)
		return ZOK;
	for (int i = 0; rc == ZOK && i < ch.count; i++) {
		if (zkp_candidate_parse(ch.data[i], node, &seq) != 0 || strcmp(node, m->node) != 0)
			continue;
		if (zkp_candidate(path, t->name, ch.data[i]) != 0)
			continue;
		rc = adopt_or_delete(m, path, &adopted);
		if (rc == ZOK && adopted && keep && t->candidate[0] == '\0')
			snprintf(t->candidate, sizeof(t->candidate), "%s", ch.data[i]);
		else if (rc == ZOK && adopted)
			rc = zoo_delete(m->s->zh, path, -1);
		if (rc == ZNONODE)
			rc = ZOK;
	}
	deallocate_String_vector(&ch);
	return rc;
}

/* Our candidate in the election: found again, or made. */
static int run_for_leader(struct mirror *m, struct tl_mirror *t)
{
	char prefix[ZKP_MAX], created[ZKP_MAX];
	int rc;

	if (t->candidate[0])
		return ZOK;
	rc = sweep_candidates(m, t, true);
	if (rc != ZOK || t->candidate[0])
		return rc;
	zkp_candidate_prefix(prefix, t->name, m->node);
	for (int i = 0; i < ATTEMPTS; i++) {
		rc = zoo_create(m->s->zh, prefix, NULL, -1, &m->s->acl, ZOO_EPHEMERAL_SEQUENTIAL,
				created, sizeof(created));
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
	int rc = zoo_delete(m->s->zh, path, -1);
	return rc == ZNONODE ? ZOK : rc;
}

/* Leave: member node and candidate together, so no one sees one without the other. */
static int withdraw(struct mirror *m, struct tl_mirror *t)
{
	char member[ZKP_MAX], cand[ZKP_MAX];
	zoo_op_t ops[2];
	zoo_op_result_t res[2];
	int n = 0, rc;

	zkp_member(member, t->name, m->node);
	if (t->member)
		zoo_delete_op_init(&ops[n++], member, -1);
	if (t->candidate[0]) {
		zkp_candidate(cand, t->name, t->candidate);
		zoo_delete_op_init(&ops[n++], cand, -1);
	}
	rc = n ? zoo_multi(m->s->zh, n, ops, res) : ZOK;
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
	char path[ZKP_MAX];
	int rc, adopted;

	zkp_member(path, t->name, m->node);
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
	char dir[ZKP_MAX], path[ZKP_MAX], data[QOT_REQ_TEXT_MAX];
	struct Stat st;
	int rc;

	memset(out, 0, sizeof(*out));
	zkp_dir(dir, t->name, ZKP_NODES);
	for (int i = 0; i < ATTEMPTS; i++) {
		rc = zoo_wget_children(m->s->zh, dir, session_watch, NULL, &ch);
		if (rc != ZNONODE)
			break;
		/* Nobody uses it yet: watch for the directory to appear. */
		rc = zoo_wexists(m->s->zh, dir, session_watch, NULL, &st);
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
		zkp_member(path, t->name, ch.data[i]);
		rc = zoo_wget(m->s->zh, path, session_watch, NULL, data, &len, &st);
		if (rc == ZNONODE) {
			rc = ZOK;
			continue;
		}
		if (rc != ZOK)
			break;
		snprintf(mb->node, sizeof(mb->node), "%s", ch.data[i]);
		mb->req = qot_req_none;
		if (len > 0 && qot_reqline_parse(data, (size_t)len, &mb->req) != 0) {
			qot_log(QOT_LOG_WARNING, "%s: unreadable requirement; taken as none", path);
			mb->req = qot_req_none;
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

/* Who leads; as a candidate, watch the one just before us. A directory that
 * does not exist yet is watched by read_members (the nodes directory is made
 * with it, and a member always comes before its candidate). */
static int elect(struct mirror *m, struct tl_mirror *t, char leader[QOT_NAME_MAX + 1])
{
	char dir[ZKP_MAX], path[ZKP_MAX];
	struct election_view v;
	struct Stat st;
	int rc;

	zkp_dir(dir, t->name, ZKP_ELECTION);
	for (int i = 0; i < ATTEMPTS; i++) {
		struct String_vector ch = {0, NULL};

		/* A candidate watches only its predecessor; a node that does not
		 * run learns of every change of candidates (it has no predecessor). */
		if (t->candidate[0])
			rc = zoo_get_children(m->s->zh, dir, 0, &ch);
		else
			rc = zoo_wget_children(m->s->zh, dir, session_watch, NULL, &ch);
		if (rc != ZOK && rc != ZNONODE)
			return rc;
		election_decide(ch.data, ch.count, t->candidate[0] ? t->candidate : NULL, &v);
		if (v.predecessor >= 0)
			zkp_candidate(path, t->name, ch.data[v.predecessor]);
		deallocate_String_vector(&ch);
		if (t->in_use && t->candidate[0] && v.self < 0) {
			t->candidate[0] = '\0'; /* our candidate is gone: run again */
			if ((rc = run_for_leader(m, t)) != ZOK)
				return rc;
			continue;
		}
		if (v.predecessor >= 0) {
			rc = zoo_wexists(m->s->zh, path, session_watch, NULL, &st);
			if (rc == ZNONODE)
				continue; /* it went between the listing and the watch */
			if (rc != ZOK)
				return rc;
		}
		memcpy(leader, v.leader, sizeof(v.leader));
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
	err = local_write_members(m->local, t->name, text, len);
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

	if (t->epoch != m->s->epoch) { /* a new session: nothing of ours exists in it yet */
		t->epoch = m->s->epoch;
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
	rc = elect(m, t, ms.leader);
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

	for (size_t i = 0; i < m->n; i++) {
		struct tl_mirror *t = &m->tls[i];
		int rc;

		if (!t->dirty)
			continue;
		if (!session_connected(m->s) || !local_attached(m->local)) {
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

void mirror_touch(struct mirror *m, const char *tl)
{
	struct tl_mirror *t = find(m, tl);

	if (t)
		t->dirty = true;
}

void mirror_touch_all(struct mirror *m, bool local_too)
{
	for (size_t i = 0; i < m->n; i++) {
		m->tls[i].dirty = true;
		if (local_too) {
			free(m->tls[i].written);
			m->tls[i].written = NULL;
		}
	}
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
		if (!t->in_use || !qot_req_equal(&t->req, &req))
			t->dirty = true;
		t->in_use = true;
		t->req = req;
	}
}

int mirror_refresh(struct mirror *m)
{
	ssize_t len = local_read_timelines(m->local);
	size_t i;

	if (len < 0)
		return (int)len;
	for (i = 0; i < m->n; i++)
		m->tls[i].seen = false;
	for (char *line = m->local->buf, *next; *line; line = next) {
		struct tl_mirror *t;

		next = strchr(line, '\n');
		if (next == NULL)
			break;
		*next++ = '\0';
		t = find(m, line);
		if (t == NULL && (t = add(m, line)) == NULL)
			return -ENOMEM;
		t->seen = true;
	}
	/* Forget timelines removed locally (withdrawing from them first). */
	for (i = 0; i < m->n;) {
		struct tl_mirror *t = &m->tls[i];
		if (t->seen) {
			i++;
			continue;
		}
		if ((t->member || t->candidate[0]) && t->epoch == m->s->epoch &&
		    session_connected(m->s))
			withdraw(m, t); /* if this fails, the session's end removes them */
		free(t->written);
		memmove(t, t + 1, (m->n - i - 1) * sizeof(*t));
		m->n--;
	}
	len = local_read_active(m->local);
	if (len < 0)
		return (int)len;
	for (i = 0; i < m->n; i++)
		m->tls[i].seen = false;
	apply_active(m, m->local->buf);
	for (i = 0; i < m->n; i++) {
		struct tl_mirror *t = &m->tls[i];
		if (!t->seen && t->in_use) {
			t->in_use = false;
			t->req = qot_req_none;
			t->dirty = true;
		}
	}
	return 0;
}

void mirror_withdraw_all(struct mirror *m)
{
	for (size_t i = 0; i < m->n; i++) {
		struct tl_mirror *t = &m->tls[i];

		if (local_attached(m->local))
			local_write_members(m->local, t->name, "leader=none\n", 12);
		if ((t->member || t->candidate[0]) && t->epoch == m->s->epoch &&
		    session_connected(m->s))
			withdraw(m, t);
	}
}
