/*
 * templates.c - a hash of templates with a least-recently-used list.
 */
#include <stdlib.h>
#include <string.h>
#include "templates.h"

#define INITIAL_BUCKETS 64

static uint64_t hash_key(const struct tmpl_scope *s, uint16_t id)
{
	/* The key a word at a time, each word multiplied in (a lookup per
	 * set: byte-wise FNV cost more than decoding a set's header). */
	uint64_t w[sizeof(*s) / 8], h = id;
	_Static_assert(sizeof(*s) % 8 == 0, "the scope is whole words");
	memcpy(w, s, sizeof(w));
	for (size_t i = 0; i < sizeof(w) / sizeof(w[0]); i++)
		h = (h ^ w[i]) * 0x9e3779b97f4a7c15ULL;
	return h ^ h >> 29;
}

static int same(const struct tmpl *t, const struct tmpl_scope *s, uint16_t id)
{
	return t->id == id && memcmp(&t->scope, s, sizeof(*s)) == 0;
}

void tmpl_cache_init(struct tmpl_cache *c, size_t max_count, size_t max_bytes)
{
	memset(c, 0, sizeof(*c));
	c->max_count = max_count;
	c->max_bytes = max_bytes;
}

void tmpl_cache_free(struct tmpl_cache *c)
{
	struct tmpl *t = c->oldest;
	while (t) {
		struct tmpl *n = t->newer;
		free(t);
		t = n;
	}
	free(c->bucket);
	memset(c, 0, sizeof(*c));
}

struct tmpl *tmpl_new(const struct tmpl_scope *s, uint16_t id, uint16_t n)
{
	size_t fields = sizeof(struct tmpl) + (size_t)n * sizeof(struct tmpl_field);
	fields = (fields + _Alignof(struct ie_step) - 1) / _Alignof(struct ie_step) * _Alignof(struct ie_step);
	size_t bytes = fields + (size_t)n * sizeof(struct ie_step);
	struct tmpl *t = calloc(1, bytes);
	if (t == NULL)
		return NULL;
	t->steps = (struct ie_step *)((uint8_t *)t + fields);
	/* The scope is compared with memcmp: copy it whole, padding included. */
	memcpy(&t->scope, s, sizeof(*s));
	t->id = id;
	t->bytes = bytes;
	return t;
}

static void lru_unlink(struct tmpl_cache *c, struct tmpl *t)
{
	if (t->older)
		t->older->newer = t->newer;
	else
		c->oldest = t->newer;
	if (t->newer)
		t->newer->older = t->older;
	else
		c->newest = t->older;
	t->older = t->newer = NULL;
}

static void lru_push(struct tmpl_cache *c, struct tmpl *t)
{
	t->older = c->newest;
	t->newer = NULL;
	if (c->newest)
		c->newest->newer = t;
	else
		c->oldest = t;
	c->newest = t;
}

static struct tmpl **slot_of(struct tmpl_cache *c, const struct tmpl_scope *s, uint16_t id)
{
	struct tmpl **p = &c->bucket[hash_key(s, id) & (c->nbuckets - 1)];
	while (*p && !same(*p, s, id))
		p = &(*p)->hnext;
	return p;
}

static void remove_at(struct tmpl_cache *c, struct tmpl **p)
{
	struct tmpl *t = *p;
	*p = t->hnext;
	lru_unlink(c, t);
	c->count--;
	c->bytes -= t->bytes;
	free(t);
}

static void grow(struct tmpl_cache *c)
{
	size_t n = c->nbuckets ? c->nbuckets * 2 : INITIAL_BUCKETS;
	struct tmpl **b = calloc(n, sizeof(*b));
	if (b == NULL)
		return;		/* keep the longer chains */
	for (size_t i = 0; i < c->nbuckets; i++) {
		struct tmpl *t = c->bucket[i];
		while (t) {
			struct tmpl *next = t->hnext;
			size_t k = hash_key(&t->scope, t->id) & (n - 1);
			t->hnext = b[k];
			b[k] = t;
			t = next;
		}
	}
	free(c->bucket);
	c->bucket = b;
	c->nbuckets = n;
}

void tmpl_put(struct tmpl_cache *c, struct tmpl *t)
{
	if (c->nbuckets == 0 || c->count >= c->nbuckets) {
		grow(c);
		if (c->nbuckets == 0) {
			free(t);
			return;
		}
	}
	struct tmpl **p = slot_of(c, &t->scope, t->id);
	if (*p)
		remove_at(c, p);
	/* Make room, oldest first; the new one always fits an empty cache. */
	while (c->oldest && (c->count + 1 > c->max_count || c->bytes + t->bytes > c->max_bytes)) {
		struct tmpl *o = c->oldest;
		remove_at(c, slot_of(c, &o->scope, o->id));
		c->evicted++;
	}
	p = slot_of(c, &t->scope, t->id);
	t->hnext = NULL;
	*p = t;
	lru_push(c, t);
	c->count++;
	c->bytes += t->bytes;
}

struct tmpl *tmpl_get(struct tmpl_cache *c, const struct tmpl_scope *s, uint16_t id)
{
	if (c->nbuckets == 0)
		return NULL;
	struct tmpl *t = *slot_of(c, s, id);
	if (t && t != c->newest) {
		lru_unlink(c, t);
		lru_push(c, t);
	}
	return t;
}

int tmpl_withdraw(struct tmpl_cache *c, const struct tmpl_scope *s, uint16_t id)
{
	if (c->nbuckets == 0)
		return 0;
	struct tmpl **p = slot_of(c, s, id);
	if (*p == NULL)
		return 0;
	remove_at(c, p);
	return 1;
}

size_t tmpl_withdraw_all(struct tmpl_cache *c, const struct tmpl_scope *s, int options)
{
	size_t n = 0;
	struct tmpl *t = c->oldest;
	while (t) {
		struct tmpl *next = t->newer;
		if (t->options == !!options && memcmp(&t->scope, s, sizeof(*s)) == 0) {
			remove_at(c, slot_of(c, s, t->id));
			n++;
		}
		t = next;
	}
	return n;
}
