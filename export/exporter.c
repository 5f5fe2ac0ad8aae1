/*
 * exporter.c - datagram assembly and the table of wire formats.
 */
#include <string.h>
#include "exporter.h"
#include "nfclassic.h"

/* 2^32 ms: how far an uptime field reaches before it wraps (49.7 days). */
#define UPTIME_SPAN_US (4294967296LL * 1000)

static int64_t floor_ms(int64_t us)
{
	int64_t q = us / 1000 - (us % 1000 < 0);
	return q * 1000;
}

/*
 * Pick the uptime base for a datagram so that no uptime field wraps: a
 * capture can step backwards before the first packet or jump years ahead.
 * Collectors rebuild absolute times from each header on its own, so moving
 * the base (as a router reboot would) keeps every time exact.
 */
static void settle_boot(struct exporter *ex, const struct flow_record *recs, size_t n,
			int64_t now_us)
{
	int64_t earliest = now_us;
	for (size_t i = 0; i < n; i++)
		if (recs[i].first_us < earliest)
			earliest = recs[i].first_us;
	if (earliest < ex->boot_us || now_us - ex->boot_us >= UPTIME_SPAN_US)
		ex->boot_us = floor_ms(earliest);
	/* A flow older than the span itself (only with maxlife 0) gets its
	 * first time clamped rather than wrapped. */
	if (now_us - ex->boot_us >= UPTIME_SPAN_US)
		ex->boot_us = floor_ms(now_us) - UPTIME_SPAN_US + 1000;
}

static size_t encode_classic(struct exporter *ex, const struct flow_record *recs, size_t n,
			     int64_t now_us, uint8_t *out, size_t cap, int version)
{
	struct nfclassic_export x;

	settle_boot(ex, recs, n, now_us);
	x.now_us = now_us;
	x.boot_us = ex->boot_us;
	x.flow_sequence = ex->sequence;
	x.engine_type = ex->engine_type;
	x.engine_id = ex->engine_id;
	x.sampling = ex->sampling;
	return version == 5 ? nf5_encode(&x, recs, n, out, cap) : nf1_encode(&x, recs, n, out, cap);
}

static size_t encode_v5(struct exporter *ex, const struct flow_record *recs, size_t n,
			int64_t now_us, uint8_t *out, size_t cap)
{
	return encode_classic(ex, recs, n, now_us, out, cap, 5);
}

static size_t encode_v1(struct exporter *ex, const struct flow_record *recs, size_t n,
			int64_t now_us, uint8_t *out, size_t cap)
{
	return encode_classic(ex, recs, n, now_us, out, cap, 1);
}

/* v1 and v5 counters are 32 bits.  softflowd ends a flow once it has
 * passed 2^31 octets; we end it before the packet that would pass. */
static const struct export_format formats[] = {
	{ .name = "v1", .version = 1, .ipv6 = 0, .octet_limit = 1u << 31,
	  .max_records = NF1_MAX_RECORDS, .encode = encode_v1 },
	{ .name = "v5", .version = 5, .ipv6 = 0, .octet_limit = 1u << 31,
	  .max_records = NF5_MAX_RECORDS, .encode = encode_v5 },
};

const struct export_format *export_format_find(int version)
{
	for (size_t i = 0; i < sizeof(formats) / sizeof(formats[0]); i++)
		if (formats[i].version == version)
			return &formats[i];
	return NULL;
}

void exporter_init(struct exporter *ex, const struct export_format *fmt, struct transport *tp)
{
	memset(ex, 0, sizeof(*ex));
	ex->fmt = fmt;
	ex->tp = tp;
}

void exporter_set_boot(struct exporter *ex, int64_t boot_us)
{
	ex->boot_us = floor_ms(boot_us);
}

void exporter_flush(struct exporter *ex, int64_t now_us)
{
	if (ex->npending == 0)
		return;
	if (now_us < ex->latest_add_us)
		now_us = ex->latest_add_us;
	size_t len = ex->fmt->encode(ex, ex->pending, ex->npending, now_us, ex->buf, sizeof(ex->buf));
	if (len > 0 && ex->tp)
		transport_send(ex->tp, ex->buf, len, now_us);
	ex->records += ex->npending;
	ex->sequence += (uint32_t)ex->npending;
	ex->datagrams++;
	ex->npending = 0;
}

void exporter_add(struct exporter *ex, const struct flow_record *rec, int64_t now_us)
{
	if (rec->af == 6 && !ex->fmt->ipv6) {
		ex->unexportable++;
		return;
	}
	if (ex->npending >= ex->fmt->max_records || ex->npending >= EXPORTER_MAX_PENDING)
		exporter_flush(ex, now_us);
	if (ex->npending == 0 || now_us > ex->latest_add_us)
		ex->latest_add_us = now_us;
	ex->pending[ex->npending++] = *rec;
}
