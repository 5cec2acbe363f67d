/* Hands snapshots and log lines from the prober to the SNMP thread, waking it via eventfd. */
#ifndef OH_HANDOFF_H
#define OH_HANDOFF_H

#include <stdarg.h>

#include "snapshot.h"

/* Creates the wake-up eventfd; returns it (for register_readfd) or -1. */
int handoff_init(void);

/* Prober side: replaces the pending snapshot (an unclaimed older one is freed). */
void handoff_publish(struct snapshot *snapshot);

/* SNMP side: clears the wake-up and takes the newest snapshot, NULL if none is new. */
struct snapshot *handoff_take(void);

/* Logging from any thread. Before handoff_init (e.g. --once) lines go to stderr; after
 * it they are queued for the SNMP thread, which alone may call snmp_log. */
void log_msg(int priority, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* SNMP side: passes every queued line to EMIT, oldest first. */
void handoff_drain_logs(void (*emit)(int priority, const char *line));

#endif
