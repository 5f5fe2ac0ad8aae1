/*
 * sink_json.h - the keys of -o json, in the order a row has them.
 *
 * Each key is the name of an information element in IANA's IPFIX
 * registry, with its number: a reader looks it up there to know what the
 * value means.  Reverse counters of RFC 5103 biflows are the forward
 * element under PEN 29305, named as that RFC names them: "reverse" and
 * the forward name with its first letter in capitals.  One key is not an
 * element: exportTimeMilliseconds, the export time of the message header
 * (RFC 7011 §3.1 "Export Time", v5's unix_secs/unix_nsecs), id 0.
 *
 * The list is here, not only inside the sink, so that a test can hold
 * every key against IANA's list and against export/ie.c.
 */
#ifndef FP_SINK_JSON_H
#define FP_SINK_JSON_H

#include <stddef.h>
#include <stdint.h>
#include "../export/ie.h"

/* X(TAG, IANA id, PEN, name) */
#define SINK_JSON_KEYS(X) \
	X(FLOW_START, 152, 0, flowStartMilliseconds) \
	X(FLOW_END, 153, 0, flowEndMilliseconds) \
	X(SRC4, 8, 0, sourceIPv4Address) \
	X(SRC6, 27, 0, sourceIPv6Address) \
	X(DST4, 12, 0, destinationIPv4Address) \
	X(DST6, 28, 0, destinationIPv6Address) \
	X(SPORT, 7, 0, sourceTransportPort) \
	X(DPORT, 11, 0, destinationTransportPort) \
	X(ICMP4, 32, 0, icmpTypeCodeIPv4) \
	X(ICMP6, 139, 0, icmpTypeCodeIPv6) \
	X(PROTO, 4, 0, protocolIdentifier) \
	X(TCP_FLAGS, 6, 0, tcpControlBits) \
	X(TOS, 5, 0, ipClassOfService) \
	X(PACKETS, 2, 0, packetDeltaCount) \
	X(OCTETS, 1, 0, octetDeltaCount) \
	X(IN_IF, 10, 0, ingressInterface) \
	X(OUT_IF, 14, 0, egressInterface) \
	X(REV_PACKETS, 2, PEN_REVERSE, reversePacketDeltaCount) \
	X(REV_OCTETS, 1, PEN_REVERSE, reverseOctetDeltaCount) \
	X(REV_TCP_FLAGS, 6, PEN_REVERSE, reverseTcpControlBits) \
	X(REV_TOS, 5, PEN_REVERSE, reverseIpClassOfService) \
	X(NEXTHOP4, 15, 0, ipNextHopIPv4Address) \
	X(NEXTHOP6, 62, 0, ipNextHopIPv6Address) \
	X(SRC_AS, 16, 0, bgpSourceAsNumber) \
	X(DST_AS, 17, 0, bgpDestinationAsNumber) \
	X(SRC_MASK4, 9, 0, sourceIPv4PrefixLength) \
	X(SRC_MASK6, 29, 0, sourceIPv6PrefixLength) \
	X(DST_MASK4, 13, 0, destinationIPv4PrefixLength) \
	X(DST_MASK6, 30, 0, destinationIPv6PrefixLength) \
	X(FLOWLABEL, 31, 0, flowLabelIPv6) \
	X(VLAN, 58, 0, vlanId) \
	X(SRC_MAC, 56, 0, sourceMacAddress) \
	X(DST_MAC, 80, 0, destinationMacAddress) \
	X(MPLS1, 70, 0, mplsTopLabelStackSection) \
	X(MPLS2, 71, 0, mplsLabelStackSection2) \
	X(MPLS3, 72, 0, mplsLabelStackSection3) \
	X(MPLS4, 73, 0, mplsLabelStackSection4) \
	X(MPLS5, 74, 0, mplsLabelStackSection5) \
	X(MPLS6, 75, 0, mplsLabelStackSection6) \
	X(MPLS7, 76, 0, mplsLabelStackSection7) \
	X(MPLS8, 77, 0, mplsLabelStackSection8) \
	X(MPLS9, 78, 0, mplsLabelStackSection9) \
	X(MPLS10, 79, 0, mplsLabelStackSection10) \
	X(DIRECTION, 61, 0, flowDirection) \
	X(END_REASON, 136, 0, flowEndReason) \
	X(EXPORTER4, 130, 0, exporterIPv4Address) \
	X(EXPORTER6, 131, 0, exporterIPv6Address) \
	X(VERSION, 214, 0, exportProtocolVersion) \
	X(DOMAIN, 149, 0, observationDomainId) \
	X(ENGINE_TYPE, 38, 0, engineType) \
	X(ENGINE_ID, 39, 0, engineId) \
	X(EXPORT_TIME, 0, 0, exportTimeMilliseconds)

struct sink_json_key {
	uint16_t id;		/* IANA element id; 0: not an element */
	uint32_t pen;		/* 0, or PEN_REVERSE */
	const char *name;
};

extern const struct sink_json_key sink_json_keys[];
extern const size_t sink_json_nkeys;

#endif
