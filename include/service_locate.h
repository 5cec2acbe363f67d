/* Finds each service's main process in the scanned process table. */
#ifndef OH_SERVICE_LOCATE_H
#define OH_SERVICE_LOCATE_H

#include "config.h"
#include "proc_scan.h"

struct service_process {
	enum service_status status;
	pid_t pid;                        /* 0 when absent */
	char reason[200];                 /* why the status is not plainly up; "" when up */
};

/* The /proc attributes the configured matches need (enum scan_wants bits). */
unsigned service_scan_wants(const struct config *config);

/* Locates SERVICE's main process; SELF (this daemon) never matches. */
void service_locate(const struct service_config *service, const struct process_table *table,
		    pid_t self, struct service_process *out);

#endif
