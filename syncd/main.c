/* SPDX-License-Identifier: Apache-2.0 */
/*
 * syncd - discipline every timeline of a qotfs mount from chrony, ptp4l or
 * the kernel, with honest uncertainty bounds. Setup, the loop, wiring; the
 * logic is in the modules (see docs/architecture.md).
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

#include "cmdline.h"
#include "config.h"
#include "daemon.h"
#include "discipline.h"
#include "follow.h"
#include "log.h"
#include "qot.h"
#include "reload.h"
#include "runlock.h"
#include "source.h"

#define REATTACH_NS 1000000000LL

struct syncd {
	struct syncd_config cfg;
	struct source sources[CONFIG_MAX_SOURCES];
	int64_t next_poll[CONFIG_MAX_SOURCES]; /* monotonic ns */
	bool queried[CONFIG_MAX_SOURCES];      /* its first outcome was logged */
	struct discipline_config dcfg;
	struct follower follower;
	int64_t next_publish, next_attach; /* monotonic ns */
	bool attach_failed_logged;
	struct reload reload;
};

static int64_t clock_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void usage(FILE *f, const struct qot_cmdline *cl, const char *argv0)
{
	fprintf(f,
		"Usage: %s [OPTIONS]\n"
		"Discipline the timelines of a qotfs mount from the configured sources.\n"
		"\n"
		"  -c, --config=FILE   configuration (default " CONFIG_DEFAULT_PATH
		" if it exists,\n"
		"                      else every timeline from the system source)\n"
		"  -m, --mount=DIR     the qotfs mount (overrides the configuration)\n"
		"      --check-config  check the configuration, print it, and exit\n",
		argv0);
	qot_cmdline_help(f, cl, 22);
	fprintf(f, "\nSee syncd(8) and syncd.conf(5).\n");
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
		err = follower_publish(&d->follower, t, &p, t->source);
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
				if (reload_prepare(&d->reload, &d->cfg))
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

/* syncd's own options. */
struct args {
	const char *config, *mount;
	bool check;
};

static int own_option(void *ctx, int c, const char *arg)
{
	struct args *a = ctx;

	if (c == 'c')
		a->config = arg;
	else if (c == 'm')
		a->mount = arg;
	else
		a->check = true; /* --check-config */
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"config", required_argument, NULL, 'c'},
		{"mount", required_argument, NULL, 'm'},
		{"check-config", no_argument, NULL, 'C'},
		{NULL, 0, NULL, 0},
	};
	static const int signals[] = {SIGINT, SIGTERM, SIGHUP, 0};
	static struct syncd d;
	struct args a = {NULL, NULL, false};
	struct qot_cmdline cl = {
		.prog = "syncd",
		.flags = QOT_CMDLINE_DAEMON,
		.shortopts = "c:m:",
		.longopts = opts,
		.usage = usage,
		.option = own_option,
		.ctx = &a,
	};
	static char text[1 << 16];
	char msg[512];
	int res, sigfd;

	res = qot_cmdline_parse(&cl, argc, argv);
	if (res != QOT_CMDLINE_RUN)
		return res;
	qot_daemon_log_init(&cl);
	d.reload.config_path = reload_config_path(a.config, cl.foreground && !cl.to_syslog);
	d.reload.mount_override = a.mount;
	if (config_read(&d.cfg, d.reload.config_path, a.mount, msg, sizeof(msg)) < 0) {
		qot_log(QOT_LOG_ERR, "%s", msg);
		return 2;
	}
	if (a.check) {
		if (config_print(&d.cfg, text, sizeof(text)) < 0) {
			qot_log(QOT_LOG_ERR, "the configuration is too large to print");
			return 2;
		}
		fputs(text, stdout);
		return 0;
	}
	if (reload_take_lock(&d.reload, &d.cfg) < 0)
		return 1;

	d.dcfg = (struct discipline_config){
		.interval = d.cfg.interval_ns,
		.margin = discipline_margin(d.cfg.interval_ns),
		.holdover = d.cfg.holdover_ns,
		.stale = d.cfg.stale_ns,
		.maxslew = d.cfg.maxslew,
	};
	/* A reload re-executes in place, already detached: not again. */
	sigfd = qot_daemon_start(&cl, signals, reload_resumed());
	if (sigfd < 0)
		return 1;
	res = runlock_note_pid(d.reload.lock_fd);
	if (res < 0)
		qot_log(QOT_LOG_WARNING, "cannot note the pid in the lock file: %s",
			strerror(-res));
	qot_log(QOT_LOG_INFO, "%s; %zu source(s), every %.3f s",
		d.reload.config_path ? d.reload.config_path : "no config file", d.cfg.nsources,
		(double)d.cfg.interval_ns * 1e-9);
	follower_init(&d.follower, &d.cfg);
	open_sources(&d);
	res = run(&d, sigfd);
	if (res < 0)
		qot_log(QOT_LOG_ERR, "poll: %s", strerror(-res));
	follower_free(&d.follower);
	close_sources(&d);
	close(sigfd);
	if (res == RUN_RELOAD) {
		reload_exec(&d.reload,
			    argv); /* the new image resumes every timeline from its ctl */
		return 1;
	}
	return res < 0 ? 1 : 0;
}
