/* SPDX-License-Identifier: Apache-2.0 */
/* Units: the state file's text (statefile.c) and the state directory (statedir.c). */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "run_suite.h"
#include "statedir.h"
#include "statefile.h"

static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint64_t next_random(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static uint64_t random_dur(void)
{
	return next_random() % 4 == 0 ? QOT_UNBOUNDED : 1 + next_random() % 5000000000ull;
}

static void random_timeline(struct statefile_timeline *t, size_t i)
{
	*t = (struct statefile_timeline){0};
	snprintf(t->name, sizeof(t->name), "tl-%zu.%llx", i,
		 (unsigned long long)(next_random() % 65536));
	t->owner = (uid_t)(next_random() % 70000);
	t->group = (gid_t)(next_random() % 70000);
	t->host_creator = next_random() % 2;
	t->created = (int64_t)(next_random() >> 2);
	t->has_standing = next_random() % 2;
	t->standing = (struct qot_req){random_dur(), random_dur(), random_dur()};
	if (!t->has_standing)
		t->standing = (struct qot_req){0};
	t->has_params = next_random() % 2;
	if (t->has_params) {
		t->params.status = QOT_STATUS_SYNCED + (uint32_t)(next_random() % 2);
		t->params.anchor = (int64_t)(next_random() >> 3);
		t->params.anchor_tl = t->params.anchor + (int64_t)(next_random() % 1000000);
		t->params.freq = (int64_t)(next_random() % (uint64_t)QOT_FREQ_LIMIT);
		t->params.offset_below = next_random() % 1000000;
		t->params.offset_above =
			next_random() % 3 ? next_random() % 1000000 : QOT_UNBOUNDED;
		t->params.drift_below = next_random() % (uint64_t)QOT_FREQ_LIMIT;
		t->params.drift_above = next_random() % (uint64_t)QOT_FREQ_LIMIT;
		t->params.stale_after = next_random() % 2 ? QOT_NEVER : t->params.anchor + 5;
		snprintf(t->source, sizeof(t->source), "%s", next_random() % 2 ? "ptp0" : "");
		t->updated = (int64_t)(next_random() >> 2);
	}
	t->has_hlc = next_random() % 2;
	if (t->has_hlc)
		t->hlc = (struct qot_hlc_ts){(int64_t)(next_random() >> 1),
					     (uint32_t)(next_random() % 1000000)};
}

static char *render_image(const struct statefile_timeline *t, size_t n, const char *end,
			  size_t *len)
{
	size_t cap = 64 + n * STATEFILE_TIMELINE_TEXT_MAX, used;
	char *buf = malloc(cap);

	ck_assert_ptr_nonnull(buf);
	used = (size_t)snprintf(buf, cap, "%s\n", STATEFILE_MAGIC);
	for (size_t i = 0; i < n; i++) {
		size_t k = statefile_timeline_format(&t[i], buf + used, cap - used);
		ck_assert_uint_gt(k, 0);
		used += k;
	}
	used += (size_t)snprintf(buf + used, cap - used, "%s", end);
	*len = used;
	return buf;
}

START_TEST(roundtrip)
{
	for (int round = 0; round < 200; round++) {
		struct statefile_timeline t[12];
		struct statefile_image img;
		size_t n = (size_t)(next_random() % 12), len, line = 0;
		bool stopped = next_random() % 2;
		char *text;

		for (size_t i = 0; i < n; i++)
			random_timeline(&t[i], i);
		text = render_image(t, n, stopped ? "end stopped\n" : "end running\n", &len);
		ck_assert_int_eq(statefile_parse(text, len, &img, &line), 0);
		ck_assert_uint_eq(img.n, n);
		ck_assert(img.stopped == stopped);
		for (size_t i = 0; i < n; i++) {
			struct statefile_timeline got = img.tl[i];
			ck_assert_uint_gt(got.line, 1);
			got.line = 0;
			ck_assert_msg(memcmp(&got, &t[i], sizeof(got)) == 0,
				      "timeline %zu of round %d:\n%s", i, round, text);
		}
		statefile_image_free(&img);
		free(text);
	}
}
END_TEST

START_TEST(refusals)
{
	static const struct {
		const char *text;
		size_t line; /* the line blamed */
	} cases[] = {
		{"", 1},
		{"qotfs-state 2\nend stopped\n", 1},
		{"qotfs-state 1\n", 2},
		{"qotfs-state 1\nend stopped", 2},
		{"qotfs-state 1\nend maybe\n", 2},
		{"qotfs-state 1\nend stopped\ntimeline a owner=0 group=0 creator=host created=1\n",
		 3},
		{"qotfs-state 1\nrequirement a accuracy=1us\nend stopped\n", 2},
		{"qotfs-state 1\ntimeline a owner=0 group=0 creator=host created=1\n"
		 "requirement b accuracy=1us\nend stopped\n",
		 3},
		{"qotfs-state 1\ntimeline a owner=0 group=0 creator=host created=1\n"
		 "requirement a accuracy=1us\nrequirement a accuracy=2us\nend stopped\n",
		 4},
		{"qotfs-state 1\ntimeline a owner=0 group=0 creator=host created=1\n"
		 "hlc a 12\nend stopped\n",
		 3},
		{"qotfs-state 1\ntimeline a owner=0 group=0 creator=host created=1\n"
		 "params a status=synced anchor=1 timeline=1 freq=0 offset_below=0 offset_above=0 "
		 "drift_below=0 drift_above=0 stale_after=never\nend stopped\n",
		 3},
		{"qotfs-state 1\ntimeline a owner=0 group=0 creator=host created=1\n"
		 "params a updated=x status=synced anchor=1 timeline=1 freq=0 offset_below=0 "
		 "offset_above=0 drift_below=0 drift_above=0 stale_after=never\nend stopped\n",
		 3},
		{"qotfs-state 1\ntimeline a owner=4294967295 group=0 creator=host created=1\nend "
		 "stopped\n",
		 2},
		{"qotfs-state 1\ntimeline a owner=0 group=0 creator=guest created=1\nend stopped\n",
		 2},
		{"qotfs-state 1\ntimeline a owner=0 group=0 created=1\nend stopped\n", 2},
		{"qotfs-state 1\ntimeline a/b owner=0 group=0 creator=host created=1\nend "
		 "stopped\n",
		 2},
		{"qotfs-state 1\ntimeline a owner=0 group=0 creator=host created=1\n"
		 "timeline b owner=0 group=0 creator=host created=1\n"
		 "timeline a owner=1 group=0 creator=host created=1\nend stopped\n",
		 4},
		{"qotfs-state 1\nclock a x\nend stopped\n", 2},
		{"qotfs-state 1\n\0nd stopped\n", 2},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct statefile_image img = {.n = 99};
		size_t line = 0, len = strlen(cases[i].text);
		if (i == sizeof(cases) / sizeof(cases[0]) - 1)
			len = sizeof("qotfs-state 1\n\0nd stopped\n") - 1;
		ck_assert_msg(statefile_parse(cases[i].text, len, &img, &line) == -EINVAL,
			      "case %zu", i);
		ck_assert_msg(line == cases[i].line, "case %zu: line %zu", i, line);
		ck_assert_uint_eq(img.n, 0);
		ck_assert_ptr_null(img.tl);
	}
}
END_TEST

START_TEST(comments_and_blank_lines)
{
	static const char text[] = "qotfs-state 1\n# a comment\n\n"
				   "timeline a owner=1000 group=100 creator=other created=-5\n"
				   "end running\n";
	struct statefile_image img;
	size_t line;

	ck_assert_int_eq(statefile_parse(text, sizeof(text) - 1, &img, &line), 0);
	ck_assert_uint_eq(img.n, 1);
	ck_assert_str_eq(img.tl[0].name, "a");
	ck_assert_uint_eq(img.tl[0].owner, 1000);
	ck_assert(!img.tl[0].host_creator && !img.stopped && !img.tl[0].has_standing);
	ck_assert_int_eq(img.tl[0].created, -5);
	statefile_image_free(&img);
}
END_TEST

START_TEST(file_names)
{
	static const struct {
		const char *mount, *file;
	} cases[] = {
		{"/qot", "qot.state"},
		{"/", "-.state"},
		{"/tmp/qot.x1/m", "tmp-qot.x1-m.state"},
		{"//a//b/", "a-b.state"},
		{"/a-b c", "a\\x2db\\x20c.state"},
		{"/.hidden", "\\x2ehidden.state"},
	};
	char out[256];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		ck_assert_int_eq(statedir_file_name(cases[i].mount, out, sizeof(out)), 0);
		ck_assert_str_eq(out, cases[i].file);
	}
	ck_assert_int_eq(statedir_file_name("/a/very/long/path", out, 8), -ENAMETOOLONG);
}
END_TEST

static char tmpdir[64];

static void make_tmpdir(void)
{
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/qot-state-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
}

static void remove_tmpdir(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	ck_assert_int_eq(system(cmd), 0);
}

static char *slurp(const char *path)
{
	static char buf[65536];
	int fd = open(path, O_RDONLY);
	ssize_t n;

	if (fd < 0)
		return NULL;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	buf[n > 0 ? n : 0] = '\0';
	return buf;
}

START_TEST(directory_saves_and_loads)
{
	char dir[128], path[256];
	struct statefile_timeline a, b;
	struct statedir_entry *ea, *eb;
	struct statefile_image img;
	struct statedir *sd;
	struct qot_req req = {1000, 2000, QOT_UNBOUNDED};
	struct qot_hlc_ts hlc = {123456789, 7};
	int err;

	make_tmpdir();
	snprintf(dir, sizeof(dir), "%s/state", tmpdir); /* created by open */
	sd = statedir_open(dir, "/qot", &err);
	ck_assert_ptr_nonnull(sd);
	snprintf(path, sizeof(path), "%s/qot.state", dir);
	ck_assert_str_eq(statedir_path(sd), path);
	ck_assert_int_eq(statedir_load(sd, &img), 0); /* none yet: empty, clean */
	ck_assert(img.n == 0 && img.stopped);

	random_timeline(&a, 1);
	random_timeline(&b, 2);
	ea = statedir_add(sd, &a);
	eb = statedir_add(sd, &b);
	statedir_set_standing(sd, ea, &req);
	statedir_set_hlc(sd, eb, &hlc);
	statedir_remove(sd, ea);
	ck_assert_int_eq(statedir_save_now(sd, true), 0);
	ck_assert_int_eq(statedir_load(sd, &img), 0);
	ck_assert_uint_eq(img.n, 1);
	ck_assert_str_eq(img.tl[0].name, b.name);
	ck_assert(img.tl[0].has_hlc && img.tl[0].hlc.l == hlc.l && img.tl[0].hlc.c == 7);
	ck_assert(img.stopped);
	statefile_image_free(&img);
	statedir_free(sd);

	/* The saver thread writes a change by itself, marked running. */
	sd = statedir_open(dir, "/qot", &err);
	ck_assert_int_eq(statedir_start(sd), 0);
	ea = statedir_add(sd, &a);
	for (int i = 0; i < 500; i++) { /* event wait, bounded: 5 s */
		char *text = slurp(path);
		if (text && strstr(text, a.name) && strstr(text, "end running"))
			break;
		ck_assert_int_lt(i, 499);
		usleep(10000);
	}
	statedir_free(sd);
	snprintf(path + strlen(path), sizeof(path) - strlen(path), ".tmp");
	ck_assert_int_eq(access(path, F_OK), -1); /* no temporary file left */
	remove_tmpdir();
}
END_TEST

START_TEST(bad_file_is_kept_aside)
{
	char dir[128], path[256], bad[300];
	struct statefile_image img;
	struct statedir *sd;
	int err, fd;

	make_tmpdir();
	snprintf(dir, sizeof(dir), "%s", tmpdir);
	sd = statedir_open(dir, "/q", &err);
	ck_assert_ptr_nonnull(sd);
	snprintf(path, sizeof(path), "%s/q.state", dir);
	snprintf(bad, sizeof(bad), "%s.bad", path);
	fd = open(path, O_WRONLY | O_CREAT, 0600);
	ck_assert_int_eq(write(fd, "qotfs-state 1\ntimeline\n", 23), 23);
	close(fd);
	ck_assert_int_eq(statedir_load(sd, &img), 0);
	ck_assert(img.n == 0 && img.stopped);
	ck_assert_int_eq(access(path, F_OK), -1);
	ck_assert_str_eq(slurp(bad), "qotfs-state 1\ntimeline\n");
	statedir_free(sd);

	/* A state directory that is a file: refused with a reason. */
	sd = statedir_open(bad, "/q", &err);
	ck_assert_ptr_null(sd);
	ck_assert_int_eq(err, -ENOTDIR);
	remove_tmpdir();
}
END_TEST

static Suite *state_suite(void)
{
	Suite *s = suite_create("state");
	TCase *tc = tcase_create("state");

	tcase_add_test(tc, roundtrip);
	tcase_add_test(tc, refusals);
	tcase_add_test(tc, comments_and_blank_lines);
	tcase_add_test(tc, file_names);
	tcase_add_test(tc, directory_saves_and_loads);
	tcase_add_test(tc, bad_file_is_kept_aside);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return run_suite(state_suite());
}
