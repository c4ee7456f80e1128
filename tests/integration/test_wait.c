/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Integration: waiting on a timeline, through libqot and through the timer
 * file, on real mounts. Never early, periods without drift, new parameters
 * honoured during a wait, interrupts, many waiters, no leaks, bad input.
 * Nothing here asserts how late a wake-up is: bench/wait.sh measures that.
 */
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"
#include "qot.h"

#define NS 1000000000LL

static int64_t realtime(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * NS + ts.tv_nsec;
}

static long monotonic_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Publish parameters on tl/ctl (the test runs as the daemon's user). */
static void set_params(const char *tl, int64_t anchor, int64_t anchor_tl, int64_t freq,
		       uint64_t offset, uint64_t drift)
{
	char line[512], path[128];

	snprintf(line, sizeof(line),
		 "status=synced anchor=%" PRId64 " timeline=%" PRId64 " freq=%" PRId64
		 " offset_below=%" PRIu64 " offset_above=%" PRIu64 " drift_below=%" PRIu64
		 " drift_above=%" PRIu64 " stale_after=never\n",
		 anchor, anchor_tl, freq, offset, offset, drift, drift);
	snprintf(path, sizeof(path), "%s/ctl", tl);
	ck_assert_int_eq(write_file(mpath(path), O_WRONLY, line), 0);
}

/* Wait until the page of clk shows the parameters anchored at anchor. */
static void wait_page(const qot_clock *clk, int64_t anchor)
{
	long deadline = monotonic_ms() + 5000;

	for (;;) {
		struct qot_clock_params p;
		int64_t now;
		ck_assert_int_eq(qot_clock_params_read(clk, &p, &now), 0);
		if (p.anchor == anchor)
			return;
		ck_assert_msg(monotonic_ms() < deadline, "clock page never updated");
		usleep(1000);
	}
}

/* The clock of tl, once its page shows the parameters just written (anchor). */
static qot_clock *open_clock(const char *tl, int64_t anchor)
{
	char path[128];
	qot_clock *clk;

	snprintf(path, sizeof(path), "%s/clock", tl);
	ck_assert_int_eq(qot_clock_open_path(mpath(path), &clk), 0);
	wait_page(clk, anchor);
	return clk;
}

static struct qot_time now_of(const qot_clock *clk)
{
	struct qot_time t;

	ck_assert_int_eq(qot_clock_read(clk, &t), 0);
	return t;
}

static const int64_t PPM = 18446744073709LL; /* 1 ppm in 2^-64 units */

/* A timeline ahead of the host by 1.234567 ms, 7 ppm fast, +-200 us growing 1 ppm. */
static qot_clock *skewed_timeline(const char *tl)
{
	int64_t now = realtime();

	ck_assert_int_eq(mkdir(mpath(tl), 0755), 0);
	set_params(tl, now, now + 1234567, 7 * PPM, 200000, (uint64_t)PPM);
	return open_clock(tl, now);
}

static void format_instant(int64_t ns, char *buf, size_t size, const char *key)
{
	snprintf(buf, size, "%s=%s%lld.%09lld\n", key, ns < 0 ? "-" : "", llabs(ns / NS),
		 llabs(ns % NS));
}

/* "S.F B A status" -> estimate and below, in ns. */
static void parse_line(const char *line, int64_t *est, uint64_t *below)
{
	long long s, bs;
	unsigned long f, bf;

	ck_assert_msg(sscanf(line, "%lld.%9lu %lld.%9lu", &s, &f, &bs, &bf) == 4, "line '%s'",
		      line);
	*est = s * NS + (s < 0 || line[0] == '-' ? -(int64_t)f : (int64_t)f);
	*below = (uint64_t)bs * NS + bf;
}

START_TEST(c_api_never_early)
{
	qot_clock *clk;
	int64_t max_late = 0;

	qotfs_start(NULL);
	clk = skewed_timeline("tl");
	for (int i = 0; i < 10000; i++) {
		int64_t T = now_of(clk).estimate + 20000 + (i % 7) * 10000;
		struct qot_time woke, after;
		ck_assert_int_eq(qot_waituntil(clk, T, &woke), 0);
		after = now_of(clk);
		ck_assert_msg(woke.estimate >= T, "woke %" PRId64 " ns early", T - woke.estimate);
		ck_assert(after.estimate >= T);
		if (woke.estimate - T > max_late)
			max_late = woke.estimate - T;
	}
	/* Commit-wait: T is certainly past on return, and on a fresh reading. */
	for (int i = 0; i < 2000; i++) {
		int64_t T = now_of(clk).estimate + (i % 5) * 10000;
		struct qot_time woke, after;
		ck_assert_int_eq(qot_commit_wait(clk, T, &woke), 0);
		after = now_of(clk);
		ck_assert((__int128)woke.estimate - woke.below > T);
		ck_assert((__int128)after.estimate - after.below > T);
	}
	/* Sleep: a timeline duration from now. */
	{
		struct qot_time before = now_of(clk), woke;
		ck_assert_int_eq(qot_sleep(clk, 3000000, &woke), 0);
		ck_assert(woke.estimate >= before.estimate + 3000000);
	}
	printf("# C API: 10000 wake-ups, none early, latest %" PRId64 " ns\n", max_late);
	qot_clock_close(clk);
	qotfs_stop();
}
END_TEST

START_TEST(file_never_early)
{
	qot_clock *clk;
	char line[128], buf[256];
	int fd;

	qotfs_start(NULL);
	clk = skewed_timeline("tl");
	fd = open(mpath("tl/timer"), O_RDWR);
	ck_assert_int_ge(fd, 0);
	for (int i = 0; i < 10000; i++) {
		int commit = i % 10 == 9;
		int64_t T = now_of(clk).estimate + (commit ? 0 : 50000 + (i % 7) * 10000), est;
		uint64_t below;
		ssize_t n;
		format_instant(T, line, sizeof(line), commit ? "commit" : "at");
		ck_assert_int_eq(pwrite(fd, line, strlen(line), 0), (ssize_t)strlen(line));
		n = pread(fd, buf, sizeof(buf) - 1, 0);
		ck_assert_int_gt(n, 0);
		buf[n] = '\0';
		ck_assert_int_eq(buf[n - 1], '\n');
		parse_line(buf, &est, &below);
		if (commit) {
			struct qot_time after = now_of(clk);
			ck_assert_msg(est - (int64_t)below > T, "commit returned early: %s", buf);
			ck_assert((__int128)after.estimate - after.below > T);
		} else {
			ck_assert_msg(est >= T, "woke %" PRId64 " ns early", T - est);
			ck_assert(now_of(clk).estimate >= T);
		}
		/* Past the line, a one-shot timer is at end of file. */
		ck_assert_int_eq(pread(fd, buf, sizeof(buf), n), 0);
	}
	close(fd);
	qot_clock_close(clk);
	qotfs_stop();
}
END_TEST

START_TEST(periods)
{
	struct qot_period p = QOT_PERIOD_INIT;
	const uint64_t period = 1000000, phase = 250000;
	struct qot_time woke;
	int64_t prev = INT64_MIN;
	qot_clock *clk;
	int skipped = 0;

	qotfs_start(NULL);
	clk = skewed_timeline("tl");
	ck_assert_int_eq(qot_period_wait(clk, &p, &woke), -QOT_ENOPERIOD);
	ck_assert_ptr_nonnull(strstr(qot_strerror(-QOT_ENOPERIOD), "period"));
	ck_assert_int_eq(qot_period_set(&p, 0, 0), -EINVAL);
	ck_assert_int_eq(qot_period_set(&p, period, period), -EINVAL);
	ck_assert_int_eq(qot_period_set(&p, period, phase), 0);
	for (int k = 0; k < 1000; k++) {
		ck_assert_int_eq(qot_period_wait(clk, &p, &woke), 0);
		/* Every boundary is phase + k * period exactly: nothing accumulates. */
		ck_assert_int_eq(((p.last - (int64_t)phase) % (int64_t)period + (int64_t)period) %
					 (int64_t)period,
				 0);
		ck_assert(woke.estimate >= p.last);
		ck_assert(p.next > woke.estimate); /* an exact boundary is not returned twice */
		if (prev != INT64_MIN) {
			ck_assert(p.last > prev);
			skipped += (int)((p.last - prev) / (int64_t)period) - 1;
		}
		prev = p.last;
	}
	printf("# C API: 1000 periods, %d boundaries skipped by overruns\n", skipped);

	/* The file: each line's estimate reaches the first boundary after the previous line. */
	{
		char buf[4096];
		const char *setting = "period=2ms phase=1ms\n";
		int fd = open(mpath("tl/timer"), O_RDWR);
		int64_t est, armed, before = now_of(clk).estimate;
		uint64_t below;
		ck_assert_int_ge(fd, 0);
		ck_assert_int_eq(write(fd, setting, strlen(setting)), (ssize_t)strlen(setting));
		armed = ((before - 1000000) / 2000000 + 1) * 2000000 + 1000000;
		for (int k = 0; k < 1000; k++) {
			ssize_t n = read(fd, buf, sizeof(buf) - 1); /* sequential, as cat reads */
			ck_assert_int_gt(n, 0);
			buf[n] = '\0';
			parse_line(buf, &est, &below);
			ck_assert_msg(est >= armed, "period line %d early: %s", k, buf);
			armed = ((est - 1000000) / 2000000 + 1) * 2000000 + 1000000;
		}
		close(fd);
	}
	qot_clock_close(clk);
	qotfs_stop();
}
END_TEST

/* ---- waits across new parameters ---- */

struct waiter {
	const char *path; /* the timer file, or NULL for the C API (not mpath's ring) */
	qot_clock *clk;
	int64_t T;
	int64_t est;
	int64_t returned; /* base clock */
	int err;
	pid_t tid;
};

static void *wait_thread(void *arg)
{
	struct waiter *w = arg;
	char line[128], buf[256];

	w->tid = (pid_t)syscall(SYS_gettid);
	if (w->path == NULL) {
		struct qot_time t;
		w->err = qot_waituntil(w->clk, w->T, &t);
		w->est = t.estimate;
	} else {
		int fd = open(w->path, O_RDWR);
		ssize_t n = -1;
		uint64_t below;
		format_instant(w->T, line, sizeof(line), "at");
		if (fd >= 0 && write(fd, line, strlen(line)) == (ssize_t)strlen(line))
			n = pread(fd, buf, sizeof(buf) - 1, 0);
		w->err = n > 0 ? 0 : -errno;
		if (n > 0) {
			buf[n] = '\0';
			parse_line(buf, &w->est, &below);
		}
		if (fd >= 0)
			close(fd);
	}
	__atomic_store_n(&w->returned, realtime(), __ATOMIC_RELEASE);
	return NULL;
}

/* Is thread tid asleep in a system call (read or pread for the file, a sleep for the C API)? */
static int thread_blocked(pid_t tid)
{
	char path[64], buf[512];
	FILE *f;
	int nr = -1;
	char state = 0;
	const char *p;

	snprintf(path, sizeof(path), "/proc/self/task/%d/stat", (int)tid);
	f = fopen(path, "r");
	if (f == NULL)
		return 0;
	if (fgets(buf, sizeof(buf), f) && (p = strrchr(buf, ')')))
		state = p[2];
	fclose(f);
	snprintf(path, sizeof(path), "/proc/self/task/%d/syscall", (int)tid);
	f = fopen(path, "r");
	if (f && fscanf(f, "%d", &nr) != 1)
		nr = -1;
	if (f)
		fclose(f);
	return state == 'S' && (nr == SYS_read || nr == SYS_pread64 || nr == SYS_clock_nanosleep);
}

/* Wait (until deadline, CLOCK_MONOTONIC ms) until w's thread sleeps in its wait. */
static void wait_blocked_until(struct waiter *w, long deadline)
{
	while (__atomic_load_n(&w->tid, __ATOMIC_ACQUIRE) == 0 || !thread_blocked(w->tid)) {
		char path[64], stat[256] = "", sc[128] = "";
		FILE *f;
		ck_assert_msg(__atomic_load_n(&w->returned, __ATOMIC_ACQUIRE) == 0,
			      "waiter returned at once: %d", w->err);
		if (monotonic_ms() < deadline) {
			usleep(1000);
			continue;
		}
		snprintf(path, sizeof(path), "/proc/self/task/%d/stat", (int)w->tid);
		if ((f = fopen(path, "r")) && !fgets(stat, sizeof(stat), f))
			stat[0] = '\0';
		if (f)
			fclose(f);
		snprintf(path, sizeof(path), "/proc/self/task/%d/syscall", (int)w->tid);
		if ((f = fopen(path, "r")) && !fgets(sc, sizeof(sc), f))
			sc[0] = '\0';
		if (f)
			fclose(f);
		ck_abort_msg("waiter never blocked: stat '%.60s' syscall '%.40s'", stat, sc);
	}
}

static void wait_blocked(struct waiter *w)
{
	wait_blocked_until(w, monotonic_ms() + 30000);
}

static void change_during_wait(const char *path, qot_clock *clk, int64_t freq, int64_t jump)
{
	struct waiter w = {.path = path, .clk = clk};
	int64_t anchor = realtime() - 400 * NS;
	pthread_t th;
	int64_t parked, old_deadline;

	set_params("tl", anchor, anchor, 0, 1000, 0);
	wait_page(clk, anchor); /* T is computed from the page */
	w.T = now_of(clk).estimate + 5 * NS;
	ck_assert_int_eq(pthread_create(&th, NULL, wait_thread, &w), 0);
	wait_blocked(&w);
	parked = realtime();
	/* Only the frequency changes (anchor 400 s back: +1% is +4 s now), or
	 * only the offset (+4 s). The old parameters (the host clock itself)
	 * reach T at base instant T; the new ones some 4 s before. Returned
	 * 2 s before T: it followed the new ones, with 2 s to spare for
	 * parking and waking late, however long parking took. */
	old_deadline = w.T - 2 * NS;
	set_params("tl", anchor, anchor + jump, freq, 1000, 0);
	ck_assert_int_eq(pthread_join(th, NULL), 0);
	ck_assert_int_eq(w.err, 0);
	ck_assert(w.est >= w.T);
	ck_assert_msg(w.returned < old_deadline,
		      "%s: the wait ignored the new parameters (returned %.3f s after parking)",
		      path ? path : "C API", (double)(w.returned - parked) / NS);
}

START_TEST(new_parameters_during_a_wait)
{
	int64_t anchor = realtime() - 200 * NS;
	char timer[256];
	qot_clock *clk;

	qotfs_start(NULL);
	ck_assert_int_eq(mkdir(mpath("tl"), 0755), 0);
	set_params("tl", anchor, anchor, 0, 1000, 0);
	clk = open_clock("tl", anchor);
	snprintf(timer, sizeof(timer), "%s", mpath("tl/timer"));
	change_during_wait(timer, clk, 10000 * PPM, 0); /* frequency */
	change_during_wait(timer, clk, 0, 4 * NS);	/* offset */
	change_during_wait(NULL, clk, 10000 * PPM, 0);
	change_during_wait(NULL, clk, 0, 4 * NS);
	/* Backwards: the wait goes on until the timeline itself gets there. */
	{
		struct waiter w = {.path = timer, .clk = clk};
		pthread_t th;
		anchor = realtime();
		set_params("tl", anchor, anchor, 0, 1000, 0);
		wait_page(clk, anchor);
		w.T = now_of(clk).estimate + NS / 2;
		ck_assert_int_eq(pthread_create(&th, NULL, wait_thread, &w), 0);
		wait_blocked(&w);
		set_params("tl", anchor, anchor - NS / 2, 0, 1000, 0);
		ck_assert_int_eq(pthread_join(th, NULL), 0);
		ck_assert_int_eq(w.err, 0);
		ck_assert(w.est >= w.T);
	}
	qot_clock_close(clk);
	qotfs_stop();
}
END_TEST

/* ---- interrupts ---- */

static void on_usr1(int sig)
{
	(void)sig;
}

struct blocked_child {
	const char *mode; /* "usr1": expect EINTR; else block until killed */
};

static int child_blocks(void *arg)
{
	const struct blocked_child *c = arg;
	struct sigaction sa;
	char buf[256];
	int fd = open(mpath("tl/timer"), O_RDWR);
	const char *line = "at=9000000000\n";

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_usr1; /* no SA_RESTART */
	sigaction(SIGUSR1, &sa, NULL);
	if (fd < 0)
		return 10;
	if (write(fd, line, strlen(line)) != (ssize_t)strlen(line))
		return 11;
	if (pread(fd, buf, sizeof(buf), 0) >= 0)
		return 12;
	return errno == EINTR && strcmp(c->mode, "usr1") == 0 ? 0 : 13;
}

static pid_t spawn_blocked(struct blocked_child *c)
{
	pid_t pid = fork();
	char path[64];
	long deadline = monotonic_ms() + 10000;

	ck_assert_int_ge(pid, 0);
	if (pid == 0)
		_exit(child_blocks(c));
	/* Wait until it sleeps in its read. */
	snprintf(path, sizeof(path), "/proc/%d/syscall", (int)pid);
	for (;;) {
		FILE *f = fopen(path, "r");
		int nr = -1;
		if (f && fscanf(f, "%d", &nr) != 1)
			nr = -1;
		if (f)
			fclose(f);
		if (nr == SYS_pread64)
			break;
		ck_assert_msg(waitpid(pid, NULL, WNOHANG) == 0, "child ended before blocking");
		ck_assert_msg(monotonic_ms() < deadline, "child never blocked in its read");
		usleep(1000);
	}
	return pid;
}

/* waitpid with a timeout; the exit status, or -1 on timeout (child killed). */
static int reap(pid_t pid, int timeout_ms)
{
	long deadline = monotonic_ms() + timeout_ms;
	int status;

	while (waitpid(pid, &status, WNOHANG) == 0) {
		if (monotonic_ms() > deadline) {
			kill(pid, SIGKILL);
			waitpid(pid, NULL, 0);
			return -1;
		}
		usleep(500);
	}
	return status;
}

START_TEST(interrupted_read_returns_eintr)
{
	struct blocked_child c = {"usr1"};
	pid_t pid;
	int status;
	long t0;

	qotfs_start(NULL);
	ck_assert_int_eq(mkdir(mpath("tl"), 0755), 0);
	pid = spawn_blocked(&c);
	t0 = monotonic_ms();
	kill(pid, SIGUSR1);
	status = reap(pid, 5000);
	ck_assert_msg(status >= 0, "the interrupted read did not return");
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		      "read did not fail with EINTR");
	printf("# interrupted read returned after %ld ms\n", monotonic_ms() - t0);
	/* SIGKILL: the process goes at once, and its timer with it. */
	c.mode = "kill";
	pid = spawn_blocked(&c);
	kill(pid, SIGKILL);
	status = reap(pid, 5000);
	ck_assert_msg(status >= 0 && WIFSIGNALED(status), "a killed reader stayed");
	qotfs_stop();
}
END_TEST

/* ---- many waiters, abandoned waiters ---- */

static int daemon_threads(void)
{
	char path[64], line[256];
	FILE *f;
	int n = -1;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)qotfs_pid());
	f = fopen(path, "r");
	ck_assert_ptr_nonnull(f);
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "Threads: %d", &n) == 1)
			break;
	fclose(f);
	return n;
}

START_TEST(a_thousand_waiters)
{
	enum { N = 1000 };
	static struct waiter w[N];
	static pthread_t th[N];
	pthread_attr_t attr;
	char timer[256];
	qot_clock *clk;
	int64_t T0, anchor = realtime();
	long deadline;
	int threads;

	qotfs_start(NULL);
	ck_assert_int_eq(mkdir(mpath("tl"), 0755), 0);
	set_params("tl", anchor, anchor, 0, 1000, 0);
	clk = open_clock("tl", anchor);
	/* Far enough that all of them park however slow the machine is. */
	snprintf(timer, sizeof(timer), "%s", mpath("tl/timer"));
	T0 = now_of(clk).estimate + 3600 * NS;
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, 64 * 1024);
	for (int i = 0; i < N; i++) {
		w[i] = (struct waiter){.path = timer, .clk = clk, .T = T0 + i * 1000};
		ck_assert_int_eq(pthread_create(&th[i], &attr, wait_thread, &w[i]), 0);
	}
	/* One deadline for all: their writes take the inode lock one at a time,
	 * each for a round trip to the daemon, which takes long on a busy machine. */
	deadline = monotonic_ms() + 120000;
	for (int i = 0; i < N; i++)
		wait_blocked_until(&w[i], deadline);
	printf("# %d readers parked within %ld ms\n", N, monotonic_ms() - (deadline - 120000));
	threads = daemon_threads();
	/* Parked reads cost no thread: loop, stopper, pusher and waker. */
	ck_assert_msg(threads <= 4, "qotfs has %d threads with %d parked reads", threads, N);
	/* The timeline jumps an hour ahead: all of them are re-planned and wake. */
	set_params("tl", anchor, anchor + 3600 * NS, 0, 1000, 0);
	for (int i = 0; i < N; i++) {
		ck_assert_int_eq(pthread_join(th[i], NULL), 0);
		ck_assert_int_eq(w[i].err, 0);
		ck_assert(w[i].est >= w[i].T);
	}
	pthread_attr_destroy(&attr);
	qot_clock_close(clk);
	qotfs_stop();
}
END_TEST

START_TEST(abandoned_waiters_do_not_leak)
{
	enum { CAP = 20 };
	struct blocked_child c = {"kill"};
	pid_t pids[CAP];
	int fds[CAP + 2];

	qotfs_start("--max-timers=20", NULL);
	ck_assert_int_eq(mkdir(mpath("tl"), 0755), 0);
	for (int round = 0; round < 10; round++) {
		/* Killed while parked, or left armed and closed: either way the timer goes. */
		for (int i = 0; i < CAP; i++)
			pids[i] = spawn_blocked(&c);
		for (int i = 0; i < CAP; i++) {
			kill(pids[i], SIGKILL);
			ck_assert_int_ge(reap(pids[i], 5000), 0);
		}
		for (int i = 0; i < CAP; i++) {
			long deadline = monotonic_ms() + 5000;
			/* RELEASE comes slightly after the process is gone. */
			while ((fds[i] = open(mpath("tl/timer"), O_RDWR)) < 0 && errno == ENFILE &&
			       monotonic_ms() < deadline)
				usleep(1000);
			ck_assert_int_ge(fds[i], 0);
			ck_assert_int_eq(write_fd(fds[i], "at=9000000000"), 0);
		}
		/* The cap holds (beyond it, root has a reserve of a sixteenth: one,
		 * which a killed process's timer may still hold a moment). */
		{
			long deadline = monotonic_ms() + 5000;
			while ((fds[CAP] = open(mpath("tl/timer"), O_RDWR)) < 0 &&
			       errno == ENFILE && monotonic_ms() < deadline)
				usleep(1000);
		}
		ck_assert_int_ge(fds[CAP], 0);
		fds[CAP + 1] = open(mpath("tl/timer"), O_RDWR);
		ck_assert_int_eq(fds[CAP + 1], -1);
		ck_assert_int_eq(errno, ENFILE);
		for (int i = 0; i <= CAP; i++)
			close(fds[i]);
	}
	qotfs_stop(); /* under ASan, a leak fails the daemon's exit */
}
END_TEST

/* ---- bad input, poll ---- */

START_TEST(bad_input_leaves_the_timer_alone)
{
	static const char *const bad[] = {
		"\n",
		"at=",
		"at=x",
		"period=0s",
		"period=999ns",
		"period=1s phase=1s",
		"phase=1s",
		"at=1 commit=2",
		"at=1.0000000001",
		"bogus=1",
		"period=none",
		"at=1\r",
		"at=99999999999",
	};
	struct pollfd pfd;
	char buf[256], big[2048];
	int fd;

	qotfs_start(NULL);
	ck_assert_int_eq(mkdir(mpath("tl"), 0755), 0);
	fd = open(mpath("tl/timer"), O_RDWR);
	ck_assert_int_ge(fd, 0);
	/* Nothing armed: a read fails at once. */
	ck_assert_int_eq(pread(fd, buf, sizeof(buf), 0), -1);
	ck_assert_int_eq(errno, EINVAL);
	ck_assert_int_eq(write_fd(fd, "at=1"), 0); /* long past */
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int err = write_fd(fd, bad[i]);
		ck_assert_msg(err == -EINVAL || err == -ERANGE, "'%s' gave %d", bad[i], err);
	}
	memset(big, 'a', sizeof(big));
	big[sizeof(big) - 1] = '\0';
	ck_assert_int_eq(write_fd(fd, big), -EMSGSIZE);
	pfd = (struct pollfd){.fd = fd, .events = POLLIN};
	ck_assert_int_eq(poll(&pfd, 1, 0), 1); /* still at=1: ready */
	ck_assert_int_gt(pread(fd, buf, sizeof(buf), 0), 0);
	ck_assert_int_eq(write_fd(fd, "period=3600s"), 0);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_int_ne(write_fd(fd, bad[i]), 0);
	ck_assert_int_eq(poll(&pfd, 1, 0), 0); /* still the hour: not ready */
	/* qot(7) ERRORS: truncate(2) of the timer gives EPERM, at any size; an
	 * open with O_TRUNC is accepted read-write ("<>" in a shell), while
	 * "echo line > timer" (write-only: it could never read a tick) fails. */
	ck_assert_int_eq(truncate(mpath("tl/timer"), 0), -1);
	ck_assert_int_eq(errno, EPERM);
	ck_assert_int_eq(truncate(mpath("tl/timer"), 5), -1);
	ck_assert_int_eq(errno, EPERM);
	ck_assert_int_eq(write_file(mpath("tl/timer"), O_RDWR | O_TRUNC, "at=1\n"), 0);
	ck_assert_int_eq(write_file(mpath("tl/timer"), O_WRONLY | O_TRUNC, "at=1\n"), -EINVAL);
	close(fd);
	qotfs_stop();
}
END_TEST

START_TEST(poll_waits_for_the_instant)
{
	struct pollfd pfd;
	char line[128], buf[256];
	qot_clock *clk;
	int64_t T;
	int fd;

	qotfs_start(NULL);
	clk = skewed_timeline("tl");
	fd = open(mpath("tl/timer"), O_RDWR);
	ck_assert_int_ge(fd, 0);
	T = now_of(clk).estimate + 200000000;
	format_instant(T, line, sizeof(line), "at");
	ck_assert_int_eq(write_fd(fd, line), 0);
	pfd = (struct pollfd){.fd = fd, .events = POLLIN};
	ck_assert_int_eq(poll(&pfd, 1, 10000), 1);
	ck_assert(pfd.revents & POLLIN);
	ck_assert(now_of(clk).estimate >= T);
	ck_assert_int_gt(pread(fd, buf, sizeof(buf), 0), 0);
	/* A period: poll says when the armed boundary passed; the read then returns at once. */
	ck_assert_int_eq(write_fd(fd, "period=100ms"), 0);
	ck_assert_int_eq(poll(&pfd, 1, 10000), 1);
	ck_assert_int_gt(pread(fd, buf, sizeof(buf), 0), 0);
	close(fd);
	qot_clock_close(clk);
	qotfs_stop();
}
END_TEST

START_TEST(bindings_through_the_api)
{
	struct qot_requirements req = {10000, 20000, QOT_UNBOUNDED};
	qot_binding *b;
	const char *text;

	qotfs_start(NULL);
	ck_assert_int_eq(mkdir(mpath("tl"), 0755), 0);
	setenv("QOT_ROOT", mnt, 1);
	ck_assert_int_eq(qot_bind("tl", "bad name", NULL, &b), -EINVAL);
	ck_assert_int_eq(qot_bind("nope", "app", NULL, &b), -ENOENT);
	ck_assert_int_eq(qot_bind("tl", "app", &req, &b), 0);
	text = slurp(mpath("tl/bindings"));
	ck_assert_ptr_nonnull(strstr(text, "name=app accuracy=10us/20us resolution=none"));
	req.acc_above = 10000;
	ck_assert_int_eq(qot_bind_update(b, &req), 0);
	ck_assert(wait_content(mpath("tl/requirements"), "accuracy=10us resolution=none\n", 5000));
	req.resolution = 0;
	ck_assert_int_eq(qot_bind_update(b, &req), -EINVAL);
	{
		struct qot_time t;
		int64_t sys;
		uint64_t d;
		ck_assert_int_eq(qot_clock_read(qot_binding_clock(b), &t), 0);
		ck_assert_int_eq(qot_tl_to_sys(qot_binding_clock(b), t.estimate, &sys), 0);
		ck_assert_int_eq(qot_sys_to_tl(qot_binding_clock(b), sys, &t), 0);
		ck_assert_int_eq(qot_tl_duration_to_sys(qot_binding_clock(b), 1000000, &d), 0);
		ck_assert_uint_eq(d, 1000000); /* no frequency correction yet */
	}
	qot_unbind(b);
	ck_assert(wait_content(mpath("tl/bindings"), "", 5000));
	unsetenv("QOT_ROOT");
	qotfs_stop();
}
END_TEST

START_TEST(conversions)
{
	qot_clock *clk;

	qotfs_start(NULL);
	clk = skewed_timeline("tl"); /* 7 ppm fast, 1.234567 ms ahead */
	for (int64_t d = -10 * NS; d <= 10 * NS; d += NS / 3) {
		int64_t T = now_of(clk).estimate + d, sys;
		struct qot_time at, before;
		/* An absolute instant converts as an instant, not as a duration. */
		ck_assert_int_eq(qot_tl_to_sys(clk, T, &sys), 0);
		ck_assert_int_eq(qot_sys_to_tl(clk, sys, &at), 0);
		ck_assert_int_eq(qot_sys_to_tl(clk, sys - 1, &before), 0);
		ck_assert(at.estimate >= T && before.estimate < T);
		ck_assert(llabs(T - sys - 1234567) < 1000000); /* offset plus 7 ppm of ~10 s */
	}
	{
		uint64_t sys, tl;
		ck_assert_int_eq(qot_tl_duration_to_sys(clk, (uint64_t)NS, &sys), 0);
		ck_assert_uint_eq(sys, 999993001); /* ceil(1e9 / (1 + 7e-6)) */
		ck_assert_int_eq(qot_sys_duration_to_tl(clk, sys, &tl), 0);
		ck_assert(tl <= (uint64_t)NS && tl >= (uint64_t)NS - 1);
		ck_assert_int_eq(qot_sys_duration_to_tl(clk, 0, &tl), 0);
		ck_assert_uint_eq(tl, 0);
	}
	qot_clock_close(clk);
	qotfs_stop();
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("wait");
	TCase *tc = tcase_create("wait");

	tcase_set_timeout(tc, 240);
	tcase_add_test(tc, c_api_never_early);
	tcase_add_test(tc, file_never_early);
	tcase_add_test(tc, periods);
	tcase_add_test(tc, new_parameters_during_a_wait);
	tcase_add_test(tc, interrupted_read_returns_eintr);
	tcase_add_test(tc, a_thousand_waiters);
	tcase_add_test(tc, abandoned_waiters_do_not_leak);
	tcase_add_test(tc, bad_input_leaves_the_timer_alone);
	tcase_add_test(tc, poll_waits_for_the_instant);
	tcase_add_test(tc, bindings_through_the_api);
	tcase_add_test(tc, conversions);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return harness_run(suite());
}
