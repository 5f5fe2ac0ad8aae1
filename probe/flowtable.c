/*
 * flowtable.c - flows, sessions, and the expiry wheel.
 *
 * Flows and sessions live in pools (pool.h) and are found through chained
 * hash tables of 32-bit indices.
 *
 * Expiry uses a timer wheel of one-second slots, lazily: a packet that
 * moves a deadline later (what almost every packet does) changes only the
 * flow, which stays filed under its old, earlier second.  Only the slot of
 * the earliest second, the "front", is ever sorted: its flows are checked
 * (those whose deadline has moved on are refiled) and put in (deadline,
 * creation) order, and everything that needs the earliest flow - the next
 * scan time, a scan, an eviction, the final flush - takes it from there.
 * A deadline that moves earlier (a RST shortens the timeout) is refiled at
 * once.  So a flow's filed second is never after its deadline, every flow
 * is filed at or after the front's second, and the front's first valid
 * entry is the true earliest flow.
 */
#include <stdlib.h>
#include <string.h>
#include "flowtable.h"
#include "pool.h"
#include "../export/flowrec.h"

#define TH_FIN 0x01
#define TH_RST 0x04
#define US_PER_SEC 1000000LL

#define WHEEL_BITS 12		/* 4096 one-second slots: 68 minutes */
#define WHEEL_SLOTS (1u << WHEEL_BITS)
#define NOT_FILED INT64_MAX	/* filed_sec of a flow on no list */
#define NOW_FILED INT64_MIN	/* filed_sec of a flow on the "now" list */

struct session_key {
	uint8_t addr[2][16];	/* side 0 is the lower (address, port) */
	uint16_t port[2];
	uint8_t af;
	uint8_t proto;
	uint16_t vlan;		/* -T vlan and ether: a conversation is per VLAN */
};
_Static_assert(sizeof(struct session_key) == 40, "session_key must have no hidden padding");

/* A session keeps no key of its own: any member flow's key gives it (see
 * session_key_of), which saves 40 bytes a conversation. */
struct session {
	uint32_t h_next;	/* next in the session hash chain */
	uint32_t nflows;	/* live flows referring to this session */
	uint32_t members;	/* all of them: ToS variants make several a side */
	uint32_t cur[2];	/* newest live flow of each side */
	uint8_t flags[2];	/* OR of TCP flags sent by each side */
};

/* Chained hash of pool indices; 0 ends a chain. */
struct htab {
	uint32_t *bucket;
	size_t mask;
	size_t count;
};

/* A heap entry: the deadline and creation number the flow had when it
 * went in, so a flow changed since is recognised. */
struct front_entry {
	int64_t deadline;
	uint32_t seq;
	uint32_t idx;
};

struct heap {
	struct front_entry *e;
	size_t len, cap;
};

struct ft {
	struct ft_config cfg;
	struct pool flows;
	struct pool sessions;
	struct htab fhash;
	struct htab shash;
	uint32_t next_seq;
	int64_t idle_us[RULE_MAXLIFE];	/* each idle rule's timeout */

	uint32_t wheel[WHEEL_SLOTS];	/* heads of the per-second lists */
	int64_t cur_sec;		/* no flow is filed before this second */
	struct heap front;		/* the flows filed under cur_sec */
	int front_valid;		/* front holds all of them */
	struct heap now;		/* flows due at the next scan */
};

#define FLOW(ft, i) ((struct flow *)pool_at(&(ft)->flows, (i)))
#define SESS(ft, i) ((struct session *)pool_at(&(ft)->sessions, (i)))

/* ---- hashing ---------------------------------------------------------- */

/* 64-bit multiply-xorshift over 8-byte words; keys are multiples of 8
 * bytes and fully initialised. */
static uint64_t hash_words(const void *p, size_t len)
{
	const uint8_t *b = p;
	uint64_t h = 0x9e3779b97f4a7c15ULL ^ len;
	for (; len >= 8; b += 8, len -= 8) {
		uint64_t w;
		memcpy(&w, b, 8);
		h = (h ^ w) * 0xbf58476d1ce4e5b9ULL;
		h ^= h >> 31;
	}
	h *= 0x94d049bb133111ebULL;
	return h ^ (h >> 32);
}

static uint64_t flow_hash(const struct flow_key *k)
{
	return hash_words(k, sizeof(*k));
}

static uint64_t session_hash(const struct session_key *k)
{
	return hash_words(k, sizeof(*k));
}

static int htab_init(struct htab *t, size_t n)
{
	size_t size = 64;
	while (size < n)
		size <<= 1;
	t->bucket = big_alloc(size * sizeof(*t->bucket));
	if (t->bucket)
		memset(t->bucket, 0, size * sizeof(*t->bucket));
	t->mask = size - 1;
	t->count = 0;
	return t->bucket ? 0 : -1;
}

/* Where element i of a table keeps its chain link, its hash, and whether
 * it is live; and the pool it lives in. */
struct htab_ops {
	uint32_t *(*link)(struct ft *ft, uint32_t i);
	uint64_t (*hash)(struct ft *ft, uint32_t i);
	int (*live)(struct ft *ft, uint32_t i);
	size_t pool_off;
};

static uint32_t *flow_link(struct ft *ft, uint32_t i) { return &FLOW(ft, i)->h_next; }
static uint64_t flow_hash_of(struct ft *ft, uint32_t i) { return flow_hash(&FLOW(ft, i)->key); }
static int flow_live(struct ft *ft, uint32_t i) { return FLOW(ft, i)->seq != 0; }
static uint32_t *sess_link(struct ft *ft, uint32_t i) { return &SESS(ft, i)->h_next; }
static uint64_t sess_hash_of(struct ft *ft, uint32_t i);
static int sess_live(struct ft *ft, uint32_t i) { return SESS(ft, i)->nflows != 0; }

static const struct htab_ops flow_ops = { flow_link, flow_hash_of, flow_live,
					  offsetof(struct ft, flows) };
static const struct htab_ops sess_ops = { sess_link, sess_hash_of, sess_live,
					  offsetof(struct ft, sessions) };

/*
 * Double the buckets once the table holds as many entries as buckets.
 * Entries are found by walking their pool in memory order rather than the
 * chains, which at a million flows turns a million cache misses into a
 * sequential read; hashes are recomputed, which is cheaper than storing
 * them.  The entry about to be inserted is not live yet.
 */
static void htab_grow(struct ft *ft, struct htab *t, const struct htab_ops *ops)
{
	struct htab bigger;
	const struct pool *p = (const struct pool *)((const char *)ft + ops->pool_off);

	if (htab_init(&bigger, (t->mask + 1) * 2) != 0)
		return;			/* keep the old table: slower, still correct */
	/* Hashes run GROW_AHEAD entries ahead of the inserts, their buckets
	 * prefetched, so the random writes overlap. */
	enum { GROW_AHEAD = 16 };
	uint32_t idx[GROW_AHEAD];
	size_t nb[GROW_AHEAD];
	uint32_t n = 0;
	for (uint32_t i = 1; i < p->used || n > 0; ) {
		if (i < p->used && n < GROW_AHEAD) {
			if (ops->live(ft, i)) {
				idx[n] = i;
				nb[n] = ops->hash(ft, i) & bigger.mask;
				__builtin_prefetch(&bigger.bucket[nb[n]], 1);
				n++;
			}
			i++;
			continue;
		}
		/* the window is full (or the pool done): insert its oldest */
		uint32_t *l = ops->link(ft, idx[0]);
		*l = bigger.bucket[nb[0]];
		bigger.bucket[nb[0]] = idx[0];
		memmove(idx, idx + 1, (n - 1) * sizeof(idx[0]));
		memmove(nb, nb + 1, (n - 1) * sizeof(nb[0]));
		n--;
	}
	bigger.count = t->count;
	free(t->bucket);
	*t = bigger;
}

static void htab_insert(struct ft *ft, struct htab *t, const struct htab_ops *ops,
			uint32_t i, uint64_t h)
{
	if (t->count >= t->mask + 1) {
		htab_grow(ft, t, ops);
	}
	uint32_t *b = &t->bucket[h & t->mask];
	*ops->link(ft, i) = *b;
	*b = i;
	t->count++;
}

static void htab_remove(struct ft *ft, struct htab *t, const struct htab_ops *ops,
			uint32_t i, uint64_t h)
{
	uint32_t *pp = &t->bucket[h & t->mask];
	while (*pp != i)
		pp = ops->link(ft, *pp);
	*pp = *ops->link(ft, i);
	t->count--;
}

/* Six 8-byte compares, inline: a libc memcmp call costs more than the
 * comparison on this path. */
static int key_equal(const struct flow_key *a, const struct flow_key *b)
{
	uint64_t x[6], y[6], d = 0;
	memcpy(x, a, sizeof(x));
	memcpy(y, b, sizeof(y));
	for (int i = 0; i < 6; i++)
		d |= x[i] ^ y[i];
	return d == 0;
}
_Static_assert(sizeof(struct flow_key) == 48, "key_equal compares 48 bytes");

static uint32_t flow_find(struct ft *ft, const struct flow_key *k, uint64_t h)
{
	for (uint32_t i = ft->fhash.bucket[h & ft->fhash.mask]; i; ) {
		struct flow *f = FLOW(ft, i);
		if (key_equal(&f->key, k))
			return i;
		i = f->h_next;
	}
	return 0;
}

/* ---- sessions --------------------------------------------------------- */

/* memcmp order of two 16-byte addresses, as two big-endian words. */
static int addr_cmp(const uint8_t *a, const uint8_t *b)
{
	uint64_t x[2], y[2];
	memcpy(x, a, 16);
	memcpy(y, b, 16);
	for (int i = 0; i < 2; i++) {
		uint64_t u = __builtin_bswap64(x[i]), v = __builtin_bswap64(y[i]);
		if (u != v)
			return u < v ? -1 : 1;
	}
	return 0;
}

static int session_key_equal(const struct session_key *a, const struct session_key *b)
{
	uint64_t x[5], y[5], d = 0;
	memcpy(x, a, sizeof(x));
	memcpy(y, b, sizeof(y));
	for (int i = 0; i < 5; i++)
		d |= x[i] ^ y[i];
	return d == 0;
}
_Static_assert(sizeof(struct session_key) == 40, "session_key_equal compares 40 bytes");

/* The session key of a flow key, and which side the flow's source is. */
static uint8_t session_key_of(const struct flow_key *k, struct session_key *sk)
{
	int c = addr_cmp(k->src, k->dst);
	uint8_t dir = c > 0 || (c == 0 && k->sport > k->dport);

	memset(sk, 0, sizeof(*sk));
	sk->af = k->af;
	sk->proto = k->proto;
	sk->vlan = k->vlan;
	memcpy(sk->addr[dir], k->src, 16);
	memcpy(sk->addr[!dir], k->dst, 16);
	sk->port[dir] = k->sport;
	sk->port[!dir] = k->dport;
	return dir;
}

static uint64_t sess_hash_of(struct ft *ft, uint32_t i)
{
	struct session_key sk;
	session_key_of(&FLOW(ft, SESS(ft, i)->members)->key, &sk);
	return session_hash(&sk);
}

/* The session of key sk, or a new one (with no members yet: the caller
 * adds one before anything else looks). */
static uint32_t session_get(struct ft *ft, const struct session_key *sk)
{
	uint64_t h = session_hash(sk);
	struct session_key other;

	for (uint32_t i = ft->shash.bucket[h & ft->shash.mask]; i; ) {
		struct session *s = SESS(ft, i);
		session_key_of(&FLOW(ft, s->members)->key, &other);
		if (session_key_equal(&other, sk))
			return i;
		i = s->h_next;
	}
	uint32_t i = pool_get(&ft->sessions);
	if (i == 0)
		return 0;
	htab_insert(ft, &ft->shash, &sess_ops, i, h);
	return i;
}

/* Forget flow fi in its session; the session goes with its last flow. */
static void session_leave(struct ft *ft, uint32_t fi, struct flow *f)
{
	struct session *s = SESS(ft, f->sess);
	uint32_t *pp = &s->members;
	struct session_key sk;

	session_key_of(&f->key, &sk);	/* while the session still has f */
	while (*pp != fi)
		pp = &FLOW(ft, *pp)->s_next;
	*pp = f->s_next;
	if (s->cur[f->dir] == fi)
		s->cur[f->dir] = 0;
	if (--s->nflows > 0)
		return;
	htab_remove(ft, &ft->shash, &sess_ops, f->sess, session_hash(&sk));
	pool_put(&ft->sessions, f->sess);
}

/* ---- the wheel -------------------------------------------------------- */

static int64_t sec_of(int64_t us)
{
	return us / US_PER_SEC - (us % US_PER_SEC < 0);
}

static int seq_before(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) < 0;
}

static int entry_less(const struct front_entry *a, const struct front_entry *b)
{
	return a->deadline < b->deadline || (a->deadline == b->deadline && seq_before(a->seq, b->seq));
}

/* A binary min-heap of entries: small, contiguous, and only ever as big
 * as one second's worth of flows (or the flows due now). */
static void heap_down(struct heap *h, size_t i)
{
	struct front_entry e = h->e[i];
	for (;;) {
		size_t c = 2 * i + 1;
		if (c >= h->len)
			break;
		if (c + 1 < h->len && entry_less(&h->e[c + 1], &h->e[c]))
			c++;
		if (!entry_less(&h->e[c], &e))
			break;
		h->e[i] = h->e[c];
		i = c;
	}
	h->e[i] = e;
}

static void heap_pop(struct heap *h)
{
	h->e[0] = h->e[--h->len];
	if (h->len > 0)
		heap_down(h, 0);
}

static void heap_push(struct heap *h, uint32_t fi, const struct flow *f)
{
	if (h->len == h->cap) {
		size_t cap = h->cap ? h->cap * 2 : 256;
		struct front_entry *e = realloc(h->e, cap * sizeof(*e));
		if (e == NULL)
			return;		/* found again when its second is rebuilt */
		h->e = e;
		h->cap = cap;
	}
	size_t i = h->len++;
	struct front_entry n = { f->deadline, f->seq, fi };
	while (i > 0 && entry_less(&n, &h->e[(i - 1) / 2])) {
		h->e[i] = h->e[(i - 1) / 2];
		i = (i - 1) / 2;
	}
	h->e[i] = n;
}

static void wheel_unlink(struct ft *ft, struct flow *f)
{
	if (f->filed_sec != NOT_FILED && f->filed_sec != NOW_FILED) {
		uint32_t *head = &ft->wheel[(uint64_t)f->filed_sec & (WHEEL_SLOTS - 1)];
		if (f->w_prev)
			FLOW(ft, f->w_prev)->w_next = f->w_next;
		else
			*head = f->w_next;
		if (f->w_next)
			FLOW(ft, f->w_next)->w_prev = f->w_prev;
	}
	f->filed_sec = NOT_FILED;	/* a "now" entry goes stale by itself */
}

/* File a flow under its deadline's second, or among those due now. */
static void wheel_link(struct ft *ft, uint32_t fi, struct flow *f)
{
	if (f->deadline == FT_NOW) {
		f->filed_sec = NOW_FILED;
		heap_push(&ft->now, fi, f);
		return;
	}
	int64_t s = sec_of(f->deadline);
	uint32_t *head = &ft->wheel[(uint64_t)s & (WHEEL_SLOTS - 1)];

	f->filed_sec = s;
	f->w_prev = 0;
	f->w_next = *head;
	if (*head)
		FLOW(ft, *head)->w_prev = fi;
	*head = fi;
	if (s < ft->cur_sec) {
		ft->cur_sec = s;
		ft->front_valid = 0;	/* a new earliest second */
	} else if (s == ft->cur_sec && ft->front_valid) {
		heap_push(&ft->front, fi, f);
	}
}

static void refile(struct ft *ft, uint32_t fi, struct flow *f)
{
	wheel_unlink(ft, f);
	wheel_link(ft, fi, f);
}

/* The smallest filed second of any flow: after a long jump of the clock
 * the wheel would otherwise be walked second by second. */
static int64_t earliest_filed(struct ft *ft)
{
	int64_t min = INT64_MAX;
	for (uint32_t s = 0; s < WHEEL_SLOTS; s++)
		for (uint32_t i = ft->wheel[s]; i; i = FLOW(ft, i)->w_next)
			if (FLOW(ft, i)->filed_sec < min)
				min = FLOW(ft, i)->filed_sec;
	return min;
}

/* Gather the flows due in the earliest non-empty second into the front. */
static void front_build(struct ft *ft)
{
	uint32_t empty = 0;

	ft->front.len = 0;
	ft->front_valid = 1;
	while (ft->front.len == 0 && ft->cur_sec != INT64_MAX) {
		int64_t s = ft->cur_sec;
		for (uint32_t i = ft->wheel[(uint64_t)s & (WHEEL_SLOTS - 1)], next; i; i = next) {
			struct flow *f = FLOW(ft, i);
			next = f->w_next;
			if (f->filed_sec != s)
				continue;		/* a later turn of the wheel */
			if (sec_of(f->deadline) > s)
				refile(ft, i, f);	/* moved on since it was filed */
			else
				heap_push(&ft->front, i, f);
		}
		if (ft->front.len > 0)
			break;
		if (++empty < WHEEL_SLOTS) {
			ft->cur_sec++;
		} else {
			ft->cur_sec = earliest_filed(ft);
			empty = 0;
		}
	}
}

/*
 * The first valid entry of a heap, or 0.  Entries of flows that left or
 * were refiled are dropped; a deadline that moved later is refiled (a later
 * second) or re-keyed (the same second).
 */
static uint32_t heap_top(struct ft *ft, struct heap *h, int64_t here)
{
	while (h->len > 0) {
		struct front_entry *e = &h->e[0];
		struct flow *f = FLOW(ft, e->idx);

		if (f->seq != e->seq || f->filed_sec != here) {
			heap_pop(h);			/* gone, or filed elsewhere */
		} else if (f->deadline == e->deadline) {
			return e->idx;
		} else if (sec_of(f->deadline) > here) {
			uint32_t fi = e->idx;
			heap_pop(h);
			refile(ft, fi, f);
		} else {
			e->deadline = f->deadline;
			heap_down(h, 0);
		}
	}
	return 0;
}

/* The flow due soonest (ties: the older), or 0 if there is none. */
static uint32_t front_top(struct ft *ft)
{
	uint32_t top = heap_top(ft, &ft->now, NOW_FILED);
	if (top)
		return top;
	for (;;) {
		if (ft->fhash.count == 0) {
			ft->cur_sec = INT64_MAX;	/* the next flow filed sets it */
			return 0;
		}
		if (!ft->front_valid)
			front_build(ft);
		top = heap_top(ft, &ft->front, ft->cur_sec);
		if (top || ft->cur_sec == INT64_MAX)
			return top;
		ft->front_valid = 0;	/* this second is done: on to the next */
	}
}

/* Take the top (just returned by front_top) off its heap. */
static void front_pop(struct ft *ft, uint32_t top)
{
	struct heap *h = FLOW(ft, top)->filed_sec == NOW_FILED ? &ft->now : &ft->front;
	heap_pop(h);
}

/* ---- deadlines -------------------------------------------------------- */

/*
 * Which idle timeout applies (softflowd-1.1.0.md §2.2): RST either way,
 * then FIN both ways, then the per-protocol one.  A zero timeout disables
 * its rule.  Only TCP needs the session; the answer changes only when the
 * session's flags do, so it is kept in the flow.
 */
static uint8_t flow_classify(const struct ft *ft, const struct flow *f)
{
	const struct timeouts *to = &ft->cfg.to;

	if (f->key.proto == 6) {
		const struct session *s = SESS(ft, f->sess);
		if (((s->flags[0] | s->flags[1]) & TH_RST) && to->tcp_rst)
			return RULE_TCP_RST;
		if ((s->flags[0] & s->flags[1] & TH_FIN) && to->tcp_fin)
			return RULE_TCP_FIN;
		return to->tcp ? RULE_TCP : RULE_GENERAL;
	}
	if (f->key.proto == 17 && to->udp)
		return RULE_UDP;
	if (((f->key.proto == 1 && f->key.af == 4) || (f->key.proto == 58 && f->key.af == 6)) &&
	    to->icmp)
		return RULE_ICMP;
	return RULE_GENERAL;
}

/* When a flow is due and why: its idle timeout after its last packet,
 * capped by the active timeout after its first. */
static void flow_schedule(struct ft *ft, uint32_t fi, struct flow *f)
{
	const struct timeouts *to = &ft->cfg.to;
	int64_t deadline, before = f->deadline;
	uint8_t rule = f->idle_rule;

	if (before == FT_NOW)
		return;				/* already leaving */
	if (to->maxlife && f->last_us - f->first_us > (int64_t)to->maxlife * US_PER_SEC) {
		f->deadline = FT_NOW;
		f->end_reason = END_ACTIVE;
		f->rule = RULE_MAXLIFE;
		refile(ft, fi, f);
		return;
	}
	deadline = f->last_us + ft->idle_us[rule];
	if (to->maxlife && f->first_us + (int64_t)to->maxlife * US_PER_SEC < deadline) {
		deadline = f->first_us + (int64_t)to->maxlife * US_PER_SEC;
		rule = RULE_MAXLIFE;
	}
	f->deadline = deadline;
	f->rule = rule;
	f->end_reason = rule == RULE_MAXLIFE ? END_ACTIVE :
			rule == RULE_TCP_RST || rule == RULE_TCP_FIN ? END_OF_FLOW : END_IDLE;
	if (f->filed_sec == NOT_FILED || sec_of(deadline) < f->filed_sec)
		refile(ft, fi, f);
	else if (deadline < before && f->filed_sec == ft->cur_sec && ft->front_valid)
		heap_push(&ft->front, fi, f);	/* earlier, in the front's second */
}

/* ---- flows ------------------------------------------------------------ */

static void flow_release(struct ft *ft, uint32_t fi, ft_expired_fn fn, void *ctx)
{
	struct flow *f = FLOW(ft, fi);

	wheel_unlink(ft, f);
	htab_remove(ft, &ft->fhash, &flow_ops, fi, flow_hash(&f->key));
	fn(ctx, ft, f);
	session_leave(ft, fi, f);
	f->seq = 0;			/* stale front entries see it gone */
	pool_put(&ft->flows, fi);
}

static uint32_t flow_create(struct ft *ft, const struct packet *pkt, uint64_t h,
			    ft_expired_fn fn, void *ctx)
{
	struct session_key sk;

	/* A full table makes room by ending the flow due soonest, exported
	 * now rather than dropped. */
	if (ft->cfg.max_flows && ft->fhash.count >= ft->cfg.max_flows) {
		uint32_t victim = front_top(ft);
		if (victim) {
			FLOW(ft, victim)->end_reason = END_LACK_OF_RESOURCES;
			FLOW(ft, victim)->rule = RULE_MAXFLOWS;
			flow_release(ft, victim, fn, ctx);
		}
	}
	uint32_t fi = pool_get(&ft->flows);
	if (fi == 0)
		return 0;
	uint8_t dir = session_key_of(&pkt->key, &sk);
	uint32_t si = session_get(ft, &sk);
	if (si == 0) {
		pool_put(&ft->flows, fi);
		return 0;
	}
	struct flow *f = FLOW(ft, fi);
	struct session *s = SESS(ft, si);
	f->key = pkt->key;
	f->dir = dir;
	f->sess = si;
	f->first_us = pkt->ts_us;
	f->last_us = pkt->ts_us;
	f->flowlabel = pkt->flowlabel;
	f->deadline = INT64_MAX;
	f->filed_sec = NOT_FILED;
	s->nflows++;
	s->cur[dir] = fi;
	f->s_next = s->members;
	s->members = fi;
	htab_insert(ft, &ft->fhash, &flow_ops, fi, h);
	if (++ft->next_seq == 0)
		ft->next_seq = 1;	/* 0 marks a free slot */
	f->seq = ft->next_seq;		/* live from here: see htab_grow */
	return fi;
}

uint64_t ft_hash(const struct flow_key *k)
{
	return flow_hash(k);
}

void ft_prefetch_bucket(const struct ft *ft, uint64_t h)
{
	__builtin_prefetch(&ft->fhash.bucket[h & ft->fhash.mask]);
}

void ft_prefetch_flow(const struct ft *ft, const struct flow_key *k, uint64_t h)
{
	uint32_t i = ft->fhash.bucket[h & ft->fhash.mask];
	if (i) {
		__builtin_prefetch(pool_at(&ft->flows, i));
	} else {
		/* An empty bucket: a new flow, which will look for its session. */
		struct session_key sk;
		session_key_of(k, &sk);
		__builtin_prefetch(&ft->shash.bucket[session_hash(&sk) & ft->shash.mask]);
	}
}

int ft_packet(struct ft *ft, const struct packet *pkt, ft_expired_fn fn, void *ctx)
{
	return ft_packet_hashed(ft, pkt, flow_hash(&pkt->key), fn, ctx);
}

int ft_packet_hashed(struct ft *ft, const struct packet *pkt, uint64_t h,
		     ft_expired_fn fn, void *ctx)
{
	int created = 0;
	uint32_t fi = flow_find(ft, &pkt->key, h);

	/* A counter that would pass the export format's limit ends the flow
	 * first: the packet opens the next one. */
	if (fi && ft->cfg.octet_limit &&
	    FLOW(ft, fi)->octets + pkt->octets > ft->cfg.octet_limit) {
		FLOW(ft, fi)->end_reason = END_LACK_OF_RESOURCES;
		FLOW(ft, fi)->rule = RULE_OVERBYTES;
		flow_release(ft, fi, fn, ctx);
		fi = 0;
	}
	if (fi == 0) {
		fi = flow_create(ft, pkt, h, fn, ctx);
		if (fi == 0)
			return 0;
		created = 1;
	}
	struct flow *f = FLOW(ft, fi);
	f->packets++;
	f->octets += pkt->octets;
	if (pkt->ts_us < f->first_us)
		f->first_us = pkt->ts_us;
	if (pkt->ts_us > f->last_us)
		f->last_us = pkt->ts_us;

	/* New TCP flags may change the timeout: a RST, or the FIN that
	 * completes FIN-both-ways, changes it for every flow of the
	 * conversation.  Flags already seen change nothing, and the session
	 * (one more cache miss) is left alone. */
	uint8_t fresh = pkt->tcp_flags & ~f->tcp_flags;
	f->tcp_flags |= pkt->tcp_flags;
	if (fresh || created) {
		struct session *s = SESS(ft, f->sess);
		uint8_t before = s->flags[0] | s->flags[1];
		int fin_both = (s->flags[0] & s->flags[1] & TH_FIN) != 0;
		s->flags[f->dir] |= fresh;
		f->idle_rule = flow_classify(ft, f);
		if (((s->flags[0] | s->flags[1]) & TH_RST) != (before & TH_RST) ||
		    ((s->flags[0] & s->flags[1] & TH_FIN) != 0) != fin_both) {
			for (uint32_t m = s->members; m; m = FLOW(ft, m)->s_next) {
				if (m == fi)
					continue;
				FLOW(ft, m)->idle_rule = flow_classify(ft, FLOW(ft, m));
				flow_schedule(ft, m, FLOW(ft, m));
			}
		}
	}
	flow_schedule(ft, fi, f);
	return created;
}

int64_t ft_next_scan(struct ft *ft, int64_t clock_us)
{
	uint32_t top = front_top(ft);
	int64_t step = (ft->cfg.to.expint > 1 ? ft->cfg.to.expint : 1) * US_PER_SEC;

	if (top == 0)
		return INT64_MAX;
	int64_t d = FLOW(ft, top)->deadline;
	if (d == FT_NOW)
		return clock_us;
	/* The first multiple of expint strictly after the deadline. */
	int64_t q = d / step - (d % step < 0);
	return (q + 1) * step;
}

size_t ft_expire(struct ft *ft, int64_t now_us, ft_expired_fn fn, void *ctx)
{
	size_t n = 0;
	uint32_t top;

	while ((top = front_top(ft)) != 0 && FLOW(ft, top)->deadline < now_us) {
		front_pop(ft, top);
		flow_release(ft, top, fn, ctx);
		n++;
	}
	return n;
}

static int entry_cmp(const void *va, const void *vb)
{
	const struct front_entry *a = va, *b = vb;
	return entry_less(a, b) ? -1 : entry_less(b, a);
}

/* Forget every flow and session at once; the memory stays for reuse. */
static void ft_reset(struct ft *ft)
{
	memset(ft->fhash.bucket, 0, (ft->fhash.mask + 1) * sizeof(uint32_t));
	memset(ft->shash.bucket, 0, (ft->shash.mask + 1) * sizeof(uint32_t));
	memset(ft->wheel, 0, sizeof(ft->wheel));
	ft->fhash.count = ft->shash.count = 0;
	ft->front.len = ft->now.len = 0;
	ft->front_valid = 0;
	ft->cur_sec = INT64_MAX;
	pool_reset(&ft->flows);
	pool_reset(&ft->sessions);
}

/*
 * Everything goes, so nothing is unlinked.  The flows are gathered by
 * walking their pool in memory order, sorted by (deadline, creation), and
 * reported in that order with the next ones prefetched; then the table is
 * reset in one go.  At a million flows this is a sequential read and a
 * sort instead of several cache misses a flow.
 */
size_t ft_expire_all(struct ft *ft, uint8_t reason, ft_expired_fn fn, void *ctx)
{
	size_t n = 0, live = ft->fhash.count;
	struct front_entry *e = live ? malloc(live * sizeof(*e)) : NULL;
	uint32_t top;

	if (e != NULL) {
		for (uint32_t i = 1; i < ft->flows.used && n < live; i++) {
			const struct flow *f = FLOW(ft, i);
			if (f->seq != 0)
				e[n++] = (struct front_entry){ f->deadline, f->seq, i };
		}
		qsort(e, n, sizeof(*e), entry_cmp);
		for (size_t k = 0; k < n; k++) {
			if (k + 8 < n)
				__builtin_prefetch(FLOW(ft, e[k + 8].idx));
			struct flow *f = FLOW(ft, e[k].idx);
			struct session *s = SESS(ft, f->sess);
			f->end_reason = reason;
			f->rule = RULE_FLUSHED;
			fn(ctx, ft, f);
			if (s->cur[f->dir] == e[k].idx)
				s->cur[f->dir] = 0;	/* ft_reverse stays true meanwhile */
		}
		free(e);
		ft_reset(ft);
		return n;
	}

	/* No memory for the sort: take them from the wheel, one by one. */
	while ((top = front_top(ft)) != 0) {
		front_pop(ft, top);
		FLOW(ft, top)->end_reason = reason;
		FLOW(ft, top)->rule = RULE_FLUSHED;
		flow_release(ft, top, fn, ctx);
		n++;
	}
	return n;
}

size_t ft_count(const struct ft *ft)
{
	return ft->fhash.count;
}

size_t ft_memory(const struct ft *ft)
{
	return pool_bytes(&ft->flows) + pool_bytes(&ft->sessions) +
	       (ft->fhash.mask + 1 + ft->shash.mask + 1) * sizeof(uint32_t) +
	       (ft->front.cap + ft->now.cap) * sizeof(struct front_entry) + sizeof(*ft);
}

const struct flow *ft_reverse(const struct ft *ft, const struct flow *f)
{
	uint32_t r = SESS(ft, f->sess)->cur[!f->dir];
	return r ? FLOW(ft, r) : NULL;
}

struct ft *ft_create(const struct ft_config *cfg)
{
	struct ft *ft = calloc(1, sizeof(*ft));
	/* Start small and grow: a large -m must not cost its memory up front. */
	size_t hint = cfg->max_flows && cfg->max_flows < 4096 ? (size_t)cfg->max_flows : 4096;

	if (ft == NULL)
		return NULL;
	ft->cfg = *cfg;
	ft->idle_us[RULE_GENERAL] = (int64_t)cfg->to.general * US_PER_SEC;
	ft->idle_us[RULE_TCP] = (int64_t)cfg->to.tcp * US_PER_SEC;
	ft->idle_us[RULE_TCP_RST] = (int64_t)cfg->to.tcp_rst * US_PER_SEC;
	ft->idle_us[RULE_TCP_FIN] = (int64_t)cfg->to.tcp_fin * US_PER_SEC;
	ft->idle_us[RULE_UDP] = (int64_t)cfg->to.udp * US_PER_SEC;
	ft->idle_us[RULE_ICMP] = (int64_t)cfg->to.icmp * US_PER_SEC;
	pool_init(&ft->flows, sizeof(struct flow), offsetof(struct flow, h_next));
	pool_init(&ft->sessions, sizeof(struct session), offsetof(struct session, h_next));
	ft->cur_sec = INT64_MAX;
	if (htab_init(&ft->fhash, hint) != 0 || htab_init(&ft->shash, hint) != 0) {
		ft_destroy(ft);
		return NULL;
	}
	return ft;
}

static void discard(void *ctx, const struct ft *ft, const struct flow *f)
{
	(void)ctx;
	(void)ft;
	(void)f;
}

void ft_destroy(struct ft *ft)
{
	if (ft == NULL)
		return;
	if (ft->fhash.bucket && ft->shash.bucket)
		ft_expire_all(ft, END_FORCED, discard, NULL);
	free(ft->fhash.bucket);
	free(ft->shash.bucket);
	free(ft->front.e);
	free(ft->now.e);
	pool_free(&ft->flows);
	pool_free(&ft->sessions);
	free(ft);
}
