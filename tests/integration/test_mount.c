/* SPDX-License-Identifier: Apache-2.0 */
/* Integration: every file of a real qotfs mount, bad input, lifetimes, permissions, poll. */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
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
	ck_assert(wait_content(mpath("tl/now"), NULL, 100));
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
	ck_assert_int_eq(ERRNO_OF(rmdir(mpath("tl"))), EBUSY);
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
	usleep(20000);
	ck_assert_int_eq(count_lines(mpath("tl/bindings")), 1);
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

static int do_mkdir_later(void *arg)
{
	usleep(50000); /* so that the parent is parked in poll() first */
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
		ev = poll_once(tfd, 10000);
		ck_assert_msg(ev & (POLLIN | POLLPRI), "no wake-up on mkdir");
		waitpid(child, NULL, 0);
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
 * rights to the next namespace that happens to get its number. */

static int tenant_creates(void)
{
	return mkdir(mpath("tenant"), 0755) == 0 ? 0 : 1;
}

static int stranger_tries(void)
{
	if (rmdir(mpath("tenant")) == 0 || errno != EPERM)
		return 1;
	if (open(mpath("tenant/requirements"), O_WRONLY) >= 0 || errno != EACCES)
		return 2;
	return 0;
}

static int run_tenant(void *arg)
{
	(void)arg;
	return in_new_userns(tenant_creates);
}

static int run_stranger(void *arg)
{
	(void)arg;
	return in_new_userns(stranger_tries);
}

START_TEST(a_gone_namespace_does_not_pass_on_its_timelines)
{
	ck_assert_int_eq(run_child(run_tenant, NULL), 0);
	/* A namespace's number is freed some 100 ms after it dies, then handed
	 * to the next new namespace: keep trying for a second. */
	for (int i = 0; i < 50; i++) {
		ck_assert_int_eq(run_child(run_stranger, NULL), 0);
		usleep(20000);
	}
	ck_assert_int_eq(rmdir(mpath("tenant")), 0); /* the host's root may */
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
	tcase_set_timeout(limits, 60);
	suite_add_tcase(s, limits);

	tcase_add_checked_fixture(read_caps, start_read_caps, stop);
	tcase_add_test(read_caps, per_user_caps_on_reading_and_timelines);
	tcase_set_timeout(read_caps, 60);
	suite_add_tcase(s, read_caps);

	tcase_add_checked_fixture(perms, start_default, stop);
	tcase_add_test(perms, any_uid_reads_and_binds_but_not_ctl);
	tcase_add_test(perms, root_in_user_namespace_is_not_privileged);
	tcase_add_test(perms, another_mount_namespace_through_a_bind_mount);
	tcase_add_test(perms, a_gone_namespace_does_not_pass_on_its_timelines);
	tcase_add_test(perms, readdir_resumes_across_changes);
	tcase_set_timeout(perms, 60);
	suite_add_tcase(s, perms);
	return s;
}

int main(void)
{
	return harness_run(mount_suite());
}
