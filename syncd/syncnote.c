/* SPDX-License-Identifier: Apache-2.0 */
/* syncnote.c - each timeline's note, from its providers' words, written when it changed. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "names.h"
#include "note.h"
#include "now.h"
#include "syncnote.h"

struct tl_state {
	char written[QOT_NOTE_MAX + 1]; /* what the note holds, as far as we know */
	bool known;			/* written (or refused) once since found */
	bool refused;			/* the last write was refused: said once */
};

struct syncnote {
	struct qot_follower *f;
	int slot;
	struct syncnote_provider prov[SYNCNOTE_PROVIDERS];
	size_t nprov;
};

/* Every provider's words for tl, joined: their length. A part that does not fit is left out. */
static size_t compose(const struct syncnote *sn, struct qot_follower_tl *tl, char *text)
{
	int64_t now = qot_now_ns(CLOCK_REALTIME);
	size_t len = 0;

	text[0] = '\0';
	for (size_t i = 0; i < sn->nprov; i++) {
		char part[QOT_NOTE_MAX + 1];
		size_t n = sn->prov[i].words(sn->prov[i].ctx, tl, now, part, sizeof(part));

		if (n == 0 || n >= sizeof(part) || len + (len ? 1 : 0) + n > QOT_NOTE_MAX)
			continue;
		if (len)
			text[len++] = ' ';
		memcpy(text + len, part, n);
		len += n;
		text[len] = '\0';
	}
	return len;
}

static void write_note(struct syncnote *sn, struct qot_follower_tl *tl)
{
	struct tl_state *t = qot_follower_tl_state(tl, sn->slot);
	char text[QOT_NOTE_MAX + 2], name[QOT_NAME_MAX + 1];
	size_t len;
	int err;

	if (t == NULL)
		return;
	len = compose(sn, tl, text);
	if (t->known && strcmp(t->written, text) == 0)
		return;
	snprintf(name, sizeof(name), "%s", qot_follower_tl_name(tl));
	text[len] = '\n';
	err = qot_follower_write(sn->f, name, "note", text, len + 1);
	if (!qot_follower_attached(sn->f))
		return; /* the mount is gone, and t with its timelines */
	text[len] = '\0';
	if (err == -ENOENT || err == -ENOTCONN)
		return; /* removed: the follower will say */
	if (err && !t->refused)
		qot_log(QOT_LOG_WARNING, "timeline %s: writing its note: %s", name, strerror(-err));
	t->refused = err != 0; /* said once, until a write is taken */
	memcpy(t->written, text, len + 1);
	t->known = true;
}

void syncnote_tick(struct syncnote *sn)
{
	/* A write that finds the mount gone empties the follower: the loop ends. */
	for (size_t i = 0; i < qot_follower_count(sn->f); i++)
		write_note(sn, qot_follower_get(sn->f, i));
}

void syncnote_changed(struct syncnote *sn, struct qot_follower_tl *tl)
{
	write_note(sn, tl);
}

int syncnote_provide(struct syncnote *sn, const struct syncnote_provider *p)
{
	if (sn->nprov == SYNCNOTE_PROVIDERS)
		return -ENOSPC;
	sn->prov[sn->nprov++] = *p;
	return 0;
}

static void *added(void *ctx, struct qot_follower_tl *tl)
{
	(void)ctx;
	(void)tl;
	return calloc(1, sizeof(struct tl_state)); /* NULL: its note is not written */
}

static void removed(void *ctx, struct qot_follower_tl *tl, void *state)
{
	(void)ctx;
	(void)tl;
	free(state);
}

static const struct qot_follower_events events = {
	.added = added,
	.removed = removed,
};

struct syncnote *syncnote_new(struct qot_follower *f)
{
	struct syncnote *sn = calloc(1, sizeof(*sn));

	if (sn == NULL)
		return NULL;
	sn->f = f;
	sn->slot = qot_follower_subscribe(f, &events, sn);
	if (sn->slot < 0) {
		free(sn);
		return NULL;
	}
	return sn;
}

void syncnote_free(struct syncnote *sn)
{
	free(sn);
}
