/* SPDX-License-Identifier: Apache-2.0 */
/* root.c - the mount point of qotfs, and paths below it. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "names.h"
#include "qot.h"
#include "root.h"

const char *qot_root(void)
{
	const char *root = getenv("QOT_ROOT");

	return root == NULL || root[0] == '\0' ? QOT_DEFAULT_ROOT : root;
}

int qot_root_path(const char *root, const char *timeline, const char *file, char *buf, size_t size)
{
	int n;

	if (timeline == NULL || !qot_name_valid(timeline, strlen(timeline)))
		return -EINVAL;
	n = snprintf(buf, size, "%s/%s/%s", root ? root : qot_root(), timeline, file);
	return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}
