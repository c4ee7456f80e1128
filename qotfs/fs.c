/* SPDX-License-Identifier: Apache-2.0 */
/* fs.c - FUSE low-level operations: check, dispatch, reply. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "access.h"
#include "fs.h"
#include "hlcfile.h"
#include "log.h"
#include "members.h"
#include "nodes.h"
#include "params.h"
#include "pusher.h"
#include "quota.h"
#include "reason.h"
#include "refusal.h"
#include "reqline.h"
#include "service.h"
#include "snapshot.h"
#include "textbuf.h"
#include "timer.h"
#include "views.h"
#include "watchers.h"

/* Nothing in the tree changes behind the kernel's back, so entries keep long. */
#define ENTRY_TIMEOUT 3600.0
/* The root's link count follows the number of timelines. */
#define ROOT_ATTR_TIMEOUT 1.0

struct qfile {
	enum node_kind kind;
	struct timeline *tl; /* referenced; NULL for root-level files */
	struct caller opener;
	uid_t charge;	       /* whom its holdings are charged to (open_charge) */
	bool writable;	       /* opened for writing */
	struct snapshot *snap; /* the text reads are served from, until EOF */
	off_t snap_base;       /* file offset where the snapshot starts */
	size_t charged;	       /* snapshot bytes charged to the opener's uid */
	struct watch watch;
	struct watchlist *wl;	 /* what a poller waits on, NULL if not watched */
	struct binding *binding; /* "bind": this open file's binding, if written */
	struct timer *timer;	 /* "timer": its state, shared with the waker thread */
	struct list_node link;	 /* in the open files */
};

struct fs {
	struct service *svc;
	struct registry *reg; /* the model: read freely, changed through its functions */
	struct quota *quota;
	struct pusher *pusher;
	struct waker *waker;
	struct watchers *watchers;
	struct timespec mounted;
	gid_t gid;
	struct list open_files; /* every open file, so teardown can release them */
	struct textbuf scratch; /* where views render before becoming snapshots */
	struct refusal_log refusals;
};

/* A resolved inode: what it is and, for timeline nodes, which timeline. */
struct node {
	enum node_kind kind;
	struct timeline *tl;
	fuse_ino_t ino;
};

static struct fs *req_fs(fuse_req_t req)
{
	return fuse_req_userdata(req);
}

static struct caller req_caller(fuse_req_t req)
{
	const struct fuse_ctx *ctx = fuse_req_ctx(req);
	return (struct caller){ctx->uid, ctx->gid, ctx->pid};
}

static int is_file_kind(enum node_kind kind)
{
	return kind != NODE_ROOT && kind != NODE_DIR;
}

static int resolve(struct fs *fs, fuse_ino_t ino, struct node *out)
{
	uint64_t id;
	int err;

	out->kind = NODE_ROOT;
	err = node_split(ino, &id, &out->kind);
	if (err)
		return err;
	out->ino = ino;
	out->tl = NULL;
	if (id != 0) {
		out->tl = registry_find_id(fs->reg, id);
		if (out->tl == NULL)
			return -ENOENT;
	}
	return 0;
}

static void fill_attr(struct fs *fs, const struct node *n, struct stat *st)
{
	struct timespec t = n->tl ? timeline_created(n->tl) : fs->mounted;
	int tl_owned = n->tl && (n->kind == NODE_DIR || n->kind == NODE_REQUIREMENTS);

	memset(st, 0, sizeof(*st));
	st->st_ino = n->ino;
	st->st_mode = access_mode(n->kind);
	st->st_nlink = n->kind == NODE_ROOT  ? 2 + registry_count(fs->reg)
		       : n->kind == NODE_DIR ? 2
					     : 1;
	st->st_uid = access_owner(n->kind, n->tl);
	st->st_gid = tl_owned ? timeline_group(n->tl) : access_group(fs->gid);
	st->st_size = n->kind == NODE_CLOCK ? QOT_CLOCK_PAGE_SIZE : 0;
	st->st_blksize = QOT_CLOCK_PAGE_SIZE;
	/* Constant times: a changing mtime would make the kernel drop the clock page. */
	st->st_atim = st->st_mtim = st->st_ctim = t;
}

static void reply_entry(fuse_req_t req, struct fs *fs, const struct node *n)
{
	struct fuse_entry_param e;

	memset(&e, 0, sizeof(e));
	e.ino = n->ino;
	e.attr_timeout = ENTRY_TIMEOUT;
	e.entry_timeout = ENTRY_TIMEOUT;
	fill_attr(fs, n, &e.attr);
	fuse_reply_entry(req, &e);
}

static void op_init(void *userdata, struct fuse_conn_info *conn)
{
	(void)userdata;
	/* O_TRUNC arrives with OPEN instead of a separate SETATTR. */
	if (conn->capable & FUSE_CAP_ATOMIC_O_TRUNC)
		conn->want |= FUSE_CAP_ATOMIC_O_TRUNC;
	/* The clock page must stay cached however attributes look. */
	conn->want &= ~FUSE_CAP_AUTO_INVAL_DATA;
	conn->want &= ~FUSE_CAP_READDIRPLUS;
	/* No write takes more than a members text. A larger one is refused
	 * whole (EMSGSIZE) with its first request, which the kernel fills up to
	 * max_write: keep that small (libfuse's default is 1 MiB), but twice the
	 * text, so that a buffer's page offset never splits an acceptable write. */
	conn->max_write = 2 * QOT_MEMBERS_TEXT_MAX;
}

static void op_lookup(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	struct fs *fs = req_fs(req);
	struct node p, n;
	int err = resolve(fs, parent, &p);

	if (err) {
		fuse_reply_err(req, -err);
		return;
	}
	if (p.kind == NODE_ROOT) {
		const struct node_file *f = node_root_file_by_name(name);
		if (f != NULL) {
			n = (struct node){f->kind, NULL, node_root_ino(f->kind)};
		} else {
			n.tl = registry_find_name(fs->reg, name, strlen(name));
			if (n.tl == NULL) {
				fuse_reply_err(req, ENOENT);
				return;
			}
			n.kind = NODE_DIR;
			n.ino = node_ino(timeline_id(n.tl), NODE_DIR);
		}
	} else if (p.kind == NODE_DIR) {
		const struct node_file *f = node_file_by_name(name);
		if (f == NULL || timeline_removed(p.tl)) {
			fuse_reply_err(req, ENOENT);
			return;
		}
		n = (struct node){f->kind, p.tl, node_ino(timeline_id(p.tl), f->kind)};
	} else {
		fuse_reply_err(req, ENOTDIR);
		return;
	}
	reply_entry(req, fs, &n);
}

static void op_getattr(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct fs *fs = req_fs(req);
	struct stat st;
	struct node n;
	int err = resolve(fs, ino, &n);

	/* fstat() of a file whose timeline was removed: the open file still knows it. */
	if (err == -ENOENT && fi != NULL && is_file_kind(n.kind)) {
		struct qfile *qf = (struct qfile *)(uintptr_t)fi->fh;
		n = (struct node){qf->kind, qf->tl, ino};
		err = 0;
	}
	if (err) {
		fuse_reply_err(req, -err);
		return;
	}
	fill_attr(fs, &n, &st);
	fuse_reply_attr(req, &st, n.kind == NODE_ROOT ? ROOT_ATTR_TIMEOUT : ENTRY_TIMEOUT);
}

/* The files that accept truncate(2) to size 0 (qot(7) ERRORS): their writes
 * replace what they hold. The timer, members and .coordination refuse it. */
static int is_truncatable_kind(enum node_kind kind)
{
	return kind == NODE_BIND || kind == NODE_REQUIREMENTS || kind == NODE_CTL ||
	       kind == NODE_HLC || kind == NODE_NOTE;
}

/* Only truncation to zero of those files is accepted, with no effect. */
static void op_setattr(fuse_req_t req, fuse_ino_t ino, struct stat *attr, int to_set,
		       struct fuse_file_info *fi)
{
	const int times = FUSE_SET_ATTR_ATIME | FUSE_SET_ATTR_MTIME | FUSE_SET_ATTR_ATIME_NOW |
			  FUSE_SET_ATTR_MTIME_NOW | FUSE_SET_ATTR_CTIME;
	struct fs *fs = req_fs(req);
	struct caller c = req_caller(req);
	struct stat st;
	struct node n;
	int err = resolve(fs, ino, &n);

	(void)fi;
	if (err) {
		fuse_reply_err(req, -err);
		return;
	}
	if (!(to_set & FUSE_SET_ATTR_SIZE) || (to_set & ~(FUSE_SET_ATTR_SIZE | times)) ||
	    attr->st_size != 0 || !is_truncatable_kind(n.kind)) {
		fuse_reply_err(req, EPERM);
		return;
	}
	err = access_check(n.kind, n.tl, &c, W_OK);
	if (err) {
		fuse_reply_err(req, -err);
		return;
	}
	fill_attr(fs, &n, &st);
	fuse_reply_attr(req, &st, ENTRY_TIMEOUT);
}

static void op_mkdir(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode)
{
	struct fs *fs = req_fs(req);
	struct caller c = req_caller(req);
	struct timeline_creator cr = {access_charge_uid(&c), c.uid, c.gid, 0, -1, 0};
	struct node p, n;
	int err = resolve(fs, parent, &p);

	(void)mode;
	if (err == 0 && service_stopping_now(fs->svc))
		err = -EROFS;
	if (err == 0 && p.kind != NODE_ROOT)
		err = p.kind == NODE_DIR ? -EPERM : -ENOTDIR;
	if (err == 0 && node_root_file_by_name(name))
		err = -EEXIST;
	if (err == 0 && access_needs_userns(c.uid))
		err = access_pin_userns(&c, &cr.userns, &cr.userns_fd);
	if (err == 0)
		err = registry_create(fs->reg, name, strlen(name), &cr, false, &n.tl);
	/* The per-user cap does not hold privileged callers, nor the global one's
	 * reserve; ask /proc only then. */
	if ((err == -EDQUOT || err == -ENOSPC) && access_privileged(&c))
		err = registry_create(fs->reg, name, strlen(name), &cr, true, &n.tl);
	if (err) {
		if (cr.userns_fd >= 0)
			close(cr.userns_fd);
		fuse_reply_err(req, -err);
		return;
	}
	n.kind = NODE_DIR;
	n.ino = node_ino(timeline_id(n.tl), NODE_DIR);
	qot_log(QOT_LOG_DEBUG, "timeline %s created by uid %u", name, (unsigned)c.uid);
	reply_entry(req, fs, &n);
}

static void op_rmdir(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	struct fs *fs = req_fs(req);
	struct caller c = req_caller(req);
	struct timeline *tl;
	struct node p;
	int err = resolve(fs, parent, &p);

	if (err == 0 && service_stopping_now(fs->svc))
		err = -EROFS;
	else if (err == 0 && p.kind == NODE_DIR)
		err = node_file_by_name(name) ? -ENOTDIR : -ENOENT;
	else if (err == 0 && p.kind != NODE_ROOT)
		err = -ENOTDIR;
	else if (err == 0 && node_root_file_by_name(name))
		err = -ENOTDIR;
	if (err) {
		fuse_reply_err(req, -err);
		return;
	}
	tl = registry_find_name(fs->reg, name, strlen(name));
	if (tl == NULL)
		err = -ENOENT;
	/* Sticky directory: only a timeline's creator or a privileged caller removes it. */
	else if (!access_is_creator(tl, &c) && !access_privileged(&c))
		err = -EPERM;
	else if ((err = registry_remove(fs->reg, tl, false)) == -EBUSY && access_privileged(&c))
		err = registry_remove(fs->reg, tl, true); /* privileged: bound or not */
	if (err == 0)
		qot_log(QOT_LOG_DEBUG, "timeline %s removed by uid %u", name, (unsigned)c.uid);
	fuse_reply_err(req, -err);
}

/* Nothing can be unlinked; say precisely why. */
static int unlink_error(struct fs *fs, const struct node *parent, const char *name)
{
	if (parent->kind == NODE_DIR)
		return node_file_by_name(name) ? -EPERM : -ENOENT;
	if (parent->kind != NODE_ROOT)
		return -ENOTDIR;
	if (node_root_file_by_name(name))
		return -EPERM;
	return registry_find_name(fs->reg, name, strlen(name)) ? -EISDIR : -ENOENT;
}

static void op_unlink(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	struct fs *fs = req_fs(req);
	struct node p;
	int err = resolve(fs, parent, &p);

	fuse_reply_err(req, err ? -err : -unlink_error(fs, &p, name));
}

/* Files, links, device nodes and renames are not part of the interface. */
static void op_mknod(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode, dev_t rdev)
{
	(void)parent, (void)name, (void)mode, (void)rdev;
	fuse_reply_err(req, EPERM);
}

static void op_symlink(fuse_req_t req, const char *link, fuse_ino_t parent, const char *name)
{
	(void)link, (void)parent, (void)name;
	fuse_reply_err(req, EPERM);
}

static void op_link(fuse_req_t req, fuse_ino_t ino, fuse_ino_t newparent, const char *newname)
{
	(void)ino, (void)newparent, (void)newname;
	fuse_reply_err(req, EPERM);
}

static void op_rename(fuse_req_t req, fuse_ino_t parent, const char *name, fuse_ino_t newparent,
		      const char *newname, unsigned int flags)
{
	(void)parent, (void)name, (void)newparent, (void)newname, (void)flags;
	fuse_reply_err(req, EPERM);
}

static void op_create(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode,
		      struct fuse_file_info *fi)
{
	(void)parent, (void)name, (void)mode, (void)fi;
	fuse_reply_err(req, EPERM);
}

static void release_snapshot(struct fs *fs, struct qfile *qf)
{
	if (qf->snap == NULL)
		return;
	quota_refund_read(fs->quota, qf->charge, qf->charged);
	snapshot_put(qf->snap);
	qf->snap = NULL;
	qf->charged = 0;
}

static void qfile_free(struct fs *fs, struct qfile *qf)
{
	if (qf->binding)
		timeline_unbind(qf->tl, qf->binding);
	if (qf->timer)
		timer_close(fs->waker, qf->timer);
	watch_detach(&qf->watch);
	release_snapshot(fs, qf);
	if (qf->tl)
		timeline_put(qf->tl);
	quota_refund_open(fs->quota, qf->charge, qf->kind == NODE_TIMER);
	list_remove(&fs->open_files, &qf->link);
	free(qf);
}

/* The opener's per-user caps on open files and timers, and the global one;
 * privileged callers are counted, held to no per-user cap and may use the
 * global reserve (/proc is asked only at a cap). */
static int charge_open(struct fs *fs, const struct caller *c, uid_t charge, enum node_kind kind)
{
	bool timer = kind == NODE_TIMER;
	int err = quota_charge_open(fs->quota, charge, timer, false);

	if ((err == -EDQUOT || err == -ENFILE) && access_privileged(c))
		err = quota_charge_open(fs->quota, charge, timer, true);
	return err;
}

/*
 * Whom an opener's files (and the bindings and text they hold) are charged
 * to: the owner of its user namespace (access_charge_uid). Seeing that costs
 * a look at /proc, so an open asks only once open files are many (a
 * sixteenth of --max-open), and for bind files; until then a caller counts
 * as its uid, and a user of many uids can hold that many files at most.
 */
static uid_t open_charge(struct fs *fs, const struct caller *c, enum node_kind kind)
{
	if (kind == NODE_BIND ||
	    quota_files(fs->quota) >= REGISTRY_RESERVE(registry_limits(fs->reg)->max_open))
		return access_charge_uid(c);
	return c->uid;
}

/* A timer for a new open timer file; privileged callers may use the reserve. */
static int open_timer(struct fs *fs, const struct caller *c, struct timeline *tl,
		      struct timer **out)
{
	int err = timer_open(fs->waker, fs->pusher, timeline_clock(tl), false, out);

	if (err == -ENFILE && access_privileged(c))
		err = timer_open(fs->waker, fs->pusher, timeline_clock(tl), true, out);
	return err;
}

/* The watch list behind a pollable file, or NULL. */
static struct watchlist *file_watchlist(struct fs *fs, struct qfile *qf)
{
	struct watchlist *tl = qf->tl ? watchers_of(fs->watchers, qf->tl) : NULL;

	switch (qf->kind) {
	case NODE_TIMELINES:
		return watchers_timelines(fs->watchers);
	case NODE_ACTIVE:
		return watchers_active(fs->watchers);
	case NODE_COORDINATION:
		return watchers_coordination(fs->watchers);
	case NODE_MEMBERS:
		return tl ? &tl[TL_WATCH_MEMBERS] : NULL;
	case NODE_CLUSTER:
		return tl ? &tl[TL_WATCH_CLUSTER] : NULL;
	case NODE_BINDINGS:
		return tl ? &tl[TL_WATCH_BINDINGS] : NULL;
	case NODE_REQUIREMENTS:
		return tl ? &tl[TL_WATCH_REQUIREMENTS] : NULL;
	case NODE_CTL:
		return tl ? &tl[TL_WATCH_CLOCK] : NULL;
	case NODE_SYNC:
		return tl ? &tl[TL_WATCH_SYNC] : NULL;
	default:
		return NULL;
	}
}

static void op_open(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct fs *fs = req_fs(req);
	struct caller c = req_caller(req);
	int acc = fi->flags & O_ACCMODE;
	int mask = acc == O_RDONLY ? R_OK : acc == O_WRONLY ? W_OK : R_OK | W_OK;
	struct qfile *qf = NULL;
	struct node n;
	uid_t charge = c.uid;
	int err = resolve(fs, ino, &n);

	if (err == 0 && !is_file_kind(n.kind))
		err = -EISDIR;
	if (err == 0 && n.tl && timeline_removed(n.tl))
		err = -ENOENT;
	if (err == 0)
		err = access_check(n.kind, n.tl, &c, mask);
	if (err == 0 && n.kind == NODE_TIMER && acc == O_WRONLY)
		err = -EINVAL; /* its ticks are read: a write-only timer could never tell one */
	if (err == 0)
		charge = open_charge(fs, &c, n.kind);
	if (err == 0 && (err = charge_open(fs, &c, charge, n.kind)) == 0) {
		qf = calloc(1, sizeof(*qf));
		if (qf == NULL)
			err = -ENOMEM;
		else if (n.kind == NODE_TIMER && (err = open_timer(fs, &c, n.tl, &qf->timer)))
			free(qf);
		if (err) /* charged, but not opened */
			quota_refund_open(fs->quota, charge, n.kind == NODE_TIMER);
	}
	if (err) {
		fuse_reply_err(req, -err);
		return;
	}
	qf->kind = n.kind;
	qf->tl = n.tl;
	qf->opener = c;
	qf->charge = charge;
	qf->writable = (mask & W_OK) != 0;
	if (qf->tl)
		timeline_get(qf->tl);
	qf->wl = file_watchlist(fs, qf);
	if (n.kind == NODE_CLOCK)
		pusher_clock_opened(fs->pusher, timeline_clock(n.tl));
	list_append(&fs->open_files, &qf->link);

	fi->fh = (uintptr_t)qf;
	/* Text files: every read() reaches us, so "now" is always fresh. The clock
	 * page is the opposite: served from the page cache that the pusher keeps
	 * live, so it must stay cached (and MAP_SHARED needs it). */
	fi->direct_io = n.kind != NODE_CLOCK;
	fi->keep_cache = n.kind == NODE_CLOCK;
	fi->noflush = 1;
	if (fuse_reply_open(req, fi) == -ENOENT)
		qfile_free(fs, qf); /* the open was interrupted: no RELEASE will come */
}

/* Render the file's text into fs->scratch. */
static int render(struct fs *fs, struct qfile *qf)
{
	struct textbuf *tb = &fs->scratch;
	struct timeline *tl = qf->tl;

	textbuf_reset(tb);
	switch (qf->kind) {
	case NODE_NOW:
		return view_now(fs->pusher, tl, tb);
	case NODE_BIND:
		return qf->binding ? view_binding(qf->binding, tb) : 0;
	case NODE_BINDINGS:
		return view_bindings(tl, tb);
	case NODE_REQUIREMENTS:
		return view_requirements(tl, tb);
	case NODE_CTL:
		return view_params(fs->pusher, tl, tb);
	case NODE_SYNC:
		return view_sync(fs->pusher, tl, tb);
	case NODE_NOTE:
		return timeline_note(tl)[0] ? textbuf_printf(tb, "%s\n", timeline_note(tl)) : 0;
	case NODE_TIMELINES:
		return view_timelines(fs->reg, tb);
	case NODE_ACTIVE:
		return view_active(fs->reg, tb);
	case NODE_COORDINATION:
		return view_coordination(fs->reg, tb);
	case NODE_MEMBERS:
		return view_members(fs->reg, tl, tb);
	case NODE_CLUSTER:
		return view_cluster(fs->reg, tl, tb);
	case NODE_HLC:
		return timeline_hlc_read(tl, tb);
	case NODE_HLCSTAT:
		return hlcfile_stat(timeline_hlc(tl), registry_limits(fs->reg)->hlc_max_offset, tb);
	default:
		return -EIO;
	}
}

/*
 * What else than its generation a watched file's text depends on: members
 * and cluster on the coordinator's state at the instant of the read (the
 * lease runs out without any change to wake pollers), so a rendering is
 * shared only while that state holds. 0 for the others; -1 for those
 * rendered afresh at every read (.coordination counts its lease down, in
 * one short line).
 */
static int64_t render_key(struct fs *fs, enum node_kind kind)
{
	if (kind == NODE_COORDINATION || kind == NODE_SYNC)
		return -1; /* sync: evaluated at each read */
	if (kind == NODE_MEMBERS || kind == NODE_CLUSTER)
		return view_coord_key(fs->reg);
	return 0;
}

/*
 * A fresh snapshot for a read from the start. Watched files share the one
 * rendering of their current generation (and coordinator state), so a
 * read at offset 0 costs a render only once per change, however large the
 * text; the others (now, bind, .coordination) render afresh every time.
 * The bytes held are charged to the opener, so one user cannot pin
 * unbounded memory by holding many half-read files.
 */
static int take_snapshot(struct fs *fs, struct qfile *qf)
{
	struct watchlist *wl = qf->wl;
	int64_t key = wl ? render_key(fs, qf->kind) : 0;
	struct snapshot *s;
	int err;

	if (wl)
		watch_seen(&qf->watch, wl);
	if (key < 0)
		wl = NULL; /* polled for changes, but rendered at each read */
	if (wl && wl->cached && wl->cached_key == (uint64_t)key) {
		s = snapshot_get(wl->cached);
	} else {
		err = render(fs, qf);
		if (err)
			return err;
		s = snapshot_new(fs->scratch.data, fs->scratch.len, wl ? wl->gen : 0);
		if (s == NULL)
			return -ENOMEM;
		if (wl) {
			snapshot_put(wl->cached);
			wl->cached = snapshot_get(s);
			wl->cached_key = (uint64_t)key;
		}
	}
	release_snapshot(fs, qf);
	err = quota_charge_read(fs->quota, qf->charge, s->len, false);
	if (err == -ENOBUFS && access_privileged(&qf->opener))
		err = quota_charge_read(fs->quota, qf->charge, s->len, true);
	if (err) {
		snapshot_put(s);
		return err;
	}
	qf->snap = s;
	qf->charged = s->len;
	return 0;
}

static void op_read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		    struct fuse_file_info *fi)
{
	struct fs *fs = req_fs(req);
	struct qfile *qf = (struct qfile *)(uintptr_t)fi->fh;
	size_t len;
	int err;

	(void)ino;
	if (qf->kind == NODE_CLOCK) {
		char page[QOT_CLOCK_PAGE_SIZE];
		if (off >= QOT_CLOCK_PAGE_SIZE) {
			fuse_reply_buf(req, NULL, 0);
			return;
		}
		pusher_clock_page(fs->pusher, timeline_clock(qf->tl), page);
		if (size > QOT_CLOCK_PAGE_SIZE - (size_t)off)
			size = QOT_CLOCK_PAGE_SIZE - (size_t)off;
		fuse_reply_buf(req, page + off, size);
		return;
	}
	if (qf->kind == NODE_TIMER) {
		timer_read(fs->waker, qf->timer, req, size, off); /* replies now or later */
		return;
	}
	/*
	 * A read at offset 0 takes a fresh snapshot; later offsets continue it.
	 * After a write, the snapshot starts where the write left the file
	 * offset, so "echo line >&3; cat <&3" reads back on one descriptor.
	 */
	if (off == 0 || off == qf->snap_base) {
		err = take_snapshot(fs, qf);
		if (err) {
			fuse_reply_err(req, -err);
			return;
		}
		qf->snap_base = off;
	}
	off -= qf->snap_base;
	len = qf->snap ? qf->snap->len : 0;
	if (off < 0 || (size_t)off >= len)
		size = 0;
	else if (size > len - (size_t)off)
		size = len - (size_t)off;
	fuse_reply_buf(req, size ? qf->snap->data + off : NULL, size);
	if (size == 0)
		release_snapshot(fs, qf); /* end of file: give the memory back */
}

/* The administrator's floor (--min-accuracy): a tighter requirement from an
 * unprivileged caller is refused with EPERM (qot(7)); privileged ones are exempt. */
static int check_floor(const struct fs *fs, const struct qot_req *req, const struct caller *c)
{
	uint64_t floor = registry_limits(fs->reg)->min_accuracy;

	if (floor == 0 || (req->acc_below >= floor && req->acc_above >= floor))
		return 0;
	return access_privileged(c) ? 0 : -EPERM;
}

static int write_bind(struct fs *fs, struct qfile *qf, const char *buf, size_t size,
		      const struct caller *c)
{
	struct qot_bind_spec spec;
	pid_t pid;
	int err = qot_bindline_parse(buf, size, &spec);

	if (err == 0)
		err = check_floor(fs, &spec.req, c);
	if (err)
		return err;
	pid = access_process_of(c->pid);
	err = timeline_bind(qf->tl, &qf->binding, &spec, pid, qf->opener.uid, qf->charge, false);
	/* A uid's share of the timeline does not hold privileged callers; ask /proc only then. */
	if (err == -EDQUOT && access_privileged(c))
		err = timeline_bind(qf->tl, &qf->binding, &spec, pid, qf->opener.uid, qf->charge,
				    true);
	return err;
}

static int write_requirements(struct fs *fs, struct qfile *qf, const char *buf, size_t size,
			      const struct caller *c)
{
	struct qot_req req;
	int err = qot_reqline_parse(buf, size, &req);

	if (err == 0)
		err = check_floor(fs, &req, c);
	if (err)
		return err;
	return timeline_set_standing(qf->tl, &req);
}

static int write_ctl(struct qfile *qf, const char *buf, size_t size, const struct caller *c)
{
	struct qot_clock_params params;
	char source[QOT_NAME_MAX + 1];
	struct qot_bound_parts parts;
	int err;

	/* Checked again per write: a descriptor passed to another process gains nothing. */
	if (!access_privileged(c))
		return -EACCES;
	err = qot_params_parse_parts(buf, size, &params, source, &parts);
	if (err)
		return err;
	err = timeline_set_params(qf->tl, &params, source, 0);
	if (err == 0)
		timeline_set_parts(qf->tl, &parts);
	return err;
}

/* The whole membership of a timeline, from the coordinator. */
static int write_members(struct qfile *qf, const char *buf, size_t size, const struct caller *c)
{
	struct qot_membership m;
	int err;

	if (!access_privileged(c))
		return -EACCES;
	err = qot_membership_parse(buf, size, &m);
	if (err)
		return err;
	err = timeline_set_members(qf->tl, &m);
	qot_membership_free(&m);
	return err;
}

/* The coordinator's name and lease. */
static int write_coordination(struct fs *fs, const char *buf, size_t size, const struct caller *c)
{
	if (!access_privileged(c))
		return -EACCES;
	return registry_set_lease(fs->reg, buf, size);
}

static int write_hlc(struct fs *fs, struct qfile *qf, const char *buf, size_t size)
{
	return timeline_hlc_write(qf->tl, buf, size, registry_limits(fs->reg)->hlc_max_offset);
}

static int write_timer(struct fs *fs, struct qfile *qf, const char *buf, size_t size, off_t off)
{
	return timer_write(fs->waker, qf->timer, buf, size, off + (off_t)size);
}

static void op_write(fuse_req_t req, fuse_ino_t ino, const char *buf, size_t size, off_t off,
		     struct fuse_file_info *fi)
{
	struct fs *fs = req_fs(req);
	struct qfile *qf = (struct qfile *)(uintptr_t)fi->fh;
	struct caller c = req_caller(req);
	int err;

	(void)ino; /* each write() is one whole line, wherever the offset is */
	qot_reason_clear();
	if (service_stopping_now(fs->svc))
		err = -EROFS; /* the final state is published; nothing may undo it */
	else if (size > (qf->kind == NODE_MEMBERS ? QOT_MEMBERS_TEXT_MAX : QOTFS_LINE_MAX))
		err = -EMSGSIZE;
	else if (qf->tl && timeline_removed(qf->tl))
		err = -ENOENT; /* a removed timeline takes nothing more, whichever file */
	else if (qf->kind == NODE_BIND)
		err = write_bind(fs, qf, buf, size, &c);
	else if (qf->kind == NODE_REQUIREMENTS)
		err = write_requirements(fs, qf, buf, size, &c);
	else if (qf->kind == NODE_CTL)
		err = write_ctl(qf, buf, size, &c);
	else if (qf->kind == NODE_NOTE) /* checked per write, as ctl */
		err = access_privileged(&c) ? timeline_set_note(qf->tl, buf, size) : -EACCES;
	else if (qf->kind == NODE_MEMBERS)
		err = write_members(qf, buf, size, &c);
	else if (qf->kind == NODE_COORDINATION)
		err = write_coordination(fs, buf, size, &c);
	else if (qf->kind == NODE_HLC)
		err = write_hlc(fs, qf, buf, size);
	else if (qf->kind == NODE_TIMER)
		err = write_timer(fs, qf, buf, size, off);
	else
		err = -EBADF;
	if (err) {
		refusal_note(&fs->refusals, node_file_by_kind(qf->kind)->name,
			     qf->tl ? timeline_name(qf->tl) : NULL, c.pid, err);
		fuse_reply_err(req, -err);
		return;
	}
	qf->snap_base = off + (off_t)size;
	fuse_reply_write(req, size);
}

static void op_flush(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	(void)ino, (void)fi;
	fuse_reply_err(req, 0);
}

static void op_release(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	(void)ino;
	qfile_free(req_fs(req), (struct qfile *)(uintptr_t)fi->fh);
	fuse_reply_err(req, 0);
}

static void op_poll(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi,
		    struct fuse_pollhandle *ph)
{
	struct fs *fs = req_fs(req);
	struct qfile *qf = (struct qfile *)(uintptr_t)fi->fh;
	struct watchlist *wl = qf->wl;
	unsigned mask;

	(void)ino;
	/* Writes never block; only descriptors open for writing say so. */
	mask = qf->writable ? POLLOUT | POLLWRNORM : 0;
	if (qf->kind == NODE_TIMER) {
		fuse_reply_poll(req, mask | timer_poll(fs->waker, qf->timer, ph));
		return;
	}
	if (wl == NULL) {
		/* Not a watched file: always readable, like any regular file. */
		if (ph)
			fuse_pollhandle_destroy(ph);
		fuse_reply_poll(req, mask | POLLIN | POLLRDNORM);
		return;
	}
	if (watch_poll(&qf->watch, wl, ph))
		mask |= POLLIN | POLLRDNORM | POLLPRI;
	if (qf->tl && timeline_removed(qf->tl))
		mask |= POLLHUP;
	fuse_reply_poll(req, mask);
}

static void op_opendir(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct fs *fs = req_fs(req);
	struct node n;
	int err = resolve(fs, ino, &n);

	if (err == 0 && is_file_kind(n.kind))
		err = -ENOTDIR;
	if (err == 0 && n.tl && timeline_removed(n.tl))
		err = -ENOENT;
	if (err) {
		fuse_reply_err(req, -err);
		return;
	}
	fi->fh = 0; /* no per-handle state: see op_readdir */
	fuse_reply_open(req, fi);
}

/*
 * Directory offsets. The root lists ".", "..", its files (.timelines...),
 * then the live timelines in creation order, that is by increasing id; the
 * offset after a timeline is DIR_OFF_TIMELINES + its id. Ids are never reused, so a reader
 * resumes correctly however timelines come and go between its calls, and a
 * handle costs nothing (a per-handle snapshot of 65536 names would).
 */
enum { DIR_OFF_DOT = 1, DIR_OFF_DOTDOT, DIR_OFF_ROOT_FILES };
#define DIR_OFF_TIMELINES ((off_t)(DIR_OFF_ROOT_FILES + node_nroot_files - 1))

/* Adds one entry; 0 if it did not fit. */
static size_t add_entry(fuse_req_t req, char *buf, size_t size, size_t used, const char *name,
			fuse_ino_t ino, mode_t type, off_t next)
{
	struct stat st = {.st_ino = ino, .st_mode = type};
	size_t len = fuse_add_direntry(req, buf + used, size - used, name, &st, next);

	return len > size - used ? 0 : len;
}

static void op_readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		       struct fuse_file_info *fi)
{
	struct fs *fs = req_fs(req);
	char *buf;
	size_t used = 0, len;
	struct node n;
	int err = resolve(fs, ino, &n);

	(void)fi;
	if (err == 0 && n.tl && timeline_removed(n.tl))
		err = -ENOENT;
	if (err == 0 && (buf = malloc(size)) == NULL)
		err = -ENOMEM;
	if (err) {
		fuse_reply_err(req, -err);
		return;
	}
	if (off < DIR_OFF_DOT && (len = add_entry(req, buf, size, used, ".", ino, S_IFDIR, 1)))
		used += len, off = DIR_OFF_DOT;
	if (off == DIR_OFF_DOT &&
	    (len = add_entry(req, buf, size, used, "..", NODE_ROOT_INO, S_IFDIR, DIR_OFF_DOTDOT)))
		used += len, off = DIR_OFF_DOTDOT;
	if (n.kind == NODE_ROOT) {
		/* Root file i is listed after offset DIR_OFF_DOTDOT + i. */
		while (off >= DIR_OFF_DOTDOT && off < DIR_OFF_TIMELINES) {
			const struct node_file *f = &node_root_files[off - DIR_OFF_DOTDOT];
			len = add_entry(req, buf, size, used, f->name, node_root_ino(f->kind),
					S_IFREG, off + 1);
			if (len == 0)
				break;
			used += len, off++;
		}
		for (struct timeline *tl =
			     off >= DIR_OFF_TIMELINES
				     ? registry_after_id(fs->reg,
							 (uint64_t)(off - DIR_OFF_TIMELINES))
				     : NULL;
		     tl != NULL; tl = registry_next(fs->reg, tl)) {
			uint64_t id = timeline_id(tl);
			len = add_entry(req, buf, size, used, timeline_name(tl),
					node_ino(id, NODE_DIR), S_IFDIR,
					DIR_OFF_TIMELINES + (off_t)id);
			if (len == 0)
				break;
			used += len;
		}
	} else {
		/* A timeline's fixed files: file i is listed after offset 3 + i. */
		for (size_t i = off >= DIR_OFF_DOTDOT ? (size_t)(off - DIR_OFF_DOTDOT)
						      : node_nfiles;
		     i < node_nfiles; i++) {
			const struct node_file *f = &node_files[i];
			len = add_entry(req, buf, size, used, f->name,
					node_ino(timeline_id(n.tl), f->kind), S_IFREG,
					DIR_OFF_DOTDOT + 1 + (off_t)i);
			if (len == 0)
				break;
			used += len;
		}
	}
	fuse_reply_buf(req, buf, used);
	free(buf);
}

static void op_releasedir(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	(void)ino, (void)fi;
	fuse_reply_err(req, 0);
}

static void op_statfs(fuse_req_t req, fuse_ino_t ino)
{
	struct fs *fs = req_fs(req);
	struct statvfs sv;

	(void)ino;
	memset(&sv, 0, sizeof(sv));
	sv.f_bsize = sv.f_frsize = QOT_CLOCK_PAGE_SIZE;
	sv.f_files = registry_limits(fs->reg)->max_timelines;
	/* Privileged callers may take a reserve beyond the cap. */
	sv.f_ffree =
		registry_count(fs->reg) < sv.f_files ? sv.f_files - registry_count(fs->reg) : 0;
	sv.f_favail = sv.f_ffree;
	sv.f_namemax = QOT_NAME_MAX;
	fuse_reply_statfs(req, &sv);
}

static void op_access(fuse_req_t req, fuse_ino_t ino, int mask)
{
	struct fs *fs = req_fs(req);
	struct caller c = req_caller(req);
	struct node n;
	int err = resolve(fs, ino, &n);

	if (err == 0 && mask != F_OK)
		err = access_check(n.kind, n.tl, &c, mask);
	fuse_reply_err(req, -err);
}

static void op_forget(fuse_req_t req, fuse_ino_t ino, uint64_t nlookup)
{
	/* Inodes are computed, not allocated: nothing to drop. */
	(void)ino, (void)nlookup;
	fuse_reply_none(req);
}

static void op_forget_multi(fuse_req_t req, size_t count, struct fuse_forget_data *forgets)
{
	(void)count, (void)forgets;
	fuse_reply_none(req);
}

static const struct fuse_lowlevel_ops ops = {
	.init = op_init,
	.lookup = op_lookup,
	.forget = op_forget,
	.forget_multi = op_forget_multi,
	.getattr = op_getattr,
	.setattr = op_setattr,
	.mknod = op_mknod,
	.mkdir = op_mkdir,
	.unlink = op_unlink,
	.rmdir = op_rmdir,
	.symlink = op_symlink,
	.rename = op_rename,
	.link = op_link,
	.create = op_create,
	.open = op_open,
	.read = op_read,
	.write = op_write,
	.flush = op_flush,
	.release = op_release,
	.poll = op_poll,
	.opendir = op_opendir,
	.readdir = op_readdir,
	.releasedir = op_releasedir,
	.statfs = op_statfs,
	.access = op_access,
};

const struct fuse_lowlevel_ops *fs_ops(void)
{
	return &ops;
}

struct fs *fs_new(struct service *svc)
{
	struct fs *fs = calloc(1, sizeof(*fs));

	if (fs == NULL)
		return NULL;
	fs->svc = svc;
	fs->reg = service_registry(svc);
	fs->quota = registry_quota(fs->reg);
	fs->pusher = service_pusher(svc);
	fs->waker = service_waker(svc);
	fs->watchers = service_watchers(svc);
	clock_gettime(CLOCK_REALTIME, &fs->mounted);
	fs->gid = getegid();
	return fs;
}

void fs_free(struct fs *fs)
{
	if (fs == NULL)
		return;
	while (fs->open_files.first)
		qfile_free(fs, container_of(fs->open_files.first, struct qfile, link));
	textbuf_free(&fs->scratch);
	free(fs);
}
