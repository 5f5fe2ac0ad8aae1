/*
 * test_timeouts.c - softflowd's named timeouts and the -t syntax
 * (probe/timeouts.h; reference: softflowd-1.1.0.md §2.1).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "../../probe/timeouts.h"

static void test_defaults(void **state)
{
	(void)state;
	struct timeouts t;
	memset(&t, 0xff, sizeof(t));
	timeouts_default(&t);
	assert_int_equal(t.tcp, 3600);
	assert_int_equal(t.tcp_rst, 120);
	assert_int_equal(t.tcp_fin, 300);
	assert_int_equal(t.udp, 300);
	assert_int_equal(t.icmp, 300);
	assert_int_equal(t.general, 3600);
	assert_int_equal(t.maxlife, 604800);
	assert_int_equal(t.expint, 60);
}

static uint32_t conv_ok(const char *s)
{
	uint32_t v = 0xdeadbeef;
	int rc = convtime(s, &v);
	if (rc != 0)
		fail_msg("convtime(\"%s\") rejected", s);
	return v;
}

static void test_convtime_valid(void **state)
{
	(void)state;
	assert_int_equal(conv_ok("90"), 90);
	assert_int_equal(conv_ok("5m"), 300);
	assert_int_equal(conv_ok("1h30m"), 5400);
	assert_int_equal(conv_ok("2d"), 172800);
	assert_int_equal(conv_ok("1w"), 604800);
	assert_int_equal(conv_ok("1H"), 3600);
	assert_int_equal(conv_ok("10s"), 10);
	assert_int_equal(conv_ok("0"), 0);
	assert_int_equal(conv_ok("0s"), 0);
	assert_int_equal(conv_ok("5M"), 300);
	assert_int_equal(conv_ok("2D"), 172800);
	assert_int_equal(conv_ok("1W"), 604800);
	assert_int_equal(conv_ok("10S"), 10);
	assert_int_equal(conv_ok("1w2d3h4m5s"), 604800 + 2 * 86400 + 3 * 3600 + 4 * 60 + 5);
	/* Groups are summed, in any order, repeats included. */
	assert_int_equal(conv_ok("30m1h"), 5400);
	assert_int_equal(conv_ok("1m1m"), 120);
	/* A trailing bare number is seconds. */
	assert_int_equal(conv_ok("1m5"), 65);
	assert_int_equal(conv_ok("007"), 7);
	/* The largest value accepted. */
	assert_int_equal(conv_ok("2147483647"), 2147483647u);
}

static void conv_bad(const char *s)
{
	uint32_t v = 12345;
	if (convtime(s, &v) != -1)
		fail_msg("convtime(\"%s\") accepted as %u", s, v);
	/* A rejected value leaves the output alone. */
	assert_int_equal(v, 12345);
}

static void test_convtime_rejects(void **state)
{
	(void)state;
	conv_bad("");
	conv_bad("5x");
	conv_bad("-5");
	conv_bad("m");
	conv_bad("1h-");
	conv_bad("99999999999");		/* overflow */
	conv_bad("2147483648");			/* just past the limit */
	conv_bad("3551w");			/* 2147644800 s */
	conv_bad("2147483647s1s");		/* the sum overflows */
	conv_bad("18446744073709551616");	/* 2^64 */
	conv_bad(" 5");
	conv_bad("5 ");
	conv_bad("+5");
	conv_bad("5mm");
	conv_bad("1.5h");
	conv_bad("h1");
	assert_int_equal(convtime(NULL, &(uint32_t){ 0 }), -1);
}

static void test_set_each_name(void **state)
{
	(void)state;
	static const struct {
		const char *arg;
		size_t off;
		uint32_t want;
	} cases[] = {
		{ "tcp=1", offsetof(struct timeouts, tcp), 1 },
		{ "tcp.rst=3m", offsetof(struct timeouts, tcp_rst), 180 },
		{ "tcp.fin=3h", offsetof(struct timeouts, tcp_fin), 10800 },
		{ "udp=4d", offsetof(struct timeouts, udp), 345600 },
		{ "icmp=5s", offsetof(struct timeouts, icmp), 5 },
		{ "general=6m6s", offsetof(struct timeouts, general), 366 },
		{ "maxlife=2w", offsetof(struct timeouts, maxlife), 1209600 },
		{ "expint=7", offsetof(struct timeouts, expint), 7 },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct timeouts t, want;
		char err[256] = "";
		timeouts_default(&t);
		want = t;
		*(uint32_t *)((char *)&want + cases[i].off) = cases[i].want;
		if (timeouts_set(&t, cases[i].arg, err, sizeof(err)) != 0)
			fail_msg("%s rejected: %s", cases[i].arg, err);
		/* Exactly that field changed. */
		assert_memory_equal(&t, &want, sizeof(t));
	}
}

/* Zero disables a rule, so it is accepted for every name but general. */
static void test_set_zero(void **state)
{
	(void)state;
	static const char *const names[] = {
		"tcp=0", "tcp.rst=0", "tcp.fin=0", "udp=0", "icmp=0", "maxlife=0", "expint=0",
	};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		struct timeouts t;
		char err[256] = "";
		timeouts_default(&t);
		if (timeouts_set(&t, names[i], err, sizeof(err)) != 0)
			fail_msg("%s rejected: %s", names[i], err);
	}
	struct timeouts t;
	char err[256];
	timeouts_default(&t);
	assert_int_equal(timeouts_set(&t, "tcp.rst=0", err, sizeof(err)), 0);
	assert_int_equal(t.tcp_rst, 0);
	assert_int_equal(t.tcp, 3600);
}

static void set_bad(const char *arg, const char *msg)
{
	struct timeouts t, before;
	char err[512];

	timeouts_default(&t);
	before = t;
	memset(err, 0, sizeof(err));
	assert_int_equal(timeouts_set(&t, arg, err, sizeof(err)), -1);
	assert_string_equal(err, msg);
	assert_memory_equal(&t, &before, sizeof(t));
}

static void test_set_errors(void **state)
{
	(void)state;
	set_bad("bogus=5m",
		"invalid -t \"bogus=5m\": unknown timeout \"bogus\" "
		"(tcp, tcp.rst, tcp.fin, udp, icmp, general, maxlife, expint)");
	set_bad("udp",
		"invalid -t \"udp\": expected name=time, e.g. udp=5m");
	set_bad("udp=5x",
		"invalid -t \"udp=5x\": bad time \"5x\" (digits with s, m, h, d or w, e.g. 1h30m)");
	set_bad("udp=",
		"invalid -t \"udp=\": bad time \"\" (digits with s, m, h, d or w, e.g. 1h30m)");
	set_bad("general=0",
		"invalid -t \"general=0\": the general timeout must be greater than zero");
	set_bad("general=0m0s",
		"invalid -t \"general=0m0s\": the general timeout must be greater than zero");
	/* Prefixes and extensions of a name are not that name. */
	set_bad("tc=5",
		"invalid -t \"tc=5\": unknown timeout \"tc\" "
		"(tcp, tcp.rst, tcp.fin, udp, icmp, general, maxlife, expint)");
	set_bad("tcp.rstx=5",
		"invalid -t \"tcp.rstx=5\": unknown timeout \"tcp.rstx\" "
		"(tcp, tcp.rst, tcp.fin, udp, icmp, general, maxlife, expint)");
	set_bad("UDP=5",
		"invalid -t \"UDP=5\": unknown timeout \"UDP\" "
		"(tcp, tcp.rst, tcp.fin, udp, icmp, general, maxlife, expint)");
	set_bad("=5",
		"invalid -t \"=5\": unknown timeout \"\" "
		"(tcp, tcp.rst, tcp.fin, udp, icmp, general, maxlife, expint)");
	set_bad("maxlife=99999999999",
		"invalid -t \"maxlife=99999999999\": bad time \"99999999999\" "
		"(digits with s, m, h, d or w, e.g. 1h30m)");
}

/* A small message buffer truncates without overflowing. */
static void test_set_error_small_buffer(void **state)
{
	(void)state;
	struct timeouts t;
	char err[16];
	memset(err, 'Z', sizeof(err));
	timeouts_default(&t);
	assert_int_equal(timeouts_set(&t, "nope", err, 10), -1);
	assert_string_equal(err, "invalid -");
	assert_int_equal(err[10], 'Z');
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_convtime_valid),
		cmocka_unit_test(test_convtime_rejects),
		cmocka_unit_test(test_set_each_name),
		cmocka_unit_test(test_set_zero),
		cmocka_unit_test(test_set_errors),
		cmocka_unit_test(test_set_error_small_buffer),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
