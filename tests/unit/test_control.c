/*
 * test_control.c - the control socket (probe/control.h): every command's
 * exact reply and the callback it runs, the lines refused (too long, not
 * text, silence), the socket file's mode and what control_open refuses to
 * remove.  Client and server run in this one thread: the client's line
 * waits in the socket until control_handle reads it, and the reply waits
 * there until the client reads it.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "../ctlfake.h"

static struct fake fake;	/* static: the exporter inside is large */
static char dir[64];
static char path[128];
static struct control *ctl;

static int setup(void **state)
{
	(void)state;
	char err[256];
	snprintf(dir, sizeof(dir), "/tmp/test_control.XXXXXX");
	if (mkdtemp(dir) == NULL)
		return -1;
	snprintf(path, sizeof(path), "%s/ctl", dir);
	ctl = control_open(path, 0, err, sizeof(err));
	if (ctl == NULL) {
		fprintf(stderr, "control_open: %s\n", err);
		return -1;
	}
	fake_init(&fake);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	control_close(ctl);
	ctl = NULL;
	unlink(path);
	rmdir(dir);
	return 0;
}

static int connect_to(const char *p)
{
	struct sockaddr_un sa;
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", p);
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);
	assert_true(fd >= 0);
	assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	return fd;
}

/* Read until end of file; the reply, NUL-terminated, to free. */
static char *read_all(int fd)
{
	size_t cap = 1 << 16, len = 0;
	char *buf = malloc(cap);
	assert_non_null(buf);
	for (;;) {
		ssize_t n = read(fd, buf + len, cap - 1 - len);
		assert_true(n >= 0);
		if (n == 0)
			break;
		len += (size_t)n;
		assert_true(len < cap - 1);
	}
	buf[len] = '\0';
	return buf;
}

/* Connect, send n bytes (then end the writing side if eof), let the
 * server handle it, and return its reply. */
static char *ask_bytes(const char *bytes, size_t n, int eof, enum control_result *res)
{
	int fd = connect_to(path);
	if (n)
		assert_int_equal(write(fd, bytes, n), (ssize_t)n);
	if (eof)
		shutdown(fd, SHUT_WR);
	enum control_result r = control_handle(ctl, &fake_ops, &fake);
	if (res)
		*res = r;
	char *reply = read_all(fd);
	close(fd);
	return reply;
}

/* A command as softflowctl sends it: the word and a newline. */
static char *ask(const char *cmd, enum control_result *res)
{
	char line[256];
	snprintf(line, sizeof(line), "%s\n", cmd);
	return ask_bytes(line, strlen(line), 0, res);
}

/* "flowprobe[PID]: " + text + "\n" */
static char *expect(const char *text)
{
	static char buf[8192];
	snprintf(buf, sizeof(buf), "flowprobe[%u]: %s\n", (unsigned)getpid(), text);
	return buf;
}

static void check(const char *cmd, const char *want)
{
	enum control_result r;
	char *got = ask(cmd, &r);
	assert_string_equal(got, want);
	assert_int_equal(r, CONTROL_DONE);
	free(got);
}

static int calls(void)
{
	return fake.expire_all + fake.delete_all + fake.send_template + fake.dump_flows +
	       fake.statistics + fake.timeouts + fake.stop + fake.gather + fake.debug;
}

static void test_help(void **state)
{
	(void)state;
	check("help", "Valid control words are:\n"
		      "\tdebug+ debug- delete-all dump-flows exit expire-all\n"
		      "\tshutdown start-gather statistics stop-gather timeouts\n"
		      "\tsend-template\n");
	assert_int_equal(calls(), 0);
}

static void test_simple_commands(void **state)
{
	(void)state;
	check("expire-all", expect("Expired 3 flows."));
	assert_int_equal(fake.expire_all, 1);
	fake.expired = -1;	/* sending failed */
	check("expire-all", expect("Expired -1 flows."));
	assert_int_equal(fake.expire_all, 2);
	check("delete-all", expect("Deleted 2 flows."));
	assert_int_equal(fake.delete_all, 1);
	check("send-template", expect("Template will be sent at next flow export"));
	assert_int_equal(fake.send_template, 1);

	check("debug+", expect("Debug level increased."));
	assert_int_equal(fake.debug, 1);
	assert_int_equal(fake.last_debug, 1);
	check("debug-", expect("Debug level decreased."));
	assert_int_equal(fake.debug, 2);
	assert_int_equal(fake.last_debug, -1);

	check("stop-gather", expect("Data collection stopped."));
	assert_int_equal(fake.gather, 1);
	assert_int_equal(fake.last_gather, 0);
	check("start-gather", expect("Data collection resumed."));
	assert_int_equal(fake.gather, 2);
	assert_int_equal(fake.last_gather, 1);

	check("shutdown", expect("Shutting down gracefully..."));
	assert_int_equal(fake.stop, 1);
	assert_int_equal(fake.last_graceful, 1);
	check("exit", expect("Exiting now..."));
	assert_int_equal(fake.stop, 2);
	assert_int_equal(fake.last_graceful, 0);
	assert_int_equal(calls(), 10);
}

static void test_timeouts(void **state)
{
	(void)state;
	char want[1024];
	snprintf(want, sizeof(want), "%s"
		 "           TCP timeout: 3600s\n"
		 "  TCP post-RST timeout: 120s\n"
		 "  TCP post-FIN timeout: 300s\n"
		 "           UDP timeout: 90s\n"
		 "          ICMP timeout: 300s\n"
		 "       General timeout: 3600s\n"
		 "      Maximum lifetime: 604800s\n"
		 "       Expiry interval: 60s\n", expect("Printing timeouts:"));
	check("timeouts", want);
	assert_int_equal(fake.timeouts, 1);
	assert_int_equal(calls(), 1);
}

static void test_statistics(void **state)
{
	(void)state;
	char want[4096];
	snprintf(want, sizeof(want), "%s"
		 "Number of active flows: 2\n"
		 "Packets processed: 14\n"
		 "Fragments: 0\n"
		 "Ignored packets: 2 (1 non-IP, 1 too short)\n"
		 "Flows expired: 2 (0 forced)\n"
		 "Flows exported: 2 (2 records) in 1 packets (0 failures)\n"
		 "\n"
		 "Expired flow statistics:  minimum       average       maximum\n"
		 "  Flow bytes:                 120           560          1000\n"
		 "  Flow packets:                 2             5             8\n"
		 "  Duration:                  0.50s         1.50s         2.50s\n"
		 "\n"
		 "Expired flow reasons:\n"
		 "       tcp =         0   tcp.rst =         0   tcp.fin =         1\n"
		 "       udp =         1      icmp =         0   general =         0\n"
		 "   maxlife =         0\n"
		 "over 2 GiB =         0\n"
		 "  maxflows =         0\n"
		 "   flushed =         0\n"
		 "\n"
		 "Per-protocol statistics:     Octets      Packets   Avg Life    Max Life\n"
		 "            tcp (6):           1300           10       2.50s       2.50s\n"
		 "           udp (17):            120            2       0.50s       0.50s\n"
		 "\n"
		 "Flows created: 4\n"
		 "Flows by end reason: idle 1, active 0, end of flow 1, forced 0, lack of resources 0\n"
		 "Bad packets: 1 too short, 0 bad IP header\n"
		 "Later fragments: 0 joined their first, 0 waited for it, 0 unmatched (ports 0)\n"
		 "IPv6 flows not exportable in v5: 0\n"
		 "Flow table memory: 4096 bytes\n",
		 expect("Accumulated statistics since 2023-11-14T22:13:20 UTC:"));
	check("statistics", want);
	assert_int_equal(fake.statistics, 1);
	assert_int_equal(fake.since, 1);
	assert_int_equal(calls(), 1);
}

/* Live counters go after "Flows exported"; no expired flow: softflowd's
 * block ends at the blank line. */
static void test_statistics_live_nothing_expired(void **state)
{
	(void)state;
	struct probe_stats st;
	struct stats_capture cap = { 1000, 7, 3 };
	char *buf = NULL;
	size_t len = 0;
	memset(&st, 0, sizeof(st));
	st.processed = 5;
	st.proto_packets[6] = 5;
	FILE *out = open_memstream(&buf, &len);
	assert_non_null(out);
	stats_print_capture(out, &st, &fake.ex, 1, &cap);
	fclose(out);
	const char *want =
		"Number of active flows: 1\n"
		"Packets processed: 5\n"
		"Fragments: 0\n"
		"Ignored packets: 0 (0 non-IP, 0 too short)\n"
		"Flows expired: 0 (0 forced)\n"
		"Flows exported: 2 (2 records) in 1 packets (0 failures)\n"
		"Packets received by libpcap: 1000\n"
		"Packets dropped by libpcap: 7\n"
		"Packets dropped by interface: 3\n"
		"\n"
		"\n"
		"Flows created: 0\n";
	assert_memory_equal(buf, want, strlen(want));
	free(buf);
}

static void test_dump_flows(void **state)
{
	(void)state;
	char want[2048];
	snprintf(want, sizeof(want), "%s"
		 "ACTIVE seq:1 [10.0.0.1]:40000 > [10.0.0.2]:80 proto:6 tos:0x00 if:0 octets:180 "
		 "packets:3 start:2023-11-14T22:13:20.250000 finish:2023-11-14T22:13:21.500000 "
		 "tcp:12 flowlabel:00000 vlan:0\n"
		 "EXPIRY EVENT for flow 1 in 40 seconds\n"
		 "\n"
		 "ACTIVE seq:2 [10.0.0.1]:5353 > [10.0.0.2]:53 proto:17 tos:0x00 if:0 octets:60 "
		 "packets:1 start:2023-11-14T22:13:20.250000 finish:2023-11-14T22:13:20.250000 "
		 "tcp:00 flowlabel:00000 vlan:0\n"
		 "EXPIRY EVENT for flow 2 now (FORCED)\n"
		 "\n", expect("Dumping flow data:"));
	check("dump-flows", want);
	assert_int_equal(fake.dump_flows, 1);

	/* A flow past its due time: "now", without FORCED. */
	struct flow_record r;
	char *buf = NULL;
	size_t len = 0;
	memset(&r, 0, sizeof(r));
	r.af = 6;
	r.src[15] = 1;
	r.dst[15] = 2;
	r.proto = 58;
	r.dport = 128 * 256;
	FILE *out = open_memstream(&buf, &len);
	flowdump_active(out, 7, &r, 99, 100);
	fclose(out);
	assert_string_equal(buf,
		"ACTIVE seq:7 [::1]:0 > [::2]:32768 proto:58 tos:0x00 if:0 octets:0 packets:0 "
		"start:1970-01-01T00:00:00.000000 finish:1970-01-01T00:00:00.000000 tcp:00 "
		"flowlabel:00000 vlan:0\n"
		"EXPIRY EVENT for flow 7 now\n\n");
	free(buf);
}

static void test_unknown_and_empty(void **state)
{
	(void)state;
	check("bogus", "Unknown control command \"bogus\"\n");
	check("HELP", "Unknown control command \"HELP\"\n");
	check("help ", "Unknown control command \"help \"\n");
	check("", "Unknown control command \"\"\n");
	assert_int_equal(calls(), 0);
}

/* softflowctl ends its line with a newline; nc or a script may not, or
 * may add a CR; anything after the newline is ignored. */
static void test_line_endings(void **state)
{
	(void)state;
	enum control_result r;
	char *got = ask_bytes("timeouts", 8, 1, &r);
	assert_int_equal(r, CONTROL_DONE);
	const char *head = expect("Printing timeouts:");
	assert_int_equal(strncmp(got, head, strlen(head)), 0);
	free(got);
	got = ask_bytes("delete-all\r\n", 12, 0, &r);
	assert_string_equal(got, expect("Deleted 2 flows."));
	free(got);
	got = ask_bytes("delete-all\nexit\n", 16, 0, &r);
	assert_string_equal(got, expect("Deleted 2 flows."));
	free(got);
	assert_int_equal(fake.timeouts, 1);
	assert_int_equal(fake.delete_all, 2);
	assert_int_equal(fake.stop, 0);
}

static void test_too_long(void **state)
{
	(void)state;
	enum control_result r;
	char line[2100];

	/* 63 characters: the longest line, read whole. */
	memset(line, 'a', 63);
	line[63] = '\n';
	char *got = ask_bytes(line, 64, 0, &r);
	char want[128];
	snprintf(want, sizeof(want), "Unknown control command \"%.63s\"\n", line);
	assert_string_equal(got, want);
	assert_int_equal(r, CONTROL_DONE);
	free(got);

	/* 64: refused (softflowd would run the first 63 as a command) */
	memset(line, 'a', 64);
	line[64] = '\n';
	got = ask_bytes(line, 65, 0, &r);
	assert_string_equal(got, "Control command refused: longer than 63 characters\n");
	assert_int_equal(r, CONTROL_REFUSED);
	free(got);

	/* a command and a long tail before any newline: refused, not run */
	memset(line, 'x', sizeof(line));
	memcpy(line, "shutdown", 8);
	got = ask_bytes(line, sizeof(line), 1, &r);
	assert_string_equal(got, "Control command refused: longer than 63 characters\n");
	assert_int_equal(r, CONTROL_REFUSED);
	free(got);
	assert_int_equal(calls(), 0);
}

static void test_not_text(void **state)
{
	(void)state;
	enum control_result r;
	char *got = ask_bytes("he\x01p\n", 5, 0, &r);
	assert_string_equal(got, "Control command refused: byte 0x01 at position 3 is not "
				 "printable text\n");
	assert_int_equal(r, CONTROL_REFUSED);
	free(got);
	/* a NUL does not cut the line into a valid command */
	got = ask_bytes("exit\0junk\n", 10, 0, &r);
	assert_string_equal(got, "Control command refused: byte 0x00 at position 5 is not "
				 "printable text\n");
	free(got);
	got = ask_bytes("shutdown\xff\n", 10, 0, &r);
	assert_string_equal(got, "Control command refused: byte 0xff at position 9 is not "
				 "printable text\n");
	free(got);
	got = ask_bytes("\tstatistics\n", 12, 0, &r);
	assert_string_equal(got, "Control command refused: byte 0x09 at position 1 is not "
				 "printable text\n");
	free(got);
	assert_int_equal(calls(), 0);
}

static double seconds_since(const struct timespec *t0)
{
	struct timespec t1;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (double)(t1.tv_sec - t0->tv_sec) + (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
}

/* A client that connects and says nothing holds the probe for the
 * timeout, no longer; one that half-sends a line, the same. */
static void test_silent_client(void **state)
{
	(void)state;
	struct timespec t0;
	enum control_result r;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	char *got = ask_bytes(NULL, 0, 0, &r);
	double took = seconds_since(&t0);
	assert_true(took >= 0.9 && took < 1.8);
	assert_int_equal(r, CONTROL_REFUSED);
	assert_string_equal(got, "Control command refused: no complete line within 1000 ms\n");
	free(got);

	clock_gettime(CLOCK_MONOTONIC, &t0);
	got = ask_bytes("shutd", 5, 0, &r);
	took = seconds_since(&t0);
	assert_true(took >= 0.9 && took < 1.8);
	assert_int_equal(r, CONTROL_REFUSED);
	free(got);
	assert_int_equal(calls(), 0);
}

/* Nothing waiting, or a client gone without a word: no reply, no call,
 * no wait. */
static void test_idle(void **state)
{
	(void)state;
	struct timespec t0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(control_handle(ctl, &fake_ops, &fake), CONTROL_IDLE);
	enum control_result r;
	char *got = ask_bytes(NULL, 0, 1, &r);
	assert_int_equal(r, CONTROL_IDLE);
	assert_string_equal(got, "");
	free(got);
	assert_true(seconds_since(&t0) < 0.5);
	assert_int_equal(calls(), 0);
}

/* A client that hangs up before its reply: no SIGPIPE (this test process
 * would die of it), and the next client is served. */
static void test_client_gone(void **state)
{
	(void)state;
	int fd = connect_to(path);
	assert_int_equal(write(fd, "dump-flows\n", 11), 11);
	close(fd);
	assert_int_equal(control_handle(ctl, &fake_ops, &fake), CONTROL_DONE);
	assert_int_equal(fake.dump_flows, 1);
	check("send-template", expect("Template will be sent at next flow export"));
}

static void test_callbacks_missing(void **state)
{
	(void)state;
	static const struct control_ops none;
	const char *words[] = { "shutdown", "exit", "expire-all", "delete-all", "send-template",
				"statistics", "dump-flows", "timeouts", "debug+", "debug-",
				"stop-gather", "start-gather" };
	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
		char line[80], want[128];
		int fd = connect_to(path);
		snprintf(line, sizeof(line), "%s\n", words[i]);
		assert_int_equal(write(fd, line, strlen(line)), (ssize_t)strlen(line));
		assert_int_equal(control_handle(ctl, &none, NULL), CONTROL_DONE);
		char *got = read_all(fd);
		close(fd);
		snprintf(want, sizeof(want), "%s is not available.", words[i]);
		assert_string_equal(got, expect(want));
		free(got);
	}
}

static void test_mode(void **state)
{
	(void)state;
	struct stat sb;
	char err[256], p2[160];

	assert_int_equal(lstat(path, &sb), 0);
	assert_true(S_ISSOCK(sb.st_mode));
	assert_int_equal(sb.st_mode & 07777, 0600);

	/* A wider mode asked for is given exactly, whatever the umask; the
	 * umask is put back. */
	snprintf(p2, sizeof(p2), "%s/ctl2", dir);
	mode_t old = umask(077);
	struct control *c2 = control_open(p2, 0660, err, sizeof(err));
	mode_t now = umask(old);
	assert_non_null(c2);
	assert_int_equal(now, 077);
	assert_int_equal(lstat(p2, &sb), 0);
	assert_int_equal(sb.st_mode & 07777, 0660);
	control_close(c2);
	assert_int_equal(lstat(p2, &sb), -1);
	assert_int_equal(errno, ENOENT);
}

static void test_refuse_regular_file(void **state)
{
	(void)state;
	char err[256], p2[160], want[300];
	snprintf(p2, sizeof(p2), "%s/important", dir);
	int fd = open(p2, O_CREAT | O_WRONLY, 0644);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "keep me\n", 8), 8);
	close(fd);

	assert_null(control_open(p2, 0, err, sizeof(err)));
	snprintf(want, sizeof(want), "control socket path \"%s\" exists and is not a socket; "
		 "not removing it", p2);
	assert_string_equal(err, want);
	struct stat sb;
	assert_int_equal(lstat(p2, &sb), 0);
	assert_true(S_ISREG(sb.st_mode));
	assert_int_equal(sb.st_size, 8);

	/* a directory neither */
	snprintf(p2, sizeof(p2), "%s/adir", dir);
	assert_int_equal(mkdir(p2, 0700), 0);
	assert_null(control_open(p2, 0, err, sizeof(err)));
	snprintf(want, sizeof(want), "control socket path \"%s\" exists and is not a socket; "
		 "not removing it", p2);
	assert_string_equal(err, want);
	rmdir(p2);
	snprintf(p2, sizeof(p2), "%s/important", dir);
	unlink(p2);
}

/* An old socket file nobody listens on (a probe that was killed) is
 * replaced; one a live server answers on is not taken over. */
static void test_stale_and_live_socket(void **state)
{
	(void)state;
	char err[256], want[300];

	assert_null(control_open(path, 0, err, sizeof(err)));
	snprintf(want, sizeof(want), "control socket \"%s\" is in use: another process "
		 "answers on it", path);
	assert_string_equal(err, want);
	/* that look was a connection, which ends without a word */
	assert_int_equal(control_handle(ctl, &fake_ops, &fake), CONTROL_IDLE);
	check("send-template", expect("Template will be sent at next flow export"));

	char p2[160];
	snprintf(p2, sizeof(p2), "%s/stale", dir);
	struct sockaddr_un sa;
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", p2);
	int s = socket(AF_UNIX, SOCK_STREAM, 0);
	assert_int_equal(bind(s, (struct sockaddr *)&sa, sizeof(sa)), 0);
	close(s);	/* the file stays, nobody behind it */
	struct control *c2 = control_open(p2, 0, err, sizeof(err));
	assert_non_null(c2);
	control_close(c2);
}

/* control_close removes its own file only. */
static void test_close_keeps_a_replacement(void **state)
{
	(void)state;
	char err[256], p2[160];
	snprintf(p2, sizeof(p2), "%s/mine", dir);
	struct control *c2 = control_open(p2, 0, err, sizeof(err));
	assert_non_null(c2);
	assert_int_equal(unlink(p2), 0);
	int fd = open(p2, O_CREAT | O_WRONLY, 0600);
	assert_true(fd >= 0);
	close(fd);
	control_close(c2);
	struct stat sb;
	assert_int_equal(lstat(p2, &sb), 0);
	assert_true(S_ISREG(sb.st_mode));
	unlink(p2);
}

static void test_bad_paths(void **state)
{
	(void)state;
	char err[256], longp[200];
	memset(longp, 'p', sizeof(longp) - 1);
	longp[0] = '/';
	longp[sizeof(longp) - 1] = '\0';
	assert_null(control_open(longp, 0, err, sizeof(err)));
	assert_non_null(strstr(err, "is too long (at most 107 bytes)"));
	assert_null(control_open("", 0, err, sizeof(err)));
	assert_string_equal(err, "control socket path \"\" is empty (at most 107 bytes)");
	assert_null(control_open("/nonexistent-dir-flowprobe/ctl", 0, err, sizeof(err)));
	assert_string_equal(err, "cannot create control socket \"/nonexistent-dir-flowprobe/ctl\": "
				 "No such file or directory");
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_help),
		T(test_simple_commands),
		T(test_timeouts),
		T(test_statistics),
		T(test_statistics_live_nothing_expired),
		T(test_dump_flows),
		T(test_unknown_and_empty),
		T(test_line_endings),
		T(test_too_long),
		T(test_not_text),
		T(test_silent_client),
		T(test_idle),
		T(test_client_gone),
		T(test_callbacks_missing),
		T(test_mode),
		T(test_refuse_regular_file),
		T(test_stale_and_live_socket),
		T(test_close_keeps_a_replacement),
		T(test_bad_paths),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
