/* Serves the agent and host scalars (ohAgent*, ohHost*) from the snapshot. */
#include <net-snmp/net-snmp-config.h>
#include <net-snmp/net-snmp-includes.h>
#include <net-snmp/agent/net-snmp-agent-includes.h>


#include "mib.h"
#include "clock.h"
#include "mib_value.h"
#include "notify_budget.h"
#include "oobhealth.h"

/* The scalar-group helper passes each request down with rootoid set to group.subid.0. */
static int subid_of(netsnmp_handler_registration *reginfo)
{
	return reginfo->rootoid_len >= 2 ? (int)reginfo->rootoid[reginfo->rootoid_len - 2] : 0;
}

static int agent_handler(netsnmp_mib_handler *handler, netsnmp_handler_registration *reginfo,
			 netsnmp_agent_request_info *reqinfo, netsnmp_request_info *requests)
{
	const struct snapshot *s = mib_snapshot();
	uint32_t sent, held_back;

	(void)handler;
	if (reqinfo->mode != MODE_GET || s == NULL)
		return SNMP_ERR_NOERROR;
	notify_counts(&sent, &held_back);
	for (; requests != NULL; requests = requests->next) {
		netsnmp_variable_list *var = requests->requestvb;
		uint64_t now = monotonic_ms();

		switch (subid_of(reginfo)) {
		case OH_AGENT_VERSION:
			mib_set_string(var, OOBHEALTH_VERSION);
			break;
		case OH_AGENT_SERVICES:
			mib_set_gauge(var, s->nservices);
			break;
		case OH_AGENT_CYCLES:
			mib_set_counter(var, s->cycles);
			break;
		case OH_AGENT_LAST_CYCLE_DURATION:
			mib_set_gauge(var, s->last_cycle_ms);
			break;
		case OH_AGENT_SNAPSHOT_AGE:
			mib_set_gauge(var, now > s->completed_ms ? now - s->completed_ms : 0);
			break;
		case OH_AGENT_CONFIG_RELOADS:
			mib_set_counter(var, s->config_reloads);
			break;
		case OH_AGENT_CONFIG_FAILURES:
			mib_set_counter(var, s->config_failures);
			break;
		case OH_AGENT_LAST_CYCLE_CPU:
			mib_set_gauge(var, s->last_cycle_cpu_us);
			break;
		case OH_AGENT_INTERVAL:
			mib_set_gauge(var, s->interval_ms);
			break;
		case OH_AGENT_TRACKING_MODE:
			mib_set_integer(var, s->tracking_mode);
			break;
		case OH_AGENT_NOTIFICATIONS_SENT:
			mib_set_counter(var, sent);
			break;
		case OH_AGENT_NOTIFICATIONS_HELD_BACK:
			mib_set_counter(var, held_back);
			break;
		}
	}
	return SNMP_ERR_NOERROR;
}

static int host_handler(netsnmp_mib_handler *handler, netsnmp_handler_registration *reginfo,
			netsnmp_agent_request_info *reqinfo, netsnmp_request_info *requests)
{
	const struct snapshot *s = mib_snapshot();

	(void)handler;
	if (reqinfo->mode != MODE_GET || s == NULL)
		return SNMP_ERR_NOERROR;
	for (; requests != NULL; requests = requests->next) {
		netsnmp_variable_list *var = requests->requestvb;
		int64_t value = -1;
		int subid = subid_of(reginfo);

		if (subid == OH_HOST_FD_ALLOCATED)
			value = s->host_fd_allocated;
		else if (subid == OH_HOST_FD_MAX)
			value = s->host_fd_max;
		else if (subid == OH_HOST_LISTEN_OVERFLOWS)
			value = s->host_listen_overflows;
		/* Unreadable (-1): left unanswered, the agent says noSuchInstance. */
		if (value < 0)
			continue;
		if (subid == OH_HOST_LISTEN_OVERFLOWS)
			mib_set_counter(var, (uint64_t)value);
		else
			mib_set_gauge(var, (uint64_t)value);
	}
	return SNMP_ERR_NOERROR;
}

static void register_group(const char *name, Netsnmp_Node_Handler *handler, const oid *root,
			   size_t root_len, oid last)
{
	netsnmp_handler_registration *reg =
		netsnmp_create_handler_registration(name, handler, root, root_len, HANDLER_CAN_RONLY);

	if (reg == NULL || netsnmp_register_scalar_group(reg, 1, last) != MIB_REGISTERED_OK) {
		snmp_log(LOG_ERR, "%s: cannot register %s\n", __func__, name);
		exit(1);
	}
}

void mib_agent_register(void)
{
	static const oid agent_oid[] = { OH_AGENT };
	static const oid host_oid[] = { OH_HOST };

	register_group("ohAgent", agent_handler, agent_oid, OID_LENGTH(agent_oid),
		       OH_AGENT_NOTIFICATIONS_HELD_BACK);
	register_group("ohHost", host_handler, host_oid, OID_LENGTH(host_oid),
		       OH_HOST_LISTEN_OVERFLOWS);
}
