/* SPDX-License-Identifier: Apache-2.0 */
/*
 * reason.h - why a line was refused, in words. Every parser of the lines
 * written to qotfs files says why it refuses one here, beside the errno it
 * returns, so that qotfs can log it and qot-check(1) can print it. One
 * reason per thread: the caller clears it before parsing, and an empty
 * reason after an error means the errno says all there is.
 */
#ifndef QOT_REASON_H
#define QOT_REASON_H

#include <stddef.h>

#define QOT_REASON_MAX 256

/* Record why (printf-style) and return err: `return qot_refuse(-EINVAL, ...)`. */
int qot_refuse(int err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Put what (printf-style) before the reason already recorded, if any (e.g.
 * "line 3: "); returns err. */
int qot_refuse_prefix(int err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The reason recorded since the last clear, "" if none. */
const char *qot_reason(void);
void qot_reason_clear(void);
/* A value quoted for a reason: at most 40 bytes of it, non-printable bytes as '?'. */
const char *qot_reason_quote(const char *s, size_t len, char *buf, size_t size);

#endif /* QOT_REASON_H */
