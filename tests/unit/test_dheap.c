/* SPDX-License-Identifier: Apache-2.0 */
/* test_dheap.c - the indexed deadline heap against a plain scan. */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>

#include "dheap.h"
#include "list.h"
#include "run_suite.h"

#define N 200

struct item {
	struct dheap_node node;
	bool queued;
};

/* Every member's index is where it sits, and no parent is above a child. */
static void check_shape(const struct dheap *h)
{
	for (size_t i = 0; i < h->n; i++) {
		ck_assert_uint_eq(h->items[i]->idx, i);
		if (i > 0)
			ck_assert(h->items[(i - 1) / 2]->key <= h->items[i]->key);
	}
}

START_TEST(matches_a_scan)
{
	static struct item items[N];
	struct dheap h;
	unsigned seed = 12345;

	dheap_init(&h);
	ck_assert_int_eq(dheap_reserve(&h, N), 0);
	for (int step = 0; step < 5000; step++) {
		struct item *it = &items[rand_r(&seed) % N];
		int64_t key = (int64_t)(rand_r(&seed) % 1000) - 500;
		int64_t least = INT64_MAX;
		size_t live = 0;

		if (step % 7 == 0)
			key = rand_r(&seed) % 2 ? INT64_MIN : INT64_MAX; /* the extremes */
		if (!it->queued) {
			it->node.key = key;
			dheap_push(&h, &it->node);
			it->queued = true;
		} else if (rand_r(&seed) % 2) {
			dheap_rekey(&h, &it->node, key);
		} else {
			dheap_remove(&h, &it->node);
			it->queued = false;
		}
		if (step % 500 == 499) { /* keys changed in place, then one rebuild */
			for (size_t i = 0; i < N; i++)
				items[i].node.key = (int64_t)(rand_r(&seed) % 100);
			dheap_heapify(&h);
		}
		for (size_t i = 0; i < N; i++) {
			if (items[i].queued) {
				live++;
				if (items[i].node.key < least)
					least = items[i].node.key;
			}
		}
		ck_assert_uint_eq(h.n, live);
		if (live == 0)
			ck_assert_ptr_null(dheap_top(&h));
		else
			ck_assert(dheap_top(&h)->key == least);
		if (step % 8 == 0)
			check_shape(&h);
	}
	dheap_free(&h);
	ck_assert_ptr_null(dheap_top(&h));
}
END_TEST

START_TEST(reserve_grows_and_keeps)
{
	struct item items[40];
	struct dheap h;

	dheap_init(&h);
	for (int i = 0; i < 40; i++) {
		ck_assert_int_eq(dheap_reserve(&h, (size_t)i + 1), 0);
		ck_assert_uint_ge(h.cap, (size_t)i + 1);
		items[i].node.key = 40 - i;
		dheap_push(&h, &items[i].node);
	}
	for (int64_t k = 1; k <= 40; k++) {
		struct dheap_node *top = dheap_top(&h);
		ck_assert(top->key == k);
		dheap_remove(&h, top);
	}
	dheap_free(&h);
}
END_TEST

START_TEST(unsigned_keys_keep_their_order)
{
	static const uint64_t v[] = {
		0, 1, 1000, (UINT64_C(1) << 63) - 1, UINT64_C(1) << 63, UINT64_MAX - 1, UINT64_MAX};

	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		ck_assert_uint_eq(dheap_u64_key(dheap_key_u64(v[i])), v[i]);
		if (i > 0)
			ck_assert(dheap_key_u64(v[i - 1]) < dheap_key_u64(v[i]));
	}
}
END_TEST

static Suite *dheap_suite(void)
{
	Suite *s = suite_create("dheap");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, matches_a_scan);
	tcase_add_test(tc, reserve_grows_and_keeps);
	tcase_add_test(tc, unsigned_keys_keep_their_order);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return run_suite(dheap_suite());
}
