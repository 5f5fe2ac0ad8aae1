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

void exporters_sequence(struct exporter_info *e, uint32_t seq, uint32_t next)
{
	if (e->have_seq && seq != e->next_seq) {
		/* Unsigned difference: right across the 2^32 wrap. */
		uint32_t gap = seq - e->next_seq;
		if (gap < 0x80000000u)
			e->missing += gap;
		else
			e->reordered++;
	}
	e->next_seq = next;
	e->have_seq = 1;
}

void exporters_print(FILE *out, const struct exporter_table *t)
{
	for (size_t i = 0; i < t->n; i++) {
		const struct exporter_info *e = &t->e[i];
		char addr[INET6_ADDRSTRLEN];
		inet_ntop(e->key.af == 6 ? AF_INET6 : AF_INET, e->key.addr, addr, sizeof(addr));
		uint64_t bad = 0;
		for (int s = 1; s < FP_STATUS_COUNT; s++)
			bad += e->errors[s];
		fprintf(out, "exporter %u %s v%u domain %u: %llu datagrams, %llu records, %llu missing, %llu reordered, %llu bad datagrams\n",
			e->id, addr, e->key.version, e->key.domain,
			(unsigned long long)e->datagrams, (unsigned long long)e->records,
			(unsigned long long)e->missing, (unsigned long long)e->reordered,
			(unsigned long long)bad);
	}
	if (t->unlisted)
		fprintf(out, "unlisted exporters: %llu datagrams\n", (unsigned long long)t->unlisted);
}
