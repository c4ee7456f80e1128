/* SPDX-License-Identifier: Apache-2.0 */
/* Units: the sync effort controller (control.h) with known answers. */
#include <check.h>
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>
#include <stdio.h>
#include <string.h>

#include "chrony_cmd.h"
#include "chrony_poll.h"
#include "control.h"
#include "control_conf.h"
#include "control_req.h"
#include "control_timeline.h"
#include "ptp_mgmt.h"
#include "ptp_rate.h"
#include "qot.h"
#include "run_suite.h"

#define US 1000LL
#define MS 1000000LL
#define S  1000000000LL

static struct control_config cfg(void)
{
	struct control_config c;

	control_config_defaults(&c); /* 125 ms..64 s, margin 25%, k 3, misses 1, hold 3 */
	return c;
}

static struct qot_req req(uint64_t acc)
{
	struct qot_req r = qot_req_none;

	r.acc_below = r.acc_above = acc;
	return r;
}

/* 1 us after an exchange, no noise, 1 ppm: the bound grows 2 ns per ms of
 * interval (one exchange may be lost). */
static const struct control_quality good = {1 * US, 0, 1e-6, 0};

static struct control *make(const struct control_config *c)
{
	struct control *ctl;
	char err[128];

	ck_assert_int_eq(control_new(&ctl, c, err, sizeof(err)), 0);
	return ctl;
}

static void status(struct control *ctl, struct control_status *st)
{
	control_status(ctl, st);
}

START_TEST(predict_and_largest)
{
	struct control_config c = cfg();

	/* B(T) = 1000 + 3 * 0 + 1e-6 * 2 * T */
	ck_assert_uint_eq(control_predict(&c, &good, 4 * S), 9 * US);
	ck_assert_uint_eq(control_predict(&c, &good, 0), 1 * US);
	/* budget 15 us: (15000 - 1000) / 2e-6 = 7 s */
	ck_assert_int_eq(control_largest(&c, &good, 15 * US), 7 * S);
	/* the floor alone exceeds the budget: nothing fits */
	ck_assert_int_eq(control_largest(&c, &good, 999), 0);
	/* no drift: any interval */
	struct control_quality still = {1 * US, 0, 0, 0};
	ck_assert_int_eq(control_largest(&c, &still, 2 * US), INT64_MAX);
	/* unknown floor: unknown bound, nothing fits */
	struct control_quality unknown = {QOT_UNBOUNDED, 0, 1e-6, 0};
	ck_assert_uint_eq(control_predict(&c, &unknown, S), QOT_UNBOUNDED);
	ck_assert_int_eq(control_largest(&c, &unknown, 1 * S), 0);
}
END_TEST

/* Tight -> faster, loose -> slower, none -> the slow end. */
START_TEST(tight_faster_loose_slower)
{
	struct control_config c = cfg();
	struct control *ctl = make(&c);
	struct control_status st;
	struct qot_req r;

	/* no requirement: the slowest effort */
	control_update(ctl, &good);
	status(ctl, &st);
	ck_assert_int_eq(st.state, CONTROL_NONE);
	ck_assert_int_eq(st.interval, 64 * S);

	/* 1 ms: budget 750 us, fits 374.5 s: clamped to max */
	r = req(1 * MS);
	control_set_requirement(ctl, &r);
	control_update(ctl, &good);
	status(ctl, &st);
	ck_assert_int_eq(st.state, CONTROL_MET);
	ck_assert_int_eq(st.interval, 64 * S);

	/* 20 us: budget 15 us, fits 7 s: the level 4 s, bound 9 us */
	r = req(20 * US);
	control_set_requirement(ctl, &r);
	control_update(ctl, &good);
	status(ctl, &st);
	ck_assert_int_eq(st.state, CONTROL_MET);
	ck_assert_int_eq(st.interval, 4 * S);
	ck_assert_uint_eq(st.predicted, 9 * US);
	ck_assert_double_eq_tol(st.exchanges_per_s, 0.25, 1e-12);
	ck_assert_str_eq(st.reason, "bound 9us at interval 4s within required 20us");

	/* 2 us: budget 1.5 us, fits 250 ms */
	r = req(2 * US);
	control_set_requirement(ctl, &r);
	control_update(ctl, &good);
	status(ctl, &st);
	ck_assert_int_eq(st.interval, 250 * MS);
	ck_assert_int_eq(st.state, CONTROL_MET);

	/* removed: back to the slow end at once */
	control_set_requirement(ctl, NULL);
	control_update(ctl, &good);
	status(ctl, &st);
	ck_assert_int_eq(st.state, CONTROL_NONE);
	ck_assert_int_eq(st.interval, 64 * S);
	control_free(ctl);
}
END_TEST

/* The fastest effort without the margin; beyond it unmeetable, with why. */
START_TEST(tight_and_unmeetable)
{
	struct control_config c = cfg();
	struct control *ctl = make(&c);
	struct control_status st;
	struct qot_req r = req(1300);

	/* B(125 ms) = 1000 + 250 = 1250 ns <= 1.3 us, but > its 975 ns budget */
	control_set_requirement(ctl, &r);
	control_update(ctl, &good);
	status(ctl, &st);
	ck_assert_int_eq(st.state, CONTROL_TIGHT);
	ck_assert_int_eq(st.interval, 125 * MS);
	ck_assert_str_eq(st.reason, "bound 1.25us at fastest interval 125ms within required "
				    "1.3us, not the 25% margin");

	/* 1.2 us: the rate limits (the floor alone would fit) */
	r = req(1200);
	control_set_requirement(ctl, &r);
	control_update(ctl, &good);
	status(ctl, &st);
	ck_assert_int_eq(st.state, CONTROL_UNMEETABLE);
	ck_assert_int_eq(st.interval, 125 * MS);
	ck_assert_str_eq(st.reason, "bound 1.25us at fastest interval 125ms > required 1.2us");
	control_free(ctl);
}
END_TEST

/* The source limits: no rate helps, so no messages are spent for nothing. */
START_TEST(source_limited)
{
	struct control_config c = cfg();
	struct control *ctl = make(&c);
	struct control_status st;
	struct qot_req r = req(10 * US);
	struct control_quality q = {40 * US, 0, 1e-6, 0};

	control_set_requirement(ctl, &r);
	control_update(ctl, &q);
	status(ctl, &st);
	ck_assert_int_eq(st.state, CONTROL_UNMEETABLE);
	ck_assert_str_eq(st.reason, "source bound 40us > required 10us");
	/* aims within 25% of the best bound, 53.3 us: fits 6.67 s, the level 4 s */
	ck_assert_int_eq(st.interval, 4 * S);
	control_free(ctl);
}
END_TEST

/* A noisier path needs more exchanges. */
START_TEST(noise_makes_faster)
{
	struct control_config c = cfg();
	struct control *ctl = make(&c);
	struct qot_req r = req(20 * US);
	struct control_quality noisy = {1 * US, 3 * US, 1e-6, 0};

	control_set_requirement(ctl, &r);
	control_update(ctl, &good);
	ck_assert_int_eq(control_interval(ctl), 4 * S);
	/* base 1 + 3 * 3 = 10 us: fits (15 - 10) us / 2e-6 = 2.5 s */
	control_update(ctl, &noisy);
	ck_assert_int_eq(control_interval(ctl), 2 * S);
	control_free(ctl);
}
END_TEST

/* Near a boundary nothing flaps; better quality relaxes only after `hold`
 * updates, one level at a time. */
START_TEST(no_flapping)
{
	struct control_config c = cfg();
	struct control *ctl = make(&c);
	struct qot_req r = req(20 * US);
	/* base 1 + 3 * 2 = 7 us: fits exactly 4 s; +-0.1 us of noise moves the fit
	 * to 4.15 s or 3.85 s, across the level 4 s */
	struct control_quality above = {1 * US, 1900, 1e-6, 0};
	struct control_quality below = {1 * US, 2100, 1e-6, 0};
	int64_t last;
	int changes = 0;

	control_set_requirement(ctl, &r);
	control_update(ctl, &above);
	ck_assert_int_eq(control_interval(ctl), 4 * S);
	last = control_interval(ctl);
	for (int i = 0; i < 100; i++) {
		unsigned ch = control_update(ctl, i % 2 ? &above : &below);
		if (control_interval(ctl) != last) {
			ck_assert(ch & CONTROL_CHANGED_INTERVAL);
			changes++;
			last = control_interval(ctl);
		} else {
			ck_assert(!(ch & CONTROL_CHANGED_INTERVAL));
		}
		/* never slower than what fits */
		ck_assert(control_interval(ctl) <= 4 * S);
	}
	ck_assert_int_eq(changes, 1); /* down to 2 s once, and there it stays */
	ck_assert_int_eq(control_interval(ctl), 2 * S);

	/* the noise goes: 7 s fits, 1.5 x 4 s; 4 s once the recent measurements
	 * no longer suggest a worse base, after at least `hold` of them */
	int n = 0;
	while (control_interval(ctl) == 2 * S && n < 100)
		control_update(ctl,
			       &(struct control_quality){good.floor + (uint64_t)n++, 0, 1e-6, 0});
	ck_assert_int_eq(control_interval(ctl), 4 * S);
	ck_assert_int_gt(n, 3);
	ck_assert_int_lt(n, 60);
	/* and no further: 8 s does not fit */
	for (int i = 0; i < 20; i++)
		control_update(ctl,
			       &(struct control_quality){good.floor + (uint64_t)i, 0, 1e-6, 0});
	ck_assert_int_eq(control_interval(ctl), 4 * S);
	control_free(ctl);
}
END_TEST

/* A path whose base swings widely (fits 3.8 s, then several times 6.5 s,
 * the next level up fitting 1.5 times over): the recent spread keeps the
 * controller from lengthening what the next bad measurement shortens. */
START_TEST(no_flapping_on_a_noisy_path)
{
	struct control_config c = cfg();
	struct control *ctl = make(&c);
	struct qot_req r = req(20 * US);
	int changes = 0;
	int64_t last;

	control_set_requirement(ctl, &r);
	control_update(ctl, &(struct control_quality){7400, 0, 1e-6, 0});
	ck_assert_int_eq(control_interval(ctl), 2 * S);
	last = control_interval(ctl);
	for (int i = 0; i < 200; i++) {
		/* every fifth measurement bad: (15 - 7.4) us / 2e-6 = 3.8 s */
		uint64_t floor = i % 5 == 4 ? 7400 : 2000 + (uint64_t)i;
		control_update(ctl, &(struct control_quality){floor, 0, 1e-6, 0});
		changes += control_interval(ctl) != last;
		last = control_interval(ctl);
	}
	ck_assert_int_eq(changes, 0);
	ck_assert_int_eq(control_interval(ctl), 2 * S);
	control_free(ctl);
}
END_TEST

/* Slower only after `hold` new measurements: deciding again on the same one
 * (the loop ticks faster than the exchanges) is no evidence. */
START_TEST(hold_counts_measurements)
{
	struct control_config c = cfg();
	struct control *ctl = make(&c);
	struct qot_req r = req(20 * US);
	struct control_quality noisy = {1 * US, 3 * US, 1e-6, 0};

	control_set_requirement(ctl, &r);
	control_update(ctl, &noisy); /* base 10 us: fits 2.5 s, 2 s */
	ck_assert_int_eq(control_interval(ctl), 2 * S);
	control_update(ctl, &good); /* fits 7 s: but one measurement */
	for (int i = 0; i < 50; i++)
		control_update(ctl, &good);
	ck_assert_int_eq(control_interval(ctl), 2 * S);
	control_free(ctl);

	/* A source that counts its measurements (a peer timeline): a drift
	 * bound that moves at every tick (learnt, it grows with the time since
	 * the last exchange) is no new measurement while the count stands. */
	ctl = make(&c);
	control_set_requirement(ctl, &r);
	noisy.seq = 1;
	control_update(ctl, &noisy);
	ck_assert_int_eq(control_interval(ctl), 2 * S);
	for (int i = 0; i < 50; i++)
		control_update(ctl, &(struct control_quality){1 * US, 0, 1e-6 + i * 1e-9, 2});
	ck_assert_int_eq(control_interval(ctl), 2 * S);
	/* new ones: it relaxes (after hold of them and the spread settled) */
	for (uint64_t k = 3; k < 60 && control_interval(ctl) == 2 * S; k++)
		control_update(ctl, &(struct control_quality){1 * US, 0, 1e-6, k});
	ck_assert_int_gt(control_interval(ctl), 2 * S);
	control_free(ctl);
}
END_TEST

/*
 * The floor fits, its noise does not: some exchanges meet the requirement,
 * the more exchanges the more often. Unmeetable, at the fastest interval,
 * never slower (aiming at the best bound is for a floor that does not fit).
 */
START_TEST(noise_limited_runs_fastest)
{
	struct control_config c = cfg();
	struct control *ctl = make(&c);
	struct control_status st;
	struct qot_req r = req(30 * US);
	struct control_quality q = {20 * US, 5 * US, 1e-6, 0}; /* base 35 us */

	control_set_requirement(ctl, &r);
	control_update(ctl, &q);
	status(ctl, &st);
	ck_assert_int_eq(st.state, CONTROL_UNMEETABLE);
	ck_assert_int_eq(st.interval, 125 * MS);
	ck_assert_str_eq(st.reason, "bound 35.2us at fastest interval 125ms > required 30us");
	for (int i = 0; i < 20; i++)
		control_update(ctl,
			       &(struct control_quality){20 * US + (uint64_t)i, 5 * US, 1e-6, 0});
	ck_assert_int_eq(control_interval(ctl), 125 * MS);
	control_free(ctl);
}
END_TEST

/* One report per change of state, not per update (one log line). */
START_TEST(changes_reported_once)
{
	struct control_config c = cfg();
	struct control *ctl = make(&c);
	struct qot_req r = req(10 * US);
	struct control_quality q = {40 * US, 0, 1e-6, 0};
	unsigned ch;

	ck_assert_uint_eq(control_update(ctl, &good),
			  CONTROL_CHANGED_INTERVAL | CONTROL_CHANGED_STATE);
	ck_assert_uint_eq(control_update(ctl, &good), 0);
	control_set_requirement(ctl, &r);
	ch = control_update(ctl, &q);
	ck_assert(ch & CONTROL_CHANGED_STATE);
	for (int i = 0; i < 20; i++)
		ck_assert_uint_eq(control_update(ctl, &q), 0);
	/* the same requirement again is no change */
	control_set_requirement(ctl, &r);
	ck_assert_uint_eq(control_update(ctl, &q), 0);
	control_free(ctl);
}
END_TEST

/* Before anything is measured: fast, to learn the quality. */
START_TEST(unknown_quality)
{
	struct control_config c = cfg();
	struct control *ctl = make(&c);
	struct control_quality unknown = {QOT_UNBOUNDED, 0, 1e-6, 0};
	struct qot_req r = req(20 * US);
	struct control_status st;

	control_set_requirement(ctl, &r);
	control_update(ctl, &unknown);
	status(ctl, &st);
	ck_assert_int_eq(st.state, CONTROL_UNKNOWN);
	ck_assert_int_eq(st.interval, 125 * MS);
	ck_assert_uint_eq(st.predicted, QOT_UNBOUNDED);
	/* the first measurement is an event: straight to the level it allows */
	control_update(ctl, &good);
	ck_assert_int_eq(control_interval(ctl), 4 * S);
	control_free(ctl);
}
END_TEST

/* Levels: min and max need not be powers of two. */
START_TEST(levels_and_clamps)
{
	struct control_config c = cfg();
	struct control *ctl;
	struct qot_req r = req(20 * US);

	c.min_interval = 100 * MS;
	c.max_interval = 3 * S;
	ctl = make(&c);
	control_set_requirement(ctl, &r);
	control_update(ctl, &good); /* fits 7 s: max */
	ck_assert_int_eq(control_interval(ctl), 3 * S);
	r = req(1200);
	control_set_requirement(ctl, &r);
	control_update(ctl, &good); /* nothing fits: min */
	ck_assert_int_eq(control_interval(ctl), 100 * MS);
	/* a requirement change goes straight where it needs: 2 us fits 250 ms */
	r = req(2 * US);
	control_set_requirement(ctl, &r);
	control_update(ctl, &good);
	ck_assert_int_eq(control_interval(ctl), 250 * MS);
	control_free(ctl);
}
END_TEST

START_TEST(config_refused)
{
	struct control_config c = cfg();
	struct control *ctl = NULL;
	char err[128];

	c.min_interval = 0;
	ck_assert_int_eq(control_new(&ctl, &c, err, sizeof(err)), -EINVAL);
	ck_assert_str_eq(err, "the minimum interval must be positive");
	c = cfg();
	c.max_interval = c.min_interval - 1;
	ck_assert_int_eq(control_config_check(&c, err, sizeof(err)), -EINVAL);
	c = cfg();
	c.margin = 1;
	ck_assert_int_eq(control_config_check(&c, err, sizeof(err)), -EINVAL);
	c = cfg();
	c.hold = 0;
	ck_assert_int_eq(control_config_check(&c, err, sizeof(err)), -EINVAL);
	ck_assert_ptr_null(ctl);
}
END_TEST

/* A PTP slave: its master fixes the sync interval. */
START_TEST(fixed_rate)
{
	struct control_config c = cfg();
	struct control_status st;
	struct qot_req r;
	const char *who = "the PTP master";

	/* B(1 s) = 1000 + 2000 = 3 us */
	r = req(10 * US);
	control_assess_fixed(&c, &r, &good, 1 * S, who, &st);
	ck_assert_int_eq(st.state, CONTROL_MET);
	ck_assert_uint_eq(st.predicted, 3 * US);
	r = req(3500);
	control_assess_fixed(&c, &r, &good, 1 * S, who, &st);
	ck_assert_int_eq(st.state, CONTROL_TIGHT);
	r = req(2 * US);
	control_assess_fixed(&c, &r, &good, 1 * S, who, &st);
	ck_assert_int_eq(st.state, CONTROL_UNMEETABLE);
	ck_assert_str_eq(st.reason,
			 "bound 3us at fixed interval 1s > required 2us, set by the PTP master");
	r = req(500);
	control_assess_fixed(&c, &r, &good, 1 * S, who, &st);
	ck_assert_str_eq(st.reason, "source bound 1us > required 500ns");
	control_assess_fixed(&c, NULL, &good, 1 * S, who, &st);
	ck_assert_int_eq(st.state, CONTROL_NONE);
}
END_TEST

START_TEST(format_ns)
{
	char b[32];

	control_format_ns(40 * US, b, sizeof(b));
	ck_assert_str_eq(b, "40us");
	control_format_ns(1250, b, sizeof(b));
	ck_assert_str_eq(b, "1.25us");
	control_format_ns(125 * MS, b, sizeof(b));
	ck_assert_str_eq(b, "125ms");
	control_format_ns(64 * S, b, sizeof(b));
	ck_assert_str_eq(b, "64s");
	control_format_ns(7, b, sizeof(b));
	ck_assert_str_eq(b, "7ns");
	control_format_ns(QOT_UNBOUNDED, b, sizeof(b));
	ck_assert_str_eq(b, "unbounded");
}
END_TEST

/* --- chronyd's minpoll/maxpoll (chrony 4.3's candm.h) ---------------------- */

START_TEST(chrony_poll_request_bytes)
{
	/* MODIFY_MINPOLL of 127.0.0.1 to -4, sequence 0x01020304, written out by
	 * hand from candm.h: header 20 bytes, IPAddr 20 (in4 first, family at
	 * 16), i32 new_minpoll; request 44 >= the 28-byte reply: no padding */
	static const uint8_t want4[44] = {
		6,    1,    0,	  0,	0, 4, 0, 0, 1, 2, 3, 4, 0, 0, 0, 0, 0, 0, 0, 0, /* header */
		127,  0,    0,	  1,	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, /* IPAddr */
		0xff, 0xff, 0xff, 0xfc,							/* -4 */
	};
	static const uint8_t want6_tail[24] = {
		0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 2, 0, 0, 0, 0, 0, 24,
	};
	uint8_t buf[64];

	memset(buf, 0xaa, sizeof(buf));
	ck_assert_int_eq(chrony_cmd_poll_request(buf, sizeof(buf), CHRONY_CMD_MINPOLL, 0x01020304,
						 "127.0.0.1", -4),
			 44);
	ck_assert_mem_eq(buf, want4, sizeof(want4));
	ck_assert_int_eq(buf[44], 0xaa); /* nothing past the request */
	ck_assert_int_eq(
		chrony_cmd_poll_request(buf, sizeof(buf), CHRONY_CMD_MAXPOLL, 7, "::1", 24), 44);
	ck_assert_int_eq(buf[5], 5);
	ck_assert_mem_eq(buf + 20, want6_tail, sizeof(want6_tail));
}
END_TEST

START_TEST(chrony_poll_request_refused)
{
	uint8_t buf[64], before[64];

	memset(buf, 0x55, sizeof(buf));
	memcpy(before, buf, sizeof(buf));
	ck_assert_int_eq(
		chrony_cmd_poll_request(buf, sizeof(buf), CHRONY_CMD_MINPOLL, 1, "localhost", 0),
		-EINVAL);
	ck_assert_int_eq(
		chrony_cmd_poll_request(buf, sizeof(buf), CHRONY_CMD_MINPOLL, 1, "127.0.0.1", 25),
		-ERANGE);
	ck_assert_int_eq(
		chrony_cmd_poll_request(buf, sizeof(buf), CHRONY_CMD_MINPOLL, 1, "127.0.0.1", -8),
		-ERANGE);
	ck_assert_int_eq(chrony_cmd_poll_request(buf, 43, CHRONY_CMD_MINPOLL, 1, "127.0.0.1", 0),
			 -ENOSPC);
	ck_assert_int_eq(
		chrony_cmd_poll_request(buf, sizeof(buf), (enum chrony_cmd)6, 1, "127.0.0.1", 0),
		-EINVAL);
	ck_assert_mem_eq(buf, before, sizeof(buf));
}
END_TEST

static void reply(uint8_t *b, uint16_t cmd, uint16_t type, uint16_t status, uint32_t seq)
{
	memset(b, 0, 28);
	b[0] = 6;
	b[1] = 2;
	b[4] = (uint8_t)(cmd >> 8), b[5] = (uint8_t)cmd;
	b[6] = (uint8_t)(type >> 8), b[7] = (uint8_t)type;
	b[8] = (uint8_t)(status >> 8), b[9] = (uint8_t)status;
	b[16] = (uint8_t)(seq >> 24), b[17] = (uint8_t)(seq >> 16);
	b[18] = (uint8_t)(seq >> 8), b[19] = (uint8_t)seq;
}

START_TEST(chrony_poll_reply)
{
	uint8_t b[28];
	unsigned status = 99;

	reply(b, 4, 1, 0, 42);
	ck_assert_int_eq(chrony_cmd_reply(b, 28, CHRONY_CMD_MINPOLL, 42, &status), 0);
	ck_assert_uint_eq(status, 0);
	reply(b, 4, 1, 2, 42); /* over UDP: not authorised */
	ck_assert_int_eq(chrony_cmd_reply(b, 28, CHRONY_CMD_MINPOLL, 42, &status), -EBADMSG);
	ck_assert_uint_eq(status, 2);
	ck_assert_str_eq(chrony_cmd_status_text(status),
			 "not authorised (modifying commands need chronyd's Unix socket)");
	reply(b, 5, 1, 4, 42);
	ck_assert_int_eq(chrony_cmd_reply(b, 28, CHRONY_CMD_MAXPOLL, 42, &status), -EBADMSG);
	ck_assert_str_eq(chrony_cmd_status_text(status), "no such source");
	reply(b, 4, 1, 0, 41); /* another request's */
	ck_assert_int_eq(chrony_cmd_reply(b, 28, CHRONY_CMD_MINPOLL, 42, &status), -EPROTO);
	reply(b, 5, 1, 0, 42); /* another command's */
	ck_assert_int_eq(chrony_cmd_reply(b, 28, CHRONY_CMD_MINPOLL, 42, &status), -EPROTO);
	reply(b, 4, 5, 0, 42); /* not a RPY_NULL */
	ck_assert_int_eq(chrony_cmd_reply(b, 28, CHRONY_CMD_MINPOLL, 42, &status), -EPROTO);
	reply(b, 4, 1, 0, 42);
	ck_assert_int_eq(chrony_cmd_reply(b, 27, CHRONY_CMD_MINPOLL, 42, &status), -EPROTO);
	b[1] = 1; /* a request, not a reply */
	ck_assert_int_eq(chrony_cmd_reply(b, 28, CHRONY_CMD_MINPOLL, 42, &status), -EPROTO);
}
END_TEST

START_TEST(chrony_polls)
{
	ck_assert_int_eq(chrony_cmd_interval_of(-7), 7812500);
	ck_assert_int_eq(chrony_cmd_interval_of(0), 1 * S);
	ck_assert_int_eq(chrony_cmd_interval_of(6), 64 * S);
	ck_assert_int_eq(chrony_cmd_poll_of(62500 * US), -4);
	ck_assert_int_eq(chrony_cmd_poll_of(70 * MS), -4); /* never slower than chosen */
	ck_assert_int_eq(chrony_cmd_poll_of(1 * S), 0);
	ck_assert_int_eq(chrony_cmd_poll_of(1 * S - 1), -1);
	ck_assert_int_eq(chrony_cmd_poll_of(1 * MS), -7); /* clamped */
	ck_assert_int_eq(chrony_cmd_poll_of(INT64_MAX), 24);
}
END_TEST

START_TEST(chrony_quality)
{
	struct chrony_tracking t;
	struct control_quality q;
	int64_t now = 1700000000LL * S;

	memset(&t, 0, sizeof(t));
	/* updated 2 s ago; root delay 40 us, dispersion 25 us now; drift 15 ppm
	 * + 0.5 + 0.25: the dispersion grew 2 s x 15.75 ppm = 31.5 us since, more
	 * than it has, so the floor is half the delay alone */
	t.ref_time_ns = now - 2 * S;
	t.root_delay = 40e-6;
	t.root_dispersion = 25e-6;
	t.skew_ppm = 0.5;
	t.resid_freq_ppm = -0.25;
	t.rms_offset = 3e-6;
	chrony_poll_quality(&t, now, 15e-6, &q);
	ck_assert_uint_eq(q.floor, 20 * US);
	ck_assert_uint_eq(q.noise, 3 * US);
	ck_assert_double_eq_tol(q.drift, 15.75e-6, 1e-15);
	/* updated 1 s ago with 30 us of dispersion now: 30 - 15.75 = 14.25 us + 20 us */
	t.ref_time_ns = now - 1 * S;
	t.root_dispersion = 30e-6;
	chrony_poll_quality(&t, now, 15e-6, &q);
	ck_assert_uint_eq(q.floor, 34250);
}
END_TEST

/* A chronyd stand-in on a Unix datagram socket: answers every command with
 * `status`, counts what it got. */
struct fake_chronyd {
	int fd;
	atomic_int status, got, stop;
	pthread_t thread;
	char path[108];
};

static void *fake_chronyd_run(void *arg)
{
	struct fake_chronyd *f = arg;
	uint8_t buf[512];

	while (!atomic_load(&f->stop)) {
		struct sockaddr_un from;
		socklen_t flen = sizeof(from);
		ssize_t n = recvfrom(f->fd, buf, sizeof(buf), 0, (struct sockaddr *)&from, &flen);
		if (n < 20)
			continue; /* the receive timeout: look at stop again */
		atomic_fetch_add(&f->got, 1);
		memmove(buf + 16, buf + 8, 4); /* the sequence, where a reply has it */
		memset(buf + 10, 0, 6);
		buf[1] = 2;		/* a reply; the command stays where it is */
		buf[6] = 0, buf[7] = 1; /* RPY_NULL */
		buf[8] = 0, buf[9] = (uint8_t)atomic_load(&f->status);
		sendto(f->fd, buf, 28, 0, (struct sockaddr *)&from, flen);
	}
	return NULL;
}

static void fake_chronyd_start(struct fake_chronyd *f, const char *dir)
{
	struct sockaddr_un a = {.sun_family = AF_UNIX};
	struct timeval tv = {0, 50000};

	snprintf(f->path, sizeof(f->path), "%s/chronyd.sock", dir);
	snprintf(a.sun_path, sizeof(a.sun_path), "%s", f->path);
	f->fd = socket(AF_UNIX, SOCK_DGRAM, 0);
	ck_assert_int_ge(f->fd, 0);
	ck_assert_int_eq(bind(f->fd, (struct sockaddr *)&a, sizeof(a)), 0);
	setsockopt(f->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	atomic_init(&f->got, 0);
	atomic_init(&f->stop, 0);
	ck_assert_int_eq(pthread_create(&f->thread, NULL, fake_chronyd_run, f), 0);
}

static void fake_chronyd_stop(struct fake_chronyd *f)
{
	atomic_store(&f->stop, 1);
	pthread_join(f->thread, NULL);
	close(f->fd);
	unlink(f->path);
}

START_TEST(chrony_poll_sticky)
{
	char dir[] = "/tmp/qot-test-control.XXXXXX", own[128];
	struct fake_chronyd f;
	struct chrony_poll *p;
	struct chrony_poll_config pc = {0};

	ck_assert_ptr_nonnull(mkdtemp(dir));
	atomic_init(&f.status, 2); /* not authorised */
	fake_chronyd_start(&f, dir);
	snprintf(own, sizeof(own), "%s/own.sock", dir);
	pc.socket = f.path;
	pc.own = own;
	pc.source = "127.0.0.1";
	ck_assert_int_eq(chrony_poll_new(&p, &pc), 0);

	/* refused: once on the wire, however often asked */
	for (int i = 0; i < 5; i++)
		ck_assert_int_eq(chrony_poll_set(p, -4), -EACCES);
	ck_assert_uint_eq(chrony_poll_sent(p), 1);
	ck_assert_int_eq(atomic_load(&f.got), 1);
	ck_assert_ptr_nonnull(strstr(chrony_poll_error(p), "refused minpoll -4 for 127.0.0.1: "
							   "not authorised"));
	/* another poll is asked */
	ck_assert_int_eq(chrony_poll_set(p, -3), -EACCES);
	ck_assert_uint_eq(chrony_poll_sent(p), 2);
	/* no such source */
	atomic_store(&f.status, 4);
	chrony_poll_forget(p);
	ck_assert_int_eq(chrony_poll_set(p, -3), -ENOENT);
	/* taken: minpoll and maxpoll, then nothing more for the same poll */
	atomic_store(&f.status, 0);
	chrony_poll_forget(p);
	ck_assert_int_eq(chrony_poll_set(p, -3), 0);
	ck_assert_uint_eq(chrony_poll_sent(p), 5);
	ck_assert_str_eq(chrony_poll_error(p), "");
	ck_assert_int_eq(chrony_poll_set(p, -3), 0);
	ck_assert_uint_eq(chrony_poll_sent(p), 5);
	/* a poll chronyd would silently ignore is never sent */
	ck_assert_int_eq(chrony_poll_set(p, 25), -ERANGE);
	ck_assert_uint_eq(chrony_poll_sent(p), 5);
	ck_assert_int_eq(atomic_load(&f.got), 5);
	chrony_poll_free(p);
	fake_chronyd_stop(&f);
	rmdir(dir);
}
END_TEST

/* --- ptp4l: the rate a port observes --------------------------------------- */

START_TEST(ptp_log_sync_interval)
{
	uint8_t d[26] = {0};
	int log = 99;

	d[10] = 9;    /* slave */
	d[22] = 0xfd; /* logSyncInterval -3 */
	ck_assert_int_eq(ptp_mgmt_parse_log_sync_interval(d, sizeof(d), &log), 0);
	ck_assert_int_eq(log, -3);
	d[22] = 1;
	ck_assert_int_eq(ptp_mgmt_parse_log_sync_interval(d, sizeof(d), &log), 0);
	ck_assert_int_eq(log, 1);
	log = 99;
	ck_assert_int_eq(ptp_mgmt_parse_log_sync_interval(d, 22, &log), -EPROTO);
	ck_assert_int_eq(log, 99);
	ck_assert_int_eq(ptp_rate_of_log(-3), 125 * MS);
	ck_assert_int_eq(ptp_rate_of_log(1), 2 * S);
	ck_assert_int_eq(ptp_rate_log_of(130 * MS), -3);
	ck_assert_int_eq(ptp_rate_log_of(1900 * MS), 1);
}
END_TEST

START_TEST(ptp_observed_rate)
{
	struct ptp_rate r;
	int64_t ns = 0, t = 1700000000LL * S;
	bool exact = true;

	ptp_rate_init(&r);
	ck_assert_int_eq(ptp_rate_interval(&r, &ns, &exact), -EAGAIN);
	/* polled every 50 ms, syncs every 125 ms (+-1 us of jitter), one lost */
	int64_t syncs[] = {0, 125 * MS + 1000, 250 * MS - 1000, 500 * MS, 625 * MS};
	int64_t last = -1;
	for (int64_t poll = 0; poll <= 650 * MS; poll += 50 * MS) {
		for (size_t i = 0; i < sizeof(syncs) / sizeof(syncs[0]); i++)
			if (syncs[i] <= poll)
				last = syncs[i];
		ptp_rate_add(&r, t + last);
	}
	ck_assert_int_eq(ptp_rate_interval(&r, &ns, &exact), 0);
	ck_assert(exact);
	ck_assert_int_eq(ns, 125 * MS - 2000);
	ck_assert_int_eq(ptp_rate_log_of(ns), -3);

	/* polled every 1 s, syncs every 125 ms: only an upper bound */
	ptp_rate_init(&r);
	for (int i = 0; i < 5; i++)
		ptp_rate_add(&r, t + i * (1 * S + 125 * MS));
	ck_assert_int_eq(ptp_rate_interval(&r, &ns, &exact), 0);
	ck_assert(!exact);
	ck_assert_int_eq(ns, 1 * S + 125 * MS);

	/* ptp4l restarted: the ingress time goes back, it starts again */
	ptp_rate_add(&r, t);
	ck_assert_int_eq(ptp_rate_interval(&r, &ns, &exact), -EAGAIN);
}
END_TEST

START_TEST(ptp_can_it_meet)
{
	struct control_config c = cfg();
	struct control_status st;
	struct qot_req r = req(2 * US);

	/* a slave at 1 s with 1 us after a sync, 1 ppm: 3 us > 2 us */
	ptp_rate_assess(&c, &r, &good, 1 * S, true, &st);
	ck_assert_int_eq(st.state, CONTROL_UNMEETABLE);
	ck_assert_str_eq(st.reason, "bound 3us at fixed interval 1s > required 2us, set by the "
				    "PTP master (a slave cannot change its rate)");
	r = req(20 * US);
	ptp_rate_assess(&c, &r, &good, 1 * S, false, &st);
	ck_assert_int_eq(st.state, CONTROL_MET);
	ck_assert_double_eq_tol(st.exchanges_per_s, 1, 1e-12);
}
END_TEST

/* --- syncd.conf's control lines -------------------------------------------- */

/* Split a line into words in place (test input has single spaces). */
static int words(char *line, char **w)
{
	int n = 0;

	for (char *t = strtok(line, " "); t; t = strtok(NULL, " "))
		w[n++] = t;
	return n;
}

static int conf_line(struct control_conf *c, const char *text, char *err)
{
	char line[256], *w[32];

	snprintf(line, sizeof(line), "%s", text);
	return control_conf_line(c, w, words(line, w), err, 128);
}

START_TEST(conf_rules)
{
	struct control_conf c;
	struct control_config cc;
	char err[128];

	control_conf_init(&c);
	ck_assert(!control_conf_for(&c, "tl", &cc)); /* no line: no controller */
	ck_assert_int_eq(conf_line(&c, "* on min 250ms max 32s margin 20%", err), 0);
	ck_assert_int_eq(conf_line(&c, "quiet off", err), 0);
	ck_assert_int_eq(conf_line(&c, "robots on margin 50 hold 5", err), 0);
	ck_assert_int_eq(control_conf_check(&c, err, sizeof(err)), 0);

	ck_assert(control_conf_for(&c, "tl", &cc));
	ck_assert_int_eq(cc.min_interval, 250 * MS);
	ck_assert_int_eq(cc.max_interval, 32 * S);
	ck_assert_double_eq(cc.margin, 0.2);
	ck_assert_double_eq(cc.noise_k, 3); /* the default */
	ck_assert(!control_conf_for(&c, "quiet", &cc));
	/* a named line's missing keys come from the * line */
	ck_assert(control_conf_for(&c, "robots", &cc));
	ck_assert_int_eq(cc.min_interval, 250 * MS);
	ck_assert_double_eq(cc.margin, 0.5);
	ck_assert_uint_eq(cc.hold, 5);
}
END_TEST

START_TEST(conf_refused)
{
	static const char *const bad[] = {
		"tl",				    /* no on/off */
		"tl maybe",			    /* neither */
		".hidden on",			    /* no timeline name */
		"tl on min",			    /* a key without value */
		"tl on min 0",			    /* no interval */
		"tl on min 1s min 2s",		    /* twice */
		"tl on bogus 1",		    /* unknown key */
		"tl on margin 100",		    /* not below 100% */
		"tl on margin -1",		    /* negative */
		"tl on hold 0",			    /* hold >= 1 */
		"tl on misses 1001",		    /* too many */
		"tl on noise x",		    /* no number */
		"tl on max 18446744073709551615ns", /* beyond int64 */
	};
	struct control_conf c;
	char err[128];

	control_conf_init(&c);
	ck_assert_int_eq(conf_line(&c, "tl on", err), 0);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		ck_assert_msg(conf_line(&c, bad[i], err) == -EINVAL, "%s", bad[i]);
		ck_assert_msg(err[0] != '\0', "no message for %s", bad[i]);
	}
	ck_assert_int_eq(conf_line(&c, "tl off", err), -EINVAL); /* given twice */
	ck_assert_str_eq(err, "control tl: given twice");
	ck_assert_uint_eq(c.n, 1); /* nothing half-taken */

	/* lines fine alone, not together: min above the * line's max */
	control_conf_init(&c);
	ck_assert_int_eq(conf_line(&c, "* on max 1s", err), 0);
	ck_assert_int_eq(conf_line(&c, "tl on min 2s", err), 0);
	ck_assert_int_eq(control_conf_check(&c, err, sizeof(err)), -EINVAL);
	ck_assert_str_eq(err, "control tl: the maximum interval is below the minimum");
}
END_TEST

START_TEST(conf_print_round_trip)
{
	struct control_conf c, again;
	char text[1024], text2[1024], line[256], err[128], *w[32];
	struct control_config a, b;

	control_conf_init(&c);
	ck_assert_int_eq(conf_line(&c, "* on min 7812500ns max 64s margin 33.3% noise 2.5", err),
			 0);
	ck_assert_int_eq(conf_line(&c, "tl off misses 2 hold 4", err), 0);
	ck_assert_int_gt(control_conf_print(&c, text, sizeof(text)), 0);
	ck_assert_str_eq(text, "control * on min 7812500ns max 64s margin 33.3% "
			       "noise 2.5\ncontrol tl off misses 2 hold 4\n");
	control_conf_init(&again);
	for (char *l = text, *nl; (nl = strchr(l, '\n')); l = nl + 1) {
		snprintf(line, sizeof(line), "%.*s", (int)(nl - l), l);
		int n = words(line, w);
		ck_assert_int_eq(control_conf_line(&again, w + 1, n - 1, err, sizeof(err)), 0);
	}
	ck_assert_int_gt(control_conf_print(&again, text2, sizeof(text2)), 0);
	ck_assert_str_eq(text, text2);
	ck_assert(control_conf_for(&c, "x", &a) && control_conf_for(&again, "x", &b));
	ck_assert(memcmp(&a, &b, sizeof(a)) == 0);
	ck_assert_int_eq(control_conf_print(&c, text, 10), -ENOSPC);
}
END_TEST

/* --- the requirement from qotfs's files ------------------------------------ */

static int choose(const char *cluster, const char *reqs, struct qot_req *out, bool *coord)
{
	return control_req_choose(cluster, cluster ? strlen(cluster) : 0, reqs, strlen(reqs), out,
				  coord);
}

START_TEST(requirement_sources)
{
	struct qot_req r = qot_req_none;
	bool coord = true;

	/* no coordinator: the local one */
	ck_assert_int_eq(choose("state=none node=none leader=none leading=no members=0 "
				"accuracy=none resolution=none\n",
				"accuracy=50us resolution=none\n", &r, &coord),
			 0);
	ck_assert(!coord);
	ck_assert_uint_eq(r.acc_below, 50 * US);
	/* no cluster file at all: the same */
	ck_assert_int_eq(choose(NULL, "accuracy=50us/70us resolution=1ms\n", &r, &coord), 0);
	ck_assert_uint_eq(r.acc_above, 70 * US);
	/* coordinated: another node's 20us counts */
	ck_assert_int_eq(choose("state=current node=a leader=b leading=no members=2 "
				"accuracy=20us/1ms resolution=none\n",
				"accuracy=50us resolution=none\n", &r, &coord),
			 0);
	ck_assert(coord);
	ck_assert_uint_eq(r.acc_below, 20 * US);
	ck_assert_uint_eq(r.acc_above, 50 * US); /* the local one is tighter above */
	/* stale: the last cluster-wide one still counts; unknown words are ignored */
	ck_assert_int_eq(choose("state=stale node=a leader=unknown leading=no members=2 "
				"accuracy=20us resolution=none backups=b,c\n",
				"accuracy=none resolution=none\n", &r, &coord),
			 0);
	ck_assert(coord);
	ck_assert_uint_eq(r.acc_below, 20 * US);
	/* the local requirement removed, no coordinator: none */
	ck_assert_int_eq(choose(NULL, "accuracy=none resolution=none\n", &r, &coord), 0);
	ck_assert_uint_eq(r.acc_below, QOT_UNBOUNDED);
}
END_TEST

START_TEST(requirement_unreadable)
{
	struct qot_req r = qot_req_none, before;
	bool coord = false;

	r.acc_below = r.acc_above = 7;
	before = r;
	ck_assert_int_eq(choose(NULL, "accuracy=fast\n", &r, &coord), -EINVAL);
	ck_assert_int_eq(choose("node=a accuracy=1us resolution=none\n",
				"accuracy=none resolution=none\n", &r, &coord),
			 -EINVAL); /* no state */
	ck_assert_int_eq(choose("state=maybe accuracy=1us resolution=none\n",
				"accuracy=none resolution=none\n", &r, &coord),
			 -EINVAL);
	ck_assert_int_eq(choose("state=current accuracy=1us\n", "accuracy=none resolution=none\n",
				&r, &coord),
			 -EINVAL); /* no resolution */
	ck_assert(memcmp(&r, &before, sizeof(r)) == 0);
}
END_TEST

/* --- a controlled timeline: requirement, decision, knob -------------------- */

struct fake_knob {
	int calls;
	int64_t last;
	const char *refuse; /* non-NULL: refuse with this */
};

static int fake_apply(void *ctx, int64_t interval, char *why, size_t whylen)
{
	struct fake_knob *k = ctx;

	k->calls++;
	k->last = interval;
	if (k->refuse) {
		snprintf(why, whylen, "%s", k->refuse);
		return -EACCES;
	}
	return 0;
}

START_TEST(timeline_knob)
{
	struct control_config c = cfg();
	struct fake_knob fk = {0, 0, NULL};
	struct control_knob knob = {fake_apply, &fk, 2};
	struct control_timeline *ct;
	char err[128], log[CONTROL_TIMELINE_LINE_MAX], line[CONTROL_TIMELINE_LINE_MAX];
	const char *r20 = "accuracy=20us resolution=none\n", *r2 = "accuracy=2us resolution=none\n";
	unsigned ch;

	ck_assert_int_eq(control_timeline_new(&ct, &c, &knob, err, sizeof(err)), 0);
	ck_assert_int_eq(control_timeline_requirement(ct, NULL, 0, r20, strlen(r20)), 0);
	ch = control_timeline_update(ct, &good, log, sizeof(log));
	ck_assert_uint_eq(ch, CONTROL_CHANGED_INTERVAL | CONTROL_CHANGED_STATE);
	ck_assert_int_eq(fk.calls, 1);
	ck_assert_int_eq(fk.last, 4 * S);
	ck_assert_str_eq(log,
			 "effort met, interval 4s: bound 9us at interval 4s within required 20us");
	ck_assert_int_gt(control_timeline_format(ct, line, sizeof(line)), 0);
	ck_assert_str_eq(line, " effort=controlled interval=4.000000000 msgs=0.500/s control=met "
			       "reason=bound 9us at interval 4s within required 20us");
	/* nothing new: no knob turned, nothing to log */
	ck_assert_uint_eq(control_timeline_update(ct, &good, log, sizeof(log)), 0);
	ck_assert_str_eq(log, "");
	ck_assert_int_eq(fk.calls, 1);

	/* tighter, and the knob refuses: said once, not asked again */
	fk.refuse = "chronyd refused minpoll -2: not authorised";
	ck_assert_int_eq(control_timeline_requirement(ct, NULL, 0, r2, strlen(r2)), 0);
	ch = control_timeline_update(ct, &good, log, sizeof(log));
	ck_assert(ch & CONTROL_CHANGED_INTERVAL && ch & CONTROL_TIMELINE_KNOB);
	ck_assert_int_eq(fk.last, 250 * MS);
	ck_assert_ptr_nonnull(strstr(log, "; chronyd refused minpoll -2: not authorised"));
	for (int i = 0; i < 10; i++)
		ck_assert_uint_eq(control_timeline_update(ct, &good, log, sizeof(log)), 0);
	ck_assert_int_eq(fk.calls, 2);
	ck_assert_int_gt(control_timeline_format(ct, line, sizeof(line)), 0);
	ck_assert_ptr_nonnull(strstr(line, "msgs=8.000/s control=met reason=bound 1.5us at "
					   "interval 250ms within required 2us; chronyd refused"));

	/* back to 4 s, where the knob still is: nothing to ask, the refusal moot */
	ck_assert_int_eq(control_timeline_requirement(ct, NULL, 0, r20, strlen(r20)), 0);
	ch = control_timeline_update(ct, &good, log, sizeof(log));
	ck_assert(ch & CONTROL_TIMELINE_KNOB);
	ck_assert_int_eq(fk.calls, 2);
	ck_assert_ptr_null(strstr(log, "refused"));
	/* tighter again, and now it works: asked once */
	fk.refuse = NULL;
	ck_assert_int_eq(control_timeline_requirement(ct, NULL, 0, r2, strlen(r2)), 0);
	ch = control_timeline_update(ct, &good, log, sizeof(log));
	ck_assert(!(ch & CONTROL_TIMELINE_KNOB));
	ck_assert_int_eq(fk.calls, 3);
	ck_assert_int_eq(fk.last, 250 * MS);

	/* unreadable requirements: refused, the last one kept */
	ck_assert_int_eq(control_timeline_requirement(ct, NULL, 0, "accuracy=", 9), -EINVAL);
	ck_assert_uint_eq(control_timeline_update(ct, &good, log, sizeof(log)), 0);
	ck_assert_int_eq(control_timeline_format(ct, line, 10), -ENOSPC);
	control_timeline_free(ct);

	/* no knob: only reported */
	ck_assert_int_eq(control_timeline_new(&ct, &c, NULL, err, sizeof(err)), 0);
	ck_assert_uint_eq(control_timeline_update(ct, &good, log, sizeof(log)),
			  CONTROL_CHANGED_INTERVAL | CONTROL_CHANGED_STATE);
	control_timeline_free(ct);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("control");
	TCase *t = tcase_create("control");

	tcase_add_test(t, predict_and_largest);
	tcase_add_test(t, tight_faster_loose_slower);
	tcase_add_test(t, tight_and_unmeetable);
	tcase_add_test(t, source_limited);
	tcase_add_test(t, noise_makes_faster);
	tcase_add_test(t, no_flapping);
	tcase_add_test(t, no_flapping_on_a_noisy_path);
	tcase_add_test(t, hold_counts_measurements);
	tcase_add_test(t, noise_limited_runs_fastest);
	tcase_add_test(t, changes_reported_once);
	tcase_add_test(t, unknown_quality);
	tcase_add_test(t, levels_and_clamps);
	tcase_add_test(t, config_refused);
	tcase_add_test(t, fixed_rate);
	tcase_add_test(t, format_ns);
	suite_add_tcase(s, t);
	t = tcase_create("knobs");
	tcase_add_test(t, chrony_poll_request_bytes);
	tcase_add_test(t, chrony_poll_request_refused);
	tcase_add_test(t, chrony_poll_reply);
	tcase_add_test(t, chrony_polls);
	tcase_add_test(t, chrony_quality);
	tcase_add_test(t, chrony_poll_sticky);
	tcase_add_test(t, ptp_log_sync_interval);
	tcase_add_test(t, ptp_observed_rate);
	tcase_add_test(t, ptp_can_it_meet);
	suite_add_tcase(s, t);
	t = tcase_create("conf");
	tcase_add_test(t, conf_rules);
	tcase_add_test(t, conf_refused);
	tcase_add_test(t, conf_print_round_trip);
	tcase_add_test(t, requirement_sources);
	tcase_add_test(t, requirement_unreadable);
	tcase_add_test(t, timeline_knob);
	suite_add_tcase(s, t);
	return s;
}

int main(void)
{
	return run_suite(suite());
}
