/*
 * udpsink.c - a NetFlow sink for the benchmark that keeps up with a probe
 * flushing millions of records at once.
 *
 *   udpsink [-a ADDR] [-p PORT] [-P PORTFILE] [-i IDLE_SECONDS] [-b RCVBUF]
 *
 * Binds ADDR:PORT (default 127.0.0.1, port 0: any free one, written to
 * PORTFILE once bound), with a receive buffer of RCVBUF bytes (default
 * 1 GiB: SO_RCVBUFFORCE as root, else SO_RCVBUF, which the kernel caps at
 * net.core.rmem_max), and counts datagrams, NetFlow v5 and v1 records (the
 * header's count), and the packets and octets those records carry, until
 * SIGTERM or SIGINT, or IDLE_SECONDS without a datagram (0, the default:
 * no idle stop).  On a signal it first drains what is already queued:
 * once the sender has exited, everything it sent is either in the queue or
 * was dropped, so the counts are exact.  Drops are reported from the
 * kernel's own counter for the socket (/proc/net/udp), and gaps in the v5
 * flow_sequence are counted too.
 *
 * The last line on standard output is "key=value ...".
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define BATCH 64
#define DGRAM_MAX 65536

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

struct counts {
	uint64_t datagrams, bytes, v5_datagrams, v1_datagrams, other, malformed;
	uint64_t records, packets, octets;
	uint64_t seq_missing, seq_dup;
	uint64_t next_seq;
	int have_seq;
};

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void count_datagram(struct counts *c, const uint8_t *d, size_t len)
{
	c->datagrams++;
	c->bytes += len;
	if (len < 4) {
		c->malformed++;
		return;
	}
	unsigned version = (unsigned)d[0] << 8 | d[1];
	unsigned count = (unsigned)d[2] << 8 | d[3];
	size_t hdr = version == 5 ? 24 : version == 1 ? 16 : 0;
	if (hdr == 0) {
		c->other++;
		return;
	}
	if (len != hdr + 48 * (size_t)count) {
		c->malformed++;
		return;
	}
	if (version == 5) {
		uint32_t seq = get32(d + 16);
		c->v5_datagrams++;
		if (c->have_seq && seq != (uint32_t)c->next_seq) {
			uint32_t gap = seq - (uint32_t)c->next_seq;
			if (gap < 0x80000000u)
				c->seq_missing += gap;
			else
				c->seq_dup++;
		}
		c->have_seq = 1;
		c->next_seq = (uint32_t)(seq + count);
	} else {
		c->v1_datagrams++;
	}
	c->records += count;
	for (unsigned i = 0; i < count; i++) {
		const uint8_t *r = d + hdr + 48 * (size_t)i;
		c->packets += get32(r + 16);
		c->octets += get32(r + 20);
	}
}

/* The kernel's drop counter for our socket: the last column of its line
 * in /proc/net/udp, found by local address and port. */
static long long kernel_drops(const struct sockaddr_in *sa)
{
	FILE *f = fopen("/proc/net/udp", "r");
	char line[512], want[32];
	long long drops = -1;

	if (f == NULL)
		return -1;
	/* /proc prints the address as the host-order hex of the raw word */
	snprintf(want, sizeof(want), "%08X:%04X", (unsigned)sa->sin_addr.s_addr,
		 (unsigned)ntohs(sa->sin_port));
	while (fgets(line, sizeof(line), f)) {
		char local[64];
		if (sscanf(line, " %*d: %63s", local) != 1 || strcmp(local, want) != 0)
			continue;
		char *last = strrchr(line, ' ');
		if (last)
			drops = atoll(last + 1);
		break;
	}
	fclose(f);
	return drops;
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	const char *addr = "127.0.0.1", *portfile = NULL;
	long port = 0;
	double idle = 0;
	long long rcvbuf = 1LL << 30;
	int c;

	while ((c = getopt(argc, argv, "a:p:P:i:b:h")) != -1) {
		switch (c) {
		case 'a': addr = optarg; break;
		case 'p': port = strtol(optarg, NULL, 10); break;
		case 'P': portfile = optarg; break;
		case 'i': idle = strtod(optarg, NULL); break;
		case 'b': rcvbuf = strtoll(optarg, NULL, 10); break;
		default:
			fprintf(stderr, "usage: udpsink [-a ADDR] [-p PORT] [-P PORTFILE] [-i IDLE_SECONDS] [-b RCVBUF]\n");
			return c == 'h' ? 0 : 2;
		}
	}

	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (fd < 0) {
		perror("udpsink: socket");
		return 1;
	}
	int want = rcvbuf > 0x7fffffff / 2 ? 0x7fffffff / 2 : (int)rcvbuf;	/* the kernel doubles it */
	const char *how = "SO_RCVBUFFORCE";
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &want, sizeof(want)) != 0) {
		how = "SO_RCVBUF";
		if (setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &want, sizeof(want)) != 0)
			perror("udpsink: SO_RCVBUF");
	}
	int got = 0;
	socklen_t gl = sizeof(got);
	getsockopt(fd, SOL_SOCKET, SO_RCVBUF, &got, &gl);

	struct sockaddr_in sa;
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)port);
	if (inet_pton(AF_INET, addr, &sa.sin_addr) != 1) {
		fprintf(stderr, "udpsink: bad address \"%s\"\n", addr);
		return 2;
	}
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		fprintf(stderr, "udpsink: bind %s:%ld: %s\n", addr, port, strerror(errno));
		return 1;
	}
	socklen_t sl = sizeof(sa);
	getsockname(fd, (struct sockaddr *)&sa, &sl);
	fprintf(stderr, "udpsink: listening on %s:%u, receive buffer %d bytes (%s)\n", addr,
		(unsigned)ntohs(sa.sin_port), got, how);
	if (portfile) {
		/* written whole, then renamed: a reader never sees half of it */
		char tmp[4096];
		snprintf(tmp, sizeof(tmp), "%s.tmp", portfile);
		FILE *f = fopen(tmp, "w");
		if (!f || fprintf(f, "%u\n", (unsigned)ntohs(sa.sin_port)) < 0 || fclose(f) != 0 ||
		    rename(tmp, portfile) != 0) {
			fprintf(stderr, "udpsink: cannot write %s: %s\n", portfile, strerror(errno));
			return 1;
		}
	}

	struct sigaction act;
	memset(&act, 0, sizeof(act));
	act.sa_handler = on_signal;
	sigaction(SIGTERM, &act, NULL);
	sigaction(SIGINT, &act, NULL);

	static uint8_t bufs[BATCH][DGRAM_MAX];
	struct mmsghdr msgs[BATCH];
	struct iovec iov[BATCH];
	struct counts cnt;
	memset(&cnt, 0, sizeof(cnt));
	double last = now_s();

	for (;;) {
		for (int i = 0; i < BATCH; i++) {
			iov[i].iov_base = bufs[i];
			iov[i].iov_len = DGRAM_MAX;
			memset(&msgs[i].msg_hdr, 0, sizeof(msgs[i].msg_hdr));
			msgs[i].msg_hdr.msg_iov = &iov[i];
			msgs[i].msg_hdr.msg_iovlen = 1;
		}
		int n = recvmmsg(fd, msgs, BATCH, MSG_DONTWAIT, NULL);
		if (n > 0) {
			for (int i = 0; i < n; i++)
				count_datagram(&cnt, bufs[i], msgs[i].msg_len);
			last = now_s();
			continue;
		}
		if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
			perror("udpsink: recvmmsg");
			return 1;
		}
		/* The queue is empty. */
		if (stop)
			break;
		if (idle > 0 && now_s() - last >= idle)
			break;
		struct pollfd pfd = { fd, POLLIN, 0 };
		poll(&pfd, 1, 100);
	}

	long long drops = kernel_drops(&sa);
	printf("datagrams=%" PRIu64 " v5_datagrams=%" PRIu64 " v1_datagrams=%" PRIu64
	       " records=%" PRIu64 " packets=%" PRIu64 " octets=%" PRIu64 " bytes=%" PRIu64
	       " other=%" PRIu64 " malformed=%" PRIu64 " seq_missing=%" PRIu64 " seq_dup=%" PRIu64
	       " drops=%lld\n",
	       cnt.datagrams, cnt.v5_datagrams, cnt.v1_datagrams, cnt.records, cnt.packets,
	       cnt.octets, cnt.bytes, cnt.other, cnt.malformed, cnt.seq_missing, cnt.seq_dup, drops);
	close(fd);
	return 0;
}
