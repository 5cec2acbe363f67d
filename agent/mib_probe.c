/* Serves ohProbeTable from the snapshot's probe rows. */
#include "mib_table.h"

#include "mib.h"
#include "mib_value.h"

enum probe_column {
	COL_NAME = 1,
	COL_TARGET,
	COL_STATUS,
	COL_LATENCY,
	COL_CONSEC_FAILURES,
	COL_FAILURES,
	COL_LAST_SUCCESS,
	COL_LAST_ERROR,
	COL_ACCEPT_QUEUE,
	COL_ACCEPT_BACKLOG,
	COL_LISTENER_PID,
	COL_CONNECTIONS,
	COL_STALLED_CONNECTIONS,
};

static struct mib_rows probe_rows(const struct snapshot *s)
{
	return (struct mib_rows){ .base = s->probes, .count = s->nprobes,
				  .stride = sizeof(struct probe_row) };
}

static void probe_answer(const void *r, unsigned column, netsnmp_variable_list *var)
{
	const struct probe_row *row = r;

	switch (column) {
	case COL_TARGET:
		mib_set_string(var, row->target);
		break;
	case COL_STATUS:
		mib_set_integer(var, row->status);
		break;
	case COL_LATENCY:
		mib_set_gauge(var, row->latency_us);
		break;
	case COL_CONSEC_FAILURES:
		mib_set_gauge(var, row->consec_failures);
		break;
	case COL_FAILURES:
		mib_set_counter(var, row->failures);
		break;
	case COL_LAST_SUCCESS:
		mib_set_date_and_time(var, row->last_success_ms);
		break;
	case COL_LAST_ERROR:
		mib_set_string(var, row->last_error);
		break;
	case COL_ACCEPT_QUEUE:
		mib_set_gauge(var, row->accept_queue);
		break;
	case COL_ACCEPT_BACKLOG:
		mib_set_gauge(var, row->accept_backlog);
		break;
	case COL_LISTENER_PID:
		mib_set_unsigned(var, row->listener_pid);
		break;
	case COL_CONNECTIONS:
		mib_set_gauge(var, row->connections);
		break;
	case COL_STALLED_CONNECTIONS:
		mib_set_gauge(var, row->stalled_connections);
		break;
	}
}

static struct mib_table probe_table = {
	.name = "ohProbeTable",
	.served_columns = MIB_COLUMNS(COL_TARGET, COL_STALLED_CONNECTIONS),
	.rows = probe_rows,
	.answer = probe_answer,
};

void mib_probe_register(void)
{
	static const oid entry[] = { OH_PROBE_ENTRY };

	mib_table_register(&probe_table, entry, OID_LENGTH(entry));
}
