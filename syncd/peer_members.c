/* SPDX-License-Identifier: Apache-2.0 */
/* peer_members.c - the election order with addresses, from qotfs's members and cluster. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kvline.h"
#include "members.h"
#include "peer_members.h"

/* The value of key= among the blank-separated words of line[0..len), or NULL. */
static const char *word(const char *line, size_t len, const char *key, size_t *vlen)
{
	size_t klen = strlen(key);

	for (size_t i = 0; i < len;) {
		size_t end = i;

		while (end < len && line[end] != ' ' && line[end] != '\t')
			end++;
		if (end - i > klen && memcmp(line + i, key, klen) == 0 && line[i + klen] == '=') {
			*vlen = end - i - klen - 1;
			return line + i + klen + 1;
		}
		i = end + 1;
	}
	return NULL;
}

static bool to_sockaddr(const char *text, size_t len, struct peer_addr *a)
{
	char host[46];
	unsigned port;

	if (qot_peeraddr_parse(text, len, host, &port) != 0)
		return false;
	memset(&a->addr, 0, sizeof(a->addr));
	if (strchr(host, ':')) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&a->addr;
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((uint16_t)port);
		if (inet_pton(AF_INET6, host, &s6->sin6_addr) != 1)
			return false;
		a->len = sizeof(*s6);
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&a->addr;
		s4->sin_family = AF_INET;
		s4->sin_port = htons((uint16_t)port);
		if (inet_pton(AF_INET, host, &s4->sin_addr) != 1)
			return false;
		a->len = sizeof(*s4);
	}
	return true;
}

struct ranked {
	unsigned rank;
	struct peer_addr a;
};

static int by_rank(const void *x, const void *y)
{
	const struct ranked *a = x, *b = y;

	return a->rank < b->rank ? -1 : a->rank > b->rank;
}

void peer_members_read(const char *members, size_t mlen, const char *cluster, size_t clen,
		       struct peer_members *out)
{
	struct ranked r[PEER_UPSTREAM_MAX];
	const char *v, *nl;
	size_t vlen, n = 0, llen;

	memset(out, 0, sizeof(*out));
	out->stale = true;
	nl = memchr(cluster, '\n', clen);
	llen = nl ? (size_t)(nl - cluster) : clen;
	if ((v = word(cluster, llen, "state", &vlen)) != NULL)
		out->stale = !(vlen == 7 && memcmp(v, "current", 7) == 0);
	if ((v = word(cluster, llen, "node", &vlen)) != NULL && qot_name_valid(v, vlen) &&
	    !(vlen == 4 && memcmp(v, "none", 4) == 0)) {
		memcpy(out->self, v, vlen);
		out->self[vlen] = '\0';
	}
	for (const char *p = members, *end = members + mlen; p < end; p = nl ? nl + 1 : end) {
		const char *rank_text;
		size_t rlen;
		uint64_t rank;
		struct ranked *c = &r[n];

		nl = memchr(p, '\n', (size_t)(end - p));
		llen = nl ? (size_t)(nl - p) : (size_t)(end - p);
		if (llen == 0)
			continue;
		rank_text = word(p, llen, "rank", &rlen);
		if (rank_text == NULL)
			continue; /* not a candidate */
		v = word(p, llen, "node", &vlen);
		memset(c, 0, sizeof(*c));
		if (n == PEER_UPSTREAM_MAX || v == NULL || !qot_name_valid(v, vlen) ||
		    qot_parse_u64((struct qot_slice){rank_text, rlen}, &rank) != 0 ||
		    rank >= QOT_MEMBERS_MAX) {
			out->unreadable++;
			continue;
		}
		memcpy(c->a.node, v, vlen);
		c->a.node[vlen] = '\0';
		c->rank = (unsigned)rank;
		/* No address: still in the order (it is a candidate), never reached. */
		v = word(p, llen, "peer", &vlen);
		if (v && !to_sockaddr(v, vlen, &c->a)) {
			out->unreadable++;
			c->a.len = 0;
		}
		n++;
	}
	qsort(r, n, sizeof(r[0]), by_rank);
	for (size_t i = 0; i < n; i++) {
		if (i > 0 && r[i].rank == r[i - 1].rank) {
			out->unreadable++; /* qotfs refuses this: a broken text */
			continue;
		}
		out->order[out->n++] = r[i].a;
	}
}

bool peer_members_equal(const struct peer_members *a, const struct peer_members *b)
{
	if (a->n != b->n || a->stale != b->stale || strcmp(a->self, b->self) != 0)
		return false;
	for (size_t i = 0; i < a->n; i++) {
		if (strcmp(a->order[i].node, b->order[i].node) != 0 ||
		    a->order[i].len != b->order[i].len ||
		    memcmp(&a->order[i].addr, &b->order[i].addr, a->order[i].len) != 0)
			return false;
	}
	return true;
}
