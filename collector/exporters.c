/* exporters.c - per-exporter counters and sequence-gap accounting. */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include "exporters.h"

void exporters_init(struct exporter_table *t)
{
	memset(t, 0, sizeof(*t));
}

void exporters_free(struct exporter_table *t)
{
	free(t->e);
	memset(t, 0, sizeof(*t));
}

struct exporter_info *exporters_get(struct exporter_table *t, const struct exporter_key *k)
{
	/* Few exporters per collector in practice: a linear scan is cheapest. */
	for (size_t i = 0; i < t->n; i++)
		if (memcmp(&t->e[i].key, k, sizeof(*k)) == 0)
			return &t->e[i];
	if (t->n >= MAX_EXPORTERS)
		return NULL;
	if (t->n == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 4;
		struct exporter_info *e = realloc(t->e, cap * sizeof(*e));
		if (e == NULL)
			return NULL;
		t->e = e;
		t->cap = cap;
	}
	struct exporter_info *e = &t->e[t->n++];
	memset(e, 0, sizeof(*e));
	e->key = *k;
	e->id = (uint32_t)t->n;
	return e;
}

/* Account seq where want was expected, for a datagram of units sequence
 * numbers; 1 when the sequence moves on from it, 0 when it came late or
 * twice and the expected number stays (see exporters.h). */
static int account_gap(struct exporter_info *e, uint32_t seq, uint32_t want, uint32_t units)
{
	uint32_t ahead = seq - want;	/* unsigned: right across the 2^32 wrap */
	if (ahead < 0x80000000u) {
		e->missing += ahead;
		return 1;
	}
	if (seq == e->last_seq) {	/* the same datagram again */
		e->reordered++;
		return 0;
	}
	if (want - seq <= SEQ_LATE_WINDOW && e->missing > 0) {
		e->reordered++;
		e->missing -= units < e->missing ? units : e->missing;
		return 0;
	}
	e->resets++;
	return 1;
}

void exporters_sequence_ipfix(struct exporter_info *e, uint32_t seq, uint32_t records,
			      uint32_t flows)
{
	if (e->have_seq) {
		uint32_t rfc = e->next_seq, self = e->last_seq + flows;
		uint32_t want = e->seq_counts_self ? self : rfc;
		if (seq != want) {
			if (seq == (e->seq_counts_self ? rfc : self))
				e->seq_counts_self = !e->seq_counts_self;
			else if (!account_gap(e, seq, want, records))
				return;
		}
	}
	e->last_seq = seq;
	e->next_seq = seq + records;
	e->have_seq = 1;
}

void exporters_sequence(struct exporter_info *e, uint32_t seq, uint32_t next)
{
	if (e->have_seq && seq != e->next_seq && !account_gap(e, seq, e->next_seq, next - seq))
		return;
	e->last_seq = seq;
	e->next_seq = next;
	e->have_seq = 1;
}

uint64_t exporters_missing_records(const struct exporter_info *e)
{
	if (e->key.version != 9 || e->missing == 0)
		return e->missing;
	uint64_t seen = e->datagrams ? e->datagrams : 1;
	return (e->missing * e->records + seen / 2) / seen;
}

/* "  loss: ..." - the records missing and their share of those the
 * sequence numbers say were sent; late, repeated and undecodable
 * datagrams, and restarts. */
static void print_loss(FILE *out, const struct exporter_info *e, uint64_t bad)
{
	fputs("  loss: ", out);
	if (e->key.version == 1) {
		fputs("not known, v1 carries no sequence number", out);
	} else if (e->datagrams == 0 && e->records) {
		fputs("not known, the records came from a flow file", out);
	} else {
		uint64_t lost = exporters_missing_records(e), sent = e->records + lost;
		fprintf(out, "%llu of %llu records missing by sequence number (%.2f%%)",
			(unsigned long long)lost, (unsigned long long)sent,
			sent ? (double)lost * 100.0 / (double)sent : 0.0);
		if (e->key.version == 9 && e->missing)
			fprintf(out, ", estimated from %llu datagrams missing",
				(unsigned long long)e->missing);
	}
	if (e->reordered)
		fprintf(out, "; late or repeated datagrams: %llu", (unsigned long long)e->reordered);
	if (e->resets)
		fprintf(out, "; sequence restarts: %llu", (unsigned long long)e->resets);
	if (bad)
		fprintf(out, "; undecodable datagrams: %llu", (unsigned long long)bad);
	fputc('\n', out);
}

void exporters_print(FILE *out, const struct exporter_table *t)
{
	for (size_t i = 0; i < t->n; i++) {
		const struct exporter_info *e = &t->e[i];
		char addr[INET6_ADDRSTRLEN + 12];
		inet_ntop(e->key.af == 6 ? AF_INET6 : AF_INET, e->key.addr, addr, sizeof(addr));
		if (e->key.port)	/* a TCP connection: its port too */
			snprintf(addr + strlen(addr), sizeof(addr) - strlen(addr), " tcp/%u", e->key.port);
		uint64_t bad = 0;
		for (int s = 1; s < FP_STATUS_COUNT; s++)
			if (s != FP_UNKNOWN_TEMPLATE)
				bad += e->errors[s];
		fprintf(out, "exporter %u %s v%u domain %u: %llu datagrams, %llu records, %llu missing, %llu reordered, %llu bad datagrams\n",
			e->id, addr, e->key.version, e->key.domain,
			(unsigned long long)e->datagrams, (unsigned long long)e->records,
			(unsigned long long)exporters_missing_records(e),
			(unsigned long long)e->reordered, (unsigned long long)bad);
		print_loss(out, e, bad);
		if (e->key.version == 5 && e->sampling > 1)
			fprintf(out, "  sampling 1 in %u (v5 header) applied to counters\n", e->sampling);
		if (e->key.version >= 9) {
			fprintf(out, "  templates: %llu data, %llu options, %llu withdrawn; %llu options records; %llu sets held for their template",
				(unsigned long long)e->templates, (unsigned long long)e->options_templates,
				(unsigned long long)e->withdrawals, (unsigned long long)e->options_records,
				(unsigned long long)e->held);
			if (e->seq_counts_self)
				fprintf(out, "; sequence counts each message's own flows (as softflowd)");
			if (e->sampling > 1)
				fprintf(out, "; sampling 1 in %u applied to counters", e->sampling);
			fputc('\n', out);
		}
		if (bad || e->errors[FP_UNKNOWN_TEMPLATE])
			fprintf(out, "  errors: %llu truncated, %llu malformed, %llu unsupported, %llu sets for unknown templates, %llu out of memory\n",
				(unsigned long long)e->errors[FP_TRUNCATED],
				(unsigned long long)e->errors[FP_MALFORMED],
				(unsigned long long)e->errors[FP_UNSUPPORTED],
				(unsigned long long)e->errors[FP_UNKNOWN_TEMPLATE],
				(unsigned long long)e->errors[FP_NO_MEMORY]);
	}
	if (t->unlisted)
		fprintf(out, "unlisted exporters: %llu datagrams\n", (unsigned long long)t->unlisted);
}
