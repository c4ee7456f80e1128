/* SPDX-License-Identifier: Apache-2.0 */
/* tlstate.c - read a timeline's files and parse them (qot(7)). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "duration.h"
#include "kvline.h"
#include "params.h"
#include "readall.h"
#include "tlstate.h"
#include "waitcalc.h"

#define NKEYS(a) (sizeof(a) / sizeof((a)[0]))

long tlstate_read_file(int mountfd, const char *path, char **buf, size_t *cap)
{
	int fd = openat(mountfd, path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = qot_pread_all(fd, buf, cap);
	close(fd);
	return (long)n;
}

static int copy_word(struct qot_slice s, char *dst, size_t size)
{
	if (s.ptr == NULL || s.len >= size)
		return -EPROTO;
	memcpy(dst, s.ptr, s.len);
	dst[s.len] = '\0';
	return 0;
}

/* A name, or "" for none. */
static int copy_name(struct qot_slice s, char *dst)
{
	if (qot_slice_is(s, "none")) {
		dst[0] = '\0';
		return 0;
	}
	return copy_word(s, dst, QOT_NAME_MAX + 1);
}

/* The requirement of accuracy=... resolution=... as qot_reqline_parse reads it. */
static int parse_req(struct qot_slice acc, struct qot_slice res, struct qot_req *out)
{
	char line[QOT_REQ_TEXT_MAX + 64];
	int n;

	if (acc.ptr == NULL || res.ptr == NULL)
		return -EPROTO;
	n = snprintf(line, sizeof(line), "accuracy=%.*s resolution=%.*s", (int)acc.len, acc.ptr,
		     (int)res.len, res.ptr);
	if (n < 0 || (size_t)n >= sizeof(line) || qot_reqline_parse(line, (size_t)n, out) != 0)
		return -EPROTO;
	return 0;
}

int tlstate_parse_bound(const char *s, size_t len, uint64_t *out)
{
	const char *dot = memchr(s, '.', len);
	size_t ilen = dot ? (size_t)(dot - s) : len, flen = dot ? len - ilen - 1 : 0;
	uint64_t ip, frac = 0;
	unsigned __int128 ns;

	/* unsigned: a bound may be any count of nanoseconds below 2^64 */
	if (ilen == 0 || (dot && (flen < 1 || flen > 9)) ||
	    qot_parse_u64((struct qot_slice){s, ilen}, &ip) != 0)
		return -EINVAL;
	for (size_t i = 0; i < 9; i++) {
		char c = i < flen ? dot[1 + i] : '0';
		if (c < '0' || c > '9')
			return -EINVAL;
		frac = frac * 10 + (uint64_t)(c - '0');
	}
	ns = (unsigned __int128)ip * 1000000000u + frac;
	if (ns > UINT64_MAX)
		return -ERANGE;
	*out = (uint64_t)ns;
	return 0;
}

static int parse_secs(struct qot_slice s, int64_t *out)
{
	if (s.ptr == NULL || qot_parse_seconds(s.ptr, s.len, out) != 0)
		return -EPROTO;
	return 0;
}

static int parse_bound(struct qot_slice s, uint64_t *out)
{
	if (s.ptr == NULL || tlstate_parse_bound(s.ptr, s.len, out) != 0)
		return -EPROTO;
	return 0;
}

/* "[-]D.DDD" (ppb with 3 decimals) as an integer count of 1e-3 ppb. */
static int parse_mppb(struct qot_slice s, int64_t *out)
{
	const char *dot;
	uint64_t ip, fp;
	struct qot_slice a, b;
	bool neg = s.len > 0 && s.ptr[0] == '-';

	if (neg) {
		s.ptr++;
		s.len--;
	}
	dot = memchr(s.ptr, '.', s.len);
	if (dot == NULL)
		return -EPROTO;
	a = (struct qot_slice){s.ptr, (size_t)(dot - s.ptr)};
	b = (struct qot_slice){dot + 1, s.len - a.len - 1};
	if (b.len != 3 || qot_parse_u64(a, &ip) != 0 || qot_parse_u64(b, &fp) != 0 ||
	    ip > (uint64_t)INT64_MAX / 1000 - 1)
		return -EPROTO;
	*out = (int64_t)(ip * 1000 + fp) * (neg ? -1 : 1);
	return 0;
}

static int parse_dur(struct qot_slice s, uint64_t *out)
{
	if (s.ptr == NULL || qot_dur_parse(s.ptr, s.len, out) != 0)
		return -EPROTO;
	return 0;
}

static int parse_u64(struct qot_slice s, uint64_t *out)
{
	return s.ptr != NULL && qot_parse_u64(s, out) == 0 ? 0 : -EPROTO;
}

/*
 * Where the publisher's note starts in a sync line: at the first word whose
 * key is none of keys, or one seen already (the state's words come first).
 */
static size_t note_start(const char *text, size_t len, const char *const *keys, size_t nkeys)
{
	bool seen[16] = {false};
	size_t i = 0;

	while (i < len) {
		size_t w = i, k;

		while (w < len && text[w] == ' ')
			w++;
		i = w;
		while (i < len && text[i] != ' ' && text[i] != '\n')
			i++;
		for (k = 0; k < nkeys && k < 16; k++) {
			size_t kl = strlen(keys[k]);
			if (i - w > kl && memcmp(text + w, keys[k], kl) == 0 && text[w + kl] == '=')
				break;
		}
		if (i == w || k == nkeys || seen[k])
			return w;
		seen[k] = true;
	}
	return len;
}

static int parse_sync(const char *text, size_t len, struct tlstate *st)
{
	/* asym and stat (the parts of the bound) only when the publisher stated them. */
	static const char *const keys[] = {"source",	 "status", "offset", "freq_ppb",
					   "below",	 "above",  "age",    "accuracy",
					   "resolution", "met",	   "asym",   "stat"};
	struct qot_slice v[NKEYS(keys)];
	size_t cut = note_start(text, len, keys, NKEYS(keys)), nlen = len - cut;
	int n;

	/* The rest of the line (the publisher's note, qot(7)), kept as it is. */
	while (nlen > 0 && (text[cut + nlen - 1] == '\n' || text[cut + nlen - 1] == ' '))
		nlen--;
	if (nlen >= sizeof(st->note))
		return -EPROTO;
	memcpy(st->note, text + cut, nlen);
	st->note[nlen] = '\0';
	n = qot_kv_parse(text, cut, keys, NKEYS(keys), v);

	if (n != (int)NKEYS(keys) - (v[10].ptr ? 0 : 1) - (v[11].ptr ? 0 : 1))
		return -EPROTO;
	if (copy_name(v[0], st->source) || copy_word(v[1], st->status, sizeof(st->status)) ||
	    parse_secs(v[2], &st->offset_ns) || parse_mppb(v[3], &st->freq_mppb) ||
	    parse_bound(v[4], &st->below) || parse_bound(v[5], &st->above) ||
	    parse_req(v[7], v[8], &st->req))
		return -EPROTO;
	st->has_age = !qot_slice_is(v[6], "none");
	if (st->has_age && parse_secs(v[6], &st->age_ns))
		return -EPROTO;
	if (!qot_slice_is(v[9], "yes") && !qot_slice_is(v[9], "no"))
		return -EPROTO;
	st->met = qot_slice_is(v[9], "yes");
	st->has_parts = v[10].ptr != NULL && v[11].ptr != NULL;
	st->asym = st->stat = QOT_UNBOUNDED;
	if (st->has_parts && (parse_bound(v[10], &st->asym) || parse_bound(v[11], &st->stat)))
		return -EPROTO;
	return 0;
}

/* Each line of text, without its newline, to fn. A text not ending with a
 * newline is refused: the files always end their lines. */
static int each_line(const char *text, size_t len, void *ctx,
		     int (*fn)(const char *line, size_t len, void *ctx))
{
	while (len > 0) {
		const char *nl = memchr(text, '\n', len);
		size_t n;
		int err;

		if (nl == NULL)
			return -EPROTO;
		n = (size_t)(nl - text);
		err = fn(text, n, ctx);
		if (err)
			return err;
		text += n + 1;
		len -= n + 1;
	}
	return 0;
}

static size_t count_lines(const char *text, size_t len)
{
	size_t n = 0;

	for (size_t i = 0; i < len; i++)
		n += text[i] == '\n';
	return n;
}

static int binding_line(const char *line, size_t len, void *ctx)
{
	static const char *const keys[] = {"id", "pid", "uid", "name", "accuracy", "resolution"};
	struct tlstate *st = ctx;
	struct tlstate_binding *b = &st->bindings[st->nbindings];
	struct qot_slice v[NKEYS(keys)];
	uint64_t pid;

	if (qot_kv_parse(line, len, keys, NKEYS(keys), v) != (int)NKEYS(keys))
		return -EPROTO;
	if (parse_u64(v[0], &b->id) || parse_u64(v[1], &pid) || pid > INT64_MAX ||
	    parse_u64(v[2], &b->uid) || copy_word(v[3], b->name, sizeof(b->name)) ||
	    parse_req(v[4], v[5], &b->req))
		return -EPROTO;
	b->pid = (int64_t)pid;
	st->nbindings++;
	return 0;
}

static int member_line(const char *line, size_t len, void *ctx)
{
	/* peer and rank only for members that published an endpoint, or run. */
	static const char *const keys[] = {"node",	 "leader", "accuracy",
					   "resolution", "peer",   "rank"};
	struct tlstate *st = ctx;
	struct tlstate_member *m = &st->members[st->nmembers];
	struct qot_slice v[NKEYS(keys)];
	uint64_t rank = 0;
	int n = qot_kv_parse(line, len, keys, NKEYS(keys), v);

	if (n != (int)NKEYS(keys) - (v[4].ptr ? 0 : 1) - (v[5].ptr ? 0 : 1))
		return -EPROTO;
	if (copy_word(v[0], m->node, sizeof(m->node)) ||
	    copy_word(v[1], m->leader, sizeof(m->leader)) || parse_req(v[2], v[3], &m->req) ||
	    (v[4].ptr && copy_word(v[4], m->peer, sizeof(m->peer))) ||
	    (v[5].ptr && (parse_u64(v[5], &rank) || rank >= QOT_MEMBERS_MAX)))
		return -EPROTO;
	if (v[4].ptr == NULL)
		m->peer[0] = '\0';
	m->rank = v[5].ptr ? (int64_t)rank : -1;
	st->nmembers++;
	return 0;
}

static int parse_cluster(const char *text, size_t len, struct tlstate *st)
{
	/* order (the backups) only when there are some. */
	static const char *const keys[] = {"state",   "node",	  "leader",	"leading",
					   "members", "accuracy", "resolution", "order"};
	struct qot_slice v[NKEYS(keys)];
	int n = qot_kv_parse(text, len, keys, NKEYS(keys), v);

	if (n != (int)NKEYS(keys) - (v[7].ptr ? 0 : 1))
		return -EPROTO;
	if (copy_word(v[0], st->cl_state, sizeof(st->cl_state)) || copy_name(v[1], st->cl_node) ||
	    copy_name(v[2], st->cl_leader) || parse_u64(v[4], &st->cl_members) ||
	    parse_req(v[5], v[6], &st->cl_req) ||
	    (v[7].ptr && copy_word(v[7], st->cl_order, sizeof(st->cl_order))))
		return -EPROTO;
	if (v[7].ptr == NULL)
		st->cl_order[0] = '\0';
	if (!qot_slice_is(v[3], "yes") && !qot_slice_is(v[3], "no"))
		return -EPROTO;
	st->cl_leading = qot_slice_is(v[3], "yes");
	return 0;
}

static int parse_hlcstat(const char *text, size_t len, struct tlstate *st)
{
	static const char *const keys[] = {"last",	"events",    "received",  "refused",
					   "malformed", "ahead_max", "max_offset"};
	struct qot_slice v[NKEYS(keys)];

	if (qot_kv_parse(text, len, keys, NKEYS(keys), v) != (int)NKEYS(keys))
		return -EPROTO;
	if (copy_word(v[0], st->hlc_last, sizeof(st->hlc_last)) ||
	    parse_u64(v[1], &st->hlc_events) || parse_u64(v[2], &st->hlc_received) ||
	    parse_u64(v[3], &st->hlc_refused) || parse_u64(v[4], &st->hlc_malformed) ||
	    parse_dur(v[5], &st->hlc_ahead_max) || parse_dur(v[6], &st->hlc_max_offset))
		return -EPROTO;
	return 0;
}

static int parse_ctl(const char *text, size_t len, struct tlstate *st)
{
	return qot_params_parse(text, len, &st->params, st->ctl_source) == 0 ? 0 : -EPROTO;
}

static int parse_bindings(const char *text, size_t len, struct tlstate *st)
{
	st->bindings = calloc(count_lines(text, len) + 1, sizeof(*st->bindings));
	if (st->bindings == NULL)
		return -ENOMEM;
	return each_line(text, len, st, binding_line);
}

static int parse_members(const char *text, size_t len, struct tlstate *st)
{
	st->members = calloc(count_lines(text, len) + 1, sizeof(*st->members));
	if (st->members == NULL)
		return -ENOMEM;
	return each_line(text, len, st, member_line);
}

/* The files of a timeline and what reads each. */
static const struct {
	const char *file;
	int (*parse)(const char *text, size_t len, struct tlstate *st);
} tl_files[] = {
	{"ctl", parse_ctl},	    {"sync", parse_sync},	{"bindings", parse_bindings},
	{"members", parse_members}, {"cluster", parse_cluster}, {"hlcstat", parse_hlcstat},
};

int tlstate_read(int mountfd, const char *name, struct tlstate *out)
{
	struct tlstate st;
	char *buf = NULL, path[QOT_NAME_MAX + 32];
	size_t cap = 0;
	int err = 0;

	memset(&st, 0, sizeof(st));
	if (!qot_name_valid(name, strlen(name)))
		return -ENOENT;
	snprintf(st.name, sizeof(st.name), "%s", name);
	for (size_t i = 0; i < sizeof(tl_files) / sizeof(tl_files[0]) && err == 0; i++) {
		long n;
		snprintf(path, sizeof(path), "%s/%s", name, tl_files[i].file);
		n = tlstate_read_file(mountfd, path, &buf, &cap);
		err = n < 0 ? (int)n : tl_files[i].parse(buf, (size_t)n, &st);
	}
	free(buf);
	if (err) {
		tlstate_free(&st);
		return err;
	}
	*out = st;
	return 0;
}

void tlstate_free(struct tlstate *st)
{
	free(st->bindings);
	free(st->members);
	st->bindings = NULL;
	st->members = NULL;
	st->nbindings = st->nmembers = 0;
}

int tlstate_read_coord(int mountfd, struct tlstate_coord *out)
{
	static const char *const keys[] = {"node", "state", "lease"};
	struct qot_slice v[NKEYS(keys)];
	char *buf = NULL;
	size_t cap = 0;
	long n = tlstate_read_file(mountfd, ".coordination", &buf, &cap);
	int err = 0;

	if (n < 0) {
		free(buf);
		return (int)n;
	}
	if (qot_kv_parse(buf, (size_t)n, keys, NKEYS(keys), v) != (int)NKEYS(keys) ||
	    copy_name(v[0], out->node) || copy_word(v[1], out->state, sizeof(out->state)) ||
	    parse_secs(v[2], &out->lease_ns))
		err = -EPROTO;
	free(buf);
	return err;
}

struct name_list {
	char **names;
	size_t n;
};

static int name_line(const char *line, size_t len, void *ctx)
{
	struct name_list *l = ctx;

	if (!qot_name_valid(line, len))
		return -EPROTO;
	l->names[l->n] = strndup(line, len);
	return l->names[l->n++] == NULL ? -ENOMEM : 0;
}

int tlstate_names(int mountfd, char ***out, size_t *n)
{
	char *buf = NULL;
	size_t cap = 0, lines;
	long len = tlstate_read_file(mountfd, ".timelines", &buf, &cap);
	struct name_list l;
	int err;

	if (len < 0) {
		free(buf);
		return (int)len;
	}
	lines = count_lines(buf, (size_t)len);
	l.names = calloc(lines + 1, sizeof(*l.names));
	l.n = 0;
	if (l.names == NULL) {
		free(buf);
		return -ENOMEM;
	}
	err = each_line(buf, (size_t)len, &l, name_line);
	free(buf);
	if (err) {
		tlstate_names_free(l.names);
		return err;
	}
	*out = l.names;
	*n = lines;
	return 0;
}

void tlstate_names_free(char **names)
{
	if (names == NULL)
		return;
	for (size_t i = 0; names[i] != NULL; i++)
		free(names[i]);
	free(names);
}
