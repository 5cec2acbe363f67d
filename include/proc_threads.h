/* How the threads of a process are doing: how many there are and how many are running
 * (R), sleeping (S) or in uninterruptible sleep (D), from /proc/PID/task/TID/stat. */
#ifndef OH_PROC_THREADS_H
#define OH_PROC_THREADS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Threads read from one process at most: a runaway thread count costs a bounded pass. */
#define PROC_THREADS_MAX 4096

struct thread_states {
	uint32_t threads;      /* read, at most PROC_THREADS_MAX */
	uint32_t running;      /* R */
	uint32_t sleeping;     /* S */
	uint32_t disk_wait;    /* D */
};

/* Counts the thread whose stat line is TEXT (NUL-terminated) into STATES. Returns 0, or
 * -1 when TEXT is not a stat line (nothing counted). */
int thread_states_add(struct thread_states *states, const char *text);

/* Reads the threads of PID under PROC_ROOT (normally "/proc"). Returns 0, or -1 with
 * errno when its task directory cannot be read (gone, or hidden); threads exiting
 * meanwhile are left out. */
int proc_threads_read(const char *proc_root, pid_t pid, struct thread_states *states);

/* "pid 812: 4 threads, R 0 S 4 D 0" into BUF. */
void thread_states_text(pid_t pid, const struct thread_states *states, char *buf, size_t len);

#endif
