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
#include "../export/rd.h"

enum l3_kind {
	L3_NONE = 0,	/* not IP (ARP, LLDP, ...) */
	L3_IPV4,
	L3_IPV6,
};

struct link_info {
	enum l3_kind l3;
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
 * link header leaves the reader failed (rd_ok() false).
 */
void link_decode(int dlt, struct rd *r, struct link_info *info);

#endif
