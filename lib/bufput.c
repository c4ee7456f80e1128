/* SPDX-License-Identifier: Apache-2.0 */
/* bufput.c - appending formatted text to a fixed buffer, all or nothing. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>

#include "bufput.h"

int qot_bufput(char *buf, size_t size, size_t *len, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf + *len, size - *len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= size - *len)
		return -ENOSPC;
	*len += (size_t)n;
	return 0;
}
