/* Reading a pidfile: bounded, never blocking on it, a plain decimal pid or a refusal. */
#include "pid_file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#define PID_MAX_LIMIT 4194304 /* the kernel's ceiling for kernel.pid_max */

enum pid_file_result pid_file_read(const char *path, pid_t *pid, char *text, size_t text_len)
{
	/* O_NONBLOCK: a FIFO at the name is refused below, never waited on. */
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	struct stat st;
	char *end;
	ssize_t n;
	long value;

	text[0] = '\0';
	if (fd < 0)
		return errno == ENOENT ? PID_FILE_MISSING : PID_FILE_CANNOT_OPEN;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return PID_FILE_NOT_REGULAR;
	}
	n = read(fd, text, text_len - 1);
	if (n < 0) {
		int saved = errno;

		close(fd);
		errno = saved;
		return PID_FILE_CANNOT_READ;
	}
	close(fd);
	text[n] = '\0';
	if (text[0] < '0' || text[0] > '9')
		return PID_FILE_NOT_A_PID;
	errno = 0;
	value = strtol(text, &end, 10);
	while (*end == '\n' || *end == ' ' || *end == '\t' || *end == '\r')
		end++;
	if (*end != '\0' || errno != 0 || value < 1 || value > PID_MAX_LIMIT)
		return PID_FILE_NOT_A_PID;
	*pid = (pid_t)value;
	return PID_FILE_OK;
}
