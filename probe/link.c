/*
 * link.c - link-layer headers: Ethernet (with 802.1Q/802.1ad tags, MPLS
 * label stacks, PPPoE sessions and 802.3 LLC/SNAP), Linux cooked v1 and
 * v2, raw IP, BSD NULL and OpenBSD LOOP, OpenBSD pflog, PPP, Cisco HDLC,
 * Linux NFLOG, IEEE 802.11 (bare and under radiotap) and FDDI.
 *
 * References: IEEE 802.3 and 802.1Q; RFC 3032 (MPLS label stack); RFC 2516
 * (PPPoE); IEEE 802.2 and RFC 1042 (LLC/SNAP); RFC 1661 (PPP, and its
 * address/control and protocol field compression, §6.5, §6.6), RFC 1662
 * (HDLC-like framing), RFC 1547 §4.3.1 (Cisco HDLC); IEEE 802.11-2020 §9.2
 * (MAC frame format); radiotap.org (radiotap header and field alignment);
 * RFC 1390 (IP over FDDI); tcpdump.org "LINKTYPE_LINUX_SLL",
 * "LINKTYPE_LINUX_SLL2", "LINKTYPE_NULL", "LINKTYPE_LOOP",
 * "LINKTYPE_PFLOG", "LINKTYPE_PPP", "LINKTYPE_PPP_HDLC", "LINKTYPE_C_HDLC",
 * "LINKTYPE_NFLOG", "LINKTYPE_IEEE802_11", "LINKTYPE_IEEE802_11_RADIOTAP"
 * and "LINKTYPE_FDDI" pages.
 */
#include <pcap/pcap.h>
#include <stdio.h>
#include <string.h>
#include "link.h"

#define ETHERTYPE_IPV4 0x0800
#define ETHERTYPE_IPV6 0x86dd
#define ETHERTYPE_VLAN 0x8100	/* 802.1Q C-tag */
#define ETHERTYPE_QINQ 0x88a8	/* 802.1ad S-tag */
#define ETHERTYPE_QINQ_OLD 0x9100 /* pre-standard S-tag, still seen */
#define ETHERTYPE_MPLS 0x8847
#define ETHERTYPE_MPLS_MC 0x8848
#define ETHERTYPE_PPPOE 0x8864	/* PPPoE session stage */
#define ETHER_MAX_LENGTH 1500	/* type fields up to this are 802.3 lengths */
#define PPP_IPV4 0x0021
#define PPP_IPV6 0x0057
#define PPP_MPLS 0x0281
#define PPP_MPLS_MC 0x0283
#define PPP_ADDRESS 0xff	/* RFC 1662 all-stations address */
#define PPP_CONTROL 0x03	/* unnumbered information */
#define CHDLC_UNICAST 0x0f
#define CHDLC_BCAST 0x8f

/* pcap_datalink() values: libpcap maps LINKTYPE_IPV4/IPV6 (228/229) to
 * these DLT numbers, and LINKTYPE_RAW (101) to DLT_RAW. */
#ifndef DLT_IPV4
#define DLT_IPV4 228
#endif
#ifndef DLT_IPV6
#define DLT_IPV6 229
#endif
#ifndef DLT_LINUX_SLL2
#define DLT_LINUX_SLL2 276
#endif

/* Tags we are willing to unwrap before giving up: real stacks have one or
 * two; the bound keeps a crafted frame from costing more than a few reads. */
#define MAX_VLAN_TAGS 8
/* softflowd walks MPLS labels until bottom-of-stack with no bound and reads
 * past the buffer on a label without it; we stop at the buffer's end or at
 * this many labels, whichever comes first. */
#define MAX_MPLS_LABELS 16

/* Little-endian 16 bits (radiotap), read a byte at a time. */
static uint16_t read_u16le(struct rd *r)
{
	uint16_t lo = rd_u8(r);
	uint16_t hi = rd_u8(r);
	return (uint16_t)(hi << 8 | lo);
}

/* 16 bits in this host's byte order (NFLOG). */
static uint16_t read_u16host(struct rd *r)
{
	uint8_t b[2];
	uint16_t v;
	rd_bytes(r, b, 2);
	memcpy(&v, b, 2);
	return v;
}

static enum l3_kind from_ethertype(uint16_t type)
{
	switch (type) {
	case ETHERTYPE_IPV4: return L3_IPV4;
	case ETHERTYPE_IPV6: return L3_IPV6;
	default: return L3_NONE;
	}
}

/* Shared by Ethernet and the cooked headers: skip VLAN tags that sit
 * between the link header and the payload, remembering the outer VID. */
static uint16_t skip_vlan_tags(struct rd *r, uint16_t type, struct link_info *info)
{
	int tags = 0;
	while ((type == ETHERTYPE_VLAN || type == ETHERTYPE_QINQ ||
		type == ETHERTYPE_QINQ_OLD) && tags < MAX_VLAN_TAGS && rd_ok(r)) {
		uint16_t tci = rd_u16(r);
		if (tags == 0)
			info->vlan = tci & 0x0fff;
		type = rd_u16(r);
		tags++;
	}
	return type;
}

/* What follows an MPLS label stack is told only by its first nibble.  A
 * pseudowire (control word nibble 0, Ethernet inside) has no outer IP
 * header of its own to meter.  The first entries are kept when the caller
 * asked for them (-x). */
static enum l3_kind after_mpls(struct rd *r, struct link_info *info)
{
	struct mpls_stack *ms = info->mpls;

	for (int i = 0; i < MAX_MPLS_LABELS; i++) {
		uint32_t entry = rd_u32(r);
		if (!rd_ok(r))
			return L3_NONE;
		if (ms && i < MPLS_LABELS_MAX) {
			ms->entry[i][0] = (uint8_t)(entry >> 24);
			ms->entry[i][1] = (uint8_t)(entry >> 16);
			ms->entry[i][2] = (uint8_t)(entry >> 8);
			ms->depth = (uint8_t)(i + 1);
		}
		if (entry & 0x100) {		/* bottom of stack */
			uint8_t v = rd_peek_u8(r) >> 4;
			return v == 4 ? L3_IPV4 : v == 6 ? L3_IPV6 : L3_NONE;
		}
	}
	return L3_NONE;
}

/* A PPP protocol number (PPP, PPPoE). */
static enum l3_kind after_ppp_protocol(struct rd *r, uint16_t proto, struct link_info *info)
{
	switch (proto) {
	case PPP_IPV4: return L3_IPV4;
	case PPP_IPV6: return L3_IPV6;
	case PPP_MPLS:
	case PPP_MPLS_MC: return after_mpls(r, info);
	default: return L3_NONE;
	}
}

/* RFC 2516 session header, then the PPP protocol number. */
static enum l3_kind after_pppoe(struct rd *r, struct link_info *info)
{
	rd_skip(r, 6);			/* version/type, code, session id, length */
	return after_ppp_protocol(r, rd_u16(r), info);
}

/* The payload after its final ethertype. */
static enum l3_kind after_type(struct rd *r, uint16_t type, struct link_info *info)
{
	switch (type) {
	case ETHERTYPE_MPLS:
	case ETHERTYPE_MPLS_MC:
		return after_mpls(r, info);
	case ETHERTYPE_PPPOE:
		return after_pppoe(r, info);
	default:
		return from_ethertype(type);
	}
}

/*
 * An 802.2 LLC header.  IP is carried only with SNAP (RFC 1042): DSAP and
 * SSAP 0xaa, UI control 0x03, OUI 00-00-00 (or 00-00-f8, the 802.1H
 * bridge tunnel), then an ethertype.  Anything else (STP, IS-IS, NetBIOS)
 * is known not to be IP from its first differing byte.
 */
static enum l3_kind after_llc(struct rd *r, struct link_info *info)
{
	if (rd_u8(r) != 0xaa || rd_u8(r) != 0xaa || rd_u8(r) != 0x03)
		return L3_NONE;
	uint8_t oui[3];
	rd_bytes(r, oui, 3);
	uint16_t type = skip_vlan_tags(r, rd_u16(r), info);
	if (oui[0] != 0 || oui[1] != 0 || (oui[2] != 0 && oui[2] != 0xf8))
		return L3_NONE;
	return after_type(r, type, info);
}

/*
 * The payload after an ethertype (and its VLAN tags).  A value up to 1500
 * is an 802.3 length (or, in a Linux cooked header, a pseudo-type such as
 * 4, "802.2 LLC follows"): IP can then only come in LLC/SNAP.
 */
static enum l3_kind after_ethertype(struct rd *r, uint16_t type, struct link_info *info)
{
	type = skip_vlan_tags(r, type, info);
	if (type <= ETHER_MAX_LENGTH)
		return after_llc(r, info);
	return after_type(r, type, info);
}

static void decode_ethernet(struct rd *r, struct link_info *info)
{
	rd_bytes(r, info->dst_mac, 6);
	rd_bytes(r, info->src_mac, 6);
	info->l3 = after_ethertype(r, rd_u16(r), info);
}

static void decode_sll(struct rd *r, struct link_info *info)
{
	rd_skip(r, 2 + 2);		/* packet type, ARPHRD */
	uint16_t alen = rd_u16(r);
	uint8_t addr[8];
	rd_bytes(r, addr, 8);		/* the sender's link address */
	if (alen == 6)
		memcpy(info->src_mac, addr, 6);
	info->l3 = after_ethertype(r, rd_u16(r), info);
}

static void decode_sll2(struct rd *r, struct link_info *info)
{
	uint16_t type = rd_u16(r);
	rd_skip(r, 2);			/* reserved */
	info->ifindex = rd_u32(r);
	rd_skip(r, 2 + 1 + 1 + 8);	/* ARPHRD, packet type, addr len, addr */
	info->l3 = after_ethertype(r, type, info);
}

static void decode_raw(struct rd *r, struct link_info *info)
{
	uint8_t v = rd_peek_u8(r) >> 4;
	info->l3 = v == 4 ? L3_IPV4 : v == 6 ? L3_IPV6 : L3_NONE;
}

/*
 * BSD loopback: a 4-byte address family in the byte order of the host that
 * captured.  Families are small numbers, so a value with its low 16 bits
 * zero was written big-endian.  IPv6's number differs between systems
 * (24 NetBSD/OpenBSD, 28 FreeBSD, 30 macOS, 10 Linux): accept them all.
 */
static enum l3_kind from_bsd_family(uint32_t fam)
{
	switch (fam) {
	case 2: return L3_IPV4;
	case 10: case 24: case 28: case 30: return L3_IPV6;
	default: return L3_NONE;
	}
}

static void decode_null(struct rd *r, struct link_info *info)
{
	uint32_t fam = rd_u32le(r);
	if ((fam & 0xffff) == 0)
		fam = (fam >> 24) | ((fam >> 8) & 0xff00);
	info->l3 = from_bsd_family(fam);
}

static void decode_loop(struct rd *r, struct link_info *info)
{
	info->l3 = from_bsd_family(rd_u32(r));
}

static void decode_ipv4_only(struct rd *r, struct link_info *info)
{
	(void)r;
	info->l3 = L3_IPV4;
}

static void decode_ipv6_only(struct rd *r, struct link_info *info)
{
	(void)r;
	info->l3 = L3_IPV6;
}

/*
 * pflog: the header's own length is its first byte, padded to 4 bytes
 * (as libpcap's filter code and tcpdump skip it).  It has grown over the
 * years: 45 (padded 48, what softflowd assumes), 61 (NetBSD, macOS),
 * FreeBSD's and OpenBSD's longer ones (up to 100).  Shorter than the
 * oldest (fields up to the direction byte) is not a pflog header.  The
 * address family follows; AF_INET6 differs between the BSDs.
 */
#define PFLOG_MIN_HDRLEN 45

static void decode_pflog(struct rd *r, struct link_info *info)
{
	uint8_t len = rd_u8(r);
	uint8_t af = rd_u8(r);

	if (!rd_ok(r) || len < PFLOG_MIN_HDRLEN)
		return;
	rd_skip(r, (((size_t)len + 3) & ~(size_t)3) - 2);
	info->l3 = from_bsd_family(af);
}

/* Cisco HDLC: address (0x0f unicast, 0x8f broadcast), control 0x00, then
 * an ethertype (0x8035 is SLARP, 0x2000 CDP: not IP). */
static void decode_chdlc(struct rd *r, struct link_info *info)
{
	rd_skip(r, 2);
	info->l3 = after_ethertype(r, rd_u16(r), info);
}

/*
 * PPP as captured (LINKTYPE_PPP, LINKTYPE_PPP_HDLC): the ff 03 address
 * and control, or none (address/control field compression); then the
 * protocol in two bytes, or in one when its first byte is odd (protocol
 * field compression: 0x21 IPv4, 0x57 IPv6).  Some routers write Cisco
 * HDLC frames under the same link type: a first byte of 0x0f or 0x8f,
 * which no PPP frame starts with (0x000f and 0x008f are no protocols).
 */
static void decode_ppp(struct rd *r, struct link_info *info)
{
	uint8_t first = rd_peek_u8(r);

	if (first == CHDLC_UNICAST || first == CHDLC_BCAST) {
		struct rd peek = *r;	/* a frame cut here fails in decode_chdlc */
		rd_skip(&peek, 1);
		if (rd_u8(&peek) == 0x00) {
			decode_chdlc(r, info);
			return;
		}
	}
	if (first == PPP_ADDRESS) {
		rd_skip(r, 1);
		if (rd_u8(r) != PPP_CONTROL)
			return;
	}
	uint16_t proto = (rd_peek_u8(r) & 1) ? rd_u8(r) : rd_u16(r);
	if (rd_ok(r))
		info->l3 = after_ppp_protocol(r, proto, info);
}

/*
 * NFLOG (Linux netfilter log): family, version, resource id (big-endian),
 * then TLVs up to the one with the packet.  TLV lengths and types are in
 * the byte order of the host that reads the file: libpcap swaps them when
 * the file was written on a host of the other order.  A length counts the
 * 4-byte TLV header; TLVs are padded to 4 bytes.  A length below 4 (which
 * would never advance) ends the frame as not IP; one past the captured
 * bytes leaves the reader failed.  Every turn consumes at least 4 bytes,
 * so the loop is bounded by the frame.
 */
#define NFLOG_TLV_TYPE_MASK 0x3fff	/* nested and byte-order flag bits off */
#define NFULA_PAYLOAD 9
#define NFPROTO_IPV4 2
#define NFPROTO_IPV6 10

static void decode_nflog(struct rd *r, struct link_info *info)
{
	uint8_t family = rd_u8(r);
	uint8_t version = rd_u8(r);
	rd_skip(r, 2);			/* resource id: the NFLOG group */
	if (!rd_ok(r) || version != 0)
		return;
	while (rd_ok(r)) {
		uint16_t len = read_u16host(r);
		uint16_t type = read_u16host(r) & NFLOG_TLV_TYPE_MASK;
		if (!rd_ok(r) || len < 4)
			return;
		if (type == NFULA_PAYLOAD) {
			info->l3 = family == NFPROTO_IPV4 ? L3_IPV4 :
				   family == NFPROTO_IPV6 ? L3_IPV6 : L3_NONE;
			return;
		}
		rd_skip(r, (((size_t)len + 3) & ~(size_t)3) - 4);
	}
}

/*
 * An IEEE 802.11 MAC frame.  Only data frames carrying data (not the
 * Null subtypes) can hold IP, and not when protected (WEP, TKIP, CCMP:
 * the LLC header is encrypted) or when the QoS control says A-MSDU
 * (several subframes, each with its own header: not decoded).  The
 * header is 24 bytes; +6 for the fourth address (ToDS and FromDS); +2
 * QoS control in QoS subtypes, +4 HT control when a QoS frame has the
 * Order bit.  datapad: radiotap says the driver padded the header to a
 * multiple of 4.  Then LLC/SNAP.
 */
#define WLAN_TYPE_DATA 2
#define WLAN_SUBTYPE_NODATA 0x04	/* Null, CF-Ack/Poll without data */
#define WLAN_SUBTYPE_QOS 0x08
#define WLAN_TO_FROM_DS 0x03
#define WLAN_PROTECTED 0x40
#define WLAN_ORDER 0x80
#define WLAN_QOS_AMSDU 0x80

static void after_80211(struct rd *r, struct link_info *info, int datapad)
{
	uint8_t fc0 = rd_u8(r);		/* subtype, type, protocol version */
	uint8_t fc1 = rd_u8(r);		/* flags */
	uint8_t subtype = fc0 >> 4;
	size_t hlen = 24;
	uint8_t qos = 0;

	if (!rd_ok(r) || (fc0 & 0x03) != 0 || ((fc0 >> 2) & 0x03) != WLAN_TYPE_DATA ||
	    (subtype & WLAN_SUBTYPE_NODATA) || (fc1 & WLAN_PROTECTED))
		return;
	uint8_t a[4][6] = { { 0 } };
	rd_skip(r, 2);			/* duration */
	rd_bytes(r, a[0], 6);
	rd_bytes(r, a[1], 6);
	rd_bytes(r, a[2], 6);
	rd_skip(r, 2);			/* sequence control */
	if ((fc1 & WLAN_TO_FROM_DS) == WLAN_TO_FROM_DS) {
		rd_bytes(r, a[3], 6);
		hlen += 6;
	}
	/* Which address is the source and which the destination depends on
	 * To DS (bit 0) and From DS (bit 1): IEEE 802.11, Table 9-26. */
	static const uint8_t da_of[4] = { 0, 2, 0, 2 }, sa_of[4] = { 1, 1, 2, 3 };
	memcpy(info->dst_mac, a[da_of[fc1 & WLAN_TO_FROM_DS]], 6);
	memcpy(info->src_mac, a[sa_of[fc1 & WLAN_TO_FROM_DS]], 6);
	if (subtype & WLAN_SUBTYPE_QOS) {
		qos = rd_u8(r);
		rd_skip(r, 1);
		hlen += 2;
		if (fc1 & WLAN_ORDER) {
			rd_skip(r, 4);
			hlen += 4;
		}
	}
	if (datapad)
		rd_skip(r, (4 - hlen % 4) % 4);
	if (!rd_ok(r) || (qos & WLAN_QOS_AMSDU))
		return;
	info->l3 = after_llc(r, info);
}

static void decode_80211(struct rd *r, struct link_info *info)
{
	after_80211(r, info, 0);
}

/*
 * The radiotap Flags field, or 0 when absent.  rt reads the header from
 * its first presence word on (offset 4).  Fields follow the last presence
 * word (bit 31: another follows), each aligned to its natural size from
 * the start of the header; only TSFT (bit 0, 8 bytes) can precede Flags
 * (bit 1, 1 byte).
 */
#define RADIOTAP_TSFT 0x01u
#define RADIOTAP_FLAGS 0x02u
#define RADIOTAP_EXT 0x80000000u
#define RADIOTAP_F_DATAPAD 0x20	/* header padded to 4 bytes */

static uint8_t radiotap_flags(struct rd *rt)
{
	uint32_t present = rd_u32le(rt);
	uint32_t word = present;
	size_t off = 8;			/* from the header's start */

	while ((word & RADIOTAP_EXT) && rd_ok(rt)) {
		word = rd_u32le(rt);
		off += 4;
	}
	if (!(present & RADIOTAP_FLAGS))
		return 0;
	if (present & RADIOTAP_TSFT)
		rd_skip(rt, (8 - off % 8) % 8 + 8);
	return rd_u8(rt);		/* 0 if the header ends first */
}

/*
 * Radiotap: version 0, pad, the header's length (little-endian, all of
 * it, bounded by what was captured), presence words and fields; then an
 * 802.11 frame.  The FCS that some drivers leave at the end (Flags bit
 * 0x10) follows the IP datagram, whose own length bounds what is read.
 */
static void decode_radiotap(struct rd *r, struct link_info *info)
{
	uint8_t version = rd_u8(r);
	rd_skip(r, 1);
	uint16_t len = read_u16le(r);

	if (!rd_ok(r) || version != 0 || len < 8)
		return;
	struct rd rt = rd_sub(r, len - 4u);
	if (!rd_ok(r))
		return;
	after_80211(r, info, radiotap_flags(&rt) & RADIOTAP_F_DATAPAD);
}

/*
 * FDDI: frame control, destination, source (6 bytes each), then LLC.
 * Only LLC frames with 48-bit addresses (frame control 0101xxxx or
 * 1101xxxx) carry IP; SMT and MAC frames do not.  Captures from systems
 * whose driver puts 3 bytes of padding before the frame control (a few
 * BSDs, libpcap's PCAP_FDDIPAD) are not recognised.
 */
#define FDDI_FC_LLC_MASK 0x70
#define FDDI_FC_LLC 0x50

static void decode_fddi(struct rd *r, struct link_info *info)
{
	uint8_t fc = rd_u8(r);
	rd_bytes(r, info->dst_mac, 6);
	rd_bytes(r, info->src_mac, 6);
	if (rd_ok(r) && (fc & FDDI_FC_LLC_MASK) == FDDI_FC_LLC)
		info->l3 = after_llc(r, info);
}

static const struct link_type {
	int dlt;
	const char *name;
	void (*decode)(struct rd *r, struct link_info *info);
} link_types[] = {
	{ DLT_NULL, "NULL", decode_null },
	{ DLT_EN10MB, "EN10MB", decode_ethernet },
	{ DLT_PPP, "PPP", decode_ppp },
	{ DLT_FDDI, "FDDI", decode_fddi },
	{ DLT_RAW, "RAW", decode_raw },
#if DLT_RAW != 14
	{ 14, "RAW", decode_raw },	/* OpenBSD's DLT_RAW number */
#endif
	{ DLT_PPP_SERIAL, "PPP_SERIAL", decode_ppp },	/* same framings as DLT_PPP */
	{ DLT_C_HDLC, "C_HDLC", decode_chdlc },
	{ DLT_IEEE802_11, "IEEE802_11", decode_80211 },
	{ DLT_LOOP, "LOOP", decode_loop },
	{ DLT_LINUX_SLL, "LINUX_SLL", decode_sll },
	{ DLT_PFLOG, "PFLOG", decode_pflog },
	{ DLT_IEEE802_11_RADIO, "IEEE802_11_RADIO", decode_radiotap },
	{ DLT_IPV4, "IPV4", decode_ipv4_only },
	{ DLT_IPV6, "IPV6", decode_ipv6_only },
	{ DLT_NFLOG, "NFLOG", decode_nflog },
	{ DLT_LINUX_SLL2, "LINUX_SLL2", decode_sll2 },
};
static const struct link_type *find(int dlt)
{
	for (size_t i = 0; i < sizeof(link_types) / sizeof(link_types[0]); i++)
		if (link_types[i].dlt == dlt)
			return &link_types[i];
	return NULL;
}

int link_supported(int dlt)
{
	return find(dlt) != NULL;
}

const char *link_name(int dlt, char *buf, size_t len)
{
	const char *name = pcap_datalink_val_to_name(dlt);
	if (name)
		snprintf(buf, len, "%s", name);
	else
		snprintf(buf, len, "DLT %d", dlt);
	return buf;
}

void link_decode(int dlt, struct rd *r, struct link_info *info)
{
	const struct link_type *lt = find(dlt);

	info->l3 = L3_NONE;
	info->vlan = 0;
	info->ifindex = 0;
	memset(info->src_mac, 0, 6);
	memset(info->dst_mac, 0, 6);
	if (info->mpls)
		info->mpls->depth = 0;
	if (lt)
		lt->decode(r, info);
}
