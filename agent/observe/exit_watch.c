/* Tells at once when a watched process exits (a pidfd each) or a pidfile's directory
 * changes (inotify), so the prober observes again without waiting for the interval. */
#include "exit_watch.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/inotify.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "proc_scan.h"

static int open_pidfd(pid_t pid)
{
	return (int)syscall(SYS_pidfd_open, pid, 0);
}

int exit_watch_init(struct exit_watch *w, int epoll_fd)
{
	memset(w, 0, sizeof(*w));
	w->epoll_fd = epoll_fd;
	w->inotify_fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (w->inotify_fd >= 0) {
		struct epoll_event ev = { .events = EPOLLIN, .data.u64 = WATCH_TAG(WATCH_FILES, 0) };

		if (epoll_ctl(epoll_fd, EPOLL_CTL_ADD, w->inotify_fd, &ev) < 0) {
			close(w->inotify_fd);
			w->inotify_fd = -1;
		}
	}
	return 0;
}

void exit_watch_free(struct exit_watch *w)
{
	for (size_t i = 0; i < w->npids; i++)
		close(w->pids[i].fd);
	for (size_t i = 0; i < w->ndirs; i++)
		free(w->dirs[i].path);
	free(w->pids);
	free(w->dirs);
	if (w->inotify_fd >= 0)
		close(w->inotify_fd);
	memset(w, 0, sizeof(*w));
	w->inotify_fd = -1;
}

void exit_watch_begin(struct exit_watch *w)
{
	for (size_t i = 0; i < w->npids; i++)
		w->pids[i].keep = false;
}

static struct watched_pid *find_pid(struct exit_watch *w, pid_t pid)
{
	for (size_t i = 0; i < w->npids; i++) {
		if (w->pids[i].pid == pid)
			return &w->pids[i];
	}
	return NULL;
}

static void drop(struct exit_watch *w, size_t at)
{
	epoll_ctl(w->epoll_fd, EPOLL_CTL_DEL, w->pids[at].fd, NULL);
	close(w->pids[at].fd);
	w->pids[at] = w->pids[--w->npids];
}

/* The pidfd is taken after the process was read, so the pid may have been reused in
 * between: the start time read through /proc once the pidfd is held settles it. */
static int still_same(pid_t pid, unsigned long long start_ticks)
{
	struct process now;

	return proc_read_stat(pid, &now) == 0 && now.start_ticks == start_ticks &&
	       now.state != 'Z' && now.state != 'X';
}

int exit_watch_pid(struct exit_watch *w, pid_t pid, unsigned long long start_ticks)
{
	struct watched_pid *known = find_pid(w, pid);
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = WATCH_TAG(WATCH_EXIT, pid) };
	int fd;

	if (known != NULL && known->start_ticks == start_ticks) {
		known->keep = true;
		return 0;
	}
	if (known != NULL)
		drop(w, (size_t)(known - w->pids));
	if (w->npids == w->pid_capacity) {
		size_t capacity = w->pid_capacity ? w->pid_capacity * 2 : 16;
		struct watched_pid *grown = realloc(w->pids, capacity * sizeof(*grown));

		if (grown == NULL)
			return -1;
		w->pids = grown;
		w->pid_capacity = capacity;
	}
	fd = open_pidfd(pid);
	if (fd < 0) {
		if (errno == ESRCH)
			return 1;
		w->pidfd_errno = errno;
		return -1;
	}
	if (!still_same(pid, start_ticks)) {
		close(fd);
		return 1;
	}
	if (epoll_ctl(w->epoll_fd, EPOLL_CTL_ADD, fd, &ev) < 0) {
		w->pidfd_errno = errno;
		close(fd);
		return -1;
	}
	w->pids[w->npids++] = (struct watched_pid){ pid, start_ticks, fd, true };
	return 0;
}

void exit_watch_end(struct exit_watch *w)
{
	for (size_t i = w->npids; i-- > 0;) {
		if (!w->pids[i].keep)
			drop(w, i);
	}
}

void exit_watch_forget(struct exit_watch *w, pid_t pid)
{
	struct watched_pid *known = find_pid(w, pid);

	if (known != NULL)
		drop(w, (size_t)(known - w->pids));
}

static bool dir_watched(const struct exit_watch *w, const char *dir)
{
	for (size_t i = 0; i < w->ndirs; i++) {
		if (strcmp(w->dirs[i].path, dir) == 0)
			return true;
	}
	return false;
}

static void watch_dir_of(struct exit_watch *w, const char *file)
{
	const char *slash = strrchr(file, '/');
	char dir[PATH_MAX];
	struct watched_dir *grown;
	int wd;

	if (slash == NULL || (size_t)(slash - file) >= sizeof(dir))
		return;
	if (slash == file)
		snprintf(dir, sizeof(dir), "/");
	else
		snprintf(dir, sizeof(dir), "%.*s", (int)(slash - file), file);
	if (dir_watched(w, dir))
		return;
	wd = inotify_add_watch(w->inotify_fd, dir, IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM |
					       IN_DELETE | IN_ONLYDIR | IN_DONT_FOLLOW);
	if (wd < 0)
		return;
	grown = realloc(w->dirs, (w->ndirs + 1) * sizeof(*grown));
	if (grown == NULL)
		return;
	w->dirs = grown;
	w->dirs[w->ndirs].wd = wd;
	w->dirs[w->ndirs].path = strdup(dir);
	if (w->dirs[w->ndirs].path == NULL) {
		inotify_rm_watch(w->inotify_fd, wd);
		return;
	}
	w->ndirs++;
}

void exit_watch_files(struct exit_watch *w, const char *const *files, size_t n)
{
	if (w->inotify_fd < 0)
		return;
	for (size_t i = 0; i < n; i++)
		watch_dir_of(w, files[i]);
}

static const char *dir_of_wd(const struct exit_watch *w, int wd)
{
	for (size_t i = 0; i < w->ndirs; i++) {
		if (w->dirs[i].wd == wd)
			return w->dirs[i].path;
	}
	return NULL;
}

void exit_watch_read_files(struct exit_watch *w, void (*changed)(void *ctx, const char *path),
			   void *ctx)
{
	char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
	char path[PATH_MAX];
	ssize_t len;

	if (w->inotify_fd < 0)
		return;
	while ((len = read(w->inotify_fd, buf, sizeof(buf))) > 0) {
		for (ssize_t at = 0; at + (ssize_t)sizeof(struct inotify_event) <= len;) {
			const struct inotify_event *ev = (const struct inotify_event *)(buf + at);
			const char *dir = dir_of_wd(w, ev->wd);

			at += (ssize_t)sizeof(*ev) + ev->len;
			if (at > len)
				break;
			if (ev->mask & IN_Q_OVERFLOW) {
				changed(ctx, NULL);
				continue;
			}
			/* The watch ended (the directory went away): add it again at the next call. */
			if (ev->mask & IN_IGNORED) {
				for (size_t i = 0; i < w->ndirs; i++) {
					if (w->dirs[i].wd == ev->wd) {
						free(w->dirs[i].path);
						w->dirs[i] = w->dirs[--w->ndirs];
						break;
					}
				}
				continue;
			}
			if (dir == NULL || ev->len == 0)
				continue;
			snprintf(path, sizeof(path), "%s/%s", strcmp(dir, "/") == 0 ? "" : dir, ev->name);
			changed(ctx, path);
		}
	}
}
