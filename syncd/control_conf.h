/* SPDX-License-Identifier: Apache-2.0 */
/*
 * control_conf.h - the `control` lines of syncd.conf (syncd.conf(5),
 * CONTROL): which timelines the controller (control.h) drives, and its knobs.
 *
 *   control NAME|* on|off [min DUR] [max DUR] [margin PERCENT[%]]
 *                         [noise K] [misses N] [hold N]
 *
 * A timeline takes its own line, else the `*` line, else none: no line
 * means no controller (the fixed rate, as without this feature). A key left
 * out of a named line takes the `*` line's value, else the default
 * (control_config_defaults). config.c hands each line's words here; a line
 * is taken whole or refused whole, and control_conf_check() checks every
 * timeline's resolved configuration once the file is read.
 */
#ifndef SYNCD_CONTROL_CONF_H
#define SYNCD_CONTROL_CONF_H

#include <stdbool.h>
#include <stddef.h>

#include "control.h"
#include "names.h"

#define CONTROL_CONF_MAX_RULES 64

struct control_rule {
	char pattern[QOT_NAME_MAX + 1]; /* a timeline name, or "*" */
	bool on;
	unsigned given;	   /* bit per key given on the line */
	double margin_pct; /* the margin as given */
	struct control_config cfg;
};

struct control_conf {
	struct control_rule rules[CONTROL_CONF_MAX_RULES];
	size_t n;
};

void control_conf_init(struct control_conf *c);
/* The words after `control`. 0, or -EINVAL with what is wrong in err (no
 * line number: the caller adds it); c is then unchanged. */
int control_conf_line(struct control_conf *c, char *const *w, int n, char *err, size_t errlen);
/* Every rule resolved is a usable configuration: 0, or -EINVAL and err. */
int control_conf_check(const struct control_conf *c, char *err, size_t errlen);
/* Is timeline controlled? true with its configuration in *out, or false. */
bool control_conf_for(const struct control_conf *c, const char *timeline,
		      struct control_config *out);
/* The lines, as control_conf_line reads them back ("control ..." each ending
 * in a newline). The length, or -ENOSPC. */
int control_conf_print(const struct control_conf *c, char *buf, size_t size);

#endif /* SYNCD_CONTROL_CONF_H */
