/* Reading a pidfile: bounded, never blocking on it, a plain decimal pid or a refusal, with
 * who could have written it. */
#ifndef OH_PID_FILE_H
#define OH_PID_FILE_H

#include <stddef.h>
#include <sys/types.h>

enum pid_file_result {
	PID_FILE_OK,
	PID_FILE_MISSING,          /* ENOENT */
	PID_FILE_CANNOT_OPEN,      /* errno is set */
	PID_FILE_CANNOT_READ,      /* errno is set */
	PID_FILE_SYMLINK,          /* not followed: the link's directory is not what was checked */
	PID_FILE_NOT_REGULAR,      /* a FIFO, device or directory: refused, not read */
	PID_FILE_NOT_A_PID,        /* TEXT holds what it says instead */
};

/* Longest content read: a pid has at most 7 digits; a longer file is not a pidfile. */
#define PID_FILE_TEXT_MAX 32

/* What the pidfile is, from the descriptor it was read through (no second lookup by name
 * that someone could race), and what it holds. */
struct pid_file {
	pid_t pid;                      /* PID_FILE_OK only */
	uid_t owner;
	mode_t mode;
	nlink_t nlink;                  /* a second name could be anyone's */
	uid_t dir_owner;                /* of the directory holding it */
	mode_t dir_mode;
	char text[PID_FILE_TEXT_MAX];   /* its first bytes, NUL bytes included (not terminated) */
	size_t text_len;
};

/* Opens PATH without following a symbolic link in its last component and reads it into
 * FILE. For PID_FILE_OK and PID_FILE_NOT_A_PID every field is set; for PID_FILE_NOT_REGULAR
 * the owners and modes. */
enum pid_file_result pid_file_read(const char *path, struct pid_file *file);

/* The pid LEN bytes of TEXT hold: a positive decimal without sign or leading zero, then
 * only spaces, tabs, CR and LF. Returns -1 for anything else (a NUL byte included). */
int pid_file_parse(const char *text, size_t len, pid_t *pid);

#endif
