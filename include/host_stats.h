/* Host-wide counters: allocated and maximum file handles, listen queue overflows. */
#ifndef OH_HOST_STATS_H
#define OH_HOST_STATS_H

#include <stdint.h>

struct host_stats {
	int64_t fd_allocated;     /* -1 when unreadable */
	int64_t fd_max;
	int64_t listen_overflows; /* TcpExt ListenOverflows */
};

/* PROC_ROOT is normally "/proc". */
void host_stats_read(const char *proc_root, struct host_stats *stats);

#endif
