/*
 * capture.h - packet sources.  A capture file (pcap or pcapng, any
 * timestamp resolution or byte order libpcap reads) in this version.
 *
 * libpcap parses the file container; every byte of every frame then goes
 * through packet_decode() and the bounds-checked reader.
 */
#ifndef FP_CAPTURE_H
#define FP_CAPTURE_H

#include <stddef.h>
#include <stdint.h>
#include <pcap/pcap.h>

struct capture {
	pcap_t *pcap;
	int dlt;
	const char *path;
	int ts;			/* enum capture_ts; -1: not known (a pipe) */
};

/* Open a capture file and check that its link type can be metered. */
int capture_open_file(struct capture *c, const char *path, char *err, size_t errlen);

/* How libpcap's tv_usec is to be read. */
enum capture_ts {
	CAPTURE_TS_MICRO = 0,		/* microseconds (a µs file read at µs precision) */
	CAPTURE_TS_NANO = 1,		/* nanoseconds (a ns file, or pcapng) */
	CAPTURE_TS_MICRO_AS_NANO = 2,	/* a µs file's field times 1000 (read at ns precision) */
};

/* A libpcap timestamp as µs since the epoch. */
int64_t capture_time_us(const struct timeval *tv, int ts);

/* Compile and install a BPF filter (the trailing command-line words). */
int capture_set_filter(struct capture *c, const char *expr, char *err, size_t errlen);

typedef void (*capture_fn)(void *ctx, int64_t ts_us, const uint8_t *data,
			   size_t caplen, size_t wirelen);

/*
 * Read every frame, calling fn for each.  Returns 0 at a clean end of
 * file, -1 if the file is damaged part-way (err says where); frames read
 * before the damage have all been passed to fn.
 */
int capture_run(struct capture *c, capture_fn fn, void *ctx, char *err, size_t errlen);

void capture_close(struct capture *c);

#endif
