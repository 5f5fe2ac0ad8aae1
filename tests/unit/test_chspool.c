/*
 * test_chspool.c - the ClickHouse output's spool file (collector/ch_spool.h):
 * batches written and read back in order, the file removed once empty, a
 * torn or damaged last batch cut off when opened, a damaged batch before
 * it skipped when read, each said; and the RowBinary row walk the replay
 * trusts (ch_row_len, ch_row_identity) against ch_row_encode.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "../../collector/ch_spool.h"
#include "../../collector/clickhouse.h"

static char path[64];
static char *msgs;
static size_t msgs_len;
static FILE *msgf;

static int setup(void **state)
{
	(void)state;
	snprintf(path, sizeof(path), "/tmp/fp-chspool.%d", (int)getpid());
	unlink(path);
	msgf = open_memstream(&msgs, &msgs_len);
	return msgf ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	unlink(path);
	fclose(msgf);
	free(msgs);
	msgs = NULL;
	return 0;
}

static off_t file_size(void)
{
	struct stat st;
	return stat(path, &st) == 0 ? st.st_size : -1;
}

static void open_spool(struct ch_spool *sp)
{
	char err[256];
	assert_int_equal(ch_spool_open(sp, path, msgf, err, sizeof(err)), 0);
}

/* Three batches of n bytes each filled with its number. */
static void write_three(size_t n)
{
	struct ch_spool sp;
	uint8_t buf[256];
	open_spool(&sp);
	assert_int_equal(file_size(), -1);	/* nothing until the first batch */
	for (uint32_t i = 1; i <= 3; i++) {
		memset(buf, (int)i, n);
		assert_int_equal(ch_spool_append(&sp, buf, n, i * 10), 0);
	}
	assert_int_equal(sp.frames, 3);
	assert_int_equal(sp.rows, 60);
	ch_spool_close(&sp);	/* keeps a file with batches */
	assert_int_equal(file_size(), 3 * (CH_SPOOL_HEADER + (off_t)n));
}

static void expect_batch(struct ch_spool *sp, uint32_t i, size_t n)
{
	uint8_t *b = NULL;
	size_t len = 0;
	uint32_t rows = 0;
	assert_int_equal(ch_spool_peek(sp, &b, &len, &rows), 1);
	assert_int_equal(len, n);
	assert_int_equal(rows, i * 10);
	for (size_t k = 0; k < n; k++)
		assert_int_equal(b[k], i);
	free(b);
	ch_spool_pop(sp);
}

static void round_trip(void **state)
{
	(void)state;
	uint8_t crc_in[] = "123456789";
	assert_int_equal(ch_crc32(0, crc_in, 9), 0xcbf43926u);	/* the CRC-32 check value */

	write_three(100);
	struct ch_spool sp;
	open_spool(&sp);
	assert_int_equal(sp.frames, 3);
	assert_int_equal(sp.rows, 60);
	expect_batch(&sp, 1, 100);
	/* Appending while reading: the new batch comes after the others. */
	uint8_t four[100];
	memset(four, 4, sizeof(four));
	assert_int_equal(ch_spool_append(&sp, four, sizeof(four), 40), 0);
	expect_batch(&sp, 2, 100);
	expect_batch(&sp, 3, 100);
	assert_int_equal(file_size(), 4 * (CH_SPOOL_HEADER + 100));
	expect_batch(&sp, 4, 100);
	/* Empty: the file is gone, the counts are zero, peek says empty. */
	assert_int_equal(file_size(), -1);
	assert_int_equal(sp.frames, 0);
	assert_int_equal(sp.rows, 0);
	uint8_t *b;
	size_t len;
	uint32_t rows;
	assert_int_equal(ch_spool_peek(&sp, &b, &len, &rows), 0);
	/* And a new batch starts a new file. */
	assert_int_equal(ch_spool_append(&sp, four, 10, 1), 0);
	assert_int_equal(file_size(), CH_SPOOL_HEADER + 10);
	ch_spool_close(&sp);
	fflush(msgf);
	assert_int_equal(msgs_len, 0);	/* nothing to say */
}

/* Cut the file to size, open it: the batches that remain, and the message. */
static void torn_at(off_t size, uint64_t frames, const char *said)
{
	write_three(100);
	assert_int_equal(truncate(path, size), 0);
	struct ch_spool sp;
	open_spool(&sp);
	assert_int_equal(sp.frames, frames);
	assert_int_equal(file_size(), frames ? (off_t)frames * (CH_SPOOL_HEADER + 100) : -1);
	for (uint32_t i = 1; i <= frames; i++)
		expect_batch(&sp, i, 100);
	ch_spool_close(&sp);
	fflush(msgf);
	assert_non_null(strstr(msgs, said));
	unlink(path);
}

static void torn_tail(void **state)
{
	(void)state;
	char want[128];
	const off_t f = CH_SPOOL_HEADER + 100;
	/* The third batch's bytes cut short. */
	snprintf(want, sizeof(want), "a torn last batch (%d bytes at offset %d): cut off", 60, (int)(2 * f));
	torn_at(2 * f + 60, 2, want);
	/* Its header cut short. */
	snprintf(want, sizeof(want), "a torn last batch (%d bytes at offset %d)", 7, (int)(2 * f));
	torn_at(2 * f + 7, 2, want);
	/* Only a torn batch: the file is removed. */
	snprintf(want, sizeof(want), "a torn last batch (%d bytes at offset 0)", 50);
	torn_at(50, 0, want);
}

static void flip(off_t at)
{
	FILE *f = fopen(path, "r+b");
	assert_non_null(f);
	assert_int_equal(fseeko(f, at, SEEK_SET), 0);
	int c = fgetc(f);
	assert_int_equal(fseeko(f, at, SEEK_SET), 0);
	fputc(c ^ 0x55, f);
	fclose(f);
}

static void damaged(void **state)
{
	(void)state;
	const off_t f = CH_SPOOL_HEADER + 100;
	struct ch_spool sp;

	/* A wrong checksum in the last batch: cut off at open. */
	write_three(100);
	flip(2 * f + CH_SPOOL_HEADER + 5);
	open_spool(&sp);
	assert_int_equal(sp.frames, 2);
	assert_int_equal(file_size(), 2 * f);
	ch_spool_close(&sp);
	fflush(msgf);
	assert_non_null(strstr(msgs, "a last batch whose checksum is wrong"));
	unlink(path);

	/* In the first: passed over when read, with a message. */
	write_three(100);
	flip(CH_SPOOL_HEADER + 99);
	open_spool(&sp);
	assert_int_equal(sp.frames, 3);
	expect_batch(&sp, 2, 100);
	fflush(msgf);
	assert_non_null(strstr(msgs, "the batch at offset 0 (10 rows) has a wrong checksum: skipped"));
	expect_batch(&sp, 3, 100);
	assert_int_equal(file_size(), -1);
	ch_spool_close(&sp);

	/* Bytes that are not a batch (its magic damaged): cut there. */
	write_three(100);
	flip(f + 1);
	open_spool(&sp);
	assert_int_equal(sp.frames, 1);
	expect_batch(&sp, 1, 100);
	ch_spool_close(&sp);
	fflush(msgf);
	assert_non_null(strstr(msgs, "unreadable bytes, not a batch (232 bytes at offset 116)"));
}

/* A second collector on the same spool is refused. */
static void locked(void **state)
{
	(void)state;
	struct ch_spool a, b;
	char err[256];
	write_three(10);
	open_spool(&a);
	assert_int_equal(ch_spool_open(&b, path, msgf, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "in use by another process"));
	ch_spool_close(&a);
}

/* The row walk the replay checks a spooled batch with. */
static void row_walk(void **state)
{
	(void)state;
	struct flow_record r;
	struct exporter_info e;
	struct flow_context ctx;
	uint8_t rows[2 * CH_ROW_MAX], exp4[4] = { 192, 0, 2, 7 };

	memset(&r, 0, sizeof(r));
	memset(&e, 0, sizeof(e));
	memset(&ctx, 0, sizeof(ctx));
	r.af = 4;
	r.packets = 3;
	e.id = 2;
	ctx.exporter = &e;
	ctx.addr = exp4;
	ctx.af = 4;
	ctx.domain = 0x0102;
	ctx.sequence = 4000000000u;
	ctx.position = 72;
	size_t a = ch_row_encode(rows, &ctx, &r);
	r.mpls[0][0] = 1, r.mpls[1][2] = 1;	/* two labels: 8 more bytes */
	ctx.position = 120;
	size_t b = ch_row_encode(rows + a, &ctx, &r);
	assert_int_equal(b, a + 8);
	assert_int_equal(ch_row_len(rows, a + b), a);
	assert_int_equal(ch_row_len(rows + a, b), b);
	assert_int_equal(ch_row_len(rows + a, b - 1), 0);	/* cut short */
	struct ch_identity id;
	ch_row_identity(rows + a, b, &id);
	assert_int_equal(id.domain, 0x0102);
	assert_int_equal(id.sequence, 4000000000u);
	assert_int_equal(id.position, 120);
	assert_memory_equal(id.exporter + 12, exp4, 4);
	assert_int_equal(id.exporter[10], 0xff);
	assert_true(ch_code_is_data(27) && ch_code_is_data(395));
	assert_false(ch_code_is_data(81) || ch_code_is_data(252) || ch_code_is_data(-1));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(round_trip, setup, teardown),
		cmocka_unit_test_setup_teardown(torn_tail, setup, teardown),
		cmocka_unit_test_setup_teardown(damaged, setup, teardown),
		cmocka_unit_test_setup_teardown(locked, setup, teardown),
		cmocka_unit_test_setup_teardown(row_walk, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
