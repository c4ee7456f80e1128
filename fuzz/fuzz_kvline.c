/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_kvline.c - the "key=value ..." line every writable qotfs file shares
 * (qot_kv_parse), its decimal integers (qot_parse_u64, qot_parse_i64) and
 * the name rule (qot_name_valid). The first byte picks how many of the keys
 * are known; the rest is the line.
 */
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "fuzz.h"
#include "kvline.h"
#include "names.h"

static const char *const keys[] = {"name", "accuracy", "at", "x"};
#define NKEYS (sizeof(keys) / sizeof(keys[0]))

static void check_integers(struct qot_slice s)
{
	char text[32];
	uint64_t u = 7, u2;
	int64_t i = 7, i2;
	int eu = qot_parse_u64(s, &u), ei = qot_parse_i64(s, &i);

	FUZZ_CHECK(eu == 0 || eu == -EINVAL || eu == -ERANGE);
	FUZZ_CHECK(ei == 0 || ei == -EINVAL || ei == -ERANGE);
	if (eu) {
		FUZZ_CHECK(u == 7);
	} else {
		snprintf(text, sizeof(text), "%" PRIu64, u);
		FUZZ_CHECK(qot_parse_u64((struct qot_slice){text, strlen(text)}, &u2) == 0);
		FUZZ_CHECK(u2 == u);
		/* Unsigned text is signed text too, while it fits. */
		FUZZ_CHECK(u > INT64_MAX ? ei == -ERANGE : ei == 0 && (uint64_t)i == u);
	}
	if (ei) {
		FUZZ_CHECK(i == 7);
	} else {
		snprintf(text, sizeof(text), "%" PRId64, i);
		FUZZ_CHECK(qot_parse_i64((struct qot_slice){text, strlen(text)}, &i2) == 0);
		FUZZ_CHECK(i2 == i);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct qot_slice vals[NKEYS];
	const char *buf = (const char *)data + 1;
	size_t len, nkeys, present = 0;
	int n;

	if (size == 0)
		return 0;
	nkeys = data[0] % (NKEYS + 1);
	len = size - 1;
	n = qot_kv_parse(buf, len, keys, nkeys, vals);
	FUZZ_CHECK(n >= 0 || n == -EINVAL);
	FUZZ_CHECK(n <= (int)nkeys);
	for (size_t k = 0; k < nkeys; k++) {
		if (n < 0 || vals[k].ptr == NULL)
			continue;
		present++;
		/* The value lies inside the line, right after "key=", and is a whole word. */
		size_t klen = strlen(keys[k]);
		FUZZ_CHECK(vals[k].ptr >= buf + klen + 1 && vals[k].ptr + vals[k].len <= buf + len);
		FUZZ_CHECK(vals[k].len > 0 && vals[k].ptr[-1] == '=');
		FUZZ_CHECK(memcmp(vals[k].ptr - 1 - klen, keys[k], klen) == 0);
		for (size_t j = 0; j < vals[k].len; j++)
			FUZZ_CHECK((unsigned char)vals[k].ptr[j] > ' ' && vals[k].ptr[j] != 0x7f);
		FUZZ_CHECK(qot_slice_is(vals[k], "") == 0);
		check_integers(vals[k]);
		if (qot_name_valid(vals[k].ptr, vals[k].len))
			FUZZ_CHECK(vals[k].len <= QOT_NAME_MAX && vals[k].ptr[0] != '.' &&
				   memchr(vals[k].ptr, '/', vals[k].len) == NULL &&
				   memchr(vals[k].ptr, '=', vals[k].len) == NULL);
	}
	if (n >= 0)
		FUZZ_CHECK((size_t)n == present);
	check_integers((struct qot_slice){buf, len});
	if (qot_name_valid(buf, len))
		FUZZ_CHECK(len > 0 && len <= QOT_NAME_MAX && memchr(buf, '/', len) == NULL);
	return 0;
}
