/*
 * commands.h - the control socket's commands (control.h) acting on a
 * running probe: its live loop, meter, flow table and exporter.
 */
#ifndef FP_COMMANDS_H
#define FP_COMMANDS_H

#include <stdint.h>
#include "control.h"
#include "live.h"
#include "meter.h"
#include "timeouts.h"

struct probe_commands {
	struct live *live;
	struct meter *meter;
	const struct timeouts *to;
	FILE *debug_out;	/* where debug+ sends the EXPIRED lines */
	int64_t started_s;	/* "Accumulated statistics since" */
	struct control *ctl;
};

extern const struct control_ops probe_command_ops;

/* The live loop's callback for the control socket: one client served. */
void commands_on_control(void *ctx, int fd, short revents);

#endif
