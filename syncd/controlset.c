/* SPDX-License-Identifier: Apache-2.0 */
/* controlset.c - a control_timeline per controlled timeline, fed and written. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "chrony_cmd.h"
#include "chrony_poll.h"
#include "control_req.h"
#include "ptp_rate.h"
#include "controlset.h"
#include "log.h"
#include "projection.h"
#include "qot.h"
#include "rate.h"
#include "syncnote.h"

#define NO_WANT (-1)

struct controlset;

struct ctl_tl {
	struct ctl_tl *next; /* the controlset's list: its own, never the follower's mid-change */
	struct controlset *cs;
	struct qot_follower_tl *tl;
	struct control_timeline *ct;
	const struct timeline_rule *rule;
	int req_fd, cluster_fd;	    /* its requirements and cluster, read-only; -1 */
	int knob_source;	    /* the chrony source whose poll it turns, or -1 */
	int64_t want;		    /* the interval it asked of that poll, or NO_WANT */
	struct control_config ccfg; /* its configuration */
	struct qot_req req;	    /* its requirement, as last read */
	int fixed_state;	    /* a fixed rate's last state logged, or -1 */
	char words[CONTROL_TIMELINE_LINE_MAX + 1]; /* its fields for the note, "" before any */
};

struct controlset {
	const struct syncd_config *cfg;
	const struct sourceset *sources;
	struct qot_follower *f;
	int slot;
	struct ctl_tl *tls; /* the controlled timelines */
	struct controlset_peer peer;
	struct syncnote *notes; /* who writes the fields into the note, or NULL */
	struct chrony_poll *poll[CONFIG_MAX_SOURCES]; /* per chrony source with a server */
	unsigned connections[CONFIG_MAX_SOURCES];     /* the source's, when last seen */
};

/* ---- the shared chronyd poll: the tightest any of its timelines wants ---- */

static int64_t tightest(const struct controlset *cs, int src)
{
	int64_t best = NO_WANT;

	for (const struct ctl_tl *t = cs->tls; t; t = t->next) {
		if (t->knob_source == src && t->want != NO_WANT &&
		    (best == NO_WANT || t->want < best))
			best = t->want;
	}
	return best;
}

static int chrony_apply(void *ctx, int64_t interval, char *why, size_t whylen)
{
	struct ctl_tl *t = ctx;
	struct chrony_poll *p = t->cs->poll[t->knob_source];
	int64_t best;
	int res;

	t->want = interval;
	best = tightest(t->cs, t->knob_source);
	if (best == NO_WANT || interval < best)
		best = interval; /* the timeline asking is not followed yet (being added) */
	res = chrony_poll_set(p, chrony_cmd_poll_of(best));
	if (res < 0)
		snprintf(why, whylen, "%s", chrony_poll_error(p));
	return res;
}

/* The rule's first chrony source with a server to turn, or -1. */
static int knob_source_of(const struct controlset *cs, const struct timeline_rule *rule)
{
	for (size_t i = 0; rule && i < rule->nsources; i++) {
		unsigned s = rule->sources[i];
		if (cs->poll[s])
			return (int)s;
	}
	return -1;
}

/* A chronyd that reconnected may have restarted: set its poll again. */
static void notice_reconnects(struct controlset *cs)
{
	for (size_t s = 0; s < cs->cfg->nsources; s++) {
		unsigned now = cs->sources->sources[s].connections;
		if (cs->poll[s] == NULL || now == cs->connections[s])
			continue;
		cs->connections[s] = now;
		chrony_poll_forget(cs->poll[s]);
		for (struct ctl_tl *t = cs->tls; t; t = t->next) {
			if (t->knob_source == (int)s)
				control_timeline_forget(t->ct);
		}
	}
}

/* ---- quality ---- */

static void quality_of(const struct controlset *cs, const struct ctl_tl *t,
		       struct control_quality *q)
{
	const struct source *s;

	*q = (struct control_quality){.floor = QOT_UNBOUNDED};
	if (cs->peer.quality && cs->peer.quality(cs->peer.ctx, qot_follower_tl_name(t->tl), q))
		return;
	s = sourceset_choose(cs->sources, t->rule);
	if (s == NULL)
		return; /* nothing fresh: unknown, the fastest effort to learn it */
	if (s->has_quality) {
		*q = s->quality;
		return;
	}
	/* A source that says nothing of its exchanges: its bound as the floor. */
	q->floor = qot_sat_add_u64(s->last.asym, s->last.stat);
	if (q->floor == 0)
		q->floor = s->last.below > s->last.above ? s->last.below : s->last.above;
	q->noise = 0;
	q->drift = (double)s->last.drift / RATE_ONE;
}

/* ---- deciding and telling ---- */

/*
 * A source whose rate syncd cannot choose (ptp4l): assessed at the interval
 * observed, not turned. The fields as control_timeline_format gives them,
 * with effort=observed; a log line when the state changes. 0, or -1 when the
 * timeline's source fixes no rate (it is controlled).
 */
static int assess_fixed(struct ctl_tl *t, const struct source *s, const struct control_quality *q,
			char *line, size_t size)
{
	struct control_status st;
	int n;

	if (s == NULL || s->fixed_interval <= 0 || t->knob_source >= 0)
		return -1;
	ptp_rate_assess(&t->ccfg, &t->req, q, s->fixed_interval, s->fixed_slave, &st);
	n = snprintf(line, size,
		     " effort=observed interval=%lld.%09lld msgs=%.3f/s control=%s reason=%s",
		     (long long)(st.interval / 1000000000), (long long)(st.interval % 1000000000),
		     st.exchanges_per_s, control_state_name(st.state), st.reason);
	if (n < 0 || (size_t)n >= size)
		return -1;
	if ((int)st.state != t->fixed_state)
		qot_log(QOT_LOG_NOTICE, "timeline %s: effort %s, sync interval observed: %s",
			qot_follower_tl_name(t->tl), control_state_name(st.state), st.reason);
	t->fixed_state = (int)st.state;
	return n;
}

static void decide(struct controlset *cs, struct ctl_tl *t)
{
	char log[CONTROL_TIMELINE_LINE_MAX], line[CONTROL_TIMELINE_LINE_MAX + 1];
	struct control_quality q;
	unsigned changed;
	int n;

	quality_of(cs, t, &q);
	n = cs->peer.knob ? -1
			  : assess_fixed(t, sourceset_choose(cs->sources, t->rule), &q, line,
					 sizeof(line) - 1);
	if (n > 1)
		goto write;
	changed = control_timeline_update(t->ct, &q, log, sizeof(log));
	/* A change of state or of the knob's word is news; the interval alone
	 * follows the measured quality (a source-limited one may move often). */
	if ((changed & (CONTROL_CHANGED_STATE | CONTROL_TIMELINE_KNOB)) && log[0])
		qot_log(QOT_LOG_NOTICE, "timeline %s: %s", qot_follower_tl_name(t->tl), log);
	else if (changed && log[0])
		qot_log(QOT_LOG_INFO, "timeline %s: now %s", qot_follower_tl_name(t->tl), log);
	n = control_timeline_format(t->ct, line, sizeof(line) - 1);
	if (n <= 1)
		return;
write:
	line[n] = '\0';
	/* the fields without their leading space, as the note shows them */
	if (strcmp(t->words, line + 1) == 0)
		return;
	snprintf(t->words, sizeof(t->words), "%s", line + 1);
	/* Last: a write that finds the mount gone takes t with its timelines. */
	if (cs->notes)
		syncnote_changed(cs->notes, t->tl);
}

void controlset_tick(struct controlset *cs)
{
	notice_reconnects(cs);
	/* A write that finds the mount gone empties the follower, and the list
	 * with it: the next one is taken before deciding on this one. */
	for (struct ctl_tl *t = cs->tls, *next; t; t = next) {
		next = t->next;
		decide(cs, t);
		if (cs->tls == NULL)
			break;
	}
}

/* ---- the requirement files ---- */

static int open_file(const struct controlset *cs, const char *timeline, const char *file)
{
	char path[CONFIG_PATH_MAX + QOT_NAME_MAX + 32];

	snprintf(path, sizeof(path), "%s/%s/%s", qot_follower_root(cs->f), timeline, file);
	return open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
}

static ssize_t read_file(int fd, char *buf, size_t size)
{
	ssize_t n = fd < 0 ? -1 : pread(fd, buf, size - 1, 0);

	if (n >= 0)
		buf[n] = '\0';
	return n;
}

/* Either file changed: both read again, the requirement decided on at once. */
static void requirement_changed(struct controlset *cs, struct ctl_tl *t)
{
	char req[1024], cluster[4096];
	ssize_t rn = read_file(t->req_fd, req, sizeof(req));
	ssize_t cn = read_file(t->cluster_fd, cluster, sizeof(cluster));

	if (rn < 0)
		return; /* removed, or the mount is going: the follower will say */
	bool coordinated;

	if (control_timeline_requirement(t->ct, cn < 0 ? NULL : cluster, cn < 0 ? 0 : (size_t)cn,
					 req, (size_t)rn) < 0 ||
	    control_req_choose(cn < 0 ? NULL : cluster, cn < 0 ? 0 : (size_t)cn, req, (size_t)rn,
			       &t->req, &coordinated) < 0) {
		qot_log(QOT_LOG_WARNING,
			"timeline %s: cannot read its requirement; keeping the last",
			qot_follower_tl_name(t->tl));
		return;
	}
	decide(cs, t);
}

int controlset_pollfds(const struct controlset *cs, struct pollfd *fds, int n)
{
	int k = 0;

	for (const struct ctl_tl *t = cs->tls; t; t = t->next) {
		if (t->req_fd >= 0 && k < n)
			fds[k++] = (struct pollfd){.fd = t->req_fd, .events = POLLIN | POLLPRI};
		if (t->cluster_fd >= 0 && k < n)
			fds[k++] = (struct pollfd){.fd = t->cluster_fd, .events = POLLIN | POLLPRI};
	}
	return k;
}

void controlset_handle(struct controlset *cs, const struct pollfd *fds, int n)
{
	for (struct ctl_tl *t = cs->tls, *next; t; t = next) {
		bool changed = false;
		next = t->next;
		for (int k = 0; k < n; k++) {
			if (fds[k].revents == 0 ||
			    (fds[k].fd != t->req_fd && fds[k].fd != t->cluster_fd))
				continue;
			if (fds[k].revents & (POLLHUP | POLLERR | POLLNVAL)) {
				/* removed: no more polling it (the follower tells the rest) */
				if (fds[k].fd == t->req_fd && t->req_fd >= 0) {
					close(t->req_fd);
					t->req_fd = -1;
				} else if (fds[k].fd == t->cluster_fd && t->cluster_fd >= 0) {
					close(t->cluster_fd);
					t->cluster_fd = -1;
				}
				continue;
			}
			changed = true;
		}
		if (changed)
			requirement_changed(cs, t);
		if (cs->tls == NULL)
			break; /* the mount went with a write: nothing left */
	}
}

/* ---- the follower's timelines ---- */

static void *added(void *ctx, struct qot_follower_tl *tl)
{
	struct controlset *cs = ctx;
	const char *name = qot_follower_tl_name(tl);
	struct control_knob knob, *kp = NULL;
	struct control_config ccfg;
	struct ctl_tl *t;
	char err[200];
	int res;

	if (!control_conf_for(&cs->cfg->control, name, &ccfg))
		return NULL; /* not controlled */
	t = calloc(1, sizeof(*t));
	if (t == NULL)
		return NULL;
	t->cs = cs;
	t->tl = tl;
	t->want = NO_WANT;
	t->rule = config_rule_for(cs->cfg, name);
	t->knob_source = -1;
	t->ccfg = ccfg;
	t->req = qot_req_none;
	t->fixed_state = -1;
	if (cs->peer.knob && cs->peer.knob(cs->peer.ctx, name, &knob)) {
		kp = &knob;
	} else if ((t->knob_source = knob_source_of(cs, t->rule)) >= 0) {
		knob = (struct control_knob){
			.apply = chrony_apply, .ctx = t, .msgs_per_exchange = 2};
		kp = &knob;
	}
	res = control_timeline_new(&t->ct, &ccfg, kp, err, sizeof(err));
	if (res < 0) { /* the configuration was checked: out of memory */
		qot_log(QOT_LOG_ERR, "timeline %s: no controller: %s", name,
			res == -ENOMEM ? "out of memory" : err);
		free(t);
		return NULL;
	}
	/* Freshly opened, both are ready: the first poll reads them. */
	t->req_fd = open_file(cs, name, "requirements");
	t->cluster_fd = open_file(cs, name, "cluster");
	if (t->req_fd < 0)
		qot_log(QOT_LOG_WARNING, "timeline %s: cannot open its requirements: %s", name,
			strerror(errno));
	t->next = cs->tls;
	cs->tls = t;
	return t;
}

static void removed(void *ctx, struct qot_follower_tl *tl, void *state)
{
	struct controlset *cs = ctx;
	struct ctl_tl *t = state;

	(void)tl;
	if (t == NULL)
		return;
	for (struct ctl_tl **pp = &cs->tls; *pp; pp = &(*pp)->next) {
		if (*pp == t) {
			*pp = t->next;
			break;
		}
	}
	if (t->req_fd >= 0)
		close(t->req_fd);
	if (t->cluster_fd >= 0)
		close(t->cluster_fd);
	if (t->knob_source >= 0 && t->want != NO_WANT) {
		/* what the others want now, without this one */
		int src = t->knob_source;
		int64_t best = tightest(cs, src); /* t is off the list */
		if (best != NO_WANT)
			(void)chrony_poll_set(cs->poll[src], chrony_cmd_poll_of(best));
	}
	control_timeline_free(t->ct);
	free(t);
}

static const struct qot_follower_events events = {
	.added = added,
	.removed = removed,
};

static int open_poll(struct controlset *cs, size_t i)
{
	const struct source_config *sc = &cs->cfg->sources[i];
	char own[CONFIG_PATH_MAX + QOT_NAME_MAX + 40];
	int res;

	if (sc->type != SOURCE_TYPE_CHRONY || !sc->server[0])
		return 0;
	snprintf(own, sizeof(own), "%s/syncd-poll-%d-%s.sock", cs->cfg->rundir, (int)getpid(),
		 sc->name);
	res = chrony_poll_new(&cs->poll[i], &(struct chrony_poll_config){
						    .socket = sc->socket,
						    .own = own,
						    .source = sc->server,
					    });
	if (res < 0 && res != -ENOMEM)
		qot_log(QOT_LOG_WARNING, "source %s: cannot set the polling of %s: %s", sc->name,
			sc->server, strerror(-res));
	return res == -ENOMEM ? res : 0;
}

struct controlset *controlset_new(const struct syncd_config *cfg, const struct sourceset *sources,
				  struct qot_follower *f)
{
	struct controlset *cs = calloc(1, sizeof(*cs));

	if (cs == NULL)
		return NULL;
	cs->cfg = cfg;
	cs->sources = sources;
	cs->f = f;
	for (size_t i = 0; i < cfg->nsources; i++) {
		if (open_poll(cs, i) < 0) {
			controlset_free(cs);
			return NULL;
		}
	}
	cs->slot = qot_follower_subscribe(f, &events, cs);
	if (cs->slot < 0) {
		controlset_free(cs);
		return NULL;
	}
	return cs;
}

void controlset_set_peer(struct controlset *cs, const struct controlset_peer *peer)
{
	cs->peer = *peer;
}

/* The note's provider: the fields of a controlled timeline, as last decided. */
static size_t words_of(void *ctx, struct qot_follower_tl *tl, int64_t now, char *buf, size_t size)
{
	struct controlset *cs = ctx;
	const struct ctl_tl *t = qot_follower_tl_state(tl, cs->slot);
	size_t n = t ? strlen(t->words) : 0;

	(void)now;
	if (n == 0 || n >= size)
		return 0;
	memcpy(buf, t->words, n + 1);
	return n;
}

int controlset_attach_note(struct controlset *cs, struct syncnote *sn)
{
	int err = syncnote_provide(sn, &(struct syncnote_provider){.words = words_of, .ctx = cs});

	if (err == 0)
		cs->notes = sn;
	return err;
}

void controlset_free(struct controlset *cs)
{
	if (cs == NULL)
		return;
	for (size_t i = 0; i < CONFIG_MAX_SOURCES; i++)
		chrony_poll_free(cs->poll[i]);
	free(cs);
}
