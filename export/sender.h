/*
 * sender.h - UDP sends on a thread of their own.
 *
 * On loopback, and to a busy collector, a send() costs several
 * microseconds of kernel time, most of it the receiving side's work done
 * in the sender's context.  Ending a million flows at once is 60 000
 * datagrams: a quarter of a second the meter would otherwise spend
 * waiting.  Datagrams are copied into a ring and sent, in order, by a
 * thread that takes them in batches (sendmmsg); the meter waits only
 * when the ring is full.
 */
#ifndef FP_SENDER_H
#define FP_SENDER_H

#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>
#include <sys/socket.h>

struct sender;

/* Start sending to the connected sockets fds[0..n) (borrowed: they must
 * stay open until sender_stop).  NULL if the thread cannot start. */
struct sender *sender_start(const int *fds, size_t n);

#define SENDER_MAX_DATAGRAM 65535

/* Send at most per_second datagrams a second (0: no limit), in bursts of
 * at most 16: reading a file, a probe makes exports far faster than any
 * router, and a collector's socket buffer overflows (issue 4 measured 89%
 * lost by nfcapd from softflowd).  Each datagram counts once however many
 * destinations it goes to. */
void sender_set_pace(struct sender *s, uint64_t per_second);

/*
 * IPFIX over TCP (-P tcp): the thread connects to each destination itself
 * (from src4/src6 when given, -e),
 * and again after a connection breaks (at once, then each second while
 * refused); a message that cannot be written is counted as refused.  A new
 * connection's first message must start with the templates
 * (SENDER_TEMPLATES): until one comes, messages are dropped, and counted.
 * sender_epoch() counts the connections made, so the exporter knows when
 * to put the templates in the next message.
 */
struct sender *sender_start_tcp(const struct sockaddr_storage *dests, const socklen_t *lens,
				size_t n, const struct sockaddr_in *src4,
				const struct sockaddr_in6 *src6);
uint32_t sender_epoch(struct sender *s);

#define SENDER_TEMPLATES 1	/* the message starts with the templates */

/* Queue one datagram (message) for destination to, or for all of them
 * when to is negative (copied; waits while the ring is full).  One longer
 * than SENDER_MAX_DATAGRAM, which UDP cannot carry, is counted as refused
 * by each destination it was for. */
void sender_queue(struct sender *s, int to, unsigned flags, const uint8_t *buf, size_t len);

/* Wait until everything queued has been sent; the sends the kernel
 * refused so far (one per datagram and socket). */
uint64_t sender_sync(struct sender *s);

/* The sends refused so far, without waiting (live mode's warnings).  A
 * UDP send that fails with ECONNREFUSED (an ICMP port unreachable that
 * came back for an earlier datagram) counts once and is tried again: the
 * kernel did not send it, and the collector may be back. */
uint64_t sender_failures(struct sender *s);

/* sender_sync, then end the thread and free s. */
uint64_t sender_stop(struct sender *s);

#endif
