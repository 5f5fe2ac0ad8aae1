/*
 * optval.h - flowcollect's option values, each checked: a count in a
 * range, or an amount with a one-letter unit (5m, 64M).
 */
#ifndef FP_OPTVAL_H
#define FP_OPTVAL_H

#include <stddef.h>
#include <stdint.h>

/* "OPT N" with min <= N <= max into *out; -1 with a message in err. */
int optval_count(const char *opt, const char *arg, unsigned min, unsigned max,
		 unsigned *out, char *err, size_t errlen);

/* A whole number (0 too) with an optional one-letter unit from units,
 * each with its multiplier in mult, into *out; -1 when it is not one or
 * overflows.  The callers word their own messages and limits. */
int optval_scaled(const char *arg, const char *units, const uint64_t *mult, uint64_t *out);

#endif
