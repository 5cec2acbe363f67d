/* The prober's work on its data: observe services (all of them at each interval, or just
 * those an event concerns), start probes and record them as they finish, and build the
 * snapshot from what is known now. */
#ifndef OH_CYCLE_H
#define OH_CYCLE_H

#include <stdbool.h>

#include "config.h"
#include "host_stats.h"
#include "probe_listener.h"
#include "probe_pool.h"
#include "proc_scan.h"
#include "proc_track.h"
#include "service_observe.h"
#include "service_stall.h"
#include "service_state.h"
#include "snapshot.h"
#include "tcp_connections.h"

/* A probe's last result, as it will be published. */
struct probe_view {
	struct probe_row row;
	char *reasons;                   /* health_keep() of its result; NULL: none */
	bool running;                    /* started and not yet back */
	/* The TCP listener its last result reached, whose connections are counted again
	 * from each cycle's dump. */
	bool on_tcp_listener;
	int listener_family;
	uint8_t listener_addr[16];
	uint16_t listener_port;
};

/* What is known of one service between two publications. */
struct service_view {
	struct service_row row;          /* process columns from its last observation */
	char *observed;                  /* health_keep() of the process side */
	struct file_row *files;          /* one per file of the service */
	char *file_reasons;
	struct probe_view *probes;       /* one per probe of the service */
	struct service_stall stall;      /* its TCP connections, as the last full cycle saw them */
	bool stale;                      /* to be observed again at once */
	struct locate_memo located;      /* its main process, as last located */
	char *unit_dir;                  /* unit: where its cgroup was found; NULL: not yet */
	uint64_t unit_missing_ms;        /* CLOCK_MONOTONIC it was last searched in vain */
	uint64_t recheck_ms;             /* CLOCK_MONOTONIC: observe again then (a zombie's grace
					  * ends); 0: none */
};

/* What the prober carries from one cycle to the next. */
struct prober_state {
	uint32_t cycles;
	uint32_t config_reloads;
	uint32_t config_failures;
	char config_error[256];          /* why the last reload was rejected, clean text */
	struct state_store store;        /* per service, in the configuration's order */
	const struct config *synced;     /* the config STORE and VIEWS match; NULL after a reload */
	struct listener_memory listeners;
	/* The host's TCP connections of the last full cycle: services and probes both count
	 * from this one dump, so they never disagree. */
	struct tcp_connection_table connections;
	char connections_error[160];     /* a dump failure is logged once */
	struct service_view *views;      /* per service, in the configuration's order */
	size_t nviews;
	struct process_tracker tracker;  /* the host's processes the views were judged on */
	int tracking_mode;               /* ohAgentTrackingMode: 1 process events, 2 polling */
	struct host_stats host;
	uint32_t last_pass_ms;           /* wall time of the last full observation */
	uint32_t last_cycle_cpu_us;      /* CPU of the last interval, probes included */
	uint64_t cycle_cpu_mark_us;      /* the prober thread's CPU when that interval began */
	uint64_t probes_cpu_us;          /* CPU of the probes back since then */
	uint32_t proc_pass_us;
	uint32_t proc_pass_cpu_us;
	uint64_t completed_ms;           /* CLOCK_MONOTONIC when the last full observation ended */
};

/* Sets STATE up, following processes by events unless POLLING; WHY tells why events are
 * not used when they are not. */
void prober_state_init(struct prober_state *state, bool polling, char *why, size_t why_len);
void prober_state_free(struct prober_state *state);

/* The process table of the last observation; NULL when /proc could not be read. */
const struct process_table *cycle_table(const struct prober_state *state);

/* Brings STATE in line with CONFIG (after a start or a reload): keeps what it knew of the
 * services and probes that stay, by name. Returns 0 or -1 when out of memory. */
int cycle_sync(const struct config *config, struct prober_state *state);

/* Reads /proc and observes every service and its files (ALL), or only the stale ones.
 * Sets the store's dirty flag when a change the state file keeps happened. */
void cycle_observe(const struct config *config, struct prober_state *state, bool all);

/* Starts every probe that is not running; returns how many started. */
size_t cycle_start_probes(const struct config *config, struct prober_state *state);

/* Records the finished jobs of list DONE (and frees them); jobs of an earlier configuration
 * are dropped. Returns how many were recorded. */
size_t cycle_record_probes(const struct config *config, struct prober_state *state,
			   struct probe_job *done);

/* The snapshot of everything known now (NULL only when out of memory). */
struct snapshot *cycle_snapshot(const struct config *config, const struct prober_state *state);

/* One whole cycle, probes waited for: what --once prints. */
struct snapshot *cycle_run(const struct config *config, struct prober_state *state);

/* The snapshot served before the first cycle completes: every service unknown. */
struct snapshot *cycle_initial_snapshot(const struct config *config,
					const struct prober_state *state);

#endif
