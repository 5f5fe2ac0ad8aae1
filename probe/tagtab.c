/* tagtab.c - inserting, removing and growing (tagtab.h). */
#include <stdlib.h>
#include <string.h>
#include "chunks.h"
#include "pool.h"
#include "tagtab.h"

/* Grow past 3/4 of the slots: with seven slots a bucket, few spill. */
#define LOAD_NUM 3
#define LOAD_DEN 4
/* Refuse an insert past 15/16 when growing failed: linear probing needs
 * empty slots to end its walks. */
#define FULL_NUM 15
#define FULL_DEN 16

static struct tagtab_bucket *buckets_alloc(size_t n)
{
	size_t bytes = n * sizeof(struct tagtab_bucket);
	struct tagtab_bucket *b = big_alloc(bytes);

	if (b != NULL)
		memset(b, 0, bytes);
	return b;
}

int tagtab_init(struct tagtab *t, size_t n)
{
	size_t nb = 16;

	while (nb * TAGTAB_SLOTS * LOAD_NUM / LOAD_DEN < n && nb < ((size_t)1 << 31))
		nb <<= 1;
	t->b = buckets_alloc(nb);
	t->mask = (uint32_t)(nb - 1);
	t->count = 0;
	return t->b ? 0 : -1;
}

void tagtab_free(struct tagtab *t)
{
	free(t->b);
	t->b = NULL;
	t->count = 0;
}

void tagtab_clear(struct tagtab *t)
{
	memset(t->b, 0, ((size_t)t->mask + 1) * sizeof(*t->b));
	t->count = 0;
}

size_t tagtab_bytes(const struct tagtab *t)
{
	return ((size_t)t->mask + 1) * sizeof(*t->b);
}

/* Place an entry, counting the spill on each full bucket passed.  The
 * caller has made sure there is an empty slot somewhere. */
static void place(struct tagtab_bucket *b, uint32_t mask, uint32_t tag, uint32_t i)
{
	for (uint32_t at = tag & mask;; at = (at + 1) & mask) {
		struct tagtab_bucket *k = &b[at];
		uint32_t empty = ~k->used & ((1u << TAGTAB_SLOTS) - 1);
		if (empty) {
			uint32_t s = (uint32_t)__builtin_ctz(empty);
			k->tag[s] = tag;
			k->idx[s] = i;
			k->used |= 1u << s;
			return;
		}
		k->spill++;
	}
}

/* Double the buckets.  Entries are read from the old buckets in order and
 * land in bucket b or b + old size of the new table, so both sides are
 * walked nearly sequentially; no element is read.  A big new array was
 * asked for ahead (tagtab_insert), zeroed by the helper thread. */
static int grow(struct tagtab *t)
{
	size_t old = (size_t)t->mask + 1;
	if (old >= ((size_t)1 << 31))
		return -1;
	struct tagtab_bucket *nb = chunks_array_take(t, old * 2 * sizeof(*nb));
	if (nb == NULL)
		nb = buckets_alloc(old * 2);
	if (nb == NULL)
		return -1;
	uint32_t nmask = (uint32_t)(old * 2 - 1);
	for (size_t at = 0; at < old; at++) {
		const struct tagtab_bucket *k = &t->b[at];
		for (uint32_t u = k->used; u; u &= u - 1) {
			uint32_t s = (uint32_t)__builtin_ctz(u);
			place(nb, nmask, k->tag[s], k->idx[s]);
		}
	}
	free(t->b);
	t->b = nb;
	t->mask = nmask;
	return 0;
}

int tagtab_insert(struct tagtab *t, uint32_t tag, uint32_t i)
{
	size_t slots = ((size_t)t->mask + 1) * TAGTAB_SLOTS;

	if ((t->count + 1) * LOAD_DEN > slots * LOAD_NUM && grow(t) != 0 &&
	    (t->count + 1) * FULL_DEN > slots * FULL_NUM)
		return -1;	/* could not grow, and too full to go on */
	place(t->b, t->mask, tag, i);
	t->count++;
	/* Seven eighths of the way to growing: ask for the next array now,
	 * while there are still many inserts to go, if it is big enough for
	 * its zeroing to matter (and not sooner: an array asked for and never
	 * used is memory for nothing). */
	size_t nb = (size_t)t->mask + 1, next = nb * 2 * sizeof(struct tagtab_bucket);
	if (t->count * LOAD_DEN * 8 == nb * TAGTAB_SLOTS * LOAD_NUM * 7 && next >= CHUNK_BYTES)
		chunks_array_want(t, next);
	return 0;
}

void tagtab_remove(struct tagtab *t, uint32_t tag, uint32_t i)
{
	for (uint32_t at = tag & t->mask;; at = (at + 1) & t->mask) {
		struct tagtab_bucket *k = &t->b[at];
		for (uint32_t u = k->used; u; u &= u - 1) {
			uint32_t s = (uint32_t)__builtin_ctz(u);
			if (k->idx[s] == i) {
				k->idx[s] = 0;
				k->tag[s] = 0;
				k->used &= ~(1u << s);
				t->count--;
				return;
			}
		}
		k->spill--;
	}
}
