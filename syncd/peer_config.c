/* SPDX-License-Identifier: Apache-2.0 */
/* peer_config.c - the `peer` lines of syncd.conf. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bufput.h"
#include "confpairs.h"
#include "duration.h"
#include "peer_config.h"
#include "peer_sock.h"
#include "peer_timeline.h"

enum key {
	K_PORT,
	K_ADDRESS,
	K_KEYFILE,
	K_FRESHNESS,
	K_TIMEOUT,
	K_RATE,
	K_MISSED,
	K_JOIN,
	K_DRIFT,
	K_ASYMMETRY,
	K_NOISE,
	K_WINDOW,
	K_MAXAGE,
	K_THRESHOLD,
	K_MAXDELAY,
	K_LEARN,
	K_COUNT
};

static const char *const key_names[K_COUNT] = {
	"port",	 "address",   "keyfile", "freshness", "timeout", "rate",      "missed",	  "join",
	"drift", "asymmetry", "noise",	 "window",    "maxage",	 "threshold", "maxdelay", "learn",
};

void peer_config_defaults(struct peer_config *c)
{
	memset(c, 0, sizeof(*c));
	c->port = PEER_DEFAULT_PORT;
	snprintf(c->keyfile, sizeof(c->keyfile), "%s", PEER_CONFIG_DEFAULT_KEYFILE);
	c->freshness = 10000000000;
	c->rate = 100;
	c->missed = 2;
	c->join = 2;
	c->drift = 100e-6;
	c->window = 8;
	c->learn = true;
	c->threshold = 5000000;
}

/* A duration, or "none" when allowed (0). */
static int duration(const char *word, bool none_ok, uint64_t min, uint64_t max, uint64_t *out)
{
	uint64_t v;

	if (none_ok && strcmp(word, "none") == 0) {
		*out = 0;
		return 0;
	}
	if (qot_dur_parse(word, strlen(word), &v) != 0 || v == QOT_UNBOUNDED || v < min || v > max)
		return -EINVAL;
	*out = v;
	return 0;
}

static int integer(const char *word, unsigned min, unsigned max, unsigned *out)
{
	char *end;
	unsigned long v;

	if (word[0] < '0' || word[0] > '9')
		return -EINVAL;
	errno = 0;
	v = strtoul(word, &end, 10);
	if (errno || *end != '\0' || v < min || v > max)
		return -EINVAL;
	*out = (unsigned)v;
	return 0;
}

static int address_ok(const char *word)
{
	unsigned char buf[sizeof(struct in6_addr)];

	return strlen(word) < 64 &&
	       (inet_pton(AF_INET, word, buf) == 1 || inet_pton(AF_INET6, word, buf) == 1);
}

static int set(void *ctx, int key, const char *v, char *err, size_t errlen)
{
	struct peer_config *c = ctx;
	enum key k = (enum key)key;
	const char *what = key_names[k];
	uint64_t d = 0;
	char *end;
	double ppm;

	switch (k) {
	case K_PORT:
		if (integer(v, 1, 65535, &c->port))
			return qot_conf_fail(err, errlen,
					     "peer port: expected 1 to 65535, got '%s'", v);
		return 0;
	case K_ADDRESS:
		if (!address_ok(v))
			return qot_conf_fail(
				err, errlen,
				"peer address: expected a numeric IPv4 or IPv6 address, got '%s'",
				v);
		snprintf(c->address, sizeof(c->address), "%s", v);
		return 0;
	case K_KEYFILE:
		if (v[0] != '/' || strlen(v) >= sizeof(c->keyfile))
			return qot_conf_fail(
				err, errlen,
				"peer keyfile: expected an absolute path shorter than %zu "
				"bytes, got '%s'",
				sizeof(c->keyfile), v);
		snprintf(c->keyfile, sizeof(c->keyfile), "%s", v);
		return 0;
	case K_RATE:
		if (integer(v, 1, 100000, &c->rate))
			return qot_conf_fail(err, errlen,
					     "peer rate: expected 1 to 100000, got '%s'", v);
		return 0;
	case K_MISSED:
		if (integer(v, 1, 100, &c->missed))
			return qot_conf_fail(err, errlen,
					     "peer missed: expected 1 to 100, got '%s'", v);
		return 0;
	case K_JOIN:
		if (integer(v, 1, 100, &c->join))
			return qot_conf_fail(err, errlen, "peer join: expected 1 to 100, got '%s'",
					     v);
		return 0;
	case K_WINDOW:
		if (integer(v, 1, PEER_FILTER_MAX, &c->window))
			return qot_conf_fail(err, errlen, "peer window: expected 1 to %d, got '%s'",
					     PEER_FILTER_MAX, v);
		return 0;
	case K_DRIFT:
		ppm = strtod(v, &end);
		if (end == v || *end != '\0' || !(ppm >= 0.001 && ppm <= 10000))
			return qot_conf_fail(err, errlen,
					     "peer drift: expected ppm from 0.001 to 10000, "
					     "got '%s'",
					     v);
		c->drift = ppm * 1e-6;
		return 0;
	case K_FRESHNESS:
	case K_TIMEOUT:
	case K_MAXAGE:
		/* freshness, timeout and maxage take none (for timeout, maxage: the default) */
		if (duration(v, true, 1000000, 3600000000000ull, &d))
			return qot_conf_fail(
				err, errlen,
				"peer %s: expected a duration from 1ms to 3600s or none, "
				"got '%s'",
				what, v);
		if (k == K_FRESHNESS)
			c->freshness = (int64_t)d;
		else if (k == K_TIMEOUT)
			c->timeout = (int64_t)d;
		else
			c->maxage = (int64_t)d;
		return 0;
	case K_ASYMMETRY:
	case K_NOISE:
	case K_THRESHOLD:
	case K_MAXDELAY:
		if (duration(v, k != K_THRESHOLD, k == K_THRESHOLD ? 1 : 0, 3600000000000ull, &d))
			return qot_conf_fail(err, errlen,
					     "peer %s: expected a duration up to 3600s%s, got '%s'",
					     what, k != K_THRESHOLD ? " or none" : "", v);
		if (k == K_ASYMMETRY)
			c->asymmetry = d;
		else if (k == K_NOISE)
			c->noise = d;
		else if (k == K_THRESHOLD)
			c->threshold = d;
		else
			c->maxdelay = d;
		return 0;
	case K_LEARN:
		if (strcmp(v, "yes") != 0 && strcmp(v, "no") != 0)
			return qot_conf_fail(err, errlen,
					     "peer learn: expected yes or no, got '%s'", v);
		c->learn = strcmp(v, "yes") == 0;
		return 0;
	case K_COUNT:
		break;
	}
	return -EINVAL;
}

int peer_config_line(struct peer_config *c, char *const *w, int n, char *err, size_t errlen)
{
	struct peer_config next = *c;
	int res;

	if (n == 0 || n % 2)
		return qot_conf_fail(err, errlen, "peer: expected KEY VALUE pairs");
	res = qot_confpairs("peer", w, n, key_names, K_COUNT, &next.keys_given, set, &next, err,
			    errlen);
	if (res)
		return res;
	next.given = true;
	*c = next; /* the whole line, or nothing */
	return 0;
}

int64_t peer_config_timeout(const struct peer_config *c, int64_t interval)
{
	int64_t t = interval > 0 ? interval / 2 : 0;
	int64_t floor = PEER_TIMEOUT_FLOOR;

	if (c->timeout > 0 && c->timeout < floor)
		floor = c->timeout;
	if (t < floor)
		t = floor;
	if (c->timeout > 0 && t > c->timeout)
		t = c->timeout;
	return t;
}

void peer_config_sock(const struct peer_config *c, const char *node, int64_t interval,
		      struct peer_sock_config *out)
{
	memset(out, 0, sizeof(*out));
	snprintf(out->node, sizeof(out->node), "%s", node);
	out->freshness = c->freshness;
	/* an explicit timeout as given; else half the sync interval, floored */
	out->timeout = c->timeout ? c->timeout : peer_config_timeout(c, interval);
	out->rate = c->rate;
	out->burst = 16;
	out->batch = 64;
}

void peer_config_timeline(const struct peer_config *c, int64_t interval,
			  struct peer_timeline_config *out)
{
	memset(out, 0, sizeof(*out));
	out->up.missed = c->missed;
	out->up.join = c->join;
	out->ex.drift = c->drift;
	out->ex.max_asymmetry = c->asymmetry;
	out->ex.noise = c->noise;
	out->bk.threshold = c->threshold;
	out->bk.max_delay = c->maxdelay;
	out->window = c->window;
	out->learn = c->learn;
	out->max_age = c->maxage ? c->maxage : 10 * interval;
}

static void dur(uint64_t ns, char out[QOT_DUR_TEXT_MAX])
{
	if (ns == 0)
		snprintf(out, QOT_DUR_TEXT_MAX, "none");
	else
		qot_dur_format(ns, out, QOT_DUR_TEXT_MAX);
}

int peer_config_print(const struct peer_config *c, char *buf, size_t size)
{
	char d[QOT_DUR_TEXT_MAX];
	size_t len = 0;
	int err = 0;

	if (size == 0)
		return -ENOSPC;
	buf[0] = '\0';
	if (!c->given)
		return 0;
	err |= qot_bufput(buf, size, &len, "peer");
	for (int k = 0; k < K_COUNT && !err; k++) {
		if (!(c->keys_given & 1u << k))
			continue;
		switch ((enum key)k) {
		case K_PORT:
			err |= qot_bufput(buf, size, &len, " port %u", c->port);
			break;
		case K_ADDRESS:
			err |= qot_bufput(buf, size, &len, " address %s", c->address);
			break;
		case K_KEYFILE:
			err |= qot_bufput(buf, size, &len, " keyfile %s", c->keyfile);
			break;
		case K_RATE:
			err |= qot_bufput(buf, size, &len, " rate %u", c->rate);
			break;
		case K_MISSED:
			err |= qot_bufput(buf, size, &len, " missed %u", c->missed);
			break;
		case K_JOIN:
			err |= qot_bufput(buf, size, &len, " join %u", c->join);
			break;
		case K_WINDOW:
			err |= qot_bufput(buf, size, &len, " window %u", c->window);
			break;
		case K_DRIFT:
			err |= qot_bufput(buf, size, &len, " drift %.17g", c->drift / 1e-6);
			break;
		case K_FRESHNESS:
			dur((uint64_t)c->freshness, d);
			err |= qot_bufput(buf, size, &len, " freshness %s", d);
			break;
		case K_TIMEOUT:
			dur((uint64_t)c->timeout, d);
			err |= qot_bufput(buf, size, &len, " timeout %s", d);
			break;
		case K_MAXAGE:
			dur((uint64_t)c->maxage, d);
			err |= qot_bufput(buf, size, &len, " maxage %s", d);
			break;
		case K_ASYMMETRY:
			dur(c->asymmetry, d);
			err |= qot_bufput(buf, size, &len, " asymmetry %s", d);
			break;
		case K_NOISE:
			if (c->noise == 0)
				snprintf(d, sizeof(d), "0ns");
			else
				qot_dur_format(c->noise, d, sizeof(d));
			err |= qot_bufput(buf, size, &len, " noise %s", d);
			break;
		case K_THRESHOLD:
			qot_dur_format(c->threshold, d, sizeof(d));
			err |= qot_bufput(buf, size, &len, " threshold %s", d);
			break;
		case K_MAXDELAY:
			dur(c->maxdelay, d);
			err |= qot_bufput(buf, size, &len, " maxdelay %s", d);
			break;
		case K_LEARN:
			err |= qot_bufput(buf, size, &len, " learn %s", c->learn ? "yes" : "no");
			break;
		case K_COUNT:
			break;
		}
	}
	return err ? -ENOSPC : (int)len;
}
