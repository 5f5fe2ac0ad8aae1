/*
 * flowfile.h - flowcollect's own flow file: decoded flows stored as they
 * are, to be read back later (flowcollect -r FILE -o csv), as nfcapd
 * stores flows for nfdump to read.
 *
 * Storing a flow is a copy of a few fields, not text: it is the cheapest
 * output, for collecting at full speed and converting after.  A record
 * keeps only the fields that differ from the record before it (the
 * exporter, the export time, the protocol and most counters' high bytes
 * repeat), so a flow takes about a third of its 175 bytes in memory.
 *
 * Layout, all numbers little-endian, no padding:
 *
 *   file header, 16 bytes:
 *     magic "FPFLOWS1" (8), header length u16 (16), field count u16 (the
 *     fields the writer knew), reserved u32 (0)
 *   records:
 *     length u16 (the whole record, these 2 bytes included),
 *     present u64 (bit i: field i of FLOWFILE_FIELDS follows),
 *     the present fields in order, each its width; an address (kind
 *     addr) takes 4 bytes when its owner's af, earlier in the list, is 4.
 *   A field not present has the value it had in the record before (all
 *   zero before the first).
 *
 * A reader takes the fields it knows and skips to the record's end, so a
 * file written by a later version, with fields added at the end of the
 * list, still reads.  One list makes the writer and the reader, so the
 * two cannot disagree.
 */
#ifndef FP_FLOWFILE_H
#define FP_FLOWFILE_H

#include <stddef.h>
#include <stdint.h>
#include "../export/flowrec.h"

#define FLOWFILE_MAGIC "FPFLOWS1"
#define FLOWFILE_HEADER_LEN 16
#define FLOWFILE_RECORD_HEAD 10	/* length u16, present u64 */

/* The part of a flow's context a file keeps: who exported it and when. */
struct flowfile_ctx {
	uint8_t addr[16];	/* exporter address (IPv4 in the first 4) */
	uint8_t af;
	uint8_t engine_type;
	uint8_t engine_id;
	uint16_t version;	/* export format, 1/5/9/10 */
	uint16_t port;		/* TCP: the exporter's connection port; else 0 */
	uint32_t domain;	/* observation domain / source id / v5 engine */
	int64_t export_us;	/* export time from the header */
};

/*
 * The fields, in file order: X(owner, field, kind), owner ctx (struct
 * flowfile_ctx) or rec (struct flow_record), kind num (a number), bytes,
 * or addr (an address: 4 or 16 bytes by the owner's af).  At most 64.
 * Append new fields at the end only: readers rely on the order.  The
 * writer, the reader and the table below are all made from this list.
 */
#define FLOWFILE_FIELDS(X) \
	X(ctx, af, num) X(ctx, addr, addr) X(ctx, version, num) X(ctx, port, num) \
	X(ctx, domain, num) X(ctx, engine_type, num) X(ctx, engine_id, num) \
	X(ctx, export_us, num) \
	X(rec, af, num) X(rec, proto, num) X(rec, tos, num) X(rec, tcp_flags, num) \
	X(rec, src, addr) X(rec, dst, addr) X(rec, nexthop, addr) \
	X(rec, sport, num) X(rec, dport, num) X(rec, in_if, num) X(rec, out_if, num) \
	X(rec, packets, num) X(rec, octets, num) X(rec, first_us, num) X(rec, last_us, num) \
	X(rec, end_reason, num) X(rec, src_mask, num) X(rec, dst_mask, num) \
	X(rec, src_as, num) X(rec, dst_as, num) X(rec, vlan, num) X(rec, flowlabel, num) \
	X(rec, src_mac, bytes) X(rec, dst_mac, bytes) X(rec, direction, num) \
	X(rec, rev_tos, num) X(rec, rev_tcp_flags, num) X(rec, rev_packets, num) \
	X(rec, rev_octets, num) X(rec, mpls, bytes)

struct flowfile_field {
	const char *name;	/* "exporter_addr", "src", ...: for documentation and tests */
	uint16_t width;		/* bytes in a flow (an address: at most) */
};

extern const struct flowfile_field flowfile_fields[];
extern const size_t flowfile_nfields;

#define FLOWFILE_MAX_RECORD 256	/* more than every field at its widest */

/* What a writer and a reader keep between records: the last one. */
struct flowfile_state {
	struct flowfile_ctx ctx;
	struct flow_record rec;
};

/* A flow into its record at out (room for FLOWFILE_MAX_RECORD bytes), as
 * a change from the last one; returns the record's length. */
size_t flowfile_put(uint8_t *out, struct flowfile_state *st, const struct flowfile_ctx *ctx,
		    const struct flow_record *rec);

/* And back: a record of len bytes (checked whole by the caller) of a
 * file written with nfields fields, applied to st.  Returns 0, or -1 for
 * a record that does not hold its fields. */
int flowfile_get(const uint8_t *in, size_t len, size_t nfields, struct flowfile_state *st);

#endif
