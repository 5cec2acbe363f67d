/* Reading a pidfile: bounded, never blocking on it, a plain decimal pid or a refusal. */
#ifndef OH_PID_FILE_H
#define OH_PID_FILE_H

#include <stddef.h>
#include <sys/types.h>

enum pid_file_result {
	PID_FILE_OK,
	PID_FILE_MISSING,          /* ENOENT */
	PID_FILE_CANNOT_OPEN,      /* errno is set */
	PID_FILE_CANNOT_READ,      /* errno is set */
	PID_FILE_NOT_REGULAR,      /* a FIFO, device or directory: refused, not read */
	PID_FILE_NOT_A_PID,        /* TEXT holds what it says instead */
};

/* Reads PATH into TEXT (at most TEXT_LEN-1 bytes, NUL-terminated) and, for PID_FILE_OK,
 * the pid it holds into *PID: digits, then only white space. */
enum pid_file_result pid_file_read(const char *path, pid_t *pid, char *text, size_t text_len);

#endif
