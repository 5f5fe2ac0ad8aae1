/*
 * packet.h - one captured frame, decoded into what metering needs.
 *
 * packet_decode() walks link, network and transport headers through the
 * bounds-checked reader and fills a struct packet: the flow key, the octet
 * count (the IP total length, the NetFlow/IPFIX definition), TCP flags and
 * where the transport payload is (the collector reads export datagrams out
 * of captures with the same code).
 */
#ifndef FP_PACKET_H
#define FP_PACKET_H

#include <stddef.h>
#include <stdint.h>
#include "flowkey.h"
#include "link.h"

enum packet_kind {
	PKT_IP = 0,		/* a meterable IPv4/IPv6 packet */
	PKT_NON_IP,		/* ARP, LLDP, unknown ethertype */
	PKT_TOO_SHORT,		/* cut before the end of a header we need */
	PKT_BAD_HEADER,		/* IP header that contradicts itself */
};

/* Where a packet sits in a fragmented datagram. */
enum frag_kind {
	FRAG_NONE = 0,		/* not fragmented */
	FRAG_FIRST,		/* offset 0, more to come: carries the ports */
	FRAG_LATER,		/* offset > 0: no transport header */
};

struct packet {
	int64_t ts_us;		/* capture time, µs since the epoch */
	struct flow_key key;
	uint32_t octets;	/* IPv4 total length; IPv6 40 + payload length */
	uint32_t flowlabel;	/* IPv6 flow label, 0 for IPv4 */
	uint32_t frag_id;	/* fragment identification (IPv4: 16 bits) */
	uint8_t tcp_flags;
	uint8_t fragment;	/* enum frag_kind */
	uint8_t frag_proto;	/* a fragment's datagram protocol: IPv4's, or
				 * the IPv6 fragment header's next header
				 * (every fragment has the same, while only
				 * the first shows what follows it) */
	uint16_t vlan;		/* outermost 802.1Q VLAN id, 0 if untagged */
	uint8_t src_mac[6];	/* link source and destination, zeros if none */
	uint8_t dst_mac[6];
	const uint8_t *payload;	/* transport payload (captured part) */
	size_t payload_len;
};

/* Decode one frame of link type dlt.  caplen bytes are available at data;
 * wirelen is the length on the wire.  ifindex is the default input
 * interface, replaced by a per-frame one where the link header has it. */
enum packet_kind packet_decode(int dlt, const uint8_t *data, size_t caplen,
			       size_t wirelen, uint32_t ifindex, struct packet *pkt);

/* packet_decode, and the frame's MPLS label stack into *mpls (-x).  The
 * labels stay out of struct packet, which every packet copies along the
 * way to the flow table: only a run that keys them carries them, beside
 * it (reader.h). */
enum packet_kind packet_decode_mpls(int dlt, const uint8_t *data, size_t caplen,
				    size_t wirelen, uint32_t ifindex, struct packet *pkt,
				    struct mpls_stack *mpls);

#endif
