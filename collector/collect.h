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
#include "sink.h"

#define COLLECT_MAX_SINKS 8

struct collector {
	struct exporter_table exporters;
	const struct sink_ops *sink[COLLECT_MAX_SINKS];
	FILE *out[COLLECT_MAX_SINKS];
	size_t nsinks;
	uint64_t datagrams;
	uint64_t bad_datagrams;
	uint64_t errors[FP_STATUS_COUNT];
	struct flow_totals totals;
};

void collector_init(struct collector *c);
void collector_free(struct collector *c);
int collector_add_sink(struct collector *c, const struct sink_ops *ops, FILE *out);

/* Decode one datagram from the exporter at addr (af 4 or 6). */
enum fp_status collector_datagram(struct collector *c, uint8_t af, const uint8_t *addr,
				  const uint8_t *buf, size_t len);

/* Let every sink print its totals. */
void collector_end(struct collector *c);

#endif
