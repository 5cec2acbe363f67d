/* Serves ohRestartTable from the snapshot's restart rows. */
#include "mib_table.h"

#include "mib.h"
#include "mib_value.h"
#include "service_state.h"

static struct mib_rows restart_rows(const struct snapshot *s)
{
	return (struct mib_rows){ .base = s->restarts, .count = s->nrestarts,
				  .stride = sizeof(struct restart_row) };
}

/* A limit of 0 was never read (the process was gone before its limits could be): no
 * instance, rather than a regression to 0 descriptors. */
static bool restart_has(const void *r, unsigned column)
{
	const struct restart_row *row = r;

	if (column == OH_RESTART_OLD_FD_SOFT_LIMIT)
		return row->old_fd_soft_limit != 0;
	if (column == OH_RESTART_NEW_FD_SOFT_LIMIT)
		return row->new_fd_soft_limit != 0;
	if (column == OH_RESTART_OLD_EXIT)
		return row->old_exit >= 0;
	return true;
}

static void restart_answer(const void *r, unsigned column, netsnmp_variable_list *var)
{
	const struct restart_row *row = r;

	switch (column) {
	case OH_RESTART_TIME:
		mib_set_date_and_time(var, row->time_ms);
		break;
	case OH_RESTART_OLD_PID:
		mib_set_unsigned(var, row->old_pid);
		break;
	case OH_RESTART_NEW_PID:
		mib_set_unsigned(var, row->new_pid);
		break;
	case OH_RESTART_DOWNTIME:
		mib_set_gauge(var, row->downtime_ms);
		break;
	case OH_RESTART_OLD_FD_SOFT_LIMIT:
		mib_set_gauge(var, row->old_fd_soft_limit);
		break;
	case OH_RESTART_NEW_FD_SOFT_LIMIT:
		mib_set_gauge(var, row->new_fd_soft_limit);
		break;
	case OH_RESTART_OLD_EXIT: {
		char text[64];

		exit_status_text(row->old_exit, text, sizeof(text));
		mib_set_string(var, text);
		break;
	}
	}
}

struct mib_table mib_restart_table = {
	.name = "ohRestartTable",
	.served_columns = MIB_COLUMNS(OH_RESTART_TIME, OH_RESTART_OLD_EXIT),
	.rows = restart_rows,
	.answer = restart_answer,
	.has = restart_has,
};

void mib_restart_register(void)
{
	static const oid entry[] = { OH_RESTART_ENTRY };

	mib_table_register(&mib_restart_table, entry, OID_LENGTH(entry));
}
