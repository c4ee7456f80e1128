/* SPDX-License-Identifier: Apache-2.0 */
/*
 * udp_impair.c - a userspace UDP impairment relay for the tests (where the
 * kernel has no netem qdisc and no packet filter): it receives datagrams on
 * one address and forwards each to a target, and the target's answers back
 * to whoever sent, each direction delayed, jittered, lost and duplicated
 * at random as told (test_peer_impair.sh puts it in front of a leader's
 * syncd peer endpoint).
 *
 *   udp_impair --listen HOST:PORT --to HOST:PORT [OPTIONS]
 *
 * "out" is the direction from the clients (senders to --listen) to the
 * target, "back" the answers. Every client source address gets an upstream
 * socket of its own (connected to the target), in a table of --clients
 * slots; a client silent for --idle gives its slot up to a new one when
 * the table is full, otherwise the new client's datagrams are refused.
 * Each datagram is lost with the direction's probability, or queued for
 * the direction's delay plus a jitter drawn from a uniform (0 to --jitter)
 * or exponential (mean --jitter, at most 20 times it) distribution, and
 * with the duplication probability a second copy with a delay of its own.
 * A jitter larger than the gap between datagrams reorders them. The queue
 * (--queue datagrams, both directions) releases each at its due time
 * (timerfd, CLOCK_MONOTONIC); a datagram arriving at a full queue is
 * dropped and counted. The random draws come from a PRNG seeded by --seed,
 * a stream per direction and four draws per datagram: with the same seed
 * the n-th datagram of a direction meets the same fate in every run.
 *
 * The impairment options (--delay to --dup) may also be words in a file
 * (--impair-file, read after the command line; # starts a comment): on SIGHUP the relay reads
 * it again, over what it had, and applies it to the datagrams that arrive
 * from then on (a path that worsens or heals without a restart); a file in
 * error leaves the impairment as it was.
 *
 * Prints "udp_impair: relaying LISTEN -> TO seed=N" once listening and
 * "udp_impair: impairment [from FILE]: out delay=D jitter=D loss=P dup=P
 * back ... jitter-dist=uniform|exp" then and after each reading of the
 * file ("udp_impair: impairment unchanged" if it is in error); on SIGUSR1
 * the counters, on SIGTERM, SIGINT or at the end of --lifetime the counters
 * and exits 0:
 *   udp_impair: out received=N forwarded=N lost=N duplicated=N full=N
 *               reordered=N errors=N late=N late_max=D
 * (late: released more than 1 ms after the due time, the relay starved of
 * CPU, late_max the latest: the path was that much worse than told)
 *   udp_impair: back ... (the same)
 *   udp_impair: clients=N refused=N stale=N end=signal|lifetime|running
 * Exit status 2 for a bad option (with a message), 1 if the sockets cannot
 * be set up.
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include <netinet/in.h>

#include "duration.h"
#include "members.h"

#define MAX_DATAGRAM   65535
#define MAX_CLIENTS    1024
#define MAX_QUEUE      1000000
#define READS_PER_FD   64 /* per wakeup: no socket starves the others */
#define EXP_JITTER_CAP 20
#define LATE_NS	       1000000 /* a release this late: the relay starved, the path worse */

enum dir { OUT, BACK, NDIR };
static const char *const DIR_NAME[NDIR] = {"out", "back"};

struct dirconf {
	uint64_t delay, jitter;
	double loss, dup;
};

/* What the impairment options set (the command line, then --impair-file). */
struct impair {
	struct dirconf conf[NDIR];
	bool exp_jitter;
};

struct counters {
	uint64_t received, forwarded, lost, duplicated, full, reordered, errors;
	uint64_t late;	  /* released more than LATE_NS after their due time */
	int64_t late_max; /* the latest release after the due time, ns */
};

struct client {
	bool used;
	struct sockaddr_storage addr;
	socklen_t len;
	int fd;	      /* connected to the target */
	uint32_t gen; /* a queued datagram for an older one is stale */
	int64_t last; /* CLOCK_MONOTONIC of its last datagram */
};

struct packet {
	int64_t due;
	uint64_t order; /* arrival number in its direction (a duplicate shares it) */
	enum dir dir;
	unsigned client;
	uint32_t gen;
	size_t len;
	unsigned char *data;
};

struct relay {
	struct impair im;
	const char *impair_file; /* re-read on SIGHUP */
	uint64_t state[NDIR];	 /* the PRNG's, one stream per direction */
	struct sockaddr_storage to;
	socklen_t tolen;
	int listen_fd, timer_fd, sig_fd;
	struct client *client;
	unsigned nclients;
	int64_t idle;
	struct packet *heap;
	size_t nheap, cap;
	int64_t armed; /* the timer's due time, 0: disarmed */
	uint64_t arrivals[NDIR], released_max[NDIR];
	struct counters c[NDIR];
	uint64_t clients_seen, refused, stale;
};

static int64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* ---- the PRNG: splitmix64, uniform in [0, 1) ------------------------------- */

static uint64_t next_u64(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static double uniform(struct relay *r, enum dir d)
{
	return (double)(next_u64(&r->state[d]) >> 11) * 0x1p-53;
}

/* The jitter for a uniform draw u. */
static int64_t jitter(const struct relay *r, enum dir d, double u)
{
	double j = (double)r->im.conf[d].jitter, x;

	if (j <= 0)
		return 0;
	if (!r->im.exp_jitter)
		return (int64_t)(u * j);
	x = -log1p(-u) * j;
	return (int64_t)(x < j * EXP_JITTER_CAP ? x : j * EXP_JITTER_CAP);
}

/* ---- the queue: a binary heap by due time, then arrival -------------------- */

static bool before(const struct packet *a, const struct packet *b)
{
	return a->due != b->due ? a->due < b->due : a->order < b->order;
}

static void heap_swap(struct relay *r, size_t i, size_t j)
{
	struct packet t = r->heap[i];

	r->heap[i] = r->heap[j];
	r->heap[j] = t;
}

static void heap_push(struct relay *r, const struct packet *p)
{
	size_t i = r->nheap++;

	r->heap[i] = *p;
	while (i > 0 && before(&r->heap[i], &r->heap[(i - 1) / 2])) {
		heap_swap(r, i, (i - 1) / 2);
		i = (i - 1) / 2;
	}
}

static struct packet heap_pop(struct relay *r)
{
	struct packet top = r->heap[0];
	size_t i = 0;

	r->heap[0] = r->heap[--r->nheap];
	for (;;) {
		size_t l = 2 * i + 1, m = i;

		if (l < r->nheap && before(&r->heap[l], &r->heap[m]))
			m = l;
		if (l + 1 < r->nheap && before(&r->heap[l + 1], &r->heap[m]))
			m = l + 1;
		if (m == i)
			break;
		heap_swap(r, i, m);
		i = m;
	}
	return top;
}

static void enqueue(struct relay *r, enum dir d, unsigned client, const void *data, size_t len,
		    uint64_t order, int64_t now, double u)
{
	struct packet p = {
		.due = now + (int64_t)r->im.conf[d].delay + jitter(r, d, u),
		.order = order,
		.dir = d,
		.client = client,
		.gen = r->client[client].gen,
		.len = len,
	};

	if (r->nheap == r->cap) {
		r->c[d].full++;
		return;
	}
	p.data = malloc(len ? len : 1);
	if (p.data == NULL) {
		r->c[d].full++;
		return;
	}
	memcpy(p.data, data, len);
	heap_push(r, &p);
}

/* A datagram in direction d for/from client: its fate. Every datagram takes
 * four draws from its direction's stream, whatever happens to it, so the
 * n-th datagram of a direction meets the same fate in every run. */
static void admit(struct relay *r, enum dir d, unsigned client, const void *data, size_t len,
		  int64_t now)
{
	uint64_t order = ++r->arrivals[d];
	double lose = uniform(r, d), delay = uniform(r, d), dup = uniform(r, d),
	       dup_delay = uniform(r, d);

	r->c[d].received++;
	if (lose < r->im.conf[d].loss) {
		r->c[d].lost++;
		return;
	}
	enqueue(r, d, client, data, len, order, now, delay);
	if (dup < r->im.conf[d].dup) {
		r->c[d].duplicated++;
		enqueue(r, d, client, data, len, order, now, dup_delay);
	}
}

/* Every datagram due by now, sent. */
static void release(struct relay *r, int64_t now)
{
	while (r->nheap > 0 && r->heap[0].due <= now) {
		struct packet p = heap_pop(r);
		struct client *c = &r->client[p.client];
		ssize_t n;

		if (!c->used || c->gen != p.gen) {
			r->stale++;
			free(p.data);
			continue;
		}
		if (p.dir == OUT)
			n = send(c->fd, p.data, p.len, MSG_DONTWAIT);
		else
			n = sendto(r->listen_fd, p.data, p.len, MSG_DONTWAIT,
				   (const struct sockaddr *)&c->addr, c->len);
		if (n < 0) {
			r->c[p.dir].errors++;
		} else {
			r->c[p.dir].forwarded++;
			if (now - p.due > LATE_NS)
				r->c[p.dir].late++;
			if (now - p.due > r->c[p.dir].late_max)
				r->c[p.dir].late_max = now - p.due;
			if (p.order < r->released_max[p.dir])
				r->c[p.dir].reordered++;
			else
				r->released_max[p.dir] = p.order;
		}
		free(p.data);
	}
}

/* ---- clients ---------------------------------------------------------------- */

static bool same_addr(const struct sockaddr_storage *a, const struct sockaddr_storage *b)
{
	if (a->ss_family != b->ss_family)
		return false;
	if (a->ss_family == AF_INET) {
		const struct sockaddr_in *x = (const void *)a, *y = (const void *)b;

		return x->sin_port == y->sin_port && x->sin_addr.s_addr == y->sin_addr.s_addr;
	}
	if (a->ss_family == AF_INET6) {
		const struct sockaddr_in6 *x = (const void *)a, *y = (const void *)b;

		return x->sin6_port == y->sin6_port &&
		       memcmp(&x->sin6_addr, &y->sin6_addr, sizeof(x->sin6_addr)) == 0 &&
		       x->sin6_scope_id == y->sin6_scope_id;
	}
	return false;
}

/* The slot of the client at addr: its own, a free one, or the one silent
 * longest if for more than --idle; -1 (refused) otherwise. */
static int client_slot(struct relay *r, const struct sockaddr_storage *addr, socklen_t len,
		       int64_t now)
{
	int free_slot = -1, idlest = -1;
	struct client *c;

	for (unsigned i = 0; i < r->nclients; i++) {
		c = &r->client[i];
		if (c->used && same_addr(&c->addr, addr))
			return (int)i;
		if (!c->used && free_slot < 0)
			free_slot = (int)i;
		if (c->used && now - c->last > r->idle &&
		    (idlest < 0 || c->last < r->client[idlest].last))
			idlest = (int)i;
	}
	if (free_slot < 0 && idlest >= 0) {
		c = &r->client[idlest];
		close(c->fd);
		c->used = false;
		free_slot = idlest;
	}
	if (free_slot < 0)
		return -1;
	c = &r->client[free_slot];
	c->fd = socket(r->to.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (c->fd < 0)
		return -1;
	if (connect(c->fd, (const struct sockaddr *)&r->to, r->tolen) < 0) {
		close(c->fd);
		return -1;
	}
	c->used = true;
	c->gen++;
	memcpy(&c->addr, addr, len);
	c->len = len;
	r->clients_seen++;
	return free_slot;
}

static void read_listen(struct relay *r, unsigned char *buf)
{
	for (int k = 0; k < READS_PER_FD; k++) {
		struct sockaddr_storage from;
		socklen_t flen = sizeof(from);
		ssize_t n = recvfrom(r->listen_fd, buf, MAX_DATAGRAM, MSG_DONTWAIT,
				     (struct sockaddr *)&from, &flen);
		int64_t now = mono_ns();
		int slot;

		if (n < 0)
			return;
		slot = client_slot(r, &from, flen, now);
		if (slot < 0) {
			r->refused++;
			continue;
		}
		r->client[slot].last = now;
		admit(r, OUT, (unsigned)slot, buf, (size_t)n, now);
	}
}

static void read_upstream(struct relay *r, unsigned slot, unsigned char *buf)
{
	for (int k = 0; k < READS_PER_FD; k++) {
		ssize_t n = recv(r->client[slot].fd, buf, MAX_DATAGRAM, MSG_DONTWAIT);

		if (n < 0) {
			/* ECONNREFUSED: the target's port is closed (an ICMP error). */
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				r->c[BACK].errors++;
			if (errno != ECONNREFUSED)
				return;
			continue;
		}
		admit(r, BACK, slot, buf, (size_t)n, mono_ns());
	}
}

static void arm(struct relay *r)
{
	int64_t due = r->nheap ? r->heap[0].due : 0;
	struct itimerspec its = {0};

	if (due == r->armed)
		return;
	if (due) {
		its.it_value.tv_sec = due / 1000000000;
		its.it_value.tv_nsec = due % 1000000000;
	}
	if (timerfd_settime(r->timer_fd, TFD_TIMER_ABSTIME, &its, NULL) == 0)
		r->armed = due;
}

static void print_counters(const struct relay *r, const char *end)
{
	for (int d = 0; d < NDIR; d++) {
		const struct counters *c = &r->c[d];

		char late_max[QOT_DUR_TEXT_MAX];

		qot_dur_format((uint64_t)c->late_max, late_max, sizeof(late_max));
		printf("udp_impair: %s received=%llu forwarded=%llu lost=%llu duplicated=%llu "
		       "full=%llu reordered=%llu errors=%llu late=%llu late_max=%s\n",
		       DIR_NAME[d], (unsigned long long)c->received,
		       (unsigned long long)c->forwarded, (unsigned long long)c->lost,
		       (unsigned long long)c->duplicated, (unsigned long long)c->full,
		       (unsigned long long)c->reordered, (unsigned long long)c->errors,
		       (unsigned long long)c->late, late_max);
	}
	printf("udp_impair: clients=%llu refused=%llu stale=%llu end=%s\n",
	       (unsigned long long)r->clients_seen, (unsigned long long)r->refused,
	       (unsigned long long)r->stale, end);
	fflush(stdout);
}

/* ---- the command line -------------------------------------------------------- */

static void usage(FILE *f)
{
	fprintf(f,
		"usage: udp_impair --listen HOST:PORT --to HOST:PORT [OPTIONS]\n"
		"  HOST:PORT      a numeric IPv4 address, or [IPv6], and a port (1 to 65535)\n"
		"  --delay D      fixed delay, both directions (also --out-delay, --back-delay)\n"
		"  --jitter D     added delay from 0 to D, both directions (also --out-jitter,\n"
		"                 --back-jitter)\n"
		"  --jitter-dist uniform|exp  the jitter's distribution (exp: mean D, at most 20 "
		"D)\n"
		"  --loss P       loss probability, 0 to 1, both (also --out-loss, --back-loss)\n"
		"  --dup P        duplication probability, 0 to 1 (also --out-dup, --back-dup)\n"
		"  --seed N       the PRNG's seed (default 1)\n"
		"  --lifetime D   exit after D (default 600s)\n"
		"  --queue N      datagrams held at most, both directions (default 4096)\n"
		"  --clients N    client source addresses at most (default 64)\n"
		"  --idle D       a client silent this long may lose its slot (default 60s)\n"
		"  --impair-file F  more impairment options (--delay ... --dup), read after the\n"
		"                 command line's and again on SIGHUP\n"
		"Signals: SIGUSR1 prints the counters; SIGTERM, SIGINT print them and exit.\n"
		"D is a duration with a unit (ns, us, ms, s, min), e.g. 1500us.\n"
		"\"out\" is the direction from the clients to the target, \"back\" the answers.\n");
}

static int bad(const char *opt, const char *arg, const char *what)
{
	fprintf(stderr, "udp_impair: --%s: '%s' is not %s\n", opt, arg, what);
	return -1;
}

static int parse_dur(const char *opt, const char *arg, uint64_t max, uint64_t *out)
{
	if (qot_dur_parse(arg, strlen(arg), out) != 0 || *out > max)
		return bad(opt, arg, "a duration with a unit (ns, us, ms, s, min), at most a day");
	return 0;
}

static int parse_prob(const char *opt, const char *arg, double *out)
{
	char *end;
	double p;

	errno = 0;
	p = strtod(arg, &end);
	if (errno || end == arg || *end || !(p >= 0 && p <= 1))
		return bad(opt, arg, "a probability from 0 to 1");
	*out = p;
	return 0;
}

static int parse_uint(const char *opt, const char *arg, unsigned long long min,
		      unsigned long long max, unsigned long long *out)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(arg, &end, 10);
	if (errno || end == arg || *end || arg[0] == '-' || v < min || v > max) {
		char what[96];

		snprintf(what, sizeof(what), "a whole number from %llu to %llu", min, max);
		return bad(opt, arg, what);
	}
	*out = v;
	return 0;
}

static int parse_addr(const char *opt, const char *arg, struct sockaddr_storage *out,
		      socklen_t *len)
{
	struct addrinfo hints = {.ai_socktype = SOCK_DGRAM,
				 .ai_flags = AI_NUMERICHOST | AI_NUMERICSERV};
	struct addrinfo *ai;
	char host[46], service[8];
	unsigned port;

	if (qot_peeraddr_parse(arg, strlen(arg), host, &port) != 0)
		return bad(opt, arg,
			   "HOST:PORT (a numeric IPv4 address, or [IPv6], and a port from 1 "
			   "to 65535)");
	snprintf(service, sizeof(service), "%u", port);
	if (getaddrinfo(host, service, &hints, &ai) != 0)
		return bad(opt, arg, "an address this host can use");
	memcpy(out, ai->ai_addr, ai->ai_addrlen);
	*len = ai->ai_addrlen;
	freeaddrinfo(ai);
	return 0;
}

struct options {
	const char *listen_text, *to_text, *impair_file;
	struct sockaddr_storage listen;
	socklen_t listen_len;
	uint64_t lifetime, seed;
	unsigned long long queue, clients;
};

enum {
	O_LISTEN = 256,
	O_TO,
	O_DELAY,
	O_OUT_DELAY,
	O_BACK_DELAY,
	O_JITTER,
	O_OUT_JITTER,
	O_BACK_JITTER,
	O_JITTER_DIST,
	O_LOSS,
	O_OUT_LOSS,
	O_BACK_LOSS,
	O_DUP,
	O_OUT_DUP,
	O_BACK_DUP,
	O_SEED,
	O_LIFETIME,
	O_QUEUE,
	O_CLIENTS,
	O_IDLE,
	O_IMPAIR_FILE,
};

/* In the order of the enum: longopts[c - O_LISTEN] is option c's. */
static const struct option longopts[] = {
	{"listen", required_argument, NULL, O_LISTEN},
	{"to", required_argument, NULL, O_TO},
	{"delay", required_argument, NULL, O_DELAY},
	{"out-delay", required_argument, NULL, O_OUT_DELAY},
	{"back-delay", required_argument, NULL, O_BACK_DELAY},
	{"jitter", required_argument, NULL, O_JITTER},
	{"out-jitter", required_argument, NULL, O_OUT_JITTER},
	{"back-jitter", required_argument, NULL, O_BACK_JITTER},
	{"jitter-dist", required_argument, NULL, O_JITTER_DIST},
	{"loss", required_argument, NULL, O_LOSS},
	{"out-loss", required_argument, NULL, O_OUT_LOSS},
	{"back-loss", required_argument, NULL, O_BACK_LOSS},
	{"dup", required_argument, NULL, O_DUP},
	{"out-dup", required_argument, NULL, O_OUT_DUP},
	{"back-dup", required_argument, NULL, O_BACK_DUP},
	{"seed", required_argument, NULL, O_SEED},
	{"lifetime", required_argument, NULL, O_LIFETIME},
	{"queue", required_argument, NULL, O_QUEUE},
	{"clients", required_argument, NULL, O_CLIENTS},
	{"idle", required_argument, NULL, O_IDLE},
	{"impair-file", required_argument, NULL, O_IMPAIR_FILE},
	{"help", no_argument, NULL, 'h'},
	{NULL, 0, NULL, 0},
};

#define DAY_NS (86400ULL * 1000000000ULL)

/* Option c with arg, if an impairment option, into im: 0, -1 (a message
 * said why), 1 if c is another option. */
static int impair_option(int c, const char *arg, struct impair *im)
{
	const char *name = longopts[c - O_LISTEN].name;
	uint64_t dur;
	double p;
	int err;

	switch (c) {
	case O_DELAY:
	case O_OUT_DELAY:
	case O_BACK_DELAY:
		err = parse_dur(name, arg, DAY_NS, &dur);
		if (!err && c != O_BACK_DELAY)
			im->conf[OUT].delay = dur;
		if (!err && c != O_OUT_DELAY)
			im->conf[BACK].delay = dur;
		return err;
	case O_JITTER:
	case O_OUT_JITTER:
	case O_BACK_JITTER:
		err = parse_dur(name, arg, DAY_NS / EXP_JITTER_CAP, &dur);
		if (!err && c != O_BACK_JITTER)
			im->conf[OUT].jitter = dur;
		if (!err && c != O_OUT_JITTER)
			im->conf[BACK].jitter = dur;
		return err;
	case O_JITTER_DIST:
		if (strcmp(arg, "uniform") != 0 && strcmp(arg, "exp") != 0)
			return bad(name, arg, "uniform or exp");
		im->exp_jitter = strcmp(arg, "exp") == 0;
		return 0;
	case O_LOSS:
	case O_OUT_LOSS:
	case O_BACK_LOSS:
		err = parse_prob(name, arg, &p);
		if (!err && c != O_BACK_LOSS)
			im->conf[OUT].loss = p;
		if (!err && c != O_OUT_LOSS)
			im->conf[BACK].loss = p;
		return err;
	case O_DUP:
	case O_OUT_DUP:
	case O_BACK_DUP:
		err = parse_prob(name, arg, &p);
		if (!err && c != O_BACK_DUP)
			im->conf[OUT].dup = p;
		if (!err && c != O_OUT_DUP)
			im->conf[BACK].dup = p;
		return err;
	default:
		return 1;
	}
}

/* getopt_long's complaint about argv, said clearly. */
static int bad_option(const char *where, char **argv)
{
	if (optopt >= O_LISTEN && optopt <= O_IMPAIR_FILE)
		fprintf(stderr, "udp_impair: %s--%s needs a value\n", where,
			longopts[optopt - O_LISTEN].name);
	else
		fprintf(stderr, "udp_impair: %sunknown option '%s'\n", where, argv[optind - 1]);
	return -1;
}

/* The impairment options in path (words separated by blanks; # starts a
 * comment to the end of the line), over the current ones in *im: 0, or -1 with
 * *im untouched (a message said why). */
static int read_impair_file(const char *path, struct impair *im)
{
	char text[4096], *argv[256], *save = NULL, *line;
	struct impair next = *im;
	int argc = 0, c, err = 0;
	size_t len;
	FILE *f = fopen(path, "r");

	if (f == NULL) {
		fprintf(stderr, "udp_impair: %s: %s\n", path, strerror(errno));
		return -1;
	}
	len = fread(text, 1, sizeof(text), f);
	err = ferror(f) ? -1 : 0;
	fclose(f);
	if (err || len == sizeof(text)) {
		fprintf(stderr, "udp_impair: %s: %s\n", path,
			err ? "cannot be read" : "too long (4 KiB at most)");
		return -1;
	}
	text[len] = '\0';
	argv[argc++] = (char *)path;
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *wsave = NULL;

		if (strchr(line, '#'))
			*strchr(line, '#') = '\0'; /* a comment to the end of the line */
		for (char *w = strtok_r(line, " \t\r", &wsave); w;
		     w = strtok_r(NULL, " \t\r", &wsave)) {
			if (argc == (int)(sizeof(argv) / sizeof(argv[0])) - 1) {
				fprintf(stderr, "udp_impair: %s: too many words\n", path);
				return -1;
			}
			argv[argc++] = w;
		}
	}
	argv[argc] = NULL;
	optind = 0; /* glibc: start afresh */
	opterr = 0;
	while (!err && (c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		if (c == '?' || c == ':') {
			char where[4096 + 3];

			snprintf(where, sizeof(where), "%s: ", path);
			err = bad_option(where, argv);
		} else if ((err = impair_option(c, optarg, &next)) == 1) {
			fprintf(stderr, "udp_impair: %s: --%s is not an impairment option\n", path,
				longopts[c - O_LISTEN].name);
			err = -1;
		}
	}
	if (!err && optind < argc) {
		fprintf(stderr, "udp_impair: %s: unexpected word '%s'\n", path, argv[optind]);
		err = -1;
	}
	if (err)
		return -1;
	*im = next;
	return 0;
}

static void print_impair(const struct impair *im, const char *from)
{
	printf("udp_impair: impairment%s%s:", from ? " from " : "", from ? from : "");
	for (int d = 0; d < NDIR; d++) {
		char delay[QOT_DUR_TEXT_MAX], jit[QOT_DUR_TEXT_MAX];

		qot_dur_format(im->conf[d].delay, delay, sizeof(delay));
		qot_dur_format(im->conf[d].jitter, jit, sizeof(jit));
		printf(" %s delay=%s jitter=%s loss=%g dup=%g", DIR_NAME[d], delay, jit,
		       im->conf[d].loss, im->conf[d].dup);
	}
	printf(" jitter-dist=%s\n", im->exp_jitter ? "exp" : "uniform");
	fflush(stdout);
}

static int parse_options(int argc, char **argv, struct impair *im, struct relay *r,
			 struct options *o)
{
	unsigned long long v;
	uint64_t idle = 60ULL * 1000000000ULL;
	int c, err = 0;

	o->lifetime = 600ULL * 1000000000ULL;
	o->seed = 1;
	o->queue = 4096;
	o->clients = 64;
	opterr = 0;
	while (!err && (c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		const char *name = c >= O_LISTEN ? longopts[c - O_LISTEN].name : "";

		switch (c) {
		case O_LISTEN:
			o->listen_text = optarg;
			err = parse_addr(name, optarg, &o->listen, &o->listen_len);
			break;
		case O_TO:
			o->to_text = optarg;
			err = parse_addr(name, optarg, &r->to, &r->tolen);
			break;
		case O_SEED:
			err = parse_uint(name, optarg, 0, UINT64_MAX, &v);
			o->seed = v;
			break;
		case O_LIFETIME:
			err = parse_dur(name, optarg, DAY_NS, &o->lifetime);
			if (!err && o->lifetime == 0)
				err = bad(name, optarg, "a duration above 0");
			break;
		case O_QUEUE:
			err = parse_uint(name, optarg, 1, MAX_QUEUE, &o->queue);
			break;
		case O_CLIENTS:
			err = parse_uint(name, optarg, 1, MAX_CLIENTS, &o->clients);
			break;
		case O_IDLE:
			err = parse_dur(name, optarg, DAY_NS, &idle);
			break;
		case O_IMPAIR_FILE:
			o->impair_file = optarg;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		case '?':
		case ':':
			err = bad_option("", argv);
			break;
		default:
			err = impair_option(c, optarg, im);
		}
	}
	if (!err && optind < argc) {
		fprintf(stderr, "udp_impair: unexpected argument '%s'\n", argv[optind]);
		err = -1;
	}
	if (!err && (o->listen_text == NULL || o->to_text == NULL)) {
		fprintf(stderr, "udp_impair: --listen and --to are both needed\n");
		err = -1;
	}
	if (!err && o->listen.ss_family != r->to.ss_family) {
		fprintf(stderr, "udp_impair: --listen and --to must be of one family (IPv4 or "
				"IPv6)\n");
		err = -1;
	}
	if (!err && o->impair_file)
		err = read_impair_file(o->impair_file, im);
	r->idle = (int64_t)idle;
	return err;
}

/* ---- setup and the loop ------------------------------------------------------ */

static int setup(struct relay *r, const struct options *o)
{
	sigset_t sigs;

	r->client = calloc(o->clients, sizeof(*r->client));
	r->heap = calloc(o->queue, sizeof(*r->heap));
	if (r->client == NULL || r->heap == NULL) {
		fprintf(stderr, "udp_impair: out of memory\n");
		return -1;
	}
	r->nclients = (unsigned)o->clients;
	r->cap = o->queue;
	r->state[OUT] = o->seed;
	r->state[BACK] = o->seed ^ 0x5851f42d4c957f2dULL;
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGUSR1);
	sigaddset(&sigs, SIGHUP);
	if (sigprocmask(SIG_BLOCK, &sigs, NULL) != 0 ||
	    (r->sig_fd = signalfd(-1, &sigs, SFD_CLOEXEC | SFD_NONBLOCK)) < 0) {
		perror("udp_impair: signalfd");
		return -1;
	}
	r->timer_fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	if (r->timer_fd < 0) {
		perror("udp_impair: timerfd_create");
		return -1;
	}
	r->listen_fd = socket(o->listen.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (r->listen_fd < 0 ||
	    bind(r->listen_fd, (const struct sockaddr *)&o->listen, o->listen_len) < 0) {
		fprintf(stderr, "udp_impair: cannot listen on %s: %s\n", o->listen_text,
			strerror(errno));
		return -1;
	}
	/* Wake at the due time, not up to 50 us after it (the default slack). */
	(void)prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0);
	return 0;
}

/* SIGHUP: the impairment from --impair-file again (datagrams already queued
 * keep their due times). */
static void reload(struct relay *r)
{
	if (r->impair_file == NULL) {
		fprintf(stderr, "udp_impair: SIGHUP without --impair-file: nothing to read\n");
		return;
	}
	if (read_impair_file(r->impair_file, &r->im) != 0) {
		fprintf(stderr, "udp_impair: the impairment is unchanged\n");
		printf("udp_impair: impairment unchanged\n");
		fflush(stdout);
		return;
	}
	print_impair(&r->im, r->impair_file);
}

static const char *run(struct relay *r, int64_t end, unsigned char *buf)
{
	struct pollfd pfd[3 + MAX_CLIENTS];
	unsigned slot_of[3 + MAX_CLIENTS];

	for (;;) {
		int64_t now = mono_ns(), wait_ms;
		nfds_t n = 0;

		if (now >= end)
			return "lifetime";
		release(r, now);
		arm(r);
		pfd[n++] = (struct pollfd){.fd = r->sig_fd, .events = POLLIN};
		pfd[n++] = (struct pollfd){.fd = r->timer_fd, .events = POLLIN};
		pfd[n++] = (struct pollfd){.fd = r->listen_fd, .events = POLLIN};
		for (unsigned i = 0; i < r->nclients; i++) {
			if (!r->client[i].used)
				continue;
			slot_of[n] = i;
			pfd[n++] = (struct pollfd){.fd = r->client[i].fd, .events = POLLIN};
		}
		wait_ms = (end - now + 999999) / 1000000;
		if (poll(pfd, n, wait_ms > 60000 ? 60000 : (int)wait_ms) < 0) {
			if (errno == EINTR)
				continue;
			perror("udp_impair: poll");
			return "error";
		}
		if (pfd[0].revents & POLLIN) {
			struct signalfd_siginfo si;

			while (read(r->sig_fd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
				if (si.ssi_signo == SIGUSR1)
					print_counters(r, "running");
				else if (si.ssi_signo == SIGHUP)
					reload(r);
				else
					return "signal";
			}
		}
		if (pfd[1].revents & POLLIN) {
			uint64_t expirations;

			(void)!read(r->timer_fd, &expirations, sizeof(expirations));
			r->armed = 0;
		}
		if (pfd[2].revents & POLLIN)
			read_listen(r, buf);
		for (nfds_t i = 3; i < n; i++)
			if (pfd[i].revents & (POLLIN | POLLERR) && r->client[slot_of[i]].used)
				read_upstream(r, slot_of[i], buf);
	}
}

int main(int argc, char **argv)
{
	static unsigned char buf[MAX_DATAGRAM];
	struct relay r = {.listen_fd = -1, .timer_fd = -1, .sig_fd = -1};
	struct options o = {0};
	const char *end;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (parse_options(argc, argv, &r.im, &r, &o) != 0) {
		fprintf(stderr, "udp_impair: see udp_impair --help\n");
		return 2;
	}
	if (setup(&r, &o) != 0)
		return 1;
	r.impair_file = o.impair_file;
	printf("udp_impair: relaying %s -> %s seed=%llu\n", o.listen_text, o.to_text,
	       (unsigned long long)o.seed);
	print_impair(&r.im, o.impair_file);
	end = run(&r, mono_ns() + (int64_t)o.lifetime, buf);
	print_counters(&r, end);
	while (r.nheap)
		free(heap_pop(&r).data);
	for (unsigned i = 0; i < r.nclients; i++)
		if (r.client[i].used)
			close(r.client[i].fd);
	free(r.client);
	free(r.heap);
	close(r.listen_fd);
	close(r.timer_fd);
	close(r.sig_fd);
	return strcmp(end, "error") == 0 ? 1 : 0;
}
