/*
 * control.c - the control socket (see control.h): softflowd 1.1.0's
 * protocol and replies (softflowd-1.1.0.md §5), with bounds it lacks: a
 * client that sends nothing, too much or binary bytes cannot stall or
 * confuse the probe, and a client that hangs up cannot kill it (SIGPIPE).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>
#include "control.h"

/* The name before "[PID]:" in replies; softflowd writes "softflowd". */
#define CONTROL_NAME "flowprobe"

/* Bytes of input thrown away, without waiting, before closing (see
 * finish()). */
#define DRAIN_MAX 65536

struct control {
	int fd;
	dev_t dev;		/* the socket file we made, to remove only it */
	ino_t ino;
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
};

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Wait until fd is ready for events or the deadline passes: 1 ready, 0
 * timed out, -1 error. */
static int wait_for(int fd, short events, int64_t deadline)
{
	for (;;) {
		int64_t left = deadline - now_ms();
		if (left <= 0)
			return 0;
		struct pollfd p = { .fd = fd, .events = events };
		int n = poll(&p, 1, (int)left);
		if (n > 0)
			return 1;
		if (n < 0 && errno != EINTR)
			return -1;
	}
}

static int fill_addr(struct sockaddr_un *sa, const char *path, char *err, size_t errlen)
{
	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	if (path[0] == '\0' || strlen(path) >= sizeof(sa->sun_path)) {
		snprintf(err, errlen, "control socket path \"%s\" is %s (at most %zu bytes)", path,
			 path[0] ? "too long" : "empty", sizeof(sa->sun_path) - 1);
		return -1;
	}
	memcpy(sa->sun_path, path, strlen(path) + 1);
	return 0;
}

/* Is a server listening on the socket file at sa? */
static int answers(const struct sockaddr_un *sa)
{
	int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (s < 0)
		return 0;
	int ok = connect(s, (const struct sockaddr *)sa, sizeof(*sa)) == 0;
	close(s);
	return ok;
}

struct control *control_open(const char *path, mode_t mode, char *err, size_t errlen)
{
	struct sockaddr_un sa;
	struct stat sb;

	if (mode == 0)
		mode = CONTROL_DEFAULT_MODE;
	mode &= 0777;
	if (fill_addr(&sa, path, err, errlen) != 0)
		return NULL;
	if (lstat(path, &sb) == 0) {
		if (!S_ISSOCK(sb.st_mode)) {
			snprintf(err, errlen, "control socket path \"%s\" exists and is not a socket; "
				 "not removing it", path);
			return NULL;
		}
		if (answers(&sa)) {
			snprintf(err, errlen, "control socket \"%s\" is in use: another process "
				 "answers on it", path);
			return NULL;
		}
		if (unlink(path) != 0 && errno != ENOENT) {
			snprintf(err, errlen, "cannot remove the old control socket \"%s\": %s", path,
				 strerror(errno));
			return NULL;
		}
	} else if (errno != ENOENT) {
		snprintf(err, errlen, "control socket path \"%s\": %s", path, strerror(errno));
		return NULL;
	}

	struct control *ctl = calloc(1, sizeof(*ctl));
	if (ctl == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	memcpy(ctl->path, sa.sun_path, sizeof(ctl->path));
	ctl->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (ctl->fd < 0) {
		snprintf(err, errlen, "control socket: %s", strerror(errno));
		free(ctl);
		return NULL;
	}
	/* bind() creates the file with 0777 less the umask: narrow the umask
	 * so that no moment passes with wider permissions, then set the mode
	 * exactly (a umask only takes bits away). */
	mode_t old = umask((mode_t)(~mode & 0777));
	int rc = bind(ctl->fd, (struct sockaddr *)&sa, sizeof(sa));
	int bind_errno = errno;
	umask(old);
	if (rc != 0) {
		snprintf(err, errlen, "cannot create control socket \"%s\": %s", path,
			 strerror(bind_errno));
		goto fail;
	}
	if (chmod(path, mode) != 0 || lstat(path, &sb) != 0) {
		snprintf(err, errlen, "control socket \"%s\": %s", path, strerror(errno));
		unlink(path);
		goto fail;
	}
	ctl->dev = sb.st_dev;
	ctl->ino = sb.st_ino;
	if (listen(ctl->fd, 64) != 0) {
		snprintf(err, errlen, "control socket \"%s\": listen: %s", path, strerror(errno));
		unlink(path);
		goto fail;
	}
	return ctl;
fail:
	close(ctl->fd);
	free(ctl);
	return NULL;
}

int control_fd(const struct control *ctl)
{
	return ctl->fd;
}

void control_close(struct control *ctl)
{
	struct stat sb;

	if (ctl == NULL)
		return;
	/* Remove the file only if it is still the one we made: another
	 * process may have replaced it since. */
	if (lstat(ctl->path, &sb) == 0 && sb.st_dev == ctl->dev && sb.st_ino == ctl->ino)
		unlink(ctl->path);
	close(ctl->fd);
	free(ctl);
}

enum line_status { LINE_OK, LINE_NONE, LINE_LONG, LINE_SLOW, LINE_FAILED };

/*
 * Read the command line: up to a newline or end of file, within the
 * deadline.  At most CONTROL_LINE_MAX characters before the newline;
 * whatever follows the newline is ignored.  line has CONTROL_LINE_MAX + 2
 * bytes; it is NUL-terminated, without the newline, with *len its length
 * (a line may hold NUL bytes, which the caller refuses).
 */
static enum line_status read_line(int fd, char *line, size_t *len, int64_t deadline)
{
	size_t have = 0;

	for (;;) {
		ssize_t n = recv(fd, line + have, CONTROL_LINE_MAX + 1 - have, 0);
		if (n > 0) {
			char *nl = memchr(line + have, '\n', (size_t)n);
			have += (size_t)n;
			if (nl != NULL) {
				*len = (size_t)(nl - line);
				line[*len] = '\0';
				return LINE_OK;
			}
			if (have > CONTROL_LINE_MAX)
				return LINE_LONG;
			continue;
		}
		if (n == 0) {		/* end of file ends the line too */
			*len = have;
			line[have] = '\0';
			return have ? LINE_OK : LINE_NONE;
		}
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN && errno != EWOULDBLOCK)
			return have ? LINE_FAILED : LINE_NONE;
		int w = wait_for(fd, POLLIN, deadline);
		if (w == 0)
			return LINE_SLOW;
		if (w < 0)
			return LINE_FAILED;
	}
}

/* Write the whole reply within the deadline; a client that hangs up or
 * stops reading loses the rest. */
static void send_all(int fd, const char *buf, size_t len, int64_t deadline)
{
	while (len > 0) {
		ssize_t n = send(fd, buf, len, MSG_NOSIGNAL);
		if (n > 0) {
			buf += n;
			len -= (size_t)n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) &&
		    wait_for(fd, POLLOUT, deadline) == 1)
			continue;
		return;
	}
}

/*
 * Close the connection.  Input left unread would make close() reset the
 * connection, and a reset can reach the client before it has read the
 * reply: say we are done writing, and take in what has arrived (without
 * waiting) first.
 */
static void finish(int fd)
{
	char sink[4096];
	size_t drained = 0;

	shutdown(fd, SHUT_WR);
	while (drained < DRAIN_MAX) {
		ssize_t n = recv(fd, sink, sizeof(sink), MSG_DONTWAIT);
		if (n <= 0)
			break;
		drained += (size_t)n;
	}
	close(fd);
}

/* The reply header every command but help and unknown ones starts with. */
static void say(FILE *out, const char *text)
{
	fprintf(out, CONTROL_NAME "[%u]: %s\n", (unsigned)getpid(), text);
}

static void unavailable(FILE *out, const char *cmd)
{
	fprintf(out, CONTROL_NAME "[%u]: %s is not available.\n", (unsigned)getpid(), cmd);
}

static void cmd_help(FILE *out, const struct control_ops *ops, void *ctx)
{
	(void)ops;
	(void)ctx;
	fputs("Valid control words are:\n"
	      "\tdebug+ debug- delete-all dump-flows exit expire-all\n"
	      "\tshutdown start-gather statistics stop-gather timeouts\n"
	      "\tsend-template\n", out);
}

static void cmd_shutdown(FILE *out, const struct control_ops *ops, void *ctx)
{
	say(out, "Shutting down gracefully...");
	ops->stop(ctx, 1);
}

static void cmd_exit(FILE *out, const struct control_ops *ops, void *ctx)
{
	say(out, "Exiting now...");
	ops->stop(ctx, 0);
}

static void cmd_expire_all(FILE *out, const struct control_ops *ops, void *ctx)
{
	long n = ops->expire_all(ctx);
	fprintf(out, CONTROL_NAME "[%u]: Expired %ld flows.\n", (unsigned)getpid(), n);
}

static void cmd_delete_all(FILE *out, const struct control_ops *ops, void *ctx)
{
	long n = ops->delete_all(ctx);
	fprintf(out, CONTROL_NAME "[%u]: Deleted %ld flows.\n", (unsigned)getpid(), n);
}

static void cmd_send_template(FILE *out, const struct control_ops *ops, void *ctx)
{
	ops->send_template(ctx);
	say(out, "Template will be sent at next flow export");
}

static void cmd_statistics(FILE *out, const struct control_ops *ops, void *ctx)
{
	char when[32] = "1970-01-01T00:00:00";
	time_t t = ops->since ? (time_t)ops->since(ctx) : 0;
	struct tm tm;
	if (gmtime_r(&t, &tm) != NULL)
		strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S", &tm);
	fprintf(out, CONTROL_NAME "[%u]: Accumulated statistics since %s UTC:\n",
		(unsigned)getpid(), when);
	ops->statistics(ctx, out);
}

static void cmd_debug_up(FILE *out, const struct control_ops *ops, void *ctx)
{
	say(out, "Debug level increased.");
	ops->debug(ctx, 1);
}

static void cmd_debug_down(FILE *out, const struct control_ops *ops, void *ctx)
{
	say(out, "Debug level decreased.");
	ops->debug(ctx, -1);
}

static void cmd_stop_gather(FILE *out, const struct control_ops *ops, void *ctx)
{
	say(out, "Data collection stopped.");
	ops->gather(ctx, 0);
}

static void cmd_start_gather(FILE *out, const struct control_ops *ops, void *ctx)
{
	say(out, "Data collection resumed.");
	ops->gather(ctx, 1);
}

static void cmd_dump_flows(FILE *out, const struct control_ops *ops, void *ctx)
{
	say(out, "Dumping flow data:");
	ops->dump_flows(ctx, out);
}

static void cmd_timeouts(FILE *out, const struct control_ops *ops, void *ctx)
{
	say(out, "Printing timeouts:");
	ops->timeouts(ctx, out);
}

/* Each command with the callback it needs: without it the command
 * answers "... is not available." (checked here, once for all). */
#define NEEDS(member) offsetof(struct control_ops, member)
#define NEEDS_NOTHING SIZE_MAX

static const struct command {
	const char *word;
	void (*run)(FILE *out, const struct control_ops *ops, void *ctx);
	size_t needs;
} commands[] = {
	{ "help", cmd_help, NEEDS_NOTHING },
	{ "shutdown", cmd_shutdown, NEEDS(stop) },
	{ "exit", cmd_exit, NEEDS(stop) },
	{ "expire-all", cmd_expire_all, NEEDS(expire_all) },
	{ "send-template", cmd_send_template, NEEDS(send_template) },
	{ "delete-all", cmd_delete_all, NEEDS(delete_all) },
	{ "statistics", cmd_statistics, NEEDS(statistics) },
	{ "debug+", cmd_debug_up, NEEDS(debug) },
	{ "debug-", cmd_debug_down, NEEDS(debug) },
	{ "stop-gather", cmd_stop_gather, NEEDS(gather) },
	{ "start-gather", cmd_start_gather, NEEDS(gather) },
	{ "dump-flows", cmd_dump_flows, NEEDS(dump_flows) },
	{ "timeouts", cmd_timeouts, NEEDS(timeouts) },
};

static int provided(const struct control_ops *ops, size_t needs)
{
	void (*fn)(void);
	if (needs == NEEDS_NOTHING)
		return 1;
	memcpy(&fn, (const char *)ops + needs, sizeof(fn));
	return fn != NULL;
}

/* Run the line's command into out.  Returns CONTROL_DONE or, for a line
 * that is not printable text, CONTROL_REFUSED. */
static enum control_result run_line(const char *line, size_t len, FILE *out,
				    const struct control_ops *ops, void *ctx)
{
	/* A line from a terminal or a Windows client may end in CR. */
	if (len > 0 && line[len - 1] == '\r')
		len--;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)line[i];
		if (c < 0x20 || c > 0x7e) {
			fprintf(out, "Control command refused: byte 0x%02x at position %zu is not "
				"printable text\n", c, i + 1);
			return CONTROL_REFUSED;
		}
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		if (strlen(commands[i].word) == len && memcmp(commands[i].word, line, len) == 0) {
			if (provided(ops, commands[i].needs))
				commands[i].run(out, ops, ctx);
			else
				unavailable(out, commands[i].word);
			return CONTROL_DONE;
		}
	}
	fprintf(out, "Unknown control command \"%.*s\"\n", (int)len, line);
	return CONTROL_DONE;
}

enum control_result control_serve(int fd, const struct control_ops *ops, void *ctx)
{
	char line[CONTROL_LINE_MAX + 2];
	size_t len = 0;
	char *reply = NULL;
	size_t reply_len = 0;
	enum control_result res;

	/* The waits below are poll()s: the descriptor must not block. */
	int fl = fcntl(fd, F_GETFL);
	if (fl >= 0 && !(fl & O_NONBLOCK))
		fcntl(fd, F_SETFL, fl | O_NONBLOCK);

	enum line_status ls = read_line(fd, line, &len, now_ms() + CONTROL_TIMEOUT_MS);
	if (ls == LINE_NONE || ls == LINE_FAILED) {
		finish(fd);
		return CONTROL_IDLE;
	}
	FILE *out = open_memstream(&reply, &reply_len);
	if (out == NULL) {
		finish(fd);
		return CONTROL_IDLE;
	}
	if (ls == LINE_LONG) {
		fprintf(out, "Control command refused: longer than %d characters\n",
			CONTROL_LINE_MAX);
		res = CONTROL_REFUSED;
	} else if (ls == LINE_SLOW) {
		fprintf(out, "Control command refused: no complete line within %d ms\n",
			CONTROL_TIMEOUT_MS);
		res = CONTROL_REFUSED;
	} else {
		res = run_line(line, len, out, ops, ctx);
	}
	if (fclose(out) == 0)
		send_all(fd, reply, reply_len, now_ms() + CONTROL_TIMEOUT_MS);
	free(reply);
	finish(fd);
	return res;
}

enum control_result control_handle(struct control *ctl, const struct control_ops *ops,
				   void *ctx)
{
	int fd = accept4(ctl->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (fd < 0) {
		if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR ||
		    errno == ECONNABORTED)
			return CONTROL_IDLE;
		return CONTROL_ERROR;
	}
	return control_serve(fd, ops, ctx);
}
