/*
 * link.c - link-layer headers: Ethernet (with 802.1Q/802.1ad tags, MPLS
 * label stacks and PPPoE sessions), Linux cooked v1 and v2, raw IP, BSD
 * NULL and OpenBSD LOOP.
 *
 * References: IEEE 802.3 and 802.1Q; RFC 3032 (MPLS label stack); RFC 2516
 * (PPPoE); tcpdump.org "LINKTYPE_LINUX_SLL", "LINKTYPE_LINUX_SLL2",
 * "LINKTYPE_NULL", "LINKTYPE_LOOP" pages.
 */
#include <pcap/pcap.h>
#include <stdio.h>
#include "link.h"

#define ETHERTYPE_IPV4 0x0800
#define ETHERTYPE_IPV6 0x86dd
#define ETHERTYPE_VLAN 0x8100	/* 802.1Q C-tag */
#define ETHERTYPE_QINQ 0x88a8	/* 802.1ad S-tag */
#define ETHERTYPE_QINQ_OLD 0x9100 /* pre-standard S-tag, still seen */
#define ETHERTYPE_MPLS 0x8847
#define ETHERTYPE_MPLS_MC 0x8848
#define ETHERTYPE_PPPOE 0x8864	/* PPPoE session stage */
#define PPP_IPV4 0x0021
#define PPP_IPV6 0x0057

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
 * header of its own to meter. */
static enum l3_kind after_mpls(struct rd *r)
{
	for (int i = 0; i < MAX_MPLS_LABELS; i++) {
		uint32_t entry = rd_u32(r);
		if (!rd_ok(r))
			return L3_NONE;
		if (entry & 0x100) {		/* bottom of stack */
			uint8_t v = rd_peek_u8(r) >> 4;
			return v == 4 ? L3_IPV4 : v == 6 ? L3_IPV6 : L3_NONE;
		}
	}
	return L3_NONE;
}

/* RFC 2516 session header, then the PPP protocol number. */
static enum l3_kind after_pppoe(struct rd *r)
{
	rd_skip(r, 6);			/* version/type, code, session id, length */
	uint16_t proto = rd_u16(r);
	return proto == PPP_IPV4 ? L3_IPV4 : proto == PPP_IPV6 ? L3_IPV6 : L3_NONE;
}

/* The payload after an ethertype (and its VLAN tags). */
static enum l3_kind after_ethertype(struct rd *r, uint16_t type, struct link_info *info)
{
	type = skip_vlan_tags(r, type, info);
	switch (type) {
	case ETHERTYPE_MPLS:
	case ETHERTYPE_MPLS_MC:
		return after_mpls(r);
	case ETHERTYPE_PPPOE:
		return after_pppoe(r);
	default:
		return from_ethertype(type);
	}
}

static void decode_ethernet(struct rd *r, struct link_info *info)
{
	rd_skip(r, 12);			/* destination, source MAC */
	info->l3 = after_ethertype(r, rd_u16(r), info);
}

static void decode_sll(struct rd *r, struct link_info *info)
{
	rd_skip(r, 2 + 2 + 2 + 8);	/* packet type, ARPHRD, addr len, addr */
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

static const struct link_type {
	int dlt;
	const char *name;
	void (*decode)(struct rd *r, struct link_info *info);
} link_types[] = {
	{ DLT_NULL, "NULL", decode_null },
	{ DLT_EN10MB, "EN10MB", decode_ethernet },
	{ DLT_RAW, "RAW", decode_raw },
#if DLT_RAW != 14
	{ 14, "RAW", decode_raw },	/* OpenBSD's DLT_RAW number */
#endif
	{ DLT_LOOP, "LOOP", decode_loop },
	{ DLT_LINUX_SLL, "LINUX_SLL", decode_sll },
	{ DLT_IPV4, "IPV4", decode_ipv4_only },
	{ DLT_IPV6, "IPV6", decode_ipv6_only },
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
	if (lt)
		lt->decode(r, info);
}
