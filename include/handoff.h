/* Hands snapshots from the prober to the SNMP thread, waking it via eventfd. */
#ifndef OH_HANDOFF_H
#define OH_HANDOFF_H

#include "snapshot.h"

/* Creates the wake-up eventfd, which the log queue shares; returns it (for
 * register_readfd) or -1. */
int handoff_init(void);

/* Prober side: replaces the pending snapshot (an unclaimed older one is freed). */
void handoff_publish(struct snapshot *snapshot);

/* Prober side: takes back a snapshot the SNMP thread has not claimed yet (NULL if none),
 * so that one is freed before the next is built: at most two are alive at once. */
struct snapshot *handoff_withdraw(void);

/* SNMP side: clears the wake-up and takes the newest snapshot, NULL if none is new. */
struct snapshot *handoff_take(void);

#endif
