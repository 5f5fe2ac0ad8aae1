/* optval.c - checked option values (optval.h). */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "optval.h"

int optval_count(const char *opt, const char *arg, unsigned min, unsigned max,
		 unsigned *out, char *err, size_t errlen)
{
	char *end;
	errno = 0;
	unsigned long v = strtoul(arg, &end, 10);
	if (!isdigit((unsigned char)*arg) || *end != '\0' || errno || v < min || v > max) {
		snprintf(err, errlen, "invalid %s \"%s\": expected %u to %u", opt, arg, min, max);
		return -1;
	}
	*out = (unsigned)v;
	return 0;
}

int optval_scaled(const char *arg, const char *units, const uint64_t *mult, uint64_t *out)
{
	char *end;
	errno = 0;
	if (!isdigit((unsigned char)*arg))
		return -1;
	unsigned long long v = strtoull(arg, &end, 10);
	if (errno)
		return -1;
	uint64_t m = 1;
	if (*end != '\0') {
		const char *u = strchr(units, *end);
		if (u == NULL || end[1] != '\0')
			return -1;
		m = mult[u - units];
	}
	if (v > UINT64_MAX / m)
		return -1;
	*out = v * m;
	return 0;
}
