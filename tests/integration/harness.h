/* SPDX-License-Identifier: Apache-2.0 */
/*
 * harness.h - real qotfs mounts for integration tests.
 *
 * Each test gets its own daemon on a fresh directory. Waits are bounded and
 * wait for events (the mount appearing, a file changing), never for a fixed
 * time. Check ends a failing test process with _exit(), so cleanup cannot
 * rely on the test: the daemon gets SIGTERM when the test process dies
 * (PR_SET_PDEATHSIG) and unmounts itself, and every mount point lives in one
 * run directory that harness_run() sweeps from the parent process. CTest also
 * runs each suite in private mount and pid namespaces (see CMakeLists.txt).
 */
#ifndef QOT_TEST_HARNESS_H
#define QOT_TEST_HARNESS_H

#include <stddef.h>
#include <sys/types.h>

#include <check.h>

extern char mnt[256]; /* the mount point of the running daemon */

/* Run the suite with a run directory around it; returns the exit status for main. */
int harness_run(Suite *suite);

/* Start qotfs -f on a fresh directory with extra arguments (NULL-terminated). */
void qotfs_start(const char *first_arg, ...);
/* SIGTERM, expect a clean exit (status 0) and the mount gone. */
void qotfs_stop(void);
pid_t qotfs_pid(void);

/* Path under the mount: mpath("tl/now") -> "<mnt>/tl/now" (static buffer ring). */
const char *mpath(const char *rel);

/* Whole content of a file, NUL-terminated, in a static buffer; NULL + errno on error. */
const char *slurp(const char *path);
/* Open path with flags, write text in one write(); 0 or -errno. */
int write_file(const char *path, int flags, const char *text);
/* write(2) of text on fd; 0 or -errno. */
int write_fd(int fd, const char *text);

/* Wait up to timeout_ms until file's content equals want (never NULL). 1 if so. */
int wait_content(const char *path, const char *want, int timeout_ms);
/* Wait up to timeout_ms until the file has that many lines. 1 if so. */
int wait_content_lines(const char *path, int lines, int timeout_ms);
/* Number of lines in a file, -1 on error. */
int count_lines(const char *path);

/* Run fn in a child process (after optional setup) and return its exit status. */
int run_child(int (*fn)(void *), void *arg);

#endif /* QOT_TEST_HARNESS_H */
