/* oobhealthd's own pidfile (-p): locked for the daemon's lifetime so that a second one with
 * the same pidfile exits at once, never written through a symlink, removed only while it
 * is still ours. */
#ifndef OH_DAEMON_PIDFILE_H
#define OH_DAEMON_PIDFILE_H

#include <stddef.h>
#include <sys/types.h>

struct daemon_pidfile {
	const char *path;      /* NULL: none */
	int fd;                /* the open, locked file; -1 before the claim */
};

/* Opens and locks the pidfile as lock_file_take() does (mode 0644), before the fork into
 * the background: the lock goes with the daemon. Returns 0; -2 when another process holds
 * it (*HOLDER is the pid in it, 0 if none yet); -1 when it cannot be used. ERROR says why. */
int daemon_pidfile_claim(struct daemon_pidfile *pidfile, pid_t *holder, char *error,
			 size_t error_len);

/* Writes this process's pid into the claimed pidfile, whole. Returns 0, or -1 with ERROR. */
int daemon_pidfile_write(const struct daemon_pidfile *pidfile, char *error, size_t error_len);

/* Removes the pidfile when its name still leads to the file claimed, and lets it go. */
void daemon_pidfile_release(struct daemon_pidfile *pidfile);

#endif
