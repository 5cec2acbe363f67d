/* Builds each OOBHEALTH-MIB notification's varbinds, every row's cells with the row's
 * index, and hands it to the master (an AgentX Notify PDU). */
#include <net-snmp/net-snmp-config.h>
#include <net-snmp/net-snmp-includes.h>
#include <net-snmp/agent/net-snmp-agent-includes.h>

#include "notify_send.h"
#include "mib.h"

#include <string.h>

static const oid snmp_trap_oid[] = { 1, 3, 6, 1, 6, 3, 1, 1, 4, 1, 0 };

/* The service columns each service notification carries, in its OBJECTS order. */
static const struct {
	enum notification which;
	unsigned columns[6];
	size_t count;
} service_objects[] = {
	{ OH_SERVICE_STATUS_CHANGE,
	  { OH_SERVICE_STATUS, OH_SERVICE_HEALTH, OH_SERVICE_HEALTH_TEXT }, 3 },
	{ OH_FD_LIMIT_REGRESSION,
	  { OH_SERVICE_FD_SOFT_LIMIT, OH_SERVICE_FD_HARD_LIMIT, OH_SERVICE_HEALTH_TEXT }, 3 },
	{ OH_FD_LIMIT_RESTORED,
	  { OH_SERVICE_FD_SOFT_LIMIT, OH_SERVICE_FD_HARD_LIMIT, OH_SERVICE_HEALTH_TEXT }, 3 },
	{ OH_FD_USAGE_HIGH,
	  { OH_SERVICE_FD_OPEN, OH_SERVICE_FD_SOFT_LIMIT, OH_SERVICE_FD_USAGE, OH_SERVICE_FD_WARN,
	    OH_SERVICE_FD_CRIT, OH_SERVICE_HEALTH_TEXT }, 6 },
	{ OH_FD_USAGE_NORMAL,
	  { OH_SERVICE_FD_OPEN, OH_SERVICE_FD_SOFT_LIMIT, OH_SERVICE_FD_USAGE,
	    OH_SERVICE_HEALTH_TEXT }, 4 },
	{ OH_SERVICE_FLAPPING,
	  { OH_SERVICE_RESTARTS, OH_SERVICE_LAST_RESTART, OH_SERVICE_HEALTH_TEXT }, 3 },
	{ OH_SERVICE_FLAPPING_ENDED,
	  { OH_SERVICE_RESTARTS, OH_SERVICE_LAST_RESTART, OH_SERVICE_HEALTH_TEXT }, 3 },
};

static const unsigned restart_columns[] = {
	OH_RESTART_TIME, OH_RESTART_OLD_PID, OH_RESTART_NEW_PID, OH_RESTART_DOWNTIME,
	OH_RESTART_OLD_FD_SOFT_LIMIT, OH_RESTART_NEW_FD_SOFT_LIMIT, OH_RESTART_OLD_EXIT,
};

static const unsigned probe_columns[] = {
	OH_PROBE_STATUS, OH_PROBE_LAST_ERROR, OH_PROBE_LISTENER_PID, OH_PROBE_CONSEC_FAILURES,
};

/* snmpTrapOID.0, the first varbind of every notification. */
static netsnmp_variable_list *begin(enum notification which)
{
	const oid trap[] = { OH_NOTIFICATIONS, which };
	netsnmp_variable_list *vars = NULL;

	if (snmp_varlist_add_variable(&vars, snmp_trap_oid, OID_LENGTH(snmp_trap_oid),
				      ASN_OBJECT_ID, trap, sizeof(trap)) == NULL)
		return NULL;
	return vars;
}

/* Sends VARS (NULL: one of them could not be built) and frees them. */
static int finish(netsnmp_variable_list *vars, int failed)
{
	if (vars != NULL && !failed)
		send_v2trap(vars);
	snmp_free_varbind(vars);
	return vars == NULL || failed ? -1 : 0;
}

static int add_cells(const struct mib_table *table, const void *row, const unsigned *columns,
		     size_t count, netsnmp_variable_list **vars)
{
	for (size_t i = 0; i < count; i++) {
		if (mib_table_add_cell(table, row, columns[i], vars) < 0)
			return -1;
	}
	return 0;
}

/* A scalar's instance (ARC.SUBID.0) with a value of TYPE. */
static int add_scalar(netsnmp_variable_list **vars, const oid *arc, size_t arc_len, oid subid,
		      u_char type, const void *value, size_t len)
{
	oid name[MAX_OID_LEN];

	memcpy(name, arc, arc_len * sizeof(oid));
	name[arc_len] = subid;
	name[arc_len + 1] = 0;
	return snmp_varlist_add_variable(vars, name, arc_len + 2, type, value, len) ? 0 : -1;
}

static int add_agent_number(netsnmp_variable_list **vars, oid subid, u_char type, uint32_t value)
{
	static const oid agent[] = { OH_AGENT };
	u_long v = value;

	return add_scalar(vars, agent, OID_LENGTH(agent), subid, type, &v, sizeof(v));
}

static int add_notify_text(netsnmp_variable_list **vars, const char *text)
{
	static const oid notify[] = { OH_NOTIFY };

	return add_scalar(vars, notify, OID_LENGTH(notify), OH_NOTIFY_TEXT, ASN_OCTET_STR, text,
			  strlen(text));
}

int notify_send_service(enum notification which, const struct service_row *row)
{
	for (size_t i = 0; i < sizeof(service_objects) / sizeof(service_objects[0]); i++) {
		netsnmp_variable_list *vars;

		if (service_objects[i].which != which)
			continue;
		vars = begin(which);
		return finish(vars, vars != NULL &&
				    add_cells(&mib_service_table, row, service_objects[i].columns,
					      service_objects[i].count, &vars) < 0);
	}
	return -1;
}

int notify_send_restart(const struct restart_row *restart, const struct service_row *service)
{
	netsnmp_variable_list *vars = begin(OH_SERVICE_RESTART);
	const unsigned text = OH_SERVICE_HEALTH_TEXT;

	return finish(vars, vars != NULL &&
			    (add_cells(&mib_restart_table, restart, restart_columns,
				       sizeof(restart_columns) / sizeof(restart_columns[0]), &vars) < 0 ||
			     add_cells(&mib_service_table, service, &text, 1, &vars) < 0));
}

int notify_send_probe(const struct probe_row *row)
{
	netsnmp_variable_list *vars = begin(OH_PROBE_STATUS_CHANGE);

	return finish(vars, vars != NULL &&
			    add_cells(&mib_probe_table, row, probe_columns,
				      sizeof(probe_columns) / sizeof(probe_columns[0]), &vars) < 0);
}

int notify_send_started(uint32_t services)
{
	netsnmp_variable_list *vars = begin(OH_AGENT_STARTED);
	static const oid agent[] = { OH_AGENT };

	return finish(vars, vars != NULL &&
			    (add_scalar(&vars, agent, OID_LENGTH(agent), OH_AGENT_VERSION,
					ASN_OCTET_STR, OOBHEALTH_VERSION, strlen(OOBHEALTH_VERSION)) < 0 ||
			     add_agent_number(&vars, OH_AGENT_SERVICES, ASN_GAUGE, services) < 0));
}

int notify_send_reload_failed(uint32_t failures, const char *text)
{
	netsnmp_variable_list *vars = begin(OH_CONFIG_RELOAD_FAILED);

	return finish(vars, vars != NULL &&
			    (add_agent_number(&vars, OH_AGENT_CONFIG_FAILURES, ASN_COUNTER, failures) < 0 ||
			     add_notify_text(&vars, text) < 0));
}

int notify_send_held_back(uint32_t held, uint32_t held_total, const char *text)
{
	static const oid notify[] = { OH_NOTIFY };
	netsnmp_variable_list *vars = begin(OH_NOTIFICATIONS_HELD_BACK);
	u_long v = held;

	return finish(vars, vars != NULL &&
			    (add_scalar(&vars, notify, OID_LENGTH(notify), OH_NOTIFY_HELD_BACK,
					ASN_GAUGE, &v, sizeof(v)) < 0 ||
			     add_agent_number(&vars, OH_AGENT_NOTIFICATIONS_HELD_BACK, ASN_COUNTER,
					      held_total) < 0 ||
			     add_notify_text(&vars, text) < 0));
}
