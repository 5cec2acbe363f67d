/* One pass over /proc: the processes of the host with what service matching needs. */
#include "proc_scan.h"
#include "clean_text.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define PF_KTHREAD 0x00200000UL

ssize_t proc_read_small(int dirfd, const char *path, char *buf, size_t len)
{
	int fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n >= 0)
		buf[n] = '\0';
	return n;
}

/* Parses /proc/PID/stat; comm may hold spaces and parentheses, so fields follow the last ')'. */
int proc_parse_stat(const char *text, struct process *proc, unsigned long *flags)
{
	const char *open = strchr(text, '('), *close = strrchr(text, ')');
	size_t comm_len;
	int ppid;

	/* The fields start two bytes past ')', which must not be the end of the text. */
	if (open == NULL || close == NULL || close < open || close[1] != ' ')
		return -1;
	comm_len = (size_t)(close - open - 1);
	if (comm_len >= sizeof(proc->comm))
		comm_len = sizeof(proc->comm) - 1;
	memcpy(proc->comm, open + 1, comm_len);
	proc->comm[comm_len] = '\0';
	clean_text_in_place(proc->comm);
	/* state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt
	 * utime stime cutime cstime priority nice threads itrealvalue starttime */
	if (sscanf(close + 2, "%c %d %*d %*d %*d %*d %lu %*u %*u %*u %*u %*u %*u %*d %*d %*d %*d "
		   "%*d %*d %llu", &proc->state, &ppid, flags, &proc->start_ticks) != 4)
		return -1;
	proc->ppid = ppid;
	return 0;
}

static void note_denied(struct process *proc, enum scan_wants what)
{
	if (errno == EACCES || errno == EPERM)
		proc->unreadable |= what;
}

static void read_exe(int dirfd, struct process *proc)
{
	char path[32], target[4096];
	ssize_t n;
	static const char deleted[] = " (deleted)";

	snprintf(path, sizeof(path), "%d/exe", (int)proc->pid);
	n = readlinkat(dirfd, path, target, sizeof(target) - 1);
	if (n < 0) {
		note_denied(proc, SCAN_EXE);
		return;
	}
	target[n] = '\0';
	/* A binary replaced by an upgrade is still the service's binary. */
	if ((size_t)n > sizeof(deleted) - 1 &&
	    strcmp(target + n - (sizeof(deleted) - 1), deleted) == 0)
		target[n - (sizeof(deleted) - 1)] = '\0';
	proc->exe = strdup(target);
}

static void read_cmdline(int dirfd, struct process *proc)
{
	char path[32], buf[4096];
	ssize_t n;

	snprintf(path, sizeof(path), "%d/cmdline", (int)proc->pid);
	n = proc_read_small(dirfd, path, buf, sizeof(buf));
	if (n < 0) {
		note_denied(proc, SCAN_CMDLINE);
		return;
	}
	while (n > 0 && buf[n - 1] == '\0')
		n--;
	for (ssize_t i = 0; i < n; i++) {
		if (buf[i] == '\0')
			buf[i] = ' ';
	}
	buf[n] = '\0';
	proc->cmdline = strdup(buf);
}

/* Keeps the cgroup systemd places units in: the name=systemd hierarchy on hybrid hosts,
 * the unified one ("0::") otherwise. */
static void read_cgroup(int dirfd, struct process *proc)
{
	char path[32], buf[4096], *line, *save = NULL;
	const char *v1 = NULL, *v2 = NULL;

	snprintf(path, sizeof(path), "%d/cgroup", (int)proc->pid);
	if (proc_read_small(dirfd, path, buf, sizeof(buf)) < 0) {
		note_denied(proc, SCAN_CGROUP);
		return;
	}
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		const char *p = strstr(line, ":name=systemd:");

		if (p != NULL)
			v1 = p + strlen(":name=systemd:");
		else if (strncmp(line, "0::", 3) == 0)
			v2 = line + 3;
	}
	if (v1 != NULL || v2 != NULL)
		proc->cgroup = strdup(v1 ? v1 : v2);
}

static int by_pid(const void *a, const void *b)
{
	const struct process *x = a, *y = b;

	return (x->pid > y->pid) - (x->pid < y->pid);
}

static int table_append(struct process_table *table, size_t *capacity, struct process *proc)
{
	if (table->count == *capacity) {
		size_t grown = *capacity ? *capacity * 2 : 1024;
		struct process *procs = realloc(table->procs, grown * sizeof(*procs));

		if (procs == NULL)
			return -1;
		table->procs = procs;
		*capacity = grown;
	}
	table->procs[table->count++] = *proc;
	return 0;
}

void process_free(struct process *proc)
{
	free(proc->exe);
	free(proc->cmdline);
	free(proc->cgroup);
}

/* Links each process into its parent's list of children. */
static void link_children(struct process_table *table)
{
	for (size_t i = 0; i < table->count; i++) {
		table->procs[i].first_child = -1;
		table->procs[i].next_sibling = -1;
	}
	for (size_t i = table->count; i-- > 0;) {
		struct process *proc = &table->procs[i];
		struct process *parent;

		if (proc->ppid <= 0 || proc->ppid == proc->pid)
			continue;
		parent = (struct process *)process_find(table, proc->ppid);
		if (parent == NULL)
			continue;
		proc->next_sibling = parent->first_child;
		parent->first_child = (long)i;
	}
}

int proc_pid_dir_open(const char *proc_root, pid_t pid, unsigned long long start_ticks)
{
	struct process proc;
	char path[64], stat[1024];
	unsigned long flags;
	ssize_t n;
	int dir, saved;

	snprintf(path, sizeof(path), "%s/%d", proc_root, (int)pid);
	dir = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dir < 0) {
		if (errno == ENOENT)
			errno = ESRCH;
		return -1;
	}
	n = proc_read_small(dir, "stat", stat, sizeof(stat));
	if (n > 0 && proc_parse_stat(stat, &proc, &flags) == 0 && proc.start_ticks == start_ticks)
		return dir;
	/* Denied (hidepid=) is not gone. */
	saved = n < 0 && (errno == EACCES || errno == EPERM) ? errno : ESRCH;
	close(dir);
	errno = saved;
	return -1;
}

int proc_read_stat(pid_t pid, struct process *proc)
{
	char path[32], stat[1024];
	unsigned long flags;

	memset(proc, 0, sizeof(*proc));
	proc->pid = pid;
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if (proc_read_small(AT_FDCWD, path, stat, sizeof(stat)) <= 0)
		return -1;
	return proc_parse_stat(stat, proc, &flags);
}

int proc_read_process(int proc_fd, pid_t pid, unsigned wants, struct process *proc, bool *denied)
{
	char path[32], stat[1024];
	unsigned long flags;
	ssize_t n;

	memset(proc, 0, sizeof(*proc));
	proc->pid = pid;
	*denied = false;
	snprintf(path, sizeof(path), "%d/stat", (int)pid);
	n = proc_read_small(proc_fd, path, stat, sizeof(stat));
	/* Listed but not readable: hidden from us by /proc's hidepid=. */
	if (n < 0 && (errno == EACCES || errno == EPERM))
		*denied = true;
	if (n <= 0 || proc_parse_stat(stat, proc, &flags) < 0)
		return -1; /* exited meanwhile */
	proc->kernel_thread = (flags & PF_KTHREAD) != 0;
	if (!proc->kernel_thread)
		proc_read_wants(proc_fd, wants, proc);
	return 0;
}

void proc_read_wants(int proc_fd, unsigned wants, struct process *proc)
{
	if (wants & SCAN_EXE)
		read_exe(proc_fd, proc);
	if (wants & SCAN_CMDLINE)
		read_cmdline(proc_fd, proc);
	if (wants & SCAN_CGROUP)
		read_cgroup(proc_fd, proc);
}

int process_table_finish(struct process_table *table, unsigned wants)
{
	table->unreadable = 0;
	for (size_t i = 0; i < table->count; i++)
		table->unreadable |= table->procs[i].unreadable;
	link_children(table);
	free(table->owners);
	table->owners = NULL;
	if (wants != 0 && table->count > 0) {
		table->owners = calloc(table->count, sizeof(*table->owners));
		if (table->owners == NULL)
			return -1;
	}
	return 0;
}

int proc_scan(const char *proc_root, unsigned wants, struct process_table *table)
{
	DIR *dir = opendir(proc_root);
	struct dirent *entry;
	size_t capacity = 0;
	int proc_fd;

	memset(table, 0, sizeof(*table));
	if (dir == NULL)
		return -1;
	proc_fd = dirfd(dir);
	while ((entry = readdir(dir)) != NULL) {
		struct process proc;
		bool denied;
		char *end;
		long pid = strtol(entry->d_name, &end, 10);

		if (entry->d_name[0] < '1' || entry->d_name[0] > '9' || *end != '\0')
			continue;
		if (proc_read_process(proc_fd, (pid_t)pid, wants, &proc, &denied) < 0) {
			table->denied += denied;
			continue;
		}
		if (table_append(table, &capacity, &proc) < 0) {
			process_free(&proc);
			closedir(dir);
			process_table_free(table);
			return -1;
		}
	}
	closedir(dir);
	qsort(table->procs, table->count, sizeof(*table->procs), by_pid);
	if (process_table_finish(table, wants) < 0) {
		process_table_free(table);
		return -1;
	}
	return 0;
}

void process_table_free(struct process_table *table)
{
	for (size_t i = 0; i < table->count; i++)
		process_free(&table->procs[i]);
	free(table->procs);
	free(table->owners);
	memset(table, 0, sizeof(*table));
}

const struct process *process_find(const struct process_table *table, pid_t pid)
{
	struct process key = { .pid = pid };

	return bsearch(&key, table->procs, table->count, sizeof(*table->procs), by_pid);
}

const struct process *process_tree_next(const struct process_table *table,
					const struct process *root, struct tree_cursor *cursor)
{
	long root_at = root - table->procs, at = cursor->at;

	/* /proc is not read atomically: pid reuse mid-scan could in theory link a loop. */
	if (cursor->steps++ >= table->count)
		return NULL;
	if (at < 0) {
		cursor->at = root_at;
		return root;
	}
	/* Depth first: down to a child, else across to a sibling, else up and across. */
	if (table->procs[at].first_child >= 0) {
		cursor->at = table->procs[at].first_child;
		return &table->procs[cursor->at];
	}
	while (at != root_at) {
		const struct process *parent;

		if (table->procs[at].next_sibling >= 0) {
			cursor->at = table->procs[at].next_sibling;
			return &table->procs[cursor->at];
		}
		parent = process_find(table, table->procs[at].ppid);
		if (parent == NULL)
			return NULL;
		at = parent - table->procs;
	}
	return NULL;
}

bool process_in_tree(const struct process_table *table, pid_t ancestor, pid_t pid)
{
	/* Up the parent chain; the depth bound guards a loop a racing scan could link. */
	for (size_t depth = 0; pid > 0 && depth <= table->count; depth++) {
		const struct process *proc;

		if (pid == ancestor)
			return true;
		proc = process_find(table, pid);
		if (proc == NULL || proc->ppid == pid)
			return false;
		pid = proc->ppid;
	}
	return false;
}

const char *process_comm(const struct process_table *table, pid_t pid)
{
	const struct process *proc = process_find(table, pid);

	return proc != NULL ? proc->comm : "?";
}
