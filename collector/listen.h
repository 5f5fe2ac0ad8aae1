/*
 * listen.h - what the UDP and TCP sources share: a listening socket on
 * an address and port, and the name of the peer a datagram or connection
 * comes from.
 */
#ifndef FP_LISTEN_H
#define FP_LISTEN_H

#include <stddef.h>
#include <sys/socket.h>
#include "collect.h"

/*
 * Bind a socket of this type (SOCK_DGRAM, SOCK_STREAM) to bind_addr:port;
 * NULL listens on every address, IPv4 and IPv6 on one dual-stack socket;
 * port 0 takes a free one.  The port bound goes to *bound_port.  Returns
 * the socket, or -1 with err set ("cannot listen on UDP port 2055: ...").
 *
 * reuseport sets SO_REUSEPORT: processes of the same user that all ask
 * for it share the port, the kernel handing each datagram (each TCP
 * connection) to one of them by a hash of its addresses and ports.
 * Without it a port that is taken is refused, UDP too (no SO_REUSEADDR
 * there: on Linux that would let a second process bind the port and
 * silently take its datagrams).
 */
int listen_socket(const char *bind_addr, unsigned port, int type, int reuseport,
		  unsigned *bound_port, char *err, size_t errlen);

/* The exporter's address and port, as the decoder wants them; IPv4 that
 * came to the dual-stack socket is IPv4, not ::ffff:a.b.c.d. */
void listen_peer(const struct sockaddr_storage *ss, struct datagram_src *src);

#endif
