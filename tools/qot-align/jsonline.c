/* SPDX-License-Identifier: Apache-2.0 */
/* jsonline.c - a small strict JSON scanner for one log line at a time. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "jsonline.h"

#define MAX_DEPTH 64

struct scan {
	const char *p, *start, *end;
	char *err;
	size_t errsize;
};

static int fail(struct scan *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int fail(struct scan *s, const char *fmt, ...)
{
	char msg[160];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	snprintf(s->err, s->errsize, "column %zu: %s", (size_t)(s->p - s->start) + 1, msg);
	return -1;
}

static void skip_ws(struct scan *s)
{
	while (s->p < s->end && (*s->p == ' ' || *s->p == '\t' || *s->p == '\r'))
		s->p++;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* A string at s->p (the opening quote); out gets the raw bytes inside. */
static int scan_string(struct scan *s, struct jl_str *out)
{
	const char *begin;

	if (s->p >= s->end || *s->p != '"')
		return fail(s, "expected a string");
	begin = ++s->p;
	while (s->p < s->end && *s->p != '"') {
		unsigned char c = (unsigned char)*s->p;
		if (c < 0x20)
			return fail(s, "control character in a string");
		if (c == '\\') {
			s->p++;
			if (s->p >= s->end)
				break;
			if (*s->p == 'u') {
				for (int i = 1; i <= 4; i++) {
					if (s->p + i >= s->end || hexval(s->p[i]) < 0)
						return fail(s, "bad \\u escape");
				}
				s->p += 4;
			} else if ((unsigned char)*s->p < 0x20) {
				/* strchr() would find a NUL in any set: checked first */
				return fail(s, "control character in a string");
			} else if (!strchr("\"\\/bfnrt", *s->p)) {
				return fail(s, "bad escape '\\%c'", *s->p);
			}
		}
		s->p++;
	}
	if (s->p >= s->end)
		return fail(s, "unterminated string");
	out->ptr = begin;
	out->len = (size_t)(s->p - begin);
	s->p++;
	return 0;
}

static int scan_number(struct scan *s)
{
	const char *begin = s->p;

	if (s->p < s->end && *s->p == '-')
		s->p++;
	if (s->p >= s->end || *s->p < '0' || *s->p > '9')
		return fail(s, "expected a value");
	if (*s->p == '0')
		s->p++;
	else
		while (s->p < s->end && *s->p >= '0' && *s->p <= '9')
			s->p++;
	if (s->p < s->end && *s->p == '.') {
		s->p++;
		if (s->p >= s->end || *s->p < '0' || *s->p > '9')
			return fail(s, "bad number");
		while (s->p < s->end && *s->p >= '0' && *s->p <= '9')
			s->p++;
	}
	if (s->p < s->end && (*s->p == 'e' || *s->p == 'E')) {
		s->p++;
		if (s->p < s->end && (*s->p == '+' || *s->p == '-'))
			s->p++;
		if (s->p >= s->end || *s->p < '0' || *s->p > '9')
			return fail(s, "bad number");
		while (s->p < s->end && *s->p >= '0' && *s->p <= '9')
			s->p++;
	}
	(void)begin;
	return 0;
}

static int scan_value(struct scan *s, int depth);

static int scan_container(struct scan *s, int depth, char close)
{
	struct jl_str key;

	if (depth >= MAX_DEPTH)
		return fail(s, "nested too deeply");
	s->p++; /* the opening bracket */
	skip_ws(s);
	if (s->p < s->end && *s->p == close) {
		s->p++;
		return 0;
	}
	for (;;) {
		skip_ws(s);
		if (close == '}') {
			if (scan_string(s, &key) < 0)
				return -1;
			skip_ws(s);
			if (s->p >= s->end || *s->p != ':')
				return fail(s, "expected ':'");
			s->p++;
			skip_ws(s);
		}
		if (scan_value(s, depth + 1) < 0)
			return -1;
		skip_ws(s);
		if (s->p < s->end && *s->p == ',') {
			s->p++;
			continue;
		}
		if (s->p < s->end && *s->p == close) {
			s->p++;
			return 0;
		}
		return fail(s, "expected ',' or '%c'", close);
	}
}

static int scan_word(struct scan *s, const char *word)
{
	size_t n = strlen(word);

	if ((size_t)(s->end - s->p) < n || memcmp(s->p, word, n) != 0)
		return fail(s, "expected a value");
	s->p += n;
	return 0;
}

static int scan_value(struct scan *s, int depth)
{
	struct jl_str str;

	if (s->p >= s->end)
		return fail(s, "expected a value");
	switch (*s->p) {
	case '"':
		return scan_string(s, &str);
	case '{':
		return scan_container(s, depth, '}');
	case '[':
		return scan_container(s, depth, ']');
	case 't':
		return scan_word(s, "true");
	case 'f':
		return scan_word(s, "false");
	case 'n':
		return scan_word(s, "null");
	default:
		return scan_number(s);
	}
}

static bool key_is(const struct jl_str *k, const char *word)
{
	return k->len == strlen(word) && memcmp(k->ptr, word, k->len) == 0;
}

/* pt: a JSON integer (no fraction, no exponent) that fits int64. */
static int scan_pt(struct scan *s, int64_t *out)
{
	const char *begin = s->p;
	bool neg = false;
	uint64_t v = 0;

	if (s->p < s->end && *s->p == '-')
		neg = true, s->p++;
	if (s->p >= s->end || *s->p < '0' || *s->p > '9')
		return fail(s, "\"pt\": expected an integer (nanoseconds)");
	while (s->p < s->end && *s->p >= '0' && *s->p <= '9') {
		unsigned d = (unsigned)(*s->p - '0');
		if (v > (UINT64_MAX - d) / 10)
			return fail(s, "\"pt\": out of range");
		v = v * 10 + d;
		s->p++;
	}
	if (s->p < s->end && (*s->p == '.' || *s->p == 'e' || *s->p == 'E'))
		return fail(s, "\"pt\": expected an integer (nanoseconds), not a fraction");
	if (v > (uint64_t)INT64_MAX + neg) {
		s->p = begin;
		return fail(s, "\"pt\": out of range");
	}
	*out = neg ? (int64_t)(0 - v) : (int64_t)v;
	return 0;
}

int jl_parse(const char *line, size_t len, struct jl_event *ev, char *err, size_t errsize)
{
	struct scan s = {line, line, line + len, err, errsize};
	bool have_hlc = false, have_pt = false;
	struct jl_str key;

	memset(ev, 0, sizeof(*ev));
	skip_ws(&s);
	if (s.p >= s.end || *s.p != '{')
		return fail(&s, "expected a JSON object ('{')");
	s.p++;
	skip_ws(&s);
	if (s.p < s.end && *s.p == '}')
		return fail(&s, "missing \"hlc\"");
	for (;;) {
		const char *kpos;
		skip_ws(&s);
		kpos = s.p;
		if (scan_string(&s, &key) < 0)
			return -1;
		skip_ws(&s);
		if (s.p >= s.end || *s.p != ':')
			return fail(&s, "expected ':'");
		s.p++;
		skip_ws(&s);
		struct jl_str *str = key_is(&key, "node")   ? &ev->node
				     : key_is(&key, "send") ? &ev->send
				     : key_is(&key, "recv") ? &ev->recv
							    : NULL;
		if (key_is(&key, "hlc")) {
			struct jl_str v;
			const char *vpos = s.p;
			if (have_hlc) {
				s.p = kpos;
				return fail(&s, "\"hlc\" given twice");
			}
			if (scan_string(&s, &v) < 0)
				return -1;
			if (qot_hlc_parse(v.ptr, v.len, &ev->hlc) != 0) {
				s.p = vpos;
				return fail(&s, "\"hlc\": expected LLLLLLLLLLLLLLLLLLL.CCCCCC "
						"(19 and 6 digits)");
			}
			have_hlc = true;
		} else if (key_is(&key, "pt")) {
			if (have_pt) {
				s.p = kpos;
				return fail(&s, "\"pt\" given twice");
			}
			if (scan_pt(&s, &ev->pt) < 0)
				return -1;
			have_pt = true;
		} else if (str != NULL) {
			if (str->ptr != NULL) {
				s.p = kpos;
				return fail(&s, "\"%.*s\" given twice", (int)key.len, key.ptr);
			}
			if (scan_string(&s, str) < 0)
				return -1;
			if (str->len == 0) {
				s.p--;
				return fail(&s, "\"%.*s\": empty", (int)key.len, key.ptr);
			}
		} else if (scan_value(&s, 1) < 0) {
			return -1;
		}
		skip_ws(&s);
		if (s.p < s.end && *s.p == ',') {
			s.p++;
			continue;
		}
		if (s.p < s.end && *s.p == '}') {
			s.p++;
			break;
		}
		return fail(&s, "expected ',' or '}'");
	}
	skip_ws(&s);
	if (s.p != s.end)
		return fail(&s, "text after the object");
	if (!have_hlc)
		return fail(&s, "missing \"hlc\"");
	if (!have_pt)
		return fail(&s, "missing \"pt\"");
	return 0;
}

bool jl_blank(const char *line, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		if (line[i] != ' ' && line[i] != '\t' && line[i] != '\r')
			return false;
	}
	return true;
}
