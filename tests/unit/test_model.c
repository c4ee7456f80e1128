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
#include "loop.h"
#include "nodes.h"
#include "options.h"
#include "params.h"
#include "pusher.h"
#include "quota.h"
#include "registry.h"
#include "reqset.h"
#include "timeline.h"
#include "watch.h"
#include "watchers.h"
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
static struct registry *reg;
static struct watchers *watchers; /* the pollers' listener, as the daemon wires it */

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
	reg = registry_new(&lim, pusher);
	ck_assert_ptr_nonnull(reg);
	watchers = watchers_new(reg, pusher);
	ck_assert_ptr_nonnull(watchers);
}

static void model_teardown(void)
{
	registry_free(reg);
	watchers_free(watchers);
	pusher_free(pusher);
}

static int create_as(const char *name, uid_t uid, bool privileged, struct timeline **out)
{
	struct timeline_creator cr = {uid, uid, uid, 0, -1, 0};
	return registry_create(reg, name, strlen(name), &cr, privileged, out);
}

static struct timeline *create(const char *name, int expect)
{
	struct timeline *tl = NULL;
	ck_assert_int_eq(create_as(name, 1000, false, &tl), expect);
	return tl;
}

/* The generation of one of a timeline's watched files. */
static uint64_t gen_of(const struct timeline *tl, enum tl_watch which)
{
	return watchers_of(watchers, tl)[which].gen;
}

START_TEST(timelines_create_find_remove)
{
	struct timeline *a = create("a", 0), *b = create("b", 0);

	create("a", -EEXIST);
	create(".a", -EINVAL);
	create("", -EINVAL);
	create("a/b", -EINVAL);
	ck_assert_ptr_eq(registry_find_name(reg, "a", 1), a);
	ck_assert_ptr_eq(registry_find_id(reg, timeline_id(b)), b);
	ck_assert_uint_ne(timeline_id(a), timeline_id(b));
	create("c", 0);
	create("d", 0);
	create("e", -EDQUOT); /* 4 per user */
	ck_assert_int_eq(registry_remove(reg, a, false), 0);
	ck_assert_ptr_null(registry_find_name(reg, "a", 1));
	create("e", 0);
	/* A new timeline of an old name is a new timeline: ids never come back. */
	ck_assert_int_eq(registry_remove(reg, b, false), 0);
	b = create("b", 0);
	ck_assert_uint_gt(timeline_id(b), timeline_id(registry_find_name(reg, "e", 1)));
}
END_TEST

START_TEST(timeline_caps)
{
	struct timeline *tl;

	for (const char *n = "abcd"; *n; n++) {
		char name[2] = {*n, '\0'};
		ck_assert_int_eq(create_as(name, 7, false, &tl), 0);
	}
	ck_assert_int_eq(create_as("e", 7, false, &tl), -EDQUOT);
	ck_assert_int_eq(create_as("e", 7, true, &tl), 0);	 /* privileged */
	ck_assert_int_eq(create_as("f", 8, true, &tl), -ENOSPC); /* 5 in all */
	registry_remove(reg, registry_find_name(reg, "a", 1), false);
	ck_assert_int_eq(create_as("f", 8, false, &tl), 0);
}
END_TEST

START_TEST(read_bytes_per_uid)
{
	ck_assert_int_eq(quota_charge_read(registry_quota(reg), 9, 60, false), 0);
	ck_assert_int_eq(quota_charge_read(registry_quota(reg), 9, 41, false),
			 -ENOBUFS);						     /* cap 100 */
	ck_assert_int_eq(quota_charge_read(registry_quota(reg), 10, 100, false), 0); /* per user */
	ck_assert_int_eq(quota_charge_read(registry_quota(reg), 9, 41, true), 0);    /* forced */
	quota_refund_read(registry_quota(reg), 9, 101);
	ck_assert_int_eq(quota_charge_read(registry_quota(reg), 9, 100, false), 0);
	quota_refund_read(registry_quota(reg), 9, 100);
	quota_refund_read(registry_quota(reg), 10, 100);
	ck_assert_uint_eq(quota_users(registry_quota(reg)), 0); /* nothing held: no entries left */
}
END_TEST

START_TEST(open_files_per_uid)
{
	struct registry *r2;
	struct registry_limits none = {.max_timelines = 1};

	ck_assert_int_eq(quota_charge_open(registry_quota(reg), 9, true, false), 0);
	ck_assert_int_eq(quota_charge_open(registry_quota(reg), 9, true, false), 0);
	ck_assert_int_eq(quota_charge_open(registry_quota(reg), 9, true, false),
			 -EDQUOT); /* 2 timers */
	ck_assert_int_eq(quota_charge_open(registry_quota(reg), 9, false, false), 0);
	ck_assert_int_eq(quota_charge_open(registry_quota(reg), 9, false, false),
			 -EDQUOT);						      /* 3 files */
	ck_assert_int_eq(quota_charge_open(registry_quota(reg), 10, true, false), 0); /* per user */
	ck_assert_int_eq(quota_charge_open(registry_quota(reg), 9, true, true), 0);   /* forced */
	/* Closing a plain file frees a file, not a timer. */
	quota_refund_open(registry_quota(reg), 9, false);
	ck_assert_int_eq(quota_charge_open(registry_quota(reg), 9, true, false), -EDQUOT);
	ck_assert_int_eq(quota_charge_open(registry_quota(reg), 9, false, false),
			 -EDQUOT); /* 3 timers held */
	for (int i = 0; i < 3; i++)
		quota_refund_open(registry_quota(reg), 9, true);
	ck_assert_int_eq(quota_charge_open(registry_quota(reg), 9, true, false), 0);
	quota_refund_open(registry_quota(reg), 9, true);
	quota_refund_open(registry_quota(reg), 10, true);
	ck_assert_uint_eq(quota_users(registry_quota(reg)), 0); /* nothing held: no entries left */
	/* Unset caps take the defaults. */
	r2 = registry_new(&none, pusher);
	ck_assert_ptr_nonnull(r2);
	ck_assert_uint_eq(registry_limits(r2)->max_timers_per_uid,
			  REGISTRY_DEFAULT_MAX_TIMERS_PER_UID);
	ck_assert_uint_eq(registry_limits(r2)->max_open_per_uid, REGISTRY_DEFAULT_MAX_OPEN_PER_UID);
	registry_free(r2);
}
END_TEST

START_TEST(removed_timeline_lives_while_open)
{
	struct timeline *tl = create("a", 0);
	uint64_t id = timeline_id(tl);

	timeline_get(tl); /* an open file */
	ck_assert_int_eq(registry_remove(reg, tl, false), 0);
	ck_assert_ptr_null(registry_find_name(reg, "a", 1));
	ck_assert_ptr_eq(registry_find_id(reg, id), tl); /* its inodes still answer */
	ck_assert(timeline_removed(tl));
	ck_assert_int_eq(timeline_set_standing(tl, &qot_req_none), -ENOENT);
	timeline_put(tl);
	ck_assert_ptr_null(registry_find_id(reg, id));
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

	ck_assert_int_eq(timeline_bind(tl, &b1, &s1, 10, 1000, 1000, false), 0);
	ck_assert_int_eq(timeline_bind(tl, &b2, &s2, 11, 1000, 1000, false), 0);
	ck_assert_uint_eq(timeline_effective(tl)->acc_below, 50);
	ck_assert_uint_eq(timeline_effective(tl)->resolution, 5);
	gen = gen_of(tl, TL_WATCH_REQUIREMENTS);
	ck_assert_int_eq(timeline_set_standing(tl, &standing), 0);
	ck_assert_uint_eq(timeline_effective(tl)->acc_above, 20);
	ck_assert_uint_eq(timeline_effective(tl)->acc_below, 50);
	ck_assert_uint_gt(gen_of(tl, TL_WATCH_REQUIREMENTS), gen);

	/* A rebinding that changes nothing effective does not wake requirement pollers. */
	gen = gen_of(tl, TL_WATCH_REQUIREMENTS);
	s1 = spec("x2", 200, 5);
	ck_assert_int_eq(timeline_bind(tl, &b1, &s1, 12, 1000, 1000, false), 0);
	ck_assert_ptr_eq(timeline_next_binding(tl, NULL), b1); /* same binding, updated in place */
	ck_assert_str_eq(b1->name, "x2");
	ck_assert_int_eq(b1->pid, 12);
	ck_assert_uint_eq(gen_of(tl, TL_WATCH_REQUIREMENTS), gen);

	ck_assert_int_eq(registry_remove(reg, tl, false), -EBUSY);
	ck_assert_int_eq(timeline_bind(tl, &b3, &s2, 13, 1001, 1001, false), 0);
	ck_assert_int_eq(timeline_bind(tl, &b4, &s2, 14, 1001, 1001, false),
			 -ENOSPC); /* 3 per timeline */
	ck_assert_ptr_null(b4);
	timeline_unbind(tl, b2);
	timeline_unbind(tl, b3);
	ck_assert_uint_eq(timeline_effective(tl)->acc_below, 200);
	timeline_unbind(tl, b1);
	ck_assert_uint_eq(timeline_effective(tl)->acc_below, QOT_UNBOUNDED);
	ck_assert_uint_eq(timeline_effective(tl)->acc_above,
			  20); /* the standing requirement stays */
	ck_assert_uint_eq(timeline_nbindings(tl), 0);
	ck_assert_int_eq(registry_remove(reg, tl, false), 0);
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
	uint64_t gen = watchers_active(watchers)->gen;

	ck_assert(!timeline_in_use(tl));
	ck_assert_int_eq(timeline_bind(tl, &b1, &s1, 10, 1000, 1000, false), 0);
	ck_assert(timeline_in_use(tl));
	ck_assert_uint_gt(watchers_active(watchers)->gen, gen);
	gen = watchers_active(watchers)->gen;
	ck_assert_int_eq(timeline_bind(tl, &b2, &s2, 10, 1000, 1000, false),
			 0); /* looser: no move */
	ck_assert_uint_eq(watchers_active(watchers)->gen, gen);
	ck_assert_int_eq(timeline_set_standing(tl, &standing), 0); /* tighter: moves */
	ck_assert_uint_gt(watchers_active(watchers)->gen, gen);
	timeline_unbind(tl, b1);
	timeline_unbind(tl, b2);
	ck_assert(timeline_in_use(tl)); /* the standing requirement keeps it in use */
	gen = watchers_active(watchers)->gen;
	ck_assert_int_eq(timeline_set_standing(tl, &qot_req_none), 0);
	ck_assert(!timeline_in_use(tl));
	ck_assert_uint_gt(watchers_active(watchers)->gen, gen);
	ck_assert_int_eq(timeline_set_standing(tl, &standing), 0);
	gen = watchers_active(watchers)->gen;
	ck_assert_int_eq(registry_remove(reg, tl, false), 0); /* removed while in use */
	ck_assert_uint_gt(watchers_active(watchers)->gen, gen);
}
END_TEST

/* The coordinator's lease and a timeline's membership. */
START_TEST(coordination)
{
	static const char text[] = "leader=b\nnode=a accuracy=5us\nnode=b resolution=1ms\n";
	struct timeline *tl = create("a", 0);
	struct qot_membership m;
	struct coord c = {{0}, 0, false};
	uint64_t gen = gen_of(tl, TL_WATCH_MEMBERS);

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
	ck_assert_int_eq(timeline_set_members(tl, &m), 0);
	ck_assert_ptr_null(m.members); /* taken over */
	ck_assert_uint_eq(timeline_members(tl)->n, 2);
	ck_assert_str_eq(timeline_members(tl)->leader, "b");
	ck_assert_uint_gt(gen_of(tl, TL_WATCH_MEMBERS), gen);
	timeline_get(tl); /* as an open file would */
	ck_assert_int_eq(registry_remove(reg, tl, false), 0);
	ck_assert_int_eq(timeline_set_members(tl, &m), -ENOENT);
	timeline_put(tl);
}
END_TEST

START_TEST(per_uid_cap)
{
	struct timeline *a = create("a", 0), *b = create("b", 0);
	struct binding *bs[6] = {0};
	struct qot_bind_spec s = spec("x", 1, 1);

	for (int i = 0; i < 5; i++)
		ck_assert_int_eq(timeline_bind(i < 3 ? a : b, &bs[i], &s, 1, 42, 42, false), 0);
	ck_assert_int_eq(timeline_bind(b, &bs[5], &s, 1, 42, 42, false), -EDQUOT);
	ck_assert_uint_eq(quota_bindings(registry_quota(reg), 42), 5);
	ck_assert_uint_eq(timeline_nbindings(b), 2); /* nothing half-applied */
	ck_assert_int_eq(timeline_bind(b, &bs[5], &s, 1, 43, 43, false), 0); /* another uid */
	timeline_unbind(a, bs[0]);
	ck_assert_uint_eq(quota_bindings(registry_quota(reg), 42), 4);
	bs[0] = NULL;
	ck_assert_int_eq(timeline_bind(b, &bs[0], &s, 1, 42, 42, false), -ENOSPC); /* b is full */
	for (int i = 1; i < 6; i++)
		timeline_unbind(i < 3 ? a : b, bs[i]);
	ck_assert_uint_eq(quota_bindings(registry_quota(reg), 42), 0);
}
END_TEST

/* Each uid's share of one timeline's bindings; privileged callers are held
 * to no share (to the caps still), and may remove a bound timeline, whose
 * bindings then only end. */
START_TEST(binding_shares_and_privilege)
{
	struct registry_limits lim = {.max_timelines = 5,
				      .max_timelines_per_uid = 5,
				      .max_bindings_per_timeline = 4,
				      .max_bindings_per_uid = 10,
				      .max_bindings_share = 2};
	struct registry *r = registry_new(&lim, pusher);
	struct timeline_creator cr = {1, 1, 1, 0, -1, 0};
	struct qot_bind_spec s = spec("x", 1, 1);
	struct binding *bs[8] = {0};
	struct timeline *tl, *other;

	ck_assert_ptr_nonnull(r);
	ck_assert_int_eq(registry_create(r, "a", 1, &cr, false, &tl), 0);
	ck_assert_int_eq(registry_create(r, "b", 1, &cr, false, &other), 0);
	ck_assert_int_eq(timeline_bind(tl, &bs[0], &s, 1, 42, 42, false), 0);
	ck_assert_int_eq(timeline_bind(tl, &bs[1], &s, 1, 42, 42, false), 0);
	ck_assert_int_eq(timeline_bind(tl, &bs[2], &s, 1, 42, 42, false), -EDQUOT); /* its share */
	ck_assert_ptr_null(bs[2]);
	ck_assert_uint_eq(quota_bindings(registry_quota(r), 42), 2); /* nothing half-applied */
	ck_assert_int_eq(timeline_bind(other, &bs[2], &s, 1, 42, 42, false), 0); /* per timeline */
	ck_assert_int_eq(timeline_bind(tl, &bs[3], &s, 1, 43, 43, false), 0);	 /* another uid */
	ck_assert_int_eq(timeline_bind(tl, &bs[4], &s, 1, 42, 42, true), 0);	 /* privileged */
	ck_assert_uint_eq(timeline_nbindings(tl), 4);
	ck_assert_int_eq(timeline_bind(tl, &bs[5], &s, 1, 43, 43, false), -ENOSPC); /* 4 in all */
	ck_assert_int_eq(timeline_bind(tl, &bs[5], &s, 1, 43, 43, true), -ENOSPC);  /* caps still */
	/* A share freed is a share to take again. */
	timeline_unbind(tl, bs[0]);
	timeline_unbind(tl, bs[4]);
	bs[0] = bs[4] = NULL;
	ck_assert_int_eq(timeline_bind(tl, &bs[0], &s, 1, 42, 42, false), 0);
	/* Bound: only a privileged removal goes through. */
	ck_assert_int_eq(registry_remove(r, tl, false), -EBUSY);
	timeline_get(tl); /* as the open bind files would */
	ck_assert_int_eq(registry_remove(r, tl, true), 0);
	ck_assert(timeline_removed(tl));
	ck_assert_ptr_null(registry_find_name(r, "a", 1));
	ck_assert_int_eq(timeline_bind(tl, &bs[0], &s, 2, 42, 42, false), -ENOENT); /* rebinding */
	ck_assert_int_eq(timeline_bind(tl, &bs[6], &s, 2, 44, 44, true), -ENOENT);  /* binding */
	for (int i = 0; i < 6; i++) {
		if (bs[i] != NULL)
			timeline_unbind(i == 2 ? other : tl, bs[i]);
	}
	ck_assert_uint_eq(timeline_nbindings(tl), 0);
	ck_assert_uint_eq(quota_bindings(registry_quota(r), 42), 0);
	timeline_put(tl);
	registry_free(r);
}
END_TEST

/* Where a listing resumes: the first live timeline above an id, live or not. */
START_TEST(resuming_after_any_id)
{
	struct timeline *t[5];
	char name[2] = "a";

	for (int i = 0; i < 5; i++, name[0]++)
		ck_assert_int_eq(create_as(name, 1000, true, &t[i]), 0);
	ck_assert_ptr_eq(registry_after_id(reg, 0), t[0]);
	ck_assert_int_eq(registry_remove(reg, t[1], false), 0);
	ck_assert_int_eq(registry_remove(reg, t[2], false), 0);
	ck_assert_int_eq(registry_remove(reg, t[4], false), 0);
	ck_assert_ptr_eq(registry_after_id(reg, 0), t[0]);
	ck_assert_ptr_eq(registry_after_id(reg, timeline_id(t[0])), t[3]); /* 2 and 3 gone */
	ck_assert_ptr_eq(registry_after_id(reg, timeline_id(t[0]) + 1), t[3]);
	ck_assert_ptr_eq(registry_after_id(reg, timeline_id(t[3]) - 1), t[3]);
	ck_assert_ptr_null(registry_after_id(reg, timeline_id(t[3])));
	ck_assert_ptr_null(registry_after_id(reg, UINT64_MAX));
	ck_assert_ptr_eq(registry_next(reg, t[0]), t[3]);
	ck_assert_uint_eq(registry_count(reg), 2);
}
END_TEST

/* Global caps on held text and open files, beyond which privileged callers
 * (force) have a sixteenth more. */
START_TEST(global_caps_and_their_reserve)
{
	struct quota_limits lim = {.timelines = 1,
				   .bindings = 1,
				   .read_bytes = 1000,
				   .files = 100,
				   .timers = 100,
				   .total_files = 32,
				   .total_read_bytes = 1600};
	struct quota *q = quota_new(&lim);

	ck_assert_ptr_nonnull(q);
	ck_assert_int_eq(quota_charge_read(q, 1, 900, false), 0);
	ck_assert_int_eq(quota_charge_read(q, 2, 700, false), 0); /* 1600 in all */
	ck_assert_int_eq(quota_charge_read(q, 3, 1, false), -ENOBUFS);
	ck_assert_int_eq(quota_charge_read(q, 3, 100, true), 0); /* 1700 = 1600 + 1600/16 */
	ck_assert_int_eq(quota_charge_read(q, 3, 1, true), -ENOBUFS);
	quota_refund_read(q, 1, 900);
	ck_assert_int_eq(quota_charge_read(q, 3, 800, false), 0);
	for (int i = 0; i < 32; i++)
		ck_assert_int_eq(quota_charge_open(q, (uid_t)(10 + i), i % 2, false), 0);
	ck_assert_int_eq(quota_charge_open(q, 50, false, false), -ENFILE); /* a new user too */
	ck_assert_int_eq(quota_charge_open(q, 50, true, true), 0);
	ck_assert_int_eq(quota_charge_open(q, 50, false, true), 0); /* 34 = 32 + 32/16 */
	ck_assert_int_eq(quota_charge_open(q, 50, false, true), -ENFILE);
	quota_refund_open(q, 10, false);
	ck_assert_int_eq(quota_charge_open(q, 51, false, false), -ENFILE); /* 33 held: still */
	quota_refund_open(q, 50, true);
	quota_refund_open(q, 50, false);
	ck_assert_int_eq(quota_charge_open(q, 51, false, false), 0);
	quota_free(q);
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
	uint64_t before = watchers_timelines(watchers)->gen, req_before;

	create("b", 0);
	ck_assert_uint_gt(watchers_timelines(watchers)->gen, before);
	req_before = gen_of(tl, TL_WATCH_REQUIREMENTS);
	timeline_get(tl);
	registry_remove(reg, tl, false);
	ck_assert_uint_gt(gen_of(tl, TL_WATCH_REQUIREMENTS), req_before);
	timeline_put(tl);
}
END_TEST

/* The note: kept as written; its news wake the pollers of sync, a reading alone does not. */
START_TEST(note_wakes_sync_on_news)
{
	struct timeline *tl = create("n", 0);
	const char *a = "peer=follow upstream=x ~age=0.1 effort=controlled reason=met at 1s\n";
	const char *b = "peer=follow upstream=x ~age=0.9 effort=controlled reason=met at 1s\n";
	const char *c = "peer=follow upstream=x ~age=0.9 effort=controlled reason=tight at 1s\n";
	uint64_t g = gen_of(tl, TL_WATCH_SYNC), clock = gen_of(tl, TL_WATCH_CLOCK);

	ck_assert_str_eq(timeline_note(tl), "");
	ck_assert_int_eq(timeline_set_note(tl, a, strlen(a)), 0);
	ck_assert_uint_gt(gen_of(tl, TL_WATCH_SYNC), g);
	ck_assert_str_eq(timeline_note(tl), "peer=follow upstream=x ~age=0.1 effort=controlled "
					    "reason=met at 1s");
	g = gen_of(tl, TL_WATCH_SYNC);
	ck_assert_int_eq(timeline_set_note(tl, a, strlen(a)), 0); /* the same: nobody */
	ck_assert_uint_eq(gen_of(tl, TL_WATCH_SYNC), g);
	ck_assert_int_eq(timeline_set_note(tl, b, strlen(b)), 0); /* the age alone: nobody */
	ck_assert_uint_eq(gen_of(tl, TL_WATCH_SYNC), g);
	ck_assert_str_eq(timeline_note(tl), "peer=follow upstream=x ~age=0.9 effort=controlled "
					    "reason=met at 1s");
	ck_assert_int_eq(timeline_set_note(tl, c, strlen(c)), 0); /* the reason: news */
	ck_assert_uint_gt(gen_of(tl, TL_WATCH_SYNC), g);
	g = gen_of(tl, TL_WATCH_SYNC);
	/* Refused, and nothing changes. */
	ck_assert_int_eq(timeline_set_note(tl, "free text\n", 10), -EINVAL);
	ck_assert_int_eq(timeline_set_note(tl, "a=1\nb=2\n", 8), -EINVAL);
	ck_assert_uint_eq(gen_of(tl, TL_WATCH_SYNC), g);
	ck_assert_str_eq(timeline_note(tl), "peer=follow upstream=x ~age=0.9 effort=controlled "
					    "reason=tight at 1s");
	ck_assert_int_eq(timeline_set_note(tl, "\n", 1), 0); /* none: news */
	ck_assert_uint_gt(gen_of(tl, TL_WATCH_SYNC), g);
	ck_assert_str_eq(timeline_note(tl), "");
	ck_assert_uint_eq(gen_of(tl, TL_WATCH_CLOCK), clock); /* ctl's pollers: not theirs */
	timeline_get(tl);
	registry_remove(reg, tl, false);
	ck_assert_int_eq(timeline_set_note(tl, a, strlen(a)), -ENOENT);
	timeline_put(tl);
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

/* A timeline created (privileged) by owner from user namespace userns. */
static struct timeline *created_by(const char *name, uid_t owner, ino_t userns)
{
	struct timeline_creator cr = {owner, owner, owner, userns, -1, 0};
	struct timeline *tl = NULL;

	ck_assert_int_eq(registry_create(reg, name, strlen(name), &cr, true, &tl), 0);
	return tl;
}

START_TEST(access_rules)
{
	struct timeline *tl;
	struct caller me = {getuid(), getgid(), getpid()};
	struct caller other = {4242, 4242, getpid()};
	struct caller unseen = {getuid(), getgid(), 0};

	ck_assert_int_eq(access_init(), 0);
	tl = created_by("a", 4242, 0);
	ck_assert(access_privileged(&me));
	ck_assert(!access_privileged(&other));
	ck_assert(!access_privileged(&unseen)); /* fail closed */

	ck_assert_int_eq(access_check(NODE_NOW, tl, &other, R_OK), 0);
	ck_assert_int_eq(access_check(NODE_NOW, tl, &other, W_OK), -EACCES);
	ck_assert_int_eq(access_check(NODE_NOW, tl, &me, W_OK), -EACCES); /* nobody writes now */
	ck_assert_int_eq(access_check(NODE_BIND, tl, &other, R_OK | W_OK), 0);
	ck_assert_int_eq(access_check(NODE_CTL, tl, &other, R_OK), 0); /* public parameters */
	ck_assert_int_eq(access_check(NODE_CTL, tl, &other, W_OK), -EACCES);
	ck_assert_int_eq(access_check(NODE_CTL, tl, &me, R_OK | W_OK), 0);
	ck_assert_int_eq(access_check(NODE_CTL, tl, &unseen, W_OK), -EACCES);
	ck_assert_int_eq(access_check(NODE_REQUIREMENTS, tl, &other, W_OK), 0); /* creator */
	ck_assert(access_is_creator(tl, &other));
	/* The daemon's own uid creates with privilege: from elsewhere it is not the creator. */
	ck_assert_uint_ne(access_userns(&me), 0);
	tl = created_by("b", getuid(), access_userns(&me));
	ck_assert(access_is_creator(tl, &me));
	ck_assert(!access_is_creator(tl, &unseen));
	/* made by the same uid in another user namespace */
	tl = created_by("c", getuid(), access_userns(&me) + 1);
	ck_assert(!access_is_creator(tl, &me));
	ck_assert_int_eq(access_check(NODE_REQUIREMENTS, tl, &unseen, W_OK), -EACCES);
	tl = created_by("d", 1, access_userns(&me) + 1);
	ck_assert_int_eq(access_check(NODE_REQUIREMENTS, tl, &other, W_OK), -EACCES);
	ck_assert_int_eq(access_check(NODE_REQUIREMENTS, tl, &other, R_OK), 0);
	ck_assert_int_eq(access_check(NODE_ROOT, NULL, &other, W_OK | X_OK), 0);
	ck_assert_uint_eq(access_mode(NODE_ROOT) & 07777, 01777);
	ck_assert_uint_eq(access_owner(NODE_REQUIREMENTS, tl), 1);
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

/* A request held for its turn is counted by what it keeps: a large one (a
 * write) the whole receive buffer it was read into, not its own bytes. */
START_TEST(held_requests_count_what_they_keep)
{
	size_t buf_size = (size_t)1 << 20;
	char *buf = malloc(buf_size);

	ck_assert_ptr_nonnull(buf);
	ck_assert_uint_ge(loop_hold_cost(buf, 130000), buf_size);
	ck_assert_uint_ge(loop_hold_cost(buf, 4097), buf_size);
	ck_assert_uint_ge(loop_hold_cost(buf, 100), 100);
	ck_assert_uint_lt(loop_hold_cost(buf, 100), 1024); /* small ones are copied */
	free(buf);
}
END_TEST

static Suite *model_suite(void)
{
	Suite *s = suite_create("model");
	TCase *pure = tcase_create("pure");
	TCase *reg_tc = tcase_create("registry");

	tcase_add_test(pure, reqset_matches_brute_force);
	tcase_add_test(pure, inode_scheme);
	tcase_add_test(pure, options);
	tcase_add_test(pure, hashtab_grows_and_removes);
	tcase_add_test(pure, held_requests_count_what_they_keep);
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
	tcase_add_test(reg_tc, binding_shares_and_privilege);
	tcase_add_test(reg_tc, resuming_after_any_id);
	tcase_add_test(reg_tc, global_caps_and_their_reserve);
	tcase_add_test(reg_tc, activity_tracking);
	tcase_add_test(reg_tc, coordination);
	tcase_add_test(reg_tc, watches);
	tcase_add_test(reg_tc, removal_wakes_timeline_watchers);
	tcase_add_test(reg_tc, note_wakes_sync_on_news);
	tcase_add_test(reg_tc, access_rules);
	suite_add_tcase(s, reg_tc);
	return s;
}

int main(void)
{
	return run_suite(model_suite());
}
