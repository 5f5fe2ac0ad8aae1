/*
 * sender.c - the ring and the thread that empties it (sender.h).
 *
 * The ring holds datagrams as [length][socket][flags][bytes], 8-byte
 * aligned (length 32 bits; socket 16 bits, an index into fds or -1 for all
 * of them; flags 16 bits, SENDER_TEMPLATES); a length
 * of WRAP means "go back to the start".  Positions only grow: the bytes
 * between head and tail belong to the sender thread, the rest to the
 * producer, and each side moves its own position under the lock.
 */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>
#include "sender.h"

#define RING_BYTES ((size_t)1 << 20)	/* holds 16 of the largest datagrams */
#define BATCH 64		/* datagrams a sendmmsg() */
#define WRAP UINT32_MAX
#define SENDER_MAX_FDS 16
#define PACE_BURST 16		/* datagrams sent back to back when pacing */
#define TCP_RETRY_NS 1000000000LL	/* a refused connection is tried again after 1 s */

struct sender {
	pthread_mutex_t mu;
	pthread_cond_t more;	/* producer to thread: something queued, or stop */
	pthread_cond_t room;	/* thread to producer: bytes freed, or all sent */
	pthread_t thread;
	int fds[SENDER_MAX_FDS];
	size_t nfds;
	/* -P tcp: the thread connects, and reconnects, each destination */
	int tcp;
	struct sockaddr_storage dest[SENDER_MAX_FDS];
	socklen_t destlen[SENDER_MAX_FDS];
	int64_t retry_ns[SENDER_MAX_FDS];	/* no connect attempt before this */
	struct sockaddr_in src4;		/* -e, when family set */
	struct sockaddr_in6 src6;
	int fresh[SENDER_MAX_FDS];		/* connected, templates not yet sent */
	uint32_t epoch;				/* connections made (sender_epoch) */
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
		int retried = 0;
		for (size_t i = 0; i < k;) {
			int r = sendmmsg(s->fds[f], mine + i, (unsigned)(k - i), 0);
			if (r > 0) {
				i += (size_t)r;
				retried = 0;
			} else if (r < 0 && errno == EINTR) {
				continue;
			} else if (r < 0 && errno == ECONNREFUSED && !retried) {
				/* An ICMP port unreachable for an earlier datagram
				 * (the collector was down): counted, and this one,
				 * which the kernel did not send, tried again, so a
				 * restarted collector gets it (the socket stays). */
				(*failed)++;
				retried = 1;
			} else {
				(*failed)++;	/* the kernel refused datagram i */
				i++;
			}
		}
	}
}

/* -P tcp: connect destination f if it is time to try. */
static int tcp_connect(struct sender *s, size_t f)
{
	int64_t now = mono_ns();
	if (now < s->retry_ns[f])
		return -1;
	int fd = socket(s->dest[f].ss_family, SOCK_STREAM, 0);
	if (fd >= 0 && s->dest[f].ss_family == AF_INET && s->src4.sin_family == AF_INET &&
	    bind(fd, (struct sockaddr *)&s->src4, sizeof(s->src4)) != 0) {
		close(fd);
		fd = -1;
	}
	if (fd >= 0 && s->dest[f].ss_family == AF_INET6 && s->src6.sin6_family == AF_INET6 &&
	    bind(fd, (struct sockaddr *)&s->src6, sizeof(s->src6)) != 0) {
		close(fd);
		fd = -1;
	}
	if (fd >= 0 && connect(fd, (struct sockaddr *)&s->dest[f], s->destlen[f]) == 0) {
		int on = 1;
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on));
		s->fds[f] = fd;
		s->fresh[f] = 1;
		__atomic_add_fetch(&s->epoch, 1, __ATOMIC_RELEASE);
		return 0;
	}
	if (fd >= 0)
		close(fd);
	s->retry_ns[f] = now + TCP_RETRY_NS;
	return -1;
}

/* Write all of a message, or close the connection (to be made again). */
static int tcp_write(struct sender *s, size_t f, const uint8_t *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = send(s->fds[f], buf, len, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			close(s->fds[f]);
			s->fds[f] = -1;
			s->retry_ns[f] = 0;	/* try again at once, then each second */
			return -1;
		}
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/*
 * One message on a stream.  A connection made anew first gets a message
 * that starts with the templates (the exporter puts them in the next one
 * when sender_epoch moves); the messages before it are dropped and
 * counted, never sent to a collector that cannot decode them.
 */
static void tcp_send(struct sender *s, int to, unsigned flags, const uint8_t *buf, size_t len,
		     uint64_t *failed)
{
	for (size_t f = 0; f < s->nfds; f++) {
		if (to >= 0 && (size_t)to != f)
			continue;
		if (s->fds[f] < 0 && tcp_connect(s, f) != 0) {
			(*failed)++;
			continue;
		}
		if (s->fresh[f] && !(flags & SENDER_TEMPLATES)) {
			(*failed)++;
			continue;
		}
		if (tcp_write(s, f, buf, len) != 0) {
			(*failed)++;
			continue;
		}
		s->fresh[f] = 0;
	}
}

static void *sender_main(void *arg)
{
	struct sender *s = arg;
	struct mmsghdr m[BATCH];
	struct iovec iov[BATCH];
	int32_t to[BATCH];
	uint16_t flags[BATCH];

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
			int16_t dest;
			memcpy(&dest, s->ring + at + 4, 2);
			memcpy(&flags[n], s->ring + at + 6, 2);
			to[n] = dest;
			iov[n].iov_base = s->ring + at + 8;
			iov[n].iov_len = len;
			memset(&m[n], 0, sizeof(m[n]));
			m[n].msg_hdr.msg_iov = &iov[n];
			m[n].msg_hdr.msg_iovlen = 1;
			n++;
			pos += record_bytes(len);
		}
		uint64_t failed = 0;
		if (n > 0 && s->tcp) {
			for (size_t i = 0; i < n; i++)
				tcp_send(s, to[i], flags[i], iov[i].iov_base, iov[i].iov_len, &failed);
		} else if (n > 0) {
			send_batch(s, m, to, n, &failed);
		}

		pthread_mutex_lock(&s->mu);
		s->head = pos;
		s->failures += failed;
		pthread_cond_signal(&s->room);
	}
	pthread_mutex_unlock(&s->mu);
	return NULL;
}

static struct sender *sender_start_thread(const int *fds, size_t n, int tcp,
					  const struct sockaddr_storage *dests, const socklen_t *lens,
					  const struct sockaddr_in *src4,
					  const struct sockaddr_in6 *src6)
{
	struct sender *s = calloc(1, sizeof(*s));

	if (s == NULL || n > SENDER_MAX_FDS)
		goto fail;
	s->ring = malloc(RING_BYTES);
	if (s->ring == NULL)
		goto fail;
	memcpy(s->fds, fds, n * sizeof(*fds));
	s->nfds = n;
	s->tcp = tcp;
	if (tcp) {
		memcpy(s->dest, dests, n * sizeof(*dests));
		memcpy(s->destlen, lens, n * sizeof(*lens));
		if (src4)
			s->src4 = *src4;
		if (src6)
			s->src6 = *src6;
	}
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

struct sender *sender_start(const int *fds, size_t n)
{
	return sender_start_thread(fds, n, 0, NULL, NULL, NULL, NULL);
}

struct sender *sender_start_tcp(const struct sockaddr_storage *dests, const socklen_t *lens,
				size_t n, const struct sockaddr_in *src4,
				const struct sockaddr_in6 *src6)
{
	int fds[SENDER_MAX_FDS];
	if (n > SENDER_MAX_FDS)
		return NULL;
	for (size_t i = 0; i < n; i++)
		fds[i] = -1;
	struct sender *s = sender_start_thread(fds, n, 1, dests, lens, src4, src6);
	return s;
}

uint32_t sender_epoch(struct sender *s)
{
	return __atomic_load_n(&s->epoch, __ATOMIC_ACQUIRE);
}

void sender_set_pace(struct sender *s, uint64_t per_second)
{
	pthread_mutex_lock(&s->mu);
	s->rate = per_second;
	pthread_mutex_unlock(&s->mu);
}

void sender_queue(struct sender *s, int to, unsigned flags, const uint8_t *buf, size_t len)
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
	int16_t dest = (int16_t)(to < 0 ? -1 : to);
	uint16_t fl = (uint16_t)flags;
	memcpy(s->ring + at, &l, 4);
	memcpy(s->ring + at + 4, &dest, 2);
	memcpy(s->ring + at + 6, &fl, 2);
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

uint64_t sender_failures(struct sender *s)
{
	pthread_mutex_lock(&s->mu);
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
	/* Streams are the thread's own; datagram sockets are borrowed. */
	for (size_t i = 0; s->tcp && i < s->nfds; i++)
		if (s->fds[i] >= 0)
			close(s->fds[i]);
	pthread_mutex_destroy(&s->mu);
	pthread_cond_destroy(&s->more);
	pthread_cond_destroy(&s->room);
	free(s->ring);
	free(s);
	return f;
}
