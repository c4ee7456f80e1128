/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_alignlog.c - qot-align's handling of a whole log (log_read): lines
 * split, blank ones skipped, each scanned, the HLC strictly growing, one node
 * per file (named by the lines or the file name). Read as qot-align maps a
 * file: a buffer of exactly the input's bytes. What is accepted is what the
 * merge and the pairing rely on; what is refused gets a "PATH:LINE:" message.
 * The first byte picks the file name.
 */
#include <string.h>

#include "fuzz.h"
#include "logread.h"

static const char *const paths[] = {"logs/web1.jsonl", "a", ".hidden", "x/\"q\".log", ""};

static void check_log(const struct log *lg, const struct msgs *sends, const struct msgs *recvs)
{
	size_t nlen = strnlen(lg->node, sizeof(lg->node));

	FUZZ_CHECK(nlen > 0 && nlen <= NODE_NAME_MAX);
	for (size_t i = 0; i < lg->nev; i++) {
		const struct event *e = &lg->ev[i];
		const char *line = lg->data + e->off;

		FUZZ_CHECK(e->off <= lg->size && e->len <= lg->size - e->off);
		FUZZ_CHECK(e->off == 0 || line[-1] == '\n');
		FUZZ_CHECK(e->off + e->len == lg->size || line[e->len] == '\n');
		FUZZ_CHECK(memchr(line, '\n', e->len) == NULL);
		/* The merge prints each line from its first '{' on. */
		FUZZ_CHECK(memchr(line, '{', e->len) != NULL);
		FUZZ_CHECK(e->l >= 0 && e->c <= QOT_HLC_COUNTER_MAX);
		if (i > 0) {
			const struct event *p = &lg->ev[i - 1];
			FUZZ_CHECK(p->l < e->l || (p->l == e->l && p->c < e->c));
			FUZZ_CHECK(p->line < e->line && p->off + p->len < e->off);
		}
	}
	for (int k = 0; k < 2; k++) {
		const struct msgs *m = k ? recvs : sends;
		for (size_t i = 0; i < m->n; i++) {
			const struct msg *g = &m->v[i];
			FUZZ_CHECK(g->idlen > 0 && g->id > lg->data &&
				   g->id + g->idlen < lg->data + lg->size);
			FUZZ_CHECK(g->id[-1] == '"' && g->id[g->idlen] == '"');
			FUZZ_CHECK(g->log == 3 && g->line >= 1);
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct log lg;
	struct msgs sends = {0}, recvs = {0};
	char *msg = NULL, *copy;
	size_t msglen = 0;
	FILE *errf;
	int res;

	if (size == 0)
		return 0;
	memset(&lg, 0, sizeof(lg));
	lg.path = paths[data[0] % (sizeof(paths) / sizeof(paths[0]))];
	lg.size = size - 1;
	copy = malloc(lg.size ? lg.size : 1);
	FUZZ_CHECK(copy != NULL);
	memcpy(copy, data + 1, lg.size);
	lg.data = copy;
	errf = open_memstream(&msg, &msglen);
	FUZZ_CHECK(errf != NULL);
	res = log_read(&lg, 3, &sends, &recvs, errf);
	FUZZ_CHECK(fclose(errf) == 0);
	FUZZ_CHECK(res == 0 || res == -1);
	if (res == 0) {
		FUZZ_CHECK(msglen == 0);
		check_log(&lg, &sends, &recvs);
	} else {
		FUZZ_CHECK(msglen > 0 && msg[msglen - 1] == '\n');
		FUZZ_CHECK(strstr(msg, lg.path) != NULL);
	}
	free(msg);
	free(lg.ev);
	free(sends.v);
	free(recvs.v);
	free(copy);
	return 0;
}
