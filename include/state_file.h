/* The state file: restart history and the last-seen main processes, kept across restarts
 * of oobhealthd. A versioned text format ending in a checksum line, written atomically;
 * the lock beside it that keeps a second oobhealthd off it. */
#ifndef OH_STATE_FILE_H
#define OH_STATE_FILE_H

#include <stddef.h>
#include <sys/types.h>

#include "service_state.h"

#define STATE_FILE_VERSION 1

/* The current boot's id (/proc/sys/kernel/random/boot_id), "" when unreadable. */
void state_boot_id(char out[BOOT_ID_MAX]);

/* Loads PATH into STORE (which must be empty), whose boot_id is already set. Returns 1
 * when loaded, 0 when there is no file yet, -1 when it is unusable: then ERROR says why
 * ("PATH:LINE: ...") and STORE stays empty. */
int state_file_load(const char *path, struct state_store *store, char *error, size_t error_len);
/* Parses the LEN bytes at TEXT, read from PATH, as state_file_load does. Returns 0, or
 * -1 with ERROR set and STORE empty. */
int state_file_parse(const char *path, const char *text, size_t len, struct state_store *store,
		     char *error, size_t error_len);

/* Writes STORE to PATH: a temporary file beside it, fsync, rename, fsync of the
 * directory. Returns 0, or -1 with ERROR set and PATH untouched. */
int state_file_save(const char *path, const struct state_store *store, char *error,
		    size_t error_len);

/* Moves an unusable state file out of the way as PATH.corrupt, so the agent can start
 * and the operator keeps what was there. Returns 0, or -1 with errno. */
int state_file_set_aside(const char *path, char *aside, size_t aside_len);

/* Makes sure the directory PATH lives in exists, creating that one directory (mode
 * 0750) when it is missing. Sets DIR to it. Returns 1 when created, 0 when it was there,
 * -1 with ERROR set ("state directory DIR: ..."). */
int state_dir_prepare(const char *path, char *dir, size_t dir_len, char *error, size_t error_len);

/* Takes PATH.lock (set in LOCK_PATH) for the life of the process, as lock_file_take()
 * does (mode 0640): -2 when another process holds it (*HOLDER is its pid, 0 if it wrote
 * none yet), -1 when it cannot be taken at all. */
int state_lock_take(const char *path, char *lock_path, size_t lock_path_len, pid_t *holder,
		    char *error, size_t error_len);

/* Before each write of the state file PATH: makes sure *FD (from state_lock_take(), or -1)
 * is the lock at PATH.lock, taking it now when it could not be taken before. Returns 0,
 * or -1 with ERROR saying why PATH is not to be written. */
int state_lock_check(int *fd, const char *path, char *error, size_t error_len);

#endif
