/*
 * ipfix.c - writing NetFlow v9 and IPFIX messages.
 */
#include <string.h>
#include "ipfix.h"
#include "wr.h"

static size_t pad4(size_t n)
{
	return (4 - (n & 3)) & 3;
}

/* Close a set opened at offset start: pad it to 4 bytes, patch its length. */
static void end_set(struct wr *w, size_t start)
{
	wr_zero(w, pad4(w->len - start));
	wr_patch_u16(w, start + 2, (uint16_t)(w->len - start));
}

static void put_field_spec(struct wr *w, const struct template_field *f)
{
	if (f->ie->pen) {
		wr_u16(w, (uint16_t)(f->ie->id | 0x8000));
		wr_u16(w, f->len);
		wr_u32(w, f->ie->pen);
	} else {
		wr_u16(w, f->ie->id);
		wr_u16(w, f->len);
	}
}

static void put_record(struct wr *w, const struct template *t, const struct flow_record *r,
		       const struct ie_extra *x)
{
	uint8_t *p = wr_reserve(w, t->record_len);
	if (p == NULL)
		return;
	for (uint16_t i = 0; i < t->nfields; i++) {
		ie_put(p, t->f[i].ie, t->f[i].len, r, x);
		p += t->f[i].len;
	}
}

/* The template block; returns the number of records it holds. */
static unsigned put_templates(const struct ipfix_writer *iw, struct wr *w)
{
	const struct template *o = &iw->ts.options;
	unsigned records = 0;
	size_t start = w->len;

	wr_u16(w, iw->ipfix ? IPFIX_TEMPLATE_SET : V9_TEMPLATE_SET);
	wr_u16(w, 0);
	for (int i = 0; i < TEMPLATE_DATA_COUNT; i++) {
		const struct template *t = &iw->ts.data[i];
		wr_u16(w, t->id);
		wr_u16(w, t->nfields);
		for (uint16_t k = 0; k < t->nfields; k++)
			put_field_spec(w, &t->f[k]);
		records++;
	}
	end_set(w, start);

	start = w->len;
	wr_u16(w, iw->ipfix ? IPFIX_OPTIONS_SET : V9_OPTIONS_SET);
	wr_u16(w, 0);
	wr_u16(w, o->id);
	if (iw->ipfix) {
		wr_u16(w, o->nfields);
		wr_u16(w, o->scope_fields);
	} else {
		/* v9 gives the scope and option parts as byte lengths. */
		wr_u16(w, (uint16_t)(o->scope_fields * 4));
		wr_u16(w, (uint16_t)((o->nfields - o->scope_fields) * 4));
	}
	for (uint16_t k = 0; k < o->nfields; k++)
		put_field_spec(w, &o->f[k]);
	end_set(w, start);
	records++;

	start = w->len;
	wr_u16(w, o->id);
	wr_u16(w, 0);
	struct flow_record none;
	memset(&none, 0, sizeof(none));
	put_record(w, o, &none, &iw->opt);
	end_set(w, start);
	records++;
	return records;
}

void ipfix_writer_init(struct ipfix_writer *w, int ipfix, const struct template_options *o)
{
	struct template_options to = *o;
	uint8_t scratch[4096];
	struct wr s = wr_make(scratch, sizeof(scratch));

	memset(w, 0, sizeof(*w));
	w->ipfix = ipfix;
	w->uptime_times = o->times == TIMES_UPTIME;
	to.ipfix = ipfix;
	to.biflow = ipfix && o->biflow;
	templates_build(&w->ts, &to);
	put_templates(w, &s);
	w->templates_len = s.len;
}

int ipfix_templates_due(const struct ipfix_stream *s, int64_t now_us)
{
	return s->messages == 0 || s->force_templates ||
	       s->since_templates >= TEMPLATE_RESEND_PACKETS ||
	       now_us - s->templates_us >= TEMPLATE_RESEND_US;
}

size_t ipfix_header_len(const struct ipfix_writer *w)
{
	return w->ipfix ? IPFIX_HEADER_LEN : V9_HEADER_LEN;
}

static int64_t floor_div(int64_t a, int64_t b)
{
	return a / b - (a % b != 0 && (a < 0) != (b < 0));
}

size_t ipfix_encode(const struct ipfix_writer *iw, struct ipfix_stream *s,
		    const struct flow_record *recs, size_t n, int with_templates, int64_t now_us,
		    uint8_t *out, size_t cap)
{
	struct wr w = wr_make(out, cap);
	int64_t now_s = floor_div(now_us, 1000000);
	unsigned records = 0, options_records = 0;

	if (iw->ipfix) {
		wr_u16(&w, 10);
		wr_u16(&w, 0);			/* length, patched below */
		wr_u32(&w, (uint32_t)now_s);
		wr_u32(&w, s->sequence);
		wr_u32(&w, iw->domain);
	} else {
		int64_t up = now_s * 1000 - iw->opt.init_ms;
		wr_u16(&w, 9);
		wr_u16(&w, 0);			/* count, patched below */
		wr_u32(&w, (uint32_t)(up < 0 ? 0 : up));
		wr_u32(&w, (uint32_t)now_s);
		wr_u32(&w, s->sequence);
		wr_u32(&w, iw->domain);
	}
	if (with_templates) {
		records += put_templates(iw, &w);
		options_records = 1;
	}
	size_t i = 0;
	while (i < n) {
		const struct template *t = template_for(&iw->ts, recs[i].af, recs[i].proto);
		size_t start = w.len;
		wr_u16(&w, t->id);
		wr_u16(&w, 0);
		for (; i < n && template_for(&iw->ts, recs[i].af, recs[i].proto) == t; i++)
			put_record(&w, t, &recs[i], &iw->opt);
		end_set(&w, start);
	}
	records += (unsigned)n;
	if (w.err)
		return 0;
	if (iw->ipfix) {
		wr_patch_u16(&w, 2, (uint16_t)w.len);
		s->sequence += (uint32_t)(n + options_records);
	} else {
		wr_patch_u16(&w, 2, (uint16_t)records);
		s->sequence++;
	}
	s->messages++;
	if (with_templates) {
		s->since_templates = 1;
		s->templates_us = now_us;
		s->force_templates = 0;
	} else {
		s->since_templates++;
	}
	return w.len;
}
