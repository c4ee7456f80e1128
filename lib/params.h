/* SPDX-License-Identifier: Apache-2.0 */
/*
 * params.h - the text form of clock parameters, written by the sync daemon to
 * a timeline's privileged "ctl" file and read back from it:
 *
 *   status=synced anchor=NS timeline=NS freq=F offset_below=NS offset_above=NS
 *   drift_below=F drift_above=F stale_after=NS|never [source=NAME]
 *   [asym=NS|unbounded stat=NS|unbounded]
 *
 * Integers in decimal; F in 2^-64 units (see struct qot_clock_params). An
 * offset may be "unbounded". Every key is required (but source, the name of
 * who publishes them, and the parts of the bound it states), so a line is
 * a whole state and a partial one cannot slip through. asym and stat are
 * what the publisher says the offset bound at the anchor is made of: the
 * path allowance (what no exchange can observe) and the statistical part;
 * for people (the sync view), never for the projection. They come after
 * source, both or neither.
 */
#ifndef QOT_PARAMS_H
#define QOT_PARAMS_H

#include <stddef.h>
#include <stdint.h>

#include "names.h"
#include "qot.h"

#define QOT_PARAMS_TEXT_MAX 480

/* The state of a timeline nobody has disciplined: base clock as is, unbounded. */
void qot_params_unknown(struct qot_clock_params *out, int64_t base_now);

/*
 * The parameters of a clock nobody vouches for any more (its timeline was
 * removed, or qotfs stopped): the same projection from base_now on, so the
 * estimate does not jump, but unsynced and unbounded.
 */
void qot_params_retire(const struct qot_clock_params *cur, int64_t base_now,
		       struct qot_clock_params *out);

/*
 * 0, -EINVAL (malformed, missing or unknown key, bad status or source name),
 * -ERANGE (out of range). source receives the source name ("" if none); NULL
 * refuses the key.
 */
int qot_params_parse(const char *buf, size_t len, struct qot_clock_params *out,
		     char source[QOT_NAME_MAX + 1]);

/* The parts of the bound a publisher states; QOT_UNBOUNDED: not stated. */
struct qot_bound_parts {
	uint64_t asym, stat;
};

/* qot_params_parse, and the parts into *parts (both QOT_UNBOUNDED if absent).
 * qot_params_parse accepts and ignores them (but not without source). */
int qot_params_parse_parts(const char *buf, size_t len, struct qot_clock_params *out,
			   char source[QOT_NAME_MAX + 1], struct qot_bound_parts *parts);

/* NUL-terminated line ending in '\n', with source=NAME unless source is NULL
 * or empty; returns its length (0 if size is too small). */
size_t qot_params_format(const struct qot_clock_params *p, const char *source, char *buf,
			 size_t size);
/* The same with asym= and stat= after source=NAME (parts NULL, or both
 * QOT_UNBOUNDED, or no source: without). */
size_t qot_params_format_parts(const struct qot_clock_params *p, const char *source,
			       const struct qot_bound_parts *parts, char *buf, size_t size);

/* Status from its name (not "stale", which only readers derive); -1 if unknown. */
int qot_status_from_name(const char *s, size_t len);

#endif /* QOT_PARAMS_H */
