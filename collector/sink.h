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
	int64_t export_us;			/* export time from the header */
};

/* Running totals over every flow decoded, for summaries. */
struct flow_totals {
	uint64_t flows;
	uint64_t packets;
	uint64_t octets;
	int64_t first_us;	/* earliest flow start, INT64_MAX when none */
	int64_t last_us;	/* latest flow end */
};

struct sink_ops {
	const char *name;
	void (*begin)(FILE *out);
	void (*flow)(FILE *out, const struct flow_context *ctx, const struct flow_record *r);
	void (*end)(FILE *out, const struct flow_totals *t);
};

extern const struct sink_ops sink_table;
extern const struct sink_ops sink_csv;

const struct sink_ops *sink_find(const char *name);

/* Shared by the sinks: "YYYY-MM-DD hh:mm:ss" in UTC, and nfdump's
 * 8-character TCP flags. */
void fmt_time(char *buf, size_t len, int64_t us);
void fmt_tcp_flags(char *buf, uint8_t flags);
const char *fmt_proto(uint8_t proto, char *buf, size_t len);
void fmt_addr(char *buf, size_t len, uint8_t af, const uint8_t *addr);
void fmt_mac(char buf[18], const uint8_t mac[6]);

#endif
