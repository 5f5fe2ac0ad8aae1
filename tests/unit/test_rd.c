/*
 * test_rd.c - the bounds-checked reader (export/rd.h).
 *
 * Every input sits right before a PROT_NONE page (guard.h), so a read past
 * the end faults instead of passing quietly.
 */
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "../../export/rd.h"
#include "guard.h"

static const uint8_t seq16[16] = {
	0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08,
	0x89, 0x9a, 0xab, 0xbc, 0xcd, 0xde, 0xef, 0xf0,
};

/* The guard itself: reading the byte just past a guarded input must kill
 * the process.  Without this a guard that does not guard would make every
 * "no over-read" test below pass vacuously. */
static void test_guard_page_faults(void **state)
{
	(void)state;
	struct guard g;
	guard_init(&g, 8);
	const uint8_t *p = guard_put(&g, seq16, 8);

	/* The bytes are there and readable up to the last one. */
	assert_memory_equal(p, seq16, 8);
	assert_int_equal(p[7], 0x08);

	fflush(NULL);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		/* cmocka traps SIGSEGV to report a failed test: in the child
		 * the fault must simply kill the process. */
		signal(SIGSEGV, SIG_DFL);
		signal(SIGBUS, SIG_DFL);
		int devnull = open("/dev/null", O_WRONLY);
		if (devnull >= 0)
			dup2(devnull, 2);	/* hush the sanitizer's report */
		volatile const uint8_t *vp = p;
		volatile uint8_t past = vp[8];
		(void)past;
		_exit(42);			/* reached only if nothing faulted */
	}
	int status = 0;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_false(WIFEXITED(status) && WEXITSTATUS(status) == 42);
	assert_true(WIFSIGNALED(status) || (WIFEXITED(status) && WEXITSTATUS(status) != 0));
	guard_free(&g);
}

static void test_make_null_is_empty(void **state)
{
	(void)state;
	struct rd r = rd_make(NULL, 100);
	assert_int_equal(rd_left(&r), 0);
	assert_true(rd_ok(&r));
	assert_int_equal(rd_u8(&r), 0);
	assert_false(rd_ok(&r));
}

static void test_u8_u16_u32_big_endian(void **state)
{
	(void)state;
	struct guard g;
	guard_init(&g, sizeof(seq16));
	const uint8_t *p = guard_put(&g, seq16, 11);
	struct rd r = rd_make(p, 11);

	assert_int_equal(rd_left(&r), 11);
	assert_int_equal(rd_u8(&r), 0x01);
	assert_int_equal(rd_left(&r), 10);
	assert_int_equal(rd_u16(&r), 0x0203);
	assert_int_equal(rd_left(&r), 8);
	assert_int_equal(rd_u32(&r), 0x04050607u);
	assert_int_equal(rd_left(&r), 4);
	/* High bits set: no sign extension anywhere. */
	assert_int_equal(rd_u16(&r), 0x0889);
	assert_int_equal(rd_u8(&r), 0x9a);
	assert_int_equal(rd_u8(&r), 0xab);
	assert_int_equal(rd_left(&r), 0);
	assert_true(rd_ok(&r));
	guard_free(&g);
}

static void test_u32_high_bit(void **state)
{
	(void)state;
	struct guard g;
	guard_init(&g, 4);
	const uint8_t *p = guard_put(&g, seq16 + 8, 4);
	struct rd r = rd_make(p, 4);
	uint32_t v = rd_u32(&r);
	assert_true(v == 0x899aabbcu);
	assert_true(rd_ok(&r));
	guard_free(&g);
}

static void test_u32le(void **state)
{
	(void)state;
	struct guard g;
	guard_init(&g, 8);
	const uint8_t *p = guard_put(&g, seq16 + 6, 8);	/* 07 08 89 9a ab bc cd de */
	struct rd r = rd_make(p, 8);
	assert_true(rd_u32le(&r) == 0x9a890807u);
	assert_true(rd_u32le(&r) == 0xdecdbcabu);
	assert_int_equal(rd_left(&r), 0);
	assert_true(rd_ok(&r));
	guard_free(&g);
}

static void test_u64(void **state)
{
	(void)state;
	struct guard g;
	guard_init(&g, 16);
	const uint8_t *p = guard_put(&g, seq16, 16);
	struct rd r = rd_make(p, 16);
	assert_true(rd_u64(&r) == 0x0102030405060708ull);
	assert_true(rd_u64(&r) == 0x899aabbccddeeff0ull);
	assert_int_equal(rd_left(&r), 0);
	assert_true(rd_ok(&r));
	guard_free(&g);
}

/* Reading exactly to the end succeeds; one more byte fails. */
static void test_exact_end_then_fail(void **state)
{
	(void)state;
	struct guard g;
	guard_init(&g, 4);
	const uint8_t *p = guard_put(&g, seq16, 4);
	struct rd r = rd_make(p, 4);
	assert_true(rd_u32(&r) == 0x01020304u);
	assert_true(rd_ok(&r));
	assert_int_equal(rd_u8(&r), 0);
	assert_false(rd_ok(&r));
	assert_int_equal(rd_left(&r), 0);
	guard_free(&g);
}

/* Each width, one byte short: 0 back and the reader failed. */
static void test_short_read_each_width(void **state)
{
	(void)state;
	struct guard g;
	guard_init(&g, 16);
	struct rd r;
	const uint8_t *p;

	p = guard_put(&g, seq16, 0);
	r = rd_make(p, 0);
	assert_int_equal(rd_u8(&r), 0);
	assert_false(rd_ok(&r));

	p = guard_put(&g, seq16, 1);
	r = rd_make(p, 1);
	assert_int_equal(rd_u16(&r), 0);
	assert_false(rd_ok(&r));

	p = guard_put(&g, seq16, 3);
	r = rd_make(p, 3);
	assert_int_equal(rd_u32(&r), 0);
	assert_false(rd_ok(&r));

	p = guard_put(&g, seq16, 3);
	r = rd_make(p, 3);
	assert_int_equal(rd_u32le(&r), 0);
	assert_false(rd_ok(&r));

	p = guard_put(&g, seq16, 0);
	r = rd_make(p, 0);
	assert_int_equal(rd_peek_u8(&r), 0);
	assert_false(rd_ok(&r));
	guard_free(&g);
}

/*
 * A u64 read with 4 to 7 bytes left is a short read like any other: the
 * header promises "each read compares the bytes remaining against the
 * bytes wanted" and every other short read returns 0.
 */
static void test_short_u64_returns_zero(void **state)
{
	(void)state;
	struct guard g;
	guard_init(&g, 16);
	for (size_t len = 0; len < 8; len++) {
		const uint8_t *p = guard_put(&g, seq16, len);
		struct rd r = rd_make(p, len);
		uint64_t v = rd_u64(&r);
		assert_false(rd_ok(&r));
		assert_int_equal(rd_left(&r), 0);
		if (v != 0)
			fail_msg("rd_u64 with %zu bytes left returned 0x%016llx, not 0",
				 len, (unsigned long long)v);
	}
	guard_free(&g);
}

/* After the first short read everything returns zero, even reads that
 * would fit in what remains, and rd_ok stays false. */
static void test_sticky_error(void **state)
{
	(void)state;
	struct guard g;
	guard_init(&g, 16);
	const uint8_t *p = guard_put(&g, seq16, 5);
	struct rd r = rd_make(p, 5);

	assert_int_equal(rd_u16(&r), 0x0102);
	assert_int_equal(rd_u32(&r), 0);	/* 3 left: short */
	assert_false(rd_ok(&r));
	assert_int_equal(rd_left(&r), 0);
	/* 3 bytes are physically there, but the reader is done. */
	assert_int_equal(rd_u8(&r), 0);
	assert_int_equal(rd_u16(&r), 0);
	assert_int_equal(rd_peek_u8(&r), 0);
	assert_int_equal(rd_u32le(&r), 0);
	assert_true(rd_u64(&r) == 0);
	uint8_t buf[2] = { 0xee, 0xee };
	rd_bytes(&r, buf, 1);
	assert_int_equal(buf[0], 0);
	assert_int_equal(buf[1], 0xee);		/* only n bytes zeroed */
	rd_skip(&r, 0);
	assert_false(rd_ok(&r));
	struct rd c = rd_sub(&r, 0);
	assert_false(rd_ok(&c));
	assert_int_equal(rd_u8(&c), 0);
	assert_false(rd_ok(&r));
	assert_int_equal(rd_left(&r), 0);
	guard_free(&g);
}

static void test_peek_does_not_consume(void **state)
{
	(void)state;
	struct guard g;
	guard_init(&g, 2);
	const uint8_t *p = guard_put(&g, seq16 + 8, 2);
	struct rd r = rd_make(p, 2);
	assert_int_equal(rd_peek_u8(&r), 0x89);
	assert_int_equal(rd_peek_u8(&r), 0x89);
	assert_int_equal(rd_left(&r), 2);
	assert_int_equal(rd_u16(&r), 0x899a);
	assert_true(rd_ok(&r));
	assert_int_equal(rd_peek_u8(&r), 0);
	assert_false(rd_ok(&r));
	guard_free(&g);
}

static void test_bytes(void **state)
{
	(void)state;
	struct guard g;
	guard_init(&g, 16);
	const uint8_t *p = guard_put(&g, seq16, 6);
	struct rd r = rd_make(p, 6);
	uint8_t out[8];

	memset(out, 0xaa, sizeof(out));
	rd_bytes(&r, out, 4);
	assert_memory_equal(out, seq16, 4);
	assert_int_equal(out[4], 0xaa);
	assert_int_equal(rd_left(&r), 2);
	assert_true(rd_ok(&r));

	/* Asking for 3 with 2 left: the destination is zero-filled. */
	memset(out, 0xaa, sizeof(out));
	rd_bytes(&r, out, 3);
	assert_false(rd_ok(&r));
	assert_int_equal(out[0], 0);
	assert_int_equal(out[1], 0);
	assert_int_equal(out[2], 0);
	assert_int_equal(out[3], 0xaa);
	guard_free(&g);
}

static void test_bytes_zero_fill_whole_buffer(void **state)
{
	(void)state;
	struct guard g;
	guard_init(&g, 16);
	const uint8_t *p = guard_put(&g, seq16, 15);
	struct rd r = rd_make(p, 15);
	uint8_t addr[16];
	memset(addr, 0x77, sizeof(addr));
	rd_bytes(&r, addr, 16);
	for (size_t i = 0; i < 16; i++)
		assert_int_equal(addr[i], 0);
	assert_false(rd_ok(&r));
	guard_free(&g);
}

static void test_skip(void **state)
{
	(void)state;
	struct guard g;
	guard_init(&g, 16);
	const uint8_t *p = guard_put(&g, seq16, 8);
	struct rd r = rd_make(p, 8);

	rd_skip(&r, 0);
	assert_int_equal(rd_left(&r), 8);
	rd_skip(&r, 2);
	assert_int_equal(rd_u8(&r), 0x03);
	rd_skip(&r, 4);
	assert_int_equal(rd_left(&r), 1);
	assert_int_equal(rd_u8(&r), 0x08);
	assert_true(rd_ok(&r));
	rd_skip(&r, 1);
	assert_false(rd_ok(&r));

	/* Skipping past the end fails and the reader stays failed even
	 * though the bytes that were there could still be read. */
	p = guard_put(&g, seq16, 8);
	r = rd_make(p, 8);
	rd_skip(&r, 9);
	assert_false(rd_ok(&r));
	assert_int_equal(rd_left(&r), 0);
	assert_int_equal(rd_u8(&r), 0);

	/* A huge skip must not wrap around. */
	p = guard_put(&g, seq16, 8);
	r = rd_make(p, 8);
	rd_skip(&r, 4);
	rd_skip(&r, SIZE_MAX);
	assert_false(rd_ok(&r));
	assert_int_equal(rd_u8(&r), 0);
	guard_free(&g);
}

/* The child sees only its n bytes; the parent skips them. */
static void test_sub_narrows(void **state)
{
	(void)state;
	struct guard g;
	guard_init(&g, 16);
	const uint8_t *p = guard_put(&g, seq16, 10);
	struct rd r = rd_make(p, 10);

	assert_int_equal(rd_u8(&r), 0x01);
	struct rd c = rd_sub(&r, 4);
	assert_true(rd_ok(&c));
	assert_true(rd_ok(&r));
	assert_int_equal(rd_left(&c), 4);
	assert_int_equal(rd_left(&r), 5);
	/* The parent goes on after the child's bytes. */
	assert_int_equal(rd_u8(&r), 0x06);

	assert_true(rd_u32(&c) == 0x02030405u);
	assert_true(rd_ok(&c));
	/* The parent still has bytes, but the child ends here. */
	assert_int_equal(rd_u8(&c), 0);
	assert_false(rd_ok(&c));
	/* The child's failure does not fail the parent. */
	assert_true(rd_ok(&r));
	assert_int_equal(rd_left(&r), 4);
	assert_true(rd_u32(&r) == 0x0708899au);
	assert_true(rd_ok(&r));
	guard_free(&g);
}

/* A child of more than what remains fails both. */
static void test_sub_too_short_fails_both(void **state)
{
	(void)state;
	struct guard g;
	guard_init(&g, 16);
	const uint8_t *p = guard_put(&g, seq16, 6);
	struct rd r = rd_make(p, 6);

	rd_skip(&r, 3);
	struct rd c = rd_sub(&r, 4);
	assert_false(rd_ok(&c));
	assert_false(rd_ok(&r));
	assert_int_equal(rd_left(&c), 0);
	assert_int_equal(rd_left(&r), 0);
	assert_int_equal(rd_u8(&c), 0);
	assert_int_equal(rd_u8(&r), 0);
	uint8_t b[3] = { 1, 2, 3 };
	rd_bytes(&c, b, 3);
	assert_int_equal(b[0] | b[1] | b[2], 0);
	guard_free(&g);
}

/* A child that runs to the end of the buffer, read to its last byte. */
static void test_sub_to_end(void **state)
{
	(void)state;
	struct guard g;
	guard_init(&g, 16);
	const uint8_t *p = guard_put(&g, seq16, 16);
	struct rd r = rd_make(p, 16);

	rd_skip(&r, 8);
	struct rd c = rd_sub(&r, 8);
	assert_int_equal(rd_left(&r), 0);
	assert_true(rd_ok(&r));
	assert_true(rd_u64(&c) == 0x899aabbccddeeff0ull);
	assert_true(rd_ok(&c));
	assert_int_equal(rd_u8(&c), 0);
	assert_false(rd_ok(&c));

	/* Zero-length children are fine, even at the very end. */
	struct rd z = rd_sub(&r, 0);
	assert_true(rd_ok(&z));
	assert_int_equal(rd_left(&z), 0);
	assert_true(rd_ok(&r));
	guard_free(&g);
}

static void test_rest(void **state)
{
	(void)state;
	struct guard g;
	guard_init(&g, 16);
	const uint8_t *p = guard_put(&g, seq16, 7);
	struct rd r = rd_make(p, 7);

	rd_skip(&r, 2);
	struct rd c = rd_rest(&r);
	assert_int_equal(rd_left(&r), 0);
	assert_true(rd_ok(&r));
	assert_int_equal(rd_left(&c), 5);
	assert_int_equal(rd_u8(&c), 0x03);
	assert_true(rd_u32(&c) == 0x04050607u);
	assert_true(rd_ok(&c));
	assert_int_equal(rd_u8(&c), 0);
	assert_false(rd_ok(&c));

	/* The rest of a failed reader is a failed child. */
	p = guard_put(&g, seq16, 1);
	r = rd_make(p, 1);
	rd_u16(&r);
	c = rd_rest(&r);
	assert_false(rd_ok(&c));
	guard_free(&g);
}

/* Nested children: each bound is its own. */
static void test_sub_nested(void **state)
{
	(void)state;
	struct guard g;
	guard_init(&g, 16);
	const uint8_t *p = guard_put(&g, seq16, 16);
	struct rd r = rd_make(p, 16);
	struct rd a = rd_sub(&r, 10);
	struct rd b = rd_sub(&a, 3);

	assert_int_equal(rd_left(&r), 6);
	assert_int_equal(rd_left(&a), 7);
	assert_int_equal(rd_left(&b), 3);
	struct rd too_big = rd_sub(&b, 4);
	assert_false(rd_ok(&too_big));
	assert_false(rd_ok(&b));
	assert_true(rd_ok(&a));
	assert_int_equal(rd_u8(&a), 0x04);
	assert_true(rd_ok(&r));
	assert_int_equal(rd_u8(&r), 0xab);
	guard_free(&g);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_guard_page_faults),
		cmocka_unit_test(test_make_null_is_empty),
		cmocka_unit_test(test_u8_u16_u32_big_endian),
		cmocka_unit_test(test_u32_high_bit),
		cmocka_unit_test(test_u32le),
		cmocka_unit_test(test_u64),
		cmocka_unit_test(test_exact_end_then_fail),
		cmocka_unit_test(test_short_read_each_width),
		cmocka_unit_test(test_short_u64_returns_zero),
		cmocka_unit_test(test_sticky_error),
		cmocka_unit_test(test_peek_does_not_consume),
		cmocka_unit_test(test_bytes),
		cmocka_unit_test(test_bytes_zero_fill_whole_buffer),
		cmocka_unit_test(test_skip),
		cmocka_unit_test(test_sub_narrows),
		cmocka_unit_test(test_sub_too_short_fails_both),
		cmocka_unit_test(test_sub_to_end),
		cmocka_unit_test(test_rest),
		cmocka_unit_test(test_sub_nested),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
