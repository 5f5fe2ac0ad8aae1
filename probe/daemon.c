/*
 * daemon.c - pidfile, detaching and privilege drop (see daemon.h).
 *
 * softflowd (softflowd-1.1.0.md §6) calls daemon(0, 0), then checks the
 * pidfile (so "Already running" goes to /dev/null and no one sees it),
 * writes it without a lock (two instances started together both pass),
 * and its parent exits at the fork, before the child has done anything
 * that can fail.  Here the check comes before the fork and holds a lock,
 * and the parent waits for its child's word.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
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
#include "daemon.h"
#include "log.h"

/* The detached child's ends: the pipe its parent waits on, and /dev/null,
 * opened before any chroot hides it. */
static int ready_fd = -1;
static int null_fd = -1;

/* The pid a pidfile names: its leading decimal number; -1 when it holds
 * none (empty, emptied at exit, or not ours). */
static long read_pid(int fd)
{
	char buf[32];
	ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	char *end;
	errno = 0;
	long pid = strtol(buf, &end, 10);
	if (end == buf || errno != 0 || pid <= 0 || (*end != '\0' && *end != '\n'))
		return -1;
	return pid;
}

static int pid_alive(long pid)
{
	return kill((pid_t)pid, 0) == 0 || errno == EPERM;
}

int daemon_pidfile_check(struct pidfile *pf, const char *path, char *err, size_t errlen)
{
	struct stat held, named;
	int fd = -1;

	pf->fd = -1;
	pf->dirfd = -1;
	pf->path = path;
	const char *slash = strrchr(path, '/');
	pf->name = slash ? slash + 1 : path;
	if (*pf->name == '\0') {
		snprintf(err, errlen, "pidfile \"%s\" names a directory", path);
		return -1;
	}

	/* An instance leaving unlinks its file while it still holds the
	 * lock: one who opened that file before and locks it after would
	 * hold a lock on a file no one else can see.  So the lock counts
	 * only when the file locked is still the one at the path. */
	for (int tries = 0;; tries++) {
		fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0644);
		if (fd < 0) {
			snprintf(err, errlen, "cannot open pidfile \"%s\": %s", path, strerror(errno));
			return -1;
		}
		if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
			int e = errno;
			long pid = read_pid(fd);
			close(fd);
			if (e != EWOULDBLOCK)
				snprintf(err, errlen, "cannot lock pidfile \"%s\": %s", path, strerror(e));
			else if (pid > 0)
				snprintf(err, errlen, "already running under pid %ld (pidfile %s)", pid, path);
			else
				snprintf(err, errlen, "already running: pidfile %s is locked by another process", path);
			return -1;
		}
		if (fstat(fd, &held) == 0 && stat(path, &named) == 0 &&
		    held.st_dev == named.st_dev && held.st_ino == named.st_ino)
			break;
		close(fd);
		if (tries == 10) {
			snprintf(err, errlen, "cannot lock pidfile \"%s\": it keeps being replaced", path);
			return -1;
		}
	}
	if (!S_ISREG(held.st_mode)) {
		close(fd);
		snprintf(err, errlen, "pidfile \"%s\" is not a regular file", path);
		return -1;
	}

	/* Unlocked but naming a live process: another program (or a
	 * softflowd) writing this path without a lock.  A dead pid is stale:
	 * daemon_pidfile_write replaces it. */
	long pid = read_pid(fd);
	if (pid > 0 && pid != (long)getpid() && pid_alive(pid)) {
		close(fd);
		snprintf(err, errlen, "already running under pid %ld (pidfile %s)", pid, path);
		return -1;
	}

	if (slash == NULL) {
		pf->dirfd = open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	} else {
		size_t len = slash == path ? 1 : (size_t)(slash - path);
		char *dir = strndup(path, len);
		if (dir)
			pf->dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		free(dir);
	}
	/* Without the directory the file is only emptied at exit. */
	pf->fd = fd;
	return 0;
}

int daemon_pidfile_write(struct pidfile *pf, char *err, size_t errlen)
{
	char line[32];
	int len = snprintf(line, sizeof(line), "%ld\n", (long)getpid());

	if (pf->fd < 0)
		return 0;
	if (ftruncate(pf->fd, 0) != 0 || pwrite(pf->fd, line, (size_t)len, 0) != len) {
		snprintf(err, errlen, "cannot write pidfile \"%s\": %s", pf->path,
			 errno ? strerror(errno) : "short write");
		return -1;
	}
	return 0;
}

void daemon_pidfile_remove(struct pidfile *pf)
{
	struct stat held, named;

	if (pf->fd < 0)
		return;
	/* Emptied first: if the unlink is refused (after a chroot and a
	 * change of user), the file left names no process. */
	int emptied = ftruncate(pf->fd, 0);
	(void)emptied;		/* the unlink below may work all the same */
	if (pf->dirfd >= 0) {
		if (fstat(pf->fd, &held) == 0 && fstatat(pf->dirfd, pf->name, &named, AT_SYMLINK_NOFOLLOW) == 0 &&
		    held.st_dev == named.st_dev && held.st_ino == named.st_ino)
			(void)unlinkat(pf->dirfd, pf->name, 0);
		close(pf->dirfd);
		pf->dirfd = -1;
	}
	close(pf->fd);		/* and with it the lock */
	pf->fd = -1;
}

int daemon_detach(char *err, size_t errlen)
{
	int p[2];

	null_fd = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (null_fd < 0) {
		snprintf(err, errlen, "cannot open /dev/null: %s", strerror(errno));
		return -1;
	}
	if (pipe2(p, O_CLOEXEC) != 0) {
		snprintf(err, errlen, "cannot detach: pipe: %s", strerror(errno));
		close(null_fd);
		null_fd = -1;
		return -1;
	}
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0) {
		snprintf(err, errlen, "cannot detach: fork: %s", strerror(errno));
		close(p[0]);
		close(p[1]);
		close(null_fd);
		null_fd = -1;
		return -1;
	}
	if (pid > 0) {
		/* The parent: wait for the child's word, or its end. */
		char c;
		ssize_t n;
		int st;
		close(p[1]);
		do
			n = read(p[0], &c, 1);
		while (n < 0 && errno == EINTR);
		if (n == 1)
			_exit(0);
		while (waitpid(pid, &st, 0) < 0) {
			if (errno != EINTR)
				_exit(1);
		}
		_exit(WIFEXITED(st) ? WEXITSTATUS(st) : 1);
	}
	close(p[0]);
	ready_fd = p[1];
	(void)setsid();
	int moved = chdir("/");
	(void)moved;		/* / is always there */
	log_to_both();
	return 0;
}

void daemon_ready(void)
{
	if (ready_fd < 0)
		return;
	log_to_syslog();
	fflush(NULL);
	if (null_fd >= 0) {
		dup2(null_fd, STDIN_FILENO);
		dup2(null_fd, STDOUT_FILENO);
		dup2(null_fd, STDERR_FILENO);
		close(null_fd);
		null_fd = -1;
	}
	ssize_t n;
	do
		n = write(ready_fd, "", 1);
	while (n < 0 && errno == EINTR);
	close(ready_fd);
	ready_fd = -1;
}

/* The default directory is made (root's, 0755) when missing, parents too;
 * one given on the command line must exist. */
static void make_default_dir(const char *dir)
{
	char path[256];
	if (strlen(dir) >= sizeof(path))
		return;
	strcpy(path, dir);
	for (char *s = path + 1; *s; s++) {
		if (*s == '/') {
			*s = '\0';
			(void)mkdir(path, 0755);
			*s = '/';
		}
	}
	(void)mkdir(path, 0755);
}

int daemon_drop_privileges(const char *user, const char *chroot_dir, char *err, size_t errlen)
{
	struct stat st;

	if (user == NULL)
		user = DAEMON_DEFAULT_USER;
	if (chroot_dir == NULL)
		chroot_dir = DAEMON_DEFAULT_CHROOT;
	if (geteuid() != 0) {
		snprintf(err, errlen, "not running as root: privileges not dropped "
			 "(staying uid %u, no chroot to %s)", (unsigned)geteuid(), chroot_dir);
		return 1;
	}

	errno = 0;
	struct passwd *pw = getpwnam(user);
	if (pw == NULL) {
		snprintf(err, errlen, "cannot drop privileges: unknown user \"%s\"%s%s", user,
			 errno ? ": " : "", errno ? strerror(errno) : "");
		return -1;
	}
	uid_t uid = pw->pw_uid;
	gid_t gid = pw->pw_gid;
	if (uid == 0) {
		snprintf(err, errlen, "cannot drop privileges to \"%s\": it is uid 0 "
			 "(use --no-privdrop to keep root)", user);
		return -1;
	}

	if (strcmp(chroot_dir, DAEMON_DEFAULT_CHROOT) == 0)
		make_default_dir(chroot_dir);
	if (stat(chroot_dir, &st) != 0) {
		snprintf(err, errlen, "cannot chroot to \"%s\": %s", chroot_dir, strerror(errno));
		return -1;
	}
	if (!S_ISDIR(st.st_mode)) {
		snprintf(err, errlen, "cannot chroot to \"%s\": not a directory", chroot_dir);
		return -1;
	}
	/* Writable by the user we become, the jail could be filled with
	 * whatever a compromised process likes (sshd's ChrootDirectory rule). */
	if (st.st_uid != 0 || (st.st_mode & (S_IWGRP | S_IWOTH))) {
		snprintf(err, errlen, "cannot chroot to \"%s\": it must be owned by root "
			 "and writable by no one else", chroot_dir);
		return -1;
	}

	tzset();	/* local time still known inside the chroot */
	if (chdir(chroot_dir) != 0 || chroot(chroot_dir) != 0 || chdir("/") != 0) {
		snprintf(err, errlen, "cannot chroot to \"%s\": %s", chroot_dir, strerror(errno));
		return -1;
	}
	if (setgroups(1, &gid) != 0) {
		snprintf(err, errlen, "cannot drop privileges: setgroups: %s", strerror(errno));
		return -1;
	}
	if (setresgid(gid, gid, gid) != 0) {
		snprintf(err, errlen, "cannot drop privileges: setresgid %u: %s", (unsigned)gid, strerror(errno));
		return -1;
	}
	if (setresuid(uid, uid, uid) != 0) {
		snprintf(err, errlen, "cannot drop privileges: setresuid %u: %s", (unsigned)uid, strerror(errno));
		return -1;
	}
	if (setuid(0) == 0 || seteuid(0) == 0) {
		snprintf(err, errlen, "cannot drop privileges: uid 0 could be regained after setresuid");
		return -1;
	}
	return 0;
}

int daemon_start(struct pidfile *pf, int detach, int privdrop, const char *user,
		 const char *chroot_dir, char *err, size_t errlen)
{
	if (detach && daemon_detach(err, errlen) != 0)
		return -1;
	if (daemon_pidfile_write(pf, err, errlen) != 0)
		return -1;
	if (privdrop) {
		int rc = daemon_drop_privileges(user, chroot_dir, err, errlen);
		if (rc < 0)
			return -1;
		if (rc > 0)
			log_msg(LOG_WARNING, "%s", err);
		err[0] = '\0';
	}
	daemon_ready();
	return 0;
}
