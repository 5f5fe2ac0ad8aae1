/*
 * db_schema.h - the SQLite schema of -o sqlite: the flows table, the
 * exporters table and the GDP paper's Flow view, and the check that a
 * database to append to has exactly that schema.
 */
#ifndef FP_DB_SCHEMA_H
#define FP_DB_SCHEMA_H

#include <stddef.h>
#include <sqlite3.h>

/* PRAGMA application_id: "flow" in ASCII, the database is ours; and
 * PRAGMA user_version: the schema's version, 1 until a column changes. */
#define DB_APPLICATION_ID 0x666c6f77
#define DB_SCHEMA_VERSION 1

/* The columns of flows after id, in order: one parameter each in the
 * insert (sink_sqlite.c). */
#define DB_FLOW_COLUMNS 46

/* The SQL that makes the schema, as flowcollect --print-schema sqlite
 * prints it. */
extern const char db_schema[];

/*
 * In a transaction of the caller's: create the schema in an empty
 * database, or check that a database holds it already, every table,
 * index and view with the very SQL of ours (objects of the user's own
 * besides are allowed: an index for a query).  -1 with a message in err
 * when the file is not a database, another program's, or ours of another
 * schema.
 */
int db_schema_ready(sqlite3 *db, char *err, size_t errlen);

#endif
