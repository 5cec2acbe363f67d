/* The prober thread: runs a cycle every interval, publishes snapshots, reloads the config. */
#include "prober.h"
#include "log.h"
#include "clock.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include "cycle.h"
#include "handoff.h"
#include "probe_pool.h"
#include "state_file.h"

static pthread_t thread;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t wakeup;
static bool stop_requested, reload_requested, finished;
static struct config *config;
static struct prober_state state;
static int state_lock_fd = -1;    /* the lock beside the state file, -1 until taken */

static void note_restart_only_settings(const struct config *old, const struct config *new)
{
	if (strcmp(old->agent.agentx_socket, new->agent.agentx_socket) != 0)
		log_msg(LOG_WARNING, "%s: agent.agentx_socket changes take effect at the next start",
			new->path);
	if (old->agent.ping_interval_s != new->agent.ping_interval_s)
		log_msg(LOG_WARNING, "%s: agent.ping_interval changes take effect at the next start",
			new->path);
}

/* The state file stays the one locked at start: writing another would leave it
 * unguarded against a second instance. Returns -1 when out of memory. */
static int keep_state_file(const struct config *old, struct config *new)
{
	char *kept;

	if (strcmp(old->agent.state_file, new->agent.state_file) == 0)
		return 0;
	kept = strdup(old->agent.state_file);
	if (kept == NULL)
		return -1;
	log_msg(LOG_WARNING, "%s: agent.state_file changes take effect at the next start; "
		"%s stays in use", new->path, kept);
	free(new->agent.state_file);
	new->agent.state_file = kept;
	return 0;
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
	if (keep_state_file(config, fresh) < 0) {
		state.config_failures++;
		log_msg(LOG_ERR, "%s: not reloaded: out of memory", config->path);
		config_free(fresh);
		return;
	}
	config_free(config);
	config = fresh;
	state.synced = NULL;
	state.config_reloads++;
	log_msg(LOG_INFO, "%s: reloaded, %zu services", config->path, config->nservices);
}

/* Reads the restart history at start. An unusable file is moved aside (never deleted)
 * and the agent starts with an empty history rather than not at all. */
static void load_state(void)
{
	const char *path = config->agent.state_file;
	char error[512], aside[4200], why[4608];
	int loaded;

	state_boot_id(state.store.boot_id);
	loaded = state_file_load(path, &state.store, error, sizeof(error));
	if (loaded > 0) {
		log_msg(LOG_INFO, "%s: restart history of %zu services loaded", path,
			state.store.nservices);
		return;
	}
	if (loaded == 0)
		return;
	/* Moving it is a write like any other: only under the lock. */
	if (state_lock_check(&state_lock_fd, path, why, sizeof(why)) < 0)
		log_msg(LOG_ERR, "%s; left in place (%s), restart history starts empty", error, why);
	else if (state_file_set_aside(path, aside, sizeof(aside)) == 0)
		log_msg(LOG_ERR, "%s; moved aside to %s, restart history starts empty", error, aside);
	else
		log_msg(LOG_ERR, "%s; could not move it aside (%s), restart history starts empty "
			"and the file will be replaced", error, strerror(errno));
}

/* Writes the state file when something it keeps changed, and only under its lock. A
 * failure is logged once per distinct error and retried at the next cycle. */
static void save_state(void)
{
	static char last_error[4608];
	char error[4608];

	if (!state.store.dirty)
		return;
	if (state_lock_check(&state_lock_fd, config->agent.state_file, error, sizeof(error)) == 0 &&
	    state_file_save(config->agent.state_file, &state.store, error, sizeof(error)) == 0) {
		state.store.dirty = false;
		if (last_error[0] != '\0')
			log_msg(LOG_INFO, "%s: written again", config->agent.state_file);
		last_error[0] = '\0';
		return;
	}
	if (strcmp(error, last_error) != 0)
		log_msg(LOG_ERR, "%s; restart history will be lost if oobhealthd stops", error);
	snprintf(last_error, sizeof(last_error), "%s", error);
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
	load_state();
	for (;;) {
		uint64_t started = monotonic_ms(), elapsed;
		struct snapshot *snapshot = cycle_run(config, &state);
		struct timespec deadline;
		bool do_reload;

		if (snapshot != NULL)
			handoff_publish(snapshot);
		else
			log_msg(LOG_ERR, "probe cycle %u failed: out of memory", state.cycles);
		save_state();
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
	probe_pool_stop();
	/* Keeps when each main process was last seen, so downtime spans this stop. */
	state.store.dirty = true;
	save_state();
	pthread_mutex_lock(&lock);
	finished = true;
	pthread_cond_broadcast(&wakeup);
	pthread_mutex_unlock(&lock);
	return NULL;
}

int prober_start(struct config *initial, int lock_fd)
{
	pthread_condattr_t attr;

	config = initial;
	state_lock_fd = lock_fd;
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
	prober_state_free(&state);
	config_free(config);
	config = NULL;
	return 0;
}
