/* The MIB side of the SNMP thread: the snapshot being served and the registrations. */
#include <net-snmp/net-snmp-config.h>
#include <net-snmp/net-snmp-includes.h>
#include <net-snmp/agent/net-snmp-agent-includes.h>
#include <net-snmp/agent/agent_sysORTable.h>
#include <net-snmp/agent/sysORTable.h>

#include "mib.h"

#include <stddef.h>

#define MIB_DESCRIPTION "OOBHEALTH-MIB: out-of-band health of this host's services, from oobhealthd"

static struct snapshot *serving;

/* Lists the module in the master's sysORTable. The library keeps the entry and sends it
 * again each time the AgentX session is opened, so it comes back after snmpd restarts. */
static void register_module(void)
{
	static oid module[] = { OH_ROOT_OID };

	if (register_sysORTable(module, OID_LENGTH(module), MIB_DESCRIPTION) !=
	    SYS_ORTABLE_REGISTERED_OK)
		snmp_log(LOG_WARNING, "%s: cannot add OOBHEALTH-MIB to sysORTable; the MIB is "
			 "served all the same\n", __func__);
}

void mib_register_all(void)
{
	mib_agent_register();
	mib_service_register();
	mib_probe_register();
	mib_file_register();
	mib_restart_register();
	mib_stalled_register();
	register_module();
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
