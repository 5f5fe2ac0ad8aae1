/*
 * test_capture.c - the capture module.
 *
 * capture_time_us(): pcap seconds are unsigned 32 bits, which libpcap
 * 1.10 sign-extends into time_t (y2038-bgp.pcap came back as 1902 before
 * this was fixed), and so is the fraction (timestamp_invalid_micro.pcap's
 * third packet, microseconds 2^31, came back 2147 s early).
 *
 * Reading: damaged files written here byte by byte; each fault stops the
 * run at the right record with a message naming it, and every record
 * before it reaches the callback, filter or not.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include "../../probe/capture.h"

static void micro_and_nano(void **state)
{
	(void)state;
	struct timeval tv = { .tv_sec = 1259261324, .tv_usec = 435140 };
	assert_int_equal(capture_time_us(&tv, CAPTURE_TS_MICRO), 1259261324435140LL);
	tv.tv_usec = 435140123;		/* nanoseconds at nano precision */
	assert_int_equal(capture_time_us(&tv, CAPTURE_TS_NANO), 1259261324435140LL);
	tv.tv_usec = 435140000;		/* a µs file read at nano precision */
	assert_int_equal(capture_time_us(&tv, CAPTURE_TS_MICRO_AS_NANO), 1259261324435140LL);
}

static void after_2038(void **state)
{
	(void)state;
	/* 2164247948 s (2038-08-01) as libpcap hands it over: negative. */
	struct timeval tv = { .tv_sec = (time_t)(int32_t)2164247948u, .tv_usec = 451127 };
	assert_true(tv.tv_sec < 0);
	assert_int_equal(capture_time_us(&tv, CAPTURE_TS_MICRO), 2164247948451127LL);
}

static void fraction_over_a_second_carries(void **state)
{
	(void)state;
	/* timestamp_invalid_micro.pcap: a microsecond field >= 1,000,000. */
	struct timeval tv = { .tv_sec = 100, .tv_usec = 1500000 };
	assert_int_equal(capture_time_us(&tv, CAPTURE_TS_MICRO), 101500000LL);
	tv.tv_usec = 1500000000;	/* the same, scaled to ns by libpcap */
	assert_int_equal(capture_time_us(&tv, CAPTURE_TS_MICRO_AS_NANO), 101500000LL);
}

static void fraction_of_2_to_31_is_not_negative(void **state)
{
	(void)state;
	/* The field 0x80000000 as libpcap 1.10 hands it over: read as a
	 * signed 32-bit value, then (µs file, ns precision) times 1000. */
	struct timeval tv = { .tv_sec = 1418145370, .tv_usec = (int64_t)INT32_MIN * 1000 };
	assert_int_equal(capture_time_us(&tv, CAPTURE_TS_MICRO_AS_NANO),
			 1418145370000000LL + 2147483648LL);
	tv.tv_usec = INT32_MIN;		/* µs precision */
	assert_int_equal(capture_time_us(&tv, CAPTURE_TS_MICRO), 1418145370000000LL + 2147483648LL);
	tv.tv_usec = INT32_MIN;		/* a ns file: 2147483648 ns */
	assert_int_equal(capture_time_us(&tv, CAPTURE_TS_NANO), 1418145370000000LL + 2147483LL);
	/* The largest field, 2^32 - 1 µs. */
	tv.tv_usec = -1000;
	assert_int_equal(capture_time_us(&tv, CAPTURE_TS_MICRO_AS_NANO),
			 1418145370000000LL + 4294967295LL);
}

static void explain(const char *msg, int pcapng, uint64_t packet, const char *want)
{
	char out[512];
	capture_explain(msg, pcapng, packet, out, sizeof(out));
	assert_string_equal(out, want);
}

static void libpcap_messages_explained(void **state)
{
	(void)state;
	explain("truncated dump file; tried to read 16 header bytes, only got 2", 0, 2,
		"truncated dump file; tried to read 16 header bytes, only got 2 "
		"(the file ends inside the record header of packet 2)");
	explain("truncated dump file; tried to read 1514 captured bytes, only got 1507", 0, 68,
		"truncated dump file; tried to read 1514 captured bytes, only got 1507 "
		"(the file ends inside packet 68)");
	explain("invalid packet capture length 524501, bigger than snaplen of 262144", 0, 1,
		"invalid packet capture length 524501, bigger than snaplen of 262144 "
		"(the record header of packet 1 is corrupt)");
	explain("invalid packet capture length 300000, bigger than maximum of 262144", 0, 7,
		"invalid packet capture length 300000, bigger than maximum of 262144 "
		"(the record header of packet 7 is corrupt)");
	explain("truncated pcapng dump file; tried to read 112 bytes, only got 40", 1, 30,
		"truncated pcapng dump file; tried to read 112 bytes, only got 40 "
		"(the file ends inside the block after packet 29)");
	explain("truncated pcapng dump file; tried to read 112 bytes, only got 40", 1, 1,
		"truncated pcapng dump file; tried to read 112 bytes, only got 40 "
		"(the file ends inside a block before the first packet)");
	explain("an interface has a snapshot length 8192 different from the snapshot length of the first interface",
		1, 1,
		"an interface has a snapshot length 8192 different from the snapshot length of the first "
		"interface (libpcap reads a pcapng file only if all its interfaces share one link type and "
		"snapshot length)");
	explain("an interface has a type 113 different from the type of the first interface", 1, 5,
		"an interface has a type 113 different from the type of the first interface (libpcap reads "
		"a pcapng file only if all its interfaces share one link type and snapshot length)");
	/* Anything else keeps libpcap's words and says where. */
	explain("block total length in header and trailer don't match", 1, 4,
		"block total length in header and trailer don't match (in the block after packet 3)");
	explain("error reading dump file: Input/output error", 0, 9,
		"error reading dump file: Input/output error (reading packet 9)");
	/* A near miss is not taken for the real thing. */
	explain("truncated dump file; tried to read 16 header bytes, only got 2 and more", 0, 2,
		"truncated dump file; tried to read 16 header bytes, only got 2 and more (reading packet 2)");
	explain("truncated dump file; tried to read 1514 captured bytes, only got 1507", 1, 68,
		"truncated dump file; tried to read 1514 captured bytes, only got 1507 (in the block after packet 67)");
}

/* ---- files ---- */

static char path[64];

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

/* A little-endian µs pcap of Ethernet frames, record i of length len[i]
 * captured caplen[i] (its bytes: an IPv4 frame to UDP port 1000 + i,
 * padded with zeros), cut to keep bytes if keep > 0. */
static void write_pcap(uint32_t snaplen, int n, const uint32_t *caplen, const uint32_t *len, long keep)
{
	uint8_t hdr[24] = { 0xd4, 0xc3, 0xb2, 0xa1, 2, 0, 4, 0 };
	FILE *f;

	strcpy(path, "/tmp/test_capture.XXXXXX");
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	f = fdopen(fd, "wb");
	assert_non_null(f);
	put32(hdr + 16, snaplen);
	put32(hdr + 20, 1);
	fwrite(hdr, 1, sizeof(hdr), f);
	for (int i = 0; i < n; i++) {
		uint8_t rec[16], frame[2048];
		put32(rec, 1700000000u + (uint32_t)i);
		put32(rec + 4, 0);
		put32(rec + 8, caplen[i]);
		put32(rec + 12, len[i]);
		fwrite(rec, 1, sizeof(rec), f);
		memset(frame, 0, sizeof(frame));
		frame[12] = 0x08;
		frame[14] = 0x45;
		frame[17] = 28;			/* total length */
		frame[22] = 64;
		frame[23] = 17;			/* UDP */
		frame[26] = 192; frame[29] = 1;
		frame[30] = 192; frame[33] = 2;
		frame[36] = (uint8_t)((1000 + i) >> 8);
		frame[37] = (uint8_t)(1000 + i);
		fwrite(frame, 1, caplen[i] < sizeof(frame) ? caplen[i] : sizeof(frame), f);
	}
	fclose(f);
	if (keep > 0)
		assert_int_equal(truncate(path, keep), 0);
}

struct seen {
	int n;
	size_t caplen[8];
	int port[8];
};

static void on_frame(void *ctx, int64_t ts_us, const uint8_t *data, size_t caplen, size_t wirelen)
{
	struct seen *s = ctx;
	(void)ts_us;
	(void)wirelen;
	if (s->n < 8) {
		s->caplen[s->n] = caplen;
		s->port[s->n] = caplen >= 38 ? data[36] << 8 | data[37] : -1;
	}
	s->n++;
}

/* Open path (filter may be NULL) and run it; returns capture_run's
 * result, or 2 if the open failed (err then holds its message). */
static int read_file(const char *filter, struct seen *s, char *err, size_t errlen)
{
	struct capture c;
	int rc;

	memset(s, 0, sizeof(*s));
	err[0] = '\0';
	if (capture_open_file(&c, path, err, errlen) != 0)
		return 2;
	if (filter)
		assert_int_equal(capture_set_filter(&c, filter, err, errlen), 0);
	rc = capture_run(&c, on_frame, s, err, errlen);
	capture_close(&c);
	return rc;
}

static const uint32_t sixty[4] = { 60, 60, 60, 60 };

static void clean_file_reads_whole(void **state)
{
	(void)state;
	struct seen s;
	char err[512];
	write_pcap(65535, 4, sixty, sixty, 0);
	assert_int_equal(read_file(NULL, &s, err, sizeof(err)), 0);
	assert_int_equal(s.n, 4);
	assert_int_equal(s.port[0], 1000);
	assert_int_equal(s.port[3], 1003);
	unlink(path);
}

static void caplen_over_snaplen_stops_there(void **state)
{
	(void)state;
	struct seen s;
	char err[512], want[512];
	const uint32_t cap[4] = { 60, 60, 100, 60 }, len[4] = { 60, 60, 100, 60 };
	write_pcap(80, 4, cap, len, 0);
	assert_int_equal(read_file(NULL, &s, err, sizeof(err)), -1);
	assert_int_equal(s.n, 2);
	snprintf(want, sizeof(want), "capture file \"%s\" is damaged after 2 packets: the record header "
		 "of packet 3 is corrupt: captured length 100 is more than the file's snapshot length of 80", path);
	assert_string_equal(err, want);
	unlink(path);
}

static void snaplen_sized_records_are_fine(void **state)
{
	(void)state;
	struct seen s;
	char err[512];
	/* Cut to the snapshot length, as a real snaplen cuts: not damage. */
	const uint32_t cap[3] = { 60, 80, 80 }, len[3] = { 60, 1514, 900 };
	write_pcap(80, 3, cap, len, 0);
	assert_int_equal(read_file(NULL, &s, err, sizeof(err)), 0);
	assert_int_equal(s.n, 3);
	assert_int_equal(s.caplen[1], 80);
	unlink(path);
}

static void first_record_over_snaplen_cannot_be_read(void **state)
{
	(void)state;
	struct seen s;
	char err[512], want[512];
	const uint32_t cap[1] = { 8 }, len[1] = { 78 };	/* trunc-hdr.pcap's shape */
	write_pcap(1, 1, cap, len, 0);
	assert_int_equal(read_file(NULL, &s, err, sizeof(err)), 2);
	assert_int_equal(s.n, 0);
	snprintf(want, sizeof(want), "cannot read capture file \"%s\": the record header of packet 1 is "
		 "corrupt: captured length 8 is more than the file's snapshot length of 1", path);
	assert_string_equal(err, want);
	unlink(path);
}

static void caplen_over_len_stops_there(void **state)
{
	(void)state;
	struct seen s;
	char err[512], want[512];
	const uint32_t len[4] = { 60, 60, 60, 40 };
	write_pcap(65535, 4, sixty, len, 0);
	assert_int_equal(read_file(NULL, &s, err, sizeof(err)), -1);
	assert_int_equal(s.n, 3);
	snprintf(want, sizeof(want), "capture file \"%s\" is damaged after 3 packets: the record header "
		 "of packet 4 is corrupt: captured length 60 is more than the packet's length of 40", path);
	assert_string_equal(err, want);
	unlink(path);
}

static void cut_in_record_header(void **state)
{
	(void)state;
	struct seen s;
	char err[512], want[512];
	write_pcap(65535, 4, sixty, sixty, 24 + 76 * 2 + 5);
	assert_int_equal(read_file(NULL, &s, err, sizeof(err)), -1);
	assert_int_equal(s.n, 2);
	snprintf(want, sizeof(want), "capture file \"%s\" is damaged after 2 packets: truncated dump file; "
		 "tried to read 16 header bytes, only got 5 (the file ends inside the record header of packet 3)",
		 path);
	assert_string_equal(err, want);
	unlink(path);
}

static void cut_in_first_packet_cannot_be_read(void **state)
{
	(void)state;
	struct seen s;
	char err[512], want[512];
	write_pcap(65535, 4, sixty, sixty, 24 + 16 + 30);
	assert_int_equal(read_file(NULL, &s, err, sizeof(err)), 2);
	snprintf(want, sizeof(want), "cannot read capture file \"%s\": truncated dump file; tried to read 60 "
		 "captured bytes, only got 30 (the file ends inside packet 1)", path);
	assert_string_equal(err, want);
	unlink(path);
}

static void empty_file_says_so(void **state)
{
	(void)state;
	struct seen s;
	char err[512], want[512];
	write_pcap(65535, 0, NULL, NULL, 0);
	assert_int_equal(truncate(path, 0), 0);
	assert_int_equal(read_file(NULL, &s, err, sizeof(err)), 2);
	snprintf(want, sizeof(want), "cannot read capture file \"%s\": truncated dump file; tried to read 4 "
		 "file header bytes, only got 0 (the file is empty)", path);
	assert_string_equal(err, want);
	unlink(path);
}

static void filter_counts_every_record(void **state)
{
	(void)state;
	struct seen s;
	char err[512], want[512];
	/* The filter drops packets 1 and 3; the damage is still after 3. */
	write_pcap(65535, 4, sixty, sixty, 24 + 76 * 3 + 40);
	assert_int_equal(read_file("udp port 1001", &s, err, sizeof(err)), -1);
	assert_int_equal(s.n, 1);
	assert_int_equal(s.port[0], 1001);
	snprintf(want, sizeof(want), "capture file \"%s\" is damaged after 3 packets: truncated dump file; "
		 "tried to read 60 captured bytes, only got 24 (the file ends inside packet 4)", path);
	assert_string_equal(err, want);
	unlink(path);
}

static void first_packet_goes_through_the_filter(void **state)
{
	(void)state;
	struct seen s;
	char err[512];
	/* The first record is read at open, before the filter is set: it
	 * must still be filtered like the rest. */
	write_pcap(65535, 4, sixty, sixty, 0);
	assert_int_equal(read_file("udp port 1000 or udp port 1003", &s, err, sizeof(err)), 0);
	assert_int_equal(s.n, 2);
	assert_int_equal(s.port[0], 1000);
	assert_int_equal(s.port[1], 1003);
	assert_int_equal(read_file("udp port 1002", &s, err, sizeof(err)), 0);
	assert_int_equal(s.n, 1);
	assert_int_equal(s.port[0], 1002);
	unlink(path);
}

/* ---- our classic pcap reader against libpcap's own ---- */

static void put32x(uint8_t *p, uint32_t v, int big)
{
	for (int i = 0; i < 4; i++)
		p[big ? 3 - i : i] = (uint8_t)(v >> (8 * i));
}

static void put16x(uint8_t *p, uint16_t v, int big)
{
	p[big ? 1 : 0] = (uint8_t)v;
	p[big ? 0 : 1] = (uint8_t)(v >> 8);
}

/* A pcap of the given flavour: magic (host value), byte order, version,
 * link type; records with odd fractions, caplen < len, and for NFLOG
 * TLVs written in the file's byte order, as the capturing host did. */
static void write_variant(uint32_t magic, int big, int major, int minor, int dlt, int nrec)
{
	uint8_t hdr[24] = { 0 };
	int kuz = magic == 0xa1b2cd34u;
	FILE *f;

	strcpy(path, "/tmp/test_capture.XXXXXX");
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	f = fdopen(fd, "wb");
	assert_non_null(f);
	put32x(hdr, magic, big);
	put16x(hdr + 4, (uint16_t)major, big);
	put16x(hdr + 6, (uint16_t)minor, big);
	put32x(hdr + 16, 1500, big);
	put32x(hdr + 20, (uint32_t)dlt, big);
	fwrite(hdr, 1, sizeof(hdr), f);
	for (int i = 0; i < nrec; i++) {
		uint8_t rec[24] = { 0 }, frame[200];
		uint32_t caplen = 40 + (uint32_t)i * 7, len = caplen + (uint32_t)i * 100;
		/* Before 2.3 the two fields were written the other way round. */
		int old = major == 2 && minor < 3;
		put32x(rec, 1700000000u + (uint32_t)i * 3, big);
		put32x(rec + 4, (uint32_t)i * 123457u + 999u, big);
		put32x(rec + 8, old ? len : caplen, big);
		put32x(rec + 12, old ? caplen : len, big);
		fwrite(rec, 1, kuz ? 24 : 16, f);
		for (uint32_t b = 0; b < caplen; b++)
			frame[b] = (uint8_t)(b * 31 + (uint32_t)i);
		if (dlt == 239) {		/* NFLOG: header, then TLVs */
			frame[0] = 2; frame[1] = 0; frame[2] = 0; frame[3] = 1;
			put16x(frame + 4, 8, big);	/* a TLV of 8 */
			put16x(frame + 6, 1, big);
			put16x(frame + 12, (uint16_t)(caplen - 12), big);
			put16x(frame + 14, 9, big);	/* the payload's */
		}
		fwrite(frame, 1, caplen, f);
	}
	fclose(f);
}

struct got {
	int n;
	int64_t ts[16];
	size_t caplen[16], len[16];
	uint8_t data[16][200];
};

static void collect(void *ctx, int64_t ts_us, const uint8_t *data, size_t caplen, size_t wirelen)
{
	struct got *g = ctx;
	if (g->n < 16) {
		g->ts[g->n] = ts_us;
		g->caplen[g->n] = caplen;
		g->len[g->n] = wirelen;
		memcpy(g->data[g->n], data, caplen < 200 ? caplen : 200);
	}
	g->n++;
}

/* Every flavour, read by capture.c (pcapfile.c underneath) and by
 * libpcap's pcap_next_ex: the same records, times, lengths and bytes. */
static void own_reader_equals_libpcap(void **state)
{
	(void)state;
	static const struct { uint32_t magic; int big, major, minor, dlt; } v[] = {
		{ 0xa1b2c3d4u, 0, 2, 4, 1 }, { 0xa1b2c3d4u, 1, 2, 4, 1 },
		{ 0xa1b23c4du, 0, 2, 4, 1 }, { 0xa1b23c4du, 1, 2, 4, 101 },
		{ 0xa1b2c3d4u, 1, 2, 1, 1 }, { 0xa1b2c3d4u, 0, 2, 3, 1 },
		{ 0xa1b2cd34u, 0, 2, 4, 1 }, { 0xa1b2cd34u, 1, 2, 4, 101 },
		{ 0xa1b2c3d4u, 1, 2, 4, 239 }, { 0xa1b2c3d4u, 0, 2, 4, 239 },
	};
	static struct got ours, theirs;
	char err[512], ebuf[PCAP_ERRBUF_SIZE];

	for (size_t k = 0; k < sizeof(v) / sizeof(v[0]); k++) {
		write_variant(v[k].magic, v[k].big, v[k].major, v[k].minor, v[k].dlt, 6);
		struct capture c;
		memset(&ours, 0, sizeof(ours));
		assert_int_equal(capture_open_file(&c, path, err, sizeof(err)), 0);
		assert_int_equal(c.own, 1);
		assert_int_equal(capture_run(&c, collect, &ours, err, sizeof(err)), 0);
		capture_close(&c);

		memset(&theirs, 0, sizeof(theirs));
		pcap_t *p = pcap_open_offline_with_tstamp_precision(path, PCAP_TSTAMP_PRECISION_NANO, ebuf);
		assert_non_null(p);
		struct pcap_pkthdr *h;
		const u_char *d;
		int ts = v[k].magic == 0xa1b23c4du ? CAPTURE_TS_NANO : CAPTURE_TS_MICRO_AS_NANO;
		while (pcap_next_ex(p, &h, &d) == 1)
			collect(&theirs, capture_time_us(&h->ts, ts), d, h->caplen, h->len);
		pcap_close(p);

		assert_int_equal(ours.n, 6);
		assert_int_equal(theirs.n, 6);
		for (int i = 0; i < 6; i++) {
			assert_int_equal(ours.ts[i], theirs.ts[i]);
			assert_int_equal(ours.caplen[i], theirs.caplen[i]);
			assert_int_equal(ours.len[i], theirs.len[i]);
			assert_memory_equal(ours.data[i], theirs.data[i], ours.caplen[i]);
		}
		unlink(path);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(micro_and_nano),
		cmocka_unit_test(after_2038),
		cmocka_unit_test(fraction_over_a_second_carries),
		cmocka_unit_test(fraction_of_2_to_31_is_not_negative),
		cmocka_unit_test(libpcap_messages_explained),
		cmocka_unit_test(clean_file_reads_whole),
		cmocka_unit_test(caplen_over_snaplen_stops_there),
		cmocka_unit_test(snaplen_sized_records_are_fine),
		cmocka_unit_test(first_record_over_snaplen_cannot_be_read),
		cmocka_unit_test(caplen_over_len_stops_there),
		cmocka_unit_test(cut_in_record_header),
		cmocka_unit_test(cut_in_first_packet_cannot_be_read),
		cmocka_unit_test(empty_file_says_so),
		cmocka_unit_test(filter_counts_every_record),
		cmocka_unit_test(first_packet_goes_through_the_filter),
		cmocka_unit_test(own_reader_equals_libpcap),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
