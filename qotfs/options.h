/* SPDX-License-Identifier: Apache-2.0 */
/* options.h - qotfs's command line. */
#ifndef QOTFS_OPTIONS_H
#define QOTFS_OPTIONS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "registry.h"

struct qotfs_options {
	const char *mountpoint;
	bool foreground;
	bool debug;
	char fuse_opts[1024]; /* extra -o options, comma-separated */
	struct registry_limits limits;
	unsigned spin_us; /* see loop.h */
	bool auto_unmount;
	int log_level;				 /* a syslog level; -1: info, or debug with -d */
	bool syslog;				 /* to syslog even in the foreground */
	const char *state_dir;			 /* NULL: keep nothing across restarts */
	uint32_t privileged_uid, privileged_gid; /* UINT32_MAX: none */
};

enum { OPTIONS_RUN, OPTIONS_EXIT_OK, OPTIONS_USAGE_ERROR };

/* Messages (help, version, errors) go to out / err. */
int qotfs_parse_options(int argc, char **argv, struct qotfs_options *o, FILE *out, FILE *err);

#endif /* QOTFS_OPTIONS_H */
