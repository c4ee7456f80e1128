/* SPDX-License-Identifier: Apache-2.0 */
/*
 * qot-check - say whether qotfs takes a line written to one of its files,
 * and if not, why: the parsers are the daemon's own (libqot's), so the
 * reason is the one qotfs has for refusing the same text.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kvline.h"
#include "members.h"
#include "note.h"
#include "params.h"
#include "qot.h"
#include "reason.h"
#include "reqline.h"
#include "waitcalc.h"

static int check_bind(const char *t, size_t n)
{
	struct qot_bind_spec s;
	return qot_bindline_parse(t, n, &s);
}

static int check_requirements(const char *t, size_t n)
{
	struct qot_req r;
	return qot_reqline_parse(t, n, &r);
}

static int check_ctl(const char *t, size_t n)
{
	struct qot_clock_params p;
	char source[QOT_NAME_MAX + 1];
	return qot_params_parse(t, n, &p, source);
}

static int check_note(const char *t, size_t n)
{
	int len = qot_note_check(t, n);
	return len < 0 ? len : 0;
}

static int check_members(const char *t, size_t n)
{
	struct qot_membership m;
	int err = qot_membership_parse(t, n, &m);

	if (err == 0)
		qot_membership_free(&m);
	return err;
}

static int check_coordination(const char *t, size_t n)
{
	char node[QOT_NAME_MAX + 1];
	int64_t until;
	return qot_leaseline_parse(t, n, node, &until);
}

static int check_hlc(const char *t, size_t n)
{
	struct qot_hlc_ts ts;
	return qot_hlc_parse(t, n, &ts);
}

static int check_timer(const char *t, size_t n)
{
	struct qot_timer_spec s;
	return qot_timerline_parse(t, n, &s);
}

static const struct {
	const char *file;
	int (*check)(const char *text, size_t len);
	size_t max; /* the largest write qotfs takes */
	const char *usage;
} files[] = {
	{"bind", check_bind, QOT_KV_LINE_MAX, "name=NAME [accuracy=DUR[/DUR]] [resolution=DUR]"},
	{"requirements", check_requirements, QOT_KV_LINE_MAX,
	 "[accuracy=DUR[/DUR]] [resolution=DUR]"},
	{"ctl", check_ctl, QOT_KV_LINE_MAX, "status=... anchor=... (see qot(7), ctl)"},
	{"note", check_note, QOT_KV_LINE_MAX,
	 "KEY=VALUE [~KEY=VALUE]... [free text] (qot(7), note)"},
	{"members", check_members, QOT_MEMBERS_TEXT_MAX,
	 "leader=NAME|none, then node=NAME [accuracy=...] lines"},
	{".coordination", check_coordination, QOT_KV_LINE_MAX, "node=NAME until=NANOSECONDS"},
	{"hlc", check_hlc, QOT_KV_LINE_MAX, "a timestamp as hlc prints it"},
	{"timer", check_timer, QOT_KV_LINE_MAX,
	 "at=SECONDS | commit=SECONDS | period=DUR [phase=DUR]"},
};
#define NFILES (sizeof(files) / sizeof(files[0]))

/* All of standard input (at most size bytes: more is cut), or -errno. */
static ssize_t read_input(char *buf, size_t size)
{
	size_t len = 0;

	while (len < size) {
		ssize_t n = read(STDIN_FILENO, buf + len, size - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			break;
		len += (size_t)n;
	}
	return (ssize_t)len;
}

static void usage(FILE *f, const char *prog)
{
	fprintf(f,
		"Usage: %s FILE [LINE]\n"
		"Say whether qotfs takes LINE (or standard input, as one write) written to\n"
		"FILE, and if not, why. FILE is a file name or a path ending in one:\n",
		prog);
	for (size_t i = 0; i < NFILES; i++)
		fprintf(f, "  %-14s %s\n", files[i].file, files[i].usage);
	fprintf(f, "A LINE argument is checked as echo writes it, with a newline.\n"
		   "Exit status: 0 taken, 1 refused, 2 usage. See qot-check(1) and qot(7).\n");
}

int main(int argc, char **argv)
{
	const char *file, *slash;
	static char text[QOT_MEMBERS_TEXT_MAX + 2];
	size_t len, i;
	int err;

	if (argc == 2 && strcmp(argv[1], "--help") == 0) {
		usage(stdout, argv[0]);
		return 0;
	}
	if (argc == 2 && strcmp(argv[1], "--version") == 0) {
		printf("qot-check %s\n", QOT_VERSION_STRING);
		return 0;
	}
	if (argc < 2 || argc > 3) {
		usage(stderr, argv[0]);
		return 2;
	}
	slash = strrchr(argv[1], '/');
	file = slash ? slash + 1 : argv[1];
	for (i = 0; i < NFILES && strcmp(files[i].file, file) != 0; i++)
		;
	if (i == NFILES) {
		fprintf(stderr, "qot-check: '%s' is not a file qotfs takes writes to\n", argv[1]);
		usage(stderr, argv[0]);
		return 2;
	}
	if (argc == 3) {
		len = strlen(argv[2]);
		if (len > sizeof(text) - 2)
			len = sizeof(text) - 2; /* too long either way: EMSGSIZE below */
		memcpy(text, argv[2], len);
		text[len++] = '\n';
	} else {
		ssize_t n = read_input(text, sizeof(text) - 1);
		if (n < 0) {
			fprintf(stderr, "qot-check: standard input: %s\n", strerror((int)-n));
			return 2;
		}
		len = (size_t)n;
	}
	qot_reason_clear();
	if (len > files[i].max)
		err = qot_refuse(-EMSGSIZE, "a write to %s takes at most %zu bytes, this is %zu",
				 files[i].file, files[i].max, len);
	else
		err = files[i].check(text, len);
	if (err == 0) {
		printf("%s: taken\n", files[i].file);
		return 0;
	}
	printf("%s: refused with %s (%s)%s%s\n", files[i].file, strerrorname_np(-err),
	       strerror(-err), qot_reason()[0] ? ": " : "", qot_reason());
	return 1;
}
