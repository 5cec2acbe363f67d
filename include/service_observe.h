/* What one cycle sees of a service's processes: status, start time, zombies, fd use and
 * limits, restarts and flapping. Each finding that is not fine becomes a health reason. */
#ifndef OH_SERVICE_OBSERVE_H
#define OH_SERVICE_OBSERVE_H

#include <stdbool.h>
#include <stdint.h>

#include "config.h"
#include "health.h"
#include "proc_scan.h"
#include "service_state.h"
#include "snapshot.h"

/* One cycle's notion of time. */
struct cycle_clock {
	int64_t now_ms;          /* wall clock, ms since the epoch */
	uint64_t now_mono_ms;    /* CLOCK_MONOTONIC */
	int64_t boot_ms;         /* wall-clock time the host booted */
	long ticks_per_s;        /* the unit of /proc/PID/stat starttime */
};

void cycle_clock_read(struct cycle_clock *clock);

/* Fills ROW's process columns from TABLE (the /proc pass of this cycle) and adds what is
 * wrong to REASONS. Returns true when STATE changed in a way the state file keeps. */
bool service_observe(const struct service_config *service, const struct agent_config *agent,
		     const struct process_table *table, const struct cycle_clock *clock,
		     struct service_state *state, struct service_row *row,
		     struct health_reasons *reasons);

#endif
