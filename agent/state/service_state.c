/* What the prober remembers about each service from cycle to cycle: restart detection,
 * the history it feeds, flap counting and zombie ages. */
#include "service_state.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

static void service_state_clear(struct service_state *state)
{
	free(state->events);
	free(state->zombies);
	free(state->probes);
	memset(state, 0, sizeof(*state));
}

static void trim_history(struct service_state *state, unsigned history)
{
	if (state->nevents <= history)
		return;
	memmove(state->events, state->events + (state->nevents - history),
		history * sizeof(*state->events));
	state->nevents = history;
}

/* Fills FRESH (one record per probe of SERVICE) from STATE's records of the same name,
 * then gives it to STATE. */
static void move_probes(struct service_state *state, const struct service_config *service,
			struct probe_state *fresh)
{
	for (size_t i = 0; i < service->nprobes; i++) {
		strcpy(fresh[i].name, service->probes[i].name);
		for (size_t j = 0; j < state->nprobes; j++) {
			if (strcmp(state->probes[j].name, fresh[i].name) == 0) {
				fresh[i] = state->probes[j];
				break;
			}
		}
	}
	free(state->probes);
	state->probes = fresh;
	state->nprobes = service->nprobes;
}

static void free_all(struct probe_state **probes, size_t count)
{
	for (size_t i = 0; i < count; i++)
		free(probes[i]);
	free(probes);
}

int state_store_sync(struct state_store *store, const struct config *config)
{
	size_t n = config->nservices;
	struct service_state *fresh = calloc(n ? n : 1, sizeof(*fresh));
	struct probe_state **probes = calloc(n ? n : 1, sizeof(*probes));

	/* Everything is allocated first, so running out of memory leaves STORE as it was. */
	for (size_t i = 0; fresh != NULL && probes != NULL && i < n; i++) {
		size_t np = config->services[i].nprobes;

		probes[i] = calloc(np ? np : 1, sizeof(**probes));
		if (probes[i] == NULL) {
			free_all(probes, i);
			probes = NULL;
		}
	}
	if (fresh == NULL || probes == NULL) {
		free(fresh);
		if (probes != NULL)
			free_all(probes, n);
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		const char *name = config->services[i].name;

		for (size_t j = 0; j < store->nservices; j++) {
			if (strcmp(store->services[j].name, name) == 0) {
				fresh[i] = store->services[j];
				memset(&store->services[j], 0, sizeof(store->services[j]));
				break;
			}
		}
		strcpy(fresh[i].name, name);
		move_probes(&fresh[i], &config->services[i], probes[i]);
		if (fresh[i].nevents > config->agent.history) {
			trim_history(&fresh[i], config->agent.history);
			store->dirty = true;
		}
	}
	free(probes);
	for (size_t j = 0; j < store->nservices; j++) {
		if (store->services[j].name[0] != '\0')
			store->dirty = true; /* a service left the configuration */
		service_state_clear(&store->services[j]);
	}
	free(store->services);
	store->services = fresh;
	store->nservices = n;
	return 0;
}

void state_store_free(struct state_store *store)
{
	for (size_t i = 0; i < store->nservices; i++)
		service_state_clear(&store->services[i]);
	free(store->services);
	store->services = NULL;
	store->nservices = 0;
}

static void add_event(struct service_state *state, const struct restart_event *event,
		      unsigned history)
{
	if (state->nevents == history) {
		trim_history(state, history - 1);
	} else {
		struct restart_event *events = realloc(state->events,
						       (state->nevents + 1) * sizeof(*events));

		/* Out of memory loses the row, never the count or the index sequence. */
		if (events == NULL)
			return;
		state->events = events;
	}
	state->events[state->nevents++] = *event;
}

/* The old process was last known up at KNOWN_UP: a new process started after that started
 * the service again; one started earlier was there all along (a pidfile now naming another
 * process), and only the moment it was seen dates the change. */
static int64_t restart_time(int64_t start_ms, int64_t known_up_ms, int64_t now_ms)
{
	return start_ms >= known_up_ms && start_ms <= now_ms ? start_ms : now_ms;
}

bool service_state_seen_up(struct service_state *state, const struct main_sighting *seen,
			   int64_t now_ms, unsigned history)
{
	bool known = state->pid != 0;
	bool same = known && state->seen_this_boot && state->pid == seen->pid &&
		    state->start_ticks == seen->start_ticks;

	if (known && !same) {
		int64_t down_since = state->exited_ms != 0 ? state->exited_ms : state->last_seen_ms;
		struct restart_event event = {
			.index = state->last_index + 1,
			.time_ms = restart_time(seen->start_ms, state->last_seen_ms, now_ms),
			.old_pid = state->pid,
			.new_pid = seen->pid,
			.old_fd_soft = state->fd_soft,
			.new_fd_soft = seen->fd_soft,
			.old_exit = state->exited_ms != 0 ? state->exit_status : -1,
		};
		int64_t gap = seen->start_ms - down_since;

		event.downtime_ms = gap <= 0 ? 0 : gap > UINT32_MAX ? UINT32_MAX : (uint32_t)gap;
		state->restarts++;
		state->last_index = event.index;
		add_event(state, &event, history);
	}
	if (!same) {
		state->exited_ms = 0;
		state->exit_status = -1;
	}
	state->pid = seen->pid;
	state->start_ticks = seen->start_ticks;
	state->seen_this_boot = true;
	if (seen->fd_soft != 0)
		state->fd_soft = seen->fd_soft;
	state->last_seen_ms = now_ms;
	return known && !same;
}

void service_state_exited(struct service_state *state, pid_t pid, int64_t exited_ms, int32_t status)
{
	if (pid == 0 || state->pid != pid)
		return;
	/* The connector's event carries the status; a pidfd seen first only the time. */
	if (state->exited_ms == 0) {
		state->exited_ms = exited_ms;
		state->exit_status = status;
	} else if (status >= 0) {
		state->exit_status = status;
	}
}

void exit_status_text(int32_t status, char *out, size_t len)
{
	if (status < 0) {
		snprintf(out, len, "ended (how is not known)");
	} else if (WIFEXITED(status)) {
		snprintf(out, len, "exited with status %d", WEXITSTATUS(status));
	} else if (WIFSIGNALED(status)) {
		const char *name = sigabbrev_np(WTERMSIG(status));

		snprintf(out, len, "killed by signal %d (SIG%s)%s", WTERMSIG(status),
			 name != NULL ? name : "?", WCOREDUMP(status) ? ", core dumped" : "");
	} else {
		snprintf(out, len, "ended with wait status %d", (int)status);
	}
}

unsigned service_state_restarts_within(const struct service_state *state, int64_t now_ms,
				       uint64_t within_ms)
{
	unsigned n = 0;

	for (size_t i = state->nevents; i-- > 0;) {
		if (now_ms - state->events[i].time_ms > (int64_t)within_ms)
			break;
		n++;
	}
	return n;
}

int service_state_track_zombies(struct service_state *state,
				const struct zombie_sighting *zombies, size_t n,
				uint64_t now_mono_ms, uint64_t *ages)
{
	struct zombie_sighting *fresh = NULL;

	if (n > 0 && (fresh = calloc(n, sizeof(*fresh))) == NULL) {
		memset(ages, 0, n * sizeof(*ages));
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		fresh[i].pid = zombies[i].pid;
		fresh[i].start_ticks = zombies[i].start_ticks;
		fresh[i].first_seen_ms = zombies[i].first_seen_ms != 0 &&
					 zombies[i].first_seen_ms <= now_mono_ms
					 ? zombies[i].first_seen_ms : now_mono_ms;
		for (size_t j = 0; j < state->nzombies; j++) {
			if (state->zombies[j].pid == fresh[i].pid &&
			    state->zombies[j].start_ticks == fresh[i].start_ticks &&
			    state->zombies[j].first_seen_ms < fresh[i].first_seen_ms) {
				fresh[i].first_seen_ms = state->zombies[j].first_seen_ms;
				break;
			}
		}
		ages[i] = now_mono_ms - fresh[i].first_seen_ms;
	}
	free(state->zombies);
	state->zombies = fresh;
	state->nzombies = n;
	return 0;
}
