/* SPDX-License-Identifier: Apache-2.0 */
/* control_timeline.c - a controlled timeline: requirement, decision, knob. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "control_req.h"
#include "control_timeline.h"

#define NO_INTERVAL (-1)

struct control_timeline {
	struct control *ctl;
	struct control_knob knob;
	bool has_knob;
	int64_t applied; /* the interval the knob took, or NO_INTERVAL */
	int64_t refused; /* the interval it refused, or NO_INTERVAL */
	char refusal[256];
};

int control_timeline_new(struct control_timeline **out, const struct control_config *cfg,
			 const struct control_knob *knob, char *err, size_t errlen)
{
	struct control_timeline *ct = calloc(1, sizeof(*ct));
	int res;

	if (ct == NULL)
		return -ENOMEM;
	res = control_new(&ct->ctl, cfg, err, errlen);
	if (res < 0) {
		free(ct);
		return res;
	}
	if (knob) {
		ct->knob = *knob;
		ct->has_knob = true;
	}
	if (ct->knob.msgs_per_exchange == 0)
		ct->knob.msgs_per_exchange = 2;
	ct->applied = ct->refused = NO_INTERVAL;
	*out = ct;
	return 0;
}

void control_timeline_free(struct control_timeline *ct)
{
	if (ct == NULL)
		return;
	control_free(ct->ctl);
	free(ct);
}

int control_timeline_requirement(struct control_timeline *ct, const char *cluster, size_t clen,
				 const char *requirements, size_t rlen)
{
	struct qot_req req;
	bool coordinated;
	int res = control_req_choose(cluster, clen, requirements, rlen, &req, &coordinated);

	if (res == 0)
		control_set_requirement(ct->ctl, &req);
	return res;
}

/* Turn the knob to the interval chosen, once per change; a refusal once. */
static unsigned turn(struct control_timeline *ct, int64_t interval)
{
	char why[sizeof(ct->refusal)] = "";
	bool was_refused = ct->refusal[0] != '\0';

	if (!ct->has_knob || interval == ct->refused)
		return 0;
	if (interval == ct->applied) {
		/* back where the knob already is: a refusal since is moot */
		ct->refused = NO_INTERVAL;
		ct->refusal[0] = '\0';
		return was_refused ? CONTROL_TIMELINE_KNOB : 0;
	}
	if (ct->knob.apply(ct->knob.ctx, interval, why, sizeof(why)) < 0) {
		bool same = strcmp(why, ct->refusal) == 0;
		ct->refused = interval;
		snprintf(ct->refusal, sizeof(ct->refusal), "%s", why[0] ? why : "refused");
		return same ? 0 : CONTROL_TIMELINE_KNOB;
	}
	ct->applied = interval;
	ct->refused = NO_INTERVAL;
	ct->refusal[0] = '\0';
	return was_refused ? CONTROL_TIMELINE_KNOB : 0;
}

unsigned control_timeline_update(struct control_timeline *ct, const struct control_quality *q,
				 char *log, size_t loglen)
{
	unsigned changed = control_update(ct->ctl, q);
	struct control_status st;
	char iv[32];

	control_status(ct->ctl, &st);
	changed |= turn(ct, st.interval);
	if (loglen)
		log[0] = '\0';
	if (changed && loglen) {
		control_format_ns((uint64_t)st.interval, iv, sizeof(iv));
		snprintf(log, loglen, "effort %s, interval %s: %s%s%s",
			 control_state_name(st.state), iv, st.reason, ct->refusal[0] ? "; " : "",
			 ct->refusal);
	}
	return changed;
}

int control_timeline_format(const struct control_timeline *ct, char *buf, size_t size)
{
	struct control_status st;
	int n;

	control_status(ct->ctl, &st);
	n = snprintf(buf, size,
		     " effort=controlled interval=%lld.%09lld msgs=%.3f/s control=%s reason=%s%s%s",
		     (long long)(st.interval / 1000000000), (long long)(st.interval % 1000000000),
		     st.exchanges_per_s * ct->knob.msgs_per_exchange, control_state_name(st.state),
		     st.reason, ct->refusal[0] ? "; " : "", ct->refusal);
	if (n < 0 || (size_t)n >= size)
		return -ENOSPC;
	return n;
}

void control_timeline_status(const struct control_timeline *ct, struct control_status *out)
{
	control_status(ct->ctl, out);
}

const char *control_timeline_refusal(const struct control_timeline *ct)
{
	return ct->refusal;
}
