/*
 * stats.h - the probe's counters, kept as softflowd keeps them
 * (softflowd-1.1.0.md §7) and printed at the end of a file run.
 */
#ifndef FP_STATS_H
#define FP_STATS_H

#include <stdint.h>
#include <stdio.h>

struct probe_stats {
	uint64_t frames;		/* frames read from the capture */
	uint64_t processed;		/* IP packets metered */
	uint64_t non_ip;
	uint64_t too_short;		/* cut before a header we need */
	uint64_t bad_header;		/* IP version/length fields inconsistent */
	uint64_t ipv6_ignored;		/* IPv6 while the format cannot carry it */
	uint64_t fragments;
	uint64_t flows_created;
	uint64_t flows_expired;
	uint64_t expired_by_reason[6];	/* index: enum flow_end_reason */
	uint64_t proto_packets[256];
	uint64_t proto_octets[256];
	uint64_t proto_flows[256];
};

struct exporter;

void stats_print(FILE *out, const struct probe_stats *st, const struct exporter *ex,
		 uint64_t active_flows);

#endif
