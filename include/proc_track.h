/* The host's processes, kept current: by the kernel's process events where it gives them
 * (each process read from /proc when it appears or execs, never again while it lives),
 * else by reading all of /proc again at each refresh. */
#ifndef OH_PROC_TRACK_H
#define OH_PROC_TRACK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "proc_events.h"
#include "proc_scan.h"

/* An exit the events reported, for whoever was watching that process. */
struct process_exit {
	const struct process *proc;      /* its record, defunct now */
	pid_t pid;
	int32_t status;                  /* wait(2) status; -1: not known */
	uint64_t mono_ms;                /* CLOCK_MONOTONIC */
	pid_t ppid;
};

struct process_tracker {
	int events_fd;                   /* the process connector; -1: polling */
	int proc_fd;                     /* /proc */
	unsigned wants;                  /* enum scan_wants */
	struct process_table table;      /* as of the last refresh */
	bool have_table;
	bool rescan;                     /* events were lost, or never tracked: scan /proc */
	uint64_t generation;             /* changes whenever the table's contents do */
	uint64_t scanned_ms;             /* CLOCK_MONOTONIC of the last full scan */
	uint64_t scans;                  /* full scans so far */
	struct process *added;           /* appeared since the last refresh */
	size_t nadded, added_capacity;
	size_t exits_seen;               /* exits of processes in the table since the refresh */
	/* With events: whether a process's exe, cmdline and cgroup are worth keeping (some
	 * service could match it); the others are dropped once read. NULL: keep all. */
	bool (*relevant)(void *ctx, const struct process *proc);
	void *relevant_ctx;
};

/* Starts tracking, with process events unless POLLING. Returns 0; WHY says why events are
 * not used when events_fd stays -1 and POLLING was not asked. */
int proc_track_init(struct process_tracker *t, bool polling, char *why, size_t why_len);
void proc_track_free(struct process_tracker *t);

/* What service matching needs read (enum scan_wants); a change means a full scan. */
void proc_track_wants(struct process_tracker *t, unsigned wants);

/* Reads the waiting events and applies them. Each exit of a process (leader) is passed to
 * EXITED; each process that appeared or exec'd is passed to CHANGED once it was read.
 * Returns the number of events applied. */
size_t proc_track_read(struct process_tracker *t,
		       void (*exited)(void *ctx, const struct process_exit *exit),
		       void (*changed)(void *ctx, const struct process *proc), void *ctx);

/* The next refresh reads all of /proc again (what is relevant changed: a reload). */
void proc_track_rescan(struct process_tracker *t);

/* Brings the table up to date (polling: a full scan). Returns 0, or -1 when /proc could
 * not be read (then there is no table). */
int proc_track_refresh(struct process_tracker *t);

/* Reads the state letter of PID again (events do not report a stop); the table keeps it. */
void proc_track_restat(struct process_tracker *t, pid_t pid);

/* The live record of PID (the table's, or one added since the refresh); NULL when none. */
const struct process *proc_track_find(const struct process_tracker *t, pid_t pid);

/* Reads WHAT (enum scan_wants) of PID again, for what changes without an event (a move to
 * another cgroup). Returns true when the record changed. */
bool proc_track_reread(struct process_tracker *t, pid_t pid, unsigned what);

/* The parent of PID as the table and the processes added since know it; 0 when unknown. */
pid_t proc_track_parent(const struct process_tracker *t, pid_t pid);

#endif
