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

#define POOL_CHUNK_BITS 14
#define POOL_CHUNK (1u << POOL_CHUNK_BITS)

struct pool {
	char **chunk;
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
}

static inline void *pool_at(const struct pool *p, uint32_t i)
{
	return p->chunk[i >> POOL_CHUNK_BITS] + (size_t)(i & (POOL_CHUNK - 1)) * p->elem;
}

/* A zeroed element, or 0 when memory or the index space runs out. */
static inline uint32_t pool_get(struct pool *p)
{
	uint32_t i = p->free_head;

	if (i != 0) {
		char *e = pool_at(p, i);
		memcpy(&p->free_head, e + p->link_off, sizeof(uint32_t));
		memset(e, 0, p->elem);
		return i;
	}
	if (p->used == UINT32_MAX)
		return 0;
	if ((p->used >> POOL_CHUNK_BITS) >= p->nchunks) {
		if (p->nchunks == p->chunk_cap) {
			uint32_t cap = p->chunk_cap ? p->chunk_cap * 2 : 16;
			char **c = realloc(p->chunk, cap * sizeof(*c));
			if (c == NULL)
				return 0;
			p->chunk = c;
			p->chunk_cap = cap;
		}
		/* calloc: untouched pages cost no memory until first used */
		p->chunk[p->nchunks] = calloc(POOL_CHUNK, p->elem);
		if (p->chunk[p->nchunks] == NULL)
			return 0;
		p->nchunks++;
	}
	i = p->used++;
	memset(pool_at(p, i), 0, p->elem);
	return i;
}

static inline void pool_put(struct pool *p, uint32_t i)
{
	char *e = pool_at(p, i);
	memcpy(e + p->link_off, &p->free_head, sizeof(uint32_t));
	p->free_head = i;
}

static inline size_t pool_bytes(const struct pool *p)
{
	return (size_t)p->nchunks * POOL_CHUNK * p->elem + p->chunk_cap * sizeof(char *);
}

static inline void pool_free(struct pool *p)
{
	for (uint32_t c = 0; c < p->nchunks; c++)
		free(p->chunk[c]);
	free(p->chunk);
	memset(p, 0, sizeof(*p));
}

#endif
