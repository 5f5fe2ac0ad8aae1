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
#include "clickhouse.h"
#include "collect.h"
#include "db_schema.h"
#include "optval.h"
#include "outputs.h"
#include "sink.h"
#include "topn.h"
#include "source.h"

/* Long options without a letter. */
enum { OPT_ROTATE_EVERY = 256, OPT_ROTATE_SIZE, OPT_PRINT_SCHEMA, OPT_CH_TABLE, OPT_CH_BATCH,
       OPT_CH_DELAY, OPT_CH_RETRIES, OPT_CH_MEMORY, OPT_CH_SPOOL, OPT_CH_CLUSTER,
       OPT_REUSEPORT, OPT_CH_PARALLEL };

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
"    flowcollect -p PORT [-b ADDRESS] [-P udp|tcp] [--reuseport[=N]] [-o FORMAT[:PATH]]...\n"
"    flowcollect -r FILE [-o FORMAT[:PATH]]...\n"
"    flowcollect -r FILE|-p PORT [-s ELEM[/ORDER]]... [--stats] [-n N] [-o FORMAT]\n"
"    flowcollect --print-schema clickhouse [--ch-table DATABASE.TABLE]\n"
"    flowcollect --print-schema clickhouse-distributed [--ch-table DATABASE.TABLE]\n"
"                [--ch-cluster NAME]\n"
"    flowcollect --print-schema sqlite\n"
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
"    --reuseport  Share the -p port with other flowcollect processes (of the\n"
"                 same user) started with --reuseport too (SO_REUSEPORT): the\n"
"                 kernel gives each datagram to one of them by a hash of its\n"
"                 source and destination address and port, so an exporter\n"
"                 (address and source port) stays with one process, its\n"
"                 templates and sequence numbers whole, while the group\n"
"                 stays the same.  A process joining or leaving moves most\n"
"                 exporters: data that then reaches a process before its\n"
"                 template is held until the template is sent again.  With\n"
"                 -P tcp each connection goes to one process.  Without it a\n"
"                 port that is taken is refused.\n"
"    --reuseport=N\n"
"                 The same, the group being N processes (2 to 256; give each\n"
"                 the same N): a datagram goes by its source address alone,\n"
"                 whatever its port, to the process that joined the group\n"
"                 K-th (from 0), K a hash of the address modulo N (a BPF\n"
"                 program on the socket).  One that leaves is replaced in\n"
"                 its slot by the last to have joined; while fewer than N\n"
"                 run, the addresses of the missing slots go by the\n"
"                 kernel's hash.\n"
"    -r FILE      Read export datagrams from a pcap/pcapng file (\"-\": stdin),\n"
"                 or flows from a file of -o flows (by name, not stdin).\n"
"    -o FORMAT[:PATH]\n"
"                 table (default): a readable line per flow and a summary\n"
"                 line; csv: nfdump 1.7.1's 48-column CSV, times in UTC;\n"
"                 json: JSON Lines, an object per flow keyed by IANA IPFIX\n"
"                 element names, times in ms since the epoch, keys of zero\n"
"                 optional fields left out (see flowcollect(1));\n"
"                 flows: flowcollect's own binary flow file, the cheapest to\n"
"                 write, read back with -r FILE (to convert it, as nfdump\n"
"                 reads nfcapd's files).  To standard output, or to PATH.\n"
"                 clickhouse:URL: rows POSTed in RowBinary batches to a\n"
"                 ClickHouse server's HTTP address (http://HOST:8123/; a\n"
"                 user and password as ?user=U&password=P), into the table\n"
"                 --print-schema clickhouse creates.  sqlite:PATH: a SQLite\n"
"                 database, a row per flow in table flows, the counters of\n"
"                 the loss report in table exporters, the GDP paper's Flow\n"
"                 view (see --print-schema sqlite); committed every 50000\n"
"                 rows, when the input pauses (at most once a second), and\n"
"                 at the end.  A\n"
"                 database of this schema is appended to; any other file is\n"
"                 refused.  May be given more than once.\n"
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
"    --rotate-every DURATION\n"
"                 Start new output files every DURATION (300, 90s, 5m, 1h,\n"
"                 1d), on boundaries that are multiples of it (UTC) on the\n"
"                 input's clock: a datagram's arrival (a capture's own\n"
"                 timestamps with -r), or a flow's export time reading a\n"
"                 flow file.  Each -o FORMAT:PATH is written as\n"
"                 NAME.YYYYmmdd-HHMMSS.EXT.part (the interval's start, UTC)\n"
"                 and renamed without .part once complete, at the next\n"
"                 boundary or at exit; standard output is not rotated.  A\n"
"                 part starts with its first datagram: a quiet interval\n"
"                 leaves no file.\n"
"    --rotate-size SIZE\n"
"                 Start new output files once one reaches SIZE bytes (k, M,\n"
"                 G: powers of 1024), checked before each datagram.  Parts\n"
"                 are then numbered within their start time:\n"
"                 NAME.YYYYmmdd-HHMMSS.NNNN.EXT.  Combines with\n"
"                 --rotate-every.\n"
"    --ch-table DATABASE.TABLE\n"
"                 The -o clickhouse table (default flows.flows).\n"
"    --ch-batch N Rows a POST to ClickHouse (default 50000, 1 to 1000000).\n"
"    --ch-delay MS\n"
"                 A row waits at most about MS milliseconds to be sent\n"
"                 (default 1000): a smaller batch goes when its first row\n"
"                 is that old, and at the end.\n"
"    --ch-retries N\n"
"                 At exit, batches the server has not taken are tried N\n"
"                 more times (default 3), 0.2 s, 0.4 s, ... apart; then\n"
"                 they stay in the spool for the next run, or are dropped.\n"
"                 During the run they are tried again, oldest first, on\n"
"                 later rows and pauses, 0.2 s to 5 s apart: receiving\n"
"                 never waits for the server (a POST times out after 30 s,\n"
"                 its connection after 1 s).\n"
"    --ch-parallel N\n"
"                 POSTs to ClickHouse in flight at once (default 2, 0 to 4),\n"
"                 each from its own thread and connection, while the\n"
"                 collector goes on decoding; 0: each POST waits.\n"
"    --ch-memory SIZE\n"
"                 Batches waiting for the server, kept in memory up to\n"
"                 SIZE bytes (k, M, G: powers of 1024; default 64M; 0: none);\n"
"                 then written to --ch-spool, or without one dropped,\n"
"                 counted and said.\n"
"    --ch-spool PATH\n"
"                 A file for the batches memory cannot hold: each with its\n"
"                 length and CRC-32, sent oldest first when the server is\n"
"                 back, the file removed once empty.  A spool left by an\n"
"                 earlier run is sent first; a torn last batch is cut off\n"
"                 and said.  A second -o clickhouse uses PATH.1, ...\n"
"                 A batch the server refuses for its data (HTTP 500 with a\n"
"                 parse or check error) is split in halves until its bad\n"
"                 rows stand alone: the good rows are stored, the bad ones\n"
"                 counted as rejected and the first 10 said with their\n"
"                 exporter, domain, sequence and position.  Counters of\n"
"                 each -o clickhouse (rows sent, confirmed, spooled,\n"
"                 replayed, rejected, dropped) follow the exporters'.\n"
"    --print-schema clickhouse\n"
"                 Print the CREATE DATABASE and CREATE TABLE statements of\n"
"                 the -o clickhouse table, and exit.\n"
"    --print-schema clickhouse-distributed\n"
"                 Print the CREATE TABLE of a Distributed table TABLE_all\n"
"                 over the --ch-table table on every shard of a cluster,\n"
"                 sharded by each record's identity, and exit.\n"
"    --ch-cluster NAME\n"
"                 The cluster (<remote_servers> entry) of the Distributed\n"
"                 table (default flows).\n"
"    --print-schema sqlite\n"
"                 Print the SQL that makes -o sqlite's tables, indexes and\n"
"                 view, each column explained, and exit.\n"
"    -h, --help   Show this text.\n"
"\n"
"EXIT STATUS\n"
"    0 on success, SIGINT and SIGTERM included; 1 on a bad option, an\n"
"    unreadable or damaged file, a socket error, or rows a server did not\n"
"    confirm (rejected, dropped or left in the spool) or a database did not\n"
"    take (what was committed stays).  Malformed datagrams are counted, not\n"
"    fatal.\n",
	      out);
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

static int fail(const char *msg)
{
	fprintf(stderr, "flowcollect: %s\n", msg);
	return 1;
}

int main(int argc, char **argv)
{
	const char *read_file = NULL, *bind_addr = NULL, *cluster = "flows";
	static struct outputs outputs;
	long port = -1, topn = -1;
	int tcp = 0, stats_report = 0;
	struct topn *stats = NULL;
	char err[512];
	int c, status = 0;
	enum { PRINT_NONE, PRINT_CLICKHOUSE, PRINT_DISTRIBUTED, PRINT_SQLITE } print_schema = PRINT_NONE;
	unsigned reuseport = 0;

	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "stats", no_argument, NULL, 'S' },
		{ "rotate-every", required_argument, NULL, OPT_ROTATE_EVERY },
		{ "rotate-size", required_argument, NULL, OPT_ROTATE_SIZE },
		{ "print-schema", required_argument, NULL, OPT_PRINT_SCHEMA },
		{ "ch-table", required_argument, NULL, OPT_CH_TABLE },
		{ "ch-batch", required_argument, NULL, OPT_CH_BATCH },
		{ "ch-delay", required_argument, NULL, OPT_CH_DELAY },
		{ "ch-retries", required_argument, NULL, OPT_CH_RETRIES },
		{ "ch-cluster", required_argument, NULL, OPT_CH_CLUSTER },
		{ "reuseport", optional_argument, NULL, OPT_REUSEPORT },
		{ "ch-memory", required_argument, NULL, OPT_CH_MEMORY },
		{ "ch-spool", required_argument, NULL, OPT_CH_SPOOL },
		{ "ch-parallel", required_argument, NULL, OPT_CH_PARALLEL },
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
			if (outputs_parse(&outputs, optarg, err, sizeof(err)) != 0)
				return fail(err);
			break;
		case OPT_ROTATE_EVERY:
			if (outputs_rotate_every(&outputs, optarg, err, sizeof(err)) != 0)
				return fail(err);
			break;
		case OPT_ROTATE_SIZE:
			if (outputs_rotate_size(&outputs, optarg, err, sizeof(err)) != 0)
				return fail(err);
			break;
		case OPT_PRINT_SCHEMA:
			if (strcmp(optarg, "clickhouse") == 0) {
				print_schema = PRINT_CLICKHOUSE;
			} else if (strcmp(optarg, "clickhouse-distributed") == 0) {
				print_schema = PRINT_DISTRIBUTED;
			} else if (strcmp(optarg, "sqlite") == 0) {
				print_schema = PRINT_SQLITE;
			} else {
				snprintf(err, sizeof(err), "invalid --print-schema \"%s\": expected clickhouse, "
					 "clickhouse-distributed or sqlite", optarg);
				return fail(err);
			}
			break;
		case OPT_CH_CLUSTER:
			if (!ch_identifier(optarg, strlen(optarg))) {
				snprintf(err, sizeof(err), "invalid --ch-cluster \"%s\": expected letters, "
					 "digits and _ (up to 63)", optarg);
				return fail(err);
			}
			cluster = optarg;
			break;
		case OPT_CH_TABLE:
			if (ch_set_table(optarg, err, sizeof(err)) != 0)
				return fail(err);
			break;
		case OPT_CH_BATCH:
			if (optval_count("--ch-batch", optarg, 1, 1000000, &ch_options.batch,
					 err, sizeof(err)) != 0)
				return fail(err);
			break;
		case OPT_CH_DELAY:
			if (optval_count("--ch-delay", optarg, 1, 3600000, &ch_options.delay_ms,
					 err, sizeof(err)) != 0)
				return fail(err);
			break;
		case OPT_CH_RETRIES:
			if (optval_count("--ch-retries", optarg, 0, 10, &ch_options.retries,
					 err, sizeof(err)) != 0)
				return fail(err);
			break;
		case OPT_REUSEPORT:
			reuseport = 1;
			if (optarg && optval_count("--reuseport", optarg, 2, 256, &reuseport,
						   err, sizeof(err)) != 0)
				return fail(err);
			break;
		case OPT_CH_PARALLEL:
			if (optval_count("--ch-parallel", optarg, 0, CH_PARALLEL_MAX,
					 &ch_options.parallel, err, sizeof(err)) != 0)
				return fail(err);
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
		case OPT_CH_MEMORY:
			if (ch_set_memory(optarg, err, sizeof(err)) != 0)
				return fail(err);
			break;
		case OPT_CH_SPOOL:
			if (*optarg == '\0')
				return fail("invalid --ch-spool \"\": expected a file's path");
			ch_options.spool = optarg;
			break;
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
	if (print_schema) {	/* after --ch-table and --ch-cluster, wherever they came */
		if (print_schema == PRINT_DISTRIBUTED)
			ch_print_distributed(stdout, cluster);
		else if (print_schema == PRINT_CLICKHOUSE)
			ch_print_schema(stdout);
		else
			fputs(db_schema, stdout);
		return fflush(stdout) == 0 ? 0 : 1;
	}
	for (size_t i = 0; i < outputs.n; i++)
		if (outputs.o[i].ops == &sink_clickhouse && outputs.o[i].path &&
		    ch_check_url(outputs.o[i].path, err, sizeof(err)) != 0)
			return fail(err);
	if ((read_file == NULL) == (port < 0))
		return fail("give exactly one of -p PORT or -r FILE (see flowcollect -h)");
	if (reuseport && port < 0)
		return fail("--reuseport shares a listening port: it needs -p PORT");
	if (topn >= 0 && stats == NULL)
		return fail("-n sets the rows of the -s or --stats summaries: give one of them");
	if (stats) {
		const struct sink_ops *layout;
		if (outputs_give_stdout(&outputs, &layout, err, sizeof(err)) != 0)
			return fail(err);
		stats->csv = layout == &sink_csv;
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

	/* The port first: one that is taken is refused before any output
	 * (a table's header, a file) is made. */
	int fd = -1;
	unsigned bound = 0;
	if (!read_file && (tcp ? source_tcp_open : source_udp_open)(bind_addr, (unsigned)port,
								   reuseport, &fd, &bound,
								   err, sizeof(err)) != 0)
		return fail(err);

	struct collector col;
	collector_init(&col);
	if (outputs_start(&outputs, &col, err, sizeof(err)) != 0)
		return fail(err);
	if (stats && topn_attach(&col, stats, stdout) != 0)
		return fail("out of memory starting the summaries");

	if (read_file) {
		int flows = flowfile_is(read_file);
		if ((flows ? source_flows_run : source_pcap_run)(read_file, &col, err, sizeof(err)) != 0) {
			fprintf(stderr, "flowcollect: %s\n", err);
			status = 1;
		}
	} else {
		struct sigaction sa;
		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = on_signal;
		sigaction(SIGINT, &sa, NULL);
		sigaction(SIGTERM, &sa, NULL);
		sigaction(SIGUSR1, &sa, NULL);
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
	if (outputs_finish(&outputs, err, sizeof(err)) != 0) {
		fprintf(stderr, "flowcollect: %s\n", err);
		status = 1;
	}
	if (!stats_report)
		collector_report(&col, stderr);
	collector_free(&col);
	return status;
}
