/*
 * test_link.c - packet_decode() (probe/packet.h) on hand-built frames of
 * every link type the probe meters, and link_supported().
 *
 * Each frame is a link header written out byte by byte followed by one of
 * a few IP packets, also written out byte by byte.  Frames are decoded
 * from a guard-paged copy (guard.h), so a read past caplen faults.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "../../probe/packet.h"
#include "../../probe/link.h"
#include "guard.h"

/* pcap_datalink() numbers, as Linux libpcap reports them. */
#define T_NULL 0
#define T_EN10MB 1
#define T_PPP 9
#define T_FDDI 10
#define T_RAW 12
#define T_RAW_OPENBSD 14
#define T_PPP_SERIAL 50
#define T_C_HDLC 104
#define T_IEEE802_11 105
#define T_LOOP 108
#define T_LINUX_SLL 113
#define T_PFLOG 117
#define T_RADIOTAP 127
#define T_IPV4 228
#define T_IPV6 229
#define T_NFLOG 239
#define T_IPOIB 242
#define T_LINUX_SLL2 276

#define DEFAULT_IFINDEX 5

/* ---- IP packets ------------------------------------------------------ */

/* IPv4 UDP 192.168.0.1:54321 -> 10.1.2.3:53, ToS 0x28, 4 bytes payload. */
static const uint8_t ip4_udp[32] = {
	0x45, 0x28, 0x00, 0x20,	/* v4 IHL 5, ToS 0x28, total length 32 */
	0x12, 0x34, 0x00, 0x00,	/* id, no fragment */
	0x40, 0x11, 0x00, 0x00,	/* TTL 64, UDP, checksum */
	0xc0, 0xa8, 0x00, 0x01,	/* 192.168.0.1 */
	0x0a, 0x01, 0x02, 0x03,	/* 10.1.2.3 */
	0xd4, 0x31, 0x00, 0x35,	/* sport 54321, dport 53 */
	0x00, 0x0c, 0x00, 0x00,	/* UDP length 12, checksum */
	0xde, 0xad, 0xbe, 0xef,	/* payload */
};

/* IPv4 TCP 10.0.0.1:50000 -> 10.0.0.2:443, ToS 0x10, SYN|ACK, no payload. */
static const uint8_t ip4_tcp[40] = {
	0x45, 0x10, 0x00, 0x28,	/* total length 40 */
	0x00, 0x01, 0x40, 0x00,	/* id 1, DF */
	0x40, 0x06, 0x00, 0x00,	/* TTL 64, TCP */
	0x0a, 0x00, 0x00, 0x01,
	0x0a, 0x00, 0x00, 0x02,
	0xc3, 0x50, 0x01, 0xbb,	/* sport 50000, dport 443 */
	0x00, 0x00, 0x00, 0x01,	/* seq */
	0x00, 0x00, 0x00, 0x00,	/* ack */
	0x50, 0x12, 0xff, 0xff,	/* data offset 5, SYN|ACK, window */
	0x00, 0x00, 0x00, 0x00,	/* checksum, urgent */
};

/* IPv4 ICMP 192.168.0.1 -> 192.168.0.2, port unreachable (3/3). */
static const uint8_t ip4_icmp[28] = {
	0x45, 0x00, 0x00, 0x1c,
	0x00, 0x02, 0x00, 0x00,
	0x40, 0x01, 0x00, 0x00,	/* ICMP */
	0xc0, 0xa8, 0x00, 0x01,
	0xc0, 0xa8, 0x00, 0x02,
	0x03, 0x03, 0x00, 0x00,	/* type 3, code 3, checksum */
	0x00, 0x00, 0x00, 0x00,
};

/* IPv6 UDP 2001:db8::1:1234 -> 2001:db8::2:5678, traffic class 0xb8,
 * payload length 10 (8 UDP + 2 data). */
static const uint8_t ip6_udp[50] = {
	0x6b, 0x80, 0x00, 0x00,	/* v6, TC 0xb8, flow label 0 */
	0x00, 0x0a, 0x11, 0x40,	/* payload length 10, UDP, hop limit 64 */
	0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01,
	0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x02,
	0x04, 0xd2, 0x16, 0x2e,	/* sport 1234, dport 5678 */
	0x00, 0x0a, 0x00, 0x00,	/* UDP length 10 */
	0xab, 0xcd,
};

/* IPv6 ICMPv6 echo request (128/0), traffic class 0. */
static const uint8_t ip6_icmp[48] = {
	0x60, 0x00, 0x00, 0x00,
	0x00, 0x08, 0x3a, 0x40,	/* payload length 8, ICMPv6 */
	0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01,
	0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x02,
	0x80, 0x00, 0x00, 0x00,	/* type 128, code 0 */
	0x00, 0x01, 0x00, 0x01,
};

static const uint8_t a192_168_0_1[16] = { 192, 168, 0, 1 };
static const uint8_t a192_168_0_2[16] = { 192, 168, 0, 2 };
static const uint8_t a10_1_2_3[16] = { 10, 1, 2, 3 };
static const uint8_t a10_0_0_1[16] = { 10, 0, 0, 1 };
static const uint8_t a10_0_0_2[16] = { 10, 0, 0, 2 };
static const uint8_t a2001_db8_1[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 };
static const uint8_t a2001_db8_2[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2 };
static const uint8_t afe80_1[16] = { 0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 };
static const uint8_t afe80_2[16] = { 0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2 };

/* ---- link headers ---------------------------------------------------- */

#define MACS \
	0x00, 0x11, 0x22, 0x33, 0x44, 0x55,	/* destination */ \
	0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb	/* source */

static const uint8_t eth_ip4[14] = { MACS, 0x08, 0x00 };
static const uint8_t eth_ip6[14] = { MACS, 0x86, 0xdd };
static const uint8_t eth_arp[14] = { MACS, 0x08, 0x06 };
/* 802.1Q, PCP 1, VID 100. */
static const uint8_t eth_vlan_ip4[18] = { MACS, 0x81, 0x00, 0x20, 0x64, 0x08, 0x00 };
/* 802.1ad S-tag VID 200 around an 802.1Q C-tag VID 100. */
static const uint8_t eth_qinq_ip4[22] = {
	MACS, 0x88, 0xa8, 0x00, 0xc8, 0x81, 0x00, 0x00, 0x64, 0x08, 0x00,
};
/* Pre-standard 0x9100 S-tag VID 4094 around 802.1Q VID 5, IPv6 inside. */
static const uint8_t eth_qinq_old_ip6[22] = {
	MACS, 0x91, 0x00, 0x0f, 0xfe, 0x81, 0x00, 0x00, 0x05, 0x86, 0xdd,
};
/* Linux cooked v1: to us, ARPHRD_ETHER, 6-byte address, IPv4. */
static const uint8_t sll_ip4[16] = {
	0x00, 0x00,		/* packet type: to us */
	0x00, 0x01,		/* ARPHRD_ETHER */
	0x00, 0x06,		/* address length */
	0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb, 0x00, 0x00,
	0x08, 0x00,		/* protocol IPv4 */
};
/* Linux cooked v2: IPv4, interface index 7. */
static const uint8_t sll2_ip4[20] = {
	0x08, 0x00,		/* protocol IPv4 */
	0x00, 0x00,		/* reserved */
	0x00, 0x00, 0x00, 0x07,	/* interface index 7 */
	0x00, 0x01,		/* ARPHRD_ETHER */
	0x04,			/* packet type: outgoing */
	0x06,			/* address length */
	0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb, 0x00, 0x00,
};
static const uint8_t sll2_ip6_big_ifindex[20] = {
	0x86, 0xdd, 0x00, 0x00,
	0x81, 0x02, 0x03, 0x04,	/* interface index 0x81020304 */
	0x00, 0x01, 0x00, 0x06,
	0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb, 0x00, 0x00,
};
static const uint8_t null_le_2[4] = { 0x02, 0x00, 0x00, 0x00 };
static const uint8_t null_be_2[4] = { 0x00, 0x00, 0x00, 0x02 };
static const uint8_t null_le_24[4] = { 0x18, 0x00, 0x00, 0x00 };
static const uint8_t null_le_28[4] = { 0x1c, 0x00, 0x00, 0x00 };
static const uint8_t null_le_30[4] = { 0x1e, 0x00, 0x00, 0x00 };
static const uint8_t null_be_24[4] = { 0x00, 0x00, 0x00, 0x18 };
static const uint8_t null_be_28[4] = { 0x00, 0x00, 0x00, 0x1c };
static const uint8_t null_be_30[4] = { 0x00, 0x00, 0x00, 0x1e };
static const uint8_t loop_2[4] = { 0x00, 0x00, 0x00, 0x02 };
static const uint8_t loop_24[4] = { 0x00, 0x00, 0x00, 0x18 };

/* 802.3 length field (42 bytes of LLC data) and LLC/SNAP: IPv4. */
#define SNAP_IP4 0xaa, 0xaa, 0x03, 0x00, 0x00, 0x00, 0x08, 0x00
#define SNAP_IP6 0xaa, 0xaa, 0x03, 0x00, 0x00, 0x00, 0x86, 0xdd
static const uint8_t eth_8023_snap_ip4[22] = { MACS, 0x00, 0x2a, SNAP_IP4 };
/* The same behind an 802.1Q tag, VID 7. */
static const uint8_t eth_vlan_8023_snap_ip4[26] = {
	MACS, 0x81, 0x00, 0x00, 0x07, 0x00, 0x2a, SNAP_IP4,
};
/* Linux cooked v1, protocol 4: an 802.2 LLC header follows. */
static const uint8_t sll_llc_ip6[24] = {
	0x00, 0x00, 0x00, 0x01, 0x00, 0x06,
	0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb, 0x00, 0x00,
	0x00, 0x04, SNAP_IP6,
};

/* pflog: header length byte, address family, then action, reason and
 * the interface name; the rest of the header is zeros here.  45 is the
 * oldest length (padded to 48), 61 NetBSD/macOS (64), 100 OpenBSD's. */
static const uint8_t pflog_45_v4[48] = { 45, 2, 0, 0, 'p', 'f', 'l', 'o', 'g', '0' };
static const uint8_t pflog_61_v6_28[64] = { 61, 28, 0, 0, 'p', 'f', 'l', 'o', 'g', '0' };
static const uint8_t pflog_100_v6_24[100] = { 100, 24, 1, 0, 'p', 'f', 'l', 'o', 'g', '0' };
static const uint8_t pflog_46_v4[48] = { 46, 2 };	/* padded to 48 as well */

/* PPP framings. */
static const uint8_t ppp_ip4[4] = { 0xff, 0x03, 0x00, 0x21 };
static const uint8_t ppp_ip6[4] = { 0xff, 0x03, 0x00, 0x57 };
static const uint8_t ppp_acfc_ip4[2] = { 0x00, 0x21 };		/* no address/control */
static const uint8_t ppp_pfc_ip4[1] = { 0x21 };			/* one-byte protocol */
static const uint8_t ppp_pfc_ip6[1] = { 0x57 };
static const uint8_t ppp_ac_pfc_ip4[3] = { 0xff, 0x03, 0x21 };	/* address/control, PFC */
static const uint8_t ppp_chdlc_ip4[4] = { 0x0f, 0x00, 0x08, 0x00 };	/* Cisco HDLC in DLT 9 */
static const uint8_t ppp_chdlc_bcast_ip6[4] = { 0x8f, 0x00, 0x86, 0xdd };
/* PPP MPLS unicast, one label (16, bottom of stack, TTL 64). */
static const uint8_t ppp_mpls_ip4[8] = { 0xff, 0x03, 0x02, 0x81, 0x00, 0x01, 0x01, 0x40 };

/* Cisco HDLC. */
static const uint8_t chdlc_ip4[4] = { 0x0f, 0x00, 0x08, 0x00 };
static const uint8_t chdlc_bcast_ip6[4] = { 0x8f, 0x00, 0x86, 0xdd };
static const uint8_t chdlc_mpls_ip4[8] = { 0x0f, 0x00, 0x88, 0x47, 0x00, 0x01, 0x01, 0x40 };

/* NFLOG TLV lengths and types are in this host's byte order. */
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define H16(v) (uint8_t)((v) & 0xff), (uint8_t)((v) >> 8)
#else
#define H16(v) (uint8_t)((v) >> 8), (uint8_t)((v) & 0xff)
#endif
/* Family, version 0, group 1; packet header TLV (hardware protocol,
 * hook, pad); a prefix "ab" (length 7, padded to 8); the payload TLV
 * header (4 + the IP packet). */
#define NFLOG_HEAD(family) \
	family, 0x00, 0x00, 0x01, \
	H16(8), H16(1), 0x08, 0x00, 0x01, 0x00, \
	H16(7), H16(10), 'a', 'b', 0x00, 0x00
static const uint8_t nflog_ip4[24] = { NFLOG_HEAD(2), H16(4 + 32), H16(9) };
static const uint8_t nflog_ip6[24] = { NFLOG_HEAD(10), H16(4 + 50), H16(9) };
/* The payload first, right after the NFLOG header. */
static const uint8_t nflog_payload_first_ip4[8] = { 2, 0, 0, 0, H16(4 + 32), H16(9) };

/* 802.11 data frames.  Frame control is two bytes: subtype/type/version,
 * then flags (0x01 ToDS, 0x02 FromDS, 0x40 protected, 0x80 order). */
#define WLAN_ADDR3 \
	0x00, 0x00, /* duration */ \
	0x00, 0x11, 0x22, 0x33, 0x44, 0x55, \
	0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb, \
	0x02, 0x00, 0x00, 0x00, 0x00, 0x01
#define WLAN_SEQ 0x10, 0x00
/* Data, FromDS: 24-byte header. */
static const uint8_t wlan_data_ip4[32] = { 0x08, 0x02, WLAN_ADDR3, WLAN_SEQ, SNAP_IP4 };
/* QoS data, ToDS: 26. */
static const uint8_t wlan_qos_ip4[34] = { 0x88, 0x01, WLAN_ADDR3, WLAN_SEQ, 0x00, 0x00, SNAP_IP4 };
/* QoS data, ToDS and FromDS (fourth address), order bit (HT control): 36. */
static const uint8_t wlan_4addr_qos_htc_ip6[44] = {
	0x88, 0x83, WLAN_ADDR3, WLAN_SEQ,
	0x02, 0x00, 0x00, 0x00, 0x00, 0x02,	/* address 4 */
	0x05, 0x00,				/* QoS control: TID 5 */
	0x00, 0x00, 0x00, 0x00,			/* HT control */
	SNAP_IP6,
};
/* Non-QoS data with the order bit: no HT control. */
static const uint8_t wlan_data_order_ip4[32] = { 0x08, 0x82, WLAN_ADDR3, WLAN_SEQ, SNAP_IP4 };
/* 802.1H bridge-tunnel OUI. */
static const uint8_t wlan_data_8021h_ip4[32] = {
	0x08, 0x02, WLAN_ADDR3, WLAN_SEQ, 0xaa, 0xaa, 0x03, 0x00, 0x00, 0xf8, 0x08, 0x00,
};

/* Radiotap: the smallest header (no fields), then data. */
static const uint8_t radiotap_min_ip4[8 + 32] = {
	0x00, 0x00, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x08, 0x02, WLAN_ADDR3, WLAN_SEQ, SNAP_IP4,
};
/* Radiotap TSFT (aligned at 8), Flags (FCS at end: 0x10), rate: 18 bytes. */
#define RADIOTAP_TSFT_FLAGS_RATE(flags) \
	0x00, 0x00, 18, 0x00, 0x07, 0x00, 0x00, 0x00, \
	1, 2, 3, 4, 5, 6, 7, 8, flags, 0x0c
static const uint8_t radiotap_tsft_ip4[18 + 34] = {
	RADIOTAP_TSFT_FLAGS_RATE(0x00), 0x88, 0x01, WLAN_ADDR3, WLAN_SEQ, 0x00, 0x00, SNAP_IP4,
};
/* Two presence words (bit 31 in the first), Flags at offset 12 saying
 * the 26-byte QoS header is padded to 28, channel (aligned at 2). */
static const uint8_t radiotap_ext_datapad_ip6[20 + 36] = {
	0x00, 0x00, 20, 0x00,
	0x0a, 0x00, 0x00, 0x80,			/* Flags, Channel; another word */
	0x00, 0x00, 0x00, 0x00,
	0x20, 0x00,				/* Flags: datapad; alignment */
	0x6c, 0x09, 0xa0, 0x00,			/* 2412 MHz, 2 GHz | CCK */
	0x00, 0x00,				/* unused, counted in the length */
	0x88, 0x01, WLAN_ADDR3, WLAN_SEQ, 0x00, 0x00,
	0x00, 0x00,				/* datapad */
	SNAP_IP6,
};

/* FDDI: frame control 0x50 (LLC, asynchronous, 48-bit addresses). */
static const uint8_t fddi_ip4[21] = {
	0x50, 0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb,
	SNAP_IP4,
};
static const uint8_t fddi_sync_ip6[21] = {
	0xd4, 0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb,
	SNAP_IP6,
};

/* ---- helpers --------------------------------------------------------- */

static size_t frame(uint8_t *out, const uint8_t *link, size_t ll, const uint8_t *ip, size_t il)
{
	if (ll)
		memcpy(out, link, ll);
	if (il)
		memcpy(out + ll, ip, il);
	return ll + il;
}

/* Decode the first caplen bytes of f, with the guard page right after
 * them; wirelen is the whole frame. */
static enum packet_kind decode_cut(int dlt, const uint8_t *f, size_t caplen, size_t wirelen,
				   struct packet *pkt, const uint8_t **copy)
{
	static struct guard g;
	static int ready;
	if (!ready) {
		guard_init(&g, 65536);
		ready = 1;
	}
	const uint8_t *p = guard_put(&g, f, caplen);
	if (copy)
		*copy = p;
	memset(pkt, 0x5a, sizeof(*pkt));
	return packet_decode(dlt, p, caplen, wirelen, DEFAULT_IFINDEX, pkt);
}

static enum packet_kind decode(int dlt, const uint8_t *f, size_t len, struct packet *pkt)
{
	return decode_cut(dlt, f, len, len, pkt, NULL);
}

static void check_ip4_udp(const struct packet *p, uint32_t ifindex)
{
	assert_int_equal(p->key.af, 4);
	assert_int_equal(p->key.proto, 17);
	assert_int_equal(p->key.tos, 0x28);
	assert_memory_equal(p->key.src, a192_168_0_1, 16);
	assert_memory_equal(p->key.dst, a10_1_2_3, 16);
	assert_int_equal(p->key.sport, 54321);
	assert_int_equal(p->key.dport, 53);
	assert_int_equal(p->key.ifindex, ifindex);
	assert_int_equal(p->key.l2id[0] | p->key.l2id[1] | p->key.l2id[2] | p->key.vlan, 0);
	assert_int_equal(p->octets, 32);
	assert_int_equal(p->tcp_flags, 0);
	assert_int_equal(p->fragment, 0);
	assert_int_equal(p->payload_len, 4);
	assert_non_null(p->payload);
	assert_memory_equal(p->payload, ip4_udp + 28, 4);
}

static void check_ip6_udp(const struct packet *p, uint32_t ifindex)
{
	assert_int_equal(p->key.af, 6);
	assert_int_equal(p->key.proto, 17);
	assert_int_equal(p->key.tos, 0xb8);
	assert_memory_equal(p->key.src, a2001_db8_1, 16);
	assert_memory_equal(p->key.dst, a2001_db8_2, 16);
	assert_int_equal(p->key.sport, 1234);
	assert_int_equal(p->key.dport, 5678);
	assert_int_equal(p->key.ifindex, ifindex);
	assert_int_equal(p->octets, 50);
	assert_int_equal(p->fragment, 0);
	assert_int_equal(p->payload_len, 2);
	assert_memory_equal(p->payload, ip6_udp + 48, 2);
}

/* ---- every link type: full frame, cut link header, cut IP header ----- */

struct link_case {
	const char *name;
	int dlt;
	const uint8_t *hdr;
	size_t hdr_len;
	int af;			/* what follows: 4 (ip4_udp) or 6 (ip6_udp) */
	uint16_t vlan;
	uint32_t ifindex;	/* expected key.ifindex */
};

static const struct link_case cases[] = {
	{ "EN10MB", T_EN10MB, eth_ip4, sizeof(eth_ip4), 4, 0, DEFAULT_IFINDEX },
	{ "EN10MB v6", T_EN10MB, eth_ip6, sizeof(eth_ip6), 6, 0, DEFAULT_IFINDEX },
	{ "802.1Q", T_EN10MB, eth_vlan_ip4, sizeof(eth_vlan_ip4), 4, 100, DEFAULT_IFINDEX },
	{ "802.1ad+802.1Q", T_EN10MB, eth_qinq_ip4, sizeof(eth_qinq_ip4), 4, 200, DEFAULT_IFINDEX },
	{ "0x9100+802.1Q v6", T_EN10MB, eth_qinq_old_ip6, sizeof(eth_qinq_old_ip6), 6, 4094, DEFAULT_IFINDEX },
	{ "LINUX_SLL", T_LINUX_SLL, sll_ip4, sizeof(sll_ip4), 4, 0, DEFAULT_IFINDEX },
	{ "LINUX_SLL2", T_LINUX_SLL2, sll2_ip4, sizeof(sll2_ip4), 4, 0, 7 },
	{ "LINUX_SLL2 v6", T_LINUX_SLL2, sll2_ip6_big_ifindex, sizeof(sll2_ip6_big_ifindex), 6, 0, 0x81020304u },
	{ "RAW v4", T_RAW, NULL, 0, 4, 0, DEFAULT_IFINDEX },
	{ "RAW v6", T_RAW, NULL, 0, 6, 0, DEFAULT_IFINDEX },
	{ "RAW(14) v4", T_RAW_OPENBSD, NULL, 0, 4, 0, DEFAULT_IFINDEX },
	{ "IPV4", T_IPV4, NULL, 0, 4, 0, DEFAULT_IFINDEX },
	{ "IPV6", T_IPV6, NULL, 0, 6, 0, DEFAULT_IFINDEX },
	{ "NULL le 2", T_NULL, null_le_2, 4, 4, 0, DEFAULT_IFINDEX },
	{ "NULL be 2", T_NULL, null_be_2, 4, 4, 0, DEFAULT_IFINDEX },
	{ "NULL le 24", T_NULL, null_le_24, 4, 6, 0, DEFAULT_IFINDEX },
	{ "NULL le 28", T_NULL, null_le_28, 4, 6, 0, DEFAULT_IFINDEX },
	{ "NULL le 30", T_NULL, null_le_30, 4, 6, 0, DEFAULT_IFINDEX },
	{ "NULL be 24", T_NULL, null_be_24, 4, 6, 0, DEFAULT_IFINDEX },
	{ "NULL be 28", T_NULL, null_be_28, 4, 6, 0, DEFAULT_IFINDEX },
	{ "NULL be 30", T_NULL, null_be_30, 4, 6, 0, DEFAULT_IFINDEX },
	{ "LOOP 2", T_LOOP, loop_2, 4, 4, 0, DEFAULT_IFINDEX },
	{ "LOOP 24", T_LOOP, loop_24, 4, 6, 0, DEFAULT_IFINDEX },
	{ "802.3 LLC/SNAP", T_EN10MB, eth_8023_snap_ip4, sizeof(eth_8023_snap_ip4), 4, 0, DEFAULT_IFINDEX },
	{ "802.1Q 802.3 LLC/SNAP", T_EN10MB, eth_vlan_8023_snap_ip4, sizeof(eth_vlan_8023_snap_ip4), 4, 7, DEFAULT_IFINDEX },
	{ "LINUX_SLL LLC/SNAP v6", T_LINUX_SLL, sll_llc_ip6, sizeof(sll_llc_ip6), 6, 0, DEFAULT_IFINDEX },
	{ "PFLOG 45", T_PFLOG, pflog_45_v4, sizeof(pflog_45_v4), 4, 0, DEFAULT_IFINDEX },
	{ "PFLOG 46", T_PFLOG, pflog_46_v4, sizeof(pflog_46_v4), 4, 0, DEFAULT_IFINDEX },
	{ "PFLOG 61 v6 (28)", T_PFLOG, pflog_61_v6_28, sizeof(pflog_61_v6_28), 6, 0, DEFAULT_IFINDEX },
	{ "PFLOG 100 v6 (24)", T_PFLOG, pflog_100_v6_24, sizeof(pflog_100_v6_24), 6, 0, DEFAULT_IFINDEX },
	{ "PPP ff03", T_PPP, ppp_ip4, sizeof(ppp_ip4), 4, 0, DEFAULT_IFINDEX },
	{ "PPP ff03 v6", T_PPP, ppp_ip6, sizeof(ppp_ip6), 6, 0, DEFAULT_IFINDEX },
	{ "PPP ACFC", T_PPP, ppp_acfc_ip4, sizeof(ppp_acfc_ip4), 4, 0, DEFAULT_IFINDEX },
	{ "PPP PFC", T_PPP, ppp_pfc_ip4, sizeof(ppp_pfc_ip4), 4, 0, DEFAULT_IFINDEX },
	{ "PPP PFC v6", T_PPP, ppp_pfc_ip6, sizeof(ppp_pfc_ip6), 6, 0, DEFAULT_IFINDEX },
	{ "PPP ff03 PFC", T_PPP, ppp_ac_pfc_ip4, sizeof(ppp_ac_pfc_ip4), 4, 0, DEFAULT_IFINDEX },
	{ "PPP Cisco HDLC", T_PPP, ppp_chdlc_ip4, sizeof(ppp_chdlc_ip4), 4, 0, DEFAULT_IFINDEX },
	{ "PPP Cisco HDLC bcast v6", T_PPP, ppp_chdlc_bcast_ip6, sizeof(ppp_chdlc_bcast_ip6), 6, 0, DEFAULT_IFINDEX },
	{ "PPP MPLS", T_PPP, ppp_mpls_ip4, sizeof(ppp_mpls_ip4), 4, 0, DEFAULT_IFINDEX },
	{ "PPP_SERIAL", T_PPP_SERIAL, ppp_ip4, sizeof(ppp_ip4), 4, 0, DEFAULT_IFINDEX },
	{ "PPP_SERIAL Cisco HDLC", T_PPP_SERIAL, ppp_chdlc_ip4, sizeof(ppp_chdlc_ip4), 4, 0, DEFAULT_IFINDEX },
	{ "C_HDLC", T_C_HDLC, chdlc_ip4, sizeof(chdlc_ip4), 4, 0, DEFAULT_IFINDEX },
	{ "C_HDLC bcast v6", T_C_HDLC, chdlc_bcast_ip6, sizeof(chdlc_bcast_ip6), 6, 0, DEFAULT_IFINDEX },
	{ "C_HDLC MPLS", T_C_HDLC, chdlc_mpls_ip4, sizeof(chdlc_mpls_ip4), 4, 0, DEFAULT_IFINDEX },
	{ "NFLOG", T_NFLOG, nflog_ip4, sizeof(nflog_ip4), 4, 0, DEFAULT_IFINDEX },
	{ "NFLOG v6", T_NFLOG, nflog_ip6, sizeof(nflog_ip6), 6, 0, DEFAULT_IFINDEX },
	{ "NFLOG payload first", T_NFLOG, nflog_payload_first_ip4, sizeof(nflog_payload_first_ip4), 4, 0, DEFAULT_IFINDEX },
	{ "802.11 data", T_IEEE802_11, wlan_data_ip4, sizeof(wlan_data_ip4), 4, 0, DEFAULT_IFINDEX },
	{ "802.11 QoS data", T_IEEE802_11, wlan_qos_ip4, sizeof(wlan_qos_ip4), 4, 0, DEFAULT_IFINDEX },
	{ "802.11 4-address QoS +HTC v6", T_IEEE802_11, wlan_4addr_qos_htc_ip6, sizeof(wlan_4addr_qos_htc_ip6), 6, 0, DEFAULT_IFINDEX },
	{ "802.11 data, order bit", T_IEEE802_11, wlan_data_order_ip4, sizeof(wlan_data_order_ip4), 4, 0, DEFAULT_IFINDEX },
	{ "802.11 802.1H SNAP", T_IEEE802_11, wlan_data_8021h_ip4, sizeof(wlan_data_8021h_ip4), 4, 0, DEFAULT_IFINDEX },
	{ "radiotap minimal", T_RADIOTAP, radiotap_min_ip4, sizeof(radiotap_min_ip4), 4, 0, DEFAULT_IFINDEX },
	{ "radiotap TSFT flags", T_RADIOTAP, radiotap_tsft_ip4, sizeof(radiotap_tsft_ip4), 4, 0, DEFAULT_IFINDEX },
	{ "radiotap ext datapad v6", T_RADIOTAP, radiotap_ext_datapad_ip6, sizeof(radiotap_ext_datapad_ip6), 6, 0, DEFAULT_IFINDEX },
	{ "FDDI", T_FDDI, fddi_ip4, sizeof(fddi_ip4), 4, 0, DEFAULT_IFINDEX },
	{ "FDDI sync v6", T_FDDI, fddi_sync_ip6, sizeof(fddi_sync_ip6), 6, 0, DEFAULT_IFINDEX },
};

static void test_each_link_type_full_frame(void **state)
{
	(void)state;
	uint8_t f[256];
	struct packet pkt;
	const uint8_t *copy;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct link_case *c = &cases[i];
		const uint8_t *ip = c->af == 4 ? ip4_udp : ip6_udp;
		size_t il = c->af == 4 ? sizeof(ip4_udp) : sizeof(ip6_udp);
		size_t len = frame(f, c->hdr, c->hdr_len, ip, il);
		print_message("%s\n", c->name);
		assert_int_equal(decode_cut(c->dlt, f, len, len, &pkt, &copy), PKT_IP);
		if (c->af == 4)
			check_ip4_udp(&pkt, c->ifindex);
		else
			check_ip6_udp(&pkt, c->ifindex);
		assert_int_equal(pkt.vlan, c->vlan);
		/* The payload points into the frame, after all the headers. */
		assert_ptr_equal(pkt.payload, copy + c->hdr_len + (c->af == 4 ? 28 : 48));
	}
}

/* Every cut inside the link header is too short. */
static void test_each_link_type_cut_link_header(void **state)
{
	(void)state;
	uint8_t f[256];
	struct packet pkt;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct link_case *c = &cases[i];
		const uint8_t *ip = c->af == 4 ? ip4_udp : ip6_udp;
		size_t il = c->af == 4 ? sizeof(ip4_udp) : sizeof(ip6_udp);
		size_t len = frame(f, c->hdr, c->hdr_len, ip, il);
		for (size_t cut = 0; cut < c->hdr_len; cut++) {
			enum packet_kind k = decode_cut(c->dlt, f, cut, len, &pkt, NULL);
			if (k != PKT_TOO_SHORT)
				fail_msg("%s cut at %zu of a %zu-byte link header: kind %d",
					 c->name, cut, c->hdr_len, k);
		}
	}
}

/* Every cut inside the IP header (20 bytes v4, 40 v6) is too short. */
static void test_each_link_type_cut_ip_header(void **state)
{
	(void)state;
	uint8_t f[256];
	struct packet pkt;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct link_case *c = &cases[i];
		const uint8_t *ip = c->af == 4 ? ip4_udp : ip6_udp;
		size_t il = c->af == 4 ? sizeof(ip4_udp) : sizeof(ip6_udp);
		size_t iph = c->af == 4 ? 20 : 40;
		size_t len = frame(f, c->hdr, c->hdr_len, ip, il);
		for (size_t cut = c->hdr_len; cut < c->hdr_len + iph; cut++) {
			enum packet_kind k = decode_cut(c->dlt, f, cut, len, &pkt, NULL);
			if (k != PKT_TOO_SHORT)
				fail_msg("%s cut at %zu (IP header byte %zu): kind %d",
					 c->name, cut, cut - c->hdr_len, k);
		}
		/* The whole IP header but no UDP header: an IP packet with
		 * no ports, still counted at its full length. */
		enum packet_kind k = decode_cut(c->dlt, f, c->hdr_len + iph, len, &pkt, NULL);
		assert_int_equal(k, PKT_IP);
		assert_int_equal(pkt.key.proto, 17);
		assert_int_equal(pkt.key.sport, 0);
		assert_int_equal(pkt.key.dport, 0);
		assert_int_equal(pkt.octets, c->af == 4 ? 32 : 50);
		assert_null(pkt.payload);
		assert_int_equal(pkt.payload_len, 0);
	}
}

/* ---- Ethernet details ------------------------------------------------ */

/* A 40-byte IP packet in a minimum-size (60-byte) frame: octets are the
 * IP total length, not the frame length, and padding is not payload. */
static void test_ethernet_padding_not_counted(void **state)
{
	(void)state;
	uint8_t f[60];
	struct packet pkt;

	memset(f, 0, sizeof(f));
	frame(f, eth_ip4, 14, ip4_tcp, sizeof(ip4_tcp));
	assert_int_equal(decode(T_EN10MB, f, sizeof(f), &pkt), PKT_IP);
	assert_int_equal(pkt.octets, 40);
	assert_int_equal(pkt.key.af, 4);
	assert_int_equal(pkt.key.proto, 6);
	assert_int_equal(pkt.key.tos, 0x10);
	assert_memory_equal(pkt.key.src, a10_0_0_1, 16);
	assert_memory_equal(pkt.key.dst, a10_0_0_2, 16);
	assert_int_equal(pkt.key.sport, 50000);
	assert_int_equal(pkt.key.dport, 443);
	assert_int_equal(pkt.tcp_flags, 0x12);
	assert_int_equal(pkt.payload_len, 0);
	assert_int_equal(pkt.vlan, 0);

	/* The same with a UDP packet: payload ends at the UDP length. */
	uint8_t g[60];
	memset(g, 0, sizeof(g));
	frame(g, eth_ip4, 14, ip4_udp, sizeof(ip4_udp));
	assert_int_equal(decode(T_EN10MB, g, sizeof(g), &pkt), PKT_IP);
	check_ip4_udp(&pkt, DEFAULT_IFINDEX);
}

static void test_arp_is_not_ip(void **state)
{
	(void)state;
	uint8_t f[60];
	struct packet pkt;

	memset(f, 0, sizeof(f));
	memcpy(f, eth_arp, 14);
	f[14] = 0x00; f[15] = 0x01;	/* ARP: hardware Ethernet */
	f[16] = 0x08; f[17] = 0x00;	/* protocol IPv4 */
	f[18] = 6; f[19] = 4; f[21] = 1;	/* request */
	assert_int_equal(decode(T_EN10MB, f, sizeof(f), &pkt), PKT_NON_IP);
	/* Just the Ethernet header of an ARP frame is enough to say so. */
	assert_int_equal(decode(T_EN10MB, f, 14, &pkt), PKT_NON_IP);

	/* ARP inside an 802.1Q tag: the VLAN is still read. */
	static const uint8_t vlan_arp[18] = { MACS, 0x81, 0x00, 0x00, 0x0a, 0x08, 0x06 };
	assert_int_equal(decode(T_EN10MB, vlan_arp, sizeof(vlan_arp), &pkt), PKT_NON_IP);

	/* LLDP. */
	static const uint8_t lldp[14] = { MACS, 0x88, 0xcc };
	assert_int_equal(decode(T_EN10MB, lldp, sizeof(lldp), &pkt), PKT_NON_IP);

	/* SLL with ARP. */
	uint8_t s[16 + 28];
	memset(s, 0, sizeof(s));
	memcpy(s, sll_ip4, 16);
	s[14] = 0x08; s[15] = 0x06;
	assert_int_equal(decode(T_LINUX_SLL, s, sizeof(s), &pkt), PKT_NON_IP);

	/* BSD loopback with an unknown family. */
	uint8_t n[4 + 32];
	frame(n, (const uint8_t[]){ 0x07, 0x00, 0x00, 0x00 }, 4, ip4_udp, sizeof(ip4_udp));
	assert_int_equal(decode(T_NULL, n, sizeof(n), &pkt), PKT_NON_IP);
	/* LOOP is always network order: a little-endian 2 is not IPv4. */
	frame(n, null_le_2, 4, ip4_udp, sizeof(ip4_udp));
	assert_int_equal(decode(T_LOOP, n, sizeof(n), &pkt), PKT_NON_IP);
	/* Raw IP whose version nibble is neither 4 nor 6. */
	uint8_t r[32];
	memcpy(r, ip4_udp, sizeof(r));
	r[0] = 0x55;
	assert_int_equal(decode(T_RAW, r, sizeof(r), &pkt), PKT_NON_IP);
}

/* Linux also writes IPv6 as family 10 on DLT_NULL. */
static void test_null_linux_family_10(void **state)
{
	(void)state;
	uint8_t f[4 + 50];
	struct packet pkt;
	frame(f, (const uint8_t[]){ 0x0a, 0x00, 0x00, 0x00 }, 4, ip6_udp, sizeof(ip6_udp));
	assert_int_equal(decode(T_NULL, f, sizeof(f), &pkt), PKT_IP);
	check_ip6_udp(&pkt, DEFAULT_IFINDEX);
}

/* SLL2 with interface index 0 keeps the default. */
static void test_sll2_zero_ifindex(void **state)
{
	(void)state;
	uint8_t f[20 + 32];
	struct packet pkt;
	frame(f, sll2_ip4, 20, ip4_udp, sizeof(ip4_udp));
	f[7] = 0;
	assert_int_equal(decode(T_LINUX_SLL2, f, sizeof(f), &pkt), PKT_IP);
	check_ip4_udp(&pkt, DEFAULT_IFINDEX);
}

/* ---- link types added for the issue: details and hostile fields ------ */

/* Frame link header lh + ip4_udp into f, return the length. */
static size_t frame4(uint8_t *f, const uint8_t *lh, size_t ll)
{
	return frame(f, lh, ll, ip4_udp, sizeof(ip4_udp));
}

/* 802.3 frames whose LLC is not SNAP are not IP, told from the first byte
 * that differs; an 802.3 header with nothing after it is cut short. */
static void test_8023_llc_not_snap(void **state)
{
	(void)state;
	uint8_t f[64];
	struct packet pkt;

	static const uint8_t stp[17] = { MACS, 0x00, 0x26, 0x42, 0x42, 0x03 };
	assert_int_equal(decode(T_EN10MB, stp, sizeof(stp), &pkt), PKT_NON_IP);
	assert_int_equal(decode(T_EN10MB, stp, 15, &pkt), PKT_NON_IP);
	static const uint8_t novell[16] = { MACS, 0x00, 0x40, 0xff, 0xff };
	assert_int_equal(decode(T_EN10MB, novell, sizeof(novell), &pkt), PKT_NON_IP);
	assert_int_equal(decode(T_EN10MB, stp, 14, &pkt), PKT_TOO_SHORT);
	/* SNAP with an OUI other than 00-00-00 / 00-00-f8 (Cisco's). */
	static const uint8_t cisco_snap[22] = {
		MACS, 0x00, 0x2a, 0xaa, 0xaa, 0x03, 0x00, 0x00, 0x0c, 0x20, 0x00,
	};
	assert_int_equal(decode(T_EN10MB, cisco_snap, sizeof(cisco_snap), &pkt), PKT_NON_IP);
	/* SNAP with a length where the ethertype should be. */
	size_t n = frame4(f, eth_8023_snap_ip4, sizeof(eth_8023_snap_ip4));
	f[20] = 0x00; f[21] = 0x2a;
	assert_int_equal(decode(T_EN10MB, f, n, &pkt), PKT_NON_IP);
	/* SNAP then MPLS. */
	static const uint8_t snap_mpls[26] = {
		MACS, 0x00, 0x2a, 0xaa, 0xaa, 0x03, 0x00, 0x00, 0x00, 0x88, 0x47,
		0x00, 0x01, 0x01, 0x40,
	};
	n = frame4(f, snap_mpls, sizeof(snap_mpls));
	assert_int_equal(decode(T_EN10MB, f, n, &pkt), PKT_IP);
	check_ip4_udp(&pkt, DEFAULT_IFINDEX);
}

static void test_pflog_header_length(void **state)
{
	(void)state;
	uint8_t f[300];
	struct packet pkt;
	size_t n = frame4(f, pflog_45_v4, sizeof(pflog_45_v4));

	/* Every length from 45 to 48 puts IP at 48. */
	for (uint8_t len = 45; len <= 48; len++) {
		f[0] = len;
		assert_int_equal(decode(T_PFLOG, f, n, &pkt), PKT_IP);
		check_ip4_udp(&pkt, DEFAULT_IFINDEX);
	}
	/* Shorter than any pflog header ever was: not a pflog frame. */
	for (uint8_t len = 0; len < 45; len++) {
		f[0] = len;
		assert_int_equal(decode(T_PFLOG, f, n, &pkt), PKT_NON_IP);
	}
	/* A length past the captured bytes: too short, never read past. */
	for (unsigned len = 81; len <= 255; len++) {
		f[0] = (uint8_t)len;
		assert_int_equal(decode(T_PFLOG, f, n, &pkt), PKT_TOO_SHORT);
	}
	/* A family that is neither IPv4 nor IPv6. */
	f[0] = 45;
	f[1] = 17;
	assert_int_equal(decode(T_PFLOG, f, n, &pkt), PKT_NON_IP);
	/* Only the length byte. */
	assert_int_equal(decode(T_PFLOG, f, 1, &pkt), PKT_TOO_SHORT);
}

static void test_ppp_not_ip(void **state)
{
	(void)state;
	struct packet pkt;
	static const uint8_t lcp[8] = { 0xff, 0x03, 0xc0, 0x21, 0x09, 0x01, 0x00, 0x08 };
	static const uint8_t bad_control[4] = { 0xff, 0x05, 0x00, 0x21 };
	static const uint8_t vj_compressed[4] = { 0xff, 0x03, 0x00, 0x2d };
	static const uint8_t slarp[24] = { 0x8f, 0x00, 0x80, 0x35, 0x00, 0x00, 0x00, 0x02 };
	static const uint8_t cdp[8] = { 0x0f, 0x00, 0x20, 0x00, 0x02, 0xb4 };
	static const uint8_t pfc_vj[4] = { 0x2d, 0x00, 0x00, 0x00 };	/* 1-byte 0x2d: VJ TCP */
	/* Address 0x0f with a control byte other than 0: read as PPP, where
	 * 0x0f is a one-byte protocol that does not exist. */
	static const uint8_t chdlc_bad_control[4] = { 0x0f, 0x03, 0x08, 0x00 };

	assert_int_equal(decode(T_PPP, lcp, sizeof(lcp), &pkt), PKT_NON_IP);
	assert_int_equal(decode(T_PPP, bad_control, sizeof(bad_control), &pkt), PKT_NON_IP);
	assert_int_equal(decode(T_PPP, vj_compressed, sizeof(vj_compressed), &pkt), PKT_NON_IP);
	assert_int_equal(decode(T_PPP, slarp, sizeof(slarp), &pkt), PKT_NON_IP);
	assert_int_equal(decode(T_PPP, cdp, sizeof(cdp), &pkt), PKT_NON_IP);
	assert_int_equal(decode(T_PPP, pfc_vj, sizeof(pfc_vj), &pkt), PKT_NON_IP);
	assert_int_equal(decode(T_PPP, chdlc_bad_control, sizeof(chdlc_bad_control), &pkt), PKT_NON_IP);
	assert_int_equal(decode(T_C_HDLC, slarp, sizeof(slarp), &pkt), PKT_NON_IP);
	assert_int_equal(decode(T_C_HDLC, cdp, sizeof(cdp), &pkt), PKT_NON_IP);
	/* Empty frames. */
	assert_int_equal(decode(T_PPP, lcp, 0, &pkt), PKT_TOO_SHORT);
	assert_int_equal(decode(T_C_HDLC, lcp, 0, &pkt), PKT_TOO_SHORT);
	/* MPLS over PPP whose label stack runs off the end. */
	static const uint8_t mpls_no_bottom[8] = { 0xff, 0x03, 0x02, 0x81, 0x00, 0x01, 0x00, 0x40 };
	assert_int_equal(decode(T_PPP, mpls_no_bottom, sizeof(mpls_no_bottom), &pkt), PKT_TOO_SHORT);
}

/* NFLOG: TLV lengths that would loop forever or read past the frame. */
static void test_nflog_hostile_tlvs(void **state)
{
	(void)state;
	uint8_t f[4096];
	struct packet pkt;
	size_t n = frame4(f, nflog_ip4, sizeof(nflog_ip4));

	/* Length 0..3 in the first TLV: would never advance; not IP. */
	for (uint16_t len = 0; len < 4; len++) {
		uint8_t g[sizeof(f)];
		memcpy(g, f, n);
		uint8_t h[2] = { H16(len) };
		memcpy(g + 4, h, 2);
		assert_int_equal(decode(T_NFLOG, g, n, &pkt), PKT_NON_IP);
		/* The same in the payload TLV itself. */
		memcpy(g, f, n);
		memcpy(g + 20, h, 2);
		assert_int_equal(decode(T_NFLOG, g, n, &pkt), PKT_NON_IP);
	}
	/* Lengths past the frame, up to 0xffff: too short. */
	static const uint16_t huge[] = { 57, 100, 0x7fff, 0xfffc, 0xfffd, 0xffff };
	for (size_t i = 0; i < sizeof(huge) / sizeof(huge[0]); i++) {
		uint8_t g[sizeof(f)];
		memcpy(g, f, n);
		uint8_t h[2] = { H16(huge[i]) };
		memcpy(g + 12, h, 2);			/* the prefix TLV */
		assert_int_equal(decode(T_NFLOG, g, n, &pkt), PKT_TOO_SHORT);
	}
	/* A prefix whose padding alone runs past the end. */
	static const uint8_t prefix_cut[11] = { 2, 0, 0, 1, H16(7), H16(10), 'a', 'b', 0 };
	assert_int_equal(decode(T_NFLOG, prefix_cut, sizeof(prefix_cut), &pkt), PKT_TOO_SHORT);
	/* A thousand 4-byte TLVs and no payload: ends at the frame's end. */
	uint8_t many[4 + 4000];
	memcpy(many, nflog_ip4, 4);
	for (size_t i = 0; i < 1000; i++) {
		uint8_t t[4] = { H16(4), H16(11) };
		memcpy(many + 4 + 4 * i, t, 4);
	}
	assert_int_equal(decode(T_NFLOG, many, sizeof(many), &pkt), PKT_TOO_SHORT);
	/* The payload type with the nested flag bits set is still the payload. */
	uint8_t g[sizeof(f)];
	memcpy(g, f, n);
	uint8_t t[2] = { H16(0x8009) };
	memcpy(g + 22, t, 2);
	assert_int_equal(decode(T_NFLOG, g, n, &pkt), PKT_IP);
	check_ip4_udp(&pkt, DEFAULT_IFINDEX);
	/* Version other than 0, and a family that is not IP (bridge, 7). */
	memcpy(g, f, n);
	g[1] = 1;
	assert_int_equal(decode(T_NFLOG, g, n, &pkt), PKT_NON_IP);
	memcpy(g, f, n);
	g[0] = 7;
	assert_int_equal(decode(T_NFLOG, g, n, &pkt), PKT_NON_IP);
}

/* 802.11 frames that carry no IP we can read. */
static void test_80211_not_ip(void **state)
{
	(void)state;
	uint8_t f[128];
	struct packet pkt;
	size_t n;

	static const uint8_t beacon[36] = { 0x80, 0x00, WLAN_ADDR3, WLAN_SEQ };
	assert_int_equal(decode(T_IEEE802_11, beacon, sizeof(beacon), &pkt), PKT_NON_IP);
	static const uint8_t ack[10] = { 0xd4, 0x00, 0x00, 0x00, 0x00, 0x11, 0x22, 0x33, 0x44, 0x55 };
	assert_int_equal(decode(T_IEEE802_11, ack, sizeof(ack), &pkt), PKT_NON_IP);

	/* Protected (WEP/TKIP/CCMP). */
	n = frame4(f, wlan_data_ip4, sizeof(wlan_data_ip4));
	f[1] |= 0x40;
	assert_int_equal(decode(T_IEEE802_11, f, n, &pkt), PKT_NON_IP);
	/* Null function and QoS null: no data. */
	n = frame4(f, wlan_data_ip4, sizeof(wlan_data_ip4));
	f[0] = 0x48;
	assert_int_equal(decode(T_IEEE802_11, f, n, &pkt), PKT_NON_IP);
	f[0] = 0xc8;
	assert_int_equal(decode(T_IEEE802_11, f, n, &pkt), PKT_NON_IP);
	/* Protocol version 1. */
	n = frame4(f, wlan_data_ip4, sizeof(wlan_data_ip4));
	f[0] = 0x09;
	assert_int_equal(decode(T_IEEE802_11, f, n, &pkt), PKT_NON_IP);
	/* A-MSDU. */
	n = frame4(f, wlan_qos_ip4, sizeof(wlan_qos_ip4));
	f[24] = 0x80;
	assert_int_equal(decode(T_IEEE802_11, f, n, &pkt), PKT_NON_IP);
	/* LLC that is not SNAP (a later fragment's data, say). */
	n = frame4(f, wlan_data_ip4, sizeof(wlan_data_ip4));
	f[24] = 'x';
	assert_int_equal(decode(T_IEEE802_11, f, n, &pkt), PKT_NON_IP);
	/* Header cut: a data frame of 10 bytes. */
	assert_int_equal(decode(T_IEEE802_11, wlan_data_ip4, 10, &pkt), PKT_TOO_SHORT);
}

/* Radiotap: lengths that lie, the FCS at the end of the frame. */
static void test_radiotap_hostile_and_fcs(void **state)
{
	(void)state;
	uint8_t f[256];
	struct packet pkt;
	size_t n = frame4(f, radiotap_min_ip4, sizeof(radiotap_min_ip4));

	/* Length 0xffff, or just past the captured bytes: too short. */
	f[2] = 0xff; f[3] = 0xff;
	assert_int_equal(decode(T_RADIOTAP, f, n, &pkt), PKT_TOO_SHORT);
	f[2] = (uint8_t)(n + 1); f[3] = 0;
	assert_int_equal(decode(T_RADIOTAP, f, n, &pkt), PKT_TOO_SHORT);
	/* Shorter than its own fixed part, or another version: not IP. */
	for (uint8_t len = 0; len < 8; len++) {
		f[2] = len;
		assert_int_equal(decode(T_RADIOTAP, f, n, &pkt), PKT_NON_IP);
	}
	f[2] = 8;
	f[0] = 1;
	assert_int_equal(decode(T_RADIOTAP, f, n, &pkt), PKT_NON_IP);
	f[0] = 0;
	/* Length 8 with the presence word claiming Flags and more words
	 * without end: the fields are cut by the header's own length, the
	 * frame after it is still found. */
	f[4] = 0xff; f[5] = 0xff; f[6] = 0xff; f[7] = 0xff;
	assert_int_equal(decode(T_RADIOTAP, f, n, &pkt), PKT_IP);
	check_ip4_udp(&pkt, DEFAULT_IFINDEX);

	/* Flags FCS (0x10): four bytes of FCS after the datagram are neither
	 * octets nor payload. */
	uint8_t g[sizeof(radiotap_tsft_ip4) + 32 + 4];
	n = frame4(g, radiotap_tsft_ip4, sizeof(radiotap_tsft_ip4));
	g[16] = 0x10;
	memcpy(g + n, "\x12\x34\x56\x78", 4);
	assert_int_equal(decode(T_RADIOTAP, g, n + 4, &pkt), PKT_IP);
	check_ip4_udp(&pkt, DEFAULT_IFINDEX);
	uint8_t h[sizeof(radiotap_tsft_ip4) + 40 + 4];
	n = frame(h, radiotap_tsft_ip4, sizeof(radiotap_tsft_ip4), ip4_tcp, sizeof(ip4_tcp));
	h[16] = 0x10;
	memcpy(h + n, "\x12\x34\x56\x78", 4);
	assert_int_equal(decode(T_RADIOTAP, h, n + 4, &pkt), PKT_IP);
	assert_int_equal(pkt.octets, 40);
	assert_int_equal(pkt.payload_len, 0);

	/* Datapad on a 24-byte header: already a multiple of 4, no padding. */
	uint8_t d[18 + 32 + 32];
	n = frame(d, radiotap_tsft_ip4, 18, wlan_data_ip4, sizeof(wlan_data_ip4));
	n += frame4(d + n, NULL, 0);
	d[16] = 0x20;
	assert_int_equal(decode(T_RADIOTAP, d, n, &pkt), PKT_IP);
	check_ip4_udp(&pkt, DEFAULT_IFINDEX);
	/* Without its datapad flag, the QoS frame's two pad bytes are taken
	 * for the LLC header: the flag is what finds it. */
	uint8_t e[sizeof(radiotap_ext_datapad_ip6) + 50];
	n = frame(e, radiotap_ext_datapad_ip6, sizeof(radiotap_ext_datapad_ip6), ip6_udp, sizeof(ip6_udp));
	e[12] = 0x00;
	assert_int_equal(decode(T_RADIOTAP, e, n, &pkt), PKT_NON_IP);
}

static void test_fddi_not_ip(void **state)
{
	(void)state;
	uint8_t f[64];
	struct packet pkt;
	size_t n = frame4(f, fddi_ip4, sizeof(fddi_ip4));

	f[0] = 0x41;				/* SMT */
	assert_int_equal(decode(T_FDDI, f, n, &pkt), PKT_NON_IP);
	f[0] = 0x10;				/* LLC with 16-bit addresses */
	assert_int_equal(decode(T_FDDI, f, n, &pkt), PKT_NON_IP);
	f[0] = 0x57;				/* LLC, priority 7 */
	assert_int_equal(decode(T_FDDI, f, n, &pkt), PKT_IP);
	check_ip4_udp(&pkt, DEFAULT_IFINDEX);
	f[13] = 0x42; f[14] = 0x42;		/* STP */
	assert_int_equal(decode(T_FDDI, f, n, &pkt), PKT_NON_IP);
}

/* ---- IPv4 header checks --------------------------------------------- */

static void test_ipv4_bad_version_and_ihl(void **state)
{
	(void)state;
	uint8_t f[14 + 32];
	struct packet pkt;

	frame(f, eth_ip4, 14, ip4_udp, sizeof(ip4_udp));
	f[14] = 0x55;				/* version 5 */
	assert_int_equal(decode(T_EN10MB, f, sizeof(f), &pkt), PKT_BAD_HEADER);
	f[14] = 0x65;				/* version 6 under ethertype IPv4 */
	assert_int_equal(decode(T_EN10MB, f, sizeof(f), &pkt), PKT_BAD_HEADER);
	for (uint8_t ihl = 0; ihl < 5; ihl++) {
		f[14] = (uint8_t)(0x40 | ihl);
		assert_int_equal(decode(T_EN10MB, f, sizeof(f), &pkt), PKT_BAD_HEADER);
	}
	/* Just the first byte is enough to tell. */
	f[14] = 0x44;
	assert_int_equal(decode_cut(T_EN10MB, f, 15, sizeof(f), &pkt, NULL), PKT_BAD_HEADER);

	/* The IPV4 link type checks the same. */
	uint8_t r[32];
	memcpy(r, ip4_udp, sizeof(r));
	r[0] = 0x55;
	assert_int_equal(decode(T_IPV4, r, sizeof(r), &pkt), PKT_BAD_HEADER);
	r[0] = 0x43;
	assert_int_equal(decode(T_IPV4, r, sizeof(r), &pkt), PKT_BAD_HEADER);

	/* IPv6 ethertype with a version 4 header. */
	uint8_t s[14 + 50];
	frame(s, eth_ip6, 14, ip6_udp, sizeof(ip6_udp));
	s[14] = 0x4b;
	assert_int_equal(decode(T_EN10MB, s, sizeof(s), &pkt), PKT_BAD_HEADER);
}

/* IHL 6: a 4-byte option.  A cut inside the options is too short; the
 * ports come from after the options. */
static void test_ipv4_options(void **state)
{
	(void)state;
	uint8_t ip[36];
	uint8_t f[14 + 36];
	struct packet pkt;

	memcpy(ip, ip4_udp, 20);
	ip[0] = 0x46;
	ip[3] = 36;				/* total length */
	ip[20] = 0x01; ip[21] = 0x01; ip[22] = 0x01; ip[23] = 0x00;	/* NOP NOP NOP EOL */
	memcpy(ip + 24, ip4_udp + 20, 12);
	frame(f, eth_ip4, 14, ip, sizeof(ip));
	assert_int_equal(decode(T_EN10MB, f, sizeof(f), &pkt), PKT_IP);
	assert_int_equal(pkt.key.sport, 54321);
	assert_int_equal(pkt.key.dport, 53);
	assert_int_equal(pkt.octets, 36);
	assert_int_equal(pkt.payload_len, 4);
	for (size_t cut = 14 + 20; cut < 14 + 24; cut++)
		assert_int_equal(decode_cut(T_EN10MB, f, cut, sizeof(f), &pkt, NULL), PKT_TOO_SHORT);
}

static void test_ipv4_later_fragment(void **state)
{
	(void)state;
	uint8_t f[14 + 32];
	struct packet pkt;

	frame(f, eth_ip4, 14, ip4_udp, sizeof(ip4_udp));
	f[14 + 6] = 0x00; f[14 + 7] = 0xb9;	/* offset 185 * 8, last fragment */
	assert_int_equal(decode(T_EN10MB, f, sizeof(f), &pkt), PKT_IP);
	assert_int_equal(pkt.fragment, FRAG_LATER);
	assert_int_equal(pkt.frag_id, 0x1234);
	assert_int_equal(pkt.key.proto, 17);
	assert_int_equal(pkt.key.sport, 0);
	assert_int_equal(pkt.key.dport, 0);
	assert_int_equal(pkt.octets, 32);
	assert_memory_equal(pkt.key.src, a192_168_0_1, 16);
	assert_null(pkt.payload);

	/* Middle fragment: MF and an offset. */
	f[14 + 6] = 0x20; f[14 + 7] = 0x01;
	assert_int_equal(decode(T_EN10MB, f, sizeof(f), &pkt), PKT_IP);
	assert_int_equal(pkt.fragment, FRAG_LATER);
	assert_int_equal(pkt.key.sport, 0);
	assert_int_equal(pkt.key.dport, 0);

	/* First fragment (MF, offset 0) has the ports. */
	f[14 + 6] = 0x20; f[14 + 7] = 0x00;
	assert_int_equal(decode(T_EN10MB, f, sizeof(f), &pkt), PKT_IP);
	assert_int_equal(pkt.fragment, 1);
	assert_int_equal(pkt.key.sport, 54321);
	assert_int_equal(pkt.key.dport, 53);

	/* DF alone is not a fragment. */
	f[14 + 6] = 0x40; f[14 + 7] = 0x00;
	assert_int_equal(decode(T_EN10MB, f, sizeof(f), &pkt), PKT_IP);
	assert_int_equal(pkt.fragment, 0);
	assert_int_equal(pkt.key.sport, 54321);
}

/* Total length 0 (TSO super-packet): octets are the wire bytes after the
 * link header, not the captured bytes. */
static void test_ipv4_total_length_zero(void **state)
{
	(void)state;
	uint8_t f[14 + 40];
	struct packet pkt;

	frame(f, eth_ip4, 14, ip4_tcp, sizeof(ip4_tcp));
	f[14 + 2] = 0; f[14 + 3] = 0;
	/* 54 bytes captured of a 14 + 9000 byte frame. */
	assert_int_equal(decode_cut(T_EN10MB, f, sizeof(f), 14 + 9000, &pkt, NULL), PKT_IP);
	assert_int_equal(pkt.octets, 9000);
	assert_int_equal(pkt.key.sport, 50000);
	assert_int_equal(pkt.key.dport, 443);
	assert_int_equal(pkt.tcp_flags, 0x12);

	/* Behind an 802.1Q tag the link header is 18 bytes. */
	uint8_t v[18 + 40];
	frame(v, eth_vlan_ip4, 18, ip4_tcp, sizeof(ip4_tcp));
	v[18 + 2] = 0; v[18 + 3] = 0;
	assert_int_equal(decode_cut(T_EN10MB, v, sizeof(v), 18 + 9000, &pkt, NULL), PKT_IP);
	assert_int_equal(pkt.octets, 9000);

	/* Raw IP: everything on the wire is IP. */
	uint8_t r[40];
	memcpy(r, ip4_tcp, sizeof(r));
	r[2] = 0; r[3] = 0;
	assert_int_equal(decode_cut(T_RAW, r, sizeof(r), 65000, &pkt, NULL), PKT_IP);
	assert_int_equal(pkt.octets, 65000);
}

/* ---- transport ------------------------------------------------------- */

static void test_tcp_cuts(void **state)
{
	(void)state;
	uint8_t f[14 + 40];
	struct packet pkt;

	frame(f, eth_ip4, 14, ip4_tcp, sizeof(ip4_tcp));

	/* Cut inside the ports: no ports, but a TCP packet all the same. */
	for (size_t cut = 14 + 20; cut < 14 + 24; cut++) {
		assert_int_equal(decode_cut(T_EN10MB, f, cut, sizeof(f), &pkt, NULL), PKT_IP);
		assert_int_equal(pkt.key.proto, 6);
		assert_int_equal(pkt.key.sport, 0);
		assert_int_equal(pkt.key.dport, 0);
		assert_int_equal(pkt.tcp_flags, 0);
		assert_int_equal(pkt.octets, 40);
	}
	/* Cut after the ports but before the flags: ports, no flags. */
	for (size_t cut = 14 + 24; cut < 14 + 34; cut++) {
		assert_int_equal(decode_cut(T_EN10MB, f, cut, sizeof(f), &pkt, NULL), PKT_IP);
		assert_int_equal(pkt.key.sport, 50000);
		assert_int_equal(pkt.key.dport, 443);
		assert_int_equal(pkt.tcp_flags, 0);
		assert_int_equal(pkt.octets, 40);
		assert_null(pkt.payload);
	}
	/* Flags captured, rest of the header cut. */
	for (size_t cut = 14 + 34; cut < 14 + 40; cut++) {
		assert_int_equal(decode_cut(T_EN10MB, f, cut, sizeof(f), &pkt, NULL), PKT_IP);
		assert_int_equal(pkt.key.sport, 50000);
		assert_int_equal(pkt.tcp_flags, 0x12);
		assert_null(pkt.payload);
	}
	assert_int_equal(decode(T_EN10MB, f, sizeof(f), &pkt), PKT_IP);
	assert_int_equal(pkt.tcp_flags, 0x12);
	assert_non_null(pkt.payload);
	assert_int_equal(pkt.payload_len, 0);
}

/* All eight flag bits, and the NS bit in the offset byte is not a flag. */
static void test_tcp_flags_byte(void **state)
{
	(void)state;
	uint8_t f[14 + 40];
	struct packet pkt;

	frame(f, eth_ip4, 14, ip4_tcp, sizeof(ip4_tcp));
	f[14 + 32] = 0x51;			/* offset 5, NS */
	f[14 + 33] = 0xff;
	assert_int_equal(decode(T_EN10MB, f, sizeof(f), &pkt), PKT_IP);
	assert_int_equal(pkt.tcp_flags, 0xff);
	f[14 + 33] = 0x05;			/* RST|FIN */
	assert_int_equal(decode(T_EN10MB, f, sizeof(f), &pkt), PKT_IP);
	assert_int_equal(pkt.tcp_flags, 0x05);
}

static void test_icmp_type_code(void **state)
{
	(void)state;
	uint8_t f[14 + 28];
	struct packet pkt;

	frame(f, eth_ip4, 14, ip4_icmp, sizeof(ip4_icmp));
	assert_int_equal(decode(T_EN10MB, f, sizeof(f), &pkt), PKT_IP);
	assert_int_equal(pkt.key.proto, 1);
	assert_int_equal(pkt.key.sport, 0);
	assert_int_equal(pkt.key.dport, 3 * 256 + 3);
	assert_int_equal(pkt.octets, 28);
	assert_memory_equal(pkt.key.src, a192_168_0_1, 16);
	assert_memory_equal(pkt.key.dst, a192_168_0_2, 16);

	/* Echo reply 0/0 and time exceeded 11/1. */
	f[14 + 20] = 0; f[14 + 21] = 0;
	assert_int_equal(decode(T_EN10MB, f, sizeof(f), &pkt), PKT_IP);
	assert_int_equal(pkt.key.dport, 0);
	f[14 + 20] = 11; f[14 + 21] = 1;
	assert_int_equal(decode(T_EN10MB, f, sizeof(f), &pkt), PKT_IP);
	assert_int_equal(pkt.key.dport, 11 * 256 + 1);

	/* Only the type captured: no type/code. */
	assert_int_equal(decode_cut(T_EN10MB, f, 14 + 21, sizeof(f), &pkt, NULL), PKT_IP);
	assert_int_equal(pkt.key.dport, 0);
	assert_int_equal(pkt.key.proto, 1);
	assert_int_equal(decode_cut(T_EN10MB, f, 14 + 22, sizeof(f), &pkt, NULL), PKT_IP);
	assert_int_equal(pkt.key.dport, 11 * 256 + 1);

	/* ICMPv6 echo request. */
	uint8_t g[14 + 48];
	frame(g, eth_ip6, 14, ip6_icmp, sizeof(ip6_icmp));
	assert_int_equal(decode(T_EN10MB, g, sizeof(g), &pkt), PKT_IP);
	assert_int_equal(pkt.key.af, 6);
	assert_int_equal(pkt.key.proto, 58);
	assert_int_equal(pkt.key.sport, 0);
	assert_int_equal(pkt.key.dport, 128 * 256);
	assert_int_equal(pkt.key.tos, 0);
	assert_int_equal(pkt.octets, 48);
	assert_memory_equal(pkt.key.src, afe80_1, 16);
	assert_memory_equal(pkt.key.dst, afe80_2, 16);
}

/* ---- IPv6 extension headers ----------------------------------------- */

static void test_ipv6_hop_by_hop_then_udp(void **state)
{
	(void)state;
	uint8_t ip[58];
	struct packet pkt;

	memcpy(ip, ip6_udp, 40);
	ip[5] = 18;				/* payload length 8 + 10 */
	ip[6] = 0;				/* next: hop-by-hop */
	static const uint8_t hbh[8] = { 17, 0, 1, 4, 0, 0, 0, 0 };	/* UDP next, PadN */
	memcpy(ip + 40, hbh, 8);
	memcpy(ip + 48, ip6_udp + 40, 10);
	assert_int_equal(decode(T_RAW, ip, sizeof(ip), &pkt), PKT_IP);
	assert_int_equal(pkt.key.proto, 17);
	assert_int_equal(pkt.key.sport, 1234);
	assert_int_equal(pkt.key.dport, 5678);
	assert_int_equal(pkt.octets, 58);
	assert_int_equal(pkt.fragment, 0);
	assert_int_equal(pkt.payload_len, 2);
}

static void test_ipv6_fragments(void **state)
{
	(void)state;
	uint8_t ip[58];
	struct packet pkt;

	memcpy(ip, ip6_udp, 40);
	ip[5] = 18;
	ip[6] = 44;				/* fragment header */
	uint8_t fh[8] = { 17, 0, 0x00, 0x01, 0, 0, 0, 9 };	/* offset 0, M */
	memcpy(ip + 40, fh, 8);
	memcpy(ip + 48, ip6_udp + 40, 10);

	/* First fragment: ports. */
	assert_int_equal(decode(T_RAW, ip, sizeof(ip), &pkt), PKT_IP);
	assert_int_equal(pkt.fragment, FRAG_FIRST);
	assert_int_equal(pkt.frag_id, 9);
	assert_int_equal(pkt.key.proto, 17);
	assert_int_equal(pkt.key.sport, 1234);
	assert_int_equal(pkt.key.dport, 5678);

	/* Later fragment (offset 1): no ports. */
	ip[42] = 0x00; ip[43] = 0x08;
	assert_int_equal(decode(T_RAW, ip, sizeof(ip), &pkt), PKT_IP);
	assert_int_equal(pkt.fragment, FRAG_LATER);
	assert_int_equal(pkt.key.proto, 17);
	assert_int_equal(pkt.key.sport, 0);
	assert_int_equal(pkt.key.dport, 0);
	assert_int_equal(pkt.octets, 58);
}

/* A chain longer than any fixed limit still reaches UDP (RFC 8200 sets
 * none; ipv6_ext_headers.pcap has 100 headers): 200 destination-options
 * headers; and the same chain cut by the snaplen stops cleanly. */
static void test_ipv6_long_extension_chain(void **state)
{
	(void)state;
	enum { N = 200, LEN = 40 + N * 8 + 10 };
	static uint8_t ip[LEN];
	struct packet pkt;

	memcpy(ip, ip6_udp, 40);
	ip[4] = (uint8_t)((LEN - 40) >> 8);
	ip[5] = (uint8_t)(LEN - 40);
	ip[6] = 60;				/* destination options */
	for (int i = 0; i < N; i++) {
		uint8_t *h = ip + 40 + i * 8;
		memset(h, 0, 8);
		h[0] = i == N - 1 ? 17 : 60;
		h[2] = 1;			/* PadN, 4 bytes */
		h[3] = 4;
	}
	memcpy(ip + 40 + N * 8, ip6_udp + 40, 10);
	assert_int_equal(decode(T_RAW, ip, LEN, &pkt), PKT_IP);
	assert_int_equal(pkt.key.proto, 17);
	assert_int_equal(pkt.key.sport, 1234);
	assert_int_equal(pkt.key.dport, 5678);
	assert_int_equal(pkt.octets, LEN);

	/* Cut in the middle of header 100: the protocol is the next header
	 * last read, no ports, and nothing read past the cut (guard page). */
	assert_int_equal(decode(T_RAW, ip, 40 + 100 * 8 + 3, &pkt), PKT_IP);
	assert_int_equal(pkt.key.sport, 0);
	assert_int_equal(pkt.key.dport, 0);
	assert_int_equal(pkt.octets, LEN);
}

/* AH (RFC 4302) is walked: its length is in 4-byte units, plus 2. */
static void test_ipv6_ah_then_tcp(void **state)
{
	(void)state;
	uint8_t ip[40 + 24 + 20];
	struct packet pkt;

	memset(ip, 0, sizeof(ip));
	memcpy(ip, ip6_udp, 40);
	ip[5] = 44;				/* 24 of AH + 20 of TCP */
	ip[6] = 51;				/* AH */
	ip[40] = 6;				/* AH next: TCP */
	ip[41] = 4;				/* (4 + 2) * 4 = 24 bytes */
	uint8_t *tcp = ip + 64;
	tcp[0] = 0x01; tcp[1] = 0xbb;		/* 443 */
	tcp[2] = 0xc0; tcp[3] = 0x01;		/* 49153 */
	tcp[12] = 0x50;				/* header 20 bytes */
	tcp[13] = 0x12;				/* SYN ACK */
	assert_int_equal(decode(T_RAW, ip, sizeof(ip), &pkt), PKT_IP);
	assert_int_equal(pkt.key.proto, 6);
	assert_int_equal(pkt.key.sport, 443);
	assert_int_equal(pkt.key.dport, 49153);
	assert_int_equal(pkt.tcp_flags, 0x12);
}

/* ---- MAC addresses (-T ether) ---------------------------------------- */

static const uint8_t mac_00[6] = { 0x00, 0x11, 0x22, 0x33, 0x44, 0x55 };
static const uint8_t mac_66[6] = { 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb };
static const uint8_t mac_02_1[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x01 };
static const uint8_t mac_02_2[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x02 };
static const uint8_t mac_zero[6];

static void expect_macs(int dlt, const uint8_t *lh, size_t ll, const uint8_t *ip, size_t il,
			const uint8_t *src, const uint8_t *dst)
{
	uint8_t f[128];
	struct packet pkt;
	size_t n = frame(f, lh, ll, ip, il);
	assert_int_equal(decode(dlt, f, n, &pkt), PKT_IP);
	assert_memory_equal(pkt.src_mac, src, 6);
	assert_memory_equal(pkt.dst_mac, dst, 6);
}

/* Ethernet and FDDI: destination, then source.  802.11: by To DS and From
 * DS (address 1 2 3 [4]): 00 DA SA BSSID; 01 (To DS) BSSID SA DA; 10
 * (From DS) DA BSSID SA; 11 RA TA DA SA.  SLL: the sender only.  Links
 * without MACs: zeros. */
static void test_macs_per_link(void **state)
{
	(void)state;
	expect_macs(T_EN10MB, eth_ip4, 14, ip4_udp, sizeof(ip4_udp), mac_66, mac_00);
	expect_macs(T_EN10MB, eth_vlan_ip4, sizeof(eth_vlan_ip4), ip4_udp, sizeof(ip4_udp), mac_66, mac_00);
	expect_macs(T_FDDI, fddi_ip4, sizeof(fddi_ip4), ip4_udp, sizeof(ip4_udp), mac_66, mac_00);

	uint8_t w[64];
	memcpy(w, wlan_data_ip4, sizeof(wlan_data_ip4));	/* From DS */
	expect_macs(T_IEEE802_11, w, sizeof(wlan_data_ip4), ip4_udp, sizeof(ip4_udp), mac_02_1, mac_00);
	w[1] = 0x01;						/* To DS */
	expect_macs(T_IEEE802_11, w, sizeof(wlan_data_ip4), ip4_udp, sizeof(ip4_udp), mac_66, mac_02_1);
	w[1] = 0x00;						/* neither */
	expect_macs(T_IEEE802_11, w, sizeof(wlan_data_ip4), ip4_udp, sizeof(ip4_udp), mac_66, mac_00);
	expect_macs(T_IEEE802_11, wlan_4addr_qos_htc_ip6, sizeof(wlan_4addr_qos_htc_ip6),
		    ip6_udp, sizeof(ip6_udp), mac_02_2, mac_02_1);

	expect_macs(T_LINUX_SLL, sll_ip4, sizeof(sll_ip4), ip4_udp, sizeof(ip4_udp),
		    sll_ip4 + 6, mac_zero);
	expect_macs(T_RAW, NULL, 0, ip4_udp, sizeof(ip4_udp), mac_zero, mac_zero);
}

/* ---- MPLS label stacks (-x) ------------------------------------------ */

static enum packet_kind decode_labels(int dlt, const uint8_t *f, size_t len, struct packet *pkt,
				      struct mpls_stack *ms)
{
	static struct guard g;
	static int ready;
	if (!ready) {
		guard_init(&g, 65536);
		ready = 1;
	}
	const uint8_t *p = guard_put(&g, f, len);
	memset(pkt, 0x5a, sizeof(*pkt));
	memset(ms, 0xee, sizeof(*ms));
	return packet_decode_mpls(dlt, p, len, len, DEFAULT_IFINDEX, pkt, ms);
}

/* A label stack entry: label, EXP, bottom of stack, TTL. */
static size_t put_label(uint8_t *p, uint32_t label, unsigned exp, int bos, uint8_t ttl)
{
	uint32_t e = label << 12 | exp << 9 | (bos ? 0x100u : 0) | ttl;
	p[0] = (uint8_t)(e >> 24);
	p[1] = (uint8_t)(e >> 16);
	p[2] = (uint8_t)(e >> 8);
	p[3] = (uint8_t)e;
	return 4;
}

static uint32_t entry_of(const struct mpls_stack *ms, int i)
{
	return (uint32_t)ms->entry[i][0] << 16 | (uint32_t)ms->entry[i][1] << 8 | ms->entry[i][2];
}

#define LABEL(l, e, b) ((uint32_t)(l) << 4 | (uint32_t)(e) << 1 | (b))

/* Each entry's label, EXP and bottom of stack, top first, the TTL left
 * out; a stack deeper than ten keeps its first ten and the walk goes on
 * to the IP header; a frame without labels says depth 0. */
static void test_mpls_label_stacks(void **state)
{
	(void)state;
	struct packet pkt;
	struct mpls_stack ms;
	uint8_t f[256];
	size_t n;

	/* 802.1Q VID 100, labels 100 (EXP 5, TTL 64), 200 (TTL 63), 300
	 * (bottom, TTL 1), IPv4 UDP */
	n = frame(f, eth_vlan_ip4, 16, NULL, 0);
	f[n++] = 0x88;
	f[n++] = 0x47;
	n += put_label(f + n, 100, 5, 0, 64);
	n += put_label(f + n, 200, 0, 0, 63);
	n += put_label(f + n, 300, 0, 1, 1);
	n += frame(f + n, NULL, 0, ip4_udp, sizeof(ip4_udp));
	assert_int_equal(decode_labels(T_EN10MB, f, n, &pkt, &ms), PKT_IP);
	check_ip4_udp(&pkt, DEFAULT_IFINDEX);
	assert_int_equal(pkt.vlan, 100);
	assert_int_equal(ms.depth, 3);
	assert_int_equal(entry_of(&ms, 0), LABEL(100, 5, 0));
	assert_int_equal(entry_of(&ms, 1), LABEL(200, 0, 0));
	assert_int_equal(entry_of(&ms, 2), LABEL(300, 0, 1));
	assert_memory_equal(ms.entry[0], "\x00\x06\x4a", 3);	/* the wire's first 3 bytes */

	/* twelve labels (1..12, the last at the bottom), IPv6 under them */
	n = frame(f, eth_ip4, 12, NULL, 0);
	f[n++] = 0x88;
	f[n++] = 0x47;
	for (uint32_t i = 1; i <= 12; i++)
		n += put_label(f + n, i, i % 8, i == 12, 64);
	n += frame(f + n, NULL, 0, ip6_udp, sizeof(ip6_udp));
	assert_int_equal(decode_labels(T_EN10MB, f, n, &pkt, &ms), PKT_IP);
	check_ip6_udp(&pkt, DEFAULT_IFINDEX);
	assert_int_equal(ms.depth, MPLS_LABELS_MAX);
	for (int i = 0; i < MPLS_LABELS_MAX; i++)
		assert_int_equal(entry_of(&ms, i), LABEL(i + 1, (i + 1) % 8, 0));

	/* PPP and Cisco HDLC: label 16, bottom of stack */
	assert_int_equal(decode_labels(T_PPP, f, frame(f, ppp_mpls_ip4, sizeof(ppp_mpls_ip4), ip4_udp,
						       sizeof(ip4_udp)), &pkt, &ms), PKT_IP);
	assert_int_equal(ms.depth, 1);
	assert_int_equal(entry_of(&ms, 0), LABEL(16, 0, 1));
	assert_int_equal(decode_labels(T_C_HDLC, f, frame(f, chdlc_mpls_ip4, sizeof(chdlc_mpls_ip4),
							  ip4_udp, sizeof(ip4_udp)), &pkt, &ms), PKT_IP);
	assert_int_equal(ms.depth, 1);
	assert_int_equal(entry_of(&ms, 0), LABEL(16, 0, 1));

	/* no labels */
	assert_int_equal(decode_labels(T_EN10MB, f, frame(f, eth_ip4, 14, ip4_udp, sizeof(ip4_udp)),
				       &pkt, &ms), PKT_IP);
	assert_int_equal(ms.depth, 0);
	assert_int_equal(decode_labels(T_RAW, ip4_udp, sizeof(ip4_udp), &pkt, &ms), PKT_IP);
	assert_int_equal(ms.depth, 0);

	/* a pseudowire: labels, then an Ethernet control word, not IP */
	n = frame(f, eth_ip4, 12, NULL, 0);
	f[n++] = 0x88;
	f[n++] = 0x47;
	n += put_label(f + n, 18, 0, 0, 64);
	n += put_label(f + n, 16, 0, 1, 64);
	memset(f + n, 0, 4);
	n += 4;
	n += frame(f + n, eth_ip4, 14, ip4_udp, sizeof(ip4_udp));
	assert_int_equal(decode_labels(T_EN10MB, f, n, &pkt, &ms), PKT_NON_IP);

	/* cut inside the third label: too short, nothing read past the end */
	n = frame(f, eth_ip4, 12, NULL, 0);
	f[n++] = 0x88;
	f[n++] = 0x47;
	n += put_label(f + n, 100, 0, 0, 64);
	n += put_label(f + n, 200, 0, 0, 64);
	n += put_label(f + n, 300, 0, 1, 64);
	assert_int_equal(decode_labels(T_EN10MB, f, n - 2, &pkt, &ms), PKT_TOO_SHORT);
}

/* ---- link_supported / link_name ------------------------------------- */

static void test_link_supported(void **state)
{
	(void)state;
	static const int yes[] = {
		T_NULL, T_EN10MB, T_PPP, T_FDDI, T_RAW, T_RAW_OPENBSD, T_PPP_SERIAL, T_C_HDLC,
		T_IEEE802_11, T_LOOP, T_LINUX_SLL, T_PFLOG, T_RADIOTAP, T_IPV4, T_IPV6, T_NFLOG,
		T_LINUX_SLL2,
	};
	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++)
		if (!link_supported(yes[i]))
			fail_msg("DLT %d should be supported", yes[i]);
	assert_false(link_supported(T_IPOIB));
	assert_false(link_supported(51));	/* PPP_ETHER */
	assert_false(link_supported(119));	/* PRISM_HEADER */
	assert_false(link_supported(163));	/* IEEE802_11_RADIO_AVS */
	assert_false(link_supported(-1));
	assert_false(link_supported(9999));

	/* An unsupported link type is never IP. */
	struct packet pkt;
	assert_int_equal(decode(T_IPOIB, ip4_udp, sizeof(ip4_udp), &pkt), PKT_NON_IP);
}

static void test_link_name(void **state)
{
	(void)state;
	char buf[32];
	assert_string_equal(link_name(T_EN10MB, buf, sizeof(buf)), "EN10MB");
	assert_string_equal(link_name(T_LINUX_SLL, buf, sizeof(buf)), "LINUX_SLL");
	assert_string_equal(link_name(T_IEEE802_11, buf, sizeof(buf)), "IEEE802_11");
	assert_string_equal(link_name(T_RADIOTAP, buf, sizeof(buf)), "IEEE802_11_RADIO");
	assert_string_equal(link_name(T_IPOIB, buf, sizeof(buf)), "IPOIB");
	assert_string_equal(link_name(54321, buf, sizeof(buf)), "DLT 54321");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_each_link_type_full_frame),
		cmocka_unit_test(test_each_link_type_cut_link_header),
		cmocka_unit_test(test_each_link_type_cut_ip_header),
		cmocka_unit_test(test_ethernet_padding_not_counted),
		cmocka_unit_test(test_arp_is_not_ip),
		cmocka_unit_test(test_null_linux_family_10),
		cmocka_unit_test(test_sll2_zero_ifindex),
		cmocka_unit_test(test_8023_llc_not_snap),
		cmocka_unit_test(test_pflog_header_length),
		cmocka_unit_test(test_ppp_not_ip),
		cmocka_unit_test(test_nflog_hostile_tlvs),
		cmocka_unit_test(test_80211_not_ip),
		cmocka_unit_test(test_radiotap_hostile_and_fcs),
		cmocka_unit_test(test_fddi_not_ip),
		cmocka_unit_test(test_ipv4_bad_version_and_ihl),
		cmocka_unit_test(test_ipv4_options),
		cmocka_unit_test(test_ipv4_later_fragment),
		cmocka_unit_test(test_ipv4_total_length_zero),
		cmocka_unit_test(test_tcp_cuts),
		cmocka_unit_test(test_tcp_flags_byte),
		cmocka_unit_test(test_icmp_type_code),
		cmocka_unit_test(test_ipv6_hop_by_hop_then_udp),
		cmocka_unit_test(test_ipv6_fragments),
		cmocka_unit_test(test_ipv6_long_extension_chain),
		cmocka_unit_test(test_ipv6_ah_then_tcp),
		cmocka_unit_test(test_macs_per_link),
		cmocka_unit_test(test_mpls_label_stacks),
		cmocka_unit_test(test_link_supported),
		cmocka_unit_test(test_link_name),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
