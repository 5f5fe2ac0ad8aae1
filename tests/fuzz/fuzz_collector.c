/*
 * fuzz_collector.c - libFuzzer target: export datagrams into flowcollect's
 * decoders (v1, v5, v9, IPFIX), with template state carried from one
 * datagram to the next, and every record through the CSV, JSON and table
 * sinks.
 *
 * Input: a stream of datagrams, each a 2-byte big-endian length and that
 * many bytes (a last, shorter one is taken as it is).  Some come from a
 * second exporter port, so templates of two scopes meet.  After the
 * stream, the held sets are let go and the counters printed, as at exit.
 * Checked beyond "no crash": the template cache and the held sets stay
 * within their bounds; a second collector decoding field by field
 * (generic_decode, no template plans) gives the same flows; and the
 * flows written to a flow file read back the same.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "../../collector/collect.h"
#include "../../collector/flowfile.h"

static FILE *devnull;

/* Each collector's flows, kept to compare (the first KEEP of them). */
#define KEEP 4096
struct kept {
	size_t n;
	struct flow_record r[KEEP];
};
static struct kept planned, generic;

static void keep_flow(struct sink *s, const struct flow_context *ctx, const struct flow_record *r)
{
	struct kept *k = s->state;
	(void)ctx;
	if (k->n < KEEP)
		k->r[k->n] = *r;
	k->n++;
}

static const struct sink_ops keep_sink = { .name = "keep", .flow = keep_flow };

static void add_keep(struct collector *c, struct kept *k)
{
	k->n = 0;
	collector_add_sink(c, &keep_sink, devnull, NULL);
	c->sink[c->nsinks - 1].state = k;
}

/* The flow file written by c's flows sink, read back record by record,
 * equals what the planned collector kept. */
static void check_flow_file(const char *buf, size_t len)
{
	struct flowfile_state st;
	size_t at = FLOWFILE_HEADER_LEN, i = 0;

	memset(&st, 0, sizeof(st));
	if (len < at)
		abort();
	while (at + 2 <= len) {
		size_t n = (size_t)(uint8_t)buf[at] | (size_t)(uint8_t)buf[at + 1] << 8;
		if (n > len - at || flowfile_get((const uint8_t *)buf + at, n, flowfile_nfields, &st) != 0)
			abort();
		if (i < KEEP && i < planned.n && memcmp(&st.rec, &planned.r[i], sizeof(st.rec)) != 0)
			abort();
		at += n;
		i++;
	}
	if (at != len || i != planned.n)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct collector c, g;
	struct datagram_src src;
	char *file = NULL;
	size_t file_len = 0;
	FILE *flows;
	size_t at = 0;
	int64_t clock_us = 1700000000000000LL;

	if (devnull == NULL)
		devnull = fopen("/dev/null", "w");
	if (devnull == NULL)
		abort();
	collector_init(&c);
	collector_add_sink(&c, &sink_csv, devnull, NULL);
	collector_add_sink(&c, &sink_json, devnull, NULL);
	collector_add_sink(&c, &sink_table, devnull, NULL);
	add_keep(&c, &planned);
	flows = open_memstream(&file, &file_len);
	if (flows == NULL || collector_add_sink(&c, &sink_flows, flows, NULL) != 0)
		abort();
	collector_init(&g);
	g.generic_decode = 1;
	add_keep(&g, &generic);
	memset(&src, 0, sizeof(src));
	src.af = 4;
	src.addr[0] = 127;
	src.addr[3] = 1;
	while (at < size) {
		size_t len = size - at;
		if (len >= 2) {
			size_t want = (size_t)data[at] << 8 | data[at + 1];
			at += 2;
			len = size - at < want ? size - at : want;
		} else {
			at = size;
			len = 0;
		}
		/* The datagram's own buffer, exactly its length, so ASan sees a
		 * read past its end. */
		uint8_t *d = malloc(len ? len : 1);
		if (d == NULL)
			abort();
		memcpy(d, data + at, len);
		src.port = (uint16_t)(2055 + (len & 1));
		src.arrived_us = clock_us;
		clock_us += 1000000;
		collector_datagram(&c, &src, d, len);
		collector_datagram(&g, &src, d, len);
		free(d);
		at += len;
		if (c.templates.count > c.templates.max_count ||
		    c.held.count > HELD_MAX_SETS + 1 || c.held.bytes > HELD_MAX_BYTES)
			abort();
	}
	collector_end(&c);
	collector_end(&g);
	collector_report(&c, devnull);
	/* The same flows both ways, padding included: every record starts
	 * zeroed. */
	if (planned.n != generic.n)
		abort();
	for (size_t i = 0; i < planned.n && i < KEEP; i++)
		if (memcmp(&planned.r[i], &generic.r[i], sizeof(planned.r[i])) != 0)
			abort();
	fclose(flows);
	check_flow_file(file, file_len);
	free(file);
	collector_free(&c);
	collector_free(&g);
	return 0;
}
