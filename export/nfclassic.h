/*
 * nfclassic.h - NetFlow v1 and v5, the fixed-layout formats.
 *
 * Layouts from Cisco's "NetFlow Export Datagram Format" (v1: 16-byte
 * header, 48-byte records, at most 24 a datagram; v5: 24-byte header,
 * 48-byte records, at most 30).  Both carry first/last as milliseconds of
 * router uptime; the header's unix time and uptime let a collector turn
 * them back into absolute times.
 */
#ifndef FP_NFCLASSIC_H
#define FP_NFCLASSIC_H

#include <stddef.h>
#include <stdint.h>
#include "flowrec.h"
#include "status.h"

#define NF1_HEADER_LEN 16
#define NF5_HEADER_LEN 24
#define NFCLASSIC_RECORD_LEN 48
#define NF1_MAX_RECORDS 24
#define NF5_MAX_RECORDS 30

/* Header fields, host order.  v1 uses only version..unix_nsecs. */
struct nfclassic_header {
	uint16_t version;
	uint16_t count;
	uint32_t sys_uptime_ms;
	uint32_t unix_secs;
	uint32_t unix_nsecs;
	uint32_t flow_sequence;	/* v5: records sent before this datagram */
	uint8_t engine_type;
	uint8_t engine_id;
	uint16_t sampling;	/* v5: mode in the top 2 bits, interval below */
};

/*
 * What an encoder needs besides the records: the export time and the
 * uptime base, both absolute µs.  boot_us must be a whole millisecond so
 * that uptime arithmetic on the collector side gives back exact ms.
 */
struct nfclassic_export {
	int64_t now_us;
	int64_t boot_us;
	uint32_t flow_sequence;
	uint8_t engine_type;
	uint8_t engine_id;
	uint16_t sampling;
};

/*
 * Encode n records (n <= the format's maximum) into out.  Returns the
 * datagram length, or 0 if cap is too small.  Records must be IPv4.
 * Times before boot_us are written as uptime 0, counters above 32 bits as
 * 0xffffffff: the caller picks boot_us and expires flows early so that
 * neither happens (see exporter.c).
 */
size_t nf5_encode(const struct nfclassic_export *x, const struct flow_record *recs,
		  size_t n, uint8_t *out, size_t cap);
size_t nf1_encode(const struct nfclassic_export *x, const struct flow_record *recs,
		  size_t n, uint8_t *out, size_t cap);

/*
 * Decode a whole datagram.  On FP_OK, *n records were written to out
 * (at most cap; a datagram holding more than cap is FP_MALFORMED).  Times
 * are rebuilt from the header: absolute = unix time - (uptime - first),
 * with the difference taken modulo 2^32 so an uptime wrap between the
 * flow and the export does not move the flow by 49 days.
 */
enum fp_status nf5_decode(const uint8_t *buf, size_t len, struct nfclassic_header *h,
			  struct flow_record *out, size_t cap, size_t *n);
enum fp_status nf1_decode(const uint8_t *buf, size_t len, struct nfclassic_header *h,
			  struct flow_record *out, size_t cap, size_t *n);

#endif
