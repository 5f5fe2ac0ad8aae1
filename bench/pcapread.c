/*
 * pcapread.c - the floor: libpcap alone reading a capture.
 *
 *   pcapread FILE
 *
 * A loop over pcap_next_ex counting packets, captured bytes and wire
 * bytes, opened at nanosecond precision as flowprobe opens its files, so
 * the only difference left between the two is the metering.  Prints
 * "packets=N caplen_bytes=N wire_bytes=N" on standard output.
 */
#include <inttypes.h>
#include <pcap/pcap.h>
#include <stdio.h>

int main(int argc, char **argv)
{
	char ebuf[PCAP_ERRBUF_SIZE] = "";
	struct pcap_pkthdr *h;
	const u_char *data;
	uint64_t packets = 0, cap_bytes = 0, wire_bytes = 0, first = 0;
	int rc;

	if (argc != 2) {
		fprintf(stderr, "usage: pcapread FILE\n");
		return 2;
	}
	pcap_t *p = pcap_open_offline_with_tstamp_precision(argv[1], PCAP_TSTAMP_PRECISION_NANO, ebuf);
	if (p == NULL) {
		fprintf(stderr, "pcapread: %s\n", ebuf);
		return 1;
	}
	while ((rc = pcap_next_ex(p, &h, &data)) == 1) {
		packets++;
		cap_bytes += h->caplen;
		wire_bytes += h->len;
		first += data[0];	/* touch the frame, as any reader must */
	}
	if (rc != PCAP_ERROR_BREAK) {
		fprintf(stderr, "pcapread: %s after %" PRIu64 " packets\n", pcap_geterr(p), packets);
		pcap_close(p);
		return 1;
	}
	pcap_close(p);
	printf("packets=%" PRIu64 " caplen_bytes=%" PRIu64 " wire_bytes=%" PRIu64 " first_bytes=%" PRIu64 "\n",
	       packets, cap_bytes, wire_bytes, first);
	return 0;
}
