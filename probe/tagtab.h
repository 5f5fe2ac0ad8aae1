/*
 * tagtab.h - a hash index of 32-bit pool indices, in cache-line buckets.
 *
 * Each 64-byte bucket holds seven entries, and each entry a 32-bit tag
 * (bits of its hash) beside the index.  A lookup reads one bucket and
 * follows only the indices whose tag matches, so finding that a key is
 * absent - every new flow - costs one cache line and no element, and
 * finding a key costs the bucket and the one element it names.  (A
 * chained table pays a miss for every element of the chain.)
 *
 * The tag also places the entry: its home bucket is tag & mask.  Doubling
 * the table therefore never reads the elements: their tags say where they
 * go.  Within a bucket the tags then differ only in the bits above the
 * mask, which still leaves 13 bits at a million buckets: a false match
 * once in several thousand lookups, caught by the caller's key compare.
 *
 * A full bucket sends new entries to the next one (linear probing), and
 * counts them in its spill field; a lookup goes on to the next bucket
 * only while that count is non-zero, and a removal lowers it along the
 * same path.  No tombstones, so removals never slow later lookups down.
 */
#ifndef FP_TAGTAB_H
#define FP_TAGTAB_H

#include <stddef.h>
#include <stdint.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#define TAGTAB_SLOTS 7

struct tagtab_bucket {
	_Alignas(16) uint32_t tag[TAGTAB_SLOTS];
	uint32_t spill;		/* entries whose probe passed this full bucket */
	uint32_t idx[TAGTAB_SLOTS];	/* 0: an empty slot */
	uint32_t used;		/* the slots in use, a bit each */
};
_Static_assert(sizeof(struct tagtab_bucket) == 64, "a bucket is one cache line");

struct tagtab {
	struct tagtab_bucket *b;
	uint32_t mask;		/* buckets - 1 */
	size_t count;
};

/* An empty table sized for about n entries.  Returns -1 when out of memory. */
int tagtab_init(struct tagtab *t, size_t n);
void tagtab_free(struct tagtab *t);

/* Forget every entry; the memory stays. */
void tagtab_clear(struct tagtab *t);

/* Bytes held, for the statistics. */
size_t tagtab_bytes(const struct tagtab *t);

/* The tag of a 64-bit hash. */
static inline uint32_t tagtab_tag(uint64_t h)
{
	return (uint32_t)(h >> 32);
}

static inline const struct tagtab_bucket *tagtab_home(const struct tagtab *t, uint32_t tag)
{
	return &t->b[tag & t->mask];
}

/*
 * Walking the entries whose tag matches, as candidates for the caller to
 * compare:
 *
 *	struct tagtab_it it;
 *	for (uint32_t i = tagtab_first(t, tag, &it); i; i = tagtab_next(t, &it))
 *		if (key_equal(...i...)) return i;
 *
 * The table must not change during the walk.
 */
struct tagtab_it {
	uint32_t bucket;
	uint32_t pending;	/* slots of this bucket still to look at, a bit each */
	uint32_t tag;
};

/* The slots in use of bucket b whose tag is tag, a bit each.  Eight
 * lanes compared at once where SSE2 is there; the eighth is the spill
 * count, masked off with the empty slots. */
static inline uint32_t tagtab_match(const struct tagtab_bucket *b, uint32_t tag)
{
#if defined(__SSE2__)
	__m128i t = _mm_set1_epi32((int)tag);
	__m128i lo = _mm_load_si128((const __m128i *)(const void *)b->tag);
	__m128i hi = _mm_load_si128((const __m128i *)(const void *)(b->tag + 4));
	uint32_t m = (uint32_t)_mm_movemask_ps(_mm_castsi128_ps(_mm_cmpeq_epi32(lo, t))) |
		     (uint32_t)_mm_movemask_ps(_mm_castsi128_ps(_mm_cmpeq_epi32(hi, t))) << 4;
	return m & b->used;
#else
	uint32_t m = 0;
	for (int s = 0; s < TAGTAB_SLOTS; s++)
		m |= (uint32_t)(b->tag[s] == tag) << s;
	return m & b->used;
#endif
}

static inline uint32_t tagtab_next(const struct tagtab *t, struct tagtab_it *it)
{
	for (;;) {
		const struct tagtab_bucket *b = &t->b[it->bucket];
		if (it->pending) {
			uint32_t s = (uint32_t)__builtin_ctz(it->pending);
			it->pending &= it->pending - 1;
			return b->idx[s];
		}
		if (b->spill == 0)
			return 0;
		it->bucket = (it->bucket + 1) & t->mask;
		it->pending = tagtab_match(&t->b[it->bucket], it->tag);
	}
}

static inline uint32_t tagtab_first(const struct tagtab *t, uint32_t tag, struct tagtab_it *it)
{
	it->bucket = tag & t->mask;
	it->tag = tag;
	it->pending = tagtab_match(&t->b[it->bucket], tag);
	return tagtab_next(t, it);
}

/* Add index i (not 0) under tag; the table grows as it fills.  Returns -1
 * when it is full and memory to grow is short. */
int tagtab_insert(struct tagtab *t, uint32_t tag, uint32_t i);

/* Remove index i, which is in the table under tag. */
void tagtab_remove(struct tagtab *t, uint32_t tag, uint32_t i);

#endif
