/* SPDX-License-Identifier: Apache-2.0 */
/* members.c - the membership, lease and .active lines: parsed and formatted. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kvline.h"
#include "members.h"
#include "qot.h"
#include "reason.h"

static int copy_name(struct qot_slice s, char out[QOT_NAME_MAX + 1])
{
	if (!qot_name_valid(s.ptr, s.len))
		return qot_name_refuse(s.ptr, s.len);
	memcpy(out, s.ptr, s.len);
	out[s.len] = '\0';
	return 0;
}

int qot_peeraddr_parse(const char *text, size_t len, char host[46], unsigned *port)
{
	unsigned char buf[sizeof(struct in6_addr)];
	const char *colon, *h = text;
	size_t hlen;
	uint64_t p;
	bool v6 = len > 0 && text[0] == '[';
	char tmp[46];

	colon = len ? memrchr(text, ':', len) : NULL;
	if (colon == NULL)
		return -EINVAL;
	hlen = (size_t)(colon - text);
	if (v6) {
		if (hlen < 2 || text[hlen - 1] != ']')
			return -EINVAL;
		h = text + 1;
		hlen -= 2;
	}
	if (hlen == 0 || hlen >= sizeof(tmp))
		return -EINVAL;
	memcpy(tmp, h, hlen);
	tmp[hlen] = '\0';
	if (inet_pton(v6 ? AF_INET6 : AF_INET, tmp, buf) != 1)
		return -EINVAL;
	if (qot_parse_u64((struct qot_slice){colon + 1, len - hlen - (v6 ? 3 : 1)}, &p) != 0 ||
	    p < 1 || p > 65535)
		return -EINVAL;
	memcpy(host, tmp, hlen + 1);
	*port = (unsigned)p;
	return 0;
}

/* One "node=NODE [accuracy=..] [resolution=..] [peer=..] [rank=..]" line. */
static int parse_member(const char *line, size_t len, struct qot_member *m)
{
	static const char *const keys[] = {"node", "accuracy", "resolution", "peer", "rank"};
	struct qot_slice vals[5];
	const char *rest, *first, *p, *end = line + len;
	char *req, host[46];
	size_t rlen = 0;
	unsigned port;
	uint64_t rank;
	int n = qot_kv_parse(line, len, keys, 5, vals);

	if (n < 0)
		return n;
	if (vals[0].ptr == NULL)
		return qot_refuse(-EINVAL, "node= is missing: a member line is node=NAME "
					   "[accuracy=...] [resolution=...] [peer=HOST:PORT] "
					   "[rank=N]");
	if (copy_name(vals[0], m->node))
		return -EINVAL;
	first = line; /* the first word: blanks may come before it, as on any line */
	while (*first == ' ' || *first == '\t')
		first++;
	if (vals[0].ptr - 5 != first)
		return qot_refuse(-EINVAL, "node= must come first");
	m->peer[0] = '\0';
	m->candidate = false;
	m->rank = 0;
	if (vals[3].ptr) {
		if (vals[3].len >= sizeof(m->peer) ||
		    qot_peeraddr_parse(vals[3].ptr, vals[3].len, host, &port) != 0)
			return qot_refuse(-EINVAL,
					  "peer= must be a numeric IPv4 HOST:PORT or [IPv6]:PORT, "
					  "PORT 1 to 65535");
		memcpy(m->peer, vals[3].ptr, vals[3].len);
		m->peer[vals[3].len] = '\0';
	}
	if (vals[4].ptr) {
		if (qot_parse_u64(vals[4], &rank) != 0 || rank >= QOT_MEMBERS_MAX)
			return qot_refuse(-EINVAL, "rank= must be an integer from 0 to %d",
					  QOT_MEMBERS_MAX - 1);
		m->candidate = true;
		m->rank = (unsigned)rank;
	}
	/* The requirement is the rest of the line after the node word, without
	 * the peer and rank words (qot_kv_parse checked every word's form). */
	rest = vals[0].ptr + vals[0].len;
	req = malloc(len + 1);
	if (req == NULL)
		return -ENOMEM;
	for (p = rest; p < end;) {
		const char *w = p, *we;

		while (w < end && (*w == ' ' || *w == '\t'))
			w++;
		we = w;
		while (we < end && *we != ' ' && *we != '\t' && *we != '\n')
			we++;
		if (we > w && strncmp(w, "peer=", 5) != 0 && strncmp(w, "rank=", 5) != 0) {
			req[rlen++] = ' ';
			memcpy(req + rlen, w, (size_t)(we - w));
			rlen += (size_t)(we - w);
		}
		p = we > w ? we : end;
	}
	n = rlen == 0 ? 0 : qot_reqline_parse(req, rlen, &m->req);
	if (rlen == 0)
		m->req = qot_req_none;
	free(req);
	return n;
}

static int parse_leader(const char *line, size_t len, char leader[QOT_NAME_MAX + 1])
{
	static const char *const keys[] = {"leader"};
	struct qot_slice v;
	int n = qot_kv_parse(line, len, keys, 1, &v);

	if (n < 0)
		return n;
	if (n != 1)
		return qot_refuse(-EINVAL, "the first line must be leader=NAME or leader=none");
	if (qot_slice_is(v, "none")) {
		leader[0] = '\0';
		return 0;
	}
	return copy_name(v, leader);
}

static int member_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Every node once, and the leader among them. */
static int check_members(const struct qot_membership *m)
{
	const char **names;
	int err = 0;
	bool leader_found = m->leader[0] == '\0';

	if (m->n == 0)
		return leader_found
			       ? 0
			       : qot_refuse(-EINVAL, "the leader %s is not a member", m->leader);
	names = malloc(m->n * sizeof(*names));
	if (names == NULL)
		return -ENOMEM;
	for (size_t i = 0; i < m->n; i++) {
		names[i] = m->members[i].node;
		if (strcmp(names[i], m->leader) == 0)
			leader_found = true;
	}
	qsort(names, m->n, sizeof(*names), member_cmp);
	for (size_t i = 1; i < m->n && err == 0; i++) {
		if (strcmp(names[i - 1], names[i]) == 0)
			err = qot_refuse(-EINVAL, "the node %s is listed twice", names[i]);
	}
	free(names);
	for (size_t i = 0; i < m->n && err == 0; i++) {
		for (size_t j = 0; j < i && m->members[i].candidate && err == 0; j++)
			if (m->members[j].candidate && m->members[j].rank == m->members[i].rank)
				err = qot_refuse(-EINVAL, "the rank %u is given twice (%s and %s)",
						 m->members[i].rank, m->members[j].node,
						 m->members[i].node);
	}
	return err	      ? err
	       : leader_found ? 0
			      : qot_refuse(-EINVAL, "the leader %s is not a member", m->leader);
}

int qot_membership_parse(const char *buf, size_t len, struct qot_membership *out)
{
	struct qot_membership m = {{0}, 0, NULL};
	const char *p = buf, *end = buf + len;
	size_t cap = 0;
	bool first = true;
	int err = 0;

	if (len == 0 || buf[len - 1] != '\n') /* whole lines only: a cut text is refused */
		return qot_refuse(-EINVAL,
				  "the text must end with a newline (whole lines, in one write)");
	while (p < end && err == 0) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t llen = (size_t)(nl - p);

		if (first) {
			err = parse_leader(p, llen, m.leader);
			first = false;
		} else if (m.n == QOT_MEMBERS_MAX) {
			err = qot_refuse(-E2BIG, "more than %d members", QOT_MEMBERS_MAX);
		} else {
			if (m.n == cap) {
				size_t ncap = cap ? cap * 2 : 8;
				struct qot_member *nm = realloc(m.members, ncap * sizeof(*nm));
				if (nm == NULL) {
					err = -ENOMEM;
					break;
				}
				m.members = nm;
				cap = ncap;
			}
			err = parse_member(p, llen, &m.members[m.n]);
			if (err == 0)
				m.n++;
			else
				qot_refuse_prefix(err, "line %zu: ", m.n + 2);
		}
		p = nl + 1;
	}
	if (err == 0)
		err = check_members(&m);
	if (err) {
		free(m.members);
		return err;
	}
	*out = m;
	return 0;
}

void qot_membership_free(struct qot_membership *m)
{
	free(m->members);
	m->members = NULL;
	m->n = 0;
	m->leader[0] = '\0';
}

char *qot_membership_format(const struct qot_membership *m, size_t *len)
{
	size_t cap = 32 + m->n * (QOT_NAME_MAX + QOT_REQ_TEXT_MAX + QOT_PEER_ADDR_MAX + 32),
	       used = 0;
	char *text = malloc(cap), req[QOT_REQ_TEXT_MAX];
	bool known = false;

	if (text == NULL)
		return NULL;
	for (size_t i = 0; i < m->n; i++)
		known = known || strcmp(m->members[i].node, m->leader) == 0;
	used += (size_t)snprintf(text, cap, "leader=%s\n", known ? m->leader : "none");
	for (size_t i = 0; i < m->n; i++) {
		qot_req_format(&m->members[i].req, req, sizeof(req));
		used += (size_t)snprintf(text + used, cap - used, "node=%s %s", m->members[i].node,
					 req);
		if (m->members[i].peer[0])
			used += (size_t)snprintf(text + used, cap - used, " peer=%s",
						 m->members[i].peer);
		if (m->members[i].candidate)
			used += (size_t)snprintf(text + used, cap - used, " rank=%u",
						 m->members[i].rank);
		used += (size_t)snprintf(text + used, cap - used, "\n");
	}
	*len = used;
	return text;
}

void qot_membership_tightest(const struct qot_membership *m, struct qot_req *out)
{
	*out = qot_req_none;
	for (size_t i = 0; i < m->n; i++)
		qot_req_tighten(out, &m->members[i].req);
}

int qot_leaseline_parse(const char *buf, size_t len, char node[QOT_NAME_MAX + 1], int64_t *until_ns)
{
	static const char *const keys[] = {"node", "until"};
	struct qot_slice vals[2];
	char name[QOT_NAME_MAX + 1];
	int64_t until;
	int n = qot_kv_parse(buf, len, keys, 2, vals);
	int err;

	if (n < 0)
		return n;
	if (n != 2)
		return qot_refuse(-EINVAL, "expected node=NAME until=NANOSECONDS");
	if (copy_name(vals[0], name))
		return -EINVAL;
	err = qot_parse_i64(vals[1], &until);
	if (err)
		return qot_refuse_prefix(err, "until: ");
	if (until < 0)
		return qot_refuse(-EINVAL, "until: must not be negative");
	memcpy(node, name, sizeof(name));
	*until_ns = until;
	return 0;
}

int qot_leaseline_format(const char *node, int64_t until_ns, char *buf, size_t size)
{
	return snprintf(buf, size, "node=%s until=%lld\n", node, (long long)until_ns);
}

int qot_activeline_parse(const char *line, size_t len, char name[QOT_NAME_MAX + 1],
			 struct qot_req *req)
{
	const char *sp = memchr(line, ' ', len);
	struct qot_req r;

	if (sp == NULL || !qot_name_valid(line, (size_t)(sp - line)))
		return -EINVAL;
	if (qot_reqline_parse(sp + 1, len - (size_t)(sp + 1 - line), &r) != 0)
		return -EINVAL;
	memcpy(name, line, (size_t)(sp - line));
	name[sp - line] = '\0';
	*req = r;
	return 0;
}

int qot_activeline_format(const char *name, const struct qot_req *req, char *buf, size_t size)
{
	char text[QOT_REQ_TEXT_MAX];

	qot_req_format(req, text, sizeof(text));
	return snprintf(buf, size, "%s %s\n", name, text);
}
