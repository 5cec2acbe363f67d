/* What check_oobhealth reads from OOBHEALTH-MIB: the agent scalars, then the service and
 * probe rows, decoded from their string indexes into readings. */
#include "check_link.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mib_oids.h"

#define COUNT(array) (sizeof(array) / sizeof((array)[0]))

static const oid agent_group[] = { OH_AGENT };
static const oid service_entry[] = { OH_SERVICE_ENTRY };
static const oid probe_entry[] = { OH_PROBE_ENTRY };

static void agent_cell(void *ctx, unsigned subid, const oid *index, size_t index_len,
		       const netsnmp_variable_list *value);

enum link_result read_agent(struct snmp_link *link, struct agent_reading *agent, char *why,
			    size_t why_len)
{
	static const unsigned subids[] = { OH_AGENT_SNAPSHOT_AGE, OH_AGENT_INTERVAL,
					   OH_AGENT_LAST_CYCLE_DURATION, OH_AGENT_SERVICES };
	static const oid scalar_index[] = { 0 };
	enum link_result result;

	memset(agent, 0, sizeof(*agent));
	result = snmp_link_get(link, agent_group, OID_LENGTH(agent_group), subids, COUNT(subids),
			       scalar_index, 1, agent_cell, agent, why, why_len);
	if (result != LINK_OK)
		return result;
	if (agent->answered != COUNT(subids)) {
		snprintf(why, why_len, "oobhealthd is not registered with the SNMP agent at %s "
			 "(ohAgentSnapshotAge: noSuchObject)", snmp_link_peer(link));
		return LINK_NOT_SERVED;
	}
	return LINK_OK;
}

/* Decodes a length-prefixed string index at INDEX into OUT; returns the sub-ids used, or 0
 * when it is not a printable string that fits. */
static size_t decode_name(const oid *index, size_t index_len, char *out, size_t out_size)
{
	size_t len;

	if (index_len == 0 || index[0] == 0 || index[0] >= out_size || index[0] > index_len - 1)
		return 0;
	len = index[0];
	for (size_t i = 0; i < len; i++) {
		if (index[1 + i] < 0x21 || index[1 + i] > 0x7e)
			return 0;
		out[i] = (char)index[1 + i];
	}
	out[len] = '\0';
	return 1 + len;
}

static void encode_name(const char *name, oid *index, size_t *index_len)
{
	size_t len = strlen(name);

	index[0] = len;
	for (size_t i = 0; i < len; i++)
		index[1 + i] = (unsigned char)name[i];
	*index_len = 1 + len;
}

static void *grow(void *array, size_t count, size_t size)
{
	/* Doubling at powers of two keeps appends linear. */
	if (count == 0 || (count >= 8 && (count & (count - 1)) == 0)) {
		void *bigger = realloc(array, (count ? count * 2 : 8) * size);

		if (bigger == NULL) {
			fprintf(stdout, "OOBHEALTH UNKNOWN - out of memory\n");
			exit(CHECK_UNKNOWN);
		}
		return bigger;
	}
	return array;
}

/* Rows arrive in the same order in every column, so the next row is almost always the
 * one after the last found. */
static size_t find_service(struct reading *reading, const char *name, size_t *hint)
{
	for (size_t n = 0; n < reading->nservices; n++) {
		size_t i = (*hint + n) % reading->nservices;

		if (strcmp(reading->services[i].name, name) == 0) {
			*hint = i + 1;
			return i;
		}
	}
	return (size_t)-1;
}

static size_t find_probe(struct reading *reading, size_t owner, const char *name, size_t *hint)
{
	for (size_t n = 0; n < reading->nprobes; n++) {
		size_t i = (*hint + n) % reading->nprobes;

		if (reading->probes[i].service == owner && strcmp(reading->probes[i].name, name) == 0) {
			*hint = i + 1;
			return i;
		}
	}
	return (size_t)-1;
}

struct walk_state {
	struct reading *reading;
	size_t hint;                    /* where the next service row probably is */
	size_t probe_hint;
};

static uint32_t number_of(const netsnmp_variable_list *value)
{
	return value->val.integer != NULL && value->val_len >= sizeof(long)
		       ? (uint32_t)*value->val.integer : 0;
}

/* An Integer32 keeps its sign. */
static int32_t signed_number_of(const netsnmp_variable_list *value)
{
	return value->val.integer != NULL && value->val_len >= sizeof(long)
		       ? (int32_t)*value->val.integer : 0;
}

static void agent_cell(void *ctx, unsigned subid, const oid *index, size_t index_len,
		       const netsnmp_variable_list *value)
{
	struct agent_reading *agent = ctx;

	(void)index;
	(void)index_len;
	agent->answered++;
	switch (subid) {
	case OH_AGENT_SNAPSHOT_AGE:
		agent->snapshot_age_ms = number_of(value);
		break;
	case OH_AGENT_INTERVAL:
		agent->interval_ms = number_of(value);
		break;
	case OH_AGENT_LAST_CYCLE_DURATION:
		agent->last_cycle_ms = number_of(value);
		break;
	case OH_AGENT_SERVICES:
		agent->services = number_of(value);
		break;
	}
}

static void service_cell(void *ctx, unsigned column, const oid *index, size_t index_len,
			 const netsnmp_variable_list *value)
{
	struct walk_state *walk = ctx;
	struct reading *reading = walk->reading;
	char name[OH_SERVICE_NAME_MAX + 1];
	struct service_reading *row;
	size_t i;

	if (decode_name(index, index_len, name, sizeof(name)) != index_len)
		return;
	i = find_service(reading, name, &walk->hint);
	if (i == (size_t)-1) {
		reading->services = grow(reading->services, reading->nservices,
					 sizeof(*reading->services));
		i = reading->nservices++;
		memset(&reading->services[i], 0, sizeof(reading->services[i]));
		strcpy(reading->services[i].name, name);
		walk->hint = i + 1;
	}
	row = &reading->services[i];
	switch (column) {
	case OH_SERVICE_STATUS:
		row->status = (enum service_status)number_of(value);
		break;
	case OH_SERVICE_PID:
		row->pid = number_of(value);
		break;
	case OH_SERVICE_RESTARTS:
		row->restarts = number_of(value);
		break;
	case OH_SERVICE_ZOMBIES:
		row->zombies = number_of(value);
		break;
	case OH_SERVICE_FD_OPEN:
		row->fd_open = number_of(value);
		row->fd_open_read = true;
		break;
	case OH_SERVICE_FD_SOFT_LIMIT:
		row->fd_soft_limit = number_of(value);
		row->fd_soft_limit_read = true;
		break;
	case OH_SERVICE_FD_WARN:
		row->fd_warn_pct = number_of(value);
		break;
	case OH_SERVICE_FD_CRIT:
		row->fd_crit_pct = number_of(value);
		break;
	case OH_SERVICE_CONNECTIONS:
		row->connections = number_of(value);
		row->connections_read = true;
		break;
	case OH_SERVICE_STALLED_CONNECTIONS:
		row->stalled_connections = number_of(value);
		break;
	case OH_SERVICE_HEALTH:
		row->health = (enum health)number_of(value);
		break;
	case OH_SERVICE_HEALTH_TEXT: {
		size_t len = value->val_len < sizeof(row->health_text) - 1
				     ? value->val_len : sizeof(row->health_text) - 1;

		memcpy(row->health_text, value->val.string, len);
		row->health_text[len] = '\0';
		break;
	}
	}
}

static void probe_cell(void *ctx, unsigned column, const oid *index, size_t index_len,
		       const netsnmp_variable_list *value)
{
	struct walk_state *walk = ctx;
	struct reading *reading = walk->reading;
	char service[OH_SERVICE_NAME_MAX + 1], name[OH_PROBE_NAME_MAX + 1];
	size_t used = decode_name(index, index_len, service, sizeof(service));
	size_t owner, i;
	struct probe_reading *row;

	if (used == 0 || decode_name(index + used, index_len - used, name, sizeof(name)) +
				 used != index_len)
		return;
	/* A probe of a service that appeared after the service walk waits for the next run. */
	owner = find_service(reading, service, &walk->hint);
	if (owner == (size_t)-1)
		return;
	i = find_probe(reading, owner, name, &walk->probe_hint);
	if (i == (size_t)-1) {
		reading->probes = grow(reading->probes, reading->nprobes, sizeof(*reading->probes));
		i = reading->nprobes++;
		memset(&reading->probes[i], 0, sizeof(reading->probes[i]));
		strcpy(reading->probes[i].name, name);
		reading->probes[i].service = owner;
		walk->probe_hint = i + 1;
	}
	row = &reading->probes[i];
	switch (column) {
	case OH_PROBE_STATUS:
		row->status = (enum probe_status)number_of(value);
		break;
	case OH_PROBE_LATENCY:
		row->latency_us = number_of(value);
		break;
	case OH_PROBE_ACCEPT_QUEUE:
		row->accept_queue = number_of(value);
		break;
	case OH_PROBE_ACCEPT_BACKLOG:
		row->accept_backlog = number_of(value);
		break;
	case OH_PROBE_TIMEOUT:
		row->timeout_ms = number_of(value);
		break;
	case OH_PROBE_CERT_DAYS_LEFT:
		row->cert_days_left = signed_number_of(value);
		row->cert_known = true;
		break;
	case OH_PROBE_FAILURE_PHASE:
		row->failure_phase = (enum probe_phase)number_of(value);
		break;
	case OH_PROBE_ACCEPT_STALLED_FOR:
		row->accept_stalled_s = number_of(value);
		break;
	}
}

enum link_result read_services(struct snmp_link *link, const char *service,
			       struct reading *reading, char *why, size_t why_len)
{
	static const unsigned service_columns[] = {
		OH_SERVICE_STATUS, OH_SERVICE_PID, OH_SERVICE_RESTARTS, OH_SERVICE_ZOMBIES,
		OH_SERVICE_FD_OPEN, OH_SERVICE_FD_SOFT_LIMIT, OH_SERVICE_HEALTH,
		OH_SERVICE_HEALTH_TEXT, OH_SERVICE_FD_WARN, OH_SERVICE_FD_CRIT,
		OH_SERVICE_CONNECTIONS, OH_SERVICE_STALLED_CONNECTIONS,
	};
	static const unsigned probe_columns[] = {
		OH_PROBE_STATUS, OH_PROBE_LATENCY, OH_PROBE_ACCEPT_QUEUE, OH_PROBE_ACCEPT_BACKLOG,
		OH_PROBE_TIMEOUT, OH_PROBE_CERT_DAYS_LEFT, OH_PROBE_FAILURE_PHASE,
		OH_PROBE_ACCEPT_STALLED_FOR,
	};
	struct walk_state walk = { .reading = reading };
	oid prefix[1 + OH_SERVICE_NAME_MAX];
	size_t prefix_len = 0;
	enum link_result result;

	/* One service is one GET of its row; all of them are a walk. */
	if (service != NULL) {
		encode_name(service, prefix, &prefix_len);
		result = snmp_link_get(link, service_entry, OID_LENGTH(service_entry),
				       service_columns, COUNT(service_columns), prefix, prefix_len,
				       service_cell, &walk, why, why_len);
	} else {
		result = snmp_link_walk(link, service_entry, OID_LENGTH(service_entry),
					service_columns, COUNT(service_columns), NULL, 0,
					service_cell, &walk, why, why_len);
	}
	if (result != LINK_OK || reading->nservices == 0)
		return result;
	walk.hint = 0;
	return snmp_link_walk(link, probe_entry, OID_LENGTH(probe_entry), probe_columns,
			      COUNT(probe_columns), prefix, prefix_len, probe_cell, &walk, why,
			      why_len);
}

void reading_clear(struct reading *reading)
{
	free(reading->services);
	free(reading->probes);
	reading->services = NULL;
	reading->probes = NULL;
	reading->nservices = 0;
	reading->nprobes = 0;
}

bool service_fd_known(const struct service_reading *service)
{
	return service->fd_open_read && service->fd_soft_limit_read && service->fd_soft_limit > 0;
}
