/*
 * sink_sqlite.c - flows into a SQLite database (-o sqlite:PATH), with the
 * schema of db_schema.c: a row per flow in flows, the per-exporter
 * counters in exporters.
 *
 * Rows go in through one prepared insert, in transactions of up to
 * DB_BATCH rows, committed as well when the input pauses (flush, at most
 * once a second) and at the end: a reader sees each batch whole, and a collector killed
 * outright loses at most the open one.  The exporters' counters are
 * written with each commit, so they are as current as the rows; they
 * count from the database's start (a part of --rotate-every starts with
 * the collector's counters where they stand), so that they count its
 * rows.
 *
 * The journal is SQLite's write-ahead log, synchronous=NORMAL: a query
 * running while the collector commits blocks neither (with a rollback
 * journal a long one would outlast the commit's wait); a commit is a
 * write to the log, not an fsync (those come when the log is copied into
 * the database, every few MB); the file stays consistent if the process
 * is killed, and if the machine loses power too (then the last commits
 * may be lost).  At the end the log is folded back in, and the database
 * is one file again (journal_mode=DELETE).  The page cache is 64 MiB: at
 * SQLite's 2 MiB the address indexes' pages went back and forth to the
 * file, twice the time.  Measured in bench/README.md.
 *
 * An existing database is appended to when it has exactly our schema:
 * the rows and the exporters' ids go on from those there.  A file that
 * is not a database, or another program's, is refused.  One collector at
 * a time: an advisory lock (flock) on the file keeps a second one out.
 *
 * Nothing in a row comes from the wall clock: the same input gives the
 * same database, as `sqlite3 DB .dump` shows.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>
#include <sqlite3.h>
#include "clock.h"
#include "db_schema.h"
#include "sink.h"

#define DB_BATCH 50000	/* rows a transaction holds at most */
#define DB_FLUSH_MS 1000	/* a pause commits at most this often */

struct db {
	sqlite3 *db;
	sqlite3_stmt *insert_flow;
	sqlite3_stmt *insert_exporter;
	int lock_fd;		/* holds the flock, open until the database is closed */
	int in_txn;
	int sys_errno;		/* errno of the last failed read or write, 0: none known */
	int failed;		/* a write failed: no more rows are stored */
	uint32_t id_base;	/* exporters' ids of the runs before, in an appended database */
	uint64_t pending;	/* rows in the open transaction */
	int64_t flushed_ms;	/* monotonic time of the last commit at a pause */
	uint64_t rows_counted;	/* rows stored this run of listed exporters (settled) */
	/* Per exporter, its counters as its row has them (id 0: no row
	 * yet): a row is written again only when they moved. */
	struct exporter_info *written;
	size_t nwritten;
	/* The exporters' counters when this database started: a part of
	 * --rotate-every/--rotate-size counts from there (none: from 0). */
	struct exporter_info *base;
	size_t nbase;
	/* Text bound to the insert: it lives until the next row's binds. */
	char src[INET6_ADDRSTRLEN_], dst[INET6_ADDRSTRLEN_], nexthop[INET6_ADDRSTRLEN_];
	char exporter[INET6_ADDRSTRLEN_];
	char src_mac[FMT_MAC_LEN], dst_mac[FMT_MAC_LEN];
};

/* Why begin cannot start, for flowcollect's one line (struct sink's
 * error); the first reason given is kept. */
static void begin_failed(struct sink *s, const char *fmt, ...)
{
	va_list ap;

	if (s->error == NULL || s->error[0] != '\0')
		return;
	va_start(ap, fmt);
	vsnprintf(s->error, s->error_len, fmt, ap);
	va_end(ap);
}

/* A write failed: say so at once (a long-running collector would
 * otherwise lose every flow from here on in silence), keep what is
 * committed, store nothing more, and have flowcollect exit 1. */
static void write_failed(struct sink *s, const char *what)
{
	struct db *d = s->state;

	if (d->failed)
		return;
	if (d->sys_errno)
		fprintf(stderr, "flowcollect: cannot write \"%s\": %s: %s (%s); no more flows "
			"are stored in it\n", s->path, what, sqlite3_errmsg(d->db), strerror(d->sys_errno));
	else
		fprintf(stderr, "flowcollect: cannot write \"%s\": %s: %s; no more flows are "
			"stored in it\n", s->path, what, sqlite3_errmsg(d->db));
	if (d->in_txn)
		sqlite3_exec(d->db, "ROLLBACK", NULL, NULL, NULL);
	d->in_txn = 0;
	d->failed = 1;
	s->failed = 1;
}

/* The system's reason for a failed read or write, taken at once: SQLite's
 * own sqlite3_system_errno was 0 after a failed COMMIT (EFBIG). */
static int failed_call(struct db *d, int rc)
{
	int primary = rc & 0xff;
	if (primary == SQLITE_IOERR || primary == SQLITE_FULL || primary == SQLITE_CANTOPEN)
		d->sys_errno = errno;
	return -1;
}

static int exec(struct db *d, const char *sql)
{
	int rc = sqlite3_exec(d->db, sql, NULL, NULL, NULL);
	return rc == SQLITE_OK ? 0 : failed_call(d, rc);
}

/* A counter above SQLite's largest integer (from a hostile exporter)
 * goes in as a real, approximate, rather than wrapped negative. */
static void bind_u64(sqlite3_stmt *st, int i, uint64_t v)
{
	if (v <= INT64_MAX)
		sqlite3_bind_int64(st, i, (sqlite3_int64)v);
	else
		sqlite3_bind_double(st, i, (double)v);
}

/* Text in the state's buffers or static: it outlives the step. */
static void bind_text(sqlite3_stmt *st, int i, const char *text, size_t len)
{
	sqlite3_bind_text(st, i, text, (int)len, SQLITE_STATIC);
}

static uint64_t minus(uint64_t a, uint64_t b)
{
	return a > b ? a - b : 0;
}

/* An exporter's counters since this database started: its own when
 * none were there at the start.  (missing can shrink, when a late
 * datagram fills a gap: a span's is never below 0.) */
static void span_of(const struct db *d, size_t i, const struct exporter_info *e,
		    struct exporter_info *out)
{
	*out = *e;
	if (i >= d->nbase)
		return;
	const struct exporter_info *b = &d->base[i];
	out->datagrams = minus(e->datagrams, b->datagrams);
	out->records = minus(e->records, b->records);
	out->missing = minus(e->missing, b->missing);
	out->reordered = minus(e->reordered, b->reordered);
	out->resets = minus(e->resets, b->resets);
	for (int k = 0; k < FP_STATUS_COUNT; k++)
		out->errors[k] = minus(e->errors[k], b->errors[k]);
	out->templates = minus(e->templates, b->templates);
	out->options_templates = minus(e->options_templates, b->options_templates);
	out->withdrawals = minus(e->withdrawals, b->withdrawals);
	out->options_records = minus(e->options_records, b->options_records);
	out->held = minus(e->held, b->held);
}

static int write_exporter(struct db *d, const struct exporter_info *e)
{
	sqlite3_stmt *st = d->insert_exporter;
	char addr[INET6_ADDRSTRLEN_];
	uint64_t bad = e->errors[FP_TRUNCATED] + e->errors[FP_MALFORMED] +
		       e->errors[FP_UNSUPPORTED] + e->errors[FP_NO_MEMORY];
	int i = 1;

	sqlite3_bind_int64(st, i++, (sqlite3_int64)d->id_base + e->id);
	sqlite3_bind_text(st, i++, addr, (int)fmt_addr(addr, e->key.af, e->key.addr), SQLITE_TRANSIENT);
	if (e->key.port)
		sqlite3_bind_int(st, i++, e->key.port);
	else
		sqlite3_bind_null(st, i++);
	sqlite3_bind_int(st, i++, e->key.version);
	sqlite3_bind_int64(st, i++, e->key.domain);
	bind_u64(st, i++, e->datagrams);
	bind_u64(st, i++, e->records);
	bind_u64(st, i++, exporters_missing_records(e));
	bind_u64(st, i++, e->key.version == 9 ? e->missing : 0);
	bind_u64(st, i++, e->reordered);
	bind_u64(st, i++, e->resets);
	bind_u64(st, i++, bad);
	bind_u64(st, i++, e->errors[FP_TRUNCATED]);
	bind_u64(st, i++, e->errors[FP_MALFORMED]);
	bind_u64(st, i++, e->errors[FP_UNSUPPORTED]);
	bind_u64(st, i++, e->errors[FP_NO_MEMORY]);
	bind_u64(st, i++, e->errors[FP_UNKNOWN_TEMPLATE]);
	bind_u64(st, i++, e->templates);
	bind_u64(st, i++, e->options_templates);
	bind_u64(st, i++, e->withdrawals);
	bind_u64(st, i++, e->options_records);
	bind_u64(st, i++, e->held);
	sqlite3_bind_int64(st, i++, e->sampling);
	sqlite3_bind_int(st, i++, e->seq_counts_self != 0);
	int rc = sqlite3_step(st);
	if (rc != SQLITE_DONE)
		failed_call(d, rc);
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

/* Whether an exporter's row is not as its counters stand. */
static int exporter_moved(const struct db *d, const struct exporter_table *t, size_t i)
{
	if (i < d->nbase && memcmp(&d->base[i], &t->e[i], sizeof(t->e[i])) == 0)
		return 0;	/* nothing from it since the start: no row */
	return i >= d->nwritten || memcmp(&d->written[i], &t->e[i], sizeof(t->e[i])) != 0;
}

static int exporters_moved(const struct sink *s)
{
	const struct exporter_table *t = s->exporters;
	for (size_t i = 0; t && i < t->n; i++)
		if (exporter_moved(s->state, t, i))
			return 1;
	return 0;
}

/* The rows of the exporters whose counters moved since they were last
 * written; -1 on a failure. */
static int write_exporters(struct sink *s)
{
	struct db *d = s->state;
	const struct exporter_table *t = s->exporters;

	if (t == NULL)
		return 0;
	if (t->n > d->nwritten) {
		struct exporter_info *w = realloc(d->written, t->n * sizeof(*w));
		if (w == NULL)
			return -1;
		memset(w + d->nwritten, 0, (t->n - d->nwritten) * sizeof(*w));
		d->written = w;
		d->nwritten = t->n;
	}
	for (size_t i = 0; i < t->n; i++) {
		if (!exporter_moved(d, t, i))
			continue;
		struct exporter_info span;
		span_of(d, i, &t->e[i], &span);
		if (write_exporter(d, &span) != 0)
			return -1;
		d->written[i] = t->e[i];
	}
	return 0;
}

/* Open a transaction unless one is: 0, or -1 with the failure said. */
static int begin_txn(struct sink *s)
{
	struct db *d = s->state;

	if (d->in_txn)
		return 0;
	if (exec(d, "BEGIN") != 0) {
		write_failed(s, "cannot begin a transaction");
		return -1;
	}
	d->in_txn = 1;
	return 0;
}

/* Commit what is open, with the exporters' counters as they stand. */
static void commit(struct sink *s)
{
	struct db *d = s->state;

	if (d->failed)
		return;
	/* No rows since the last commit: a transaction only if the
	 * counters moved (a datagram of templates only, say). */
	if (!d->in_txn && !exporters_moved(s))
		return;
	if (begin_txn(s) != 0)
		return;
	if (write_exporters(s) != 0) {
		write_failed(s, "cannot store the exporters");
		return;
	}
	if (exec(d, "COMMIT") != 0) {
		write_failed(s, "cannot commit");
		return;
	}
	d->in_txn = 0;
	d->pending = 0;
}

/*
 * Whether the exporters' record counters are the rows stored: not so
 * while a datagram's records are counted and not all stored yet.  A
 * batch waits for that (at most the records of a datagram), so that
 * every commit, the last before a crash too, has exporters.records equal
 * to the rows of each exporter.  The sums are compared: only the exporter
 * being decoded can be behind.
 */
static int settled(const struct sink *s)
{
	const struct db *d = s->state;
	const struct exporter_table *t = s->exporters;
	uint64_t records = 0;

	for (size_t i = 0; t && i < t->n; i++)
		records += minus(t->e[i].records, i < d->nbase ? d->base[i].records : 0);
	return records == d->rows_counted;
}

static void sqlite_flow(struct sink *s, const struct flow_context *ctx, const struct flow_record *r)
{
	static const uint8_t no_nexthop[16];
	struct db *d = s->state;
	sqlite3_stmt *st = d->insert_flow;
	int i = 1;

	if (d->failed)
		return;
	if (begin_txn(s) != 0)
		return;
	/* Milliseconds as the CSV makes them (its ts, te and td). */
	sqlite3_bind_int64(st, i++, r->first_us / 1000);
	sqlite3_bind_int64(st, i++, r->last_us / 1000);
	bind_text(st, i++, d->src, fmt_addr(d->src, r->af, r->src));
	bind_text(st, i++, d->dst, fmt_addr(d->dst, r->af, r->dst));
	sqlite3_bind_int(st, i++, r->sport);
	sqlite3_bind_int(st, i++, r->dport);
	sqlite3_bind_int(st, i++, r->proto);
	sqlite3_bind_int(st, i++, r->tcp_flags);
	sqlite3_bind_int(st, i++, r->tos);
	bind_u64(st, i++, r->packets);
	bind_u64(st, i++, r->octets);
	bind_u64(st, i++, r->rev_packets);
	bind_u64(st, i++, r->rev_octets);
	sqlite3_bind_int64(st, i++, r->in_if);
	sqlite3_bind_int64(st, i++, r->out_if);
	sqlite3_bind_int(st, i++, r->src_as);
	sqlite3_bind_int(st, i++, r->dst_as);
	sqlite3_bind_int(st, i++, r->src_mask);
	sqlite3_bind_int(st, i++, r->dst_mask);
	sqlite3_bind_int(st, i++, r->direction);
	/* As the CSV's nh: 0.0.0.0 for none, whatever the family. */
	if (memcmp(r->nexthop, no_nexthop, 16) == 0)
		bind_text(st, i++, "0.0.0.0", 7);
	else
		bind_text(st, i++, d->nexthop, fmt_addr(d->nexthop, r->af, r->nexthop));
	sqlite3_bind_int(st, i++, r->vlan);
	fmt_mac(d->src_mac, r->src_mac);
	bind_text(st, i++, d->src_mac, FMT_MAC_LEN);
	fmt_mac(d->dst_mac, r->dst_mac);
	bind_text(st, i++, d->dst_mac, FMT_MAC_LEN);
	for (int k = 0; k < MPLS_LABELS_MAX; k++)
		sqlite3_bind_int(st, i++, (int)mpls_entry(r->mpls[k]));
	bind_text(st, i++, d->exporter, fmt_addr(d->exporter, ctx->af, ctx->addr));
	sqlite3_bind_int(st, i++, ctx->engine_type);
	sqlite3_bind_int(st, i++, ctx->engine_id);
	if (ctx->exporter)
		sqlite3_bind_int64(st, i++, (sqlite3_int64)d->id_base + ctx->exporter->id);
	else
		sqlite3_bind_null(st, i++);
	sqlite3_bind_int64(st, i++, ctx->export_us / 1000);
	sqlite3_bind_int(st, i++, r->af == 6 ? 6 : 4);
	if (r->af == 6) {
		sqlite3_bind_null(st, i++);
		sqlite3_bind_null(st, i++);
	} else {
		sqlite3_bind_int64(st, i++, (sqlite3_int64)((uint32_t)r->src[0] << 24 | r->src[1] << 16 |
							    r->src[2] << 8 | r->src[3]));
		sqlite3_bind_int64(st, i++, (sqlite3_int64)((uint32_t)r->dst[0] << 24 | r->dst[1] << 16 |
							    r->dst[2] << 8 | r->dst[3]));
	}
	sqlite3_bind_int(st, i++, r->end_reason);
	sqlite3_bind_int64(st, i++, r->flowlabel);
	sqlite3_bind_int(st, i++, r->rev_tos);
	sqlite3_bind_int(st, i++, r->rev_tcp_flags);
	int rc = sqlite3_step(st);
	if (rc != SQLITE_DONE) {
		failed_call(d, rc);
		sqlite3_reset(st);
		write_failed(s, "cannot insert a flow");
		return;
	}
	sqlite3_reset(st);
	if (ctx->exporter)
		d->rows_counted++;
	if (++d->pending >= DB_BATCH && (settled(s) || d->pending >= 2 * DB_BATCH))
		commit(s);
}

/* The input paused: readers see the rows so far, within a second.  A
 * commit at every pause of a stream of 2000 datagrams a second, 19 rows
 * each, took 30-80% more CPU than 50000-row commits (bench/README.md);
 * a live input that stays quiet pauses again every 200 ms, so rows wait
 * at most a little over a second. */
static void sqlite_flush(struct sink *s)
{
	struct db *d = s->state;
	int64_t ms = clock_mono_ms();

	if (d->flushed_ms && ms - d->flushed_ms < DB_FLUSH_MS)
		return;
	d->flushed_ms = ms;
	commit(s);
}

/* Close the database, folding the log back in; the lock goes last, once
 * SQLite holds no file of it open. */
static void close_db(struct sink *s, struct db *d, int fold)
{
	sqlite3_finalize(d->insert_flow);
	sqlite3_finalize(d->insert_exporter);
	/* Another reader may hold the log open: then it stays, the
	 * database no less consistent. */
	if (fold) {
		sqlite3_busy_timeout(d->db, 0);
		exec(d, "PRAGMA journal_mode = DELETE");
	}
	if (d->db && sqlite3_close(d->db) != SQLITE_OK && fold) {
		fprintf(stderr, "flowcollect: cannot close \"%s\": %s\n", s->path, sqlite3_errmsg(d->db));
		s->failed = 1;
	}
	if (d->lock_fd >= 0)
		close(d->lock_fd);
	free(d->written);
	free(d->base);
	free(d);
	s->state = NULL;
}

static void sqlite_end(struct sink *s, const struct flow_totals *t)
{
	struct db *d = s->state;

	(void)t;
	if (d == NULL)
		return;
	commit(s);
	close_db(s, d, !d->failed);
}

static const char insert_flow_sql[] =
	"INSERT INTO flows VALUES (NULL"
	",?,?,?,?,?,?,?,?,?,?" ",?,?,?,?,?,?,?,?,?,?" ",?,?,?,?,?,?,?,?,?,?"
	",?,?,?,?,?,?,?,?,?,?" ",?,?,?,?,?,?)";
static const char insert_exporter_sql[] =
	"INSERT OR REPLACE INTO exporters VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)";

/* Open the database at s->path: lock, schema, settings, statements. */
static int open_db(struct sink *s, struct db *d)
{
	char err[400];
	sqlite3_stmt *st;

	/* The lock first, on a descriptor of our own: SQLite's own locks
	 * are per process and cannot tell two collectors apart from one
	 * that is slow. */
	d->lock_fd = open(s->path, O_RDWR | O_CREAT | O_CLOEXEC, 0666);
	if (d->lock_fd < 0) {
		begin_failed(s, "cannot write \"%s\": %s", s->path, strerror(errno));
		return -1;
	}
	if (flock(d->lock_fd, LOCK_EX | LOCK_NB) != 0) {
		begin_failed(s, "cannot write \"%s\": %s", s->path, errno == EWOULDBLOCK
			  ? "another flowcollect is writing it" : strerror(errno));
		return -1;
	}
	if (sqlite3_open_v2(s->path, &d->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		begin_failed(s, "cannot write \"%s\": %s", s->path,
			  d->db ? sqlite3_errmsg(d->db) : "out of memory");
		return -1;
	}
	sqlite3_extended_result_codes(d->db, 1);
	/* A reader's lock held a moment (a checkpoint) is waited for. */
	sqlite3_busy_timeout(d->db, 5000);
	if (exec(d, "BEGIN IMMEDIATE") != 0) {
		begin_failed(s, "cannot use \"%s\": %s", s->path, sqlite3_errmsg(d->db));
		return -1;
	}
	if (db_schema_ready(d->db, err, sizeof(err)) != 0) {
		exec(d, "ROLLBACK");
		begin_failed(s, "cannot use \"%s\": %s", s->path, err);
		return -1;
	}
	if (exec(d, "COMMIT") != 0) {
		begin_failed(s, "cannot write \"%s\": %s", s->path, sqlite3_errmsg(d->db));
		return -1;
	}
	/* See the head of the file. */
	if (exec(d, "PRAGMA journal_mode = WAL") != 0 ||
	    exec(d, "PRAGMA synchronous = NORMAL") != 0 ||
	    exec(d, "PRAGMA cache_size = -65536") != 0) {
		begin_failed(s, "cannot write \"%s\": %s", s->path, sqlite3_errmsg(d->db));
		return -1;
	}
	if (sqlite3_prepare_v2(d->db, insert_flow_sql, -1, &d->insert_flow, NULL) != SQLITE_OK ||
	    sqlite3_bind_parameter_count(d->insert_flow) != DB_FLOW_COLUMNS ||
	    sqlite3_prepare_v2(d->db, insert_exporter_sql, -1, &d->insert_exporter, NULL) != SQLITE_OK) {
		begin_failed(s, "cannot use \"%s\": %s", s->path, sqlite3_errmsg(d->db));
		return -1;
	}
	/* Appending: this run's exporters are numbered after the last's. */
	if (sqlite3_prepare_v2(d->db, "SELECT coalesce(max(id), 0) FROM exporters", -1, &st, NULL) != SQLITE_OK)
		return -1;
	if (sqlite3_step(st) == SQLITE_ROW)
		d->id_base = (uint32_t)sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return 0;
}

static int sqlite_begin(struct sink *s)
{
	struct stat before;
	int existed = stat(s->path, &before) == 0;
	struct db *d = calloc(1, sizeof(*d));

	if (d == NULL)
		return -1;
	d->lock_fd = -1;
	s->state = d;
	const struct exporter_table *t = s->exporters;
	if (t && t->n) {
		d->base = malloc(t->n * sizeof(*d->base));
		if (d->base == NULL) {
			free(d);
			s->state = NULL;
			return -1;
		}
		memcpy(d->base, t->e, t->n * sizeof(*d->base));
		d->nbase = t->n;
	}
	if (open_db(s, d) == 0)
		return 0;
	begin_failed(s, "cannot use \"%s\": %s", s->path, d->db ? sqlite3_errmsg(d->db) : "out of memory");
	close_db(s, d, 0);
	/* What this run made and could not use goes. */
	if (!existed)
		unlink(s->path);
	return -1;
}

const struct sink_ops sink_sqlite = {
	.name = "sqlite",
	.flags = SINK_OWN_FILE,
	.begin = sqlite_begin,
	.flow = sqlite_flow,
	.flush = sqlite_flush,
	.end = sqlite_end,
};
