/* SPDX-License-Identifier: Apache-2.0 */
/*
 * qot-bench.c - figures for a running qotfs, each next to an anchor measured
 * in the same run: the clock page read against clock_gettime(), the "now"
 * file against /proc/uptime and a tmpfs file (unpinned, on the daemon's CPU,
 * on another CPU), and the cost of many timelines and bindings (rates and
 * the daemon's resident memory). Nothing is asserted: this is a report.
 *
 * Usage: qot-bench [OPTIONS] MOUNTPOINT (bench/run.sh mounts one and runs it).
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "mountinfo.h"
#include "qot.h"
#include "stats.h"

/* Goals from the design; reported as met or missed, never enforced. */
#define GOAL_CLOCK_RATIO 1.3
#define GOAL_PREAD_US	 10.0
#define GOAL_ORC_US	 25.0

#define NOW_TL	  "qotbench-now"
#define CLOCK_TL  "qotbench-clock"
#define SCALE_FMT "qb-%05u"

struct options {
	const char *mount;
	pid_t pid;
	int daemon_cpu;	  /* -1: unknown */
	unsigned samples; /* latency samples per figure */
	unsigned batches; /* clock-read batches */
	unsigned batch;	  /* calls per clock-read batch */
	unsigned timelines, bindings;
	bool no_clock, no_now, no_scale, no_unpin_daemon;
};

static struct options opt = {
	.daemon_cpu = -1,
	.samples = 20000,
	.batches = 2000,
	.batch = 1000,
	.timelines = 10000,
	.bindings = 100000,
};

static cpu_set_t self_mask; /* the affinity we started with */

/* ---- output: one human line per figure, KEY=VALUE lines at the end ---- */

#define MAX_KV 256
static char kv_lines[MAX_KV][112];
static size_t kv_n;

static void kv(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void kv(const char *fmt, ...)
{
	va_list ap;

	if (kv_n == MAX_KV)
		return;
	va_start(ap, fmt);
	vsnprintf(kv_lines[kv_n++], sizeof(kv_lines[0]), fmt, ap);
	va_end(ap);
}

static void section(const char *title)
{
	printf("\n== %s ==\n", title);
	fflush(stdout);
}

static void note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void note(const char *fmt, ...)
{
	va_list ap;

	printf("  # ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
}

/* A single value: name, value, unit, and an optional remark (ratio, goal). */
static void figure(const char *key, const char *name, double value, const char *unit,
		   const char *extra)
{
	printf("  %-48s %12.2f %-9s%s\n", name, value, unit, extra ? extra : "");
	fflush(stdout);
	kv("%s=%.3f", key, value);
}

static const char *goal_word(double value, double goal)
{
	return value <= goal ? "met" : "MISSED";
}

/* ---- time and statistics ---- */

static inline uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* A latency figure (values in ns, shown in us): p50 and p99 on one line. */
static void figure_lat(const char *key, const char *name, const struct bench_stats *s,
		       const char *extra)
{
	printf("  %-48s p50 %9.2f us  p99 %9.2f us%s\n", name, s->p50 / 1e3, s->p99 / 1e3,
	       extra ? extra : "");
	fflush(stdout);
	kv("%s_p50_us=%.3f", key, s->p50 / 1e3);
	kv("%s_p99_us=%.3f", key, s->p99 / 1e3);
}

/* ---- small helpers ---- */

static void path_in(char *buf, size_t size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void path_in(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n = snprintf(buf, size, "%s/", opt.mount);

	va_start(ap, fmt);
	if (n > 0 && (size_t)n < size)
		vsnprintf(buf + n, size - (size_t)n, fmt, ap);
	va_end(ap);
}

/* Whole file into *buf (grown as needed). Length or -errno. */
static ssize_t read_whole(const char *path, char **buf, size_t *cap)
{
	size_t len = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	for (;;) {
		ssize_t r;
		if (*cap - len < 4096) {
			size_t ncap = *cap ? *cap * 2 : 65536;
			char *nb = realloc(*buf, ncap);
			if (nb == NULL) {
				close(fd);
				return -ENOMEM;
			}
			*buf = nb;
			*cap = ncap;
		}
		r = read(fd, *buf + len, *cap - len - 1);
		if (r < 0) {
			int err = -errno;
			close(fd);
			return err;
		}
		if (r == 0)
			break;
		len += (size_t)r;
	}
	close(fd);
	(*buf)[len] = '\0';
	return (ssize_t)len;
}

static size_t count_lines(const char *s, size_t len, const char *prefix)
{
	size_t n = 0, plen = prefix ? strlen(prefix) : 0;
	const char *end = s + len;

	while (s < end) {
		const char *nl = memchr(s, '\n', (size_t)(end - s));
		if (nl == NULL)
			nl = end;
		if (nl > s &&
		    (plen == 0 || ((size_t)(nl - s) >= plen && memcmp(s, prefix, plen) == 0)))
			n++;
		s = nl + 1;
	}
	return n;
}

/* The number after "FIELD:" in a /proc file of "Name: value" lines, or -1. */
static long proc_field(const char *path, const char *field)
{
	char line[256];
	size_t flen = strlen(field);
	long v = -1;
	FILE *f = fopen(path, "r");

	if (f == NULL)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, field, flen) == 0 && line[flen] == ':') {
			v = strtol(line + flen + 1, NULL, 10);
			break;
		}
	}
	fclose(f);
	return v;
}

/* A field of /proc/PID/status in kB, or -1. */
static long status_kb(pid_t pid, const char *field)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	return proc_field(path, field);
}

/* A field of /proc/meminfo in kB (system-wide), or -1. */
static long meminfo_kb(const char *field)
{
	return proc_field("/proc/meminfo", field);
}

static int pin_self(int cpu)
{
	cpu_set_t s;

	CPU_ZERO(&s);
	CPU_SET(cpu, &s);
	return sched_setaffinity(0, sizeof(s), &s) < 0 ? -errno : 0;
}

static void unpin_self(void)
{
	sched_setaffinity(0, sizeof(self_mask), &self_mask);
}

static void mask_text(const cpu_set_t *s, char *buf, size_t size)
{
	size_t len = 0;

	buf[0] = '\0';
	for (int c = 0; c < CPU_SETSIZE && len + 8 < size; c++) {
		if (CPU_ISSET(c, s))
			len += (size_t)snprintf(buf + len, size - len, "%s%d", len ? "," : "", c);
	}
}

/* ---- the daemon: pid, CPU, affinity of all its threads ---- */

/* A process named qotfs whose arguments name this mount point, or 0. */
static pid_t find_daemon(const char *mount_real)
{
	DIR *d = opendir("/proc");
	struct dirent *de;
	pid_t found = 0, only = 0;
	int nqotfs = 0;

	if (d == NULL)
		return 0;
	while (found == 0 && (de = readdir(d)) != NULL) {
		char path[300], args[4096], real[PATH_MAX];
		const char *base;
		ssize_t n;
		int fd;

		if (!isdigit((unsigned char)de->d_name[0]))
			continue;
		snprintf(path, sizeof(path), "/proc/%s/cmdline", de->d_name);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			continue;
		n = read(fd, args, sizeof(args) - 1);
		close(fd);
		if (n <= 0)
			continue;
		args[n] = '\0';
		base = strrchr(args, '/');
		base = base ? base + 1 : args;
		if (strcmp(base, "qotfs") != 0)
			continue;
		nqotfs++;
		only = (pid_t)atoi(de->d_name);
		for (char *a = args + strlen(args) + 1; a < args + n; a += strlen(a) + 1) {
			if (a[0] == '/' && (strcmp(a, mount_real) == 0 ||
					    (realpath(a, real) && strcmp(real, mount_real) == 0))) {
				found = only;
				break;
			}
		}
	}
	closedir(d);
	return found ? found : nqotfs == 1 ? only : 0;
}

struct task_mask {
	pid_t tid;
	cpu_set_t mask;
};

#define MAX_TASKS 64
static struct task_mask daemon_tasks[MAX_TASKS];
static size_t daemon_ntasks;

/* Let every thread of the daemon run anywhere we may; remember their masks. */
static int daemon_unpin(pid_t pid)
{
	char path[64];
	struct dirent *de;
	DIR *d;
	int err = 0;

	snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
	d = opendir(path);
	if (d == NULL)
		return -errno;
	daemon_ntasks = 0;
	while ((de = readdir(d)) != NULL && daemon_ntasks < MAX_TASKS) {
		struct task_mask *t = &daemon_tasks[daemon_ntasks];
		if (!isdigit((unsigned char)de->d_name[0]))
			continue;
		t->tid = (pid_t)atoi(de->d_name);
		if (sched_getaffinity(t->tid, sizeof(t->mask), &t->mask) < 0)
			continue;
		daemon_ntasks++;
		if (sched_setaffinity(t->tid, sizeof(self_mask), &self_mask) < 0)
			err = -errno;
	}
	closedir(d);
	return err;
}

static void daemon_restore(void)
{
	for (size_t i = 0; i < daemon_ntasks; i++) {
		struct task_mask *t = &daemon_tasks[i];
		if (sched_setaffinity(t->tid, sizeof(t->mask), &t->mask) < 0)
			note("could not restore the affinity of daemon thread %d: %s", (int)t->tid,
			     strerror(errno));
	}
	daemon_ntasks = 0;
}

/* ---- a. clock read ---- */

static volatile int64_t sink;

static double batch_qot(const qot_clock *clk, unsigned n, unsigned *errs)
{
	struct qot_time t = {0};
	int64_t acc = 0;
	uint64_t t0, t1;

	t0 = mono_ns();
	for (unsigned i = 0; i < n; i++) {
		if (__builtin_expect(qot_clock_read(clk, &t) != 0, 0))
			(*errs)++;
		acc += t.estimate;
	}
	t1 = mono_ns();
	sink = sink + acc;
	return (double)(t1 - t0) / n;
}

static double batch_gettime(unsigned n)
{
	struct timespec ts;
	int64_t acc = 0;
	uint64_t t0, t1;

	t0 = mono_ns();
	for (unsigned i = 0; i < n; i++) {
		clock_gettime(CLOCK_REALTIME, &ts);
		acc += ts.tv_nsec;
	}
	t1 = mono_ns();
	sink = sink + acc;
	return (double)(t1 - t0) / n;
}

struct clock_run {
	const qot_clock *clk;
	int cpu; /* -1: leave the affinity alone */
	double *qot, *anchor;
	unsigned errs;
	pthread_barrier_t *start;
};

/* Interleaved batches, so the anchor and qot see the same conditions. */
static void clock_batches(struct clock_run *r)
{
	for (unsigned b = 0; b < 20; b++) { /* warm-up */
		batch_gettime(opt.batch);
		batch_qot(r->clk, opt.batch, &r->errs);
	}
	for (unsigned b = 0; b < opt.batches; b++) {
		r->anchor[b] = batch_gettime(opt.batch);
		r->qot[b] = batch_qot(r->clk, opt.batch, &r->errs);
	}
}

static void *clock_thread(void *arg)
{
	struct clock_run *r = arg;

	if (r->cpu >= 0)
		pin_self(r->cpu);
	pthread_barrier_wait(r->start);
	clock_batches(r);
	return NULL;
}

static void clock_ratio_text(char *buf, size_t size, double ratio, double p99_qot, double p99_anc)
{
	snprintf(buf, size, "p99 %.2f vs %.2f; ratio %.3f (goal <= %.1f: %s)", p99_qot, p99_anc,
		 ratio, GOAL_CLOCK_RATIO, goal_word(ratio, GOAL_CLOCK_RATIO));
}

static void bench_clock(void)
{
	char path[PATH_MAX], extra[160];
	struct qot_time t;
	struct timespec rt;
	qot_clock *clk = NULL;
	struct clock_run r[2];
	struct bench_stats sq, sa, sq1;
	double *buf = NULL;
	size_t nb = opt.batches;
	int err, cpus[2], ncpus = 0;

	section("a. clock read (mmapped page) vs clock_gettime(CLOCK_REALTIME)");
	path_in(path, sizeof(path), "%s", CLOCK_TL);
	if (mkdir(path, 0755) < 0 && errno != EEXIST) {
		note("mkdir %s: %s; section skipped", path, strerror(errno));
		return;
	}
	path_in(path, sizeof(path), "%s/clock", CLOCK_TL);
	err = qot_clock_open_path(path, &clk);
	if (err) {
		note("qot_clock_open_path(%s): %s; section skipped", path, qot_strerror(err));
		goto out;
	}
	err = qot_clock_read(clk, &t);
	clock_gettime(CLOCK_REALTIME, &rt);
	if (err) {
		note("qot_clock_read: %s; section skipped", qot_strerror(err));
		goto out;
	}
	note("sample: status=%s, estimate - CLOCK_REALTIME = %lld ns; %u batches x %u calls",
	     qot_status_name(t.status),
	     (long long)(t.estimate - ((int64_t)rt.tv_sec * 1000000000 + rt.tv_nsec)), opt.batches,
	     opt.batch);

	/* Per thread: qot[nb], anchor[nb]; then both threads merged: qot[2nb], anchor[2nb]. */
	buf = calloc(8 * nb, sizeof(*buf));
	if (buf == NULL) {
		note("out of memory");
		goto out;
	}

	/* One thread, as the process happens to be scheduled. */
	r[0] = (struct clock_run){clk, -1, buf, buf + nb, 0, NULL};
	clock_batches(&r[0]);
	sa = bench_stats_of(r[0].anchor, nb);
	sq = sq1 = bench_stats_of(r[0].qot, nb);
	snprintf(extra, sizeof(extra), "p99 %.2f (anchor)", sa.p99);
	figure("clock_gettime_ns", "clock_gettime(CLOCK_REALTIME), median", sa.p50, "ns/call",
	       extra);
	clock_ratio_text(extra, sizeof(extra), sq.p50 / sa.p50, sq.p99, sa.p99);
	figure("qot_clock_read_ns", "qot_clock_read, 1 thread, median", sq.p50, "ns/call", extra);
	kv("qot_clock_read_ratio=%.3f", sq.p50 / sa.p50);
	if (r[0].errs)
		note("qot_clock_read failed %u times", r[0].errs);

	/* Two threads at once, one shared handle, one thread per CPU. */
	for (int c = 0; c < CPU_SETSIZE && ncpus < 2; c++) {
		if (CPU_ISSET(c, &self_mask))
			cpus[ncpus++] = c;
	}
	if (ncpus < 2) {
		note("fewer than 2 CPUs allowed; 2-thread figure skipped");
		goto out;
	}
	{
		pthread_barrier_t start;
		pthread_t th[2];
		int started = 0;

		pthread_barrier_init(&start, NULL, 2);
		for (int i = 0; i < 2; i++)
			r[i] = (struct clock_run){clk,
						  cpus[i],
						  buf + 2 * (size_t)i * nb,
						  buf + (2 * (size_t)i + 1) * nb,
						  0,
						  &start};
		for (int i = 0; i < 2; i++) {
			if (pthread_create(&th[i], NULL, clock_thread, &r[i]) != 0)
				break;
			started++;
		}
		if (started < 2) {
			/* The first thread waits at the barrier for a partner: give it one. */
			if (started == 1)
				pthread_barrier_wait(&start);
		}
		for (int i = 0; i < started; i++)
			pthread_join(th[i], NULL);
		pthread_barrier_destroy(&start);
		if (started < 2) {
			note("could not start two threads; 2-thread figure skipped");
			goto out;
		}
	}
	for (int i = 0; i < 2; i++) {
		memcpy(buf + 4 * nb + (size_t)i * nb, r[i].qot, nb * sizeof(*buf));
		memcpy(buf + 6 * nb + (size_t)i * nb, r[i].anchor, nb * sizeof(*buf));
	}
	sq = bench_stats_of(buf + 4 * nb, 2 * nb);
	sa = bench_stats_of(buf + 6 * nb, 2 * nb);
	snprintf(extra, sizeof(extra), "p99 %.2f (anchor, same 2 threads)", sa.p99);
	figure("clock_gettime_2t_ns", "clock_gettime, 2 threads on CPUs at once, median", sa.p50,
	       "ns/call", extra);
	clock_ratio_text(extra, sizeof(extra), sq.p50 / sa.p50, sq.p99, sa.p99);
	figure("qot_clock_read_2t_ns", "qot_clock_read, 2 threads, shared handle", sq.p50,
	       "ns/call", extra);
	kv("qot_clock_read_2t_ratio=%.3f", sq.p50 / sa.p50);
	note("2 threads pinned to CPUs %d and %d; vs 1 thread: x%.2f", cpus[0], cpus[1],
	     sq.p50 / sq1.p50);
	if (r[0].errs + r[1].errs)
		note("qot_clock_read failed %u times", r[0].errs + r[1].errs);
out:
	free(buf);
	qot_clock_close(clk);
	path_in(path, sizeof(path), "%s", CLOCK_TL);
	rmdir(path);
}

/* ---- b. the now file ---- */

static char readbuf[256];

/* Latency of pread(fd, 256, 0), in ns; n samples after a warm-up. 0 or -errno. */
static int lat_pread(int fd, unsigned n, double *out)
{
	unsigned warm = n / 20 + 100;

	for (unsigned i = 0; i < warm + n; i++) {
		uint64_t t0 = mono_ns();
		ssize_t r = pread(fd, readbuf, sizeof(readbuf), 0);
		uint64_t t1 = mono_ns();
		if (r <= 0)
			return r < 0 ? -errno : -ENODATA;
		if (i >= warm)
			out[i - warm] = (double)(t1 - t0);
	}
	return 0;
}

/* Latency of open + read(256) + close, in ns. 0 or -errno. */
static int lat_orc(const char *path, unsigned n, double *out)
{
	unsigned warm = n / 20 + 100;

	for (unsigned i = 0; i < warm + n; i++) {
		uint64_t t0 = mono_ns(), t1;
		int fd = open(path, O_RDONLY | O_CLOEXEC);
		ssize_t r;
		if (fd < 0)
			return -errno;
		r = read(fd, readbuf, sizeof(readbuf));
		close(fd);
		t1 = mono_ns();
		if (r <= 0)
			return r < 0 ? -errno : -ENODATA;
		if (i >= warm)
			out[i - warm] = (double)(t1 - t0);
	}
	return 0;
}

struct lat2 {
	struct bench_stats pread, orc;
};

static int measure_file(const char *path, double *scratch, struct lat2 *out)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	int err;

	if (fd < 0)
		return -errno;
	err = lat_pread(fd, opt.samples, scratch);
	close(fd);
	if (err)
		return err;
	out->pread = bench_stats_of(scratch, opt.samples);
	err = lat_orc(path, opt.samples, scratch);
	if (err)
		return err;
	out->orc = bench_stats_of(scratch, opt.samples);
	return 0;
}

struct variant {
	const char *key;
	char label[96];
	int self_cpu;	   /* -1: unpinned (our starting mask) */
	bool unpin_daemon; /* let the daemon's threads run anywhere meanwhile */
};

static void bench_now(int daemon_cpu)
{
	struct lat2 tmpfs, proc, fuse;
	struct variant v[4];
	char path[PATH_MAX], shm[64], extra[200];
	double *scratch;
	int nv = 0, other_cpu = -1, err, fd;
	ssize_t r;

	section("b. now: pread(fd, 256, 0) and open+read+close vs /proc/uptime and tmpfs");
	scratch = calloc(opt.samples, sizeof(*scratch));
	if (scratch == NULL) {
		note("out of memory");
		return;
	}
	path_in(path, sizeof(path), "%s", NOW_TL);
	if (mkdir(path, 0755) < 0 && errno != EEXIST) {
		note("mkdir %s: %s; section skipped", path, strerror(errno));
		free(scratch);
		return;
	}
	path_in(path, sizeof(path), "%s/now", NOW_TL);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	r = fd < 0 ? -1 : pread(fd, readbuf, sizeof(readbuf) - 1, 0);
	if (r <= 0) {
		note("%s: %s; section skipped", path, r < 0 ? strerror(errno) : "empty read");
		goto out;
	}
	readbuf[r] = '\0';
	note("sample: %.*s (%zd bytes); %u samples per figure, timed one by one",
	     (int)strcspn(readbuf, "\n"), readbuf, r, opt.samples);

	/* Anchors: a tmpfs file of the same size, and a kernel-made text file. */
	snprintf(shm, sizeof(shm), "/dev/shm/qot-bench-%d", (int)getpid());
	{
		int sfd = open(shm, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		if (sfd < 0 || write(sfd, readbuf, (size_t)r) != r) {
			note("%s: %s; section skipped", shm, strerror(errno));
			if (sfd >= 0)
				close(sfd);
			goto out;
		}
		close(sfd);
	}
	err = measure_file(shm, scratch, &tmpfs);
	if (err == 0)
		err = measure_file("/proc/uptime", scratch, &proc);
	unlink(shm);
	if (err) {
		note("anchor: %s; section skipped", strerror(-err));
		goto out;
	}
	figure_lat("tmpfs_pread", "anchor: tmpfs (/dev/shm) pread", &tmpfs.pread, NULL);
	figure_lat("tmpfs_orc", "anchor: tmpfs (/dev/shm) open+read+close", &tmpfs.orc, NULL);
	figure_lat("procuptime_pread", "anchor: /proc/uptime pread", &proc.pread, NULL);
	figure_lat("procuptime_orc", "anchor: /proc/uptime open+read+close", &proc.orc, NULL);

	/* Where to run: as scheduled, on the daemon's CPU, on another one, both free. */
	v[nv] = (struct variant){"now_unpinned", "", -1, false};
	if (daemon_cpu >= 0)
		snprintf(v[nv].label, sizeof(v[nv].label), "bench unpinned, daemon on CPU %d",
			 daemon_cpu);
	else
		snprintf(v[nv].label, sizeof(v[nv].label), "bench unpinned, daemon CPU unknown");
	nv++;
	for (int c = 0; c < CPU_SETSIZE && daemon_cpu >= 0; c++) {
		if (c != daemon_cpu && CPU_ISSET(c, &self_mask)) {
			other_cpu = c;
			break;
		}
	}
	if (daemon_cpu >= 0 && CPU_ISSET(daemon_cpu, &self_mask)) {
		v[nv] = (struct variant){"now_same_cpu", "", daemon_cpu, false};
		snprintf(v[nv].label, sizeof(v[nv].label), "SAME CPU: bench and daemon on CPU %d",
			 daemon_cpu);
		nv++;
	}
	if (other_cpu >= 0) {
		v[nv] = (struct variant){"now_cross_cpu", "", other_cpu, false};
		snprintf(v[nv].label, sizeof(v[nv].label),
			 "DIFFERENT CPUs: bench CPU %d, daemon CPU %d", other_cpu, daemon_cpu);
		nv++;
	}
	if (daemon_cpu >= 0 && opt.pid > 0 && !opt.no_unpin_daemon) {
		v[nv] = (struct variant){"now_all_unpinned", "", -1, true};
		snprintf(v[nv].label, sizeof(v[nv].label), "bench and daemon both unpinned");
		nv++;
	}
	if (daemon_cpu < 0)
		note("daemon CPU unknown (not pinned to one CPU, no --daemon-cpu): "
		     "same/different-CPU variants skipped");

	for (int i = 0; i < nv; i++) {
		char name[160], key[64];
		bool pinned_ok = true;

		if (v[i].self_cpu >= 0 && (err = pin_self(v[i].self_cpu)) != 0) {
			note("%s: cannot pin to CPU %d: %s; skipped", v[i].label, v[i].self_cpu,
			     strerror(-err));
			continue;
		}
		if (v[i].unpin_daemon && (err = daemon_unpin(opt.pid)) != 0) {
			note("%s: cannot change the daemon's affinity: %s", v[i].label,
			     strerror(-err));
			pinned_ok = false;
		}
		if (pinned_ok) {
			int nfd = open(path, O_RDONLY | O_CLOEXEC);
			err = nfd < 0 ? -errno : lat_pread(nfd, opt.samples, scratch);
			if (nfd >= 0)
				close(nfd);
			if (err == 0) {
				fuse.pread = bench_stats_of(scratch, opt.samples);
				err = lat_orc(path, opt.samples, scratch);
				fuse.orc = bench_stats_of(scratch, opt.samples);
			}
		}
		if (v[i].unpin_daemon)
			daemon_restore();
		unpin_self();
		if (!pinned_ok)
			continue;
		if (err) {
			note("%s: %s", v[i].label, strerror(-err));
			continue;
		}
		printf("  -- %s\n", v[i].label);
		snprintf(name, sizeof(name), "now pread [%s]", v[i].key + 4);
		snprintf(extra, sizeof(extra),
			 "  x%.1f tmpfs, x%.1f /proc; goal p50 <= %.0f us: %s",
			 fuse.pread.p50 / tmpfs.pread.p50, fuse.pread.p50 / proc.pread.p50,
			 GOAL_PREAD_US, goal_word(fuse.pread.p50 / 1e3, GOAL_PREAD_US));
		snprintf(key, sizeof(key), "%s_pread", v[i].key);
		figure_lat(key, name, &fuse.pread, extra);
		snprintf(name, sizeof(name), "now open+read+close [%s]", v[i].key + 4);
		snprintf(extra, sizeof(extra),
			 "  x%.1f tmpfs, x%.1f /proc; goal p50 <= %.0f us: %s",
			 fuse.orc.p50 / tmpfs.orc.p50, fuse.orc.p50 / proc.orc.p50, GOAL_ORC_US,
			 goal_word(fuse.orc.p50 / 1e3, GOAL_ORC_US));
		snprintf(key, sizeof(key), "%s_orc", v[i].key);
		figure_lat(key, name, &fuse.orc, extra);
		kv("%s_pread_ratio_tmpfs=%.2f", v[i].key, fuse.pread.p50 / tmpfs.pread.p50);
		kv("%s_orc_ratio_tmpfs=%.2f", v[i].key, fuse.orc.p50 / tmpfs.orc.p50);
	}
out:
	if (fd >= 0)
		close(fd);
	free(scratch);
	path_in(path, sizeof(path), "%s", NOW_TL);
	rmdir(path);
}

/* ---- c. scale ---- */

static long daemon_rss_kb(void)
{
	return opt.pid > 0 ? status_kb(opt.pid, "VmRSS") : -1;
}

static void mem_figure(const char *key, const char *name, long before, long after, unsigned count)
{
	char extra[96];

	if (before < 0 || after < 0 || count == 0)
		return;
	snprintf(extra, sizeof(extra), "(VmRSS %ld -> %ld kB, over %u)", before, after, count);
	figure(key, name, (double)(after - before) * 1024.0 / count, "bytes", extra);
}

static void rate_figure(const char *key, const char *name, unsigned count, uint64_t ns,
			const char *unit)
{
	char extra[64];

	if (count == 0 || ns == 0)
		return;
	snprintf(extra, sizeof(extra), "(%u in %.3f s)", count, (double)ns / 1e9);
	figure(key, name, count / ((double)ns / 1e9), unit, extra);
}

static int raise_nofile(rlim_t need)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
		return -errno;
	if (rl.rlim_cur >= need)
		return 0;
	if (rl.rlim_max < need)
		rl.rlim_max = need;
	rl.rlim_cur = need;
	return setrlimit(RLIMIT_NOFILE, &rl) < 0 ? -errno : 0;
}

/* Soft limit up to the hard one (no privilege needed); the new soft limit. */
static rlim_t nofile_max_soft(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
		return 0;
	if (rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
		getrlimit(RLIMIT_NOFILE, &rl);
	}
	return rl.rlim_cur;
}

/* Lines of every scale timeline's "bindings" file; also the first one's. -errno on error. */
static long count_all_bindings(unsigned made, long *first, char **buf, size_t *cap)
{
	char path[PATH_MAX];
	long total = 0;

	for (unsigned i = 0; i < made; i++) {
		ssize_t len;
		long n;

		path_in(path, sizeof(path), SCALE_FMT "/bindings", i);
		len = read_whole(path, buf, cap);
		if (len < 0)
			return len;
		n = (long)count_lines(*buf, (size_t)len, NULL);
		if (i == 0)
			*first = n;
		total += n;
	}
	return total;
}

static long count_timelines(const char *prefix, char **buf, size_t *cap)
{
	char path[PATH_MAX];
	ssize_t len;

	path_in(path, sizeof(path), ".timelines");
	len = read_whole(path, buf, cap);
	return len < 0 ? len : (long)count_lines(*buf, (size_t)len, prefix);
}

/*
 * Bindings are held by worker processes, each below RLIMIT_NOFILE: without
 * CAP_SYS_RESOURCE the hard limit (often 20000 in containers) cannot be
 * raised, and many processes with bindings is the real deployment anyway.
 * Workers bind one after the other (so the rate is that of one client), then
 * hold everything until the parent closes the "go" pipe; then all close.
 */
struct worker_report { /* shared memory, one per worker */
	unsigned from, to, bound;
	int err;
	char what[8];
	uint64_t bind_ns, close_ns;
};

struct worker {
	pid_t pid;
	int done_fd; /* one byte when bound; EOF if the worker died */
};

static void bind_worker(struct worker_report *w, double *lat, unsigned made, int done_fd, int go_fd)
{
	unsigned n = w->to - w->from;
	int *fds = calloc(n ? n : 1, sizeof(*fds));
	char path[PATH_MAX], line[96], c;
	uint64_t t0;

	if (fds == NULL) {
		w->err = ENOMEM;
		snprintf(w->what, sizeof(w->what), "calloc");
		n = 0;
	}
	t0 = mono_ns();
	for (unsigned i = w->from; i < w->from + n; i++) {
		int len = snprintf(line, sizeof(line),
				   "name=qotbench accuracy=%uus resolution=1ms\n", 10 + i % 90);
		uint64_t a;
		int fd;

		path_in(path, sizeof(path), SCALE_FMT "/bind", i % made);
		a = mono_ns();
		fd = open(path, O_WRONLY | O_CLOEXEC);
		if (fd < 0) {
			w->err = errno;
			snprintf(w->what, sizeof(w->what), "open");
			break;
		}
		if (write(fd, line, (size_t)len) != len) {
			w->err = errno;
			snprintf(w->what, sizeof(w->what), "write");
			close(fd);
			break;
		}
		lat[i] = (double)(mono_ns() - a);
		fds[w->bound++] = fd;
	}
	w->bind_ns = mono_ns() - t0;
	if (write(done_fd, "b", 1) != 1)
		_exit(1);
	/* Hold until the parent closes the go pipe (or dies). */
	while (read(go_fd, &c, 1) < 0 && errno == EINTR)
		;
	t0 = mono_ns();
	for (unsigned i = 0; i < w->bound; i++)
		close(fds[i]);
	w->close_ns = mono_ns() - t0;
	_exit(0);
}

static void bench_scale(void)
{
	unsigned ntl = opt.timelines, nb = opt.bindings, made = 0, bound = 0, removed = 0;
	unsigned busy_retries = 0, nw = 0, per = 0, started = 0;
	long rss0, rss1, rss2, rss3, rss4, slab0, slab1, slab2, slab4, n, first = -1;
	char path[PATH_MAX], extra[200], *text = NULL;
	struct worker_report *rep = MAP_FAILED;
	struct worker *workers = NULL;
	size_t textcap = 0, shm_size = 0;
	uint64_t t0, t1, bind_ns = 0;
	int go[2] = {-1, -1};
	double *lat = NULL, *shlat = NULL;
	struct bench_stats s;
	rlim_t lim;

	section("c. scale: timelines, live bindings, daemon memory");
	if (ntl == 0) {
		note("no timelines asked for; section skipped");
		return;
	}
	/* Descriptors: one process if allowed, else workers of up to lim - 128 each. */
	if (raise_nofile((rlim_t)nb + 256) != 0)
		lim = nofile_max_soft();
	else
		lim = (rlim_t)nb + 256;
	per = lim > 256 ? (unsigned)(lim - 128) : 0;
	if (nb > 0 && per == 0) {
		note("RLIMIT_NOFILE too low (%lu): no bindings", (unsigned long)lim);
		nb = 0;
	}
	nw = nb ? (nb + per - 1) / per : 0;
	if (nw > 1)
		note("RLIMIT_NOFILE is %lu and cannot be raised (no CAP_SYS_RESOURCE?): "
		     "%u bindings held by %u processes of <= %u",
		     (unsigned long)lim, nb, nw, per);
	lat = calloc(ntl > nb ? ntl : nb, sizeof(*lat));
	workers = calloc(nw ? nw : 1, sizeof(*workers));
	shm_size = sizeof(*rep) * (nw ? nw : 1) + sizeof(double) * (nb ? nb : 1);
	rep = mmap(NULL, shm_size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (lat == NULL || workers == NULL || rep == MAP_FAILED || pipe2(go, O_CLOEXEC) < 0) {
		note("out of memory or descriptors");
		goto out;
	}
	shlat = (double *)(void *)(rep + (nw ? nw : 1));
	if (opt.pid <= 0)
		note("daemon pid unknown (no --pid, not found): memory figures skipped");

	/* Timelines. */
	rss0 = daemon_rss_kb();
	slab0 = meminfo_kb("Slab");
	t0 = mono_ns();
	for (unsigned i = 0; i < ntl; i++) {
		uint64_t a;
		path_in(path, sizeof(path), SCALE_FMT, i);
		a = mono_ns();
		if (mkdir(path, 0755) < 0) {
			note("mkdir %s: %s (after %u timelines)", path, strerror(errno), made);
			break;
		}
		lat[made++] = (double)(mono_ns() - a);
	}
	t1 = mono_ns();
	rss1 = daemon_rss_kb();
	slab1 = meminfo_kb("Slab");
	rate_figure("mkdir_per_s", "mkdir rate", made, t1 - t0, "/s");
	s = bench_stats_of(lat, made);
	figure_lat("mkdir", "mkdir latency", &s, NULL);
	mem_figure("rss_per_timeline_bytes", "daemon memory per timeline", rss0, rss1, made);
	if (slab0 >= 0 && slab1 >= 0 && made)
		note("system-wide kernel Slab grew %ld kB: ~%.0f bytes per timeline (kernel side)",
		     slab1 - slab0, (double)(slab1 - slab0) * 1024.0 / made);
	if (made == 0)
		goto out;

	/* Bindings: one open file each, spread round-robin over the timelines. */
	for (unsigned k = 0; k < nw; k++) {
		int done[2];
		char c;

		rep[k] = (struct worker_report){.from = k * per,
						.to = k * per + per < nb ? k * per + per : nb};
		if (pipe2(done, O_CLOEXEC) < 0) {
			note("pipe: %s", strerror(errno));
			break;
		}
		fflush(stdout);
		workers[k].pid = fork();
		if (workers[k].pid < 0) {
			note("fork: %s", strerror(errno));
			close(done[0]);
			close(done[1]);
			break;
		}
		if (workers[k].pid == 0) {
			close(done[0]);
			close(go[1]);
			bind_worker(&rep[k], shlat, made, done[1], go[0]);
		}
		close(done[1]);
		workers[k].done_fd = done[0];
		started++;
		/* One worker at a time: wait until this one holds its share. */
		while (read(done[0], &c, 1) < 0 && errno == EINTR)
			;
		bind_ns += rep[k].bind_ns;
		for (unsigned i = 0; i < rep[k].bound; i++)
			lat[bound + i] = shlat[rep[k].from + i];
		bound += rep[k].bound;
		if (rep[k].bound < rep[k].to - rep[k].from) {
			note("%s %s: %s (after %u bindings)", rep[k].what,
			     rep[k].err ? "failed" : "stopped",
			     rep[k].err ? strerror(rep[k].err) : "worker died", bound);
			break;
		}
	}
	rss2 = daemon_rss_kb();
	slab2 = meminfo_kb("Slab");
	snprintf(extra, sizeof(extra), "(%u in %.3f s, %u process%s)", bound, (double)bind_ns / 1e9,
		 started, started == 1 ? "" : "es");
	if (bound && bind_ns)
		figure("bind_per_s", "bind rate (open + write)", bound / ((double)bind_ns / 1e9),
		       "/s", extra);
	s = bench_stats_of(lat, bound);
	figure_lat("bind", "bind latency (open + write)", &s, NULL);
	mem_figure("rss_per_binding_bytes", "daemon memory per binding", rss1, rss2, bound);
	if (slab1 >= 0 && slab2 >= 0 && bound)
		note("system-wide kernel Slab grew %ld kB: ~%.0f bytes per binding (kernel side)",
		     slab2 - slab1, (double)(slab2 - slab1) * 1024.0 / bound);

	/* Check what the daemon says while everything is held. */
	n = count_timelines("qb-", &text, &textcap);
	snprintf(extra, sizeof(extra), "(expected %u)", made);
	if (n >= 0)
		figure("timelines_listed", ".timelines: scale timelines listed", (double)n, "",
		       extra);
	else
		note(".timelines: %s", strerror((int)-n));
	t0 = mono_ns();
	n = count_all_bindings(made, &first, &text, &textcap);
	t1 = mono_ns();
	if (n >= 0) {
		snprintf(extra, sizeof(extra), "(expected %u; read %u bindings files in %.3f s)",
			 bound, made, (double)(t1 - t0) / 1e9);
		figure("bindings_listed", "bindings: lines over all scale timelines", (double)n, "",
		       extra);
		snprintf(extra, sizeof(extra), "(expected %u)",
			 bound > 0 ? (bound + made - 1) / made : 0);
		figure("bindings_listed_first", "bindings: lines of qb-00000", (double)first, "",
		       extra);
	} else {
		note("bindings: %s", strerror((int)-n));
	}
	{
		DIR *d;
		struct dirent *de;
		unsigned entries = 0;

		t0 = mono_ns();
		d = opendir(opt.mount);
		while (d && (de = readdir(d)) != NULL)
			entries += strncmp(de->d_name, "qb-", 3) == 0;
		if (d)
			closedir(d);
		t1 = mono_ns();
		snprintf(extra, sizeof(extra), "(%u scale timelines seen)", entries);
		figure("readdir_root_ms", "readdir of the mount root", (double)(t1 - t0) / 1e6,
		       "ms", extra);
	}

	/* Release: every worker closes its bindings at once; RELEASE reaches the
	 * daemon asynchronously, so then wait until the last timelines are empty. */
	t0 = mono_ns();
	close(go[1]);
	go[1] = -1;
	for (unsigned k = 0; k < started; k++) {
		while (waitpid(workers[k].pid, NULL, 0) < 0 && errno == EINTR)
			;
		workers[k].pid = 0;
	}
	t1 = mono_ns();
	snprintf(extra, sizeof(extra), "(%u in %.3f s, %u process%s closing at once)", bound,
		 (double)(t1 - t0) / 1e9, started, started == 1 ? "" : "es");
	if (bound)
		figure("close_per_s", "close rate (client side)", bound / ((double)(t1 - t0) / 1e9),
		       "/s", extra);
	if (bound) {
		uint64_t deadline = t1 + 30000000000ull;

		for (unsigned k = 0; k < started; k++) {
			if (rep[k].bound == 0)
				continue;
			path_in(path, sizeof(path), SCALE_FMT "/bindings",
				(rep[k].from + rep[k].bound - 1) % made);
			while (read_whole(path, &text, &textcap) > 0 && mono_ns() < deadline)
				usleep(1000);
		}
		rate_figure("release_per_s", "release rate (until the daemon dropped all)", bound,
			    mono_ns() - t0, "/s");
		n = count_all_bindings(made, &first, &text, &textcap);
		if (n >= 0)
			figure("bindings_left", "bindings: lines left after release", (double)n, "",
			       "(expected 0)");
	}
	rss3 = daemon_rss_kb();
	if (rss3 >= 0 && rss1 >= 0)
		note("daemon VmRSS after release: %ld kB (%+ld kB vs before the bindings)", rss3,
		     rss3 - rss1);

	/* Timelines away; a straggling RELEASE makes rmdir say EBUSY: retry. */
	t0 = mono_ns();
	for (unsigned i = 0; i < made; i++) {
		uint64_t a;
		int tries = 0;

		path_in(path, sizeof(path), SCALE_FMT, i);
		a = mono_ns();
		while (rmdir(path) < 0) {
			if (errno != EBUSY || ++tries > 5000) {
				note("rmdir %s: %s", path, strerror(errno));
				break;
			}
			busy_retries++;
			usleep(1000);
		}
		lat[removed++] = (double)(mono_ns() - a);
	}
	t1 = mono_ns();
	rss4 = daemon_rss_kb();
	slab4 = meminfo_kb("Slab");
	rate_figure("rmdir_per_s", "rmdir rate", removed, t1 - t0, "/s");
	s = bench_stats_of(lat, removed);
	figure_lat("rmdir", "rmdir latency", &s, NULL);
	if (busy_retries)
		note("rmdir met EBUSY %u times (bindings not yet released)", busy_retries);
	made = 0;
	n = count_timelines("qb-", &text, &textcap);
	if (n >= 0)
		figure("timelines_left", ".timelines: scale timelines left", (double)n, "",
		       "(expected 0)");
	if (rss4 >= 0 && rss0 >= 0)
		note("daemon VmRSS after rmdir: %ld kB (%+ld kB vs start: kept by malloc or "
		     "leaked)",
		     rss4, rss4 - rss0);
	if (slab4 >= 0 && slab0 >= 0)
		note("system-wide kernel Slab: %+ld kB vs start", slab4 - slab0);
	kv("rss_start_kb=%ld", rss0);
	kv("rss_timelines_kb=%ld", rss1);
	kv("rss_bindings_kb=%ld", rss2);
	kv("rss_released_kb=%ld", rss3);
	kv("rss_end_kb=%ld", rss4);
out:
	if (go[1] >= 0)
		close(go[1]);
	if (go[0] >= 0)
		close(go[0]);
	for (unsigned k = 0; k < started; k++) {
		if (workers[k].pid > 0)
			waitpid(workers[k].pid, NULL, 0);
		close(workers[k].done_fd);
	}
	for (unsigned i = 0; i < made; i++) {
		int tries = 0;

		path_in(path, sizeof(path), SCALE_FMT, i);
		while (rmdir(path) < 0 && errno == EBUSY && ++tries < 5000)
			usleep(1000);
	}
	if (rep != MAP_FAILED)
		munmap(rep, shm_size);
	free(workers);
	free(text);
	free(lat);
}

/* ---- setup ---- */

static void first_line(const char *path, char *buf, size_t size)
{
	FILE *f = fopen(path, "r");

	buf[0] = '\0';
	if (f == NULL)
		return;
	if (fgets(buf, (int)size, f))
		buf[strcspn(buf, "\n")] = '\0';
	fclose(f);
}

static void usage(FILE *f, const char *prog)
{
	fprintf(f,
		"Usage: %s [OPTIONS] MOUNTPOINT\n"
		"Measure a running qotfs mounted on MOUNTPOINT and print a report.\n"
		"\n"
		"  --pid=PID          the daemon (default: found in /proc by its mount point)\n"
		"  --daemon-cpu=N     the CPU the daemon is pinned to (default: its affinity,\n"
		"                     if that is one CPU)\n"
		"  --samples=N        latency samples per figure (default %u)\n"
		"  --batches=N        clock-read batches (default %u)\n"
		"  --batch-size=N     calls per clock-read batch (default %u)\n"
		"  --timelines=N      timelines for the scale test (default %u)\n"
		"  --bindings=N       live bindings for the scale test (default %u)\n"
		"  --no-clock, --no-now, --no-scale   skip a section\n"
		"  --no-unpin-daemon  do not widen the daemon's affinity for the\n"
		"                     'both unpinned' variant\n",
		prog, opt.samples, opt.batches, opt.batch, opt.timelines, opt.bindings);
}

static int parse_uint(const char *s, unsigned min, unsigned *out)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || end == s || *end != '\0' || v < min || v > 100000000ul)
		return -1;
	*out = (unsigned)v;
	return 0;
}

enum {
	O_NO_CLOCK = 256,
	O_NO_NOW,
	O_NO_SCALE,
	O_NO_UNPIN,
	O_PID,
	O_CPU,
	O_SAMPLES,
	O_BATCHES,
	O_BATCH,
	O_TIMELINES,
	O_BINDINGS
};

static int parse_args(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"pid", required_argument, NULL, O_PID},
		{"daemon-cpu", required_argument, NULL, O_CPU},
		{"samples", required_argument, NULL, O_SAMPLES},
		{"batches", required_argument, NULL, O_BATCHES},
		{"batch-size", required_argument, NULL, O_BATCH},
		{"timelines", required_argument, NULL, O_TIMELINES},
		{"bindings", required_argument, NULL, O_BINDINGS},
		{"no-clock", no_argument, NULL, O_NO_CLOCK},
		{"no-now", no_argument, NULL, O_NO_NOW},
		{"no-scale", no_argument, NULL, O_NO_SCALE},
		{"no-unpin-daemon", no_argument, NULL, O_NO_UNPIN},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	unsigned v;
	int c, bad = 0;

	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case O_PID:
			bad |= parse_uint(optarg, 1, &v);
			opt.pid = (pid_t)v;
			break;
		case O_CPU:
			bad |= parse_uint(optarg, 0, &v) || v >= CPU_SETSIZE;
			opt.daemon_cpu = (int)v;
			break;
		case O_SAMPLES:
			bad |= parse_uint(optarg, 1, &opt.samples);
			break;
		case O_BATCHES:
			bad |= parse_uint(optarg, 1, &opt.batches);
			break;
		case O_BATCH:
			bad |= parse_uint(optarg, 1, &opt.batch);
			break;
		case O_TIMELINES:
			bad |= parse_uint(optarg, 0, &opt.timelines) || opt.timelines > 99999;
			break;
		case O_BINDINGS:
			bad |= parse_uint(optarg, 0, &opt.bindings);
			break;
		case O_NO_CLOCK:
			opt.no_clock = true;
			break;
		case O_NO_NOW:
			opt.no_now = true;
			break;
		case O_NO_SCALE:
			opt.no_scale = true;
			break;
		case O_NO_UNPIN:
			opt.no_unpin_daemon = true;
			break;
		case 'h':
			usage(stdout, argv[0]);
			exit(0);
		default:
			bad = 1;
			break;
		}
	}
	if (bad || optind != argc - 1) {
		usage(stderr, argv[0]);
		return -1;
	}
	opt.mount = argv[optind];
	return 0;
}

int main(int argc, char **argv)
{
	static char mount_real[PATH_MAX];
	char text[256], mask[128];
	struct utsname u;
	int daemon_cpu = -1;

	if (parse_args(argc, argv) < 0)
		return 2;
	if (realpath(opt.mount, mount_real) == NULL) {
		fprintf(stderr, "qot-bench: %s: %s\n", opt.mount, strerror(errno));
		return 1;
	}
	opt.mount = mount_real;
	if (!qot_mount_is_qotfs(mount_real)) {
		fprintf(stderr, "qot-bench: %s is not a qotfs mount\n", mount_real);
		return 1;
	}
	if (sched_getaffinity(0, sizeof(self_mask), &self_mask) < 0) {
		fprintf(stderr, "qot-bench: sched_getaffinity: %s\n", strerror(errno));
		return 1;
	}
	if (opt.pid == 0)
		opt.pid = find_daemon(mount_real);

	printf("qot-bench: qotfs on %s\n", mount_real);
	uname(&u);
	first_line("/sys/devices/system/clocksource/clocksource0/current_clocksource", text,
		   sizeof(text));
	printf("  host: %s %s, %ld CPUs online, clocksource %s\n", u.sysname, u.release,
	       sysconf(_SC_NPROCESSORS_ONLN), text[0] ? text : "?");
	mask_text(&self_mask, mask, sizeof(mask));
	printf("  bench: pid %d, CPUs %s\n", (int)getpid(), mask);
	if (opt.pid > 0) {
		cpu_set_t dm;
		if (sched_getaffinity(opt.pid, sizeof(dm), &dm) == 0) {
			mask_text(&dm, mask, sizeof(mask));
			if (CPU_COUNT(&dm) == 1) {
				for (int c = 0; c < CPU_SETSIZE; c++) {
					if (CPU_ISSET(c, &dm))
						daemon_cpu = c;
				}
			}
			if (opt.daemon_cpu >= 0 && opt.daemon_cpu != daemon_cpu)
				printf("  warning: --daemon-cpu %d, but the daemon may run on CPUs "
				       "%s\n",
				       opt.daemon_cpu, mask);
		} else {
			snprintf(mask, sizeof(mask), "? (%s)", strerror(errno));
		}
		printf("  daemon: pid %d, CPUs %s, VmRSS %ld kB\n", (int)opt.pid, mask,
		       daemon_rss_kb());
	} else {
		printf("  daemon: pid unknown\n");
	}
	if (opt.daemon_cpu >= 0)
		daemon_cpu = opt.daemon_cpu;
	kv("daemon_cpu=%d", daemon_cpu);

	if (!opt.no_clock)
		bench_clock();
	if (!opt.no_now)
		bench_now(daemon_cpu);
	if (!opt.no_scale)
		bench_scale();

	section("summary (KEY=VALUE)");
	for (size_t i = 0; i < kv_n; i++)
		printf("QOTBENCH_%s\n", kv_lines[i]);
	return 0;
}
