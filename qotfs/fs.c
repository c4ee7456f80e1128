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
#include "reason.h"
#include "refusal.h"
#include "reqline.h"
#include "snapshot.h"
#include "statedir.h"
#include "textbuf.h"
#include "views.h"
#include "waker.h"

/* Nothing in the tree changes behind the kernel's back, so entries keep long. */
#define ENTRY_TIMEOUT 3600.0
/* The root's link count follows the number of timelines. */
#define ROOT_ATTR_TIMEOUT 1.0

struct qfile {
	enum node_kind kind;
	struct timeline *tl; /* referenced; NULL for root-level files */
	struct caller opener;
	bool writable;	       /* opened for writing */
	struct snapshot *snap; /* the text reads are served from, until EOF */
	off_t snap_base;       /* file offset where the snapshot starts */
	size_t charged;	       /* snapshot bytes charged to the opener's uid */
	struct watch watch;
	struct binding *binding; /* "bind": this open file's binding, if written */
	struct timer *timer;	 /* "timer": its state, shared with the waker thread */
	struct list_node link;	 /* in the open files */
};

struct fs {
	struct registry reg;
	struct pusher *pusher;
	struct waker *waker;
	struct timespec mounted;
	gid_t gid;
	struct list open_files; /* every open file, so teardown can release them */
	struct textbuf scratch; /* where views render before becoming snapshots */
	bool stopping;		/* final pages published: no more changes */
	struct statedir *state; /* what survives a restart; NULL: nothing does */
	struct refusal_log refusals;
};

/* A resolved inode: what it is and, for timeline nodes, which timeline. */
struct node {
	enum node_kind kind;
	struct timeline *tl;
	fuse_ino_t ino;
};

static int64_t ts_ns(struct timespec ts)
{
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static struct timespec ns_ts(int64_t ns)
{
	int64_t sec = ns / 1000000000, rem = ns % 1000000000;

	if (rem < 0) {
		sec--;
		rem += 1000000000;
	}
	return (struct timespec){(time_t)sec, (long)rem};
}

/* What the state file keeps of a new timeline (it has no parameters yet). */
static void describe(const struct timeline *tl, struct state_timeline *out)
{
	*out = (struct state_timeline){0};
	memcpy(out->name, tl->name, sizeof(out->name));
	out->owner = tl->owner;
	out->group = tl->group;
	/* Only the daemon's own uid is told apart by namespace (access.h). */
	out->host_creator =
		!access_needs_userns(tl->owner) || tl->owner_userns == access_daemon_userns();
	out->created = ts_ns(tl->created);
	out->has_standing = true;
	out->standing = tl->standing;
}

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
		out->tl = registry_find_id(&fs->reg, id);
		if (out->tl == NULL)
			return -ENOENT;
	}
	return 0;
}

static void fill_attr(struct fs *fs, const struct node *n, struct stat *st)
{
	const struct timespec *t = n->tl ? &n->tl->created : &fs->mounted;
	int tl_owned = n->tl && (n->kind == NODE_DIR || n->kind == NODE_REQUIREMENTS);

	memset(st, 0, sizeof(*st));
	st->st_ino = n->ino;
	st->st_mode = access_mode(n->kind);
	st->st_nlink = n->kind == NODE_ROOT ? 2 + fs->reg.ntimelines : n->kind == NODE_DIR ? 2 : 1;
	st->st_uid = access_owner(n->kind, n->tl);
	st->st_gid = tl_owned ? n->tl->group : access_group(fs->gid);
	st->st_size = n->kind == NODE_CLOCK ? QOT_CLOCK_PAGE_SIZE : 0;
	st->st_blksize = QOT_CLOCK_PAGE_SIZE;
	/* Constant times: a changing mtime would make the kernel drop the clock page. */
	st->st_atim = st->st_mtim = st->st_ctim = *t;
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
			n.tl = registry_find_name(&fs->reg, name, strlen(name));
			if (n.tl == NULL) {
				fuse_reply_err(req, ENOENT);
				return;
			}
			n.kind = NODE_DIR;
			n.ino = node_ino(n.tl->id, NODE_DIR);
		}
	} else if (p.kind == NODE_DIR) {
		const struct node_file *f = node_file_by_name(name);
		if (f == NULL || p.tl->removed) {
			fuse_reply_err(req, ENOENT);
			return;
		}
		n = (struct node){f->kind, p.tl, node_ino(p.tl->id, f->kind)};
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

static int is_writable_kind(enum node_kind kind)
{
	return kind == NODE_BIND || kind == NODE_REQUIREMENTS || kind == NODE_CTL ||
	       kind == NODE_MEMBERS || kind == NODE_COORDINATION || kind == NODE_HLC ||
	       kind == NODE_TIMER;
}

/* Only truncation to zero of a writable file (as "echo x > file" does) is accepted. */
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
	    attr->st_size != 0 || !is_writable_kind(n.kind)) {
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
	struct node p, n;
	int err = resolve(fs, parent, &p);

	(void)mode;
	if (err == 0 && fs->stopping)
		err = -EROFS;
	if (err == 0 && p.kind != NODE_ROOT)
		err = p.kind == NODE_DIR ? -EPERM : -ENOTDIR;
	if (err == 0 && node_root_file_by_name(name))
		err = -EEXIST;
	if (err == 0)
		err = registry_create(&fs->reg, name, strlen(name), c.uid, c.gid, false, &n.tl);
	/* The per-user cap does not hold privileged callers; ask /proc only then. */
	if (err == -EDQUOT && access_privileged(&c))
		err = registry_create(&fs->reg, name, strlen(name), c.uid, c.gid, true, &n.tl);
	if (err) {
		fuse_reply_err(req, -err);
		return;
	}
	if (access_needs_userns(c.uid))
		n.tl->owner_userns_fd = access_pin_userns(&c, &n.tl->owner_userns);
	if (fs->state) {
		struct state_timeline st;
		describe(n.tl, &st);
		n.tl->saved = statedir_add(fs->state, &st);
	}
	n.kind = NODE_DIR;
	n.ino = node_ino(n.tl->id, NODE_DIR);
	qot_log(QOT_LOG_DEBUG, "timeline %s created by uid %u", n.tl->name, (unsigned)c.uid);
	reply_entry(req, fs, &n);
}

static void op_rmdir(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	struct fs *fs = req_fs(req);
	struct caller c = req_caller(req);
	struct timeline *tl;
	struct node p;
	int err = resolve(fs, parent, &p);

	if (err == 0 && fs->stopping)
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
	tl = registry_find_name(&fs->reg, name, strlen(name));
	if (tl == NULL)
		err = -ENOENT;
	/* Sticky directory: only a timeline's creator or a privileged caller removes it. */
	else if (!access_is_creator(tl, &c) && !access_privileged(&c))
		err = -EPERM;
	else {
		struct state_entry *saved = tl->saved; /* tl may be gone after removal */
		err = registry_remove(&fs->reg, tl);
		if (err == 0)
			statedir_remove(fs->state, saved);
	}
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
	return registry_find_name(&fs->reg, name, strlen(name)) ? -EISDIR : -ENOENT;
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
	registry_refund_read(&fs->reg, qf->opener.uid, qf->charged);
	snapshot_put(qf->snap);
	qf->snap = NULL;
	qf->charged = 0;
}

static void qfile_free(struct fs *fs, struct qfile *qf)
{
	if (qf->binding)
		timeline_unbind(&fs->reg, qf->tl, qf->binding);
	if (qf->timer)
		timer_close(fs->waker, qf->timer);
	watch_detach(&qf->watch);
	release_snapshot(fs, qf);
	if (qf->tl)
		timeline_put(&fs->reg, qf->tl);
	registry_refund_open(&fs->reg, qf->opener.uid, qf->kind == NODE_TIMER);
	list_remove(&fs->open_files, &qf->link);
	free(qf);
}

/* The opener's per-user caps on open files and timers; privileged callers
 * are counted but never refused (/proc is asked only at the cap). */
static int charge_open(struct fs *fs, const struct caller *c, enum node_kind kind)
{
	bool timer = kind == NODE_TIMER;
	int err = registry_charge_open(&fs->reg, c->uid, timer, false);

	if (err == -EDQUOT && access_privileged(c))
		err = registry_charge_open(&fs->reg, c->uid, timer, true);
	return err;
}

static void op_open(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct fs *fs = req_fs(req);
	struct caller c = req_caller(req);
	int acc = fi->flags & O_ACCMODE;
	int mask = acc == O_RDONLY ? R_OK : acc == O_WRONLY ? W_OK : R_OK | W_OK;
	struct qfile *qf = NULL;
	struct node n;
	int err = resolve(fs, ino, &n);

	if (err == 0 && !is_file_kind(n.kind))
		err = -EISDIR;
	if (err == 0 && n.tl && n.tl->removed)
		err = -ENOENT;
	if (err == 0)
		err = access_check(n.kind, n.tl, &c, mask);
	if (err == 0 && n.kind == NODE_TIMER && acc == O_WRONLY)
		err = -EINVAL; /* its ticks are read: a write-only timer could never tell one */
	if (err == 0 && (err = charge_open(fs, &c, n.kind)) == 0) {
		qf = calloc(1, sizeof(*qf));
		if (qf == NULL)
			err = -ENOMEM;
		else if (n.kind == NODE_TIMER &&
			 (err = timer_open(fs->waker, n.tl->clock, &qf->timer)))
			free(qf);
		if (err) /* charged, but not opened */
			registry_refund_open(&fs->reg, c.uid, n.kind == NODE_TIMER);
	}
	if (err) {
		fuse_reply_err(req, -err);
		return;
	}
	qf->kind = n.kind;
	qf->tl = n.tl;
	qf->opener = c;
	qf->writable = (mask & W_OK) != 0;
	if (qf->tl)
		timeline_get(qf->tl);
	if (n.kind == NODE_CLOCK)
		clockpub_opened(fs->pusher, n.tl->clock);
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

/* The watch list behind a pollable file, or NULL. */
static struct watchlist *file_watchlist(struct fs *fs, struct qfile *qf)
{
	switch (qf->kind) {
	case NODE_TIMELINES:
		return &fs->reg.timelines_watch;
	case NODE_ACTIVE:
		return &fs->reg.active_watch;
	case NODE_COORDINATION:
		return &fs->reg.coord_watch;
	case NODE_MEMBERS:
	case NODE_CLUSTER:
		return &qf->tl->watch[TL_WATCH_MEMBERS];
	case NODE_BINDINGS:
		return &qf->tl->watch[TL_WATCH_BINDINGS];
	case NODE_REQUIREMENTS:
		return &qf->tl->watch[TL_WATCH_REQUIREMENTS];
	case NODE_CTL:
		return &qf->tl->watch[TL_WATCH_CLOCK];
	default:
		return NULL;
	}
}

/* Render the file's text into fs->scratch. */
static int render(struct fs *fs, struct qfile *qf)
{
	struct textbuf *tb = &fs->scratch;
	struct timeline *tl = qf->tl;

	tb_reset(tb);
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
	case NODE_TIMELINES:
		return view_timelines(&fs->reg, tb);
	case NODE_ACTIVE:
		return view_active(&fs->reg, tb);
	case NODE_COORDINATION:
		return view_coordination(&fs->reg, tb);
	case NODE_MEMBERS:
		return view_members(&fs->reg, tl, tb);
	case NODE_CLUSTER:
		return view_cluster(&fs->reg, tl, tb);
	case NODE_HLC:
		return hlcfile_read(fs->pusher, tl, tb);
	case NODE_HLCSTAT:
		return hlcfile_stat(tl, fs->reg.limits.hlc_max_offset, tb);
	default:
		return -EIO;
	}
}

/* Views that depend on the instant of the read (the coordinator's lease
 * runs out without any change to wake pollers): never shared. */
static bool depends_on_time(enum node_kind kind)
{
	return kind == NODE_COORDINATION || kind == NODE_MEMBERS || kind == NODE_CLUSTER;
}

/*
 * A fresh snapshot for a read from the start. Watched files share the one
 * rendering of their current generation; the others (now, bind, and those
 * that depend on time) render afresh every time. The bytes held are charged to the opener, so one
 * user cannot pin unbounded memory by holding many half-read files.
 */
static int take_snapshot(struct fs *fs, struct qfile *qf)
{
	struct watchlist *wl = file_watchlist(fs, qf);
	struct snapshot *s;
	int err;

	if (wl)
		watch_seen(&qf->watch, wl);
	if (wl && depends_on_time(qf->kind))
		wl = NULL; /* polled for changes, but rendered at each read */
	if (wl && wl->cached) {
		s = snapshot_get(wl->cached);
	} else {
		err = render(fs, qf);
		if (err)
			return err;
		s = snapshot_new(fs->scratch.data, fs->scratch.len, wl ? wl->gen : 0);
		if (s == NULL)
			return -ENOMEM;
		if (wl)
			wl->cached = snapshot_get(s);
	}
	release_snapshot(fs, qf);
	err = registry_charge_read(&fs->reg, qf->opener.uid, s->len, false);
	if (err == -ENOBUFS && access_privileged(&qf->opener))
		err = registry_charge_read(&fs->reg, qf->opener.uid, s->len, true);
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
		clockpub_page(fs->pusher, qf->tl->clock, page);
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

static int write_bind(struct fs *fs, struct qfile *qf, const char *buf, size_t size, pid_t tid)
{
	struct qot_bind_spec spec;
	int err = qot_bindline_parse(buf, size, &spec);

	if (err)
		return err;
	return timeline_bind(&fs->reg, qf->tl, &qf->binding, &spec, access_process_of(tid),
			     qf->opener.uid);
}

static int write_requirements(struct fs *fs, struct qfile *qf, const char *buf, size_t size)
{
	struct qot_req req;
	int err = qot_reqline_parse(buf, size, &req);

	if (err)
		return err;
	err = timeline_set_standing(&fs->reg, qf->tl, &req);
	if (err == 0)
		statedir_set_standing(fs->state, qf->tl->saved, &req);
	return err;
}

static int write_ctl(struct fs *fs, struct qfile *qf, const char *buf, size_t size,
		     const struct caller *c)
{
	struct qot_clock_params params;
	char source[QOT_NAME_MAX + 1];
	int err;

	/* Checked again per write: a descriptor passed to another process gains nothing. */
	if (!access_privileged(c))
		return -EACCES;
	err = qot_params_parse(buf, size, &params, source);
	if (err)
		return err;
	err = timeline_set_params(&fs->reg, qf->tl, &params, source);
	if (err == 0)
		statedir_set_params(fs->state, qf->tl->saved, &params, source,
				    ts_ns(qf->tl->updated));
	return err;
}

/* The whole membership of a timeline, from the coordinator. */
static int write_members(struct fs *fs, struct qfile *qf, const char *buf, size_t size,
			 const struct caller *c)
{
	struct qot_membership m;
	int err;

	if (!access_privileged(c))
		return -EACCES;
	err = qot_membership_parse(buf, size, &m);
	if (err)
		return err;
	err = timeline_set_members(&fs->reg, qf->tl, &m);
	qot_membership_free(&m);
	return err;
}

/* The coordinator's name and lease. Pollers of every timeline's members and
 * cluster files are woken when the coordinator comes, goes or changes name. */
static int write_coordination(struct fs *fs, const char *buf, size_t size, const struct caller *c)
{
	struct coord *co = &fs->reg.coord;
	struct coord before = *co;
	int64_t now = coord_now();
	int err;

	if (!access_privileged(c))
		return -EACCES;
	err = coord_set_lease(co, buf, size);
	if (err)
		return err;
	watchlist_changed(&fs->reg.coord_watch, fs->pusher);
	if (coord_state_at(&before, now) != coord_state_at(co, now) ||
	    strcmp(before.node, co->node) != 0) {
		for (struct list_node *n = fs->reg.timelines.first; n != NULL; n = n->next)
			watchlist_changed(
				&container_of(n, struct timeline, link)->watch[TL_WATCH_MEMBERS],
				fs->pusher);
	}
	return 0;
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
	if (fs->stopping)
		err = -EROFS; /* the final state is published; nothing may undo it */
	else if (size > (qf->kind == NODE_MEMBERS ? QOT_MEMBERS_TEXT_MAX : QOTFS_LINE_MAX))
		err = -EMSGSIZE;
	else if (qf->kind == NODE_BIND)
		err = write_bind(fs, qf, buf, size, c.pid);
	else if (qf->kind == NODE_REQUIREMENTS)
		err = write_requirements(fs, qf, buf, size);
	else if (qf->kind == NODE_CTL)
		err = write_ctl(fs, qf, buf, size, &c);
	else if (qf->kind == NODE_MEMBERS)
		err = write_members(fs, qf, buf, size, &c);
	else if (qf->kind == NODE_COORDINATION)
		err = write_coordination(fs, buf, size, &c);
	else if (qf->kind == NODE_HLC)
		err = hlcfile_write(fs->pusher, qf->tl, buf, size, fs->reg.limits.hlc_max_offset);
	else if (qf->kind == NODE_TIMER)
		err = timer_write(fs->waker, qf->timer, buf, size, off + (off_t)size);
	else
		err = -EBADF;
	if (err) {
		refusal_note(&fs->refusals, node_file_by_kind(qf->kind)->name,
			     qf->tl ? qf->tl->name : NULL, c.pid, err);
		fuse_reply_err(req, -err);
		return;
	}
	if (qf->kind == NODE_CTL)
		waker_replan(fs->waker, qf->tl->clock); /* parked reads follow the new clock */
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
	struct watchlist *wl = file_watchlist(fs, qf);
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
	if (qf->tl && qf->tl->removed)
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
	if (err == 0 && n.tl && n.tl->removed)
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

/* The first live timeline listed after offset off (off >= DIR_OFF_TIMELINES). */
static struct list_node *timelines_after(struct registry *reg, off_t off)
{
	uint64_t last = (uint64_t)(off - DIR_OFF_TIMELINES);
	struct timeline *tl = last ? registry_find_id(reg, last) : NULL;
	struct list_node *n;

	if (tl && !tl->removed)
		return tl->link.next; /* the usual case: where the last call stopped */
	for (n = reg->timelines.first; n; n = n->next) {
		if (container_of(n, struct timeline, link)->id > last)
			break;
	}
	return n;
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
	if (err == 0 && n.tl && n.tl->removed)
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
		for (struct list_node *ln =
			     off >= DIR_OFF_TIMELINES ? timelines_after(&fs->reg, off) : NULL;
		     ln != NULL; ln = ln->next) {
			struct timeline *tl = container_of(ln, struct timeline, link);
			len = add_entry(req, buf, size, used, tl->name, node_ino(tl->id, NODE_DIR),
					S_IFDIR, DIR_OFF_TIMELINES + (off_t)tl->id);
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
			len = add_entry(req, buf, size, used, f->name, node_ino(n.tl->id, f->kind),
					S_IFREG, DIR_OFF_DOTDOT + 1 + (off_t)i);
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
	sv.f_files = fs->reg.limits.max_timelines;
	sv.f_ffree = fs->reg.limits.max_timelines - fs->reg.ntimelines;
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

struct fs *fs_new(const struct registry_limits *limits)
{
	struct fs *fs = calloc(1, sizeof(*fs));

	if (fs == NULL)
		return NULL;
	fs->pusher = pusher_new();
	fs->waker =
		fs->pusher ? waker_new(fs->pusher, limits->max_timers, limits->max_wait_s) : NULL;
	if (fs->waker == NULL || registry_init(&fs->reg, limits, fs->pusher) != 0) {
		waker_free(fs->waker);
		pusher_free(fs->pusher);
		free(fs);
		return NULL;
	}
	clock_gettime(CLOCK_REALTIME, &fs->mounted);
	fs->gid = getegid();
	return fs;
}

/* One timeline of the state file back into the model; false if it could not be. */
static bool restore_timeline(struct fs *fs, const struct state_timeline *st)
{
	struct timeline *tl;
	struct state_timeline saved;
	int err = registry_create(&fs->reg, st->name, strlen(st->name), st->owner, st->group, true,
				  &tl);

	if (err) {
		qot_log(QOT_LOG_ERR, "timeline %s of the state file not restored: %s", st->name,
			strerror(-err));
		return false;
	}
	tl->created = ns_ts(st->created);
	/* A creator inside another user namespace cannot be recognised after a
	 * restart (namespace numbers are reused): only privileged callers then. */
	if (access_needs_userns(st->owner))
		tl->owner_userns = st->host_creator ? access_daemon_userns() : 0;
	if (st->has_standing)
		timeline_set_standing(&fs->reg, tl, &st->standing);
	if (st->has_params) {
		timeline_set_params(&fs->reg, tl, &st->params, st->source);
		tl->updated = ns_ts(st->updated);
	}
	if (st->has_hlc)
		tl->hlc.state = st->hlc;
	saved = *st;
	saved.has_hlc = false; /* written again only by a clean stop */
	saved.line = 0;
	tl->saved = statedir_add(fs->state, &saved);
	return true;
}

size_t fs_restore(struct fs *fs, struct statedir *sd, const struct state_image *img)
{
	size_t restored = 0;

	fs->state = sd;
	for (size_t i = 0; i < img->n; i++)
		restored += restore_timeline(fs, &img->tl[i]);
	/* At once "running": if this run dies, its HLCs are not the saved ones. */
	statedir_save_now(sd, false);
	return restored;
}

int fs_start(struct fs *fs, struct fuse_session *se)
{
	int err = pusher_start(fs->pusher, se);

	if (err == 0)
		err = waker_start(fs->waker, se);
	return err ? err : statedir_start(fs->state);
}

int fs_save_state(struct fs *fs, bool stopped)
{
	if (fs->state == NULL)
		return 0;
	for (struct list_node *n = fs->reg.timelines.first; n != NULL; n = n->next) {
		struct timeline *tl = container_of(n, struct timeline, link);
		statedir_set_hlc(fs->state, tl->saved, &tl->hlc.state);
	}
	return statedir_save_now(fs->state, stopped);
}

void fs_stopping(struct fs *fs)
{
	fs->stopping = true;
	for (struct list_node *n = fs->reg.timelines.first; n != NULL; n = n->next)
		timeline_retire(&fs->reg, container_of(n, struct timeline, link));
}

bool fs_settled(struct fs *fs)
{
	return pusher_idle(fs->pusher);
}

void fs_free(struct fs *fs)
{
	if (fs == NULL)
		return;
	waker_stop(fs->waker); /* parked reads answered before their files go */
	while (fs->open_files.first)
		qfile_free(fs, container_of(fs->open_files.first, struct qfile, link));
	statedir_free(fs->state); /* first: its thread reads nothing of the model */
	registry_free(&fs->reg);
	waker_free(fs->waker);
	pusher_free(fs->pusher);
	tb_free(&fs->scratch);
	free(fs);
}
