/* SPDX-License-Identifier: Apache-2.0 */
/* syncsim.c - drive syncd's real sources (through a fake ptp4l or chronyd),
 * estimator and discipline through simulated clocks. */
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "chrony_proto.h"
#include "config.h"
#include "discipline.h"
#include "projection.h"
#include "ptp_mgmt.h"
#include "source.h"
#include "syncsim.h"
#include "waitcalc.h"
#include "wire.h"

#define T0	     1800000000000000000LL /* a base-clock epoch, ns */
#define MAX_CHECKS   256		   /* per update */
#define POLL_LATENCY 0 /* ns from a sync's arrival to the poll (polled as it comes) */
#define ORACLE_COVER 0.9999
#define POLL_TRIES   5 /* queries of the fake daemon before giving up */
/* After a holdover (or the start, or a step of the base clock), the
 * timeline slews back to the truth and the estimator settles: checks this
 * long after count with the holdover. */
#define RECOVERY_NS 10000000000LL

void syncsim_defaults(struct syncsim_config *c, enum syncsim_source source)
{
	memset(c, 0, sizeof(*c));
	c->source = source;
	c->method = ESTIMATOR_KALMAN;
	c->offset0_ns = 37000;
	c->duration_ns = 7200LL * 1000000000;
	c->update_every_ns = 1000000000;
	c->loss_every_ns = 1800LL * 1000000000;
	c->loss_for_ns = 300LL * 1000000000;
	c->checks_per_update = 16;
	c->asym_change_at = 2; /* never */
	c->asymmetry_ns = -1;
	c->seed = 1;
	c->wander_period_s = 3600;
	c->step_ns = 200000;
	if (source == SYNCSIM_PTP) {
		/* A free-running CLOCK_REALTIME (ptp4l -S, free_running) */
		c->freq0 = 12e-6;
		c->wander_amp = 3e-6;
		c->wander = 2e-9;
		c->noise_ns = 200;
		c->outlier_prob = 0.002;
		c->outlier_ns = 50000;
		c->delay_ns = 5000;
		c->asym0_ns = 300;
		c->asym1_ns = 300;
		c->sample_every_ns = 125000000;
	} else {
		/* A host clock chronyd keeps at nearly the true rate. */
		c->freq0 = 0;
		c->wander_amp = 0.1e-6;
		/* a quarter period on: the outages fall where the rate is
		 * farthest off, so holdover shows what the growth is worth */
		c->wander_phase = M_PI / 2;
		c->wander = 1e-10;
		c->delay_ns = 40000;
		c->asym0_ns = c->asym1_ns = 12000;
		c->stated_ns = 30000;
		c->sample_every_ns = 1000000000;
	}
}

int syncsim_variant(size_t i, struct syncsim_config *c, const char **key, const char **what,
		    int *honest, int *stated)
{
	static const struct {
		const char *key, *what;
		enum syncsim_source source;
	} v[] = {
		{"ptp", "ptp, default allowance (the mean path delay)", SYNCSIM_PTP},
		{"ptp_stated", "ptp, asymmetry stated 300 ns (true: 300 ns)", SYNCSIM_PTP},
		{"ptp_asym_change", "ptp, stated 450 ns, true 300 -> -450 ns at 40%", SYNCSIM_PTP},
		{"ptp_asym_beyond", "ptp, stated 450 ns, true 300 -> 1500 ns at 40% (wrong)",
		 SYNCSIM_PTP},
		{"ptp_noise1us", "ptp, queueing 1 us per direction", SYNCSIM_PTP},
		{"ptp_steps", "ptp, base clock stepped 200 us at 1% of updates", SYNCSIM_PTP},
		{"chrony", "chrony, honest, default allowance (root delay / 2)", SYNCSIM_CHRONY},
		{"chrony_stated", "chrony, honest, asymmetry stated 12 us (true: 12 us)",
		 SYNCSIM_CHRONY},
		{"chrony_optimistic", "chrony, states 30 us, errs 60 us (1 sigma)", SYNCSIM_CHRONY},
		{"chrony_rate", "chrony, host clock 0.3 ppm off (its skew says 0.01)",
		 SYNCSIM_CHRONY},
	};

	if (i >= sizeof(v) / sizeof(v[0]))
		return -1;
	syncsim_defaults(c, v[i].source);
	*key = v[i].key;
	*what = v[i].what;
	*honest = 1;
	*stated = 0;
	switch (i) {
	case 1:
		c->asymmetry_ns = 300;
		*stated = 1;
		break;
	case 2:
		c->asymmetry_ns = 450;
		c->asym1_ns = -450;
		c->asym_change_at = 0.4;
		*stated = 1;
		break;
	case 3:
		c->asymmetry_ns = 450;
		c->asym1_ns = 1500;
		c->asym_change_at = 0.4;
		*honest = 0;
		break;
	case 4:
		c->noise_ns = 1000;
		break;
	case 5:
		c->step_prob = 0.01;
		break;
	case 7:
		c->asymmetry_ns = 12000;
		*stated = 1;
		break;
	case 8:
		c->optimistic_ns = 60000;
		break;
	case 9:
		c->freq0 = 0.3e-6; /* only the corrections' trend shows it */
		break;
	}
	return 0;
}

/* --- the truth ----------------------------------------------------------- */

struct world {
	double theta; /* ns: true - base */
	double rw;    /* the random walk part of the frequency */
	int64_t t;    /* base clock, ns */
	unsigned seed;
};

static double uniform(unsigned *seed)
{
	return (rand_r(seed) + 0.5) / ((double)RAND_MAX + 1.0);
}

static double gauss(unsigned *seed)
{
	return sqrt(-2 * log(uniform(seed))) * cos(2 * M_PI * uniform(seed));
}

/* Student's t with 3 degrees of freedom: heavy tails (finite variance 3). */
static double t3(unsigned *seed)
{
	double z = gauss(seed), c = 0;
	for (int i = 0; i < 3; i++) {
		double g = gauss(seed);
		c += g * g;
	}
	return z / sqrt(c / 3);
}

static double freq_at(const struct syncsim_config *c, const struct world *w)
{
	double s = (double)(w->t - T0) * 1e-9;
	return c->freq0 + c->wander_amp * sin(2 * M_PI * s / c->wander_period_s + c->wander_phase) +
	       w->rw;
}

/* Evolve the truth to base instant t, in steps of at most 10 ms. */
static void advance(struct world *w, const struct syncsim_config *c, int64_t t)
{
	while (w->t < t) {
		int64_t step = t - w->t < 10000000 ? t - w->t : 10000000;
		double s = (double)step * 1e-9;
		w->theta += freq_at(c, w) * (double)step;
		w->rw += c->wander * sqrt(s) * gauss(&w->seed);
		w->t += step;
	}
}

static double asym_at(const struct syncsim_config *c, int64_t t)
{
	return (double)(t - T0) < c->asym_change_at * (double)c->duration_ns ? c->asym0_ns
									     : c->asym1_ns;
}

static bool in_loss(const struct syncsim_config *c, int64_t t)
{
	int64_t since = t - T0;
	return c->loss_every_ns > 0 &&
	       since % c->loss_every_ns >= c->loss_every_ns - c->loss_for_ns;
}

/* --- the fake daemon: ptp4l's management or chronyd's command socket ------- */

struct fake {
	pthread_mutex_t lock;
	int fd;
	enum syncsim_source kind;
	/* ptp4l */
	int64_t master_offset, ingress, mean_path_delay;
	/* chronyd */
	double correction, root_delay, root_dispersion;
	int64_t ref_time;
	unsigned served;
};

static void put_u16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put_u32(uint8_t *p, uint32_t v)
{
	put_u16(p, (uint16_t)(v >> 16));
	put_u16(p + 2, (uint16_t)v);
}

static void put_u64(uint8_t *p, uint64_t v)
{
	put_u32(p, (uint32_t)(v >> 32));
	put_u32(p + 4, (uint32_t)v);
}

/* A PTP management RESPONSE to request req, with data d[0..len). */
static size_t ptp_reply(uint8_t *buf, const uint8_t *req, const uint8_t *d, size_t len)
{
	size_t total = 34 + 14 + 6 + len;

	memset(buf, 0, total);
	buf[0] = 0x0d;
	buf[1] = 2;
	put_u16(buf + 2, (uint16_t)total);
	memcpy(buf + 30, req + 30, 2); /* its sequence */
	buf[34 + 12] = 2;	       /* RESPONSE */
	put_u16(buf + 48, 1);	       /* MANAGEMENT TLV */
	put_u16(buf + 50, (uint16_t)(2 + len));
	memcpy(buf + 52, req + 52, 2); /* its id */
	memcpy(buf + 54, d, len);
	return total;
}

static size_t ptp_answer(struct fake *f, const uint8_t *req, uint8_t *buf)
{
	uint8_t d[64];
	size_t len = 0;

	memset(d, 0, sizeof(d));
	switch (wire_get16(req + 52)) {
	case PTP_ID_TIME_STATUS_NP:
		put_u64(d, (uint64_t)f->master_offset);
		put_u64(d + 8, (uint64_t)f->ingress);
		put_u32(d + 38, 1);				       /* gmPresent */
		memcpy(d + 42, "\x00\x11\x22\xff\xfe\x33\x44\x55", 8); /* gmIdentity */
		len = 50;
		break;
	case PTP_ID_CURRENT_DATA_SET:
		put_u16(d, 1); /* stepsRemoved */
		put_u64(d + 10, (uint64_t)f->mean_path_delay << 16);
		len = 18;
		break;
	case PTP_ID_PARENT_DATA_SET:
		d[20] = 0xFE; /* clockAccuracy unknown: states nothing */
		len = 21;
		break;
	case PTP_ID_PORT_DATA_SET:
		d[10] = PTP_PORT_SLAVE;
		len = 11;
		break;
	default:
		return 0;
	}
	return ptp_reply(buf, req, d, len);
}

/* chronyd's float: a 7-bit exponent and a 25-bit signed coefficient. */
static uint32_t chrony_encode(double x)
{
	int exp;
	double m = frexp(x, &exp);
	int32_t coef = (int32_t)lround(m * (1 << 23));
	int32_t e = exp - 23 + 25;

	if (x == 0)
		return 0;
	return ((uint32_t)e & 0x7f) << 25 | ((uint32_t)coef & 0x1ffffff);
}

static size_t chrony_answer(struct fake *f, const uint8_t *req, uint8_t *buf)
{
	uint8_t *d = buf + 28;
	int64_t sec = f->ref_time / 1000000000, nsec = f->ref_time % 1000000000;

	memset(buf, 0, CHRONY_TRACKING_LEN);
	buf[0] = 6;
	buf[1] = 2;
	put_u16(buf + 4, 33);
	put_u16(buf + 6, 5);
	memcpy(buf + 16, req + 8, 4); /* its sequence */
	put_u32(d, 0xc0000201);	      /* a reference id, not LOCL */
	put_u16(d + 24, 2);	      /* stratum */
	put_u16(d + 26, 0);	      /* leap: normal */
	put_u32(d + 28, (uint32_t)(sec >> 32));
	put_u32(d + 32, (uint32_t)sec);
	put_u32(d + 36, (uint32_t)nsec);
	put_u32(d + 40, chrony_encode(f->correction));
	put_u32(d + 60, chrony_encode(0.01)); /* skew, ppm */
	put_u32(d + 64, chrony_encode(f->root_delay));
	put_u32(d + 68, chrony_encode(f->root_dispersion));
	put_u32(d + 72, chrony_encode(1.0)); /* update interval, s */
	return CHRONY_TRACKING_LEN;
}

static void *fake_serve(void *arg)
{
	struct fake *f = arg;

	for (;;) {
		uint8_t req[512], buf[512];
		struct sockaddr_un from;
		socklen_t flen = sizeof(from);
		ssize_t n = recvfrom(f->fd, req, sizeof(req), 0, (struct sockaddr *)&from, &flen);
		size_t len = 0;

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return NULL; /* shut down */
		}
		if (n == 1 && req[0] == 'q')
			return NULL;
		pthread_mutex_lock(&f->lock);
		if (f->kind == SYNCSIM_PTP && n >= PTP_MGMT_REQUEST_LEN)
			len = ptp_answer(f, req, buf);
		else if (f->kind == SYNCSIM_CHRONY && n >= CHRONY_TRACKING_LEN)
			len = chrony_answer(f, req, buf);
		f->served++;
		pthread_mutex_unlock(&f->lock);
		if (len > 0)
			sendto(f->fd, buf, len, 0, (struct sockaddr *)&from, flen);
	}
}

/* --- the run -------------------------------------------------------------- */

struct records {
	double *err, *serr, *half, *stat, *asym, *wait;
	size_t n, cap;
};

static int records_init(struct records *r, size_t cap)
{
	memset(r, 0, sizeof(*r));
	r->cap = cap;
	r->err = malloc(cap * sizeof(double));
	r->serr = malloc(cap * sizeof(double));
	r->half = malloc(cap * sizeof(double));
	r->stat = malloc(cap * sizeof(double));
	r->asym = malloc(cap * sizeof(double));
	r->wait = malloc(cap * sizeof(double));
	return r->err && r->serr && r->half && r->stat && r->asym && r->wait ? 0 : -ENOMEM;
}

static void records_free(struct records *r)
{
	free(r->err);
	free(r->serr);
	free(r->half);
	free(r->stat);
	free(r->asym);
	free(r->wait);
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static double median(double *v, size_t n)
{
	qsort(v, n, sizeof(double), cmp);
	return v[n / 2];
}

static double oracle(double *v, size_t n)
{
	size_t k = (size_t)ceil(ORACLE_COVER * (double)n);
	qsort(v, n, sizeof(double), cmp);
	return v[k > 0 ? k - 1 : 0];
}

static void figures(struct records *r, struct syncsim_figures *f)
{
	memset(f, 0, sizeof(*f));
	f->n = r->n;
	if (r->n == 0)
		return;
	f->median_half_ns = median(r->half, r->n);
	f->median_stat_ns = median(r->stat, r->n);
	f->median_asym_ns = median(r->asym, r->n);
	f->median_wait_ns = median(r->wait, r->n);
	f->median_error_ns = median(r->err, r->n);
	f->oracle_ns = oracle(r->err, r->n);
	f->oracle_stat_ns = oracle(r->serr, r->n);
}

struct sim {
	const struct syncsim_config *c;
	struct world w;
	struct fake fake;
	struct syncd_config cfg;
	struct source src;
	int64_t next_sample, next_poll;
	int64_t stepped_at; /* the last step of the base clock */
};

/* A new sync (ptp) or a new update of chronyd (chrony) at base instant t. */
static void sample(struct sim *s, int64_t t)
{
	const struct syncsim_config *c = s->c;
	struct world *w = &s->w;

	advance(w, c, t);
	if ((t - T0) % c->update_every_ns == 0 && uniform(&w->seed) < c->step_prob) {
		w->theta += c->step_ns * (uniform(&w->seed) < 0.5 ? -1 : 1);
		s->stepped_at = t;
	}
	pthread_mutex_lock(&s->fake.lock);
	if (c->source == SYNCSIM_PTP) {
		/* master - local = theta: the forward delay exceeds the backward
		 * one by twice the asymmetry; each way queues independently. */
		double q_ms = c->noise_ns * fabs(t3(&w->seed)),
		       q_sm = c->noise_ns * fabs(t3(&w->seed));
		double y = w->theta + asym_at(c, t) + (q_ms - q_sm) / 2;
		if (uniform(&w->seed) < c->outlier_prob)
			y += c->outlier_ns * (uniform(&w->seed) < 0.5 ? -1 : 1);
		s->fake.master_offset = -(int64_t)llround(y);
		s->fake.ingress = t;
		s->fake.mean_path_delay = (int64_t)llround(c->delay_ns + c->noise_ns);
	} else {
		double e = c->optimistic_ns > 0 ? c->optimistic_ns * gauss(&w->seed)
						: c->stated_ns * (2 * uniform(&w->seed) - 1);
		s->fake.correction = (w->theta + asym_at(c, t) + e) * 1e-9;
		s->fake.root_delay = c->delay_ns * 1e-9;
		s->fake.root_dispersion = c->stated_ns * 1e-9;
		s->fake.ref_time = t;
	}
	pthread_mutex_unlock(&s->fake.lock);
}

/* Samples and polls up to base instant until, in time order. -EPROTO if
 * the source could not query the fake daemon (which always answers) in
 * POLL_TRIES attempts. */
static int run_until(struct sim *s, int64_t until)
{
	const struct syncsim_config *c = s->c;

	for (;;) {
		int64_t next = s->next_sample < s->next_poll ? s->next_sample : s->next_poll;
		if (next > until)
			break;
		if (next == s->next_sample) {
			if (!in_loss(c, next))
				sample(s, next);
			s->next_sample += c->sample_every_ns;
		} else {
			int tries = 0;
			advance(&s->w, c, next);
			/* The fake answers at once, but a loaded machine may keep its
			 * thread from running past the source's query timeout: the
			 * same question again, at the same virtual instant. */
			while (source_update(&s->src, next) == SOURCE_DOWN) {
				if (++tries == POLL_TRIES) {
					fprintf(stderr, "syncsim: the source: %s\n", s->src.detail);
					return -EPROTO;
				}
			}
			s->next_poll += c->sample_every_ns;
		}
	}
	advance(&s->w, c, until);
	return 0;
}

static int sim_open(struct sim *s, const char *dir)
{
	const struct syncsim_config *c = s->c;
	char text[1024], err[256], method[16], asym[48] = "";
	struct sockaddr_un a;

	memset(&a, 0, sizeof(a));
	a.sun_family = AF_UNIX;
	snprintf(a.sun_path, sizeof(a.sun_path), "%s/daemon.sock", dir);
	s->fake.fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (s->fake.fd < 0 || bind(s->fake.fd, (struct sockaddr *)&a, sizeof(a)) < 0)
		return -errno;
	snprintf(method, sizeof(method), "%s", c->method == ESTIMATOR_WINDOW ? "window" : "kalman");
	if (c->asymmetry_ns >= 0)
		snprintf(asym, sizeof(asym), " asymmetry %lldns", (long long)c->asymmetry_ns);
	snprintf(text, sizeof(text),
		 "rundir %s\nholdover 3600s\nsource sim %s socket %s estimator %s%s poll %lldns\n",
		 dir, c->source == SYNCSIM_PTP ? "ptp" : "chrony", a.sun_path, method, asym,
		 (long long)c->sample_every_ns);
	if (config_parse(&s->cfg, text, strlen(text), err, sizeof(err)) < 0) {
		fprintf(stderr, "syncsim: configuration: %s\n", err);
		return -EINVAL;
	}
	s->src.ops = source_ops_for(s->cfg.sources[0].type);
	s->src.cfg = &s->cfg.sources[0];
	s->src.rundir = dir;
	s->src.state = SOURCE_DOWN;
	return s->src.ops->open(&s->src);
}

int syncsim_run(const struct syncsim_config *c, struct syncsim_result *out)
{
	uint64_t updates = (uint64_t)(c->duration_ns / c->update_every_ns);
	unsigned k = c->checks_per_update < MAX_CHECKS ? c->checks_per_update : MAX_CHECKS;
	struct discipline_config dcfg = {
		.interval = c->update_every_ns,
		.margin = discipline_margin(c->update_every_ns),
		.holdover = 3600LL * 1000000000,
		.stale = 4 * c->update_every_ns,
		.maxslew = 500e-6,
	};
	char dir[] = "/tmp/syncsim.XXXXXX";
	struct sim *s = calloc(1, sizeof(*s));
	struct records synced, holdover;
	struct discipline d;
	struct qot_clock_params p;
	int64_t last_est = INT64_MIN, unsynced_at = T0;
	/* The check instants have their own stream: the truth does not depend
	 * on how many checks there are. */
	unsigned check_seed = c->seed ^ 0x9e3779b9u;
	pthread_t thread;
	bool started = false;
	int err;

	memset(out, 0, sizeof(*out));
	if (s == NULL)
		return -ENOMEM;
	s->c = c;
	s->w = (struct world){c->offset0_ns, 0, T0, c->seed};
	s->next_sample = s->next_poll = T0;
	s->stepped_at = INT64_MIN / 2;
	s->next_poll += POLL_LATENCY;
	s->fake.kind = c->source;
	s->fake.fd = -1;
	pthread_mutex_init(&s->fake.lock, NULL);
	if (records_init(&synced, (size_t)(updates * k)) < 0 ||
	    records_init(&holdover, (size_t)(updates * k)) < 0) {
		err = -ENOMEM;
		goto out;
	}
	if (mkdtemp(dir) == NULL) {
		err = -errno;
		goto out;
	}
	err = sim_open(s, dir);
	if (err == 0)
		err = -pthread_create(&thread, NULL, fake_serve, &s->fake);
	if (err < 0)
		goto out;
	started = true;
	discipline_init(&d);
	for (uint64_t u = 0; u < updates; u++) {
		int64_t now = T0 + (int64_t)u * c->update_every_ns;
		double at[MAX_CHECKS];

		if ((err = run_until(s, now)) < 0)
			goto out;
		discipline_update(&d, &dcfg, s->src.state == SOURCE_OK ? &s->src.last : NULL, now,
				  &p);
		if (p.status != QOT_STATUS_SYNCED)
			unsynced_at = now;
		/* Checks at random instants until the next update, in order. */
		for (unsigned i = 0; i < k; i++)
			at[i] = uniform(&check_seed) * (double)c->update_every_ns;
		qsort(at, k, sizeof(at[0]), cmp);
		for (unsigned i = 0; i < k; i++) {
			int64_t t = now + (int64_t)at[i];
			struct qot_time q;
			struct records *r;
			double est, err_ns, half, asym;
			bool ok, hold;

			if ((err = run_until(s, t)) < 0)
				goto out;
			qot_project(&p, t, &q);
			/* Relative to t: at 1.8e18 ns a double resolves only 256 ns. */
			est = (double)(q.estimate - t);
			ok = est - (double)q.below <= s->w.theta + 0.5 &&
			     s->w.theta - 0.5 <= est + (double)q.above;
			hold = q.status != QOT_STATUS_SYNCED;
			if (!ok && getenv("SYNCSIM_DEBUG"))
				fprintf(stderr,
					"miss at %.3f s: error %.0f ns, -%llu/+%llu, status %u\n",
					(double)(t - T0) * 1e-9, est - s->w.theta,
					(unsigned long long)q.below, (unsigned long long)q.above,
					q.status);
			out->checks++;
			out->covered += ok;
			out->checks_holdover += hold;
			out->covered_holdover += hold && ok;
			out->backward += q.estimate < last_est;
			last_est = q.estimate;
			if (q.below == QOT_UNBOUNDED || q.above == QOT_UNBOUNDED ||
			    d.asym == QOT_UNBOUNDED)
				continue;
			r = hold || t - unsynced_at < RECOVERY_NS || t - s->stepped_at < RECOVERY_NS
				    ? &holdover
				    : &synced;
			err_ns = est - s->w.theta;
			half = ((double)q.below + (double)q.above) / 2;
			asym = (double)d.asym;
			r->err[r->n] = fabs(err_ns);
			r->serr[r->n] = fabs(err_ns - asym_at(c, t));
			r->half[r->n] = half;
			r->asym[r->n] = asym;
			r->stat[r->n] = half - asym;
			r->wait[r->n] = (double)(qot_base_committing(&p, q.estimate) - t);
			r->n++;
		}
	}
	figures(&synced, &out->synced);
	figures(&holdover, &out->holdover);
	err = 0;
out:
	if (s->src.ops != NULL)
		s->src.ops->close(&s->src);
	if (started) {
		/* Wake the thread out of recvfrom: a datagram of one byte. */
		int q = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
		struct sockaddr_un a = {.sun_family = AF_UNIX};
		snprintf(a.sun_path, sizeof(a.sun_path), "%s/daemon.sock", dir);
		if (q >= 0) {
			sendto(q, "q", 1, 0, (struct sockaddr *)&a, sizeof(a));
			close(q);
		}
		pthread_join(thread, NULL);
	}
	if (s->fake.fd >= 0) {
		char path[64];
		close(s->fake.fd);
		snprintf(path, sizeof(path), "%s/daemon.sock", dir);
		unlink(path);
		rmdir(dir);
	}
	pthread_mutex_destroy(&s->fake.lock);
	records_free(&synced);
	records_free(&holdover);
	free(s);
	return err;
}
