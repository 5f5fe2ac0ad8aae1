/* listen.c - listening sockets and peer names for the sources. */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "listen.h"

int listen_socket(const char *bind_addr, unsigned port, int type, unsigned reuseport,
		  unsigned *bound_port, char *err, size_t errlen)
{
	struct addrinfo hints, *res = NULL;
	char portstr[16];
	int on = 1, off = 0;
	const char *proto = type == SOCK_STREAM ? "TCP" : "UDP";

	snprintf(portstr, sizeof(portstr), "%u", port);
	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = type;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	hints.ai_family = bind_addr ? AF_UNSPEC : AF_INET6;
	int rc = getaddrinfo(bind_addr, portstr, &hints, &res);
	if (rc != 0) {
		snprintf(err, errlen, "cannot listen on \"%s\": %s", bind_addr ? bind_addr : "::",
			 gai_strerror(rc));
		return -1;
	}
	int fd = socket(res->ai_family, type, 0);
	if (fd >= 0 && res->ai_family == AF_INET6 && bind_addr == NULL)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof(off));
	/* TCP: restart at once over the last run's TIME_WAIT connections. */
	if (fd >= 0 && type == SOCK_STREAM)
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
	if (fd >= 0 && reuseport && setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &on, sizeof(on)) != 0) {
		snprintf(err, errlen, "cannot share %s port %u (SO_REUSEPORT): %s", proto, port,
			 strerror(errno));
		close(fd);
		freeaddrinfo(res);
		return -1;
	}
	if (fd < 0 || bind(fd, res->ai_addr, res->ai_addrlen) != 0 ||
	    (type == SOCK_STREAM && listen(fd, 64) != 0)) {
		int e = errno;
		snprintf(err, errlen, "cannot listen on %s port %u: %s%s", proto, port, strerror(e),
			 e != EADDRINUSE ? ""
			 : reuseport ? " (taken by a process without --reuseport, or of another user)"
			 : " (to share a port, start every flowcollect on it with --reuseport)");
		if (fd >= 0)
			close(fd);
		freeaddrinfo(res);
		return -1;
	}
	freeaddrinfo(res);
	if (reuseport >= 2 && steer_by_address(fd, reuseport, err, errlen) != 0) {
		close(fd);
		return -1;
	}
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	getsockname(fd, (struct sockaddr *)&ss, &sl);
	*bound_port = ntohs(ss.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
						      : ((struct sockaddr_in *)&ss)->sin_port);
	return fd;
}

void listen_peer(const struct sockaddr_storage *ss, struct datagram_src *src)
{
	static const uint8_t mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
	memset(src->addr, 0, sizeof(src->addr));
	src->stream = 0;
	if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)ss;
		src->port = ntohs(s6->sin6_port);
		if (memcmp(s6->sin6_addr.s6_addr, mapped, 12) == 0) {
			src->af = 4;
			memcpy(src->addr, s6->sin6_addr.s6_addr + 12, 4);
		} else {
			src->af = 6;
			memcpy(src->addr, s6->sin6_addr.s6_addr, 16);
		}
	} else {
		const struct sockaddr_in *s4 = (const struct sockaddr_in *)ss;
		src->af = 4;
		src->port = ntohs(s4->sin_port);
		memcpy(src->addr, &s4->sin_addr, 4);
	}
}
