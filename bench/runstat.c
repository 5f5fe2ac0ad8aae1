/*
 * runstat.c - run a command and measure it, as GNU time does but to the
 * microsecond.
 *
 *   runstat [-t SECONDS] -o FILE -- COMMAND [ARG...]
 *
 * Wall time (CLOCK_MONOTONIC from fork to reaping), user and system CPU
 * time and peak resident set size come from wait4(); they are written to
 * FILE as one line "wall_s=... user_s=... sys_s=... maxrss_kib=...
 * status=...", where status is the exit code, or 128+signal.  The
 * command's standard streams are its own.  With -t, the command is killed
 * (SIGKILL) after SECONDS and status is "timeout".
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double mono(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static volatile sig_atomic_t timed_out;
static pid_t child;

static void on_alarm(int sig)
{
	(void)sig;
	timed_out = 1;
	if (child > 0)
		kill(child, SIGKILL);
}

int main(int argc, char **argv)
{
	const char *outpath = NULL;
	unsigned limit = 0;
	int c;

	while ((c = getopt(argc, argv, "+o:t:")) != -1) {
		switch (c) {
		case 'o': outpath = optarg; break;
		case 't': limit = (unsigned)strtoul(optarg, NULL, 10); break;
		default: goto usage;
		}
	}
	if (!outpath || optind >= argc)
		goto usage;

	FILE *out = fopen(outpath, "w");
	if (!out) {
		fprintf(stderr, "runstat: %s: %s\n", outpath, strerror(errno));
		return 1;
	}
	double t0 = mono();
	child = fork();
	if (child < 0) {
		perror("runstat: fork");
		return 1;
	}
	if (child == 0) {
		execvp(argv[optind], argv + optind);
		fprintf(stderr, "runstat: %s: %s\n", argv[optind], strerror(errno));
		_exit(127);
	}
	if (limit) {
		struct sigaction act;
		memset(&act, 0, sizeof(act));
		act.sa_handler = on_alarm;
		sigaction(SIGALRM, &act, NULL);
		alarm(limit);
	}
	int st;
	struct rusage ru;
	while (wait4(child, &st, 0, &ru) < 0) {
		if (errno != EINTR) {
			perror("runstat: wait4");
			return 1;
		}
	}
	double wall = mono() - t0;
	char status[32];
	if (timed_out)
		snprintf(status, sizeof(status), "timeout");
	else if (WIFSIGNALED(st))
		snprintf(status, sizeof(status), "%d", 128 + WTERMSIG(st));
	else
		snprintf(status, sizeof(status), "%d", WEXITSTATUS(st));
	fprintf(out, "wall_s=%.6f user_s=%.6f sys_s=%.6f maxrss_kib=%ld status=%s\n", wall,
		(double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6,
		(double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6, ru.ru_maxrss, status);
	if (fclose(out) != 0) {
		perror("runstat: write");
		return 1;
	}
	return 0;
usage:
	fprintf(stderr, "usage: runstat [-t SECONDS] -o FILE -- COMMAND [ARG...]\n");
	return 2;
}
