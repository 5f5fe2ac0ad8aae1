/*
 * test_live.c - live mode without an interface (probe/live.h,
 * probe/livecap.h, the -i options): the clock's steps and clamp, which
 * cooked frames are outgoing, the filter that keeps our exports out (it
 * must compile), and the loop itself with no capture: a registered
 * descriptor's callback, live_stop, SIGTERM, and a flow that expires on
 * the timer while no packet comes.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <unistd.h>
#include <poll.h>
#include <arpa/inet.h>
#include <sys/timerfd.h>
#include <cmocka.h>

#include "../../probe/live.h"
#include "../../probe/options.h"
#include "../../export/exporter.h"

#define S 1000000LL

static void test_clock(void **state)
{
	(void)state;
	struct live_clock c;
	live_clock_init(&c, 1700000000 * S, 50 * S);
	assert_int_equal(live_clock_now(&c, 50 * S), 1700000000 * S);
	assert_int_equal(live_clock_now(&c, 62 * S), 1700000012 * S);
	/* read a few µs apart: no step, times untouched */
	assert_int_equal(live_clock_update(&c, 1700000012 * S + 40, 62 * S), 0);
	assert_int_equal(c.skew_us, 0);
	assert_int_equal(live_clock_packet(&c, 1700000011 * S + 5, 1700000012 * S), 1700000011 * S + 5);
	/* a suspend: both clocks move on together, no step */
	assert_int_equal(live_clock_update(&c, 1700003612 * S, 3662 * S), 0);
	/* NTP steps the wall clock back an hour: the table's time does not
	 * move, packets are brought onto it, exports add the skew back */
	assert_int_equal(live_clock_update(&c, 1700000013 * S, 3663 * S), -3600 * S);
	assert_int_equal(c.skew_us, -3600 * S);
	assert_int_equal(live_clock_now(&c, 3663 * S), 1700003613 * S);
	assert_int_equal(live_clock_packet(&c, 1700000013 * S, 1700003613 * S), 1700003613 * S);
	/* a packet stamped before a step not seen yet: at most 1 s ahead */
	assert_int_equal(live_clock_packet(&c, 1700009999 * S, 1700003613 * S), 1700003614 * S);
	/* forward again by 2 s: skew follows */
	assert_int_equal(live_clock_update(&c, 1700000016 * S, 3664 * S), 2 * S);
	assert_int_equal(c.skew_us, -3598 * S);
}

static void test_outgoing(void **state)
{
	(void)state;
	uint8_t sll[16] = { 0, 4 }, sll_in[16] = { 0, 0 };
	uint8_t sll2[20] = { 0 }, sll2_in[20] = { 0 };
	sll2[10] = 4;
	assert_int_equal(livecap_outgoing(DLT_LINUX_SLL, sll, sizeof(sll)), 1);
	assert_int_equal(livecap_outgoing(DLT_LINUX_SLL, sll_in, sizeof(sll_in)), 0);
	assert_int_equal(livecap_outgoing(DLT_LINUX_SLL, sll, 1), 0);
	assert_int_equal(livecap_outgoing(276, sll2, sizeof(sll2)), 1);
	assert_int_equal(livecap_outgoing(276, sll2_in, sizeof(sll2_in)), 0);
	assert_int_equal(livecap_outgoing(276, sll2, 10), 0);
	assert_int_equal(livecap_outgoing(DLT_EN10MB, sll2, sizeof(sll2)), 0);
}

static int compiles(const char *expr)
{
	pcap_t *p = pcap_open_dead(DLT_EN10MB, 65535);
	struct bpf_program prog;
	int ok = pcap_compile(p, &prog, expr, 1, PCAP_NETMASK_UNKNOWN) == 0;
	if (ok)
		pcap_freecode(&prog);
	pcap_close(p);
	return ok;
}

static void test_filter(void **state)
{
	(void)state;
	struct transport tp;
	char err[256] = "";
	char want[256];

	transport_init(&tp);
	assert_null(livecap_filter(&tp, NULL, err, sizeof(err)));
	assert_string_equal(err, "");
	char *f = livecap_filter(&tp, "port 80", err, sizeof(err));
	assert_string_equal(f, "(port 80)");
	free(f);

	assert_int_equal(transport_parse_dests(&tp, "127.0.0.1:2055,[::1]:9995", err, sizeof(err)), 0);
	assert_int_equal(transport_open_udp(&tp, err, sizeof(err)), 0);
	struct sockaddr_storage a[2];
	for (int i = 0; i < 2; i++) {
		socklen_t l = sizeof(a[i]);
		assert_int_equal(getsockname(tp.fd[i], (struct sockaddr *)&a[i], &l), 0);
	}
	f = livecap_filter(&tp, "tcp or udp", err, sizeof(err));
	snprintf(want, sizeof(want), "(tcp or udp) and not (udp and src port %u and dst host 127.0.0.1 "
		 "and dst port 2055) and not (udp and src port %u and dst host ::1 and dst port 9995)",
		 ntohs(((struct sockaddr_in *)&a[0])->sin_port),
		 ntohs(((struct sockaddr_in6 *)&a[1])->sin6_port));
	assert_string_equal(f, want);
	assert_true(compiles(f));
	free(f);
	transport_close(&tp, err, sizeof(err));

	transport_init(&tp);
	tp.tcp = 1;
	assert_int_equal(transport_parse_dests(&tp, "10.1.2.3:4739", err, sizeof(err)), 0);
	f = livecap_filter(&tp, NULL, err, sizeof(err));
	assert_string_equal(f, "not (tcp and ((dst host 10.1.2.3 and dst port 4739) or "
			    "(src host 10.1.2.3 and src port 4739)))");
	assert_true(compiles(f));
	free(f);
}

static void test_options(void **state)
{
	(void)state;
	struct probe_options o;
	char err[256];
	char *argv[] = { "flowprobe", "-i", "7:eth0", "-i", "any", "-i", "eth0:1", "-i", ":wlan0",
			 "-C", "128", "-N", "-B", "1000000", "udp", NULL };
	assert_int_equal(options_parse(15, argv, &o, err, sizeof(err)), 0);
	assert_int_equal(o.nifaces, 4);
	assert_string_equal(o.ifaces[0].name, "eth0");
	assert_int_equal(o.ifaces[0].index, 7);
	assert_string_equal(o.ifaces[1].name, "any");
	assert_int_equal(o.ifaces[1].index, 0);
	assert_string_equal(o.ifaces[2].name, "eth0:1");	/* an alias, whole */
	assert_int_equal(o.ifaces[2].index, 0);
	assert_string_equal(o.ifaces[3].name, "wlan0");
	assert_int_equal(o.snaplen, 128);
	assert_int_equal(o.bufsize, 1000000);
	assert_int_equal(o.no_promisc, 1);
	assert_string_equal(o.filter, "udp");
	options_free(&o);

	char *both[] = { "flowprobe", "-r", "x.pcap", "-i", "eth0", NULL };
	assert_int_equal(options_parse(5, both, &o, err, sizeof(err)), -1);
	assert_string_equal(err, "packet source already specified (-r and -i)");
	options_free(&o);
	char *empty[] = { "flowprobe", "-i", "3:", NULL };
	assert_int_equal(options_parse(3, empty, &o, err, sizeof(err)), -1);
	assert_string_equal(err, "invalid -i \"3:\": expected [INDEX:]INTERFACE");
	options_free(&o);
	char *zero[] = { "flowprobe", "-i", "eth0", "-C", "0", NULL };
	assert_int_equal(options_parse(5, zero, &o, err, sizeof(err)), -1);
	options_free(&o);
}

/* The loop with no interface: a meter, a flow table, a v5 exporter that
 * sends nowhere. */
struct rig {
	struct transport tp;
	struct exporter *ex;
	struct ft *ft;
	struct probe_stats st;
	struct meter m;
	struct live l;
	int ticks;
	size_t flows_at_stop;
	int tfd;
};

static struct rig *rig_new(void)
{
	struct rig *r = calloc(1, sizeof(*r));
	struct ft_config cfg;
	memset(&cfg, 0, sizeof(cfg));
	timeouts_default(&cfg.to);
	cfg.to.udp = 1;
	cfg.to.expint = 1;
	cfg.max_flows = 100;
	transport_init(&r->tp);
	r->ex = calloc(1, sizeof(*r->ex));
	exporter_init(r->ex, export_format_find(5), &r->tp);
	r->ft = ft_create(&cfg);
	assert_int_equal(meter_init(&r->m, r->ft, r->ex, &r->st), 0);
	r->tfd = -1;
	r->l.tp = &r->tp;
	return r;
}

static void rig_free(struct rig *r)
{
	char err[64];
	live_close(&r->l);
	meter_free(&r->m);
	ft_destroy(r->ft);
	transport_close(&r->tp, err, sizeof(err));
	free(r->ex);
	if (r->tfd >= 0)
		close(r->tfd);
	free(r);
}

static void on_pipe(void *ctx, int fd, short revents)
{
	struct rig *r = ctx;
	char c;
	assert_true(revents & POLLIN);
	assert_int_equal(read(fd, &c, 1), 1);
	live_stop(&r->l, c == 'g');
}

static void test_loop_stop(void **state)
{
	(void)state;
	struct rig *r = rig_new();
	char err[256];
	int p[2];
	assert_int_equal(pipe(p), 0);
	assert_int_equal(live_add_fd(&r->l, p[0], POLLIN, on_pipe, r), 0);
	assert_int_equal(write(p[1], "n", 1), 1);
	assert_int_equal(live_run(&r->l, &r->m, err, sizeof(err)), LIVE_STOP_NOW);

	r->l.state = LIVE_RUNNING;
	assert_int_equal(write(p[1], "g", 1), 1);
	assert_int_equal(live_run(&r->l, &r->m, err, sizeof(err)), LIVE_STOP_GRACEFUL);

	/* removed: the loop no longer reads it; SIGTERM stops it */
	live_remove_fd(&r->l, p[0]);
	assert_int_equal(r->l.nwatch, 0);
	r->l.state = LIVE_RUNNING;
	raise(SIGTERM);
	assert_int_equal(live_run(&r->l, &r->m, err, sizeof(err)), LIVE_STOP_GRACEFUL);
	close(p[0]);
	close(p[1]);
	rig_free(r);
}

/* Every 100 ms: after 3.5 s, note the flows held and stop. */
static void on_timer(void *ctx, int fd, short revents)
{
	struct rig *r = ctx;
	uint64_t n;
	(void)revents;
	assert_int_equal(read(fd, &n, sizeof(n)), (ssize_t)sizeof(n));
	r->ticks += (int)n;
	if (r->ticks >= 35) {
		r->flows_at_stop = ft_count(r->ft);
		live_stop(&r->l, 1);
	}
}

/* A UDP flow (udp=1, expint=1) leaves on the timer with no packet after
 * it: the loop wakes for the scan by itself. */
static void test_loop_expires(void **state)
{
	(void)state;
	struct rig *r = rig_new();
	char err[256];
	r->tfd = timerfd_create(CLOCK_MONOTONIC, 0);
	assert_true(r->tfd >= 0);
	struct itimerspec its = { { 0, 100000000 }, { 0, 100000000 } };
	assert_int_equal(timerfd_settime(r->tfd, 0, &its, NULL), 0);
	assert_int_equal(live_add_fd(&r->l, r->tfd, POLLIN, on_timer, r), 0);

	/* a packet now, then none */
	struct packet pkt;
	memset(&pkt, 0, sizeof(pkt));
	pkt.key.af = 4;
	pkt.key.proto = 17;
	pkt.key.sport = 1000;
	pkt.key.dport = 2000;
	pkt.octets = 100;
	int64_t wall, boot;
	live_clock_read(&wall, &boot);
	pkt.ts_us = wall;
	r->l.meter = &r->m;
	meter_start_clock(&r->m, wall);
	meter_packet(&r->m, PKT_IP, &pkt, NULL);
	meter_drain(&r->m);
	assert_int_equal(ft_count(r->ft), 1);
	assert_int_equal(live_run(&r->l, &r->m, err, sizeof(err)), LIVE_STOP_GRACEFUL);
	assert_int_equal(r->flows_at_stop, 0);
	assert_int_equal(r->st.flows_expired, 1);
	assert_int_equal(r->st.expired_by_rule[RULE_UDP], 1);
	rig_free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_clock),
		cmocka_unit_test(test_outgoing),
		cmocka_unit_test(test_filter),
		cmocka_unit_test(test_options),
		cmocka_unit_test(test_loop_stop),
		cmocka_unit_test(test_loop_expires),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
