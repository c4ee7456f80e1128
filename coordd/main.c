/* SPDX-License-Identifier: Apache-2.0 */
/*
 * coordd - mirror the local qotfs mount's timeline membership into
 * ZooKeeper, and the cluster's back: who shares each timeline, with what
 * requirement, and which node leads it. Setup, the loop, wiring; the logic
 * is in the modules (see docs/architecture.md).
 */
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cmdline.h"
#include "daemon.h"
#include "follower.h"
#include "lease.h"
#include "log.h"
#include "members.h"
#include "mirror.h"
#include "names.h"
#include "qot.h"
#include "root.h"
#include "session.h"

#define DEFAULT_TIMEOUT_MS 6000
#define MIN_TIMEOUT_MS	   400
#define MAX_TIMEOUT_MS	   600000
#define REATTACH_NS	   500000000LL /* qotfs away: look for it again this often */
#define RETRY_NS	   500000000LL /* a timeline that failed: again after this */
#define AUTH_MAX	   512
#define DEFAULT_HOLD_MS	   100 /* requirement changes coalesced this long */
#define MAX_HOLD_MS	   10000

struct coordd {
	char node[QOT_NAME_MAX + 1];
	struct session *s;
	struct qot_follower *follower;
	struct mirror *mirror;
	struct lease *lease;
};

static void usage(FILE *f, const struct qot_cmdline *cl, const char *argv0)
{
	fprintf(f,
		"Usage: %s -z HOST:PORT[,HOST:PORT...][/CHROOT] [OPTIONS]\n"
		"Mirror the timelines of a qotfs mount into ZooKeeper: membership,\n"
		"requirements and a leader per timeline, across nodes.\n"
		"\n"
		"  -z, --zookeeper=HOSTS       the ensemble (required)\n"
		"  -n, --node=NAME             this node's name (default: the host name)\n"
		"  -m, --mount=DIR             the qotfs mount (default: $QOT_ROOT "
		"or " QOT_DEFAULT_ROOT ")\n"
		"  -t, --session-timeout=MS    ZooKeeper session timeout (default %d)\n"
		"  -a, --auth-file=FILE        digest credentials USER:PASSWORD, first line of "
		"FILE\n"
		"      --hold-down=MS          coalesce requirement changes this long before\n"
		"                              writing them to ZooKeeper (0-%d, default %d)\n"
		"      --peer-address=HOST:PORT  this node's syncd peer endpoint, published\n"
		"                              for the other nodes (numeric; [IPv6]:PORT)\n",
		argv0, DEFAULT_TIMEOUT_MS, MAX_HOLD_MS, DEFAULT_HOLD_MS);
	qot_cmdline_help(f, cl, 30);
	fprintf(f, "\nSee coordd(8).\n");
}

/* The first line of the file, which must not be readable by others. */
static int read_auth(const char *path, char *out, size_t size)
{
	struct stat st;
	FILE *f = fopen(path, "re");
	char *nl;

	if (f == NULL || fstat(fileno(f), &st) != 0) {
		fprintf(stderr, "coordd: %s: %s\n", path, strerror(errno));
		if (f)
			fclose(f);
		return -1;
	}
	if (st.st_mode & 0077)
		fprintf(stderr, "coordd: warning: %s is readable by others\n", path);
	if (fgets(out, (int)size, f) == NULL)
		out[0] = '\0';
	fclose(f);
	nl = strchr(out, '\n');
	if (nl)
		*nl = '\0';
	if (strchr(out, ':') == NULL || out[0] == ':') {
		fprintf(stderr, "coordd: %s: the first line must be USER:PASSWORD\n", path);
		return -1;
	}
	return 0;
}

static int default_node(char *out, size_t size)
{
	char host[256];

	if (gethostname(host, sizeof(host)) != 0)
		return -1;
	host[sizeof(host) - 1] = '\0';
	if (!qot_name_valid(host, strlen(host)) || strlen(host) >= size)
		return -1;
	memcpy(out, host, strlen(host) + 1); /* fits: checked above */
	return 0;
}

/* ---- the mount, in the log ---- */

static void attached(void *ctx)
{
	qot_log(QOT_LOG_INFO, "following %s", qot_follower_root(ctx));
}

static void attach_failed(void *ctx, int err)
{
	qot_log(QOT_LOG_WARNING, "%s: %s; waiting for qotfs", qot_follower_root(ctx),
		strerror(-err));
}

static void lost(void *ctx, int err)
{
	qot_log(QOT_LOG_WARNING, "%s went away: %s", qot_follower_root(ctx), strerror(-err));
}

static const struct qot_follower_events mount_log = {
	.attached = attached,
	.attach_failed = attach_failed,
	.lost = lost,
};

/* ---- the session's events ---- */

static void watch_fired(void *ctx, const char *path)
{
	struct coordd *d = ctx;

	mirror_watch_fired(d->mirror, path);
}

static void session_reset(void *ctx)
{
	struct coordd *d = ctx;

	lease_resync(d->lease);
	mirror_touch_all(d->mirror);
}

static const struct session_listener session_events = {
	.watch = watch_fired,
	.reset = session_reset,
};

static int run(struct coordd *d, int sigfd)
{
	for (;;) {
		int64_t now = session_now(), wake, attach;
		struct pollfd pfd[2 + QOT_FOLLOWER_POLLFDS];
		size_t dirty;
		int nfds = 2, nf, timeout_ms;

		attach = qot_follower_tick(d->follower, now);
		wake = session_tick(d->s, now);
		session_dispatch(d->s, &session_events, d);
		dirty = mirror_sync(d->mirror);
		lease_update(d->lease, now, dirty);

		if (dirty && wake > now + RETRY_NS)
			wake = now + RETRY_NS;
		if (wake > attach)
			wake = attach;
		if (wake > mirror_next_due(d->mirror))
			wake = mirror_next_due(d->mirror);
		timeout_ms = wake <= now ? 0 : (int)((wake - now + 999999) / 1000000);
		pfd[0] = (struct pollfd){sigfd, POLLIN, 0};
		pfd[1] = (struct pollfd){session_wake_fd(d->s), POLLIN, 0};
		nf = qot_follower_pollfds(d->follower, pfd + nfds, QOT_FOLLOWER_POLLFDS);
		if (poll(pfd, (nfds_t)(nfds + nf), timeout_ms) < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if ((pfd[0].revents & POLLIN) && qot_daemon_signal(sigfd) != 0)
			return 1;
		qot_follower_handle(d->follower, pfd + nfds, nf);
	}
}

/* coordd's own options. */
struct args {
	const char *hosts, *mount, *auth_file, *node, *peer;
	long timeout;
	long hold_ms;
};

static int own_option(void *ctx, int c, const char *arg)
{
	struct args *a = ctx;
	char *end;

	switch (c) {
	case 'z':
		a->hosts = arg;
		break;
	case 'n':
		a->node = arg;
		break;
	case 'm':
		a->mount = arg;
		break;
	case 'P': {
		char host[46];
		unsigned port;

		if (strlen(arg) >= QOT_PEER_ADDR_MAX ||
		    qot_peeraddr_parse(arg, strlen(arg), host, &port) != 0) {
			fprintf(stderr,
				"coordd: --peer-address: '%s' is not HOST:PORT (a numeric IPv4 "
				"address, or [IPv6], and a port from 1 to 65535)\n",
				arg);
			return -1;
		}
		a->peer = arg;
		break;
	}
	case 't':
		errno = 0;
		a->timeout = strtol(arg, &end, 10);
		if (errno || *end || end == arg || a->timeout < MIN_TIMEOUT_MS ||
		    a->timeout > MAX_TIMEOUT_MS) {
			fprintf(stderr, "coordd: --session-timeout: %d to %d ms\n", MIN_TIMEOUT_MS,
				MAX_TIMEOUT_MS);
			return -1;
		}
		break;
	case 'H':
		errno = 0;
		a->hold_ms = strtol(arg, &end, 10);
		if (errno || *end || end == arg || a->hold_ms < 0 || a->hold_ms > MAX_HOLD_MS) {
			fprintf(stderr, "coordd: --hold-down: 0 to %d ms\n", MAX_HOLD_MS);
			return -1;
		}
		break;
	default:
		a->auth_file = arg;
		break;
	}
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"zookeeper", required_argument, NULL, 'z'},
		{"node", required_argument, NULL, 'n'},
		{"mount", required_argument, NULL, 'm'},
		{"session-timeout", required_argument, NULL, 't'},
		{"auth-file", required_argument, NULL, 'a'},
		{"hold-down", required_argument, NULL, 'H'},
		{"peer-address", required_argument, NULL, 'P'}, /* no short form */
		{NULL, 0, NULL, 0},
	};
	static const int signals[] = {SIGINT, SIGTERM, 0};
	static struct coordd d;
	static char auth[AUTH_MAX];
	struct args a = {.timeout = DEFAULT_TIMEOUT_MS, .hold_ms = DEFAULT_HOLD_MS};
	struct qot_cmdline cl = {
		.prog = "coordd",
		.flags = QOT_CMDLINE_DAEMON,
		.shortopts = "z:n:m:t:a:",
		.longopts = opts,
		.usage = usage,
		.option = own_option,
		.ctx = &a,
	};
	const char *hosts, *mount, *auth_file, *node;
	long timeout;
	int res, sigfd;

	res = qot_cmdline_parse(&cl, argc, argv);
	if (res != QOT_CMDLINE_RUN)
		return res;
	hosts = a.hosts;
	mount = a.mount;
	auth_file = a.auth_file;
	node = a.node;
	timeout = a.timeout;
	if (hosts == NULL || hosts[0] == '\0')
		return qot_cmdline_usage_error(&cl, argv[0], "--zookeeper is required");
	if (node && !qot_name_valid(node, strlen(node))) {
		fprintf(stderr,
			"coordd: node name '%s': 1 to %d characters of [A-Za-z0-9._-], not "
			"starting with '.'\n",
			node, QOT_NAME_MAX);
		return 2;
	}
	if (node)
		snprintf(d.node, sizeof(d.node), "%s", node);
	else if (default_node(d.node, sizeof(d.node)) != 0) {
		fprintf(stderr, "coordd: the host name is not a valid node name: give --node\n");
		return 2;
	}
	if (auth_file && read_auth(auth_file, auth, sizeof(auth)) != 0)
		return 2;
	if (mount == NULL || mount[0] == '\0')
		mount = qot_root();

	qot_daemon_log_init(&cl);
	/* Before the ZooKeeper client starts its threads: never fork after. */
	sigfd = qot_daemon_start(&cl, signals, false);
	if (sigfd < 0)
		return 1;
	static const char *const watched[] = {".active", NULL};
	d.s = session_new(hosts, (int)timeout, auth_file ? auth : NULL, cl.debug);
	if (d.s == NULL) {
		qot_log(QOT_LOG_ERR, "%s", strerror(errno));
		return 1;
	}
	d.follower = qot_follower_new(&(struct qot_follower_config){
		.root = mount,
		.reattach_ns = REATTACH_NS,
		.files = watched,
	});
	if (d.follower == NULL || qot_follower_subscribe(d.follower, &mount_log, d.follower) < 0 ||
	    (d.mirror = mirror_new(d.s, d.follower, d.node, a.peer)) == NULL ||
	    (d.lease = lease_new(d.node, d.s, d.follower)) == NULL) {
		qot_log(QOT_LOG_ERR, "out of memory");
		return 1;
	}
	mirror_set_hold(d.mirror, a.hold_ms * 1000000LL);
	qot_log(QOT_LOG_INFO, "node %s, zookeeper %s, session timeout %ld ms, peer endpoint %s",
		d.node, hosts, timeout, a.peer ? a.peer : "none");
	res = run(&d, sigfd);
	if (res < 0)
		qot_log(QOT_LOG_ERR, "poll: %s", strerror(-res));
	/* Stop claiming first, then leave the cluster. */
	lease_withdraw(d.lease);
	mirror_withdraw_all(d.mirror);
	qot_follower_free(d.follower);
	lease_free(d.lease);
	mirror_free(d.mirror);
	session_free(d.s);
	close(sigfd);
	memset(auth, 0, sizeof(auth));
	return res < 0 ? 1 : 0;
}
