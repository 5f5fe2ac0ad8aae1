/*
 * stats.h - the probe's counters, kept as softflowd keeps them
 * (softflowd-1.1.0.md §7), printed at the end of a file run and by the
 * control socket's "statistics" in softflowd's layout, with ours after.
 */
#ifndef FP_STATS_H
#define FP_STATS_H

#include <stdint.h>
#include <stdio.h>
#include "flowtable.h"

/* Running minimum, sum and maximum of one per-flow quantity. */
struct stat_range {
	double min, sum, max;
};

struct probe_stats {
	uint64_t frames;		/* frames read from the capture */
	uint64_t processed;		/* sampled frames that were IP (bad ones too) */
	uint64_t non_sampled;		/* frames -s skipped */
	uint64_t non_ip;
	uint64_t too_short;		/* cut before a header we need */
	uint64_t bad_header;		/* IP version/length fields inconsistent */
	uint64_t fragments;
	uint64_t flows_created;
	uint64_t flows_expired;
	uint64_t expired_by_reason[6];	/* index: enum flow_end_reason */
	uint64_t expired_by_rule[RULE_COUNT];
	struct stat_range flow_octets, flow_packets, flow_seconds;
	uint64_t proto_packets[256];
	uint64_t proto_octets[256];
	uint64_t proto_flows[256];	/* flows expired, per protocol */
	double proto_seconds[256];	/* their summed and longest durations */
	double proto_max_seconds[256];
	/* fragments (probe/fragments.h) */
	uint64_t frag_joined, frag_held, frag_unmatched;
	uint64_t table_bytes;		/* the flow table's memory */
};

/* Count one expired flow into the per-flow figures. */
void stats_flow_expired(struct probe_stats *st, const struct flow *f);

struct exporter;

/* libpcap's counters of a live capture (pcap_stats), which softflowd
 * prints after "Flows exported" when it has them. */
struct stats_capture {
	uint64_t received;	/* ps_recv */
	uint64_t dropped;	/* ps_drop */
	uint64_t if_dropped;	/* ps_ifdrop */
};

/* The statistics block: softflowd's (the end of a file run, the control
 * socket's "statistics"), then ours.  cap: NULL when there are no capture
 * counters (reading a file). */
void stats_print_capture(FILE *out, const struct probe_stats *st, const struct exporter *ex,
			 uint64_t active_flows, const struct stats_capture *cap);

/* The same without capture counters. */
void stats_print(FILE *out, const struct probe_stats *st, const struct exporter *ex,
		 uint64_t active_flows);

#endif
