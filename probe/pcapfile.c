/* pcapfile.c - classic pcap records from one large buffer (pcapfile.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "pcapfile.h"

#define MAGIC_MICRO	0xa1b2c3d4u
#define MAGIC_NANO	0xa1b23c4du
#define MAGIC_KUZNETZOV	0xa1b2cd34u
#define DLT_NFLOG_	239
#define DLT_EN10MB_	1

/* libpcap's ceiling on a record's captured length for every link type
 * we meter (max_snaplen_for_dlt: MAXIMUM_SNAPLEN). */
#define MAX_CAPLEN 262144u
/* The buffer holds at least one whole record of that size. */
#define BUF_BYTES (4u << 20)

static uint32_t get32(const uint8_t *p, int swapped)
{
	uint32_t v;
	memcpy(&v, p, 4);
	return swapped ? __builtin_bswap32(v) : v;
}

int pcapfile_open(struct pcapfile *pf, int fd, const uint8_t magic[4], int major, int minor,
		  uint32_t snaplen, int dlt)
{
	uint32_t m;

	memset(pf, 0, sizeof(*pf));
	memcpy(&m, magic, 4);
	pf->swapped = m != MAGIC_MICRO && m != MAGIC_NANO && m != MAGIC_KUZNETZOV;
	if (pf->swapped)
		m = __builtin_bswap32(m);
	if (m != MAGIC_MICRO && m != MAGIC_NANO && m != MAGIC_KUZNETZOV)
		return -1;
	pf->nano = m == MAGIC_NANO;
	pf->hdrsize = m == MAGIC_KUZNETZOV ? 24 : 16;
	/* Before 2.3 caplen and len were written the other way round; 2.3
	 * files come both ways; DG/UX wrote 543.0 the old way. */
	if ((major == 2 && minor < 3) || major == 543)
		pf->lengths = 2;
	else if (major == 2 && minor == 3)
		pf->lengths = 1;
	pf->snaplen = snaplen;
	pf->nflog = dlt == DLT_NFLOG_;
	pf->fd = fd;
	pf->off = 24;
	pf->cap = BUF_BYTES;
	pf->buf = malloc(pf->cap);
	return pf->buf ? 0 : -1;
}

void pcapfile_close(struct pcapfile *pf)
{
	free(pf->buf);
	pf->buf = NULL;
}

/* Have at least want unread bytes, unless the file ends first.  Returns
 * the number of unread bytes, or -1 on a read error (errno). */
static ssize_t fill(struct pcapfile *pf, size_t want)
{
	if (pf->end - pf->start >= want || pf->eof)
		return (ssize_t)(pf->end - pf->start);
	memmove(pf->buf, pf->buf + pf->start, pf->end - pf->start);
	pf->end -= pf->start;
	pf->start = 0;
	while (pf->end < want && !pf->eof) {
		ssize_t n = pread(pf->fd, pf->buf + pf->end, pf->cap - pf->end, pf->off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0)
			pf->eof = 1;
		pf->end += (size_t)n;
		pf->off += n;
	}
	return (ssize_t)(pf->end - pf->start);
}

/* libpcap hands NFLOG frames over with each TLV's length and type in the
 * reading host's order (link.c relies on it): do the same for a file
 * from the other byte order.  The walk stays within the captured bytes. */
static void nflog_to_host(uint8_t *p, size_t caplen)
{
	size_t off = 4;			/* family, version, resource id */
	while (off + 4 <= caplen) {
		uint16_t len, type;
		memcpy(&len, p + off, 2);
		memcpy(&type, p + off + 2, 2);
		len = __builtin_bswap16(len);
		type = __builtin_bswap16(type);
		memcpy(p + off, &len, 2);
		memcpy(p + off + 2, &type, 2);
		if (len < 4)
			break;
		off += ((size_t)len + 3) & ~(size_t)3;
	}
}

int pcapfile_next(struct pcapfile *pf, uint64_t packet, struct pcapfile_rec *rec, char *why,
		  size_t whylen)
{
	unsigned long long n = (unsigned long long)packet;
	ssize_t have = fill(pf, (size_t)pf->hdrsize);

	if (have < 0) {
		snprintf(why, whylen, "error reading dump file: %s (reading packet %llu)", strerror(errno), n);
		return -1;
	}
	if (have == 0)
		return 0;
	if (have < pf->hdrsize) {
		snprintf(why, whylen, "truncated dump file; tried to read %d header bytes, only got %zd "
			 "(the file ends inside the record header of packet %llu)", pf->hdrsize, have, n);
		return -1;
	}
	const uint8_t *h = pf->buf + pf->start;
	uint32_t sec = get32(h, pf->swapped), frac = get32(h + 4, pf->swapped);
	uint32_t caplen = get32(h + 8, pf->swapped), len = get32(h + 12, pf->swapped);
	if (pf->lengths == 2 || (pf->lengths == 1 && caplen > len)) {
		uint32_t t = caplen;
		caplen = len;
		len = t;
	}
	if (caplen > MAX_CAPLEN) {
		if (caplen > pf->snaplen)
			snprintf(why, whylen, "invalid packet capture length %u, bigger than snaplen of %u "
				 "(the record header of packet %llu is corrupt)", caplen, pf->snaplen, n);
		else
			snprintf(why, whylen, "invalid packet capture length %u, bigger than maximum of %u "
				 "(the record header of packet %llu is corrupt)", caplen, MAX_CAPLEN, n);
		return -1;
	}
	/* The format forbids both (draft-ietf-opsawg-pcap: CapLen is at most
	 * SnapLen, and at most the packet's length); either way caplen,
	 * which places the next record, is suspect: stop here. */
	if (caplen > pf->snaplen) {
		snprintf(why, whylen, "the record header of packet %llu is corrupt: captured length %u "
			 "is more than the file's snapshot length of %u", n, caplen, pf->snaplen);
		return -1;
	}
	if (caplen > len) {
		snprintf(why, whylen, "the record header of packet %llu is corrupt: captured length %u "
			 "is more than the packet's length of %u", n, caplen, len);
		return -1;
	}
	have = fill(pf, (size_t)pf->hdrsize + caplen);
	if (have < 0) {
		snprintf(why, whylen, "error reading dump file: %s (reading packet %llu)", strerror(errno), n);
		return -1;
	}
	if ((size_t)have < (size_t)pf->hdrsize + caplen) {
		snprintf(why, whylen, "truncated dump file; tried to read %u captured bytes, only got %zd "
			 "(the file ends inside packet %llu)", caplen, have - pf->hdrsize, n);
		return -1;
	}
	uint8_t *data = pf->buf + pf->start + pf->hdrsize;
	pf->start += (size_t)pf->hdrsize + caplen;
	if (pf->nflog && pf->swapped)
		nflog_to_host(data, caplen);
	/* Seconds and fraction are unsigned 32 bits; a fraction of a second
	 * or more (a bogus one) carries into the seconds. */
	rec->ts_us = (int64_t)sec * 1000000 + (pf->nano ? frac / 1000 : frac);
	rec->caplen = caplen;
	rec->len = len;
	rec->data = data;
	return 1;
}
