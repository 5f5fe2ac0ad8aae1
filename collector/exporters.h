/*
 * exporters.h - what the collector knows about each exporter: counters and
 * sequence tracking.
 *
 * An exporter is (source address, version, engine/observation domain), the
 * way nfdump tells probes apart; over TCP, each connection is one.  The table has a fixed ceiling so a flood
 * of spoofed sources cannot grow it without bound; past it, datagrams are
 * still decoded and counted under "unlisted".
 */
#ifndef FP_EXPORTERS_H
#define FP_EXPORTERS_H

#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include "../export/status.h"

#define MAX_EXPORTERS 4096

struct exporter_key {
	uint8_t addr[16];
	uint8_t af;
	uint8_t pad;
	uint16_t version;
	uint32_t domain;	/* v5: engine_type << 8 | engine_id */
	uint16_t port;		/* TCP: the connection's port (its own transport
				 * session, RFC 7011 §10.4); UDP: 0 */
	uint16_t pad2;
};

struct exporter_info {
	struct exporter_key key;
	uint32_t id;		/* 1, 2, ... in order of first datagram (nfdump's exid) */
	uint64_t datagrams;
	uint64_t records;
	uint64_t missing;	/* lost, from sequence gaps (v9: datagrams, else
				 * records), less what came late to fill them */
	uint64_t reordered;	/* datagrams that came late or twice */
	uint64_t resets;	/* times the sequence started over (went back
				 * further than a late datagram would) */
	uint64_t errors[FP_STATUS_COUNT];
	uint32_t next_seq;	/* sequence the next datagram should carry */
	uint32_t last_seq;	/* the sequence the last datagram carried */
	int have_seq;
	int seq_counts_self;	/* IPFIX sequence includes the message's own flows (softflowd) */
	/* v9 and IPFIX */
	uint64_t templates;	/* data template records received */
	uint64_t options_templates;
	uint64_t withdrawals;	/* IPFIX template withdrawals */
	uint64_t options_records;
	uint64_t held;		/* data sets held until their template came */
	int64_t init_ms;	/* systemInitTimeMilliseconds, when announced */
	int have_init;
	uint32_t metering_pid;	/* meteringProcessId, when announced */
	uint32_t sampling;	/* 1 in N announced by an options record; 0, 1: none */
};

struct exporter_table {
	struct exporter_info *e;
	size_t n;
	size_t cap;
	uint64_t unlisted;	/* datagrams from sources past the ceiling */
};

void exporters_init(struct exporter_table *t);
void exporters_free(struct exporter_table *t);

/* A key from its parts (an IPv4 address is addr's first 4 bytes). */
static inline void exporter_key_make(struct exporter_key *k, const uint8_t *addr, uint8_t af,
				     uint16_t version, uint32_t domain, uint16_t port)
{
	memset(k, 0, sizeof(*k));
	memcpy(k->addr, addr, af == 6 ? 16 : 4);
	k->af = af;
	k->version = version;
	k->domain = domain;
	k->port = port;
}

/* Find or add; NULL once the table is at its ceiling. */
struct exporter_info *exporters_get(struct exporter_table *t, const struct exporter_key *k);

/*
 * Account one datagram's sequence number.  seq is what the header says
 * was sent before it, next is what it implies for the following one (in
 * records for v5, datagrams for v9, records for IPFIX).
 *
 * A sequence number ahead of the one expected counts the numbers skipped
 * as missing.  One behind it by at most SEQ_LATE_WINDOW is a datagram
 * that came late, and takes its share off what was counted missing (or
 * the same one again: nothing to take off); the expected number stays.
 * Further behind, the exporter started over (a restart): the sequence is
 * followed from there, nothing counted missing.
 */
#define SEQ_LATE_WINDOW 4096
void exporters_sequence(struct exporter_info *e, uint32_t seq, uint32_t next);

/*
 * IPFIX: seq is what the header says, records the data records in the
 * message (options records included), flows those that are flows.  RFC
 * 7011's sequence counts the data records sent before the message;
 * softflowd's counts its flows up to and including the message.  Whichever
 * rule the exporter follows is the one the next message is checked by, so
 * softflowd's exports show no false gaps.
 */
void exporters_sequence_ipfix(struct exporter_info *e, uint32_t seq, uint32_t records,
			      uint32_t flows);

/* Records lost by sequence number: v9 numbers datagrams, so its loss is
 * estimated from the records a datagram carried on average. */
uint64_t exporters_missing_records(const struct exporter_info *e);

/* Per exporter: what came, what was lost on the way (by sequence number),
 * what could not be decoded. */
void exporters_print(FILE *out, const struct exporter_table *t);

#endif
