/*
 * reader.h - the capture read and decoded on a thread of its own.
 *
 * Reading a file, a third of the meter's time went to reading records and
 * decoding their headers: work that needs nothing from the flow table.  A
 * reader thread does it ahead, filling blocks of decoded packets, and the
 * meter takes them in order: the same packets in the same order give the
 * same output, on two cores instead of one.
 */
#ifndef FP_READER_H
#define FP_READER_H

#include <stddef.h>
#include <stdint.h>
#include "capture.h"
#include "packet.h"

/* One decoded frame.  pkt->payload is NULL: the bytes it would point
 * into belong to the reader.  mpls is the frame's label stack when the
 * run asked for labels, else NULL; both are good during the call only. */
typedef void (*reader_fn)(void *ctx, enum packet_kind kind, const struct packet *pkt,
			  const struct mpls_stack *mpls);

/*
 * Read every frame of c, decode it (packet_decode, default interface
 * ifindex; with_mpls: its label stack too, packet_decode_mpls) and hand
 * it to fn, in order, on the calling thread.  Returns what capture_run()
 * returns, with err set the same way; every frame read before a fault
 * has been handed over.  Without a thread (it could not be started) the
 * same work is done here.
 */
int reader_run(struct capture *c, uint32_t ifindex, int with_mpls, reader_fn fn, void *ctx,
	       char *err, size_t errlen);

/* How far the reader had got when it handed a block over. */
struct reader_pos {
	uint64_t records;	/* records read from the capture (capture.h) */
	int64_t bytes;		/* bytes of the file read (capture_offset) */
};

/* Called on the calling thread after each block of packets has gone to
 * fn (every few hundred packets that pass the filter), with the reader's
 * position at the block's end: a progress meter's hook.  It comes with
 * the block, under the ring's lock, so it needs no atomics; the cost per
 * packet is nil. */
struct reader_watch {
	void (*fn)(void *ctx, const struct reader_pos *pos);
	void *ctx;
};

/* reader_run(), calling watch (NULL: none) between blocks. */
int reader_run_watched(struct capture *c, uint32_t ifindex, int with_mpls, reader_fn fn, void *ctx,
		       const struct reader_watch *watch, char *err, size_t errlen);

#endif
