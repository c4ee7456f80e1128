/* SPDX-License-Identifier: Apache-2.0 */
/*
 * logread.h - one qot-align log read whole: its lines in order, each a
 * JSON object with "hlc" and "pt" (jsonline.h), the HLC strictly growing from
 * line to line and one node per file; its sends and receives collected for
 * pairing. Events keep where their line lies in the log's bytes, which must
 * outlive them.
 */
#ifndef QOT_ALIGN_LOGREAD_H
#define QOT_ALIGN_LOGREAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "qot.h"

#define NODE_NAME_MAX 128

struct event {
	int64_t l, pt;
	uint32_t c;
	uint32_t len;  /* of the line, without its newline */
	uint64_t off;  /* of the line in the file */
	uint32_t line; /* number, from 1 */
	bool has_node; /* the line names its node itself */
};

struct log {
	const char *path;
	const char *data; /* the mapped file */
	size_t size;
	char node[NODE_NAME_MAX + 1];
	struct event *ev;
	size_t nev, cap;
	int64_t *sources; /* pt of events whose l is their own pt, ascending */
	size_t nsources;
	size_t dragged; /* events whose l is ahead of their pt */
};

struct msg {
	const char *id; /* inside the log's bytes */
	size_t idlen;
	uint32_t log, line;
	int64_t pt;
	struct qot_hlc_ts hlc;
};

struct msgs {
	struct msg *v;
	size_t n, cap;
};

/*
 * Read lg->data[0..lg->size) as log number index: events into lg->ev, its
 * node into lg->node (from its lines, else from lg->path), sends and receives
 * appended. 0, or -1 after saying on errf where and why ("PATH:LINE: what");
 * what was appended stays, for the caller to free.
 */
int log_read(struct log *lg, uint32_t index, struct msgs *sends, struct msgs *recvs, FILE *errf);

#endif /* QOT_ALIGN_LOGREAD_H */
