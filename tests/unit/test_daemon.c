/*
 * test_daemon.c - the pidfile (a live pid refuses, a stale one is
 * replaced, a held lock refuses a second instance), detaching (the parent
 * exits only when its child is ready, with the child's status otherwise)
 * and the privilege drop (skipped with a warning when not root; as root,
 * in a forked child: uid and gid nobody's, the chroot in effect, root not
 * regained), and the log's lines (probe/daemon.h, probe/log.h).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <cmocka.h>

#include "../../probe/daemon.h"
#include "../../probe/log.h"

struct dir {
	char path[64];
	char pidfile[96];
};

static int setup(void **state)
{
	struct dir *d = calloc(1, sizeof(*d));
	strcpy(d->path, "/tmp/fp-daemon.XXXXXX");
	if (d == NULL || mkdtemp(d->path) == NULL)
		return -1;
	snprintf(d->pidfile, sizeof(d->pidfile), "%s/probe.pid", d->path);
	*state = d;
	return 0;
}

static int teardown(void **state)
{
	struct dir *d = *state;
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", d->path);
	if (system(cmd) != 0)
		return -1;
	free(d);
	return 0;
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static char *read_text(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "r");
	if (f == NULL)
		return NULL;
	size_t n = fread(buf, 1, len - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

/* A pid that named a process a moment ago and names none now. */
static pid_t dead_pid(void)
{
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		_exit(0);
	assert_int_equal(waitpid(pid, NULL, 0), pid);
	return pid;
}

static void test_pidfile_fresh(void **state)
{
	struct dir *d = *state;
	struct pidfile pf;
	char err[256] = "", buf[64], want[32];

	assert_int_equal(daemon_pidfile_check(&pf, d->pidfile, err, sizeof(err)), 0);
	assert_int_equal(daemon_pidfile_write(&pf, err, sizeof(err)), 0);
	snprintf(want, sizeof(want), "%ld\n", (long)getpid());
	assert_string_equal(read_text(d->pidfile, buf, sizeof(buf)), want);
	daemon_pidfile_remove(&pf);
	assert_int_equal(access(d->pidfile, F_OK), -1);
	assert_int_equal(errno, ENOENT);
	assert_int_equal(pf.fd, -1);
	daemon_pidfile_remove(&pf);	/* twice is harmless */
}

static void test_pidfile_live_pid_refused(void **state)
{
	struct dir *d = *state;
	struct pidfile pf;
	char err[256] = "", text[32], want[160], buf[64];

	/* Our parent (the shell or make running us) is alive and not us. */
	snprintf(text, sizeof(text), "%ld\n", (long)getppid());
	write_file(d->pidfile, text);
	assert_int_equal(daemon_pidfile_check(&pf, d->pidfile, err, sizeof(err)), -1);
	snprintf(want, sizeof(want), "already running under pid %ld (pidfile %s)", (long)getppid(), d->pidfile);
	assert_string_equal(err, want);
	assert_int_equal(pf.fd, -1);
	/* The running instance's file is left as it was. */
	assert_string_equal(read_text(d->pidfile, buf, sizeof(buf)), text);
}

static void test_pidfile_stale_replaced(void **state)
{
	struct dir *d = *state;
	struct pidfile pf;
	char err[256] = "", text[32], buf[64], want[32];

	snprintf(text, sizeof(text), "%ld\n", (long)dead_pid());
	write_file(d->pidfile, text);
	assert_int_equal(daemon_pidfile_check(&pf, d->pidfile, err, sizeof(err)), 0);
	assert_int_equal(daemon_pidfile_write(&pf, err, sizeof(err)), 0);
	snprintf(want, sizeof(want), "%ld\n", (long)getpid());
	assert_string_equal(read_text(d->pidfile, buf, sizeof(buf)), want);
	daemon_pidfile_remove(&pf);

	/* Garbage, or a file emptied by an instance that could not unlink
	 * it, names no one: taken too. */
	write_file(d->pidfile, "not a pid\n");
	assert_int_equal(daemon_pidfile_check(&pf, d->pidfile, err, sizeof(err)), 0);
	daemon_pidfile_remove(&pf);
	write_file(d->pidfile, "");
	assert_int_equal(daemon_pidfile_check(&pf, d->pidfile, err, sizeof(err)), 0);
	daemon_pidfile_remove(&pf);
}

static void test_pidfile_lock_refuses_second(void **state)
{
	struct dir *d = *state;
	struct pidfile first, second;
	char err[256] = "", want[160];

	assert_int_equal(daemon_pidfile_check(&first, d->pidfile, err, sizeof(err)), 0);
	/* Before the first has written its pid (the window where two
	 * unlocked instances would both pass): the lock alone refuses. */
	assert_int_equal(daemon_pidfile_check(&second, d->pidfile, err, sizeof(err)), -1);
	snprintf(want, sizeof(want), "already running: pidfile %s is locked by another process", d->pidfile);
	assert_string_equal(err, want);

	/* Written, it names the holder; even our own pid does not pass the
	 * lock (the pid check alone would take it for a restart). */
	assert_int_equal(daemon_pidfile_write(&first, err, sizeof(err)), 0);
	assert_int_equal(daemon_pidfile_check(&second, d->pidfile, err, sizeof(err)), -1);
	snprintf(want, sizeof(want), "already running under pid %ld (pidfile %s)", (long)getpid(), d->pidfile);
	assert_string_equal(err, want);

	/* Released, the next one starts. */
	daemon_pidfile_remove(&first);
	assert_int_equal(daemon_pidfile_check(&second, d->pidfile, err, sizeof(err)), 0);
	daemon_pidfile_remove(&second);
}

/* The lock is the process's, not the file name's: another process's
 * flock (here a child's, as flock(1) would hold it) refuses us too, and
 * an instance holding the lock through its fork (the daemon's child)
 * keeps it after its parent exits. */
static void test_pidfile_lock_across_processes(void **state)
{
	struct dir *d = *state;
	struct pidfile pf, other;
	char err[256] = "";
	int go[2], done[2];

	assert_int_equal(pipe(go), 0);
	assert_int_equal(pipe(done), 0);
	assert_int_equal(daemon_pidfile_check(&pf, d->pidfile, err, sizeof(err)), 0);
	pid_t child = fork();
	assert_true(child >= 0);
	if (child == 0) {
		char c;
		close(go[1]);
		close(done[0]);
		/* The child writes its pid and holds the lock alone once the
		 * parent closes its copy. */
		daemon_pidfile_write(&pf, err, sizeof(err));
		if (write(done[1], "x", 1) != 1 || read(go[0], &c, 1) != 1)
			_exit(2);
		_exit(0);
	}
	close(go[0]);
	close(done[1]);
	char c;
	assert_int_equal(read(done[0], &c, 1), 1);
	close(pf.fd);		/* the parent's copy of the descriptor goes */
	close(pf.dirfd);
	char want[160];
	assert_int_equal(daemon_pidfile_check(&other, d->pidfile, err, sizeof(err)), -1);
	snprintf(want, sizeof(want), "already running under pid %ld (pidfile %s)", (long)child, d->pidfile);
	assert_string_equal(err, want);
	assert_int_equal(write(go[1], "x", 1), 1);
	int st;
	assert_int_equal(waitpid(child, &st, 0), child);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	/* The child exited without removing it: its pid is dead, the lock
	 * gone: a stale file, taken. */
	assert_int_equal(daemon_pidfile_check(&other, d->pidfile, err, sizeof(err)), 0);
	daemon_pidfile_remove(&other);
	close(go[1]);
	close(done[0]);
}

static void test_pidfile_errors(void **state)
{
	struct dir *d = *state;
	struct pidfile pf;
	char err[256] = "", path[160], want[256];

	snprintf(path, sizeof(path), "%s/missing/probe.pid", d->path);
	assert_int_equal(daemon_pidfile_check(&pf, path, err, sizeof(err)), -1);
	snprintf(want, sizeof(want), "cannot open pidfile \"%s\": No such file or directory", path);
	assert_string_equal(err, want);

	/* A symbolic link is not followed (root writing through a link
	 * someone planted). */
	snprintf(path, sizeof(path), "%s/link.pid", d->path);
	assert_int_equal(symlink(d->pidfile, path), 0);
	assert_int_equal(daemon_pidfile_check(&pf, path, err, sizeof(err)), -1);
	snprintf(want, sizeof(want), "cannot open pidfile \"%s\": Too many levels of symbolic links", path);
	assert_string_equal(err, want);
}

/* A forked child runs daemon_detach; its own child (the daemon) reports
 * on a pipe what it sees.  Returns the detaching process's exit status
 * and how long it took. */
struct detach_report {
	pid_t pid, sid;
	char cwd[64];
	int stdout_is_null;
};

static int run_detach(int daemon_exit_code, int delay_ms, struct detach_report *rep, double *took)
{
	int p[2];
	struct timespec t0, t1;

	assert_int_equal(pipe(p), 0);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		char err[256];
		close(p[0]);
		if (daemon_detach(err, sizeof(err)) != 0)
			_exit(99);
		/* The daemon. */
		struct detach_report r;
		struct stat a, b;
		memset(&r, 0, sizeof(r));
		r.pid = getpid();
		r.sid = getsid(0);
		if (getcwd(r.cwd, sizeof(r.cwd)) == NULL)
			r.cwd[0] = '\0';
		struct timespec ts = { 0, delay_ms * 1000000L };
		nanosleep(&ts, NULL);
		if (daemon_exit_code >= 0)
			_exit(daemon_exit_code);	/* failed while setting up */
		daemon_ready();
		r.stdout_is_null = fstat(STDOUT_FILENO, &a) == 0 && stat("/dev/null", &b) == 0 &&
				   a.st_rdev == b.st_rdev && S_ISCHR(a.st_mode);
		if (write(p[1], &r, sizeof(r)) != (ssize_t)sizeof(r))
			_exit(3);
		_exit(0);
	}
	close(p[1]);
	int st;
	assert_int_equal(waitpid(pid, &st, 0), pid);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	*took = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	memset(rep, 0, sizeof(*rep));
	ssize_t n = read(p[0], rep, sizeof(*rep));	/* EOF when the daemon has gone */
	(void)n;
	close(p[0]);
	assert_true(WIFEXITED(st));
	return WEXITSTATUS(st);
}

static void test_detach_waits_for_ready(void **state)
{
	(void)state;
	struct detach_report r;
	double took;

	/* The parent exits 0 once the daemon says it is ready, not before
	 * (it takes 300 ms to get there). */
	assert_int_equal(run_detach(-1, 300, &r, &took), 0);
	assert_true(took >= 0.29);
	assert_true(r.pid > 0);
	assert_int_equal(r.sid, r.pid);		/* a session of its own */
	assert_string_equal(r.cwd, "/");
	assert_int_equal(r.stdout_is_null, 1);
}

static void test_detach_reports_failure(void **state)
{
	(void)state;
	struct detach_report r;
	double took;

	/* The daemon exits 1 while setting up: so does the parent, which a
	 * service manager sees as a failed start. */
	assert_int_equal(run_detach(1, 50, &r, &took), 1);
	assert_int_equal(run_detach(7, 0, &r, &took), 7);
}

static struct passwd *nobody(void)
{
	struct passwd *pw = getpwnam("nobody");
	if (pw == NULL)
		skip();
	return pw;
}

/* Run fn in a forked child; returns its exit status. */
static int in_child(int (*fn)(void *), void *arg)
{
	fflush(NULL);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		_exit(fn(arg));
	int st;
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st));
	return WEXITSTATUS(st);
}

/* A failure or a skip: nothing changes, and the message is exact. */
struct drop_case {
	const char *user, *dir;
	int become_nobody_first;	/* not root when dropping */
	int want_rc;
	char want_err[256];
};

static int drop_child(void *arg)
{
	struct drop_case *c = arg;
	char err[256] = "";

	if (c->become_nobody_first) {
		struct passwd *pw = getpwnam("nobody");
		if (pw == NULL || setresgid(pw->pw_gid, pw->pw_gid, pw->pw_gid) != 0 ||
		    setresuid(pw->pw_uid, pw->pw_uid, pw->pw_uid) != 0)
			return 90;
	}
	int rc = daemon_drop_privileges(c->user, c->dir, err, sizeof(err));
	if (rc != c->want_rc) {
		fprintf(stderr, "rc %d, want %d: %s\n", rc, c->want_rc, err);
		return 91;
	}
	if (strcmp(err, c->want_err) != 0) {
		fprintf(stderr, "err \"%s\"\nwant \"%s\"\n", err, c->want_err);
		return 92;
	}
	return 0;
}

static void test_privdrop_not_root_warns(void **state)
{
	(void)state;
	struct drop_case c;
	struct passwd *pw = nobody();

	if (geteuid() != 0) {
		/* Not root here: the call itself is the case. */
		char err[256];
		assert_int_equal(daemon_drop_privileges(NULL, NULL, err, sizeof(err)), 1);
		char want[256];
		snprintf(want, sizeof(want), "not running as root: privileges not dropped "
			 "(staying uid %u, no chroot to /run/flowprobe/empty)", (unsigned)geteuid());
		assert_string_equal(err, want);
		return;
	}
	memset(&c, 0, sizeof(c));
	c.user = NULL;
	c.dir = NULL;
	c.become_nobody_first = 1;
	c.want_rc = 1;
	snprintf(c.want_err, sizeof(c.want_err), "not running as root: privileges not dropped "
		 "(staying uid %u, no chroot to /run/flowprobe/empty)", (unsigned)pw->pw_uid);
	assert_int_equal(in_child(drop_child, &c), 0);
}

struct ids { uid_t uid; gid_t gid; const char *dir; const char *marker; };

static int drop_and_report(void *arg)
{
	struct ids *want = arg;
	char err[256] = "";
	if (daemon_drop_privileges("nobody", want->dir, err, sizeof(err)) != 0) {
		fprintf(stderr, "%s\n", err);
		return 10;
	}
	if (getuid() != want->uid || geteuid() != want->uid)
		return 11;
	if (getgid() != want->gid || getegid() != want->gid)
		return 12;
	gid_t groups[4];
	if (getgroups(4, groups) != 1 || groups[0] != want->gid)
		return 13;
	char cwd[64];
	if (getcwd(cwd, sizeof(cwd)) == NULL || strcmp(cwd, "/") != 0)
		return 14;
	if (access(want->marker, F_OK) != 0)	/* the jail's own file, at / */
		return 15;
	if (access("/etc/passwd", F_OK) == 0)	/* the real root out of reach */
		return 16;
	if (setuid(0) == 0 || seteuid(0) == 0)
		return 17;
	return 0;
}

static void test_privdrop_as_root(void **state)
{
	struct dir *d = *state;
	struct passwd *pw = nobody();
	char jail[96], marker[128];

	if (geteuid() != 0)
		skip();
	snprintf(jail, sizeof(jail), "%s/jail", d->path);
	assert_int_equal(mkdir(jail, 0755), 0);
	assert_int_equal(chmod(d->path, 0755), 0);
	snprintf(marker, sizeof(marker), "%s/in-the-jail", jail);
	write_file(marker, "");
	struct ids want = { pw->pw_uid, pw->pw_gid, jail, "/in-the-jail" };
	assert_int_equal(in_child(drop_and_report, &want), 0);
}

static void test_privdrop_failures(void **state)
{
	struct dir *d = *state;
	struct drop_case c;
	char jail[96];

	nobody();
	if (geteuid() != 0)
		skip();
	memset(&c, 0, sizeof(c));
	c.want_rc = -1;

	c.user = "no-such-user-fp";
	c.dir = d->path;
	snprintf(c.want_err, sizeof(c.want_err), "cannot drop privileges: unknown user \"no-such-user-fp\"");
	assert_int_equal(in_child(drop_child, &c), 0);

	c.user = "root";
	snprintf(c.want_err, sizeof(c.want_err), "cannot drop privileges to \"root\": it is uid 0 "
		 "(use --no-privdrop to keep root)");
	assert_int_equal(in_child(drop_child, &c), 0);

	c.user = "nobody";
	snprintf(jail, sizeof(jail), "%s/absent", d->path);
	c.dir = jail;
	snprintf(c.want_err, sizeof(c.want_err), "cannot chroot to \"%s\": No such file or directory", jail);
	assert_int_equal(in_child(drop_child, &c), 0);

	c.dir = "/etc/passwd";
	snprintf(c.want_err, sizeof(c.want_err), "cannot chroot to \"/etc/passwd\": not a directory");
	assert_int_equal(in_child(drop_child, &c), 0);

	snprintf(jail, sizeof(jail), "%s/open", d->path);
	assert_int_equal(mkdir(jail, 0755), 0);
	assert_int_equal(chmod(jail, 01777), 0);
	c.dir = jail;
	snprintf(c.want_err, sizeof(c.want_err), "cannot chroot to \"%s\": it must be owned by root "
		 "and writable by no one else", jail);
	assert_int_equal(in_child(drop_child, &c), 0);
}

static void test_log_lines(void **state)
{
	(void)state;
	char buf[512];
	FILE *f = tmpfile();
	assert_non_null(f);
	log_set_stream(f);
	log_msg(LOG_ERR, "cannot %s", "start");
	log_msg(LOG_WARNING, "not root: %d", 7);
	log_msg(LOG_INFO, "starting");
	log_msg(LOG_DEBUG, "dropped at the default level");
	log_set_level(LOG_DEBUG);
	log_msg(LOG_DEBUG, "kept under -D");
	log_set_level(LOG_INFO);
	log_set_stream(NULL);
	rewind(f);
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	assert_string_equal(buf,
		"flowprobe: cannot start\n"
		"flowprobe: warning: not root: 7\n"
		"flowprobe: starting\n"
		"flowprobe: kept under -D\n");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_pidfile_fresh, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pidfile_live_pid_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pidfile_stale_replaced, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pidfile_lock_refuses_second, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pidfile_lock_across_processes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pidfile_errors, setup, teardown),
		cmocka_unit_test(test_detach_waits_for_ready),
		cmocka_unit_test(test_detach_reports_failure),
		cmocka_unit_test(test_privdrop_not_root_warns),
		cmocka_unit_test_setup_teardown(test_privdrop_as_root, setup, teardown),
		cmocka_unit_test_setup_teardown(test_privdrop_failures, setup, teardown),
		cmocka_unit_test(test_log_lines),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
