/* SPDX-License-Identifier: Apache-2.0 */
/*
 * reqline.h - requirements and binding lines.
 *
 *   bind:          name=APP [accuracy=DUR|DUR/DUR] [resolution=DUR]
 *   requirements:  [accuracy=DUR|DUR/DUR] [resolution=DUR]   (at least one key)
 *
 * accuracy=B/A asks that the true time lie within [estimate - B, estimate + A];
 * accuracy=D means D/D. Every duration is at least 1ns, or "none" (no demand).
 * Keys left out mean "none". A timeline's effective requirement is the
 * tightest of each part over its bindings and its standing requirement.
 */
#ifndef QOT_REQLINE_H
#define QOT_REQLINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "names.h"

struct qot_req {
	uint64_t acc_below;  /* ns, QOT_UNBOUNDED = none */
	uint64_t acc_above;  /* ns, QOT_UNBOUNDED = none */
	uint64_t resolution; /* ns, QOT_UNBOUNDED = none */
};

struct qot_bind_spec {
	char name[QOT_NAME_MAX + 1];
	struct qot_req req;
};

/* "accuracy=none resolution=none" plus room for two durations. */
#define QOT_REQ_TEXT_MAX 128

/* A requirement that demands nothing. */
extern const struct qot_req qot_req_none;

/* 0, -EINVAL (malformed, unknown key, zero duration), -ERANGE (too large). */
int qot_bindline_parse(const char *buf, size_t len, struct qot_bind_spec *out);
int qot_reqline_parse(const char *buf, size_t len, struct qot_req *out);

/* "accuracy=X[/Y] resolution=Z", NUL-terminated; returns the length (0 if too small). */
size_t qot_req_format(const struct qot_req *req, char *buf, size_t size);
/* The same requirement, part for part. */
bool qot_req_equal(const struct qot_req *a, const struct qot_req *b);

/* Tighten acc in place by req: the minimum of each part. */
void qot_req_tighten(struct qot_req *acc, const struct qot_req *req);

#endif /* QOT_REQLINE_H */
