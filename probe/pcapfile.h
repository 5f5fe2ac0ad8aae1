/*
 * pcapfile.h - classic pcap records, read by us.
 *
 * libpcap opens the file (and checks its header); the records of a
 * classic pcap file on disk are then read here, straight from large
 * pread()s into one buffer, and handed over where they lie.  Two reasons:
 * speed (no copy and no stdio call per packet), and seeing every record
 * header as written: libpcap quietly cuts a record whose captured length
 * exceeds the file's snapshot length, and reads on from a place the
 * record header may well have got wrong; here that is an error naming
 * the packet.  Pipes and pcapng stay with libpcap (capture.c).
 *
 * Byte order, nanosecond files, the "modified" (Kuznetzov) record header,
 * pre-2.4 files whose caplen and len fields are swapped, libpcap's
 * maximum captured length and its messages for cut files all follow
 * libpcap 1.10, so both paths read a file the same way.
 */
#ifndef FP_PCAPFILE_H
#define FP_PCAPFILE_H

#include <stddef.h>
#include <stdint.h>

struct pcapfile {
	int fd;			/* borrowed: the file libpcap opened */
	int64_t off;		/* file offset of buf[end] */
	uint8_t *buf;
	size_t cap, start, end;	/* unread bytes are buf[start..end) */
	int eof;
	int swapped;		/* file written in the other byte order */
	int nano;		/* fractions are nanoseconds */
	int hdrsize;		/* 16, or 24 for the modified format */
	int lengths;		/* 0 as written, 1 swap when caplen > len, 2 swap */
	uint32_t snaplen;	/* libpcap's snapshot length for the file */
	int nflog;		/* NFLOG: TLV headers to put in host order */
};

struct pcapfile_rec {
	int64_t ts_us;
	uint32_t caplen, len;
	const uint8_t *data;	/* valid until the next call */
};

/*
 * Set up reading at file offset 24 of fd, given the file's first four
 * bytes (its magic), its version and libpcap's snapshot length and link
 * type.  Returns 0, or -1 if the magic is not classic pcap or memory is
 * short (the caller keeps libpcap's reader then).
 */
int pcapfile_open(struct pcapfile *pf, int fd, const uint8_t magic[4], int major, int minor,
		  uint32_t snaplen, int dlt);
void pcapfile_close(struct pcapfile *pf);

/* The next record: 1, 0 at a clean end of file, -1 with why set (packet
 * is the number of the record being read, from 1). */
int pcapfile_next(struct pcapfile *pf, uint64_t packet, struct pcapfile_rec *rec, char *why,
		  size_t whylen);

#endif
