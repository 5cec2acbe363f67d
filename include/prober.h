/* The prober thread: runs a cycle every interval, publishes snapshots, reloads the config. */
#ifndef OH_PROBER_H
#define OH_PROBER_H

#include "config.h"

/* Starts the thread with CONFIG (ownership passes to the prober) and LOCK_FD, the lock
 * beside the state file held since the start (-1: not taken; the prober tries again before
 * each write). Returns 0 or -1. */
int prober_start(struct config *config, int lock_fd);

/* Asks for a reload of the configuration file (SIGHUP); the prober does the reading. */
void prober_request_reload(void);

/* Asks the thread to finish and waits up to WAIT_MS for it. Returns 0 when it ended,
 * -1 when it is still stuck in a blocking call (the process may exit regardless). */
int prober_stop(unsigned wait_ms);

#endif
