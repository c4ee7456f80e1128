/* SPDX-License-Identifier: Apache-2.0 */
/*
 * coordd - mirror the local qotfs mount's timeline membership into
 * ZooKeeper, and the cluster's back: who shares each timeline, with what
 * requirement, and which node leads it. Setup, the loop, wiring; the logic
 * is in the modules (see docs/architecture.md).
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <unistd.h>

#include "local.h"
#include "log.h"
#include "mirror.h"
#include "names.h"
#include "qot.h"
#include "session.h"

#define DEFAULT_TIMEOUT_MS 6000
#define MIN_TIMEOUT_MS	   400
#define MAX_TIMEOUT_MS	   600000
#define REATTACH_NS	   500000000LL /* qotfs away: look for it again this often */
#define RETRY_NS	   500000000LL /* a timeline that failed: again after this */
#define AUTH_MAX	   512

struct coordd {
	char node[QOT_NAME_MAX + 1];
	struct session s;
	struct local local;
	struct mirror mirror;
	int64_t next_attach, lease_written;
	bool resync; /* everything is being read again: no lease until done */
	bool attach_failed_logged;
};

static void usage(FILE *f, const char *prog)
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
		"  -f, --foreground            stay in the foreground, log to stderr\n"
		"  -d, --debug                 foreground, with debug messages\n"
		"      --log-level=LEVEL       log up to LEVEL: err, warning, notice, info\n"
		"                              (default) or debug\n"
		"      --syslog                log to syslog even in the foreground\n"
		"  -h, --help                  show this help\n"
		"  -V, --version               show the version\n"
		"\n"
		"See coordd(8).\n",
		prog, DEFAULT_TIMEOUT_MS);
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

static void write_lease(struct coordd *d, int64_t until)
{
	char line[QOT_NAME_MAX + 48];
	int len = snprintf(line, sizeof(line), "node=%s until=%lld\n", d->node, (long long)until);
	int err = local_write_lease(&d->local, line, (size_t)len);

	if (err)
		qot_log(QOT_LOG_WARNING, ".coordination: %s", strerror(-err));
	else
		d->lease_written = until;
}

static void try_attach(struct coordd *d, int64_t now)
{
	int err;

	if (local_attached(&d->local) || now < d->next_attach)
		return;
	err = local_attach(&d->local);
	if (err == 0)
		err = mirror_refresh(&d->mirror);
	if (err) {
		local_detach(&d->local);
		if (!d->attach_failed_logged)
			qot_log(QOT_LOG_WARNING, "%s: %s; waiting for qotfs", d->local.root,
				strerror(-err));
		d->attach_failed_logged = true;
		d->next_attach = now + REATTACH_NS;
		return;
	}
	qot_log(QOT_LOG_INFO, "following %s", d->local.root);
	d->attach_failed_logged = false;
	d->lease_written = 0;
	d->resync = true;
	mirror_touch_all(&d->mirror, true); /* a new qotfs knows nothing yet */
}

static void session_event(struct coordd *d, const struct zk_event *ev)
{
	char tl[QOT_NAME_MAX + 1];

	if (ev->type != ZOO_SESSION_EVENT) {
		if (zkp_timeline_of(ev->path, tl) == 0)
			mirror_touch(&d->mirror, tl);
		return;
	}
	if (ev->state == ZOO_CONNECTED_STATE) {
		session_on_connected(&d->s);
		qot_log(QOT_LOG_INFO, "zookeeper: connected, session 0x%llx",
			(unsigned long long)zoo_client_id(d->s.zh)->client_id);
		d->resync = true;
		mirror_touch_all(&d->mirror, false);
	} else if (ev->state == ZOO_CONNECTING_STATE) {
		qot_log(QOT_LOG_WARNING, "zookeeper: connection lost; membership may be stale");
	} else if (ev->state == ZOO_EXPIRED_SESSION_STATE || ev->state == ZOO_AUTH_FAILED_STATE) {
		if (ev->state == ZOO_AUTH_FAILED_STATE)
			qot_log(QOT_LOG_ERR, "zookeeper: authentication failed");
		session_expired(&d->s);
		d->resync = true;
		mirror_touch_all(&d->mirror, false);
	}
}

static void handle_events(struct coordd *d)
{
	bool overflow;
	struct zk_event *list = session_take(&d->s, &overflow);

	for (struct zk_event *ev = list; ev; ev = ev->next)
		session_event(d, ev);
	session_events_free(list);
	if (overflow) {
		d->resync = true;
		mirror_touch_all(&d->mirror, false);
	}
}

/* 1 on a stop signal, 0 otherwise. */
static int run(struct coordd *d, int sigfd)
{
	for (;;) {
		int64_t now = session_now(), wake, until;
		struct pollfd pfd[4];
		size_t dirty;
		int nfds = 0, timeout_ms;

		try_attach(d, now);
		wake = session_tick(&d->s, now);
		handle_events(d);
		dirty = mirror_sync(&d->mirror);
		if (dirty == 0 && session_connected(&d->s))
			d->resync = false;
		/* The lease runs only as far as the session is certainly alive, and
		 * only once everything was read in this session. */
		until = session_lease_until(&d->s);
		if (!d->resync && local_attached(&d->local) && until > now &&
		    until != d->lease_written)
			write_lease(d, until);

		if (dirty && wake > now + RETRY_NS)
			wake = now + RETRY_NS;
		if (!local_attached(&d->local) && wake > d->next_attach)
			wake = d->next_attach;
		timeout_ms = wake <= now ? 0 : (int)((wake - now + 999999) / 1000000);
		pfd[nfds++] = (struct pollfd){sigfd, POLLIN, 0};
		pfd[nfds++] = (struct pollfd){session_wake_fd(&d->s), POLLIN, 0};
		if (local_attached(&d->local)) {
			pfd[nfds++] = (struct pollfd){d->local.timelines_fd, POLLPRI, 0};
			pfd[nfds++] = (struct pollfd){d->local.active_fd, POLLPRI, 0};
		}
		if (poll(pfd, (nfds_t)nfds, timeout_ms) < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (pfd[0].revents & POLLIN)
			return 1;
		if (nfds > 2 &&
		    ((pfd[2].revents | pfd[3].revents) & (POLLERR | POLLHUP | POLLNVAL))) {
			qot_log(QOT_LOG_WARNING, "%s went away", d->local.root);
			local_detach(&d->local);
			d->next_attach = 0;
		} else if (nfds > 2 && ((pfd[2].revents | pfd[3].revents) & (POLLPRI | POLLIN))) {
			int err = mirror_refresh(&d->mirror);
			if (err && !local_attached(&d->local))
				qot_log(QOT_LOG_WARNING, "%s went away: %s", d->local.root,
					strerror(-err));
		}
	}
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"zookeeper", required_argument, NULL, 'z'},
		{"node", required_argument, NULL, 'n'},
		{"mount", required_argument, NULL, 'm'},
		{"session-timeout", required_argument, NULL, 't'},
		{"auth-file", required_argument, NULL, 'a'},
		{"foreground", no_argument, NULL, 'f'},
		{"debug", no_argument, NULL, 'd'},
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, 'V'},
		{"log-level", required_argument, NULL, 'L'},
		{"syslog", no_argument, NULL, 'S'},
		{NULL, 0, NULL, 0},
	};
	static struct coordd d;
	static char auth[AUTH_MAX];
	const char *hosts = NULL, *mount = getenv("QOT_ROOT"), *auth_file = NULL, *node = NULL;
	bool foreground = false, debug = false, to_syslog = false;
	int log_level = -1; /* --log-level; else by -d */
	long timeout = DEFAULT_TIMEOUT_MS;
	sigset_t sigs;
	int c, res, sigfd;
	char *end;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":z:n:m:t:a:fdhV", opts, NULL)) != -1) {
		switch (c) {
		case 'z':
			hosts = optarg;
			break;
		case 'n':
			node = optarg;
			break;
		case 'm':
			mount = optarg;
			break;
		case 't':
			errno = 0;
			timeout = strtol(optarg, &end, 10);
			if (errno || *end || end == optarg || timeout < MIN_TIMEOUT_MS ||
			    timeout > MAX_TIMEOUT_MS) {
				fprintf(stderr, "coordd: --session-timeout: %d to %d ms\n",
					MIN_TIMEOUT_MS, MAX_TIMEOUT_MS);
				return 2;
			}
			break;
		case 'a':
			auth_file = optarg;
			break;
		case 'L':
			if (qot_log_parse_level("coordd", optarg, &log_level, stderr) < 0) {
				fprintf(stderr, "Try '%s --help'.\n", argv[0]);
				return 2;
			}
			break;
		case 'S':
			to_syslog = true;
			break;
		case 'd':
			debug = true;
			/* fall through */
		case 'f':
			foreground = true;
			break;
		case 'h':
			usage(stdout, argv[0]);
			return 0;
		case 'V':
			printf("coordd %s\n", QOT_VERSION_STRING);
			return 0;
		case ':':
			fprintf(stderr, "coordd: option '%s' needs a value\nTry '%s --help'.\n",
				argv[optind - 1], argv[0]);
			return 2;
		default:
			fprintf(stderr, "coordd: unknown option '%s'\nTry '%s --help'.\n",
				argv[optind - 1], argv[0]);
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "coordd: unexpected argument '%s'\nTry '%s --help'.\n",
			argv[optind], argv[0]);
		return 2;
	}
	if (hosts == NULL || hosts[0] == '\0') {
		fprintf(stderr, "coordd: --zookeeper is required\nTry '%s --help'.\n", argv[0]);
		return 2;
	}
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
		mount = QOT_DEFAULT_ROOT;

	qot_log_init("coordd", log_level >= 0 ? log_level : debug ? QOT_LOG_DEBUG : QOT_LOG_INFO);
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGTERM);
	sigprocmask(SIG_BLOCK, &sigs, NULL);
	signal(SIGPIPE, SIG_IGN);
	/* Before the ZooKeeper client starts its threads: never fork after. */
	if (!foreground && daemon(0, 0) < 0) {
		perror("coordd: daemon");
		return 1;
	}
	if (!foreground || to_syslog)
		qot_log_to_syslog();
	sigfd = signalfd(-1, &sigs, SFD_CLOEXEC);
	if (sigfd < 0) {
		qot_log(QOT_LOG_ERR, "signalfd: %s", strerror(errno));
		return 1;
	}
	res = session_init(&d.s, hosts, (int)timeout, auth_file ? auth : NULL, debug);
	if (res < 0) {
		qot_log(QOT_LOG_ERR, "%s", strerror(-res));
		return 1;
	}
	local_init(&d.local, mount);
	mirror_init(&d.mirror, &d.s, &d.local, d.node);
	qot_log(QOT_LOG_INFO, "node %s, zookeeper %s, session timeout %ld ms", d.node, hosts,
		timeout);
	res = run(&d, sigfd);
	if (res < 0)
		qot_log(QOT_LOG_ERR, "poll: %s", strerror(-res));
	/* Stop claiming first, then leave the cluster. */
	if (local_attached(&d.local))
		write_lease(&d, 0);
	mirror_withdraw_all(&d.mirror);
	mirror_free(&d.mirror);
	session_free(&d.s);
	local_free(&d.local);
	close(sigfd);
	memset(auth, 0, sizeof(auth));
	return res < 0 ? 1 : 0;
}
