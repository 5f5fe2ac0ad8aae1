/*
 * main.c - flowcollect: datagram -> decoder -> flow record -> sink.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include "collect.h"
#include "sink.h"
#include "source.h"
#include "topn.h"

static volatile sig_atomic_t stop_requested, report_requested;

static void on_signal(int sig)
{
	if (sig == SIGUSR1)
		report_requested = 1;
	else
		stop_requested = 1;
}

static void usage(FILE *out)
{
	fputs(
"NAME\n"
"    flowcollect - receive NetFlow v1/v5/v9 and IPFIX, and print or store the flows\n"
"\n"
"SYNOPSIS\n"
"    flowcollect -p PORT [-b ADDRESS] [-P udp|tcp] [-o FORMAT[:PATH]]...\n"
"    flowcollect -r FILE [-o FORMAT[:PATH]]...\n"
"    flowcollect -r FILE|-p PORT [-s ELEM[/ORDER]]... [--stats] [-n N] [-o FORMAT]\n"
"\n"
"DESCRIPTION\n"
"    Decodes export datagrams, either arriving on a UDP port or read from a\n"
"    capture file (every UDP payload in it, whatever the port), and writes\n"
"    one row per flow to standard output.  A loss report goes to standard\n"
"    error at the end, and whenever SIGUSR1 arrives: per exporter, the\n"
"    datagrams and records received, the records missing by sequence number\n"
"    (and their share of those expected), datagrams that came late or twice,\n"
"    sequence restarts, bad datagrams by kind, and for v9/IPFIX templates,\n"
"    options records and held sets; listening on UDP, the datagrams the\n"
"    kernel dropped from the collector's full receive queue.\n"
"\n"
"    v9/IPFIX templates belong to an exporter's address, UDP port and\n"
"    observation domain (source id).  Data that comes before its template\n"
"    is held (up to 1024 sets, 4 MiB, 10 minutes) and decoded when the\n"
"    template arrives; a set still without its template is counted as one\n"
"    for an unknown template.  A sampling rate announced in an options\n"
"    record multiplies the packets and octets of that exporter's flows.\n"
"    Times relative to uptime are made absolute from the v9 header, or\n"
"    from the IPFIX systemInitTimeMilliseconds the exporter announces.\n"
"\n"
"OPTIONS\n"
"    -p PORT      Listen on this UDP port, IPv4 and IPv6.  0 picks a free port;\n"
"                 the port is announced on standard error as\n"
"                 \"flowcollect: listening on UDP port N\".  Runs until SIGINT or\n"
"                 SIGTERM, then decodes what is already queued and exits.\n"
"    -b ADDRESS   Listen on this address only (with -p).\n"
"    -P udp|tcp   Transport to listen on (default udp).  tcp: IPFIX over TCP,\n"
"                 up to 256 exporters at once, each message framed by its\n"
"                 header's length; announced as \"listening on TCP port N\".\n"
"    -r FILE      Read export datagrams from a pcap/pcapng file (\"-\": stdin),\n"
"                 or flows from a file of -o flows (by name, not stdin).\n"
"    -o FORMAT[:PATH]\n"
"                 table (default): a readable line per flow and a summary\n"
"                 line; csv: nfdump 1.7.1's 48-column CSV, times in UTC;\n"
"                 flows: flowcollect's own binary flow file, the cheapest to\n"
"                 write, read back with -r FILE (to convert it, as nfdump\n"
"                 reads nfcapd's files).  To standard output, or to PATH.\n"
"                 May be given more than once.\n"
"    -s ELEM[/ORDER]\n"
"                 A top-N summary, as nfdump's -s: the flows, packets and bytes\n"
"                 of each value of ELEM, one of srcip, dstip, ip, srcport,\n"
"                 dstport, port or proto (ip and port count a flow under both\n"
"                 its ends, as nfdump does), ranked by ORDER: flows (default),\n"
"                 packets, bytes, pps, bps or bpp, or several (ip/flows/bytes).\n"
"                 Equal counts rank by the value, smallest first.  Up to 16.\n"
"                 The summaries print on standard output at the end, in place\n"
"                 of the flow rows: an -o without PATH picks their layout,\n"
"                 table (default: nfdump's text, exact numbers) or csv\n"
"                 (nfdump's -s with -o csv); -o FORMAT:PATH still writes flows.\n"
"    -n N         Rows in each summary (default 10; 0: every value).\n"
"    --stats      The usual summaries: -s srcip/bytes -s dstip/bytes\n"
"                 -s srcport/bytes -s dstport/bytes -s proto/bytes; in the\n"
"                 text layout the loss report follows them on standard\n"
"                 output, in place of standard error.\n"
"    -h, --help   Show this text.\n"
"\n"
"EXIT STATUS\n"
"    0 on success; 1 on a bad option, an unreadable or damaged file, or a\n"
"    socket error.  Malformed datagrams are counted, not fatal.\n",
	      out);
}

/* One -o: a format, and where it goes (NULL: standard output). */
struct output {
	const struct sink_ops *ops;
	const char *path;
	FILE *file;
};

static int parse_output(const char *arg, struct output *o, char *err, size_t errlen)
{
	const char *colon = strchr(arg, ':');
	size_t n = colon ? (size_t)(colon - arg) : strlen(arg);
	char name[16];

	memset(o, 0, sizeof(*o));
	if (n < sizeof(name)) {
		memcpy(name, arg, n);
		name[n] = '\0';
		o->ops = sink_find(name);
	}
	if (o->ops == NULL) {
		char names[128];
		sink_names(names, sizeof(names));
		snprintf(err, errlen, "invalid -o \"%s\": expected one of %s, "
			 "then :PATH to write to a file", arg, names);
		return -1;
	}
	if (colon && colon[1] == '\0') {
		snprintf(err, errlen, "invalid -o \"%s\": the path after \":\" is empty", arg);
		return -1;
	}
	o->path = colon && strcmp(colon + 1, "-") != 0 ? colon + 1 : NULL;
	return 0;
}

/* Open every output file before anything is read, so a wrong path costs
 * nothing; stdout is checked to not be a terminal for binary flows. */
static int open_outputs(struct output *o, size_t n, char *err, size_t errlen)
{
	for (size_t i = 0; i < n; i++) {
		const char *name = o[i].ops->name;
		if (o[i].path == NULL && (o[i].ops->flags & SINK_OWN_FILE)) {
			snprintf(err, errlen, "-o %s writes a file: give its path (-o %s:PATH)", name, name);
			return -1;
		}
		if (o[i].path == NULL) {
			if ((o[i].ops->flags & SINK_BINARY) && isatty(STDOUT_FILENO)) {
				snprintf(err, errlen, "-o %s writes binary records: give a file "
					 "(-o %s:PATH) or redirect standard output", name, name);
				return -1;
			}
			o[i].file = stdout;
			continue;
		}
		for (size_t j = 0; j < i; j++)
			if (o[j].path && strcmp(o[j].path, o[i].path) == 0) {
				snprintf(err, errlen, "-o: \"%s\" is given twice", o[i].path);
				return -1;
			}
		if (o[i].ops->flags & SINK_OWN_FILE)
			continue;
		o[i].file = fopen(o[i].path, "wb");
		if (o[i].file == NULL) {
			snprintf(err, errlen, "cannot write \"%s\": %s", o[i].path, strerror(errno));
			return -1;
		}
		setvbuf(o[i].file, NULL, _IOFBF, 1 << 16);
	}
	return 0;
}

/* Close the files, and say if any write failed (a full disk, say):
 * standard output is checked as well. */
static int close_outputs(struct output *o, size_t n, char *err, size_t errlen)
{
	int rc = 0;
	for (size_t i = 0; i < n; i++) {
		FILE *f = o[i].file;
		if (f == NULL || f == stdout)
			continue;	/* a database closes itself, in its sink's end */
		if ((ferror(f) | fclose(f)) != 0 && rc == 0) {
			snprintf(err, errlen, "cannot write \"%s\": %s", o[i].path, strerror(errno));
			rc = -1;
		}
		o[i].file = NULL;
	}
	if (fflush(stdout) != 0 || ferror(stdout)) {
		if (rc == 0)
			snprintf(err, errlen, "cannot write standard output: %s", strerror(errno));
		rc = -1;
	}
	return rc;
}

/* One -s (arg), or --stats's five (arg NULL), into *sp (set on the first:
 * static, so that an early exit has nothing to free). */
static int add_stats(struct topn **sp, const char *arg, char *err, size_t errlen)
{
	static struct topn summaries;
	static const enum topn_elem usual[] = { TOPN_SRCIP, TOPN_DSTIP, TOPN_SRCPORT,
						 TOPN_DSTPORT, TOPN_PROTO };
	enum topn_elem elem;
	unsigned orders;

	if (*sp == NULL) {
		*sp = &summaries;
		topn_init(*sp, TOPN_MAX_KEYS);
	}
	if (arg && topn_parse(arg, &elem, &orders, err, errlen) != 0)
		return -1;
	for (size_t i = 0; i < (arg ? 1 : sizeof(usual) / sizeof(usual[0])); i++)
		if (topn_request(*sp, arg ? elem : usual[i], arg ? orders : 1u << ORDER_BYTES) != 0) {
			snprintf(err, errlen, "too many summaries: at most %d, --stats counting five",
				 TOPN_MAX);
			return -1;
		}
	return 0;
}

/*
 * The summaries take standard output: an -o without a PATH names their
 * layout (table: text, csv: CSV) and writes no flow rows, as with nfdump's
 * -s; it is taken out of the outputs.  At most one, and not a binary one.
 */
static int stats_output(struct topn *st, struct output *o, size_t *n, char *err, size_t errlen)
{
	size_t kept = 0, named = 0;
	for (size_t i = 0; i < *n; i++) {
		if (o[i].path != NULL) {
			o[kept++] = o[i];
			continue;
		}
		if (named++) {
			snprintf(err, errlen, "with -s or --stats, standard output carries the "
				 "summaries: give at most one -o without a PATH (table or csv)");
			return -1;
		}
		if (o[i].ops != &sink_table && o[i].ops != &sink_csv) {
			snprintf(err, errlen, "with -s or --stats, standard output carries the "
				 "summaries: -o %s needs a PATH (-o %s:PATH)", o[i].ops->name,
				 o[i].ops->name);
			return -1;
		}
		st->csv = o[i].ops == &sink_csv;
	}
	*n = kept;
	return 0;
}

static int fail(const char *msg)
{
	fprintf(stderr, "flowcollect: %s\n", msg);
	return 1;
}

int main(int argc, char **argv)
{
	const char *read_file = NULL, *bind_addr = NULL;
	struct output outputs[COLLECT_MAX_SINKS];
	size_t nformats = 0;
	long port = -1, topn = -1;
	int tcp = 0, stats_report = 0;
	struct topn *stats = NULL;
	char err[512];
	int c, status = 0;

	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "stats", no_argument, NULL, 'S' },
		{ NULL, 0, NULL, 0 },
	};
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":p:b:r:o:P:s:n:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'p': {
			char *end;
			errno = 0;
			port = strtol(optarg, &end, 10);
			if (*optarg == '\0' || *end != '\0' || errno || port < 0 || port > 65535) {
				snprintf(err, sizeof(err), "invalid -p \"%s\": expected a UDP port, 0 to 65535", optarg);
				return fail(err);
			}
			break;
		}
		case 'b': bind_addr = optarg; break;
		case 'P':
			if (strcasecmp(optarg, "udp") == 0) {
				tcp = 0;
			} else if (strcasecmp(optarg, "tcp") == 0) {
				tcp = 1;
			} else {
				snprintf(err, sizeof(err), "invalid -P \"%s\": expected udp or tcp", optarg);
				return fail(err);
			}
			break;
		case 'r': read_file = optarg; break;
		case 'o':
			if (nformats == COLLECT_MAX_SINKS)
				return fail("too many -o options");
			if (parse_output(optarg, &outputs[nformats], err, sizeof(err)) != 0)
				return fail(err);
			nformats++;
			break;
		case 's':
		case 'S':
			if (add_stats(&stats, c == 's' ? optarg : NULL, err, sizeof(err)) != 0)
				return fail(err);
			stats_report |= c == 'S';
			break;
		case 'n': {
			char *end;
			errno = 0;
			topn = strtol(optarg, &end, 10);
			if (*optarg == '\0' || *end != '\0' || errno || topn < 0 || topn > 1000000000) {
				snprintf(err, sizeof(err), "invalid -n \"%s\": expected a number of rows, "
					 "0 (all) to 1000000000", optarg);
				return fail(err);
			}
			break;
		}
		case 'h': usage(stdout); return 0;
		case ':':
			if (strncmp(argv[optind - 1], "--", 2) == 0)
				snprintf(err, sizeof(err), "option %s needs an argument", argv[optind - 1]);
			else
				snprintf(err, sizeof(err), "option -%c needs an argument", optopt);
			return fail(err);
		default:
			if (strncmp(argv[optind - 1], "--", 2) == 0)
				snprintf(err, sizeof(err), "invalid option %s (see flowcollect -h)", argv[optind - 1]);
			else
				snprintf(err, sizeof(err), "unknown option -%c (see flowcollect -h)", optopt);
			return fail(err);
		}
	}
	if (optind < argc) {
		snprintf(err, sizeof(err), "unexpected argument \"%s\" (see flowcollect -h)", argv[optind]);
		return fail(err);
	}
	if ((read_file == NULL) == (port < 0))
		return fail("give exactly one of -p PORT or -r FILE (see flowcollect -h)");
	if (topn >= 0 && stats == NULL)
		return fail("-n sets the rows of the -s or --stats summaries: give one of them");
	if (stats) {
		if (stats_output(stats, outputs, &nformats, err, sizeof(err)) != 0)
			return fail(err);
		if (topn >= 0)
			stats->topn = (size_t)topn;
		stats_report &= !stats->csv;
	}

	/* Rows go out in 64 KiB writes, not stdio's 4 KiB blocks: a third
	 * of the time of a CSV run into a file went to write(2).  A terminal
	 * keeps its line buffering. */
	static char stdout_buf[1 << 16];
	if (!isatty(STDOUT_FILENO))
		setvbuf(stdout, stdout_buf, _IOFBF, sizeof(stdout_buf));

	struct collector col;
	collector_init(&col);
	if (nformats == 0 && stats == NULL)
		parse_output("table", &outputs[nformats++], err, sizeof(err));
	if (open_outputs(outputs, nformats, err, sizeof(err)) != 0)
		return fail(err);
	for (size_t i = 0; i < nformats; i++)
		if (collector_add_sink(&col, outputs[i].ops, outputs[i].file, outputs[i].path) != 0)
			return fail("out of memory starting the outputs");
	if (stats && topn_attach(&col, stats, stdout) != 0)
		return fail("out of memory starting the summaries");

	if (read_file) {
		int flows = flowfile_is(read_file);
		if ((flows ? source_flows_run : source_pcap_run)(read_file, &col, err, sizeof(err)) != 0) {
			fprintf(stderr, "flowcollect: %s\n", err);
			status = 1;
		}
	} else {
		int fd;
		unsigned bound;
		struct sigaction sa;
		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = on_signal;
		sigaction(SIGINT, &sa, NULL);
		sigaction(SIGTERM, &sa, NULL);
		sigaction(SIGUSR1, &sa, NULL);
		if ((tcp ? source_tcp_open : source_udp_open)(bind_addr, (unsigned)port, &fd, &bound,
							     err, sizeof(err)) != 0)
			return fail(err);
		fprintf(stderr, "flowcollect: listening on %s port %u\n", tcp ? "TCP" : "UDP", bound);
		if ((tcp ? source_tcp_run : source_udp_run)(fd, &col, &stop_requested, &report_requested,
							    err, sizeof(err)) != 0) {
			fprintf(stderr, "flowcollect: %s\n", err);
			status = 1;
		}
		close(fd);
	}
	collector_end(&col);
	/* --stats: the loss report after the summaries, checked with them. */
	if (stats_report)
		collector_report(&col, stdout);
	if (close_outputs(outputs, nformats, err, sizeof(err)) != 0) {
		fprintf(stderr, "flowcollect: %s\n", err);
		status = 1;
	}
	if (!stats_report)
		collector_report(&col, stderr);
	collector_free(&col);
	return status;
}
