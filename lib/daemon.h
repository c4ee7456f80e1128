/* SPDX-License-Identifier: Apache-2.0 */
/*
 * daemon.h - how a qotfs daemon starts, after its command line
 * (cmdline.h): logging as asked (stderr in the foreground, syslog once
 * detached or with --syslog), the signals it handles taken from a signalfd
 * (blocked, so that they wait for the loop), SIGPIPE ignored (a peer that
 * went away is an error return, not a death), and detached from the
 * terminal unless in the foreground. Detaching forks: start before any
 * thread does.
 */
#ifndef QOT_DAEMON_H
#define QOT_DAEMON_H

#include <stdbool.h>

#include "cmdline.h"

/* Log as the command line asks, to stderr until qot_daemon_start. */
void qot_daemon_log_init(const struct qot_cmdline *cl);

/*
 * Block signals (0-terminated) and return a signalfd (close-on-exec) that
 * reads them; detach unless cl says foreground or already_detached (an
 * image that a running daemon re-executed). -1 after saying why.
 */
int qot_daemon_start(const struct qot_cmdline *cl, const int *signals, bool already_detached);

/* Take one signal from the signalfd: its number, or 0 if none was there. */
int qot_daemon_signal(int fd);

#endif /* QOT_DAEMON_H */
