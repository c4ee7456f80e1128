/* SPDX-License-Identifier: Apache-2.0 */
/* cmdline.c - the shared options (-h, -V; -f, -d, --log-level, --syslog) and mistakes. */
#include <stdlib.h>
#include <string.h>

#include "cmdline.h"
#include "log.h"
#include "qot.h"

/* Long-only shared options: above any character a program uses. */
enum { OPT_LOG_LEVEL = 0x10000, OPT_SYSLOG };

static const struct option daemon_opts[] = {
	{"foreground", no_argument, NULL, 'f'},
	{"debug", no_argument, NULL, 'd'},
	{"log-level", required_argument, NULL, OPT_LOG_LEVEL},
	{"syslog", no_argument, NULL, OPT_SYSLOG},
};

static const struct option info_opts[] = {
	{"help", no_argument, NULL, 'h'},
	{"version", no_argument, NULL, 'V'},
};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* The program's long options, then the shared ones, then the zero entry. */
static struct option *long_options(const struct qot_cmdline *cl)
{
	size_t own = 0, n = 0;
	struct option *all;

	while (cl->longopts && cl->longopts[own].name)
		own++;
	all = calloc(own + COUNT(daemon_opts) + COUNT(info_opts) + 1, sizeof(*all));
	if (all == NULL)
		return NULL;
	for (size_t i = 0; i < own; i++)
		all[n++] = cl->longopts[i];
	for (size_t i = 0; (cl->flags & QOT_CMDLINE_DAEMON) && i < COUNT(daemon_opts); i++)
		all[n++] = daemon_opts[i];
	for (size_t i = 0; i < COUNT(info_opts); i++)
		all[n++] = info_opts[i];
	return all;
}

static void help_line(FILE *f, int col, const char *opt, const char *what)
{
	int n = fprintf(f, "  %s", opt);

	if (n >= col - 1) {
		fputc('\n', f);
		n = 0;
	}
	fprintf(f, "%*s%s\n", col - n, "", what);
}

void qot_cmdline_help(FILE *f, const struct qot_cmdline *cl, int col)
{
	if (cl->flags & QOT_CMDLINE_DAEMON) {
		help_line(f, col, "-f, --foreground", "stay in the foreground, log to stderr");
		help_line(f, col, "-d, --debug", "foreground, with debug messages");
		help_line(f, col, "    --log-level=LEVEL",
			  "log up to LEVEL: err, warning, notice, info (default) or debug");
		help_line(f, col, "    --syslog", "log to syslog even in the foreground");
	}
	help_line(f, col, "-h, --help", "show this help");
	help_line(f, col, "-V, --version", "show the version");
}

int qot_cmdline_usage_error(const struct qot_cmdline *cl, const char *argv0, const char *what)
{
	fprintf(stderr, "%s: %s\nTry '%s --help'.\n", cl->prog, what, argv0);
	return 2;
}

/* One shared option, or the program's; QOT_CMDLINE_RUN to go on. */
static int one(struct qot_cmdline *cl, int c, char **argv)
{
	char what[256];

	if ((c == 'f' || c == 'd') && (cl->flags & QOT_CMDLINE_DAEMON)) {
		cl->foreground = true;
		cl->debug = cl->debug || c == 'd';
		return QOT_CMDLINE_RUN;
	}
	switch (c) {
	case OPT_LOG_LEVEL:
		if (qot_log_parse_level(cl->prog, optarg, &cl->log_level, stderr) < 0) {
			fprintf(stderr, "Try '%s --help'.\n", argv[0]);
			return 2;
		}
		return QOT_CMDLINE_RUN;
	case OPT_SYSLOG:
		cl->to_syslog = true;
		return QOT_CMDLINE_RUN;
	case 'h':
		cl->usage(stdout, cl, argv[0]);
		return 0;
	case 'V':
		printf("%s %s\n", cl->prog, QOT_VERSION_STRING);
		return 0;
	case ':':
		snprintf(what, sizeof(what), "option '%s' needs a value", argv[optind - 1]);
		return qot_cmdline_usage_error(cl, argv[0], what);
	case '?':
		break;
	default:
		if (cl->option == NULL)
			break;
		return cl->option(cl->ctx, c, optarg) < 0 ? 2 : QOT_CMDLINE_RUN;
	}
	snprintf(what, sizeof(what), "unknown option '%s'", argv[optind - 1]);
	return qot_cmdline_usage_error(cl, argv[0], what);
}

int qot_cmdline_parse(struct qot_cmdline *cl, int argc, char **argv)
{
	char shortopts[128];
	struct option *longopts = long_options(cl);
	int c, res = QOT_CMDLINE_RUN;

	if (longopts == NULL) {
		fprintf(stderr, "%s: out of memory\n", cl->prog);
		return 1;
	}
	snprintf(shortopts, sizeof(shortopts), ":%s%shV", cl->shortopts ? cl->shortopts : "",
		 (cl->flags & QOT_CMDLINE_DAEMON) ? "fd" : "");
	cl->foreground = cl->debug = cl->to_syslog = false;
	cl->log_level = -1;
	optind = 0; /* a fresh start, so that a program may parse more than once */
	opterr = 0;
	while (res == QOT_CMDLINE_RUN &&
	       (c = getopt_long(argc, argv, shortopts, longopts, NULL)) != -1)
		res = one(cl, c, argv);
	free(longopts);
	if (res != QOT_CMDLINE_RUN)
		return res;
	if (cl->log_level < 0)
		cl->log_level = cl->debug ? QOT_LOG_DEBUG : QOT_LOG_INFO;
	cl->operands = optind;
	if (optind < argc && !(cl->flags & QOT_CMDLINE_OPERANDS)) {
		char what[256];
		snprintf(what, sizeof(what), "unexpected argument '%s'", argv[optind]);
		return qot_cmdline_usage_error(cl, argv[0], what);
	}
	return QOT_CMDLINE_RUN;
}
