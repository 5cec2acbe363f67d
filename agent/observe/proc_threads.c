/* How the threads of a process are doing: how many there are and how many are running
 * (R), sleeping (S) or in uninterruptible sleep (D), from /proc/PID/task/TID/stat. */
#include "proc_threads.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

#include "proc_scan.h"

int thread_states_add(struct thread_states *states, const char *text)
{
	struct process thread = { 0 };
	unsigned long flags;

	/* A thread's stat line is a process's: the same bounded parser reads it. */
	if (proc_parse_stat(text, &thread, &flags) < 0)
		return -1;
	states->threads++;
	states->running += thread.state == 'R';
	states->sleeping += thread.state == 'S';
	states->disk_wait += thread.state == 'D';
	return 0;
}

int proc_threads_read(const char *proc_root, pid_t pid, struct thread_states *states)
{
	char path[64], stat_path[300], text[1024];
	struct dirent *entry;
	DIR *dir;
	int fd;

	*states = (struct thread_states){ 0 };
	snprintf(path, sizeof(path), "%s/%d/task", proc_root, (int)pid);
	fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	dir = fdopendir(fd);
	if (dir == NULL) {
		close(fd);
		return -1;
	}
	while (states->threads < PROC_THREADS_MAX && (entry = readdir(dir)) != NULL) {
		if (entry->d_name[0] < '0' || entry->d_name[0] > '9')
			continue;
		snprintf(stat_path, sizeof(stat_path), "%s/stat", entry->d_name);
		if (proc_read_small(dirfd(dir), stat_path, text, sizeof(text)) > 0)
			thread_states_add(states, text);
	}
	closedir(dir);
	if (states->threads == 0) {
		errno = ESRCH;
		return -1;
	}
	return 0;
}

void thread_states_text(pid_t pid, const struct thread_states *states, char *buf, size_t len)
{
	snprintf(buf, len, "pid %d: %u thread%s, R %u S %u D %u", (int)pid, states->threads,
		 states->threads == 1 ? "" : "s", states->running, states->sleeping,
		 states->disk_wait);
}
