/* What one cycle sees of a service's processes: status, start time, zombies, fd use and
 * limits, restarts and flapping. Each finding that is not fine becomes a health reason. */
#ifndef OH_SERVICE_OBSERVE_H
#define OH_SERVICE_OBSERVE_H

#include <stdbool.h>
#include <stdint.h>

#include "config.h"
#include "health.h"
#include "proc_scan.h"
#include "service_locate.h"
#include "service_state.h"
#include "snapshot.h"

#include "proc_fd.h"

/* One cycle's notion of time. */
struct cycle_clock {
	int64_t now_ms;          /* wall clock, ms since the epoch */
	uint64_t now_mono_ms;    /* CLOCK_MONOTONIC */
	int64_t boot_ms;         /* wall-clock time the host booted */
	long ticks_per_s;        /* the unit of /proc/PID/stat starttime */
};

void cycle_clock_read(struct cycle_clock *clock);

/* The last locate result of a service, carried over while no event concerned it. */
struct locate_memo {
	bool valid;
	struct service_process located;
	unsigned long long start_ticks;    /* of its main process */
	uint64_t scans;                    /* the tracker's full scans when it was made */
};

/* What one observation shares between services: the processes, the time, and the fds
 * it read (a process several services share is read once). */
struct observation {
	const struct process_table *table;
	struct cycle_clock clock;
	struct fd_usage_cache fds;
};

/* Fills ROW's process columns from SEEN and adds what is wrong to REASONS. With REUSE, MEMO's main process is carried over when it can be (no
 * event said anything changed); MEMO is updated either way. Returns true when STATE
 * changed in a way the state file keeps. */
bool service_observe(const struct service_config *service, const struct agent_config *agent,
		     struct observation *seen, struct service_state *state, struct service_row *row,
		     struct health_reasons *reasons, struct locate_memo *memo, bool reuse);

#endif
