/*
 * flowfile.c - writing and reading the records of flowcollect's flow
 * files (flowfile.h), field by field from FLOWFILE_FIELDS.  Each field's
 * size is a constant where it is compared and copied, so the compiler
 * turns a record into a few dozen moves (a loop over a table of fields
 * cost more than decoding the flow).
 */
#include <endian.h>
#include <string.h>
#include "flowfile.h"
#include "../export/rd.h"

#define FIELD_NAME_ctx "exporter_"
#define FIELD_NAME_rec ""
#define SIZE_ctx(f) sizeof(((struct flowfile_ctx *)0)->f)
#define SIZE_rec(f) sizeof(((struct flow_record *)0)->f)

#define TABLE_ROW(o, f, kind) { FIELD_NAME_##o #f, SIZE_##o(f) },
const struct flowfile_field flowfile_fields[] = { FLOWFILE_FIELDS(TABLE_ROW) };
const size_t flowfile_nfields = sizeof(flowfile_fields) / sizeof(flowfile_fields[0]);

#define COUNT(o, f, kind) + 1
_Static_assert(0 FLOWFILE_FIELDS(COUNT) <= 64, "a record's present bits are 64");
#define WIDEST(o, f, kind) + SIZE_##o(f)
_Static_assert(FLOWFILE_RECORD_HEAD FLOWFILE_FIELDS(WIDEST) <= FLOWFILE_MAX_RECORD,
	       "FLOWFILE_MAX_RECORD holds every field");

/* Bytes of a field as stored: an IPv4 address is its first 4. */
#define LEN_num(st, o, f) SIZE_##o(f)
#define LEN_bytes(st, o, f) SIZE_##o(f)
#define LEN_addr(st, o, f) ((st)->o.af == 6 ? SIZE_##o(f) : 4)

/* Numbers are little-endian in the file whatever the host. */
static inline void num_to_le(uint8_t *to, const void *from, size_t n)
{
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	memcpy(to, from, n);
#else
	for (size_t i = 0; i < n; i++)
		to[i] = ((const uint8_t *)from)[n - 1 - i];
#endif
}

static inline void num_from_le(void *to, const uint8_t *from, size_t n)
{
	num_to_le(to, from, n);	/* the same swap, or none */
}

#define STORE_num num_to_le
#define STORE_bytes memcpy
#define STORE_addr memcpy
#define LOAD_num num_from_le
#define LOAD_bytes memcpy
#define LOAD_addr memcpy

/* The new value goes to the state first: an address's af is then the
 * flow's own, and the state is the last record when this one is done. */
#define PUT(o, f, kind) \
	if (memcmp(&st->o.f, &o->f, sizeof(o->f)) != 0) { \
		memcpy(&st->o.f, &o->f, sizeof(o->f)); \
		present |= bit; \
		STORE_##kind(p, &o->f, LEN_##kind(st, o, f)); \
		p += LEN_##kind(st, o, f); \
	} \
	bit <<= 1;

size_t flowfile_put(uint8_t *out, struct flowfile_state *st, const struct flowfile_ctx *ctx,
		    const struct flow_record *rec)
{
	uint8_t *p = out + FLOWFILE_RECORD_HEAD;
	uint64_t present = 0, bit = 1;

	FLOWFILE_FIELDS(PUT)
	uint16_t len = (uint16_t)(p - out);
	num_to_le(out, &len, 2);
	num_to_le(out + 2, &present, 8);
	return len;
}

/* An address of 4 bytes leaves the rest of its 16 zero. */
#define GET(o, f, kind) \
	if (i++ == nfields) \
		return 0; \
	if (present & bit) { \
		uint8_t tmp[SIZE_##o(f)]; \
		size_t n = LEN_##kind(st, o, f); \
		memset(tmp, 0, sizeof(tmp)); \
		rd_bytes(&r, tmp, n); \
		if (!rd_ok(&r)) \
			return -1; \
		LOAD_##kind(&st->o.f, tmp, sizeof(tmp)); \
	} \
	bit <<= 1;

int flowfile_get(const uint8_t *in, size_t len, size_t nfields, struct flowfile_state *st)
{
	struct rd r = rd_make(in, len);
	uint64_t present = 0, bit = 1;
	size_t i = 0;
	uint8_t head[FLOWFILE_RECORD_HEAD];

	rd_bytes(&r, head, sizeof(head));
	if (!rd_ok(&r))
		return -1;
	num_from_le(&present, head + 2, 8);
	FLOWFILE_FIELDS(GET)
	return 0;	/* fields this reader does not know are skipped */
}
