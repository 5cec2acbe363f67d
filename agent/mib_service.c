/* Serves ohServiceTable from the snapshot's service rows. */
#include "mib_table.h"

#include "mib.h"
#include "mib_value.h"

enum service_column {
	COL_NAME = 1,
	COL_STATUS,
	COL_PID,
	COL_START_TIME,
	COL_RESTARTS,
	COL_LAST_RESTART,
	COL_ZOMBIES,
	COL_FD_OPEN,
	COL_FD_SOFT_LIMIT,
	COL_FD_HARD_LIMIT,
	COL_FD_USAGE,
	COL_HEALTH,
	COL_HEALTH_TEXT,
};

static struct mib_rows service_rows(const struct snapshot *s)
{
	return (struct mib_rows){ .base = s->services, .count = s->nservices,
				  .stride = sizeof(struct service_row) };
}

static void service_answer(const void *r, unsigned column, netsnmp_variable_list *var)
{
	const struct service_row *row = r;

	switch (column) {
	case COL_STATUS:
		mib_set_integer(var, row->status);
		break;
	case COL_PID:
		mib_set_unsigned(var, (uint64_t)row->pid);
		break;
	case COL_START_TIME:
		mib_set_date_and_time(var, row->start_time_ms);
		break;
	case COL_RESTARTS:
		mib_set_counter(var, row->restarts);
		break;
	case COL_LAST_RESTART:
		mib_set_date_and_time(var, row->last_restart_ms);
		break;
	case COL_ZOMBIES:
		mib_set_gauge(var, row->zombies);
		break;
	case COL_FD_OPEN:
		mib_set_gauge(var, row->fd_open);
		break;
	case COL_FD_SOFT_LIMIT:
		mib_set_gauge(var, row->fd_soft_limit);
		break;
	case COL_FD_HARD_LIMIT:
		mib_set_gauge(var, row->fd_hard_limit);
		break;
	case COL_FD_USAGE:
		mib_set_gauge(var, row->fd_usage_pct);
		break;
	case COL_HEALTH:
		mib_set_integer(var, row->health);
		break;
	case COL_HEALTH_TEXT:
		mib_set_string(var, row->health_text);
		break;
	}
}

static struct mib_table service_table = {
	.name = "ohServiceTable",
	.served_columns = MIB_COLUMNS(COL_STATUS, COL_HEALTH_TEXT),
	.rows = service_rows,
	.answer = service_answer,
};

void mib_service_register(void)
{
	static const oid entry[] = { OH_SERVICE_ENTRY };

	mib_table_register(&service_table, entry, OID_LENGTH(entry));
}
