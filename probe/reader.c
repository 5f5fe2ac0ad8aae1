/*
 * reader.c - a ring of blocks of decoded packets between the reader
 * thread and the meter (reader.h).
 *
 * Blocks change hands under a lock, a few hundred packets at a time, so
 * the lock costs nothing per packet; each side sleeps on a condition
 * variable when it has to wait (the meter, being slower, mostly makes the
 * reader wait for a free block).
 */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "reader.h"

#define BLOCK_PACKETS 512
#define NBLOCKS 16

struct decoded {
	enum packet_kind kind;
	struct packet pkt;
};

/* A block's label stacks (-x) sit in an array of their own, beside its
 * packets, allocated only when the run keys labels: struct packet does
 * not grow for every run by what few use. */
struct block {
	size_t n;
	struct reader_pos pos;		/* the reader's, after the block's last packet */
	struct mpls_stack *mpls;	/* BLOCK_PACKETS of them, or NULL */
	struct decoded d[BLOCK_PACKETS];
};

struct ring {
	pthread_mutex_t mu;
	pthread_cond_t more;		/* a block filled, or the end */
	pthread_cond_t space;		/* a block emptied */
	uint64_t filled, emptied;	/* blocks handed over each way */
	int reader_waits;		/* for half the ring to be free */
	int done, status;
	char err[512];
	struct capture *cap;
	uint32_t ifindex;
	int watched;			/* a watch wants the positions */
	struct block *cur;		/* the reader's block being filled */
	struct block blocks[NBLOCKS];
};

static void decode_into(struct decoded *d, struct mpls_stack *mpls, int dlt, uint32_t ifindex,
			int64_t ts_us, const uint8_t *data, size_t caplen, size_t wirelen)
{
	d->kind = packet_decode_mpls(dlt, data, caplen, wirelen, ifindex, &d->pkt, mpls);
	d->pkt.ts_us = ts_us;
	d->pkt.payload = NULL;
	d->pkt.payload_len = 0;
}

static void mark_pos(struct ring *g, struct block *b)
{
	b->pos.records = g->cap->records;
	/* a syscall on libpcap's path (ftello): only when someone looks */
	b->pos.bytes = g->watched ? capture_offset(g->cap) : -1;
}

/* Hand the current block over and wait for a free one. */
static void publish(struct ring *g)
{
	mark_pos(g, g->cur);
	pthread_mutex_lock(&g->mu);
	g->filled++;
	pthread_cond_signal(&g->more);
	/* Full: sleep until half the ring is free, not block by block, so
	 * the two threads wake each other rarely. */
	if (g->filled - g->emptied == NBLOCKS) {
		g->reader_waits = 1;
		while (g->filled - g->emptied > NBLOCKS / 2)
			pthread_cond_wait(&g->space, &g->mu);
		g->reader_waits = 0;
	}
	pthread_mutex_unlock(&g->mu);
	g->cur = &g->blocks[g->filled % NBLOCKS];
	g->cur->n = 0;
}

static void on_frame(void *ctx, int64_t ts_us, const uint8_t *data, size_t caplen, size_t wirelen)
{
	struct ring *g = ctx;
	/* The slots were last read by the meter's core: ask for them a few
	 * packets ahead, for writing. */
	if (g->cur->n + 4 < BLOCK_PACKETS)
		__builtin_prefetch(&g->cur->d[g->cur->n + 4], 1);
	struct block *b = g->cur;
	decode_into(&b->d[b->n], b->mpls ? &b->mpls[b->n] : NULL, g->cap->dlt, g->ifindex, ts_us,
		    data, caplen, wirelen);
	b->n++;
	if (b->n == BLOCK_PACKETS)
		publish(g);
}

/* SIGTERM and SIGINT come to the reading thread, which may wait in a
 * read from a pipe: they interrupt it (capture.h, stop). */
static void take_stop_signals(void)
{
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	pthread_sigmask(SIG_UNBLOCK, &set, NULL);
}

static void *reader_main(void *arg)
{
	struct ring *g = arg;
	char err[sizeof(g->err)];
	take_stop_signals();
	int status = capture_run(g->cap, on_frame, g, err, sizeof(err));

	if (g->cur->n > 0)
		mark_pos(g, g->cur);
	pthread_mutex_lock(&g->mu);
	if (g->cur->n > 0)
		g->filled++;		/* the last, partly filled block */
	g->status = status;
	if (status != 0)
		memcpy(g->err, err, sizeof(err));
	g->done = 1;
	pthread_cond_signal(&g->more);
	pthread_mutex_unlock(&g->mu);
	return NULL;
}

/* Without a thread: decode and hand over one frame at a time. */
struct direct {
	struct capture *cap;
	uint32_t ifindex;
	int with_mpls;
	reader_fn fn;
	void *ctx;
	const struct reader_watch *watch;
	size_t n;			/* frames since the watch was last called */
};

static void on_frame_direct(void *ctx, int64_t ts_us, const uint8_t *data, size_t caplen,
			    size_t wirelen)
{
	struct direct *dr = ctx;
	struct decoded d;
	struct mpls_stack mpls;
	struct mpls_stack *ms = dr->with_mpls ? &mpls : NULL;
	decode_into(&d, ms, dr->cap->dlt, dr->ifindex, ts_us, data, caplen, wirelen);
	dr->fn(dr->ctx, d.kind, &d.pkt, ms);
	/* the watch as often as with blocks */
	if (dr->watch && ++dr->n == BLOCK_PACKETS) {
		struct reader_pos pos = { dr->cap->records, capture_offset(dr->cap) };
		dr->n = 0;
		dr->watch->fn(dr->watch->ctx, &pos);
	}
}

static void ring_free(struct ring *g)
{
	pthread_mutex_destroy(&g->mu);
	pthread_cond_destroy(&g->more);
	pthread_cond_destroy(&g->space);
	free(g->blocks[0].mpls);	/* one array for every block */
	free(g);
}

static struct ring *ring_create(struct capture *c, uint32_t ifindex, int with_mpls)
{
	struct ring *g = calloc(1, sizeof(*g));
	if (g == NULL)
		return NULL;
	pthread_mutex_init(&g->mu, NULL);
	pthread_cond_init(&g->more, NULL);
	pthread_cond_init(&g->space, NULL);
	g->cap = c;
	g->ifindex = ifindex;
	g->cur = &g->blocks[0];
	if (with_mpls) {
		struct mpls_stack *m = calloc((size_t)NBLOCKS * BLOCK_PACKETS, sizeof(*m));
		if (m == NULL) {
			ring_free(g);
			return NULL;
		}
		for (int i = 0; i < NBLOCKS; i++)
			g->blocks[i].mpls = m + (size_t)i * BLOCK_PACKETS;
	}
	return g;
}

int reader_run(struct capture *c, uint32_t ifindex, int with_mpls, reader_fn fn, void *ctx,
	       char *err, size_t errlen)
{
	return reader_run_watched(c, ifindex, with_mpls, fn, ctx, NULL, err, errlen);
}

int reader_run_watched(struct capture *c, uint32_t ifindex, int with_mpls, reader_fn fn, void *ctx,
		       const struct reader_watch *watch, char *err, size_t errlen)
{
	struct ring *g = ring_create(c, ifindex, with_mpls);
	pthread_t th;

	if (g != NULL)
		g->watched = watch != NULL;
	if (g != NULL && pthread_create(&th, NULL, reader_main, g) != 0) {
		ring_free(g);
		g = NULL;
	}
	if (g == NULL) {
		struct direct dr = { c, ifindex, with_mpls, fn, ctx, watch, 0 };
		take_stop_signals();
		return capture_run(c, on_frame_direct, &dr, err, errlen);
	}

	pthread_mutex_lock(&g->mu);
	for (;;) {
		while (g->emptied == g->filled && !g->done)
			pthread_cond_wait(&g->more, &g->mu);
		if (g->emptied == g->filled)
			break;			/* done, and every block taken */
		struct block *b = &g->blocks[g->emptied % NBLOCKS];
		pthread_mutex_unlock(&g->mu);
		for (size_t i = 0; i < b->n; i++) {
			/* written on the reader's core: fetched ahead */
			if (i + 4 < b->n)
				__builtin_prefetch(&b->d[i + 4]);
			fn(ctx, b->d[i].kind, &b->d[i].pkt, b->mpls ? &b->mpls[i] : NULL);
		}
		if (watch)
			watch->fn(watch->ctx, &b->pos);
		pthread_mutex_lock(&g->mu);
		g->emptied++;
		if (g->reader_waits && g->filled - g->emptied <= NBLOCKS / 2)
			pthread_cond_signal(&g->space);
	}
	pthread_mutex_unlock(&g->mu);
	pthread_join(th, NULL);

	int status = g->status;
	if (status != 0)
		snprintf(err, errlen, "%s", g->err);
	ring_free(g);
	return status;
}
