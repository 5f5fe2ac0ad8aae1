/*
 * sink.h - where decoded flows go: the readable table, nfdump CSV, ...
 *
 * A sink sees each flow with the context a row needs (who exported it and
 * when), and is told when input ends so it can print totals.
 */
#ifndef FP_SINK_H
#define FP_SINK_H

#include <stdint.h>
#include <stdio.h>

#define INET6_ADDRSTRLEN_ 46
#include "exporters.h"
#include "../export/flowrec.h"

struct flow_context {
	const struct exporter_info *exporter;	/* NULL past the exporter ceiling */
	const uint8_t *addr;			/* exporter address (4 or 16 bytes) */
	uint8_t af;
	uint8_t engine_type;
	uint8_t engine_id;
	uint16_t version;			/* 1, 5, 9 or 10; 0 unknown (an old flow file) */
	uint32_t domain;			/* v9 source id, IPFIX observation domain;
						 * v1/v5: engine_type << 8 | engine_id */
	int64_t export_us;			/* export time from the header */
	uint32_t sampling;			/* 1 in N announced: counters scaled by it */
	/* The record's identity, for a store that removes a batch sent
	 * twice: exporter address, domain (above), the datagram's header
	 * sequence number (0 for v1) and the record's byte offset in its
	 * datagram.  collector_emit sets position from offsets[i]. */
	uint32_t sequence;
	uint32_t position;
	const uint32_t *offsets;		/* for collector_emit: one a record */
};

/* Running totals over every flow decoded, for summaries. */
struct flow_totals {
	uint64_t flows;
	uint64_t packets;
	uint64_t octets;
	int64_t first_us;	/* earliest flow start, INT64_MAX when none */
	int64_t last_us;	/* latest flow end */
};

/* One output: its format, its stream, and what the format keeps between
 * flows (a flow file's last record, a database handle). */
struct sink {
	const struct sink_ops *ops;
	FILE *out;		/* NULL for a sink that opens its own file */
	const char *path;	/* the file being written; NULL: standard output */
	int rotates;		/* its file is one part of a rotation: its totals
				 * are the part's */
	void *state;
	int failed;		/* rows were lost (a server's, a database's):
				 * exit status 1 */
	/* For a sink that stores more than rows (a database): the
	 * collector's per-exporter counters, as they stand. */
	const struct exporter_table *exporters;
	/* Where begin may say why it cannot start (a database that is
	 * another program's), for flowcollect's one line; "" if it did not. */
	char *error;
	size_t error_len;
};

/* What a format needs from its output. */
enum {
	SINK_BINARY = 1,	/* not for a terminal */
	SINK_OWN_FILE = 2,	/* opens s->path itself (a database): needs a PATH */
	SINK_ADDRESS = 4,	/* s->path is where to send rows (a server's URL):
				 * needed, never opened as a file nor rotated */
};

struct sink_ops {
	const char *name;
	unsigned flags;
	int (*begin)(struct sink *s);	/* may set s->state; -1: cannot start */
	void (*flow)(struct sink *s, const struct flow_context *ctx, const struct flow_record *r);
	/* Optional: make every row so far visible to readers (the input
	 * paused); without it, s->out is flushed. */
	void (*flush)(struct sink *s);
	void (*end)(struct sink *s, const struct flow_totals *t);	/* frees s->state */
	/* Optional, for a sink whose counters outlive end (a server's):
	 * a line of them with the statistics, during the run and after end,
	 * and release, which then frees s->state (collector_free). */
	void (*report)(const struct sink *s, FILE *out);
	void (*release)(struct sink *s);
};

extern const struct sink_ops sink_table;
extern const struct sink_ops sink_csv;
extern const struct sink_ops sink_flows;
extern const struct sink_ops sink_json;
extern const struct sink_ops sink_clickhouse;
extern const struct sink_ops sink_sqlite;

const struct sink_ops *sink_find(const char *name);
/* A rate as an integer, truncated as nfdump's cast does; past 2^64
 * (counters from a hostile exporter) held at the largest, where a cast
 * would be undefined; 0 for none. */
uint64_t fmt_rate(double r);
/* nfdump's closing summary: bps and pps over the span from the earliest
 * start to the latest end in whole milliseconds, bytes a packet, all
 * truncated; and printed as its CSV block ("Summary", its header, its
 * values), which the CSV output and the -s summaries in CSV end with. */
struct summary_rates {
	uint64_t bps, pps, bpp;
};
struct summary_rates summary_rates(const struct flow_totals *t);
void fmt_csv_summary(FILE *out, const struct flow_totals *t);
/* Every format's name, comma-separated, for messages. */
void sink_names(char *buf, size_t len);

/* Shared by the sinks: each field as printf wrote it, formatted by hand
 * into a buffer of the size named, returning its length (no NUL). */
#define FMT_TIME_LEN 32
#define FMT_SECS_LEN 32
#define FMT_MILLI_LEN 16
#define FMT_PROTO_LEN 8
#define FMT_MAC_LEN 17
size_t fmt_time(char buf[FMT_TIME_LEN], int64_t us);	/* "YYYY-MM-DD hh:mm:ss", UTC */
size_t fmt_secs3(char buf[FMT_SECS_LEN], int64_t ms);	/* "%.3f" of ms / 1000.0 */
size_t fmt_milli(char buf[FMT_MILLI_LEN], int64_t ms);	/* "%03d" of ms % 1000 */
void fmt_tcp_flags(char buf[8], uint8_t flags);		/* nfdump's 8 characters */
size_t fmt_proto(char buf[FMT_PROTO_LEN], uint8_t proto);
size_t fmt_addr(char buf[INET6_ADDRSTRLEN_], uint8_t af, const uint8_t *addr);
void fmt_mac(char buf[FMT_MAC_LEN], const uint8_t mac[6]);	/* aa:bb:cc:dd:ee:ff */

#endif
