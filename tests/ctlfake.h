/*
 * ctlfake.h - control_ops with fixed answers, for tests/unit/test_control.c
 * and tests/ctlserver.c: every reply they produce is known in advance, and
 * every call is counted.  Header-only (static), included once per program.
 */
#ifndef FP_CTLFAKE_H
#define FP_CTLFAKE_H

#include <stdio.h>
#include <string.h>
#include "../probe/control.h"
#include "../probe/flowdump.h"
#include "../probe/stats.h"
#include "../probe/timeouts.h"
#include "../export/exporter.h"
#include "../export/transport.h"

/* The "since" time: 2023-11-14T22:13:20 UTC. */
#define FAKE_SINCE 1700000000
/* The clock dump-flows measures due times from. */
#define FAKE_NOW 1700000100

struct fake {
	int expire_all, delete_all, send_template, dump_flows, statistics, since, timeouts;
	int stop, last_graceful, gather, last_gather, debug, last_debug;
	long expired;		/* what expire_all returns */
	long deleted;		/* what delete_all returns */
	struct timeouts to;
	struct probe_stats st;
	struct transport tp;
	struct exporter ex;
	FILE *log;		/* one line per call, when set */
};

static void fake_log(struct fake *f, const char *what, int arg)
{
	if (f->log) {
		fprintf(f->log, "%s %d\n", what, arg);
		fflush(f->log);
	}
}

static long fake_expire_all(void *ctx)
{
	struct fake *f = ctx;
	f->expire_all++;
	fake_log(f, "expire_all", 0);
	return f->expired;
}

static long fake_delete_all(void *ctx)
{
	struct fake *f = ctx;
	f->delete_all++;
	fake_log(f, "delete_all", 0);
	return f->deleted;
}

static void fake_send_template(void *ctx)
{
	struct fake *f = ctx;
	f->send_template++;
	fake_log(f, "send_template", 0);
}

/* Two flows: a TCP one due in 40 s, a UDP one forced out. */
static void fake_dump_flows(void *ctx, FILE *out)
{
	struct fake *f = ctx;
	struct flow_record r;

	f->dump_flows++;
	fake_log(f, "dump_flows", 0);
	memset(&r, 0, sizeof(r));
	r.af = 4;
	r.proto = 6;
	memcpy(r.src, "\x0a\x00\x00\x01", 4);
	memcpy(r.dst, "\x0a\x00\x00\x02", 4);
	r.sport = 40000;
	r.dport = 80;
	r.packets = 3;
	r.octets = 180;
	r.first_us = (int64_t)FAKE_SINCE * 1000000 + 250000;
	r.last_us = (int64_t)FAKE_SINCE * 1000000 + 1500000;
	r.tcp_flags = 0x02 | 0x10;
	flowdump_active(out, 1, &r, FAKE_NOW + 40, FAKE_NOW);
	r.proto = 17;
	r.sport = 5353;
	r.dport = 53;
	r.packets = 1;
	r.octets = 60;
	r.tcp_flags = 0;
	r.last_us = r.first_us;
	flowdump_active(out, 2, &r, 0, FAKE_NOW);
}

static void fake_statistics(void *ctx, FILE *out)
{
	struct fake *f = ctx;
	f->statistics++;
	fake_log(f, "statistics", 0);
	stats_print_capture(out, &f->st, &f->ex, 2, NULL);
}

static int64_t fake_since(void *ctx)
{
	struct fake *f = ctx;
	f->since++;
	return FAKE_SINCE;
}

static void fake_timeouts(void *ctx, FILE *out)
{
	struct fake *f = ctx;
	f->timeouts++;
	fake_log(f, "timeouts", 0);
	timeouts_print(out, &f->to);
}

static void fake_stop(void *ctx, int graceful)
{
	struct fake *f = ctx;
	f->stop++;
	f->last_graceful = graceful;
	fake_log(f, "stop", graceful);
}

static void fake_gather(void *ctx, int on)
{
	struct fake *f = ctx;
	f->gather++;
	f->last_gather = on;
	fake_log(f, "gather", on);
}

static void fake_debug(void *ctx, int delta)
{
	struct fake *f = ctx;
	f->debug++;
	f->last_debug = delta;
	fake_log(f, "debug", delta);
}

static const struct control_ops fake_ops = {
	.expire_all = fake_expire_all,
	.delete_all = fake_delete_all,
	.send_template = fake_send_template,
	.dump_flows = fake_dump_flows,
	.statistics = fake_statistics,
	.since = fake_since,
	.timeouts = fake_timeouts,
	.stop = fake_stop,
	.gather = fake_gather,
	.debug = fake_debug,
};

/* Counters with every line of the statistics block in use: 10 packets of
 * two flows expired (one TCP by FIN, one UDP idle), 2 still active. */
static void fake_init(struct fake *f)
{
	memset(f, 0, sizeof(*f));
	f->expired = 3;
	f->deleted = 2;
	timeouts_default(&f->to);
	f->to.udp = 90;		/* one that is not the default */
	struct probe_stats *st = &f->st;
	st->processed = 14;
	st->non_ip = 1;
	st->too_short = 1;
	st->fragments = 0;
	st->flows_created = 4;
	st->flows_expired = 2;
	st->expired_by_reason[END_OF_FLOW] = 1;
	st->expired_by_reason[END_IDLE] = 1;
	st->expired_by_rule[RULE_TCP_FIN] = 1;
	st->expired_by_rule[RULE_UDP] = 1;
	st->flow_octets = (struct stat_range){ 120, 1120, 1000 };
	st->flow_packets = (struct stat_range){ 2, 10, 8 };
	st->flow_seconds = (struct stat_range){ 0.5, 3.0, 2.5 };
	st->proto_packets[6] = 10;
	st->proto_octets[6] = 1300;
	st->proto_flows[6] = 1;
	st->proto_seconds[6] = 2.5;
	st->proto_max_seconds[6] = 2.5;
	st->proto_packets[17] = 2;
	st->proto_octets[17] = 120;
	st->proto_flows[17] = 1;
	st->proto_seconds[17] = 0.5;
	st->proto_max_seconds[17] = 0.5;
	st->table_bytes = 4096;
	transport_init(&f->tp);
	exporter_init(&f->ex, export_format_find(5), &f->tp);
	f->ex.records = 2;
	f->ex.datagrams = 1;
}

#endif
