/* SPDX-License-Identifier: Apache-2.0 */
/* Units: syncd's protocol codecs, configuration, estimator and discipline. */
#include <check.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "chrony_proto.h"
#include "config.h"
#include "discover.h"
#include "discipline.h"
#include "estimator.h"
#include "estimator_window.h"
#include "projection.h"
#include "ptp_mgmt.h"
#include "rate.h"
#include "run_suite.h"

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* --- chrony ---------------------------------------------------------------- */

START_TEST(chrony_floats)
{
	ck_assert(chrony_proto_float(0x04400000) == 0.5);	     /* exp 2, coef 2^22 */
	ck_assert(chrony_proto_float(0x01000000) == -0.5);	     /* coef 2^24 is its sign bit */
	ck_assert(chrony_proto_float(0xFE800000) == 0.125);	     /* exp -1, coef 2^23 */
	ck_assert(chrony_proto_float(0x01FFFFFF) == -ldexp(1, -25)); /* coef -1 */
	ck_assert(chrony_proto_float(0) == 0);
	ck_assert(chrony_proto_float(0x7E000001) == ldexp(1, 63 - 25)); /* largest exponent */
}
END_TEST

/* Encode x as chronyd does (coefficient of 25 bits, exponent of 7). */
static uint32_t chrony_encode(double x)
{
	int exp;
	double m = frexp(x, &exp);		       /* x = m * 2^exp, 0.5 <= |m| < 1 */
	int32_t coef = (int32_t)lround(m * (1 << 23)); /* within the signed 25 bits */
	int32_t e = exp - 23 + 25;

	return ((uint32_t)e & 0x7f) << 25 | ((uint32_t)coef & 0x1ffffff);
}

static void tracking_reply(uint8_t *buf, uint32_t seq, uint16_t status, uint16_t leap)
{
	uint8_t *d = buf + 28;

	memset(buf, 0, CHRONY_TRACKING_LEN);
	buf[0] = 6;
	buf[1] = 2;
	put16(buf + 4, 33);
	put16(buf + 6, 5);
	put16(buf + 8, status);
	put32(buf + 16, seq);
	put32(d, 0x7f000001);
	put16(d + 24, 2);
	put16(d + 26, leap);
	put32(d + 28, 0);
	put32(d + 32, 1700000000);
	put32(d + 36, 123);
	put32(d + 40, chrony_encode(0.5));
	put32(d + 52, chrony_encode(-8.968));
	put32(d + 64, chrony_encode(7.759e-6));
	put32(d + 68, chrony_encode(1.59329e-4));
	put32(d + 72, chrony_encode(2.0));
}

START_TEST(chrony_tracking)
{
	uint8_t req[CHRONY_TRACKING_LEN], reply[CHRONY_TRACKING_LEN];
	struct chrony_tracking t;
	unsigned status;

	chrony_proto_tracking_request(req, 0xdeadbeef);
	ck_assert_int_eq(req[0], 6);
	ck_assert_int_eq(req[1], 1);
	ck_assert_int_eq(req[4] << 8 | req[5], 33);
	ck_assert_int_eq(req[8], 0xde);
	ck_assert_int_eq(req[11], 0xef);
	for (int i = 20; i < CHRONY_TRACKING_LEN; i++)
		ck_assert_int_eq(req[i], 0); /* padding to the reply's length */

	tracking_reply(reply, 77, 0, 0);
	ck_assert_int_eq(chrony_proto_tracking_parse(reply, sizeof(reply), 77, &t, &status), 0);
	ck_assert_uint_eq(t.stratum, 2);
	ck_assert_int_eq(t.ref_time_ns, 1700000000LL * 1000000000 + 123);
	ck_assert(fabs(t.correction - 0.5) < 1e-9);
	ck_assert(fabs(t.freq_ppm + 8.968) < 1e-5);
	ck_assert(fabs(t.root_delay - 7.759e-6) < 1e-12);
	ck_assert(fabs(t.root_dispersion - 1.59329e-4) < 1e-11);
	ck_assert(fabs(t.update_interval - 2.0) < 1e-9);

	ck_assert_int_eq(chrony_proto_tracking_parse(reply, sizeof(reply), 78, &t, &status),
			 -EPROTO);
	ck_assert_int_eq(chrony_proto_tracking_parse(reply, 50, 77, &t, &status), -EPROTO);
	reply[0] = 5;
	ck_assert_int_eq(chrony_proto_tracking_parse(reply, sizeof(reply), 77, &t, &status),
			 -EPROTO);
	tracking_reply(reply, 77, 3, 0);
	ck_assert_int_eq(chrony_proto_tracking_parse(reply, 28, 77, &t, &status), -EBADMSG);
	ck_assert_uint_eq(status, 3);
}
END_TEST

/* Found by fuzz/fuzz_chrony: a reference time past 2262 overflowed the
 * nanoseconds. Times no clock has are refused whole, the output untouched. */
START_TEST(chrony_reference_time_range)
{
	uint8_t reply[CHRONY_TRACKING_LEN], *d = reply + 28;
	struct chrony_tracking t;
	unsigned status;

	tracking_reply(reply, 5, 0, 0);
	put32(d + 28, 0x7ffffffe); /* high seconds: year 2^62 */
	put32(d + 32, 0xffffffff);
	memset(&t, 0x5a, sizeof(t));
	ck_assert_int_eq(chrony_proto_tracking_parse(reply, sizeof(reply), 5, &t, &status),
			 -EPROTO);
	ck_assert_uint_eq(t.stratum, 0x5a5a);
	put32(d + 28, 0x80000000); /* "before 1970" in two's complement */
	ck_assert_int_eq(chrony_proto_tracking_parse(reply, sizeof(reply), 5, &t, &status),
			 -EPROTO);
	put32(d + 28, 0);
	put32(d + 36, 1000000000); /* nanoseconds past a second */
	ck_assert_int_eq(chrony_proto_tracking_parse(reply, sizeof(reply), 5, &t, &status),
			 -EPROTO);
	/* The last second that fits (2262) is read; 0x7fffffff means no high seconds. */
	put32(d + 28, 2);
	put32(d + 32, 633437443);
	put32(d + 36, 999999999);
	ck_assert_int_eq(chrony_proto_tracking_parse(reply, sizeof(reply), 5, &t, &status), 0);
	ck_assert_int_eq(t.ref_time_ns, 9223372035999999999LL);
	put32(d + 28, 0x7fffffff);
	put32(d + 32, 1700000000);
	ck_assert_int_eq(chrony_proto_tracking_parse(reply, sizeof(reply), 5, &t, &status), 0);
	ck_assert_int_eq(t.ref_time_ns, 1700000000LL * 1000000000 + 999999999);
}
END_TEST

/* --- ptp4l ----------------------------------------------------------------- */

static size_t mgmt_response(uint8_t *buf, uint16_t seq, uint16_t tlv_type, uint16_t id,
			    const uint8_t *data, size_t len)
{
	size_t total = 34 + 14 + 6 + len;

	memset(buf, 0, total);
	buf[0] = 0x0d;
	buf[1] = 2;
	put16(buf + 2, (uint16_t)total);
	put16(buf + 30, seq);
	buf[34 + 12] = 2; /* RESPONSE */
	put16(buf + 48, tlv_type);
	put16(buf + 50, (uint16_t)(2 + len));
	put16(buf + 52, id);
	memcpy(buf + 54, data, len);
	return total;
}

START_TEST(ptp_management)
{
	const uint8_t ident[10] = {1, 2, 3, 4, 5, 6, 7, 8, 0, 1};
	uint8_t req[PTP_MGMT_REQUEST_LEN], buf[256], ts[50];
	const uint8_t *data;
	struct ptp_time_status st;
	size_t len;

	ptp_mgmt_request(req, 3, 0x1234, PTP_ID_TIME_STATUS_NP, ident);
	ck_assert_int_eq(req[0], 0x0d);
	ck_assert_int_eq(req[1], 2);
	ck_assert_int_eq(req[2] << 8 | req[3], 54);
	ck_assert_int_eq(req[4], 3);
	ck_assert_int_eq(req[30] << 8 | req[31], 0x1234);
	ck_assert_int_eq(req[32], 4);
	ck_assert_int_eq(req[34], 0xff); /* any target */
	ck_assert_int_eq(req[46], 0);	 /* GET */
	ck_assert_int_eq(req[48] << 8 | req[49], 1);
	ck_assert_int_eq(req[50] << 8 | req[51], 2);
	ck_assert_int_eq(req[52] << 8 | req[53], 0xC000);

	memset(ts, 0, sizeof(ts));
	put32(ts, 0xffffffff); /* master_offset = -300 */
	put32(ts + 4, (uint32_t)-300);
	put32(ts + 8, 0x17);
	put32(ts + 12, 0x8ddb3800);
	put32(ts + 38, 1);
	ts[42] = 0xaa;
	len = mgmt_response(buf, 9, 1, PTP_ID_TIME_STATUS_NP, ts, sizeof(ts));
	ck_assert_int_eq(ptp_mgmt_response(buf, len, 9, PTP_ID_TIME_STATUS_NP, &data), 50);
	ck_assert_int_eq(ptp_mgmt_parse_time_status(data, 50, &st), 0);
	ck_assert_int_eq(st.master_offset, -300);
	ck_assert_int_eq(st.ingress_time, 0x178ddb3800LL);
	ck_assert_int_eq(st.gm_present, 1);
	ck_assert_int_eq(st.gm_identity[0], 0xaa);
	ck_assert_int_eq(ptp_mgmt_parse_time_status(data, 49, &st), -EPROTO);
	/* Not ours: another sequence, another id, a truncated message, an error. */
	ck_assert_int_eq(ptp_mgmt_response(buf, len, 10, PTP_ID_TIME_STATUS_NP, &data), -EPROTO);
	ck_assert_int_eq(ptp_mgmt_response(buf, len, 9, PTP_ID_PORT_DATA_SET, &data), -EPROTO);
	ck_assert_int_eq(ptp_mgmt_response(buf, len - 10, 9, PTP_ID_TIME_STATUS_NP, &data),
			 -EPROTO);
	len = mgmt_response(buf, 9, 2, PTP_ID_TIME_STATUS_NP, ts, 8);
	ck_assert_int_eq(ptp_mgmt_response(buf, len, 9, PTP_ID_TIME_STATUS_NP, &data), -EBADMSG);
}
END_TEST

START_TEST(ptp_datasets)
{
	uint8_t d[64];
	unsigned v;
	int64_t ns;

	memset(d, 0, sizeof(d));
	d[10] = PTP_PORT_SLAVE;
	ck_assert_int_eq(ptp_mgmt_parse_port_state(d, 11, &v), 0);
	ck_assert_uint_eq(v, 9);
	ck_assert_str_eq(ptp_mgmt_port_state_name(v), "slave");
	put32(d + 10, 0);
	put32(d + 14, (uint32_t)(2800 << 16) + 1); /* meanPathDelay 2800 ns and a bit */
	ck_assert_int_eq(ptp_mgmt_parse_mean_path_delay(d, 18, &ns), 0);
	ck_assert_int_eq(ns, 2801); /* rounded up */
	d[0] = 0;
	d[1] = 1;
	ck_assert_int_eq(ptp_mgmt_parse_steps_removed(d, 2, &v), 0);
	ck_assert_uint_eq(v, 1);
	ck_assert_int_eq(ptp_mgmt_parse_steps_removed(d, 1, &v), -EPROTO);
	d[20] = 0x21;
	ck_assert_int_eq(ptp_mgmt_parse_gm_accuracy(d, 21, &v), 0);
	ck_assert_int_eq(ptp_mgmt_accuracy_ns(v), 100);
	ck_assert_int_eq(ptp_mgmt_accuracy_ns(0x20), 25);
	ck_assert_int_eq(ptp_mgmt_accuracy_ns(0x23), 1000);
	ck_assert_int_eq(ptp_mgmt_accuracy_ns(0x2f), 1000000000);
	ck_assert_int_eq(ptp_mgmt_accuracy_ns(0xfe), -1);
	ck_assert(ptp_mgmt_accuracy_ns(0x31) == PTP_ACCURACY_WORSE);
	ck_assert_int_eq(ptp_mgmt_accuracy_ns(0x17), -1); /* reserved here */

	/* Found by fuzz/fuzz_ptp: rounding the largest delay up overflowed. */
	put32(d + 10, 0x7fffffff);
	put32(d + 14, 0xffffffff);
	ck_assert_int_eq(ptp_mgmt_parse_mean_path_delay(d, 18, &ns), 0);
	ck_assert_int_eq(ns, 0x800000000000LL);
	put32(d + 10, 0x80000000);
	put32(d + 14, 0);
	ck_assert_int_eq(ptp_mgmt_parse_mean_path_delay(d, 18, &ns), 0);
	ck_assert_int_eq(ns, 0);
}
END_TEST

/* Found by fuzz/fuzz_ptp: syncd negates master_offset and subtracts ingress
 * times, so an offset of INT64_MIN or a negative ingress time is refused. */
START_TEST(ptp_time_status_range)
{
	uint8_t ts[50];
	struct ptp_time_status st;

	memset(ts, 0, sizeof(ts));
	memset(&st, 0x5a, sizeof(st));
	put32(ts, 0x80000000); /* master_offset INT64_MIN */
	put32(ts + 12, 1);
	ck_assert_int_eq(ptp_mgmt_parse_time_status(ts, sizeof(ts), &st), -EPROTO);
	ck_assert_uint_eq(st.gm_identity[0], 0x5a);
	put32(ts, 0x80000000);
	put32(ts + 4, 1); /* INT64_MIN + 1: fine */
	ck_assert_int_eq(ptp_mgmt_parse_time_status(ts, sizeof(ts), &st), 0);
	ck_assert(st.master_offset == INT64_MIN + 1);
	put32(ts + 8, 0xffffffff); /* ingress time -1 */
	ck_assert_int_eq(ptp_mgmt_parse_time_status(ts, sizeof(ts), &st), -EPROTO);
}
END_TEST

/* Whatever a peer sends, the parsers answer without reading out of bounds (ASan
 * watches) and accept only what is well formed. */
START_TEST(parsers_survive_garbage)
{
	unsigned seed = 99;
	uint8_t buf[300];

	for (int i = 0; i < 200000; i++) {
		size_t len = (size_t)rand_r(&seed) % sizeof(buf);
		const uint8_t *data;
		struct chrony_tracking t;
		struct ptp_time_status st;
		unsigned status, v;
		int64_t ns;
		int n;

		for (size_t k = 0; k < len; k++)
			buf[k] = (uint8_t)rand_r(&seed);
		if (i % 3 == 0 && len >= 54) { /* often a plausible header, to get deeper */
			buf[0] = 0x0d;
			buf[1] = 2;
			buf[46] = 2;
			buf[48] = 0;
			buf[49] = 1;
		}
		chrony_proto_tracking_parse(buf, len, 1, &t, &status);
		n = ptp_mgmt_response(buf, len, (uint16_t)(buf[30] << 8 | buf[31]),
				      (uint16_t)(len > 53 ? buf[52] << 8 | buf[53] : 0), &data);
		if (n >= 0) {
			ck_assert(data >= buf && data + n <= buf + len);
			ptp_mgmt_parse_time_status(data, (size_t)n, &st);
			ptp_mgmt_parse_port_state(data, (size_t)n, &v);
			ptp_mgmt_parse_mean_path_delay(data, (size_t)n, &ns);
			ptp_mgmt_parse_gm_accuracy(data, (size_t)n, &v);
		}
	}
}
END_TEST

/* --- configuration ---------------------------------------------------------- */

static int parse(struct syncd_config *c, const char *text, char *err)
{
	return config_parse(c, text, strlen(text), err, 256);
}

START_TEST(config_default_sources_found)
{
	static struct syncd_config c, again;
	static char text[4096];
	char err[256], dir[] = "/tmp/qot-discover.XXXXXX";
	int n;

	ck_assert_int_eq(parse(&c, "interval 250ms\n", err), 0);
	ck_assert(c.discover);
	ck_assert_uint_eq(c.nsources, 1);
	ck_assert_int_eq(config_default_sources(&c, SOURCE_TYPE_CHRONY, "/run/chrony/chronyd.sock",
						err, sizeof(err)),
			 0);
	ck_assert_uint_eq(c.nsources, 2);
	ck_assert_str_eq(c.sources[0].name, "chronyd");
	ck_assert_str_eq(c.sources[0].socket, "/run/chrony/chronyd.sock");
	ck_assert_str_eq(c.sources[1].name, "system");
	ck_assert_int_eq(c.sources[1].poll_ns, 250000000);
	ck_assert_uint_eq(c.nrules, 1);
	ck_assert_uint_eq(config_rule_for(&c, "any")->nsources, 2);
	ck_assert_uint_eq(config_rule_for(&c, "any")->sources[0], 0);
	/* What --check-config prints names them: it reads back, discovering nothing. */
	n = config_print(&c, text, sizeof(text));
	ck_assert_int_gt(n, 0);
	ck_assert_int_eq(config_parse(&again, text, (size_t)n, err, sizeof(err)), 0);
	ck_assert(!again.discover);
	ck_assert_uint_eq(again.nsources, 2);
	ck_assert_int_eq(
		config_default_sources(&c, SOURCE_TYPE_PTP, "/var/run/ptp4l", err, sizeof(err)), 0);
	ck_assert_str_eq(c.sources[0].name, "ptp4l");
	ck_assert_int_eq(config_default_sources(&c, SOURCE_TYPE_PTP, "relative", err, sizeof(err)),
			 -EINVAL);

	/* Configured sources are never replaced. */
	ck_assert_int_eq(parse(&c, "source a system\n", err), 0);
	ck_assert(!c.discover);
	ck_assert_int_eq(config_default_sources(&c, SOURCE_TYPE_SYSTEM, NULL, err, sizeof(err)),
			 -EINVAL);
	discover_sources(&c);
	ck_assert_str_eq(c.sources[0].name, "a");
	ck_assert_str_eq(c.found, "");

	/* Nothing answers: the kernel's view, and why. */
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(text, sizeof(text), "rundir %s\n", dir);
	ck_assert_int_eq(parse(&c, text, err), 0);
	setenv(DISCOVER_CHRONY_ENV, "/nonexistent/chronyd.sock", 1);
	setenv(DISCOVER_PTP_ENV, "/nonexistent/ptp4l", 1);
	discover_sources(&c);
	ck_assert_uint_eq(c.nsources, 1);
	ck_assert_str_eq(c.sources[0].name, "system");
	ck_assert_msg(strstr(c.found, "no chronyd (chronyd at /nonexistent/chronyd.sock: ") ==
			      c.found,
		      "%s", c.found);
	ck_assert_msg(strstr(c.found, "source system") != NULL, "%s", c.found);
	rmdir(dir);
}
END_TEST

START_TEST(config_defaults_and_rules)
{
	static struct syncd_config c;
	char err[256];

	ck_assert_int_eq(config_parse(&c, NULL, 0, err, sizeof(err)), 0);
	ck_assert_str_eq(c.mount, "/qot");
	ck_assert_uint_eq(c.nsources, 1);
	ck_assert_int_eq(c.sources[0].type, SOURCE_TYPE_SYSTEM);
	ck_assert_int_eq(c.sources[0].minbound_ns, 1000000); /* maxerror may be 0 */
	ck_assert_str_eq(config_rule_for(&c, "anything")->pattern, "*");
	ck_assert_int_eq(c.stale_ns, 4000000000LL);

	ck_assert_int_eq(parse(&c,
			       "# comment\n"
			       "mount /mnt/qot   # trailing comment\n"
			       "interval 250ms\n"
			       "source ntp chrony address 127.0.0.1 port 11324 maxdrift 20\n"
			       "source p0 ptp socket /run/p.sock window 32 confidence 0.999 "
			       "asymmetry 100ns\n"
			       "source sys system\n"
			       "timeline db p0 ntp sys\n"
			       "timeline * ntp sys\n",
			       err),
			 0);
	ck_assert_str_eq(c.mount, "/mnt/qot");
	ck_assert_int_eq(c.interval_ns, 250000000);
	ck_assert_uint_eq(c.sources[0].port, 11324);
	ck_assert(fabs(c.sources[0].maxdrift - 20e-6) < 1e-12);
	ck_assert_int_eq(c.sources[0].poll_ns, 250000000); /* the interval by default */
	ck_assert_int_eq(c.sources[1].poll_ns, 125000000); /* ptp polls faster */
	ck_assert_int_eq(c.sources[1].asymmetry_ns, 100);
	ck_assert_uint_eq(c.sources[1].window, 32);
	ck_assert_uint_eq(config_rule_for(&c, "db")->nsources, 3);
	ck_assert_uint_eq(config_rule_for(&c, "db")->sources[0], 1);
	ck_assert_str_eq(config_rule_for(&c, "other")->pattern, "*");

	/* Sources without timeline lines: all of them serve every timeline. */
	ck_assert_int_eq(parse(&c, "source a system\nsource b chrony\n", err), 0);
	ck_assert_uint_eq(config_rule_for(&c, "x")->nsources, 2);
}
END_TEST

START_TEST(config_print_roundtrip)
{
	static struct syncd_config a, b;
	char err[256], t1[8192], t2[8192];

	ck_assert_int_eq(
		parse(&a,
		      "interval 2s\nholdover 10s\nmaxslew 100\n"
		      "source c chrony socket /run/chrony/chronyd.sock\n"
		      "source p ptp domain 24 initial 5ms confidence 0.9999999 minbound 1us\n"
		      "source l chrony address ::1\n"
		      "timeline * p c\n",
		      err),
		0);
	ck_assert_int_gt(config_print(&a, t1, sizeof(t1)), 0);
	ck_assert_msg(config_parse(&b, t1, strlen(t1), err, sizeof(err)) == 0, "%s\n%s", err, t1);
	ck_assert_int_gt(config_print(&b, t2, sizeof(t2)), 0);
	ck_assert_str_eq(t1, t2);
	ck_assert(b.sources[1].confidence == 0.9999999); /* printed exactly */
	ck_assert_int_eq(b.sources[1].minbound_ns, 1000);
	ck_assert_int_eq(b.sources[0].minbound_ns, 0);
	ck_assert_str_eq(b.sources[2].address, "::1");

	/* Found by fuzz/fuzz_config: a short interval's default stale (4 x 24ms)
	 * was printed as a stale no file may give, so the print did not read back. */
	ck_assert_int_eq(parse(&a, "interval 24ms\n", err), 0);
	ck_assert_int_eq(a.stale_ns, 100000000);
	ck_assert_int_gt(config_print(&a, t1, sizeof(t1)), 0);
	ck_assert_msg(config_parse(&b, t1, strlen(t1), err, sizeof(err)) == 0, "%s\n%s", err, t1);
	ck_assert_int_eq(parse(&a, "interval 30ms\n", err), 0);
	ck_assert_int_eq(a.stale_ns, 120000000);
}
END_TEST

START_TEST(config_peer_and_freerun)
{
	static struct syncd_config a, b;
	char err[256], t1[8192], t2[8192];
	static const struct {
		const char *text, *message;
	} bad[] = {
		{"peer port 0\n", "1: peer port: expected 1 to 65535"},
		{"peer port 1\npeer port 2\n", "2: peer port: given twice"},
		{"source f freerun offset x\n", "1: offset: expected a duration"},
		{"source f freerun reference maybe\n", "1: reference: expected yes or no"},
		{"source f freerun freq 20000\n", "1: freq (ppm): expected a number"},
		{"source f system\ntimeline t peer f f\n", "2: timeline t: source f listed twice"},
		{"timeline t peer nosuch\n", "1: timeline t: no source named 'nosuch'"},
		{"source f system offset 1ms\n", "1: source f: unknown option 'offset'"},
	};

	ck_assert_msg(parse(&a,
			    "peer port 4000 keyfile /etc/k missed 3\n"
			    "peer threshold 2ms\n"
			    "source off freerun offset -10s freq -40.5 reference no minbound 2us\n"
			    "source ref freerun reference yes\n"
			    "timeline swarm peer off\n"
			    "timeline robots peer\n"
			    "timeline plain ref\n",
			    err) == 0,
		      "%s", err);
	ck_assert(a.peer.given);
	ck_assert_uint_eq(a.peer.port, 4000);
	ck_assert_uint_eq(a.peer.missed, 3);
	ck_assert_int_eq(a.sources[0].type, SOURCE_TYPE_FREERUN);
	ck_assert_int_eq(a.sources[0].offset_ns, -10000000000LL);
	ck_assert(fabs(a.sources[0].freq + 40.5e-6) < 1e-15);
	ck_assert(!a.sources[0].reference && a.sources[1].reference);
	ck_assert_int_eq(a.sources[1].minbound_ns, 1000); /* freerun's default bound */
	ck_assert(config_rule_for(&a, "swarm")->peer);
	ck_assert_uint_eq(config_rule_for(&a, "swarm")->nsources, 1);
	ck_assert(config_rule_for(&a, "robots")->peer);
	ck_assert_uint_eq(config_rule_for(&a, "robots")->nsources, 0);
	ck_assert(!config_rule_for(&a, "plain")->peer);
	ck_assert_int_gt(config_print(&a, t1, sizeof(t1)), 0);
	ck_assert_msg(config_parse(&b, t1, strlen(t1), err, sizeof(err)) == 0, "%s\n%s", err, t1);
	ck_assert_int_gt(config_print(&b, t2, sizeof(t2)), 0);
	ck_assert_str_eq(t1, t2);
	ck_assert_ptr_nonnull(strstr(t1, "timeline robots peer\n"));
	ck_assert_ptr_nonnull(strstr(t1, "offset -10s freq -40.5 reference no"));
	ck_assert_uint_eq(b.peer.port, 4000);

	/* No peer line: the endpoint's defaults, nothing printed. */
	ck_assert_int_eq(parse(&a, "timeline t peer\n", err), 0);
	ck_assert(!a.peer.given);
	ck_assert(config_rule_for(&a, "t") && config_rule_for(&a, "t")->peer); /* kept */
	ck_assert(config_rule_for(&a, "other") == NULL);
	ck_assert(!a.discover);
	ck_assert_uint_eq(a.peer.port, 3219);
	ck_assert_str_eq(a.peer.keyfile, PEER_CONFIG_DEFAULT_KEYFILE);

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		ck_assert_int_eq(parse(&a, bad[i].text, err), -EINVAL);
		ck_assert_msg(strncmp(err, bad[i].message, strlen(bad[i].message)) == 0,
			      "%s: got '%s'", bad[i].text, err);
	}
}
END_TEST

START_TEST(config_errors)
{
	static const struct {
		const char *text, *message;
	} cases[] = {
		{"bogus 1\n", "1: unknown directive 'bogus'"},
		{"\n\ninterval\n", "3: interval: expected one value"},
		{"interval 5\n", "1: interval: expected a duration"},
		{"interval 1ms\n", "1: interval: 1ms is out of range"},
		{"mount relative/path\n", "1: mount: expected an absolute path"},
		{"source a gps\n", "1: source a: unknown type 'gps'"},
		{"source .a system\n", "1: source: bad name '.a'"},
		{"source a system\nsource a system\n", "2: source a: defined twice"},
		{"source a system port 5\n",
		 "1: source a: unknown option 'port' for a system source"},
		{"source a chrony port\n", "1: usage: source NAME"},
		{"source a chrony port 70000\n", "1: port: expected an integer from 1 to 65535"},
		{"source a ptp confidence 2\n", "1: confidence: expected a number"},
		{"source a ptp window 3\n", "1: window: expected an integer from 8"},
		{"source a ptp asymmetry lots\n", "1: asymmetry: expected a duration"},
		{"timeline x nosuch\n", "1: timeline x: no source named 'nosuch'"},
		{"source a system\ntimeline x a\ntimeline x a\n", "3: timeline x: given twice"},
		{"source a system\ntimeline a/b a\n", "2: timeline: bad name 'a/b'"},
		{"maxslew 0\n", "1: maxslew (ppm): expected a number from 1 to 10000"},
		{"interval 2s\nstale 1s\n", "stale (1000000000 ns) must be longer than interval"},
		{"source a chrony address 10.0.0.1\n", "1: address: expected a loopback address"},
		{"source a chrony address foo\n", "1: address: expected a loopback address"},
		{"source a system minbound lots\n", "1: minbound: expected a duration"},
		{"source a system\nsource b system\nsource c system\nsource d system\n"
		 "source e system\nsource f system\nsource g system\nsource h system\n"
		 "source i system\n",
		 "no timeline line for 9 sources"},
		{"bogus 1 2\n", "1: unknown directive 'bogus'"},
		{"rundir /"
		 "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
		 "\n"
		 "source p ptp\n",
		 "source p: rundir /aaa"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		static struct syncd_config c;
		char err[256] = "";
		ck_assert_msg(parse(&c, cases[i].text, err) == -EINVAL, "'%s' accepted",
			      cases[i].text);
		ck_assert_msg(strstr(err, cases[i].message) != NULL, "'%s': got '%s'",
			      cases[i].text, err);
	}
}
END_TEST

START_TEST(config_error_messages)
{
	char out[300];

	config_error(out, sizeof(out), "/etc/s.conf", -EINVAL, "3: unknown directive 'x'");
	ck_assert_str_eq(out, "/etc/s.conf:3: unknown directive 'x'");
	config_error(out, sizeof(out), "/etc/s.conf", -EINVAL, "no timeline line for 9 sources");
	ck_assert_str_eq(out, "/etc/s.conf: no timeline line for 9 sources");
	config_error(out, sizeof(out), "/etc/s.conf", -ENOENT, "No such file or directory");
	ck_assert_str_eq(out, "/etc/s.conf: No such file or directory");
}
END_TEST

/* --- estimator -------------------------------------------------------------- */

static double gauss(unsigned *seed)
{
	double u = (rand_r(seed) + 1.0) / (RAND_MAX + 2.0),
	       v = (rand_r(seed) + 1.0) / (RAND_MAX + 2.0);
	return sqrt(-2 * log(u)) * cos(2 * M_PI * v);
}

START_TEST(window_line_and_noise)
{
	struct estimator_window e;
	struct estimate_window r;

	ck_assert_int_eq(estimator_window_init(&e, 64, 0.9999, 1000000), 0);
	ck_assert_int_eq(estimator_window_estimate(&e, 0, &r), -EAGAIN);
	/* Exact line: offset 1000 ns + 2 ppm. */
	for (int i = 0; i < 64; i++)
		estimator_window_add(&e, (int64_t)i * 125000000,
				     1000 + (int64_t)(2e-6 * i * 125000000));
	ck_assert_int_eq(estimator_window_estimate(&e, 63 * 125000000LL, &r), 0);
	ck_assert(fabs(r.offset - (1000 + 2e-6 * 63 * 125000000)) < 1);
	ck_assert(fabs(r.freq - 2e-6) < 1e-9);
	ck_assert(r.offset_bound > 0); /* never zero */
	ck_assert(r.offset_bound < 10);

	/* Noise: the bound covers the truth, and scales with the noise. */
	{
		unsigned seed = 7;
		int covered = 0, trials = 2000;
		for (int k = 0; k < trials; k++) {
			estimator_window_reset(&e);
			for (int i = 0; i < 64; i++)
				estimator_window_add(&e, (int64_t)i * 125000000,
						     (int64_t)(300 * gauss(&seed)));
			estimator_window_estimate(&e, 63 * 125000000LL, &r);
			covered += fabs(r.offset) <= r.offset_bound;
		}
		ck_assert_int_ge(covered, trials - 2);
		ck_assert(r.sigma > 200 && r.sigma < 400);
	}
	estimator_window_free(&e);
}
END_TEST

START_TEST(window_outliers_and_few_samples)
{
	struct estimator_window e;
	struct estimate_window r;
	unsigned seed = 3;

	ck_assert_int_eq(estimator_window_init(&e, 32, 0.9999, 1000000), 0);
	estimator_window_add(&e, 0, 500);
	estimator_window_add(&e, 0, 900); /* a repeat of the same instant is ignored */
	estimator_window_add(&e, 125000000, 700);
	ck_assert_int_eq(estimator_window_estimate(&e, 125000000, &r), 0);
	ck_assert_uint_eq(r.used, 2);
	ck_assert(r.offset_bound >= 1000000 + 200); /* initial bound plus the spread */

	estimator_window_reset(&e);
	for (int i = 0; i < 32; i++)
		estimator_window_add(&e, (int64_t)i * 125000000,
				     i == 20 ? 5000000 : (int64_t)(100 * gauss(&seed)));
	ck_assert_int_eq(estimator_window_estimate(&e, 31 * 125000000LL, &r), 0);
	ck_assert_uint_eq(r.used, 31); /* the 5 ms sample was dropped */
	ck_assert(fabs(r.offset) < 200);
	estimator_window_free(&e);
}
END_TEST

/* A real step of the clock is not an outlier: the bound covers the new offset
 * from the first sample after it, and the window restarts from it. */
START_TEST(window_follows_a_step)
{
	struct estimator_window e;
	struct estimate_window r;
	unsigned seed = 11;

	ck_assert_int_eq(estimator_window_init(&e, 64, 0.9999, 1000000), 0);
	for (int i = 0; i < 64; i++) {
		int64_t t = (int64_t)i * 125000000;
		int64_t truth = i < 40 ? 0 : 100000;
		estimator_window_add(&e, t, truth + (int64_t)(100 * gauss(&seed)));
		ck_assert_int_eq(estimator_window_estimate(&e, t, &r), 0);
		ck_assert_msg(fabs(r.offset - (double)truth) <= r.offset_bound,
			      "sample %d: truth %lld outside %.0f +- %.0f", i, (long long)truth,
			      r.offset, r.offset_bound);
		if (i == 42)
			ck_assert_uint_eq(r.used, 3); /* restarted from the step */
	}
	ck_assert(fabs(r.offset - 100000) < 1000);
	estimator_window_free(&e);
}
END_TEST

/* --- estimator (Kalman) ------------------------------------------------------ */

static struct estimator *kalman(void)
{
	struct estimator_config c = {.method = ESTIMATOR_KALMAN,
				     .confidence = 0.9999,
				     .window = 64,
				     .initial_ns = 1000000,
				     .asymmetry_ns = -1,
				     .horizon_ns = 300000000000LL};
	struct estimator *e = estimator_new(&c);

	ck_assert_ptr_nonnull(e);
	return e;
}

static void add(struct estimator *e, int64_t t, double offset, int64_t delay)
{
	struct estimator_sample s = {.t = t, .offset = (int64_t)llround(offset), .delay = delay};
	estimator_add(e, &s);
}

/* Known answers: an exact line is found exactly; the bound is never zero. */
START_TEST(kalman_known_answers)
{
	struct estimator *e = kalman();
	struct estimate r;

	ck_assert_int_eq(estimator_estimate(e, 0, &r), -EAGAIN);
	for (int i = 0; i < 400; i++)
		add(e, (int64_t)i * 125000000, 1000 + 2e-6 * i * 125000000, 4000);
	ck_assert_int_eq(estimator_estimate(e, 399 * 125000000LL, &r), 0);
	ck_assert_msg(fabs(r.offset - (1000 + 2e-6 * 399 * 125000000)) < 2, "%f", r.offset);
	ck_assert_msg(fabs(r.freq - 2e-6) < 1e-10, "%g", r.freq);
	ck_assert(r.stat >= 1);	   /* never zero */
	ck_assert(r.stat < 20);	   /* but tight */
	ck_assert(r.asym == 2000); /* half the round trip */
	/* A second later, predicted along the line, the bound a little wider. */
	{
		struct estimate later;
		ck_assert_int_eq(estimator_estimate(e, 400 * 125000000LL + 1000000000, &later), 0);
		ck_assert(fabs(later.offset - (1000 + 2e-6 * (400 * 125000000.0 + 1e9))) < 5);
		ck_assert(later.stat >= r.stat);
	}
	estimator_free(e);
	/* The stated asymmetry is the allowance when it is below half the round trip. */
	{
		struct estimator_config c = {.asymmetry_ns = 500};
		ck_assert(estimator_allowance(&c, 4000) == 500);
		ck_assert(estimator_allowance(&c, 600) == 300);
		ck_assert(estimator_allowance(&c, -1) == 500);
		c.asymmetry_ns = -1;
		ck_assert(estimator_allowance(&c, 4000) == 2000);
		ck_assert(estimator_allowance(&c, -1) == 0);
	}
}
END_TEST

/* Cold start: wide while little is known, then converging; the bound covers
 * the truth at its confidence, and is never tighter than the noise allows
 * (sigma / sqrt(n) at the quantile: no estimator does better). */
START_TEST(kalman_cold_start_and_noise_floor)
{
	unsigned seed = 5;
	int trials = 400, covered = 0;

	for (int k = 0; k < trials; k++) {
		struct estimator *e = kalman();
		struct estimate r;
		for (int i = 0; i < 200; i++) {
			int64_t t = (int64_t)i * 125000000;
			add(e, t, 5000 + 300 * gauss(&seed), -1);
			ck_assert_int_eq(estimator_estimate(e, t, &r), 0);
			if (i < ESTIMATOR_MIN_SAMPLES - 1)
				ck_assert(r.stat >= 1000000); /* the initial bound */
			/* The floor: no tighter than n samples of its own noise allow
			 * (3.89 sigma / sqrt(n) at 99.99%), nor, once the noise is
			 * known, of the true noise. */
			ck_assert_msg(r.stat >= 3.89 * r.sigma / sqrt(i + 1.0), "%d: %f", i,
				      r.stat);
			if (i >= 100)
				ck_assert_msg(r.stat >= 3.89 * 300 / sqrt(i + 1.0) * 0.8, "%d: %f",
					      i, r.stat);
		}
		covered += fabs(r.offset - 5000) <= r.stat;
		if (k == 0)
			ck_assert_msg(r.stat < 600, "%f", r.stat); /* converged */
		estimator_free(e);
	}
	ck_assert_int_ge(covered, trials - 1);
}
END_TEST

/* A step of the clock: covered from the first sample after it (the bound
 * reaches what cannot be told from an outlier yet), then tight again. */
START_TEST(kalman_step)
{
	struct estimator *e = kalman();
	struct estimate r;
	unsigned seed = 11;
	double before = 0;

	for (int i = 0; i < 600; i++) {
		int64_t t = (int64_t)i * 125000000;
		double truth = i < 400 ? 0 : 100000;
		add(e, t, truth + 100 * gauss(&seed), -1);
		ck_assert_int_eq(estimator_estimate(e, t, &r), 0);
		ck_assert_msg(fabs(r.offset - truth) <= r.stat,
			      "sample %d: %.0f outside %.0f +- %.0f", i, truth, r.offset, r.stat);
		if (i == 399)
			before = r.stat;
	}
	ck_assert_msg(r.stat < 2 * before + 50, "%f after, %f before", r.stat, before);
	estimator_free(e);
}
END_TEST

/* An outlier burst shorter than a step: it neither moves the estimate nor
 * widens the bounds for long, and while it lasts the bound reaches it. */
START_TEST(kalman_outlier_burst)
{
	struct estimator *e = kalman();
	struct estimate r;
	unsigned seed = 13;
	double before = 0;

	for (int i = 0; i < 500; i++) {
		int64_t t = (int64_t)i * 125000000;
		bool out = i == 300 || i == 301;
		add(e, t, (out ? 5000000 : 0) + 100 * gauss(&seed), -1);
		ck_assert_int_eq(estimator_estimate(e, t, &r), 0);
		ck_assert_msg(fabs(r.offset) <= r.stat, "sample %d", i);
		if (i == 299)
			before = r.stat;
		if (out)
			ck_assert(r.stat >= 4000000); /* it might be a step: reached */
		if (i == 310) {
			ck_assert(fabs(r.offset) < 100);
			ck_assert_msg(r.stat < 1.5 * before + 10, "%f vs %f", r.stat, before);
		}
	}
	estimator_free(e);
}
END_TEST

/* A step whose first sample is also an outlier (the corner bench/sync-sim
 * found on ptp_steps, seed 5): the bound reaches the pending sample plus the
 * size of the outliers seen, so the truth beyond it is covered too. */
START_TEST(kalman_step_on_an_outlier)
{
	struct estimator *e = kalman();
	struct estimate r;
	unsigned seed = 19;

	for (int i = 0; i < 500; i++) {
		int64_t t = (int64_t)i * 125000000;
		double truth = i < 400 ? 0 : 200000, y = truth + 100 * gauss(&seed);
		if (i == 100 || i == 200 || i == 400)
			y -= 50000; /* outliers, the last on the step */
		if (i == 300)
			y += 50000;
		add(e, t, y, -1);
		ck_assert_int_eq(estimator_estimate(e, t, &r), 0);
		ck_assert_msg(fabs(r.offset - truth) <= r.stat,
			      "sample %d: %.0f outside %.0f +- %.0f", i, truth, r.offset, r.stat);
	}
	estimator_free(e);
}
END_TEST

/* Holdover: the bound grows with the time since the last sample, faster the
 * more the frequency wanders; hold_drift covers the configured horizon. */
START_TEST(kalman_holdover_growth)
{
	struct estimator *e = kalman();
	struct estimate now, later;
	unsigned seed = 17;
	double f = 0;

	for (int i = 0; i < 2000; i++) {
		f += 5 * gauss(&seed) * sqrt(0.125); /* ns/s: a random walk */
		add(e, (int64_t)i * 125000000, f * i * 0.125 + 50 * gauss(&seed), -1);
	}
	ck_assert_int_eq(estimator_estimate(e, 1999 * 125000000LL, &now), 0);
	ck_assert_int_eq(estimator_estimate(e, 1999 * 125000000LL + 60000000000LL, &later), 0);
	ck_assert(later.stat > now.stat * 2);
	ck_assert(now.hold_drift > now.drift);
	ck_assert(now.drift > 0);
	estimator_free(e);
}
END_TEST

START_TEST(t_quantiles)
{
	/* Against numerical integration of the t density. */
	ck_assert(fabs(student_t_quantile(0.95, 1e6) - 1.95996) < 1e-3);
	ck_assert(fabs(student_t_quantile(0.9999, 1e6) - 3.8906) < 1e-3);
	ck_assert(fabs(student_t_quantile(0.95, 1) - 12.7062) < 1e-3);
	ck_assert(fabs(student_t_quantile(0.95, 2) - 4.3027) < 1e-3);
	ck_assert(fabs(student_t_quantile(0.9999, 6) - 9.0823) < 1e-3);
	ck_assert(fabs(student_t_quantile(0.9999, 30) - 4.4824) < 1e-3);
	ck_assert(fabs(student_t_quantile(0.99, 10) - 3.1693) < 1e-3);
	ck_assert(fabs(student_t_quantile(0.99, 62) - 2.6575) < 1e-3);
}
END_TEST

/* --- discipline ------------------------------------------------------------- */

static const struct discipline_config dcfg = {.interval = 1000000000,
					      .margin = 50000000,
					      .holdover = 10000000000LL,
					      .stale = 4000000000LL,
					      .maxslew = 500e-6};

static struct reading reading(int64_t at, int64_t offset, uint64_t bound)
{
	return (struct reading){.at = at,
				.offset = offset,
				.below = bound,
				.above = bound,
				.drift = bound_rate_from_frac(10e-6)};
}

/* The interval of p at t contains true time truth. */
static int contains(const struct qot_clock_params *p, int64_t t, int64_t truth)
{
	struct qot_time q;

	qot_project(p, t, &q);
	return (qot_i128)q.estimate - q.below <= truth && truth <= (qot_i128)q.estimate + q.above;
}

START_TEST(discipline_steps_forward_and_slews_back)
{
	struct discipline d;
	struct qot_clock_params p1, p2;
	const int64_t t0 = 1000000000000000000LL, s = 1000000000;
	struct reading r;

	discipline_init(&d);
	discipline_update(&d, &dcfg, NULL, t0, &p1);
	ck_assert_uint_eq(p1.status, QOT_STATUS_UNSYNCED);
	ck_assert_uint_eq(p1.offset_below, QOT_UNBOUNDED);

	r = reading(t0 + s, 5000, 1000); /* 5 us ahead of the base clock */
	discipline_update(&d, &dcfg, &r, t0 + s, &p1);
	ck_assert_uint_eq(p1.status, QOT_STATUS_SYNCED);
	ck_assert(contains(&p1, t0 + s, t0 + s + 5000));
	ck_assert(contains(&p1, t0 + s + 999, t0 + s + 999 + 5000 + 900)); /* within the bound */
	ck_assert_int_eq(p1.stale_after, t0 + s + dcfg.stale);

	/* The truth moves back 20 us: the timeline slews, never jumps back. */
	r = reading(t0 + 2 * s, -15000, 1000);
	discipline_update(&d, &dcfg, &r, t0 + 2 * s, &p2);
	/* Readers may see the old page until the new one lands, within the margin. */
	for (int64_t t = t0 + 2 * s; t <= t0 + 2 * s + dcfg.margin; t += 997) {
		struct qot_time a, b;
		qot_project(&p1, t, &a);
		qot_project(&p2, t, &b);
		ck_assert_msg(b.estimate >= a.estimate, "backward at %lld", (long long)(t - t0));
	}
	ck_assert_int_lt(p2.freq, 0); /* slower than the base clock for a while */
	/* ...and the interval still holds the truth, everywhere until stale. */
	for (int64_t t = t0 + 2 * s; t < p2.stale_after; t += 10000000)
		ck_assert(contains(&p2, t, t - 15000));

	/* The truth moves forward: a step. */
	r = reading(t0 + 3 * s, 100000, 1000);
	discipline_update(&d, &dcfg, &r, t0 + 3 * s, &p1);
	ck_assert(contains(&p1, t0 + 3 * s, t0 + 3 * s + 100000));
	ck_assert_uint_le(p1.offset_below, 1000 + 200); /* no leftover widening */
}
END_TEST

/* Synced, the bounds grow at the reading's drift bound; in holdover at its
 * holdover drift bound; the parts of its bound are kept for the sync view. */
START_TEST(discipline_hold_drift_and_parts)
{
	struct discipline d;
	struct qot_clock_params p;
	const int64_t t0 = 1000000000000000000LL, s = 1000000000;
	struct reading r = reading(t0, 0, 1000);
	struct qot_time q1, q2;

	r.drift = bound_rate_from_frac(1e-6);
	r.hold_drift = bound_rate_from_frac(20e-6);
	r.asym = 700;
	r.stat = 300;
	discipline_init(&d);
	ck_assert_uint_eq(d.asym, QOT_UNBOUNDED); /* nothing known yet */
	discipline_update(&d, &dcfg, &r, t0, &p);
	ck_assert_uint_eq(d.asym, 700);
	ck_assert_uint_eq(d.stat, 300);
	qot_project(&p, t0, &q1);
	qot_project(&p, t0 + s, &q2);
	ck_assert_uint_le(q2.below - q1.below, 1000 + 1); /* 1 ppm */
	discipline_update(&d, &dcfg, NULL, t0 + s, &p);
	ck_assert_uint_eq(p.status, QOT_STATUS_HOLDOVER);
	qot_project(&p, t0 + s, &q1);
	qot_project(&p, t0 + 2 * s, &q2);
	ck_assert_uint_ge(q2.below - q1.below, 20000 - 1); /* 20 ppm */
	ck_assert_uint_eq(d.asym, 700); /* those of the reading it goes on from */
	ck_assert_uint_eq(d.stat, 300);
}
END_TEST

/* A reading that states its wander: in holdover the bounds grow as a
 * random walk does (lin x age + wander x age^1.5 from its data's age),
 * covering that curve at every instant until each page goes stale, never
 * above the linear growth at hold_drift, which they become once cheaper. */
START_TEST(discipline_holdover_as_a_walk)
{
	struct discipline d;
	struct qot_clock_params p;
	const int64_t t0 = 1000000000000000000LL, s = 1000000000;
	const double lin = 0.05e-6, wander = 40, age0 = 3; /* ns/s^1.5, s */
	struct reading r = reading(t0, 0, 1000);
	uint64_t hold_b = 0;
	bool walked = false, linear = false;

	r.drift = bound_rate_from_frac(0.2e-6);
	r.hold_drift = bound_rate_from_frac(2e-6);
	r.hold_lin = lin;
	r.hold_wander = wander;
	r.age = (int64_t)(age0 * 1e9);
	discipline_init(&d);
	discipline_update(&d, &dcfg, &r, t0, &p);
	for (int64_t u = 1; u <= 4000; u++) {
		int64_t now = t0 + u * s;
		discipline_update(&d, &dcfg, NULL, now, &p);
		if (u == 1)
			hold_b = p.offset_below; /* re-anchored where it was */
		for (int64_t t = now; t <= p.stale_after; t += s / 4) {
			struct qot_time q;
			double a = (double)(t - t0) * 1e-9 + age0, a1 = 1 + age0;
			double walk = lin * 1e9 * (a - a1) + wander * (pow(a, 1.5) - pow(a1, 1.5));
			double line = 2e-6 * (double)(t - t0 - s);
			qot_project(&p, t, &q);
			ck_assert_msg((double)q.below >= (double)hold_b + fmin(walk, line) - 1,
				      "at %lld s: %llu below the walk %.0f",
				      (long long)(t - t0) / s, (unsigned long long)q.below,
				      (double)hold_b + walk);
			ck_assert_uint_eq(q.below, q.above);
		}
		{
			struct qot_time q;
			double a = (double)u + age0, a1 = 1 + age0;
			double walk = lin * 1e9 * (a - a1) + wander * (pow(a, 1.5) - pow(a1, 1.5));
			qot_project(&p, now, &q);
			/* at the update itself: the lesser, no more */
			ck_assert_msg((double)q.below <=
					      (double)hold_b +
						      fmin(walk, 2e-6 * (double)(u - 1) * 1e9) + 2,
				      "at %lld s: %llu", (long long)u, (unsigned long long)q.below);
			walked |= walk < 2e-6 * (double)(u - 1) * 1e9 && u > 10;
			linear |= walk > 2e-6 * (double)(u - 1) * 1e9;
		}
	}
	ck_assert(walked && linear); /* both were exercised */
}
END_TEST

START_TEST(discipline_holdover_then_unsynced)
{
	struct discipline d;
	struct qot_clock_params p;
	const int64_t t0 = 1000000000000000000LL, s = 1000000000;
	struct reading r = reading(t0, 0, 1000);
	struct qot_time q1, q2;

	discipline_init(&d);
	discipline_update(&d, &dcfg, &r, t0, &p);
	discipline_update(&d, &dcfg, NULL, t0 + 2 * s, &p);
	ck_assert_uint_eq(p.status, QOT_STATUS_HOLDOVER);
	qot_project(&p, t0 + 2 * s, &q1);
	qot_project(&p, t0 + 3 * s, &q2);
	ck_assert_uint_gt(q2.below, q1.below); /* growing at the drift bound */
	ck_assert_uint_ge(q2.below - q1.below, 10000 - 1);
	discipline_update(&d, &dcfg, NULL, t0 + 11 * s, &p);
	ck_assert_uint_eq(p.status, QOT_STATUS_UNSYNCED);
	ck_assert_int_eq(p.stale_after, t0 + 11 * s + dcfg.stale);
	/* Back: synced, and the bound shrinks again. */
	r = reading(t0 + 12 * s, 0, 1000);
	discipline_update(&d, &dcfg, &r, t0 + 12 * s, &p);
	ck_assert_uint_eq(p.status, QOT_STATUS_SYNCED);
	ck_assert_uint_le(p.offset_below, 1000 + 200);
}
END_TEST

START_TEST(discipline_first_sync_may_step_back)
{
	struct discipline d;
	struct qot_clock_params p;
	const int64_t t0 = 1000000000000000000LL;
	struct reading r = reading(t0, -3000000000LL, 1000); /* 3 s behind */

	discipline_init(&d);
	discipline_update(&d, &dcfg, NULL, t0 - 1, &p); /* unknown, unbounded */
	discipline_update(&d, &dcfg, &r, t0, &p);
	ck_assert_int_eq(p.anchor_tl, t0 - 3000000000LL); /* a step: nobody relied on it */
	ck_assert_int_eq(p.freq, 0);
	ck_assert_uint_le(p.offset_below, 1000 + 100);
}
END_TEST

/* The control lines and the chrony server option: read, checked, printed back. */
START_TEST(config_control)
{
	static struct syncd_config a, b;
	struct control_config cc;
	char err[256], t1[8192], t2[8192];

	ck_assert_msg(parse(&a,
			    "source c chrony socket /run/chrony/chronyd.sock server 192.0.2.1\n"
			    "timeline * c\n"
			    "control * on min 250ms max 32s\n"
			    "control batch off\n",
			    err) == 0,
		      "%s", err);
	ck_assert_str_eq(a.sources[0].server, "192.0.2.1");
	ck_assert(control_conf_for(&a.control, "any", &cc));
	ck_assert_int_eq(cc.min_interval, 250000000);
	ck_assert(!control_conf_for(&a.control, "batch", &cc));
	ck_assert_int_gt(config_print(&a, t1, sizeof(t1)), 0);
	ck_assert_ptr_nonnull(strstr(t1, " server 192.0.2.1"));
	ck_assert_ptr_nonnull(strstr(t1, "control * on"));
	ck_assert_msg(config_parse(&b, t1, strlen(t1), err, sizeof(err)) == 0, "%s\n%s", err, t1);
	ck_assert_int_gt(config_print(&b, t2, sizeof(t2)), 0);
	ck_assert_str_eq(t1, t2);

	/* refused whole, with the line */
	ck_assert_int_eq(parse(&a, "source c chrony server 192.0.2.1\n", err), -EINVAL);
	ck_assert_ptr_nonnull(strstr(err, "server needs socket"));
	ck_assert_int_eq(parse(&a, "source c chrony socket /s server ntp.example\n", err), -EINVAL);
	ck_assert_int_eq(parse(&a, "control * on min 2s max 1s\n", err), -EINVAL);
	ck_assert_int_eq(parse(&a, "control * maybe\n", err), -EINVAL);
	ck_assert_int_eq(strncmp(err, "1:", 2), 0);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("syncd");
	TCase *tc = tcase_create("units");

	tcase_add_test(tc, chrony_floats);
	tcase_add_test(tc, chrony_tracking);
	tcase_add_test(tc, chrony_reference_time_range);
	tcase_add_test(tc, ptp_management);
	tcase_add_test(tc, ptp_datasets);
	tcase_add_test(tc, ptp_time_status_range);
	tcase_add_test(tc, parsers_survive_garbage);
	tcase_add_test(tc, config_defaults_and_rules);
	tcase_add_test(tc, config_default_sources_found);
	tcase_add_test(tc, config_print_roundtrip);
	tcase_add_test(tc, config_control);
	tcase_add_test(tc, config_peer_and_freerun);
	tcase_add_test(tc, config_errors);
	tcase_add_test(tc, config_error_messages);
	tcase_add_test(tc, kalman_known_answers);
	tcase_add_test(tc, kalman_cold_start_and_noise_floor);
	tcase_add_test(tc, kalman_step);
	tcase_add_test(tc, kalman_outlier_burst);
	tcase_add_test(tc, kalman_step_on_an_outlier);
	tcase_add_test(tc, kalman_holdover_growth);
	tcase_add_test(tc, window_line_and_noise);
	tcase_add_test(tc, window_outliers_and_few_samples);
	tcase_add_test(tc, window_follows_a_step);
	tcase_add_test(tc, t_quantiles);
	tcase_add_test(tc, discipline_steps_forward_and_slews_back);
	tcase_add_test(tc, discipline_holdover_then_unsynced);
	tcase_add_test(tc, discipline_holdover_as_a_walk);
	tcase_add_test(tc, discipline_hold_drift_and_parts);
	tcase_add_test(tc, discipline_first_sync_may_step_back);
	tcase_set_timeout(tc, 120);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
