/*
 * transport.c - UDP destinations and the -w pcap writer.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "sender.h"
#include "transport.h"
#include "wr.h"

/* Ethernet + IPv6 + UDP is the largest framing we add. */
#define FRAME_OVERHEAD (14 + 40 + 8)
#define FRAME_MAX (FRAME_OVERHEAD + 65535)

struct pcapw {
	struct sockaddr_storage dest;	/* where the framed datagrams go */
	struct in_addr src4;		/* and where from: -e, else PCAPW_SRC4/6 */
	struct in6_addr src6;
	pcap_t *dead;
	pcap_dumper_t *dumper;
	FILE *fp;
	uint16_t ip_id;
	uint8_t frame[FRAME_MAX];
};

void transport_init(struct transport *t)
{
	memset(t, 0, sizeof(*t));
	for (size_t i = 0; i < TRANSPORT_MAX_DEST; i++)
		t->fd[i] = -1;
}

/* Split one "host:port" or "[v6]:port" at its last colon and resolve it. */
static int parse_one(const char *item, struct sockaddr_storage *ss, socklen_t *sslen,
		     char *err, size_t errlen)
{
	char host[256];
	const char *colon = strrchr(item, ':');
	struct addrinfo hints, *res = NULL;

	if (colon == NULL || colon == item || colon[1] == '\0' ||
	    (size_t)(colon - item) >= sizeof(host)) {
		snprintf(err, errlen, "invalid -n \"%s\": expected HOST:PORT or [IPV6]:PORT", item);
		return -1;
	}
	size_t hlen = (size_t)(colon - item);
	memcpy(host, item, hlen);
	host[hlen] = '\0';
	if (host[0] == '[') {
		if (hlen < 3 || host[hlen - 1] != ']') {
			snprintf(err, errlen, "invalid -n \"%s\": expected HOST:PORT or [IPV6]:PORT", item);
			return -1;
		}
		memmove(host, host + 1, hlen - 2);
		host[hlen - 2] = '\0';
	}
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_DGRAM;
	int rc = getaddrinfo(host, colon + 1, &hints, &res);
	if (rc != 0 || res == NULL) {
		snprintf(err, errlen, "invalid -n \"%s\": %s", item,
			 rc ? gai_strerror(rc) : "no address");
		return -1;
	}
	memcpy(ss, res->ai_addr, res->ai_addrlen);
	*sslen = res->ai_addrlen;
	freeaddrinfo(res);
	return 0;
}

int transport_parse_dests(struct transport *t, const char *list, char *err, size_t errlen)
{
	char *copy = strdup(list), *save = NULL, *item;
	size_t n = 0;

	if (copy == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (*list == '\0') {
		snprintf(err, errlen, "invalid -n \"\": expected HOST:PORT or [IPV6]:PORT");
		free(copy);
		return -1;
	}
	for (item = strtok_r(copy, ",", &save); item; item = strtok_r(NULL, ",", &save)) {
		if (n == TRANSPORT_MAX_DEST) {
			snprintf(err, errlen, "invalid -n \"%s\": at most %d destinations",
				 list, TRANSPORT_MAX_DEST);
			free(copy);
			return -1;
		}
		if (parse_one(item, &t->dest[n], &t->destlen[n], err, errlen) != 0) {
			free(copy);
			return -1;
		}
		n++;
	}
	free(copy);
	t->ndest = n;
	return 0;
}

int transport_set_source(struct transport *t, const char *addr, char *err, size_t errlen)
{
	memset(&t->src4, 0, sizeof(t->src4));
	memset(&t->src6, 0, sizeof(t->src6));
	t->src4.sin_family = AF_INET;
	t->src6.sin6_family = AF_INET6;
	if (inet_pton(AF_INET, addr, &t->src4.sin_addr) == 1) {
		t->have_src4 = 1;
		return 0;
	}
	if (inet_pton(AF_INET6, addr, &t->src6.sin6_addr) == 1) {
		t->have_src6 = 1;
		return 0;
	}
	snprintf(err, errlen, "invalid -e \"%s\": expected an IPv4 or IPv6 address", addr);
	return -1;
}

/* The -e address for a socket of this family, or NULL. */
static const struct sockaddr *source_for(const struct transport *t, int family, socklen_t *len)
{
	if (family == AF_INET && t->have_src4) {
		*len = sizeof(t->src4);
		return (const struct sockaddr *)&t->src4;
	}
	if (family == AF_INET6 && t->have_src6) {
		*len = sizeof(t->src6);
		return (const struct sockaddr *)&t->src6;
	}
	return NULL;
}

int transport_open_udp(struct transport *t, char *err, size_t errlen)
{
	if (t->tcp)
		return 0;
	for (size_t i = 0; i < t->ndest; i++) {
		int fd = socket(t->dest[i].ss_family, SOCK_DGRAM, 0);
		socklen_t sl;
		const struct sockaddr *src = source_for(t, t->dest[i].ss_family, &sl);
		if (fd >= 0 && src && bind(fd, src, sl) != 0) {
			char a[INET6_ADDRSTRLEN] = "";
			inet_ntop(src->sa_family, src->sa_family == AF_INET
				  ? (const void *)&t->src4.sin_addr : (const void *)&t->src6.sin6_addr,
				  a, sizeof(a));
			snprintf(err, errlen, "cannot send from %s (-e): %s", a, strerror(errno));
			close(fd);
			return -1;
		}
		if (fd < 0 || connect(fd, (struct sockaddr *)&t->dest[i], t->destlen[i]) != 0) {
			snprintf(err, errlen, "cannot open export socket: %s", strerror(errno));
			if (fd >= 0)
				close(fd);
			return -1;
		}
		t->fd[i] = fd;
	}
	return 0;
}

static uint32_t csum_add(uint32_t sum, const uint8_t *p, size_t len)
{
	for (size_t i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (len & 1)
		sum += (uint32_t)p[len - 1] << 8;
	return sum;
}

static uint16_t csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/*
 * Wrap one datagram as tcpdump -i lo would have captured it: Ethernet with
 * zero MACs, an IPv4 (DF, TTL 64, sequential id) or IPv6 header, and UDP
 * with a valid checksum.
 */
static size_t frame_datagram(struct pcapw *pw, const struct sockaddr_storage *dst,
			     const uint8_t *buf, size_t len)
{
	struct wr w = wr_make(pw->frame, sizeof(pw->frame));
	uint8_t src[16], daddr[16];
	uint16_t dport;
	int v6 = dst->ss_family == AF_INET6;
	size_t alen = v6 ? 16 : 4;
	uint16_t ulen = (uint16_t)(8 + len);

	if (v6) {
		const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)dst;
		memcpy(daddr, &s6->sin6_addr, 16);
		dport = ntohs(s6->sin6_port);
		memcpy(src, &pw->src6, 16);
	} else {
		const struct sockaddr_in *s4 = (const struct sockaddr_in *)dst;
		memcpy(daddr, &s4->sin_addr, 4);
		dport = ntohs(s4->sin_port);
		memcpy(src, &pw->src4, 4);
	}

	wr_zero(&w, 12);			/* destination and source MAC */
	wr_u16(&w, v6 ? 0x86dd : 0x0800);
	size_t ip_off = w.len;
	if (v6) {
		wr_u32(&w, 0x60000000);
		wr_u16(&w, ulen);
		wr_u8(&w, 17);
		wr_u8(&w, 64);
	} else {
		wr_u8(&w, 0x45);
		wr_u8(&w, 0);
		wr_u16(&w, (uint16_t)(20 + ulen));
		wr_u16(&w, pw->ip_id++);
		wr_u16(&w, 0x4000);		/* don't fragment */
		wr_u8(&w, 64);
		wr_u8(&w, 17);
		wr_u16(&w, 0);			/* checksum, below */
	}
	wr_bytes(&w, src, alen);
	wr_bytes(&w, daddr, alen);
	if (!v6)
		wr_patch_u16(&w, ip_off + 10, csum_fold(csum_add(0, pw->frame + ip_off, 20)));
	size_t udp_off = w.len;
	wr_u16(&w, PCAPW_SPORT);
	wr_u16(&w, dport);
	wr_u16(&w, ulen);
	wr_u16(&w, 0);				/* checksum, below */
	wr_bytes(&w, buf, len);
	if (w.err)
		return 0;

	/* Pseudo-header: addresses, protocol, UDP length. */
	uint32_t sum = csum_add(0, src, alen);
	sum = csum_add(sum, daddr, alen);
	sum += 17 + ulen;
	sum = csum_add(sum, pw->frame + udp_off, 8 + len);
	uint16_t c = csum_fold(sum);
	wr_patch_u16(&w, udp_off + 6, c ? c : 0xffff);
	return w.len;
}

int transport_open_pcap(struct transport *t, const char *path, char *err, size_t errlen)
{
	struct pcapw *pw = calloc(1, sizeof(*pw));

	if (pw == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	/* Frames are addressed to the first collector, or to the documented
	 * default when there is none: -n must be parsed before this. */
	socklen_t dlen;
	if (t->ndest) {
		pw->dest = t->dest[0];
	} else if (parse_one(PCAPW_DEFAULT_DEST, &pw->dest, &dlen, err, errlen) != 0) {
		free(pw);
		return -1;
	}
	if (t->have_src4)
		pw->src4 = t->src4.sin_addr;
	else
		inet_pton(AF_INET, PCAPW_SRC4, &pw->src4);
	if (t->have_src6)
		pw->src6 = t->src6.sin6_addr;
	else
		inet_pton(AF_INET6, PCAPW_SRC6, &pw->src6);
	pw->dead = pcap_open_dead(DLT_EN10MB, FRAME_MAX);
	if (strcmp(path, "-") == 0) {
		pw->fp = stdout;
		pw->dumper = pw->dead ? pcap_dump_fopen(pw->dead, stdout) : NULL;
	} else {
		pw->fp = fopen(path, "wb");
		pw->dumper = pw->fp && pw->dead ? pcap_dump_fopen(pw->dead, pw->fp) : NULL;
	}
	if (pw->dumper == NULL) {
		snprintf(err, errlen, "cannot write \"%s\": %s", path, strerror(errno));
		if (pw->fp && pw->fp != stdout)
			fclose(pw->fp);
		if (pw->dead)
			pcap_close(pw->dead);
		free(pw);
		return -1;
	}
	t->pcap = pw;
	return 0;
}

int transport_start_sender(struct transport *t, uint64_t pace)
{
	if (t->ndest == 0 || t->sender != NULL)
		return 0;
	if (t->tcp) {
		t->sender = sender_start_tcp(t->dest, t->destlen, t->ndest,
					     t->have_src4 ? &t->src4 : NULL, t->have_src6 ? &t->src6 : NULL);
		return t->sender ? 0 : -1;
	}
	t->sender = sender_start(t->fd, t->ndest);
	if (t->sender)
		sender_set_pace(t->sender, pace);
	return t->sender ? 0 : -1;
}

void transport_sync(struct transport *t)
{
	if (t->sender)
		t->failures = sender_sync(t->sender);
}

uint64_t transport_failures(struct transport *t)
{
	return t->sender ? sender_failures(t->sender) : t->failures;
}

uint32_t transport_epoch(struct transport *t)
{
	return t->tcp && t->sender ? sender_epoch(t->sender) : 0;
}

void transport_send(struct transport *t, int dest, unsigned flags, const uint8_t *buf,
		    size_t len, int64_t now_us)
{
	if (dest >= (int)t->ndest)
		dest = TRANSPORT_ALL;
	if (t->sender) {
		sender_queue(t->sender, dest, flags, buf, len);
	} else {
		for (size_t i = 0; i < t->ndest; i++) {
			if ((dest != TRANSPORT_ALL && (size_t)dest != i) || t->fd[i] < 0)
				continue;
			if (send(t->fd[i], buf, len, 0) == (ssize_t)len)
				continue;
			t->failures++;
			/* An earlier datagram's ICMP port unreachable: this one
			 * was not sent; once more (sender.h). */
			if (errno == ECONNREFUSED && send(t->fd[i], buf, len, 0) != (ssize_t)len)
				t->failures++;
		}
	}
	if (t->pcap) {
		const struct sockaddr_storage *to = dest == TRANSPORT_ALL ? &t->pcap->dest : &t->dest[dest];
		size_t flen = frame_datagram(t->pcap, to, buf, len);
		struct pcap_pkthdr ph;
		ph.ts.tv_sec = (time_t)(now_us / 1000000);
		ph.ts.tv_usec = (suseconds_t)(now_us % 1000000);
		ph.caplen = ph.len = (bpf_u_int32)flen;
		if (flen)
			pcap_dump((u_char *)t->pcap->dumper, &ph, t->pcap->frame);
	}
	t->datagrams++;
}

int transport_close(struct transport *t, char *err, size_t errlen)
{
	int rc = 0;

	if (t->sender) {
		t->failures = sender_stop(t->sender);
		t->sender = NULL;
	}
	for (size_t i = 0; i < t->ndest; i++) {
		if (t->fd[i] >= 0)
			close(t->fd[i]);
		t->fd[i] = -1;
	}
	if (t->pcap) {
		struct pcapw *pw = t->pcap;
		if (pcap_dump_flush(pw->dumper) != 0 || ferror(pw->fp)) {
			snprintf(err, errlen, "error writing the -w file: %s", strerror(errno));
			rc = -1;
		}
		if (pw->fp == stdout) {
			fflush(stdout);
			pcap_close(pw->dead);
		} else {
			pcap_dump_close(pw->dumper);
			pcap_close(pw->dead);
		}
		free(pw);
		t->pcap = NULL;
	}
	return rc;
}
