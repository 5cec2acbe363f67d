/* The SNMP thread: AgentX subagent set-up, the agent loop, signals and shutdown. */
#ifndef OH_SNMP_AGENT_H
#define OH_SNMP_AGENT_H

#include <stdbool.h>

#include "config.h"

/* Exit code when another oobhealthd already runs on the same state file, or the AgentX
 * master refused our registrations (another subagent serves OOBHEALTH-MIB): sysexits.h
 * EX_TEMPFAIL, as a start after the other one stops would succeed. */
#define AGENT_EX_ANOTHER_INSTANCE 75

struct agent_options {
	bool foreground;
	bool log_chosen;       /* -L was given: keep its choice */
	const char *pidfile;   /* NULL: none */
};

/* Runs the subagent until SIGTERM/SIGINT; CONFIG passes to the prober. Returns the
 * process exit code: 0, AGENT_EX_ANOTHER_INSTANCE, or 1 when it could not start. */
int snmp_agent_run(struct config *config, const struct agent_options *options);

#endif
