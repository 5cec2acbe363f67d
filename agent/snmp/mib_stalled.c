/* Serves ohStalledPeerTable from the snapshot's stalled-peer rows. */
#include "mib_table.h"

#include "mib.h"
#include "mib_value.h"

static struct mib_rows stalled_peer_rows(const struct snapshot *s)
{
	return (struct mib_rows){ .base = s->stalled_peers, .count = s->nstalled_peers,
				  .stride = sizeof(struct stalled_peer_row) };
}

static void stalled_peer_answer(const void *r, unsigned column, netsnmp_variable_list *var)
{
	const struct stalled_peer_row *row = r;

	switch (column) {
	case OH_STALLED_PEER_REMOTE_ADDRESS:
		mib_set_string(var, row->remote_address);
		break;
	case OH_STALLED_PEER_REMOTE_PORT:
		mib_set_unsigned(var, row->remote_port);
		break;
	case OH_STALLED_PEER_LOCAL_PORT:
		mib_set_unsigned(var, row->local_port);
		break;
	case OH_STALLED_PEER_DIRECTION:
		mib_set_integer(var, row->direction);
		break;
	case OH_STALLED_PEER_UNACKED_BYTES:
		mib_set_gauge(var, row->unacked_bytes);
		break;
	case OH_STALLED_PEER_RETRANSMITS:
		mib_set_gauge(var, row->retransmits);
		break;
	case OH_STALLED_PEER_SILENT_MS:
		mib_set_gauge(var, row->silent_ms);
		break;
	case OH_STALLED_PEER_STATE:
		mib_set_integer(var, row->state);
		break;
	case OH_STALLED_PEER_PID:
		mib_set_unsigned(var, row->pid);
		break;
	}
}

static struct mib_table mib_stalled_peer_table = {
	.name = "ohStalledPeerTable",
	.served_columns = MIB_COLUMNS(OH_STALLED_PEER_REMOTE_ADDRESS, OH_STALLED_PEER_PID),
	.rows = stalled_peer_rows,
	.answer = stalled_peer_answer,
};

void mib_stalled_register(void)
{
	static const oid entry[] = { OH_STALLED_PEER_ENTRY };

	mib_table_register(&mib_stalled_peer_table, entry, OID_LENGTH(entry));
}
