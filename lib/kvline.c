/* SPDX-License-Identifier: Apache-2.0 */
/* kvline.c - split and check "key=value" lines, parse decimal integers. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "kvline.h"
#include "reason.h"

static int is_blank(char c)
{
	return c == ' ' || c == '\t';
}

/* Printable ASCII, and the bytes of UTF-8 sequences (a duration may be
 * written 10\u00b5s); what each value may hold is its parser's to say. */
static int is_word_char(char c)
{
	unsigned char u = (unsigned char)c;
	return u > ' ' && u != 0x7f;
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
				return qot_refuse(
					-EINVAL,
					"byte %zu (0x%02x) is not printable ASCII: a line is "
					"KEY=VALUE words of printable ASCII, one line",
					i + 1, (unsigned)(unsigned char)buf[i]);
			if (buf[i] == '=' && eq == 0)
				eq = i;
			i++;
		}
		if (eq == 0 || eq == start || eq + 1 == i) {
			char q[64];
			qot_reason_quote(buf + start, i - start, q, sizeof(q));
			if (eq == 0 && start > 0)
				return qot_refuse(-EINVAL,
						  "'%s' is not KEY=VALUE (a value cannot contain "
						  "spaces: words are separated by them)",
						  q);
			return qot_refuse(-EINVAL,
					  eq == 0	? "'%s' is not KEY=VALUE"
					  : eq == start ? "'%s' has no key before '='"
							: "'%s' has no value after '='",
					  q);
		}
		for (k = 0; k < nkeys; k++) {
			if (strlen(keys[k]) == eq - start &&
			    memcmp(keys[k], buf + start, eq - start) == 0)
				break;
		}
		if (k == nkeys || vals[k].ptr != NULL) {
			char q[64], known[160];
			size_t used = 0;
			qot_reason_quote(buf + start, eq - start, q, sizeof(q));
			if (k < nkeys)
				return qot_refuse(-EINVAL, "%s= is given twice", q);
			known[0] = '\0';
			for (size_t j = 0; j < nkeys && used < sizeof(known); j++) {
				int w = snprintf(known + used, sizeof(known) - used,
						 "%s%s=", j ? ", " : "", keys[j]);
				if (w < 0)
					break;
				used += (size_t)w;
			}
			return qot_refuse(-EINVAL, "unknown key '%s' (this file takes %s)", q,
					  known);
		}
		vals[k] = (struct qot_slice){buf + eq + 1, i - eq - 1};
		present++;
	}
	return present;
}

int qot_parse_u64(struct qot_slice s, uint64_t *out)
{
	uint64_t v = 0;

	char q[64];

	if (s.ptr == NULL || s.len == 0)
		return qot_refuse(-EINVAL, "a number is missing");
	for (size_t i = 0; i < s.len; i++) {
		if (s.ptr[i] < '0' || s.ptr[i] > '9')
			return qot_refuse(-EINVAL, "'%s' is not a decimal integer",
					  qot_reason_quote(s.ptr, s.len, q, sizeof(q)));
	}
	for (size_t i = 0; i < s.len; i++) {
		unsigned d = (unsigned)(s.ptr[i] - '0');
		if (v > (UINT64_MAX - d) / 10)
			return qot_refuse(-ERANGE, "%s is too large",
					  qot_reason_quote(s.ptr, s.len, q, sizeof(q)));
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
		return qot_refuse(-ERANGE, "%s does not fit in 64 bits",
				  neg ? "a negative number" : "a number");
	*out = neg ? (int64_t)(0 - mag) : (int64_t)mag;
	return 0;
}

int qot_slice_is(struct qot_slice s, const char *word)
{
	return s.ptr != NULL && strlen(word) == s.len && memcmp(s.ptr, word, s.len) == 0;
}
