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
#include <unistd.h>

#include "cmdline.h"
#include "config.h"
#include "controlset.h"
#include "daemon.h"
#include "discover.h"
#include "follower.h"
#include "log.h"
#include "now.h"
#include "peerset.h"
#include "publisher.h"
#include "syncnote.h"
#include "reload.h"
#include "runlock.h"
#include "sourceset.h"

#define REATTACH_NS 1000000000LL

struct syncd {
	struct syncd_config cfg;
	struct sourceset sources;
	struct qot_follower *follower;
	/* Per-timeline modules, each subscribed to the follower's timelines
	 * (added, removed) and ticked every interval. */
	struct publisher *publisher;
	struct controlset *control; /* and its requirement files, polled by the loop */
	struct peerset *peers;	    /* NULL without peer timelines */
	struct syncnote *notes;	    /* the words of sync: the peers', the controller's */
	struct reload reload;
};

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

/* ---- the mount, in the log ---- */

static void attached(void *ctx)
{
	qot_log(QOT_LOG_INFO, "following the timelines of %s", qot_follower_root(ctx));
}

static void attach_failed(void *ctx, int err)
{
	qot_log(QOT_LOG_WARNING, "no qotfs on %s yet (%s); looking every second",
		qot_follower_root(ctx), strerror(-err));
}

static void lost(void *ctx, int err)
{
	(void)err; /* qotfs stopped or restarted: every write or read now fails */
	qot_log(QOT_LOG_NOTICE, "lost qotfs on %s; looking for it again", qot_follower_root(ctx));
}

static const struct qot_follower_events mount_log = {
	.attached = attached,
	.attach_failed = attach_failed,
	.lost = lost,
};

/* Timelines no rule names are left alone. */
static bool served(void *ctx, const char *timeline)
{
	return config_rule_for(ctx, timeline) != NULL;
}

/* ---- the peer timelines, to the publisher ---- */

static enum publisher_feed_kind peer_reading(void *ctx, struct qot_follower_tl *tl, int64_t now,
					     struct reading *r)
{
	switch (peerset_reading(ctx, tl, now, r)) {
	case PEERSET_READING:
		return PUBLISHER_READING;
	case PEERSET_NONE:
		return PUBLISHER_NONE;
	default:
		return PUBLISHER_SOURCES;
	}
}

/* ---- the peer timelines' words, to the note ---- */

enum { RUN_STOP, RUN_RELOAD };

static int run(struct syncd *d, int sigfd)
{
	int64_t mono = qot_now_ns(CLOCK_MONOTONIC), interval = d->cfg.interval_ns;
	int64_t next_publish = mono;

	/* Every source once before anything is published: a restarted syncd
	 * must not publish "unknown" over what its sources can tell now. */
	sourceset_poll(&d->sources, mono, true);
	qot_follower_tick(d->follower, mono);
	for (;;) {
		struct pollfd fds[2 + QOT_FOLLOWER_POLLFDS + CONTROLSET_POLLFDS];
		int64_t wake;
		int n, nf, nc, sig;

		mono = qot_now_ns(CLOCK_MONOTONIC);
		sourceset_poll(&d->sources, mono, mono >= next_publish);
		if (d->peers)
			peerset_expire(d->peers, mono);
		if (mono >= next_publish) {
			next_publish += interval;
			if (next_publish <= mono) /* fell behind: skip, do not burst */
				next_publish = mono + interval;
			/* The interval's tick, to every per-timeline module. */
			if (d->peers)
				peerset_tick(d->peers);
			publisher_tick(d->publisher);
			controlset_tick(d->control);
			syncnote_tick(d->notes);
		}
		wake = qot_follower_tick(d->follower, mono);
		wake = sourceset_next(&d->sources, wake < next_publish ? wake : next_publish);
		if (d->peers)
			wake = peerset_next(d->peers, wake);
		fds[0] = (struct pollfd){.fd = sigfd, .events = POLLIN};
		fds[1] = (struct pollfd){.fd = d->peers ? peerset_fd(d->peers) : -1,
					 .events = POLLIN};
		nf = qot_follower_pollfds(d->follower, fds + 2, QOT_FOLLOWER_POLLFDS);
		nc = controlset_pollfds(d->control, fds + 2 + nf, CONTROLSET_POLLFDS);
		wake -= qot_now_ns(CLOCK_MONOTONIC);
		n = poll(fds, (nfds_t)(2 + nf + nc),
			 wake <= 0 ? 0 : (int)((wake + 999999) / 1000000));
		if (n < 0 && errno != EINTR)
			return -errno;
		if (n <= 0)
			continue;
		if (fds[1].revents)
			peerset_readable(d->peers);
		if (fds[0].revents && (sig = qot_daemon_signal(sigfd)) != 0) {
			if (sig == SIGHUP) {
				if (reload_prepare(&d->reload, &d->cfg))
					return RUN_RELOAD;
				continue;
			}
			qot_log(QOT_LOG_NOTICE, "%s: stopping", strsignal(sig));
			return RUN_STOP;
		}
		controlset_handle(d->control, fds + 2 + nf, nc);
		qot_follower_handle(d->follower, fds + 2, nf);
	}
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
	discover_sources(&d.cfg); /* no source line: what runs here */
	if (a.check) {
		if (config_print(&d.cfg, text, sizeof(text)) < 0) {
			qot_log(QOT_LOG_ERR, "the configuration is too large to print");
			return 2;
		}
		if (d.cfg.found[0]) /* a comment: it reads back the same */
			printf("# no source configured: %s\n", d.cfg.found);
		fputs(text, stdout);
		return 0;
	}
	if (reload_take_lock(&d.reload, &d.cfg) < 0)
		return 1;

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
	if (d.cfg.found[0])
		qot_log(QOT_LOG_NOTICE, "no source configured: %s", d.cfg.found);
	d.follower = qot_follower_new(&(struct qot_follower_config){
		.root = d.cfg.mount,
		.flags = QOT_FOLLOWER_CTL,
		.reattach_ns = REATTACH_NS,
		.want = served,
		.want_ctx = &d.cfg,
	});
	if (d.follower == NULL || qot_follower_subscribe(d.follower, &mount_log, d.follower) < 0 ||
	    (d.publisher = publisher_new(&d.cfg, &d.sources, d.follower)) == NULL ||
	    (d.control = controlset_new(&d.cfg, &d.sources, d.follower)) == NULL ||
	    (d.notes = syncnote_new(d.follower)) == NULL) {
		qot_log(QOT_LOG_ERR, "out of memory");
		return 1;
	}
	if (peerset_wanted(&d.cfg)) {
		d.peers = peerset_new(&d.cfg, &d.sources, d.follower, msg, sizeof(msg));
		if (d.peers == NULL) {
			qot_log(QOT_LOG_ERR, "%s", msg);
			return 1;
		}
		peerset_attach_control(d.peers, d.control);
		publisher_set_feed(d.publisher, &(struct publisher_feed){
							.reading = peer_reading,
							.name = "peer",
							.ctx = d.peers,
						});
		(void)peerset_attach_note(d.peers, d.notes);
	}
	/* The controller's words last: its reason runs to the end of the line. */
	(void)controlset_attach_note(d.control, d.notes);
	sourceset_open(&d.sources, &d.cfg);
	res = run(&d, sigfd);
	if (res < 0)
		qot_log(QOT_LOG_ERR, "poll: %s", strerror(-res));
	qot_follower_free(d.follower); /* first: tells every module its timelines removed */
	peerset_free(d.peers);
	publisher_free(d.publisher);
	controlset_free(d.control);
	syncnote_free(d.notes);
	sourceset_close(&d.sources);
	close(sigfd);
	if (res == RUN_RELOAD) {
		/* The new image resumes every timeline from its ctl. */
		reload_exec(&d.reload, argv);
		return 1;
	}
	return res < 0 ? 1 : 0;
}
