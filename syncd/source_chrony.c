/* SPDX-License-Identifier: Apache-2.0 */
/*
 * source_chrony.c - a running chronyd's tracking report, over UDP to its
 * command port or over its Unix socket. True time is the system time plus
 * chronyd's current correction, within root dispersion + root delay / 2 (the
 * bound chronyd documents for its estimate): root delay / 2 (or the stated
 * maximum asymmetry, if smaller) is the path allowance, root dispersion the
 * statistical part. chronyd's word is checked against what its corrections
 * show: any error within +-D has a standard deviation of at most D, so a
 * scatter of the corrections about their own track (a robust sigma) wider
 * than the stated dispersion D proves it optimistic, and the statistical
 * part is then that scatter's bound at the confidence instead (estimator.h:
 * the spread), for OPTIMISTIC_MEMORY windows of reports since it last
 * showed, and also until a window of reports was seen. The
 * data is stale when chronyd has not updated for `missed` of its update
 * intervals.
 *
 * How fast the bound grows away from a report (and in holdover) comes from
 * what the data shows, not from the stated worst case: the larger of
 * chronyd's own frequency error estimate (SKEW_SAFETY x (skew + |residual
 * frequency|)) and what its successive corrections show (the estimator's
 * trend, its uncertainty and the learned frequency wander over the holdover,
 * at the confidence), never below DRIFT_FLOOR, and never above the
 * configured maxdrift (the administrator's upper clamp). The growth since
 * chronyd's last update is added to the statistical part.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "chrony_poll.h"
#include "chrony_proto.h"
#include "deadline.h"
#include "estimator.h"
#include "projection.h"
#include "rate.h"
#include "source.h"
#include "udsock.h"

#define CHRONY_FLOAT_EPS 6e-8 /* relative precision of chronyd's 25-bit floats */
/* chronyd's skew is its estimate of its frequency error (about one standard
 * error of its regression); trusted at three times it, as one trusts a
 * sigma at 99.7%. */
#define SKEW_SAFETY 3.0
/* No growth slower than this (fraction): 0.05 ppm, what an ordinary
 * crystal's rate moves with a fraction of a degree, below anything the
 * corrections of a few minutes can rule out. */
#define DRIFT_FLOOR (0.05 * PPM)
/* A scatter estimated from a window of reports fluctuates: an optimistic
 * chronyd's can dip below what it states now and then. Once proven
 * optimistic, it stays distrusted for this many windows of reports; and
 * until a window was seen, nothing shows its word true. */
#define OPTIMISTIC_MEMORY 4

struct chrony {
	int fd;
	uint32_t sequence;
	char client_path[CONFIG_PATH_MAX + 64]; /* our end of the Unix socket, removed on close */
	char where[128];			/* chronyd's address, for messages */
	struct estimator *est;			/* the scatter of its corrections */
	int64_t last_ref;			/* of the newest report taken */
	int64_t optimistic_until; /* its scatter last exceeded its dispersion: distrusted until */
};

static int connect_udp(struct source *s, struct chrony *c)
{
	struct sockaddr_in6 a6;
	struct sockaddr_in a4;
	struct sockaddr *a;
	socklen_t alen;
	int family;

	memset(&a4, 0, sizeof(a4));
	memset(&a6, 0, sizeof(a6));
	if (inet_pton(AF_INET, s->cfg->address, &a4.sin_addr) == 1) {
		a4.sin_family = family = AF_INET;
		a4.sin_port = htons((uint16_t)s->cfg->port);
		a = (struct sockaddr *)&a4;
		alen = sizeof(a4);
	} else if (inet_pton(AF_INET6, s->cfg->address, &a6.sin6_addr) == 1) {
		a6.sin6_family = family = AF_INET6;
		a6.sin6_port = htons((uint16_t)s->cfg->port);
		a = (struct sockaddr *)&a6;
		alen = sizeof(a6);
	} else {
		return -EINVAL; /* the configuration checks addresses */
	}
	c->fd = socket(family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (c->fd < 0 || connect(c->fd, a, alen) < 0)
		return -errno;
	return 0;
}

/* (Re)connect: at start, and after any failure, so a chronyd that starts
 * later or restarts is found again. */
static int connect_chrony(struct source *s, struct chrony *c)
{
	int err;

	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	if (s->cfg->socket[0]) {
		snprintf(c->client_path, sizeof(c->client_path), "%s/syncd-chrony-%d-%s.sock",
			 s->rundir, (int)getpid(), s->cfg->name);
		err = c->fd = udsock_client(c->client_path, s->cfg->socket);
	} else {
		err = connect_udp(s, c);
	}
	if (err < 0) {
		snprintf(s->detail, sizeof(s->detail), "%s: %s", c->where, strerror(-err));
		if (c->fd >= 0)
			close(c->fd);
		c->fd = -1;
		return err;
	}
	s->connections++;
	return 0;
}

static void disconnect(struct chrony *c)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
}

static int chrony_open(struct source *s)
{
	struct chrony *c = calloc(1, sizeof(*c));

	if (c == NULL)
		return -ENOMEM;
	c->fd = -1;
	s->priv = c;
	c->est = source_estimator_new(s->cfg);
	if (c->est == NULL)
		return -errno;
	if (s->cfg->socket[0])
		snprintf(c->where, sizeof(c->where), "chronyd at %s", s->cfg->socket);
	else
		snprintf(c->where, sizeof(c->where), "chronyd at %s port %u", s->cfg->address,
			 s->cfg->port);
	if (getrandom(&c->sequence, sizeof(c->sequence), GRND_NONBLOCK) < 0)
		c->sequence = (uint32_t)getpid();
	return connect_chrony(s, c);
}

/* One request and its reply, within QUERY_TIMEOUT_MS and QUERY_MAX_REPLIES. */
static int ask(struct source *s, struct chrony *c, struct chrony_tracking *t)
{
	uint8_t req[CHRONY_TRACKING_LEN], reply[512];
	int64_t deadline = deadline_now_ms() + QUERY_TIMEOUT_MS;
	unsigned status;
	uint32_t seq = ++c->sequence;

	chrony_proto_tracking_request(req, seq);
	if (send(c->fd, req, sizeof(req), 0) != (ssize_t)sizeof(req)) {
		int err = -errno;
		snprintf(s->detail, sizeof(s->detail), "%s: %s", c->where, strerror(errno));
		disconnect(c);
		return err;
	}
	for (int tries = 0; tries < QUERY_MAX_REPLIES; tries++) {
		ssize_t n;
		int err;
		if (!deadline_wait(c->fd, deadline))
			break;
		n = recv(c->fd, reply, sizeof(reply), 0);
		if (n < 0) {
			err = -errno;
			snprintf(s->detail, sizeof(s->detail), "%s: %s", c->where, strerror(errno));
			disconnect(c);
			return err;
		}
		err = chrony_proto_tracking_parse(reply, (size_t)n, seq, t, &status);
		if (err == -EBADMSG) {
			snprintf(s->detail, sizeof(s->detail), "%s refused: status %u", c->where,
				 status);
			return err;
		}
		if (err == 0)
			return 0;
		/* a late reply to an earlier request, or garbage: keep waiting */
	}
	snprintf(s->detail, sizeof(s->detail), "%s did not answer within %d ms", c->where,
		 QUERY_TIMEOUT_MS);
	disconnect(c); /* a Unix socket may be connected to a chronyd that is gone */
	return -ETIMEDOUT;
}

/* How fast the bound grows (fraction), with the estimator's bound of the
 * frequency error `rate` (e->drift: over the next seconds, e->hold_drift:
 * over a holdover of the configured length, e->freq_bound: now). */
static double growth(const struct source *s, const struct chrony_tracking *t,
		     const struct estimate *e, double rate)
{
	double stated = SKEW_SAFETY * (fabs(t->skew_ppm) + fabs(t->resid_freq_ppm)) * PPM;
	double learned = s->cfg->maxdrift; /* too little seen: the worst stated */

	if (e->used >= ESTIMATOR_MIN_SAMPLES)
		learned = fabs(e->freq) + rate;
	return fmin(fmax(DRIFT_FLOOR, fmax(stated, learned)), s->cfg->maxdrift);
}

static enum source_state chrony_query(struct source *s, int64_t now, struct reading *r)
{
	struct chrony *c = s->priv;
	struct chrony_tracking t;
	double disp, interval, stat, drift, hold_drift;
	struct estimator_sample smp;
	struct estimate e;
	int64_t age;

	if (c == NULL || (c->fd < 0 && connect_chrony(s, c) < 0))
		return SOURCE_DOWN;
	if (ask(s, c, &t) < 0)
		return SOURCE_DOWN;
	if (t.leap_status == CHRONY_LEAP_UNSYNC) {
		snprintf(s->detail, sizeof(s->detail), "chronyd is not synchronised");
		return SOURCE_UNSYNCED;
	}
	if (t.ref_id == CHRONY_REF_LOCAL) {
		/* Its reference is its own clock (the local directive): no truth here. */
		snprintf(s->detail, sizeof(s->detail),
			 "chronyd follows only its own clock (local reference)");
		return SOURCE_UNSYNCED;
	}
	interval = fmax(t.update_interval, 1.0);
	age = now - t.ref_time_ns;
	if ((double)age > s->cfg->missed * interval * 1e9) {
		snprintf(s->detail, sizeof(s->detail),
			 "stale: chronyd last updated %.1f s ago (every %.1f s)",
			 (double)age * 1e-9, interval);
		return SOURCE_UNSYNCED;
	}
	/* Its estimate of true time is system time + correction; the float format's
	 * rounding is added so the bound never shrinks. One sample per update of
	 * chronyd (a repeated report says nothing new). */
	disp = (t.root_dispersion + fabs(t.correction) * CHRONY_FLOAT_EPS) * 1e9;
	smp = (struct estimator_sample){
		.t = now,
		.offset = (int64_t)llround(t.correction * 1e9),
		.delay = (int64_t)llround(t.root_delay * 1e9),
		.upstream = (int64_t)ceil(disp),
	};
	if (t.ref_time_ns != c->last_ref || estimator_estimate(c->est, now, &e) < 0) {
		estimator_add(c->est, &smp);
		c->last_ref = t.ref_time_ns;
	}
	estimator_estimate(c->est, now, &e);
	if (e.sigma > disp && e.used >= ESTIMATOR_MIN_SAMPLES) /* proven optimistic, */
		c->optimistic_until =
			now + (int64_t)fmin(OPTIMISTIC_MEMORY * s->cfg->window * interval * 1e9,
					    1e18); /* (whatever interval chronyd states) */
	if (s->cfg->estimator == ESTIMATOR_WINDOW)
		stat = disp; /* as it always was: chronyd's word */
	else if (e.used < ESTIMATOR_MIN_SAMPLES)
		stat = fmax(disp, e.stat); /* too little seen to check its word */
	else if (e.used < s->cfg->window || now < c->optimistic_until)
		stat = fmax(disp, e.spread); /* not yet shown honest, or lately optimistic */
	else
		stat = disp; /* what it shows is consistent with what it says */
	if (s->cfg->estimator == ESTIMATOR_WINDOW) {
		/* as it always was: the stated worst case plus chronyd's word */
		drift = hold_drift = s->cfg->maxdrift + (t.skew_ppm + fabs(t.resid_freq_ppm)) * PPM;
	} else {
		drift = growth(s, &t, &e, e.drift);
		hold_drift = fmax(drift, growth(s, &t, &e, e.hold_drift));
		/* what the clock may have moved since chronyd's last update */
		if (age > 0)
			stat += (double)age * drift;
	}
	r->at = now;
	r->offset = smp.offset;
	r->freq = 0; /* the host clock runs at chronyd's corrected rate */
	r->asym = bound_ns(estimator_allowance(
		&(struct estimator_config){.asymmetry_ns = s->cfg->asymmetry_ns}, smp.delay));
	r->stat = bound_ns(stat);
	r->below = r->above = qot_sat_add_u64(r->asym, r->stat) + 1;
	if (r->below < (uint64_t)s->cfg->minbound_ns)
		r->below = r->above = (uint64_t)s->cfg->minbound_ns;
	r->drift = bound_rate_from_frac(drift);
	r->hold_drift = bound_rate_from_frac(hold_drift);
	if (s->cfg->estimator != ESTIMATOR_WINDOW && e.used >= ESTIMATOR_MIN_SAMPLES) {
		/* the same growth as the model says it, for holdovers shorter
		 * than the horizon (the discipline takes the tighter) */
		r->hold_lin = growth(s, &t, &e, e.freq_bound);
		r->hold_wander = e.wander;
		r->age = age > 0 ? age : 0;
	}
	chrony_poll_quality(&t, now, s->cfg->maxdrift, &s->quality);
	s->has_quality = true;
	snprintf(s->detail, sizeof(s->detail),
		 "stratum %u, correction %.9f s, root delay %.9f s, dispersion %.9f s", t.stratum,
		 t.correction, t.root_delay, t.root_dispersion);
	return SOURCE_OK;
}

static void chrony_close(struct source *s)
{
	struct chrony *c = s->priv;

	if (c == NULL)
		return;
	if (c->fd >= 0)
		close(c->fd);
	if (c->client_path[0])
		unlink(c->client_path);
	estimator_free(c->est);
	free(c);
	s->priv = NULL;
}

const struct source_ops source_chrony_ops = {chrony_open, chrony_query, chrony_close};
