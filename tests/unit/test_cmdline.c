/* SPDX-License-Identifier: Apache-2.0 */
/* test_cmdline.c - the shared command line (lib/cmdline.c). */
#include <check.h>
#include <stdio.h>
#include <string.h>

#include "cmdline.h"
#include "log.h"
#include "run_suite.h"

struct seen {
	const char *c;
	int calls;
	bool refuse;
};

static int own(void *ctx, int c, const char *arg)
{
	struct seen *s = ctx;

	s->calls++;
	if (c == 'c')
		s->c = arg;
	return s->refuse ? -1 : 0;
}

static void usage(FILE *f, const struct qot_cmdline *cl, const char *argv0)
{
	fprintf(f, "Usage: %s\n", argv0);
	qot_cmdline_help(f, cl, 20);
}

static int parse(struct qot_cmdline *cl, struct seen *s, unsigned flags, char **argv)
{
	static const struct option opts[] = {
		{"config", required_argument, NULL, 'c'},
		{NULL, 0, NULL, 0},
	};
	int argc = 0;

	while (argv[argc])
		argc++;
	*s = (struct seen){.refuse = s->refuse};
	*cl = (struct qot_cmdline){
		.prog = "prog",
		.flags = flags,
		.shortopts = "c:",
		.longopts = opts,
		.usage = usage,
		.option = own,
		.ctx = s,
	};
	return qot_cmdline_parse(cl, argc, argv);
}

START_TEST(daemon_options)
{
	struct qot_cmdline cl;
	struct seen s = {0};
	char *a1[] = {"prog", "-c", "x", NULL};
	char *a2[] = {"prog", "-d", "--config=y", "--syslog", NULL};
	char *a3[] = {"prog", "-f", "--log-level=warning", "-d", NULL};

	ck_assert_int_eq(parse(&cl, &s, QOT_CMDLINE_DAEMON, a1), QOT_CMDLINE_RUN);
	ck_assert_str_eq(s.c, "x");
	ck_assert(!cl.foreground && !cl.debug && !cl.to_syslog);
	ck_assert_int_eq(cl.log_level, QOT_LOG_INFO);
	ck_assert_int_eq(cl.operands, 3);

	ck_assert_int_eq(parse(&cl, &s, QOT_CMDLINE_DAEMON, a2), QOT_CMDLINE_RUN);
	ck_assert_str_eq(s.c, "y");
	ck_assert(cl.foreground && cl.debug && cl.to_syslog);
	ck_assert_int_eq(cl.log_level, QOT_LOG_DEBUG);

	/* --log-level wins over -d, whatever the order. */
	ck_assert_int_eq(parse(&cl, &s, QOT_CMDLINE_DAEMON, a3), QOT_CMDLINE_RUN);
	ck_assert(cl.foreground && cl.debug);
	ck_assert_int_eq(cl.log_level, QOT_LOG_WARNING);
}
END_TEST

START_TEST(mistakes)
{
	struct qot_cmdline cl;
	struct seen s = {0};
	char *unknown[] = {"prog", "--bogus", NULL};
	char *no_value[] = {"prog", "-c", NULL};
	char *level[] = {"prog", "--log-level=loud", NULL};
	char *operand[] = {"prog", "x", NULL};
	char *not_daemon[] = {"prog", "-f", NULL};
	char *refused[] = {"prog", "-c", "x", "-c", "y", NULL};

	ck_assert_int_eq(parse(&cl, &s, QOT_CMDLINE_DAEMON, unknown), 2);
	ck_assert_int_eq(parse(&cl, &s, QOT_CMDLINE_DAEMON, no_value), 2);
	ck_assert_int_eq(s.calls, 0);
	ck_assert_int_eq(parse(&cl, &s, QOT_CMDLINE_DAEMON, level), 2);
	ck_assert_int_eq(parse(&cl, &s, QOT_CMDLINE_DAEMON, operand), 2);
	/* A program that takes operands gets them. */
	ck_assert_int_eq(parse(&cl, &s, QOT_CMDLINE_OPERANDS, operand), QOT_CMDLINE_RUN);
	ck_assert_int_eq(cl.operands, 1);
	/* Not a daemon: no -f, no --log-level. */
	ck_assert_int_eq(parse(&cl, &s, 0, not_daemon), 2);
	ck_assert_int_eq(parse(&cl, &s, 0, level), 2);
	/* The program refuses its own option: stop there, status 2. */
	s.refuse = true;
	ck_assert_int_eq(parse(&cl, &s, QOT_CMDLINE_DAEMON, refused), 2);
}
END_TEST

START_TEST(help_and_version)
{
	struct qot_cmdline cl;
	struct seen s = {0};
	char *help[] = {"prog", "-c", "x", "--help", "--bogus", NULL};
	char *version[] = {"prog", "-V", NULL};

	ck_assert_int_eq(parse(&cl, &s, QOT_CMDLINE_DAEMON, help), 0);
	ck_assert_int_eq(parse(&cl, &s, 0, version), 0);
}
END_TEST

/* The shared lines of a usage text: each option once, aligned. */
START_TEST(help_lines)
{
	struct qot_cmdline cl = {.prog = "prog", .flags = QOT_CMDLINE_DAEMON};
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	ck_assert_ptr_nonnull(f);
	qot_cmdline_help(f, &cl, 24);
	fclose(f);
	ck_assert_ptr_nonnull(strstr(text, "  -f, --foreground      stay in the foreground"));
	ck_assert_ptr_nonnull(
		strstr(text, "      --log-level=LEVEL\n                        log up"));
	ck_assert_ptr_nonnull(strstr(text, "  -V, --version         show the version\n"));
	free(text);
	cl.flags = 0;
	f = open_memstream(&text, &len);
	qot_cmdline_help(f, &cl, 24);
	fclose(f);
	ck_assert_ptr_null(strstr(text, "--syslog"));
	ck_assert_ptr_nonnull(strstr(text, "  -h, --help"));
	free(text);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("cmdline");
	TCase *tc = tcase_create("parse");

	tcase_add_test(tc, daemon_options);
	tcase_add_test(tc, mistakes);
	tcase_add_test(tc, help_and_version);
	tcase_add_test(tc, help_lines);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return run_suite(suite());
}
