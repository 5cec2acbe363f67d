/* Process events from the kernel's process connector (NETLINK_CONNECTOR, CN_IDX_PROC): the
 * forks, execs, exits and uid changes that keep the process table current between scans. */
#ifndef OH_PROC_EVENTS_H
#define OH_PROC_EVENTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

enum proc_event_kind {
	PROC_EV_FORK = 1,
	PROC_EV_EXEC,
	PROC_EV_EXIT,
	PROC_EV_UID,
	PROC_EV_LOST,           /* events were dropped: the table must be rescanned */
};

/* One process-level event. Threads are not processes: a thread's creation or exit is not
 * one. A leader's EXIT can precede an EXEC of the same pid: a thread that execs takes the
 * leader's pid once the leader is gone, so the process lives on. */
struct proc_event {
	enum proc_event_kind kind;
	pid_t pid;              /* the process (thread-group id) the event is about */
	pid_t parent;           /* FORK: the parent process (tgid); else 0 */
	uint64_t time_ns;       /* the kernel's timestamp (CLOCK_MONOTONIC ns), 0 for LOST */
	bool exit_known;        /* EXIT: exit_status is valid */
	int exit_status;        /* EXIT: wait(2)-style status word (WIFEXITED etc.) */
	uid_t ruid;             /* UID: the new real uid */
	uid_t euid;             /* UID: the new effective uid */
};

/* Opens a nonblocking, close-on-exec connector socket with a large receive buffer and
 * subscribes. Returns the fd, or -1 with WHY filled ("process connector needs
 * CAP_NET_ADMIN" on EPERM, else what failed and the errno text). */
int proc_events_open(char *why, size_t why_len);

/* Parses one received datagram of LEN bytes at BUF (any alignment; never read past LEN).
 * Keeps only process-level events: a FORK whose child is a new process, an EXEC, an EXIT
 * or a UID change of a thread-group leader. Other messages are skipped. Returns how many
 * events it wrote to OUT (at most MAX); malformed input yields fewer, never a crash. */
size_t proc_events_parse(const void *buf, size_t len, struct proc_event *out, size_t max);

/* Reads what is waiting on FD into OUT, at most MAX events; datagrams not sent by the
 * kernel are dropped. An overflowed socket (ENOBUFS), or a datagram holding more events
 * than OUT has room for, yields one PROC_EV_LOST. Returns the number of events, 0 when
 * nothing is waiting, -1 on another error (errno set). */
ssize_t proc_events_read(int fd, struct proc_event *out, size_t max);

/* Unsubscribes and closes FD. */
void proc_events_close(int fd);

#endif
