/*
 * clickhouse.h - the ClickHouse output (-o clickhouse:URL): its options,
 * its table's schema, and the row it sends for each flow.
 *
 * Rows go to ClickHouse's HTTP interface as RowBinary (fixed little-endian
 * fields in the table's column order), a batch per POST over one kept-alive
 * connection: ch_schema.c's CREATE TABLE and ch_row_encode below are the
 * two halves of one contract and change together.
 */
#ifndef FP_CLICKHOUSE_H
#define FP_CLICKHOUSE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include "sink.h"

struct ch_options {
	char database[64];	/* --ch-table DB.TABLE, default flows.flows */
	char table[64];
	unsigned batch;		/* --ch-batch: rows a POST, default 50000 */
	unsigned delay_ms;	/* --ch-delay: a row waits at most this long */
	unsigned retries;	/* --ch-retries: tries at exit after a failed POST */
	unsigned parallel;	/* --ch-parallel: sender threads, 0: POST inline */
	uint64_t memory;	/* --ch-memory: bytes of batches kept waiting */
	const char *spool;	/* --ch-spool: then into this file; NULL: dropped */
};

#define CH_PARALLEL_MAX 4

/* Shared by every -o clickhouse output; set by the options. */
extern struct ch_options ch_options;

extern const struct sink_ops sink_clickhouse;

/* The options, each checked: -1 with a message in err. */
int ch_set_table(const char *arg, char *err, size_t errlen);
/* "--ch-memory SIZE": bytes, or with k, M, G (powers of 1024); 0 allowed. */
int ch_set_memory(const char *arg, char *err, size_t errlen);
/* A URL the sink can POST to: http:// or https://, no fragment. */
int ch_check_url(const char *url, char *err, size_t errlen);

/* CREATE DATABASE and CREATE TABLE for ch_options' names. */
void ch_print_schema(FILE *out);

/* CREATE TABLE of a Distributed table TABLE_all over that table on every
 * shard of the cluster (a <remote_servers> name). */
void ch_print_distributed(FILE *out, const char *cluster);

/* Whether the n bytes at s are a name we put in SQL unquoted: letters,
 * digits and _, not starting with a digit, up to 63. */
int ch_identifier(const char *s, size_t n);

/* The largest row ch_row_encode writes. */
#define CH_ROW_MAX 320

/* One flow as a RowBinary row in the schema's column order; its length. */
size_t ch_row_encode(uint8_t *buf, const struct flow_context *ctx, const struct flow_record *r);

/* The length of the row at p, of at most avail bytes; 0 when no whole
 * row is there (a batch read back from the spool is walked by it). */
size_t ch_row_len(const uint8_t *p, size_t avail);

/* A row's identity, for saying which rows the server refused. */
struct ch_identity {
	uint8_t exporter[16];
	uint32_t domain, sequence, position;
};
void ch_row_identity(const uint8_t *row, size_t len, struct ch_identity *id);

/* Whether a ClickHouse error code says the rows are refused (a value
 * it cannot parse or a check they fail), not that the server cannot
 * take rows now (too many parts, no memory, no table, a wrong user). */
int ch_code_is_data(long code);

#endif
