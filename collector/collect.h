/*
 * collect.h - one export datagram in, flow records out.
 *
 * Reads the version, hands the datagram to that version's decoder in
 * export/, accounts it to its exporter (datagrams, records, sequence gaps,
 * failures by kind) and passes every record to the sinks.
 */
#ifndef FP_COLLECT_H
#define FP_COLLECT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include "exporters.h"
#include "held.h"
#include "sink.h"
#include "templates.h"

#define COLLECT_MAX_SINKS 8

/* Where a datagram came from, and when it arrived. */
struct datagram_src {
	uint8_t af;		/* 4 or 6 */
	uint8_t addr[16];
	uint16_t port;
	uint8_t stream;		/* it came over TCP */
	int64_t arrived_us;	/* receive time (capture time, from a file) */
};

struct collector {
	struct exporter_table exporters;
	struct tmpl_cache templates;
	struct held held;
	struct sink sink[COLLECT_MAX_SINKS];
	size_t nsinks;
	uint64_t datagrams;
	uint64_t bad_datagrams;
	uint64_t errors[FP_STATUS_COUNT];
	struct flow_totals totals;
	struct flow_totals part;	/* since the files last rotated */
	/* Told the input's clock (a datagram's arrival, a flow file's export
	 * time, the wall clock while a live input is quiet): outputs.c
	 * rotates the output files there.  NULL: nobody listens. */
	void (*tick)(struct collector *c, int64_t now_us);
	void *tick_arg;
	/* Listening on UDP: datagrams the kernel dropped before we read
	 * them (the socket's receive queue was full), as the socket counts
	 * them; set by the source before each report. */
	int kernel_drops_known;
	uint64_t kernel_drops;
	int generic_decode;	/* decode field by field, no template plans
				 * (the fuzz target compares both ways) */
	char sink_error[512];	/* why the last sink to start could not, when
				 * it said (struct sink's error); else "" */
};

void collector_init(struct collector *c);
void collector_free(struct collector *c);
/* Start an output, writing to out (NULL for a sink that opens path
 * itself); path NULL means standard output.  -1 when there is no room
 * for it or it cannot start (sink_error then says why, if the sink did). */
int collector_add_sink(struct collector *c, const struct sink_ops *ops, FILE *out,
		       const char *path);

/* Decode one datagram. */
enum fp_status collector_datagram(struct collector *c, const struct datagram_src *src,
				  const uint8_t *buf, size_t len);

/* For the decoders: scale the records by the sampling rate the exporter
 * announced (ctx->sampling), then pass them to every sink, counting them.
 * Rows stay in the outputs' buffers until collector_flush or
 * collector_end: a write per datagram cost more than decoding it. */
void collector_emit(struct collector *c, const struct flow_context *ctx,
		    struct flow_record *recs, size_t n);

/* The input's clock has moved on (see tick). */
static inline void collector_clock(struct collector *c, int64_t now_us)
{
	if (c->tick)
		c->tick(c, now_us);
}

/* A live input has nothing to read: write out what the sinks hold, and
 * let the outputs rotate on the wall clock (now_us). */
void collector_idle(struct collector *c, int64_t now_us);

/* Start the totals of a new part (a rotation). */
void collector_part_reset(struct collector *c);

/* Write out what the sinks hold: when the input pauses (a live reader
 * then sees every row so far), and before anything else is printed. */
void collector_flush(struct collector *c);

/* v9 and IPFIX (v9ipfix.c): one message; and, at the end of input,
 * account every set still waiting for its template. */
enum fp_status v9ipfix_decode(struct collector *c, const struct datagram_src *src,
			      uint16_t version, const uint8_t *buf, size_t len);
void v9ipfix_end(struct collector *c);

/* The loss report, as at exit: per exporter what came and what was lost
 * by sequence number; then the datagrams that could not be decoded and
 * those the kernel dropped, for the whole collector. */
void collector_report(const struct collector *c, FILE *out);

/* Let every sink print its totals. */
void collector_end(struct collector *c);

#endif
