/* test_macpairs.c - interned MAC pairs: numbers, holds and reuse. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include "../../probe/macpairs.h"

static const uint8_t a[6] = { 0x02, 0, 0, 0, 0, 0x0a };
static const uint8_t b[6] = { 0x02, 0, 0, 0, 0, 0x0b };
static const uint8_t c[6] = { 0x02, 0, 0, 0, 0, 0x0c };

static void test_same_pair_same_number(void **state)
{
	(void)state;
	struct macpairs *mp = macpairs_create();
	uint8_t s[6], d[6];

	uint32_t ab = macpairs_get(mp, a, b);
	assert_int_not_equal(ab, 0);
	assert_int_equal(macpairs_get(mp, a, b), ab);
	/* Direction matters: (b, a) is another flow's pair. */
	uint32_t ba = macpairs_get(mp, b, a);
	assert_int_not_equal(ba, ab);
	assert_int_equal(macpairs_count(mp), 2);
	macpairs_lookup(mp, ba, s, d);
	assert_memory_equal(s, b, 6);
	assert_memory_equal(d, a, 6);
	macpairs_lookup(mp, 0, s, d);
	assert_memory_equal(s, "\0\0\0\0\0\0", 6);
	macpairs_destroy(mp);
}

/* A pair lives while anything holds it; its number is reused only after. */
static void test_release_and_reuse(void **state)
{
	(void)state;
	struct macpairs *mp = macpairs_create();
	uint8_t s[6], d[6];

	uint32_t ab = macpairs_get(mp, a, b);	/* a packet's hold */
	macpairs_hold(mp, ab);			/* its new flow's */
	macpairs_release(mp, ab);		/* the packet is accounted */
	assert_int_equal(macpairs_count(mp), 1);
	macpairs_lookup(mp, ab, s, d);
	assert_memory_equal(s, a, 6);
	macpairs_release(mp, ab);		/* the flow expires */
	assert_int_equal(macpairs_count(mp), 0);

	uint32_t ac = macpairs_get(mp, a, c);
	assert_int_equal(ac, ab);		/* the number came free */
	macpairs_lookup(mp, ac, s, d);
	assert_memory_equal(d, c, 6);
	macpairs_release(mp, 0);		/* 0 is never held: no effect */
	assert_int_equal(macpairs_count(mp), 1);
	macpairs_destroy(mp);
}

/* Many pairs: the buckets grow and every pair keeps its number. */
static void test_many_pairs(void **state)
{
	(void)state;
	struct macpairs *mp = macpairs_create();
	enum { N = 50000 };
	static uint32_t id[N];
	uint8_t s[6] = { 0x02 }, d[6] = { 0x04 }, gs[6], gd[6];

	for (uint32_t i = 0; i < N; i++) {
		memcpy(s + 2, &i, 4);
		id[i] = macpairs_get(mp, s, d);
		assert_int_not_equal(id[i], 0);
	}
	assert_int_equal(macpairs_count(mp), N);
	for (uint32_t i = 0; i < N; i++) {
		memcpy(s + 2, &i, 4);
		assert_int_equal(macpairs_get(mp, s, d), id[i]);
		macpairs_lookup(mp, id[i], gs, gd);
		assert_memory_equal(gs, s, 6);
		macpairs_release(mp, id[i]);
		macpairs_release(mp, id[i]);
	}
	assert_int_equal(macpairs_count(mp), 0);
	assert_true(macpairs_memory(mp) > 0);
	macpairs_destroy(mp);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_same_pair_same_number),
		cmocka_unit_test(test_release_and_reuse),
		cmocka_unit_test(test_many_pairs),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
