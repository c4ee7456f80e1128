/* SPDX-License-Identifier: Apache-2.0 */
/* textbuf.h - a growable text buffer for the snapshots served by reads. */
#ifndef QOTFS_TEXTBUF_H
#define QOTFS_TEXTBUF_H

#include <stddef.h>

struct textbuf {
	char *data;
	size_t len, cap;
};

/* Appends formatted text; 0 or -ENOMEM (then the buffer is unchanged). */
int textbuf_printf(struct textbuf *tb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Room for n more bytes at tb->data + tb->len; NULL if out of memory. */
char *textbuf_space(struct textbuf *tb, size_t n);
void textbuf_reset(struct textbuf *tb);
void textbuf_free(struct textbuf *tb);

#endif /* QOTFS_TEXTBUF_H */
