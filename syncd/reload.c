/* SPDX-License-Identifier: Apache-2.0 */
/* reload.c - SIGHUP: validate the new configuration, hand the run lock over, re-execute. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "log.h"
#include "reload.h"
#include "runlock.h"

#define REEXEC_ENV  "QOT_SYNCD_REEXEC"	/* set across a reload's exec */
#define LOCK_FD_ENV "QOT_SYNCD_LOCK_FD" /* the run lock's descriptor, across it */
#define CONFIG_ENV  "QOT_SYNCD_CONFIG"	/* the absolute configuration path, across it */

bool reload_resumed(void)
{
	return getenv(REEXEC_ENV) != NULL;
}

/*
 * A relative path made absolute from the working directory, symlinks left
 * as they are: a detached syncd runs in /, and must find the file to reload.
 */
static const char *absolute(const char *path, char *buf, size_t size)
{
	char cwd[PATH_MAX];
	int n;

	if (getcwd(cwd, sizeof(cwd)) == NULL)
		return path;
	n = snprintf(buf, size, "%s/%s", strcmp(cwd, "/") == 0 ? "" : cwd, path);
	return n > 0 && (size_t)n < size ? buf : path;
}

const char *reload_config_path(const char *given, bool to_stderr)
{
	static char handed_path[PATH_MAX], abs_path[PATH_MAX];
	const char *config = given, *handed = getenv(CONFIG_ENV);

	if (reload_resumed()) {
		/* exec of /proc/self/exe names the process "exe": keep `pkill -x syncd` working */
		prctl(PR_SET_NAME, "syncd", 0, 0, 0);
		if (!to_stderr)
			qot_log_to_syslog();
		if (handed) {
			snprintf(handed_path, sizeof(handed_path), "%s", handed);
			config = handed_path;
			unsetenv(CONFIG_ENV);
		}
	}
	if (config == NULL && access(CONFIG_DEFAULT_PATH, F_OK) == 0)
		config = CONFIG_DEFAULT_PATH;
	if (config && config[0] != '/')
		config = absolute(config, abs_path, sizeof(abs_path));
	return config;
}

int reload_take_lock(struct reload *r, const struct syncd_config *c)
{
	const char *inherited = reload_resumed() ? getenv(LOCK_FD_ENV) : NULL;
	char msg[512];
	int fd = -1;

	if (inherited) {
		int old = atoi(inherited);
		unsetenv(LOCK_FD_ENV);
		fd = runlock_adopt(c, old);
		if (fd < 0 && old > 2)
			close(old);
	}
	if (fd < 0)
		fd = runlock_take(c, msg, sizeof(msg));
	if (fd < 0) {
		qot_log(QOT_LOG_ERR, "%s", msg);
		return -1;
	}
	r->lock_fd = r->next_lock_fd = fd;
	return 0;
}

bool reload_prepare(struct reload *r, const struct syncd_config *cur)
{
	static struct syncd_config next;
	char msg[512];

	if (r->config_path == NULL) {
		qot_log(QOT_LOG_NOTICE, "SIGHUP: no configuration file to reload");
		return false;
	}
	if (config_read(&next, r->config_path, r->mount_override, msg, sizeof(msg)) < 0) {
		qot_log(QOT_LOG_ERR, "SIGHUP: %s; going on with the old configuration", msg);
		return false;
	}
	r->next_lock_fd = r->lock_fd;
	if (!runlock_same(cur, &next)) {
		r->next_lock_fd = runlock_take(&next, msg, sizeof(msg));
		if (r->next_lock_fd < 0) {
			qot_log(QOT_LOG_ERR, "SIGHUP: %s; going on with the old configuration",
				msg);
			return false;
		}
		runlock_note_pid(r->next_lock_fd);
	}
	qot_log(QOT_LOG_NOTICE, "SIGHUP: reloading %s", r->config_path);
	return true;
}

void reload_exec(struct reload *r, char **argv)
{
	char fd_text[16];

	snprintf(fd_text, sizeof(fd_text), "%d", r->next_lock_fd);
	if (fcntl(r->next_lock_fd, F_SETFD, 0) < 0) {
		qot_log(QOT_LOG_ERR, "reload: %s", strerror(errno));
		return;
	}
	if (r->next_lock_fd != r->lock_fd && ftruncate(r->lock_fd, 0) < 0)
		qot_log(QOT_LOG_WARNING, "reload: clearing the old lock file: %s", strerror(errno));
	setenv(LOCK_FD_ENV, fd_text, 1);
	setenv(CONFIG_ENV, r->config_path, 1);
	setenv(REEXEC_ENV, "1", 1);
	execv("/proc/self/exe", argv);
	qot_log(QOT_LOG_ERR, "reload: exec: %s", strerror(errno));
}
