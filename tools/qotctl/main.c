/* SPDX-License-Identifier: Apache-2.0 */
/*
 * qotctl - look at the timelines of a qotfs mount: a table of them all, one
 * explained, their changes as they happen, Prometheus metrics, a CSV of one
 * over time and its picture. Reads the files (qot(7)) and the clock page
 * (qot-clock(5)); needs no privilege. See qotctl(1).
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "duration.h"
#include "jsonw.h"
#include "metrics.h"
#include "names.h"
#include "plot.h"
#include "qot.h"
#include "record.h"
#include "root.h"
#include "report.h"
#include "textfmt.h"
#include "tlstate.h"
#include "watch.h"

/* Exit statuses, qotctl(1). */
enum {
	EXIT_OK = 0,
	EXIT_FAIL = 1,	    /* an error reading or writing */
	EXIT_USAGE = 2,	    /* bad arguments */
	EXIT_NOMOUNT = 3,   /* no qotfs at the mount path, or it has stopped */
	EXIT_NOTL = 4,	    /* no such timeline */
	EXIT_UNHEALTHY = 5, /* --check: a timeline is unsynced, stale or misses its requirement */
};

static const char *prog = "qotctl";

struct opts {
	const char *mount;
	bool json, check;
	const char *output, *title, *format;
	int64_t for_ns, every_ns;
	bool have_for, have_every;
	char **args; /* positional arguments after the command */
	int nargs;
};

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: %s [OPTIONS] COMMAND [ARGS]\n"
		"Look at the timelines of a qotfs mount. Commands:\n"
		"  status                     every timeline, one line each\n"
		"  show TIMELINE              one timeline: everything its files say, explained\n"
		"  watch [TIMELINE...]        print changes as they happen (all timelines if "
		"none)\n"
		"  metrics                    every timeline in the Prometheus text format\n"
		"  record TIMELINE            CSV of the timeline against the system clock\n"
		"  plot CSV -o OUT.png|.svg   a picture of a recorded CSV (needs gnuplot)\n"
		"\n"
		"Options:\n"
		"  -m, --mount=DIR       the qotfs mount (default: $QOT_ROOT, else /qot)\n"
		"  -j, --json            JSON, one object per line (status, show, watch)\n"
		"      --check           status, show: exit 5 if a timeline is unsynced or stale,\n"
		"                        or its bounds miss its requirement\n"
		"  -o, --output=FILE     metrics: replace FILE atomically; record: write FILE;\n"
		"                        plot: the picture\n"
		"      --for=DURATION    watch, record: stop after DURATION (10s, 500ms, ...)\n"
		"      --every=DURATION  record: one sample each DURATION (default 1s)\n"
		"      --title=TEXT      plot: the title (default: the CSV's name)\n"
		"      --format=png|svg  plot: the format (default: from OUT's name)\n"
		"  -h, --help            show this help\n"
		"  -V, --version         show the version\n"
		"\n"
		"Exit status: 0 ok, 1 error, 2 bad arguments, 3 no qotfs mounted (or stopped),\n"
		"4 no such timeline, 5 unhealthy (--check). See qotctl(1).\n",
		prog);
}

static int usage_error(const char *fmt, const char *arg)
{
	fprintf(stderr, "%s: ", prog);
	fprintf(stderr, fmt, arg);
	fprintf(stderr, "\nTry '%s --help'.\n", prog);
	return EXIT_USAGE;
}

static int parse_duration(const char *opt, const char *s, int64_t *out)
{
	uint64_t ns;

	if (qot_dur_parse(s, strlen(s), &ns) != 0 || ns == 0 || ns == QOT_UNBOUNDED ||
	    ns > INT64_MAX) {
		fprintf(stderr,
			"%s: bad duration for --%s: '%s' (an integer and a unit: ns, us, ms "
			"or s, like 10s or 500ms)\n",
			prog, opt, s);
		return -1;
	}
	*out = (int64_t)ns;
	return 0;
}

/* The mount directory, open; an exit status on failure. */
static int open_mount(const char *path, int *out)
{
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC), probe;

	if (fd < 0) {
		int e = errno;
		fprintf(stderr, "%s: %s: %s%s\n", prog, path, strerror(e),
			e == ENOTCONN ? " (its qotfs has stopped)" : "");
		return EXIT_NOMOUNT;
	}
	probe = openat(fd, ".timelines", O_RDONLY | O_CLOEXEC);
	if (probe < 0) {
		int e = errno;
		if (e == ENOENT)
			fprintf(stderr, "%s: no qotfs is mounted at %s (it has no .timelines)\n",
				prog, path);
		else
			fprintf(stderr, "%s: %s/.timelines: %s%s\n", prog, path, strerror(e),
				e == ENOTCONN ? " (its qotfs has stopped)" : "");
		close(fd);
		return EXIT_NOMOUNT;
	}
	close(probe);
	*out = fd;
	return EXIT_OK;
}

/* An exit status for a failed read of timeline name. */
static int tl_error(const char *mount, const char *name, int err)
{
	if (err == -ENOENT) {
		fprintf(stderr, "%s: no timeline '%s' under %s\n", prog, name, mount);
		return EXIT_NOTL;
	}
	if (err == -EPROTO) {
		fprintf(stderr, "%s: %s/%s: a file's text is not in the form qot(7) gives\n", prog,
			mount, name);
		return EXIT_FAIL;
	}
	fprintf(stderr, "%s: %s/%s: %s\n", prog, mount, name, qot_strerror(err));
	return err == -ENOTCONN || err == -ECONNABORTED ? EXIT_NOMOUNT : EXIT_FAIL;
}

/* Every timeline, read; removed meanwhile ones left out. */
static int read_all(int mountfd, const char *mount, struct tlstate **out, size_t *n)
{
	struct tlstate *sts;
	char **names;
	size_t count, k = 0;
	int err = tlstate_names(mountfd, &names, &count);

	if (err) {
		fprintf(stderr, "%s: %s/.timelines: %s\n", prog, mount, qot_strerror(err));
		return EXIT_FAIL;
	}
	sts = calloc(count + 1, sizeof(*sts));
	if (sts == NULL) {
		tlstate_names_free(names);
		fprintf(stderr, "%s: out of memory\n", prog);
		return EXIT_FAIL;
	}
	for (size_t i = 0; i < count; i++) {
		err = tlstate_read(mountfd, names[i], &sts[k]);
		if (err == -ENOENT)
			continue;
		if (err) {
			int rc = tl_error(mount, names[i], err);
			for (size_t j = 0; j < k; j++)
				tlstate_free(&sts[j]);
			free(sts);
			tlstate_names_free(names);
			return rc;
		}
		k++;
	}
	tlstate_names_free(names);
	*out = sts;
	*n = k;
	return EXIT_OK;
}

static void free_all(struct tlstate *sts, size_t n)
{
	for (size_t i = 0; i < n; i++)
		tlstate_free(&sts[i]);
	free(sts);
}

static void read_coord(int mountfd, struct tlstate_coord *c)
{
	if (tlstate_read_coord(mountfd, c) != 0) {
		memset(c, 0, sizeof(*c));
		strcpy(c->state, "none");
	}
}

/* The JSON document of status (every timeline) or show (one). */
static int print_json(const struct opts *o, const struct tlstate_coord *coord,
		      const struct tlstate *sts, size_t n, bool one)
{
	jsonw *w = jsonw_new(stdout);

	if (w == NULL)
		return EXIT_FAIL;
	jsonw_obj_begin(w, NULL);
	jsonw_i64(w, "schema", REPORT_SCHEMA);
	jsonw_str(w, "mount", o->mount);
	jsonw_i64(w, "time_ns", textfmt_now());
	report_json_coord(w, "coordination", coord);
	if (one) {
		report_json_timeline(w, "timeline", &sts[0]);
	} else {
		jsonw_arr_begin(w, "timelines");
		for (size_t i = 0; i < n; i++)
			report_json_timeline(w, NULL, &sts[i]);
		jsonw_arr_end(w);
	}
	jsonw_obj_end(w);
	jsonw_free(w);
	return EXIT_OK;
}

/* status (every timeline) and show (the one named). */
static int cmd_report(const struct opts *o, int mountfd, bool one)
{
	struct tlstate *sts;
	struct tlstate_coord coord;
	size_t n = 1;
	int rc = EXIT_OK;

	if (one) {
		int err;
		sts = calloc(1, sizeof(*sts));
		if (sts == NULL)
			return EXIT_FAIL;
		err = tlstate_read(mountfd, o->args[0], sts);
		if (err) {
			free(sts);
			return tl_error(o->mount, o->args[0], err);
		}
	} else {
		rc = read_all(mountfd, o->mount, &sts, &n);
		if (rc)
			return rc;
	}
	read_coord(mountfd, &coord);
	if (o->json)
		rc = print_json(o, &coord, sts, n, one);
	else if (one)
		report_show(stdout, &sts[0], &coord);
	else
		report_table(stdout, sts, n);
	for (size_t i = 0; i < n && o->check && rc == EXIT_OK; i++)
		if (!report_healthy(&sts[i]))
			rc = EXIT_UNHEALTHY;
	free_all(sts, n);
	return rc;
}

static int cmd_watch(const struct opts *o, int mountfd)
{
	char **names = calloc((size_t)o->nargs + 1, sizeof(*names));
	struct watch_opts wo = {.mountfd = mountfd,
				.names = names,
				.json = o->json,
				.for_ns = o->for_ns,
				.out = stdout};
	int err;

	if (names == NULL)
		return EXIT_FAIL;
	for (int i = 0; i < o->nargs; i++) {
		if (!qot_name_valid(o->args[i], strlen(o->args[i])) ||
		    faccessat(mountfd, o->args[i], F_OK, 0) != 0) {
			free(names);
			return tl_error(o->mount, o->args[i], -ENOENT);
		}
		names[i] = o->args[i];
	}
	err = watch_run(&wo);
	free(names);
	if (err == -ENOENT) {
		fprintf(stderr, "%s: a timeline was removed before it could be watched\n", prog);
		return EXIT_NOTL;
	}
	if (err) {
		fprintf(stderr, "%s: watch: %s\n", prog, qot_strerror(err));
		return err == -ENOTCONN ? EXIT_NOMOUNT : EXIT_FAIL;
	}
	return EXIT_OK;
}

static int cmd_metrics(const struct opts *o, int mountfd)
{
	struct tlstate *sts;
	struct tlstate_coord coord;
	char *text = NULL;
	size_t n, len = 0;
	FILE *mem;
	int rc = read_all(mountfd, o->mount, &sts, &n), err;

	if (rc)
		return rc;
	read_coord(mountfd, &coord);
	if (o->output == NULL) {
		metrics_format(stdout, sts, n, &coord);
		free_all(sts, n);
		return EXIT_OK;
	}
	mem = open_memstream(&text, &len);
	if (mem == NULL) {
		free_all(sts, n);
		return EXIT_FAIL;
	}
	metrics_format(mem, sts, n, &coord);
	fclose(mem);
	free_all(sts, n);
	err = metrics_write_file(o->output, text, len);
	free(text);
	if (err) {
		fprintf(stderr, "%s: %s: %s\n", prog, o->output, strerror(-err));
		return EXIT_FAIL;
	}
	return EXIT_OK;
}

static int cmd_record(const struct opts *o, int mountfd)
{
	const char *name = o->args[0];
	char *path;
	struct record_opts ro = {.every_ns = o->have_every ? o->every_ns : 1000000000,
				 .for_ns = o->for_ns,
				 .out = stdout};
	int err;

	if (!qot_name_valid(name, strlen(name)) || faccessat(mountfd, name, F_OK, 0) != 0)
		return tl_error(o->mount, name, -ENOENT);
	if (asprintf(&path, "%s/%s/clock", o->mount, name) < 0)
		return EXIT_FAIL;
	if (o->output != NULL) {
		ro.out = fopen(o->output, "we");
		if (ro.out == NULL) {
			fprintf(stderr, "%s: %s: %s\n", prog, o->output, strerror(errno));
			free(path);
			return EXIT_FAIL;
		}
	}
	ro.clock_path = path;
	err = record_run(&ro);
	if (o->output != NULL && fclose(ro.out) != 0 && err == 0)
		err = -errno;
	free(path);
	if (err) {
		fprintf(stderr, "%s: record %s: %s\n", prog, name, qot_strerror(err));
		return err == -ENOENT ? EXIT_NOTL : EXIT_FAIL;
	}
	return EXIT_OK;
}

static int cmd_plot(const struct opts *o)
{
	struct plot_opts po = {
		.csv = o->args[0], .output = o->output, .format = o->format, .title = o->title};
	long line = 0;
	int err;

	if (o->output == NULL)
		return usage_error("plot needs -o OUT.png or -o OUT.svg", "");
	err = plot_run(&po, &line);
	switch (err) {
	case 0:
		return EXIT_OK;
	case -EINVAL:
		return usage_error("plot: '%s' does not end in .png or .svg (or give --format)",
				   o->output);
	case -EPROTO:
		fprintf(stderr, "%s: %s:%ld: not a line of the CSV qotctl record writes\n", prog,
			o->args[0], line);
		return EXIT_FAIL;
	case -ENODATA:
		fprintf(stderr, "%s: %s: no samples to plot\n", prog, o->args[0]);
		return EXIT_FAIL;
	case -ENOPKG:
		fprintf(stderr, "%s: plot needs gnuplot (Debian: apt-get install gnuplot-nox)\n",
			prog);
		return EXIT_FAIL;
	case -ECHILD:
		fprintf(stderr, "%s: gnuplot failed to draw %s\n", prog, o->output);
		return EXIT_FAIL;
	default:
		fprintf(stderr, "%s: %s: %s\n", prog, o->args[0], strerror(-err));
		return EXIT_FAIL;
	}
}

enum { OPT_CHECK = 256, OPT_FOR, OPT_EVERY, OPT_TITLE, OPT_FORMAT };

struct command {
	const char *name;
	int min_args, max_args; /* max -1: any */
	const char *options;	/* the long options it takes, besides --mount and --json */
	bool needs_mount;
};

static const struct command commands[] = {
	{"status", 0, 0, "check", true},
	{"show", 1, 1, "check", true},
	{"watch", 0, -1, "for", true},
	{"metrics", 0, 0, "output", true},
	{"record", 1, 1, "for every output", true},
	{"plot", 1, 1, "output title format", false},
};

static bool takes(const struct command *c, const char *opt)
{
	size_t n = strlen(opt);

	for (const char *p = c->options; (p = strstr(p, opt)) != NULL; p += n)
		if ((p == c->options || p[-1] == ' ') && (p[n] == '\0' || p[n] == ' '))
			return true;
	return false;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {{"mount", required_argument, NULL, 'm'},
						 {"json", no_argument, NULL, 'j'},
						 {"output", required_argument, NULL, 'o'},
						 {"check", no_argument, NULL, OPT_CHECK},
						 {"for", required_argument, NULL, OPT_FOR},
						 {"every", required_argument, NULL, OPT_EVERY},
						 {"title", required_argument, NULL, OPT_TITLE},
						 {"format", required_argument, NULL, OPT_FORMAT},
						 {"help", no_argument, NULL, 'h'},
						 {"version", no_argument, NULL, 'V'},
						 {NULL, 0, NULL, 0}};
	const char *given[8] = {0};
	size_t ngiven = 0;
	struct opts o = {0};
	const struct command *cmd = NULL;
	int c, mountfd = -1, rc;

	while ((c = getopt_long(argc, argv, "m:jo:hV", longopts, NULL)) != -1) {
		const char *opt = NULL;
		switch (c) {
		case 'm':
			o.mount = optarg;
			break;
		case 'j':
			o.json = true;
			break;
		case 'o':
			o.output = optarg;
			opt = "output";
			break;
		case OPT_CHECK:
			o.check = true;
			opt = "check";
			break;
		case OPT_FOR:
			if (parse_duration("for", optarg, &o.for_ns) < 0)
				return EXIT_USAGE;
			o.have_for = true;
			opt = "for";
			break;
		case OPT_EVERY:
			if (parse_duration("every", optarg, &o.every_ns) < 0)
				return EXIT_USAGE;
			if (o.every_ns < 1000000)
				return usage_error("--every must be at least 1ms", "");
			o.have_every = true;
			opt = "every";
			break;
		case OPT_TITLE:
			o.title = optarg;
			opt = "title";
			break;
		case OPT_FORMAT:
			o.format = optarg;
			opt = "format";
			break;
		case 'h':
			usage(stdout);
			return EXIT_OK;
		case 'V':
			printf("%s %s\n", prog, QOT_VERSION_STRING);
			return EXIT_OK;
		default:
			fprintf(stderr, "Try '%s --help'.\n", prog);
			return EXIT_USAGE;
		}
		if (opt != NULL && ngiven < sizeof(given) / sizeof(given[0]))
			given[ngiven++] = opt;
	}
	if (optind >= argc)
		return usage_error("no command given (status, show, watch, metrics, record, plot)",
				   "");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(argv[optind], commands[i].name) == 0)
			cmd = &commands[i];
	if (cmd == NULL)
		return usage_error("unknown command '%s'", argv[optind]);
	o.args = argv + optind + 1;
	o.nargs = argc - optind - 1;
	if (o.nargs < cmd->min_args)
		return usage_error(cmd->min_args == 1 && strcmp(cmd->name, "plot") == 0
					   ? "plot needs the CSV file that record wrote"
					   : "%s needs a timeline",
				   cmd->name);
	if (cmd->max_args >= 0 && o.nargs > cmd->max_args) {
		fprintf(stderr, "%s: %s: too many arguments ('%s')\nTry '%s --help'.\n", prog,
			cmd->name, o.args[cmd->max_args], prog);
		return EXIT_USAGE;
	}
	for (size_t i = 0; i < ngiven; i++)
		if (!takes(cmd, given[i])) {
			fprintf(stderr, "%s: %s does not take --%s\nTry '%s --help'.\n", prog,
				cmd->name, given[i], prog);
			return EXIT_USAGE;
		}
	if (o.json && (strcmp(cmd->name, "metrics") == 0 || strcmp(cmd->name, "record") == 0 ||
		       strcmp(cmd->name, "plot") == 0))
		return usage_error("%s does not take --json", cmd->name);
	if (o.mount == NULL || o.mount[0] == '\0')
		o.mount = qot_root();
	if (cmd->needs_mount) {
		rc = open_mount(o.mount, &mountfd);
		if (rc)
			return rc;
	}
	if (strcmp(cmd->name, "status") == 0 || strcmp(cmd->name, "show") == 0)
		rc = cmd_report(&o, mountfd, strcmp(cmd->name, "show") == 0);
	else if (strcmp(cmd->name, "watch") == 0)
		rc = cmd_watch(&o, mountfd);
	else if (strcmp(cmd->name, "metrics") == 0)
		rc = cmd_metrics(&o, mountfd);
	else if (strcmp(cmd->name, "record") == 0)
		rc = cmd_record(&o, mountfd);
	else
		rc = cmd_plot(&o);
	if (mountfd >= 0)
		close(mountfd);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "%s: standard output: %s\n", prog, strerror(errno));
		return EXIT_FAIL;
	}
	return rc;
}
