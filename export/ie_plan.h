/*
 * ie_plan.h - a template compiled once into steps, for decoding its
 * records fast.
 *
 * ie_get() finds its way to a field's place in a struct flow_record through
 * two switches, for every field of every record.  A template whose fields
 * all have fixed lengths puts each field at the same offset in every
 * record, so that way can be found once, when the template arrives: each
 * step says where the field's bytes are in the record and where the value
 * goes.  Steps the plan has no fast form for (uptime times, ICMP type and
 * code halves, options fields, strings) call ie_get() on
 * the field's bytes, so both paths decode a field the same way; the
 * collector's fuzz target decodes every input both ways and compares.
 *
 * The plan trusts nothing in the record: ie_plan_compile() places every
 * step inside the template's record length, and the caller hands
 * ie_plan_run() only records it has checked are that long.
 */
#ifndef FP_IE_PLAN_H
#define FP_IE_PLAN_H

#include <stddef.h>
#include <stdint.h>
#include "ie.h"

enum ie_op {
	IEOP_U8, IEOP_U16, IEOP_U32, IEOP_U64,	/* as wide on the wire as in the record */
	IEOP_NUMBER,		/* other widths: 1-8 wire bytes into 1, 2, 4 or 8 */
	IEOP_COPY,		/* bytes as they are: addresses, MACs, MPLS entries */
	IEOP_MILLIS,		/* dateTimeMilliseconds into first_us/last_us */
	IEOP_GENERIC,		/* ie_get() on the field's bytes */
};

struct ie_step {
	uint8_t op;		/* enum ie_op */
	uint8_t width;		/* IEOP_NUMBER: bytes of the record's field */
	uint16_t len;		/* bytes on the wire */
	uint16_t at;		/* offset of the field in the wire record */
	uint16_t to;		/* offset of the value in struct flow_record */
	const struct ie *ie;	/* IEOP_GENERIC */
};

/*
 * Compile a field of len bytes at offset at of a record into *s.
 * Returns 1 with a step, 0 when the field needs none (it is decoded to
 * nothing: not ours, or a length that does not suit its type, which
 * ie_get() skips too).  *seen gets the field's bit when the step sets it
 * (ie_get() sets it itself for IEOP_GENERIC).
 */
int ie_plan_compile(const struct ie *ie, uint16_t len, uint16_t at, struct ie_step *s,
		    uint64_t *seen);

/* Decode one record of the plan's length at rec into r and x. */
void ie_plan_run(const struct ie_step *steps, size_t n, const uint8_t *rec,
		 struct flow_record *r, struct ie_extra *x);

#endif
