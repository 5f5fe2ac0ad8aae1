/*
 * ie.c - the information elements we write and read, and how.
 *
 * Numbers, names and types from IANA's "IP Flow Information Export (IPFIX)
 * Entities" registry (RFC 7012 and later); reverse elements from RFC 5103.
 * Elements a collector meets from other exporters (total counts, split
 * ICMP type and code, postDestinationMacAddress as softflowd sends it) are
 * here for the decoder even though our templates do not use them.
 */
#include <string.h>
#include "ie.h"
#include "wr.h"

static const struct ie table[] = {
	{ 1, 0, "octetDeltaCount", IET_UNSIGNED, IEW_OCTETS, 8, 0 },
	{ 2, 0, "packetDeltaCount", IET_UNSIGNED, IEW_PACKETS, 8, 0 },
	{ 4, 0, "protocolIdentifier", IET_UNSIGNED, IEW_PROTO, 1, 0 },
	{ 5, 0, "ipClassOfService", IET_UNSIGNED, IEW_TOS, 1, 0 },
	{ 6, 0, "tcpControlBits", IET_UNSIGNED, IEW_TCP_FLAGS, 1, 0 },
	{ 7, 0, "sourceTransportPort", IET_UNSIGNED, IEW_SPORT, 2, 0 },
	{ 8, 0, "sourceIPv4Address", IET_ADDR4, IEW_SRC, 4, 0 },
	{ 9, 0, "sourceIPv4PrefixLength", IET_UNSIGNED, IEW_SRC_MASK, 1, 0 },
	{ 10, 0, "ingressInterface", IET_UNSIGNED, IEW_IN_IF, 4, 0 },
	{ 11, 0, "destinationTransportPort", IET_UNSIGNED, IEW_DPORT, 2, 0 },
	{ 12, 0, "destinationIPv4Address", IET_ADDR4, IEW_DST, 4, 0 },
	{ 13, 0, "destinationIPv4PrefixLength", IET_UNSIGNED, IEW_DST_MASK, 1, 0 },
	{ 14, 0, "egressInterface", IET_UNSIGNED, IEW_OUT_IF, 4, 0 },
	{ 15, 0, "ipNextHopIPv4Address", IET_ADDR4, IEW_NEXTHOP, 4, 0 },
	{ 16, 0, "bgpSourceAsNumber", IET_UNSIGNED, IEW_SRC_AS, 4, 0 },
	{ 17, 0, "bgpDestinationAsNumber", IET_UNSIGNED, IEW_DST_AS, 4, 0 },
	{ 21, 0, "flowEndSysUpTime", IET_UPTIME_MS, IEW_LAST, 4, 0 },
	{ 22, 0, "flowStartSysUpTime", IET_UPTIME_MS, IEW_FIRST, 4, 0 },
	{ 27, 0, "sourceIPv6Address", IET_ADDR6, IEW_SRC, 16, 0 },
	{ 28, 0, "destinationIPv6Address", IET_ADDR6, IEW_DST, 16, 0 },
	{ 29, 0, "sourceIPv6PrefixLength", IET_UNSIGNED, IEW_SRC_MASK, 1, 0 },
	{ 30, 0, "destinationIPv6PrefixLength", IET_UNSIGNED, IEW_DST_MASK, 1, 0 },
	{ 31, 0, "flowLabelIPv6", IET_UNSIGNED, IEW_FLOWLABEL, 4, 0 },
	{ 32, 0, "icmpTypeCodeIPv4", IET_UNSIGNED, IEW_ICMP_TYPECODE, 2, 0 },
	{ 34, 0, "samplingInterval", IET_UNSIGNED, IEW_SAMPLING_INTERVAL, 4, 0 },
	{ 35, 0, "samplingAlgorithm", IET_UNSIGNED, IEW_SAMPLING_ALGORITHM, 1, 0 },
	{ 56, 0, "sourceMacAddress", IET_MAC, IEW_SRC_MAC, 6, 0 },
	{ 57, 0, "postDestinationMacAddress", IET_MAC, IEW_DST_MAC, 6, 0 },
	{ 58, 0, "vlanId", IET_UNSIGNED, IEW_VLAN, 2, 0 },
	{ 59, 0, "postVlanId", IET_UNSIGNED, IEW_POST_VLAN, 2, 0 },
	{ 60, 0, "ipVersion", IET_UNSIGNED, IEW_IPVERSION, 1, 0 },
	{ 61, 0, "flowDirection", IET_UNSIGNED, IEW_DIRECTION, 1, 0 },
	{ 62, 0, "ipNextHopIPv6Address", IET_ADDR6, IEW_NEXTHOP, 16, 0 },
	{ 70, 0, "mplsTopLabelStackSection", IET_OCTETS, IEW_MPLS, 3, 0 },
	{ 71, 0, "mplsLabelStackSection2", IET_OCTETS, IEW_MPLS, 3, 1 },
	{ 72, 0, "mplsLabelStackSection3", IET_OCTETS, IEW_MPLS, 3, 2 },
	{ 73, 0, "mplsLabelStackSection4", IET_OCTETS, IEW_MPLS, 3, 3 },
	{ 74, 0, "mplsLabelStackSection5", IET_OCTETS, IEW_MPLS, 3, 4 },
	{ 75, 0, "mplsLabelStackSection6", IET_OCTETS, IEW_MPLS, 3, 5 },
	{ 76, 0, "mplsLabelStackSection7", IET_OCTETS, IEW_MPLS, 3, 6 },
	{ 77, 0, "mplsLabelStackSection8", IET_OCTETS, IEW_MPLS, 3, 7 },
	{ 78, 0, "mplsLabelStackSection9", IET_OCTETS, IEW_MPLS, 3, 8 },
	{ 79, 0, "mplsLabelStackSection10", IET_OCTETS, IEW_MPLS, 3, 9 },
	{ 80, 0, "destinationMacAddress", IET_MAC, IEW_DST_MAC, 6, 0 },
	{ 82, 0, "interfaceName", IET_STRING, IEW_IF_NAME, 16, 0 },
	{ 85, 0, "octetTotalCount", IET_UNSIGNED, IEW_OCTETS, 8, 0 },
	{ 86, 0, "packetTotalCount", IET_UNSIGNED, IEW_PACKETS, 8, 0 },
	{ 136, 0, "flowEndReason", IET_UNSIGNED, IEW_END_REASON, 1, 0 },
	{ 139, 0, "icmpTypeCodeIPv6", IET_UNSIGNED, IEW_ICMP_TYPECODE, 2, 0 },
	{ 143, 0, "meteringProcessId", IET_UNSIGNED, IEW_METERING_PID, 4, 0 },
	{ 150, 0, "flowStartSeconds", IET_SECONDS, IEW_FIRST, 4, 0 },
	{ 151, 0, "flowEndSeconds", IET_SECONDS, IEW_LAST, 4, 0 },
	{ 152, 0, "flowStartMilliseconds", IET_MILLIS, IEW_FIRST, 8, 0 },
	{ 153, 0, "flowEndMilliseconds", IET_MILLIS, IEW_LAST, 8, 0 },
	{ 154, 0, "flowStartMicroseconds", IET_NTP_MICROS, IEW_FIRST, 8, 0 },
	{ 155, 0, "flowEndMicroseconds", IET_NTP_MICROS, IEW_LAST, 8, 0 },
	{ 156, 0, "flowStartNanoseconds", IET_NTP_NANOS, IEW_FIRST, 8, 0 },
	{ 157, 0, "flowEndNanoseconds", IET_NTP_NANOS, IEW_LAST, 8, 0 },
	{ 160, 0, "systemInitTimeMilliseconds", IET_MILLIS, IEW_INIT_MS, 8, 0 },
	{ 176, 0, "icmpTypeIPv4", IET_UNSIGNED, IEW_ICMP_TYPE, 1, 0 },
	{ 177, 0, "icmpCodeIPv4", IET_UNSIGNED, IEW_ICMP_CODE, 1, 0 },
	{ 178, 0, "icmpTypeIPv6", IET_UNSIGNED, IEW_ICMP_TYPE, 1, 0 },
	{ 179, 0, "icmpCodeIPv6", IET_UNSIGNED, IEW_ICMP_CODE, 1, 0 },
	{ 304, 0, "selectorAlgorithm", IET_UNSIGNED, IEW_SAMPLING_ALGORITHM, 2, 0 },
	{ 305, 0, "samplingPacketInterval", IET_UNSIGNED, IEW_SAMPLING_INTERVAL, 4, 0 },
	{ 306, 0, "samplingPacketSpace", IET_UNSIGNED, IEW_SAMPLING_SPACE, 4, 0 },
	{ 1, PEN_REVERSE, "reverseOctetDeltaCount", IET_UNSIGNED, IEW_REV_OCTETS, 8, 0 },
	{ 2, PEN_REVERSE, "reversePacketDeltaCount", IET_UNSIGNED, IEW_REV_PACKETS, 8, 0 },
	{ 5, PEN_REVERSE, "reverseIpClassOfService", IET_UNSIGNED, IEW_REV_TOS, 1, 0 },
	{ 6, PEN_REVERSE, "reverseTcpControlBits", IET_UNSIGNED, IEW_REV_TCP_FLAGS, 1, 0 },
	{ 32, PEN_REVERSE, "reverseIcmpTypeCodeIPv4", IET_UNSIGNED, IEW_NONE, 2, 0 },
	{ 139, PEN_REVERSE, "reverseIcmpTypeCodeIPv6", IET_UNSIGNED, IEW_NONE, 2, 0 },
};

const struct ie *ie_find(uint16_t id, uint32_t pen)
{
	/* About seventy rows, looked up once per template field when a
	 * template arrives, never per record: a scan is enough. */
	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++)
		if (table[i].id == id && table[i].pen == pen)
			return &table[i];
	return NULL;
}

/* Seconds from 1900 (NTP era 0) to 1970. */
#define NTP_UNIX_OFFSET 2208988800LL

uint64_t ie_ntp_from_us(int64_t us, int nanos)
{
	int64_t sec = us / 1000000, sub = us % 1000000;
	if (sub < 0) {
		sec--;
		sub += 1000000;
	}
	/* The fraction is rounded up so that it reads back as the same µs;
	 * the micro form's low 11 bits must be zero (RFC 7011 §6.1.9), so it
	 * is rounded up to that too (2^-21 s, under half a µs). */
	uint64_t frac = (((uint64_t)sub << 32) + 999999) / 1000000;
	if (!nanos)
		frac = (frac + 0x7ff) & ~(uint64_t)0x7ff;
	return (uint64_t)(sec + NTP_UNIX_OFFSET) << 32 | (frac & 0xffffffffu);
}

int64_t ie_us_from_ntp(uint64_t ntp, int nanos)
{
	int64_t sec = (int64_t)(ntp >> 32) - NTP_UNIX_OFFSET;
	uint64_t frac = ntp & 0xffffffffu;
	/* RFC 7011: the micro form ignores the low 11 bits of the fraction. */
	if (!nanos)
		frac &= ~(uint64_t)0x7ff;
	return sec * 1000000 + (int64_t)((frac * 1000000) >> 32);
}

#define SLOT(field) { offsetof(struct flow_record, field), sizeof(((struct flow_record *)0)->field) }

static const struct number_slot {
	uint16_t off;
	uint8_t width;		/* 0: not a plain number */
} number_slots[IEW_COUNT] = {
	[IEW_SPORT] = SLOT(sport),
	[IEW_DPORT] = SLOT(dport),
	[IEW_ICMP_TYPECODE] = SLOT(dport),
	[IEW_PROTO] = SLOT(proto),
	[IEW_TOS] = SLOT(tos),
	[IEW_TCP_FLAGS] = SLOT(tcp_flags),
	[IEW_IPVERSION] = SLOT(af),
	[IEW_PACKETS] = SLOT(packets),
	[IEW_OCTETS] = SLOT(octets),
	[IEW_IN_IF] = SLOT(in_if),
	[IEW_OUT_IF] = SLOT(out_if),
	[IEW_END_REASON] = SLOT(end_reason),
	[IEW_DIRECTION] = SLOT(direction),
	[IEW_SRC_MASK] = SLOT(src_mask),
	[IEW_DST_MASK] = SLOT(dst_mask),
	[IEW_SRC_AS] = SLOT(src_as),
	[IEW_DST_AS] = SLOT(dst_as),
	[IEW_REV_PACKETS] = SLOT(rev_packets),
	[IEW_REV_OCTETS] = SLOT(rev_octets),
	[IEW_REV_TOS] = SLOT(rev_tos),
	[IEW_REV_TCP_FLAGS] = SLOT(rev_tcp_flags),
};

int ie_number_slot(uint8_t what, uint16_t *off, uint8_t *width)
{
	if (what >= IEW_COUNT || number_slots[what].width == 0)
		return 0;
	*off = number_slots[what].off;
	*width = number_slots[what].width;
	return 1;
}

static uint64_t load_width(const uint8_t *p, uint8_t width)
{
	switch (width) {
	case 1: return *p;
	case 2: { uint16_t v; memcpy(&v, p, 2); return v; }
	case 4: { uint32_t v; memcpy(&v, p, 4); return v; }
	default: { uint64_t v; memcpy(&v, p, 8); return v; }
	}
}

/* The record's own byte order, truncated as a cast would. */
void ie_store_width(uint8_t *p, uint8_t width, uint64_t v)
{
	switch (width) {
	case 1: *p = (uint8_t)v; break;
	case 2: { uint16_t x = (uint16_t)v; memcpy(p, &x, 2); break; }
	case 4: { uint32_t x = (uint32_t)v; memcpy(p, &x, 4); break; }
	default: memcpy(p, &v, 8); break;
	}
}

/* The number an element stands for, when it is a number. */
static uint64_t number_of(const struct ie *ie, const struct flow_record *r,
			  const struct ie_extra *x)
{
	uint16_t off;
	uint8_t width;

	if (ie_number_slot(ie->what, &off, &width))
		return load_width((const uint8_t *)r + off, width);
	switch (ie->what) {
	case IEW_ICMP_TYPE: return r->dport >> 8;
	case IEW_ICMP_CODE: return r->dport & 0xff;
	case IEW_VLAN: return r->vlan;
	case IEW_FLOWLABEL: return r->flowlabel;
	case IEW_METERING_PID: return x->metering_pid;
	case IEW_SAMPLING_INTERVAL: return x->sampling_interval;
	case IEW_SAMPLING_SPACE: return x->sampling_space;
	case IEW_SAMPLING_ALGORITHM: return x->sampling_algorithm;
	case IEW_SCOPE_IF: return x->scope_if;
	default: return 0;
	}
}

static void set_number(const struct ie *ie, uint64_t v, struct flow_record *r,
		       struct ie_extra *x)
{
	uint16_t off;
	uint8_t width;

	if (ie_number_slot(ie->what, &off, &width)) {
		ie_store_width((uint8_t *)r + off, width, v);
		return;
	}
	switch (ie->what) {
	case IEW_ICMP_TYPE: r->dport = (uint16_t)((r->dport & 0xff) | (v & 0xff) << 8); break;
	case IEW_ICMP_CODE: r->dport = (uint16_t)((r->dport & 0xff00) | (v & 0xff)); break;
	case IEW_VLAN: r->vlan = (uint16_t)(v & 0xfff); break;
	case IEW_FLOWLABEL: r->flowlabel = (uint32_t)v & 0xfffff; break;
	case IEW_METERING_PID: x->metering_pid = (uint32_t)v; break;
	case IEW_SAMPLING_INTERVAL: x->sampling_interval = (uint32_t)v; break;
	case IEW_SAMPLING_SPACE: x->sampling_space = (uint32_t)v; break;
	case IEW_SAMPLING_ALGORITHM: x->sampling_algorithm = (uint8_t)v; break;
	case IEW_SCOPE_IF: x->scope_if = (uint32_t)v; break;
	default: break;
	}
}

int ie_address_slot(uint8_t what, uint16_t *off)
{
	switch (what) {
	case IEW_SRC: *off = offsetof(struct flow_record, src); return 1;
	case IEW_DST: *off = offsetof(struct flow_record, dst); return 1;
	case IEW_NEXTHOP: *off = offsetof(struct flow_record, nexthop); return 1;
	case IEW_SRC_MAC: *off = offsetof(struct flow_record, src_mac); return 1;
	case IEW_DST_MAC: *off = offsetof(struct flow_record, dst_mac); return 1;
	default: return 0;
	}
}

static const uint8_t *address_of(const struct ie *ie, const struct flow_record *r)
{
	uint16_t off;
	return ie_address_slot(ie->what, &off) ? (const uint8_t *)r + off : NULL;
}

static int64_t time_of(const struct ie *ie, const struct flow_record *r,
		       const struct ie_extra *x)
{
	if (ie->what == IEW_FIRST)
		return r->first_us;
	if (ie->what == IEW_LAST)
		return r->last_us;
	return x->init_ms * 1000;	/* IEW_INIT_MS */
}

static void put_unsigned(uint8_t *p, uint64_t v, uint16_t len)
{
	/* Reduced-size encoding (RFC 7011 §6.2): the low len bytes. */
	for (int i = len - 1; i >= 0; i--) {
		p[i] = (uint8_t)v;
		v >>= 8;
	}
}

static int64_t floor_div(int64_t a, int64_t b)
{
	return a / b - (a % b != 0 && (a < 0) != (b < 0));
}

void ie_put(uint8_t *p, const struct ie *ie, uint16_t len,
	    const struct flow_record *rec, const struct ie_extra *x)
{
	const uint8_t *a;
	int64_t t;

	switch (ie->type) {
	case IET_UNSIGNED:
		put_unsigned(p, number_of(ie, rec, x), len);
		break;
	case IET_ADDR4: case IET_ADDR6: case IET_MAC:
		a = address_of(ie, rec);
		if (a)
			memcpy(p, a, len);
		else
			memset(p, 0, len);
		break;
	case IET_OCTETS:
		memset(p, 0, len);
		if (ie->what == IEW_MPLS)
			memcpy(p, rec->mpls[ie->index], len < 3 ? len : 3);
		break;
	case IET_STRING:
		memset(p, 0, len);
		if (ie->what == IEW_IF_NAME)
			memcpy(p, x->if_name, strnlen(x->if_name, len));
		break;
	case IET_SECONDS:
		put_unsigned(p, (uint64_t)floor_div(time_of(ie, rec, x), 1000000), len);
		break;
	case IET_MILLIS:
		put_unsigned(p, (uint64_t)floor_div(time_of(ie, rec, x), 1000), len);
		break;
	case IET_NTP_MICROS: case IET_NTP_NANOS:
		put_unsigned(p, ie_ntp_from_us(time_of(ie, rec, x), ie->type == IET_NTP_NANOS), len);
		break;
	case IET_UPTIME_MS:
		t = floor_div(time_of(ie, rec, x), 1000) - x->init_ms;
		put_unsigned(p, t < 0 ? 0 : (uint64_t)t, len);
		break;
	}
}

/* A time from the wire in µs.  The bits are taken as signed, so that a
 * time before 1970 that our encoder wrote (as two's complement) reads
 * back; one past what 64 bits of µs hold is held at the limit. */
int64_t ie_to_us(uint64_t bits, int64_t unit)
{
	int64_t v = (int64_t)bits;
	if (v > INT64_MAX / unit)
		return INT64_MAX / unit * unit;
	if (v < INT64_MIN / unit)
		return INT64_MIN / unit * unit;
	return v * unit;
}

static void set_time(const struct ie *ie, int64_t us, struct flow_record *r, struct ie_extra *x)
{
	if (ie->what == IEW_FIRST)
		r->first_us = us;
	else if (ie->what == IEW_LAST)
		r->last_us = us;
	else if (ie->what == IEW_INIT_MS)
		x->init_ms = us / 1000;
}

void ie_get(struct rd *r, const struct ie *ie, uint16_t len,
	    struct flow_record *rec, struct ie_extra *x)
{
	uint64_t v = 0;
	uint8_t *a;

	switch (ie->type) {
	case IET_UNSIGNED: case IET_SECONDS: case IET_MILLIS:
	case IET_NTP_MICROS: case IET_NTP_NANOS: case IET_UPTIME_MS:
		if (len == 0 || len > 8)
			goto skip;
		/* One bounds check for the field, then the bytes. */
		if (!rd_need(r, len))
			return;
		for (uint16_t i = 0; i < len; i++)
			v = v << 8 | r->p[i];
		r->p += len;
		r->left -= len;
		break;
	case IET_ADDR4: case IET_ADDR6: case IET_MAC:
		a = (uint8_t *)address_of(ie, rec);
		if (a == NULL || len != ie->len)
			goto skip;
		rd_bytes(r, a, len);
		x->seen |= 1ull << ie->what;
		return;
	case IET_OCTETS:
		if (ie->what != IEW_MPLS || len != 3)
			goto skip;
		rd_bytes(r, rec->mpls[ie->index], 3);
		x->seen |= 1ull << ie->what;
		return;
	case IET_STRING: {
		struct rd s = rd_sub(r, len);
		if (ie->what == IEW_IF_NAME) {
			size_t n = len < sizeof(x->if_name) - 1 ? len : sizeof(x->if_name) - 1;
			rd_bytes(&s, x->if_name, n);
			x->if_name[n] = '\0';
		}
		x->seen |= 1ull << ie->what;
		return;
	}
	}
	switch (ie->type) {
	case IET_UNSIGNED:
		set_number(ie, v, rec, x);
		break;
	case IET_SECONDS:
		set_time(ie, ie_to_us(v, 1000000), rec, x);
		break;
	case IET_MILLIS:
		set_time(ie, ie_to_us(v, 1000), rec, x);
		break;
	case IET_NTP_MICROS: case IET_NTP_NANOS:
		set_time(ie, ie_us_from_ntp(v, ie->type == IET_NTP_NANOS), rec, x);
		break;
	case IET_UPTIME_MS:
		if (ie->what == IEW_FIRST)
			x->first_uptime = (uint32_t)v;
		else
			x->last_uptime = (uint32_t)v;
		break;
	}
	x->seen |= 1ull << ie->what;
	return;
skip:
	rd_skip(r, len);
}
