/*
 * options.h - flowprobe's command line, softflowd's letters and syntax
 * (softflowd-1.1.0.md §1) plus -w.
 */
#ifndef FP_OPTIONS_H
#define FP_OPTIONS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include "timeouts.h"

/* Reading a file, UDP exports are paced to this many datagrams a second
 * by default (see --help and bench/pace.sh for how it was chosen). */
#define DEFAULT_FILE_PACE 10000

/* -C's default: room for the link header, a few VLAN tags or labels, a
 * tunnel's outer headers, IPv6 extension headers and the transport
 * header (softflowd: 96, or 160 when IPv6 can be exported).  Octets come
 * from the IP header, never from the bytes captured. */
#define DEFAULT_SNAPLEN 256

/* -i: interfaces captured at once, at most. */
#define PROBE_MAX_IFACES 16

/* One -i [idx:]IFACE. */
struct probe_iface {
	const char *name;		/* the device (points into argv) */
	uint32_t index;			/* idx: given, exported as the input
					 * interface; 0: the device's own */
};

struct probe_options {
	const char *read_file;		/* -r */
	struct probe_iface ifaces[PROBE_MAX_IFACES];	/* -i, in order */
	int nifaces;
	uint64_t snaplen;		/* -C: bytes captured a packet, live */
	uint64_t bufsize;		/* -B: capture buffer bytes; 0: libpcap's */
	int no_promisc;			/* -N */
	const char *dests;		/* -n, the last one given */
	const char *write_file;		/* -w */
	const char *source;		/* -e: export source address */
	int version;			/* -v */
	struct timeouts to;		/* -t */
	uint64_t max_flows;		/* -m, 0 = unlimited */
	int foreground;			/* -d */
	int debug;			/* -D */
	int track_ipv6;			/* -6 (no effect: IPv6 is always metered) */
	int level;			/* -T, enum track_level */
	uint64_t sample;		/* -s, keep 1 in N; < 2: all */
	char *filter;			/* trailing words joined by spaces */
	int help;			/* -h */
	int tcp;			/* -P tcp */
	int balance;			/* -l: each datagram to one destination in turn */
	int biflow;			/* -b: RFC 5103 biflows (IPFIX only) */
	int time_mode;			/* -A, enum time_mode (v9, IPFIX) */
	int mpls;			/* -x: MPLS label stack entries keyed and
					 * exported, 0 to 10 */
	uint64_t datagram_max;		/* --max-datagram: payload bytes (v9, IPFIX) */
	uint64_t domain;		/* --domain: observation domain / source id */
	uint64_t pace;			/* --pace: UDP datagrams a second, 0: unpaced */
	const char *control_path;	/* -c: NULL = CONTROL_DEFAULT_PATH live,
					 * "none": no control socket */
	const char *pidfile;		/* -p: NULL = none in the foreground,
					 * DAEMON_DEFAULT_PIDFILE as a daemon */
	const char *user;		/* --user: privilege drop to (NULL: nobody) */
	const char *chroot_dir;		/* --chroot: directory to chroot into */
	int no_privdrop;		/* --no-privdrop */
	int progress;			/* --progress 1, --no-progress -1, else 0:
					 * on when standard error is a terminal */
};

/* Parse argv.  Returns 0, or -1 with a one-line message in err. */
int options_parse(int argc, char **argv, struct probe_options *o, char *err, size_t errlen);
void options_free(struct probe_options *o);
void options_usage(FILE *out);

#endif
