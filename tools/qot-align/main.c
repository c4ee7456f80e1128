/* SPDX-License-Identifier: Apache-2.0 */
/*
 * qot-align - merge per-node logs stamped with hybrid logical clocks into
 * one log in causal order, and estimate each node's clock offset from a
 * driver node with its uncertainty. See qot-align(1).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "align.h"
#include "cmdline.h"
#include "logread.h"
#include "qot.h"
#include "timefmt.h"

static const char *prog = "qot-align";

static void die_nomem(void)
{
	fprintf(stderr, "%s: out of memory\n", prog);
	exit(1);
}

static void usage(FILE *f, const struct qot_cmdline *cl, const char *argv0)
{
	fprintf(f,
		"Usage: %s [OPTIONS] LOG...\n"
		"Merge per-node JSON-lines logs stamped with hybrid logical clocks into one log\n"
		"in causal (HLC) order, each line with its time on the driver's clock added, and\n"
		"report each node's clock offset from the driver with its uncertainty.\n"
		"\n"
		"  -o, --output=FILE    the merged log (default: standard output)\n"
		"  -r, --offsets=FILE   the offsets report (default: standard error)\n"
		"  -d, --driver=NODE    the node whose clock the others are aligned to\n"
		"                       (default: the node whose HLC is least often ahead of its\n"
		"                       physical time, i.e. the one that drives the others)\n"
		"      --pairs=KIND     which causal pairs to use: all (default), msg (send/recv\n"
		"                       ids only), hlc (HLC inheritance only)\n",
		argv0);
	qot_cmdline_help(f, cl, 23);
	fprintf(f, "\nSee qot-align(1).\n");
}

static int map_file(struct log *lg)
{
	struct stat st;
	int fd = open(lg->path, O_RDONLY | O_CLOEXEC);

	if (fd < 0 || fstat(fd, &st) < 0) {
		fprintf(stderr, "%s: %s: %s\n", prog, lg->path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		fprintf(stderr, "%s: %s: not a regular file\n", prog, lg->path);
		close(fd);
		return -1;
	}
	lg->data = "";
	if (st.st_size > 0) {
		void *m = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
		if (m == MAP_FAILED) {
			fprintf(stderr, "%s: %s: %s\n", prog, lg->path, strerror(errno));
			close(fd);
			return -1;
		}
		lg->size = (size_t)st.st_size;
		madvise(m, lg->size, MADV_SEQUENTIAL);
		lg->data = m;
	}
	close(fd);
	return 0;
}

/* Open addressing on the message id; the table holds indices into sends + 1. */
struct idtab {
	uint32_t *slot;
	size_t mask;
};

static uint64_t hash_id(const char *s, size_t len)
{
	uint64_t h = 1469598103934665603ull;

	for (size_t i = 0; i < len; i++)
		h = (h ^ (unsigned char)s[i]) * 1099511628211ull;
	return h ^ (h >> 29);
}

static size_t idtab_find(const struct idtab *t, const struct msgs *sends, const char *id,
			 size_t len)
{
	for (size_t i = hash_id(id, len) & t->mask;; i = (i + 1) & t->mask) {
		uint32_t s = t->slot[i];
		if (s == 0)
			return i;
		const struct msg *m = &sends->v[s - 1];
		if (m->idlen == len && memcmp(m->id, id, len) == 0)
			return i;
	}
}

static bool has_source(const struct log *lg, int64_t pt)
{
	size_t lo = 0, hi = lg->nsources;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (lg->sources[mid] < pt)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < lg->nsources && lg->sources[lo] == pt;
}

struct counts {
	size_t msg_pairs, hlc_pairs, unmatched, self, ambiguous;
};

static int pair_messages(struct log *logs, const struct msgs *sends, const struct msgs *recvs,
			 struct align *al, bool use, struct counts *k)
{
	struct idtab t;
	size_t cap = 16;

	while (cap < sends->n * 2)
		cap *= 2;
	t.mask = cap - 1;
	t.slot = calloc(cap, sizeof(*t.slot));
	if (t.slot == NULL)
		die_nomem();
	for (size_t i = 0; i < sends->n; i++) {
		const struct msg *m = &sends->v[i];
		size_t at = idtab_find(&t, sends, m->id, m->idlen);
		if (t.slot[at]) {
			const struct msg *o = &sends->v[t.slot[at] - 1];
			fprintf(stderr, "%s:%u: message \"%.*s\" already sent at %s:%u\n",
				logs[m->log].path, m->line, (int)m->idlen, m->id, logs[o->log].path,
				o->line);
			free(t.slot);
			return -1;
		}
		t.slot[at] = (uint32_t)(i + 1);
	}
	for (size_t i = 0; i < recvs->n; i++) {
		const struct msg *r = &recvs->v[i];
		uint32_t s = t.slot[idtab_find(&t, sends, r->id, r->idlen)];
		if (s == 0) {
			k->unmatched++;
			continue;
		}
		const struct msg *m = &sends->v[s - 1];
		if (qot_hlc_compare(&m->hlc, &r->hlc) >= 0) {
			fprintf(stderr,
				"%s:%u: receive of \"%.*s\" is not after its send (%s:%u) in HLC "
				"order\n",
				logs[r->log].path, r->line, (int)r->idlen, r->id, logs[m->log].path,
				m->line);
			free(t.slot);
			return -1;
		}
		if (m->log == r->log) {
			k->self++;
			continue;
		}
		if (use) {
			align_pair(al, m->log, m->pt, r->log, r->pt);
			k->msg_pairs++;
		}
	}
	free(t.slot);
	return 0;
}

/*
 * An event whose l is ahead of its own physical time inherited l from its
 * causal past: from an event, on some node, whose physical time was l. When
 * exactly one other node has an event with pt == l == its own l, that event
 * happened before this one.
 */
static void pair_inherited(struct log *logs, size_t n, struct align *al, struct counts *k)
{
	for (size_t b = 0; b < n; b++) {
		for (size_t i = 0; i < logs[b].nev; i++) {
			const struct event *e = &logs[b].ev[i];
			size_t src = n, found = 0;
			if (e->l <= e->pt)
				continue;
			for (size_t x = 0; x < n; x++) {
				if (x != b && has_source(&logs[x], e->l))
					src = x, found++;
			}
			if (found == 1) {
				align_pair(al, src, e->l, b, e->pt);
				k->hlc_pairs++;
			} else if (found > 1) {
				k->ambiguous++;
			}
		}
	}
}

static void index_sources(struct log *lg)
{
	lg->sources = malloc((lg->nev ? lg->nev : 1) * sizeof(*lg->sources));
	if (lg->sources == NULL)
		die_nomem();
	for (size_t i = 0; i < lg->nev; i++) {
		const struct event *e = &lg->ev[i];
		if (e->l == e->pt)
			lg->sources[lg->nsources++] = e->pt;
		else if (e->l > e->pt)
			lg->dragged++;
	}
}

static void fmt_bound(int64_t v, char *buf, size_t size)
{
	if (v == ALIGN_NONE)
		snprintf(buf, size, "none");
	else
		qot_fmt_seconds(v, buf, size);
}

/* A one-sided width of the interval: none if unbounded, 0 if the bounds cross. */
static void fmt_width(bool unbounded, __int128 w, char *buf, size_t size)
{
	if (unbounded)
		snprintf(buf, size, "none");
	else
		qot_fmt_useconds(w < 0 ? 0 : w > INT64_MAX ? INT64_MAX : (uint64_t)w, buf, size);
}

static void report(FILE *f, const struct log *logs, size_t n, size_t driver,
		   const struct align_offset *off)
{
	for (size_t i = 0; i < n; i++) {
		const struct align_offset *o = &off[i];
		char offset[40], lo[40], hi[40], below[40], above[40];

		qot_fmt_seconds(o->offset, offset, sizeof(offset));
		fmt_bound(o->lo, lo, sizeof(lo));
		fmt_bound(o->hi, hi, sizeof(hi));
		fmt_width(o->lo == ALIGN_NONE, (__int128)o->offset - o->lo, below, sizeof(below));
		fmt_width(o->hi == ALIGN_NONE, (__int128)o->hi - o->offset, above, sizeof(above));
		fprintf(f,
			"node=%s offset=%s below=%s above=%s lo=%s hi=%s pairs=%llu events=%zu "
			"driver=%s%s\n",
			logs[i].node, offset, below, above, lo, hi, (unsigned long long)o->pairs,
			logs[i].nev, i == driver ? "yes" : "no",
			o->conflict ? " conflict=yes" : "");
	}
}

/* The merged log: a k-way merge on (l, c, log), each log being in HLC order. */
static int merge(FILE *out, const struct log *logs, size_t n, const struct align_offset *off)
{
	size_t *pos = calloc(n, sizeof(*pos));
	char head[64 + NODE_NAME_MAX];

	if (pos == NULL)
		die_nomem();
	for (;;) {
		size_t best = n;
		for (size_t i = 0; i < n; i++) {
			if (pos[i] >= logs[i].nev)
				continue;
			const struct event *e = &logs[i].ev[pos[i]];
			if (best == n)
				best = i;
			else {
				const struct event *b = &logs[best].ev[pos[best]];
				if (e->l < b->l || (e->l == b->l && e->c < b->c))
					best = i;
			}
		}
		if (best == n)
			break;
		const struct log *lg = &logs[best];
		const struct event *e = &lg->ev[pos[best]++];
		const char *line = lg->data + e->off;
		const char *brace = memchr(line, '{', e->len);
		__int128 a = (__int128)e->pt + off[best].offset;
		long long aligned = a > INT64_MAX   ? INT64_MAX
				    : a < INT64_MIN ? INT64_MIN
						    : (long long)a;
		int hl;

		if (e->has_node)
			hl = snprintf(head, sizeof(head), "{\"aligned\":%lld,", aligned);
		else
			hl = snprintf(head, sizeof(head), "{\"aligned\":%lld,\"node\":\"%s\",",
				      aligned, lg->node);
		fwrite_unlocked(head, 1, (size_t)hl, out);
		size_t rest = e->len - (size_t)(brace + 1 - line);
		fwrite_unlocked(brace + 1, 1, rest, out);
		fputc_unlocked('\n', out);
	}
	free(pos);
	return ferror(out) ? -1 : 0;
}

enum { PAIRS_ALL, PAIRS_MSG, PAIRS_HLC };

/* The command line's choices. */
struct args {
	const char *out_path, *off_path, *driver_name;
	int pairs;
};

static int own_option(void *ctx, int c, const char *arg)
{
	struct args *a = ctx;

	switch (c) {
	case 'o':
		a->out_path = arg;
		break;
	case 'r':
		a->off_path = arg;
		break;
	case 'd':
		a->driver_name = arg;
		break;
	default: /* --pairs */
		if (strcmp(arg, "all") == 0)
			a->pairs = PAIRS_ALL;
		else if (strcmp(arg, "msg") == 0)
			a->pairs = PAIRS_MSG;
		else if (strcmp(arg, "hlc") == 0)
			a->pairs = PAIRS_HLC;
		else {
			fprintf(stderr, "%s: --pairs: expected all, msg or hlc, got '%s'\n", prog,
				arg);
			return -1;
		}
		break;
	}
	return 0;
}

/* Everything held until exit, so that every exit path can free it. */
static struct {
	struct log *logs;
	size_t nlogs;
	struct msgs sends, recvs;
	struct align al;
	struct align_offset *off;
} g;

static void free_all(void)
{
	for (size_t i = 0; i < g.nlogs; i++) {
		struct log *lg = &g.logs[i];
		if (lg->size > 0 && lg->data != NULL)
			munmap((void *)lg->data, lg->size);
		free(lg->ev);
		free(lg->sources);
	}
	free(g.logs);
	free(g.sends.v);
	free(g.recvs.v);
	free(g.off);
	align_free(&g.al);
	memset(&g, 0, sizeof(g));
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"output", required_argument, NULL, 'o'},
		{"offsets", required_argument, NULL, 'r'},
		{"driver", required_argument, NULL, 'd'},
		{"pairs", required_argument, NULL, 'p'},
		{NULL, 0, NULL, 0},
	};
	struct args a = {NULL, NULL, NULL, PAIRS_ALL};
	struct qot_cmdline cl = {
		.prog = prog,
		.flags = QOT_CMDLINE_OPERANDS,
		.shortopts = "o:r:d:",
		.longopts = opts,
		.usage = usage,
		.option = own_option,
		.ctx = &a,
	};
	const char *out_path, *off_path, *driver_name;
	int pairs, res;
	struct counts k = {0};
	struct log *logs;
	struct align_offset *off;
	size_t n, driver;
	FILE *out = stdout, *rep = stderr;
	static char outbuf[1 << 20];

	res = qot_cmdline_parse(&cl, argc, argv);
	if (res != QOT_CMDLINE_RUN)
		return res;
	out_path = a.out_path;
	off_path = a.off_path;
	driver_name = a.driver_name;
	pairs = a.pairs;
	n = (size_t)(argc - cl.operands);
	if (n == 0)
		return qot_cmdline_usage_error(&cl, argv[0], "no logs given");
	if (n > UINT32_MAX / 2)
		n = UINT32_MAX / 2;
	atexit(free_all);
	logs = g.logs = calloc(n, sizeof(*logs));
	off = g.off = calloc(n, sizeof(*off));
	if (logs == NULL || off == NULL)
		die_nomem();
	g.nlogs = n;
	for (size_t i = 0; i < n; i++) {
		logs[i].path = argv[cl.operands + (int)i];
		if (map_file(&logs[i]) < 0 ||
		    log_read(&logs[i], (uint32_t)i, &g.sends, &g.recvs, stderr) < 0)
			return 1;
		for (size_t j = 0; j < i; j++) {
			if (strcmp(logs[i].node, logs[j].node) == 0) {
				fprintf(stderr, "%s: %s and %s are both node \"%s\"\n", prog,
					logs[j].path, logs[i].path, logs[i].node);
				return 1;
			}
		}
		index_sources(&logs[i]);
	}
	if (align_init(&g.al, n) < 0)
		die_nomem();
	if (pair_messages(logs, &g.sends, &g.recvs, &g.al, pairs != PAIRS_HLC, &k) < 0)
		return 1;
	if (pairs != PAIRS_MSG)
		pair_inherited(logs, n, &g.al, &k);

	driver = n;
	for (size_t i = 0; i < n; i++) {
		if (driver_name) {
			if (strcmp(logs[i].node, driver_name) == 0)
				driver = i;
		} else if (driver == n ||
			   (double)logs[i].dragged / (double)(logs[i].nev ? logs[i].nev : 1) <
				   (double)logs[driver].dragged /
					   (double)(logs[driver].nev ? logs[driver].nev : 1)) {
			driver = i;
		}
	}
	if (driver == n) {
		fprintf(stderr, "%s: --driver: no log is node \"%s\"\n", prog, driver_name);
		return 2;
	}
	if (align_solve(&g.al, driver, off) < 0)
		die_nomem();

	if (out_path && (out = fopen(out_path, "we")) == NULL) {
		fprintf(stderr, "%s: %s: %s\n", prog, out_path, strerror(errno));
		return 1;
	}
	setvbuf(out, outbuf, _IOFBF, sizeof(outbuf));
	if (off_path && (rep = fopen(off_path, "we")) == NULL) {
		fprintf(stderr, "%s: %s: %s\n", prog, off_path, strerror(errno));
		return 1;
	}
	report(rep, logs, n, driver, off);
	for (size_t i = 0; i < n; i++) {
		if (i == driver)
			continue;
		if (off[i].conflict)
			fprintf(stderr,
				"%s: warning: node \"%s\": causal pairs admit no constant offset "
				"(clock drift during the logs?)\n",
				prog, logs[i].node);
		else if (off[i].lo == ALIGN_NONE && off[i].hi == ALIGN_NONE)
			fprintf(stderr,
				"%s: warning: node \"%s\": no causal pair links it to the driver; "
				"left unaligned\n",
				prog, logs[i].node);
	}
	if (k.unmatched)
		fprintf(stderr, "%s: note: %zu receives of messages sent outside these logs\n",
			prog, k.unmatched);
	if (merge(out, logs, n, off) < 0 || fflush(out) != 0 ||
	    (out != stdout && fclose(out) != 0)) {
		fprintf(stderr, "%s: %s: write error\n", prog, out_path ? out_path : "stdout");
		return 1;
	}
	if (rep != stderr && fclose(rep) != 0) {
		fprintf(stderr, "%s: %s: write error\n", prog, off_path);
		return 1;
	}
	return 0;
}
