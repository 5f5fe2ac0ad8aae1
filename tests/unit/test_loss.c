/*
 * test_loss.c - the per-exporter loss accounting (collector/exporters.c):
 * gaps in sequence numbers, datagrams that come late or twice, restarts,
 * the 2^32 wrap, and the loss line of the report, byte for byte.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "../../collector/exporters.h"

static struct exporter_info fresh(uint16_t version)
{
	struct exporter_info e;
	memset(&e, 0, sizeof(e));
	e.key.af = 4;
	e.key.addr[0] = 192, e.key.addr[1] = 0, e.key.addr[2] = 2, e.key.addr[3] = 1;
	e.key.version = version;
	e.id = 1;
	return e;
}

/* v5 numbers records: datagrams of 3 records carry 0, 3, 6, ... */
static void v5(struct exporter_info *e, uint32_t seq)
{
	exporters_sequence(e, seq, seq + 3);
}

static void test_gap_then_late(void **state)
{
	(void)state;
	struct exporter_info e = fresh(5);
	v5(&e, 0);
	v5(&e, 3);
	v5(&e, 9);		/* 6..8 not come: 3 missing */
	assert_int_equal(e.missing, 3);
	v5(&e, 6);		/* here it is, late */
	assert_int_equal(e.missing, 0);
	assert_int_equal(e.reordered, 1);
	v5(&e, 12);		/* still expected after 9's, not after 6's */
	assert_int_equal(e.missing, 0);
	assert_int_equal(e.resets, 0);
}

static void test_repeated(void **state)
{
	(void)state;
	struct exporter_info e = fresh(5);
	v5(&e, 0);
	v5(&e, 3);
	v5(&e, 3);		/* the same datagram again */
	v5(&e, 6);
	assert_int_equal(e.missing, 0);
	assert_int_equal(e.reordered, 1);
	assert_int_equal(e.resets, 0);
}

/* Back further than a late datagram would be, or back with no gap to
 * fill: the exporter started over; followed from there. */
static void test_restart(void **state)
{
	(void)state;
	struct exporter_info e = fresh(5);
	v5(&e, 100000);
	v5(&e, 100003);
	v5(&e, 0);
	v5(&e, 3);
	assert_int_equal(e.resets, 1);
	assert_int_equal(e.missing, 0);
	assert_int_equal(e.reordered, 0);

	e = fresh(5);
	v5(&e, 30);
	v5(&e, 0);		/* 30 back, nothing missing: a restart */
	v5(&e, 3);
	assert_int_equal(e.resets, 1);
	assert_int_equal(e.missing, 0);

	e = fresh(5);
	v5(&e, 0);
	v5(&e, 3 + SEQ_LATE_WINDOW + 100);	/* a gap */
	v5(&e, 0);		/* behind by more than the window */
	assert_int_equal(e.resets, 1);
	assert_int_equal(e.reordered, 0);
	assert_int_equal(e.missing, SEQ_LATE_WINDOW + 100);
}

static void test_wrap(void **state)
{
	(void)state;
	struct exporter_info e = fresh(5);
	exporters_sequence(&e, 4294967290u, 4u);	/* 10 records across 2^32 */
	exporters_sequence(&e, 4u, 14u);
	assert_int_equal(e.missing, 0);
	exporters_sequence(&e, 20u, 30u);
	assert_int_equal(e.missing, 6);
	assert_int_equal(e.resets, 0);
}

/* v9 numbers datagrams: a late one takes one off. */
static void test_v9_units(void **state)
{
	(void)state;
	struct exporter_info e = fresh(9);
	for (uint32_t s = 0; s < 5; s++)
		exporters_sequence(&e, s, s + 1);
	exporters_sequence(&e, 8, 9);		/* 5, 6, 7 missing */
	assert_int_equal(e.missing, 3);
	exporters_sequence(&e, 6, 7);
	assert_int_equal(e.missing, 2);
	assert_int_equal(e.reordered, 1);
}

static char *report(const struct exporter_info *e)
{
	struct exporter_table t;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	assert_non_null(f);
	memset(&t, 0, sizeof(t));
	t.e = (struct exporter_info *)e;
	t.n = t.cap = 1;
	exporters_print(f, &t);
	fclose(f);
	return buf;
}

static void test_loss_line(void **state)
{
	(void)state;
	struct exporter_info e = fresh(5);
	e.datagrams = 3;
	e.records = 9;
	e.missing = 30;
	e.errors[FP_TRUNCATED] = 1;
	char *s = report(&e);
	assert_string_equal(s,
		"exporter 1 192.0.2.1 v5 domain 0: 3 datagrams, 9 records, 30 missing, 0 reordered, 1 bad datagrams\n"
		"  loss: 30 of 39 records missing by sequence number (76.92%); undecodable datagrams: 1\n"
		"  errors: 1 truncated, 0 malformed, 0 unsupported, 0 sets for unknown templates, 0 out of memory\n");
	free(s);

	e = fresh(5);
	e.datagrams = 41;
	e.records = 1080;
	e.reordered = 1;
	e.resets = 2;
	s = report(&e);
	assert_string_equal(s,
		"exporter 1 192.0.2.1 v5 domain 0: 41 datagrams, 1080 records, 0 missing, 1 reordered, 0 bad datagrams\n"
		"  loss: 0 of 1080 records missing by sequence number (0.00%); late or repeated datagrams: 1; "
		"sequence restarts: 2\n");
	free(s);

	/* v9: 2 datagrams missing, 10 records a datagram on average. */
	e = fresh(9);
	e.datagrams = 8;
	e.records = 80;
	e.missing = 2;
	s = report(&e);
	assert_string_equal(s,
		"exporter 1 192.0.2.1 v9 domain 0: 8 datagrams, 80 records, 20 missing, 0 reordered, 0 bad datagrams\n"
		"  loss: 20 of 100 records missing by sequence number (20.00%), estimated from 2 datagrams missing\n"
		"  templates: 0 data, 0 options, 0 withdrawn; 0 options records; 0 sets held for their template\n");
	free(s);

	/* Read back from a flow file: records, no datagram. */
	e = fresh(9);
	e.records = 32;
	s = report(&e);
	assert_string_equal(s,
		"exporter 1 192.0.2.1 v9 domain 0: 0 datagrams, 32 records, 0 missing, 0 reordered, 0 bad datagrams\n"
		"  loss: not known, the records came from a flow file\n"
		"  templates: 0 data, 0 options, 0 withdrawn; 0 options records; 0 sets held for their template\n");
	free(s);

	e = fresh(1);
	e.datagrams = 1;
	e.records = 2;
	s = report(&e);
	assert_string_equal(s,
		"exporter 1 192.0.2.1 v1 domain 0: 1 datagrams, 2 records, 0 missing, 0 reordered, 0 bad datagrams\n"
		"  loss: not known, v1 carries no sequence number\n");
	free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_gap_then_late),
		cmocka_unit_test(test_repeated),
		cmocka_unit_test(test_restart),
		cmocka_unit_test(test_wrap),
		cmocka_unit_test(test_v9_units),
		cmocka_unit_test(test_loss_line),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
