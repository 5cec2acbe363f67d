/* Finds each service's main process in the scanned process table. */
#include "service_locate.h"
#include "pid_file.h"
#include "clean_text.h"
#include "pattern.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

unsigned service_scan_wants(const struct config *config)
{
	unsigned wants = 0;

	for (size_t i = 0; i < config->nservices; i++) {
		switch (config->services[i].match) {
		case MATCH_EXE:
			wants |= SCAN_EXE;
			break;
		case MATCH_CMDLINE:
			wants |= SCAN_CMDLINE;
			break;
		case MATCH_UNIT:
			wants |= SCAN_CGROUP;
			break;
		default:
			break;
		}
	}
	return wants;
}

/* The pid in a pidfile, or 0 with OUT's status and reason set. */
static pid_t read_pidfile(const char *path, struct service_process *out)
{
	char text[32], shown[64];
	pid_t pid = 0;
	size_t text_len;

	out->status = SERVICE_UNKNOWN;
	switch (pid_file_read(path, &pid, text, sizeof(text))) {
	case PID_FILE_OK:
		out->status = SERVICE_UP;
		return pid;
	case PID_FILE_MISSING:
		out->status = SERVICE_ABSENT;
		snprintf(out->reason, sizeof(out->reason), "pidfile %s is missing", path);
		break;
	case PID_FILE_CANNOT_OPEN:
		snprintf(out->reason, sizeof(out->reason), "pidfile %s: cannot open: %s", path,
			 strerror(errno));
		break;
	case PID_FILE_CANNOT_READ:
		snprintf(out->reason, sizeof(out->reason), "pidfile %s: cannot read: %s", path,
			 strerror(errno));
		break;
	case PID_FILE_NOT_REGULAR:
		snprintf(out->reason, sizeof(out->reason), "pidfile %s is not a regular file", path);
		break;
	case PID_FILE_NOT_A_PID:
		text_len = strnlen(text, sizeof(text) - 1);
		/* The line end is the file's, not part of what it holds. */
		while (text_len > 0 && (text[text_len - 1] == '\n' || text[text_len - 1] == '\r'))
			text_len--;
		clean_text(shown, sizeof(shown), text, text_len > 20 ? 20 : text_len);
		snprintf(out->reason, sizeof(out->reason), "pidfile %s does not hold a pid (\"%s\")",
			 path, shown);
		break;
	}
	return 0;
}

static int cgroup_in_unit(const char *cgroup, const char *unit)
{
	size_t len = strlen(unit);

	for (const char *p = strstr(cgroup, unit); p != NULL; p = strstr(p + 1, unit)) {
		if (p > cgroup && p[-1] == '/' && (p[len] == '\0' || p[len] == '/'))
			return 1;
	}
	return 0;
}

/* 1: PROC is one of SERVICE's processes; 0: it is not; -1: it could not be checked (the
 * cmdline pattern gave up on it). */
static int process_matches(const struct service_config *service, const struct process *proc)
{
	enum pattern_result cmdline;

	switch (service->match) {
	case MATCH_EXE:
		return proc->exe != NULL && strcmp(proc->exe, service->match_value) == 0;
	case MATCH_CMDLINE:
		if (proc->cmdline == NULL || proc->cmdline[0] == '\0')
			return 0;
		cmdline = pattern_match(service->cmdline_re, proc->cmdline, strlen(proc->cmdline));
		return cmdline == PATTERN_GAVE_UP ? -1 : cmdline == PATTERN_MATCH;
	case MATCH_UNIT:
		return proc->cgroup != NULL && cgroup_in_unit(proc->cgroup, service->match_value);
	default:
		return 0;
	}
}

/* Whether an ancestor of PROC is also matched: then PROC is not the main process. */
static int has_matched_ancestor(const struct process_table *table, const unsigned char *matched,
				const struct process *proc)
{
	const struct process *up = proc;

	for (int depth = 0; depth < 256 && up->ppid > 0; depth++) {
		up = process_find(table, up->ppid);
		if (up == NULL)
			return 0;
		if (matched[up - table->procs])
			return 1;
	}
	return 0;
}

/* Of the processes a match selects, the main one is the top-most ancestor (the oldest
 * if several trees match). UNCHECKED counts those the match could not decide. */
static const struct process *find_main(const struct service_config *service,
				       const struct process_table *table, pid_t self,
				       size_t *unchecked)
{
	const struct process *best = NULL;
	unsigned char *matched = calloc(table->count ? table->count : 1, 1);
	size_t nmatched = 0;

	if (matched == NULL)
		return NULL;
	for (size_t i = 0; i < table->count; i++) {
		int verdict = table->procs[i].pid != self ? process_matches(service, &table->procs[i])
							  : 0;

		if (verdict < 0)
			(*unchecked)++;
		if (verdict > 0) {
			matched[i] = 1;
			nmatched++;
		}
	}
	for (size_t i = 0; i < table->count && nmatched > 0; i++) {
		const struct process *proc = &table->procs[i];

		if (!matched[i] || has_matched_ancestor(table, matched, proc))
			continue;
		if (best == NULL || proc->start_ticks < best->start_ticks)
			best = proc;
	}
	free(matched);
	return best;
}

/* Processes whose attribute for SERVICE's match could not be read and that might run
 * it. For exe, only those whose name (comm: the executable's first 15 characters at exec)
 * is the exe's: another user's process by another name is not the service's binary. */
static size_t count_hidden(const struct service_config *service,
			   const struct process_table *table)
{
	unsigned what = service->match == MATCH_EXE ? SCAN_EXE
			: service->match == MATCH_CMDLINE ? SCAN_CMDLINE : SCAN_CGROUP;
	const char *name = strrchr(service->match_value, '/');
	size_t hidden = 0;

	name = name != NULL ? name + 1 : service->match_value;
	/* The usual case, as root: nothing was denied, and there is nothing to count. */
	if (!(table->unreadable & what))
		return 0;
	for (size_t i = 0; i < table->count; i++) {
		const struct process *proc = &table->procs[i];

		if (!(proc->unreadable & what))
			continue;
		if (what == SCAN_EXE &&
		    strncmp(proc->comm, name, sizeof(proc->comm) - 1) != 0)
			continue;
		hidden++;
	}
	return hidden;
}

static void describe_absent(const struct service_config *service,
			    const struct process_table *table, size_t unchecked,
			    struct service_process *out)
{
	size_t used, hidden;

	out->status = SERVICE_ABSENT;
	if (service->match == MATCH_EXE)
		snprintf(out->reason, sizeof(out->reason), "no process runs %s", service->match_value);
	else if (service->match == MATCH_CMDLINE)
		snprintf(out->reason, sizeof(out->reason), "no process matches cmdline /%s/",
			 service->match_value);
	else
		snprintf(out->reason, sizeof(out->reason), "no process in unit %s",
			 service->match_value);
	/* A process we could not read (EACCES) might be the one: absent would be a guess. */
	hidden = count_hidden(service, table);
	if (hidden == 0 && unchecked == 0)
		return;
	out->status = SERVICE_UNKNOWN;
	used = strlen(out->reason);
	/* Or one whose cmdline ran the pattern into its limit: it might match. */
	if (unchecked > 0) {
		snprintf(out->reason + used, sizeof(out->reason) - used,
			 " that could be checked; %zu processes could not be checked "
			 "(%zu ran the pattern into its match limit)", hidden + unchecked, unchecked);
		return;
	}
	snprintf(out->reason + used, sizeof(out->reason) - used,
		 " that could be read; %zu processes could not be read%s", hidden,
		 service->match == MATCH_EXE ? " (their exe needs CAP_SYS_PTRACE)" : "");
}

static void describe_state(const struct process_table *table, const struct process *proc,
			   struct service_process *out)
{

	out->pid = proc->pid;
	out->main = proc;
	switch (proc->state) {
	case 'Z':
	case 'X':
		out->status = SERVICE_ZOMBIE;
		snprintf(out->reason, sizeof(out->reason),
			 "pid %d (%s) is <defunct>, not reaped by pid %d (%s)", (int)proc->pid,
			 proc->comm, (int)proc->ppid, process_comm(table, proc->ppid));
		break;
	case 'T':
	case 't':
		out->status = SERVICE_STOPPED;
		snprintf(out->reason, sizeof(out->reason), "pid %d (%s) is stopped", (int)proc->pid,
			 proc->comm);
		break;
	default:
		out->status = SERVICE_UP;
		out->reason[0] = '\0';
	}
}

/* The main process of the previous cycles, if it is still there and now defunct. */
static const struct process *defunct_last_main(const struct process_table *table,
					       const struct service_state *last)
{
	const struct process *proc;

	if (last == NULL || last->pid == 0 || !last->seen_this_boot)
		return NULL;
	proc = process_find(table, last->pid);
	if (proc == NULL || proc->start_ticks != last->start_ticks ||
	    (proc->state != 'Z' && proc->state != 'X'))
		return NULL;
	return proc;
}

void service_locate(const struct service_config *service, const struct process_table *table,
		    pid_t self, const struct service_state *last, struct service_process *out)
{
	const struct process *main_proc;
	size_t unchecked = 0;
	pid_t pid;

	memset(out, 0, sizeof(*out));
	switch (service->match) {
	case MATCH_NONE:
		out->status = SERVICE_UNKNOWN;
		return;
	case MATCH_PIDFILE:
		pid = read_pidfile(service->match_value, out);
		if (pid == 0)
			return;
		main_proc = process_find(table, pid);
		if (main_proc == NULL) {
			out->status = SERVICE_ABSENT;
			snprintf(out->reason, sizeof(out->reason),
				 "pidfile %s names pid %d, which is not running", service->match_value,
				 (int)pid);
			return;
		}
		break;
	default:
		main_proc = find_main(service, table, self, &unchecked);
		if (main_proc == NULL)
			main_proc = defunct_last_main(table, last);
		if (main_proc == NULL) {
			describe_absent(service, table, unchecked, out);
			return;
		}
	}
	describe_state(table, main_proc, out);
}
