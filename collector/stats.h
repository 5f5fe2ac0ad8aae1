/*
 * stats.h - top-N summaries of the flows decoded, as nfdump 1.7.1's -s:
 * for one element of the flow (its source address, its ports, ...) the
 * flows, packets and bytes of every value seen, ranked by one of them.
 *
 * Fed every flow by a sink (sink_stats in stats_print.c) and printed at
 * the end of input.  Each table is an open-addressing hash with a ceiling
 * on its values, so an exporter sending random addresses cannot make it
 * grow without bound; the flows of values past the ceiling are counted.
 */
#ifndef FP_STATS_H
#define FP_STATS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include "../export/flowrec.h"

/* What a table is kept by.  ip and port count a flow under each side, as
 * nfdump does: a flow from 10.0.0.1 to 10.0.0.1 counts twice for it. */
enum stats_elem {
	STAT_SRCIP, STAT_DSTIP, STAT_IP,
	STAT_SRCPORT, STAT_DSTPORT, STAT_PORT,
	STAT_PROTO,
	STAT_ELEMS
};

/* What it is ranked by, in the order nfdump prints several of them. */
enum stats_order {
	ORDER_FLOWS, ORDER_PACKETS, ORDER_BYTES, ORDER_PPS, ORDER_BPS, ORDER_BPP,
	STAT_ORDERS
};

#define STATS_MAX 16			/* -s options, --stats's five included */
#define STATS_MAX_KEYS (1u << 20)	/* values a table keeps */

/* A value: an address (af 4 or 6, IPv4 in the first 4 bytes) or a number
 * (af 0, big-endian in the first 2 bytes), so that memcmp orders them as
 * numbers, IPv4 before IPv6. */
struct stats_key {
	uint8_t af;
	uint8_t v[16];
};

/* One value's totals; flows is 0 in an empty slot.  packets and bytes
 * are the flows' own direction, rev_ an RFC 5103 biflow's reverse one
 * (nfdump's in and out counters). */
struct stats_entry {
	struct stats_key key;
	uint64_t flows;
	uint64_t packets, octets;
	uint64_t rev_packets, rev_octets;
	int64_t first_ms, last_ms;
};

struct stats_table {
	enum stats_elem elem;
	unsigned orders;		/* 1 << enum stats_order, for each asked */
	struct stats_entry *slot;
	size_t cap;			/* slots, a power of two (0: none yet) */
	size_t count;
	uint64_t untracked;		/* flows of values past the ceiling */
};

struct stats {
	struct stats_table table[STATS_MAX];
	size_t ntables;
	size_t max_keys;		/* values a table keeps */
	size_t topn;			/* rows printed; 0: all */
	int csv;			/* nfdump's -s -o csv layout, else its text */
	uint64_t seed;			/* of the hash, so that no exporter can aim at
					 * one chain; the output never depends on it */
};

void stats_init(struct stats *s, size_t max_keys);
void stats_free(struct stats *s);

/*
 * "ELEM[/ORDER]...", as nfdump's -s: ELEM one of srcip dstip ip srcport
 * dstport port proto, ORDER one of flows (the default) packets bytes pps
 * bps bpp, case ignored.  -1 with a one-line message in err.
 */
int stats_parse(const char *arg, enum stats_elem *elem, unsigned *orders, char *err,
		size_t errlen);

/* One more table; -1 when STATS_MAX are kept already. */
int stats_request(struct stats *s, enum stats_elem elem, unsigned orders);

/* Account one flow in every table. */
void stats_flow(struct stats *s, const struct flow_record *r);

/*
 * The packets and bytes a ranking shows: nfdump ranks by flows on the
 * flows' own direction only (its "ipkt" and "ibyt" columns), by anything
 * else on both directions of a biflow.
 */
uint64_t stats_packets(const struct stats_entry *e, enum stats_order o);
uint64_t stats_bytes(const struct stats_entry *e, enum stats_order o);

/* The value a ranking sorts by (pps and bps over whole milliseconds). */
uint64_t stats_rank_value(const struct stats_entry *e, enum stats_order o);

/*
 * A table's values, best first: by the order's value, largest first, and
 * at equal values by the value itself, smallest first (addresses IPv4
 * before IPv6, then as numbers), so equal rows always come out alike.
 * Returns a malloc'd array of t->count pointers (NULL when empty or out
 * of memory), into the table: valid until it changes.
 */
const struct stats_entry **stats_rank(const struct stats_table *t, enum stats_order o);

/* Every table, each in the orders asked, then the summary of all flows;
 * as text or, with s->csv, as CSV. */
struct flow_totals;
void stats_print(FILE *out, const struct stats *s, const struct flow_totals *t);

/*
 * Feed c's flows to s, which is printed to out at the end of input, then
 * freed (stats_free and free: s comes from malloc).  -1 when c has no room
 * for one more sink.
 */
struct collector;
int stats_attach(struct collector *c, struct stats *s, FILE *out);

/* Names, for messages and headers. */
const char *stats_elem_name(enum stats_elem e);		/* "srcip" */
const char *stats_order_name(enum stats_order o);	/* "flows" */

#endif
