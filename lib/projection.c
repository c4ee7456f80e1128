/* SPDX-License-Identifier: Apache-2.0 */
/* projection.c - exported wrapper around the inline projection. */
#include "projection.h"

void qot_project(const struct qot_clock_params *params, int64_t base_ns, struct qot_time *out)
{
	qot_project_inline(params, base_ns, out);
}
