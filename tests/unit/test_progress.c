/*
 * test_progress.c - the progress line of a file run (probe/progress.h):
 * its text from a snapshot (what is shown, what is left out and when,
 * the rounding), and how it is written: rewritten in place on a terminal,
 * padded over a longer line and wiped at the end; whole lines in a log.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "../../probe/progress.h"

static const char *format(const struct progress_snap *s)
{
	static char buf[512];
	size_t n = progress_format(buf, sizeof(buf), s);
	assert_int_equal(n, strlen(buf));
	return buf;
}

static void every_figure(void **state)
{
	(void)state;
	/* 45.2% of the file in 10 s: 12.1 s more at that speed */
	struct progress_snap s = {
		.packets = 1234567, .active = 8192, .exported = 45678, .datagrams = 1523,
		.bytes = 452000, .size = 1000000, .elapsed_us = 10000000,
	};
	assert_string_equal(format(&s), "flowprobe: 45.2% read, 12s left, 1234567 packets at 123456/s, "
			    "8192 flows active, 45678 exported, 1523 datagrams");
}

/* Down, never up: 100.0% only when every byte is read, even when the
 * last one is a millionth of the file (or of 2^62 bytes). */
static void percentage_rounds_down(void **state)
{
	(void)state;
	struct progress_snap s = { .bytes = 999999, .size = 1000000 };
	assert_non_null(strstr(format(&s), " 99.9% read, "));
	s.bytes = 1000;
	assert_non_null(strstr(format(&s), " 0.1% read, "));
	s.bytes = 999;
	assert_non_null(strstr(format(&s), " 0.0% read, "));
	s.bytes = ((int64_t)1 << 62) - 1;
	s.size = (int64_t)1 << 62;
	assert_non_null(strstr(format(&s), " 99.9% read, "));
	s.bytes = s.size;
	assert_non_null(strstr(format(&s), " 100.0% read, "));
	/* a file that grew while read: no more than 100% */
	s.bytes = s.size + 1;
	assert_non_null(strstr(format(&s), " 100.0% read, "));
}

/* Not known, not shown: the size (a pipe), the speed (no time yet), the
 * time left (nothing read yet, or everything). */
static void unknowns_are_left_out(void **state)
{
	(void)state;
	struct progress_snap s = { .packets = 7, .active = 1, .exported = 2, .datagrams = 3,
				   .bytes = -1, .size = -1, .elapsed_us = 1000000 };
	assert_string_equal(format(&s), "flowprobe: 7 packets at 7/s, 1 flows active, 2 exported, 3 datagrams");
	s.bytes = 500;			/* a position without a size */
	assert_string_equal(format(&s), "flowprobe: 7 packets at 7/s, 1 flows active, 2 exported, 3 datagrams");
	s.size = 1000;
	s.elapsed_us = 0;
	assert_string_equal(format(&s), "flowprobe: 50.0% read, 7 packets, 1 flows active, 2 exported, "
			    "3 datagrams");
	s.bytes = 0;
	s.elapsed_us = 1000000;
	assert_string_equal(format(&s), "flowprobe: 0.0% read, 7 packets at 7/s, 1 flows active, "
			    "2 exported, 3 datagrams");
	s.bytes = 1000;
	assert_string_equal(format(&s), "flowprobe: 100.0% read, 7 packets at 7/s, 1 flows active, "
			    "2 exported, 3 datagrams");
}

/* The time left: seconds, minutes and seconds, hours and minutes. */
static const char *left(int64_t bytes, int64_t elapsed_s)
{
	static char buf[64];
	struct progress_snap s = { .bytes = bytes, .size = 1000, .elapsed_us = elapsed_s * 1000000 };
	const char *line = format(&s);
	const char *a = strstr(line, "read, "), *b = strstr(line, " left");
	assert_non_null(a);
	assert_non_null(b);
	a += strlen("read, ");
	snprintf(buf, sizeof(buf), "%.*s", (int)(b - a), a);
	return buf;
}

static void time_left(void **state)
{
	(void)state;
	assert_string_equal(left(500, 59), "59s");
	assert_string_equal(left(500, 60), "1m00s");
	assert_string_equal(left(500, 3599), "59m59s");
	assert_string_equal(left(500, 3600), "1h00m");
	assert_string_equal(left(100, 3600), "9h00m");	/* 9 times as long again */
	assert_string_equal(left(999, 1), "0s");	/* 1 ms, rounded */
	assert_string_equal(left(666, 1), "1s");	/* 0.50 s, rounded up */
}

/* A short buffer: cut, terminated, and the whole length told. */
static void short_buffer(void **state)
{
	(void)state;
	char buf[16];
	struct progress_snap s = { .packets = 1, .bytes = -1, .size = -1 };
	memset(buf, 'x', sizeof(buf));
	size_t n = progress_format(buf, sizeof(buf), &s);
	assert_string_equal(buf, "flowprobe: 1 pa");
	assert_int_equal(n, strlen("flowprobe: 1 packets, 0 flows active, 0 exported, 0 datagrams"));
	assert_int_equal(progress_format(buf, 0, &s), n);
}

/* What a FILE got, as a string. */
static const char *contents(FILE *f)
{
	static char buf[4096];
	fflush(f);
	rewind(f);
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	return buf;
}

/* A snapshot whose line does not depend on the clock: no size, no
 * packets (a speed of 0/s once any time has passed). */
static struct progress_snap fixed(uint64_t active)
{
	struct progress_snap s = { .active = active, .bytes = -1, .size = -1 };
	return s;
}

/* The terminal's way: each update from the start of the line, spaces over
 * the rest of a longer one, and at the end the last update, then spaces
 * over it all and back to the start. */
static void tty_rewrites_and_wipes(void **state)
{
	(void)state;
	FILE *f = tmpfile();		/* no terminal: no width to cut to */
	struct progress p;
	assert_non_null(f);
	progress_start(&p, PROGRESS_TTY, f);
	usleep(2000);			/* some time: a speed */
	struct progress_snap s = fixed(123456);
	progress_show(&p, &s);
	s = fixed(1);
	progress_show(&p, &s);
	progress_end(&p, &s);
	const char *l1 = "flowprobe: 0 packets at 0/s, 123456 flows active, 0 exported, 0 datagrams";
	const char *l2 = "flowprobe: 0 packets at 0/s, 1 flows active, 0 exported, 0 datagrams";
	char want[1024];
	size_t n1 = strlen(l1);
	snprintf(want, sizeof(want), "\r%s\r%s%*s\r%s%*s\r%*s\r", l1, l2, (int)(n1 - strlen(l2)), "",
		 l2, (int)(n1 - strlen(l2)), "", (int)n1, "");
	assert_string_equal(contents(f), want);
	fclose(f);
}

/* A run too short for an update leaves a terminal untouched. */
static void tty_nothing_when_nothing_shown(void **state)
{
	(void)state;
	FILE *f = tmpfile();
	struct progress p;
	assert_non_null(f);
	progress_start(&p, PROGRESS_TTY, f);
	struct progress_snap s = fixed(1);
	progress_end(&p, &s);
	assert_string_equal(contents(f), "");
	fclose(f);
}

/* In a log, whole lines, and always the last one, where reading ended. */
static void lines_end_with_the_last(void **state)
{
	(void)state;
	FILE *f = tmpfile();
	struct progress p;
	assert_non_null(f);
	progress_start(&p, PROGRESS_LINES, f);
	usleep(2000);
	struct progress_snap s = fixed(2);
	progress_show(&p, &s);
	s = fixed(1);
	progress_end(&p, &s);
	assert_string_equal(contents(f),
			    "flowprobe: 0 packets at 0/s, 2 flows active, 0 exported, 0 datagrams\n"
			    "flowprobe: 0 packets at 0/s, 1 flows active, 0 exported, 0 datagrams\n");
	/* over: a second end adds nothing */
	progress_end(&p, &s);
	assert_int_equal(strlen(contents(f)), 2 * strlen("flowprobe: 0 packets at 0/s, 2 flows active, "
							 "0 exported, 0 datagrams\n"));
	fclose(f);
}

static void off_is_silent(void **state)
{
	(void)state;
	FILE *f = tmpfile();
	struct progress p;
	assert_non_null(f);
	progress_start(&p, PROGRESS_OFF, f);
	usleep(2000);
	assert_int_equal(progress_due(&p), 0);
	struct progress_snap s = fixed(1);
	progress_show(&p, &s);
	progress_end(&p, &s);
	assert_string_equal(contents(f), "");
	fclose(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(every_figure),
		cmocka_unit_test(percentage_rounds_down),
		cmocka_unit_test(unknowns_are_left_out),
		cmocka_unit_test(time_left),
		cmocka_unit_test(short_buffer),
		cmocka_unit_test(tty_rewrites_and_wipes),
		cmocka_unit_test(tty_nothing_when_nothing_shown),
		cmocka_unit_test(lines_end_with_the_last),
		cmocka_unit_test(off_is_silent),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
