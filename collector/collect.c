/* collect.c - version dispatch and per-exporter accounting. */
#include <stdlib.h>
#include <string.h>
#include "collect.h"
#include "../export/nfclassic.h"
#include "../export/rd.h"

void collector_init(struct collector *c)
{
	memset(c, 0, sizeof(*c));
	exporters_init(&c->exporters);
	tmpl_cache_init(&c->templates, TMPL_CACHE_MAX, TMPL_CACHE_MAX_BYTES);
	held_init(&c->held);
	c->totals.first_us = INT64_MAX;
	c->totals.last_us = INT64_MIN;
	collector_part_reset(c);
}

void collector_part_reset(struct collector *c)
{
	memset(&c->part, 0, sizeof(c->part));
	c->part.first_us = INT64_MAX;
	c->part.last_us = INT64_MIN;
}

/* One flow into a set of totals. */
static void count(struct flow_totals *t, const struct flow_record *r)
{
	t->flows++;
	/* A biflow's reverse direction counts too (zero otherwise). */
	t->packets += r->packets + r->rev_packets;
	t->octets += r->octets + r->rev_octets;
	if (r->first_us < t->first_us)
		t->first_us = r->first_us;
	if (r->last_us > t->last_us)
		t->last_us = r->last_us;
}

void collector_free(struct collector *c)
{
	struct held_set *h;
	for (size_t s = 0; s < c->nsinks; s++)
		if (c->sink[s].ops->release)
			c->sink[s].ops->release(&c->sink[s]);
	while ((h = held_pop(&c->held)) != NULL)
		free(h);
	tmpl_cache_free(&c->templates);
	exporters_free(&c->exporters);
}

int collector_add_sink(struct collector *c, const struct sink_ops *ops, FILE *out,
		       const char *path)
{
	if (c->nsinks == COLLECT_MAX_SINKS)
		return -1;
	struct sink *s = &c->sink[c->nsinks];
	s->ops = ops;
	s->out = out;
	s->path = path;
	s->rotates = 0;
	s->state = NULL;
	s->failed = 0;
	s->exporters = &c->exporters;
	s->error = c->sink_error;
	s->error_len = sizeof(c->sink_error);
	c->sink_error[0] = '\0';
	if (ops->begin && ops->begin(s) != 0)
		return -1;
	c->nsinks++;
	return 0;
}

void collector_emit(struct collector *c, const struct flow_context *ctx,
		    struct flow_record *recs, size_t n)
{
	struct flow_context k = *ctx;

	for (size_t i = 0; i < n; i++) {
		if (ctx->offsets)
			k.position = ctx->offsets[i];
		if (ctx->sampling > 1) {
			recs[i].packets *= ctx->sampling;
			recs[i].octets *= ctx->sampling;
		}
		count(&c->totals, &recs[i]);
		count(&c->part, &recs[i]);
		for (size_t s = 0; s < c->nsinks; s++)
			c->sink[s].ops->flow(&c->sink[s], &k, &recs[i]);
	}
}

static void sink_flush(struct sink *s)
{
	if (s->ops->flush)
		s->ops->flush(s);
	else if (s->out)
		fflush(s->out);
}

void collector_flush(struct collector *c)
{
	/* Until the first row the headers wait for it, as when every
	 * datagram's rows were flushed: a message printed before any row
	 * still comes before them on a terminal or in one file. */
	for (size_t s = 0; s < c->nsinks; s++)
		if (c->totals.flows || (c->sink[s].ops->flags & SINK_ADDRESS))
			sink_flush(&c->sink[s]);	/* a server's queue waits for no header */
}

void collector_idle(struct collector *c, int64_t now_us)
{
	collector_flush(c);
	collector_clock(c, now_us);
}

static enum fp_status classic(struct collector *c, uint16_t version,
			      const struct datagram_src *src, const uint8_t *buf, size_t len)
{
	uint8_t af = src->af;
	const uint8_t *addr = src->addr;
	struct flow_record recs[NF5_MAX_RECORDS];
	struct nfclassic_header h;
	struct exporter_key key;
	struct flow_context ctx;
	uint32_t offsets[NF5_MAX_RECORDS];
	size_t n;
	enum fp_status st = version == 5
		? nf5_decode(buf, len, &h, recs, NF5_MAX_RECORDS, &n)
		: nf1_decode(buf, len, &h, recs, NF5_MAX_RECORDS, &n);

	exporter_key_make(&key, addr, af, version, (uint32_t)h.engine_type << 8 | h.engine_id, 0);
	struct exporter_info *e = exporters_get(&c->exporters, &key);
	if (e == NULL)
		c->exporters.unlisted++;
	if (st != FP_OK) {
		if (e)
			e->errors[st]++;
		return st;
	}
	if (e) {
		e->datagrams++;
		e->records += n;
		if (version == 5)
			exporters_sequence(e, h.flow_sequence, h.flow_sequence + (uint32_t)n);
	}
	/* v5's header announces 1-in-N sampling in its low 14 bits (the top
	 * two give the mode): counters are scaled by N, as for an options
	 * record's rate in v9/IPFIX, and as nfdump does. */
	uint16_t interval = h.sampling & 0x3fff;
	if (version == 5 && interval > 1 && e)
		e->sampling = interval;
	ctx.exporter = e;
	ctx.addr = addr;
	ctx.af = af;
	ctx.engine_type = h.engine_type;
	ctx.engine_id = h.engine_id;
	ctx.version = version;
	ctx.domain = key.domain;
	ctx.export_us = (int64_t)h.unix_secs * 1000000 + h.unix_nsecs / 1000;
	ctx.sampling = version == 5 ? interval : 0;
	ctx.sequence = version == 5 ? h.flow_sequence : 0;
	for (size_t i = 0; i < n; i++)
		offsets[i] = (uint32_t)((version == 5 ? NF5_HEADER_LEN : NF1_HEADER_LEN) +
					i * NFCLASSIC_RECORD_LEN);
	ctx.offsets = offsets;
	collector_emit(c, &ctx, recs, n);
	return FP_OK;
}

enum fp_status collector_datagram(struct collector *c, const struct datagram_src *src,
				  const uint8_t *buf, size_t len)
{
	struct rd r = rd_make(buf, len);
	uint16_t version = rd_u16(&r);
	enum fp_status st;

	c->datagrams++;
	collector_clock(c, src->arrived_us);
	if (!rd_ok(&r))
		st = FP_TRUNCATED;
	else if (version == 5 || version == 1)
		st = classic(c, version, src, buf, len);
	else if (version == 9 || version == 10)
		st = v9ipfix_decode(c, src, version, buf, len);
	else
		st = FP_UNSUPPORTED;
	if (st != FP_OK) {
		c->bad_datagrams++;
		c->errors[st]++;
	}
	return st;
}

void collector_end(struct collector *c)
{
	v9ipfix_end(c);
	for (size_t s = 0; s < c->nsinks; s++) {
		struct sink *k = &c->sink[s];
		if (k->ops->end)
			k->ops->end(k, k->rotates ? &c->part : &c->totals);
		if (k->out)
			fflush(k->out);
	}
}

void collector_report(const struct collector *c, FILE *out)
{
	exporters_print(out, &c->exporters);
	for (size_t s = 0; s < c->nsinks; s++)
		if (c->sink[s].ops->report)
			c->sink[s].ops->report(&c->sink[s], out);
	if (c->bad_datagrams)
		fprintf(out, "flowcollect: %llu of %llu datagrams could not be decoded\n",
			(unsigned long long)c->bad_datagrams, (unsigned long long)c->datagrams);
	if (c->errors[FP_UNKNOWN_TEMPLATE])
		fprintf(out, "flowcollect: %llu data sets never decoded: their template never came\n",
			(unsigned long long)c->errors[FP_UNKNOWN_TEMPLATE]);
	if (c->held.count)
		fprintf(out, "flowcollect: %zu data sets waiting for their template\n", c->held.count);
	if (c->kernel_drops_known)
		fprintf(out, "flowcollect: %llu datagrams dropped by the kernel, the UDP socket's "
			"receive queue full\n", (unsigned long long)c->kernel_drops);
	fflush(out);
}
