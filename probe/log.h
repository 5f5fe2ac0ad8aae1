/*
 * log.h - the probe's one logging call.
 *
 * In the foreground every message is a line "flowprobe: TEXT" on standard
 * error; once the process is a daemon, log_to_syslog() sends them to
 * syslog instead (ident "flowprobe", LOG_PID, facility LOG_DAEMON), as
 * softflowd's logit() does.  Levels are syslog's (LOG_ERR, LOG_WARNING,
 * LOG_INFO, LOG_DEBUG); a message above the current level is dropped
 * before it is formatted.  Warnings are prefixed "warning: " on standard
 * error, so a terminal shows what syslog's priority would.
 */
#ifndef FP_LOG_H
#define FP_LOG_H

#include <stdio.h>
#include <syslog.h>

void log_msg(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* From now on to syslog, not standard error.  Opens the syslog socket at
 * once (LOG_NDELAY), so call it before a chroot hides /dev/log. */
void log_to_syslog(void);

/* Syslog and standard error both: for a daemon's start-up, while the
 * parent is still waiting for it and the terminal can still show why it
 * failed (daemon_detach() and daemon_ready() switch through here). */
void log_to_both(void);

/* Messages of a level above this are dropped (default LOG_INFO; -D:
 * LOG_DEBUG). */
void log_set_level(int max_level);

/* Where foreground messages go (default stderr); for tests. */
void log_set_stream(FILE *f);

#endif
