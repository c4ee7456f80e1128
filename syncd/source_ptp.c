/* SPDX-License-Identifier: Apache-2.0 */
/*
 * source_ptp.c - a running ptp4l, through its management socket.
 *
 * Every poll takes ptp4l's latest offset from the grandmaster
 * (TIME_STATUS_NP) as a sample (true - local = -master_offset, at the
 * sync's ingress time) for a windowed estimator; once a second it also
 * reads stepsRemoved and the mean path delay (CURRENT_DATA_SET), the
 * grandmaster's stated accuracy (PARENT_DATA_SET) and a port state
 * (PORT_DATA_SET, for messages). The bound is the path allowance (by
 * default the mean path delay: one-way delays lie between 0 and twice it; or
 * the stated maximum asymmetry, if smaller) plus the estimator's
 * statistical part at the configured confidence, with the grandmaster's
 * stated accuracy when it states one (estimator.h). The local
 * clock must be CLOCK_REALTIME: ptp4l with software timestamping (-S), or a
 * PHC that phc2sys keeps equal to it; ingress times far from CLOCK_REALTIME
 * (a PHC on TAI, say) are refused.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "deadline.h"
#include "estimator.h"
#include "ptp_rate.h"
#include "projection.h"
#include "ptp_mgmt.h"
#include "rate.h"
#include "source.h"
#include "udsock.h"

#define DATASET_EVERY_NS  1000000000LL
#define MIN_STALE_NS	  1000000000LL
#define MAX_FUTURE_NS	  1000000000LL /* ingress times may not run ahead of now */
#define MAX_SYNC_INTERVAL 64000000000LL

struct ptp {
	int fd;
	uint16_t sequence;
	uint8_t identity[10];
	char client_path[CONFIG_PATH_MAX + 64]; /* our end; udsock_client checks its length */
	struct estimator *est;
	int64_t last_ingress;  /* of the newest sample */
	int64_t sync_interval; /* between the last two syncs seen */
	int64_t datasets_at;   /* base instant the data sets were last read; 0: never */
	unsigned port_state, steps_removed;
	int64_t mean_path_delay;
	int64_t gm_accuracy; /* ns, -1 unstated, PTP_ACCURACY_WORSE */
	uint8_t gm_identity[8];
	struct ptp_rate rate; /* the sync interval observed, for the controller */
};

static void disconnect(struct ptp *p)
{
	if (p->fd >= 0)
		close(p->fd);
	p->fd = -1;
}

/* (Re)connect: at start, and after any failure, so a ptp4l that starts later
 * or restarts is found again. */
static int connect_ptp(struct source *s, struct ptp *p)
{
	disconnect(p);
	snprintf(p->client_path, sizeof(p->client_path), "%s/syncd-ptp-%d-%s.sock", s->rundir,
		 (int)getpid(), s->cfg->name);
	p->fd = udsock_client(p->client_path, s->cfg->socket);
	if (p->fd < 0) {
		snprintf(s->detail, sizeof(s->detail), "ptp4l at %s: %s", s->cfg->socket,
			 strerror(-p->fd));
		p->fd = -1;
		return -1;
	}
	return 0;
}

static int ptp_open(struct source *s)
{
	struct ptp *p = calloc(1, sizeof(*p));

	if (p == NULL)
		return -ENOMEM;
	s->priv = p;
	p->fd = -1;
	p->gm_accuracy = -1;
	ptp_rate_init(&p->rate);
	p->est = source_estimator_new(s->cfg);
	if (p->est == NULL)
		return -errno;
	/* Our identity in requests: not a real clock, but unique per syncd. */
	for (int i = 0; i < 8; i++)
		p->identity[i] = (uint8_t)(getpid() >> (8 * (i % 4)));
	p->identity[8] = 0;
	p->identity[9] = 1;
	return connect_ptp(s, p);
}

/* GET one data set; its data is copied to out (up to size). Length or -errno.
 * Bounded: QUERY_TIMEOUT_MS, QUERY_MAX_REPLIES. Any failure disconnects. */
static int get(struct source *s, struct ptp *p, uint16_t id, uint8_t *out, size_t size)
{
	uint8_t req[PTP_MGMT_REQUEST_LEN], buf[1024];
	int64_t deadline = deadline_now_ms() + QUERY_TIMEOUT_MS;
	uint16_t seq = ++p->sequence;
	int err = -ETIMEDOUT;

	/* Drop late answers to earlier requests (one per port, for port data sets). */
	for (int i = 0; i < QUERY_MAX_REPLIES; i++) {
		if (recv(p->fd, buf, sizeof(buf), MSG_DONTWAIT) <= 0)
			break;
	}
	ptp_mgmt_request(req, (uint8_t)s->cfg->domain, seq, id, p->identity);
	if (send(p->fd, req, sizeof(req), 0) != (ssize_t)sizeof(req)) {
		err = -errno;
		snprintf(s->detail, sizeof(s->detail), "ptp4l at %s: %s", s->cfg->socket,
			 strerror(errno));
		disconnect(p);
		return err;
	}
	for (int tries = 0; tries < QUERY_MAX_REPLIES; tries++) {
		const uint8_t *data;
		ssize_t n;
		int len;
		if (!deadline_wait(p->fd, deadline))
			break;
		n = recv(p->fd, buf, sizeof(buf), 0);
		if (n < 0) {
			err = -errno;
			snprintf(s->detail, sizeof(s->detail), "ptp4l at %s: %s", s->cfg->socket,
				 strerror(errno));
			disconnect(p);
			return err;
		}
		len = ptp_mgmt_response(buf, (size_t)n, seq, id, &data);
		if (len == -EBADMSG) {
			snprintf(s->detail, sizeof(s->detail), "ptp4l refused data set 0x%04x", id);
			return len;
		}
		if (len >= 0) {
			size_t copy = (size_t)len < size ? (size_t)len : size;
			memcpy(out, data, copy);
			return (int)copy;
		}
	}
	snprintf(s->detail, sizeof(s->detail), "ptp4l at %s did not answer within %d ms",
		 s->cfg->socket, QUERY_TIMEOUT_MS);
	disconnect(p); /* connected to a ptp4l that is gone, perhaps */
	return err;
}

static int read_datasets(struct source *s, struct ptp *p)
{
	uint8_t d[256];
	unsigned code;
	int len;

	if ((len = get(s, p, PTP_ID_CURRENT_DATA_SET, d, sizeof(d))) < 0 ||
	    ptp_mgmt_parse_steps_removed(d, (size_t)len, &p->steps_removed) < 0 ||
	    ptp_mgmt_parse_mean_path_delay(d, (size_t)len, &p->mean_path_delay) < 0)
		return -1;
	if ((len = get(s, p, PTP_ID_PARENT_DATA_SET, d, sizeof(d))) < 0 ||
	    ptp_mgmt_parse_gm_accuracy(d, (size_t)len, &code) < 0)
		return -1;
	p->gm_accuracy = ptp_mgmt_accuracy_ns(code);
	/* For messages only: a boundary clock answers for each port. */
	if ((len = get(s, p, PTP_ID_PORT_DATA_SET, d, sizeof(d))) < 0 ||
	    ptp_mgmt_parse_port_state(d, (size_t)len, &p->port_state) < 0)
		return -1;
	return 0;
}

/* Take the sample in ts; stale if the master went quiet. */
static enum source_state sample(struct source *s, struct ptp *p, const struct ptp_time_status *ts,
				int64_t now)
{
	int64_t stale;

	if (ts->ingress_time > now + MAX_FUTURE_NS) {
		snprintf(s->detail, sizeof(s->detail),
			 "ptp4l's clock is %.1f s ahead of CLOCK_REALTIME: hardware timestamping? "
			 "syncd needs ptp4l -S",
			 (double)(ts->ingress_time - now) * 1e-9);
		return SOURCE_UNSYNCED;
	}
	if (memcmp(ts->gm_identity, p->gm_identity, sizeof(ts->gm_identity)) != 0) {
		/* A new grandmaster: what we learned of the old one says nothing. */
		estimator_reset(p->est);
		memcpy(p->gm_identity, ts->gm_identity, sizeof(p->gm_identity));
		p->last_ingress = p->sync_interval = 0;
		ptp_rate_init(&p->rate);
	}
	ptp_rate_add(&p->rate, ts->ingress_time);
	{
		int64_t iv;
		bool exact;
		/* to the nearest PTP log interval: the gaps wander by the jitter */
		s->fixed_interval = ptp_rate_interval(&p->rate, &iv, &exact) == 0
					    ? ptp_rate_of_log(ptp_rate_log_of(iv))
					    : 0;
		s->fixed_slave = p->steps_removed >= 1; /* it follows a master */
	}
	if (ts->ingress_time != p->last_ingress) {
		if (p->last_ingress && ts->ingress_time > p->last_ingress)
			p->sync_interval = ts->ingress_time - p->last_ingress;
		/* ptp4l's mean path delay is one way: the round trip is twice it. */
		struct estimator_sample smp = {
			.t = ts->ingress_time,
			.offset = -ts->master_offset,
			.delay = 2 * p->mean_path_delay,
			.upstream = p->gm_accuracy > 0 ? p->gm_accuracy : 0,
		};
		estimator_add(p->est, &smp);
		p->last_ingress = ts->ingress_time;
	}
	/* Stale after `missed` syncs as the master sends them (or polls, if slower). */
	stale = s->cfg->missed *
		(p->sync_interval > s->cfg->poll_ns ? p->sync_interval : s->cfg->poll_ns);
	if (stale > (int64_t)s->cfg->missed * MAX_SYNC_INTERVAL)
		stale = (int64_t)s->cfg->missed * MAX_SYNC_INTERVAL;
	if (stale < MIN_STALE_NS)
		stale = MIN_STALE_NS;
	if (now - p->last_ingress > stale) {
		snprintf(s->detail, sizeof(s->detail), "stale: no sync from the master for %.1f s",
			 (double)(now - p->last_ingress) * 1e-9);
		return SOURCE_UNSYNCED;
	}
	return SOURCE_OK;
}

static enum source_state ptp_query(struct source *s, int64_t now, struct reading *r)
{
	struct ptp *p = s->priv;
	struct ptp_time_status ts;
	enum source_state st;
	struct estimate e;
	uint8_t d[256];
	int len;

	if (p == NULL || (p->fd < 0 && connect_ptp(s, p) < 0))
		return SOURCE_DOWN;
	/* Once a second of the base clock (either way: it may be stepped). */
	if (p->datasets_at == 0 || now - p->datasets_at >= DATASET_EVERY_NS ||
	    p->datasets_at - now >= DATASET_EVERY_NS) {
		if (read_datasets(s, p) < 0)
			return SOURCE_DOWN;
		p->datasets_at = now;
	}
	if ((len = get(s, p, PTP_ID_TIME_STATUS_NP, d, sizeof(d))) < 0)
		return SOURCE_DOWN;
	if (ptp_mgmt_parse_time_status(d, (size_t)len, &ts) < 0) {
		snprintf(s->detail, sizeof(s->detail), "short TIME_STATUS_NP from ptp4l");
		return SOURCE_DOWN;
	}
	if (!ts.gm_present || p->steps_removed < 1) {
		snprintf(s->detail, sizeof(s->detail), "not following a grandmaster (port %s)",
			 ptp_mgmt_port_state_name(p->port_state));
		return SOURCE_UNSYNCED;
	}
	if (p->gm_accuracy == PTP_ACCURACY_WORSE) {
		snprintf(s->detail, sizeof(s->detail),
			 "the grandmaster states an accuracy worse than 10 s");
		return SOURCE_UNSYNCED;
	}
	st = sample(s, p, &ts, now);
	if (st != SOURCE_OK)
		return st;
	if (estimator_estimate(p->est, now, &e) < 0)
		return SOURCE_UNSYNCED;
	r->at = now;
	r->offset = (int64_t)llround(e.offset);
	r->freq = rate_from_frac(e.freq);
	r->asym = bound_ns(e.asym);
	r->stat = bound_ns(e.stat) + 1; /* + the rounding of the offset */
	r->below = r->above = qot_sat_add_u64(r->asym, r->stat);
	if (r->below < (uint64_t)s->cfg->minbound_ns)
		r->below = r->above = (uint64_t)s->cfg->minbound_ns;
	if (s->cfg->estimator == ESTIMATOR_WINDOW) { /* as it always was */
		r->drift = r->hold_drift = bound_rate_from_frac(e.freq_bound + s->cfg->maxdrift);
	} else {
		r->drift = bound_rate_from_frac(e.drift);
		r->hold_drift = bound_rate_from_frac(e.hold_drift);
	}
	snprintf(s->detail, sizeof(s->detail),
		 "port %s, %zu samples, sigma %.0f ns, path delay %lld ns, grandmaster accuracy %s",
		 ptp_mgmt_port_state_name(p->port_state), e.used, e.sigma,
		 (long long)p->mean_path_delay, p->gm_accuracy < 0 ? "unstated" : "stated");
	return SOURCE_OK;
}

static void ptp_close(struct source *s)
{
	struct ptp *p = s->priv;

	if (p == NULL)
		return;
	disconnect(p);
	if (p->client_path[0])
		unlink(p->client_path);
	estimator_free(p->est);
	free(p);
	s->priv = NULL;
}

const struct source_ops source_ptp_ops = {ptp_open, ptp_query, ptp_close};
