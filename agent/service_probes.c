/* Turns one service's probe results into its probe rows, its probe records and health
 * reasons (fail_after consecutive failures make a failing probe critical). */
#include "service_probes.h"

#include <stdio.h>
#include <string.h>

void service_probes_record(const struct service_config *service, const struct probe_job *jobs,
			   struct service_state *state, int64_t now_ms, struct probe_row *rows,
			   struct health_reasons *reasons)
{
	for (size_t i = 0; i < service->nprobes; i++) {
		const struct probe_config *probe = &service->probes[i];
		const struct probe_result *result = &jobs[i].result;
		struct probe_state *record = &state->probes[i];
		struct probe_row *row = &rows[i];

		if (result->status == PROBE_OK) {
			record->consec_failures = 0;
			record->last_success_ms = now_ms;
		} else {
			record->consec_failures++;
			record->failures++;
			snprintf(record->last_error, sizeof(record->last_error), "%s", result->error);
			if (record->consec_failures >= service->fail_after)
				health_add(reasons, HEALTH_CRITICAL, "probe %s: %s", probe->name,
					   result->error);
			else
				health_add(reasons, HEALTH_WARNING, "probe %s: %s (failure %u of %u)",
					   probe->name, result->error, record->consec_failures,
					   service->fail_after);
		}
		row_index_add_string(&row->index, service->name);
		row_index_add_string(&row->index, probe->name);
		snprintf(row->target, sizeof(row->target), "%s", probe->target);
		row->status = result->status;
		row->latency_us = result->latency_us;
		row->consec_failures = record->consec_failures;
		row->failures = record->failures;
		row->last_success_ms = record->last_success_ms;
		snprintf(row->last_error, sizeof(row->last_error), "%s", record->last_error);
	}
}
