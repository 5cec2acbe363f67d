/* The socket inodes a process holds, from its /proc/PID/fd links, read at most once per
 * cycle however many services share the process. */
#ifndef OH_PROC_SOCKETS_H
#define OH_PROC_SOCKETS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct process_sockets {
	pid_t pid;
	unsigned long long start_ticks;
	int error;                     /* 0: INODES holds them; else the errno of the read */
	uint32_t *inodes;
	size_t count;
};

/* What one cycle read, by process. */
struct socket_inode_cache {
	struct process_sockets *items;
	size_t count;
	size_t capacity;
};

/* The sockets of PID (started at START_TICKS) under PROC_ROOT, read once per CACHE.
 * Returns them, or NULL with errno: ESRCH when that process is gone, EACCES when its fds
 * may not be read, ENOMEM. */
const struct process_sockets *process_sockets_read(struct socket_inode_cache *cache,
						   const char *proc_root, pid_t pid,
						   unsigned long long start_ticks);

void socket_inode_cache_free(struct socket_inode_cache *cache);

#endif
