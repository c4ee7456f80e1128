/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Units: the daemons' log - the --log-level parser, levels dropped above the
 * maximum, and the journal's "<N>" prefixes when stderr is its stream.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "run_suite.h"

/* Run the logging calls with stderr sent to a file; return what was written. */
static char *capture(void (*body)(void))
{
	static char out[4096];
	FILE *f = tmpfile();
	int saved = dup(STDERR_FILENO);
	size_t n;

	ck_assert_ptr_nonnull(f);
	ck_assert_int_ge(saved, 0);
	fflush(stderr);
	ck_assert_int_ge(dup2(fileno(f), STDERR_FILENO), 0);
	body();
	fflush(stderr);
	dup2(saved, STDERR_FILENO);
	close(saved);
	rewind(f);
	n = fread(out, 1, sizeof(out) - 1, f);
	out[n] = '\0';
	fclose(f);
	return out;
}

static void log_each_level(void)
{
	qot_log(QOT_LOG_ERR, "e %d", 1);
	qot_log(QOT_LOG_WARNING, "w");
	qot_log(QOT_LOG_NOTICE, "n");
	qot_log(QOT_LOG_INFO, "i");
	qot_log(QOT_LOG_DEBUG, "d");
}

static void at_warning(void)
{
	qot_log_init("tst", QOT_LOG_WARNING);
	log_each_level();
}

static void at_debug(void)
{
	qot_log_init("tst", QOT_LOG_DEBUG);
	log_each_level();
}

/* JOURNAL_STREAM names stderr's own device and inode: the journal case. */
static void journal_at_info(void)
{
	struct stat st;
	char js[64];

	ck_assert_int_eq(fstat(STDERR_FILENO, &st), 0);
	snprintf(js, sizeof(js), "%llu:%llu", (unsigned long long)st.st_dev,
		 (unsigned long long)st.st_ino);
	setenv("JOURNAL_STREAM", js, 1);
	qot_log_init("tst", QOT_LOG_INFO);
	log_each_level();
}

/* Another stream (stderr was redirected since systemd set it): no prefixes. */
static void journal_elsewhere(void)
{
	struct stat st;
	char js[64];

	ck_assert_int_eq(fstat(STDERR_FILENO, &st), 0);
	snprintf(js, sizeof(js), "%llu:%llu", (unsigned long long)st.st_dev,
		 (unsigned long long)st.st_ino + 1);
	setenv("JOURNAL_STREAM", js, 1);
	qot_log_init("tst", QOT_LOG_NOTICE);
	log_each_level();
}

START_TEST(levels_above_the_maximum_are_dropped)
{
	unsetenv("JOURNAL_STREAM");
	ck_assert_str_eq(capture(at_warning), "tst: e 1\ntst: w\n");
	ck_assert_str_eq(capture(at_debug), "tst: e 1\ntst: w\ntst: n\ntst: i\ntst: d\n");
}
END_TEST

START_TEST(journal_stream_gets_level_prefixes)
{
	ck_assert_str_eq(capture(journal_at_info), "<3>e 1\n<4>w\n<5>n\n<6>i\n");
	ck_assert_str_eq(capture(journal_elsewhere), "tst: e 1\ntst: w\ntst: n\n");
}
END_TEST

START_TEST(parse_level_names)
{
	static const struct {
		const char *name;
		int level;
	} ok[] = {{"err", LOG_ERR},
		  {"warning", LOG_WARNING},
		  {"notice", LOG_NOTICE},
		  {"info", LOG_INFO},
		  {"debug", LOG_DEBUG}};
	static const char *const bad[] = {"", "ERR", "error", "warn", "info ", "6", "debug2"};
	char msg[256];
	FILE *err;
	int level;

	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		level = -1;
		ck_assert_int_eq(qot_log_parse_level("tst", ok[i].name, &level, stderr), 0);
		ck_assert_int_eq(level, ok[i].level);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err = fmemopen(msg, sizeof(msg), "w");
		ck_assert_ptr_nonnull(err);
		level = 42;
		ck_assert_int_eq(qot_log_parse_level("tst", bad[i], &level, err), -1);
		fclose(err);
		ck_assert_int_eq(level, 42); /* untouched */
		ck_assert_msg(strstr(msg, "tst: --log-level: expected err, warning, notice, info "
					  "or debug, got '") == msg,
			      "message: %s", msg);
	}
}
END_TEST

static Suite *log_suite(void)
{
	Suite *s = suite_create("log");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, levels_above_the_maximum_are_dropped);
	tcase_add_test(tc, journal_stream_gets_level_prefixes);
	tcase_add_test(tc, parse_level_names);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return run_suite(log_suite());
}
