/* check_oobhealth's one SNMP session to the master agent: GETs of scalars and a walk of
 * table columns side by side, all within the run's deadline. */
#ifndef OH_CHECK_LINK_H
#define OH_CHECK_LINK_H

#include <net-snmp/net-snmp-config.h>
#include <net-snmp/net-snmp-includes.h>

#include "check.h"

struct snmp_link *snmp_link_open(const struct check_options *options, char *why,
				 size_t why_len);
void snmp_link_close(struct snmp_link *link);

/* "udp:HOST:PORT", for messages. */
const char *snmp_link_peer(const struct snmp_link *link);

/* Called for each cell a walk finds: its column, its row's index and its value. */
typedef void cell_fn(void *ctx, unsigned column, const oid *index, size_t index_len,
		     const netsnmp_variable_list *value);

/* GETs the NCOLUMNS COLUMNS of the row INDEX of the table ENTRY (for scalars: ENTRY is
 * the group, INDEX is 0); calls CELL for each that exists. */
enum link_result snmp_link_get(struct snmp_link *link, const oid *entry, size_t entry_len,
			       const unsigned *columns, size_t ncolumns, const oid *index,
			       size_t index_len, cell_fn *cell, void *ctx, char *why,
			       size_t why_len);

/* Walks the NCOLUMNS COLUMNS of the table ENTRY together, only the rows whose index starts
 * with INDEX_PREFIX, calling CELL for each cell in OID order within each column. */
enum link_result snmp_link_walk(struct snmp_link *link, const oid *entry, size_t entry_len,
				const unsigned *columns, size_t ncolumns, const oid *index_prefix,
				size_t prefix_len, cell_fn *cell, void *ctx, char *why,
				size_t why_len);

#endif
