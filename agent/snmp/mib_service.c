/* Serves ohServiceTable from the snapshot's service rows. */
#include "mib_table.h"

#include "mib.h"
#include "mib_value.h"

static struct mib_rows service_rows(const struct snapshot *s)
{
	return (struct mib_rows){ .base = s->services, .count = s->nservices,
				  .stride = sizeof(struct service_row) };
}

/* The fd columns, the owner and the connection counts have no instance while they are
 * not known; fd_warn, fd_crit and stall_after are configured values and always have one. */
static bool service_has(const void *r, unsigned column)
{
	const struct service_row *row = r;

	switch (column) {
	case OH_SERVICE_FD_OPEN:
	case OH_SERVICE_FD_SOFT_LIMIT:
	case OH_SERVICE_FD_HARD_LIMIT:
	case OH_SERVICE_FD_USAGE:
		return row->fd_known;
	case OH_SERVICE_OWNER_UID:
		return row->owner_known;
	case OH_SERVICE_CONNECTIONS:
	case OH_SERVICE_STALLED_CONNECTIONS:
		return row->connections_known;
	default:
		return true;
	}
}

static void service_answer(const void *r, unsigned column, netsnmp_variable_list *var)
{
	const struct service_row *row = r;

	switch (column) {
	case OH_SERVICE_STATUS:
		mib_set_integer(var, row->status);
		break;
	case OH_SERVICE_PID:
		mib_set_unsigned(var, (uint64_t)row->pid);
		break;
	case OH_SERVICE_START_TIME:
		mib_set_date_and_time(var, row->start_time_ms);
		break;
	case OH_SERVICE_RESTARTS:
		mib_set_counter(var, row->restarts);
		break;
	case OH_SERVICE_LAST_RESTART:
		mib_set_date_and_time(var, row->last_restart_ms);
		break;
	case OH_SERVICE_ZOMBIES:
		mib_set_gauge(var, row->zombies);
		break;
	case OH_SERVICE_FD_OPEN:
		mib_set_gauge(var, row->fd_open);
		break;
	case OH_SERVICE_FD_SOFT_LIMIT:
		mib_set_gauge(var, row->fd_soft_limit);
		break;
	case OH_SERVICE_FD_HARD_LIMIT:
		mib_set_gauge(var, row->fd_hard_limit);
		break;
	case OH_SERVICE_FD_USAGE:
		mib_set_gauge(var, row->fd_usage_pct);
		break;
	case OH_SERVICE_HEALTH:
		mib_set_integer(var, row->health);
		break;
	case OH_SERVICE_HEALTH_TEXT:
		mib_set_string(var, row->health_text);
		break;
	case OH_SERVICE_FD_WARN:
		mib_set_gauge(var, row->fd_warn_pct);
		break;
	case OH_SERVICE_FD_CRIT:
		mib_set_gauge(var, row->fd_crit_pct);
		break;
	case OH_SERVICE_OWNER_UID:
		mib_set_unsigned(var, row->owner_uid);
		break;
	case OH_SERVICE_CONNECTIONS:
		mib_set_gauge(var, row->connections);
		break;
	case OH_SERVICE_STALLED_CONNECTIONS:
		mib_set_gauge(var, row->stalled_connections);
		break;
	case OH_SERVICE_STALL_AFTER:
		mib_set_unsigned(var, row->stall_after_ms);
		break;
	}
}

struct mib_table mib_service_table = {
	.name = "ohServiceTable",
	.served_columns = MIB_COLUMNS(OH_SERVICE_STATUS, OH_SERVICE_STALL_AFTER),
	.rows = service_rows,
	.has = service_has,
	.answer = service_answer,
};

void mib_service_register(void)
{
	static const oid entry[] = { OH_SERVICE_ENTRY };

	mib_table_register(&mib_service_table, entry, OID_LENGTH(entry));
}
