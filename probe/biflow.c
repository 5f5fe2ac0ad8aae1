/*
 * biflow.c - parked records in a dense array, found through an
 * open-addressing index (linear probing, deletion by backward shift, so
 * no tombstones pile up as flows come and go).
 */
#include <stdlib.h>
#include <string.h>
#include "biflow.h"

#define EMPTY UINT32_MAX

struct parked {
	struct biflow_id id;
	struct flow_record rec;
};

struct biflow {
	uint32_t *index;	/* slots hold positions in parked[], or EMPTY */
	size_t mask;		/* index size - 1 */
	struct parked *parked;	/* dense: [0, count) */
	size_t count, cap;
};

static size_t slot_of(const struct biflow *b, struct biflow_id id)
{
	uint64_t h = (uint64_t)(uintptr_t)id.flow ^ (uint64_t)id.seq << 32;
	h ^= h >> 31;
	h *= 0x9e3779b97f4a7c15ULL;
	return (size_t)(h >> 20) & b->mask;
}

static int same(struct biflow_id a, struct biflow_id b)
{
	return a.flow == b.flow && a.seq == b.seq;
}

static int resize(struct biflow *b, size_t slots)
{
	uint32_t *idx = malloc(slots * sizeof(*idx));
	if (idx == NULL)
		return -1;
	memset(idx, 0xff, slots * sizeof(*idx));
	free(b->index);
	b->index = idx;
	b->mask = slots - 1;
	for (size_t i = 0; i < b->count; i++) {
		size_t s = slot_of(b, b->parked[i].id);
		while (b->index[s] != EMPTY)
			s = (s + 1) & b->mask;
		b->index[s] = (uint32_t)i;
	}
	return 0;
}

struct biflow *biflow_create(void)
{
	struct biflow *b = calloc(1, sizeof(*b));
	if (b == NULL || resize(b, 64) != 0) {
		free(b);
		return NULL;
	}
	return b;
}

void biflow_destroy(struct biflow *b)
{
	if (b == NULL)
		return;
	free(b->index);
	free(b->parked);
	free(b);
}

size_t biflow_count(const struct biflow *b)
{
	return b->count;
}

/* Whether a record waits for id. */
static int waiting(const struct biflow *b, struct biflow_id id)
{
	for (size_t s = slot_of(b, id); b->index[s] != EMPTY; s = (s + 1) & b->mask)
		if (same(b->parked[b->index[s]].id, id))
			return 1;
	return 0;
}

int biflow_park(struct biflow *b, struct biflow_id id, const struct flow_record *rec)
{
	if (waiting(b, id))
		return -1;
	if (b->count == b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 64;
		struct parked *p = realloc(b->parked, cap * sizeof(*p));
		if (p == NULL || cap >= EMPTY)
			return -1;
		b->parked = p;
		b->cap = cap;
	}
	/* At most half full: probes stay short. */
	if ((b->count + 1) * 2 > b->mask + 1 && resize(b, (b->mask + 1) * 2) != 0)
		return -1;
	size_t s = slot_of(b, id);
	while (b->index[s] != EMPTY)
		s = (s + 1) & b->mask;
	b->parked[b->count].id = id;
	b->parked[b->count].rec = *rec;
	b->index[s] = (uint32_t)b->count++;
	return 0;
}

/* Empty slot s, moving later members of its probe run back into it. */
static void delete_slot(struct biflow *b, size_t s)
{
	size_t hole = s;
	for (size_t i = (s + 1) & b->mask; b->index[i] != EMPTY; i = (i + 1) & b->mask) {
		size_t home = slot_of(b, b->parked[b->index[i]].id);
		/* Move it if its home is not cyclically within (hole, i]. */
		if (((i - home) & b->mask) >= ((i - hole) & b->mask)) {
			b->index[hole] = b->index[i];
			hole = i;
		}
	}
	b->index[hole] = EMPTY;
}

int biflow_take(struct biflow *b, struct biflow_id id, struct flow_record *rec)
{
	if (b->count == 0)
		return 0;
	size_t s = slot_of(b, id);
	for (; b->index[s] != EMPTY; s = (s + 1) & b->mask) {
		uint32_t pos = b->index[s];
		if (!same(b->parked[pos].id, id))
			continue;
		*rec = b->parked[pos].rec;
		delete_slot(b, s);
		/* Keep the array dense: the last entry fills the gap. */
		uint32_t last = (uint32_t)--b->count;
		if (pos != last) {
			size_t t = slot_of(b, b->parked[last].id);
			while (b->index[t] != last)
				t = (t + 1) & b->mask;
			b->parked[pos] = b->parked[last];
			b->index[t] = pos;
		}
		return 1;
	}
	return 0;
}

void biflow_merge(const struct flow_record *a, const struct flow_record *b,
		  struct flow_record *out)
{
	/* RFC 5103 §6.1: the forward direction is the initiator's, the one
	 * seen first; on a tie, a's (the one that left first). */
	const struct flow_record *fwd = b->first_us < a->first_us ? b : a;
	const struct flow_record *rev = fwd == a ? b : a;
	struct flow_record r = *fwd;

	r.rev_packets = rev->packets;
	r.rev_octets = rev->octets;
	r.rev_tos = rev->tos;
	r.rev_tcp_flags = rev->tcp_flags;
	if (rev->last_us > r.last_us)
		r.last_us = rev->last_us;
	/* The reason the pair ended is the later one's: b left last. */
	r.end_reason = b->end_reason;
	*out = r;
}
