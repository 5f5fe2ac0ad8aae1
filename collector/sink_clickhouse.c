/*
 * sink_clickhouse.c - rows POSTed to ClickHouse's HTTP interface, in
 * batches, over one kept-alive connection (libcurl).
 *
 * A batch goes when it holds --ch-batch rows, when its first row has
 * waited --ch-delay ms (looked at every 256 rows, and whenever the input
 * pauses), and at the end.  10k-100k rows a POST reach about a million
 * rows a second on 2 cores; 1k rows a POST a quarter of that (the server
 * writes a part per POST).  A POST that fails (no connection, an HTTP
 * error) is tried again with the same bytes, after 0.2 s, 0.4 s, ...; when
 * every try failed its rows are counted as lost, said on standard error,
 * and the exit status is 1.
 */
#include <curl/curl.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "clickhouse.h"

#define ANSWER_MAX 512		/* of the server's error text, kept for the message */

struct ch_state {
	CURL *curl;
	struct curl_slist *headers;
	char *url;
	uint8_t *buf;		/* the batch, RowBinary */
	size_t len, cap;
	unsigned rows;		/* in the batch */
	int64_t since_ms;	/* the batch's first row, monotonic */
	uint64_t sent, lost, posts, lost_posts;
	char answer[ANSWER_MAX];
	size_t answer_len;
	char last_error[ANSWER_MAX];
};

static int curl_users;		/* curl_global_init once for all outputs */

static int64_t mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The server's answer: empty on success, "Code: N, ..." on an error. */
static size_t on_answer(char *p, size_t size, size_t n, void *arg)
{
	struct ch_state *st = arg;
	size_t len = size * n, room = sizeof(st->answer) - 1 - st->answer_len;
	size_t take = len < room ? len : room;
	memcpy(st->answer + st->answer_len, p, take);
	st->answer_len += take;
	st->answer[st->answer_len] = '\0';
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

static int ch_begin(struct sink *s)
{
	struct ch_state *st = calloc(1, sizeof(*st));
	if (st == NULL)
		return -1;
	if (curl_users++ == 0 && curl_global_init(CURL_GLOBAL_DEFAULT) != 0)
		goto fail;
	st->curl = curl_easy_init();
	if (st->curl == NULL)
		goto fail;
	st->url = insert_url(st->curl, s->path);
	/* No "Expect: 100-continue" wait before a big body. */
	st->headers = curl_slist_append(NULL, "Content-Type: application/octet-stream");
	struct curl_slist *h = st->headers ? curl_slist_append(st->headers, "Expect:") : NULL;
	st->cap = (size_t)ch_options.batch * CH_ROW_MAX;
	st->buf = malloc(st->cap);
	if (st->url == NULL || h == NULL || st->buf == NULL)
		goto fail;
	st->headers = h;
	curl_easy_setopt(st->curl, CURLOPT_URL, st->url);
	curl_easy_setopt(st->curl, CURLOPT_HTTPHEADER, st->headers);
	curl_easy_setopt(st->curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(st->curl, CURLOPT_CONNECTTIMEOUT_MS, 3000L);
	curl_easy_setopt(st->curl, CURLOPT_TIMEOUT, 300L);
	curl_easy_setopt(st->curl, CURLOPT_WRITEFUNCTION, on_answer);
	curl_easy_setopt(st->curl, CURLOPT_WRITEDATA, st);
	s->state = st;
	return 0;
fail:
	fprintf(stderr, "flowcollect: -o clickhouse: cannot set up HTTP for \"%s\"\n", s->path);
	if (st->curl)
		curl_easy_cleanup(st->curl);
	curl_slist_free_all(st->headers);
	free(st->url);
	free(st->buf);
	free(st);
	if (--curl_users == 0)
		curl_global_cleanup();
	return -1;
}

/* One POST of the batch: 0, or -1 with st->last_error said. */
static int post(struct ch_state *st)
{
	char errbuf[CURL_ERROR_SIZE] = "";
	long code = 0;

	st->answer_len = 0;
	st->answer[0] = '\0';
	curl_easy_setopt(st->curl, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(st->curl, CURLOPT_POSTFIELDS, st->buf);
	curl_easy_setopt(st->curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)st->len);
	CURLcode rc = curl_easy_perform(st->curl);
	curl_easy_setopt(st->curl, CURLOPT_ERRORBUFFER, NULL);
	if (rc != CURLE_OK) {
		snprintf(st->last_error, sizeof(st->last_error), "%s",
			 errbuf[0] ? errbuf : curl_easy_strerror(rc));
		return -1;
	}
	curl_easy_getinfo(st->curl, CURLINFO_RESPONSE_CODE, &code);
	if (code != 200) {
		/* The first line of the server's text says why. */
		size_t n = strcspn(st->answer, "\r\n");
		snprintf(st->last_error, sizeof(st->last_error), "HTTP %ld: %.*s", code,
			 (int)n, st->answer);
		return -1;
	}
	return 0;
}

/* Send the batch, trying again after 0.2 s, 0.4 s, ... --ch-retries times.
 * TODO (issue 7, next part): a spool file instead of losing the rows. */
static void send_batch(struct sink *s)
{
	struct ch_state *st = s->state;
	int ok = -1;

	if (st->rows == 0)
		return;
	for (unsigned try = 0; try <= ch_options.retries; try++) {
		if (try) {
			struct timespec d = { 0, 0 };
			long ms = 200L << (try - 1 < 5 ? try - 1 : 5);
			d.tv_sec = ms / 1000;
			d.tv_nsec = (ms % 1000) * 1000000L;
			nanosleep(&d, NULL);
		}
		if ((ok = post(st)) == 0)
			break;
	}
	st->posts++;
	if (ok == 0) {
		st->sent += st->rows;
	} else {
		st->lost += st->rows;
		st->lost_posts++;
		fprintf(stderr, "flowcollect: clickhouse: a batch of %u rows is lost after %u tries: %s\n",
			st->rows, ch_options.retries + 1, st->last_error);
	}
	st->len = 0;
	st->rows = 0;
}

static void ch_flow(struct sink *s, const struct flow_context *ctx, const struct flow_record *r)
{
	struct ch_state *st = s->state;

	if (st->rows == 0)
		st->since_ms = mono_ms();
	st->len += ch_row_encode(st->buf + st->len, ctx, r);
	st->rows++;
	if (st->rows >= ch_options.batch ||
	    (st->rows % 256 == 0 && mono_ms() - st->since_ms >= ch_options.delay_ms))
		send_batch(s);
}

/* The input paused: a batch that has waited long enough goes now. */
static void ch_flush(struct sink *s)
{
	struct ch_state *st = s->state;

	if (st->rows && mono_ms() - st->since_ms >= ch_options.delay_ms)
		send_batch(s);
}

static void ch_end(struct sink *s, const struct flow_totals *t)
{
	struct ch_state *st = s->state;

	(void)t;
	send_batch(s);
	fprintf(stderr, "flowcollect: clickhouse: %llu rows sent in %llu batches",
		(unsigned long long)st->sent, (unsigned long long)(st->posts - st->lost_posts));
	if (st->lost) {
		fprintf(stderr, "; %llu rows LOST in %llu batches (last error: %s)",
			(unsigned long long)st->lost, (unsigned long long)st->lost_posts, st->last_error);
		s->failed = 1;
	}
	fputc('\n', stderr);
	curl_easy_cleanup(st->curl);
	curl_slist_free_all(st->headers);
	free(st->url);
	free(st->buf);
	free(st);
	s->state = NULL;
	if (--curl_users == 0)
		curl_global_cleanup();
}

const struct sink_ops sink_clickhouse = {
	.name = "clickhouse",
	.flags = SINK_ADDRESS,
	.begin = ch_begin,
	.flow = ch_flow,
	.flush = ch_flush,
	.end = ch_end,
};
