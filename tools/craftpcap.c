/*
 * craftpcap.c - writes the crafted captures that the golden tests replay.
 *
 * Usage: craftpcap OUTDIR
 *
 * Every row of the table at the bottom becomes OUTDIR/NAME.pcap: a few
 * packets made to show one rule of the probe's contract (TCP end-of-flow
 * timeouts, idle splits and scan rounding, the active timeout, the table
 * limit, link types, ...).  What flowcollect must print for each capture is
 * worked out by hand from those rules and kept as pcaps/NAME.expected, and
 * for captures with flows v5 cannot show (IPv6, end reasons, VLAN ids) the
 * probe's -D lines as pcaps/NAME.dump; the probe options for it are in
 * tests/golden.list.  The comment above each
 * capture function gives the reasoning, with times in seconds from the
 * capture's time zero T0.
 *
 * The files are a pure function of this source: timestamps, IP ids, TCP
 * sequence numbers and payloads are fixed, and nothing reads the clock or
 * a random source.  tests/e2e/golden.sh regenerates them and compares them
 * byte for byte with pcaps/, so this file stays the source of truth: change
 * a capture here, run `make pcaps`, and redo its .expected (and .dump) by
 * hand.
 *
 * Addresses come from the documentation ranges (RFC 5737: 192.0.2.0/24 for
 * clients, 198.51.100.0/24 for servers; RFC 3849: 2001:db8::/32).  MAC
 * addresses are locally administered, 02:00 followed by the host's IPv4
 * address, so a frame's link header agrees with its IP header.
 */
#include <arpa/inet.h>
#include <libnet.h>
#include <pcap/pcap.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * 2024-01-01 00:00:00 UTC, every capture's time zero.  It is a multiple of
 * 60 s, so the probe's expiry scans (epoch-aligned multiples of expint)
 * fall on whole seconds after T0 for expint 1 and on T0 + 60 k for 60.
 */
#define T0 1704067200LL

/* Capture times are int64 microseconds after T0. */
#define MS(x) ((int64_t)(x) * 1000)
#define SEC(x) ((int64_t)(x) * 1000000)

#define SNAPLEN 65535
#define FRAME_MAX 2048
#define ETH_MIN_FRAME 60	/* shortest Ethernet frame, FCS not captured */
#define ETHERTYPE_LLDP 0x88cc
#define HOP_LIMIT 64
#define TCP_WINDOW 64240

/* IPv4/IPv6 "address family" values in BSD loopback headers: AF_INET is 2
 * everywhere; AF_INET6 differs, 24 is NetBSD's and OpenBSD's. */
#define BSD_AF_INET 2
#define BSD_AF_INET6 24

/* Linux cooked-capture packet types. */
#define SLL_HOST 0		/* addressed to the capturing host */
#define SLL_OUTGOING 4		/* sent by it */

/* Linux NFLOG: families, TLV types (linux/netfilter/nfnetlink_log.h). */
#define NFPROTO_IPV4 2
#define NFPROTO_IPV6 10
#define NFULA_PACKET_HDR 1
#define NFULA_PAYLOAD 9
#define NFULA_PREFIX 10
#define NFULA_UID 11
#define NFLOG_GROUP 5
#define NF_INET_LOCAL_IN 1

/* PPP protocol numbers and Cisco HDLC framing. */
#define PPP_LCP 0xc021
#define PPP_IP 0x0021
#define PPP_IPV6 0x0057
#define CHDLC_UNICAST 0x0f
#define CHDLC_BCAST 0x8f
#define ETHERTYPE_SLARP 0x8035

/* Ethernet encapsulations (IEEE 802.1Q, RFC 3032, RFC 2516). */
#define ETHERTYPE_QINQ 0x88a8		/* 802.1ad service tag */
#define ETHERTYPE_QINQ_OLD 0x9100	/* the pre-standard one */
#define ETHERTYPE_PPPOE 0x8864		/* PPPoE session stage */
#define MPLS_BOS 0x100			/* bottom of stack, in a label entry */

/* IPv6 next-header values. */
#define NH_HOPOPTS 0
#define NH_TCP 6
#define NH_UDP 17
#define NH_ROUTING 43
#define NH_FRAGMENT 44
#define NH_ESP 50
#define NH_AH 51
#define NH_ICMPV6 58
#define NH_NONE 59
#define NH_DSTOPTS 60

/* Every 802.11 frame here is in one BSS, whose access point is this. */
static const uint8_t mac_bssid[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0xa1 };

/*
 * How a frame's link header is laid out, where a link type has several
 * forms (the default, 0, is each type's plain one).  Radiotap headers are
 * chosen apart from the 802.11 header under them.
 */
enum framing {
	FR_PLAIN = 0,
	FR_8023_SNAP,		/* Ethernet: 802.3 length field, LLC/SNAP */
	FR_PFLOG_61,		/* pflog length 61 (NetBSD, macOS), else 45 */
	FR_PFLOG_100,		/* pflog length 100 (OpenBSD today) */
	FR_PPP_ACFC,		/* PPP without address/control, else ff 03 */
	FR_PPP_PFC,		/* ... and a one-byte protocol */
	FR_PPP_CISCO,		/* Cisco HDLC framing under DLT_PPP */
	FR_CHDLC_BCAST,		/* Cisco HDLC broadcast address, else 0x0f */
	FR_CHDLC_MPLS,		/* ... one MPLS label before the IP header */
	FR_NFLOG_BARE,		/* NFLOG: the payload TLV alone */
	FR_WLAN_FROMDS,		/* 802.11 data from the AP, else to it */
	FR_WLAN_QOS,		/* QoS data to the AP */
	FR_WLAN_4ADDR_HTC,	/* QoS data between APs, with HT control */
	FR_FDDI_PRIO7,		/* FDDI LLC frame of priority 7, else 0 */
	FR_ETH_STACK,		/* Ethernet: c->stack's tags, labels, PPPoE */
};

/*
 * What sits between an Ethernet header and the IP packet under
 * FR_ETH_STACK, outermost first: VLAN tags (each a TPID and a TCI), then
 * an MPLS label stack (bottom of stack set on the last; each entry's EXP,
 * and its TTL, 64 when 0) or a PPPoE session header, else the IP
 * ethertype.
 */
struct eth_stack {
	int tags;
	uint16_t tpid[3];
	uint16_t vid[3];
	int labels;
	uint32_t label[4];
	uint8_t exp[4];
	uint8_t ttl[4];
	uint16_t pppoe_session;	/* PPPoE session frame when not 0 */
};

enum radiotap {
	RT_MIN = 0,		/* no fields */
	RT_TSFT_FCS,		/* TSFT, Flags (FCS at the end), rate */
	RT_EXT_DATAPAD,		/* two presence words; Flags: header padded */
};

struct craft {
	const char *name;
	libnet_t *l;		/* build-only context, cleared after each frame */
	pcap_dumper_t *dump;
	int dlt;
	uint16_t ip_id;		/* next IPv4 identification */
	uint16_t vlan;		/* Ethernet: 802.1Q VID, 0 for an untagged frame */
	uint32_t ifindex;	/* SLL2: interface the frame was seen on */
	uint8_t pkttype;	/* SLL, SLL2: SLL_HOST or SLL_OUTGOING */
	size_t pad_to;		/* Ethernet: pad shorter frames to this length */
	uint8_t pad_byte;
	enum framing framing;	/* link header form of the next frames */
	enum radiotap radio;	/* radiotap header of the next frames */
	const struct eth_stack *stack;	/* FR_ETH_STACK's layers */
};

/* Payload bytes for every packet: lowercase letters, so the data reads as
 * filler in a packet dump and never looks like a header.  As long as an
 * IP datagram can be: fragments are cut from whole ones. */
static uint8_t filler[65536];

static const uint8_t mac_broadcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
static const uint8_t mac_lldp[6] = { 0x01, 0x80, 0xc2, 0x00, 0x00, 0x0e };

__attribute__((format(printf, 1, 2), noreturn))
static void die(const char *fmt, ...)
{
	va_list ap;

	fputs("craftpcap: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

/* Builders return -1 on error with the reason in the context. */
static void check(struct craft *c, libnet_ptag_t tag, const char *what)
{
	if (tag == -1)
		die("%s: %s: %s", c->name, what, libnet_geterror(c->l));
}

static const uint8_t *payload(uint32_t len)
{
	if (len > sizeof(filler))
		die("payload of %u bytes is more than the %zu this tool has", len, sizeof(filler));
	return len ? filler : NULL;	/* libnet refuses a buffer with length 0 */
}

/* IPv4 address in network order, as libnet_build_ipv4 takes it. */
static uint32_t addr4(const char *s)
{
	struct in_addr a;

	if (inet_pton(AF_INET, s, &a) != 1)
		die("bad IPv4 address \"%s\"", s);
	return a.s_addr;
}

static struct libnet_in6_addr addr6(const char *s)
{
	struct libnet_in6_addr a;

	if (inet_pton(AF_INET6, s, a.libnet_s6_addr) != 1)
		die("bad IPv6 address \"%s\"", s);
	return a;
}

/* 02:00 and the four address bytes: an IPv4 address in network order, or
 * the last four bytes of an IPv6 address. */
static void mac_of(const uint8_t tail[4], uint8_t mac[6])
{
	mac[0] = 0x02;
	mac[1] = 0x00;
	memcpy(mac + 2, tail, 4);
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)(v >> 16));
	put16(p + 2, (uint16_t)v);
}

/* NFLOG TLV lengths and types are in the capturing host's order, and
 * pcap_dump writes files in this host's order: they agree. */
static void put16_host(uint8_t *p, uint16_t v)
{
	memcpy(p, &v, 2);
}

/* The IEEE 802.3 CRC-32 (reflected 0x04c11db7), as an 802.11 FCS. */
static uint32_t crc32_ieee(const uint8_t *p, size_t len)
{
	uint32_t crc = 0xffffffffu;

	for (size_t i = 0; i < len; i++) {
		crc ^= p[i];
		for (int b = 0; b < 8; b++)
			crc = (crc >> 1) ^ (0xedb88320u & (0u - (crc & 1)));
	}
	return ~crc;
}

/* ---- frames ------------------------------------------------------------ */

/* A record of caplen bytes of a frame that was wirelen bytes long. */
static void write_record(struct craft *c, int64_t t, const uint8_t *frame, size_t caplen,
			 size_t wirelen)
{
	struct pcap_pkthdr h;
	int64_t us = SEC(T0) + t;

	memset(&h, 0, sizeof(h));
	h.ts.tv_sec = (time_t)(us / 1000000);
	h.ts.tv_usec = (suseconds_t)(us % 1000000);
	h.caplen = (bpf_u_int32)caplen;
	h.len = (bpf_u_int32)wirelen;
	pcap_dump((u_char *)c->dump, &h, frame);
}

static void write_frame(struct craft *c, int64_t t, const uint8_t *frame, size_t len)
{
	write_record(c, t, frame, len, len);
}

/* LLC/SNAP (RFC 1042) for an ethertype: 8 bytes. */
static size_t snap(uint8_t *h, uint16_t ethertype)
{
	h[0] = h[1] = 0xaa;			/* DSAP, SSAP: SNAP */
	h[2] = 0x03;				/* UI */
	h[3] = h[4] = h[5] = 0;			/* OUI 00-00-00: an ethertype follows */
	put16(h + 6, ethertype);
	return 8;
}

/*
 * A radiotap header (radiotap.org): version 0, pad, length and presence
 * words little-endian, fields aligned to their size from the start.
 */
static size_t radiotap_header(const struct craft *c, uint8_t *h)
{
	switch (c->radio) {
	case RT_TSFT_FCS:
		memcpy(h, "\x00\x00\x12\x00\x07\x00\x00\x00", 8);	/* length 18; TSFT, Flags, Rate */
		for (int i = 0; i < 8; i++)			/* TSFT, little-endian: 1 s */
			h[8 + i] = (uint8_t)(1000000ULL >> (8 * i));
		h[16] = 0x10;					/* Flags: FCS at end */
		h[17] = 0x16;					/* 11 Mb/s */
		return 18;
	case RT_EXT_DATAPAD:
		memcpy(h, "\x00\x00\x14\x00\x0a\x00\x00\x80\x00\x00\x00\x00", 12);	/* Flags, Channel; ext */
		h[12] = 0x20;					/* Flags: header padded to 4 */
		h[13] = 0;					/* Channel is 2-aligned */
		memcpy(h + 14, "\x6c\x09\xa0\x00", 4);		/* 2412 MHz, 2 GHz CCK */
		h[18] = h[19] = 0;				/* unused, within the length */
		return 20;
	default:
		memcpy(h, "\x00\x00\x08\x00\x00\x00\x00\x00", 8);
		return 8;
	}
}

/*
 * An 802.11 data frame header (IEEE 802.11-2020 §9.3.2.1) from src to
 * dst through the AP: ToDS frames are addressed (BSSID, SA, DA), FromDS
 * ones (DA, BSSID, SA), four-address ones (RA, TA, DA, SA).  datapad:
 * pad the header to a multiple of 4, as radiotap's Flags then say.
 */
static size_t wlan_header(const struct craft *c, const uint8_t src[6], const uint8_t dst[6],
			  int datapad, uint8_t *h)
{
	size_t n = 24;

	memset(h, 0, 40);
	h[4 + 18] = 0x10;			/* sequence number 1 */
	switch (c->framing) {
	case FR_WLAN_FROMDS:
		h[0] = 0x08, h[1] = 0x02;	/* data; FromDS */
		memcpy(h + 4, dst, 6), memcpy(h + 10, mac_bssid, 6), memcpy(h + 16, src, 6);
		break;
	case FR_WLAN_QOS:
		h[0] = 0x88, h[1] = 0x01;	/* QoS data; ToDS */
		memcpy(h + 4, mac_bssid, 6), memcpy(h + 10, src, 6), memcpy(h + 16, dst, 6);
		h[24] = 0x05;			/* QoS control: TID 5 (video) */
		n = 26;
		break;
	case FR_WLAN_4ADDR_HTC:
		h[0] = 0x88, h[1] = 0x83;	/* QoS data; ToDS, FromDS, +HTC */
		memcpy(h + 4, mac_bssid, 6), memcpy(h + 10, mac_bssid, 6);
		h[9] = 0xa2;			/* RA: a second AP */
		memcpy(h + 16, dst, 6), memcpy(h + 24, src, 6);
		h[30] = 0x05;			/* QoS control; HT control 0 */
		n = 36;
		break;
	default:
		h[0] = 0x08, h[1] = 0x01;	/* data; ToDS */
		memcpy(h + 4, mac_bssid, 6), memcpy(h + 10, src, 6), memcpy(h + 16, dst, 6);
		break;
	}
	if (datapad)
		n = (n + 3) & ~(size_t)3;
	return n;
}

/* The pflog header (OpenBSD's struct pfloghdr) of length hlen: the
 * family, action pass, interface em0, direction in; padded to 4. */
static size_t pflog_header(uint8_t hlen, uint8_t family, uint8_t *h)
{
	size_t n = ((size_t)hlen + 3) & ~(size_t)3;

	memset(h, 0, n);
	h[0] = hlen;
	h[1] = family;
	memcpy(h + 4, "em0", 3);		/* ifname[16], ruleset[16] follow */
	h[hlen == 45 ? 44 : 60] = 1;		/* dir: PF_IN (after uid/pid from 61 on) */
	return n;
}

/* Linux NFLOG header and TLVs up to the payload's value (l3len bytes). */
static size_t nflog_header(const struct craft *c, uint8_t family, uint16_t ethertype,
			   uint32_t l3len, uint8_t *h)
{
	size_t n = 4;

	h[0] = family;
	h[1] = 0;				/* version */
	put16(h + 2, NFLOG_GROUP);		/* resource id, big-endian */
	if (c->framing != FR_NFLOG_BARE) {
		put16_host(h + n, 8);		/* hardware protocol, hook, pad */
		put16_host(h + n + 2, NFULA_PACKET_HDR);
		put16(h + n + 4, ethertype);
		h[n + 6] = NF_INET_LOCAL_IN;
		h[n + 7] = 0;
		n += 8;
		put16_host(h + n, 4 + 5);	/* "drop" and its NUL, padded to 12 */
		put16_host(h + n + 2, NFULA_PREFIX);
		memcpy(h + n + 4, "drop\0\0\0", 8);
		n += 12;
		put16_host(h + n, 8);
		put16_host(h + n + 2, NFULA_UID);
		put32(h + n + 4, 1000);		/* big-endian, as the kernel puts it */
		n += 8;
	}
	put16_host(h + n, (uint16_t)(4 + l3len));
	put16_host(h + n + 2, NFULA_PAYLOAD);
	return n + 4;
}

/* FR_ETH_STACK's layers after the MAC addresses, for an IP packet of
 * l3len bytes and this ethertype. */
static size_t eth_stack_header(const struct eth_stack *st, uint16_t ethertype, uint32_t l3len,
			       uint8_t *h)
{
	size_t n = 0;

	for (int i = 0; i < st->tags; i++, n += 4) {
		put16(h + n, st->tpid[i]);
		put16(h + n + 2, st->vid[i]);	/* priority 0, DEI 0 */
	}
	if (st->labels) {
		put16(h + n, ETHERTYPE_MPLS);
		n += 2;
		for (int i = 0; i < st->labels; i++, n += 4)
			put32(h + n, st->label[i] << 12 | (uint32_t)st->exp[i] << 9 |
					     (i == st->labels - 1 ? MPLS_BOS : 0) |
					     (st->ttl[i] ? st->ttl[i] : 64));
	} else if (st->pppoe_session) {
		put16(h + n, ETHERTYPE_PPPOE);
		h[n + 2] = 0x11;		/* version 1, type 1 */
		h[n + 3] = 0x00;		/* code: session data */
		put16(h + n + 4, st->pppoe_session);
		put16(h + n + 6, (uint16_t)(2 + l3len));	/* PPP protocol and packet */
		put16(h + n + 8, ethertype == ETHERTYPE_IPV6 ? PPP_IPV6 : PPP_IP);
		n += 10;
	} else {
		put16(h + n, ethertype);
		n += 2;
	}
	return n;
}

/*
 * The link header of the capture's type for a payload of this ethertype
 * and length, for the link types and framings libnet has no builder for.
 * Layouts from the tcpdump.org LINKTYPE_ pages.
 */
static size_t link_header(const struct craft *c, uint16_t ethertype, const uint8_t src_mac[6],
			  const uint8_t dst_mac[6], uint32_t l3len, uint8_t *h)
{
	int v6 = ethertype == ETHERTYPE_IPV6;
	uint8_t family = v6 ? BSD_AF_INET6 : BSD_AF_INET;
	size_t n;

	switch (c->dlt) {
	case DLT_EN10MB:			/* FR_8023_SNAP; libnet does Ethernet II */
		memcpy(h, dst_mac, 6);
		memcpy(h + 6, src_mac, 6);
		n = 12;
		if (c->framing == FR_ETH_STACK)
			return n + eth_stack_header(c->stack, ethertype, l3len, h + n);
		if (c->vlan) {
			put16(h + n, ETHERTYPE_VLAN);
			put16(h + n + 2, c->vlan);
			n += 4;
		}
		put16(h + n, (uint16_t)(8 + l3len));	/* 802.3 length: LLC and data */
		return n + 2 + snap(h + n + 2, ethertype);
	case DLT_LINUX_SLL:
		put16(h, c->pkttype);
		put16(h + 2, ARPHRD_ETHER);
		put16(h + 4, 6);		/* link-layer address length */
		memset(h + 6, 0, 8);
		memcpy(h + 6, src_mac, 6);
		put16(h + 14, ethertype);
		return 16;
	case DLT_LINUX_SLL2:
		put16(h, ethertype);
		put16(h + 2, 0);		/* reserved */
		put32(h + 4, c->ifindex);
		put16(h + 8, ARPHRD_ETHER);
		h[10] = c->pkttype;
		h[11] = 6;			/* link-layer address length */
		memset(h + 12, 0, 8);
		memcpy(h + 12, src_mac, 6);
		return 20;
	case DLT_NULL:
		/* Host byte order of the capturing machine: little-endian here,
		 * as a capture from an x86 BSD or macOS box has it. */
		h[0] = family;
		h[1] = h[2] = h[3] = 0;
		return 4;
	case DLT_LOOP:
		h[0] = h[1] = h[2] = 0;		/* always network byte order */
		h[3] = family;
		return 4;
	case DLT_PFLOG:
		return pflog_header(c->framing == FR_PFLOG_61 ? 61 : c->framing == FR_PFLOG_100 ? 100 : 45,
				    family, h);
	case DLT_PPP:
		switch (c->framing) {
		case FR_PPP_ACFC:
			put16(h, v6 ? PPP_IPV6 : PPP_IP);
			return 2;
		case FR_PPP_PFC:
			h[0] = v6 ? PPP_IPV6 : PPP_IP;
			return 1;
		case FR_PPP_CISCO:
			h[0] = CHDLC_UNICAST;
			h[1] = 0;
			put16(h + 2, ethertype);
			return 4;
		default:
			h[0] = 0xff;		/* all-stations address */
			h[1] = 0x03;		/* UI */
			put16(h + 2, v6 ? PPP_IPV6 : PPP_IP);
			return 4;
		}
	case DLT_C_HDLC:
		h[0] = c->framing == FR_CHDLC_BCAST ? CHDLC_BCAST : CHDLC_UNICAST;
		h[1] = 0;
		if (c->framing == FR_CHDLC_MPLS) {
			put16(h + 2, ETHERTYPE_MPLS);
			put32(h + 4, 16u << 12 | 0x100 | 64);	/* label 16, bottom, TTL 64 */
			return 8;
		}
		put16(h + 2, ethertype);
		return 4;
	case DLT_NFLOG:
		return nflog_header(c, v6 ? NFPROTO_IPV6 : NFPROTO_IPV4, ethertype, l3len, h);
	case DLT_IEEE802_11:
		n = wlan_header(c, src_mac, dst_mac, 0, h);
		return n + snap(h + n, ethertype);
	case DLT_IEEE802_11_RADIO:
		n = radiotap_header(c, h);
		n += wlan_header(c, src_mac, dst_mac, c->radio == RT_EXT_DATAPAD, h + n);
		return n + snap(h + n, ethertype);
	case DLT_FDDI:
		h[0] = c->framing == FR_FDDI_PRIO7 ? 0x57 : 0x50;	/* LLC, async, 48-bit */
		memcpy(h + 1, dst_mac, 6);
		memcpy(h + 7, src_mac, 6);
		return 13 + snap(h + 13, ethertype);
	default:				/* DLT_RAW, DLT_IPV4: no header */
		return 0;
	}
}

/* After the frame's len bytes: an NFLOG payload's padding to 4 bytes
 * (the headers before it are multiples of 4); radiotap's FCS when its
 * Flags say so, over the 802.11 frame (the radiotap header is not sent
 * on the air). */
static size_t link_trailer(const struct craft *c, uint8_t *frame, size_t len)
{
	if (c->dlt == DLT_NFLOG) {
		size_t pad = (4 - len % 4) % 4;
		memset(frame + len, 0, pad);
		return pad;
	}
	if (c->dlt != DLT_IEEE802_11_RADIO || c->radio != RT_TSFT_FCS)
		return 0;
	uint32_t fcs = crc32_ieee(frame + 18, len - 18);
	for (int i = 0; i < 4; i++)
		frame[len + i] = (uint8_t)(fcs >> (8 * i));
	return 4;
}

/*
 * Put the link layer under the packet built so far in c->l, write the
 * frame at time t, and clear the context for the next one.  Ethernet and
 * 802.1Q headers are libnet pblocks; the other link headers (802.3 too,
 * whose length field needs the payload's) are prepended to the bytes
 * libnet assembled for the network layer.
 */
static void emit(struct craft *c, int64_t t, uint16_t ethertype, const uint8_t src_mac[6],
		 const uint8_t dst_mac[6])
{
	uint8_t frame[FRAME_MAX];
	size_t hlen = 0;
	uint8_t *bytes;
	uint32_t len;

	int by_libnet = c->dlt == DLT_EN10MB && c->framing == FR_PLAIN;

	if (by_libnet && c->vlan)
		check(c, libnet_build_802_1q(dst_mac, src_mac, ETHERTYPE_VLAN, 0, 0, c->vlan,
					     ethertype, NULL, 0, c->l, 0), "802.1Q");
	else if (by_libnet)
		check(c, libnet_build_ethernet(dst_mac, src_mac, ethertype, NULL, 0, c->l, 0),
		      "Ethernet");

	/*
	 * libnet 1.1.6 hands out assembled bytes through libnet_adv_cull_packet
	 * only in the _ADV injection modes, which open a packet socket and need
	 * CAP_NET_RAW although nothing is ever sent.  libnet_pblock_coalesce,
	 * which that function calls and libnet-functions.h declares, does the
	 * same assembly (checksums included) in a LIBNET_NONE context, so the
	 * tool runs unprivileged.
	 */
	check(c, libnet_pblock_coalesce(c->l, &bytes, &len), "assembling the packet");
	if (len > sizeof(frame) - 256)
		die("%s: frame of %u bytes is too long", c->name, len);
	if (!by_libnet)
		hlen = link_header(c, ethertype, src_mac, dst_mac, len, frame);
	memcpy(frame + hlen, bytes, len);
	libnet_adv_free_packet(c->l, bytes);
	libnet_clear_packet(c->l);

	size_t flen = hlen + len;
	flen += link_trailer(c, frame, flen);
	if (c->dlt == DLT_EN10MB && flen < c->pad_to) {
		memset(frame + flen, c->pad_byte, c->pad_to - flen);
		flen = c->pad_to;
	}
	write_frame(c, t, frame, flen);
}

/* A frame that is not IP, given from its link header on; under radiotap
 * it gets the capture's radiotap header and, if that says so, an FCS. */
static void raw_frame(struct craft *c, int64_t t, const uint8_t *bytes, size_t len)
{
	uint8_t frame[FRAME_MAX];
	size_t n = c->dlt == DLT_IEEE802_11_RADIO ? radiotap_header(c, frame) : 0;

	if (n + len + 4 > sizeof(frame))
		die("%s: frame of %zu bytes is too long", c->name, n + len);
	memcpy(frame + n, bytes, len);
	n += len;
	n += link_trailer(c, frame, n);
	if (c->dlt == DLT_EN10MB && n < c->pad_to) {
		memset(frame + n, c->pad_byte, c->pad_to - n);
		n = c->pad_to;
	}
	write_frame(c, t, frame, n);
}

/* ---- IP packets -------------------------------------------------------- */

/* The IPv4 header over the transport pblocks already built, then out. */
static void ipv4(struct craft *c, int64_t t, const char *src, const char *dst, uint8_t proto,
		 uint8_t tos, uint16_t id, uint16_t frag, uint32_t l4len)
{
	uint32_t s = addr4(src), d = addr4(dst);
	uint8_t smac[6], dmac[6];

	check(c, libnet_build_ipv4((uint16_t)(LIBNET_IPV4_H + l4len), tos, id, frag, HOP_LIMIT,
				   proto, 0, s, d, NULL, 0, c->l, 0), "IPv4");
	mac_of((const uint8_t *)&s, smac);
	mac_of((const uint8_t *)&d, dmac);
	emit(c, t, ETHERTYPE_IP, smac, dmac);
}

/* A fresh identification for each datagram; only fragments share one. */
static uint16_t next_id(struct craft *c)
{
	return c->ip_id++;
}

/* One direction of UDP traffic: a flow key in the probe's terms. */
struct udp_flow {
	const char *src;
	uint16_t sport;
	const char *dst;
	uint16_t dport;
	uint8_t tos;
};

/* A UDP datagram of ip_len bytes in all: the octets the probe counts. */
static void udp(struct craft *c, int64_t t, const struct udp_flow *f, uint16_t ip_len)
{
	uint32_t data = (uint32_t)(ip_len - LIBNET_IPV4_H - LIBNET_UDP_H);

	check(c, libnet_build_udp(f->sport, f->dport, (uint16_t)(LIBNET_UDP_H + data), 0,
				  payload(data), data, c->l, 0), "UDP");
	ipv4(c, t, f->src, f->dst, IPPROTO_UDP, f->tos, next_id(c), 0, LIBNET_UDP_H + data);
}

/* A UDP datagram over IPv6 (40-byte header), ip_len bytes in all. */
static void udp6(struct craft *c, int64_t t, const char *src, uint16_t sport, const char *dst,
		 uint16_t dport, uint16_t ip_len)
{
	struct libnet_in6_addr s = addr6(src), d = addr6(dst);
	uint16_t l4len = (uint16_t)(ip_len - LIBNET_IPV6_H);
	uint32_t data = (uint32_t)(l4len - LIBNET_UDP_H);
	uint8_t smac[6], dmac[6];

	check(c, libnet_build_udp(sport, dport, l4len, 0, payload(data), data, c->l, 0), "UDP");
	check(c, libnet_build_ipv6(0, 0, l4len, IPPROTO_UDP, HOP_LIMIT, s, d, NULL, 0, c->l, 0),
	      "IPv6");
	mac_of(s.libnet_s6_addr + 12, smac);
	mac_of(d.libnet_s6_addr + 12, dmac);
	emit(c, t, ETHERTYPE_IPV6, smac, dmac);
}

/*
 * One TCP connection; side 0 is the client.  Sequence numbers advance with
 * what each side sends and every ACK acknowledges all the other side has
 * sent, so a capture reads as a sound conversation in tshark.
 */
struct tcp_conn {
	const char *addr[2];
	uint16_t port[2];
	uint32_t seq[2];	/* next sequence number of each side */
};

enum { CLIENT, SERVER };

/* A segment from side `from` carrying `data` bytes: IP length 40 + data. */
static void tcp(struct craft *c, int64_t t, struct tcp_conn *k, int from, uint8_t flags,
		uint32_t data)
{
	int to = !from;
	uint32_t ack = (flags & TH_ACK) ? k->seq[to] : 0;

	check(c, libnet_build_tcp(k->port[from], k->port[to], k->seq[from], ack, flags,
				  TCP_WINDOW, 0, 0, (uint16_t)(LIBNET_TCP_H + data), payload(data),
				  data, c->l, 0), "TCP");
	k->seq[from] += data + ((flags & TH_SYN) != 0) + ((flags & TH_FIN) != 0);
	ipv4(c, t, k->addr[from], k->addr[to], IPPROTO_TCP, 0, next_id(c), 0,
	     LIBNET_TCP_H + data);
}

/* An ICMP echo request (type 8) or reply (type 0), ip_len bytes in all. */
static void icmp_echo(struct craft *c, int64_t t, const char *src, const char *dst,
		      uint8_t type, uint16_t id, uint16_t seq, uint16_t ip_len)
{
	uint32_t data = (uint32_t)(ip_len - LIBNET_IPV4_H - LIBNET_ICMPV4_ECHO_H);

	check(c, libnet_build_icmpv4_echo(type, 0, 0, id, seq, payload(data), data, c->l, 0),
	      "ICMP echo");
	ipv4(c, t, src, dst, IPPROTO_ICMP, 0, next_id(c), 0, LIBNET_ICMPV4_ECHO_H + data);
}

/* An ESP packet (RFC 4303): SPI and sequence number, then opaque bytes,
 * standing for a protocol the probe has no timeout of its own for. */
static void esp(struct craft *c, int64_t t, const char *src, const char *dst, uint32_t spi,
		uint32_t seq, uint16_t ip_len)
{
	uint8_t body[FRAME_MAX];
	uint32_t len = (uint32_t)(ip_len - LIBNET_IPV4_H);

	if (len < 8 || len > sizeof(body))
		die("%s: bad ESP length %u", c->name, ip_len);
	put32(body, spi);
	put32(body + 4, seq);
	memcpy(body + 8, filler, len - 8);
	check(c, libnet_build_data(body, len, c->l, 0), "ESP");
	ipv4(c, t, src, dst, IPPROTO_ESP, 0, next_id(c), 0, len);
}

/* ---- hand-built headers ------------------------------------------------ */

/*
 * libnet 1.1.6 computes a transport checksum as if the transport header
 * came right after the IP header, and only over the bytes it built, so
 * IPv6 extension header chains, fragments and packets longer than what
 * is captured are put together here, byte by byte.
 */

/* The Internet checksum (RFC 1071): 16-bit big-endian words summed into
 * s, then folded and complemented by sum_fold. */
static uint32_t sum_add(uint32_t s, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i + 1 < n; i += 2)
		s += (uint32_t)p[i] << 8 | p[i + 1];
	if (n % 2)
		s += (uint32_t)p[n - 1] << 8;
	return s;
}

static uint16_t sum_fold(uint32_t s)
{
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

/* An IPv4 header, no options, not fragmented, checksum filled in: the
 * total length may be more than the bytes that follow in a capture. */
static size_t ipv4_header(uint8_t *h, const char *src, const char *dst, uint8_t proto,
			  uint16_t id, uint16_t total)
{
	uint32_t s = addr4(src), d = addr4(dst);

	h[0] = 0x45;
	h[1] = 0;
	put16(h + 2, total);
	put16(h + 4, id);
	put16(h + 6, 0);
	h[8] = HOP_LIMIT;
	h[9] = proto;
	put16(h + 10, 0);
	memcpy(h + 12, &s, 4);
	memcpy(h + 16, &d, 4);
	put16(h + 10, sum_fold(sum_add(0, h, 20)));
	return 20;
}

/* A UDP header without a checksum (0, which IPv4 allows). */
static size_t udp_header(uint8_t *h, uint16_t sport, uint16_t dport, uint16_t len)
{
	put16(h, sport);
	put16(h + 2, dport);
	put16(h + 4, len);
	put16(h + 6, 0);
	return 8;
}

/*
 * One fragment of the UDP datagram of f with an 8-byte header and data
 * bytes of filler, identification id: the bytes [off, off + len) of its
 * IP payload, with MF unless they are the last.  The UDP header (in the
 * piece at offset 0) has the whole datagram's length and checksum, so the
 * pieces reassemble to a sound datagram.  IP length 20 + len.
 */
static void udp_piece(struct craft *c, int64_t t, const struct udp_flow *f, uint16_t id,
		      uint32_t data, uint32_t off, uint32_t len)
{
	static uint8_t dgram[65536];
	uint32_t ulen = LIBNET_UDP_H + data;
	uint32_t s = addr4(f->src), d = addr4(f->dst);

	if (ulen > sizeof(dgram) || off % 8 != 0 || len == 0 || off + len > ulen ||
	    (off + len < ulen && len % 8 != 0))
		die("%s: bad fragment %u+%u of a %u-byte datagram", c->name, off, len, ulen);
	udp_header(dgram, f->sport, f->dport, (uint16_t)ulen);
	memcpy(dgram + LIBNET_UDP_H, filler, data);
	uint32_t sum = sum_add(0, (const uint8_t *)&s, 4);
	sum = sum_add(sum, (const uint8_t *)&d, 4);
	sum += IPPROTO_UDP + ulen;
	uint16_t ck = sum_fold(sum_add(sum, dgram, ulen));
	put16(dgram + 6, ck ? ck : 0xffff);

	check(c, libnet_build_data(dgram + off, len, c->l, 0), "fragment");
	ipv4(c, t, f->src, f->dst, IPPROTO_UDP, f->tos, id,
	     (uint16_t)(off / 8 | (off + len < ulen ? IP_MF : 0)), len);
}

/* A GRE packet (RFC 2784, no optional fields) carrying an IPv4/UDP
 * packet, ip_len bytes in all: a tunnel is metered by its outer header. */
static void gre(struct craft *c, int64_t t, const char *src, const char *dst, uint16_t ip_len)
{
	uint8_t body[FRAME_MAX];
	uint32_t len = (uint32_t)(ip_len - LIBNET_IPV4_H);
	uint16_t inner = (uint16_t)(len - 4);

	if (len < 4 + 28 || len > sizeof(body))
		die("%s: bad GRE length %u", c->name, ip_len);
	put16(body, 0);				/* no checksum, key, sequence; version 0 */
	put16(body + 2, ETHERTYPE_IP);
	ipv4_header(body + 4, "10.0.0.1", "10.0.0.2", IPPROTO_UDP, 1, inner);
	udp_header(body + 24, 5000, 5000, (uint16_t)(inner - 20));
	memcpy(body + 32, filler, inner - 28u);
	check(c, libnet_build_data(body, len, c->l, 0), "GRE");
	ipv4(c, t, src, dst, IPPROTO_GRE, 0, next_id(c), 0, len);
}

/*
 * An IPv6 packet, built header by header: ip6_begin, extension headers,
 * one upper-layer header (or none), ip6_finish; then ip6_send, or
 * ip6_piece for each fragment of it.
 */
struct ip6 {
	uint8_t b[4096];	/* whole datagrams, before ip6_piece cuts them */
	size_t len;		/* bytes so far, the IPv6 header's 40 included */
	size_t nh_at;		/* the Next Header field the next header sets */
	size_t upper_at;	/* where the upper-layer header starts, or 0 */
	uint8_t upper;		/* and its protocol */
	size_t frag_at;		/* ip6_fragmentable: where that part starts */
	size_t frag_nh_at;	/* and the Next Header field naming it */
};

static void ip6_begin(struct ip6 *p, uint8_t tclass, uint32_t flowlabel, const char *src,
		      const char *dst)
{
	struct libnet_in6_addr s = addr6(src), d = addr6(dst);

	memset(p, 0, sizeof(*p));
	put32(p->b, 6u << 28 | (uint32_t)tclass << 20 | (flowlabel & 0xfffff));
	p->b[7] = HOP_LIMIT;
	memcpy(p->b + 8, s.libnet_s6_addr, 16);
	memcpy(p->b + 24, d.libnet_s6_addr, 16);
	p->nh_at = 6;
	p->len = 40;
}

/* Room for the next header, of type nh and n bytes, zeroed. */
static uint8_t *ip6_push(struct ip6 *p, uint8_t nh, size_t n)
{
	if (p->len + n > sizeof(p->b))
		die("IPv6 packet of more than %zu bytes", sizeof(p->b));
	uint8_t *h = p->b + p->len;
	p->b[p->nh_at] = nh;
	memset(h, 0, n);
	p->len += n;
	return h;
}

/* Hop-by-hop or destination options: 8 bytes, one PadN option. */
static void ip6_options(struct ip6 *p, uint8_t nh)
{
	size_t at = p->len;
	uint8_t *h = ip6_push(p, nh, 8);

	h[1] = 0;				/* length: 8 bytes */
	h[2] = 1;				/* PadN, 4 bytes of it */
	h[3] = 4;
	p->nh_at = at;
}

/* A segment routing header (RFC 8754) with the destination as its one
 * segment, none left: the destination stays final.  24 bytes. */
static void ip6_routing(struct ip6 *p)
{
	size_t at = p->len;
	uint8_t *h = ip6_push(p, NH_ROUTING, 24);

	h[1] = 2;				/* length: 8 + 2 * 8 bytes */
	h[2] = 4;				/* routing type: SRH */
	h[3] = 0;				/* segments left */
	h[4] = 0;				/* last entry */
	memcpy(h + 8, p->b + 24, 16);
	p->nh_at = at;
}

/* A fragment header: byte offset off (a multiple of 8), more to come. */
static void ip6_fragment(struct ip6 *p, uint32_t off, int more, uint32_t id)
{
	size_t at = p->len;
	uint8_t *h = ip6_push(p, NH_FRAGMENT, 8);

	put16(h + 2, (uint16_t)(off | (more ? 1 : 0)));
	put32(h + 4, id);
	p->nh_at = at;
}

/* An authentication header (RFC 4302) with a 96-bit ICV: 24 bytes. */
static void ip6_ah(struct ip6 *p, uint32_t spi, uint32_t seq)
{
	size_t at = p->len;
	uint8_t *h = ip6_push(p, NH_AH, 24);

	h[1] = 24 / 4 - 2;			/* payload length, RFC 4302's way */
	put32(h + 4, spi);
	put32(h + 8, seq);
	memcpy(h + 12, filler, 12);		/* integrity check value */
	p->nh_at = at;
}

/* The parts of the packet after here are its fragmentable part. */
static void ip6_fragmentable(struct ip6 *p)
{
	p->frag_at = p->len;
	p->frag_nh_at = p->nh_at;
}

static void ip6_udp(struct ip6 *p, uint16_t sport, uint16_t dport, uint32_t data)
{
	p->upper_at = p->len;
	p->upper = NH_UDP;
	uint8_t *h = ip6_push(p, NH_UDP, LIBNET_UDP_H + data);
	udp_header(h, sport, dport, (uint16_t)(LIBNET_UDP_H + data));
	memcpy(h + LIBNET_UDP_H, filler, data);
}

static void ip6_tcp(struct ip6 *p, uint16_t sport, uint16_t dport, uint32_t seq, uint8_t flags,
		    uint32_t data)
{
	p->upper_at = p->len;
	p->upper = NH_TCP;
	uint8_t *h = ip6_push(p, NH_TCP, LIBNET_TCP_H + data);
	put16(h, sport);
	put16(h + 2, dport);
	put32(h + 4, seq);
	h[12] = 5 << 4;				/* data offset: 20 bytes */
	h[13] = flags;
	put16(h + 14, TCP_WINDOW);
	memcpy(h + LIBNET_TCP_H, filler, data);
}

/* An ICMPv6 echo request (128) or reply (129) with data bytes. */
static void ip6_echo(struct ip6 *p, uint8_t type, uint16_t id, uint16_t seq, uint32_t data)
{
	p->upper_at = p->len;
	p->upper = NH_ICMPV6;
	uint8_t *h = ip6_push(p, NH_ICMPV6, 8 + data);
	h[0] = type;
	put16(h + 4, id);
	put16(h + 6, seq);
	memcpy(h + 8, filler, data);
}

/* ESP: SPI, sequence number, opaque bytes.  Nothing after it is seen. */
static void ip6_esp(struct ip6 *p, uint32_t spi, uint32_t seq, uint32_t data)
{
	uint8_t *h = ip6_push(p, NH_ESP, 8 + data);
	put32(h, spi);
	put32(h + 4, seq);
	memcpy(h + 8, filler, data);
}

/* The payload length, and the upper layer's checksum over the pseudo
 * header (the destination is final: routing headers here leave none). */
static void ip6_finish(struct ip6 *p)
{
	put16(p->b + 4, (uint16_t)(p->len - 40));
	if (p->upper_at == 0)
		return;
	size_t ck_at = p->upper == NH_UDP ? 6 : p->upper == NH_TCP ? 16 : 2;
	uint32_t ulen = (uint32_t)(p->len - p->upper_at);
	uint32_t sum = sum_add(0, p->b + 8, 32);
	sum += (ulen >> 16) + (ulen & 0xffff) + p->upper;
	put16(p->b + p->upper_at + ck_at, 0);
	uint16_t ck = sum_fold(sum_add(sum, p->b + p->upper_at, ulen));
	put16(p->b + p->upper_at + ck_at, p->upper == NH_UDP && ck == 0 ? 0xffff : ck);
}

static void ip6_send(struct craft *c, int64_t t, const struct ip6 *p)
{
	uint8_t smac[6], dmac[6];

	mac_of(p->b + 8 + 12, smac);
	mac_of(p->b + 24 + 12, dmac);
	check(c, libnet_build_data(p->b, (uint32_t)p->len, c->l, 0), "IPv6");
	emit(c, t, ETHERTYPE_IPV6, smac, dmac);
}

/* The fragment of the finished packet whole holding bytes [off, off +
 * len) of its fragmentable part, identification id: the unfragmentable
 * part, a fragment header, the bytes.  IP length 40 + the headers before
 * the fragmentable part + 8 + len. */
static void ip6_piece(struct craft *c, int64_t t, const struct ip6 *whole, uint32_t id,
		      uint32_t off, uint32_t len)
{
	static struct ip6 q;
	size_t part = whole->len - whole->frag_at;

	if (whole->frag_at == 0 || off % 8 != 0 || len == 0 || off + len > part ||
	    (off + len < part && len % 8 != 0))
		die("%s: bad IPv6 fragment %u+%u of %zu bytes", c->name, off, len, part);
	memcpy(&q, whole, sizeof(q));
	q.len = whole->frag_at;
	q.nh_at = whole->frag_nh_at;
	ip6_fragment(&q, off, off + len < part, id);
	q.b[q.len - 8] = whole->b[whole->frag_nh_at];	/* what the part begins with */
	memcpy(q.b + q.len, whole->b + whole->frag_at + off, len);
	q.len += len;
	put16(q.b + 4, (uint16_t)(q.len - 40));
	ip6_send(c, t, &q);
}

/* A UDP datagram over IPv6 with traffic class and flow label, ip_len
 * bytes in all. */
static void udp6_tc(struct craft *c, int64_t t, uint8_t tclass, uint32_t flowlabel,
		    const char *src, uint16_t sport, const char *dst, uint16_t dport, uint16_t ip_len)
{
	static struct ip6 p;

	ip6_begin(&p, tclass, flowlabel, src, dst);
	ip6_udp(&p, sport, dport, (uint32_t)(ip_len - 40 - LIBNET_UDP_H));
	ip6_finish(&p);
	ip6_send(c, t, &p);
}

/* An ICMPv6 echo request or reply, ip_len bytes in all. */
static void echo6(struct craft *c, int64_t t, const char *src, const char *dst, uint8_t type,
		  uint16_t id, uint16_t seq, uint16_t ip_len)
{
	static struct ip6 p;

	ip6_begin(&p, 0, 0, src, dst);
	ip6_echo(&p, type, id, seq, (uint32_t)(ip_len - 40 - 8));
	ip6_finish(&p);
	ip6_send(c, t, &p);
}

/* ---- other frames ------------------------------------------------------ */

static void arp(struct craft *c, int64_t t, uint16_t op, const char *sender, const char *target)
{
	uint32_t spa = addr4(sender), tpa = addr4(target);
	uint8_t sha[6], tha[6];

	mac_of((const uint8_t *)&spa, sha);
	if (op == ARPOP_REQUEST)
		memset(tha, 0, sizeof(tha));	/* what the request asks for */
	else
		mac_of((const uint8_t *)&tpa, tha);
	check(c, libnet_build_arp(ARPHRD_ETHER, ETHERTYPE_IP, 6, 4, op, sha, (uint8_t *)&spa, tha,
				  (uint8_t *)&tpa, NULL, 0, c->l, 0), "ARP");
	emit(c, t, ETHERTYPE_ARP, sha, op == ARPOP_REQUEST ? mac_broadcast : tha);
}

/* An LLDP advertisement (IEEE 802.1AB): chassis ID (the MAC), port ID
 * (an interface name), TTL and end TLVs.  libnet 1.1.6 has no LLDP
 * builder, so the TLVs go in as the frame's data. */
static void lldp(struct craft *c, int64_t t, const char *host)
{
	uint32_t a = addr4(host);
	uint8_t mac[6], tlv[22], *p = tlv;

	mac_of((const uint8_t *)&a, mac);
	put16(p, 1 << 9 | 7);			/* chassis ID, 7 bytes */
	p[2] = 4;				/* subtype: MAC address */
	memcpy(p + 3, mac, 6);
	p += 9;
	put16(p, 2 << 9 | 5);			/* port ID, 5 bytes */
	p[2] = 5;				/* subtype: interface name */
	memcpy(p + 3, "eth0", 4);
	p += 7;
	put16(p, 3 << 9 | 2);			/* TTL, 2 bytes */
	put16(p + 2, 120);
	p += 4;
	put16(p, 0);				/* end of LLDPDU */
	check(c, libnet_build_data(tlv, sizeof(tlv), c->l, 0), "LLDP");
	emit(c, t, ETHERTYPE_LLDP, mac, mac_lldp);
}

/* ---- the captures ------------------------------------------------------ */

/*
 * tcp_fin (-t tcp.fin=5 -t expint=1).  A whole connection, closed by FIN
 * both ways, then a new SYN on the same ports.  Times carry sub-millisecond
 * parts to show that the collector truncates to whole milliseconds.
 *
 * The server's FIN at 0.080499 completes FIN-both-ways: the server flow is
 * due at 5.080499, and the client flow, rescheduled with it, at
 * 0.070000 + 5, then 5.090100 after its last ACK.  The scan after the
 * earlier deadline is at 6 and takes both, server first.  The SYN at 10
 * opens new flows in both directions, exported at the end of the file.
 */
static void tcp_fin(struct craft *c)
{
	struct tcp_conn k = { { "192.0.2.10", "198.51.100.20" }, { 40000, 80 }, { 1000, 5000 } };

	tcp(c, 900, &k, CLIENT, TH_SYN, 0);
	tcp(c, MS(10) + 500, &k, SERVER, TH_SYN | TH_ACK, 0);
	tcp(c, MS(20), &k, CLIENT, TH_ACK, 0);
	tcp(c, MS(30), &k, CLIENT, TH_PUSH | TH_ACK, 100);
	tcp(c, MS(40), &k, SERVER, TH_ACK, 0);
	tcp(c, MS(50), &k, SERVER, TH_PUSH | TH_ACK, 300);
	tcp(c, MS(60), &k, CLIENT, TH_ACK, 0);
	tcp(c, MS(70), &k, CLIENT, TH_FIN | TH_ACK, 0);
	tcp(c, MS(80) + 499, &k, SERVER, TH_FIN | TH_ACK, 0);
	tcp(c, MS(90) + 100, &k, CLIENT, TH_ACK, 0);

	struct tcp_conn again = { { "192.0.2.10", "198.51.100.20" }, { 40000, 80 }, { 9000, 7000 } };
	tcp(c, SEC(10), &again, CLIENT, TH_SYN, 0);
	tcp(c, SEC(10) + MS(10), &again, SERVER, TH_SYN | TH_ACK, 0);
}

/*
 * tcp_rst (-t tcp.rst=5 -t expint=1).  The server answers data with a RST.
 * The RST counts for both directions: the client flow, which never sent
 * one, is rescheduled to its last packet (0.030) + 5.  A late client ACK at
 * 2.5 still joins it (deadline now 7.5).  At 20 the server flow (due 5.040)
 * leaves in the scan at 6 and the client flow in the one at 8; the client's
 * data at 20 opens a new flow, with a fresh conversation and so the plain
 * tcp timeout.
 */
static void tcp_rst(struct craft *c)
{
	struct tcp_conn k = { { "192.0.2.11", "198.51.100.21" }, { 40001, 443 }, { 1000, 5000 } };

	tcp(c, 0, &k, CLIENT, TH_SYN, 0);
	tcp(c, MS(10), &k, SERVER, TH_SYN | TH_ACK, 0);
	tcp(c, MS(20), &k, CLIENT, TH_ACK, 0);
	tcp(c, MS(30), &k, CLIENT, TH_PUSH | TH_ACK, 50);
	tcp(c, MS(40), &k, SERVER, TH_RST | TH_ACK, 0);
	tcp(c, MS(2500), &k, CLIENT, TH_ACK, 0);
	tcp(c, SEC(20), &k, CLIENT, TH_PUSH | TH_ACK, 50);
}

/*
 * tcp_fin_one_way (-t tcp.fin=5 -t tcp=30 -t expint=1).  Only the client
 * sends a FIN (a half-close); the server goes on sending.  Without FIN both
 * ways the flows keep the tcp timeout: the server's data at 10 and the
 * client's ACK at 12 still join their flows although tcp.fin is 5.  They
 * end on tcp: server due 40 (scan at 41), client due 42 (scan at 43), both
 * before the client's ACK at 50, which opens a new flow.
 */
static void tcp_fin_one_way(struct craft *c)
{
	struct tcp_conn k = { { "192.0.2.12", "198.51.100.22" }, { 40002, 80 }, { 1000, 5000 } };

	tcp(c, 0, &k, CLIENT, TH_SYN, 0);
	tcp(c, MS(10), &k, SERVER, TH_SYN | TH_ACK, 0);
	tcp(c, MS(20), &k, CLIENT, TH_ACK, 0);
	tcp(c, MS(30), &k, CLIENT, TH_PUSH | TH_ACK, 60);
	tcp(c, MS(40), &k, SERVER, TH_ACK, 0);
	tcp(c, MS(50), &k, CLIENT, TH_FIN | TH_ACK, 0);
	tcp(c, MS(60), &k, SERVER, TH_ACK, 0);
	tcp(c, SEC(10), &k, SERVER, TH_PUSH | TH_ACK, 20);
	tcp(c, SEC(12), &k, CLIENT, TH_ACK, 0);
	tcp(c, SEC(50), &k, CLIENT, TH_ACK, 0);
}

/*
 * udp_idle (-t udp=10 -t expint=1).  One UDP direction with gaps around
 * the timeout; each packet has its own size so the octets show which flow
 * it joined.
 *
 *   0, 3, 12.5     gaps under 10: one flow, due 22.5, scanned at 23
 *   22.8           past the deadline but before the scan: joins (due 32.8)
 *   33.2           the scan at 33 ran first: a new flow
 *   40, 50         50 is exactly on the deadline 40 + 10: joins (scan at 51)
 *   61             due 60, scanned at 61, and the scan runs before the
 *                  packet of the same time: a new flow
 *   65             joins it
 */
static void udp_idle(struct craft *c)
{
	const struct udp_flow f = { "192.0.2.13", 5013, "198.51.100.23", 5013, 0 };

	udp(c, 0, &f, 48);
	udp(c, SEC(3), &f, 58);
	udp(c, MS(12500), &f, 68);
	udp(c, MS(22800), &f, 78);
	udp(c, MS(33200), &f, 88);
	udp(c, SEC(40), &f, 98);
	udp(c, SEC(50), &f, 108);
	udp(c, SEC(61), &f, 118);
	udp(c, SEC(65), &f, 128);
}

/*
 * icmp_echo (no options).  Three echo request/reply pairs, a second apart,
 * on VLAN 100.  Requests go to port 8 * 256 + 0 = 2048, replies to 0; both
 * have source port 0.  At the end of the file the request flow (last 2.000)
 * is due before the reply flow (last 2.001).
 */
static void icmp_echo_vlan(struct craft *c)
{
	c->vlan = 100;
	for (uint16_t seq = 1; seq <= 3; seq++) {
		int64_t t = SEC(seq - 1);
		icmp_echo(c, t, "192.0.2.14", "198.51.100.24", 8, 0x1234, seq, 84);
		icmp_echo(c, t + MS(1), "198.51.100.24", "192.0.2.14", 0, 0x1234, seq, 84);
	}
}

/*
 * tos_split (no options).  One UDP 5-tuple with three ToS bytes: 0,
 * 184 (DSCP EF) and 185 (EF with ECT(1)).  The key holds the whole byte,
 * ECN bits too, so that is three flows.  End of file, by deadline
 * (last + 300): ToS 0 (last 0.2), 184 (0.3), 185 (0.4).
 */
static void tos_split(struct craft *c)
{
	const struct udp_flow plain = { "192.0.2.15", 6000, "198.51.100.25", 7000, 0 };
	const struct udp_flow ef = { "192.0.2.15", 6000, "198.51.100.25", 7000, 184 };
	const struct udp_flow ef_ect1 = { "192.0.2.15", 6000, "198.51.100.25", 7000, 185 };

	udp(c, 0, &plain, 100);
	udp(c, MS(100), &ef, 200);
	udp(c, MS(200), &plain, 100);
	udp(c, MS(300), &ef, 200);
	udp(c, MS(400), &ef_ect1, 300);
}

/*
 * The packets of every link_* capture (no options): a TCP SYN and its
 * SYN-ACK, and a UDP query.  At the end of the file the UDP flow (due
 * 0.010 + 300) goes before the two TCP flows (due 0.000 and 0.005 + 3600).
 */
static void link_sample(struct craft *c)
{
	struct tcp_conn k = { { "192.0.2.30", "198.51.100.40" }, { 40030, 80 }, { 1000, 5000 } };
	const struct udp_flow q = { "192.0.2.30", 6030, "198.51.100.40", 6031, 0 };

	c->pkttype = SLL_OUTGOING;
	c->ifindex = 2;
	tcp(c, 0, &k, CLIENT, TH_SYN, 0);
	c->pkttype = SLL_HOST;
	tcp(c, MS(5), &k, SERVER, TH_SYN | TH_ACK, 0);
	c->pkttype = SLL_OUTGOING;
	udp(c, MS(10), &q, 48);
}

/* link_raw: the sample plus an IPv6 datagram (told apart by the version
 * nibble), which v5 cannot carry: it is in no exported record. */
static void link_raw(struct craft *c)
{
	link_sample(c);
	udp6(c, MS(20), "2001:db8::30", 6030, "2001:db8::40", 6031, 68);
}

/* One packet of link_four: its link header's form. */
struct link_form {
	enum framing framing;
	enum radiotap radio;
	uint16_t vlan;
};

/*
 * The packets of the link captures that came with their decoders (no
 * options): link_sample's SYN (0.000), SYN-ACK (0.005) and UDP query
 * (0.010, 48 bytes), then the query again at 0.015 with 50 bytes, each
 * in the link header form given.  The UDP flow is 2 packets, 98 octets,
 * 0.010 to 0.015, and leaves first at the end of the file (due 0.015 +
 * 300, before the TCP flows' 3600).  What each capture adds after 0.020
 * is not IPv4 (not IP, or IPv6, which v5 cannot carry) and changes no
 * record: its .expected is link_four's table, whatever the link type.
 */
static void link_four(struct craft *c, const struct link_form f[4])
{
	struct tcp_conn k = { { "192.0.2.30", "198.51.100.40" }, { 40030, 80 }, { 1000, 5000 } };
	const struct udp_flow q = { "192.0.2.30", 6030, "198.51.100.40", 6031, 0 };
	static const int64_t t[4] = { 0, MS(5), MS(10), MS(15) };

	for (int i = 0; i < 4; i++) {
		c->framing = f[i].framing;
		c->radio = f[i].radio;
		c->vlan = f[i].vlan;
		if (i == 0)
			tcp(c, t[i], &k, CLIENT, TH_SYN, 0);
		else if (i == 1)
			tcp(c, t[i], &k, SERVER, TH_SYN | TH_ACK, 0);
		else
			udp(c, t[i], &q, i == 2 ? 48 : 50);
	}
}

/* The IPv6 datagram some link captures add: not exported by v5. */
static void link_ipv6(struct craft *c, int64_t t)
{
	udp6(c, t, "2001:db8::30", 6030, "2001:db8::40", 6031, 62);
}

/* link_pflog: pflog headers of length 45 (padded to 48, the one softflowd
 * assumes), 61 (64) and 100; an IPv6 packet with OpenBSD's AF_INET6. */
static void link_pflog(struct craft *c)
{
	static const struct link_form f[4] = {
		{ FR_PLAIN, 0, 0 }, { FR_PFLOG_61, 0, 0 }, { FR_PFLOG_100, 0, 0 }, { FR_PLAIN, 0, 0 },
	};

	link_four(c, f);
	c->framing = FR_PFLOG_100;
	link_ipv6(c, MS(20));
}

/* link_ppp: PPP with address and control, without them (ACFC), with a
 * one-byte protocol (PFC), and a Cisco HDLC frame under the same link
 * type; an LCP echo request and an IPv6 packet (protocol 0x0057). */
static void link_ppp(struct craft *c)
{
	static const struct link_form f[4] = {
		{ FR_PLAIN, 0, 0 }, { FR_PPP_ACFC, 0, 0 }, { FR_PPP_PFC, 0, 0 }, { FR_PPP_CISCO, 0, 0 },
	};
	static const uint8_t lcp_echo[12] = {
		0xff, 0x03, PPP_LCP >> 8, PPP_LCP & 0xff,
		0x09, 0x01, 0x00, 0x08,		/* echo request, id 1, length 8 */
		0x12, 0x34, 0x56, 0x78,		/* magic number */
	};

	link_four(c, f);
	raw_frame(c, MS(20), lcp_echo, sizeof(lcp_echo));
	c->framing = FR_PLAIN;
	link_ipv6(c, MS(30));
}

/* link_chdlc: Cisco HDLC, unicast and broadcast addresses, and a packet
 * under an MPLS label; a SLARP keepalive and an IPv6 packet. */
static void link_chdlc(struct craft *c)
{
	static const struct link_form f[4] = {
		{ FR_PLAIN, 0, 0 }, { FR_PLAIN, 0, 0 }, { FR_CHDLC_MPLS, 0, 0 }, { FR_CHDLC_BCAST, 0, 0 },
	};
	uint8_t slarp[24] = { CHDLC_BCAST, 0x00, ETHERTYPE_SLARP >> 8, ETHERTYPE_SLARP & 0xff };

	put32(slarp + 4, 2);			/* keepalive */
	put32(slarp + 8, 5);			/* my sequence */
	put32(slarp + 12, 4);			/* your sequence */
	put16(slarp + 16, 0xffff);		/* reliability */
	link_four(c, f);
	raw_frame(c, MS(20), slarp, sizeof(slarp));
	c->framing = FR_PLAIN;
	link_ipv6(c, MS(30));
}

/* link_nflog: NFLOG messages with packet header, prefix (padded), UID and
 * payload TLVs, or the payload TLV alone; the second UDP datagram (50
 * bytes) ends in 2 bytes of TLV padding; an IPv6 packet (family 10). */
static void link_nflog(struct craft *c)
{
	static const struct link_form f[4] = {
		{ FR_PLAIN, 0, 0 }, { FR_PLAIN, 0, 0 }, { FR_NFLOG_BARE, 0, 0 }, { FR_PLAIN, 0, 0 },
	};

	link_four(c, f);
	link_ipv6(c, MS(20));
}

/* The 802.11 frames that are not IP: a beacon, a protected (CCMP) data
 * frame, a null-function frame. */
static void wlan_not_ip(struct craft *c, int64_t t)
{
	uint8_t beacon[24 + 12 + 6 + 3] = { 0x80, 0x00 };
	uint8_t protected[24 + 8 + 48 + 8] = { 0x08, 0x41 };
	uint8_t null[24] = { 0x48, 0x11 };	/* ToDS, power management */
	uint8_t sta[6];

	mac_of((const uint8_t[]){ 192, 0, 2, 30 }, sta);
	memcpy(beacon + 4, mac_broadcast, 6);
	memcpy(beacon + 10, mac_bssid, 6);
	memcpy(beacon + 16, mac_bssid, 6);
	beacon[32] = 0x64;			/* beacon interval 100 TU */
	beacon[34] = 0x01;			/* capabilities: ESS */
	memcpy(beacon + 36, "\x00\x04test\x01\x01\x82", 9);	/* SSID "test", 1 Mb/s */
	memcpy(protected + 4, mac_bssid, 6);
	memcpy(protected + 10, sta, 6);
	memcpy(protected + 16, mac_bssid, 6);
	memcpy(protected + 24, "\x01\x00\x00\x20\x00\x00\x00\x00", 8);	/* CCMP PN 1, key 0 */
	memcpy(protected + 32, filler, 56);	/* ciphertext and MIC */
	memcpy(null + 4, mac_bssid, 6);
	memcpy(null + 10, sta, 6);
	memcpy(null + 16, mac_bssid, 6);
	raw_frame(c, t, beacon, sizeof(beacon));
	raw_frame(c, t + MS(1), protected, sizeof(protected));
	raw_frame(c, t + MS(2), null, sizeof(null));
}

/* link_wlan: 802.11 data frames to the AP (24-byte header), from it, QoS
 * data (26), and QoS data with four addresses and HT control (36). */
static void link_wlan(struct craft *c)
{
	static const struct link_form f[4] = {
		{ FR_PLAIN, 0, 0 }, { FR_WLAN_FROMDS, 0, 0 }, { FR_WLAN_QOS, 0, 0 },
		{ FR_WLAN_4ADDR_HTC, 0, 0 },
	};

	link_four(c, f);
	wlan_not_ip(c, MS(20));
}

/* link_radiotap: the same 802.11 frames under radiotap headers with no
 * field, with TSFT, Flags (FCS at the end: 4 bytes not counted) and rate,
 * and with two presence words whose Flags pad the QoS header to 28. */
static void link_radiotap(struct craft *c)
{
	static const struct link_form f[4] = {
		{ FR_PLAIN, RT_MIN, 0 }, { FR_WLAN_FROMDS, RT_TSFT_FCS, 0 },
		{ FR_WLAN_QOS, RT_EXT_DATAPAD, 0 }, { FR_WLAN_4ADDR_HTC, RT_TSFT_FCS, 0 },
	};

	link_four(c, f);
	c->radio = RT_TSFT_FCS;
	wlan_not_ip(c, MS(20));
	c->framing = FR_WLAN_QOS;
	c->radio = RT_EXT_DATAPAD;
	link_ipv6(c, MS(30));
}

/* link_fddi: FDDI LLC frames of priority 0 and 7; an SMT frame (NIF
 * announcement) and an IPv6 packet. */
static void link_fddi(struct craft *c)
{
	static const struct link_form f[4] = {
		{ FR_PLAIN, 0, 0 }, { FR_PLAIN, 0, 0 }, { FR_FDDI_PRIO7, 0, 0 }, { FR_PLAIN, 0, 0 },
	};
	uint8_t smt[13 + 32] = { 0x41 };	/* SMT, 48-bit addresses */

	memcpy(smt + 1, mac_broadcast, 6);
	mac_of((const uint8_t[]){ 192, 0, 2, 30 }, smt + 7);
	smt[13] = 0x01;				/* frame class NIF */
	smt[14] = 0x01;				/* type announcement */
	put16(smt + 15, 2);			/* version */
	put32(smt + 17, 1);			/* transaction id */
	memcpy(smt + 23, smt + 7, 6);		/* station id: the MAC */
	link_four(c, f);
	raw_frame(c, MS(20), smt, sizeof(smt));
	c->framing = FR_PLAIN;
	link_ipv6(c, MS(30));
}

/* link_8023_snap: IP in 802.3 frames (a length, not an ethertype) with
 * LLC/SNAP, one of them under an 802.1Q tag, next to Ethernet II; a
 * spanning-tree BPDU (802.3, LLC 42 42 03) that is not IP. */
static void link_8023_snap(struct craft *c)
{
	static const struct link_form f[4] = {
		{ FR_8023_SNAP, 0, 0 }, { FR_PLAIN, 0, 0 }, { FR_8023_SNAP, 0, 10 },
		{ FR_8023_SNAP, 0, 0 },
	};
	uint8_t bpdu[14 + 3 + 35] = { 0x01, 0x80, 0xc2, 0x00, 0x00, 0x00 };

	mac_of((const uint8_t[]){ 192, 0, 2, 1 }, bpdu + 6);
	put16(bpdu + 12, 3 + 35);		/* 802.3 length */
	memcpy(bpdu + 14, "\x42\x42\x03", 3);	/* LLC: spanning tree */
	put16(bpdu + 22, 0x8000);		/* root priority, then the root MAC */
	memcpy(bpdu + 24, bpdu + 6, 6);
	c->pad_to = ETH_MIN_FRAME;
	link_four(c, f);
	raw_frame(c, MS(20), bpdu, sizeof(bpdu));
}

/*
 * sll2_ifindex (no options).  A host capturing on "any" sees a forwarded
 * datagram twice: in on interface 2, out on interface 3.  The input
 * interface is in the key and an SLL2 frame names its interface, so the
 * copies form two flows (In 2, then In 3, by deadline: 1.000 + 300 before
 * 1.000050 + 300), each 2 packets, 0.000 to 1.000.  A file run meters
 * every frame, outgoing ones too: a host's own capture needs them.
 */
static void sll2_ifindex(struct craft *c)
{
	const struct udp_flow f = { "192.0.2.31", 5400, "198.51.100.41", 5400, 0 };

	for (int i = 0; i < 2; i++) {
		c->ifindex = 2;
		c->pkttype = SLL_HOST;
		udp(c, SEC(i), &f, 48);
		c->ifindex = 3;
		c->pkttype = SLL_OUTGOING;
		udp(c, SEC(i) + 50, &f, 48);
	}
}

/*
 * eth_padding (no options).  Short frames padded to Ethernet's 60 bytes:
 * two 40-byte TCP ACKs (zero padding) and a 30-byte UDP datagram whose
 * padding is junk, as some drivers leave it.  Octets are IP lengths:
 * 80 for the TCP flow, 30 for the UDP one, which is due first at the end.
 */
static void eth_padding(struct craft *c)
{
	struct tcp_conn k = { { "192.0.2.21", "198.51.100.31" }, { 40021, 22 }, { 1000, 5000 } };
	const struct udp_flow u = { "192.0.2.21", 5021, "198.51.100.31", 5021, 0 };

	c->pad_to = ETH_MIN_FRAME;
	tcp(c, 0, &k, CLIENT, TH_ACK, 0);
	tcp(c, MS(200), &k, CLIENT, TH_ACK, 0);
	c->pad_byte = 0xa5;
	udp(c, MS(400), &u, 30);
}

/*
 * maxlife (-t maxlife=10 -t udp=300 -t expint=1).  A UDP packet every
 * second at x.250 for 30 s.  The active timeout caps the deadline at
 * first + 10: the first flow (0.25) is due 10.25, scanned at 11, so it
 * holds 0.25 .. 10.25 (11 packets, 10.000 s); likewise 11.25 .. 21.25;
 * the last piece, 22.25 .. 29.25, is due 32.25 and leaves at 33.
 *
 * A second flow then gets a packet past first + maxlife but before the
 * scan: 40.1, 45.1, 50.1 (due 50.1, scan at 51), 50.9.  The packet joins;
 * the flow, now older than maxlife, is due at once: 4 packets, 10.800 s.
 * The packet at 51.5 opens a new flow.
 */
static void maxlife(struct craft *c)
{
	const struct udp_flow f = { "192.0.2.16", 5001, "198.51.100.26", 5001, 0 };
	const struct udp_flow g = { "192.0.2.16", 5002, "198.51.100.26", 5002, 0 };

	for (int s = 0; s < 30; s++)
		udp(c, SEC(s) + MS(250), &f, 40);
	udp(c, MS(40100), &g, 50);
	udp(c, MS(45100), &g, 50);
	udp(c, MS(50100), &g, 50);
	udp(c, MS(50900), &g, 50);
	udp(c, MS(51500), &g, 50);
}

/*
 * table_full (-m 3).  Five UDP flows F1..F5 (source ports 6001..6005, IP
 * length 100 + n) through a table of three; deadlines are last + 300.
 *
 *   0.0 F1   0.1 F2   0.1 F3 (F2 and F3 tie at 300.1)   0.2 F1 (300.2)
 *   0.3 F4   full: the earliest is the F2/F3 tie; F2, created first, goes
 *   0.4 F5   full: F3 (300.1) goes, before F1 (300.2) although younger
 *   0.5 F2   full: F1 goes; F2 starts again
 * End of file: F4, F5, F2.
 */
static void table_full(struct craft *c)
{
	struct udp_flow f[6];

	for (int n = 1; n <= 5; n++)
		f[n] = (struct udp_flow){ "192.0.2.17", (uint16_t)(6000 + n), "198.51.100.27", 9000, 0 };
	udp(c, 0, &f[1], 101);
	udp(c, MS(100), &f[2], 102);
	udp(c, MS(100), &f[3], 103);
	udp(c, MS(200), &f[1], 101);
	udp(c, MS(300), &f[4], 104);
	udp(c, MS(400), &f[5], 105);
	udp(c, MS(500), &f[2], 102);
}

/*
 * backwards_time (no options).  Packet times out of order, then a jump of
 * ten years (3653 days, to 2034-01-01), then a step back again.
 *
 *   X: 100, 103, 98.5, 101   first 98.5 (the minimum), last 103
 *   Y: 99.75, 104            a flow that starts before the clock (103)
 *   X: T10Y                  the scan at 420 (after X's deadline 403 and
 *                            Y's 404) runs first: both leave, X opens again
 *   Y: T10Y + 2, X: T10Y - 1.5   X's new flow: first T10Y - 1.5, last T10Y
 *
 * Every time must come out exact, across the jump and before the first
 * packet of the file.
 */
static void backwards_time(struct craft *c)
{
	const struct udp_flow x = { "192.0.2.18", 7001, "198.51.100.28", 7001, 0 };
	const struct udp_flow y = { "192.0.2.18", 7002, "198.51.100.28", 7002, 0 };
	const int64_t ten_years = SEC(3653LL * 86400);

	udp(c, SEC(100), &x, 48);
	udp(c, SEC(103), &x, 48);
	udp(c, MS(98500), &x, 48);
	udp(c, SEC(101), &x, 48);
	udp(c, MS(99750), &y, 60);
	udp(c, SEC(104), &y, 60);
	udp(c, ten_years, &x, 48);
	udp(c, ten_years + SEC(2), &y, 60);
	udp(c, ten_years - MS(1500), &x, 48);
}

/*
 * expint_batch (-t udp=5 -t expint=60).  UDP flows G1..G6 (source ports
 * 8001.., IP length 40 + 10 n) idle at different times; scans run only at
 * T0 + 60 k.
 *
 *   G1 1, 2 (due 7)    G2 3, 10, 50 (due 55: 50 came after the deadline 15,
 *   G3 5 (due 10)      before the scan)      G4 20, 40 (due 45)
 *   G5 58 (due 63)     G1 again at 70        G6 130
 *
 * The packet at 70 runs the scan at 60: G1, G3, G4, G2 in deadline order,
 * one batch; G5 (63) waits.  The packet at 130 runs the scan at 120: G5,
 * then G1's second flow (due 75).  G6 leaves at the end of the file.
 */
static void expint_batch(struct craft *c)
{
	struct udp_flow g[7];

	for (int n = 1; n <= 6; n++)
		g[n] = (struct udp_flow){ "192.0.2.19", (uint16_t)(8000 + n), "198.51.100.29", 9999, 0 };
	udp(c, SEC(1), &g[1], 50);
	udp(c, SEC(2), &g[1], 50);
	udp(c, SEC(3), &g[2], 60);
	udp(c, SEC(5), &g[3], 70);
	udp(c, SEC(10), &g[2], 60);
	udp(c, SEC(20), &g[4], 80);
	udp(c, SEC(40), &g[4], 80);
	udp(c, SEC(50), &g[2], 60);
	udp(c, SEC(58), &g[5], 90);
	udp(c, SEC(70), &g[1], 50);
	udp(c, SEC(130), &g[6], 100);
}

/*
 * big_batch (-t udp=5 -t expint=60).  One scan expiring more records than
 * a v5 datagram holds (30).  UDP flows B1..B32 (source ports 10001..) each
 * send at 0.010 n, then again in reverse order, B32 at 1.000 up to B1 at
 * 1.310, so the later a flow was created the earlier it is due (last + 5).
 * B1's packet at 61 runs the scan at 60: B32 down to B1, in deadline order
 * across the two datagrams; B1 then opens again.
 */
static void big_batch(struct craft *c)
{
	struct udp_flow b[33];

	for (int n = 1; n <= 32; n++)
		b[n] = (struct udp_flow){ "192.0.2.23", (uint16_t)(10000 + n), "198.51.100.33", 9999, 0 };
	for (int n = 1; n <= 32; n++)
		udp(c, MS(10 * n), &b[n], 48);
	for (int n = 32; n >= 1; n--)
		udp(c, MS(1000 + 10 * (32 - n)), &b[n], 48);
	udp(c, SEC(61), &b[1], 48);
}

/*
 * flush_time (no options).  Forty UDP flows F1..F40 open at 0.010 n, then
 * F1 sends once a second from 1 to 20 s: more packets than the meter
 * keeps queued, each moving the clock.  Nothing is due before the end
 * (udp 300 s), so the end of the capture exports all 40, 30 and 10 in
 * two datagrams, both stamped 20.000: the time of the newest packet,
 * whatever was still queued when the file ended (pcaps/flush_time.times).
 */
static void flush_time(struct craft *c)
{
	struct udp_flow f[41];

	for (int n = 1; n <= 40; n++)
		f[n] = (struct udp_flow){ "192.0.2.24", (uint16_t)(11000 + n), "198.51.100.34", 9999, 0 };
	for (int n = 1; n <= 40; n++)
		udp(c, MS(10 * n), &f[n], 48);
	for (int s = 1; s <= 20; s++)
		udp(c, SEC(s), &f[1], 48);
}

/*
 * non_ip_mix (no options).  ARP and LLDP among IPv4 frames, all padded to
 * 60 bytes as received frames are.  A 2000-byte UDP datagram goes in two
 * fragments: the first (1500 bytes, MF) has the UDP header and so the
 * ports; the second (540 bytes, offset 1480) has none and joins the flow
 * of its datagram, as does a whole datagram at 1.0 (128 bytes): one flow
 * of 3 packets.
 */
static void non_ip_mix(struct craft *c)
{
	const char *client = "192.0.2.20", *server = "198.51.100.30";
	const struct udp_flow f = { "192.0.2.20", 4000, "198.51.100.30", 4001, 0 };
	const uint32_t first_data = 1480 - LIBNET_UDP_H, rest = 520;

	c->pad_to = ETH_MIN_FRAME;
	arp(c, 0, ARPOP_REQUEST, client, "192.0.2.1");
	arp(c, MS(1), ARPOP_REPLY, "192.0.2.1", client);

	/* The UDP length covers the whole datagram; the checksum would need
	 * both fragments, so it is left out (0), which IPv4 allows. */
	uint16_t id = next_id(c);
	libnet_ptag_t tag = libnet_build_udp(f.sport, f.dport,
					     (uint16_t)(LIBNET_UDP_H + first_data + rest), 0,
					     payload(first_data), first_data, c->l, 0);
	check(c, tag, "UDP");
	check(c, libnet_toggle_checksum(c->l, tag, LIBNET_OFF), "UDP checksum");
	ipv4(c, MS(10), client, server, IPPROTO_UDP, 0, id, IP_MF, LIBNET_UDP_H + first_data);
	check(c, libnet_build_data(payload(rest), rest, c->l, 0), "fragment");
	ipv4(c, MS(11), client, server, IPPROTO_UDP, 0, id, (LIBNET_UDP_H + first_data) / 8, rest);

	lldp(c, MS(500), server);
	udp(c, SEC(1), &f, 128);
}

/*
 * zero_timeout (-t udp=0 -t tcp.rst=0 -t tcp=30 -t general=20 -t expint=1).
 * A zero timeout turns its rule off and the flow falls to the next one:
 * UDP to general (20), TCP after a RST to tcp (30).  ESP has no rule of its
 * own and always uses general.
 *
 *   U (UDP)   0, 15 (joins: due 20), 40 (due 35 was scanned at 36: new)
 *   C (SYN)   1, 25 (joins: due 31, not 1 + 0), 60 (due 55, scanned at 56)
 *   S (RST)   1.010, due 31.010, scanned at 32
 *   E (ESP)   2, 21.5 (joins: due 22), due 41.5, scanned at 42
 *
 * Export order: S, U (scans at 32 and 36, before the packet at 40), E, C
 * (scans at 42 and 56, before the packet at 60), then U and C's second
 * flows at the end of the file.
 */
static void zero_timeout(struct craft *c)
{
	struct tcp_conn k = { { "192.0.2.22", "198.51.100.32" }, { 40010, 80 }, { 1000, 5000 } };
	const struct udp_flow u = { "192.0.2.22", 5000, "198.51.100.32", 5000, 0 };
	const char *src = "192.0.2.22", *dst = "198.51.100.32";

	udp(c, 0, &u, 48);
	tcp(c, SEC(1), &k, CLIENT, TH_SYN, 0);
	tcp(c, SEC(1) + MS(10), &k, SERVER, TH_RST | TH_ACK, 0);
	esp(c, SEC(2), src, dst, 0x1000, 1, 72);
	udp(c, SEC(15), &u, 48);
	esp(c, MS(21500), src, dst, 0x1000, 2, 72);
	k.seq[CLIENT] = 1000;			/* the SYN again, retransmitted */
	tcp(c, SEC(25), &k, CLIENT, TH_SYN, 0);
	udp(c, SEC(40), &u, 48);
	k.seq[CLIENT] = 1000;
	tcp(c, SEC(60), &k, CLIENT, TH_SYN, 0);
}

/*
 * demo (no options): what `make run` shows, a laptop's first seconds on a
 * network.  A DNS lookup (0.000, answer 0.012); an HTTPS connection
 * (client 0.020-2.026: 7 packets, 580 octets; server 0.045-2.025: 4
 * packets, 2360 octets; FIN both ways); three pings (1.5, 2.5, 3.5, replies
 * 10 ms later, 84 octets each); NTP (4.000, answer 4.030); and an SMTP
 * connection refused with a RST (5.000, 5.030).
 *
 * Everything is still live at the end of the file, so everything leaves
 * then, in deadline order: the refused SMTP pair first (RST: last +
 * tcp.rst 120), then DNS (last + udp 300), the HTTPS pair (FIN both ways:
 * last + tcp.fin 300, server 2.025 before client 2.026), pings (icmp 300),
 * NTP (udp 300).
 */
static void demo(struct craft *c)
{
	const char *laptop = "192.0.2.10";
	const struct udp_flow dns_q = { laptop, 53001, "198.51.100.53", 53, 0 };
	const struct udp_flow dns_r = { "198.51.100.53", 53, laptop, 53001, 0 };
	const struct udp_flow ntp_q = { laptop, 123, "198.51.100.123", 123, 0 };
	const struct udp_flow ntp_r = { "198.51.100.123", 123, laptop, 123, 0 };
	struct tcp_conn web = { { laptop, "198.51.100.80" }, { 40100, 443 }, { 1000, 5000 } };
	struct tcp_conn smtp = { { laptop, "198.51.100.25" }, { 40200, 25 }, { 7000, 0 } };

	udp(c, 0, &dns_q, 60);
	udp(c, MS(12), &dns_r, 120);
	tcp(c, MS(20), &web, CLIENT, TH_SYN, 0);
	tcp(c, MS(45), &web, SERVER, TH_SYN | TH_ACK, 0);
	tcp(c, MS(46), &web, CLIENT, TH_ACK, 0);
	tcp(c, MS(50), &web, CLIENT, TH_PUSH | TH_ACK, 300);
	tcp(c, MS(80), &web, SERVER, TH_PUSH | TH_ACK, 1400);
	tcp(c, MS(81), &web, CLIENT, TH_ACK, 0);
	tcp(c, MS(120), &web, SERVER, TH_PUSH | TH_ACK, 800);
	tcp(c, MS(121), &web, CLIENT, TH_ACK, 0);
	for (uint16_t i = 0; i < 3; i++) {
		icmp_echo(c, MS(1500) + SEC(i), laptop, "198.51.100.1", 8, 77, i, 84);
		icmp_echo(c, MS(1510) + SEC(i), "198.51.100.1", laptop, 0, 77, i, 84);
		if (i == 0) {		/* the HTTPS close, between the first pings */
			tcp(c, SEC(2), &web, CLIENT, TH_FIN | TH_ACK, 0);
			tcp(c, MS(2025), &web, SERVER, TH_FIN | TH_ACK, 0);
			tcp(c, MS(2026), &web, CLIENT, TH_ACK, 0);
		}
	}
	udp(c, SEC(4), &ntp_q, 76);
	udp(c, MS(4030), &ntp_r, 76);
	tcp(c, SEC(5), &smtp, CLIENT, TH_SYN, 0);
	tcp(c, MS(5030), &smtp, SERVER, TH_RST | TH_ACK, 0);
}

/*
 * tcp_idle (-t tcp=20 -t expint=1).  A TCP connection that never sends a
 * FIN or RST, so both directions keep the plain tcp timeout, each from
 * its own last packet.
 *
 *   client  SYN 0, ACK 0.020, data 10.000 (due 30.000), ACK 30.500: the
 *           scan for 30.000 is at 31, so it joins (due 50.500)
 *   server  SYN-ACK 0.010, ACK 10.010, data 29.000 (joins: due 49.000)
 *   server  data 50.200: the scan at 50 took its flow: a new one
 *   client  ACK 51.500: the scan at 51 took its flow: a new one
 *
 * Export order: server (scan 50), client (scan 51), then at the end of
 * the file the new server flow (due 70.200) and client flow (71.500).
 */
static void tcp_idle(struct craft *c)
{
	struct tcp_conn k = { { "192.0.2.40", "198.51.100.50" }, { 40040, 8080 }, { 1000, 5000 } };

	tcp(c, 0, &k, CLIENT, TH_SYN, 0);
	tcp(c, MS(10), &k, SERVER, TH_SYN | TH_ACK, 0);
	tcp(c, MS(20), &k, CLIENT, TH_ACK, 0);
	tcp(c, SEC(10), &k, CLIENT, TH_PUSH | TH_ACK, 100);
	tcp(c, SEC(10) + MS(10), &k, SERVER, TH_ACK, 0);
	tcp(c, SEC(29), &k, SERVER, TH_PUSH | TH_ACK, 200);
	tcp(c, MS(30500), &k, CLIENT, TH_ACK, 0);
	tcp(c, MS(50200), &k, SERVER, TH_PUSH | TH_ACK, 300);
	tcp(c, MS(51500), &k, CLIENT, TH_ACK, 0);
}

/*
 * icmp_idle (-t icmp=10 -t expint=1; .dump for the IPv6 flows).  The icmp
 * timeout covers ICMP on IPv4 and ICMPv6 on IPv6, not ICMPv6 carried by
 * IPv4, which has no rule of its own and takes general (3600).
 *
 *   A  ICMP echo requests 0, 9.5 (joins, due 19.5), 20.0: the scan at 20
 *      runs before the packet of the same time: a new flow
 *   B  ICMPv6 echo requests 1, 10.9 (joins, due 20.9), 21.0: the scan at
 *      21 took it: a new flow
 *   C  an ICMPv6 echo request in IPv4 (protocol 58, port 128 * 256) at 2
 *      and 13: 11 s apart, one flow
 *
 * Export order: A (scan 20), B (scan 21), then at the end of the file A's
 * and B's new flows (due 30, 31) and C (13 + 3600).
 */
static void icmp_idle(struct craft *c)
{
	const char *v4src = "192.0.2.41", *v4dst = "198.51.100.51";
	const char *v6src = "2001:db8::41", *v6dst = "2001:db8::51";
	uint8_t echo6_in4[8 + 32];

	/* ICMPv6's checksum is defined over an IPv6 pseudo header only:
	 * left 0 here. */
	memset(echo6_in4, 0, 8);
	echo6_in4[0] = 128;			/* echo request */
	put16(echo6_in4 + 4, 0x41);
	put16(echo6_in4 + 6, 1);
	memcpy(echo6_in4 + 8, filler, 32);

	icmp_echo(c, 0, v4src, v4dst, 8, 0x41, 1, 84);
	echo6(c, SEC(1), v6src, v6dst, 128, 0x41, 1, 104);
	check(c, libnet_build_data(echo6_in4, sizeof(echo6_in4), c->l, 0), "ICMPv6 in IPv4");
	ipv4(c, SEC(2), v4src, v4dst, 58, 0, next_id(c), 0, sizeof(echo6_in4));
	icmp_echo(c, MS(9500), v4src, v4dst, 8, 0x41, 2, 84);
	echo6(c, MS(10900), v6src, v6dst, 128, 0x41, 2, 104);
	echo6_in4[7] = 2;			/* sequence 2 */
	check(c, libnet_build_data(echo6_in4, sizeof(echo6_in4), c->l, 0), "ICMPv6 in IPv4");
	ipv4(c, SEC(13), v4src, v4dst, 58, 0, next_id(c), 0, sizeof(echo6_in4));
	icmp_echo(c, SEC(20), v4src, v4dst, 8, 0x41, 3, 84);
	echo6(c, SEC(21), v6src, v6dst, 128, 0x41, 3, 104);
}

/*
 * general_idle (-t general=15 -t expint=1).  GRE and ESP have no rule of
 * their own: the general timeout splits them.
 *
 *   G  GRE 0, 14 (joins, due 29), 30: the scan at 30 took it: a new flow
 *   E  ESP 1 (due 16), 17.2: the scan at 17 took it: a new flow
 *
 * Export order: E (scan 17), G (scan 30), then at the end of the file
 * E's new flow (due 32.2) and G's (45).
 */
static void general_idle(struct craft *c)
{
	const char *src = "192.0.2.42", *dst = "198.51.100.52";

	gre(c, 0, src, dst, 100);
	esp(c, SEC(1), src, dst, 0x42, 1, 80);
	gre(c, SEC(14), src, dst, 100);
	esp(c, MS(17200), src, dst, 0x42, 2, 80);
	gre(c, SEC(30), src, dst, 100);
}

/*
 * maxlife_at_once (-t maxlife=10 -t udp=300 -t expint=60; .dump for the
 * end reasons).  Scans run only on minutes, so a flow that must leave
 * before the next one shows it.  UDP at 1, 5, 11, 11.5, 12.
 *
 * From 1 the flow is due at the cap, 1 + 10 = 11 (the scan for it would be
 * at 60).  At 11 its age is exactly 10, not more than maxlife: the packet
 * joins.  At 11.5 its age is 10.5: the flow leaves at once, with that
 * packet (4 packets, 1 to 11.5, end reason active).  The packet at 12
 * opens a new flow, which leaves at the end of the file (forced); had the
 * first waited for the scan at 60, the packet at 12 would have joined it.
 */
static void maxlife_at_once(struct craft *c)
{
	const struct udp_flow f = { "192.0.2.43", 5043, "198.51.100.53", 5043, 0 };

	udp(c, SEC(1), &f, 50);
	udp(c, SEC(5), &f, 50);
	udp(c, SEC(11), &f, 50);
	udp(c, MS(11500), &f, 50);
	udp(c, SEC(12), &f, 50);
}

/*
 * zero_rules (-t tcp.fin=0 -t tcp=20 -t icmp=0 -t general=30 -t maxlife=0
 * -t udp=8d -t expint=1; .dump for ICMPv6 and the end reasons).  A zero
 * turns its rule off and the flow falls to the next: FIN both ways to
 * tcp (20, end reason idle), ICMP and ICMPv6 to general (30); maxlife=0
 * caps nothing.
 *
 *   TCP     client SYN 0, FIN 1.000, ACK 1.020 (due 21.020); server
 *           SYN-ACK 0.010, FIN 1.010 (FIN both ways; due 21.010), data
 *           19.5 (joins: due 39.5); client ACK 22: the scan at 22 took its
 *           flow: a new one (the session still has both FINs: tcp, due 42)
 *   ICMP    echo requests 3, 25 (joins, due 55), 56: new (scan at 56)
 *   ICMPv6  echo requests 4, 26 (joins, due 56), 57: new (scan at 57)
 *   UDP     5 and 8 days - 1 s later: one flow (the default maxlife, a
 *           week, would have split it)
 *
 * Export order: client (scan 22), server (40), client's second flow
 * (43), ICMP (56), ICMPv6 (57), their second flows (87, 88: run by the
 * UDP packet days later), then UDP at the end of the file.
 */
static void zero_rules(struct craft *c)
{
	struct tcp_conn k = { { "192.0.2.44", "198.51.100.54" }, { 40044, 80 }, { 1000, 5000 } };
	const struct udp_flow u = { "192.0.2.44", 5044, "198.51.100.54", 5044, 0 };
	const char *v4src = "192.0.2.44", *v4dst = "198.51.100.54";
	const char *v6src = "2001:db8::44", *v6dst = "2001:db8::54";

	tcp(c, 0, &k, CLIENT, TH_SYN, 0);
	tcp(c, MS(10), &k, SERVER, TH_SYN | TH_ACK, 0);
	tcp(c, SEC(1), &k, CLIENT, TH_FIN | TH_ACK, 0);
	tcp(c, SEC(1) + MS(10), &k, SERVER, TH_FIN | TH_ACK, 0);
	tcp(c, SEC(1) + MS(20), &k, CLIENT, TH_ACK, 0);
	icmp_echo(c, SEC(3), v4src, v4dst, 8, 0x44, 1, 84);
	echo6(c, SEC(4), v6src, v6dst, 128, 0x44, 1, 104);
	udp(c, SEC(5), &u, 48);
	tcp(c, MS(19500), &k, SERVER, TH_PUSH | TH_ACK, 60);
	tcp(c, SEC(22), &k, CLIENT, TH_ACK, 0);
	icmp_echo(c, SEC(25), v4src, v4dst, 8, 0x44, 2, 84);
	echo6(c, SEC(26), v6src, v6dst, 128, 0x44, 2, 104);
	icmp_echo(c, SEC(56), v4src, v4dst, 8, 0x44, 3, 84);
	echo6(c, SEC(57), v6src, v6dst, 128, 0x44, 3, 104);
	udp(c, SEC(5 + 8 * 86400 - 1), &u, 48);
}

/*
 * expint_0 (-t udp=5 -t expint=0) and expint_1 (-t udp=5 -t expint=1),
 * the same packets: 0 and 1 both mean a scan every second, at the first
 * whole second strictly after the earliest deadline.
 *
 *   U  0.5 (due 5.5, scan at 6), 5.9 (joins: due 10.9), 11.0: the scan
 *      at 11 took it: a new flow
 *   V  2.0 (due 7.0: on a second, so the scan is at 8, not 7), 7.9
 *      (joins: due 12.9), 13.0: the scan at 13 took it: a new flow
 *
 * Export order: U (scan 11), V (scan 13), then U's and V's new flows at
 * the end of the file.  With minute scans both would be one flow; with a
 * scan at each deadline, 5.9 and 7.9 would open new flows.
 */
static void expint_second(struct craft *c)
{
	const struct udp_flow u = { "192.0.2.45", 5045, "198.51.100.55", 5045, 0 };
	const struct udp_flow v = { "192.0.2.45", 5046, "198.51.100.55", 5046, 0 };

	udp(c, MS(500), &u, 48);
	udp(c, SEC(2), &v, 58);
	udp(c, MS(5900), &u, 48);
	udp(c, MS(7900), &v, 58);
	udp(c, SEC(11), &u, 48);
	udp(c, SEC(13), &v, 58);
}

/* A UDP datagram of ip_len bytes of which only the IPv4 and UDP headers
 * are captured (a snaplen of 28 bytes): the probe counts octets from the
 * IP total length.  No UDP checksum, as the data is not there to sum. */
static void udp_headers_only(struct craft *c, int64_t t, const struct udp_flow *f,
			     uint16_t ip_len)
{
	uint8_t h[LIBNET_IPV4_H + LIBNET_UDP_H];

	ipv4_header(h, f->src, f->dst, IPPROTO_UDP, next_id(c), ip_len);
	udp_header(h + LIBNET_IPV4_H, f->sport, f->dport, (uint16_t)(ip_len - LIBNET_IPV4_H));
	write_record(c, t, h, sizeof(h), ip_len);
}

/*
 * overflow (no options; .dump for the end reasons).  v5 counts octets in
 * 32 bits, and a flow ends before the packet that would take its octets
 * past 2^31: that packet opens the next flow.  Raw IP, 28 bytes captured
 * of each datagram, one every 100 us (5.2 Gb/s):
 *
 *   0 .. 3.2767   32768 datagrams of 65535 bytes: 2147450880 octets
 *   3.2768        32768 bytes: exactly 2^31 = 2147483648, not past: joins
 *   3.2769        1000 bytes would pass: the flow ends first (32769
 *                 packets, 2147483648 octets, 0 to 3.2768, end reason
 *                 lack-of-resources) and this packet opens the next flow
 *   3.2770        1000 bytes: joins it (2 packets, 2000 octets), which
 *                 leaves at the end of the file
 */
static void overflow(struct craft *c)
{
	const struct udp_flow f = { "192.0.2.46", 5046, "198.51.100.56", 5046, 0 };
	const int64_t step = 100;		/* us */
	int64_t t = 0;

	for (int i = 0; i < 32768; i++, t += step)
		udp_headers_only(c, t, &f, 65535);
	udp_headers_only(c, t, &f, 32768);
	t += step;
	udp_headers_only(c, t, &f, 1000);
	t += step;
	udp_headers_only(c, t, &f, 1000);
}

/*
 * The datagrams of frag_order and frag6_order, all UDP to port 5200 from
 * the source port given, and their fragments: piece k holds bytes
 * [k * cut, (k + 1) * cut) of the fragmentable part (IPv4: the UDP header
 * and data; cut 1480, so IP lengths 1500 and the rest + 20; IPv6: cut
 * 1448, IP lengths 1496 and the rest + 48).  IPv6 identifications are
 * 0x10000 above IPv4's, so they need all 32 bits.
 */
struct frag_dgram {
	uint16_t id;
	uint16_t sport;
	uint32_t ulen;		/* UDP header and data */
};

static const struct frag_dgram frag_dgrams[] = {
	[1] = { 101, 5101, 2000 }, [2] = { 102, 5102, 2000 }, [3] = { 103, 5103, 2000 },
	[4] = { 104, 5104, 2000 }, [5] = { 105, 5105, 2000 }, [6] = { 106, 5106, 2000 },
	[7] = { 107, 5107, 3000 }, [8] = { 108, 5108, 2000 }, [9] = { 109, 5109, 2000 },
	[10] = { 110, 5110, 2000 }, [11] = { 111, 5111, 2000 }, [12] = { 111, 5112, 2000 },
	[13] = { 113, 5113, 2000 }, [14] = { 113, 5114, 2000 },
};

struct frag_event {
	int64_t t;
	int dgram;
	int piece;		/* 0: the first fragment */
};

static const struct frag_event frag_events[] = {
	{ 0, 1, 1 }, { MS(600), 1, 0 },				/* D1 */
	{ SEC(2), 2, 1 }, { SEC(3), 2, 0 },			/* D2 */
	{ SEC(5), 3, 1 }, { MS(6500), 3, 0 },			/* D3 */
	{ SEC(8), 4, 0 }, { SEC(9), 5, 0 }, { SEC(10), 6, 0 },	/* D4, D5, D6 */
	{ SEC(37), 4, 1 }, { SEC(39), 5, 1 }, { MS(40500), 6, 1 },
	{ SEC(45), 7, 0 }, { MS(45100), 8, 0 }, { MS(45200), 7, 1 },	/* D7, D8 */
	{ MS(45300), 8, 1 }, { MS(45400), 7, 2 },
	{ SEC(46), 9, 1 }, { MS(46100), 10, 1 }, { MS(46200), 10, 0 },	/* D9, D10 */
	{ MS(46300), 9, 0 },
	{ SEC(50), 11, 0 }, { MS(50100), 11, 1 },		/* D11, D12: one id */
	{ SEC(85), 12, 0 }, { MS(85100), 12, 1 },
	{ SEC(90), 13, 0 }, { MS(90100), 13, 1 },		/* D13, D14: one id */
	{ SEC(100), 14, 0 }, { MS(100100), 14, 1 },
};

static void frag_schedule(struct craft *c, int v6)
{
	static struct ip6 whole;
	const uint32_t cut = v6 ? 1448 : 1480;

	for (size_t i = 0; i < sizeof(frag_events) / sizeof(frag_events[0]); i++) {
		const struct frag_event *e = &frag_events[i];
		const struct frag_dgram *d = &frag_dgrams[e->dgram];
		uint32_t off = (uint32_t)e->piece * cut;
		uint32_t len = d->ulen - off < cut ? d->ulen - off : cut;

		if (v6) {
			ip6_begin(&whole, 0, 0, "2001:db8::47", "2001:db8::57");
			ip6_fragmentable(&whole);
			ip6_udp(&whole, d->sport, 5200, d->ulen - LIBNET_UDP_H);
			ip6_finish(&whole);
			ip6_piece(c, e->t, &whole, 0x10000u + d->id, off, len);
		} else {
			const struct udp_flow f = { "192.0.2.47", d->sport, "198.51.100.57", 5200, 0 };
			udp_piece(c, e->t, &f, d->id, d->ulen - LIBNET_UDP_H, off, len);
		}
	}
}

/*
 * frag_order (no options).  Fragments out of order.  The first fragment
 * carries the ports; the datagram (addresses, protocol, identification)
 * is remembered 30 s after it, and a later fragment that comes first waits
 * up to 1 s of packet time for it (fragments.h).  Each datagram Dn has its
 * own source port 5100 + n; a later fragment left without its first is
 * metered with ports 0, in one flow Z for these addresses.
 *
 *   D1   later 0, first 0.6: held, then joined (2 packets, 0 to 0.6)
 *   D2   later 2, first 3: exactly 1 s still joins (2 to 3)
 *   D3   later 5, first 6.5: the later was released to Z (5) before the
 *        first came, which is alone (6.5)
 *   D4   first 8, later 37 (29 s): joined
 *   D5   first 9, later 39 (exactly 30 s): joined
 *   D6   first 10 (alone), later 40.5 (30.5 s: forgotten): held, released
 *        to Z by the next packet more than 1 s on (45): Z is 5 to 40.5
 *   D7   3 fragments and D8 2, interleaved from 45: each joins its own
 *   D9   later 46, D10 later 46.1, D10 first 46.2, D9 first 46.3: both
 *        held, each released by its own first
 *   D11  first 50, later 50.1; D12 reuses its identification 35 s later
 *        (first 85, later 85.1): the memory of D11 is gone, D12's ports
 *   D13  first 90, later 90.1; D14 reuses it within 30 s (first 100,
 *        later 100.1): the later takes the newest first fragment's ports
 *
 * Nothing is due before the end of the file (UDP 300 s), where flows go
 * by last + 300: D1 (last 0.6), D2 (3), D3 (6.5), D6 (10), D4 (37), D5
 * (39), Z (40.5), D8 (45.3), D7 (45.4), D10 (46.2), D9 (46.3), D11, D12,
 * D13, D14.  Octets: 1500 + 540 a datagram, D7 1500 + 1500 + 60.
 */
static void frag_order(struct craft *c)
{
	frag_schedule(c, 0);
}

/* frag6_order (no options; .dump): frag_order's schedule over IPv6
 * fragment headers, the same flows; octets 1496 + 600 a datagram, D7
 * 1496 + 1496 + 152. */
static void frag6_order(struct craft *c)
{
	frag_schedule(c, 1);
}

/*
 * frag_reused_id (no options).  An identification used again within 30 s
 * names a new datagram, whose first fragment starts the 30 s again.
 *
 *   D  first 0, later 0.1 (ports 5201): 2 packets, 0 to 0.1
 *   E  first 20 with D's identification (ports 5202: they replace D's),
 *      later fragments at 20.1 and 45 (25 s after E's first, 45 after
 *      D's): both join E: 3 packets, 20 to 45, 1500 + 1500 + 60 octets
 *
 * At the end of the file: D (last 0.1), then E.
 */
static void frag_reused_id(struct craft *c)
{
	const struct udp_flow d = { "192.0.2.48", 5201, "198.51.100.58", 5200, 0 };
	const struct udp_flow e = { "192.0.2.48", 5202, "198.51.100.58", 5200, 0 };

	udp_piece(c, 0, &d, 7, 1992, 0, 1480);
	udp_piece(c, MS(100), &d, 7, 1992, 1480, 520);
	udp_piece(c, SEC(20), &e, 7, 2992, 0, 1480);
	udp_piece(c, MS(20100), &e, 7, 2992, 1480, 1480);
	udp_piece(c, SEC(45), &e, 7, 2992, 2960, 40);
}

/*
 * frag6_ah (no options; .dump).  Extension headers after an IPv6 fragment
 * header belong to the fragmentable part: the later fragments' header
 * names the first of them, not UDP.  They are still fragments of the
 * datagram whose first fragment showed the ports, and join its flow.
 *
 *   A  fragment, AH, UDP (ports 5301): first 0 (1496), later 0.1 (624)
 *   B  fragment, destination options, UDP (5302): 0.2 (1496), 0.3 (608)
 *   C  hop-by-hop, fragment, UDP (5303): 0.4 (1504), 0.5 (608): the
 *      hop-by-hop header is before the fragment header, in every piece
 *
 * Three UDP flows of 2 packets, at the end of the file in that order.
 */
static void frag6_ah(struct craft *c)
{
	static struct ip6 w;
	const char *src = "2001:db8::48", *dst = "2001:db8::58";

	ip6_begin(&w, 0, 0, src, dst);
	ip6_fragmentable(&w);
	ip6_ah(&w, 0x301, 1);
	ip6_udp(&w, 5301, 5300, 1992);
	ip6_finish(&w);
	ip6_piece(c, 0, &w, 0x301, 0, 1448);
	ip6_piece(c, MS(100), &w, 0x301, 1448, 576);

	ip6_begin(&w, 0, 0, src, dst);
	ip6_fragmentable(&w);
	ip6_options(&w, NH_DSTOPTS);
	ip6_udp(&w, 5302, 5300, 1992);
	ip6_finish(&w);
	ip6_piece(c, MS(200), &w, 0x302, 0, 1448);
	ip6_piece(c, MS(300), &w, 0x302, 1448, 560);

	ip6_begin(&w, 0, 0, src, dst);
	ip6_options(&w, NH_HOPOPTS);
	ip6_fragmentable(&w);
	ip6_udp(&w, 5303, 5300, 1992);
	ip6_finish(&w);
	ip6_piece(c, MS(400), &w, 0x303, 0, 1448);
	ip6_piece(c, MS(500), &w, 0x303, 1448, 552);
}

/*
 * frag_hold_limit (no options).  At most 256 later fragments wait for
 * their first at once.  Datagrams n = 0 .. 256 (identification 1000 + n,
 * all UDP 5400 -> 5400, 16 bytes: the first fragment is the UDP header,
 * the later one 8 bytes of data, IP length 28 each): the 257 later
 * fragments at n ms, then the first fragments at 0.5 s + n ms.
 *
 * The 257th later fragment (0.256) finds 256 waiting: the oldest, n = 0's
 * (0.000), is metered with ports 0 at once.  Every first then comes within
 * 1 s; n = 0's finds nothing left to join.  Flows: ports 0, 1 packet at 0;
 * ports 5400, 257 first and 256 later fragments, 513 packets, 14364
 * octets, 0.001 (n = 1's later) to 0.756.  The ports-0 flow leaves first
 * at the end of the file (last 0.000 against 0.756).
 */
static void frag_hold_limit(struct craft *c)
{
	const struct udp_flow f = { "192.0.2.49", 5400, "198.51.100.59", 5400, 0 };

	for (int n = 0; n <= 256; n++)
		udp_piece(c, MS(n), &f, (uint16_t)(1000 + n), 8, 8, 8);
	for (int n = 0; n <= 256; n++)
		udp_piece(c, MS(500 + n), &f, (uint16_t)(1000 + n), 8, 0, 8);
}

/*
 * ipv6_ext (no options; .dump: v5 carries no IPv6).  Extension header
 * chains are walked to the header that names the flow's protocol; the
 * traffic class is the ToS; the flow label of a flow's first packet is
 * kept.  From 2001:db8::49 to ::59 unless said.
 *
 *   P1 0.000  hop-by-hop, routing (SRH), destination options, fragment
 *             (atomic: offset 0, no more), AH, TCP SYN 40049 -> 443:
 *             protocol 6 and the ports; 40 + 92 = 132 octets
 *   P2 0.010  hop-by-hop, destination options, UDP 5049 -> 5059: 84
 *   P3 0.020  hop-by-hop, ESP: ESP ends the walk (protocol 50, ports 0): 96
 *   P4 0.030  from ::4a: destination options, AH, ESP: protocol 50: 120
 *   P5 0.040  hop-by-hop, no next header: protocol 59: 48
 *   P6 0.050  UDP 5050 -> 5050, traffic class 0xb8: ToS 0xb8, 60
 *   P7 0.060  the same with traffic class 0: ToS is in the key, a flow
 *             of its own
 *   P8 0.070  UDP 5051 -> 5051, flow label 0x12345, 60
 *   P9 0.080  the same flow, flow label 0xabcde: one flow, label 12345
 *
 * At the end of the file, by deadline: the UDP flows (last + 300) P2, P6,
 * P7, P8+P9, then P1 (TCP, + 3600), P3, P4, P5 (general, + 3600).
 */
static void ipv6_ext(struct craft *c)
{
	static struct ip6 p;
	const char *src = "2001:db8::49", *dst = "2001:db8::59";

	ip6_begin(&p, 0, 0, src, dst);
	ip6_options(&p, NH_HOPOPTS);
	ip6_routing(&p);
	ip6_options(&p, NH_DSTOPTS);
	ip6_fragment(&p, 0, 0, 0x49);
	ip6_ah(&p, 0x49, 1);
	ip6_tcp(&p, 40049, 443, 1000, TH_SYN, 0);
	ip6_finish(&p);
	ip6_send(c, 0, &p);

	ip6_begin(&p, 0, 0, src, dst);
	ip6_options(&p, NH_HOPOPTS);
	ip6_options(&p, NH_DSTOPTS);
	ip6_udp(&p, 5049, 5059, 20);
	ip6_finish(&p);
	ip6_send(c, MS(10), &p);

	ip6_begin(&p, 0, 0, src, dst);
	ip6_options(&p, NH_HOPOPTS);
	ip6_esp(&p, 0x4901, 1, 40);
	ip6_finish(&p);
	ip6_send(c, MS(20), &p);

	ip6_begin(&p, 0, 0, "2001:db8::4a", dst);
	ip6_options(&p, NH_DSTOPTS);
	ip6_ah(&p, 0x4a, 1);
	ip6_esp(&p, 0x4a01, 1, 40);
	ip6_finish(&p);
	ip6_send(c, MS(30), &p);

	ip6_begin(&p, 0, 0, src, dst);
	ip6_options(&p, NH_HOPOPTS);
	p.b[p.nh_at] = NH_NONE;
	ip6_finish(&p);
	ip6_send(c, MS(40), &p);

	udp6_tc(c, MS(50), 0xb8, 0, src, 5050, dst, 5050, 60);
	udp6_tc(c, MS(60), 0, 0, src, 5050, dst, 5050, 60);
	udp6_tc(c, MS(70), 0, 0x12345, src, 5051, dst, 5051, 60);
	udp6_tc(c, MS(80), 0, 0xabcde, src, 5051, dst, 5051, 60);
}

/* An Ethernet frame of MPLS label entries (TTL 64) with no bottom of
 * stack among those captured, and what follows: labels[0 .. shown) are
 * captured, the rest of the frame (more labels, bottom of stack on the
 * last, then an IPv4/UDP packet of 60 bytes) only counted in its length.
 * With shown == n and no packet, the frame is the labels alone, padded. */
static void mpls_unended(struct craft *c, int64_t t, int n, int shown, int with_packet)
{
	uint8_t f[FRAME_MAX];
	size_t len = 14;

	mac_of((const uint8_t[]){ 198, 51, 100, 60 }, f);
	mac_of((const uint8_t[]){ 192, 0, 2, 50 }, f + 6);
	put16(f + 12, ETHERTYPE_MPLS);
	for (int i = 0; i < n; i++, len += 4)
		put32(f + len, (uint32_t)(16 + i) << 12 | (with_packet && i == n - 1 ? MPLS_BOS : 0) | 64);
	if (with_packet) {
		len += ipv4_header(f + len, "192.0.2.50", "198.51.100.60", IPPROTO_UDP, next_id(c), 60);
		len += udp_header(f + len, 6110, 6110, 40);
		memcpy(f + len, filler, 32);
		len += 32;
	}
	size_t captured = 14 + 4 * (size_t)shown;
	if (!with_packet && len < ETH_MIN_FRAME) {
		memset(f + len, 0, ETH_MIN_FRAME - len);	/* zeros: no bottom of stack */
		len = captured = ETH_MIN_FRAME;
	}
	write_record(c, t, f, captured, len);
}

/*
 * encap (no options) and encap_vlan (-T vlan); .dump for the IPv6 flows
 * and the VLAN ids.  Encapsulations on Ethernet, one UDP flow each
 * (192.0.2.50 -> 198.51.100.60, ports 6100 + n both ways, IP length
 * 60 + n: tags, labels and PPPoE headers are not counted):
 *
 *   E1 0.000  802.1Q, VID 10
 *   E2 0.010  802.1ad QinQ: S-tag 100, C-tag 10
 *   E3 0.020  three tags: 0x9100 VID 300, 0x88a8 VID 200, 0x8100 VID 30
 *   E4 0.030  MPLS, labels 1000 and 2000 (bottom of stack)
 *   E5 0.040  802.1Q VID 40, then MPLS labels 1000, 2001
 *   E6 0.050  PPPoE session 1, PPP protocol IPv4
 *   E7 0.060  802.1Q VID 70, then PPPoE session 2
 *   E8 0.070  IPv6 (2001:db8::50 -> ::60) under QinQ, S-tag 80, C-tag 81
 *   E9 0.080  IPv6 in PPPoE session 3 (PPP protocol 0x0057)
 *   X1 0.090  MPLS labels 16, 17, 18 (bottom) and an IPv4 packet, the
 *             capture cut after 17: no bottom of stack in the captured
 *             bytes, not metered
 *   X2 0.100  MPLS label entries with no bottom of stack to the end of the
 *             frame (zero padding included): not metered
 *
 * Each is alone in its flow, so the flows leave at the end of the file in
 * time order, E1 to E9.  -T vlan keys the outermost VLAN id, which the -D
 * lines show: 10, 100, 300, 0, 40, 0, 70, 80, 0 (-T full: 0 everywhere).
 */
static void encap(struct craft *c)
{
	static const struct eth_stack st[] = {
		{ .tags = 2, .tpid = { ETHERTYPE_QINQ, ETHERTYPE_VLAN }, .vid = { 100, 10 } },
		{ .tags = 3, .tpid = { ETHERTYPE_QINQ_OLD, ETHERTYPE_QINQ, ETHERTYPE_VLAN },
		  .vid = { 300, 200, 30 } },
		{ .labels = 2, .label = { 1000, 2000 } },
		{ .tags = 1, .tpid = { ETHERTYPE_VLAN }, .vid = { 40 }, .labels = 2, .label = { 1000, 2001 } },
		{ .pppoe_session = 1 },
		{ .tags = 1, .tpid = { ETHERTYPE_VLAN }, .vid = { 70 }, .pppoe_session = 2 },
		{ .tags = 2, .tpid = { ETHERTYPE_QINQ, ETHERTYPE_VLAN }, .vid = { 80, 81 } },
		{ .pppoe_session = 3 },
	};

	c->pad_to = ETH_MIN_FRAME;
	for (int n = 1; n <= 9; n++) {
		int64_t t = MS(10 * (n - 1));
		uint16_t port = (uint16_t)(6100 + n), len = (uint16_t)(60 + n);
		const struct udp_flow f = { "192.0.2.50", port, "198.51.100.60", port, 0 };

		c->framing = n == 1 ? FR_PLAIN : FR_ETH_STACK;
		c->vlan = n == 1 ? 10 : 0;
		c->stack = n == 1 ? NULL : &st[n - 2];
		if (n <= 7)
			udp(c, t, &f, len);
		else
			udp6_tc(c, t, 0, 0, "2001:db8::50", port, "2001:db8::60", port, len);
	}
	c->framing = FR_PLAIN;
	c->vlan = 0;
	mpls_unended(c, MS(90), 3, 2, 1);
	mpls_unended(c, MS(100), 4, 4, 0);
}

/*
 * mpls_keyed (-x 3), mpls_top (-x 1) and mpls_unkeyed (no -x), all with
 * -t tcp.rst=5 -t expint=1; .dump for the labels (-D's mpls:), the IPv6
 * flows and the end reasons.  UDP A = 192.0.2.70:6270 -> 198.51.100.80:6280
 * and its reverse B, the same ports over IPv6 (2001:db8::70 -> ::80),
 * and a TCP connection C = 192.0.2.70:40070 -> 198.51.100.80:80 refused;
 * label stacks top first, bottom of stack on the last, TTL 64 unless said:
 *
 *   A1 0.000 (60 octets)  100, 200, 300
 *   A1 0.010 (61)         100, 200, 300, every TTL 63: the TTL is not keyed
 *   A2 0.020 (62)         100, 200, 301
 *   A3 0.030 (63)         100 EXP 5, 200, 300
 *   A4 0.040 (64)         100, 200, 300, 400: its third entry is no bottom
 *   A5 0.050 (65)         no labels
 *   B  0.060 (100)        600
 *   V1 0.070 (70)         IPv6, 700, 2 (IPv6 explicit null)
 *   V2 0.080 (71)         IPv6, no labels
 *   C  1.000 SYN (40)     100, 200, 300
 *   C' 1.010 RST|ACK (40) 600, from the server
 *   A1 10.000 (66)        100, 200, 300
 *
 * The labels are no part of the conversation the TCP rules look at, so
 * C', on another label stack, still ends C: both are due 5 s after their
 * last packet (6.000, 6.010), and the packet at 10 runs the scan at 7,
 * which takes them, end of flow, C first.  The rest leave at the end of
 * the file (forced) by deadline: last packet + 300 s (udp).
 *
 * -x 3 keys each stack: A1 (3 packets, 0.000 to 10.000), A2, A3, A4, A5,
 * B, V1, V2; at the end A2, A3, A4, A5, B, V1, V2, A1.  -x 1 keys the top
 * entry: 100-0-0 for A1, A2 and A4 (5 packets), 100-5-0 for A3, none for
 * A5; at the end A3, A5, B, V1, V2, then the 100-0-0 flow.  Without -x
 * the labels are not keyed: A (7 packets, 0.000 to 10.000), B, V (2); at
 * the end B, V, A.  v5 has no label fields and no IPv6: the tables show
 * the IPv4 flows, split as keyed.
 */
static void mpls_labels(struct craft *c)
{
	static const struct eth_stack st[] = {
		{ .labels = 3, .label = { 100, 200, 300 } },
		{ .labels = 3, .label = { 100, 200, 300 }, .ttl = { 63, 63, 63 } },
		{ .labels = 3, .label = { 100, 200, 301 } },
		{ .labels = 3, .label = { 100, 200, 300 }, .exp = { 5 } },
		{ .labels = 4, .label = { 100, 200, 300, 400 } },
		{ .labels = 1, .label = { 600 } },
		{ .labels = 2, .label = { 700, 2 } },
	};
	const struct udp_flow a = { "192.0.2.70", 6270, "198.51.100.80", 6280, 0 };
	const struct udp_flow b = { "198.51.100.80", 6280, "192.0.2.70", 6270, 0 };
	struct tcp_conn k = { { "192.0.2.70", "198.51.100.80" }, { 40070, 80 }, { 1000, 5000 } };

	c->framing = FR_ETH_STACK;
	for (int i = 0; i < 5; i++) {
		c->stack = &st[i];
		udp(c, MS(10 * i), &a, (uint16_t)(60 + i));
	}
	c->framing = FR_PLAIN;
	udp(c, MS(50), &a, 65);
	c->framing = FR_ETH_STACK;
	c->stack = &st[5];
	udp(c, MS(60), &b, 100);
	c->stack = &st[6];
	udp6_tc(c, MS(70), 0, 0, "2001:db8::70", 6270, "2001:db8::80", 6280, 70);
	c->framing = FR_PLAIN;
	udp6_tc(c, MS(80), 0, 0, "2001:db8::70", 6270, "2001:db8::80", 6280, 71);
	c->framing = FR_ETH_STACK;
	c->stack = &st[0];
	tcp(c, SEC(1), &k, CLIENT, TH_SYN, 0);
	c->stack = &st[5];
	tcp(c, SEC(1) + MS(10), &k, SERVER, TH_RST | TH_ACK, 0);
	c->stack = &st[0];
	udp(c, SEC(10), &a, 66);
	c->framing = FR_PLAIN;
}

/*
 * tagged_full and tagged_vlan (-t tcp.rst=5 -t tcp=60 -t expint=1, and
 * -T vlan; .dump for the VLAN ids and end reasons).  One UDP exchange,
 * Q = 192.0.2.51:5351 -> 198.51.100.61:5361 and its reply R, untagged, on
 * VLAN 10, on VLAN 20 and under QinQ (S-tag 100, C-tag 20):
 *
 *   Q 0.000 (60 octets), 0.100 v10 (61), 0.200 v20 (62), 0.300 QinQ (63),
 *     0.400 v10 (64)
 *   R 0.001 (100), 0.101 v10 (101), 0.201 v20 (102), 0.301 QinQ (103)
 *
 * and a TCP connection refused on VLAN 10: SYN 1.000, RST 1.010, the SYN
 * again at 8.000; the same SYN also goes out on VLAN 20 at 1.002, and
 * nothing answers it there.  With the VLAN id in the key both directions
 * carry it, so they still meet: the RST makes both VLAN 10 flows due 5 s
 * after their last packet (6.000, 6.010), the scan at 7 takes them, and
 * the SYN at 8 opens a new flow (tcp: due 68).  The conversation is per
 * VLAN too, so VLAN 10's RST does not reach VLAN 20's SYN: it keeps the
 * tcp timeout (due 61.002) and leaves at the end of the file, first.
 *
 * Without -T vlan the tags are not keyed: Q is one flow of 5 packets, R
 * one of 4, and both SYNs are one flow (2 packets, 1.000 to 1.002), which
 * the RST makes due at 6.002.  Export order: the SYN and RST flows (scan
 * 7), then at the end of the file the new SYN flow (68), R (last 0.301),
 * Q (0.400).
 *
 * With -T vlan each outermost VLAN id is its own flow (QinQ's is 100):
 * at the end of the file, the SYN on VLAN 20 (61.002), the new SYN (68),
 * then by last packet Q v0, R v0, R v10, Q v20, R v20, Q v100, R v100,
 * Q v10 (0.100 and 0.400, 2 packets).
 */
static void tagged(struct craft *c)
{
	static const struct eth_stack qinq = {
		.tags = 2, .tpid = { ETHERTYPE_QINQ, ETHERTYPE_VLAN }, .vid = { 100, 20 },
	};
	const struct udp_flow q = { "192.0.2.51", 5351, "198.51.100.61", 5361, 0 };
	const struct udp_flow r = { "198.51.100.61", 5361, "192.0.2.51", 5351, 0 };
	struct tcp_conn k = { { "192.0.2.51", "198.51.100.61" }, { 40051, 80 }, { 1000, 5000 } };
	static const uint16_t vid[3] = { 0, 10, 20 };

	for (int i = 0; i < 3; i++) {
		c->vlan = vid[i];
		udp(c, MS(100 * i), &q, (uint16_t)(60 + i));
		udp(c, MS(100 * i + 1), &r, (uint16_t)(100 + i));
	}
	c->vlan = 0;
	c->framing = FR_ETH_STACK;
	c->stack = &qinq;
	udp(c, MS(300), &q, 63);
	udp(c, MS(301), &r, 103);
	c->framing = FR_PLAIN;
	c->vlan = 10;
	udp(c, MS(400), &q, 64);
	tcp(c, SEC(1), &k, CLIENT, TH_SYN, 0);
	c->vlan = 20;				/* the same SYN on VLAN 20 */
	k.seq[CLIENT] = 1000;
	tcp(c, SEC(1) + MS(2), &k, CLIENT, TH_SYN, 0);
	c->vlan = 10;
	tcp(c, SEC(1) + MS(10), &k, SERVER, TH_RST | TH_ACK, 0);
	k.seq[CLIENT] = 1000;			/* the SYN again */
	tcp(c, SEC(8), &k, CLIENT, TH_SYN, 0);
}

/*
 * mix_proto (-T proto -t tcp.fin=5 -t tcp=60 -t udp=60 -t expint=1) and
 * mix_ip (-T ip -t tcp=10 -t udp=5 -t icmp=5 -t general=100 -t expint=1).
 * Between A = 192.0.2.52 and B = 198.51.100.62: two TCP connections (the
 * first closed by FIN both ways at 1.000 .. 1.020, the second sending data
 * at 20), two UDP exchanges and a ping:
 *
 *   A  TCP 0.000, 0.020, 1.000, 1.020, 20.000 (40 each, the last 140);
 *      UDP 0.100 (60), 0.200 (76); ICMP 0.300 (84)
 *   B  TCP 0.010, 0.030, 1.010 (40 each); UDP 0.110 (100); ICMP 0.310 (84)
 *
 * -T proto keys addresses and protocol: no ports (ICMP's type and code
 * go too) and no TCP flags, so no FIN is ever seen and TCP keeps the tcp
 * timeout: A's TCP flow (due 61.020 after 1.020) takes the packet at 20
 * (tcp.fin would have ended it at 6.020).  Six flows, at the end of the
 * file by deadline: B UDP (60.110), A UDP (60.200), B TCP (61.010), A TCP
 * (80), A ICMP (300.300), B ICMP (300.310).
 *
 * -T ip keys addresses only, protocol 0, so every flow has the general
 * timeout: A's flow takes the packet at 20 after 18.98 s, longer than
 * the tcp, udp or icmp timeout.  Two flows: B (5 packets, 304 octets,
 * due 101.010), A (8 packets, 520 octets, due 120).
 */
static void mix(struct craft *c)
{
	struct tcp_conn t1 = { { "192.0.2.52", "198.51.100.62" }, { 40052, 80 }, { 1000, 5000 } };
	struct tcp_conn t2 = { { "192.0.2.52", "198.51.100.62" }, { 40053, 443 }, { 3000, 7000 } };
	const struct udp_flow u1 = { "192.0.2.52", 5052, "198.51.100.62", 5062, 0 };
	const struct udp_flow u1r = { "198.51.100.62", 5062, "192.0.2.52", 5052, 0 };
	const struct udp_flow u2 = { "192.0.2.52", 5053, "198.51.100.62", 5063, 0 };

	tcp(c, 0, &t1, CLIENT, TH_SYN, 0);
	tcp(c, MS(10), &t1, SERVER, TH_SYN | TH_ACK, 0);
	tcp(c, MS(20), &t2, CLIENT, TH_SYN, 0);
	tcp(c, MS(30), &t2, SERVER, TH_SYN | TH_ACK, 0);
	udp(c, MS(100), &u1, 60);
	udp(c, MS(110), &u1r, 100);
	udp(c, MS(200), &u2, 76);
	icmp_echo(c, MS(300), "192.0.2.52", "198.51.100.62", 8, 0x52, 1, 84);
	icmp_echo(c, MS(310), "198.51.100.62", "192.0.2.52", 0, 0x52, 1, 84);
	tcp(c, SEC(1), &t1, CLIENT, TH_FIN | TH_ACK, 0);
	tcp(c, SEC(1) + MS(10), &t1, SERVER, TH_FIN | TH_ACK, 0);
	tcp(c, SEC(1) + MS(20), &t1, CLIENT, TH_ACK, 0);
	tcp(c, SEC(20), &t2, CLIENT, TH_PUSH | TH_ACK, 100);
}

/*
 * sample_3 (-s 3).  Deterministic 1-in-3 sampling: frame k is kept when
 * k mod 3 is 0, k counting frames, except that a kept frame that is not IP
 * does not count.  UDP flows A (192.0.2.53:5054, IP length 100 + i for
 * frame i) and B (5055), ARP frames among them:
 *
 *   frame  0 A  k 0 kept      1 A  k 1         2 ARP  k 2 (dropped: counts)
 *          3 A  k 3 kept      4 B  k 4         5 B    k 5
 *          6 ARP k 6 kept, not IP: k stays 6   7 B    k 6 kept
 *          8 A  k 7           9 A  k 8        10 A    k 9 kept
 *         11 B  k 10
 *
 * A: frames 0, 3, 10 (3 packets, 313 octets, 0.000 to 0.100, counters not
 * scaled); B: frame 7 (107 octets at 0.070), which leaves first at the end
 * of the file.  Every v5 header says 0x4003: deterministic, interval 3;
 * the collector scales by it, so the expected table shows 9 packets and
 * 939 octets for A, 3 and 321 for B.
 */
static void sample_3(struct craft *c)
{
	const struct udp_flow a = { "192.0.2.53", 5054, "198.51.100.63", 5054, 0 };
	const struct udp_flow b = { "192.0.2.53", 5055, "198.51.100.63", 5055, 0 };
	static const char which[12] = "AAxABBxBAAAB";

	c->pad_to = ETH_MIN_FRAME;
	for (int i = 0; i < 12; i++) {
		int64_t t = MS(10 * i);
		if (which[i] == 'x')
			arp(c, t, i == 2 ? ARPOP_REQUEST : ARPOP_REPLY, i == 2 ? "192.0.2.53" : "192.0.2.1",
			    i == 2 ? "192.0.2.1" : "192.0.2.53");
		else
			udp(c, t, which[i] == 'A' ? &a : &b, (uint16_t)(100 + i));
	}
}

static const struct capture {
	const char *name;
	int dlt;
	void (*build)(struct craft *c);
} captures[] = {
	{ "tcp_fin", DLT_EN10MB, tcp_fin },
	{ "tcp_rst", DLT_EN10MB, tcp_rst },
	{ "tcp_fin_one_way", DLT_EN10MB, tcp_fin_one_way },
	{ "udp_idle", DLT_EN10MB, udp_idle },
	{ "icmp_echo", DLT_EN10MB, icmp_echo_vlan },
	{ "tos_split", DLT_EN10MB, tos_split },
	{ "link_sll", DLT_LINUX_SLL, link_sample },
	{ "link_sll2", DLT_LINUX_SLL2, link_sample },
	{ "link_raw", DLT_RAW, link_raw },		/* LINKTYPE_RAW, 101 in the file */
	{ "link_ipv4", DLT_IPV4, link_sample },
	{ "link_null", DLT_NULL, link_sample },
	{ "link_loop", DLT_LOOP, link_sample },
	{ "link_pflog", DLT_PFLOG, link_pflog },
	{ "link_ppp", DLT_PPP, link_ppp },
	{ "link_chdlc", DLT_C_HDLC, link_chdlc },
	{ "link_nflog", DLT_NFLOG, link_nflog },
	{ "link_wlan", DLT_IEEE802_11, link_wlan },
	{ "link_radiotap", DLT_IEEE802_11_RADIO, link_radiotap },
	{ "link_fddi", DLT_FDDI, link_fddi },
	{ "link_8023_snap", DLT_EN10MB, link_8023_snap },
	{ "sll2_ifindex", DLT_LINUX_SLL2, sll2_ifindex },
	{ "eth_padding", DLT_EN10MB, eth_padding },
	{ "maxlife", DLT_EN10MB, maxlife },
	{ "table_full", DLT_EN10MB, table_full },
	{ "backwards_time", DLT_EN10MB, backwards_time },
	{ "expint_batch", DLT_EN10MB, expint_batch },
	{ "big_batch", DLT_EN10MB, big_batch },
	{ "flush_time", DLT_EN10MB, flush_time },
	{ "non_ip_mix", DLT_EN10MB, non_ip_mix },
	{ "zero_timeout", DLT_EN10MB, zero_timeout },
	{ "demo", DLT_EN10MB, demo },
	{ "tcp_idle", DLT_EN10MB, tcp_idle },
	{ "icmp_idle", DLT_EN10MB, icmp_idle },
	{ "general_idle", DLT_EN10MB, general_idle },
	{ "maxlife_at_once", DLT_EN10MB, maxlife_at_once },
	{ "zero_rules", DLT_EN10MB, zero_rules },
	{ "expint_0", DLT_EN10MB, expint_second },
	{ "expint_1", DLT_EN10MB, expint_second },
	{ "overflow", DLT_RAW, overflow },
	{ "frag_order", DLT_EN10MB, frag_order },
	{ "frag6_order", DLT_EN10MB, frag6_order },
	{ "frag_reused_id", DLT_EN10MB, frag_reused_id },
	{ "frag6_ah", DLT_EN10MB, frag6_ah },
	{ "frag_hold_limit", DLT_RAW, frag_hold_limit },
	{ "ipv6_ext", DLT_EN10MB, ipv6_ext },
	{ "encap", DLT_EN10MB, encap },
	{ "encap_vlan", DLT_EN10MB, encap },
	{ "mpls_keyed", DLT_EN10MB, mpls_labels },
	{ "mpls_top", DLT_EN10MB, mpls_labels },
	{ "mpls_unkeyed", DLT_EN10MB, mpls_labels },
	{ "tagged_full", DLT_EN10MB, tagged },
	{ "tagged_vlan", DLT_EN10MB, tagged },
	{ "mix_proto", DLT_EN10MB, mix },
	{ "mix_ip", DLT_EN10MB, mix },
	{ "sample_3", DLT_EN10MB, sample_3 },
};

static void write_capture(libnet_t *l, const char *dir, const struct capture *cap)
{
	char path[4096];
	struct craft c;
	pcap_t *pd;

	if (snprintf(path, sizeof(path), "%s/%s.pcap", dir, cap->name) >= (int)sizeof(path))
		die("output path too long: %s/%s.pcap", dir, cap->name);
	pd = pcap_open_dead(cap->dlt, SNAPLEN);
	if (pd == NULL)
		die("%s: pcap_open_dead failed", cap->name);
	memset(&c, 0, sizeof(c));
	c.name = cap->name;
	c.l = l;
	c.dlt = cap->dlt;
	c.ip_id = 1;
	c.dump = pcap_dump_open(pd, path);
	if (c.dump == NULL)
		die("%s", pcap_geterr(pd));
	cap->build(&c);
	if (pcap_dump_flush(c.dump) != 0 || ferror(pcap_dump_file(c.dump)))
		die("%s: write error", path);
	pcap_dump_close(c.dump);
	pcap_close(pd);
}

int main(int argc, char **argv)
{
	char errbuf[LIBNET_ERRBUF_SIZE];

	if (argc != 2) {
		fprintf(stderr, "usage: craftpcap OUTDIR\n");
		return 2;
	}
	for (size_t i = 0; i < sizeof(filler); i++)
		filler[i] = (uint8_t)('a' + i % 26);

	libnet_t *l = libnet_init(LIBNET_NONE, NULL, errbuf);
	if (l == NULL)
		die("libnet_init: %s", errbuf);
	for (size_t i = 0; i < sizeof(captures) / sizeof(captures[0]); i++)
		write_capture(l, argv[1], &captures[i]);
	libnet_destroy(l);
	return 0;
}
