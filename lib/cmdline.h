/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cmdline.h - the command line the qotfs programs share. Besides its own
 * options, every program takes
 *
 *   -h, --help            its usage, on standard output (status 0)
 *   -V, --version         "PROG VERSION" (status 0)
 *
 * and every daemon (QOT_CMDLINE_DAEMON) also
 *
 *   -f, --foreground      stay in the foreground, log to stderr
 *   -d, --debug           foreground, with debug messages
 *   --log-level=LEVEL     log up to LEVEL (err ... debug)
 *   --syslog              log to syslog even in the foreground
 *
 * A mistake is said one way, then "Try 'ARGV0 --help'." (status 2):
 * "PROG: unknown option '--x'", "PROG: option '-c' needs a value",
 * "PROG: unexpected argument 'x'" (when no operands are taken).
 */
#ifndef QOT_CMDLINE_H
#define QOT_CMDLINE_H

#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>

enum {
	QOT_CMDLINE_DAEMON = 1,	  /* -f, -d, --log-level, --syslog */
	QOT_CMDLINE_OPERANDS = 2, /* operands are the program's (else refused) */
};

/* qot_cmdline_parse's answer when the program is to run. */
#define QOT_CMDLINE_RUN (-1)

struct qot_cmdline {
	/* Given by the program. */
	const char *prog;	       /* in messages and --version */
	unsigned flags;		       /* QOT_CMDLINE_* */
	const char *shortopts;	       /* its own, in getopt's syntax ("c:m:"), or NULL */
	const struct option *longopts; /* its own, ending in a zero entry, or NULL */
	/* Its usage (qot_cmdline_help writes the shared options' lines). */
	void (*usage)(FILE *f, const struct qot_cmdline *cl, const char *argv0);
	/* One of its own options: 0, or -1 after saying what is wrong (on stderr). */
	int (*option)(void *ctx, int c, const char *arg);
	void *ctx;

	/* Found. */
	bool foreground, debug, to_syslog;
	int log_level; /* --log-level; else debug with -d, info without */
	int operands;  /* argv index of the first operand */
};

/*
 * Parse argv (getopt state is reset first). QOT_CMDLINE_RUN: go on; else
 * the status to exit with: 0 after --help or --version, 2 after a mistake
 * (said on stderr).
 */
int qot_cmdline_parse(struct qot_cmdline *cl, int argc, char **argv);

/* The shared options' lines of a usage text, descriptions from column col. */
void qot_cmdline_help(FILE *f, const struct qot_cmdline *cl, int col);

/* "PROG: WHAT\nTry 'ARGV0 --help'.\n" on stderr, for the program's own
 * checks after parsing; returns 2, the status to exit with. */
int qot_cmdline_usage_error(const struct qot_cmdline *cl, const char *argv0, const char *what);

#endif /* QOT_CMDLINE_H */
