/* SPDX-License-Identifier: Apache-2.0 */
/* zkpath.c - build and take apart coordd's ZooKeeper paths. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "zkpath.h"

void zkpath_dir(char out[ZKPATH_MAX], const char *tl, enum zkpath_kind kind)
{
	static const char *const suffix[] = {"", "/nodes", "/election"};

	snprintf(out, ZKPATH_MAX, ZKPATH_TIMELINES "/%s%s", tl, suffix[kind]);
}

void zkpath_member(char out[ZKPATH_MAX], const char *tl, const char *node)
{
	snprintf(out, ZKPATH_MAX, ZKPATH_TIMELINES "/%s/nodes/%s", tl, node);
}

void zkpath_candidate_prefix(char out[ZKPATH_MAX], const char *tl, const char *node)
{
	snprintf(out, ZKPATH_MAX, ZKPATH_TIMELINES "/%s/election/%s_", tl, node);
}

int zkpath_candidate(char out[ZKPATH_MAX], const char *tl, const char *child)
{
	int n = snprintf(out, ZKPATH_MAX, ZKPATH_TIMELINES "/%s/election/%s", tl, child);
	return n < 0 || n >= (int)ZKPATH_MAX ? -ENAMETOOLONG : 0;
}

int zkpath_timeline_of(const char *path, char tl[QOT_NAME_MAX + 1])
{
	static const char prefix[] = ZKPATH_TIMELINES "/";
	const char *name, *end;

	if (strncmp(path, prefix, sizeof(prefix) - 1) != 0)
		return -EINVAL;
	name = path + sizeof(prefix) - 1;
	end = strchr(name, '/');
	if (end == NULL)
		end = name + strlen(name);
	if (!qot_name_valid(name, (size_t)(end - name)))
		return -EINVAL;
	memcpy(tl, name, (size_t)(end - name));
	tl[end - name] = '\0';
	return 0;
}

int zkpath_candidate_parse(const char *child, char node[QOT_NAME_MAX + 1], uint64_t *seq)
{
	size_t len = strlen(child), nlen;
	uint64_t v = 0;

	if (len < ZKPATH_SEQ_DIGITS + 2)
		return -EINVAL;
	nlen = len - ZKPATH_SEQ_DIGITS - 1;
	if (child[nlen] != '_' || !qot_name_valid(child, nlen))
		return -EINVAL;
	for (size_t i = nlen + 1; i < len; i++) {
		if (child[i] < '0' || child[i] > '9')
			return -EINVAL;
		v = v * 10 + (uint64_t)(child[i] - '0');
	}
	memcpy(node, child, nlen);
	node[nlen] = '\0';
	*seq = v;
	return 0;
}

int zkpath_member_data(const struct qot_req *req, const char *peer, char *out, size_t size)
{
	char text[QOT_REQ_TEXT_MAX];
	int n;

	qot_req_format(req, text, sizeof(text));
	n = peer[0] ? snprintf(out, size, "%s peer=%s", text, peer)
		    : snprintf(out, size, "%s", text);
	return n < 0 || (size_t)n >= size ? -ENOSPC : n;
}

int zkpath_member_data_parse(const char *data, size_t len, struct qot_req *req,
			     char peer[QOT_PEER_ADDR_MAX])
{
	static const char head[] = "leader=none\nnode=x ";
	struct qot_membership ms;
	char *text;
	int err;

	/* One members line of a node: parsed exactly as qotfs will read it. */
	if (memchr(data, '\n', len) != NULL)
		return -EINVAL;
	text = malloc(sizeof(head) + len + 1);
	if (text == NULL)
		return -ENOMEM;
	memcpy(text, head, sizeof(head) - 1);
	memcpy(text + sizeof(head) - 1, data, len);
	text[sizeof(head) - 1 + len] = '\n';
	err = qot_membership_parse(text, sizeof(head) + len, &ms);
	free(text);
	if (err)
		return err == -ENOMEM ? err : -EINVAL;
	*req = ms.members[0].req;
	memcpy(peer, ms.members[0].peer, QOT_PEER_ADDR_MAX);
	qot_membership_free(&ms);
	return 0;
}
