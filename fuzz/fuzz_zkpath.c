/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_zkpath.c - the names coordd reads back from ZooKeeper: children of an
 * election directory, "NODE_SEQ" (zkpath_candidate_parse), and watched paths
 * (zkpath_timeline_of). What parses is rebuilt to the same text; what is
 * refused leaves the outputs alone.
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
	free(text);
	return 0;
}
