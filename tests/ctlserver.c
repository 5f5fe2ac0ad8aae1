/*
 * ctlserver.c - serve a control socket with the fake actions of ctlfake.h,
 * for tests/e2e/control.sh: flowctl and softflowctl talk to it as to a
 * probe.  Every call is logged to standard error ("NAME ARG").
 *
 *   ctlserver PATH [MODE]     (MODE octal; default control.h's 0600)
 *
 * Prints "ready" on standard output once listening; serves until a
 * shutdown or exit command, or until 60 s pass with no client.  Exit 0,
 * or 1 when the socket cannot be made (the message on standard error).
 */
#include <poll.h>
#include <stdlib.h>
#include "ctlfake.h"

static struct fake fake;	/* large: the exporter's buffers */

int main(int argc, char **argv)
{
	char err[512];

	if (argc < 2 || argc > 3) {
		fprintf(stderr, "usage: ctlserver PATH [MODE]\n");
		return 1;
	}
	mode_t mode = argc == 3 ? (mode_t)strtoul(argv[2], NULL, 8) : 0;
	struct control *ctl = control_open(argv[1], mode, err, sizeof(err));
	if (ctl == NULL) {
		fprintf(stderr, "ctlserver: %s\n", err);
		return 1;
	}
	fake_init(&fake);
	fake.log = stderr;
	printf("ready\n");
	fflush(stdout);
	while (fake.stop == 0) {
		struct pollfd p = { .fd = control_fd(ctl), .events = POLLIN };
		int n = poll(&p, 1, 60000);
		if (n == 0)
			break;
		if (n > 0) {
			enum control_result r = control_handle(ctl, &fake_ops, &fake);
			fprintf(stderr, "result %d\n", (int)r);
		}
	}
	control_close(ctl);
	return 0;
}
