/* SPDX-License-Identifier: Apache-2.0 */
/* align.c - difference constraints to offsets with their uncertainty. */
#include <errno.h>
#include <stdlib.h>

#include "align.h"

static int64_t clamp(__int128 v)
{
	if (v >= INT64_MAX)
		return INT64_MAX;
	if (v <= INT64_MIN + 1)
		return INT64_MIN + 1; /* INT64_MIN is ALIGN_NONE */
	return (int64_t)v;
}

int align_init(struct align *a, size_t n)
{
	a->n = n;
	a->w = malloc(n * n * sizeof(*a->w));
	a->pairs = calloc(n * n, sizeof(*a->pairs));
	if (a->w == NULL || a->pairs == NULL) {
		align_free(a);
		return -ENOMEM;
	}
	for (size_t i = 0; i < n * n; i++)
		a->w[i] = ALIGN_NONE;
	return 0;
}

void align_free(struct align *a)
{
	free(a->w);
	free(a->pairs);
	a->w = NULL;
	a->pairs = NULL;
}

void align_pair(struct align *a, size_t x, int64_t pt_x, size_t y, int64_t pt_y)
{
	int64_t d = clamp((__int128)pt_x - pt_y);
	size_t i = x * a->n + y;

	if (x == y)
		return;
	if (d > a->w[i])
		a->w[i] = d;
	a->pairs[i]++;
}

int align_solve(const struct align *a, size_t driver, struct align_offset *out)
{
	size_t n = a->n;
	int64_t *l = malloc(n * n * sizeof(*l));

	if (l == NULL)
		return -ENOMEM;
	for (size_t i = 0; i < n * n; i++)
		l[i] = a->w[i];
	for (size_t i = 0; i < n; i++) {
		if (l[i * n + i] == ALIGN_NONE)
			l[i * n + i] = 0;
	}
	/* Longest paths; saturating so that a positive cycle cannot overflow. */
	for (size_t k = 0; k < n; k++) {
		for (size_t i = 0; i < n; i++) {
			int64_t ik = l[i * n + k];
			if (ik == ALIGN_NONE)
				continue;
			for (size_t j = 0; j < n; j++) {
				int64_t kj = l[k * n + j];
				if (kj == ALIGN_NONE)
					continue;
				int64_t via = clamp((__int128)ik + kj);
				if (via > l[i * n + j])
					l[i * n + j] = via;
			}
		}
	}
	for (size_t v = 0; v < n; v++) {
		struct align_offset *o = &out[v];
		int64_t lo = l[driver * n + v], back = l[v * n + driver];

		o->pairs = 0;
		for (size_t u = 0; u < n; u++)
			o->pairs += a->pairs[u * n + v] + a->pairs[v * n + u];
		o->lo = lo;
		o->hi = back == ALIGN_NONE ? ALIGN_NONE : clamp(-(__int128)back);
		o->conflict = l[v * n + v] > 0 ||
			      (o->lo != ALIGN_NONE && o->hi != ALIGN_NONE && o->lo > o->hi);
		if (v == driver && !o->conflict)
			o->offset = 0;
		else if (o->lo != ALIGN_NONE && o->hi != ALIGN_NONE)
			o->offset = clamp(((__int128)o->lo + o->hi) / 2);
		else if (o->lo != ALIGN_NONE)
			o->offset = o->lo; /* the least shift that leaves no pair reversed */
		else if (o->hi != ALIGN_NONE)
			o->offset = o->hi;
		else
			o->offset = 0; /* nothing links it to the driver */
	}
	free(l);
	return 0;
}
