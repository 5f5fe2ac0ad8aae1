/*
 * main.c - flowprobe: capture -> decode -> flow table -> exporter ->
 * transport.  Options, wiring and messages; the work is in the modules.
 */
#include <stdio.h>
#include <stdlib.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/random.h>
#include "capture.h"
#include "chunks.h"
#include "daemon.h"
#include "flowtable.h"
#include "log.h"
#include "live.h"
#include "commands.h"
#include "control.h"
#include "meter.h"
#include "options.h"
#include "packet.h"
#include "progress.h"
#include "reader.h"
#include "stats.h"
#include "../export/exporter.h"
#include "../export/transport.h"

#define ERRLEN 512

/* Reading a file: SIGTERM or SIGINT ends the reading where it is, and the
 * flows read so far are exported (softflowd dies and loses them).  Live
 * capture has its own handlers (live.c). */
static volatile sig_atomic_t file_stop_signal;

static void on_file_stop(int sig)
{
	file_stop_signal = sig;
}

/* The handlers, with the two signals blocked in this thread and so in
 * every helper thread started after: the thread that reads the file
 * unblocks them (reader.c), so a read waiting on a pipe is the one they
 * interrupt. */
static void catch_file_stop(void)
{
	struct sigaction sa;
	sigset_t set;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_file_stop;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
}

struct run {
	struct capture cap;
	struct meter meter;
	struct progress progress;
};

static void on_packet(void *ctx, enum packet_kind kind, const struct packet *pkt,
		      const struct mpls_stack *mpls)
{
	struct run *run = ctx;
	meter_packet(&run->meter, kind, pkt, mpls);
}

/* The progress line's figures: the reader's position, and the meter's
 * counters, read on the meter's own thread. */
static struct progress_snap progress_of(const struct run *run, const struct reader_pos *pos)
{
	struct progress_snap s = {
		.packets = pos->records,
		.active = ft_count(run->meter.ft),
		.exported = run->meter.ex->records,
		.datagrams = run->meter.ex->datagrams,
		.bytes = pos->bytes,
		.size = run->cap.size,
	};
	return s;
}

/* Between blocks of packets (reader.h's watch). */
static void on_block(void *ctx, const struct reader_pos *pos)
{
	struct run *run = ctx;
	if (progress_due(&run->progress)) {
		struct progress_snap s = progress_of(run, pos);
		progress_show(&run->progress, &s);
	}
}

/* Reading a file: a line rewritten in place when standard error is a
 * terminal, unless --no-progress; with --progress, whole lines when it is
 * not.  -D's flow lines go to standard error too, between updates: they
 * get whole lines (--progress) or none (auto), never a line rewritten
 * under them. */
static enum progress_style progress_style_of(const struct probe_options *o)
{
	int tty = isatty(STDERR_FILENO) && !o->debug;

	if (o->read_file == NULL || o->progress < 0)
		return PROGRESS_OFF;
	if (tty)
		return PROGRESS_TTY;
	return o->progress > 0 ? PROGRESS_LINES : PROGRESS_OFF;
}

/* The flow table's hash seed: from the kernel, or failing that from the
 * clock and the process id (it needs to be unguessable, not secret). */
static uint64_t random_seed(void)
{
	uint64_t seed;
	struct timespec ts;

	if (getrandom(&seed, sizeof(seed), GRND_NONBLOCK) == (ssize_t)sizeof(seed))
		return seed;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_nsec * 0x9e3779b97f4a7c15ULL ^ (uint64_t)ts.tv_sec ^ (uint64_t)getpid() << 32;
}

/* The exporter's identity (--domain: v5 engine type and id, v9 source id,
 * IPFIX observation domain) and, for v9/IPFIX, its templates and options
 * record.  Returns -1 with err set when the options do not fit. */
static int configure_exporter(struct exporter *ex, const struct probe_options *o, char *err,
			      size_t errlen)
{
	if (ex->fmt->version == 5) {
		/* v5 names its exporter by engine type and id, a byte each. */
		if (o->domain > 0xffff) {
			snprintf(err, errlen, "--domain %llu does not fit v5's engine type and id "
				 "(0 to 65535: type * 256 + id)", (unsigned long long)o->domain);
			return -1;
		}
		ex->engine_type = (uint8_t)(o->domain >> 8);
		ex->engine_id = (uint8_t)o->domain;
	}
	if (ex->fmt->templated) {
		struct template_options to;
		memset(&to, 0, sizeof(to));
		to.times = (enum time_mode)o->time_mode;
		to.vlan = o->level == TRACK_VLAN || o->level == TRACK_ETHER;
		to.ether = o->level == TRACK_ETHER;
		to.mpls = o->mpls;
		to.biflow = o->biflow;
		/* Reading a file: process id 0 and the file's name without its
		 * directory, so the same capture always gives the same bytes.
		 * Live: the first interface and our process id, as softflowd. */
		const char *name = o->read_file ? o->read_file : o->ifaces[0].name;
		const char *slash = o->read_file ? strrchr(name, '/') : NULL;
		exporter_set_templates(ex, &to, (size_t)o->datagram_max, (uint32_t)o->domain,
				       slash ? slash + 1 : name, o->read_file ? 0 : (uint32_t)getpid(),
				       o->sample >= 2 ? (uint32_t)o->sample : 0);
		if (o->datagram_max < exporter_min_datagram(ex)) {
			snprintf(err, errlen, "--max-datagram %llu is too small for these templates: "
				 "at least %zu bytes are needed", (unsigned long long)o->datagram_max,
				 exporter_min_datagram(ex));
			return -1;
		}
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct probe_options opt;
	struct transport tp;
	struct exporter *ex = NULL;
	struct ft *ft = NULL;
	struct probe_stats st;
	struct ft_config fcfg;
	struct run run;
	struct live live;
	char err[ERRLEN];
	int status = 1;
	struct pidfile pf = { .fd = -1, .dirfd = -1 };
	struct probe_commands cmds;
	const char *ctl_path = NULL;

	memset(&run, 0, sizeof(run));
	memset(&live, 0, sizeof(live));
	memset(&cmds, 0, sizeof(cmds));
	transport_init(&tp);
	if (options_parse(argc, argv, &opt, err, sizeof(err)) != 0) {
		fprintf(stderr, "flowprobe: %s\n", err);
		options_free(&opt);
		return 1;
	}
	if (opt.help) {
		options_usage(stdout);
		options_free(&opt);
		return 0;
	}

	err[0] = '\0';
	/* Daemon mode (probe/daemon.h): live capture without -d/-D.  The
	 * pidfile is checked before anything is opened, so a second instance
	 * stops here, visibly; in the foreground there is one only with -p. */
	int daemonize = !opt.foreground && opt.read_file == NULL;
	const char *pidpath = opt.pidfile ? opt.pidfile : daemonize ? DAEMON_DEFAULT_PIDFILE : NULL;
	if (opt.debug)
		log_set_level(LOG_DEBUG);
	if (pidpath && daemon_pidfile_check(&pf, pidpath, err, sizeof(err)) != 0)
		goto out;

	tp.tcp = opt.tcp;
	if ((opt.source && transport_set_source(&tp, opt.source, err, sizeof(err)) != 0) ||
	    (opt.dests && transport_parse_dests(&tp, opt.dests, err, sizeof(err)) != 0) ||
	    (opt.read_file && capture_open_file(&run.cap, opt.read_file, err, sizeof(err)) != 0) ||
	    (opt.read_file && opt.filter && capture_set_filter(&run.cap, opt.filter, err, sizeof(err)) != 0) ||
	    transport_open_udp(&tp, err, sizeof(err)) != 0 ||
	    /* after the sockets: the filter keeps their exports out */
	    (opt.nifaces && live_open(&live, &opt, &tp, err, sizeof(err)) != 0) ||
	    (opt.write_file && transport_open_pcap(&tp, opt.write_file, err, sizeof(err)) != 0))
		goto out;
	/* The control socket, live only: opened before the detach and the
	 * privilege drop, after the pidfile check (a refused second instance
	 * never touches the first one's socket). */
	if (opt.nifaces) {
		ctl_path = opt.control_path ? opt.control_path : CONTROL_DEFAULT_PATH;
		if (strcmp(ctl_path, "none") == 0)
			ctl_path = NULL;
		if (ctl_path && (cmds.ctl = control_open(ctl_path, 0, err, sizeof(err))) == NULL)
			goto out;
	}

	ex = malloc(sizeof(*ex));
	if (ex == NULL) {
		snprintf(err, sizeof(err), "out of memory");
		goto out;
	}
	exporter_init(ex, export_format_find(opt.version), &tp);
	if (configure_exporter(ex, &opt, err, sizeof(err)) != 0)
		goto out;

	memset(&fcfg, 0, sizeof(fcfg));
	fcfg.to = opt.to;
	fcfg.max_flows = opt.max_flows;
	fcfg.octet_limit = ex->fmt->octet_limit;
	fcfg.hash_seed = random_seed();
	ft = ft_create(&fcfg);
	if (ft == NULL) {
		snprintf(err, sizeof(err), "out of memory");
		goto out;
	}

	memset(&st, 0, sizeof(st));
	if (meter_init(&run.meter, ft, ex, &st) != 0) {
		snprintf(err, sizeof(err), "out of memory");
		goto out;
	}
	if (meter_set_level(&run.meter, opt.level) != 0 || meter_set_mpls(&run.meter, opt.mpls) != 0) {
		snprintf(err, sizeof(err), "out of memory");
		goto out;
	}
	if (opt.mpls > 0 && !ex->fmt->templated)
		fprintf(stderr, "flowprobe: warning: -x %d: NetFlow v%d records have no MPLS label "
			"fields; flows are still keyed on the labels\n", opt.mpls, ex->fmt->version);
	if (opt.balance && tp.ndest > 1)
		exporter_balance(ex, tp.ndest);
	if (opt.biflow && ex->fmt->version != 10)
		fprintf(stderr, "flowprobe: warning: -b makes biflows in IPFIX (-v 10) only; "
			"ignored with -v %d\n", ex->fmt->version);
	else if (opt.biflow && meter_set_biflow(&run.meter) != 0) {
		snprintf(err, sizeof(err), "out of memory");
		goto out;
	}

	/* Everything is open: detach, write the pidfile, drop privileges
	 * (a daemon unless --no-privdrop; in the foreground only when
	 * --user or --chroot asks), before any thread starts. */
	if (daemon_start(&pf, daemonize, !opt.no_privdrop && (daemonize || opt.user || opt.chroot_dir),
			 opt.user, opt.chroot_dir, err, sizeof(err)) != 0)
		goto out;
	if (opt.debug)
		run.meter.dump = stderr;
	if (opt.sample >= 2) {
		run.meter.sample = (uint32_t)opt.sample;
		/* v5 header: mode 1 (deterministic) and the interval, 14 bits */
		ex->sampling = (uint16_t)(0x4000 | (opt.sample & 0x3fff));
	}

	if (!opt.nifaces)
		catch_file_stop();
	/* Helper threads, none needed for correctness: one faults in memory
	 * ahead of the flow table, one sends the exports, and one reads and
	 * decodes the capture (reader_run). */
	chunks_helper_start();
	if (transport_start_sender(&tp, opt.pace) != 0 && tp.tcp) {
		snprintf(err, sizeof(err), "cannot start the sending thread for -P tcp");
		goto out;
	}
	status = 0;
	if (opt.nifaces) {
		cmds.live = &live;
		cmds.meter = &run.meter;
		cmds.to = &opt.to;
		cmds.debug_out = stderr;
		cmds.started_s = (int64_t)time(NULL);
		if (cmds.ctl && live_add_fd(&live, control_fd(cmds.ctl), POLLIN, commands_on_control, &cmds) != 0) {
			snprintf(err, sizeof(err), "cannot watch the control socket");
			goto out;
		}
		int how = live_run(&live, &run.meter, err, sizeof(err));
		if (how < 0) {
			fprintf(stderr, "flowprobe: %s; exporting every flow\n", err);
			status = 1;
		}
		err[0] = '\0';
		if (how == LIVE_STOP_NOW)
			goto out;
	} else {
		enum progress_style style = progress_style_of(&opt);
		struct reader_watch watch = { on_block, &run };
		run.cap.stop = &file_stop_signal;
		progress_start(&run.progress, style, stderr);
		int rc = reader_run_watched(&run.cap, 0, opt.mpls > 0, on_packet, &run,
					    style != PROGRESS_OFF ? &watch : NULL, err, sizeof(err));
		/* where the reading ended, then a clean line for what follows */
		struct reader_pos end = { run.cap.records, capture_offset(&run.cap) };
		struct progress_snap last = progress_of(&run, &end);
		progress_end(&run.progress, &last);
		if (rc != 0) {
			/* Keep what was read: export it all, then report the damage. */
			fprintf(stderr, "flowprobe: %s; exporting the flows read before it\n", err);
			status = 1;
		} else if (run.cap.stopped) {
			/* Not the whole file: exit 1, so a script knows. */
			fprintf(stderr, "flowprobe: stopped by %s after %llu packets of \"%s\"; "
				"exporting the flows read so far\n",
				file_stop_signal == SIGINT ? "SIGINT" : "SIGTERM",
				(unsigned long long)run.cap.records, opt.read_file);
			status = 1;
		}
	}
	err[0] = '\0';
	chunks_helper_stop();	/* the table grows no more: its spare blocks go back */
	meter_finish(&run.meter, END_FORCED);
	transport_sync(&tp);
	stats_print(stderr, &st, ex, ft_count(ft));
	live_print_stats(&live, stderr);
out:
	if (err[0])
		log_msg(LOG_ERR, "%s", err);
	if (transport_close(&tp, err, sizeof(err)) != 0) {
		fprintf(stderr, "flowprobe: %s\n", err);
		status = 1;
	}
	chunks_helper_stop();
	capture_close(&run.cap);
	live_close(&live);
	control_close(cmds.ctl);
	meter_free(&run.meter);
	ft_destroy(ft);
	free(ex);
	daemon_pidfile_remove(&pf);
	options_free(&opt);
	return status;
}
