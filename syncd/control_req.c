/* SPDX-License-Identifier: Apache-2.0 */
/* control_req.c - the requirement from the cluster and requirements files. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "control_req.h"

/* The value of key= among the words of text[0..len), or NULL. */
static const char *word(const char *text, size_t len, const char *key, size_t *vlen)
{
	size_t klen = strlen(key), i = 0;

	while (i < len) {
		size_t start, end;

		while (i < len && (text[i] == ' ' || text[i] == '\t' || text[i] == '\n'))
			i++;
		start = i;
		while (i < len && text[i] != ' ' && text[i] != '\t' && text[i] != '\n')
			i++;
		end = i;
		if (end - start > klen && memcmp(text + start, key, klen) == 0 &&
		    text[start + klen] == '=') {
			*vlen = end - start - klen - 1;
			return text + start + klen + 1;
		}
	}
	return NULL;
}

static int cluster_req(const char *text, size_t len, struct qot_req *out, bool *counted)
{
	const char *state, *acc, *res;
	size_t slen, alen = 0, rlen = 0;
	char line[160];
	int n;

	state = word(text, len, "state", &slen);
	if (state == NULL)
		return -EINVAL;
	if (slen == 4 && memcmp(state, "none", 4) == 0) {
		*counted = false;
		return 0;
	}
	if (!(slen == 7 && memcmp(state, "current", 7) == 0) &&
	    !(slen == 5 && memcmp(state, "stale", 5) == 0))
		return -EINVAL;
	acc = word(text, len, "accuracy", &alen);
	res = word(text, len, "resolution", &rlen);
	if (acc == NULL || res == NULL)
		return -EINVAL;
	n = snprintf(line, sizeof(line), "accuracy=%.*s resolution=%.*s", (int)alen, acc, (int)rlen,
		     res);
	if (n < 0 || (size_t)n >= sizeof(line) || qot_reqline_parse(line, (size_t)n, out) != 0)
		return -EINVAL;
	*counted = true;
	return 0;
}

int control_req_choose(const char *cluster, size_t clen, const char *requirements, size_t rlen,
		       struct qot_req *out, bool *coordinated)
{
	struct qot_req local, wide;
	bool counted = false;

	if (qot_reqline_parse(requirements, rlen, &local) != 0)
		return -EINVAL;
	if (cluster != NULL && cluster_req(cluster, clen, &wide, &counted) != 0)
		return -EINVAL;
	if (counted)
		qot_req_tighten(&local, &wide);
	*out = local;
	*coordinated = counted;
	return 0;
}
