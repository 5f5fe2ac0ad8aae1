/*
 * test_tagtab.c - the bucketed hash index (probe/tagtab.h): lookups,
 * spills into later buckets, removals along the probe path, growth, and a
 * long random run against a plain array.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "../../probe/tagtab.h"

/* Every index found under tag, in walk order; returns how many. */
static size_t find_all(const struct tagtab *t, uint32_t tag, uint32_t *out, size_t max)
{
	struct tagtab_it it;
	size_t n = 0;
	for (uint32_t i = tagtab_first(t, tag, &it); i; i = tagtab_next(t, &it))
		if (n < max)
			out[n++] = i;
	return n;
}

static int has(const struct tagtab *t, uint32_t tag, uint32_t idx)
{
	uint32_t got[64];
	size_t n = find_all(t, tag, got, 64);
	for (size_t k = 0; k < n; k++)
		if (got[k] == idx)
			return 1;
	return 0;
}

/* The spill counts must be exactly what the entries' probe paths say, and
 * the used bits exactly the slots holding an index. */
static void check_spills(const struct tagtab *t)
{
	size_t nb = (size_t)t->mask + 1, count = 0;
	uint32_t *want = calloc(nb, sizeof(*want));
	assert_non_null(want);
	for (size_t b = 0; b < nb; b++) {
		assert_int_equal(t->b[b].used >> TAGTAB_SLOTS, 0);
		for (int s = 0; s < TAGTAB_SLOTS; s++) {
			assert_int_equal((t->b[b].used >> s) & 1, t->b[b].idx[s] != 0);
			if (t->b[b].idx[s] == 0)
				continue;
			count++;
			for (size_t at = t->b[b].tag[s] & t->mask; at != b; at = (at + 1) & t->mask)
				want[at]++;
		}
	}
	for (size_t b = 0; b < nb; b++)
		assert_int_equal(t->b[b].spill, want[b]);
	assert_int_equal(count, t->count);
	free(want);
}

static void test_empty(void **state)
{
	(void)state;
	struct tagtab t;
	struct tagtab_it it;
	assert_int_equal(tagtab_init(&t, 10), 0);
	assert_int_equal(tagtab_first(&t, 0, &it), 0);
	assert_int_equal(tagtab_first(&t, 0x12345678, &it), 0);
	tagtab_free(&t);
}

/* Ten entries with one home bucket: seven fill it, three spill into the
 * next, which counts them; each is found, and a tag that shares the home
 * but not the bits above finds none. */
static void test_spill_and_remove(void **state)
{
	(void)state;
	struct tagtab t;
	assert_int_equal(tagtab_init(&t, 10), 0);
	uint32_t nb = t.mask + 1;
	for (uint32_t i = 1; i <= 10; i++)
		assert_int_equal(tagtab_insert(&t, 5 + i * nb, i), 0);
	assert_int_equal(t.mask + 1, nb);	/* no growth at 10 */
	assert_int_equal(t.b[5].spill, 3);
	assert_int_equal(t.b[6].spill, 0);
	check_spills(&t);
	for (uint32_t i = 1; i <= 10; i++) {
		uint32_t got[4];
		assert_int_equal(find_all(&t, 5 + i * nb, got, 4), 1);
		assert_int_equal(got[0], i);
	}
	uint32_t got[4];
	assert_int_equal(find_all(&t, 5 + 11 * nb, got, 4), 0);
	/* Removing a spilled entry lowers the count on its path. */
	tagtab_remove(&t, 5 + 9 * nb, 9);
	assert_int_equal(t.b[5].spill, 2);
	check_spills(&t);
	assert_false(has(&t, 5 + 9 * nb, 9));
	assert_true(has(&t, 5 + 10 * nb, 10));
	/* Removing one from the home bucket leaves the spills alone. */
	tagtab_remove(&t, 5 + 1 * nb, 1);
	assert_int_equal(t.b[5].spill, 2);
	check_spills(&t);
	assert_true(has(&t, 5 + 10 * nb, 10));
	/* Its free slot takes the next insert: no spill for it. */
	assert_int_equal(tagtab_insert(&t, 5 + 12 * nb, 12), 0);
	assert_int_equal(t.b[5].spill, 2);
	check_spills(&t);
	tagtab_free(&t);
}

/* Equal tags: both are candidates, the caller tells them apart. */
static void test_equal_tags(void **state)
{
	(void)state;
	struct tagtab t;
	uint32_t got[4];
	assert_int_equal(tagtab_init(&t, 10), 0);
	assert_int_equal(tagtab_insert(&t, 77, 1), 0);
	assert_int_equal(tagtab_insert(&t, 77, 2), 0);
	assert_int_equal(find_all(&t, 77, got, 4), 2);
	tagtab_remove(&t, 77, 1);
	assert_int_equal(find_all(&t, 77, got, 4), 1);
	assert_int_equal(got[0], 2);
	tagtab_free(&t);
}

/* The last bucket spills into the first. */
static void test_wraps(void **state)
{
	(void)state;
	struct tagtab t;
	assert_int_equal(tagtab_init(&t, 10), 0);
	uint32_t nb = t.mask + 1, last = t.mask;
	for (uint32_t i = 1; i <= 9; i++)
		assert_int_equal(tagtab_insert(&t, last + i * nb, i), 0);
	assert_int_equal(t.b[last].spill, 2);
	check_spills(&t);
	for (uint32_t i = 1; i <= 9; i++)
		assert_true(has(&t, last + i * nb, i));
	tagtab_free(&t);
}

/* Growing keeps every entry findable, spills exact, without the caller. */
static void test_grow(void **state)
{
	(void)state;
	struct tagtab t;
	assert_int_equal(tagtab_init(&t, 1), 0);
	uint32_t start = t.mask + 1;
	uint64_t x = 88172645463325252ULL;
	uint32_t tags[5000];
	for (uint32_t i = 1; i < 5000; i++) {
		x ^= x << 13; x ^= x >> 7; x ^= x << 17;
		tags[i] = (uint32_t)x;
		assert_int_equal(tagtab_insert(&t, tags[i], i), 0);
	}
	assert_true(t.mask + 1 > start);
	assert_true(t.count * 4 <= ((size_t)t.mask + 1) * TAGTAB_SLOTS * 3);
	check_spills(&t);
	for (uint32_t i = 1; i < 5000; i++)
		assert_true(has(&t, tags[i], i));
	tagtab_clear(&t);
	assert_int_equal(t.count, 0);
	assert_false(has(&t, tags[1], 1));
	tagtab_free(&t);
}

/* Random inserts and removes with tags crowded into few home buckets,
 * against an array that says what is in. */
static void test_random(void **state)
{
	(void)state;
	enum { N = 3000 };
	static uint32_t tag_of[N + 1];
	static int in[N + 1];
	struct tagtab t;
	uint64_t x = 0x9e3779b97f4a7c15ULL;
	assert_int_equal(tagtab_init(&t, 64), 0);
	for (int step = 0; step < 200000; step++) {
		x ^= x << 13; x ^= x >> 7; x ^= x << 17;
		uint32_t i = 1 + (uint32_t)(x % N);
		if (in[i]) {
			tagtab_remove(&t, tag_of[i], i);
			in[i] = 0;
		} else {
			/* 40 home buckets' worth of low bits, any high bits */
			tag_of[i] = (uint32_t)(x >> 32) << 6 | (uint32_t)((x >> 20) % 40);
			assert_int_equal(tagtab_insert(&t, tag_of[i], i), 0);
			in[i] = 1;
		}
		if (step % 20000 == 0)
			check_spills(&t);
	}
	check_spills(&t);
	for (uint32_t i = 1; i <= N; i++)
		assert_int_equal(has(&t, tag_of[i], i), in[i]);
	tagtab_free(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_spill_and_remove),
		cmocka_unit_test(test_equal_tags),
		cmocka_unit_test(test_wraps),
		cmocka_unit_test(test_grow),
		cmocka_unit_test(test_random),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
