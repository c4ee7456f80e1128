/* SPDX-License-Identifier: Apache-2.0 */
/*
 * report.h - what status and show print: the table of every timeline, one
 * timeline explained, and the JSON objects of the schema in qotctl(1).
 */
#ifndef QOTCTL_REPORT_H
#define QOTCTL_REPORT_H

#include <stdio.h>

#include "jsonw.h"
#include "tlstate.h"

/* The JSON schema's version; bumped only for incompatible changes. */
#define REPORT_SCHEMA 1

void report_table(FILE *f, const struct tlstate *sts, size_t n);
void report_show(FILE *f, const struct tlstate *st, const struct tlstate_coord *coord);

/* {"accuracy_below_ns":...,"accuracy_above_ns":...,"resolution_ns":...} */
void report_json_req(jsonw *w, const char *key, const struct qot_req *req);
/* A timeline object. */
void report_json_timeline(jsonw *w, const char *key, const struct tlstate *st);
/* The coordination object. */
void report_json_coord(jsonw *w, const char *key, const struct tlstate_coord *coord);

/* Is the timeline healthy: synced or holdover, and its requirement met? */
int report_healthy(const struct tlstate *st);

#endif /* QOTCTL_REPORT_H */
