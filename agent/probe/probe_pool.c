/* Runs probes side by side on threads started as probes need them, so a hanging probe
 * holds up only itself; each finished probe is handed back at once through an eventfd. */
#include "probe_pool.h"
#include "clock.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <sys/eventfd.h>
#include <unistd.h>

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t work_ready = PTHREAD_COND_INITIALIZER;
static pthread_cond_t job_done = PTHREAD_COND_INITIALIZER;
static pthread_t threads[PROBE_POOL_THREADS];
static size_t nthreads, waiting, starting, queued, outstanding;
static struct probe_job *queue_head, *queue_tail, *done_head, *done_tail;
static bool stopping;
static int done_fd = -1;

static void run_job(struct probe_job *job)
{
	uint64_t started_cpu = thread_cpu_us();

	probe_run(job->probe, &job->result);
	job->cpu_us = thread_cpu_us() - started_cpu;
}

static void append(struct probe_job **head, struct probe_job **tail, struct probe_job *job)
{
	job->next = NULL;
	if (*tail != NULL)
		(*tail)->next = job;
	else
		*head = job;
	*tail = job;
}

/* Called with the lock held. */
static void finish(struct probe_job *job)
{
	uint64_t one = 1;

	append(&done_head, &done_tail, job);
	pthread_cond_broadcast(&job_done);
	if (done_fd >= 0 && write(done_fd, &one, sizeof(one)) < 0) {
		/* EAGAIN: the counter is saturated; the prober is due to wake anyway. */
	}
}

static void *worker(void *unused)
{
	(void)unused;
	pthread_mutex_lock(&lock);
	starting--;
	for (;;) {
		struct probe_job *job;

		while (!stopping && queue_head == NULL) {
			waiting++;
			pthread_cond_wait(&work_ready, &lock);
			waiting--;
		}
		if (stopping)
			break;
		job = queue_head;
		queue_head = job->next;
		if (queue_head == NULL)
			queue_tail = NULL;
		queued--;
		pthread_mutex_unlock(&lock);
		run_job(job);
		pthread_mutex_lock(&lock);
		finish(job);
	}
	pthread_mutex_unlock(&lock);
	return NULL;
}

/* Called with the lock held: one more thread when the queued jobs outnumber the threads
 * free to take them (a quiet host with fast probes keeps one or two). */
static void ensure_thread(void)
{
	if (queued <= waiting + starting || nthreads == PROBE_POOL_THREADS || stopping)
		return;
	if (pthread_create(&threads[nthreads], NULL, worker, NULL) != 0)
		return;
	pthread_setname_np(threads[nthreads], "oh-probe");
	nthreads++;
	starting++;
}

int probe_pool_done_fd(void)
{
	pthread_mutex_lock(&lock);
	if (done_fd < 0)
		done_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	pthread_mutex_unlock(&lock);
	return done_fd;
}

void probe_pool_submit(struct probe_job *job)
{
	pthread_mutex_lock(&lock);
	outstanding++;
	append(&queue_head, &queue_tail, job);
	queued++;
	ensure_thread();
	if (nthreads == 0) {
		/* No thread could start: run it here rather than never. */
		queue_head = queue_tail = NULL;
		queued = 0;
		pthread_mutex_unlock(&lock);
		run_job(job);
		pthread_mutex_lock(&lock);
		finish(job);
		pthread_mutex_unlock(&lock);
		return;
	}
	pthread_cond_signal(&work_ready);
	pthread_mutex_unlock(&lock);
}

struct probe_job *probe_pool_take_done(void)
{
	struct probe_job *taken;
	uint64_t count;

	if (done_fd >= 0 && read(done_fd, &count, sizeof(count)) < 0) {
		/* EAGAIN: nothing signalled since the last take. */
	}
	pthread_mutex_lock(&lock);
	taken = done_head;
	for (struct probe_job *job = taken; job != NULL; job = job->next)
		outstanding--;
	done_head = done_tail = NULL;
	pthread_mutex_unlock(&lock);
	return taken;
}

size_t probe_pool_outstanding(void)
{
	size_t n;

	pthread_mutex_lock(&lock);
	n = outstanding;
	pthread_mutex_unlock(&lock);
	return n;
}

void probe_pool_run(struct probe_job *jobs, size_t count)
{
	size_t returned = 0;

	for (size_t i = 0; i < count; i++)
		probe_pool_submit(&jobs[i]);
	pthread_mutex_lock(&lock);
	while (returned < count) {
		while (done_head == NULL)
			pthread_cond_wait(&job_done, &lock);
		for (struct probe_job *job = done_head; job != NULL; job = job->next) {
			outstanding--;
			returned++;
		}
		done_head = done_tail = NULL;
	}
	pthread_mutex_unlock(&lock);
}

void probe_pool_stop(void)
{
	struct probe_job *unrun;

	pthread_mutex_lock(&lock);
	stopping = true;
	unrun = queue_head;
	queue_head = queue_tail = NULL;
	queued = 0;
	for (struct probe_job *job = unrun, *next; job != NULL; job = next) {
		next = job->next;
		job->result.status = PROBE_NOT_RUN;
		job->result.phase = PHASE_NONE;
		snprintf(job->result.error, sizeof(job->result.error), "not run: oobhealthd stopping");
		finish(job);
	}
	pthread_cond_broadcast(&work_ready);
	pthread_mutex_unlock(&lock);
	for (size_t i = 0; i < nthreads; i++)
		pthread_join(threads[i], NULL);
	pthread_mutex_lock(&lock);
	nthreads = 0;
	waiting = 0;
	starting = 0;
	stopping = false;
	pthread_mutex_unlock(&lock);
}
