/* capture.c - reading capture files through libpcap. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include "capture.h"
#include "link.h"

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
	return 0;
}

int64_t capture_time_us(const struct timeval *tv, int nano)
{
	/* The pcap format's seconds are unsigned 32 bits, but libpcap 1.10
	 * sign-extends them into time_t: a time after January 2038 comes back
	 * as one before 1970.  Undo that; no capture predates 1970. */
	int64_t sec = tv->tv_sec < 0 ? (int64_t)tv->tv_sec + 4294967296LL : (int64_t)tv->tv_sec;
	/* tv_usec holds nanoseconds at nanosecond precision; a bogus value of
	 * a second or more simply carries into the seconds. */
	int64_t frac = nano ? (int64_t)tv->tv_usec / 1000 : (int64_t)tv->tv_usec;
	return sec * 1000000 + frac;
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
		fn(ctx, capture_time_us(&h->ts, 1), data, h->caplen, h->len);
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
