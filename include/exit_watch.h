/* Tells at once when a watched process exits (a pidfd each) or a pidfile's directory
 * changes (inotify), so the prober observes again without waiting for the interval. */
#ifndef OH_EXIT_WATCH_H
#define OH_EXIT_WATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* epoll_event.data.u64 of what the watch registers: the kind in the high half. */
#define WATCH_TAG(kind, value) (((uint64_t)(kind) << 32) | (uint32_t)(value))
#define WATCH_KIND(tag) ((uint32_t)((tag) >> 32))
#define WATCH_VALUE(tag) ((uint32_t)(tag))
enum watch_kind {
	WATCH_EXIT = 1,              /* value: the pid whose pidfd became readable */
	WATCH_FILES,                 /* the inotify descriptor */
	WATCH_KINDS_BELOW = 16       /* the prober's own kinds start here */
};

struct watched_pid {
	pid_t pid;
	unsigned long long start_ticks;
	int fd;
	bool keep;
};

struct watched_dir {
	int wd;
	char *path;
};

struct exit_watch {
	int epoll_fd;                /* the caller's */
	int inotify_fd;              /* -1: none (pidfiles are then read at each interval) */
	struct watched_pid *pids;
	size_t npids;
	size_t pid_capacity;
	struct watched_dir *dirs;
	size_t ndirs;
	int pidfd_errno;             /* the last pidfd_open failure other than ESRCH; 0: none */
};

/* Sets W up on EPOLL_FD. Returns 0 (a watch without inotify still works). */
int exit_watch_init(struct exit_watch *w, int epoll_fd);
void exit_watch_free(struct exit_watch *w);

/* Between begin and end, each process to watch is named; the ones not named again are
 * forgotten at the end. Returns 0 when watched, 1 when it already exited (or its pid now
 * belongs to another process), -1 when it cannot be watched (see pidfd_errno). */
void exit_watch_begin(struct exit_watch *w);
int exit_watch_pid(struct exit_watch *w, pid_t pid, unsigned long long start_ticks);
void exit_watch_end(struct exit_watch *w);

/* A watched process exited: stop watching it. */
void exit_watch_forget(struct exit_watch *w, pid_t pid);

/* Watches the directories of the N FILES for writes, renames and removals (directories
 * already watched stay; a missing one is tried again at the next call). */
void exit_watch_files(struct exit_watch *w, const char *const *files, size_t n);

/* Reads the inotify events waiting and calls CHANGED with each changed file's path, or
 * with NULL when events were lost (any file may have changed). */
void exit_watch_read_files(struct exit_watch *w, void (*changed)(void *ctx, const char *path),
			   void *ctx);

#endif
