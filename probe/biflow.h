/*
 * biflow.h - pairing one-way flows into RFC 5103 biflow records (-b).
 *
 * The flow table keeps each direction on its own, with its own timeouts.
 * A biflow record carries both, so the direction that leaves first waits
 * here, parked under the identity of its reverse flow (still in the
 * table), until that one leaves too; the two then go out as one record:
 * the direction whose first packet came first is the forward one, the
 * other's packets, octets, ToS and flags are the reverse counters, and
 * the record spans from the earlier start to the later end.  A flow with
 * no reverse goes out alone, its reverse counters zero, as do the other
 * flows of a side that has several (ToS variants, -x label stacks) once
 * one of them waits for the reverse.  softflowd's
 * conversations end as a whole, which comes to the same records when both
 * directions time out together.
 *
 * What waits is bounded by the flows in the table: each parked record's
 * partner is one of them, and every flow leaves in the end.
 */
#ifndef FP_BIFLOW_H
#define FP_BIFLOW_H

#include <stddef.h>
#include <stdint.h>
#include "../export/flowrec.h"

struct biflow;

struct biflow *biflow_create(void);
void biflow_destroy(struct biflow *b);

/* The identity of a live flow: where it is and its creation number
 * (a flow's place is reused after it leaves; the pair is not). */
struct biflow_id {
	const void *flow;
	uint32_t seq;
};

/* Park rec until the flow id leaves.  Returns -1 when out of memory, or
 * when a record already waits for id: a side with several flows (ToS
 * variants, -x label stacks) pairs its first to leave with the reverse,
 * and the caller exports the others alone. */
int biflow_park(struct biflow *b, struct biflow_id id, const struct flow_record *rec);

/* The record parked for id, taken out into *rec; 0 if there is none. */
int biflow_take(struct biflow *b, struct biflow_id id, struct flow_record *rec);

/* Records parked now. */
size_t biflow_count(const struct biflow *b);

/* Combine a direction with its reverse into one biflow record in *out
 * (which may be either of them). */
void biflow_merge(const struct flow_record *a, const struct flow_record *b,
		  struct flow_record *out);

#endif
