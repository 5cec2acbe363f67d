/* Reading a pidfile: bounded, never blocking on it, a plain decimal pid or a refusal, with
 * who could have written it. */
#include "pid_file.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define PID_MAX_LIMIT 4194304 /* the kernel's ceiling for kernel.pid_max */

int pid_file_parse(const char *text, size_t len, pid_t *pid)
{
	long value = 0;
	size_t i = 0;

	if (len == 0 || text[0] < '1' || text[0] > '9')
		return -1;
	for (; i < len && text[i] >= '0' && text[i] <= '9'; i++) {
		value = value * 10 + (text[i] - '0');
		if (value > PID_MAX_LIMIT)
			return -1;
	}
	for (; i < len; i++) {
		if (text[i] != '\n' && text[i] != '\r' && text[i] != ' ' && text[i] != '\t')
			return -1;
	}
	*pid = (pid_t)value;
	return 0;
}

/* Opens the directory PATH names the file in; its mode and owner say who could have
 * replaced the file. */
static int open_parent(const char *path, const char **name)
{
	char dir[PATH_MAX];
	const char *slash = strrchr(path, '/');
	size_t len = slash != NULL ? (size_t)(slash - path) : 0;

	*name = slash != NULL ? slash + 1 : path;
	if (slash == NULL)
		return open(".", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (len >= sizeof(dir)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(dir, path, len);
	dir[len] = '\0';
	return open(len == 0 ? "/" : dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
}

static enum pid_file_result fail_with(int fd, int dir_fd, enum pid_file_result result)
{
	int saved = errno;

	if (fd >= 0)
		close(fd);
	if (dir_fd >= 0)
		close(dir_fd);
	errno = saved;
	return result;
}

enum pid_file_result pid_file_read(const char *path, struct pid_file *file)
{
	struct stat st, dir_st;
	const char *name;
	int dir_fd, fd = -1;
	ssize_t n;

	memset(file, 0, sizeof(*file));
	dir_fd = open_parent(path, &name);
	if (dir_fd < 0)
		return errno == ENOENT ? PID_FILE_MISSING : PID_FILE_CANNOT_OPEN;
	if (fstat(dir_fd, &dir_st) < 0)
		return fail_with(fd, dir_fd, PID_FILE_CANNOT_OPEN);
	file->dir_owner = dir_st.st_uid;
	file->dir_mode = dir_st.st_mode;
	/* O_NONBLOCK: a FIFO at the name is refused below, never waited on. */
	fd = openat(dir_fd, name, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT)
			return fail_with(fd, dir_fd, PID_FILE_MISSING);
		return fail_with(fd, dir_fd, errno == ELOOP ? PID_FILE_SYMLINK : PID_FILE_CANNOT_OPEN);
	}
	if (fstat(fd, &st) < 0)
		return fail_with(fd, dir_fd, PID_FILE_CANNOT_OPEN);
	file->owner = st.st_uid;
	file->mode = st.st_mode;
	file->nlink = st.st_nlink;
	if (!S_ISREG(st.st_mode))
		return fail_with(fd, dir_fd, PID_FILE_NOT_REGULAR);
	n = read(fd, file->text, sizeof(file->text));
	if (n < 0)
		return fail_with(fd, dir_fd, PID_FILE_CANNOT_READ);
	close(fd);
	close(dir_fd);
	file->text_len = (size_t)n;
	/* A full buffer is a file longer than any pidfile. */
	if ((size_t)n == sizeof(file->text) || pid_file_parse(file->text, file->text_len, &file->pid) < 0)
		return PID_FILE_NOT_A_PID;
	return PID_FILE_OK;
}
