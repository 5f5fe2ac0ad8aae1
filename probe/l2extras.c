/* l2extras.c - interned layer-2 extras (see l2extras.h). */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include "l2extras.h"
#include "pool.h"

/* An element of the pool: the header, then the key's bytes. */
struct entry {
	uint32_t refs;
	uint32_t h_next;	/* next in the bucket; the free list when unused */
	uint8_t key[];
};

struct l2extras {
	struct pool pool;	/* index = the key's number */
	size_t key_len;
	size_t elem;		/* bytes of an entry */
	uint32_t *bucket;
	uint32_t mask;
	uint32_t count;
};

/* Words of the key, 8 bytes at a time (the last one zero-filled), folded
 * by multiplication. */
static uint32_t hash_key(const uint8_t *key, size_t len)
{
	uint64_t h = 0x9e3779b97f4a7c15ULL ^ len;
	for (size_t i = 0; i < len; i += 8) {
		uint64_t w = 0;
		memcpy(&w, key + i, len - i < 8 ? len - i : 8);
		h = (h ^ w) * 0xff51afd7ed558ccdULL;
		h ^= h >> 32;
	}
	return (uint32_t)(h * 0x9e3779b97f4a7c15ULL >> 32);
}

static int all_zero(const uint8_t *key, size_t len)
{
	uint8_t any = 0;
	for (size_t i = 0; i < len; i++)
		any |= key[i];
	return any == 0;
}

struct l2extras *l2x_create(size_t key_len)
{
	if (key_len == 0 || key_len > L2X_KEY_MAX)
		return NULL;
	struct l2extras *x = calloc(1, sizeof(*x));
	if (x == NULL)
		return NULL;
	x->key_len = key_len;
	x->elem = (sizeof(struct entry) + key_len + 3) & ~(size_t)3;
	pool_init(&x->pool, x->elem, offsetof(struct entry, h_next));
	x->mask = 1023;
	x->bucket = calloc(x->mask + 1, sizeof(uint32_t));
	if (x->bucket == NULL) {
		free(x);
		return NULL;
	}
	return x;
}

void l2x_destroy(struct l2extras *x)
{
	if (x == NULL)
		return;
	pool_free(&x->pool);
	free(x->bucket);
	free(x);
}

static struct entry *at(const struct l2extras *x, uint32_t id)
{
	return pool_at(&x->pool, id);
}

/* Twice the buckets when the keys outnumber them; on failure the chains
 * just grow longer. */
static void grow(struct l2extras *x)
{
	uint32_t n = (x->mask + 1) * 2;
	uint32_t *b = calloc(n, sizeof(uint32_t));
	if (b == NULL)
		return;
	for (uint32_t i = 0; i <= x->mask; i++) {
		for (uint32_t id = x->bucket[i]; id; ) {
			struct entry *e = at(x, id);
			uint32_t next = e->h_next;
			uint32_t *slot = &b[hash_key(e->key, x->key_len) & (n - 1)];
			e->h_next = *slot;
			*slot = id;
			id = next;
		}
	}
	free(x->bucket);
	x->bucket = b;
	x->mask = n - 1;
}

uint32_t l2x_get(struct l2extras *x, const uint8_t *key)
{
	if (all_zero(key, x->key_len))
		return 0;
	uint32_t h = hash_key(key, x->key_len);
	for (uint32_t id = x->bucket[h & x->mask]; id; id = at(x, id)->h_next) {
		if (memcmp(at(x, id)->key, key, x->key_len) == 0) {
			at(x, id)->refs++;
			return id;
		}
	}
	if (x->count >= L2X_MAX)
		return 0;
	uint32_t id = pool_get(&x->pool);
	if (id == 0 || id > L2X_MAX)
		return 0;
	if (x->count >= x->mask + 1)
		grow(x);
	struct entry *e = at(x, id);
	memcpy(e->key, key, x->key_len);
	e->refs = 1;
	e->h_next = x->bucket[h & x->mask];
	x->bucket[h & x->mask] = id;
	x->count++;
	return id;
}

void l2x_hold(struct l2extras *x, uint32_t id)
{
	if (id)
		at(x, id)->refs++;
}

void l2x_release(struct l2extras *x, uint32_t id)
{
	if (id == 0)
		return;
	struct entry *e = at(x, id);
	if (--e->refs > 0)
		return;
	uint32_t *pp = &x->bucket[hash_key(e->key, x->key_len) & x->mask];
	while (*pp != id)
		pp = &at(x, *pp)->h_next;
	*pp = e->h_next;
	x->count--;
	pool_put(&x->pool, id);
}

const uint8_t *l2x_key(const struct l2extras *x, uint32_t id)
{
	return id ? at(x, id)->key : NULL;
}

uint32_t l2x_count(const struct l2extras *x)
{
	return x->count;
}

size_t l2x_memory(const struct l2extras *x)
{
	return pool_bytes(&x->pool) + (size_t)(x->mask + 1) * sizeof(uint32_t);
}
