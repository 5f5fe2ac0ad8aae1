/*
 * test_flowtable.c - the flow table and its expiry (probe/flowtable.h),
 * against the rules of softflowd-1.1.0.md §2.
 *
 * Packets are built by hand (key, octets, TCP flags, time); expired flows
 * are copied out by a callback.  The last tests drive the table with a
 * long random packet stream and compare every expiry with a brute-force
 * model of the same rules, to catch heap ordering bugs.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "../../probe/flowtable.h"
#include "../../export/flowrec.h"

#define SEC 1000000LL
#define TH_FIN 0x01
#define TH_SYN 0x02
#define TH_RST 0x04
#define TH_ACK 0x10

/* ---- packets --------------------------------------------------------- */

static struct packet mkpkt(int af, uint8_t proto, uint8_t s, uint8_t d,
			   uint16_t sport, uint16_t dport, uint32_t octets,
			   uint8_t flags, int64_t ts)
{
	struct packet p;
	memset(&p, 0, sizeof(p));
	flowkey_clear(&p.key);
	p.key.af = (uint8_t)af;
	p.key.proto = proto;
	if (af == 4) {
		p.key.src[0] = 10; p.key.src[3] = s;
		p.key.dst[0] = 10; p.key.dst[3] = d;
	} else {
		p.key.src[0] = 0x20; p.key.src[1] = 0x01; p.key.src[15] = s;
		p.key.dst[0] = 0x20; p.key.dst[1] = 0x01; p.key.dst[15] = d;
	}
	p.key.sport = sport;
	p.key.dport = dport;
	p.octets = octets;
	p.tcp_flags = flags;
	p.ts_us = ts;
	return p;
}

static struct packet udp(uint8_t s, uint8_t d, uint32_t octets, int64_t ts)
{
	return mkpkt(4, 17, s, d, 1000 + s, 2000 + d, octets, 0, ts);
}

static struct packet tcp(uint8_t s, uint8_t d, uint8_t flags, int64_t ts)
{
	/* Ports follow the direction so a reply is the reverse key. */
	return mkpkt(4, 6, s, d, (uint16_t)(40000 + s), (uint16_t)(40000 + d), 100, flags, ts);
}

/* ---- recording expired flows ----------------------------------------- */

struct rec {
	struct flow_key key;
	uint64_t packets, octets, seq;
	int64_t first, last;
	uint8_t tcp_flags, reason, dir;
	int has_rev;
	struct flow_key rev;
};

struct recorder {
	size_t n, cap;
	struct rec *r;
};

static void record(void *ctx, const struct ft *ft, const struct flow *f)
{
	struct recorder *rc = ctx;
	if (rc->n == rc->cap) {
		rc->cap = rc->cap ? rc->cap * 2 : 64;
		rc->r = realloc(rc->r, rc->cap * sizeof(*rc->r));
		if (rc->r == NULL)
			abort();
	}
	struct rec *r = &rc->r[rc->n++];
	memset(r, 0, sizeof(*r));
	r->key = f->key;
	r->packets = f->packets;
	r->octets = f->octets;
	r->seq = f->seq;
	r->first = f->first_us;
	r->last = f->last_us;
	r->tcp_flags = f->tcp_flags;
	r->reason = f->end_reason;
	r->dir = f->dir;
	const struct flow *rev = ft_reverse(ft, f);
	if (rev) {
		r->has_rev = 1;
		r->rev = rev->key;
	}
}

static void rec_reset(struct recorder *rc)
{
	rc->n = 0;
}

static void rec_free(struct recorder *rc)
{
	free(rc->r);
	rc->r = NULL;
	rc->n = rc->cap = 0;
}

static void cfg_default(struct ft_config *c)
{
	memset(c, 0, sizeof(*c));
	timeouts_default(&c->to);
}

static int same_key(const struct flow_key *a, const struct flow_key *b)
{
	return memcmp(a, b, sizeof(*a)) == 0;
}

#define assert_i64(a, b) do { \
	int64_t a_ = (a), b_ = (b); \
	if (a_ != b_) \
		fail_msg("%s == %lld, expected %lld", #a, (long long)a_, (long long)b_); \
} while (0)

/* ---- aggregation ----------------------------------------------------- */

static void test_same_key_one_flow(void **state)
{
	(void)state;
	struct ft_config c;
	struct recorder rc = { 0 };
	cfg_default(&c);
	struct ft *ft = ft_create(&c);
	assert_non_null(ft);

	struct packet a = mkpkt(4, 6, 1, 2, 1111, 80, 60, TH_SYN, 1000 * SEC + 500000);
	struct packet b = mkpkt(4, 6, 1, 2, 1111, 80, 1500, TH_ACK, 1000 * SEC + 200000);
	assert_int_equal(ft_packet(ft, &a, record, &rc), 1);
	/* The second packet is older: time stepped backwards. */
	assert_int_equal(ft_packet(ft, &b, record, &rc), 0);
	assert_int_equal(ft_count(ft), 1);
	assert_int_equal(rc.n, 0);

	assert_int_equal(ft_expire_all(ft, END_FORCED, record, &rc), 1);
	assert_int_equal(rc.n, 1);
	assert_true(same_key(&rc.r[0].key, &a.key));
	assert_int_equal(rc.r[0].packets, 2);
	assert_int_equal(rc.r[0].octets, 1560);
	assert_i64(rc.r[0].first, 1000 * SEC + 200000);
	assert_i64(rc.r[0].last, 1000 * SEC + 500000);
	assert_int_equal(rc.r[0].tcp_flags, TH_SYN | TH_ACK);
	assert_int_equal(rc.r[0].reason, END_FORCED);
	assert_int_equal(rc.r[0].seq, 1);
	assert_int_equal(ft_count(ft), 0);
	ft_destroy(ft);
	rec_free(&rc);
}

/* ToS and interface are part of the key. */
static void test_tos_and_ifindex_split(void **state)
{
	(void)state;
	struct ft_config c;
	struct recorder rc = { 0 };
	cfg_default(&c);
	struct ft *ft = ft_create(&c);

	struct packet a = udp(1, 2, 100, 10 * SEC);
	struct packet b = a;
	b.key.tos = 0x10;
	struct packet d = a;
	d.key.ifindex = 3;
	assert_int_equal(ft_packet(ft, &a, record, &rc), 1);
	assert_int_equal(ft_packet(ft, &b, record, &rc), 1);
	assert_int_equal(ft_packet(ft, &d, record, &rc), 1);
	assert_int_equal(ft_packet(ft, &b, record, &rc), 0);
	assert_int_equal(ft_count(ft), 3);
	assert_int_equal(ft_expire_all(ft, END_FORCED, record, &rc), 3);
	/* Same deadline for the first two: creation order. */
	assert_int_equal(rc.r[0].key.tos, 0);
	assert_int_equal(rc.r[0].key.ifindex, 0);
	assert_int_equal(rc.r[0].packets, 1);
	assert_int_equal(rc.r[1].key.tos, 0x10);
	assert_int_equal(rc.r[1].packets, 2);
	assert_int_equal(rc.r[2].key.ifindex, 3);
	ft_destroy(ft);
	rec_free(&rc);
}

/* Four UDP flows: a query, its reply, the query side again with another
 * ToS, and an unrelated one, at 1, 2, 3 and 4 s (deadlines 301..304 s). */
struct four {
	struct packet fwd, rev, fwd_tos, other;
};

static struct ft *four_flows(struct four *p, struct recorder *rc)
{
	struct ft_config c;
	cfg_default(&c);
	struct ft *ft = ft_create(&c);
	p->fwd = udp(1, 2, 100, 1 * SEC);
	p->rev = mkpkt(4, 17, 2, 1, p->fwd.key.dport, p->fwd.key.sport, 200, 0, 2 * SEC);
	p->fwd_tos = p->fwd;
	p->fwd_tos.key.tos = 0x20;
	p->fwd_tos.ts_us = 3 * SEC;
	p->other = udp(1, 3, 50, 4 * SEC);
	assert_int_equal(ft_packet(ft, &p->fwd, record, rc), 1);
	assert_int_equal(ft_packet(ft, &p->rev, record, rc), 1);
	assert_int_equal(ft_packet(ft, &p->fwd_tos, record, rc), 1);
	assert_int_equal(ft_packet(ft, &p->other, record, rc), 1);
	assert_int_equal(ft_count(ft), 4);
	return ft;
}

/* The reverse direction is its own flow, linked through ft_reverse(). */
static void test_reverse_flow(void **state)
{
	(void)state;
	struct recorder rc = { 0 };
	struct four p;
	struct ft *ft = four_flows(&p, &rc);
	const struct packet fwd = p.fwd, rev = p.rev, fwd_tos = p.fwd_tos, other = p.other;

	/* Deadlines 301, 302, 303, 304 s: expire one at a time and look at
	 * what ft_reverse() says while each leaves. */
	assert_int_equal(ft_expire(ft, 301 * SEC + 1, record, &rc), 1);
	assert_true(same_key(&rc.r[0].key, &fwd.key));
	assert_true(rc.r[0].has_rev);
	assert_true(same_key(&rc.r[0].rev, &rev.key));
	assert_int_equal(ft_expire(ft, 302 * SEC + 1, record, &rc), 1);
	assert_true(same_key(&rc.r[1].key, &rev.key));
	assert_int_equal(rc.r[1].octets, 200);
	/* The newest live flow of the other side: the ToS 0x20 one. */
	assert_true(rc.r[1].has_rev);
	assert_true(same_key(&rc.r[1].rev, &fwd_tos.key));
	assert_int_equal(rc.r[1].dir, !rc.r[0].dir);
	assert_int_equal(ft_expire(ft, 303 * SEC + 1, record, &rc), 1);
	assert_true(same_key(&rc.r[2].key, &fwd_tos.key));
	assert_false(rc.r[2].has_rev);			/* reply already gone */
	assert_int_equal(ft_expire(ft, 304 * SEC + 1, record, &rc), 1);
	assert_true(same_key(&rc.r[3].key, &other.key));
	assert_false(rc.r[3].has_rev);			/* never had one */
	ft_destroy(ft);
	rec_free(&rc);
}

/* The same through ft_expire_all, which reports flows without taking
 * them out one by one: a flow reported is gone for ft_reverse too. */
static void test_reverse_flow_expire_all(void **state)
{
	(void)state;
	struct recorder rc = { 0 };
	struct four p;
	struct ft *ft = four_flows(&p, &rc);
	const struct packet fwd = p.fwd, rev = p.rev, fwd_tos = p.fwd_tos, other = p.other;

	assert_int_equal(ft_expire_all(ft, END_FORCED, record, &rc), 4);
	assert_true(same_key(&rc.r[0].key, &fwd.key));
	assert_true(rc.r[0].has_rev);
	assert_true(same_key(&rc.r[0].rev, &rev.key));
	assert_true(same_key(&rc.r[1].key, &rev.key));
	assert_true(rc.r[1].has_rev);
	assert_true(same_key(&rc.r[1].rev, &fwd_tos.key));
	assert_true(same_key(&rc.r[2].key, &fwd_tos.key));
	assert_false(rc.r[2].has_rev);			/* reply already reported */
	assert_true(same_key(&rc.r[3].key, &other.key));
	assert_false(rc.r[3].has_rev);
	assert_int_equal(ft_count(ft), 0);
	ft_destroy(ft);
	rec_free(&rc);
}

/* Enough flows that the final flush sorts on two threads: every flow
 * once, in (deadline, creation) order. */
static struct rec *flushed;
static size_t nflushed;
static void record_light(void *ctx, const struct ft *ft, const struct flow *f)
{
	(void)ctx;
	(void)ft;
	flushed[nflushed].first = f->first_us;
	flushed[nflushed].last = f->last_us;
	flushed[nflushed].seq = f->seq;
	flushed[nflushed].key = f->key;
	nflushed++;
}

static void test_expire_all_many(void **state)
{
	(void)state;
	enum { N = 150000 };
	struct ft_config c;
	cfg_default(&c);
	struct ft *ft = ft_create(&c);
	uint64_t x = 12345;
	for (uint32_t i = 0; i < N; i++) {
		x ^= x << 13; x ^= x >> 7; x ^= x << 17;
		struct packet p = mkpkt(4, 17, 1, 2, (uint16_t)i, (uint16_t)(i >> 16), 100, 0,
					1700000000LL * SEC + (int64_t)(x % (600 * SEC)));
		memcpy(p.key.src, &i, 4);
		assert_int_equal(ft_packet(ft, &p, record_light, NULL), 1);
	}
	flushed = calloc(N, sizeof(*flushed));
	nflushed = 0;
	assert_int_equal(ft_expire_all(ft, END_FORCED, record_light, NULL), N);
	assert_int_equal(nflushed, N);
	/* UDP: deadline = last + 300 s; each flow has one packet */
	for (size_t i = 1; i < N; i++) {
		const struct rec *a = &flushed[i - 1], *b = &flushed[i];
		if (!(a->last < b->last || (a->last == b->last && a->seq < b->seq)))
			fail_msg("flows %zu and %zu out of order", i - 1, i);
	}
	uint8_t *seen = calloc(N + 1, 1);
	for (size_t i = 0; i < N; i++) {
		assert_true(flushed[i].seq >= 1 && flushed[i].seq <= N);
		assert_int_equal(seen[flushed[i].seq], 0);
		seen[flushed[i].seq] = 1;
	}
	free(seen);
	free(flushed);
	/* The table goes on after the flush (a live expire-all): its index
	 * starts small again and grows, and flows are found in it. */
	assert_int_equal(ft_count(ft), 0);
	for (uint32_t i = 0; i < 5000; i++) {
		struct packet p = mkpkt(4, 6, 3, 4, (uint16_t)i, 80, 60, 0x02, 1800000000LL * SEC + i);
		assert_int_equal(ft_packet(ft, &p, record_light, NULL), 1);
		assert_int_equal(ft_packet(ft, &p, record_light, NULL), 0);
	}
	assert_int_equal(ft_count(ft), 5000);
	ft_destroy(ft);
}

/* ---- idle expiry and scan times -------------------------------------- */

static void test_udp_idle(void **state)
{
	(void)state;
	struct ft_config c;
	struct recorder rc = { 0 };
	cfg_default(&c);
	struct ft *ft = ft_create(&c);

	struct packet a = udp(1, 2, 100, 1000 * SEC + 500000);
	struct packet b = udp(3, 4, 100, 1100 * SEC);
	ft_packet(ft, &a, record, &rc);
	ft_packet(ft, &b, record, &rc);

	/* a is due at 1300.5 s: not before, not at, only after. */
	assert_int_equal(ft_expire(ft, 1300 * SEC, record, &rc), 0);
	assert_int_equal(ft_expire(ft, 1300 * SEC + 500000, record, &rc), 0);
	assert_int_equal(ft_count(ft), 2);
	assert_int_equal(ft_expire(ft, 1300 * SEC + 500001, record, &rc), 1);
	assert_int_equal(rc.n, 1);
	assert_true(same_key(&rc.r[0].key, &a.key));
	assert_int_equal(rc.r[0].reason, END_IDLE);
	assert_int_equal(ft_count(ft), 1);

	/* A later packet moves b's deadline to 1500 s. */
	struct packet b2 = udp(3, 4, 100, 1200 * SEC);
	assert_int_equal(ft_packet(ft, &b2, record, &rc), 0);
	assert_int_equal(ft_expire(ft, 1450 * SEC, record, &rc), 0);
	assert_i64(ft_next_scan(ft, 0), 1560 * SEC);
	assert_int_equal(ft_expire(ft, 1560 * SEC, record, &rc), 1);
	assert_int_equal(rc.r[1].packets, 2);
	assert_int_equal(rc.r[1].reason, END_IDLE);
	assert_int_equal(ft_count(ft), 0);
	assert_i64(ft_next_scan(ft, 5), INT64_MAX);
	ft_destroy(ft);
	rec_free(&rc);
}

static int64_t scan_for_deadline(uint32_t expint, int64_t deadline)
{
	struct ft_config c;
	struct recorder rc = { 0 };
	cfg_default(&c);
	c.to.expint = expint;
	c.to.udp = 300;
	struct ft *ft = ft_create(&c);
	struct packet p = udp(1, 2, 100, deadline - 300 * SEC);
	ft_packet(ft, &p, record, &rc);
	int64_t t = ft_next_scan(ft, 123);
	ft_destroy(ft);
	rec_free(&rc);
	return t;
}

static void test_next_scan_rounding(void **state)
{
	(void)state;
	/* The first multiple of expint strictly after the deadline. */
	assert_i64(scan_for_deadline(60, 1000 * SEC + 500000), 1020 * SEC);
	assert_i64(scan_for_deadline(60, 1019 * SEC + 999999), 1020 * SEC);
	assert_i64(scan_for_deadline(60, 1020 * SEC), 1080 * SEC);
	assert_i64(scan_for_deadline(60, 1020 * SEC + 1), 1080 * SEC);
	assert_i64(scan_for_deadline(10, 1000 * SEC + 500000), 1010 * SEC);
	/* Epoch-aligned, not relative to the deadline or the clock. */
	assert_i64(scan_for_deadline(60, 1700000000LL * SEC + 1), 1700000040LL * SEC);
	/* 0 and 1 both mean whole seconds. */
	assert_i64(scan_for_deadline(0, 1000 * SEC + 500000), 1001 * SEC);
	assert_i64(scan_for_deadline(1, 1000 * SEC + 500000), 1001 * SEC);
	assert_i64(scan_for_deadline(0, 1000 * SEC), 1001 * SEC);
	assert_i64(scan_for_deadline(1, 1000 * SEC), 1001 * SEC);
	/* Times before the epoch round the same way (up, not toward 0). */
	assert_i64(scan_for_deadline(60, -200 * SEC - 500000), -180 * SEC);
	assert_i64(scan_for_deadline(60, -120 * SEC), -60 * SEC);
	assert_i64(scan_for_deadline(1, -500000), 0);

	/* The earliest deadline wins, whatever the order of creation. */
	struct ft_config c;
	struct recorder rc = { 0 };
	cfg_default(&c);
	struct ft *ft = ft_create(&c);
	struct packet p1 = udp(1, 2, 100, 2000 * SEC);
	struct packet p2 = udp(3, 4, 100, 1000 * SEC + 500000);
	struct packet p3 = udp(5, 6, 100, 1500 * SEC);
	ft_packet(ft, &p1, record, &rc);
	ft_packet(ft, &p2, record, &rc);
	ft_packet(ft, &p3, record, &rc);
	assert_i64(ft_next_scan(ft, 0), 1320 * SEC);
	/* Scanning at that time takes exactly the one flow. */
	assert_int_equal(ft_expire(ft, 1320 * SEC, record, &rc), 1);
	assert_true(same_key(&rc.r[0].key, &p2.key));
	assert_i64(ft_next_scan(ft, 0), 1800 * SEC + 60 * SEC);
	ft_destroy(ft);
	rec_free(&rc);
}

/* ---- TCP rules -------------------------------------------------------- */

/* Expire exactly two flows, due at the same time, just after `at`. */
static void expect_two(struct ft *ft, struct recorder *rc, int64_t at,
		       const struct packet *w1, const struct packet *w2, uint8_t reason)
{
	size_t before = rc->n;
	assert_int_equal(ft_expire(ft, at, record, rc), 0);
	assert_int_equal(ft_expire(ft, at + 1, record, rc), 2);
	assert_int_equal(rc->n, before + 2);
	assert_true(same_key(&rc->r[before].key, &w1->key));
	assert_true(same_key(&rc->r[before + 1].key, &w2->key));
	assert_int_equal(rc->r[before].reason, reason);
	assert_int_equal(rc->r[before + 1].reason, reason);
}


static void expect_one(struct ft *ft, struct recorder *rc, int64_t at,
		       const struct packet *want, uint8_t reason)
{
	size_t before = rc->n;
	assert_int_equal(ft_expire(ft, at, record, rc), 0);
	assert_int_equal(ft_expire(ft, at + 1, record, rc), 1);
	assert_int_equal(rc->n, before + 1);
	if (!same_key(&rc->r[before].key, &want->key))
		fail_msg("a different flow expired at %lld", (long long)at);
	assert_int_equal(rc->r[before].reason, reason);
}

static void test_tcp_rst_either_direction(void **state)
{
	(void)state;
	struct ft_config c;
	struct recorder rc = { 0 };
	cfg_default(&c);
	c.to.expint = 1;
	struct ft *ft = ft_create(&c);

	struct packet syn = tcp(1, 2, TH_SYN, 0 * SEC);
	struct packet synack = tcp(2, 1, TH_SYN | TH_ACK, 1 * SEC);
	struct packet rst = tcp(1, 2, TH_RST, 2 * SEC);
	ft_packet(ft, &syn, record, &rc);
	ft_packet(ft, &synack, record, &rc);
	assert_i64(ft_next_scan(ft, 0), 3601 * SEC);
	/* RST from side 1: both flows now end 120 s after their last
	 * packet, the reply's deadline moving earlier without a packet. */
	ft_packet(ft, &rst, record, &rc);
	assert_i64(ft_next_scan(ft, 0), 122 * SEC);
	expect_one(ft, &rc, 121 * SEC, &synack, END_OF_FLOW);
	expect_one(ft, &rc, 122 * SEC, &syn, END_OF_FLOW);
	assert_int_equal(rc.r[1].tcp_flags, TH_SYN | TH_RST);
	ft_destroy(ft);

	/* The same with the RST in the reply direction. */
	rec_reset(&rc);
	ft = ft_create(&c);
	ft_packet(ft, &syn, record, &rc);
	struct packet rst_back = tcp(2, 1, TH_RST | TH_ACK, 5 * SEC);
	ft_packet(ft, &rst_back, record, &rc);
	expect_one(ft, &rc, 120 * SEC, &syn, END_OF_FLOW);
	expect_one(ft, &rc, 125 * SEC, &rst_back, END_OF_FLOW);
	ft_destroy(ft);
	rec_free(&rc);
}

static void test_tcp_fin_one_way(void **state)
{
	(void)state;
	struct ft_config c;
	struct recorder rc = { 0 };
	cfg_default(&c);
	struct ft *ft = ft_create(&c);

	struct packet a = tcp(1, 2, TH_ACK, 0);
	struct packet b = tcp(2, 1, TH_ACK, 1 * SEC);
	struct packet fin = tcp(1, 2, TH_FIN | TH_ACK, 2 * SEC);
	ft_packet(ft, &a, record, &rc);
	ft_packet(ft, &b, record, &rc);
	ft_packet(ft, &fin, record, &rc);
	/* Only one side has sent FIN: the plain tcp timeout. */
	expect_one(ft, &rc, 3601 * SEC, &b, END_IDLE);
	expect_one(ft, &rc, 3602 * SEC, &a, END_IDLE);
	ft_destroy(ft);
	rec_free(&rc);
}

static void test_tcp_fin_both_ways(void **state)
{
	(void)state;
	struct ft_config c;
	struct recorder rc = { 0 };
	cfg_default(&c);
	c.to.expint = 0;
	struct ft *ft = ft_create(&c);

	struct packet fin1 = tcp(1, 2, TH_FIN | TH_ACK, 2 * SEC);
	struct packet ack2 = tcp(2, 1, TH_ACK, 1 * SEC);
	struct packet fin2 = tcp(2, 1, TH_FIN | TH_ACK, 3 * SEC);
	ft_packet(ft, &ack2, record, &rc);
	ft_packet(ft, &fin1, record, &rc);
	assert_i64(ft_next_scan(ft, 0), 3602 * SEC);
	/* The second FIN moves both flows to tcp.fin, the first one
	 * without a packet of its own. */
	ft_packet(ft, &fin2, record, &rc);
	assert_i64(ft_next_scan(ft, 0), 303 * SEC);
	expect_one(ft, &rc, 302 * SEC, &fin1, END_OF_FLOW);
	expect_one(ft, &rc, 303 * SEC, &fin2, END_OF_FLOW);
	ft_destroy(ft);
	rec_free(&rc);
}

/* RST takes precedence over FIN both ways. */
static void test_tcp_rst_over_fin(void **state)
{
	(void)state;
	struct ft_config c;
	struct recorder rc = { 0 };
	cfg_default(&c);
	struct ft *ft = ft_create(&c);

	struct packet f1 = tcp(1, 2, TH_FIN, 10 * SEC);
	struct packet f2 = tcp(2, 1, TH_FIN, 11 * SEC);
	struct packet r1 = tcp(1, 2, TH_RST, 12 * SEC);
	ft_packet(ft, &f1, record, &rc);
	ft_packet(ft, &f2, record, &rc);
	ft_packet(ft, &r1, record, &rc);
	expect_one(ft, &rc, 131 * SEC, &f2, END_OF_FLOW);
	expect_one(ft, &rc, 132 * SEC, &f1, END_OF_FLOW);
	ft_destroy(ft);
	rec_free(&rc);
}

/*
 * ToS is part of the key, so one side of a TCP connection can have several
 * live flows: ECN marking alone changes the byte (ECT(0) 0x02 -> CE 0x03).
 * The RST and FIN rules read the session's flags, so once a RST is seen
 * every flow of the session is on tcp.rst, not just the newest of each
 * side.
 */
static void test_tcp_rst_reaches_every_flow_of_session(void **state)
{
	(void)state;
	struct ft_config c;
	struct recorder rc = { 0 };
	cfg_default(&c);
	struct ft *ft = ft_create(&c);

	struct packet ect = tcp(1, 2, TH_ACK, 0);
	ect.key.tos = 0x02;
	struct packet ce = tcp(1, 2, TH_ACK, 1 * SEC);
	ce.key.tos = 0x03;
	struct packet reply = tcp(2, 1, TH_ACK, 2 * SEC);
	struct packet rst = tcp(2, 1, TH_RST, 3 * SEC);
	assert_int_equal(ft_packet(ft, &ect, record, &rc), 1);
	assert_int_equal(ft_packet(ft, &ce, record, &rc), 1);
	assert_int_equal(ft_packet(ft, &reply, record, &rc), 1);
	assert_int_equal(ft_packet(ft, &rst, record, &rc), 0);
	assert_int_equal(ft_count(ft), 3);

	/* ECT flow: 0 + 120, CE flow: 1 + 120, reply: 3 + 120. */
	size_t n = ft_expire(ft, 123 * SEC + 1, record, &rc);
	int64_t next = ft_next_scan(ft, 0);
	struct rec got[3];
	memcpy(got, rc.r, (n < 3 ? n : 3) * sizeof(got[0]));
	ft_destroy(ft);
	rec_free(&rc);
	if (n != 3 || !same_key(&got[0].key, &ect.key))
		fail_msg("%zu of the 3 flows of a reset connection left by 123 s; the "
			 "older ToS 0x02 flow stays on the tcp timeout (next scan at %lld s)",
			 n, (long long)(next / SEC));
	assert_int_equal(got[0].reason, END_OF_FLOW);
	assert_true(same_key(&got[1].key, &ce.key));
	assert_int_equal(got[1].reason, END_OF_FLOW);
	assert_true(same_key(&got[2].key, &rst.key));
	assert_int_equal(got[2].reason, END_OF_FLOW);
}

/* The same for FIN both ways: the older flow of a side goes to tcp.fin
 * with the rest of its connection. */
static void test_tcp_fin_reaches_every_flow_of_session(void **state)
{
	(void)state;
	struct ft_config c;
	struct recorder rc = { 0 };
	cfg_default(&c);
	struct ft *ft = ft_create(&c);

	struct packet ect = tcp(1, 2, TH_ACK, 0);
	ect.key.tos = 0x02;
	struct packet ce_fin = tcp(1, 2, TH_FIN | TH_ACK, 1 * SEC);
	ce_fin.key.tos = 0x03;
	struct packet fin_back = tcp(2, 1, TH_FIN | TH_ACK, 2 * SEC);
	ft_packet(ft, &ect, record, &rc);
	ft_packet(ft, &ce_fin, record, &rc);
	ft_packet(ft, &fin_back, record, &rc);

	/* 0 + 300, 1 + 300, 2 + 300. */
	size_t n = ft_expire(ft, 302 * SEC + 1, record, &rc);
	int64_t next = ft_next_scan(ft, 0);
	int first_is_ect = n > 0 && same_key(&rc.r[0].key, &ect.key);
	uint8_t reason = n > 0 ? rc.r[0].reason : 0;
	ft_destroy(ft);
	rec_free(&rc);
	if (n != 3 || !first_is_ect)
		fail_msg("%zu of the 3 flows of a closed connection left by 302 s; the "
			 "older ToS 0x02 flow stays on the tcp timeout (next scan at %lld s)",
			 n, (long long)(next / SEC));
	assert_int_equal(reason, END_OF_FLOW);
}

/* A zero timeout disables its rule: the flow falls to the next one. */
static void test_zero_timeouts_fall_through(void **state)
{
	(void)state;
	struct ft_config c;
	struct recorder rc = { 0 };
	struct ft *ft;

	/* tcp.rst=0: RST alone is the plain tcp timeout... */
	cfg_default(&c);
	c.to.tcp_rst = 0;
	ft = ft_create(&c);
	struct packet a = tcp(1, 2, TH_RST, 0);
	ft_packet(ft, &a, record, &rc);
	expect_one(ft, &rc, 3600 * SEC, &a, END_IDLE);
	ft_destroy(ft);

	/* ...and RST with FIN both ways is tcp.fin. */
	ft = ft_create(&c);
	struct packet f1 = tcp(1, 2, TH_FIN | TH_RST, 0);
	struct packet f2 = tcp(2, 1, TH_FIN, 0);
	ft_packet(ft, &f1, record, &rc);
	ft_packet(ft, &f2, record, &rc);
	expect_two(ft, &rc, 300 * SEC, &f1, &f2, END_OF_FLOW);
	ft_destroy(ft);

	/* tcp.fin=0: FIN both ways is the tcp timeout. */
	cfg_default(&c);
	c.to.tcp_fin = 0;
	ft = ft_create(&c);
	ft_packet(ft, &f2, record, &rc);
	struct packet f3 = tcp(1, 2, TH_FIN, 0);
	ft_packet(ft, &f3, record, &rc);
	expect_two(ft, &rc, 3600 * SEC, &f2, &f3, END_IDLE);
	ft_destroy(ft);

	/* tcp=0: general. */
	cfg_default(&c);
	c.to.tcp = 0;
	c.to.general = 777;
	ft = ft_create(&c);
	struct packet t = tcp(1, 2, TH_ACK, 0);
	ft_packet(ft, &t, record, &rc);
	expect_one(ft, &rc, 777 * SEC, &t, END_IDLE);
	ft_destroy(ft);

	/* udp=0: general. */
	cfg_default(&c);
	c.to.udp = 0;
	c.to.general = 555;
	ft = ft_create(&c);
	struct packet u = udp(1, 2, 10, 0);
	ft_packet(ft, &u, record, &rc);
	expect_one(ft, &rc, 555 * SEC, &u, END_IDLE);
	ft_destroy(ft);

	/* icmp=0: general. */
	cfg_default(&c);
	c.to.icmp = 0;
	c.to.general = 444;
	ft = ft_create(&c);
	struct packet i = mkpkt(4, 1, 1, 2, 0, 0x0800, 84, 0, 0);
	ft_packet(ft, &i, record, &rc);
	expect_one(ft, &rc, 444 * SEC, &i, END_IDLE);
	ft_destroy(ft);

	/* maxlife=0: no cap at all, even past the default week. */
	cfg_default(&c);
	c.to.maxlife = 0;
	c.to.udp = 1000000;
	ft = ft_create(&c);
	struct packet m1 = udp(1, 2, 10, 0);
	struct packet m2 = udp(1, 2, 10, 700000 * SEC);
	ft_packet(ft, &m1, record, &rc);
	ft_packet(ft, &m2, record, &rc);
	assert_i64(ft_next_scan(ft, 0), 1700040 * SEC);
	expect_one(ft, &rc, 1700000 * SEC, &m1, END_IDLE);
	assert_int_equal(rc.r[rc.n - 1].packets, 2);
	ft_destroy(ft);
	rec_free(&rc);
}

/* ---- ICMP and other protocols ---------------------------------------- */

static void test_protocol_timeouts(void **state)
{
	(void)state;
	struct ft_config c;
	struct recorder rc = { 0 };
	cfg_default(&c);
	c.to.tcp = 1000;
	c.to.udp = 2000;
	c.to.icmp = 50;
	c.to.general = 7000;
	struct ft *ft = ft_create(&c);

	struct packet icmp4 = mkpkt(4, 1, 1, 2, 0, 0x0800, 84, 0, 0);
	struct packet icmp6 = mkpkt(6, 58, 1, 2, 0, 0x8000, 104, 0, 1 * SEC);
	struct packet icmp6_as_v4 = mkpkt(4, 58, 1, 2, 0, 0, 50, 0, 2 * SEC);
	struct packet icmp4_as_v6 = mkpkt(6, 1, 1, 2, 0, 0, 50, 0, 3 * SEC);
	struct packet gre = mkpkt(4, 47, 1, 2, 0, 0, 500, 0, 4 * SEC);
	struct packet tcp6 = mkpkt(6, 6, 1, 2, 5, 6, 60, TH_ACK, 5 * SEC);
	struct packet udp6 = mkpkt(6, 17, 1, 2, 5, 6, 60, 0, 6 * SEC);
	struct packet *all[] = { &icmp4, &icmp6, &icmp6_as_v4, &icmp4_as_v6, &gre, &tcp6, &udp6 };
	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
		assert_int_equal(ft_packet(ft, all[i], record, &rc), 1);

	expect_one(ft, &rc, 50 * SEC, &icmp4, END_IDLE);
	expect_one(ft, &rc, 51 * SEC, &icmp6, END_IDLE);
	expect_one(ft, &rc, 1005 * SEC, &tcp6, END_IDLE);
	expect_one(ft, &rc, 2006 * SEC, &udp6, END_IDLE);
	expect_one(ft, &rc, 7002 * SEC, &icmp6_as_v4, END_IDLE);
	expect_one(ft, &rc, 7003 * SEC, &icmp4_as_v6, END_IDLE);
	expect_one(ft, &rc, 7004 * SEC, &gre, END_IDLE);
	assert_int_equal(ft_count(ft), 0);
	ft_destroy(ft);
	rec_free(&rc);
}

/* ---- maxlife --------------------------------------------------------- */

static void test_maxlife_caps_deadline(void **state)
{
	(void)state;
	struct ft_config c;
	struct recorder rc = { 0 };
	cfg_default(&c);
	c.to.maxlife = 100;
	c.to.udp = 300;
	struct ft *ft = ft_create(&c);

	struct packet a = udp(1, 2, 10, 0);
	struct packet a2 = udp(1, 2, 10, 50 * SEC);
	ft_packet(ft, &a, record, &rc);
	ft_packet(ft, &a2, record, &rc);
	/* min(50 + 300, 0 + 100) = 100 s, as an active timeout. */
	expect_one(ft, &rc, 100 * SEC, &a, END_ACTIVE);
	assert_int_equal(rc.r[0].packets, 2);
	ft_destroy(ft);

	/* When the idle deadline comes first it stays idle. */
	c.to.udp = 30;
	ft = ft_create(&c);
	ft_packet(ft, &a, record, &rc);
	ft_packet(ft, &a2, record, &rc);
	expect_one(ft, &rc, 80 * SEC, &a, END_IDLE);
	ft_destroy(ft);

	/* A packet older than the first moves the cap earlier. */
	c.to.udp = 300;
	ft = ft_create(&c);
	struct packet b = udp(1, 2, 10, 1000 * SEC);
	struct packet b_old = udp(1, 2, 10, 950 * SEC);
	ft_packet(ft, &b, record, &rc);
	ft_packet(ft, &b_old, record, &rc);
	expect_one(ft, &rc, 1050 * SEC, &b, END_ACTIVE);
	assert_i64(rc.r[rc.n - 1].first, 950 * SEC);
	assert_i64(rc.r[rc.n - 1].last, 1000 * SEC);
	ft_destroy(ft);
	rec_free(&rc);
}

/* A packet that makes last - first exceed maxlife makes the flow due at
 * once; it belongs to the expiring flow, as do packets until the scan. */
static void test_maxlife_exceeded_due_now(void **state)
{
	(void)state;
	struct ft_config c;
	struct recorder rc = { 0 };
	cfg_default(&c);
	c.to.maxlife = 100;
	struct ft *ft = ft_create(&c);

	struct packet a = udp(1, 2, 10, 0);
	struct packet other = udp(3, 4, 10, 0);
	ft_packet(ft, &other, record, &rc);
	ft_packet(ft, &a, record, &rc);
	struct packet at_limit = udp(1, 2, 10, 100 * SEC);
	ft_packet(ft, &at_limit, record, &rc);
	/* Exactly maxlife is not more than maxlife: both flows are capped
	 * at 100 s, the next scan is the minute after. */
	assert_i64(ft_next_scan(ft, 42), 120 * SEC);
	struct packet over = udp(1, 2, 10, 100 * SEC + 1);
	ft_packet(ft, &over, record, &rc);
	assert_i64(ft_next_scan(ft, 42), 42);
	assert_i64(ft_next_scan(ft, -7), -7);
	/* Still one flow: the crossing packet and later ones join it. */
	struct packet more = udp(1, 2, 10, 100 * SEC + 2);
	assert_int_equal(ft_packet(ft, &more, record, &rc), 0);
	assert_int_equal(ft_count(ft), 2);

	/* Any scan takes it, however early the clock. */
	assert_int_equal(ft_expire(ft, -1000 * SEC, record, &rc), 1);
	assert_true(same_key(&rc.r[0].key, &a.key));
	assert_int_equal(rc.r[0].packets, 4);
	assert_int_equal(rc.r[0].reason, END_ACTIVE);
	assert_i64(rc.r[0].last, 100 * SEC + 2);
	/* The other flow is untouched (capped at 100 s by maxlife). */
	assert_int_equal(ft_count(ft), 1);
	assert_i64(ft_next_scan(ft, 42), 120 * SEC);
	ft_destroy(ft);

	/* An older packet can also push the age over the limit. */
	rec_reset(&rc);
	ft = ft_create(&c);
	struct packet late = udp(1, 2, 10, 500 * SEC);
	struct packet early = udp(1, 2, 10, 399 * SEC);
	ft_packet(ft, &late, record, &rc);
	ft_packet(ft, &early, record, &rc);
	assert_i64(ft_next_scan(ft, 9), 9);
	assert_int_equal(ft_expire(ft, 0, record, &rc), 1);
	assert_int_equal(rc.r[0].reason, END_ACTIVE);
	ft_destroy(ft);
	rec_free(&rc);
}

/* ---- octet limit ----------------------------------------------------- */

static void test_octet_limit(void **state)
{
	(void)state;
	struct ft_config c;
	struct recorder rc = { 0 };
	cfg_default(&c);
	c.octet_limit = 1000;
	struct ft *ft = ft_create(&c);

	struct packet p = udp(1, 2, 400, 10 * SEC);
	assert_int_equal(ft_packet(ft, &p, record, &rc), 1);
	p.ts_us = 11 * SEC;
	assert_int_equal(ft_packet(ft, &p, record, &rc), 0);
	assert_int_equal(rc.n, 0);
	p.ts_us = 12 * SEC;
	/* 1200 would pass the limit: the flow ends first, with 800. */
	assert_int_equal(ft_packet(ft, &p, record, &rc), 1);
	assert_int_equal(rc.n, 1);
	assert_int_equal(rc.r[0].octets, 800);
	assert_int_equal(rc.r[0].packets, 2);
	assert_int_equal(rc.r[0].reason, END_LACK_OF_RESOURCES);
	assert_i64(rc.r[0].last, 11 * SEC);
	assert_int_equal(ft_count(ft), 1);

	assert_int_equal(ft_expire_all(ft, END_FORCED, record, &rc), 1);
	assert_int_equal(rc.r[1].octets, 400);
	assert_int_equal(rc.r[1].packets, 1);
	assert_i64(rc.r[1].first, 12 * SEC);
	assert_true(rc.r[1].seq > rc.r[0].seq);
	ft_destroy(ft);

	/* Reaching the limit exactly is allowed. */
	rec_reset(&rc);
	ft = ft_create(&c);
	struct packet q = udp(1, 2, 500, 0);
	ft_packet(ft, &q, record, &rc);
	assert_int_equal(ft_packet(ft, &q, record, &rc), 0);
	assert_int_equal(rc.n, 0);
	ft_expire_all(ft, END_FORCED, record, &rc);
	assert_int_equal(rc.r[0].octets, 1000);
	ft_destroy(ft);
	rec_free(&rc);
}

/*
 * Without an octet limit (what IPFIX and v9 will use) the counters are 64
 * bits: a flow counts past 2^32 octets and 2^32 packets exactly and is
 * never split for it.
 */

/* Keeps a pointer to the reverse of the flow leaving: the way in to a
 * live flow for the test below. */
static void grab_reverse(void *ctx, const struct ft *ft, const struct flow *f)
{
	*(const struct flow **)ctx = ft_reverse(ft, f);
}

static void test_no_octet_limit_64bit(void **state)
{
	(void)state;
	struct ft_config c;
	struct recorder rc = { 0 };
	cfg_default(&c);
	c.octet_limit = 0;
	struct ft *ft = ft_create(&c);

	/* 65538 * 65535 = 2^32 + 65534 octets, every packet through the table. */
	struct packet big = udp(1, 2, 65535, 0);
	for (int i = 0; i < 65538; i++) {
		big.ts_us = i;
		assert_int_equal(ft_packet(ft, &big, record, &rc), i == 0);
	}
	assert_int_equal(rc.n, 0);
	assert_int_equal(ft_expire_all(ft, END_FORCED, record, &rc), 1);
	assert_true(rc.r[0].octets == (1ULL << 32) + 65534);
	assert_int_equal(rc.r[0].packets, 65538);
	assert_int_equal(rc.r[0].reason, END_FORCED);
	ft_destroy(ft);

	/*
	 * 2^32 packets through ft_packet would take minutes, so the count of a
	 * live flow is set just below 2^32 in the flow itself (reached as the
	 * reverse of a flow leaving first) and the last packets cross 2^32
	 * through the table.
	 */
	rec_reset(&rc);
	ft = ft_create(&c);
	struct packet x = udp(1, 2, 100, 0);		/* due 300 */
	struct packet y = udp(2, 1, 1000, 1 * SEC);	/* its reverse, due 301 */
	y.key.sport = x.key.dport;
	y.key.dport = x.key.sport;
	ft_packet(ft, &x, record, &rc);
	ft_packet(ft, &y, record, &rc);
	const struct flow *live = NULL;
	assert_int_equal(ft_expire(ft, 300 * SEC + 1, grab_reverse, &live), 1);
	assert_non_null(live);
	assert_true(same_key(&live->key, &y.key));
	struct flow *yf = (struct flow *)live;	/* the table's own, not const */
	yf->packets = (1ULL << 32) - 2;
	yf->octets = (1ULL << 32) - 1000;
	for (int i = 0; i < 3; i++) {
		y.ts_us = (2 + i) * SEC;
		assert_int_equal(ft_packet(ft, &y, record, &rc), 0);
	}
	assert_int_equal(rc.n, 0);
	assert_int_equal(ft_expire_all(ft, END_FORCED, record, &rc), 1);
	assert_true(same_key(&rc.r[0].key, &y.key));
	assert_true(rc.r[0].packets == (1ULL << 32) + 1);
	assert_true(rc.r[0].octets == (1ULL << 32) + 2000);
	assert_i64(rc.r[0].first, 1 * SEC);
	assert_i64(rc.r[0].last, 4 * SEC);
	ft_destroy(ft);
	rec_free(&rc);
}

/* ---- max_flows ------------------------------------------------------- */

static void test_max_flows_eviction(void **state)
{
	(void)state;
	struct ft_config c;
	struct recorder rc = { 0 };
	cfg_default(&c);
	c.max_flows = 3;
	struct ft *ft = ft_create(&c);

	struct packet f1 = udp(1, 2, 10, 10 * SEC);	/* due 310 */
	struct packet f2 = udp(3, 4, 20, 5 * SEC);	/* due 305 */
	struct packet f3 = udp(5, 6, 30, 5 * SEC);	/* due 305, created later */
	struct packet f4 = udp(7, 8, 40, 20 * SEC);	/* due 320 */
	struct packet f5 = udp(9, 10, 50, 30 * SEC);
	struct packet f6 = udp(11, 12, 60, 40 * SEC);
	ft_packet(ft, &f1, record, &rc);
	ft_packet(ft, &f2, record, &rc);
	ft_packet(ft, &f3, record, &rc);
	assert_int_equal(ft_count(ft), 3);
	assert_int_equal(rc.n, 0);

	/* A packet of an existing flow evicts nothing. */
	struct packet f1b = udp(1, 2, 10, 11 * SEC);	/* f1 due 311 */
	assert_int_equal(ft_packet(ft, &f1b, record, &rc), 0);
	assert_int_equal(rc.n, 0);

	assert_int_equal(ft_packet(ft, &f4, record, &rc), 1);
	assert_int_equal(ft_count(ft), 3);
	assert_int_equal(rc.n, 1);
	assert_true(same_key(&rc.r[0].key, &f2.key));
	assert_int_equal(rc.r[0].reason, END_LACK_OF_RESOURCES);
	assert_int_equal(rc.r[0].octets, 20);

	assert_int_equal(ft_packet(ft, &f5, record, &rc), 1);
	assert_int_equal(ft_count(ft), 3);
	assert_true(same_key(&rc.r[1].key, &f3.key));
	assert_int_equal(rc.r[1].reason, END_LACK_OF_RESOURCES);

	assert_int_equal(ft_packet(ft, &f6, record, &rc), 1);
	assert_int_equal(ft_count(ft), 3);
	assert_true(same_key(&rc.r[2].key, &f1.key));
	assert_int_equal(rc.r[2].packets, 2);

	assert_int_equal(ft_expire_all(ft, END_FORCED, record, &rc), 3);
	assert_true(same_key(&rc.r[3].key, &f4.key));
	assert_true(same_key(&rc.r[4].key, &f5.key));
	assert_true(same_key(&rc.r[5].key, &f6.key));
	ft_destroy(ft);
	rec_free(&rc);
}

/* A flow whose deadline only moved later is still evicted by its real
 * deadline, not the stale one. */
static void test_max_flows_eviction_after_update(void **state)
{
	(void)state;
	struct ft_config c;
	struct recorder rc = { 0 };
	cfg_default(&c);
	c.max_flows = 2;
	struct ft *ft = ft_create(&c);

	struct packet a = udp(1, 2, 10, 0);		/* due 300 */
	struct packet b = udp(3, 4, 10, 100 * SEC);	/* due 400 */
	ft_packet(ft, &a, record, &rc);
	ft_packet(ft, &b, record, &rc);
	struct packet a2 = udp(1, 2, 10, 200 * SEC);	/* a due 500 */
	ft_packet(ft, &a2, record, &rc);
	struct packet n = udp(5, 6, 10, 210 * SEC);
	ft_packet(ft, &n, record, &rc);
	assert_int_equal(rc.n, 1);
	assert_true(same_key(&rc.r[0].key, &b.key));
	ft_destroy(ft);
	rec_free(&rc);
}

/* ---- expiry order ---------------------------------------------------- */

static void test_expire_all_order(void **state)
{
	(void)state;
	struct ft_config c;
	struct recorder rc = { 0 };
	cfg_default(&c);
	c.to.udp = 100;
	c.to.icmp = 100;
	c.to.general = 100;
	struct ft *ft = ft_create(&c);

	/* Creation order 1..6; deadlines 150, 120, 150, 110, 120, 150. */
	static const int64_t ts[6] = { 50, 20, 50, 10, 20, 50 };
	struct packet p[6];
	for (int i = 0; i < 6; i++) {
		p[i] = udp((uint8_t)(i + 1), 100, (uint32_t)(i + 1), ts[i] * SEC);
		ft_packet(ft, &p[i], record, &rc);
	}
	/* Move flow 4 (index 3) from 110 to 160 and flow 6 earlier than its
	 * first packet (its first time moves, not its deadline). */
	struct packet p3b = p[3];
	p3b.ts_us = 60 * SEC;
	ft_packet(ft, &p3b, record, &rc);
	struct packet p5b = p[5];
	p5b.ts_us = 5 * SEC;
	ft_packet(ft, &p5b, record, &rc);

	static const int want[6] = { 1, 4, 0, 2, 5, 3 };
	assert_int_equal(ft_expire_all(ft, END_FORCED, record, &rc), 6);
	for (int i = 0; i < 6; i++) {
		if (!same_key(&rc.r[i].key, &p[want[i]].key))
			fail_msg("position %d: flow with octets %llu, expected flow %d",
				 i, (unsigned long long)rc.r[i].octets, want[i] + 1);
		assert_int_equal(rc.r[i].reason, END_FORCED);
	}
	assert_int_equal(ft_count(ft), 0);
	assert_int_equal(ft_expire_all(ft, END_FORCED, record, &rc), 0);
	ft_destroy(ft);
	rec_free(&rc);
}

/* ft_expire hands out due flows earliest first, ties by creation. */
static void test_expire_order(void **state)
{
	(void)state;
	struct ft_config c;
	struct recorder rc = { 0 };
	cfg_default(&c);
	c.to.udp = 100;
	struct ft *ft = ft_create(&c);
	static const int64_t ts[5] = { 30, 10, 30, 20, 90 };
	struct packet p[5];
	for (int i = 0; i < 5; i++) {
		p[i] = udp((uint8_t)(i + 1), 100, (uint32_t)(i + 1), ts[i] * SEC);
		ft_packet(ft, &p[i], record, &rc);
	}
	assert_int_equal(ft_expire(ft, 131 * SEC, record, &rc), 4);
	static const int want[4] = { 1, 3, 0, 2 };
	for (int i = 0; i < 4; i++)
		assert_true(same_key(&rc.r[i].key, &p[want[i]].key));
	assert_int_equal(ft_count(ft), 1);
	ft_destroy(ft);
	rec_free(&rc);
}

/* ft_destroy with flows still in the table frees them (ASan checks). */
static void test_destroy_nonempty(void **state)
{
	(void)state;
	struct ft_config c;
	struct recorder rc = { 0 };
	cfg_default(&c);
	struct ft *ft = ft_create(&c);
	for (int i = 0; i < 5000; i++) {
		struct packet p = mkpkt(4, 17, (uint8_t)i, (uint8_t)(i >> 8), (uint16_t)i, 53, 60, 0, i);
		ft_packet(ft, &p, record, &rc);
	}
	assert_int_equal(ft_count(ft), 5000);
	ft_destroy(ft);
	assert_int_equal(rc.n, 0);	/* destroy does not call back */
	ft_destroy(NULL);
	rec_free(&rc);
}

/* ---- randomised comparison with a brute-force model ------------------ */

#define NKEYS 500
#define NCONV (NKEYS / 2)

/* splitmix64: a fixed, portable sequence. */
static uint64_t rng_state;
static uint64_t rnd(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}
static uint32_t rnd_below(uint32_t n)
{
	return (uint32_t)(rnd() % n);
}

struct mflow {
	int live;
	uint64_t packets, octets, seq;
	int64_t first, last;
	uint8_t tcp_flags;
};

struct model {
	struct timeouts to;
	uint64_t max_flows, octet_limit;
	struct packet key[NKEYS];	/* key k: conversation k/2, side k%2 */
	struct mflow f[NKEYS];
	uint8_t sflags[NCONV][2];
	size_t live;
	uint64_t next_seq;
};

/* Key k: conversations of each protocol kind; side 1 is the reply. */
static void model_keys(struct model *m)
{
	for (int k = 0; k < NKEYS; k++) {
		int conv = k / 2, side = k % 2;
		int kind = conv % 5;
		int af = kind == 4 ? 6 : 4;
		uint8_t proto = kind <= 1 ? 6 : kind == 2 ? 17 : kind == 3 ? 1 : 58;
		struct packet p = mkpkt(af, proto, (uint8_t)(conv & 0xff), (uint8_t)(conv & 0xff), 0, 0, 0, 0, 0);
		/* Distinct address pairs per conversation. */
		p.key.src[1] = (uint8_t)(conv >> 8);
		p.key.src[2] = 1;
		p.key.dst[1] = (uint8_t)(conv >> 8);
		p.key.dst[2] = 2;
		if (proto == 6 || proto == 17) {
			p.key.sport = (uint16_t)(1024 + conv);
			p.key.dport = proto == 6 ? 443 : 53;
		} else {
			p.key.dport = 0x0800;
		}
		if (side) {
			struct flow_key r = p.key;
			memcpy(p.key.src, r.dst, 16);
			memcpy(p.key.dst, r.src, 16);
			p.key.sport = r.dport;
			p.key.dport = r.sport;
		}
		m->key[k] = p;
	}
}

static int64_t model_deadline(const struct model *m, int k, uint8_t *reason)
{
	const struct mflow *f = &m->f[k];
	const struct timeouts *to = &m->to;
	const struct flow_key *key = &m->key[k].key;
	const uint8_t *sf = m->sflags[k / 2];
	uint32_t idle = to->general;

	*reason = END_IDLE;
	if (to->maxlife && f->last - f->first > (int64_t)to->maxlife * SEC) {
		*reason = END_ACTIVE;
		return FT_NOW;
	}
	if (key->proto == 6) {
		if (((sf[0] | sf[1]) & TH_RST) && to->tcp_rst) {
			idle = to->tcp_rst;
			*reason = END_OF_FLOW;
		} else if ((sf[0] & sf[1] & TH_FIN) && to->tcp_fin) {
			idle = to->tcp_fin;
			*reason = END_OF_FLOW;
		} else if (to->tcp) {
			idle = to->tcp;
		}
	} else if (key->proto == 17 && to->udp) {
		idle = to->udp;
	} else if (((key->proto == 1 && key->af == 4) || (key->proto == 58 && key->af == 6)) && to->icmp) {
		idle = to->icmp;
	}
	int64_t d = f->last + (int64_t)idle * SEC;
	if (to->maxlife && f->first + (int64_t)to->maxlife * SEC < d) {
		d = f->first + (int64_t)to->maxlife * SEC;
		*reason = END_ACTIVE;
	}
	return d;
}

/* The live flow due first by (deadline, seq), or -1. */
static int model_first(const struct model *m, int64_t *deadline)
{
	int best = -1;
	int64_t bd = 0;
	for (int k = 0; k < NKEYS; k++) {
		if (!m->f[k].live)
			continue;
		uint8_t r;
		int64_t d = model_deadline(m, k, &r);
		if (best < 0 || d < bd || (d == bd && m->f[k].seq < m->f[best].seq)) {
			best = k;
			bd = d;
		}
	}
	if (deadline)
		*deadline = bd;
	return best;
}

/* Remove flow k, checking it against what the table handed out. */
static void model_remove(struct model *m, int k)
{
	m->f[k].live = 0;
	m->live--;
	if (!m->f[k ^ 1].live) {
		/* The session goes with its last flow. */
		m->sflags[k / 2][0] = m->sflags[k / 2][1] = 0;
	}
}

static void check_rec(const struct model *m, int k, const struct rec *r, uint8_t reason,
		      const char *when, long long i)
{
	const struct mflow *f = &m->f[k];
	if (!same_key(&r->key, &m->key[k].key) || r->seq != f->seq)
		fail_msg("%s at packet %lld: table expired seq %llu, model expected key %d seq %llu",
			 when, i, (unsigned long long)r->seq, k, (unsigned long long)f->seq);
	if (r->packets != f->packets || r->octets != f->octets || r->first != f->first ||
	    r->last != f->last || r->tcp_flags != f->tcp_flags || r->reason != reason)
		fail_msg("%s at packet %lld, key %d: table (%llu pkts, %llu oct, %lld..%lld, "
			 "flags %#x, reason %u) model (%llu, %llu, %lld..%lld, %#x, %u)",
			 when, i, k, (unsigned long long)r->packets, (unsigned long long)r->octets,
			 (long long)r->first, (long long)r->last, r->tcp_flags, r->reason,
			 (unsigned long long)f->packets, (unsigned long long)f->octets,
			 (long long)f->first, (long long)f->last, f->tcp_flags, reason);
}

static void model_packet(struct model *m, struct ft *ft, struct recorder *rc,
			 int k, uint32_t octets, uint8_t flags, int64_t ts, long long i)
{
	struct packet p = m->key[k];
	p.octets = octets;
	p.tcp_flags = flags;
	p.ts_us = ts;

	rec_reset(rc);
	int created = ft_packet(ft, &p, record, rc);
	size_t used = 0;

	struct mflow *f = &m->f[k];
	if (f->live && m->octet_limit && f->octets + octets > m->octet_limit) {
		if (rc->n <= used)
			fail_msg("packet %lld: octet limit should have ended key %d", i, k);
		check_rec(m, k, &rc->r[used++], END_LACK_OF_RESOURCES, "octet limit", i);
		model_remove(m, k);
	}
	if (!f->live) {
		if (m->max_flows && m->live >= m->max_flows) {
			int v = model_first(m, NULL);
			if (rc->n <= used)
				fail_msg("packet %lld: table full, key %d should have been evicted", i, v);
			check_rec(m, v, &rc->r[used++], END_LACK_OF_RESOURCES, "eviction", i);
			model_remove(m, v);
		}
		memset(f, 0, sizeof(*f));
		f->live = 1;
		f->seq = ++m->next_seq;
		f->first = f->last = ts;
		m->live++;
		if (!created)
			fail_msg("packet %lld: key %d should have opened a flow", i, k);
	} else if (created) {
		fail_msg("packet %lld: key %d opened a second flow", i, k);
	}
	if (rc->n != used)
		fail_msg("packet %lld: table expired %zu flows, model %zu", i, rc->n, used);
	f->packets++;
	f->octets += octets;
	f->tcp_flags |= flags;
	if (ts < f->first)
		f->first = ts;
	if (ts > f->last)
		f->last = ts;
	m->sflags[k / 2][k % 2] |= flags;
}

static int64_t model_next_scan(const struct model *m, int64_t clock)
{
	int64_t d;
	if (model_first(m, &d) < 0)
		return INT64_MAX;
	if (d == FT_NOW)
		return clock;
	int64_t step = (m->to.expint > 1 ? m->to.expint : 1) * SEC;
	int64_t q = d / step - (d % step < 0);
	return (q + 1) * step;
}

/* Expire at `now` in both, comparing flow by flow. */
static void model_scan(struct model *m, struct ft *ft, struct recorder *rc,
		       int64_t now, long long i)
{
	assert_i64(ft_next_scan(ft, now), model_next_scan(m, now));
	rec_reset(rc);
	size_t n = ft_expire(ft, now, record, rc);
	assert_int_equal(n, rc->n);
	size_t j = 0;
	for (;;) {
		int64_t d;
		int k = model_first(m, &d);
		if (k < 0 || d >= now)
			break;
		if (j >= rc->n)
			fail_msg("scan at packet %lld: model has more flows due than the table's %zu", i, rc->n);
		uint8_t reason;
		model_deadline(m, k, &reason);
		check_rec(m, k, &rc->r[j++], reason, "scan", i);
		model_remove(m, k);
	}
	if (j != rc->n)
		fail_msg("scan at packet %lld: table expired %zu, model %zu", i, rc->n, j);
	assert_int_equal(ft_count(ft), m->live);
}

static void run_random(const struct ft_config *cfg, uint64_t seed, int npackets)
{
	static struct model m;
	struct recorder rc = { 0 };
	/* Where keys land must not matter: each run hashes with its own seed. */
	struct ft_config seeded = *cfg;
	seeded.hash_seed = seed * 0x9e3779b97f4a7c15ULL;
	struct ft *ft = ft_create(&seeded);
	assert_non_null(ft);

	memset(&m, 0, sizeof(m));
	m.to = cfg->to;
	m.max_flows = cfg->max_flows;
	m.octet_limit = cfg->octet_limit;
	model_keys(&m);
	rng_state = seed;

	int64_t clock = 1700000000LL * SEC;
	for (long long i = 0; i < npackets; i++) {
		/* Time mostly moves forward by up to 0.2 s; one packet in
		 * 20 is up to 3 s old. */
		clock += rnd_below(200000);
		int64_t ts = clock;
		if (rnd_below(20) == 0)
			ts -= rnd_below(3 * SEC);
		/* A hot set of keys gets most packets, so some flows live
		 * long enough to meet maxlife. */
		int k = rnd_below(4) == 0 ? (int)rnd_below(20) : (int)rnd_below(NKEYS);
		uint8_t flags = 0;
		if (m.key[k].key.proto == 6) {
			uint32_t r = rnd_below(100);
			flags = r < 2 ? TH_FIN | TH_ACK : r < 3 ? TH_RST : r < 6 ? TH_SYN : TH_ACK;
		}
		uint32_t octets = 40 + rnd_below(1461);
		model_packet(&m, ft, &rc, k, octets, flags, ts, i);
		if (rnd_below(50) == 0)
			model_scan(&m, ft, &rc, clock, i);
	}
	/* A last scan far ahead, then whatever is left, in order. */
	model_scan(&m, ft, &rc, clock + 200 * SEC, npackets);
	rec_reset(&rc);
	size_t n = ft_expire_all(ft, END_FORCED, record, &rc);
	assert_int_equal(n, m.live);
	for (size_t j = 0; j < n; j++) {
		int k = model_first(&m, NULL);
		check_rec(&m, k, &rc.r[j], END_FORCED, "expire_all", npackets);
		model_remove(&m, k);
	}
	assert_int_equal(m.live, 0);
	assert_int_equal(ft_count(ft), 0);
	ft_destroy(ft);
	rec_free(&rc);
}

static void random_cfg(struct ft_config *c)
{
	cfg_default(c);
	c->to.tcp = 60;
	c->to.tcp_rst = 5;
	c->to.tcp_fin = 10;
	c->to.udp = 20;
	c->to.icmp = 7;
	c->to.general = 30;
	c->to.maxlife = 120;
	c->to.expint = 10;
}

static void test_random_vs_model(void **state)
{
	(void)state;
	struct ft_config c;
	random_cfg(&c);
	run_random(&c, 1, 20000);
}

static void test_random_vs_model_limits(void **state)
{
	(void)state;
	struct ft_config c;
	random_cfg(&c);
	c.max_flows = 100;
	c.octet_limit = 20000;
	run_random(&c, 2, 20000);
}

/* A low octet limit ends flows from the middle of the heap, not just its
 * top: the removal must restore the heap in both directions. */
static void test_random_vs_model_octet_limit(void **state)
{
	(void)state;
	struct ft_config c;
	random_cfg(&c);
	c.octet_limit = 4000;
	run_random(&c, 4, 20000);
}

static void test_random_vs_model_zero_timeouts(void **state)
{
	(void)state;
	struct ft_config c;
	random_cfg(&c);
	c.to.tcp_rst = 0;
	c.to.udp = 0;
	c.to.expint = 0;
	c.max_flows = 300;
	run_random(&c, 3, 20000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_same_key_one_flow),
		cmocka_unit_test(test_tos_and_ifindex_split),
		cmocka_unit_test(test_reverse_flow),
		cmocka_unit_test(test_reverse_flow_expire_all),
		cmocka_unit_test(test_expire_all_many),
		cmocka_unit_test(test_udp_idle),
		cmocka_unit_test(test_next_scan_rounding),
		cmocka_unit_test(test_tcp_rst_either_direction),
		cmocka_unit_test(test_tcp_fin_one_way),
		cmocka_unit_test(test_tcp_fin_both_ways),
		cmocka_unit_test(test_tcp_rst_over_fin),
		cmocka_unit_test(test_tcp_rst_reaches_every_flow_of_session),
		cmocka_unit_test(test_tcp_fin_reaches_every_flow_of_session),
		cmocka_unit_test(test_zero_timeouts_fall_through),
		cmocka_unit_test(test_protocol_timeouts),
		cmocka_unit_test(test_maxlife_caps_deadline),
		cmocka_unit_test(test_maxlife_exceeded_due_now),
		cmocka_unit_test(test_octet_limit),
		cmocka_unit_test(test_no_octet_limit_64bit),
		cmocka_unit_test(test_max_flows_eviction),
		cmocka_unit_test(test_max_flows_eviction_after_update),
		cmocka_unit_test(test_expire_all_order),
		cmocka_unit_test(test_expire_order),
		cmocka_unit_test(test_destroy_nonempty),
		cmocka_unit_test(test_random_vs_model),
		cmocka_unit_test(test_random_vs_model_limits),
		cmocka_unit_test(test_random_vs_model_octet_limit),
		cmocka_unit_test(test_random_vs_model_zero_timeouts),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
