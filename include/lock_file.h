/* A file oobhealthd holds an flock on for as long as it runs, with its pid in it: the lock
 * beside the state file, and the -p pidfile. */
#ifndef OH_LOCK_FILE_H
#define OH_LOCK_FILE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* Opens PATH (created when missing), never through a symbolic link and never waiting on
 * a FIFO, takes an exclusive flock on it without waiting, and sets its mode to MODE
 * whatever the umask. WHAT names the file in errors ("lock file", "pidfile"). Returns the
 * descriptor; -2 when another process holds it (*HOLDER: the pid written in it, 0 if none
 * yet); -1 when it cannot be taken (errno EEXIST: what is at PATH is not a regular file
 * with that one name, owned by root or this process's user). ERROR says why in both
 * failure cases. */
int lock_file_take(const char *path, const char *what, mode_t mode, pid_t *holder,
		   char *error, size_t error_len);

/* Replaces the content of the held file FD with PID and a newline. Returns 0 or -1. */
int lock_file_note_pid(int fd, pid_t pid);

/* Whether PATH still names the file FD holds: not removed, replaced, or gone with a
 * directory that was moved or replaced. */
bool lock_file_is_at(int fd, const char *path);

#endif
