/*
 * meter.h - the metering loop body: packets in, expired flows out.
 *
 * The meter owns the clock.  Reading a file, the clock is the newest
 * packet timestamp seen, so idle and active timeouts split flows exactly
 * as they would have on a live router, and the output depends only on the
 * capture and the options.  Before each packet, every expiry scan that
 * would have run by then runs, in order, each one export batch stamped
 * with its own time.
 */
#ifndef FP_METER_H
#define FP_METER_H

#include <stdint.h>
#include "flowtable.h"
#include "packet.h"
#include "stats.h"
#include "../export/exporter.h"

struct meter {
	struct ft *ft;
	struct exporter *ex;
	struct probe_stats *st;
	int64_t clock_us;	/* newest timestamp seen */
	int64_t scan_us;	/* time of the last expiry scan */
	int started;
	int track_ipv6;		/* meter IPv6 even if the format cannot carry it */
};

/* ft, ex and st are borrowed. */
void meter_init(struct meter *m, struct ft *ft, struct exporter *ex, struct probe_stats *st);

/* One frame as decoded (kind from packet_decode). */
void meter_packet(struct meter *m, enum packet_kind kind, const struct packet *pkt);

/* Run the scans due by now_us (live mode calls this on a timer). */
void meter_advance(struct meter *m, int64_t now_us);

/* Expire and export every flow (end of capture, shutdown). */
void meter_finish(struct meter *m, uint8_t reason);

#endif
