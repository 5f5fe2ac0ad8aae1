/*
 * transport.h - where export datagrams go: UDP collectors and/or a pcap
 * file.
 *
 * Each collector gets its own connected UDP socket.  The pcap file holds
 * every datagram wrapped in Ethernet/IP/UDP headers addressed to the first
 * collector (or to 127.0.0.1:2055 when there is none), from the fixed
 * source below, stamped with the export time, so a run can be inspected
 * and replayed without a network and is byte-identical run after run.
 */
#ifndef FP_TRANSPORT_H
#define FP_TRANSPORT_H

#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>
#include <sys/socket.h>

#define TRANSPORT_MAX_DEST 16
#define PCAPW_SRC4 "127.0.0.1"
#define PCAPW_SRC6 "::1"
#define PCAPW_SPORT 50000
#define PCAPW_DEFAULT_DEST "127.0.0.1:2055"

struct pcapw;
struct sender;

struct transport {
	size_t ndest;
	int fd[TRANSPORT_MAX_DEST];
	struct sockaddr_storage dest[TRANSPORT_MAX_DEST];
	socklen_t destlen[TRANSPORT_MAX_DEST];
	struct pcapw *pcap;		/* -w file, or NULL */
	struct sender *sender;		/* the sending thread, or NULL: send here */
	int tcp;			/* -P tcp: IPFIX over TCP streams */
	int have_src4, have_src6;	/* -e: the export source address */
	struct sockaddr_in src4;
	struct sockaddr_in6 src6;
	uint64_t datagrams;		/* handed to send() or written */
	uint64_t failures;		/* sends the kernel refused (see transport_sync) */
};

void transport_init(struct transport *t);

/*
 * Parse "host:port,host:port" (IPv6 as [addr]:port) and resolve each
 * destination.  Replaces any earlier list (a second -n wins, as in
 * softflowd).  Sockets are not opened yet.  Returns 0 or -1 with err set.
 */
int transport_parse_dests(struct transport *t, const char *list, char *err, size_t errlen);

/* -e ADDR: send from this address (IPv4 or IPv6 literal; destinations of
 * the other family are not affected).  Call before opening.  Returns 0,
 * or -1 with err set. */
int transport_set_source(struct transport *t, const char *addr, char *err, size_t errlen);

/* Open and connect one UDP socket per destination.  With t->tcp set,
 * nothing is opened here: the sender thread connects (sender.h). */
int transport_open_udp(struct transport *t, char *err, size_t errlen);

/* Start writing datagrams into a pcap file ("-" is standard output),
 * framed to the first destination: call after transport_parse_dests(). */
int transport_open_pcap(struct transport *t, const char *path, char *err, size_t errlen);

/* From here on, UDP datagrams are sent by a thread of their own
 * (sender.h), in order, at most pace a second (0: no limit; TCP is never
 * paced).  Returns -1 (and sends here, unpaced) if it cannot start; TCP
 * needs the thread. */
int transport_start_sender(struct transport *t, uint64_t pace);

#define TRANSPORT_ALL (-1)

/* Send one datagram to destination dest (an index into the -n list), or
 * everywhere (TRANSPORT_ALL); now_us stamps the pcap record, which is
 * addressed to that destination (everywhere: the first).  Failed sends are
 * counted in t->failures (with a sender, as of the last transport_sync). */
void transport_send(struct transport *t, int dest, unsigned flags, const uint8_t *buf,
		    size_t len, int64_t now_us);

/* -P tcp: connections made so far; when it moves, the next message must
 * start with the templates (flags SENDER_TEMPLATES).  0 for UDP. */
uint32_t transport_epoch(struct transport *t);

/* Sends refused so far, without waiting for the sending thread. */
uint64_t transport_failures(struct transport *t);

/* Wait until every datagram is sent and t->failures is up to date. */
void transport_sync(struct transport *t);

/* Close sockets and finish the pcap file; -1 if the file could not be
 * written completely. */
int transport_close(struct transport *t, char *err, size_t errlen);

#endif
