/* log.c - stderr or syslog, with levels. */
#include <stdarg.h>
#include <stdio.h>

#include "log.h"

static const char *log_ident = "qot";
static int log_max = LOG_INFO;
static int log_syslog;

void qot_log_init(const char *ident, int max_level)
{
	log_ident = ident;
	log_max = max_level;
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
		fprintf(stderr, "%s: ", log_ident);
		vfprintf(stderr, fmt, ap);
		fputc('\n', stderr);
		funlockfile(stderr);
	}
	va_end(ap);
}
