/* oobhealthd's own pidfile (-p): written by rename, never through a symlink, left alone
 * when it names another running oobhealthd, removed only while it is still ours. */
#include "daemon_pidfile.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pid_file.h"
#include "proc_scan.h"

#define APP_NAME "oobhealthd"

pid_t daemon_pidfile_other(const struct daemon_pidfile *pidfile)
{
	struct process named, self;
	struct pid_file file;
	pid_t pid;

	if (pidfile->path == NULL || pid_file_read(pidfile->path, &file) != PID_FILE_OK)
		return 0;
	pid = file.pid;
	if (pid == getpid() || proc_read_stat(pid, &named) < 0 || named.state == 'Z' ||
	    named.state == 'X')
		return 0;
	/* Ours by name, or by the name this binary runs under (a renamed copy). */
	if (strcmp(named.comm, APP_NAME) == 0 ||
	    (proc_read_stat(getpid(), &self) == 0 && strcmp(named.comm, self.comm) == 0))
		return pid;
	return 0;
}

int daemon_pidfile_write(struct daemon_pidfile *pidfile, char *error, size_t error_len)
{
	char temp[PATH_MAX], text[32];
	int len = snprintf(text, sizeof(text), "%d\n", (int)getpid()), fd;
	const char *step = "create";
	struct stat st;

	if ((size_t)snprintf(temp, sizeof(temp), "%s.XXXXXX", pidfile->path) >= sizeof(temp)) {
		errno = ENAMETOOLONG;
		goto fail;
	}
	fd = mkostemp(temp, O_CLOEXEC);
	if (fd < 0)
		goto fail;
	step = "write";
	if (fchmod(fd, 0644) < 0 || write(fd, text, (size_t)len) != len || fstat(fd, &st) < 0) {
		int saved = errno;

		close(fd);
		unlink(temp);
		errno = saved;
		goto fail;
	}
	close(fd);
	step = "rename";
	if (rename(temp, pidfile->path) < 0) {
		int saved = errno;

		unlink(temp);
		errno = saved;
		goto fail;
	}
	pidfile->written = true;
	pidfile->dev = st.st_dev;
	pidfile->ino = st.st_ino;
	return 0;
fail:
	snprintf(error, error_len, "pidfile %s: cannot %s it: %s", pidfile->path, step,
		 strerror(errno));
	return -1;
}

void daemon_pidfile_remove(const struct daemon_pidfile *pidfile)
{
	struct stat st;

	if (pidfile->written && lstat(pidfile->path, &st) == 0 && st.st_dev == pidfile->dev &&
	    st.st_ino == pidfile->ino)
		unlink(pidfile->path);
}
