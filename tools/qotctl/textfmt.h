/* SPDX-License-Identifier: Apache-2.0 */
/* textfmt.h - times and durations for people: 5.884us, +12ns, 2026-12-03T14:05:01.123456Z. */
#ifndef QOTCTL_TEXTFMT_H
#define QOTCTL_TEXTFMT_H

#include <stddef.h>
#include <stdint.h>

#include "reqline.h"

#define TEXTFMT_MAX 80

/* A bound in the largest unit that keeps 4 significant digits ("5.884us");
 * "unbounded" for QOT_UNBOUNDED. */
const char *textfmt_bound(uint64_t ns, char buf[TEXTFMT_MAX]);
/* A signed offset with its sign ("+12ns", "-1.5ms"). */
const char *textfmt_offset(int64_t ns, char buf[TEXTFMT_MAX]);
/* An instant of CLOCK_REALTIME as UTC, ISO 8601, microseconds. */
const char *textfmt_utc(int64_t ns, char buf[TEXTFMT_MAX]);
/* The accuracy of a requirement: "10us", "5us/1ms", "none". */
const char *textfmt_accuracy(const struct qot_req *req, char buf[TEXTFMT_MAX]);
/* CLOCK_REALTIME now, in nanoseconds. */
int64_t textfmt_now(void);

#endif /* QOTCTL_TEXTFMT_H */
