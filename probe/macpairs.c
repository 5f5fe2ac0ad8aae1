/* macpairs.c - interned MAC address pairs (see macpairs.h). */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include "macpairs.h"
#include "pool.h"

struct pair {
	uint8_t mac[12];	/* source, then destination */
	uint32_t refs;
	uint32_t h_next;	/* next in the bucket; the free list when unused */
};

struct macpairs {
	struct pool pool;	/* index = the pair's number */
	uint32_t *bucket;
	uint32_t mask;
	uint32_t count;
};

static uint32_t hash12(const uint8_t mac[12])
{
	uint64_t a, b = 0;
	memcpy(&a, mac, 8);
	memcpy(&b, mac + 8, 4);
	uint64_t h = (a ^ (b << 32 | b)) * 0x9e3779b97f4a7c15ULL;
	return (uint32_t)(h >> 32);
}

struct macpairs *macpairs_create(void)
{
	struct macpairs *mp = calloc(1, sizeof(*mp));
	if (mp == NULL)
		return NULL;
	pool_init(&mp->pool, sizeof(struct pair), offsetof(struct pair, h_next));
	mp->mask = 1023;
	mp->bucket = calloc(mp->mask + 1, sizeof(uint32_t));
	if (mp->bucket == NULL) {
		free(mp);
		return NULL;
	}
	return mp;
}

void macpairs_destroy(struct macpairs *mp)
{
	if (mp == NULL)
		return;
	pool_free(&mp->pool);
	free(mp->bucket);
	free(mp);
}

static struct pair *at(const struct macpairs *mp, uint32_t id)
{
	return pool_at(&mp->pool, id);
}

/* Twice the buckets when the pairs outnumber them; on failure the chains
 * just grow longer. */
static void grow(struct macpairs *mp)
{
	uint32_t n = (mp->mask + 1) * 2;
	uint32_t *b = calloc(n, sizeof(uint32_t));
	if (b == NULL)
		return;
	for (uint32_t i = 0; i <= mp->mask; i++) {
		for (uint32_t id = mp->bucket[i]; id; ) {
			struct pair *p = at(mp, id);
			uint32_t next = p->h_next;
			uint32_t *slot = &b[hash12(p->mac) & (n - 1)];
			p->h_next = *slot;
			*slot = id;
			id = next;
		}
	}
	free(mp->bucket);
	mp->bucket = b;
	mp->mask = n - 1;
}

uint32_t macpairs_get(struct macpairs *mp, const uint8_t src[6], const uint8_t dst[6])
{
	uint8_t mac[12];
	memcpy(mac, src, 6);
	memcpy(mac + 6, dst, 6);
	uint32_t h = hash12(mac);

	for (uint32_t id = mp->bucket[h & mp->mask]; id; id = at(mp, id)->h_next) {
		if (memcmp(at(mp, id)->mac, mac, 12) == 0) {
			at(mp, id)->refs++;
			return id;
		}
	}
	if (mp->count >= MACPAIRS_MAX)
		return 0;
	uint32_t id = pool_get(&mp->pool);
	if (id == 0 || id > MACPAIRS_MAX)
		return 0;
	if (mp->count >= mp->mask + 1)
		grow(mp);
	struct pair *p = at(mp, id);
	memcpy(p->mac, mac, 12);
	p->refs = 1;
	p->h_next = mp->bucket[h & mp->mask];
	mp->bucket[h & mp->mask] = id;
	mp->count++;
	return id;
}

void macpairs_hold(struct macpairs *mp, uint32_t id)
{
	if (id)
		at(mp, id)->refs++;
}

void macpairs_release(struct macpairs *mp, uint32_t id)
{
	if (id == 0)
		return;
	struct pair *p = at(mp, id);
	if (--p->refs > 0)
		return;
	uint32_t *pp = &mp->bucket[hash12(p->mac) & mp->mask];
	while (*pp != id)
		pp = &at(mp, *pp)->h_next;
	*pp = p->h_next;
	mp->count--;
	pool_put(&mp->pool, id);
}

void macpairs_lookup(const struct macpairs *mp, uint32_t id, uint8_t src[6], uint8_t dst[6])
{
	if (id == 0) {
		memset(src, 0, 6);
		memset(dst, 0, 6);
		return;
	}
	const struct pair *p = at(mp, id);
	memcpy(src, p->mac, 6);
	memcpy(dst, p->mac + 6, 6);
}

uint32_t macpairs_count(const struct macpairs *mp)
{
	return mp->count;
}

size_t macpairs_memory(const struct macpairs *mp)
{
	return pool_bytes(&mp->pool) + (size_t)(mp->mask + 1) * sizeof(uint32_t);
}
