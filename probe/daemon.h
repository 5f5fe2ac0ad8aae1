/*
 * daemon.h - running flowprobe as a daemon, as softflowd does
 * (softflowd-1.1.0.md §6), made safe: an flock'd pidfile, a parent that
 * exits only once its child is set up, and a checked privilege drop.
 *
 * Start-up, in this order (main.c):
 *
 *   options_parse
 *   daemon_pidfile_check(&pf, path)   before anything is opened: a second
 *                                     instance stops here, on the terminal,
 *                                     and never touches the first one's
 *                                     control socket
 *   open the capture, BPF filter, export sockets, control socket
 *   daemon_detach()                   daemon mode only; no thread may run yet
 *   daemon_pidfile_write(&pf)         the pid of the process that stays
 *   daemon_drop_privileges(user, dir) daemon mode only, unless --no-privdrop
 *   daemon_ready()                    the parent exits 0; stdio to /dev/null,
 *                                     messages to syslog only
 *   start the helper threads, run
 *   daemon_pidfile_remove(&pf)        at exit, every path
 *
 * These functions do not log: they return a status and a one-line message
 * in err (STYLE item 11); main logs it through log_msg.
 */
#ifndef FP_DAEMON_H
#define FP_DAEMON_H

#include <stddef.h>

/* Daemon mode's pidfile when -p is not given (softflowd:
 * /var/run/softflowd.pid). */
#define DAEMON_DEFAULT_PIDFILE "/run/flowprobe.pid"
/* Privilege drop: the user and the empty directory to chroot into
 * (softflowd: PRIVDROP_USER, PRIVDROP_CHROOT_DIR; Debian's build
 * /run/softflowd/chroot).  The default directory is made when missing. */
#define DAEMON_DEFAULT_USER "nobody"
#define DAEMON_DEFAULT_CHROOT "/run/flowprobe/empty"

/* A pidfile held for the process's lifetime: open, and flock'd
 * (LOCK_EX) on fd, so two instances racing cannot both pass the check. */
struct pidfile {
	int fd;			/* -1: none */
	int dirfd;		/* the file's directory, to unlink it by after a chroot */
	const char *path;
	const char *name;	/* path's last component */
};

/* Open PATH (made when missing, 0644), take its lock and check it.
 * Returns 0 holding the lock (a stale pid in the file will be replaced by
 * daemon_pidfile_write); -1 with err set: "already running under pid N
 * (pidfile PATH)" when another process holds the lock or the file names
 * a live process other than this one, or the system's reason. */
int daemon_pidfile_check(struct pidfile *pf, const char *path, char *err, size_t errlen);

/* Write this process's pid and a newline (replacing what was there).
 * Returns 0, or -1 with err set. */
int daemon_pidfile_write(struct pidfile *pf, char *err, size_t errlen);

/* Empty the file, unlink it (through the directory opened before any
 * chroot; after the user changed that may be refused, and the empty file
 * then names no process), and release the lock.  No-op without one. */
void daemon_pidfile_remove(struct pidfile *pf);

/* Fork into the background (softflowd: daemon(0, 0)): the child starts a
 * session and moves to /, keeping standard input/output/error until
 * daemon_ready(), so that what goes wrong while it sets up still reaches
 * the terminal.  The parent waits: it exits 0 when the child calls
 * daemon_ready() (so a systemd Type=forking unit sees the pidfile
 * written and the start-up done), or with the child's exit status (1 if
 * killed) when the child exits first.  Returns 0 in the child; -1 with
 * err set when fork or pipe fails (nothing forked).  Call it before any
 * thread is started: fork keeps only the calling one. */
int daemon_detach(char *err, size_t errlen);

/* In a detached child: tell the parent start-up is done (it exits 0),
 * point standard input, output and error at /dev/null and log to syslog
 * only.  No-op when daemon_detach was not called. */
void daemon_ready(void);

/* Change root to CHROOT_DIR and to USER's uid and gid (supplementary
 * groups: that gid alone), for good: regaining uid 0 is checked to fail.
 * The directory must be owned by root and writable by no one else (as
 * sshd's ChrootDirectory); DAEMON_DEFAULT_CHROOT is made when missing.
 * USER is looked up (and the time zone loaded) before the chroot.
 * Returns 0 when dropped; 1 when skipped because the process is not root
 * (err holds the warning); -1 with err set on any failure (fatal). */
int daemon_drop_privileges(const char *user, const char *chroot_dir, char *err, size_t errlen);

/* The steps between opening the capture and sockets and running, for
 * main: daemon_detach when DETACH, daemon_pidfile_write, the privilege
 * drop when PRIVDROP (a skip is logged as a warning), daemon_ready.
 * Returns 0, or -1 with err set (the caller exits 1: in the detached
 * child its parent then exits 1 too). */
int daemon_start(struct pidfile *pf, int detach, int privdrop, const char *user,
		 const char *chroot_dir, char *err, size_t errlen);

#endif
