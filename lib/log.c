/* SPDX-License-Identifier: Apache-2.0 */
/* log.c - stderr or syslog, with levels. */
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"

static const char *log_ident = "qot";
static int log_max = LOG_INFO;
static int log_syslog;
static bool log_journal; /* stderr is the journal: "<N>" prefixes */

static const struct {
	const char *name;
	int level;
} log_levels[] = {
	{"err", LOG_ERR},   {"warning", LOG_WARNING}, {"notice", LOG_NOTICE},
	{"info", LOG_INFO}, {"debug", LOG_DEBUG},
};

/* systemd sets JOURNAL_STREAM=DEV:INODE of the stream it connects. */
static bool stderr_is_journal(void)
{
	const char *js = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat st;
	char end;

	if (js == NULL || sscanf(js, "%llu:%llu%c", &dev, &ino, &end) != 2)
		return false;
	return fstat(STDERR_FILENO, &st) == 0 && st.st_dev == dev && st.st_ino == ino;
}

void qot_log_init(const char *ident, int max_level)
{
	log_ident = ident;
	log_max = max_level;
	log_journal = stderr_is_journal();
}

void qot_log_to_syslog(void)
{
	openlog(log_ident, LOG_PID, LOG_DAEMON);
	log_syslog = 1;
}

void qot_log(int level, const char *fmt, ...)
{
	va_list ap;

	if (level > log_max)
		return;
	va_start(ap, fmt);
	if (log_syslog) {
		vsyslog(level, fmt, ap);
	} else {
		flockfile(stderr);
		if (log_journal)
			fprintf(stderr, "<%d>", level);
		else
			fprintf(stderr, "%s: ", log_ident);
		vfprintf(stderr, fmt, ap);
		fputc('\n', stderr);
		funlockfile(stderr);
	}
	va_end(ap);
}

int qot_log_parse_level(const char *prog, const char *arg, int *level, FILE *err)
{
	for (size_t i = 0; i < sizeof(log_levels) / sizeof(log_levels[0]); i++) {
		if (strcmp(arg, log_levels[i].name) == 0) {
			*level = log_levels[i].level;
			return 0;
		}
	}
	fprintf(err, "%s: --log-level: expected err, warning, notice, info or debug, got '%s'\n",
		prog, arg);
	return -1;
}
