/*
 * test_sink_json.c - flowcollect -o json (collector/sink_json.c): the
 * exact line for crafted flows (IPv4 from v5, IPv6 from IPFIX, a biflow,
 * MPLS/VLAN/MAC from v9, ICMP, times before 1970), and every key's name
 * held against IANA's registry (tests/data/iana-ipfix-names.txt, kept
 * apart from our code), as are export/ie.c's names.
 *
 * Run from the repository's top directory (tests/run.sh does), where the
 * names file is found.
 */
#include <ctype.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "../../collector/sink.h"
#include "../../collector/sink_json.h"
#include "../../export/ie.h"

#define NAMES_FILE "tests/data/iana-ipfix-names.txt"
#define MAX_ID 1024

/* The line the sink writes for one flow. */
static char *row(const struct flow_context *ctx, const struct flow_record *r)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	assert_non_null(f);
	struct sink s = { .ops = &sink_json, .out = f };
	assert_null(sink_json.begin);	/* no header: every line is a flow */
	sink_json.flow(&s, ctx, r);
	assert_int_equal(fclose(f), 0);
	return buf;
}

static void expect_row(const struct flow_context *ctx, const struct flow_record *r,
		       const char *want)
{
	char *got = row(ctx, r);
	assert_string_equal(got, want);
	free(got);
}

static struct flow_context context(uint8_t af, const uint8_t *addr, uint16_t version,
				   int64_t export_us)
{
	struct flow_context c;
	memset(&c, 0, sizeof(c));
	c.af = af;
	c.addr = addr;
	c.version = version;
	c.export_us = export_us;
	return c;
}

static struct flow_record tcp4(void)
{
	struct flow_record r;
	memset(&r, 0, sizeof(r));
	r.af = 4;
	r.proto = 6;
	r.tcp_flags = 0x1b;
	r.tos = 0x28;
	memcpy(r.src, "\xc0\x00\x02\x01", 4);
	memcpy(r.dst, "\xc6\x33\x64\x07", 4);
	r.sport = 40000;
	r.dport = 443;
	r.in_if = 2;
	r.out_if = 3;
	r.packets = 10;
	r.octets = 5000;
	/* µs below the ms are dropped, not rounded. */
	r.first_us = 1700000000123456;
	r.last_us = 1700000001456999;
	return r;
}

static void test_ipv4_from_v5(void **state)
{
	(void)state;
	static const uint8_t exporter[4] = { 203, 0, 113, 5 };
	struct flow_context ctx = context(4, exporter, 5, 1700000002000500);
	struct flow_record r = tcp4();
	ctx.engine_type = 1;
	ctx.engine_id = 2;
	ctx.domain = 0x102;
	memcpy(r.nexthop, "\x0a\x00\x00\x01", 4);
	r.src_as = 64500;
	r.dst_as = 64501;
	r.src_mask = 24;
	r.dst_mask = 16;
	r.end_reason = END_OF_FLOW;
	expect_row(&ctx, &r,
		"{\"flowStartMilliseconds\":1700000000123,\"flowEndMilliseconds\":1700000001456,"
		"\"sourceIPv4Address\":\"192.0.2.1\",\"destinationIPv4Address\":\"198.51.100.7\","
		"\"sourceTransportPort\":40000,\"destinationTransportPort\":443,"
		"\"protocolIdentifier\":6,\"tcpControlBits\":27,\"ipClassOfService\":40,"
		"\"packetDeltaCount\":10,\"octetDeltaCount\":5000,"
		"\"ingressInterface\":2,\"egressInterface\":3,"
		"\"ipNextHopIPv4Address\":\"10.0.0.1\","
		"\"bgpSourceAsNumber\":64500,\"bgpDestinationAsNumber\":64501,"
		"\"sourceIPv4PrefixLength\":24,\"destinationIPv4PrefixLength\":16,"
		"\"flowEndReason\":3,"
		"\"exporterIPv4Address\":\"203.0.113.5\",\"exportProtocolVersion\":5,"
		"\"engineType\":1,\"engineId\":2,\"exportTimeMilliseconds\":1700000002000}\n");
}

static void test_ipv6_from_ipfix(void **state)
{
	(void)state;
	static const uint8_t exporter[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 0xff };
	struct flow_context ctx = context(6, exporter, 10, 1700000005000000);
	struct flow_record r;
	memset(&r, 0, sizeof(r));
	ctx.domain = UINT32_MAX;
	r.af = 6;
	r.proto = 17;
	memcpy(r.src, "\x20\x01\x0d\xb8\0\0\0\0\0\0\0\0\0\0\0\x01", 16);
	memcpy(r.dst, "\x20\x01\x0d\xb8\0\0\0\x01\0\0\0\0\0\0\0\x53", 16);
	memcpy(r.nexthop, "\xfe\x80\0\0\0\0\0\0\0\0\0\0\0\0\0\x01", 16);
	r.sport = 5353;
	r.dport = 53;
	r.packets = 1;
	r.octets = 80;
	r.flowlabel = 0x12345;
	r.src_mask = 64;
	r.dst_mask = 48;
	r.direction = 1;
	r.end_reason = END_IDLE;
	r.first_us = r.last_us = 1700000000000000;
	expect_row(&ctx, &r,
		"{\"flowStartMilliseconds\":1700000000000,\"flowEndMilliseconds\":1700000000000,"
		"\"sourceIPv6Address\":\"2001:db8::1\",\"destinationIPv6Address\":\"2001:db8:0:1::53\","
		"\"sourceTransportPort\":5353,\"destinationTransportPort\":53,"
		"\"protocolIdentifier\":17,\"tcpControlBits\":0,\"ipClassOfService\":0,"
		"\"packetDeltaCount\":1,\"octetDeltaCount\":80,"
		"\"ingressInterface\":0,\"egressInterface\":0,"
		"\"ipNextHopIPv6Address\":\"fe80::1\","
		"\"sourceIPv6PrefixLength\":64,\"destinationIPv6PrefixLength\":48,"
		"\"flowLabelIPv6\":74565,\"flowDirection\":1,\"flowEndReason\":1,"
		"\"exporterIPv6Address\":\"2001:db8::ff\",\"exportProtocolVersion\":10,"
		"\"observationDomainId\":4294967295,\"exportTimeMilliseconds\":1700000005000}\n");
}

/* RFC 5103: the reverse direction's counters under their own names;
 * 64-bit counters are written exactly, to the last digit. */
static void test_biflow(void **state)
{
	(void)state;
	static const uint8_t exporter[4] = { 127, 0, 0, 1 };
	struct flow_context ctx = context(4, exporter, 10, 1700000002000000);
	struct flow_record r = tcp4();
	ctx.domain = 7;
	r.packets = UINT64_MAX;
	r.octets = 9007199254740993ull;	/* 2^53 + 1: a double would lose it */
	r.rev_packets = 7;
	r.rev_octets = 9000000000ull;
	r.rev_tcp_flags = 0x12;
	r.rev_tos = 4;
	expect_row(&ctx, &r,
		"{\"flowStartMilliseconds\":1700000000123,\"flowEndMilliseconds\":1700000001456,"
		"\"sourceIPv4Address\":\"192.0.2.1\",\"destinationIPv4Address\":\"198.51.100.7\","
		"\"sourceTransportPort\":40000,\"destinationTransportPort\":443,"
		"\"protocolIdentifier\":6,\"tcpControlBits\":27,\"ipClassOfService\":40,"
		"\"packetDeltaCount\":18446744073709551615,\"octetDeltaCount\":9007199254740993,"
		"\"ingressInterface\":2,\"egressInterface\":3,"
		"\"reversePacketDeltaCount\":7,\"reverseOctetDeltaCount\":9000000000,"
		"\"reverseTcpControlBits\":18,\"reverseIpClassOfService\":4,"
		"\"exporterIPv4Address\":\"127.0.0.1\",\"exportProtocolVersion\":10,"
		"\"observationDomainId\":7,\"exportTimeMilliseconds\":1700000002000}\n");
}

/* Label stack entries as the integer of their 3 bytes; a zero entry
 * between others is left out, the one after keeps its own name. */
static void test_mpls_vlan_mac(void **state)
{
	(void)state;
	static const uint8_t exporter[4] = { 10, 1, 2, 3 };
	struct flow_context ctx = context(4, exporter, 9, 1700000002000000);
	struct flow_record r = tcp4();
	ctx.domain = 42;
	r.vlan = 100;
	memcpy(r.src_mac, "\x00\x11\x22\x33\x44\x55", 6);
	memcpy(r.dst_mac, "\xaa\xbb\xcc\xdd\xee\xff", 6);
	/* label 1000, EXP 5, not the bottom: 1000 << 4 | 5 << 1 = 16010 */
	memcpy(r.mpls[0], "\x00\x3e\x8a", 3);
	/* label 16, EXP 0, bottom of stack: 16 << 4 | 1 = 257 */
	memcpy(r.mpls[2], "\x00\x01\x01", 3);
	expect_row(&ctx, &r,
		"{\"flowStartMilliseconds\":1700000000123,\"flowEndMilliseconds\":1700000001456,"
		"\"sourceIPv4Address\":\"192.0.2.1\",\"destinationIPv4Address\":\"198.51.100.7\","
		"\"sourceTransportPort\":40000,\"destinationTransportPort\":443,"
		"\"protocolIdentifier\":6,\"tcpControlBits\":27,\"ipClassOfService\":40,"
		"\"packetDeltaCount\":10,\"octetDeltaCount\":5000,"
		"\"ingressInterface\":2,\"egressInterface\":3,"
		"\"vlanId\":100,\"sourceMacAddress\":\"00:11:22:33:44:55\","
		"\"destinationMacAddress\":\"aa:bb:cc:dd:ee:ff\","
		"\"mplsTopLabelStackSection\":16010,\"mplsLabelStackSection3\":257,"
		"\"exporterIPv4Address\":\"10.1.2.3\",\"exportProtocolVersion\":9,"
		"\"observationDomainId\":42,\"exportTimeMilliseconds\":1700000002000}\n");
}

/* ICMP's type and code (in the destination port) under the element of
 * its IP version; v1's header has no engine or domain. */
static void test_icmp(void **state)
{
	(void)state;
	static const uint8_t exporter[4] = { 127, 0, 0, 1 };
	struct flow_context ctx = context(4, exporter, 1, 1000);
	struct flow_record r;
	memset(&r, 0, sizeof(r));
	r.af = 4;
	r.proto = 1;
	memcpy(r.src, "\x0a\0\0\x01", 4);
	memcpy(r.dst, "\x0a\0\0\x02", 4);
	r.dport = 0x0800;
	r.packets = 1;
	r.octets = 84;
	expect_row(&ctx, &r,
		"{\"flowStartMilliseconds\":0,\"flowEndMilliseconds\":0,"
		"\"sourceIPv4Address\":\"10.0.0.1\",\"destinationIPv4Address\":\"10.0.0.2\","
		"\"icmpTypeCodeIPv4\":2048,\"protocolIdentifier\":1,\"tcpControlBits\":0,"
		"\"ipClassOfService\":0,\"packetDeltaCount\":1,\"octetDeltaCount\":84,"
		"\"ingressInterface\":0,\"egressInterface\":0,"
		"\"exporterIPv4Address\":\"127.0.0.1\",\"exportProtocolVersion\":1,"
		"\"exportTimeMilliseconds\":1}\n");

	/* ICMPv6; an exporter's own source port for it is kept. */
	memset(&r, 0, sizeof(r));
	r.af = 6;
	r.proto = 58;
	r.src[15] = 1;
	r.dst[15] = 2;
	r.sport = 7;
	r.dport = 0x8000;
	r.packets = 2;
	r.octets = 208;
	expect_row(&ctx, &r,
		"{\"flowStartMilliseconds\":0,\"flowEndMilliseconds\":0,"
		"\"sourceIPv6Address\":\"::1\",\"destinationIPv6Address\":\"::2\","
		"\"sourceTransportPort\":7,\"icmpTypeCodeIPv6\":32768,\"protocolIdentifier\":58,"
		"\"tcpControlBits\":0,\"ipClassOfService\":0,\"packetDeltaCount\":2,"
		"\"octetDeltaCount\":208,\"ingressInterface\":0,\"egressInterface\":0,"
		"\"exporterIPv4Address\":\"127.0.0.1\",\"exportProtocolVersion\":1,"
		"\"exportTimeMilliseconds\":1}\n");
}

/* Before 1970 a time rounds down, as it does after; a flow file from
 * before its version was kept (0) has no version or domain. */
static void test_times_before_1970(void **state)
{
	(void)state;
	static const uint8_t exporter[4] = { 127, 0, 0, 1 };
	struct flow_context ctx = context(4, exporter, 0, -1);
	struct flow_record r;
	memset(&r, 0, sizeof(r));
	r.af = 4;
	r.proto = 47;
	r.first_us = -1500;
	r.last_us = 999;
	expect_row(&ctx, &r,
		"{\"flowStartMilliseconds\":-2,\"flowEndMilliseconds\":0,"
		"\"sourceIPv4Address\":\"0.0.0.0\",\"destinationIPv4Address\":\"0.0.0.0\","
		"\"sourceTransportPort\":0,\"destinationTransportPort\":0,"
		"\"protocolIdentifier\":47,\"tcpControlBits\":0,\"ipClassOfService\":0,"
		"\"packetDeltaCount\":0,\"octetDeltaCount\":0,"
		"\"ingressInterface\":0,\"egressInterface\":0,"
		"\"exporterIPv4Address\":\"127.0.0.1\",\"exportTimeMilliseconds\":-1}\n");

	/* The earliest time a record can hold (ie_to_us's limit). */
	r.first_us = r.last_us = INT64_MIN / 1000 * 1000;
	char *got = row(&ctx, &r);
	assert_non_null(strstr(got, "{\"flowStartMilliseconds\":-9223372036854775,"));
	free(got);
}

/* IANA's names, by number, from the file kept apart from our code. */
static char *iana[MAX_ID];

static int load_names(void **state)
{
	(void)state;
	char line[256];
	int n = 0;
	FILE *f = fopen(NAMES_FILE, "r");
	if (f == NULL) {
		fprintf(stderr, "cannot open %s: run from the repository's top directory\n", NAMES_FILE);
		return -1;
	}
	while (fgets(line, sizeof(line), f)) {
		unsigned id;
		char name[128];
		if (line[0] == '#' || sscanf(line, "%u\t%127s", &id, name) != 2)
			continue;
		if (id >= MAX_ID || iana[id] != NULL) {
			fclose(f);
			return -1;
		}
		iana[id] = strdup(name);
		n++;
	}
	fclose(f);
	return n > 400 ? 0 : -1;
}

static int free_names(void **state)
{
	(void)state;
	for (int i = 0; i < MAX_ID; i++)
		free(iana[i]);
	return 0;
}

/* IANA's name for (id, pen): RFC 5103's "reverse" + the forward name
 * with its first letter capitalised for PEN 29305.  NULL: none. */
static const char *iana_name(uint16_t id, uint32_t pen, char *buf, size_t len)
{
	if (id >= MAX_ID || iana[id] == NULL)
		return NULL;
	if (pen == 0)
		return iana[id];
	if (pen != PEN_REVERSE)
		return NULL;
	snprintf(buf, len, "reverse%c%s", toupper((unsigned char)iana[id][0]), iana[id] + 1);
	return buf;
}

/* Every key is IANA's name for its number; exportTimeMilliseconds is the
 * one exception, and names are not repeated. */
static void test_keys_are_iana_names(void **state)
{
	(void)state;
	char buf[160];
	int exceptions = 0;

	assert_true(sink_json_nkeys > 40);
	for (size_t i = 0; i < sink_json_nkeys; i++) {
		const struct sink_json_key *k = &sink_json_keys[i];
		for (size_t j = 0; j < i; j++)
			assert_string_not_equal(k->name, sink_json_keys[j].name);
		if (k->id == 0) {
			assert_string_equal(k->name, "exportTimeMilliseconds");
			exceptions++;
			continue;
		}
		const char *want = iana_name(k->id, k->pen, buf, sizeof(buf));
		if (want == NULL || strcmp(want, k->name) != 0)
			fail_msg("key %s: IANA element %u (PEN %u) is %s", k->name, k->id, k->pen,
				 want ? want : "not in the list");
	}
	assert_int_equal(exceptions, 1);
}

/* export/ie.c, the table our encoders and decoders share, names every
 * element it has as IANA does; and a key it also has is named alike. */
static void test_ie_table_names(void **state)
{
	(void)state;
	static const uint32_t pens[] = { 0, PEN_REVERSE };
	char buf[160];
	int rows = 0;

	for (size_t p = 0; p < 2; p++)
		for (uint32_t id = 0; id < 32768; id++) {
			const struct ie *ie = ie_find((uint16_t)id, pens[p]);
			if (ie == NULL)
				continue;
			rows++;
			const char *want = iana_name(ie->id, ie->pen, buf, sizeof(buf));
			if (want == NULL || strcmp(want, ie->name) != 0)
				fail_msg("ie.c: %s is element %u (PEN %u), which IANA names %s", ie->name,
					 ie->id, ie->pen, want ? want : "nothing");
		}
	assert_true(rows > 60);
	for (size_t i = 0; i < sink_json_nkeys; i++) {
		const struct sink_json_key *k = &sink_json_keys[i];
		const struct ie *ie = k->id ? ie_find(k->id, k->pen) : NULL;
		if (ie)
			assert_string_equal(ie->name, k->name);
	}
}

/* The test above can fail: a wrong name is caught. */
static void test_name_check_can_fail(void **state)
{
	(void)state;
	char buf[160];
	assert_string_not_equal(iana_name(2, 0, buf, sizeof(buf)), "packetCount");
	assert_string_equal(iana_name(2, PEN_REVERSE, buf, sizeof(buf)), "reversePacketDeltaCount");
	assert_string_equal(iana_name(236, PEN_REVERSE, buf, sizeof(buf)), "reverseVRFname");
	assert_null(iana_name(97, 0, buf, sizeof(buf)));	/* NetFlow v9 compatibility */
	assert_null(iana_name(0, 0, buf, sizeof(buf)));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ipv4_from_v5),
		cmocka_unit_test(test_ipv6_from_ipfix),
		cmocka_unit_test(test_biflow),
		cmocka_unit_test(test_mpls_vlan_mac),
		cmocka_unit_test(test_icmp),
		cmocka_unit_test(test_times_before_1970),
		cmocka_unit_test(test_keys_are_iana_names),
		cmocka_unit_test(test_ie_table_names),
		cmocka_unit_test(test_name_check_can_fail),
	};
	return cmocka_run_group_tests(tests, load_names, free_names);
}
