/* SPDX-License-Identifier: Apache-2.0 */
/* Units: durations, key=value lines, requirement and binding lines, parameter lines. */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "duration.h"
#include "kvline.h"
#include "members.h"
#include "names.h"
#include "note.h"
#include "params.h"
#include "qot.h"
#include "reqline.h"
#include "run_suite.h"

static int dur(const char *s, uint64_t *v)
{
	return qot_dur_parse(s, strlen(s), v);
}

START_TEST(duration_valid)
{
	static const struct {
		const char *text;
		uint64_t ns;
	} cases[] = {
		{"0ns", 0},
		{"1ns", 1},
		{"7us", 7000},
		{"250ms", 250000000},
		{"3s", 3000000000ull},
		{"007ms", 7000000},
		{"18446744073709551614ns", UINT64_MAX - 1},
		{"18446744073s", 18446744073000000000ull},
		{"none", QOT_UNBOUNDED},
		/* decimals, minutes and the micro sign, as people write them */
		{"1.5ms", 1500000},
		{"0.5ms", 500000},
		{"2.25s", 2250000000ull},
		{"1.000000001s", 1000000001},
		{"1.5000000000000000000000s", 1500000000}, /* trailing zeros */
		{"0.001us", 1},
		{"1min", 60000000000ull},
		{"1.5min", 90000000000ull},
		{"10\xc2\xb5s", 10000}, /* U+00B5 MICRO SIGN */
		{"10\xce\xbcs", 10000}, /* U+03BC GREEK SMALL LETTER MU */
		{"2.5\xc2\xb5s", 2500},
		{"307445734.5min", 18446744070000000000ull},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint64_t v = 1;
		ck_assert_msg(dur(cases[i].text, &v) == 0, "%s", cases[i].text);
		ck_assert_uint_eq(v, cases[i].ns);
	}
}
END_TEST

START_TEST(duration_malformed)
{
	static const char *const bad[] = {
		"",
		"ns",
		"10",
		"10 ms",
		" 10ms",
		"10ms ",
		"+10ms",
		"-10ms",
		"10MS",
		"10m",
		"10sec",
		"0x10ns",
		"10nsx",
		"10s\n",
		"None",
		"nonee",
		"1e3ns",
		"10ms10",
		"s10",
		/* decimals: digits on both sides, a whole number of ns */
		".5ms",
		"1.ms",
		"1..5ms",
		"1.5.ms",
		"1.5ns",
		"0.0001us",
		"1,5ms",
		"1.5",
		"1.0000000000000000001s",
		"10mins",
		"10 min",
		"10\xc2s",
		"10\xb5s",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		uint64_t v = 42;
		ck_assert_msg(dur(bad[i], &v) == -EINVAL, "'%s' accepted", bad[i]);
		ck_assert_uint_eq(v, 42); /* untouched */
	}
}
END_TEST

START_TEST(duration_range)
{
	uint64_t v = 42;

	/* 2^64 - 1 is "none"; anything at or above it as a duration is out of range. */
	ck_assert_int_eq(dur("18446744073709551615ns", &v), -ERANGE);
	ck_assert_int_eq(dur("18446744073709551616ns", &v), -ERANGE);
	ck_assert_int_eq(dur("18446744074s", &v), -ERANGE);
	ck_assert_int_eq(dur("99999999999999999999999999ms", &v), -ERANGE);
	ck_assert_int_eq(dur("18446744073.709551615s", &v), -ERANGE);
	ck_assert_int_eq(dur("307445735min", &v), -ERANGE);
	ck_assert_uint_eq(v, 42);
	ck_assert_int_eq(dur("18446744073.709551614s", &v), 0);
	ck_assert_uint_eq(v, UINT64_MAX - 1);
}
END_TEST

START_TEST(duration_format_roundtrip)
{
	static const uint64_t values[] = {0,
					  1,
					  999,
					  1000,
					  1500,
					  1000000,
					  2000000000,
					  2000000001,
					  UINT64_MAX - 1,
					  QOT_UNBOUNDED,
					  86400000000000ull};
	static const char *const expect[] = {"0ns",  "1ns",	     "999ns",
					     "1us",  "1500ns",	     "1ms",
					     "2s",   "2000000001ns", "18446744073709551614ns",
					     "none", "86400s"};
	for (size_t i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
		char buf[QOT_DUR_TEXT_MAX];
		uint64_t back;
		size_t n = qot_dur_format(values[i], buf, sizeof(buf));
		ck_assert_uint_eq(n, strlen(expect[i]));
		ck_assert_str_eq(buf, expect[i]);
		ck_assert_int_eq(qot_dur_parse(buf, n, &back), 0);
		ck_assert_uint_eq(back, values[i]);
	}
	{
		char small[3];
		ck_assert_uint_eq(qot_dur_format(1000, small, sizeof(small)), 0);
	}
}
END_TEST

static int kv(const char *line, struct qot_slice *vals)
{
	static const char *const keys[] = {"a", "bb"};
	return qot_kv_parse(line, strlen(line), keys, 2, vals);
}

START_TEST(kvline_forms)
{
	struct qot_slice v[2];

	ck_assert_int_eq(kv("a=1 bb=22", v), 2);
	ck_assert_int_eq((int)v[0].len, 1);
	ck_assert_int_eq(memcmp(v[1].ptr, "22", 2), 0);
	ck_assert_int_eq(kv("  bb=x\t a=y  \n", v), 2);
	ck_assert_int_eq(kv("a=1\n", v), 1);
	ck_assert_ptr_null(v[1].ptr);
	ck_assert_int_eq(kv("", v), 0);
	ck_assert_int_eq(kv("\n", v), 0);
	ck_assert_int_eq(kv("a=x=y", v), 1); /* '=' inside a value is the value's business */
	ck_assert_int_eq((int)v[0].len, 3);
}
END_TEST

START_TEST(kvline_malformed)
{
	static const char *const bad[] = {
		"a",	   "a=",     "=1",     "c=1",	 "a=1 a=2", "A=1",  "a=1\n\n", "a=1\nbb=2",
		"a=1\r\n", "a=\x01", "a=\x7f", "a=\x1b", "a =1",    "a= 1", "bb=1 c",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct qot_slice v[2];
		ck_assert_msg(kv(bad[i], v) == -EINVAL, "'%s' accepted", bad[i]);
	}
	{
		/* An embedded NUL is not a line end. */
		static const char *const keys[] = {"a", "bb"};
		struct qot_slice v[2];
		ck_assert_int_eq(qot_kv_parse("a=1\0bb=2", 8, keys, 2, v), -EINVAL);
	}
}
END_TEST

START_TEST(integers)
{
	int64_t i;
	uint64_t u;

#define S(x) ((struct qot_slice){x, strlen(x)})
	ck_assert_int_eq(qot_parse_i64(S("-9223372036854775808"), &i), 0);
	ck_assert(i == INT64_MIN);
	ck_assert_int_eq(qot_parse_i64(S("9223372036854775807"), &i), 0);
	ck_assert(i == INT64_MAX);
	ck_assert_int_eq(qot_parse_i64(S("9223372036854775808"), &i), -ERANGE);
	ck_assert_int_eq(qot_parse_i64(S("-9223372036854775809"), &i), -ERANGE);
	ck_assert_int_eq(qot_parse_i64(S("-"), &i), -EINVAL);
	ck_assert_int_eq(qot_parse_i64(S("+5"), &i), -EINVAL);
	ck_assert_int_eq(qot_parse_i64(S("--5"), &i), -EINVAL);
	ck_assert_int_eq(qot_parse_u64(S("18446744073709551615"), &u), 0);
	ck_assert(u == UINT64_MAX);
	ck_assert_int_eq(qot_parse_u64(S("18446744073709551616"), &u), -ERANGE);
	ck_assert_int_eq(qot_parse_u64(S("-1"), &u), -EINVAL);
	ck_assert_int_eq(qot_parse_u64(S("1x"), &u), -EINVAL);
	ck_assert_int_eq(qot_parse_u64(S(""), &u), -EINVAL);
#undef S
}
END_TEST

START_TEST(names)
{
	char long_name[80];

	ck_assert(qot_name_valid("tl", 2));
	ck_assert(qot_name_valid("A-z_0.9", 7));
	ck_assert(qot_name_valid("x.", 2));
	ck_assert(!qot_name_valid("", 0));
	ck_assert(!qot_name_valid(".hidden", 7));
	ck_assert(!qot_name_valid("..", 2));
	ck_assert(!qot_name_valid("a/b", 3));
	ck_assert(!qot_name_valid("a b", 3));
	ck_assert(!qot_name_valid("a\nb", 3));
	ck_assert(!qot_name_valid("caf\xc3\xa9", 5));
	memset(long_name, 'x', sizeof(long_name));
	ck_assert(qot_name_valid(long_name, 64));
	ck_assert(!qot_name_valid(long_name, 65));
}
END_TEST

static int bindline(const char *s, struct qot_bind_spec *out)
{
	return qot_bindline_parse(s, strlen(s), out);
}

START_TEST(bind_lines)
{
	struct qot_bind_spec b;

	ck_assert_int_eq(bindline("name=app accuracy=10us resolution=1ms\n", &b), 0);
	ck_assert_str_eq(b.name, "app");
	ck_assert_uint_eq(b.req.acc_below, 10000);
	ck_assert_uint_eq(b.req.acc_above, 10000);
	ck_assert_uint_eq(b.req.resolution, 1000000);

	ck_assert_int_eq(bindline("accuracy=1us/3ms name=x", &b), 0);
	ck_assert_uint_eq(b.req.acc_below, 1000);
	ck_assert_uint_eq(b.req.acc_above, 3000000);
	ck_assert_uint_eq(b.req.resolution, QOT_UNBOUNDED);

	ck_assert_int_eq(bindline("name=only", &b), 0);
	ck_assert_uint_eq(b.req.acc_below, QOT_UNBOUNDED);
	ck_assert_int_eq(bindline("name=n accuracy=none/5ns", &b), 0);
	ck_assert_uint_eq(b.req.acc_below, QOT_UNBOUNDED);
	ck_assert_uint_eq(b.req.acc_above, 5);
}
END_TEST

START_TEST(bind_lines_malformed)
{
	static const char *const bad[] = {
		"",
		"\n",
		"accuracy=1us",		/* no name */
		"name=",		/* empty name */
		"name=.x",		/* bad name */
		"name=a/b",		/* bad name */
		"name=a name=b",	/* repeated key */
		"name=a accuracy=0ns",	/* zero accuracy */
		"name=a resolution=0s", /* zero resolution */
		"name=a accuracy=1us/", /* half an interval */
		"name=a accuracy=/1us",
		"name=a accuracy=1us/2us/3us",
		"name=a accuracy=-1us",
		"name=a accuracy=1.5ns",
		"name=a color=red",		       /* unknown key */
		"name=a accuracy=1us\nresolution=1ms", /* two lines */
		"name=aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", /* 65 */
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct qot_bind_spec b;
		memset(&b, 0x5a, sizeof(b));
		ck_assert_msg(bindline(bad[i], &b) == -EINVAL, "'%s' accepted", bad[i]);
		ck_assert_uint_eq(b.req.acc_below, 0x5a5a5a5a5a5a5a5aull); /* untouched */
	}
	{
		struct qot_bind_spec b;
		ck_assert_int_eq(bindline("name=a accuracy=18446744074s", &b), -ERANGE);
	}
}
END_TEST

START_TEST(requirement_lines)
{
	struct qot_req r;
	char text[QOT_REQ_TEXT_MAX];

	ck_assert_int_eq(qot_reqline_parse("accuracy=5us", 12, &r), 0);
	ck_assert_uint_eq(r.acc_above, 5000);
	ck_assert_uint_eq(r.resolution, QOT_UNBOUNDED);
	ck_assert_int_eq(qot_reqline_parse("name=x accuracy=5us", 19, &r), -EINVAL);
	ck_assert_int_eq(qot_reqline_parse("", 0, &r), -EINVAL);

	/* What is printed parses back to the same requirement. */
	r = (struct qot_req){1000, 2000000, 3};
	qot_req_format(&r, text, sizeof(text));
	ck_assert_str_eq(text, "accuracy=1us/2ms resolution=3ns");
	{
		struct qot_req back;
		ck_assert_int_eq(qot_reqline_parse(text, strlen(text), &back), 0);
		ck_assert_mem_eq(&back, &r, sizeof(r));
	}
	qot_req_format(&qot_req_none, text, sizeof(text));
	ck_assert_str_eq(text, "accuracy=none resolution=none");
	r = (struct qot_req){7, 7, 9};
	qot_req_format(&r, text, sizeof(text));
	ck_assert_str_eq(text, "accuracy=7ns resolution=9ns");
}
END_TEST

START_TEST(requirement_tighten)
{
	struct qot_req acc = qot_req_none, a = {5, 100, QOT_UNBOUNDED}, b = {50, 10, 7};

	qot_req_tighten(&acc, &a);
	qot_req_tighten(&acc, &b);
	ck_assert_uint_eq(acc.acc_below, 5);
	ck_assert_uint_eq(acc.acc_above, 10);
	ck_assert_uint_eq(acc.resolution, 7);
}
END_TEST

#define GOOD_PARAMS                                                                                \
	"status=synced anchor=1000 timeline=-5 freq=-184467440737 offset_below=10 "                \
	"offset_above=unbounded drift_below=18446744073 drift_above=0 stale_after=never"

START_TEST(params_roundtrip)
{
	struct qot_clock_params p, back;
	char text[QOT_PARAMS_TEXT_MAX];
	size_t n;

	ck_assert_int_eq(qot_params_parse(GOOD_PARAMS, strlen(GOOD_PARAMS), &p, NULL), 0);
	ck_assert_uint_eq(p.status, QOT_STATUS_SYNCED);
	ck_assert_int_eq(p.anchor, 1000);
	ck_assert_int_eq(p.anchor_tl, -5);
	ck_assert_int_eq(p.freq, -184467440737);
	ck_assert_uint_eq(p.offset_above, QOT_UNBOUNDED);
	ck_assert_int_eq(p.stale_after, QOT_NEVER);
	n = qot_params_format(&p, NULL, text, sizeof(text));
	ck_assert_uint_eq(n, strlen(text));
	ck_assert_str_eq(text, GOOD_PARAMS "\n");
	ck_assert_int_eq(qot_params_parse(text, n, &back, NULL), 0);
	ck_assert_mem_eq(&back, &p, sizeof(p));

	qot_params_unknown(&p, 77);
	n = qot_params_format(&p, NULL, text, sizeof(text));
	ck_assert_int_eq(qot_params_parse(text, n, &back, NULL), 0);
	ck_assert_mem_eq(&back, &p, sizeof(p));
	ck_assert_uint_eq(back.offset_below, QOT_UNBOUNDED);
	ck_assert_uint_eq(back.status, QOT_STATUS_UNSYNCED);
}
END_TEST

/* Replace key's value in GOOD_PARAMS (or drop the key when value is NULL). */
static void variant(char *out, size_t size, const char *key, const char *value)
{
	char copy[sizeof(GOOD_PARAMS)];
	char *save = NULL;
	size_t len = 0;

	strcpy(copy, GOOD_PARAMS);
	out[0] = '\0';
	for (char *w = strtok_r(copy, " ", &save); w; w = strtok_r(NULL, " ", &save)) {
		size_t klen = strlen(key);
		const char *word = w;
		char buf[128];
		if (strncmp(w, key, klen) == 0 && w[klen] == '=') {
			if (value == NULL)
				continue;
			snprintf(buf, sizeof(buf), "%s=%s", key, value);
			word = buf;
		}
		len += (size_t)snprintf(out + len, size - len, "%s%s", len ? " " : "", word);
	}
}

START_TEST(params_malformed)
{
	static const struct {
		const char *key, *value;
		int err;
	} cases[] = {
		{"status", "stale", -EINVAL}, /* only readers derive stale */
		{"status", "SYNCED", -EINVAL},
		{"status", NULL, -EINVAL},
		{"anchor", NULL, -EINVAL},
		{"anchor", "1e3", -EINVAL},
		{"anchor", "9223372036854775808", -ERANGE},
		{"timeline", "", -EINVAL},
		{"freq", "184467440737095517", -ERANGE}, /* just over 1% */
		{"freq", "-184467440737095517", -ERANGE},
		{"offset_below", "-1", -EINVAL},
		{"offset_below", "unbound", -EINVAL},
		{"drift_below", "184467440737095517", -ERANGE},
		{"drift_above", "-1", -EINVAL},
		{"stale_after", "1000", -EINVAL}, /* stale at its own anchor */
		{"stale_after", "999", -EINVAL},
		{"stale_after", "Never", -EINVAL},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char line[512];
		struct qot_clock_params p;
		memset(&p, 0x33, sizeof(p));
		variant(line, sizeof(line), cases[i].key, cases[i].value);
		ck_assert_msg(qot_params_parse(line, strlen(line), &p, NULL) == cases[i].err,
			      "'%s' gave %d", line, qot_params_parse(line, strlen(line), &p, NULL));
		ck_assert_int_eq(p.anchor, 0x3333333333333333ll); /* untouched */
	}
	{
		/* Limits themselves are accepted. */
		char line[512];
		struct qot_clock_params p;
		variant(line, sizeof(line), "freq", "-184467440737095516");
		ck_assert_int_eq(qot_params_parse(line, strlen(line), &p, NULL), 0);
		variant(line, sizeof(line), "stale_after", "1001");
		ck_assert_int_eq(qot_params_parse(line, strlen(line), &p, NULL), 0);
	}
	{
		struct qot_clock_params p;
		const char *extra = GOOD_PARAMS " extra=1";
		ck_assert_int_eq(qot_params_parse(extra, strlen(extra), &p, NULL), -EINVAL);
	}
}
END_TEST

START_TEST(params_source)
{
	const char *with = GOOD_PARAMS " source=chrony-1";
	char source[QOT_NAME_MAX + 1] = "x", text[QOT_PARAMS_TEXT_MAX];
	struct qot_clock_params p;

	ck_assert_int_eq(qot_params_parse(with, strlen(with), &p, source), 0);
	ck_assert_str_eq(source, "chrony-1");
	ck_assert_int_eq(qot_params_parse(GOOD_PARAMS, strlen(GOOD_PARAMS), &p, source), 0);
	ck_assert_str_eq(source, "");						   /* optional */
	ck_assert_int_eq(qot_params_parse(with, strlen(with), &p, NULL), -EINVAL); /* not here */
	with = GOOD_PARAMS " source=.bad";
	ck_assert_int_eq(qot_params_parse(with, strlen(with), &p, source), -EINVAL);
	with = GOOD_PARAMS " source=a source=b";
	ck_assert_int_eq(qot_params_parse(with, strlen(with), &p, source), -EINVAL);
	qot_params_format(&p, "ptp0", text, sizeof(text));
	ck_assert_str_eq(text, GOOD_PARAMS " source=ptp0\n");
	ck_assert_int_eq(qot_params_parse(text, strlen(text), &p, source), 0);
	ck_assert_str_eq(source, "ptp0");
}
END_TEST

/* The parts of the bound: optional, after a source, both or neither. */
START_TEST(params_parts)
{
	const char *with = GOOD_PARAMS " source=ptp0 asym=2000 stat=150";
	char source[QOT_NAME_MAX + 1], text[QOT_PARAMS_TEXT_MAX];
	struct qot_bound_parts parts = {1, 1};
	struct qot_clock_params p;

	ck_assert_int_eq(qot_params_parse_parts(with, strlen(with), &p, source, &parts), 0);
	ck_assert_uint_eq(parts.asym, 2000);
	ck_assert_uint_eq(parts.stat, 150);
	ck_assert_str_eq(source, "ptp0");
	ck_assert_int_eq(qot_params_parse(with, strlen(with), &p, source), 0); /* ignored there */
	ck_assert_int_eq(qot_params_parse(with, strlen(with), &p, NULL), -EINVAL);
	qot_params_format_parts(&p, "ptp0", &parts, text, sizeof(text));
	ck_assert_str_eq(text, GOOD_PARAMS " source=ptp0 asym=2000 stat=150\n");
	ck_assert_int_eq(
		qot_params_parse_parts(GOOD_PARAMS, strlen(GOOD_PARAMS), &p, source, &parts), 0);
	ck_assert_uint_eq(parts.asym, QOT_UNBOUNDED); /* not stated */
	ck_assert_uint_eq(parts.stat, QOT_UNBOUNDED);
	qot_params_format_parts(&p, "ptp0", &parts, text, sizeof(text));
	ck_assert_str_eq(text, GOOD_PARAMS " source=ptp0\n");
	with = GOOD_PARAMS " source=ptp0 asym=unbounded stat=7";
	ck_assert_int_eq(qot_params_parse_parts(with, strlen(with), &p, source, &parts), 0);
	ck_assert_uint_eq(parts.asym, QOT_UNBOUNDED);
	ck_assert_uint_eq(parts.stat, 7);
	with = GOOD_PARAMS " source=ptp0 asym=2000"; /* both or neither */
	ck_assert_int_eq(qot_params_parse_parts(with, strlen(with), &p, source, &parts), -EINVAL);
	with = GOOD_PARAMS " asym=2000 stat=1"; /* only from a named source */
	ck_assert_int_eq(qot_params_parse_parts(with, strlen(with), &p, source, &parts), -EINVAL);
	with = GOOD_PARAMS " source=ptp0 asym=-1 stat=1";
	ck_assert_int_eq(qot_params_parse_parts(with, strlen(with), &p, source, &parts), -EINVAL);
}
END_TEST

static int members(const char *text, struct qot_membership *m)
{
	return qot_membership_parse(text, strlen(text), m);
}

START_TEST(membership_lines)
{
	struct qot_membership m;
	struct qot_req t;

	ck_assert_int_eq(members("leader=none\n", &m), 0);
	ck_assert_uint_eq(m.n, 0);
	ck_assert_str_eq(m.leader, "");
	qot_membership_free(&m);
	ck_assert_int_eq(members("leader=b\nnode=a accuracy=5us/7us\nnode=b resolution=1ms\n"
				 "node=c\n",
				 &m),
			 0);
	ck_assert_uint_eq(m.n, 3);
	ck_assert_str_eq(m.leader, "b");
	ck_assert_str_eq(m.members[2].node, "c");
	ck_assert_uint_eq(m.members[0].req.acc_above, 7000);
	ck_assert_uint_eq(m.members[2].req.acc_below, QOT_UNBOUNDED);
	qot_membership_tightest(&m, &t);
	ck_assert_uint_eq(t.acc_below, 5000);
	ck_assert_uint_eq(t.resolution, 1000000);
	qot_membership_free(&m);
	/* Blanks may come before node=, as before any line's first word
	 * (they were refused before a requirement, accepted without one). */
	ck_assert_int_eq(members("leader=none\n node=a accuracy=1s\n\tnode=b\n", &m), 0);
	ck_assert_uint_eq(m.n, 2);
	ck_assert_uint_eq(m.members[0].req.acc_below, 1000000000);
	qot_membership_free(&m);

	/* Refused whole: each of these leaves m untouched. */
	m.n = 99;
	ck_assert_int_eq(members("", &m), -EINVAL);
	ck_assert_int_eq(members("leader=none", &m), -EINVAL);	      /* cut */
	ck_assert_int_eq(members("node=a\n", &m), -EINVAL);	      /* no leader line */
	ck_assert_int_eq(members("leader=x\nnode=a\n", &m), -EINVAL); /* not a member */
	ck_assert_int_eq(members("leader=none\nnode=a\nnode=a\n", &m), -EINVAL); /* twice */
	ck_assert_int_eq(members("leader=none\nnode=.a\n", &m), -EINVAL);
	ck_assert_int_eq(members("leader=none\naccuracy=1us node=a\n", &m), -EINVAL);
	ck_assert_int_eq(members("leader=none\nnode=a accuracy=0ns\n", &m), -EINVAL);
	ck_assert_int_eq(members("leader=none\nnode=a color=red\n", &m), -EINVAL);
	ck_assert_int_eq(members("leader=none\n\n", &m), -EINVAL);
	ck_assert_int_eq(members("leader=none\nnode=a accuracy=99999999999s\n", &m), -ERANGE);
	ck_assert_uint_eq(m.n, 99);
}
END_TEST

/* The note: checked (EINVAL, EMSGSIZE), its news told from its readings, rendered without marks. */
static int check(const char *s)
{
	return qot_note_check(s, strlen(s));
}

static bool same(const char *a, const char *b)
{
	return qot_note_same_news(a, strlen(a), b, strlen(b));
}

static const char *render(const char *s)
{
	static char out[QOT_NOTE_MAX + 1];
	qot_note_render(s, strlen(s), out, sizeof(out));
	return out;
}

START_TEST(note_text)
{
	const char *peer = "peer=follow upstream=a epoch=2 ~age=0.250 ~delay=0.000012000 "
			   "effort=controlled control=met reason=bound 9us at 4s";
	char big[QOT_NOTE_MAX + 2];

	ck_assert_int_eq(check(""), 0);
	ck_assert_int_eq(check("\n"), 0);
	ck_assert_int_eq(check("a=1\n"), 3);
	ck_assert_int_eq(check(peer), (int)strlen(peer));
	ck_assert_int_eq(check("a=1 reason=x > y = z ~b=2"),
			 25); /* free text: anything printable */
	/* Refused: free text first, a bare mark, control bytes, a second line, blanks alone. */
	ck_assert_int_eq(check("word a=1\n"), -EINVAL);
	ck_assert_int_eq(check("=1"), -EINVAL);
	ck_assert_int_eq(check("a="), -EINVAL);
	ck_assert_int_eq(check("~ a=1"), -EINVAL);
	ck_assert_int_eq(check("~a= b=1"), -EINVAL);
	ck_assert_int_eq(check("a=1\x01"), -EINVAL);
	ck_assert_int_eq(check("a=1\nb=2\n"), -EINVAL);
	ck_assert_int_eq(check("a=1\r\n"), -EINVAL);
	ck_assert_int_eq(check("a=\xc3\xa9"), -EINVAL);
	ck_assert_int_eq(check("  \n"), -EINVAL);
	memset(big, 'x', sizeof(big));
	memcpy(big, "k=", 2);
	ck_assert_int_eq(qot_note_check(big, QOT_NOTE_MAX), QOT_NOTE_MAX);
	ck_assert_int_eq(qot_note_check(big, QOT_NOTE_MAX + 1), -EMSGSIZE);
	big[QOT_NOTE_MAX] = '\n';
	ck_assert_int_eq(qot_note_check(big, QOT_NOTE_MAX + 1), QOT_NOTE_MAX);

	/* A reading's value moves: no news. Anything else: news. */
	ck_assert(same(peer, peer));
	ck_assert(same(peer, "peer=follow upstream=a epoch=2 ~age=1.5 ~delay=0.1 "
			     "effort=controlled control=met reason=bound 9us at 4s"));
	ck_assert(!same(peer, "peer=follow upstream=b epoch=2 ~age=0.250 ~delay=0.000012000 "
			      "effort=controlled control=met reason=bound 9us at 4s"));
	ck_assert(!same(peer, "peer=follow upstream=a epoch=2 ~age=0.250 "
			      "effort=controlled control=met reason=bound 9us at 4s"));
	ck_assert(!same(peer, "peer=follow upstream=a epoch=2 ~age=0.250 ~delay=0.000012000 "
			      "effort=controlled control=met reason=bound 9us at 8s"));
	ck_assert(!same("a=1 ~b=2", "a=1 b=2"));	      /* marked, or not */
	ck_assert(!same("a=1 ~b=2", "a=1 ~c=2"));	      /* another key */
	ck_assert(!same("a=1 r=x y ~b=2", "a=1 r=x y ~b=3")); /* free text: as written */
	ck_assert(!same("", "a=1"));
	ck_assert(same("", ""));
	ck_assert(same("a=1  ~b=2", "a=1 ~b=3")); /* blanks between words */

	/* Shown without the marks; free text as written. */
	ck_assert_str_eq(render(peer), "peer=follow upstream=a epoch=2 age=0.250 delay=0.000012000 "
				       "effort=controlled control=met reason=bound 9us at 4s");
	ck_assert_str_eq(render("a=1 r=x y ~b=2"), "a=1 r=x y ~b=2");
	ck_assert_str_eq(render(""), "");
}
END_TEST

/* The ctl file takes the parameters' one line: a second one (the old note) is malformed. */
START_TEST(ctl_one_line)
{
	struct qot_clock_params p;
	const char *two = GOOD_PARAMS "\npeer=follow upstream=a\n";

	ck_assert_int_eq(qot_params_parse(two, strlen(two), &p, NULL), -EINVAL);
}
END_TEST

START_TEST(membership_peer_rank)
{
	struct qot_membership m;
	char host[46];
	unsigned port;

	ck_assert_int_eq(members("leader=a\n"
				 "node=a peer=10.99.0.1:3219 rank=0 accuracy=1ms\n"
				 "node=b rank=1 peer=[fd00::2]:4000\n"
				 "node=c accuracy=2ms\n",
				 &m),
			 0);
	ck_assert_str_eq(m.members[0].peer, "10.99.0.1:3219");
	ck_assert(m.members[0].candidate && m.members[0].rank == 0);
	ck_assert_uint_eq(m.members[0].req.acc_below, 1000000); /* the rest is the requirement */
	ck_assert_str_eq(m.members[1].peer, "[fd00::2]:4000");
	ck_assert(m.members[1].candidate && m.members[1].rank == 1);
	ck_assert_uint_eq(m.members[1].req.acc_below, QOT_UNBOUNDED);
	ck_assert(!m.members[2].candidate && m.members[2].peer[0] == '\0');
	ck_assert_uint_eq(m.members[2].req.acc_below, 2000000);
	{ /* formatted, read back the same */
		size_t len;
		char *text = qot_membership_format(&m, &len);
		struct qot_membership back;

		ck_assert_ptr_nonnull(text);
		ck_assert_int_eq(qot_membership_parse(text, len, &back), 0);
		ck_assert_str_eq(back.members[1].peer, "[fd00::2]:4000");
		ck_assert(back.members[1].candidate && back.members[1].rank == 1);
		ck_assert(!back.members[2].candidate);
		ck_assert_ptr_nonnull(strstr(text, "node=a accuracy=1ms resolution=none "
						   "peer=10.99.0.1:3219 rank=0\n"));
		qot_membership_free(&back);
		free(text);
	}
	qot_membership_free(&m);

	ck_assert_int_eq(qot_peeraddr_parse("[::1]:7", 7, host, &port), 0);
	ck_assert_str_eq(host, "::1");
	ck_assert_uint_eq(port, 7);
	ck_assert_int_eq(qot_peeraddr_parse("127.0.0.1:65535", 15, host, &port), 0);

	m.n = 99;
	ck_assert_int_eq(members("leader=none\nnode=a rank=0\nnode=b rank=0\n", &m), -EINVAL);
	ck_assert_int_eq(members("leader=none\nnode=a rank=1024\n", &m), -EINVAL);
	ck_assert_int_eq(members("leader=none\nnode=a rank=-1\n", &m), -EINVAL);
	ck_assert_int_eq(members("leader=none\nnode=a peer=host:1\n", &m), -EINVAL);
	ck_assert_int_eq(members("leader=none\nnode=a peer=10.0.0.1\n", &m), -EINVAL);
	ck_assert_int_eq(members("leader=none\nnode=a peer=10.0.0.1:0\n", &m), -EINVAL);
	ck_assert_int_eq(members("leader=none\nnode=a peer=10.0.0.1:65536\n", &m), -EINVAL);
	ck_assert_int_eq(members("leader=none\nnode=a peer=::1:5\n", &m), -EINVAL);
	ck_assert_int_eq(members("leader=none\nnode=a peer=[10.0.0.1]:5\n", &m), -EINVAL);
	ck_assert_int_eq(members("leader=none\nnode=a peer=1.2.3.4:5 peer=1.2.3.4:6\n", &m),
			 -EINVAL);
	ck_assert_int_eq(members("leader=none\nrank=1 node=a\n", &m), -EINVAL);
	ck_assert_uint_eq(m.n, 99);
}
END_TEST

/* What the formatters write, the parsers read back as it was. */
START_TEST(coordination_lines_roundtrip)
{
	struct qot_member in[2] = {
		{.node = "a", .req = {5000, 7000, QOT_UNBOUNDED}},
		{.node = "b", .req = {QOT_UNBOUNDED, QOT_UNBOUNDED, 1000000}},
	};
	struct qot_membership ms = {"b", 2, in}, back;
	char line[QOT_ACTIVELINE_MAX], node[QOT_NAME_MAX + 1];
	struct qot_req req = {1000, 2000, 3000}, got;
	int64_t until;
	size_t len;
	char *text = qot_membership_format(&ms, &len);

	ck_assert_ptr_nonnull(text);
	ck_assert_str_eq(text, "leader=b\nnode=a accuracy=5us/7us resolution=none\n"
			       "node=b accuracy=none resolution=1ms\n");
	ck_assert_uint_eq(len, strlen(text));
	ck_assert_int_eq(qot_membership_parse(text, len, &back), 0);
	ck_assert_str_eq(back.leader, "b");
	ck_assert_uint_eq(back.n, 2);
	ck_assert(qot_req_equal(&back.members[0].req, &in[0].req));
	ck_assert(qot_req_equal(&back.members[1].req, &in[1].req));
	ck_assert(!qot_req_equal(&back.members[0].req, &in[1].req));
	qot_membership_free(&back);
	free(text);
	/* A leader that is no member is written as none: the parser refuses it. */
	snprintf(ms.leader, sizeof(ms.leader), "c");
	text = qot_membership_format(&ms, &len);
	ck_assert_ptr_nonnull(text);
	ck_assert_int_eq(strncmp(text, "leader=none\n", 12), 0);
	free(text);

	ck_assert_int_eq(qot_leaseline_format("n1", 1234567, line, sizeof(line)), 22);
	ck_assert_str_eq(line, "node=n1 until=1234567\n");
	ck_assert_int_eq(qot_leaseline_parse(line, strlen(line), node, &until), 0);
	ck_assert_str_eq(node, "n1");
	ck_assert_int_eq(until, 1234567);

	len = (size_t)qot_activeline_format("tl", &req, line, sizeof(line));
	ck_assert_str_eq(line, "tl accuracy=1us/2us resolution=3us\n");
	ck_assert_int_eq(qot_activeline_parse(line, len - 1, node, &got), 0);
	ck_assert_str_eq(node, "tl");
	ck_assert(qot_req_equal(&got, &req));
	ck_assert_int_eq(qot_activeline_parse("tl", 2, node, &got), -EINVAL);
	ck_assert_int_eq(qot_activeline_parse(".tl accuracy=1us", 16, node, &got), -EINVAL);
	ck_assert_int_eq(qot_activeline_parse("tl accuracy=0ns", 15, node, &got), -EINVAL);
	ck_assert_int_eq(qot_activeline_parse("tl color=red", 12, node, &got), -EINVAL);
}
END_TEST

START_TEST(membership_cap)
{
	size_t cap = 20 + (QOT_MEMBERS_MAX + 1) * 16;
	char *text = malloc(cap), *p = text;
	struct qot_membership m;

	p += sprintf(p, "leader=none\n");
	for (int i = 0; i < QOT_MEMBERS_MAX; i++)
		p += sprintf(p, "node=n%d\n", i);
	ck_assert_int_eq(qot_membership_parse(text, (size_t)(p - text), &m), 0);
	ck_assert_uint_eq(m.n, QOT_MEMBERS_MAX);
	qot_membership_free(&m);
	p += sprintf(p, "node=extra\n");
	ck_assert_int_eq(qot_membership_parse(text, (size_t)(p - text), &m), -E2BIG);
	free(text);
}
END_TEST

START_TEST(status_names)
{
	ck_assert_str_eq(qot_status_name(QOT_STATUS_UNSYNCED), "unsynced");
	ck_assert_str_eq(qot_status_name(QOT_STATUS_SYNCED), "synced");
	ck_assert_str_eq(qot_status_name(QOT_STATUS_HOLDOVER), "holdover");
	ck_assert_str_eq(qot_status_name(QOT_STATUS_STALE), "stale");
	ck_assert_ptr_null(qot_status_name((enum qot_status)9));
	ck_assert_int_eq(qot_status_from_name("holdover", 8), QOT_STATUS_HOLDOVER);
	ck_assert_int_eq(qot_status_from_name("stale", 5), -1);
	ck_assert_str_eq(qot_strerror(-QOT_ETORN), "Clock page left mid-update by its writer");
	ck_assert_str_eq(qot_strerror(-ENOENT), strerror(ENOENT));
}
END_TEST

static Suite *lines_suite(void)
{
	Suite *s = suite_create("lines");
	TCase *tc = tcase_create("parse");

	tcase_add_test(tc, duration_valid);
	tcase_add_test(tc, duration_malformed);
	tcase_add_test(tc, duration_range);
	tcase_add_test(tc, duration_format_roundtrip);
	tcase_add_test(tc, kvline_forms);
	tcase_add_test(tc, kvline_malformed);
	tcase_add_test(tc, integers);
	tcase_add_test(tc, names);
	tcase_add_test(tc, bind_lines);
	tcase_add_test(tc, bind_lines_malformed);
	tcase_add_test(tc, requirement_lines);
	tcase_add_test(tc, membership_lines);
	tcase_add_test(tc, note_text);
	tcase_add_test(tc, ctl_one_line);
	tcase_add_test(tc, membership_peer_rank);
	tcase_add_test(tc, membership_cap);
	tcase_add_test(tc, coordination_lines_roundtrip);
	tcase_add_test(tc, requirement_tighten);
	tcase_add_test(tc, params_roundtrip);
	tcase_add_test(tc, params_malformed);
	tcase_add_test(tc, params_source);
	tcase_add_test(tc, params_parts);
	tcase_add_test(tc, status_names);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return run_suite(lines_suite());
}
