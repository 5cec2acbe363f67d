/* Decides which notifications to send from the snapshots the SNMP thread takes: changes
 * that lasted one interval, restarts, rejected reloads, oobhealthd's start, and after the
 * master comes back what it may have missed; within agent.notifications' budget. SNMP
 * thread only. */
#ifndef OH_NOTIFY_H
#define OH_NOTIFY_H

#include <stdint.h>

#include "config.h"
#include "snapshot.h"

/* Follows the master's sessions; call before init_snmp, which opens the first. */
void notify_init(const struct config *config);

/* SNAPSHOT is now the one served (it stays valid until the next call). */
void notify_take(const struct snapshot *snapshot);

void notify_release(void);

#endif
