/*
 * chunks.h - the 2 MiB blocks that pools and big tables are made of,
 * faulted in ahead of need.
 *
 * The kernel zeroes a page the first time it is touched.  On a probe
 * filling a table of a million flows that is hundreds of megabytes, and
 * in a virtual machine, where the host may have to back each page too,
 * it was a quarter of the run, spent in the middle of metering.  With the
 * helper running, a thread keeps a few blocks touched and ready, so the
 * faults are taken on another core; without it (or when it falls behind)
 * a block is made on the spot, as before.
 */
#ifndef FP_CHUNKS_H
#define FP_CHUNKS_H

#include <stddef.h>

#define CHUNK_BYTES ((size_t)2 << 20)

/* Start and stop the helper thread.  Returns -1 if it could not start
 * (blocks are then made on demand). */
int chunks_helper_start(void);
void chunks_helper_stop(void);

/* A block of CHUNK_BYTES, aligned to it (so the kernel can use a huge
 * page), or NULL.  Not necessarily zeroed (a recycled block is not): the
 * pool zeroes each element as it hands it out.  Release it with free(). */
void *chunk_get(void);

/*
 * Bigger zeroed arrays, asked for ahead: a hash index (the owner) that is
 * filling up asks for its next size, the helper allocates and zeroes one,
 * and when the index grows chunks_array_take hands it over if it is ready.  NULL
 * when it is not (or was never asked for): the caller makes its own.
 * Release it with free().
 */
void chunks_array_want(const void *owner, size_t bytes);
void *chunks_array_take(const void *owner, size_t bytes);

#endif
