/* SPDX-License-Identifier: Apache-2.0 */
/* ptp_rate.c - the sync interval a ptp4l port observes (ptp_rate.h). */
#include <errno.h>
#include <math.h>
#include <string.h>

#include "ptp_rate.h"

#define NS_PER_S 1000000000.0

void ptp_rate_init(struct ptp_rate *r)
{
	memset(r, 0, sizeof(*r));
}

void ptp_rate_add(struct ptp_rate *r, int64_t ingress)
{
	if (r->last != 0 && ingress < r->last)
		ptp_rate_init(r);
	if (r->repeated && ++r->repeat_age > PTP_RATE_WINDOW * 4)
		r->repeated = false; /* no repeat for long: polls now slower than syncs */
	if (r->last != 0 && ingress == r->last) {
		r->repeated = true;
		r->repeat_age = 0;
		return;
	}
	if (r->last != 0) {
		r->gaps[r->next] = ingress - r->last;
		r->next = (r->next + 1) % PTP_RATE_WINDOW;
		if (r->n < PTP_RATE_WINDOW)
			r->n++;
	}
	r->last = ingress;
}

int ptp_rate_interval(const struct ptp_rate *r, int64_t *ns, bool *exact)
{
	int64_t min = INT64_MAX;

	if (r->n == 0)
		return -EAGAIN;
	for (unsigned i = 0; i < r->n; i++)
		if (r->gaps[i] < min)
			min = r->gaps[i];
	*ns = min;
	*exact = r->repeated;
	return 0;
}

int64_t ptp_rate_of_log(int log_interval)
{
	if (log_interval < -30)
		log_interval = -30;
	if (log_interval > 30)
		log_interval = 30;
	return (int64_t)llround(ldexp(NS_PER_S, log_interval));
}

int ptp_rate_log_of(int64_t ns)
{
	double l = ns > 0 ? round(log2((double)ns / NS_PER_S)) : -30;

	return l < -30 ? -30 : l > 30 ? 30 : (int)l;
}

void ptp_rate_assess(const struct control_config *cfg, const struct qot_req *req,
		     const struct control_quality *q, int64_t interval, bool slave,
		     struct control_status *out)
{
	control_assess_fixed(cfg, req, q, interval,
			     slave ? "the PTP master (a slave cannot change its rate)"
				   : "ptp4l's logSyncInterval",
			     out);
}
