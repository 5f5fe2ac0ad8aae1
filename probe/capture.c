/* capture.c - reading capture files through libpcap. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "capture.h"
#include "link.h"

#define TWO32 4294967296LL

/* The classic pcap magic numbers libpcap 1.10 reads (either byte order). */
#define MAGIC_MICRO	0xa1b2c3d4u
#define MAGIC_NANO	0xa1b23c4du
#define MAGIC_KUZNETZOV	0xa1b2cd34u	/* "patched" pcap: 24-byte record headers */

/*
 * What the file's first four bytes say, for a classic pcap read from a
 * file (not a pipe): the timestamp unit.  Left unknown otherwise.
 */
static void classify(struct capture *c, const char *path)
{
	FILE *fp = pcap_file(c->pcap);
	unsigned char m[4];

	c->ts = pcap_major_version(c->pcap) == 1 ? CAPTURE_TS_NANO : -1;	/* pcapng */
	if (c->ts >= 0 || fp == NULL || strcmp(path, "-") == 0 || pread(fileno(fp), m, 4, 0) != 4)
		return;
	uint32_t le = (uint32_t)m[0] | (uint32_t)m[1] << 8 | (uint32_t)m[2] << 16 | (uint32_t)m[3] << 24;
	uint32_t be = (uint32_t)m[3] | (uint32_t)m[2] << 8 | (uint32_t)m[1] << 16 | (uint32_t)m[0] << 24;
	if (le == MAGIC_MICRO || be == MAGIC_MICRO || le == MAGIC_KUZNETZOV || be == MAGIC_KUZNETZOV)
		c->ts = CAPTURE_TS_MICRO_AS_NANO;
	else if (le == MAGIC_NANO || be == MAGIC_NANO)
		c->ts = CAPTURE_TS_NANO;
}

int capture_open_file(struct capture *c, const char *path, char *err, size_t errlen)
{
	char ebuf[PCAP_ERRBUF_SIZE] = "";
	struct stat sb;

	memset(c, 0, sizeof(*c));
	c->path = path;
	/* libpcap's messages for these cases are less direct than errno's. */
	if (strcmp(path, "-") != 0 && stat(path, &sb) != 0) {
		snprintf(err, errlen, "cannot open capture file \"%s\": %s", path, strerror(errno));
		return -1;
	}
	if (strcmp(path, "-") != 0 && S_ISDIR(sb.st_mode)) {
		snprintf(err, errlen, "cannot open capture file \"%s\": Is a directory", path);
		return -1;
	}
	/* Nanosecond precision keeps nanosecond files exact; libpcap scales
	 * microsecond files up. */
	c->pcap = pcap_open_offline_with_tstamp_precision(path, PCAP_TSTAMP_PRECISION_NANO, ebuf);
	if (c->pcap == NULL) {
		snprintf(err, errlen, "cannot read capture file \"%s\": %s", path, ebuf);
		return -1;
	}
	c->dlt = pcap_datalink(c->pcap);
	if (!link_supported(c->dlt)) {
		char name[64];
		snprintf(err, errlen, "capture file \"%s\": unsupported link type %d (%s)", path,
			 c->dlt, link_name(c->dlt, name, sizeof(name)));
		pcap_close(c->pcap);
		c->pcap = NULL;
		return -1;
	}
	classify(c, path);
	return 0;
}

int64_t capture_time_us(const struct timeval *tv, int ts)
{
	/* The pcap format's seconds are unsigned 32 bits, but libpcap 1.10
	 * sign-extends them into time_t: a time after January 2038 comes back
	 * as one before 1970.  Undo that; no capture predates 1970. */
	int64_t sec = tv->tv_sec < 0 ? (int64_t)tv->tv_sec + TWO32 : (int64_t)tv->tv_sec;
	/* The fraction is unsigned 32 bits too, and libpcap sign-extends it
	 * the same way: a bogus value of 2^31 or more comes back negative
	 * (times 1000 when a µs file is read at ns precision).  Undo that as
	 * well; then a bogus value of a second or more simply carries into
	 * the seconds. */
	int64_t f = (int64_t)tv->tv_usec, us;

	switch (ts) {
	case CAPTURE_TS_MICRO:
		us = f < 0 ? f + TWO32 : f;
		break;
	case CAPTURE_TS_MICRO_AS_NANO:
		f /= 1000;
		us = f < 0 ? f + TWO32 : f;
		break;
	default:
		us = (f < 0 ? f + TWO32 : f) / 1000;
		break;
	}
	return sec * 1000000 + us;
}

int capture_set_filter(struct capture *c, const char *expr, char *err, size_t errlen)
{
	struct bpf_program prog;

	if (pcap_compile(c->pcap, &prog, expr, 1, PCAP_NETMASK_UNKNOWN) != 0) {
		snprintf(err, errlen, "bad filter expression \"%s\": %s", expr, pcap_geterr(c->pcap));
		return -1;
	}
	if (pcap_setfilter(c->pcap, &prog) != 0) {
		snprintf(err, errlen, "cannot set filter \"%s\": %s", expr, pcap_geterr(c->pcap));
		pcap_freecode(&prog);
		return -1;
	}
	pcap_freecode(&prog);
	return 0;
}

int capture_run(struct capture *c, capture_fn fn, void *ctx, char *err, size_t errlen)
{
	struct pcap_pkthdr *h;
	const u_char *data;
	uint64_t n = 0;
	int rc;

	while ((rc = pcap_next_ex(c->pcap, &h, &data)) == 1) {
		int ts = c->ts;
		/* From a pipe the unit is not known; it matters only for a
		 * negative fraction, and a µs field scaled up to ns is a
		 * multiple of 1000. */
		if (ts < 0)
			ts = h->ts.tv_usec % 1000 == 0 ? CAPTURE_TS_MICRO_AS_NANO : CAPTURE_TS_NANO;
		fn(ctx, capture_time_us(&h->ts, ts), data, h->caplen, h->len);
		n++;
	}
	if (rc == PCAP_ERROR_BREAK)
		return 0;
	snprintf(err, errlen, "capture file \"%s\" is damaged after %llu packets: %s", c->path,
		 (unsigned long long)n, pcap_geterr(c->pcap));
	return -1;
}

void capture_close(struct capture *c)
{
	if (c->pcap)
		pcap_close(c->pcap);
	c->pcap = NULL;
}
