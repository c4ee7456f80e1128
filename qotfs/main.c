/* SPDX-License-Identifier: Apache-2.0 */
/*
 * qotfs - time as a service through a file system. Setup, the loop, teardown;
 * everything else lives in the modules (see docs/architecture.md).
 */
#include <errno.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <sys/wait.h>
#include <limits.h>
#include <signal.h>
#include <time.h>
#include <unistd.h>

#include "access.h"
#include "fs.h"
#include "guardian.h"
#include "log.h"
#include "loop.h"
#include "mountinfo.h"
#include "options.h"
#include "service.h"
#include "statedir.h"

/* realpath(), or on a dead mount (which it cannot stat) the parent's
 * realpath() plus the last component. */
static int canonical_path(const char *path, char *out, size_t size)
{
	char dir_copy[4096], base_copy[4096], parent[4096];
	const char *base;
	int n;

	if (size >= PATH_MAX && realpath(path, out) != NULL)
		return 0;
	if (errno != ENOTCONN && errno != ENOENT)
		return -1;
	snprintf(dir_copy, sizeof(dir_copy), "%s", path);
	snprintf(base_copy, sizeof(base_copy), "%s", path);
	if (realpath(dirname(dir_copy), parent) == NULL)
		return -1;
	base = basename(base_copy);
	if (strcmp(base, "/") == 0 || strcmp(base, ".") == 0 || strcmp(base, "..") == 0)
		n = realpath(path, out) ? (int)strlen(out) : -1;
	else
		n = snprintf(out, size, "%s%s%s", parent, strcmp(parent, "/") ? "/" : "", base);
	return n < 0 || (size_t)n >= size ? -1 : 0;
}

#define PROBE_TIMEOUT_MS 2000

/*
 * Is the qotfs mounted at path alive? statfs() always reaches the daemon
 * (stat() may be answered from cache), but waits for it forever: probe from
 * a child that can be killed. 1 alive, 0 dead (ENOTCONN), -1 not answering.
 */
static int probe_mount(const char *path)
{
	pid_t child = fork();
	int status;

	if (child < 0)
		return -1;
	if (child == 0) {
		struct statfs sf;
		_exit(statfs(path, &sf) == 0 ? 0 : errno == ENOTCONN ? 1 : 2);
	}
	for (int waited = 0; waited < PROBE_TIMEOUT_MS; waited++) {
		if (waitpid(child, &status, WNOHANG) == child)
			return WIFEXITED(status) && WEXITSTATUS(status) == 1 ? 0 : 1;
		usleep(1000);
	}
	kill(child, SIGKILL); /* a FUSE request wait is killable */
	waitpid(child, NULL, 0);
	return -1;
}

#define GUARDIAN_WAIT_MS 1000

/* Wait for a dead mount on path to go by itself; true if it is still there. */
static bool wait_for_guardian(const char *path)
{
	dev_t dead, now;

	if (qot_mount_dev_of(path, &dead) != 0)
		return false;
	for (int waited = 0; waited < GUARDIAN_WAIT_MS; waited += 10) {
		if (qot_mount_dev_of(path, &now) != 0 || now != dead)
			return false;
		usleep(10000);
	}
	return true;
}

static int prepare_mountpoint(const char *path, char *resolved, size_t size)
{
	struct stat st;

	if (canonical_path(path, resolved, size) < 0) {
		fprintf(stderr, "qotfs: %s: %s\n", path, strerror(errno));
		return -1;
	}
	if (qot_mount_is_qotfs(resolved)) {
		int alive = probe_mount(resolved);
		if (alive != 0) {
			fprintf(stderr, "qotfs: %s: qotfs is already mounted there%s\n", resolved,
				alive < 0 ? " (and does not answer: is it stopped?)" : "");
			return -1;
		}
		/* A qotfs that died (kill -9, crash): its guardian is about to
		 * unmount it (give it a second, so it cannot unmount ours by
		 * mistake); else clear the dead mount ourselves and go on. */
		if (!wait_for_guardian(resolved)) {
			qot_log(QOT_LOG_INFO, "the dead mount on %s went by itself", resolved);
		} else if (umount2(resolved, MNT_DETACH) < 0) {
			fprintf(stderr,
				"qotfs: %s: a qotfs that died is still mounted there and cannot be "
				"cleared (%s); clear it with: fusermount3 -u -z %s\n",
				resolved, strerror(errno), resolved);
			return -1;
		} else {
			qot_log(QOT_LOG_NOTICE, "cleared the dead mount of an earlier qotfs on %s",
				resolved);
		}
	}
	if (stat(resolved, &st) < 0) {
		/* The default mount point is ours to create; others must exist. */
		if (errno != ENOENT || strcmp(resolved, QOT_DEFAULT_ROOT) != 0 ||
		    mkdir(resolved, 0755) < 0) {
			fprintf(stderr, "qotfs: %s: %s\n", path, strerror(errno));
			return -1;
		}
	} else if (!S_ISDIR(st.st_mode)) {
		fprintf(stderr, "qotfs: %s: not a directory\n", path);
		return -1;
	}
	return 0;
}

/*
 * The state directory: the saved timelines, restored into svc. After a crash
 * wait out --hlc-max-offset first: no node-wide HLC timestamp of the dead
 * daemon was more than that ahead of its timeline's time, which goes on from
 * the restored parameters, so the HLCs go on strictly increasing.
 */
static int restore_state(const struct qotfs_options *o, const char *mountpoint, struct service *svc)
{
	struct statefile_image img;
	struct statedir *sd;
	char path[4096];
	int err;

	if (o->state_dir == NULL)
		return 0;
	sd = statedir_open(o->state_dir, mountpoint, &err);
	if (sd == NULL) {
		fprintf(stderr, "qotfs: --state-dir %s: %s\n", o->state_dir, strerror(-err));
		return -1;
	}
	err = statedir_load(sd, &img);
	if (err) {
		fprintf(stderr, "qotfs: %s: %s\n", statedir_path(sd), strerror(-err));
		statedir_free(sd);
		return -1;
	}
	if (!img.stopped && img.n > 0 && o->limits.hlc_max_offset != QOT_UNBOUNDED) {
		/* A timeline runs at most 1% fast: wait in its time, not the host's. */
		uint64_t ns = o->limits.hlc_max_offset + o->limits.hlc_max_offset / 64 + 1000000;
		struct timespec ts = {(time_t)(ns / 1000000000), (long)(ns % 1000000000)};
		qot_log(QOT_LOG_NOTICE,
			"the last qotfs on %s did not stop cleanly: waiting %llu ms", mountpoint,
			(unsigned long long)(ns / 1000000));
		while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
			;
	}
	snprintf(path, sizeof(path), "%s", statedir_path(sd));
	qot_log(QOT_LOG_INFO, "restored %zu of %zu timelines from %s",
		service_restore(svc, sd, &img), img.n, path);
	statefile_image_free(&img);
	return 0;
}

static void on_stopping(void *svc)
{
	service_stopping(svc);
}

static bool on_settled(void *svc)
{
	return service_settled(svc);
}

int main(int argc, char **argv)
{
	struct qotfs_options o;
	char mountpoint[4096], mount_opts[1200];
	char *fuse_argv[4];
	struct fuse_args args;
	struct fuse_session *se = NULL;
	struct service *svc = NULL;
	struct fs *fs = NULL;
	struct loop_hooks hooks;
	int status = EXIT_FAILURE, res;

	res = qotfs_parse_options(argc, argv, &o, stdout, stderr);
	if (res != OPTIONS_RUN)
		return res == OPTIONS_EXIT_OK ? EXIT_SUCCESS : 2;
	qot_log_init("qotfs", o.log_level >= 0 ? o.log_level
			      : o.debug	       ? QOT_LOG_DEBUG
					       : QOT_LOG_INFO);
	if (access_init() < 0) {
		fprintf(stderr, "qotfs: cannot read /proc/self/ns/user: is /proc mounted?\n");
		return EXIT_FAILURE;
	}
	access_trust(o.privileged_uid, o.privileged_gid);
	if (prepare_mountpoint(o.mountpoint, mountpoint, sizeof(mountpoint)) < 0)
		return EXIT_FAILURE;

	/* No default_permissions: access is decided per caller (access.h). Root
	 * mounts for everyone; other users need user_allow_other for that. */
	snprintf(mount_opts, sizeof(mount_opts), "fsname=qotfs,subtype=qotfs%s%s%s",
		 geteuid() == 0 ? ",allow_other" : "", o.fuse_opts[0] ? "," : "", o.fuse_opts);
	fuse_argv[0] = argv[0];
	fuse_argv[1] = "-o";
	fuse_argv[2] = mount_opts;
	fuse_argv[3] = o.debug ? "-d" : NULL;
	args = (struct fuse_args)FUSE_ARGS_INIT(o.debug ? 4 : 3, fuse_argv);

	svc = service_new(&o.limits);
	if (svc == NULL) {
		fprintf(stderr, "qotfs: out of memory\n");
		return EXIT_FAILURE;
	}
	if (restore_state(&o, mountpoint, svc) < 0)
		goto out;
	fs = fs_new(svc);
	if (fs == NULL) {
		fprintf(stderr, "qotfs: out of memory\n");
		goto out;
	}
	hooks = (struct loop_hooks){on_stopping, on_settled, svc};
	se = fuse_session_new(&args, fs_ops(), sizeof(*fs_ops()), fs);
	fuse_opt_free_args(&args); /* libfuse may have copied them */
	if (se == NULL)
		goto out; /* libfuse said why */
	if (loop_catch_signals() < 0 || fuse_session_mount(se, mountpoint) != 0)
		goto out;
	/* Before detaching: the pipe to the guardian then lives in the daemon only.
	 * Clients then find the empty directory, not a dead mount, if we are killed. */
	if (o.auto_unmount && (res = guardian_start(mountpoint, !o.foreground || o.syslog)) < 0)
		qot_log(QOT_LOG_WARNING, "no guardian for the mount: %s", strerror(-res));
	if (fuse_daemonize(o.foreground) != 0)
		goto unmount;
	if (!o.foreground || o.syslog)
		qot_log_to_syslog();
	/* Threads only after fuse_daemonize(), which forks. */
	res = service_start(svc, se);
	if (res < 0) {
		qot_log(QOT_LOG_ERR, "cannot start the pusher and waker threads: %s",
			strerror(-res));
		goto unmount;
	}
	qot_log(QOT_LOG_INFO, "serving timelines on %s", mountpoint);
	res = loop_run(se, &hooks, o.spin_us);
	/* The loop is over, so no HLC moves on: the state saved now is exact. */
	service_save_state(svc, true);
	if (res == LOOP_UNSETTLED) {
		/* The pusher may be stuck in the kernel: do not wait for it. */
		qot_log(QOT_LOG_WARNING, "final clock pages not all published within %d ms",
			LOOP_SETTLE_MS);
		fuse_session_unmount(se);
		return EXIT_FAILURE;
	}
	if (res < 0)
		qot_log(QOT_LOG_ERR, "request loop: %s", strerror(-res));
	else
		status = EXIT_SUCCESS;
unmount:
	service_stop(svc); /* parked reads answered before their files go */
	fs_free(fs);
	service_free(svc); /* stops the pusher while the device is still open */
	fs = NULL;
	svc = NULL;
	fuse_session_unmount(se);
out:
	service_stop(svc);
	fs_free(fs);
	service_free(svc);
	if (se)
		fuse_session_destroy(se);
	return status;
}
