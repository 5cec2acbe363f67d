/* A process's owner: its real, effective and saved uids from /proc/PID/status, read only
 * for the processes a match selects. */
#include "proc_owner.h"

#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

/* One uid field: tabs or spaces, then decimal digits that fit a uid_t. */
static int parse_uid_field(const char **p, const char *end, uid_t *uid)
{
	uint64_t value = 0;
	const char *start;

	if (*p == end || (**p != '\t' && **p != ' '))
		return -1;
	while (*p < end && (**p == '\t' || **p == ' '))
		(*p)++;
	for (start = *p; *p < end && **p >= '0' && **p <= '9'; (*p)++) {
		value = value * 10 + (uint64_t)(**p - '0');
		if (value > UINT32_MAX)
			return -1;
	}
	if (*p == start)
		return -1;
	*uid = (uid_t)value;
	return 0;
}

int proc_parse_status_uids(const char *text, size_t len, struct process_uids *uids)
{
	static const char key[] = "Uid:";
	const char *at = text, *end = text + len;

	/* The kernel escapes control characters in Name:, so no process name can start a
	 * line of its own. */
	while (at < end) {
		const char *newline = memchr(at, '\n', (size_t)(end - at));
		const char *line_end = newline != NULL ? newline : end;

		if ((size_t)(line_end - at) >= sizeof(key) - 1 &&
		    memcmp(at, key, sizeof(key) - 1) == 0) {
			const char *p = at + sizeof(key) - 1;

			if (parse_uid_field(&p, line_end, &uids->real) < 0 ||
			    parse_uid_field(&p, line_end, &uids->effective) < 0 ||
			    parse_uid_field(&p, line_end, &uids->saved) < 0)
				return -1;
			return 0;
		}
		at = line_end + 1;
	}
	return -1;
}

static int read_uids(const struct process *proc, struct process_uids *uids)
{
	/* Uid: comes within the first 10 lines, after a Name: of at most 64 bytes. */
	char status[1024];
	int dir = proc_pid_dir_open("/proc", proc->pid, proc->start_ticks), saved;
	ssize_t n;

	if (dir < 0)
		return -1;
	n = proc_read_small(dir, "status", status, sizeof(status));
	saved = errno == ENOENT ? ESRCH : errno;
	close(dir);
	if (n < 0) {
		errno = saved;
		return -1;
	}
	if (proc_parse_status_uids(status, (size_t)n, uids) < 0) {
		errno = EINVAL;
		return -1;
	}
	return 0;
}

int proc_read_uids(const struct process_table *table, const struct process *proc,
		   struct process_uids *uids)
{
	struct owner_slot *slot = NULL;

	if (table != NULL && table->owners != NULL && proc >= table->procs &&
	    proc < table->procs + table->count)
		slot = &table->owners[proc - table->procs];
	if (slot == NULL)
		return read_uids(proc, uids);
	if (!slot->read) {
		slot->read = true;
		slot->error = read_uids(proc, &slot->uids) == 0 ? 0 : errno;
	}
	if (slot->error != 0) {
		errno = slot->error;
		return -1;
	}
	*uids = slot->uids;
	return 0;
}
