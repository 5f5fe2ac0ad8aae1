/*
 * capture.h - packet sources.  A capture file (pcap or pcapng, any
 * timestamp resolution or byte order libpcap reads) in this version.
 *
 * libpcap parses the file container; every byte of every frame then goes
 * through packet_decode() and the bounds-checked reader.  What libpcap
 * lets through that the format forbids (a record claiming more bytes than
 * the snapshot length or than the packet had) is caught here, and every
 * fault is reported with the number of the packet it hit.
 */
#ifndef FP_CAPTURE_H
#define FP_CAPTURE_H

#include <stddef.h>
#include <signal.h>
#include <stdint.h>
#include <pcap/pcap.h>
#include "pcapfile.h"

struct capture {
	pcap_t *pcap;
	int dlt;
	const char *path;
	uint64_t records;		/* records read from the file so far */
	int64_t size;			/* the file's size at open; -1: not known
					 * (standard input, a pipe, a device) */
	int pcapng;
	int ts;				/* enum capture_ts; -1: not known (a pipe) */
	/* Classic pcap from a file: read by pcapfile.c, not libpcap. */
	int own;
	struct pcapfile pf;
	/* The first record, read at open (valid until the next read). */
	int have_first;
	struct pcapfile_rec first;
	/* The filter, applied here so that every record is counted. */
	struct bpf_program prog;
	int have_prog;
	/* Set from outside (a signal handler) to end capture_run early, as
	 * if the file ended there; stopped says it did. */
	const volatile sig_atomic_t *stop;
	int stopped;
};

/*
 * Open a capture file and check that its link type can be metered.  The
 * first record is read at once: a file that yields no packet before a
 * fault cannot be read at all, and says so here.
 */
int capture_open_file(struct capture *c, const char *path, char *err, size_t errlen);

/* How libpcap's tv_usec is to be read. */
enum capture_ts {
	CAPTURE_TS_MICRO = 0,		/* microseconds (a µs file read at µs precision) */
	CAPTURE_TS_NANO = 1,		/* nanoseconds (a ns file, or pcapng) */
	CAPTURE_TS_MICRO_AS_NANO = 2,	/* a µs file's field times 1000 (read at ns precision) */
};

/* A libpcap timestamp as µs since the epoch. */
int64_t capture_time_us(const struct timeval *tv, int ts);

/*
 * The reason for a read error, for a message: libpcap's text, with the
 * packet it hit (packet is the number of the record being read, counting
 * from 1) in words a reader of the capture can act on.
 */
void capture_explain(const char *pcap_msg, int pcapng, uint64_t packet, char *out, size_t outlen);

/* Compile the BPF filter (the trailing command-line words). */
int capture_set_filter(struct capture *c, const char *expr, char *err, size_t errlen);

typedef void (*capture_fn)(void *ctx, int64_t ts_us, const uint8_t *data,
			   size_t caplen, size_t wirelen);

/*
 * Read every frame, calling fn for each that passes the filter.  Returns
 * 0 at a clean end of file, -1 if the file is damaged part-way (err says
 * after how many packets, and what is wrong with the next); frames read
 * before the damage have all been passed to fn.
 */
int capture_run(struct capture *c, capture_fn fn, void *ctx, char *err, size_t errlen);

/* Bytes of the file read so far (what the records handed over took),
 * or -1 when the size is not known; the size once the whole file is
 * read.  On the thread that reads. */
int64_t capture_offset(const struct capture *c);

void capture_close(struct capture *c);

#endif
