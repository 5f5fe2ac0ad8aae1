/*
 * exporter.h - turns expired flows into export datagrams.
 *
 * The exporter collects records (host order) until a datagram is full or
 * the caller flushes at the end of an expiry batch, then encodes them in
 * the chosen wire format and hands the bytes to the transport.  Header
 * counters (sequence numbers, uptime) live here, in host order, and are
 * written only at encode time.  Each wire format is one row of the
 * export_formats table; nothing outside export/ calls an encoder directly.
 */
#ifndef FP_EXPORTER_H
#define FP_EXPORTER_H

#include <stddef.h>
#include <stdint.h>
#include "flowrec.h"
#include "transport.h"
#include "ipfix.h"

/* Enough for a 65535-byte datagram of the smallest v9/IPFIX records. */
#define EXPORTER_MAX_PENDING 1536
#define EXPORT_DATAGRAM_MAX 65535
/* Payload bytes a v9/IPFIX datagram holds by default: 1500-byte Ethernet
 * less IPv6 and UDP headers, with room for tunnels (softflowd's figure). */
#define EXPORT_DEFAULT_DATAGRAM 1428
#define EXPORT_MIN_DATAGRAM 512
struct exporter;

struct export_format {
	const char *name;	/* "v5" */
	int version;		/* as given to -v */
	int ipv6;		/* can carry IPv6 records */
	uint64_t octet_limit;	/* flows end before their octets pass this; 0: none */
	size_t max_records;	/* records one datagram holds */
	int uptime_times;	/* times are ms of uptime in 32 bits (v1, v5) */
	int templated;		/* v9, IPFIX: records sized by templates, ipfix_writer */
	size_t (*encode)(struct exporter *ex, const struct flow_record *recs, size_t n,
			 int64_t now_us, uint8_t *out, size_t cap);
};

/* The format for -v N, or NULL. */
const struct export_format *export_format_find(int version);

/*
 * Where datagrams go and what each destination has been told.  One
 * stream normally (every datagram to every destination); with -l, one per
 * destination, datagrams going round-robin, each stream numbering its own
 * sequence and keeping its own template schedule, so no collector sees a
 * gap or data without templates.
 */
struct export_stream {
	uint32_t sequence;		/* v1/v5: records sent to it before the next datagram */
	struct ipfix_stream ipfix;	/* v9/IPFIX: its sequence and template schedule */
};

#define EXPORT_MAX_STREAMS TRANSPORT_MAX_DEST

struct exporter {
	const struct export_format *fmt;
	struct transport *tp;
	struct flow_record pending[EXPORTER_MAX_PENDING];
	size_t npending;
	int64_t boot_us;	/* uptime base, a whole millisecond */
	uint64_t records;	/* records sent */
	uint64_t datagrams;	/* datagrams sent */
	uint64_t unexportable;	/* records the format cannot carry (IPv6 in v5) */
	int64_t latest_add_us;	/* newest now_us among the queued records */
	int64_t pending_first_us; /* earliest first among the queued records */
	int64_t pending_last_us;  /* latest last among the queued records */
	uint8_t engine_type;
	uint8_t engine_id;
	uint16_t sampling;
	struct export_stream streams[EXPORT_MAX_STREAMS];
	size_t nstreams;	/* 1, or one per destination (exporter_balance) */
	size_t cur;		/* the stream the datagram being filled goes to */
	uint64_t opened;	/* datagrams opened: the next one's stream */
	uint32_t epoch;		/* transport_epoch when templates were last forced */
	/* v9 and IPFIX */
	struct ipfix_writer iw;	/* templates and options values, for every stream */
	size_t datagram_max;	/* payload bytes a datagram may take */
	size_t fill;		/* bytes the queued records will take */
	int with_templates;	/* the datagram being filled carries them */
	const struct template *last_tmpl; /* the last queued record's */
	uint8_t buf[EXPORT_DATAGRAM_MAX];
};

void exporter_init(struct exporter *ex, const struct export_format *fmt, struct transport *tp);

/*
 * v9 and IPFIX: the templates from o, the largest datagram payload, the
 * observation domain (source id), and the options record's values (ifname
 * up to 16 bytes, metering process id, sampling 1 in N, 0 for none).
 * Call after exporter_init and before the first record.
 */
void exporter_set_templates(struct exporter *ex, const struct template_options *o,
			    size_t datagram_max, uint32_t domain, const char *ifname,
			    uint32_t pid, uint32_t sampling);

/* v9/IPFIX: the smallest datagram_max that can carry the templates
 * (alone) and any one record; 0 for the other formats. */
size_t exporter_min_datagram(const struct exporter *ex);

/* -l: n destinations, each datagram to one of them in turn (call before
 * the first record).  n is at most EXPORT_MAX_STREAMS. */
void exporter_balance(struct exporter *ex, size_t n);

/* Put the templates into the next datagram (send-template). */
void exporter_force_templates(struct exporter *ex);

/* Set the uptime base (router boot time).  Rounded down to a millisecond. */
void exporter_set_boot(struct exporter *ex, int64_t boot_us);

/* Queue one record: fill the one exporter_slot returns, then commit it,
 * which sends a datagram first if the current one is full; now_us is the
 * export time of any datagram this sends. */
struct flow_record *exporter_slot(struct exporter *ex);
void exporter_commit(struct exporter *ex, int64_t now_us);

/* Send whatever is queued, stamped with now_us, or with the time a record
 * was queued if that is later: a datagram never predates its records. */
void exporter_flush(struct exporter *ex, int64_t now_us);

#endif
