/* SPDX-License-Identifier: Apache-2.0 */
/* watch.c - print timeline changes as they happen, sleeping in poll(2). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "jsonw.h"
#include "readall.h"
#include "textfmt.h"
#include "tlstate.h"
#include "watch.h"

/* The files of a timeline whose content changes announce themselves. */
static const char *const polled[] = {"ctl", "requirements", "members", "cluster"};
#define NPOLLED (sizeof(polled) / sizeof(polled[0]))

struct wtl {
	char *name;
	int fd[NPOLLED];
	struct tlstate st;
	bool gone;
};

struct watch {
	const struct watch_opts *o;
	struct wtl *tls;
	size_t n, cap;
	int timelines_fd, coord_fd;
	struct tlstate_coord coord;
	int64_t lease_end; /* when the coordinator's lease runs out, as last read */
	char *buf;
	size_t bufcap;
};

static void event(struct watch *w, const char *tl, const char *what, const char *from,
		  const char *to)
{
	int64_t now = textfmt_now();
	FILE *f = w->o->out;

	if (w->o->json) {
		jsonw *j = jsonw_new(f);
		if (j == NULL)
			return;
		jsonw_obj_begin(j, NULL);
		jsonw_i64(j, "time_ns", now);
		jsonw_str(j, "timeline", tl);
		jsonw_str(j, "event", what);
		if (from != NULL)
			jsonw_str(j, "from", from);
		else
			jsonw_null(j, "from");
		jsonw_str(j, "to", to);
		jsonw_obj_end(j);
		jsonw_free(j);
	} else {
		char ts[TEXTFMT_MAX];
		fprintf(f, "%s %s %s %s%s%s\n", textfmt_utc(now, ts), tl, what, from ? from : "",
			from ? " -> " : "", to);
	}
	fflush(f);
}

static void req_text(const struct qot_req *r, char *buf, size_t size)
{
	qot_req_format(r, buf, size);
}

static const char *leader_text(const struct tlstate *st)
{
	return st->cl_leader[0] ? st->cl_leader : "none";
}

/* What changed between two states of one timeline. */
static void compare(struct watch *w, const struct tlstate *a, const struct tlstate *b)
{
	char x[QOT_REQ_TEXT_MAX], y[QOT_REQ_TEXT_MAX];

	if (strcmp(a->status, b->status) != 0)
		event(w, b->name, "status", a->status, b->status);
	if (strcmp(a->source, b->source) != 0)
		event(w, b->name, "source", a->source[0] ? a->source : "none",
		      b->source[0] ? b->source : "none");
	req_text(&a->req, x, sizeof(x));
	req_text(&b->req, y, sizeof(y));
	if (strcmp(x, y) != 0)
		event(w, b->name, "requirement", x, y);
	if (a->met != b->met)
		event(w, b->name, "met", a->met ? "yes" : "no", b->met ? "yes" : "no");
	if (strcmp(a->cl_leader, b->cl_leader) != 0)
		event(w, b->name, "leader", leader_text(a), leader_text(b));
	if (a->cl_leading != b->cl_leading)
		event(w, b->name, "leading", a->cl_leading ? "yes" : "no",
		      b->cl_leading ? "yes" : "no");
	if (a->cl_members != b->cl_members) {
		snprintf(x, sizeof(x), "%llu", (unsigned long long)a->cl_members);
		snprintf(y, sizeof(y), "%llu", (unsigned long long)b->cl_members);
		event(w, b->name, "members", x, y);
	}
}

/* The first line of a timeline: where it stands. */
static void initial(struct watch *w, const char *what, const struct tlstate *st)
{
	char line[QOT_REQ_TEXT_MAX + 3 * QOT_NAME_MAX + 64], r[QOT_REQ_TEXT_MAX];

	req_text(&st->req, r, sizeof(r));
	snprintf(line, sizeof(line), "status=%s source=%s %s met=%s leader=%s", st->status,
		 st->source[0] ? st->source : "none", r, st->met ? "yes" : "no", leader_text(st));
	event(w, st->name, what, NULL, line);
}

static void close_tl(struct wtl *t)
{
	for (size_t k = 0; k < NPOLLED; k++) {
		if (t->fd[k] >= 0)
			close(t->fd[k]);
		t->fd[k] = -1;
	}
	tlstate_free(&t->st);
	t->gone = true;
}

/* Open the polled files and read the state. */
static int open_tl(struct watch *w, struct wtl *t)
{
	char path[QOT_NAME_MAX + 32];
	int err;

	for (size_t k = 0; k < NPOLLED; k++)
		t->fd[k] = -1;
	for (size_t k = 0; k < NPOLLED; k++) {
		snprintf(path, sizeof(path), "%s/%s", t->name, polled[k]);
		t->fd[k] = openat(w->o->mountfd, path, O_RDONLY | O_CLOEXEC);
		if (t->fd[k] < 0) {
			err = -errno;
			close_tl(t);
			return err;
		}
		/* take the first snapshot, so that poll waits for the next change */
		err = (int)qot_pread_all(t->fd[k], &w->buf, &w->bufcap);
		if (err < 0) {
			close_tl(t);
			return err;
		}
	}
	err = tlstate_read(w->o->mountfd, t->name, &t->st);
	if (err) {
		close_tl(t);
		return err;
	}
	t->gone = false;
	return 0;
}

static struct wtl *find(struct watch *w, const char *name)
{
	for (size_t i = 0; i < w->n; i++)
		if (strcmp(w->tls[i].name, name) == 0)
			return &w->tls[i];
	return NULL;
}

static struct wtl *add(struct watch *w, const char *name)
{
	struct wtl *t;

	if (w->n == w->cap) {
		size_t ncap = w->cap ? w->cap * 2 : 8;
		struct wtl *n = realloc(w->tls, ncap * sizeof(*n));
		if (n == NULL)
			return NULL;
		w->tls = n;
		w->cap = ncap;
	}
	t = &w->tls[w->n];
	memset(t, 0, sizeof(*t));
	t->name = strdup(name);
	if (t->name == NULL)
		return NULL;
	t->gone = true;
	for (size_t k = 0; k < NPOLLED; k++)
		t->fd[k] = -1;
	w->n++;
	return t;
}

/* Read the timeline again and report what changed; removal if it is gone. */
static void refresh(struct watch *w, struct wtl *t)
{
	struct tlstate st;
	int err;

	if (t->gone)
		return;
	err = tlstate_read(w->o->mountfd, t->name, &st);
	if (err == -ENOENT) {
		event(w, t->name, "removed", NULL, "removed");
		close_tl(t);
		return;
	}
	if (err)
		return; /* a moment of trouble: the next wake-up reads again */
	compare(w, &t->st, &st);
	tlstate_free(&t->st);
	t->st = st;
}

/* The timeline our files belong to was removed (POLLHUP): say so, and
 * follow a new timeline of the same name if there is one already. */
static void reopen(struct watch *w, struct wtl *t)
{
	if (t->gone)
		return;
	event(w, t->name, "removed", NULL, "removed");
	close_tl(t);
	if (open_tl(w, t) == 0)
		initial(w, "added", &t->st);
}

/* New timelines (when watching all) and removed ones, from .timelines. */
static void follow_list(struct watch *w)
{
	char **names;
	size_t n;

	if (tlstate_names(w->o->mountfd, &names, &n) != 0)
		return;
	for (size_t i = 0; i < w->n; i++) {
		bool present = false;
		for (size_t k = 0; k < n && !present; k++)
			present = strcmp(names[k], w->tls[i].name) == 0;
		if (!present && !w->tls[i].gone) {
			event(w, w->tls[i].name, "removed", NULL, "removed");
			close_tl(&w->tls[i]);
		} else if (present && w->tls[i].gone && open_tl(w, &w->tls[i]) == 0) {
			initial(w, "added", &w->tls[i].st); /* a watched name back again */
		}
	}
	if (w->o->names == NULL || w->o->names[0] == NULL) {
		for (size_t k = 0; k < n; k++) {
			struct wtl *t = find(w, names[k]);
			if (t == NULL)
				t = add(w, names[k]);
			if (t != NULL && t->gone && open_tl(w, t) == 0)
				initial(w, "added", &t->st);
		}
	}
	tlstate_names_free(names);
}

/* The first instant after now at which a bound passes limit, growing by
 * drift per ns away from anchor; INT64_MAX if never. */
static int64_t outgrows(int64_t anchor, uint64_t offset, uint64_t drift, uint64_t limit,
			int64_t now)
{
	unsigned __int128 dt;
	__int128 t;

	if (limit == QOT_UNBOUNDED || offset > limit || drift == 0)
		return INT64_MAX;
	/* offset + ceil(drift * dt / 2^64) > limit  <=>  drift * dt > (limit - offset) * 2^64 */
	dt = ((unsigned __int128)(limit - offset) << 64) / drift + 1;
	t = (__int128)anchor + (__int128)dt;
	if (t <= now) /* before now on this side: the bound shrinks towards anchor */
		return INT64_MAX;
	return t > INT64_MAX ? INT64_MAX : (int64_t)t;
}

/* When something no file announces may change: stale_after, a bound
 * outgrowing the requirement, the lease running out. */
static int64_t next_deadline(const struct watch *w, int64_t now)
{
	int64_t d = INT64_MAX;

	for (size_t i = 0; i < w->n; i++) {
		const struct tlstate *st = &w->tls[i].st;
		const struct qot_clock_params *p = &st->params;
		int64_t x;
		if (w->tls[i].gone)
			continue;
		if (p->stale_after != QOT_NEVER && p->stale_after >= now && p->stale_after < d)
			d = p->stale_after + 1;
		x = outgrows(p->anchor, p->offset_below, p->drift_below, st->req.acc_below, now);
		if (x < d)
			d = x;
		x = outgrows(p->anchor, p->offset_above, p->drift_above, st->req.acc_above, now);
		if (x < d)
			d = x;
	}
	if (strcmp(w->coord.state, "current") == 0 && w->lease_end > now && w->lease_end < d)
		d = w->lease_end;
	return d;
}

/* The coordinator's lease, and the instant it runs out (a little after, so
 * that qotfs says stale by then). */
static void read_coord(struct watch *w)
{
	if (tlstate_read_coord(w->o->mountfd, &w->coord) != 0) {
		memset(&w->coord, 0, sizeof(w->coord));
		strcpy(w->coord.state, "none");
	}
	w->lease_end = textfmt_now() + w->coord.lease_ns + 1000000;
}

static int setup(struct watch *w)
{
	const struct watch_opts *o = w->o;
	struct rlimit rl;
	int err;

	/* four descriptors per timeline: allow as many as the hard limit does */
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	w->timelines_fd = openat(o->mountfd, ".timelines", O_RDONLY | O_CLOEXEC);
	w->coord_fd = openat(o->mountfd, ".coordination", O_RDONLY | O_CLOEXEC);
	if (w->timelines_fd < 0 || w->coord_fd < 0)
		return -errno;
	if (qot_pread_all(w->timelines_fd, &w->buf, &w->bufcap) < 0 ||
	    qot_pread_all(w->coord_fd, &w->buf, &w->bufcap) < 0)
		return -EIO;
	read_coord(w);
	if (o->names != NULL && o->names[0] != NULL) {
		for (size_t i = 0; o->names[i] != NULL; i++) {
			struct wtl *t = find(w, o->names[i]);
			if (t != NULL)
				continue;
			t = add(w, o->names[i]);
			if (t == NULL)
				return -ENOMEM;
			err = open_tl(w, t);
			if (err)
				return err;
		}
	} else {
		char **names;
		size_t n;
		err = tlstate_names(o->mountfd, &names, &n);
		if (err)
			return err;
		for (size_t k = 0; k < n; k++) {
			struct wtl *t = add(w, names[k]);
			if (t == NULL || open_tl(w, t) != 0)
				continue; /* removed meanwhile */
		}
		tlstate_names_free(names);
	}
	for (size_t i = 0; i < w->n; i++)
		if (!w->tls[i].gone)
			initial(w, "initial", &w->tls[i].st);
	return 0;
}

static void teardown(struct watch *w)
{
	for (size_t i = 0; i < w->n; i++) {
		close_tl(&w->tls[i]);
		free(w->tls[i].name);
	}
	free(w->tls);
	free(w->buf);
	if (w->timelines_fd >= 0)
		close(w->timelines_fd);
	if (w->coord_fd >= 0)
		close(w->coord_fd);
}

int watch_run(const struct watch_opts *o)
{
	struct watch w = {.o = o, .timelines_fd = -1, .coord_fd = -1};
	int64_t start = textfmt_now(), end = o->for_ns > 0 ? start + o->for_ns : INT64_MAX;
	struct pollfd *pfds = NULL;
	int err = setup(&w);

	while (err == 0) {
		size_t np = 2, k = 0;
		int64_t now = textfmt_now(), deadline = next_deadline(&w, now);
		int timeout, r;
		bool timed;

		if (now >= end)
			break;
		if (end < deadline)
			deadline = end;
		free(pfds);
		pfds = calloc(2 + w.n * NPOLLED, sizeof(*pfds));
		if (pfds == NULL) {
			err = -ENOMEM;
			break;
		}
		pfds[k++] = (struct pollfd){.fd = w.timelines_fd, .events = POLLIN | POLLPRI};
		pfds[k++] = (struct pollfd){.fd = w.coord_fd, .events = POLLIN | POLLPRI};
		for (size_t i = 0; i < w.n; i++)
			for (size_t j = 0; j < NPOLLED; j++)
				pfds[k++] = (struct pollfd){.fd = w.tls[i].fd[j],
							    .events = POLLIN | POLLPRI};
		np = k;
		if (deadline == INT64_MAX)
			timeout = -1;
		else if ((deadline - now) / 1000000 + 1 > INT_MAX)
			timeout = INT_MAX;
		else
			timeout = (int)((deadline - now) / 1000000 + 1); /* rounded up */
		r = poll(pfds, np, timeout);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			err = -errno;
			break;
		}
		if (pfds[0].revents & POLLERR || pfds[1].revents & POLLERR) {
			err = -ENOTCONN; /* qotfs has stopped */
			break;
		}
		now = textfmt_now();
		timed = r == 0 || now >= deadline;
		if (pfds[1].revents)
			qot_pread_all(w.coord_fd, &w.buf, &w.bufcap);
		if (pfds[1].revents || timed)
			read_coord(&w);
		k = 2;
		for (size_t i = 0; i < w.n; i++) {
			bool changed = timed || pfds[1].revents;
			bool hup = false;
			for (size_t j = 0; j < NPOLLED; j++, k++) {
				if (pfds[k].revents == 0 || w.tls[i].fd[j] < 0)
					continue;
				changed = true;
				hup |= (pfds[k].revents & (POLLHUP | POLLNVAL)) != 0;
				/* a fresh snapshot, so poll waits for the next change */
				qot_pread_all(w.tls[i].fd[j], &w.buf, &w.bufcap);
			}
			if (hup)
				reopen(&w, &w.tls[i]);
			else if (changed)
				refresh(&w, &w.tls[i]);
		}
		if (pfds[0].revents) {
			qot_pread_all(w.timelines_fd, &w.buf, &w.bufcap);
			follow_list(&w);
		}
	}
	free(pfds);
	teardown(&w);
	return err;
}
