/* SPDX-License-Identifier: Apache-2.0 */
/* duration.c - parse and format durations ("250us", "1.5ms", "2min", "none"). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "duration.h"
#include "qot.h"

struct unit {
	const char *suffix;
	uint64_t ns;
};

/* Largest first: formatting takes the first unit that divides the value. */
static const struct unit units[] = {
	{"s", 1000000000u},
	{"ms", 1000000u},
	{"us", 1000u},
	{"ns", 1u},
};

/* Read as well, never written: minutes, and microseconds with a micro sign
 * (U+00B5) or a Greek mu (U+03BC), as people write them. */
static const struct unit read_units[] = {
	{"min", 60000000000u}, {"s", 1000000000u},   {"ms", 1000000u}, {"us", 1000u},
	{"\xc2\xb5s", 1000u},  {"\xce\xbcs", 1000u}, {"ns", 1u},
};

#define FRACTION_DIGITS_MAX 18 /* 10^18 < 2^64 */

/* The digits from s[*i] on, as *value (*overflow set if it does not fit),
 * and their count *n; *i moves past them. */
static void digits(const char *s, size_t len, size_t *i, uint64_t *value, size_t *n, int *overflow)
{
	*value = 0;
	*n = 0;
	while (*i < len && s[*i] >= '0' && s[*i] <= '9') {
		unsigned digit = (unsigned)(s[*i] - '0');
		if (*value > (UINT64_MAX - digit) / 10)
			*overflow = 1;
		else
			*value = *value * 10 + digit;
		(*i)++;
		(*n)++;
	}
}

int qot_dur_parse(const char *s, size_t len, uint64_t *out)
{
	size_t i = 0, nint, nfrac = 0, fstart, fend;
	uint64_t whole, frac = 0, scale = 1;
	int overflow = 0;

	if (len == 4 && memcmp(s, "none", 4) == 0) {
		*out = QOT_UNBOUNDED;
		return 0;
	}
	digits(s, len, &i, &whole, &nint, &overflow);
	if (nint == 0)
		return -EINVAL;
	if (i < len && s[i] == '.') {
		i++;
		fstart = i;
		while (i < len && s[i] >= '0' && s[i] <= '9')
			i++;
		fend = i;
		if (fend == fstart)
			return -EINVAL; /* "1.ms" */
		while (fend > fstart && s[fend - 1] == '0')
			fend--; /* trailing zeros say nothing */
		if (fend - fstart > FRACTION_DIGITS_MAX)
			return -EINVAL; /* finer than any unit's nanosecond */
		i = fstart;
		digits(s, fend, &i, &frac, &nfrac, &overflow); /* fits: 18 digits at most */
		while (i < len && s[i] == '0')
			i++; /* the trailing zeros */
		for (size_t k = 0; k < nfrac; k++)
			scale *= 10;
	}
	for (size_t u = 0; u < sizeof(read_units) / sizeof(read_units[0]); u++) {
		size_t slen = strlen(read_units[u].suffix);
		uint64_t ns = read_units[u].ns, part;
		unsigned __int128 f = (unsigned __int128)frac * ns;

		if (len - i != slen || memcmp(s + i, read_units[u].suffix, slen) != 0)
			continue;
		if (f % scale != 0)
			return -EINVAL;	      /* not a whole number of nanoseconds */
		part = (uint64_t)(f / scale); /* < ns: frac < scale */
		/* UINT64_MAX itself means "none", so real durations stay below it. */
		if (overflow || whole > (UINT64_MAX - 1 - part) / ns)
			return -ERANGE;
		*out = whole * ns + part;
		return 0;
	}
	return -EINVAL;
}

size_t qot_dur_format(uint64_t ns, char *buf, size_t size)
{
	int n;

	if (ns == QOT_UNBOUNDED) {
		n = snprintf(buf, size, "none");
	} else {
		size_t i = 0;
		while (ns % units[i].ns != 0 || (ns == 0 && units[i].ns != 1))
			i++;
		n = snprintf(buf, size, "%llu%s", (unsigned long long)(ns / units[i].ns),
			     units[i].suffix);
	}
	if (n < 0 || (size_t)n >= size)
		return 0;
	return (size_t)n;
}
