/* oobhealthd's own pidfile (-p): locked for the daemon's lifetime so that a second one with
 * the same pidfile exits at once, never written through a symlink, removed only while it
 * is still ours. */
#include "daemon_pidfile.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "lock_file.h"

int daemon_pidfile_claim(struct daemon_pidfile *pidfile, pid_t *holder, char *error,
			 size_t error_len)
{
	/* Readable by all: logrotate and init scripts signal through it. */
	pidfile->fd = lock_file_take(pidfile->path, "pidfile", 0644, holder, error, error_len);
	if (pidfile->fd < 0) {
		int taken = pidfile->fd;

		pidfile->fd = -1;
		return taken;
	}
	return 0;
}

int daemon_pidfile_write(const struct daemon_pidfile *pidfile, char *error, size_t error_len)
{
	if (lock_file_note_pid(pidfile->fd, getpid()) == 0)
		return 0;
	snprintf(error, error_len, "pidfile %s: cannot write it: %s", pidfile->path,
		 strerror(errno));
	return -1;
}

void daemon_pidfile_release(struct daemon_pidfile *pidfile)
{
	if (pidfile->fd < 0)
		return;
	/* Still holding the lock: a second instance cannot have taken the name meanwhile. */
	if (lock_file_is_at(pidfile->fd, pidfile->path))
		unlink(pidfile->path);
	close(pidfile->fd);
	pidfile->fd = -1;
}
