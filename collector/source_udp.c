/* source_udp.c - receiving export datagrams on a UDP socket. */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include "source.h"

/* Bursts from a probe reading a file arrive far faster than one line of
 * output each can be written: a deep receive queue keeps them. */
#define RCVBUF_BYTES (32 * 1024 * 1024)

int source_udp_open(const char *bind_addr, unsigned port, int *fdp, unsigned *bound_port,
		    char *err, size_t errlen)
{
	struct addrinfo hints, *res = NULL;
	char portstr[16];
	int fd, on = 1, off = 0, rcv = RCVBUF_BYTES;

	snprintf(portstr, sizeof(portstr), "%u", port);
	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_DGRAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	hints.ai_family = bind_addr ? AF_UNSPEC : AF_INET6;
	int rc = getaddrinfo(bind_addr, portstr, &hints, &res);
	if (rc != 0) {
		snprintf(err, errlen, "cannot listen on \"%s\": %s", bind_addr ? bind_addr : "::", gai_strerror(rc));
		return -1;
	}
	fd = socket(res->ai_family, SOCK_DGRAM, 0);
	if (fd >= 0 && res->ai_family == AF_INET6 && bind_addr == NULL)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof(off));
	if (fd >= 0)
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
	if (fd < 0 || bind(fd, res->ai_addr, res->ai_addrlen) != 0) {
		snprintf(err, errlen, "cannot listen on UDP port %u: %s", port, strerror(errno));
		if (fd >= 0)
			close(fd);
		freeaddrinfo(res);
		return -1;
	}
	freeaddrinfo(res);
	/* FORCE passes net.core.rmem_max when we may; else take what we get. */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcv, sizeof(rcv)) != 0)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcv, sizeof(rcv));

	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	getsockname(fd, (struct sockaddr *)&ss, &sl);
	*bound_port = ntohs(ss.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
						      : ((struct sockaddr_in *)&ss)->sin_port);
	*fdp = fd;
	return 0;
}

/* The exporter's address; IPv4 that arrived on the dual-stack socket is
 * shown as IPv4, not as ::ffff:a.b.c.d. */
static void peer_addr(const struct sockaddr_storage *ss, uint8_t *af, uint8_t addr[16])
{
	static const uint8_t mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
	memset(addr, 0, 16);
	if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)ss;
		if (memcmp(s6->sin6_addr.s6_addr, mapped, 12) == 0) {
			*af = 4;
			memcpy(addr, s6->sin6_addr.s6_addr + 12, 4);
		} else {
			*af = 6;
			memcpy(addr, s6->sin6_addr.s6_addr, 16);
		}
	} else {
		*af = 4;
		memcpy(addr, &((const struct sockaddr_in *)ss)->sin_addr, 4);
	}
}

static uint16_t peer_port(const struct sockaddr_storage *ss)
{
	if (ss->ss_family == AF_INET6)
		return ntohs(((const struct sockaddr_in6 *)ss)->sin6_port);
	return ntohs(((const struct sockaddr_in *)ss)->sin_port);
}

int source_udp_run(int fd, struct collector *c, volatile sig_atomic_t *stop,
		   volatile sig_atomic_t *report, char *err, size_t errlen)
{
	static uint8_t buf[65536];
	struct pollfd pfd = { fd, POLLIN, 0 };

	for (;;) {
		int draining = *stop != 0;
		if (report && *report) {
			*report = 0;
			collector_flush(c);	/* the rows before the counters */
			collector_report(c, stderr);
		}
		/* Read while the queue holds datagrams; wait only once it is
		 * empty, and write out the rows first: a burst goes out in
		 * big writes, a trickle row by row as it comes. */
		struct sockaddr_storage ss;
		socklen_t sl = sizeof(ss);
		ssize_t n = recvfrom(fd, buf, sizeof(buf), MSG_DONTWAIT, (struct sockaddr *)&ss, &sl);
		if (n < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) {
				if (draining)
					return 0;	/* queue empty after the stop request */
				collector_flush(c);
				poll(&pfd, 1, 200);
				continue;
			}
			snprintf(err, errlen, "receive failed: %s", strerror(errno));
			return -1;
		}
		struct datagram_src src;
		struct timespec now;
		peer_addr(&ss, &src.af, src.addr);
		src.port = peer_port(&ss);
		clock_gettime(CLOCK_REALTIME, &now);
		src.arrived_us = (int64_t)now.tv_sec * 1000000 + now.tv_nsec / 1000;
		collector_datagram(c, &src, buf, (size_t)n);
	}
}
