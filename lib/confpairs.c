/* SPDX-License-Identifier: Apache-2.0 */
/* confpairs.c - the KEY VALUE pairs that end a configuration line, and its refusal. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "confpairs.h"

int qot_conf_fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

int qot_confpairs(const char *what, char *const *w, int n, const char *const *names, int count,
		  unsigned *given, qot_confpairs_set set, void *ctx, char *err, size_t errlen)
{
	for (int i = 0; i + 1 < n; i += 2) {
		int k = 0;
		int res;

		while (k < count && strcmp(w[i], names[k]) != 0)
			k++;
		if (k == count)
			return qot_conf_fail(err, errlen, "%s: unknown key '%s'", what, w[i]);
		if (*given & 1u << k)
			return qot_conf_fail(err, errlen, "%s %s: given twice", what, w[i]);
		res = set(ctx, k, w[i + 1], err, errlen);
		if (res)
			return res;
		*given |= 1u << k;
	}
	return 0;
}
