/* SPDX-License-Identifier: Apache-2.0 */
/* harness.c - start, watch and stop real qotfs daemons for tests. */
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"

#define FUSE_SUPER_MAGIC 0x65735546
#define START_TIMEOUT_MS 10000
#define STOP_TIMEOUT_MS	 10000

char mnt[256];
static char run_dir[64];
static pid_t daemon_pid;

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int is_mounted(void)
{
	struct statfs sf;
	return statfs(mnt, &sf) == 0 && sf.f_type == FUSE_SUPER_MAGIC;
}

void qotfs_start(const char *first_arg, ...)
{
	const char *argv[32] = {QOTFS_BIN, "-f"};
	int argc = 2;
	long deadline;
	va_list ap;

	va_start(ap, first_arg);
	for (const char *a = first_arg; a != NULL && argc < 29; a = va_arg(ap, const char *))
		argv[argc++] = a;
	va_end(ap);
	ck_assert_msg(run_dir[0], "qotfs_start outside harness_run");
	snprintf(mnt, sizeof(mnt), "%s/mnt.XXXXXX", run_dir);
	ck_assert_ptr_nonnull(mkdtemp(mnt));
	argv[argc++] = mnt;
	argv[argc] = NULL;

	daemon_pid = fork();
	ck_assert_int_ge(daemon_pid, 0);
	if (daemon_pid == 0) {
		/* Out of the test's process group, which Check SIGKILLs when the
		 * test ends (that would leave a dead mount); SIGTERM instead when
		 * the test dies, so the daemon unmounts itself. */
		if (setpgid(0, 0) < 0 || prctl(PR_SET_PDEATHSIG, SIGTERM) < 0 || getppid() == 1)
			_exit(126);
		execv(QOTFS_BIN, (char *const *)argv);
		_exit(127);
	}
	deadline = now_ms() + START_TIMEOUT_MS;
	while (!is_mounted()) {
		int status;
		if (waitpid(daemon_pid, &status, WNOHANG) == daemon_pid) {
			daemon_pid = 0;
			ck_abort_msg("qotfs exited before mounting (status %d)", status);
		}
		ck_assert_msg(now_ms() < deadline, "qotfs did not mount within %d ms",
			      START_TIMEOUT_MS);
		usleep(2000);
	}
}

void qotfs_stop(void)
{
	long deadline = now_ms() + STOP_TIMEOUT_MS;
	int status = -1;

	if (daemon_pid <= 0)
		return;
	kill(daemon_pid, SIGTERM);
	while (waitpid(daemon_pid, &status, WNOHANG) != daemon_pid) {
		if (now_ms() > deadline) {
			kill(daemon_pid, SIGKILL);
			ck_abort_msg("qotfs did not exit within %d ms of SIGTERM", STOP_TIMEOUT_MS);
		}
		usleep(2000);
	}
	daemon_pid = 0;
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		      "qotfs ended with status 0x%x after SIGTERM", status);
	ck_assert_msg(!is_mounted(), "still mounted after qotfs exited");
	rmdir(mnt);
	mnt[0] = '\0';
}

pid_t qotfs_pid(void)
{
	return daemon_pid;
}

const char *mpath(const char *rel)
{
	static char ring[8][512];
	static int next;
	char *buf = ring[next++ % 8];

	snprintf(buf, sizeof(ring[0]), "%s/%s", mnt, rel);
	return buf;
}

const char *slurp(const char *path)
{
	static char buf[1 << 20];
	size_t len = 0;
	int fd = open(path, O_RDONLY);

	if (fd < 0)
		return NULL;
	for (;;) {
		ssize_t n = read(fd, buf + len, sizeof(buf) - 1 - len);
		if (n < 0) {
			int e = errno;
			close(fd);
			errno = e;
			return NULL;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	close(fd);
	buf[len] = '\0';
	return buf;
}

int write_fd(int fd, const char *text)
{
	ssize_t n = write(fd, text, strlen(text));
	if (n < 0)
		return -errno;
	return n == (ssize_t)strlen(text) ? 0 : -EIO;
}

int write_file(const char *path, int flags, const char *text)
{
	int fd = open(path, flags);
	int err;

	if (fd < 0)
		return -errno;
	err = write_fd(fd, text);
	close(fd);
	return err;
}

int wait_content(const char *path, const char *want, int timeout_ms)
{
	long deadline = now_ms() + timeout_ms;

	ck_assert_ptr_nonnull(want); /* waiting for nothing in particular checks nothing */
	for (;;) {
		const char *got = slurp(path);
		if (got != NULL && strcmp(got, want) == 0)
			return 1;
		if (now_ms() > deadline)
			return 0;
		usleep(1000);
	}
}

int wait_content_lines(const char *path, int lines, int timeout_ms)
{
	long deadline = now_ms() + timeout_ms;

	while (count_lines(path) != lines)
		if (now_ms() > deadline)
			return 0;
		else
			usleep(1000);
	return 1;
}

int count_lines(const char *path)
{
	const char *s = slurp(path);
	int n = 0;

	if (s == NULL)
		return -1;
	for (; *s; s++)
		n += *s == '\n';
	return n;
}

int run_child(int (*fn)(void *), void *arg)
{
	pid_t pid = fork();
	int status;

	ck_assert_int_ge(pid, 0);
	if (pid == 0)
		_exit(fn(arg));
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static int mounts_left(void)
{
	DIR *d = opendir(run_dir);
	struct dirent *e;
	char path[512];
	struct statfs sf;
	int n = 0;

	while (d && (e = readdir(d)) != NULL) {
		snprintf(path, sizeof(path), "%s/%s", run_dir, e->d_name);
		n += e->d_name[0] != '.' && statfs(path, &sf) == 0 && sf.f_type == FUSE_SUPER_MAGIC;
	}
	if (d)
		closedir(d);
	return n;
}

/* Unmount (lazily) and remove whatever the tests left in the run directory. */
static void sweep_run_dir(void)
{
	DIR *d = opendir(run_dir);
	struct dirent *e;
	char path[512];

	if (d == NULL)
		return;
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", run_dir, e->d_name);
		if (umount2(path, MNT_DETACH) == 0)
			fprintf(stderr, "harness: %s was left mounted (daemon killed?)\n", path);
		rmdir(path);
	}
	closedir(d);
	rmdir(run_dir);
}

int harness_run(Suite *suite)
{
	SRunner *sr = srunner_create(suite);
	int failed;

	snprintf(run_dir, sizeof(run_dir), "/tmp/qotfs-tests.XXXXXX");
	/* Traversable: some tests run as other users. */
	if (mkdtemp(run_dir) == NULL || chmod(run_dir, 0755) < 0) {
		perror(run_dir);
		return EXIT_FAILURE;
	}
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	/* Daemons of failed tests got SIGTERM when their test died; let them
	 * unmount themselves before sweeping up what remains. */
	for (int i = 0; i < 500 && mounts_left() > 0; i++)
		usleep(10000);
	sweep_run_dir();
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
