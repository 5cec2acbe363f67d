/* File-descriptor use of one process: open descriptors and its RLIMIT_NOFILE. */
#ifndef OH_PROC_FD_H
#define OH_PROC_FD_H

#include <stdint.h>
#include <sys/types.h>

struct fd_usage {
	uint32_t open;
	uint32_t soft;   /* "Max open files" soft limit; UINT32_MAX when unlimited */
	uint32_t hard;
};

/* Reads PID's descriptors under PROC_ROOT, making sure it is still the process that
 * started at START_TICKS. Returns 0, or -1 with errno: ESRCH when that process is gone
 * (exited, or its pid reused), EACCES when it may not be inspected. */
int fd_usage_read(const char *proc_root, pid_t pid, unsigned long long start_ticks,
		  struct fd_usage *out);

/* Parses the text of /proc/PID/limits for the open-files line. Returns 0 or -1. */
int fd_limits_parse(const char *limits, uint32_t *soft, uint32_t *hard);

/* Open/soft as a whole percentage, rounded down; 0 when the soft limit is 0. */
unsigned fd_usage_percent(const struct fd_usage *usage);

#endif
