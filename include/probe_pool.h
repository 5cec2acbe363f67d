/* Runs probes side by side on threads started as probes need them, so a hanging probe
 * holds up only itself; each finished probe is handed back at once through an eventfd. */
#ifndef OH_PROBE_POOL_H
#define OH_PROBE_POOL_H

#include <stddef.h>
#include <stdint.h>

#include "probe.h"

#define PROBE_POOL_THREADS 32

struct probe_job {
	const struct probe_config *probe;
	size_t service;         /* where the result belongs: the service's index */
	size_t slot;            /* and the probe's index within the service */
	const void *owner;      /* the configuration the job was started under */
	struct probe_result result;
	uint64_t cpu_us;        /* CPU time the probe took on its thread */
	struct probe_job *next; /* the pool's queues */
};

/* Queues JOB (the caller keeps ownership; it comes back from probe_pool_take_done).
 * A thread is started when none is idle, up to PROBE_POOL_THREADS; with none at all the
 * job runs here. */
void probe_pool_submit(struct probe_job *job);

/* The eventfd that becomes readable when a job finished; -1 when it could not be made
 * (then callers wait with probe_pool_run). */
int probe_pool_done_fd(void);

/* Takes every finished job, oldest first (NULL when none), and clears the eventfd. */
struct probe_job *probe_pool_take_done(void);

/* Jobs submitted and not yet taken back. */
size_t probe_pool_outstanding(void);

/* Runs COUNT jobs and returns when all are done (for one-shot use: --once). */
void probe_pool_run(struct probe_job *jobs, size_t count);

/* Ends the threads after their running jobs (a probe is bounded by its timeout); jobs
 * still queued are handed back unrun with status notRun. */
void probe_pool_stop(void);

#endif
