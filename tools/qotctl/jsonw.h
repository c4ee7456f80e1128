/* SPDX-License-Identifier: Apache-2.0 */
/*
 * jsonw.h - a small JSON writer: compact output on one line, strings
 * escaped (RFC 8259), commas and nesting kept track of. Inside an object
 * every value takes a key; inside an array key is NULL.
 */
#ifndef QOTCTL_JSONW_H
#define QOTCTL_JSONW_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

typedef struct jsonw jsonw;

/* A writer on f; NULL if out of memory. */
jsonw *jsonw_new(FILE *f);
/* Ends the line (after the outermost value) and frees the writer. */
void jsonw_free(jsonw *w);

void jsonw_obj_begin(jsonw *w, const char *key);
void jsonw_obj_end(jsonw *w);
void jsonw_arr_begin(jsonw *w, const char *key);
void jsonw_arr_end(jsonw *w);

void jsonw_str(jsonw *w, const char *key, const char *s);
void jsonw_i64(jsonw *w, const char *key, int64_t v);
void jsonw_u64(jsonw *w, const char *key, uint64_t v);
void jsonw_bool(jsonw *w, const char *key, bool v);
void jsonw_null(jsonw *w, const char *key);
/* v, or null if v is QOT_UNBOUNDED (2^64 - 1). */
void jsonw_bound(jsonw *w, const char *key, uint64_t v);
/* s, or null if s is empty. */
void jsonw_name(jsonw *w, const char *key, const char *s);
/* A fixed-point number v / 10^decimals, written exactly. */
void jsonw_fixed(jsonw *w, const char *key, int64_t v, unsigned decimals);

/* The JSON text of s, quoted and escaped, to f. */
void jsonw_quote(FILE *f, const char *s);

#endif /* QOTCTL_JSONW_H */
