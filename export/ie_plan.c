/*
 * ie_plan.c - compiling template fields into decode steps, and running
 * them (see ie_plan.h).
 */
#include <endian.h>
#include <stddef.h>
#include <string.h>
#include "ie_plan.h"

int ie_plan_compile(const struct ie *ie, uint16_t len, uint16_t at, struct ie_step *s,
		    uint64_t *seen)
{
	uint16_t off;
	uint8_t width;

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
		if (!ie_number_slot(ie->what, &off, &width))
			return 1;
		*seen |= 1ull << ie->what;
		s->to = off;
		s->width = width;
		if (len != width)
			s->op = IEOP_NUMBER;
		else
			s->op = len == 1 ? IEOP_U8 : len == 2 ? IEOP_U16 : len == 4 ? IEOP_U32 : IEOP_U64;
		return 1;
	case IET_ADDR4: case IET_ADDR6: case IET_MAC:
		if (len != ie->len || !ie_address_slot(ie->what, &s->to))
			return 0;
		*seen |= 1ull << ie->what;
		s->op = IEOP_COPY;
		return 1;
	case IET_OCTETS:	/* MPLS label stack entries */
		if (ie->what != IEW_MPLS || len != 3 || ie->index >= MPLS_LABELS_MAX)
			return 0;
		*seen |= 1ull << ie->what;
		s->op = IEOP_COPY;
		s->to = (uint16_t)(offsetof(struct flow_record, mpls) + 3u * ie->index);
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
			ie_store_width(base + s->to, 2, be(p, 2));
			break;
		case IEOP_U32:
			ie_store_width(base + s->to, 4, be(p, 4));
			break;
		case IEOP_U64:
			ie_store_width(base + s->to, 8, be(p, 8));
			break;
		case IEOP_NUMBER:
			ie_store_width(base + s->to, s->width, be(p, s->len));
			break;
		case IEOP_COPY:
			memcpy(base + s->to, p, s->len);
			break;
		case IEOP_MILLIS: {
			int64_t us = ie_to_us(be(p, s->len), 1000);
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
