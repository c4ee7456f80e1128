/* SPDX-License-Identifier: Apache-2.0 */
/*
 * jsonline.h - one line of a qot-align log: a flat JSON object whose "hlc",
 * "pt", "node", "send" and "recv" members qot-align reads; every other member
 * (any JSON value) is kept as it is. See qot-align(1), LOG FORMAT.
 */
#ifndef QOT_ALIGN_JSONLINE_H
#define QOT_ALIGN_JSONLINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "qot.h"

struct jl_str {
	const char *ptr; /* the raw bytes between the quotes, escapes as written; NULL if absent */
	size_t len;
};

struct jl_event {
	struct qot_hlc_ts hlc;
	int64_t pt;
	struct jl_str node, send, recv;
};

/*
 * Parse line[0..len) (no newline). 0, or -1 with a message in err (at most
 * errsize bytes, NUL-terminated) saying what is wrong and at which column.
 */
int jl_parse(const char *line, size_t len, struct jl_event *ev, char *err, size_t errsize);

/* 1 if the line is empty or only blanks (such lines are skipped). */
bool jl_blank(const char *line, size_t len);

#endif /* QOT_ALIGN_JSONLINE_H */
