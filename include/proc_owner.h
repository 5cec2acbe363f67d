/* A process's owner: its real, effective and saved uids from /proc/PID/status, read only
 * for the processes a match selects. */
#ifndef OH_PROC_OWNER_H
#define OH_PROC_OWNER_H

#include <stddef.h>
#include <sys/types.h>

#include "proc_scan.h"

/* The uids on the "Uid:" line of LEN bytes of /proc/PID/status TEXT (not necessarily
 * NUL-terminated). Returns -1 when there is no such line or it is malformed. */
int proc_parse_status_uids(const char *text, size_t len, struct process_uids *uids);

/* Reads PROC's uids, from the process the scan saw (not a later one given its pid), once
 * per TABLE when it keeps owners (TABLE may be NULL). Returns -1 with errno: ESRCH when it
 * is gone, EACCES when /proc hides it. */
int proc_read_uids(const struct process_table *table, const struct process *proc,
		   struct process_uids *uids);

#endif
