/*
 * source_tcp.c - IPFIX over TCP (RFC 7011 §10.4): many exporters at once.
 *
 * One listening socket and up to TCP_MAX_CLIENTS connections, all in one
 * poll() loop.  A stream is cut into messages by the IPFIX header's length
 * field; each whole message goes to the decoder as a datagram would, its
 * source the connection's address and port (so a reconnecting exporter,
 * on a new port, is a new template scope, as RFC 7011 §8 wants).  A
 * connection whose bytes are not IPFIX (a version other than 10, a length
 * under the header's) is counted and closed: its later bytes cannot be
 * framed.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include "clock.h"
#include "listen.h"
#include "source.h"
#include "../export/rd.h"

#define TCP_MAX_CLIENTS 256
#define MSG_MAX 65535
#define IPFIX_HEADER 16

struct client {
	int fd;
	struct datagram_src src;
	size_t have;		/* bytes of the message being read */
	uint8_t buf[MSG_MAX];
};

int source_tcp_open(const char *bind_addr, unsigned port, unsigned reuseport, int *fdp,
		    unsigned *bound_port,
		    char *err, size_t errlen)
{
	int fd = listen_socket(bind_addr, port, SOCK_STREAM, reuseport, bound_port, err, errlen);
	if (fd < 0)
		return -1;
	*fdp = fd;
	return 0;
}

/* The length the message in c->buf says it has: 0 while its header is
 * incomplete, -1 if it is not an IPFIX header. */
static long message_len(const struct client *c)
{
	if (c->have < 4)
		return 0;
	struct rd r = rd_make(c->buf, 4);
	uint16_t version = rd_u16(&r), len = rd_u16(&r);
	if (version != 10 || len < IPFIX_HEADER)
		return -1;
	return len;
}

/* Read what the connection has; returns -1 when it is to be closed. */
static int client_read(struct collector *col, struct client *c)
{
	for (;;) {
		long want = message_len(c);
		if (want < 0) {
			col->errors[FP_UNSUPPORTED]++;
			col->bad_datagrams++;
			return -1;
		}
		size_t need = want ? (size_t)want : 4;
		ssize_t n = recv(c->fd, c->buf + c->have, need - c->have, MSG_DONTWAIT);
		if (n == 0)
			return -1;		/* the exporter closed it */
		if (n < 0)
			return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR ? 0 : -1;
		c->have += (size_t)n;
		if (want && c->have == (size_t)want) {
			c->src.arrived_us = clock_wall_us();
			collector_datagram(col, &c->src, c->buf, c->have);
			c->have = 0;
		}
	}
}

int source_tcp_run(int lfd, struct collector *col, volatile sig_atomic_t *stop,
		   volatile sig_atomic_t *report, char *err, size_t errlen)
{
	static struct client *clients[TCP_MAX_CLIENTS];
	struct pollfd pfd[TCP_MAX_CLIENTS + 1];
	size_t n = 0;

	(void)err;
	(void)errlen;
	while (!*stop) {
		if (report && *report) {
			*report = 0;
			collector_flush(col);	/* the rows before the counters */
			collector_report(col, stderr);
		}
		pfd[0].fd = lfd;
		pfd[0].events = n < TCP_MAX_CLIENTS ? POLLIN : 0;
		for (size_t i = 0; i < n; i++) {
			pfd[i + 1].fd = clients[i]->fd;
			pfd[i + 1].events = POLLIN;
		}
		/* Every connection was read until it had nothing more: write
		 * out the rows before waiting. */
		collector_idle(col, clock_wall_us());
		int r = poll(pfd, n + 1, 200);
		if (r <= 0)
			continue;
		/* Existing connections first: a closed one frees its slot. */
		for (size_t i = n; i-- > 0;) {
			if (!(pfd[i + 1].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			if (client_read(col, clients[i]) != 0) {
				close(clients[i]->fd);
				free(clients[i]);
				clients[i] = clients[--n];
			}
		}
		if (pfd[0].revents & POLLIN) {
			struct sockaddr_storage ss;
			socklen_t sl = sizeof(ss);
			int fd = accept(lfd, (struct sockaddr *)&ss, &sl);
			struct client *c = fd >= 0 && n < TCP_MAX_CLIENTS ? malloc(sizeof(*c)) : NULL;
			if (c == NULL) {
				if (fd >= 0)
					close(fd);
				continue;
			}
			c->fd = fd;
			c->have = 0;
			listen_peer(&ss, &c->src);
			c->src.stream = 1;
			clients[n++] = c;
		}
	}
	/* Stopping: what each exporter already sent is read, then closed. */
	for (size_t i = 0; i < n; i++) {
		client_read(col, clients[i]);
		close(clients[i]->fd);
		free(clients[i]);
	}
	return 0;
}
