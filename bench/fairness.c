/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fairness.c - what other users' load does to a well-behaved client of
 * qotfs. The well-behaved client reads "now" of timeline B (pread on an
 * open descriptor, and open+read+close) and reports p50/p99 latency:
 *
 *   (a) alone, the anchor (measured first, and again at the end);
 *   (b) while N processes of another user read "now" of timeline A as fast
 *       as they can (a flood);
 *   (c) while a hostile user of the same other uid does one pattern at a
 *       time: MB-sized writes to bind, hlc, timer and requirements;
 *       thousands of open files held (half-read, armed); malformed lines at
 *       full speed; and timer reads parked far in the future whose
 *       processes are then killed, over and over.
 *
 * The daemon has one request thread and the kernel queues requests first
 * come first served, so under a flood a request waits behind about one
 * request of each flooding process. Next to each flood the table gives what
 * that predicts (alone + N x s, s the daemon's time per flood request,
 * 1/throughput) and what a fair share between the two users would give
 * (alone + s). Nothing is asserted: this is a report.
 *
 * Usage: fairness [--samples N] [--interval-us US] [--floods N,N,...]
 *                 [--hostile-procs N] [--uid UID] [--good-uid UID]
 *                 [--pid DAEMON_PID] MOUNTPOINT
 * Run as root: the load runs as --uid (default 65534), the well-behaved
 * client as --good-uid (default 1001; 0 keeps it root). bench/fairness.sh
 * mounts a scratch qotfs and runs it.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <grp.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "stats.h"

#define TL_A	      "qotbench-fair-a" /* the load's */
#define TL_B	      "qotbench-fair-b" /* the well-behaved client's */
#define MAX_PROCS     256
#define MAX_FLOODS    8
#define HUGE_BYTES    (1 << 20)
#define HELD_PER_PROC 1000
#define WAITERS	      500 /* parked reads per abandoned process */
#define READY_MS      60000

/* Counters the load processes update; shared, one slot per process. */
struct shared {
	atomic_ulong ops[MAX_PROCS];	    /* requests done */
	atomic_ulong unexpected[MAX_PROCS]; /* results other than the documented ones */
	atomic_int last_errno[MAX_PROCS];
};

static const char *mnt;
static uid_t load_uid = 65534;
static uid_t good_uid = 1001; /* the well-behaved client's; 0: stays root */
static struct shared *sh;

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static const char *path_of(const char *tl, const char *file)
{
	static char ring[8][512];
	static int next;
	char *buf = ring[next++ % 8];

	snprintf(buf, sizeof(ring[0]), "%s/%s%s%s", mnt, tl, file ? "/" : "", file ? file : "");
	return buf;
}

static void die(const char *what)
{
	fprintf(stderr, "fairness: %s: %s\n", what, strerror(errno));
	exit(1);
}

/* ---- the load: child processes of another user ---- */

static void become_load_user(void)
{
	struct rlimit rl;

	/* Room for the held files, then no privilege left. */
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < 4096) {
		rl.rlim_cur = rl.rlim_max < 4096 ? rl.rlim_max : 4096;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	if (setgroups(0, NULL) < 0 || setresgid(load_uid, load_uid, load_uid) < 0 ||
	    setresuid(load_uid, load_uid, load_uid) < 0)
		die("dropping to the load's uid");
	prctl(PR_SET_PDEATHSIG, SIGKILL);
}

static void ready(int fd)
{
	char c = 1;

	if (write(fd, &c, 1) != 1)
		_exit(1);
}

static void count(int slot, ssize_t res, int want_errno)
{
	atomic_fetch_add_explicit(&sh->ops[slot], 1, memory_order_relaxed);
	if (res >= 0 || errno != want_errno) {
		atomic_fetch_add_explicit(&sh->unexpected[slot], 1, memory_order_relaxed);
		atomic_store_explicit(&sh->last_errno[slot], res >= 0 ? 0 : errno,
				      memory_order_relaxed);
	}
}

static void flood(int slot, int rfd)
{
	char buf[256];
	int fd = open(path_of(TL_A, "now"), O_RDONLY);

	if (fd < 0)
		die("flood: open");
	ready(rfd);
	for (;;) {
		ssize_t n = pread(fd, buf, sizeof(buf), 0);
		atomic_fetch_add_explicit(&sh->ops[slot], 1, memory_order_relaxed);
		if (n <= 0)
			atomic_fetch_add_explicit(&sh->unexpected[slot], 1, memory_order_relaxed);
	}
}

/* The hostile user's writable files: A's bind, hlc and timer, and the
 * requirements of a timeline of its own (only a creator may write those). */
static void writable_files(int slot, int fds[4])
{
	char own[64];

	snprintf(own, sizeof(own), "qotbench-fair-h%d", slot);
	if (mkdir(path_of(own, NULL), 0755) < 0 && errno != EEXIST)
		die("hostile: mkdir");
	fds[0] = open(path_of(TL_A, "bind"), O_WRONLY);
	fds[1] = open(path_of(TL_A, "hlc"), O_WRONLY);
	fds[2] = open(path_of(TL_A, "timer"), O_RDWR);
	fds[3] = open(path_of(own, "requirements"), O_WRONLY);
	for (int i = 0; i < 4; i++)
		if (fds[i] < 0)
			die("hostile: open");
}

static void huge_writes(int slot, int rfd)
{
	char *buf = malloc(HUGE_BYTES);
	int fds[4];

	if (buf == NULL)
		die("malloc");
	memset(buf, 'a', HUGE_BYTES);
	writable_files(slot, fds);
	ready(rfd);
	for (unsigned i = 0;; i++)
		count(slot, write(fds[i % 4], buf, HUGE_BYTES), EMSGSIZE);
}

static void malformed(int slot, int rfd)
{
	static const char *const lines[4] = {"name=\n", "12.x\n", "at=soon\n", "accuracy=-1\n"};
	int fds[4];

	writable_files(slot, fds);
	ready(rfd);
	for (unsigned i = 0;; i++)
		count(slot, write(fds[i % 4], lines[i % 4], strlen(lines[i % 4])), EINVAL);
}

/* Open and hold files: half-read now and bindings (each holds a text
 * snapshot), mapped-size clock, armed timers, bind files with a binding. */
static void held(int slot, int rfd)
{
	static const char *const files[] = {"now", "clock", "bindings", "timer", "bind"};
	char buf[64];
	int n = 0;

	for (int i = 0; i < HELD_PER_PROC; i++) {
		const char *f = files[i % 5];
		int fd = open(path_of(TL_A, f), strcmp(f, "timer") == 0	 ? O_RDWR
						: strcmp(f, "bind") == 0 ? O_WRONLY
									 : O_RDONLY);
		if (fd < 0) {
			count(slot, -1, 0);
			continue;
		}
		n++;
		if (strcmp(f, "now") == 0 || strcmp(f, "bindings") == 0)
			(void)!pread(fd, buf, 1, 0);
		else if (strcmp(f, "timer") == 0)
			(void)!write(fd, "at=9000000000\n", 14);
		else if (strcmp(f, "bind") == 0) {
			snprintf(buf, sizeof(buf), "name=h%d-%d\n", slot, i);
			(void)!write(fd, buf, strlen(buf));
		}
	}
	atomic_store(&sh->ops[slot], (unsigned long)n);
	ready(rfd);
	for (;;)
		pause();
}

struct waiter_arg {
	int rfd;
};

static void *park_one(void *arg)
{
	struct waiter_arg *w = arg;
	char buf[128];
	int fd = open(path_of(TL_A, "timer"), O_RDWR);

	if (fd < 0 || write(fd, "at=9000000000\n", 14) != 14) {
		ready(w->rfd); /* counted as ready; the parent notes the failure */
		return NULL;
	}
	ready(w->rfd);
	(void)!pread(fd, buf, sizeof(buf), 0); /* parks until killed */
	return NULL;
}

/* A process of WAITERS threads, each parked on its own timer. */
static void waiters_process(int rfd)
{
	static struct waiter_arg arg;
	pthread_attr_t attr;
	pthread_t th;

	arg.rfd = rfd;
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, 64 * 1024);
	for (int i = 0; i < WAITERS; i++)
		if (pthread_create(&th, &attr, park_one, &arg) != 0)
			ready(rfd);
	for (;;)
		pause();
}

static int wait_ready(int fd, int n, int timeout_ms);

/* Over and over: WAITERS parked reads, then the process is killed. */
static void abandon(int slot, int rfd)
{
	bool first = true;

	for (;;) {
		int p[2];
		pid_t pid;

		if (pipe(p) < 0)
			die("pipe");
		pid = fork();
		if (pid < 0)
			die("fork");
		if (pid == 0) {
			/* Goes with its parent, whenever that is killed. */
			prctl(PR_SET_PDEATHSIG, SIGKILL);
			if (getppid() == 1)
				_exit(0);
			close(p[0]);
			waiters_process(p[1]);
		}
		close(p[1]);
		if (wait_ready(p[0], WAITERS, READY_MS) < 0)
			die("abandon: the waiters did not start");
		close(p[0]);
		usleep(2000); /* the last reads reach the daemon and park */
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		atomic_fetch_add_explicit(&sh->ops[slot], WAITERS, memory_order_relaxed);
		if (first)
			ready(rfd);
		first = false;
	}
}

enum load_kind { LOAD_NONE, LOAD_FLOOD, LOAD_HUGE, LOAD_HELD, LOAD_MALFORMED, LOAD_ABANDON };

struct scenario {
	char name[64];
	enum load_kind kind;
	int procs;
	const char *unit; /* what ops counts */
};

/* Read n ready bytes from fd within timeout_ms; 0, or -1. */
static int wait_ready(int fd, int n, int timeout_ms)
{
	double deadline = now_ns() + timeout_ms * 1e6;
	char buf[256];

	while (n > 0) {
		struct pollfd pfd = {.fd = fd, .events = POLLIN};
		int left = (int)((deadline - now_ns()) / 1e6);
		ssize_t got;
		if (left <= 0 || poll(&pfd, 1, left) <= 0)
			return -1;
		got = read(fd, buf, (size_t)n < sizeof(buf) ? (size_t)n : sizeof(buf));
		if (got <= 0)
			return -1;
		n -= (int)got;
	}
	return 0;
}

static pid_t load_pids[MAX_PROCS];
static int nload;

static void start_load(const struct scenario *s)
{
	int p[2];

	memset(sh, 0, sizeof(*sh));
	nload = 0;
	if (s->kind == LOAD_NONE)
		return;
	if (pipe(p) < 0)
		die("pipe");
	for (int i = 0; i < s->procs; i++) {
		pid_t pid = fork();
		if (pid < 0)
			die("fork");
		if (pid == 0) {
			setpgid(0, 0); /* a group of its own: stop_load kills what it forks too */
			close(p[0]);
			become_load_user();
			if (s->kind == LOAD_FLOOD)
				flood(i, p[1]);
			else if (s->kind == LOAD_HUGE)
				huge_writes(i, p[1]);
			else if (s->kind == LOAD_HELD)
				held(i, p[1]);
			else if (s->kind == LOAD_MALFORMED)
				malformed(i, p[1]);
			else
				abandon(i, p[1]);
			_exit(0);
		}
		setpgid(pid, pid); /* as the child does: whichever runs first */
		load_pids[nload++] = pid;
	}
	close(p[1]);
	if (wait_ready(p[0], s->procs, READY_MS) < 0) {
		fprintf(stderr, "fairness: %s: the load did not start\n", s->name);
		exit(1);
	}
	close(p[0]);
}

/* Kill the load and wait until its files are released: the daemon is then
 * as before (its RELEASEs come asynchronously, shortly after the exit). */
static void stop_load(void)
{
	for (int i = 0; i < nload; i++)
		kill(-load_pids[i], SIGKILL);
	for (int i = 0; i < nload; i++)
		waitpid(load_pids[i], NULL, 0);
	nload = 0;
}

static unsigned long total(atomic_ulong *v, int n)
{
	unsigned long t = 0;

	for (int i = 0; i < n; i++)
		t += atomic_load(&v[i]);
	return t;
}

/* ---- the daemon ---- */

struct daemon_stat {
	double cpu_s; /* user + system */
	long rss_kb;
	int threads;
};

static struct daemon_stat daemon_stat(pid_t pid)
{
	struct daemon_stat d = {0, -1, -1};
	char path[64], line[512];
	unsigned long ut = 0, st = 0;
	FILE *f;

	if (pid <= 0)
		return d;
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	f = fopen(path, "r");
	if (f && fgets(line, sizeof(line), f)) {
		const char *p = strrchr(line, ')');
		if (p && sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &ut,
				&st) == 2)
			d.cpu_s = (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
	}
	if (f)
		fclose(f);
	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	f = fopen(path, "r");
	while (f && fgets(line, sizeof(line), f)) {
		sscanf(line, "VmRSS: %ld", &d.rss_kb);
		sscanf(line, "Threads: %d", &d.threads);
	}
	if (f)
		fclose(f);
	return d;
}

/* ---- the well-behaved client ---- */

/* "S.F B.F A.F status\n" */
static bool well_formed(const char *buf, ssize_t n)
{
	long long s, bs, as;
	unsigned long f, bf, af;
	char status[32];

	return n > 0 && buf[n - 1] == '\n' &&
	       sscanf(buf, "%lld.%9lu %lld.%9lu %lld.%9lu %31s", &s, &f, &bs, &bf, &as, &af,
		      status) == 7;
}

struct result {
	struct bench_stats pread, orc;
	unsigned long bad;
	double secs;
};

/* The well-behaved client, in a child process of its own uid (requests of
 * uid 0 share a queue with the kernel's releases and interrupts). vp and vo
 * are shared with the parent; the count of bad reads is the exit status. */
static int well_behaved(size_t n, long interval_us, double *vp, double *vo)
{
	const char *now = path_of(TL_B, "now");
	struct timespec gap = {0, interval_us * 1000};
	unsigned long bad = 0;
	char buf[256];
	int fd;

	if (good_uid != 0 &&
	    (setgroups(0, NULL) < 0 || setresgid(good_uid, good_uid, good_uid) < 0 ||
	     setresuid(good_uid, good_uid, good_uid) < 0))
		die("dropping to the well-behaved uid");
	fd = open(now, O_RDONLY);
	if (fd < 0)
		die(now);
	for (size_t i = 0; i < n; i++) {
		double a = now_ns();
		ssize_t got = pread(fd, buf, sizeof(buf) - 1, 0);
		double b = now_ns();
		int fd2;

		if (got > 0)
			buf[got] = '\0';
		bad += !well_formed(buf, got);
		vp[i] = b - a;
		a = now_ns();
		fd2 = open(now, O_RDONLY);
		got = fd2 < 0 ? -1 : read(fd2, buf, sizeof(buf) - 1);
		if (fd2 >= 0)
			close(fd2);
		b = now_ns();
		if (got > 0)
			buf[got] = '\0';
		bad += !well_formed(buf, got);
		vo[i] = b - a;
		if (interval_us > 0)
			nanosleep(&gap, NULL);
	}
	close(fd);
	return bad > 100 ? 100 : (int)bad;
}

static void measure(size_t n, long interval_us, double *vp, double *vo, struct result *r)
{
	double t0 = now_ns();
	pid_t pid = fork();
	int status;

	if (pid < 0)
		die("fork");
	if (pid == 0)
		_exit(well_behaved(n, interval_us, vp, vo));
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		die("the well-behaved client");
	r->bad = (unsigned long)WEXITSTATUS(status);
	r->secs = (now_ns() - t0) / 1e9;
	r->pread = bench_stats_of(vp, n);
	r->orc = bench_stats_of(vo, n);
}

static void loadavg(char *out, size_t size)
{
	FILE *f = fopen("/proc/loadavg", "r");

	out[0] = '\0';
	if (f && fgets(out, (int)size, f) == NULL)
		out[0] = '\0';
	if (f)
		fclose(f);
	out[strcspn(out, "\n")] = '\0';
}

static int parse_floods(const char *arg, int *out)
{
	int n = 0;
	char *copy = strdup(arg), *save = NULL;

	for (char *t = strtok_r(copy, ",", &save); t && n < MAX_FLOODS;
	     t = strtok_r(NULL, ",", &save)) {
		int v = atoi(t);
		if (v < 1 || v > MAX_PROCS) {
			free(copy);
			return -1;
		}
		out[n++] = v;
	}
	free(copy);
	return n;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {{"samples", required_argument, NULL, 's'},
					     {"interval-us", required_argument, NULL, 'i'},
					     {"floods", required_argument, NULL, 'f'},
					     {"hostile-procs", required_argument, NULL, 'h'},
					     {"uid", required_argument, NULL, 'u'},
					     {"good-uid", required_argument, NULL, 'g'},
					     {"pid", required_argument, NULL, 'p'},
					     {NULL, 0, NULL, 0}};
	struct scenario sc[MAX_FLOODS + 8];
	int floods[MAX_FLOODS] = {2, 8, 32}, nfloods = 3, hostile = 4, nsc = 0, c;
	size_t samples = 3000;
	long interval_us = 100;
	pid_t daemon = 0;
	double *vp, *vo;
	struct result anchor = {0};
	char la[128];

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == 's')
			samples = strtoul(optarg, NULL, 10);
		else if (c == 'i')
			interval_us = strtol(optarg, NULL, 10);
		else if (c == 'f')
			nfloods = parse_floods(optarg, floods);
		else if (c == 'h')
			hostile = atoi(optarg);
		else if (c == 'u')
			load_uid = (uid_t)strtoul(optarg, NULL, 10);
		else if (c == 'g')
			good_uid = (uid_t)strtoul(optarg, NULL, 10);
		else if (c == 'p')
			daemon = (pid_t)atoi(optarg);
		else
			return 2;
	}
	if (optind + 1 != argc || samples == 0 || interval_us < 0 || nfloods < 0 || hostile < 1 ||
	    hostile > MAX_PROCS) {
		fprintf(stderr,
			"usage: fairness [--samples N] [--interval-us US] [--floods N,N,...] "
			"[--hostile-procs N] [--uid UID] [--good-uid UID] [--pid DAEMON_PID] "
			"MOUNTPOINT\n");
		return 2;
	}
	if (geteuid() != 0) {
		fprintf(stderr, "fairness: run as root (the load runs as another uid)\n");
		return 2;
	}
	mnt = argv[optind];
	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	vp = mmap(NULL, 2 * samples * sizeof(double), PROT_READ | PROT_WRITE,
		  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	vo = vp + samples;
	if (sh == MAP_FAILED || vp == MAP_FAILED)
		die("memory");
	signal(SIGPIPE, SIG_IGN);
	if ((mkdir(path_of(TL_A, NULL), 0755) < 0 && errno != EEXIST) ||
	    (mkdir(path_of(TL_B, NULL), 0755) < 0 && errno != EEXIST))
		die("mkdir");

	sc[nsc++] = (struct scenario){"(a) alone: the anchor", LOAD_NONE, 0, ""};
	for (int i = 0; i < nfloods; i++) {
		sc[nsc] = (struct scenario){"", LOAD_FLOOD, floods[i], "reads/s"};
		snprintf(sc[nsc].name, sizeof(sc[nsc].name), "(b) flood: %d readers of A",
			 floods[i]);
		nsc++;
	}
	sc[nsc++] = (struct scenario){"(c) huge writes (1 MiB)", LOAD_HUGE, hostile, "writes/s"};
	sc[nsc++] = (struct scenario){"(c) open files held", LOAD_HELD, hostile, "files held"};
	sc[nsc++] = (struct scenario){"(c) malformed lines", LOAD_MALFORMED, hostile, "writes/s"};
	sc[nsc++] = (struct scenario){"(c) abandoned timer waiters", LOAD_ABANDON, 1, "waiters/s"};
	sc[nsc++] = (struct scenario){"(a') alone again", LOAD_NONE, 0, ""};

	loadavg(la, sizeof(la));
	printf("fairness: %zu samples per kind per scenario, %ld us apart; load uid %u, %d hostile "
	       "processes; well-behaved client (uid %u) reads %s/now\n",
	       samples, interval_us, (unsigned)load_uid, hostile, (unsigned)good_uid, TL_B);
	printf("load average before: %s\n\n", la);
	printf("%-30s | %-30s | %-30s | %9s %-10s | %6s %7s %3s\n", "", "pread(now)  p50 / p99 us",
	       "open+read+close  p50 / p99 us", "load", "", "dCPU%", "RSS MB", "thr");
	for (int i = 0; i < nsc; i++) {
		struct daemon_stat d0, d1;
		struct result r;
		unsigned long ops, bad_load;
		double t0, secs;

		start_load(&sc[i]);
		d0 = daemon_stat(daemon);
		t0 = now_ns();
		measure(samples, interval_us, vp, vo, &r);
		secs = (now_ns() - t0) / 1e9;
		ops = total(sh->ops, MAX_PROCS);
		bad_load = total(sh->unexpected, MAX_PROCS);
		d1 = daemon_stat(daemon);
		if (i == 0)
			anchor = r;
		printf("%-30s | %6.1f / %7.1f  (%4.1fx %5.1fx) | %6.1f / %7.1f  (%4.1fx %5.1fx) | ",
		       sc[i].name, r.pread.p50 / 1e3, r.pread.p99 / 1e3,
		       r.pread.p50 / anchor.pread.p50, r.pread.p99 / anchor.pread.p99,
		       r.orc.p50 / 1e3, r.orc.p99 / 1e3, r.orc.p50 / anchor.orc.p50,
		       r.orc.p99 / anchor.orc.p99);
		if (sc[i].kind == LOAD_HELD)
			printf("%9lu %-10s | ", ops, sc[i].unit);
		else if (sc[i].kind != LOAD_NONE)
			printf("%9.0f %-10s | ", (double)ops / secs, sc[i].unit);
		else
			printf("%9s %-10s | ", "", "");
		printf("%6.0f %7.1f %3d\n", daemon ? 100.0 * (d1.cpu_s - d0.cpu_s) / secs : 0.0,
		       d1.rss_kb / 1024.0, d1.threads);
		if (r.bad)
			printf("    !! %lu malformed or failed reads of now\n", r.bad);
		if (bad_load) {
			int e = 0;
			for (int k = 0; k < MAX_PROCS && !e; k++)
				e = atomic_load(&sh->last_errno[k]);
			printf("    !! %lu load requests gave other than the documented errno "
			       "(last: "
			       "%s)\n",
			       bad_load, e ? strerror(e) : "success");
		}
		if (sc[i].kind == LOAD_FLOOD) {
			/* The daemon is the bottleneck: s is its time per request. */
			double s = secs / (double)(ops + 5 * samples) * 1e9;
			printf("    s = %.1f us per request; FIFO predicts p50 ~ %.0f us (alone + "
			       "N x s), "
			       "a fair share ~ %.0f us (alone + s)\n",
			       s / 1e3, (anchor.pread.p50 + sc[i].procs * s) / 1e3,
			       (anchor.pread.p50 + s) / 1e3);
		}
		stop_load();
	}
	loadavg(la, sizeof(la));
	printf("\nload average after: %s\n", la);
	rmdir(path_of(TL_A, NULL));
	rmdir(path_of(TL_B, NULL));
	for (int i = 0; i < hostile; i++) {
		char own[64];
		snprintf(own, sizeof(own), "qotbench-fair-h%d", i);
		rmdir(path_of(own, NULL));
	}
	munmap(vp, 2 * samples * sizeof(double));
	return 0;
}
