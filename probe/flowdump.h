/*
 * flowdump.h - one flow as a line of text, for people: -D prints every
 * expired flow this way ("EXPIRED: ..."), as softflowd -D does.
 *
 * softflowd prints a conversation per line (its flows are two-way); ours
 * are one-way, so a line is one direction, with everything the record
 * carries.  The layout, one space between fields:
 *
 *   [SRC]:SPORT > [DST]:DPORT proto:P tos:0xTT if:IN octets:N packets:N
 *   start:YYYY-MM-DDTHH:MM:SS.uuuuuu finish:... tcp:FF flowlabel:XXXXX
 *   vlan:V end:REASON [mac:SRC>DST] [mpls:LABEL-EXP-BOS,...]
 *
 * mac is there when the record has MAC addresses (-T ether), mpls when
 * it has label stack entries (-x): each as nfdump prints one, up to the
 * last that is not all zeros.
 * Times are UTC, to the microsecond.  tests/e2e/differential.py reads it.
 */
#ifndef FP_FLOWDUMP_H
#define FP_FLOWDUMP_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include "../export/flowrec.h"

/* Write the line (no newline) into buf; returns its length, truncated to
 * fit len - 1 if need be. */
size_t flowdump_format(const struct flow_record *r, char *buf, size_t len);

/*
 * One active flow as the control socket's "dump-flows" lists it, in
 * softflowd's three lines:
 *
 *   ACTIVE seq:N <the line above, without end:>
 *   EXPIRY EVENT for flow N in S seconds      (or "now", "now (FORCED)")
 *   <blank>
 *
 * seq: the flow's number; due_s: when it is due, seconds since the epoch,
 * 0 for a flow to leave at the next scan whatever the time (softflowd's
 * "FORCED"); now_s: the probe's clock, in the same seconds.
 */
void flowdump_active(FILE *out, uint64_t seq, const struct flow_record *r, int64_t due_s,
		     int64_t now_s);

/* The name of an IPFIX flowEndReason: idle, active, end-of-flow, forced,
 * lack-of-resources, or "unknown". */
const char *flowdump_reason(unsigned reason);

#endif
