/* SPDX-License-Identifier: Apache-2.0 */
/*
 * peer_config.h - the `peer` lines of syncd.conf (docs/peer-protocol.md):
 *
 *   peer KEY VALUE [KEY VALUE]...
 *
 * with KEY one of port, address, keyfile, freshness, timeout, rate, missed,
 * join, drift, asymmetry, noise, window, maxage, threshold, maxdelay,
 * learn. Lines
 * accumulate; a key given twice is an error. config.c hands each `peer`
 * line's words here, and the loop turns the result into the endpoint's and
 * each peer timeline's configuration for its sync interval.
 */
#ifndef SYNCD_PEER_CONFIG_H
#define SYNCD_PEER_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Filled by the functions below (peer_sock.h, peer_timeline.h); declared
 * here only, so config.h can hold a struct peer_config. */
struct peer_sock_config;
struct peer_timeline_config;

#define PEER_CONFIG_DEFAULT_KEYFILE "/etc/qot/peer.keys"

struct peer_config {
	bool given;	     /* at least one peer line */
	unsigned keys_given; /* bit per key: given already */
	char address[64];    /* numeric IPv4/IPv6; "" for any */
	unsigned port;
	char keyfile[256];
	int64_t freshness; /* ns; 0: none */
	int64_t timeout;   /* ns; 0: half the interval (peer_config_timeout) */
	unsigned rate;	   /* answers per second per address */
	unsigned missed, join;
	double drift;	    /* fraction (the line says ppm) */
	uint64_t asymmetry; /* ns; 0: none */
	uint64_t noise;	    /* ns */
	unsigned window;
	bool learn;	    /* learn the upstream's rate (default yes) */
	int64_t maxage;	    /* ns; 0: ten intervals */
	uint64_t threshold; /* ns */
	uint64_t maxdelay;  /* ns; 0: none */
};

void peer_config_defaults(struct peer_config *c);
/* The words of one `peer` line after the directive. 0, or -EINVAL with
 * what is wrong in err (no line number: the caller adds it). */
int peer_config_line(struct peer_config *c, char *const *w, int n, char *err, size_t errlen);
/* The shortest answer timeout syncd uses unless `timeout` asks for less:
 * a real path's round trip and the answerer's wake-up fit in it. */
#define PEER_TIMEOUT_FLOOR 5000000 /* ns */

/* The answer timeout for exchanges every `interval` ns (the exchange
 * interval the controller chose; syncd's interval when no timeout is
 * given): half of it, never below PEER_TIMEOUT_FLOOR, never above an
 * explicit `timeout` (which also lowers the floor to itself). */
int64_t peer_config_timeout(const struct peer_config *c, int64_t interval);
/* The endpoint's configuration for this node and sync interval (its
 * timeout: an explicit one as given, else peer_config_timeout's). */
void peer_config_sock(const struct peer_config *c, const char *node, int64_t interval,
		      struct peer_sock_config *out);
/* A peer timeline's configuration (without its clock: params, params_ctx). */
void peer_config_timeline(const struct peer_config *c, int64_t interval,
			  struct peer_timeline_config *out);
/* The keys given, as one `peer` line that peer_config_line reads back (an
 * empty string if none). Its length, or -ENOSPC. */
int peer_config_print(const struct peer_config *c, char *buf, size_t size);

#endif /* SYNCD_PEER_CONFIG_H */
