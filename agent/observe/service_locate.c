/* Finds each service's main process in the scanned process table: only processes whose
 * owner the service allows, never on a guess when some could not be read. */
#include "service_locate.h"
#include "clean_text.h"
#include "pattern.h"
#include "pid_file.h"
#include "proc_owner.h"

#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

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

/* The uids a service's processes may run as: their real, effective and saved uids each. */
struct owner_rule {
	bool any;                          /* a unit without user: */
	uid_t uids[2];
	size_t count;
};

/* Without user:, root only for exe and cmdline (anyone can name a process anything and
 * run any binary); in a unit anyone, as only the system manager places processes in a
 * system unit's cgroup. A trusted pidfile's owner is added once the file is read. */
static struct owner_rule owner_rule_of(const struct service_config *service)
{
	struct owner_rule rule = { .count = 1 };

	if (service->match_user_set)
		rule.uids[0] = service->match_uid;
	else if (service->match == MATCH_UNIT)
		rule.any = true;
	return rule;
}

/* The first of UIDS the rule does not allow, or -1 when it allows all three. */
static long disallowed_uid(const struct owner_rule *rule, const struct process_uids *uids)
{
	const uid_t each[] = { uids->real, uids->effective, uids->saved };

	if (rule->any)
		return -1;
	for (size_t i = 0; i < sizeof(each) / sizeof(each[0]); i++) {
		bool allowed = false;

		for (size_t j = 0; j < rule->count; j++)
			allowed |= each[i] == rule->uids[j];
		if (!allowed)
			return (long)each[i];
	}
	return -1;
}

/* Who the rule allows, for reasons: "root", "root or uid 1000", or the user: given. */
static const char *owners_text(const struct service_config *service,
			       const struct owner_rule *rule, char *buf, size_t len)
{
	if (service->match_user_set)
		return service->match_user != NULL ? service->match_user : "the user: given";
	if (rule->count == 2) {
		snprintf(buf, len, "root or uid %u", (unsigned)rule->uids[1]);
		return buf;
	}
	return "root";
}

/* Whether the pidfile can only have been written by someone the service trusts. Without
 * user:, a pidfile of another owner than root adds that owner to RULE, unless someone
 * else could have put it there. */
static bool pidfile_trusted(const struct service_config *service, const struct pid_file *file,
			    struct owner_rule *rule, struct service_process *out)
{
	const char *hint = "";
	char why[120];

	if (file->mode & (S_IWGRP | S_IWOTH)) {
		snprintf(why, sizeof(why), "is writable by its group or others (mode %04o)",
			 (unsigned)(file->mode & 07777));
	} else if (file->nlink > 1) {
		snprintf(why, sizeof(why), "has %lu names (hard links)", (unsigned long)file->nlink);
	} else if (file->owner == 0) {
		return true;
	} else if (service->match_user_set) {
		if (file->owner == service->match_uid)
			return true;
		snprintf(why, sizeof(why), "is owned by uid %u, not root or %s", (unsigned)file->owner,
			 service->match_user != NULL ? service->match_user : "the user: given");
	} else if (file->dir_mode & (S_IWGRP | S_IWOTH)) {
		snprintf(why, sizeof(why), "is owned by uid %u in a directory others can write",
			 (unsigned)file->owner);
		hint = " (name the owner with user:)";
	} else if (file->dir_owner != 0 && file->dir_owner != file->owner) {
		snprintf(why, sizeof(why), "is owned by uid %u in a directory of uid %u",
			 (unsigned)file->owner, (unsigned)file->dir_owner);
		hint = " (name the owner with user:)";
	} else {
		rule->uids[rule->count++] = file->owner;
		return true;
	}
	out->status = SERVICE_UNKNOWN;
	snprintf(out->reason, sizeof(out->reason), "pidfile %s %s: not trusted%s",
		 service->match_value, why, hint);
	return false;
}

/* The pid in a pidfile the service trusts, or 0 with OUT's status and reason set. */
static pid_t read_pidfile(const struct service_config *service, struct owner_rule *rule,
			  struct service_process *out)
{
	const char *path = service->match_value;
	struct pid_file file;
	enum pid_file_result result = pid_file_read(path, &file);
	char shown[PID_FILE_TEXT_MAX * 4 + 1];

	out->status = SERVICE_UNKNOWN;
	switch (result) {
	case PID_FILE_OK:
	case PID_FILE_NOT_A_PID:
		break;
	case PID_FILE_MISSING:
		out->status = SERVICE_ABSENT;
		snprintf(out->reason, sizeof(out->reason), "pidfile %s is missing", path);
		return 0;
	case PID_FILE_CANNOT_OPEN:
		snprintf(out->reason, sizeof(out->reason), "pidfile %s: cannot open: %s", path,
			 strerror(errno));
		return 0;
	case PID_FILE_CANNOT_READ:
		snprintf(out->reason, sizeof(out->reason), "pidfile %s: cannot read: %s", path,
			 strerror(errno));
		return 0;
	case PID_FILE_SYMLINK:
		snprintf(out->reason, sizeof(out->reason),
			 "pidfile %s is a symbolic link: not followed (name the file it leads to)", path);
		return 0;
	case PID_FILE_NOT_REGULAR:
		snprintf(out->reason, sizeof(out->reason), "pidfile %s is not a regular file", path);
		return 0;
	}
	if (!pidfile_trusted(service, &file, rule, out))
		return 0;
	if (result == PID_FILE_NOT_A_PID) {
		/* What it holds, without the line end, at most 20 bytes. */
		while (file.text_len > 0 && (file.text[file.text_len - 1] == '\n' ||
					     file.text[file.text_len - 1] == '\r'))
			file.text_len--;
		clean_text(shown, sizeof(shown), file.text, file.text_len > 20 ? 20 : file.text_len);
		snprintf(out->reason, sizeof(out->reason), "pidfile %s does not hold a pid (\"%s\")",
			 path, shown);
		return 0;
	}
	out->status = SERVICE_UP;
	return file.pid;
}

/* Systemd places a system unit's processes below slices only ("/system.slice/x.service",
 * or at the top): a unit of the same name below another unit, such as a user manager's
 * "user@1000.service" or a container's scope, is someone else's. */
static int cgroup_in_unit(const char *cgroup, const char *unit)
{
	size_t len = strlen(unit);
	const char *at = cgroup;

	while (*at == '/') {
		const char *name = at + 1, *next = strchr(name, '/');
		size_t name_len = next != NULL ? (size_t)(next - name) : strlen(name);

		if (name_len == len && memcmp(name, unit, len) == 0)
			return 1;
		if (name_len < 6 || memcmp(name + name_len - 6, ".slice", 6) != 0)
			return 0;
		at = name + name_len;
	}
	return 0;
}

int service_process_matches(const struct service_config *service, const struct process *proc)
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

/* What matching left out, for the reason. */
struct match_tally {
	size_t other_owner;                /* matches owned by a uid the rule does not allow */
	uid_t other_uid;                   /* the first such uid seen */
	bool other_uids_differ;
	size_t unchecked;                  /* matches whose owner could not be read */
	size_t gave_up;                    /* allowed processes the cmdline pattern gave up on */
};

/* A process the match selects and whose owner the rule allows. */
struct candidate {
	const struct process *proc;
	struct process_uids uids;
	bool uids_known;                   /* read (not needed when the rule allows anyone) */
};

/* Whether PROC's owner qualifies; a match it leaves out is counted in TALLY. */
static bool owner_qualifies(const struct owner_rule *rule, const struct process_table *table,
			    struct candidate *c, struct match_tally *tally)
{
	long other;

	if (rule->any)
		return true;
	if (proc_read_uids(table, c->proc, &c->uids) < 0) {
		if (errno != ESRCH)        /* gone since the scan: as if never listed */
			tally->unchecked++;
		return false;
	}
	c->uids_known = true;
	other = disallowed_uid(rule, &c->uids);
	if (other < 0)
		return true;
	if (tally->other_owner == 0)
		tally->other_uid = (uid_t)other;
	else if (tally->other_uid != (uid_t)other)
		tally->other_uids_differ = true;
	tally->other_owner++;
	return false;
}

/* Of the processes a match selects whose owner qualifies, the main one is the top-most
 * ancestor (the oldest if several trees match). Owners are read only for processes that
 * otherwise match: a handful, not the whole table. */
static bool find_main(const struct service_config *service, const struct owner_rule *rule,
		      const struct process_table *table, pid_t self, struct match_tally *tally,
		      struct candidate *best)
{
	unsigned char *matched = calloc(table->count ? table->count : 1, 1);
	struct candidate *found = NULL;
	size_t nfound = 0, capacity = 0;
	bool have = false;

	if (matched == NULL)
		return false;
	for (size_t i = 0; i < table->count; i++) {
		struct candidate c = { .proc = &table->procs[i] };
		int verdict;

		if (c.proc->pid == self || c.proc->kernel_thread)
			continue;
		verdict = service_process_matches(service, c.proc);
		/* The owner first: another user's process that defeats the pattern is still not
		 * the service's, and must not turn it unknown. */
		if (verdict == 0 || !owner_qualifies(rule, table, &c, tally))
			continue;
		if (verdict < 0) {
			tally->gave_up++;
			continue;
		}
		if (nfound == capacity) {
			struct candidate *grown;

			capacity = capacity ? capacity * 2 : 8;
			grown = realloc(found, capacity * sizeof(*grown));
			if (grown == NULL)
				break;
			found = grown;
		}
		found[nfound++] = c;
		matched[i] = 1;
	}
	for (size_t i = 0; i < nfound; i++) {
		if (has_matched_ancestor(table, matched, found[i].proc))
			continue;
		if (!have || found[i].proc->start_ticks < best->proc->start_ticks)
			*best = found[i];
		have = true;
	}
	free(found);
	free(matched);
	return have;
}

/* Processes whose attribute for SERVICE's match could not be read and that might run
 * it: of an owner the rule allows (or one that could not be read either), and for exe
 * only those whose name (comm: the executable's first 15 characters at exec) is the
 * exe's, as another user's process by another name is not the service's binary. Those
 * /proc hides entirely count too. */
static size_t count_hidden(const struct service_config *service, const struct owner_rule *rule,
			   const struct process_table *table, pid_t self)
{
	unsigned what = service->match == MATCH_EXE ? SCAN_EXE
			: service->match == MATCH_CMDLINE ? SCAN_CMDLINE : SCAN_CGROUP;
	const char *name = strrchr(service->match_value, '/');
	size_t hidden = table->denied;

	name = name != NULL ? name + 1 : service->match_value;
	/* The usual case, as root: nothing was denied, and there is nothing to count. */
	if (!(table->unreadable & what))
		return hidden;
	for (size_t i = 0; i < table->count; i++) {
		const struct process *proc = &table->procs[i];
		struct process_uids uids;

		if (!(proc->unreadable & what) || proc->pid == self)
			continue;
		if (what == SCAN_EXE &&
		    strncmp(proc->comm, name, sizeof(proc->comm) - 1) != 0)
			continue;
		if (!rule->any) {
			int rc = proc_read_uids(table, proc, &uids);

			if ((rc == 0 && disallowed_uid(rule, &uids) >= 0) || (rc < 0 && errno == ESRCH))
				continue;
		}
		hidden++;
	}
	return hidden;
}

/* Appends to OUT's reason; what does not fit is cut. */
static void __attribute__((format(printf, 2, 3)))
reason_append(struct service_process *out, const char *fmt, ...)
{
	size_t used = strlen(out->reason);
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(out->reason + used, sizeof(out->reason) - used, fmt, ap);
	va_end(ap);
}

/* " (1 match owned by uid 1000 was not counted)", when a match was left out. */
static void append_tally(struct service_process *out, const struct match_tally *tally)
{
	if (tally->other_owner == 1)
		reason_append(out, " (1 match owned by uid %u was not counted)",
			      (unsigned)tally->other_uid);
	else if (tally->other_owner > 1 && !tally->other_uids_differ)
		reason_append(out, " (%zu matches owned by uid %u were not counted)",
			      tally->other_owner, (unsigned)tally->other_uid);
	else if (tally->other_owner > 1)
		reason_append(out, " (%zu matches owned by other users, uid %u among them, were not counted)",
			      tally->other_owner, (unsigned)tally->other_uid);
}

/* "2 processes could not be read (their exe needs CAP_SYS_PTRACE)"; HIDDEN also counts
 * the processes the cmdline pattern gave up on, which are named apart. */
static void append_hidden(struct service_process *out, const struct service_config *service,
			  const struct match_tally *tally, size_t hidden)
{
	size_t unread = hidden - tally->gave_up;
	bool one = unread == 1;

	if (unread > 0 && service->match == MATCH_EXE)
		reason_append(out, "%zu process%s could not be read (%s exe needs CAP_SYS_PTRACE)",
			      unread, one ? "" : "es", one ? "its" : "their");
	else if (unread > 0)
		reason_append(out, "%zu process%s could not be read (/proc hides %s: hidepid=; needs CAP_SYS_PTRACE)",
			      unread, one ? "" : "es", one ? "it" : "them");
	if (tally->gave_up > 0)
		reason_append(out, "%s%zu process%s ran the cmdline pattern into its match limit",
			      unread > 0 ? "; " : "", tally->gave_up, tally->gave_up == 1 ? "" : "es");
}

/* Nothing qualified. A process we could not read (EACCES) might be the one: then the
 * status is unknown, as absent would be a guess. */
static void describe_absent(const struct service_config *service, const struct owner_rule *rule,
			    const struct match_tally *tally, size_t hidden,
			    struct service_process *out)
{
	char owners[48];

	out->status = hidden > 0 ? SERVICE_UNKNOWN : SERVICE_ABSENT;
	if (service->match == MATCH_EXE)
		reason_append(out, "no process runs %s", service->match_value);
	else if (service->match == MATCH_CMDLINE)
		reason_append(out, "no process matches cmdline /%s/", service->match_value);
	else
		reason_append(out, "no process in unit %s", service->match_value);
	if (tally->other_owner > 0)
		reason_append(out, " owned by %s", owners_text(service, rule, owners, sizeof(owners)));
	if (hidden > 0)
		reason_append(out, " that could be read");
	append_tally(out, tally);
	if (hidden > 0) {
		reason_append(out, "; ");
		append_hidden(out, service, tally, hidden);
	}
}

/* A match was found, but a process that could not be read may be the main one instead. */
static void describe_unsure(const struct service_config *service, const struct process *proc,
			    const struct match_tally *tally, size_t hidden,
			    struct service_process *out)
{
	out->status = SERVICE_UNKNOWN;
	reason_append(out, "pid %d (%s) matches, but ", (int)proc->pid, proc->comm);
	append_hidden(out, service, tally, hidden);
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

/* The process a trusted pidfile names, if it is one the service's owner rule allows;
 * NULL with OUT's status and reason set otherwise. */
static const struct process *pidfile_process(const struct service_config *service,
					     const struct owner_rule *rule, pid_t pid,
					     const struct process_table *table,
					     struct candidate *c, struct service_process *out)
{
	const char *path = service->match_value;
	char owners[48];
	long other;

	c->proc = process_find(table, pid);
	out->status = SERVICE_ABSENT;
	/* Left out of the scan but there (kill says EPERM, not ESRCH): /proc hides it. */
	if (c->proc == NULL && table->denied > 0 && (kill(pid, 0) == 0 || errno == EPERM)) {
		out->status = SERVICE_UNKNOWN;
		snprintf(out->reason, sizeof(out->reason),
			 "pidfile %s names pid %d, which /proc hides (hidepid=; needs CAP_SYS_PTRACE)",
			 path, (int)pid);
		return NULL;
	}
	if (c->proc == NULL) {
		snprintf(out->reason, sizeof(out->reason), "pidfile %s names pid %d, which is not running",
			 path, (int)pid);
		return NULL;
	}
	if (c->proc->kernel_thread) {
		snprintf(out->reason, sizeof(out->reason), "pidfile %s names pid %d (%s), a kernel thread",
			 path, (int)pid, c->proc->comm);
		return NULL;
	}
	if (proc_read_uids(table, c->proc, &c->uids) < 0) {
		if (errno == ESRCH) {
			snprintf(out->reason, sizeof(out->reason),
				 "pidfile %s names pid %d, which is not running", path, (int)pid);
		} else {
			out->status = SERVICE_UNKNOWN;
			snprintf(out->reason, sizeof(out->reason),
				 "pidfile %s names pid %d (%s), whose owner could not be read: %s", path,
				 (int)pid, c->proc->comm, strerror(errno));
		}
		return NULL;
	}
	c->uids_known = true;
	other = disallowed_uid(rule, &c->uids);
	if (other >= 0) {
		snprintf(out->reason, sizeof(out->reason),
			 "pidfile %s names pid %d (%s), owned by uid %ld, not %s: not counted%s", path,
			 (int)pid, c->proc->comm, other, owners_text(service, rule, owners, sizeof(owners)),
			 service->match_user_set ? "" : " (name the owner with user:)");
		return NULL;
	}
	return c->proc;
}

/* Publishes the main process's owner: its effective uid. */
static void note_owner(const struct process_table *table, struct candidate *c,
		       struct service_process *out)
{
	if (!c->uids_known && proc_read_uids(table, c->proc, &c->uids) == 0)
		c->uids_known = true;
	out->owner_known = c->uids_known;
	out->owner_uid = c->uids.effective;
}

void service_locate(const struct service_config *service, const struct process_table *table,
		    pid_t self, const struct service_state *last, struct service_process *out)
{
	struct owner_rule rule = owner_rule_of(service);
	struct match_tally tally = { 0 };
	struct candidate main_proc = { 0 };
	size_t hidden;
	bool found;
	pid_t pid;

	memset(out, 0, sizeof(*out));
	switch (service->match) {
	case MATCH_NONE:
		out->status = SERVICE_UNKNOWN;
		return;
	case MATCH_PIDFILE:
		pid = read_pidfile(service, &rule, out);
		if (pid == 0 || pidfile_process(service, &rule, pid, table, &main_proc, out) == NULL)
			return;
		break;
	default:
		found = find_main(service, &rule, table, self, &tally, &main_proc);
		/* Matches never pick a process they could not fully check. */
		hidden = tally.unchecked + tally.gave_up + count_hidden(service, &rule, table, self);
		if (found && hidden > 0) {
			describe_unsure(service, main_proc.proc, &tally, hidden, out);
			return;
		}
		if (!found && hidden == 0)
			main_proc.proc = defunct_last_main(table, last);
		if (main_proc.proc == NULL) {
			describe_absent(service, &rule, &tally, hidden, out);
			return;
		}
	}
	describe_state(table, main_proc.proc, out);
	note_owner(table, &main_proc, out);
}

bool service_locate_again(const struct service_config *service, const struct process_table *table,
			  const struct service_process *before, unsigned long long start_ticks,
			  struct service_process *out)
{
	struct candidate main_proc = { 0 };

	if (service->match == MATCH_NONE || service->match == MATCH_PIDFILE)
		return false;
	if (before->status == SERVICE_ABSENT && before->pid == 0) {
		*out = *before;
		return true;
	}
	if (before->status != SERVICE_UP && before->status != SERVICE_STOPPED)
		return false;
	main_proc.proc = process_find(table, before->pid);
	if (main_proc.proc == NULL || main_proc.proc->start_ticks != start_ticks)
		return false;
	memset(out, 0, sizeof(*out));
	describe_state(table, main_proc.proc, out);
	note_owner(table, &main_proc, out);
	return true;
}
