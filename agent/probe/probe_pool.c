/* Runs a cycle's probes side by side on a fixed set of threads, so a hanging probe holds
 * up only itself: a batch takes about as long as its slowest deadline, not their sum. */
#include "probe_pool.h"
#include "clock.h"

#include <pthread.h>
#include <stdbool.h>


static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t work_ready = PTHREAD_COND_INITIALIZER;
static pthread_cond_t work_done = PTHREAD_COND_INITIALIZER;
static pthread_t threads[PROBE_POOL_THREADS];
static size_t nthreads;
static struct probe_job *batch;
static size_t batch_count, next_job, jobs_done;
static bool stopping;

static void run_job(struct probe_job *job)
{
	uint64_t started_cpu = thread_cpu_us();

	probe_run(job->probe, &job->result);
	job->cpu_us = thread_cpu_us() - started_cpu;
}

static void *worker(void *unused)
{
	(void)unused;
	pthread_mutex_lock(&lock);
	for (;;) {
		struct probe_job *job;

		while (!stopping && next_job >= batch_count)
			pthread_cond_wait(&work_ready, &lock);
		if (stopping)
			break;
		job = &batch[next_job++];
		pthread_mutex_unlock(&lock);
		run_job(job);
		pthread_mutex_lock(&lock);
		if (++jobs_done == batch_count)
			pthread_cond_signal(&work_done);
	}
	pthread_mutex_unlock(&lock);
	return NULL;
}

/* Starts threads up to what COUNT jobs can use; runs the jobs here if none can start. */
static size_t ensure_threads(size_t count)
{
	while (nthreads < count && nthreads < PROBE_POOL_THREADS) {
		if (pthread_create(&threads[nthreads], NULL, worker, NULL) != 0)
			break;
		pthread_setname_np(threads[nthreads], "oh-probe");
		nthreads++;
	}
	return nthreads;
}

void probe_pool_run(struct probe_job *jobs, size_t count)
{
	if (count == 0)
		return;
	if (ensure_threads(count) == 0) {
		for (size_t i = 0; i < count; i++)
			run_job(&jobs[i]);
		return;
	}
	pthread_mutex_lock(&lock);
	batch = jobs;
	batch_count = count;
	next_job = 0;
	jobs_done = 0;
	pthread_cond_broadcast(&work_ready);
	while (jobs_done < batch_count)
		pthread_cond_wait(&work_done, &lock);
	batch = NULL;
	batch_count = 0;
	next_job = 0;
	pthread_mutex_unlock(&lock);
}

void probe_pool_stop(void)
{
	pthread_mutex_lock(&lock);
	stopping = true;
	pthread_cond_broadcast(&work_ready);
	pthread_mutex_unlock(&lock);
	for (size_t i = 0; i < nthreads; i++)
		pthread_join(threads[i], NULL);
	nthreads = 0;
	stopping = false;
}
