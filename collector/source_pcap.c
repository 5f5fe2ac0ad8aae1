/*
 * source_pcap.c - export datagrams read back from a capture file.  Every
 * UDP payload is offered to the decoder, whatever its port, through the
 * probe's own frame decoder; the file is read by the probe's capture
 * module, so a damaged file gets the probe's checks and messages.
 */
#include <stdio.h>
#include <string.h>
#include "source.h"
#include "../probe/capture.h"
#include "../probe/packet.h"

struct pcap_source {
	struct collector *c;
	int dlt;
	uint64_t udp;		/* UDP payloads offered to the decoder */
};

static void on_frame(void *ctx, int64_t ts_us, const uint8_t *data, size_t caplen, size_t wirelen)
{
	struct pcap_source *s = ctx;
	struct packet pkt;

	if (packet_decode(s->dlt, data, caplen, wirelen, 0, &pkt) != PKT_IP ||
	    pkt.key.proto != 17 || pkt.fragment || pkt.payload == NULL)
		return;
	s->udp++;
	struct datagram_src src;
	src.af = pkt.key.af;
	memcpy(src.addr, pkt.key.src, 16);
	src.port = pkt.key.sport;
	src.stream = 0;
	src.arrived_us = ts_us;
	collector_datagram(s->c, &src, pkt.payload, pkt.payload_len);
}

int source_pcap_run(const char *path, struct collector *c, char *err, size_t errlen)
{
	struct capture cap;
	struct pcap_source s = { c, 0, 0 };
	char why[400];
	int rc;

	if (capture_open_file(&cap, path, err, errlen) != 0)
		return -1;
	s.dlt = cap.dlt;
	rc = capture_run(&cap, on_frame, &s, why, sizeof(why));
	collector_flush(c);	/* the rows before any message below */
	if (rc != 0)
		snprintf(err, errlen, "%s; decoding the datagrams read before it", why);
	else if (cap.records == 0)
		fprintf(stderr, "flowcollect: capture file \"%s\" holds no packets\n", path);
	else if (s.udp == 0 && cap.records == 1)
		fprintf(stderr, "flowcollect: the one packet in \"%s\" is not a UDP datagram: "
			"no export to decode\n", path);
	else if (s.udp == 0)
		/* Not an error: say what was found rather than nothing. */
		fprintf(stderr, "flowcollect: none of the %llu packets in \"%s\" is a UDP datagram: "
			"no export to decode\n", (unsigned long long)cap.records, path);
	capture_close(&cap);
	return rc;
}
