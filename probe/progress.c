/* progress.c - the progress line of a file run (progress.h). */
#include <string.h>
#include <time.h>
#include <sys/ioctl.h>
#include "progress.h"

#define TTY_INTERVAL_US 250000		/* a terminal: 4 updates a second */
#define LINES_INTERVAL_US 1000000	/* a log: 1 a second */
#define LINE_MAX_BYTES 256		/* a line is under 200 */

/* snprintf at buf + *at, however much room is left: *at counts what the
 * whole line needs, as snprintf's return does. */
#define ADD(...) \
	do { \
		size_t room_ = *at < len ? len - *at : 0; \
		int n_ = snprintf(room_ ? buf + *at : NULL, room_, __VA_ARGS__); \
		if (n_ > 0) \
			*at += (size_t)n_; \
	} while (0)

/* Seconds as "12s", "1m05s" or "1h02m": the time left, which needs no
 * more precision than that. */
static void add_duration(char *buf, size_t len, size_t *at, uint64_t secs)
{
	if (secs < 60)
		ADD("%llus", (unsigned long long)secs);
	else if (secs < 3600)
		ADD("%llum%02llus", (unsigned long long)(secs / 60), (unsigned long long)(secs % 60));
	else
		ADD("%lluh%02llum", (unsigned long long)(secs / 3600),
		    (unsigned long long)(secs / 60 % 60));
}

/* Tenths of a percent of the file read, rounded down, at most 1000. */
static uint64_t permille(int64_t bytes, int64_t size)
{
	uint64_t b = (uint64_t)bytes, z = (uint64_t)size;
	if (b >= z)
		return 1000;
	/* b < z: b * 1000 cannot overflow below 18 PB; above, z / 1000,
	 * rounded down, can make the quotient 1000: not yet */
	uint64_t pm = z <= UINT64_MAX / 1000 ? b * 1000 / z : b / (z / 1000);
	return pm < 1000 ? pm : 999;
}

size_t progress_format(char *buf, size_t len, const struct progress_snap *s)
{
	size_t zero = 0, *at = &zero;
	int sized = s->size > 0 && s->bytes >= 0;

	if (len > 0)
		buf[0] = '\0';
	ADD("flowprobe: ");
	if (sized) {
		uint64_t pm = permille(s->bytes, s->size);
		ADD("%llu.%llu%% read, ", (unsigned long long)(pm / 10), (unsigned long long)(pm % 10));
		if (s->bytes > 0 && s->bytes < s->size && s->elapsed_us > 0) {
			/* at the average speed so far */
			double left_us = (double)s->elapsed_us * (double)(s->size - s->bytes) / (double)s->bytes;
			add_duration(buf, len, at, (uint64_t)((left_us + 500000) / 1e6));
			ADD(" left, ");
		}
	}
	ADD("%llu packets", (unsigned long long)s->packets);
	if (s->elapsed_us > 0)
		ADD(" at %llu/s", (unsigned long long)((double)s->packets * 1e6 / (double)s->elapsed_us));
	ADD(", %llu flows active, %llu exported, %llu datagrams", (unsigned long long)s->active,
	    (unsigned long long)s->exported, (unsigned long long)s->datagrams);
	return *at;
}

static int64_t now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static int64_t interval_us(const struct progress *p)
{
	return p->style == PROGRESS_TTY ? TTY_INTERVAL_US : LINES_INTERVAL_US;
}

void progress_start(struct progress *p, enum progress_style style, FILE *out)
{
	memset(p, 0, sizeof(*p));
	p->style = style;
	p->out = out;
	p->start_us = now_us();
	p->next_us = p->start_us + interval_us(p);
}

int progress_due(struct progress *p)
{
	return p->style != PROGRESS_OFF && now_us() >= p->next_us;
}

/* The terminal's width, or 0 when it does not say. */
static size_t columns(FILE *out)
{
	struct winsize ws;
	if (ioctl(fileno(out), TIOCGWINSZ, &ws) != 0)
		return 0;
	return ws.ws_col;
}

/* "\r", the line, and spaces over what is left of a longer one: no
 * escape sequence, so any terminal shows it.  A line as wide as the
 * terminal would wrap, and "\r" would then go back to the wrong row: it
 * is cut one short of the width. */
static void print_tty(struct progress *p, const char *line, size_t n)
{
	char out[1 + 2 * LINE_MAX_BYTES];
	size_t cols = columns(p->out);
	size_t limit = cols > 1 && cols - 1 < LINE_MAX_BYTES ? cols - 1 : LINE_MAX_BYTES - 1;
	if (n > limit)
		n = limit;
	size_t cover = p->shown < limit ? p->shown : limit;
	out[0] = '\r';
	memcpy(out + 1, line, n);
	size_t pad = cover > n ? cover - n : 0;
	memset(out + 1 + n, ' ', pad);
	fwrite(out, 1, 1 + n + pad, p->out);
	fflush(p->out);
	p->shown = n > cover ? n : cover;
}

void progress_show(struct progress *p, struct progress_snap *s)
{
	char line[LINE_MAX_BYTES];
	int64_t now = now_us();

	if (p->style == PROGRESS_OFF)
		return;
	s->elapsed_us = now - p->start_us;
	size_t n = progress_format(line, sizeof(line), s);
	if (n >= sizeof(line))
		n = sizeof(line) - 1;
	if (p->style == PROGRESS_TTY) {
		print_tty(p, line, n);
	} else {
		fprintf(p->out, "%s\n", line);
		fflush(p->out);
	}
	p->printed++;
	p->next_us = now + interval_us(p);
}

void progress_end(struct progress *p, struct progress_snap *s)
{
	if (p->style == PROGRESS_OFF || (p->style == PROGRESS_TTY && p->printed == 0))
		return;
	progress_show(p, s);
	if (p->style == PROGRESS_TTY) {
		char out[2 + LINE_MAX_BYTES];
		out[0] = '\r';
		memset(out + 1, ' ', p->shown);
		out[1 + p->shown] = '\r';
		fwrite(out, 1, 2 + p->shown, p->out);
		fflush(p->out);
		p->shown = 0;
	}
	p->style = PROGRESS_OFF;
}
