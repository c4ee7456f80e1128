/* SPDX-License-Identifier: Apache-2.0 */
/* Integration: every file of a real qotfs mount, bad input, lifetimes, permissions, poll. */
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <grp.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"
#include "qot.h"

#define UNBOUNDED_TEXT "18446744073.709551615"
#define NOBODY	       65534

static void start_default(void)
{
	qotfs_start(NULL);
}

static void start_small_caps(void)
{
	qotfs_start("--max-timelines=3", "--max-bindings=2", "--max-bindings-per-uid=3", NULL);
}

static void start_read_caps(void)
{
	qotfs_start("--max-read-per-uid=8192", "--max-timelines-per-uid=2", NULL);
}

static void stop(void)
{
	qotfs_stop();
}

static void mk(const char *name)
{
	ck_assert_msg(mkdir(mpath(name), 0755) == 0, "mkdir %s: %s", name, strerror(errno));
}

/* errno of a failing call, 0 on success. */
#define ERRNO_OF(call) ((call) < 0 ? errno : 0)

START_TEST(tree_and_modes)
{
	struct stat st;
	struct statvfs sv;
	static const struct {
		const char *name;
		mode_t mode;
		off_t size;
	} files[] = {
		{"now", 0444, 0},      {"clock", 0444, 4096},	  {"bind", 0666, 0},
		{"bindings", 0444, 0}, {"requirements", 0644, 0}, {"ctl", 0644, 0},
		{"sync", 0444, 0},
	};

	ck_assert_int_eq(stat(mnt, &st), 0);
	ck_assert_uint_eq(st.st_mode, S_IFDIR | 01777);
	ck_assert_str_eq(slurp(mpath(".timelines")), "");
	mk("alpha");
	mk("beta");
	ck_assert_str_eq(slurp(mpath(".timelines")), "alpha\nbeta\n");
	ck_assert_int_eq(stat(mpath("alpha"), &st), 0);
	ck_assert_uint_eq(st.st_mode, S_IFDIR | 0755);
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		char rel[64];
		snprintf(rel, sizeof(rel), "alpha/%s", files[i].name);
		ck_assert_int_eq(stat(mpath(rel), &st), 0);
		ck_assert_uint_eq(st.st_mode, S_IFREG | files[i].mode);
		ck_assert_int_eq(st.st_size, files[i].size);
	}
	ck_assert_int_eq(ERRNO_OF(stat(mpath("alpha/nope"), &st)), ENOENT);
	ck_assert_int_eq(ERRNO_OF(stat(mpath("gamma"), &st)), ENOENT);
	ck_assert_int_eq(statvfs(mnt, &sv), 0);
	ck_assert_uint_eq(sv.f_namemax, 64);
	ck_assert_uint_eq(sv.f_files, 65536); /* the cap on timelines */
	ck_assert_uint_eq(sv.f_ffree, 65536 - 2);
	ck_assert_int_eq(rmdir(mpath("alpha")), 0);
	ck_assert_str_eq(slurp(mpath(".timelines")), "beta\n");
	ck_assert_int_eq(ERRNO_OF(stat(mpath("alpha"), &st)), ENOENT);
}
END_TEST

START_TEST(names_and_refused_operations)
{
	char name[80];
	int fd;

	memset(name, 'n', sizeof(name));
	name[64] = '\0';
	mk(name); /* 64 characters */
	name[65] = '\0';
	name[64] = 'n';
	ck_assert_int_eq(ERRNO_OF(mkdir(mpath(name), 0755)), EINVAL);
	ck_assert_int_eq(ERRNO_OF(mkdir(mpath(".hidden"), 0755)), EINVAL);
	ck_assert_int_eq(ERRNO_OF(mkdir(mpath("a b"), 0755)), EINVAL);
	ck_assert_int_eq(ERRNO_OF(mkdir(mpath("caf\xc3\xa9"), 0755)), EINVAL);
	ck_assert_int_eq(ERRNO_OF(mkdir(mpath(".timelines"), 0755)), EEXIST);
	mk("tl");
	ck_assert_int_eq(ERRNO_OF(mkdir(mpath("tl"), 0755)), EEXIST);
	ck_assert_int_eq(ERRNO_OF(mkdir(mpath("tl/sub"), 0755)), EPERM);
	ck_assert_int_eq(ERRNO_OF(open(mpath("file"), O_CREAT | O_WRONLY, 0644)), EPERM);
	ck_assert_int_eq(ERRNO_OF(open(mpath("tl/file"), O_CREAT | O_WRONLY, 0644)), EPERM);
	ck_assert_int_eq(ERRNO_OF(mknod(mpath("fifo"), S_IFIFO | 0644, 0)), EPERM);
	ck_assert_int_eq(ERRNO_OF(symlink("tl", mpath("link"))), EPERM);
	ck_assert_int_eq(ERRNO_OF(link(mpath("tl/now"), mpath("tl/now2"))), EPERM);
	ck_assert_int_eq(ERRNO_OF(rename(mpath("tl"), mpath("tl2"))), EPERM);
	ck_assert_int_eq(ERRNO_OF(rename(mpath("tl/now"), mpath("tl/later"))), EPERM);
	ck_assert_int_eq(ERRNO_OF(unlink(mpath("tl/now"))), EPERM);
	ck_assert_int_eq(ERRNO_OF(unlink(mpath(".timelines"))), EPERM);
	ck_assert_int_eq(ERRNO_OF(unlink(mpath("tl"))), EISDIR);
	ck_assert_int_eq(ERRNO_OF(rmdir(mpath("tl/now"))), ENOTDIR);
	ck_assert_int_eq(ERRNO_OF(rmdir(mpath("nothere"))), ENOENT);
	ck_assert_int_eq(ERRNO_OF(chmod(mpath("tl/now"), 0666)), EPERM);
	ck_assert_int_eq(ERRNO_OF(truncate(mpath("tl/now"), 0)), EPERM);
	ck_assert_int_eq(ERRNO_OF(truncate(mpath("tl/bind"), 5)), EPERM);
	ck_assert_int_eq(truncate(mpath("tl/requirements"), 0), 0); /* as "> file" does */
	/* qot(7) ERRORS: only bind, requirements, ctl and hlc accept size 0. */
	ck_assert_int_eq(truncate(mpath("tl/bind"), 0), 0);
	ck_assert_int_eq(truncate(mpath("tl/ctl"), 0), 0);
	ck_assert_int_eq(truncate(mpath("tl/hlc"), 0), 0);
	ck_assert_int_eq(ERRNO_OF(truncate(mpath("tl/timer"), 0)), EPERM);
	ck_assert_int_eq(ERRNO_OF(truncate(mpath("tl/members"), 0)), EPERM);
	ck_assert_int_eq(ERRNO_OF(truncate(mpath(".coordination"), 0)), EPERM);
	ck_assert_int_eq(ERRNO_OF(truncate(mpath("tl/cluster"), 0)), EPERM);
	ck_assert_int_eq(ERRNO_OF(truncate(mpath(".timelines"), 0)), EPERM);
	ck_assert_int_eq(ERRNO_OF(open(mpath("tl/now"), O_WRONLY)), EACCES);
	ck_assert_int_eq(ERRNO_OF(open(mpath("tl/clock"), O_RDWR)), EACCES);
	ck_assert_int_eq(ERRNO_OF(open(mpath("tl"), O_WRONLY)), EISDIR);
	fd = open(mpath("tl/now"), O_RDONLY);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(ERRNO_OF(write(fd, "x", 1)), EBADF);
	close(fd);
}
END_TEST

START_TEST(now_is_fresh_and_honest)
{
	char buf[256], status[32];
	double est1, est2, below, above;
	ssize_t n;
	int fd;

	mk("tl");
	fd = open(mpath("tl/now"), O_RDONLY);
	ck_assert_int_ge(fd, 0);
	n = pread(fd, buf, sizeof(buf) - 1, 0);
	ck_assert_int_gt(n, 0);
	buf[n] = '\0';
	/* Nobody disciplines it: unbounded, never a zero-width interval. */
	ck_assert_int_eq(
		sscanf(buf, "%lf " UNBOUNDED_TEXT " " UNBOUNDED_TEXT " %31s", &est1, status), 2);
	ck_assert_str_eq(status, "unsynced");
	ck_assert_int_eq(buf[n - 1], '\n');
	/* Each read at offset 0 samples afresh (never the page cache). */
	usleep(2000);
	n = pread(fd, buf, sizeof(buf) - 1, 0);
	buf[n] = '\0';
	ck_assert_int_eq(sscanf(buf, "%lf %lf %lf %31s", &est2, &below, &above, status), 4);
	ck_assert_msg(est2 > est1, "now did not advance: %.9f then %.9f", est1, est2);
	/* Small reads walk one snapshot; the next offset-0 read starts a new one. */
	{
		char a[8], b[256];
		ssize_t m = pread(fd, a, 5, 0);
		ssize_t k = pread(fd, b, sizeof(b) - 1, 5);
		ck_assert_int_eq(m, 5);
		ck_assert_int_gt(k, 10);
		b[k] = '\0';
		ck_assert_ptr_nonnull(strstr(b, "unsynced\n"));
		ck_assert_int_eq(pread(fd, b, sizeof(b), 5 + k), 0);
	}
	close(fd);
}
END_TEST

static const char *synced_params(char *buf, size_t size, int64_t stale_after)
{
	struct timespec ts;
	char stale[32];

	clock_gettime(CLOCK_REALTIME, &ts);
	if (stale_after)
		snprintf(stale, sizeof(stale), "%" PRId64, stale_after);
	else
		snprintf(stale, sizeof(stale), "never");
	snprintf(buf, size,
		 "status=synced anchor=%lld timeline=%lld freq=0 offset_below=1500 "
		 "offset_above=2500 drift_below=0 drift_above=0 stale_after=%s\n",
		 (long long)ts.tv_sec * 1000000000, (long long)ts.tv_sec * 1000000000 + 7000000000,
		 stale);
	return buf;
}

/* qot(7): writes to a removed timeline fail with ENOENT, whichever file. */
START_TEST(writes_after_removal_fail_for_every_file)
{
	static const char *const files[] = {"bind",    "requirements", "ctl",
					    "members", "hlc",	       "timer"};
	enum { N = sizeof(files) / sizeof(files[0]) };
	char params[256], hlc[64], path[64];
	const char *lines[N];
	int fds[N];

	mk("tl");
	snprintf(hlc, sizeof(hlc), "%s", slurp(mpath("tl/hlc"))); /* a valid timestamp */
	lines[0] = "name=x accuracy=1ms";
	lines[1] = "accuracy=1ms";
	lines[2] = synced_params(params, sizeof(params), 0);
	lines[3] = "leader=none\n";
	lines[4] = hlc;
	lines[5] = "at=9000000000\n";
	for (int i = 0; i < N; i++) {
		snprintf(path, sizeof(path), "tl/%s", files[i]);
		/* a timer is opened for reading too: write-only it fails (EINVAL) */
		fds[i] = open(mpath(path), i == 5 ? O_RDWR : O_WRONLY);
		ck_assert_msg(fds[i] >= 0, "%s: %s", files[i], strerror(errno));
	}
	/* Each line is accepted while the timeline lives (bind last: it would pin it). */
	for (int i = 1; i < N; i++)
		ck_assert_msg(write_fd(fds[i], lines[i]) == 0, "%s before rmdir", files[i]);
	ck_assert_int_eq(rmdir(mpath("tl")), 0);
	for (int i = 0; i < N; i++) {
		ck_assert_msg(write_fd(fds[i], lines[i]) == -ENOENT, "%s after rmdir: %d", files[i],
			      write_fd(fds[i], lines[i]));
		close(fds[i]);
	}
}
END_TEST

START_TEST(clock_page_follows_ctl_live)
{
	qot_clock *clk;
	struct qot_time t;
	const struct qot_clock_page *pg;
	char params[400], status[32];
	double est, below, above;
	int fd, tries;

	mk("tl");
	ck_assert_int_eq(qot_clock_open_path(mpath("tl/clock"), &clk), 0);
	ck_assert_int_eq(qot_clock_read(clk, &t), 0);
	ck_assert_int_eq(t.status, QOT_STATUS_UNSYNCED);
	ck_assert_uint_eq(t.below, QOT_UNBOUNDED);

	/* A raw mapping too, to watch the page itself change with no syscall. */
	fd = open(mpath("tl/clock"), O_RDONLY);
	pg = mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, 0);
	ck_assert_ptr_ne(pg, MAP_FAILED);
	close(fd);
	ck_assert_int_eq(memcmp(pg->magic, "QOTCLOCK", 8), 0);
	ck_assert_uint_eq(pg->seq % 2, 0);

	synced_params(params, sizeof(params), 0);
	ck_assert_int_eq(write_file(mpath("tl/ctl"), O_WRONLY, params), 0);
	ck_assert_str_eq(slurp(mpath("tl/ctl")), params);
	for (tries = 0; tries < 5000 &&
			__atomic_load_n(&pg->params.status, __ATOMIC_ACQUIRE) != QOT_STATUS_SYNCED;
	     tries++)
		usleep(1000);
	ck_assert_msg(tries < 5000, "the mapped page never saw the new parameters");
	ck_assert_uint_eq(pg->params.offset_below, 1500);
	ck_assert_uint_ge(pg->seq, 2);

	ck_assert_int_eq(qot_clock_read(clk, &t), 0);
	ck_assert_int_eq(t.status, QOT_STATUS_SYNCED);
	ck_assert_uint_eq(t.below, 1500);
	ck_assert_uint_eq(t.above, 2500);
	{
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		int64_t real = (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
		/* The timeline runs 7 s ahead of the base clock. */
		ck_assert_int_lt(llabs(t.estimate - real - 7000000000ll), 1000000000ll);
	}
	/* now agrees with the page. */
	ck_assert_int_eq(
		sscanf(slurp(mpath("tl/now")), "%lf %lf %lf %31s", &est, &below, &above, status),
		4);
	ck_assert_str_eq(status, "synced");
	ck_assert_str_eq(strchr(slurp(mpath("tl/now")), ' '), " 0.000001500 0.000002500 synced\n");

	/* Parameters past their stale_after: stale, unbounded. */
	{
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		synced_params(params, sizeof(params), (int64_t)ts.tv_sec * 1000000000 + 1);
	}
	ck_assert_int_eq(write_file(mpath("tl/ctl"), O_WRONLY, params), 0);
	/* stale_after is already past: the very next read says so (no wait). */
	ck_assert_ptr_nonnull(
		strstr(slurp(mpath("tl/now")), " " UNBOUNDED_TEXT " " UNBOUNDED_TEXT " stale\n"));
	for (tries = 0; tries < 5000; tries++) {
		ck_assert_int_eq(qot_clock_read(clk, &t), 0);
		if (t.status == QOT_STATUS_STALE)
			break;
		usleep(1000);
	}
	ck_assert_int_eq(t.status, QOT_STATUS_STALE);
	ck_assert_uint_eq(t.below, QOT_UNBOUNDED);
	munmap((void *)pg, 4096);
	qot_clock_close(clk);
}
END_TEST

static void wait_status(qot_clock *clk, enum qot_status want, struct qot_time *t)
{
	for (int tries = 0; tries < 5000; tries++) {
		ck_assert_int_eq(qot_clock_read(clk, t), 0);
		if (t->status == want)
			return;
		usleep(1000);
	}
	ck_abort_msg("the mapped page never reached status %s", qot_status_name(want));
}

static int64_t realtime_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* Mapped readers must not trust a page nobody keeps any more. */
START_TEST(mapped_readers_learn_of_removal_and_stop)
{
	qot_clock *gone, *kept;
	struct qot_time t;
	char params[400];

	mk("gone");
	mk("kept");
	synced_params(params, sizeof(params), 0);
	ck_assert_int_eq(write_file(mpath("gone/ctl"), O_WRONLY, params), 0);
	ck_assert_int_eq(write_file(mpath("kept/ctl"), O_WRONLY, params), 0);
	ck_assert_int_eq(qot_clock_open_path(mpath("gone/clock"), &gone), 0);
	ck_assert_int_eq(qot_clock_open_path(mpath("kept/clock"), &kept), 0);
	wait_status(gone, QOT_STATUS_SYNCED, &t);
	wait_status(kept, QOT_STATUS_SYNCED, &t);

	ck_assert_int_eq(rmdir(mpath("gone")), 0);
	wait_status(gone, QOT_STATUS_UNSYNCED, &t);
	ck_assert_uint_eq(t.below, QOT_UNBOUNDED);
	ck_assert_uint_eq(t.above, QOT_UNBOUNDED);
	/* The estimate carries on from where it was: 7 s ahead, no jump. */
	ck_assert_int_lt(llabs(t.estimate - realtime_ns() - 7000000000ll), 1000000000ll);

	qotfs_stop(); /* the page stays mapped after the daemon is gone */
	ck_assert_int_eq(qot_clock_read(kept, &t), 0);
	ck_assert_int_eq(t.status, QOT_STATUS_UNSYNCED);
	ck_assert_uint_eq(t.below, QOT_UNBOUNDED);
	ck_assert_int_lt(llabs(t.estimate - realtime_ns() - 7000000000ll), 1000000000ll);
	qot_clock_close(gone);
	qot_clock_close(kept);
}
END_TEST

/* The sync view: who disciplines the timeline, how well, and is it enough. */
START_TEST(sync_view)
{
	char params[400], line[600];
	const char *s;

	mk("tl");
	ck_assert_str_eq(slurp(mpath("tl/sync")),
			 "source=none status=unsynced offset=0.000000000 freq_ppb=0.000 "
			 "below=" UNBOUNDED_TEXT " above=" UNBOUNDED_TEXT " age=none "
			 "accuracy=none resolution=none met=yes\n");
	synced_params(params, sizeof(params), 0);
	params[strlen(params) - 1] = '\0'; /* add a source to the line */
	snprintf(line, sizeof(line), "%s source=ptp0\n", params);
	ck_assert_int_eq(write_file(mpath("tl/ctl"), O_WRONLY, line), 0);
	ck_assert_ptr_nonnull(strstr(slurp(mpath("tl/ctl")), " source=ptp0\n"));
	s = slurp(mpath("tl/sync"));
	ck_assert_msg(strncmp(s,
			      "source=ptp0 status=synced offset=7.000000000 freq_ppb=0.000 "
			      "below=0.000001500 above=0.000002500 age=0.",
			      100) == 0,
		      "%s", s);
	ck_assert_ptr_nonnull(strstr(s, " accuracy=none resolution=none met=yes\n"));
	ck_assert_int_eq(write_file(mpath("tl/requirements"), O_WRONLY, "accuracy=1us"), 0);
	ck_assert_ptr_nonnull(
		strstr(slurp(mpath("tl/sync")), " accuracy=1us resolution=none met=no\n"));
	ck_assert_int_eq(write_file(mpath("tl/requirements"), O_WRONLY, "accuracy=2us/3us"), 0);
	ck_assert_ptr_nonnull(
		strstr(slurp(mpath("tl/sync")), " accuracy=2us/3us resolution=none met=yes\n"));
	/* The parts of the bound, as the publisher states them, at the end. */
	snprintf(line, sizeof(line), "%s source=ptp0 asym=1000 stat=500\n", params);
	ck_assert_int_eq(write_file(mpath("tl/ctl"), O_WRONLY, line), 0);
	ck_assert_ptr_nonnull(
		strstr(slurp(mpath("tl/sync")), " met=yes asym=0.000001000 stat=0.000000500\n"));
	snprintf(line, sizeof(line), "%s source=ptp0 asym=1000\n", params);
	ck_assert_int_eq(write_file(mpath("tl/ctl"), O_WRONLY, line), -EINVAL);
	snprintf(line, sizeof(line), "%s source=ptp0\n", params); /* none stated: none shown */
	ck_assert_int_eq(write_file(mpath("tl/ctl"), O_WRONLY, line), 0);
	ck_assert_ptr_nonnull(strstr(slurp(mpath("tl/sync")), " met=yes\n"));
	/* A bad source name is bad input like any other. */
	snprintf(line, sizeof(line), "%s source=a/b\n", params);
	ck_assert_int_eq(write_file(mpath("tl/ctl"), O_WRONLY, line), -EINVAL);
}
END_TEST

START_TEST(clock_open_errors)
{
	qot_clock *clk;

	mk("tl");
	ck_assert_int_eq(qot_clock_open_path(mpath("tl/now"), &clk), -QOT_EPAGE);
	ck_assert_int_eq(qot_clock_open_path(mpath("tl/nope"), &clk), -ENOENT);
	ck_assert_int_eq(qot_clock_open("bad/name", &clk), -EINVAL);
	setenv("QOT_ROOT", mnt, 1);
	ck_assert_int_eq(qot_clock_open("tl", &clk), 0);
	qot_clock_close(clk);
	ck_assert_int_eq(qot_clock_open("missing", &clk), -ENOENT);
}
END_TEST

START_TEST(ctl_refuses_bad_input)
{
	/* (A zero-byte write never reaches a FUSE daemon: the kernel returns 0.) */
	static const char *const bad[] = {
		"\n",
		"status=synced",
		"status=stale anchor=1 timeline=1 freq=0 offset_below=0 offset_above=0 "
		"drift_below=0 drift_above=0 stale_after=never",
		"status=synced anchor=1 timeline=1 freq=0 offset_below=0 offset_above=0 "
		"drift_below=0 drift_above=0 stale_after=1",
		"status=synced anchor=1 timeline=1 freq=999999999999999999 offset_below=0 "
		"offset_above=0 drift_below=0 drift_above=0 stale_after=never",
		"status=synced anchor=1 timeline=1 freq=0 offset_below=0 offset_above=0 "
		"drift_below=0 drift_above=0 stale_after=never extra=1",
		"status=synced anchor=x timeline=1 freq=0 offset_below=0 offset_above=0 "
		"drift_below=0 drift_above=0 stale_after=never",
	};
	char before[512];
	int fd;

	mk("tl");
	snprintf(before, sizeof(before), "%s", slurp(mpath("tl/ctl")));
	fd = open(mpath("tl/ctl"), O_WRONLY);
	ck_assert_int_ge(fd, 0);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int err = write_fd(fd, bad[i]);
		ck_assert_msg(err == -EINVAL || err == -ERANGE, "'%s' gave %d", bad[i], err);
	}
	{
		char big[2048];
		memset(big, 'a', sizeof(big));
		big[sizeof(big) - 1] = '\0';
		ck_assert_int_eq(write_fd(fd, big), -EMSGSIZE);
	}
	close(fd);
	ck_assert_str_eq(slurp(mpath("tl/ctl")), before); /* untouched */
}
END_TEST

START_TEST(bind_lines_and_listing)
{
	char line[256], expect[256];
	int fd, fd2;

	mk("tl");
	ck_assert_str_eq(slurp(mpath("tl/bindings")), "");
	fd = open(mpath("tl/bind"), O_RDWR);
	ck_assert_int_ge(fd, 0);
	/* An open file is not a binding until it says what it wants. */
	ck_assert_str_eq(slurp(mpath("tl/bindings")), "");
	ck_assert_int_eq(write_fd(fd, "name=app accuracy=10us resolution=1ms\n"), 0);
	snprintf(expect, sizeof(expect),
		 "id=1 pid=%d uid=%u name=app accuracy=10us resolution=1ms\n", (int)getpid(),
		 (unsigned)getuid());
	ck_assert_str_eq(slurp(mpath("tl/bindings")), expect);
	ck_assert_int_eq(pread(fd, line, sizeof(line), 0), (ssize_t)strlen(expect));
	ck_assert_int_eq(memcmp(line, expect, strlen(expect)), 0);
	ck_assert_str_eq(slurp(mpath("tl/requirements")), "accuracy=10us resolution=1ms\n");

	/* Writing again updates the same binding, whatever the file offset. */
	ck_assert_int_eq(write_fd(fd, "name=app2 accuracy=3us/5ms"), 0);
	snprintf(expect, sizeof(expect),
		 "id=1 pid=%d uid=%u name=app2 accuracy=3us/5ms resolution=none\n", (int)getpid(),
		 (unsigned)getuid());
	ck_assert_str_eq(slurp(mpath("tl/bindings")), expect);
	ck_assert_str_eq(slurp(mpath("tl/requirements")), "accuracy=3us/5ms resolution=none\n");

	fd2 = open(mpath("tl/bind"), O_WRONLY);
	ck_assert_int_eq(write_fd(fd2, "name=b accuracy=1ms resolution=20ns"), 0);
	ck_assert_int_eq(count_lines(mpath("tl/bindings")), 2);
	ck_assert_str_eq(slurp(mpath("tl/requirements")), "accuracy=3us/1ms resolution=20ns\n");
	close(fd2);
	ck_assert(
		wait_content(mpath("tl/requirements"), "accuracy=3us/5ms resolution=none\n", 5000));
	/* (Bound, it resists an unprivileged creator's rmdir: see
	 * binding_shares_and_a_privileged_rmdir; root's goes through.) */
	close(fd);
	ck_assert(wait_content(mpath("tl/bindings"), "", 5000));
	ck_assert_int_eq(rmdir(mpath("tl")), 0);
}
END_TEST

static void *bind_from_thread(void *arg)
{
	int fd = *(int *)arg;
	return (void *)(intptr_t)write_fd(fd, "name=threaded");
}

START_TEST(bind_records_the_process_and_reads_back)
{
	char expect[128], buf[256];
	pthread_t th;
	void *res;
	ssize_t n;
	int fd;

	mk("tl");
	fd = open(mpath("tl/bind"), O_RDWR);
	ck_assert_int_ge(fd, 0);
	/* The kernel reports the writing thread; the binding names its process. */
	ck_assert_int_eq(pthread_create(&th, NULL, bind_from_thread, &fd), 0);
	pthread_join(th, &res);
	ck_assert_int_eq((intptr_t)res, 0);
	snprintf(expect, sizeof(expect), "id=1 pid=%d uid=%u name=threaded", (int)getpid(),
		 (unsigned)getuid());
	ck_assert_int_eq(strncmp(slurp(mpath("tl/bindings")), expect, strlen(expect)), 0);
	/* After a write, a plain read() on the same descriptor reads the binding back. */
	ck_assert_int_eq(write_fd(fd, "name=again accuracy=2us\n"), 0);
	n = read(fd, buf, sizeof(buf) - 1);
	ck_assert_int_gt(n, 0);
	buf[n] = '\0';
	ck_assert_ptr_nonnull(strstr(buf, "name=again accuracy=2us resolution=none\n"));
	ck_assert_int_eq(read(fd, buf, sizeof(buf)), 0);
	close(fd);
}
END_TEST

START_TEST(bind_refuses_bad_input)
{
	static const char *const bad[] = {
		"\n",
		"accuracy=1us",
		"name=",
		"name=.x",
		"name=a name=b",
		"name=a accuracy=0ns",
		"name=a accuracy=1us/",
		"name=a accuracy=1.5ns",
		"name=a color=red",
		"name=a accuracy=1us\nname=b",
		"name=a\tresolution=1 ms",
		"name=a accuracy=-1us",
	};
	const char *good = "name=keep accuracy=7us resolution=none\n";
	char expect[256];
	int fd;

	mk("tl");
	fd = open(mpath("tl/bind"), O_WRONLY);
	ck_assert_int_eq(write_fd(fd, good), 0);
	snprintf(expect, sizeof(expect), "id=1 pid=%d uid=%u %s", (int)getpid(), (unsigned)getuid(),
		 good);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(write_fd(fd, bad[i]) == -EINVAL, "'%s' accepted", bad[i]);
	ck_assert_int_eq(write_fd(fd, "name=a accuracy=99999999999999999999s"), -ERANGE);
	{
		char big[QOT_CLOCK_PAGE_SIZE];
		memset(big, 'x', sizeof(big));
		big[sizeof(big) - 1] = '\0';
		ck_assert_int_eq(write_fd(fd, big), -EMSGSIZE);
	}
	ck_assert_str_eq(slurp(mpath("tl/bindings")), expect);
	close(fd);
}
END_TEST

START_TEST(requirements_standing)
{
	int fd;

	mk("tl");
	ck_assert_str_eq(slurp(mpath("tl/requirements")), "accuracy=none resolution=none\n");
	ck_assert_int_eq(write_file(mpath("tl/requirements"), O_WRONLY | O_TRUNC, "accuracy=5us\n"),
			 0);
	ck_assert_str_eq(slurp(mpath("tl/requirements")), "accuracy=5us resolution=none\n");
	fd = open(mpath("tl/bind"), O_WRONLY);
	write_fd(fd, "name=x accuracy=1ms/2us resolution=1us");
	ck_assert_str_eq(slurp(mpath("tl/requirements")), "accuracy=5us/2us resolution=1us\n");
	close(fd);
	ck_assert(wait_content(mpath("tl/requirements"), "accuracy=5us resolution=none\n", 5000));
	/* What is read can be written back. */
	ck_assert_int_eq(write_file(mpath("tl/requirements"), O_WRONLY | O_TRUNC,
				    "accuracy=none resolution=none\n"),
			 0);
	ck_assert_str_eq(slurp(mpath("tl/requirements")), "accuracy=none resolution=none\n");
	ck_assert_int_eq(write_file(mpath("tl/requirements"), O_WRONLY, "name=x accuracy=5us"),
			 -EINVAL);
	ck_assert_int_eq(write_file(mpath("tl/requirements"), O_WRONLY, "\n"), -EINVAL);
	ck_assert_int_eq(write_file(mpath("tl/requirements"), O_WRONLY, "resolution=0ns"), -EINVAL);
	ck_assert_str_eq(slurp(mpath("tl/requirements")), "accuracy=none resolution=none\n");
}
END_TEST

/* --- binding lifetimes ----------------------------------------------------- */

static int open_and_bind(const char *name)
{
	char line[128];
	int fd = open(mpath("tl/bind"), O_WRONLY);

	ck_assert_int_ge(fd, 0);
	snprintf(line, sizeof(line), "name=%s accuracy=1us", name);
	ck_assert_int_eq(write_fd(fd, line), 0);
	return fd;
}

START_TEST(binding_shared_across_fork_and_dup)
{
	int fd, fd2, go[2], done[2];
	pid_t child;
	char c;

	mk("tl");
	fd = open_and_bind("shared");
	fd2 = dup(fd);
	close(fd);
	ck_assert_int_eq(count_lines(mpath("tl/bindings")), 1); /* dup keeps it */
	ck_assert_int_eq(pipe(go), 0);
	ck_assert_int_eq(pipe(done), 0);
	child = fork();
	if (child == 0) {
		/* The child holds the same open file description. */
		close(go[1]);
		close(done[0]);
		if (read(go[0], &c, 1) != 1)
			_exit(1);
		close(fd2);
		_exit(write(done[1], "x", 1) == 1 ? 0 : 1);
	}
	close(go[0]);
	close(done[1]);
	close(fd2); /* the parent lets go; the child still holds it */
	/* A binding of the parent's own, ended after that close: once the
	 * daemon has ended it, it has seen whatever the close sent before
	 * (requests of one caller, and releases, are served in order). */
	fd = open_and_bind("marker");
	ck_assert_int_eq(count_lines(mpath("tl/bindings")), 2);
	close(fd);
	ck_assert(wait_content_lines(mpath("tl/bindings"), 1, 5000));
	ck_assert_ptr_nonnull(strstr(slurp(mpath("tl/bindings")), " name=shared "));
	ck_assert_int_eq(write(go[1], "x", 1), 1);
	ck_assert_int_eq(read(done[0], &c, 1), 1);
	waitpid(child, NULL, 0);
	ck_assert(wait_content(mpath("tl/bindings"), "", 5000));
}
END_TEST

static int bind_and_exit(void *arg)
{
	(void)arg;
	open_and_bind("exiting");
	return 0; /* _exit without closing: the kernel closes */
}

START_TEST(binding_ends_at_exit)
{
	mk("tl");
	ck_assert_int_eq(run_child(bind_and_exit, NULL), 0);
	ck_assert(wait_content(mpath("tl/bindings"), "", 5000));
}
END_TEST

START_TEST(binding_ends_at_kill_9)
{
	int ready[2];
	pid_t child;
	char c;

	mk("tl");
	ck_assert_int_eq(pipe(ready), 0);
	child = fork();
	if (child == 0) {
		open_and_bind("victim");
		if (write(ready[1], "x", 1) != 1)
			_exit(1);
		for (;;)
			pause();
	}
	ck_assert_int_eq(read(ready[0], &c, 1), 1);
	ck_assert_int_eq(count_lines(mpath("tl/bindings")), 1);
	kill(child, SIGKILL);
	waitpid(child, NULL, 0);
	ck_assert(wait_content(mpath("tl/bindings"), "", 5000));
	ck_assert_int_eq(rmdir(mpath("tl")), 0);
}
END_TEST

START_TEST(caps)
{
	int fds[4];

	mk("a");
	mk("b");
	mk("c");
	ck_assert_int_eq(ERRNO_OF(mkdir(mpath("d"), 0755)), ENOSPC);
	ck_assert_int_eq(rmdir(mpath("c")), 0);
	mk("tl");
	fds[0] = open_and_bind("one");
	fds[1] = open_and_bind("two");
	fds[2] = open(mpath("tl/bind"), O_WRONLY);
	ck_assert_int_eq(write_fd(fds[2], "name=three"), -ENOSPC); /* 2 per timeline */
	close(fds[2]);
	fds[2] = open(mpath("a/bind"), O_WRONLY);
	ck_assert_int_eq(write_fd(fds[2], "name=three"), 0);
	fds[3] = open(mpath("b/bind"), O_WRONLY);
	ck_assert_int_eq(write_fd(fds[3], "name=four"), -EDQUOT); /* 3 per uid */
	/* An existing binding can still be changed at the cap. */
	ck_assert_int_eq(write_fd(fds[2], "name=three-b"), 0);
	ck_assert_int_eq(count_lines(mpath("b/bindings")), 0);
	for (int i = 0; i < 4; i++)
		close(fds[i]);
}
END_TEST

/* A user's share of one timeline's bindings (a quarter of --max-bindings=2:
 * one), and a privileged rmdir of a timeline another user holds bound: the
 * bound descriptor's writes then fail as for any removed timeline. */
START_TEST(binding_shares_and_a_privileged_rmdir)
{
	int go[2], ready[2], status;
	char c;
	pid_t pid;

	mk("tl");
	ck_assert_int_eq(pipe(go), 0);
	ck_assert_int_eq(pipe(ready), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		int a, b, rc;
		if (setgroups(0, NULL) < 0 || setresgid(NOBODY, NOBODY, NOBODY) < 0 ||
		    setresuid(NOBODY, NOBODY, NOBODY) < 0)
			_exit(100);
		a = open(mpath("tl/bind"), O_WRONLY);
		b = open(mpath("tl/bind"), O_WRONLY);
		rc = a < 0 || b < 0			     ? 1
		     : write_fd(a, "name=first") != 0	     ? 2
		     : write_fd(b, "name=second") != -EDQUOT ? 3 /* its share: 1 */
							     : 0;
		/* A bound timeline resists its unprivileged creator's rmdir. */
		if (rc == 0 && mkdir(mpath("own"), 0755) != 0)
			rc = 7;
		close(b);
		b = open(mpath("own/bind"), O_WRONLY);
		if (rc == 0 && (b < 0 || write_fd(b, "name=mine") != 0))
			rc = 9;
		if (rc == 0 && (rmdir(mpath("own")) == 0 || errno != EBUSY))
			rc = 10;
		close(b);
		if (write(ready[1], "x", 1) != 1)
			rc = 4;
		if (rc == 0 && read(go[0], &c, 1) != 1)
			rc = 5;
		if (rc == 0 && write_fd(a, "name=again") != -ENOENT)
			rc = 6;
		_exit(rc);
	}
	ck_assert_int_eq(read(ready[0], &c, 1), 1);
	ck_assert_int_eq(count_lines(mpath("tl/bindings")), 1);
	ck_assert_int_eq(rmdir(mpath("tl")), 0); /* root: privileged, bound or not */
	ck_assert_int_eq(write(go[1], "x", 1), 1);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert_int_eq(WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status), 0);
	ck_assert_int_eq(ERRNO_OF(access(mpath("tl"), F_OK)), ENOENT);
	ck_assert(wait_content(mpath("own/bindings"), "", 5000));
	ck_assert_int_eq(rmdir(mpath("own")), 0);
	for (int i = 0; i < 2; i++) {
		close(go[i]);
		close(ready[i]);
	}
}
END_TEST

/* --- permissions ------------------------------------------------------------ */

static int as_nobody(void *arg)
{
	int (*fn)(void) = (int (*)(void))arg;

	if (setgroups(0, NULL) < 0 || setresgid(NOBODY, NOBODY, NOBODY) < 0 ||
	    setresuid(NOBODY, NOBODY, NOBODY) < 0)
		return 100;
	return fn();
}

/* Each check returns a distinct code so a failure says which one. */
static int nobody_checks(void)
{
	qot_clock *clk;
	struct qot_time t;
	int fd;

	if (slurp(mpath("tl/now")) == NULL)
		return 1;
	if (qot_clock_open_path(mpath("tl/clock"), &clk) != 0 || qot_clock_read(clk, &t) != 0)
		return 2;
	qot_clock_close(clk);
	fd = open(mpath("tl/bind"), O_WRONLY);
	if (fd < 0 || write_fd(fd, "name=nobody accuracy=1ms") != 0)
		return 3;
	if (strstr(slurp(mpath("tl/bindings")), "uid=65534 name=nobody") == NULL)
		return 4;
	close(fd);
	if (open(mpath("tl/ctl"), O_WRONLY) >= 0 || errno != EACCES)
		return 5;
	if (open(mpath("tl/requirements"), O_WRONLY) >= 0 || errno != EACCES)
		return 6;
	if (access(mpath("tl/ctl"), W_OK) == 0 || errno != EACCES)
		return 7;
	/* The parameters are public (they are in the clock page anyway). */
	if (slurp(mpath("tl/ctl")) == NULL || access(mpath("tl/ctl"), R_OK) != 0)
		return 12;
	if (rmdir(mpath("tl")) == 0 || errno != EPERM)
		return 8;
	/* Anyone may create a timeline, and then owns its requirements. */
	if (mkdir(mpath("mine"), 0755) != 0)
		return 9;
	if (write_file(mpath("mine/requirements"), O_WRONLY, "accuracy=1s") != 0)
		return 10;
	if (rmdir(mpath("mine")) != 0)
		return 11;
	return 0;
}

START_TEST(any_uid_reads_and_binds_but_not_ctl)
{
	struct stat st;

	mk("tl");
	ck_assert_int_eq(run_child(as_nobody, (void *)nobody_checks), 0);
	ck_assert(wait_content(mpath("tl/bindings"), "", 5000));
	ck_assert_int_eq(ERRNO_OF(stat(mpath("mine"), &st)), ENOENT);
}
END_TEST

/* Run fn as root of a new user namespace, mapped to the caller's uid and
 * gid; its result, or 100-103 if the namespace could not be set up. */
static int in_new_userns(int (*fn)(void))
{
	uid_t uid = getuid(); /* before unsharing: unmapped ids read as 65534 */
	gid_t gid = getgid();
	char map[32];
	int fd;

	if (unshare(CLONE_NEWUSER) < 0)
		return 100;
	fd = open("/proc/self/setgroups", O_WRONLY);
	if (fd < 0 || write(fd, "deny", 4) != 4)
		return 101;
	close(fd);
	snprintf(map, sizeof(map), "0 %u 1", (unsigned)uid);
	if (write_file("/proc/self/uid_map", O_WRONLY, map) != 0)
		return 102;
	snprintf(map, sizeof(map), "0 %u 1", (unsigned)gid);
	if (write_file("/proc/self/gid_map", O_WRONLY, map) != 0)
		return 103;
	return fn();
}

/* Root inside a new user namespace, mapped to the host's root uid. */
static int userns_root_tries(void)
{
	int fd;

	if (getuid() != 0)
		return 104;
	if (slurp(mpath("tl/now")) == NULL)
		return 1;
	/* Same uid as the host's root, but not the host's root: refused. */
	if (open(mpath("tl/ctl"), O_WRONLY) >= 0 || errno != EACCES)
		return 2;
	/* Nor does it count as the creator of a timeline the host's root made. */
	if (open(mpath("tl/requirements"), O_WRONLY) >= 0 || errno != EACCES)
		return 4;
	if (rmdir(mpath("tl")) == 0 || errno != EPERM)
		return 5;
	/* But it does own what it creates itself. */
	if (mkdir(mpath("ns-own"), 0755) != 0)
		return 6;
	if (write_file(mpath("ns-own/requirements"), O_WRONLY, "accuracy=1ms") != 0)
		return 7;
	if (rmdir(mpath("ns-own")) != 0)
		return 8;
	fd = open(mpath("tl/bind"), O_WRONLY);
	if (fd < 0 || write_fd(fd, "name=container") != 0)
		return 3;
	close(fd);
	return 0;
}

static int userns_root_checks(void *arg)
{
	(void)arg;
	return in_new_userns(userns_root_tries);
}

START_TEST(root_in_user_namespace_is_not_privileged)
{
	mk("tl");
	ck_assert_int_eq(run_child(userns_root_checks, NULL), 0);
}
END_TEST

/* --- poll ----------------------------------------------------------------- */

static short poll_once(int fd, int timeout_ms)
{
	struct pollfd p = {.fd = fd, .events = POLLIN | POLLPRI};
	int n = poll(&p, 1, timeout_ms);

	ck_assert_int_ge(n, 0);
	return n ? p.revents : 0;
}

static void drain(int fd)
{
	char buf[4096];
	ck_assert_int_ge(pread(fd, buf, sizeof(buf), 0), 0);
}

/* Whether process pid sleeps in poll(2) itself, past the FUSE poll request
 * (which waits in the FUSE request code, not in poll_schedule_timeout). */
static bool parked_in_poll(pid_t pid)
{
	char path[64], buf[256] = "";
	long nr = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/syscall", (int)pid);
	if ((f = fopen(path, "r")) == NULL)
		return false;
	if (fscanf(f, "%ld", &nr) != 1)
		nr = -1;
	fclose(f);
	if (nr != SYS_poll)
		return false;
	snprintf(path, sizeof(path), "/proc/%d/wchan", (int)pid);
	if ((f = fopen(path, "r")) == NULL)
		return false;
	if (fgets(buf, sizeof(buf), f) == NULL)
		buf[0] = '\0';
	fclose(f);
	/* (A kernel without symbols says "0": then the system call must do.) */
	return strstr(buf, "poll_schedule_timeout") != NULL || strcmp(buf, "0") == 0;
}

static int do_mkdir_later(void *arg)
{
	pid_t parent = getppid();

	/* Only once the parent is parked in poll(): a change made before it
	 * polls is reported at once, and would not test the wake-up. */
	for (int i = 0; !parked_in_poll(parent); i++) {
		if (i == 10000)
			return 2; /* 10 s */
		usleep(1000);
	}
	return mkdir(mpath((const char *)arg), 0755) == 0 ? 0 : 1;
}

START_TEST(poll_wakes_on_changes)
{
	int tfd, bfd, rfd, bind_fd;
	short ev;

	tfd = open(mpath(".timelines"), O_RDONLY);
	ck_assert(poll_once(tfd, 0) & POLLIN); /* never read yet */
	drain(tfd);
	ck_assert_int_eq(poll_once(tfd, 0), 0);
	/* Parked in poll() while another process creates a timeline. */
	{
		pid_t child = fork();
		if (child == 0)
			_exit(do_mkdir_later("tl"));
		int status;
		struct timespec t0, t1;
		long took_ms;
		/* At its timeout poll() asks once more, and would see the change:
		 * woken means well before it (a wake-up takes milliseconds). */
		clock_gettime(CLOCK_MONOTONIC, &t0);
		ev = poll_once(tfd, 20000);
		clock_gettime(CLOCK_MONOTONIC, &t1);
		took_ms = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
		ck_assert_int_eq(waitpid(child, &status, 0), child);
		ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
			      "the child did not see the parent parked, or mkdir failed (0x%x)",
			      status);
		ck_assert_msg(ev & (POLLIN | POLLPRI), "no wake-up on mkdir");
		ck_assert_msg(took_ms < 15000, "poll() was not woken: it ended at its timeout");
	}
	drain(tfd);
	ck_assert_int_eq(poll_once(tfd, 0), 0);

	bfd = open(mpath("tl/bindings"), O_RDONLY);
	rfd = open(mpath("tl/requirements"), O_RDONLY);
	drain(bfd);
	drain(rfd);
	ck_assert_int_eq(poll_once(bfd, 0), 0);
	bind_fd = open(mpath("tl/bind"), O_WRONLY);
	write_fd(bind_fd, "name=x accuracy=1ms");
	ck_assert(poll_once(bfd, 5000) & POLLIN);
	ck_assert(poll_once(rfd, 5000) & POLLIN);
	drain(bfd);
	drain(rfd);
	/* A change of binding that leaves the effective requirement alone
	 * wakes bindings pollers only. */
	write_fd(bind_fd, "name=y accuracy=1ms");
	ck_assert(poll_once(bfd, 5000) & POLLIN);
	ck_assert_int_eq(poll_once(rfd, 0), 0);
	drain(bfd);
	close(bind_fd);
	ck_assert(poll_once(bfd, 5000) & POLLIN);
	ck_assert(poll_once(rfd, 5000) & POLLIN);
	drain(bfd);
	drain(rfd);
	/* Removal: pollers of the timeline's files learn it is gone. */
	ck_assert_int_eq(rmdir(mpath("tl")), 0);
	ck_assert(poll_once(tfd, 5000) & POLLIN);
	ev = poll_once(rfd, 5000);
	ck_assert(ev & POLLHUP);
	/* Writable files are always writable; unwatched files always readable. */
	{
		int wfd = open(mpath(".timelines"), O_RDONLY);
		struct pollfd p = {.fd = wfd, .events = POLLIN};
		mk("tl2");
		int req_fd = open(mpath("tl2/requirements"), O_RDWR);
		struct pollfd q = {.fd = req_fd, .events = POLLOUT};
		int now_fd = open(mpath("tl2/now"), O_RDONLY);
		struct pollfd r = {.fd = now_fd, .events = POLLIN};
		ck_assert_int_eq(poll(&q, 1, 5000), 1);
		ck_assert(q.revents & POLLOUT);
		/* ...but a descriptor open only for reading is never writable. */
		{
			int ro = open(mpath("tl2/requirements"), O_RDONLY);
			struct pollfd w = {.fd = ro, .events = POLLOUT};
			drain(ro);
			ck_assert_int_eq(poll(&w, 1, 0), 0);
			close(ro);
		}
		ck_assert_int_eq(poll(&r, 1, 5000), 1);
		ck_assert(r.revents & POLLIN);
		ck_assert_int_eq(poll(&p, 1, 5000), 1);
		close(wfd);
		close(req_fd);
		close(now_fd);
	}
	close(bfd);
	close(rfd);
	close(tfd);
}
END_TEST

/* --- containers: another mount namespace, through a bind mount ------------ */

static int container_reader(void *arg)
{
	char dir[] = "/tmp/qotfs-container.XXXXXX", path[300], want[256];
	qot_clock *clk;
	struct qot_time t;
	const char *now;

	snprintf(want, sizeof(want), "%s", (const char *)arg);
	if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		return 100;
	if (mkdtemp(dir) == NULL || mount(mnt, dir, NULL, MS_BIND, NULL) < 0)
		return 101;
	snprintf(path, sizeof(path), "%s/tl/now", dir);
	now = slurp(path);
	if (now == NULL || strchr(now, ' ') == NULL || strcmp(strchr(now, ' '), want) != 0)
		return 1;
	snprintf(path, sizeof(path), "%s/tl/clock", dir);
	if (qot_clock_open_path(path, &clk) != 0 || qot_clock_read(clk, &t) != 0)
		return 2;
	if (t.status != QOT_STATUS_SYNCED || t.below != 1500 || t.above != 2500)
		return 3;
	qot_clock_close(clk);
	umount2(dir, MNT_DETACH);
	rmdir(dir);
	return 0;
}

START_TEST(another_mount_namespace_through_a_bind_mount)
{
	char params[400];

	mk("tl");
	synced_params(params, sizeof(params), 0);
	ck_assert_int_eq(write_file(mpath("tl/ctl"), O_WRONLY, params), 0);
	ck_assert_int_eq(run_child(container_reader, " 0.000001500 0.000002500 synced\n"), 0);
}
END_TEST

/* --- many readers, many changes -------------------------------------------- */

struct linux_dirent64 {
	uint64_t d_ino;
	int64_t d_off;
	unsigned short d_reclen;
	unsigned char d_type;
	char d_name[];
};

/* Lists the root with small getdents calls while timelines come and go. */
START_TEST(readdir_resumes_across_changes)
{
	char name[32], buf[600];
	int seen[400] = {0}, fd, calls = 0;
	long n;

	for (int i = 0; i < 300; i++) {
		snprintf(name, sizeof(name), "t%03d", i);
		mk(name);
	}
	fd = open(mnt, O_RDONLY | O_DIRECTORY);
	ck_assert_int_ge(fd, 0);
	while ((n = syscall(SYS_getdents64, fd, buf, sizeof(buf))) > 0) {
		for (long pos = 0; pos < n;) {
			struct linux_dirent64 *d = (struct linux_dirent64 *)(buf + pos);
			int k;
			if (sscanf(d->d_name, "t%d", &k) == 1) {
				ck_assert_msg(seen[k] == 0, "%s listed twice", d->d_name);
				seen[k]++;
			}
			pos += d->d_reclen;
		}
		/* Between calls: remove a timeline not listed yet, add new ones. */
		if (++calls < 40) {
			snprintf(name, sizeof(name), "t%03d", 299 - calls);
			ck_assert_int_eq(rmdir(mpath(name)), 0);
			snprintf(name, sizeof(name), "t%03d", 300 + calls);
			mk(name);
		}
	}
	ck_assert_int_eq(n, 0);
	close(fd);
	ck_assert_int_gt(calls, 10); /* it really was read in many pieces */
	/* Every timeline that lived through the listing was listed, once. */
	for (int k = 0; k < 300 - 40; k++)
		ck_assert_msg(seen[k] == 1, "t%03d missing", k);
}
END_TEST

static int nobody_reads_bindings(void)
{
	char c;
	int a = open(mpath("tl/bindings"), O_RDONLY), b = open(mpath("tl/bindings"), O_RDONLY);

	if (a < 0 || b < 0)
		return 1;
	if (pread(a, &c, 1, 0) != 1) /* a holds the ~5 kB listing */
		return 2;
	if (pread(b, &c, 1, 0) >= 0 || errno != ENOBUFS) /* a second one is over 8 kB */
		return 3;
	while (read(a, &c, 1) == 1) /* reading a to the end gives it back */
		;
	if (pread(b, &c, 1, 0) != 1)
		return 4;
	/* Two timelines per user. */
	if (mkdir(mpath("n1"), 0755) != 0 || mkdir(mpath("n2"), 0755) != 0)
		return 5;
	if (mkdir(mpath("n3"), 0755) == 0 || errno != EDQUOT)
		return 6;
	return 0;
}

START_TEST(per_user_caps_on_reading_and_timelines)
{
	int fds[80];

	mk("tl");
	for (int i = 0; i < 80; i++) {
		char line[96];
		fds[i] = open(mpath("tl/bind"), O_WRONLY);
		snprintf(line, sizeof(line), "name=binding-with-a-longish-name-%02d accuracy=1ms",
			 i);
		ck_assert_int_eq(write_fd(fds[i], line), 0);
	}
	ck_assert_int_gt((int)strlen(slurp(mpath("tl/bindings"))), 4096);
	ck_assert_int_lt((int)strlen(slurp(mpath("tl/bindings"))), 8192);
	ck_assert_int_eq(run_child(as_nobody, (void *)nobody_reads_bindings), 0);
	/* Privileged callers are held to the global cap only. */
	mk("r1");
	mk("r2");
	mk("r3");
	for (int i = 0; i < 80; i++)
		close(fds[i]);
}
END_TEST

/* A user namespace that created a timeline and is gone does not hand its
 * rights to the next namespace that happens to get its number: qotfs holds
 * the creator's namespace, so its number is not given again while the
 * timeline lives. */

static int report_fd = -1; /* where a child in a new namespace writes its number */

static int report_userns(void)
{
	struct stat st;

	if (stat("/proc/self/ns/user", &st) != 0)
		return 110;
	return write(report_fd, &st.st_ino, sizeof(st.st_ino)) == sizeof(st.st_ino) ? 0 : 111;
}

static int tenant_creates(void)
{
	return report_userns() ? 120 : mkdir(mpath("tenant"), 0755) == 0 ? 0 : 1;
}

static int stranger_tries(void)
{
	if (report_userns())
		return 120;
	if (rmdir(mpath("tenant")) == 0 || errno != EPERM)
		return 1;
	if (open(mpath("tenant/requirements"), O_WRONLY) >= 0 || errno != EACCES)
		return 2;
	return 0;
}

static int in_userns_of(void *fn)
{
	return in_new_userns((int (*)(void))fn);
}

/* Run fn in a child in a new user namespace: its result; the namespace's number in *ino. */
static int userns_child(int (*fn)(void), ino_t *ino)
{
	int p[2], rc;

	ck_assert_int_eq(pipe(p), 0);
	report_fd = p[1];
	rc = run_child(in_userns_of, (void *)fn);
	close(p[1]);
	if (read(p[0], ino, sizeof(*ino)) != sizeof(*ino))
		*ino = 0;
	close(p[0]);
	return rc;
}

/* Whether, with nothing holding it, a gone namespace's number is given to a
 * new one within tries (a grace period after it dies, if nobody else on the
 * machine takes it first): first that of gone, then of fresh ones. */
static bool numbers_are_reused(ino_t gone, int tries)
{
	for (int round = 0; round < 6; round++) {
		ino_t ino = 0;
		if (round > 0)
			ck_assert_int_eq(userns_child(report_userns, &gone), 0);
		for (int i = 0; i < tries && ino != gone; i++) {
			usleep(10000);
			ck_assert_int_eq(userns_child(report_userns, &ino), 0);
		}
		if (ino == gone)
			return true;
	}
	return false;
}

START_TEST(a_gone_namespace_does_not_pass_on_its_timelines)
{
	enum { TRIES = 200 };
	ino_t tenant = 0, ino = 0;

	ck_assert_int_eq(userns_child(tenant_creates, &tenant), 0);
	ck_assert_uint_ne(tenant, 0);
	for (int i = 0; i < TRIES; i++) {
		int rc;
		usleep(10000); /* the pace of numbers_are_reused() */
		rc = userns_child(stranger_tries, &ino);
		ck_assert_msg(rc == 0, "a stranger namespace (%s the tenant's number) failed: %d",
			      ino == tenant ? "with" : "not with", rc);
		ck_assert_msg(ino != tenant, "the tenant's namespace number was given again");
	}
	ck_assert_int_eq(rmdir(mpath("tenant")), 0); /* the host's root may */
	/* Without qotfs holding it, the tenant's number (or another's) is given
	 * again within as many tries: the strangers above would have got it. */
	ck_assert_msg(numbers_are_reused(tenant, TRIES),
		      "no namespace number was given again within %d tries", TRIES);
}
END_TEST

/* Timelines pin0, pin1... made by root of one new user namespace: 0 once a
 * mkdir is refused with EMFILE (the ones before it made, it not), 1 if all 8
 * were made, else which step went wrong. */
static int userns_pins_until_refused(void)
{
	char name[16];
	struct stat st;

	for (int i = 0; i < 8; i++) {
		snprintf(name, sizeof(name), "pin%d", i);
		if (mkdir(mpath(name), 0755) == 0)
			continue;
		if (errno != EMFILE)
			return 10 + i;
		if (stat(mpath(name), &st) == 0 || errno != ENOENT)
			return 20 + i; /* refused, but there */
		return i > 0 ? 0 : 30; /* the first ones were pinned */
	}
	return 1;
}

static int run_pins(void *arg)
{
	(void)arg;
	return in_new_userns(userns_pins_until_refused);
}

/* The daemon's own uid from another user namespace: its timelines keep that
 * namespace open (so a later one cannot reuse its number). A descriptor that
 * cannot be had fails the mkdir, rather than record a number unpinned. */
START_TEST(a_namespace_that_cannot_be_pinned_fails_the_mkdir)
{
	char fddir[64];
	struct rlimit rl;
	unsigned n = 0;
	DIR *d;

	snprintf(fddir, sizeof(fddir), "/proc/%d/fd", (int)qotfs_pid());
	d = opendir(fddir);
	ck_assert_ptr_nonnull(d);
	while (readdir(d) != NULL)
		n++;
	closedir(d);
	/* Room for about three pins more than the daemon holds now (n counts . and ..). */
	rl = (struct rlimit){n + 1, n + 1};
	ck_assert_int_eq(prlimit(qotfs_pid(), RLIMIT_NOFILE, &rl, NULL), 0);
	ck_assert_int_eq(run_child(run_pins, NULL), 0);
}
END_TEST

static void start_global_caps(void)
{
	qotfs_start("--max-timelines=16", "--max-timers=16", "--max-open=48", NULL);
}

/* Opens path (flags) until the open fails; how many it opened, or -1 if it
 * failed otherwise than with want. The descriptors stay open. */
static int open_until(const char *path, int flags, int want)
{
	for (int n = 0;; n++) {
		if (open(path, flags) < 0)
			return errno == want ? n : -1;
	}
}

/* As nobody: every timeline, timer and open file there is (it has the caps
 * of a user to itself, so only the global caps stop it); 0 or which failed. */
static int nobody_takes_everything(void)
{
	char name[16];
	int n;

	for (n = 0; n < 100; n++) {
		snprintf(name, sizeof(name), "n%d", n);
		if (mkdir(mpath(name), 0755) != 0)
			break;
	}
	if (n != 16 || errno != ENOSPC)
		return 1;
	if (open_until(mpath("n0/timer"), O_RDWR, ENFILE) != 16)
		return 2;
	if (open_until(mpath("n0/now"), O_RDONLY, ENFILE) != 48 - 16)
		return 3;
	return 0;
}

/*
 * Beyond each global cap a sixteenth more is kept for privileged callers:
 * a user that takes every timeline, timer and open file there is (by many
 * uids, or one with the caps to itself, as here) cannot keep the system's
 * daemons out.
 */
START_TEST(global_caps_keep_a_reserve_for_privileged_callers)
{
	int go[2], ready[2], status, rc = -1;
	char c;
	pid_t pid;

	ck_assert_int_eq(pipe(go), 0);
	ck_assert_int_eq(pipe(ready), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		if (setgroups(0, NULL) < 0 || setresgid(NOBODY, NOBODY, NOBODY) < 0 ||
		    setresuid(NOBODY, NOBODY, NOBODY) < 0)
			_exit(100);
		rc = nobody_takes_everything();
		if (write(ready[1], &rc, sizeof(rc)) != sizeof(rc) || read(go[0], &c, 1) != 1)
			_exit(101);
		_exit(0); /* its descriptors close */
	}
	ck_assert_int_eq(read(ready[0], &rc, sizeof(rc)), sizeof(rc));
	ck_assert_int_eq(rc, 0);
	/* Root: one timeline more (16/16), then none. */
	mk("root");
	ck_assert_int_eq(ERRNO_OF(mkdir(mpath("root2"), 0755)), ENOSPC);
	/* One timer more (16/16): it is an open file too, of the 3 more (48/16). */
	ck_assert_int_eq(open_until(mpath("root/timer"), O_RDWR, ENFILE), 1);
	ck_assert_int_eq(open_until(mpath("root/now"), O_RDONLY, ENFILE), 2);
	ck_assert_int_eq(write(go[1], "x", 1), 1);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert_int_eq(WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status), 0);
	for (int i = 0; i < 2; i++) {
		close(go[i]);
		close(ready[i]);
	}
}
END_TEST

/* Root of a user namespace that nobody created and root mapped a range of
 * ids into: three of those ids try a timeline each. 0 if the third is
 * refused (EDQUOT: the whole range counts as nobody, who may have 2), else
 * 10 + which one failed otherwise, or 1 if all three were made. */
static int range_users_create(int ready_fd, int mapped_fd)
{
	char c = 0;

	if (unshare(CLONE_NEWUSER) < 0)
		return 100;
	if (write(ready_fd, "x", 1) != 1 || read(mapped_fd, &c, 1) != 1)
		return 101;
	if (setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0)
		return 102;
	for (int i = 1; i <= 3; i++) {
		pid_t pid = fork();
		int status;
		if (pid < 0)
			return 103;
		if (pid == 0) {
			char name[16];
			snprintf(name, sizeof(name), "range%d", i);
			if (setresgid((gid_t)i, (gid_t)i, (gid_t)i) < 0 ||
			    setresuid((uid_t)i, (uid_t)i, (uid_t)i) < 0)
				_exit(200);
			_exit(mkdir(mpath(name), 0755) == 0 ? 0 : errno);
		}
		if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
			return 104;
		if (i < 3 && WEXITSTATUS(status) != 0)
			return 10 + i;
		if (i == 3)
			return WEXITSTATUS(status) == EDQUOT ? 0
			       : WEXITSTATUS(status) == 0    ? 1
							     : 13;
	}
	return 105;
}

/*
 * A process in a user namespace is charged to the user who owns it (the
 * host uid that created it), so a range of subordinate ids - a rootless
 * container - counts as that one user, not as thousands.
 */
START_TEST(a_range_of_uids_counts_as_its_owner)
{
	int ready[2], mapped[2], status;
	char c, path[64];
	pid_t pid;

	ck_assert_int_eq(pipe(ready), 0);
	ck_assert_int_eq(pipe(mapped), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		if (setgroups(0, NULL) < 0 || setresgid(NOBODY, NOBODY, NOBODY) < 0 ||
		    setresuid(NOBODY, NOBODY, NOBODY) < 0)
			_exit(99);
		_exit(range_users_create(ready[1], mapped[0]));
	}
	ck_assert_int_eq(read(ready[0], &c, 1), 1);
	/* Root maps 10 ids from 300000 on into the namespace nobody made. */
	snprintf(path, sizeof(path), "/proc/%d/uid_map", (int)pid);
	ck_assert_int_eq(write_file(path, O_WRONLY, "0 300000 10"), 0);
	snprintf(path, sizeof(path), "/proc/%d/gid_map", (int)pid);
	ck_assert_int_eq(write_file(path, O_WRONLY, "0 300000 10"), 0);
	ck_assert_int_eq(write(mapped[1], "x", 1), 1);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert_int_eq(WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status), 0);
	/* The two made are the range's owner's to count, and still theirs to remove. */
	ck_assert_int_eq(count_lines(mpath(".timelines")), 2);
	ck_assert_int_eq(rmdir(mpath("range1")), 0);
	ck_assert_int_eq(rmdir(mpath("range2")), 0);
	for (int i = 0; i < 2; i++) {
		close(ready[i]);
		close(mapped[i]);
	}
}
END_TEST

static Suite *mount_suite(void)
{
	Suite *s = suite_create("mount");
	TCase *files = tcase_create("files");
	TCase *lifetimes = tcase_create("lifetimes");
	TCase *limits = tcase_create("limits");
	TCase *read_caps = tcase_create("read_caps");
	TCase *perms = tcase_create("permissions");
	TCase *reserve = tcase_create("reserve");

	tcase_add_checked_fixture(files, start_default, stop);
	tcase_add_test(files, tree_and_modes);
	tcase_add_test(files, names_and_refused_operations);
	tcase_add_test(files, now_is_fresh_and_honest);
	tcase_add_test(files, clock_page_follows_ctl_live);
	tcase_add_test(files, clock_open_errors);
	tcase_add_test(files, sync_view);
	tcase_add_test(files, mapped_readers_learn_of_removal_and_stop);
	tcase_add_test(files, bind_records_the_process_and_reads_back);
	tcase_add_test(files, ctl_refuses_bad_input);
	tcase_add_test(files, bind_lines_and_listing);
	tcase_add_test(files, bind_refuses_bad_input);
	tcase_add_test(files, requirements_standing);
	tcase_add_test(files, writes_after_removal_fail_for_every_file);
	tcase_add_test(files, poll_wakes_on_changes);
	tcase_set_timeout(files, 60);
	suite_add_tcase(s, files);

	tcase_add_checked_fixture(lifetimes, start_default, stop);
	tcase_add_test(lifetimes, binding_shared_across_fork_and_dup);
	tcase_add_test(lifetimes, binding_ends_at_exit);
	tcase_add_test(lifetimes, binding_ends_at_kill_9);
	tcase_set_timeout(lifetimes, 60);
	suite_add_tcase(s, lifetimes);

	tcase_add_checked_fixture(limits, start_small_caps, stop);
	tcase_add_test(limits, caps);
	tcase_add_test(limits, binding_shares_and_a_privileged_rmdir);
	tcase_set_timeout(limits, 60);
	suite_add_tcase(s, limits);

	tcase_add_checked_fixture(read_caps, start_read_caps, stop);
	tcase_add_test(read_caps, per_user_caps_on_reading_and_timelines);
	tcase_add_test(read_caps, a_range_of_uids_counts_as_its_owner);
	tcase_set_timeout(read_caps, 60);
	suite_add_tcase(s, read_caps);

	tcase_add_checked_fixture(perms, start_default, stop);
	tcase_add_test(perms, any_uid_reads_and_binds_but_not_ctl);
	tcase_add_test(perms, root_in_user_namespace_is_not_privileged);
	tcase_add_test(perms, another_mount_namespace_through_a_bind_mount);
	tcase_add_test(perms, a_gone_namespace_does_not_pass_on_its_timelines);
	tcase_add_test(perms, a_namespace_that_cannot_be_pinned_fails_the_mkdir);
	tcase_add_test(perms, readdir_resumes_across_changes);
	tcase_set_timeout(perms, 60);
	suite_add_tcase(s, perms);
	tcase_add_checked_fixture(reserve, start_global_caps, stop);
	tcase_add_test(reserve, global_caps_keep_a_reserve_for_privileged_callers);
	suite_add_tcase(s, reserve);
	return s;
}

int main(void)
{
	return harness_run(mount_suite());
}
