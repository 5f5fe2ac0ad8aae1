/*
 * source.h - where export datagrams come from: a UDP socket (IPv4 and
 * IPv6 on one dual-stack socket) or a capture file of export traffic.
 */
#ifndef FP_SOURCE_H
#define FP_SOURCE_H

#include <signal.h>
#include <stddef.h>
#include "collect.h"

/*
 * Listen on bind_addr:port (NULL: all addresses, both families; port 0
 * picks a free one, reported in *bound_port) and feed every datagram to c
 * until *stop is set; then read what is already queued and return.
 * Whenever *report is set (SIGUSR1), the counters so far are printed.
 * reuseport: share the port with other processes (listen.h): 0 no, 1 as
 * the kernel hashes, N >= 2 by address among N.
 */
int source_udp_open(const char *bind_addr, unsigned port, unsigned reuseport, int *fd,
		    unsigned *bound_port, char *err, size_t errlen);
int source_udp_run(int fd, struct collector *c, volatile sig_atomic_t *stop,
		   volatile sig_atomic_t *report, char *err, size_t errlen);

/* IPFIX over TCP: listen as source_udp_open does, then take connections
 * and feed each message to c until *stop is set. */
int source_tcp_open(const char *bind_addr, unsigned port, unsigned reuseport, int *fd,
		    unsigned *bound_port, char *err, size_t errlen);
int source_tcp_run(int fd, struct collector *c, volatile sig_atomic_t *stop,
		   volatile sig_atomic_t *report, char *err, size_t errlen);

/* Feed every UDP payload in a capture file ("-": standard input) to c.
 * Returns 0, or -1 if the file cannot be read or is damaged part-way (the
 * datagrams before the damage are decoded). */
int source_pcap_run(const char *path, struct collector *c, char *err, size_t errlen);

/* Whether path is one of flowcollect's own flow files (flowfile.h); and
 * feed its flows to the sinks.  Returns 0, or -1 when it cannot be read
 * or is damaged part-way (the flows before the damage are passed on). */
int flowfile_is(const char *path);
int source_flows_run(const char *path, struct collector *c, char *err, size_t errlen);

#endif
