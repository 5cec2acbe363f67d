/* The state file: restart history and the last-seen main processes, kept across restarts
 * of oobhealthd. A versioned text format ending in a checksum line, written atomically. */
#ifndef OH_STATE_FILE_H
#define OH_STATE_FILE_H

#include <stddef.h>

#include "service_state.h"

#define STATE_FILE_VERSION 1

/* The current boot's id (/proc/sys/kernel/random/boot_id), "" when unreadable. */
void state_boot_id(char out[BOOT_ID_MAX]);

/* Loads PATH into STORE (which must be empty), whose boot_id is already set. Returns 1
 * when loaded, 0 when there is no file yet, -1 when it is unusable: then ERROR says why
 * ("PATH:LINE: ...") and STORE stays empty. */
int state_file_load(const char *path, struct state_store *store, char *error, size_t error_len);

/* Writes STORE to PATH: a temporary file beside it, fsync, rename, fsync of the
 * directory. Returns 0, or -1 with ERROR set and PATH untouched. */
int state_file_save(const char *path, const struct state_store *store, char *error,
		    size_t error_len);

/* Moves an unusable state file out of the way as PATH.corrupt, so the agent can start
 * and the operator keeps what was there. Returns 0, or -1 with errno. */
int state_file_set_aside(const char *path, char *aside, size_t aside_len);

#endif
