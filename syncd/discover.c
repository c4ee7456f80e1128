/* SPDX-License-Identifier: Apache-2.0 */
/* discover.c - choose syncd's sources when none is configured (discover.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "discover.h"
#include "source.h"

static int64_t realtime_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/*
 * Does a daemon of this type answer on socket? Running means it answered,
 * synchronised or not; the reason if not is appended to why.
 */
static bool answers(const struct syncd_config *c, enum source_type type, const char *socket,
		    char *why, size_t whylen)
{
	static struct syncd_config probe; /* large: not on the stack */
	char err[256];
	struct source s;
	bool up;

	memcpy(&probe, c, sizeof(probe));
	if (config_default_sources(&probe, type, socket, err, sizeof(err)) < 0) {
		snprintf(why, whylen, "%s", err);
		return false;
	}
	memset(&s, 0, sizeof(s));
	s.cfg = &probe.sources[0];
	s.ops = source_ops_for(type);
	s.rundir = c->rundir;
	s.state = SOURCE_DOWN;
	up = s.ops->open(&s) == 0 && source_update(&s, realtime_ns()) != SOURCE_DOWN;
	if (!up)
		snprintf(why, whylen, "%s", s.detail[0] ? s.detail : "no answer");
	s.ops->close(&s);
	return up;
}

static const char *socket_for(const char *env, const char *dflt)
{
	const char *path = getenv(env);

	return path && path[0] ? path : dflt;
}

void discover_sources(struct syncd_config *c)
{
	const char *chrony = socket_for(DISCOVER_CHRONY_ENV, DISCOVER_CHRONY_SOCKET);
	const char *ptp = socket_for(DISCOVER_PTP_ENV, DISCOVER_PTP_SOCKET);
	char why_chrony[SOURCE_DETAIL_MAX], why_ptp[SOURCE_DETAIL_MAX], err[256];

	if (!c->discover)
		return;
	/* Our ends of the sockets go here; runlock makes it again if this fails. */
	if (mkdir(c->rundir, 0755) < 0 && errno != EEXIST) {
		snprintf(why_chrony, sizeof(why_chrony), "rundir %.150s: %s", c->rundir,
			 strerror(errno));
		snprintf(why_ptp, sizeof(why_ptp), "%s", why_chrony);
	} else if (answers(c, SOURCE_TYPE_CHRONY, chrony, why_chrony, sizeof(why_chrony))) {
		config_default_sources(c, SOURCE_TYPE_CHRONY, chrony, err, sizeof(err));
		snprintf(c->found, sizeof(c->found),
			 "chronyd answers at %s: source chronyd, then system", chrony);
		return;
	} else if (answers(c, SOURCE_TYPE_PTP, ptp, why_ptp, sizeof(why_ptp))) {
		config_default_sources(c, SOURCE_TYPE_PTP, ptp, err, sizeof(err));
		snprintf(c->found, sizeof(c->found),
			 "no chronyd (%.80s); ptp4l answers at %s: source ptp4l, then system",
			 why_chrony, ptp);
		return;
	}
	config_default_sources(c, SOURCE_TYPE_SYSTEM, NULL, err, sizeof(err));
	snprintf(c->found, sizeof(c->found),
		 "no chronyd (%.90s), no ptp4l (%.90s): source system, the kernel's view",
		 why_chrony, why_ptp);
}
