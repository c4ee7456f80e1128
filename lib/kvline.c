/* SPDX-License-Identifier: Apache-2.0 */
/* kvline.c - split and check "key=value" lines, parse decimal integers. */
#include <errno.h>
#include <string.h>

#include "kvline.h"

static int is_blank(char c)
{
	return c == ' ' || c == '\t';
}

static int is_word_char(char c)
{
	return c > ' ' && c < 0x7f;
}

int qot_kv_parse(const char *buf, size_t len, const char *const *keys, size_t nkeys,
		 struct qot_slice *vals)
{
	size_t i = 0;
	int present = 0;

	for (size_t k = 0; k < nkeys; k++)
		vals[k] = (struct qot_slice){NULL, 0};
	if (len > 0 && buf[len - 1] == '\n')
		len--;
	while (i < len) {
		size_t start, eq = 0, k;

		if (is_blank(buf[i])) {
			i++;
			continue;
		}
		start = i;
		while (i < len && !is_blank(buf[i])) {
			if (!is_word_char(buf[i]))
				return -EINVAL;
			if (buf[i] == '=' && eq == 0)
				eq = i;
			i++;
		}
		if (eq == 0 || eq == start || eq + 1 == i)
			return -EINVAL;
		for (k = 0; k < nkeys; k++) {
			if (strlen(keys[k]) == eq - start &&
			    memcmp(keys[k], buf + start, eq - start) == 0)
				break;
		}
		if (k == nkeys || vals[k].ptr != NULL)
			return -EINVAL;
		vals[k] = (struct qot_slice){buf + eq + 1, i - eq - 1};
		present++;
	}
	return present;
}

int qot_parse_u64(struct qot_slice s, uint64_t *out)
{
	uint64_t v = 0;

	if (s.ptr == NULL || s.len == 0)
		return -EINVAL;
	for (size_t i = 0; i < s.len; i++) {
		if (s.ptr[i] < '0' || s.ptr[i] > '9')
			return -EINVAL;
	}
	for (size_t i = 0; i < s.len; i++) {
		unsigned d = (unsigned)(s.ptr[i] - '0');
		if (v > (UINT64_MAX - d) / 10)
			return -ERANGE;
		v = v * 10 + d;
	}
	*out = v;
	return 0;
}

int qot_parse_i64(struct qot_slice s, int64_t *out)
{
	int neg = s.ptr != NULL && s.len > 0 && s.ptr[0] == '-';
	struct qot_slice digits = s;
	uint64_t mag;
	int err;

	if (neg) {
		digits.ptr++;
		digits.len--;
	}
	err = qot_parse_u64(digits, &mag);
	if (err)
		return err;
	if (neg ? mag > (uint64_t)INT64_MAX + 1 : mag > (uint64_t)INT64_MAX)
		return -ERANGE;
	*out = neg ? (int64_t)(0 - mag) : (int64_t)mag;
	return 0;
}

int qot_slice_is(struct qot_slice s, const char *word)
{
	return s.ptr != NULL && strlen(word) == s.len && memcmp(s.ptr, word, s.len) == 0;
}
