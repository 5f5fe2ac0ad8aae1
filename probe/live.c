/* live.c - the live capture loop (live.h). */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "capture.h"
#include "link.h"
#include "live.h"
#include "log.h"
#include "packet.h"

#define DISPATCH_MAX 4096	/* packets a pcap_dispatch, so timers and fds get their turn */
#define WAKE_MAX_US 1000000	/* the loop wakes at least this often */

/* ---- clock ---- */

void live_clock_init(struct live_clock *c, int64_t wall_us, int64_t boot_us)
{
	c->base_us = wall_us - boot_us;
	c->skew_us = 0;
}

int64_t live_clock_update(struct live_clock *c, int64_t wall_us, int64_t boot_us)
{
	/* The two are read one after the other: a few µs apart, never a
	 * step.  Below LIVE_STEP_US, skew does not move, so exported times
	 * stay exactly the packets' own. */
	int64_t d = wall_us - (boot_us + c->base_us + c->skew_us);
	if (d < LIVE_STEP_US && d > -LIVE_STEP_US)
		return 0;
	c->skew_us += d;
	return d;
}

int64_t live_clock_packet(const struct live_clock *c, int64_t wall_us, int64_t now_us)
{
	int64_t t = wall_us - c->skew_us;
	return t > now_us + 1000000 ? now_us + 1000000 : t;
}

static int64_t clock_us(clockid_t id)
{
	struct timespec ts;
	clock_gettime(id, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

void live_clock_read(int64_t *wall_us, int64_t *boot_us)
{
	*boot_us = clock_us(CLOCK_BOOTTIME);
	*wall_us = clock_us(CLOCK_REALTIME);
}

/* ---- messages ---- */

/* Standard error in the foreground, syslog as a daemon (log.h). */
static void log_default(void *ctx, int warning, const char *msg)
{
	(void)ctx;
	log_msg(warning ? LOG_WARNING : LOG_INFO, "%s", msg);
}

__attribute__((format(printf, 3, 4)))
static void say(struct live *l, int warning, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	(l->log ? l->log : log_default)(l->log_ctx, warning, msg);
}

/* ---- signals: a byte down a pipe, read by the loop ---- */

static int sig_pipe[2] = { -1, -1 };

static void on_signal(int sig)
{
	int saved = errno;
	char c = (char)sig;
	if (sig_pipe[1] >= 0 && write(sig_pipe[1], &c, 1) < 0) {
		/* full: a byte is waiting already */
	}
	errno = saved;
}

static int signals_install(char *err, size_t errlen)
{
	if (sig_pipe[0] < 0) {
		if (pipe(sig_pipe) != 0) {
			snprintf(err, errlen, "cannot make a pipe for signals: %s", strerror(errno));
			return -1;
		}
		for (int i = 0; i < 2; i++) {
			fcntl(sig_pipe[i], F_SETFL, O_NONBLOCK);
			fcntl(sig_pipe[i], F_SETFD, FD_CLOEXEC);
		}
	}
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	return 0;
}

static void signals_read(struct live *l)
{
	char buf[16];
	ssize_t n;
	while ((n = read(sig_pipe[0], buf, sizeof(buf))) > 0) {
		for (ssize_t i = 0; i < n; i++) {
			if (buf[i] == SIGHUP) {
				say(l, 0, "SIGHUP: ignored");
			} else if (l->state == LIVE_RUNNING) {
				say(l, 0, "%s: exporting every flow, then exiting",
				    buf[i] == SIGINT ? "SIGINT" : "SIGTERM");
				l->state = LIVE_STOP_GRACEFUL;
			}
		}
	}
}

/* ---- set-up ---- */

int live_open(struct live *l, const struct probe_options *o, struct transport *tp,
	      char *err, size_t errlen)
{
	struct livecap_config cfg = { (int)o->snaplen, (int)o->bufsize, !o->no_promisc };

	memset(l, 0, sizeof(*l));
	l->tp = tp;
	l->with_mpls = o->mpls > 0;
	for (int i = 0; i < o->nifaces; i++) {
		if (livecap_open(&l->cap[i], o->ifaces[i].name, o->ifaces[i].index, &cfg, err, errlen) != 0)
			return -1;
		l->ncap++;
		if (l->cap[i].warning[0])
			say(l, 1, "%s", l->cap[i].warning);
	}
	char *filter = livecap_filter(tp, o->filter, err, errlen);
	if (filter == NULL && err[0])
		return -1;
	for (size_t i = 0; filter && i < l->ncap; i++) {
		if (livecap_set_filter(&l->cap[i], filter, err, errlen) != 0) {
			/* a bad expression: name the user's, not ours around it */
			char uerr[512];
			if (o->filter && livecap_set_filter(&l->cap[i], o->filter, uerr, sizeof(uerr)) != 0)
				snprintf(err, errlen, "%s", uerr);
			free(filter);
			return -1;
		}
	}
	free(filter);
	return 0;
}

int live_add_fd(struct live *l, int fd, short events, live_fd_fn fn, void *ctx)
{
	if (l->nwatch == LIVE_MAX_FDS)
		return -1;
	l->watch[l->nwatch++] = (struct live_watch){ fd, events, fn, ctx };
	return 0;
}

void live_remove_fd(struct live *l, int fd)
{
	for (size_t i = 0; i < l->nwatch; i++) {
		if (l->watch[i].fd == fd) {
			memmove(&l->watch[i], &l->watch[i + 1], (l->nwatch - i - 1) * sizeof(l->watch[0]));
			l->nwatch--;
			return;
		}
	}
}

void live_stop(struct live *l, int graceful)
{
	if (l->state == LIVE_RUNNING || !graceful)
		l->state = graceful ? LIVE_STOP_GRACEFUL : LIVE_STOP_NOW;
}

void live_pause_gather(struct live *l, int paused)
{
	l->paused = paused != 0;
}

/* ---- the loop ---- */

struct frame_ctx {
	struct live *l;
	struct livecap *c;
};

static void on_frame(u_char *user, const struct pcap_pkthdr *h, const u_char *data)
{
	struct frame_ctx *fc = (struct frame_ctx *)user;
	struct live *l = fc->l;
	struct livecap *c = fc->c;
	struct packet pkt;
	struct mpls_stack ms;

	if (livecap_outgoing(c->dlt, data, h->caplen)) {
		c->outgoing++;
		return;
	}
	enum packet_kind kind = packet_decode_mpls(c->dlt, data, h->caplen, h->len, c->ifindex, &pkt,
						   l->with_mpls ? &ms : NULL);
	pkt.ts_us = live_clock_packet(&l->clock, capture_time_us(&h->ts, CAPTURE_TS_MICRO), l->now_us);
	pkt.payload = NULL;
	pkt.payload_len = 0;
	meter_packet(l->meter, kind, &pkt, l->with_mpls ? &ms : NULL);
}

/* Read the clocks: the table's time now, and a wall-clock step. */
static void tick(struct live *l)
{
	int64_t wall, boot;
	live_clock_read(&wall, &boot);
	int64_t step = live_clock_update(&l->clock, wall, boot);
	if (step)
		say(l, 0, "the wall clock stepped by %+.3f s: exported times follow it; "
		    "expiry runs on the boot clock", (double)step / 1e6);
	l->meter->wall_skew = l->clock.skew_us;
	l->now_us = live_clock_now(&l->clock, boot);
}

/* Kernel drops and refused sends, when they grew: looked at once a
 * second (not every wake: a busy link wakes the loop often), said at most
 * every LIVE_WARN_INTERVAL_US. */
static void warn_growth(struct live *l)
{
	if (l->now_us < l->warn_due_us)
		return;
	l->warn_due_us = l->now_us + 1000000;
	int warned = 0;
	for (size_t i = 0; i < l->ncap; i++) {
		struct livecap *c = &l->cap[i];
		uint64_t recv, drop, ifdrop;
		if (livecap_stats(c, &recv, &drop, &ifdrop) != 0 || drop <= c->warned_drops)
			continue;
		say(l, 1, "%s: %llu packets dropped by the kernel since the last report, %llu in all "
		    "(capture buffer full: a larger -B, a shorter -C or a filter helps)", c->name,
		    (unsigned long long)(drop - c->warned_drops), (unsigned long long)drop);
		c->warned_drops = drop;
		warned = 1;
	}
	uint64_t failures = l->tp ? transport_failures(l->tp) : 0;
	if (failures > l->warned_failures) {
		say(l, 1, "%llu export datagrams could not be sent since the last report, %llu in all "
		    "(collector down or unreachable?)", (unsigned long long)(failures - l->warned_failures),
		    (unsigned long long)failures);
		l->warned_failures = failures;
		warned = 1;
	}
	if (warned)
		l->warn_due_us = l->now_us + LIVE_WARN_INTERVAL_US;
}

/* Until the next expiry scan, in ms for poll: at most WAKE_MAX_US. */
static int wait_ms(struct live *l)
{
	int64_t next = ft_next_scan(l->meter->ft, l->meter->clock_us);
	int64_t wait = next == INT64_MAX ? WAKE_MAX_US : next - l->now_us;
	if (wait > WAKE_MAX_US)
		wait = WAKE_MAX_US;
	if (wait < 0)
		wait = 0;
	return (int)((wait + 999) / 1000);
}

int live_run(struct live *l, struct meter *m, char *err, size_t errlen)
{
	struct pollfd pfd[1 + PROBE_MAX_IFACES + LIVE_MAX_FDS];
	struct livecap *polled[PROBE_MAX_IFACES];
	int status = 0;

	l->meter = m;
	if (signals_install(err, errlen) != 0)
		return -1;
	int64_t wall, boot;
	live_clock_read(&wall, &boot);
	live_clock_init(&l->clock, wall, boot);
	tick(l);
	if (!m->started)
		meter_start_clock(m, l->now_us);
	for (size_t i = 0; i < l->ncap; i++) {
		char lname[64];
		say(l, 0, "capturing on %s (input interface %u, link type %s)", l->cap[i].name,
		    l->cap[i].ifindex, link_name(l->cap[i].dlt, lname, sizeof(lname)));
	}

	while (l->state == LIVE_RUNNING) {
		size_t n = 0, ncap = 0;
		pfd[n++] = (struct pollfd){ sig_pipe[0], POLLIN, 0 };
		for (size_t i = 0; !l->paused && i < l->ncap; i++) {
			polled[ncap++] = &l->cap[i];
			pfd[n++] = (struct pollfd){ l->cap[i].fd, POLLIN, 0 };
		}
		size_t first_watch = n;
		size_t nwatch = l->nwatch;
		struct live_watch watch[LIVE_MAX_FDS];
		memcpy(watch, l->watch, nwatch * sizeof(watch[0]));	/* callbacks may change the list */
		for (size_t i = 0; i < nwatch; i++)
			pfd[n++] = (struct pollfd){ watch[i].fd, watch[i].events, 0 };

		int rc = poll(pfd, (nfds_t)n, wait_ms(l));
		if (rc < 0 && errno != EINTR) {
			snprintf(err, errlen, "poll: %s", strerror(errno));
			status = -1;
			break;
		}
		tick(l);
		if (rc > 0 && pfd[0].revents)
			signals_read(l);
		for (size_t i = 0; rc > 0 && i < ncap; i++) {
			if (!pfd[1 + i].revents)
				continue;
			struct frame_ctx fc = { l, polled[i] };
			if (pcap_dispatch(polled[i]->pcap, DISPATCH_MAX, on_frame, (u_char *)&fc) < 0) {
				snprintf(err, errlen, "capture on \"%s\" failed: %s", polled[i]->name,
					 pcap_geterr(polled[i]->pcap));
				status = -1;
				l->state = LIVE_STOP_GRACEFUL;
			}
		}
		meter_drain(m);
		for (size_t i = 0; rc > 0 && i < nwatch; i++)
			if (pfd[first_watch + i].revents)
				watch[i].fn(watch[i].ctx, watch[i].fd, pfd[first_watch + i].revents);
		meter_advance(m, l->now_us);
		warn_growth(l);
	}
	meter_drain(m);
	tick(l);
	meter_advance(m, l->now_us);
	return status < 0 ? -1 : l->state;
}

void live_print_stats(struct live *l, FILE *out)
{
	for (size_t i = 0; i < l->ncap; i++) {
		struct livecap *c = &l->cap[i];
		uint64_t recv = 0, drop = 0, ifdrop = 0;
		if (livecap_stats(c, &recv, &drop, &ifdrop) != 0)
			fprintf(out, "Interface %s: no capture statistics\n", c->name);
		else
			fprintf(out, "Interface %s (index %u): %llu packets received, %llu dropped by the "
				"kernel, %llu by the interface, %llu outgoing skipped\n", c->name, c->ifindex,
				(unsigned long long)recv, (unsigned long long)drop,
				(unsigned long long)ifdrop, (unsigned long long)c->outgoing);
	}
}

void live_capture_stats(struct live *l, struct stats_capture *cap)
{
	memset(cap, 0, sizeof(*cap));
	for (size_t i = 0; i < l->ncap; i++) {
		uint64_t recv = 0, drop = 0, ifdrop = 0;
		if (livecap_stats(&l->cap[i], &recv, &drop, &ifdrop) == 0) {
			cap->received += recv;
			cap->dropped += drop;
			cap->if_dropped += ifdrop;
		}
	}
}

void live_close(struct live *l)
{
	for (size_t i = 0; i < l->ncap; i++)
		livecap_close(&l->cap[i]);
	l->ncap = 0;
}
