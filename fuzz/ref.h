/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ref.h - the fuzz targets' oracles: the grammar of the writable files
 * (qot(7) WRITING, ctl, requirements, bind, members, .coordination) and the
 * projection of qot-clock(5), read again from the manual alone, without the
 * library's parsers or arithmetic. A target feeds the same bytes to both and
 * checks that they agree: what one accepts, the other accepts with the same
 * values; what one refuses, the other refuses, with an errno the manual
 * allows for one of the faults the reference found.
 *
 * Faults are collected as a set (REF_INVAL | REF_RANGE | REF_2BIG): the
 * manual says which errno each fault gives, not which of several faults of
 * one line is reported.
 */
#ifndef QOT_FUZZ_REF_H
#define QOT_FUZZ_REF_H

#include <arpa/inet.h>
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "qot.h"
#include "reqline.h" /* struct qot_req only */

enum { REF_INVAL = 1, REF_RANGE = 2, REF_2BIG = 4 };

#define REF_NAME_MAX 64 /* names.h: QOT_NAME_MAX */
#define REF_NONE     UINT64_MAX
#define REF_LIMIT    ((int64_t)(((unsigned __int128)1 << 64) / 100)) /* 1% in 2^-64 */

/* Whether err (a negated errno, or 0) is one the faults allow. */
static inline bool ref_allows(unsigned faults, int err)
{
	return (err == -EINVAL && (faults & REF_INVAL)) ||
	       (err == -ERANGE && (faults & REF_RANGE)) || (err == -E2BIG && (faults & REF_2BIG));
}

struct ref_val {
	const char *p; /* NULL: the key is absent */
	size_t n;
};

static inline bool ref_is(struct ref_val v, const char *word)
{
	return v.p != NULL && v.n == strlen(word) && memcmp(v.p, word, v.n) == 0;
}

/*
 * WRITING: words of printable ASCII or UTF-8 (any byte from 0x80) separated
 * by spaces or tabs, at most one
 * trailing newline, each word KEY=VALUE (the first '=' splits) with a known
 * key given once and a non-empty value. false if the line breaks a rule
 * (an empty line does); else val[k] is the value of keys[k] or absent.
 */
static inline bool ref_words(const char *s, size_t n, const char *const *keys, size_t nkeys,
			     struct ref_val *val)
{
	size_t words = 0;

	for (size_t k = 0; k < nkeys; k++)
		val[k] = (struct ref_val){NULL, 0};
	if (n > 0 && s[n - 1] == '\n')
		n--;
	for (size_t i = 0; i < n; i++) /* the bytes first, all of them */
		if (!(s[i] == ' ' || s[i] == '\t' || (s[i] >= '!' && s[i] <= '~') ||
		      (unsigned char)s[i] >= 0x80))
			return false;
	for (size_t i = 0; i < n;) {
		size_t end = i, key_len, k;
		const char *eq;

		if (s[i] == ' ' || s[i] == '\t') {
			i++;
			continue;
		}
		while (end < n && s[end] != ' ' && s[end] != '\t')
			end++;
		eq = memchr(s + i, '=', end - i);
		if (eq == NULL)
			return false;
		key_len = (size_t)(eq - (s + i));
		if (key_len == 0 || eq + 1 == s + end)
			return false;
		for (k = 0; k < nkeys; k++)
			if (strlen(keys[k]) == key_len && strncmp(keys[k], s + i, key_len) == 0)
				break;
		if (k == nkeys || val[k].p != NULL)
			return false;
		val[k] = (struct ref_val){eq + 1, (size_t)(s + end - eq - 1)};
		words++;
		i = end;
	}
	return words > 0;
}

/* Names: 1 to 64 of [A-Za-z0-9._-], not starting with a dot. */
static inline bool ref_name(struct ref_val v)
{
	static const char ok[] =
		"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-";

	if (v.p == NULL || v.n == 0 || v.n > REF_NAME_MAX || v.p[0] == '.')
		return false;
	for (size_t i = 0; i < v.n; i++)
		if (v.p[i] == '\0' || strchr(ok, v.p[i]) == NULL)
			return false;
	return true;
}

/* Decimal digits, as a number capped at 2^100 (enough to know it is too large). */
static inline bool ref_digits(const char *s, size_t n, unsigned __int128 *out)
{
	unsigned __int128 v = 0, cap = (unsigned __int128)1 << 100;

	if (n == 0)
		return false;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (unsigned)(s[i] - '0');
		if (v > cap)
			v = cap;
	}
	*out = v;
	return true;
}

/* An unsigned 64-bit decimal: 0, REF_INVAL or REF_RANGE. */
static inline unsigned ref_u64(struct ref_val v, uint64_t *out)
{
	unsigned __int128 x;

	if (!ref_digits(v.p, v.n, &x))
		return REF_INVAL;
	if (x > UINT64_MAX)
		return REF_RANGE;
	*out = (uint64_t)x;
	return 0;
}

/*
 * members' peer=: HOST:PORT, HOST numeric IPv4 or "[" numeric IPv6 "]" (the
 * host's own text as inet_pton(3) reads it), PORT decimal 1..65535, at most
 * 55 bytes in all. true if it is one.
 */
static inline bool ref_peeraddr(struct ref_val v)
{
	char host[64];
	unsigned char bin[16];
	size_t hend = v.n, hstart = 0, hlen;
	unsigned __int128 port;
	bool v6 = v.n > 0 && v.p[0] == '[';

	if (v.n > 55)
		return false;
	while (hend > 0 && v.p[hend - 1] != ':') /* the port follows the last ':' */
		hend--;
	if (hend == 0 || !ref_digits(v.p + hend, v.n - hend, &port) || port < 1 || port > 65535)
		return false;
	hend--; /* the ':' */
	if (v6) {
		if (hend < 2 || v.p[hend - 1] != ']')
			return false;
		hstart = 1;
		hend--;
	}
	hlen = hend - hstart;
	if (hlen == 0 || hlen >= sizeof(host))
		return false;
	memcpy(host, v.p + hstart, hlen);
	host[hlen] = '\0';
	return inet_pton(v6 ? AF_INET6 : AF_INET, host, bin) == 1;
}

/* A signed 64-bit decimal, optional '-'. */
static inline unsigned ref_i64(struct ref_val v, int64_t *out)
{
	bool neg = v.n > 0 && v.p[0] == '-';
	unsigned __int128 x;

	if (!ref_digits(v.p + neg, v.n - neg, &x))
		return REF_INVAL;
	if (x > (unsigned __int128)INT64_MAX + neg)
		return REF_RANGE;
	*out = neg ? (int64_t)(-(__int128)x) : (int64_t)x;
	return 0;
}

/*
 * A duration: "none", or digits, optionally '.' and digits, and one of ns,
 * us (or U+00B5 or U+03BC then s), ms, s, min, coming to a whole number of
 * ns below 2^64 - 1.
 */
static inline unsigned ref_dur(const char *s, size_t n, uint64_t *out)
{
	static const struct {
		const char *unit;
		uint64_t ns;
	} units[] = {{"ns", 1},	      {"us", 1000},	 {"\xc2\xb5s", 1000}, {"\xce\xbcs", 1000},
		     {"ms", 1000000}, {"s", 1000000000}, {"min", 60000000000}};
	size_t digits = 0, fstart, fend, fdigits;
	unsigned __int128 whole, frac = 0, pow10 = 1, x;

	if (n == 4 && memcmp(s, "none", 4) == 0) {
		*out = REF_NONE;
		return 0;
	}
	while (digits < n && s[digits] >= '0' && s[digits] <= '9')
		digits++;
	if (!ref_digits(s, digits, &whole))
		return REF_INVAL;
	fstart = fend = digits;
	if (digits < n && s[digits] == '.') {
		fstart = digits + 1;
		fend = fstart;
		while (fend < n && s[fend] >= '0' && s[fend] <= '9')
			fend++;
		if (fend == fstart)
			return REF_INVAL;
	}
	for (size_t u = 0; u < sizeof(units) / sizeof(units[0]); u++) {
		if (n - fend != strlen(units[u].unit) ||
		    memcmp(s + fend, units[u].unit, n - fend) != 0)
			continue;
		/* The fraction without its trailing zeros; with more than 20 digits
		 * left it cannot come to whole ns (no unit has 10^11 in it). */
		fdigits = fend - fstart;
		while (fdigits > 0 && s[fstart + fdigits - 1] == '0')
			fdigits--;
		if (fdigits > 20)
			return REF_INVAL;
		if (fdigits > 0 && !ref_digits(s + fstart, fdigits, &frac))
			return REF_INVAL;
		for (size_t i = 0; i < fdigits; i++)
			pow10 *= 10;
		if (frac * units[u].ns % pow10 != 0) /* < 10^20 * 6e10 < 2^128 */
			return REF_INVAL;
		if (whole >= (unsigned __int128)UINT64_MAX)
			return REF_RANGE;
		x = whole * units[u].ns + frac * units[u].ns / pow10; /* < 2^64 * 2^36 */
		if (x >= UINT64_MAX)
			return REF_RANGE;
		*out = (uint64_t)x;
		return 0;
	}
	return REF_INVAL;
}

/* A requirement's duration: as above, and not zero. */
static inline unsigned ref_req_dur(const char *s, size_t n, uint64_t *out)
{
	unsigned f = ref_dur(s, n, out);
	return f ? f : *out == 0 ? REF_INVAL : 0;
}

struct ref_req {
	uint64_t below, above, resolution;
};

/* accuracy=DUR|DUR/DUR and resolution=DUR, each optional (none). */
static inline unsigned ref_req(struct ref_val acc, struct ref_val res, struct ref_req *r)
{
	unsigned f = 0;

	r->below = r->above = r->resolution = REF_NONE;
	if (acc.p) {
		const char *slash = memchr(acc.p, '/', acc.n);
		if (slash == NULL) {
			f |= ref_req_dur(acc.p, acc.n, &r->below);
			r->above = r->below;
		} else {
			f |= ref_req_dur(acc.p, (size_t)(slash - acc.p), &r->below);
			f |= ref_req_dur(slash + 1, acc.n - (size_t)(slash - acc.p) - 1, &r->above);
		}
	}
	if (res.p)
		f |= ref_req_dur(res.p, res.n, &r->resolution);
	return f;
}

static inline bool ref_same_req(const struct ref_req *r, const struct qot_req *q)
{
	return q->acc_below == r->below && q->acc_above == r->above &&
	       q->resolution == r->resolution;
}

/*
 * qot-clock(5): the projection of parameters p to base instant t, in exact
 * integer arithmetic: the estimate rounded down and clamped to int64, the
 * bounds rounded up and saturated at 2^64 - 1, stale (and unbounded) after
 * stale_after.
 */
static inline void ref_project(const struct qot_clock_params *p, int64_t t, struct qot_time *out)
{
	__int128 dt = (__int128)t - p->anchor, prod = dt * p->freq, q, est;
	unsigned __int128 adt = (unsigned __int128)(dt < 0 ? -dt : dt);
	const __int128 two64 = (__int128)1 << 64;
	uint64_t drift[2] = {p->drift_below, p->drift_above},
		 off[2] = {p->offset_below, p->offset_above};
	uint64_t bound[2];

	q = prod / two64; /* C division truncates: floor it */
	if (q * two64 != prod && prod < 0)
		q--;
	est = (__int128)p->anchor_tl + dt + q;
	out->estimate = est > INT64_MAX ? INT64_MAX : est < INT64_MIN ? INT64_MIN : (int64_t)est;
	for (int i = 0; i < 2; i++) {
		unsigned __int128 g = adt * drift[i], up = g / (unsigned __int128)two64;
		unsigned __int128 b;
		if (up * (unsigned __int128)two64 != g)
			up++; /* ceil */
		b = (unsigned __int128)off[i] + up;
		bound[i] = off[i] == UINT64_MAX || b >= UINT64_MAX ? UINT64_MAX : (uint64_t)b;
	}
	out->status = (enum qot_status)p->status;
	if (t > p->stale_after) {
		out->status = QOT_STATUS_STALE;
		bound[0] = bound[1] = UINT64_MAX;
	}
	out->below = bound[0];
	out->above = bound[1];
}

#endif /* QOT_FUZZ_REF_H */
