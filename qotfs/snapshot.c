/* SPDX-License-Identifier: Apache-2.0 */
/* snapshot.c - refcounted immutable text. */
#include <stdlib.h>
#include <string.h>

#include "snapshot.h"

struct snapshot *snapshot_new(const char *data, size_t len, uint64_t gen)
{
	struct snapshot *s = malloc(sizeof(*s) + len);

	if (s == NULL)
		return NULL;
	s->refs = 1;
	s->gen = gen;
	s->len = len;
	if (len)
		memcpy(s->data, data, len);
	return s;
}

struct snapshot *snapshot_get(struct snapshot *s)
{
	s->refs++;
	return s;
}

void snapshot_put(struct snapshot *s)
{
	if (s != NULL && --s->refs == 0)
		free(s);
}
