/*
 * test_chunks.c - blocks for pools (probe/chunks.h): aligned and all
 * usable, whether the helper made them ahead or they were made on the spot, and
 * the helper starts and stops cleanly (LeakSanitizer checks that the
 * blocks it kept ready are freed).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include "../../probe/chunks.h"

static void check_block(void *c)
{
	assert_non_null(c);
	assert_int_equal((uintptr_t)c % CHUNK_BYTES, 0);
	memset(c, 0xa5, CHUNK_BYTES);	/* all of it is ours (ASan would say) */
}

static void test_without_helper(void **state)
{
	(void)state;
	void *c = chunk_get();
	check_block(c);
	free(c);
}

static void test_with_helper(void **state)
{
	(void)state;
	enum { N = 24 };
	void *c[N];
	assert_int_equal(chunks_helper_start(), 0);
	assert_int_equal(chunks_helper_start(), 0);	/* once is enough */
	for (int i = 0; i < N; i++) {
		c[i] = chunk_get();
		check_block(c[i]);
		if (i % 4 == 0)
			usleep(2000);	/* let the helper get ahead */
	}
	chunks_helper_stop();
	chunks_helper_stop();				/* and stopping twice too */
	for (int i = 0; i < N; i++)
		free(c[i]);
	/* after the helper: made on the spot again */
	void *d = chunk_get();
	check_block(d);
	free(d);
}

/* An index asks for its next array ahead; it gets it, zeroed, if ready,
 * and only its own. */
static void test_arrays_asked_for(void **state)
{
	(void)state;
	int a, b;	/* two owners */
	const size_t bytes = 3 * CHUNK_BYTES;
	assert_null(chunks_array_take(&a, bytes));	/* never asked for */
	chunks_array_want(&a, bytes);			/* no helper: ignored */
	assert_null(chunks_array_take(&a, bytes));

	assert_int_equal(chunks_helper_start(), 0);
	chunks_array_want(&a, bytes);
	chunks_array_want(&b, bytes);
	chunks_array_want(&a, bytes);			/* twice: one array */
	void *x = NULL;
	for (int i = 0; i < 500 && x == NULL; i++) {
		usleep(10000);
		x = chunks_array_take(&a, bytes);
		if (x == NULL)
			chunks_array_want(&a, bytes);	/* taken too early: ask again */
	}
	assert_non_null(x);
	assert_int_equal((uintptr_t)x % CHUNK_BYTES, 0);
	const uint64_t *w = x;
	for (size_t i = 0; i < bytes / 8; i += 4093)
		assert_int_equal(w[i], 0);
	free(x);
	assert_null(chunks_array_take(&a, bytes));	/* handed over once */
	assert_null(chunks_array_take(&b, CHUNK_BYTES));	/* not this size */
	chunks_helper_stop();	/* frees b's, ready or not */
	assert_null(chunks_array_take(&b, bytes));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_without_helper),
		cmocka_unit_test(test_with_helper),
		cmocka_unit_test(test_arrays_asked_for),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
