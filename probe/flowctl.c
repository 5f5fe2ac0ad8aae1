/*
 * flowctl.c - send one command to flowprobe's control socket and print
 * the reply: softflowctl's behaviour (softflowd-1.1.0.md §5), so either
 * client drives either probe.  See probe/control.h for the protocol.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>
#include "control.h"

/* No reply byte for this long: give up (softflowctl waits for ever). */
#define REPLY_TIMEOUT_S 60

static void usage(FILE *out)
{
	fputs(
"NAME\n"
"    flowctl - send a command to a running flowprobe\n"
"\n"
"SYNOPSIS\n"
"    flowctl [-h] [-c PATH] COMMAND\n"
"\n"
"DESCRIPTION\n"
"    Connects to flowprobe's control socket, sends COMMAND and prints the\n"
"    reply as it comes.  The protocol is softflowd's: flowctl drives\n"
"    softflowd too, and Debian's softflowctl drives flowprobe\n"
"    (softflowctl -c " CONTROL_DEFAULT_PATH " COMMAND).\n"
"\n"
"OPTIONS\n"
"    -c PATH      The control socket (default " CONTROL_DEFAULT_PATH ";\n"
"                 softflowd's is /var/run/softflowd.ctl).\n"
"    -h, --help   This text, on standard output.\n"
"\n"
"COMMANDS\n"
"    help           List the commands.\n"
"    statistics     The probe's counters, in softflowd's layout.\n"
"    dump-flows     Every active flow and when it is due.\n"
"    timeouts       The timeouts in force.\n"
"    expire-all     Export every flow now.\n"
"    delete-all     Drop every flow without exporting it.\n"
"    send-template  Send the v9/IPFIX templates with the next export.\n"
"    stop-gather    Stop reading packets (expiry goes on).\n"
"    start-gather   Read packets again.\n"
"    debug+, debug- Print every expired flow, or stop.\n"
"    shutdown       Export every flow and exit.\n"
"    exit           Exit at once, exporting nothing.\n"
"\n"
"EXIT STATUS\n"
"    0 when a reply was read, whatever it says (an unknown command too);\n"
"    1 for a usage error or when the socket cannot be reached.\n", out);
}

int main(int argc, char **argv)
{
	const char *path = CONTROL_DEFAULT_PATH;
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int ch;

	while ((ch = getopt_long(argc, argv, "hc:", longopts, NULL)) != -1) {
		switch (ch) {
		case 'h':
			usage(stdout);
			return 0;
		case 'c':
			path = optarg;
			break;
		default:
			fprintf(stderr, "usage: flowctl [-h] [-c PATH] COMMAND\n");
			return 1;
		}
	}
	if (optind != argc - 1) {
		fprintf(stderr, "flowctl: %s\nusage: flowctl [-h] [-c PATH] COMMAND\n",
			optind < argc ? "one command word only" : "no command given");
		return 1;
	}
	const char *command = argv[optind];

	struct sockaddr_un sa;
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sa.sun_path)) {
		fprintf(stderr, "flowctl: control socket path \"%s\" is too long (at most %zu bytes)\n",
			path, sizeof(sa.sun_path) - 1);
		return 1;
	}
	memcpy(sa.sun_path, path, strlen(path) + 1);

	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		fprintf(stderr, "flowctl: socket: %s\n", strerror(errno));
		return 1;
	}
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		fprintf(stderr, "flowctl: cannot connect to control socket \"%s\": %s\n", path,
			strerror(errno));
		close(fd);
		return 1;
	}
	struct timeval tv = { .tv_sec = REPLY_TIMEOUT_S };
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));

	/* The command and its newline in one write. */
	size_t len = strlen(command);
	char *line = malloc(len + 2);
	if (line == NULL) {
		fprintf(stderr, "flowctl: out of memory\n");
		close(fd);
		return 1;
	}
	memcpy(line, command, len);
	line[len] = '\n';
	size_t off = 0;
	while (off < len + 1) {
		ssize_t n = send(fd, line + off, len + 1 - off, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;	/* the probe may have answered and closed: read it */
		off += (size_t)n;
	}
	free(line);

	char buf[8192];
	for (;;) {
		ssize_t n = recv(fd, buf, sizeof(buf), 0);
		if (n > 0) {
			if (fwrite(buf, 1, (size_t)n, stdout) != (size_t)n)
				break;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			fflush(stdout);
			fprintf(stderr, "flowctl: no reply from \"%s\" for %d s\n", path,
				REPLY_TIMEOUT_S);
			close(fd);
			return 1;
		}
		break;	/* end of the reply (a reset too: softflowctl's fgets ends there) */
	}
	close(fd);
	if (fflush(stdout) != 0) {
		fprintf(stderr, "flowctl: writing the reply: %s\n", strerror(errno));
		return 1;
	}
	return 0;
}
