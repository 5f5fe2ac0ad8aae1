/*
 * flowtable.h - the table of live one-way flows and their expiry.
 *
 * Each direction of a conversation is its own flow, keyed by the 7-tuple
 * (struct flow_key), with its own first and last time.  Flows of the two
 * directions share a session, keyed by the unordered 5-tuple, which holds
 * the FIN and RST flags seen each way (the FIN-both-ways and RST rules
 * need both) and links a flow to its reverse.
 *
 * Expiry is ordered by deadline on a timer wheel, so finding what is due
 * never walks the table and a packet never pays for a reordering.  Time is
 * an argument everywhere: the caller owns the clock (packet time for a
 * file, a monotonic clock when live), which makes expiry a pure function
 * of the input.
 */
#ifndef FP_FLOWTABLE_H
#define FP_FLOWTABLE_H

#include <stddef.h>
#include <stdint.h>
#include "flowkey.h"
#include "packet.h"
#include "timeouts.h"

/* A deadline meaning "expire at the next scan, whatever the time". */
#define FT_NOW INT64_MIN

struct ft_config {
	struct timeouts to;
	uint64_t max_flows;	/* one-way flows held at once; 0: unlimited */
	uint64_t octet_limit;	/* a flow ends before its octets pass this; 0: none */
	uint64_t hash_seed;	/* random, so keys cannot be chosen to collide;
				 * the output does not depend on it */
};

/*
 * Which rule set a flow's deadline, kept for the statistics (softflowd
 * counts expiries under these names, reference §7).  The exported end
 * reason is the IPFIX one, in end_reason.
 */
enum ft_rule {
	RULE_GENERAL = 0,
	RULE_TCP,
	RULE_TCP_RST,
	RULE_TCP_FIN,
	RULE_UDP,
	RULE_ICMP,
	RULE_MAXLIFE,
	RULE_OVERBYTES,		/* a counter at the format's limit */
	RULE_MAXFLOWS,		/* evicted from a full table */
	RULE_FLUSHED,		/* expire-all, end of capture, shutdown */
	RULE_COUNT
};

/*
 * One direction of traffic.  Flows live in pooled chunks and refer to one
 * another by 32-bit index, which keeps a flow at two cache lines.
 */
struct flow {
	struct flow_key key;
	uint32_t seq;		/* creation order, from 1 (wraps): breaks ties */
	uint32_t tag;		/* private: its hash's tag in the index */
	uint64_t packets;
	uint64_t octets;
	int64_t first_us;	/* earliest packet time seen (min, not first read) */
	int64_t last_us;	/* latest packet time seen */
	uint32_t flowlabel;	/* IPv6 flow label of the first packet */
	uint8_t tcp_flags;	/* OR of this direction's flags */
	uint8_t end_reason;	/* enum flow_end_reason the deadline stands for */
	uint8_t rule;		/* enum ft_rule the deadline stands for */
	uint8_t dir : 1;	/* which side of the session sent it */
	uint8_t idle_rule : 7;	/* private: the idle timeout's enum ft_rule */

	/* private to flowtable.c */
	int64_t deadline;	/* when this flow is due, FT_NOW, in µs */
	int64_t filed_sec;	/* the wheel second it is filed under: <= deadline */
	uint32_t w_next, w_prev;/* the wheel slot's list */
	uint32_t sess;		/* its session */
	uint32_t s_next;	/* the session's other flows, both directions */
};

struct ft;

/* Called once for each flow leaving the table, before it is freed. */
typedef void (*ft_expired_fn)(void *ctx, const struct ft *ft, const struct flow *f);

struct ft *ft_create(const struct ft_config *cfg);
void ft_destroy(struct ft *ft);

size_t ft_count(const struct ft *ft);

/* Bytes the table holds now (pools, hash and wheel), for the statistics. */
size_t ft_memory(const struct ft *ft);

/* The current flow of the other direction of f's conversation, if any. */
const struct flow *ft_reverse(const struct ft *ft, const struct flow *f);

/*
 * Lookahead, for a caller that sees packets coming (meter.c keeps a
 * queue of them): each step fetches what the next step, or the packet's
 * own turn, will read, a few packets later, so that the cache misses of
 * several packets overlap.  In order: the key's hash and its bucket; the
 * flow the bucket names, or for a new flow its session's bucket; that
 * session (or, for a FIN or RST, the flow's own); a member flow, whose key
 * confirms the session (or the flows a FIN or RST may reschedule).  Steps
 * only ever prefetch, so the table may change between them.
 */
struct ft_ahead {
	uint64_t h;		/* the flow key's hash */
	uint64_t sh;		/* its session key's hash, if have_sh */
	uint32_t fi;		/* the flow the second step found, or 0 */
	uint32_t si;		/* the session the third step found, or 0 */
	int have_sh;
};

void ft_ahead_hash(const struct ft *ft, const struct packet *pkt, struct ft_ahead *a);
void ft_ahead_flow(const struct ft *ft, const struct packet *pkt, struct ft_ahead *a);
void ft_ahead_session(const struct ft *ft, const struct packet *pkt, struct ft_ahead *a);
void ft_ahead_member(const struct ft *ft, const struct ft_ahead *a);

/* ft_packet after the lookahead (a->h at least must be set). */
int ft_packet_ahead(struct ft *ft, const struct packet *pkt, const struct ft_ahead *a,
		    ft_expired_fn fn, void *ctx);

/*
 * Account one decoded IP packet.  Flows leaving early because of it (a
 * full table, a counter at its limit) go to fn with their end reason set.
 * Returns 1 if the packet opened a new flow.
 */
int ft_packet(struct ft *ft, const struct packet *pkt, ft_expired_fn fn, void *ctx);

/*
 * When the next expiry scan is due: the earliest deadline rounded up to
 * the next multiple of expint seconds (so expiries gather into batches,
 * as softflowd's), or clock_us if a flow must go now.  INT64_MAX when
 * nothing is pending.
 */
int64_t ft_next_scan(struct ft *ft, int64_t clock_us);

/*
 * Where the table keeps the time before which no scan is due (INT64_MIN:
 * perhaps at once): a lower bound on ft_next_scan, kept up as deadlines
 * change, so a caller checking it every packet pays one load;
 * ft_next_scan makes it exact again.
 */
const int64_t *ft_scan_floor_at(const struct ft *ft);

/* Expire every flow whose deadline is before now_us, earliest first (ties
 * in creation order).  Returns how many left. */
size_t ft_expire(struct ft *ft, int64_t now_us, ft_expired_fn fn, void *ctx);

/* Expire every flow, earliest deadline first, with the given end reason. */
size_t ft_expire_all(struct ft *ft, uint8_t reason, ft_expired_fn fn, void *ctx);

/* Show every flow to fn in the order they are due, leaving the table as
 * it is (dump-flows).  Returns how many. */
size_t ft_walk(struct ft *ft, ft_expired_fn fn, void *ctx);

/* When a flow is due, in µs (FT_NOW: at the next scan, whatever the time). */
static inline int64_t ft_due(const struct flow *f) { return f->deadline; }

#endif
