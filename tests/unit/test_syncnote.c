/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_syncnote.c - syncd's one writer of the timelines' notes
 * (syncd/syncnote.c) against a plain directory that looks like a qotfs
 * mount: .timelines, TL/ctl, TL/note. Whether a note was written is seen
 * by a sentinel line put there before: a write replaces its first line.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "follower.h"
#include "run_suite.h"
#include "syncnote.h"

static char root[64];
static char peer_words[256], ctl_words[256]; /* what the two providers say */

static void put(const char *file, const char *text)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", root, file);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
}

/* The note's first line (what the last write put there). */
static const char *note(void)
{
	static char line[1100];
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/tl/note", root);
	f = fopen(path, "r");
	ck_assert_ptr_nonnull(f);
	if (fgets(line, sizeof(line), f) == NULL)
		line[0] = '\0';
	fclose(f);
	line[strcspn(line, "\n")] = '\0';
	return line;
}

static size_t words(void *ctx, struct qot_follower_tl *tl, int64_t now, char *buf, size_t size)
{
	const char *w = ctx;

	(void)tl;
	(void)now;
	ck_assert_uint_lt(strlen(w), size);
	strcpy(buf, w);
	return strlen(w);
}

static void setup(void)
{
	char path[128];

	snprintf(root, sizeof(root), "/tmp/qot-syncnote.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(root));
	snprintf(path, sizeof(path), "%s/tl", root);
	ck_assert_int_eq(mkdir(path, 0755), 0);
	put(".timelines", "tl\n");
	put("tl/ctl", "");
	put("tl/note", "left by an earlier syncd\n");
	peer_words[0] = ctl_words[0] = '\0';
}

static void teardown(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	ck_assert_int_eq(system(cmd), 0);
}

static struct qot_follower *follower(void)
{
	struct qot_follower *f = qot_follower_new(&(struct qot_follower_config){
		.root = root,
		.flags = QOT_FOLLOWER_CTL,
		.reattach_ns = 1000,
	});

	ck_assert_ptr_nonnull(f);
	return f;
}

START_TEST(joined_written_when_changed)
{
	struct qot_follower *f = follower();
	struct syncnote *sn = syncnote_new(f);

	ck_assert_ptr_nonnull(sn);
	ck_assert_int_eq(syncnote_provide(sn, &(struct syncnote_provider){words, peer_words}), 0);
	ck_assert_int_eq(syncnote_provide(sn, &(struct syncnote_provider){words, ctl_words}), 0);
	qot_follower_tick(f, 0);
	ck_assert_uint_eq(qot_follower_count(f), 1);

	/* Found: written once even with no words, clearing an earlier syncd's. */
	syncnote_tick(sn);
	ck_assert_str_eq(note(), "");

	/* Joined in the providers' order. */
	strcpy(peer_words, "peer=follow upstream=a ~age=0.100");
	strcpy(ctl_words, "effort=controlled control=met reason=bound 9us at 4s");
	syncnote_tick(sn);
	ck_assert_str_eq(note(), "peer=follow upstream=a ~age=0.100 effort=controlled "
				 "control=met reason=bound 9us at 4s");

	/* The same text: not written again. */
	put("tl/note", "sentinel\n");
	syncnote_tick(sn);
	ck_assert_str_eq(note(), "sentinel");

	/* Only a provider's words: just those. */
	peer_words[0] = '\0';
	syncnote_tick(sn);
	ck_assert_str_eq(note(), "effort=controlled control=met reason=bound 9us at 4s");

	/* A provider that says its words changed: written at once, not at the tick. */
	strcpy(ctl_words, "effort=controlled control=unmeetable reason=source bound 40us");
	syncnote_changed(sn, qot_follower_get(f, 0));
	ck_assert_str_eq(note(), "effort=controlled control=unmeetable reason=source bound 40us");

	/* Nothing left to say: an empty note. */
	ctl_words[0] = '\0';
	syncnote_tick(sn);
	ck_assert_str_eq(note(), "");

	qot_follower_free(f);
	syncnote_free(sn);
}
END_TEST

/* A restarted syncd (a new follower, the same mount): written again at its first tick. */
START_TEST(restart_writes_again)
{
	struct qot_follower *f = follower();
	struct syncnote *sn = syncnote_new(f);

	ck_assert_int_eq(syncnote_provide(sn, &(struct syncnote_provider){words, ctl_words}), 0);
	strcpy(ctl_words, "effort=controlled control=met reason=ok");
	qot_follower_tick(f, 0);
	syncnote_tick(sn);
	ck_assert_str_eq(note(), "effort=controlled control=met reason=ok");
	qot_follower_free(f);
	syncnote_free(sn);

	put("tl/note", "sentinel\n"); /* qotfs restarted: its note is gone */
	f = follower();
	sn = syncnote_new(f);
	ck_assert_int_eq(syncnote_provide(sn, &(struct syncnote_provider){words, ctl_words}), 0);
	qot_follower_tick(f, 0);
	syncnote_tick(sn);
	ck_assert_str_eq(note(), "effort=controlled control=met reason=ok");
	qot_follower_free(f);
	syncnote_free(sn);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("syncnote");
	TCase *tc = tcase_create("units");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, joined_written_when_changed);
	tcase_add_test(tc, restart_writes_again);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
