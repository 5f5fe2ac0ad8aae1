/*
 * test_reader.c - the capture read and decoded on its own thread
 * (probe/reader.h): every frame arrives decoded, once and in order,
 * across many blocks; a file damaged part-way hands over everything before
 * the damage and then the same error capture_run gives.
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
#include "../../probe/reader.h"

#define N 20000			/* many blocks of the ring, several times over */
#define REC 16			/* record header */
#define FRAME 42		/* Ethernet + IPv4 + UDP */

static char path[] = "/tmp/test_reader.XXXXXX";

static void put32(uint8_t *p, uint32_t v)
{
	memcpy(p, &v, 4);		/* the file is in this host's order */
}

/* N UDP packets, i from port 1000 + i at 1.000 + i ms; every tenth is an
 * ARP frame instead (not IP).  keep > 0 cuts the file there. */
static void write_capture(long keep)
{
	strcpy(path, "/tmp/test_reader.XXXXXX");
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	FILE *f = fdopen(fd, "wb");
	uint8_t hdr[24], rec[REC], frame[FRAME];
	put32(hdr, 0xa1b2c3d4u);
	memcpy(hdr + 4, (uint16_t[]){ 2, 4 }, 4);	/* version 2.4 */
	put32(hdr + 8, 0);
	put32(hdr + 12, 0);
	put32(hdr + 16, 65535);
	put32(hdr + 20, 1);				/* Ethernet */
	fwrite(hdr, 1, sizeof(hdr), f);
	for (int i = 0; i < N; i++) {
		put32(rec, 1700000001u + (uint32_t)(i / 1000));
		put32(rec + 4, (uint32_t)(i % 1000) * 1000);
		put32(rec + 8, FRAME);
		put32(rec + 12, FRAME);
		fwrite(rec, 1, sizeof(rec), f);
		memset(frame, 0, sizeof(frame));
		if (i % 10 == 9) {
			frame[12] = 0x08; frame[13] = 0x06;	/* ARP */
		} else {
			frame[12] = 0x08;
			frame[14] = 0x45;
			frame[17] = 28;				/* total length */
			frame[22] = 64;
			frame[23] = 17;				/* UDP */
			frame[26] = 192; frame[29] = 1;
			frame[30] = 192; frame[33] = 2;
			frame[34] = (uint8_t)((1000 + i) >> 8);
			frame[35] = (uint8_t)(1000 + i);
			frame[37] = 53;
			frame[39] = 8;				/* UDP length */
		}
		fwrite(frame, 1, sizeof(frame), f);
	}
	fclose(f);
	if (keep > 0)
		assert_int_equal(truncate(path, keep), 0);
}

struct got {
	int n, bad;
};

static void check_one(void *ctx, enum packet_kind kind, const struct packet *pkt)
{
	struct got *g = ctx;
	int i = g->n++;
	int64_t want_ts = (1700000001LL + i / 1000) * 1000000 + (i % 1000) * 1000;
	if (pkt->ts_us != want_ts || pkt->payload != NULL)
		g->bad++;
	else if (i % 10 == 9 && kind != PKT_NON_IP)
		g->bad++;
	else if (i % 10 != 9 && (kind != PKT_IP || pkt->key.sport != 1000 + i || pkt->key.dport != 53 ||
				 pkt->octets != 28))
		g->bad++;
}

static int run(struct got *g, char *err, size_t errlen)
{
	struct capture c;
	memset(g, 0, sizeof(*g));
	err[0] = '\0';
	if (capture_open_file(&c, path, err, errlen) != 0)
		return 2;
	int rc = reader_run(&c, 0, check_one, g, err, errlen);
	capture_close(&c);
	return rc;
}

static void every_frame_in_order(void **state)
{
	(void)state;
	struct got g;
	char err[512];
	write_capture(0);
	assert_int_equal(run(&g, err, sizeof(err)), 0);
	assert_int_equal(g.n, N);
	assert_int_equal(g.bad, 0);
	unlink(path);
}

/* Cut inside packet 12346: 12345 whole ones arrive, then the error. */
static void damaged_file_hands_over_what_came_before(void **state)
{
	(void)state;
	struct got g;
	char err[512];
	write_capture(24 + 12345L * (REC + FRAME) + REC + 10);
	assert_int_equal(run(&g, err, sizeof(err)), -1);
	assert_int_equal(g.n, 12345);
	assert_int_equal(g.bad, 0);
	assert_non_null(strstr(err, "is damaged after 12345 packets"));
	assert_non_null(strstr(err, "the file ends inside packet 12346"));
	unlink(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(every_frame_in_order),
		cmocka_unit_test(damaged_file_hands_over_what_came_before),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
