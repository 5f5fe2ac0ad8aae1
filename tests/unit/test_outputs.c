/*
 * test_outputs.c - naming and option values of rotated outputs
 * (collector/outputs.h): a part's finished name, and the values
 * --rotate-every and --rotate-size take and refuse.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "../../collector/outputs.h"

/* 2023-11-14 22:13:20 UTC */
#define T0 (1700000000LL * 1000000)

static void name_is(const char *path, int64_t start_us, unsigned n, const char *want)
{
	char buf[256];
	assert_int_equal(outputs_part_name(buf, sizeof(buf), path, start_us, n), 0);
	assert_string_equal(buf, want);
}

static void part_names(void **state)
{
	(void)state;
	name_is("flows.csv", T0, 0, "flows.20231114-221320.csv");
	name_is("/srv/nf/flows.csv", T0 + 999999, 0, "/srv/nf/flows.20231114-221320.csv");
	name_is("dir.d/flows", T0, 0, "dir.d/flows.20231114-221320");	/* no extension */
	name_is(".hidden", T0, 0, ".hidden.20231114-221320");		/* a leading dot is no extension */
	name_is("a.tar.gz", T0, 0, "a.tar.20231114-221320.gz");		/* the last one only */
	name_is("f.db", T0, 1, "f.20231114-221320.0000.db");		/* size parts, from 0000 */
	name_is("f.db", T0, 12, "f.20231114-221320.0011.db");
	name_is("f.db", 0, 0, "f.19700101-000000.db");

	char small[20];
	assert_int_equal(outputs_part_name(small, sizeof(small), "flows.csv", T0, 0), -1);
}

static void every(const char *arg, int64_t want_us)
{
	struct outputs os;
	char err[256];
	memset(&os, 0, sizeof(os));
	int rc = outputs_rotate_every(&os, arg, err, sizeof(err));
	if (want_us < 0) {
		assert_int_equal(rc, -1);
		assert_non_null(strstr(err, arg));
	} else {
		assert_int_equal(rc, 0);
		assert_true(os.every_us == want_us);
	}
}

static void size(const char *arg, long long want)
{
	struct outputs os;
	char err[256];
	memset(&os, 0, sizeof(os));
	int rc = outputs_rotate_size(&os, arg, err, sizeof(err));
	if (want < 0) {
		assert_int_equal(rc, -1);
	} else {
		assert_int_equal(rc, 0);
		assert_true(os.max_bytes == (uint64_t)want);
	}
}

static void rotate_values(void **state)
{
	(void)state;
	every("300", 300000000LL);
	every("90s", 90000000LL);
	every("5m", 300000000LL);
	every("1h", 3600000000LL);
	every("1d", 86400000000LL);
	every("366d", 366LL * 86400000000LL);
	every("367d", -1);
	every("0", -1);
	every("-5", -1);
	every("+5", -1);
	every("5x", -1);
	every("5mm", -1);
	every("", -1);
	every("99999999999999999999", -1);
	size("1000", 1000);
	size("64k", 65536);
	size("64K", 65536);
	size("100M", 100LL << 20);
	size("2G", 2LL << 30);
	size("1T", -1);
	size("0", -1);
	size("k", -1);
	size("18446744073709551615G", -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(part_names),
		cmocka_unit_test(rotate_values),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
