/*
 * craftsend.c - sends crafted IPv4 packets through the kernel's raw IP
 * socket, for the live tests (tests/e2e/router.sh): packets no socket
 * API makes, with the fields a test wants to see in a flow.
 *
 *   craftsend udp SRC DST SPORT DPORT TOS PAYLOAD COUNT
 *   craftsend icmp SRC DST TYPE CODE TOS PAYLOAD COUNT
 *
 * COUNT packets, each IPv4 with the given ToS byte, IP id 1, 2, ... and a
 * payload of PAYLOAD zero bytes (UDP) or PAYLOAD bytes after the 8-byte
 * ICMP header; the IP total length is printed per packet so the test can
 * add them up.  Built with libnet (LIBNET_RAW4: the kernel routes them and
 * fills the link header).  Exit 1 with a message on any failure.
 */
#include <libnet.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static long number(const char *s, long max, const char *what)
{
	char *end;
	long v = strtol(s, &end, 10);
	if (*s == '\0' || *end != '\0' || v < 0 || v > max) {
		fprintf(stderr, "craftsend: bad %s \"%s\" (0 to %ld)\n", what, s, max);
		exit(1);
	}
	return v;
}

int main(int argc, char **argv)
{
	char errbuf[LIBNET_ERRBUF_SIZE];
	uint8_t payload[1400];

	if (argc != 9 || (strcmp(argv[1], "udp") != 0 && strcmp(argv[1], "icmp") != 0)) {
		fprintf(stderr, "usage: craftsend udp|icmp SRC DST SPORT|TYPE DPORT|CODE TOS PAYLOAD COUNT\n");
		return 1;
	}
	int udp = strcmp(argv[1], "udp") == 0;
	long a = number(argv[4], udp ? 65535 : 255, udp ? "source port" : "ICMP type");
	long b = number(argv[5], udp ? 65535 : 255, udp ? "destination port" : "ICMP code");
	long tos = number(argv[6], 255, "ToS");
	long len = number(argv[7], (long)sizeof(payload), "payload length");
	long count = number(argv[8], 100000, "count");
	memset(payload, 0, sizeof(payload));

	libnet_t *l = libnet_init(LIBNET_RAW4, NULL, errbuf);
	if (l == NULL) {
		fprintf(stderr, "craftsend: %s\n", errbuf);
		return 1;
	}
	uint32_t src = libnet_name2addr4(l, argv[2], LIBNET_DONT_RESOLVE);
	uint32_t dst = libnet_name2addr4(l, argv[3], LIBNET_DONT_RESOLVE);
	if (src == (uint32_t)-1 || dst == (uint32_t)-1) {
		fprintf(stderr, "craftsend: bad address \"%s\" or \"%s\"\n", argv[2], argv[3]);
		libnet_destroy(l);
		return 1;
	}
	for (long i = 0; i < count; i++) {
		uint32_t l4 = (uint32_t)(udp ? LIBNET_UDP_H : LIBNET_ICMPV4_ECHO_H) + (uint32_t)len;
		libnet_ptag_t t = udp
			? libnet_build_udp((uint16_t)a, (uint16_t)b, (uint16_t)l4, 0, payload, (uint32_t)len, l, 0)
			: libnet_build_icmpv4_echo((uint8_t)a, (uint8_t)b, 0, 0x4242, (uint16_t)i, payload,
						   (uint32_t)len, l, 0);
		if (t == -1 ||
		    libnet_build_ipv4((uint16_t)(LIBNET_IPV4_H + l4), (uint8_t)tos, (uint16_t)(i + 1), 0, 64,
				      udp ? IPPROTO_UDP : IPPROTO_ICMP, 0, src, dst, NULL, 0, l, 0) == -1 ||
		    libnet_write(l) == -1) {
			fprintf(stderr, "craftsend: %s\n", libnet_geterror(l));
			libnet_destroy(l);
			return 1;
		}
		printf("%u\n", (unsigned)(LIBNET_IPV4_H + l4));
		libnet_clear_packet(l);
	}
	libnet_destroy(l);
	return 0;
}
