/* The AgentX master as oobhealthd sees it: why it is out of reach, and whether it
 * refused our registrations. SNMP thread only. */
#ifndef OH_AGENTX_MASTER_H
#define OH_AGENTX_MASTER_H

#include <stdbool.h>

#include "config.h"

/* Follows the master's sessions and checks each registration's answer; USER and GROUP
 * (this process's) go into the hints. Call before init_snmp, which first connects. */
void agentx_master_watch(const struct config *config, const char *user, const char *group);

/* Logs why the master cannot be reached, now and every ping interval while it cannot,
 * once per change of reason. Call after init_snmp. */
void agentx_master_explain(void);

/* The master answered a registration with a refusal: another subagent serves the MIB. */
bool agentx_master_refused(void);

#endif
