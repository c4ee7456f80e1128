/* SPDX-License-Identifier: Apache-2.0 */
/* Units: the daemon's model - requirement sets, timelines, caps, watches, access, options. */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "access.h"
#include "hashtab.h"
#include "nodes.h"
#include "options.h"
#include "params.h"
#include "pusher.h"
#include "registry.h"
#include "reqset.h"
#include "timeline.h"
#include "watch.h"
#include "run_suite.h"

/* Reqset against a brute-force minimum over random adds, updates and removals. */
struct member {
	struct req_entry e;
	struct qot_req req;
	int live;
};

static uint64_t rand_dur(unsigned *seed)
{
	unsigned r = (unsigned)rand_r(seed);
	return r % 10 == 0 ? QOT_UNBOUNDED : 1 + r % 1000;
}

START_TEST(reqset_matches_brute_force)
{
	enum { N = 300, STEPS = 20000 };
	struct member *m = calloc(N, sizeof(*m));
	struct reqset s;
	unsigned seed = 12345;

	reqset_init(&s);
	for (int step = 0; step < STEPS; step++) {
		struct member *x = &m[(unsigned)rand_r(&seed) % N];
		struct qot_req req = {rand_dur(&seed), rand_dur(&seed), rand_dur(&seed)};
		struct qot_req got, want = qot_req_none;
		size_t live = 0;

		if (!x->live) {
			ck_assert_int_eq(reqset_add(&s, &x->e, &req), 0);
			x->req = req;
			x->live = 1;
		} else if (rand_r(&seed) % 2) {
			reqset_update(&s, &x->e, &req);
			x->req = req;
		} else {
			reqset_remove(&s, &x->e);
			x->live = 0;
		}
		for (int i = 0; i < N; i++) {
			if (m[i].live) {
				qot_req_tighten(&want, &m[i].req);
				live++;
			}
		}
		reqset_min(&s, &got);
		ck_assert_uint_eq(reqset_count(&s), live);
		ck_assert_msg(memcmp(&got, &want, sizeof(got)) == 0, "step %d", step);
	}
	reqset_free(&s);
	free(m);
}
END_TEST

static struct pusher *pusher;
static struct registry reg;

static void model_setup(void)
{
	struct registry_limits lim = {.max_timelines = 5,
				      .max_timelines_per_uid = 4,
				      .max_bindings_per_timeline = 3,
				      .max_bindings_per_uid = 5,
				      .max_read_bytes_per_uid = 100,
				      .max_timers_per_uid = 2,
				      .max_open_per_uid = 3};

	pusher = pusher_new(); /* no session: bookkeeping only */
	ck_assert_ptr_nonnull(pusher);
	ck_assert_int_eq(registry_init(&reg, &lim, pusher), 0);
}

static void model_teardown(void)
{
	registry_free(&reg);
	pusher_free(pusher);
}

static struct timeline *create(const char *name, int expect)
{
	struct timeline *tl = NULL;
	ck_assert_int_eq(registry_create(&reg, name, strlen(name), 1000, 1000, false, &tl), expect);
	return tl;
}

START_TEST(timelines_create_find_remove)
{
	struct timeline *a = create("a", 0), *b = create("b", 0);

	create("a", -EEXIST);
	create(".a", -EINVAL);
	create("", -EINVAL);
	create("a/b", -EINVAL);
	ck_assert_ptr_eq(registry_find_name(&reg, "a", 1), a);
	ck_assert_ptr_eq(registry_find_id(&reg, b->id), b);
	ck_assert_uint_ne(a->id, b->id);
	create("c", 0);
	create("d", 0);
	create("e", -EDQUOT); /* 4 per user */
	ck_assert_int_eq(registry_remove(&reg, a), 0);
	ck_assert_ptr_null(registry_find_name(&reg, "a", 1));
	create("e", 0);
	/* A new timeline of an old name is a new timeline: ids never come back. */
	ck_assert_int_eq(registry_remove(&reg, b), 0);
	b = create("b", 0);
	ck_assert_uint_gt(b->id, registry_find_name(&reg, "e", 1)->id);
}
END_TEST

START_TEST(timeline_caps)
{
	struct timeline *tl;

	for (const char *n = "abcd"; *n; n++)
		ck_assert_int_eq(registry_create(&reg, n, 1, 7, 7, false, &tl), 0);
	ck_assert_int_eq(registry_create(&reg, "e", 1, 7, 7, false, &tl), -EDQUOT);
	ck_assert_int_eq(registry_create(&reg, "e", 1, 7, 7, true, &tl), 0);	   /* privileged */
	ck_assert_int_eq(registry_create(&reg, "f", 1, 8, 8, true, &tl), -ENOSPC); /* 5 in all */
	registry_remove(&reg, registry_find_name(&reg, "a", 1));
	ck_assert_int_eq(registry_create(&reg, "f", 1, 8, 8, false, &tl), 0);
}
END_TEST

START_TEST(read_bytes_per_uid)
{
	ck_assert_int_eq(registry_charge_read(&reg, 9, 60, false), 0);
	ck_assert_int_eq(registry_charge_read(&reg, 9, 41, false), -ENOBUFS); /* cap 100 */
	ck_assert_int_eq(registry_charge_read(&reg, 10, 100, false), 0);      /* per user */
	ck_assert_int_eq(registry_charge_read(&reg, 9, 41, true), 0);	      /* forced */
	registry_refund_read(&reg, 9, 101);
	ck_assert_int_eq(registry_charge_read(&reg, 9, 100, false), 0);
	registry_refund_read(&reg, 9, 100);
	registry_refund_read(&reg, 10, 100);
	ck_assert_uint_eq(reg.uids.count, 0); /* nothing held: no entries left */
}
END_TEST

START_TEST(open_files_per_uid)
{
	struct registry r2;
	struct registry_limits none = {.max_timelines = 1};

	ck_assert_int_eq(registry_charge_open(&reg, 9, true, false), 0);
	ck_assert_int_eq(registry_charge_open(&reg, 9, true, false), 0);
	ck_assert_int_eq(registry_charge_open(&reg, 9, true, false), -EDQUOT); /* 2 timers */
	ck_assert_int_eq(registry_charge_open(&reg, 9, false, false), 0);
	ck_assert_int_eq(registry_charge_open(&reg, 9, false, false), -EDQUOT); /* 3 files */
	ck_assert_int_eq(registry_charge_open(&reg, 10, true, false), 0);	/* per user */
	ck_assert_int_eq(registry_charge_open(&reg, 9, true, true), 0);		/* forced */
	/* Closing a plain file frees a file, not a timer. */
	registry_refund_open(&reg, 9, false);
	ck_assert_int_eq(registry_charge_open(&reg, 9, true, false), -EDQUOT);
	ck_assert_int_eq(registry_charge_open(&reg, 9, false, false), -EDQUOT); /* 3 timers held */
	for (int i = 0; i < 3; i++)
		registry_refund_open(&reg, 9, true);
	ck_assert_int_eq(registry_charge_open(&reg, 9, true, false), 0);
	registry_refund_open(&reg, 9, true);
	registry_refund_open(&reg, 10, true);
	ck_assert_uint_eq(reg.uids.count, 0); /* nothing held: no entries left */
	/* Unset caps take the defaults. */
	ck_assert_int_eq(registry_init(&r2, &none, pusher), 0);
	ck_assert_uint_eq(r2.limits.max_timers_per_uid, REGISTRY_DEFAULT_MAX_TIMERS_PER_UID);
	ck_assert_uint_eq(r2.limits.max_open_per_uid, REGISTRY_DEFAULT_MAX_OPEN_PER_UID);
	registry_free(&r2);
}
END_TEST

START_TEST(removed_timeline_lives_while_open)
{
	struct timeline *tl = create("a", 0);
	uint64_t id = tl->id;

	timeline_get(tl); /* an open file */
	ck_assert_int_eq(registry_remove(&reg, tl), 0);
	ck_assert_ptr_null(registry_find_name(&reg, "a", 1));
	ck_assert_ptr_eq(registry_find_id(&reg, id), tl); /* its inodes still answer */
	ck_assert(tl->removed);
	ck_assert_int_eq(timeline_set_standing(&reg, tl, &qot_req_none), -ENOENT);
	timeline_put(&reg, tl);
	ck_assert_ptr_null(registry_find_id(&reg, id));
}
END_TEST

static struct qot_bind_spec spec(const char *name, uint64_t acc, uint64_t res)
{
	struct qot_bind_spec s;

	snprintf(s.name, sizeof(s.name), "%s", name);
	s.req = (struct qot_req){acc, acc, res};
	return s;
}

START_TEST(bindings_and_requirements)
{
	struct timeline *tl = create("a", 0);
	struct binding *b1 = NULL, *b2 = NULL, *b3 = NULL, *b4 = NULL;
	struct qot_bind_spec s1 = spec("x", 100, 5), s2 = spec("y", 50, QOT_UNBOUNDED);
	struct qot_req standing = {QOT_UNBOUNDED, 20, QOT_UNBOUNDED};
	uint64_t gen;

	ck_assert_int_eq(timeline_bind(&reg, tl, &b1, &s1, 10, 1000), 0);
	ck_assert_int_eq(timeline_bind(&reg, tl, &b2, &s2, 11, 1000), 0);
	ck_assert_uint_eq(tl->effective.acc_below, 50);
	ck_assert_uint_eq(tl->effective.resolution, 5);
	gen = tl->watch[TL_WATCH_REQUIREMENTS].gen;
	ck_assert_int_eq(timeline_set_standing(&reg, tl, &standing), 0);
	ck_assert_uint_eq(tl->effective.acc_above, 20);
	ck_assert_uint_eq(tl->effective.acc_below, 50);
	ck_assert_uint_gt(tl->watch[TL_WATCH_REQUIREMENTS].gen, gen);

	/* A rebinding that changes nothing effective does not wake requirement pollers. */
	gen = tl->watch[TL_WATCH_REQUIREMENTS].gen;
	s1 = spec("x2", 200, 5);
	ck_assert_int_eq(timeline_bind(&reg, tl, &b1, &s1, 12, 1000), 0);
	ck_assert_ptr_eq(tl->bindings.first, &b1->link); /* same binding, updated in place */
	ck_assert_str_eq(b1->name, "x2");
	ck_assert_int_eq(b1->pid, 12);
	ck_assert_uint_eq(tl->watch[TL_WATCH_REQUIREMENTS].gen, gen);

	ck_assert_int_eq(registry_remove(&reg, tl), -EBUSY);
	ck_assert_int_eq(timeline_bind(&reg, tl, &b3, &s2, 13, 1001), 0);
	ck_assert_int_eq(timeline_bind(&reg, tl, &b4, &s2, 14, 1001), -ENOSPC); /* 3 per timeline */
	ck_assert_ptr_null(b4);
	timeline_unbind(&reg, tl, b2);
	timeline_unbind(&reg, tl, b3);
	ck_assert_uint_eq(tl->effective.acc_below, 200);
	timeline_unbind(&reg, tl, b1);
	ck_assert_uint_eq(tl->effective.acc_below, QOT_UNBOUNDED);
	ck_assert_uint_eq(tl->effective.acc_above, 20); /* the standing requirement stays */
	ck_assert_uint_eq(tl->nbindings, 0);
	ck_assert_int_eq(registry_remove(&reg, tl), 0);
}
END_TEST

/* /qot/.active: its pollers wake when a timeline comes into or goes out of
 * use, or when the requirement of one in use moves; not otherwise. */
START_TEST(activity_tracking)
{
	struct timeline *tl = create("a", 0);
	struct binding *b1 = NULL, *b2 = NULL;
	struct qot_bind_spec s1 = spec("x", 100, 5), s2 = spec("y", 200, 5);
	struct qot_req standing = {30, 30, QOT_UNBOUNDED};
	uint64_t gen = reg.active_watch.gen;

	ck_assert(!timeline_in_use(tl));
	ck_assert_int_eq(timeline_bind(&reg, tl, &b1, &s1, 10, 1000), 0);
	ck_assert(timeline_in_use(tl));
	ck_assert_uint_gt(reg.active_watch.gen, gen);
	gen = reg.active_watch.gen;
	ck_assert_int_eq(timeline_bind(&reg, tl, &b2, &s2, 10, 1000), 0); /* looser: no move */
	ck_assert_uint_eq(reg.active_watch.gen, gen);
	ck_assert_int_eq(timeline_set_standing(&reg, tl, &standing), 0); /* tighter: moves */
	ck_assert_uint_gt(reg.active_watch.gen, gen);
	timeline_unbind(&reg, tl, b1);
	timeline_unbind(&reg, tl, b2);
	ck_assert(timeline_in_use(tl)); /* the standing requirement keeps it in use */
	gen = reg.active_watch.gen;
	ck_assert_int_eq(timeline_set_standing(&reg, tl, &qot_req_none), 0);
	ck_assert(!timeline_in_use(tl));
	ck_assert_uint_gt(reg.active_watch.gen, gen);
	ck_assert_int_eq(timeline_set_standing(&reg, tl, &standing), 0);
	gen = reg.active_watch.gen;
	ck_assert_int_eq(registry_remove(&reg, tl), 0); /* removed while in use */
	ck_assert_uint_gt(reg.active_watch.gen, gen);
}
END_TEST

/* The coordinator's lease and a timeline's membership. */
START_TEST(coordination)
{
	static const char text[] = "leader=b\nnode=a accuracy=5us\nnode=b resolution=1ms\n";
	struct timeline *tl = create("a", 0);
	struct qot_membership m;
	struct coord c = {{0}, 0, false};
	uint64_t gen = tl->watch[TL_WATCH_MEMBERS].gen;

	ck_assert_int_eq(coord_state_at(&c, 0), COORD_NONE);
	ck_assert_int_eq(coord_set_lease(&c, "node=n1 until=2000\n", 19), 0);
	ck_assert_str_eq(c.node, "n1");
	ck_assert_int_eq(coord_state_at(&c, 1000), COORD_CURRENT);
	ck_assert_int_eq(coord_state_at(&c, 1999), COORD_CURRENT);
	ck_assert_int_eq(coord_state_at(&c, 2000), COORD_STALE);
	ck_assert_int_eq(coord_set_lease(&c, "node=.x until=5000", 18), -EINVAL);
	ck_assert_int_eq(coord_set_lease(&c, "node=n2 until=-1", 16), -EINVAL);
	ck_assert_int_eq(coord_set_lease(&c, "node=n2 until=2s", 16), -EINVAL);
	ck_assert_int_eq(coord_set_lease(&c, "node=n2", 7), -EINVAL);
	ck_assert_str_eq(c.node, "n1"); /* refused whole */
	ck_assert_int_eq(coord_state_at(&c, 1000), COORD_CURRENT);
	ck_assert_int_eq(coord_set_lease(&c, "node=n1 until=0", 15), 0);
	ck_assert_int_eq(coord_state_at(&c, 5), COORD_NONE);

	ck_assert_int_eq(qot_membership_parse(text, sizeof(text) - 1, &m), 0);
	ck_assert_int_eq(timeline_set_members(&reg, tl, &m), 0);
	ck_assert_ptr_null(m.members); /* taken over */
	ck_assert_uint_eq(tl->members.n, 2);
	ck_assert_str_eq(tl->members.leader, "b");
	ck_assert_uint_gt(tl->watch[TL_WATCH_MEMBERS].gen, gen);
	timeline_get(tl); /* as an open file would */
	ck_assert_int_eq(registry_remove(&reg, tl), 0);
	ck_assert_int_eq(timeline_set_members(&reg, tl, &m), -ENOENT);
	timeline_put(&reg, tl);
}
END_TEST

START_TEST(per_uid_cap)
{
	struct timeline *a = create("a", 0), *b = create("b", 0);
	struct binding *bs[6] = {0};
	struct qot_bind_spec s = spec("x", 1, 1);

	for (int i = 0; i < 5; i++)
		ck_assert_int_eq(timeline_bind(&reg, i < 3 ? a : b, &bs[i], &s, 1, 42), 0);
	ck_assert_int_eq(timeline_bind(&reg, b, &bs[5], &s, 1, 42), -EDQUOT);
	ck_assert_uint_eq(registry_uid_bindings(&reg, 42), 5);
	ck_assert_uint_eq(b->nbindings, 2);				/* nothing half-applied */
	ck_assert_int_eq(timeline_bind(&reg, b, &bs[5], &s, 1, 43), 0); /* another uid */
	timeline_unbind(&reg, a, bs[0]);
	ck_assert_uint_eq(registry_uid_bindings(&reg, 42), 4);
	bs[0] = NULL;
	ck_assert_int_eq(timeline_bind(&reg, b, &bs[0], &s, 1, 42), -ENOSPC); /* b is full */
	for (int i = 1; i < 6; i++)
		timeline_unbind(&reg, i < 3 ? a : b, bs[i]);
	ck_assert_uint_eq(registry_uid_bindings(&reg, 42), 0);
}
END_TEST

START_TEST(watches)
{
	struct watchlist wl;
	struct watch w;

	memset(&w, 0, sizeof(w));
	watchlist_init(&wl);
	ck_assert_int_eq(watch_poll(&w, &wl, NULL), 1); /* never read: something to read */
	watch_seen(&w, &wl);
	ck_assert_int_eq(watch_poll(&w, &wl, NULL), 0);
	watchlist_changed(&wl, pusher);
	ck_assert_int_eq(watch_poll(&w, &wl, NULL), 1);
	watch_seen(&w, &wl);
	ck_assert_int_eq(watch_poll(&w, &wl, NULL), 0);
	ck_assert_ptr_eq(wl.watches.first, &w.link);
	watch_detach(&w);
	ck_assert_ptr_null(wl.watches.first);
}
END_TEST

START_TEST(removal_wakes_timeline_watchers)
{
	struct timeline *tl = create("a", 0);
	uint64_t before = reg.timelines_watch.gen, req_before;

	create("b", 0);
	ck_assert_uint_gt(reg.timelines_watch.gen, before);
	req_before = tl->watch[TL_WATCH_REQUIREMENTS].gen;
	timeline_get(tl);
	registry_remove(&reg, tl);
	ck_assert_uint_gt(tl->watch[TL_WATCH_REQUIREMENTS].gen, req_before);
	timeline_put(&reg, tl);
}
END_TEST

START_TEST(inode_scheme)
{
	uint64_t id;
	enum node_kind kind;

	ck_assert_int_eq(node_split(NODE_ROOT_INO, &id, &kind), 0);
	ck_assert_int_eq(kind, NODE_ROOT);
	ck_assert_int_eq(node_split(NODE_TIMELINES_INO, &id, &kind), 0);
	ck_assert_int_eq(kind, NODE_TIMELINES);
	ck_assert_int_eq(node_split(node_ino(77, NODE_CTL), &id, &kind), 0);
	ck_assert_uint_eq(id, 77);
	ck_assert_int_eq(kind, NODE_CTL);
	ck_assert_int_eq(node_split(3, &id, &kind), 0);
	ck_assert_int_eq(kind, NODE_ACTIVE);
	ck_assert_int_eq(node_split(4, &id, &kind), 0);
	ck_assert_int_eq(kind, NODE_COORDINATION);
	ck_assert_uint_eq(node_root_ino(NODE_COORDINATION), 4);
	ck_assert_int_eq(node_split(5, &id, &kind), -ENOENT);
	ck_assert_int_eq(node_split(node_ino(9, NODE_MEMBERS), &id, &kind), 0);
	ck_assert_int_eq(kind, NODE_MEMBERS);
	ck_assert_int_eq(node_split((5 << NODE_KIND_BITS) | 31, &id, &kind), -ENOENT);
	ck_assert_int_eq(node_split((5 << NODE_KIND_BITS) | NODE_ROOT, &id, &kind), -ENOENT);
	ck_assert_ptr_null(node_file_by_name("nope"));
	ck_assert_int_eq(node_file_by_name("bind")->kind, NODE_BIND);
}
END_TEST

START_TEST(access_rules)
{
	struct timeline tl;
	struct caller me = {getuid(), getgid(), getpid()};
	struct caller other = {4242, 4242, getpid()};
	struct caller unseen = {getuid(), getgid(), 0};

	ck_assert_int_eq(access_init(), 0);
	memset(&tl, 0, sizeof(tl));
	tl.owner = 4242;
	ck_assert(access_privileged(&me));
	ck_assert(!access_privileged(&other));
	ck_assert(!access_privileged(&unseen)); /* fail closed */

	ck_assert_int_eq(access_check(NODE_NOW, &tl, &other, R_OK), 0);
	ck_assert_int_eq(access_check(NODE_NOW, &tl, &other, W_OK), -EACCES);
	ck_assert_int_eq(access_check(NODE_NOW, &tl, &me, W_OK), -EACCES); /* nobody writes now */
	ck_assert_int_eq(access_check(NODE_BIND, &tl, &other, R_OK | W_OK), 0);
	ck_assert_int_eq(access_check(NODE_CTL, &tl, &other, R_OK), 0); /* public parameters */
	ck_assert_int_eq(access_check(NODE_CTL, &tl, &other, W_OK), -EACCES);
	ck_assert_int_eq(access_check(NODE_CTL, &tl, &me, R_OK | W_OK), 0);
	ck_assert_int_eq(access_check(NODE_CTL, &tl, &unseen, W_OK), -EACCES);
	ck_assert_int_eq(access_check(NODE_REQUIREMENTS, &tl, &other, W_OK), 0); /* creator */
	ck_assert(access_is_creator(&tl, &other));
	/* The daemon's own uid creates with privilege: from elsewhere it is not the creator. */
	tl.owner = getuid();
	tl.owner_userns = access_userns(&me);
	ck_assert_uint_ne(tl.owner_userns, 0);
	ck_assert(access_is_creator(&tl, &me));
	ck_assert(!access_is_creator(&tl, &unseen));
	tl.owner_userns++; /* made by the same uid in another user namespace */
	ck_assert(!access_is_creator(&tl, &me));
	ck_assert_int_eq(access_check(NODE_REQUIREMENTS, &tl, &unseen, W_OK), -EACCES);
	tl.owner = 1;
	ck_assert_int_eq(access_check(NODE_REQUIREMENTS, &tl, &other, W_OK), -EACCES);
	ck_assert_int_eq(access_check(NODE_REQUIREMENTS, &tl, &other, R_OK), 0);
	ck_assert_int_eq(access_check(NODE_ROOT, NULL, &other, W_OK | X_OK), 0);
	ck_assert_uint_eq(access_mode(NODE_ROOT) & 07777, 01777);
	ck_assert_uint_eq(access_owner(NODE_REQUIREMENTS, &tl), 1);
}
END_TEST

static int parse(struct qotfs_options *o, const char *args)
{
	char copy[512], *argv[16];
	int argc = 0;
	FILE *null = fopen("/dev/null", "w");
	int res;

	snprintf(copy, sizeof(copy), "%s", args);
	for (char *save = NULL, *w = strtok_r(copy, " ", &save); w && argc < 15;
	     w = strtok_r(NULL, " ", &save))
		argv[argc++] = w;
	argv[argc] = NULL;
	res = qotfs_parse_options(argc, argv, o, null, null);
	fclose(null);
	return res;
}

START_TEST(options)
{
	struct qotfs_options o;

	ck_assert_int_eq(parse(&o, "qotfs"), OPTIONS_RUN);
	ck_assert_str_eq(o.mountpoint, "/qot");
	ck_assert(!o.foreground);
	ck_assert_int_eq(parse(&o, "qotfs -f /mnt/x"), OPTIONS_RUN);
	ck_assert(o.foreground);
	ck_assert_str_eq(o.mountpoint, "/mnt/x");
	ck_assert_int_eq(parse(&o, "qotfs -o auto_unmount -o ro --max-timelines=7 /m"),
			 OPTIONS_RUN);
	ck_assert_str_eq(o.fuse_opts, "auto_unmount,ro");
	ck_assert_uint_eq(o.limits.max_timelines, 7);
	ck_assert_int_eq(parse(&o, "qotfs --max-bindings 9 --max-bindings-per-uid=3"), OPTIONS_RUN);
	ck_assert_uint_eq(o.limits.max_bindings_per_timeline, 9);
	ck_assert_uint_eq(o.limits.max_bindings_per_uid, 3);
	ck_assert_uint_eq(o.spin_us, 30);
	ck_assert_int_eq(parse(&o, "qotfs --spin-us=0"), OPTIONS_RUN);
	ck_assert_uint_eq(o.spin_us, 0);
	ck_assert_int_eq(parse(&o, "qotfs --spin-us=1001"), OPTIONS_USAGE_ERROR);
	ck_assert_int_eq(parse(&o, "qotfs -d"), OPTIONS_RUN);
	ck_assert(o.debug && o.foreground);
	ck_assert_int_eq(parse(&o, "qotfs --help"), OPTIONS_EXIT_OK);
	ck_assert_int_eq(parse(&o, "qotfs -V"), OPTIONS_EXIT_OK);
	ck_assert_int_eq(parse(&o, "qotfs --bogus"), OPTIONS_USAGE_ERROR);
	ck_assert_int_eq(parse(&o, "qotfs -x"), OPTIONS_USAGE_ERROR);
	ck_assert_int_eq(parse(&o, "qotfs /a /b"), OPTIONS_USAGE_ERROR);
	ck_assert_int_eq(parse(&o, "qotfs --max-timelines=0"), OPTIONS_USAGE_ERROR);
	ck_assert_int_eq(parse(&o, "qotfs --max-timelines=-1"), OPTIONS_USAGE_ERROR);
	ck_assert_int_eq(parse(&o, "qotfs --max-timelines=10x"), OPTIONS_USAGE_ERROR);
	ck_assert_int_eq(parse(&o, "qotfs --max-bindings"), OPTIONS_USAGE_ERROR);
	ck_assert_int_eq(parse(&o, "qotfs -o"), OPTIONS_USAGE_ERROR);
	ck_assert_int_eq(parse(&o, "qotfs --max-timers-per-uid=5 --max-open-per-uid 6"),
			 OPTIONS_RUN);
	ck_assert_uint_eq(o.limits.max_timers_per_uid, 5);
	ck_assert_uint_eq(o.limits.max_open_per_uid, 6);
	ck_assert_int_eq(parse(&o, "qotfs --max-timers-per-uid=0"), OPTIONS_USAGE_ERROR);
	ck_assert_int_eq(parse(&o, "qotfs --max-open-per-uid=x"), OPTIONS_USAGE_ERROR);
}
END_TEST

struct item {
	struct hnode node;
	uint64_t key;
};

static int match_item(const struct hnode *n, const void *key)
{
	return container_of(n, struct item, node)->key == *(const uint64_t *)key;
}

START_TEST(hashtab_grows_and_removes)
{
	enum { N = 5000 };
	struct item *items = calloc(N, sizeof(*items));
	struct hashtab t;

	ck_assert_int_eq(hashtab_init(&t), 0);
	for (uint64_t i = 0; i < N; i++) {
		items[i].key = i * 7919;
		hashtab_insert(&t, &items[i].node, hash_u64(items[i].key));
	}
	ck_assert_uint_eq(t.count, N);
	ck_assert_uint_ge(t.nbuckets, N);
	for (uint64_t i = 0; i < N; i += 2)
		hashtab_remove(&t, &items[i].node);
	for (uint64_t i = 0; i < N; i++) {
		uint64_t key = i * 7919;
		struct hnode *n = hashtab_find(&t, hash_u64(key), match_item, &key);
		if (i % 2)
			ck_assert_ptr_eq(n, &items[i].node);
		else
			ck_assert_ptr_null(n);
	}
	hashtab_free(&t);
	free(items);
}
END_TEST

static Suite *model_suite(void)
{
	Suite *s = suite_create("model");
	TCase *pure = tcase_create("pure");
	TCase *reg_tc = tcase_create("registry");

	tcase_add_test(pure, reqset_matches_brute_force);
	tcase_add_test(pure, inode_scheme);
	tcase_add_test(pure, access_rules);
	tcase_add_test(pure, options);
	tcase_add_test(pure, hashtab_grows_and_removes);
	tcase_set_timeout(pure, 60);
	suite_add_tcase(s, pure);

	tcase_add_checked_fixture(reg_tc, model_setup, model_teardown);
	tcase_add_test(reg_tc, timelines_create_find_remove);
	tcase_add_test(reg_tc, timeline_caps);
	tcase_add_test(reg_tc, read_bytes_per_uid);
	tcase_add_test(reg_tc, open_files_per_uid);
	tcase_add_test(reg_tc, removed_timeline_lives_while_open);
	tcase_add_test(reg_tc, bindings_and_requirements);
	tcase_add_test(reg_tc, per_uid_cap);
	tcase_add_test(reg_tc, activity_tracking);
	tcase_add_test(reg_tc, coordination);
	tcase_add_test(reg_tc, watches);
	tcase_add_test(reg_tc, removal_wakes_timeline_watchers);
	suite_add_tcase(s, reg_tc);
	return s;
}

int main(void)
{
	return run_suite(model_suite());
}
