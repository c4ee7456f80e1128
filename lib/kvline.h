/* SPDX-License-Identifier: Apache-2.0 */
/*
 * kvline.h - the one-line "key=value key=value" form shared by every writable
 * qotfs file. A line is words of printable ASCII or UTF-8 (bytes 0x80 and
 * up; values check their own characters) separated by spaces or tabs,
 * optionally ended by one newline; each word is key=value with a known key
 * given at most once and a non-empty value.
 */
#ifndef QOT_KVLINE_H
#define QOT_KVLINE_H

#include <stddef.h>
#include <stdint.h>

/* The longest line qotfs takes in one write (members: QOT_MEMBERS_TEXT_MAX). */
#define QOT_KV_LINE_MAX 1024

struct qot_slice {
	const char *ptr; /* NULL when the key is absent */
	size_t len;
};

/*
 * Parse buf[0..len) against keys[0..nkeys). vals[i] receives the value of
 * keys[i]. Returns the number of keys present, or -EINVAL (malformed line,
 * unknown or repeated key, empty value).
 */
int qot_kv_parse(const char *buf, size_t len, const char *const *keys, size_t nkeys,
		 struct qot_slice *vals);

/* Decimal integers: optional '-' (signed only), digits, nothing else. 0, -EINVAL, -ERANGE. */
int qot_parse_i64(struct qot_slice s, int64_t *out);
int qot_parse_u64(struct qot_slice s, uint64_t *out);

/* 1 if the slice equals the NUL-terminated word. */
int qot_slice_is(struct qot_slice s, const char *word);

#endif /* QOT_KVLINE_H */
