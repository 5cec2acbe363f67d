/* One probe cycle: scan /proc once, locate every service, judge health, build a snapshot. */
#ifndef OH_CYCLE_H
#define OH_CYCLE_H

#include "config.h"
#include "probe_listener.h"
#include "service_state.h"
#include "snapshot.h"

/* What the prober carries from one cycle to the next. */
struct prober_state {
	uint32_t cycles;
	uint32_t config_reloads;
	uint32_t config_failures;
	struct state_store store;        /* per service, in the configuration's order */
	const struct config *synced;     /* the config STORE matches; NULL after a reload */
	struct listener_memory listeners;
};

void prober_state_free(struct prober_state *state);

/* Runs one cycle over CONFIG and returns its snapshot (NULL only when out of memory).
 * STATE's store is brought in line with CONFIG first; its dirty flag is set when a
 * change the state file keeps happened. */
struct snapshot *cycle_run(const struct config *config, struct prober_state *state);

/* The snapshot served before the first cycle completes: every service unknown. */
struct snapshot *cycle_initial_snapshot(const struct config *config,
					const struct prober_state *state);

#endif
