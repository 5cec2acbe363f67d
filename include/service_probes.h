/* Turns one service's probe results into its probe rows, its probe records and health
 * reasons (fail_after consecutive failures make a failing probe critical). */
#ifndef OH_SERVICE_PROBES_H
#define OH_SERVICE_PROBES_H

#include "config.h"
#include "health.h"
#include "probe_pool.h"
#include "service_state.h"
#include "snapshot.h"

/* JOBS and ROWS hold one entry per probe of SERVICE, in its order; NOW_MS is wall clock. */
void service_probes_record(const struct service_config *service, const struct probe_job *jobs,
			   struct service_state *state, int64_t now_ms, struct probe_row *rows,
			   struct health_reasons *reasons);

#endif
