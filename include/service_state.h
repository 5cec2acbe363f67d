/* What the prober remembers about each service from cycle to cycle: the main process it
 * last saw, the restart history and when each zombie was first seen. The state file
 * keeps all but the zombie sightings across restarts of oobhealthd. */
#ifndef OH_SERVICE_STATE_H
#define OH_SERVICE_STATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "config.h"

#define BOOT_ID_MAX 40

struct restart_event {
	uint32_t index;             /* ohRestartIndex: increases, never reused */
	int64_t time_ms;            /* wall clock when the new process was seen */
	int32_t old_pid;
	int32_t new_pid;
	uint32_t downtime_ms;
	uint32_t old_fd_soft;       /* 0: not known */
	uint32_t new_fd_soft;
	int32_t old_exit;           /* how the old process ended, a wait(2) status; -1: not known */
};

struct zombie_sighting {
	pid_t pid;
	unsigned long long start_ticks;
	uint64_t first_seen_ms;     /* CLOCK_MONOTONIC: its exit, or when first seen defunct */
};

/* A probe's record since oobhealthd started (not kept in the state file). */
struct probe_state {
	char name[OH_PROBE_NAME_MAX + 1];
	uint32_t consec_failures;
	uint32_t failures;
	int64_t last_success_ms;        /* wall clock; 0: never */
	char last_error[200];
	/* The listener's accept queue, non-empty at this many recordings in a row, since
	 * QUEUE_SINCE_MS (wall clock): an acceptor that stopped accepting. */
	uint32_t queue_samples;
	int64_t queue_since_ms;
};

struct service_state {
	char name[OH_SERVICE_NAME_MAX + 1];
	/* The main process as last seen up. */
	pid_t pid;                      /* 0: never seen */
	unsigned long long start_ticks;
	bool seen_this_boot;            /* false: pid and start_ticks are from an earlier boot */
	uint32_t fd_soft;
	int64_t last_seen_ms;           /* wall clock */
	/* The main process's end, when an event told it (not kept in the state file). */
	int64_t exited_ms;              /* wall clock; 0: not seen to exit */
	int32_t exit_status;            /* wait(2) status; -1: not known */
	uint32_t restarts;
	uint32_t last_index;
	struct restart_event *events;   /* oldest first, at most agent.history */
	size_t nevents;
	struct zombie_sighting *zombies;
	size_t nzombies;
	struct probe_state *probes;     /* in the order of the service's probes */
	size_t nprobes;
};

struct state_store {
	char boot_id[BOOT_ID_MAX];
	struct service_state *services;
	size_t nservices;
	bool dirty;                     /* changed since it was last written */
};

/* The main process one cycle found up. */
struct main_sighting {
	pid_t pid;
	unsigned long long start_ticks;
	int64_t start_ms;               /* wall clock */
	uint32_t fd_soft;               /* 0: not readable */
};

/* Makes STORE hold exactly CONFIG's services, in its order: states of services (and of
 * their probes) that stay are kept by name, new ones start empty, histories are cut to
 * agent.history.
 * Returns 0 or -1 when out of memory (STORE unchanged). */
int state_store_sync(struct state_store *store, const struct config *config);
void state_store_free(struct state_store *store);

/* Records that the main process is up as SEEN at NOW_MS (wall clock). Returns true when
 * this is a restart (a new pid, or the same pid with a new start time): then it is
 * counted and added to the history, which keeps at most HISTORY events. The restart is
 * dated by the new process's start when that falls after the old one was last known up,
 * and carries how the old one ended when an event told it. */
bool service_state_seen_up(struct service_state *state, const struct main_sighting *seen,
			   int64_t now_ms, unsigned history);

/* The main process PID ended at EXITED_MS (wall clock) with wait(2) STATUS (-1: not known). */
void service_state_exited(struct service_state *state, pid_t pid, int64_t exited_ms, int32_t status);

/* How a process ended, for people: "exited with status 1", "killed by signal 9 (SIGKILL)". */
void exit_status_text(int32_t status, char *out, size_t len);

/* Restarts recorded within WITHIN_MS before NOW_MS. */
unsigned service_state_restarts_within(const struct service_state *state, int64_t now_ms,
				       uint64_t within_ms);

/* Replaces the zombie sightings with this cycle's N ZOMBIES (pid and start time set, and
 * first_seen_ms when an exit event dated it; else 0) and sets AGES[i] to how long
 * ZOMBIES[i] has been defunct, in ms (0 when first seen now). Returns 0, or -1 when out of memory (then every age is 0). */
int service_state_track_zombies(struct service_state *state,
				const struct zombie_sighting *zombies, size_t n,
				uint64_t now_mono_ms, uint64_t *ages);

#endif
