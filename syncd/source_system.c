/* SPDX-License-Identifier: Apache-2.0 */
/*
 * source_system.c - CLOCK_REALTIME as it is, with the kernel's own error
 * bound: ntp_adjtime() in read-only mode (modes = 0) gives maxerror, which
 * whatever disciplines the host clock (chronyd, ntpd) keeps, and STA_UNSYNC
 * when nothing does. This source never changes the host clock.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/timex.h>

#include "rate.h"
#include "source.h"

static int system_open(struct source *s)
{
	(void)s;
	return 0;
}

static enum source_state system_query(struct source *s, int64_t now, struct reading *r)
{
	struct timex tx;
	int state;

	memset(&tx, 0, sizeof(tx));
	tx.modes = 0; /* read only: never adjust */
	state = ntp_adjtime(&tx);
	if (state < 0) {
		snprintf(s->detail, sizeof(s->detail), "ntp_adjtime: %s", strerror(errno));
		return SOURCE_DOWN;
	}
	if (state == TIME_ERROR || (tx.status & STA_UNSYNC)) {
		snprintf(s->detail, sizeof(s->detail),
			 "the kernel says the host clock is not synchronised (STA_UNSYNC)");
		return SOURCE_UNSYNCED;
	}
	/* maxerror is in microseconds whatever STA_NANO says. */
	r->at = now;
	r->offset = 0;
	r->freq = 0;
	r->below = r->above = (uint64_t)tx.maxerror * 1000;
	if (r->below < (uint64_t)s->cfg->minbound_ns)
		r->below = r->above = (uint64_t)s->cfg->minbound_ns;
	r->drift = r->hold_drift = bound_rate_from_frac(s->cfg->maxdrift);
	r->asym = 0; /* maxerror does not say what part of it the path is */
	r->stat = r->below;
	snprintf(s->detail, sizeof(s->detail), "kernel maxerror %ld us, esterror %ld us",
		 tx.maxerror, tx.esterror);
	return SOURCE_OK;
}

static void system_close(struct source *s)
{
	(void)s;
}

const struct source_ops source_system_ops = {system_open, system_query, system_close};
