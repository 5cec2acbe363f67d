/* What one cycle sees of a service's processes: status, start time, zombies, fd use and
 * limits, restarts and flapping. Each finding that is not fine becomes a health reason. */
#include "service_observe.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "config_values.h"
#include "proc_fd.h"
#include "service_locate.h"

static int64_t clock_ms(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void cycle_clock_read(struct cycle_clock *clock)
{
	clock->now_ms = clock_ms(CLOCK_REALTIME);
	clock->now_mono_ms = (uint64_t)clock_ms(CLOCK_MONOTONIC);
	/* starttime in /proc/PID/stat counts from boot, suspend included: CLOCK_BOOTTIME. */
	clock->boot_ms = clock->now_ms - clock_ms(CLOCK_BOOTTIME);
	clock->ticks_per_s = sysconf(_SC_CLK_TCK);
	if (clock->ticks_per_s <= 0)
		clock->ticks_per_s = 100;
}

/* What a walk of the service's process tree (main process and descendants) found. */
struct tree_findings {
	const struct process **zombies;
	size_t nzombies;
	bool have_fd;                      /* at least one process's fds were read */
	struct fd_usage worst;             /* highest open/soft ratio */
	const struct process *worst_proc;
	uint32_t lowest_soft;
	const struct process *lowest_soft_proc;
	bool main_fd_known;
	uint32_t main_fd_soft;
	int fd_errno;                      /* first failure other than "exited meanwhile" */
	const struct process *fd_error_proc;
};

static bool ratio_above(const struct fd_usage *a, const struct fd_usage *b)
{
	return (uint64_t)a->open * b->soft > (uint64_t)b->open * a->soft;
}

static void note_fd_usage(struct tree_findings *f, const struct process *proc,
			  const struct process *main_proc, const struct fd_usage *usage)
{
	if (proc == main_proc) {
		f->main_fd_known = true;
		f->main_fd_soft = usage->soft;
	}
	if (!f->have_fd || ratio_above(usage, &f->worst)) {
		f->worst = *usage;
		f->worst_proc = proc;
	}
	if (!f->have_fd || usage->soft < f->lowest_soft) {
		f->lowest_soft = usage->soft;
		f->lowest_soft_proc = proc;
	}
	f->have_fd = true;
}

static int walk_tree(struct observation *seen, const struct process *main_proc,
		     struct tree_findings *f)
{
	struct tree_cursor cursor = { .at = -1 };
	const struct process *proc;
	size_t capacity = 0;

	while ((proc = process_tree_next(seen->table, main_proc, &cursor)) != NULL) {
		struct fd_usage usage;

		if (proc->state == 'Z' || proc->state == 'X') {
			if (f->nzombies == capacity) {
				const struct process **grown;

				capacity = capacity ? capacity * 2 : 8;
				grown = realloc(f->zombies, capacity * sizeof(*grown));
				if (grown == NULL)
					return -1;
				f->zombies = grown;
			}
			f->zombies[f->nzombies++] = proc;
		} else if (fd_usage_cached(&seen->fds, proc->pid, proc->start_ticks, &usage) == 0) {
			note_fd_usage(f, proc, main_proc, &usage);
		} else if (errno != ESRCH && f->fd_errno == 0) {
			f->fd_errno = errno;
			f->fd_error_proc = proc;
		}
	}
	return 0;
}

/* Whether PARENT has a child that is not defunct. */
static bool has_live_child(const struct process_table *table, pid_t parent)
{
	const struct process *proc = process_find(table, parent);

	for (long at = proc != NULL ? proc->first_child : -1; at >= 0;
	     at = table->procs[at].next_sibling) {
		if (table->procs[at].state != 'Z' && table->procs[at].state != 'X')
			return true;
	}
	return false;
}

/* Zombies count once they have been defunct for zombie_grace: short-lived ones are a
 * parent about to reap them. The main process itself is already the status reason. */
static void judge_zombies(const struct service_config *service, const struct process_table *table,
			  const struct cycle_clock *clock, struct service_state *state,
			  const struct process *main_proc, const struct tree_findings *f,
			  struct service_row *row, struct health_reasons *reasons)
{
	uint64_t *ages = calloc(f->nzombies ? f->nzombies : 1, sizeof(*ages));
	struct zombie_sighting *seen = calloc(f->nzombies ? f->nzombies : 1, sizeof(*seen));
	const struct process *example = NULL;
	uint64_t example_age = 0;
	uint32_t others = 0;

	if (ages == NULL || seen == NULL) {
		free(ages);
		free(seen);
		return;
	}
	for (size_t i = 0; i < f->nzombies; i++) {
		seen[i].pid = f->zombies[i]->pid;
		seen[i].start_ticks = f->zombies[i]->start_ticks;
		seen[i].first_seen_ms = f->zombies[i]->exit_mono_ms;
	}
	service_state_track_zombies(state, seen, f->nzombies, clock->now_mono_ms, ages);
	free(seen);
	for (size_t i = 0; i < f->nzombies; i++) {
		if (ages[i] < service->zombie_grace_ms)
			continue;
		row->zombies++;
		if (f->zombies[i] == main_proc)
			continue;
		if (example == NULL || ages[i] > example_age) {
			example = f->zombies[i];
			example_age = ages[i];
		}
		others++;
	}
	free(ages);
	if (example == NULL)
		return;
	/* The binary dead and its wrapper waiting with nothing else running: the outage this
	 * exists for, not a tidiness matter. */
	if (!has_live_child(table, example->ppid)) {
		health_add(reasons, HEALTH_CRITICAL,
			   "%u zombie%s in process tree: pid %d (%s) <defunct> for %llu s, and its "
			   "parent pid %d (%s) has no live child left",
			   others, others == 1 ? "" : "s", (int)example->pid, example->comm,
			   (unsigned long long)(example_age / 1000), (int)example->ppid,
			   process_comm(table, example->ppid));
		return;
	}
	health_add(reasons, HEALTH_WARNING,
		   "%u zombie%s in process tree: pid %d (%s) <defunct> for %llu s, not reaped by pid %d (%s)",
		   others, others == 1 ? "" : "s", (int)example->pid, example->comm,
		   (unsigned long long)(example_age / 1000), (int)example->ppid,
		   process_comm(table, example->ppid));
}

static void judge_fd_usage(const struct service_config *service, const struct process *main_proc,
			   const struct tree_findings *f, struct service_row *row,
			   struct health_reasons *reasons)
{
	enum health level = HEALTH_OK;
	char where[64] = "";

	if (f->fd_errno != 0)
		health_add(reasons, HEALTH_UNKNOWN, "fd use of pid %d (%s) unreadable: %s",
			   (int)f->fd_error_proc->pid, f->fd_error_proc->comm, strerror(f->fd_errno));
	if (!f->have_fd)
		return;
	/* A process left unread may be the one closest to its limit. */
	row->fd_known = f->fd_errno == 0;
	row->fd_open = f->worst.open;
	row->fd_soft_limit = f->worst.soft;
	row->fd_hard_limit = f->worst.hard;
	row->fd_usage_pct = fd_usage_percent(&f->worst);
	if ((uint64_t)f->worst.open * 100 >= (uint64_t)service->fd_crit_pct * f->worst.soft)
		level = HEALTH_CRITICAL;
	else if ((uint64_t)f->worst.open * 100 >= (uint64_t)service->fd_warn_pct * f->worst.soft)
		level = HEALTH_WARNING;
	row->fd_level = level;
	if (f->worst_proc != main_proc)
		snprintf(where, sizeof(where), " in pid %d (%s)", (int)f->worst_proc->pid,
			 f->worst_proc->comm);
	health_add(reasons, level, "fd %u/%u (%u%%)%s", f->worst.open, f->worst.soft,
		   row->fd_usage_pct, where);
}

/* A soft limit below fd_min_limit is a regression (a supervisor that started the service
 * with its own limit). Without fd_min_limit, a restart that lowered it is still worth a
 * warning while that process runs. */
static void judge_fd_limits(const struct service_config *service, const struct service_state *state,
			    pid_t main_pid, const struct tree_findings *f, struct service_row *row,
			    struct health_reasons *reasons)
{
	const struct restart_event *last = state->nevents ? &state->events[state->nevents - 1] : NULL;
	bool fell = last != NULL && f->main_fd_known && last->new_pid == main_pid &&
		    last->old_fd_soft > f->main_fd_soft;
	char was[64] = "";

	if (fell)
		snprintf(was, sizeof(was), " (was %u before the restart)", last->old_fd_soft);
	row->fd_limit_regressed = (service->fd_min_limit > 0 && f->have_fd &&
				   f->lowest_soft < service->fd_min_limit) ||
				  (fell && service->fd_min_limit == 0);
	if (service->fd_min_limit > 0 && f->have_fd && f->lowest_soft < service->fd_min_limit)
		health_add(reasons, HEALTH_CRITICAL,
			   "fd limit regression: soft limit %u of pid %d (%s) is below fd_min_limit %llu%s",
			   f->lowest_soft, (int)f->lowest_soft_proc->pid, f->lowest_soft_proc->comm,
			   (unsigned long long)service->fd_min_limit, was);
	else if (fell && service->fd_min_limit == 0)
		health_add(reasons, HEALTH_WARNING,
			   "fd soft limit fell from %u to %u at the last restart", last->old_fd_soft,
			   f->main_fd_soft);
}

static void judge_flapping(const struct service_config *service, const struct service_state *state,
			   const struct cycle_clock *clock, struct service_row *row,
			   struct health_reasons *reasons)
{
	unsigned recent;
	char within[32];

	if (service->flap_restarts == 0)
		return;
	recent = service_state_restarts_within(state, clock->now_ms, service->flap_within_ms);
	if (recent < service->flap_restarts)
		return;
	row->flapping = true;
	format_duration(service->flap_within_ms, within, sizeof(within));
	health_add(reasons, HEALTH_CRITICAL, "flapping: %u restarts within %s (flap.restarts %u)",
		   recent, within, service->flap_restarts);
}

static void judge_status(const struct service_config *service, const struct service_process *proc,
			 struct health_reasons *reasons)
{
	if (service->match == MATCH_NONE || proc->status == SERVICE_UP)
		return;
	if (proc->status == SERVICE_UNKNOWN)
		health_add(reasons, HEALTH_UNKNOWN, "%s", proc->reason);
	else
		health_add(reasons, HEALTH_CRITICAL, "%s: %s", service_status_name(proc->status),
			   proc->reason);
}

bool service_observe(const struct service_config *service, const struct agent_config *agent,
		     struct observation *seen, struct service_state *state, struct service_row *row,
		     struct health_reasons *reasons, struct locate_memo *memo, bool reuse)
{
	const struct process_table *table = seen->table;
	const struct cycle_clock *clock = &seen->clock;
	struct tree_findings f = { 0 };
	struct service_process proc;
	bool changed = false;

	if (!reuse || !memo->valid ||
	    !service_locate_again(service, table, &memo->located, memo->start_ticks, &proc))
		service_locate(service, table, getpid(), state, &proc);
	memo->located = proc;
	memo->start_ticks = proc.main != NULL ? proc.main->start_ticks : 0;
	memo->valid = true;
	row->status = proc.status;
	row->pid = proc.pid;
	row->owner_known = proc.owner_known;
	row->owner_uid = (uint32_t)proc.owner_uid;
	judge_status(service, &proc, reasons);
	if (proc.main != NULL) {
		row->start_time_ms = clock->boot_ms +
				     (int64_t)(proc.main->start_ticks * 1000 / (unsigned long long)clock->ticks_per_s);
		if (walk_tree(seen, proc.main, &f) < 0)
			health_add(reasons, HEALTH_UNKNOWN, "out of memory walking the process tree");
		if (proc.status == SERVICE_UP || proc.status == SERVICE_STOPPED) {
			struct main_sighting sighting = {
				.pid = proc.main->pid,
				.start_ticks = proc.main->start_ticks,
				.start_ms = row->start_time_ms,
				.fd_soft = f.main_fd_known ? f.main_fd_soft : 0,
			};
			/* A first sighting is written too: killed before any restart, oobhealthd
			 * must still find at its next start the pid a restart is judged from. */
			bool first = state->pid == 0;

			changed = service_state_seen_up(state, &sighting, clock->now_ms, agent->history) ||
				  first;
		}
	}
	judge_zombies(service, table, clock, state, proc.main, &f, row, reasons);
	judge_fd_usage(service, proc.main, &f, row, reasons);
	judge_fd_limits(service, state, proc.pid, &f, row, reasons);
	judge_flapping(service, state, clock, row, reasons);
	free(f.zombies);
	return changed;
}
