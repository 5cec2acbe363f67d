/* The prober's work on its data: observe services (all of them at each interval, or just
 * those an event concerns), start probes and record them as they finish, and build the
 * snapshot from what is known now. */
#include "cycle.h"
#include "clock.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include "file_check.h"
#include "health.h"
#include "log.h"
#include "proc_sockets.h"
#include "service_locate.h"
#include "service_observe.h"
#include "service_probes.h"
#include "unit_cgroup.h"

static void *array_of(size_t count, size_t size)
{
	return calloc(count ? count : 1, size);
}

static size_t count_restarts(const struct state_store *store)
{
	size_t n = 0;

	for (size_t i = 0; i < store->nservices; i++)
		n += store->services[i].nevents;
	return n;
}

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

static void view_clear(struct service_view *view, size_t nprobes)
{
	free(view->observed);
	free(view->unit_dir);
	free(view->files);
	free(view->file_reasons);
	for (size_t i = 0; view->probes != NULL && i < nprobes; i++)
		free(view->probes[i].reasons);
	free(view->probes);
	service_stall_clear(&view->stall);
	memset(view, 0, sizeof(*view));
}

static void views_free(struct service_view *views, size_t n, const struct config *config)
{
	for (size_t i = 0; i < n; i++)
		view_clear(&views[i], config != NULL ? config->services[i].nprobes : 0);
	free(views);
}

void prober_state_init(struct prober_state *state, bool polling, char *why, size_t why_len)
{
	memset(state, 0, sizeof(*state));
	proc_track_init(&state->tracker, polling, why, why_len);
	state->tracking_mode = state->tracker.events_fd >= 0 ? 1 : 2;
	state->host = (struct host_stats){ -1, -1, -1 };
}

void prober_state_free(struct prober_state *state)
{
	views_free(state->views, state->nviews, state->synced);
	state->views = NULL;
	state->nviews = 0;
	state_store_free(&state->store);
	listener_memory_free(&state->listeners);
	tcp_connection_table_free(&state->connections);
	proc_track_free(&state->tracker);
}

const struct process_table *cycle_table(const struct prober_state *state)
{
	return state->tracker.have_table ? &state->tracker.table : NULL;
}

static void probe_view_init(struct probe_view *view, const struct service_config *service,
			    const struct probe_config *probe)
{
	row_index_add_string(&view->row.index, service->name);
	row_index_add_string(&view->row.index, probe->name);
	view->row.status = PROBE_NOT_RUN;
	view->row.timeout_ms = probe->timeout_ms;
	view->row.owner_known = true;
	view->row.failure_phase = PHASE_NONE;
}

/* A probe that stays (same service, name and target) keeps its last result until it
 * runs again, so a reload never shows it as not run. */
static void carry_probe(struct probe_view *fresh, const struct probe_config *probe,
			const struct service_view *old, const struct service_config *old_service)
{
	for (size_t j = 0; old != NULL && j < old_service->nprobes; j++) {
		struct probe_view *was = &old->probes[j];

		if (strcmp(old_service->probes[j].name, probe->name) != 0 ||
		    strcmp(old_service->probes[j].target, probe->target) != 0)
			continue;
		fresh->row = was->row;
		fresh->row.timeout_ms = probe->timeout_ms;
		fresh->reasons = was->reasons;
		was->reasons = NULL;
		return;
	}
}

static const struct service_config *old_service_named(const struct config *old, const char *name,
						      size_t *at)
{
	for (size_t i = 0; old != NULL && i < old->nservices; i++) {
		if (strcmp(old->services[i].name, name) == 0) {
			*at = i;
			return &old->services[i];
		}
	}
	return NULL;
}

int cycle_sync(const struct config *config, struct prober_state *state)
{
	struct service_view *views = array_of(config->nservices, sizeof(*views));
	const struct config *old = state->synced != NULL ? state->synced : NULL;

	if (views == NULL)
		return -1;
	for (size_t i = 0; i < config->nservices; i++) {
		const struct service_config *service = &config->services[i];

		views[i].files = array_of(service->nfiles, sizeof(*views[i].files));
		views[i].probes = array_of(service->nprobes, sizeof(*views[i].probes));
		if (views[i].files == NULL || views[i].probes == NULL) {
			views_free(views, i + 1, config);
			return -1;
		}
	}
	if (state_store_sync(&state->store, config) < 0) {
		views_free(views, config->nservices, config);
		return -1;
	}
	for (size_t i = 0; i < config->nservices; i++) {
		const struct service_config *service = &config->services[i];
		size_t at = 0;
		const struct service_config *was = old_service_named(old, service->name, &at);

		row_index_add_string(&views[i].row.index, service->name);
		views[i].row.status = SERVICE_UNKNOWN;
		views[i].stale = true;
		for (size_t j = 0; j < service->nprobes; j++) {
			probe_view_init(&views[i].probes[j], service, &service->probes[j]);
			carry_probe(&views[i].probes[j], &service->probes[j],
				    was != NULL ? &state->views[at] : NULL, was);
		}
	}
	views_free(state->views, state->nviews, old);
	state->views = views;
	state->nviews = config->nservices;
	state->synced = config;
	return 0;
}

/* Checks SERVICE's files into VIEW's rows and kept reasons. */
static void check_files(const struct service_config *service, const struct timespec *now,
			struct service_view *view)
{
	struct health_reasons reasons;

	health_reasons_init(&reasons);
	for (size_t i = 0; i < service->nfiles; i++) {
		struct file_row *row = &view->files[i];
		struct file_result result;

		file_check(&service->files[i], now, &result);
		memset(row, 0, sizeof(*row));
		row_index_add_string(&row->index, service->name);
		row_index_add_string(&row->index, service->files[i].name);
		row->status = result.status;
		row->age_known = result.age_known;
		row->age_s = result.age_s;
		health_add(&reasons, result.status == FILE_ERROR ? HEALTH_UNKNOWN
				     : result.status == FILE_OK ? HEALTH_OK : HEALTH_CRITICAL,
			   "%s", result.reason);
	}
	free(view->file_reasons);
	view->file_reasons = health_keep(&reasons);
}

#define UNIT_DIR_LEN 512
#define UNIT_PIDS_MAX 4096
/* A unit not found is searched for again at most this often: its processes start with an
 * exec, which is an event, so only a move into it waits for this. */
#define UNIT_SEARCH_EVERY_MS 10000

/* With process events, a process moved into or out of a unit (which makes no event) is
 * found by the unit's cgroup.procs, read again, and the service looks again. */
static void follow_unit(const struct service_config *service, struct process_tracker *tracker,
			struct service_view *view)
{
	static pid_t pids[UNIT_PIDS_MAX];
	bool main_listed = false;
	ssize_t n;

	if (service->match != MATCH_UNIT || tracker->events_fd < 0)
		return;
	if (view->unit_dir == NULL && (view->unit_dir = calloc(1, UNIT_DIR_LEN)) == NULL)
		return;
	if (view->unit_dir[0] == '\0' && view->unit_missing_ms != 0 &&
	    monotonic_ms() - view->unit_missing_ms < UNIT_SEARCH_EVERY_MS)
		return;
	n = unit_cgroup_pids(service->match_value, view->unit_dir, UNIT_DIR_LEN, pids, UNIT_PIDS_MAX);
	view->unit_missing_ms = n < 0 ? monotonic_ms() : 0;
	for (ssize_t i = 0; i < n; i++) {
		const struct process *proc = proc_track_find(tracker, pids[i]);

		main_listed |= pids[i] == view->row.pid;
		if (proc != NULL && service_process_matches(service, proc) == 0 &&
		    proc_track_reread(tracker, pids[i], SCAN_CGROUP))
			view->stale = true;
	}
	if (view->row.pid > 0 && !main_listed &&
	    proc_track_reread(tracker, view->row.pid, SCAN_CGROUP))
		view->stale = true;
}

static void observe_one(const struct config *config, struct prober_state *state, size_t i,
			struct observation *seen)
{
	const struct service_config *service = &config->services[i];
	struct service_view *view = &state->views[i];
	struct health_reasons reasons;
	struct service_row row = { 0 };

	health_reasons_init(&reasons);
	row.index = view->row.index;
	row.fd_warn_pct = service->fd_warn_pct;
	row.fd_crit_pct = service->fd_crit_pct;
	if (cycle_table(state) != NULL) {
		/* With process events, a service no event concerned has the same main process. */
		bool reuse = state->tracker.events_fd >= 0 && !view->stale &&
			     view->located.scans == state->tracker.scans;

		if (service_observe(service, &config->agent, seen, &state->store.services[i], &row,
				    &reasons, &view->located, reuse))
			state->store.dirty = true;
		view->located.scans = state->tracker.scans;
	} else {
		row.status = SERVICE_UNKNOWN;
		health_add(&reasons, HEALTH_UNKNOWN, "/proc could not be read");
	}
	view->row = row;
	free(view->observed);
	view->observed = health_keep(&reasons);
	view->stale = false;
}

/* The inbound connections on the TCP listener PROBE last reached, counted from the
 * cycle's dump by the service's stall rule: the same dump and rule as the service's own
 * counts, so the two never disagree. Counted again after every dump. */
static void count_probe_connections(const struct service_config *service,
				    struct probe_view *probe,
				    const struct tcp_connection_table *connections)
{
	probe->row.connections = 0;
	probe->row.stalled_connections = 0;
	probe->row.connections_known = connections->known;
	if (probe->on_tcp_listener && connections->known)
		tcp_connections_on_listener(connections, probe->listener_family,
					    probe->listener_addr, probe->listener_port,
					    service->stall_after_ms, &probe->row.connections,
					    &probe->row.stalled_connections);
}

/* Whether anything counts TCP connections: a service with processes, or a tcp probe. */
static bool wants_connections(const struct config *config)
{
	for (size_t i = 0; i < config->nservices; i++) {
		const struct service_config *service = &config->services[i];

		if (service->match != MATCH_NONE)
			return true;
		for (size_t j = 0; j < service->nprobes; j++) {
			if (service->probes[j].kind != PROBE_UNIX)
				return true;
		}
	}
	return false;
}

/* The cycle's one dump of the host's TCP connections; a failure is logged once, and until
 * it works no service's connections are known. */
static void dump_connections(const struct config *config, struct prober_state *state)
{
	struct tcp_connection_table *table = &state->connections;

	if (!wants_connections(config)) {
		table->count = 0;
		table->known = false;
		return;
	}
	if (tcp_connections_dump(table) == 0) {
		state->connections_error[0] = '\0';
		return;
	}
	if (strcmp(table->error, state->connections_error) != 0)
		log_msg(LOG_WARNING, "%s: connections and stalled peers are unknown", table->error);
	snprintf(state->connections_error, sizeof(state->connections_error), "%s", table->error);
}

void cycle_observe(const struct config *config, struct prober_state *state, bool all)
{
	uint64_t started_us = monotonic_us(), started_cpu = thread_cpu_us();
	struct observation seen = { 0 };
	struct socket_inode_cache sockets = { 0 };
	struct timespec now;

	proc_track_wants(&state->tracker, service_scan_wants(config));
	for (size_t i = 0; i < config->nservices; i++) {
		if (all || state->views[i].stale)
			follow_unit(&config->services[i], &state->tracker, &state->views[i]);
	}
	proc_track_refresh(&state->tracker);
	/* Events say nothing of a stop (SIGSTOP): each main process's state is read again. */
	for (size_t i = 0; i < config->nservices; i++) {
		if (all || state->views[i].stale)
			proc_track_restat(&state->tracker, state->store.services[i].pid);
	}
	if (all) {
		state->proc_pass_us = (uint32_t)(monotonic_us() - started_us);
		state->proc_pass_cpu_us = (uint32_t)(thread_cpu_us() - started_cpu);
	}
	seen.table = cycle_table(state);
	if (all)
		dump_connections(config, state);
	cycle_clock_read(&seen.clock);
	clock_gettime(CLOCK_REALTIME, &now);
	for (size_t i = 0; i < config->nservices; i++) {
		if (!all && !state->views[i].stale)
			continue;
		observe_one(config, state, i, &seen);
		if (!all)
			continue;
		check_files(&config->services[i], &now, &state->views[i]);
		service_stall_judge(&config->services[i], seen.table,
				    seen.table != NULL ? state->views[i].located.located.main : NULL,
				    &state->connections, &sockets, &state->views[i].stall);
		for (size_t j = 0; j < config->services[i].nprobes; j++)
			count_probe_connections(&config->services[i], &state->views[i].probes[j],
						&state->connections);
	}
	fd_usage_cache_free(&seen.fds);
	socket_inode_cache_free(&sockets);
	if (!all)
		return;
	host_stats_read("/proc", &state->host);
	state->cycles++;
	state->completed_ms = monotonic_ms();
	state->last_pass_ms = (uint32_t)((monotonic_us() - started_us) / 1000);
}

size_t cycle_start_probes(const struct config *config, struct prober_state *state)
{
	size_t started = 0;

	for (size_t i = 0; i < config->nservices; i++) {
		for (size_t j = 0; j < config->services[i].nprobes; j++) {
			struct probe_view *view = &state->views[i].probes[j];
			struct probe_job *job;

			if (view->running || (job = calloc(1, sizeof(*job))) == NULL)
				continue;
			job->probe = &config->services[i].probes[j];
			job->service = i;
			job->slot = j;
			job->owner = config;
			view->running = true;
			probe_pool_submit(job);
			started++;
		}
	}
	return started;
}

static void record_one(const struct config *config, struct prober_state *state,
		       const struct probe_job *job, const struct probe_listener *found,
		       int64_t now_ms)
{
	const struct service_config *service = &config->services[job->service];
	struct service_view *view = &state->views[job->service];
	struct probe_view *probe = &view->probes[job->slot];
	struct health_reasons reasons;
	struct service_probe in = {
		.result = &job->result,
		.listener = found,
		.table = cycle_table(state),
		.main_pid = view->row.pid,
		.main_unknown = view->row.status == SERVICE_UNKNOWN,
		.now_ms = now_ms,
	};

	health_reasons_init(&reasons);
	service_probe_record(service, job->slot, &in, &state->store.services[job->service],
			     &probe->row, &reasons);
	free(probe->reasons);
	probe->reasons = health_keep(&reasons);
	probe->running = false;
	probe->on_tcp_listener = found->listener != NULL && found->listener->family != AF_UNIX;
	if (probe->on_tcp_listener) {
		probe->listener_family = found->listener->family;
		memcpy(probe->listener_addr, found->listener->addr, sizeof(probe->listener_addr));
		probe->listener_port = found->listener->port;
	}
	count_probe_connections(service, probe, &state->connections);
}

size_t cycle_record_probes(const struct config *config, struct prober_state *state,
			   struct probe_job *done)
{
	struct listener_table listeners = { 0 };
	struct probe_listener *found;
	struct probe_job *jobs;
	struct timespec now;
	size_t n = 0, at = 0;

	for (struct probe_job *job = done; job != NULL; job = job->next) {
		state->probes_cpu_us += job->cpu_us;
		n += job->owner == config;
	}
	jobs = array_of(n, sizeof(*jobs));
	found = array_of(n, sizeof(*found));
	for (struct probe_job *job = done, *next; job != NULL; job = next) {
		next = job->next;
		if (job->owner == config && jobs != NULL && found != NULL)
			jobs[at++] = *job;
		else if (job->owner == config)
			state->views[job->service].probes[job->slot].running = false;
		free(job);
	}
	clock_gettime(CLOCK_REALTIME, &now);
	if (at > 0)
		probe_listeners_find(cycle_table(state), &state->listeners,
				     jobs, at, &listeners, found);
	for (size_t i = 0; i < at; i++)
		record_one(config, state, &jobs[i], &found[i],
			   (int64_t)now.tv_sec * 1000 + now.tv_nsec / 1000000);
	listener_table_free(&listeners);
	free(jobs);
	free(found);
	return at;
}

static size_t count_stalled_peers(const struct prober_state *state)
{
	size_t n = 0;

	for (size_t i = 0; i < state->nviews; i++)
		n += state->views[i].stall.npeers;
	return n;
}

static void *snapshot_alloc(const struct config *config, const struct prober_state *state)
{
	struct snapshot *snapshot = calloc(1, sizeof(*snapshot));

	if (snapshot == NULL)
		return NULL;
	snapshot->services = array_of(config->nservices, sizeof(*snapshot->services));
	snapshot->files = array_of(count_files(config), sizeof(*snapshot->files));
	snapshot->probes = array_of(count_probes(config), sizeof(*snapshot->probes));
	snapshot->restarts = array_of(count_restarts(&state->store), sizeof(*snapshot->restarts));
	snapshot->stalled_peers = array_of(count_stalled_peers(state),
					   sizeof(*snapshot->stalled_peers));
	if (snapshot->services == NULL || snapshot->files == NULL || snapshot->probes == NULL ||
	    snapshot->restarts == NULL || snapshot->stalled_peers == NULL) {
		snapshot_free(snapshot);
		return NULL;
	}
	snapshot->nservices = config->nservices;
	snapshot->cycles = state->cycles;
	snapshot->interval_ms = (uint32_t)config->agent.interval_ms;
	snapshot->config_reloads = state->config_reloads;
	snapshot->config_failures = state->config_failures;
	snapshot->config_error = snapshot_text(snapshot, state->config_error);
	snapshot->notify_budget = config->agent.notify_budget;
	snapshot->notify_per_ms = (uint32_t)config->agent.notify_per_ms;
	snapshot->notify_hold_ms = (uint32_t)(config->agent.notify_hold_set ? config->agent.notify_hold_ms
									: config->agent.interval_ms);
	return snapshot;
}

static void add_restart_rows(struct snapshot *snapshot, const struct state_store *store)
{
	size_t n = 0;

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
			row->old_exit = event->old_exit;
		}
	}
	snapshot->nrestarts = n;
}

static int64_t last_restart_ms(const struct service_state *state)
{
	return state->nevents > 0 ? state->events[state->nevents - 1].time_ms : 0;
}

/* TEXT cut to fit a column of LEN - 1 bytes, among SNAPSHOT's texts. */
static const char *column_text(struct snapshot *snapshot, const char *text, size_t len)
{
	char cut[256];
	size_t keep = len - 1 < sizeof(cut) - 1 ? len - 1 : sizeof(cut) - 1;

	if (strlen(text) <= keep)
		return snapshot_text(snapshot, text);
	memcpy(cut, text, keep);
	cut[keep] = '\0';
	return snapshot_text(snapshot, cut);
}

/* A service's row as published: its process columns and every part's reasons, in the
 * order process, probes, files. */
static void publish_service(struct snapshot *snapshot, const struct service_config *service,
			    const struct service_view *view, const struct service_state *kept,
			    struct service_row *row, struct probe_row *probes, struct file_row *files)
{
	struct health_reasons reasons;
	char text[256];

	health_reasons_init(&reasons);
	*row = view->row;
	row->name = snapshot_text(snapshot, service->name);
	row->restarts = kept->restarts;
	row->last_restart_ms = last_restart_ms(kept);
	row->stall_after_ms = (uint32_t)service->stall_after_ms;
	row->connections_known = view->stall.known;
	row->connections = view->stall.connections;
	row->stalled_connections = view->stall.stalled;
	health_add_kept(&reasons, view->observed);
	health_add_kept(&reasons, view->stall.reasons);
	for (size_t j = 0; j < service->nprobes; j++) {
		probes[j] = view->probes[j].row;
		probes[j].target = column_text(snapshot, service->probes[j].target, 256);
		probes[j].last_error = snapshot_text(snapshot, kept->probes[j].last_error);
		health_add_kept(&reasons, view->probes[j].reasons);
		/* Until its first result is back, nobody can say the listener answers. */
		if (probes[j].status == PROBE_NOT_RUN) {
			row->provisional = true;
			health_add(&reasons, HEALTH_UNKNOWN, "probe %s: no result yet (deadline %u ms)",
				   service->probes[j].name, service->probes[j].timeout_ms);
		}
	}
	for (size_t j = 0; j < service->nfiles; j++) {
		files[j] = view->files[j];
		files[j].path = column_text(snapshot, service->files[j].path, 256);
	}
	health_add_kept(&reasons, view->file_reasons);
	row->health = reasons.level;
	health_text(&reasons, text, sizeof(text));
	row->health_text = snapshot_text(snapshot, text);
}

struct snapshot *cycle_snapshot(const struct config *config, const struct prober_state *state)
{
	struct snapshot *snapshot = snapshot_alloc(config, state);

	if (snapshot == NULL)
		return NULL;
	for (size_t i = 0; i < config->nservices; i++) {
		const struct service_config *service = &config->services[i];

		publish_service(snapshot, service, &state->views[i], &state->store.services[i],
				&snapshot->services[i], &snapshot->probes[snapshot->nprobes],
				&snapshot->files[snapshot->nfiles]);
		snapshot->nprobes += service->nprobes;
		snapshot->nfiles += service->nfiles;
		for (size_t j = 0; j < state->views[i].stall.npeers; j++)
			snapshot->stalled_peers[snapshot->nstalled_peers++] = state->views[i].stall.peers[j];
	}
	add_restart_rows(snapshot, &state->store);
	snapshot->host_fd_allocated = state->host.fd_allocated;
	snapshot->host_fd_max = state->host.fd_max;
	snapshot->host_listen_overflows = state->host.listen_overflows;
	snapshot->processes_scanned = cycle_table(state) != NULL ? (uint32_t)state->tracker.table.count : 0;
	snapshot->tracking_mode = state->tracking_mode;
	snapshot->proc_pass_us = state->proc_pass_us;
	snapshot->proc_pass_cpu_us = state->proc_pass_cpu_us;
	snapshot->completed_ms = state->completed_ms;
	snapshot->last_cycle_ms = state->last_pass_ms;
	snapshot->last_cycle_cpu_us = state->last_cycle_cpu_us;
	snapshot_sort(snapshot);
	return snapshot;
}

struct snapshot *cycle_run(const struct config *config, struct prober_state *state)
{
	uint64_t started_cpu = thread_cpu_us();
	size_t n = 0;
	struct probe_job *done = NULL, **tail = &done, *jobs;

	if (state->synced != config && cycle_sync(config, state) < 0)
		return NULL;
	cycle_observe(config, state, true);
	jobs = array_of(count_probes(config), sizeof(*jobs));
	if (jobs == NULL)
		return NULL;
	for (size_t i = 0; i < config->nservices; i++) {
		for (size_t j = 0; j < config->services[i].nprobes; j++, n++) {
			jobs[n].probe = &config->services[i].probes[j];
			jobs[n].service = i;
			jobs[n].slot = j;
			jobs[n].owner = config;
		}
	}
	probe_pool_run(jobs, n);
	/* Recorded as the daemon records them: a list it frees. */
	for (size_t i = 0; i < n; i++) {
		struct probe_job *copy = malloc(sizeof(*copy));

		if (copy == NULL)
			continue;
		*copy = jobs[i];
		copy->next = NULL;
		*tail = copy;
		tail = &copy->next;
	}
	free(jobs);
	cycle_record_probes(config, state, done);
	state->last_cycle_cpu_us = (uint32_t)(thread_cpu_us() - started_cpu + state->probes_cpu_us);
	return cycle_snapshot(config, state);
}

struct snapshot *cycle_initial_snapshot(const struct config *config,
					const struct prober_state *state)
{
	struct snapshot *snapshot = snapshot_alloc(config, state);

	if (snapshot == NULL)
		return NULL;
	snapshot->host_fd_allocated = -1;
	snapshot->host_fd_max = -1;
	snapshot->host_listen_overflows = -1;
	for (size_t i = 0; i < snapshot->nservices; i++) {
		const struct service_config *service = &config->services[i];
		struct service_row *row = &snapshot->services[i];

		row->name = snapshot_text(snapshot, service->name);
		row_index_add_string(&row->index, service->name);
		row->fd_warn_pct = service->fd_warn_pct;
		row->fd_crit_pct = service->fd_crit_pct;
		row->stall_after_ms = (uint32_t)service->stall_after_ms;
		row->status = SERVICE_UNKNOWN;
		row->health = HEALTH_UNKNOWN;
		row->provisional = true;
		row->health_text = snapshot_text(snapshot, "no probe cycle has completed yet");
		for (size_t j = 0; j < service->nprobes; j++) {
			struct probe_view view = { 0 };

			probe_view_init(&view, service, &service->probes[j]);
			view.row.target = column_text(snapshot, service->probes[j].target, 256);
			view.row.last_error = "";
			snapshot->probes[snapshot->nprobes++] = view.row;
		}
	}
	snapshot_sort(snapshot);
	snapshot->completed_ms = monotonic_ms();
	return snapshot;
}
