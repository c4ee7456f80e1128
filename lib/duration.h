/* SPDX-License-Identifier: Apache-2.0 */
/*
 * duration.h - durations in text: an integer followed by ns, us, ms or s, or
 * "none" (no value: QOT_UNBOUNDED). Formatting picks the largest unit that
 * represents the value exactly, so what is printed parses back to the same.
 */
#ifndef QOT_DURATION_H
#define QOT_DURATION_H

#include <stddef.h>
#include <stdint.h>

#define QOT_DUR_TEXT_MAX 32

/* 0, -EINVAL for a malformed duration, -ERANGE if it does not fit below 2^64 - 1 ns. */
int qot_dur_parse(const char *s, size_t len, uint64_t *out);
/* Writes a NUL-terminated duration; returns its length (0 if size is too small). */
size_t qot_dur_format(uint64_t ns, char *buf, size_t size);

#endif /* QOT_DURATION_H */
