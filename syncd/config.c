/* SPDX-License-Identifier: Apache-2.0 */
/* config.c - parse and check syncd.conf. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "duration.h"
#include "kvline.h"
#include "qot.h"

#define MAX_WORDS 32
#define MAX_FILE  (1 << 20)
/* The shortest stale a file may give, and so the least the default may be. */
#define STALE_MIN_NS 100000000LL

static const char *const type_names[] = {"system", "chrony", "ptp", "freerun"};
#define NTYPES ((int)(sizeof(type_names) / sizeof(type_names[0])))

const char *config_type_name(enum source_type type)
{
	return type_names[type];
}

static void defaults(struct syncd_config *c)
{
	memset(c, 0, sizeof(*c));
	snprintf(c->mount, sizeof(c->mount), "%s", QOT_DEFAULT_ROOT);
	snprintf(c->rundir, sizeof(c->rundir), "/run/qot");
	c->interval_ns = 1000000000;
	c->holdover_ns = 300 * 1000000000LL;
	c->maxslew = 500e-6;
}

static void source_defaults(struct source_config *s, enum source_type type)
{
	s->type = type;
	s->missed = 8;
	switch (type) {
	case SOURCE_TYPE_SYSTEM:
		s->maxdrift = 500e-6; /* the kernel's own assumption for maxerror */
		/* maxerror is only as good as what sets it: chronyd and ntpd set the
		 * root distance, systemd-timesyncd sets 0 at every adjustment. */
		s->minbound_ns = 1000000;
		break;
	case SOURCE_TYPE_CHRONY:
		s->maxdrift = 15e-6; /* as AWS ClockBound assumes */
		snprintf(s->address, sizeof(s->address), "127.0.0.1");
		s->port = 323;
		s->window = 64;
		s->confidence = 0.9999;
		s->asymmetry_ns = -1;
		s->initial_ns = 1000000;
		break;
	case SOURCE_TYPE_FREERUN:
		/* Exact by construction (the host clock, offset and rate as stated):
		 * its bound and drift are what the operator states, these by default. */
		s->maxdrift = 1e-6;
		s->minbound_ns = 1000;
		break;
	case SOURCE_TYPE_PTP:
		s->maxdrift = 1e-6;
		s->poll_ns = 125000000;
		snprintf(s->socket, sizeof(s->socket), "/var/run/ptp4l");
		s->window = 64;
		s->confidence = 0.9999;
		s->asymmetry_ns = -1;
		s->initial_ns = 1000000;
		break;
	}
}

struct parser {
	struct syncd_config *c;
	unsigned line;
	char *err;
	size_t errlen;
};

/*
 * An error, "LINE: message", or just the message when it concerns no line
 * (such messages never start with a digit: see config_error).
 */
__attribute__((format(printf, 2, 3))) static int fail(struct parser *p, const char *fmt, ...)
{
	va_list ap;
	int n = p->line ? snprintf(p->err, p->errlen, "%u: ", p->line) : 0;

	va_start(ap, fmt);
	if (n >= 0 && (size_t)n < p->errlen)
		vsnprintf(p->err + n, p->errlen - (size_t)n, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

static int parse_duration(struct parser *p, const char *what, const char *word, int64_t min,
			  int64_t max, int64_t *out)
{
	uint64_t v;

	if (qot_dur_parse(word, strlen(word), &v) != 0 || v == QOT_UNBOUNDED)
		return fail(p, "%s: expected a duration such as 250ms or 2s, got '%s'", what, word);
	if ((int64_t)v < min || (int64_t)v > max)
		return fail(p, "%s: %s is out of range", what, word);
	*out = (int64_t)v;
	return 0;
}

/* A duration with an optional sign (freerun's offset). */
static int parse_signed_duration(struct parser *p, const char *what, const char *word, int64_t *out)
{
	bool neg = word[0] == '-';
	int64_t v;
	int err = parse_duration(p, what, word + (word[0] == '-' || word[0] == '+'), 0,
				 86400LL * 365 * 1000000000, &v);

	if (err == 0)
		*out = neg ? -v : v;
	return err;
}

static int parse_uint(struct parser *p, const char *what, const char *word, unsigned min,
		      unsigned max, unsigned *out)
{
	uint64_t v;

	if (qot_parse_u64((struct qot_slice){word, strlen(word)}, &v) != 0 || v < min || v > max)
		return fail(p, "%s: expected an integer from %u to %u, got '%s'", what, min, max,
			    word);
	*out = (unsigned)v;
	return 0;
}

static int parse_real(struct parser *p, const char *what, const char *word, double min, double max,
		      double *out)
{
	char *end;
	double v = strtod(word, &end);

	if (end == word || *end != '\0' || !(v >= min && v <= max))
		return fail(p, "%s: expected a number from %.10g to %.10g, got '%s'", what, min,
			    max, word);
	*out = v;
	return 0;
}

static int parse_path(struct parser *p, const char *what, const char *word, char *out, size_t size)
{
	if (word[0] != '/' || strlen(word) >= size)
		return fail(p, "%s: expected an absolute path shorter than %zu bytes, got '%s'",
			    what, size, word);
	snprintf(out, size, "%s", word);
	return 0;
}

static int find_source(const struct syncd_config *c, const char *name)
{
	for (size_t i = 0; i < c->nsources; i++) {
		if (strcmp(c->sources[i].name, name) == 0)
			return (int)i;
	}
	return -1;
}

static int is_loopback(const char *addr)
{
	struct in_addr a4;
	struct in6_addr a6;

	if (inet_pton(AF_INET, addr, &a4) == 1)
		return (ntohl(a4.s_addr) >> 24) == 127;
	return inet_pton(AF_INET6, addr, &a6) == 1 && IN6_IS_ADDR_LOOPBACK(&a6);
}

/* One KEY VALUE option of a source line. */
static int source_option(struct parser *p, struct source_config *s, const char *key,
			 const char *val)
{
	double ppm = 0;
	int err;

	if (strcmp(key, "maxdrift") == 0) {
		err = parse_real(p, "maxdrift (ppm)", val, 0, 10000, &ppm);
		s->maxdrift = ppm * 1e-6;
		return err;
	}
	if (strcmp(key, "poll") == 0)
		return parse_duration(p, "poll", val, 1000000, 3600000000000LL, &s->poll_ns);
	if (strcmp(key, "missed") == 0)
		return parse_uint(p, "missed", val, 1, 1000, &s->missed);
	if (strcmp(key, "minbound") == 0)
		return parse_duration(p, "minbound", val, 0, 3600000000000LL, &s->minbound_ns);
	if (s->type == SOURCE_TYPE_CHRONY && strcmp(key, "address") == 0) {
		/* chronyd's correction is for its own host's clock: this one's only. */
		if (!is_loopback(val))
			return fail(p,
				    "address: expected a loopback address (127.0.0.1 or ::1): "
				    "a chronyd elsewhere corrects another clock, got '%s'",
				    val);
		snprintf(s->address, sizeof(s->address), "%s", val);
		return 0;
	}
	if (s->type == SOURCE_TYPE_CHRONY && strcmp(key, "port") == 0)
		return parse_uint(p, "port", val, 1, 65535, &s->port);
	if ((s->type == SOURCE_TYPE_CHRONY || s->type == SOURCE_TYPE_PTP) &&
	    strcmp(key, "socket") == 0)
		return parse_path(p, "socket", val, s->socket, sizeof(s->socket));
	if (s->type == SOURCE_TYPE_PTP && strcmp(key, "domain") == 0)
		return parse_uint(p, "domain", val, 0, 255, &s->domain);
	if (s->type == SOURCE_TYPE_FREERUN && strcmp(key, "offset") == 0)
		return parse_signed_duration(p, "offset", val, &s->offset_ns);
	if (s->type == SOURCE_TYPE_FREERUN && strcmp(key, "freq") == 0) {
		err = parse_real(p, "freq (ppm)", val, -10000, 10000, &ppm);
		s->freq = ppm * 1e-6;
		return err;
	}
	if (s->type == SOURCE_TYPE_FREERUN && strcmp(key, "reference") == 0) {
		if (strcmp(val, "yes") != 0 && strcmp(val, "no") != 0)
			return fail(p, "reference: expected yes or no, got '%s'", val);
		s->reference = val[0] == 'y';
		return 0;
	}
	if (s->type == SOURCE_TYPE_PTP || s->type == SOURCE_TYPE_CHRONY) {
		if (strcmp(key, "estimator") == 0) {
			if (strcmp(val, "kalman") == 0 || strcmp(val, "window") == 0) {
				s->estimator = val[0] == 'k' ? ESTIMATOR_KALMAN : ESTIMATOR_WINDOW;
				return 0;
			}
			return fail(p, "estimator: expected kalman or window, got '%s'", val);
		}
		if (strcmp(key, "window") == 0)
			return parse_uint(p, "window", val, 8, 4096, &s->window);
		if (strcmp(key, "confidence") == 0)
			return parse_real(p, "confidence", val, 0.5, 0.9999999, &s->confidence);
		if (strcmp(key, "initial") == 0)
			return parse_duration(p, "initial", val, 1, 3600000000000LL,
					      &s->initial_ns);
		if (strcmp(key, "asymmetry") == 0) {
			if (strcmp(val, "auto") == 0) {
				s->asymmetry_ns = -1;
				return 0;
			}
			return parse_duration(p, "asymmetry", val, 0, 3600000000000LL,
					      &s->asymmetry_ns);
		}
	}
	return fail(p, "source %s: unknown option '%s' for a %s source", s->name, key,
		    type_names[s->type]);
}

static int directive_source(struct parser *p, char **w, int n)
{
	struct syncd_config *c = p->c;
	struct source_config *s;
	int type = -1, err;

	if (n < 3 || (n - 3) % 2 != 0)
		return fail(p, "usage: source NAME system|chrony|ptp|freerun [OPTION VALUE]...");
	if (!qot_name_valid(w[1], strlen(w[1])))
		return fail(p, "source: bad name '%s'", w[1]);
	if (find_source(c, w[1]) >= 0)
		return fail(p, "source %s: defined twice", w[1]);
	for (int t = 0; t < NTYPES; t++) {
		if (strcmp(w[2], type_names[t]) == 0)
			type = t;
	}
	if (type < 0)
		return fail(p, "source %s: unknown type '%s' (system, chrony, ptp or freerun)",
			    w[1], w[2]);
	if (c->nsources == CONFIG_MAX_SOURCES)
		return fail(p, "more than %d sources", CONFIG_MAX_SOURCES);
	s = &c->sources[c->nsources];
	memset(s, 0, sizeof(*s));
	snprintf(s->name, sizeof(s->name), "%s", w[1]);
	source_defaults(s, (enum source_type)type);
	for (int i = 3; i < n; i += 2) {
		err = source_option(p, s, w[i], w[i + 1]);
		if (err)
			return err;
	}
	c->nsources++;
	return 0;
}

static int directive_timeline(struct parser *p, char **w, int n)
{
	struct syncd_config *c = p->c;
	struct timeline_rule *r;
	bool peer = n >= 3 && strcmp(w[2], "peer") == 0;
	int first = peer ? 3 : 2;

	if (n < 3)
		return fail(p, "usage: timeline NAME|* SOURCE [SOURCE...] or "
			       "timeline NAME|* peer [SOURCE...]");
	if (strcmp(w[1], "*") != 0 && !qot_name_valid(w[1], strlen(w[1])))
		return fail(p, "timeline: bad name '%s'", w[1]);
	for (size_t i = 0; i < c->nrules; i++) {
		if (strcmp(c->rules[i].pattern, w[1]) == 0)
			return fail(p, "timeline %s: given twice", w[1]);
	}
	if (c->nrules == CONFIG_MAX_RULES)
		return fail(p, "more than %d timeline lines", CONFIG_MAX_RULES);
	if (n - first > CONFIG_MAX_RULE_SOURCES)
		return fail(p, "timeline %s: more than %d sources", w[1], CONFIG_MAX_RULE_SOURCES);
	r = &c->rules[c->nrules];
	snprintf(r->pattern, sizeof(r->pattern), "%s", w[1]);
	r->nsources = 0;
	r->peer = peer;
	for (int i = first; i < n; i++) {
		int s = find_source(c, w[i]);
		if (s < 0)
			return fail(p, "timeline %s: no source named '%s' (define it first)", w[1],
				    w[i]);
		for (size_t j = 0; j < r->nsources; j++)
			if (r->sources[j] == (unsigned)s)
				return fail(p, "timeline %s: source %s listed twice", w[1], w[i]);
		r->sources[r->nsources++] = (unsigned)s;
	}
	c->nrules++;
	return 0;
}

/* The directives that take exactly one value. */
static bool is_simple_directive(const char *word)
{
	static const char *const names[] = {"mount",	"rundir", "interval",
					    "holdover", "stale",  "maxslew"};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(word, names[i]) == 0)
			return true;
	return false;
}

static int directive(struct parser *p, char **w, int n)
{
	struct syncd_config *c = p->c;
	double ppm = 0;
	int err;

	if (strcmp(w[0], "source") == 0)
		return directive_source(p, w, n);
	if (strcmp(w[0], "timeline") == 0)
		return directive_timeline(p, w, n);
	if (strcmp(w[0], "peer") == 0) {
		char msg[200];

		if (peer_config_line(&c->peer, w + 1, n - 1, msg, sizeof(msg)) != 0)
			return fail(p, "%s", msg);
		return 0;
	}
	if (!is_simple_directive(w[0]))
		return fail(p, "unknown directive '%s'", w[0]);
	if (n != 2)
		return fail(p, "%s: expected one value", w[0]);
	if (strcmp(w[0], "mount") == 0)
		return parse_path(p, "mount", w[1], c->mount, sizeof(c->mount));
	if (strcmp(w[0], "rundir") == 0)
		return parse_path(p, "rundir", w[1], c->rundir, sizeof(c->rundir));
	if (strcmp(w[0], "interval") == 0)
		return parse_duration(p, "interval", w[1], 10000000, 3600000000000LL,
				      &c->interval_ns);
	if (strcmp(w[0], "holdover") == 0)
		return parse_duration(p, "holdover", w[1], 0, 30LL * 86400 * 1000000000,
				      &c->holdover_ns);
	if (strcmp(w[0], "stale") == 0)
		return parse_duration(p, "stale", w[1], STALE_MIN_NS, 86400LL * 1000000000,
				      &c->stale_ns);
	if (strcmp(w[0], "maxslew") == 0) {
		err = parse_real(p, "maxslew (ppm)", w[1], 1, 10000, &ppm);
		c->maxslew = ppm * 1e-6;
		return err;
	}
	return fail(p, "unknown directive '%s'", w[0]); /* not reached */
}

/* Split a line into words; '#' starts a comment. Returns the count or -1. */
static int split(char *line, char **w)
{
	int n = 0;
	char *save = NULL;

	*strchrnul(line, '#') = '\0';
	for (char *t = strtok_r(line, " \t\r", &save); t; t = strtok_r(NULL, " \t\r", &save)) {
		if (n == MAX_WORDS)
			return -1;
		w[n++] = t;
	}
	return n;
}

/* Every Unix socket source's client end fits in a socket path. */
static int check_sockets(struct parser *p)
{
	const struct syncd_config *c = p->c;

	for (size_t i = 0; i < c->nsources; i++) {
		const struct source_config *sc = &c->sources[i];
		bool unix_socket = sc->type == SOURCE_TYPE_PTP ||
				   (sc->type == SOURCE_TYPE_CHRONY && sc->socket[0]);
		/* Our end of the socket, RUNDIR/syncd-TYPE-PID-NAME.sock, must fit
		 * in sun_path (108 bytes with its NUL; a PID has at most 7 digits). */
		size_t client = strlen(c->rundir) + strlen("/syncd-chrony-1234567-.sock") +
				strlen(sc->name);
		if (unix_socket && client >= sizeof(sc->socket))
			return fail(p,
				    "source %s: rundir %s is too long for its client socket "
				    "(a Unix socket path has at most %zu bytes)",
				    sc->name, c->rundir, sizeof(sc->socket) - 1);
	}
	return 0;
}

static void add_default_source(struct syncd_config *c, const char *name, enum source_type type)
{
	struct source_config *s = &c->sources[c->nsources++];

	memset(s, 0, sizeof(*s));
	source_defaults(s, type);
	snprintf(s->name, sizeof(s->name), "%s", name);
	if (s->poll_ns == 0)
		s->poll_ns = c->interval_ns;
}

int config_default_sources(struct syncd_config *c, enum source_type type, const char *socket,
			   char *err, size_t errlen)
{
	struct parser p = {c, 0, err, errlen};
	struct timeline_rule *r = &c->rules[0];

	if (c->nsources > 0 && !c->discover)
		return fail(&p, "sources are configured: none to choose");
	c->discover = true;
	c->nsources = 0;
	if (type != SOURCE_TYPE_SYSTEM) {
		if (socket == NULL || socket[0] != '/' ||
		    strlen(socket) >= sizeof(c->sources[0].socket))
			return fail(&p, "a %s source needs an absolute socket path",
				    type_names[type]);
		add_default_source(c, type == SOURCE_TYPE_CHRONY ? "chronyd" : "ptp4l", type);
		snprintf(c->sources[0].socket, sizeof(c->sources[0].socket), "%s", socket);
	}
	add_default_source(c, "system", SOURCE_TYPE_SYSTEM);
	/* No source line means no timeline line either (it would name one). */
	memset(r, 0, sizeof(*r));
	snprintf(r->pattern, sizeof(r->pattern), "*");
	for (size_t i = 0; i < c->nsources; i++)
		r->sources[r->nsources++] = (unsigned)i;
	c->nrules = 1;
	return check_sockets(&p);
}

int config_parse(struct syncd_config *c, const char *text, size_t len, char *err, size_t errlen)
{
	struct parser p = {c, 0, err, errlen};
	size_t pos = 0;

	defaults(c);
	peer_config_defaults(&c->peer);
	while (text && pos < len) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t llen = nl ? (size_t)(nl - (text + pos)) : len - pos;
		char line[1024], *w[MAX_WORDS];
		int n, res;

		p.line++;
		if (llen >= sizeof(line))
			return fail(&p, "line too long");
		memcpy(line, text + pos, llen);
		line[llen] = '\0';
		pos += llen + 1;
		if (memchr(line, '\0', llen))
			return fail(&p, "NUL byte in line");
		n = split(line, w);
		if (n < 0)
			return fail(&p, "more than %d words", MAX_WORDS);
		if (n == 0)
			continue;
		res = directive(&p, w, n);
		if (res)
			return res;
	}
	p.line = 0;
	if (c->nsources == 0 && c->nrules > 0) {
		/* Peer timelines without sources of their own: no discovery (its
		 * rule for every timeline would replace theirs), the system source
		 * declared as it always was without source lines. */
		add_default_source(c, "system", SOURCE_TYPE_SYSTEM);
	} else if (c->nsources == 0) {
		int res = config_default_sources(c, SOURCE_TYPE_SYSTEM, NULL, err, errlen);
		if (res)
			return res;
	}
	if (c->nrules == 0) {
		struct timeline_rule *r = &c->rules[c->nrules++];
		if (c->nsources > CONFIG_MAX_RULE_SOURCES)
			return fail(&p,
				    "no timeline line for %zu sources: say which serve which "
				    "(at most %d per timeline)",
				    c->nsources, CONFIG_MAX_RULE_SOURCES);
		snprintf(r->pattern, sizeof(r->pattern), "*");
		for (size_t i = 0; i < c->nsources && i < CONFIG_MAX_RULE_SOURCES; i++)
			r->sources[r->nsources++] = (unsigned)i;
	}
	for (size_t i = 0; i < c->nsources; i++) {
		if (c->sources[i].poll_ns == 0)
			c->sources[i].poll_ns = c->interval_ns;
		c->sources[i].horizon_ns = c->holdover_ns;
	}
	if (check_sockets(&p))
		return -EINVAL;
	/* Four updates, but never less than a file may say: what --check-config
	 * prints must read back (interval 20ms once printed "stale 80ms"). */
	if (c->stale_ns == 0)
		c->stale_ns = 4 * c->interval_ns < STALE_MIN_NS ? STALE_MIN_NS : 4 * c->interval_ns;
	if (c->stale_ns <= c->interval_ns)
		return fail(&p,
			    "stale (%lld ns) must be longer than interval (%lld ns), or "
			    "readers would see every update stale",
			    (long long)c->stale_ns, (long long)c->interval_ns);
	return 0;
}

int config_load(struct syncd_config *c, const char *path, char *err, size_t errlen)
{
	char *text = malloc(MAX_FILE + 1);
	ssize_t n = -1;
	int fd, res;

	if (text == NULL) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		n = read(fd, text, MAX_FILE + 1);
		close(fd);
	}
	if (n < 0) {
		res = -errno;
		snprintf(err, errlen, "%s", strerror(errno));
		free(text);
		return res;
	}
	if (n > MAX_FILE) {
		snprintf(err, errlen, "larger than %d bytes", MAX_FILE);
		free(text);
		return -EFBIG;
	}
	res = config_parse(c, text, (size_t)n, err, errlen);
	free(text);
	return res;
}

void config_error(char *out, size_t size, const char *path, int res, const char *err)
{
	/* A parse error starts with its line number; other errors concern the file. */
	bool at_line = res == -EINVAL && err[0] >= '0' && err[0] <= '9';

	snprintf(out, size, "%s:%s%s", path, at_line ? "" : " ", err);
}

int config_read(struct syncd_config *c, const char *path, const char *mount, char *msg,
		size_t msglen)
{
	char err[256];
	int res = path ? config_load(c, path, err, sizeof(err))
		       : config_parse(c, NULL, 0, err, sizeof(err));

	if (res < 0) {
		config_error(msg, msglen, path ? path : "defaults", res, err);
		return -1;
	}
	if (mount) {
		if (mount[0] != '/' || strlen(mount) >= sizeof(c->mount)) {
			snprintf(msg, msglen,
				 "--mount: expected an absolute path shorter than %zu bytes",
				 sizeof(c->mount));
			return -1;
		}
		snprintf(c->mount, sizeof(c->mount), "%s", mount);
	}
	return 0;
}

const struct timeline_rule *config_rule_for(const struct syncd_config *c, const char *timeline)
{
	const struct timeline_rule *any = NULL;

	for (size_t i = 0; i < c->nrules; i++) {
		if (strcmp(c->rules[i].pattern, timeline) == 0)
			return &c->rules[i];
		if (strcmp(c->rules[i].pattern, "*") == 0)
			any = &c->rules[i];
	}
	return any;
}

static int put_duration(char *buf, size_t size, const char *key, int64_t ns)
{
	char d[QOT_DUR_TEXT_MAX];

	qot_dur_format((uint64_t)ns, d, sizeof(d));
	return snprintf(buf, size, " %s %s", key, d);
}

int config_print(const struct syncd_config *c, char *buf, size_t size)
{
	size_t len = 0;
	char dur[4][QOT_DUR_TEXT_MAX];

#define PUT(...)                                                                                   \
	do {                                                                                       \
		int n_ = snprintf(buf + len, len < size ? size - len : 0, __VA_ARGS__);            \
		if (n_ < 0)                                                                        \
			return -EINVAL;                                                            \
		len += (size_t)n_;                                                                 \
	} while (0)

	qot_dur_format((uint64_t)c->interval_ns, dur[0], sizeof(dur[0]));
	qot_dur_format((uint64_t)c->holdover_ns, dur[1], sizeof(dur[1]));
	qot_dur_format((uint64_t)c->stale_ns, dur[2], sizeof(dur[2]));
	PUT("mount %s\nrundir %s\ninterval %s\nholdover %s\nstale %s\nmaxslew %.10g\n", c->mount,
	    c->rundir, dur[0], dur[1], dur[2], c->maxslew * 1e6);
	for (size_t i = 0; i < c->nsources; i++) {
		const struct source_config *s = &c->sources[i];
		qot_dur_format((uint64_t)s->poll_ns, dur[3], sizeof(dur[3]));
		PUT("source %s %s maxdrift %.10g poll %s missed %u", s->name, type_names[s->type],
		    s->maxdrift * 1e6, dur[3], s->missed);
		len += (size_t)put_duration(buf + len, len < size ? size - len : 0, "minbound",
					    s->minbound_ns);
		if (s->type == SOURCE_TYPE_CHRONY && s->socket[0])
			PUT(" socket %s", s->socket);
		else if (s->type == SOURCE_TYPE_CHRONY)
			PUT(" address %s port %u", s->address, s->port);
		if (s->type == SOURCE_TYPE_PTP)
			PUT(" socket %s domain %u", s->socket, s->domain);
		if (s->type == SOURCE_TYPE_FREERUN) {
			qot_dur_format((uint64_t)(s->offset_ns < 0 ? -s->offset_ns : s->offset_ns),
				       dur[3], sizeof(dur[3]));
			PUT(" offset %s%s freq %.10g reference %s", s->offset_ns < 0 ? "-" : "",
			    dur[3], s->freq * 1e6, s->reference ? "yes" : "no");
		}
		if (s->type == SOURCE_TYPE_PTP || s->type == SOURCE_TYPE_CHRONY) {
			PUT(" estimator %s window %u confidence %.10g",
			    s->estimator == ESTIMATOR_WINDOW ? "window" : "kalman", s->window,
			    s->confidence);
			len += (size_t)put_duration(buf + len, len < size ? size - len : 0,
						    "initial", s->initial_ns);
			if (s->asymmetry_ns < 0)
				PUT(" asymmetry auto");
			else
				len += (size_t)put_duration(buf + len, len < size ? size - len : 0,
							    "asymmetry", s->asymmetry_ns);
		}
		PUT("\n");
	}
	if (c->peer.given) {
		char line[1024];
		int n = peer_config_print(&c->peer, line, sizeof(line));

		if (n < 0)
			return n;
		PUT("%s\n", line);
	}
	for (size_t i = 0; i < c->nrules; i++) {
		PUT("timeline %s%s", c->rules[i].pattern, c->rules[i].peer ? " peer" : "");
		for (size_t j = 0; j < c->rules[i].nsources; j++)
			PUT(" %s", c->sources[c->rules[i].sources[j]].name);
		PUT("\n");
	}
#undef PUT
	return len < size ? (int)len : -ENOSPC;
}
