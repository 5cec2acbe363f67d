/* Finds each service's main process in the scanned process table. */
#ifndef OH_SERVICE_LOCATE_H
#define OH_SERVICE_LOCATE_H

#include "config.h"
#include "proc_scan.h"
#include "service_state.h"

struct service_process {
	enum service_status status;
	pid_t pid;                        /* 0 when absent */
	const struct process *main;       /* in the table; NULL when absent */
	bool owner_known;                 /* the main process's uids were read */
	uid_t owner_uid;                  /* its effective uid */
	char reason[200];                 /* why the status is not plainly up; "" when up */
};

/* 1: PROC is one of SERVICE's processes by its match (exe, cmdline or unit; owners aside);
 * 0: it is not; -1: it could not be checked (the cmdline pattern gave up on it). */
int service_process_matches(const struct service_config *service, const struct process *proc);

/* The /proc attributes the configured matches need (enum scan_wants bits). */
unsigned service_scan_wants(const struct config *config);

/* Locates SERVICE's main process; SELF (this daemon) and kernel threads never match, nor
 * a process whose owner the service does not allow. A process that might match but
 * could not be read makes the status unknown: the main process could be another. LAST
 * is the main process the previous cycles saw (NULL if none): once defunct it no longer
 * shows the exe or cmdline a match needs, yet it is the service's process, reported as
 * zombie. */
void service_locate(const struct service_config *service, const struct process_table *table,
		    pid_t self, const struct service_state *last, struct service_process *out);

/* Locates SERVICE again from BEFORE, its last result, when nothing said any process of
 * it appeared, exec'd, changed owner or exited since: the same main process (started at
 * START_TICKS), its state read anew, or still none. Returns false when BEFORE cannot be
 * carried over (a pidfile, an unknown result, the process gone): then locate anew. */
bool service_locate_again(const struct service_config *service, const struct process_table *table,
			  const struct service_process *before, unsigned long long start_ticks,
			  struct service_process *out);

#endif
