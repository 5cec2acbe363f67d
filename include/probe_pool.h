/* Runs a cycle's probes side by side on a fixed set of threads, so a hanging probe holds
 * up only itself: a batch takes about as long as its slowest deadline, not their sum. */
#ifndef OH_PROBE_POOL_H
#define OH_PROBE_POOL_H

#include <stddef.h>
#include <stdint.h>

#include "probe.h"

#define PROBE_POOL_THREADS 32

struct probe_job {
	const struct probe_config *probe;
	struct probe_result result;
	uint64_t cpu_us;        /* CPU time the probe took on its thread */
};

/* Runs every job and returns when all are done. The threads start on first use; with
 * more jobs than threads, a thread takes the next job as soon as it is free. */
void probe_pool_run(struct probe_job *jobs, size_t count);

/* Ends the threads (after the running batch, if any). */
void probe_pool_stop(void);

#endif
