/* SPDX-License-Identifier: Apache-2.0 */
/*
 * mapped_reader - a libqot client that keeps reading a timeline's mapped
 * clock page while qotfs is killed and restarted (test_restart.sh).
 *
 *   mapped_reader CLOCK_PATH STOPFILE MAX_SECONDS
 *
 * Reads about every millisecond until STOPFILE exists. Every read must
 * succeed: the page is locked in memory, so it outlives its daemon. It
 * creates STOPFILE.mapped-read after its first read. At the end it
 * prints the statuses it saw, its last status, and the anchor and age of
 * the parameters it reads last, so the test can tell that it followed the
 * new mount by itself.
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "qot.h"

/* Create PATH SUFFIX, an empty file that says something happened. */
static void touch_marker(const char *path, const char *suffix)
{
	char name[4096];
	FILE *f;

	snprintf(name, sizeof(name), "%s%s", path, suffix);
	f = fopen(name, "w");
	if (f)
		fclose(f);
}

static int64_t realtime_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int main(int argc, char **argv)
{
	unsigned long reads = 0, by_status[4] = {0};
	struct qot_clock_params params;
	struct qot_time t, last = {0};
	qot_clock *clk;
	int64_t base, deadline;
	int err;

	if (argc != 4) {
		fprintf(stderr, "usage: %s CLOCK_PATH STOPFILE MAX_SECONDS\n", argv[0]);
		return 2;
	}
	err = qot_clock_open_path(argv[1], &clk);
	if (err) {
		fprintf(stderr, "mapped_reader: %s: %s\n", argv[1], qot_strerror(err));
		return 1;
	}
	deadline = realtime_ns() + atoll(argv[3]) * 1000000000LL;
	while (access(argv[2], F_OK) != 0) {
		if (realtime_ns() > deadline) {
			fprintf(stderr, "mapped_reader: never told to stop\n");
			return 1;
		}
		err = qot_clock_read(clk, &t);
		if (err) {
			fprintf(stderr, "mapped_reader: read %lu: %s\n", reads, qot_strerror(err));
			return 1;
		}
		if (reads++ == 0) /* the test waits for it */
			touch_marker(argv[2], ".mapped-read");
		by_status[t.status < 4 ? t.status : 0]++;
		last = t;
		usleep(1000);
	}
	err = qot_clock_params_read(clk, &params, &base);
	if (err) {
		fprintf(stderr, "mapped_reader: params: %s\n", qot_strerror(err));
		return 1;
	}
	printf("reads=%lu unsynced=%lu synced=%lu holdover=%lu stale=%lu last=%s "
	       "params_anchor=%lld params_age_ms=%lld\n",
	       reads, by_status[0], by_status[1], by_status[2], by_status[3],
	       qot_status_name(last.status), (long long)params.anchor,
	       (long long)((base - params.anchor) / 1000000));
	qot_clock_close(clk);
	return 0;
}
