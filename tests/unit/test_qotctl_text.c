/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Units: what qotctl writes and parses besides the files themselves - label
 * escaping of the Prometheus text format, JSON strings, unsigned bounds in
 * seconds, durations for people.
 */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jsonw.h"
#include "metrics.h"
#include "qot.h"
#include "run_suite.h"
#include "textfmt.h"
#include "tlstate.h"

/* What fn writes to a stream, as a string (static). */
static const char *written(void (*fn)(FILE *f, const char *s), const char *s)
{
	static char out[256];
	FILE *f;

	memset(out, 0, sizeof(out));
	f = fmemopen(out, sizeof(out), "w");

	ck_assert_ptr_nonnull(f);
	fn(f, s);
	fclose(f);
	return out;
}

START_TEST(label_values_are_escaped)
{
	ck_assert_str_eq(written(metrics_label, "plain.name-1"), "plain.name-1");
	ck_assert_str_eq(written(metrics_label, "a\"b"), "a\\\"b");
	ck_assert_str_eq(written(metrics_label, "a\\b"), "a\\\\b");
	ck_assert_str_eq(written(metrics_label, "a\nb"), "a\\nb");
	ck_assert_str_eq(written(metrics_label, "\\\"\n"), "\\\\\\\"\\n");
	ck_assert_str_eq(written(metrics_label, ""), "");
}
END_TEST

START_TEST(json_strings_are_escaped)
{
	ck_assert_str_eq(written(jsonw_quote, "tl"), "\"tl\"");
	ck_assert_str_eq(written(jsonw_quote, "a\"b\\c"), "\"a\\\"b\\\\c\"");
	ck_assert_str_eq(written(jsonw_quote, "\n\t\r\x01"), "\"\\n\\t\\r\\u0001\"");
}
END_TEST

START_TEST(json_values)
{
	char out[512];
	FILE *f = fmemopen(out, sizeof(out), "w");
	jsonw *w = jsonw_new(f);

	jsonw_obj_begin(w, NULL);
	jsonw_bound(w, "b", QOT_UNBOUNDED);
	jsonw_bound(w, "c", 18446744073709551614u);
	jsonw_name(w, "n", "");
	jsonw_fixed(w, "f", -3101, 3);
	jsonw_fixed(w, "g", 5, 3);
	jsonw_arr_begin(w, "a");
	jsonw_i64(w, NULL, INT64_MIN);
	jsonw_bool(w, NULL, true);
	jsonw_arr_end(w);
	jsonw_obj_end(w);
	jsonw_free(w);
	fclose(f);
	ck_assert_str_eq(out, "{\"b\":null,\"c\":18446744073709551614,\"n\":null,\"f\":-3.101,"
			      "\"g\":0.005,\"a\":[-9223372036854775808,true]}\n");
}
END_TEST

static int bound(const char *s, uint64_t *out)
{
	return tlstate_parse_bound(s, strlen(s), out);
}

START_TEST(bounds_in_seconds)
{
	uint64_t v = 42;

	ck_assert_int_eq(bound("0.000000001", &v), 0);
	ck_assert_uint_eq(v, 1);
	ck_assert_int_eq(bound("1.5", &v), 0);
	ck_assert_uint_eq(v, 1500000000);
	ck_assert_int_eq(bound("7", &v), 0);
	ck_assert_uint_eq(v, 7000000000);
	ck_assert_int_eq(bound("10000000000.000000000", &v), 0); /* past 2^63 ns */
	ck_assert_uint_eq(v, 10000000000000000000u);
	ck_assert_int_eq(bound("18446744073.709551615", &v), 0);
	ck_assert_uint_eq(v, QOT_UNBOUNDED);
	v = 42;
	ck_assert_int_eq(bound("18446744073.709551616", &v), -ERANGE);
	ck_assert_int_eq(bound("-1.0", &v), -EINVAL);
	ck_assert_int_eq(bound("1.", &v), -EINVAL);
	ck_assert_int_eq(bound(".5", &v), -EINVAL);
	ck_assert_int_eq(bound("1.0000000001", &v), -EINVAL);
	ck_assert_int_eq(bound("1.5x", &v), -EINVAL);
	ck_assert_int_eq(bound("", &v), -EINVAL);
	ck_assert_uint_eq(v, 42); /* untouched on error */
}
END_TEST

START_TEST(durations_for_people)
{
	char b[TEXTFMT_MAX];
	struct qot_req r = {5000, 1000000, QOT_UNBOUNDED};

	ck_assert_str_eq(textfmt_bound(5884, b), "5.884us");
	ck_assert_str_eq(textfmt_bound(1000, b), "1us");
	ck_assert_str_eq(textfmt_bound(12, b), "12ns");
	ck_assert_str_eq(textfmt_bound(0, b), "0ns");
	ck_assert_str_eq(textfmt_bound(1500000, b), "1.5ms");
	ck_assert_str_eq(textfmt_bound(123456789, b), "123.4ms");
	ck_assert_str_eq(textfmt_bound(10000000000000000000u, b), "10000000000s");
	ck_assert_str_eq(textfmt_bound(QOT_UNBOUNDED, b), "unbounded");
	ck_assert_str_eq(textfmt_offset(-4000, b), "-4us");
	ck_assert_str_eq(textfmt_offset(250, b), "+250ns");
	ck_assert_str_eq(textfmt_offset(INT64_MIN, b), "-9223372036s");
	ck_assert_str_eq(textfmt_accuracy(&r, b), "5us/1ms");
	r.acc_above = 5000;
	ck_assert_str_eq(textfmt_accuracy(&r, b), "5us");
	ck_assert_str_eq(textfmt_utc(1796306832941354660, b), "2026-12-03T14:07:12.941354Z");
	ck_assert_str_eq(textfmt_utc(-1, b), "1969-12-31T23:59:59.999999Z");
}
END_TEST

static Suite *qotctl_suite(void)
{
	Suite *s = suite_create("qotctl");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, label_values_are_escaped);
	tcase_add_test(tc, json_strings_are_escaped);
	tcase_add_test(tc, json_values);
	tcase_add_test(tc, bounds_in_seconds);
	tcase_add_test(tc, durations_for_people);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return run_suite(qotctl_suite());
}
