/*
 * exporter.c - datagram assembly and the table of wire formats.
 */
#include <stdio.h>
#include <string.h>
#include "exporter.h"
#include "nfclassic.h"
#include "sender.h"

/*
 * How far apart two times in one v1/v5 datagram may be: collectors take
 * (uptime - first) as a signed 32-bit difference, so 2^31 ms (24.8 days).
 */
#define UPTIME_SPAN_US (2147483648LL * 1000)

static int64_t floor_ms(int64_t us)
{
	int64_t q = us / 1000 - (us % 1000 < 0);
	return q * 1000;
}

/*
 * Pick the uptime base and export time of a v1/v5 datagram so that no
 * uptime field wraps: a capture can step backwards before its first packet
 * or jump years ahead.  Collectors rebuild absolute times from each header
 * on its own, so moving the base (as a router reboot would) keeps every
 * time exact.  exporter_commit() never puts records further apart than the
 * span into one datagram; if all of them ended longer ago than the span,
 * the datagram is stamped with its newest record's time instead of now.
 */
static int64_t settle_boot(struct exporter *ex, const struct flow_record *recs, size_t n,
			   int64_t now_us)
{
	int64_t earliest = now_us, newest = INT64_MIN;
	for (size_t i = 0; i < n; i++) {
		if (recs[i].first_us < earliest)
			earliest = recs[i].first_us;
		if (recs[i].last_us > newest)
			newest = recs[i].last_us;
	}
	if (now_us - floor_ms(earliest) >= UPTIME_SPAN_US)
		now_us = newest;
	if (earliest < ex->boot_us || now_us - ex->boot_us >= UPTIME_SPAN_US)
		ex->boot_us = floor_ms(earliest);
	/* Only a single flow longer than the span (maxlife 0) gets here: its
	 * first time is clamped rather than wrapped. */
	if (now_us - ex->boot_us >= UPTIME_SPAN_US)
		ex->boot_us = floor_ms(now_us) - UPTIME_SPAN_US + 1000;
	return now_us;
}

static size_t encode_classic(struct exporter *ex, const struct flow_record *recs, size_t n,
			     int64_t now_us, uint8_t *out, size_t cap, int version)
{
	struct nfclassic_export x;

	x.now_us = settle_boot(ex, recs, n, now_us);
	x.boot_us = ex->boot_us;
	x.flow_sequence = ex->streams[ex->cur].sequence;
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

static size_t encode_templated(struct exporter *ex, const struct flow_record *recs, size_t n,
			       int64_t now_us, uint8_t *out, size_t cap)
{
	if (cap > ex->datagram_max)
		cap = ex->datagram_max;
	return ipfix_encode(&ex->iw, &ex->streams[ex->cur].ipfix, recs, n, ex->with_templates,
			    now_us, out, cap);
}

/* v1 and v5 counters are 32 bits.  softflowd ends a flow once it has
 * passed 2^31 octets; we end it before the packet that would pass. */
/* Every format's max_records is below EXPORTER_MAX_PENDING: the slot
 * after a full datagram's records must exist (exporter_slot). */
_Static_assert(NF1_MAX_RECORDS < EXPORTER_MAX_PENDING && NF5_MAX_RECORDS < EXPORTER_MAX_PENDING,
	       "a full datagram leaves a slot");
static const struct export_format formats[] = {
	{ .name = "v1", .version = 1, .ipv6 = 0, .octet_limit = 1u << 31,
	  .max_records = NF1_MAX_RECORDS, .uptime_times = 1, .encode = encode_v1 },
	{ .name = "v5", .version = 5, .ipv6 = 0, .octet_limit = 1u << 31,
	  .max_records = NF5_MAX_RECORDS, .uptime_times = 1, .encode = encode_v5 },
	/* Counters are 8 bytes: no flow ends early.  The byte budget in
	 * exporter_commit, not a count, decides how many records fit. */
	{ .name = "v9", .version = 9, .ipv6 = 1, .octet_limit = 0,
	  .max_records = EXPORTER_MAX_PENDING - 1, .templated = 1, .encode = encode_templated },
	{ .name = "IPFIX", .version = 10, .ipv6 = 1, .octet_limit = 0,
	  .max_records = EXPORTER_MAX_PENDING - 1, .templated = 1, .encode = encode_templated },
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
	ex->nstreams = 1;
	if (fmt->templated) {
		struct template_options o;
		memset(&o, 0, sizeof(o));
		exporter_set_templates(ex, &o, EXPORT_DEFAULT_DATAGRAM, 0, "", 0, 0);
	}
}

void exporter_set_templates(struct exporter *ex, const struct template_options *o,
			    size_t datagram_max, uint32_t domain, const char *ifname,
			    uint32_t pid, uint32_t sampling)
{
	struct ie_extra *x = &ex->iw.opt;

	ex->datagram_max = datagram_max > EXPORT_DATAGRAM_MAX ? EXPORT_DATAGRAM_MAX : datagram_max;
	ipfix_writer_init(&ex->iw, ex->fmt->version == 10, o);
	ex->iw.domain = domain;
	x->init_ms = ex->boot_us / 1000;
	x->metering_pid = pid;
	x->scope_if = 0;
	/* IPFIX (PSAMP): 1 packet selected, N-1 skipped; v9: 1 in N. */
	x->sampling_interval = ex->fmt->version == 10 ? 1 : (sampling > 1 ? sampling : 1);
	x->sampling_space = sampling > 1 ? sampling - 1 : 0;
	x->sampling_algorithm = 1;	/* systematic count-based / deterministic */
	snprintf(x->if_name, sizeof(x->if_name), "%s", ifname ? ifname : "");
}

void exporter_balance(struct exporter *ex, size_t n)
{
	ex->nstreams = n < 1 ? 1 : n > EXPORT_MAX_STREAMS ? EXPORT_MAX_STREAMS : n;
}

size_t exporter_min_datagram(const struct exporter *ex)
{
	if (!ex->fmt->templated)
		return 0;
	const struct ipfix_writer *w = &ex->iw;
	size_t hdr = ipfix_header_len(w), rec = 0;
	for (int i = 0; i < TEMPLATE_DATA_COUNT; i++)
		if (w->ts.data[i].record_len > rec)
			rec = w->ts.data[i].record_len;
	/* The templates in a datagram of their own; a record in a set. */
	size_t a = hdr + w->templates_len, b = hdr + SET_HEADER_LEN + 3 + rec;
	return a > b ? a : b;
}

void exporter_force_templates(struct exporter *ex)
{
	if (ex->fmt->templated)
		for (size_t i = 0; i < ex->nstreams; i++)
			ex->streams[i].ipfix.force_templates = 1;
}

void exporter_set_boot(struct exporter *ex, int64_t boot_us)
{
	ex->boot_us = floor_ms(boot_us);
	ex->iw.opt.init_ms = ex->boot_us / 1000;	/* the options record announces it */
}

/* Where the datagram being filled goes: every destination, or with -l
 * its stream's. */
static int destination(const struct exporter *ex)
{
	return ex->nstreams > 1 ? (int)ex->cur : TRANSPORT_ALL;
}

/* A new datagram: the next stream in turn. */
static void open_datagram(struct exporter *ex)
{
	ex->cur = (size_t)(ex->opened++ % ex->nstreams);
}

void exporter_flush(struct exporter *ex, int64_t now_us)
{
	if (ex->npending == 0)
		return;
	if (now_us < ex->latest_add_us)
		now_us = ex->latest_add_us;
	size_t len = ex->fmt->encode(ex, ex->pending, ex->npending, now_us, ex->buf, sizeof(ex->buf));
	if (len == 0) {
		/* Cannot happen with a datagram_max of exporter_min_datagram()
		 * or more; if it did, the records are counted, not lost silently. */
		ex->unexportable += ex->npending;
		ex->npending = 0;
		return;
	}
	if (ex->tp)
		transport_send(ex->tp, destination(ex), ex->with_templates ? SENDER_TEMPLATES : 0,
			       ex->buf, len, now_us);
	ex->records += ex->npending;
	ex->streams[ex->cur].sequence += (uint32_t)ex->npending;
	ex->datagrams++;
	ex->npending = 0;
}

/* The slot after the queued records: there is always one, since a full
 * datagram is sent when the record that would not fit is committed. */
struct flow_record *exporter_slot(struct exporter *ex)
{
	return &ex->pending[ex->npending];
}

/* Send the queued records without the one just put after them, which
 * then opens the next datagram. */
static struct flow_record *flush_before(struct exporter *ex, int64_t now_us)
{
	struct flow_record keep = ex->pending[ex->npending];
	exporter_flush(ex, now_us);
	open_datagram(ex);
	ex->pending[0] = keep;
	return &ex->pending[0];
}

/* A v9/IPFIX datagram opens with its header, and the templates if due. */
static void open_templated(struct exporter *ex, int64_t now_us)
{
	/* A stream connected anew (-P tcp) gets the templates first. */
	uint32_t epoch = ex->tp ? transport_epoch(ex->tp) : 0;
	if (epoch != ex->epoch) {
		ex->epoch = epoch;
		for (size_t i = 0; i < ex->nstreams; i++)
			ex->streams[i].ipfix.force_templates = 1;
	}
	ex->with_templates = ipfix_templates_due(&ex->streams[ex->cur].ipfix, now_us);
	ex->fill = ipfix_header_len(&ex->iw) + (ex->with_templates ? ex->iw.templates_len : 0);
	ex->last_tmpl = NULL;
}

/* Bytes a record adds: its own, and a new set's header and padding when
 * its template differs from the record before. */
static size_t templated_cost(const struct exporter *ex, const struct template *t)
{
	return t->record_len + (t == ex->last_tmpl ? 0 : SET_HEADER_LEN + 3);
}

/*
 * Uptime times (-A uptime) are 32-bit ms since the init time, and v9
 * collectors take the header's uptime minus a record's as a signed 32-bit
 * difference.  When a record would not fit (a capture that steps back, or
 * spans weeks), the init time moves, as after a reboot: the records
 * before go out with the old one, and the templates, whose options record
 * announces the new one, open the next datagram.
 */
static int fits_uptime(const struct exporter *ex, const struct flow_record *rec, int64_t now_us)
{
	return rec->first_us >= ex->boot_us && now_us - ex->boot_us < UPTIME_SPAN_US;
}

static void rebase_uptime(struct exporter *ex, const struct flow_record *rec, int64_t now_us)
{
	ex->boot_us = floor_ms(rec->first_us);
	if (now_us - ex->boot_us >= UPTIME_SPAN_US)	/* one flow longer than the span */
		ex->boot_us = floor_ms(now_us) - UPTIME_SPAN_US + 1000;
	ex->iw.opt.init_ms = ex->boot_us / 1000;
	for (size_t i = 0; i < ex->nstreams; i++)
		ex->streams[i].ipfix.force_templates = 1;
}

static void send_templates_alone(struct exporter *ex, int64_t now_us)
{
	size_t len = ipfix_encode(&ex->iw, &ex->streams[ex->cur].ipfix, NULL, 0, 1, now_us, ex->buf,
				  ex->datagram_max);
	if (len && ex->tp)
		transport_send(ex->tp, destination(ex), SENDER_TEMPLATES, ex->buf, len, now_us);
	if (len)
		ex->datagrams++;
}

static void commit_templated(struct exporter *ex, struct flow_record *rec, int64_t now_us)
{
	const struct template *t = template_for(&ex->iw.ts, rec->af, rec->proto);

	if (ex->npending == 0)
		open_templated(ex, now_us);
	int rebase = ex->iw.uptime_times && !fits_uptime(ex, rec, now_us);
	if (rebase || ex->npending >= ex->fmt->max_records ||
	    ex->fill + templated_cost(ex, t) > ex->datagram_max) {
		if (ex->npending)	/* queued records keep the base they were measured on */
			rec = flush_before(ex, now_us);
		if (rebase)
			rebase_uptime(ex, rec, now_us);
		open_templated(ex, now_us);
	}
	/* A datagram that opens with the templates has no room for this
	 * record (at the first datagram, or any later one the templates are
	 * due in): the templates go alone first. */
	if (ex->npending == 0 && ex->with_templates &&
	    ex->fill + templated_cost(ex, t) > ex->datagram_max) {
		send_templates_alone(ex, now_us);
		open_templated(ex, now_us);
	}
	ex->fill += templated_cost(ex, t);
	ex->last_tmpl = t;
	if (ex->npending == 0 || now_us > ex->latest_add_us)
		ex->latest_add_us = now_us;
	ex->npending++;
}

void exporter_commit(struct exporter *ex, int64_t now_us)
{
	struct flow_record *rec = &ex->pending[ex->npending];

	if (rec->af == 6 && !ex->fmt->ipv6) {
		ex->unexportable++;
		return;
	}
	if (ex->npending == 0)
		open_datagram(ex);
	if (ex->fmt->templated) {
		commit_templated(ex, rec, now_us);
		return;
	}
	if (ex->npending >= ex->fmt->max_records)
		rec = flush_before(ex, now_us);
	/* Uptime-based formats: keep one datagram's times within the span. */
	if (ex->npending && ex->fmt->uptime_times) {
		int64_t lo = rec->first_us < ex->pending_first_us ? rec->first_us : ex->pending_first_us;
		int64_t hi = rec->last_us > ex->pending_last_us ? rec->last_us : ex->pending_last_us;
		if (hi - lo >= UPTIME_SPAN_US - 1000)
			rec = flush_before(ex, now_us);
	}
	if (ex->npending == 0) {
		ex->pending_first_us = rec->first_us;
		ex->pending_last_us = rec->last_us;
	} else {
		if (rec->first_us < ex->pending_first_us)
			ex->pending_first_us = rec->first_us;
		if (rec->last_us > ex->pending_last_us)
			ex->pending_last_us = rec->last_us;
	}
	if (ex->npending == 0 || now_us > ex->latest_add_us)
		ex->latest_add_us = now_us;
	ex->npending++;
}
