/* The prober thread: observes every interval and whenever an event says something changed
 * (a process exited, a pidfile was written, a probe came back), publishes a snapshot each
 * time, reloads the config. */
#include "prober.h"
#include "log.h"
#include "clock.h"

#include <errno.h>
#include <pthread.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include "clean_text.h"
#include "cycle.h"
#include "exit_watch.h"
#include "proc_events.h"
#include "service_locate.h"
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
static int epoll_fd = -1;         /* everything the prober waits on */
static int control_fd = -1;       /* eventfd: a stop or reload was asked for */
static struct exit_watch watch;

enum wake_kind {
	WAKE_CONTROL = WATCH_KINDS_BELOW,
	WAKE_PROBES,
	WAKE_PROCESS_EVENTS,
};

static void note_restart_only_settings(const struct config *old, const struct config *new)
{
	if (strcmp(old->agent.agentx_socket, new->agent.agentx_socket) != 0)
		log_msg(LOG_WARNING, "%s: agent.agentx_socket changes take effect at the next start",
			new->path);
	if (old->agent.tracking != new->agent.tracking)
		log_msg(LOG_WARNING, "%s: agent.tracking changes take effect at the next start",
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

/* Configurations replaced while their probes still ran: freed once those are back. */
static struct config **retired;
static size_t nretired;

static void retire(struct config *old)
{
	struct config **grown = realloc(retired, (nretired + 1) * sizeof(*grown));

	/* Out of memory: keeping it alive for good is the safe way to lose. */
	if (grown == NULL)
		return;
	retired = grown;
	retired[nretired++] = old;
}

static void free_retired(void)
{
	if (nretired == 0 || probe_pool_outstanding() > 0)
		return;
	for (size_t i = 0; i < nretired; i++)
		config_free(retired[i]);
	free(retired);
	retired = NULL;
	nretired = 0;
}

/* The first error and how many there were, for ohConfigReloadFailed. */
static void note_config_error(const struct config_errors *errors)
{
	const char *first = errors->count > 0 ? errors->lines[0] : "the file could not be read";

	if (errors->count > 1)
		snprintf(state.config_error, sizeof(state.config_error), "%s (and %zu more error%s)",
			 first, errors->count - 1, errors->count == 2 ? "" : "s");
	else
		snprintf(state.config_error, sizeof(state.config_error), "%s", first);
	clean_text_in_place(state.config_error);
}

static bool reload(void)
{
	struct config_errors errors = { 0 };
	struct config *fresh = config_load(config->path, &errors);

	if (fresh == NULL) {
		state.config_failures++;
		note_config_error(&errors);
		for (size_t i = 0; i < errors.count; i++)
			log_msg(LOG_ERR, "%s", errors.lines[i]);
		log_msg(LOG_ERR, "%s: not reloaded (%zu error%s); the previous configuration stays in effect",
			config->path, errors.count, errors.count == 1 ? "" : "s");
		config_errors_clear(&errors);
		return false;
	}
	note_restart_only_settings(config, fresh);
	if (keep_state_file(config, fresh) < 0 || cycle_sync(fresh, &state) < 0) {
		state.config_failures++;
		snprintf(state.config_error, sizeof(state.config_error), "%s: out of memory", config->path);
		clean_text_in_place(state.config_error);
		log_msg(LOG_ERR, "%s: not reloaded: out of memory", config->path);
		config_free(fresh);
		return false;
	}
	retire(config);
	config = fresh;
	/* Other matches may need what was dropped as irrelevant: read /proc whole again. */
	proc_track_rescan(&state.tracker);
	state.config_reloads++;
	log_msg(LOG_INFO, "%s: reloaded, %zu services", config->path, config->nservices);
	free_retired();
	return true;
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
static void save_state(bool at_stop)
{
	static char last_error[4608];
	static uint64_t retry_at;
	char error[4608];

	/* After a failure, once an interval: not at every event while the cause stays. */
	if (!state.store.dirty || (!at_stop && last_error[0] != '\0' && monotonic_ms() < retry_at))
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
	retry_at = monotonic_ms() + config->agent.interval_ms;
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

static int64_t wall_ms_of(uint64_t mono_ms)
{
	struct timespec now;
	int64_t wall;

	clock_gettime(CLOCK_REALTIME, &now);
	wall = (int64_t)now.tv_sec * 1000 + now.tv_nsec / 1000000;
	return wall - (int64_t)(monotonic_ms() - mono_ms);
}

/* A main process exited (its pidfd, or its exit event with STATUS): its services look again
 * at once and keep how it ended for the restart that follows. */
static void main_exited(pid_t pid, uint64_t mono_ms, int32_t status)
{
	for (size_t i = 0; i < state.nviews; i++) {
		if (state.views[i].row.pid != pid && state.store.services[i].pid != pid)
			continue;
		service_state_exited(&state.store.services[i], pid, wall_ms_of(mono_ms), status);
		state.views[i].stale = true;
	}
}

/* Whether PID is the main process of view I or below it, as far as the tracker knows. */
static bool below_main(size_t i, pid_t pid)
{
	pid_t main_pid = state.views[i].row.pid;

	for (int depth = 0; pid > 1 && main_pid > 0 && depth < 64; depth++) {
		if (pid == main_pid)
			return true;
		pid = proc_track_parent(&state.tracker, pid);
	}
	return false;
}

/* A process appeared, exec'd, changed owner or exited: a service it matches looks again at once (a restart is
 * counted when it happens, however soon another follows). */
static void process_changed(void *unused, const struct process *proc)
{
	(void)unused;
	for (size_t i = 0; i < config->nservices; i++) {
		const struct service_config *service = &config->services[i];

		/* A main process that exec'd is another program now. */
		if (state.views[i].row.pid == proc->pid)
			state.views[i].stale = true;
		if (service->match == MATCH_EXE || service->match == MATCH_CMDLINE ||
		    service->match == MATCH_UNIT) {
			if (service_process_matches(service, proc) != 0)
				state.views[i].stale = true;
		}
	}
}

/* Process events: an exit of a main process is published at once; any other exit in a
 * service's tree may leave a zombie, which counts once zombie_grace has passed since the
 * exit, so the service looks again then. */
static void process_exited(void *unused, const struct process_exit *exit)
{
	(void)unused;
	main_exited(exit->pid, exit->mono_ms, exit->status);
	/* Another process the service matches is gone: who is main, or whether the match is
	 * sure, may change. */
	process_changed(NULL, exit->proc);
	for (size_t i = 0; i < state.nviews; i++) {
		uint64_t due = exit->mono_ms + config->services[i].zombie_grace_ms + 1;
		struct service_view *view = &state.views[i];

		if (view->row.pid == exit->pid || !below_main(i, exit->ppid))
			continue;
		if (view->recheck_ms == 0 || due < view->recheck_ms)
			view->recheck_ms = due;
	}
}

/* Whether any service could match PROC: only then are its exe, cmdline and cgroup kept. */
static bool process_relevant(void *unused, const struct process *proc)
{
	(void)unused;
	for (size_t i = 0; i < config->nservices; i++) {
		if (service_process_matches(&config->services[i], proc) != 0)
			return true;
	}
	return false;
}

/* Services whose zombie grace ended are due; returns ms until the next one (-1: none). */
static int64_t due_rechecks(uint64_t now)
{
	int64_t next = -1;

	for (size_t i = 0; i < state.nviews; i++) {
		struct service_view *view = &state.views[i];

		if (view->recheck_ms == 0)
			continue;
		if (view->recheck_ms <= now) {
			view->recheck_ms = 0;
			view->stale = true;
		} else if (next < 0 || (int64_t)(view->recheck_ms - now) < next) {
			next = (int64_t)(view->recheck_ms - now);
		}
	}
	return next;
}

/* A file in a watched directory changed: services whose pidfile it is look again. NULL:
 * events were lost, so every pidfile service does. */
static void pidfile_changed(void *unused, const char *path)
{
	(void)unused;
	for (size_t i = 0; i < config->nservices; i++) {
		const struct service_config *service = &config->services[i];

		if (service->match == MATCH_PIDFILE &&
		    (path == NULL || strcmp(service->match_value, path) == 0))
			state.views[i].stale = true;
	}
}

static void watch_pidfile_dirs(void)
{
	const char **paths = calloc(config->nservices ? config->nservices : 1, sizeof(*paths));
	size_t n = 0;

	if (paths == NULL)
		return;
	for (size_t i = 0; i < config->nservices; i++) {
		if (config->services[i].match == MATCH_PIDFILE)
			paths[n++] = config->services[i].match_value;
	}
	exit_watch_files(&watch, paths, n);
	free(paths);
}

/* Holds a pidfd on every main process seen up; one that exited meanwhile makes its
 * services stale at once. */
static void watch_main_processes(void)
{
	static int logged_errno;

	exit_watch_begin(&watch);
	for (size_t i = 0; i < state.nviews; i++) {
		const struct service_row *row = &state.views[i].row;
		const struct service_state *kept = &state.store.services[i];

		if ((row->status != SERVICE_UP && row->status != SERVICE_STOPPED) || row->pid <= 0 ||
		    kept->pid != row->pid)
			continue;
		if (exit_watch_pid(&watch, row->pid, kept->start_ticks) == 1)
			state.views[i].stale = true;
	}
	exit_watch_end(&watch);
	if (watch.pidfd_errno != 0 && watch.pidfd_errno != logged_errno)
		log_msg(LOG_WARNING, "pidfd_open: %s; exits of some services are seen at the next "
			"interval only", strerror(watch.pidfd_errno));
	logged_errno = watch.pidfd_errno;
}

static bool any_stale(void)
{
	for (size_t i = 0; i < state.nviews; i++) {
		if (state.views[i].stale)
			return true;
	}
	return false;
}

/* The interval's cost as ohAgentLastCycleCpu shows it: everything the prober did since
 * the previous interval began (passes, events, recording) and the probes that came back. */
static void close_interval_accounts(void)
{
	uint64_t cpu = thread_cpu_us();

	if (state.cycle_cpu_mark_us != 0)
		state.last_cycle_cpu_us = (uint32_t)(cpu - state.cycle_cpu_mark_us + state.probes_cpu_us);
	state.cycle_cpu_mark_us = cpu;
	state.probes_cpu_us = 0;
}

static void handle_event(uint64_t tag)
{
	uint64_t count;

	switch (WATCH_KIND(tag)) {
	case WATCH_EXIT:
		exit_watch_forget(&watch, (pid_t)WATCH_VALUE(tag));
		main_exited((pid_t)WATCH_VALUE(tag), monotonic_ms(), -1);
		break;
	case WAKE_PROCESS_EVENTS:
		proc_track_read(&state.tracker, process_exited, process_changed, NULL);
		break;
	case WATCH_FILES:
		exit_watch_read_files(&watch, pidfile_changed, NULL);
		break;
	case WAKE_CONTROL:
		if (read(control_fd, &count, sizeof(count)) < 0) {
			/* EAGAIN: already cleared. */
		}
		break;
	default:
		break; /* WAKE_PROBES: taken below */
	}
}

/* Waits for the next thing to do: an event, or TIMEOUT_MS. */
static void wait_for_events(int timeout_ms)
{
	struct epoll_event events[64];
	int n = epoll_wait(epoll_fd, events, 64, timeout_ms);

	for (int i = 0; i < n; i++)
		handle_event(events[i].data.u64);
}

static void publish(void)
{
	struct snapshot *snapshot;

	/* One not yet claimed is outdated by this one: freed first, never three alive. */
	snapshot_free(handoff_withdraw());
	snapshot = cycle_snapshot(config, &state);

	if (snapshot != NULL)
		handoff_publish(snapshot);
	else
		log_msg(LOG_ERR, "snapshot after cycle %u failed: out of memory", state.cycles);
}

static void run_loop(void)
{
	uint64_t next_pass = monotonic_ms();

	for (;;) {
		uint64_t now = monotonic_ms();
		bool changed = false, do_reload, stop;
		struct probe_job *done;
		int64_t recheck;
		int timeout;

		pthread_mutex_lock(&lock);
		do_reload = reload_requested;
		stop = stop_requested;
		reload_requested = false;
		pthread_mutex_unlock(&lock);
		if (stop)
			return;
		if (do_reload && reload()) {
			watch_pidfile_dirs();
			next_pass = now;
		}
		if (now >= next_pass) {
			close_interval_accounts();
			cycle_observe(config, &state, true);
			cycle_start_probes(config, &state);
			watch_pidfile_dirs();
			next_pass += config->agent.interval_ms;
			if (next_pass <= now)
				next_pass = now + config->agent.interval_ms;
			changed = true;
		}
		/* An exit seen, or a pidfile written: those services again, now. */
		while (any_stale()) {
			cycle_observe(config, &state, false);
			changed = true;
		}
		if (changed)
			watch_main_processes();
		done = probe_pool_take_done();
		if (done != NULL) {
			changed |= cycle_record_probes(config, &state, done) > 0;
			free_retired();
		}
		if (changed)
			publish();
		save_state(false);
		now = monotonic_ms();
		timeout = next_pass > now ? (int)(next_pass - now) : 0;
		recheck = due_rechecks(now);
		if (recheck >= 0 && recheck < timeout)
			timeout = (int)recheck;
		if (!any_stale())
			wait_for_events(timeout);
	}
}

static void *prober_main(void *unused)
{
	(void)unused;
	watch_pidfile_dirs();
	run_loop();
	probe_pool_stop();
	for (struct probe_job *job = probe_pool_take_done(), *next; job != NULL; job = next) {
		next = job->next;
		free(job);
	}
	/* Keeps when each main process was last seen, so downtime spans this stop. */
	state.store.dirty = true;
	save_state(true);
	exit_watch_free(&watch);
	pthread_mutex_lock(&lock);
	finished = true;
	pthread_cond_broadcast(&wakeup);
	pthread_mutex_unlock(&lock);
	return NULL;
}

static int add_wake(int fd, uint32_t kind)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = WATCH_TAG(kind, 0) };

	return fd < 0 ? -1 : epoll_ctl(epoll_fd, EPOLL_CTL_ADD, fd, &ev);
}

/* Process events where the kernel gives them; polling, said and explained, where not. */
static void start_tracking(void)
{
	char why[256];

	prober_state_init(&state, config->agent.tracking == TRACKING_POLLING, why, sizeof(why));
	state.tracker.relevant = process_relevant;
	if (state.tracker.events_fd >= 0 &&
	    add_wake(state.tracker.events_fd, WAKE_PROCESS_EVENTS) == 0) {
		log_msg(LOG_INFO, "following processes by the kernel's process events");
		return;
	}
	if (state.tracker.events_fd >= 0) {
		snprintf(why, sizeof(why), "epoll: %s", strerror(errno));
		proc_events_close(state.tracker.events_fd);
		state.tracker.events_fd = -1;
		state.tracking_mode = 2;
	}
	log_msg(config->agent.tracking == TRACKING_POLLING ? LOG_INFO : LOG_WARNING,
		"following processes by reading /proc every %llu ms: %s; exits of main processes "
		"are still seen at once", (unsigned long long)config->agent.interval_ms, why);
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
	epoll_fd = epoll_create1(EPOLL_CLOEXEC);
	control_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (add_wake(control_fd, WAKE_CONTROL) < 0 || add_wake(probe_pool_done_fd(), WAKE_PROBES) < 0)
		return -1;
	exit_watch_init(&watch, epoll_fd);
	start_tracking();
	load_state();
	if (cycle_sync(config, &state) < 0)
		return -1;
	handoff_publish(cycle_initial_snapshot(config, &state));
	if (pthread_create(&thread, NULL, prober_main, NULL) != 0)
		return -1;
	pthread_setname_np(thread, "oh-prober");
	return 0;
}

static void wake(void)
{
	uint64_t one = 1;

	if (write(control_fd, &one, sizeof(one)) < 0) {
		/* EAGAIN: the counter is saturated; the prober is due to wake anyway. */
	}
}

void prober_request_reload(void)
{
	pthread_mutex_lock(&lock);
	reload_requested = true;
	pthread_mutex_unlock(&lock);
	wake();
}

int prober_stop(unsigned wait_ms)
{
	struct timespec deadline;
	bool ended;

	deadline_after(&deadline, wait_ms);
	pthread_mutex_lock(&lock);
	stop_requested = true;
	wake();
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
	for (size_t i = 0; i < nretired; i++)
		config_free(retired[i]);
	free(retired);
	nretired = 0;
	close(epoll_fd);
	close(control_fd);
	return 0;
}
