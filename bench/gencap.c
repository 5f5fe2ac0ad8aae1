/*
 * gencap.c - a deterministic generator of large Ethernet pcap captures for
 * the speed benchmark.
 *
 *   gencap -n PACKETS -f FLOWS -o FILE [-S SEED] [-d SECONDS] [-s SNAPLEN]
 *
 * FLOWS conversations are alive at once: each is given a number of packets
 * (small for most, heavy-tailed for a few), and the packets of all of them
 * are shuffled together, so a lookup never finds the flow it looked up
 * last.  A conversation is one of
 *
 *   TCP (78%)       SYN, SYN-ACK, ACK, a request, data both ways (mostly
 *                   1500-byte segments one way and 52-byte ACKs the other),
 *                   then FIN both ways and an ACK; 5% end with a RST
 *   UDP DNS (10%)   a query and its response
 *   UDP bulk (7%)   QUIC-like both ways, or one way only (RTP-like)
 *   ICMP echo (5%)  requests and replies
 *
 * over IPv4 or, for 12% of the conversations, IPv6; 15% carry an 802.1Q
 * tag.  Frames are cut at SNAPLEN (default 96) while the IP total length
 * and the record's wire length stay the true ones, so a 10-million-packet
 * file is about a gigabyte.  Timestamps start at 2024-01-01 00:00:00 UTC
 * and strictly increase, spread over SECONDS (default 600).
 *
 * Same arguments, same bytes: the PRNG is splitmix64 from SEED, no libm
 * function is used (the heavy tail needs only sqrt, which IEEE rounds
 * exactly) and the file is written byte by byte in little-endian order
 * whatever the host.  The summary on standard error ends with a checksum of
 * the file and the ground truth a meter should find: one-way flows and
 * packets per family.
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define START_SEC 1704067200u	/* 2024-01-01T00:00:00Z */
#define MAX_FLOWS 4000000u	/* conversation addressing holds 2^22 */
#define MAX_SNAP 256

enum conv_type { C_TCP, C_DNS, C_BULK, C_ICMP };

/* Per-conversation state: what is needed to write its next packet. */
struct conv {
	uint32_t budget;	/* packets it will have */
	uint32_t sent;		/* packets written so far */
	uint32_t seq[2];	/* next TCP sequence number, client and server */
	uint16_t server;	/* index into the server pool */
	uint16_t dport;
	uint8_t type;		/* enum conv_type */
	uint8_t v6;
	uint8_t vlan;		/* 0: untagged, else an index into vlans[] */
	uint8_t tos;
	uint8_t upload;		/* TCP: the client sends the bulk; bulk UDP: one way */
	uint8_t rst;		/* TCP: ends with a RST */
	uint8_t seen;		/* bit 0: a client packet, bit 1: a server packet */
	uint8_t pad;
	uint32_t first_j, last_j;	/* its first and last packet's place in the file */
};

static const uint16_t vlans[] = { 0, 10, 20, 30, 100, 200 };

/* ---- PRNG: splitmix64 ---------------------------------------------------- */

static uint64_t rng_state;

static uint64_t rng(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* Uniform in [0, n): the high half of a 64x32 product (bias below 2^-32). */
static uint32_t below(uint32_t n)
{
	return (uint32_t)(((rng() >> 32) * (uint64_t)n) >> 32);
}

/* Uniform in (0, 1]. */
static double unit(void)
{
	return (double)((rng() >> 11) + 1) * (1.0 / 9007199254740992.0);
}

/* Pareto with shape 4/3 and minimum 1: u^(-3/4), by square roots only. */
static double pareto(void)
{
	double u = unit();
	return 1.0 / (sqrt(u) * sqrt(sqrt(u)));
}

/* ---- output: one buffer, checksummed as it is flushed --------------------- */

static FILE *out;
static uint8_t *obuf;
static size_t olen;
#define OBUF_SIZE (8u << 20)
static uint64_t csum = 0x6a09e667f3bcc908ULL;
static uint64_t out_bytes;

static void flush_out(void)
{
	size_t i = 0;
	/* 8 bytes at a time, then the tail byte by byte (only at the end). */
	for (; i + 8 <= olen; i += 8) {
		uint64_t w;
		memcpy(&w, obuf + i, 8);
		csum = (csum ^ w) * 0x100000001b3ULL;
		csum ^= csum >> 29;
	}
	for (; i < olen; i++)
		csum = (csum ^ obuf[i]) * 0x100000001b3ULL;
	if (olen && fwrite(obuf, 1, olen, out) != olen) {
		fprintf(stderr, "gencap: write failed: %s\n", strerror(errno));
		exit(1);
	}
	out_bytes += olen;
	olen = 0;
}

static uint8_t *reserve(size_t n)
{
	if (olen + n > OBUF_SIZE)
		flush_out();
	uint8_t *p = obuf + olen;
	olen += n;
	return p;
}

static void le32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); p[2] = (uint8_t)(v >> 16); p[3] = (uint8_t)(v >> 24);
}

static void le16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8);
}

static void be16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8); p[1] = (uint8_t)v;
}

static void be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24); p[1] = (uint8_t)(v >> 16); p[2] = (uint8_t)(v >> 8); p[3] = (uint8_t)v;
}

/* ---- addressing ----------------------------------------------------------- */

/*
 * Conversation i is spread over the address space by an odd multiplier
 * modulo 2^22 (a bijection), then split into a client (p mod nclients) and
 * that client's q-th connection (p / nclients), which picks a source port
 * no other connection of the client has.  ICMP has no ports, so an echo
 * conversation gets a client address of its own instead.
 */
static uint32_t nclients;

/* Octets by the two definitions in use: the IP total length (NetFlow's,
 * flowprobe's) and the frame past its link header, padding included
 * (softflowd's). */
static uint64_t oct_ip[2], oct_frame[2];

static uint32_t spread(uint32_t i)
{
	return (i * 0x9e3779b1u) & ((1u << 22) - 1);
}

static void client_of(uint32_t i, uint32_t *client, uint16_t *sport)
{
	uint32_t p = spread(i);
	uint32_t c = p % nclients, q = p / nclients;
	*client = c;
	/* q < 2^22 / 128 < 64512: distinct q, distinct port (40009 is prime
	 * to 64512 = 2^10 * 3^2 * 7) */
	*sport = (uint16_t)(1024 + (q * 40009u + c * 977u) % 64512u);
}

static void addr_v4(uint8_t *p, int server, uint32_t idx, int icmp)
{
	if (server) {		/* 198.18.0.0/15, the benchmarking range */
		p[0] = 198; p[1] = (uint8_t)(18 + (idx >> 16 & 1)); p[2] = (uint8_t)(idx >> 8); p[3] = (uint8_t)idx;
	} else if (icmp) {	/* 100.64.0.0/10, one address per conversation */
		p[0] = 100; p[1] = (uint8_t)(64 + (idx >> 16 & 63)); p[2] = (uint8_t)(idx >> 8); p[3] = (uint8_t)idx;
	} else {		/* 10.0.0.0/8 */
		p[0] = 10; p[1] = (uint8_t)(idx >> 16); p[2] = (uint8_t)(idx >> 8); p[3] = (uint8_t)idx;
	}
}

static void addr_v6(uint8_t *p, int server, uint32_t idx, int icmp)
{
	static const uint8_t pfx[3][8] = {
		{ 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x0c, 0x00, 0x00 },	/* clients */
		{ 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x05, 0x00, 0x00 },	/* servers */
		{ 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x0e, 0x00, 0x00 },	/* echo clients */
	};
	memcpy(p, pfx[server ? 1 : icmp ? 2 : 0], 8);
	memset(p + 8, 0, 4);
	be32(p + 12, idx + 1);
}

/* ---- packets -------------------------------------------------------------- */

static uint16_t ip_checksum(const uint8_t *h, size_t len)
{
	uint32_t s = 0;
	for (size_t i = 0; i + 1 < len; i += 2)
		s += (uint32_t)h[i] << 8 | h[i + 1];
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

/* What one packet of a conversation is. */
struct pkt {
	int from_server;
	uint8_t proto;
	uint16_t l4len;		/* transport header and payload, true size */
	uint8_t tcp_flags;
	uint8_t tcp_hlen;	/* 20, 32 (timestamps) or 40 (SYN options) */
	uint8_t icmp_type;
};

#define TF_FIN 0x01
#define TF_SYN 0x02
#define TF_RST 0x04
#define TF_PSH 0x08
#define TF_ACK 0x10

static uint16_t data_size(void)
{
	uint32_t r = below(100);
	if (r < 70)
		return 1448;		/* a full segment: IP length 1500 */
	if (r < 85)
		return (uint16_t)(536 + below(912));
	return (uint16_t)(1 + below(535));
}

/* Decide packet k of conversation cv. */
static void plan(struct conv *cv, struct pkt *p)
{
	uint32_t k = cv->sent, b = cv->budget;
	memset(p, 0, sizeof(*p));
	switch (cv->type) {
	case C_TCP:
		p->proto = 6;
		p->tcp_hlen = 32;
		if (k == 0) {
			p->tcp_flags = TF_SYN; p->tcp_hlen = 40;
		} else if (k == 1) {
			p->from_server = 1; p->tcp_flags = TF_SYN | TF_ACK; p->tcp_hlen = 40;
		} else if (k == 2) {
			p->tcp_flags = TF_ACK;
		} else if (k == 3) {	/* the request */
			p->tcp_flags = TF_PSH | TF_ACK;
			p->l4len = (uint16_t)(40 + below(560));
		} else if (cv->rst && k == b - 1) {
			p->from_server = 1; p->tcp_flags = TF_RST; p->tcp_hlen = 20;
		} else if (!cv->rst && k == b - 3) {
			p->tcp_flags = TF_FIN | TF_ACK;
		} else if (!cv->rst && k == b - 2) {
			p->from_server = 1; p->tcp_flags = TF_FIN | TF_ACK;
		} else if (!cv->rst && k == b - 1) {
			p->tcp_flags = TF_ACK;
		} else {
			/* data: two segments of the bulk side to one ACK; the
			 * first data packet is the response, from the server */
			int bulk = k == 4 || below(3) != 0;
			p->from_server = bulk ^ cv->upload;
			p->tcp_flags = TF_ACK;
			if (bulk) {
				p->l4len = data_size();
				if (below(4) == 0)
					p->tcp_flags |= TF_PSH;
			}
		}
		if (cv->v6 && p->l4len == 1448)
			p->l4len = 1428;	/* IPv6 packets of 1500 too */
		p->l4len = (uint16_t)(p->l4len + p->tcp_hlen);
		break;
	case C_DNS:
		p->proto = 17;
		p->from_server = k & 1;
		p->l4len = (uint16_t)(8 + (p->from_server ? 60 + below(400) : 20 + below(40)));
		break;
	case C_BULK:
		p->proto = 17;
		p->from_server = cv->upload ? 0 : (k == 0 ? 0 : below(3) != 0);
		p->l4len = (uint16_t)(8 + (p->from_server || cv->upload ? 1200 + below(152) : 30 + below(60)));
		break;
	case C_ICMP:
		p->proto = cv->v6 ? 58 : 1;
		p->from_server = k & 1;
		p->icmp_type = cv->v6 ? (p->from_server ? 129 : 128) : (p->from_server ? 0 : 8);
		p->l4len = 64;
		break;
	}
}

static void write_packet(uint32_t ci, struct conv *cv, uint64_t ts_us, uint32_t snaplen)
{
	uint8_t f[MAX_SNAP + 64];
	struct pkt p;
	uint32_t client;
	uint16_t sport;
	size_t o = 0;

	plan(cv, &p);
	if (cv->type == C_ICMP) {
		client = ci;
		sport = 0;
	} else {
		client_of(ci, &client, &sport);
	}
	cv->seen |= (uint8_t)(1u << p.from_server);

	/* Ethernet: clients behind a router whose MAC is fixed */
	static const uint8_t router[6] = { 0x00, 0x1b, 0x21, 0x0a, 0x0b, 0x0c };
	uint8_t host[6] = { 0x02, 0x00, 0, 0, 0, 0 };
	be32(host + 2, client);
	memcpy(f, p.from_server ? host : router, 6);
	memcpy(f + 6, p.from_server ? router : host, 6);
	o = 12;
	if (cv->vlan) {
		be16(f + o, 0x8100);
		be16(f + o + 2, vlans[cv->vlan]);
		o += 4;
	}
	be16(f + o, cv->v6 ? 0x86dd : 0x0800);
	o += 2;

	uint8_t *ip = f + o;
	uint32_t iplen;
	uint8_t *src, *dst;
	if (cv->v6) {
		iplen = 40u + p.l4len;
		be32(ip, 0x60000000u | (uint32_t)cv->tos << 20 | ((ci * 2654435761u) & 0xfffff));
		be16(ip + 4, p.l4len);
		ip[6] = p.proto;
		ip[7] = p.from_server ? 57 : 64;
		src = ip + 8;
		dst = ip + 24;
		addr_v6(p.from_server ? dst : src, 0, client, cv->type == C_ICMP);
		addr_v6(p.from_server ? src : dst, 1, cv->server, 0);
		o += 40;
	} else {
		iplen = 20u + p.l4len;
		ip[0] = 0x45;
		ip[1] = cv->tos;
		be16(ip + 2, (uint16_t)iplen);
		be16(ip + 4, (uint16_t)(ci * 31u + cv->sent));
		be16(ip + 6, p.proto == 6 ? 0x4000 : 0);
		ip[8] = p.from_server ? 57 : 64;
		ip[9] = p.proto;
		ip[10] = ip[11] = 0;
		src = ip + 12;
		dst = ip + 16;
		addr_v4(p.from_server ? dst : src, 0, client, cv->type == C_ICMP);
		addr_v4(p.from_server ? src : dst, 1, cv->server, 0);
		be16(ip + 10, ip_checksum(ip, 20));
		o += 20;
	}

	uint8_t *l4 = f + o;
	uint16_t cport = sport, sport_srv = cv->dport;
	if (p.proto == 6) {
		int s = p.from_server;
		uint16_t payload = (uint16_t)(p.l4len - p.tcp_hlen);
		be16(l4, s ? sport_srv : cport);
		be16(l4 + 2, s ? cport : sport_srv);
		be32(l4 + 4, cv->seq[s]);
		be32(l4 + 8, (p.tcp_flags & TF_ACK) ? cv->seq[!s] : 0);
		l4[12] = (uint8_t)(p.tcp_hlen / 4) << 4;
		l4[13] = p.tcp_flags;
		be16(l4 + 14, s ? 65160 : 64240);
		be32(l4 + 16, 0);	/* checksum (not computed: the payload is cut), urgent */
		uint8_t *opt = l4 + 20;
		if (p.tcp_hlen == 40) {		/* MSS, SACK permitted, timestamps, NOP, window scale */
			static const uint8_t syn_opt[20] = { 2, 4, 0x05, 0xb4, 4, 2, 8, 10, 0, 0, 0, 0,
							     0, 0, 0, 0, 1, 3, 3, 7 };
			memcpy(opt, syn_opt, 20);
			be32(opt + 8, (uint32_t)(ts_us / 1000));
		} else if (p.tcp_hlen == 32) {	/* NOP, NOP, timestamps */
			opt[0] = 1; opt[1] = 1; opt[2] = 8; opt[3] = 10;
			be32(opt + 4, (uint32_t)(ts_us / 1000));
			be32(opt + 8, (uint32_t)(ts_us / 1000) - 20);
		}
		cv->seq[s] += payload + ((p.tcp_flags & (TF_SYN | TF_FIN)) ? 1 : 0);
		o += p.tcp_hlen;
		memset(f + o, 0, 16);	/* the start of the payload, if any is captured */
		o += 16;
	} else if (p.proto == 17) {
		int s = p.from_server;
		be16(l4, s ? sport_srv : cport);
		be16(l4 + 2, s ? cport : sport_srv);
		be16(l4 + 4, p.l4len);
		be16(l4 + 6, (uint16_t)(ci | 1));	/* not computed; 0 is illegal in IPv6 */
		uint8_t *d = l4 + 8;
		memset(d, 0, 16);
		if (cv->type == C_DNS) {	/* header: id, flags, one question */
			be16(d, (uint16_t)(ci ^ (ci >> 16)));
			be16(d + 2, s ? 0x8180 : 0x0100);
			be16(d + 4, 1);
			be16(d + 6, s ? 1 : 0);
		} else {			/* QUIC-like short header */
			d[0] = 0x40;
			be32(d + 1, ci);
		}
		o += 8 + 16;
	} else {
		l4[0] = p.icmp_type;
		l4[1] = 0;
		be16(l4 + 2, 0);
		be16(l4 + 4, (uint16_t)(ci * 7u));	/* identifier */
		be16(l4 + 6, (uint16_t)(cv->sent / 2));	/* sequence */
		memset(l4 + 8, 0, 16);
		o += 8 + 16;
	}

	size_t l2 = (size_t)(ip - f);
	uint32_t wire = (uint32_t)(l2 + iplen);
	if (wire < 60)
		wire = 60;		/* Ethernet minimum, padded */
	if (o < wire && o < snaplen)
		memset(f + o, 0, (wire < snaplen ? wire : snaplen) - o);
	uint32_t caplen = wire < snaplen ? wire : snaplen;
	oct_ip[cv->v6] += iplen;
	oct_frame[cv->v6] += wire - l2;

	uint8_t *r = reserve(16 + caplen);
	le32(r, (uint32_t)(ts_us / 1000000));
	le32(r + 4, (uint32_t)(ts_us % 1000000));
	le32(r + 8, caplen);
	le32(r + 12, wire);
	memcpy(r + 16, f, caplen);
	cv->sent++;
}

/* ---- main ------------------------------------------------------------------ */

static int parse_num(const char *s, uint64_t *v)
{
	char *end;
	errno = 0;
	double d = strtod(s, &end);	/* "10M", "1.5M", "100k", "100000" */
	if (errno || end == s || d < 0)
		return -1;
	if (*end == 'k' || *end == 'K')
		d *= 1e3, end++;
	else if (*end == 'M' || *end == 'm')
		d *= 1e6, end++;
	else if (*end == 'G' || *end == 'g')
		d *= 1e9, end++;
	if (*end)
		return -1;
	*v = (uint64_t)(d + 0.5);
	return 0;
}

static void usage(FILE *f)
{
	fprintf(f,
"usage: gencap -n PACKETS -f FLOWS -o FILE [-S SEED] [-d SECONDS] [-s SNAPLEN]\n"
"  -n PACKETS  packets in the capture (10M, 100k, 2500000)\n"
"  -f FLOWS    conversations alive at once (at most %u)\n"
"  -o FILE     output pcap (\"-\": standard output)\n"
"  -S SEED     PRNG seed (default 1)\n"
"  -d SECONDS  time the capture spans (default 600)\n"
"  -s SNAPLEN  bytes kept of each frame (default 96, 64..%d)\n", MAX_FLOWS, MAX_SNAP);
}

int main(int argc, char **argv)
{
	uint64_t npkts = 0, nflows = 0, seed = 1, span = 600, snap = 96;
	const char *path = NULL;
	int c;

	while ((c = getopt(argc, argv, "n:f:o:S:d:s:h")) != -1) {
		switch (c) {
		case 'n': if (parse_num(optarg, &npkts)) goto bad; break;
		case 'f': if (parse_num(optarg, &nflows)) goto bad; break;
		case 'o': path = optarg; break;
		case 'S': if (parse_num(optarg, &seed)) goto bad; break;
		case 'd': if (parse_num(optarg, &span)) goto bad; break;
		case 's': if (parse_num(optarg, &snap)) goto bad; break;
		case 'h': usage(stdout); return 0;
		default: goto bad;
		}
	}
	if (optind != argc || !path || npkts == 0 || nflows == 0 || nflows > MAX_FLOWS ||
	    npkts > UINT32_MAX || snap < 64 || snap > MAX_SNAP || span == 0)
		goto bad;
	if (span * 1000000 < npkts) {
		fprintf(stderr, "gencap: %" PRIu64 " packets need at least %" PRIu64 " s for distinct microseconds\n",
			npkts, (npkts + 999999) / 1000000);
		return 1;
	}

	rng_state = seed;
	nclients = 128;
	while (nclients < 65536 && nclients < nflows / 8)
		nclients <<= 1;

	/* Conversations and their minimum packets. */
	struct conv *cv = calloc(nflows, sizeof(*cv));
	double *w = malloc(nflows * sizeof(*w));
	uint32_t *order = malloc(npkts * sizeof(*order));
	obuf = malloc(OBUF_SIZE);
	if (!cv || !w || !order || !obuf) {
		fprintf(stderr, "gencap: out of memory\n");
		return 1;
	}
	uint64_t minsum = 0;
	double wsum = 0;
	for (uint32_t i = 0; i < nflows; i++) {
		struct conv *v = &cv[i];
		uint32_t r = below(100);
		v->type = r < 78 ? C_TCP : r < 88 ? C_DNS : r < 95 ? C_BULK : C_ICMP;
		v->v6 = below(100) < 12;
		v->vlan = below(100) < 15 ? (uint8_t)(1 + below(5)) : 0;
		v->tos = below(100) < 5 ? 0xb8 : 0;
		/* servers: a few popular ones, a long tail */
		double u = unit();
		v->server = (uint16_t)(2000 * u * u * u);
		v->seq[0] = (uint32_t)rng();
		v->seq[1] = (uint32_t)rng();
		switch (v->type) {
		case C_TCP: {
			static const uint16_t ports[] = { 443, 443, 443, 443, 443, 443, 80, 80, 22, 993, 8080, 3306 };
			v->dport = ports[below(sizeof(ports) / sizeof(ports[0]))];
			v->upload = below(100) < 20;
			v->rst = below(100) < 5;
			v->budget = 8;
			w[i] = pareto();
			break;
		}
		case C_DNS:
			v->dport = 53;
			v->budget = 2;
			w[i] = 0;
			break;
		case C_BULK: {
			static const uint16_t ports[] = { 443, 443, 443, 4500, 1194, 5004, 3478 };
			v->dport = ports[below(sizeof(ports) / sizeof(ports[0]))];
			v->upload = below(100) < 30;	/* one way only */
			v->budget = 2;
			w[i] = pareto() * 0.5;
			break;
		}
		case C_ICMP:
			v->budget = 2;
			w[i] = 0.02 * pareto();
			break;
		}
		minsum += v->budget;
		wsum += w[i];
	}
	if (minsum > npkts) {
		fprintf(stderr, "gencap: %" PRIu64 " conversations need at least %" PRIu64
			" packets (about 6.7 each)\n", nflows, minsum);
		return 1;
	}
	/* The rest of the packets go to conversations in proportion to their
	 * weights; what rounding leaves goes one by one at random. */
	uint64_t extra = npkts - minsum, given = 0;
	for (uint32_t i = 0; i < nflows; i++) {
		uint64_t e = wsum > 0 ? (uint64_t)((double)extra * (w[i] / wsum)) : 0;
		cv[i].budget += (uint32_t)e;
		given += e;
	}
	while (given < extra) {
		cv[below((uint32_t)nflows)].budget++;
		given++;
	}
	free(w);

	/* Every packet is a conversation's index; shuffled (Fisher-Yates). */
	uint64_t n = 0;
	for (uint32_t i = 0; i < nflows; i++)
		for (uint32_t k = 0; k < cv[i].budget; k++)
			order[n++] = i;
	for (uint64_t j = npkts - 1; j > 0; j--) {
		uint64_t r = ((rng() >> 32) * (j + 1)) >> 32;
		uint32_t t = order[j];
		order[j] = order[r];
		order[r] = t;
	}

	out = strcmp(path, "-") == 0 ? stdout : fopen(path, "wb");
	if (!out) {
		fprintf(stderr, "gencap: cannot create \"%s\": %s\n", path, strerror(errno));
		return 1;
	}
	setvbuf(out, NULL, _IONBF, 0);	/* obuf is the buffer */

	uint8_t *g = reserve(24);
	le32(g, 0xa1b2c3d4u);
	le16(g + 4, 2);
	le16(g + 6, 4);
	le32(g + 8, 0);
	le32(g + 12, 0);
	le32(g + 16, (uint32_t)snap);
	le32(g + 20, 1);		/* LINKTYPE_ETHERNET */

	uint64_t mean_gap = span * 1000000 / npkts;	/* >= 1 */
	uint64_t ts = (uint64_t)START_SEC * 1000000, first_ts = 0;
	uint64_t pk_v4 = 0, pk_v6 = 0, pk_vlan = 0, pk_proto[3] = { 0, 0, 0 };
	for (uint64_t j = 0; j < npkts; j++) {
		ts += mean_gap <= 1 ? 1 : 1 + below((uint32_t)(2 * mean_gap - 1));
		if (j == 0)
			first_ts = ts;
		struct conv *v = &cv[order[j]];
		if (v->sent == 0)
			v->first_j = (uint32_t)j;
		v->last_j = (uint32_t)j;
		write_packet(order[j], v, ts, (uint32_t)snap);
		if (v->v6) pk_v6++; else pk_v4++;
		if (v->vlan) pk_vlan++;
		pk_proto[v->type == C_TCP ? 0 : v->type == C_ICMP ? 2 : 1]++;
	}
	flush_out();
	if (out != stdout && fclose(out) != 0) {
		fprintf(stderr, "gencap: write failed: %s\n", strerror(errno));
		return 1;
	}

	/* The ground truth: one-way flows are the directions that sent. */
	uint64_t ow_v4 = 0, ow_v6 = 0, conv_type[4] = { 0, 0, 0, 0 }, alive[3] = { 0, 0, 0 };
	for (uint32_t i = 0; i < nflows; i++) {
		int dirs = (cv[i].seen & 1) + (cv[i].seen >> 1 & 1);
		/* conversations begun and not yet over at 10%, 50%, 90% of the file */
		for (int q = 0; q < 3; q++) {
			uint64_t at = npkts * (uint64_t)(q == 0 ? 1 : q == 1 ? 5 : 9) / 10;
			alive[q] += cv[i].first_j <= at && cv[i].last_j >= at;
		}
		if (cv[i].v6) ow_v6 += dirs; else ow_v4 += dirs;
		conv_type[cv[i].type]++;
	}
	fprintf(stderr,
		"packets=%" PRIu64 " conversations=%" PRIu64 " tcp_conv=%" PRIu64 " dns_conv=%" PRIu64
		" bulk_conv=%" PRIu64 " icmp_conv=%" PRIu64 "\n"
		"alive_10pct=%" PRIu64 " alive_50pct=%" PRIu64 " alive_90pct=%" PRIu64 "\n"
		"oneway_flows=%" PRIu64 " oneway_v4=%" PRIu64 " oneway_v6=%" PRIu64 "\n"
		"packets_v4=%" PRIu64 " packets_v6=%" PRIu64 " packets_vlan=%" PRIu64
		" packets_tcp=%" PRIu64 " packets_udp=%" PRIu64 " packets_icmp=%" PRIu64 "\n"
		"octets_ip_v4=%" PRIu64 " octets_ip_v6=%" PRIu64 " octets_frame_v4=%" PRIu64
		" octets_frame_v6=%" PRIu64 "\n"
		"first_us=%" PRIu64 " last_us=%" PRIu64 " span_s=%.3f snaplen=%" PRIu64 "\n"
		"bytes=%" PRIu64 " checksum=%016" PRIx64 "\n",
		npkts, nflows, conv_type[C_TCP], conv_type[C_DNS], conv_type[C_BULK], conv_type[C_ICMP],
		alive[0], alive[1], alive[2],
		ow_v4 + ow_v6, ow_v4, ow_v6,
		pk_v4, pk_v6, pk_vlan, pk_proto[0], pk_proto[1], pk_proto[2],
		oct_ip[0], oct_ip[1], oct_frame[0], oct_frame[1],
		first_ts, ts, (double)(ts - first_ts) / 1e6, snap,
		out_bytes, csum);
	free(order);
	free(cv);
	free(obuf);
	return 0;
bad:
	usage(stderr);
	return 2;
}
