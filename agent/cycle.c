/* One probe cycle: scan /proc once, locate every service, judge health, build a snapshot. */
#include "cycle.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "host_stats.h"
#include "proc_scan.h"
#include "service_locate.h"

static uint64_t thread_cpu_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

static struct snapshot *snapshot_for(const struct config *config,
				     const struct prober_state *state)
{
	struct snapshot *snapshot = calloc(1, sizeof(*snapshot));

	if (snapshot == NULL)
		return NULL;
	snapshot->services = calloc(config->nservices ? config->nservices : 1,
				    sizeof(*snapshot->services));
	if (snapshot->services == NULL) {
		free(snapshot);
		return NULL;
	}
	snapshot->nservices = config->nservices;
	snapshot->cycles = state->cycles;
	snapshot->config_reloads = state->config_reloads;
	snapshot->config_failures = state->config_failures;
	snapshot->host_fd_allocated = -1;
	snapshot->host_fd_max = -1;
	snapshot->host_listen_overflows = -1;
	for (size_t i = 0; i < config->nservices; i++) {
		struct service_row *row = &snapshot->services[i];

		strcpy(row->name, config->services[i].name);
		row_index_add_string(&row->index, row->name);
	}
	return snapshot;
}

/* Liveness decides health for now: a matched service that is not up is critical. */
static void judge(const struct service_config *service, const struct service_process *proc,
		  struct service_row *row)
{
	row->status = proc->status;
	row->pid = proc->pid;
	if (proc->status == SERVICE_UP || service->match == MATCH_NONE) {
		row->health = HEALTH_OK;
		snprintf(row->health_text, sizeof(row->health_text), "ok");
	} else if (proc->status == SERVICE_UNKNOWN) {
		row->health = HEALTH_UNKNOWN;
		snprintf(row->health_text, sizeof(row->health_text), "%s", proc->reason);
	} else {
		row->health = HEALTH_CRITICAL;
		snprintf(row->health_text, sizeof(row->health_text), "%s: %s",
			 service_status_name(proc->status), proc->reason);
	}
}

struct snapshot *cycle_run(const struct config *config, struct prober_state *state)
{
	uint64_t started_ms = monotonic_ms(), started_cpu = thread_cpu_us();
	struct process_table table;
	struct host_stats host;
	struct snapshot *snapshot;
	int scanned;

	state->cycles++;
	snapshot = snapshot_for(config, state);
	if (snapshot == NULL)
		return NULL;
	scanned = proc_scan("/proc", service_scan_wants(config), &table) == 0;
	for (size_t i = 0; i < config->nservices; i++) {
		struct service_process proc;

		if (scanned) {
			service_locate(&config->services[i], &table, getpid(), &proc);
		} else {
			memset(&proc, 0, sizeof(proc));
			proc.status = SERVICE_UNKNOWN;
			snprintf(proc.reason, sizeof(proc.reason), "/proc could not be read");
		}
		judge(&config->services[i], &proc, &snapshot->services[i]);
	}
	snapshot->processes_scanned = (uint32_t)table.count;
	if (scanned)
		process_table_free(&table);
	host_stats_read("/proc", &host);
	snapshot->host_fd_allocated = host.fd_allocated;
	snapshot->host_fd_max = host.fd_max;
	snapshot->host_listen_overflows = host.listen_overflows;
	snapshot_sort_services(snapshot);
	snapshot->completed_ms = monotonic_ms();
	snapshot->last_cycle_ms = (uint32_t)(snapshot->completed_ms - started_ms);
	snapshot->last_cycle_cpu_us = (uint32_t)(thread_cpu_us() - started_cpu);
	return snapshot;
}

struct snapshot *cycle_initial_snapshot(const struct config *config,
					const struct prober_state *state)
{
	struct snapshot *snapshot = snapshot_for(config, state);

	if (snapshot == NULL)
		return NULL;
	for (size_t i = 0; i < snapshot->nservices; i++) {
		snapshot->services[i].status = SERVICE_UNKNOWN;
		snapshot->services[i].health = HEALTH_UNKNOWN;
		snprintf(snapshot->services[i].health_text, sizeof(snapshot->services[i].health_text),
			 "no probe cycle has completed yet");
	}
	snapshot_sort_services(snapshot);
	snapshot->completed_ms = monotonic_ms();
	return snapshot;
}
