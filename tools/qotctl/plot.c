/* SPDX-License-Identifier: Apache-2.0 */
/* plot.c - a recorded CSV drawn by gnuplot. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kvline.h"
#include "plot.h"
#include "record.h"

struct scan {
	int64_t t0;
	uint64_t peak; /* largest |offset| + bound seen, ns */
	long rows, by_status[4];
};

static const char *const statuses[] = {"synced", "holdover", "unsynced", "stale"};

static int field_i64(const char *s, size_t len, int64_t *out)
{
	return qot_parse_i64((struct qot_slice){s, len}, out);
}

/* One row: time,offset,below,above,status. */
static int scan_row(char *line, struct scan *sc)
{
	char *f[5];
	size_t n = 0;
	int64_t t, off, b[2];
	uint64_t mag;

	f[n++] = line;
	for (char *p = line; *p; p++)
		if (*p == ',') {
			if (n == 5)
				return -EPROTO;
			*p = '\0';
			f[n++] = p + 1;
		}
	if (n != 5 || field_i64(f[0], strlen(f[0]), &t) || field_i64(f[1], strlen(f[1]), &off))
		return -EPROTO;
	for (int k = 0; k < 2; k++) {
		b[k] = -1;
		if (f[2 + k][0] != '\0' &&
		    (field_i64(f[2 + k], strlen(f[2 + k]), &b[k]) || b[k] < 0))
			return -EPROTO;
	}
	for (int s = 0;; s++) {
		if (s == 4)
			return -EPROTO;
		if (strcmp(f[4], statuses[s]) == 0) {
			sc->by_status[s]++;
			break;
		}
	}
	if (sc->rows++ == 0)
		sc->t0 = t;
	mag = off < 0 ? 0 - (uint64_t)off : (uint64_t)off;
	for (int k = 0; k < 2; k++)
		if (b[k] >= 0 && mag + (uint64_t)b[k] > sc->peak)
			sc->peak = mag + (uint64_t)b[k];
	if (b[0] < 0 && b[1] < 0 && mag > sc->peak)
		sc->peak = mag;
	return 0;
}

static int scan_csv(const char *path, struct scan *sc, long *lineno)
{
	FILE *f = fopen(path, "re");
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	int err = 0;

	if (f == NULL)
		return -errno;
	memset(sc, 0, sizeof(*sc));
	*lineno = 0;
	while ((n = getline(&line, &cap, f)) >= 0) {
		++*lineno;
		if (n > 0 && line[n - 1] == '\n')
			line[--n] = '\0';
		if (*lineno == 1) {
			if (strcmp(line, RECORD_HEADER) != 0) {
				err = -EPROTO;
				break;
			}
			continue;
		}
		err = scan_row(line, sc);
		if (err)
			break;
	}
	if (err == 0 && ferror(f))
		err = -EIO;
	if (err == 0 && *lineno == 0)
		err = -EPROTO; /* not even a header */
	if (err == 0 && sc->rows == 0)
		err = -ENODATA;
	free(line);
	fclose(f);
	return err;
}

/* A gnuplot string in single quotes: a quote is written twice. */
static void gp_quote(FILE *f, const char *s)
{
	fputc('\'', f);
	for (; *s; s++) {
		if (*s == '\'')
			fputc('\'', f);
		fputc(*s, f);
	}
	fputc('\'', f);
}

static void gp_script(FILE *f, const struct plot_opts *o, const char *format, const struct scan *sc)
{
	const char *unit = "ns";
	double scale = 1;
	bool first = true;
	const char *title = o->title;

	if (sc->peak >= 1000000000) {
		unit = "s";
		scale = 1e9;
	} else if (sc->peak >= 1000000) {
		unit = "ms";
		scale = 1e6;
	} else if (sc->peak >= 1000) {
		unit = "us";
		scale = 1e3;
	}
	if (title == NULL) {
		const char *slash = strrchr(o->csv, '/');
		title = slash ? slash + 1 : o->csv;
	}
	if (strcmp(format, "png") == 0)
		fputs("set terminal pngcairo noenhanced size 1000,520 font 'sans,10'\n", f);
	else
		fputs("set terminal svg noenhanced size 1000,520 font 'sans,10' background rgb "
		      "'white'\n",
		      f);
	fputs("set output ", f);
	gp_quote(f, o->output);
	fputs("\nset title ", f);
	gp_quote(f, title);
	fprintf(f,
		"\nset datafile separator ','\n"
		"set key outside bottom center horizontal\n"
		"set grid\n"
		"set autoscale xfix\n"
		"set xlabel 'seconds since the first sample'\n"
		"set ylabel 'timeline - CLOCK_REALTIME (%s)'\n"
		"t0 = %" PRId64 ".0\n"
		"s = %.1f\n",
		unit, sc->t0, scale);
	fputs("plot ", f);
	/* the bounds, one band per status that has finite ones */
	for (int k = 0; k < 2; k++) {
		const char *st = statuses[k];
		const char *colour = k == 0 ? "#66bd63" : "#f46d43";
		if (sc->by_status[k] == 0)
			continue;
		if (!first)
			fputs(", \\\n     ", f);
		first = false;
		gp_quote(f, o->csv);
		fprintf(f,
			" skip 1 using (($1 - t0) / 1e9):(strcol(5) eq '%s' ? ($2 - $3) / s : 1/0)"
			":(strcol(5) eq '%s' ? ($2 + $4) / s : 1/0) with filledcurves "
			"fc rgb '%s' fs transparent solid 0.45 noborder title 'bounds, %s'",
			st, st, colour, st);
	}
	if (!first)
		fputs(", \\\n     ", f);
	gp_quote(f, o->csv);
	fputs(" skip 1 using (($1 - t0) / 1e9):($2 / s) with lines lc rgb 'black' lw 1.5 "
	      "title 'estimate'",
	      f);
	if (sc->by_status[2] + sc->by_status[3] > 0) {
		fputs(", \\\n     ", f);
		gp_quote(f, o->csv);
		fputs(" skip 1 using (($1 - t0) / 1e9):(strcol(5) eq 'unsynced' || strcol(5) eq "
		      "'stale' ? $2 / s : 1/0) with points pt 7 ps 0.5 lc rgb '#d73027' "
		      "title 'unsynced or stale: unbounded'",
		      f);
	}
	fputs("\n", f);
}

int plot_run(const struct plot_opts *o, long *line)
{
	const char *format = o->format, *prog = o->gnuplot;
	struct scan sc;
	int pipefd[2], status, err;
	pid_t pid;
	FILE *f;

	if (format == NULL) {
		const char *dot = strrchr(o->output, '.');
		format = dot ? dot + 1 : "";
	}
	if (strcmp(format, "png") != 0 && strcmp(format, "svg") != 0)
		return -EINVAL;
	err = scan_csv(o->csv, &sc, line);
	if (err)
		return err;
	if (prog == NULL)
		prog = getenv("QOTCTL_GNUPLOT");
	if (prog == NULL || prog[0] == '\0')
		prog = "gnuplot";
	if (pipe2(pipefd, O_CLOEXEC) < 0)
		return -errno;
	pid = fork();
	if (pid < 0) {
		err = -errno;
		close(pipefd[0]);
		close(pipefd[1]);
		return err;
	}
	if (pid == 0) {
		dup2(pipefd[0], STDIN_FILENO);
		execlp(prog, prog, (char *)NULL);
		_exit(errno == ENOENT ? 127 : 126);
	}
	close(pipefd[0]);
	f = fdopen(pipefd[1], "w");
	if (f == NULL) {
		close(pipefd[1]);
	} else {
		signal(SIGPIPE, SIG_IGN); /* a gnuplot that died is told by its status */
		gp_script(f, o, format, &sc);
		fclose(f);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -errno;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
		return -ENOPKG;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return -ECHILD;
	return 0;
}
