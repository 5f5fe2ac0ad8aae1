/*
 * dueorder.c - sorting entries into leaving order (dueorder.h).
 *
 * Introsort with the comparison inlined.  At a million flows qsort()
 * takes twice the time, and glibc's merge sort a second array as big as
 * the first, which at the final flush is the peak of the probe's memory.
 */
#include <pthread.h>
#include <stdlib.h>
#include "dueorder.h"

static void swap(struct due *a, struct due *b)
{
	struct due t = *a;
	*a = *b;
	*b = t;
}

/* Heapsort's sift-down (a max-heap), for a partition that went too deep. */
static void sift(struct due *e, size_t i, size_t n)
{
	struct due x = e[i];
	for (size_t c; (c = 2 * i + 1) < n; i = c) {
		if (c + 1 < n && due_before(&e[c], &e[c + 1]))
			c++;
		if (!due_before(&x, &e[c]))
			break;
		e[i] = e[c];
	}
	e[i] = x;
}

static void heapsort_due(struct due *e, size_t n)
{
	for (size_t i = n / 2; i-- > 0;)
		sift(e, i, n);
	for (size_t i = n; i-- > 1;) {
		swap(&e[0], &e[i]);
		sift(e, 0, i);
	}
}

size_t due_sort_depth(struct due *e, size_t n, int depth)
{
	size_t heaped = 0;

	while (n > 16) {
		if (depth-- <= 0) {
			heapsort_due(e, n);
			return heaped + n;
		}
		/* The median of the entries at a quarter, half and three
		 * quarters as the pivot, moved to the front; Hoare's partition
		 * around it.  (Not first, middle and last: a partition leaves
		 * a large entry at the front of its lower side, which on
		 * nearly sorted input - the usual case, flows gathered in
		 * creation order - made every split lopsided.)  Both scans
		 * stop on an equal entry, so runs of equal deadlines split
		 * evenly. */
		struct due *a = &e[n / 4], *m = &e[n / 2], *z = &e[n / 2 + n / 4];
		if (due_before(m, a))
			swap(m, a);
		if (due_before(z, m))
			swap(z, m);
		if (due_before(m, a))
			swap(m, a);
		swap(&e[0], m);
		struct due p = e[0];
		size_t i = 0, j = n;
		for (;;) {
			do
				i++;
			while (i < n && due_before(&e[i], &p));
			do
				j--;
			while (due_before(&p, &e[j]));
			if (i >= j)
				break;
			swap(&e[i], &e[j]);
		}
		e[0] = e[j];
		e[j] = p;
		/* Recurse into the smaller side, loop on the larger: the stack
		 * stays logarithmic. */
		if (j < n - j - 1) {
			heaped += due_sort_depth(e, j, depth);
			e += j + 1;
			n -= j + 1;
		} else {
			heaped += due_sort_depth(e + j + 1, n - j - 1, depth);
			n = j;
		}
	}
	for (size_t i = 1; i < n; i++) {
		struct due x = e[i];
		size_t k = i;
		for (; k > 0 && due_before(&x, &e[k - 1]); k--)
			e[k] = e[k - 1];
		e[k] = x;
	}
	return heaped;
}

void due_sort(struct due *e, size_t n)
{
	due_sort_depth(e, n, due_sort_depth_for(n));
}

int due_sort_depth_for(size_t n)
{
	int depth = 0;
	for (size_t m = n; m > 1; m >>= 1)
		depth += 2;
	return depth;
}

size_t due_split(struct due *e, size_t n)
{
	enum { SAMPLES = 63 };
	struct due sample[SAMPLES];

	if (n < 2 * SAMPLES)
		return 0;
	for (size_t i = 0; i < SAMPLES; i++)
		sample[i] = e[(i * 2 + 1) * (n / (2 * SAMPLES))];
	due_sort(sample, SAMPLES);
	struct due pivot = sample[SAMPLES / 2];
	/* Entries before the pivot to the front (the order is total: no
	 * entry equals the pivot but itself, which goes to the back part). */
	size_t i = 0, j = n;
	for (;;) {
		while (i < j && due_before(&e[i], &pivot))
			i++;
		while (i < j && !due_before(&e[j - 1], &pivot))
			j--;
		if (i >= j)
			return i;
		swap(&e[i], &e[j - 1]);
		i++;
		j--;
	}
}

struct due_job {
	pthread_t thread;
	struct due *e;
	size_t n;
};

static void *sort_main(void *arg)
{
	struct due_job *job = arg;
	due_sort(job->e, job->n);
	return NULL;
}

struct due_job *due_sort_start(struct due *e, size_t n)
{
	struct due_job *job = malloc(sizeof(*job));

	if (job != NULL) {
		job->e = e;
		job->n = n;
		if (pthread_create(&job->thread, NULL, sort_main, job) == 0)
			return job;
		free(job);
	}
	due_sort(e, n);
	return NULL;
}

void due_sort_wait(struct due_job *job)
{
	if (job == NULL)
		return;
	pthread_join(job->thread, NULL);
	free(job);
}
