/*
 * fragments.h - later fragments join the flow of their datagram.
 *
 * Only the first fragment of a datagram carries the transport header.
 * softflowd meters the later ones as a separate flow with ports 0; we
 * remember, per datagram (addresses, protocol, identification), the ports
 * the first fragment showed, for a bounded time and a bounded number of
 * datagrams, and give them to the later fragments.  A later fragment that
 * arrives before its first is held back briefly (bounded too); one whose
 * first never comes is metered as it is, ports 0.
 *
 * Time is packet time, as everywhere in the meter.
 */
#ifndef FP_FRAGMENTS_H
#define FP_FRAGMENTS_H

#include <stddef.h>
#include <stdint.h>
#include "packet.h"

/* How long a datagram's ports are remembered after its first fragment
 * (Linux's reassembly timeout), and how many datagrams at once. */
#define FRAG_REMEMBER_US (30 * 1000000LL)
#define FRAG_REMEMBER_MAX 16384
/* How long, and how many, later fragments wait for their first. */
#define FRAG_HOLD_US (1 * 1000000LL)
#define FRAG_HOLD_MAX 256

struct frags;

struct frag_stats {
	uint64_t joined;	/* later fragments given their datagram's ports */
	uint64_t held;		/* later fragments that waited for their first */
	uint64_t unmatched;	/* later fragments metered with ports 0 */
};

/* Where fragments go once they are ready to meter. */
typedef void (*frag_meter_fn)(void *ctx, const struct packet *pkt);

struct frags *frags_create(void);
void frags_destroy(struct frags *fr);

/*
 * Route one fragment (pkt->fragment != FRAG_NONE).  A first fragment is
 * remembered and metered, followed by any later fragments held for it; a
 * later one is metered with its datagram's ports, or held.
 */
void frags_packet(struct frags *fr, const struct packet *pkt, frag_meter_fn fn, void *ctx);

/* Meter, with ports 0, held fragments that have waited past their time
 * by now_us (all of them when now_us is INT64_MAX). */
void frags_release_stale(struct frags *fr, int64_t now_us, frag_meter_fn fn, void *ctx);

const struct frag_stats *frags_stats(const struct frags *fr);

#endif
