/* The listener each probe of a cycle reaches and the process holding it: one sock_diag
 * dump and one owner search for all probes. */
#ifndef OH_PROBE_LISTENER_H
#define OH_PROBE_LISTENER_H

#include <stddef.h>
#include <sys/types.h>

#include "probe_pool.h"
#include "proc_scan.h"
#include "sock_diag.h"
#include "socket_owner.h"

/* What sock_diag and the fd links say about the listener a probe reaches. */
struct probe_listener {
	const struct listener *listener;   /* NULL: nothing listens there */
	pid_t owner;                       /* 0: not found */
	size_t owner_denied;               /* owner not found, and this many processes' fds
					    * could not be read: it may be one of them */
	char owner_comm[16];
};

/* What the search keeps from one cycle to the next. */
struct listener_memory {
	struct socket_owner *owners;       /* found last cycle, tried first */
	size_t nowners;
	char last_error[160];              /* a sock_diag failure is logged once */
};

/* Fills FOUND[i] for each of the N JOBS; LISTENERS receives the dump FOUND points into.
 * TABLE NULL (no /proc pass): owners are left unknown. */
void probe_listeners_find(const struct process_table *table, struct listener_memory *memory,
			  const struct probe_job *jobs, size_t n, struct listener_table *listeners,
			  struct probe_listener *found);

void listener_memory_free(struct listener_memory *memory);

#endif
