/* SPDX-License-Identifier: Apache-2.0 */
/* bufput.h - appending formatted text to a fixed buffer, all or nothing. */
#ifndef QOT_BUFPUT_H
#define QOT_BUFPUT_H

#include <stddef.h>

/*
 * Append the text at buf + *len (size bytes in all) and advance *len: 0, or
 * -ENOSPC when it does not fit with its NUL (then *len is unchanged).
 */
int qot_bufput(char *buf, size_t size, size_t *len, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

#endif /* QOT_BUFPUT_H */
