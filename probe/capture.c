/* capture.c - reading capture files through libpcap. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "capture.h"
#include "link.h"
#include "pcapfile.h"

#define TWO32 4294967296LL

/* sscanf() that must consume the whole of s. */
#define WHOLE(s, fmt, ...) \
	(end = -1, sscanf((s), fmt "%n", __VA_ARGS__, &end) >= 1 && end >= 0 && (s)[end] == '\0')

/*
 * libpcap's open-time messages, with what they mean for this file.  The
 * wording matched is libpcap 1.10's; any other text is passed on as is.
 */
static void explain_open(const char *msg, char *out, size_t outlen)
{
	unsigned long long want, got;
	int end;
	const char *why = NULL;

	if (strcmp(msg, "unknown file format") == 0)
		why = "neither pcap nor pcapng";
	else if (WHOLE(msg, "truncated dump file; tried to read %llu file header bytes, only got %llu",
		       &want, &got))
		why = want == 4 && got == 0 ? "the file is empty" : "the file ends inside its pcap file header";
	else if (WHOLE(msg, "truncated pcapng dump file; tried to read %llu bytes, only got %llu",
		       &want, &got))
		why = "the file ends inside a pcapng block before the first packet";
	else if (strcmp(msg, "block total length in header and trailer don't match") == 0)
		why = "a pcapng block before the first packet is corrupt";
	if (why)
		snprintf(out, outlen, "%s (%s)", msg, why);
	else
		snprintf(out, outlen, "%s", msg);
}

/* pcapng: where the block being read lies, the next packet being n. */
static const char *block_after(unsigned long long n, char *buf, size_t len)
{
	if (n <= 1)
		return "a block before the first packet";
	snprintf(buf, len, "the block after packet %llu", n - 1);
	return buf;
}

void capture_explain(const char *msg, int pcapng, uint64_t packet, char *out, size_t outlen)
{
	char where[64];
	unsigned long long a, b;
	unsigned long long n = (unsigned long long)packet;
	int end;

	if (!pcapng && WHOLE(msg, "truncated dump file; tried to read %llu header bytes, only got %llu", &a, &b))
		snprintf(out, outlen, "%s (the file ends inside the record header of packet %llu)", msg, n);
	else if (!pcapng && WHOLE(msg, "truncated dump file; tried to read %llu captured bytes, only got %llu",
				  &a, &b))
		snprintf(out, outlen, "%s (the file ends inside packet %llu)", msg, n);
	else if (!pcapng && (WHOLE(msg, "invalid packet capture length %llu, bigger than snaplen of %llu", &a, &b) ||
			     WHOLE(msg, "invalid packet capture length %llu, bigger than maximum of %llu", &a, &b)))
		snprintf(out, outlen, "%s (the record header of packet %llu is corrupt)", msg, n);
	else if (WHOLE(msg, "an interface has a type %llu different from the type of the first interface", &a) ||
		 WHOLE(msg, "an interface has a snapshot length %llu different from the snapshot length of the first interface", &a))
		snprintf(out, outlen, "%s (libpcap reads a pcapng file only if all its interfaces "
			 "share one link type and snapshot length)", msg);
	else if (pcapng && WHOLE(msg, "truncated pcapng dump file; tried to read %llu bytes, only got %llu", &a, &b))
		snprintf(out, outlen, "%s (the file ends inside %s)", msg, block_after(n, where, sizeof(where)));
	else if (pcapng)
		snprintf(out, outlen, "%s (in %s)", msg, block_after(n, where, sizeof(where)));
	else
		snprintf(out, outlen, "%s (reading packet %llu)", msg, n);
}

/*
 * What kind of file this is.  A classic pcap file that can be read at an
 * offset (not a pipe) is read by pcapfile.c from here on; anything else
 * by libpcap, whose timestamp unit is then the file's (pcapng: always
 * nanoseconds at the precision asked for; a pipe: not known).
 */
static void classify(struct capture *c, const char *path)
{
	FILE *fp = pcap_file(c->pcap);
	unsigned char m[4];

	c->pcapng = pcap_major_version(c->pcap) == 1;
	c->ts = c->pcapng ? CAPTURE_TS_NANO : -1;
	if (c->pcapng || fp == NULL || strcmp(path, "-") == 0 || pread(fileno(fp), m, 4, 0) != 4)
		return;
	if (pcapfile_open(&c->pf, fileno(fp), m, pcap_major_version(c->pcap),
			  pcap_minor_version(c->pcap), (uint32_t)pcap_snapshot(c->pcap), c->dlt) == 0)
		c->own = 1;
	else
		pcapfile_close(&c->pf);
}

/*
 * The next record: 1, 0 at a clean end of file, -1 with why set.  The
 * libpcap path (pipes, pcapng) cannot see a record cut to the snapshot
 * length (libpcap hides it); a record that captured more than the
 * packet's length is caught on both.
 */
static int read_record(struct capture *c, struct pcapfile_rec *rec, char *why, size_t whylen)
{
	unsigned long long n = (unsigned long long)c->records + 1;
	struct pcap_pkthdr *h;
	const u_char *data;

	if (c->own) {
		int rc = pcapfile_next(&c->pf, n, rec, why, whylen);
		if (rc == 1)
			c->records = n;
		return rc;
	}
	int rc = pcap_next_ex(c->pcap, &h, &data);
	if (rc == PCAP_ERROR_BREAK)
		return 0;
	if (rc != 1) {
		capture_explain(pcap_geterr(c->pcap), c->pcapng, n, why, whylen);
		return -1;
	}
	if (h->caplen > h->len) {
		snprintf(why, whylen, "the record header of packet %llu is corrupt: captured length %u "
			 "is more than the packet's length of %u", n, h->caplen, h->len);
		return -1;
	}
	/* From a pipe the unit is not known; it matters only for a negative
	 * fraction, and a µs field scaled up to ns is a multiple of 1000. */
	int ts = c->ts;
	if (ts < 0)
		ts = h->ts.tv_usec % 1000 == 0 ? CAPTURE_TS_MICRO_AS_NANO : CAPTURE_TS_NANO;
	rec->ts_us = capture_time_us(&h->ts, ts);
	rec->caplen = h->caplen;
	rec->len = h->len;
	rec->data = data;
	c->records = n;
	return 1;
}

int capture_open_file(struct capture *c, const char *path, char *err, size_t errlen)
{
	char ebuf[PCAP_ERRBUF_SIZE] = "";
	char why[PCAP_ERRBUF_SIZE + 160];
	struct stat sb;

	memset(c, 0, sizeof(*c));
	c->path = path;
	c->size = -1;
	/* libpcap's messages for these cases are less direct than errno's. */
	if (strcmp(path, "-") != 0 && stat(path, &sb) != 0) {
		snprintf(err, errlen, "cannot open capture file \"%s\": %s", path, strerror(errno));
		return -1;
	}
	if (strcmp(path, "-") != 0 && S_ISDIR(sb.st_mode)) {
		snprintf(err, errlen, "cannot open capture file \"%s\": Is a directory", path);
		return -1;
	}
	/* "-" is never sized, even redirected from a file: it need not
	 * start at the file's beginning. */
	if (strcmp(path, "-") != 0 && S_ISREG(sb.st_mode))
		c->size = (int64_t)sb.st_size;
	/* Nanosecond precision keeps nanosecond files exact; libpcap scales
	 * microsecond files up. */
	c->pcap = pcap_open_offline_with_tstamp_precision(path, PCAP_TSTAMP_PRECISION_NANO, ebuf);
	if (c->pcap == NULL) {
		explain_open(ebuf, why, sizeof(why));
		snprintf(err, errlen, "cannot read capture file \"%s\": %s", path, why);
		return -1;
	}
	c->dlt = pcap_datalink(c->pcap);
	if (!link_supported(c->dlt)) {
		char name[64];
		snprintf(err, errlen, "capture file \"%s\": unsupported link type %d (%s)", path,
			 c->dlt, link_name(c->dlt, name, sizeof(name)));
		capture_close(c);
		return -1;
	}
	classify(c, path);
	switch (read_record(c, &c->first, why, sizeof(why))) {
	case 1:
		c->have_first = 1;
		break;
	case -1:
		snprintf(err, errlen, "cannot read capture file \"%s\": %s", path, why);
		capture_close(c);
		return -1;
	}
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
	if (pcap_compile(c->pcap, &c->prog, expr, 1, PCAP_NETMASK_UNKNOWN) != 0) {
		snprintf(err, errlen, "bad filter expression \"%s\": %s", expr, pcap_geterr(c->pcap));
		return -1;
	}
	c->have_prog = 1;
	return 0;
}

static void deliver(struct capture *c, const struct pcapfile_rec *r, capture_fn fn, void *ctx)
{
	/* libpcap filters savefile records the same way, but inside
	 * pcap_next_ex(), where one call could then read many records and
	 * the count of records read would be lost. */
	if (c->have_prog) {
		struct pcap_pkthdr h = { .caplen = r->caplen, .len = r->len };
		if (!pcap_offline_filter(&c->prog, &h, r->data))
			return;
	}
	fn(ctx, r->ts_us, r->data, r->caplen, r->len);
}

int capture_run(struct capture *c, capture_fn fn, void *ctx, char *err, size_t errlen)
{
	char why[PCAP_ERRBUF_SIZE + 160];
	struct pcapfile_rec rec;
	int rc;

	if (c->have_first) {
		c->have_first = 0;
		deliver(c, &c->first, fn, ctx);
	}
	while ((rc = read_record(c, &rec, why, sizeof(why))) == 1) {
		deliver(c, &rec, fn, ctx);
		if (c->stop && *c->stop) {
			c->stopped = 1;
			return 0;
		}
	}
	if (rc == 0)
		return 0;
	if (c->stop && *c->stop) {
		/* A read the signal interrupted (a pipe): not damage. */
		c->stopped = 1;
		return 0;
	}
	snprintf(err, errlen, "capture file \"%s\" is damaged after %llu packet%s: %s", c->path,
		 (unsigned long long)c->records, c->records == 1 ? "" : "s", why);
	return -1;
}

int64_t capture_offset(const struct capture *c)
{
	if (c->size < 0 || c->pcap == NULL)
		return -1;
	if (c->own)
		return c->pf.off - (int64_t)(c->pf.end - c->pf.start);
	/* libpcap's reader (pcapng): its stream's position, past the
	 * records it has handed over */
	FILE *fp = pcap_file(c->pcap);
	return fp ? (int64_t)ftello(fp) : -1;
}

void capture_close(struct capture *c)
{
	if (c->have_prog)
		pcap_freecode(&c->prog);
	c->have_prog = 0;
	if (c->own)
		pcapfile_close(&c->pf);
	c->own = 0;
	if (c->pcap)
		pcap_close(c->pcap);
	c->pcap = NULL;
}
