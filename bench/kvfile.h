/* SPDX-License-Identifier: Apache-2.0 */
/*
 * kvfile.h - KEY=VALUE lines appended to a file that a benchmark runner
 * collects (bench/sync.sh); nothing is written when no file was opened.
 */
#ifndef QOT_BENCH_KVFILE_H
#define QOT_BENCH_KVFILE_H

/* Append to path, each key prefixed; 0, or -errno. */
int kvfile_open(const char *path, const char *prefix);
void kvfile_put(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void kvfile_close(void);

#endif /* QOT_BENCH_KVFILE_H */
