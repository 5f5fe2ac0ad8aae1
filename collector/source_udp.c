/* source_udp.c - receiving export datagrams on a UDP socket. */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>
#include <linux/sock_diag.h>
#include "clock.h"
#include "listen.h"
#include "source.h"

/* Bursts from a probe reading a file arrive far faster than one line of
 * output each can be written: a deep receive queue keeps them. */
#define RCVBUF_BYTES (32 * 1024 * 1024)

int source_udp_open(const char *bind_addr, unsigned port, unsigned reuseport, int *fdp,
		    unsigned *bound_port,
		    char *err, size_t errlen)
{
	int rcv = RCVBUF_BYTES;
	int fd = listen_socket(bind_addr, port, SOCK_DGRAM, reuseport, bound_port, err, errlen);
	if (fd < 0)
		return -1;
	/* FORCE passes net.core.rmem_max when we may; else take what we get. */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcv, sizeof(rcv)) != 0)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcv, sizeof(rcv));
	*fdp = fd;
	return 0;
}

/*
 * The socket's own count of datagrams dropped, its receive queue full,
 * into c for the report.  SO_MEMINFO reads it at any moment; SO_RXQ_OVFL
 * would only stamp it on the datagrams received after a drop, missing
 * the drops at the end of a burst that nothing follows.  A kernel
 * without it (before 4.12) leaves the count unknown, and unreported.
 */
static void read_drops(int fd, struct collector *c)
{
	uint32_t mem[SK_MEMINFO_VARS];
	socklen_t len = sizeof(mem);

	if (getsockopt(fd, SOL_SOCKET, SO_MEMINFO, mem, &len) == 0 &&
	    len >= (SK_MEMINFO_DROPS + 1) * sizeof(mem[0])) {
		c->kernel_drops = mem[SK_MEMINFO_DROPS];
		c->kernel_drops_known = 1;
	}
}

/* Datagrams taken by one recvmmsg(): a burst costs one system call per
 * BATCH instead of one per datagram.  Each buffer holds the largest. */
#define BATCH 32
#define DGRAM_MAX 65536

int source_udp_run(int fd, struct collector *c, volatile sig_atomic_t *stop,
		   volatile sig_atomic_t *report, char *err, size_t errlen)
{
	static uint8_t bufs[BATCH][DGRAM_MAX];
	struct sockaddr_storage from[BATCH];
	struct iovec iov[BATCH];
	struct mmsghdr m[BATCH];
	struct pollfd pfd = { fd, POLLIN, 0 };

	for (;;) {
		int draining = *stop != 0;
		if (report && *report) {
			*report = 0;
			collector_flush(c);	/* the rows before the counters */
			read_drops(fd, c);
			collector_report(c, stderr);
		}
		/* Read while the queue holds datagrams; wait only once it is
		 * empty, and write out the rows first: a burst goes out in
		 * big writes, a trickle row by row as it comes. */
		for (int i = 0; i < BATCH; i++) {
			iov[i].iov_base = bufs[i];
			iov[i].iov_len = DGRAM_MAX;
			memset(&m[i], 0, sizeof(m[i]));
			m[i].msg_hdr.msg_iov = &iov[i];
			m[i].msg_hdr.msg_iovlen = 1;
			m[i].msg_hdr.msg_name = &from[i];
			m[i].msg_hdr.msg_namelen = sizeof(from[i]);
		}
		int n = recvmmsg(fd, m, BATCH, MSG_DONTWAIT, NULL);
		if (n < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) {
				if (draining) {
					read_drops(fd, c);
					return 0;	/* queue empty after the stop request */
				}
				collector_idle(c, clock_wall_us());
				poll(&pfd, 1, 200);
				continue;
			}
			snprintf(err, errlen, "receive failed: %s", strerror(errno));
			read_drops(fd, c);
			return -1;
		}
		int64_t now = clock_wall_us();
		for (int i = 0; i < n; i++) {
			struct datagram_src src;
			listen_peer(&from[i], &src);
			src.arrived_us = now;
			collector_datagram(c, &src, bufs[i], m[i].msg_len);
		}
	}
}
