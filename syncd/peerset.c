/* SPDX-License-Identifier: Apache-2.0 */
/* peerset.c - the peer endpoint and a peer_timeline per peer timeline followed. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "control.h"
#include "controlset.h"
#include "log.h"
#include "note.h"
#include "now.h"
#include "peer_members.h"
#include "peer_timeline.h"
#include "peerset.h"
#include "syncnote.h"

#define FILE_MAX (1 << 16) /* qot(7): a membership is at most 64 KiB */

struct tl_state {
	const struct timeline_rule *rule;
	char name[QOT_NAME_MAX + 1];
	qot_clock *clk;		  /* the timeline's clock page */
	struct peer_timeline *pt; /* once this node's name is known */
	struct peer_members members;
	bool have_members;
	bool peer_synced; /* a peer reading disciplined it */
	char said[256];	  /* the role and upstream last logged */
	int64_t interval; /* the controller's exchange interval (ns), 0: every tick */
	int64_t due;	  /* monotonic instant of the next exchange, when controlled */
};

/* The controller's handle on a peer timeline, by name: it outlives the
 * timeline's state (the controller may ask before peerset saw it). */
struct knob_ref {
	struct knob_ref *next;
	struct peerset *ps;
	char name[QOT_NAME_MAX + 1];
	int64_t interval; /* what it was told last, 0: nothing yet */
};

struct peerset {
	const struct syncd_config *cfg;
	const struct sourceset *sources;
	struct qot_follower *f;
	int slot;
	struct peer_keys *keys;
	struct peer_sock *sock;
	char self[QOT_NAME_MAX + 1]; /* the endpoint's node name ("" while closed) */
	bool open_failed;	     /* said once */
	uint64_t drops_said;	     /* dropped packets last logged */
	int64_t drops_at;	     /* monotonic instant of that */
	char *buf;		     /* FILE_MAX + 1 */
	struct knob_ref *knobs;	     /* one per controlled peer timeline */
	struct syncnote *notes;	     /* who writes the peer state into the note, or NULL */
};

bool peerset_wanted(const struct syncd_config *cfg)
{
	for (size_t i = 0; i < cfg->nrules; i++)
		if (cfg->rules[i].peer)
			return true;
	return false;
}

/* Read ROOT/[TIMELINE/]FILE whole into ps->buf; its length, or -errno. */
static ssize_t read_file(struct peerset *ps, const char *timeline, const char *file)
{
	char path[CONFIG_PATH_MAX + 2 * QOT_NAME_MAX + 16];
	ssize_t n, len = 0;
	int fd;

	snprintf(path, sizeof(path), "%s/%s%s%s", ps->cfg->mount, timeline ? timeline : "",
		 timeline ? "/" : "", file);
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return -errno;
	while (len < FILE_MAX && (n = pread(fd, ps->buf + len, (size_t)(FILE_MAX - len), len)) > 0)
		len += n;
	close(fd);
	ps->buf[len] = '\0';
	return len;
}

static int page_params(void *ctx, struct qot_clock_params *p, int64_t *base_now)
{
	return qot_clock_params_read(ctx, p, base_now);
}

static void drop_timeline(struct tl_state *t)
{
	peer_timeline_free(t->pt);
	t->pt = NULL;
	t->have_members = false;
	t->said[0] = '\0';
}

static void close_endpoint(struct peerset *ps)
{
	for (size_t i = 0; i < qot_follower_count(ps->f); i++) {
		struct tl_state *t = qot_follower_tl_state(qot_follower_get(ps->f, i), ps->slot);
		if (t)
			drop_timeline(t);
	}
	peer_sock_close(ps->sock);
	ps->sock = NULL;
	ps->self[0] = '\0';
}

/* This node's name from .coordination ("node=NODE state=... lease=..."). */
static void learn_self(struct peerset *ps, char self[QOT_NAME_MAX + 1])
{
	ssize_t n = read_file(ps, NULL, ".coordination");
	struct peer_members m;

	self[0] = '\0';
	if (n <= 0)
		return;
	/* The same words as cluster's: node= and state=. */
	peer_members_read("", 0, ps->buf, (size_t)n, &m);
	snprintf(self, QOT_NAME_MAX + 1, "%s", m.self);
}

static bool open_endpoint(struct peerset *ps, const char *self)
{
	struct peer_sock_config sc;
	const struct peer_config *pc = &ps->cfg->peer;
	int err;

	peer_config_sock(pc, self, ps->cfg->interval_ns, &sc);
	err = peer_sock_open(&ps->sock, &sc, ps->keys, pc->address[0] ? pc->address : NULL,
			     pc->port);
	if (err) {
		if (!ps->open_failed)
			qot_log(QOT_LOG_ERR, "peer endpoint %s port %u: %s",
				pc->address[0] ? pc->address : "any", pc->port, strerror(-err));
		ps->open_failed = true;
		ps->sock = NULL;
		return false;
	}
	ps->open_failed = false;
	snprintf(ps->self, sizeof(ps->self), "%s", self);
	qot_log(QOT_LOG_INFO, "peer endpoint on port %u as node %s", peer_sock_port(ps->sock),
		self);
	return true;
}

/* Whether the timeline's own sources are a reference now. */
static bool has_reference(const struct peerset *ps, const struct timeline_rule *rule)
{
	for (size_t i = 0; i < rule->nsources; i++) {
		const struct source *s = &ps->sources->sources[rule->sources[i]];
		if (s->state == SOURCE_OK &&
		    (s->cfg->type != SOURCE_TYPE_FREERUN || s->cfg->reference))
			return true;
	}
	return false;
}

static void exchange(struct peerset *ps, struct tl_state *t, int64_t now, int64_t mono);

/*
 * The role, the upstream, the epoch, the mode and who the average left out
 * (not age, delay): when they change, a line in the log and the note at
 * once (a failover shows in sync when it happens, not at the next tick).
 */
static void news(struct peerset *ps, struct qot_follower_tl *tl, struct tl_state *t, int64_t now)
{
	char line[QOT_NOTE_MAX + 1], brief[256];
	struct peer_timeline_state st;
	size_t bl;

	peer_timeline_state(t->pt, &st);
	bl = (size_t)snprintf(brief, sizeof(brief), "peer=%s upstream=%s epoch=%u%s",
			      peer_role_name(st.role), st.upstream ? st.upstream : "none",
			      (unsigned)st.epoch, st.berkeley ? " mode=berkeley" : "");
	for (size_t i = 0; i < st.left_out && bl < sizeof(brief); i++)
		bl += (size_t)snprintf(brief + bl, sizeof(brief) - bl, "%s%s",
				       i ? "," : " excluded=", st.left_out_nodes[i]);
	if (strcmp(brief, t->said) == 0)
		return;
	snprintf(t->said, sizeof(t->said), "%s", brief);
	if (peer_timeline_describe(t->pt, now, line, sizeof(line)) > 0)
		qot_log(QOT_LOG_NOTICE, "timeline %s: %s", t->name, line);
	if (ps->notes)
		syncnote_changed(ps->notes, tl);
}

/* After the endpoint's events (answers, timeouts): what they changed. */
static void events_done(struct peerset *ps)
{
	int64_t now = qot_now_ns(CLOCK_REALTIME);

	for (size_t i = 0; i < qot_follower_count(ps->f); i++) {
		struct qot_follower_tl *tl = qot_follower_get(ps->f, i);
		struct tl_state *t = qot_follower_tl_state(tl, ps->slot);

		if (t && t->pt)
			news(ps, tl, t, now);
	}
}

static void tick_timeline(struct peerset *ps, struct tl_state *t, int64_t now, int64_t mono)
{
	struct peer_members m;
	char members[FILE_MAX + 1];
	ssize_t mlen, clen;

	if (t->clk == NULL) {
		char path[CONFIG_PATH_MAX + QOT_NAME_MAX + 16];
		int err;

		snprintf(path, sizeof(path), "%s/%s/clock", ps->cfg->mount, t->name);
		err = qot_clock_open_path(path, &t->clk);
		if (err) {
			qot_log(QOT_LOG_WARNING, "timeline %s: its clock: %s", t->name,
				qot_strerror(err));
			t->clk = NULL;
			return;
		}
	}
	if (t->pt == NULL) {
		struct peer_timeline_config tc;
		int err;

		peer_config_timeline(&ps->cfg->peer, ps->cfg->interval_ns, &tc);
		tc.horizon = ps->cfg->holdover_ns;
		tc.params = page_params;
		tc.params_ctx = t->clk;
		err = peer_timeline_new(&t->pt, ps->sock, t->name, ps->self, &tc);
		if (err) {
			qot_log(QOT_LOG_WARNING, "timeline %s: peer synchronization: %s", t->name,
				strerror(-err));
			t->pt = NULL;
			return;
		}
	}
	mlen = read_file(ps, t->name, "members");
	if (mlen < 0)
		mlen = 0;
	memcpy(members, ps->buf, (size_t)mlen + 1);
	clen = read_file(ps, t->name, "cluster");
	if (clen < 0)
		clen = 0;
	peer_members_read(members, (size_t)mlen, ps->buf, (size_t)clen, &m);
	if (!t->have_members || !peer_members_equal(&m, &t->members)) {
		int err = peer_timeline_set_peers(t->pt, m.order, m.n);

		if (err)
			qot_log(QOT_LOG_WARNING, "timeline %s: the election order: %s", t->name,
				strerror(-err));
		peer_timeline_set_stale(t->pt, m.stale);
		t->members = m;
		t->have_members = true;
	}
	peer_timeline_set_reference(t->pt, has_reference(ps, t->rule));
	if (t->interval == 0 || mono >= t->due)
		exchange(ps, t, now, mono);
}

/* One exchange interval of t: tick it (what changed: events_done). */
static void exchange(struct peerset *ps, struct tl_state *t, int64_t now, int64_t mono)
{
	if (t->interval) {
		t->due = t->due && mono - t->due < t->interval ? t->due + t->interval
							       : mono + t->interval;
		peer_timeline_set_interval(t->pt, t->interval);
		/* answers awaited for half the exchange interval, not the tick's */
		(void)peer_sock_set_timeout(ps->sock, t->name,
					    peer_config_timeout(&ps->cfg->peer, t->interval));
	}
	peer_timeline_tick(t->pt, now);
}

/* The endpoint's drops, in the log when they grew (at most every 10 s). */
static void say_drops(struct peerset *ps, int64_t mono)
{
	const struct peer_sock_stats *st = peer_sock_stats(ps->sock);
	uint64_t total = st->overflow;
	char text[512];
	size_t len = 0;

	for (int i = 1; i < PEER_DROP_NREASONS; i++)
		total += st->drop[i];
	if (total == ps->drops_said || mono - ps->drops_at < 10000000000LL)
		return;
	for (int i = 1; i < PEER_DROP_NREASONS && len < sizeof(text); i++)
		if (st->drop[i])
			len += (size_t)snprintf(text + len, sizeof(text) - len, " %s=%llu",
						peer_drop_name((enum peer_drop)i),
						(unsigned long long)st->drop[i]);
	if (len < sizeof(text))
		snprintf(text + len, sizeof(text) - len, " overflow=%llu",
			 (unsigned long long)st->overflow);
	qot_log(QOT_LOG_WARNING, "peer endpoint: %llu packets dropped:%s",
		(unsigned long long)total, text);
	ps->drops_said = total;
	ps->drops_at = mono;
}

void peerset_tick(struct peerset *ps)
{
	char self[QOT_NAME_MAX + 1];
	int64_t now;

	learn_self(ps, self);
	if (strcmp(self, ps->self) != 0 && ps->sock)
		close_endpoint(ps); /* no name, or another: start again under it */
	if (self[0] == '\0' || (ps->sock == NULL && !open_endpoint(ps, self)))
		return;
	now = qot_now_ns(CLOCK_REALTIME);
	for (size_t i = 0; i < qot_follower_count(ps->f); i++) {
		struct tl_state *t = qot_follower_tl_state(qot_follower_get(ps->f, i), ps->slot);
		if (t)
			tick_timeline(ps, t, now, qot_now_ns(CLOCK_MONOTONIC));
	}
	events_done(ps);
	say_drops(ps, qot_now_ns(CLOCK_MONOTONIC));
}

enum peerset_feed peerset_reading(struct peerset *ps, struct qot_follower_tl *tl, int64_t now,
				  struct reading *r)
{
	struct tl_state *t = ps ? qot_follower_tl_state(tl, ps->slot) : NULL;
	struct peer_timeline_state st;

	if (t == NULL)
		return PEERSET_SOURCES;
	if (t->pt && peer_timeline_reading(t->pt, now, r) == 0) {
		t->peer_synced = true;
		return PEERSET_READING;
	}
	if (t->pt == NULL)
		return t->peer_synced ? PEERSET_NONE : PEERSET_SOURCES;
	peer_timeline_state(t->pt, &st);
	/* A root with a reference reads it; a timeline its peers never
	 * synchronised runs on its own clock (Berkeley starts from there). */
	if ((st.role == PEER_ROLE_ROOT && has_reference(ps, t->rule)) || !t->peer_synced)
		return PEERSET_SOURCES;
	return PEERSET_NONE;
}

/*
 * The words of peer_timeline_describe, with the readings that move at every
 * exchange (age=, delay=) marked as such (~KEY=VALUE, note.h): a poller of
 * sync is woken by a new role, upstream, epoch, mode or list, not by those.
 */
static size_t mark_readings(const char *in, char *out, size_t size)
{
	static const char *const readings[] = {"age=", "delay="};
	size_t o = 0;

	for (const char *p = in; *p;) {
		size_t n = strcspn(p, " ");
		bool mark = false;

		for (size_t k = 0; k < sizeof(readings) / sizeof(readings[0]); k++)
			mark = mark || strncmp(p, readings[k], strlen(readings[k])) == 0;
		if (o + (mark ? 1 : 0) + n + 1 >= size)
			return 0;
		if (mark)
			out[o++] = '~';
		memcpy(out + o, p, n);
		o += n;
		p += n;
		if (*p == ' ')
			out[o++] = *p++;
	}
	out[o] = '\0';
	return o;
}

size_t peerset_note(struct peerset *ps, struct qot_follower_tl *tl, int64_t now, char *buf,
		    size_t size)
{
	struct tl_state *t = ps ? qot_follower_tl_state(tl, ps->slot) : NULL;
	char words[QOT_NOTE_MAX + 1];

	if (t == NULL || t->pt == NULL || size == 0)
		return 0;
	if (peer_timeline_describe(t->pt, now, words, sizeof(words)) <= 0)
		return 0;
	/* At most half a note, so that the controller's fields after it fit. */
	return mark_readings(words, buf, size < PEERSET_NOTE_MAX + 1 ? size : PEERSET_NOTE_MAX + 1);
}

static size_t note_words(void *ctx, struct qot_follower_tl *tl, int64_t now, char *buf, size_t size)
{
	return peerset_note(ctx, tl, now, buf, size);
}

int peerset_attach_note(struct peerset *ps, struct syncnote *sn)
{
	int err = syncnote_provide(sn, &(struct syncnote_provider){.words = note_words, .ctx = ps});

	if (err == 0)
		ps->notes = sn;
	return err;
}

int peerset_fd(const struct peerset *ps)
{
	return ps && ps->sock ? peer_sock_fd(ps->sock) : -1;
}

void peerset_readable(struct peerset *ps)
{
	if (ps && ps->sock) {
		peer_sock_readable(ps->sock);
		events_done(ps);
	}
}

int64_t peerset_next(const struct peerset *ps, int64_t until)
{
	int64_t d = ps && ps->sock ? peer_sock_next_deadline(ps->sock) : INT64_MAX;

	for (size_t i = 0; ps && ps->sock && i < qot_follower_count(ps->f); i++) {
		const struct tl_state *t =
			qot_follower_tl_state(qot_follower_get(ps->f, i), ps->slot);
		if (t && t->pt && t->interval && t->due < d)
			d = t->due;
	}
	return d < until ? d : until;
}

void peerset_expire(struct peerset *ps, int64_t mono)
{
	if (ps == NULL || ps->sock == NULL)
		return;
	/* The controlled timelines whose exchange is due (between the ticks). */
	for (size_t i = 0; i < qot_follower_count(ps->f); i++) {
		struct tl_state *t = qot_follower_tl_state(qot_follower_get(ps->f, i), ps->slot);
		if (t && t->pt && t->interval && mono >= t->due)
			exchange(ps, t, qot_now_ns(CLOCK_REALTIME), mono);
	}
	/* Before an exchange is declared lost, what has arrived: an answer
	 * waiting behind a flood in the receive buffer is no timeout (bounded:
	 * 128 batches, some 8 000 datagrams, a few ms of HMACs). */
	if (peer_sock_next_deadline(ps->sock) > mono) {
		events_done(ps);
		return;
	}
	for (int i = 0; i < 128 && peer_sock_readable(ps->sock) > 0; i++)
		;
	peer_sock_expire(ps->sock, mono);
	events_done(ps);
}

/* ---- the follower's timelines ---- */

static void *added(void *ctx, struct qot_follower_tl *tl)
{
	struct peerset *ps = ctx;
	const struct timeline_rule *rule = config_rule_for(ps->cfg, qot_follower_tl_name(tl));
	struct tl_state *t;

	if (rule == NULL || !rule->peer)
		return NULL;
	t = calloc(1, sizeof(*t));
	if (t == NULL)
		return NULL;
	t->rule = rule;
	snprintf(t->name, sizeof(t->name), "%s", qot_follower_tl_name(tl));
	for (const struct knob_ref *k = ps->knobs; k; k = k->next)
		if (strcmp(k->name, t->name) == 0)
			t->interval = k->interval; /* the controller spoke first */
	return t;
}

static void removed(void *ctx, struct qot_follower_tl *tl, void *state)
{
	struct tl_state *t = state;

	(void)ctx;
	(void)tl;
	if (t == NULL)
		return;
	drop_timeline(t);
	qot_clock_close(t->clk);
	free(t);
}

static const struct qot_follower_events events = {
	.added = added,
	.removed = removed,
};

struct peerset *peerset_new(const struct syncd_config *cfg, const struct sourceset *sources,
			    struct qot_follower *f, char *msg, size_t msglen)
{
	struct peerset *ps = calloc(1, sizeof(*ps));
	char err[256];
	int res;

	if (ps == NULL || (ps->buf = malloc(FILE_MAX + 1)) == NULL) {
		snprintf(msg, msglen, "out of memory");
		free(ps);
		return NULL;
	}
	ps->cfg = cfg;
	ps->sources = sources;
	ps->f = f;
	res = peer_keys_load(&ps->keys, cfg->peer.keyfile, err, sizeof(err));
	if (res) {
		snprintf(msg, msglen, "peer key file %s: %s", cfg->peer.keyfile, err);
		peerset_free(ps);
		return NULL;
	}
	ps->slot = qot_follower_subscribe(f, &events, ps);
	if (ps->slot < 0) {
		snprintf(msg, msglen, "too many subscribers to the mount");
		peerset_free(ps);
		return NULL;
	}
	return ps;
}

void peerset_free(struct peerset *ps)
{
	if (ps == NULL)
		return;
	/* The follower tells every timeline removed when it is freed (first). */
	while (ps->knobs) {
		struct knob_ref *k = ps->knobs;
		ps->knobs = k->next;
		free(k);
	}
	peer_sock_close(ps->sock);
	peer_keys_free(ps->keys);
	free(ps->buf);
	free(ps);
}

/* ---- the controller's knob: the exchange interval ---- */

static struct tl_state *state_named(const struct peerset *ps, const char *timeline)
{
	for (size_t i = 0; i < qot_follower_count(ps->f); i++) {
		struct qot_follower_tl *tl = qot_follower_get(ps->f, i);
		if (strcmp(qot_follower_tl_name(tl), timeline) == 0)
			return qot_follower_tl_state(tl, ps->slot);
	}
	return NULL;
}

static int knob_apply(void *ctx, int64_t interval, char *why, size_t whylen)
{
	struct knob_ref *k = ctx;
	struct tl_state *t;

	if (interval <= 0) {
		snprintf(why, whylen, "exchange interval must be positive");
		return -EINVAL;
	}
	k->interval = interval;
	t = state_named(k->ps, k->name);
	if (t) {
		int64_t mono = qot_now_ns(CLOCK_MONOTONIC);
		/* Faster at once; slower from the next exchange on. */
		if (t->interval == 0 || mono + interval < t->due)
			t->due = mono;
		t->interval = interval;
	}
	return 0;
}

static bool knob_of(void *ctx, const char *timeline, struct control_knob *out)
{
	struct peerset *ps = ctx;
	const struct timeline_rule *rule = config_rule_for(ps->cfg, timeline);
	struct knob_ref *k;

	if (rule == NULL || !rule->peer)
		return false;
	for (k = ps->knobs; k; k = k->next)
		if (strcmp(k->name, timeline) == 0)
			break;
	if (k == NULL) {
		k = calloc(1, sizeof(*k));
		if (k == NULL)
			return false;
		k->ps = ps;
		snprintf(k->name, sizeof(k->name), "%s", timeline);
		k->next = ps->knobs;
		ps->knobs = k;
	}
	*out = (struct control_knob){.apply = knob_apply, .ctx = k, .msgs_per_exchange = 2};
	return true;
}

static bool quality_of(void *ctx, const char *timeline, struct control_quality *out)
{
	struct peerset *ps = ctx;
	struct tl_state *t = state_named(ps, timeline);
	struct peer_timeline_state st;

	if (t && t->pt && peer_timeline_quality(t->pt, qot_now_ns(CLOCK_REALTIME), out))
		return true;
	if (t && t->pt) {
		peer_timeline_state(t->pt, &st);
		if (st.role == PEER_ROLE_ROOT && has_reference(ps, t->rule))
			return false; /* its own sources: their quality */
	}
	/* Joining, or no exchange yet: unknown, the fastest effort to learn it
	 * (never the free-running clock's quality). */
	*out = (struct control_quality){.floor = QOT_UNBOUNDED};
	return true;
}

void peerset_attach_control(struct peerset *ps, struct controlset *cs)
{
	controlset_set_peer(
		cs, &(struct controlset_peer){.knob = knob_of, .quality = quality_of, .ctx = ps});
}
