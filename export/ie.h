/*
 * ie.h - the one table of information elements (IEs), for NetFlow v9 and
 * IPFIX alike.
 *
 * Each row names an element (IANA's IPFIX registry; v9 field types 1-127
 * are the same numbers), its data type and what it is in a struct
 * flow_record.  The probe's templates are lists of rows, its encoder
 * writes a record through ie_put(); the collector's decoder finds the row
 * of each template field with ie_find() and reads it through ie_get().
 * So a field means the same thing on both sides of the wire by
 * construction, and adding one is one line in ie.c.
 *
 * Elements without a row are still decodable: the decoder skips them by
 * their length, as RFC 7011 requires for unknown and enterprise fields.
 */
#ifndef FP_IE_H
#define FP_IE_H

#include <stddef.h>
#include <stdint.h>
#include "flowrec.h"
#include "rd.h"

#define PEN_REVERSE 29305u	/* RFC 5103: the reverse direction of an IE */
#define IE_VARLEN 65535u	/* a template field length meaning "variable" */

/* How the bytes of an element are read and written. */
enum ie_type {
	IET_UNSIGNED,		/* big-endian, 1-8 bytes (reduced size allowed) */
	IET_ADDR4,		/* 4 bytes */
	IET_ADDR6,		/* 16 bytes */
	IET_MAC,		/* 6 bytes */
	IET_OCTETS,		/* opaque bytes (MPLS label stack entries) */
	IET_STRING,		/* UTF-8, NUL padded */
	IET_SECONDS,		/* dateTimeSeconds: 32-bit Unix seconds */
	IET_MILLIS,		/* dateTimeMilliseconds: 64-bit Unix ms */
	IET_NTP_MICROS,		/* dateTimeMicroseconds: NTP 32.32 */
	IET_NTP_NANOS,		/* dateTimeNanoseconds: NTP 32.32 */
	IET_UPTIME_MS,		/* ms since the exporter's init time, 32 bits */
};

/* What an element is, on our side. */
enum ie_what {
	IEW_NONE,		/* known, not kept */
	IEW_SRC, IEW_DST, IEW_NEXTHOP,
	IEW_SPORT, IEW_DPORT,
	IEW_ICMP_TYPECODE, IEW_ICMP_TYPE, IEW_ICMP_CODE,
	IEW_PROTO, IEW_TOS, IEW_TCP_FLAGS, IEW_IPVERSION,
	IEW_PACKETS, IEW_OCTETS,
	IEW_IN_IF, IEW_OUT_IF,
	IEW_FIRST, IEW_LAST,
	IEW_END_REASON, IEW_DIRECTION,
	IEW_SRC_MASK, IEW_DST_MASK, IEW_SRC_AS, IEW_DST_AS,
	IEW_VLAN, IEW_POST_VLAN, IEW_SRC_MAC, IEW_DST_MAC,
	IEW_FLOWLABEL, IEW_MPLS,
	IEW_REV_PACKETS, IEW_REV_OCTETS, IEW_REV_TOS, IEW_REV_TCP_FLAGS,
	/* options records */
	IEW_METERING_PID, IEW_INIT_MS, IEW_SAMPLING_INTERVAL,
	IEW_SAMPLING_SPACE, IEW_SAMPLING_ALGORITHM, IEW_IF_NAME,
	IEW_SCOPE_IF,
	IEW_COUNT
};

struct ie {
	uint16_t id;		/* without the enterprise bit */
	uint32_t pen;		/* 0 for IANA */
	const char *name;	/* IANA name (RFC 5103 "reverse..." for PEN 29305) */
	uint8_t type;		/* enum ie_type */
	uint8_t what;		/* enum ie_what */
	uint16_t len;		/* length we export it with */
	uint8_t index;		/* MPLS: which label stack entry (0..9), the
				 * record's mpls[index] */
};

/* The row for (id, pen), or NULL. */
const struct ie *ie_find(uint16_t id, uint32_t pen);

/*
 * What a record carries besides a struct flow_record: the options-record
 * values, and uptime-relative times kept as read until the collector knows
 * the exporter's init time.  ie_get() sets the bit (1 << what) of every
 * element it read in seen.
 */
struct ie_extra {
	uint32_t first_uptime;	/* decode: IET_UPTIME_MS values as read */
	uint32_t last_uptime;
	uint64_t seen;		/* decode: 1 << enum ie_what of fields read */
	uint32_t metering_pid;
	int64_t init_ms;	/* systemInitTimeMilliseconds: encoding, also the
				 * base IET_UPTIME_MS counts from */
	uint32_t sampling_interval;
	uint32_t sampling_space;
	uint8_t sampling_algorithm;
	uint32_t scope_if;
	char if_name[17];
};

#define IE_SEEN(x, w) (((x)->seen >> (w)) & 1)

/* Write element ie, len bytes, from rec/x at p (room already checked). */
void ie_put(uint8_t *p, const struct ie *ie, uint16_t len,
	    const struct flow_record *rec, const struct ie_extra *x);

/* Read a field of len bytes (the template's length, already bounded by
 * the caller) into rec/x.  A field whose length does not suit its type
 * (a 3-byte address) is skipped, as unknown fields are. */
void ie_get(struct rd *r, const struct ie *ie, uint16_t len,
	    struct flow_record *rec, struct ie_extra *x);

/* Where a plain number (one stored with nothing but a cast to its
 * field's width) lives in a struct flow_record: 1 with its offset and
 * width (1, 2, 4 or 8), 0 for the others (masked or split ones, options
 * values, non-numbers).  ie_get/ie_put and the decode plans share it. */
int ie_number_slot(uint8_t what, uint16_t *off, uint8_t *width);
void ie_store_width(uint8_t *p, uint8_t width, uint64_t v);	/* truncated as a cast */

/* Where an address or MAC element lives in a flow record: 1 with its
 * offset, 0 for other elements. */
int ie_address_slot(uint8_t what, uint16_t *off);

/* A count of unit µs (1000: milliseconds) as µs, held at the limits. */
int64_t ie_to_us(uint64_t bits, int64_t unit);

/* NTP 32.32 timestamps, as RFC 7011 §6.1.9/10 define them. */
uint64_t ie_ntp_from_us(int64_t us, int nanos);
int64_t ie_us_from_ntp(uint64_t ntp, int nanos);

#endif
