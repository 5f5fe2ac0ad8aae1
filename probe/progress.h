/*
 * progress.h - how far a file run has got: one line on standard error.
 *
 * On a terminal the line is rewritten in place ("\r", padded with spaces
 * over a longer predecessor, cut to the terminal's width) at most four
 * times a second, and wiped before the statistics.  Elsewhere (--progress
 * into a log) each update is a line of its own, one a second, and the
 * last one, where reading ended, always stays.
 *
 * The line is printed from one thread only, the meter's, between blocks
 * of packets (reader.h's watch): the meter's counters are read where they
 * are written, the reader's position comes with each block it hands over,
 * and nothing else writes to standard error while a file is read (-D's
 * flow lines do: then the updates are whole lines, never rewritten).
 */
#ifndef FP_PROGRESS_H
#define FP_PROGRESS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* What one update shows. */
struct progress_snap {
	uint64_t packets;	/* records read from the capture */
	uint64_t active;	/* flows in the table (not the few packets
				 * still queued on their way in: meter.h) */
	uint64_t exported;	/* flow records exported */
	uint64_t datagrams;	/* export datagrams made */
	int64_t bytes;		/* bytes of the file read; < 0: not known */
	int64_t size;		/* the file's size; <= 0: not known (a pipe) */
	int64_t elapsed_us;	/* since reading began */
};

/*
 * The line, without a newline, into buf (always terminated when len > 0):
 *   "flowprobe: 45.2% read, 1m05s left, 1234567 packets at 812345/s,
 *    8192 flows active, 45678 exported, 1523 datagrams"
 * The percentage (rounded down: 100.0% only once the whole file is read)
 * and the time left (from the average speed so far) need a known size,
 * the speed a known elapsed time; each is left out, with its comma,
 * when it cannot be told.  Returns the length the line has (snprintf's
 * convention).
 */
size_t progress_format(char *buf, size_t len, const struct progress_snap *s);

enum progress_style {
	PROGRESS_OFF = 0,
	PROGRESS_TTY,		/* rewritten in place, 4 a second */
	PROGRESS_LINES,		/* a line each, 1 a second */
};

struct progress {
	enum progress_style style;
	FILE *out;
	int64_t start_us;	/* monotonic clock when reading began */
	int64_t next_us;	/* the next update is due then */
	size_t shown;		/* TTY: columns the line on screen takes, 0: none */
	int printed;		/* updates printed */
};

/* Start the clock; the first update is due one interval from now. */
void progress_start(struct progress *p, enum progress_style style, FILE *out);

/* Whether an update is due (reads the clock: call it between blocks of
 * packets, not per packet).  Always 0 when off. */
int progress_due(struct progress *p);

/* Print s (its elapsed_us is set here) and schedule the next update. */
void progress_show(struct progress *p, struct progress_snap *s);

/* Reading is over: the last update, then, on a terminal, the line wiped
 * so that what follows starts on a clean line.  On a terminal nothing is
 * printed when no update was (a run too short to need one). */
void progress_end(struct progress *p, struct progress_snap *s);

#endif
