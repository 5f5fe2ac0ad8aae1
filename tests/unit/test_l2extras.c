/*
 * test_l2extras.c - interned layer-2 extras (probe/l2extras.h): numbers,
 * holds and reuse, for MAC pairs (-T ether, 12-byte keys), label stacks
 * (-x 3, 9 bytes) and both (21 bytes); and the meter keying a flow on
 * them: one flow per label stack, the labels in its record.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "../../probe/l2extras.h"
#include "../../probe/meter.h"

static const uint8_t a[6] = { 0x02, 0, 0, 0, 0, 0x0a };
static const uint8_t b[6] = { 0x02, 0, 0, 0, 0, 0x0b };
static const uint8_t c[6] = { 0x02, 0, 0, 0, 0, 0x0c };

/* A MAC pair as a -T ether key. */
static const uint8_t *pair(const uint8_t src[6], const uint8_t dst[6])
{
	static uint8_t k[4][12];
	static int i;
	uint8_t *p = k[i++ % 4];
	memcpy(p, src, 6);
	memcpy(p + 6, dst, 6);
	return p;
}

static void test_same_pair_same_number(void **state)
{
	(void)state;
	struct l2extras *x = l2x_create(12);

	uint32_t ab = l2x_get(x, pair(a, b));
	assert_int_not_equal(ab, 0);
	assert_int_equal(l2x_get(x, pair(a, b)), ab);
	/* Direction matters: (b, a) is another flow's pair. */
	uint32_t ba = l2x_get(x, pair(b, a));
	assert_int_not_equal(ba, ab);
	assert_int_equal(l2x_count(x), 2);
	assert_memory_equal(l2x_key(x, ba), pair(b, a), 12);
	assert_null(l2x_key(x, 0));
	l2x_destroy(x);
}

/* A key lives while anything holds it; its number is reused only after. */
static void test_release_and_reuse(void **state)
{
	(void)state;
	struct l2extras *x = l2x_create(12);

	uint32_t ab = l2x_get(x, pair(a, b));	/* a packet's hold */
	l2x_hold(x, ab);			/* its new flow's */
	l2x_release(x, ab);			/* the packet is accounted */
	assert_int_equal(l2x_count(x), 1);
	assert_memory_equal(l2x_key(x, ab), pair(a, b), 12);
	l2x_release(x, ab);			/* the flow expires */
	assert_int_equal(l2x_count(x), 0);

	uint32_t ac = l2x_get(x, pair(a, c));
	assert_int_equal(ac, ab);		/* the number came free */
	assert_memory_equal(l2x_key(x, ac) + 6, c, 6);
	l2x_release(x, 0);			/* 0 is never held: no effect */
	assert_int_equal(l2x_count(x), 1);
	l2x_destroy(x);
}

/* Nothing to key (a link without MACs, a frame without labels) is 0,
 * held by nobody, and costs no entry. */
static void test_all_zero_is_none(void **state)
{
	(void)state;
	static const uint8_t zero[L2X_KEY_MAX];
	struct l2extras *x = l2x_create(21);

	assert_int_equal(l2x_get(x, zero), 0);
	assert_int_equal(l2x_count(x), 0);
	l2x_hold(x, 0);
	l2x_release(x, 0);
	assert_int_equal(l2x_count(x), 0);
	assert_null(l2x_create(0));
	assert_null(l2x_create(L2X_KEY_MAX + 1));
	l2x_destroy(x);
}

/* -x 3 keys: label stacks that differ in any byte of any of the three
 * entries (label, EXP, bottom of stack) are different numbers; the
 * same stack, the same number, whatever packet brings it. */
static void test_label_stacks(void **state)
{
	(void)state;
	static const uint8_t stacks[][9] = {
		{ 0x00, 0x06, 0x40, 0x00, 0x0c, 0x80, 0x01, 0x2c, 0x01 },	/* 100, 200, 300 bos */
		{ 0x00, 0x06, 0x40, 0x00, 0x0c, 0x80, 0x01, 0x2d, 0x01 },	/* 100, 200, 301 bos */
		{ 0x00, 0x06, 0x4a, 0x00, 0x0c, 0x80, 0x01, 0x2c, 0x01 },	/* EXP 5 on top */
		{ 0x00, 0x06, 0x40, 0x00, 0x0c, 0x80, 0x01, 0x2c, 0x00 },	/* 300 not bottom */
		{ 0x00, 0x06, 0x41, 0, 0, 0, 0, 0, 0 },				/* 100 bos alone */
	};
	enum { N = sizeof(stacks) / sizeof(stacks[0]) };
	struct l2extras *x = l2x_create(9);
	uint32_t id[N];

	for (int i = 0; i < N; i++) {
		id[i] = l2x_get(x, stacks[i]);
		assert_int_not_equal(id[i], 0);
		for (int j = 0; j < i; j++)
			assert_int_not_equal(id[i], id[j]);
	}
	for (int i = 0; i < N; i++) {
		assert_int_equal(l2x_get(x, stacks[i]), id[i]);
		assert_memory_equal(l2x_key(x, id[i]), stacks[i], 9);
	}
	assert_int_equal(l2x_count(x), N);
	for (int i = 0; i < N; i++) {
		l2x_release(x, id[i]);
		l2x_release(x, id[i]);
	}
	assert_int_equal(l2x_count(x), 0);
	l2x_destroy(x);
}

/* Many keys: the buckets grow and every key keeps its number. */
static void test_many_keys(void **state)
{
	(void)state;
	struct l2extras *x = l2x_create(L2X_KEY_MAX);
	enum { N = 50000 };
	static uint32_t id[N];
	uint8_t k[L2X_KEY_MAX] = { 0x02 };

	for (uint32_t i = 0; i < N; i++) {
		memcpy(k + L2X_KEY_MAX - 4, &i, 4);	/* the last label entries */
		id[i] = l2x_get(x, k);
		assert_int_not_equal(id[i], 0);
	}
	assert_int_equal(l2x_count(x), N);
	for (uint32_t i = 0; i < N; i++) {
		memcpy(k + L2X_KEY_MAX - 4, &i, 4);
		assert_int_equal(l2x_get(x, k), id[i]);
		assert_memory_equal(l2x_key(x, id[i]), k, L2X_KEY_MAX);
		l2x_release(x, id[i]);
		l2x_release(x, id[i]);
	}
	assert_int_equal(l2x_count(x), 0);
	assert_true(l2x_memory(x) > 0);
	l2x_destroy(x);
}

/* ---- the meter keying flows on labels ---------------------------------- */

/* One UDP packet 192.0.2.70:6200 -> 198.51.100.80:6200 at t ms, MACs a > b. */
static void udp_packet(struct packet *p, int t)
{
	memset(p, 0, sizeof(*p));
	p->ts_us = 1704067200000000LL + t * 1000LL;
	p->key.af = 4;
	p->key.proto = 17;
	memcpy(p->key.src, (uint8_t[]){ 192, 0, 2, 70 }, 4);
	memcpy(p->key.dst, (uint8_t[]){ 198, 51, 100, 80 }, 4);
	p->key.sport = p->key.dport = 6200;
	p->octets = 60;
	memcpy(p->src_mac, a, 6);
	memcpy(p->dst_mac, b, 6);
}

/* A stack of n labels 100, 200, ... (EXP exp on the top one), bottom
 * of stack on the last. */
static void stack_of(struct mpls_stack *ms, int n, int exp)
{
	memset(ms, 0xee, sizeof(*ms));	/* below depth: never read */
	ms->depth = (uint8_t)n;
	for (int i = 0; i < n; i++) {
		uint32_t v = (uint32_t)(100 * (i + 1)) << 4 | (i == 0 ? (uint32_t)exp << 1 : 0) |
			     (i == n - 1);
		ms->entry[i][0] = (uint8_t)(v >> 16);
		ms->entry[i][1] = (uint8_t)(v >> 8);
		ms->entry[i][2] = (uint8_t)v;
	}
}

/*
 * The meter at -x x (and -T level), exporting IPFIX to nowhere; what
 * it expired, as -D lines from "packets:" on, one a line, in out.
 * Packets of one UDP flow 10 ms apart, their label stacks: (100, 200,
 * 300) twice; (100, 200, 300, 400), whose third entry is not the
 * bottom; (100 EXP 5, 200, 300); none; (100, 200, 300) again.
 */
static void run_meter(int x, int level, char *out, size_t outlen)
{
	static const int labels[] = { 3, 3, 4, -3, 0, 3 };	/* -: EXP 5 on top */
	struct ft_config cfg;
	struct probe_stats st;
	struct meter m;
	struct transport tp;
	struct template_options to;
	struct packet p;
	struct mpls_stack ms;
	char *dump = NULL;
	size_t dumplen = 0;

	memset(&cfg, 0, sizeof(cfg));
	timeouts_default(&cfg.to);
	cfg.max_flows = 100;
	struct ft *ft = ft_create(&cfg);
	assert_non_null(ft);
	struct exporter *ex = malloc(sizeof(*ex));
	assert_non_null(ex);
	transport_init(&tp);
	exporter_init(ex, export_format_find(10), &tp);
	memset(&to, 0, sizeof(to));
	to.mpls = x;
	to.ether = level == TRACK_ETHER;
	exporter_set_templates(ex, &to, EXPORT_DEFAULT_DATAGRAM, 0, "test", 0, 0);
	memset(&st, 0, sizeof(st));
	assert_int_equal(meter_init(&m, ft, ex, &st), 0);
	assert_int_equal(meter_set_level(&m, (enum track_level)level), 0);
	assert_int_equal(meter_set_mpls(&m, x), 0);
	m.dump = open_memstream(&dump, &dumplen);
	assert_non_null(m.dump);
	for (size_t i = 0; i < sizeof(labels) / sizeof(labels[0]); i++) {
		udp_packet(&p, (int)i * 10);
		stack_of(&ms, labels[i] < 0 ? -labels[i] : labels[i], labels[i] < 0 ? 5 : 0);
		meter_packet(&m, PKT_IP, &p, x ? &ms : NULL);
	}
	meter_finish(&m, END_FORCED);
	if (m.l2)
		assert_int_equal(l2x_count(m.l2), 0);	/* every hold let go */
	fclose(m.dump);
	m.dump = NULL;
	out[0] = '\0';
	for (char *line = strtok(dump, "\n"); line; line = strtok(NULL, "\n")) {
		const char *from = strstr(line, "packets:");
		const char *end = strstr(line, "end:forced");
		assert_non_null(from);
		assert_non_null(end);
		/* packets:N, then what follows the end reason */
		size_t used = strlen(out);
		snprintf(out + used, outlen - used, "%.*s%s\n", (int)strcspn(from, " "), from,
			 end + strlen("end:forced"));
	}
	free(dump);
	meter_free(&m);
	ft_destroy(ft);
	transport_close(&tp, NULL, 0);
	free(ex);
}

static void test_meter_keys_labels(void **state)
{
	(void)state;
	char got[2048];

	/* -x 3: four stacks, four flows; they leave at the end of the file
	 * by last packet; the unlabelled one has no mpls: at all */
	run_meter(3, TRACK_FULL, got, sizeof(got));
	assert_string_equal(got,
			    "packets:1 mpls:100-0-0,200-0-0,300-0-0\n"
			    "packets:1 mpls:100-5-0,200-0-0,300-0-1\n"
			    "packets:1\n"
			    "packets:3 mpls:100-0-0,200-0-0,300-0-1\n");

	/* -x 1: top entries 100-0-0 (four packets), 100-5-0, none */
	run_meter(1, TRACK_FULL, got, sizeof(got));
	assert_string_equal(got,
			    "packets:1 mpls:100-5-0\n"
			    "packets:1\n"
			    "packets:4 mpls:100-0-0\n");

	/* no -x: one flow, no labels */
	run_meter(0, TRACK_FULL, got, sizeof(got));
	assert_string_equal(got, "packets:6\n");

	/* -T ether -x 2: MACs and labels in one number; 100, 200 whether
	 * 300 or 300 and 400 follow */
	run_meter(2, TRACK_ETHER, got, sizeof(got));
	assert_string_equal(got,
			    "packets:1 mac:02:00:00:00:00:0a>02:00:00:00:00:0b mpls:100-5-0,200-0-0\n"
			    "packets:1 mac:02:00:00:00:00:0a>02:00:00:00:00:0b\n"
			    "packets:4 mac:02:00:00:00:00:0a>02:00:00:00:00:0b mpls:100-0-0,200-0-0\n");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_same_pair_same_number),
		cmocka_unit_test(test_release_and_reuse),
		cmocka_unit_test(test_all_zero_is_none),
		cmocka_unit_test(test_label_stacks),
		cmocka_unit_test(test_many_keys),
		cmocka_unit_test(test_meter_keys_labels),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
