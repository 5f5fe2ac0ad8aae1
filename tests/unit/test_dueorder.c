/*
 * test_dueorder.c - leaving order (probe/dueorder.h): deadline first,
 * then creation number across its wrap, and the sort that puts a million
 * flows in that order for the final flush, on inputs that defeat a naive
 * quicksort, and with the heapsort fallback forced.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "../../probe/dueorder.h"

static uint64_t rng = 1;
static uint64_t next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

/* Sorted, and a permutation of the input (every idx once). */
static void check_sorted(const struct due *e, size_t n)
{
	uint8_t *seen = calloc(n, 1);
	assert_non_null(seen);
	for (size_t i = 0; i < n; i++) {
		if (i > 0 && due_before(&e[i], &e[i - 1]))
			fail_msg("entries %zu and %zu out of order", i - 1, i);
		assert_true(e[i].idx < n);
		assert_int_equal(seen[e[i].idx], 0);
		seen[e[i].idx] = 1;
	}
	free(seen);
}

/* Entries with distinct (deadline, seq), so the order is total. */
static struct due *make(size_t n, int kind)
{
	struct due *e = malloc(n * sizeof(*e));
	assert_non_null(e);
	for (size_t i = 0; i < n; i++) {
		switch (kind) {
		case 0: e[i].deadline = (int64_t)(next() % 1000000000); break;	/* random */
		case 1: e[i].deadline = (int64_t)i; break;			/* sorted */
		case 2: e[i].deadline = (int64_t)(n - i); break;		/* reversed */
		case 3: e[i].deadline = 7; break;				/* all equal */
		case 4: e[i].deadline = (int64_t)(next() % 3); break;		/* three values */
		case 5: e[i].deadline = (int64_t)(i % 2 ? i : n - i); break;	/* organ pipe */
		}
		e[i].seq = (uint32_t)(0xfffff000u + i);	/* wraps past 0 at i = 4096 */
		e[i].idx = (uint32_t)i;
	}
	/* shuffle the seq among equal deadlines too */
	for (size_t i = n; i-- > 1;) {
		size_t j = next() % (i + 1);
		uint32_t t = e[i].seq;
		e[i].seq = e[j].seq;
		e[j].seq = t;
	}
	return e;
}

static void test_order(void **state)
{
	(void)state;
	struct due a = { 5, 10, 0 }, b = { 5, 11, 1 }, c = { 4, 99, 2 };
	assert_true(due_before(&a, &b));
	assert_false(due_before(&b, &a));
	assert_true(due_before(&c, &a));
	assert_false(due_before(&a, &a));
	/* creation numbers wrap: 0xffffffff was made before 1 */
	struct due old = { 5, 0xffffffffu, 3 }, young = { 5, 1, 4 };
	assert_true(due_before(&old, &young));
	assert_false(due_before(&young, &old));
}

static void test_sort_kinds(void **state)
{
	(void)state;
	const size_t sizes[] = { 0, 1, 2, 3, 16, 17, 100, 5000, 200000 };
	for (int kind = 0; kind < 6; kind++) {
		for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
			struct due *e = make(sizes[s], kind);
			due_sort(e, sizes[s]);
			check_sorted(e, sizes[s]);
			free(e);
		}
	}
}

/* Depth 0 heapsorts from the start; small depths mix the two. */
static void test_heapsort_fallback(void **state)
{
	(void)state;
	for (int depth = 0; depth < 4; depth++) {
		for (int kind = 0; kind < 6; kind++) {
			struct due *e = make(3001, kind);
			due_sort_depth(e, 3001, depth);
			check_sorted(e, 3001);
			free(e);
		}
	}
}

/* Flows are gathered in creation order, so the flush sorts nearly sorted
 * entries: deadlines rising with small jitter.  The quicksort must split
 * them evenly, never reaching its heapsort fallback (the pivot was once
 * taken from the first entry, which a partition leaves large: every
 * split was lopsided and most of the work went to heapsort, twice as
 * slow).  Sorted, reversed and random inputs likewise. */
static void test_no_fallback_on_ordinary_input(void **state)
{
	(void)state;
	enum { N = 300000 };
	struct due *e = malloc(N * sizeof(*e));
	assert_non_null(e);
	for (int kind = 0; kind < 4; kind++) {
		for (int i = 0; i < N; i++) {
			int64_t base = kind == 2 ? (int64_t)(N - i) * 300 : (int64_t)i * 300;
			int64_t jitter = kind == 0 ? (int64_t)(next() % 1000000) : 0;
			if (kind == 3)
				base = (int64_t)(next() % 1000000000);
			e[i] = (struct due){ 1700000000000000LL + base + jitter, (uint32_t)i + 1, (uint32_t)i };
		}
		assert_int_equal(due_sort_depth(e, N, due_sort_depth_for(N)), 0);
		check_sorted(e, N);
	}
	free(e);
}

/* Two cores: split at a sampled median, sort the later part on a thread
 * and the earlier here; together they are the whole, sorted. */
static void test_split_and_sort_on_two_threads(void **state)
{
	(void)state;
	enum { N = 200001 };
	struct due *e = make(N, 0);
	size_t k = due_split(e, N);
	assert_true(k > N / 4 && k < 3 * N / 4);	/* near the middle */
	struct due max_front = e[0], min_back = e[k];
	for (size_t i = 0; i < k; i++)
		if (due_before(&max_front, &e[i]))
			max_front = e[i];
	for (size_t i = k; i < N; i++)
		if (due_before(&e[i], &min_back))
			min_back = e[i];
	assert_true(due_before(&max_front, &min_back));
	struct due_job *job = due_sort_start(e + k, N - k);
	due_sort(e, k);
	due_sort_wait(job);
	check_sorted(e, N);
	free(e);
	/* all deadlines equal: the creation numbers split them */
	e = make(N, 3);
	k = due_split(e, N);
	assert_true(k > N / 4 && k < 3 * N / 4);
	free(e);
	/* too few to split */
	e = make(50, 0);
	assert_int_equal(due_split(e, 50), 0);
	free(e);
}

/* The exact result: a known permutation comes back as the identity. */
static void test_exact(void **state)
{
	(void)state;
	enum { N = 1000 };
	struct due e[N];
	for (int i = 0; i < N; i++)
		e[i] = (struct due){ (int64_t)(i / 10), (uint32_t)(i % 10), (uint32_t)i };
	for (int i = N; i-- > 1;) {
		int j = (int)(next() % (uint64_t)(i + 1));
		struct due t = e[i];
		e[i] = e[j];
		e[j] = t;
	}
	due_sort(e, N);
	for (int i = 0; i < N; i++)
		assert_int_equal(e[i].idx, i);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_order),
		cmocka_unit_test(test_sort_kinds),
		cmocka_unit_test(test_heapsort_fallback),
		cmocka_unit_test(test_no_fallback_on_ordinary_input),
		cmocka_unit_test(test_split_and_sort_on_two_threads),
		cmocka_unit_test(test_exact),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
