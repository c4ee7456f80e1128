/* SPDX-License-Identifier: Apache-2.0 */
/* reason.c - why a line was refused (reason.h). */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "reason.h"

static _Thread_local char reason[QOT_REASON_MAX];

int qot_refuse(int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);
	return err;
}

int qot_refuse_prefix(int err, const char *fmt, ...)
{
	char before[QOT_REASON_MAX];
	size_t blen, rlen = strlen(reason);
	va_list ap;
	int n;

	if (rlen == 0)
		return err;
	va_start(ap, fmt);
	n = vsnprintf(before, sizeof(before), fmt, ap);
	va_end(ap);
	if (n <= 0)
		return err;
	blen = strnlen(before, sizeof(before) - 1);
	if (blen + rlen >= sizeof(reason))
		rlen = sizeof(reason) - 1 - blen; /* the end of the reason is cut */
	memmove(reason + blen, reason, rlen);
	memcpy(reason, before, blen);
	reason[blen + rlen] = '\0';
	return err;
}

const char *qot_reason(void)
{
	return reason;
}

void qot_reason_clear(void)
{
	reason[0] = '\0';
}

const char *qot_reason_quote(const char *s, size_t len, char *buf, size_t size)
{
	size_t n = 0;

	if (size == 0)
		return "";
	for (size_t i = 0; i < len && i < 40 && n + 1 < size; i++)
		buf[n++] = s[i] >= ' ' && s[i] < 0x7f ? s[i] : '?';
	if (len > 40 && n + 4 < size) {
		memcpy(buf + n, "...", 3);
		n += 3;
	}
	buf[n] = '\0';
	return buf;
}
