/* chunks.c - blocks faulted in by a helper thread (chunks.h). */
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include "chunks.h"

/* Blocks kept ready: at most 8 MiB, some 60 000 flows ahead, and no more
 * than half as many as taken so far, so a small capture does not fault
 * in memory it never uses. */
#define READY_MAX 4
/* The first blocks made (a flow pool's and a session pool's, say) */
#define SMALL_PAGE_BLOCKS 4
/* Arrays asked for at once: the flow index's and the session index's. */
#define ARRAY_SLOTS 2

static struct {
	pthread_mutex_t mu;
	pthread_cond_t wake;
	pthread_t thread;
	int running, stop;
	void *ready[READY_MAX];
	int nready;
	uint64_t taken;		/* blocks handed out */
	struct {
		const void *owner;
		size_t bytes;	/* 0: a free slot */
		void *array;	/* NULL while being made */
		int busy;	/* the helper is making it */
	} arrays[ARRAY_SLOTS];
} helper = { .mu = PTHREAD_MUTEX_INITIALIZER, .wake = PTHREAD_COND_INITIALIZER };

/* A block, as a huge page if asked: worth it for a big table (one TLB
 * entry instead of 512), not for a small one, whose few touched 4 KiB
 * pages cost far less to fault in than a whole 2 MiB. */
static void *block_new(int huge)
{
	void *c = NULL;
	if (posix_memalign(&c, CHUNK_BYTES, CHUNK_BYTES) != 0)
		return NULL;
#ifdef MADV_HUGEPAGE
	if (huge)
		madvise(c, CHUNK_BYTES, MADV_HUGEPAGE);	/* a hint: fine if refused */
#endif
	return c;
}

/* Touch every page, so the kernel backs (and zeroes) it now. */
static void block_fault(void *c)
{
	volatile char *p = c;
	for (size_t off = 0; off < CHUNK_BYTES; off += 4096)
		p[off] = 0;
}

/* A zeroed array, aligned for huge pages and advised to use them. */
static void *array_new(size_t bytes)
{
	void *a = NULL;
	if (posix_memalign(&a, CHUNK_BYTES, bytes) != 0)
		return NULL;
#ifdef MADV_HUGEPAGE
	madvise(a, bytes, MADV_HUGEPAGE);
#endif
	memset(a, 0, bytes);
	return a;
}

/* Make one array asked for, if any (called and returning with the lock
 * held).  Returns 1 if it did some work. */
static int make_array(void)
{
	for (int i = 0; i < ARRAY_SLOTS; i++) {
		if (helper.arrays[i].bytes == 0 || helper.arrays[i].array != NULL)
			continue;
		size_t bytes = helper.arrays[i].bytes;
		helper.arrays[i].busy = 1;
		pthread_mutex_unlock(&helper.mu);
		void *a = array_new(bytes);
		pthread_mutex_lock(&helper.mu);
		helper.arrays[i].busy = 0;
		if (helper.arrays[i].bytes != bytes || a == NULL) {
			free(a);	/* given up on meanwhile, or no memory */
			helper.arrays[i].bytes = 0;
		} else {
			helper.arrays[i].array = a;
		}
		return 1;
	}
	return 0;
}

static void *helper_main(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&helper.mu);
	while (!helper.stop) {
		if (make_array())
			continue;
		uint64_t want = helper.taken / 2 < READY_MAX ? helper.taken / 2 : READY_MAX;
		if ((uint64_t)helper.nready >= want) {
			pthread_cond_wait(&helper.wake, &helper.mu);
			continue;
		}
		pthread_mutex_unlock(&helper.mu);
		void *c = block_new(1);
		if (c != NULL)
			block_fault(c);
		pthread_mutex_lock(&helper.mu);
		if (c == NULL) {
			pthread_cond_wait(&helper.wake, &helper.mu);	/* out of memory: wait to be asked */
			continue;
		}
		helper.ready[helper.nready++] = c;
	}
	pthread_mutex_unlock(&helper.mu);
	return NULL;
}

int chunks_helper_start(void)
{
	pthread_mutex_lock(&helper.mu);
	int rc = 0;
	if (!helper.running) {
		helper.stop = 0;
		rc = pthread_create(&helper.thread, NULL, helper_main, NULL) == 0 ? 0 : -1;
		helper.running = rc == 0;
	}
	pthread_mutex_unlock(&helper.mu);
	return rc;
}

void chunks_helper_stop(void)
{
	pthread_mutex_lock(&helper.mu);
	if (!helper.running) {
		pthread_mutex_unlock(&helper.mu);
		return;
	}
	helper.stop = 1;
	pthread_cond_signal(&helper.wake);
	pthread_mutex_unlock(&helper.mu);
	pthread_join(helper.thread, NULL);
	pthread_mutex_lock(&helper.mu);
	helper.running = 0;
	while (helper.nready > 0)
		free(helper.ready[--helper.nready]);
	for (int i = 0; i < ARRAY_SLOTS; i++) {
		free(helper.arrays[i].array);
		helper.arrays[i].array = NULL;
		helper.arrays[i].bytes = 0;
	}
	pthread_mutex_unlock(&helper.mu);
}

void *chunk_get(void)
{
	void *c = NULL;

	pthread_mutex_lock(&helper.mu);
	uint64_t taken = helper.taken++;
	if (helper.nready > 0)
		c = helper.ready[--helper.nready];
	pthread_cond_signal(&helper.wake);
	pthread_mutex_unlock(&helper.mu);
	if (c != NULL)
		return c;
	/* faulted as it is used; the first few blocks in small pages */
	return block_new(taken >= SMALL_PAGE_BLOCKS);
}

void chunks_array_want(const void *owner, size_t bytes)
{
	pthread_mutex_lock(&helper.mu);
	if (helper.running) {
		int free_slot = -1;
		for (int i = 0; i < ARRAY_SLOTS; i++) {
			if (helper.arrays[i].owner == owner && helper.arrays[i].bytes == bytes)
				free_slot = -2;			/* asked for already */
			else if (helper.arrays[i].bytes == 0 && !helper.arrays[i].busy && free_slot == -1)
				free_slot = i;	/* (a busy one, given up on, is still being made) */
		}
		if (free_slot >= 0) {
			helper.arrays[free_slot].owner = owner;
			helper.arrays[free_slot].bytes = bytes;
			pthread_cond_signal(&helper.wake);
		}
	}
	pthread_mutex_unlock(&helper.mu);
}

void *chunks_array_take(const void *owner, size_t bytes)
{
	void *a = NULL;

	pthread_mutex_lock(&helper.mu);
	for (int i = 0; i < ARRAY_SLOTS; i++) {
		if (helper.arrays[i].owner != owner || helper.arrays[i].bytes != bytes)
			continue;
		a = helper.arrays[i].array;
		/* Not ready: give up on it (the helper frees it when done). */
		helper.arrays[i].array = NULL;
		helper.arrays[i].bytes = 0;
		break;
	}
	pthread_mutex_unlock(&helper.mu);
	return a;
}
