/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Integration: the "hlc" and "hlcstat" files on a real mount - fresh events
 * per read from cat, bash read and pread; merges, refusals and bad input;
 * the option; many processes reading and merging at once; libqot's handles.
 */
#include <check.h>
#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"
#include "qot.h"

static void start_default(void)
{
	qotfs_start(NULL);
	ck_assert_int_eq(mkdir(mpath("tl"), 0755), 0);
}

static void start_tight(void)
{
	qotfs_start("--hlc-max-offset=1ms", NULL);
	ck_assert_int_eq(mkdir(mpath("tl"), 0755), 0);
}

#define WIDE_MAX_OFFSET 60000000000ull /* 60 s */

static void start_wide(void)
{
	qotfs_start("--hlc-max-offset=60s", NULL);
	ck_assert_int_eq(mkdir(mpath("tl"), 0755), 0);
}

static void stop(void)
{
	qotfs_stop();
}

static struct qot_hlc_ts parse_or_fail(const char *text)
{
	struct qot_hlc_ts ts = {0, 0};

	ck_assert_msg(text != NULL, "read failed: %s", strerror(errno));
	ck_assert_msg(qot_hlc_parse(text, strlen(text), &ts) == 0, "not a timestamp: '%s'", text);
	return ts;
}

static int64_t realtime_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_REALTIME, &t);
	return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

/* A shell command's first output line, in a static buffer. */
static const char *sh(const char *cmd)
{
	static char line[256];
	FILE *f = popen(cmd, "r");

	ck_assert_ptr_nonnull(f);
	if (fgets(line, sizeof(line), f) == NULL)
		line[0] = '\0';
	ck_assert_int_eq(pclose(f), 0);
	return line;
}

static long stat_field(const char *key)
{
	const char *s = slurp(mpath("tl/hlcstat"));
	char pat[64];
	const char *p;

	ck_assert_ptr_nonnull(s);
	snprintf(pat, sizeof(pat), " %s=", key);
	p = strstr(s, pat);
	ck_assert_msg(p != NULL, "no %s in '%s'", key, s);
	return strtol(p + strlen(pat), NULL, 10);
}

START_TEST(reads_are_fresh_increasing_events)
{
	struct qot_hlc_ts a, b, c, d, e;
	char buf[64], cmd[512];
	struct stat st;
	int64_t before = realtime_ns();
	int fd;

	ck_assert_int_eq(stat(mpath("tl/hlc"), &st), 0);
	ck_assert_uint_eq(st.st_mode, S_IFREG | 0666);
	ck_assert_int_eq(stat(mpath("tl/hlcstat"), &st), 0);
	ck_assert_uint_eq(st.st_mode, S_IFREG | 0444);

	a = parse_or_fail(slurp(mpath("tl/hlc"))); /* open, read, read (EOF), close */
	ck_assert_int_ge(a.l, before); /* an undisciplined timeline follows CLOCK_REALTIME */
	b = parse_or_fail(slurp(mpath("tl/hlc")));
	ck_assert_int_eq(qot_hlc_compare(&a, &b), -1);

	snprintf(cmd, sizeof(cmd), "cat '%s'", mpath("tl/hlc"));
	c = parse_or_fail(sh(cmd));
	ck_assert_int_eq(qot_hlc_compare(&b, &c), -1);
	snprintf(cmd, sizeof(cmd), "bash -c 'read -r t < \"%s\" && echo \"$t\"'", mpath("tl/hlc"));
	d = parse_or_fail(sh(cmd));
	ck_assert_int_eq(qot_hlc_compare(&c, &d), -1);

	fd = open(mpath("tl/hlc"), O_RDONLY);
	ck_assert_int_ge(fd, 0);
	for (int i = 0; i < 100; i++) {
		ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);
		ck_assert_int_eq(n, QOT_HLC_TEXT_LEN + 1);
		buf[n] = '\0';
		e = parse_or_fail(buf);
		ck_assert_int_eq(qot_hlc_compare(&d, &e), -1);
		d = e;
	}
	/* A read past the line is end of file, not a new event. */
	ck_assert_int_eq(pread(fd, buf, sizeof(buf), QOT_HLC_TEXT_LEN + 1), 0);
	close(fd);
	ck_assert_int_eq(stat_field("events"), 104);
}
END_TEST

/*
 * got is the event right after prev: (prev.l, prev.c + 1) while physical time
 * is still behind prev.l, else (physical time, 0). The second only on a slow
 * or loaded machine, where more than the 100 ms of lead passed; either way
 * nothing else (a refused timestamp, say) was merged in between.
 */
static bool next_after(struct qot_hlc_ts prev, struct qot_hlc_ts got)
{
	if (got.l == prev.l)
		return got.c == prev.c + 1;
	return got.l > prev.l && got.c == 0 && got.l <= realtime_ns();
}

START_TEST(write_merges_and_next_read_is_after)
{
	struct qot_hlc_ts m, got, before;
	char text[QOT_HLC_TEXT_MAX + 1], buf[64], cmd[512];
	int fd;

	/* 100 ms ahead: accepted (default max offset 500 ms). */
	m = (struct qot_hlc_ts){realtime_ns() + 100000000, 41};
	qot_hlc_format(&m, text, sizeof(text));
	strcat(text, "\n");
	ck_assert_int_eq(write_file(mpath("tl/hlc"), O_WRONLY | O_TRUNC, text), 0);
	got = parse_or_fail(slurp(mpath("tl/hlc")));
	ck_assert_int_eq(qot_hlc_compare(&m, &got), -1);
	/* The merge is (m.l, 42), this read (m.l, 43) while physical time is behind. */
	ck_assert(next_after((struct qot_hlc_ts){m.l, 42}, got));

	/* One descriptor, as "exec 3<>hlc; echo TS >&3; cat <&3" does. */
	fd = open(mpath("tl/hlc"), O_RDWR);
	ck_assert_int_ge(fd, 0);
	m.c = 500;
	qot_hlc_format(&m, text, sizeof(text));
	ck_assert_int_eq(write_fd(fd, text), 0);
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	ck_assert_int_eq(n, QOT_HLC_TEXT_LEN + 1);
	buf[n] = '\0';
	got = parse_or_fail(buf);
	ck_assert(next_after((struct qot_hlc_ts){m.l, 501}, got));
	close(fd);

	/* From the shell. */
	m.c = 900;
	qot_hlc_format(&m, text, sizeof(text));
	snprintf(cmd, sizeof(cmd), "bash -c 'echo %s > \"%s\" && cat \"%s\"'", text,
		 mpath("tl/hlc"), mpath("tl/hlc"));
	got = parse_or_fail(sh(cmd));
	ck_assert(next_after((struct qot_hlc_ts){m.l, 901}, got));

	/* Refused: 10 s ahead. Malformed: not the text form. Nothing changes. */
	before = parse_or_fail(slurp(mpath("tl/hlc")));
	m = (struct qot_hlc_ts){realtime_ns() + 10000000000, 0};
	qot_hlc_format(&m, text, sizeof(text));
	ck_assert_int_eq(write_file(mpath("tl/hlc"), O_WRONLY, text), -ERANGE);
	static const char *const bad[] = {
		"garbage\n", "1.5\n", "1795304408352279030.42\n",
		"1795304408352279030.000001\n1795304408352279030.000002\n",
		"9223372036854775808.000000\n"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_int_eq(write_file(mpath("tl/hlc"), O_WRONLY, bad[i]), -EINVAL);
	got = parse_or_fail(slurp(mpath("tl/hlc")));
	ck_assert(next_after(before, got));
	ck_assert_int_eq(stat_field("refused"), 1);
	ck_assert_int_eq(stat_field("malformed"), 5);
	ck_assert_int_eq(stat_field("received"), 3);
	ck_assert_ptr_nonnull(strstr(slurp(mpath("tl/hlcstat")), " max_offset=500ms\n"));
	/* hlcstat is read-only, hlc only takes whole timestamps. */
	ck_assert_int_eq(write_file(mpath("tl/hlcstat"), O_WRONLY, "x\n"), -EACCES);
}
END_TEST

START_TEST(option_sets_the_max_offset)
{
	struct qot_hlc_ts m;
	char text[QOT_HLC_TEXT_MAX];

	ck_assert_ptr_nonnull(strstr(slurp(mpath("tl/hlcstat")), " max_offset=1ms\n"));
	m = (struct qot_hlc_ts){realtime_ns() + 100000000, 0}; /* 100 ms: too far now */
	qot_hlc_format(&m, text, sizeof(text));
	ck_assert_int_eq(write_file(mpath("tl/hlc"), O_WRONLY, text), -ERANGE);
	m.l = realtime_ns() - 1000000; /* behind: always accepted */
	qot_hlc_format(&m, text, sizeof(text));
	ck_assert_int_eq(write_file(mpath("tl/hlc"), O_WRONLY, text), 0);
	ck_assert_int_eq(stat_field("refused"), 1);
}
END_TEST

/*
 * Many processes read events and merge timestamps at once; every one records
 * what it got in shared memory. Per process strictly increasing, across the
 * node never a duplicate.
 */
#define PROCS	  6
#define PER_PROC  3000
#define PER_MERGE 7

static int ts_cmp(const void *a, const void *b)
{
	return qot_hlc_compare(a, b);
}

START_TEST(concurrent_processes_never_repeat_or_go_back)
{
	struct qot_hlc_ts *got = mmap(NULL, sizeof(*got) * PROCS * PER_PROC, PROT_READ | PROT_WRITE,
				      MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	pid_t kids[PROCS];

	ck_assert_ptr_ne(got, MAP_FAILED);
	for (int p = 0; p < PROCS; p++) {
		kids[p] = fork();
		ck_assert_int_ge(kids[p], 0);
		if (kids[p] > 0)
			continue;
		qot_hlc_node *n;
		struct qot_hlc_ts *mine = got + p * PER_PROC;
		if (qot_hlc_node_open_path(mpath("tl/hlc"), &n) != 0)
			_exit(2);
		for (int i = 0; i < PER_PROC; i++) {
			int err;
			if (i % PER_MERGE == PER_MERGE - 1) {
				/* A received timestamp some ms ahead: counters do the rest. */
				struct qot_hlc_ts m = {realtime_ns() + 2000000 * (p + 1), 7};
				err = qot_hlc_node_recv(n, &m, &mine[i]);
				if (err == 0 && qot_hlc_compare(&m, &mine[i]) >= 0)
					_exit(4);
			} else {
				err = qot_hlc_node_now(n, &mine[i]);
			}
			if (err)
				_exit(3);
			if (i > 0 && qot_hlc_compare(&mine[i - 1], &mine[i]) >= 0)
				_exit(5);
		}
		qot_hlc_node_close(n);
		_exit(0);
	}
	for (int p = 0; p < PROCS; p++) {
		int status;
		ck_assert_int_eq(waitpid(kids[p], &status, 0), kids[p]);
		ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
			      "process %d failed with status %d", p, status);
	}
	qsort(got, PROCS * PER_PROC, sizeof(*got), ts_cmp);
	for (int i = 1; i < PROCS * PER_PROC; i++)
		ck_assert_msg(qot_hlc_compare(&got[i - 1], &got[i]) < 0,
			      "duplicate timestamp across processes");
	munmap(got, sizeof(*got) * PROCS * PER_PROC);
}
END_TEST

START_TEST(local_and_node_clocks_combine)
{
	qot_clock *clk;
	qot_hlc_local *h;
	qot_hlc_node *n;
	struct qot_hlc_ts ahead, t1, t2, t3;
	char text[QOT_HLC_TEXT_MAX];

	ck_assert_int_eq(setenv("QOT_ROOT", mnt, 1), 0);
	ck_assert_int_eq(qot_clock_open("tl", &clk), 0);
	ck_assert_int_eq(qot_hlc_local_new(clk, WIDE_MAX_OFFSET, &h), 0);
	ck_assert_int_eq(qot_hlc_node_open("tl", &n), 0);
	ck_assert_int_eq(qot_hlc_node_open("../etc", &n), -EINVAL);

	/* Another process pushed the node-wide clock 30 s ahead (the mount and
	 * the local clock allow 60 s): the local clock stays behind it unless
	 * 30 s pass before it reads, however loaded the machine. */
	ahead = (struct qot_hlc_ts){realtime_ns() + 30 * 1000000000LL, 5};
	qot_hlc_format(&ahead, text, sizeof(text));
	ck_assert_int_eq(write_file(mpath("tl/hlc"), O_WRONLY, text), 0);
	ck_assert_int_eq(qot_hlc_local_now(h, &t1), 0);
	ck_assert_int_lt(t1.l, ahead.l); /* the local clock does not know yet */
	ck_assert_int_eq(qot_hlc_local_sync(h, n), 0);
	ck_assert_int_eq(qot_hlc_local_now(h, &t2), 0);
	ck_assert_int_eq(qot_hlc_compare(&ahead, &t2), -1); /* now it does */

	/* And the other way: the local clock 300 ms ahead, then synced. */
	ahead.l = realtime_ns() + 300000000;
	ck_assert_int_eq(qot_hlc_local_recv(h, &ahead, &t2), 0);
	ck_assert_int_eq(qot_hlc_local_sync(h, n), 0);
	ck_assert_int_eq(qot_hlc_node_now(n, &t3), 0);
	ck_assert_int_eq(qot_hlc_compare(&t2, &t3), -1);
	qot_hlc_node_close(n);
	qot_hlc_local_free(h);
	qot_clock_close(clk);
}
END_TEST

static Suite *hlc_file_suite(void)
{
	Suite *s = suite_create("hlc_file");
	TCase *file = tcase_create("file");
	TCase *tight = tcase_create("tight");
	TCase *wide = tcase_create("wide");

	tcase_add_checked_fixture(file, start_default, stop);
	tcase_add_test(file, reads_are_fresh_increasing_events);
	tcase_add_test(file, write_merges_and_next_read_is_after);
	tcase_add_test(file, concurrent_processes_never_repeat_or_go_back);
	tcase_set_timeout(file, 120);
	suite_add_tcase(s, file);
	tcase_add_checked_fixture(wide, start_wide, stop);
	tcase_add_test(wide, local_and_node_clocks_combine);
	tcase_set_timeout(wide, 60);
	suite_add_tcase(s, wide);
	tcase_add_checked_fixture(tight, start_tight, stop);
	tcase_add_test(tight, option_sets_the_max_offset);
	tcase_set_timeout(tight, 60);
	suite_add_tcase(s, tight);
	return s;
}

int main(void)
{
	return harness_run(hlc_file_suite());
}
