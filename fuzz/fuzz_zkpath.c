/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_zkpath.c - what coordd reads back from ZooKeeper: children of an
 * election directory, "NODE_SEQ" (zkpath_candidate_parse), watched paths
 * (zkpath_timeline_of), and other nodes' member data, a requirement and a
 * peer endpoint (zkpath_member_data_parse, on the raw bytes). What parses is
 * rebuilt to the same text (the member data: to text that parses to the
 * same values); what is refused leaves the outputs alone.
 */
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "fuzz.h"
#include "zkpath.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1), node[QOT_NAME_MAX + 1] = "x", tl[QOT_NAME_MAX + 1] = "y";
	char path[ZKPATH_MAX];
	uint64_t seq = 42;
	int err;

	FUZZ_CHECK(text != NULL);
	memcpy(text, data, size);
	text[size] = '\0'; /* they read C strings: stop at the first NUL */

	err = zkpath_candidate_parse(text, node, &seq);
	FUZZ_CHECK(err == 0 || err == -EINVAL);
	if (err) {
		FUZZ_CHECK(strcmp(node, "x") == 0 && seq == 42);
	} else {
		char again[ZKPATH_MAX], back[QOT_NAME_MAX + 1];
		FUZZ_CHECK(qot_name_valid(node, strnlen(node, sizeof(node))));
		FUZZ_CHECK(seq < 10000000000ull);
		/* ZooKeeper's sequence suffix is 10 digits, zero-padded. */
		zkpath_candidate_prefix(again, "tl", node);
		snprintf(again + strlen(again), sizeof(again) - strlen(again), "%010" PRIu64, seq);
		FUZZ_CHECK(zkpath_candidate(path, "tl", text) == 0 && strcmp(path, again) == 0);
		FUZZ_CHECK(zkpath_timeline_of(path, back) == 0 && strcmp(back, "tl") == 0);
	}

	err = zkpath_timeline_of(text, tl);
	FUZZ_CHECK(err == 0 || err == -EINVAL);
	if (err) {
		FUZZ_CHECK(strcmp(tl, "y") == 0);
	} else {
		char back[QOT_NAME_MAX + 1];
		size_t n = strnlen(tl, sizeof(tl));
		FUZZ_CHECK(qot_name_valid(tl, n));
		/* The path is the timeline's directory or below it. */
		zkpath_dir(path, tl, ZKPATH_TIMELINE);
		FUZZ_CHECK(strncmp(text, path, strlen(path)) == 0);
		FUZZ_CHECK(text[strlen(path)] == '\0' || text[strlen(path)] == '/');
		FUZZ_CHECK(zkpath_timeline_of(path, back) == 0 && strcmp(back, tl) == 0);
	}

	{
		struct qot_req req = qot_req_none, back;
		char peer[QOT_PEER_ADDR_MAX] = "p", peer2[QOT_PEER_ADDR_MAX],
		     again[ZKPATH_DATA_MAX];
		int n;

		err = zkpath_member_data_parse((const char *)data, size, &req, peer);
		FUZZ_CHECK(err == 0 || err == -EINVAL || err == -ENOMEM);
		if (err) {
			FUZZ_CHECK(strcmp(peer, "p") == 0 && qot_req_equal(&req, &qot_req_none));
		} else {
			char host[46];
			unsigned port;
			FUZZ_CHECK(peer[0] == '\0' ||
				   qot_peeraddr_parse(peer, strlen(peer), host, &port) == 0);
			n = zkpath_member_data(&req, peer, again, sizeof(again));
			FUZZ_CHECK(n > 0);
			FUZZ_CHECK(zkpath_member_data_parse(again, (size_t)n, &back, peer2) == 0);
			FUZZ_CHECK(qot_req_equal(&req, &back) && strcmp(peer, peer2) == 0);
		}
	}
	free(text);
	return 0;
}
