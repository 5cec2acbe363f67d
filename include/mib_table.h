/* One sorted-row GET/GETNEXT lookup that serves every table of the MIB. */
#ifndef OH_MIB_TABLE_H
#define OH_MIB_TABLE_H

#include <net-snmp/net-snmp-config.h>
#include <net-snmp/net-snmp-includes.h>
#include <net-snmp/agent/net-snmp-agent-includes.h>

#include <stdbool.h>
#include <stdint.h>

#include "snapshot.h"

/* Rows of one table in the current snapshot: each begins with its struct row_index and
 * they are sorted by it. */
struct mib_rows {
	const void *base;
	size_t count;
	size_t stride;
};

/* Columns FIRST to LAST, as a served_columns mask. */
#define MIB_COLUMNS(first, last) ((uint32_t)((2u << (last)) - (1u << (first))))

struct mib_table {
	const char *name;
	oid entry[MAX_OID_LEN];        /* the xxxEntry OID; instances are entry.column.index */
	size_t entry_len;
	uint32_t served_columns;       /* bit N set: column N is answered */
	/* The table's rows in SNAPSHOT (never NULL). */
	struct mib_rows (*rows)(const struct snapshot *snapshot);
	/* Whether ROW has a value in COLUMN; NULL: every cell has one. A cell whose value is
	 * not known is not served (noSuchInstance; skipped by GETNEXT) rather than a wrong 0. */
	bool (*has)(const void *row, unsigned column);
	/* Sets VAR to the value of COLUMN in ROW. */
	void (*answer)(const void *row, unsigned column, netsnmp_variable_list *var);
};

/* The row and column an exact (GET) or following (GETNEXT) instance names; NULL if none. */
const void *mib_table_find(const struct mib_table *table, struct mib_rows rows, const oid *name,
			   size_t name_len, int exact, unsigned *column);

/* Appends to VARS the instance of COLUMN in ROW (entry.column.index) with its value, as
 * a GET answers it; a cell without an instance is sent with its raw value (0, or the
 * text for "not known"), since a notification's objects are all present. Returns -1
 * when out of memory. */
int mib_table_add_cell(const struct mib_table *table, const void *row, unsigned column,
		       netsnmp_variable_list **vars);

/* Registers TABLE read-only under its ENTRY's parent (the table OID). */
void mib_table_register(struct mib_table *table, const oid *entry, size_t entry_len);

#endif
