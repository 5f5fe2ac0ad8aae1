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

#endif
