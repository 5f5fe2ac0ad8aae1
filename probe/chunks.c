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

static struct {
	pthread_mutex_t mu;
	pthread_cond_t wake;
	pthread_t thread;
	int running, stop;
	void *ready[READY_MAX];
	int nready;
	uint64_t taken;		/* blocks handed out */
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

static void *helper_main(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&helper.mu);
	while (!helper.stop) {
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
