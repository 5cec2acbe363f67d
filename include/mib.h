/* The MIB side of the SNMP thread: the snapshot being served and the registrations. */
#ifndef OH_MIB_H
#define OH_MIB_H

#include "mib_oids.h"
#include "mib_table.h"
#include "snapshot.h"

/* Registers every object of OOBHEALTH-MIB. */
void mib_register_all(void);

/* Makes SNAPSHOT the one answered from and frees the previous one (SNMP thread only). */
void mib_serve(struct snapshot *snapshot);
const struct snapshot *mib_snapshot(void);
void mib_release(void);

/* The tables, for notifications that carry their cells. */
extern struct mib_table mib_service_table;
extern struct mib_table mib_probe_table;
extern struct mib_table mib_restart_table;

void mib_agent_register(void);
void mib_service_register(void);
void mib_probe_register(void);
void mib_file_register(void);
void mib_restart_register(void);
void mib_stalled_register(void);

#endif
