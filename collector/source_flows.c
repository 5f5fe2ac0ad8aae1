/*
 * source_flows.c - flows read back from flowcollect's own flow file
 * (flowfile.h), into the sinks as if they had just been decoded.
 *
 * The file is untrusted like any input: the header is checked, each
 * record is taken only when all its bytes are there, and a file cut
 * short ends with an error after the whole records before the cut.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "flowfile.h"
#include "source.h"
#include "../export/rd.h"

#define READ_BLOCK (1 << 17)	/* more than any record: lengths are 16 bits */

int flowfile_is(const char *path)
{
	char magic[8];
	FILE *f;
	int yes;

	if (strcmp(path, "-") == 0 || (f = fopen(path, "rb")) == NULL)
		return 0;
	yes = fread(magic, 1, sizeof(magic), f) == sizeof(magic) &&
	      memcmp(magic, FLOWFILE_MAGIC, sizeof(magic)) == 0;
	fclose(f);
	return yes;
}

static void emit(struct collector *c, const struct flowfile_ctx *fc, struct flow_record *r)
{
	struct exporter_key key;
	struct flow_context ctx;

	exporter_key_make(&key, fc->addr, fc->af, fc->version, fc->domain, fc->port);
	struct exporter_info *e = exporters_get(&c->exporters, &key);
	if (e)
		e->records++;
	memset(&ctx, 0, sizeof(ctx));
	ctx.exporter = e;
	ctx.addr = fc->addr;
	ctx.af = fc->af;
	ctx.engine_type = fc->engine_type;
	ctx.engine_id = fc->engine_id;
	ctx.version = fc->version;
	ctx.domain = fc->domain;
	ctx.export_us = fc->export_us;
	ctx.sampling = 0;	/* applied before the flow was stored */
	collector_emit(c, &ctx, r, 1);
}

int source_flows_run(const char *path, struct collector *c, char *err, size_t errlen)
{
	static uint8_t buf[READ_BLOCK];
	uint8_t head[FLOWFILE_HEADER_LEN];
	struct flowfile_state st;
	uint64_t flows = 0;
	size_t have = 0, got;
	int damaged = 0;
	FILE *f = fopen(path, "rb");

	if (f == NULL) {
		snprintf(err, errlen, "cannot open flow file \"%s\": %s", path, strerror(errno));
		return -1;
	}
	struct rd h = rd_make(head, fread(head, 1, sizeof(head), f));
	uint8_t magic[8];
	rd_bytes(&h, magic, sizeof(magic));
	uint16_t head_len = rd_u16le(&h);
	uint16_t nfields = rd_u16le(&h);
	if (!rd_ok(&h) || memcmp(magic, FLOWFILE_MAGIC, sizeof(magic)) != 0 ||
	    head_len < FLOWFILE_HEADER_LEN) {
		snprintf(err, errlen, "flow file \"%s\": damaged header", path);
		fclose(f);
		return -1;
	}
	/* A longer header than ours: skip what we do not know of it. */
	for (size_t skip = head_len - FLOWFILE_HEADER_LEN; skip > 0; skip--)
		if (fgetc(f) == EOF) {
			snprintf(err, errlen, "flow file \"%s\": damaged header", path);
			fclose(f);
			return -1;
		}
	memset(&st, 0, sizeof(st));
	while (!damaged && (got = fread(buf + have, 1, sizeof(buf) - have, f)) > 0) {
		struct rd r = rd_make(buf, have + got);
		for (;;) {
			struct rd peek = r;
			uint16_t len = rd_u16le(&peek);
			if (!rd_ok(&peek) || rd_left(&r) < len)
				break;	/* the rest of it is in the next block */
			struct rd one = rd_sub(&r, len);
			if (len < FLOWFILE_RECORD_HEAD || flowfile_get(one.p, len, nfields, &st) != 0) {
				damaged = 1;
				break;
			}
			struct flow_record rec = st.rec;
			collector_clock(c, st.ctx.export_us);	/* no arrival time kept */
			emit(c, &st.ctx, &rec);
			flows++;
		}
		have = rd_left(&r);
		memmove(buf, r.p, have);
	}
	int bad = ferror(f);
	fclose(f);
	collector_flush(c);
	if (bad) {
		snprintf(err, errlen, "cannot read flow file \"%s\": read error after %llu flows", path,
			 (unsigned long long)flows);
		return -1;
	}
	if (damaged || have) {
		snprintf(err, errlen, "flow file \"%s\" is damaged after %llu flows (%s)", path,
			 (unsigned long long)flows, damaged ? "a record that does not hold its fields"
							    : "cut short in a record");
		return -1;
	}
	return 0;
}
