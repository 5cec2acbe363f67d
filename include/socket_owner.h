/* Which process holds a socket: socket inodes matched against /proc/PID/fd links. An
 * owner found last cycle is checked first by the one fd link it was found at, then by all
 * its fds; the whole host is read only for inodes still unknown, once per cycle for all. */
#ifndef OH_SOCKET_OWNER_H
#define OH_SOCKET_OWNER_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "proc_scan.h"

struct socket_owner {
	uint32_t inode;
	pid_t pid;                  /* 0: not found */
	int fd;                     /* where PID holds it, when found */
};

/* Finds the owner of each of the N inodes in WANTED (sets .pid). KNOWN holds the owners
 * found last time (NKNOWN of them), tried first. Returns how many processes' fds could
 * not be read (EACCES without CAP_SYS_PTRACE): an inode left unfound may be theirs. */
size_t socket_owners_find(const struct process_table *table, const struct socket_owner *known,
			size_t nknown, struct socket_owner *wanted, size_t n);

#endif
