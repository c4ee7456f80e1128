/* SPDX-License-Identifier: Apache-2.0 */
/* names.c - timeline and application names. */
#include <errno.h>

#include "names.h"
#include "reason.h"

int qot_name_valid(const char *name, size_t len)
{
	if (len == 0 || len > QOT_NAME_MAX || name[0] == '.')
		return 0;
	for (size_t i = 0; i < len; i++) {
		char c = name[i];
		int ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			 (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
		if (!ok)
			return 0;
	}
	return 1;
}

int qot_name_refuse(const char *name, size_t len)
{
	char q[64];

	qot_reason_quote(name, len, q, sizeof(q));
	if (len == 0)
		return qot_refuse(-EINVAL, "a name is empty");
	if (len > QOT_NAME_MAX)
		return qot_refuse(-EINVAL, "the name '%s' is longer than %d characters", q,
				  QOT_NAME_MAX);
	if (name[0] == '.')
		return qot_refuse(-EINVAL, "the name '%s' starts with '.'", q);
	return qot_refuse(-EINVAL,
			  "the name '%s' has a character other than letters, digits, '.', '_' "
			  "and '-'",
			  q);
}
