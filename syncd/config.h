/* SPDX-License-Identifier: Apache-2.0 */
/*
 * config.h - syncd.conf: which sources exist and which serve which timeline.
 *
 *   mount /qot                     where qotfs is mounted
 *   interval 1s                    how often every timeline is republished
 *   holdover 300s                  silence after which holdover becomes unsynced
 *   stale 4s                       readers distrust parameters older than this
 *   maxslew 500                    ppm: how fast a timeline is slewed backward
 *   rundir /run/qot                where syncd keeps its sockets
 *   source NAME TYPE [KEY VALUE]...    TYPE is system, chrony, ptp or freerun
 *   timeline NAME|* SOURCE [SOURCE...] the sources of a timeline, in fallback order
 *   timeline NAME|* peer [SOURCE...]   served by its cluster (docs/peer-protocol.md)
 *   peer KEY VALUE [KEY VALUE]...      the peer endpoint and its defaults (peer_config.h)
 *
 * Without a config file, or without timeline lines, every timeline is served
 * by the sources in the order they were declared. Without source lines, the
 * sources are found (discover.h): a running chronyd, else a running ptp4l,
 * each with the kernel's view ("system") as its fallback, else that alone.
 */
#ifndef SYNCD_CONFIG_H
#define SYNCD_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "estimator.h"
#include "names.h"
#include "peer_config.h"

#define CONFIG_MAX_SOURCES	16
#define CONFIG_MAX_RULES	64
#define CONFIG_MAX_RULE_SOURCES 8
#define CONFIG_PATH_MAX		256
#define CONFIG_DEFAULT_PATH	"/etc/qot/syncd.conf"

enum source_type { SOURCE_TYPE_SYSTEM, SOURCE_TYPE_CHRONY, SOURCE_TYPE_PTP, SOURCE_TYPE_FREERUN };

struct source_config {
	char name[QOT_NAME_MAX + 1];
	enum source_type type;
	double maxdrift;  /* fraction per unit time the source's clock may wander */
	int64_t poll_ns;  /* how often to query it */
	unsigned missed;  /* updates without news after which its data is stale */
	char address[64]; /* chrony: IP address of its command port */
	unsigned port;	  /* chrony: command port */
	char socket[108]; /* chrony: Unix command socket (instead); ptp: uds_address */
	unsigned domain;  /* ptp: domain number */
	/* ptp and chrony: */
	enum estimator_method estimator; /* kalman (default) or window (the earlier one) */
	unsigned window;		 /* samples in the estimator's window */
	double confidence;		 /* of the statistical bounds, e.g. 0.9999 */
	int64_t asymmetry_ns; /* stated maximum path asymmetry; -1: the exchange's worst case */
	int64_t initial_ns;   /* bound while too few samples exist */
	int64_t horizon_ns;   /* the holdover its drift bound must cover: `holdover` */
	int64_t minbound_ns;  /* no reading's bound is smaller */
	/* freerun: the host clock + offset_ns + freq * (time since start) */
	int64_t offset_ns;
	double freq;	/* fraction (the line says ppm) */
	bool reference; /* the operator says it is true time within minbound */
};

struct timeline_rule {
	char pattern[QOT_NAME_MAX + 1]; /* a timeline name, or "*" */
	unsigned sources[CONFIG_MAX_RULE_SOURCES];
	size_t nsources;
	bool peer; /* served by its cluster; sources: this node's reference as root */
};

struct syncd_config {
	char mount[CONFIG_PATH_MAX];
	char rundir[CONFIG_PATH_MAX];
	int64_t interval_ns;
	int64_t holdover_ns;
	int64_t stale_ns;
	double maxslew;
	struct source_config sources[CONFIG_MAX_SOURCES];
	size_t nsources;
	struct timeline_rule rules[CONFIG_MAX_RULES];
	size_t nrules;
	struct peer_config peer; /* the peer lines (defaults if none) */
	bool discover;		 /* no source line: discover_sources() may choose them */
	char found[256];	 /* what discovery chose and why (empty: configured) */
};

/* Parse a configuration (text may be NULL: no file). On error, err holds
 * "LINE: what" (or "what" when it concerns no line) and -EINVAL is returned. */
int config_parse(struct syncd_config *c, const char *text, size_t len, char *err, size_t errlen);
/* Read and parse path; a missing file is an error (-errno, message in err). */
int config_load(struct syncd_config *c, const char *path, char *err, size_t errlen);
/*
 * The configuration syncd runs with: path's (NULL: the defaults), its mount
 * replaced by mount if not NULL (--mount). 0, or -1 with the reason for
 * people in msg.
 */
int config_read(struct syncd_config *c, const char *path, const char *mount, char *msg,
		size_t msglen);
/* An error of config_load or config_parse for people: "PATH:LINE: what", or
 * "PATH: what" when it concerns no line. */
void config_error(char *out, size_t size, const char *path, int res, const char *err);

/* The rule for a timeline: its own, else "*"; NULL if neither (a file with
 * named timeline lines only): such a timeline is left alone. */
/* The sources of a configuration without source lines (c->discover): the
 * system source alone (type SOURCE_TYPE_SYSTEM), or a source of that type
 * on that socket named "chronyd" or "ptp4l", with "system" as its fallback,
 * for every timeline. 0, or -EINVAL (message in err) if that cannot be. */
int config_default_sources(struct syncd_config *c, enum source_type type, const char *socket,
			   char *err, size_t errlen);

const struct timeline_rule *config_rule_for(const struct syncd_config *c, const char *timeline);
const char *config_type_name(enum source_type type);
/* The configuration as text that config_parse reads back (for --check-config). */
int config_print(const struct syncd_config *c, char *buf, size_t size);

#endif /* SYNCD_CONFIG_H */
