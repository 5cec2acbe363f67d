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

/* What one observation read of each process's descriptors, so several services sharing
 * a process read it once. */
struct fd_usage_cache {
	struct fd_cache_slot {
		pid_t pid;                 /* 0: empty */
		unsigned long long start_ticks;
		int error;                 /* 0: USAGE holds it; else the errno of the read */
		struct fd_usage usage;
	} *slots;
	size_t capacity;               /* a power of two */
	size_t used;
};

/* fd_usage_read through CACHE (NULL: read directly). */
int fd_usage_cached(struct fd_usage_cache *cache, pid_t pid, unsigned long long start_ticks,
		    struct fd_usage *out);
void fd_usage_cache_free(struct fd_usage_cache *cache);

/* Parses the text of /proc/PID/limits for the open-files line. Returns 0 or -1. */
int fd_limits_parse(const char *limits, uint32_t *soft, uint32_t *hard);

/* Open/soft as a whole percentage, rounded down; 0 when the soft limit is 0. */
unsigned fd_usage_percent(const struct fd_usage *usage);

#endif
