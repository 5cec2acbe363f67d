/* Turns one probe's result into its probe row, its probe record and health reasons
 * (fail_after consecutive failures make a failing probe critical). */
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

/* The service's side of one finished probe. */
struct service_probe {
	const struct probe_result *result;
	const struct probe_listener *listener;
	const struct process_table *table;     /* NULL when /proc could not be read */
	pid_t main_pid;                        /* 0: no main process */
	bool main_unknown;                     /* whether there is one could not be told */
	int64_t now_ms;                        /* wall clock */
};

/* Fills ROW for SERVICE's probe number SLOT, updates its record in STATE and adds what is
 * wrong to REASONS: a failure (critical from fail_after in a row) and a listener held by
 * a process outside the service's tree. */
void service_probe_record(const struct service_config *service, size_t slot,
			  const struct service_probe *in, struct service_state *state,
			  struct probe_row *row, struct health_reasons *reasons);

#endif
