/*
 * test_reader.c - the capture read and decoded on its own thread
 * (probe/reader.h): every frame arrives decoded, once and in order,
 * across many blocks, with its own MPLS label stack when asked for (-x);
 * a file damaged part-way hands over everything before the damage and
 * then the same error capture_run gives; a watch sees each block's end.
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

/* IPv4 (28 bytes in all) and UDP from 192.0.0.1:1000+i to 192.0.0.2:53. */
static void ipv4_udp(uint8_t *p, int i)
{
	p[0] = 0x45;
	p[3] = 28;				/* total length */
	p[8] = 64;
	p[9] = 17;				/* UDP */
	p[12] = 192; p[15] = 1;
	p[16] = 192; p[19] = 2;
	p[20] = (uint8_t)((1000 + i) >> 8);
	p[21] = (uint8_t)(1000 + i);
	p[23] = 53;
	p[25] = 8;				/* UDP length */
}

static void put32(uint8_t *p, uint32_t v)
{
	memcpy(p, &v, 4);		/* the file is in this host's order */
}

/* N UDP packets, i from port 1000 + i at 1.000 + i ms; every tenth is an
 * ARP frame instead (not IP).  keep > 0 cuts the file there.  labelled:
 * every third packet has two MPLS labels before its IP header, i (EXP
 * i % 8) and the bottom one, i + 1. */
static void write_capture_labels(long keep, int labelled)
{
	strcpy(path, "/tmp/test_reader.XXXXXX");
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	FILE *f = fdopen(fd, "wb");
	uint8_t hdr[24], rec[REC], frame[FRAME + 8];
	put32(hdr, 0xa1b2c3d4u);
	memcpy(hdr + 4, (uint16_t[]){ 2, 4 }, 4);	/* version 2.4 */
	put32(hdr + 8, 0);
	put32(hdr + 12, 0);
	put32(hdr + 16, 65535);
	put32(hdr + 20, 1);				/* Ethernet */
	fwrite(hdr, 1, sizeof(hdr), f);
	for (int i = 0; i < N; i++) {
		int mpls = labelled && i % 3 == 0 && i % 10 != 9;
		uint32_t len = FRAME + (mpls ? 8 : 0);
		put32(rec, 1700000001u + (uint32_t)(i / 1000));
		put32(rec + 4, (uint32_t)(i % 1000) * 1000);
		put32(rec + 8, len);
		put32(rec + 12, len);
		fwrite(rec, 1, sizeof(rec), f);
		memset(frame, 0, sizeof(frame));
		if (i % 10 == 9) {
			frame[12] = 0x08; frame[13] = 0x06;	/* ARP */
		} else if (mpls) {
			uint32_t e0 = ((uint32_t)i & 0xfffff) << 12 | (uint32_t)(i % 8) << 9 | 64;
			uint32_t e1 = ((uint32_t)(i + 1) & 0xfffff) << 12 | 0x100 | 64;
			frame[12] = 0x88; frame[13] = 0x47;	/* MPLS */
			for (int k = 0; k < 4; k++) {
				frame[14 + k] = (uint8_t)(e0 >> (24 - 8 * k));
				frame[18 + k] = (uint8_t)(e1 >> (24 - 8 * k));
			}
			ipv4_udp(frame + 22, i);
			fwrite(frame, 1, len, f);
			continue;
		} else {
			frame[12] = 0x08;
			ipv4_udp(frame + 14, i);
		}
		fwrite(frame, 1, len, f);
	}
	fclose(f);
	if (keep > 0)
		assert_int_equal(truncate(path, keep), 0);
}

static void write_capture(long keep)
{
	write_capture_labels(keep, 0);
}

struct got {
	int n, bad;
	int with_mpls;		/* labels asked for */
	int labelled;		/* and the capture has them */
	int stacks;		/* label stacks seen */
};

static void check_one(void *ctx, enum packet_kind kind, const struct packet *pkt,
		      const struct mpls_stack *mpls)
{
	struct got *g = ctx;
	int i = g->n++;
	if ((mpls != NULL) != g->with_mpls) {
		g->bad++;
		return;
	}
	if (mpls && g->labelled && i % 3 == 0 && i % 10 != 9) {
		uint32_t e0 = (uint32_t)mpls->entry[0][0] << 16 | mpls->entry[0][1] << 8 | mpls->entry[0][2];
		uint32_t e1 = (uint32_t)mpls->entry[1][0] << 16 | mpls->entry[1][1] << 8 | mpls->entry[1][2];
		if (mpls->depth != 2 || e0 != ((uint32_t)i << 4 | (uint32_t)(i % 8) << 1) ||
		    e1 != ((uint32_t)(i + 1) << 4 | 1))
			g->bad++;
		g->stacks++;
	} else if (mpls && mpls->depth != 0) {
		g->bad++;
	}
	int64_t want_ts = (1700000001LL + i / 1000) * 1000000 + (i % 1000) * 1000;
	if (pkt->ts_us != want_ts || pkt->payload != NULL)
		g->bad++;
	else if (i % 10 == 9 && kind != PKT_NON_IP)
		g->bad++;
	else if (i % 10 != 9 && (kind != PKT_IP || pkt->key.sport != 1000 + i || pkt->key.dport != 53 ||
				 pkt->octets != 28))
		g->bad++;
}

static int run_with(struct got *g, int with_mpls, int labelled, char *err, size_t errlen)
{
	struct capture c;
	memset(g, 0, sizeof(*g));
	g->with_mpls = with_mpls;
	g->labelled = labelled;
	err[0] = '\0';
	if (capture_open_file(&c, path, err, errlen) != 0)
		return 2;
	int rc = reader_run(&c, 0, with_mpls, check_one, g, err, errlen);
	capture_close(&c);
	return rc;
}

static int run(struct got *g, char *err, size_t errlen)
{
	return run_with(g, 0, 0, err, errlen);
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

/* -x: each frame's label stack comes with it, across every block; a
 * frame without one says depth 0.  Without -x no stack is handed over,
 * and the labelled frames are metered all the same. */
static void label_stacks_travel_with_their_frames(void **state)
{
	(void)state;
	struct got g;
	char err[512];
	write_capture_labels(0, 1);
	assert_int_equal(run_with(&g, 1, 1, err, sizeof(err)), 0);
	assert_int_equal(g.n, N);
	assert_int_equal(g.bad, 0);
	assert_int_equal(g.stacks, 6000);	/* i % 3 == 0, less the ARP frames */
	assert_int_equal(run_with(&g, 0, 1, err, sizeof(err)), 0);
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

/* The watch: after each block, on this thread, the reader's position at
 * the block's end, which is just past the last frame handed over (no
 * filter here: every record is a frame). */
struct watched {
	struct got *g;
	int calls, bad;
	struct reader_pos last;
};

static void on_block(void *ctx, const struct reader_pos *pos)
{
	struct watched *w = ctx;
	w->calls++;
	if (pos->records != (uint64_t)w->g->n || pos->bytes != 24 + (int64_t)w->g->n * (REC + FRAME))
		w->bad++;
	w->last = *pos;
}

static void watch_sees_each_block_where_it_ends(void **state)
{
	(void)state;
	struct got g;
	struct watched w;
	struct capture c;
	char err[512];
	const struct reader_watch watch = { on_block, &w };

	/* whole, then cut inside packet 12346 */
	for (long keep = 0; ; keep = 24 + 12345L * (REC + FRAME) + REC + 10) {
		int whole = keep == 0;
		write_capture(keep);
		memset(&g, 0, sizeof(g));
		memset(&w, 0, sizeof(w));
		w.g = &g;
		assert_int_equal(capture_open_file(&c, path, err, sizeof(err)), 0);
		assert_int_equal(c.size, whole ? 24 + (int64_t)N * (REC + FRAME) : keep);
		assert_int_equal(reader_run_watched(&c, 0, 0, check_one, &g, &watch, err, sizeof(err)),
				 whole ? 0 : -1);
		int n = whole ? N : 12345;
		assert_int_equal(g.n, n);
		assert_int_equal(g.bad, 0);
		assert_int_equal(w.bad, 0);
		assert_int_equal(w.calls, (n + 511) / 512);
		assert_int_equal(w.last.records, n);
		/* the whole file read: its size, as the progress line's 100% */
		assert_int_equal(capture_offset(&c), whole ? c.size : 24 + (int64_t)n * (REC + FRAME));
		capture_close(&c);
		unlink(path);
		if (!whole)
			break;
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(every_frame_in_order),
		cmocka_unit_test(label_stacks_travel_with_their_frames),
		cmocka_unit_test(damaged_file_hands_over_what_came_before),
		cmocka_unit_test(watch_sees_each_block_where_it_ends),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
