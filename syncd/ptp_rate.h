/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ptp_rate.h - the sync interval a ptp4l port works at, and whether it can
 * meet a timeline's requirement. Pure.
 *
 * syncd cannot choose it: a slave follows its master's rate (it cannot
 * change it), and ptp4l takes its own logSyncInterval from its
 * configuration. So syncd observes it and reports it. A slave's rate is
 * measured from the ingress times of the master's Sync messages
 * (TIME_STATUS_NP, one per poll): the gaps between distinct ingress times
 * are whole numbers of sync intervals (a lost Sync makes one longer), so the
 * smallest recent gap is the interval - exactly when syncd polls faster than
 * the syncs arrive (some poll saw the same Sync as the one before), and an
 * upper bound otherwise. A master reports its own rate in PORT_DATA_SET
 * (ptp_mgmt_parse_log_sync_interval).
 */
#ifndef SYNCD_PTP_RATE_H
#define SYNCD_PTP_RATE_H

#include <stdbool.h>
#include <stdint.h>

#include "control.h"

#define PTP_RATE_WINDOW 16 /* gaps remembered */

struct ptp_rate {
	int64_t last;  /* the last ingress time seen; 0: none */
	bool repeated; /* a poll saw the same Sync as the one before, within the window */
	unsigned repeat_age;
	int64_t gaps[PTP_RATE_WINDOW];
	unsigned n, next;
};

void ptp_rate_init(struct ptp_rate *r);
/* One poll's ingress time (TIME_STATUS_NP), ns. A time going backward (a
 * restarted ptp4l, a stepped clock) starts again. */
void ptp_rate_add(struct ptp_rate *r, int64_t ingress);
/* The observed sync interval: 0 with *ns and *exact (false: an upper bound,
 * syncd polls slower than the syncs come), or -EAGAIN (fewer than two Syncs). */
int ptp_rate_interval(const struct ptp_rate *r, int64_t *ns, bool *exact);
/* The interval of a PTP log2 interval (-30..30), in ns. */
int64_t ptp_rate_of_log(int log_interval);
/* The nearest PTP log2 interval of an interval in ns (the observed one
 * wanders by the timestamps' jitter). */
int ptp_rate_log_of(int64_t ns);
/*
 * Can the port meet req at that interval, with quality q? As
 * control_assess_fixed(), naming who fixes the rate: the master for a slave
 * port (slave = true), ptp4l's configuration otherwise.
 */
void ptp_rate_assess(const struct control_config *cfg, const struct qot_req *req,
		     const struct control_quality *q, int64_t interval, bool slave,
		     struct control_status *out);

#endif /* SYNCD_PTP_RATE_H */
