/* SPDX-License-Identifier: Apache-2.0 */
/* lease.c - how long qotfs may let this node claim: written to .coordination. */
#include <stdlib.h>
#include <string.h>

#include "lease.h"
#include "log.h"
#include "members.h"

struct lease {
	const char *node;
	struct session *s;
	struct qot_follower *f;
	int64_t written; /* the instant last written */
	bool resync;	 /* everything is being read again: no lease until done */
};

static void write_lease(struct lease *l, int64_t until)
{
	char line[QOT_NAME_MAX + 48];
	int len = qot_leaseline_format(l->node, until, line, sizeof(line));
	int err = qot_follower_write(l->f, NULL, ".coordination", line, (size_t)len);

	if (err)
		qot_log(QOT_LOG_WARNING, ".coordination: %s", strerror(-err));
	else
		l->written = until;
}

void lease_resync(struct lease *l)
{
	l->resync = true;
}

void lease_update(struct lease *l, int64_t now, size_t dirty)
{
	int64_t until;

	if (dirty == 0 && session_connected(l->s))
		l->resync = false;
	until = session_lease_until(l->s);
	if (!l->resync && qot_follower_attached(l->f) && until > now && until != l->written)
		write_lease(l, until);
}

void lease_withdraw(struct lease *l)
{
	if (qot_follower_attached(l->f))
		write_lease(l, 0);
}

/* A new qotfs: it holds no lease of ours yet. */
static void attached(void *ctx)
{
	struct lease *l = ctx;

	l->written = 0;
	l->resync = true;
}

static const struct qot_follower_events events = {.attached = attached};

struct lease *lease_new(const char *node, struct session *s, struct qot_follower *f)
{
	struct lease *l = calloc(1, sizeof(*l));

	if (l == NULL)
		return NULL;
	l->node = node;
	l->s = s;
	l->f = f;
	if (qot_follower_subscribe(f, &events, l) < 0) {
		free(l);
		return NULL;
	}
	return l;
}

void lease_free(struct lease *l)
{
	free(l);
}
