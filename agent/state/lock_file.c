/* A file oobhealthd holds an flock on for as long as it runs, with its pid in it: the lock
 * beside the state file, and the -p pidfile. */
#include "lock_file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

/* A previous holder may remove the file between our open and our flock: then the lock is
 * on a file no one else can find, and the open starts again. */
#define TAKE_ATTEMPTS 5

/* The pid a running instance wrote into the file, 0 when there is none (yet). */
static pid_t holder_pid(int fd)
{
	char text[24];
	ssize_t n = pread(fd, text, sizeof(text) - 1, 0);
	long pid;

	if (n <= 0)
		return 0;
	text[n] = '\0';
	pid = strtol(text, NULL, 10);
	return pid > 0 && pid <= 4194304 ? (pid_t)pid : 0;
}

static int open_failed(const char *path, const char *what, char *error, size_t error_len)
{
	int saved = errno;
	struct stat st;

	/* O_NOFOLLOW's ELOOP, said plainly. */
	if (saved == ELOOP && lstat(path, &st) == 0 && S_ISLNK(st.st_mode))
		snprintf(error, error_len, "%s %s is a symbolic link, which oobhealthd does not "
			 "follow", what, path);
	else
		snprintf(error, error_len, "%s %s: cannot open: %s", what, path, strerror(saved));
	errno = saved;
	return -1;
}

/* The pid goes into the file: never into one also known by another name (a hard link),
 * or that someone other than root or us put there. Returns 0, or -1 with ERROR set. */
static int check_ours(const struct stat *st, const char *path, const char *what, char *error,
		      size_t error_len)
{
	if (!S_ISREG(st->st_mode))
		snprintf(error, error_len, "%s %s is not a regular file", what, path);
	else if (st->st_nlink != 1)
		snprintf(error, error_len, "%s %s has %lu names (hard links), so it is not "
			 "oobhealthd's own: left untouched", what, path, (unsigned long)st->st_nlink);
	else if (st->st_uid != 0 && st->st_uid != geteuid())
		snprintf(error, error_len, "%s %s belongs to uid %u, neither root nor this "
			 "process's user: left untouched", what, path, (unsigned)st->st_uid);
	else
		return 0;
	return -1;
}

int lock_file_take(const char *path, const char *what, mode_t mode, pid_t *holder,
		   char *error, size_t error_len)
{
	*holder = 0;
	error[0] = '\0';
	for (int attempt = 0; attempt < TAKE_ATTEMPTS; attempt++) {
		/* O_NONBLOCK: a FIFO planted at the name must not hang the start, nor (O_NOCTTY)
		 * a terminal there become our controlling terminal. */
		int fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC,
			      mode);
		struct stat st;

		if (fd < 0)
			return open_failed(path, what, error, error_len);
		if (fstat(fd, &st) < 0) {
			snprintf(error, error_len, "%s %s: %s", what, path, strerror(errno));
			close(fd);
			return -1;
		}
		if (check_ours(&st, path, what, error, error_len) < 0) {
			close(fd);
			errno = EEXIST;
			return -1;
		}
		/* flock belongs to the open file, so it survives the fork into the background
		 * and ends with the last process holding it: a killed one leaves no stale lock. */
		if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
			int saved = errno;

			if (saved == EWOULDBLOCK)
				*holder = holder_pid(fd);
			snprintf(error, error_len, "%s %s: %s", what, path, strerror(saved));
			close(fd);
			errno = saved;
			return saved == EWOULDBLOCK ? -2 : -1;
		}
		if (!lock_file_is_at(fd, path)) {
			close(fd);
			continue;
		}
		/* Only the owner may: root's file stays as root left it for a non-root us. */
		if (st.st_uid == geteuid() && (st.st_mode & 07777) != mode && fchmod(fd, mode) < 0) {
			int saved = errno;

			snprintf(error, error_len, "%s %s: cannot set mode %04o: %s", what, path,
				 (unsigned)mode, strerror(saved));
			close(fd);
			errno = saved;
			return -1;
		}
		return fd;
	}
	snprintf(error, error_len, "%s %s: replaced each time it was locked", what, path);
	errno = EAGAIN;
	return -1;
}

int lock_file_note_pid(int fd, pid_t pid)
{
	char text[24];
	int len = snprintf(text, sizeof(text), "%d\n", (int)pid);

	if (ftruncate(fd, 0) < 0 || pwrite(fd, text, (size_t)len, 0) != len)
		return -1;
	return 0;
}

bool lock_file_is_at(int fd, const char *path)
{
	struct stat held, named;

	return fstat(fd, &held) == 0 && lstat(path, &named) == 0 && held.st_dev == named.st_dev &&
	       held.st_ino == named.st_ino;
}
