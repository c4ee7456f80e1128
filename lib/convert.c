/* SPDX-License-Identifier: Apache-2.0 */
/* convert.c - timeline and system (CLOCK_REALTIME) time, instants and durations. */
#include <errno.h>

#include "projection.h"
#include "waitcalc.h"

/* The clock's parameters now; -EINVAL without a clock or a place for the answer. */
static int params_of(const qot_clock *clk, const void *out, struct qot_clock_params *p)
{
	int64_t now;

	if (clk == NULL || out == NULL)
		return -EINVAL;
	return qot_clock_params_read(clk, p, &now);
}

int qot_tl_to_sys(const qot_clock *clk, int64_t tl_ns, int64_t *sys_ns)
{
	struct qot_clock_params p;
	int64_t t;
	int err;

	err = params_of(clk, sys_ns, &p);
	if (err)
		return err;
	t = qot_base_reaching(&p, tl_ns);
	if (t == QOT_BASE_NEVER)
		return -ERANGE;
	*sys_ns = t;
	return 0;
}

int qot_sys_to_tl(const qot_clock *clk, int64_t sys_ns, struct qot_time *out)
{
	struct qot_clock_params p;
	int err;

	err = params_of(clk, out, &p);
	if (err)
		return err;
	qot_project_inline(&p, sys_ns, out);
	return 0;
}

/* The rate of the timeline against the base clock is 1 + freq / 2^64. */
int qot_tl_duration_to_sys(const qot_clock *clk, uint64_t tl_ns, uint64_t *sys_ns)
{
	struct qot_clock_params p;
	qot_u128 den, q;
	int err;

	err = params_of(clk, sys_ns, &p);
	if (err)
		return err;
	den = (qot_u128)((qot_i128)((qot_u128)1 << 64) + p.freq);
	q = (((qot_u128)tl_ns << 64) + den - 1) / den; /* rounded up */
	if (q > UINT64_MAX)
		return -ERANGE;
	*sys_ns = (uint64_t)q;
	return 0;
}

int qot_sys_duration_to_tl(const qot_clock *clk, uint64_t sys_ns, uint64_t *tl_ns)
{
	struct qot_clock_params p;
	qot_i128 v;
	int err;

	err = params_of(clk, tl_ns, &p);
	if (err)
		return err;
	v = (qot_i128)sys_ns + qot_scale_floor((qot_i128)sys_ns, p.freq); /* rounded down */
	if (v > UINT64_MAX || v < 0)
		return -ERANGE;
	*tl_ns = (uint64_t)v;
	return 0;
}
