/* SPDX-License-Identifier: Apache-2.0 */
/*
 * timefmt.c - the one-line text form of a time with its uncertainty.
 * Formatted by hand: it is on the path of every read of "now".
 */
#include <string.h>

#include "qot.h"
#include "timefmt.h"

#define NS_PER_S 1000000000ull

/* Decimal digits of v at p, most significant first; returns the end. */
static char *put_u64(char *p, uint64_t v)
{
	char tmp[20];
	int n = 0;

	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (n)
		*p++ = tmp[--n];
	return p;
}

/* "S.NNNNNNNNN" for ns nanoseconds. */
static char *put_seconds(char *p, uint64_t ns)
{
	uint64_t frac = ns % NS_PER_S;

	p = put_u64(p, ns / NS_PER_S);
	*p++ = '.';
	for (int i = 8; i >= 0; i--) {
		p[i] = (char)('0' + frac % 10);
		frac /= 10;
	}
	return p + 9;
}

static size_t finish(const char *line, const char *end, char *buf, size_t size)
{
	size_t len = (size_t)(end - line);

	if (len >= size)
		return 0;
	memcpy(buf, line, len);
	buf[len] = '\0';
	return len;
}

size_t qot_fmt_useconds(uint64_t ns, char *buf, size_t size)
{
	char line[32];
	return finish(line, put_seconds(line, ns), buf, size);
}

size_t qot_fmt_seconds(int64_t ns, char *buf, size_t size)
{
	char line[32], *p = line;

	if (ns < 0)
		*p++ = '-';
	return finish(line, put_seconds(p, ns < 0 ? 0 - (uint64_t)ns : (uint64_t)ns), buf, size);
}

size_t qot_time_format(const struct qot_time *t, char *buf, size_t size)
{
	char line[QOT_TIME_TEXT_MAX], *p = line;
	const char *status = qot_status_name(t->status);
	size_t len;

	if (status == NULL)
		status = "unknown";
	if (t->estimate < 0)
		*p++ = '-';
	p = put_seconds(p, t->estimate < 0 ? 0 - (uint64_t)t->estimate : (uint64_t)t->estimate);
	*p++ = ' ';
	p = put_seconds(p, t->below);
	*p++ = ' ';
	p = put_seconds(p, t->above);
	*p++ = ' ';
	len = strlen(status);
	memcpy(p, status, len);
	p += len;
	*p++ = '\n';
	return finish(line, p, buf, size);
}
