/*
 * flowrec.h - one exported flow, as the probe emits it and the collector
 * decodes it.  Host byte order throughout; the wire formats in export/ turn
 * it into bytes and back.
 *
 * A record is one direction of traffic (NetFlow's unidirectional flow).
 * Times are absolute, in microseconds since the Unix epoch; a format that
 * carries milliseconds decodes to whole milliseconds.
 */
#ifndef FP_FLOWREC_H
#define FP_FLOWREC_H

#include <stdint.h>

/* MPLS label stack entries a record can carry: IPFIX mplsTopLabelStackSection
 * (70) and mplsLabelStackSection2..10 (71..79). */
#define MPLS_LABELS_MAX 10

/* IPFIX flowEndReason (IANA IE 136). */
enum flow_end_reason {
	END_IDLE = 1,		/* idle timeout */
	END_ACTIVE = 2,		/* active timeout (maxlife) */
	END_OF_FLOW = 3,	/* TCP FIN or RST seen */
	END_FORCED = 4,		/* end of capture, expire-all, shutdown */
	END_LACK_OF_RESOURCES = 5, /* table full, or a counter about to overflow */
};

struct flow_record {
	uint8_t af;		/* 4 or 6 */
	uint8_t proto;		/* IP protocol */
	uint8_t tos;		/* the whole ToS / traffic-class byte */
	uint8_t tcp_flags;	/* OR of all TCP flags seen */
	uint8_t src[16];	/* IPv4 in the first 4 bytes */
	uint8_t dst[16];
	uint8_t nexthop[16];
	uint16_t sport;
	uint16_t dport;		/* ICMP: type * 256 + code */
	uint32_t in_if;
	uint32_t out_if;
	uint64_t packets;
	uint64_t octets;	/* sum of IP total lengths */
	int64_t first_us;	/* first packet, µs since the epoch */
	int64_t last_us;	/* last packet */
	uint8_t end_reason;	/* enum flow_end_reason, 0 when unknown */
	uint8_t src_mask;
	uint8_t dst_mask;
	uint16_t src_as;
	uint16_t dst_as;
	uint16_t vlan;		/* VLAN id in the key (-T vlan), else 0 */
	uint32_t flowlabel;	/* IPv6 flow label of the first packet */
	uint8_t src_mac[6];	/* -T ether: the flow's MAC addresses, else 0 */
	uint8_t dst_mac[6];
	uint8_t direction;	/* IPFIX flowDirection: 0 ingress, 1 egress */
	/* -x N: the first N MPLS label stack entries of the flow's packets,
	 * top first, each as its first 3 bytes on the wire (RFC 3032: label
	 * 20 bits, EXP 3, bottom of stack 1; not the TTL); zeros below the
	 * stack and without -x */
	uint8_t mpls[MPLS_LABELS_MAX][3];
	/* RFC 5103 biflows (IPFIX -b): the reverse direction's counters */
	uint8_t rev_tos;
	uint8_t rev_tcp_flags;
	uint64_t rev_packets;
	uint64_t rev_octets;
};

/* A label stack entry as one number, its 3 bytes big-endian: label << 4 |
 * EXP << 1 | bottom of stack (the TTL is not kept).  Every output that
 * prints or stores entries starts from this. */
static inline uint32_t mpls_entry(const uint8_t e[3])
{
	return (uint32_t)e[0] << 16 | (uint32_t)e[1] << 8 | e[2];
}

#endif
