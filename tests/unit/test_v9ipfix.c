/*
 * test_v9ipfix.c - the collector's v9/IPFIX decoder (collector/v9ipfix.c),
 * template cache (templates.c) and held sets (held.c).
 *
 * The real datagrams are softflowd's exports from python-netflow's test
 * vectors (../shared/vectors); what each holds is in collectors.md §3.1
 * and §3.2, checked there with tshark and nfcapd.  Hostile inputs are
 * built by hand, byte by byte.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "../../collector/collect.h"
#include "guard.h"
#include "vectors.h"

#define MAX_SEEN 256

/* ---- a sink that keeps what it is given ----------------------------- */

static struct flow_record seen[MAX_SEEN];
static size_t nseen;

static void keep_flow(struct sink *s, const struct flow_context *ctx, const struct flow_record *r)
{
	(void)s;
	(void)ctx;
	if (nseen < MAX_SEEN)
		seen[nseen] = *r;
	nseen++;
}

static const struct sink_ops keep_sink = { .name = "keep", .flow = keep_flow };

static void start(struct collector *c)
{
	collector_init(c);
	collector_add_sink(c, &keep_sink, stderr, NULL);
	nseen = 0;
}

static enum fp_status feed(struct collector *c, const uint8_t *buf, size_t len, int64_t at_us)
{
	struct datagram_src src;
	memset(&src, 0, sizeof(src));
	src.af = 4;
	src.addr[0] = 127;
	src.addr[3] = 1;
	src.port = 40000;
	src.arrived_us = at_us;
	return collector_datagram(c, &src, buf, len);
}


/* Feed a named vector through a guard page. */
static enum fp_status feed_vector(struct collector *c, const char *name, int64_t at_us)
{
	static uint8_t raw[4096];
	size_t len = load_vector(name, raw, sizeof(raw));
	if (len == 0) {
		print_message("skipping: %s (%s) not found\n", VECTORS, name);
		skip();
	}
	struct guard g;
	guard_init(&g, len);
	enum fp_status st = feed(c, guard_put(&g, raw, len), len, at_us);
	guard_free(&g);
	return st;
}

static struct exporter_info *only_exporter(struct collector *c)
{
	assert_int_equal(c->exporters.n, 1);
	return &c->exporters.e[0];
}

#define T0 1700000000000000LL

/* ---- python-netflow's vectors --------------------------------------- */

static void test_v9_template_then_data(void **state)
{
	(void)state;
	struct collector c;
	start(&c);
	assert_int_equal(feed_vector(&c, "PACKET_V9_TEMPLATE", T0), FP_OK);
	assert_int_equal(nseen, 8);
	assert_int_equal(feed_vector(&c, "PACKETS_V9_0", T0), FP_OK);
	assert_int_equal(feed_vector(&c, "PACKETS_V9_1", T0), FP_OK);
	assert_int_equal(feed_vector(&c, "PACKETS_V9_2", T0), FP_OK);
	assert_int_equal(nseen, 8 + 12 + 12 + 12);
	struct exporter_info *e = only_exporter(&c);
	assert_int_equal(e->templates, 2);
	assert_int_equal(e->datagrams, 4);
	assert_int_equal(e->records, 44);
	/* v9 sequence counts packets: 1, 2, 3, 4 with nothing lost. */
	assert_int_equal(e->missing, 0);
	collector_end(&c);
	assert_int_equal(c.errors[FP_UNKNOWN_TEMPLATE], 0);
	collector_free(&c);
}

static void test_v9_mixed_order(void **state)
{
	(void)state;
	struct collector c;
	static const uint8_t lo[16] = { 127, 0, 0, 1 };
	start(&c);
	/* Data set first, template set after, in one packet. */
	assert_int_equal(feed_vector(&c, "PACKET_V9_TEMPLATE_MIXED", T0), FP_OK);
	assert_int_equal(nseen, 8);
	assert_int_equal(seen[0].proto, 6);
	assert_memory_equal(seen[0].src, lo, 16);
	assert_int_equal(seen[0].sport, 80);
	assert_int_equal(seen[7].proto, 17);
	assert_int_equal(seen[7].dport, 53);
	assert_int_equal(only_exporter(&c)->held, 1);
	collector_end(&c);
	assert_int_equal(c.errors[FP_UNKNOWN_TEMPLATE], 0);
	collector_free(&c);
}

static void test_v9_data_before_template_packet(void **state)
{
	(void)state;
	struct collector c;
	start(&c);
	assert_int_equal(feed_vector(&c, "PACKETS_V9_0", T0), FP_OK);
	assert_int_equal(nseen, 0);		/* held */
	assert_int_equal(feed_vector(&c, "PACKET_V9_TEMPLATE", T0 + 1000000), FP_OK);
	assert_int_equal(nseen, 12 + 8);	/* the held set, then the packet's */
	collector_end(&c);
	assert_int_equal(c.errors[FP_UNKNOWN_TEMPLATE], 0);
	collector_free(&c);
}

static void test_v9_with_zeros(void **state)
{
	(void)state;
	struct collector c;
	start(&c);
	/* Five data sets for template 260, never defined, then zero fill:
	 * the sets are held, the zero "set" is one malformed length. */
	assert_int_equal(feed_vector(&c, "PACKET_V9_WITH_ZEROS", T0), FP_MALFORMED);
	assert_int_equal(nseen, 0);
	struct exporter_info *e = only_exporter(&c);
	assert_int_equal(e->key.domain, 16908288);
	assert_int_equal(e->held, 5);
	assert_int_equal(e->errors[FP_MALFORMED], 1);
	collector_end(&c);
	assert_int_equal(c.errors[FP_UNKNOWN_TEMPLATE], 5);
	assert_int_equal(e->errors[FP_UNKNOWN_TEMPLATE], 5);
	collector_free(&c);
}

static void test_invalid_version(void **state)
{
	(void)state;
	struct collector c;
	start(&c);
	assert_int_equal(feed_vector(&c, "PACKET_INVALID", T0), FP_UNSUPPORTED);
	assert_int_equal(c.errors[FP_UNSUPPORTED], 1);
	assert_int_equal(nseen, 0);
	collector_free(&c);
}

static void test_ipfix_template_contents(void **state)
{
	(void)state;
	struct collector c;
	static const uint8_t a172_17_0_2[16] = { 172, 17, 0, 2 };
	static const uint8_t v6src[16] = { 0xfd, 0xe6, 0x6f, 0x14, 0xe0, 0xf1, 0x96, 0x09,
					   0, 0, 0xaf, 0xfe, 0xaf, 0xfe, 0xaf, 0xfe };
	start(&c);
	assert_int_equal(feed_vector(&c, "PACKET_IPFIX_TEMPLATE", T0), FP_OK);
	/* 20 records: the options record and 19 flows. */
	assert_int_equal(nseen, 19);
	struct exporter_info *e = only_exporter(&c);
	assert_int_equal(e->templates, 4);
	assert_int_equal(e->options_templates, 1);
	assert_int_equal(e->options_records, 1);
	assert_int_equal(e->have_init, 1);
	assert_true(e->init_ms == 1585735165729LL);
	assert_int_equal(e->metering_pid, 2649);
	assert_int_equal(e->sampling, 1);	/* interval 1, space 0 */

	assert_memory_equal(seen[0].dst, a172_17_0_2, 16);
	assert_int_equal(seen[0].proto, 6);
	assert_int_equal(seen[0].sport, 443);
	assert_int_equal(seen[0].dport, 57766);
	assert_int_equal(seen[0].tcp_flags, 0x1b);
	assert_int_equal(seen[0].af, 4);
	/* softflowd's default times: uptime ms from the announced init time. */
	assert_true(seen[0].first_us % 1000 == 0);
	assert_true(seen[0].first_us >= 1585735165729000LL);
	assert_true(seen[0].last_us >= seen[0].first_us);

	assert_int_equal(seen[16].proto, 17);
	assert_int_equal(seen[16].af, 6);
	assert_memory_equal(seen[16].src, v6src, 16);
	collector_end(&c);
	collector_free(&c);
}

static void test_ipfix_data_template_data(void **state)
{
	(void)state;
	struct collector c;
	start(&c);
	assert_int_equal(feed_vector(&c, "PACKET_IPFIX", T0), FP_OK);
	assert_int_equal(nseen, 0);
	assert_int_equal(feed_vector(&c, "PACKET_IPFIX_TEMPLATE", T0 + 1), FP_OK);
	assert_int_equal(nseen, 3 + 19);
	assert_int_equal(feed_vector(&c, "PACKET_IPFIX", T0 + 2), FP_OK);
	assert_int_equal(nseen, 3 + 19 + 3);
	collector_end(&c);
	assert_int_equal(c.errors[FP_UNKNOWN_TEMPLATE], 0);
	collector_free(&c);
}

static void test_ipfix_ether(void **state)
{
	(void)state;
	struct collector c;
	static const uint8_t smac[6] = { 0x12, 0x34, 0x56, 0xaf, 0xfe, 0xfe };
	static const uint8_t dmac[6] = { 0xaf, 0xfe, 0xaf, 0xfe, 0xaf, 0xfe };
	start(&c);
	assert_int_equal(feed_vector(&c, "PACKET_IPFIX_TEMPLATE_ETHER", T0), FP_OK);
	size_t first = nseen;
	assert_int_equal(first, 13);		/* 14 records, one of them options */
	assert_int_equal(feed_vector(&c, "PACKET_IPFIX_ETHER", T0), FP_OK);
	assert_int_equal(nseen, first + 9);
	struct exporter_info *e = only_exporter(&c);
	assert_int_equal(e->metering_pid, 9);
	assert_true(e->init_ms == 759538800000LL);
	int found = 0;
	for (size_t i = 0; i < nseen && i < MAX_SEEN; i++)
		if (memcmp(seen[i].src_mac, smac, 6) == 0 && memcmp(seen[i].dst_mac, dmac, 6) == 0)
			found = 1;
	assert_true(found);
	collector_end(&c);
	collector_free(&c);
}

static void test_ipfix_padding(void **state)
{
	(void)state;
	struct collector c;
	start(&c);
	assert_int_equal(feed_vector(&c, "PACKET_IPFIX_PADDING", T0), FP_OK);
	struct exporter_info *e = only_exporter(&c);
	assert_int_equal(e->templates + e->options_templates, 5);
	assert_int_equal(e->metering_pid, 45786);
	assert_int_equal(e->options_records + nseen, 3);
	collector_end(&c);
	collector_free(&c);
}

/* Every prefix of every vector: never a read past the end (guard page),
 * never a crash, and a prefix shorter than the header is truncated. */
static void test_every_prefix(void **state)
{
	(void)state;
	static const char *names[] = {
		"PACKET_V9_TEMPLATE", "PACKET_V9_TEMPLATE_MIXED", "PACKETS_V9_0",
		"PACKET_V9_WITH_ZEROS", "PACKET_IPFIX_TEMPLATE", "PACKET_IPFIX",
		"PACKET_IPFIX_TEMPLATE_ETHER", "PACKET_IPFIX_PADDING",
	};
	static uint8_t raw[4096];
	for (size_t v = 0; v < sizeof(names) / sizeof(names[0]); v++) {
		size_t len = load_vector(names[v], raw, sizeof(raw));
		if (len == 0) {
			print_message("skipping: %s not found\n", VECTORS);
			skip();
		}
		struct guard g;
		struct collector c;
		guard_init(&g, len);
		start(&c);
		for (size_t plen = 0; plen <= len; plen++) {
			enum fp_status st = feed(&c, guard_put(&g, raw, plen), plen, T0);
			if (plen < 16)
				assert_int_equal(st, FP_TRUNCATED);
		}
		collector_end(&c);
		collector_free(&c);
		guard_free(&g);
	}
}

/* ---- hostile streams, built by hand --------------------------------- */

struct msgbuf {
	uint8_t b[2048];
	size_t len;
};

static void u16(struct msgbuf *m, uint16_t v)
{
	m->b[m->len++] = (uint8_t)(v >> 8);
	m->b[m->len++] = (uint8_t)v;
}

static void u32(struct msgbuf *m, uint32_t v)
{
	u16(m, (uint16_t)(v >> 16));
	u16(m, (uint16_t)v);
}

static void ipfix_header(struct msgbuf *m, uint32_t seq)
{
	m->len = 0;
	u16(m, 10);
	u16(m, 0);
	u32(m, 1700000000);
	u32(m, seq);
	u32(m, 7);
}

static void ipfix_done(struct msgbuf *m)
{
	m->b[2] = (uint8_t)(m->len >> 8);
	m->b[3] = (uint8_t)m->len;
}

/* Template 400: source address, packets (4 bytes), a variable-length
 * field and an enterprise field. */
static void template_400(struct msgbuf *m)
{
	u16(m, 2);
	u16(m, 4 + 4 + 4 * 4 + 4);
	u16(m, 400);
	u16(m, 4);
	u16(m, 8); u16(m, 4);			/* sourceIPv4Address */
	u16(m, 2); u16(m, 4);			/* packetDeltaCount, reduced */
	u16(m, 82); u16(m, 65535);		/* interfaceName, varlen */
	u16(m, 0x8000 | 77); u16(m, 2); u32(m, 9999);	/* enterprise */
}

static void data_400(struct msgbuf *m, uint8_t last_octet, uint32_t packets, size_t strlen_)
{
	size_t start = m->len;
	u16(m, 400);
	u16(m, 0);
	m->b[m->len++] = 10; m->b[m->len++] = 0; m->b[m->len++] = 0; m->b[m->len++] = last_octet;
	u32(m, packets);
	if (strlen_ < 255) {
		m->b[m->len++] = (uint8_t)strlen_;
	} else {
		m->b[m->len++] = 255;
		u16(m, (uint16_t)strlen_);
	}
	for (size_t i = 0; i < strlen_; i++)
		m->b[m->len++] = 'a';
	u16(m, 0xbeef);
	while ((m->len - start) % 4)
		m->b[m->len++] = 0;
	size_t slen = m->len - start;
	m->b[start + 2] = (uint8_t)(slen >> 8);
	m->b[start + 3] = (uint8_t)slen;
}

static void test_varlen_and_enterprise(void **state)
{
	(void)state;
	struct collector c;
	struct msgbuf m;
	start(&c);
	ipfix_header(&m, 0);
	template_400(&m);
	data_400(&m, 1, 5, 3);
	data_400(&m, 2, 6, 300);	/* the 3-byte length form */
	ipfix_done(&m);
	assert_int_equal(feed(&c, m.b, m.len, T0), FP_OK);
	assert_int_equal(nseen, 2);
	assert_int_equal(seen[0].src[3], 1);
	assert_int_equal(seen[0].packets, 5);
	assert_int_equal(seen[1].src[3], 2);
	assert_int_equal(seen[1].packets, 6);
	collector_end(&c);
	collector_free(&c);
}

static void test_withdrawal_then_redefinition(void **state)
{
	(void)state;
	struct collector c;
	struct msgbuf m;
	start(&c);
	ipfix_header(&m, 0);
	template_400(&m);
	ipfix_done(&m);
	assert_int_equal(feed(&c, m.b, m.len, T0), FP_OK);

	/* Withdraw 400, then data for it: held, not decoded with the old one. */
	ipfix_header(&m, 0);
	u16(&m, 2); u16(&m, 8); u16(&m, 400); u16(&m, 0);
	data_400(&m, 3, 7, 1);
	ipfix_done(&m);
	assert_int_equal(feed(&c, m.b, m.len, T0), FP_OK);
	assert_int_equal(nseen, 0);
	assert_int_equal(only_exporter(&c)->withdrawals, 1);

	/* Redefined as one 4-byte packet counter: the held set decodes with
	 * the new definition, the first 4 bytes of it as packets. */
	ipfix_header(&m, 0);
	u16(&m, 2); u16(&m, 12); u16(&m, 400); u16(&m, 1); u16(&m, 2); u16(&m, 4);
	ipfix_done(&m);
	assert_int_equal(feed(&c, m.b, m.len, T0), FP_OK);
	assert_true(nseen >= 1);
	assert_int_equal(seen[0].packets, 0x0a000003);
	collector_end(&c);
	collector_free(&c);
}

static void test_hostile_lengths(void **state)
{
	(void)state;
	struct collector c;
	struct msgbuf m;
	start(&c);

	/* A set longer than its message. */
	ipfix_header(&m, 0);
	u16(&m, 2); u16(&m, 200); u16(&m, 400); u16(&m, 1);
	ipfix_done(&m);
	assert_int_equal(feed(&c, m.b, m.len, T0), FP_TRUNCATED);

	/* A zero-length set. */
	ipfix_header(&m, 0);
	u16(&m, 300); u16(&m, 0);
	ipfix_done(&m);
	assert_int_equal(feed(&c, m.b, m.len, T0), FP_MALFORMED);

	/* A header length past the datagram, and under a header. */
	ipfix_header(&m, 0);
	m.b[2] = 0x07; m.b[3] = 0xd0;		/* 2000 */
	assert_int_equal(feed(&c, m.b, m.len, T0), FP_TRUNCATED);
	m.b[2] = 0; m.b[3] = 8;
	assert_int_equal(feed(&c, m.b, m.len, T0), FP_MALFORMED);

	/* A template of 65535 fields in a short set: refused, nothing kept. */
	ipfix_header(&m, 0);
	u16(&m, 2); u16(&m, 16); u16(&m, 500); u16(&m, 65535);
	u16(&m, 8); u16(&m, 4); u16(&m, 12); u16(&m, 4);
	ipfix_done(&m);
	assert_int_equal(feed(&c, m.b, m.len, T0), FP_MALFORMED);
	assert_int_equal(c.templates.count, 0);

	/* A template whose records take no bytes: refused (no end). */
	ipfix_header(&m, 0);
	u16(&m, 2); u16(&m, 12); u16(&m, 501); u16(&m, 1); u16(&m, 8); u16(&m, 0);
	ipfix_done(&m);
	assert_int_equal(feed(&c, m.b, m.len, T0), FP_MALFORMED);
	assert_int_equal(c.templates.count, 0);

	/* A v9 template announcing 500 fields in 8 bytes. */
	m.len = 0;
	u16(&m, 9); u16(&m, 1); u32(&m, 1000); u32(&m, 1700000000); u32(&m, 0); u32(&m, 1);
	u16(&m, 0); u16(&m, 12); u16(&m, 300); u16(&m, 500); u16(&m, 8); u16(&m, 4);
	assert_int_equal(feed(&c, m.b, m.len, T0), FP_MALFORMED);
	assert_int_equal(c.templates.count, 0);
	collector_end(&c);
	collector_free(&c);
}

/* Held sets are bounded: past HELD_MAX_SETS the oldest go, counted. */
static void test_held_bounded(void **state)
{
	(void)state;
	struct collector c;
	struct msgbuf m;
	start(&c);
	for (int i = 0; i < HELD_MAX_SETS + 10; i++) {
		ipfix_header(&m, 0);
		data_400(&m, 1, 1, 1);
		ipfix_done(&m);
		assert_int_equal(feed(&c, m.b, m.len, T0), FP_OK);
	}
	assert_true(c.held.count <= HELD_MAX_SETS);
	assert_int_equal(c.errors[FP_UNKNOWN_TEMPLATE], 10);
	/* And by age: a later datagram lets the old ones go. */
	ipfix_header(&m, 0);
	ipfix_done(&m);
	feed(&c, m.b, m.len, T0 + HELD_MAX_AGE_US + 1);
	assert_int_equal(c.held.count, 0);
	assert_int_equal(c.errors[FP_UNKNOWN_TEMPLATE], HELD_MAX_SETS + 10);
	collector_end(&c);
	collector_free(&c);
}

/* The cache keeps at most its bound, dropping the least recently used. */
static void test_cache_lru(void **state)
{
	(void)state;
	struct tmpl_cache tc;
	struct tmpl_scope s;
	memset(&s, 0, sizeof(s));
	tmpl_cache_init(&tc, 3, 1 << 20);
	for (uint16_t id = 256; id < 259; id++)
		tmpl_put(&tc, tmpl_new(&s, id, 1));
	assert_non_null(tmpl_get(&tc, &s, 256));	/* 257 is now the oldest */
	tmpl_put(&tc, tmpl_new(&s, 259, 1));
	assert_int_equal(tc.count, 3);
	assert_int_equal(tc.evicted, 1);
	assert_null(tmpl_get(&tc, &s, 257));
	assert_non_null(tmpl_get(&tc, &s, 256));
	assert_non_null(tmpl_get(&tc, &s, 258));
	assert_non_null(tmpl_get(&tc, &s, 259));
	/* Another port is another scope. */
	s.port = 1;
	assert_null(tmpl_get(&tc, &s, 256));
	s.port = 0;
	assert_int_equal(tmpl_withdraw_all(&tc, &s, 0), 3);
	assert_int_equal(tc.count, 0);
	tmpl_cache_free(&tc);

	/* Bounded in bytes as well: room for three of these templates. */
	struct tmpl *one = tmpl_new(&s, 256, 10);
	assert_non_null(one);
	assert_true(one->bytes >= sizeof(struct tmpl) + 10 * (sizeof(struct tmpl_field) + sizeof(struct ie_step)));
	tmpl_cache_init(&tc, 1000, 3 * one->bytes);
	free(one);
	for (uint16_t id = 256; id < 266; id++)
		tmpl_put(&tc, tmpl_new(&s, id, 10));
	assert_int_equal(tc.count, 3);
	assert_non_null(tmpl_get(&tc, &s, 265));
	tmpl_cache_free(&tc);
}

/* IPFIX sequence rules: RFC 7011's and softflowd's, gaps counted in
 * records under either. */
static void test_ipfix_sequence_rules(void **state)
{
	(void)state;
	struct exporter_info e;

	memset(&e, 0, sizeof(e));
	exporters_sequence_ipfix(&e, 0, 25, 24);	/* 24 flows + options */
	exporters_sequence_ipfix(&e, 25, 10, 10);
	exporters_sequence_ipfix(&e, 35, 7, 7);
	assert_int_equal(e.missing, 0);
	assert_int_equal(e.seq_counts_self, 0);
	exporters_sequence_ipfix(&e, 50, 3, 3);		/* 8 lost */
	assert_int_equal(e.missing, 8);
	exporters_sequence_ipfix(&e, 40, 3, 3);		/* back in time */
	assert_int_equal(e.reordered, 1);

	/* softflowd: the first message (24 flows) carries 24. */
	memset(&e, 0, sizeof(e));
	exporters_sequence_ipfix(&e, 24, 25, 24);
	exporters_sequence_ipfix(&e, 34, 10, 10);
	exporters_sequence_ipfix(&e, 41, 7, 7);
	assert_int_equal(e.seq_counts_self, 1);
	assert_int_equal(e.missing, 0);
	assert_int_equal(e.reordered, 0);
	exporters_sequence_ipfix(&e, 53, 3, 3);		/* 9 lost between */
	assert_int_equal(e.missing, 9);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_v9_template_then_data),
		cmocka_unit_test(test_v9_mixed_order),
		cmocka_unit_test(test_v9_data_before_template_packet),
		cmocka_unit_test(test_v9_with_zeros),
		cmocka_unit_test(test_invalid_version),
		cmocka_unit_test(test_ipfix_template_contents),
		cmocka_unit_test(test_ipfix_data_template_data),
		cmocka_unit_test(test_ipfix_ether),
		cmocka_unit_test(test_ipfix_padding),
		cmocka_unit_test(test_every_prefix),
		cmocka_unit_test(test_varlen_and_enterprise),
		cmocka_unit_test(test_withdrawal_then_redefinition),
		cmocka_unit_test(test_hostile_lengths),
		cmocka_unit_test(test_held_bounded),
		cmocka_unit_test(test_cache_lru),
		cmocka_unit_test(test_ipfix_sequence_rules),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
