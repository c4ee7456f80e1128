/* timefmt.c - the one-line text form of a time with its uncertainty. */
#include <stdio.h>

#include "qot.h"

#define NS_PER_S 1000000000ull

size_t qot_time_format(const struct qot_time *t, char *buf, size_t size)
{
	const char *status = qot_status_name(t->status);
	uint64_t mag = t->estimate < 0 ? 0 - (uint64_t)t->estimate : (uint64_t)t->estimate;
	int n = snprintf(buf, size, "%s%llu.%09llu %llu.%09llu %llu.%09llu %s\n",
			 t->estimate < 0 ? "-" : "", (unsigned long long)(mag / NS_PER_S),
			 (unsigned long long)(mag % NS_PER_S),
			 (unsigned long long)(t->below / NS_PER_S),
			 (unsigned long long)(t->below % NS_PER_S),
			 (unsigned long long)(t->above / NS_PER_S),
			 (unsigned long long)(t->above % NS_PER_S), status ? status : "unknown");

	if (n < 0 || (size_t)n >= size)
		return 0;
	return (size_t)n;
}
