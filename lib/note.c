/* SPDX-License-Identifier: Apache-2.0 */
/* note.c - a timeline's note: checked, compared for news, rendered for sync. */
#include <errno.h>
#include <string.h>

#include "note.h"
#include "reason.h"

enum word_kind { WORD_PAIR, WORD_READING, WORD_FREE };

struct word {
	const char *p; /* the word, its mark included */
	size_t len;
	enum word_kind kind;
};

static bool blank(char c)
{
	return c == ' ' || c == '\t';
}

static bool key_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_' || c == '-' || c == '.';
}

/* KEY=VALUE: a key, '=', a value. */
static bool pair(const char *p, size_t len)
{
	size_t k = 0;

	while (k < len && key_char(p[k]))
		k++;
	return k > 0 && k + 1 < len && p[k] == '=';
}

/*
 * The next word from *i, or false at the end. Once a word is free text, so
 * is the rest (*in_free). Bytes are not checked here.
 */
static bool next_word(const char *s, size_t len, size_t *i, bool *in_free, struct word *w)
{
	size_t start, end;

	while (*i < len && blank(s[*i]))
		(*i)++;
	if (*i >= len)
		return false;
	start = *i;
	end = start;
	while (end < len && !blank(s[end]))
		end++;
	*i = end;
	w->p = s + start;
	w->len = end - start;
	if (!*in_free && pair(w->p, w->len))
		w->kind = WORD_PAIR;
	else if (!*in_free && w->p[0] == '~' && pair(w->p + 1, w->len - 1))
		w->kind = WORD_READING;
	else
		*in_free = true;
	if (*in_free)
		w->kind = WORD_FREE;
	return true;
}

int qot_note_check(const char *buf, size_t len)
{
	struct word w;
	size_t i = 0;
	bool in_free = false;

	if (len > 0 && buf[len - 1] == '\n')
		len--;
	for (size_t k = 0; k < len; k++) {
		if (!blank(buf[k]) && (buf[k] < '!' || buf[k] > '~'))
			return qot_refuse(-EINVAL, "byte %zu is %s: one line of printable ASCII", k,
					  buf[k] == '\n' ? "a second newline"
							 : "not printable ASCII");
	}
	if (len > QOT_NOTE_MAX)
		return qot_refuse(-EMSGSIZE, "%zu bytes: at most %d", len, QOT_NOTE_MAX);
	if (len == 0)
		return 0;
	if (!next_word(buf, len, &i, &in_free, &w))
		return qot_refuse(-EINVAL, "blanks alone: write an empty line to clear the note");
	if (w.kind == WORD_FREE) {
		char q[48];
		return qot_refuse(-EINVAL, "'%s': the first word must be KEY=VALUE",
				  qot_reason_quote(w.p, w.len, q, sizeof(q)));
	}
	return (int)len;
}

bool qot_note_same_news(const char *a, size_t alen, const char *b, size_t blen)
{
	size_t i = 0, j = 0;
	bool afree = false, bfree = false;

	for (;;) {
		struct word x, y;
		bool more_a = next_word(a, alen, &i, &afree, &x);
		bool more_b = next_word(b, blen, &j, &bfree, &y);

		if (more_a != more_b)
			return false;
		if (!more_a)
			return true;
		if (x.kind != y.kind)
			return false;
		if (x.kind == WORD_READING) {
			/* the same key: everything up to its '=' */
			size_t k = (size_t)((const char *)memchr(x.p, '=', x.len) - x.p);
			if (y.len <= k || memcmp(x.p, y.p, k + 1) != 0)
				return false;
		} else if (x.len != y.len || memcmp(x.p, y.p, x.len) != 0) {
			return false;
		}
	}
}

size_t qot_note_render(const char *note, size_t len, char *out, size_t size)
{
	size_t i = 0, o = 0, last = 0;
	bool in_free = false;
	struct word w;

	if (size == 0)
		return 0;
	while (next_word(note, len, &i, &in_free, &w)) {
		/* the blanks before the word as written, then the word without its mark */
		const char *p = w.kind == WORD_READING ? w.p + 1 : w.p;
		size_t gap = (size_t)(w.p - (note + last));
		size_t wl = w.kind == WORD_READING ? w.len - 1 : w.len;

		if (o + gap + wl >= size)
			break;
		memcpy(out + o, note + last, gap);
		o += gap;
		memcpy(out + o, p, wl);
		o += wl;
		last = i;
	}
	out[o] = '\0';
	return o;
}
