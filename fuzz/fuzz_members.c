/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_members.c - the privileged texts coordd writes: a timeline's
 * membership (qot_membership_parse) and the coordination lease
 * "node=N until=NS" (qot_leaseline_parse), against their grammar in qot(7)
 * read again here and in ref.h: the same bytes are accepted with the same
 * members, leader, requirements and tightest requirement, or refused with an
 * errno one of their faults gives, outputs untouched. An accepted
 * membership also rebuilds to a text that parses to it.
 */
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "fuzz.h"
#include "members.h"
#include "ref.h"

static int same_req(const struct qot_req *a, const struct qot_req *b)
{
	return a->acc_below == b->acc_below && a->acc_above == b->acc_above &&
	       a->resolution == b->resolution;
}

/* The membership as text again: "leader=..", then one line per member. */
static char *format(const struct qot_membership *m, size_t *len)
{
	size_t cap = 32 + m->n * (QOT_NAME_MAX + QOT_REQ_TEXT_MAX + QOT_PEER_ADDR_MAX + 32), n;
	char *text = malloc(cap);

	FUZZ_CHECK(text != NULL);
	n = (size_t)snprintf(text, cap, "leader=%s\n", m->leader[0] ? m->leader : "none");
	for (size_t i = 0; i < m->n; i++) {
		char req[QOT_REQ_TEXT_MAX];
		qot_req_format(&m->members[i].req, req, sizeof(req));
		n += (size_t)snprintf(text + n, cap - n, "node=%s %s", m->members[i].node, req);
		if (m->members[i].peer[0])
			n += (size_t)snprintf(text + n, cap - n, " peer=%s", m->members[i].peer);
		if (m->members[i].candidate)
			n += (size_t)snprintf(text + n, cap - n, " rank=%u", m->members[i].rank);
		n += (size_t)snprintf(text + n, cap - n, "\n");
	}
	FUZZ_CHECK(n < cap);
	*len = n;
	return text;
}

static void check_membership(const struct qot_membership *m)
{
	struct qot_membership again = {{0}, 0, NULL};
	int leader_found = m->leader[0] == '\0';
	size_t len;
	char *text;

	FUZZ_CHECK(m->n <= QOT_MEMBERS_MAX && (m->n == 0 || m->members != NULL));
	FUZZ_CHECK(strnlen(m->leader, sizeof(m->leader)) < sizeof(m->leader));
	for (size_t i = 0; i < m->n; i++) {
		const char *node = m->members[i].node;
		FUZZ_CHECK(qot_name_valid(node, strnlen(node, QOT_NAME_MAX + 1)));
		if (strcmp(node, m->leader) == 0)
			leader_found = 1;
		for (size_t j = 0; j < i; j++)
			FUZZ_CHECK(strcmp(m->members[j].node, node) != 0);
	}
	FUZZ_CHECK(leader_found);
	text = format(m, &len);
	FUZZ_CHECK(qot_membership_parse(text, len, &again) == 0);
	FUZZ_CHECK(again.n == m->n && strcmp(again.leader, m->leader) == 0);
	for (size_t i = 0; i < m->n; i++) {
		FUZZ_CHECK(strcmp(again.members[i].node, m->members[i].node) == 0);
		FUZZ_CHECK(same_req(&again.members[i].req, &m->members[i].req));
		FUZZ_CHECK(strcmp(again.members[i].peer, m->members[i].peer) == 0);
		FUZZ_CHECK(again.members[i].candidate == m->members[i].candidate &&
			   again.members[i].rank == m->members[i].rank);
	}
	qot_membership_free(&again);
	free(text);
}

struct ref_member {
	struct ref_val node;
	struct ref_req req;
	struct ref_val peer; /* absent: none */
	bool candidate;
	uint64_t rank;
};

/*
 * members (qot(7)): whole lines, each ended by a newline; the first
 * "leader=NODE|none", then one member per line, "node=NODE" first, then an
 * optional requirement; at most 1024 members, none twice, the leader one of
 * them. Its faults; else the leader (absent for none) and n members in *out.
 */
static unsigned ref_membership(const char *buf, size_t size, struct ref_val *leader,
			       struct ref_member **out, size_t *n)
{
	static const char *const leader_key[] = {"leader"};
	static const char *const member_keys[] = {"node", "accuracy", "resolution", "peer", "rank"};
	struct ref_member *m = calloc(size / 2 + 1, sizeof(*m)); /* a line is 2 bytes or more */
	unsigned f = 0;
	size_t lines = 0, count = 0;
	bool leader_found;

	FUZZ_CHECK(m != NULL);
	*out = m;
	*n = 0;
	if (size == 0 || buf[size - 1] != '\n') /* a cut text */
		return REF_INVAL;
	for (size_t start = 0; start < size; lines++) {
		size_t end = start;
		struct ref_val v[5];

		while (buf[end] != '\n')
			end++;
		if (lines == 0) {
			if (!ref_words(buf + start, end - start, leader_key, 1, v))
				f |= REF_INVAL;
			else if (ref_is(v[0], "none"))
				*leader = (struct ref_val){NULL, 0};
			else if (!ref_name(v[0]))
				f |= REF_INVAL;
			else
				*leader = v[0];
		} else if (!ref_words(buf + start, end - start, member_keys, 5, v)) {
			f |= REF_INVAL;
		} else {
			size_t first = start;
			while (buf[first] == ' ' || buf[first] == '\t')
				first++;
			/* node= is the first word: its value starts 5 bytes into it */
			if (v[0].p != buf + first + 5 || !ref_name(v[0]))
				f |= REF_INVAL;
			f |= ref_req(v[1], v[2], &m[count].req);
			/* peer: an address; rank: a place in the order, below 1024 */
			if (v[3].p && !ref_peeraddr(v[3]))
				f |= REF_INVAL;
			m[count].peer = v[3];
			m[count].candidate = v[4].p != NULL;
			if (v[4].p && (ref_u64(v[4], &m[count].rank) != 0 || m[count].rank >= 1024))
				f |= REF_INVAL;
			m[count++].node = v[0];
		}
		start = end + 1;
	}
	if (lines - 1 > 1024) /* member lines, well formed or not */
		f |= REF_2BIG;
	if (f)
		return f;
	leader_found = leader->p == NULL;
	for (size_t i = 0; i < count; i++) {
		for (size_t j = 0; j < i; j++)
			if (m[j].node.n == m[i].node.n &&
			    memcmp(m[j].node.p, m[i].node.p, m[i].node.n) == 0)
				return REF_INVAL; /* twice */
		for (size_t j = 0; j < i; j++)
			if (m[i].candidate && m[j].candidate && m[i].rank == m[j].rank)
				return REF_INVAL; /* one place, one candidate */
		if (leader->p && m[i].node.n == leader->n &&
		    memcmp(m[i].node.p, leader->p, leader->n) == 0)
			leader_found = true;
	}
	*n = count;
	return leader_found ? 0 : REF_INVAL;
}

static bool same_name(const char *s, struct ref_val v)
{
	return v.p == NULL ? s[0] == '\0' : strlen(s) == v.n && memcmp(s, v.p, v.n) == 0;
}

static void check_memberships(const char *buf, size_t size)
{
	struct qot_membership m, poison;
	struct ref_val leader = {NULL, 0};
	struct ref_member *want;
	size_t n;
	unsigned faults = ref_membership(buf, size, &leader, &want, &n);
	int err;

	memset(&m, FUZZ_POISON, sizeof(m));
	poison = m;
	err = qot_membership_parse(buf, size, &m);
	if (faults) {
		FUZZ_CHECK(ref_allows(faults, err));
		FUZZ_CHECK(memcmp(&m, &poison, sizeof(m)) == 0);
	} else {
		struct qot_req tightest;
		struct ref_req min = {REF_NONE, REF_NONE, REF_NONE};

		FUZZ_CHECK(err == 0 && m.n == n && same_name(m.leader, leader));
		for (size_t i = 0; i < n; i++) {
			FUZZ_CHECK(same_name(m.members[i].node, want[i].node));
			FUZZ_CHECK(ref_same_req(&want[i].req, &m.members[i].req));
			FUZZ_CHECK(want[i].peer.p ? same_name(m.members[i].peer, want[i].peer)
						  : m.members[i].peer[0] == '\0');
			FUZZ_CHECK(m.members[i].candidate == want[i].candidate &&
				   (!want[i].candidate || m.members[i].rank == want[i].rank));
			min.below = want[i].req.below < min.below ? want[i].req.below : min.below;
			min.above = want[i].req.above < min.above ? want[i].req.above : min.above;
			min.resolution = want[i].req.resolution < min.resolution
						 ? want[i].req.resolution
						 : min.resolution;
		}
		qot_membership_tightest(&m, &tightest);
		FUZZ_CHECK(ref_same_req(&min, &tightest));
		check_membership(&m);
		qot_membership_free(&m);
		FUZZ_CHECK(m.n == 0 && m.members == NULL);
	}
	free(want);
}

/* .coordination: "node=NODE until=NS", both, NS a non-negative int64. */
static void check_lease(const char *buf, size_t size)
{
	static const char *const keys[] = {"node", "until"};
	char node[QOT_NAME_MAX + 1], poison_node[QOT_NAME_MAX + 1];
	int64_t until = -42, want = 0;
	struct ref_val v[2];
	unsigned faults = 0, fu;
	int err;

	if (!ref_words(buf, size, keys, 2, v) || v[0].p == NULL || v[1].p == NULL) {
		faults = REF_INVAL;
	} else {
		if (!ref_name(v[0]))
			faults |= REF_INVAL;
		fu = ref_i64(v[1], &want);
		faults |= fu ? fu : want < 0 ? REF_INVAL : 0;
	}
	memset(node, FUZZ_POISON, sizeof(node));
	memcpy(poison_node, node, sizeof(node));
	err = qot_leaseline_parse(buf, size, node, &until);
	if (faults) {
		FUZZ_CHECK(ref_allows(faults, err));
		FUZZ_CHECK(until == -42 && memcmp(node, poison_node, sizeof(node)) == 0);
	} else {
		FUZZ_CHECK(err == 0 && until == want && same_name(node, v[0]));
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	check_memberships((const char *)data, size);
	check_lease((const char *)data, size);
	return 0;
}
