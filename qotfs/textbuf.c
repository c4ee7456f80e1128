/* SPDX-License-Identifier: Apache-2.0 */
/* textbuf.c - growable text buffer. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "textbuf.h"

static int reserve(struct textbuf *tb, size_t extra)
{
	size_t cap = tb->cap ? tb->cap : 128;
	char *data;

	if (tb->len + extra < tb->cap)
		return 0;
	while (cap <= tb->len + extra)
		cap *= 2;
	data = realloc(tb->data, cap);
	if (data == NULL)
		return -ENOMEM;
	tb->data = data;
	tb->cap = cap;
	return 0;
}

int textbuf_printf(struct textbuf *tb, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || reserve(tb, (size_t)n) != 0)
		return -ENOMEM;
	va_start(ap, fmt);
	vsnprintf(tb->data + tb->len, tb->cap - tb->len, fmt, ap);
	va_end(ap);
	tb->len += (size_t)n;
	return 0;
}

char *textbuf_space(struct textbuf *tb, size_t n)
{
	return reserve(tb, n) == 0 ? tb->data + tb->len : NULL;
}

void textbuf_reset(struct textbuf *tb)
{
	tb->len = 0;
}

void textbuf_free(struct textbuf *tb)
{
	free(tb->data);
	tb->data = NULL;
	tb->len = tb->cap = 0;
}
