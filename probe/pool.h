/*
 * pool.h - fixed-size elements in chunks, named by 32-bit index.
 *
 * A million flows cost a million mallocs and 16 bytes of allocator header
 * each; a pool costs neither, and 32-bit indices halve every link.  Index
 * 0 is never handed out, so it serves as "none".  Chunks are never moved
 * or freed until the pool is, so a pointer stays good while its element
 * is live.  Freed elements are chained through a 32-bit word the owner
 * names (link_off), reused last-freed first.
 */
#ifndef FP_POOL_H
#define FP_POOL_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include "chunks.h"

/* Chunks of this many bytes, aligned to it, so the kernel can back each
 * with one huge page: a table of a million flows is random access over
 * hundreds of megabytes, and 4 KiB pages would add a TLB miss to every
 * packet.  They come from chunks.h, faulted in ahead of need. */
#define POOL_CHUNK_BYTES CHUNK_BYTES

struct pool {
	char **chunk;
	uint32_t chunk_bits;	/* log2 of elements per chunk */
	uint32_t nchunks;
	uint32_t chunk_cap;
	uint32_t used;		/* indices handed out at least once, +1 for 0 */
	uint32_t free_head;	/* first freed element, 0 if none */
	size_t elem;		/* element size */
	size_t link_off;	/* where a free element keeps the next free one */
};

static inline void pool_init(struct pool *p, size_t elem, size_t link_off)
{
	memset(p, 0, sizeof(*p));
	p->elem = elem;
	p->link_off = link_off;
	p->used = 1;			/* index 0 means none */
	/* As many elements as fit a chunk, a power of two (indices split
	 * into chunk and offset by a shift); a bigger element gets a chunk
	 * of its own. */
	while (((size_t)2 << p->chunk_bits) * elem <= POOL_CHUNK_BYTES)
		p->chunk_bits++;
}

/* Memory that is read at random: huge-page aligned and advised when it is
 * big enough to be worth it.  Not zeroed. */
static inline void *big_alloc(size_t bytes)
{
	void *c = NULL;
	/* Small: aligned to a cache line, so that no element or bucket of
	 * a power-of-two size straddles two. */
	if (bytes < POOL_CHUNK_BYTES)
		return posix_memalign(&c, 64, bytes) == 0 ? c : NULL;
	if (posix_memalign(&c, POOL_CHUNK_BYTES, bytes) != 0)
		return NULL;
#ifdef MADV_HUGEPAGE
	madvise(c, bytes, MADV_HUGEPAGE);	/* a hint: fine if refused */
#endif
	return c;
}

/* pool_at for a pool whose geometry the caller knows at compile time. */
static inline void *pool_at_fixed(const struct pool *p, uint32_t i, unsigned bits, size_t elem)
{
	return p->chunk[i >> bits] + (size_t)(i & ((1u << bits) - 1)) * elem;
}

static inline void *pool_at(const struct pool *p, uint32_t i)
{
	return pool_at_fixed(p, i, p->chunk_bits, p->elem);
}

/* Room for one more fresh element: a new chunk when the last is used up.
 * Returns 0, or -1 when memory runs out.  Once in 16 384 flows: kept out
 * of line, so that pool_get's common path inlines. */
static __attribute__((noinline, unused)) int pool_add_chunk(struct pool *p)
{
	if (p->nchunks == p->chunk_cap) {
		uint32_t cap = p->chunk_cap ? p->chunk_cap * 2 : 16;
		char **c = realloc(p->chunk, cap * sizeof(*c));
		if (c == NULL)
			return -1;
		p->chunk = c;
		p->chunk_cap = cap;
	}
	/* elements are zeroed as they are handed out */
	size_t bytes = ((size_t)1 << p->chunk_bits) * p->elem;
	p->chunk[p->nchunks] = bytes <= CHUNK_BYTES ? chunk_get() : big_alloc(bytes);
	if (p->chunk[p->nchunks] == NULL)
		return -1;
	p->nchunks++;
	return 0;
}

/* A zeroed element, or 0 when memory or the index space runs out.  elem
 * is the pool's element size: a constant from the caller, the zeroing is
 * a few stores instead of a call to memset. */
static inline uint32_t pool_get_sized(struct pool *p, size_t elem)
{
	uint32_t i = p->free_head;

	if (i != 0) {
		char *e = pool_at(p, i);
		memcpy(&p->free_head, e + p->link_off, sizeof(uint32_t));
		memset(e, 0, elem);
		return i;
	}
	if (p->used == UINT32_MAX)
		return 0;
	if ((p->used >> p->chunk_bits) >= p->nchunks && pool_add_chunk(p) != 0)
		return 0;
	i = p->used++;
	memset(pool_at(p, i), 0, elem);
	/* The next fresh element is the next one handed out: ask for its
	 * lines now (for writing), so that filling it does not wait. */
	if ((p->used >> p->chunk_bits) < p->nchunks) {
		const char *next = pool_at(p, p->used);
		for (size_t off = 0; off < elem; off += 64)
			__builtin_prefetch(next + off, 1);
	}
	return i;
}

static inline uint32_t pool_get(struct pool *p)
{
	return pool_get_sized(p, p->elem);
}

static inline void pool_put(struct pool *p, uint32_t i)
{
	char *e = pool_at(p, i);
	memcpy(e + p->link_off, &p->free_head, sizeof(uint32_t));
	p->free_head = i;
}

/* Forget every element at once; the chunks stay for reuse. */
static inline void pool_reset(struct pool *p)
{
	p->used = 1;
	p->free_head = 0;
}

static inline size_t pool_bytes(const struct pool *p)
{
	size_t bytes = ((size_t)1 << p->chunk_bits) * p->elem;
	return (size_t)p->nchunks * (bytes < CHUNK_BYTES ? CHUNK_BYTES : bytes) +
	       p->chunk_cap * sizeof(char *);
}

static inline void pool_free(struct pool *p)
{
	for (uint32_t c = 0; c < p->nchunks; c++)
		free(p->chunk[c]);
	free(p->chunk);
	memset(p, 0, sizeof(*p));
}

#endif
