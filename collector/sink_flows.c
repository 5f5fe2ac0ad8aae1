/*
 * sink_flows.c - flows stored in flowcollect's own file (flowfile.h), to
 * read back with -r: the cheapest way to keep every flow of a busy
 * collector, converted to text later.
 */
#include <stdlib.h>
#include <string.h>
#include "flowfile.h"
#include "sink.h"

static int flows_begin(struct sink *s)
{
	uint8_t h[FLOWFILE_HEADER_LEN] = { 0 };

	/* Records are changes from the one before: the last is kept. */
	s->state = calloc(1, sizeof(struct flowfile_state));
	if (s->state == NULL)
		return -1;
	memcpy(h, FLOWFILE_MAGIC, 8);
	h[8] = FLOWFILE_HEADER_LEN;
	h[10] = (uint8_t)flowfile_nfields;
	fwrite(h, 1, sizeof(h), s->out);
	return 0;
}

static void flows_flow(struct sink *s, const struct flow_context *ctx, const struct flow_record *r)
{
	uint8_t rec[FLOWFILE_MAX_RECORD];
	struct flowfile_ctx fc;

	memset(&fc, 0, sizeof(fc));
	fc.af = ctx->af == 6 ? 6 : 4;
	memcpy(fc.addr, ctx->addr, fc.af == 6 ? 16 : 4);
	fc.engine_type = ctx->engine_type;
	fc.engine_id = ctx->engine_id;
	fc.export_us = ctx->export_us;
	/* From the context, not the exporter's key: a flow from past the
	 * exporter ceiling keeps its version and domain too. */
	fc.version = ctx->version;
	fc.domain = ctx->domain;
	if (ctx->exporter)
		fc.port = ctx->exporter->key.port;
	fwrite_unlocked(rec, 1, flowfile_put(rec, s->state, &fc, r), s->out);
}

static void flows_end(struct sink *s, const struct flow_totals *t)
{
	(void)t;
	free(s->state);
	s->state = NULL;
}

const struct sink_ops sink_flows = {
	.name = "flows",
	.flags = SINK_BINARY,
	.begin = flows_begin,
	.flow = flows_flow,
	.end = flows_end,
};
