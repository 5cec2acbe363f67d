/* The listener each probe of a cycle reaches and the process holding it: one sock_diag
 * dump and one owner search for all probes. */
#include "probe_listener.h"
#include "log.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

void probe_listeners_find(const struct process_table *table, struct listener_memory *memory,
			  const struct probe_job *jobs, size_t n, struct listener_table *listeners,
			  struct probe_listener *found)
{
	struct socket_owner *wanted = calloc(n ? n : 1, sizeof(*wanted));
	bool want_tcp = false, want_unix = false;
	size_t denied;

	for (size_t i = 0; i < n; i++) {
		if (jobs[i].probe->kind == PROBE_UNIX)
			want_unix = true;
		else
			want_tcp = true;
	}
	if (sock_diag_dump(want_tcp, want_unix, listeners) < 0 &&
	    strcmp(listeners->error, memory->last_error) != 0)
		log_msg(LOG_WARNING, "%s; accept queues and listener owners may be missing",
			listeners->error);
	snprintf(memory->last_error, sizeof(memory->last_error), "%s", listeners->error);
	for (size_t i = 0; i < n; i++) {
		const struct probe_config *probe = jobs[i].probe;

		found[i].listener = probe->kind == PROBE_UNIX
				    ? listener_for_unix(listeners, probe->unix_path)
				    : listener_for_inet(listeners, (const struct sockaddr *)&probe->addr);
		if (wanted != NULL && found[i].listener != NULL)
			wanted[i].inode = found[i].listener->inode;
	}
	if (wanted == NULL || table == NULL) {
		free(wanted);
		return;
	}
	denied = socket_owners_find(table, memory->owners, memory->nowners, wanted, n);
	for (size_t i = 0; i < n; i++) {
		found[i].owner = wanted[i].pid;
		found[i].owner_denied = found[i].listener != NULL && wanted[i].pid == 0 ? denied : 0;
		snprintf(found[i].owner_comm, sizeof(found[i].owner_comm), "%s",
			 process_comm(table, wanted[i].pid));
	}
	free(memory->owners);
	memory->owners = wanted;
	memory->nowners = n;
}

void listener_memory_free(struct listener_memory *memory)
{
	free(memory->owners);
	memset(memory, 0, sizeof(*memory));
}
