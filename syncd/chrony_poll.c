/* SPDX-License-Identifier: Apache-2.0 */
/* chrony_poll.c - set a chronyd source's polling, report refusals once. */
#include <errno.h>
#include <math.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "chrony_cmd.h"
#include "chrony_poll.h"
#include "deadline.h"
#include "udsock.h"

#define NO_POLL INT32_MIN

struct chrony_poll {
	char socket[sizeof(((struct sockaddr_un *)0)->sun_path)];
	char own[sizeof(((struct sockaddr_un *)0)->sun_path)];
	char address[64];
	unsigned port;
	char source[64];
	char where[160]; /* chronyd's address, for messages */
	int fd;
	uint32_t sequence;
	int done;   /* the poll chronyd took, or NO_POLL */
	int failed; /* the poll that failed, or NO_POLL */
	int failure;
	uint64_t sent;
	char error[512];
};

static int copy(char *dst, size_t size, const char *src)
{
	if (src == NULL || src[0] == '\0' || strlen(src) >= size)
		return -EINVAL;
	memcpy(dst, src, strlen(src) + 1);
	return 0;
}

int chrony_poll_new(struct chrony_poll **out, const struct chrony_poll_config *cfg)
{
	struct chrony_poll *p = calloc(1, sizeof(*p));
	uint8_t probe[CHRONY_CMD_POLL_LEN];
	int err;

	if (p == NULL)
		return -ENOMEM;
	p->fd = -1;
	p->done = p->failed = NO_POLL;
	err = copy(p->source, sizeof(p->source), cfg->source);
	/* the source must be an address chronyd's protocol carries */
	if (!err &&
	    chrony_cmd_poll_request(probe, sizeof(probe), CHRONY_CMD_MINPOLL, 0, p->source, 0) < 0)
		err = -EINVAL;
	if (!err && cfg->socket) {
		err = copy(p->socket, sizeof(p->socket), cfg->socket);
		if (!err)
			err = copy(p->own, sizeof(p->own), cfg->own);
		snprintf(p->where, sizeof(p->where), "chronyd at %s", p->socket);
	} else if (!err) {
		err = copy(p->address, sizeof(p->address), cfg->address);
		p->port = cfg->port;
		if (!err && (cfg->port == 0 || cfg->port > 65535))
			err = -EINVAL;
		snprintf(p->where, sizeof(p->where), "chronyd at %s port %u", p->address, p->port);
	}
	if (err) {
		free(p);
		return err;
	}
	if (getrandom(&p->sequence, sizeof(p->sequence), GRND_NONBLOCK) < 0)
		p->sequence = (uint32_t)getpid();
	*out = p;
	return 0;
}

static void disconnect(struct chrony_poll *p)
{
	if (p->fd >= 0)
		close(p->fd);
	p->fd = -1;
}

void chrony_poll_free(struct chrony_poll *p)
{
	if (p == NULL)
		return;
	disconnect(p);
	if (p->socket[0])
		unlink(p->own);
	free(p);
}

static int connect_udp(struct chrony_poll *p)
{
	struct addrinfo hints = {.ai_socktype = SOCK_DGRAM, .ai_flags = AI_NUMERICHOST};
	struct addrinfo *ai;
	char port[8];
	int fd, err;

	snprintf(port, sizeof(port), "%u", p->port);
	if (getaddrinfo(p->address, port, &hints, &ai) != 0)
		return -EINVAL;
	fd = socket(ai->ai_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, ai->ai_addr, ai->ai_addrlen) < 0) {
		err = -errno;
		if (fd >= 0)
			close(fd);
		freeaddrinfo(ai);
		return err;
	}
	freeaddrinfo(ai);
	return fd;
}

static int fail(struct chrony_poll *p, int err, const char *fmt, const char *what)
{
	char text[200];

	snprintf(text, sizeof(text), fmt, what);
	snprintf(p->error, sizeof(p->error), "%s: %s", p->where, text);
	return err;
}

/* One command and its reply, within QUERY_TIMEOUT_MS and QUERY_MAX_REPLIES. */
static int command(struct chrony_poll *p, enum chrony_cmd cmd, int poll)
{
	const char *name = cmd == CHRONY_CMD_MINPOLL ? "minpoll" : "maxpoll";
	uint8_t req[CHRONY_CMD_POLL_LEN], reply[512];
	int64_t deadline = deadline_now_ms() + QUERY_TIMEOUT_MS;
	uint32_t seq = ++p->sequence;
	char what[64];
	unsigned status;
	int len;

	len = chrony_cmd_poll_request(req, sizeof(req), cmd, seq, p->source, poll);
	if (len < 0)
		return fail(p, len, "%s", "the request cannot be encoded");
	if (p->fd < 0) {
		p->fd = p->socket[0] ? udsock_client(p->own, p->socket) : connect_udp(p);
		if (p->fd < 0) {
			int err = p->fd;
			p->fd = -1;
			return fail(p, err, "%s", strerror(-err));
		}
	}
	p->sent++;
	if (send(p->fd, req, (size_t)len, 0) != len) {
		int err = -errno;
		disconnect(p);
		return fail(p, err, "%s", strerror(-err));
	}
	for (int n = 0; n < QUERY_MAX_REPLIES && deadline_wait(p->fd, deadline); n++) {
		ssize_t got = recv(p->fd, reply, sizeof(reply), 0);
		int res;
		if (got < 0) {
			int err = -errno;
			disconnect(p);
			return fail(p, err, "%s", strerror(-err));
		}
		res = chrony_cmd_reply(reply, (size_t)got, cmd, seq, &status);
		if (res == 0)
			return 0;
		if (res == -EBADMSG) {
			snprintf(what, sizeof(what), "%s %d", name, poll);
			snprintf(p->error, sizeof(p->error), "%s refused %s for %s: %s", p->where,
				 what, p->source, chrony_cmd_status_text(status));
			return status == CHRONY_STT_UNAUTH	   ? -EACCES
			       : status == CHRONY_STT_NOSUCHSOURCE ? -ENOENT
								   : -EBADMSG;
		}
		/* a late reply to an earlier request, or garbage: keep waiting */
	}
	disconnect(p); /* a Unix socket may be connected to a chronyd that is gone */
	return fail(p, -ETIMEDOUT, "no answer within %s", "the query timeout");
}

int chrony_poll_set(struct chrony_poll *p, int poll)
{
	int err;

	if (poll == p->done)
		return 0;
	if (poll == p->failed)
		return p->failure; /* reported already: not asked again */
	if (poll < CHRONY_POLL_MIN || poll > CHRONY_POLL_MAX) {
		err = -ERANGE;
		snprintf(p->error, sizeof(p->error), "%s: poll %d is outside %d..%d", p->where,
			 poll, CHRONY_POLL_MIN, CHRONY_POLL_MAX);
	} else {
		/* minpoll first: chronyd raises maxpoll to it, then lowers minpoll to
		 * maxpoll; after both, both are poll whichever way it moved */
		err = command(p, CHRONY_CMD_MINPOLL, poll);
		if (err == 0)
			err = command(p, CHRONY_CMD_MAXPOLL, poll);
	}
	if (err < 0) {
		p->failed = poll;
		p->failure = err;
		p->done = NO_POLL;
		return err;
	}
	p->done = poll;
	p->failed = NO_POLL;
	p->error[0] = '\0';
	return 0;
}

void chrony_poll_forget(struct chrony_poll *p)
{
	disconnect(p); /* a restarted chronyd has a new socket: connect again */
	p->done = p->failed = NO_POLL;
}

const char *chrony_poll_error(const struct chrony_poll *p)
{
	return p->error;
}

uint64_t chrony_poll_sent(const struct chrony_poll *p)
{
	return p->sent;
}

void chrony_poll_quality(const struct chrony_tracking *t, int64_t now, double maxdrift,
			 struct control_quality *out)
{
	double drift = maxdrift + (t->skew_ppm + fabs(t->resid_freq_ppm)) * 1e-6;
	double age = now > t->ref_time_ns ? (double)(now - t->ref_time_ns) : 0;
	double half = t->root_delay / 2 * 1e9;
	double floor_ns = fmax(half + t->root_dispersion * 1e9 - drift * age, half);

	out->floor = floor_ns >= 1.8e19 || !(floor_ns >= 0) ? 0 : (uint64_t)ceil(floor_ns);
	out->noise = (uint64_t)ceil(fmax(t->rms_offset, 0) * 1e9);
	out->drift = drift;
}

static int knob_apply(void *ctx, int64_t interval, char *why, size_t whylen)
{
	struct chrony_poll *p = ctx;
	int res = chrony_poll_set(p, chrony_cmd_poll_of(interval));

	if (res < 0)
		snprintf(why, whylen, "%s", p->error);
	return res;
}

void chrony_poll_knob(struct chrony_poll *p, struct control_knob *out)
{
	out->apply = knob_apply;
	out->ctx = p;
	out->msgs_per_exchange = 2;
}
