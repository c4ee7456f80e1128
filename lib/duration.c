/* SPDX-License-Identifier: Apache-2.0 */
/* duration.c - parse and format durations ("250us", "3s", "none"). */
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

int qot_dur_parse(const char *s, size_t len, uint64_t *out)
{
	size_t ndigits = 0;
	uint64_t value = 0;
	int overflow = 0;

	if (len == 4 && memcmp(s, "none", 4) == 0) {
		*out = QOT_UNBOUNDED;
		return 0;
	}
	while (ndigits < len && s[ndigits] >= '0' && s[ndigits] <= '9') {
		unsigned digit = (unsigned)(s[ndigits] - '0');
		if (value > (UINT64_MAX - digit) / 10)
			overflow = 1;
		else
			value = value * 10 + digit;
		ndigits++;
	}
	if (ndigits == 0)
		return -EINVAL;
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		size_t slen = strlen(units[i].suffix);
		if (len - ndigits != slen || memcmp(s + ndigits, units[i].suffix, slen) != 0)
			continue;
		/* UINT64_MAX itself means "none", so real durations stay below it. */
		if (overflow || value > (UINT64_MAX - 1) / units[i].ns)
			return -ERANGE;
		*out = value * units[i].ns;
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
