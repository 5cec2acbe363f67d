/* The floor for make bench: the least an AgentX subagent can do with net-snmp's own
 * helpers. One Integer32 scalar and one tdata table indexed by a string, as
 * OOBHEALTH-MIB's tables are, with values fixed at start.
 *
 *   floor_agent AGENTX_SOCKET ROWS COLUMNS
 *
 * Under netSnmpPlaypen.4243 (OOBHEALTH-MIB is .4242):
 *   .1.0          floor scalar (Integer32, the row count)
 *   .2.1.C.INDEX  table column C (1: the row name, an OCTET STRING; the rest Integer32)
 * Row names are svc00001, svc00002, ... SIGTERM or SIGINT ends it. */
#include <net-snmp/net-snmp-config.h>
#include <net-snmp/net-snmp-includes.h>
#include <net-snmp/agent/net-snmp-agent-includes.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FLOOR_OID 1, 3, 6, 1, 4, 1, 8072, 9999, 9999, 4243

struct floor_row {
	char name[16];
	size_t name_len;
	long number;
};

static volatile sig_atomic_t running = 1;
static long columns;
static long row_count;

static void on_signal(int signo)
{
	(void)signo;
	running = 0;
}

static int answer_table(netsnmp_mib_handler *handler, netsnmp_handler_registration *reg,
			netsnmp_agent_request_info *reqinfo, netsnmp_request_info *requests)
{
	(void)handler;
	(void)reg;
	if (reqinfo->mode != MODE_GET)
		return SNMP_ERR_NOERROR;
	for (netsnmp_request_info *request = requests; request; request = request->next) {
		struct floor_row *row = netsnmp_tdata_extract_entry(request);
		netsnmp_table_request_info *info = netsnmp_extract_table_info(request);
		long value;

		if (row == NULL || info == NULL) {
			netsnmp_set_request_error(reqinfo, request, SNMP_NOSUCHINSTANCE);
			continue;
		}
		if (info->colnum == 1) {
			snmp_set_var_typed_value(request->requestvb, ASN_OCTET_STR, row->name,
						 row->name_len);
			continue;
		}
		value = row->number * 100 + (long)info->colnum;
		snmp_set_var_typed_value(request->requestvb, ASN_INTEGER, &value, sizeof(value));
	}
	return SNMP_ERR_NOERROR;
}

static void register_table(void)
{
	static const oid table_oid[] = { FLOOR_OID, 2 };
	netsnmp_handler_registration *reg;
	netsnmp_table_registration_info *info;
	netsnmp_tdata *table;

	reg = netsnmp_create_handler_registration("floorTable", answer_table, table_oid,
						  OID_LENGTH(table_oid), HANDLER_CAN_RONLY);
	table = netsnmp_tdata_create_table("floorTable", 0);
	info = SNMP_MALLOC_TYPEDEF(netsnmp_table_registration_info);
	if (reg == NULL || table == NULL || info == NULL) {
		fprintf(stderr, "floor_agent: out of memory\n");
		exit(1);
	}
	netsnmp_table_helper_add_indexes(info, ASN_OCTET_STR, 0);
	info->min_column = 1;
	info->max_column = (unsigned int)columns;
	for (long i = 1; i <= row_count; i++) {
		struct floor_row *row = SNMP_MALLOC_TYPEDEF(struct floor_row);
		netsnmp_tdata_row *trow = netsnmp_tdata_create_row();

		if (row == NULL || trow == NULL) {
			fprintf(stderr, "floor_agent: out of memory\n");
			exit(1);
		}
		row->name_len = (size_t)snprintf(row->name, sizeof(row->name), "svc%05ld", i);
		row->number = i;
		trow->data = row;
		netsnmp_tdata_row_add_index(trow, ASN_OCTET_STR, row->name, row->name_len);
		netsnmp_tdata_add_row(table, trow);
	}
	netsnmp_tdata_register(reg, table, info);
}

int main(int argc, char **argv)
{
	static const oid scalar_oid[] = { FLOOR_OID, 1, 0 };
	static long scalar;

	if (argc != 4 || (row_count = atol(argv[2])) < 1 || (columns = atol(argv[3])) < 1) {
		fprintf(stderr, "usage: floor_agent AGENTX_SOCKET ROWS COLUMNS\n");
		return 2;
	}
	scalar = row_count;
	setenv("MIBS", "", 1);
	signal(SIGPIPE, SIG_IGN);
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	snmp_enable_stderrlog();
	netsnmp_ds_set_boolean(NETSNMP_DS_APPLICATION_ID, NETSNMP_DS_AGENT_ROLE, 1);
	netsnmp_ds_set_string(NETSNMP_DS_APPLICATION_ID, NETSNMP_DS_AGENT_X_SOCKET, argv[1]);
	netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_DONT_READ_CONFIGS, 1);
	netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_DISABLE_PERSISTENT_LOAD, 1);
	netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_DISABLE_PERSISTENT_SAVE, 1);
	init_agent("floor_agent");
	netsnmp_ds_set_int(NETSNMP_DS_APPLICATION_ID, NETSNMP_DS_AGENT_AGENTX_PING_INTERVAL, 1);
	netsnmp_register_read_only_long_instance("floorScalar", scalar_oid, OID_LENGTH(scalar_oid),
						 &scalar, NULL);
	register_table();
	init_snmp("floor_agent");
	while (running)
		agent_check_and_process(1);
	snmp_shutdown("floor_agent");
	return 0;
}
