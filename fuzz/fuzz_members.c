/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_members.c - the privileged texts coordd writes: a timeline's
 * membership (qot_membership_parse) and the coordination lease
 * "node=N until=NS" (qot_leaseline_parse). Refused: -EINVAL and friends,
 * outputs untouched. Accepted: the promises of members.h hold (no node twice,
 * the leader a member) and the text rebuilt from the result parses to it.
 */
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "fuzz.h"
#include "members.h"

static int same_req(const struct qot_req *a, const struct qot_req *b)
{
	return a->acc_below == b->acc_below && a->acc_above == b->acc_above &&
	       a->resolution == b->resolution;
}

/* The membership as text again: "leader=..", then one line per member. */
static char *format(const struct qot_membership *m, size_t *len)
{
	size_t cap = 32 + m->n * (QOT_NAME_MAX + QOT_REQ_TEXT_MAX + 8), n;
	char *text = malloc(cap);

	FUZZ_CHECK(text != NULL);
	n = (size_t)snprintf(text, cap, "leader=%s\n", m->leader[0] ? m->leader : "none");
	for (size_t i = 0; i < m->n; i++) {
		char req[QOT_REQ_TEXT_MAX];
		qot_req_format(&m->members[i].req, req, sizeof(req));
		n += (size_t)snprintf(text + n, cap - n, "node=%s %s\n", m->members[i].node, req);
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
	}
	qot_membership_free(&again);
	free(text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *buf = (const char *)data;
	struct qot_membership m, poison;
	char node[QOT_NAME_MAX + 1], poison_node[QOT_NAME_MAX + 1];
	int64_t until = -42;
	int err;

	memset(&m, FUZZ_POISON, sizeof(m));
	poison = m;
	err = qot_membership_parse(buf, size, &m);
	FUZZ_CHECK(err == 0 || err == -EINVAL || err == -E2BIG || err == -ERANGE);
	if (err) {
		FUZZ_CHECK(memcmp(&m, &poison, sizeof(m)) == 0);
	} else {
		struct qot_req tightest, expect = qot_req_none;
		check_membership(&m);
		qot_membership_tightest(&m, &tightest);
		for (size_t i = 0; i < m.n; i++)
			qot_req_tighten(&expect, &m.members[i].req);
		FUZZ_CHECK(same_req(&tightest, &expect));
		qot_membership_free(&m);
		FUZZ_CHECK(m.n == 0 && m.members == NULL);
	}

	memset(node, FUZZ_POISON, sizeof(node));
	memcpy(poison_node, node, sizeof(node));
	err = qot_leaseline_parse(buf, size, node, &until);
	FUZZ_CHECK(err == 0 || err == -EINVAL || err == -ERANGE);
	if (err) {
		FUZZ_CHECK(until == -42 && memcmp(node, poison_node, sizeof(node)) == 0);
	} else {
		char line[QOT_NAME_MAX + 48], again[QOT_NAME_MAX + 1];
		int64_t until2;

		FUZZ_CHECK(until >= 0 && qot_name_valid(node, strnlen(node, sizeof(node))));
		snprintf(line, sizeof(line), "until=%" PRId64 " node=%s\n", until, node);
		FUZZ_CHECK(qot_leaseline_parse(line, strlen(line), again, &until2) == 0);
		FUZZ_CHECK(until2 == until && strcmp(again, node) == 0);
	}
	return 0;
}
