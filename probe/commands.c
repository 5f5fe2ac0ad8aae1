/*
 * commands.c - what softflowd's control commands do to a running probe
 * (reference §5): each is a callback of struct control_ops, run by the
 * live loop between two wakes, so the flow table is never in the middle
 * of a packet.
 */
#include <time.h>
#include "commands.h"
#include "stats.h"
#include "../export/exporter.h"
#include "../export/transport.h"

static long expire_all(void *ctx)
{
	struct probe_commands *c = ctx;
	struct transport *tp = c->meter->ex->tp;
	size_t n = ft_count(c->meter->ft);
	uint64_t failed = transport_failures(tp);

	exporter_force_templates(c->meter->ex);
	meter_finish(c->meter, END_FORCED);
	/* softflowd answers -1 when sending failed: wait for the sends. */
	transport_sync(tp);
	return transport_failures(tp) != failed ? -1 : (long)n;
}

static long delete_all(void *ctx)
{
	struct probe_commands *c = ctx;
	return (long)meter_delete_all(c->meter);
}

static void send_template(void *ctx)
{
	struct probe_commands *c = ctx;
	exporter_force_templates(c->meter->ex);
}

static void dump_flows(void *ctx, FILE *out)
{
	struct probe_commands *c = ctx;
	meter_dump_flows(c->meter, out);
}

static void statistics(void *ctx, FILE *out)
{
	struct probe_commands *c = ctx;
	struct stats_capture cap;
	live_capture_stats(c->live, &cap);
	stats_print_capture(out, c->meter->st, c->meter->ex, ft_count(c->meter->ft), &cap);
}

static int64_t since(void *ctx)
{
	struct probe_commands *c = ctx;
	return c->started_s;
}

static void timeouts(void *ctx, FILE *out)
{
	struct probe_commands *c = ctx;
	timeouts_print(out, c->to);
}

static void stop(void *ctx, int graceful)
{
	struct probe_commands *c = ctx;
	live_stop(c->live, graceful);
}

static void gather(void *ctx, int on)
{
	struct probe_commands *c = ctx;
	live_pause_gather(c->live, !on);
}

static void debug(void *ctx, int delta)
{
	struct probe_commands *c = ctx;
	c->meter->dump = delta > 0 ? c->debug_out : NULL;
}

const struct control_ops probe_command_ops = {
	.expire_all = expire_all,
	.delete_all = delete_all,
	.send_template = send_template,
	.dump_flows = dump_flows,
	.statistics = statistics,
	.since = since,
	.timeouts = timeouts,
	.stop = stop,
	.gather = gather,
	.debug = debug,
};

void commands_on_control(void *ctx, int fd, short revents)
{
	struct probe_commands *c = ctx;
	(void)fd;
	(void)revents;
	if (control_handle(c->ctl, &probe_command_ops, c) == CONTROL_ERROR) {
		/* Out of descriptors: the client stays queued; a moment's
		 * pause keeps the loop from spinning on it. */
		struct timespec ts = { 0, 10 * 1000 * 1000 };
		nanosleep(&ts, NULL);
	}
}
