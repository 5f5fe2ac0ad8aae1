/*
 * test_stats.c - the top-N summaries (collector/topn.c, topn_print.c):
 * parsing -s, counting a flow under each side for ip and port, the
 * ranking and its ties, a biflow's two directions, the ceiling on values,
 * and the printed layouts, byte for byte.
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
#include "../../collector/topn.h"

/* 2024-01-01 00:00:00 UTC in microseconds. */
#define T0 1704067200000000LL
#define MS 1000LL

static struct flow_record v4(const char *src, const char *dst, uint16_t sport, uint16_t dport,
			     uint8_t proto, uint64_t packets, uint64_t octets, int64_t first_ms,
			     int64_t last_ms)
{
	struct flow_record r;
	unsigned a, b, c, d;
	memset(&r, 0, sizeof(r));
	r.af = 4;
	assert_int_equal(sscanf(src, "%u.%u.%u.%u", &a, &b, &c, &d), 4);
	r.src[0] = (uint8_t)a, r.src[1] = (uint8_t)b, r.src[2] = (uint8_t)c, r.src[3] = (uint8_t)d;
	assert_int_equal(sscanf(dst, "%u.%u.%u.%u", &a, &b, &c, &d), 4);
	r.dst[0] = (uint8_t)a, r.dst[1] = (uint8_t)b, r.dst[2] = (uint8_t)c, r.dst[3] = (uint8_t)d;
	r.sport = sport;
	r.dport = dport;
	r.proto = proto;
	r.packets = packets;
	r.octets = octets;
	r.first_us = T0 + first_ms * MS;
	r.last_us = T0 + last_ms * MS;
	return r;
}

/* One table of elem, ranked by o; its values as text, best first. */
static struct topn st;

static void one_table(enum topn_elem elem, size_t max_keys)
{
	topn_init(&st, max_keys);
	assert_int_equal(topn_request(&st, elem, 1u << ORDER_FLOWS), 0);
}

static void ranked_text(enum topn_order o, char *out, size_t len)
{
	const struct topn_entry **r = topn_rank(&st.table[0], o);
	size_t used = 0;
	out[0] = '\0';
	for (size_t i = 0; r && i < st.table[0].count; i++) {
		const struct topn_key *k = &r[i]->key;
		char v[64];
		if (k->af)
			v[fmt_addr(v, k->af, k->v)] = '\0';
		else
			snprintf(v, sizeof(v), "%u", (unsigned)(k->v[0] << 8 | k->v[1]));
		used += (size_t)snprintf(out + used, len - used, "%s%s=%llu", i ? " " : "", v,
					 (unsigned long long)topn_rank_value(r[i], o));
	}
	free(r);
}

static void test_parse(void **state)
{
	(void)state;
	enum topn_elem e;
	unsigned o;
	char err[256];

	assert_int_equal(topn_parse("srcip", &e, &o, err, sizeof(err)), 0);
	assert_int_equal(e, TOPN_SRCIP);
	assert_int_equal(o, 1u << ORDER_FLOWS);
	assert_int_equal(topn_parse("IP/Bytes/flows", &e, &o, err, sizeof(err)), 0);
	assert_int_equal(e, TOPN_IP);
	assert_int_equal(o, 1u << ORDER_BYTES | 1u << ORDER_FLOWS);
	assert_int_equal(topn_parse("proto/bpp", &e, &o, err, sizeof(err)), 0);
	assert_int_equal(e, TOPN_PROTO);
	assert_int_equal(o, 1u << ORDER_BPP);
	assert_int_equal(topn_parse("dstport/pps/bps", &e, &o, err, sizeof(err)), 0);
	assert_int_equal(e, TOPN_DSTPORT);

	assert_int_equal(topn_parse("", &e, &o, err, sizeof(err)), -1);
	assert_int_equal(topn_parse("srcipx", &e, &o, err, sizeof(err)), -1);
	assert_string_equal(err, "invalid -s \"srcipx\": expected srcip, dstip, ip, srcport, "
			    "dstport, port or proto, then /ORDER");
	assert_int_equal(topn_parse("srcip/", &e, &o, err, sizeof(err)), -1);
	assert_int_equal(topn_parse("srcip/bytes/", &e, &o, err, sizeof(err)), -1);
	assert_int_equal(topn_parse("srcip/byte", &e, &o, err, sizeof(err)), -1);
	assert_string_equal(err, "invalid -s \"srcip/byte\": the order after \"/\" is one of "
			    "flows, packets, bytes, pps, bps or bpp");
	assert_int_equal(topn_parse("srcip:p", &e, &o, err, sizeof(err)), -1);
}

/* Largest first; at equal values the smaller value first, as numbers:
 * 9.0.0.1 before 10.0.0.1 (not as text), IPv4 before IPv6. */
static void test_rank_and_ties(void **state)
{
	(void)state;
	char got[512];
	one_table(TOPN_SRCIP, TOPN_MAX_KEYS);
	struct flow_record r;

	r = v4("10.0.0.1", "1.1.1.1", 1, 2, 17, 1, 100, 0, 10);
	topn_flow(&st, &r);
	topn_flow(&st, &r);
	r = v4("9.0.0.1", "1.1.1.1", 1, 2, 17, 5, 100, 0, 10);
	topn_flow(&st, &r);
	topn_flow(&st, &r);
	r = v4("200.0.0.1", "1.1.1.1", 1, 2, 17, 1, 50, 0, 10);
	topn_flow(&st, &r);
	topn_flow(&st, &r);
	topn_flow(&st, &r);
	memset(r.src, 0, 16);
	r.af = 6;
	r.src[0] = 0x20, r.src[1] = 0x01, r.src[15] = 1;	/* 2001::1 */
	topn_flow(&st, &r);
	topn_flow(&st, &r);

	ranked_text(ORDER_FLOWS, got, sizeof(got));
	assert_string_equal(got, "200.0.0.1=3 9.0.0.1=2 10.0.0.1=2 2001::1=2");
	ranked_text(ORDER_PACKETS, got, sizeof(got));
	assert_string_equal(got, "9.0.0.1=10 200.0.0.1=3 10.0.0.1=2 2001::1=2");
	ranked_text(ORDER_BYTES, got, sizeof(got));
	assert_string_equal(got, "9.0.0.1=200 10.0.0.1=200 200.0.0.1=150 2001::1=100");
	/* bytes * 8000 / 10 ms; bytes / packets */
	ranked_text(ORDER_BPS, got, sizeof(got));
	assert_string_equal(got, "9.0.0.1=160000 10.0.0.1=160000 200.0.0.1=120000 2001::1=80000");
	ranked_text(ORDER_BPP, got, sizeof(got));
	assert_string_equal(got, "10.0.0.1=100 200.0.0.1=50 2001::1=50 9.0.0.1=20");
	ranked_text(ORDER_PPS, got, sizeof(got));
	assert_string_equal(got, "9.0.0.1=1000 200.0.0.1=300 10.0.0.1=200 2001::1=200");
	topn_free(&st);
}

/* ip and port count a flow under each end: twice when both are the same. */
static void test_both_sides(void **state)
{
	(void)state;
	char got[512];
	struct flow_record a = v4("10.0.0.1", "10.0.0.2", 123, 123, 17, 1, 76, 0, 0);
	struct flow_record b = v4("10.0.0.3", "10.0.0.3", 5000, 53, 17, 1, 60, 0, 0);
	struct flow_record icmp = v4("10.0.0.1", "10.0.0.2", 0, 8 * 256, 1, 3, 252, 0, 2000);

	one_table(TOPN_IP, TOPN_MAX_KEYS);
	topn_flow(&st, &a);
	topn_flow(&st, &b);
	ranked_text(ORDER_FLOWS, got, sizeof(got));
	assert_string_equal(got, "10.0.0.3=2 10.0.0.1=1 10.0.0.2=1");
	topn_free(&st);

	one_table(TOPN_PORT, TOPN_MAX_KEYS);
	topn_flow(&st, &a);
	topn_flow(&st, &b);
	topn_flow(&st, &icmp);
	ranked_text(ORDER_FLOWS, got, sizeof(got));
	assert_string_equal(got, "123=2 0=1 53=1 2048=1 5000=1");
	topn_free(&st);

	one_table(TOPN_DSTPORT, TOPN_MAX_KEYS);
	topn_flow(&st, &icmp);		/* ICMP: type * 256 + code, as nfdump */
	ranked_text(ORDER_PACKETS, got, sizeof(got));
	assert_string_equal(got, "2048=3");
	topn_free(&st);

	one_table(TOPN_PROTO, TOPN_MAX_KEYS);
	topn_flow(&st, &a);
	topn_flow(&st, &b);
	topn_flow(&st, &icmp);
	ranked_text(ORDER_FLOWS, got, sizeof(got));
	assert_string_equal(got, "17=2 1=1");
	topn_free(&st);
}

/* A biflow: by flows the forward direction's counters only, by anything
 * else both (nfdump's "ipkt" against "pkt"). */
static void test_biflow_counters(void **state)
{
	(void)state;
	struct flow_record r = v4("10.0.0.1", "10.0.0.2", 1, 2, 6, 4, 400, 0, 1000);
	r.rev_packets = 6;
	r.rev_octets = 9000;
	one_table(TOPN_SRCIP, TOPN_MAX_KEYS);
	topn_flow(&st, &r);
	const struct topn_entry **e = topn_rank(&st.table[0], ORDER_FLOWS);
	assert_non_null(e);
	assert_int_equal(topn_packets(e[0], ORDER_FLOWS), 4);
	assert_int_equal(topn_bytes(e[0], ORDER_FLOWS), 400);
	assert_int_equal(topn_packets(e[0], ORDER_BYTES), 10);
	assert_int_equal(topn_bytes(e[0], ORDER_PACKETS), 9400);
	assert_int_equal(topn_rank_value(e[0], ORDER_BPP), 940);
	free(e);
	topn_free(&st);
}

/* Past the ceiling new values are counted as left out; those kept go on
 * counting, and so do they after the table grew many times. */
static void test_ceiling_and_growth(void **state)
{
	(void)state;
	one_table(TOPN_SRCPORT, 3);
	for (uint16_t p = 1; p <= 5; p++) {
		struct flow_record r = v4("10.0.0.1", "10.0.0.2", p, 80, 6, 1, 40, 0, 0);
		topn_flow(&st, &r);
		topn_flow(&st, &r);
	}
	assert_int_equal(st.table[0].count, 3);
	assert_int_equal(st.table[0].untracked, 4);
	char got[256];
	ranked_text(ORDER_FLOWS, got, sizeof(got));
	assert_string_equal(got, "1=2 2=2 3=2");
	topn_free(&st);

	one_table(TOPN_SRCPORT, TOPN_MAX_KEYS);
	for (unsigned p = 0; p < 65536; p++) {
		struct flow_record r = v4("10.0.0.1", "10.0.0.2", (uint16_t)p, 80, 6, 1,
					  (uint64_t)p + 1, 0, 0);
		topn_flow(&st, &r);
		if (p % 7 == 0)
			topn_flow(&st, &r);
	}
	assert_int_equal(st.table[0].count, 65536);
	assert_int_equal(st.table[0].untracked, 0);
	const struct topn_entry **e = topn_rank(&st.table[0], ORDER_BYTES);
	assert_non_null(e);
	/* 65534 (a multiple of 7) twice: 2 * 65535 bytes, then 65535 once. */
	assert_int_equal(e[0]->key.v[0] << 8 | e[0]->key.v[1], 65534);
	assert_int_equal(e[0]->octets, 2 * 65535);
	for (size_t i = 1; i < st.table[0].count; i++)
		assert_true(topn_rank_value(e[i - 1], ORDER_BYTES) >=
			    topn_rank_value(e[i], ORDER_BYTES));
	free(e);
	topn_free(&st);
}

/* Print into memory. */
static char *printed(const struct topn *s, const struct flow_totals *t)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	assert_non_null(f);
	topn_print(f, s, t);
	fclose(f);
	return buf;
}

static void totals_of(struct flow_totals *t, const struct flow_record *r, size_t n)
{
	memset(t, 0, sizeof(*t));
	t->first_us = INT64_MAX;
	t->last_us = INT64_MIN;
	for (size_t i = 0; i < n; i++) {
		t->flows++;
		t->packets += r[i].packets + r[i].rev_packets;
		t->octets += r[i].octets + r[i].rev_octets;
		if (r[i].first_us < t->first_us)
			t->first_us = r[i].first_us;
		if (r[i].last_us > t->last_us)
			t->last_us = r[i].last_us;
	}
}

/* The layouts, worked out by hand: 3 flows of 8.8.8.8 and 8.8.4.4 in
 * nfdump's widths; a 100.0 widens the percentage columns by one, their
 * labels moving with them. */
static void test_print(void **state)
{
	(void)state;
	struct flow_record r[3] = {
		v4("8.8.8.8", "10.0.0.1", 53, 40000, 17, 1, 100, 100, 100),
		v4("8.8.4.4", "10.0.0.1", 53, 40001, 17, 14, 1400, 0, 2500),
		v4("8.8.8.8", "10.0.0.1", 53, 40002, 17, 1, 100, 200, 600),
	};
	struct flow_totals t;

	totals_of(&t, r, 3);
	topn_init(&st, TOPN_MAX_KEYS);
	topn_request(&st, TOPN_SRCIP, 1u << ORDER_FLOWS | 1u << ORDER_BYTES);
	topn_request(&st, TOPN_PROTO, 1u << ORDER_PPS);
	for (int i = 0; i < 3; i++)
		topn_flow(&st, &r[i]);
	st.topn = 1;

	char *text = printed(&st, &t);
	assert_string_equal(text,
"Top 1 Src IP Addr ordered by flows:\n"
"Date first seen                 Duration Proto       Src IP Addr    Flows(%)     Packets(%)       Bytes(%)         pps      bps   bpp\n"
"2024-01-01 00:00:00.100     00:00:00.500 any             8.8.8.8        2(66.7)        2(12.5)      200(12.5)        4     3200   100\n"
"\n"
"Top 1 Src IP Addr ordered by bytes:\n"
"Date first seen                 Duration Proto       Src IP Addr    Flows(%)     Packets(%)       Bytes(%)         pps      bps   bpp\n"
"2024-01-01 00:00:00.000     00:00:02.500 any             8.8.4.4        1(33.3)       14(87.5)     1400(87.5)        5     4480   100\n"
"\n"
"Top 1 Protocol ordered by pps:\n"
"Date first seen                 Duration Proto          Protocol     Flows(%)      Packets(%)        Bytes(%)         pps      bps   bpp\n"
"2024-01-01 00:00:00.000     00:00:02.500 UDP                  17        3(100.0)       16(100.0)     1600(100.0)        6     5120   100\n"
"\n"
"Summary: total flows: 3, total bytes: 1600, total packets: 16, avg bps: 5120, avg pps: 6, avg bpp: 100\n"
"Time window: 2024-01-01 00:00:00 - 2024-01-01 00:00:02\n");
	free(text);

	st.csv = 1;
	st.topn = 0;
	text = printed(&st, &t);
	assert_string_equal(text,
"ts,te,td,pr,val,fl,flP,ipkt,ipktP,ibyt,ibytP,ipps,ibps,ibpp\n"
"2024-01-01 00:00:00,2024-01-01 00:00:00,0.500,any,8.8.8.8,2,66.7,2,12.5,200,12.5,4,3200,100\n"
"2024-01-01 00:00:00,2024-01-01 00:00:02,2.500,any,8.8.4.4,1,33.3,14,87.5,1400,87.5,5,4480,100\n"
"\n"
"ts,te,td,pr,val,fl,flP,pkt,pktP,byt,bytP,pps,bps,bpp\n"
"2024-01-01 00:00:00,2024-01-01 00:00:02,2.500,any,8.8.4.4,1,33.3,14,87.5,1400,87.5,5,4480,100\n"
"2024-01-01 00:00:00,2024-01-01 00:00:00,0.500,any,8.8.8.8,2,66.7,2,12.5,200,12.5,4,3200,100\n"
"\n"
"ts,te,td,pr,val,fl,flP,pkt,pktP,byt,bytP,pps,bps,bpp\n"
"2024-01-01 00:00:00,2024-01-01 00:00:02,2.500,UDP,17,3,100.0,16,100.0,1600,100.0,6,5120,100\n"
"\n"
"Summary\n"
"flows,bytes,packets,avg_bps,avg_pps,avg_bpp\n"
"3,1600,16,5120,6,100\n");
	free(text);
	topn_free(&st);
}

/* No flow at all: headers, no rows, the summary of nothing. */
static void test_print_empty(void **state)
{
	(void)state;
	struct flow_totals t;
	totals_of(&t, NULL, 0);
	topn_init(&st, TOPN_MAX_KEYS);
	topn_request(&st, TOPN_DSTPORT, 1u << ORDER_PACKETS);
	st.topn = 0;
	char *text = printed(&st, &t);
	assert_string_equal(text,
"Top Dst Port ordered by packets:\n"
"Date first seen                 Duration Proto          Dst Port    Flows(%)     Packets(%)       Bytes(%)         pps      bps   bpp\n"
"\n"
"Summary: total flows: 0, total bytes: 0, total packets: 0, avg bps: 0, avg pps: 0, avg bpp: 0\n");
	free(text);
	topn_free(&st);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_rank_and_ties),
		cmocka_unit_test(test_both_sides),
		cmocka_unit_test(test_biflow_counters),
		cmocka_unit_test(test_ceiling_and_growth),
		cmocka_unit_test(test_print),
		cmocka_unit_test(test_print_empty),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
