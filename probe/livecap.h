/*
 * livecap.h - capturing from network interfaces (-i), for live.c.
 *
 * Each interface is one libpcap handle, opened with pcap_create and
 * pcap_activate in immediate mode, so that a packet reaches the flow
 * table as it arrives even on a quiet link (softflowd's timeout 0 waits
 * for a 256 KiB ring block on Linux: reference §6).  Only arriving
 * packets are metered (pcap_setdirection PCAP_D_IN; on "any", whose
 * frames are Linux cooked ones, outgoing frames are dropped by their
 * packet type as well), so a router's forwarded packets count once, on
 * the way in.  "any" gives LINUX_SLL2 frames, whose interface index
 * becomes each packet's input interface.
 */
#ifndef FP_LIVECAP_H
#define FP_LIVECAP_H

#include <stddef.h>
#include <stdint.h>
#include <pcap/pcap.h>
#include "../export/transport.h"

struct livecap_config {
	int snaplen;		/* -C */
	int bufsize;		/* -B, 0: libpcap's default */
	int promisc;		/* not -N */
};

struct livecap {
	pcap_t *pcap;
	const char *name;	/* the device, as given */
	uint32_t ifindex;	/* exported input interface (idx:, or the device's) */
	int dlt;
	int fd;			/* for poll() */
	int any;		/* the "any" device */
	uint64_t outgoing;	/* cooked frames dropped as outgoing */
	uint64_t warned_drops;	/* kernel drops at the last warning */
	char warning[PCAP_ERRBUF_SIZE + 64];	/* pcap_activate's warning, or "" */
};

/*
 * Open device name for capture.  index is the input interface to export
 * (0: the device's own, from if_nametoindex; 0 for "any", whose frames
 * carry theirs).  Returns 0 (with c->warning set when libpcap warned: no
 * promiscuous mode on "any", for one), or -1 with err set.
 */
int livecap_open(struct livecap *c, const char *name, uint32_t index,
		 const struct livecap_config *cfg, char *err, size_t errlen);

/* Compile and attach a filter (netmask of the device when it has one). */
int livecap_set_filter(struct livecap *c, const char *expr, char *err, size_t errlen);

/* 1 if the frame is a Linux cooked (SLL or SLL2) one sent by this host
 * (packet type 4, PACKET_OUTGOING), else 0. */
int livecap_outgoing(int dlt, const uint8_t *data, size_t caplen);

/*
 * The filter to capture with: the user's expression (NULL: none) and,
 * for each export destination, a clause that keeps the probe's own
 * exports out: UDP from the socket's local port to the collector's
 * address and port; TCP (-P tcp, whose local port is not known yet) to
 * and from the collector's address and port.  Returns a string to free,
 * NULL for no filter at all, or NULL with err set when out of memory.
 */
char *livecap_filter(const struct transport *tp, const char *user, char *err, size_t errlen);

/* Packets libpcap received and the kernel dropped (buffer full) so far;
 * -1 when the device cannot say. */
int livecap_stats(struct livecap *c, uint64_t *received, uint64_t *dropped, uint64_t *ifdropped);

void livecap_close(struct livecap *c);

#endif
