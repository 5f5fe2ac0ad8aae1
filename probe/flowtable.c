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
	uint8_t pad[2];
};
_Static_assert(sizeof(struct session_key) == 40, "session_key must have no hidden padding");

struct session {
	struct session_key key;
	uint32_t h_next;	/* next in the session hash chain */
	uint8_t flags[2];	/* OR of TCP flags sent by each side */
	uint32_t nflows;	/* live flows referring to this session */
	uint32_t members;	/* all of them: ToS variants make several a side */
	uint32_t cur[2];	/* newest live flow of each side */
};

/* Chained hash of pool indices; 0 ends a chain. */
struct htab {
	uint32_t *bucket;
	size_t mask;
	size_t count;
};

/* One entry of the sorted front: the deadline and creation number the
 * flow had when sorted, so a flow changed since is recognised. */
struct front_entry {
	int64_t deadline;
	uint32_t seq;
	uint32_t idx;
};

struct ft {
	struct ft_config cfg;
	struct pool flows;
	struct pool sessions;
	struct htab fhash;
	struct htab shash;
	uint32_t next_seq;

	uint32_t wheel[WHEEL_SLOTS];	/* heads of the per-second lists */
	uint32_t now_head;		/* flows due at the next scan */
	int64_t cur_sec;		/* no flow is filed before this second */
	struct front_entry *front;
	size_t front_len, front_pos, front_cap;
	int front_valid;
	int front_is_now;		/* the front holds the "now" list */
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
	t->bucket = calloc(size, sizeof(*t->bucket));
	t->mask = size - 1;
	t->count = 0;
	return t->bucket ? 0 : -1;
}

/* Where element i of a table keeps its chain link, and its hash. */
struct htab_ops {
	uint32_t *(*link)(struct ft *ft, uint32_t i);
	uint64_t (*hash)(struct ft *ft, uint32_t i);
};

static uint32_t *flow_link(struct ft *ft, uint32_t i) { return &FLOW(ft, i)->h_next; }
static uint64_t flow_hash_of(struct ft *ft, uint32_t i) { return flow_hash(&FLOW(ft, i)->key); }
static uint32_t *sess_link(struct ft *ft, uint32_t i) { return &SESS(ft, i)->h_next; }
static uint64_t sess_hash_of(struct ft *ft, uint32_t i) { return session_hash(&SESS(ft, i)->key); }

static const struct htab_ops flow_ops = { flow_link, flow_hash_of };
static const struct htab_ops sess_ops = { sess_link, sess_hash_of };

/* Double the buckets once the table holds as many entries as buckets;
 * hashes are recomputed, which is cheaper than storing them. */
static void htab_grow(struct ft *ft, struct htab *t, const struct htab_ops *ops)
{
	struct htab bigger;
	if (htab_init(&bigger, (t->mask + 1) * 2) != 0)
		return;			/* keep the old table: slower, still correct */
	for (size_t b = 0; b <= t->mask; b++) {
		uint32_t i = t->bucket[b], next;
		for (; i; i = next) {
			uint32_t *l = ops->link(ft, i);
			size_t nb = ops->hash(ft, i) & bigger.mask;
			next = *l;
			*l = bigger.bucket[nb];
			bigger.bucket[nb] = i;
		}
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

static uint32_t flow_find(struct ft *ft, const struct flow_key *k, uint64_t h)
{
	for (uint32_t i = ft->fhash.bucket[h & ft->fhash.mask]; i; ) {
		struct flow *f = FLOW(ft, i);
		if (memcmp(&f->key, k, sizeof(*k)) == 0)
			return i;
		i = f->h_next;
	}
	return 0;
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

static uint32_t session_get(struct ft *ft, const struct session_key *sk)
{
	uint64_t h = session_hash(sk);

	for (uint32_t i = ft->shash.bucket[h & ft->shash.mask]; i; ) {
		struct session *s = SESS(ft, i);
		if (memcmp(&s->key, sk, sizeof(*sk)) == 0)
			return i;
		i = s->h_next;
	}
	uint32_t i = pool_get(&ft->sessions);
	if (i == 0)
		return 0;
	SESS(ft, i)->key = *sk;
	htab_insert(ft, &ft->shash, &sess_ops, i, h);
	return i;
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
	htab_remove(ft, &ft->shash, &sess_ops, f->sess, session_hash(&s->key));
	pool_put(&ft->sessions, f->sess);
}

/* ---- the wheel -------------------------------------------------------- */

static int64_t sec_of(int64_t us)
{
	return us / US_PER_SEC - (us % US_PER_SEC < 0);
}

static uint32_t *list_head(struct ft *ft, int64_t filed_sec)
{
	if (filed_sec == NOW_FILED)
		return &ft->now_head;
	return &ft->wheel[(uint64_t)filed_sec & (WHEEL_SLOTS - 1)];
}

static void wheel_unlink(struct ft *ft, struct flow *f)
{
	if (f->filed_sec == NOT_FILED)
		return;
	if (f->w_prev)
		FLOW(ft, f->w_prev)->w_next = f->w_next;
	else
		*list_head(ft, f->filed_sec) = f->w_next;
	if (f->w_next)
		FLOW(ft, f->w_next)->w_prev = f->w_prev;
	f->filed_sec = NOT_FILED;
}

/* File a flow under its deadline's second (or on the "now" list). */
static void wheel_link(struct ft *ft, uint32_t fi, struct flow *f)
{
	int64_t s = f->deadline == FT_NOW ? NOW_FILED : sec_of(f->deadline);
	uint32_t *head = list_head(ft, s);

	f->filed_sec = s;
	f->w_prev = 0;
	f->w_next = *head;
	if (*head)
		FLOW(ft, *head)->w_prev = fi;
	*head = fi;
	if (s == NOW_FILED) {
		ft->front_valid = 0;	/* the now list goes first */
	} else if (s <= ft->cur_sec) {
		ft->cur_sec = s;
		ft->front_valid = 0;
	}
}

static void refile(struct ft *ft, uint32_t fi, struct flow *f)
{
	wheel_unlink(ft, f);
	wheel_link(ft, fi, f);
}

static int seq_before(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) < 0;
}

static int entry_cmp(const void *va, const void *vb)
{
	const struct front_entry *a = va, *b = vb;
	if (a->deadline != b->deadline)
		return a->deadline < b->deadline ? -1 : 1;
	return seq_before(a->seq, b->seq) ? -1 : seq_before(b->seq, a->seq);
}

static int front_push(struct ft *ft, uint32_t fi, const struct flow *f)
{
	if (ft->front_len == ft->front_cap) {
		size_t cap = ft->front_cap ? ft->front_cap * 2 : 256;
		struct front_entry *e = realloc(ft->front, cap * sizeof(*e));
		if (e == NULL)
			return -1;
		ft->front = e;
		ft->front_cap = cap;
	}
	ft->front[ft->front_len++] = (struct front_entry){ f->deadline, f->seq, fi };
	return 0;
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

/* Sort the flows due in the earliest non-empty second into the front. */
static void front_build(struct ft *ft)
{
	ft->front_len = ft->front_pos = 0;
	ft->front_valid = 1;
	ft->front_is_now = ft->now_head != 0;
	if (ft->front_is_now) {
		for (uint32_t i = ft->now_head; i; i = FLOW(ft, i)->w_next)
			if (front_push(ft, i, FLOW(ft, i)) != 0)
				break;
	} else {
		uint32_t empty = 0;
		while (ft->fhash.count > 0) {
			int64_t s = ft->cur_sec;
			for (uint32_t i = ft->wheel[(uint64_t)s & (WHEEL_SLOTS - 1)], next; i; i = next) {
				struct flow *f = FLOW(ft, i);
				next = f->w_next;
				if (f->filed_sec != s)
					continue;	/* a later turn of the wheel */
				if (sec_of(f->deadline) > s)
					refile(ft, i, f);	/* moved on since */
				else if (front_push(ft, i, f) != 0)
					break;
			}
			if (ft->front_len > 0)
				break;
			if (++empty < WHEEL_SLOTS) {
				ft->cur_sec++;
			} else {
				ft->cur_sec = earliest_filed(ft);
				empty = 0;
				if (ft->cur_sec == INT64_MAX)
					break;		/* nothing on the wheel */
			}
		}
		ft->front_valid = 1;	/* refiling above may have cleared it */
	}
	qsort(ft->front, ft->front_len, sizeof(*ft->front), entry_cmp);
}

/*
 * The flow due soonest, or 0.  Entries of flows that left or changed since
 * the front was sorted are dropped, refiled or re-sorted here.
 */
static uint32_t front_top(struct ft *ft)
{
	for (;;) {
		if (!ft->front_valid || ft->front_pos == ft->front_len) {
			front_build(ft);
			if (ft->front_len == 0)
				return 0;
		}
		struct front_entry *e = &ft->front[ft->front_pos];
		struct flow *f = FLOW(ft, e->idx);
		int64_t here = ft->front_is_now ? NOW_FILED : ft->cur_sec;

		if (f->seq != e->seq || f->filed_sec != here) {
			ft->front_pos++;		/* gone, or refiled elsewhere */
			continue;
		}
		if (f->deadline == e->deadline)
			return e->idx;
		if (!ft->front_is_now && sec_of(f->deadline) > here) {
			ft->front_pos++;
			refile(ft, e->idx, f);
			continue;
		}
		/* Later within the same second: move the entry into place. */
		e->deadline = f->deadline;
		for (size_t k = ft->front_pos; k + 1 < ft->front_len &&
		     entry_cmp(&ft->front[k], &ft->front[k + 1]) > 0; k++) {
			struct front_entry t = ft->front[k];
			ft->front[k] = ft->front[k + 1];
			ft->front[k + 1] = t;
		}
	}
}

/* ---- deadlines -------------------------------------------------------- */

/*
 * When a flow is due and why (softflowd-1.1.0.md §2.2): RST either way,
 * then FIN both ways, then the per-protocol idle timeout, capped by the
 * active timeout.  A zero timeout disables its rule.
 */
static void flow_schedule(struct ft *ft, uint32_t fi, struct flow *f)
{
	const struct timeouts *to = &ft->cfg.to;
	const struct session *s = SESS(ft, f->sess);
	uint32_t idle = to->general;
	uint8_t reason = END_IDLE, rule = RULE_GENERAL;
	int64_t deadline, before = f->deadline;

	if (before == FT_NOW)
		return;				/* already leaving */
	if (to->maxlife && f->last_us - f->first_us > (int64_t)to->maxlife * US_PER_SEC) {
		f->deadline = FT_NOW;
		f->end_reason = END_ACTIVE;
		f->rule = RULE_MAXLIFE;
		refile(ft, fi, f);
		return;
	}
	if (f->key.proto == 6) {
		uint8_t any = s->flags[0] | s->flags[1];
		if ((any & TH_RST) && to->tcp_rst) {
			idle = to->tcp_rst;
			reason = END_OF_FLOW;
			rule = RULE_TCP_RST;
		} else if ((s->flags[0] & TH_FIN) && (s->flags[1] & TH_FIN) && to->tcp_fin) {
			idle = to->tcp_fin;
			reason = END_OF_FLOW;
			rule = RULE_TCP_FIN;
		} else if (to->tcp) {
			idle = to->tcp;
			rule = RULE_TCP;
		}
	} else if (f->key.proto == 17 && to->udp) {
		idle = to->udp;
		rule = RULE_UDP;
	} else if (((f->key.proto == 1 && f->key.af == 4) ||
		    (f->key.proto == 58 && f->key.af == 6)) && to->icmp) {
		idle = to->icmp;
		rule = RULE_ICMP;
	}
	deadline = f->last_us + (int64_t)idle * US_PER_SEC;
	if (to->maxlife && f->first_us + (int64_t)to->maxlife * US_PER_SEC < deadline) {
		deadline = f->first_us + (int64_t)to->maxlife * US_PER_SEC;
		reason = END_ACTIVE;
		rule = RULE_MAXLIFE;
	}
	f->deadline = deadline;
	f->end_reason = reason;
	f->rule = rule;
	if (f->filed_sec == NOT_FILED || sec_of(deadline) < f->filed_sec)
		refile(ft, fi, f);
	else if (deadline < before && f->filed_sec == ft->cur_sec)
		ft->front_valid = 0;	/* earlier, but in the front's second */
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
	if (ft->fhash.count == 0)
		ft->cur_sec = INT64_MAX;	/* the next flow sets it */
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
	if (++ft->next_seq == 0)
		ft->next_seq = 1;	/* 0 marks a free slot */
	f->seq = ft->next_seq;
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
	return fi;
}

int ft_packet(struct ft *ft, const struct packet *pkt, ft_expired_fn fn, void *ctx)
{
	int created = 0;
	uint64_t h = flow_hash(&pkt->key);
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
	f->tcp_flags |= pkt->tcp_flags;
	if (pkt->ts_us < f->first_us)
		f->first_us = pkt->ts_us;
	if (pkt->ts_us > f->last_us)
		f->last_us = pkt->ts_us;

	struct session *s = SESS(ft, f->sess);
	uint8_t before = s->flags[0] | s->flags[1];
	int fin_both = (s->flags[0] & s->flags[1] & TH_FIN) != 0;
	s->flags[f->dir] |= pkt->tcp_flags;
	flow_schedule(ft, fi, f);
	/* A RST, or the FIN that completes FIN-both-ways, changes the timeout
	 * of every flow of the conversation, not only this one's. */
	if (((s->flags[0] | s->flags[1]) & TH_RST) != (before & TH_RST) ||
	    ((s->flags[0] & s->flags[1] & TH_FIN) != 0) != fin_both) {
		for (uint32_t m = s->members; m; m = FLOW(ft, m)->s_next)
			if (m != fi)
				flow_schedule(ft, m, FLOW(ft, m));
	}
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
		ft->front_pos++;
		flow_release(ft, top, fn, ctx);
		n++;
	}
	return n;
}

size_t ft_expire_all(struct ft *ft, uint8_t reason, ft_expired_fn fn, void *ctx)
{
	size_t n = 0;
	uint32_t top;

	while ((top = front_top(ft)) != 0) {
		ft->front_pos++;
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
	       ft->front_cap * sizeof(*ft->front) + sizeof(*ft);
}

const struct flow *ft_reverse(const struct ft *ft, const struct flow *f)
{
	uint32_t r = SESS(ft, f->sess)->cur[!f->dir];
	return r ? FLOW(ft, r) : NULL;
}

struct ft *ft_create(const struct ft_config *cfg)
{
	struct ft *ft = calloc(1, sizeof(*ft));
	size_t hint = cfg->max_flows && cfg->max_flows < (1u << 24) ? (size_t)cfg->max_flows : 1024;

	if (ft == NULL)
		return NULL;
	ft->cfg = *cfg;
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
	free(ft->front);
	pool_free(&ft->flows);
	pool_free(&ft->sessions);
	free(ft);
}
