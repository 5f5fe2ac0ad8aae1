/*
 * test_biflow.c - parking one-way records until their reverse leaves
 * (probe/biflow.h): against a plain array model through many parks and
 * takes in shuffled order, and the merge rules of RFC 5103.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "../../probe/biflow.h"

#define N 20000

static uint64_t rng = 88172645463325252ULL;
static uint64_t next_rand(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static char places[N];	/* stand-ins for flows: ids are their addresses */

static struct biflow_id id_of(int i, uint32_t seq)
{
	struct biflow_id id = { &places[i], seq };
	return id;
}

static void test_park_take_model(void **state)
{
	(void)state;
	struct biflow *b = biflow_create();
	static int parked[N];
	static uint32_t seqs[N];
	struct flow_record r, got;
	assert_non_null(b);
	memset(parked, 0, sizeof(parked));
	/* Rounds of parking and taking, ids reused with new creation numbers. */
	for (int round = 0; round < 6; round++) {
		for (int i = 0; i < N; i++) {
			if (parked[i] || next_rand() % 3 == 0)
				continue;
			seqs[i] = (uint32_t)next_rand();
			memset(&r, 0, sizeof(r));
			r.packets = (uint64_t)i;
			r.octets = seqs[i];
			assert_int_equal(biflow_park(b, id_of(i, seqs[i]), &r), 0);
			parked[i] = 1;
		}
		for (int k = 0; k < N / 2; k++) {
			int i = (int)(next_rand() % N);
			/* The same place with another creation number is another flow. */
			assert_int_equal(biflow_take(b, id_of(i, seqs[i] + 1), &got), 0);
			int had = biflow_take(b, id_of(i, seqs[i]), &got);
			assert_int_equal(had, parked[i]);
			if (had) {
				assert_int_equal(got.packets, (uint64_t)i);
				assert_int_equal(got.octets, seqs[i]);
				parked[i] = 0;
			}
		}
		size_t want = 0;
		for (int i = 0; i < N; i++)
			want += (size_t)parked[i];
		assert_int_equal(biflow_count(b), want);
	}
	/* Everything still parked comes out exactly once. */
	for (int i = 0; i < N; i++) {
		assert_int_equal(biflow_take(b, id_of(i, seqs[i]), &got), parked[i]);
		assert_int_equal(biflow_take(b, id_of(i, seqs[i]), &got), 0);
	}
	assert_int_equal(biflow_count(b), 0);
	biflow_destroy(b);
}

/* Two records for one reverse (two flows on one side: ToS variants, or
 * label stacks under -x): the first waits, the second is refused so its
 * caller exports it alone; none is kept forever.  (Both used to be
 * parked, and the one not taken was never exported.) */
static void test_one_record_per_reverse(void **state)
{
	(void)state;
	struct biflow *b = biflow_create();
	struct flow_record r, got;
	assert_non_null(b);
	memset(&r, 0, sizeof(r));
	r.packets = 1;
	assert_int_equal(biflow_park(b, id_of(7, 70), &r), 0);
	r.packets = 2;
	assert_int_equal(biflow_park(b, id_of(7, 70), &r), -1);
	assert_int_equal(biflow_park(b, id_of(7, 71), &r), 0);	/* another flow there */
	assert_int_equal(biflow_count(b), 2);
	assert_int_equal(biflow_take(b, id_of(7, 70), &got), 1);
	assert_int_equal(got.packets, 1);
	assert_int_equal(biflow_take(b, id_of(7, 70), &got), 0);
	assert_int_equal(biflow_take(b, id_of(7, 71), &got), 1);
	assert_int_equal(biflow_count(b), 0);
	biflow_destroy(b);
}

static void test_merge(void **state)
{
	(void)state;
	struct flow_record a, b, out;
	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	/* a: the reply, left first; b: the request, seen first, left last. */
	a.first_us = 2000; a.last_us = 9000; a.packets = 3; a.octets = 300;
	a.tos = 0x10; a.tcp_flags = 0x12; a.sport = 80; a.dport = 5555; a.end_reason = 1;
	b.first_us = 1000; b.last_us = 8000; b.packets = 4; b.octets = 400;
	b.tos = 0x20; b.tcp_flags = 0x02; b.sport = 5555; b.dport = 80; b.end_reason = 3;
	biflow_merge(&a, &b, &out);
	assert_int_equal(out.sport, 5555);	/* forward: b, seen first */
	assert_int_equal(out.packets, 4);
	assert_int_equal(out.octets, 400);
	assert_int_equal(out.tos, 0x20);
	assert_int_equal(out.rev_packets, 3);
	assert_int_equal(out.rev_octets, 300);
	assert_int_equal(out.rev_tos, 0x10);
	assert_int_equal(out.rev_tcp_flags, 0x12);
	assert_true(out.first_us == 1000);
	assert_true(out.last_us == 9000);	/* the later end */
	assert_int_equal(out.end_reason, 3);	/* the one that left last */
	/* Into one of its inputs, and a tie: a (left first) is forward. */
	b.first_us = 2000;
	biflow_merge(&a, &b, &b);
	assert_int_equal(b.sport, 80);
	assert_int_equal(b.rev_packets, 4);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_park_take_model),
		cmocka_unit_test(test_one_record_per_reverse),
		cmocka_unit_test(test_merge),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
