/*
 * control.h - the control socket, wire-compatible with softflowd 1.1.0's
 * (reference: softflowd-1.1.0.md §5), so that Debian's softflowctl and our
 * flowctl both drive the probe.
 *
 * Protocol: a Unix stream socket; one command per connection.  The client
 * writes one line (at most CONTROL_LINE_MAX characters; a missing newline
 * at end of file is fine), the probe writes a plain-text reply and closes
 * the connection.  The replies are softflowd's, word for word, with
 * "flowprobe[PID]: " where softflowd writes "softflowd[PID]: ".
 *
 * Use, from the probe's poll loop:
 *
 *	struct control *ctl = control_open(path, 0, err, sizeof(err));
 *	... poll control_fd(ctl) for POLLIN beside the capture ...
 *	if (readable) control_handle(ctl, &ops, ctx);
 *	... at exit: control_close(ctl);
 *
 * control_handle never blocks for long: the listening socket and every
 * connection are non-blocking, a client has CONTROL_TIMEOUT_MS to send its
 * line and as long again to take the reply, and SIGPIPE is never raised
 * (a client that hangs up early costs nothing).  The module keeps no
 * globals; the probe's state is reached only through the callbacks.
 */
#ifndef FP_CONTROL_H
#define FP_CONTROL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

/* Where flowprobe and flowctl meet when no -c is given (softflowd and
 * softflowctl: /var/run/softflowd.ctl). */
#define CONTROL_DEFAULT_PATH "/run/flowprobe.ctl"

/* The socket file's mode when control_open is given 0: owner only. */
#define CONTROL_DEFAULT_MODE 0600

/* The longest command line, as softflowd's 64-byte buffer allows. */
#define CONTROL_LINE_MAX 63

/* How long a client may take to send its line, and to take the reply. */
#define CONTROL_TIMEOUT_MS 1000

/*
 * What the commands do, provided by the probe.  Every callback gets the
 * ctx given to control_handle.  A NULL callback makes its command answer
 * "flowprobe[PID]: COMMAND is not available." and do nothing.
 * The callbacks that write (FILE *out) write into the reply, after the
 * "flowprobe[PID]: ...:" header line this module writes.
 */
struct control_ops {
	/* expire-all: expire and export every flow now (end reason forced),
	 * templates resent first; returns the number of flows expired, or
	 * -1 when sending failed (softflowd's "Expired -1 flows."). */
	long (*expire_all)(void *ctx);
	/* delete-all: drop every flow, no export, no statistics; returns
	 * the number dropped. */
	long (*delete_all)(void *ctx);
	/* send-template: v9/IPFIX templates in the next datagram. */
	void (*send_template)(void *ctx);
	/* dump-flows: every active flow, flowdump_active() for each. */
	void (*dump_flows)(void *ctx, FILE *out);
	/* statistics: the block of stats_print_capture(); since() gives the
	 * "Accumulated statistics since ..." time, seconds since the epoch
	 * (softflowd: its start, or the first packet's time with -a). */
	void (*statistics)(void *ctx, FILE *out);
	int64_t (*since)(void *ctx);
	/* timeouts: timeouts_print(). */
	void (*timeouts)(void *ctx, FILE *out);
	/* shutdown (graceful 1: leave the loop, export every flow, exit) and
	 * exit (graceful 0: leave the loop at once, export nothing).  Only a
	 * request: the probe acts on it when control_handle has returned. */
	void (*stop)(void *ctx, int graceful);
	/* stop-gather (0) / start-gather (1): stop or resume reading packets;
	 * expiry and the control socket keep working. */
	void (*gather)(void *ctx, int on);
	/* debug+ (+1) / debug- (-1): softflowd's verbose flag, on or off. */
	void (*debug)(void *ctx, int delta);
};

struct control;

/*
 * Create the socket at path and listen.  An existing socket file there is
 * replaced, unless a server still answers on it; any other kind of file
 * is left alone and refused.  mode: the socket file's permissions (0:
 * CONTROL_DEFAULT_MODE); connecting needs write permission.  The mode is
 * set through a short umask change around bind(), process-wide: call this
 * before other threads create files.  Returns NULL with a message in err.
 */
struct control *control_open(const char *path, mode_t mode, char *err, size_t errlen);

/* The listening descriptor, for poll(): readable when a client waits. */
int control_fd(const struct control *ctl);

enum control_result {
	CONTROL_IDLE = 0,	/* no client waiting, or it sent nothing */
	CONTROL_DONE,		/* a command was run (unknown ones included) */
	CONTROL_REFUSED,	/* a bad line: too long, not text, too slow */
	CONTROL_ERROR,		/* accept() failed: errno says why */
};

/* Accept one client, read its line, run the command, reply, close. */
enum control_result control_handle(struct control *ctl, const struct control_ops *ops,
				   void *ctx);

/* The same on a connection already accepted: fd is read, answered and
 * closed.  control_handle's second half; tests use it on a socketpair. */
enum control_result control_serve(int fd, const struct control_ops *ops, void *ctx);

/* Close the socket and remove its file (if it is still ours); NULL is
 * fine. */
void control_close(struct control *ctl);

#endif
