/*
 * fuzz_collector.c - libFuzzer target: export datagrams into flowcollect's
 * decoders (v1, v5, v9, IPFIX), with template state carried from one
 * datagram to the next, and every record through the CSV and table sinks.
 *
 * Input: a stream of datagrams, each a 2-byte big-endian length and that
 * many bytes (a last, shorter one is taken as it is).  Some come from a
 * second exporter port, so templates of two scopes meet.  After the
 * stream, the held sets are let go and the counters printed, as at exit.
 * Checked beyond "no crash": the template cache and the held sets stay
 * within their bounds.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "../../collector/collect.h"

static FILE *devnull;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct collector c;
	struct datagram_src src;
	size_t at = 0;
	int64_t clock_us = 1700000000000000LL;

	if (devnull == NULL)
		devnull = fopen("/dev/null", "w");
	if (devnull == NULL)
		abort();
	collector_init(&c);
	collector_add_sink(&c, &sink_csv, devnull);
	collector_add_sink(&c, &sink_table, devnull);
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
		free(d);
		at += len;
		if (c.templates.count > c.templates.max_count ||
		    c.held.count > HELD_MAX_SETS + 1 || c.held.bytes > HELD_MAX_BYTES)
			abort();
	}
	collector_end(&c);
	collector_report(&c, devnull);
	collector_free(&c);
	return 0;
}
