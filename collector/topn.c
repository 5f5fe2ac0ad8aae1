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
	for (size_t i = 0; i < s->ntables; i++)
		free(s->table[i].slot);
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

/* A 64-bit mix of the key (murmur3's finaliser over its words). */
static uint64_t key_hash(const struct topn *s, const struct topn_key *k)
{
	uint64_t a, b;
	memcpy(&a, k->v, 8);
	memcpy(&b, k->v + 8, 8);
	uint64_t h = s->seed ^ k->af;
	h = (h ^ a) * 0xff51afd7ed558ccdULL;
	h = (h ^ (h >> 33) ^ b) * 0xc4ceb9fe1a85ec53ULL;
	return h ^ (h >> 33);
}

static int key_equal(const struct topn_key *a, const struct topn_key *b)
{
	return a->af == b->af && memcmp(a->v, b->v, sizeof(a->v)) == 0;
}

/* Twice the slots, or a first 1024; -1 when memory runs out. */
static int grow(const struct topn *s, struct topn_table *t)
{
	size_t cap = t->cap ? t->cap * 2 : 1024;
	struct topn_entry *slot = calloc(cap, sizeof(*slot));
	if (slot == NULL)
		return -1;
	for (size_t i = 0; i < t->cap; i++) {
		if (t->slot[i].flows == 0)
			continue;
		size_t j = key_hash(s, &t->slot[i].key) & (cap - 1);
		while (slot[j].flows)
			j = (j + 1) & (cap - 1);
		slot[j] = t->slot[i];
	}
	free(t->slot);
	t->slot = slot;
	t->cap = cap;
	return 0;
}

/* The entry for k, added when new; NULL past the ceiling. */
static struct topn_entry *entry_of(const struct topn *s, struct topn_table *t,
				    const struct topn_key *k)
{
	/* At most half full: probe chains stay short.  At the ceiling (or
	 * out of memory) it stops growing, and still finds what it has. */
	if (t->count >= t->cap / 2 && t->count < s->max_keys)
		grow(s, t);
	if (t->cap == 0)
		return NULL;
	size_t mask = t->cap - 1;
	for (size_t j = key_hash(s, k) & mask;; j = (j + 1) & mask) {
		struct topn_entry *e = &t->slot[j];
		if (e->flows == 0) {
			/* One slot always stays empty: every probe ends. */
			if (t->count >= s->max_keys || t->count + 1 >= mask)
				return NULL;
			e->key = *k;
			t->count++;
			return e;
		}
		if (key_equal(&e->key, k))
			return e;
	}
}

static void account(const struct topn *s, struct topn_table *t, const struct topn_key *k,
		    const struct flow_record *r)
{
	struct topn_entry *e = entry_of(s, t, k);
	int64_t first_ms = r->first_us / 1000, last_ms = r->last_us / 1000;

	if (e == NULL) {
		t->untracked++;
		return;
	}
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

void topn_flow(struct topn *s, const struct flow_record *r)
{
	struct topn_key k;

	for (size_t i = 0; i < s->ntables; i++) {
		struct topn_table *t = &s->table[i];
		enum topn_elem e = t->elem;
		if (e == TOPN_SRCIP || e == TOPN_IP) {
			addr_key(&k, r->af, r->src);
			account(s, t, &k, r);
		}
		if (e == TOPN_DSTIP || e == TOPN_IP) {
			addr_key(&k, r->af, r->dst);
			account(s, t, &k, r);
		}
		if (e == TOPN_SRCPORT || e == TOPN_PORT) {
			num_key(&k, r->sport);
			account(s, t, &k, r);
		}
		if (e == TOPN_DSTPORT || e == TOPN_PORT) {
			num_key(&k, r->dport);	/* ICMP: type * 256 + code, as nfdump */
			account(s, t, &k, r);
		}
		if (e == TOPN_PROTO) {
			num_key(&k, r->proto);
			account(s, t, &k, r);
		}
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
	size_t n = 0;
	for (size_t i = 0; i < t->cap; i++)
		if (t->slot[i].flows) {
			r[n].value = topn_rank_value(&t->slot[i], o);
			r[n].e = &t->slot[i];
			n++;
		}
	/* Keys are unique: the order is total, whatever qsort's stability. */
	qsort(r, n, sizeof(*r), by_rank);
	for (size_t i = 0; i < n; i++)
		out[i] = r[i].e;
	free(r);
	return out;
}
