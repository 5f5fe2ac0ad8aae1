/*
 * meter.h - the metering loop body: packets in, expired flows out.
 *
 * The meter owns the clock.  Reading a file, the clock is the newest
 * packet timestamp seen, so idle and active timeouts split flows exactly
 * as they would have on a live router, and the output depends only on the
 * capture and the options.  Before each packet, every expiry scan that
 * would have run by then runs, in order, each one export batch stamped
 * with its own time.
 *
 * On the way to the flow table a packet is sampled (-s), takes the
 * number of its layer-2 extras (-T ether's MACs, -x's labels:
 * l2extras.h), its later fragments get their datagram's ports
 * (fragments.h), and its key is cut down to the tracking level (-T).
 */
#ifndef FP_METER_H
#define FP_METER_H

#include <stdint.h>
#include <stdio.h>
#include "flowtable.h"
#include "fragments.h"
#include "biflow.h"
#include "l2extras.h"
#include "packet.h"
#include "stats.h"
#include "../export/exporter.h"

/* softflowd's -T levels: what of a packet goes into its flow key. */
enum track_level {
	TRACK_FULL = 0,		/* the 7-tuple (-T port is the same) */
	TRACK_PROTO,		/* addresses, protocol, ToS, interface */
	TRACK_IP,		/* addresses, ToS, interface */
	TRACK_VLAN,		/* full, plus the VLAN id */
	TRACK_ETHER,		/* vlan, plus the MAC addresses */
};

/* Packets on their way into the flow table, so that their lookups'
 * cache misses overlap: each lookahead step of ft_ahead_* runs on the
 * packet METER_STEP places after the previous one.  They are taken in
 * order: the queue delays a packet, never reorders it. */
#define METER_STEP 6
#define METER_QUEUE 32		/* a power of two, at least 4 * METER_STEP */

struct queued {
	struct packet pkt;
	struct ft_ahead ahead;
};

struct meter {
	struct ft *ft;
	const int64_t *scan_floor;	/* ft_scan_floor_at(ft) */
	struct exporter *ex;
	struct probe_stats *st;
	struct frags *frags;	/* owned */
	int64_t clock_us;	/* newest timestamp seen */
	int64_t scan_us;	/* time of the last expiry scan */
	int64_t wall_skew;	/* live: added to the clock's times to make
				 * the wall-clock times records and datagrams
				 * carry (live.h); 0 reading a file */
	int started;
	enum track_level level;
	uint32_t sample;	/* keep 1 packet in this many; < 2: all */
	uint64_t sample_count;	/* frames counted towards sampling */
	FILE *dump;		/* -D: every expired flow as a line of text, or NULL */
	int mpls;		/* -x: label stack entries keyed, 0 to MPLS_LABELS_MAX */
	struct l2extras *l2;	/* -T ether, -x: the extras keyed (owned), else NULL */
	struct biflow *biflow;	/* -b: directions waiting for their reverse (owned), else NULL */
	struct queued queue[METER_QUEUE];
	uint32_t q_head, q_len;
};

/* ft, ex and st are borrowed.  Returns -1 when out of memory. */
int meter_init(struct meter *m, struct ft *ft, struct exporter *ex, struct probe_stats *st);

/* Set the tracking level, before the first packet.  Returns -1 when out
 * of memory. */
int meter_set_level(struct meter *m, enum track_level level);

/* -x n: key the first n MPLS label stack entries of each packet (0: none)
 * and put them in the flow records; before the first packet.  Returns -1
 * when out of memory. */
int meter_set_mpls(struct meter *m, int n);
void meter_free(struct meter *m);

/* -b: export one RFC 5103 biflow record per conversation (biflow.h).
 * Returns -1 when out of memory. */
int meter_set_biflow(struct meter *m);

/* One frame as decoded (kind from packet_decode), with its label stack
 * when the run keys labels (NULL: none). */
void meter_packet(struct meter *m, enum packet_kind kind, const struct packet *pkt,
		  const struct mpls_stack *mpls);

/* Put every queued packet into the flow table.  Before anything that
 * must see the table up to date (a timer, a control command). */
void meter_drain(struct meter *m);

/* Live: start the clock at now_us before the first packet (reading a
 * file, the first packet starts it); the uptime base is now. */
void meter_start_clock(struct meter *m, int64_t now_us);

/* Run the scans due by now_us (live mode calls this on a timer). */
void meter_advance(struct meter *m, int64_t now_us);

/* Expire and export every flow (end of capture, shutdown, expire-all). */
void meter_finish(struct meter *m, uint8_t reason);

/* delete-all: forget every flow, exporting and counting nothing.  Returns
 * how many. */
size_t meter_delete_all(struct meter *m);

/* dump-flows: every flow as softflowd's ACTIVE / EXPIRY EVENT lines, in
 * the order they are due.  Returns how many. */
size_t meter_dump_flows(struct meter *m, FILE *out);

#endif
