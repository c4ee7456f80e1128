/* SPDX-License-Identifier: Apache-2.0 */
/* persist.c - model events to the state directory, restore and final save. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "access.h"
#include "hashtab.h"
#include "log.h"
#include "page.h"
#include "persist.h"
#include "registry.h"
#include "statedir.h"

/* A timeline's mirror in the state directory. */
struct mirror {
	struct hnode node;
	uint64_t id;
	struct statedir_entry *saved; /* NULL if it could not be mirrored */
};

struct persist {
	struct registry *reg;
	struct statedir *sd;
	struct hashtab by_id;			    /* struct mirror */
	const struct statefile_timeline *restoring; /* what persist_restore is creating */
};

static int match_id(const struct hnode *n, const void *key)
{
	return container_of(n, struct mirror, node)->id == *(const uint64_t *)key;
}

static struct mirror *find(struct persist *ps, const struct timeline *tl)
{
	uint64_t id = timeline_id(tl);
	struct hnode *n = hashtab_find(&ps->by_id, hash_u64(id), match_id, &id);

	return n ? container_of(n, struct mirror, node) : NULL;
}

static struct statedir_entry *saved_of(struct persist *ps, const struct timeline *tl)
{
	struct mirror *m = find(ps, tl);
	return m ? m->saved : NULL;
}

/* What the state file keeps of a new timeline (it has no parameters yet). */
static void describe(const struct timeline *tl, struct statefile_timeline *out)
{
	struct timespec created = timeline_created(tl);

	*out = (struct statefile_timeline){0};
	snprintf(out->name, sizeof(out->name), "%s", timeline_name(tl));
	out->owner = timeline_owner(tl);
	out->group = timeline_group(tl);
	/* Only the daemon's own uid is told apart by namespace (access.h). */
	out->host_creator = !access_needs_userns(out->owner) ||
			    timeline_owner_userns(tl) == access_daemon_userns();
	out->created = qot_timespec_ns(&created);
	out->has_standing = true;
	out->standing = *timeline_standing(tl);
}

static void created(struct persist *ps, const struct timeline *tl)
{
	struct statefile_timeline st;
	struct mirror *m = calloc(1, sizeof(*m));

	if (m == NULL) {
		qot_log(QOT_LOG_ERR, "timeline %s: no memory to save it", timeline_name(tl));
		return;
	}
	if (ps->restoring) {
		st = *ps->restoring;
		st.has_hlc = false; /* written again only by a clean stop */
		st.line = 0;
	} else {
		describe(tl, &st);
	}
	m->id = timeline_id(tl);
	m->saved = statedir_add(ps->sd, &st);
	hashtab_insert(&ps->by_id, &m->node, hash_u64(m->id));
}

static void on_event(const struct event *ev, void *arg)
{
	struct persist *ps = arg;
	struct mirror *m;
	struct timespec updated;

	switch (ev->kind) {
	case EVENT_CREATED:
		created(ps, ev->tl);
		break;
	case EVENT_REMOVED:
		m = find(ps, ev->tl);
		if (m != NULL) {
			statedir_remove(ps->sd, m->saved);
			hashtab_remove(&ps->by_id, &m->node);
			free(m);
		}
		break;
	case EVENT_STANDING:
		statedir_set_standing(ps->sd, saved_of(ps, ev->tl), timeline_standing(ev->tl));
		break;
	case EVENT_PARAMS:
		updated = timeline_updated(ev->tl);
		statedir_set_params(ps->sd, saved_of(ps, ev->tl), ev->params,
				    timeline_source(ev->tl), qot_timespec_ns(&updated));
		break;
	default:
		break;
	}
}

struct persist *persist_new(struct registry *reg, struct statedir *sd)
{
	struct persist *ps;

	if (sd == NULL)
		return NULL;
	ps = calloc(1, sizeof(*ps));
	if (ps == NULL || hashtab_init(&ps->by_id) != 0 ||
	    registry_subscribe(reg, on_event, ps) != 0) {
		if (ps)
			hashtab_free(&ps->by_id);
		free(ps);
		statedir_free(sd);
		return NULL;
	}
	ps->reg = reg;
	ps->sd = sd;
	return ps;
}

/* One timeline of the state file back into the model; false if it could not be. */
static bool restore_timeline(struct persist *ps, const struct statefile_timeline *st)
{
	struct timeline_creator cr = {st->owner, st->owner, st->group, 0, -1, st->created};
	struct timeline *tl;
	int err;

	/* A creator inside another user namespace cannot be recognised after a
	 * restart (namespace numbers are reused): only privileged callers then. */
	if (access_needs_userns(st->owner))
		cr.userns = st->host_creator ? access_daemon_userns() : 0;
	ps->restoring = st;
	err = registry_create(ps->reg, st->name, strlen(st->name), &cr, true, &tl);
	ps->restoring = NULL;
	if (err) {
		qot_log(QOT_LOG_ERR, "timeline %s of the state file not restored: %s", st->name,
			strerror(-err));
		return false;
	}
	if (st->has_standing)
		timeline_set_standing(tl, &st->standing);
	if (st->has_params)
		timeline_set_params(tl, &st->params, st->source, st->updated);
	if (st->has_hlc)
		timeline_restore_hlc(tl, &st->hlc);
	return true;
}

size_t persist_restore(struct persist *ps, const struct statefile_image *img)
{
	size_t restored = 0;

	if (ps == NULL)
		return 0;
	for (size_t i = 0; i < img->n; i++)
		restored += restore_timeline(ps, &img->tl[i]);
	/* At once "running": if this run dies, its HLCs are not the saved ones. */
	statedir_save_now(ps->sd, false);
	return restored;
}

int persist_start(struct persist *ps)
{
	return ps ? statedir_start(ps->sd) : 0;
}

int persist_save(struct persist *ps, bool stopped)
{
	if (ps == NULL)
		return 0;
	for (struct timeline *tl = registry_next(ps->reg, NULL); tl != NULL;
	     tl = registry_next(ps->reg, tl))
		statedir_set_hlc(ps->sd, saved_of(ps, tl), &timeline_hlc(tl)->state);
	return statedir_save_now(ps->sd, stopped);
}

static void drop_mirror(struct hnode *n)
{
	free(container_of(n, struct mirror, node));
}

void persist_free(struct persist *ps)
{
	if (ps == NULL)
		return;
	statedir_free(ps->sd); /* first: its thread reads nothing of the model */
	hashtab_drain(&ps->by_id, drop_mirror);
	free(ps);
}
