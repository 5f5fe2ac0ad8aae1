/*
 * flowtable.c - flows, sessions, and the expiry wheel.
 *
 * Flows and sessions live in pools (pool.h) and are found through hash
 * indices of 32-bit pool indices (tagtab.h).  A packet's lookup is
 * prepared a few packets ahead (ft_ahead_*), so that its cache misses
 * overlap others'.
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
#include "tagtab.h"
#include "dueorder.h"
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
	uint32_t tag;		/* its hash's tag in the session index */
	uint32_t nflows;	/* live flows referring to this session */
	uint32_t members;	/* all of them: ToS variants make several a side */
	uint32_t cur[2];	/* newest live flow of each side */
	uint8_t flags[2];	/* FIN and RST as sent by each side: the rules' */
	uint8_t pad[10];	/* two to a cache line, never across one */
};
_Static_assert(sizeof(struct session) == 32, "a session is half a cache line");

struct heap {
	struct due *e;
	size_t len, cap;
};

struct ft {
	struct ft_config cfg;
	struct pool flows;
	struct pool sessions;
	struct tagtab ftab;		/* flows by 7-tuple */
	struct tagtab stab;		/* sessions by unordered 5-tuple */
	uint64_t seed;			/* of the hashes: cfg.hash_seed */
	int64_t maxlife_us;		/* the active timeout, 0: none */
	uint32_t next_seq;
	int64_t idle_us[RULE_MAXLIFE];	/* each idle rule's timeout */

	uint32_t wheel[WHEEL_SLOTS];	/* heads of the per-second lists */
	int64_t cur_sec;		/* no flow is filed before this second */
	struct heap front;		/* the flows filed under cur_sec */
	int front_valid;		/* front holds all of them */
	struct heap now;		/* flows due at the next scan */

	/* A lower bound on every live flow's deadline, and the scan time it
	 * gives: kept up as deadlines are set, made exact by ft_next_scan.
	 * It lets a packet skip the search for the next scan. */
	int64_t floor_deadline;
	int64_t scan_floor;
};

/* Element i of the flow and session pools, with the chunk geometry as
 * constants (pool_init works it out the same way, checked in ft_create):
 * a shift and a mask, not loads and a multiply, on every access. */
#define FLOW_CHUNK_BITS 14	/* 2^14 flows of 128 bytes: one 2 MiB chunk */
#define SESS_CHUNK_BITS 16	/* 2^16 sessions of 32 bytes */
_Static_assert(((size_t)1 << FLOW_CHUNK_BITS) * sizeof(struct flow) == POOL_CHUNK_BYTES,
	       "flows fill their chunks exactly");
_Static_assert(((size_t)1 << SESS_CHUNK_BITS) * sizeof(struct session) == POOL_CHUNK_BYTES,
	       "sessions fill their chunks exactly");
#define FLOW(ft, i) ((struct flow *)pool_at_fixed(&(ft)->flows, (i), FLOW_CHUNK_BITS, sizeof(struct flow)))
#define SESS(ft, i) \
	((struct session *)pool_at_fixed(&(ft)->sessions, (i), SESS_CHUNK_BITS, sizeof(struct session)))

/* ---- hashing ---------------------------------------------------------- */

/*
 * Keys are hashed by multiplying pairs of 8-byte words into 128 bits and
 * folding the halves (the "mum" of wyhash).  The pairs are independent, so
 * the multiplies overlap: a 48-byte key costs a few cycles, not a chain
 * of six.  The words are first mixed with the table's seed, random per
 * run (main.c), so that nobody can choose packets whose keys pile into
 * one bucket; the output never depends on where a key lands.
 */
static inline uint64_t mum(uint64_t a, uint64_t b)
{
	__uint128_t r = (__uint128_t)a * b;
	return (uint64_t)r ^ (uint64_t)(r >> 64);
}

#define K0 0xa0761d6478bd642fULL
#define K1 0xe7037ed1a0b428dbULL
#define K2 0x8ebc6af09c88c6e3ULL
#define K3 0x589965cc75374cc3ULL
#define K4 0x1d8e4e27c47d124fULL

/* The i-th 8-byte word of a key (one load each: copying the key to an
 * array first costs a store and a reload). */
static inline uint64_t word(const void *k, int i)
{
	uint64_t w;
	memcpy(&w, (const char *)k + 8 * i, 8);
	return w;
}

static uint64_t flow_hash(const struct ft *ft, const struct flow_key *k)
{
	uint64_t s = ft->seed;
	uint64_t a = mum(word(k, 0) ^ K0 ^ s, word(k, 1) ^ K1);
	uint64_t b = mum(word(k, 2) ^ K2, word(k, 3) ^ K3 ^ s);
	uint64_t c = mum(word(k, 4) ^ K4 ^ s, word(k, 5) ^ K0);
	return mum(a ^ c ^ K1, b ^ K2);
}
_Static_assert(sizeof(struct flow_key) == 48, "flow_hash reads 48 bytes");

static uint64_t session_hash(const struct ft *ft, const struct session_key *k)
{
	uint64_t s = ft->seed;
	uint64_t a = mum(word(k, 0) ^ K0 ^ s, word(k, 1) ^ K1);
	uint64_t b = mum(word(k, 2) ^ K2, word(k, 3) ^ K3 ^ s);
	return mum(a ^ K4, b ^ word(k, 4) ^ K3);
}
_Static_assert(sizeof(struct session_key) == 40, "session_hash reads 40 bytes");

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

static uint32_t flow_find(const struct ft *ft, const struct flow_key *k, uint64_t h)
{
	struct tagtab_it it;

	for (uint32_t i = tagtab_first(&ft->ftab, tagtab_tag(h), &it); i; i = tagtab_next(&ft->ftab, &it))
		if (key_equal(&FLOW(ft, i)->key, k))
			return i;
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

/* The session of key sk (hash sh), or 0. */
static uint32_t session_find(const struct ft *ft, const struct session_key *sk, uint64_t sh)
{
	struct tagtab_it it;
	struct session_key other;

	for (uint32_t i = tagtab_first(&ft->stab, tagtab_tag(sh), &it); i; i = tagtab_next(&ft->stab, &it)) {
		session_key_of(&FLOW(ft, SESS(ft, i)->members)->key, &other);
		if (session_key_equal(&other, sk))
			return i;
	}
	return 0;
}

/* Forget flow fi in its session; the session goes with its last flow. */
static void session_leave(struct ft *ft, uint32_t fi, struct flow *f)
{
	struct session *s = SESS(ft, f->sess);
	uint32_t *pp = &s->members;

	while (*pp != fi)
		pp = &FLOW(ft, *pp)->s_next;
	*pp = f->s_next;
	if (s->cur[f->dir] == fi)
		s->cur[f->dir] = 0;
	if (--s->nflows > 0)
		return;
	tagtab_remove(&ft->stab, s->tag, f->sess);
	pool_put(&ft->sessions, f->sess);
}

/* ---- the wheel -------------------------------------------------------- */

static int64_t sec_of(int64_t us)
{
	return us / US_PER_SEC - (us % US_PER_SEC < 0);
}

/* A binary min-heap of entries: small, contiguous, and only ever as big
 * as one second's worth of flows (or the flows due now). */
static void heap_down(struct heap *h, size_t i)
{
	struct due e = h->e[i];
	for (;;) {
		size_t c = 2 * i + 1;
		if (c >= h->len)
			break;
		if (c + 1 < h->len && due_before(&h->e[c + 1], &h->e[c]))
			c++;
		if (!due_before(&h->e[c], &e))
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
		struct due *e = realloc(h->e, cap * sizeof(*e));
		if (e == NULL)
			return;		/* found again when its second is rebuilt */
		h->e = e;
		h->cap = cap;
	}
	size_t i = h->len++;
	struct due n = { f->deadline, f->seq, fi };
	while (i > 0 && due_before(&n, &h->e[(i - 1) / 2])) {
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
		struct due *e = &h->e[0];
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
		if (ft->ftab.count == 0) {
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

/* The scan that expires deadline d: the first multiple of expint seconds
 * strictly after it; a flow due now goes at the next scan, whenever. */
static int64_t scan_after(const struct ft *ft, int64_t d)
{
	int64_t step = (ft->cfg.to.expint > 1 ? ft->cfg.to.expint : 1) * US_PER_SEC;

	if (d == FT_NOW)
		return INT64_MIN;
	int64_t q = d / step - (d % step < 0);
	return (q + 1) * step;
}

/* A deadline was set: keep the floor at or below it. */
static void floor_note(struct ft *ft, int64_t d)
{
	if (d < ft->floor_deadline) {
		ft->floor_deadline = d;
		ft->scan_floor = scan_after(ft, d);
	}
}

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
	/* The end reason each rule stands for. */
	static const uint8_t reason_of[RULE_MAXLIFE + 1] = {
		[RULE_GENERAL] = END_IDLE, [RULE_TCP] = END_IDLE, [RULE_UDP] = END_IDLE,
		[RULE_ICMP] = END_IDLE, [RULE_TCP_RST] = END_OF_FLOW, [RULE_TCP_FIN] = END_OF_FLOW,
		[RULE_MAXLIFE] = END_ACTIVE,
	};
	int64_t deadline, before = f->deadline, maxlife = ft->maxlife_us;
	uint8_t rule = f->idle_rule;

	if (before == FT_NOW)
		return;				/* already leaving */
	if (maxlife && f->last_us - f->first_us > maxlife) {
		f->deadline = FT_NOW;
		f->end_reason = END_ACTIVE;
		f->rule = RULE_MAXLIFE;
		floor_note(ft, FT_NOW);
		refile(ft, fi, f);
		return;
	}
	deadline = f->last_us + ft->idle_us[rule];
	if (maxlife && f->first_us + maxlife < deadline) {
		deadline = f->first_us + maxlife;
		rule = RULE_MAXLIFE;
	}
	f->deadline = deadline;
	floor_note(ft, deadline);
	f->rule = rule;
	f->end_reason = reason_of[rule];
	/* Filed under a second after the new deadline's (sec_of(deadline) <
	 * filed_sec, without a division): refile.  A flow on the "now" list
	 * has deadline FT_NOW and never gets here. */
	if (f->filed_sec == NOT_FILED || deadline < f->filed_sec * US_PER_SEC)
		refile(ft, fi, f);
	else if (deadline < before && f->filed_sec == ft->cur_sec && ft->front_valid)
		heap_push(&ft->front, fi, f);	/* earlier, in the front's second */
}

/* ---- flows ------------------------------------------------------------ */

static void flow_release(struct ft *ft, uint32_t fi, ft_expired_fn fn, void *ctx)
{
	struct flow *f = FLOW(ft, fi);

	wheel_unlink(ft, f);
	tagtab_remove(&ft->ftab, f->tag, fi);
	fn(ctx, ft, f);
	session_leave(ft, fi, f);
	f->seq = 0;			/* stale front entries see it gone */
	pool_put(&ft->flows, fi);
}

/* The session of sk (hash sh), made if there is none.  A new session has
 * no member yet: the caller adds one before anything looks it up. */
static uint32_t session_get(struct ft *ft, const struct session_key *sk, uint64_t sh)
{
	uint32_t si = session_find(ft, sk, sh);

	if (si != 0)
		return si;
	si = pool_get_sized(&ft->sessions, sizeof(struct session));
	if (si == 0)
		return 0;
	if (tagtab_insert(&ft->stab, tagtab_tag(sh), si) != 0) {
		pool_put(&ft->sessions, si);
		return 0;
	}
	SESS(ft, si)->tag = tagtab_tag(sh);
	return si;
}

static uint32_t flow_create(struct ft *ft, const struct packet *pkt, const struct ft_ahead *a,
			    ft_expired_fn fn, void *ctx)
{
	struct session_key sk;

	/* A full table makes room by ending the flow due soonest, exported
	 * now rather than dropped. */
	if (ft->cfg.max_flows && ft->ftab.count >= ft->cfg.max_flows) {
		uint32_t victim = front_top(ft);
		if (victim) {
			FLOW(ft, victim)->end_reason = END_LACK_OF_RESOURCES;
			FLOW(ft, victim)->rule = RULE_MAXFLOWS;
			flow_release(ft, victim, fn, ctx);
		}
	}
	uint32_t fi = pool_get_sized(&ft->flows, sizeof(struct flow));
	if (fi == 0)
		return 0;
	uint8_t dir = session_key_of(&pkt->key, &sk);
	uint32_t si = session_get(ft, &sk, a->have_sh ? a->sh : session_hash(ft, &sk));
	if (si == 0 || tagtab_insert(&ft->ftab, tagtab_tag(a->h), fi) != 0) {
		if (si != 0 && SESS(ft, si)->nflows == 0) {
			tagtab_remove(&ft->stab, SESS(ft, si)->tag, si);
			pool_put(&ft->sessions, si);
		}
		pool_put(&ft->flows, fi);
		return 0;
	}
	struct flow *f = FLOW(ft, fi);
	struct session *s = SESS(ft, si);
	f->key = pkt->key;
	f->tag = tagtab_tag(a->h);
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
	if (++ft->next_seq == 0)
		ft->next_seq = 1;	/* 0 marks a free slot */
	f->seq = ft->next_seq;		/* live from here: see ft_expire_all */
	return fi;
}

void ft_ahead_hash(const struct ft *ft, const struct packet *pkt, struct ft_ahead *a)
{
	a->h = flow_hash(ft, &pkt->key);
	a->have_sh = 0;
	a->fi = 0;
	a->si = 0;
	__builtin_prefetch(tagtab_home(&ft->ftab, tagtab_tag(a->h)));
}

void ft_ahead_flow(const struct ft *ft, const struct packet *pkt, struct ft_ahead *a)
{
	struct tagtab_it it;

	a->fi = tagtab_first(&ft->ftab, tagtab_tag(a->h), &it);
	if (a->fi != 0) {
		const char *f = (const char *)FLOW(ft, a->fi);
		__builtin_prefetch(f);
		__builtin_prefetch(f + 64);	/* the counters and times */
		return;
	}
	/* No flow: a new one, which will look for its session. */
	struct session_key sk;
	session_key_of(&pkt->key, &sk);
	a->sh = session_hash(ft, &sk);
	a->have_sh = 1;
	__builtin_prefetch(tagtab_home(&ft->stab, tagtab_tag(a->sh)));
}

void ft_ahead_session(const struct ft *ft, const struct packet *pkt, struct ft_ahead *a)
{
	struct tagtab_it it;

	if (a->have_sh) {
		a->si = tagtab_first(&ft->stab, tagtab_tag(a->sh), &it);
	} else if ((pkt->tcp_flags & (TH_FIN | TH_RST)) && a->fi < ft->flows.used) {
		/* The flow (fetched by now) may see its first FIN or RST,
		 * which the session records. */
		a->si = FLOW(ft, a->fi)->sess;
	}
	if (a->si != 0 && a->si < ft->sessions.used)
		__builtin_prefetch(SESS(ft, a->si));
}

void ft_ahead_member(const struct ft *ft, const struct ft_ahead *a)
{
	/* The session may have gone since: its slot then reads as free. */
	if (a->si == 0 || a->si >= ft->sessions.used)
		return;
	const struct session *s = SESS(ft, a->si);
	if (a->have_sh) {
		/* A member's key tells whether this is the session sought. */
		if (s->members != 0 && s->members < ft->flows.used)
			__builtin_prefetch(FLOW(ft, s->members));
		return;
	}
	/* A FIN or RST may reschedule the other side: its protocol (for the
	 * rule) is on the flow's first line, its deadline and links on the
	 * second. */
	for (int d = 0; d < 2; d++) {
		if (s->cur[d] != 0 && s->cur[d] != a->fi && s->cur[d] < ft->flows.used) {
			const char *o = (const char *)FLOW(ft, s->cur[d]);
			__builtin_prefetch(o);
			__builtin_prefetch(o + 64);
		}
	}
}

int ft_packet(struct ft *ft, const struct packet *pkt, ft_expired_fn fn, void *ctx)
{
	struct ft_ahead a = { .h = flow_hash(ft, &pkt->key) };
	return ft_packet_ahead(ft, pkt, &a, fn, ctx);
}

int ft_packet_ahead(struct ft *ft, const struct packet *pkt, const struct ft_ahead *a,
		    ft_expired_fn fn, void *ctx)
{
	int created = 0;
	uint32_t fi = flow_find(ft, &pkt->key, a->h);

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
		fi = flow_create(ft, pkt, a, fn, ctx);
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

	/* A new RST, or the FIN that completes FIN-both-ways, changes the
	 * timeout of every flow of the conversation.  Other flags, and
	 * flags already seen, change nothing, and the session (one more
	 * cache miss) is left alone. */
	uint8_t fresh = pkt->tcp_flags & ~f->tcp_flags & (TH_FIN | TH_RST);
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

	ft->floor_deadline = top ? FLOW(ft, top)->deadline : INT64_MAX;
	ft->scan_floor = top ? scan_after(ft, ft->floor_deadline) : INT64_MAX;
	if (top == 0)
		return INT64_MAX;
	return ft->floor_deadline == FT_NOW ? clock_us : ft->scan_floor;
}

const int64_t *ft_scan_floor_at(const struct ft *ft)
{
	return &ft->scan_floor;
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

/* Forget every flow and session at once; the memory stays for reuse. */
static void ft_reset(struct ft *ft)
{
	tagtab_clear(&ft->ftab);
	tagtab_clear(&ft->stab);
	memset(ft->wheel, 0, sizeof(ft->wheel));
	ft->front.len = ft->now.len = 0;
	ft->front_valid = 0;
	ft->cur_sec = INT64_MAX;
	ft->floor_deadline = ft->scan_floor = INT64_MAX;
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
	size_t n = 0, live = ft->ftab.count;
	struct due *e = live ? big_alloc(live * sizeof(*e)) : NULL;	/* huge pages: 16 faults, not 8000 */
	struct tagtab fsmall, ssmall;
	uint32_t top;

	if (e != NULL && tagtab_init(&fsmall, 0) == 0) {
		if (tagtab_init(&ssmall, 0) != 0) {
			tagtab_free(&fsmall);
			goto one_by_one;
		}
		/* Reporting and forgetting every flow needs no index: the big
		 * ones go back before the sort's array is filled, so the flush
		 * is not the peak of the probe's memory, and the table starts
		 * small again after it. */
		tagtab_free(&ft->ftab);
		tagtab_free(&ft->stab);
		ft->ftab = fsmall;
		ft->stab = ssmall;
		for (uint32_t i = 1; i < ft->flows.used && n < live; i++) {
			const struct flow *f = FLOW(ft, i);
			if (f->seq != 0)
				e[n++] = (struct due){ f->deadline, f->seq, i };
		}
		/* A million flows sort on two cores: the later half on a
		 * thread while this one sorts the earlier half and reports it. */
		size_t half = n >= 65536 ? due_split(e, n) : 0;
		struct due_job *later = half ? due_sort_start(e + half, n - half) : NULL;
		due_sort(e, half ? half : n);
		/* Flows are read in that order, which is random in memory: each
		 * is fetched 16 flows ahead.  A flow reported is marked gone
		 * (seq 0), which ft_reverse sees, so sessions are left alone. */
		for (size_t k = 0; k < n; k++) {
			if (k == half)
				due_sort_wait(later);
			/* (not past half before the later half is sorted) */
			if (k + 16 < (k < half ? half : n)) {
				const char *ahead = (const char *)FLOW(ft, e[k + 16].idx);
				__builtin_prefetch(ahead);
				__builtin_prefetch(ahead + 64);
			}
			struct flow *f = FLOW(ft, e[k].idx);
			f->end_reason = reason;
			f->rule = RULE_FLUSHED;
			fn(ctx, ft, f);
			f->seq = 0;
		}
		free(e);
		ft_reset(ft);
		return n;
	}

	/* No memory for the sort: take them from the wheel, one by one. */
one_by_one:
	free(e);
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
	return ft->ftab.count;
}

size_t ft_memory(const struct ft *ft)
{
	return pool_bytes(&ft->flows) + pool_bytes(&ft->sessions) +
	       tagtab_bytes(&ft->ftab) + tagtab_bytes(&ft->stab) +
	       (ft->front.cap + ft->now.cap) * sizeof(struct due) + sizeof(*ft);
}

const struct flow *ft_reverse(const struct ft *ft, const struct flow *f)
{
	uint32_t r = SESS(ft, f->sess)->cur[!f->dir];
	/* During ft_expire_all a flow already reported has seq 0. */
	return r && FLOW(ft, r)->seq != 0 ? FLOW(ft, r) : NULL;
}

struct ft *ft_create(const struct ft_config *cfg)
{
	struct ft *ft = calloc(1, sizeof(*ft));
	/* Start small and grow: a large -m must not cost its memory up front. */
	size_t hint = cfg->max_flows && cfg->max_flows < 4096 ? (size_t)cfg->max_flows : 4096;

	if (ft == NULL)
		return NULL;
	ft->cfg = *cfg;
	ft->seed = cfg->hash_seed;
	ft->maxlife_us = (int64_t)cfg->to.maxlife * US_PER_SEC;
	ft->idle_us[RULE_GENERAL] = (int64_t)cfg->to.general * US_PER_SEC;
	ft->idle_us[RULE_TCP] = (int64_t)cfg->to.tcp * US_PER_SEC;
	ft->idle_us[RULE_TCP_RST] = (int64_t)cfg->to.tcp_rst * US_PER_SEC;
	ft->idle_us[RULE_TCP_FIN] = (int64_t)cfg->to.tcp_fin * US_PER_SEC;
	ft->idle_us[RULE_UDP] = (int64_t)cfg->to.udp * US_PER_SEC;
	ft->idle_us[RULE_ICMP] = (int64_t)cfg->to.icmp * US_PER_SEC;
	/* A free element keeps the free list where a live one keeps its
	 * session or members: seq, 0 in a free flow, must stay so. */
	pool_init(&ft->flows, sizeof(struct flow), offsetof(struct flow, sess));
	pool_init(&ft->sessions, sizeof(struct session), offsetof(struct session, members));
	if (ft->flows.chunk_bits != FLOW_CHUNK_BITS || ft->sessions.chunk_bits != SESS_CHUNK_BITS)
		abort();	/* FLOW() and SESS() would be wrong: a build error, really */
	ft->cur_sec = INT64_MAX;
	ft->floor_deadline = ft->scan_floor = INT64_MAX;
	if (tagtab_init(&ft->ftab, hint) != 0 || tagtab_init(&ft->stab, hint) != 0) {
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
	if (ft->ftab.b && ft->stab.b)
		ft_expire_all(ft, END_FORCED, discard, NULL);
	tagtab_free(&ft->ftab);
	tagtab_free(&ft->stab);
	free(ft->front.e);
	free(ft->now.e);
	pool_free(&ft->flows);
	pool_free(&ft->sessions);
	free(ft);
}

size_t ft_walk(struct ft *ft, ft_expired_fn fn, void *ctx)
{
	size_t n = 0, live = ft->ftab.count;
	struct due *e = live ? malloc(live * sizeof(*e)) : NULL;

	if (e == NULL)
		return 0;
	for (uint32_t i = 1; i < ft->flows.used && n < live; i++) {
		const struct flow *f = FLOW(ft, i);
		if (f->seq != 0)
			e[n++] = (struct due){ f->deadline, f->seq, i };
	}
	due_sort(e, n);
	for (size_t k = 0; k < n; k++)
		fn(ctx, ft, FLOW(ft, e[k].idx));
	free(e);
	return n;
}
