/* options.c - flowprobe's command line. */
#include <errno.h>
#include <getopt.h>
#include <strings.h>
#include <stdlib.h>
#include <string.h>
#include "options.h"
#include "meter.h"
#include "../export/exporter.h"
#include "../export/template.h"

#define DEFAULT_MAX_FLOWS 8192

void options_usage(FILE *out)
{
	fputs(
"NAME\n"
"    flowprobe - meter packets into flows and export them as NetFlow\n"
"\n"
"SYNOPSIS\n"
"    flowprobe -r FILE [-n HOST:PORT[,HOST:PORT...]] [-w FILE] [-v 1|5|9|10] [-e ADDR]\n"
"              [-A sec|milli|micro|nano|uptime] [-t NAME=TIME]... [-m MAXFLOWS]\n"
"              [-T LEVEL] [-x N] [-s N] [-6] [-d] [-D] [--max-datagram BYTES]\n"
"              [--domain N] [--pace N] [-b] [-l] [-P udp|tcp] [-p PIDFILE]\n"
"              [--user NAME] [--chroot DIR] [--no-privdrop]\n"
"              [--progress | --no-progress] [bpf expression]\n"
"    flowprobe -i [IDX:]IFACE [-i ...] [-C SNAPLEN] [-B BYTES] [-N] [same options]\n"
"\n"
"DESCRIPTION\n"
"    Reads packets, aggregates them into one-way flows keyed by the 7-tuple\n"
"    (source and destination address and port, IP protocol, ToS byte, input\n"
"    interface) and exports each flow when it expires.  The options are\n"
"    softflowd's; see softflowd-compat.md for every difference.\n"
"\n"
"    Reading a file, time is the packets' own time: idle and active timeouts\n"
"    split flows as they would have on a live router, every flow left at the\n"
"    end of the file is exported, and the same file with the same options\n"
"    gives byte-identical exports.\n"
"\n"
"OPTIONS\n"
"    -r FILE      Read packets from a pcap or pcapng file (\"-\": standard input).\n"
"                 SIGTERM or SIGINT ends the reading there: the flows read so\n"
"                 far are exported, exit status 1.\n"
"    -i [IDX:]IFACE\n"
"                 Capture live from this interface (\"any\": all of them); may be\n"
"                 given up to 16 times.  Only arriving packets are metered, so\n"
"                 a router counts what it forwards once; the probe's own\n"
"                 exports are never metered.  The input interface exported is\n"
"                 IDX when given, else the interface's own index (on \"any\",\n"
"                 each packet's).  Flows expire on the boot clock, at multiples\n"
"                 of expint, whatever the wall clock does; their times are the\n"
"                 packets' own.  SIGTERM or SIGINT exports every flow and exits;\n"
"                 SIGHUP is ignored.  Needs root or CAP_NET_RAW.\n"
"    -C SNAPLEN   Bytes captured of each packet, live (default 256).\n"
"    -B BYTES     libpcap's capture buffer, live (default: libpcap's).\n"
"    -N           No promiscuous mode, live.\n"
"    -n DESTS     Export to these collectors, HOST:PORT or [IPV6]:PORT, comma\n"
"                 separated (at most 16).  A later -n replaces an earlier one.\n"
"    -w FILE      Also write every export datagram into a pcap file (\"-\":\n"
"                 standard output), framed as Ethernet/IP/UDP from\n"
"                 127.0.0.1:50000 (::1 for IPv6) to the first -n destination,\n"
"                 or to 127.0.0.1:2055 without -n.\n"
"    -v VERSION   Export format: 5 (NetFlow v5, the default), 1 (v1), 9 (NetFlow\n"
"                 v9, RFC 3954) or 10 (IPFIX, RFC 7011).  v1 and v5 carry IPv4\n"
"                 only, 32-bit counters and times relative to uptime; v9 and\n"
"                 IPFIX carry IPv4 and IPv6, 64-bit counters, the end reason,\n"
"                 and templates 1024 (IPv4), 1025 (ICMP), 2048 (IPv6), 2049\n"
"                 (ICMPv6) with options template 256, resent every 16\n"
"                 datagrams and every 60 s (of packet time, reading a file).\n"
"    -A TIMES     v9/IPFIX record times: milli (default: flowStart/End-\n"
"                 Milliseconds, read exactly by nfdump, nfacctd and tshark),\n"
"                 sec, micro or nano (absolute), or uptime (softflowd's default:\n"
"                 flowStart/EndSysUpTime from the init time the options\n"
"                 record announces).\n"
"    --max-datagram BYTES\n"
"                 Largest v9/IPFIX datagram payload, 512 to 65507 (default\n"
"                 1428, as softflowd); the -w file gets the same datagrams.\n"
"    -e ADDRESS   Send exports from this address (softflowd 1.1.1's -e), so\n"
"                 a collector keying exporters by address sees this one; the\n"
"                 -w file's frames come from it too.\n"
"    --domain N   IPFIX observation domain / v9 source id (default 0), so two\n"
"                 probes on one host stay apart in a collector; for v5, engine\n"
"                 type * 256 + engine id (0 to 65535).\n"
"    --pace N     Send at most N UDP datagrams a second, 0 for no limit.\n"
"                 Reading a file the default is 10000: a probe reading a file\n"
"                 exports far faster than a router, and an unpaced burst\n"
"                 overflows a collector's socket: nfcapd with its default\n"
"                 buffer lost 0.2-0.5% of a 2-million-packet run unpaced, and\n"
"                 up to 3% of its v5 at 20000 a second; at 10000 it lost\n"
"                 nothing (bench/pace.sh).  The -w file is never paced.\n"
"    -t NAME=TIME Set a timeout.  TIME is seconds, or digits with units s, m,\n"
"                 h, d, w, summed (90, 5m, 1h30m).  Names and defaults:\n"
"                   tcp=3600      TCP flows without FIN both ways or RST\n"
"                   tcp.rst=120   TCP after a RST in either direction\n"
"                   tcp.fin=300   TCP after FIN in both directions\n"
"                   udp=300       UDP\n"
"                   icmp=300      ICMP and ICMPv6\n"
"                   general=3600  every other protocol (must be > 0)\n"
"                   maxlife=604800  active timeout: the longest a flow lives\n"
"                   expint=60     expiry runs on multiples of this, batching\n"
"                 A zero disables a rule; the flow falls to the next one.\n"
"    -m MAXFLOWS  One-way flows held at once (default 8192; a conversation is\n"
"                 two).  When full, the flow due soonest is exported early\n"
"                 with end reason lackOfResources.\n"
"    -T LEVEL     What a flow is keyed on (softflowd's levels):\n"
"                   full   the 7-tuple (default); port is the same\n"
"                   proto  addresses, protocol, ToS, interface (no ports)\n"
"                   ip     addresses, ToS, interface\n"
"                   vlan   full, plus the outer VLAN id\n"
"                   ether  vlan, plus the source and destination MAC\n"
"    -x N         MPLS: key each flow on the first N label stack entries of its\n"
"                 packets (0 to 10; 0, the default, keys none), top first, each\n"
"                 as label, EXP and bottom of stack (not the TTL), and export\n"
"                 them in v9/IPFIX as mplsTopLabelStackSection and\n"
"                 mplsLabelStackSection2..N (IEs 70 to 69+N, 3 bytes each;\n"
"                 zeros below a shorter stack).  v1 and v5 have no field for\n"
"                 them: the flows are split all the same, with a warning.\n"
"    -s N         Sample: meter 1 packet in N (the first, then every Nth;\n"
"                 counters are not scaled).  N is announced in the v5 header\n"
"                 and in the v9/IPFIX options record.\n"
"    -P udp|tcp   Export transport (default udp).  tcp: IPFIX (-v 10) over TCP\n"
"                 (RFC 7011 §10.4), one connection per -n destination, made\n"
"                 by the sending thread and made again whenever it breaks (at\n"
"                 once, then every second while refused); a new connection\n"
"                 gets the templates first, and messages that could not be\n"
"                 written are counted as send failures.  Never paced.\n"
"    -l           Load balance: each datagram goes to one -n destination in\n"
"                 turn instead of to all.  Sequence numbers and templates run\n"
"                 per destination, so no collector sees a false gap or data\n"
"                 without its templates.\n"
"    -b           With -v 10: one IPFIX record per conversation (RFC 5103\n"
"                 biflow), the forward direction being the one seen first and\n"
"                 the reverse packets, octets, ToS and flags under enterprise\n"
"                 29305.  A direction that ends first waits for its reverse.\n"
"                 Ignored, with a warning, for other versions (softflowd\n"
"                 ignores it silently).\n"
"    -6           No effect: IPv6 is always metered; a format that cannot\n"
"                 carry it (v1, v5) counts its flows in the statistics.\n"
"    -d           Stay in the foreground (always so when reading a file).\n"
"    -D           Debug: -d, and every flow, as it expires, printed to standard\n"
"                 error as one line: \"EXPIRED: [SRC]:SPORT > [DST]:DPORT\n"
"                 proto:P tos:0xTT if:N octets:N packets:N start:TIME finish:TIME\n"
"                 tcp:FLAGS flowlabel:HEX vlan:V end:REASON\" (times UTC, to the µs),\n"
"                 then \"mac:SRC>DST\" at -T ether and \"mpls:LABEL-EXP-BOS,...\"\n"
"                 for a flow keyed on labels (-x).\n"
"    --progress   Reading a file, show how far it has got on standard error.\n"
"                 On a terminal that is the default, -D aside: one line,\n"
"                 rewritten in place at most 4 times a second and wiped\n"
"                 before the statistics.  Elsewhere (--progress into a log),\n"
"                 or with -D, whose flow lines would break a rewritten line,\n"
"                 whole lines: one a second and one where the reading ended,\n"
"                 \"flowprobe: 45.2% read, 1m05s left, 1234567 packets at\n"
"                 812345/s, 8192 flows active, 45678 exported, 1523\n"
"                 datagrams\".  From standard input or a pipe the size is not\n"
"                 known: no percentage and no time left.  No effect live.\n"
"    --no-progress\n"
"                 No progress line, even on a terminal.\n"
"    -c PATH      The control socket of live capture (default\n"
"                 /run/flowprobe.ctl; \"none\": no socket), mode 0600, for\n"
"                 flowctl or softflowctl: help, statistics, dump-flows,\n"
"                 timeouts, expire-all, delete-all, send-template,\n"
"                 stop-gather, start-gather, debug+, debug-, shutdown, exit.\n"
"                 A file run opens none.\n"
"    -p PIDFILE   Write the process id here, and refuse to start while it\n"
"                 names a live process (\"already running under pid N\").  The\n"
"                 file is locked for the process's lifetime and removed at\n"
"                 exit.  A daemon uses /run/flowprobe.pid without -p; in the\n"
"                 foreground (-d, -D, a file run) there is one only with -p.\n"
"    --user NAME  The user a daemon runs as once the capture and sockets are\n"
"                 open (default nobody; its uid, its gid alone).\n"
"    --chroot DIR The empty directory a daemon changes root into first\n"
"                 (default /run/flowprobe/empty, made when missing); owned by\n"
"                 root and writable by no one else.  Given in the foreground,\n"
"                 --user or --chroot drops privileges there too.  Not root:\n"
"                 privileges are kept, with a warning.\n"
"    --no-privdrop\n"
"                 Keep running as root, outside any chroot.\n"
"    -h, --help   Show this text.\n"
"    bpf expression\n"
"                 Trailing words form a pcap filter, as in tcpdump.\n"
"\n"
"    Accepted for softflowd compatibility with no effect: -a (a file's\n"
"    flow times always follow packet time), -M.\n"
"\n"
"OUTPUT\n"
"    Reading a file into a terminal, a progress line (see --progress) shows\n"
"    on standard error until the file is read.\n"
"    Statistics go to standard error when the file is done, or when live\n"
"    capture ends, then with a line per interface (packets received, dropped\n"
"    by the kernel).  Live, kernel drops and exports that could not be sent\n"
"    are warned about on standard error as they grow, at most every 5 s.\n"
"    Exit status is 0 on success and 1 on any error, including a capture\n"
"    file damaged part way: then every flow read before the damage is still\n"
"    exported.\n",
	      out);
}

static int parse_count(const char *s, uint64_t *out)
{
	char *end;
	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (*end != '\0' || errno != 0)
		return -1;
	*out = v;
	return 0;
}

static int parse_level(const char *s, int *level)
{
	static const struct { const char *name; int level; } levels[] = {
		{ "full", TRACK_FULL }, { "port", TRACK_FULL }, { "proto", TRACK_PROTO },
		{ "ip", TRACK_IP }, { "vlan", TRACK_VLAN }, { "ether", TRACK_ETHER },
	};
	for (size_t i = 0; i < sizeof(levels) / sizeof(levels[0]); i++) {
		if (strcasecmp(s, levels[i].name) == 0) {
			*level = levels[i].level;
			return 0;
		}
	}
	return -1;
}

static char *join_words(int n, char **words)
{
	size_t len = 1;
	for (int i = 0; i < n; i++)
		len += strlen(words[i]) + 1;
	char *s = malloc(len);
	if (s == NULL)
		return NULL;
	s[0] = '\0';
	for (int i = 0; i < n; i++) {
		if (i)
			strcat(s, " ");
		strcat(s, words[i]);
	}
	return s;
}

/*
 * -i [idx:]IFACE.  As softflowd, digits before the first colon are the
 * interface index to export (an empty prefix: the device's own); unlike
 * softflowd, a name whose part before the colon is not a number is a
 * device name whole (an alias like eth0:1).
 */
static int parse_iface(const char *arg, struct probe_iface *f)
{
	const char *colon = strchr(arg, ':');
	uint64_t idx = 0;

	f->name = arg;
	f->index = 0;
	if (colon) {
		size_t n = (size_t)(colon - arg);
		char digits[16];
		if (n < sizeof(digits) && strspn(arg, "0123456789") == n) {
			memcpy(digits, arg, n);
			digits[n] = '\0';
			if (n > 0 && (parse_count(digits, &idx) != 0 || idx > UINT32_MAX))
				return -1;
			f->name = colon + 1;
			f->index = (uint32_t)idx;
		}
	}
	return f->name[0] == '\0' || strlen(f->name) >= 16 ? -1 : 0;
}

enum { OPT_MAX_DATAGRAM = 256, OPT_DOMAIN, OPT_PACE, OPT_USER, OPT_CHROOT, OPT_NO_PRIVDROP,
       OPT_PROGRESS, OPT_NO_PROGRESS };

static const struct option long_options[] = {
	{ "max-datagram", required_argument, NULL, OPT_MAX_DATAGRAM },
	{ "domain", required_argument, NULL, OPT_DOMAIN },
	{ "pace", required_argument, NULL, OPT_PACE },
	{ "user", required_argument, NULL, OPT_USER },
	{ "chroot", required_argument, NULL, OPT_CHROOT },
	{ "no-privdrop", no_argument, NULL, OPT_NO_PRIVDROP },
	{ "progress", no_argument, NULL, OPT_PROGRESS },
	{ "no-progress", no_argument, NULL, OPT_NO_PROGRESS },
	{ NULL, 0, NULL, 0 },
};

/* getopt_long's optopt for a long option is its value, not a letter. */
static const char *long_name(int val)
{
	for (const struct option *o = long_options; o->name; o++)
		if (o->val == val)
			return o->name;
	return "?";
}

static int parse_time_mode(const char *s, int *mode)
{
	static const struct { const char *name; int mode; } modes[] = {
		{ "sec", TIMES_SEC }, { "milli", TIMES_MILLI }, { "micro", TIMES_MICRO },
		{ "nano", TIMES_NANO }, { "uptime", TIMES_UPTIME },
	};
	for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
		if (strcasecmp(s, modes[i].name) == 0) {
			*mode = modes[i].mode;
			return 0;
		}
	}
	return -1;
}

int options_parse(int argc, char **argv, struct probe_options *o, char *err, size_t errlen)
{
	int c;

	memset(o, 0, sizeof(*o));
	o->version = 5;
	o->time_mode = TIMES_MILLI;
	o->datagram_max = EXPORT_DEFAULT_DATAGRAM;
	o->pace = DEFAULT_FILE_PACE;
	o->max_flows = DEFAULT_MAX_FLOWS;
	o->snaplen = DEFAULT_SNAPLEN;
	timeouts_default(&o->to);
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--help") == 0) {
			o->help = 1;
			return 0;
		}
		if (strcmp(argv[i], "--") == 0)
			break;
	}

	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":6hdDL:T:i:r:t:n:m:p:c:v:s:P:A:B:baC:lR:MNS:x:w:e:",
				long_options, NULL)) != -1) {
		switch (c) {
		case OPT_MAX_DATAGRAM:
			if (parse_count(optarg, &o->datagram_max) != 0 ||
			    o->datagram_max < EXPORT_MIN_DATAGRAM || o->datagram_max > 65507) {
				snprintf(err, errlen, "invalid --max-datagram \"%s\": expected bytes of UDP payload, %d to 65507",
					 optarg, EXPORT_MIN_DATAGRAM);
				return -1;
			}
			break;
		case OPT_DOMAIN:
			if (parse_count(optarg, &o->domain) != 0 || o->domain > UINT32_MAX) {
				snprintf(err, errlen, "invalid --domain \"%s\": expected a number, 0 to 4294967295", optarg);
				return -1;
			}
			break;
		case OPT_PACE:
			if (parse_count(optarg, &o->pace) != 0 || o->pace > 10000000) {
				snprintf(err, errlen, "invalid --pace \"%s\": expected datagrams a second, 0 (no pacing) to 10000000", optarg);
				return -1;
			}
			break;
		case 'A':
			if (parse_time_mode(optarg, &o->time_mode) != 0) {
				snprintf(err, errlen, "invalid -A \"%s\": expected sec, milli, micro, nano or uptime", optarg);
				return -1;
			}
			break;
		case 'h':
			o->help = 1;
			return 0;
		case 'r':
			if (o->read_file) {
				snprintf(err, errlen, "packet source already specified (-r given twice)");
				return -1;
			}
			if (o->nifaces) {
				snprintf(err, errlen, "packet source already specified (-i and -r)");
				return -1;
			}
			o->read_file = optarg;
			break;
		case 'n':
			o->dests = optarg;
			break;
		case 'w':
			o->write_file = optarg;
			break;
		case 'e':
			o->source = optarg;
			break;
		case 'v':
			if (!strcmp(optarg, "5") || !strcmp(optarg, "1") ||
			    !strcmp(optarg, "9") || !strcmp(optarg, "10")) {
				o->version = atoi(optarg);
			} else if (!strcasecmp(optarg, "psamp")) {
				snprintf(err, errlen, "export format -v psamp is not available in this version (use 1, 5, 9 or 10)");
				return -1;
			} else {
				snprintf(err, errlen, "invalid -v \"%s\": expected 1, 5, 9, 10 or psamp", optarg);
				return -1;
			}
			break;
		case 't':
			if (timeouts_set(&o->to, optarg, err, errlen) != 0)
				return -1;
			break;
		case 'm':
			if (parse_count(optarg, &o->max_flows) != 0 || o->max_flows == 0) {
				snprintf(err, errlen, "invalid -m \"%s\": expected a number of flows, at least 1", optarg);
				return -1;
			}
			break;
		case 'T':
			if (parse_level(optarg, &o->level) != 0) {
				snprintf(err, errlen, "invalid -T \"%s\": expected full, port, proto, ip, vlan or ether", optarg);
				return -1;
			}
			break;
		case 's':
			if (parse_count(optarg, &o->sample) != 0 || o->sample > UINT32_MAX) {
				snprintf(err, errlen, "invalid -s \"%s\": expected a sampling rate N (keep 1 packet in N)", optarg);
				return -1;
			}
			break;
		case '6':
			o->track_ipv6 = 1;
			break;
		case 'D':
			o->debug = 1;
			o->track_ipv6 = 1;
			/* fall through */
		case 'd':
			o->foreground = 1;
			break;
		case 'b':
			o->biflow = 1;
			break;
		case 'l':
			o->balance = 1;
			break;
		case 'P':
			if (strcasecmp(optarg, "udp") == 0) {
				o->tcp = 0;
			} else if (strcasecmp(optarg, "tcp") == 0) {
				o->tcp = 1;
			} else if (strcasecmp(optarg, "sctp") == 0) {
				snprintf(err, errlen, "export transport -P sctp is not available in this version (use udp or tcp)");
				return -1;
			} else {
				snprintf(err, errlen, "invalid -P \"%s\": expected udp or tcp", optarg);
				return -1;
			}
			break;
		case 'x': {
			uint64_t n;
			if (parse_count(optarg, &n) != 0 || n > MPLS_LABELS_MAX) {
				snprintf(err, errlen, "invalid -x \"%s\": expected a number of MPLS labels, 0 to %d",
					 optarg, MPLS_LABELS_MAX);
				return -1;
			}
			o->mpls = (int)n;
			break;
		}
		case 'a': case 'M':
			break;		/* no effect; see --help */
		case 'c':
			if (*optarg == '\0') {
				snprintf(err, errlen, "invalid -c \"\": expected the control socket's path, or none");
				return -1;
			}
			o->control_path = optarg;
			break;
		case 'p':
			if (*optarg == '\0') {
				snprintf(err, errlen, "invalid -p \"\": expected the pidfile's name");
				return -1;
			}
			o->pidfile = optarg;
			break;
		case OPT_USER:
			if (*optarg == '\0') {
				snprintf(err, errlen, "invalid --user \"\": expected a user name");
				return -1;
			}
			o->user = optarg;
			break;
		case OPT_CHROOT:
			if (*optarg != '/') {
				snprintf(err, errlen, "invalid --chroot \"%s\": expected an absolute directory", optarg);
				return -1;
			}
			o->chroot_dir = optarg;
			break;
		case OPT_NO_PRIVDROP:
			o->no_privdrop = 1;
			break;
		case OPT_PROGRESS:		/* the last of the two wins */
			o->progress = 1;
			break;
		case OPT_NO_PROGRESS:
			o->progress = -1;
			break;
		case 'i':
			if (o->read_file) {
				snprintf(err, errlen, "packet source already specified (-r and -i)");
				return -1;
			}
			if (o->nifaces == PROBE_MAX_IFACES) {
				snprintf(err, errlen, "too many -i: at most %d interfaces", PROBE_MAX_IFACES);
				return -1;
			}
			if (parse_iface(optarg, &o->ifaces[o->nifaces]) != 0) {
				snprintf(err, errlen, "invalid -i \"%s\": expected [INDEX:]INTERFACE", optarg);
				return -1;
			}
			o->nifaces++;
			break;
		case 'B':
			if (parse_count(optarg, &o->bufsize) != 0 || o->bufsize == 0 || o->bufsize > INT32_MAX) {
				snprintf(err, errlen, "invalid -B \"%s\": expected a capture buffer size in bytes, 1 to %d",
					 optarg, INT32_MAX);
				return -1;
			}
			break;
		case 'C':
			if (parse_count(optarg, &o->snaplen) != 0 || o->snaplen == 0 || o->snaplen > 262144) {
				snprintf(err, errlen, "invalid -C \"%s\": expected a snapshot length in bytes, 1 to 262144",
					 optarg);
				return -1;
			}
			break;
		case 'N':
			o->no_promisc = 1;
			break;
		case ':':
			if (optopt >= OPT_MAX_DATAGRAM)
				snprintf(err, errlen, "option --%s needs an argument", long_name(optopt));
			else
				snprintf(err, errlen, "option -%c needs an argument", optopt);
			return -1;
		case '?':
			/* a long option given an argument it does not take */
			if (optopt >= OPT_MAX_DATAGRAM)
				snprintf(err, errlen, "option --%s takes no argument", long_name(optopt));
			else if (optopt)
				snprintf(err, errlen, "unknown option -%c (see flowprobe -h)", optopt);
			else
				snprintf(err, errlen, "unknown option \"%s\" (see flowprobe -h)", argv[optind - 1]);
			return -1;
		default:
			snprintf(err, errlen, "option -%c is not available in this version", c);
			return -1;
		}
	}
	if (o->tcp && o->version != 10) {
		/* A stream needs each message's length in its header: IPFIX
		 * has it, NetFlow v1, v5 and v9 do not. */
		snprintf(err, errlen, "-P tcp carries IPFIX only: add -v 10");
		return -1;
	}
	if (o->read_file == NULL && o->nifaces == 0) {
		snprintf(err, errlen, "no packet source: give -r FILE or -i INTERFACE (see flowprobe -h)");
		return -1;
	}
	if (optind < argc) {
		o->filter = join_words(argc - optind, argv + optind);
		if (o->filter == NULL) {
			snprintf(err, errlen, "out of memory");
			return -1;
		}
	}
	return 0;
}

void options_free(struct probe_options *o)
{
	free(o->filter);
	o->filter = NULL;
}
