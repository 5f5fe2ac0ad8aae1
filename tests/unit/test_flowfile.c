/*
 * test_flowfile.c - the records of flowcollect's flow files
 * (collector/flowfile.h): what a record holds, byte for byte, and that
 * every flow reads back as it was written.
 *
 * Records are read from right before a PROT_NONE page (guard.h), so a
 * read past a record's end faults.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "../../collector/flowfile.h"
#include "guard.h"

static struct flow_record v4_flow(void)
{
	struct flow_record r;
	memset(&r, 0, sizeof(r));
	r.af = 4;
	r.proto = 6;
	r.tcp_flags = 0x1b;
	memcpy(r.src, "\xc0\x00\x02\x01", 4);
	memcpy(r.dst, "\xc6\x33\x64\x07", 4);
	r.sport = 40000;
	r.dport = 443;
	r.in_if = 2;
	r.packets = 10;
	r.octets = 5000;
	r.first_us = 1700000000123000;
	r.last_us = 1700000001456000;
	r.end_reason = END_OF_FLOW;
	return r;
}

static struct flowfile_ctx exporter(void)
{
	struct flowfile_ctx c;
	memset(&c, 0, sizeof(c));
	c.af = 4;
	memcpy(c.addr, "\x7f\x00\x00\x01", 4);
	c.version = 10;
	c.domain = 7;
	c.export_us = 1700000002000000;
	return c;
}

/* Write then read through a guard page, checking the length first. */
static void round_trip(struct flowfile_state *w, struct flowfile_state *r,
		       const struct flowfile_ctx *ctx, const struct flow_record *f, size_t want_len)
{
	uint8_t out[FLOWFILE_MAX_RECORD];
	struct guard g;
	size_t len = flowfile_put(out, w, ctx, f);

	if (want_len)
		assert_int_equal(len, want_len);
	assert_int_equal(out[0] | out[1] << 8, len);
	guard_init(&g, FLOWFILE_MAX_RECORD);
	assert_int_equal(flowfile_get(guard_put(&g, out, len), len, flowfile_nfields, r), 0);
	assert_memory_equal(&r->rec, f, sizeof(*f));
	assert_memory_equal(r->ctx.addr, ctx->addr, 16);
	assert_int_equal(r->ctx.version, ctx->version);
	assert_int_equal(r->ctx.domain, ctx->domain);
	assert_int_equal(r->ctx.export_us, ctx->export_us);
	guard_free(&g);
}

/* The first record against all zero: every non-zero field, an IPv4
 * address in 4 bytes.  Counted by hand from FLOWFILE_FIELDS. */
static void test_first_record_bytes(void **state)
{
	(void)state;
	struct flowfile_state w, r;
	struct flowfile_ctx c = exporter();
	struct flow_record f = v4_flow();
	memset(&w, 0, sizeof(w));
	memset(&r, 0, sizeof(r));
	/* ctx: af 1, addr 4, version 2, domain 4, export_us 8 = 19
	 * rec: af 1, proto 1, tcp_flags 1, src 4, dst 4, sport 2, dport 2,
	 * in_if 4, packets 8, octets 8, first 8, last 8, end_reason 1 = 52 */
	round_trip(&w, &r, &c, &f, FLOWFILE_RECORD_HEAD + 19 + 52);
}

/* The next flow of the same exporter keeps only what changed. */
static void test_changes_only(void **state)
{
	(void)state;
	struct flowfile_state w, r;
	struct flowfile_ctx c = exporter();
	struct flow_record f = v4_flow();
	memset(&w, 0, sizeof(w));
	memset(&r, 0, sizeof(r));
	round_trip(&w, &r, &c, &f, 0);
	f.sport = 40001;
	f.packets = 11;
	round_trip(&w, &r, &c, &f, FLOWFILE_RECORD_HEAD + 2 + 8);
	round_trip(&w, &r, &c, &f, FLOWFILE_RECORD_HEAD);	/* the same again */
	/* A field back to zero is a change too. */
	f.tcp_flags = 0;
	round_trip(&w, &r, &c, &f, FLOWFILE_RECORD_HEAD + 1);
}

/* IPv6 addresses take 16 bytes; back to IPv4, 4, and the rest of the
 * 16 read as zero (not left over from the IPv6 flow). */
static void test_family_changes(void **state)
{
	(void)state;
	struct flowfile_state w, r;
	struct flowfile_ctx c = exporter();
	struct flow_record f4 = v4_flow(), f6 = v4_flow();
	memset(&w, 0, sizeof(w));
	memset(&r, 0, sizeof(r));
	f6.af = 6;
	for (int i = 0; i < 16; i++) {
		f6.src[i] = (uint8_t)(0x20 + i);
		f6.dst[i] = (uint8_t)(0x40 + i);
	}
	round_trip(&w, &r, &c, &f4, 0);
	round_trip(&w, &r, &c, &f6, FLOWFILE_RECORD_HEAD + 1 + 16 + 16);
	round_trip(&w, &r, &c, &f4, FLOWFILE_RECORD_HEAD + 1 + 4 + 4);
	/* An IPv6 exporter. */
	c.af = 6;
	memset(c.addr, 0, 16);
	c.addr[15] = 1;
	round_trip(&w, &r, &c, &f4, FLOWFILE_RECORD_HEAD + 1 + 16);
}

/* A record that names more fields than its bytes hold is refused, and
 * every shorter prefix of a good record is too. */
static void test_short_records_refused(void **state)
{
	(void)state;
	struct flowfile_state w, r;
	struct flowfile_ctx c = exporter();
	struct flow_record f = v4_flow();
	uint8_t out[FLOWFILE_MAX_RECORD];
	struct guard g;
	memset(&w, 0, sizeof(w));
	size_t len = flowfile_put(out, &w, &c, &f);
	guard_init(&g, FLOWFILE_MAX_RECORD);
	for (size_t n = 0; n < len; n++) {
		memset(&r, 0, sizeof(r));
		assert_int_equal(flowfile_get(guard_put(&g, out, n), n, flowfile_nfields, &r), -1);
	}
	memset(&r, 0, sizeof(r));
	assert_int_equal(flowfile_get(guard_put(&g, out, len), len, flowfile_nfields, &r), 0);
	guard_free(&g);
}

/* A file written with fewer fields (an older writer) gives those and
 * leaves the rest; one with more (a newer writer: bits past ours, bytes
 * after ours) reads what we know and skips the rest. */
static void test_other_versions(void **state)
{
	(void)state;
	struct flowfile_state w, r;
	struct flowfile_ctx c = exporter();
	struct flow_record f = v4_flow();
	uint8_t out[FLOWFILE_MAX_RECORD + 8];
	memset(&w, 0, sizeof(w));
	size_t len = flowfile_put(out, &w, &c, &f);

	memset(&r, 0, sizeof(r));
	assert_int_equal(flowfile_get(out, len, 8, &r), 0);	/* the 8 exporter fields */
	assert_int_equal(r.ctx.domain, 7);
	assert_int_equal(r.rec.packets, 0);

	/* A newer writer's field 63, 4 bytes after ours. */
	out[9] |= 0x80;
	memcpy(out + len, "\x01\x02\x03\x04", 4);
	len += 4;
	out[0] = (uint8_t)len;
	memset(&r, 0, sizeof(r));
	assert_int_equal(flowfile_get(out, len, 64, &r), 0);
	assert_memory_equal(&r.rec, &f, sizeof(f));
}

/* The field table: every field named once, the widest record fits. */
static void test_field_table(void **state)
{
	(void)state;
	size_t widest = FLOWFILE_RECORD_HEAD;
	assert_true(flowfile_nfields <= 64);
	for (size_t i = 0; i < flowfile_nfields; i++) {
		widest += flowfile_fields[i].width;
		for (size_t j = 0; j < i; j++)
			assert_string_not_equal(flowfile_fields[i].name, flowfile_fields[j].name);
	}
	assert_true(widest <= FLOWFILE_MAX_RECORD);
	assert_string_equal(flowfile_fields[0].name, "exporter_af");
	assert_string_equal(flowfile_fields[flowfile_nfields - 1].name, "mpls");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_first_record_bytes),
		cmocka_unit_test(test_changes_only),
		cmocka_unit_test(test_family_changes),
		cmocka_unit_test(test_short_records_refused),
		cmocka_unit_test(test_other_versions),
		cmocka_unit_test(test_field_table),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
