/* A process's owner: its real, effective and saved uids from /proc/PID/status, read only
 * for the processes a match selects. */
#ifndef OH_PROC_OWNER_H
#define OH_PROC_OWNER_H

#include <stddef.h>
#include <sys/types.h>

#include "proc_scan.h"

/* Not the owner of /proc/PID, which is root for any non-dumpable process: a setuid
 * program keeps its caller's real uid, and each of the three must be trusted. */
struct process_uids {
	uid_t real;
	uid_t effective;
	uid_t saved;
};

/* The uids on the "Uid:" line of LEN bytes of /proc/PID/status TEXT (not necessarily
 * NUL-terminated). Returns -1 when there is no such line or it is malformed. */
int proc_parse_status_uids(const char *text, size_t len, struct process_uids *uids);

/* Reads PROC's uids, from the process the scan saw (not a later one given its pid).
 * Returns -1 with errno: ESRCH when it is gone, EACCES when /proc hides it. */
int proc_read_uids(const struct process *proc, struct process_uids *uids);

#endif
