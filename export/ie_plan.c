/*
 * ie_plan.c - compiling template fields into decode steps, and running
 * them (see ie_plan.h).
 */
#include <endian.h>
#include <stddef.h>
#include <string.h>
#include "ie_plan.h"

/* Where a plain number goes in a flow record: the elements ie_get() stores
 * with nothing but a cast.  The rest (masked, split, options values) are
 * left to ie_get(). */
struct slot {
	uint16_t off;
	uint8_t width;
};

#define SLOT(field) { offsetof(struct flow_record, field), sizeof(((struct flow_record *)0)->field) }

static int number_slot(uint8_t what, struct slot *s)
{
	static const struct { uint8_t what; struct slot s; } slots[] = {
		{ IEW_SPORT, SLOT(sport) },
		{ IEW_DPORT, SLOT(dport) },
		{ IEW_ICMP_TYPECODE, SLOT(dport) },
		{ IEW_PROTO, SLOT(proto) },
		{ IEW_TOS, SLOT(tos) },
		{ IEW_TCP_FLAGS, SLOT(tcp_flags) },
		{ IEW_IPVERSION, SLOT(af) },
		{ IEW_PACKETS, SLOT(packets) },
		{ IEW_OCTETS, SLOT(octets) },
		{ IEW_IN_IF, SLOT(in_if) },
		{ IEW_OUT_IF, SLOT(out_if) },
		{ IEW_END_REASON, SLOT(end_reason) },
		{ IEW_DIRECTION, SLOT(direction) },
		{ IEW_SRC_MASK, SLOT(src_mask) },
		{ IEW_DST_MASK, SLOT(dst_mask) },
		{ IEW_SRC_AS, SLOT(src_as) },
		{ IEW_DST_AS, SLOT(dst_as) },
		{ IEW_REV_PACKETS, SLOT(rev_packets) },
		{ IEW_REV_OCTETS, SLOT(rev_octets) },
		{ IEW_REV_TOS, SLOT(rev_tos) },
		{ IEW_REV_TCP_FLAGS, SLOT(rev_tcp_flags) },
	};
	for (size_t i = 0; i < sizeof(slots) / sizeof(slots[0]); i++)
		if (slots[i].what == what) {
			*s = slots[i].s;
			return 1;
		}
	return 0;
}

static int address_slot(uint8_t what, uint16_t *off)
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

int ie_plan_compile(const struct ie *ie, uint16_t len, uint16_t at, struct ie_step *s,
		    uint64_t *seen)
{
	struct slot slot;

	memset(s, 0, sizeof(*s));
	s->len = len;
	s->at = at;
	s->ie = ie;
	s->op = IEOP_GENERIC;
	switch (ie->type) {
	case IET_UNSIGNED:
		if (len == 0 || len > 8)
			return 0;	/* skipped, unseen */
		if (ie->what == IEW_NONE) {
			*seen |= 1ull << ie->what;
			return 0;	/* read and dropped */
		}
		if (!number_slot(ie->what, &slot))
			return 1;
		*seen |= 1ull << ie->what;
		s->to = slot.off;
		s->width = slot.width;
		if (len != slot.width)
			s->op = IEOP_NUMBER;
		else
			s->op = len == 1 ? IEOP_U8 : len == 2 ? IEOP_U16 : len == 4 ? IEOP_U32 : IEOP_U64;
		return 1;
	case IET_ADDR4: case IET_ADDR6: case IET_MAC:
		if (len != ie->len || !address_slot(ie->what, &s->to))
			return 0;
		*seen |= 1ull << ie->what;
		s->op = IEOP_COPY;
		return 1;
	case IET_MILLIS:
		if (len == 0 || len > 8)
			return 0;
		if (ie->what != IEW_FIRST && ie->what != IEW_LAST)
			return 1;
		*seen |= 1ull << ie->what;
		s->op = IEOP_MILLIS;
		s->to = ie->what == IEW_FIRST ? offsetof(struct flow_record, first_us)
					      : offsetof(struct flow_record, last_us);
		return 1;
	default:
		return 1;
	}
}

static uint64_t be(const uint8_t *p, uint16_t len)
{
	uint64_t v = 0;
	switch (len) {	/* the usual widths as one load each */
	case 2: { uint16_t x; memcpy(&x, p, 2); return be16toh(x); }
	case 4: { uint32_t x; memcpy(&x, p, 4); return be32toh(x); }
	case 8: { uint64_t x; memcpy(&x, p, 8); return be64toh(x); }
	}
	for (uint16_t i = 0; i < len; i++)
		v = v << 8 | p[i];
	return v;
}

static void put_width(uint8_t *to, uint8_t width, uint64_t v)
{
	/* The record's own byte order, truncated as ie_get's casts are. */
	switch (width) {
	case 1: { uint8_t x = (uint8_t)v; memcpy(to, &x, 1); break; }
	case 2: { uint16_t x = (uint16_t)v; memcpy(to, &x, 2); break; }
	case 4: { uint32_t x = (uint32_t)v; memcpy(to, &x, 4); break; }
	default: memcpy(to, &v, 8); break;
	}
}

/* ms since the epoch to µs, held at the limits (as ie.c's to_us). */
static int64_t ms_to_us(uint64_t bits)
{
	int64_t v = (int64_t)bits;
	if (v > INT64_MAX / 1000)
		return INT64_MAX / 1000 * 1000;
	if (v < INT64_MIN / 1000)
		return INT64_MIN / 1000 * 1000;
	return v * 1000;
}

void ie_plan_run(const struct ie_step *steps, size_t n, const uint8_t *rec,
		 struct flow_record *r, struct ie_extra *x)
{
	uint8_t *base = (uint8_t *)r;

	for (size_t i = 0; i < n; i++) {
		const struct ie_step *s = &steps[i];
		const uint8_t *p = rec + s->at;
		switch (s->op) {
		case IEOP_U8:
			base[s->to] = p[0];
			break;
		case IEOP_U16:
			put_width(base + s->to, 2, be(p, 2));
			break;
		case IEOP_U32:
			put_width(base + s->to, 4, be(p, 4));
			break;
		case IEOP_U64:
			put_width(base + s->to, 8, be(p, 8));
			break;
		case IEOP_NUMBER:
			put_width(base + s->to, s->width, be(p, s->len));
			break;
		case IEOP_COPY:
			memcpy(base + s->to, p, s->len);
			break;
		case IEOP_MILLIS: {
			int64_t us = ms_to_us(be(p, s->len));
			memcpy(base + s->to, &us, 8);
			break;
		}
		default: {
			struct rd fr = rd_make(p, s->len);
			ie_get(&fr, s->ie, s->len, r, x);
			break;
		}
		}
	}
}
