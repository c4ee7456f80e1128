/* SPDX-License-Identifier: Apache-2.0 */
/* jsonw.c - a small JSON writer. */
#include <inttypes.h>
#include <stdlib.h>

#include "jsonw.h"

#define JSONW_DEPTH_MAX 16

struct jsonw {
	FILE *f;
	int depth;
	bool first[JSONW_DEPTH_MAX]; /* nothing written yet at this level */
};

jsonw *jsonw_new(FILE *f)
{
	jsonw *w = calloc(1, sizeof(*w));

	if (w == NULL)
		return NULL;
	w->f = f;
	w->first[0] = true;
	return w;
}

void jsonw_free(jsonw *w)
{
	if (w == NULL)
		return;
	fputc('\n', w->f);
	free(w);
}

void jsonw_quote(FILE *f, const char *s)
{
	fputc('"', f);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		switch (*p) {
		case '"':
			fputs("\\\"", f);
			break;
		case '\\':
			fputs("\\\\", f);
			break;
		case '\n':
			fputs("\\n", f);
			break;
		case '\t':
			fputs("\\t", f);
			break;
		case '\r':
			fputs("\\r", f);
			break;
		default:
			if (*p < 0x20)
				fprintf(f, "\\u%04x", *p);
			else
				fputc(*p, f);
		}
	}
	fputc('"', f);
}

/* The separator and the key before a value. */
static void lead(jsonw *w, const char *key)
{
	if (!w->first[w->depth])
		fputc(',', w->f);
	w->first[w->depth] = false;
	if (key != NULL) {
		jsonw_quote(w->f, key);
		fputc(':', w->f);
	}
}

static void open_level(jsonw *w, const char *key, char c)
{
	lead(w, key);
	fputc(c, w->f);
	if (w->depth + 1 < JSONW_DEPTH_MAX)
		w->depth++;
	w->first[w->depth] = true;
}

static void close_level(jsonw *w, char c)
{
	fputc(c, w->f);
	if (w->depth > 0)
		w->depth--;
}

void jsonw_obj_begin(jsonw *w, const char *key)
{
	open_level(w, key, '{');
}

void jsonw_obj_end(jsonw *w)
{
	close_level(w, '}');
}

void jsonw_arr_begin(jsonw *w, const char *key)
{
	open_level(w, key, '[');
}

void jsonw_arr_end(jsonw *w)
{
	close_level(w, ']');
}

void jsonw_str(jsonw *w, const char *key, const char *s)
{
	lead(w, key);
	jsonw_quote(w->f, s);
}

void jsonw_i64(jsonw *w, const char *key, int64_t v)
{
	lead(w, key);
	fprintf(w->f, "%" PRId64, v);
}

void jsonw_u64(jsonw *w, const char *key, uint64_t v)
{
	lead(w, key);
	fprintf(w->f, "%" PRIu64, v);
}

void jsonw_bool(jsonw *w, const char *key, bool v)
{
	lead(w, key);
	fputs(v ? "true" : "false", w->f);
}

void jsonw_null(jsonw *w, const char *key)
{
	lead(w, key);
	fputs("null", w->f);
}

void jsonw_bound(jsonw *w, const char *key, uint64_t v)
{
	if (v == UINT64_MAX)
		jsonw_null(w, key);
	else
		jsonw_u64(w, key, v);
}

void jsonw_name(jsonw *w, const char *key, const char *s)
{
	if (s[0] == '\0')
		jsonw_null(w, key);
	else
		jsonw_str(w, key, s);
}

void jsonw_fixed(jsonw *w, const char *key, int64_t v, unsigned decimals)
{
	uint64_t scale = 1, mag = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;

	for (unsigned i = 0; i < decimals; i++)
		scale *= 10;
	lead(w, key);
	if (decimals == 0)
		fprintf(w->f, "%s%" PRIu64, v < 0 ? "-" : "", mag);
	else
		fprintf(w->f, "%s%" PRIu64 ".%0*" PRIu64, v < 0 ? "-" : "", mag / scale,
			(int)decimals, mag % scale);
}
