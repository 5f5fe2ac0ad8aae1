/*
 * test_nfclassic.c - NetFlow v5 and v1 encoders and decoders
 * (export/nfclassic.h).
 *
 * The expected datagrams are written out by hand from Cisco's "NetFlow
 * Export Datagram Format" tables (v1: B-1/B-2, v5: B-3/B-4), field by
 * field, never produced by the encoder under test.  Decoders are run on
 * inputs that end at a guard page (guard.h), and on real softflowd exports
 * from python-netflow's test vectors.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "../../export/nfclassic.h"
#include "guard.h"
#include "vectors.h"


/* ---- the export both golden datagrams describe ---------------------- */

#define BOOT_US 1600000000123000LL	/* a whole millisecond */
#define NOW_US  1600003600456789LL	/* uptime 3600333.789 ms */

static const struct nfclassic_export golden_export = {
	.now_us = NOW_US,
	.boot_us = BOOT_US,
	.flow_sequence = 1234567,
	.engine_type = 1,
	.engine_id = 42,
	.sampling = 0x4064,	/* mode 1, interval 100 */
};

static void ip4(uint8_t a[16], uint8_t b0, uint8_t b1, uint8_t b2, uint8_t b3)
{
	memset(a, 0, 16);
	a[0] = b0;
	a[1] = b1;
	a[2] = b2;
	a[3] = b3;
}

static void golden_records(struct flow_record r[2])
{
	memset(r, 0, 2 * sizeof(*r));
	r[0].af = 4;
	r[0].proto = 6;
	r[0].tos = 0x10;
	r[0].tcp_flags = 0x1b;
	ip4(r[0].src, 10, 0, 0, 1);
	ip4(r[0].dst, 192, 168, 1, 2);
	ip4(r[0].nexthop, 10, 0, 0, 254);
	r[0].sport = 12345;
	r[0].dport = 80;
	r[0].in_if = 3;
	r[0].out_if = 7;
	r[0].packets = 12;
	r[0].octets = 3456;
	r[0].first_us = BOOT_US + 1234567;	/* uptime 1234 ms */
	r[0].last_us = BOOT_US + 3600000999LL;	/* uptime 3600000 ms */
	r[0].src_as = 65001;
	r[0].dst_as = 64512;
	r[0].src_mask = 24;
	r[0].dst_mask = 16;

	r[1].af = 4;
	r[1].proto = 17;
	r[1].tos = 0xb8;
	ip4(r[1].src, 172, 16, 5, 9);
	ip4(r[1].dst, 8, 8, 8, 8);
	r[1].sport = 53;
	r[1].dport = 40000;
	r[1].in_if = 1;
	r[1].out_if = 2;
	r[1].packets = 1;
	r[1].octets = 76;
	r[1].first_us = BOOT_US + 2000000;	/* uptime 2000 ms */
	r[1].last_us = BOOT_US + 2000999;	/* uptime 2000 ms (truncated) */
}

/* Cisco v5: 24-byte header, 48-byte records. */
static const uint8_t golden_v5[24 + 2 * 48] = {
	/* header */
	0x00, 0x05,		/* version 5 */
	0x00, 0x02,		/* count 2 */
	0x00, 0x36, 0xef, 0xcd,	/* sys_uptime 3600333 ms */
	0x5f, 0x5e, 0x1e, 0x10,	/* unix_secs 1600003600 */
	0x1b, 0x3a, 0x0c, 0x08,	/* unix_nsecs 456789000 */
	0x00, 0x12, 0xd6, 0x87,	/* flow_sequence 1234567 */
	0x01,			/* engine_type 1 */
	0x2a,			/* engine_id 42 */
	0x40, 0x64,		/* sampling_interval: mode 1, 100 */

	/* record 1 */
	0x0a, 0x00, 0x00, 0x01,	/* srcaddr 10.0.0.1 */
	0xc0, 0xa8, 0x01, 0x02,	/* dstaddr 192.168.1.2 */
	0x0a, 0x00, 0x00, 0xfe,	/* nexthop 10.0.0.254 */
	0x00, 0x03,		/* input 3 */
	0x00, 0x07,		/* output 7 */
	0x00, 0x00, 0x00, 0x0c,	/* dPkts 12 */
	0x00, 0x00, 0x0d, 0x80,	/* dOctets 3456 */
	0x00, 0x00, 0x04, 0xd2,	/* First 1234 */
	0x00, 0x36, 0xee, 0x80,	/* Last 3600000 */
	0x30, 0x39,		/* srcport 12345 */
	0x00, 0x50,		/* dstport 80 */
	0x00,			/* pad1 */
	0x1b,			/* tcp_flags FIN SYN PSH ACK */
	0x06,			/* prot TCP */
	0x10,			/* tos */
	0xfd, 0xe9,		/* src_as 65001 */
	0xfc, 0x00,		/* dst_as 64512 */
	0x18,			/* src_mask 24 */
	0x10,			/* dst_mask 16 */
	0x00, 0x00,		/* pad2 */

	/* record 2 */
	0xac, 0x10, 0x05, 0x09,	/* srcaddr 172.16.5.9 */
	0x08, 0x08, 0x08, 0x08,	/* dstaddr 8.8.8.8 */
	0x00, 0x00, 0x00, 0x00,	/* nexthop 0.0.0.0 */
	0x00, 0x01,		/* input 1 */
	0x00, 0x02,		/* output 2 */
	0x00, 0x00, 0x00, 0x01,	/* dPkts 1 */
	0x00, 0x00, 0x00, 0x4c,	/* dOctets 76 */
	0x00, 0x00, 0x07, 0xd0,	/* First 2000 */
	0x00, 0x00, 0x07, 0xd0,	/* Last 2000 */
	0x00, 0x35,		/* srcport 53 */
	0x9c, 0x40,		/* dstport 40000 */
	0x00,			/* pad1 */
	0x00,			/* tcp_flags */
	0x11,			/* prot UDP */
	0xb8,			/* tos EF */
	0x00, 0x00,		/* src_as */
	0x00, 0x00,		/* dst_as */
	0x00,			/* src_mask */
	0x00,			/* dst_mask */
	0x00, 0x00,		/* pad2 */
};

/* Cisco v1: 16-byte header, 48-byte records. */
static const uint8_t golden_v1[16 + 2 * 48] = {
	/* header */
	0x00, 0x01,		/* version 1 */
	0x00, 0x02,		/* count 2 */
	0x00, 0x36, 0xef, 0xcd,	/* sys_uptime 3600333 ms */
	0x5f, 0x5e, 0x1e, 0x10,	/* unix_secs 1600003600 */
	0x1b, 0x3a, 0x0c, 0x08,	/* unix_nsecs 456789000 */

	/* record 1 */
	0x0a, 0x00, 0x00, 0x01,	/* srcaddr 10.0.0.1 */
	0xc0, 0xa8, 0x01, 0x02,	/* dstaddr 192.168.1.2 */
	0x0a, 0x00, 0x00, 0xfe,	/* nexthop 10.0.0.254 */
	0x00, 0x03,		/* input 3 */
	0x00, 0x07,		/* output 7 */
	0x00, 0x00, 0x00, 0x0c,	/* dPkts 12 */
	0x00, 0x00, 0x0d, 0x80,	/* dOctets 3456 */
	0x00, 0x00, 0x04, 0xd2,	/* First 1234 */
	0x00, 0x36, 0xee, 0x80,	/* Last 3600000 */
	0x30, 0x39,		/* srcport 12345 */
	0x00, 0x50,		/* dstport 80 */
	0x00, 0x00,		/* pad1 */
	0x06,			/* prot TCP */
	0x10,			/* tos */
	0x1b,			/* flags */
	0x00, 0x00, 0x00,	/* pad2 */
	0x00, 0x00, 0x00, 0x00,	/* reserved */

	/* record 2 */
	0xac, 0x10, 0x05, 0x09,	/* srcaddr 172.16.5.9 */
	0x08, 0x08, 0x08, 0x08,	/* dstaddr 8.8.8.8 */
	0x00, 0x00, 0x00, 0x00,	/* nexthop 0.0.0.0 */
	0x00, 0x01,		/* input 1 */
	0x00, 0x02,		/* output 2 */
	0x00, 0x00, 0x00, 0x01,	/* dPkts 1 */
	0x00, 0x00, 0x00, 0x4c,	/* dOctets 76 */
	0x00, 0x00, 0x07, 0xd0,	/* First 2000 */
	0x00, 0x00, 0x07, 0xd0,	/* Last 2000 */
	0x00, 0x35,		/* srcport 53 */
	0x9c, 0x40,		/* dstport 40000 */
	0x00, 0x00,		/* pad1 */
	0x11,			/* prot UDP */
	0xb8,			/* tos */
	0x00,			/* flags */
	0x00, 0x00, 0x00,	/* pad2 */
	0x00, 0x00, 0x00, 0x00,	/* reserved */
};

static void dump_diff(const char *what, const uint8_t *got, const uint8_t *want, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (got[i] != want[i])
			print_error("%s: byte %zu is 0x%02x, expected 0x%02x\n",
				    what, i, got[i], want[i]);
}

/* ---- a) golden bytes ------------------------------------------------ */

static void test_v5_encode_golden(void **state)
{
	(void)state;
	struct flow_record r[2];
	uint8_t out[1500];

	golden_records(r);
	memset(out, 0xee, sizeof(out));
	size_t len = nf5_encode(&golden_export, r, 2, out, sizeof(out));
	assert_int_equal(len, sizeof(golden_v5));
	dump_diff("v5", out, golden_v5, sizeof(golden_v5));
	assert_memory_equal(out, golden_v5, sizeof(golden_v5));
	assert_int_equal(out[len], 0xee);	/* nothing written past the end */
}

static void test_v1_encode_golden(void **state)
{
	(void)state;
	struct flow_record r[2];
	uint8_t out[1500];

	golden_records(r);
	memset(out, 0xee, sizeof(out));
	size_t len = nf1_encode(&golden_export, r, 2, out, sizeof(out));
	assert_int_equal(len, sizeof(golden_v1));
	dump_diff("v1", out, golden_v1, sizeof(golden_v1));
	assert_memory_equal(out, golden_v1, sizeof(golden_v1));
	assert_int_equal(out[len], 0xee);
}

/* Exactly the datagram's size is enough; one byte less is 0 and the
 * buffer is not written past cap. */
static void test_encode_capacity(void **state)
{
	(void)state;
	struct flow_record r[2];
	uint8_t out[sizeof(golden_v5) + 8];

	golden_records(r);
	assert_int_equal(nf5_encode(&golden_export, r, 2, out, sizeof(golden_v5)),
			 sizeof(golden_v5));
	memset(out, 0xee, sizeof(out));
	assert_int_equal(nf5_encode(&golden_export, r, 2, out, sizeof(golden_v5) - 1), 0);
	assert_int_equal(out[sizeof(golden_v5) - 1], 0xee);
	assert_int_equal(nf1_encode(&golden_export, r, 2, out, sizeof(golden_v1)),
			 sizeof(golden_v1));
	assert_int_equal(nf1_encode(&golden_export, r, 2, out, sizeof(golden_v1) - 1), 0);
	assert_int_equal(nf5_encode(&golden_export, r, 2, out, 0), 0);
}

static void test_encode_too_many_records(void **state)
{
	(void)state;
	static struct flow_record r[32];
	static uint8_t out[65536];

	for (size_t i = 0; i < 32; i += 2)
		golden_records(&r[i]);
	assert_int_equal(nf5_encode(&golden_export, r, 30, out, sizeof(out)), 24 + 30 * 48);
	assert_int_equal(nf5_encode(&golden_export, r, 31, out, sizeof(out)), 0);
	assert_int_equal(nf1_encode(&golden_export, r, 24, out, sizeof(out)), 16 + 24 * 48);
	assert_int_equal(nf1_encode(&golden_export, r, 25, out, sizeof(out)), 0);
}

/* Counters beyond 32 bits become 0xffffffff; times before boot uptime 0. */
static void test_encode_clamps(void **state)
{
	(void)state;
	struct flow_record r[2];
	uint8_t out[256];

	golden_records(r);
	r[0].packets = 0x100000000ull;
	r[0].octets = 0x123456789ull;
	r[0].first_us = BOOT_US - 5000000;
	r[0].last_us = BOOT_US;
	size_t len = nf5_encode(&golden_export, r, 1, out, sizeof(out));
	assert_int_equal(len, 24 + 48);
	static const uint8_t want[16] = {
		0xff, 0xff, 0xff, 0xff,	/* dPkts */
		0xff, 0xff, 0xff, 0xff,	/* dOctets */
		0x00, 0x00, 0x00, 0x00,	/* First */
		0x00, 0x00, 0x00, 0x00,	/* Last */
	};
	assert_memory_equal(out + 24 + 16, want, sizeof(want));
}

/* ---- b) decode round trip and exact times --------------------------- */

static void check_decoded_golden(const struct flow_record *d, int v5)
{
	static const uint8_t a10_0_0_1[16] = { 10, 0, 0, 1 };
	static const uint8_t a192_168_1_2[16] = { 192, 168, 1, 2 };
	static const uint8_t a10_0_0_254[16] = { 10, 0, 0, 254 };
	static const uint8_t a172_16_5_9[16] = { 172, 16, 5, 9 };
	static const uint8_t a8_8_8_8[16] = { 8, 8, 8, 8 };
	static const uint8_t zero[16] = { 0 };

	assert_int_equal(d[0].af, 4);
	assert_memory_equal(d[0].src, a10_0_0_1, 16);
	assert_memory_equal(d[0].dst, a192_168_1_2, 16);
	assert_memory_equal(d[0].nexthop, a10_0_0_254, 16);
	assert_int_equal(d[0].sport, 12345);
	assert_int_equal(d[0].dport, 80);
	assert_int_equal(d[0].in_if, 3);
	assert_int_equal(d[0].out_if, 7);
	assert_int_equal(d[0].packets, 12);
	assert_int_equal(d[0].octets, 3456);
	assert_int_equal(d[0].proto, 6);
	assert_int_equal(d[0].tos, 0x10);
	assert_int_equal(d[0].tcp_flags, 0x1b);
	/* µs below the millisecond are gone; the rest is exact. */
	assert_true(d[0].first_us == BOOT_US + 1234000);
	assert_true(d[0].last_us == BOOT_US + 3600000000LL);
	assert_int_equal(d[0].end_reason, 0);
	if (v5) {
		assert_int_equal(d[0].src_as, 65001);
		assert_int_equal(d[0].dst_as, 64512);
		assert_int_equal(d[0].src_mask, 24);
		assert_int_equal(d[0].dst_mask, 16);
	} else {
		assert_int_equal(d[0].src_as, 0);
		assert_int_equal(d[0].src_mask, 0);
	}

	assert_int_equal(d[1].af, 4);
	assert_memory_equal(d[1].src, a172_16_5_9, 16);
	assert_memory_equal(d[1].dst, a8_8_8_8, 16);
	assert_memory_equal(d[1].nexthop, zero, 16);
	assert_int_equal(d[1].sport, 53);
	assert_int_equal(d[1].dport, 40000);
	assert_int_equal(d[1].in_if, 1);
	assert_int_equal(d[1].out_if, 2);
	assert_int_equal(d[1].packets, 1);
	assert_int_equal(d[1].octets, 76);
	assert_int_equal(d[1].proto, 17);
	assert_int_equal(d[1].tos, 0xb8);
	assert_int_equal(d[1].tcp_flags, 0);
	assert_true(d[1].first_us == BOOT_US + 2000000);
	assert_true(d[1].last_us == BOOT_US + 2000000);
}

static void test_v5_decode_golden(void **state)
{
	(void)state;
	struct guard g;
	struct nfclassic_header h;
	struct flow_record d[4];
	size_t n = 99;

	guard_init(&g, sizeof(golden_v5));
	const uint8_t *p = guard_put(&g, golden_v5, sizeof(golden_v5));
	memset(d, 0x5a, sizeof(d));
	assert_int_equal(nf5_decode(p, sizeof(golden_v5), &h, d, 4, &n), FP_OK);
	assert_int_equal(n, 2);
	assert_int_equal(h.version, 5);
	assert_int_equal(h.count, 2);
	assert_int_equal(h.sys_uptime_ms, 3600333);
	assert_int_equal(h.unix_secs, 1600003600);
	assert_int_equal(h.unix_nsecs, 456789000);
	assert_int_equal(h.flow_sequence, 1234567);
	assert_int_equal(h.engine_type, 1);
	assert_int_equal(h.engine_id, 42);
	assert_int_equal(h.sampling, 0x4064);
	check_decoded_golden(d, 1);
	guard_free(&g);
}

static void test_v1_decode_golden(void **state)
{
	(void)state;
	struct guard g;
	struct nfclassic_header h;
	struct flow_record d[4];
	size_t n = 99;

	guard_init(&g, sizeof(golden_v1));
	const uint8_t *p = guard_put(&g, golden_v1, sizeof(golden_v1));
	memset(d, 0x5a, sizeof(d));
	assert_int_equal(nf1_decode(p, sizeof(golden_v1), &h, d, 4, &n), FP_OK);
	assert_int_equal(n, 2);
	assert_int_equal(h.version, 1);
	assert_int_equal(h.count, 2);
	assert_int_equal(h.sys_uptime_ms, 3600333);
	assert_int_equal(h.unix_secs, 1600003600);
	assert_int_equal(h.unix_nsecs, 456789000);
	assert_int_equal(h.flow_sequence, 0);
	check_decoded_golden(d, 0);
	guard_free(&g);
}

/* Encode, decode, compare with what went in (times to the ms). */
static void test_round_trip(void **state)
{
	(void)state;
	struct flow_record r[2], d[2];
	struct nfclassic_header h;
	uint8_t out[512];
	size_t n;

	golden_records(r);
	size_t len = nf5_encode(&golden_export, r, 2, out, sizeof(out));
	assert_true(len > 0);
	assert_int_equal(nf5_decode(out, len, &h, d, 2, &n), FP_OK);
	assert_int_equal(n, 2);
	check_decoded_golden(d, 1);

	len = nf1_encode(&golden_export, r, 2, out, sizeof(out));
	assert_true(len > 0);
	assert_int_equal(nf1_decode(out, len, &h, d, 2, &n), FP_OK);
	assert_int_equal(n, 2);
	check_decoded_golden(d, 0);
}

/* An export time with no sub-millisecond part, and a boot time that is
 * not on a second: the times still come back exact. */
static void test_round_trip_times_exact(void **state)
{
	(void)state;
	struct nfclassic_export x = {
		.now_us = 1700000123999000LL,
		.boot_us = 1699990000001000LL,
	};
	struct flow_record r[1], d[1];
	struct nfclassic_header h;
	uint8_t out[128];
	size_t n;

	memset(r, 0, sizeof(r));
	r[0].af = 4;
	r[0].proto = 1;
	r[0].dport = 0x0800;
	r[0].packets = 1;
	r[0].octets = 84;
	r[0].first_us = 1700000000000999LL;
	r[0].last_us = 1700000123999000LL;	/* the export time itself */
	size_t len = nf5_encode(&x, r, 1, out, sizeof(out));
	assert_int_equal(len, 72);
	assert_int_equal(nf5_decode(out, len, &h, d, 1, &n), FP_OK);
	assert_int_equal(n, 1);
	assert_true(d[0].first_us == 1700000000000000LL);
	assert_true(d[0].last_us == 1700000123999000LL);
	assert_int_equal(d[0].dport, 0x0800);
	assert_int_equal(h.unix_secs, 1700000123);
	assert_int_equal(h.unix_nsecs, 999000000);
	assert_int_equal(h.sys_uptime_ms, 10123998);
}

/* ---- c) truncation and bad headers ---------------------------------- */

typedef enum fp_status (*decode_fn)(const uint8_t *, size_t, struct nfclassic_header *,
				    struct flow_record *, size_t, size_t *);

static void every_prefix_rejected(decode_fn dec, const uint8_t *dgram, size_t len)
{
	struct guard g;
	struct nfclassic_header h;
	struct flow_record d[4];

	guard_init(&g, len);
	for (size_t plen = 0; plen < len; plen++) {
		const uint8_t *p = guard_put(&g, dgram, plen);
		size_t n = 77;
		enum fp_status st = dec(p, plen, &h, d, 4, &n);
		if (st != FP_TRUNCATED || n != 0)
			fail_msg("prefix of %zu of %zu bytes: status %d, n %zu", plen, len, st, n);
	}
	/* And the whole datagram, at the same guard, is fine. */
	const uint8_t *p = guard_put(&g, dgram, len);
	size_t n = 77;
	assert_int_equal(dec(p, len, &h, d, 4, &n), FP_OK);
	assert_int_equal(n, 2);
	guard_free(&g);
}

static void test_v5_every_prefix_truncated(void **state)
{
	(void)state;
	every_prefix_rejected(nf5_decode, golden_v5, sizeof(golden_v5));
}

static void test_v1_every_prefix_truncated(void **state)
{
	(void)state;
	every_prefix_rejected(nf1_decode, golden_v1, sizeof(golden_v1));
}

static enum fp_status decode_modified(decode_fn dec, const uint8_t *dgram, size_t len,
				      size_t off, const uint8_t *patch, size_t plen,
				      size_t cap, size_t *n)
{
	uint8_t buf[512];
	struct guard g;
	struct nfclassic_header h;
	struct flow_record d[40];

	assert_true(len <= sizeof(buf));
	assert_true(cap <= 40);
	memcpy(buf, dgram, len);
	memcpy(buf + off, patch, plen);
	guard_init(&g, len);
	const uint8_t *p = guard_put(&g, buf, len);
	*n = 77;
	enum fp_status st = dec(p, len, &h, d, cap, n);
	guard_free(&g);
	return st;
}

static void test_v5_bad_headers(void **state)
{
	(void)state;
	size_t n;
	static const uint8_t count0[2] = { 0x00, 0x00 };
	static const uint8_t count3[2] = { 0x00, 0x03 };
	static const uint8_t count31[2] = { 0x00, 0x1f };
	static const uint8_t count_ffff[2] = { 0xff, 0xff };
	static const uint8_t ver7[2] = { 0x00, 0x07 };
	static const uint8_t ver1[2] = { 0x00, 0x01 };
	static const uint8_t ver9[2] = { 0x00, 0x09 };

	assert_int_equal(decode_modified(nf5_decode, golden_v5, sizeof(golden_v5), 2, count0, 2, 4, &n),
			 FP_MALFORMED);
	assert_int_equal(n, 0);
	assert_int_equal(decode_modified(nf5_decode, golden_v5, sizeof(golden_v5), 0, ver7, 2, 4, &n),
			 FP_UNSUPPORTED);
	assert_int_equal(n, 0);
	assert_int_equal(decode_modified(nf5_decode, golden_v5, sizeof(golden_v5), 0, ver1, 2, 4, &n),
			 FP_UNSUPPORTED);
	assert_int_equal(decode_modified(nf5_decode, golden_v5, sizeof(golden_v5), 0, ver9, 2, 4, &n),
			 FP_UNSUPPORTED);
	/* Count 3 with 2 records present. */
	assert_int_equal(decode_modified(nf5_decode, golden_v5, sizeof(golden_v5), 2, count3, 2, 4, &n),
			 FP_TRUNCATED);
	assert_int_equal(n, 0);
	/* More than v5's 30 records a datagram. */
	assert_int_equal(decode_modified(nf5_decode, golden_v5, sizeof(golden_v5), 2, count31, 2, 40, &n),
			 FP_MALFORMED);
	assert_int_equal(n, 0);
	assert_int_equal(decode_modified(nf5_decode, golden_v5, sizeof(golden_v5), 2, count_ffff, 2, 40, &n),
			 FP_MALFORMED);
	/* More records than the caller has room for. */
	assert_int_equal(decode_modified(nf5_decode, golden_v5, sizeof(golden_v5), 2, count3, 0, 1, &n),
			 FP_MALFORMED);
	assert_int_equal(n, 0);
	/* A version-7 header cut short is still just truncated. */
	{
		uint8_t b[10];
		struct nfclassic_header h;
		struct flow_record d[1];
		memcpy(b, golden_v5, sizeof(b));
		b[1] = 7;
		n = 77;
		assert_int_equal(nf5_decode(b, sizeof(b), &h, d, 1, &n), FP_TRUNCATED);
		assert_int_equal(n, 0);
	}
}

static void test_v1_bad_headers(void **state)
{
	(void)state;
	size_t n;
	static const uint8_t count0[2] = { 0x00, 0x00 };
	static const uint8_t count3[2] = { 0x00, 0x03 };
	static const uint8_t count31[2] = { 0x00, 0x1f };
	static const uint8_t ver7[2] = { 0x00, 0x07 };
	static const uint8_t ver5[2] = { 0x00, 0x05 };

	assert_int_equal(decode_modified(nf1_decode, golden_v1, sizeof(golden_v1), 2, count0, 2, 4, &n),
			 FP_MALFORMED);
	assert_int_equal(n, 0);
	assert_int_equal(decode_modified(nf1_decode, golden_v1, sizeof(golden_v1), 0, ver7, 2, 4, &n),
			 FP_UNSUPPORTED);
	assert_int_equal(n, 0);
	assert_int_equal(decode_modified(nf1_decode, golden_v1, sizeof(golden_v1), 0, ver5, 2, 4, &n),
			 FP_UNSUPPORTED);
	assert_int_equal(decode_modified(nf1_decode, golden_v1, sizeof(golden_v1), 2, count3, 2, 4, &n),
			 FP_TRUNCATED);
	assert_int_equal(n, 0);
	assert_int_equal(decode_modified(nf1_decode, golden_v1, sizeof(golden_v1), 2, count31, 2, 40, &n),
			 FP_MALFORMED);
	assert_int_equal(decode_modified(nf1_decode, golden_v1, sizeof(golden_v1), 2, count3, 0, 1, &n),
			 FP_MALFORMED);
	assert_int_equal(n, 0);
}

/* The decoder for one version refuses the other's datagram. */
static void test_version_mismatch(void **state)
{
	(void)state;
	struct nfclassic_header h;
	struct flow_record d[4];
	size_t n = 77;

	assert_int_equal(nf1_decode(golden_v5, sizeof(golden_v5), &h, d, 4, &n), FP_UNSUPPORTED);
	assert_int_equal(n, 0);
	assert_int_equal(h.version, 5);
	n = 77;
	assert_int_equal(nf5_decode(golden_v1, sizeof(golden_v1), &h, d, 4, &n), FP_UNSUPPORTED);
	assert_int_equal(n, 0);
	assert_int_equal(h.version, 1);
}

/* ---- d) real softflowd exports (python-netflow 0.12.2 vectors) ------ */


static void test_vector_v5(void **state)
{
	(void)state;
	uint8_t raw[2048];
	size_t len = load_vector("PACKET_V5", raw, sizeof(raw));
	if (len == 0) {
		print_message("skipping: %s (PACKET_V5) not found\n", VECTORS);
		skip();
	}
	assert_int_equal(len, 168);

	struct guard g;
	struct nfclassic_header h;
	struct flow_record d[30];
	size_t n = 0;
	guard_init(&g, len);
	const uint8_t *p = guard_put(&g, raw, len);
	assert_int_equal(nf5_decode(p, len, &h, d, 30, &n), FP_OK);
	assert_int_equal(n, 3);
	assert_int_equal(h.count, 3);
	assert_int_equal(h.sys_uptime_ms, 227747);
	assert_int_equal(h.unix_secs, 1585497478);
	assert_int_equal(h.unix_nsecs, 581262000);
	assert_int_equal(h.flow_sequence, 0);
	assert_int_equal(h.engine_type, 0);
	assert_int_equal(h.engine_id, 0);
	assert_int_equal(h.sampling, 0);

	static const uint8_t a172_17_0_1[16] = { 172, 17, 0, 1 };
	static const uint8_t a172_17_0_2[16] = { 172, 17, 0, 2 };
	static const uint8_t a224_0_0_251[16] = { 224, 0, 0, 251 };

	/* First record: ICMP echo request .2 -> .1, 10 packets. */
	assert_memory_equal(d[0].src, a172_17_0_2, 16);
	assert_memory_equal(d[0].dst, a172_17_0_1, 16);
	assert_int_equal(d[0].proto, 1);
	assert_int_equal(d[0].sport, 0);
	assert_int_equal(d[0].dport, 2048);	/* type 8 code 0 */
	assert_int_equal(d[0].packets, 10);
	assert_int_equal(d[0].octets, 840);
	assert_int_equal(d[0].tos, 0);
	assert_int_equal(d[0].tcp_flags, 0);
	/* 1585497478.581 s - (227747 - 12108) ms */
	assert_true(d[0].first_us == 1585497262942000LL);
	assert_true(d[0].last_us == 1585497271944000LL);

	/* The reply direction. */
	assert_memory_equal(d[1].src, a172_17_0_1, 16);
	assert_memory_equal(d[1].dst, a172_17_0_2, 16);
	assert_int_equal(d[1].dport, 0);

	/* Last record: one mDNS packet to 224.0.0.251. */
	assert_memory_equal(d[2].src, a172_17_0_1, 16);
	assert_memory_equal(d[2].dst, a224_0_0_251, 16);
	assert_int_equal(d[2].proto, 17);
	assert_int_equal(d[2].sport, 5353);
	assert_int_equal(d[2].dport, 5353);
	assert_int_equal(d[2].packets, 1);
	assert_int_equal(d[2].octets, 169);
	assert_true(d[2].first_us == 1585497308206000LL);
	assert_true(d[2].last_us == 1585497308206000LL);

	/* It is not a v1 datagram. */
	assert_int_equal(nf1_decode(p, len, &h, d, 30, &n), FP_UNSUPPORTED);
	guard_free(&g);
}

static void test_vector_v1(void **state)
{
	(void)state;
	uint8_t raw[2048];
	size_t len = load_vector("PACKET_V1", raw, sizeof(raw));
	if (len == 0) {
		print_message("skipping: %s (PACKET_V1) not found\n", VECTORS);
		skip();
	}
	assert_int_equal(len, 112);

	struct guard g;
	struct nfclassic_header h;
	struct flow_record d[30];
	size_t n = 0;
	guard_init(&g, len);
	const uint8_t *p = guard_put(&g, raw, len);
	assert_int_equal(nf1_decode(p, len, &h, d, 30, &n), FP_OK);
	assert_int_equal(n, 2);
	assert_int_equal(h.version, 1);
	assert_int_equal(h.sys_uptime_ms, 71835);
	assert_int_equal(h.unix_secs, 1585496876);
	assert_int_equal(h.unix_nsecs, 802429000);

	static const uint8_t a172_17_0_1[16] = { 172, 17, 0, 1 };
	static const uint8_t a172_17_0_2[16] = { 172, 17, 0, 2 };

	assert_memory_equal(d[0].src, a172_17_0_2, 16);
	assert_memory_equal(d[0].dst, a172_17_0_1, 16);
	assert_int_equal(d[0].proto, 1);
	assert_int_equal(d[0].dport, 2048);
	assert_int_equal(d[0].packets, 10);
	assert_int_equal(d[0].octets, 840);
	assert_true(d[0].first_us == 1585496815150000LL);
	assert_true(d[0].last_us == 1585496824152000LL);

	assert_memory_equal(d[1].src, a172_17_0_1, 16);
	assert_memory_equal(d[1].dst, a172_17_0_2, 16);
	assert_int_equal(d[1].proto, 1);
	assert_int_equal(d[1].sport, 0);
	assert_int_equal(d[1].dport, 0);
	assert_int_equal(d[1].packets, 10);
	assert_int_equal(d[1].octets, 840);
	assert_true(d[1].first_us == 1585496815150000LL);
	assert_true(d[1].last_us == 1585496824152000LL);

	assert_int_equal(nf5_decode(p, len, &h, d, 30, &n), FP_UNSUPPORTED);
	guard_free(&g);
}

/* Every prefix of the real datagrams is rejected too. */
static void test_vectors_every_prefix(void **state)
{
	(void)state;
	uint8_t v5[2048], v1[2048];
	size_t l5 = load_vector("PACKET_V5", v5, sizeof(v5));
	size_t l1 = load_vector("PACKET_V1", v1, sizeof(v1));
	if (l5 == 0 || l1 == 0) {
		print_message("skipping: %s not found\n", VECTORS);
		skip();
	}
	struct guard g;
	struct nfclassic_header h;
	struct flow_record d[30];
	guard_init(&g, l5 > l1 ? l5 : l1);
	for (size_t plen = 0; plen < l5; plen++) {
		size_t n = 77;
		const uint8_t *p = guard_put(&g, v5, plen);
		assert_int_equal(nf5_decode(p, plen, &h, d, 30, &n), FP_TRUNCATED);
		assert_int_equal(n, 0);
	}
	for (size_t plen = 0; plen < l1; plen++) {
		size_t n = 77;
		const uint8_t *p = guard_put(&g, v1, plen);
		assert_int_equal(nf1_decode(p, plen, &h, d, 30, &n), FP_TRUNCATED);
		assert_int_equal(n, 0);
	}
	guard_free(&g);
}

/* ---- e) uptime wrap ------------------------------------------------- */

/* One v5 record whose First/Last are given; header at unix time
 * 1700000000.250 s with the given uptime. */
static void wrap_datagram(uint8_t b[72], uint32_t uptime, uint32_t first, uint32_t last)
{
	memset(b, 0, 72);
	b[1] = 5;				/* version */
	b[3] = 1;				/* count */
	b[4] = (uint8_t)(uptime >> 24);		/* sys_uptime */
	b[5] = (uint8_t)(uptime >> 16);
	b[6] = (uint8_t)(uptime >> 8);
	b[7] = (uint8_t)uptime;
	b[8] = 0x65; b[9] = 0x53; b[10] = 0xf1; b[11] = 0x00;	/* 1700000000 */
	b[12] = 0x0e; b[13] = 0xe6; b[14] = 0xb2; b[15] = 0x80;	/* 250000000 ns */
	uint8_t *r = b + 24;
	r[0] = 10; r[3] = 1;			/* src 10.0.0.1 */
	r[4] = 10; r[7] = 2;			/* dst 10.0.0.2 */
	r[19] = 1;				/* dPkts */
	r[23] = 100;				/* dOctets */
	r[24] = (uint8_t)(first >> 24);
	r[25] = (uint8_t)(first >> 16);
	r[26] = (uint8_t)(first >> 8);
	r[27] = (uint8_t)first;
	r[28] = (uint8_t)(last >> 24);
	r[29] = (uint8_t)(last >> 16);
	r[30] = (uint8_t)(last >> 8);
	r[31] = (uint8_t)last;
	r[38] = 17;				/* prot */
}

#define WRAP_EXPORT_MS 1700000000250LL

static void test_uptime_wrap(void **state)
{
	(void)state;
	uint8_t b[72];
	struct nfclassic_header h;
	struct flow_record d[1];
	size_t n;

	/* The flow started 4096 + 1000 ms before the export, just before the
	 * uptime counter wrapped; it ended 500 ms before the export. */
	wrap_datagram(b, 1000, 0xfffff000u, 500);
	assert_int_equal(nf5_decode(b, sizeof(b), &h, d, 1, &n), FP_OK);
	assert_int_equal(n, 1);
	assert_true(d[0].first_us == (WRAP_EXPORT_MS - 5096) * 1000);
	assert_true(d[0].last_us == (WRAP_EXPORT_MS - 500) * 1000);
	assert_true(d[0].first_us < d[0].last_us);

	/* Both times before the wrap. */
	wrap_datagram(b, 10, 0xffffff00u, 0xfffffff0u);
	assert_int_equal(nf5_decode(b, sizeof(b), &h, d, 1, &n), FP_OK);
	assert_true(d[0].first_us == (WRAP_EXPORT_MS - 266) * 1000);
	assert_true(d[0].last_us == (WRAP_EXPORT_MS - 26) * 1000);

	/* No wrap: plain subtraction. */
	wrap_datagram(b, 90000, 30000, 89999);
	assert_int_equal(nf5_decode(b, sizeof(b), &h, d, 1, &n), FP_OK);
	assert_true(d[0].first_us == (WRAP_EXPORT_MS - 60000) * 1000);
	assert_true(d[0].last_us == (WRAP_EXPORT_MS - 1) * 1000);

	/* A time at the export's own uptime is the export time. */
	wrap_datagram(b, 0xffffffffu, 0xffffffffu, 0xffffffffu);
	assert_int_equal(nf5_decode(b, sizeof(b), &h, d, 1, &n), FP_OK);
	assert_true(d[0].first_us == WRAP_EXPORT_MS * 1000);

	/* Same for v1: rewrite the header to v1's 16 bytes. */
	{
		uint8_t v1[64];
		wrap_datagram(b, 1000, 0xfffff000u, 500);
		memcpy(v1, b, 16);
		v1[1] = 1;
		memcpy(v1 + 16, b + 24, 48);
		v1[16 + 38] = 17;	/* v1 prot at 38 */
		assert_int_equal(nf1_decode(v1, sizeof(v1), &h, d, 1, &n), FP_OK);
		assert_true(d[0].first_us == (WRAP_EXPORT_MS - 5096) * 1000);
		assert_true(d[0].last_us == (WRAP_EXPORT_MS - 500) * 1000);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_v5_encode_golden),
		cmocka_unit_test(test_v1_encode_golden),
		cmocka_unit_test(test_encode_capacity),
		cmocka_unit_test(test_encode_too_many_records),
		cmocka_unit_test(test_encode_clamps),
		cmocka_unit_test(test_v5_decode_golden),
		cmocka_unit_test(test_v1_decode_golden),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_round_trip_times_exact),
		cmocka_unit_test(test_v5_every_prefix_truncated),
		cmocka_unit_test(test_v1_every_prefix_truncated),
		cmocka_unit_test(test_v5_bad_headers),
		cmocka_unit_test(test_v1_bad_headers),
		cmocka_unit_test(test_version_mismatch),
		cmocka_unit_test(test_vector_v5),
		cmocka_unit_test(test_vector_v1),
		cmocka_unit_test(test_vectors_every_prefix),
		cmocka_unit_test(test_uptime_wrap),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
