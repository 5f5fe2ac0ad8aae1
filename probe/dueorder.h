/*
 * dueorder.h - the order flows leave the table in: earliest deadline
 * first, ties in creation order.  The expiry heaps and the final flush
 * both keep it, so the same capture always exports in the same order.
 */
#ifndef FP_DUEORDER_H
#define FP_DUEORDER_H

#include <stddef.h>
#include <stdint.h>

/* A flow as it was when the entry was made: its deadline and creation
 * number (so a flow changed or gone since is recognised) and its index. */
struct due {
	int64_t deadline;
	uint32_t seq;
	uint32_t idx;
};

/* Creation numbers wrap: a is older than b if it is less than 2^31 before. */
static inline int seq_before(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) < 0;
}

static inline int due_before(const struct due *a, const struct due *b)
{
	return a->deadline < b->deadline || (a->deadline == b->deadline && seq_before(a->seq, b->seq));
}

/* Sort n entries into that order, in place, in O(n log n) whatever the
 * input. */
void due_sort(struct due *e, size_t n);

/*
 * Sorting a million entries on two cores: due_split moves every entry
 * before a sampled median to the front and returns how many they are, so
 * that the two parts sort independently; due_sort_start sorts a part on
 * a thread of its own (NULL: it could not start one, and sorted it
 * before returning), due_sort_wait waits for it.
 */
size_t due_split(struct due *e, size_t n);
struct due_job;
struct due_job *due_sort_start(struct due *e, size_t n);
void due_sort_wait(struct due_job *job);

/* due_sort with the quicksort's depth limit given (0: heapsort at once),
 * for the tests: returns how many entries were heapsorted, which on any
 * ordinary input should be none.  due_sort_depth_for(n) is due_sort's
 * limit. */
size_t due_sort_depth(struct due *e, size_t n, int depth);
int due_sort_depth_for(size_t n);

#endif
