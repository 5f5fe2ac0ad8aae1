/*
 * log.c - "flowprobe: ..." on standard error, or syslog in daemon mode
 * (see log.h).  One process, one log: the state below is the process's.
 */
#include <stdarg.h>
#include <stdio.h>
#include <syslog.h>
#include "log.h"

#define TO_STREAM 1
#define TO_SYSLOG 2

static int log_where = TO_STREAM;
static int log_level = LOG_INFO;
static FILE *log_stream;
static int syslog_open;

static void open_syslog(void)
{
	if (!syslog_open) {
		openlog("flowprobe", LOG_PID | LOG_NDELAY, LOG_DAEMON);
		syslog_open = 1;
	}
}

void log_to_syslog(void)
{
	open_syslog();
	log_where = TO_SYSLOG;
}

void log_to_both(void)
{
	open_syslog();
	log_where = TO_SYSLOG | TO_STREAM;
}

void log_set_level(int max_level)
{
	log_level = max_level;
}

void log_set_stream(FILE *f)
{
	log_stream = f;
}

void log_msg(int level, const char *fmt, ...)
{
	va_list ap;

	if (level > log_level)
		return;
	if (log_where & TO_SYSLOG) {
		va_start(ap, fmt);
		vsyslog(level, fmt, ap);
		va_end(ap);
	}
	if (log_where & TO_STREAM) {
		FILE *f = log_stream ? log_stream : stderr;
		/* One line, one write: build it whole so that lines from two
		 * threads are never interleaved mid-line. */
		char line[1024];
		int n = snprintf(line, sizeof(line), "flowprobe: %s",
				 level == LOG_WARNING ? "warning: " : "");
		if (n < 0)
			return;
		va_start(ap, fmt);
		vsnprintf(line + n, sizeof(line) - (size_t)n, fmt, ap);
		va_end(ap);
		fprintf(f, "%s\n", line);
		fflush(f);
	}
}
