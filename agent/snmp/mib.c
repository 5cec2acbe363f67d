/* The MIB side of the SNMP thread: the snapshot being served and the registrations. */
#include "mib.h"

#include <stddef.h>

static struct snapshot *serving;

void mib_register_all(void)
{
	mib_agent_register();
	mib_service_register();
	mib_probe_register();
	mib_file_register();
	mib_restart_register();
}

void mib_serve(struct snapshot *snapshot)
{
	snapshot_free(serving);
	serving = snapshot;
}

const struct snapshot *mib_snapshot(void)
{
	return serving;
}

void mib_release(void)
{
	mib_serve(NULL);
}
