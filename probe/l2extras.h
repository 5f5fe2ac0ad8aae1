/*
 * l2extras.h - what a flow is keyed on besides its 7-tuple, interned: the
 * frame's MAC pair (-T ether) and the first MPLS label stack entries (-x).
 *
 * Twelve bytes of MACs and up to thirty of labels in every flow key would
 * make every flow bigger and every lookup slower, at every level; instead
 * each combination in use gets a small number, which the key carries in
 * the 3 bytes it has spare (struct flow_key's l2id).  The meter lays the
 * extras out as one key of a length fixed for the run (12 bytes of MACs
 * under -T ether, then 3 per label under -x N); this module only numbers
 * such keys.  A number is held by each packet on its way into the flow
 * table and by each live flow; it is forgotten, and reused, when the last
 * one lets go, so a queued packet never meets a number that has changed
 * hands.  An all-zero key (no MACs on the link, no labels on the frame)
 * is number 0, never held: unlabelled traffic under -x costs no lookup.
 */
#ifndef FP_L2EXTRAS_H
#define FP_L2EXTRAS_H

#include <stddef.h>
#include <stdint.h>
#include "../export/flowrec.h"

/* Numbers fit the key's 24 bits; 0 means "nothing to key" (or the table
 * is full, and the packet is keyed without its extras). */
#define L2X_MAX ((1u << 24) - 1)
/* The longest key: a MAC pair and MPLS_LABELS_MAX label entries. */
#define L2X_KEY_MAX (12 + 3 * MPLS_LABELS_MAX)

struct l2extras;

/* An interner of keys of key_len bytes, 1 to L2X_KEY_MAX. */
struct l2extras *l2x_create(size_t key_len);
void l2x_destroy(struct l2extras *x);

/* The number of key (key_len bytes), held once more; 0 for an all-zero
 * key, and when no number is left or memory runs out. */
uint32_t l2x_get(struct l2extras *x, const uint8_t *key);

/* Hold a number already held (a new flow takes the packet's). */
void l2x_hold(struct l2extras *x, uint32_t id);

/* Let go of a number; its key is forgotten when nothing holds it. */
void l2x_release(struct l2extras *x, uint32_t id);

/* The key behind a held number, key_len bytes; NULL for 0 (all zeros). */
const uint8_t *l2x_key(const struct l2extras *x, uint32_t id);

/* Keys known now, and the bytes they take, for the statistics. */
uint32_t l2x_count(const struct l2extras *x);
size_t l2x_memory(const struct l2extras *x);

#endif
