/* Turns one service's probe results into its probe rows, its probe records and health
 * reasons (fail_after consecutive failures make a failing probe critical). */
#ifndef OH_SERVICE_PROBES_H
#define OH_SERVICE_PROBES_H

#include <stdbool.h>

#include "config.h"
#include "health.h"
#include "probe_listener.h"
#include "probe_pool.h"
#include "proc_scan.h"
#include "service_state.h"
#include "snapshot.h"

/* The service's side of one cycle's probes. */
struct service_probes {
	const struct probe_job *jobs;          /* one per probe of the service, in order */
	const struct probe_listener *listeners;
	const struct process_table *table;     /* NULL when /proc could not be read */
	pid_t main_pid;                        /* 0: no main process */
	bool main_unknown;                     /* whether there is one could not be told */
	int64_t now_ms;                        /* wall clock */
};

/* Fills ROWS (one per probe of SERVICE), updates STATE's probe records and adds what is
 * wrong to REASONS: failures (critical from fail_after in a row) and a listener held by
 * a process outside the service's tree. */
void service_probes_record(const struct service_config *service, const struct service_probes *in,
			   struct service_state *state, struct probe_row *rows,
			   struct health_reasons *reasons);

#endif
