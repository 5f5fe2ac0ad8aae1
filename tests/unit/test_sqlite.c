/*
 * test_sqlite.c - the SQLite sink (-o sqlite, collector/sink_sqlite.c):
 * every column of a row as the record had it, values the end-to-end
 * captures never make (IPv6 next hops, MPLS stacks, counters past 2^63,
 * times before 1970, an exporter past the ceiling), the Flow view, the
 * exporters table, when rows become visible to a reader, appending, and
 * each database that is refused, with its message.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include <sqlite3.h>

#include "../../collector/collect.h"
#include "../../collector/db_schema.h"

static char dir[] = "/tmp/test_sqlite.XXXXXX";
static char path[64];

static int setup(void **state)
{
	(void)state;
	static int made;
	if (!made) {
		assert_non_null(mkdtemp(dir));
		made = 1;
	}
	snprintf(path, sizeof(path), "%s/t.db", dir);
	unlink(path);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	char p[80];
	unlink(path);
	snprintf(p, sizeof(p), "%s-wal", path);
	unlink(p);
	snprintf(p, sizeof(p), "%s-shm", path);
	unlink(p);
	return 0;
}

/* One query's single value, as text ("NULL" for NULL), from a connection
 * of its own, as another program reading the database would. */
static char *query(const char *sql)
{
	static char out[512];
	sqlite3 *db;
	sqlite3_stmt *st;

	assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		fail_msg("%s: %s", sql, sqlite3_errmsg(db));
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	const char *v = (const char *)sqlite3_column_text(st, 0);
	snprintf(out, sizeof(out), "%s", v ? v : "NULL");
	sqlite3_finalize(st);
	sqlite3_close(db);
	return out;
}

static void exec_sql(const char *sql)
{
	sqlite3 *db;
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	if (sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK)
		fail_msg("%s: %s", sql, sqlite3_errmsg(db));
	sqlite3_close(db);
}

static struct flow_record v4_flow(void)
{
	struct flow_record r;
	memset(&r, 0, sizeof(r));
	r.af = 4;
	r.proto = 6;
	r.tcp_flags = 0x1b;
	memcpy(r.src, "\xc0\x00\x02\x01", 4);
	memcpy(r.dst, "\xc6\x33\x64\x07", 4);
	r.sport = 40000;
	r.dport = 443;
	r.packets = 10;
	r.octets = 5000;
	r.first_us = 1700000000123456;
	r.last_us = 1700000001456999;
	return r;
}

struct run {
	struct collector col;
	struct exporter_info *e;
	struct flow_context ctx;
};

/* A collector with the sink on path and one v5 exporter, 127.0.0.1. */
static int start(struct run *r)
{
	struct exporter_key k;

	collector_init(&r->col);
	if (collector_add_sink(&r->col, &sink_sqlite, NULL, path) != 0)
		return -1;
	exporter_key_make(&k, (const uint8_t *)"\x7f\x00\x00\x01", 4, 5, 0x0102, 0);
	r->e = exporters_get(&r->col.exporters, &k);
	memset(&r->ctx, 0, sizeof(r->ctx));
	r->ctx.exporter = r->e;
	r->ctx.addr = r->e->key.addr;
	r->ctx.af = 4;
	r->ctx.engine_type = 1;
	r->ctx.engine_id = 2;
	r->ctx.export_us = 1700000002789000;
	return 0;
}

/* A flow as a decoder hands it over: counted, then stored. */
static void flow(struct run *r, const struct flow_context *ctx, struct flow_record f)
{
	if (ctx->exporter)
		r->e->records++;
	collector_emit(&r->col, ctx, &f, 1);
}

static void finish(struct run *r)
{
	collector_end(&r->col);
	assert_string_equal(r->col.sink_error, "");
	collector_free(&r->col);
}

static void test_every_column(void **state)
{
	(void)state;
	struct run r;
	struct flow_record f = v4_flow();

	assert_int_equal(start(&r), 0);
	f.tos = 0xb8;
	f.rev_packets = 3;
	f.rev_octets = 300;
	f.in_if = 4000000000u;
	f.out_if = 7;
	f.src_as = 64512;
	f.dst_as = 65535;
	f.src_mask = 24;
	f.dst_mask = 16;
	f.direction = 1;
	memcpy(f.nexthop, "\x0a\x00\x00\x01", 4);
	f.vlan = 4094;
	memcpy(f.src_mac, "\x00\x1b\x21\xaa\xbb\xcc", 6);
	memcpy(f.dst_mac, "\xff\xff\xff\xff\xff\xff", 6);
	/* label 16, EXP 5, bottom of stack; label 1048575, EXP 0, not */
	memcpy(f.mpls[0], "\x00\x01\x0b", 3);
	memcpy(f.mpls[9], "\xff\xff\xf0", 3);
	f.end_reason = END_ACTIVE;
	f.flowlabel = 0xfffff;
	f.rev_tos = 4;
	f.rev_tcp_flags = 0x12;
	flow(&r, &r.ctx, f);
	finish(&r);

	assert_string_equal(query("SELECT printf('%d,%d,%d,%s,%s,%d,%d,%d,%d,%d,%d,%d,%d,%d,%d,%d,%d,"
				  "%d,%d,%d,%d,%s,%d,%s,%s', id, first_ms, last_ms, src_addr, dst_addr, "
				  "src_port, dst_port, protocol, tcp_flags, tos, packets, bytes, rev_packets, "
				  "rev_bytes, in_if, out_if, src_as, dst_as, src_mask, dst_mask, direction, "
				  "next_hop, vlan, src_mac, dst_mac) FROM flows"),
			    "1,1700000000123,1700000001456,192.0.2.1,198.51.100.7,40000,443,6,27,184,10,"
			    "5000,3,300,4000000000,7,64512,65535,24,16,1,10.0.0.1,4094,00:1b:21:aa:bb:cc,"
			    "ff:ff:ff:ff:ff:ff");
	assert_string_equal(query("SELECT printf('%d,%d,%d,%d,%d,%d,%d,%d,%d,%d', mpls1, mpls2, mpls3, "
				  "mpls4, mpls5, mpls6, mpls7, mpls8, mpls9, mpls10) FROM flows"),
			    "267,0,0,0,0,0,0,0,0,16777200");
	assert_string_equal(query("SELECT printf('%d %d %d', mpls1 >> 4, (mpls1 >> 1) & 7, mpls1 & 1) FROM flows"),
			    "16 5 1");
	assert_string_equal(query("SELECT printf('%s,%d,%d,%d,%d,%d,%d,%d,%d,%d,%d,%d', exporter_addr, "
				  "engine_type, engine_id, exporter_id, export_ms, ip_version, src_ipv4, "
				  "dst_ipv4, end_reason, flow_label, rev_tos, rev_tcp_flags) FROM flows"),
			    "127.0.0.1,1,2,1,1700000002789,4,3221225985,3325256711,2,1048575,4,18");
	/* The GDP paper's view: LAST - FIRST is the CSV's td in ms. */
	assert_string_equal(query("SELECT printf('%d,%d,%d,%d,%d,%s,%s,%d,%d,%d,%s,%d', ID, SYS_UPTIME, "
				  "UNIXS, FIRST, LAST, IP_SOURCE, IP_DEST, PROTO, SOURCE_PROTO, "
				  "DEST_PROTO, timestamp, LAST - FIRST) FROM Flow"),
			    "1,1700000002789,1700000002,1700000000123,1700000001456,3221225985,"
			    "3325256711,6,40000,443,2023-11-14 22:13:22,1333");
	assert_string_equal(query("SELECT typeof(IP_SOURCE) FROM Flow"), "integer");
}

static void test_ipv6_and_extremes(void **state)
{
	(void)state;
	struct run r;
	struct flow_record f = v4_flow();

	assert_int_equal(start(&r), 0);
	f.af = 6;
	memcpy(f.src, "\x20\x01\x0d\xb8\0\0\0\0\0\0\0\0\0\0\0\x01", 16);
	memcpy(f.dst, "\0\0\0\0\0\0\0\0\0\0\xff\xff\xc0\x00\x02\x01", 16);
	memcpy(f.nexthop, "\xfe\x80\0\0\0\0\0\0\0\0\0\0\0\0\0\x01", 16);
	f.packets = UINT64_MAX;
	f.octets = (uint64_t)INT64_MAX;
	f.first_us = -1500;	/* 1969: the CSV's ms, truncated toward 0 */
	f.last_us = -1;
	flow(&r, &r.ctx, f);
	/* Past the 4096 exporters the collector lists: no id. */
	struct flow_context unlisted = r.ctx;
	unlisted.exporter = NULL;
	flow(&r, &unlisted, v4_flow());
	finish(&r);

	assert_string_equal(query("SELECT printf('%s|%s|%s|%d|%s|%s', src_addr, dst_addr, next_hop, "
				  "ip_version, quote(src_ipv4), quote(dst_ipv4)) FROM flows WHERE id = 1"),
			    "2001:db8::1|::ffff:192.0.2.1|fe80::1|6|NULL|NULL");
	assert_string_equal(query("SELECT printf('%s %s %d', typeof(packets), packets = 18446744073709551615.0, "
				  "bytes) FROM flows WHERE id = 1"),
			    "real 1 9223372036854775807");
	assert_string_equal(query("SELECT printf('%d %d', first_ms, last_ms) FROM flows WHERE id = 1"), "-1 0");
	assert_string_equal(query("SELECT printf('%s %s', IP_SOURCE, typeof(IP_SOURCE)) FROM Flow WHERE ID = 1"),
			    "2001:db8::1 text");
	assert_string_equal(query("SELECT quote(exporter_id) FROM flows WHERE id = 2"), "NULL");
}

static void test_exporters_table(void **state)
{
	(void)state;
	struct run r;
	struct exporter_key k;

	assert_int_equal(start(&r), 0);
	r.e->datagrams = 3;
	r.e->missing = 30;
	r.e->reordered = 1;
	r.e->errors[FP_TRUNCATED] = 2;
	r.e->errors[FP_MALFORMED] = 3;
	r.e->errors[FP_UNSUPPORTED] = 4;
	r.e->errors[FP_NO_MEMORY] = 5;
	r.e->errors[FP_UNKNOWN_TEMPLATE] = 6;
	r.e->sampling = 100;
	flow(&r, &r.ctx, v4_flow());
	flow(&r, &r.ctx, v4_flow());
	/* A v9 exporter over TCP that sent templates and no flow. */
	exporter_key_make(&k, (const uint8_t *)"\x20\x01\x0d\xb8\0\0\0\0\0\0\0\0\0\0\0\x02", 6, 9, 77, 4739);
	struct exporter_info *e2 = exporters_get(&r.col.exporters, &k);
	e2->datagrams = 10;
	e2->records = 0;
	e2->missing = 2;
	e2->templates = 5;
	e2->options_templates = 1;
	e2->withdrawals = 2;
	e2->options_records = 3;
	e2->held = 4;
	e2->seq_counts_self = 1;
	e2->resets = 8;
	finish(&r);

	assert_string_equal(query("SELECT group_concat(x, ';') FROM (SELECT printf("
				  "'%d,%s,%s,%d,%d,%d,%d,%d,%d,%d,%d,%d,%d,%d,%d,%d,%d,%d,%d,%d,%d,%d,%d,%d', "
				  "id, address, quote(tcp_port), version, domain, datagrams, records, missing, "
				  "missing_datagrams, reordered, restarts, bad_datagrams, truncated, malformed, "
				  "unsupported, out_of_memory, unknown_template_sets, templates, "
				  "options_templates, withdrawals, options_records, held_sets, sampling, "
				  "sequence_counts_own) AS x FROM exporters ORDER BY id)"),
			    "1,127.0.0.1,NULL,5,258,3,2,30,0,1,0,14,2,3,4,5,6,0,0,0,0,0,100,0;"
			    "2,2001:db8::2,4739,9,77,10,0,0,2,0,8,0,0,0,0,0,0,5,1,2,3,4,0,1");
}

/* A pause commits at most once a second: a stream that pauses after
 * every datagram does not pay a commit each time. */
static void test_flush_once_a_second(void **state)
{
	(void)state;
	struct run r;

	assert_int_equal(start(&r), 0);
	flow(&r, &r.ctx, v4_flow());
	collector_flush(&r.col);
	assert_string_equal(query("SELECT count(*) FROM flows"), "1");
	flow(&r, &r.ctx, v4_flow());
	collector_flush(&r.col);
	assert_string_equal(query("SELECT count(*) FROM flows"), "1");
	usleep(1100 * 1000);
	collector_flush(&r.col);
	assert_string_equal(query("SELECT count(*) FROM flows"), "2");
	finish(&r);
}

/* Rows are visible to a reader when a batch is full and at each flush;
 * a batch waits for the exporters' counters to be the rows stored. */
static void test_commits(void **state)
{
	(void)state;
	struct run r;

	assert_int_equal(start(&r), 0);
	flow(&r, &r.ctx, v4_flow());
	assert_string_equal(query("SELECT count(*) FROM flows"), "0");
	collector_flush(&r.col);
	assert_string_equal(query("SELECT count(*) || ' ' || (SELECT records FROM exporters) FROM flows"), "1 1");
	/* A datagram of 3 counted, its rows in one by one past the batch. */
	for (int i = 1; i < 50000 - 1; i++)
		flow(&r, &r.ctx, v4_flow());
	assert_string_equal(query("SELECT count(*) FROM flows"), "1");
	r.e->records += 3;
	struct flow_record f = v4_flow();
	collector_emit(&r.col, &r.ctx, &f, 1);
	collector_emit(&r.col, &r.ctx, &f, 1);
	assert_string_equal(query("SELECT count(*) FROM flows"), "1");
	collector_emit(&r.col, &r.ctx, &f, 1);
	assert_string_equal(query("SELECT count(*) || ' ' || (SELECT records FROM exporters) FROM flows"),
			    "50002 50002");
	flow(&r, &r.ctx, v4_flow());
	assert_string_equal(query("SELECT count(*) FROM flows"), "50002");
	finish(&r);
	assert_string_equal(query("SELECT count(*) || ' ' || (SELECT records FROM exporters) FROM flows"),
			    "50003 50003");
	/* Closed: the log folded back in, one file again. */
	assert_string_equal(query("PRAGMA journal_mode"), "delete");
	char wal[80];
	snprintf(wal, sizeof(wal), "%s-wal", path);
	assert_int_equal(access(wal, F_OK), -1);
}

/* A second run appends: rows and exporter ids go on. */
static void test_append(void **state)
{
	(void)state;
	struct run r;

	for (int run = 0; run < 2; run++) {
		assert_int_equal(start(&r), 0);
		flow(&r, &r.ctx, v4_flow());
		flow(&r, &r.ctx, v4_flow());
		finish(&r);
	}
	assert_string_equal(query("SELECT group_concat(id || ':' || exporter_id) FROM flows"), "1:1,2:1,3:2,4:2");
	assert_string_equal(query("SELECT group_concat(id || ':' || records) FROM exporters"), "1:2,2:2");
	/* An index of the user's own is no reason to refuse. */
	exec_sql("CREATE INDEX mine ON flows (dst_port)");
	assert_int_equal(start(&r), 0);
	finish(&r);
}

/* A database started while the collector runs (a part of --rotate-every)
 * counts the exporters from its start: its exporters rows are its rows. */
static void test_span(void **state)
{
	(void)state;
	struct run r;
	struct exporter_key k;

	collector_init(&r.col);
	exporter_key_make(&k, (const uint8_t *)"\x7f\x00\x00\x01", 4, 9, 0, 0);
	r.e = exporters_get(&r.col.exporters, &k);
	r.e->datagrams = 10;
	r.e->records = 300;
	r.e->missing = 4;
	r.e->templates = 2;
	/* A second exporter that sends nothing more: no row. */
	exporter_key_make(&k, (const uint8_t *)"\x7f\x00\x00\x02", 4, 9, 0, 0);
	exporters_get(&r.col.exporters, &k)->datagrams = 5;
	r.e = &r.col.exporters.e[0];
	assert_int_equal(collector_add_sink(&r.col, &sink_sqlite, NULL, path), 0);
	memset(&r.ctx, 0, sizeof(r.ctx));
	r.ctx.exporter = r.e;
	r.ctx.addr = r.e->key.addr;
	r.ctx.af = 4;
	r.e->datagrams++;
	r.e->missing = 3;	/* a late datagram filled a gap from before */
	flow(&r, &r.ctx, v4_flow());
	flow(&r, &r.ctx, v4_flow());
	finish(&r);
	assert_string_equal(query("SELECT group_concat(id || ':' || datagrams || ',' || records || ',' || "
				  "missing || ',' || templates, ';') FROM exporters"), "1:1,2,0,0");
	assert_string_equal(query("SELECT count(*) FROM flows"), "2");
}

/* The database cannot be used: begin fails with this message. */
static void refused(const char *want)
{
	struct collector col;

	collector_init(&col);
	assert_int_equal(collector_add_sink(&col, &sink_sqlite, NULL, path), -1);
	assert_int_equal(col.nsinks, 0);
	char msg[600];
	snprintf(msg, sizeof(msg), want, path);
	assert_string_equal(col.sink_error, msg);
	collector_free(&col);
}

static void test_refused(void **state)
{
	(void)state;
	FILE *f;

	exec_sql("CREATE TABLE t (a)");
	refused("cannot use \"%s\": another program's database, not flowcollect's (application_id 0): "
		"refusing to add to it");
	unlink(path);

	exec_sql(db_schema);
	exec_sql("PRAGMA user_version = 2");
	refused("cannot use \"%s\": flowcollect's schema version 2, where this one writes version 1: "
		"refusing to add to it");
	unlink(path);

	exec_sql(db_schema);
	exec_sql("DROP VIEW Flow; CREATE VIEW Flow AS SELECT id FROM flows");
	refused("cannot use \"%s\": its view Flow is not the one flowcollect makes (a schema of another "
		"version?): refusing to add to it");
	unlink(path);

	exec_sql(db_schema);
	exec_sql("DROP INDEX flows_dst");
	refused("cannot use \"%s\": its index flows_dst is not the one flowcollect makes (a schema of "
		"another version?): refusing to add to it");
	unlink(path);

	f = fopen(path, "w");
	assert_non_null(f);
	fputs("ts,te,td,sa,da\nnot a database, longer than a header of one hundred bytes........"
	      "....................................\n", f);
	fclose(f);
	refused("cannot use \"%s\": file is not a database");
	/* The file that was there is left as it was. */
	assert_int_equal(access(path, F_OK), 0);
}

/* Two collectors on one database: the second is refused at once, and
 * the first goes on. */
static void test_locked(void **state)
{
	(void)state;
	struct run r;
	struct collector col;

	assert_int_equal(start(&r), 0);
	collector_init(&col);
	assert_int_equal(collector_add_sink(&col, &sink_sqlite, NULL, path), -1);
	char msg[600];
	snprintf(msg, sizeof(msg), "cannot write \"%s\": another flowcollect is writing it", path);
	assert_string_equal(col.sink_error, msg);
	collector_free(&col);
	flow(&r, &r.ctx, v4_flow());
	finish(&r);
	assert_string_equal(query("SELECT count(*) FROM flows"), "1");
}

/* A path that cannot be made: nothing is left behind. */
static void test_unwritable(void **state)
{
	(void)state;
	struct collector col;
	char p[80];

	snprintf(p, sizeof(p), "%s/no/such/dir.db", dir);
	collector_init(&col);
	assert_int_equal(collector_add_sink(&col, &sink_sqlite, NULL, p), -1);
	char msg[600];
	snprintf(msg, sizeof(msg), "cannot write \"%s\": No such file or directory", p);
	assert_string_equal(col.sink_error, msg);
	collector_free(&col);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_every_column, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ipv6_and_extremes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_exporters_table, setup, teardown),
		cmocka_unit_test_setup_teardown(test_commits, setup, teardown),
		cmocka_unit_test_setup_teardown(test_flush_once_a_second, setup, teardown),
		cmocka_unit_test_setup_teardown(test_append, setup, teardown),
		cmocka_unit_test_setup_teardown(test_span, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_locked, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unwritable, setup, teardown),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);
	rmdir(dir);
	return rc;
}
