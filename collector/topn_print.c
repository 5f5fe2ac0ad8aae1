/*
 * topn_print.c - the top-N tables printed the way nfdump 1.7.1 prints
 * its -s: the text table people read (`Top 10 Src IP Addr ordered by
 * flows:`), or, as with nfdump's -o csv, one CSV block per table under
 * the header ts,te,td,pr,val,fl,flP,pkt,pktP,byt,bytP,pps,bps,bpp.  And
 * the sink that feeds the tables every flow and prints them at the end.
 *
 * Every number is exact: the text table is nfdump's -N (no "1.2 M"), its
 * columns widened where a value does not fit.  Times are UTC, as in our
 * CSV; durations and rates are computed the way nfdump computes them, so
 * the CSV can be compared with nfdump's value for value.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include "collect.h"
#include "topn.h"

/* nfdump's names for the elements, in its headers. */
static const char *const header_info[TOPN_ELEMS] = {
	[TOPN_SRCIP] = "Src IP Addr", [TOPN_DSTIP] = "Dst IP Addr", [TOPN_IP] = "IP Addr",
	[TOPN_SRCPORT] = "Src Port", [TOPN_DSTPORT] = "Dst Port", [TOPN_PORT] = "Port",
	[TOPN_PROTO] = "Protocol",
};

/* One row's fields, computed once for either layout. */
struct row {
	const struct topn_entry *e;
	uint64_t flows, packets, bytes, pps, bps, bpp;
	double flows_pct, packets_pct, bytes_pct;
	int64_t span_ms;	/* nfdump's duration: 0 when a time is 0 */
};

static double percent(uint64_t part, uint64_t whole)
{
	return whole ? (double)part * 100.0 / (double)whole : 0;
}

static void row_of(struct row *w, const struct topn_entry *e, enum topn_order o,
		   const struct flow_totals *t)
{
	w->e = e;
	w->flows = e->flows;
	w->packets = topn_packets(e, o);
	w->bytes = topn_bytes(e, o);
	w->flows_pct = percent(w->flows, t->flows);
	w->packets_pct = percent(w->packets, t->packets);
	w->bytes_pct = percent(w->bytes, t->octets);
	w->span_ms = e->first_ms && e->last_ms ? e->last_ms - e->first_ms : 0;
	double secs = (double)w->span_ms / 1000.0;
	w->pps = w->span_ms > 0 ? fmt_rate((double)w->packets / secs) : 0;
	w->bps = w->span_ms > 0 ? fmt_rate((double)w->bytes * 8 / secs) : 0;
	w->bpp = w->packets ? w->bytes / w->packets : 0;
}

/* The element's value as text: an address, a port, a protocol number. */
static size_t value_text(char buf[INET6_ADDRSTRLEN_], const struct topn_key *k)
{
	if (k->af)
		return fmt_addr(buf, k->af, k->v);
	return (size_t)snprintf(buf, INET6_ADDRSTRLEN_, "%u", (unsigned)(k->v[0] << 8 | k->v[1]));
}

/* nfdump's "pr": the protocol for a proto table, else "any". */
static size_t proto_text(char buf[FMT_PROTO_LEN], const struct topn_table *t,
			 const struct topn_key *k)
{
	if (t->elem != TOPN_PROTO) {
		memcpy(buf, "any", 3);
		return 3;
	}
	return fmt_proto(buf, k->v[1]);
}

/* ---- CSV ------------------------------------------------------------- */

static void csv_block(FILE *out, const struct topn_table *t, enum topn_order o,
		      const struct topn_entry **ranked, size_t n, const struct flow_totals *tot)
{
	char ts[FMT_TIME_LEN], te[FMT_TIME_LEN], td[FMT_SECS_LEN];
	char pr[FMT_PROTO_LEN], val[INET6_ADDRSTRLEN_];

	/* nfdump names the flows order's counters for their direction: it
	 * shows the flows' own packets and bytes only (of a biflow, not the
	 * reverse ones). */
	if (o == ORDER_FLOWS)
		fputs("ts,te,td,pr,val,fl,flP,ipkt,ipktP,ibyt,ibytP,ipps,ibps,ibpp\n", out);
	else
		fputs("ts,te,td,pr,val,fl,flP,pkt,pktP,byt,bytP,pps,bps,bpp\n", out);
	for (size_t i = 0; i < n; i++) {
		struct row w;
		row_of(&w, ranked[i], o, tot);
		ts[fmt_time(ts, w.e->first_ms * 1000)] = '\0';
		te[fmt_time(te, w.e->last_ms * 1000)] = '\0';
		td[fmt_secs3(td, w.span_ms)] = '\0';
		pr[proto_text(pr, t, &w.e->key)] = '\0';
		val[value_text(val, &w.e->key)] = '\0';
		fprintf(out, "%s,%s,%s,%s,%s,%" PRIu64 ",%.1f,%" PRIu64 ",%.1f,%" PRIu64 ",%.1f,%"
			PRIu64 ",%" PRIu64 ",%" PRIu64 "\n",
			ts, te, td, pr, val, w.flows, w.flows_pct, w.packets, w.packets_pct,
			w.bytes, w.bytes_pct, w.pps, w.bps, w.bpp);
	}
	fputc('\n', out);
}

/* ---- text ------------------------------------------------------------ */

/* nfdump's duration: hh:mm:ss.mmm, days before it as "Nd ". */
static void duration_text(char *buf, size_t len, int64_t ms)
{
	const char *sign = ms < 0 ? "-" : "";
	uint64_t a = ms < 0 ? (uint64_t)0 - (uint64_t)ms : (uint64_t)ms;
	uint64_t days = a / 86400000;
	unsigned h = (unsigned)(a / 3600000 % 24), m = (unsigned)(a / 60000 % 60);
	unsigned s = (unsigned)(a / 1000 % 60), f = (unsigned)(a % 1000);

	if (days)
		snprintf(buf, len, "%s%" PRIu64 "d %02u:%02u:%02u.%03u", sign, days, h, m, s, f);
	else
		snprintf(buf, len, "%s%02u:%02u:%02u.%03u", sign, h, m, s, f);
}

/* The cells of one text row, and the widths of a table's columns: nfdump's,
 * or wider where a value needs it. */
enum { C_DUR, C_PROTO, C_VAL, C_FL, C_FLP, C_PK, C_PKP, C_BY, C_BYP, C_PPS, C_BPS, C_BPP, C_N };
static const int min_width[C_N] = { 16, 5, 17, 8, 4, 8, 4, 8, 4, 8, 8, 5 };

struct cells {
	char date[FMT_TIME_LEN + FMT_MILLI_LEN];
	char c[C_N][48];
};

static void cells_of(struct cells *x, const struct row *w, const struct topn_table *t)
{
	size_t n = fmt_time(x->date, w->e->first_ms * 1000);
	x->date[n++] = '.';
	x->date[n + fmt_milli(x->date + n, w->e->first_ms)] = '\0';
	duration_text(x->c[C_DUR], sizeof(x->c[C_DUR]), w->e->last_ms - w->e->first_ms);
	x->c[C_PROTO][proto_text(x->c[C_PROTO], t, &w->e->key)] = '\0';
	x->c[C_VAL][value_text(x->c[C_VAL], &w->e->key)] = '\0';
	snprintf(x->c[C_FL], sizeof(x->c[0]), "%" PRIu64, w->flows);
	snprintf(x->c[C_FLP], sizeof(x->c[0]), "%4.1f", w->flows_pct);
	snprintf(x->c[C_PK], sizeof(x->c[0]), "%" PRIu64, w->packets);
	snprintf(x->c[C_PKP], sizeof(x->c[0]), "%4.1f", w->packets_pct);
	snprintf(x->c[C_BY], sizeof(x->c[0]), "%" PRIu64, w->bytes);
	snprintf(x->c[C_BYP], sizeof(x->c[0]), "%4.1f", w->bytes_pct);
	snprintf(x->c[C_PPS], sizeof(x->c[0]), "%" PRIu64, w->pps);
	snprintf(x->c[C_BPS], sizeof(x->c[0]), "%" PRIu64, w->bps);
	snprintf(x->c[C_BPP], sizeof(x->c[0]), "%" PRIu64, w->bpp);
}

/* Append label so that it ends at column end (at least one space after
 * what is there). */
static int put_at(FILE *out, int at, const char *label, int end)
{
	int start = end - (int)strlen(label);
	if (start <= at && at > 0)
		start = at + 1;
	fprintf(out, "%*s%s", start - at, "", label);
	return start + (int)strlen(label);
}

static void text_header(FILE *out, const struct topn_table *t, const int *w)
{
	int dur_end = 23 + 1 + w[C_DUR];
	int proto = dur_end + 1;
	int val_end = proto + w[C_PROTO] + 1 + w[C_VAL];
	int fl_end = val_end + 1 + w[C_FL] + w[C_FLP] + 2;
	int pk_end = fl_end + 1 + w[C_PK] + w[C_PKP] + 2;
	int by_end = pk_end + 1 + w[C_BY] + w[C_BYP] + 2;
	int pps_end = by_end + 1 + w[C_PPS];
	int bps_end = pps_end + 1 + w[C_BPS];
	int at = 0;

	/* The percentage columns' labels end three before them, as nfdump's. */
	at = put_at(out, at, "Date first seen", 15);
	at = put_at(out, at, "Duration", dur_end);
	at = put_at(out, at, "Proto", proto + 5);
	at = put_at(out, at, header_info[t->elem], val_end);
	at = put_at(out, at, "Flows(%)", fl_end - 3);
	at = put_at(out, at, "Packets(%)", pk_end - 3);
	at = put_at(out, at, "Bytes(%)", by_end - 3);
	at = put_at(out, at, "pps", pps_end);
	at = put_at(out, at, "bps", bps_end);
	put_at(out, at, "bpp", bps_end + 1 + w[C_BPP]);
	fputc('\n', out);
}

static void text_block(FILE *out, const struct topn_table *t, enum topn_order o,
		       const struct topn_entry **ranked, size_t n, size_t topn,
		       const struct flow_totals *tot)
{
	struct cells *x = n ? malloc(n * sizeof(*x)) : NULL;
	int w[C_N];

	if (n && x == NULL) {
		fprintf(out, "flowcollect: out of memory printing -s %s\n", topn_elem_name(t->elem));
		return;
	}
	memcpy(w, min_width, sizeof(w));
	for (size_t i = 0; i < n; i++) {
		struct row r;
		row_of(&r, ranked[i], o, tot);
		cells_of(&x[i], &r, t);
		for (int c = 0; c < C_N; c++)
			if ((int)strlen(x[i].c[c]) > w[c])
				w[c] = (int)strlen(x[i].c[c]);
	}
	if (topn)
		fprintf(out, "Top %zu %s ordered by %s:\n", topn, header_info[t->elem],
			topn_order_name(o));
	else
		fprintf(out, "Top %s ordered by %s:\n", header_info[t->elem], topn_order_name(o));
	text_header(out, t, w);
	for (size_t i = 0; i < n; i++) {
		const char (*c)[48] = x[i].c;
		fprintf(out, "%s %*s %-*s %*s %*s(%*s) %*s(%*s) %*s(%*s) %*s %*s %*s\n",
			x[i].date, w[C_DUR], c[C_DUR], w[C_PROTO], c[C_PROTO], w[C_VAL], c[C_VAL],
			w[C_FL], c[C_FL], w[C_FLP], c[C_FLP], w[C_PK], c[C_PK], w[C_PKP], c[C_PKP],
			w[C_BY], c[C_BY], w[C_BYP], c[C_BYP], w[C_PPS], c[C_PPS],
			w[C_BPS], c[C_BPS], w[C_BPP], c[C_BPP]);
	}
	fputc('\n', out);
	free(x);
}

/* ---- both ------------------------------------------------------------ */

/* nfdump's closing summary: rates over the span from the earliest start
 * to the latest end, in whole milliseconds, truncated. */
static void summary(FILE *out, const struct flow_totals *t, int csv)
{
	if (csv) {
		fmt_csv_summary(out, t);
		return;
	}
	struct summary_rates r = summary_rates(t);
	fprintf(out, "Summary: total flows: %" PRIu64 ", total bytes: %" PRIu64 ", total packets: %"
		PRIu64 ", avg bps: %" PRIu64 ", avg pps: %" PRIu64 ", avg bpp: %" PRIu64 "\n",
		t->flows, t->octets, t->packets, r.bps, r.pps, r.bpp);
	if (t->flows) {
		char a[FMT_TIME_LEN], b[FMT_TIME_LEN];
		a[fmt_time(a, t->first_us)] = '\0';
		b[fmt_time(b, t->last_us)] = '\0';
		fprintf(out, "Time window: %s - %s\n", a, b);
	}
}

void topn_print(FILE *out, const struct topn *s, const struct flow_totals *t)
{
	for (size_t i = 0; i < s->ntables; i++) {
		const struct topn_table *tab = &s->table[i];
		for (int o = 0; o < TOPN_ORDERS; o++) {
			if (!(tab->orders & 1u << o))
				continue;
			const struct topn_entry **ranked = topn_rank(tab, (enum topn_order)o);
			size_t n = ranked ? tab->count : 0;
			if (s->topn && n > s->topn)
				n = s->topn;
			if (s->csv)
				csv_block(out, tab, (enum topn_order)o, ranked, n, t);
			else
				text_block(out, tab, (enum topn_order)o, ranked, n, s->topn, t);
			free(ranked);
		}
		/* Said beside the tables, on standard error: the CSV stays CSV. */
		if (tab->untracked)
			fprintf(stderr, "flowcollect: -s %s kept its first %zu values; %" PRIu64
				" flows of others are not in its table\n",
				topn_elem_name(tab->elem), s->max_keys, tab->untracked);
	}
	summary(out, t, s->csv);
}

/* ---- the sink -------------------------------------------------------- */

static void topn_sink_flow(struct sink *s, const struct flow_context *ctx,
			    const struct flow_record *r)
{
	(void)ctx;
	topn_flow(s->state, r);
}

static void topn_sink_end(struct sink *s, const struct flow_totals *t)
{
	topn_print(s->out, s->state, t);
	topn_free(s->state);
	s->state = NULL;
}

/* Not in sink_find's table: -s and --stats start it, not -o. */
static const struct sink_ops sink_topn = {
	.name = "topn",
	.flow = topn_sink_flow,
	.end = topn_sink_end,
};

int topn_attach(struct collector *c, struct topn *s, FILE *out)
{
	if (collector_add_sink(c, &sink_topn, out, NULL) != 0)
		return -1;
	c->sink[c->nsinks - 1].state = s;
	return 0;
}
