/* SPDX-License-Identifier: Apache-2.0 */
/*
 * root.h - where qotfs is mounted: $QOT_ROOT if set and not empty, else
 * QOT_DEFAULT_ROOT; and the path of a timeline's file under it.
 */
#ifndef QOT_ROOT_H
#define QOT_ROOT_H

#include <stddef.h>

/* $QOT_ROOT, or QOT_DEFAULT_ROOT when it is unset or empty. */
const char *qot_root(void);

/*
 * ROOT/TIMELINE/FILE into buf (root NULL: qot_root()). 0, -EINVAL (not a
 * valid timeline name) or -ENAMETOOLONG.
 */
int qot_root_path(const char *root, const char *timeline, const char *file, char *buf, size_t size);

#endif /* QOT_ROOT_H */
