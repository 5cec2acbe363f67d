/* The SNMP thread: AgentX subagent set-up, the agent loop, signals and shutdown. */
#ifndef OH_SNMP_AGENT_H
#define OH_SNMP_AGENT_H

#include <stdbool.h>

#include "config.h"

struct agent_options {
	bool foreground;
	bool log_chosen;       /* -L was given: keep its choice */
	const char *pidfile;   /* NULL: none */
};

/* Runs the subagent until SIGTERM/SIGINT; CONFIG passes to the prober. Returns the
 * process exit code. */
int snmp_agent_run(struct config *config, const struct agent_options *options);

#endif
