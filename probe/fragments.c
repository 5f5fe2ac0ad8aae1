/*
 * fragments.c - datagram -> ports memory, and the later fragments waiting
 * for their first.
 *
 * The memory is a ring in arrival order (the oldest datagram is the one
 * forgotten when the ring is full or its time is up) indexed by a chained
 * hash.  Held fragments are a small ring of packet copies, searched
 * linearly: there are at most FRAG_HOLD_MAX of them, and only when
 * fragments arrive out of order.
 */
#include <stdlib.h>
#include <string.h>
#include "fragments.h"

struct datagram_key {
	uint8_t src[16];
	uint8_t dst[16];
	uint32_t id;
	uint8_t af;
	uint8_t proto;
	uint8_t pad[2];
};
_Static_assert(sizeof(struct datagram_key) == 40, "datagram_key must have no hidden padding");

struct remembered {
	struct datagram_key key;
	int64_t ts_us;		/* when its first fragment was seen */
	uint16_t sport, dport;
	uint8_t proto;		/* the transport protocol its first fragment showed */
	uint32_t h_next;	/* slot + 1 of the next in the chain, 0 ends */
	uint8_t live;
};

#define NBUCKETS (FRAG_REMEMBER_MAX * 2)

struct frags {
	struct remembered ring[FRAG_REMEMBER_MAX];
	uint32_t bucket[NBUCKETS];	/* slot + 1, 0 = empty */
	uint32_t head;			/* next slot to fill */
	uint32_t count;
	struct packet held[FRAG_HOLD_MAX];
	uint32_t held_head, held_count;	/* ring: oldest at held_head */
	struct frag_stats st;
};

static void key_of(const struct packet *p, struct datagram_key *k)
{
	memset(k, 0, sizeof(*k));
	memcpy(k->src, p->key.src, 16);
	memcpy(k->dst, p->key.dst, 16);
	k->id = p->frag_id;
	k->af = p->key.af;
	k->proto = p->frag_proto;
}

static uint32_t bucket_of(const struct datagram_key *k)
{
	uint64_t h = 0x9e3779b97f4a7c15ULL;
	const uint8_t *b = (const uint8_t *)k;
	for (size_t i = 0; i < sizeof(*k); i += 8) {
		uint64_t w;
		memcpy(&w, b + i, 8);
		h = (h ^ w) * 0xbf58476d1ce4e5b9ULL;
		h ^= h >> 31;
	}
	return (uint32_t)(h % NBUCKETS);
}

struct frags *frags_create(void)
{
	return calloc(1, sizeof(struct frags));
}

void frags_destroy(struct frags *fr)
{
	free(fr);
}

static struct remembered *lookup(struct frags *fr, const struct datagram_key *k)
{
	for (uint32_t s = fr->bucket[bucket_of(k)]; s; s = fr->ring[s - 1].h_next)
		if (memcmp(&fr->ring[s - 1].key, k, sizeof(*k)) == 0)
			return &fr->ring[s - 1];
	return NULL;
}

/* Take a slot out of its hash chain; it keeps its place in the ring,
 * dead, until the ring's tail passes it. */
static void unlink_slot(struct frags *fr, uint32_t slot)
{
	struct remembered *e = &fr->ring[slot];
	uint32_t *pp = &fr->bucket[bucket_of(&e->key)];

	while (*pp != slot + 1)
		pp = &fr->ring[*pp - 1].h_next;
	*pp = e->h_next;
	e->live = 0;
}

/* Forget the ring's oldest slot. */
static void forget(struct frags *fr, uint32_t slot)
{
	unlink_slot(fr, slot);
	fr->count--;
}

/* Forget datagrams whose first fragment is older than the memory lasts. */
static void forget_old(struct frags *fr, int64_t now_us)
{
	while (fr->count > 0) {
		uint32_t oldest = (fr->head + FRAG_REMEMBER_MAX - fr->count) % FRAG_REMEMBER_MAX;
		if (fr->ring[oldest].live && now_us - fr->ring[oldest].ts_us <= FRAG_REMEMBER_US)
			break;
		if (fr->ring[oldest].live)
			forget(fr, oldest);
		else
			fr->count--;	/* replaced by a newer first fragment */
	}
}

static void remember(struct frags *fr, const struct packet *p)
{
	struct datagram_key k;
	key_of(p, &k);

	/* A first fragment seen again (retransmitted, or its identification
	 * reused by a new datagram) starts its memory anew: its 30 s count
	 * from now, so the old slot dies and a new one goes to the ring's
	 * head, which keeps the ring in arrival order. */
	struct remembered *old = lookup(fr, &k);
	if (old)
		unlink_slot(fr, (uint32_t)(old - fr->ring));
	if (fr->count == FRAG_REMEMBER_MAX) {
		if (fr->ring[fr->head].live)
			forget(fr, fr->head);
		else
			fr->count--;
	}
	struct remembered *e = &fr->ring[fr->head];
	uint32_t b = bucket_of(&k);
	e->key = k;
	e->ts_us = p->ts_us;
	e->sport = p->key.sport;
	e->dport = p->key.dport;
	e->proto = p->key.proto;
	e->live = 1;
	e->h_next = fr->bucket[b];
	fr->bucket[b] = fr->head + 1;
	fr->head = (fr->head + 1) % FRAG_REMEMBER_MAX;
	fr->count++;
}

/* Take the oldest held fragment off the ring. */
static struct packet pop_held(struct frags *fr)
{
	struct packet p = fr->held[fr->held_head];
	fr->held_head = (fr->held_head + 1) % FRAG_HOLD_MAX;
	fr->held_count--;
	return p;
}

static void meter_unmatched(struct frags *fr, const struct packet *p, frag_meter_fn fn, void *ctx)
{
	fr->st.unmatched++;
	fn(ctx, p);
}

/* Meter the held fragments of the datagram whose first fragment is p, in
 * the order they came, and keep the others in theirs. */
static void release_for(struct frags *fr, const struct packet *first, frag_meter_fn fn, void *ctx)
{
	struct datagram_key k, hk;
	uint32_t n = fr->held_count;

	key_of(first, &k);
	for (uint32_t i = 0; i < n; i++) {
		struct packet p = pop_held(fr);
		key_of(&p, &hk);
		if (memcmp(&hk, &k, sizeof(k)) == 0) {
			p.key.sport = first->key.sport;
			p.key.dport = first->key.dport;
			p.key.proto = first->key.proto;
			fr->st.joined++;
			fn(ctx, &p);
		} else {
			fr->held[(fr->held_head + fr->held_count) % FRAG_HOLD_MAX] = p;
			fr->held_count++;
		}
	}
}

void frags_packet(struct frags *fr, const struct packet *pkt, frag_meter_fn fn, void *ctx)
{
	forget_old(fr, pkt->ts_us);
	if (pkt->fragment == FRAG_FIRST) {
		remember(fr, pkt);
		fn(ctx, pkt);
		if (fr->held_count > 0)
			release_for(fr, pkt, fn, ctx);
		return;
	}

	struct datagram_key k;
	key_of(pkt, &k);
	struct remembered *e = lookup(fr, &k);
	if (e) {
		struct packet p = *pkt;
		p.key.sport = e->sport;
		p.key.dport = e->dport;
		p.key.proto = e->proto;
		fr->st.joined++;
		fn(ctx, &p);
		return;
	}
	if (fr->held_count == FRAG_HOLD_MAX) {
		struct packet oldest = pop_held(fr);
		meter_unmatched(fr, &oldest, fn, ctx);
	}
	struct packet *h = &fr->held[(fr->held_head + fr->held_count) % FRAG_HOLD_MAX];
	*h = *pkt;
	h->payload = NULL;		/* the capture buffer is reused */
	h->payload_len = 0;
	fr->held_count++;
	fr->st.held++;
}

void frags_release_stale(struct frags *fr, int64_t now_us, frag_meter_fn fn, void *ctx)
{
	while (fr->held_count > 0 &&
	       (now_us == INT64_MAX || now_us - fr->held[fr->held_head].ts_us > FRAG_HOLD_US)) {
		struct packet p = pop_held(fr);
		meter_unmatched(fr, &p, fn, ctx);
	}
}

const struct frag_stats *frags_stats(const struct frags *fr)
{
	return &fr->st;
}
