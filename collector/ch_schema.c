/*
 * ch_schema.c - the ClickHouse table (for 18.16, Debian 12's server, and
 * later) and the RowBinary row that fills it, column for column.
 *
 * 18.16 has no IPv6 type and no DateTime64: addresses are FixedString(16)
 * holding IPv6 bytes, IPv4 mapped as ::ffff:a.b.c.d (IPv6NumToString
 * prints them so); times are DateTime seconds plus a UInt16 of
 * milliseconds.  A record's identity (exporter, domain, sequence,
 * position in its datagram; export_time before sequence tells apart a
 * sequence that wrapped within a day) is the sorting key of a
 * ReplacingMergeTree: a batch sent twice (its answer lost) is one batch
 * again once merged, or at once read with FINAL.  The key starts with
 * the hour of time_start, so time ranges read from the primary index,
 * then the source address, so that within an hour one address's rows lie
 * together; the identity follows in the order rows arrive.  Sorting on
 * the address doubles the server's CPU an insert (0.78 M rows a second
 * at the defaults against 1.42 M without it, bench/README.md); a table
 * made without it takes the same rows.
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "clickhouse.h"
#include "optval.h"

struct ch_options ch_options = {
	.database = "flows",
	.table = "flows",
	.batch = 50000,
	.delay_ms = 1000,
	.retries = 3,
	.parallel = 2,
	.memory = 64u << 20,
};

/* The columns, in the order ch_row_encode writes them. */
static const char columns[] =
	"    time_start      DateTime,          -- first packet (UTC), seconds\n"
	"    time_start_ms   UInt16,            -- and its milliseconds\n"
	"    time_end        DateTime,          -- last packet\n"
	"    time_end_ms     UInt16,\n"
	"    src_addr        FixedString(16),   -- IPv6 bytes; IPv4 as ::ffff:a.b.c.d\n"
	"    dst_addr        FixedString(16),\n"
	"    src_port        UInt16,\n"
	"    dst_port        UInt16,            -- ICMP: type * 256 + code\n"
	"    proto           UInt8,\n"
	"    tcp_flags       UInt8,\n"
	"    tos             UInt8,\n"
	"    packets         UInt64,            -- scaled by the announced sampling rate\n"
	"    bytes           UInt64,\n"
	"    rev_packets     UInt64,            -- RFC 5103 biflow: the reverse direction\n"
	"    rev_bytes       UInt64,\n"
	"    input_if        UInt32,\n"
	"    output_if       UInt32,\n"
	"    src_as          UInt32,\n"
	"    dst_as          UInt32,\n"
	"    src_mask        UInt8,\n"
	"    dst_mask        UInt8,\n"
	"    next_hop        FixedString(16),\n"
	"    vlan            UInt16,\n"
	"    src_mac         UInt64,            -- MACNumToString(src_mac)\n"
	"    dst_mac         UInt64,\n"
	"    mpls            Array(UInt32),     -- label stack entries, top first: label << 4 | exp << 1 | bos\n"
	"    end_reason      UInt8,             -- IPFIX flowEndReason, 0 unknown\n"
	"    direction       UInt8,             -- IPFIX flowDirection\n"
	"    flow_label      UInt32,\n"
	"    rev_tos         UInt8,\n"
	"    rev_tcp_flags   UInt8,\n"
	"    exporter        FixedString(16),   -- the exporter's address\n"
	"    engine_type     UInt8,             -- v1/v5 header\n"
	"    engine_id       UInt8,\n"
	"    domain          UInt32,            -- v9 source id / IPFIX observation domain; v1/v5: engine_type << 8 | engine_id\n"
	"    exporter_id     UInt32,            -- flowcollect's number for the exporter (CSV exid)\n"
	"    export_time     DateTime,          -- the export header's time\n"
	"    export_ms       UInt16,\n"
	"    sequence        UInt32,            -- the datagram's header sequence number (0 for v1)\n"
	"    position        UInt32             -- the record's byte offset in its datagram\n";

void ch_print_schema(FILE *out)
{
	const char *db = ch_options.database, *t = ch_options.table;

	fprintf(out,
		"-- flowcollect -o clickhouse: the table its rows fit (RowBinary, column order).\n"
		"-- For ClickHouse 18.16 (Debian 12) and later.  Read with FINAL (or after\n"
		"-- OPTIMIZE ... FINAL) to see a batch sent twice once.\n"
		"CREATE DATABASE IF NOT EXISTS %s;\n"
		"CREATE TABLE IF NOT EXISTS %s.%s (\n%s)\n"
		"ENGINE = ReplacingMergeTree\n"
		"PARTITION BY toYYYYMMDD(time_start)\n"
		"ORDER BY (toStartOfHour(time_start), src_addr, exporter, domain, export_time, sequence, position);\n",
		db, db, t, columns);
}

void ch_print_distributed(FILE *out, const char *cluster)
{
	const char *db = ch_options.database, *t = ch_options.table;

	fprintf(out,
		"-- flowcollect -o clickhouse over a cluster: a Distributed table %s.%s_all\n"
		"-- reading (and, if wanted, inserting into) the %s.%s table that\n"
		"-- --print-schema clickhouse creates on every shard of cluster %s\n"
		"-- (<remote_servers> in the servers' configuration).  A record's shard\n"
		"-- follows from its identity, so a batch sent twice lands on the same\n"
		"-- shards and FINAL still sees it once.\n"
		"CREATE DATABASE IF NOT EXISTS %s;\n"
		"CREATE TABLE IF NOT EXISTS %s.%s_all AS %s.%s\n"
		"ENGINE = Distributed(%s, %s, %s, cityHash64(exporter, domain, sequence, position));\n",
		db, t, db, t, cluster, db, db, t, db, t, cluster, db, t);
}

/* ---- options ------------------------------------------------------ */

int ch_identifier(const char *s, size_t n)
{
	if (n == 0 || n >= sizeof(ch_options.table) || isdigit((unsigned char)s[0]))
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '_')
			return 0;
	return 1;
}

int ch_set_table(const char *arg, char *err, size_t errlen)
{
	const char *dot = strchr(arg, '.');
	if (dot == NULL || !ch_identifier(arg, (size_t)(dot - arg)) ||
	    !ch_identifier(dot + 1, strlen(dot + 1))) {
		snprintf(err, errlen, "invalid --ch-table \"%s\": expected DATABASE.TABLE, "
			 "letters, digits and _ (up to 63 each)", arg);
		return -1;
	}
	snprintf(ch_options.database, sizeof(ch_options.database), "%.*s", (int)(dot - arg), arg);
	snprintf(ch_options.table, sizeof(ch_options.table), "%s", dot + 1);
	return 0;
}

int ch_set_memory(const char *arg, char *err, size_t errlen)
{
	static const uint64_t bytes[] = { 1ull << 10, 1ull << 10, 1ull << 20, 1ull << 30 };
	uint64_t v;

	if (optval_scaled(arg, "kKMG", bytes, &v) != 0 || v > 64ull << 30) {
		snprintf(err, errlen, "invalid --ch-memory \"%s\": expected bytes, or a number "
			 "with k, M or G (64M), up to 64G", arg);
		return -1;
	}
	ch_options.memory = v;
	return 0;
}

int ch_check_url(const char *url, char *err, size_t errlen)
{
	if ((strncmp(url, "http://", 7) != 0 && strncmp(url, "https://", 8) != 0) ||
	    strchr(url, '#') || strpbrk(url, " \t\r\n")) {
		snprintf(err, errlen, "invalid -o clickhouse:\"%s\": expected an HTTP address, "
			 "e.g. clickhouse:http://127.0.0.1:8123/", url);
		return -1;
	}
	return 0;
}

/* ---- rows --------------------------------------------------------- */

static uint8_t *le(uint8_t *p, uint64_t v, int n)
{
	for (int i = 0; i < n; i++, v >>= 8)
		*p++ = (uint8_t)v;
	return p;
}

/* DateTime seconds and milliseconds; before 1970 is 0, after 2106 the
 * largest (a hostile exporter's time is clamped, not wrapped). */
static uint8_t *put_time(uint8_t *p, int64_t us)
{
	int64_t ms = us < 0 ? 0 : us / 1000;
	int64_t s = ms / 1000;
	if (s > UINT32_MAX) {
		s = UINT32_MAX;
		ms = s * 1000 + 999;
	}
	p = le(p, (uint64_t)s, 4);
	return le(p, (uint64_t)(ms % 1000), 2);
}

static uint8_t *put_addr(uint8_t *p, uint8_t af, const uint8_t *a)
{
	if (af == 6) {
		memcpy(p, a, 16);
	} else {
		memset(p, 0, 10);
		p[10] = p[11] = 0xff;
		memcpy(p + 12, a, 4);
	}
	return p + 16;
}

static uint8_t *put_mac(uint8_t *p, const uint8_t m[6])
{
	uint64_t v = 0;
	for (int i = 0; i < 6; i++)
		v = v << 8 | m[i];
	return le(p, v, 8);
}

size_t ch_row_encode(uint8_t *buf, const struct flow_context *ctx, const struct flow_record *r)
{
	static const uint8_t no_addr[16];
	uint8_t *p = buf;
	int labels = MPLS_LABELS_MAX;

	p = put_time(p, r->first_us);
	p = put_time(p, r->last_us);
	p = put_addr(p, r->af, r->src);
	p = put_addr(p, r->af, r->dst);
	p = le(p, r->sport, 2);
	p = le(p, r->dport, 2);
	*p++ = r->proto;
	*p++ = r->tcp_flags;
	*p++ = r->tos;
	p = le(p, r->packets, 8);
	p = le(p, r->octets, 8);
	p = le(p, r->rev_packets, 8);
	p = le(p, r->rev_octets, 8);
	p = le(p, r->in_if, 4);
	p = le(p, r->out_if, 4);
	p = le(p, r->src_as, 4);
	p = le(p, r->dst_as, 4);
	*p++ = r->src_mask;
	*p++ = r->dst_mask;
	/* No next hop stays all zeros (the CSV's 0.0.0.0), not ::ffff:0.0.0.0. */
	if (memcmp(r->nexthop, no_addr, 16) == 0)
		p = put_addr(p, 6, no_addr);
	else
		p = put_addr(p, r->af, r->nexthop);
	p = le(p, r->vlan, 2);
	p = put_mac(p, r->src_mac);
	p = put_mac(p, r->dst_mac);
	/* Array: its length (LEB128, one byte here), then the entries the
	 * record has; zeros below the stack are not entries. */
	while (labels > 0 && mpls_entry(r->mpls[labels - 1]) == 0)
		labels--;
	*p++ = (uint8_t)labels;
	for (int i = 0; i < labels; i++)
		p = le(p, mpls_entry(r->mpls[i]), 4);
	*p++ = r->end_reason;
	*p++ = r->direction;
	p = le(p, r->flowlabel, 4);
	*p++ = r->rev_tos;
	*p++ = r->rev_tcp_flags;
	p = put_addr(p, ctx->af, ctx->addr);
	*p++ = ctx->engine_type;
	*p++ = ctx->engine_id;
	p = le(p, ctx->domain, 4);
	p = le(p, ctx->exporter ? ctx->exporter->id : 0, 4);
	p = put_time(p, ctx->export_us);
	p = le(p, ctx->sequence, 4);
	p = le(p, ctx->position, 4);
	return (size_t)(p - buf);
}

/* The row's layout around its one variable part, the MPLS array: a
 * count byte after the fixed columns, 4 bytes an entry, then the
 * fixed columns from end_reason on (the identity last). */
#define ROW_HEAD 135		/* time_start .. dst_mac */
#define ROW_TAIL 48		/* end_reason .. position */

size_t ch_row_len(const uint8_t *p, size_t avail)
{
	if (avail < ROW_HEAD + 1 || p[ROW_HEAD] > MPLS_LABELS_MAX)
		return 0;
	size_t len = ROW_HEAD + 1 + 4 * (size_t)p[ROW_HEAD] + ROW_TAIL;
	return len <= avail ? len : 0;
}

static uint32_t get_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

void ch_row_identity(const uint8_t *row, size_t len, struct ch_identity *id)
{
	const uint8_t *t = row + len - 40;	/* exporter .. position */
	memcpy(id->exporter, t, 16);
	id->domain = get_le32(t + 18);
	id->sequence = get_le32(t + 32);
	id->position = get_le32(t + 36);
}

int ch_code_is_data(long code)
{
	/* From ClickHouse's ErrorCodes.cpp: parsing the rows (6 ... 131),
	 * a value out of range (69, 321), a check on them failing in a
	 * materialized view (153 division by zero, 395 throwIf). */
	static const long data[] = { 6, 25, 26, 27, 32, 33, 38, 41, 53, 69, 70, 72, 117,
				     128, 131, 153, 190, 321, 395 };
	for (size_t i = 0; i < sizeof(data) / sizeof(data[0]); i++)
		if (data[i] == code)
			return 1;
	return 0;
}
