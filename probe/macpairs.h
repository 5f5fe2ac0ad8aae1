/*
 * macpairs.h - MAC address pairs, interned, for -T ether.
 *
 * At -T ether a flow is keyed by its source and destination MAC as well.
 * Twelve more bytes in every flow key would make every flow bigger and
 * every lookup slower, at every level; instead each (source, destination)
 * pair in use gets a small number, which the key carries in the 3 bytes
 * it has spare (struct flow_key's l2id).  A pair is held by each packet
 * on its way into the flow table and by each live flow; it is forgotten,
 * and its number reused, when the last one lets go, so a queued packet
 * never meets a number that has changed hands.
 */
#ifndef FP_MACPAIRS_H
#define FP_MACPAIRS_H

#include <stdint.h>

/* Numbers fit the key's 24 bits; 0 means "no pair" (the table is full). */
#define MACPAIRS_MAX ((1u << 24) - 1)

struct macpairs;

struct macpairs *macpairs_create(void);
void macpairs_destroy(struct macpairs *mp);

/* The number of (src, dst), held once more; 0 when no number is left or
 * memory runs out (the packet is then keyed without its MACs). */
uint32_t macpairs_get(struct macpairs *mp, const uint8_t src[6], const uint8_t dst[6]);

/* Hold a number already held (a new flow takes the packet's). */
void macpairs_hold(struct macpairs *mp, uint32_t id);

/* Let go of a number; the pair is forgotten when nothing holds it. */
void macpairs_release(struct macpairs *mp, uint32_t id);

/* The pair behind a held number (zeros for 0). */
void macpairs_lookup(const struct macpairs *mp, uint32_t id, uint8_t src[6], uint8_t dst[6]);

/* Pairs known now, and the bytes they take, for the statistics. */
uint32_t macpairs_count(const struct macpairs *mp);
size_t macpairs_memory(const struct macpairs *mp);

#endif
