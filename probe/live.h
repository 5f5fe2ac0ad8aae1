/*
 * live.h - live capture (-i): the poll loop, its clock, signals, and the
 * hooks a control socket plugs into.
 *
 * One thread polls every interface's capture descriptor, a self-pipe the
 * signal handlers write to, and any descriptor registered with
 * live_add_fd (a control socket and its clients), with a timeout that
 * ends at the next expiry scan (expint batching, as reading a file), at
 * most a second away.  Packets are decoded and metered as they arrive
 * (immediate mode, livecap.h).
 *
 * The clock.  Expiry runs on CLOCK_BOOTTIME, which never steps (NTP,
 * date) and goes on through a suspend, so a flow idle across a laptop's
 * sleep ends when it wakes.  The flow table's time is that clock plus a
 * base fixed at start (so it reads the wall clock's time then); packet
 * timestamps, which are wall-clock, are brought onto it by subtracting
 * the wall clock's steps since start (skew_us), and a meter adds skew_us
 * back to every time it exports: with no step, a record's times are its
 * packets' timestamps exactly; after a step, every time exported is on
 * the stepped (corrected) wall clock, flows already in the table
 * included.
 *
 * Stopping.  SIGTERM and SIGINT (in the foreground too) and
 * live_stop(l, 1) end the loop gracefully: the caller then exports every
 * flow (meter_finish).  live_stop(l, 0) ends it at once (the control
 * socket's "exit"): the caller exports nothing.  SIGHUP is logged and
 * ignored.
 */
#ifndef FP_LIVE_H
#define FP_LIVE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include "livecap.h"
#include "meter.h"
#include "options.h"
#include "../export/transport.h"

#define LIVE_MAX_FDS 32			/* live_add_fd's limit */
#define LIVE_WARN_INTERVAL_US 5000000	/* a warning that keeps growing: at most every 5 s */
#define LIVE_STEP_US 100000		/* a wall-clock change this large is a step */

/* The wall clock against the boot clock (µs).  Pure: tested alone. */
struct live_clock {
	int64_t base_us;	/* table time = boot clock + base_us */
	int64_t skew_us;	/* wall-clock steps since start: wall = table + skew */
};

void live_clock_init(struct live_clock *c, int64_t wall_us, int64_t boot_us);

/* Read both clocks' latest values: when the wall clock has stepped by
 * LIVE_STEP_US or more since the last step, skew follows; returns that
 * step (0: none). */
int64_t live_clock_update(struct live_clock *c, int64_t wall_us, int64_t boot_us);

/* The table's time now. */
static inline int64_t live_clock_now(const struct live_clock *c, int64_t boot_us)
{
	return boot_us + c->base_us;
}

/* A packet's wall-clock timestamp on the table's time, never more than a
 * second past now_us (a step not yet seen cannot push the clock ahead). */
int64_t live_clock_packet(const struct live_clock *c, int64_t wall_us, int64_t now_us);

/* The current CLOCK_REALTIME and CLOCK_BOOTTIME, µs. */
void live_clock_read(int64_t *wall_us, int64_t *boot_us);

/* Called when a registered descriptor is ready (revents as poll gave). */
typedef void (*live_fd_fn)(void *ctx, int fd, short revents);

/* Where live mode's messages go (default: standard error, "flowprobe: "
 * first); warning is 1 for a warning, 0 for information. */
typedef void (*live_log_fn)(void *ctx, int warning, const char *msg);

enum live_state {
	LIVE_RUNNING = 0,
	LIVE_STOP_GRACEFUL,	/* export every flow, then exit */
	LIVE_STOP_NOW,		/* exit without exporting */
};

struct live_watch {
	int fd;
	short events;
	live_fd_fn fn;
	void *ctx;
};

struct live {
	struct livecap cap[PROBE_MAX_IFACES];
	size_t ncap;
	struct meter *meter;		/* borrowed, set by live_run */
	struct transport *tp;		/* borrowed */
	int with_mpls;			/* -x: decode label stacks */
	struct live_watch watch[LIVE_MAX_FDS];
	size_t nwatch;
	int state;			/* enum live_state */
	int paused;			/* stop-gather: interfaces not read */
	struct live_clock clock;
	int64_t now_us;			/* the table's time at the last wake */
	int64_t warn_due_us;		/* no warning before this (table time) */
	uint64_t warned_failures;	/* export send failures at the last warning */
	live_log_fn log;
	void *log_ctx;
};

/*
 * Open every -i interface of o and set its filter (o's expression, with
 * the probe's own exports kept out: livecap_filter); tp's sockets must be
 * open.  Warnings from libpcap go to the log.  Returns 0 or -1 with err.
 */
int live_open(struct live *l, const struct probe_options *o, struct transport *tp,
	      char *err, size_t errlen);

/*
 * Meter packets into m until stopped.  Returns the enum live_state that
 * ended the loop (the meter's clock then stands at the time of the stop),
 * or -1 with err set when a capture failed (an interface removed): stop
 * as gracefully, and report.
 */
int live_run(struct live *l, struct meter *m, char *err, size_t errlen);

/* Watch fd for events (POLLIN...) and call fn when ready (after live_open,
 * before or during live_run; fn may add and remove descriptors, itself
 * included, and call live_stop and live_pause_gather): from the loop's
 * thread, after the packets of that wake are in the flow table.  Returns
 * 0, or -1 when LIVE_MAX_FDS are watched already. */
int live_add_fd(struct live *l, int fd, short events, live_fd_fn fn, void *ctx);
void live_remove_fd(struct live *l, int fd);

/* End the loop: graceful (1) exports every flow first, 0 exits at once. */
void live_stop(struct live *l, int graceful);

/* stop-gather (1) and start-gather (0): while paused the interfaces are
 * not read (the kernel keeps what fits in the buffer, then drops), flows
 * still expire and the registered descriptors are served. */
void live_pause_gather(struct live *l, int paused);

/* Per interface: packets received, dropped by the kernel, outgoing
 * frames skipped. */
void live_print_stats(struct live *l, FILE *out);

/* libpcap's counters summed over every interface (statistics). */
void live_capture_stats(struct live *l, struct stats_capture *cap);

void live_close(struct live *l);

#endif
