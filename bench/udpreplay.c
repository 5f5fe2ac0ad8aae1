/*
 * udpreplay.c - send the UDP payloads of a capture of export datagrams to
 * a collector, at top speed or at a fixed rate, for the collector bench.
 *
 *   udpreplay -r FILE -p PORT [-a ADDR] [-R DATAGRAMS_PER_SECOND] [-n LOOPS]
 *
 * Every UDP payload in FILE (any port; flowprobe -w writes such files) is
 * loaded into memory first, then sent from one socket, in order, LOOPS
 * times (default 1).  -R 0 (the default) is top speed (sendmmsg batches of
 * 64); otherwise datagrams are spaced evenly, checked against a monotonic
 * clock before each batch of 16.  The last line is "key=value ...": datagrams, bytes,
 * seconds, and datagrams a second achieved.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pcap/pcap.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

struct dgram {
	uint8_t *p;
	size_t len;
};

static double mono(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The UDP payload of an Ethernet/IPv4|IPv6 frame, or NULL. */
static const uint8_t *payload(const uint8_t *f, size_t caplen, size_t *len)
{
	if (caplen < 14)
		return NULL;
	uint16_t et = (uint16_t)(f[12] << 8 | f[13]);
	size_t off;
	if (et == 0x0800 && caplen >= 34 && f[23] == 17)
		off = 14 + (size_t)(f[14] & 15) * 4;
	else if (et == 0x86dd && caplen >= 62 && f[20] == 17)
		off = 54;
	else
		return NULL;
	if (off + 8 > caplen)
		return NULL;
	*len = caplen - off - 8;
	return f + off + 8;
}

int main(int argc, char **argv)
{
	const char *file = NULL, *addr = "127.0.0.1";
	int port = 0, c;
	double rate = 0;
	long loops = 1;
	char errbuf[PCAP_ERRBUF_SIZE];

	while ((c = getopt(argc, argv, "r:p:a:R:n:")) != -1) {
		switch (c) {
		case 'r': file = optarg; break;
		case 'p': port = atoi(optarg); break;
		case 'a': addr = optarg; break;
		case 'R': rate = atof(optarg); break;
		case 'n': loops = atol(optarg); break;
		default: return 2;
		}
	}
	if (file == NULL || port <= 0) {
		fprintf(stderr, "usage: udpreplay -r FILE -p PORT [-a ADDR] [-R RATE] [-n LOOPS]\n");
		return 2;
	}
	pcap_t *pc = pcap_open_offline(file, errbuf);
	if (pc == NULL) {
		fprintf(stderr, "udpreplay: %s\n", errbuf);
		return 1;
	}
	size_t n = 0, cap = 1024;
	struct dgram *d = malloc(cap * sizeof(*d));
	struct pcap_pkthdr *h;
	const u_char *frame;
	while (d && pcap_next_ex(pc, &h, &frame) == 1) {
		size_t len;
		const uint8_t *p = payload(frame, h->caplen, &len);
		if (p == NULL)
			continue;
		if (n == cap) {
			cap *= 2;
			d = realloc(d, cap * sizeof(*d));
			if (d == NULL)
				break;
		}
		d[n].p = malloc(len ? len : 1);
		memcpy(d[n].p, p, len);
		d[n].len = len;
		n++;
	}
	pcap_close(pc);
	if (d == NULL) {
		fprintf(stderr, "udpreplay: out of memory\n");
		return 1;
	}

	struct sockaddr_in to;
	memset(&to, 0, sizeof(to));
	to.sin_family = AF_INET;
	to.sin_port = htons((uint16_t)port);
	inet_pton(AF_INET, addr, &to.sin_addr);
	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&to, sizeof(to)) != 0) {
		perror("udpreplay");
		return 1;
	}
	int big = 8 << 20;
	setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &big, sizeof(big));

	uint64_t sent = 0, bytes = 0;
	double t0 = mono();
	for (long l = 0; l < loops; l++) {
		for (size_t i = 0; i < n;) {
			/* Before each batch of 16 (not on sent % 16: the short
			 * batch at the end of a loop made that never true again). */
			if (rate > 0) {
				double due = t0 + (double)sent / rate;
				double now;
				while ((now = mono()) < due) {
					double wait = due - now;
					struct timespec ts = { (time_t)wait, (long)((wait - (double)(time_t)wait) * 1e9) };
					nanosleep(&ts, NULL);
				}
			}
			size_t k = rate > 0 ? 16 : 64;
			if (k > n - i)
				k = n - i;
			struct mmsghdr m[64];
			struct iovec iov[64];
			for (size_t j = 0; j < k; j++) {
				iov[j].iov_base = d[i + j].p;
				iov[j].iov_len = d[i + j].len;
				memset(&m[j], 0, sizeof(m[j]));
				m[j].msg_hdr.msg_iov = &iov[j];
				m[j].msg_hdr.msg_iovlen = 1;
			}
			int r = sendmmsg(fd, m, (unsigned)k, 0);
			if (r <= 0)
				r = 1;	/* refused (collector not there): count it as sent, move on */
			for (int j = 0; j < r; j++)
				bytes += d[i + (size_t)j].len;
			sent += (uint64_t)r;
			i += (size_t)r;
		}
	}
	double secs = mono() - t0;
	printf("datagrams=%llu bytes=%llu seconds=%.3f rate=%.0f\n", (unsigned long long)sent,
	       (unsigned long long)bytes, secs, secs > 0 ? (double)sent / secs : 0.0);
	for (size_t i = 0; i < n; i++)
		free(d[i].p);
	free(d);
	close(fd);
	return 0;
}
