/*
 * flowtable.c - flows, sessions, and the deadline heap.
 *
 * Two chained hash tables (flows by 7-tuple, sessions by unordered
 * 5-tuple) and one binary min-heap of flows ordered by (deadline, seq).
 *
 * The heap is lazy about deadlines that move later, which is what almost
 * every packet does: a flow's heap_key may lag behind its real deadline,
 * and the top is "settled" (re-keyed and sifted down) only when someone
 * looks at it.  A deadline that moves earlier (a RST shortens the timeout)
 * is sifted up at once.  Since heap_key <= deadline always holds, a
 * settled top is the true earliest flow.
 */
#include <stdlib.h>
#include <string.h>
#include "flowtable.h"
#include "../export/flowrec.h"

#define TH_FIN 0x01
#define TH_RST 0x04
#define US_PER_SEC 1000000LL

struct session_key {
	uint8_t addr[2][16];	/* side 0 is the lower (address, port) */
	uint16_t port[2];
	uint8_t af;
	uint8_t proto;
	uint8_t pad[2];
};
_Static_assert(sizeof(struct session_key) == 40, "session_key must have no hidden padding");

struct session {
	struct session_key key;
	struct hnode hn;	/* chain in the session hash */
	uint8_t flags[2];	/* OR of TCP flags sent by each side */
	uint32_t nflows;	/* live flows referring to this session */
	struct flow *members;	/* all of them: ToS variants make several a side */
	struct flow *cur[2];	/* newest live flow of each side */
};

/* A chained hash table of intrusive nodes; flows and sessions each have
 * one.  Lookups walk a bucket and compare keys in the caller. */
struct htab {
	struct hnode **bucket;
	size_t mask;
	size_t count;
};

#define FLOW_OF(n) ((struct flow *)((char *)(n) - offsetof(struct flow, hn)))
#define SESSION_OF(n) ((struct session *)((char *)(n) - offsetof(struct session, hn)))

struct ft {
	struct ft_config cfg;
	struct htab flows;
	struct htab sessions;
	struct flow **heap;
	size_t heap_len;
	size_t heap_cap;
	uint64_t next_seq;
};

/* ---- hashing ---------------------------------------------------------- */

/* 64-bit multiply-xorshift over 8-byte words; keys are multiples of 4
 * bytes and fully initialised. */
static uint64_t hash_bytes(const void *p, size_t len)
{
	const uint8_t *b = p;
	uint64_t h = 0x9e3779b97f4a7c15ULL ^ len;
	while (len >= 8) {
		uint64_t w;
		memcpy(&w, b, 8);
		h = (h ^ w) * 0xbf58476d1ce4e5b9ULL;
		h ^= h >> 31;
		b += 8;
		len -= 8;
	}
	if (len >= 4) {
		uint32_t w;
		memcpy(&w, b, 4);
		h = (h ^ w) * 0x94d049bb133111ebULL;
	}
	h ^= h >> 29;
	h *= 0xbf58476d1ce4e5b9ULL;
	return h ^ (h >> 32);
}

static int htab_init(struct htab *t, size_t n)
{
	size_t size = 64;
	while (size < n)
		size <<= 1;
	t->bucket = calloc(size, sizeof(*t->bucket));
	t->mask = size - 1;
	t->count = 0;
	return t->bucket ? 0 : -1;
}

/* Double the buckets once the table holds as many entries as buckets. */
static void htab_grow(struct htab *t)
{
	struct htab bigger;
	if (htab_init(&bigger, (t->mask + 1) * 2) != 0)
		return;			/* keep the old table: slower, still correct */
	for (size_t i = 0; i <= t->mask; i++) {
		struct hnode *n = t->bucket[i], *next;
		for (; n; n = next) {
			next = n->next;
			n->next = bigger.bucket[n->hash & bigger.mask];
			bigger.bucket[n->hash & bigger.mask] = n;
		}
	}
	bigger.count = t->count;
	free(t->bucket);
	*t = bigger;
}

static void htab_insert(struct htab *t, struct hnode *n)
{
	if (t->count >= t->mask + 1)
		htab_grow(t);
	struct hnode **b = &t->bucket[n->hash & t->mask];
	n->next = *b;
	*b = n;
	t->count++;
}

static void htab_remove(struct htab *t, struct hnode *n)
{
	struct hnode **pp = &t->bucket[n->hash & t->mask];
	while (*pp != n)
		pp = &(*pp)->next;
	*pp = n->next;
	t->count--;
}

/* ---- flow hash -------------------------------------------------------- */

static struct flow *flow_find(struct ft *ft, const struct flow_key *k, uint64_t h)
{
	for (struct hnode *n = ft->flows.bucket[h & ft->flows.mask]; n; n = n->next)
		if (n->hash == h && memcmp(&FLOW_OF(n)->key, k, sizeof(*k)) == 0)
			return FLOW_OF(n);
	return NULL;
}

/* ---- sessions --------------------------------------------------------- */

/* The session key of a flow key, and which side the flow's source is. */
static uint8_t session_key_of(const struct flow_key *k, struct session_key *sk)
{
	int c = memcmp(k->src, k->dst, 16);
	uint8_t dir = c > 0 || (c == 0 && k->sport > k->dport);

	memset(sk, 0, sizeof(*sk));
	sk->af = k->af;
	sk->proto = k->proto;
	memcpy(sk->addr[dir], k->src, 16);
	memcpy(sk->addr[!dir], k->dst, 16);
	sk->port[dir] = k->sport;
	sk->port[!dir] = k->dport;
	return dir;
}

static struct session *session_get(struct ft *ft, const struct session_key *sk)
{
	uint64_t h = hash_bytes(sk, sizeof(*sk));
	struct session *s;

	for (struct hnode *n = ft->sessions.bucket[h & ft->sessions.mask]; n; n = n->next)
		if (n->hash == h && memcmp(&SESSION_OF(n)->key, sk, sizeof(*sk)) == 0)
			return SESSION_OF(n);
	s = calloc(1, sizeof(*s));
	if (s == NULL)
		return NULL;
	s->key = *sk;
	s->hn.hash = h;
	htab_insert(&ft->sessions, &s->hn);
	return s;
}

static void session_put(struct ft *ft, struct session *s)
{
	if (--s->nflows > 0)
		return;
	htab_remove(&ft->sessions, &s->hn);
	free(s);
}

/* ---- heap ------------------------------------------------------------- */

static int heap_less(const struct flow *a, const struct flow *b)
{
	return a->heap_key < b->heap_key || (a->heap_key == b->heap_key && a->seq < b->seq);
}

static void heap_set(struct ft *ft, size_t i, struct flow *f)
{
	ft->heap[i] = f;
	f->heap_pos = i;
}

static void sift_up(struct ft *ft, size_t i)
{
	struct flow *f = ft->heap[i];
	while (i > 0) {
		size_t parent = (i - 1) / 2;
		if (!heap_less(f, ft->heap[parent]))
			break;
		heap_set(ft, i, ft->heap[parent]);
		i = parent;
	}
	heap_set(ft, i, f);
}

static void sift_down(struct ft *ft, size_t i)
{
	struct flow *f = ft->heap[i];
	for (;;) {
		size_t c = 2 * i + 1;
		if (c >= ft->heap_len)
			break;
		if (c + 1 < ft->heap_len && heap_less(ft->heap[c + 1], ft->heap[c]))
			c++;
		if (!heap_less(ft->heap[c], f))
			break;
		heap_set(ft, i, ft->heap[c]);
		i = c;
	}
	heap_set(ft, i, f);
}

static int heap_push(struct ft *ft, struct flow *f)
{
	if (ft->heap_len == ft->heap_cap) {
		size_t cap = ft->heap_cap ? ft->heap_cap * 2 : 1024;
		struct flow **h = realloc(ft->heap, cap * sizeof(*h));
		if (h == NULL)
			return -1;
		ft->heap = h;
		ft->heap_cap = cap;
	}
	f->heap_key = f->deadline;
	heap_set(ft, ft->heap_len++, f);
	sift_up(ft, ft->heap_len - 1);
	return 0;
}

static void heap_remove(struct ft *ft, struct flow *f)
{
	size_t i = f->heap_pos;
	struct flow *last = ft->heap[--ft->heap_len];
	if (i == ft->heap_len)
		return;
	heap_set(ft, i, last);
	sift_down(ft, i);
	sift_up(ft, last->heap_pos);
}

/* Make the top's heap key its real deadline, until the top is exact. */
static struct flow *heap_settled_top(struct ft *ft)
{
	while (ft->heap_len > 0) {
		struct flow *top = ft->heap[0];
		if (top->heap_key == top->deadline)
			return top;
		top->heap_key = top->deadline;
		sift_down(ft, 0);
	}
	return NULL;
}

/* ---- deadlines -------------------------------------------------------- */

/*
 * When a flow is due and why (softflowd-1.1.0.md §2.2): RST either way,
 * then FIN both ways, then the per-protocol idle timeout, capped by the
 * active timeout.  A zero timeout disables its rule.
 */
static void flow_schedule(struct ft *ft, struct flow *f)
{
	const struct timeouts *to = &ft->cfg.to;
	const struct session *s = f->sess;
	uint32_t idle = to->general;
	uint8_t reason = END_IDLE;
	int64_t deadline;

	if (f->deadline == FT_NOW)
		return;				/* already leaving */
	if (to->maxlife && f->last_us - f->first_us > (int64_t)to->maxlife * US_PER_SEC) {
		f->deadline = FT_NOW;
		f->end_reason = END_ACTIVE;
		goto requeue;
	}
	if (f->key.proto == 6) {
		uint8_t any = s->flags[0] | s->flags[1];
		if ((any & TH_RST) && to->tcp_rst) {
			idle = to->tcp_rst;
			reason = END_OF_FLOW;
		} else if ((s->flags[0] & TH_FIN) && (s->flags[1] & TH_FIN) && to->tcp_fin) {
			idle = to->tcp_fin;
			reason = END_OF_FLOW;
		} else if (to->tcp) {
			idle = to->tcp;
		}
	} else if (f->key.proto == 17 && to->udp) {
		idle = to->udp;
	} else if (((f->key.proto == 1 && f->key.af == 4) ||
		    (f->key.proto == 58 && f->key.af == 6)) && to->icmp) {
		idle = to->icmp;
	}
	deadline = f->last_us + (int64_t)idle * US_PER_SEC;
	if (to->maxlife && f->first_us + (int64_t)to->maxlife * US_PER_SEC < deadline) {
		deadline = f->first_us + (int64_t)to->maxlife * US_PER_SEC;
		reason = END_ACTIVE;
	}
	f->deadline = deadline;
	f->end_reason = reason;
requeue:
	if (f->deadline < f->heap_key) {
		f->heap_key = f->deadline;
		sift_up(ft, f->heap_pos);
	}
}

/* ---- flows ------------------------------------------------------------ */

static void flow_release(struct ft *ft, struct flow *f, ft_expired_fn fn, void *ctx)
{
	heap_remove(ft, f);
	htab_remove(&ft->flows, &f->hn);
	fn(ctx, f);
	if (f->sess->cur[f->dir] == f)
		f->sess->cur[f->dir] = NULL;
	if (f->s_prev)
		f->s_prev->s_next = f->s_next;
	else
		f->sess->members = f->s_next;
	if (f->s_next)
		f->s_next->s_prev = f->s_prev;
	session_put(ft, f->sess);
	free(f);
}

static struct flow *flow_create(struct ft *ft, const struct packet *pkt, uint64_t h,
				ft_expired_fn fn, void *ctx)
{
	struct session_key sk;
	struct flow *f;

	/* A full table makes room by ending the flow due soonest, exported
	 * now rather than dropped. */
	if (ft->cfg.max_flows && ft->flows.count >= ft->cfg.max_flows) {
		struct flow *victim = heap_settled_top(ft);
		if (victim) {
			victim->end_reason = END_LACK_OF_RESOURCES;
			flow_release(ft, victim, fn, ctx);
		}
	}
	f = calloc(1, sizeof(*f));
	if (f == NULL)
		return NULL;
	f->dir = session_key_of(&pkt->key, &sk);
	f->sess = session_get(ft, &sk);
	if (f->sess == NULL) {
		free(f);
		return NULL;
	}
	f->key = pkt->key;
	f->hn.hash = h;
	f->seq = ++ft->next_seq;
	f->first_us = pkt->ts_us;
	f->last_us = pkt->ts_us;
	f->vlan = pkt->vlan;
	f->deadline = INT64_MAX;
	if (heap_push(ft, f) != 0) {
		session_put(ft, f->sess);
		free(f);
		return NULL;
	}
	f->sess->nflows++;
	f->sess->cur[f->dir] = f;
	f->s_next = f->sess->members;
	if (f->s_next)
		f->s_next->s_prev = f;
	f->sess->members = f;
	htab_insert(&ft->flows, &f->hn);
	return f;
}

int ft_packet(struct ft *ft, const struct packet *pkt, ft_expired_fn fn, void *ctx)
{
	int created = 0;
	uint64_t h = hash_bytes(&pkt->key, sizeof(pkt->key));
	struct flow *f = flow_find(ft, &pkt->key, h);

	/* A counter that would pass the export format's limit ends the flow
	 * first: the packet opens the next one. */
	if (f && ft->cfg.octet_limit && f->octets + pkt->octets > ft->cfg.octet_limit) {
		f->end_reason = END_LACK_OF_RESOURCES;
		flow_release(ft, f, fn, ctx);
		f = NULL;
	}
	if (f == NULL) {
		f = flow_create(ft, pkt, h, fn, ctx);
		if (f == NULL)
			return 0;
		created = 1;
	}
	f->packets++;
	f->octets += pkt->octets;
	f->tcp_flags |= pkt->tcp_flags;
	if (pkt->ts_us < f->first_us)
		f->first_us = pkt->ts_us;
	if (pkt->ts_us > f->last_us)
		f->last_us = pkt->ts_us;

	struct session *s = f->sess;
	uint8_t before = s->flags[0] | s->flags[1];
	int fin_both = (s->flags[0] & s->flags[1] & TH_FIN) != 0;
	s->flags[f->dir] |= pkt->tcp_flags;
	flow_schedule(ft, f);
	/* A RST, or the FIN that completes FIN-both-ways, changes the timeout
	 * of every flow of the conversation, not only this one's. */
	if (((s->flags[0] | s->flags[1]) & TH_RST) != (before & TH_RST) ||
	    ((s->flags[0] & s->flags[1] & TH_FIN) != 0) != fin_both) {
		for (struct flow *m = s->members; m; m = m->s_next)
			if (m != f)
				flow_schedule(ft, m);
	}
	return created;
}

int64_t ft_next_scan(struct ft *ft, int64_t clock_us)
{
	struct flow *top = heap_settled_top(ft);
	int64_t step = (ft->cfg.to.expint > 1 ? ft->cfg.to.expint : 1) * US_PER_SEC;

	if (top == NULL)
		return INT64_MAX;
	if (top->deadline == FT_NOW)
		return clock_us;
	/* The first multiple of expint strictly after the deadline. */
	int64_t d = top->deadline;
	int64_t q = d / step - (d % step < 0);
	return (q + 1) * step;
}

size_t ft_expire(struct ft *ft, int64_t now_us, ft_expired_fn fn, void *ctx)
{
	size_t n = 0;
	struct flow *top;

	while ((top = heap_settled_top(ft)) != NULL && top->deadline < now_us) {
		flow_release(ft, top, fn, ctx);
		n++;
	}
	return n;
}

size_t ft_expire_all(struct ft *ft, uint8_t reason, ft_expired_fn fn, void *ctx)
{
	size_t n = 0;
	struct flow *top;

	while ((top = heap_settled_top(ft)) != NULL) {
		top->end_reason = reason;
		flow_release(ft, top, fn, ctx);
		n++;
	}
	return n;
}

size_t ft_count(const struct ft *ft)
{
	return ft->flows.count;
}

const struct flow *ft_reverse(const struct flow *f)
{
	return f->sess->cur[!f->dir];
}

struct ft *ft_create(const struct ft_config *cfg)
{
	struct ft *ft = calloc(1, sizeof(*ft));
	size_t hint = cfg->max_flows && cfg->max_flows < (1u << 24) ? (size_t)cfg->max_flows : 1024;

	if (ft == NULL)
		return NULL;
	ft->cfg = *cfg;
	if (htab_init(&ft->flows, hint) != 0 || htab_init(&ft->sessions, hint) != 0) {
		ft_destroy(ft);
		return NULL;
	}
	return ft;
}

static void discard(void *ctx, const struct flow *f)
{
	(void)ctx;
	(void)f;
}

void ft_destroy(struct ft *ft)
{
	if (ft == NULL)
		return;
	if (ft->flows.bucket && ft->sessions.bucket)
		ft_expire_all(ft, END_FORCED, discard, NULL);
	free(ft->flows.bucket);
	free(ft->sessions.bucket);
	free(ft->heap);
	free(ft);
}
