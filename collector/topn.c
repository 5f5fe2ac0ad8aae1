/* topn.c - the top-N tables: keeping every value's totals, and ranking them. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include "topn.h"

static const char *const elem_names[TOPN_ELEMS] = {
	[TOPN_SRCIP] = "srcip", [TOPN_DSTIP] = "dstip", [TOPN_IP] = "ip",
	[TOPN_SRCPORT] = "srcport", [TOPN_DSTPORT] = "dstport", [TOPN_PORT] = "port",
	[TOPN_PROTO] = "proto",
};

static const char *const order_names[TOPN_ORDERS] = {
	[ORDER_FLOWS] = "flows", [ORDER_PACKETS] = "packets", [ORDER_BYTES] = "bytes",
	[ORDER_PPS] = "pps", [ORDER_BPS] = "bps", [ORDER_BPP] = "bpp",
};

const char *topn_elem_name(enum topn_elem e)
{
	return elem_names[e];
}

const char *topn_order_name(enum topn_order o)
{
	return order_names[o];
}

void topn_init(struct topn *s, size_t max_keys)
{
	struct timespec ts;
	memset(s, 0, sizeof(*s));
	s->max_keys = max_keys;
	s->topn = 10;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	s->seed = ((uint64_t)ts.tv_nsec << 32 ^ (uint64_t)ts.tv_sec ^ (uintptr_t)s) | 1;
}

void topn_free(struct topn *s)
{
	for (size_t i = 0; i < s->ntables; i++) {
		free(s->table[i].index);
		free(s->table[i].entry);
	}
	s->ntables = 0;
}

static int find_name(const char *const *names, int n, const char *name, size_t len)
{
	for (int i = 0; i < n; i++)
		if (strlen(names[i]) == len && strncasecmp(names[i], name, len) == 0)
			return i;
	return -1;
}

int topn_parse(const char *arg, enum topn_elem *elem, unsigned *orders, char *err,
		size_t errlen)
{
	const char *slash = strchr(arg, '/');
	size_t n = slash ? (size_t)(slash - arg) : strlen(arg);
	int e = find_name(elem_names, TOPN_ELEMS, arg, n);

	if (e < 0) {
		snprintf(err, errlen, "invalid -s \"%s\": expected srcip, dstip, ip, srcport, "
			 "dstport, port or proto, then /ORDER", arg);
		return -1;
	}
	*elem = (enum topn_elem)e;
	*orders = 0;
	while (slash) {
		const char *name = slash + 1;
		slash = strchr(name, '/');
		n = slash ? (size_t)(slash - name) : strlen(name);
		int o = find_name(order_names, TOPN_ORDERS, name, n);
		if (o < 0) {
			snprintf(err, errlen, "invalid -s \"%s\": the order after \"/\" is one of "
				 "flows, packets, bytes, pps, bps or bpp", arg);
			return -1;
		}
		*orders |= 1u << o;
	}
	if (*orders == 0)
		*orders = 1u << ORDER_FLOWS;
	return 0;
}

int topn_request(struct topn *s, enum topn_elem elem, unsigned orders)
{
	if (s->ntables == TOPN_MAX)
		return -1;
	struct topn_table *t = &s->table[s->ntables++];
	memset(t, 0, sizeof(*t));
	t->elem = elem;
	t->orders = orders;
	return 0;
}

/* murmur3's 64-bit finaliser: every input bit reaches every output bit. */
static uint64_t fmix64(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ULL;
	return x ^ (x >> 33);
}

/* The key's two words, each mixed in whole: a multiply alone carries a
 * bit only upwards, and the slot is taken from the low bits, so IPv6
 * addresses differing in their last bytes all fell into one slot. */
static uint64_t key_hash(const struct topn *s, const struct topn_key *k)
{
	uint64_t a, b;
	memcpy(&a, k->v, 8);
	memcpy(&b, k->v + 8, 8);
	return fmix64(fmix64(s->seed ^ k->af ^ a) ^ b);
}

static int key_equal(const struct topn_key *a, const struct topn_key *b)
{
	return a->af == b->af && memcmp(a->v, b->v, sizeof(a->v)) == 0;
}

/*
 * A table is a dense array of entries, in the order their values came,
 * and an index of slots over it, each the entry's number + 1 (0: empty)
 * with the top half of its hash as a tag: a probe reads 8 bytes a slot
 * and touches an entry only when the tag matches.  The index is what is
 * looked up at random, and the smaller it is the more of it stays in the
 * cache: with the entries in the slots, a lookup cost twice as much.
 */
#define SLOT_ENTRY(s) ((uint32_t)(s))
#define SLOT_TAG(h) ((h) & 0xffffffff00000000ULL)

/* Twice the slots, or a first 1024, rebuilt from the entries; -1 when
 * memory runs out. */
static int grow_index(const struct topn *s, struct topn_table *t)
{
	size_t cap = t->cap ? t->cap * 2 : 1024;
	uint64_t *index = calloc(cap, sizeof(*index));
	if (index == NULL)
		return -1;
	for (size_t i = 0; i < t->count; i++) {
		uint64_t h = key_hash(s, &t->entry[i].key);
		size_t j = h & (cap - 1);
		while (index[j])
			j = (j + 1) & (cap - 1);
		index[j] = SLOT_TAG(h) | (i + 1);
	}
	free(t->index);
	t->index = index;
	t->cap = cap;
	return 0;
}

/* The number of the entry for k (of hash h), added (zeroed) when new;
 * -1 past the ceiling or out of memory. */
static long entry_of(const struct topn *s, struct topn_table *t, const struct topn_key *k,
		     uint64_t h)
{
	/* At most half full: probe chains stay short.  At the ceiling (or
	 * out of memory) it stops growing, and still finds what it has. */
	if (t->count >= t->cap / 2 && t->count < s->max_keys)
		grow_index(s, t);
	if (t->cap == 0)
		return -1;
	size_t mask = t->cap - 1;
	for (size_t j = h & mask;; j = (j + 1) & mask) {
		uint64_t slot = t->index[j];
		if (slot == 0) {
			/* One slot always stays empty: every probe ends. */
			if (t->count >= s->max_keys || t->count + 1 >= mask)
				return -1;
			if (t->count == t->room) {
				size_t room = t->room ? t->room * 2 : 512;
				struct topn_entry *e = realloc(t->entry, room * sizeof(*e));
				if (e == NULL)
					return -1;
				t->entry = e;
				t->room = room;
			}
			memset(&t->entry[t->count], 0, sizeof(t->entry[0]));
			t->entry[t->count].key = *k;
			t->index[j] = SLOT_TAG(h) | (t->count + 1);
			return (long)t->count++;
		}
		if (SLOT_TAG(slot) == SLOT_TAG(h) && key_equal(&t->entry[SLOT_ENTRY(slot) - 1].key, k))
			return (long)SLOT_ENTRY(slot) - 1;
	}
}

static void account(struct topn_entry *e, const struct flow_record *r)
{
	int64_t first_ms = r->first_us / 1000, last_ms = r->last_us / 1000;

	if (e->flows == 0 || first_ms < e->first_ms)
		e->first_ms = first_ms;
	if (e->flows == 0 || last_ms > e->last_ms)
		e->last_ms = last_ms;
	e->flows++;
	e->packets += r->packets;
	e->octets += r->octets;
	e->rev_packets += r->rev_packets;
	e->rev_octets += r->rev_octets;
}

static void addr_key(struct topn_key *k, uint8_t af, const uint8_t *addr)
{
	memset(k, 0, sizeof(*k));
	k->af = af == 6 ? 6 : 4;
	memcpy(k->v, addr, af == 6 ? 16 : 4);
}

static void num_key(struct topn_key *k, uint16_t v)
{
	memset(k, 0, sizeof(*k));
	k->v[0] = (uint8_t)(v >> 8);
	k->v[1] = (uint8_t)v;
}

/* A value to account: its table, hash, and then its entry's number. */
struct pending {
	struct topn_table *t;
	struct topn_key k;
	uint64_t h;
	long entry;
};

static void pend(const struct topn *s, struct pending *p, struct topn_table *t)
{
	p->t = t;
	p->h = key_hash(s, &p->k);
	if (t->cap)
		__builtin_prefetch(&t->index[p->h & (t->cap - 1)]);
}

/*
 * Large tables miss the cache on every value: the flow's values are
 * looked up in three passes, each asking for what the next one reads
 * (index slots, then entries), so that the misses overlap instead of
 * queueing.  An entry is found by number: one made in the second pass
 * may move the entries (realloc).
 */
void topn_flow(struct topn *s, const struct flow_record *r)
{
	struct pending p[2 * TOPN_MAX];
	size_t n = 0;

	for (size_t i = 0; i < s->ntables; i++) {
		struct topn_table *t = &s->table[i];
		enum topn_elem e = t->elem;
		if (e == TOPN_SRCIP || e == TOPN_IP) {
			addr_key(&p[n].k, r->af, r->src);
			pend(s, &p[n++], t);
		}
		if (e == TOPN_DSTIP || e == TOPN_IP) {
			addr_key(&p[n].k, r->af, r->dst);
			pend(s, &p[n++], t);
		}
		if (e == TOPN_SRCPORT || e == TOPN_PORT) {
			num_key(&p[n].k, r->sport);
			pend(s, &p[n++], t);
		}
		if (e == TOPN_DSTPORT || e == TOPN_PORT) {
			num_key(&p[n].k, r->dport);	/* ICMP: type * 256 + code, as nfdump */
			pend(s, &p[n++], t);
		}
		if (e == TOPN_PROTO) {
			num_key(&p[n].k, r->proto);
			pend(s, &p[n++], t);
		}
	}
	for (size_t i = 0; i < n; i++) {
		p[i].entry = entry_of(s, p[i].t, &p[i].k, p[i].h);
		if (p[i].entry >= 0)
			__builtin_prefetch(&p[i].t->entry[p[i].entry]);
	}
	for (size_t i = 0; i < n; i++) {
		if (p[i].entry < 0)
			p[i].t->untracked++;
		else
			account(&p[i].t->entry[p[i].entry], r);
	}
}

uint64_t topn_packets(const struct topn_entry *e, enum topn_order o)
{
	return o == ORDER_FLOWS ? e->packets : e->packets + e->rev_packets;
}

uint64_t topn_bytes(const struct topn_entry *e, enum topn_order o)
{
	return o == ORDER_FLOWS ? e->octets : e->octets + e->rev_octets;
}

/* n * scale / ms, held at the largest past 2^64 (hostile counters). */
static uint64_t per_ms(uint64_t n, uint64_t scale, uint64_t ms)
{
	if (n > UINT64_MAX / scale)
		return (uint64_t)((double)n * (double)scale / (double)ms);
	return n * scale / ms;
}

uint64_t topn_rank_value(const struct topn_entry *e, enum topn_order o)
{
	uint64_t packets = topn_packets(e, o), bytes = topn_bytes(e, o);
	uint64_t ms = e->last_ms > e->first_ms ? (uint64_t)(e->last_ms - e->first_ms) : 0;

	switch (o) {
	case ORDER_FLOWS: return e->flows;
	case ORDER_PACKETS: return packets;
	case ORDER_BYTES: return bytes;
	case ORDER_PPS: return ms ? per_ms(packets, 1000, ms) : 0;
	case ORDER_BPS: return ms ? per_ms(bytes, 8000, ms) : 0;
	case ORDER_BPP: return packets ? bytes / packets : 0;
	case TOPN_ORDERS: break;
	}
	return 0;
}

/* qsort has no context argument: the values are computed first. */
struct ranked {
	uint64_t value;
	const struct topn_entry *e;
};

static int by_rank(const void *pa, const void *pb)
{
	const struct ranked *a = pa, *b = pb;
	if (a->value != b->value)
		return a->value > b->value ? -1 : 1;
	if (a->e->key.af != b->e->key.af)
		return a->e->key.af < b->e->key.af ? -1 : 1;
	return memcmp(a->e->key.v, b->e->key.v, sizeof(a->e->key.v));
}

const struct topn_entry **topn_rank(const struct topn_table *t, enum topn_order o)
{
	if (t->count == 0)
		return NULL;
	struct ranked *r = malloc(t->count * sizeof(*r));
	const struct topn_entry **out = malloc(t->count * sizeof(*out));
	if (r == NULL || out == NULL) {
		free(r);
		free(out);
		return NULL;
	}
	size_t n = t->count;
	for (size_t i = 0; i < n; i++) {
		r[i].value = topn_rank_value(&t->entry[i], o);
		r[i].e = &t->entry[i];
	}
	/* Keys are unique: the order is total, whatever qsort's stability. */
	qsort(r, n, sizeof(*r), by_rank);
	for (size_t i = 0; i < n; i++)
		out[i] = r[i].e;
	free(r);
	return out;
}
