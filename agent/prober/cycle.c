/* One probe cycle: scan /proc once, observe every service, check its files, judge health,
 * build a snapshot. */
#include "cycle.h"
#include "clock.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "file_check.h"
#include "health.h"
#include "host_stats.h"
#include "probe_listener.h"
#include "probe_pool.h"
#include "proc_scan.h"
#include "service_locate.h"
#include "service_observe.h"
#include "service_probes.h"

static size_t count_files(const struct config *config)
{
	size_t n = 0;

	for (size_t i = 0; i < config->nservices; i++)
		n += config->services[i].nfiles;
	return n;
}

static size_t count_probes(const struct config *config)
{
	size_t n = 0;

	for (size_t i = 0; i < config->nservices; i++)
		n += config->services[i].nprobes;
	return n;
}

static size_t count_restarts(const struct state_store *store)
{
	size_t n = 0;

	for (size_t i = 0; i < store->nservices; i++)
		n += store->services[i].nevents;
	return n;
}

static void *array_of(size_t count, size_t size)
{
	return calloc(count ? count : 1, size);
}

static struct snapshot *snapshot_for(const struct config *config,
				     const struct prober_state *state)
{
	struct snapshot *snapshot = calloc(1, sizeof(*snapshot));

	if (snapshot == NULL)
		return NULL;
	snapshot->services = array_of(config->nservices, sizeof(*snapshot->services));
	snapshot->files = array_of(count_files(config), sizeof(*snapshot->files));
	snapshot->probes = array_of(count_probes(config), sizeof(*snapshot->probes));
	if (snapshot->services == NULL || snapshot->files == NULL || snapshot->probes == NULL) {
		snapshot_free(snapshot);
		return NULL;
	}
	snapshot->nservices = config->nservices;
	snapshot->cycles = state->cycles;
	snapshot->interval_ms = (uint32_t)config->agent.interval_ms;
	snapshot->config_reloads = state->config_reloads;
	snapshot->config_failures = state->config_failures;
	snapshot->host_fd_allocated = -1;
	snapshot->host_fd_max = -1;
	snapshot->host_listen_overflows = -1;
	for (size_t i = 0; i < config->nservices; i++) {
		struct service_row *row = &snapshot->services[i];

		strcpy(row->name, config->services[i].name);
		row_index_add_string(&row->index, row->name);
		row->fd_warn_pct = config->services[i].fd_warn_pct;
		row->fd_crit_pct = config->services[i].fd_crit_pct;
	}
	return snapshot;
}

/* Checks SERVICE's files into rows starting at ROWS; returns how many it filled. */
static size_t check_files(const struct service_config *service, const struct timespec *now,
			  struct file_row *rows, struct health_reasons *reasons)
{
	for (size_t i = 0; i < service->nfiles; i++) {
		struct file_row *row = &rows[i];
		struct file_result result;

		file_check(&service->files[i], now, &result);
		row_index_add_string(&row->index, service->name);
		row_index_add_string(&row->index, service->files[i].name);
		snprintf(row->path, sizeof(row->path), "%s", service->files[i].path);
		row->status = result.status;
		row->age_known = result.age_known;
		row->age_s = result.age_s;
		health_add(reasons, result.status == FILE_ERROR ? HEALTH_UNKNOWN
				    : result.status == FILE_OK ? HEALTH_OK : HEALTH_CRITICAL,
			   "%s", result.reason);
	}
	return service->nfiles;
}

static int add_restart_rows(struct snapshot *snapshot, const struct state_store *store)
{
	size_t n = 0;

	snapshot->restarts = array_of(count_restarts(store), sizeof(*snapshot->restarts));
	if (snapshot->restarts == NULL)
		return -1;
	for (size_t i = 0; i < store->nservices; i++) {
		const struct service_state *state = &store->services[i];

		for (size_t j = 0; j < state->nevents; j++) {
			const struct restart_event *event = &state->events[j];
			struct restart_row *row = &snapshot->restarts[n++];

			row_index_add_string(&row->index, state->name);
			row_index_add_number(&row->index, event->index);
			row->restart_index = event->index;
			row->time_ms = event->time_ms;
			row->old_pid = (uint32_t)event->old_pid;
			row->new_pid = (uint32_t)event->new_pid;
			row->downtime_ms = event->downtime_ms;
			row->old_fd_soft_limit = event->old_fd_soft;
			row->new_fd_soft_limit = event->new_fd_soft;
		}
	}
	snapshot->nrestarts = n;
	return 0;
}

static int64_t last_restart_ms(const struct service_state *state)
{
	return state->nevents > 0 ? state->events[state->nevents - 1].time_ms : 0;
}

/* Every probe of every service, in configuration order, run side by side. */
static struct probe_job *run_probes(const struct config *config)
{
	size_t n = count_probes(config), at = 0;
	struct probe_job *jobs = array_of(n, sizeof(*jobs));

	if (jobs == NULL)
		return NULL;
	for (size_t i = 0; i < config->nservices; i++) {
		for (size_t j = 0; j < config->services[i].nprobes; j++)
			jobs[at++].probe = &config->services[i].probes[j];
	}
	probe_pool_run(jobs, n);
	return jobs;
}

void prober_state_free(struct prober_state *state)
{
	state_store_free(&state->store);
	listener_memory_free(&state->listeners);
}

static void observe_services(const struct config *config, struct prober_state *state,
			     const struct process_table *table, const struct probe_job *jobs,
			     const struct probe_listener *listeners, struct snapshot *snapshot)
{
	struct cycle_clock clock;
	struct timespec now;
	size_t file_at = 0, probe_at = 0;

	cycle_clock_read(&clock);
	clock_gettime(CLOCK_REALTIME, &now);
	for (size_t i = 0; i < config->nservices; i++) {
		const struct service_config *service = &config->services[i];
		struct service_row *row = &snapshot->services[i];
		struct health_reasons reasons;

		health_reasons_init(&reasons);
		if (table != NULL) {
			if (service_observe(service, &config->agent, table, &clock,
					    &state->store.services[i], row, &reasons))
				state->store.dirty = true;
		} else {
			row->status = SERVICE_UNKNOWN;
			health_add(&reasons, HEALTH_UNKNOWN, "/proc could not be read");
		}
		row->restarts = state->store.services[i].restarts;
		row->last_restart_ms = last_restart_ms(&state->store.services[i]);
		struct service_probes probes = {
			.jobs = &jobs[probe_at],
			.listeners = &listeners[probe_at],
			.table = table,
			.main_pid = row->pid,
			.main_unknown = row->status == SERVICE_UNKNOWN,
			.now_ms = clock.now_ms,
		};

		service_probes_record(service, &probes, &state->store.services[i],
				      &snapshot->probes[probe_at], &reasons);
		probe_at += service->nprobes;
		file_at += check_files(service, &now, &snapshot->files[file_at], &reasons);
		row->health = reasons.level;
		health_text(&reasons, row->health_text, sizeof(row->health_text));
	}
	snapshot->nfiles = file_at;
	snapshot->nprobes = probe_at;
}

struct snapshot *cycle_run(const struct config *config, struct prober_state *state)
{
	uint64_t started_us = monotonic_us(), started_cpu = thread_cpu_us();
	uint64_t pass_started_us, pass_started_cpu;
	struct process_table table;
	struct host_stats host;
	struct snapshot *snapshot;
	struct listener_table listeners = { 0 };
	struct probe_listener *found;
	struct probe_job *jobs;
	size_t nprobes = count_probes(config);
	uint64_t probes_cpu_us = 0;
	int scanned;

	if (state->synced != config) {
		if (state_store_sync(&state->store, config) < 0)
			return NULL;
		state->synced = config;
	}
	state->cycles++;
	snapshot = snapshot_for(config, state);
	/* Probes first: the process view published with them is then the fresher one. */
	jobs = snapshot != NULL ? run_probes(config) : NULL;
	if (jobs == NULL) {
		snapshot_free(snapshot);
		return NULL;
	}
	pass_started_us = monotonic_us();
	pass_started_cpu = thread_cpu_us();
	scanned = proc_scan("/proc", service_scan_wants(config), &table) == 0;
	snapshot->proc_pass_us = (uint32_t)(monotonic_us() - pass_started_us);
	snapshot->proc_pass_cpu_us = (uint32_t)(thread_cpu_us() - pass_started_cpu);
	snapshot->processes_scanned = scanned ? (uint32_t)table.count : 0;
	found = array_of(nprobes, sizeof(*found));
	if (found != NULL && nprobes > 0)
		probe_listeners_find(scanned ? &table : NULL, &state->listeners, jobs, nprobes,
				     &listeners, found);
	if (found != NULL)
		observe_services(config, state, scanned ? &table : NULL, jobs, found, snapshot);
	listener_table_free(&listeners);
	for (size_t i = 0; i < nprobes; i++)
		probes_cpu_us += jobs[i].cpu_us;
	free(found);
	free(jobs);
	if (scanned)
		process_table_free(&table);
	if (found == NULL || add_restart_rows(snapshot, &state->store) < 0) {
		snapshot_free(snapshot);
		return NULL;
	}
	host_stats_read("/proc", &host);
	snapshot->host_fd_allocated = host.fd_allocated;
	snapshot->host_fd_max = host.fd_max;
	snapshot->host_listen_overflows = host.listen_overflows;
	snapshot_sort(snapshot);
	snapshot->completed_ms = monotonic_ms();
	snapshot->last_cycle_ms = (uint32_t)((monotonic_us() - started_us) / 1000);
	/* The probe threads' CPU counts too: the cycle is what they did together. */
	snapshot->last_cycle_cpu_us = (uint32_t)(thread_cpu_us() - started_cpu + probes_cpu_us);
	return snapshot;
}

struct snapshot *cycle_initial_snapshot(const struct config *config,
					const struct prober_state *state)
{
	struct snapshot *snapshot = snapshot_for(config, state);

	if (snapshot == NULL)
		return NULL;
	for (size_t i = 0; i < snapshot->nservices; i++) {
		const struct service_config *service = &config->services[i];

		snapshot->services[i].status = SERVICE_UNKNOWN;
		snapshot->services[i].health = HEALTH_UNKNOWN;
		snprintf(snapshot->services[i].health_text, sizeof(snapshot->services[i].health_text),
			 "no probe cycle has completed yet");
		for (size_t j = 0; j < service->nprobes; j++) {
			struct probe_row *row = &snapshot->probes[snapshot->nprobes++];

			row_index_add_string(&row->index, service->name);
			row_index_add_string(&row->index, service->probes[j].name);
			snprintf(row->target, sizeof(row->target), "%s", service->probes[j].target);
			row->status = PROBE_NOT_RUN;
		}
	}
	snapshot_sort(snapshot);
	snapshot->completed_ms = monotonic_ms();
	return snapshot;
}
