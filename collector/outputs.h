/*
 * outputs.h - the -o outputs: parsed, opened before anything is read,
 * rotated by time or size during a long collection, finished and closed.
 *
 * A rotated output is written as PATH.part and renamed, once complete,
 * to PATH with its start time put before the extension
 * (flows.csv -> flows.20231114-221000.csv): a reader that lists the
 * directory never sees a file half written.
 */
#ifndef FP_OUTPUTS_H
#define FP_OUTPUTS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include "collect.h"

/* One -o: a format, and where it goes (NULL: standard output). */
struct output {
	const struct sink_ops *ops;
	const char *path;	/* as given */
	FILE *file;
	char *part;		/* rotating: the file being written (PATH.part) */
	struct sink *sink;	/* its sink in the collector, once started */
};

struct outputs {
	struct output o[COLLECT_MAX_SINKS];
	size_t n;
	int no_default;		/* no -o is no output (the summaries take stdout),
				 * not the table */
	int64_t every_us;	/* --rotate-every; 0: not by time */
	uint64_t max_bytes;	/* --rotate-size; 0: not by size */
	/* The current part: its start (the name it will get) and, rotating
	 * by time, the end of its interval.  INT64_MIN before the first
	 * datagram, which starts it. */
	int64_t start_us;
	int64_t slot_end_us;
	char last_stamp[24];	/* the name's time of the part before */
	unsigned same_stamp;	/* parts before with that time (size rotation) */
	unsigned ticks;
	int warned;		/* a rotation failed: said once */
	int failed;		/* an output lost flows: exit 1 */
};

/* "-o FORMAT[:PATH]" into the next output; -1 with a message. */
int outputs_parse(struct outputs *os, const char *arg, char *err, size_t errlen);

/* "--rotate-every DURATION" (300, 90s, 5m, 1h, 1d) and "--rotate-size
 * SIZE" (bytes, or with k, M, G: powers of 1024). */
int outputs_rotate_every(struct outputs *os, const char *arg, char *err, size_t errlen);
int outputs_rotate_size(struct outputs *os, const char *arg, char *err, size_t errlen);

/* The -s summaries take standard output: an -o without a PATH names
 * their layout (table or csv, *layout; the table when none) and writes
 * no flow rows, as with nfdump's -s, so it leaves the outputs, and no
 * -o at all is no default table.  At most one such -o, table or csv;
 * -1 with a message otherwise. */
int outputs_give_stdout(struct outputs *os, const struct sink_ops **layout,
			char *err, size_t errlen);

/* Open every output (the default table when none was asked for) and
 * start its sink in c; with rotation, listen to c's clock.  A wrong path
 * or a duplicate is refused here, before anything is read. */
int outputs_start(struct outputs *os, struct collector *c, char *err, size_t errlen);

/* After collector_end: close the files, finish the rotated parts, and
 * say if any write failed (standard output included). */
int outputs_finish(struct outputs *os, char *err, size_t errlen);

/* The finished name of a rotated part (exposed for the tests): path
 * with ".YYYYmmdd-HHMMSS" (UTC, of start_us) before the extension and,
 * rotating by size, n > 0: the part's number among those with the same
 * start, from 0000 ("flows.20231114-221000.0003.csv"). */
int outputs_part_name(char *buf, size_t len, const char *path, int64_t start_us, unsigned n);

#endif
