/*
 * guard.h - put test input right before an unmapped page.
 *
 * As picohttpparser's test.c does: the bytes under test are copied so that
 * their last byte is the last byte of a readable page and the next page is
 * PROT_NONE.  A decoder that reads even one byte past the end it was given
 * faults at once, with or without the sanitizers.
 *
 *	struct guard g;
 *	guard_init(&g, max_len);
 *	const uint8_t *p = guard_put(&g, bytes, len);	// p + len is the guard
 *	... decode p, len ...
 *	guard_free(&g);
 *
 * guard_put() may be called again for another input (e.g. every prefix of
 * a datagram); each call invalidates the previous pointer.
 */
#ifndef TEST_GUARD_H
#define TEST_GUARD_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

struct guard {
	uint8_t *base;		/* start of the mapping */
	size_t map_len;		/* readable pages + the guard page */
	uint8_t *fence;		/* first byte of the PROT_NONE page */
	size_t cap;		/* most bytes guard_put() accepts */
};

/* Map room for up to cap bytes followed by a guard page.  Aborts on
 * failure: a test without its guard would prove nothing. */
static inline void guard_init(struct guard *g, size_t cap)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	size_t data_pages = (cap + page - 1) / page;

	if (data_pages == 0)
		data_pages = 1;
	g->map_len = (data_pages + 1) * page;
	void *m = mmap(NULL, g->map_len, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (m == MAP_FAILED)
		abort();
	g->base = m;
	g->fence = g->base + data_pages * page;
	g->cap = data_pages * page;
	if (mprotect(g->fence, page, PROT_NONE) != 0)
		abort();
}

/* Copy len bytes so that they end exactly at the guard page.  With len 0
 * the pointer returned is the guard page itself: any read faults. */
static inline const uint8_t *guard_put(struct guard *g, const void *src, size_t len)
{
	if (len > g->cap)
		abort();
	uint8_t *dst = g->fence - len;
	/* Poison what precedes the input so stale bytes never look valid. */
	memset(g->base, 0xA5, (size_t)(dst - g->base));
	if (len)
		memcpy(dst, src, len);
	return dst;
}

/* A writable pointer to len bytes ending at the guard page (for tests
 * that build their input in place). */
static inline uint8_t *guard_area(struct guard *g, size_t len)
{
	if (len > g->cap)
		abort();
	return g->fence - len;
}

static inline void guard_free(struct guard *g)
{
	if (g->base)
		munmap(g->base, g->map_len);
	g->base = NULL;
	g->fence = NULL;
	g->cap = 0;
}

#endif
