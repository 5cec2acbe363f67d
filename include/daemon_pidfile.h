/* oobhealthd's own pidfile (-p): written by rename, never through a symlink, left alone
 * when it names another running oobhealthd, removed only while it is still ours. */
#ifndef OH_DAEMON_PIDFILE_H
#define OH_DAEMON_PIDFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct daemon_pidfile {
	const char *path;      /* NULL: none */
	bool written;
	dev_t dev;             /* the file this process wrote, which alone it removes */
	ino_t ino;
};

/* The pid of another live oobhealthd the existing pidfile names, else 0 (none, stale,
 * garbage, another program's pid): replacing it would leave that one without a pidfile,
 * and logrotate's postrotate signals it through that file. */
pid_t daemon_pidfile_other(const struct daemon_pidfile *pidfile);

/* Writes this process's pid to a new file beside the path and renames it over it.
 * Returns 0, or -1 with ERROR set. */
int daemon_pidfile_write(struct daemon_pidfile *pidfile, char *error, size_t error_len);

void daemon_pidfile_remove(const struct daemon_pidfile *pidfile);

#endif
