/* SPDX-License-Identifier: Apache-2.0 */
/* kvfile.c - KEY=VALUE lines for a benchmark runner. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>

#include "kvfile.h"

static FILE *kv_out;
static const char *kv_prefix = "";

int kvfile_open(const char *path, const char *prefix)
{
	kv_out = fopen(path, "a");
	if (kv_out == NULL)
		return -errno;
	kv_prefix = prefix;
	return 0;
}

void kvfile_put(const char *fmt, ...)
{
	va_list ap;

	if (kv_out == NULL)
		return;
	fputs(kv_prefix, kv_out);
	va_start(ap, fmt);
	vfprintf(kv_out, fmt, ap);
	va_end(ap);
	fputc('\n', kv_out);
}

void kvfile_close(void)
{
	if (kv_out)
		fclose(kv_out);
	kv_out = NULL;
}
