/* SPDX-License-Identifier: Apache-2.0 */
/* timefmt.h - decimal seconds with 9 fraction digits, as in the "now" line. */
#ifndef QOT_TIMEFMT_H
#define QOT_TIMEFMT_H

#include <stddef.h>
#include <stdint.h>

/* "[-]S.NNNNNNNNN", NUL-terminated; returns the length (0 if size is too small). */
size_t qot_fmt_seconds(int64_t ns, char *buf, size_t size);
/* The same for an unsigned count of nanoseconds (a bound). */
size_t qot_fmt_useconds(uint64_t ns, char *buf, size_t size);

#endif /* QOT_TIMEFMT_H */
