/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_follower.c - the mount follower (lib/follower.c) against a plain
 * directory that looks like a qotfs mount: .timelines, TL/ctl, .active.
 * Losing the mount is what poll says of it (POLLHUP).
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "follower.h"
#include "run_suite.h"

static char root[64];
static char events[4096]; /* what the subscriber was told, in order */

static void put(const char *dir, const char *file, const char *text)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s%s%s/%s", root, dir ? "/" : "", dir ? dir : "", file);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
}

static void get(const char *dir, const char *file, char *out, size_t size)
{
	char path[256];
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "%s/%s/%s", root, dir, file);
	f = fopen(path, "r");
	ck_assert_ptr_nonnull(f);
	n = fread(out, 1, size - 1, f);
	out[n] = '\0';
	fclose(f);
}

/* A timeline directory with its ctl (a new one: a new inode) and members files. */
static void timeline(const char *name)
{
	char path[256], newpath[256];

	snprintf(path, sizeof(path), "%s/%s", root, name);
	mkdir(path, 0755);
	/* Made before the old one goes, so that its inode number cannot be the old one's. */
	put(name, "ctl.new", "");
	snprintf(path, sizeof(path), "%s/%s/ctl", root, name);
	snprintf(newpath, sizeof(newpath), "%s/%s/ctl.new", root, name);
	ck_assert_int_eq(rename(newpath, path), 0);
	put(name, "members", "");
}

static void told(const char *what, const char *name)
{
	size_t len = strlen(events);

	snprintf(events + len, sizeof(events) - len, "%s%s%s ", what, name ? ":" : "",
		 name ? name : "");
}

static void *added(void *ctx, struct qot_follower_tl *tl)
{
	(void)ctx;
	told("+", qot_follower_tl_name(tl));
	return strdup(qot_follower_tl_name(tl)); /* the state: its name */
}

static void removed(void *ctx, struct qot_follower_tl *tl, void *state)
{
	(void)ctx;
	ck_assert_str_eq(state, qot_follower_tl_name(tl));
	told("-", qot_follower_tl_name(tl));
	free(state);
}

static void refreshed(void *ctx)
{
	(void)ctx;
	told("refreshed", NULL);
}

static void file(void *ctx, const char *name, char *text, size_t len)
{
	(void)ctx;
	ck_assert_uint_eq(len, strlen(text));
	told(name, text);
}

static void attached(void *ctx)
{
	(void)ctx;
	told("attached", NULL);
}

static void attach_failed(void *ctx, int err)
{
	(void)ctx;
	told("failed", strerror(-err));
}

static void lost(void *ctx, int err)
{
	(void)ctx;
	(void)err;
	told("lost", NULL);
}

static const struct qot_follower_events subscriber = {
	added, removed, refreshed, file, attached, attach_failed, lost,
};

static bool not_x(void *ctx, const char *name)
{
	(void)ctx;
	return strcmp(name, "x") != 0;
}

static struct qot_follower *follower(unsigned flags, const char *const *files)
{
	struct qot_follower *f = qot_follower_new(&(struct qot_follower_config){
		.root = root,
		.flags = flags,
		.reattach_ns = 1000,
		.files = files,
		.want = not_x,
	});

	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(qot_follower_subscribe(f, &subscriber, NULL), 0);
	events[0] = '\0';
	return f;
}

/* Something changed (poll said so, with revents). */
static void changed(struct qot_follower *f, short revents)
{
	struct pollfd fds[QOT_FOLLOWER_POLLFDS];
	int n = qot_follower_pollfds(f, fds, QOT_FOLLOWER_POLLFDS);

	ck_assert_int_gt(n, 0);
	fds[0].revents = revents;
	events[0] = '\0';
	qot_follower_handle(f, fds, n);
}

static void setup(void)
{
	snprintf(root, sizeof(root), "/tmp/qot-follower.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(root));
}

static void teardown(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	ck_assert_int_eq(system(cmd), 0);
}

START_TEST(attach_and_diff)
{
	struct qot_follower *f;
	char text[64];

	timeline("a");
	timeline("b");
	timeline("x");
	put(NULL, ".timelines", "b\nx\na\n");
	f = follower(QOT_FOLLOWER_CTL, NULL);
	ck_assert(!qot_follower_attached(f));
	ck_assert_int_eq(qot_follower_tick(f, 0), INT64_MAX);
	ck_assert(qot_follower_attached(f));
	/* Sorted by name; x is not wanted. */
	ck_assert_str_eq(events, "+:a +:b refreshed attached ");
	ck_assert_uint_eq(qot_follower_count(f), 2);
	ck_assert_str_eq(qot_follower_tl_name(qot_follower_get(f, 1)), "b");
	ck_assert_str_eq(qot_follower_tl_state(qot_follower_find(f, "a"), 0), "a");
	ck_assert_ptr_null(qot_follower_find(f, "x"));
	ck_assert_int_ge(qot_follower_tl_ctl(qot_follower_find(f, "a")), 0);

	/* The ctl held is written. */
	ck_assert_int_eq(qot_follower_write_ctl(f, qot_follower_find(f, "a"), "p=1\n", 4), 0);
	get("a", "ctl", text, sizeof(text));
	ck_assert_str_eq(text, "p=1\n");

	/* Removed and added. */
	timeline("c");
	put(NULL, ".timelines", "c\nb\n");
	changed(f, POLLPRI);
	ck_assert_str_eq(events, "-:a +:c refreshed ");

	/* The same name, a new ctl inode: a new timeline. */
	timeline("b");
	changed(f, POLLPRI);
	ck_assert_str_eq(events, "-:b +:b refreshed ");

	/* Unchanged: nothing but the refresh. */
	changed(f, POLLPRI);
	ck_assert_str_eq(events, "refreshed ");
	events[0] = '\0';
	qot_follower_free(f);
	ck_assert_str_eq(events, "-:b -:c ");
}
END_TEST

START_TEST(attach_failures_told_once)
{
	struct qot_follower *f = follower(QOT_FOLLOWER_CTL, NULL);

	ck_assert_int_eq(qot_follower_tick(f, 0), 1000);
	ck_assert_str_eq(events, "failed:No such file or directory ");
	ck_assert_int_eq(qot_follower_tick(f, 999), 1000); /* not due: not tried */
	ck_assert_int_eq(qot_follower_tick(f, 1000), 2000);
	ck_assert_str_eq(events, "failed:No such file or directory ");
	ck_assert(!qot_follower_attached(f));
	ck_assert_int_eq(qot_follower_write(f, NULL, ".x", "y", 1), -ENOTCONN);
	put(NULL, ".timelines", "");
	ck_assert_int_eq(qot_follower_tick(f, 1500), 2000);
	ck_assert_int_eq(qot_follower_tick(f, 2000), INT64_MAX);
	ck_assert_str_eq(events, "failed:No such file or directory refreshed attached ");
	qot_follower_free(f);
}
END_TEST

/* Holding ctl files: they die with the mount, so do the timelines. */
START_TEST(loss_with_ctl)
{
	struct qot_follower *f;

	timeline("a");
	put(NULL, ".timelines", "a\n");
	f = follower(QOT_FOLLOWER_CTL, NULL);
	qot_follower_tick(f, 0);
	changed(f, POLLHUP);
	ck_assert_str_eq(events, "-:a lost ");
	ck_assert(!qot_follower_attached(f));
	ck_assert_uint_eq(qot_follower_count(f), 0);
	/* Looked for again at once. */
	events[0] = '\0';
	ck_assert_int_eq(qot_follower_tick(f, 0), INT64_MAX);
	ck_assert_str_eq(events, "+:a refreshed attached ");
	qot_follower_free(f);
}
END_TEST

/* Without ctl files: kept across a loss, matched by name to the new mount's. */
START_TEST(loss_without_ctl)
{
	static const char *const files[] = {".active", NULL};
	struct qot_follower *f;
	char text[64];

	timeline("a");
	timeline("b");
	put(NULL, ".timelines", "a\nb\n");
	put(NULL, ".active", "a accuracy=1us resolution=none\n");
	f = follower(0, files);
	qot_follower_tick(f, 0);
	ck_assert_str_eq(events,
			 "+:a +:b .active:a accuracy=1us resolution=none\n refreshed attached ");
	ck_assert_int_eq(qot_follower_tl_ctl(qot_follower_find(f, "a")), -1);
	ck_assert_int_eq(qot_follower_write(f, "a", "members", "leader=none\n", 12), 0);
	get("a", "members", text, sizeof(text));
	ck_assert_str_eq(text, "leader=none\n");
	ck_assert_int_eq(qot_follower_write(f, "zz", "members", "x", 1), -ENOENT);

	changed(f, POLLERR);
	ck_assert_str_eq(events, "lost ");
	ck_assert_uint_eq(qot_follower_count(f), 2);
	/* The new mount: a restored (new inode), b gone, c new. */
	timeline("a");
	timeline("c");
	put(NULL, ".timelines", "a\nc\n");
	put(NULL, ".active", "");
	events[0] = '\0';
	qot_follower_tick(f, 0);
	ck_assert_str_eq(events, "-:b +:c .active: refreshed attached ");
	/* From then on, by inode again. */
	timeline("a");
	changed(f, POLLPRI);
	ck_assert_str_eq(events, "-:a +:a .active: refreshed ");
	qot_follower_free(f);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("follower");
	TCase *tc = tcase_create("mount");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, attach_and_diff);
	tcase_add_test(tc, attach_failures_told_once);
	tcase_add_test(tc, loss_with_ctl);
	tcase_add_test(tc, loss_without_ctl);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return run_suite(suite());
}
