/* The host's processes, kept current: by the kernel's process events where it gives them
 * (each process read from /proc when it appears or execs, never again while it lives),
 * else by reading all of /proc again at each refresh. */
#include "proc_track.h"
#include "clock.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* Events can be missed without the kernel saying so (a process that changed its uid
 * between a scan and its event, say): a full scan now and then bounds any drift. */
#define SAFETY_RESCAN_MS (10 * 60 * 1000)
#define EVENTS_PER_READ 256
#define READS_PER_CALL 64
#define SELF_TEST_MS 2000

/* A subscription can be accepted and yet deliver nothing (from another pid namespace the
 * kernel ignores it): a child of ours must be seen to fork and exit. */
static bool events_flow(int fd)
{
	struct proc_event events[EVENTS_PER_READ];
	uint64_t deadline = monotonic_ms() + SELF_TEST_MS;
	bool forked = false, exited = false;
	pid_t child = fork();

	if (child < 0)
		return false;
	if (child == 0)
		_exit(0);
	while (!(forked && exited) && monotonic_ms() < deadline) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		ssize_t n;

		if (poll(&pfd, 1, (int)(deadline - monotonic_ms())) <= 0)
			continue;
		n = proc_events_read(fd, events, EVENTS_PER_READ);
		for (ssize_t i = 0; i < n; i++) {
			forked |= events[i].kind == PROC_EV_FORK && events[i].pid == child;
			exited |= events[i].kind == PROC_EV_EXIT && events[i].pid == child;
		}
	}
	waitpid(child, NULL, 0);
	return forked && exited;
}

int proc_track_init(struct process_tracker *t, bool polling, char *why, size_t why_len)
{
	memset(t, 0, sizeof(*t));
	t->events_fd = -1;
	t->rescan = true;
	t->proc_fd = open("/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	why[0] = '\0';
	if (polling) {
		snprintf(why, why_len, "agent.tracking is polling");
		return 0;
	}
	t->events_fd = proc_events_open(why, why_len);
	if (t->events_fd >= 0 && !events_flow(t->events_fd)) {
		snprintf(why, why_len, "the process connector accepted the subscription but reported "
			 "no event for a child of ours within %d ms (another pid namespace?)",
			 SELF_TEST_MS);
		proc_events_close(t->events_fd);
		t->events_fd = -1;
	}
	return 0;
}

static void free_added(struct process_tracker *t)
{
	for (size_t i = 0; i < t->nadded; i++)
		process_free(&t->added[i]);
	t->nadded = 0;
}

void proc_track_free(struct process_tracker *t)
{
	if (t->events_fd >= 0)
		proc_events_close(t->events_fd);
	if (t->proc_fd >= 0)
		close(t->proc_fd);
	if (t->have_table)
		process_table_free(&t->table);
	free_added(t);
	free(t->added);
	memset(t, 0, sizeof(*t));
	t->events_fd = -1;
	t->proc_fd = -1;
}

void proc_track_wants(struct process_tracker *t, unsigned wants)
{
	if (wants == t->wants)
		return;
	t->wants = wants;
	t->rescan = true;
}

/* The live record of PID: in the table, or among those added since (the newest). */
static struct process *find_live(const struct process_tracker *t, pid_t pid)
{
	for (size_t i = t->nadded; i-- > 0;) {
		if (t->added[i].pid == pid)
			return &t->added[i];
	}
	return t->have_table ? (struct process *)process_find(&t->table, pid) : NULL;
}

static struct process *append_added(struct process_tracker *t, struct process *proc)
{
	if (t->nadded == t->added_capacity) {
		size_t capacity = t->added_capacity ? t->added_capacity * 2 : 64;
		struct process *grown = realloc(t->added, capacity * sizeof(*grown));

		if (grown == NULL) {
			process_free(proc);
			t->rescan = true;
			return NULL;
		}
		t->added = grown;
		t->added_capacity = capacity;
	}
	t->added[t->nadded] = *proc;
	return &t->added[t->nadded++];
}

/* Drops what no service can match: in a table that lives as long as the processes do,
 * the strings of thousands of unrelated processes are most of its memory. */
static void strip(const struct process_tracker *t, struct process *proc)
{
	if (t->events_fd < 0 || t->relevant == NULL || t->relevant(t->relevant_ctx, proc))
		return;
	free(proc->exe);
	free(proc->cmdline);
	free(proc->cgroup);
	proc->exe = proc->cmdline = proc->cgroup = NULL;
}

void proc_track_rescan(struct process_tracker *t)
{
	t->rescan = true;
}

static char *copy_of(const char *text)
{
	return text != NULL ? strdup(text) : NULL;
}

/* A child starts as a copy of its parent: exe, command line and cgroup are the parent's
 * until it execs (which is an event of its own), so only its stat is read. */
static struct process *on_fork(struct process_tracker *t, const struct proc_event *ev)
{
	const struct process *parent;
	struct process proc;
	bool denied;

	if (proc_read_process(t->proc_fd, ev->pid, 0, &proc, &denied) < 0)
		return NULL; /* gone already: its exit follows */
	parent = find_live(t, proc.ppid);
	if (!proc.kernel_thread && parent != NULL && parent->start_ticks <= proc.start_ticks) {
		proc.exe = copy_of(parent->exe);
		proc.cmdline = copy_of(parent->cmdline);
		proc.cgroup = copy_of(parent->cgroup);
		proc.unreadable = parent->unreadable;
	} else if (!proc.kernel_thread) {
		proc_read_wants(t->proc_fd, t->wants, &proc);
		strip(t, &proc);
	}
	return append_added(t, &proc);
}

static void reset_owner(struct process_tracker *t, const struct process *proc)
{
	if (t->have_table && t->table.owners != NULL && proc >= t->table.procs &&
	    proc < t->table.procs + t->table.count)
		t->table.owners[proc - t->table.procs].read = false;
}

static struct process *on_exec(struct process_tracker *t, const struct proc_event *ev)
{
	struct process *known = find_live(t, ev->pid);
	struct process fresh;
	bool denied;

	if (proc_read_process(t->proc_fd, ev->pid, t->wants, &fresh, &denied) < 0)
		return NULL;
	strip(t, &fresh);
	if (known == NULL)
		return append_added(t, &fresh);
	fresh.first_child = known->first_child;
	fresh.next_sibling = known->next_sibling;
	process_free(known);
	*known = fresh;
	reset_owner(t, known);
	return known;
}

static void on_exit_event(struct process_tracker *t, const struct proc_event *ev,
			  void (*exited)(void *ctx, const struct process_exit *exit), void *ctx)
{
	struct process *known = find_live(t, ev->pid);
	struct process_exit exit = {
		.pid = ev->pid,
		.status = ev->exit_known ? ev->exit_status : -1,
		.mono_ms = ev->time_ns / 1000000,
	};

	if (known == NULL)
		return;
	known->state = 'Z';
	known->exit_mono_ms = exit.mono_ms;
	exit.proc = known;
	exit.ppid = known->ppid;
	t->exits_seen++;
	exited(ctx, &exit);
}

static void apply(struct process_tracker *t, const struct proc_event *ev,
		  void (*exited)(void *ctx, const struct process_exit *exit),
		  void (*changed)(void *ctx, const struct process *proc), void *ctx)
{
	struct process *proc = NULL;

	switch (ev->kind) {
	case PROC_EV_FORK:
		proc = on_fork(t, ev);
		break;
	case PROC_EV_EXEC:
		proc = on_exec(t, ev);
		break;
	case PROC_EV_EXIT:
		on_exit_event(t, ev, exited, ctx);
		break;
	case PROC_EV_UID:
		proc = find_live(t, ev->pid);
		if (proc != NULL)
			reset_owner(t, proc);
		break;
	case PROC_EV_LOST:
		t->rescan = true;
		break;
	}
	t->generation++;
	if (proc != NULL)
		changed(ctx, proc);
}

size_t proc_track_read(struct process_tracker *t,
		       void (*exited)(void *ctx, const struct process_exit *exit),
		       void (*changed)(void *ctx, const struct process *proc), void *ctx)
{
	struct proc_event events[EVENTS_PER_READ];
	size_t applied = 0;

	if (t->events_fd < 0)
		return 0;
	/* Bounded, so a fork storm cannot keep the prober here: the rest waits in the socket. */
	for (int round = 0; round < READS_PER_CALL; round++) {
		ssize_t n = proc_events_read(t->events_fd, events, EVENTS_PER_READ);

		if (n <= 0)
			break;
		for (ssize_t i = 0; i < n; i++)
			apply(t, &events[i], exited, changed, ctx);
		applied += (size_t)n;
	}
	return applied;
}

/* A full scan; zombies keep the exit time their event gave them. */
static int full_scan(struct process_tracker *t)
{
	struct process_table fresh;

	if (proc_scan("/proc", t->wants, &fresh) < 0)
		return -1;
	for (size_t i = 0; t->have_table && i < fresh.count; i++) {
		const struct process *old = process_find(&t->table, fresh.procs[i].pid);

		if (old != NULL && old->start_ticks == fresh.procs[i].start_ticks)
			fresh.procs[i].exit_mono_ms = old->exit_mono_ms;
	}
	for (size_t i = 0; i < fresh.count; i++)
		strip(t, &fresh.procs[i]);
	if (t->have_table)
		process_table_free(&t->table);
	free_added(t);
	t->table = fresh;
	t->have_table = true;
	t->rescan = false;
	t->scanned_ms = monotonic_ms();
	t->scans++;
	t->exits_seen = 0;
	t->generation++;
	return 0;
}

/* Whether an exited process is still there, defunct, waiting for its parent. */
static bool still_defunct(const struct process_tracker *t, const struct process *proc)
{
	char path[32], stat[1024];
	struct process now;
	unsigned long flags;

	snprintf(path, sizeof(path), "%d/stat", (int)proc->pid);
	if (proc_read_small(t->proc_fd, path, stat, sizeof(stat)) <= 0 ||
	    proc_parse_stat(stat, &now, &flags) < 0)
		return false;
	return now.start_ticks == proc->start_ticks;
}

static int by_pid(const void *a, const void *b)
{
	const struct process *x = a, *y = b;

	return (x->pid > y->pid) - (x->pid < y->pid);
}

/* Drops PROC (reaped), freeing what it holds; returns false. */
static bool reaped(struct process *proc)
{
	process_free(proc);
	return false;
}

static bool keep(const struct process_tracker *t, struct process *proc)
{
	if (proc->state != 'Z' && proc->state != 'X')
		return true;
	return still_defunct(t, proc) || reaped(proc);
}

/* Merges the table (sorted) with the processes added since (sorted here), leaving out the
 * reaped; of two records of one pid, the one added later wins (the pid was reused, or it
 * was read again). */
static int merge(struct process_tracker *t)
{
	size_t n = t->table.count + t->nadded, at = 0, i = 0, j = 0;
	struct process *procs = malloc((n ? n : 1) * sizeof(*procs));

	if (procs == NULL)
		return -1;
	qsort(t->added, t->nadded, sizeof(*t->added), by_pid);
	while (i < t->table.count || j < t->nadded) {
		struct process *old = i < t->table.count ? &t->table.procs[i] : NULL;
		struct process *new = j < t->nadded ? &t->added[j] : NULL;

		if (new != NULL && j + 1 < t->nadded && t->added[j + 1].pid == new->pid) {
			process_free(new); /* an earlier record of a pid added twice */
			j++;
			continue;
		}
		if (old != NULL && (new == NULL || old->pid < new->pid)) {
			if (keep(t, old))
				procs[at++] = *old;
			i++;
		} else if (old == NULL || new->pid < old->pid) {
			if (keep(t, new))
				procs[at++] = *new;
			j++;
		} else {
			process_free(old);
			if (keep(t, new))
				procs[at++] = *new;
			i++;
			j++;
		}
	}
	free(t->table.procs);
	t->table.procs = procs;
	t->table.count = at;
	t->nadded = 0;
	return process_table_finish(&t->table, t->wants);
}

int proc_track_refresh(struct process_tracker *t)
{
	if (t->events_fd < 0 || t->rescan || !t->have_table ||
	    monotonic_ms() - t->scanned_ms >= SAFETY_RESCAN_MS) {
		if (full_scan(t) == 0)
			return 0;
		if (t->have_table)
			process_table_free(&t->table);
		t->have_table = false;
		return -1;
	}
	if (t->nadded == 0 && t->exits_seen == 0)
		return 0;
	if (merge(t) < 0) {
		t->rescan = true;
		return proc_track_refresh(t);
	}
	t->exits_seen = 0;
	t->generation++;
	return 0;
}

void proc_track_restat(struct process_tracker *t, pid_t pid)
{
	struct process *proc = t->have_table ? (struct process *)process_find(&t->table, pid) : NULL;
	char path[32], stat[1024];
	struct process now;
	unsigned long flags;

	if (t->events_fd < 0 || proc == NULL || proc->state == 'Z')
		return;
	snprintf(path, sizeof(path), "%d/stat", (int)pid);
	if (proc_read_small(t->proc_fd, path, stat, sizeof(stat)) <= 0 ||
	    proc_parse_stat(stat, &now, &flags) < 0 || now.start_ticks != proc->start_ticks)
		return; /* gone: its exit event says so */
	if (now.state != proc->state) {
		proc->state = now.state;
		t->generation++;
	}
}

pid_t proc_track_parent(const struct process_tracker *t, pid_t pid)
{
	const struct process *proc = find_live(t, pid);

	return proc != NULL ? proc->ppid : 0;
}

const struct process *proc_track_find(const struct process_tracker *t, pid_t pid)
{
	return find_live(t, pid);
}

static bool same_text(const char *a, const char *b)
{
	return a == b || (a != NULL && b != NULL && strcmp(a, b) == 0);
}

bool proc_track_reread(struct process_tracker *t, pid_t pid, unsigned what)
{
	struct process *known = find_live(t, pid);
	struct process fresh = { .pid = pid };
	bool changed;

	if (known == NULL || known->kernel_thread || (what & SCAN_CGROUP) == 0)
		return false;
	proc_read_wants(t->proc_fd, SCAN_CGROUP, &fresh);
	changed = !same_text(fresh.cgroup, known->cgroup);
	if (changed) {
		free(known->cgroup);
		known->cgroup = fresh.cgroup;
		fresh.cgroup = NULL;
		t->generation++;
	}
	process_free(&fresh);
	return changed;
}
