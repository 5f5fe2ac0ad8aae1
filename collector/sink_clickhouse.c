/*
 * sink_clickhouse.c - rows POSTed to ClickHouse's HTTP interface, in
 * batches, over one kept-alive connection (libcurl); nothing lost when
 * the server is slow, down, or refuses some rows.
 *
 * A batch goes when it holds --ch-batch rows, when its first row has
 * waited --ch-delay ms (looked at every 256 rows, and whenever the input
 * pauses), and at the end.  On 2 cores 50k-100k rows a POST reach
 * 0.9-1.3 M rows a second, 10k a third of that, 1k a tenth: the server's
 * cost a part, not ours (bench/README.md).
 *
 * A POST's answer is one of three:
 *  - 200: the rows are stored (confirmed);
 *  - no answer, or an error about the server (too many parts, no memory,
 *    no such table, a wrong password): the server cannot take rows now.
 *    The batch waits in a queue, --ch-memory bytes in memory and then
 *    in the --ch-spool file, and the queue's head is tried again on
 *    later rows and pauses, 0.2 s after the failure, then 0.4 s, ...
 *    up to 5 s apart: the receive loop never sleeps, and is held at most
 *    by one POST (a 1 s connect timeout, 30 s for the whole request).
 *    While the queue holds batches new ones join its tail, so rows reach
 *    the server oldest first.  Without a spool, a batch that does not
 *    fit in memory is dropped, counted and said;
 *  - an error about the rows (ch_code_is_data: a value the server cannot
 *    parse or that a check refuses; 18.16 then stores none of the
 *    batch): the batch is split in halves, recursively, until the bad
 *    rows stand alone; the good rows are stored, each bad row is
 *    counted as rejected and the first few said with their identity.
 * Sending overlaps reading: while the queue is empty, a full batch is
 * handed to one of --ch-parallel sender threads (default 2), each with
 * its own connection, and the collector goes on decoding into another
 * buffer.  On 2 cores the server then inserts two batches at once and
 * the decoding hides behind them (bench/README.md).  A sender only
 * POSTs: its answer is settled here, oldest batch first, when another
 * batch needs the sender, when the input pauses, and at the end; an
 * answer other than 200 goes the ways above from there, with later
 * batches behind it in the queue.  --ch-parallel 0 POSTs in this thread.
 * At the end the queue is tried --ch-retries more times, 0.2 s, 0.4 s,
 * ... apart; what is left goes to the spool (replayed by the next run)
 * or, without one, is dropped.  The exit status is 1 unless every row
 * was confirmed.
 */
#include <curl/curl.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "ch_spool.h"
#include "clickhouse.h"
#include "clock.h"

#define ANSWER_MAX 512		/* of the server's error text, kept for the message */
#define CONNECT_MS 1000L	/* loopback or LAN: a second is plenty */
#define REQUEST_MS 30000L	/* a 1M-row POST takes 1-2 s, 10 s in a merge storm */
#define BACKOFF_MIN_MS 200
#define BACKOFF_MAX_MS 5000
#define PUMP_MS 250		/* replaying at most this long before reading again */
#define SPLIT_POSTS 2048	/* POSTs spent telling one batch's bad rows apart */
#define SHOW_MAX 10		/* refused or dropped rows said one by one */

enum post_result { POST_NONE = -1, POST_OK, POST_DOWN, POST_REFUSED };
enum deliver_result { DELIVERED, DOWN_UNTOUCHED, DOWN_PART };

/* A batch waiting in memory. */
struct batch {
	struct batch *next;
	size_t len;
	uint32_t rows;
	int from_spool;		/* what is left of a spooled batch: counts as replayed */
	uint8_t data[];
};

/* One HTTP connection and what its last POST was answered. */
struct conn {
	CURL *curl;
	char answer[ANSWER_MAX];
	size_t answer_len;
	char error[ANSWER_MAX];	/* why the last POST was not OK */
};

/* A sender thread: POSTs the batch handed to it on its own connection. */
struct sender {
	struct ch_state *st;
	struct conn conn;
	pthread_t thread;
	pthread_cond_t wake;
	int started;
	int out;		/* handed a batch not settled yet (this thread's) */
	int posting;		/* under st->lock: its POST is not answered yet */
	enum post_result result;	/* under st->lock */
	uint64_t order;		/* handed out in this order, settled in it */
	uint8_t *buf;		/* the batch (a swapped fill buffer) */
	size_t len;
	uint32_t rows;
};

struct ch_state {
	struct conn conn;	/* this thread's: the queue, splits, parallel 0 */
	struct sender senders[CH_PARALLEL_MAX];
	unsigned nsenders;
	uint64_t handed;
	pthread_mutex_t lock;
	pthread_cond_t answered;
	int threads_ready;	/* lock and conditions made */
	int quit;
	struct curl_slist *headers;
	char *url;
	char name[160];		/* the URL without user, password and query */
	uint8_t *buf;		/* the batch being filled, RowBinary */
	size_t len, cap;
	unsigned rows;
	int64_t since_ms;	/* its first row, monotonic */
	/* The queue: memory (older) then the spool (newer). */
	struct batch *mem_head, *mem_tail;
	uint64_t mem_bytes, mem_rows;
	struct ch_spool spool;
	int has_spool;
	int64_t next_try_ms;	/* the queue's head is not tried before this */
	unsigned failures;	/* POSTs failed in a row */
	int ended;
	/* Counters (ch_report). */
	uint64_t sent, confirmed, spooled, replayed, rejected, dropped;
	uint64_t posts, failed_posts;
	unsigned shown_rejected, shown_dropped;
	char last_error[ANSWER_MAX];
};

static int curl_users;		/* curl_global_init once for all outputs */
static unsigned spool_users;	/* the n-th output with a spool: PATH.n */

static void sleep_ms(int64_t ms)
{
	struct timespec d = { (time_t)(ms / 1000), (long)(ms % 1000) * 1000000L };
	while (nanosleep(&d, &d) != 0 && errno == EINTR)
		;
}

/* The server's answer: empty on success, "Code: N, ..." on an error. */
static size_t on_answer(char *p, size_t size, size_t n, void *arg)
{
	struct conn *c = arg;
	size_t len = size * n, room = sizeof(c->answer) - 1 - c->answer_len;
	size_t take = len < room ? len : room;
	memcpy(c->answer + c->answer_len, p, take);
	c->answer_len += take;
	c->answer[c->answer_len] = '\0';
	return len;
}

/* The INSERT statement as the query parameter of the address given. */
static char *insert_url(CURL *curl, const char *base)
{
	char query[256], *url = NULL;
	snprintf(query, sizeof(query), "INSERT INTO %s.%s FORMAT RowBinary",
		 ch_options.database, ch_options.table);
	char *q = curl_easy_escape(curl, query, 0);
	if (q == NULL)
		return NULL;
	if (asprintf(&url, "%s%squery=%s", base, strchr(base, '?') ? "&" : "?", q) < 0)
		url = NULL;
	curl_free(q);
	return url;
}

/* The address for messages: no user:password@, no ?query (a password). */
static void public_name(char *out, size_t len, const char *url)
{
	const char *host = strstr(url, "://");
	host = host ? host + 3 : url;
	const char *at = strchr(host, '@'), *slash = strchr(host, '/');
	if (at && (slash == NULL || at < slash))
		host = at + 1;
	size_t n = strcspn(host, "?");
	snprintf(out, len, "%.*s%.*s", (int)(strstr(url, "://") ? strstr(url, "://") + 3 - url : 0),
		 url, (int)n, host);
}

static int queued(const struct ch_state *st)
{
	return st->mem_head != NULL || st->spool.frames > 0;
}

static void conn_setup(struct ch_state *st, struct conn *c);
static int start_senders(struct ch_state *st);
static void stop_senders(struct ch_state *st);

static void free_state(struct ch_state *st)
{
	struct batch *b, *next;
	stop_senders(st);
	for (b = st->mem_head; b; b = next) {
		next = b->next;
		free(b);
	}
	if (st->conn.curl)
		curl_easy_cleanup(st->conn.curl);
	curl_slist_free_all(st->headers);
	if (st->has_spool)
		ch_spool_close(&st->spool);
	free(st->url);
	free(st->buf);
	free(st);
}

static void pump(struct ch_state *st, int64_t budget_ms);

static int ch_begin(struct sink *s)
{
	struct ch_state *st = calloc(1, sizeof(*st));
	char err[512];
	if (st == NULL)
		return -1;
	public_name(st->name, sizeof(st->name), s->path);
	if (ch_options.spool) {
		char *path = NULL;
		int w = spool_users ? asprintf(&path, "%s.%u", ch_options.spool, spool_users)
				    : asprintf(&path, "%s", ch_options.spool);
		if (w < 0 || ch_spool_open(&st->spool, path, stderr, err, sizeof(err)) != 0) {
			fprintf(stderr, "flowcollect: -o clickhouse: %s\n", w < 0 ? "out of memory" : err);
			free(path);
			free(st);
			return -1;
		}
		free(path);
		st->has_spool = 1;
		spool_users++;
		if (st->spool.frames)
			fprintf(stderr, "flowcollect: clickhouse %s: %llu rows in %llu batches in the spool %s "
				"from an earlier run: sent first\n", st->name,
				(unsigned long long)st->spool.rows, (unsigned long long)st->spool.frames,
				st->spool.path);
	}
	if (curl_users++ == 0 && curl_global_init(CURL_GLOBAL_DEFAULT) != 0)
		goto fail;
	st->conn.curl = curl_easy_init();
	if (st->conn.curl == NULL)
		goto fail;
	st->url = insert_url(st->conn.curl, s->path);
	/* No "Expect: 100-continue" wait before a big body. */
	st->headers = curl_slist_append(NULL, "Content-Type: application/octet-stream");
	struct curl_slist *h = st->headers ? curl_slist_append(st->headers, "Expect:") : NULL;
	st->cap = (size_t)ch_options.batch * CH_ROW_MAX;
	st->buf = malloc(st->cap);
	if (st->url == NULL || h == NULL || st->buf == NULL)
		goto fail;
	st->headers = h;
	conn_setup(st, &st->conn);
	if (start_senders(st) != 0)
		goto fail;
	s->state = st;
	/* An earlier run's spool goes now if the server answers. */
	pump(st, PUMP_MS);
	return 0;
fail:
	fprintf(stderr, "flowcollect: -o clickhouse: cannot set up HTTP for \"%s\"\n", st->name);
	free_state(st);
	if (--curl_users == 0)
		curl_global_cleanup();
	return -1;
}

/* One POST on a connection: the server's verdict, with c->error set
 * when not OK.  Touches nothing but c (sender threads call it). */
static enum post_result post_on(struct conn *c, const uint8_t *buf, size_t len)
{
	char errbuf[CURL_ERROR_SIZE] = "";
	long code = 0;

	c->answer_len = 0;
	c->answer[0] = '\0';
	curl_easy_setopt(c->curl, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(c->curl, CURLOPT_POSTFIELDS, buf);
	curl_easy_setopt(c->curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
	CURLcode rc = curl_easy_perform(c->curl);
	curl_easy_setopt(c->curl, CURLOPT_ERRORBUFFER, NULL);
	if (rc != CURLE_OK) {
		snprintf(c->error, sizeof(c->error), "%s", errbuf[0] ? errbuf : curl_easy_strerror(rc));
		return POST_DOWN;
	}
	curl_easy_getinfo(c->curl, CURLINFO_RESPONSE_CODE, &code);
	if (code == 200)
		return POST_OK;
	/* The first line of the server's text says why: "Code: N, ...". */
	size_t n = strcspn(c->answer, "\r\n");
	snprintf(c->error, sizeof(c->error), "HTTP %ld: %.*s", code, (int)n, c->answer);
	long ch_code = strncmp(c->answer, "Code: ", 6) == 0 ? strtol(c->answer + 6, NULL, 10) : -1;
	return ch_code_is_data(ch_code) ? POST_REFUSED : POST_DOWN;
}

/* A POST's verdict counted, and its reason kept for the messages. */
static enum post_result counted(struct ch_state *st, const struct conn *c, enum post_result r)
{
	st->posts++;
	if (r != POST_OK) {
		st->failed_posts++;
		snprintf(st->last_error, sizeof(st->last_error), "%s", c->error);
	}
	return r;
}

/* One POST from this thread. */
static enum post_result post(struct ch_state *st, const uint8_t *buf, size_t len)
{
	return counted(st, &st->conn, post_on(&st->conn, buf, len));
}

static void reject_rows(struct ch_state *st, const uint8_t *p, size_t len, uint32_t rows,
			const char *why)
{
	st->rejected += rows;
	for (size_t off = 0; off < len && st->shown_rejected < SHOW_MAX;) {
		size_t n = ch_row_len(p + off, len - off);
		if (n == 0)
			break;
		struct ch_identity id;
		char addr[INET6_ADDRSTRLEN_];
		ch_row_identity(p + off, n, &id);
		static const uint8_t mapped[12] = { [10] = 0xff, [11] = 0xff };
		size_t n_addr = memcmp(id.exporter, mapped, 12) == 0
			? fmt_addr(addr, 4, id.exporter + 12) : fmt_addr(addr, 6, id.exporter);
		addr[n_addr < sizeof(addr) ? n_addr : sizeof(addr) - 1] = '\0';
		fprintf(stderr, "flowcollect: clickhouse %s: row refused: exporter %s domain %u "
			"sequence %u position %u: %s\n", st->name, addr, id.domain, id.sequence,
			id.position, why);
		if (++st->shown_rejected == SHOW_MAX)
			fprintf(stderr, "flowcollect: clickhouse %s: further refused rows are only counted\n",
				st->name);
		off += n;
	}
}

/* Walk up to k rows of a run of rows: the byte offset reached, and in
 * *walked the rows passed (fewer than k at the end, or at a damaged row). */
static size_t walk_rows(const uint8_t *p, size_t len, uint32_t k, uint32_t *walked)
{
	size_t off = 0;
	uint32_t n = 0;
	while (n < k && off < len) {
		size_t r = ch_row_len(p + off, len - off);
		if (r == 0)
			break;
		off += r;
		n++;
	}
	*walked = n;
	return off;
}

static struct batch *new_batch(const uint8_t *p, size_t len, uint32_t rows)
{
	struct batch *b = malloc(sizeof(*b) + len);
	if (b) {
		b->next = NULL;
		b->len = len;
		b->rows = rows;
		b->from_spool = 0;
		memcpy(b->data, p, len);
	}
	return b;
}

/*
 * Send one batch, splitting it while the server refuses its rows.  The
 * pieces still to try are kept on a stack, first half on top, so rows go
 * in order.  DOWN_PART: the server stopped answering in the middle; *rest
 * holds the pieces not yet settled, in order (NULL if out of memory:
 * then they are dropped, and said).
 */
static enum deliver_result deliver(struct ch_state *st, const uint8_t *buf, size_t len,
				   uint32_t rows, struct batch **rest, enum post_result first)
{
	struct range { size_t off, len; uint32_t rows; } stack[64];
	int top = 0;
	unsigned posts = 0;
	char why[ANSWER_MAX];

	*rest = NULL;
	stack[top++] = (struct range){ 0, len, rows };
	while (top > 0) {
		struct range r = stack[--top];
		if (posts++ == SPLIT_POSTS) {
			fprintf(stderr, "flowcollect: clickhouse %s: a batch with many refused rows: "
				"the rest of it is counted as refused without being told apart\n", st->name);
		}
		if (posts > SPLIT_POSTS) {
			reject_rows(st, buf + r.off, r.len, r.rows, "not told apart (too many refused rows)");
			continue;
		}
		/* A sender's answer, when there is one, is the first POST's. */
		enum post_result pr = posts == 1 && first != POST_NONE ? first
				      : post(st, buf + r.off, r.len);
		if (pr == POST_OK) {
			st->confirmed += r.rows;
			continue;
		}
		if (pr == POST_REFUSED) {
			if (r.rows == 1 || top + 2 > (int)(sizeof(stack) / sizeof(stack[0]))) {
				snprintf(why, sizeof(why), "%s", st->last_error);
				reject_rows(st, buf + r.off, r.len, r.rows, why);
				continue;
			}
			uint32_t half;
			size_t cut = walk_rows(buf + r.off, r.len, r.rows / 2, &half);
			stack[top++] = (struct range){ r.off + cut, r.len - cut, r.rows - half };
			stack[top++] = (struct range){ r.off, cut, half };
			continue;
		}
		/* Down: nothing settled is the usual case. */
		if (r.rows == rows && top == 0)
			return DOWN_UNTOUCHED;
		stack[top++] = r;
		struct batch **tail = rest;
		for (int i = top - 1; i >= 0; i--) {
			struct batch *b = new_batch(buf + stack[i].off, stack[i].len, stack[i].rows);
			if (b == NULL) {
				st->dropped += stack[i].rows;
				fprintf(stderr, "flowcollect: clickhouse %s: out of memory: %u rows dropped\n",
					st->name, stack[i].rows);
				continue;
			}
			*tail = b;
			tail = &b->next;
		}
		return DOWN_PART;
	}
	return DELIVERED;
}

static void backoff(struct ch_state *st)
{
	if (st->failures++ == 0)
		fprintf(stderr, "flowcollect: clickhouse %s: the server does not take rows (%s): "
			"batches wait (%llu bytes in memory%s%s) and are sent again\n", st->name,
			st->last_error, (unsigned long long)ch_options.memory,
			st->has_spool ? ", then the spool " : ", then dropped",
			st->has_spool ? st->spool.path : "");
	unsigned shift = st->failures - 1 < 5 ? st->failures - 1 : 5;
	int64_t delay = (int64_t)BACKOFF_MIN_MS << shift;
	st->next_try_ms = clock_mono_ms() + (delay < BACKOFF_MAX_MS ? delay : BACKOFF_MAX_MS);
}

static void recovered(struct ch_state *st)
{
	if (st->failures)
		fprintf(stderr, "flowcollect: clickhouse %s: the server takes rows again after %u failed tries\n",
			st->name, st->failures);
	st->failures = 0;
	st->next_try_ms = 0;
}

static void drop(struct ch_state *st, uint32_t rows, const char *why)
{
	st->dropped += rows;
	if (st->shown_dropped < SHOW_MAX)
		fprintf(stderr, "flowcollect: clickhouse %s: a batch of %u rows dropped: %s\n",
			st->name, rows, why);
	if (++st->shown_dropped == SHOW_MAX)
		fprintf(stderr, "flowcollect: clickhouse %s: further dropped batches are only counted\n",
			st->name);
}

/* A batch at the queue's tail: memory while it fits and nothing is in
 * the spool (the spool's batches are newer than memory's), else the
 * spool, else dropped. */
static void enqueue(struct ch_state *st, const uint8_t *p, size_t len, uint32_t rows, int to_spool)
{
	char why[256];

	if (!to_spool && st->spool.frames == 0 && st->mem_bytes + len <= ch_options.memory) {
		struct batch *b = new_batch(p, len, rows);
		if (b) {
			if (st->mem_tail)
				st->mem_tail->next = b;
			else
				st->mem_head = b;
			st->mem_tail = b;
			st->mem_bytes += len;
			st->mem_rows += rows;
			return;
		}
	}
	if (!st->has_spool) {
		snprintf(why, sizeof(why), "%llu bytes waiting in memory already, and no --ch-spool",
			 (unsigned long long)st->mem_bytes);
		drop(st, rows, why);
		return;
	}
	if (ch_spool_append(&st->spool, p, len, rows) != 0) {
		snprintf(why, sizeof(why), "cannot write the spool %s: %s", st->spool.path, strerror(errno));
		drop(st, rows, why);
		return;
	}
	st->spooled += rows;
}

/* Pieces of the queue's head batch, still to send, back at its head. */
static void push_front(struct ch_state *st, struct batch *rest, int from_spool)
{
	struct batch *last = NULL;
	for (struct batch *b = rest; b; b = b->next) {
		b->from_spool = from_spool;
		st->mem_bytes += b->len;
		st->mem_rows += b->rows;
		last = b;
	}
	if (last == NULL)
		return;
	last->next = st->mem_head;
	st->mem_head = rest;
	if (st->mem_tail == NULL)
		st->mem_tail = last;
}

static uint32_t rows_in(const struct batch *b)
{
	uint32_t n = 0;
	for (; b; b = b->next)
		n += b->rows;
	return n;
}

/* Do a spooled batch's bytes hold the rows its frame says, whole? */
static int rows_check(const uint8_t *p, size_t len, uint32_t rows)
{
	uint32_t n;
	return walk_rows(p, len, UINT32_MAX, &n) == len && n == rows && rows > 0;
}

/* Send the queue, oldest first, while the server takes it, for at most
 * budget_ms, and not before the time the last failure set. */
static void pump(struct ch_state *st, int64_t budget_ms)
{
	int64_t t0 = clock_mono_ms();

	while (queued(st)) {
		int64_t now = clock_mono_ms();
		if (now < st->next_try_ms || now - t0 >= budget_ms)
			return;
		struct batch *rest = NULL;
		enum deliver_result r;
		if (st->mem_head) {
			struct batch *b = st->mem_head;
			r = deliver(st, b->data, b->len, b->rows, &rest, POST_NONE);
			if (r == DOWN_UNTOUCHED) {
				backoff(st);
				return;
			}
			st->mem_head = b->next;
			if (st->mem_head == NULL)
				st->mem_tail = NULL;
			st->mem_bytes -= b->len;
			st->mem_rows -= b->rows;
			if (b->from_spool)
				st->replayed += b->rows - rows_in(rest);
			push_front(st, rest, b->from_spool);
			free(b);
		} else {
			uint8_t *buf;
			size_t len;
			uint32_t rows;
			int got = ch_spool_peek(&st->spool, &buf, &len, &rows);
			if (got <= 0) {
				if (got < 0)
					backoff(st);
				return;
			}
			if (!rows_check(buf, len, rows)) {
				fprintf(stderr, "flowcollect: clickhouse %s: spool %s: a batch that does not hold "
					"the %u rows it says (another version's?): skipped\n", st->name,
					st->spool.path, rows);
				st->dropped += rows;
				free(buf);
				ch_spool_pop(&st->spool);
				continue;
			}
			r = deliver(st, buf, len, rows, &rest, POST_NONE);
			free(buf);
			if (r == DOWN_UNTOUCHED) {
				backoff(st);
				return;
			}
			st->replayed += rows - rows_in(rest);
			ch_spool_pop(&st->spool);
			push_front(st, rest, 1);
		}
		if (r != DELIVERED) {
			backoff(st);
			return;
		}
		recovered(st);
	}
}

/* A new batch, not queued: delivered (its first POST's verdict given,
 * or made here), or queued with what is left of it. */
static void deliver_new(struct ch_state *st, const uint8_t *buf, size_t len, uint32_t rows,
			enum post_result first)
{
	struct batch *rest = NULL;
	enum deliver_result r = deliver(st, buf, len, rows, &rest, first);
	if (r == DELIVERED) {
		recovered(st);
		return;
	}
	backoff(st);
	if (r == DOWN_UNTOUCHED)
		enqueue(st, buf, len, rows, 0);
	for (struct batch *b = rest, *next; b; b = next) {
		next = b->next;
		enqueue(st, b->data, b->len, b->rows, 0);
		free(b);
	}
}

/* ---- sender threads ----------------------------------------------- */

static void conn_setup(struct ch_state *st, struct conn *c)
{
	curl_easy_setopt(c->curl, CURLOPT_URL, st->url);
	curl_easy_setopt(c->curl, CURLOPT_HTTPHEADER, st->headers);
	curl_easy_setopt(c->curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c->curl, CURLOPT_CONNECTTIMEOUT_MS, CONNECT_MS);
	curl_easy_setopt(c->curl, CURLOPT_TIMEOUT_MS, REQUEST_MS);
	curl_easy_setopt(c->curl, CURLOPT_WRITEFUNCTION, on_answer);
	curl_easy_setopt(c->curl, CURLOPT_WRITEDATA, c);
}

static void *sender_main(void *arg)
{
	struct sender *w = arg;
	struct ch_state *st = w->st;

	pthread_mutex_lock(&st->lock);
	for (;;) {
		while (!w->posting && !st->quit)
			pthread_cond_wait(&w->wake, &st->lock);
		if (st->quit)
			break;
		pthread_mutex_unlock(&st->lock);
		enum post_result r = post_on(&w->conn, w->buf, w->len);
		pthread_mutex_lock(&st->lock);
		w->result = r;
		w->posting = 0;
		pthread_cond_signal(&st->answered);
	}
	pthread_mutex_unlock(&st->lock);
	return NULL;
}

/* The --ch-parallel threads, each with a connection and a buffer; they
 * take no signals (the receive loop's handlers run in this thread). */
static int start_senders(struct ch_state *st)
{
	sigset_t all, old;

	pthread_mutex_init(&st->lock, NULL);
	pthread_cond_init(&st->answered, NULL);
	st->threads_ready = 1;
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	for (unsigned i = 0; i < ch_options.parallel; i++) {
		struct sender *w = &st->senders[i];
		w->st = st;
		w->conn.curl = curl_easy_init();
		w->buf = malloc(st->cap);
		if (w->conn.curl == NULL || w->buf == NULL)
			break;
		conn_setup(st, &w->conn);
		pthread_cond_init(&w->wake, NULL);
		if (pthread_create(&w->thread, NULL, sender_main, w) != 0) {
			pthread_cond_destroy(&w->wake);
			break;
		}
		w->started = 1;
		st->nsenders++;
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return st->nsenders == ch_options.parallel ? 0 : -1;
}

/* Settle a sender's answered batch (the oldest out): counted, and
 * anything but 200 goes the ways a failed POST of this thread goes. */
static void settle_one(struct ch_state *st, struct sender *w)
{
	pthread_mutex_lock(&st->lock);
	while (w->posting)
		pthread_cond_wait(&st->answered, &st->lock);
	enum post_result r = w->result;
	pthread_mutex_unlock(&st->lock);
	w->out = 0;
	if (counted(st, &w->conn, r) == POST_OK) {
		st->confirmed += w->rows;
		recovered(st);
	} else {
		deliver_new(st, w->buf, w->len, w->rows, r);
	}
}

/* The oldest sender out, or NULL when none is. */
static struct sender *oldest_out(struct ch_state *st)
{
	struct sender *old = NULL;
	for (unsigned i = 0; i < st->nsenders; i++) {
		struct sender *w = &st->senders[i];
		if (w->out && (old == NULL || w->order < old->order))
			old = w;
	}
	return old;
}

/* Settle the senders' batches, oldest first: all of them (waiting for
 * their answers), or only while the oldest has its answer. */
static void settle(struct ch_state *st, int wait)
{
	struct sender *w;
	while ((w = oldest_out(st)) != NULL) {
		if (!wait) {
			pthread_mutex_lock(&st->lock);
			int posting = w->posting;
			pthread_mutex_unlock(&st->lock);
			if (posting)
				return;
		}
		settle_one(st, w);
	}
}

/* The batch being filled to an idle sender (the oldest settled first
 * when none is); its buffer becomes the one filled.  0: handed. */
static int hand(struct ch_state *st)
{
	struct sender *w = NULL;

	if (st->nsenders == 0)
		return -1;
	settle(st, 0);
	for (unsigned i = 0; i < st->nsenders && w == NULL; i++)
		if (!st->senders[i].out)
			w = &st->senders[i];
	if (w == NULL) {
		w = oldest_out(st);
		settle_one(st, w);
	}
	/* A settled failure queued rows: this batch goes behind them. */
	if (queued(st) || clock_mono_ms() < st->next_try_ms)
		return -1;
	uint8_t *buf = w->buf;
	w->buf = st->buf;
	w->len = st->len;
	w->rows = st->rows;
	w->order = st->handed++;
	st->buf = buf;
	w->out = 1;
	pthread_mutex_lock(&st->lock);
	w->posting = 1;
	pthread_cond_signal(&w->wake);
	pthread_mutex_unlock(&st->lock);
	return 0;
}

static void stop_senders(struct ch_state *st)
{
	if (!st->threads_ready)
		return;
	pthread_mutex_lock(&st->lock);
	st->quit = 1;
	for (unsigned i = 0; i < st->nsenders; i++)
		pthread_cond_signal(&st->senders[i].wake);
	pthread_mutex_unlock(&st->lock);
	for (unsigned i = 0; i < CH_PARALLEL_MAX; i++) {
		struct sender *w = &st->senders[i];
		if (w->started) {
			pthread_join(w->thread, NULL);
			pthread_cond_destroy(&w->wake);
		}
		if (w->conn.curl)
			curl_easy_cleanup(w->conn.curl);
		free(w->buf);
		memset(w, 0, sizeof(*w));
	}
	st->nsenders = 0;
	pthread_cond_destroy(&st->answered);
	pthread_mutex_destroy(&st->lock);
	st->threads_ready = 0;
}

/* The batch being filled is complete: send it (a sender's, or here), or
 * queue it behind the batches waiting. */
static void send_batch(struct ch_state *st)
{
	if (st->rows == 0)
		return;
	st->sent += st->rows;
	if (!queued(st) && clock_mono_ms() >= st->next_try_ms && hand(st) == 0) {
		/* handed: the next batch fills the sender's old buffer */
	} else if (!queued(st) && clock_mono_ms() >= st->next_try_ms) {
		deliver_new(st, st->buf, st->len, st->rows, POST_NONE);
	} else {
		enqueue(st, st->buf, st->len, st->rows, 0);
		pump(st, PUMP_MS);
	}
	st->len = 0;
	st->rows = 0;
}

static void ch_flow(struct sink *s, const struct flow_context *ctx, const struct flow_record *r)
{
	struct ch_state *st = s->state;

	if (st->rows == 0)
		st->since_ms = clock_mono_ms();
	st->len += ch_row_encode(st->buf + st->len, ctx, r);
	st->rows++;
	if (st->rows >= ch_options.batch)
		send_batch(st);
	else if (st->rows % 256 == 0) {
		int64_t now = clock_mono_ms();
		if (now - st->since_ms >= ch_options.delay_ms)
			send_batch(st);
		else if (queued(st) && now >= st->next_try_ms)
			pump(st, PUMP_MS);
	}
}

/* The input paused: a batch that has waited long enough goes now, and
 * the queue is tried when its time has come. */
static void ch_flush(struct sink *s)
{
	struct ch_state *st = s->state;

	settle(st, 0);
	if (st->rows && clock_mono_ms() - st->since_ms >= ch_options.delay_ms)
		send_batch(st);
	if (queued(st))
		pump(st, PUMP_MS);
}

static void ch_end(struct sink *s, const struct flow_totals *t)
{
	struct ch_state *st = s->state;

	(void)t;
	send_batch(st);
	settle(st, 1);
	/* The queue's last chances: --ch-retries more tries, 0.2 s, 0.4 s,
	 * ... apart, whatever the backoff had reached. */
	for (unsigned try = 0; queued(st) && try <= ch_options.retries; try++) {
		if (try)
			sleep_ms(200L << (try - 1 < 5 ? try - 1 : 5));
		st->next_try_ms = 0;
		pump(st, INT64_MAX);
	}
	if (st->mem_head) {
		uint64_t rows = st->mem_rows;
		if (st->has_spool) {
			/* After the spool's batches: the table does not care
			 * about order, and rewriting the spool costs a copy. */
			struct batch *b, *next;
			for (b = st->mem_head; b; b = next) {
				next = b->next;
				enqueue(st, b->data, b->len, b->rows, 1);
				free(b);
			}
		} else {
			st->dropped += rows;
			fprintf(stderr, "flowcollect: clickhouse %s: %llu rows dropped at exit: the server "
				"does not take them (%s) and there is no --ch-spool\n", st->name,
				(unsigned long long)rows, st->last_error);
			struct batch *b, *next;
			for (b = st->mem_head; b; b = next) {
				next = b->next;
				free(b);
			}
		}
		st->mem_head = st->mem_tail = NULL;
		st->mem_bytes = st->mem_rows = 0;
	}
	if (st->spool.frames)
		fprintf(stderr, "flowcollect: clickhouse %s: %llu rows kept in the spool %s: "
			"the next run sends them (last error: %s)\n", st->name,
			(unsigned long long)st->spool.rows, st->spool.path, st->last_error);
	if (st->rejected || st->dropped || st->spool.frames)
		s->failed = 1;
	/* The counters stay for ch_report; the rest goes now. */
	stop_senders(st);
	curl_easy_cleanup(st->conn.curl);
	st->conn.curl = NULL;
	curl_slist_free_all(st->headers);
	st->headers = NULL;
	free(st->buf);
	st->buf = NULL;
	if (st->has_spool)
		ch_spool_close(&st->spool);
	st->has_spool = 0;
	st->ended = 1;
	if (--curl_users == 0)
		curl_global_cleanup();
}

/* One line of counters, after the per-exporter statistics. */
static void ch_report(const struct sink *s, FILE *out)
{
	const struct ch_state *st = s->state;
	if (st == NULL)
		return;
	fprintf(out, "clickhouse %s: %llu rows sent, %llu confirmed, %llu spooled, %llu replayed, "
		"%llu rejected, %llu dropped; %llu waiting in memory, %llu in the spool; "
		"%llu POSTs, %llu failed\n", st->name,
		(unsigned long long)st->sent, (unsigned long long)st->confirmed,
		(unsigned long long)st->spooled, (unsigned long long)st->replayed,
		(unsigned long long)st->rejected, (unsigned long long)st->dropped,
		(unsigned long long)(st->mem_rows + st->rows), (unsigned long long)st->spool.rows,
		(unsigned long long)st->posts, (unsigned long long)st->failed_posts);
}

static void ch_release(struct sink *s)
{
	if (s->state)
		free_state(s->state);
	s->state = NULL;
}

const struct sink_ops sink_clickhouse = {
	.name = "clickhouse",
	.flags = SINK_ADDRESS,
	.begin = ch_begin,
	.flow = ch_flow,
	.flush = ch_flush,
	.end = ch_end,
	.report = ch_report,
	.release = ch_release,
};
