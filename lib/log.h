/* SPDX-License-Identifier: Apache-2.0 */
/*
 * log.h - logging for the qotfs daemons: to stderr in the foreground, to
 * syslog once detached, with syslog's levels.
 */
#ifndef QOT_LOG_H
#define QOT_LOG_H

#include <stdio.h>
#include <syslog.h>

enum qot_log_level {
	QOT_LOG_ERR = LOG_ERR,
	QOT_LOG_WARNING = LOG_WARNING,
	QOT_LOG_NOTICE = LOG_NOTICE,
	QOT_LOG_INFO = LOG_INFO,
	QOT_LOG_DEBUG = LOG_DEBUG,
};

/*
 * ident: program name; messages above max_level are dropped. When standard
 * error is the journal's stream ($JOURNAL_STREAM names it, as systemd sets
 * it), each line starts with its level as "<N>" instead of "ident: ", so
 * that the journal keeps the level.
 */
void qot_log_init(const char *ident, int max_level);
/* From now on (e.g. after detaching) log to syslog instead of stderr. */
void qot_log_to_syslog(void);

void qot_log(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/*
 * The value of a --log-level option: err, warning, notice, info or debug,
 * into *level. On anything else, print "PROG: --log-level: ..." to err and
 * return -1 (the caller exits with status 2).
 */
int qot_log_parse_level(const char *prog, const char *arg, int *level, FILE *err);

#endif /* QOT_LOG_H */
