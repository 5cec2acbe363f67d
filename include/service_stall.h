/* A service's TCP connections against the stall rule: how many its process tree holds,
 * how many are stalled, the worst of them as stalled-peer rows, and the health reason
 * naming the worst peer. */
#ifndef OH_SERVICE_STALL_H
#define OH_SERVICE_STALL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "health.h"
#include "proc_scan.h"
#include "proc_sockets.h"
#include "snapshot.h"
#include "tcp_connections.h"

/* What one full cycle found; kept until the next. */
struct service_stall {
	bool known;                        /* the dump worked and every process's fds were read */
	uint32_t connections;
	uint32_t stalled;
	struct stalled_peer_row *peers;    /* the worst, at most the service's stalled_peers */
	size_t npeers;
	char *reasons;                     /* health_keep() of the stall reason; NULL: none */
};

/* Judges the connections CONNECTIONS holds for the tree of MAIN_PROC (NULL: the service
 * has no process, so nothing is known) into STALL, reading fd links through SOCKETS. */
void service_stall_judge(const struct service_config *service, const struct process_table *table,
			 const struct process *main_proc,
			 const struct tcp_connection_table *connections,
			 struct socket_inode_cache *sockets, struct service_stall *stall);

void service_stall_clear(struct service_stall *stall);

#endif
