/* Builds each OOBHEALTH-MIB notification's varbinds and hands it to the master. SNMP
 * thread only. Each returns 0, or -1 when out of memory (nothing was sent). */
#ifndef OH_NOTIFY_SEND_H
#define OH_NOTIFY_SEND_H

#include <stdint.h>

#include "mib_oids.h"
#include "snapshot.h"

/* A notification about a service: ohServiceStatusChange, the fd and flapping ones. */
int notify_send_service(enum notification which, const struct service_row *row);
int notify_send_restart(const struct restart_row *restart, const struct service_row *service);
int notify_send_probe(const struct probe_row *row);
int notify_send_started(uint32_t services);
int notify_send_reload_failed(uint32_t failures, const char *text);
int notify_send_held_back(uint32_t held, uint32_t held_total, const char *text);

#endif
