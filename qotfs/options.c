/* SPDX-License-Identifier: Apache-2.0 */
/* options.c - parse qotfs's command line. */
#include <getopt.h>
#include <grp.h>
#include <pwd.h>
#include <string.h>

#define FUSE_USE_VERSION 314
#include <fuse_lowlevel.h>

#include "duration.h"
#include "kvline.h"
#include "log.h"
#include "loop.h"
#include "options.h"
#include "qot.h"
#include "waker.h"

#define LIMIT_MAX 10000000u

enum {
	OPT_MAX_TIMELINES = 256,
	OPT_MAX_TIMELINES_PER_UID,
	OPT_MAX_BINDINGS,
	OPT_MAX_PER_UID,
	OPT_MAX_READ_PER_UID,
	OPT_SPIN_US,
	OPT_HLC_MAX_OFFSET,
	OPT_MAX_TIMERS,
	OPT_MAX_WAIT,
	OPT_STATE_DIR,
	OPT_PRIVILEGED_UID,
	OPT_PRIVILEGED_GID,
	OPT_NO_AUTO_UNMOUNT,
	OPT_LOG_LEVEL,
	OPT_SYSLOG,
	OPT_MAX_TIMERS_PER_UID,
	OPT_MAX_OPEN_PER_UID,
	OPT_MAX_OPEN,
	OPT_MAX_READ,
};

static const struct option long_options[] = {
	{"foreground", no_argument, NULL, 'f'},
	{"debug", no_argument, NULL, 'd'},
	{"options", required_argument, NULL, 'o'},
	{"max-timelines", required_argument, NULL, OPT_MAX_TIMELINES},
	{"max-timelines-per-uid", required_argument, NULL, OPT_MAX_TIMELINES_PER_UID},
	{"max-bindings", required_argument, NULL, OPT_MAX_BINDINGS},
	{"max-bindings-per-uid", required_argument, NULL, OPT_MAX_PER_UID},
	{"max-read-per-uid", required_argument, NULL, OPT_MAX_READ_PER_UID},
	{"spin-us", required_argument, NULL, OPT_SPIN_US},
	{"hlc-max-offset", required_argument, NULL, OPT_HLC_MAX_OFFSET},
	{"max-timers", required_argument, NULL, OPT_MAX_TIMERS},
	{"max-wait", required_argument, NULL, OPT_MAX_WAIT},
	{"state-dir", required_argument, NULL, OPT_STATE_DIR},
	{"privileged-uid", required_argument, NULL, OPT_PRIVILEGED_UID},
	{"privileged-gid", required_argument, NULL, OPT_PRIVILEGED_GID},
	{"no-auto-unmount", no_argument, NULL, OPT_NO_AUTO_UNMOUNT},
	{"log-level", required_argument, NULL, OPT_LOG_LEVEL},
	{"syslog", no_argument, NULL, OPT_SYSLOG},
	{"max-timers-per-uid", required_argument, NULL, OPT_MAX_TIMERS_PER_UID},
	{"max-open-per-uid", required_argument, NULL, OPT_MAX_OPEN_PER_UID},
	{"max-open", required_argument, NULL, OPT_MAX_OPEN},
	{"max-read", required_argument, NULL, OPT_MAX_READ},
	{"help", no_argument, NULL, 'h'},
	{"version", no_argument, NULL, 'V'},
	{NULL, 0, NULL, 0},
};

static void usage(FILE *f, const char *prog)
{
	fprintf(f,
		"Usage: %s [OPTIONS] [MOUNTPOINT]\n"
		"Serve qotfs timelines under MOUNTPOINT (default " QOT_DEFAULT_ROOT ").\n"
		"\n"
		"  -f, --foreground             stay in the foreground, log to stderr\n"
		"  -d, --debug                  foreground, with FUSE request tracing\n"
		"      --log-level=LEVEL        err, warning, notice, info (default) or debug\n"
		"      --syslog                 log to syslog in the foreground too\n"
		"  -o, --options=OPT[,OPT...]   extra FUSE mount options\n"
		"      --no-auto-unmount        leave the mount behind if qotfs is killed\n"
		"      --state-dir=DIR          keep timelines, standing requirements and clock\n"
		"                               parameters in DIR across restarts (default none)\n"
		"      --privileged-uid=UID     also trust UID with clock parameters and "
		"membership\n"
		"      --privileged-gid=GID     also trust members of group GID with them\n"
		"      --max-timelines=N        timelines at most (default %u)\n"
		"      --max-timelines-per-uid=N  timelines per unprivileged user (default %u)\n"
		"      --max-bindings=N         bindings per timeline at most (default %u)\n"
		"      --max-bindings-per-uid=N bindings per user at most (default %u)\n"
		"      --max-read-per-uid=BYTES text a user's open files may hold (default %u)\n"
		"      --spin-us=N              after a request, look for the next one for N us\n"
		"                               before sleeping (0-%u, default %u; 0: never spin)\n"
		"      --hlc-max-offset=DURATION  refuse received HLC timestamps further ahead\n"
		"                               (e.g. 250ms, none; default 500ms)\n"
		"      --max-timers=N           open timer files at most (default %u)\n"
		"      --max-wait=SECONDS       longest a timer read stays parked before it is\n"
		"                               restarted with EINTR (1-3600, default %u)\n"
		"      --max-timers-per-uid=N   timer files per unprivileged user (default %u)\n"
		"      --max-open-per-uid=N     open files per unprivileged user (default %u)\n"
		"      --max-open=N             open files in all (default %u)\n"
		"      --max-read=BYTES         text all open files may hold (default %u)\n"
		"  -h, --help                   show this help\n"
		"  -V, --version                show the version\n"
		"\n"
		"See qotfs(8) and qot(7).\n",
		prog, REGISTRY_DEFAULT_MAX_TIMELINES, REGISTRY_DEFAULT_MAX_TIMELINES_PER_UID,
		REGISTRY_DEFAULT_MAX_BINDINGS, REGISTRY_DEFAULT_MAX_PER_UID,
		REGISTRY_DEFAULT_MAX_READ_PER_UID, LOOP_MAX_SPIN_US, LOOP_DEFAULT_SPIN_US,
		WAKER_DEFAULT_MAX_TIMERS, WAKER_DEFAULT_MAX_WAIT_S,
		REGISTRY_DEFAULT_MAX_TIMERS_PER_UID, REGISTRY_DEFAULT_MAX_OPEN_PER_UID,
		REGISTRY_DEFAULT_MAX_OPEN, REGISTRY_DEFAULT_MAX_READ);
}

static int parse_number(const char *arg, const char *name, uint64_t min, uint64_t max,
			uint64_t *out, FILE *err)
{
	if (qot_parse_u64((struct qot_slice){arg, strlen(arg)}, out) != 0 || *out < min ||
	    *out > max) {
		fprintf(err, "qotfs: --%s: expected an integer from %llu to %llu, got '%s'\n", name,
			(unsigned long long)min, (unsigned long long)max, arg);
		return -1;
	}
	return 0;
}

static int parse_limit(const char *arg, const char *name, size_t *out, FILE *err)
{
	uint64_t v;

	if (parse_number(arg, name, 1, LIMIT_MAX, &v, err) < 0)
		return -1;
	*out = (size_t)v;
	return 0;
}

/* A user or group id: a number, or a name known to the system. */
static int parse_id(const char *arg, bool group, uint32_t *out, FILE *err)
{
	uint64_t v;

	if (qot_parse_u64((struct qot_slice){arg, strlen(arg)}, &v) == 0 && v < UINT32_MAX) {
		*out = (uint32_t)v;
		return 0;
	}
	if (group) {
		struct group *g = getgrnam(arg);
		if (g) {
			*out = g->gr_gid;
			return 0;
		}
	} else {
		struct passwd *pw = getpwnam(arg);
		if (pw) {
			*out = pw->pw_uid;
			return 0;
		}
	}
	fprintf(err, "qotfs: --privileged-%s: no such %s '%s'\n", group ? "gid" : "uid",
		group ? "group" : "user", arg);
	return -1;
}

static int add_fuse_opt(struct qotfs_options *o, const char *arg, FILE *err)
{
	size_t len = strlen(o->fuse_opts);
	int n;

	if (arg[0] == '\0' || strchr(arg, ' ')) {
		fprintf(err, "qotfs: -o: malformed mount options '%s'\n", arg);
		return -1;
	}
	n = snprintf(o->fuse_opts + len, sizeof(o->fuse_opts) - len, "%s%s", len ? "," : "", arg);
	if (n < 0 || (size_t)n >= sizeof(o->fuse_opts) - len) {
		fprintf(err, "qotfs: -o: mount options too long\n");
		return -1;
	}
	return 0;
}

int qotfs_parse_options(int argc, char **argv, struct qotfs_options *o, FILE *out, FILE *err)
{
	const char *prog = argc > 0 ? argv[0] : "qotfs";
	int c, bad = 0;

	memset(o, 0, sizeof(*o));
	o->mountpoint = QOT_DEFAULT_ROOT;
	o->limits = (struct registry_limits){
		.max_timelines = REGISTRY_DEFAULT_MAX_TIMELINES,
		.max_timelines_per_uid = REGISTRY_DEFAULT_MAX_TIMELINES_PER_UID,
		.max_bindings_per_timeline = REGISTRY_DEFAULT_MAX_BINDINGS,
		.max_bindings_per_uid = REGISTRY_DEFAULT_MAX_PER_UID,
		.max_read_bytes_per_uid = REGISTRY_DEFAULT_MAX_READ_PER_UID,
		.hlc_max_offset = REGISTRY_DEFAULT_HLC_MAX_OFFSET,
		.max_timers = WAKER_DEFAULT_MAX_TIMERS,
		.max_wait_s = WAKER_DEFAULT_MAX_WAIT_S,
		.max_open = REGISTRY_DEFAULT_MAX_OPEN,
		.max_read_bytes = REGISTRY_DEFAULT_MAX_READ,
	};
	o->spin_us = LOOP_DEFAULT_SPIN_US;
	o->auto_unmount = true;
	o->log_level = -1;
	o->privileged_uid = o->privileged_gid = UINT32_MAX;
	optind = 0; /* reset getopt, so tests can parse several command lines */
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":fdo:hV", long_options, NULL)) != -1) {
		switch (c) {
		case 'f':
			o->foreground = true;
			break;
		case 'd':
			o->foreground = o->debug = true;
			break;
		case 'o':
			bad |= add_fuse_opt(o, optarg, err);
			break;
		case OPT_MAX_TIMELINES:
			bad |= parse_limit(optarg, "max-timelines", &o->limits.max_timelines, err);
			break;
		case OPT_MAX_TIMELINES_PER_UID:
			bad |= parse_limit(optarg, "max-timelines-per-uid",
					   &o->limits.max_timelines_per_uid, err);
			break;
		case OPT_MAX_READ_PER_UID: {
			uint64_t v = 0;
			bad |= parse_number(optarg, "max-read-per-uid", 4096, 1ull << 40, &v, err);
			o->limits.max_read_bytes_per_uid = (size_t)v;
			break;
		}
		case OPT_MAX_BINDINGS:
			bad |= parse_limit(optarg, "max-bindings",
					   &o->limits.max_bindings_per_timeline, err);
			break;
		case OPT_MAX_PER_UID:
			bad |= parse_limit(optarg, "max-bindings-per-uid",
					   &o->limits.max_bindings_per_uid, err);
			break;
		case OPT_SPIN_US: {
			uint64_t v = 0;
			bad |= parse_number(optarg, "spin-us", 0, LOOP_MAX_SPIN_US, &v, err);
			o->spin_us = (unsigned)v;
			break;
		}
		case OPT_HLC_MAX_OFFSET:
			if (qot_dur_parse(optarg, strlen(optarg), &o->limits.hlc_max_offset) != 0) {
				fprintf(err,
					"qotfs: --hlc-max-offset: expected a duration such as "
					"500ms "
					"or none, got '%s'\n",
					optarg);
				bad = 1;
			}
			break;
		case OPT_MAX_TIMERS:
			bad |= parse_limit(optarg, "max-timers", &o->limits.max_timers, err);
			break;
		case OPT_MAX_WAIT: {
			uint64_t v = 0;
			bad |= parse_number(optarg, "max-wait", 1, 3600, &v, err);
			o->limits.max_wait_s = (unsigned)v;
			break;
		}
		case OPT_STATE_DIR:
			o->state_dir = strcmp(optarg, "none") == 0 ? NULL : optarg;
			if (optarg[0] == '\0') {
				fprintf(err, "qotfs: --state-dir: expected a directory or none\n");
				bad = 1;
			}
			break;
		case OPT_PRIVILEGED_UID:
			bad |= parse_id(optarg, false, &o->privileged_uid, err);
			break;
		case OPT_PRIVILEGED_GID:
			bad |= parse_id(optarg, true, &o->privileged_gid, err);
			break;
		case OPT_NO_AUTO_UNMOUNT:
			o->auto_unmount = false;
			break;
		case OPT_LOG_LEVEL:
			bad |= qot_log_parse_level("qotfs", optarg, &o->log_level, err) < 0;
			break;
		case OPT_SYSLOG:
			o->syslog = true;
			break;
		case OPT_MAX_TIMERS_PER_UID:
			bad |= parse_limit(optarg, "max-timers-per-uid",
					   &o->limits.max_timers_per_uid, err);
			break;
		case OPT_MAX_OPEN:
			bad |= parse_limit(optarg, "max-open", &o->limits.max_open, err);
			break;
		case OPT_MAX_READ: {
			uint64_t v = 0;
			bad |= parse_number(optarg, "max-read", 4096, 1ull << 40, &v, err);
			o->limits.max_read_bytes = (size_t)v;
			break;
		}
		case OPT_MAX_OPEN_PER_UID:
			bad |= parse_limit(optarg, "max-open-per-uid", &o->limits.max_open_per_uid,
					   err);
			break;
		case 'h':
			usage(out, prog);
			return OPTIONS_EXIT_OK;
		case 'V':
			fprintf(out, "qotfs %s (libfuse %s)\n", QOT_VERSION_STRING,
				fuse_pkgversion());
			return OPTIONS_EXIT_OK;
		case ':':
			fprintf(err, "qotfs: option '%s' needs a value\n", argv[optind - 1]);
			bad = 1;
			break;
		default:
			fprintf(err, "qotfs: unknown option '%s'\n", argv[optind - 1]);
			bad = 1;
			break;
		}
	}
	if (optind < argc)
		o->mountpoint = argv[optind++];
	if (optind < argc) {
		fprintf(err, "qotfs: unexpected argument '%s'\n", argv[optind]);
		bad = 1;
	}
	/* No user takes more than a quarter of one timeline's bindings. */
	o->limits.max_bindings_share = o->limits.max_bindings_per_timeline / 4
					       ? o->limits.max_bindings_per_timeline / 4
					       : 1;
	if (bad) {
		fprintf(err, "Try '%s --help'.\n", prog);
		return OPTIONS_USAGE_ERROR;
	}
	return OPTIONS_RUN;
}
