/* SPDX-License-Identifier: Apache-2.0 */
/* names.h - which names qotfs accepts for timelines and applications. */
#ifndef QOT_NAMES_H
#define QOT_NAMES_H

#include <stddef.h>

#define QOT_NAME_MAX 64

/* 1 if name[0..len) is 1-64 characters of [A-Za-z0-9._-] not starting with '.'. */
int qot_name_valid(const char *name, size_t len);
/* -EINVAL, with the reason name[0..len) is not a valid name (reason.h). */
int qot_name_refuse(const char *name, size_t len);

#endif /* QOT_NAMES_H */
