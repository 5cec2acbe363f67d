/* The prober thread: runs a cycle every interval, publishes snapshots, reloads the config. */
#include "prober.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include "cycle.h"
#include "handoff.h"

static pthread_t thread;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t wakeup;
static bool stop_requested, reload_requested, finished;
static struct config *config;
static struct prober_state state;

static void note_restart_only_settings(const struct config *old, const struct config *new)
{
	if (strcmp(old->agent.agentx_socket, new->agent.agentx_socket) != 0)
		log_msg(LOG_WARNING, "%s: agent.agentx_socket changes take effect at the next start",
			new->path);
	if (old->agent.ping_interval_s != new->agent.ping_interval_s)
		log_msg(LOG_WARNING, "%s: agent.ping_interval changes take effect at the next start",
			new->path);
}

static void reload(void)
{
	struct config_errors errors = { 0 };
	struct config *fresh = config_load(config->path, &errors);

	if (fresh == NULL) {
		state.config_failures++;
		for (size_t i = 0; i < errors.count; i++)
			log_msg(LOG_ERR, "%s", errors.lines[i]);
		log_msg(LOG_ERR, "%s: not reloaded (%zu error%s); the previous configuration stays in effect",
			config->path, errors.count, errors.count == 1 ? "" : "s");
		config_errors_clear(&errors);
		return;
	}
	note_restart_only_settings(config, fresh);
	config_free(config);
	config = fresh;
	state.config_reloads++;
	log_msg(LOG_INFO, "%s: reloaded, %zu services", config->path, config->nservices);
}

static void deadline_after(struct timespec *ts, uint64_t ms)
{
	clock_gettime(CLOCK_MONOTONIC, ts);
	ts->tv_sec += (time_t)(ms / 1000);
	ts->tv_nsec += (long)(ms % 1000) * 1000000L;
	if (ts->tv_nsec >= 1000000000L) {
		ts->tv_sec++;
		ts->tv_nsec -= 1000000000L;
	}
}

static void *prober_main(void *unused)
{
	(void)unused;
	for (;;) {
		uint64_t started = monotonic_ms(), elapsed;
		struct snapshot *snapshot = cycle_run(config, &state);
		struct timespec deadline;
		bool do_reload;

		if (snapshot != NULL)
			handoff_publish(snapshot);
		else
			log_msg(LOG_ERR, "probe cycle %u failed: out of memory", state.cycles);
		elapsed = monotonic_ms() - started;
		deadline_after(&deadline, elapsed < config->agent.interval_ms
						  ? config->agent.interval_ms - elapsed : 0);
		pthread_mutex_lock(&lock);
		while (!stop_requested && !reload_requested &&
		       pthread_cond_timedwait(&wakeup, &lock, &deadline) != ETIMEDOUT)
			;
		do_reload = reload_requested;
		reload_requested = false;
		if (stop_requested) {
			pthread_mutex_unlock(&lock);
			break;
		}
		pthread_mutex_unlock(&lock);
		if (do_reload)
			reload();
	}
	pthread_mutex_lock(&lock);
	finished = true;
	pthread_cond_broadcast(&wakeup);
	pthread_mutex_unlock(&lock);
	return NULL;
}

int prober_start(struct config *initial)
{
	pthread_condattr_t attr;

	config = initial;
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&wakeup, &attr);
	pthread_condattr_destroy(&attr);
	handoff_publish(cycle_initial_snapshot(config, &state));
	if (pthread_create(&thread, NULL, prober_main, NULL) != 0)
		return -1;
	pthread_setname_np(thread, "oh-prober");
	return 0;
}

void prober_request_reload(void)
{
	pthread_mutex_lock(&lock);
	reload_requested = true;
	pthread_cond_broadcast(&wakeup);
	pthread_mutex_unlock(&lock);
}

int prober_stop(unsigned wait_ms)
{
	struct timespec deadline;
	bool ended;

	deadline_after(&deadline, wait_ms);
	pthread_mutex_lock(&lock);
	stop_requested = true;
	pthread_cond_broadcast(&wakeup);
	while (!finished && pthread_cond_timedwait(&wakeup, &lock, &deadline) != ETIMEDOUT)
		;
	ended = finished;
	pthread_mutex_unlock(&lock);
	if (!ended)
		return -1;
	pthread_join(thread, NULL);
	config_free(config);
	config = NULL;
	return 0;
}
