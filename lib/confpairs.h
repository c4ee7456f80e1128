/* SPDX-License-Identifier: Apache-2.0 */
/*
 * confpairs.h - the KEY VALUE pairs that end a configuration line (syncd.conf's
 * `peer` and `control` lines): each key known, none given twice; and the
 * message of a line refused.
 */
#ifndef QOT_CONFPAIRS_H
#define QOT_CONFPAIRS_H

#include <stddef.h>

/* The message of a refused configuration line into err (printf-style): -EINVAL. */
__attribute__((format(printf, 3, 4))) int qot_conf_fail(char *err, size_t errlen, const char *fmt,
							...);

/* Sets one key (its index in the names) from its value: 0, or an error with err filled. */
typedef int (*qot_confpairs_set)(void *ctx, int key, const char *value, char *err, size_t errlen);

/*
 * Each pair of w[0..n) (n even) in turn: its key looked up in names[0..count)
 * ("WHAT: unknown key 'K'"), refused when its bit is in *given already
 * ("WHAT K: given twice"), then set; *given gains the bit of each key set.
 * 0, or the first error (-EINVAL or set's) with its message in err.
 */
int qot_confpairs(const char *what, char *const *w, int n, const char *const *names, int count,
		  unsigned *given, qot_confpairs_set set, void *ctx, char *err, size_t errlen);

#endif /* QOT_CONFPAIRS_H */
