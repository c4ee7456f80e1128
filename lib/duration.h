/* SPDX-License-Identifier: Apache-2.0 */
/*
 * duration.h - durations in text: a number followed by a unit, or "none"
 * (no value: QOT_UNBOUNDED). The number is decimal digits with an optional
 * fraction ("1.5ms"), which must come to a whole number of nanoseconds; the
 * units are ns, us (also written "\u00b5s" or "\u03bcs"), ms, s and min.
 * Formatting picks the largest of ns, us, ms and s that represents the
 * value exactly, as an integer, so what is printed parses back to the same.
 */
#ifndef QOT_DURATION_H
#define QOT_DURATION_H

#include <stddef.h>
#include <stdint.h>

#define QOT_DUR_TEXT_MAX 32

/* 0, -EINVAL for a malformed duration (or one finer than 1 ns), -ERANGE if it
 * does not fit below 2^64 - 1 ns. *out is untouched on error. */
int qot_dur_parse(const char *s, size_t len, uint64_t *out);
/* Writes a NUL-terminated duration; returns its length (0 if size is too small). */
size_t qot_dur_format(uint64_t ns, char *buf, size_t size);

#endif /* QOT_DURATION_H */
