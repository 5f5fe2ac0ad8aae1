/*
 * topn.h - top-N summaries of the flows decoded, as nfdump 1.7.1's -s:
 * for one element of the flow (its source address, its ports, ...) the
 * flows, packets and bytes of every value seen, ranked by one of them.
 *
 * Fed every flow by a sink (sink_topn in topn_print.c) and printed at
 * the end of input.  Each table is an open-addressing hash with a ceiling
 * on its values, so an exporter sending random addresses cannot make it
 * grow without bound; the flows of values past the ceiling are counted.
 */
#ifndef FP_TOPN_H
#define FP_TOPN_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include "../export/flowrec.h"

/* What a table is kept by.  ip and port count a flow under each side, as
 * nfdump does: a flow from 10.0.0.1 to 10.0.0.1 counts twice for it. */
enum topn_elem {
	TOPN_SRCIP, TOPN_DSTIP, TOPN_IP,
	TOPN_SRCPORT, TOPN_DSTPORT, TOPN_PORT,
	TOPN_PROTO,
	TOPN_ELEMS
};

/* What it is ranked by, in the order nfdump prints several of them. */
enum topn_order {
	ORDER_FLOWS, ORDER_PACKETS, ORDER_BYTES, ORDER_PPS, ORDER_BPS, ORDER_BPP,
	TOPN_ORDERS
};

#define TOPN_MAX 16			/* -s options, --stats's five included */
#define TOPN_MAX_KEYS (1u << 20)	/* values a table keeps */

/* A value: an address (af 4 or 6, IPv4 in the first 4 bytes) or a number
 * (af 0, big-endian in the first 2 bytes), so that memcmp orders them as
 * numbers, IPv4 before IPv6. */
struct topn_key {
	uint8_t af;
	uint8_t v[16];
};

/* One value's totals.  packets and bytes
 * are the flows' own direction, rev_ an RFC 5103 biflow's reverse one
 * (nfdump's in and out counters). */
struct topn_entry {
	struct topn_key key;
	uint64_t flows;
	uint64_t packets, octets;
	uint64_t rev_packets, rev_octets;
	int64_t first_ms, last_ms;
};

struct topn_table {
	enum topn_elem elem;
	unsigned orders;		/* 1 << enum topn_order, for each asked */
	uint64_t *index;		/* hash tag | entry number + 1 (topn.c) */
	size_t cap;			/* its slots, a power of two (0: none yet) */
	struct topn_entry *entry;	/* the values, in the order they came */
	size_t count, room;
	uint64_t untracked;		/* flows of values past the ceiling */
};

struct topn {
	struct topn_table table[TOPN_MAX];
	size_t ntables;
	size_t max_keys;		/* values a table keeps */
	size_t topn;			/* rows printed; 0: all */
	int csv;			/* nfdump's -s -o csv layout, else its text */
	uint64_t seed;			/* of the hash, so that no exporter can aim at
					 * one chain; the output never depends on it */
};

void topn_init(struct topn *s, size_t max_keys);
void topn_free(struct topn *s);

/*
 * "ELEM[/ORDER]...", as nfdump's -s: ELEM one of srcip dstip ip srcport
 * dstport port proto, ORDER one of flows (the default) packets bytes pps
 * bps bpp, case ignored.  -1 with a one-line message in err.
 */
int topn_parse(const char *arg, enum topn_elem *elem, unsigned *orders, char *err,
		size_t errlen);

/* One more table; -1 when TOPN_MAX are kept already. */
int topn_request(struct topn *s, enum topn_elem elem, unsigned orders);

/* Account one flow in every table. */
void topn_flow(struct topn *s, const struct flow_record *r);

/*
 * The packets and bytes a ranking shows: nfdump ranks by flows on the
 * flows' own direction only (its "ipkt" and "ibyt" columns), by anything
 * else on both directions of a biflow.
 */
uint64_t topn_packets(const struct topn_entry *e, enum topn_order o);
uint64_t topn_bytes(const struct topn_entry *e, enum topn_order o);

/* The value a ranking sorts by (pps and bps over whole milliseconds). */
uint64_t topn_rank_value(const struct topn_entry *e, enum topn_order o);

/*
 * A table's values, best first: by the order's value, largest first, and
 * at equal values by the value itself, smallest first (addresses IPv4
 * before IPv6, then as numbers), so equal rows always come out alike.
 * Returns a malloc'd array of t->count pointers (NULL when empty or out
 * of memory), into the table: valid until it changes.
 */
const struct topn_entry **topn_rank(const struct topn_table *t, enum topn_order o);

/* Every table, each in the orders asked, then the summary of all flows;
 * as text or, with s->csv, as CSV. */
struct flow_totals;
void topn_print(FILE *out, const struct topn *s, const struct flow_totals *t);

/*
 * Feed c's flows to s, which is printed to out at the end of input, then
 * freed (topn_free; s itself stays the caller's).  -1 when c has no room
 * for one more sink.
 */
struct collector;
int topn_attach(struct collector *c, struct topn *s, FILE *out);

/* Names, for messages and headers. */
const char *topn_elem_name(enum topn_elem e);		/* "srcip" */
const char *topn_order_name(enum topn_order o);	/* "flows" */

#endif
