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
 * reuseport (not 0) sets SO_REUSEPORT: processes of the same user that
 * all ask for it share the port, the kernel handing each datagram (each
 * TCP connection) to one of them by a hash of its addresses and ports.
 * Without it a port that is taken is refused, UDP too (no SO_REUSEADDR
 * there: on Linux that would let a second process bind the port and
 * silently take its datagrams).
 */
int listen_socket(const char *bind_addr, unsigned port, int type, unsigned reuseport,
		  unsigned *bound_port, char *err, size_t errlen);

/*
 * reuseport of 2 or more is the number of processes in the group: each
 * datagram (each TCP connection) then goes by its source address to the
 * process that joined K-th, counting from 0, K a hash of the address
 * modulo n (steer.c), by a BPF program listen_socket attaches with
 * steer_by_address.  Returns 0, or -1 with err set.
 */
#define STEER_MUL 0x9e3779b1u
int steer_by_address(int fd, unsigned n, char *err, size_t errlen);

/* The exporter's address and port, as the decoder wants them; IPv4 that
 * came to the dual-stack socket is IPv4, not ::ffff:a.b.c.d. */
void listen_peer(const struct sockaddr_storage *ss, struct datagram_src *src);

#endif
