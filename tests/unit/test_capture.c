/*
 * test_capture.c - the capture module.
 *
 * capture_time_us(): pcap seconds are unsigned 32 bits, which libpcap
 * 1.10 sign-extends into time_t (y2038-bgp.pcap came back as 1902 before
 * this was fixed), and so is the fraction (timestamp_invalid_micro.pcap's
 * third packet, microseconds 2^31, came back 2147 s early).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include "../../probe/capture.h"

static void micro_and_nano(void **state)
{
	(void)state;
	struct timeval tv = { .tv_sec = 1259261324, .tv_usec = 435140 };
	assert_int_equal(capture_time_us(&tv, CAPTURE_TS_MICRO), 1259261324435140LL);
	tv.tv_usec = 435140123;		/* nanoseconds at nano precision */
	assert_int_equal(capture_time_us(&tv, CAPTURE_TS_NANO), 1259261324435140LL);
	tv.tv_usec = 435140000;		/* a µs file read at nano precision */
	assert_int_equal(capture_time_us(&tv, CAPTURE_TS_MICRO_AS_NANO), 1259261324435140LL);
}

static void after_2038(void **state)
{
	(void)state;
	/* 2164247948 s (2038-08-01) as libpcap hands it over: negative. */
	struct timeval tv = { .tv_sec = (time_t)(int32_t)2164247948u, .tv_usec = 451127 };
	assert_true(tv.tv_sec < 0);
	assert_int_equal(capture_time_us(&tv, CAPTURE_TS_MICRO), 2164247948451127LL);
}

static void fraction_over_a_second_carries(void **state)
{
	(void)state;
	/* timestamp_invalid_micro.pcap: a microsecond field >= 1,000,000. */
	struct timeval tv = { .tv_sec = 100, .tv_usec = 1500000 };
	assert_int_equal(capture_time_us(&tv, CAPTURE_TS_MICRO), 101500000LL);
	tv.tv_usec = 1500000000;	/* the same, scaled to ns by libpcap */
	assert_int_equal(capture_time_us(&tv, CAPTURE_TS_MICRO_AS_NANO), 101500000LL);
}

static void fraction_of_2_to_31_is_not_negative(void **state)
{
	(void)state;
	/* The field 0x80000000 as libpcap 1.10 hands it over: read as a
	 * signed 32-bit value, then (µs file, ns precision) times 1000. */
	struct timeval tv = { .tv_sec = 1418145370, .tv_usec = (int64_t)INT32_MIN * 1000 };
	assert_int_equal(capture_time_us(&tv, CAPTURE_TS_MICRO_AS_NANO),
			 1418145370000000LL + 2147483648LL);
	tv.tv_usec = INT32_MIN;		/* µs precision */
	assert_int_equal(capture_time_us(&tv, CAPTURE_TS_MICRO), 1418145370000000LL + 2147483648LL);
	tv.tv_usec = INT32_MIN;		/* a ns file: 2147483648 ns */
	assert_int_equal(capture_time_us(&tv, CAPTURE_TS_NANO), 1418145370000000LL + 2147483LL);
	/* The largest field, 2^32 - 1 µs. */
	tv.tv_usec = -1000;
	assert_int_equal(capture_time_us(&tv, CAPTURE_TS_MICRO_AS_NANO),
			 1418145370000000LL + 4294967295LL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(micro_and_nano),
		cmocka_unit_test(after_2038),
		cmocka_unit_test(fraction_over_a_second_carries),
		cmocka_unit_test(fraction_of_2_to_31_is_not_negative),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
