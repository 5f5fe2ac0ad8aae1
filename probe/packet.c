/*
 * packet.c - network and transport headers of one captured frame.
 *
 * References: RFC 791 (IPv4), RFC 8200 (IPv6 and its extension headers),
 * RFC 4302 (AH), RFC 9293 (TCP), RFC 768 (UDP), RFC 792/4443 (ICMP).
 *
 * Octets are the IP total length, as NetFlow and IPFIX define them, not
 * the frame length: Ethernet padding of short frames is not traffic.  All
 * header parsing is limited to the captured bytes, so a short snaplen
 * still meters the full size of every packet.
 */
#include <string.h>
#include "packet.h"
#include "link.h"
#include "../export/rd.h"

#define IPPROTO_HOPOPTS_ 0
#define IPPROTO_ICMP_ 1
#define IPPROTO_TCP_ 6
#define IPPROTO_UDP_ 17
#define IPPROTO_DCCP_ 33
#define IPPROTO_ROUTING_ 43
#define IPPROTO_FRAGMENT_ 44
#define IPPROTO_AH_ 51
#define IPPROTO_ICMPV6_ 58
#define IPPROTO_DSTOPTS_ 60
#define IPPROTO_SCTP_ 132
#define IPPROTO_UDPLITE_ 136

/* Ports, TCP flags and payload from the transport header in t.  A header
 * cut short by the snaplen gives no ports, but the packet still counts
 * toward its (addresses, protocol) flow. */
static void decode_transport(struct rd *t, struct packet *pkt)
{
	struct flow_key *k = &pkt->key;

	switch (k->proto) {
	case IPPROTO_TCP_: {
		if (rd_left(t) < 4)
			return;
		k->sport = rd_u16(t);
		k->dport = rd_u16(t);
		rd_skip(t, 8);			/* sequence, acknowledgement */
		uint16_t off_flags = rd_u16(t);
		if (!rd_ok(t))
			return;
		pkt->tcp_flags = (uint8_t)off_flags;
		size_t hlen = (size_t)(off_flags >> 12) * 4;
		rd_skip(t, hlen > 14 ? hlen - 14 : 6);
		break;
	}
	case IPPROTO_UDP_:
	case IPPROTO_UDPLITE_: {
		if (rd_left(t) < 4)
			return;
		k->sport = rd_u16(t);
		k->dport = rd_u16(t);
		uint16_t ulen = rd_u16(t);
		rd_skip(t, 2);			/* checksum */
		/* UDP's own length bounds the payload when it is sane. */
		if (k->proto == IPPROTO_UDP_ && ulen >= 8 && (size_t)(ulen - 8) < rd_left(t))
			*t = rd_sub(t, ulen - 8u);
		break;
	}
	case IPPROTO_SCTP_:
	case IPPROTO_DCCP_:
		if (rd_left(t) < 4)
			return;
		k->sport = rd_u16(t);
		k->dport = rd_u16(t);
		return;
	case IPPROTO_ICMP_:
	case IPPROTO_ICMPV6_: {
		/* As Cisco: type and code in the destination port. */
		if (rd_left(t) < 2)
			return;
		uint8_t type = rd_u8(t);
		uint8_t code = rd_u8(t);
		k->dport = (uint16_t)(type << 8 | code);
		return;
	}
	default:
		return;
	}
	if (rd_ok(t)) {
		pkt->payload = t->p;
		pkt->payload_len = t->left;
	}
}

static enum packet_kind decode_ipv4(struct rd *r, size_t l3_wire, struct packet *pkt)
{
	struct flow_key *k = &pkt->key;
	uint8_t vhl = rd_u8(r);
	size_t hlen = (size_t)(vhl & 0x0f) * 4;

	if (!rd_ok(r))
		return PKT_TOO_SHORT;
	if ((vhl >> 4) != 4 || hlen < 20)
		return PKT_BAD_HEADER;
	k->af = 4;
	k->tos = rd_u8(r);
	uint16_t total = rd_u16(r);
	uint16_t ident = rd_u16(r);
	uint16_t frag = rd_u16(r);
	rd_skip(r, 1);				/* TTL */
	k->proto = rd_u8(r);
	rd_skip(r, 2);				/* checksum */
	rd_bytes(r, k->src, 4);
	rd_bytes(r, k->dst, 4);
	rd_skip(r, hlen - 20);			/* options */
	if (!rd_ok(r))
		return PKT_TOO_SHORT;

	/* A total length below the header length is what TSO offload writes
	 * into captured super-packets: fall back to the bytes on the wire. */
	size_t body;
	if (total >= hlen) {
		pkt->octets = total;
		body = total - hlen;
	} else {
		pkt->octets = (uint32_t)l3_wire;
		body = l3_wire > hlen ? l3_wire - hlen : 0;
	}
	if ((frag & 0x3fff) != 0) {		/* MF or an offset */
		pkt->frag_id = ident;
		pkt->frag_proto = k->proto;
		pkt->fragment = (frag & 0x1fff) ? FRAG_LATER : FRAG_FIRST;
	}
	if (pkt->fragment == FRAG_LATER)
		return PKT_IP;			/* no transport header */
	struct rd t = rd_sub(r, body < rd_left(r) ? body : rd_left(r));
	decode_transport(&t, pkt);
	return PKT_IP;
}

static enum packet_kind decode_ipv6(struct rd *r, struct packet *pkt)
{
	struct flow_key *k = &pkt->key;
	uint32_t vtf = rd_u32(r);
	uint16_t plen = rd_u16(r);
	uint8_t nh = rd_u8(r);

	rd_skip(r, 1);				/* hop limit */
	rd_bytes(r, k->src, 16);
	rd_bytes(r, k->dst, 16);
	if (!rd_ok(r))
		return PKT_TOO_SHORT;
	if ((vtf >> 28) != 6)
		return PKT_BAD_HEADER;
	k->af = 6;
	k->tos = (uint8_t)(vtf >> 20);		/* traffic class */
	pkt->flowlabel = vtf & 0xfffff;
	pkt->octets = 40u + plen;

	struct rd body = rd_sub(r, plen < rd_left(r) ? plen : rd_left(r));
	/* No count limit: every extension header takes at least 8 bytes of
	 * the captured body, so the reader ends any chain within 8192 steps,
	 * and a real chain longer than a fixed limit (RFC 8200 sets none)
	 * still reaches its transport header, as softflowd's does. */
	for (;;) {
		if (nh == IPPROTO_HOPOPTS_ || nh == IPPROTO_ROUTING_ || nh == IPPROTO_DSTOPTS_) {
			nh = rd_u8(&body);
			rd_skip(&body, (size_t)rd_u8(&body) * 8 + 6);
		} else if (nh == IPPROTO_FRAGMENT_) {
			nh = rd_u8(&body);
			rd_skip(&body, 1);
			uint16_t off = rd_u16(&body);
			pkt->frag_id = rd_u32(&body);
			pkt->frag_proto = nh;
			/* An atomic fragment (offset 0, no more) is whole. */
			if ((off & 0xfff8) != 0)
				pkt->fragment = FRAG_LATER;
			else if (off & 1)
				pkt->fragment = FRAG_FIRST;
			if (pkt->fragment == FRAG_LATER) {
				k->proto = nh;	/* no transport header */
				return PKT_IP;
			}
		} else if (nh == IPPROTO_AH_) {
			nh = rd_u8(&body);
			rd_skip(&body, (size_t)rd_u8(&body) * 4 + 6);
		} else {
			break;
		}
		if (!rd_ok(&body)) {
			k->proto = nh;		/* chain cut by the snaplen */
			return PKT_IP;
		}
	}
	k->proto = nh;
	decode_transport(&body, pkt);
	return PKT_IP;
}

enum packet_kind packet_decode(int dlt, const uint8_t *data, size_t caplen,
			       size_t wirelen, uint32_t ifindex, struct packet *pkt)
{
	return packet_decode_mpls(dlt, data, caplen, wirelen, ifindex, pkt, NULL);
}

enum packet_kind packet_decode_mpls(int dlt, const uint8_t *data, size_t caplen,
				    size_t wirelen, uint32_t ifindex, struct packet *pkt,
				    struct mpls_stack *mpls)
{
	struct rd r = rd_make(data, caplen);
	struct link_info li;

	flowkey_clear(&pkt->key);
	pkt->octets = 0;
	pkt->tcp_flags = 0;
	pkt->fragment = FRAG_NONE;
	pkt->frag_id = 0;
	pkt->frag_proto = 0;
	pkt->flowlabel = 0;
	pkt->payload = NULL;
	pkt->payload_len = 0;

	li.mpls = mpls;
	link_decode(dlt, &r, &li);
	if (!rd_ok(&r))
		return PKT_TOO_SHORT;
	pkt->vlan = li.vlan;
	memcpy(pkt->src_mac, li.src_mac, 6);
	memcpy(pkt->dst_mac, li.dst_mac, 6);
	pkt->key.ifindex = li.ifindex ? li.ifindex : ifindex;

	size_t link_len = caplen - rd_left(&r);
	size_t l3_wire = wirelen > link_len ? wirelen - link_len : 0;
	switch (li.l3) {
	case L3_IPV4: return decode_ipv4(&r, l3_wire, pkt);
	case L3_IPV6: return decode_ipv6(&r, pkt);
	default: return PKT_NON_IP;
	}
}
