/*
 * test_capture.c - capture_time_us(): pcap seconds are unsigned 32 bits,
 * which libpcap 1.10 sign-extends into time_t (y2038-bgp.pcap came back
 * as 1902 before this was fixed).
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
	assert_int_equal(capture_time_us(&tv, 0), 1259261324435140LL);
	tv.tv_usec = 435140123;		/* nanoseconds at nano precision */
	assert_int_equal(capture_time_us(&tv, 1), 1259261324435140LL);
}

static void after_2038(void **state)
{
	(void)state;
	/* 2164247948 s (2038-08-01) as libpcap hands it over: negative. */
	struct timeval tv = { .tv_sec = (time_t)(int32_t)2164247948u, .tv_usec = 451127 };
	assert_true(tv.tv_sec < 0);
	assert_int_equal(capture_time_us(&tv, 0), 2164247948451127LL);
}

static void fraction_over_a_second_carries(void **state)
{
	(void)state;
	/* timestamp_invalid_micro.pcap: a microsecond field >= 1,000,000. */
	struct timeval tv = { .tv_sec = 100, .tv_usec = 1500000 };
	assert_int_equal(capture_time_us(&tv, 0), 101500000LL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(micro_and_nano),
		cmocka_unit_test(after_2038),
		cmocka_unit_test(fraction_over_a_second_carries),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
