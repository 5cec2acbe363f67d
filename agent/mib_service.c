/* Serves ohServiceTable from the snapshot's service rows. */
#include "mib_table.h"

#include <string.h>

#include "mib.h"

enum service_column {
	COL_NAME = 1,
	COL_STATUS = 2,
	COL_PID = 3,
	COL_HEALTH = 12,
	COL_HEALTH_TEXT = 13,
};

static struct mib_rows service_rows(void)
{
	const struct snapshot *s = mib_snapshot();
	struct mib_rows rows = { .stride = sizeof(struct service_row) };

	if (s != NULL) {
		rows.base = s->services;
		rows.count = s->nservices;
	}
	return rows;
}

static void service_answer(const void *r, unsigned column, netsnmp_variable_list *var)
{
	const struct service_row *row = r;
	long value;
	u_long unsigned_value;

	switch (column) {
	case COL_STATUS:
		value = row->status;
		snmp_set_var_typed_value(var, ASN_INTEGER, &value, sizeof(value));
		break;
	case COL_PID:
		unsigned_value = (u_long)row->pid;
		snmp_set_var_typed_value(var, ASN_UNSIGNED, &unsigned_value, sizeof(unsigned_value));
		break;
	case COL_HEALTH:
		value = row->health;
		snmp_set_var_typed_value(var, ASN_INTEGER, &value, sizeof(value));
		break;
	case COL_HEALTH_TEXT:
		snmp_set_var_typed_value(var, ASN_OCTET_STR, row->health_text,
					 strlen(row->health_text));
		break;
	}
}

static struct mib_table service_table = {
	.name = "ohServiceTable",
	.entry = { OH_SERVICE_ENTRY },
	.served_columns = 1u << COL_STATUS | 1u << COL_PID | 1u << COL_HEALTH |
			  1u << COL_HEALTH_TEXT,
	.rows = service_rows,
	.answer = service_answer,
};

void mib_service_register(void)
{
	static const oid entry[] = { OH_SERVICE_ENTRY };

	service_table.entry_len = OID_LENGTH(entry);
	mib_table_register(&service_table);
}
