/* One pass over /proc: the processes of the host with what service matching needs. */
#ifndef OH_PROC_SCAN_H
#define OH_PROC_SCAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* What to read beyond /proc/PID/stat; only what some configured service needs. */
enum scan_wants {
	SCAN_EXE = 1 << 0,
	SCAN_CMDLINE = 1 << 1,
	SCAN_CGROUP = 1 << 2,
};

struct process {
	pid_t pid;
	pid_t ppid;
	char state;                      /* R S D Z T t X ... from /proc/PID/stat */
	unsigned long long start_ticks;  /* since boot, in clock ticks */
	char comm[16];
	char *exe;                       /* NULL when not wanted or not readable */
	char *cmdline;                   /* argv joined by spaces */
	char *cgroup;                    /* the systemd cgroup path */
	bool kernel_thread;              /* PF_KTHREAD: never a service's process */
	unsigned unreadable;             /* enum scan_wants denied (EACCES) */
	/* Its exit, when a process event told it: the zombie is dated from it. */
	uint64_t exit_mono_ms;           /* CLOCK_MONOTONIC; 0: no exit event seen */
	long first_child;                /* index in the table; -1 when none */
	long next_sibling;
};

/* Not the owner of /proc/PID, which is root for any non-dumpable process: a setuid
 * program keeps its caller's real uid, and each of the three must be trusted. */
struct process_uids {
	uid_t real;
	uid_t effective;
	uid_t saved;
};

/* A process's owner as service matching read it: several services may match the same
 * process, and its status is read once a cycle. */
struct owner_slot {
	bool read;
	int error;                       /* 0: UIDS holds the owner; else why it could not be read */
	struct process_uids uids;
};

struct process_table {
	struct process *procs;           /* sorted by pid */
	size_t count;
	unsigned unreadable;             /* every process's unreadable bits, or'ed */
	size_t denied;                   /* listed, but /proc/PID/stat denied (hidepid=): left out */
	/* One per process when a match reads /proc beyond stat (exe, cmdline, cgroup): filled
	 * while services are located, the one part of the table that changes after the scan. */
	struct owner_slot *owners;
};

/* Scans PROC_ROOT (normally "/proc"). Processes exiting mid-scan are left out. The
 * table comes back sorted by pid with each process linked to its children. */
int proc_scan(const char *proc_root, unsigned wants, struct process_table *table);
void process_table_free(struct process_table *table);
/* Frees what PROC holds (not PROC). */
void process_free(struct process *proc);

/* Reads one process, PROC_FD being /proc: its stat and, unless it is a kernel thread, what
 * WANTS asks for. Returns 0, or -1 when it is gone or unreadable (DENIED: hidden by
 * hidepid=). */
int proc_read_process(int proc_fd, pid_t pid, unsigned wants, struct process *proc, bool *denied);
/* Reads what WANTS asks for into PROC (its pid set), as after an exec. */
void proc_read_wants(int proc_fd, unsigned wants, struct process *proc);

/* After TABLE's processes (sorted by pid) changed: links children to parents again, and
 * gives it fresh owner slots when WANTS reads beyond stat. Returns 0 or -1 (out of memory). */
int process_table_finish(struct process_table *table, unsigned wants);
/* Reads up to LEN-1 bytes of DIRFD/PATH, NUL-terminated. Returns the byte count, or -1
 * with errno set. */
ssize_t proc_read_small(int dirfd, const char *path, char *buf, size_t len);

/* Opens PROC_ROOT/PID as a directory, checked to be the process started at START_TICKS:
 * reads through it fail once that process is gone, even if the pid is reused. Returns the
 * descriptor, or -1 with errno (ESRCH when the process is gone). */
int proc_pid_dir_open(const char *proc_root, pid_t pid, unsigned long long start_ticks);

/* Parses the text of /proc/PID/stat (NUL-terminated) into PROC's pid-independent fields
 * (comm, state, ppid, start_ticks) and the kernel's FLAGS. Returns 0, or -1 when it is
 * not a stat line. */
int proc_parse_stat(const char *text, struct process *proc, unsigned long *flags);

/* One process's /proc/PID/stat alone (pid, comm, state, ppid, start) into PROC; -1 when
 * it is gone. */
int proc_read_stat(pid_t pid, struct process *proc);

const struct process *process_find(const struct process_table *table, pid_t pid);

/* The comm of PID, "?" when it is not in the table. */
const char *process_comm(const struct process_table *table, pid_t pid);

/* Whether PID is ANCESTOR or one of its descendants. */
bool process_in_tree(const struct process_table *table, pid_t ancestor, pid_t pid);

/* Where a walk of one process tree stands; start it as { .at = -1 }. */
struct tree_cursor {
	long at;
	size_t steps;
};

/* Walks the tree below ROOT: ROOT first, then every descendant once. Returns the next
 * process, NULL at the end. */
const struct process *process_tree_next(const struct process_table *table,
					const struct process *root, struct tree_cursor *cursor);

#endif
