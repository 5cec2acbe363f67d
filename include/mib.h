/* The MIB side of the SNMP thread: the snapshot being served and the registrations. */
#ifndef OH_MIB_H
#define OH_MIB_H

#include "snapshot.h"

/* OID arcs below the root (mibs/OOBHEALTH-MIB.txt). */
#define OH_OBJECTS OH_ROOT_OID, 1
#define OH_AGENT OH_OBJECTS, 1
#define OH_HOST OH_OBJECTS, 2
#define OH_SERVICE_ENTRY OH_OBJECTS, 3, 1
#define OH_PROBE_ENTRY OH_OBJECTS, 4, 1
#define OH_FILE_ENTRY OH_OBJECTS, 5, 1
#define OH_RESTART_ENTRY OH_OBJECTS, 6, 1

/* Registers every object of OOBHEALTH-MIB. */
void mib_register_all(void);

/* Makes SNAPSHOT the one answered from and frees the previous one (SNMP thread only). */
void mib_serve(struct snapshot *snapshot);
const struct snapshot *mib_snapshot(void);
void mib_release(void);

void mib_agent_register(void);
void mib_service_register(void);
void mib_probe_register(void);
void mib_file_register(void);
void mib_restart_register(void);

#endif
