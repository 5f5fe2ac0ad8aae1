/*
 * link.h - link-layer decoding: from a captured frame to its IP header.
 *
 * One entry per link type we meter.  A decoder consumes the link header
 * (and VLAN tags, label stacks, LLC/SNAP, radiotap, NFLOG TLVs and the
 * like) from the reader and says which network protocol follows.  Link
 * types not in the table are refused when the capture is opened, not per
 * packet.
 */
#ifndef FP_LINK_H
#define FP_LINK_H

#include <stdint.h>
#include "../export/flowrec.h"
#include "../export/rd.h"

enum l3_kind {
	L3_NONE = 0,	/* not IP (ARP, LLDP, ...) */
	L3_IPV4,
	L3_IPV6,
};

/*
 * An MPLS label stack as the frame carried it, top first: each entry's
 * first 3 bytes on the wire (RFC 3032: label 20 bits, EXP 3, bottom of
 * stack 1), its TTL left out.  Only the first MPLS_LABELS_MAX are kept
 * (a stack can be deeper: the walk goes on past them); entries from
 * depth on are not written.
 */
struct mpls_stack {
	uint8_t depth;		/* entries kept, 0 when unlabelled */
	uint8_t entry[MPLS_LABELS_MAX][3];
};

struct link_info {
	enum l3_kind l3;
	struct mpls_stack *mpls;	/* set by the caller: where to keep the
					 * labels walked, or NULL for none */
	uint16_t vlan;		/* outermost 802.1Q VLAN id, 0 if untagged */
	uint32_t ifindex;	/* from the frame (SLL2), else 0 */
	uint8_t src_mac[6];	/* the frame's source and destination MAC, */
	uint8_t dst_mac[6];	/* zeros where the link has none */
};

/* Returns 1 if we can meter this DLT (as pcap_datalink() reports it). */
int link_supported(int dlt);

/* Name of a DLT for messages, e.g. "EN10MB" or "DLT 105". */
const char *link_name(int dlt, char *buf, size_t len);

/*
 * Consume the link header of one frame.  On return the reader is at the
 * network header when info->l3 is IPv4 or IPv6.  A frame shorter than its
 * link header leaves the reader failed (rd_ok() false).  info->mpls is
 * the caller's: when not NULL, the frame's label stack goes there (depth
 * 0 for a frame without one).
 */
void link_decode(int dlt, struct rd *r, struct link_info *info);

#endif
