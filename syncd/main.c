/* SPDX-License-Identifier: Apache-2.0 */
/*
 * syncd - discipline every timeline of a qotfs mount from chrony, ptp4l or
 * the kernel, with honest uncertainty bounds. Setup, the loop, wiring; the
 * logic is in the modules (see docs/architecture.md).
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "discipline.h"
#include "discover.h"
#include "follow.h"
#include "log.h"
#include "qot.h"
#include "runlock.h"
#include "source.h"

#define REATTACH_NS 1000000000LL
#define REEXEC_ENV  "QOT_SYNCD_REEXEC"	/* set across a reload's exec */
#define LOCK_FD_ENV "QOT_SYNCD_LOCK_FD" /* the run lock's descriptor, across it */
#define CONFIG_ENV  "QOT_SYNCD_CONFIG"	/* the absolute configuration path, across it */

struct syncd {
	struct syncd_config cfg;
	struct source sources[CONFIG_MAX_SOURCES];
	int64_t next_poll[CONFIG_MAX_SOURCES]; /* monotonic ns */
	bool queried[CONFIG_MAX_SOURCES];      /* its first outcome was logged */
	struct discipline_config dcfg;
	struct follower follower;
	int64_t next_publish, next_attach; /* monotonic ns */
	bool attach_failed_logged;
	const char *config_path;    /* absolute, so a reload finds it from / */
	const char *mount_override; /* --mount */
	int lock_fd, next_lock_fd;  /* the run lock; the one a reload passes on */
};

static int64_t clock_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void usage(FILE *f, const char *prog)
{
	fprintf(f,
		"Usage: %s [OPTIONS]\n"
		"Discipline the timelines of a qotfs mount from the configured sources.\n"
		"\n"
		"  -c, --config=FILE   configuration (default " CONFIG_DEFAULT_PATH
		" if it exists,\n"
		"                      else every timeline from the system source)\n"
		"  -m, --mount=DIR     the qotfs mount (overrides the configuration)\n"
		"  -f, --foreground    stay in the foreground, log to stderr\n"
		"  -d, --debug         foreground, with debug messages\n"
		"      --log-level=LEVEL  log up to LEVEL: err, warning, notice, info\n"
		"                      (default) or debug\n"
		"      --syslog        log to syslog even in the foreground\n"
		"      --check-config  check the configuration, print it, and exit\n"
		"  -h, --help          show this help\n"
		"  -V, --version       show the version\n"
		"\n"
		"See syncd(8) and syncd.conf(5).\n",
		prog);
}

/* The first source of the timeline's rule with a fresh reading, if any. */
static const struct source *choose(struct syncd *d, const struct tl_state *t)
{
	for (size_t i = 0; i < t->rule->nsources; i++) {
		const struct source *s = &d->sources[t->rule->sources[i]];
		if (s->state == SOURCE_OK)
			return s;
	}
	return NULL;
}

/*
 * `now` is taken per timeline, not per round: the anchor margin must cover
 * one write's latency, and a round over many timelines takes far longer.
 */
static void publish(struct syncd *d, struct tl_state *t)
{
	for (int attempt = 0; attempt < 2; attempt++) {
		int64_t now = clock_ns(CLOCK_REALTIME);
		const struct source *s = choose(d, t);
		struct qot_clock_params p;
		int err;

		discipline_update(&t->disc, &d->dcfg, s ? &s->last : NULL, now, &p);
		/* In holdover, the source named is the one whose data it goes on
		 * from; with nothing known, the one it waits for. */
		if (s)
			snprintf(t->source, sizeof(t->source), "%s", s->cfg->name);
		else if (p.status != QOT_STATUS_HOLDOVER || t->source[0] == '\0')
			snprintf(t->source, sizeof(t->source), "%s",
				 d->sources[t->rule->sources[0]].cfg->name);
		qot_log(QOT_LOG_DEBUG, "timeline %s: %s from %s, -%llu/+%llu ns", t->name,
			qot_status_name((enum qot_status)p.status), t->source,
			(unsigned long long)p.offset_below, (unsigned long long)p.offset_above);
		err = follower_publish(&d->follower, t, &p, t->source,
				       &(struct qot_bound_parts){t->disc.asym, t->disc.stat});
		if (err == -EAGAIN)
			continue; /* a new timeline of the same name: again, from its state */
		if (err && err != -ENOENT)
			qot_log(QOT_LOG_WARNING, "timeline %s: publishing: %s", t->name,
				strerror(-err));
		return;
	}
}

static void publish_all(struct syncd *d, bool fresh_only)
{
	for (size_t i = 0; i < d->follower.n && follower_attached(&d->follower); i++) {
		struct tl_state *t = &d->follower.tls[i];
		if (fresh_only && !t->fresh)
			continue;
		t->fresh = false;
		publish(d, t);
	}
}

static void refresh(struct syncd *d)
{
	int added = follower_refresh(&d->follower);

	if (added > 0)
		publish_all(d, true); /* honest from the first instant */
}

static void try_attach(struct syncd *d, int64_t mono)
{
	int err = follower_attach(&d->follower);

	d->next_attach = mono + REATTACH_NS;
	if (err) {
		if (!d->attach_failed_logged)
			qot_log(QOT_LOG_WARNING, "no qotfs on %s yet (%s); looking every second",
				d->cfg.mount, strerror(-err));
		d->attach_failed_logged = true;
		return;
	}
	d->attach_failed_logged = false;
	qot_log(QOT_LOG_INFO, "following the timelines of %s", d->cfg.mount);
	refresh(d);
}

/*
 * Query the sources that are due. A source polled no more often than the
 * publish interval is queried only when publishing (at the first publish
 * its poll has come within half an interval of), so that its reading is
 * fresh when it is published, not up to a poll old.
 */
static bool slow_source(const struct syncd *d, size_t i)
{
	return d->cfg.sources[i].poll_ns >= d->dcfg.interval;
}

static void poll_sources(struct syncd *d, int64_t mono, bool publishing)
{
	for (size_t i = 0; i < d->cfg.nsources; i++) {
		struct source *s = &d->sources[i];
		enum source_state before = s->state;
		bool due = slow_source(d, i)
				   ? publishing && d->next_poll[i] - mono <= d->dcfg.interval / 2
				   : mono >= d->next_poll[i];
		if (!due)
			continue;
		d->next_poll[i] = mono + s->cfg->poll_ns;
		source_update(s, clock_ns(CLOCK_REALTIME));
		if (s->state != before || !d->queried[i])
			qot_log(s->state == SOURCE_OK ? QOT_LOG_INFO : QOT_LOG_WARNING,
				"source %s: %s (%s)", s->cfg->name,
				s->state == SOURCE_OK	      ? "ok"
				: s->state == SOURCE_UNSYNCED ? "not synchronised"
							      : "down",
				s->detail);
		d->queried[i] = true;
		if (s->state == SOURCE_OK)
			qot_log(QOT_LOG_DEBUG, "source %s: offset %lld ns -%llu/+%llu (%s)",
				s->cfg->name, (long long)s->last.offset,
				(unsigned long long)s->last.below,
				(unsigned long long)s->last.above, s->detail);
	}
}

static int64_t next_deadline(const struct syncd *d)
{
	int64_t t = d->next_publish;

	for (size_t i = 0; i < d->cfg.nsources; i++)
		if (!slow_source(d, i) && d->next_poll[i] < t)
			t = d->next_poll[i];
	if (!follower_attached(&d->follower) && d->next_attach < t)
		t = d->next_attach;
	return t;
}

enum { RUN_STOP, RUN_RELOAD };

/* The configuration from path (NULL: the defaults) and --mount; a message if unusable. */
static int load_config(struct syncd_config *c, const char *path, const char *mount, char *msg,
		       size_t msglen)
{
	char err[256];
	int res = path ? config_load(c, path, err, sizeof(err))
		       : config_parse(c, NULL, 0, err, sizeof(err));

	if (res < 0) {
		config_error(msg, msglen, path ? path : "defaults", res, err);
		return -1;
	}
	if (mount) {
		if (mount[0] != '/' || strlen(mount) >= sizeof(c->mount)) {
			snprintf(msg, msglen,
				 "--mount: expected an absolute path shorter than %zu bytes",
				 sizeof(c->mount));
			return -1;
		}
		snprintf(c->mount, sizeof(c->mount), "%s", mount);
	}
	discover_sources(c); /* no source line: what runs here */
	return 0;
}

/*
 * SIGHUP: can syncd restart with the configuration on disk? It must parse,
 * and its run directory and lock must be ours already or now, so that the
 * new image cannot fail where the old one ran.
 */
static bool reload_ok(struct syncd *d)
{
	static struct syncd_config next;
	char msg[512];

	if (d->config_path == NULL) {
		qot_log(QOT_LOG_NOTICE, "SIGHUP: no configuration file to reload");
		return false;
	}
	if (load_config(&next, d->config_path, d->mount_override, msg, sizeof(msg)) < 0) {
		qot_log(QOT_LOG_ERR, "SIGHUP: %s; going on with the old configuration", msg);
		return false;
	}
	d->next_lock_fd = d->lock_fd;
	if (!runlock_same(&d->cfg, &next)) {
		d->next_lock_fd = runlock_take(&next, msg, sizeof(msg));
		if (d->next_lock_fd < 0) {
			qot_log(QOT_LOG_ERR, "SIGHUP: %s; going on with the old configuration",
				msg);
			return false;
		}
		runlock_note_pid(d->next_lock_fd);
	}
	qot_log(QOT_LOG_NOTICE, "SIGHUP: reloading %s", d->config_path);
	return true;
}

/* Re-execute with the new configuration, handing the run lock over. */
static void reexec(struct syncd *d, char **argv)
{
	char fd_text[16];

	snprintf(fd_text, sizeof(fd_text), "%d", d->next_lock_fd);
	if (fcntl(d->next_lock_fd, F_SETFD, 0) < 0) {
		qot_log(QOT_LOG_ERR, "reload: %s", strerror(errno));
		return;
	}
	if (d->next_lock_fd != d->lock_fd && ftruncate(d->lock_fd, 0) < 0)
		qot_log(QOT_LOG_WARNING, "reload: clearing the old lock file: %s", strerror(errno));
	setenv(LOCK_FD_ENV, fd_text, 1);
	setenv(CONFIG_ENV, d->config_path, 1);
	setenv(REEXEC_ENV, "1", 1);
	execv("/proc/self/exe", argv);
	qot_log(QOT_LOG_ERR, "reload: exec: %s", strerror(errno));
}

/*
 * After a reload's exec: log where the old image did (a detached syncd has no
 * stderr), and take the configuration path it handed over.
 */
static void reexec_env_get(const char **config, bool to_stderr)
{
	static char path[PATH_MAX];
	const char *handed = getenv(CONFIG_ENV);

	if (getenv(REEXEC_ENV) == NULL)
		return;
	/* exec of /proc/self/exe names the process "exe": keep `pkill -x syncd` working */
	prctl(PR_SET_NAME, "syncd", 0, 0, 0);
	if (!to_stderr)
		qot_log_to_syslog();
	if (handed) {
		snprintf(path, sizeof(path), "%s", handed);
		*config = path;
		unsetenv(CONFIG_ENV);
	}
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

/* The run lock: the one a reload handed over, or a new one. */
static int take_lock(const struct syncd_config *c)
{
	const char *inherited = getenv(REEXEC_ENV) ? getenv(LOCK_FD_ENV) : NULL;
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
	return fd;
}

static int run(struct syncd *d, int sigfd)
{
	int64_t mono = clock_ns(CLOCK_MONOTONIC);

	bool attached;

	d->next_publish = mono;
	/* Every source once before anything is published: a restarted syncd
	 * must not publish "unknown" over what its sources can tell now. */
	poll_sources(d, mono, true);
	try_attach(d, mono);
	attached = follower_attached(&d->follower);
	for (;;) {
		struct pollfd fds[2];
		int64_t wait;
		int n;

		mono = clock_ns(CLOCK_MONOTONIC);
		poll_sources(d, mono, mono >= d->next_publish);
		if (mono >= d->next_publish) {
			d->next_publish += d->dcfg.interval;
			if (d->next_publish <= mono) /* fell behind: skip, do not burst */
				d->next_publish = mono + d->dcfg.interval;
			publish_all(d, false);
		}
		if (attached && !follower_attached(&d->follower)) {
			/* qotfs stopped or restarted: every write or read now fails */
			qot_log(QOT_LOG_NOTICE, "lost qotfs on %s; looking for it again",
				d->cfg.mount);
			d->next_attach = mono;
		}
		if (!follower_attached(&d->follower) && mono >= d->next_attach)
			try_attach(d, mono);
		attached = follower_attached(&d->follower);
		fds[0] = (struct pollfd){.fd = sigfd, .events = POLLIN};
		fds[1] = (struct pollfd){.fd = d->follower.list_fd, .events = POLLPRI | POLLIN};
		wait = next_deadline(d) - clock_ns(CLOCK_MONOTONIC);
		n = poll(fds, follower_attached(&d->follower) ? 2 : 1,
			 wait <= 0 ? 0 : (int)((wait + 999999) / 1000000));
		if (n < 0 && errno != EINTR)
			return -errno;
		if (n > 0 && fds[0].revents) {
			struct signalfd_siginfo si;
			if (read(sigfd, &si, sizeof(si)) != sizeof(si))
				continue;
			if (si.ssi_signo == SIGHUP) {
				if (reload_ok(d))
					return RUN_RELOAD;
				continue;
			}
			qot_log(QOT_LOG_NOTICE, "%s: stopping", strsignal((int)si.ssi_signo));
			return RUN_STOP;
		}
		if (n > 0 && fds[1].revents && follower_attached(&d->follower)) {
			if (fds[1].revents & (POLLERR | POLLHUP | POLLNVAL))
				follower_detach(&d->follower); /* qotfs went away */
			else
				refresh(d);
		}
	}
}

static int open_sources(struct syncd *d)
{
	for (size_t i = 0; i < d->cfg.nsources; i++) {
		struct source *s = &d->sources[i];
		s->cfg = &d->cfg.sources[i];
		s->ops = source_ops_for(s->cfg->type);
		s->rundir = d->cfg.rundir;
		s->state = SOURCE_DOWN;
		/* A source that cannot be opened now stays down; the others serve. */
		if (s->ops->open(s) < 0)
			qot_log(QOT_LOG_WARNING, "source %s: %s", s->cfg->name, s->detail);
	}
	return 0;
}

static void close_sources(struct syncd *d)
{
	for (size_t i = 0; i < d->cfg.nsources; i++)
		if (d->sources[i].ops)
			d->sources[i].ops->close(&d->sources[i]);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"config", required_argument, NULL, 'c'},
		{"mount", required_argument, NULL, 'm'},
		{"foreground", no_argument, NULL, 'f'},
		{"debug", no_argument, NULL, 'd'},
		{"check-config", no_argument, NULL, 'C'},
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, 'V'},
		{"log-level", required_argument, NULL, 'L'},
		{"syslog", no_argument, NULL, 'S'},
		{NULL, 0, NULL, 0},
	};
	static struct syncd d;
	const char *config = NULL, *mount = NULL;
	bool foreground = false, debug = false, check = false, to_syslog = false;
	int log_level = -1; /* --log-level; else by -d */
	static char text[1 << 16], config_abs[PATH_MAX];
	char msg[512];
	sigset_t sigs;
	int c, res, sigfd;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":c:m:fdhV", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			config = optarg;
			break;
		case 'm':
			mount = optarg;
			break;
		case 'd':
			debug = true;
			/* fall through */
		case 'f':
			foreground = true;
			break;
		case 'C':
			check = true;
			break;
		case 'L':
			if (qot_log_parse_level("syncd", optarg, &log_level, stderr) < 0) {
				fprintf(stderr, "Try '%s --help'.\n", argv[0]);
				return 2;
			}
			break;
		case 'S':
			to_syslog = true;
			break;
		case 'h':
			usage(stdout, argv[0]);
			return 0;
		case 'V':
			printf("syncd %s\n", QOT_VERSION_STRING);
			return 0;
		case ':':
			fprintf(stderr, "syncd: option '%s' needs a value\nTry '%s --help'.\n",
				argv[optind - 1], argv[0]);
			return 2;
		default:
			fprintf(stderr, "syncd: unknown option '%s'\nTry '%s --help'.\n",
				argv[optind - 1], argv[0]);
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "syncd: unexpected argument '%s'\nTry '%s --help'.\n", argv[optind],
			argv[0]);
		return 2;
	}
	qot_log_init("syncd", log_level >= 0 ? log_level : debug ? QOT_LOG_DEBUG : QOT_LOG_INFO);
	reexec_env_get(&config, foreground && !to_syslog);
	if (config == NULL && access(CONFIG_DEFAULT_PATH, F_OK) == 0)
		config = CONFIG_DEFAULT_PATH;
	if (config && config[0] != '/')
		config = absolute(config, config_abs, sizeof(config_abs));
	if (load_config(&d.cfg, config, mount, msg, sizeof(msg)) < 0) {
		qot_log(QOT_LOG_ERR, "%s", msg);
		return 2;
	}
	if (check) {
		if (config_print(&d.cfg, text, sizeof(text)) < 0) {
			qot_log(QOT_LOG_ERR, "the configuration is too large to print");
			return 2;
		}
		if (d.cfg.found[0]) /* a comment: it reads back the same */
			printf("# no source configured: %s\n", d.cfg.found);
		fputs(text, stdout);
		return 0;
	}
	d.config_path = config;
	d.mount_override = mount;
	d.lock_fd = take_lock(&d.cfg);
	if (d.lock_fd < 0)
		return 1;

	d.dcfg = (struct discipline_config){
		.interval = d.cfg.interval_ns,
		.margin = discipline_margin(d.cfg.interval_ns),
		.holdover = d.cfg.holdover_ns,
		.stale = d.cfg.stale_ns,
		.maxslew = d.cfg.maxslew,
	};
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGHUP);
	sigprocmask(SIG_BLOCK, &sigs, NULL);
	signal(SIGPIPE, SIG_IGN);
	/* A reload re-executes in place, already detached: not again. */
	if (!foreground && getenv(REEXEC_ENV) == NULL) {
		if (daemon(0, 0) < 0) {
			perror("syncd: daemon");
			return 1;
		}
	}
	if (!foreground || to_syslog)
		qot_log_to_syslog();
	res = runlock_note_pid(d.lock_fd);
	if (res < 0)
		qot_log(QOT_LOG_WARNING, "cannot note the pid in the lock file: %s",
			strerror(-res));
	sigfd = signalfd(-1, &sigs, SFD_CLOEXEC);
	if (sigfd < 0) {
		qot_log(QOT_LOG_ERR, "signalfd: %s", strerror(errno));
		return 1;
	}
	qot_log(QOT_LOG_INFO, "%s; %zu source(s), every %.3f s", config ? config : "no config file",
		d.cfg.nsources, (double)d.cfg.interval_ns * 1e-9);
	if (d.cfg.found[0])
		qot_log(QOT_LOG_NOTICE, "no source configured: %s", d.cfg.found);
	follower_init(&d.follower, &d.cfg);
	open_sources(&d);
	res = run(&d, sigfd);
	if (res < 0)
		qot_log(QOT_LOG_ERR, "poll: %s", strerror(-res));
	follower_free(&d.follower);
	close_sources(&d);
	close(sigfd);
	if (res == RUN_RELOAD) {
		reexec(&d, argv); /* the new image resumes every timeline from its ctl */
		return 1;
	}
	return res < 0 ? 1 : 0;
}
