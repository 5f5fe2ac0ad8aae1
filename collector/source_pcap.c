/*
 * source_pcap.c - export datagrams read back from a capture file.  Every
 * UDP payload is offered to the decoder, whatever its port, through the
 * probe's own frame decoder.
 */
#include <errno.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include "source.h"
#include "../probe/link.h"
#include "../probe/packet.h"

int source_pcap_run(const char *path, struct collector *c, char *err, size_t errlen)
{
	char ebuf[PCAP_ERRBUF_SIZE] = "";
	struct pcap_pkthdr *h;
	const u_char *data;
	struct stat sb;
	uint64_t frames = 0;
	int rc;

	if (strcmp(path, "-") != 0 && stat(path, &sb) != 0) {
		snprintf(err, errlen, "cannot open capture file \"%s\": %s", path, strerror(errno));
		return -1;
	}
	pcap_t *p = pcap_open_offline(path, ebuf);
	if (p == NULL) {
		snprintf(err, errlen, "cannot read capture file \"%s\": %s", path, ebuf);
		return -1;
	}
	int dlt = pcap_datalink(p);
	if (!link_supported(dlt)) {
		char name[64];
		snprintf(err, errlen, "capture file \"%s\": unsupported link type %d (%s)", path, dlt,
			 link_name(dlt, name, sizeof(name)));
		pcap_close(p);
		return -1;
	}
	while ((rc = pcap_next_ex(p, &h, &data)) == 1) {
		struct packet pkt;
		frames++;
		if (packet_decode(dlt, data, h->caplen, h->len, 0, &pkt) != PKT_IP ||
		    pkt.key.proto != 17 || pkt.fragment || pkt.payload == NULL)
			continue;
		collector_datagram(c, pkt.key.af, pkt.key.src, pkt.payload, pkt.payload_len);
	}
	if (rc != PCAP_ERROR_BREAK) {
		snprintf(err, errlen, "capture file \"%s\" is damaged after %llu packets: %s", path,
			 (unsigned long long)frames, pcap_geterr(p));
		pcap_close(p);
		return -1;
	}
	pcap_close(p);
	return 0;
}
