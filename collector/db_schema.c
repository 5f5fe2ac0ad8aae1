/*
 * db_schema.c - the schema of -o sqlite, made in an empty database and
 * checked in one to append to.
 *
 * The flows table has a column for every field of our nfdump CSV that a
 * record carries (the CSV's name in each comment), numbers as integers
 * and addresses as text; times are milliseconds since the epoch, which
 * SQLite's date functions read (datetime(first_ms / 1000, 'unixepoch')
 * is the CSV's ts).  The comments are part of each CREATE statement, so
 * the sqlite3 shell's .schema shows them.
 */
#include <stdio.h>
#include <string.h>
#include "db_schema.h"

#define STR_(x) #x
#define STR(x) STR_(x)

const char db_schema[] =
"PRAGMA application_id = " STR(DB_APPLICATION_ID) ";\n"
"PRAGMA user_version = " STR(DB_SCHEMA_VERSION) ";\n"
"\n"
"CREATE TABLE flows (\n"
"	id INTEGER PRIMARY KEY,		-- arrival order: 1, 2, ... (appended runs go on)\n"
"	first_ms INTEGER NOT NULL,	-- ts: first packet, milliseconds since 1970-01-01 UTC\n"
"	last_ms INTEGER NOT NULL,	-- te: last packet; td, the duration, is last_ms - first_ms\n"
"	src_addr TEXT NOT NULL,		-- sa: 192.0.2.1, 2001:db8::1 (inet_ntop's text)\n"
"	dst_addr TEXT NOT NULL,		-- da\n"
"	src_port INTEGER NOT NULL,	-- sp\n"
"	dst_port INTEGER NOT NULL,	-- dp; ICMP: type * 256 + code\n"
"	protocol INTEGER NOT NULL,	-- pr, the number: 1 ICMP, 6 TCP, 17 UDP, 58 ICMPv6\n"
"	tcp_flags INTEGER NOT NULL,	-- flg, the bits: 1 FIN, 2 SYN, 4 RST, 8 PSH, 16 ACK, 32 URG, 64 ECE, 128 CWR\n"
"	tos INTEGER NOT NULL,		-- stos\n"
"	packets INTEGER NOT NULL,	-- ipkt\n"
"	bytes INTEGER NOT NULL,		-- ibyt: IP total lengths\n"
"	rev_packets INTEGER NOT NULL,	-- opkt: an IPFIX biflow's reverse direction (RFC 5103), else 0\n"
"	rev_bytes INTEGER NOT NULL,	-- obyt\n"
"	in_if INTEGER NOT NULL,		-- in: input interface index\n"
"	out_if INTEGER NOT NULL,	-- out\n"
"	src_as INTEGER NOT NULL,	-- sas\n"
"	dst_as INTEGER NOT NULL,	-- das\n"
"	src_mask INTEGER NOT NULL,	-- smk\n"
"	dst_mask INTEGER NOT NULL,	-- dmk\n"
"	direction INTEGER NOT NULL,	-- IPFIX flowDirection, 0 ingress, 1 egress (the CSV's dir is always 0)\n"
"	next_hop TEXT NOT NULL,		-- nh; 0.0.0.0 when the record has none\n"
"	vlan INTEGER NOT NULL,		-- svln\n"
"	src_mac TEXT NOT NULL,		-- ismc: aa:bb:cc:dd:ee:ff, zeros when not exported\n"
"	dst_mac TEXT NOT NULL,		-- idmc\n"
"	mpls1 INTEGER NOT NULL,		-- mpls1..mpls10: label stack entries, top first, 0 below the stack;\n"
"	mpls2 INTEGER NOT NULL,		--   label mplsN >> 4, EXP (mplsN >> 1) & 7, bottom of stack mplsN & 1\n"
"	mpls3 INTEGER NOT NULL,\n"
"	mpls4 INTEGER NOT NULL,\n"
"	mpls5 INTEGER NOT NULL,\n"
"	mpls6 INTEGER NOT NULL,\n"
"	mpls7 INTEGER NOT NULL,\n"
"	mpls8 INTEGER NOT NULL,\n"
"	mpls9 INTEGER NOT NULL,\n"
"	mpls10 INTEGER NOT NULL,\n"
"	exporter_addr TEXT NOT NULL,	-- ra: the exporter's address\n"
"	engine_type INTEGER NOT NULL,	-- eng: engine_type/engine_id (v1/v5 headers)\n"
"	engine_id INTEGER NOT NULL,\n"
"	exporter_id INTEGER,		-- exid: exporters.id; NULL past the collector's 4096 exporters\n"
"	export_ms INTEGER NOT NULL,	-- tr: the export header's time, ms since the epoch\n"
"	ip_version INTEGER NOT NULL,	-- 4 or 6\n"
"	src_ipv4 INTEGER,		-- IPv4: sa as a 32-bit number (192.0.2.1 is 3221225985); NULL for IPv6\n"
"	dst_ipv4 INTEGER,\n"
"	end_reason INTEGER NOT NULL,	-- IPFIX flowEndReason: 1 idle, 2 active timeout, 3 end of flow, 4 forced, 5 lack of resources; 0 unknown\n"
"	flow_label INTEGER NOT NULL,	-- IPv6 flow label of the first packet\n"
"	rev_tos INTEGER NOT NULL,	-- a biflow's reverse direction: its ToS\n"
"	rev_tcp_flags INTEGER NOT NULL	-- and its TCP flags\n"
");\n"
"CREATE INDEX flows_first ON flows (first_ms);\n"
"CREATE INDEX flows_last ON flows (last_ms);\n"
"CREATE INDEX flows_src ON flows (src_addr);\n"
"CREATE INDEX flows_dst ON flows (dst_addr);\n"
"\n"
"CREATE TABLE exporters (\n"
"	id INTEGER PRIMARY KEY,		-- flows.exporter_id; \"exporter N\" on standard error (appended runs go on)\n"
"	address TEXT NOT NULL,		-- where its datagrams came from\n"
"	tcp_port INTEGER,		-- IPFIX over TCP: the connection's port; NULL over UDP\n"
"	version INTEGER NOT NULL,	-- 1, 5, 9 or 10 (IPFIX)\n"
"	domain INTEGER NOT NULL,	-- v9 source id, IPFIX observation domain; v1/v5: engine_type * 256 + engine_id\n"
"	datagrams INTEGER NOT NULL,	-- decoded\n"
"	records INTEGER NOT NULL,	-- flow records decoded: its rows in flows\n"
"	missing INTEGER NOT NULL,	-- records missing by sequence number (v9: estimated from missing_datagrams)\n"
"	missing_datagrams INTEGER NOT NULL,	-- v9: datagrams missing by sequence number; 0 for the others\n"
"	reordered INTEGER NOT NULL,	-- datagrams that came late or twice\n"
"	restarts INTEGER NOT NULL,	-- times the sequence started over\n"
"	bad_datagrams INTEGER NOT NULL,	-- not decoded: truncated + malformed + unsupported + out_of_memory\n"
"	truncated INTEGER NOT NULL,\n"
"	malformed INTEGER NOT NULL,\n"
"	unsupported INTEGER NOT NULL,\n"
"	out_of_memory INTEGER NOT NULL,\n"
"	unknown_template_sets INTEGER NOT NULL,	-- v9/IPFIX data sets whose template never came\n"
"	templates INTEGER NOT NULL,	-- v9/IPFIX data template records received\n"
"	options_templates INTEGER NOT NULL,\n"
"	withdrawals INTEGER NOT NULL,	-- IPFIX template withdrawals\n"
"	options_records INTEGER NOT NULL,\n"
"	held_sets INTEGER NOT NULL,	-- data sets held until their template came\n"
"	sampling INTEGER NOT NULL,	-- 1 in N announced and applied to packets and bytes; 0 or 1: none\n"
"	sequence_counts_own INTEGER NOT NULL	-- 1: its IPFIX sequence numbers count the message's own flows (softflowd)\n"
");\n"
"\n"
"-- The Flow table of the GDP paper's collector (NetFlow v1/v5 into SQLite),\n"
"-- as a view.  Its FIRST, LAST and SYS_UPTIME are milliseconds of the\n"
"-- exporter's uptime; our times are absolute, as if the uptime started at\n"
"-- 1970-01-01 00:00:00 UTC: FIRST and LAST are the first and last packet\n"
"-- and SYS_UPTIME the export time, in ms since the epoch, and UNIXS the\n"
"-- export time in seconds.  LAST - FIRST is the duration in ms.  IPv4\n"
"-- addresses are integers as in the paper, IPv6 ones text; the PROTO\n"
"-- columns are the protocol and the ports; timestamp is the export time.\n"
"CREATE VIEW Flow AS SELECT\n"
"	id AS ID,\n"
"	export_ms AS SYS_UPTIME,\n"
"	export_ms / 1000 AS UNIXS,\n"
"	first_ms AS FIRST,\n"
"	last_ms AS LAST,\n"
"	coalesce(src_ipv4, src_addr) AS IP_SOURCE,\n"
"	coalesce(dst_ipv4, dst_addr) AS IP_DEST,\n"
"	protocol AS PROTO,\n"
"	src_port AS SOURCE_PROTO,\n"
"	dst_port AS DEST_PROTO,\n"
"	datetime(export_ms / 1000, 'unixepoch') AS timestamp\n"
"FROM flows;\n";

static int fail(char *err, size_t errlen, const char *what, sqlite3 *db)
{
	snprintf(err, errlen, "%s: %s", what, sqlite3_errmsg(db));
	return -1;
}

/* An integer PRAGMA's value, or -1 with a message. */
static int pragma_value(sqlite3 *db, const char *sql, long long *v, char *err, size_t errlen)
{
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return fail(err, errlen, "cannot read it", db);
	int rc = sqlite3_step(st);
	*v = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? 0 : fail(err, errlen, "cannot read it", db);
}

/* Whether db has the object ref describes (type, name, sql) with the same
 * SQL; -1 on a read error. */
static int has_object(sqlite3 *db, sqlite3_stmt *ref, char *err, size_t errlen)
{
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(db, "SELECT sql FROM sqlite_schema WHERE type = ?1 AND name = ?2",
			       -1, &st, NULL) != SQLITE_OK)
		return fail(err, errlen, "cannot read it", db);
	sqlite3_bind_value(st, 1, sqlite3_column_value(ref, 0));
	sqlite3_bind_value(st, 2, sqlite3_column_value(ref, 1));
	int rc = sqlite3_step(st), same = 0;
	if (rc == SQLITE_ROW) {
		const char *a = (const char *)sqlite3_column_text(st, 0);
		const char *b = (const char *)sqlite3_column_text(ref, 2);
		same = a && b && strcmp(a, b) == 0;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return fail(err, errlen, "cannot read it", db);
	return same;
}

/* Every table, index and view of our schema is in db as we make it:
 * compared with a database made in memory from db_schema. */
static int same_schema(sqlite3 *db, char *err, size_t errlen)
{
	sqlite3 *mem;
	sqlite3_stmt *ref = NULL;
	int ok = -1;

	if (sqlite3_open(":memory:", &mem) != SQLITE_OK ||
	    sqlite3_exec(mem, db_schema, NULL, NULL, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(mem, "SELECT type, name, sql FROM sqlite_schema ORDER BY rowid",
			       -1, &ref, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "cannot make the schema: %s", sqlite3_errmsg(mem));
		goto out;
	}
	ok = 1;
	while (ok == 1 && sqlite3_step(ref) == SQLITE_ROW) {
		ok = has_object(db, ref, err, errlen);
		if (ok == 0)
			snprintf(err, errlen, "its %s %s is not the one flowcollect makes "
				 "(a schema of another version?): refusing to add to it",
				 (const char *)sqlite3_column_text(ref, 0),
				 (const char *)sqlite3_column_text(ref, 1));
	}
out:
	sqlite3_finalize(ref);
	sqlite3_close(mem);
	return ok == 1 ? 0 : -1;
}

int db_schema_ready(sqlite3 *db, char *err, size_t errlen)
{
	long long app, version, objects;

	/* The first read of the file: where one that is not a database
	 * shows ("file is not a database"). */
	if (pragma_value(db, "PRAGMA application_id", &app, err, errlen) != 0 ||
	    pragma_value(db, "PRAGMA user_version", &version, err, errlen) != 0 ||
	    pragma_value(db, "SELECT count(*) FROM sqlite_schema", &objects, err, errlen) != 0)
		return -1;
	if (app == 0 && version == 0 && objects == 0) {
		if (sqlite3_exec(db, db_schema, NULL, NULL, NULL) != SQLITE_OK)
			return fail(err, errlen, "cannot make the schema", db);
		return 0;
	}
	if (app != DB_APPLICATION_ID) {
		snprintf(err, errlen, "another program's database, not flowcollect's "
			 "(application_id %lld): refusing to add to it", app);
		return -1;
	}
	if (version != DB_SCHEMA_VERSION) {
		snprintf(err, errlen, "flowcollect's schema version %lld, where this one writes "
			 "version %d: refusing to add to it", version, DB_SCHEMA_VERSION);
		return -1;
	}
	return same_schema(db, err, errlen);
}
