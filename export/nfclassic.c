/*
 * nfclassic.c - NetFlow v1 and v5 encoders and decoders.
 *
 * Reference: Cisco, "NetFlow Export Datagram Format", tables B-1/B-2 (v1)
 * and B-3/B-4 (v5).  The two record layouts share their first 36 bytes
 * (addresses, interfaces, counters, times, ports) and differ only in the
 * tail, so the shared part is written and read once.
 */
#include "nfclassic.h"
#include "rd.h"
#include "wr.h"

/* Uptime in ms of absolute time t, clamped to what 32 bits can hold. */
static uint32_t uptime_ms(int64_t t_us, int64_t boot_us)
{
	if (t_us <= boot_us)
		return 0;
	int64_t ms = (t_us - boot_us) / 1000;
	return ms > (int64_t)UINT32_MAX ? UINT32_MAX : (uint32_t)ms;
}

static uint32_t clamp32(uint64_t v)
{
	return v > UINT32_MAX ? UINT32_MAX : (uint32_t)v;
}

/* The 36 bytes v1 and v5 records share: addresses, interfaces, counters,
 * times and ports. */
static uint8_t *put_common(uint8_t *p, const struct nfclassic_export *x,
			   const struct flow_record *r)
{
	p = put_bytes(p, r->src, 4);
	p = put_bytes(p, r->dst, 4);
	p = put_bytes(p, r->nexthop, 4);
	p = put_u16(p, (uint16_t)r->in_if);
	p = put_u16(p, (uint16_t)r->out_if);
	p = put_u32(p, clamp32(r->packets));
	p = put_u32(p, clamp32(r->octets));
	p = put_u32(p, uptime_ms(r->first_us, x->boot_us));
	p = put_u32(p, uptime_ms(r->last_us, x->boot_us));
	p = put_u16(p, r->sport);
	return put_u16(p, r->dport);
}

static void put_times(struct wr *w, const struct nfclassic_export *x)
{
	int64_t secs = x->now_us / 1000000;
	wr_u32(w, uptime_ms(x->now_us, x->boot_us));
	wr_u32(w, (uint32_t)secs);
	wr_u32(w, (uint32_t)(x->now_us - secs * 1000000) * 1000);
}

size_t nf5_encode(const struct nfclassic_export *x, const struct flow_record *recs,
		  size_t n, uint8_t *out, size_t cap)
{
	struct wr w = wr_make(out, cap);

	if (n > NF5_MAX_RECORDS)
		return 0;
	wr_u16(&w, 5);
	wr_u16(&w, (uint16_t)n);
	put_times(&w, x);
	wr_u32(&w, x->flow_sequence);
	wr_u8(&w, x->engine_type);
	wr_u8(&w, x->engine_id);
	wr_u16(&w, x->sampling);
	for (size_t i = 0; i < n; i++) {
		const struct flow_record *r = &recs[i];
		uint8_t *p = wr_reserve(&w, NFCLASSIC_RECORD_LEN);
		if (p == NULL)
			break;
		p = put_common(p, x, r);
		p = put_u8(p, 0);		/* pad1 */
		p = put_u8(p, r->tcp_flags);
		p = put_u8(p, r->proto);
		p = put_u8(p, r->tos);
		p = put_u16(p, r->src_as);
		p = put_u16(p, r->dst_as);
		p = put_u8(p, r->src_mask);
		p = put_u8(p, r->dst_mask);
		put_u16(p, 0);			/* pad2 */
	}
	return w.err ? 0 : w.len;
}

size_t nf1_encode(const struct nfclassic_export *x, const struct flow_record *recs,
		  size_t n, uint8_t *out, size_t cap)
{
	struct wr w = wr_make(out, cap);

	if (n > NF1_MAX_RECORDS)
		return 0;
	wr_u16(&w, 1);
	wr_u16(&w, (uint16_t)n);
	put_times(&w, x);
	for (size_t i = 0; i < n; i++) {
		const struct flow_record *r = &recs[i];
		uint8_t *p = wr_reserve(&w, NFCLASSIC_RECORD_LEN);
		if (p == NULL)
			break;
		p = put_common(p, x, r);
		p = put_u16(p, 0);		/* pad1 */
		p = put_u8(p, r->proto);
		p = put_u8(p, r->tos);
		p = put_u8(p, r->tcp_flags);
		p = put_zero(p, 3);		/* pad2 */
		put_zero(p, 4);			/* reserved */
	}
	return w.err ? 0 : w.len;
}

/* Absolute µs of an uptime value, relative to the header's clock. */
static int64_t abs_us(const struct nfclassic_header *h, uint32_t t_ms)
{
	int64_t unix_ms = (int64_t)h->unix_secs * 1000 + h->unix_nsecs / 1000000;
	int32_t behind = (int32_t)(h->sys_uptime_ms - t_ms);
	return (unix_ms - behind) * 1000;
}

static void get_common(struct rd *r, const struct nfclassic_header *h,
		       struct flow_record *f)
{
	memset(f, 0, sizeof(*f));
	f->af = 4;
	rd_bytes(r, f->src, 4);
	rd_bytes(r, f->dst, 4);
	rd_bytes(r, f->nexthop, 4);
	f->in_if = rd_u16(r);
	f->out_if = rd_u16(r);
	f->packets = rd_u32(r);
	f->octets = rd_u32(r);
	f->first_us = abs_us(h, rd_u32(r));
	f->last_us = abs_us(h, rd_u32(r));
	f->sport = rd_u16(r);
	f->dport = rd_u16(r);
}

static void get_times(struct rd *r, struct nfclassic_header *h)
{
	h->sys_uptime_ms = rd_u32(r);
	h->unix_secs = rd_u32(r);
	h->unix_nsecs = rd_u32(r);
}

/* The checks both versions share: count against what the datagram holds. */
static enum fp_status check_count(const struct rd *r, uint16_t count, size_t max,
				  size_t cap)
{
	if (!rd_ok(r))
		return FP_TRUNCATED;
	if (count == 0 || count > max || count > cap)
		return FP_MALFORMED;
	if (rd_left(r) < (size_t)count * NFCLASSIC_RECORD_LEN)
		return FP_TRUNCATED;
	return FP_OK;
}

enum fp_status nf5_decode(const uint8_t *buf, size_t len, struct nfclassic_header *h,
			  struct flow_record *out, size_t cap, size_t *n)
{
	struct rd r = rd_make(buf, len);
	enum fp_status st;

	*n = 0;
	memset(h, 0, sizeof(*h));
	h->version = rd_u16(&r);
	h->count = rd_u16(&r);
	get_times(&r, h);
	h->flow_sequence = rd_u32(&r);
	h->engine_type = rd_u8(&r);
	h->engine_id = rd_u8(&r);
	h->sampling = rd_u16(&r);
	if (rd_ok(&r) && h->version != 5)
		return FP_UNSUPPORTED;
	st = check_count(&r, h->count, NF5_MAX_RECORDS, cap);
	if (st != FP_OK)
		return st;
	for (size_t i = 0; i < h->count; i++) {
		struct flow_record *f = &out[i];
		get_common(&r, h, f);
		rd_skip(&r, 1);		/* pad1 */
		f->tcp_flags = rd_u8(&r);
		f->proto = rd_u8(&r);
		f->tos = rd_u8(&r);
		f->src_as = rd_u16(&r);
		f->dst_as = rd_u16(&r);
		f->src_mask = rd_u8(&r);
		f->dst_mask = rd_u8(&r);
		rd_skip(&r, 2);		/* pad2 */
	}
	if (!rd_ok(&r))
		return FP_TRUNCATED;
	*n = h->count;
	return FP_OK;
}

enum fp_status nf1_decode(const uint8_t *buf, size_t len, struct nfclassic_header *h,
			  struct flow_record *out, size_t cap, size_t *n)
{
	struct rd r = rd_make(buf, len);
	enum fp_status st;

	*n = 0;
	memset(h, 0, sizeof(*h));
	h->version = rd_u16(&r);
	h->count = rd_u16(&r);
	get_times(&r, h);
	if (rd_ok(&r) && h->version != 1)
		return FP_UNSUPPORTED;
	/* Cisco caps v1 at 24 records, but softflowd packs v1 like v5, up
	 * to 30: accept what it sends. */
	st = check_count(&r, h->count, NF5_MAX_RECORDS, cap);
	if (st != FP_OK)
		return st;
	for (size_t i = 0; i < h->count; i++) {
		struct flow_record *f = &out[i];
		get_common(&r, h, f);
		rd_skip(&r, 2);		/* pad1 */
		f->proto = rd_u8(&r);
		f->tos = rd_u8(&r);
		f->tcp_flags = rd_u8(&r);
		rd_skip(&r, 3 + 4);	/* pad2, reserved */
	}
	if (!rd_ok(&r))
		return FP_TRUNCATED;
	*n = h->count;
	return FP_OK;
}
