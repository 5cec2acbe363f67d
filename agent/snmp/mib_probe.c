/* Serves ohProbeTable from the snapshot's probe rows. */
#include "mib_table.h"

#include "mib.h"
#include "mib_value.h"

static struct mib_rows probe_rows(const struct snapshot *s)
{
	return (struct mib_rows){ .base = s->probes, .count = s->nprobes,
				  .stride = sizeof(struct probe_row) };
}

/* ohProbeListenerPid 0 says nothing listens: an owner not found has no instance. The
 * certificate columns have one only for a TLS probe that saw a certificate, the
 * connection counts only while the cycle's connection dump worked. */
static bool probe_has(const void *r, unsigned column)
{
	const struct probe_row *row = r;

	if (column == OH_PROBE_CERT_NOT_AFTER || column == OH_PROBE_CERT_DAYS_LEFT)
		return row->cert_known;
	if (column == OH_PROBE_CONNECTIONS || column == OH_PROBE_STALLED_CONNECTIONS)
		return row->connections_known;
	return column != OH_PROBE_LISTENER_PID || row->owner_known;
}

static void probe_answer(const void *r, unsigned column, netsnmp_variable_list *var)
{
	const struct probe_row *row = r;

	switch (column) {
	case OH_PROBE_TARGET:
		mib_set_string(var, row->target);
		break;
	case OH_PROBE_STATUS:
		mib_set_integer(var, row->status);
		break;
	case OH_PROBE_LATENCY:
		mib_set_gauge(var, row->latency_us);
		break;
	case OH_PROBE_CONSEC_FAILURES:
		mib_set_gauge(var, row->consec_failures);
		break;
	case OH_PROBE_FAILURES:
		mib_set_counter(var, row->failures);
		break;
	case OH_PROBE_LAST_SUCCESS:
		mib_set_date_and_time(var, row->last_success_ms);
		break;
	case OH_PROBE_LAST_ERROR:
		mib_set_string(var, row->last_error);
		break;
	case OH_PROBE_ACCEPT_QUEUE:
		mib_set_gauge(var, row->accept_queue);
		break;
	case OH_PROBE_ACCEPT_BACKLOG:
		mib_set_gauge(var, row->accept_backlog);
		break;
	case OH_PROBE_LISTENER_PID:
		mib_set_unsigned(var, row->listener_pid);
		break;
	case OH_PROBE_CONNECTIONS:
		mib_set_gauge(var, row->connections);
		break;
	case OH_PROBE_STALLED_CONNECTIONS:
		mib_set_gauge(var, row->stalled_connections);
		break;
	case OH_PROBE_CERT_NOT_AFTER:
		mib_set_date_and_time(var, row->cert_not_after_ms);
		break;
	case OH_PROBE_CERT_DAYS_LEFT:
		mib_set_integer(var, row->cert_days_left);
		break;
	case OH_PROBE_TIMEOUT:
		mib_set_gauge(var, row->timeout_ms);
		break;
	case OH_PROBE_FAILURE_PHASE:
		mib_set_integer(var, row->failure_phase);
		break;
	case OH_PROBE_ACCEPT_STALLED_FOR:
		mib_set_unsigned(var, row->accept_stalled_s);
		break;
	}
}

struct mib_table mib_probe_table = {
	.name = "ohProbeTable",
	.served_columns = MIB_COLUMNS(OH_PROBE_TARGET, OH_PROBE_ACCEPT_STALLED_FOR),
	.rows = probe_rows,
	.has = probe_has,
	.answer = probe_answer,
};

void mib_probe_register(void)
{
	static const oid entry[] = { OH_PROBE_ENTRY };

	mib_table_register(&mib_probe_table, entry, OID_LENGTH(entry));
}
