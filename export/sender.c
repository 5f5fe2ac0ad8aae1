/*
 * sender.c - the ring and the thread that empties it (sender.h).
 *
 * The ring holds datagrams as [length][socket][bytes], 8-byte aligned
 * (socket: an index into fds, or -1 for all of them); a length
 * of WRAP means "go back to the start".  Positions only grow: the bytes
 * between head and tail belong to the sender thread, the rest to the
 * producer, and each side moves its own position under the lock.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>
#include "sender.h"

#define RING_BYTES ((size_t)1 << 20)	/* holds 16 of the largest datagrams */
#define BATCH 64		/* datagrams a sendmmsg() */
#define WRAP UINT32_MAX
#define SENDER_MAX_FDS 16
#define PACE_BURST 16		/* datagrams sent back to back when pacing */

struct sender {
	pthread_mutex_t mu;
	pthread_cond_t more;	/* producer to thread: something queued, or stop */
	pthread_cond_t room;	/* thread to producer: bytes freed, or all sent */
	pthread_t thread;
	int fds[SENDER_MAX_FDS];
	size_t nfds;
	uint64_t head, tail;	/* byte positions, head <= tail */
	uint64_t failures;
	int stop;
	uint8_t *ring;
	/* pacing (sender_set_pace): a token bucket of datagrams */
	uint64_t rate;		/* datagrams a second; 0: as fast as possible */
	double tokens;
	int64_t refilled_ns;
};

static int64_t mono_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/*
 * How many datagrams may go now (at most want), sleeping until at least
 * one may.  The bucket holds PACE_BURST: a collector meets at most that
 * many back to back, which its socket buffer must absorb.
 */
static size_t pace(struct sender *s, size_t want)
{
	if (s->rate == 0)
		return want;
	for (;;) {
		int64_t now = mono_ns();
		if (s->refilled_ns == 0)
			s->tokens = PACE_BURST;
		else
			s->tokens += (double)(now - s->refilled_ns) * (double)s->rate / 1e9;
		if (s->tokens > PACE_BURST)
			s->tokens = PACE_BURST;
		s->refilled_ns = now;
		if (s->tokens >= 1)
			break;
		int64_t wait_ns = (int64_t)((1 - s->tokens) * 1e9 / (double)s->rate) + 1;
		struct timespec ts = { (time_t)(wait_ns / 1000000000), (long)(wait_ns % 1000000000) };
		nanosleep(&ts, NULL);
	}
	size_t n = (size_t)s->tokens < want ? (size_t)s->tokens : want;
	s->tokens -= (double)n;
	return n;
}

static size_t record_bytes(size_t len)
{
	return 8 + ((len + 7) & ~(size_t)7);
}

/* Send the n datagrams of m (to[i]: which socket, negative for all), in
 * order on each socket. */
static void send_batch(struct sender *s, const struct mmsghdr *m, const int32_t *to, size_t n,
		       uint64_t *failed)
{
	struct mmsghdr mine[BATCH];
	for (size_t f = 0; f < s->nfds; f++) {
		size_t k = 0;
		for (size_t i = 0; i < n; i++)
			if (to[i] < 0 || (size_t)to[i] == f)
				mine[k++] = m[i];
		for (size_t i = 0; i < k;) {
			int r = sendmmsg(s->fds[f], mine + i, (unsigned)(k - i), 0);
			if (r > 0) {
				i += (size_t)r;
			} else if (r < 0 && errno == EINTR) {
				continue;
			} else {
				(*failed)++;	/* the kernel refused datagram i */
				i++;
			}
		}
	}
}

static void *sender_main(void *arg)
{
	struct sender *s = arg;
	struct mmsghdr m[BATCH];
	struct iovec iov[BATCH];
	int32_t to[BATCH];

	pthread_mutex_lock(&s->mu);
	for (;;) {
		while (s->head == s->tail && !s->stop)
			pthread_cond_wait(&s->more, &s->mu);
		if (s->head == s->tail)
			break;			/* stopping, and all sent */
		uint64_t pos = s->head, end = s->tail;
		pthread_mutex_unlock(&s->mu);

		/* Gather up to BATCH datagrams from [pos, end), or as many as
		 * the pace allows. */
		size_t n = 0, allowed = pace(s, BATCH);
		while (pos < end && n < allowed) {
			size_t at = (size_t)(pos % RING_BYTES);
			uint32_t len;
			memcpy(&len, s->ring + at, 4);
			if (len == WRAP) {
				pos += RING_BYTES - at;
				continue;
			}
			memcpy(&to[n], s->ring + at + 4, 4);
			iov[n].iov_base = s->ring + at + 8;
			iov[n].iov_len = len;
			memset(&m[n], 0, sizeof(m[n]));
			m[n].msg_hdr.msg_iov = &iov[n];
			m[n].msg_hdr.msg_iovlen = 1;
			n++;
			pos += record_bytes(len);
		}
		uint64_t failed = 0;
		if (n > 0)
			send_batch(s, m, to, n, &failed);

		pthread_mutex_lock(&s->mu);
		s->head = pos;
		s->failures += failed;
		pthread_cond_signal(&s->room);
	}
	pthread_mutex_unlock(&s->mu);
	return NULL;
}

struct sender *sender_start(const int *fds, size_t n)
{
	struct sender *s = calloc(1, sizeof(*s));

	if (s == NULL || n > SENDER_MAX_FDS)
		goto fail;
	s->ring = malloc(RING_BYTES);
	if (s->ring == NULL)
		goto fail;
	memcpy(s->fds, fds, n * sizeof(*fds));
	s->nfds = n;
	pthread_mutex_init(&s->mu, NULL);
	pthread_cond_init(&s->more, NULL);
	pthread_cond_init(&s->room, NULL);
	if (pthread_create(&s->thread, NULL, sender_main, s) != 0) {
		pthread_mutex_destroy(&s->mu);
		pthread_cond_destroy(&s->more);
		pthread_cond_destroy(&s->room);
		goto fail;
	}
	return s;
fail:
	if (s)
		free(s->ring);
	free(s);
	return NULL;
}

void sender_set_pace(struct sender *s, uint64_t per_second)
{
	pthread_mutex_lock(&s->mu);
	s->rate = per_second;
	pthread_mutex_unlock(&s->mu);
}

void sender_queue(struct sender *s, int to, const uint8_t *buf, size_t len)
{
	if (len > SENDER_MAX_DATAGRAM) {
		/* UDP cannot carry it: refused, as send() would refuse it */
		pthread_mutex_lock(&s->mu);
		s->failures += to < 0 ? s->nfds : 1;
		pthread_mutex_unlock(&s->mu);
		return;
	}
	size_t need = record_bytes(len);

	pthread_mutex_lock(&s->mu);
	size_t at = (size_t)(s->tail % RING_BYTES);
	size_t skip = at + need > RING_BYTES ? RING_BYTES - at : 0;
	while (RING_BYTES - (size_t)(s->tail - s->head) < skip + need)
		pthread_cond_wait(&s->room, &s->mu);
	pthread_mutex_unlock(&s->mu);

	/* The bytes from tail on are the producer's until tail moves. */
	if (skip) {
		uint32_t w = WRAP;
		memcpy(s->ring + at, &w, 4);
		at = 0;
	}
	uint32_t l = (uint32_t)len;
	int32_t dest = to < 0 ? -1 : to;
	memcpy(s->ring + at, &l, 4);
	memcpy(s->ring + at + 4, &dest, 4);
	memcpy(s->ring + at + 8, buf, len);

	pthread_mutex_lock(&s->mu);
	int was_empty = s->head == s->tail;
	s->tail += skip + need;
	if (was_empty)
		pthread_cond_signal(&s->more);
	pthread_mutex_unlock(&s->mu);
}

uint64_t sender_sync(struct sender *s)
{
	pthread_mutex_lock(&s->mu);
	while (s->head != s->tail)
		pthread_cond_wait(&s->room, &s->mu);
	uint64_t f = s->failures;
	pthread_mutex_unlock(&s->mu);
	return f;
}

uint64_t sender_stop(struct sender *s)
{
	uint64_t f = sender_sync(s);

	pthread_mutex_lock(&s->mu);
	s->stop = 1;
	pthread_cond_signal(&s->more);
	pthread_mutex_unlock(&s->mu);
	pthread_join(s->thread, NULL);
	pthread_mutex_destroy(&s->mu);
	pthread_cond_destroy(&s->more);
	pthread_cond_destroy(&s->room);
	free(s->ring);
	free(s);
	return f;
}
